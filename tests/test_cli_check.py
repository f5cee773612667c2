"""Translator checks for every script: sentence endings in Chinese and Arabic, a message left in
English, a web address without http://, and the shipped catalogs pass them."""

from __future__ import annotations

from pathlib import Path

import pytest

from handouts import translation_rules
from handouts.po import read_po
from handouts.po_syntax import Entry

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(("english", "translation", "lang"), [
    ("Call the clinic at %(phone)s if:", "如果出现以下情况，请致电诊所 %(phone)s：", "zh_Hans"),
    ("Fever or chills.", "发烧或发冷。", "zh_Hans"),
    ("Is this normal?", "这正常吗？", "zh_Hans"),
    ("Call now!", "立即致电！", "zh_Hans"),
    ("Is this normal?", "هل هذا طبيعي؟", "ar"),
    ("Wash; then dry;", "اغسل؛ ثم جفف؛", "ar"),
    ("Fever or chills.", "حمى أو قشعريرة.", "ar"),
    ("Call the clinic at %(phone)s if:", "اتصل بالعيادة على الرقم %(phone)s إذا:", "ar"),
])
def test_sentence_endings_of_every_script_are_understood(english, translation, lang):
    assert translation_rules.check_ending(english, translation, lang) == []


def test_a_missing_ending_is_still_reported_in_chinese():
    found = translation_rules.check_ending("Fever or chills.", "发烧或发冷", "zh_Hans")
    assert found and "period" in found[0][1]


def test_a_message_left_in_english_is_reported_with_its_line():
    entry = Entry(msgid="Fever or chills.", msgstrs={0: "Fever or chills."}, line=42)
    findings = translation_rules.check_entry(entry, "es", Path("es.po"))
    assert [(f.line, f.severity) for f in findings if "same as the English" in f.message] == [(42, "warning")]


def test_what_legitimately_stays_the_same_is_allowed():
    for text in ("Info-Santé 811", "%(day)s, %(opens)s"):
        assert translation_rules.check_identical(text, text, "es") == []


def test_a_fuzzy_message_identical_to_the_english_is_not_reported():
    entry = Entry(msgid="Fever or chills.", msgstrs={0: "Fever or chills."}, flags={"fuzzy"}, line=3)
    assert translation_rules.check_entry(entry, "es") == []


@pytest.mark.parametrize("address", ["sante.gouv.qc.ca/acne", "example.com", "www.example.com"])
def test_a_web_address_is_refused_even_without_http(address):
    entry = Entry(msgid="Ask the clinic.", msgstrs={0: f"Pregunte en la clínica o vea {address}"}, line=7)
    assert any(f.is_error and address in f.message for f in translation_rules.check_entry(entry, "es", Path("es.po")))


def test_abbreviations_and_decimals_are_not_web_addresses():
    assert translation_rules.check_bare_domain("Use SPF 30.", "Utilisez un FPS 30, p. ex. 1.5 ml.", "fr") == []


@pytest.mark.parametrize("lang", ["es", "ar", "zh_Hans", "ht"])
def test_the_shipped_catalogs_pass_every_check(lang):
    catalog = read_po(ROOT / "locales" / lang / "LC_MESSAGES" / "messages.po", lang)
    assert all(entry.translated for entry in catalog.entries)
    findings = translation_rules.check_catalog(catalog)
    assert [str(f) for f in findings] == []


# ---------------------------------------------------------------- quiet merges, honest counts


def _copy(target: Path) -> Path:
    import shutil

    for part in ("handouts.yaml", "content", "locales", "templates", "brands"):
        source = ROOT / part
        (shutil.copytree if source.is_dir() else shutil.copy2)(source, target / part)
    return target


def _i18n(project: Path, *args: str):
    from click.testing import CliRunner

    from handouts.cli import main

    return CliRunner().invoke(main, ["i18n", args[0], "--project", str(project), *args[1:]],
                              catch_exceptions=False)


def rewrap_comments(po: Path, width: int) -> None:
    """Re-wrap every '#.' comment the way another tool (Poedit, polib) would: same words, other lines."""
    import textwrap

    out, block = [], []
    for line in po.read_text(encoding="utf-8").split("\n") + [""]:
        if line.startswith("#. "):
            block.append(line[3:])
            continue
        if block:
            out += ["#. " + part for part in textwrap.wrap(" ".join(block), width)]
            block = []
        out.append(line)
    po.write_text("\n".join(out[:-1]), encoding="utf-8")


def test_update_leaves_a_rewrapped_catalog_alone_and_counts_fuzzy_apart_from_new(tmp_path):
    project = _copy(tmp_path)
    po = project / "locales" / "es" / "LC_MESSAGES" / "messages.po"
    rewrap_comments(po, 50)
    rewrapped = po.read_bytes()
    assert rewrapped != (ROOT / "locales" / "es" / "LC_MESSAGES" / "messages.po").read_bytes()
    result = _i18n(project, "update")
    assert "locales/es/LC_MESSAGES/messages.po: no message changed; left as it was." in result.output
    assert po.read_bytes() == rewrapped

    sheet = project / "content" / "redness.yaml"
    sheet.write_text(sheet.read_text(encoding="utf-8").replace(
        '"Redness after microneedling"', '"Redness after your microneedling"'), encoding="utf-8")
    assert _i18n(project, "extract").exit_code == 0
    result = _i18n(project, "update")
    assert "messages.po: 0 new, 1 fuzzy with the previous English kept" in result.output


def test_status_shows_one_language_and_one_sheet_and_check_counts_per_language(tmp_path):
    project = _copy(tmp_path)
    po = project / "locales" / "es" / "LC_MESSAGES" / "messages.po"
    text = po.read_text(encoding="utf-8")
    for english in ("Redness after microneedling", "Dry skin after microneedling"):
        start = text.index(f'msgid "{english}"\nmsgstr "')
        end = text.index("\n", start + len(english) + 16)
        text = text[:start] + f'msgid "{english}"\nmsgstr ""' + text[end:]
    po.write_text(text, encoding="utf-8")
    result = _i18n(project, "status", "--lang", "es", "--sheet", "redness")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("es: ") and "\nfr: " not in result.output
    assert "Redness after microneedling" in result.output and "Dry skin" not in result.output

    from click.testing import CliRunner

    from handouts.cli import main

    checked = CliRunner().invoke(main, ["check", "--project", str(project)], catch_exceptions=False)
    assert "es: 0 fuzzy, 2 untranslated" in checked.output and "ar: 0 fuzzy, 0 untranslated" in checked.output
