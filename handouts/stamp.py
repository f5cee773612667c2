"""The no-op's shortcut: a stamp of every input and output, so "Nothing to do" costs a few ``stat`` calls.

A successful build saves, in ``<out>/.handouts-stamp.json``, a digest of:

- every file and folder under the project's inputs (``handouts.yaml``, ``content/``, ``locales/``,
  ``templates/``, ``fonts/``, ``brands/``): its path relative to the project, size, modification
  and change times in nanoseconds, and inode number;
- this tool: the size, times and inode of each of its modules, the Python that runs it and the
  ``*.dist-info`` folders on Python's path (their names carry the libraries' versions);
- what shapes the outputs: the project and output folders, ``--lang``, the sheets, ``--brand``,
  ``--paper``, large print, ``--release``, ``--strict``, ``SOURCE_DATE_EPOCH`` and today's date
  (a review's age, a review date in the future);
- every file under the output folder (PDFs, web pages, thumbnails, the cache), taken after it
  published, with the same details;

and what the build printed: the PDFs it covered and its warnings (an incomplete catalog, an old
review), so that a no-op prints them again.

The next build stamps the same things before it reads any template, YAML file or catalog. When
both digests match, nothing the full check reads can differ, so its answer would be the same: the
stored result is returned. Anything else (a file edited, added, removed or replaced; a PDF deleted
or replaced; another option, day or version) falls back to the full check, which saves a new stamp.

Why it cannot be stale: a change to a file's content updates its change time (``ctime``), which no
program can set back, and replacing a file by another (even of the same size and times, as
``cp -p`` or ``rsync -t`` do) changes its inode or its change time. The one blind spot of any
stat-based check is a second change within the same tick of the file system's clock as the change
the stamp saw; so no stamp is saved while any input changed less than :data:`RACY_NS` before the
build looked at it (the next build then does the full check and saves one). That window covers
file systems that store times to the second or two (FAT, ext3, HFS+) and clocks a second apart.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from handouts.errors import HandoutsError, Problem
from handouts.project_files import INPUTS
from handouts.publish import LOCK_NAME
from handouts.safefile import read_file

if TYPE_CHECKING:
    from handouts.options import BuildOptions

STAMP_NAME = ".handouts-stamp.json"
VERSION = 1
RACY_NS = 2_000_000_000  # an input changed this recently may change again unseen: no stamp is saved
_SKIPPED_OUTPUTS = frozenset({STAMP_NAME, LOCK_NAME})
_MAX_STAMP_BYTES = 5_000_000


class NotStampable(Exception):
    """An input the stamp cannot vouch for (a link, a device): the full check decides."""


def _entry(info: os.stat_result) -> list[int]:
    return [info.st_mode, info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino, info.st_dev]


def _walk(folder: Path, prefix: str, skipped: frozenset[str] = frozenset()) -> Iterator[tuple[str, list[int]]]:
    """(relative path, stat) of every entry under ``folder``, sorted; a link or a device is not stampable."""
    with os.scandir(folder) as entries:
        found = sorted(entries, key=lambda e: e.name)
    for item in found:
        if item.name in skipped and not prefix:
            continue
        info = item.stat(follow_symlinks=False)
        name = f"{prefix}{item.name}"
        if stat.S_ISDIR(info.st_mode):
            yield name + "/", _entry(info)
            yield from _walk(Path(item.path), name + "/")
        elif stat.S_ISREG(info.st_mode):
            yield name, _entry(info)
        else:
            raise NotStampable(name)


def _tree(root: Path, names: tuple[str, ...]) -> list[tuple[str, list[int]]]:
    listing: list[tuple[str, list[int]]] = []
    for name in names:
        try:
            info = os.stat(root / name, follow_symlinks=False)
        except FileNotFoundError:
            listing.append((name, []))
            continue
        listing.append((name, _entry(info)))
        if stat.S_ISDIR(info.st_mode):
            listing += _walk(root / name, name + "/")
        elif not stat.S_ISREG(info.st_mode):
            raise NotStampable(name)
    return listing


def _tool() -> list[Any]:
    """This tool's modules (by stat), the Python that runs it, and every installed library's version."""
    package = Path(__file__).parent
    modules = [(p.name, _entry(p.stat())) for p in sorted(package.glob("*.py"))]
    libraries = []
    for folder in sys.path:  # where importlib.metadata finds the versions the PDFs' key holds
        if os.path.isdir(folder or "."):
            with os.scandir(folder or ".") as entries:
                libraries += sorted(e.name for e in entries if e.name.endswith((".dist-info", ".egg-info")))
    return [sys.version, sys.executable, modules, libraries]


def _digest(value: Any) -> str:
    return hashlib.sha256(json.dumps(value, separators=(",", ":")).encode()).hexdigest()


def output_dir(options: BuildOptions) -> Path:
    """Where the build writes (the full build finds the same: dist/ in the resolved project folder)."""
    return (options.out_dir or options.root.resolve() / "dist").resolve()


def take(options: BuildOptions) -> str | None:
    """The digest of everything the build reads and is asked; None when it cannot vouch for them
    (a link or a device among the inputs, an input changed too recently to be trusted)."""
    now = time.time_ns()
    root = options.root.resolve()
    try:
        inputs = _tree(root, INPUTS)
    except (NotStampable, OSError):
        return None
    if any(entry and entry[3] >= now - RACY_NS for _, entry in inputs):
        return None
    asked = [str(root), str(output_dir(options)), list(options.langs), list(options.sheets), options.brand,
             options.strict, options.large_print, options.paper, options.release,
             (options.today or date.today()).isoformat(), os.environ.get("SOURCE_DATE_EPOCH")]
    return _digest([VERSION, asked, _tool(), inputs])


def _outputs(out_dir: Path) -> str | None:
    try:
        return _digest(list(_walk(out_dir, "", _SKIPPED_OUTPUTS)))
    except (NotStampable, OSError):
        return None


@dataclass(frozen=True)
class Saved:
    """What the last build printed: the PDFs it covered, its warnings, and the catalogue page."""

    pdfs: list[Path]
    warnings: list[Problem]
    catalogue: Path


def saved_result(out_dir: Path, inputs: str | None) -> Saved | None:
    """What the last build saved, if it was stamped with these inputs and its outputs are untouched."""
    if inputs is None:
        return None
    try:
        saved = json.loads(read_file(out_dir / STAMP_NAME, _MAX_STAMP_BYTES).decode("utf-8"))
        if saved["version"] != VERSION or saved["inputs"] != inputs or saved["outputs"] != _outputs(out_dir):
            return None
        warned = [Problem(str(message), None if path is None else Path(path), line)
                  for message, path, line in saved["warnings"]]
        return Saved([out_dir / str(p) for p in saved["pdfs"]], warned, out_dir / str(saved["catalogue"]))
    except (HandoutsError, ValueError, KeyError, TypeError, RecursionError):
        return None  # absent, damaged: the full check


def stamp_file(out_dir: Path, inputs: str | None, unchanged: list[str], warned: list[Problem],
               catalogue: str) -> tuple[Path, bytes] | None:
    """The stamp to save after a successful build, or None when it cannot be trusted."""
    outputs = _outputs(out_dir)
    if inputs is None or outputs is None:
        return None
    record = {"version": VERSION, "inputs": inputs, "outputs": outputs, "pdfs": unchanged, "catalogue": catalogue,
              "warnings": [[w.message, None if w.path is None else str(w.path), w.line] for w in warned]}
    return out_dir / STAMP_NAME, json.dumps(record, indent=1).encode()
