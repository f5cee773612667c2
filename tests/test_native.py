"""WeasyPrint's native libraries are found without starting ldconfig, gcc or ld; other systems still work."""

from __future__ import annotations

import ctypes.util
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from handouts import native

ROOT = Path(__file__).resolve().parent.parent
PROBES = {"ldconfig", "gcc", "cc", "collect2", "ld", "objdump"}
linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="sonames are Linux names")


def started_programs(strace_log: Path) -> set[str]:
    """The programs a traced process tree started (execve calls that succeeded)."""
    names = set()
    for line in strace_log.read_text(encoding="utf-8", errors="replace").splitlines():
        if "execve(" in line and line.rstrip().endswith("= 0"):
            names.add(Path(line.split('execve("', 1)[1].split('"', 1)[0]).name)
    return names


@linux_only
@pytest.mark.skipif(shutil.which("strace") is None, reason="needs strace")
def test_a_build_starts_no_library_probing_program(project, tmp_path):
    log, out = tmp_path / "execve.log", tmp_path / "out"
    done = subprocess.run(
        ["strace", "-f", "-qq", "-e", "trace=execve", "-o", str(log), sys.executable, "-m", "handouts", "build",
         "--project", str(project), "--out", str(out), "--lang", "fr", "redness"],
        capture_output=True, text=True, cwd=project)
    if done.returncode != 0 and "ptrace" in done.stderr:
        pytest.skip(f"strace cannot trace here: {done.stderr.strip()[:200]}")
    assert done.returncode == 0, done.stdout + done.stderr
    assert (out / "fr" / "redness.pdf").read_bytes().startswith(b"%PDF")
    programs = started_programs(log)
    assert programs, "strace saw no program start at all"
    assert not programs & PROBES, f"library probing programs started: {sorted(programs & PROBES)}"


@linux_only
def test_a_library_under_its_soname_is_answered_without_searching():
    asked: list[str] = []
    find = native.soname_finder(lambda name: asked.append(name) or None)
    assert find("libgobject-2.0-0") == "libgobject-2.0.so.0"
    assert find("pango-1.0") == "libpango-1.0.so.0"
    assert asked == []


def test_names_of_other_libraries_go_to_the_usual_search():
    asked: list[str] = []
    find = native.soname_finder(lambda name: asked.append(name) or "found")
    assert find("cairo-2") == "found" and find("c") == "found"
    assert asked == ["cairo-2", "c"]


def test_a_needed_library_whose_soname_does_not_open_is_searched_the_usual_way(monkeypatch):
    monkeypatch.setitem(native.SONAMES, "pango-1.0", ("libpango-1.0.so.999", True))
    asked: list[str] = []
    find = native.soname_finder(lambda name: asked.append(name) or None)
    assert find("libpango-1.0-0") is None and find("pango-1.0") is None
    assert asked == ["libpango-1.0-0", "pango-1.0"]


def test_an_optional_helper_whose_soname_does_not_open_is_missing(monkeypatch):
    monkeypatch.setitem(native.SONAMES, "harfbuzz-vector", ("libharfbuzz-vector.so.999", False))
    asked: list[str] = []
    find = native.soname_finder(lambda name: asked.append(name) or "somewhere")
    assert find("libharfbuzz-vector-0") is None and find("harfbuzz-vector") is None
    assert asked == []


def test_the_standard_search_is_put_back_after_the_import():
    before = ctypes.util.find_library
    with native.known_sonames():
        pass
    assert ctypes.util.find_library is before


@linux_only
def test_a_system_where_pango_has_another_soname_still_renders(tmp_path):
    """The usual search takes over for a library whose soname does not open: the PDF is made."""
    script = textwrap.dedent(f"""
        from pathlib import Path
        from handouts import native
        native.SONAMES["pango-1.0"] = ("libpango-1.0.so.999", True)
        from handouts.pdf import Part, PdfRenderer
        templates, fonts = Path({str(ROOT / "templates")!r}), Path({str(ROOT / "fonts")!r})
        renderer = PdfRenderer(templates, allowed=(templates, fonts), fonts_dir=fonts)
        html = '<html lang="en"><body><p>Call the clinic</p></body></html>'
        sheet = renderer.make_pdf([Part(html, "test", "en")])
        Path({str(tmp_path / "out.pdf")!r}).write_bytes(sheet.pdf)
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    from pypdf import PdfReader

    assert "Call the clinic" in PdfReader(tmp_path / "out.pdf").pages[0].extract_text()
