"""Content files: the schema and the review block (YAML's traps, one fixture each, are in test_hostile.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from handouts.content import SECTIONS, load_handouts, parse_handout
from handouts.errors import HandoutsError
from handouts.quality import MAX_GRADE, grade

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
        parse_handout(text, Path(name))
    return [str(p) for p in caught.value.problems]




def test_the_nine_sheets_load_with_every_part_filled():
    handouts = load_handouts(ROOT / "content")
    assert [h.name for h in handouts] == SHEETS
    for handout in handouts:
        assert all(handout.sections[key] for key in SECTIONS if key != "how_long"), handout.name
        assert len(handout.timeline) >= 3, handout.name


@pytest.mark.parametrize("name", SHEETS)
def test_english_is_plain_enough(name):
    handout = load_handouts(ROOT / "content", (name,))[0]
    assert grade([t.text for t in handout.texts()]) <= MAX_GRADE


def test_every_sheet_lists_signs_of_infection_and_when_to_call():
    for handout in load_handouts(ROOT / "content"):
        call = " ".join(t.text.lower() for t in handout.sections["call_the_clinic"])
        assert "pus" in call and "fever" in call, handout.name
        assert handout.sections["call_the_clinic"], handout.name


def test_valid_file_keeps_lines_and_review():
    handout = parse_handout(VALID, Path("redness.yaml"))
    assert handout.title.line == 1
    assert handout.sections["what_to_do"][0].line == 12
    assert handout.sections["what_to_do"][0].part == "What to do, item 1"
    assert handout.review.reviewed_on.isoformat() == "2026-11-20"
    assert not handout.review.is_draft


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
