"""The offline planner: estimates, the budget, the checklist, and saying what it is."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from arangetram_cli.ai import offline
from arangetram_cli.ai.prompt import event_context
from arangetram_cli.core.recommend import Estimate, estimate_cost, parse_estimate
from arangetram_cli.planner.local import LocalPlanner
from arangetram_cli.store.sqlite import SqliteStore

TODAY = dt.date(2026, 11, 27)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("$2,000 - $3,500", Estimate(2000, 3500)),
        ("$25 - $35 per person", Estimate(25, 35, "person")),
        ("$1,800 - $2,800 for the orchestra", Estimate(1800, 2800)),
        ("$700 - $1,200 for the trio", Estimate(700, 1200)),
        ("from $900", Estimate(900, 900)),
        ("$1.5k-$2k", Estimate(1500, 2000)),
        ("$40/person", Estimate(40, 40, "person")),
        ("$150 per hour", Estimate(150, 150, "hour")),
        ("call us", None),
        ("", None),
    ],
)
def test_parse_estimate(text, expected):
    assert parse_estimate(text) == expected


def test_estimate_cost_multiplies_per_person_by_guests():
    assert estimate_cost("$25 - $35 per person", 300) == (7500, 10500)
    assert estimate_cost("$1,800 - $2,800 for the orchestra", 300) == (1800, 2800)
    assert estimate_cost("$150 per hour", 300) is None


@pytest.fixture
def planner(tmp_path, monkeypatch):
    monkeypatch.setenv("ARANGETRAM_BCRYPT_ROUNDS", "4")
    p = LocalPlanner(SqliteStore(tmp_path / "o.db"), "y" * 40)
    p.seed_demo()
    p.register("fam@example.com", "Fam", "correct horse battery")
    yield p
    p.close()


def make_event(p: LocalPlanner, date: str = "2027-06-12") -> dict:
    ev = p.create_event(
        {
            "event_name": "Meera's Arangetram",
            "event_date": date,
            "guest_count": 300,
            "budget": "$$$",
            "location_preference": "San Jose",
        }
    )
    p.add_event_vendor(ev["id"], "Sruthi Laya Ensemble")
    return p.get_event(ev["id"])


def money(s: str) -> int:
    return int(s.replace("$", "").replace(",", ""))


def test_budget_from_the_chosen_and_recommended_vendors(planner):
    ev = make_event(planner)
    text = offline.compose(
        planner, "How much will it cost?", event_context(planner, ev), reason="test", today=TODAY
    )
    assert text.startswith("**Offline planner**: no AI model wrote this (test)")
    assert "300 guests, budget $$$, San Jose" in text
    assert "Recommended vendors" not in text and "Checklist" not in text  # only what was asked
    rows = [ln for ln in text.splitlines() if ln.startswith("| ") and "–" in ln]
    orchestra = next(r for r in rows if r.startswith("| Orchestra"))
    assert "Sruthi Laya Ensemble (chosen)" in orchestra and "$1,800–$2,800" in orchestra
    catering = next(r for r in rows if r.startswith("| Catering"))
    m = re.search(r"\$(\d+) - \$(\d+) per person x 300 guests \| \$([\d,]+)–\$([\d,]+)", catering)
    assert m, catering
    assert money(m.group(3)) == int(m.group(1)) * 300 and money(m.group(4)) == int(m.group(2)) * 300
    lows = highs = 0
    for r in rows:
        if r.startswith("| **Total**"):
            low, high = re.search(r"\$([\d,]+)–\$([\d,]+)", r).groups()
            assert (money(low), money(high)) == (lows, highs)
        else:
            low, high = re.findall(r"\$([\d,]+)–\$([\d,]+) \|$", r)[0]
            lows, highs = lows + money(low), highs + money(high)
    assert "costumes and jewellery" in text


def test_checklist_counts_toward_the_date(planner):
    ev = make_event(planner)
    text = offline.compose(
        planner, "Give me a checklist", event_context(planner, ev), reason="t", today=TODAY
    )
    assert "**Now (November 2026), overdue**" in text
    overdue = text.split("overdue**")[1].split("**December 2026**")[0]
    assert "Fix the date with the guru and book the venue (was due June 2026)" in overdue
    assert "Book the orchestra" not in overdue  # done: the orchestra is chosen
    assert "- [x] Book the orchestra: nattuvangam, vocal, mridangam, violin, flute " \
           "(chosen: Sruthi Laya Ensemble)" in text  # fmt: skip
    months = re.findall(r"^\*\*([A-Z][a-z]+ \d{4})\*\*$", text, re.M)
    assert months[0] == "December 2026" and months[-1] == "June 2027"
    assert "Recital week" in text.split("**June 2027**")[1]


def test_date_passed_and_no_event(planner):
    ev = make_event(planner, "2026-01-10")
    text = offline.compose(planner, "timeline?", event_context(planner, ev), reason="t",
                           today=TODAY)  # fmt: skip
    assert "has passed" in text
    general = offline.compose(planner, "What should I know?", None, reason="t", today=TODAY)
    assert "assumes 100 guests, a $$ budget and the Bay Area" in general
    assert "**12 months before**" in general
    assert "| **Total** |" in general and "### Recommended vendors" in general


def test_a_category_question_gets_that_category(planner):
    ev = make_event(planner)
    text = offline.compose(
        planner, "Which photographer?", event_context(planner, ev), reason="t", today=TODAY
    )
    recs = text.split("### Recommended vendors")[1]
    assert "**Photographer**" in recs and "**Venue**" not in recs
    assert "San Jose" in recs


def test_the_answer_streams_line_by_line(planner):
    chunks = list(offline.answer(planner, "budget", None, reason="t", today=TODAY))
    assert len(chunks) > 5 and all(c.endswith("\n") for c in chunks)


@pytest.mark.parametrize(
    ("question", "found"),
    [
        ("budget for a 300-guest Arangetram in San Jose",
         {"guest_count": 300, "location": "San Jose"}),
        ("luxury recital for 150 people near Fremont",
         {"guest_count": 150, "budget": "$$$$", "location": "Fremont"}),
        ("we have $20,000 for 1,250 guests",
         {"guest_count": 1250, "budget": "$$", "budget_amount": 20000}),
        ("a 45k budget, is that enough?", {"budget": "$$$", "budget_amount": 45000}),
        ("$ venue in Palo Alto?", {"budget": "$", "location": "Palo Alto"}),
        ("a frugal plan", {"budget": "$"}),
        ("What should I know?", {}),
    ],
)  # fmt: skip
def test_the_question_gives_guests_budget_and_place(question, found):
    assert offline.criteria(question) == found


def test_an_offline_answer_plans_for_what_the_question_says(planner):
    text = offline.compose(planner, "budget for a 300-guest Arangetram in San Jose", None,
                           reason="t", today=TODAY)  # fmt: skip
    assert "From your question: 300 guests, a $$ budget, San Jose; the budget assumed" in text
    assert "x 300 guests" in text  # catering per person, for 300
    assert "assumes 100 guests" not in text
