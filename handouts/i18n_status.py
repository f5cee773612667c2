"""``handouts i18n status``: per language, what is translated, fuzzy, untranslated and obsolete, and where."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from handouts import catalogs, po
from handouts.catalogs import SOURCE_LANGUAGE
from handouts.errors import HandoutsError, Problem, raise_if_any
from handouts.po import Catalog
from handouts.po_syntax import Entry

_SHEET_COMMENT = re.compile(r"^Sheet '[^']+': .*")


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
