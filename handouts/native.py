"""Let WeasyPrint find Pango and its libraries without starting a child process.

On Linux, WeasyPrint opens each native library with cffi's ``ffi.dlopen`` under several
names, the first ones meant for Windows and macOS ('libgobject-2.0-0', 'gobject-2.0-0').
A name the dynamic loader does not know is looked up, as cffi documents, with the public
``ctypes.util.find_library``, which on Linux runs ``/sbin/ldconfig``, ``gcc`` and ``ld`` (as
the Python documentation says): about 86 child processes and 0.2 s on every start.

:func:`known_sonames` answers those look-ups, while WeasyPrint is imported, with the
libraries' Linux sonames (the names WeasyPrint's installation guide lists), once the dynamic
loader has opened them: no process is started. A library whose soname does not open is
looked up as before, by ``ctypes.util.find_library``: a system whose libraries have other
names still works, only more slowly. The two HarfBuzz helpers WeasyPrint can do without are
the exception: if their soname does not open they are reported missing, as the slow search
would find them to be. Nothing of WeasyPrint is changed: it chooses and opens the libraries
itself, in its own order.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import re
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

# The library's name without 'lib' and version suffix -> (its Linux soname, WeasyPrint needs it).
SONAMES: dict[str, tuple[str, bool]] = {
    "gobject-2.0": ("libgobject-2.0.so.0", True),
    "pango-1.0": ("libpango-1.0.so.0", True),
    "pangoft2-1.0": ("libpangoft2-1.0.so.0", True),
    "harfbuzz": ("libharfbuzz.so.0", True),
    "harfbuzz-subset": ("libharfbuzz-subset.so.0", False),
    "harfbuzz-vector": ("libharfbuzz-vector.so.0", False),
    "fontconfig": ("libfontconfig.so.1", True),
}
_SUFFIX = r"(?:\.so(?:\.\d+)*|(?:\.\d+)*\.dylib|\.dll)?"  # the file names WeasyPrint tries elsewhere


def library_stem(name: str) -> str | None:
    """'libgobject-2.0-0', 'gobject-2.0', 'libgobject-2.0.so.0', ... -> 'gobject-2.0'; None if not in SONAMES."""
    for stem in SONAMES:
        if re.fullmatch(rf"(?:lib)?{re.escape(stem)}(?:-\d+(?:\.\d+)?)?{_SUFFIX}", name):
            return stem
    return None


def opens(soname: str) -> bool:
    """Whether the dynamic loader opens this library (as WeasyPrint is about to)."""
    try:
        ctypes.CDLL(soname)
    except OSError:
        return False
    return True


def soname_finder(search: Callable[[str], str | None]) -> Callable[[str], str | None]:
    """A ``find_library`` that answers with a library's soname when it opens, else asks ``search``."""
    answers: dict[str, str | None] = {}

    def find(name: str) -> str | None:
        stem = library_stem(name)
        if stem is None:
            return search(name)
        if stem not in answers:
            soname, needed = SONAMES[stem]
            if opens(soname):
                answers[stem] = soname
            elif needed:
                return search(name)  # another system: WeasyPrint's own search, name by name
            else:
                answers[stem] = None  # an optional helper that is not installed
        return answers[stem]

    return find


@contextmanager
def known_sonames() -> Iterator[None]:
    """While WeasyPrint is imported: its libraries found by soname, without child processes (Linux only)."""
    if not sys.platform.startswith("linux"):
        yield
        return
    search = ctypes.util.find_library
    ctypes.util.find_library = soname_finder(search)  # type: ignore[assignment]  # restored below
    try:
        yield
    finally:
        ctypes.util.find_library = search
