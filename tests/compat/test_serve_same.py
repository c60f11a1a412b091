"""The same reproductions (issue 11, items 2-5) against `arangetram serve`: what the client
does for the plain web back end must agree with what our own server does."""

from __future__ import annotations

import uuid

import pytest

from tests.conftest import one_error_line
from tests.server.support import PASSWORD, served  # noqa: F401 (the fixture)

pytestmark = pytest.mark.service


def test_serve_agrees(sh, served):  # noqa: F811
    t = uuid.uuid4().hex[:8]
    port = served.url.rsplit(":", 1)[1]

    def run(url: str, *args: str, **kw):
        return sh("--api-url", url, *args, **kw)

    slash_api = f"http://127.0.0.1:{port}/api/"
    assert run(served.url, "seed").code == 0
    short = run(served.url, "auth", "register", "--email", f"s{t}@example.com", "--name", "S",
                "--password-stdin", input="short12\n")  # fmt: skip
    one_error_line(short, 2, "password")

    # A vendor renamed with parentheses, found literally by name and by search.
    v = run(slash_api, "-p", "v", "auth", "register", "--vendor", "--email", f"v{t}@example.com",
            "--name", "V", "--password-stdin", input=PASSWORD + "\n")  # fmt: skip
    assert v.code == 0, v.err
    assert run(served.url, "-p", "v", "auth", "whoami").json()["backend"] == served.url
    made = run(served.url, "-p", "v", "vendors", "create", "--name", f"Hall {t}",
               "--category", "venue", "--location", "Fremont", "--price-range", "$")  # fmt: skip
    assert made.code == 0, made.err
    name = f"Natya Hall (Fremont {t})"
    assert run(served.url, "-p", "v", "vendors", "update", "--name", name).code == 0
    assert run(served.url, "vendors", "show", name).json()["id"] == made.json()["id"]
    found = run(served.url, "vendors", "list", "--search", f"(Fremont {t})")
    assert [x["id"] for x in found.json()] == [made.json()["id"]]

    # One pending request per vendor and event.
    f = run(served.url, "-p", "f", "auth", "register", "--email", f"f{t}@example.com",
            "--name", "F", "--password-stdin", input=PASSWORD + "\n")  # fmt: skip
    assert f.code == 0, f.err
    event = run(served.url, "-p", "f", "events", "create", "--name", "E", "--date", "2027-05-01")
    event_id = event.json()["id"]
    assert run(served.url, "-p", "f", "events", "add-vendor", event_id, name).code == 0
    first = run(served.url, "-p", "f", "bookings", "create", "--event", event_id, "--vendor", name)
    assert first.code == 0, first.err
    second = run(served.url, "-p", "f", "bookings", "create", "--event", event_id,
                 "--vendor", name)  # fmt: skip
    one_error_line(second, 5, "pending request")

    rec = run(served.url, "-p", "f", "vendors", "recommend")  # serve: AI endpoints need a login
    assert rec.code == 0, rec.err
    picked = [x for xs in rec.json()["recommendations"].values() for x in xs]
    assert picked and all(x["reason"].strip() for x in picked)
