"""The nine sheets as printed, read back from the real PDFs of one shared build: one page each,
the three levels never name the same sign, the summary, the date line, the timeline and the
most urgent instruction first; large print with page numbers, "continued" and the phone on page 1."""

from __future__ import annotations

import re
from pathlib import Path

import pypdf
import pytest

from handouts import quality

from .conftest import SHEETS, pdftotext


def pages(path: Path) -> list[str]:
    """The text of each page in reading order, column by column (poppler's pdftotext)."""
    count = len(pypdf.PdfReader(path).pages)
    return [" ".join(pdftotext(path, number).replace("\u00a0", " ").replace("\u202f", " ").split())
            for number in range(1, count + 1)]


def cut(text: str, start: str, *ends: str) -> str:
    """The text after ``start`` up to the first of ``ends`` (a regular expression each)."""
    assert start in text, start
    rest = text[text.index(start) + len(start):]
    stops = [m.start() for end in ends if (m := re.search(end, rest))]
    return rest[: min(stops)] if stops else rest


def between(text: str, start: str, end: str) -> str:
    assert start in text, start
    rest = text[text.index(start) + len(start):]
    return rest[: rest.index(end)] if end in rest else rest


def test_every_sheet_is_one_page_in_english_and_french(built):
    for lang in ("en", "fr"):
        for sheet in SHEETS:
            assert len(pypdf.PdfReader(built / lang / f"{sheet}.pdf").pages) == 1, (lang, sheet)


def test_no_sign_is_on_two_levels_anywhere_as_printed(built):
    """Normal (what is happening, the timeline), call the clinic, get help right away: each sign
    named on the printed sheets belongs to one level, on every sheet and across the sheets."""
    across: dict[str, set[str]] = {}
    for sheet in SHEETS:
        [text] = pages(built / "en" / f"{sheet}.pdf")
        # A column of the timeline may come out after other columns: each "Day(s) N" step is normal.
        step = r"Days? \d|Weeks? \d|Up to|Within|When signs start|\d+ to \d+ days later"
        steps = re.findall(rf"(?:{step}|Days?|Weeks?) ?[\d-]*[^•×]*?(?=What to|Call the|Get help|{step}|$)",
                           cut(text, "What to expect, day by day", r"•"))
        levels = {
            "normal": [cut(text, "What is happening", "What to expect"), *steps],
            "call the clinic": [cut(text, "Call the clinic the same day at", "Get help right away", "What to avoid",
                                    r"Days? \d")],
            "get help right away": [cut(text, "Get help right away", "If the clinic is closed")],
        }
        for sign, where in quality.sign_levels(levels).items():
            assert len(where) == 1, (sheet, sign, where)
            across.setdefault(sign, set()).update(where)
    assert {sign: where for sign, where in across.items() if len(where) > 1} == {}
    # The signs the review found missing or contradictory are on the page, each on its level.
    assert across["puffiness"] == {"normal"}
    assert across["swelling of your lips"] == {"get help right away"}
    assert across["blister"] == {"call the clinic"}  # a cold sore, on every sheet
    assert across["itching"] == {"call the clinic"}  # an allergic reaction, on every sheet


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_each_sheet_opens_with_a_summary_the_date_line_and_the_timeline(built, lang):
    date_line, timeline, urgent, first_sign = {
        "en": ("Date of your treatment (day 0):", "What to expect, day by day",
               "Get help right away: call 911 now if you have:", "Sudden swelling of your lips, tongue or throat."),
        "fr": ("Date de votre traitement (jour 0) :", "À quoi vous attendre, jour après jour",
               "Urgence : composez le 911 si vous avez :", "Une enflure soudaine des lèvres, de la langue ou"),
    }[lang]
    for sheet in SHEETS:
        [text] = pages(built / lang / f"{sheet}.pdf")
        assert text.index(date_line) < text.index(timeline), sheet
        # steps counted in days: "Day 0", "Jours 1 à 3", or from a product's use, "Within 2 days"
        assert re.search(r"(Day|Jour)s? \d|\d (day|jour)s\b", text[text.index(timeline):]), sheet
        # the most urgent instruction first in the urgent box: 911, then the airway
        assert between(text, urgent, "If the clinic" if lang == "en" else "Clinique fermée").strip(" •").startswith(
            first_sign), sheet


def test_the_draft_banner_is_solid_and_at_the_top(built):
    for lang, banner in (("en", "DRAFT: not for patients. A clinician has not reviewed this sheet yet."),
                         ("fr", "BROUILLON : ne pas remettre aux patients. Fiche non révisée par l'équipe clinique.")):
        [text] = pages(built / lang / "first-days.pdf")
        assert banner in text.replace("’", "'")
        assert text.index(banner[:10]) < text.index("first days" if lang == "en" else "premiers jours")


@pytest.mark.parametrize(("lang", "continued", "phone"), [
    ("en", "Continued on the back", "Questions? Call the clinic at 514-555-0142."),
    ("fr", "Suite au verso", "Des questions ? Appelez la clinique au 514 555-0142."),
])
def test_large_print_numbers_pages_and_says_it_continues_in_the_sheet_language(built, lang, continued, phone):
    headings = {"en": ("What is happening", "What to expect, day by day", "What to do", "What to avoid"),
                "fr": ("Ce qui se passe", "À quoi vous attendre, jour après jour", "Que faire", "À éviter")}[lang]
    for sheet in SHEETS:
        texts = pages(built / f"{lang}-large" / f"{sheet}.pdf")
        count = len(texts)
        assert 2 <= count <= 4, (sheet, count)
        assert continued in texts[0] and all(continued not in t for t in texts[1:]), sheet
        assert phone in texts[0], sheet
        for number, text in enumerate(texts, 1):
            assert re.search(rf"\b{number} ?/ ?{count}\b", text), (sheet, number)
            # no heading left alone at the bottom of a page: something of its section follows it
            body = text.split("Clinique Peau Neuve ·")[0].replace(continued, "").rstrip(" →")
            for heading in headings:
                assert not body.endswith(heading), (sheet, number, heading)
