"""Watch the project's files and call back when one is saved: the engine of 'handouts watch'.

Polling the few dozen files of a project costs well under a millisecond, needs no
extra library, and works the same on every system and network drive.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from handouts.project_files import INPUTS

Snapshot = dict[str, tuple[int, int]]
POLL_SECONDS = 0.05  # how often the files are looked at: a snapshot takes about 1 ms
SETTLE_SECONDS = 0.03  # after a change, how long an editor is given to finish saving


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


def watch(root: Path, rebuild: Callable[[], None], interval: float = POLL_SECONDS, settle: float = SETTLE_SECONDS,
          rounds: int | None = None) -> None:
    """Call ``rebuild`` now, then after every change; ``rounds`` limits the polls (for tests)."""
    root = root.resolve()
    last = snapshot(root)  # before the first build: a file saved during it is seen as a change
    rebuild()
    polls = 0
    while rounds is None or polls < rounds:
        polls += 1
        time.sleep(interval)
        now = snapshot(root)
        if now == last:
            continue
        time.sleep(settle)  # an editor may save in two steps (write, then rename): wait for the second
        last = snapshot(root)
        rebuild()
