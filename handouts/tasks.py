"""What a build makes: one task per PDF, a sheet in one edition with the HTML of each language.

Apart from :mod:`handouts.plan`, which makes them, so that a worker process that is sent
tasks (pickled) imports only this and :mod:`handouts.pdf`, not Jinja, Babel and YAML: it saved
each worker 70 ms of a build, on the way to its first PDF.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from handouts.pdf import Part


@dataclass(frozen=True)
class Edition:
    """One way of printing a sheet: a language, or a pair printed front and back; large print or not."""

    langs: tuple[str, ...]
    large_print: bool = False

    @property
    def folder(self) -> str:
        return "+".join(self.langs) + ("-large" if self.large_print else "")

    @property
    def max_pages(self) -> int:
        """Pages each language may use."""
        return 4 if self.large_print else 1

    def describe(self) -> str:
        kind = "bilingual" if len(self.langs) > 1 else ""
        size = "large print" if self.large_print else ""
        return " ".join(x for x in (self.folder.removesuffix("-large"), kind, size, "edition") if x)


@dataclass
class Task:
    """One PDF to make: a sheet in one edition, with the HTML of each of its languages.

    ``parts`` are in the order of ``edition.langs``: the language of each part is that one.
    """

    name: str
    edition: Edition
    parts: list[Part]
    title: str
    content_path: Path
    key: str = ""
    thumbnail_of: str = ""  # SHA-256 of the PDF the thumbnail in place was drawn from (thumbnails.drawn_from)

    @property
    def relpath(self) -> str:
        return f"{self.edition.folder}/{self.name}.pdf"
