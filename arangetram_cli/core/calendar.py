"""The plan as an RFC 5545 calendar, written with the `icalendar` library.

- the recital: a VEVENT on the event date (timed when `event_time` reads as a clock time,
  else all day), at the booked venue's name and location (else the event's area);
- each open task: a VTODO due on its date;
- each budget line with a due date and money still owed: a VTODO "Pay ..." due that day.
UIDs are derived from our ids (`<kind>-<id>@arangetram`), so importing a newer export into a
calendar app updates the entries instead of duplicating them.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from arangetram_cli.core.values import day_of
from arangetram_cli.core.workspace import format_money

Doc = dict[str, Any]
PRODID = "-//arangetram//Arangetram planning workspace//EN"
UID_DOMAIN = "arangetram"
RECITAL_HOURS = 4
_CLOCK = re.compile(r"^\s*(\d{1,2})(?::(\d{2}))?\s*([ap]\.?m\.?)?\s*$", re.I)


def uid(kind: str, doc_id: str) -> str:
    return f"{kind}-{doc_id}@{UID_DOMAIN}"


def _clock(text: Any) -> dt.time | None:
    m = _CLOCK.match(str(text or ""))
    if not m:
        return None
    hour, minute = int(m.group(1)), int(m.group(2) or 0)
    suffix = (m.group(3) or "").lower().replace(".", "")
    if suffix == "pm" and hour < 12:
        hour += 12
    elif suffix == "am" and hour == 12:
        hour = 0
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        return None
    return dt.time(hour, minute)


def _stamp(text: Any) -> dt.datetime:
    try:
        return dt.datetime.fromisoformat(str(text)).astimezone(dt.UTC).replace(microsecond=0)
    except ValueError:
        return dt.datetime(2000, 1, 1, tzinfo=dt.UTC)


def build_calendar(parts: list[Doc]) -> str:
    """`parts`: one {event, venue, tasks, items (with balance_cents)} per event."""
    from icalendar import Calendar, Event, Todo

    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    if len(parts) == 1:
        cal.add("x-wr-calname", str(parts[0]["event"].get("event_name") or "Arangetram"))
    for part in parts:
        event, venue = part["event"], part.get("venue")
        name = str(event.get("event_name") or "Arangetram")
        day = day_of(event.get("event_date"))
        currency = str(event.get("currency") or "USD")
        if day is not None:
            ve = Event()
            ve.add("uid", uid("event", event["id"]))
            ve.add("dtstamp", _stamp(event.get("created_at")))
            ve.add("summary", name)
            start = _clock(event.get("event_time"))
            if start is None:
                ve.add("dtstart", day)
                ve.add("dtend", day + dt.timedelta(days=1))
            else:  # floating local time: the recital is at 5:30 PM wherever the hall is
                begin = dt.datetime.combine(day, start)
                ve.add("dtstart", begin)
                ve.add("dtend", begin + dt.timedelta(hours=RECITAL_HOURS))
            if venue is not None:
                where = ", ".join(
                    s for s in (venue.get("business_name"), venue.get("location")) if s
                )
            else:
                where = str(event.get("location_preference") or "")
            if where:
                ve.add("location", where)
            notes = str(event.get("special_requirements") or "")
            if notes:
                ve.add("description", notes)
            ve.add("status", "CONFIRMED" if event.get("status") == "confirmed" else "TENTATIVE")
            cal.add_component(ve)
        for t in part.get("tasks") or []:
            if t.get("status") == "done":
                continue
            todo = Todo()
            todo.add("uid", uid("task", t["id"]))
            todo.add("dtstamp", _stamp(t.get("updated_at") or t.get("created_at")))
            todo.add("summary", f"{t.get('title')} ({name})")
            due = day_of(t.get("due_date"))
            if due is not None:
                todo.add("due", due)
            if t.get("notes"):
                todo.add("description", str(t["notes"]))
            if t.get("category"):
                todo.add("categories", [str(t["category"])])
            todo.add("status", "NEEDS-ACTION")
            cal.add_component(todo)
        for item in part.get("items") or []:
            due = day_of(item.get("due_date"))
            owed = item.get("balance_cents")
            if due is None or owed is None or owed <= 0:
                continue
            todo = Todo()
            todo.add("uid", uid("payment", item["id"]))
            todo.add("dtstamp", _stamp(item.get("updated_at") or item.get("created_at")))
            todo.add("summary", f"Pay {item.get('name')}: {format_money(owed, currency)} ({name})")
            todo.add("due", due)
            todo.add("categories", ["payment"])
            todo.add("status", "NEEDS-ACTION")
            cal.add_component(todo)
    return cal.to_ical().decode("utf-8")
