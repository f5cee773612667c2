"""Editions and print quality, read back from real PDFs: bilingual, large print, paper, brands,
accessibility structure (PDF/UA), review status and reproducible bytes."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pikepdf
import pypdf
import pypdfium2
import pytest
from click.testing import CliRunner

from handouts.cli import main

from .conftest import ROOT, SHEETS, lengthen, page_texts


def build(*args: str, project: Path = ROOT, env: dict[str, str] | None = None):
    result = CliRunner(env=env).invoke(main, ["build", "--project", str(project), *args], catch_exceptions=False)
    return result


# The footer's lines: smaller than the body text by design.
FOOTER = ("Clinique Peau Neuve", "·", "4820, rue", "peauneuve.example", "Statut", "Review status",
          "Traduction pas encore", "Translation not yet")


def text_sizes(path: Path) -> list[tuple[float, str]]:
    """(font size in points, text) of every line drawn on every page."""
    found: list[tuple[float, str]] = []

    def visit(text, cm, tm, font, size):
        if text.strip():
            scale = (tm[0] ** 2 + tm[1] ** 2) ** 0.5 * (cm[0] ** 2 + cm[1] ** 2) ** 0.5
            found.append((round(size * scale, 1), text.strip()))

    for page in pypdf.PdfReader(path).pages:
        page.extract_text(visitor_text=visit)
    return found


def structure(path: Path) -> list[tuple[str, str, str]]:
    """(tag, /Lang, /Alt) of every element of the PDF's structure tree, in reading order."""
    elements: list[tuple[str, str, str]] = []

    def walk(node, inherited: str) -> None:
        if isinstance(node, pikepdf.Array):
            for child in node:
                walk(child, inherited)
            return
        if not isinstance(node, pikepdf.Dictionary) or "/S" not in node:
            return
        lang = str(node.get("/Lang", inherited))
        elements.append((str(node.S)[1:], lang, str(node.get("/Alt", ""))))
        if "/K" in node:
            walk(node.K, lang)

    with pikepdf.open(path) as pdf:
        walk(pdf.Root.StructTreeRoot.K, str(pdf.Root.get("/Lang", "")))
    return elements


# ------------------------------------------------------------------ bilingual


def test_bilingual_sheet_is_french_on_the_front_and_english_on_the_back(built):
    for sheet in SHEETS:
        path = built / "fr+en" / f"{sheet}.pdf"
        front, back = page_texts(path)  # exactly two pages
        for heading in ("Ce qui se passe", "À quoi vous attendre, jour après jour", "Que faire", "À éviter",
                        "Le jour même, appelez le 514 555-0142 si :", "Info-Santé 811", "911"):
            assert heading in front, (sheet, heading)
        for heading in ("What is happening", "What to expect, day by day", "What to do", "What to avoid",
                        "Call the clinic the same day at 514-555-0142 if:", "Info-Santé 811", "911"):
            assert heading in back, (sheet, heading)
        assert "What to do" not in front and "Que faire" not in back


def test_bilingual_pages_are_the_single_language_sheets_with_equal_prominence(built):
    # Same layout, same sizes: each side is the one-language sheet, word for word.
    for sheet in SHEETS:
        front, back = page_texts(built / "fr+en" / f"{sheet}.pdf")
        assert front == page_texts(built / "fr" / f"{sheet}.pdf")[0]
        assert back == page_texts(built / "en" / f"{sheet}.pdf")[0]
        sizes = text_sizes(built / "fr+en" / f"{sheet}.pdf")
        assert max(s for s, t in sizes if t.endswith("après le microneedling")) == \
            max(s for s, t in sizes if t.endswith("after microneedling"))


def test_bilingual_pdf_tells_screen_readers_each_page_language(built):
    path = built / "fr+en" / "redness.pdf"
    with pikepdf.open(path) as pdf:
        assert str(pdf.Root.Lang) == "fr-CA"
        assert str(pdf.docinfo.Title) == ("Rougeurs après le microneedling / Redness after microneedling | "
                                          "Clinique Peau Neuve")
    elements = structure(path)
    h1 = [lang for tag, lang, _ in elements if tag == "H1"]
    assert h1 == ["fr-CA", "en-CA"]


def test_any_pair_works_and_the_first_language_is_the_front(tmp_path):
    result = build("--lang", "en+fr", "--out", str(tmp_path), "redness")
    assert result.exit_code == 0, result.output
    front, back = page_texts(tmp_path / "en+fr" / "redness.pdf")
    assert "What to do" in front and "Que faire" in back


@pytest.mark.parametrize("value", ["fr+fr", "fr+en+es", "fr+", "fr+de"])
def test_a_bad_pair_is_a_usage_error(tmp_path, value):
    result = build("--lang", value, "--out", str(tmp_path))
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert not list(tmp_path.rglob("*.pdf"))


# ------------------------------------------------------------------ large print


@pytest.fixture
def large(built: Path) -> Path:
    """The demo project's handouts.yaml says large_print: true: every build makes both."""
    return built


def test_large_print_is_built_with_regular_print_when_the_project_asks_and_each_alone_on_request(
        built, tmp_path, project):
    # built: the demo project (large_print: true) with no option
    assert {"fr", "fr-large", "en", "en-large", "fr+en", "fr+en-large"} <= {p.name for p in built.iterdir()}
    assert {p.name for p in (built / "fr").glob("*.pdf")} == {p.name for p in (built / "fr-large").glob("*.pdf")}
    large_only, regular_only = tmp_path / "large", tmp_path / "regular"
    for out, option in ((large_only, "--large-print"), (regular_only, "--no-large-print")):
        result = build("--lang", "fr", "--out", str(out), option, "redness")
        assert result.exit_code == 0, result.output

    def written(out: Path) -> list[str]:
        return sorted(p.relative_to(out).as_posix() for p in out.rglob("*.pdf"))

    assert written(large_only) == ["fr-large/redness.pdf"]
    assert written(regular_only) == ["fr/redness.pdf"]
    # The copy in 'project' says large_print: false: regular print only, unless asked.
    result = build("--lang", "fr", "--out", str(tmp_path / "copy"), "redness", project=project)
    assert result.exit_code == 0, result.output
    assert written(tmp_path / "copy") == ["fr/redness.pdf"]


def test_a_bad_large_print_setting_is_refused_with_its_line(project, tmp_path):
    settings = project / "handouts.yaml"
    settings.write_text(settings.read_text(encoding="utf-8").replace("large_print: false", "large_print: maybe"),
                        encoding="utf-8")
    line = settings.read_text(encoding="utf-8").splitlines().index("large_print: maybe") + 1
    result = build("--out", str(tmp_path / "out"), project=project)
    assert result.exit_code == 1
    assert f"handouts.yaml:{line}: large_print is 'maybe'; write true" in result.output
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").rglob("*.pdf"))


def test_large_print_uses_at_most_four_pages_per_language_and_18_points(large):
    for sheet in SHEETS:
        for folder, most in (("fr-large", 4), ("en-large", 4), ("fr+en-large", 8)):
            path = large / folder / f"{sheet}.pdf"
            pages = len(pypdf.PdfReader(path).pages)
            assert 1 <= pages <= most, (path, pages)
            small = [(size, text) for size, text in text_sizes(path)
                     if size < 18 and not text.startswith(FOOTER)]
            assert small == [], (path, small[:3])
            headings = {size for size, text in text_sizes(path) if text in ("Que faire", "What to do")}
            assert headings and min(headings) > 18


def test_large_print_has_one_column(large):
    # "What to avoid" starts below the last "What to do" item, not beside it.
    reader = pypdf.PdfReader(large / "en-large" / "redness.pdf")
    positions = {}

    def visit(text, cm, tm, font, size):
        if text.strip() in ("What to do", "What to avoid"):
            positions[text.strip()] = (tm[4], tm[5])

    for number, page in enumerate(reader.pages):
        page.extract_text(visitor_text=lambda *a, n=number: visit(*a))
    assert positions["What to do"][0] == positions["What to avoid"][0]  # same left edge


def test_the_page_number_of_large_print_stands_clear_of_the_note_on_the_translation(large):
    """Top right of a large-print page: '2 / 3'. The note that a translation is not yet reviewed
    runs along the same top margin; none of its letters may sit on the number, in any language
    (the French note is the longest)."""
    number_chars = set("0123456789/")
    checked = 0
    for path in sorted(large.glob("*-large/*.pdf")):
        document = pypdfium2.PdfDocument(path)
        for page in document:
            width, height = page.get_size()
            text = page.get_textpage()
            # The page number: the digits and the slash in the top 0.4 in and the last inch on the right.
            boxes = [text.get_charbox(i) for i in range(text.count_chars())
                     if text.get_text_range(i, 1) in number_chars]
            number = [b for b in boxes if b[3] > height - 0.4 * 72 and b[2] > width - 72]
            assert number, (path, "no page number top right")
            left, bottom = min(b[0] for b in number), min(b[1] for b in number)
            right, top = max(b[2] for b in number), max(b[3] for b in number)
            beside = text.get_text_bounded(left - 2, bottom, right + 2, top).replace(" ", "").strip()
            assert set(beside) <= number_chars, (path, beside)
            checked += 1
        document.close()
    assert checked >= 9 * 6 * 2  # nine sheets, six languages, two pages or more each


def test_no_text_runs_into_the_edge_of_the_paper_where_printers_cannot_print(built, tmp_path):
    """Office printers leave about a fifth of an inch blank at each edge: the footer's last line
    (the review status) must end above that, on every page of every edition. The narrowest case
    too: A4 large print with the brand whose address is longest (its footer takes three lines), in
    every language; the footer is the same on every sheet (and every demo sheet takes as many
    large-print pages), so two sheets show it."""
    result = build("--brand", "studio-rosemont", "--paper", "a4", "--large-print", "--out", str(tmp_path),
                   "first-days", "redness")
    assert result.exit_code == 0, result.output
    pdfs = sorted(built.rglob("*.pdf")) + sorted(tmp_path.rglob("*.pdf"))
    # nine sheets in six languages and fr+en, regular and large print; then two in large print
    assert len(pdfs) == 9 * 14 + 2 * 7
    for path in pdfs:
        for number, page in enumerate(pypdf.PdfReader(path).pages, 1):
            baselines: list[tuple[float, str]] = []

            def visit(text, cm, tm, font, size, baselines=baselines):
                if text.strip():
                    baselines.append((tm[4] * cm[1] + tm[5] * cm[3] + cm[5], text.strip()))

            page.extract_text(visitor_text=visit)
            lowest, text = min(baselines)
            assert lowest - float(page.mediabox.bottom) >= 16, (path, number, text, lowest)  # 16 pt: 0.22 in


def test_normal_edition_body_text_is_at_least_12_points(built):
    for sheet in SHEETS:
        for lang in ("en", "fr"):
            small = [(size, text) for size, text in text_sizes(built / lang / f"{sheet}.pdf")
                     if size < 12 and not text.startswith(FOOTER)]
            assert small == [], (sheet, lang, small[:3])


def test_a_sheet_too_long_for_large_print_fails_naming_sheet_language_and_edition(project, tmp_path):
    lengthen(project, "dryness", 90)
    result = build("--large-print", "--lang", "en", "--out", str(tmp_path / "out"), project=project)
    assert result.exit_code == 1
    assert re.search(r"content/dryness.yaml: the sheet 'dryness' in English \(en\) needs \d pages in the "
                     r"en large print edition, but must fit on 4 pages", result.stderr)
    assert not list((tmp_path / "out").rglob("*.pdf"))


# ------------------------------------------------------------------ paper


def test_paper_is_letter_by_default_and_a4_on_request(built, tmp_path):
    letter = pypdf.PdfReader(built / "fr" / "redness.pdf").pages[0].mediabox
    assert (round(float(letter.width)), round(float(letter.height))) == (612, 792)
    # (A4 large print: test_no_text_runs_into_the_edge_of_the_paper_where_printers_cannot_print)
    result = build("--paper", "a4", "--lang", "fr", "--no-large-print", "--out", str(tmp_path))
    assert result.exit_code == 0, result.output
    for sheet in SHEETS:
        reader = pypdf.PdfReader(tmp_path / "fr" / f"{sheet}.pdf")
        assert len(reader.pages) == 1
        box = reader.pages[0].mediabox
        assert (round(float(box.width)), round(float(box.height))) == (595, 842)


def test_paper_from_the_project_config(project, tmp_path):
    config = project / "handouts.yaml"
    config.write_text(config.read_text().replace('paper: "letter"', 'paper: "a4"'))
    assert build("--lang", "en", "--out", str(tmp_path), "redness", project=project).exit_code == 0
    box = pypdf.PdfReader(tmp_path / "en" / "redness.pdf").pages[0].mediabox
    assert round(float(box.height)) == 842


# ------------------------------------------------------------------ brands


@pytest.fixture(scope="module")
def rosemont(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The redness sheet in French and English with the second demo brand."""
    out = tmp_path_factory.mktemp("rosemont")
    result = build("--brand", "studio-rosemont", "--lang", "fr", "--lang", "en", "--no-large-print", "--out",
                   str(out), "redness")
    assert result.exit_code == 0, result.output
    return out


def test_second_demo_brand_changes_name_phone_hours_and_adds_a_qr_code(rosemont):
    fr = page_texts(rosemont / "fr" / "redness.pdf")[0]
    en = page_texts(rosemont / "en" / "redness.pdf")[0]
    assert "Studio Derma Rosemont" in fr and "Clinique Peau Neuve" not in fr
    assert "Le jour même, appelez le 438 555-0199 si :" in fr
    assert "Call the clinic the same day at 438-555-0199 if:" in en
    assert "Du lundi au jeudi, de 10 h à 20 h" in fr and "Le samedi, de 9 h 30 à 13 h" in fr
    assert "Monday to Thursday, 10 a.m. to 8 p.m." in en.replace("\u202f", " ")
    assert "dermarosemont.example/apres-soins" in fr
    # Still everything else: 811 and 911 are never replaced by the QR code.
    assert "Info-Santé 811" in fr and "911" in fr
    figures = [alt for tag, _, alt in structure(rosemont / "fr" / "redness.pdf") if tag == "Figure"]
    assert figures == ["Studio Derma Rosemont", "QR code: https://dermarosemont.example/apres-soins"]


def test_the_two_demo_brands_look_different(built, rosemont):

    def colours(path: Path) -> set[str]:
        with pikepdf.open(path) as pdf:
            stream = pdf.pages[0].Contents.read_bytes().decode("latin-1")
        return set(re.findall(r"([\d.]+ [\d.]+ [\d.]+) rg", stream))

    assert colours(built / "en" / "redness.pdf") != colours(rosemont / "en" / "redness.pdf")


@pytest.mark.parametrize(("value", "expected"), [
    ('"http://dermarosemont.example"', "qr is 'http://dermarosemont.example'; write the full https address"),
    ('"https://x.example/a b"', "qr is 'https://x.example/a b'; write the full https address"),
    ('"javascript:alert(1)"', "qr is 'javascript:alert(1)'; write the full https address"),
])
def test_a_bad_qr_address_is_refused_with_its_line(project, tmp_path, value, expected):
    brand = project / "brands" / "studio-rosemont" / "brand.yaml"
    text = brand.read_text()
    brand.write_text(re.sub(r'^qr: .*$', f"qr: {value}", text, flags=re.M))
    line = next(i for i, row in enumerate(brand.read_text().splitlines(), 1) if row.startswith("qr:"))
    result = build("--brand", "studio-rosemont", "--out", str(tmp_path), project=project)
    assert result.exit_code == 1
    assert f"brands/studio-rosemont/brand.yaml:{line}: {expected}" in result.stderr


# ------------------------------------------------------------------ accessibility


def test_every_pdf_is_tagged_pdf_ua_with_language_title_and_alt_text(built):
    for folder, lang, title in (("fr", "fr-CA", "Rougeurs après le microneedling"),
                                ("en", "en-CA", "Redness after microneedling")):
        path = built / folder / "redness.pdf"
        with pikepdf.open(path) as pdf:
            assert str(pdf.Root.Lang) == lang
            assert bool(pdf.Root.MarkInfo.Marked) is True
            assert bool(pdf.Root.ViewerPreferences.DisplayDocTitle) is True
            assert str(pdf.docinfo.Title) == f"{title} | Clinique Peau Neuve"
            meta = pdf.open_metadata()
            assert meta.get("pdfuaid:part") == "1"
            assert title in str(meta.get("dc:title"))
        tags = [tag for tag, _, _ in structure(path)]
        assert tags.count("H1") == 1
        assert tags.count("H2") >= 6  # the six sections, each a heading
        assert tags.count("L") >= 4 and tags.count("LI") >= 12  # lists are lists
        assert tags.index("H1") < tags.index("H2")  # reading order: title, then sections
        figures = [alt for tag, _, alt in structure(path) if tag == "Figure"]
        assert figures == ["Clinique Peau Neuve"]  # the logo, with its alt text


# ------------------------------------------------------------------ review status


def reviewed(project: Path, name: str, on: str) -> None:
    """Mark a sheet reviewed the way a clinician does: status, name, date and the fingerprint of its text."""
    from handouts.content import load_sheets
    from handouts.review import fingerprint, french_catalog

    path = project / "content" / f"{name}.yaml"
    sheet = load_sheets(project / "content", (name,))[0]
    text_hash = fingerprint(sheet, french_catalog(project / "locales"))
    text = path.read_text()
    text = re.sub(r"review:\n(  .*\n)+", f'review:\n  status: "reviewed"\n  reviewed_by: "Dr. Jeanne Roy"\n'
                  f'  reviewed_on: "{on}"\n  text_hash: "{text_hash}"\n', text)
    path.write_text(text)


def test_release_refuses_drafts_naming_each_file(project, tmp_path):
    reviewed(project, "redness", date.today().isoformat())
    result = build("--release", "--out", str(tmp_path), project=project)
    assert result.exit_code == 1
    for sheet in ("breakouts", "dryness", "flaking", "first-days"):
        assert re.search(rf"content/{sheet}.yaml:\d+: '{sheet}' is a draft that no clinician has reviewed",
                         result.stderr)
    assert "redness" not in result.stderr
    assert not list(tmp_path.rglob("*.pdf"))

    refused = build("--release", "--lang", "fr", "--out", str(tmp_path), "redness", project=project)
    assert refused.exit_code == 1 and "the 'fr' translation has not been reviewed" in refused.stderr
    (project / "locales" / "fr" / "review.yaml").write_text(  # a qualified translator reviewed the French
        'status: "reviewed"\nreviewed_by: "Luc Roy, trad. a."\nreviewed_on: "2026-11-28"\ntext: "messages.pot"\n',
        encoding="utf-8")
    result = build("--release", "--lang", "fr", "--out", str(tmp_path), "redness", project=project)
    assert result.exit_code == 0, result.output
    text = page_texts(tmp_path / "fr" / "redness.pdf")[0]
    assert "BROUILLON" not in text and "Fiche révisée par Dr. Jeanne Roy le" in text


def test_draft_watermark_is_in_the_sheet_language(built):
    assert "BROUILLON" in page_texts(built / "fr" / "redness.pdf")[0]
    assert "DRAFT: not for patients." in page_texts(built / "en" / "redness.pdf")[0]


def test_a_review_older_than_24_months_warns_but_builds(project, tmp_path):
    reviewed(project, "redness", "2020-03-01")
    result = build("--lang", "en", "--out", str(tmp_path), "redness", project=project)
    assert result.exit_code == 0, result.output
    assert re.search(r"warning: \S*content/redness.yaml:\d+: 'redness' was last reviewed on 2020-03-01, "
                     r"more than 24 months ago", result.stderr)
    reviewed(project, "redness", date.today().isoformat())
    result = build("--lang", "en", "--out", str(tmp_path), "redness", project=project)
    assert "months ago" not in result.stderr


# ------------------------------------------------------------------ reproducible


def test_check_validates_every_brand_profile_not_only_the_default(project):
    from handouts.cli_check import check

    brand = project / "brands" / "studio-rosemont" / "brand.yaml"
    brand.write_text(brand.read_text().replace('primary: "#243b6b"', 'primary: "#ffee00"'))
    result = CliRunner().invoke(check, ["--project", str(project)])
    assert result.exit_code == 1
    assert "brands/studio-rosemont/brand.yaml:7: colours.primary #ffee00 is too light" in result.output
