"""PDF writing: only the project's own files are loaded; the font covers the text; pages are counted."""

from __future__ import annotations

import shutil
import socket

import pytest

from handouts.errors import HandoutsError
from handouts.pdf import PdfRenderer

from .conftest import ROOT

TEMPLATES = ROOT / "templates"


@pytest.fixture(scope="module")
def renderer() -> PdfRenderer:
    return PdfRenderer(TEMPLATES, allowed=(TEMPLATES, ROOT / "fonts"), fonts_dir=ROOT / "fonts")


def page(body: str) -> str:
    return f'<html lang="en"><head></head><body>{body}</body></html>'


def test_a_plain_page_renders_with_the_project_font(renderer, page_pdf):
    sheet = page_pdf(renderer, page("<p>Bonjour, ça va : « oui ».</p>"), "test")
    assert sheet.pdf.startswith(b"%PDF") and sheet.pages == [1]


def test_local_files_outside_the_project_folders_are_refused(renderer, tmp_path, page_pdf):
    secret = tmp_path / "secret.txt"
    secret.write_text("patient list")
    for markup in (f'<img src="{secret.as_uri()}">', f'<link rel="attachment" href="{secret.as_uri()}">'):
        with pytest.raises(HandoutsError, match="refused to load file://"):
            page_pdf(renderer, page(markup), "test")


def test_a_path_that_only_looks_inside_the_folders_is_refused(tmp_path, page_pdf):
    """A symlink in templates/ to a file outside, and a URL that climbs out with '..', are
    judged by where they really lead."""
    secret = tmp_path / "secret.txt"
    secret.write_text("patient list")
    templates, fonts = tmp_path / "templates", tmp_path / "fonts"
    shutil.copytree(TEMPLATES / "css", templates / "css")
    shutil.copytree(ROOT / "fonts", fonts)
    (templates / "innocent.txt").symlink_to(secret)
    renderer = PdfRenderer(templates, allowed=(templates, fonts), fonts_dir=fonts)
    for url in ((templates / "innocent.txt").as_uri(), templates.as_uri() + "/../secret.txt", "innocent.txt"):
        for markup in (f'<img src="{url}">', f'<link rel="attachment" href="{url}">'):
            with pytest.raises(HandoutsError, match="refused to load file://"):
                page_pdf(renderer, page(markup), "test")


def test_no_network_connection_is_ever_made(renderer, page_pdf):
    # A connection to a listening socket completes in the kernel's backlog without accept():
    # a non-blocking accept() after the renders finds it, with no thread and no waiting.
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(5)
        port = listener.getsockname()[1]
        for markup in (f'<img src="http://127.0.0.1:{port}/logo.png">',
                       f"<style>@import url(http://127.0.0.1:{port}/x.css);</style>"):
            with pytest.raises(HandoutsError, match="refused to load http://127.0.0.1"):
                page_pdf(renderer, page(markup), "test")
        listener.setblocking(False)
        with pytest.raises(BlockingIOError):
            listener.accept()  # nothing ever connected


def test_a_character_the_font_lacks_is_refused_instead_of_falling_back(renderer, page_pdf):
    with pytest.raises(HandoutsError, match=r"no glyph for '✓' \(U\+2713\)"):
        page_pdf(renderer, page("<p>Done ✓</p>"), "redness (fr)")


def test_pages_are_counted(renderer, page_pdf):
    long = "".join(f"<p>Line {i}</p>" for i in range(200))
    assert page_pdf(renderer, page(long), "test").pages[0] > 1


def test_weasyprint_internals_are_where_handouts_looks():
    # handouts.pdf.native_libraries is the one place that reads a WeasyPrint internal
    # (weasyprint.text.ffi). When a WeasyPrint release moves it, the Pango check and the
    # subsetter note would quietly stop working: this test says so first.
    from handouts.pdf import native_libraries

    found = native_libraries()
    assert found.pango is not None and found.pango >= (1, 44, 0), "weasyprint.text.ffi.pango moved"
    assert found.harfbuzz_subset is not None, "weasyprint.text.ffi.harfbuzz_subset moved"
