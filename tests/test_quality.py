"""Content quality (handouts/quality.py): reading level, missing parts, thresholds without a number,
one sign per level, the glossary; shared rules written once; 'handouts check' reports them."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner

from handouts import glossary as glossary_module
from handouts import quality, readability
from handouts.catalogs import load_catalog, template_path
from handouts.cli import main
from handouts.content import load_shared, load_sheets, parse_sheet
from handouts.errors import HandoutsError
from handouts.po import parse_po, read_po

from .conftest import ROOT

SHARED = load_shared(ROOT / "content")

SHEET = """\
title: "Test sheet"
summary: "Short."
review:
  status: "draft"
key_points:
  - "Keep it clean."
  - "Call the clinic if it gets worse."
what_is_happening:
  - "{normal}"
timeline:
  - when: "Day 0"
    what: "Red."
  - when: "Days 1-2"
    what: "Pink."
what_to_do:
  - "{do}"
  - shared: "sun_protect"
what_to_avoid:
  - "Do not scrub."
call_the_clinic:
  - "{call}"
  - shared: "call_infection"
  - shared: "call_cold_sore"
  - shared: "call_allergy"
  - shared: "call_worried"
get_urgent_help:
  - shared: "urgent_swelling"
  - shared: "urgent_breathing"
  - shared: "urgent_hives"
  - shared: "urgent_faint"
"""


def make_sheet(normal: str = "It is normal.", do: str = "Rest.", call: str = "It lasts more than 7 days.",
               name: str = "test.yaml"):
    text = SHEET.format(normal=normal, do=do, call=call)
    return parse_sheet(text.encode(), Path(name), SHARED)


def messages(findings) -> list[str]:
    return [f"{f.severity}: {f}" for f in findings]


# ------------------------------------------------------------------ the shipped content


def test_the_shipped_content_passes_every_quality_check():
    sheets = load_sheets(ROOT / "content")
    findings, reports = quality.check_content(sheets, {"fr": load_catalog(ROOT / "locales", "fr")},
                                              ROOT / "locales")
    assert messages(findings) == []
    english = {r.name: float(r.measure.split()[1]) for r in reports if r.lang == "en"}
    french = {r.name: float(r.measure.split()[1]) for r in reports if r.lang == "fr"}
    assert len(english) == len(french) == 9
    assert max(english.values()) <= readability.WARN_GRADE  # grade 6 or below: the plain-language aim
    assert min(french.values()) >= readability.WARN_EASE_FR


def test_every_shared_rule_is_one_message_and_used_word_for_word_by_the_sheets():
    pot = read_po(template_path(ROOT / "locales"))
    for key, rule in SHARED.rules.items():
        entries = [e for e in pot.entries if e.msgid == rule.text]
        assert len(entries) == 1, key
        assert entries[0].locations == [f"content/_shared.yaml:{rule.line}"], key
        assert any(f"Shared rule '{key}'" in c for c in entries[0].auto_comments)
    urgent = [[t.text for t in h.sections["get_urgent_help"] if t.shared]
              for h in load_sheets(ROOT / "content")]
    assert all(signs == urgent[0] for signs in urgent)  # the same 911 signs, in the same order


def test_a_sheet_naming_an_unknown_shared_rule_is_refused_with_its_line():
    text = SHEET.format(normal="a.", do="b.", call="c.").replace('shared: "sun_protect"', 'shared: "sun_protekt"')
    with pytest.raises(HandoutsError) as caught:
        parse_sheet(text.encode(), Path("x.yaml"), SHARED)
    assert str(caught.value.problems[0]) == ("x.yaml:17: there is no shared rule 'sun_protekt' in _shared.yaml. "
                                             "Did you mean 'sun_protect'?")


# ------------------------------------------------------------------ the checks, one by one


def test_reading_level_thresholds():
    plain = ["Wash your face.", "Use a mild soap.", "Call us if it hurts."]
    hard = ["Postinflammatory hyperpigmentation necessitates comprehensive photoprotection "
            "incorporating broad-spectrum formulations."]
    assert readability.grade(plain) < 3 < readability.MAX_GRADE < readability.grade(hard)
    easy = ["Lavez votre peau le matin et le soir.", "Ne la frottez pas."]
    assert readability.reading_ease_fr(easy) > readability.WARN_EASE_FR
    assert readability.reading_ease_fr(["L'hyperpigmentation postinflammatoire nécessite une photoprotection "
                                    "rigoureuse et systématique."]) < readability.MIN_EASE_FR
    sheet = make_sheet().map_texts(lambda t: replace(t, text=hard[0]))  # every text of the sheet is hard
    findings = readability.check_reading_level(sheet, "en")
    assert findings and findings[0].is_error and "Flesch-Kincaid" in str(findings[0])


@pytest.mark.parametrize(("field", "text", "words"), [
    ("normal", "It goes away in a few days.", "'a few days' in What is happening, item 1"),
    ("do", "Keep it on for two weeks.", "write durations in digits"),
    ("call", "Redness lasts longer than expected.", "threshold without a number"),
    ("call", "It still hurts.", "sets a time limit without a number"),
])
def test_thresholds_need_a_number(field, text, words):
    sheet = make_sheet(**{field: text})
    found = messages(quality.check_thresholds(sheet.texts(), "en", sheet.path, sheet.name,
                                              sheet.sections["call_the_clinic"]))
    assert any(words in m for m in found), found
    assert all(m.startswith("error: test.yaml:") for m in found)


def test_french_vague_durations_are_found_too():
    [text] = make_sheet(normal="x").sections["what_is_happening"]
    found = quality.check_thresholds([text.__class__("Ça passe en quelques jours.", 3, "item")], "fr",
                                     Path("fr.po"), "test")
    assert "quelques jours" in str(found[0])


def test_a_sign_on_two_levels_is_an_error_in_a_sheet_and_across_sheets():
    same = make_sheet(normal="Hives are common at first.", name="hives.yaml")
    found = messages(quality.check_levels([same]))
    assert any("'hives' appears under get help right away and normal in 'hives'" in m for m in found), found
    other = make_sheet(call="Pus after 3 days.", name="a.yaml")
    clean = make_sheet(normal="A little pus is normal.", call="It lasts more than 7 days.", name="b.yaml")
    found = messages(quality.check_levels([other, clean]))
    assert any("'pus' is on two levels across the sheets" in m for m in found), found


def test_missing_parts_and_missing_shared_rules_are_reported():
    text = SHEET.format(normal="a.", do="b.", call="c.")
    text = re.sub(r"key_points:\n(  - .*\n)+", "", text)
    text = re.sub(r"timeline:\n(  .*\n)+", "", text)
    text = text.replace('  - shared: "call_cold_sore"\n', "")
    text = text.replace('  - shared: "urgent_swelling"\n', "")
    sheet = parse_sheet(text.encode(), Path("bare.yaml"), SHARED)
    found = " | ".join(messages(quality.check_parts(sheet)))
    assert "has no a summary of the key actions and warning signs" in found
    assert "has no a time frame" in found
    assert "lacks the shared rule 'call_cold_sore'" in found
    assert "lacks the shared rule 'urgent_swelling'" in found
    assert "must start with the most urgent sign" in found


def test_glossary_term_translated_another_way_is_an_error_at_its_line():
    po = ('msgid ""\nmsgstr ""\n"Language: fr\\n"\n"Plural-Forms: nplurals=2; plural=(n > 1);\\n"\n'
          '"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
          'msgid "Signs of a cold sore: tingling."\nmsgstr "Signes d\'un bouton de fièvre : picotements."\n\n'
          'msgid "Cold sores after microneedling"\nmsgstr "Feux sauvages après le microneedling"\n')
    catalog = parse_po(po.encode(), Path("fr.po"), "fr")
    glossary = glossary_module.load_glossary(ROOT / "locales", "fr")
    assert glossary is not None
    found = messages(glossary_module.check_glossary(catalog, glossary))
    assert len(found) == 1 and found[0].startswith("error: fr.po:7: 'cold sore' must be translated 'feu sauvage'")


# ------------------------------------------------------------------ handouts check


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_check_reports_the_reading_level_of_every_sheet_and_passes(project):
    result = run("check", "--project", str(project))
    assert result.exit_code == 0, result.output
    assert re.search(r"redness: en grade \d\.\d, fr ease \d\d\.\d", result.output)
    assert "0 errors" in result.output.splitlines()[-1]


def test_check_fails_on_a_vague_threshold_and_a_glossary_miss_with_file_and_line(project):
    path = project / "content" / "redness.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace('"Redness lasts more than 7 days."', '"Redness lasts longer than expected."'),
                    encoding="utf-8")
    line = text.splitlines().index('  - "Redness lasts more than 7 days."') + 1
    po = project / "locales" / "fr" / "LC_MESSAGES" / "messages.po"
    po.write_text(po.read_text(encoding="utf-8").replace("feu sauvage", "bouton de fièvre"), encoding="utf-8")
    result = run("check", "--project", str(project))
    assert result.exit_code == 1
    assert f"content/redness.yaml:{line}: 'longer than expected'" in result.output
    assert re.search(r"messages.po:\d+: 'cold sore' must be translated", result.output)
