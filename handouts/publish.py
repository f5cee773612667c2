"""Publishing: the output folder's lock, and every file of a build written at once, or none.

Each file is written to a temporary name in its folder, then all are renamed into place;
a failure half way puts the previous files back, so a folder never holds a mix of two
builds, and a killed build's temporaries are removed by the next one.
"""

from __future__ import annotations

import fcntl
import os
import signal
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from handouts.errors import EXIT_OUTPUT, EXIT_USAGE, HandoutsError
from handouts.safefile import umask

if TYPE_CHECKING:
    from handouts import config

TEMP_PREFIX = ".handouts-tmp-"
LOCK_NAME = ".handouts.lock"


def check_output_folder(out_dir: Path, project: config.Project) -> None:
    """The PDFs may not go among the files they are made from: 'watch' would rebuild for ever."""
    for folder in project.input_paths:
        if folder.is_dir() and out_dir.is_relative_to(folder.resolve()):
            raise HandoutsError(
                f"the output folder {out_dir} is inside {folder.name}/, among the files the sheets are made "
                "from; choose another with --out (the default is dist/ in the project).",
                exit_code=EXIT_USAGE)


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
    staged: list[tuple[Path, Path]] = []  # (temporary, final)
    previous: dict[Path, Path] = {}  # final -> a link to what it was before
    replaced: list[Path] = []
    try:
        for folder in dict.fromkeys(path.parent for path, _ in outputs):
            folder.mkdir(parents=True, exist_ok=True)
            clean_stale_temporaries(folder)
        for path, data in outputs:
            _stage(path, data, staged)
        with _ctrl_c_deferred():
            _swap(staged, previous, replaced)
    except OSError as err:
        _undo(staged, previous, replaced)
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


def _stage(path: Path, data: bytes, staged: list[tuple[Path, Path]]) -> None:
    """Write ``data`` to a temporary file beside ``path``, flushed to the disk."""
    fd, name = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=".part", dir=path.parent)
    staged.append((Path(name), path))
    os.fchmod(fd, 0o666 & ~umask())  # mkstemp makes 0600; a PDF is for everyone to print
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def _swap(staged: list[tuple[Path, Path]], previous: dict[Path, Path], replaced: list[Path]) -> None:
    """Keep a link to each file about to be replaced, then rename every temporary into place."""
    for _, path in staged:
        if path.exists():
            keep = path.with_name(f"{TEMP_PREFIX}{path.name}.previous")
            os.link(path, keep)
            previous[path] = keep
    for tmp, path in staged:
        os.replace(tmp, path)
        replaced.append(path)


def _undo(staged: list[tuple[Path, Path]], previous: dict[Path, Path], replaced: list[Path]) -> None:
    """Put back what a failed :func:`_swap` replaced and remove the temporaries."""
    for path in reversed(replaced):
        if path in previous:
            os.replace(previous.pop(path), path)
        else:
            path.unlink(missing_ok=True)
    for tmp, _ in staged:
        tmp.unlink(missing_ok=True)


def clean_stale_temporaries(folder: Path) -> None:
    """Remove temporary files a killed build left behind, so nobody prints one."""
    for stale in folder.glob(f"{TEMP_PREFIX}*"):
        stale.unlink(missing_ok=True)
