"""The one orchestrator: load content -> translate -> render HTML -> write PDF.

A build plans every requested sheet of every edition as HTML first (cheap, :mod:`handouts.plan`),
skips the ones whose PDF on disk was made from exactly the same inputs (:mod:`handouts.cache`),
makes the rest in worker processes (:mod:`handouts.workers`), checks that each fits its pages,
and only then publishes every PDF at once (:mod:`handouts.publish`). Nothing is written unless
everything succeeded, except that a language that cannot be printed fails alone.
"""

from __future__ import annotations

import contextlib
import copy
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from handouts import dist_paths, stamp
from handouts.errors import HandoutsError, Problem
from handouts.options import BuildOptions
from handouts.publish import output_lock, publish

if TYPE_CHECKING:  # the rest is imported when there is something to check: a no-op needs none of it
    from handouts.cache import Cache
    from handouts.pdf import Part
    from handouts.plan import Plan
    from handouts.tasks import Task
    from handouts.workers import Outcome, Progress, RendererKey



@dataclass
class BuildResult:
    written: list[Path] = field(default_factory=list)
    unchanged: list[Path] = field(default_factory=list)
    site: list[Path] = field(default_factory=list)  # web pages, thumbnails, catalogue written (handouts/site.py)
    catalogue: Path | None = None  # the catalogue page for staff, dist/index.html
    warnings: list[Problem] = field(default_factory=list)
    seconds: float = 0.0
    jobs: int = 1


class Superseded(Exception):
    """An input changed while the build read it ('handouts watch'): nothing was written; build again."""


class BuildFailed(HandoutsError):
    """A build that found problems: the one-line summary printed after them, and what was written
    for the languages that did not fail (None: nothing was written)."""

    def __init__(self, problems: list[Problem], summary: str, result: BuildResult | None = None) -> None:
        super().__init__(problems=problems, summary=summary)
        self.result = result


@dataclass
class Judged:
    """The PDFs a build made, judged: the ones to publish, and what went wrong with the others."""

    good: list[tuple[Task, bytes]]
    thumbnails: dict[str, bytes]  # relpath of a good PDF: its first page, drawn by the worker that made it
    problems: list[Problem]
    failed_langs: set[str]
    broken: set[str]  # the PDFs that could not be made


def build(options: BuildOptions, progress: Progress | None = None,
          note: Callable[[str], None] | None = None, current: Callable[[], bool] | None = None) -> BuildResult:
    """Build the requested sheets into ``out_dir/<edition>/<sheet>.pdf``.

    Nothing is written unless every sheet rendered and fits its pages; then each PDF
    replaces the old one in a single rename, so no reader ever sees a partial file.
    ``current``, asked just before that ('handouts watch'), says whether the inputs are still
    those the build read: when not (an editor still saving), it raises :class:`Superseded`.
    """
    started = time.perf_counter()
    inputs = stamp.take(options)  # before anything is read: a file saved during the build is never missed
    out_dir = stamp.output_dir(options)
    if not options.force and inputs is not None and (out_dir / stamp.STAMP_NAME).is_file():
        with output_lock(out_dir):
            saved = stamp.saved_result(out_dir, inputs)
        if saved is not None:  # nothing changed since the last build: what it printed, again
            return BuildResult(unchanged=saved.pdfs, catalogue=saved.catalogue, warnings=saved.warnings,
                               seconds=time.perf_counter() - started, jobs=0)
    return full_build(options, inputs, out_dir, started, progress, note, current)


def full_build(options: BuildOptions, inputs: str | None, out_dir: Path, started: float,
               progress: Progress | None, note: Callable[[str], None] | None,
               current: Callable[[], bool] | None = None) -> BuildResult:
    """Plan every sheet, check each PDF's key, make those that changed, publish, and stamp the result."""
    from handouts import pool
    from handouts.workers import default_jobs

    if (options.jobs or default_jobs()) > 1:
        # Workers import WeasyPrint on the other core, and make their renderer, while this process
        # reads and checks the inputs.
        pool.start_early(options.jobs or default_jobs(), lambda: _early_renderer_key(options))
    try:
        return _full_build(options, inputs, out_dir, started, progress, note, current)
    finally:
        pool.done()


def _early_renderer_key(options: BuildOptions) -> RendererKey | None:
    from handouts.plan import early_renderer_key  # only when workers start: a long import a no-op never pays

    return early_renderer_key(options)


def _full_build(options: BuildOptions, inputs: str | None, out_dir: Path, started: float,
                progress: Progress | None, note: Callable[[str], None] | None,
                current: Callable[[], bool] | None) -> BuildResult:
    from handouts import site
    from handouts.cache import is_current, read_cache
    from handouts.plan import prepare
    from handouts.publish import check_output_folder, clean_stale_temporaries
    from handouts.thumbnails import drawn_from
    from handouts.workers import default_jobs, make_pdfs

    plan = prepare(options)
    check_output_folder(out_dir, plan.project)
    with output_lock(out_dir):
        for folder in {out_dir, *(out_dir / t.edition.folder for t in plan.tasks), *site.folders(out_dir, plan)}:
            if folder.is_dir():  # what a killed build left, even when there is nothing to render
                clean_stale_temporaries(folder)
        cache = read_cache(out_dir)
        todo = [t for t in plan.tasks if options.force or not is_current(out_dir, t, cache)]
        for task in todo:
            task.thumbnail_of = drawn_from(cache, task.relpath)
        result = BuildResult(unchanged=[out_dir / t.relpath for t in plan.tasks if t not in todo],
                             warnings=plan.warnings)
        result.jobs = max(1, min(options.jobs or default_jobs(), len(todo))) if todo else 0
        ahead: list[tuple[Path, bytes]] | None = None

        def meanwhile() -> None:  # a problem here is found again, and reported, when the pages are made after
            nonlocal ahead
            with contextlib.suppress(HandoutsError):
                ahead = pages_ahead(plan, out_dir, cache, todo)

        judged = judge(plan, todo, make_pdfs(plan, todo, result.jobs, progress, note, meanwhile) if todo else [])
        every_pdf_made = len(judged.good) == len(todo)  # then the pages made ahead are the right ones
        if current is not None and not current():
            raise Superseded
        publish_outputs(plan, out_dir, cache, judged, result, ahead if every_pdf_made else None)
        if judged.problems or plan.failed:
            result.seconds = time.perf_counter() - started
            raise build_failed(plan, todo, judged, result)
        save_stamp(out_dir, inputs, plan, result)
    result.seconds = time.perf_counter() - started
    return result


def save_stamp(out_dir: Path, inputs: str | None, plan: Plan, result: BuildResult) -> None:
    """After a successful build: the stamp that lets the next one, if nothing changed, stop at once."""
    assert result.catalogue is not None
    record = stamp.stamp_file(out_dir, inputs, [t.relpath for t in plan.tasks], result.warnings,
                              result.catalogue.relative_to(out_dir).as_posix())
    if record is not None:
        with contextlib.suppress(HandoutsError):  # a full disk, say: the next build does the full check again
            publish([record])


def judge(plan: Plan, todo: list[Task], outcomes: list[Outcome]) -> Judged:
    """Which PDFs may be published: a language with a problem in any of its PDFs fails alone."""
    problems = [p for outcome in outcomes for p in outcome.problems]
    by_path = {t.relpath: t for t in todo}
    failed_langs = set(plan.failed)
    broken = set()
    for outcome in outcomes:
        task = by_path[outcome.relpath]
        if outcome.problems or outcome.pdf is None:
            broken.add(outcome.relpath)
        if outcome.problems:
            failed_langs.update(task.edition.langs)
        for lang, part, pages in zip(task.edition.langs, task.parts, outcome.pages, strict=False):
            if pages > part.max_pages:
                problems.append(page_overflow(task, lang, part, pages))
                failed_langs.add(lang)
    good, thumbnails = [], {}
    for outcome in outcomes:
        task = by_path[outcome.relpath]
        if outcome.pdf is not None and not outcome.problems and not failed_langs & set(task.edition.langs):
            good.append((task, outcome.pdf))
            if outcome.thumbnail is not None:
                thumbnails[task.relpath] = outcome.thumbnail
    return Judged(good, thumbnails, problems, failed_langs, broken)


def pages_ahead(plan: Plan, out_dir: Path, cache: Cache, todo: list[Task]) -> list[tuple[Path, bytes]]:
    """The web pages and catalogue as they will be once every PDF of ``todo`` is made: made while
    the workers render them, and used only if they all are (:func:`handouts.site.web_files`)."""
    from handouts import site
    from handouts.cache import updated_cache

    listed = updated_cache(out_dir, copy.deepcopy(cache), [(task, b"") for task in todo])
    site.add_catalogue_entries(plan, listed)
    return site.web_files(plan, out_dir, listed, {out_dir / task.relpath for task in todo})


def publish_outputs(plan: Plan, out_dir: Path, cache: Cache, judged: Judged, result: BuildResult,
                    pages: list[tuple[Path, bytes]] | None = None) -> None:
    """Publish the good PDFs with the catalogue, the web pages, the thumbnails of new PDFs and the cache;
    ``pages``: the web pages and catalogue made ahead for them (:func:`pages_ahead`)."""
    from handouts import site
    from handouts.cache import cache_file, updated_cache

    files = [(out_dir / task.relpath, pdf) for task, pdf in judged.good]
    cache = updated_cache(out_dir, cache, judged.good)
    thumbnails = {out_dir / relpath: image for relpath, image in judged.thumbnails.items()}
    web_files = site.outputs(plan, out_dir, cache, dict(files), thumbnails, pages)
    record = cache_file(out_dir, cache)
    if files or web_files or not site.same_bytes(*record):
        publish(files + web_files + [record])
    result.written = [path for path, _ in files]
    result.site = [path for path, _ in web_files]
    result.catalogue = out_dir / dist_paths.INDEX


def build_failed(plan: Plan, todo: list[Task], judged: Judged, result: BuildResult) -> BuildFailed:
    """Every problem of the build, and the line that sums it up."""
    problems = [p for ps in plan.failed.values() for p in ps] + judged.problems
    failed = len(judged.broken) + plan.dropped
    names = ", ".join(sorted(judged.failed_langs))
    if result.written:
        return BuildFailed(problems, f"{len(result.written)} written, {len(result.unchanged)} unchanged, "
                                     f"{failed} failed in {result.seconds:.1f} s; nothing was written for: {names}.",
                           result)
    printed = {lang for t in plan.tasks for lang in t.edition.langs}
    some = judged.failed_langs and plan.tasks and len(judged.failed_langs) < len(printed)
    return BuildFailed(problems, f"{len(todo) - len(judged.broken)} rendered, {len(result.unchanged)} unchanged, "
                                 f"{failed} failed in {result.seconds:.1f} s; nothing was written"
                                 + (f" for: {names}." if some else "."))


def page_overflow(task: Task, lang: str, part: Part, pages: int) -> Problem:
    from handouts import catalogs

    name = catalogs.language_name(lang)
    limit = f"{part.max_pages} page{'s' if part.max_pages > 1 else ''}"
    return Problem(
        f"the sheet '{task.name}' in {name} ({lang}) needs {pages} pages in the {task.edition.describe()}, "
        f"but must fit on {limit}; shorten its text (in the content file, or in the translation).",
        task.content_path,
    )
