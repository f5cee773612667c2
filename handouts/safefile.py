"""The one way the project reads a file: a regular file, inside the project, read once, with a size limit.

Every file a build, ``check``, ``list`` or ``watch`` reads from the project (content,
catalogs, settings, brand, logo, templates, stylesheets, fonts, the cache) goes through
:func:`read_file`, so a symbolic link to a file elsewhere on the computer, a FIFO that
would block for ever, ``/dev/zero`` or a file that grows while it is read is refused
with its path instead of hanging, exhausting memory or printing someone else's file.
"""

from __future__ import annotations

import errno
import os
import stat
import tempfile
from pathlib import Path

from handouts.errors import EXIT_INPUT, HandoutsError

_CHUNK = 1 << 16


def inside(path: Path, root: Path) -> bool:
    """Whether ``path``, with every symbolic link resolved, is ``root`` or inside it."""
    try:
        return path.resolve().is_relative_to(root.resolve())
    except (OSError, RuntimeError):  # a loop of links
        return False


def read_file(path: Path, limit: int, root: Path | None = None, *, what: str = "file",
              exit_code: int = EXIT_INPUT) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes.

    ``root``: the folder the file must be in once links are resolved (None: anywhere, for
    the output folder's own files). The file is opened without blocking and checked to be
    a regular file before a byte is read; at most ``limit + 1`` bytes are ever read.
    """
    try:
        real = path.resolve(strict=True)
    except FileNotFoundError as err:
        raise HandoutsError(f"cannot be read ({err.strerror or 'no such file'}).", path, exit_code=exit_code) from err
    except (OSError, RuntimeError) as err:  # a loop of symbolic links
        raise HandoutsError("cannot be read (a loop of symbolic links).", path, exit_code=exit_code) from err
    if root is not None and not real.is_relative_to(root.resolve()):
        raise HandoutsError(
            f"is a link to {real}, outside the project folder {root.resolve()}; a project only reads its own "
            "files: put a copy of the file here instead of a link.", path, exit_code=exit_code)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOFOLLOW", 0)
    flags |= getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(real, flags)
    except OSError as err:
        if err.errno == errno.ELOOP:  # replaced by a link since it was resolved
            raise HandoutsError("cannot be read (it changed into a link while being read).", path,
                                exit_code=exit_code) from err
        raise HandoutsError(f"cannot be read ({err.strerror}).", path, exit_code=exit_code) from err
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise HandoutsError(f"is {_kind(info.st_mode)}, not a regular {what}; replace it with an ordinary file.",
                                path, exit_code=exit_code)
        if info.st_size > limit:
            raise too_big(path, info.st_size, limit, what, exit_code)
        chunks = []
        size = 0
        while size <= limit:
            chunk = os.read(fd, min(_CHUNK, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > limit:  # it grew while being read
            raise too_big(path, size, limit, what, exit_code)
        return b"".join(chunks)
    except OSError as err:
        raise HandoutsError(f"cannot be read ({err.strerror}).", path, exit_code=exit_code) from err
    finally:
        os.close(fd)


def _kind(mode: int) -> str:
    """What a file that is not a regular one is, in words."""
    return ("a folder" if stat.S_ISDIR(mode) else "a pipe (FIFO)" if stat.S_ISFIFO(mode)
            else "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode)
            else "a socket" if stat.S_ISSOCK(mode) else "not a regular file")


def too_big(path: Path, size: int, limit: int, what: str, exit_code: int = EXIT_INPUT) -> HandoutsError:
    shown = f"{limit // 1_000_000} MB" if limit >= 1_000_000 else f"{limit // 1000} kB"
    return HandoutsError(f"is {'more than ' if size > limit else ''}{max(size, limit + 1) // 1000:,} kB; "
                         f"a {what} here must be under {shown}. Is this the right file?", path, 1,
                         exit_code=exit_code)


def umask() -> int:
    """The process's umask (os.umask can only be read by setting it)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_atomically(path: Path, data: bytes) -> None:
    """Replace one file in a single rename: a reader sees the old file or the new one, never a part.

    The new file keeps the old one's permissions, or gets the usual ones (0666 less the
    umask); it is on disk (fsync) before it takes the old one's place. The PDFs of a build
    are published together by ``build.publish``; this is for one file on its own.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, path.stat().st_mode & 0o777 if path.exists() else 0o666 & ~umask())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
