"""Shared fixtures and helpers: the real project, a disposable copy of it, one real build of every sheet
shared by the whole session (and by every xdist worker), and the readers tests use on what it writes."""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from pathlib import Path

import pypdf
import pytest
from click.testing import CliRunner

from handouts.cli import main
from handouts.project_files import INPUTS

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
GOLDEN = Path(__file__).resolve().parent / "golden"
SHEETS = ["allergic-reaction", "breakouts", "cold-sores", "dryness", "first-days", "flaking", "redness",
          "sun-and-dark-spots", "swelling-and-bruising"]

# The header of a French catalog, then a blank line: the first entry after it is on line 7.
HEADER = (
    'msgid ""\nmsgstr ""\n"Language: fr\\n"\n"Plural-Forms: nplurals=2; plural=(n > 1);\\n"\n'
    '"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true", default=False,
                     help="rewrite tests/golden/*.html from what the templates make now (then review the diff)")


# ---------------------------------------------------------------- the project


def copy_project(target: Path) -> Path:
    """A copy of the project's inputs (project_files.INPUTS) in ``target``."""
    target.mkdir(parents=True, exist_ok=True)
    for part in INPUTS:
        source = ROOT / part
        (shutil.copytree if source.is_dir() else shutil.copy2)(source, target / part)
    return target


def lengthen(project: Path, sheet: str, steps: int) -> None:
    """Give a sheet of ``project`` ``steps`` more things to do (English, untranslated): too long to print."""
    path = project / "content" / f"{sheet}.yaml"
    extra = "".join(f'  - "Another careful step, number {i}, that makes this sheet longer."\n' for i in range(steps))
    text = path.read_text(encoding="utf-8")
    assert text.count("what_to_do:\n") == 1
    path.write_text(text.replace("what_to_do:\n", "what_to_do:\n" + extra), encoding="utf-8")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the project that a test may break."""
    copy = copy_project(tmp_path / "project")
    # The demo project also builds the large-print editions; the copies that tests break
    # build regular print only, which halves their builds. test_plan covers the setting.
    settings = copy / "handouts.yaml"
    text = settings.read_text(encoding="utf-8")
    assert "large_print: true" in text
    settings.write_text(text.replace("large_print: true", "large_print: false"), encoding="utf-8")
    return copy


@pytest.fixture
def cli(tmp_path: Path):
    """Run the command line the way a person would, from the project folder."""

    def run(*args: str, cwd: Path | None = None):
        runner = CliRunner()
        old = os.getcwd()
        os.chdir(cwd or ROOT)
        try:
            return runner.invoke(main, list(args), catch_exceptions=False)
        finally:
            os.chdir(old)

    return run


@pytest.fixture(scope="session")
def page_pdf():
    """Make one HTML page into a PDF with a renderer, with no page limit (a build gives it its sheets' parts)."""
    from handouts.pdf import Part, PdfRenderer, RenderedSheet

    def make(renderer: PdfRenderer, html: str, label: str) -> RenderedSheet:
        return renderer.make_pdf([Part(html, label, "", max_pages=10_000)])

    return make


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every sheet in every edition, built once through the CLI and shared by the whole session.

    Under xdist the workers share it too: the first to need it builds it (under a file lock) into
    the folder all workers' temporary folders live in; the others wait for it and read it. Tests
    only read it.
    """
    if not os.environ.get("PYTEST_XDIST_WORKER"):  # no xdist
        out = tmp_path_factory.mktemp("dist")
        build_all(out)
        return out
    shared = tmp_path_factory.getbasetemp().parent
    out = shared / "dist"
    with open(shared / "dist.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (shared / "dist.done").exists():
            shutil.rmtree(out, ignore_errors=True)
            build_all(out)
            (shared / "dist.done").touch()
    return out


def build_all(out: Path) -> None:
    result = CliRunner().invoke(main, ["build", "--project", str(ROOT), "--out", str(out)], catch_exceptions=False)
    assert result.exit_code == 0, result.output


# ---------------------------------------------------------------- reading PDFs back


def page_texts(path: Path) -> list[str]:
    """The text of each page (pypdf), runs of white space made one space."""
    return [" ".join(page.extract_text().split()) for page in pypdf.PdfReader(path).pages]


def pdf_text(path: Path) -> str:
    """The text of the whole PDF (pypdf), runs of white space made one space."""
    return " ".join(page_texts(path))


def pdftotext(path: Path, page: int | None = None) -> str:
    """The text in reading order, column by column (poppler's pdftotext), of one page or all."""
    pages = ["-f", str(page), "-l", str(page)] if page else []
    return subprocess.run(["pdftotext", "-enc", "UTF-8", *pages, str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


# ---------------------------------------------------------------- processes (/proc)


def processes() -> Iterator[tuple[int, str, int, int]]:
    """(pid, state, parent pid, process group) of every process, from /proc."""
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rpartition(")")[2].split()
        except OSError:  # ended meanwhile
            continue
        yield int(stat.parent.name), fields[0], int(fields[1]), int(fields[2])


# ---------------------------------------------------------------- rendering one sheet


def render_sheet(entries: dict[str, str], lang: str = "fr", reviewed: bool = False) -> str:
    """The HTML of the redness sheet, the French catalog holding only ``entries`` (msgid: msgstr)."""
    from handouts.brand import load_brand
    from handouts.catalogs import Translator, locale_for
    from handouts.config import load_project
    from handouts.content import load_sheets
    from handouts.po import parse_po
    from handouts.render import render_html

    body = "".join(f'msgid "{k}"\nmsgstr "{v}"\n\n' for k, v in entries.items())
    catalog = parse_po((HEADER + body).encode(), Path("fr.po"), "fr") if lang == "fr" else None
    project = load_project(ROOT)
    sheet = load_sheets(project.content_dir, ("redness",))[0]
    if reviewed:
        sheet = replace(sheet, review=replace(sheet.review, status="reviewed", reviewed_by="Dr. Roy",
                                                  reviewed_on=date(2026, 11, 20)))
    translator = Translator(lang, catalog)
    translated = sheet.map_texts(lambda t: replace(t, text=translator.gettext(t.text)))
    return render_html(translated, translator, locale_for(lang), load_brand(project), project)
