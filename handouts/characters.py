"""Which characters may be printed on a sheet, and how to name one that may not.

One rule for every text a patient reads (content, translations, the brand profile): no
control character, no direction-changing (bidi) control, nothing zero-width or invisible.
Such a character either prints as nothing (a blank item), reorders what is around it (a
phone number read backwards) or stops the build deep inside the PDF library. And digits
are judged by their value: ``٩١١`` is 911.
"""

from __future__ import annotations

import unicodedata

# Format characters (bidi controls U+202A-202E, U+2066-2069, U+200E/F, zero-width U+200B-200D,
# U+2060, U+FEFF, soft hyphen), controls, surrogates, private use, unassigned, line and
# paragraph separators: none of them is ever seen on the page as what it is.
_INVISIBLE_CATEGORIES = {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}
# Letters and marks that draw nothing: Hangul fillers, braille blank, combining grapheme
# joiner, Mongolian and standard variation selectors.
_INVISIBLE_EXTRA = set("\u115f\u1160\u3164\uffa0\u2800\u034f\u180b\u180c\u180d\u180f") | {
    chr(c) for c in range(0xFE00, 0xFE10)}


def is_invisible(char: str, allowed: str = "") -> bool:
    return char not in allowed and (
        unicodedata.category(char) in _INVISIBLE_CATEGORIES or char in _INVISIBLE_EXTRA
        or 0xE0100 <= ord(char) <= 0xE01EF)


def first_invisible(text: str, allowed: str = "") -> str | None:
    """The first character of ``text`` that may not be printed, or None."""
    if not any(is_invisible(c, allowed) for c in set(text)):  # each character once: the usual answer
        return None
    return next(c for c in text if is_invisible(c, allowed))


def describe(char: str) -> str:
    """``U+202E (RIGHT-TO-LEFT OVERRIDE)``: never the raw character, which could upset a terminal."""
    name = unicodedata.name(char, "")
    return f"U+{ord(char):04X}" + (f" ({name})" if name else "")


def invisible_problem(text: str, allowed: str = "") -> str | None:
    """The message for a text that has an invisible character, or None."""
    char = first_invisible(text, allowed)
    if char is None:
        return None
    kind = ("a direction-changing (bidi) control" if unicodedata.bidirectional(char) in
            ("LRE", "RLE", "LRO", "RLO", "PDF", "LRI", "RLI", "FSI", "PDI") or char in "\u200e\u200f\u061c"
            else "a control character" if unicodedata.category(char) == "Cc"
            else "an invisible character")
    return f"contains {kind}, {describe(char)}, that does not show on the page; delete it."


def is_blank(text: str) -> bool:
    """Nothing a reader would see: empty, spaces, or invisible characters only."""
    return all(c.isspace() or is_invisible(c) for c in text)


def ascii_digits(run: str) -> str:
    """A run of digits of any script written with 0-9: '٩١١' -> '911'."""
    return "".join(str(unicodedata.decimal(c)) if c.isdecimal() and not c.isascii() else c for c in run)


def non_ascii_digit(text: str) -> str | None:
    return next((c for c in text if c.isdecimal() and not c.isascii()), None)
