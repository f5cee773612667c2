"""The command line end to end: real builds read back as PDFs, and mistakes reported as path:line."""

from __future__ import annotations

import re
from pathlib import Path

import pypdf

from handouts.catalogs import catalog_path
from handouts.po import read_po

from .conftest import ROOT, SHEETS, lengthen, pdf_text


def pdf_fonts(path: Path) -> set[tuple[str, bool]]:
    """(font name, embedded?) of every font the PDF uses."""
    fonts = set()
    for page in pypdf.PdfReader(path).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descendants = font.get("/DescendantFonts")
            descriptor = (descendants[0].get_object() if descendants else font).get("/FontDescriptor")
            descriptor = descriptor.get_object() if descriptor else {}
            embedded = any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3"))
            fonts.add((str(font["/BaseFont"]), embedded))
    return fonts


def french(msgid: str) -> str:
    return read_po(catalog_path(ROOT / "locales", "fr"), "fr").get(msgid).msgstr


def test_build_writes_one_single_page_pdf_per_sheet_and_language(built):
    for lang in ("en", "fr"):
        assert sorted(p.stem for p in (built / lang).glob("*.pdf")) == SHEETS
        for pdf in (built / lang).glob("*.pdf"):
            assert len(pypdf.PdfReader(pdf).pages) == 1, pdf


def test_french_sheets_are_in_french_with_the_clinic_contact(built):
    text = pdf_text(built / "fr" / "redness.pdf")
    assert " ".join(french("Redness after microneedling").split()) in text
    assert "Redness after microneedling" not in text
    assert "Info-Santé 811" in text and "911" in text
    assert "514 555-0142" in text or "514\u00a0555-0142" in text
    assert "Clinique Peau Neuve" in text


def test_english_sheets_are_in_english(built):
    text = pdf_text(built / "en" / "dryness.pdf")
    assert "Dry skin after microneedling" in text
    assert "Call the clinic the same day at 514-555-0142 if:" in text


def test_every_font_is_the_committed_family_and_embedded(built):
    """Only the @font-face families of fonts/ (one per script), never a system fallback."""
    for pdf in built.glob("*/*.pdf"):
        fonts = pdf_fonts(pdf)
        assert fonts and all(re.fullmatch(r"/[A-Z]{6}\+Handouts-(Latin|Arabic|Chinese)(-Bold)?", name) and embedded
                             for name, embedded in fonts), (pdf, fonts)


def test_same_inputs_give_byte_identical_pdfs(cli, built, tmp_path):
    result = cli("build", "--lang", "fr", "--out", str(tmp_path), "redness")
    assert result.exit_code == 0
    assert (tmp_path / "fr" / "redness.pdf").read_bytes() == (built / "fr" / "redness.pdf").read_bytes()


def test_build_one_language_and_named_sheets(cli, tmp_path):
    out = tmp_path / "out"
    result = cli("build", "--lang", "fr", "--no-large-print", "--out", str(out), "redness", "dryness")
    assert result.exit_code == 0, result.output
    assert sorted(str(p.relative_to(out)) for p in out.rglob("*.pdf")) == ["fr/dryness.pdf", "fr/redness.pdf"]
    assert result.stdout.count("wrote ") == 2
    assert "2 built, 0 unchanged, 0 failed (fr)." in result.stdout


def test_unknown_language_or_sheet_is_a_usage_error_listing_what_exists(cli, tmp_path):
    result = cli("build", "--lang", "de", "--out", str(tmp_path))
    assert result.exit_code == 2 and "unknown language 'de'" in result.stderr and "en, es, fr, ht" in result.stderr
    result = cli("build", "--out", str(tmp_path), "itching")
    assert result.exit_code == 2 and ("Sheets: allergic-reaction, breakouts, cold-sores, dryness, first-days, "
                                      "flaking, redness, sun-and-dark-spots, swelling-and-bruising") in result.stderr


def test_bad_content_names_file_and_line_and_writes_nothing(cli, project, tmp_path):
    out = tmp_path / "out"
    good = cli("build", "--lang", "en", "--out", str(out), "dryness", cwd=project)
    assert good.exit_code == 0
    before = (out / "en" / "dryness.pdf").read_bytes()
    path = project / "content" / "dryness.yaml"
    lines = path.read_text().splitlines()
    number = next(i for i, line in enumerate(lines, 1) if line.startswith("what_to_do:")) + 1
    lines[number - 1] = "  - Wash: gently"
    path.write_text("\n".join(lines) + "\n")
    result = cli("build", "--lang", "en", "--out", str(out), cwd=project)
    assert result.exit_code == 1
    assert f"content/dryness.yaml:{number}: 'what_to_do, item 1' must be a piece of text" in result.stderr
    assert "put the text in double quotes" in result.stderr
    assert "Traceback" not in result.output
    assert (out / "en" / "dryness.pdf").read_bytes() == before
    assert sorted(p.name for p in (out / "en").iterdir()) == ["dryness.html", "dryness.pdf"]  # and its web page


def test_a_translators_saved_edit_shows_in_the_next_build(cli, project, tmp_path):
    po = catalog_path(project / "locales", "fr")
    old = french("Redness after microneedling")
    po.write_text(po.read_text().replace(f'msgstr "{old}"', 'msgstr "Rougeurs : ce qui est normal"'))
    result = cli("build", "--lang", "fr", "--out", str(tmp_path / "out"), "redness", cwd=project)
    assert result.exit_code == 0, result.output
    assert "Rougeurs : ce qui est normal" in pdf_text(tmp_path / "out" / "fr" / "redness.pdf").replace("\u00a0", " ")


def test_fuzzy_or_missing_translations_warn_and_fail_with_strict(cli, project, tmp_path):
    po = catalog_path(project / "locales", "fr")
    old = french("What to do")
    text = po.read_text().replace(f'msgid "What to do"\nmsgstr "{old}"', 'msgid "What to do"\nmsgstr ""')
    text = text.replace('msgid "What to avoid"', '#, fuzzy\nmsgid "What to avoid"', 1)
    po.write_text(text)
    result = cli("build", "--lang", "fr", "--out", str(tmp_path / "out"), "redness", cwd=project)
    assert result.exit_code == 0
    assert "messages.po: 1 message not translated and 1 fuzzy" in result.stderr
    assert "What to do" in pdf_text(tmp_path / "out" / "fr" / "redness.pdf")
    strict = cli("build", "--strict", "--lang", "fr", "--out", str(tmp_path / "strict"), "redness", cwd=project)
    assert strict.exit_code == 1 and "locales/fr/LC_MESSAGES/messages.po" in strict.stderr
    assert not (tmp_path / "strict").exists()


def test_a_sheet_that_overflows_its_page_fails_naming_sheet_and_language(cli, project, tmp_path):
    lengthen(project, "flaking", 30)
    result = cli("build", "--lang", "en", "--out", str(tmp_path / "out"), cwd=project)
    assert result.exit_code == 1
    assert re.search(r"content/flaking.yaml: the sheet 'flaking' in English \(en\) needs \d pages in the en "
                     r"edition, but must fit on 1 page; shorten its text", result.stderr)
    assert "8 rendered, 0 unchanged, 1 failed" in result.stderr and "nothing was written" in result.stderr
    assert list((tmp_path / "out").rglob("*.pdf")) == []


def test_list_shows_sheets_review_status_and_catalog_completeness(cli):
    result = cli("list")
    assert result.exit_code == 0
    assert re.search(r"redness +Redness after microneedling +\[DRAFT \(not reviewed\)\]", result.stdout)
    assert re.search(r"fr  100% translated \((\d+) of \1, 0 fuzzy, 0 untranslated\)", result.stdout)


def test_help_does_not_import_weasyprint():
    import subprocess
    import sys

    code = "import sys; from handouts.cli import main\ntry: main(['--help'])\nexcept SystemExit: pass\n" \
           "print('weasyprint' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip().endswith("False")
