"""The one orchestrator: load content -> translate -> render HTML -> write PDF.

A build plans every requested sheet of every edition as HTML first (cheap), skips the
ones whose PDF on disk was made from exactly the same inputs (the cache), renders the
rest in worker processes, checks that each fits its pages, and only then publishes every
PDF at once. Nothing is written unless everything succeeded.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import multiprocessing
import os
import re
import resource
import shutil
import signal
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from functools import lru_cache
from importlib import metadata
from pathlib import Path

from babel import Locale

from handouts import (
    catalogs,
    config,
    content,
    fonts,
    langreview,
    lengths,
    limits,
    printable,
    render,
    review,
    site,
    translation_rules,
)
from handouts.errors import EXIT_ENVIRONMENT, EXIT_OUTPUT, EXIT_USAGE, HandoutsError, Problem, raise_if_any
from handouts.pdf import Part
from handouts.safefile import read_file, umask

TEMP_PREFIX = ".handouts-tmp-"
LOCK_NAME = ".handouts.lock"
CACHE_NAME = ".handouts-cache.json"
REVIEW_MAX_AGE_MONTHS = 24

Progress = Callable[[int, int, str], None]  # (done, total, what was just rendered)


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
    """One PDF to make: a sheet in one edition, with the HTML of each of its languages."""

    name: str
    edition: Edition
    parts: list[Part]
    title: str
    content_path: Path
    key: str = ""

    @property
    def relpath(self) -> str:
        return f"{self.edition.folder}/{self.name}.pdf"


@dataclass
class Plan:
    project: config.Project
    tasks: list[Task]
    warnings: list[Problem]
    allowed: tuple[Path, ...]  # the folders a sheet may load files from
    inputs: str = ""  # fingerprint of those folders' files and of this tool
    brand: config.Brand | None = None
    handouts: list[content.Handout] = field(default_factory=list)
    translators: dict[str, catalogs.Translator] = field(default_factory=dict)
    failed: dict[str, list[Problem]] = field(default_factory=dict)  # languages that cannot be printed
    dropped: int = 0  # the PDFs of those languages, not made


@dataclass
class Outcome:
    """What rendering one task gave, small enough to send back from a worker process."""

    relpath: str
    pdf: bytes | None
    pages: list[int]
    problems: list[Problem]
    worker: tuple[int, int] = (0, 0)  # (process id, its peak memory in kB)


@dataclass
class BuildResult:
    written: list[Path] = field(default_factory=list)
    unchanged: list[Path] = field(default_factory=list)
    site: list[Path] = field(default_factory=list)  # web pages, thumbnails, catalogue written (handouts/site.py)
    catalogue: Path | None = None  # the catalogue page for staff, dist/index.html
    warnings: list[Problem] = field(default_factory=list)
    seconds: float = 0.0
    jobs: int = 1
    worker_peaks: dict[int, int] = field(default_factory=dict)  # process id -> peak kB


class BuildFailed(HandoutsError):
    """A build that found problems: carries the one-line summary printed after them."""

    summary = ""
    result: BuildResult | None = None  # what was written for the languages that did not fail


def parse_languages(values: tuple[str, ...], project: config.Project) -> list[tuple[str, ...]]:
    """``--lang`` values: 'fr' or a pair 'fr+en'. None given: every language, and the project's pair."""
    if not values:
        known = catalogs.check_languages(project.locales_dir, ())
        editions = [(lang,) for lang in known]
        if project.bilingual:
            catalogs.check_languages(project.locales_dir, project.bilingual)
            editions.append(project.bilingual)
        return editions
    editions = []
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


def prepare(
    root: Path,
    langs: tuple[str, ...] = (),
    names: tuple[str, ...] = (),
    brand_name: str | None = None,
    strict: bool = False,
    *,
    large_print: bool | None = None,
    paper: str | None = None,
    release: bool = False,
    today: date | None = None,
) -> Plan:
    """Everything up to the HTML: load, validate, translate and render every requested sheet.

    Raises one error listing every problem; returns the tasks and the warnings.
    """
    project = config.load_project(root)
    if paper is not None and paper not in config.PAPER_SIZES:
        raise HandoutsError(f"--paper {paper!r}: use 'letter' or 'a4'.", exit_code=EXIT_USAGE)
    # None: what handouts.yaml says (regular print, plus large print with large_print: true)
    sizes = (False, True) if large_print is None and project.large_print else (bool(large_print),)
    editions = [Edition(pair, size) for size in sizes for pair in parse_languages(langs, project)]
    used_langs = list(dict.fromkeys(lang for edition in editions for lang in edition.langs))
    names = check_sheet_names(project.content_dir, names)
    problems: list[Problem] = []
    warnings: list[Problem] = []
    brand = handouts = None
    try:
        brand = config.load_brand(project, brand_name)
    except HandoutsError as err:
        if err.exit_code == EXIT_USAGE:
            raise
        problems += err.problems
    try:
        handouts = content.load_handouts(project.content_dir, names)
    except HandoutsError as err:
        problems += err.problems
    translators = {}
    glyphs = printable.project_glyphs(project.templates_dir, project.fonts_dir)
    reviews: dict[str, langreview.LanguageReview] = {}  # of each translation (not English)
    failed: dict[str, list[Problem]] = {}  # a language that cannot be printed fails alone
    for lang in used_langs:
        try:
            catalog = catalogs.load_catalog(project.locales_dir, lang)
        except HandoutsError as err:
            failed[lang] = list(err.problems)
            continue
        translators[lang] = catalogs.Translator(lang, catalog)
        if catalog is not None:  # the same message checks as 'handouts check': errors stop the language
            errors: list[Problem] = [finding for finding in translation_rules.check_catalog(catalog, glyphs=glyphs)
                                     if finding.is_error]
            try:
                reviews[lang] = langreview.load(project.locales_dir, lang)
                if release and not reviews[lang].reviewed:
                    errors.append(langreview.release_problem(reviews[lang]))
            except HandoutsError as err:
                errors += err.problems
            if errors:
                failed[lang] = list(errors)
    problems += printable.check_printed_glyphs(handouts, brand, glyphs)
    raise_if_any(problems)
    raise_if_any(missing_fonts(project), EXIT_ENVIRONMENT)
    assert brand is not None and handouts is not None
    # A clinician's review covers the exact text: changed since, the sheet is a draft again.
    handouts = review.apply_reviews(handouts, project.locales_dir)
    warnings += review.stale_warnings(handouts, project.locales_dir)
    review_problems, review_warnings = check_reviews(handouts, release, today or date.today())
    raise_if_any(review_problems)
    warnings += review_warnings
    points = fonts.code_points(project.templates_dir, project.fonts_dir)

    created = source_date()
    html: dict[tuple[str, str, bool], Part] = {}
    titles: dict[tuple[str, str], str] = {}
    for lang in used_langs:
        if lang in failed:
            continue
        translator = translators[lang]
        try:
            locale = catalogs.locale_for(lang, project.region)
        except HandoutsError as err:
            failed[lang] = list(err.problems)
            continue
        sources = glyph_sources(translator, locale, brand, handouts)
        lang_problems: list[Problem] = []
        for handout in handouts:
            translated = handout.map_texts(lambda t: replace(t, text=translator.gettext(t.text)))
            titles[handout.name, lang] = translated.title.text
            for size in sizes:
                label = f"{handout.name} ({lang})"
                try:
                    page = render.render_html(translated, translator, locale, brand, project, paper=paper,
                                              large_print=size, created=created,
                                              translation_reviewed=lang not in reviews or reviews[lang].reviewed)
                    lengths.check_text_size(page, label, handout.path)
                except HandoutsError as err:
                    lang_problems += err.problems
                    break
                lang_problems += [p for p in fonts.glyph_problems(page, points, sources, label)
                                  if p not in lang_problems]
                html[handout.name, lang, size] = Part(page, label, render.html_language(locale))
        if lang_problems:
            failed[lang] = lang_problems
    if failed and all(lang in failed for lang in used_langs):
        raise_if_any([p for problems in failed.values() for p in problems])

    warnings = [gap for lang, t in translators.items() if lang not in failed and (gap := t.gap_problem())] + warnings
    if strict and warnings:
        raise HandoutsError.collect(
            [replace(w, message=f"incomplete catalog (--strict): {w.message}") for w in warnings]
        )
    allowed = (project.templates_dir, project.fonts_dir, brand.folder)
    tasks = []
    dropped = 0  # PDFs of the languages that failed
    for edition in editions:
        if any(lang in failed for lang in edition.langs):
            dropped += len(handouts)
            continue
        for handout in handouts:
            parts = [replace(html[handout.name, lang, edition.large_print], max_pages=edition.max_pages)
                     for lang in edition.langs]
            title = " / ".join(titles[handout.name, lang] for lang in edition.langs) + f" | {brand.name}"
            tasks.append(Task(handout.name, edition, parts, title, handout.path))
    base = fingerprint_inputs(allowed)
    for task in tasks:
        digest = hashlib.sha256(base.encode())
        digest.update(task.edition.folder.encode())
        for part in task.parts:
            digest.update(b"\0" + part.lang.encode() + b"\0" + part.html.encode())
        task.key = digest.hexdigest()
    return Plan(project, tasks, warnings, allowed, base, brand, handouts, translators, failed, dropped)


def glyph_sources(translator: catalogs.Translator, locale: Locale, brand: config.Brand,
                  handouts: list[content.Handout]) -> list[fonts.Source]:
    """What a page in one language is made of that someone can fix, for the glyph check:
    the catalog's translations (file and line), then the locale data Babel formats with."""
    sources: list[fonts.Source] = []
    catalog = translator.catalog
    if catalog is not None:
        for entry in catalog.entries:
            if entry.translated:
                text = "".join(entry.msgstrs.values())
                sources.append((f"the translation of {entry.msgid[:40]!r}", catalog.path, entry.line, text))
    for what, text in render.locale_data(locale, brand, handouts):
        sources.append((f"Babel's locale data (CLDR) for '{translator.lang}', {what},", None, None, text))
    return sources


_FONT_URL = re.compile(r"""url\(\s*["']?([^"')]+\.(?:ttf|otf|woff2?))["']?\s*\)""", re.I)


def missing_fonts(project: config.Project) -> list[Problem]:
    """Font files a stylesheet names that are not there (WeasyPrint would only say "refused")."""
    problems = []
    for sheet in sorted(project.templates_dir.rglob("*.css")):
        text = read_file(sheet, MAX_INPUT_BYTES, project.root, what="stylesheet").decode("utf-8", "replace")
        for number, line in enumerate(text.splitlines(), 1):
            for url in _FONT_URL.findall(line):
                font = (sheet.parent / url).resolve()
                if not font.is_file():
                    problems.append(Problem(
                        f"the font file {url} named here is missing ({font}); put it back: fonts/README.md says "
                        "where it comes from.", sheet, number))
    return problems


def check_reviews(handouts: list[content.Handout], release: bool, today: date) -> tuple[list[Problem], list[Problem]]:
    """--release refuses drafts; a review older than 24 months is a warning in every build."""
    problems, warnings = [], []
    for handout in handouts:
        review = handout.review
        if review.is_draft and release and review.stale and not review.text_hash:
            problems.append(Problem(
                f"'{handout.name}' is marked reviewed but its review has no text_hash, so nobody can tell which "
                "text the clinician read and --release will not print it. Run 'handouts review' and copy the "
                "sheet's fingerprint into text_hash once the clinician has read that text.",
                handout.path, review.line or None))
        elif review.is_draft and release and review.stale:
            problems.append(Problem(
                f"'{handout.name}' changed since its review, so --release will not print it for patients. "
                "Ask a clinician to review it again ('handouts review').", handout.path, review.line or None))
        elif review.is_draft and release:
            problems.append(Problem(
                f"'{handout.name}' is a draft that no clinician has reviewed, so --release will not print it "
                "for patients. After the review, set status: \"reviewed\", reviewed_by and reviewed_on.",
                handout.path, review.line or None))
        elif not review.is_draft and review.reviewed_on is not None:
            months = (today.year - review.reviewed_on.year) * 12 + today.month - review.reviewed_on.month
            if months > REVIEW_MAX_AGE_MONTHS or (months == REVIEW_MAX_AGE_MONTHS
                                                   and today.day > review.reviewed_on.day):
                warnings.append(Problem(
                    f"'{handout.name}' was last reviewed on {review.reviewed_on.isoformat()}, more than "
                    f"{REVIEW_MAX_AGE_MONTHS} months ago; ask a clinician to review it again.",
                    handout.path, review.line or None))
    return problems, warnings


def source_date() -> str:
    """The PDFs' creation date from SOURCE_DATE_EPOCH (reproducible builds), or none at all."""
    epoch = config.source_date_epoch()
    return "" if epoch is None else datetime.fromtimestamp(epoch, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def check_sheet_names(content_dir: Path, names: tuple[str, ...]) -> tuple[str, ...]:
    known = [p.stem for p in content.sheet_paths(content_dir)]
    unknown = [n for n in dict.fromkeys(names) if n not in known]
    if unknown:
        raise HandoutsError(
            f"unknown sheet {', '.join(repr(u) for u in unknown)}. Sheets: {', '.join(known)}.",
            exit_code=EXIT_USAGE,
        )
    return tuple(dict.fromkeys(names))


# ---------------------------------------------------------------- what shapes a PDF

@lru_cache(maxsize=1)
def tool_fingerprint() -> str:
    """This tool's code and the versions of the libraries that draw the PDF.

    Read without importing WeasyPrint, so a build with nothing to do stays fast.
    """
    digest = hashlib.sha256()
    for path in sorted(Path(__file__).parent.glob("*.py")):
        if path.name in site.WEB_ONLY_CODE:  # the web pages' code does not shape a PDF
            continue
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    for package in ("weasyprint", "pydyf", "fonttools", "tinycss2", "tinyhtml5", "cssselect2", "pyphen",
                    "pillow", "jinja2", "babel"):
        try:
            digest.update(f"{package}={metadata.version(package)}\n".encode())
        except metadata.PackageNotFoundError:
            digest.update(f"{package}=none\n".encode())
    return digest.hexdigest()


def fingerprint_inputs(folders: tuple[Path, ...]) -> str:
    """The tool, plus every file a sheet may load: stylesheets, fonts, the brand's logo."""
    digest = hashlib.sha256(tool_fingerprint().encode())
    for folder in folders:
        for path in sorted(p for p in folder.rglob("*") if p.is_file() and not site.web_only(folder, p)):
            try:
                data = read_file(path, MAX_INPUT_BYTES, folder)
            except HandoutsError:
                if not path.exists():  # an editor's swap file, gone since the listing
                    continue
                raise
            digest.update(str(path.relative_to(folder)).encode() + b"\0")
            digest.update(hashlib.sha256(data).digest())
    return digest.hexdigest()


MAX_INPUT_BYTES = 20_000_000  # any file in templates/, fonts/ or the brand folder (a font: 0.7 MB)
MAX_CACHE_BYTES = 20_000_000  # the cache of 1,000 sheets is about 200 kB
MAX_PDF_BYTES = 100_000_000  # a sheet is about 50 kB


def read_cache(out_dir: Path) -> dict[str, dict[str, str]]:
    """What the previous builds made: {'fr/redness.pdf': {'key': ..., 'sha256': ...}}; empty if unreadable."""
    try:
        data = json.loads(read_file(out_dir / CACHE_NAME, MAX_CACHE_BYTES).decode("utf-8"))
        entries = data["outputs"] if data.get("version") == 1 else {}
        return {k: v for k, v in entries.items() if isinstance(v, dict)}
    except (HandoutsError, ValueError, KeyError, TypeError, AttributeError, RecursionError):
        return {}  # absent, damaged, nested too deep, not a file: everything is made again


def is_current(out_dir: Path, task: Task, cache: dict[str, dict[str, str]]) -> bool:
    """The PDF on disk was made from these exact inputs and nobody changed or deleted it since."""
    entry = cache.get(task.relpath)
    if not entry or entry.get("key") != task.key:
        return False
    try:
        return hashlib.sha256(read_file(out_dir / task.relpath, MAX_PDF_BYTES)).hexdigest() == entry.get("sha256")
    except HandoutsError:  # deleted, or replaced by something that is not a PDF file
        return False


# ---------------------------------------------------------------- rendering

_renderer = None  # one warm renderer per process: a worker's, or the main process's


def _get_renderer(templates_dir: Path, allowed: tuple[Path, ...], fonts_dir: Path, inputs: str) -> object:
    """The process's warm renderer, made again when a font, stylesheet or logo changed:
    WeasyPrint's font configuration keeps the fonts it loaded, whatever happens to the files."""
    global _renderer
    from handouts.pdf import PdfRenderer  # imports WeasyPrint

    wanted = (templates_dir, allowed, fonts_dir, inputs)
    if _renderer is None or _renderer[0] != wanted:
        _renderer = (wanted, PdfRenderer(templates_dir, allowed=allowed, fonts_dir=fonts_dir))
    return _renderer[1]


_inherited: list[object] = []  # renderers a forked worker inherited: kept alive, see _init_worker


def _init_worker(templates_dir: Path, allowed: tuple[Path, ...], fonts_dir: Path, inputs: str,
                 parent_pid: int, font_folder: str) -> None:
    global _renderer
    limits.die_with_parent(parent_pid)  # a killed build must not leave workers holding its lock
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the main process's to handle
    if _renderer is not None:
        # Inherited through fork: its fonts sit in a folder that the main process still uses,
        # and WeasyPrint deletes that folder when the renderer is garbage-collected. A worker
        # ends with os._exit, so keeping a reference means it is never collected here.
        _inherited.append(_renderer)
        _renderer = None
    # WeasyPrint copies the @font-face fonts into a tempfile.mkdtemp() folder that it deletes
    # when the renderer is collected, which os._exit skips: make it inside a folder the
    # build removes when the workers are done (tempfile.tempdir is tempfile's public setting).
    tempfile.tempdir = font_folder
    _get_renderer(templates_dir, allowed, fonts_dir, inputs)


def _render(task: Task) -> Outcome:
    assert _renderer is not None
    renderer = _renderer[1]
    try:
        with limits.memory_limit(), limits.time_limit(limits.RENDER_SECONDS, task.relpath):
            rendered = renderer.render_parts(task.parts, title=task.title)  # type: ignore[attr-defined]
        outcome = Outcome(task.relpath, rendered.pdf, rendered.pages, [])
    except HandoutsError as err:
        outcome = Outcome(task.relpath, None, [], err.problems)
    outcome.worker = (os.getpid(), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
    return outcome


def render_tasks(plan: Plan, tasks: list[Task], jobs: int, progress: Progress | None = None) -> list[Outcome]:
    """Render the tasks, in worker processes when there are several; results in task order."""
    project = plan.project
    args = (project.templates_dir, plan.allowed, project.fonts_dir, plan.inputs)
    outcomes: dict[str, Outcome] = {}
    jobs = max(1, min(jobs, len(tasks)))
    deadline = limits.build_seconds(len(tasks), jobs)
    if jobs == 1:
        _get_renderer(*args)
        with limits.time_limit(deadline, f"the build of {len(tasks)} PDF{'s' if len(tasks) > 1 else ''}"):
            for done, task in enumerate(tasks, 1):
                outcomes[task.relpath] = _render(task)
                if progress:
                    progress(done, len(tasks), task.relpath)
        return [outcomes[t.relpath] for t in tasks]

    # Made here first: a damaged font or stylesheet is reported like any other problem, not as
    # a broken worker pool; forked workers start with WeasyPrint imported.
    _get_renderer(*args)
    method = "fork" if sys.platform.startswith("linux") else "spawn"
    context = multiprocessing.get_context(method)
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)  # workers are born ignoring Ctrl-C
    font_folder = tempfile.mkdtemp(prefix="handouts-fonts-")
    executor = ProcessPoolExecutor(max_workers=jobs, mp_context=context, initializer=_init_worker,
                                   initargs=(*args, os.getpid(), font_folder))
    try:
        try:
            futures = [executor.submit(_render, task) for task in tasks]
        finally:
            signal.signal(signal.SIGINT, previous)
        # The deadline is kept here, outside the renderers: a worker stuck in a library call that
        # never returns, or that swallowed its own time-out, is stopped all the same.
        for done, future in enumerate(as_completed(futures, timeout=deadline), 1):
            outcome = future.result()
            outcomes[outcome.relpath] = outcome
            if progress:
                progress(done, len(tasks), outcome.relpath)
    except BaseException as err:
        # Ctrl-C, the deadline or a crashed worker: stop every worker now; nothing has been written yet.
        for child in multiprocessing.active_children():
            child.terminate()
        executor.shutdown(wait=True, cancel_futures=True)
        if isinstance(err, TimeoutError):
            raise HandoutsError(
                f"the build was stopped after {deadline:g} s ({len(tasks)} PDFs; one takes less than a second). "
                "Undo the last change to the templates, the stylesheet or the brand's logo, or report it with "
                "this message.") from None
        if isinstance(err, BrokenProcessPool):
            raise HandoutsError(
                "a render process stopped without an answer (out of memory, or killed). Nothing was written. "
                "Undo the last change to the brand's logo or the templates, or report it with this message.",
                exit_code=EXIT_ENVIRONMENT) from None
        raise
    else:
        executor.shutdown(wait=True)
    finally:
        shutil.rmtree(font_folder, ignore_errors=True)
    return [outcomes[t.relpath] for t in tasks]


_subsetting_checked = False


def check_subsetting(note: Callable[[str], None] | None) -> None:
    """Say once per process when HarfBuzz's subsetter is missing: builds work, about 8x slower."""
    global _subsetting_checked
    if _subsetting_checked:
        return
    _subsetting_checked = True
    from handouts.pdf import SUBSET_HINT, subset_available

    if subset_available() is False and note:
        note(SUBSET_HINT)


def default_jobs() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # macOS
        return os.cpu_count() or 1


def build(
    root: Path,
    langs: tuple[str, ...] = (),
    names: tuple[str, ...] = (),
    out_dir: Path | None = None,
    brand_name: str | None = None,
    strict: bool = False,
    *,
    large_print: bool | None = None,
    paper: str | None = None,
    release: bool = False,
    force: bool = False,
    jobs: int | None = None,
    progress: Progress | None = None,
    note: Callable[[str], None] | None = None,
) -> BuildResult:
    """Build the requested sheets into ``out_dir/<edition>/<sheet>.pdf``.

    Nothing is written unless every sheet rendered and fits its pages; then each PDF
    replaces the old one in a single rename, so no reader ever sees a partial file.
    """
    started = time.perf_counter()
    plan = prepare(root, langs, names, brand_name, strict, large_print=large_print, paper=paper, release=release)
    out_dir = (out_dir or plan.project.root / "dist").resolve()
    check_output_folder(out_dir, plan.project)
    result = BuildResult(warnings=plan.warnings)
    with output_lock(out_dir):
        for folder in {out_dir, *(out_dir / t.edition.folder for t in plan.tasks), *site.folders(out_dir, plan)}:
            if folder.is_dir():  # what a killed build left, even when there is nothing to render
                clean_stale_temporaries(folder)
        cache = read_cache(out_dir)
        todo = [t for t in plan.tasks if force or not is_current(out_dir, t, cache)]
        result.unchanged = [out_dir / t.relpath for t in plan.tasks if t not in todo]
        result.jobs = max(1, min(jobs or default_jobs(), len(todo))) if todo else 0
        if todo:
            check_subsetting(note)
        outcomes = render_tasks(plan, todo, result.jobs, progress) if todo else []
        problems = [p for outcome in outcomes for p in outcome.problems]
        by_path = {t.relpath: t for t in todo}
        failed_langs = set(plan.failed)
        broken = set()  # the PDFs that could not be made
        for outcome in outcomes:
            task = by_path[outcome.relpath]
            if outcome.problems or outcome.pdf is None:
                broken.add(outcome.relpath)
            if outcome.problems:
                failed_langs.update(task.edition.langs)
            for part, pages in zip(task.parts, outcome.pages, strict=False):
                if pages > part.max_pages:
                    problems.append(page_overflow(task, part, pages))
                    failed_langs.add(part.label.rpartition("(")[2].rstrip(")"))
            if outcome.worker[0]:
                pid, peak = outcome.worker
                result.worker_peaks[pid] = max(peak, result.worker_peaks.get(pid, 0))
        # A language that cannot be printed fails alone: every PDF of the others is still written.
        good = [o for o in outcomes if o.pdf is not None and not o.problems
                and not failed_langs & set(by_path[o.relpath].edition.langs)]
        files = [(out_dir / o.relpath, o.pdf) for o in good if o.pdf is not None]
        # Pruned: entries of PDFs that are no longer there (a sheet removed, an edition deleted).
        cache = {path: entry for path, entry in cache.items()
                 if _CACHE_PATH.fullmatch(path) and (out_dir / path).is_file()}
        for outcome in good:
            task = by_path[outcome.relpath]
            cache[task.relpath] = {**cache.get(task.relpath, {}), "key": task.key,
                                   "sha256": hashlib.sha256(outcome.pdf or b"").hexdigest()}
        # The catalogue, the web pages and the thumbnails of new PDFs: published with the PDFs.
        web_files = site.outputs(plan, out_dir, cache, dict(files))
        cache_file = (out_dir / CACHE_NAME, json.dumps({"version": 1, "outputs": cache}, indent=1,
                                                       sort_keys=True).encode())
        if files or web_files or not site.same_bytes(*cache_file):
            publish(files + web_files + [cache_file])
        result.written = [path for path, _ in files]
        result.site = [path for path, _ in web_files]
        result.catalogue = out_dir / site.INDEX
        if problems or plan.failed:
            failed = len(broken) + plan.dropped
            result.seconds = time.perf_counter() - started
            err = BuildFailed(problems=[p for ps in plan.failed.values() for p in ps] + problems)
            names = ", ".join(sorted(failed_langs))
            if result.written:
                err.summary = (f"{len(result.written)} written, {len(result.unchanged)} unchanged, {failed} failed "
                               f"in {result.seconds:.1f} s; nothing was written for: {names}.")
                err.result = result
            else:
                err.summary = (f"{len(todo) - len(broken)} rendered, {len(result.unchanged)} unchanged, {failed} failed "
                               f"in {result.seconds:.1f} s; nothing was written"
                               + (f" for: {names}." if failed_langs and plan.tasks and len(failed_langs) < len(
                                   {lang for t in plan.tasks for lang in t.edition.langs}) else "."))
            raise err
    result.seconds = time.perf_counter() - started
    return result


_CACHE_PATH = re.compile(r"[A-Za-z0-9_+-]+/[a-z0-9][a-z0-9-]*\.pdf")


def check_output_folder(out_dir: Path, project: config.Project) -> None:
    """The PDFs may not go among the files they are made from: 'watch' would rebuild for ever."""
    for folder in project.input_paths:
        if folder.is_dir() and out_dir.is_relative_to(folder.resolve()):
            raise HandoutsError(
                f"the output folder {out_dir} is inside {folder.name}/, among the files the sheets are made "
                "from; choose another with --out (the default is dist/ in the project).",
                exit_code=EXIT_USAGE)


def page_overflow(task: Task, part: Part, pages: int) -> Problem:
    lang = part.label.rpartition("(")[2].rstrip(")")
    name = catalogs.language_name(lang)
    limit = f"{part.max_pages} page{'s' if part.max_pages > 1 else ''}"
    return Problem(
        f"the sheet '{task.name}' in {name} ({lang}) needs {pages} pages in the {task.edition.describe()}, "
        f"but must fit on {limit}; shorten its text (in the content file, or in the translation).",
        task.content_path,
    )


@contextmanager
def output_lock(out_dir: Path) -> Iterator[None]:
    """Only one build writes into a folder at a time; a second one stops with exit code 4."""
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        # O_NOFOLLOW: a link at the lock's name (dangling or not) is refused, never followed out of the folder.
        flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
        handle = os.fdopen(os.open(out_dir / LOCK_NAME, flags, 0o666), "a+b")
    except OSError as err:
        if (out_dir / LOCK_NAME).is_symlink():
            raise HandoutsError(
                f"{LOCK_NAME} in the output folder is a symbolic link; delete it (a build makes its own).",
                out_dir, exit_code=EXIT_OUTPUT) from err
        raise HandoutsError(
            f"cannot write to the output folder ({err.strerror}); choose another with --out.",
            out_dir,
            exit_code=EXIT_OUTPUT,
        ) from err
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as err:
            raise HandoutsError(
                "another build is writing into this folder right now; wait for it to finish, then try again.",
                out_dir,
                exit_code=EXIT_OUTPUT,
            ) from err
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@contextmanager
def _ctrl_c_deferred() -> Iterator[None]:
    """Ctrl-C while files are being renamed into place is ignored: the renames take milliseconds,
    and stopping half way would leave a folder with a mix of two builds."""
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def publish(outputs: list[tuple[Path, bytes]]) -> None:
    """Write every file to a temporary name, then rename them all into place, or change nothing.

    If a rename fails half way, the files already replaced get their previous version back,
    so a folder never holds a mix of two builds.
    """
    staged: list[tuple[Path, Path]] = []
    previous: dict[Path, Path] = {}
    replaced: list[Path] = []
    try:
        for folder in dict.fromkeys(path.parent for path, _ in outputs):
            folder.mkdir(parents=True, exist_ok=True)
            clean_stale_temporaries(folder)
        for path, data in outputs:
            fd, tmp = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=".part", dir=path.parent)
            staged.append((Path(tmp), path))
            os.fchmod(fd, 0o666 & ~umask())  # mkstemp makes 0600; a PDF is for everyone to print
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
        with _ctrl_c_deferred():
            for _, path in staged:
                if path.exists():
                    keep = path.with_name(f"{TEMP_PREFIX}{path.name}.previous")
                    os.link(path, keep)
                    previous[path] = keep
            for tmp, path in staged:
                os.replace(tmp, path)
                replaced.append(path)
    except OSError as err:
        for path in reversed(replaced):
            if path in previous:
                os.replace(previous.pop(path), path)
            else:
                path.unlink(missing_ok=True)
        for tmp, _ in staged:
            tmp.unlink(missing_ok=True)
        where = Path(err.filename) if err.filename else (outputs[0][0].parent if outputs else None)
        raise HandoutsError(
            f"cannot write the PDFs ({err.strerror}); nothing was changed. "
            "Check that the output folder exists, is writable and that the disk is not full.",
            where,
            exit_code=EXIT_OUTPUT,
        ) from err
    except KeyboardInterrupt:
        for tmp, _ in staged:
            tmp.unlink(missing_ok=True)
        raise
    finally:
        for keep in previous.values():
            keep.unlink(missing_ok=True)


def clean_stale_temporaries(folder: Path) -> None:
    """Remove temporary files a killed build left behind, so nobody prints one."""
    for stale in folder.glob(f"{TEMP_PREFIX}*"):
        stale.unlink(missing_ok=True)
