"""Broken and hostile input, one fixture per case: what the user sees is a message and its file:line."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

from handouts import po
from handouts.brand import load_brand
from handouts.config import load_project
from handouts.content import load_sheet, parse_sheet
from handouts.errors import EXIT_INPUT, HandoutsError
from handouts.po import parse_po, read_po

from .conftest import render_sheet

FIXTURES = Path(__file__).resolve().parent / "fixtures"
CATALOGS = FIXTURES / "catalogs"
CONTENT = FIXTURES / "content"
BRAND = FIXTURES / "brand"


def problems(load, *args) -> list[str]:
    """What the user sees: one 'path:line: message' per problem, with the folder left out."""
    with pytest.raises(HandoutsError) as caught:
        load(*args)
    assert caught.value.exit_code == EXIT_INPUT
    return [str(p).replace(str(args[0].parent) + "/", "") if isinstance(args[0], Path) else str(p)
            for p in caught.value.problems]


def catalog_problems(name: str) -> list[str]:
    return problems(read_po, CATALOGS / name, "fr")


def content_problems(name: str) -> list[str]:
    return problems(load_sheet, CONTENT / name)


# --- Catalogs ----------------------------------------------------------------------------


def test_catalog_with_a_byte_order_mark_keeps_its_header_apart():
    catalog = read_po(CATALOGS / "bom.po", "fr")
    assert catalog.get("Hello").msgstr == "Bonjour"
    assert catalog.header["Language"] == "fr"
    assert [e.msgid for e in catalog.entries] == ["Hello"]  # the header is not taken as a message


def test_catalog_in_windows_1252_is_refused_with_its_line():
    assert catalog_problems("windows-1252.po") == [
        "windows-1252.po:9: is not saved as UTF-8 (byte 0xc9 cannot be read); save the file again with the "
        "encoding UTF-8."
    ]


def test_catalog_with_utf8_under_a_latin1_header_is_refused():
    assert catalog_problems("utf8-under-latin1.po") == [
        "utf8-under-latin1.po:2: the header's charset is 'iso-8859-1'; it must be UTF-8 "
        '("Content-Type: text/plain; charset=UTF-8\\n"), and the file saved as UTF-8.'
    ]


def test_catalog_with_charset_placeholder_is_refused():
    assert catalog_problems("charset-placeholder.po") == [
        "charset-placeholder.po:2: the header's charset is 'charset'; it must be UTF-8 "
        '("Content-Type: text/plain; charset=UTF-8\\n"), and the file saved as UTF-8.'
    ]


def test_catalog_unterminated_string_is_refused_not_truncated():
    assert catalog_problems("unterminated.po") == [
        'unterminated.po:9: a string is not closed: the line must end with a double quote (").'
    ]


def test_catalog_invalid_escape_is_refused():
    assert catalog_problems("invalid-escape.po") == [
        "invalid-escape.po:9: invalid escape '\\j' in a string; write '\\\\' for a backslash, '\\\"' for a "
        "quote, '\\n' for a new line."
    ]


def test_catalog_duplicate_msgid_names_both_lines():
    assert catalog_problems("duplicate.po") == [
        "duplicate.po:11: the message 'Hello' is already translated at line 8; keep only one of the two."
    ]


def test_catalog_misspelled_keyword_uses_a_one_based_line():
    found = catalog_problems("misspelled-keyword.po")
    assert found[0] == (
        "misspelled-keyword.po:9: 'msgtsr' is not a .po keyword; expected msgid, msgstr, msgctxt or "
        "msgid_plural (or a line starting with # or \")."
    )


def test_catalog_msgid_without_msgstr_uses_a_one_based_line():
    assert catalog_problems("no-msgstr.po") == [
        "no-msgstr.po:8: the message 'Hello' has no 'msgstr' line; add msgstr \"\" (empty until it is translated)."
    ]


def test_catalog_plural_forms_outside_nplurals_is_refused():
    # nplurals=3 where CLDR says 2 is the translator's call (GNU gettext's rule); an expression
    # that yields a form beyond nplurals is not.
    assert catalog_problems("wrong-plural.po") == [
        "wrong-plural.po:2: the header's Plural-Forms is 'nplurals=2; plural=(n%10==1 ? 0 : 2);' "
        "(the plural expression gives form 2 for n=0, but nplurals=2); write it as GNU gettext does, "
        'for example "Plural-Forms: nplurals=2; plural=(n != 1);\\n" (Poedit fills it in for the '
        "catalog's language: Catalog > Properties)."
    ]


def test_catalog_missing_plural_forms_is_refused():
    assert catalog_problems("missing-plural.po") == [
        "missing-plural.po:2: the header's Plural-Forms is 'missing' (expected 'nplurals=N; "
        "plural=EXPRESSION;'); write it as GNU gettext does, for example "
        '"Plural-Forms: nplurals=2; plural=(n != 1);\\n" (Poedit fills it in for the '
        "catalog's language: Catalog > Properties)."
    ]


def test_catalog_language_not_matching_its_folder_is_refused():
    assert catalog_problems("wrong-language.po") == [
        "wrong-language.po:2: the header says Language: 'de', but the file is in the folder for 'fr'; "
        'set "Language: fr\\n".'
    ]


def test_catalog_entry_without_msgid_is_not_taken_as_the_header():
    # Found by hypothesis: a lone msgstr became an entry with msgid "" (the header), reported at line 0.
    found = problems(parse_po, b'#~ msgstr "x"\n', Path("fr.po"), "fr")
    assert all(not p.startswith("fr.po:0:") for p in found), found
    assert found[:2] == ["fr.po:1: 'msgstr' without a 'msgid' before it.", "fr.po:1: an entry without a 'msgid'."]


def test_catalog_of_megabytes_is_refused_at_once():
    data = po.MAX_PO_BYTES * b"#" + b"\n"
    start = time.monotonic()
    found = problems(parse_po, data, Path("fr.po"), "fr")
    assert time.monotonic() - start < 0.5
    assert found == ["fr.po:1: is 2000 kB; a catalog must be under 2000 kB. Is this the right file?"]


# Formatting: a translation goes through '%' with the template's variables.

def render_with(translation: str) -> str:
    return render_sheet({"What to do": translation})


@pytest.mark.parametrize("translation", ["Quoi faire à 100 %", "Quoi %s faire", "Quoi %d faire", "Quoi %(x)s"])
def test_a_stray_percent_in_a_translation_is_refused_with_its_line(translation):
    # '%s' used to be eaten: formatted with the variables dict, the sheet printed 'Quoi {} faire'.
    with pytest.raises(HandoutsError) as caught:
        render_with(translation)
    message = str(caught.value)
    assert message.startswith("fr.po:7: the translation of 'What to do' "), message
    assert message.endswith("copy each %(name)s exactly and write a percent sign as %%."), message


def test_braces_and_a_double_percent_are_printed_as_typed():
    # (the French typography pass puts no-break spaces before the number and the %)
    assert "<h2>Quoi {} faire {0} à\u00a0100\u00a0%</h2>" in render_with("Quoi {} faire {0} à 100 %%")


# --- Content -----------------------------------------------------------------------------


def test_the_valid_content_fixture_loads():
    assert load_sheet(CONTENT / "valid.yaml").title.text == "Redness after microneedling"


@pytest.mark.parametrize(
    ("name", "seen"),
    [
        ("tab.yaml", "tab.yaml:10: this line is indented with a tab; YAML needs spaces here."),
        ("unclosed-quote.yaml", "unclosed-quote.yaml:2: YAML syntax error: a double quote is opened on this line "
                                'and never closed; end the text with a " on the same line.'),
        ("colon-in-value.yaml", "colon-in-value.yaml:2: YAML syntax error: a ': ' (colon and space) inside a "
                                "value; put the whole text in double quotes."),
        ("duplicate-key.yaml", "duplicate-key.yaml:7: 'title' appears twice (first at line 1); keep one of them."),
        ("unknown-key.yaml", "unknown-key.yaml:11: unknown field 'what_to_avoyd'. Did you mean 'what_to_avoid'? "
                             "Known fields: title, summary, review, what_is_happening, what_to_do, what_to_avoid, "
                             "call_the_clinic, get_urgent_help, key_points, how_long, timeline."),
        ("empty-list.yaml", "empty-list.yaml:7: 'how_long' is an empty list; add at least one item."),
        ("windows-1252.yaml", "windows-1252.yaml:12: is not saved as UTF-8 (byte 0xc9 cannot be read); save the "
                              "file again with the encoding UTF-8."),
        ("nul-byte.yaml", "nul-byte.yaml:16: contains a NUL byte, so it is not a text file; save it again as "
                          "plain UTF-8 text."),
        ("hash-in-value.yaml", "hash-in-value.yaml:16: YAML reads '#1 sign, or chills.' as a comment and drops it "
                               'from the value; if it belongs to the value, put the whole value in double quotes '
                               '("...").'),
        ("control-character.yaml", "control-character.yaml:12: this line contains an invisible control character "
                                   "(U+001B); delete it."),
        ("alias.yaml", "alias.yaml:16: YAML anchors and aliases (&name, *name) are not allowed; write each text "
                       "out in full."),
    ],
)
def test_content_mistakes_name_their_line(name, seen):
    found = content_problems(name)
    assert seen in found, found


def test_content_values_yaml_would_convert_stay_text_as_typed():
    sheet = load_sheet(CONTENT / "typed-values.yaml")
    assert sheet.summary.text == "no"
    assert sheet.sections["how_long"][0].text == "1:30"
    assert sheet.sections["what_to_avoid"][0].text == "01234"


def test_content_nested_too_deep_is_refused_not_a_crash():
    # Found by hypothesis-style probing: a RecursionError traceback before.
    for data in (b"title: " + b"[" * 3000 + b"]" * 3000, b"x: &a [*a]\n"):
        found = problems(parse_sheet, data, Path("sheet.yaml"))
        assert found and found[0].startswith("sheet.yaml:1: "), found


def test_content_of_megabytes_is_refused_at_once():
    start = time.monotonic()
    found = problems(parse_sheet, b'title: "' + b"x" * 5_000_000 + b'"\n', Path("sheet.yaml"))
    assert time.monotonic() - start < 0.5
    assert found == ["sheet.yaml:1: is 5000 kB; a YAML file here must be under 1000 kB."]


# --- Brand -------------------------------------------------------------------------------


def brand_problems(project: Path, old: str, new: str) -> list[str]:
    path = project / "brands" / "clinique-demo" / "brand.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")
    with pytest.raises(HandoutsError) as caught:
        load_brand(load_project(project))
    assert caught.value.exit_code == EXIT_INPUT
    return [str(p).replace(str(path), "brand.yaml") for p in caught.value.problems]


def test_brand_loads_as_shipped(project):
    assert load_brand(load_project(project)).primary == "#1f5f5b"


def test_brand_missing_logo_is_refused(project):
    (project / "brands" / "clinique-demo" / "logo.svg").unlink()
    folder = project.resolve() / "brands" / "clinique-demo"
    assert brand_problems(project, "name:", "name:") == [
        f"brand.yaml:5: the logo file 'logo.svg' does not exist in {folder}."
    ]


def test_brand_corrupt_png_logo_is_refused(project):
    shutil.copy(BRAND / "corrupt.png", project / "brands" / "clinique-demo" / "logo.png")
    found = brand_problems(project, '"logo.svg"', '"logo.png"')
    assert len(found) == 1 and found[0].startswith("brand.yaml:5: the logo 'logo.png' is not a readable PNG image (")
    assert found[0].endswith("); export it again.")


def test_brand_decompression_bomb_logo_is_refused_without_decoding(project):
    shutil.copy(BRAND / "bomb.png", project / "brands" / "clinique-demo" / "logo.png")
    start = time.monotonic()
    found = brand_problems(project, '"logo.svg"', '"logo.png"')
    assert time.monotonic() - start < 1
    assert found == ["brand.yaml:5: the logo 'logo.png' is 30000x30000 pixels; use an image under 4000x4000 pixels."]


@pytest.mark.parametrize("name", ["../../etc/passwd.png", "/etc/passwd.png", "link.png"])
def test_brand_logo_outside_the_brand_folder_is_refused(project, tmp_path, name):
    folder = project / "brands" / "clinique-demo"
    outside = tmp_path / "secret.png"
    shutil.copy(BRAND / "corrupt.png", outside)
    (folder / "link.png").symlink_to(outside)
    found = brand_problems(project, '"logo.svg"', f'"{name}"')
    assert found == [
        f"brand.yaml:5: the logo {name!r} is outside the brand folder {folder.resolve()}; put it there."
    ]


@pytest.mark.parametrize(
    ("value", "seen"),
    [
        ('"red;background:url(http://x)"',
         "brand.yaml:7: colours.primary is 'red;background:url(http://x)'; write a colour as \"#RRGGBB\" in "
         'double quotes (for example "#1f5f5b").'),
        # A real colour first, then CSS: the value lands in the sheet's <style>, where autoescape
        # does not reach.
        ('"#1f5f5b; } body { color: #ffffff"',
         "brand.yaml:7: colours.primary is '#1f5f5b; } body { color: #ffffff'; write a colour as \"#RRGGBB\" in "
         'double quotes (for example "#1f5f5b").'),
        ('"#1f5f5bff"',
         "brand.yaml:7: colours.primary is '#1f5f5bff'; write a colour as \"#RRGGBB\" in "
         'double quotes (for example "#1f5f5b").'),
        ("#1f5f5b",  # unquoted: YAML reads it as a comment
         "brand.yaml:7: YAML reads '#1f5f5b' as a comment and drops it from the value; if it belongs to the "
         'value, put the whole value in double quotes ("...").'),
        ('"#ffe0e0"',
         "brand.yaml:7: colours.primary #ffe0e0 is too light to read on white paper (contrast 1.2:1, at least "
         "4.5:1 is needed); choose a darker colour."),
    ],
)
def test_brand_colour_that_is_not_a_dark_colour_is_refused(project, value, seen):
    found = brand_problems(project, 'primary: "#1f5f5b"', f"primary: {value}")
    assert seen in found, found
