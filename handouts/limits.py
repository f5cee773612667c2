"""Limits that stop one hostile or broken input from running a build for hours, or for ever.

What WeasyPrint 70 does without them (measured on this project, 2 cores):

- A sheet holds about 2,500 characters of visible text (370 words with the masthead and
  footer); no page of this layout can hold more than about 5,000, and a large-print
  edition (18 pt, 2 pages per language) about as much.
- Layout time grows with the square of the text: one paragraph of 10 kB takes 1 s,
  40 kB 15 s, 80 kB 56 s. A 1.9 MB translation (under the 2 MB catalog limit) would take
  hours (still running after 120 s, 220 MB and growing); a 0.9 MB content file (under the
  1 MB YAML limit: 1,557 items of 570 characters) did not finish in 300 s.
- ``font-size: 1e9px`` in the stylesheet does not hang: 53 pages in 1.5 s, refused by the
  page-count check (``* {font-size: 1e9px !important}`` trips an AssertionError inside
  WeasyPrint instead).

So the text of a sheet is checked before WeasyPrint sees it (:func:`check_text_size`,
:func:`check_translation_length`), and each render runs under :func:`time_limit` in case
something else (a template, a stylesheet, a WeasyPrint bug) makes layout run away.
"""

from __future__ import annotations

import html as html_lib
import os
import re
import signal
import struct
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from handouts.errors import EXIT_ENVIRONMENT, EXIT_INPUT, HandoutsError

TYPICAL_SHEET_CHARS = 2_500  # visible characters of one of the demo sheets, in one language
MAX_SHEET_CHARS = 10_000  # 4 times a sheet, twice what a page (or 2 large-print pages) can hold; lays out in ~1 s
MAX_TRANSLATION_CHARS = 1_200  # twice the 600 characters a text in a content file may have
RENDER_SECONDS = 60.0  # one PDF renders in 0.1 to 0.5 s; 8 times that without HarfBuzz's subsetter

_HIDDEN = re.compile(r"<(style|title|script)\b.*?</\1\s*>|<!--.*?-->|<[^>]*>", re.S | re.I)


def visible_length(html_or_text: str) -> int:
    """How many characters a reader would see: tags, styles and repeated spaces left out."""
    text = html_lib.unescape(_HIDDEN.sub(" ", html_or_text)) if "<" in html_or_text else html_or_text
    return len(" ".join(text.split()))


def check_text_size(
    html_or_text: str,
    label: str,
    path: Path | None = None,
    line: int | None = None,
    *,
    max_chars: int = MAX_SHEET_CHARS,
) -> None:
    """Refuse a sheet with far more text than its pages can hold, before it is laid out.

    ``label`` names the sheet and its language, for example ``redness (fr)``; ``path`` is
    the file to point at (the content file).
    """
    count = visible_length(html_or_text)
    if count > max_chars:
        raise HandoutsError(
            f"{label}: the sheet has {count:,} characters of text, far more than fits on its pages "
            f"(a sheet has about {TYPICAL_SHEET_CHARS:,}; the limit is {max_chars:,}). A text in the content "
            "file or one of its translations is much too long, or was pasted twice: shorten it.",
            path,
            line,
            exit_code=EXIT_INPUT,
        )


def check_translation_length(english: str, translation: str, lang: str) -> list[tuple[str, str]]:
    """A message check (same signature as those of ``handouts.checks.MESSAGE_CHECKS``).

    A translation longer than twice the longest text a content file may hold cannot be a
    translation of one line of a sheet: it is a paste gone wrong, and would take minutes to
    lay out.
    """
    if len(translation) <= MAX_TRANSLATION_CHARS:
        return []
    return [("error", f"the translation is {len(translation):,} characters long (the English: {len(english):,}); "
                      f"a translation must be under {MAX_TRANSLATION_CHARS:,} characters. Check that nothing was "
                      "pasted by mistake.")]


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
