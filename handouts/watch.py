"""Watch the project's files and call back when one is saved: the engine of 'handouts watch'.

The files are polled: a snapshot of the few dozen files of a project costs about a millisecond,
needs no extra library, and works the same on every system and network drive. On Linux, the
kernel also says when a file in one of the project's folders changes (inotify, through the C
library), and the watch looks at once instead of at its next poll; the snapshot still decides
whether anything changed, so a missed or extra signal only changes when it looks.
"""

from __future__ import annotations

import contextlib
import os
import select
import sys
import time
from collections.abc import Callable
from pathlib import Path

from handouts.project_files import INPUTS

Snapshot = dict[str, tuple[int, int]]
POLL_SECONDS = 0.05  # how often the files are looked at: a snapshot takes about 1 ms
SETTLE_SECONDS = 0.03  # after a change, how long an editor is given to finish saving before a build writes


def snapshot(root: Path) -> Snapshot:
    """(modification time, size) of every file a sheet is made from; editors' hidden files left out."""
    found: Snapshot = {}
    for name in INPUTS:
        top = root / name
        paths = [top] if top.is_file() else sorted(top.rglob("*")) if top.is_dir() else []
        for path in paths:
            if path.name.startswith((".", "#")) or path.name.endswith(("~", ".swp")):
                continue
            try:
                info = path.stat()
            except OSError:  # deleted between the listing and now
                continue
            if path.is_file():
                found[str(path.relative_to(root))] = (info.st_mtime_ns, info.st_size)
    return found


def watch(root: Path, rebuild: Callable[[Callable[[], bool]], bool | None], interval: float = POLL_SECONDS,
          settle: float = SETTLE_SECONDS, rounds: int | None = None) -> None:
    """Call ``rebuild`` now, then after every change; ``rounds`` limits the polls (for tests).

    A change is built at once. ``rebuild`` is given ``current``, to ask just before it writes
    anything (or prints a problem) whether the files are still those it read: ``current`` first
    lets an editor finish saving (``settle`` seconds after the change was seen), then compares.
    When they changed again, ``rebuild`` writes nothing and returns False, and what the files are
    now is built at once.
    """
    root = root.resolve()
    with Wakeup(root) as wakeup:
        last = snapshot(root)  # before the first build: a file saved during it is seen as a change
        seen = time.monotonic()

        def current() -> bool:
            time.sleep(max(0.0, seen + settle - time.monotonic()))  # an editor may save in two steps
            return snapshot(root) == last

        def build_until_current() -> None:
            nonlocal last, seen
            while rebuild(current) is False:  # changed again while it was being built
                last, seen = snapshot(root), time.monotonic()

        build_until_current()
        polls = 0
        while rounds is None or polls < rounds:
            polls += 1
            if wakeup.wait(interval):
                wakeup.follow()  # perhaps a folder was added: its files are watched from now on
            now = snapshot(root)
            if now == last:
                continue
            last, seen = now, time.monotonic()
            build_until_current()


# The inotify events that mean a file or folder was written, added, removed or renamed (<sys/inotify.h>).
_IN_EVENTS = 0x2 | 0x4 | 0x8 | 0x40 | 0x80 | 0x100 | 0x200 | 0x400 | 0x800  # MODIFY ATTRIB CLOSE_WRITE MOVED_* ...


class Wakeup:
    """Wait for the next poll, or less when the kernel says a file in the project's folders changed.

    Linux only; elsewhere, or when the C library refuses (too many watches), it simply waits.
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        self.fd: int | None = None
        self.libc = None
        if not sys.platform.startswith("linux"):
            return
        import ctypes

        try:
            libc = ctypes.CDLL(None, use_errno=True)
            fd = libc.inotify_init1(os.O_NONBLOCK | os.O_CLOEXEC)
        except (OSError, AttributeError):
            return
        if fd >= 0:
            self.libc, self.fd = libc, fd
            self.follow()

    def __enter__(self) -> Wakeup:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None

    def follow(self) -> None:
        """Watch the project's folder and every folder of its inputs (again: adding one twice is harmless)."""
        if self.fd is None or self.libc is None:
            return
        folders = [self.root] + [path for name in INPUTS if (self.root / name).is_dir()
                                 for path in [self.root / name, *(self.root / name).rglob("*")] if path.is_dir()]
        for folder in folders:
            if self.libc.inotify_add_watch(self.fd, os.fsencode(folder), _IN_EVENTS) < 0:
                self.close()  # out of watches: polling alone
                return

    def wait(self, seconds: float) -> bool:
        """Wait ``seconds``, or until something changed in a watched folder (then True)."""
        if self.fd is None:
            time.sleep(seconds)
            return False
        ready, _, _ = select.select([self.fd], [], [], seconds)
        if ready:
            with contextlib.suppress(BlockingIOError):
                while os.read(self.fd, 65536):  # the events themselves do not matter: the snapshot decides
                    pass
        return bool(ready)
