"""One parser per kind of text, shared by every caller: vendor prices and hall seats
(core.prices), the CSV formula guard (core.values)."""

from arangetram_cli.core import workspace as ws
from arangetram_cli.core.prices import estimate_cents, seats


def test_budget_estimate_reads_thousands_and_pp():
    assert ws.vendor_estimate({"price_estimate": "$1.5k - $2k"}) == (175_000, False)
    assert ws.vendor_estimate({"price_estimate": "$25 - $35 pp"}) == (3_000, True)
    assert ws.vendor_estimate({"price_estimate": "$2,000 - $3,500"}) == (275_000, False)
    assert ws.vendor_estimate({"price_estimate": "$50 - $75 per person"}) == (6_250, True)
    assert ws.vendor_estimate({"price_estimate": "call us"}) == (None, False)
    # an hourly rate is not a flat price: no estimate without the hours
    assert ws.vendor_estimate({"price_estimate": "$150 per hour"}) == (None, False)
    assert estimate_cents("$19.995") == (2_000, False)  # cents rounded half up, an int
    assert isinstance(ws.vendor_estimate({"price_estimate": "$1.5k"})[0], int)


def test_hall_seats_with_a_thousands_comma():
    hall = {"category": "venue", "description": "A 1,200-seat hall"}
    assert ws.venue_capacity(hall) == 1200
    assert seats(hall) == 1200
    assert ws.venue_capacity({"capacity": 300, "description": "A 1,200-seat hall"}) == 300


def test_budget_capacity_warning_for_a_big_hall():
    event = {"id": "e1", "guest_count": 400}
    hall = {"id": "v1", "category": "venue", "business_name": "Big Hall",
            "description": "A 1,200-seat hall", "price_estimate": "$1.5k - $2k"}  # fmt: skip
    budget = ws.compute_budget(event, [], [hall], venue=hall)
    assert not any("seats" in w for w in budget["warnings"])  # 400 guests fit in 1,200 seats
    line = budget["lines"][0]
    assert line["estimate_total_cents"] == 175_000
    caterer = {"id": "v2", "category": "catering", "business_name": "Dosa",
               "price_estimate": "$25 - $35 pp"}  # fmt: skip
    budget = ws.compute_budget(event, [], [caterer], venue=None)
    assert budget["lines"][0]["estimate_total_cents"] == 3_000 * 400


def test_one_csv_guard_for_every_export():
    from arangetram_cli.cli.output import csv_safe as output_safe
    from arangetram_cli.core.guests import csv_safe as guests_safe

    for safe in (output_safe, guests_safe):
        assert safe("+1 408 555 0100") == "+1 408 555 0100"  # a phone number runs nothing
        assert safe("+1 (408) 555-0100") == "+1 (408) 555-0100"
        assert safe("-2+3") == "'-2+3"  # arithmetic is not a phone number
        assert safe("+1-555 =cmd|'/c calc'!A1") == "'+1-555 =cmd|'/c calc'!A1"
        assert safe("'=x") == "''=x"  # seed takes exactly one apostrophe away again
        assert safe("=1+1") == "'=1+1" and safe(None) == "" and safe("it's") == "it's"


def test_a_vendor_phone_survives_csv_export_and_seed(cli, monkeypatch, tmp_path):
    import csv
    import io
    import json

    src = tmp_path / "in.jsonl"
    row = {"business_name": "Hall", "category": "venue", "location": "San Jose",
           "contact_phone": "+1 408 555 0100"}  # fmt: skip
    src.write_text(json.dumps(row) + "\n", encoding="utf-8")
    assert cli("seed", "--file", str(src)).code == 0
    exported = cli("vendors", "list", "--all", "-o", "csv")
    table = list(csv.DictReader(io.StringIO(exported.out)))
    assert table[0]["contact_phone"] == "+1 408 555 0100"
    out = tmp_path / "export.csv"
    out.write_text(exported.out, encoding="utf-8")
    monkeypatch.setenv("ARANGETRAM_DATA_DIR", str(tmp_path / "other"))
    assert cli("seed", "--file", str(out)).code == 0
    back = cli("vendors", "list", "--all").json()
    assert [v["contact_phone"] for v in back] == ["+1 408 555 0100"]


def test_task_and_budget_text_refuse_control_characters_as_guest_text_does():
    import datetime as dt

    import pytest

    from arangetram_cli.core import guests
    from arangetram_cli.core.errors import Invalid

    event = {"id": "e1", "event_date": "2027-06-12"}
    today = dt.date(2026, 11, 27)
    with pytest.raises(Invalid, match="task title has control characters"):
        ws.task_fields({"title": "Evil \x1b[2J Hall"}, event, today, creating=True)
    with pytest.raises(Invalid, match="notes has control characters"):
        ws.budget_fields({"name": "Hall", "notes": "bell\x07"}, event, creating=True)
    with pytest.raises(Invalid, match="name has control characters"):
        guests.clean_text("Meera\x7f", "name")
    # a title keeps its lines (the table shows them escaped); a guest name is one line
    title = ws.task_fields({"title": "title\nsecond line"}, event, today, creating=True)
    assert title["title"] == "title\nsecond line"
    assert guests.clean_text(" Meera \n Iyer ", "name") == "Meera Iyer"
    with pytest.raises(Invalid, match="too long"):
        ws.text_field("x" * 201, "task title", 200)


def test_guest_emails_match_as_accounts_do():
    from arangetram_cli.core import guests

    rows = [
        (2, {"name": "A", "email": "victim@example.com"}),
        (3, {"name": "B", "email": "ｖｉｃｔｉｍ@Example.com"}),  # fullwidth: the same address
    ]
    kept, merged = guests.merge_rows(rows)
    assert [n for n, _ in kept] == [2] and merged == ["line 3 merged into line 2 (same email)"]


def test_server_and_s3_sizes_read_alike():
    import pytest

    from arangetram_cli.core.errors import Invalid
    from arangetram_cli.media.images import parse_size as media_size
    from arangetram_cli.server.guard import size_text
    from arangetram_cli.server.limits import parse_size as server_size

    for text in ("2MB", "2MiB", "2M", "512k", "1.5KiB", "524288"):
        assert server_size(text, "ARANGETRAM_MAX_BODY") == media_size(text)
    assert server_size("2MB", "X") == 2_000_000
    with pytest.raises(Invalid, match="X must be at least 1 KiB"):
        server_size("1000", "X")
    assert size_text(4096) == "4 KiB (4,096 bytes)"


def test_edge_errors_carry_their_own_http_status():
    from arangetram_cli.server.ai import ProviderFailed
    from arangetram_cli.server.deps import TooLarge
    from arangetram_cli.server.errors import error_response

    assert TooLarge("too big").status() == 413 and ProviderFailed("no").status() == 502
    assert error_response(TooLarge("too big")).status_code == 413
    assert error_response(ProviderFailed("no")).status_code == 502


def test_every_rate_setting_is_read_by_one_parser_in_limits(monkeypatch):
    import pytest

    from arangetram_cli.core.errors import Invalid
    from arangetram_cli.core.rates import Rate
    from arangetram_cli.server.limits import Limits

    monkeypatch.setenv("ARANGETRAM_RSVP_RATE_LIMIT", "3/6")
    monkeypatch.setenv("ARANGETRAM_AI_RATE_LIMIT", "off")
    limits = Limits.from_env()
    assert limits.rsvp_rate == Rate(3, 6.0) and limits.ai_rate is None
    assert Limits().rsvp_rate == Rate(20, 30.0)
    monkeypatch.setenv("ARANGETRAM_RSVP_RATE_LIMIT", "lots")
    with pytest.raises(Invalid) as e:
        Limits.from_env()
    assert e.value.message == "ARANGETRAM_RSVP_RATE_LIMIT must look like 20/30, not 'lots'"
    monkeypatch.setenv("ARANGETRAM_RSVP_RATE_LIMIT", "off")
    monkeypatch.setenv("ARANGETRAM_AI_IP_RATE_LIMIT", "0/5")
    with pytest.raises(Invalid, match="ARANGETRAM_AI_IP_RATE_LIMIT: burst and rate must be"):
        Limits.from_env()
