"""``handouts i18n extract``: every message of content/ and templates/ into ``locales/messages.pot``.

Babel extracts, with the mapping of ``[tool.babel]`` in pyproject.toml (or the same one built
in); the template is rewritten only when its messages changed, so an extract with nothing
new changes no byte.
"""

from __future__ import annotations

import io
import os
import re
import tomllib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

from babel.messages.catalog import Catalog as BabelCatalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po as babel_read_po
from babel.messages.pofile import write_po as babel_write_po

from handouts import catalogs, po
from handouts.errors import HandoutsError
from handouts.safefile import read_file, write_atomically
from handouts.source_date import source_date_epoch
from handouts.yamlfile import decode_text

WIDTH = 79
COMMENT_TAGS = ["TRANSLATORS:"]
PROJECT_NAME = "handouts"
DEFAULT_VERSION = "0.1"

# The same mapping as [tool.babel] in pyproject.toml, for a project folder that has no
# pyproject.toml (a clinic's copy of the project holds only content, locales, templates...).
DEFAULT_MAPPING = b"""
extractors = { jinja2 = "jinja2.ext:babel_extract", handouts_content = "handouts.extract:extract_content" }

[[mappings]]
method = "handouts_content"
pattern = "content/**.yaml"

[[mappings]]
method = "jinja2"
pattern = "templates/**.html"
silent = "false"
newstyle_gettext = "true"
"""


def _mapping(root: Path) -> tuple[list[tuple[str, str]], dict[str, dict[str, str]]]:
    """The extraction mapping of ``[tool.babel]`` in pyproject.toml (or the built-in one).

    Read here with tomllib rather than through Babel's command-line module, whose TOML
    reader is private: the result is the ``method_map, options_map`` pair that Babel's
    public ``extract_from_dir`` takes.
    """
    pyproject = root / "pyproject.toml"
    if pyproject.is_file():
        data = tomllib.loads(decode_text(read_file(pyproject, po.MAX_PO_BYTES, root), pyproject))
        table = data.get("tool", {}).get("babel")
        if table is not None:
            return parse_mapping(table, pyproject)
    return parse_mapping(tomllib.loads(DEFAULT_MAPPING.decode("utf-8")), Path("handouts/i18n_extract.py"))


def parse_mapping(table: dict[str, Any], source: Path) -> tuple[list[tuple[str, str]], dict[str, dict[str, str]]]:
    """Babel's TOML mapping (``extractors`` and ``[[mappings]]``) as ``(method_map, options_map)``."""
    extractors = table.get("extractors", {})
    method_map: list[tuple[str, str]] = []
    options_map: dict[str, dict[str, str]] = {}
    for mapping in table.get("mappings", []):
        options = {key: str(value).lower() if isinstance(value, bool) else str(value)
                   for key, value in mapping.items() if key not in ("method", "pattern")}
        method = extractors.get(mapping.get("method"), mapping.get("method"))
        patterns = mapping.get("pattern")
        if not method or not patterns:
            raise HandoutsError("each [[tool.babel.mappings]] needs a method and a pattern.", source)
        for pattern in [patterns] if isinstance(patterns, str) else patterns:
            method_map.append((pattern, method))
            options_map[pattern] = options
    return method_map, options_map


def _header_ids(old: BabelCatalog | None) -> tuple[str, str]:
    if old is not None and old.project:  # keep what the existing template says, even PROJECT VERSION
        return old.project, old.version or ""
    return PROJECT_NAME, DEFAULT_VERSION


def extract_catalog(root: Path, creation_date: datetime | None = None,
                    project: tuple[str, str] = (PROJECT_NAME, DEFAULT_VERSION)) -> BabelCatalog:
    """Every message of content/ and templates/, as ``pybabel extract`` finds them from the project folder."""
    import jinja2

    method_map, options_map = _mapping(root)
    catalog = BabelCatalog(project=project[0], version=project[1], charset="utf-8",
                           creation_date=creation_date, fuzzy=True)
    try:
        for filename, lineno, message, comments, context in extract_from_dir(
            str(root), method_map, options_map, keywords=DEFAULT_KEYWORDS,
            comment_tags=COMMENT_TAGS, strip_comment_tags=False,
        ):
            location = os.path.normpath(filename).replace(os.sep, "/")
            catalog.add(message, None, [(location, lineno)], auto_comments=comments, context=context)
    except jinja2.TemplateSyntaxError as err:
        raise HandoutsError(f"template syntax error: {err.message}", Path(err.filename or "templates"),
                            err.lineno) from err
    return catalog


def po_bytes(catalog: BabelCatalog, *, sort_by_file: bool = False, include_previous: bool = False) -> bytes:
    """The catalog as ``pybabel`` writes it (``-w 79``)."""
    out = io.BytesIO()
    babel_write_po(out, catalog, width=WIDTH, sort_by_file=sort_by_file, include_previous=include_previous)
    return out.getvalue()


def source_date() -> datetime:
    """The date written in a new template or catalog: SOURCE_DATE_EPOCH's, else now."""
    epoch = source_date_epoch()
    return datetime.now(UTC) if epoch is None else datetime.fromtimestamp(epoch, tz=UTC)


def extract(root: Path, locales_dir: Path) -> tuple[Path, bool]:
    """Regenerate ``messages.pot``; returns (path, whether it was written).

    When the messages are the same as in the existing file, the file is left alone
    (its POT-Creation-Date and Generated-By too), so an extract with nothing new changes no byte.
    """
    pot = catalogs.template_path(locales_dir)
    old_bytes = read_file(pot, po.MAX_PO_BYTES, locales_dir) if pot.exists() else None
    old = None
    if old_bytes is not None:
        po.read_po(pot)  # strict first: report a broken template with its line
        old = babel_read_po(io.StringIO(normalized_text(old_bytes, pot)))
    ids = _header_ids(old)
    if old is not None and old_bytes is not None:
        # Compared message by message, not byte by byte: a new Babel release changes the
        # header's Generated-By line, which is no reason to rewrite the template.
        # read_po parses POT-Creation-Date into a datetime; Babel types the attribute datetime | str.
        created = cast(datetime, old.creation_date)
        fresh = po_bytes(extract_catalog(root, created, ids), sort_by_file=True)
        if _without_generator(fresh) == _without_generator(old_bytes):
            return pot, False
    new = po_bytes(extract_catalog(root, source_date(), ids), sort_by_file=True)
    write_atomically(pot, new)
    return pot, True


def _without_generator(data: bytes) -> bytes:
    return re.sub(rb'(?m)^"Generated-By: [^"\n]*"\r?\n', b"", data)


def normalized_text(data: bytes, path: Path) -> str:
    return decode_text(data, path).replace("\r\n", "\n")
