"""The catalogue page and a sheet's web page in a real browser: Debian's Chromium driven by
Playwright, pages opened from file:// as staff open them from a folder or a network drive.

Needs the `playwright` package (the `test` extra) and a Chromium on the machine (Debian:
apt-get install chromium; .ci/run installs it). Never `playwright install`: the tests use the
system's browser. Without either, every test here is skipped and says why.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from handouts import catalogs, config, content

from .conftest import ROOT

# What a full build of the real project makes (as in test_site.py): every sheet of content/, in
# every language of locales/ (and English) and the bilingual pair, in regular and large print.
SHEETS = [path.stem for path in content.sheet_paths(ROOT / "content")]
LANGS = catalogs.languages(ROOT / "locales")
PAIR = "+".join(config.load_project(ROOT).bilingual)
EDITIONS = [f"{edition}{size}" for size in ("", "-large") for edition in [*LANGS, PAIR]]
TOTAL = len(SHEETS) * len(EDITIONS)
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
SCREENSHOTS = os.environ.get("HANDOUTS_SCREENSHOTS")  # a folder: keep the screenshots there to look at


def find_chromium() -> str | None:
    named = os.environ.get("HANDOUTS_CHROMIUM")
    if named:
        return named
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    return None


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api", reason="the browser tests need Playwright: "
                                   "pip install -e '.[test]'")
    executable = find_chromium()
    if executable is None:
        pytest.skip("no Chromium on this machine: on Debian or Ubuntu run 'apt-get install chromium' "
                    "(or set HANDOUTS_CHROMIUM to a Chromium or Chrome program)")
    with sync_api.sync_playwright() as playwright:
        try:
            chromium = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        except sync_api.Error as err:
            pytest.skip(f"Chromium ({executable}) does not start here: {str(err).splitlines()[0]}")
        yield chromium
        chromium.close()


class Visit:
    """A page opened from file://, with every request, console message and script error it made."""

    def __init__(self, browser, path: Path, width: int = 1280, height: int = 900) -> None:
        self.context = browser.new_context(viewport={"width": width, "height": height})
        self.page = self.context.new_page()
        self.requests: list[str] = []
        self.console: list[str] = []
        self.page.on("request", lambda request: self.requests.append(request.url))
        self.page.on("console", lambda message: self.console.append(f"{message.type}: {message.text}"))
        self.page.on("pageerror", lambda error: self.console.append(f"error: {error}"))
        self.page.goto(path.as_uri())
        self.page.wait_for_load_state("load")

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def visit(browser):
    opened: list[Visit] = []

    def open_page(path: Path, **size: int) -> Visit:
        opened.append(Visit(browser, path, **size))
        return opened[-1]

    yield open_page
    for page in opened:
        page.close()


def visible_sheets(page) -> list[str]:
    return page.eval_on_selector_all(".sheet:not([hidden])", "sections => sections.map(s => s.id)")


def visible_cards(page) -> int:
    return page.eval_on_selector_all(".card", "cards => cards.filter(c => !c.hidden).length")


# ---------------------------------------------------------------- the catalogue

def test_the_catalogue_loads_from_the_folder_with_no_error_and_no_request_outside_it(built, visit):
    opened = visit(built / "index.html")
    assert opened.console == []
    folder = built.resolve().as_uri() + "/"
    outside = [url for url in opened.requests if not url.startswith(folder) and not url.startswith("data:")]
    assert outside == []
    # It did load its stylesheet, script and every thumbnail, all from the folder.
    loaded = {unquote(urlsplit(url).path) for url in opened.requests}
    assert str(built.resolve() / "assets" / "catalogue.js") in loaded
    assert sum(path.endswith(".png") for path in loaded) == TOTAL
    broken = opened.page.eval_on_selector_all("img", "images => images.filter(i => !i.naturalWidth).length")
    assert broken == 0
    assert opened.page.inner_text("#count") == f"{TOTAL} fiche(s) affichée(s) sur {TOTAL}."


def test_search_by_symptom_in_french_or_english_finds_the_sheet(built, visit):
    page = visit(built / "index.html").page
    for query in ("rougeur", "redness", "ROUGEURS", "Redness after"):
        page.fill("#q", query)
        assert visible_sheets(page) == ["sheet-redness"], query
        assert visible_cards(page) == len(EDITIONS), query
    page.fill("#q", "")
    assert visible_cards(page) == TOTAL


def test_search_ignores_accents_and_says_when_nothing_matches(built, visit):
    page = visit(built / "index.html").page
    page.fill("#q", "peau seche")
    assert visible_sheets(page) == ["sheet-dryness"]
    page.fill("#q", "acné")
    assert visible_sheets(page) == ["sheet-breakouts"]
    page.fill("#q", "itching")
    assert visible_sheets(page) == [] and page.is_visible("#no-match")
    assert "Aucune fiche ne correspond" in page.inner_text("#no-match")


def test_filters_by_language_and_edition(built, visit):
    page = visit(built / "index.html").page
    page.select_option("#language", "fr")
    assert visible_cards(page) == 2 * len(SHEETS)  # regular and large print
    page.select_option("#size", "large")
    assert visible_cards(page) == len(SHEETS)
    editions = page.eval_on_selector_all(".card:not([hidden]) a.print",
                                         "links => links.map(a => a.getAttribute('href'))")
    assert sorted(editions) == [f"fr-large/{sheet}.pdf" for sheet in SHEETS]
    page.fill("#q", "rougeur")
    assert visible_cards(page) == 1
    page.click("button[type=reset]")
    page.wait_for_function(f"document.querySelectorAll('.card:not([hidden])').length === {TOTAL}")


def test_the_page_switches_between_french_and_english_and_remembers(built, visit):
    opened = visit(built / "index.html")
    page = opened.page
    assert page.eval_on_selector("html", "html => html.lang") == "fr-CA"
    assert page.inner_text("h1") == "Fiches de soins après traitement"
    page.click("button[data-ui-lang=en]")
    assert page.eval_on_selector("html", "html => html.lang") == "en-CA"
    assert page.inner_text("h1") == "Aftercare sheets"
    assert page.title().startswith("Aftercare sheets")
    assert page.get_attribute("button[data-ui-lang=en]", "aria-pressed") == "true"
    assert "DRAFT: not for patients." in page.inner_text("#sheet-redness")
    assert page.inner_text("#count") == f"Showing {TOTAL} of {TOTAL} sheets."
    # The sheets' own titles stay in their language.
    assert "Rougeurs après le microneedling" in page.inner_text("#sheet-redness")
    page.reload()
    assert page.inner_text("h1") == "Aftercare sheets"
    page.click("button[data-ui-lang=fr]")
    assert page.inner_text("h1") == "Fiches de soins après traitement"


def test_every_pdf_link_opens_an_existing_pdf(built, visit):
    page = visit(built / "index.html").page
    links = page.eval_on_selector_all("a[href$='.pdf']", "links => links.map(a => a.href)")
    assert len(set(links)) == TOTAL
    for url in links:
        path = Path(unquote(urlsplit(url).path))
        assert path.is_relative_to(built.resolve()) and path.read_bytes().startswith(b"%PDF-"), url
    webs = page.eval_on_selector_all("a.web", "links => links.map(a => a.href)")
    assert {Path(unquote(urlsplit(url).path)).relative_to(built.resolve()).as_posix() for url in webs} == {
        f"{lang}/{sheet}.html" for lang in LANGS for sheet in SHEETS}


def test_the_keyboard_alone_reaches_every_sheet_and_the_language_switch(built, visit):
    page = visit(built / "index.html").page
    reached: list[str] = []
    links = page.eval_on_selector_all("a[href], button, input, select", "elements => elements.length")
    for _ in range(links + 20):  # every link and control once, then back to the first
        page.keyboard.press("Tab")
        focused = page.evaluate("""() => { const e = document.activeElement;
            return e === document.body ? ''
                : (e.getAttribute('href') || e.id || e.getAttribute('data-ui-lang') || e.tagName); }""")
        if reached and focused == reached[0]:
            break
        reached.append(focused)
    pdfs = {f"{edition.replace('+', '%2B')}/{sheet}.pdf" for edition in EDITIONS for sheet in SHEETS}
    assert pdfs <= set(reached)
    assert {"q", "language", "size", "fr", "en"} <= set(reached)
    assert reached[0] == "#sheets"  # the first Tab offers to skip to the list
    # Enter on the skip link moves on to the list; a focused element is always outlined.
    page.keyboard.press("Tab")
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"


def test_no_sideways_scrolling_on_a_phone_a_tablet_or_at_200_percent_zoom(built, visit):
    """390 CSS pixels is a phone, 768 a tablet, 640 a 1280-pixel screen at 200 % zoom."""
    for path in (built / "index.html", built / "fr" / "redness.html"):
        page = visit(path).page
        for width in (390, 640, 768, 1280):
            page.set_viewport_size({"width": width, "height": 900})
            overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
            assert overflow <= 0, (path, width, overflow)


# ---------------------------------------------------------------- a sheet's web page

def axe_violations(page) -> list[dict]:
    axe_module = pytest.importorskip("axe_playwright_python.sync_playwright",
                                     reason="the accessibility check needs axe-playwright-python (test extra)")
    results = axe_module.Axe().run(page)
    return [v for v in results.response["violations"] if v["impact"] in ("serious", "critical")]


@pytest.mark.parametrize("relpath", ["fr/redness.html", "en/flaking.html", "index.html"])
def test_pages_pass_axe_core_with_no_serious_violation(built, visit, relpath):
    page = visit(built / relpath).page
    violations = axe_violations(page)
    assert violations == [], [(v["id"], v["help"], [n["target"] for n in v["nodes"]][:3]) for v in violations]


def test_a_sheets_web_page_is_readable_on_a_phone_with_its_draft_mark_and_pdf_link(built, visit):
    opened = visit(built / "fr" / "redness.html", width=390, height=844)
    page = opened.page
    assert opened.console == []
    folder = built.resolve().as_uri() + "/"
    assert [url for url in opened.requests if not url.startswith(folder) and not url.startswith("data:")] == []
    assert page.eval_on_selector("html", "html => [html.lang, html.dir]") == ["fr-CA", "ltr"]
    body_size = page.evaluate("parseFloat(getComputedStyle(document.querySelector('main p')).fontSize)")
    assert body_size >= 16
    draft = page.inner_text(".draft-watermark")
    assert "BROUILLON" in draft and page.is_visible(".draft-watermark")
    assert page.eval_on_selector(".draft-watermark", "e => e.getBoundingClientRect().top") < 844  # first screen
    # Each step of the day-by-day timeline shows its "when" on a line above its "what", as on
    # paper: never run together ("Jour 0Rouge vif").
    steps = page.eval_on_selector_all("ol.timeline li", "items => items.map(li => li.innerText)")
    assert steps and all(len(step.strip().split("\n")) == 2 for step in steps), steps
    page.click("text=Fiche à imprimer (PDF)")  # the link opens the PDF beside the page
    assert unquote(urlsplit(page.url).path) == str(built.resolve() / "fr" / "redness.pdf")


def test_screenshots_at_phone_and_desktop_widths(built, visit, tmp_path):
    """Taken for a person to look at: HANDOUTS_SCREENSHOTS=folder keeps them, of the whole page
    (slower). Checked here only as far as a test can: each is the page's full width, and on a
    phone the page is taller than the screen."""
    folder = Path(SCREENSHOTS) if SCREENSHOTS else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    for name, path in (("catalogue", built / "index.html"), ("sheet", built / "fr" / "redness.html")):
        for width in (390, 1280):
            page = visit(path, width=width, height=900).page
            shot = folder / f"{name}-{width}.png"
            page.screenshot(path=str(shot), full_page=bool(SCREENSHOTS))
            data = shot.read_bytes()
            assert int.from_bytes(data[16:20], "big") == width
            if width == 390:
                assert page.evaluate("document.documentElement.scrollHeight") > 900
