"""Shared fixtures: the real project, a disposable copy of it, and one real build of every sheet."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from handouts.cli import main

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
PROJECT_PARTS = ("handouts.yaml", "content", "locales", "templates", "fonts", "brands")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the project that a test may break."""
    copy = tmp_path / "project"
    copy.mkdir()
    for part in PROJECT_PARTS:
        source = ROOT / part
        if source.is_dir():
            shutil.copytree(source, copy / part)
        else:
            shutil.copy2(source, copy / part)
    # The demo project also builds the large-print editions; the copies that tests break
    # build regular print only, which halves their builds. test_editions covers the setting.
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
    """Every sheet in every language, built once for the whole test session through the CLI."""
    out = tmp_path_factory.mktemp("dist")
    result = CliRunner().invoke(main, ["build", "--project", str(ROOT), "--out", str(out)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return out
