"""Which characters the sheets can print: the fonts the stylesheet declares, not whatever is in fonts/.

The stylesheet (``templates/css/fonts.css``) gives each script's font its own family and
``print.css`` lists those families, so a character is drawn by the first declared font
that has it. A font file dropped into ``fonts/`` but not declared is never used by
WeasyPrint, so it must not make the glyph check pass either. This module needs only
fontTools: ``handouts check`` runs the same glyph check as the build without WeasyPrint.
"""

from __future__ import annotations

import functools
import io
import re
import struct
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from handouts import lengths
from handouts.errors import EXIT_ENVIRONMENT, HandoutsError, Problem
from handouts.safefile import read_file

if TYPE_CHECKING:
    from handouts.config import Project

MAX_STYLESHEET_BYTES = 1_000_000  # print.css is about 10 kB
MAX_FONT_BYTES = 20_000_000  # Lato is 0.7 MB; a font of all of Unicode is about 15 MB

_FONT_URL = re.compile(r"""url\(\s*["']?([^"')]+\.(?:ttf|otf|woff2?))["']?\s*\)""", re.I)
# Characters that steer the text but are never drawn (WeasyPrint and Pango handle them).
NOT_DRAWN = frozenset({0x200B, 0x200C, 0x200D, 0x200E, 0x200F, 0xFEFF})


def _font_urls(templates_dir: Path) -> Iterator[tuple[Path, int, str]]:
    """(stylesheet, line, url) of every font file the stylesheets under ``templates_dir`` name, in order."""
    for sheet in sorted(templates_dir.rglob("*.css")):
        text = read_file(sheet, MAX_STYLESHEET_BYTES, templates_dir, what="stylesheet").decode("utf-8", "replace")
        for match in _FONT_URL.finditer(text):
            yield sheet, text.count("\n", 0, match.start()) + 1, match.group(1)


def declared_fonts(templates_dir: Path) -> list[Path]:
    """The font files the stylesheets under ``templates_dir`` name, in the order they are named."""
    found: list[Path] = []
    for sheet, _, url in _font_urls(templates_dir):
        font = (sheet.parent / url).resolve()
        if font not in found:
            found.append(font)
    return found


def missing_fonts(project: Project) -> list[Problem]:
    """Font files a stylesheet names that are not there (WeasyPrint would only say "refused")."""
    problems = []
    for sheet, number, url in _font_urls(project.templates_dir):
        font = (sheet.parent / url).resolve()
        if not font.is_file():
            problems.append(Problem(
                f"the font file {url} named here is missing ({font}); put it back: fonts/README.md says "
                "where it comes from.", sheet, number))
    return problems


# Each font's bytes and the characters they draw, in this process: a build asks three times (the
# project's check, the pages' check, the renderer) and 'watch' on every save. Keyed by the bytes
# themselves, read each time (a few milliseconds), so a font changed on disk is never answered from here.
_DRAWN: dict[Path, tuple[bytes, frozenset[int]]] = {}


def font_code_points(path: Path) -> set[int]:
    """The characters a font file can draw; a damaged file is an error naming it, not a traceback."""
    data = read_file(path, MAX_FONT_BYTES, path.parent.parent, what="font file", exit_code=EXIT_ENVIRONMENT)
    known = _DRAWN.get(path)
    if known is None or known[0] != data:
        known = _DRAWN[path] = (data, frozenset(_read_cmap(path, data)))
    return set(known[1])


def _read_cmap(path: Path, data: bytes) -> set[int]:
    from fontTools.ttLib import TTFont, TTLibError

    try:
        with TTFont(io.BytesIO(data), lazy=True) as font:
            # Plain names for the glyphs: the code points are the same, and the real names
            # (from the CFF or post table) would cost five times as long to read.
            font.setGlyphOrder([f"glyph{number}" for number in range(font["maxp"].numGlyphs)])
            cmap = font.getBestCmap()
    except (TTLibError, OSError, ValueError, KeyError, AssertionError, EOFError, struct.error) as err:
        raise HandoutsError(
            f"is not a usable font file ({err}); put back the original file (fonts/README.md says where "
            "it comes from).",
            path,
            exit_code=EXIT_ENVIRONMENT,
        ) from err
    if not cmap:
        raise HandoutsError("is not a usable font file (it maps no characters).", path, exit_code=EXIT_ENVIRONMENT)
    return set(cmap)


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
        points |= font_code_points(font)
    return frozenset(points)


def missing(text: str, points: frozenset[int]) -> list[str]:
    """The characters of ``text`` (plain text or HTML) that no declared font can draw, sorted."""
    return list(_missing(text, points))


# Each page is checked on every build, and by 'handouts watch' on every save, when a save changes
# one page or a few: the answer for each page's text is kept for this process.
@functools.lru_cache(maxsize=256)  # pages of about 6 kB: 1.5 MB at most
def _missing(text: str, points: frozenset[int]) -> tuple[str, ...]:
    if "<" in text:
        text = lengths.visible_text(text)
    return tuple(sorted(c for c in set(text) if ord(c) not in points and not c.isspace() and ord(c) not in NOT_DRAWN))


def describe(chars: list[str]) -> str:
    """The characters as a reader can see them: never a control character raw on the terminal."""
    return " ".join((f"'{c}' " if c.isprintable() else "") + f"(U+{ord(c):04X})" for c in chars[:8])


NO_FONT = "no font declared in templates/css/fonts.css can print"
Source = tuple[str, "Path | None", "int | None", str]  # (what it is, file, line, its text)


def glyph_problems(html: str, points: frozenset[int], sources: list[Source], label: str) -> list[Problem]:
    """The characters of a page no declared font has, each blamed on where it comes from.

    ``sources`` are the texts the page is made of that someone can fix: a catalog's
    translations (file and line), or the locale data Babel formats dates and times with.
    A character found in none of them is reported for the page as a whole.
    """
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
