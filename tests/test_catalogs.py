"""Catalogs: the real French catalog is complete, and broken .po files are refused with their line."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from babel.messages.pofile import read_po as babel_read_po

from handouts.catalogs import Translator, catalog_path, completeness, languages, parse_po, read_po, template_path
from handouts.errors import HandoutsError

ROOT = Path(__file__).resolve().parent.parent
LOCALES = ROOT / "locales"

HEADER = (
    'msgid ""\n'
    'msgstr ""\n'
    '"Language: fr\\n"\n'
    '"Plural-Forms: nplurals=2; plural=(n > 1);\\n"\n'
    '"Content-Type: text/plain; charset=UTF-8\\n"\n'
    "\n"
)


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
    assert languages(LOCALES) == ["en", "fr"]


def test_unterminated_string_is_refused_not_truncated():
    problems = problems_of(po('msgid "Hello"\nmsgstr "Bonjour\n'))
    assert problems == ['fr.po:8: a string is not closed: the line must end with a double quote (").']


def test_invalid_escape_is_refused():
    assert problems_of(po('msgid "Hello"\nmsgstr "Bon\\jour"\n'))[0].startswith("fr.po:8: invalid escape '\\j'")


def test_duplicate_msgid_names_both_lines():
    problems = problems_of(po('msgid "Hello"\nmsgstr "Bonjour"\n\nmsgid "Hello"\nmsgstr "Salut"\n'))
    assert problems == [
        "fr.po:10: the message 'Hello' is already translated at line 7; keep only one of the two."
    ]


def test_misspelled_keyword_and_missing_msgstr_use_one_based_lines():
    assert problems_of(po('msgid "Hello"\nmsgtsr "Bonjour"\n'))[0].startswith("fr.po:8: 'msgtsr' is not a .po keyword")
    assert problems_of(po('msgid "Hello"\n\nmsgid "Bye"\nmsgstr "Salut"\n'))[0].startswith(
        "fr.po:7: the message 'Hello' has no 'msgstr' line"
    )


def test_header_problems_are_reported():
    wrong_language = HEADER.replace("Language: fr", "Language: de")
    assert "Language: 'de'" in problems_of(po("", wrong_language))[0]
    no_plural = HEADER.replace('"Plural-Forms: nplurals=2; plural=(n > 1);\\n"\n', "")
    assert "Plural-Forms is 'missing'" in problems_of(po("", no_plural))[0]
    latin1 = HEADER.replace("charset=UTF-8", "charset=ISO-8859-1")
    assert "charset is 'iso-8859-1'" in problems_of(po("", latin1))[0]
    placeholder = HEADER.replace("charset=UTF-8", "charset=CHARSET")
    assert "charset is 'charset'" in problems_of(po("", placeholder))[0]


def test_windows_1252_text_is_refused_with_its_line():
    data = po('msgid "Hello"\nmsgstr "Bonjour"\n').replace(b"Bonjour", "Été".encode("cp1252"))
    assert problems_of(data)[0].startswith("fr.po:8: is not saved as UTF-8")


def test_bom_and_crlf_from_windows_editors_are_read_correctly():
    data = b"\xef\xbb\xbf" + po('msgid "Hello"\nmsgstr "Bonjour"\n').replace(b"\n", b"\r\n")
    catalog = parse_po(data, Path("fr.po"), "fr")
    assert catalog.get("Hello").msgstr == "Bonjour"
    assert catalog.header["Language"] == "fr"


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
