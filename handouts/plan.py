"""Planning a build: every requested sheet of every edition, as HTML, ready to become a PDF.

Loads and checks the content, the brand and each language's catalog, renders the HTML of
each sheet in each language, and makes one task per PDF. A language that cannot be
printed (a broken catalog, a character no font has) fails alone; any other problem stops
the build before anything is rendered.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from babel import Locale

from handouts import (
    cache,
    catalogs,
    config,
    content,
    fonts,
    langreview,
    lengths,
    local_formats,
    printable,
    render,
    review,
    translation_rules,
)
from handouts.brand import Brand, brand_folder, load_brand
from handouts.errors import EXIT_ENVIRONMENT, EXIT_USAGE, HandoutsError, Problem, raise_if_any
from handouts.options import BuildOptions
from handouts.pdf import Part
from handouts.source_date import source_date_epoch
from handouts.tasks import Edition, Task

if TYPE_CHECKING:
    from handouts.workers import RendererKey


@dataclass
class Plan:
    project: config.Project
    tasks: list[Task]
    warnings: list[Problem]
    allowed: tuple[Path, ...]  # the folders a sheet may load files from
    inputs: str = ""  # fingerprint of those folders' files and of this tool
    brand: Brand | None = None
    sheets: list[content.Sheet] = field(default_factory=list)
    translators: dict[str, catalogs.Translator] = field(default_factory=dict)
    failed: dict[str, list[Problem]] = field(default_factory=dict)  # languages that cannot be printed
    dropped: int = 0  # the PDFs of those languages, not made

    @property
    def renderer_key(self) -> RendererKey:
        return renderer_key(self.project, self.allowed, self.inputs)


@dataclass
class Languages:
    """The catalogs of the languages a build prints, and the languages that cannot be printed."""

    translators: dict[str, catalogs.Translator] = field(default_factory=dict)
    reviews: dict[str, langreview.LanguageReview] = field(default_factory=dict)  # of each translation (not English)
    failed: dict[str, list[Problem]] = field(default_factory=dict)  # a language that cannot be printed fails alone


Pages = dict[tuple[str, str, bool], Part]  # (sheet, language, large print) -> its HTML
Titles = dict[tuple[str, str], str]  # (sheet, language) -> its translated title


def prepare(options: BuildOptions) -> Plan:
    """Everything up to the HTML: load, validate, translate and render every requested sheet.

    Raises one error listing every problem; returns the tasks and the warnings.
    """
    project = config.load_project(options.root)
    if options.paper is not None and options.paper not in config.PAPER_SIZES:
        raise HandoutsError(f"--paper {options.paper!r}: use 'letter' or 'a4'.", exit_code=EXIT_USAGE)
    # None: what handouts.yaml says (regular print, plus large print with large_print: true)
    sizes = (False, True) if options.large_print is None and project.large_print else (bool(options.large_print),)
    editions = [Edition(pair, size) for size in sizes for pair in parse_languages(options.langs, project)]
    used_langs = list(dict.fromkeys(lang for edition in editions for lang in edition.langs))
    names = check_sheet_names(project.content_dir, options.sheets)
    brand, sheets, languages = load(project, options, names, used_langs)
    # A clinician's review covers the exact text: changed since, the sheet is a draft again.
    french = (languages.translators["fr"].catalog if "fr" in languages.translators  # the French catalog, parsed once
              else review.french_catalog(project.locales_dir))
    sheets = review.apply_reviews(sheets, project.locales_dir, french)
    warnings = review.stale_warnings(sheets, project.locales_dir, french)
    review_problems, review_warnings = review.check_reviews(sheets, options.release, options.today or date.today())
    raise_if_any(review_problems)
    warnings += review_warnings
    pages, titles = render_pages(project, brand, sheets, languages, sizes, options.paper)
    failed = languages.failed
    if failed and all(lang in failed for lang in used_langs):
        raise_if_any([p for problems in failed.values() for p in problems])
    warnings = [gap for lang, t in languages.translators.items()
                if lang not in failed and (gap := t.gap_problem())] + warnings
    if options.strict and warnings:
        raise HandoutsError.collect(
            [replace(w, message=f"incomplete catalog (--strict): {w.message}") for w in warnings]
        )
    allowed = renderer_folders(project, brand.folder)
    tasks, dropped = make_tasks(editions, sheets, pages, titles, brand, failed)
    inputs = cache.fingerprint_inputs(allowed)
    for task in tasks:
        task.key = cache.task_key(inputs, task)
    return Plan(project, tasks, warnings, allowed, inputs, brand, sheets, languages.translators, failed, dropped)


def renderer_folders(project: config.Project, brand_folder: Path) -> tuple[Path, ...]:
    """The folders a sheet may load files from: the stylesheet and templates, the fonts, the brand's logo."""
    return (project.templates_dir, project.fonts_dir, brand_folder)


def renderer_key(project: config.Project, allowed: tuple[Path, ...], inputs: str) -> RendererKey:
    """What a renderer is made from: the templates (and stylesheet), the folders a sheet may load, the
    fonts, and the fingerprint of those files; another key, another renderer."""
    return (project.templates_dir, allowed, project.fonts_dir, inputs)


def early_renderer_key(options: BuildOptions) -> RendererKey | None:
    """The key :func:`prepare` will give the workers' renderer, told from the few files it depends
    on before anything else is read: the workers make their renderer while this process checks the
    content and catalogs. None when it cannot be told (a problem :func:`prepare` then reports)."""
    try:
        project = config.load_project(options.root)
        allowed = renderer_folders(project, brand_folder(project, options.brand))
        return renderer_key(project, allowed, cache.fingerprint_inputs(allowed))
    except HandoutsError:
        return None


def parse_languages(values: tuple[str, ...], project: config.Project) -> list[tuple[str, ...]]:
    """``--lang`` values: 'fr' or a pair 'fr+en'. None given: every language, and the project's pair."""
    editions: list[tuple[str, ...]] = []
    if not values:
        editions = [(lang,) for lang in catalogs.check_languages(project.locales_dir, ())]
        if project.bilingual:
            catalogs.check_languages(project.locales_dir, project.bilingual)
            editions.append(project.bilingual)
        return editions
    for value in dict.fromkeys(values):
        langs = tuple(x.strip() for x in value.split("+"))
        if len(langs) > 2 or len(set(langs)) != len(langs) or not all(langs):
            raise HandoutsError(
                f"--lang {value!r}: give one language (fr) or two joined by + (fr+en), first the front page.",
                exit_code=EXIT_USAGE,
            )
        catalogs.check_languages(project.locales_dir, langs)
        editions.append(langs)
    return editions


def check_sheet_names(content_dir: Path, names: tuple[str, ...]) -> tuple[str, ...]:
    known = [p.stem for p in content.sheet_paths(content_dir)]
    unknown = [n for n in dict.fromkeys(names) if n not in known]
    if unknown:
        raise HandoutsError(
            f"unknown sheet {', '.join(repr(u) for u in unknown)}. Sheets: {', '.join(known)}.",
            exit_code=EXIT_USAGE,
        )
    return tuple(dict.fromkeys(names))


def load(project: config.Project, options: BuildOptions, names: tuple[str, ...],
         used_langs: list[str]) -> tuple[Brand, list[content.Sheet], Languages]:
    """The brand, the sheets and the catalogs; raises every problem that is not one language's alone."""
    problems: list[Problem] = []
    brand = sheets = None
    try:
        brand = load_brand(project, options.brand)
    except HandoutsError as err:
        if err.exit_code == EXIT_USAGE:
            raise
        problems += err.problems
    try:
        sheets = content.load_sheets(project.content_dir, names)
    except HandoutsError as err:
        problems += err.problems
    glyphs = printable.project_glyphs(project.templates_dir, project.fonts_dir)
    languages = Languages()
    for lang in used_langs:
        load_language(project, lang, glyphs, options.release, languages)
    problems += printable.check_printed_glyphs(sheets or [], brand, glyphs)
    raise_if_any(problems)
    raise_if_any(fonts.missing_fonts(project), EXIT_ENVIRONMENT)
    assert brand is not None and sheets is not None
    return brand, sheets, languages


def load_language(project: config.Project, lang: str, glyphs: frozenset[int] | None, release: bool,
                  languages: Languages) -> None:
    """One language's catalog, checked as 'handouts check' does: its errors make the language fail alone."""
    try:
        catalog = catalogs.load_catalog(project.locales_dir, lang)
    except HandoutsError as err:
        languages.failed[lang] = list(err.problems)
        return
    languages.translators[lang] = catalogs.Translator(lang, catalog)
    if catalog is None:  # the source language
        return
    findings = translation_rules.check_catalog(catalog, glyphs=glyphs)
    errors: list[Problem] = [finding for finding in findings if finding.is_error]
    try:
        languages.reviews[lang] = langreview.load(project.locales_dir, lang)
        if release and not languages.reviews[lang].reviewed:
            errors.append(langreview.release_problem(languages.reviews[lang]))
    except HandoutsError as err:
        errors += err.problems
    if errors:
        languages.failed[lang] = list(errors)


def render_pages(project: config.Project, brand: Brand, sheets: list[content.Sheet],
                 languages: Languages, sizes: tuple[bool, ...], paper: str | None) -> tuple[Pages, Titles]:
    """The HTML of every sheet in every language that has not failed; a language that cannot
    be rendered is added to ``languages.failed``."""
    points = fonts.code_points(project.templates_dir, project.fonts_dir)
    created = source_date()
    pages: Pages = {}
    titles: Titles = {}
    for lang, translator in languages.translators.items():
        if lang in languages.failed:
            continue
        try:
            locale = catalogs.locale_for(lang, project.region)
        except HandoutsError as err:
            languages.failed[lang] = list(err.problems)
            continue
        sources = glyph_sources(translator, locale, brand, sheets)
        reviewed = lang not in languages.reviews or languages.reviews[lang].reviewed
        problems: list[Problem] = []
        for sheet in sheets:
            translated = translate(sheet, translator)
            titles[sheet.name, lang] = translated.title.text
            for size in sizes:
                label = f"{sheet.name} ({lang})"
                try:
                    page = render.render_html(translated, translator, locale, brand, project, paper=paper,
                                              large_print=size, created=created, translation_reviewed=reviewed)
                    lengths.check_text_size(page, label, sheet.path)
                except HandoutsError as err:
                    problems += err.problems
                    break
                problems += [p for p in fonts.glyph_problems(page, points, sources, label) if p not in problems]
                pages[sheet.name, lang, size] = Part(page, label, catalogs.html_language(locale))
        if problems:
            languages.failed[lang] = problems
    return pages, titles


def translate(sheet: content.Sheet, translator: catalogs.Translator) -> content.Sheet:
    """The sheet with every text in the translator's language (English where it has none)."""
    return sheet.map_texts(lambda t: replace(t, text=translator.gettext(t.text)))


def glyph_sources(translator: catalogs.Translator, locale: Locale, brand: Brand,
                  sheets: list[content.Sheet]) -> list[fonts.Source]:
    """What a page in one language is made of that someone can fix, for the glyph check:
    the catalog's translations (file and line), then the locale data Babel formats with."""
    sources: list[fonts.Source] = []
    catalog = translator.catalog
    if catalog is not None:
        for entry in catalog.entries:
            if entry.translated:
                text = "".join(entry.msgstrs.values())
                sources.append((f"the translation of {entry.msgid[:40]!r}", catalog.path, entry.line, text))
    for what, text in local_formats.locale_data(locale, brand, sheets):
        sources.append((f"Babel's locale data (CLDR) for '{translator.lang}', {what},", None, None, text))
    return sources


def source_date() -> str:
    """The PDFs' creation date from SOURCE_DATE_EPOCH (reproducible builds), or none at all."""
    epoch = source_date_epoch()
    return "" if epoch is None else datetime.fromtimestamp(epoch, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def make_tasks(editions: list[Edition], sheets: list[content.Sheet], pages: Pages, titles: Titles,
               brand: Brand, failed: dict[str, list[Problem]]) -> tuple[list[Task], int]:
    """One task per sheet and edition, and how many PDFs the failed languages drop."""
    tasks = []
    dropped = 0
    for edition in editions:
        if any(lang in failed for lang in edition.langs):
            dropped += len(sheets)
            continue
        for sheet in sheets:
            parts = [replace(pages[sheet.name, lang, edition.large_print], max_pages=edition.max_pages)
                     for lang in edition.langs]
            title = " / ".join(titles[sheet.name, lang] for lang in edition.langs) + f" | {brand.name}"
            tasks.append(Task(sheet.name, edition, parts, title, sheet.path))
    return tasks, dropped
