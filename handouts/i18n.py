"""The translators' workflow: extract the template, merge it into each catalog, start a language, measure.

Extracting is :mod:`handouts.i18n_extract`'s job, measuring :mod:`handouts.i18n_status`'s;
merging (update) and starting a language (init) are here.

Babel does the work (extraction, merge, new catalogs), with the settings of the
README's ``pybabel`` commands (``-c TRANSLATORS: --sort-by-file -w 79``, previous
msgids kept). This module adds what a team needs on top: every file is checked by
the strict reader first (so a broken ``.po`` is reported with its line, never
half-read), nothing is rewritten when nothing changed in it (so extract + update
is byte-stable), and every write is atomic.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from babel import Locale, UnknownLocaleError
from babel.messages.catalog import Catalog as BabelCatalog
from babel.messages.catalog import Message
from babel.messages.pofile import read_po as babel_read_po

from handouts import catalogs, langreview, po
from handouts.catalogs import SOURCE_LANGUAGE
from handouts.errors import EXIT_USAGE, HandoutsError, Problem, raise_if_any
from handouts.i18n_extract import (
    normalized_text,
    po_bytes,
    source_date,
)
from handouts.safefile import read_file, write_atomically

# ll, ll_CC, ll_Script, ll_Script_CC: as msginit and Weblate name catalogs (pt_BR, zh_Hans)
_LANG = re.compile(r"^[a-z]{2,3}(?:_[A-Z][a-z]{3})?(?:_(?:[A-Z]{2}|[0-9]{3}))?$")


# --- update ----------------------------------------------------------------------------


def _message_state(catalog: BabelCatalog) -> list[tuple[Any, ...]]:
    """What a merge may change in each message: comparing it before and after tells whether to write."""
    def state(message: Message, obsolete: bool) -> tuple[Any, ...]:
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
    sources = _read_catalogs_strictly(locales_dir, pot)
    template = babel_read_po(io.StringIO(normalized_text(read_file(pot, po.MAX_PO_BYTES, locales_dir), pot)))
    results = []
    pending: list[tuple[Path, bytes]] = []
    for lang, data in sources.items():
        path = catalogs.catalog_path(locales_dir, lang)
        merged = _merged(data, path, lang, template)
        if merged is None:
            results.append(UpdateResult(path, lang, False, "unchanged"))
            continue
        new, summary = merged
        pending.append((path, new))
        results.append(UpdateResult(path, lang, True, summary))
    for path, new in pending:
        write_atomically(path, new)
    return results


def _read_catalogs_strictly(locales_dir: Path, pot: Path) -> dict[str, bytes]:
    """The bytes of every language's catalog, once the template and each catalog passed the strict reader."""
    problems: list[Problem] = []
    try:
        po.read_po(pot)
    except HandoutsError as err:
        problems += err.problems
    sources: dict[str, bytes] = {}
    for lang in catalogs.languages(locales_dir):
        if lang == SOURCE_LANGUAGE:
            continue
        path = catalogs.catalog_path(locales_dir, lang)
        try:
            po.read_po(path, lang)
            sources[lang] = read_file(path, po.MAX_PO_BYTES, locales_dir)
        except HandoutsError as err:
            problems += err.problems
    raise_if_any(problems)
    return sources


def _merged(data: bytes, path: Path, lang: str, template: BabelCatalog) -> tuple[bytes, str] | None:
    """The catalog ``data`` with the template merged in, and what changed; None when no message changed."""
    text = normalized_text(data, path)
    before = _message_state(babel_read_po(io.StringIO(text), locale=lang, domain=catalogs.DOMAIN))
    catalog = babel_read_po(io.StringIO(text), locale=lang, domain=catalogs.DOMAIN)
    old_keys = {(m.context, m.id) for m in catalog if m.id}
    catalog.update(template)
    if _message_state(catalog) == before:
        return None
    new = po_bytes(catalog, include_previous=True)
    if b"\r\n" in data:
        new = new.replace(b"\n", b"\r\n")
    if data.startswith(b"\xef\xbb\xbf"):
        new = b"\xef\xbb\xbf" + new
    new_keys = {(m.context, m.id) for m in catalog if m.id}
    fuzzy = sum(1 for m in catalog if m.id and m.fuzzy and m.previous_id)
    # a message matched to a changed English is fuzzy, not new
    added = sum(1 for m in catalog if m.id and (m.context, m.id) in new_keys - old_keys
                and not (m.fuzzy and m.previous_id))
    return new, f"{added} new, {fuzzy} fuzzy with the previous English kept, {len(catalog.obsolete)} obsolete"


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
    catalog = babel_read_po(io.StringIO(normalized_text(read_file(pot, po.MAX_PO_BYTES, locales_dir), pot)),
                           locale=locale)
    catalog.locale = locale
    catalog.revision_date = source_date()
    catalog.fuzzy = False
    data = po_bytes(catalog)
    po.parse_po(data, path, lang)  # what we write must pass our own reader
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(path, data)
    langreview.write_template(locales_dir, lang)
    return path
