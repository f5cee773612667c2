"""A Babel extractor for the content files: every text of a sheet becomes a message.

Registered as ``handouts_content`` under the ``babel.extractors`` entry point, so
``pybabel extract -F pyproject.toml`` finds it. Each message keeps its line and a
translator comment naming the sheet and the part of the sheet.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from pathlib import Path
from typing import IO, Any

from handouts.content import parse_handout


def extract_content(
    fileobj: IO[bytes],
    keywords: Mapping[str, Any],
    comment_tags: Collection[str],
    options: Mapping[str, Any],
) -> Iterator[tuple[int, str | None, str, list[str]]]:
    """Yield (line, funcname, message, comments) as Babel expects; a broken file raises its error."""
    path = Path(getattr(fileobj, "name", "content.yaml"))
    handout = parse_handout(fileobj.read(), path)
    for text in handout.texts():
        yield text.line, None, text.text, [f"Sheet '{handout.name}': {text.part}."]
