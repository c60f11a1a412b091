"""Hostile text: what another user of the platform (or a model steered by one) could put in a
name, a message or an answer to attack the person who reads it in a terminal or spreadsheet.
Used by test_hostile_text.py and mixed into the fuzzer's strings (test_fuzz.py)."""

from __future__ import annotations

HOSTILE = [
    # screen clear + OSC 52: `rm -rf ~` written to the clipboard
    "Evil \x1b[2J\x1b]52;c;cm0gLXJmIH4K\x1b\\ Hall",
    # OSC 8: a link whose text says something else
    "\x1b]8;;https://evil.example/\x1b\\Trusted Hall\x1b]8;;\x1b\\",
    "\x1b[8mhidden text\x1b[0m shown",  # SGR 8: invisible text
    "\x1b[1A\x1b[2Koverwrite the line above",
    "\x1bP+q544e\x1b\\ DCS query",
    "\x9b2J\x9d52;c;eA==\x9c C1 controls",  # 8-bit CSI, OSC, ST
    "bell\x07\x07 back\x08\x08space \x7f",
    "\u202eGNP.exe\u202c Photography",  # right-to-left override
    "\u2066isolate\u2069 \u2067rtl\u2069 \u200emarks\u200f\u061c",
    "vic\u200btim zero\ufeffwidth no\u2060break vic\u200dtim \u200d\u200d",
    "\u3164\u115f filler",  # Hangul fillers: letters that draw nothing
    "Recital [/]",
    "[/] Priya",
    "[link=https://evil.example]Trusted Hall[/link]",
    "[bold red]red[/] [blink]x[/blink] \\[escaped]",
    ":smile: :warning: emoji codes",
    "&#x202e;char&#27;refs&#x1b;",
    '=HYPERLINK("https://evil.example","click")',
    "+1-555 =cmd|'/c calc'!A1",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|'/C calc'!A0",
    "\t=tab first",
    "'=already quoted",
    "line one\nline two\r\nline three\rover",
    "\u2028line\u2029separators",
    "[x](https://evil.example) *md* `code` <b>html</b>",
    "x" * 10_000,
]

# Text that must stay exactly as it is: joiners that Indic, Persian and emoji text needs.
READABLE = [
    "நந்\u200cதினி Natyalaya",  # Tamil with a ZWNJ
    "श्\u200dरी Kala Mandir",  # Devanagari half form (ZWJ)
    "അവന്\u200d Studio",  # Malayalam chillu (ZWJ after virama)
    "র\u200d্যাব Studio",  # Bengali ya-phala (ZWJ after ra)
    "می\u200cخواهم Catering",  # Persian ZWNJ
    "👨\u200d👩\u200d👧 Family Events",  # an emoji ZWJ sequence
    "Café Mañana — naïve",
]
