"""The catalogue page for staff (dist/index.html), the web version of each sheet and the QR code
that joins them, read back from real builds (no browser here: see test_browser.py)."""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import webbrowser
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote

import pypdf
import pytest

from handouts import build as pipeline
from handouts import catalogs, config, content, dist_paths, errors, plan, pool, site, thumbnails, workers
from handouts.options import BuildOptions
from handouts.thumbnails import THUMBNAIL_WIDTH

ROOT = Path(__file__).resolve().parent.parent
# What a full build of the real project makes: every sheet of content/, in every language of
# locales/ (and English, the source) and the bilingual pair, each in regular and large print.
SHEETS = [path.stem for path in content.sheet_paths(ROOT / "content")]
LANGS = catalogs.languages(ROOT / "locales")
PAIR = "+".join(config.load_project(ROOT).bilingual)
EDITIONS = [f"{edition}{size}" for size in ("", "-large") for edition in [*LANGS, PAIR]]


def norm(text: str) -> str:
    """Spaces as a reader sees them: non-breaking spaces are spaces, a word cut at a line's end is whole."""
    text = " ".join(text.replace("\u00a0", " ").replace("\u202f", " ").split())
    return re.sub(r"(\w)- (\w)", r"\1-\2", text)


def pdf_text(path: Path) -> str:
    return norm(" ".join(page.extract_text() for page in pypdf.PdfReader(path).pages))


class Page(HTMLParser):
    """The parts of a page a test reads: its blocks of text, links, images and language."""

    BLOCKS = ("h1", "h2", "h3", "p", "li")

    def __init__(self, html: str) -> None:
        super().__init__()
        self.blocks: list[tuple[str, str, bool]] = []  # (tag, text, inside <nav>)
        self.links: list[str] = []
        self.sources: list[str] = []  # src and href of everything the page loads
        self.html_attrs: dict[str, str] = {}
        self._open: list[list] = []
        self._nav = 0
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        if tag == "span" and "what" in values.get("class", "").split() and self._open:
            # A timeline step's "what" is a line of its own under its "when" (site.css, print.css):
            # a reader sees "Day 0" then "Bright red...", as the PDF's text has them.
            self._open[-1][1] += " "
        if tag == "html":
            self.html_attrs = values
        if tag == "nav":
            self._nav += 1
        if tag == "a" and "href" in values:
            self.links.append(values["href"])
        if tag in ("img", "script") and "src" in values:
            self.sources.append(values["src"])
        if tag == "link" and "href" in values:
            self.sources.append(values["href"])
        if tag in self.BLOCKS:
            self._open.append([tag, ""])

    def handle_endtag(self, tag: str) -> None:
        if tag == "nav":
            self._nav -= 1
        if self._open and self._open[-1][0] == tag:
            name, text = self._open.pop()
            self.blocks.append((name, norm(text), self._nav > 0))
            if self._open:
                self._open[-1][1] += text

    def handle_data(self, data: str) -> None:
        if self._open:
            self._open[-1][1] += data

    def texts(self, tag: str) -> list[str]:
        return [text for name, text, _ in self.blocks if name == tag]


def page(path: Path) -> Page:
    return Page(path.read_text(encoding="utf-8"))


# ---------------------------------------------------------------- the catalogue of a full build

def test_the_catalogue_lists_every_sheet_in_every_edition_with_a_thumbnail_and_a_pdf(built):
    index = page(built / "index.html")
    pdfs = sorted(unquote(link) for link in index.links if link.endswith(".pdf"))
    expected = sorted(f"{edition}/{sheet}.pdf" for edition in EDITIONS for sheet in SHEETS)
    assert sorted(set(pdfs)) == expected
    for relpath in expected:
        assert (built / relpath).read_bytes().startswith(b"%PDF-")
    thumbnails = [unquote(src) for src in index.sources if src.endswith(".png")]
    assert sorted(thumbnails) == sorted(dist_paths.thumbnail_path(relpath) for relpath in expected)
    for thumbnail in thumbnails:
        data = (built / thumbnail).read_bytes()
        assert data.startswith(b"\x89PNG")
        width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
        assert width == THUMBNAIL_WIDTH and abs(height / width - 11 / 8.5) < 0.01  # a letter page


def test_the_thumbnail_is_the_first_page_of_its_own_pdf(built):
    """Drawn from the PDF it stands for: the French and English thumbnails of a sheet differ,
    and drawing the PDF's first page again gives the same picture. A bilingual sheet's is the
    one drawn for French alone (the same first page), and must be what its own PDF shows."""
    fr = (built / dist_paths.thumbnail_path("fr/redness.pdf")).read_bytes()
    en = (built / dist_paths.thumbnail_path("en/redness.pdf")).read_bytes()
    assert fr != en
    bilingual = [f"{edition}/{sheet}.pdf" for edition in EDITIONS if "+" in edition for sheet in SHEETS]
    assert bilingual
    for relpath in ["fr/redness.pdf", *bilingual]:
        drawn = (built / dist_paths.thumbnail_path(relpath)).read_bytes()
        assert thumbnails.draw_thumbnail((built / relpath).read_bytes()) == drawn, relpath


def test_each_card_shows_the_title_in_its_language_and_a_draft_unmistakably(built):
    html = (built / "index.html").read_text(encoding="utf-8")
    assert '<p class="sheet-title" lang="fr-CA">Rougeurs après le microneedling</p>' in html
    assert '<p class="sheet-title" lang="en-CA">Redness after microneedling</p>' in html
    # Language tags are BCP 47: zh-Hans, never the folder's name zh_Hans.
    assert '<p class="sheet-title" lang="zh-Hans">' in html and 'lang="zh_Hans"' not in html
    # Every demo sheet is a draft: every card says so in words (French first), not by colour alone.
    assert html.count('data-en="DRAFT: not for patients."') == len(EDITIONS) * len(SHEETS)
    assert html.count("BROUILLON\u00a0: ne pas remettre aux patients.") >= len(EDITIONS) * len(SHEETS)
    assert html.count('class="card is-draft"') == len(EDITIONS) * len(SHEETS)


def test_the_translation_status_of_each_card_says_what_prints_in_english(built):
    html = (built / "index.html").read_text(encoding="utf-8")
    assert "Français\u00a0: traduction complète." in html
    assert 'data-en="English: original text."' in html


def test_every_page_loads_only_files_inside_the_folder(built):
    """No server, no internet: nothing in dist/ names another site, and every relative link
    and source it names exists (the folder can be copied as is to any static host)."""
    pages = [built / "index.html", *sorted(built.glob("*/*.html"))]
    assert sorted(path.relative_to(built).as_posix() for path in pages[1:]) == sorted(
        f"{lang}/{sheet}.html" for lang in LANGS for sheet in SHEETS)
    for path in pages:
        parsed = page(path)
        for target in parsed.links + parsed.sources:
            if target.startswith("#") or target == "data:,":  # a link inside the page; no icon to load
                continue
            assert not re.match(r"^[a-z][a-z0-9+.-]*:|^//|^/", target) or target == "data:,", (path, target)
            assert (path.parent / unquote(target.split("#")[0])).resolve().is_file(), (path, target)
    for asset in sorted([*(built / dist_paths.ASSETS).glob("*.css"), *(built / dist_paths.ASSETS).glob("*.js")]):
        code = re.sub(r"/\*.*?\*/", "", asset.read_text(encoding="utf-8"), flags=re.S)
        assert not re.search(r"https?:|@import|url\(|fetch\(|XMLHttpRequest", code), asset


# ---------------------------------------------------------------- the web version of a sheet

@pytest.mark.parametrize("lang", ["fr", "en"])
def test_the_web_page_has_the_same_text_as_the_pdf(built, lang):
    web = page(built / lang / "redness.html")
    pdf = pdf_text(built / lang / "redness.pdf")
    blocks = [text for name, text, in_nav in web.blocks if not in_nav and name in ("h1", "h2", "p", "li") and text]
    assert len(blocks) > 25
    missing = [text for text in blocks if text not in pdf]
    assert missing == []
    assert web.html_attrs["lang"] == f"{lang}-CA" and web.html_attrs["dir"] == "ltr"
    assert web.texts("h1") == [norm(pdf_title) for pdf_title in [pypdf.PdfReader(built / lang / "redness.pdf")
                                                                  .metadata.title.split(" | ")[0]]]


def test_the_web_page_has_the_drafts_marks_and_links_to_its_pdfs_and_languages(built):
    html = (built / "fr" / "redness.html").read_text(encoding="utf-8")
    web = Page(html)
    assert "BROUILLON\u00a0: ne pas remettre aux patients." in html  # the print sheet's own words
    assert "brouillon" in web.texts("p")[-1].lower()  # and its footer
    assert '<meta name="robots" content="noindex">' in html  # a draft is not for search engines
    nav = [text for name, text, in_nav in web.blocks if in_nav and name == "li"]
    others = [lang for lang in LANGS if lang != "fr"]
    assert nav == ["Fiche à imprimer (PDF)", "Gros caractères (PDF)",
                   *(catalogs.language_name(lang, lang) for lang in others)]
    assert "English" in nav
    assert web.links[:2 + len(others)] == ["redness.pdf", "../fr-large/redness.pdf",
                                           *(f"../{lang}/redness.html" for lang in others)]
    assert '<a href="../en/redness.html" hreflang="en" lang="en">English</a>' in html
    # A language's tag is BCP 47 (zh-Hans), its folder keeps the project's name (zh_Hans).
    if "zh_Hans" in others:
        assert '<a href="../zh_Hans/redness.html" hreflang="zh-Hans" lang="zh-Hans">' in html
    assert not re.search(r'(hreflang|lang)="[^"]*_', html)


def test_the_web_page_uses_the_same_templates_as_the_pdf(built):
    """One heading per part of the sheet, the lists as lists, the same order as on paper."""
    web = page(built / "en" / "dryness.html")
    assert web.texts("h2")[:4] == ["What is happening", "What to expect, day by day", "What to do", "What to avoid"]
    assert "Days 1-2 Skin feels tight." in web.texts("li")  # the timeline, a list as on paper
    assert any(text.startswith("Call the clinic the same day at 514-555-0142 if:") for text in web.texts("h2"))
    assert "Get help right away: call 911 now if you have:" in web.texts("h2")  # 911 first


# ---------------------------------------------------------------- incremental, atomic

def run_build(project: Path, out: Path, *langs: str, **options):
    return pipeline.build(BuildOptions(project, tuple(langs), out_dir=out, jobs=1, **options))


def files_of(out: Path) -> dict[str, str]:
    return {p.relative_to(out).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(out.rglob("*")) if p.is_file() and not p.name.startswith(".handouts")}


def test_thumbnails_are_drawn_again_only_for_the_pdfs_that_changed(project, tmp_path, monkeypatch):
    out = tmp_path / "out"
    two = ("dryness", "redness")
    first = run_build(project, out, "fr", "en", sheets=two)
    assert out / "index.html" in first.site
    before = files_of(out)
    drawn: list[int] = []
    real = thumbnails.draw_thumbnail
    monkeypatch.setattr(thumbnails, "draw_thumbnail", lambda pdf: drawn.append(1) or real(pdf))

    again = run_build(project, out, "fr", "en", sheets=two)
    assert again.written == [] and again.site == [] and drawn == []
    assert files_of(out) == before
    # Forced, every PDF is made again, the same bytes: the thumbnails in place are theirs.
    forced = run_build(project, out, "fr", "en", sheets=two, force=True)
    assert len(forced.written) == 4 and drawn == []
    assert files_of(out) == before

    sheet = project / "content" / "redness.yaml"
    sheet.write_text(sheet.read_text().replace('"Do not rub or scrub your face."',
                                               '"Do not rub or scrub your skin."'))
    changed = run_build(project, out, "fr", "en", sheets=two)
    assert sorted(p.relative_to(out).as_posix() for p in changed.written) == ["en/redness.pdf", "fr/redness.pdf"]
    assert len(drawn) == 2
    after = files_of(out)
    differ = sorted(k for k in after if after[k] != before.get(k))
    assert differ == sorted(["en/redness.pdf", "fr/redness.pdf", "en/redness.html", "fr/redness.html",
                             dist_paths.thumbnail_path("en/redness.pdf"), dist_paths.thumbnail_path("fr/redness.pdf"),
                             "index.html"])
    # The catalogue now says that the French sheet prints one text in English (not yet translated).
    html = (out / "index.html").read_text(encoding="utf-8")
    assert "Français\u00a0: traduction incomplète, 1\u00a0texte(s) sur" in html or \
        "Français\u00a0: traduction incomplète, 1 texte(s) sur" in html
    assert "Do not rub or scrub your skin." in (out / "en" / "redness.html").read_text(encoding="utf-8")


def test_a_deleted_catalogue_or_thumbnail_comes_back_without_rendering_a_pdf(project, tmp_path):
    out = tmp_path / "out"
    run_build(project, out, "fr", sheets=("dryness", "redness"))
    (out / "index.html").unlink()
    (out / dist_paths.thumbnail_path("fr/dryness.pdf")).unlink()
    result = run_build(project, out, "fr", sheets=("redness",))  # even when that sheet is not asked for
    assert result.written == []
    assert sorted(p.relative_to(out).as_posix() for p in result.site) == sorted(
        ["index.html", dist_paths.thumbnail_path("fr/dryness.pdf")])


def test_a_later_build_of_another_language_keeps_the_first_in_the_catalogue(project, tmp_path):
    out = tmp_path / "out"
    run_build(project, out, "fr", sheets=("redness",))
    run_build(project, out, "en", sheets=("dryness",))
    links = sorted({link for link in page(out / "index.html").links if link.endswith(".pdf")})
    assert links == ["en/dryness.pdf", "fr/redness.pdf"]


def test_a_sheet_removed_from_the_content_leaves_the_catalogue(project, tmp_path):
    out = tmp_path / "out"
    run_build(project, out, "fr", sheets=("flaking", "redness"))
    (project / "content" / "flaking.yaml").unlink()
    run_build(project, out, "fr", sheets=("redness",))
    links = sorted({link for link in page(out / "index.html").links if link.endswith(".pdf")})
    assert links == ["fr/redness.pdf"]
    assert (out / "fr" / "flaking.pdf").is_file()  # the build deletes nothing: it is only not listed


def test_a_failed_build_writes_no_catalogue_and_no_web_page(project, tmp_path, cli):
    out = tmp_path / "out"
    sheet = project / "content" / "redness.yaml"
    sheet.write_text(sheet.read_text().replace('title: "Redness after microneedling"', "title: [oops"))
    result = cli("build", "--lang", "fr", "--out", str(out), cwd=project)
    assert result.exit_code == 1
    assert not (out / "index.html").exists() and not list(out.rglob("*.html")) and not list(out.rglob("*.png"))


def test_the_catalogue_is_published_with_the_pdfs_in_one_go(project, tmp_path, monkeypatch):
    """If the disk fails while the files are put in place, the catalogue and PDFs stay as they were."""
    out = tmp_path / "out"
    run_build(project, out, "fr", sheets=("redness",))
    before = files_of(out)
    sheet = project / "content" / "redness.yaml"
    text = sheet.read_text()
    assert '"Do not rub or scrub your face."' in text
    sheet.write_text(text.replace('"Do not rub or scrub your face."', '"Do not rub or scrub your skin."'))
    real = os.replace
    calls = []

    def failing(src, dst):
        calls.append(dst)
        if str(dst).endswith("index.html"):
            raise OSError(28, "No space left on device", str(dst))
        return real(src, dst)

    monkeypatch.setattr(os, "replace", failing)
    with pytest.raises(errors.HandoutsError, match="nothing was changed"):
        run_build(project, out, "fr", sheets=("redness",))
    monkeypatch.setattr(os, "replace", real)
    assert any(str(path).endswith("redness.pdf") for path in calls)  # it had already replaced the PDF
    assert files_of(out) == before


# ---------------------------------------------------------------- the QR code opens the sheet's web page

def set_site(project: Path, value: str) -> int:
    brand = project / "brands" / "clinique-demo" / "brand.yaml"
    lines = brand.read_text().splitlines()
    number = next(i for i, line in enumerate(lines) if line.startswith("website:")) + 1
    lines.insert(number, f"site: {value}")
    brand.write_text("\n".join(lines) + "\n")
    return number + 1


def test_with_the_brands_site_each_printed_qr_code_opens_that_sheets_web_page(project, tmp_path):
    zxingcpp = pytest.importorskip("zxingcpp", reason="decoding a QR code needs zxing-cpp: pip install zxing-cpp")
    import pypdfium2

    set_site(project, '"https://peauneuve.example/fiches"')
    out = tmp_path / "out"
    run_build(project, out, "fr+en", sheets=("redness",))
    document = pypdfium2.PdfDocument(out / "fr+en" / "redness.pdf")
    found = []
    for number in range(len(document)):
        image = document[number].render(scale=2).to_pil()
        found.append([code.text for code in zxingcpp.read_barcodes(image)])
    document.close()
    assert found == [["https://peauneuve.example/fiches/fr/redness.html"],
                     ["https://peauneuve.example/fiches/en/redness.html"]]
    # The address is printed beside the code, for a patient without a camera.
    text = pdf_text(out / "fr+en" / "redness.pdf")
    assert "peauneuve.example/fiches/fr/ redness.html" in text or "peauneuve.example/fiches/fr/redness.html" in text
    # ... and it is where the web page is, in the published folder.
    assert (out / "fr" / "redness.html").is_file() and (out / "en" / "redness.html").is_file()


@pytest.mark.parametrize("value", ['"http://peauneuve.example/fiches/"', '"https://x.example/a b/"',
                                   '"javascript:alert(1)"', '"https://peauneuve.example/?q=1"',
                                   f'"https://peauneuve.example/{"x" * 80}/"'])
def test_a_bad_site_address_is_refused_with_its_line(project, tmp_path, cli, value):
    line = set_site(project, value)
    result = cli("build", "--lang", "fr", "--out", str(tmp_path / "out"), cwd=project)
    assert result.exit_code == 1
    assert f"brands/clinique-demo/brand.yaml:{line}: site is " in result.stderr
    assert "where the dist/ folder is published" in result.stderr and "Traceback" not in result.output
    assert not (tmp_path / "out" / "index.html").exists()


# ---------------------------------------------------------------- handouts open

def test_open_shows_the_catalogue_in_the_web_browser(built, cli, monkeypatch):
    opened = []
    monkeypatch.setattr(webbrowser, "open", lambda url: opened.append(url) or True)
    result = cli("open", "--out", str(built))
    assert result.exit_code == 0, result.output
    assert opened == [(built / "index.html").resolve().as_uri()]


def test_open_before_any_build_says_to_build_first(cli, tmp_path, monkeypatch):
    monkeypatch.setattr(webbrowser, "open", lambda url: pytest.fail("nothing to open"))
    result = cli("open", "--out", str(tmp_path / "nothing"))
    assert result.exit_code == 2
    assert "make it with: handouts build" in result.stderr and "Traceback" not in result.output


def test_open_without_a_browser_gives_the_address_to_open(built, cli, monkeypatch):
    monkeypatch.setattr(webbrowser, "open", lambda url: False)
    result = cli("open", "--out", str(built))
    assert result.exit_code == 3
    assert (built / "index.html").resolve().as_uri() in result.stderr


def test_the_build_says_where_the_catalogue_is(project, tmp_path, cli):
    result = cli("build", "--lang", "fr", "--out", str(tmp_path / "out"), "redness", cwd=project)
    assert result.exit_code == 0, result.output
    assert "index.html (see it with: handouts open)" in result.stdout
    assert result.stdout.count("wrote ") == 1


def test_markup_in_the_brands_name_is_shown_as_text_on_every_page(project, tmp_path):
    brand = project / "brands" / "clinique-demo" / "brand.yaml"
    brand.write_text(brand.read_text().replace('name: "Clinique Peau Neuve"',
                                               'name: "Peau <script>alert(1)</script> Neuve"'))
    out = tmp_path / "out"
    run_build(project, out, "fr", sheets=("redness",))
    for path in (out / "index.html", out / "fr" / "redness.html"):
        html = path.read_text(encoding="utf-8")
        assert "<script>alert" not in html and "Peau &lt;script&gt;alert(1)&lt;/script&gt; Neuve" in html, path


@pytest.mark.parametrize("lang", ["ar", "fa"])
def test_a_right_to_left_language_gets_its_direction_on_the_web_page(project, cli, lang):
    """Arabic, translated in the project, and Persian, just started by a translator: the page says
    lang="ar" (or "fa") and dir="rtl" (no PDF needed); its links to other languages have BCP 47 tags."""
    if lang not in catalogs.languages(project / "locales"):
        assert cli("i18n", "init", lang, cwd=project).exit_code == 0
    planned = plan.prepare(BuildOptions(project, (lang,), ("redness",), large_print=False))
    html = site.web_page(planned, planned.sheets[0], lang, "logo.svg", ["fr", "zh_Hans"], lambda relpath: False)
    assert Page(html).html_attrs["dir"] == "rtl" and Page(html).html_attrs["lang"].startswith(lang)
    assert '<a href="../fr/redness.html" hreflang="fr" lang="fr">Français</a>' in html
    assert '<a href="../zh_Hans/redness.html" hreflang="zh-Hans" lang="zh-Hans">' in html


# The failing round forks workers from this (threaded) test process, so that they run the patched
# renderer; Python 3.12+ warns about any fork of a threaded process. The build itself never does.
@pytest.mark.filterwarnings("ignore:This process .* is multi-threaded:DeprecationWarning")
def test_the_web_pages_made_while_the_workers_render_are_those_made_after_them(project, tmp_path, monkeypatch):
    """With workers, the pages and catalogue are made while the PDFs render, for the PDFs about to
    be published; they are the ones one process makes after the PDFs: at first, after an edit,
    and when a PDF cannot be made (its language fails: its PDFs and the links to them are left out)."""
    two = ("dryness", "redness")
    alone, workers_out = tmp_path / "alone", tmp_path / "workers"

    def both(alone: Path = alone, workers_out: Path = workers_out) -> None:
        for out, jobs in ((alone, 1), (workers_out, 2)):
            with contextlib.suppress(errors.HandoutsError):  # the failing language, last round
                pipeline.build(BuildOptions(project, ("fr", "en"), two, out_dir=out, jobs=jobs))
        assert files_of(workers_out) == files_of(alone)

    both()
    sheet = project / "content" / "redness.yaml"
    sheet.write_text(sheet.read_text().replace('"Do not rub or scrub your face."', '"Do not rub or scrub your skin."'))
    both()
    assert "Do not rub or scrub your skin." in (workers_out / "en" / "redness.html").read_text(encoding="utf-8")

    real = workers.make_pdf

    def fails_in_french(task, thumbnails):  # a render that fails, in this process and in workers forked from it
        if task.relpath == "fr/redness.pdf":
            return workers.Outcome(task.relpath, None, [], [errors.Problem("cannot be made")])
        return real(task, thumbnails)

    monkeypatch.setattr(pool, "START_METHOD", "fork")
    monkeypatch.setattr(workers, "make_pdf", fails_in_french)
    french = (workers_out / "fr" / "redness.pdf").read_bytes()
    sheet.write_text(sheet.read_text().replace('"Do not rub or scrub your skin."', '"Do not rub your skin."'))
    both()
    assert "Do not rub your skin." in (workers_out / "en" / "redness.html").read_text(encoding="utf-8")
    assert (workers_out / "fr" / "redness.pdf").read_bytes() == french  # the French one failed: kept as it was
    # A first build in which it fails: no page links a PDF that is not there, none lists it.
    both(tmp_path / "alone-first", tmp_path / "workers-first")
    first = tmp_path / "workers-first"
    assert not (first / "fr" / "redness.pdf").exists()
    assert "fr/redness.pdf" not in (first / "index.html").read_text(encoding="utf-8")
