"""French typography (OQLF rules), applied at render time so translators type plain text.

English is returned unchanged. The pass is idempotent and never changes a letter or a
digit: it only chooses spaces, apostrophes and quotation marks.
"""

from __future__ import annotations

import functools
import re

NBSP = "\u00a0"  # non-breaking space: before a colon, inside « », in numbers with units
NNBSP = "\u202f"  # narrow non-breaking space: before ; ! ?

_RULES: list[tuple[re.Pattern[str], str]] = [
    # Straight apostrophe between letters becomes the typographic one: l'acné -> l’acné.
    (re.compile(r"(?<=[^\W\d_])'(?=[^\W\d_])"), "’"),
    # "texte" -> « texte »
    (re.compile(r'"\s*([^"]*?)\s*"'), f"«{NBSP}\\1{NBSP}»"),
    (re.compile(r"«[ \u00a0\u202f]*"), f"«{NBSP}"),
    (re.compile(r"[ \u00a0\u202f]*»"), f"{NBSP}»"),
    # A non-breaking space before a colon (not in 9:30 or http://).
    (re.compile(r"(?<=[^\s:])[ \u00a0\u202f]*:(?=\s|$)"), f"{NBSP}:"),
    # A narrow non-breaking space before ; ! ?
    (re.compile(r"(?<=[^\s;!?])[ \u00a0\u202f]*([;!?]+)(?=\s|$|»)"), f"{NNBSP}\\1"),
    # Times: 14 h 30, 9 h
    (re.compile(r"(?<=\d)[ \u00a0]*h[ \u00a0]*(?=\d{2}\b)"), f"{NBSP}h{NBSP}"),
    (re.compile(r"(?<=\d)[ \u00a0]+h\b"), f"{NBSP}h"),
    # Phone numbers: 514 555-0142
    (re.compile(r"\b(\d{3})[ \u00a0](?=\d{3}-\d{4}\b)"), f"\\1{NBSP}"),
    # A number and its unit or noun stay together: 30 minutes, 2 semaines, 25 $, FPS 30.
    (re.compile(r"(?<=\d) +(?=[^\W\d_]|\$|%)"), NBSP),
    (re.compile(r"\b(FPS|SPF|no|n°) +(?=\d)"), f"\\1{NBSP}"),
    # A one-letter word (à, a, y) never ends a line.
    (re.compile(r"(?<![^\s(«\u00a0])([^\W\d_]) +(?=\S)"), f"\\1{NBSP}"),
    # Doubled spaces.
    (re.compile(r" {2,}"), " "),
]


@functools.lru_cache(maxsize=8192)  # a build prints each text in several editions and on the web page
def apply(text: str, lang: str) -> str:
    """The text with the typography of ``lang`` (only French has rules for now)."""
    if lang != "fr":
        return text
    for _ in range(5):  # a rule can make room for another: repeat until nothing changes
        before = text
        for pattern, replacement in _RULES:
            text = pattern.sub(replacement, text)
        if text == before:
            break
    return text
