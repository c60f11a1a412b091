"""Email addresses as accounts: how one is stored, and when two are the same account.

Stored form (what the web app's pydantic `EmailStr` keeps, so both tools find the same
account on a shared database): surrounding spaces dropped, Unicode NFKC (fullwidth
`ｖｉｃｔｉｍ` becomes `victim`), the domain lowercased, the local part kept as typed
(`Mixed.Case@Example.COM` is stored as `Mixed.Case@example.com`).

Refused (bad input): an address with an invisible or formatting character anywhere (zero-width
space and joiners, bidi marks and overrides, soft hyphen, BOM, variation selectors, fillers,
controls, private-use or unassigned code points), and a local part or domain label that mixes
Latin, Greek and Cyrillic letters (`vіctim` with a Cyrillic `і`).

Same account (`email_key`, stored as `email_lower` and unique in the database): NFKC, case
folded, and combining marks on Latin, Greek and Cyrillic letters dropped. So `Victim@…`,
`ｖｉｃｔｉｍ@…`, `vi\\u0301ctim@…` (NFKC makes it `víctim`) and `víctim@…` are all the same
account as `victim@…`: a registration of one is a conflict when another exists, and login
finds the existing account. Marks on letters of other scripts (Tamil, Devanagari vowel signs)
are kept: they make different words there. Whole-script look-alikes (an address written
entirely in Cyrillic letters that look Latin) need Unicode's confusables table and are not
detected.

No pydantic here: the stores and the login path import this module.
"""

from __future__ import annotations

import re
import unicodedata

MAX_EMAIL_LENGTH = 254

_SHAPE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# Categories that never belong in an address: controls, format (Cf: ZWSP, ZWJ/ZWNJ, bidi
# marks, soft hyphen, BOM, tag characters), surrogates, private use, unassigned, separators.
_BAD_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zs", "Zl", "Zp"})
# Default-ignorable or blank code points in other categories (Unicode DerivedCoreProperties
# Default_Ignorable_Code_Point, plus the blank braille pattern).
_INVISIBLE_RANGES = (
    (0x034F, 0x034F),  # combining grapheme joiner
    (0x115F, 0x1160),  # Hangul choseong/jungseong fillers
    (0x17B4, 0x17B5),  # Khmer inherent vowels
    (0x180B, 0x180F),  # Mongolian free variation selectors and vowel separator
    (0x2800, 0x2800),  # braille pattern blank
    (0x3164, 0x3164),  # Hangul filler
    (0xFE00, 0xFE0F),  # variation selectors
    (0xFFA0, 0xFFA0),  # halfwidth Hangul filler
    (0xE0100, 0xE01EF),  # variation selectors supplement
)
_LOOKALIKE_SCRIPTS = frozenset({"LATIN", "GREEK", "CYRILLIC"})


def invisible_char(text: str) -> str | None:
    """The first invisible or formatting character in text, or None."""
    for ch in text:
        cp = ord(ch)
        if ch in " \t":
            continue  # plain blanks: the shape check refuses them as a malformed address
        if unicodedata.category(ch) in _BAD_CATEGORIES or any(
            lo <= cp <= hi for lo, hi in _INVISIBLE_RANGES
        ):
            return ch
    return None


def _script(ch: str) -> str | None:
    """LATIN, GREEK or CYRILLIC for a letter of those scripts (ASCII letters are LATIN)."""
    if "a" <= ch.lower() <= "z":
        return "LATIN"
    word = unicodedata.name(ch, "").split(" ", 1)[0]
    return word if word in _LOOKALIKE_SCRIPTS else None


def _describe(ch: str) -> str:
    return f"U+{ord(ch):04X} {unicodedata.name(ch, 'unnamed character')}"


def normalize_email(value: str) -> str:
    """The address as stored (see the module doc). Raises ValueError with a readable
    reason for an address that is malformed or could pass for another one."""
    raw = value.strip()
    bad = invisible_char(raw)
    if bad is not None:
        raise ValueError(
            f"email address contains an invisible or formatting character, {_describe(bad)} "
            "(type the address again without it)"
        )
    text = unicodedata.normalize("NFKC", raw)
    bad = invisible_char(text)  # NFKC maps some compatibility characters to spaces
    if bad is not None or not _SHAPE.match(text) or len(text) > MAX_EMAIL_LENGTH:
        raise ValueError(f"bad email address '{raw}'")
    local, _, domain = text.rpartition("@")
    for part in (local, *domain.split(".")):
        scripts = {s for s in map(_script, part) if s}
        if len(scripts) > 1:
            raise ValueError(
                f"email address mixes {' and '.join(sorted(s.title() for s in scripts))} "
                f"letters in '{part}' (type it again in one alphabet)"
            )
    return f"{local}@{domain.lower()}"


def email_key(email: str) -> str:
    """The form two addresses of one account share (see the module doc). Total: any string
    gets a key, so stored rows of every age can be keyed."""
    text = unicodedata.normalize("NFKC", email.strip()).casefold()
    out: list[str] = []
    drop_marks = False
    for ch in unicodedata.normalize("NFD", text):
        if unicodedata.category(ch).startswith("M"):
            if drop_marks:
                continue
        else:
            drop_marks = _script(ch) is not None
        out.append(ch)
    return unicodedata.normalize("NFC", "".join(out))


def email_domain(email: str) -> str:
    """The part after the last `@`, lowercased (stored addresses keep it so)."""
    return email.rpartition("@")[2].lower()
