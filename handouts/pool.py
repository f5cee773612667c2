"""The worker processes that make a build's PDFs: started for one build, or kept warm across rebuilds.

On Linux the workers are forked from a fork server (multiprocessing's ``forkserver``): a fresh
process that imports WeasyPrint, PDFium and the worker code once (:mod:`handouts.warm_start`),
without inheriting anything of the build: not its lock on the output folder, not its threads.
A build starts it in the background (:func:`start_early`) before it reads its inputs, so that
WeasyPrint is being imported on the other core while the build checks the content and
catalogs; the build's main process never imports WeasyPrint when workers make its PDFs. Each
worker makes its renderer with its first batch (:func:`handouts.workers.make_batch`), and again
only when a font, the stylesheet, a template or the logo changed. A build stops its workers
when it is done. Inside :func:`kept_warm` ('handouts watch'), they outlive the build: the next
rebuild hands its PDFs to workers whose renderers are already warm.
"""

from __future__ import annotations

import atexit
import contextlib
import multiprocessing
import multiprocessing.queues
import os
import shutil
import signal
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from handouts import workers
from handouts.errors import EXIT_ENVIRONMENT, HandoutsError

if TYPE_CHECKING:
    from handouts.tasks import Task
    from handouts.workers import Batch, Progress, RendererKey

# How worker processes start. Tests that patch the worker code in their own process set "fork".
START_METHOD = "forkserver" if sys.platform.startswith("linux") else "spawn"
PRELOAD = ["handouts.warm_start"]  # what the fork server imports once for every worker


@dataclass
class _Workers:
    jobs: int
    executor: ProcessPoolExecutor
    font_folder: str  # where the workers' renderers copy their fonts; removed with them
    starting: threading.Thread | None = None  # start_early's, which starts the workers

    def close(self, now: bool = False) -> None:
        """Stop the workers: at once (Ctrl-C, the deadline, a crash), or once they are idle."""
        if self.starting is not None:
            self.starting.join()
        if now:
            for child in multiprocessing.active_children():
                child.terminate()
        self.executor.shutdown(wait=True, cancel_futures=now)
        shutil.rmtree(self.font_folder, ignore_errors=True)


class WorkersUnavailable(Exception):
    """No worker process could be started (the system's process limit, say): make the PDFs here."""


_keeping = False  # inside kept_warm
_kept: _Workers | None = None  # workers started early, or kept warm between two rebuilds


@contextmanager
def kept_warm() -> Iterator[None]:
    """Keep the worker processes of each build in the block for the next one; stop them at the end."""
    global _keeping
    _keeping = True
    try:
        yield
    finally:
        _keeping = False
        _drop()


def start_early(jobs: int, key: Callable[[], RendererKey | None] = lambda: None) -> None:
    """Start ``jobs`` workers now, in the background, for a build that has not yet read its inputs.

    The build goes on at once; :func:`make_in_workers` then finds them ready, or nearly. Each
    worker starts by making its renderer for ``key()``: the renderer key the build expects to use,
    told here while the fork server imports WeasyPrint. A build with nothing to make stops them
    with :func:`done` (their start cost the other core's time).
    """
    global _kept
    if START_METHOD == "fork" or (_kept is not None and _kept.jobs >= jobs):
        # Forked from this process, the workers would import WeasyPrint each; and a worker's
        # death signal (handouts.workers.die_with_parent) follows the thread that forked it.
        return
    _drop()
    keys: multiprocessing.queues.Queue[RendererKey | None] = multiprocessing.get_context(START_METHOD).Queue()
    pool = _start(jobs, keys)
    # Each submit starts a worker, and the first one waits for the fork server to be ready:
    # in a thread, so that the build reads its inputs meanwhile.
    pool.starting = threading.Thread(target=_warm_up, args=(pool,), name="handouts-start-workers", daemon=True)
    pool.starting.start()
    _kept = pool
    expected = None
    try:
        expected = key()
    finally:
        for _ in range(jobs):  # one for each worker, which waits for it
            keys.put(expected)


def _warm_up(pool: _Workers) -> None:
    try:
        for _ in range(pool.jobs):
            pool.executor.submit(workers.ready)
    except (OSError, RuntimeError):  # no process can start now: make_in_workers finds out and says so
        pass


def running() -> bool:
    """Whether workers are started (early, or kept warm): a build then has them make even one PDF."""
    return _kept is not None


def done() -> None:
    """The build is over: stop its workers, unless they are kept warm for the next one."""
    if not _keeping:
        _drop()


def _drop(now: bool = False) -> None:
    global _kept
    kept, _kept = _kept, None
    if kept is not None:
        kept.close(now)


def make_in_workers(batches: list[list[Task]], key: RendererKey, jobs: int, deadline: float,
                    progress: Progress | None, meanwhile: Callable[[], None] | None = None,
                    ) -> tuple[dict[str, workers.Outcome], bool | None]:
    """Every PDF of the batches, made by ``jobs`` worker processes (or those already started);
    and whether the workers' WeasyPrint found HarfBuzz's subsetter (None: unknown).
    ``meanwhile`` is called here while the workers render, once a core is free: as soon as a worker
    has no batch left (with two PDFs on two cores, when the shorter one is done)."""
    global _kept
    pool = _kept if _kept is not None and _kept.jobs >= jobs else None
    if pool is None:
        _drop()
        pool = _start(jobs)
    _kept = None
    total = sum(len(batch) for batch in batches)
    try:
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)  # workers are born ignoring Ctrl-C
        try:
            futures = [pool.executor.submit(workers.make_batch, key, batch) for batch in batches]
        except OSError as err:  # a worker could not start
            raise WorkersUnavailable(str(err)) from err
        finally:
            signal.signal(signal.SIGINT, previous)
        outcomes, subsetter = _collect(futures, total, deadline, progress, meanwhile, pool.jobs)
    except BaseException as err:
        # Ctrl-C, the deadline, a crashed worker, a renderer that cannot be made or a worker that
        # cannot start: stop every worker now; nothing has been written yet.
        pool.close(now=True)
        _raise_pool_failure(err, deadline, total)
        raise
    if _keeping:
        _kept = pool
    else:
        pool.close()
    return outcomes, subsetter


def _start(jobs: int, keys: multiprocessing.queues.Queue[RendererKey | None] | None = None) -> _Workers:
    context = multiprocessing.get_context(START_METHOD)
    if START_METHOD == "forkserver":
        context.set_forkserver_preload(PRELOAD)  # read when the fork server starts: once per process
    font_folder = tempfile.mkdtemp(prefix="handouts-fonts-")
    executor = ProcessPoolExecutor(max_workers=jobs, mp_context=context,
                                   initializer=workers.init_worker, initargs=(os.getpid(), font_folder, keys))
    return _Workers(jobs, executor, font_folder)


def _collect(futures: list[Future[Batch]], total: int, deadline: float, progress: Progress | None,
             meanwhile: Callable[[], None] | None, jobs: int) -> tuple[dict[str, workers.Outcome], bool | None]:
    # The deadline is kept here, outside the renderers: a worker stuck in a library call that
    # never returns, or that swallowed its own time-out, is stopped all the same.
    outcomes: dict[str, workers.Outcome] = {}
    subsetter: bool | None = None
    pending = len(futures)
    if meanwhile is not None and pending < jobs:  # a worker has nothing to do: its core is free now
        meanwhile()
        meanwhile = None
    for future in as_completed(futures, timeout=deadline):
        batch = future.result()
        _stop_at_exit(batch.parent)
        if batch.subsetter is not None:  # every worker runs the same WeasyPrint
            subsetter = batch.subsetter
        for outcome in batch.outcomes:
            outcomes[outcome.relpath] = outcome
            if progress:
                progress(len(outcomes), total, outcome.relpath)
        pending -= 1
        if meanwhile is not None and pending < jobs:  # this worker has nothing left: its core is free
            meanwhile()
            meanwhile = None
    return outcomes, subsetter


_server: int | None = None  # the fork server's process, once a worker has named it


def _stop_at_exit(parent: int) -> None:
    """Stop the fork server (a worker's parent, when it is not this process) when this process ends.

    Left to itself, it ends a moment after the build, once it has unloaded WeasyPrint: about
    0.15 s during which it still holds the build's output streams, so that a program reading
    them (a script, a program that runs handouts for its user) waits for it. It holds nothing else: SIGTERM ends it
    at once, as the kernel would.
    """
    global _server
    if _server is not None or parent == os.getpid():
        return
    _server = parent
    atexit.register(_stop_server, parent)


def _stop_server(pid: int) -> None:
    with contextlib.suppress(OSError):  # it may have ended already
        os.kill(pid, signal.SIGTERM)


def _raise_pool_failure(err: BaseException, deadline: float, pdfs: int) -> None:
    """The deadline passed or a worker died: say so as a problem; anything else goes on as it is."""
    if isinstance(err, TimeoutError):
        raise HandoutsError(
            f"the build was stopped after {deadline:g} s ({pdfs} PDFs; one takes less than a second). "
            "Undo the last change to the templates, the stylesheet or the brand's logo, or report it with "
            "this message.") from None
    if isinstance(err, BrokenProcessPool):
        raise HandoutsError(
            "a render process stopped without an answer (out of memory, or killed). Nothing was written. "
            "Undo the last change to the brand's logo or the templates, or report it with this message.",
            exit_code=EXIT_ENVIRONMENT) from None
