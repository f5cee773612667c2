"""Printable text: which characters the fonts the stylesheet declares can draw, and the texts that have others."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from handouts import characters
from handouts.errors import HandoutsError, Problem

if TYPE_CHECKING:
    from handouts.brand import Brand
    from handouts.content import Sheet


def glyph_problem(text: str, glyphs: Collection[int], allowed: str = "") -> str | None:
    """The message for a text with characters the project's fonts cannot draw, or None."""
    missing = sorted({c for c in text if ord(c) not in glyphs and not c.isspace() and c not in allowed})
    if not missing:
        return None
    shown = ", ".join((f"'{c}' " if c.isprintable() else "") + characters.describe(c) for c in missing[:8])
    return (f"has {shown}, which no font declared in templates/css/fonts.css can draw; replace "
            f"{'it' if len(missing) == 1 else 'them'} (digits: 0-9) or add a font that has "
            f"{'it' if len(missing) == 1 else 'them'}.")


def project_glyphs(templates_dir: Path, fonts_dir: Path) -> frozenset[int] | None:
    """What the fonts the stylesheet declares can draw; None when they cannot be read (the build says why)."""
    from handouts import fonts

    try:
        declared = fonts.declared_fonts(templates_dir)
        if any(not p.is_file() for p in declared):
            return None  # the build reports the missing font with its fonts.css line (exit 3)
        signature = tuple((str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in declared if p.is_file())
        return _glyphs(templates_dir, fonts_dir, signature)
    except (HandoutsError, OSError):
        return None


@lru_cache(maxsize=4)
def _glyphs(templates_dir: Path, fonts_dir: Path, signature: tuple[tuple[str, int, int], ...]) -> frozenset[int]:
    """``signature`` (each declared font's path, mtime and size) only keys the cache."""
    from handouts import fonts

    return fonts.code_points(templates_dir, fonts_dir)


def check_printed_glyphs(sheets: Iterable[Sheet] | None, brand: Brand | None,
                         glyphs: Collection[int] | None) -> list[Problem]:
    """Every English text of the sheets and every printed field of the brand that the fonts cannot draw,
    at its file and line (a translation is checked by :func:`handouts.translation_rules.check_entry`)."""
    if glyphs is None:
        return []
    problems = []
    for sheet in sheets or ():
        for text in sheet.texts():
            problem = glyph_problem(text.text, glyphs)
            if problem:
                problems.append(Problem(f"this text {problem}", sheet.path, text.line))
    if brand is not None:
        for key, value, line in brand.printed:
            problem = glyph_problem(value, glyphs)
            if problem:
                problems.append(Problem(f"{key} {problem}", brand.folder / "brand.yaml", line))
    return problems
