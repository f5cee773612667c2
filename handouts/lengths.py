"""How much text a sheet and a translation may hold, checked before WeasyPrint sees it.

What WeasyPrint 70 does without these limits (measured on this project, 2 cores):

- A sheet holds about 2,500 characters of visible text (370 words with the masthead and
  footer); no page of this layout can hold more than about 5,000, and a large-print
  edition (18 pt, 2 pages per language) about as much.
- Layout time grows with the square of the text: one paragraph of 10 kB takes 1 s,
  40 kB 15 s, 80 kB 56 s. A 1.9 MB translation (under the 2 MB catalog limit) would take
  hours (still running after 120 s, 220 MB and growing); a 0.9 MB content file (under the
  1 MB YAML limit: 1,557 items of 570 characters) did not finish in 300 s.
"""

from __future__ import annotations

import html as html_lib
import re
from pathlib import Path

from handouts.errors import EXIT_INPUT, HandoutsError

TYPICAL_SHEET_CHARS = 2_500  # visible characters of one of the demo sheets, in one language
MAX_SHEET_CHARS = 10_000  # 4 times a sheet, twice what a page (or 2 large-print pages) can hold; lays out in ~1 s
MAX_TRANSLATION_CHARS = 1_200  # twice the 600 characters a text in a content file may have

_HIDDEN = re.compile(r"<(style|title|script)\b.*?</\1\s*>|<!--.*?-->|<[^>]*>", re.S | re.I)


def visible_text(html: str) -> str:
    """The text of an HTML page a reader would see: tags, styles, scripts and comments left out."""
    return html_lib.unescape(_HIDDEN.sub(" ", html))


def visible_length(html_or_text: str) -> int:
    """How many characters a reader would see: tags, styles and repeated spaces left out."""
    text = visible_text(html_or_text) if "<" in html_or_text else html_or_text
    return len(" ".join(text.split()))


def check_text_size(
    html_or_text: str,
    label: str,
    path: Path | None = None,
    line: int | None = None,
    *,
    max_chars: int = MAX_SHEET_CHARS,
) -> None:
    """Refuse a sheet with far more text than its pages can hold, before it is laid out.

    ``label`` names the sheet and its language, for example ``redness (fr)``; ``path`` is
    the file to point at (the content file).
    """
    count = visible_length(html_or_text)
    if count > max_chars:
        raise HandoutsError(
            f"{label}: the sheet has {count:,} characters of text, far more than fits on its pages "
            f"(a sheet has about {TYPICAL_SHEET_CHARS:,}; the limit is {max_chars:,}). A text in the content "
            "file or one of its translations is much too long, or was pasted twice: shorten it.",
            path,
            line,
            exit_code=EXIT_INPUT,
        )


def check_translation_length(english: str, translation: str, lang: str) -> list[tuple[str, str]]:
    """A message check (same signature as those of ``handouts.translation_rules.MESSAGE_CHECKS``).

    A translation longer than twice the longest text a content file may hold cannot be a
    translation of one line of a sheet: it is a paste gone wrong, and would take minutes to
    lay out.
    """
    if len(translation) <= MAX_TRANSLATION_CHARS:
        return []
    return [("error", f"the translation is {len(translation):,} characters long (the English: {len(english):,}); "
                      f"a translation must be under {MAX_TRANSLATION_CHARS:,} characters. Check that nothing was "
                      "pasted by mistake.")]
