"""Checks on translated messages: each one with a catalog that trips it and one that does not."""

from __future__ import annotations

from pathlib import Path

import pytest

from handouts import catalogs, translation_rules
from handouts import findings as findings_module
from handouts import po as po_module
from handouts.findings import ERROR, WARNING

from .conftest import HEADER, ROOT


def po(*entries: tuple[str, str], extra: str = "") -> po_module.Catalog:
    """A French catalog with one entry per (msgid, msgstr); the first msgid is on line 8."""
    body = HEADER.rstrip("\n") + "\n"  # (no blank line: each entry starts with one)
    body += "".join(f'\n#. Sheet \'redness\': item.\nmsgid "{i}"\nmsgstr "{s}"\n' for i, s in entries)
    return po_module.parse_po((body + extra).encode(), Path("fr.po"), "fr")


def findings(english: str, french: str) -> list[findings_module.Finding]:
    return translation_rules.check_catalog(po((english, french)))


def severities(english: str, french: str) -> list[str]:
    return [f.severity for f in findings(english, french)]


@pytest.mark.parametrize(
    ("english", "french"),
    [
        ("Call the clinic at %(phone)s if:", "Appelez la clinique si :"),  # placeholder lost
        ("Call %(phone)s.", "Appelez %(telephone)s."),  # placeholder renamed
        ("Call {clinic_phone}.", "Appelez {clinic_phone} ou {phone}."),  # placeholder added
        ("Wash.", "Lavez %s."),  # a bare printf conversion would eat the text
        ("Call 911 now.", "Appelez le 991 maintenant."),  # number changed
        ("Call 514 555-0142.", "Appelez le 514 555-0124."),  # phone digits swapped
        ("Wear SPF 30 or more.", "Portez un FPS 15 ou plus."),  # SPF value changed
        ("Wear SPF 30 or more.", "Portez une crème 30 ou plus."),  # the unit vanished
        ("Do not scratch.", "Ne <b>grattez</b> pas."),  # HTML tag
        ("Do not scratch.", "Ne grattez pas. Voir https://example.com."),  # URL
        ("Do not scratch.", "Ne grattez pas, voir www.example.com."),  # URL
    ],
)
def test_errors_are_reported_at_the_msgid_line(english: str, french: str) -> None:
    found = findings(english, french)
    assert found and all(f.severity == ERROR for f in found), found
    error = found[0]
    assert error.path == Path("fr.po") and error.line == 8
    assert str(error).startswith("fr.po:8: ")


@pytest.mark.parametrize(
    ("english", "french"),
    [
        ("Call the clinic at %(phone)s if:", "Appelez la clinique au %(phone)s si :"),
        ("Call {clinic_phone}.", "Appelez le {clinic_phone}."),
        ("Call 911 now.", "Appelez le 911 maintenant."),
        ("Call 514 555-0142.", "Appelez le 514 555-0142."),
        ("Wear SPF 30 or more.", "Portez un FPS 30 ou plus."),
        ("Wear SPF 30 or more.", "Portez un SPF\u00a030 ou plus."),
        ("Use 1,000 mL.", "Utilisez 1 000 mL."),
        ("Half of people (50%) do.", "La moitié des gens (50 %) le font."),
        ("Half of people (50%%) do.", "La moitié des gens (50 %%) le font."),
        ("See <b>this</b>.", "Voir <b>ceci</b>."),
        ("See https://example.com.", "Voir https://example.com."),
        ("Redness lasts 2 days!", "Les rougeurs durent 2 jours\u202f!"),
        ("Is it normal?", "Est-ce normal ?"),
        ("You have:", "Vous avez\u00a0:"),
        ("Wait...", "Attendez…"),
        ('Say \\"no.\\"', "Dites « non. »"),
    ],
)
def test_good_translations_pass(english: str, french: str) -> None:
    assert findings(english, french) == []


@pytest.mark.parametrize(
    ("english", "french"),
    [
        ("Wash gently.", " Lavez doucement."),
        ("Wash gently.", "Lavez doucement. "),
        ("Wash gently.", "Lavez  doucement."),
        ("Wash gently.", "Lavez doucement"),
        ("Call the clinic if:", "Appelez la clinique si."),
        ("Is it normal?", "C'est normal."),
    ],
)
def test_typography_is_a_warning(english: str, french: str) -> None:
    assert severities(english, french) == [WARNING]


def test_untranslated_and_fuzzy_messages_are_not_checked() -> None:
    catalog = po(("Call 911.", ""), extra='\n#, fuzzy\nmsgid "Call 811."\nmsgstr "Appelez le 999."\n')
    assert translation_rules.check_catalog(catalog) == []


def test_obsolete_messages_are_a_warning_not_an_error() -> None:
    catalog = po(("Wash.", "Lavez."), extra='\n#~ msgid "Old text."\n#~ msgstr "Vieux texte."\n')
    (found,) = translation_rules.check_catalog(catalog)
    assert found.severity == WARNING and "obsolete" in found.message and found.line == 11
    assert translation_rules.check_catalog(po(("Wash.", "Lavez."))) == []


def test_a_catalog_behind_its_template_is_a_warning() -> None:
    template = po_module.parse_po(
        b'msgid ""\nmsgstr "Content-Type: text/plain; charset=UTF-8\\n"\n\nmsgid "Wash."\nmsgstr ""\n\n'
        b'msgid "New."\nmsgstr ""\n',
        Path("messages.pot"),
    )
    (found,) = translation_rules.check_catalog(po(("Wash.", "Lavez.")), template)
    assert found.severity == WARNING and "handouts i18n update" in found.message


def test_the_real_french_catalog_has_no_error() -> None:
    locales = ROOT / "locales"
    template = po_module.read_po(catalogs.template_path(locales))
    catalog = po_module.read_po(catalogs.catalog_path(locales, "fr"), "fr")
    errors = [str(f) for f in translation_rules.check_catalog(catalog, template) if f.is_error]
    assert errors == []


def test_ending_classes() -> None:
    assert translation_rules.ending("Stop.") == "."
    assert translation_rules.ending("Quoi ?") == "?"
    assert translation_rules.ending("Ceci\u00a0:") == ":"
    assert translation_rules.ending("(see below).)") == "."
    assert translation_rules.ending("Wait...") == translation_rules.ending("Attendez…") == "…"
    assert translation_rules.ending("No ending") == ""
