"""Content files: the schema and the review block (YAML's traps, one fixture each, are in test_hostile.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from handouts.content import SECTIONS, load_sheets, parse_sheet
from handouts.errors import HandoutsError
from handouts.readability import MAX_GRADE, grade

from .conftest import ROOT, SHEETS

VALID = b"""\
title: "Redness after microneedling"
summary: "Redness is common."
review:
  status: "reviewed"
  reviewed_by: "Dr. Jeanne Roy"
  reviewed_on: "2026-11-20"
what_is_happening:
  - "Your skin is healing."
how_long:
  - "A few days."
what_to_do:
  - "Use a gentle cleanser."
what_to_avoid:
  - "Do not scrub."
call_the_clinic:
  - "It lasts more than a week."
get_urgent_help:
  - "Fever or chills."
"""


def errors_of(text: bytes, name: str = "sheet.yaml") -> list[str]:
    with pytest.raises(HandoutsError) as caught:
        parse_sheet(text, Path(name))
    return [str(p) for p in caught.value.problems]




def test_the_nine_sheets_load_with_every_part_filled():
    sheets = load_sheets(ROOT / "content")
    assert [h.name for h in sheets] == SHEETS
    for sheet in sheets:
        assert all(sheet.sections[key] for key in SECTIONS if key != "how_long"), sheet.name
        assert len(sheet.timeline) >= 3, sheet.name


@pytest.mark.parametrize("name", SHEETS)
def test_english_is_plain_enough(name):
    sheet = load_sheets(ROOT / "content", (name,))[0]
    assert grade([t.text for t in sheet.texts()]) <= MAX_GRADE


def test_every_sheet_lists_signs_of_infection_and_when_to_call():
    for sheet in load_sheets(ROOT / "content"):
        call = " ".join(t.text.lower() for t in sheet.sections["call_the_clinic"])
        assert "pus" in call and "fever" in call, sheet.name
        assert sheet.sections["call_the_clinic"], sheet.name


def test_valid_file_keeps_lines_and_review():
    sheet = parse_sheet(VALID, Path("redness.yaml"))
    assert sheet.title.line == 1
    assert sheet.sections["what_to_do"][0].line == 12
    assert sheet.sections["what_to_do"][0].part == "What to do, item 1"
    assert sheet.review.reviewed_on.isoformat() == "2026-11-20"
    assert not sheet.review.is_draft


def test_all_problems_of_a_file_are_reported_at_once():
    text = VALID.replace(b'title: "Redness after microneedling"\n', b"").replace(
        b'how_long:\n  - "A few days."\n', b"how_long: []\n"
    ).replace(b"what_to_avoid:", b"what_to_avoyd:")
    problems = errors_of(text)
    assert any(p.startswith("sheet.yaml:1: the field 'title' is missing") for p in problems)
    assert any(p.startswith("sheet.yaml:8: 'how_long' is an empty list") for p in problems)
    assert any("sheet.yaml:11: unknown field 'what_to_avoyd'. Did you mean 'what_to_avoid'?" in p for p in problems)


@pytest.mark.parametrize(
    ("change", "line", "words"),
    [
        ((b'reviewed_on: "2026-11-20"', b'reviewed_on: "20/11/2026"'), 6, "YYYY-MM-DD"),
        ((b'status: "reviewed"', b"status: yes"), 4, "'draft' or 'reviewed'"),
    ],
)
def test_yaml_traps_name_the_line(change, line, words):
    problems = errors_of(VALID.replace(*change))
    assert any(p.startswith(f"sheet.yaml:{line}:") and words in p for p in problems), problems


def test_a_reviewed_sheet_needs_its_reviewer():
    problems = errors_of(VALID.replace(b'  reviewed_by: "Dr. Jeanne Roy"\n', b""))
    assert any("needs 'review.reviewed_by'" in p for p in problems)
