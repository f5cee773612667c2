"""The worker processes that make a build's PDFs: forked for one build, or kept warm across rebuilds.

A build forks its workers once WeasyPrint is imported (:func:`handouts.workers.make_pdfs` makes
the main process's renderer first); each worker makes its own renderer and then takes one batch
of PDFs at a time. A build stops them when it is done. Inside :func:`kept_warm` ('handouts
watch'), the workers outlive the build: the next rebuild hands its PDFs to workers that are
already warm, and new workers are forked only when a font, the stylesheet, a template or the
logo changed (the renderers' key, :data:`handouts.workers.RendererKey`), or when more are needed.
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
import signal
import sys
import tempfile
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from handouts import workers
from handouts.errors import EXIT_ENVIRONMENT, HandoutsError

if TYPE_CHECKING:
    from handouts.plan import Task
    from handouts.workers import Outcome, Progress, RendererKey


@dataclass
class _Workers:
    key: workers.RendererKey
    jobs: int
    executor: ProcessPoolExecutor
    font_folder: str  # where the workers' renderers copy their fonts; removed with them

    def close(self, now: bool = False) -> None:
        """Stop the workers: at once (Ctrl-C, the deadline, a crash), or once they are idle."""
        if now:
            for child in multiprocessing.active_children():
                child.terminate()
        self.executor.shutdown(wait=True, cancel_futures=now)
        shutil.rmtree(self.font_folder, ignore_errors=True)


_keeping = False  # inside kept_warm
_kept: _Workers | None = None  # the warm workers, between two rebuilds


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


def warm(key: RendererKey) -> bool:
    """Whether workers whose renderers have this key are waiting for work."""
    return _kept is not None and _kept.key == key


def _drop(now: bool = False) -> None:
    global _kept
    kept, _kept = _kept, None
    if kept is not None:
        kept.close(now)


def make_in_workers(batches: list[list[Task]], key: RendererKey, jobs: int, deadline: float,
                    progress: Progress | None) -> dict[str, Outcome]:
    """Every PDF of the batches, made by ``jobs`` worker processes (or the warm ones)."""
    global _kept
    pool = _kept if _kept is not None and _kept.key == key and _kept.jobs >= jobs else None
    if pool is None:
        _drop()
        pool = _start(key, jobs)
    total = sum(len(batch) for batch in batches)
    try:
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)  # workers are born ignoring Ctrl-C
        try:
            futures = [pool.executor.submit(workers.make_batch, batch) for batch in batches]
        finally:
            signal.signal(signal.SIGINT, previous)
        outcomes = _collect(futures, total, deadline, progress)
    except BaseException as err:
        # Ctrl-C, the deadline or a crashed worker: stop every worker now; nothing has been written yet.
        _kept = None
        pool.close(now=True)
        _raise_pool_failure(err, deadline, total)
        raise
    if _keeping:
        _kept = pool
    else:
        pool.close()
    return outcomes


def _start(key: RendererKey, jobs: int) -> _Workers:
    method = "fork" if sys.platform.startswith("linux") else "spawn"
    font_folder = tempfile.mkdtemp(prefix="handouts-fonts-")
    executor = ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context(method),
                                   initializer=workers.init_worker, initargs=(key, os.getpid(), font_folder))
    return _Workers(key, jobs, executor, font_folder)


def _collect(futures: list[Future[list[Outcome]]], total: int, deadline: float,
             progress: Progress | None) -> dict[str, Outcome]:
    # The deadline is kept here, outside the renderers: a worker stuck in a library call that
    # never returns, or that swallowed its own time-out, is stopped all the same.
    outcomes: dict[str, Outcome] = {}
    for future in as_completed(futures, timeout=deadline):
        for outcome in future.result():
            outcomes[outcome.relpath] = outcome
            if progress:
                progress(len(outcomes), total, outcome.relpath)
    return outcomes


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
