"""The project's catalogs and languages, and translating with them.

Where each language's catalog is, which languages a project has, the Babel locale and
name of each, and the Translator that looks messages up and counts what fell through to
English. Reading a ``.po`` file is :mod:`handouts.po`'s job.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from babel import Locale, UnknownLocaleError

from handouts.characters import is_blank
from handouts.errors import EXIT_USAGE, HandoutsError, Problem
from handouts.po import Catalog, read_po
from handouts.po_syntax import Entry

SOURCE_LANGUAGE = "en"
DOMAIN = "messages"


def catalog_path(locales_dir: Path, lang: str) -> Path:
    return locales_dir / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def template_path(locales_dir: Path) -> Path:
    return locales_dir / f"{DOMAIN}.pot"


def languages(locales_dir: Path) -> list[str]:
    """English (the source) and every language that has a catalog, sorted."""
    found = {SOURCE_LANGUAGE}
    if locales_dir.is_dir():
        found |= {p.name for p in locales_dir.iterdir() if catalog_path(locales_dir, p.name).is_file()}
    return sorted(found)


def check_languages(locales_dir: Path, requested: Iterable[str]) -> list[str]:
    """The requested languages (all of them when none is asked for); a usage error for unknown ones."""
    known = languages(locales_dir)
    requested = list(dict.fromkeys(requested))
    unknown = [lang for lang in requested if lang not in known]
    if unknown:
        raise HandoutsError(
            f"unknown language {', '.join(repr(u) for u in unknown)}. "
            f"Languages in {locales_dir}: {', '.join(known)}.",
            exit_code=EXIT_USAGE,
        )
    return requested or known


def load_catalog(locales_dir: Path, lang: str) -> Catalog | None:
    """The catalog of ``lang``, or None for the source language."""
    if lang == SOURCE_LANGUAGE:
        return None
    return read_po(catalog_path(locales_dir, lang), lang, root=locales_dir.parent)


class Translator:
    """Looks up translations for one language and remembers what fell through to English."""

    def __init__(self, lang: str, catalog: Catalog | None) -> None:
        self.lang = lang
        self.catalog = catalog
        self.missing: set[tuple[str | None, str]] = set()
        self.fuzzy: set[tuple[str | None, str]] = set()

    def entry(self, msgid: str, msgctxt: str | None = None) -> Entry | None:
        """The translated entry for a message, or None when English must be printed."""
        if self.catalog is None:
            return None
        entry = self.catalog.get(msgid, msgctxt)
        if entry is None or not entry.msgstrs or any(is_blank(v) for v in entry.msgstrs.values()):
            self.missing.add((msgctxt, msgid))
            return None
        if entry.fuzzy:
            self.fuzzy.add((msgctxt, msgid))
            return None
        return entry

    def gettext(self, msgid: str, msgctxt: str | None = None) -> str:
        entry = self.entry(msgid, msgctxt)
        return entry.msgstr if entry else msgid

    def gap_problem(self) -> Problem | None:
        """The warning for messages printed in English; None when the catalog covered everything."""
        if self.catalog is None or not (self.missing or self.fuzzy):
            return None
        parts = []
        if self.missing:
            parts.append(f"{len(self.missing)} message{'s' if len(self.missing) > 1 else ''} not translated")
        if self.fuzzy:
            parts.append(f"{len(self.fuzzy)} fuzzy (marked 'needs review')")
        return Problem(
            f"{' and '.join(parts)}; the English text is printed for "
            f"{'them' if len(self.missing) + len(self.fuzzy) > 1 else 'it'}. "
            "Translate them, or run 'handouts i18n status' to list them.",
            self.catalog.path,
        )


def language_name(lang: str, in_lang: str = "en") -> str:
    """The name of a language, written in ``in_lang`` and capitalised (Babel's CLDR data): 'French', 'Français'."""
    try:
        name = Locale.parse(lang).get_display_name(Locale.parse(in_lang)) or lang
    except (ValueError, LookupError):
        return lang
    return name[:1].upper() + name[1:]


def locale_for(lang: str, region: str = "CA") -> Locale:
    """The Babel locale of a sheet language (fr, pt_BR, zh_Hans), in the clinic's region when the
    code names none and Babel knows the language there (fr_CA, but zh_Hans: no zh_Hans_CA)."""
    try:
        named = Locale.parse(lang)
    except (UnknownLocaleError, ValueError):
        named = None
    if named is not None and named.territory:
        return named
    for name in (f"{lang}_{region}", lang):
        try:
            return Locale.parse(name)
        except (UnknownLocaleError, ValueError):
            continue
    raise HandoutsError(f"Babel does not know the language {lang!r}.", exit_code=EXIT_USAGE)


def html_language(locale: Locale) -> str:
    """The BCP 47 tag of a locale for <html lang>: fr-CA, ar, zh-Hans, pt-BR."""
    return "-".join(part for part in (locale.language, locale.script, locale.territory) if part)


def language_tag(lang: str, region: str | None = None) -> str:
    """The BCP 47 tag of a sheet language for ``lang`` and ``hreflang`` (never the folder's
    name: ``zh_Hans`` is ``zh-Hans``, ``pt_BR`` is ``pt-BR``); with ``region``, the locale the
    sheet is printed in (``fr-CA``, but ``zh-Hans``: Babel knows no zh_Hans_CA)."""
    try:
        locale = locale_for(lang, region) if region else Locale.parse(lang)
    except (ValueError, LookupError, HandoutsError):
        return lang.replace("_", "-")
    return html_language(locale)


def completeness(catalog: Catalog, template: Catalog) -> tuple[int, int, int]:
    """(translated, fuzzy, total) of the template's messages in the catalog."""
    translated = fuzzy = 0
    for message in template.entries:
        entry = catalog.get(message.msgid, message.msgctxt)
        if entry is None:
            continue
        if entry.fuzzy:
            fuzzy += 1
        elif entry.translated:
            translated += 1
    return translated, fuzzy, len(template.entries)
