"""Every script prints with the project's own fonts: Latin (with Vietnamese), Arabic, Chinese.

Read back from real PDFs with pikepdf: the fonts embedded, and that the bytes do not depend
on the fonts the machine has installed.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pikepdf
import pytest

from handouts import catalogs, fonts
from handouts.errors import HandoutsError
from handouts.pdf import PdfRenderer

from .conftest import ROOT, copy_project, pdftotext

TEMPLATES = ROOT / "templates"

MIXED = (
    '<html lang="en"><head><style>:root {{ --primary: #1d4e89; --accent: #2a7f62; }}</style></head><body>'
    "<h1>Heading, bold</h1><p>Plain Latin, French: « Ça va ? »</p>"
    '<p lang="vi">Tiếng Việt: người được chăm sóc</p>'
    '<h2 lang="ar" dir="rtl">اتصل بالعيادة</h2><p lang="ar" dir="rtl">احمرار الجلد أمر طبيعي؟</p>'
    '<h2 lang="zh-Hans">治疗后护理</h2><p lang="zh-Hans">如果您呼吸困难，请立即拨打电话。</p>'
    "{extra}</body></html>"
)


@pytest.fixture(scope="module")
def renderer() -> PdfRenderer:
    return PdfRenderer(TEMPLATES, allowed=(TEMPLATES, ROOT / "fonts"), fonts_dir=ROOT / "fonts")


@pytest.fixture(scope="module")
def mixed_pdf(renderer, tmp_path_factory, page_pdf) -> Path:
    path = tmp_path_factory.mktemp("scripts") / "mixed.pdf"
    path.write_bytes(page_pdf(renderer, MIXED.format(extra=""), "mixed").pdf)
    return path


def embedded_fonts(path: Path) -> dict[str, bool]:
    """Base font name -> whether its file is embedded, for every font of every page."""
    found = {}
    with pikepdf.open(path) as pdf:
        for page in pdf.pages:
            for font in page.Resources.Font.values():
                descendants = font.get("/DescendantFonts")
                descriptor = (descendants[0] if descendants else font).FontDescriptor
                embedded = any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))
                found[str(font.BaseFont)] = embedded
    return found


def test_each_script_uses_its_own_family_regular_and_bold(mixed_pdf):
    names = {re.sub(r"^/[A-Z]{6}\+", "", name) for name in embedded_fonts(mixed_pdf)}
    assert names == {"Handouts-Latin", "Handouts-Latin-Bold", "Handouts-Arabic", "Handouts-Arabic-Bold",
                     "Handouts-Chinese", "Handouts-Chinese-Bold"}


def test_every_font_is_embedded_and_one_of_the_projects(mixed_pdf):
    found = embedded_fonts(mixed_pdf)
    assert found and all(found.values()), found
    assert all(re.fullmatch(r"/[A-Z]{6}\+Handouts-(Latin|Arabic|Chinese)(-Bold)?", n) for n in found), found


def test_the_text_of_every_script_reads_back(mixed_pdf):
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(mixed_pdf), "-"], capture_output=True,
                          text=True, check=True).stdout
    for words in ("Tiếng Việt: người được chăm sóc", "治疗后护理", "如果您呼吸困难", "اتصل بالعيادة"):
        assert words in text


def test_the_pdf_does_not_depend_on_the_fonts_the_machine_has(mixed_pdf, tmp_path):
    """The same page rendered where fontconfig knows no system font at all gives the same bytes."""
    config = tmp_path / "fonts.conf"
    cache = tmp_path / "cache"
    config.write_text(f'<?xml version="1.0"?><fontconfig><cachedir>{cache}</cachedir></fontconfig>')
    script = (
        "import sys; from pathlib import Path; from handouts.pdf import Part, PdfRenderer; "
        "import tests.test_scripts as t; "
        "r = PdfRenderer(t.TEMPLATES, allowed=(t.TEMPLATES, t.ROOT / 'fonts'), fonts_dir=t.ROOT / 'fonts'); "
        "sys.stdout.buffer.write(r.make_pdf([Part(t.MIXED.format(extra=''), 'mixed', '', max_pages=10_000)]).pdf)"
    )
    env = {**os.environ, "FONTCONFIG_FILE": str(config), "XDG_CACHE_HOME": str(cache)}
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, env=env, cwd=ROOT, check=True)
    assert run.stdout == mixed_pdf.read_bytes()


def test_a_font_in_the_folder_but_not_declared_does_not_pass_the_glyph_check(tmp_path, page_pdf):
    """WeasyPrint never uses an undeclared file, so the check must not count its characters."""
    templates, folder = tmp_path / "templates", tmp_path / "fonts"
    shutil.copytree(TEMPLATES / "css", templates / "css")
    folder.mkdir()
    for name in ("Lato-Regular.ttf", "Lato-Bold.ttf"):
        shutil.copy(ROOT / "fonts" / name, folder / name)
    shutil.copy(ROOT / "fonts" / "NotoSansArabic-Regular.ttf", folder / "Dropped-In.ttf")
    css = templates / "css" / "fonts.css"
    css.write_text(css.read_text().split("/* Arabic")[0])  # only Lato declared
    points = fonts.code_points(templates, folder)
    assert fonts.missing("<p>اتصل</p>", points) == ["ا", "ت", "ص", "ل"]
    renderer = PdfRenderer(templates, allowed=(templates, folder), fonts_dir=folder)
    with pytest.raises(HandoutsError, match=r"no glyph for .*'ا' \(U\+0627\)"):
        page_pdf(renderer, MIXED.format(extra=""), "redness (ar)")


def test_the_fonts_cover_the_characters_of_each_language():
    points = fonts.code_points(TEMPLATES)
    samples = {
        "vi": "Đừng gãi. Bôi kem dưỡng ẩm, tránh ánh nắng mặt trời. Ưu tiên",
        "es": "¿Cuánto dura? ¡Llame a la clínica! Señal, pequeño",
        "ht": "Rele klinik la si ou gen lafyèv. Pa grate po ou. Pwoteksyon solèy",
        "ar": "إذا كان لديك صعوبة في التنفس، اتصل بالرقم ٩١١ الآن؛ هل هذا طبيعي؟ « »",
        "zh": "治疗后的护理：如果出现发烧、发冷，请立即致电诊所！为什么？“保湿”（每天两次）",
    }
    for lang, text in samples.items():
        assert fonts.missing(text, points) == [], lang


# ---------------------------------------------------------------- right to left

ARABIC = {  # the messages these tests read on the page, as the Arabic catalog translates them
    "Call the clinic the same day at %(phone)s if:": "اتصل بالعيادة في اليوم نفسه على الرقم %(phone)s في هذه الحالات:",
    "What to do": "ما يجب فعله",
    "What to avoid": "ما يجب تجنبه",
    "Get help right away: call %(emergency)s now if you have:":
        "اطلب المساعدة فورًا: اتصل بالرقم %(emergency)s الآن في هذه الحالات:",
}
# A message of the redness sheet left untranslated: printed in English, as while a translator works.
FALLBACK = "Trouble breathing or swallowing."


def set_translations(po: Path, translations: dict[str, str]) -> None:
    """Translate some messages, the way a translator's tool saves them (Babel's writer)."""
    from babel.messages.pofile import read_po, write_po

    with po.open("rb") as handle:
        catalog = read_po(handle)
    for msgid, msgstr in translations.items():
        message = catalog[msgid]
        assert message is not None, f"{msgid!r} is not a message of {po} any more"
        message.string = msgstr
        message.flags.discard("fuzzy")
    with po.open("wb") as handle:
        write_po(handle, catalog, width=79)


def untranslate(po: Path, msgid: str) -> None:
    from babel.messages.pofile import read_po, write_po

    with po.open("rb") as handle:
        catalog = read_po(handle)
    assert catalog[msgid] is not None, f"{msgid!r} is not a message of {po} any more"
    catalog[msgid].string = ""
    with po.open("wb") as handle:
        write_po(handle, catalog, width=79)


@pytest.fixture(scope="module")
def arabic(tmp_path_factory) -> Path:
    """The redness sheet in Arabic (partly translated), built once through the command line."""
    from click.testing import CliRunner

    from handouts.cli import main

    project = copy_project(tmp_path_factory.mktemp("arabic"))
    po = project / "locales" / "ar" / "LC_MESSAGES" / "messages.po"
    runner = CliRunner()
    if not po.exists():
        result = runner.invoke(main, ["i18n", "init", "ar", "--project", str(project)], catch_exceptions=False)
        assert result.exit_code == 0, result.output
    set_translations(po, ARABIC)
    untranslate(po, FALLBACK)  # printed in English, as while a translator works
    out = project / "dist"
    result = runner.invoke(main, ["build", "--project", str(project), "--lang", "ar", "--no-large-print",
                                  "--out", str(out), "redness"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return out / "ar" / "redness.pdf"


def text_runs(path: Path) -> list[tuple[float, float, str]]:
    """(x, y, text) of every run of glyphs drawn on the first page, as the PDF places them."""
    import pypdf

    runs = []

    def visit(text, cm, tm, font, size):
        if text.strip():
            runs.append((tm[4], tm[5], text))

    pypdf.PdfReader(path).pages[0].extract_text(visitor_text=visit)
    return runs


def test_an_arabic_page_is_right_to_left_and_a_french_one_is_not():
    from handouts import render
    from handouts.catalogs import locale_for

    assert render.text_direction(locale_for("ar")) == "rtl"
    assert render.text_direction(locale_for("fr")) == "ltr"
    assert catalogs.html_language(locale_for("fr")) == "fr-CA"


def test_the_phone_number_reads_in_order_left_to_right_in_arabic(arabic):
    text = pdftotext(arabic)
    assert "514-555-0142" in text and "0142-555-514" not in text
    runs = text_runs(arabic)
    number = [r for r in runs if "0142" in r[2]]
    assert [r[2].strip() for r in number] == ["514-555-0142"], number  # one run, digits in order
    x, y, _ = number[0]
    # "Call the clinic the same day at <number> if:": the words before the number and after it
    before = [r for r in runs if "اتصل بالعيادة" in r[2] and r[2].strip().endswith("على الرقم")]
    after = [r for r in runs if "في هذه الحالات" in r[2] and abs(r[1] - y) < 1]
    assert before and after, runs
    # Right to left: the sentence starts on the right and the number comes after it: to its left
    # on the same line, or first (rightmost) on the next line; the rest of the sentence follows it,
    # to its left. (y grows down the page here.)
    bx, by, _ = before[0]
    assert (abs(by - y) < 1 and bx > x) or by < y - 1, (before, number)
    assert after[0][0] < x, (after, number)


def test_the_columns_mirror_in_arabic(arabic):
    runs = text_runs(arabic)
    do = next(r for r in runs if "ما يجب فعله" in r[2])
    avoid = next(r for r in runs if "ما يجب تجنبه" in r[2])
    assert do[0] > avoid[0] and abs(do[1] - avoid[1]) < 1  # "What to do" is the right-hand column


def test_english_fallback_in_an_arabic_page_keeps_its_full_stop_at_the_end(arabic):
    # pdftotext marks the direction of each run with U+202A..U+202C: not text
    # and each list item starts with its bullet, which is not the sentence either
    lines = [" ".join(re.sub("[\u202a-\u202e]", "", line).split()).strip("• ")
             for line in pdftotext(arabic).splitlines()]
    assert FALLBACK in lines
    assert not any(re.match(r"\.\w", line) for line in lines)  # not ".Trouble breathing or swallowing"


def test_numbers_and_addresses_are_isolated_in_the_html(tmp_path):
    """811, 911, the phone number and the web address are each a left-to-right run of their own,
    and English fallback text says it is English."""
    from handouts.options import BuildOptions
    from handouts.plan import prepare

    project = copy_project(tmp_path)
    from click.testing import CliRunner

    from handouts.cli import main

    po = project / "locales" / "ar" / "LC_MESSAGES" / "messages.po"
    if not po.exists():
        CliRunner().invoke(main, ["i18n", "init", "ar", "--project", str(project)], catch_exceptions=False)
    untranslate(po, FALLBACK)
    plan = prepare(BuildOptions(project, ("ar",), ("redness",), large_print=False))
    html = plan.tasks[0].parts[0].html
    assert '<html lang="ar" dir="rtl">' in html
    assert '<bdi dir="ltr">514-555-0142</bdi>' in html
    assert '<bdi dir="ltr" lang="fr"><b class="number">Info-Santé 811</b></bdi>' in html
    assert '<bdi dir="ltr"><b class="number">911</b></bdi>' in html
    assert '<bdi dir="ltr">peauneuve.example</bdi>' in html
    assert f'<span lang="en" dir="ltr">{FALLBACK}</span>' in html


def test_the_arrows_point_the_way_the_text_reads_in_arabic(arabic):
    """The key points' arrows and "continued on the back" point the way a reader goes:
    leftwards in Arabic, rightwards in French (U+2190 and U+2192 are not mirrored by bidi)."""
    from handouts.options import BuildOptions
    from handouts.plan import prepare

    text = pdftotext(arabic)
    assert text.count("\u2190") == 3 and "\u2192" not in text  # one arrow per key point
    plan = prepare(BuildOptions(ROOT, ("ar", "fr"), sheets=("redness",), large_print=True))
    notes = {task.edition.folder: re.search(r'<p class="continued-note">(.*?)</p>', task.parts[0].html, re.S)
             for task in plan.tasks}
    assert notes["ar-large"] and notes["ar-large"].group(1).endswith("\u2190"), notes
    assert notes["fr-large"] and notes["fr-large"].group(1).endswith("\u2192"), notes


def test_arabic_large_print_with_a_qr_code_puts_the_caption_under_the_titles(tmp_path):
    """As in French: the code on one side over two rows, the clinic's name on one line, and the
    caption ("scan the code or go to ...") under the titles, not squeezed in beside them."""
    from click.testing import CliRunner

    from handouts.cli import main

    project = copy_project(tmp_path / "project")
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["build", "--project", str(project), "--brand", "studio-rosemont", "--lang", "ar",
                                       "--large-print", "--out", str(out), "redness"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    runs = text_runs(out / "ar-large" / "redness.pdf")
    name = [r for r in runs if "Studio Derma" in r[2] and r[1] < 300]  # in the masthead, not the footer
    assert [r[2].strip() for r in name] == ["Studio Derma Rosemont"], name  # one line
    address = next(r for r in runs if "dermarosemont" in r[2])
    hours = [r for r in runs if "10:00" in r[2]]  # the opening hours, under the titles
    assert hours and all(address[1] > r[1] for r in hours), (address, hours)  # y grows down the page
