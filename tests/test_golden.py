"""Golden HTML: what the templates make for a few representative pages, byte for byte.

A change to a template, a stylesheet, the typography pass or a translation shows here as a diff
of the HTML, before anyone has to read a PDF. When the change is meant, rewrite the files and
review them with ``git diff tests/golden``::

    .venv/bin/pytest tests/test_golden.py --update-golden

The print pages come from ``render.render_html`` on the real project (the same call the build
makes for each PDF); the web catalogue and a sheet's web page are the files a real build writes
(the session's ``built`` folder). The project folder's address (the logo's file:// URL) is
written as ``file:///PROJECT`` so the files do not depend on where the project is checked out.
"""

from __future__ import annotations

import difflib
from dataclasses import replace

import pytest

from handouts import brand, catalogs, config, content, render

from .conftest import GOLDEN, ROOT

SHEET = "redness"
# name -> the (language, large print) pages it holds, in print order
PRINT_PAGES = {
    "redness.fr": [("fr", False)],  # a French sheet
    "redness.fr+en": [("fr", False), ("en", False)],  # the bilingual sheet: front in French, back in English
    "redness.fr-large": [("fr", True)],  # large print
    "redness.ar": [("ar", False)],  # Arabic, right to left
}
BUILT_PAGES = {
    "index": "index.html",  # the web catalogue
    "redness.fr.web": "fr/redness.html",  # the sheet's web page
}


def print_html(lang: str, large_print: bool) -> str:
    project = config.load_project(ROOT)
    translator = catalogs.Translator(lang, catalogs.load_catalog(project.locales_dir, lang))
    sheet = content.load_sheets(project.content_dir, (SHEET,))[0]
    translated = sheet.map_texts(lambda t: replace(t, text=translator.gettext(t.text)))
    return render.render_html(translated, translator, catalogs.locale_for(lang, project.region),
                              brand.load_brand(project), project, large_print=large_print)


def stable(html: str) -> str:
    return html.replace(ROOT.as_uri(), "file:///PROJECT")


def compare(request: pytest.FixtureRequest, name: str, html: str) -> None:
    path = GOLDEN / f"{name}.html"
    if request.config.getoption("--update-golden"):
        path.write_text(html, encoding="utf-8")
        return
    assert path.exists(), f"{path} is missing: run pytest {__file__} --update-golden, and review it"
    expected = path.read_text(encoding="utf-8")
    if html != expected:
        diff = "".join(difflib.unified_diff(expected.splitlines(keepends=True), html.splitlines(keepends=True),
                                            f"golden/{name}.html", f"{name}.html as made now", n=2))
        pytest.fail(f"the HTML of {name} changed (if meant: pytest --update-golden, then review git diff):\n"
                    f"{diff}", pytrace=False)


@pytest.mark.parametrize("name", PRINT_PAGES)
def test_print_html_is_the_golden_one(request, name):
    pages = [stable(print_html(lang, large)) for lang, large in PRINT_PAGES[name]]
    compare(request, name, "\n<!-- next page -->\n".join(pages))


@pytest.mark.parametrize("name", BUILT_PAGES)
def test_built_web_page_is_the_golden_one(request, built, name):
    compare(request, name, stable((built / BUILT_PAGES[name]).read_text(encoding="utf-8")))


def test_the_pages_say_what_they_are():
    """The golden files hold what their names say (so that --update-golden cannot bless a wrong page)."""
    assert 'lang="fr-CA"' in (GOLDEN / "redness.fr.html").read_text(encoding="utf-8")
    bilingual = (GOLDEN / "redness.fr+en.html").read_text(encoding="utf-8").split("<!-- next page -->")
    assert ['lang="fr-CA"' in bilingual[0], 'lang="en-CA"' in bilingual[1]] == [True, True]
    arabic = (GOLDEN / "redness.ar.html").read_text(encoding="utf-8")
    assert 'dir="rtl"' in arabic
    assert (GOLDEN / "redness.fr-large.html").read_text(encoding="utf-8") != (GOLDEN / "redness.fr.html").read_text(
        encoding="utf-8")
    assert "<title data-fr=" in (GOLDEN / "index.html").read_text(encoding="utf-8")
