"""Limits that stop one hostile or broken input from running a build for hours, or for ever.

The text of a sheet is checked before WeasyPrint sees it (:mod:`handouts.lengths`). Each
render also runs under :func:`time_limit` and :func:`memory_limit` in case something else
(a template, a stylesheet, a WeasyPrint bug) makes layout run away: ``font-size: 1e9px``
in the stylesheet does not hang (53 pages in 1.5 s, refused by the page-count check), but
``* {font-size: 1e9px !important}`` trips an AssertionError inside WeasyPrint instead.
"""

from __future__ import annotations

import os
import signal
import struct
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from handouts.errors import EXIT_ENVIRONMENT, EXIT_INPUT, HandoutsError

RENDER_SECONDS = 60.0  # one PDF renders in 0.1 to 0.5 s; 8 times that without HarfBuzz's subsetter


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

    def expired(signum: int, frame: Any) -> None:
        raise Expired

    import time

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


RENDER_MEMORY_BYTES = 1 << 30  # what one render may add to its process (a build process has about 320 MB)
BUILD_SECONDS_PER_PDF = 10.0  # per PDF and process: 0.1 to 0.5 s with HarfBuzz's subsetter, 4 s without
BUILD_MIN_SECONDS = 120.0


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


def die_with_parent(parent_pid: int) -> None:
    """Make this (worker) process end when its parent does, on Linux.

    A worker forked by a build inherits the build's lock on OUT/.handouts.lock. When the build
    is killed (kill -9, the out-of-memory killer), its workers are otherwise left waiting
    for work for ever, holding that lock: every later build is refused with "another build
    is writing into this folder" until someone finds and kills them.
    """
    if not sys.platform.startswith("linux"):
        return
    import ctypes

    PR_SET_PDEATHSIG = 1
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):  # pragma: no cover - no prctl: nothing more can be done here
        return
    if os.getppid() != parent_pid:  # the parent died before prctl took effect
        os._exit(1)


MAX_FONT_BYTES = 20_000_000  # Lato is 0.7 MB; a font of all of Unicode is about 15 MB


def font_code_points(path: Path) -> set[int]:
    """The characters a font file can draw; a damaged file is an error naming it, not a traceback."""
    import io

    from fontTools.ttLib import TTFont, TTLibError

    from handouts.safefile import read_file

    data = read_file(path, MAX_FONT_BYTES, path.parent.parent, what="font file", exit_code=EXIT_ENVIRONMENT)
    try:
        with TTFont(io.BytesIO(data), lazy=True) as font:
            cmap = font.getBestCmap()
    except (TTLibError, OSError, ValueError, KeyError, AssertionError, EOFError, struct.error) as err:
        raise HandoutsError(
            f"is not a usable font file ({err}); put back the original file (fonts/README.md says where "
            "it comes from).",
            path,
            exit_code=EXIT_ENVIRONMENT,
        ) from err
    if not cmap:
        raise HandoutsError("is not a usable font file (it maps no characters).", path, exit_code=EXIT_ENVIRONMENT)
    return set(cmap)
