"""The one boundary for text other people wrote on its way to a person's terminal.

Vendor names, booking messages, event names, reviews and AI answers are data: they may hold
terminal escapes (`ESC [2J` clears the screen, `ESC ] 52` writes the clipboard, `ESC ] 8`
makes a disguised link), bidi overrides that reorder what is shown, invisible characters that
make two names look alike, and Rich markup (`[link=...]`, `[/]`). Everything human-facing goes
through `visible` (plain strings) or `rich_text` (a Rich `Text`, never parsed as markup):

- C0 and C1 controls, DEL and ESC become their escaped spelling (`\\x1b`, `\\x9b`), so nothing
  reaches the terminal as a control; in `multiline` text a line feed and a tab stay (CR LF
  becomes LF; a lone CR, which would overwrite the line, is escaped).
- Format characters (Unicode category Cf: bidi embeddings, overrides and isolates, LRM/RLM/ALM,
  zero-width space, word joiner, BOM, the invisible "tag" letters, soft hyphen), line and
  paragraph separators, lone surrogates and the invisible Hangul fillers become `\\u202e`-style
  escapes.
- The exception: a zero-width joiner or non-joiner (U+200D, U+200C) right after a letter or mark
  of a script that needs them (Devanagari, Tamil, Malayalam and the other Indic scripts,
  Arabic, Persian, Sinhala, Myanmar, Khmer, ...) or inside an emoji sequence stays as it is:
  `श्‍री` and `ന്‍` keep their shape. A joiner anywhere else (`vic\\u200dtim`), or two in a row,
  is shown escaped.

JSON output does not use this (it escapes controls itself and must stay byte-exact data), and
nor does CSV (which has its own formula rule: core.values.csv_safe).
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

ZWNJ, ZWJ = "\u200c", "\u200d"
# Hangul fillers and the half-width one: letters (Lo) that draw nothing
_INVISIBLE_LETTERS = frozenset("\u115f\u1160\u3164\uffa0")
_FILLER = re.compile("[\u115f\u1160\u3164\uffa0]")
_BAD_CATEGORIES = frozenset(("Cc", "Cf", "Cs", "Zl", "Zp"))
# Scripts that use ZWJ/ZWNJ in ordinary text (shaping, conjuncts, half forms, chillus).
_JOINER_SCRIPTS = (
    (0x0600, 0x08FF),  # Arabic, Syriac, Thaana, N'Ko, Arabic supplements
    (0x0900, 0x0DFF),  # Devanagari, Bengali, Gurmukhi, Gujarati, Oriya, Tamil, Telugu,
    #                    Kannada, Malayalam, Sinhala
    (0x0F00, 0x0FFF),  # Tibetan
    (0x1000, 0x109F),  # Myanmar
    (0x1780, 0x18AF),  # Khmer, Mongolian
    (0x1CD0, 0x1CFF),  # Vedic extensions
    (0xA8E0, 0xA8FF),  # Devanagari extended
    (0xFB50, 0xFDFF),  # Arabic presentation forms A
    (0xFE70, 0xFEFF),  # Arabic presentation forms B
    (0x11000, 0x11FFF),  # Brahmi, Kaithi, Sharada, Grantha and the other historic Indic
)


def _in_joiner_script(ch: str) -> bool:
    cp = ord(ch)
    return any(lo <= cp <= hi for lo, hi in _JOINER_SCRIPTS) and unicodedata.category(ch)[0] in (
        "L",
        "M",
    )


def _emoji_like(ch: str) -> bool:
    return (
        ch == "\ufe0f"
        or 0x1F3FB <= ord(ch) <= 0x1F3FF  # skin tones
        or (ord(ch) >= 0x2000 and unicodedata.category(ch) == "So")
    )


def _joiner_ok(text: str, i: int) -> bool:
    """A ZWJ/ZWNJ at text[i] that belongs to the text around it (see the module doc)."""
    prev = text[i - 1] if i > 0 else ""
    nxt = text[i + 1] if i + 1 < len(text) else ""
    if not prev or prev in (ZWJ, ZWNJ) or nxt in (ZWJ, ZWNJ):
        return False
    if _in_joiner_script(prev):
        return True
    return text[i] == ZWJ and _emoji_like(prev) and bool(nxt) and _emoji_like(nxt)


_SHORT = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(ch: str) -> str:
    if ch in _SHORT:
        return _SHORT[ch]
    cp = ord(ch)
    if cp <= 0xFF:
        return f"\\x{cp:02x}"
    if cp <= 0xFFFF:
        return f"\\u{cp:04x}"
    return f"\\U{cp:08x}"


def _needs_work(text: str) -> bool:
    # str.isprintable() is False for every category escaped here (and for spaces other than
    # U+0020, which are kept): a fast path for the usual clean string.
    return not text.isprintable() or _FILLER.search(text) is not None


def _pieces(text: str, multiline: bool) -> list[tuple[str, bool]]:
    """text as (piece, escaped) pairs."""
    if multiline and "\r\n" in text:
        text = text.replace("\r\n", "\n")
    out: list[tuple[str, bool]] = []
    plain: list[str] = []
    for i, ch in enumerate(text):
        if multiline and ch in "\n\t":
            plain.append(ch)
            continue
        cat = unicodedata.category(ch)
        bad = cat in _BAD_CATEGORIES or ch in _INVISIBLE_LETTERS
        if bad and ch in (ZWJ, ZWNJ) and _joiner_ok(text, i):
            bad = False
        if bad:
            if plain:
                out.append(("".join(plain), False))
                plain = []
            out.append((_escape(ch), True))
        else:
            plain.append(ch)
    if plain:
        out.append(("".join(plain), False))
    return out


def visible(value: object, *, multiline: bool = False) -> str:
    """value as a string that is safe to show on a terminal (see the module doc). Without
    `multiline` the result is one line: line feeds and tabs are escaped too."""
    text = value if isinstance(value, str) else str(value)
    if not _needs_work(text):
        return text
    return "".join(piece for piece, _ in _pieces(text, multiline))


def rich_text(
    value: object, *, multiline: bool = False, style: Any = "", escaped_style: Any = "reverse"
) -> Any:
    """value as a rich `Text` (never read as markup) with its escapes shown in
    `escaped_style`, so an escaped `\\x1b` is told apart from one typed as four characters."""
    from rich.text import Text

    text = value if isinstance(value, str) else ("" if value is None else str(value))
    if not _needs_work(text):
        return Text(text, style=style)
    out = Text(style=style)
    for piece, escaped in _pieces(text, multiline):
        out.append(piece, style=escaped_style if escaped else None)
    return out
