"""Making the PDFs: one warm renderer per process, what a worker does, and the limits of each render.

The worker processes themselves are in :mod:`handouts.pool`.

Each render runs under :func:`time_limit` and :func:`memory_limit`, and the whole build under
a deadline kept by the parent (:func:`build_seconds`), in case something other than the text
(checked before WeasyPrint sees it, :mod:`handouts.lengths`) makes layout run away: a
template, a stylesheet, a WeasyPrint bug. ``font-size: 1e9px`` in the stylesheet does not
hang (53 pages in 1.5 s, refused by the page-count check), but
``* {font-size: 1e9px !important}`` trips an AssertionError inside WeasyPrint instead.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import multiprocessing.queues
import os
import queue
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING

from handouts.errors import EXIT_INPUT, HandoutsError, Problem

if TYPE_CHECKING:
    from handouts.pdf import PdfRenderer
    from handouts.plan import Plan
    from handouts.tasks import Task

RENDER_SECONDS = 60.0  # one PDF renders in 0.1 to 0.5 s; 8 times that without HarfBuzz's subsetter
RENDER_MEMORY_BYTES = 1 << 30  # what one render may add to its process (a build process has about 320 MB)
BUILD_SECONDS_PER_PDF = 10.0  # per PDF and process: 0.1 to 0.5 s with HarfBuzz's subsetter, 4 s without
BUILD_MIN_SECONDS = 120.0

Progress = Callable[[int, int, str], None]  # (done, total, what was just rendered)


@dataclass
class Outcome:
    """What making one task's PDF gave, small enough to send back from a worker process."""

    relpath: str
    pdf: bytes | None
    pages: list[int]
    problems: list[Problem]
    thumbnail: bytes | None = None  # of the first page, for the catalogue: drawn where the PDF was made


@dataclass
class Batch:
    """What a worker sends back for one batch: each PDF's outcome, and whether its WeasyPrint
    found HarfBuzz's subsetter (None: unknown), for the build to say so once."""

    outcomes: list[Outcome]
    subsetter: bool | None
    parent: int  # the worker's parent process: the fork server, or the build itself


# ---------------------------------------------------------------- limits


@contextmanager
def time_limit(seconds: float, label: str) -> Iterator[None]:
    """Raise :class:`HandoutsError` in the block if it runs longer than ``seconds``.

    Uses SIGALRM, so it only works in the main thread of a process (a build's main process
    or one of its worker processes); elsewhere, or where there is no SIGALRM (Windows),
    it does nothing. The previous handler and any timer already running are put back
    afterwards. The error is raised between two Python steps: a single call into C that
    never returns (Pango on an endless line) is not interrupted, which is why the text is
    also checked before layout.
    """
    if (
        seconds <= 0
        or not hasattr(signal, "setitimer")
        or threading.current_thread() is not threading.main_thread()
    ):
        yield
        return

    class Expired(BaseException):  # not an Exception: a library's "except Exception" cannot swallow it
        pass

    def expired(signum: int, frame: FrameType | None) -> None:
        raise Expired

    started = time.monotonic()
    previous_handler = signal.signal(signal.SIGALRM, expired)
    # Then again every second: code that swallows even a BaseException is interrupted again.
    previous_delay, previous_interval = signal.setitimer(signal.ITIMER_REAL, seconds, 1.0)
    try:
        yield
    except Expired:
        raise HandoutsError(
            f"{label}: stopped after {seconds:g} s; a sheet takes less than a second to render. Undo the last "
            "change to its text, the templates, the stylesheet or the logo, or report it with this message.",
            exit_code=EXIT_INPUT,
        ) from None
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous_handler)
        if previous_delay > 0:  # an outer timer was running: give it back what is left of it
            left = previous_delay - (time.monotonic() - started)
            signal.setitimer(signal.ITIMER_REAL, max(left, 0.001), previous_interval)


def build_seconds(pdfs: int, jobs: int) -> float:
    """The time a whole build may take, enforced from outside the renderers (the parent stops them)."""
    return max(BUILD_MIN_SECONDS, BUILD_SECONDS_PER_PDF * -(-pdfs // max(jobs, 1)))


def _address_space() -> int:
    """This process's address space now, in bytes (Linux); 0 where it cannot be read."""
    try:
        with open("/proc/self/statm", "rb") as statm:
            return int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError, AttributeError):
        return 0


@contextmanager
def memory_limit(limit: int = RENDER_MEMORY_BYTES) -> Iterator[None]:
    """Let this process grow by at most ``limit`` bytes of address space (RLIMIT_AS) in the block.

    An image or a layout that needs more fails with MemoryError (an error naming the sheet)
    instead of taking the computer's memory. Not on Windows; macOS does not enforce it.
    """
    try:
        import resource
    except ImportError:  # Windows
        yield
        return
    try:
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        wanted = limit + _address_space()
        wanted = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
        if soft != resource.RLIM_INFINITY and soft <= wanted:
            yield  # already tighter
            return
        resource.setrlimit(resource.RLIMIT_AS, (wanted, hard))
    except (ValueError, OSError, AttributeError):  # pragma: no cover - no RLIMIT_AS here
        yield
        return
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


def die_with_parent(build_pid: int) -> None:
    """Make this (worker) process end when the build's process ``build_pid`` does, on Linux.

    When the build is killed (kill -9, the out-of-memory killer), its workers are otherwise left
    waiting for work for ever. A worker forked by the build itself holds the build's lock on
    OUT/.handouts.lock, so every later build is refused ("another build is writing into this
    folder") until someone finds and kills it; it gets the kernel's parent-death signal. A worker
    forked by the fork server (:mod:`handouts.pool`) holds no lock, but it would keep the fork
    server, and itself, alive: a thread waits for the build to end and ends the worker then.
    """
    if not sys.platform.startswith("linux"):
        return
    if os.getppid() != build_pid:
        threading.Thread(target=_exit_when_ended, args=(build_pid,), name="handouts-build-watch", daemon=True).start()
        return
    import ctypes

    PR_SET_PDEATHSIG = 1
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):  # pragma: no cover - no prctl: nothing more can be done here
        return
    if os.getppid() != build_pid:  # the build died before prctl took effect
        os._exit(1)


def _exit_when_ended(pid: int) -> None:
    """End this process as soon as process ``pid`` has ended (Linux)."""
    import select

    try:
        handle = os.pidfd_open(pid)  # Linux 5.3: readable once the process has ended
    except ProcessLookupError:
        os._exit(1)
    except (OSError, AttributeError):  # an older kernel: ask every half second
        while True:
            time.sleep(0.5)
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                os._exit(1)
            except OSError:  # pragma: no cover - not ours to signal: it is alive
                pass
    select.select([handle], [], [])
    os._exit(1)


def default_jobs() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # macOS
        return os.cpu_count() or 1


# ---------------------------------------------------------------- one warm renderer per process

RendererKey = tuple[Path, tuple[Path, ...], Path, str]  # templates, allowed folders, fonts, input fingerprint
_renderer: tuple[RendererKey, PdfRenderer] | None = None  # a worker's, or the main process's
_inherited: list[object] = []  # a renderer a worker forked from the build itself inherited, see init_worker


def get_renderer(key: RendererKey) -> PdfRenderer:
    """The process's warm renderer, made again when a font, stylesheet or logo changed:
    WeasyPrint's font configuration keeps the fonts it loaded, whatever happens to the files."""
    global _renderer
    from handouts.pdf import PdfRenderer

    if _renderer is None or _renderer[0] != key:
        if _renderer is not None:  # the old one's fonts and caches, freed now: batches only collect their own
            _renderer = None
            gc.collect()
        templates_dir, allowed, fonts_dir, _ = key
        _renderer = (key, PdfRenderer(templates_dir, allowed=allowed, fonts_dir=fonts_dir))
    return _renderer[1]


def init_worker(build_pid: int, font_folder: str, keys: multiprocessing.queues.Queue[RendererKey | None] | None = None,
                ) -> None:
    """Ready a worker process: Ctrl-C left to the main process; its renderer made for the key the
    build expects to use (from ``keys``), or else with its first batch, which brings the key that counts."""
    global _renderer
    die_with_parent(build_pid)  # a killed build must not leave workers behind
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
    if keys is not None:
        with contextlib.suppress(queue.Empty):
            _make_expected_renderer(keys.get(timeout=KEY_SECONDS))


KEY_SECONDS = 10.0  # the build tells the key long before a worker is ready; without it, the batch brings it


def _make_expected_renderer(key: RendererKey | None) -> None:
    """Make the renderer the build expects to use, before its first batch: the same key (or another,
    when a file changed meanwhile, which gets a renderer of its own). One that cannot be made is
    made again by the first batch, which reports why in the build's words."""
    global _renderer
    if key is None:
        return
    try:
        get_renderer(key)
    except Exception:  # the first batch makes it again, and reports why it cannot be made
        _renderer = None


def ready() -> bool:
    """Nothing: what a worker is first given, to start it (and the fork server) before there is work."""
    return True


def make_pdf(task: Task, thumbnails: dict[tuple[str, str], bytes]) -> Outcome:
    """One task's PDF and its thumbnail, made by this process's renderer under the time and memory limits.

    The thumbnail is drawn here rather than by the build's main process: in a worker, beside the
    other PDFs, instead of one after another once they are all made. ``thumbnails``: those drawn
    before in the batch, by the layout of their first part; a PDF that starts with the same layout
    (fr+en after fr) has the same first page, and is given the same image (checked
    pixel-identical for every bilingual sheet of both demo brands). None is drawn when the PDF
    is byte for byte the one the thumbnail in place was drawn from (``task.thumbnail_of``).
    """
    from handouts.thumbnails import draw_thumbnail

    assert _renderer is not None
    renderer = _renderer[1]
    first = task.parts[0].layout_key
    try:
        with memory_limit(), time_limit(RENDER_SECONDS, task.relpath):
            made = renderer.make_pdf(task.parts, title=task.title)
            if made.pdf is None or task.thumbnail_of == hashlib.sha256(made.pdf).hexdigest():
                return Outcome(task.relpath, made.pdf, made.pages, [])  # the thumbnail in place is this PDF's
            if first not in thumbnails:
                thumbnails[first] = draw_thumbnail(made.pdf)
        return Outcome(task.relpath, made.pdf, made.pages, [], thumbnails[first])
    except HandoutsError as err:
        return Outcome(task.relpath, None, [], err.problems)


def make_batch(key: RendererKey, tasks: list[Task]) -> Batch:
    """The PDFs of one sheet in one print size that share languages (:func:`sharing_layouts`),
    each language laid out once; each PDF under its own limits, as :func:`make_pdf` makes it.

    A renderer that cannot be made (a damaged font or stylesheet) raises its HandoutsError,
    which reaches the build's main process as it is.
    """
    from handouts.pdf import native_libraries

    renderer = get_renderer(key)
    thumbnails: dict[tuple[str, str], bytes] = {}  # the first pages the batch has drawn
    with cycles_collected_after(), renderer.sharing_layouts():
        outcomes = [make_pdf(task, thumbnails) for task in tasks]
    return Batch(outcomes, native_libraries().harfbuzz_subset, os.getppid())


@contextmanager
def cycles_collected_after() -> Iterator[None]:
    """Python's cycle collector paused while a batch is made, then run once over what it made.

    A sheet's layout leaves about 10,000 objects in reference cycles, which only the collector
    frees (1.2 million in a default build's 126 PDFs). Left on, the collector ran
    2,265 times while one process made the 126 PDFs of a default build, and spent 1.3 s of its
    17 s. Paused, one collection of the youngest generation (what the batch made) once the
    batch's layouts are let go takes 0.45 s in all, and the peak memory is lower (117 MB, not
    121). A render that runs away still meets its memory limit.
    """
    if not gc.isenabled():  # someone else's choice: leave it so
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
        gc.collect(0)


# ---------------------------------------------------------------- every PDF of a build


def make_pdfs(plan: Plan, tasks: list[Task], jobs: int, progress: Progress | None = None,
              note: Callable[[str], None] | None = None, meanwhile: Callable[[], None] | None = None,
              ) -> list[Outcome]:
    """Make the tasks' PDFs, in worker processes when there are several or when workers are
    already started (:func:`handouts.pool.start_early`); results in task order. ``note``: told
    once per process when HarfBuzz's subsetter is missing. ``meanwhile``: called while the
    workers render (not when this process renders).

    The unit of work is a batch (:func:`sharing_layouts`), the costliest first, so that no worker
    is left with a long one at the end.
    """
    from handouts import pool

    key = plan.renderer_key
    batches = sorted(sharing_layouts(tasks), key=_cost, reverse=True)
    jobs = max(1, min(jobs, len(batches)))
    deadline = build_seconds(len(tasks), jobs)
    outcomes = None
    if jobs > 1 or pool.running():  # then this process never imports WeasyPrint: the workers have it
        try:
            outcomes, subsetter = pool.make_in_workers(batches, key, jobs, deadline, progress, meanwhile)
        except pool.WorkersUnavailable:
            pass  # made here instead, more slowly
        else:
            if subsetter is False:
                _say_once(note)
    if outcomes is None:
        get_renderer(key)
        check_subsetting(note)
        outcomes = _make_here(key, batches, len(tasks), deadline, progress)
    return [outcomes[t.relpath] for t in tasks]


def sharing_layouts(tasks: list[Task]) -> list[list[Task]]:
    """The tasks in groups that share layouts: one sheet in one print size, the editions with a
    language in common (fr, en and fr+en together; es alone), each group in the tasks' order.
    Each language of a group is laid out once for all of its PDFs."""
    groups: dict[tuple[str, bool], list[tuple[set[str], list[Task]]]] = {}
    for task in tasks:
        langs, joined = set(task.edition.langs), [task]
        siblings = groups.setdefault((task.name, task.edition.large_print), [])
        for shared, group in [g for g in siblings if g[0] & langs]:
            langs, joined = langs | shared, group + joined
        siblings[:] = [g for g in siblings if not g[0] & langs] + [(langs, joined)]
    order = {id(task): i for i, task in enumerate(tasks)}
    return [sorted(group, key=lambda t: order[id(t)]) for siblings in groups.values() for _, group in siblings]


def _cost(batch: list[Task]) -> int:
    """Roughly how long a batch takes: a layout and a PDF written cost about the same; large print twice."""
    layouts = {lang for task in batch for lang in task.edition.langs}
    return (len(layouts) + len(batch)) * (2 if batch[0].edition.large_print else 1)


def _make_here(key: RendererKey, batches: list[list[Task]], total: int, deadline: float,
               progress: Progress | None) -> dict[str, Outcome]:
    outcomes: dict[str, Outcome] = {}
    with time_limit(deadline, f"the build of {total} PDF{'s' if total > 1 else ''}"):
        for batch in batches:
            for outcome in make_batch(key, batch).outcomes:
                outcomes[outcome.relpath] = outcome
                if progress:
                    progress(len(outcomes), total, outcome.relpath)
    return outcomes


_subsetting_checked = False


def check_subsetting(note: Callable[[str], None] | None) -> None:
    """Say once per process when HarfBuzz's subsetter is missing: builds work, about 8x slower."""
    from handouts.pdf import subset_available

    if not _subsetting_checked and subset_available() is False:
        _say_once(note)


def _say_once(note: Callable[[str], None] | None) -> None:
    global _subsetting_checked
    from handouts.pdf import SUBSET_HINT

    if not _subsetting_checked and note:
        note(SUBSET_HINT)
    _subsetting_checked = True
