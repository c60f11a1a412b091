"""How a person names a thing: full id, unique id prefix, or exact name (any letter case).

One minimum prefix length, one "ambiguous" message and one not-found shape for every planner
(local, remote, the workspace) and the server, and the hints that make a failed look-up lead
somewhere: candidates from a search, a did-you-mean from names, "prefix too short".
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

from arangetram_cli.core.errors import Invalid, NotFound

Doc = dict[str, Any]

MIN_PREFIX = 4  # shortest id prefix accepted, like git's abbreviated hashes
SHORT_ID = 8  # characters of an id shown to a person
MAX_CANDIDATES = 10  # things listed in an ambiguous-name error
MAX_SUGGESTIONS = 3  # things offered in a not-found hint

_HEXISH = re.compile(r"^[0-9a-fA-F-]+$")
# What to do after "<What> not found" when nothing better is known.
NEXT_STEP = {
    "Vendor": "search the catalog: arangetram vendors list --search WORD",
    "Event": "see your events: arangetram events list",
    "Booking": "see your bookings: arangetram bookings list (--as-vendor: requests to you)",
    "Review": "see a vendor's reviews: arangetram vendors reviews VENDOR",
}


def short(doc_id: Any) -> str:
    return str(doc_id or "")[:SHORT_ID]


def is_prefix_candidate(ref: str) -> bool:
    """Long enough to be tried as an id prefix."""
    return len(ref.strip()) >= MIN_PREFIX


def too_short(ref: str) -> bool:
    """1-3 characters that look like the start of an id (hex digits, dashes)."""
    r = ref.strip()
    return 0 < len(r) < MIN_PREFIX and bool(_HEXISH.match(r))


def ambiguous(what: str, ref: str) -> Invalid:
    return Invalid(
        f"{what} id prefix '{ref.strip()}' is ambiguous; give more characters",
        hint=f"give more characters of the id ({SHORT_ID} are usually enough)",
    )


def ambiguous_name(what: str, ref: str, docs: Sequence[Doc], describe: Any = None) -> Invalid:
    """Several things carry this exact name: list them with their short ids."""
    shown = [f"{short(d.get('id'))}" + (f" ({describe(d)})" if describe else "") for d in docs]
    more = len(shown) - MAX_CANDIDATES
    listed = ", ".join(shown[:MAX_CANDIDATES]) + (f" and {more} more" if more > 0 else "")
    return Invalid(
        f"{len(docs)} {what.lower()}s are named '{ref.strip()[:80]}': {listed}",
        hint=f"give the id (or its first {SHORT_ID} characters) instead of the name",
    )


def did_you_mean(ref: str, names: Iterable[str], n: int = MAX_SUGGESTIONS) -> list[str]:
    """Names close to ref (difflib, case-insensitive), best first."""
    import difflib  # only on a failed look-up: not on every command's start-up path

    by_fold: dict[str, str] = {}
    for name in names:
        if name:
            by_fold.setdefault(str(name).casefold(), str(name))
    r = ref.strip().casefold()
    close = difflib.get_close_matches(r, list(by_fold), n=n, cutoff=0.6)
    # a name that contains what was typed is a good guess too ("sruthi" -> "Sruthi Laya")
    contains = [k for k in by_fold if r and r in k and k not in close]
    return [by_fold[k] for k in (close + sorted(contains))[:n]]


def labelled(docs: Sequence[Doc], name_key: str) -> str:
    """`Sruthi Laya Ensemble (05384555), ...`"""
    return ", ".join(f"{d.get(name_key)} ({short(d.get('id'))})" for d in docs[:MAX_SUGGESTIONS])


def not_found(
    what: str,
    ref: str = "",
    *,
    hint: str | None = None,
    matches: Sequence[Doc] = (),
    name_key: str = "name",
    search: str | None = None,
    names: Iterable[str] = (),
    detail: bool = False,
) -> NotFound:
    """`<What> not found` with a hint that says what to do next: "prefix too short" for a
    short hex-looking ref; what a search found (`vendors list --search sruthi found 1: Sruthi
    Laya Ensemble (05384555)`), else names close to ref (did you mean); then the given hint
    (default: NEXT_STEP's for the kind). detail adds the ref to the message (`Task not
    found: buy flowers`)."""
    r = ref.strip()
    message = f"{what} not found" + (f": {r[:80]}" if detail and r else "")
    parts: list[str] = []
    if too_short(r):
        parts.append(f"prefix too short ({MIN_PREFIX}+ characters)")
    if matches:
        found = f"found {len(matches)}: {labelled(matches, name_key)}"
        parts.append(f"{search} {found}" if search else found)
    elif close := did_you_mean(r, names) if r else []:
        parts.append("did you mean " + " or ".join(f"'{c}'" for c in close) + "?")
    if hint is None and not matches:  # what a search found is the way forward already
        hint = NEXT_STEP.get(what)
    if hint:
        parts.append(f"or {hint}" if parts and parts[-1].endswith("?") else hint)
    joined = "; ".join(parts).replace("?; or ", "? or ")
    return NotFound(message, hint=joined or None)


def pick(
    items: Sequence[Doc],
    ref: str,
    what: str,
    *,
    name_key: str | None = None,
    hint: str | None = None,
    detail: bool = False,
    capped_hint: str | None = None,
) -> Doc:
    """One of items (already the caller's own) by id, unique id prefix or exact name (any
    letter case). Raises the shared ambiguous / not-found errors."""
    r = (ref or "").strip()
    if not r:
        raise not_found(what, r, hint=hint)
    low = r.lower()
    for d in items:
        if str(d.get("id", "")) == r:
            return d
    if len(r) >= MIN_PREFIX:
        found = [d for d in items if str(d.get("id", "")).lower().startswith(low)]
        if len(found) == 1:
            return found[0]
        if len(found) > 1:
            raise ambiguous(what, r)
    names: list[str] = []
    if name_key:
        named = [d for d in items if str(d.get(name_key, "")).strip().casefold() == r.casefold()]
        if len(named) == 1:
            return named[0]
        if len(named) > 1:
            raise ambiguous_name(what, r, named)
        names = [str(d.get(name_key) or "") for d in items]
    raise not_found(what, r, hint=capped_hint or hint, names=names, detail=detail)


def prefix_match(ids: Iterable[str], ref: str, what: str) -> str | None:
    """The one id equal to ref or starting with it (MIN_PREFIX+); None when none does."""
    r = ref.strip().lower()
    pool = sorted({str(i) for i in ids})
    if r in pool:
        return r
    found = [i for i in pool if len(r) >= MIN_PREFIX and i.startswith(r)]
    if len(found) > 1:
        raise ambiguous(what, ref)
    return found[0] if found else None


def resolve_ref(
    items: list[Any], ref: str, what: str, name_key: str, hint: str | None = None
) -> Any:
    """An item of an event (or an event among the caller's) by id, unique id prefix or exact
    name (case-insensitive): pick, with the ref in the not-found message
    (`Task not found: buy flowers`)."""
    if not (ref or "").strip():
        raise Invalid(f"missing {what.lower()}")
    return pick(items, ref, what, name_key=name_key, hint=hint, detail=True)
