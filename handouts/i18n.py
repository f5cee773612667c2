"""The translators' workflow: extract the template, merge it into each catalog, start a language, measure.

Babel does the work (extraction, merge, new catalogs), with the settings of the
README's ``pybabel`` commands (``-c TRANSLATORS: --sort-by-file -w 79``, previous
msgids kept). This module adds what a team needs on top: every file is checked by
the strict reader first (so a broken ``.po`` is reported with its line, never
half-read), nothing is rewritten when nothing changed in it (so extract + update
is byte-stable), and every write is atomic.
"""

from __future__ import annotations

import io
import os
import re
import tomllib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.messages.catalog import Catalog as BabelCatalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po as babel_read_po
from babel.messages.pofile import write_po as babel_write_po

from handouts import catalogs, config, langreview, po
from handouts.catalogs import SOURCE_LANGUAGE
from handouts.errors import EXIT_USAGE, HandoutsError, Problem, raise_if_any
from handouts.po import Catalog
from handouts.po_syntax import Entry
from handouts.safefile import read_file, write_atomically
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

# ll, ll_CC, ll_Script, ll_Script_CC: as msginit and Weblate name catalogs (pt_BR, zh_Hans)
_LANG = re.compile(r"^[a-z]{2,3}(?:_[A-Z][a-z]{3})?(?:_(?:[A-Z]{2}|[0-9]{3}))?$")
_SHEET_COMMENT = re.compile(r"^Sheet '[^']+': .*")


# --- extract ---------------------------------------------------------------------------


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
    return parse_mapping(tomllib.loads(DEFAULT_MAPPING.decode("utf-8")), Path("handouts/i18n.py"))


def parse_mapping(table: dict, source: Path) -> tuple[list[tuple[str, str]], dict[str, dict[str, str]]]:
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


def _po_bytes(catalog: BabelCatalog, **options: object) -> bytes:
    out = io.BytesIO()
    babel_write_po(out, catalog, width=WIDTH, **options)
    return out.getvalue()


def _source_date() -> datetime:
    epoch = config.source_date_epoch()
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
        old = babel_read_po(io.StringIO(_normalized_text(old_bytes, pot)))
    ids = _header_ids(old)
    if old is not None:
        # Compared message by message, not byte by byte: a new Babel release changes the
        # header's Generated-By line, which is no reason to rewrite the template.
        fresh = _po_bytes(extract_catalog(root, old.creation_date, ids), sort_by_file=True)
        if _without_generator(fresh) == _without_generator(old_bytes):
            return pot, False
    new = _po_bytes(extract_catalog(root, _source_date(), ids), sort_by_file=True)
    write_atomically(pot, new)
    return pot, True


def _without_generator(data: bytes) -> bytes:
    return re.sub(rb'(?m)^"Generated-By: [^"\n]*"\r?\n', b"", data)


# --- update ----------------------------------------------------------------------------


def _normalized_text(data: bytes, path: Path) -> str:
    return decode_text(data, path).replace("\r\n", "\n")


def _message_state(catalog: BabelCatalog) -> list[tuple]:
    def state(message, obsolete: bool) -> tuple:
        return (obsolete, message.id, message.context, message.string or "", tuple(sorted(message.flags)),
                # the words of the comments, not their line breaks: Poedit, polib and msgmerge
                # wrap them their own way, which is no change
                " ".join(" ".join(message.auto_comments).split()), tuple(message.user_comments),
                tuple(message.locations), tuple(message.previous_id))

    messages = [state(m, False) for m in catalog if m.id]
    return messages + [state(m, True) for m in catalog.obsolete.values()]


@dataclass
class UpdateResult:
    path: Path
    lang: str
    written: bool
    summary: str = ""


def update(locales_dir: Path) -> list[UpdateResult]:
    """Merge ``messages.pot`` into every language's catalog, like ``pybabel update --previous -w 79``.

    Every catalog is read strictly first; if any is broken, nothing is written. A
    catalog whose messages the merge does not change is not rewritten. A file saved
    with CRLF line ends or a byte-order mark keeps them.
    """
    pot = catalogs.template_path(locales_dir)
    if not pot.is_file():
        raise HandoutsError(f"there is no {pot.name} yet; run 'handouts i18n extract' first.", pot)
    problems: list[Problem] = []
    try:
        po.read_po(pot)
    except HandoutsError as err:
        problems += err.problems
    langs = [lang for lang in catalogs.languages(locales_dir) if lang != SOURCE_LANGUAGE]
    sources: dict[str, bytes] = {}
    for lang in langs:
        path = catalogs.catalog_path(locales_dir, lang)
        try:
            po.read_po(path, lang)
            sources[lang] = read_file(path, po.MAX_PO_BYTES, locales_dir)
        except HandoutsError as err:
            problems += err.problems
    raise_if_any(problems)

    template = babel_read_po(io.StringIO(_normalized_text(read_file(pot, po.MAX_PO_BYTES, locales_dir), pot)))
    results = []
    pending: list[tuple[Path, bytes]] = []
    for lang in langs:
        path = catalogs.catalog_path(locales_dir, lang)
        data = sources[lang]
        text = _normalized_text(data, path)
        before = _message_state(babel_read_po(io.StringIO(text), locale=lang, domain=catalogs.DOMAIN))
        catalog = babel_read_po(io.StringIO(text), locale=lang, domain=catalogs.DOMAIN)
        old_keys = {(m.context, m.id) for m in catalog if m.id}
        catalog.update(template)
        after = _message_state(catalog)
        if after == before:
            results.append(UpdateResult(path, lang, False, "unchanged"))
            continue
        new = _po_bytes(catalog, include_previous=True)
        if b"\r\n" in data:
            new = new.replace(b"\n", b"\r\n")
        if data.startswith(b"\xef\xbb\xbf"):
            new = b"\xef\xbb\xbf" + new
        new_keys = {(m.context, m.id) for m in catalog if m.id}
        fuzzy = sum(1 for m in catalog if m.id and m.fuzzy and m.previous_id)
        # a message matched to a changed English is fuzzy, not new
        added = sum(1 for m in catalog if m.id and (m.context, m.id) in new_keys - old_keys
                    and not (m.fuzzy and m.previous_id))
        summary = (f"{added} new, {fuzzy} fuzzy with the previous English kept, "
                   f"{len(catalog.obsolete)} obsolete")
        pending.append((path, new))
        results.append(UpdateResult(path, lang, True, summary))
    for path, new in pending:
        write_atomically(path, new)
    return results


# --- init ------------------------------------------------------------------------------


def init(locales_dir: Path, lang: str) -> Path:
    """Start the catalog of a new language from ``messages.pot`` (Language and Plural-Forms from Babel)."""
    if lang == SOURCE_LANGUAGE:
        raise HandoutsError(f"{lang!r} is the source language: the sheets are written in it, "
                            "so it needs no catalog.", exit_code=EXIT_USAGE)
    if not _LANG.match(lang):
        raise HandoutsError(f"{lang!r} is not a language code; use a two- or three-letter code in "
                            "lower case such as 'es', 'pt' or 'ht', with a region or a script if needed, "
                            "joined by '_': 'pt_BR', 'zh_Hans'.", exit_code=EXIT_USAGE)
    try:
        locale = Locale.parse(lang)
    except (UnknownLocaleError, ValueError) as err:
        raise HandoutsError(f"Babel does not know the language {lang!r}.", exit_code=EXIT_USAGE) from err
    path = catalogs.catalog_path(locales_dir, lang)
    if path.exists():
        raise HandoutsError(f"the catalog for {lang!r} already exists; run 'handouts i18n update' "
                            "to bring it up to date.", path, exit_code=EXIT_USAGE)
    pot = catalogs.template_path(locales_dir)
    if not pot.is_file():
        raise HandoutsError(f"there is no {pot.name} yet; run 'handouts i18n extract' first.", pot)
    po.read_po(pot)
    catalog = babel_read_po(io.StringIO(_normalized_text(read_file(pot, po.MAX_PO_BYTES, locales_dir), pot)),
                           locale=locale)
    catalog.locale = locale
    catalog.revision_date = _source_date()
    catalog.fuzzy = False
    data = _po_bytes(catalog)
    po.parse_po(data, path, lang)  # what we write must pass our own reader
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(path, data)
    langreview.write_template(locales_dir, lang)
    return path


# --- status ----------------------------------------------------------------------------


@dataclass
class Pending:
    kind: str  # "fuzzy" or "untranslated"
    msgid: str
    where: str  # "Sheet 'redness': title." or a source location
    path: Path
    line: int | None  # in the .po; None when the message is not in the catalog yet


@dataclass
class LanguageStatus:
    lang: str
    path: Path
    translated: int = 0
    fuzzy: int = 0
    untranslated: int = 0
    obsolete: int = 0
    not_merged: int = 0  # messages of the template missing from the catalog (counted as untranslated)
    pending: list[Pending] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.translated + self.fuzzy + self.untranslated

    @property
    def percent(self) -> int:
        """Rounded down: 100 only when every message is translated."""
        return 100 * self.translated // self.total if self.total else 100

    @property
    def complete(self) -> bool:
        return self.fuzzy == 0 and self.untranslated == 0


def where(entry: Entry) -> str:
    """What a translator needs to find a message: the sheet and part, else the source location."""
    for comment in entry.auto_comments:
        if _SHEET_COMMENT.match(comment):
            return comment
    if entry.locations:
        return entry.locations[0]
    return entry.auto_comments[0] if entry.auto_comments else ""


def status(locales_dir: Path) -> list[LanguageStatus]:
    """Per language, what is translated, fuzzy, untranslated and obsolete (all catalogs read strictly)."""
    problems: list[Problem] = []
    pot = catalogs.template_path(locales_dir)
    template: Catalog | None = None
    if pot.is_file():
        try:
            template = po.read_po(pot)
        except HandoutsError as err:
            problems += err.problems
    result = []
    for lang in catalogs.languages(locales_dir):
        if lang == SOURCE_LANGUAGE:
            continue
        try:
            catalog = po.read_po(catalogs.catalog_path(locales_dir, lang), lang)
        except HandoutsError as err:
            problems += err.problems
            continue
        result.append(language_status(catalog, template))
    raise_if_any(problems)
    return result


def language_status(catalog: Catalog, template: Catalog | None) -> LanguageStatus:
    state = LanguageStatus(catalog.lang, catalog.path, obsolete=len(catalog.obsolete))
    for entry in catalog.entries:
        if entry.translated:
            state.translated += 1
        elif entry.fuzzy:
            state.fuzzy += 1
            state.pending.append(Pending("fuzzy", entry.msgid, where(entry), catalog.path, entry.line))
        else:
            state.untranslated += 1
            state.pending.append(Pending("untranslated", entry.msgid, where(entry), catalog.path, entry.line))
    if template is not None:
        for message in template.entries:
            if catalog.get(message.msgid, message.msgctxt) is None:
                state.untranslated += 1
                state.not_merged += 1
                state.pending.append(Pending("untranslated", message.msgid, where(message), catalog.path, None))
    return state


# --- files -----------------------------------------------------------------------------


