"""LocalPlanner loads the planning workspace's services the first time one is used (see
planner/local/planner.py): checked in a fresh interpreter, where sys.modules tells."""

from __future__ import annotations

import json
import subprocess
import sys

_SCRIPT = """
import json, sys
from arangetram_cli.planner.local import LocalPlanner
from arangetram_cli.store.sqlite import SqliteStore

WORKSPACE = [m for m in ("checklist", "budget", "plans", "rsvp", "members", "guests")]
def loaded():
    return sorted(m for m in WORKSPACE if f"arangetram_cli.planner.local.{m}" in sys.modules)

out = {}
p = LocalPlanner(SqliteStore(sys.argv[1]), "a-test-secret-that-is-long-enough-0123")
out["before"] = loaded()
p.register("f@example.com", "F", "a long password")
event = p.create_event({"event_name": "Debut", "event_date": "2027-05-01", "guest_count": 80})
out["after_marketplace"] = loaded()
out["tasks"] = len(p.list_tasks(event["id"]))
out["after_workspace"] = loaded()
out["class"] = type(p).__name__
out["is_local"] = isinstance(p, LocalPlanner)
for name in ("no_such_method", "__deepcopy__"):
    try:
        getattr(p, name)
        out[name] = "found"
    except AttributeError as e:
        out[name] = str(e)
print(json.dumps(out))
"""


def test_workspace_services_load_on_first_use(tmp_path, env) -> None:
    r = subprocess.run(
        [sys.executable, "-c", _SCRIPT, str(tmp_path / "p.db")],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["before"] == [] and out["after_marketplace"] == []
    assert out["tasks"] > 0  # the template checklist is there: the workspace answered
    assert set(out["after_workspace"]) >= {"checklist", "budget", "plans", "rsvp"}
    assert out["class"] == "WorkspacePlanner" and out["is_local"] is True
    assert "no_such_method" in out["no_such_method"]
    assert "__deepcopy__" in out["__deepcopy__"]


def test_a_subclass_keeps_its_overrides_when_the_workspace_loads(tmp_path) -> None:
    """The server's RequestPlanner checks tokens through its cache: loading the workspace
    services must not turn it back into a plain planner."""
    from arangetram_cli.planner.local import LocalPlanner
    from arangetram_cli.planner.local.planner import with_workspace
    from arangetram_cli.store.sqlite import SqliteStore

    seen: list[str] = []

    class Checking(LocalPlanner):
        def _token_payload(self, token: str) -> dict:
            seen.append(token)
            return super()._token_payload(token)

    store = SqliteStore(tmp_path / "s.db")
    try:
        secret = "a-test-secret-that-is-long-enough-0123"
        token = LocalPlanner(store, secret).register("s@example.com", "S", "a long password")
        p = Checking(store, secret, token=token["token"])
        event = p.create_event({"event_name": "D", "event_date": "2027-05-01", "guest_count": 50})
        p._user = None  # ask again, after the upgrade below
        assert p.list_tasks(event["id"])["tasks"] == []  # a workspace method: class upgraded
        assert isinstance(p, Checking) and type(p) is with_workspace(Checking)
        assert type(p).__name__ == "Checking" and len(seen) == 2  # the override still ran
        assert with_workspace(Checking) is with_workspace(Checking)  # made once
    finally:
        store.close()
