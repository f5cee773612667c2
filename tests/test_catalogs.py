"""Catalogs: the real French catalog is complete, and broken .po files are refused with their line."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from babel.messages.pofile import read_po as babel_read_po

from handouts.catalogs import Translator, catalog_path, completeness, languages, template_path
from handouts.errors import HandoutsError
from handouts.po import parse_po, read_po

from .conftest import HEADER, ROOT

LOCALES = ROOT / "locales"



def po(body: str, header: str = HEADER) -> bytes:
    return (header + body).encode("utf-8")


def problems_of(data: bytes) -> list[str]:
    with pytest.raises(HandoutsError) as caught:
        parse_po(data, Path("fr.po"), "fr")
    return [str(p) for p in caught.value.problems]


def test_french_catalog_translates_every_message_of_the_template():
    catalog = read_po(catalog_path(LOCALES, "fr"), "fr")
    template = read_po(template_path(LOCALES))
    translated, fuzzy, total = completeness(catalog, template)
    untranslated = [e.msgid for e in template.entries if not (catalog.get(e.msgid, e.msgctxt) or e).translated]
    assert (translated, fuzzy) == (total, 0), untranslated
    assert total >= 80


def test_our_reader_agrees_with_babel_on_the_real_catalog():
    ours = read_po(catalog_path(LOCALES, "fr"), "fr")
    with open(catalog_path(LOCALES, "fr"), "rb") as handle:
        theirs = babel_read_po(handle)
    assert {(e.msgctxt, e.msgid): e.msgstr for e in ours.entries} == {
        (m.context, m.id): m.string for m in theirs if m.id
    }


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="GNU gettext's msgfmt is not installed")
def test_gnu_msgfmt_check_accepts_the_french_catalog(tmp_path):
    result = subprocess.run(
        ["msgfmt", "--check", "-o", str(tmp_path / "fr.mo"), str(catalog_path(LOCALES, "fr"))],
        capture_output=True, text=True,
    )
    assert result.returncode == 0 and result.stderr == "", result.stderr


def test_languages_are_english_and_every_catalog():
    assert languages(LOCALES) == ["ar", "en", "es", "fr", "ht", "zh_Hans"]


def test_fuzzy_and_missing_fall_through_to_english_and_are_counted():
    catalog = parse_po(
        po('#, fuzzy\nmsgid "Hello"\nmsgstr "Bonjour"\n\nmsgid "Bye"\nmsgstr ""\n\nmsgid "Yes"\nmsgstr "Oui"\n'),
        Path("fr.po"),
        "fr",
    )
    translator = Translator("fr", catalog)
    assert [translator.gettext(m) for m in ("Hello", "Bye", "Yes", "Unknown")] == ["Hello", "Bye", "Oui", "Unknown"]
    gap = translator.gap_problem()
    assert str(gap).startswith("fr.po: 2 messages not translated and 1 fuzzy")


def test_multiline_strings_and_context_are_joined():
    catalog = parse_po(
        po('msgctxt "title"\nmsgid ""\n"Dry "\n"skin"\nmsgstr ""\n"Peau "\n"s\\u00e8che"\n'.replace("\\u00e8", "è")),
        Path("fr.po"),
        "fr",
    )
    assert catalog.get("Dry skin", "title").msgstr == "Peau sèche"


# Plural forms: the catalog's own header is the authority, as in GNU gettext.

def plural_header(forms: str) -> str:
    return HEADER.replace("nplurals=2; plural=(n > 1);", forms)


def test_a_header_with_more_forms_than_cldr_counts_is_accepted():
    # Babel 2.19's CLDR data gives French 3 forms, earlier releases 2: neither may refuse a catalog.
    three = plural_header("nplurals=3; plural=(n == 0 || n == 1) ? 0 : n != 0 && n % 1000000 == 0 ? 1 : 2;")
    body = ('msgid "One day"\nmsgid_plural "%(num)s days"\n'
            'msgstr[0] "Un jour"\nmsgstr[1] "%(num)s de jours"\nmsgstr[2] "%(num)s jours"\n')
    catalog = parse_po(po(body, three), Path("fr.po"), "fr")
    assert catalog.get("One day").msgstrs == {0: "Un jour", 1: "%(num)s de jours", 2: "%(num)s jours"}


def test_a_plural_expression_that_cannot_be_read_is_refused_on_the_header_line():
    found = problems_of(po('msgid "Hi"\nmsgstr "Salut"\n', plural_header("nplurals=2; plural=(n > ;")))
    assert len(found) == 1 and found[0].startswith("fr.po:1: the header's Plural-Forms is 'nplurals=2; plural=(n > ;'")
    assert "cannot be read" in found[0]


def test_a_plural_form_on_a_message_without_plural_is_refused():
    # msgstr[1] alone would leave msgstr (form 0) empty: a blank line on the sheet.
    found = problems_of(po('msgid "Fever"\nmsgstr[1] "Fièvre"\n'))
    assert found == ["fr.po:7: the message 'Fever' has no plural (no msgid_plural), so it takes one plain "
                     "'msgstr', not msgstr[0], msgstr[1], ..."]


@pytest.mark.parametrize("forms", ['msgstr[0] "a"\n', 'msgstr[0] "a"\nmsgstr[1] "b"\nmsgstr[50] "c"\n'])
def test_a_plural_message_needs_exactly_the_forms_the_header_announces(forms):
    found = problems_of(po(f'msgid "day"\nmsgid_plural "days"\n{forms}'))
    assert len(found) == 1 and found[0].startswith("fr.po:7: the message 'day' needs exactly 2 plural forms")


def test_the_standard_librarys_plural_evaluator_is_still_there():
    # parse_plural_forms relies on gettext.c2py, undocumented: if a Python release moves it,
    # this test names the one place to change.
    import gettext

    assert callable(getattr(gettext, "c2py", None)), "gettext.c2py moved: update catalogs.parse_plural_forms"
    assert gettext.c2py("(n > 1)")(2) == 1
