"""A Babel extractor for the content files: every text of a sheet becomes a message.

Registered as ``handouts_content`` under the ``babel.extractors`` entry point, so
``pybabel extract -F pyproject.toml`` finds it. Each message keeps its line and a
translator comment naming the sheet and the part of the sheet.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from pathlib import Path
from typing import IO, Any

from handouts.content import SHARED_FILE, parse_shared, parse_sheet


def extract_content(
    fileobj: IO[bytes],
    keywords: Mapping[str, Any],
    comment_tags: Collection[str],
    options: Mapping[str, Any],
) -> Iterator[tuple[int, str | None, str, list[str]]]:
    """Yield (line, funcname, message, comments) as Babel expects; a broken file raises its error."""
    path = Path(getattr(fileobj, "name", "content.yaml"))
    if path.name == SHARED_FILE:  # one message per shared rule, whatever the number of sheets using it
        for key, text in parse_shared(fileobj.read(), path).rules.items():
            yield text.line, None, text.text, [f"Shared rule '{key}': printed the same on every sheet that uses it."]
        return
    sheet = parse_sheet(fileobj.read(), path)
    for text in sheet.texts():
        if not text.shared:  # extracted once, from the shared file
            yield text.line, None, text.text, [f"Sheet '{sheet.name}': {text.part}."]
