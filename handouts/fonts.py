"""Which characters the sheets can print: the fonts the stylesheet declares, not whatever is in fonts/.

The stylesheet (``templates/css/fonts.css``) gives each script's font its own family and
``print.css`` lists those families, so a character is drawn by the first declared font
that has it. A font file dropped into ``fonts/`` but not declared is never used by
WeasyPrint, so it must not make the glyph check pass either. This module needs only
fontTools: ``handouts check`` runs the same glyph check as the build without WeasyPrint.
"""

from __future__ import annotations

import re
from pathlib import Path

from handouts import lengths, limits
from handouts.errors import EXIT_ENVIRONMENT, HandoutsError
from handouts.safefile import read_file

MAX_STYLESHEET_BYTES = 1_000_000  # print.css is about 10 kB

_FONT_URL = re.compile(r"""url\(\s*["']?([^"')]+\.(?:ttf|otf|woff2?))["']?\s*\)""", re.I)
# Characters that steer the text but are never drawn (WeasyPrint and Pango handle them).
NOT_DRAWN = frozenset({0x200B, 0x200C, 0x200D, 0x200E, 0x200F, 0xFEFF})


def declared_fonts(templates_dir: Path) -> list[Path]:
    """The font files the stylesheets under ``templates_dir`` name, in the order they are named."""
    found: list[Path] = []
    for sheet in sorted(templates_dir.rglob("*.css")):
        text = read_file(sheet, MAX_STYLESHEET_BYTES, templates_dir, what="stylesheet").decode("utf-8", "replace")
        for url in _FONT_URL.findall(text):
            font = (sheet.parent / url).resolve()
            if font not in found:
                found.append(font)
    return found


def code_points(templates_dir: Path, fonts_dir: Path | None = None) -> frozenset[int]:
    """Every character the declared fonts can draw (the union: the families are all listed).

    ``fonts_dir`` is only used to name the folder when no stylesheet declares any font.
    """
    fonts = [font for font in declared_fonts(templates_dir) if font.is_file()]
    if not fonts:
        raise HandoutsError("no font files (.ttf or .otf) found.", fonts_dir or templates_dir,
                            exit_code=EXIT_ENVIRONMENT)
    points: set[int] = set()
    for font in fonts:
        points |= limits.font_code_points(font)
    return frozenset(points)


def missing(text: str, points: frozenset[int]) -> list[str]:
    """The characters of ``text`` (plain text or HTML) that no declared font can draw, sorted."""
    if "<" in text:
        text = lengths.visible_text(text)
    return sorted({c for c in text if ord(c) not in points and not c.isspace() and ord(c) not in NOT_DRAWN})


def describe(chars: list[str]) -> str:
    """The characters as a reader can see them: never a control character raw on the terminal."""
    return " ".join((f"'{c}' " if c.isprintable() else "") + f"(U+{ord(c):04X})" for c in chars[:8])


NO_FONT = "no font declared in templates/css/fonts.css can print"
Source = tuple[str, "Path | None", "int | None", str]  # (what it is, file, line, its text)


def glyph_problems(html: str, points: frozenset[int], sources: list[Source], label: str) -> list:
    """The characters of a page no declared font has, each blamed on where it comes from.

    ``sources`` are the texts the page is made of that someone can fix: a catalog's
    translations (file and line), or the locale data Babel formats dates and times with.
    A character found in none of them is reported for the page as a whole.
    """
    from handouts.errors import Problem

    chars = missing(html, points)
    if not chars:
        return []
    left = set(chars)
    problems = []
    for what, path, line, text in sources:
        found = sorted(left & set(text))
        if not found:
            continue
        problems.append(Problem(
            f"{what} uses {describe(found)}, which {NO_FONT}; "
            + ("change the translation." if path is not None else
               "translate the message that replaces it in the catalog, or add a font for it (fonts/README.md)."),
            path, line))
    unexplained = [c for c in chars if not any(c in text for _, _, _, text in sources)]
    if unexplained:
        problems.append(Problem(
            f"{label}: {describe(unexplained)} in this sheet, which {NO_FONT}; "
            "replace the character, or add a font that has it to fonts/ and declare it there."))
    return problems
