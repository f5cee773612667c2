"""Content-quality checks on the sheets, per sheet and language: what a patient-education
reviewer looks at before a sheet is printed.

- reading level (:mod:`handouts.readability`): English Flesch-Kincaid grade (above 6 a
  warning, above 8 an error); French Kandel-Moles reading ease (below 70 a warning, below 60 an error);
- a missing part: summary (key actions and warning signs), time frame, what to do, when to
  call the clinic, urgent help, and the shared rules every sheet carries;
- a threshold without a number ("a few days", "longer than expected") and durations in words;
- one symptom on two levels (normal / call the clinic / get help right away), within a sheet
  and across sheets;
- a glossary term translated other than the approved way (:mod:`handouts.glossary`,
  ``locales/<lang>/glossary.yaml``, modelled on Weblate's glossary check).

Nothing here imports WeasyPrint; ``handouts check`` runs it (handouts/cli_i18n.py).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path

from handouts.catalogs import Translator
from handouts.content import Sheet
from handouts.content_fields import Text
from handouts.findings import WARNING, Finding  # one severity type for every check
from handouts.glossary import check_glossary, load_glossary
from handouts.po import Catalog
from handouts.readability import (
    check_reading_level,
    grade,
    reading_ease_fr,
)


def _text_label(text: Text) -> str:
    return f"shared rule '{text.shared}'" if text.shared else text.part


# ------------------------------------------------------------------ parts

# Shared rules (content/_shared.yaml) a sheet must carry, by part: the three levels must
# say the same thing on every sheet.
REQUIRED_SHARED: dict[str, tuple[str, ...]] = {
    "call_the_clinic": ("call_infection", "call_cold_sore", "call_allergy", "call_worried"),
    "get_urgent_help": ("urgent_swelling", "urgent_breathing", "urgent_hives", "urgent_faint"),
}
SUN_RULES = ("sun_protect", "sun_avoid")
PART_NAMES = {
    "key_points": "a summary of the key actions and warning signs (key_points:)",
    "timeline": "a time frame (timeline: with at least 2 steps)",
    "what_to_do": "what to do (what_to_do:)",
    "call_the_clinic": "when to call the clinic (call_the_clinic:)",
    "get_urgent_help": "when to get urgent help (get_urgent_help:)",
}
_WARNING_WORDS = re.compile(r"\b(call|911)\b", re.I)


def check_parts(sheet: Sheet) -> list[Finding]:
    """Every part a patient needs is there, with the shared rules every sheet must carry."""
    findings = []
    path = sheet.path

    def missing(what: str, line: int | None = None) -> None:
        findings.append(Finding(f"the sheet '{sheet.name}' has no {what}; add it.", path, line or 1))

    if len(sheet.sections.get("key_points", ())) < 2:
        missing(PART_NAMES["key_points"])
    elif not any(_WARNING_WORDS.search(t.text) for t in sheet.sections["key_points"]):
        findings.append(Finding(
            f"the summary of '{sheet.name}' names no warning sign: one key point should say when to "
            "call the clinic or 911.", path, sheet.sections["key_points"][0].line))
    if len(sheet.timeline) < 2 and not sheet.sections.get("how_long"):
        missing(PART_NAMES["timeline"])
    for key in ("what_to_do", "call_the_clinic", "get_urgent_help"):
        if not sheet.sections.get(key):
            missing(PART_NAMES[key])
    for key, rules in REQUIRED_SHARED.items():
        items = sheet.sections.get(key, ())
        used = [t.shared for t in items]
        for rule in rules:
            if rule not in used:
                line = items[0].line if items and not items[0].shared else None
                findings.append(Finding(
                    f"'{key}' of '{sheet.name}' lacks the shared rule '{rule}'; add the item "
                    f'  - shared: "{rule}"  so every sheet gives the same signs.', path, line or 1))
        if key == "get_urgent_help" and items and items[0].shared != rules[0]:
            findings.append(Finding(
                f"the urgent box of '{sheet.name}' must start with the most urgent sign "
                f"(shared rule '{rules[0]}').", path, 1))
    every = [t.shared for items in sheet.sections.values() for t in items]
    if not any(rule in every for rule in SUN_RULES):
        findings.append(Finding(
            f"the sheet '{sheet.name}' says nothing about the sun; add the shared rule 'sun_avoid' or "
            "'sun_protect'.", path, 1))
    return findings


def check_translated_parts(sheet: Sheet, translator: Translator) -> list[Finding]:
    """A part whose text has no translation prints in English on the translated sheet."""
    if translator.catalog is None:
        return []
    findings = []
    for text in sheet.texts():
        if translator.entry(text.text) is None:
            findings.append(Finding(
                f"{_text_label(text)} of '{sheet.name}' has no {translator.lang} translation yet "
                f"(printed in English): {text.text[:50]!r}.", translator.catalog.path, 1, WARNING))
    return findings


# ------------------------------------------------------------------ thresholds

_UNITS = r"(?:minutes?|hours?|days?|weeks?|months?)"
VAGUE = {
    "en": [
        re.compile(rf"\b(?:a few|a couple of|several|some|many) {_UNITS}", re.I),
        re.compile(r"\blonger than (?:expected|usual|normal)\b", re.I),
        re.compile(r"\b(?:a long time|a while|too long)\b", re.I),
    ],
    "fr": [
        re.compile(r"\b(?:quelques|plusieurs|certains|certaines) (?:minutes|heures|jours|semaines|mois)\b", re.I),
        re.compile(r"\bplus longtemps que (?:prévu|d'habitude|la normale)\b", re.I),
    ],
}
SPELLED = {
    "en": re.compile(r"\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fourteen|"
                     rf"twenty|thirty) {_UNITS}", re.I),
    "fr": re.compile(r"\b(?:deux|trois|quatre|cinq|six|sept|huit|neuf|dix|douze|quatorze|vingt|trente) "
                     r"(?:minutes|heures|jours|semaines|mois)\b", re.I),
}
# In "call the clinic" items, a time word without a digit is a threshold a patient cannot act on.
_TIME_WORDS = re.compile(r"\b(?:lasts?|longer|more than|after|within|still)\b", re.I)


def check_thresholds(texts: Iterable[Text], lang: str, where: Path, sheet: str,
                     call_items: Iterable[Text] = ()) -> list[Finding]:
    findings = []
    for text in texts:
        for pattern in VAGUE.get(lang, []):
            found = pattern.search(text.text)
            if found:
                findings.append(Finding(
                    f"'{found.group(0)}' in {_text_label(text)} of '{sheet}' ({lang}) is a threshold without a "
                    "number; write the number (\"more than 3 days\").", where, text.line))
        spelled = SPELLED.get(lang)
        found = spelled.search(text.text) if spelled else None
        if found:
            findings.append(Finding(
                f"'{found.group(0)}' in {_text_label(text)} of '{sheet}' ({lang}): write durations in digits "
                "(\"2 weeks\"), so patients find them and the number checks cover them.", where, text.line))
    if lang == "en":
        for text in call_items:
            if _TIME_WORDS.search(text.text) and not re.search(r"\d", text.text):
                findings.append(Finding(
                    f"{_text_label(text)} of '{sheet}' sets a time limit without a number: "
                    f"{text.text!r}.", where, text.line))
    return findings


# ------------------------------------------------------------------ one symptom, one level

LEVELS = ("normal", "call the clinic", "get help right away")
# Phrases that name one warning sign; each may appear on one level only, on every sheet.
SIGNS = ("puffiness", "swelling of your lips", "trouble breathing", "hives", "fainting", "pus", "fever",
         "yellow crust", "blister", "tingling", "itching", "rash", "pinpoint bleeding", "dots of blood",
         "vision", "eye pain", "chills")


def levels_of(sheet: Sheet) -> dict[str, list[Text]]:
    """The texts of each level: what is normal, when to call the clinic, when to get help right away."""
    normal = list(sheet.sections.get("what_is_happening", ())) + list(sheet.sections.get("how_long", ()))
    normal += [t for step in sheet.timeline for t in (step.when, step.what)]
    return dict(zip(LEVELS, (normal, list(sheet.sections.get("call_the_clinic", ())),
                             list(sheet.sections.get("get_urgent_help", ()))), strict=True))


def sign_levels(level_texts: dict[str, Iterable[str]]) -> dict[str, set[str]]:
    """Sign phrase -> the levels whose texts name it."""
    found: dict[str, set[str]] = {}
    for level, texts in level_texts.items():
        joined = " ".join(texts).lower()
        for sign in SIGNS:
            if re.search(rf"\b{re.escape(sign)}(?:s|es|ed|ing)?\b", joined):
                found.setdefault(sign, set()).add(level)
    return found


def check_levels(sheets: list[Sheet]) -> list[Finding]:
    """A sign named on two levels, in one sheet or across the sheets, is an error."""
    findings = []
    everywhere: dict[str, dict[str, str]] = {}  # sign -> level -> first sheet
    for sheet in sheets:
        levels = levels_of(sheet)
        for sign, where in sign_levels({k: [t.text for t in v] for k, v in levels.items()}).items():
            if len(where) > 1:
                findings.append(Finding(
                    f"'{sign}' appears under {' and '.join(sorted(where))} in '{sheet.name}': a patient cannot "
                    "tell which applies. Keep each sign on one level.", sheet.path, 1))
            for level in where:
                everywhere.setdefault(sign, {}).setdefault(level, sheet.name)
    for sign, first_sheets in everywhere.items():
        if len(first_sheets) > 1:
            places = ", ".join(f"{level} in '{name}'" for level, name in sorted(first_sheets.items()))
            findings.append(Finding(f"'{sign}' is on two levels across the sheets ({places}); keep it on one.",
                                    None, None))
    return findings


# ------------------------------------------------------------------ everything


@dataclass(frozen=True)
class SheetReport:
    """The figures of one sheet in one language, for 'handouts check'."""

    name: str
    lang: str
    measure: str  # "grade 3.4" or "ease 82.1"


def _translated(sheet: Sheet, translator: Translator) -> Sheet:
    """The sheet as the translated PDF prints it (English where the catalog has no translation)."""
    return sheet.map_texts(lambda text: replace(text, text=translator.gettext(text.text)))


def check_content(sheets: list[Sheet], catalogs: dict[str, Catalog | None],
                  locales_dir: Path) -> tuple[list[Finding], list[SheetReport]]:
    """Every content-quality check, per sheet and language; ``catalogs``: lang -> catalog (None for en)."""
    findings: list[Finding] = []
    reports: list[SheetReport] = []
    findings += check_levels(sheets)
    for sheet in sheets:
        findings += check_parts(sheet)
        findings += check_thresholds(sheet.texts(), "en", sheet.path, sheet.name,
                                     sheet.sections.get("call_the_clinic", ()))
        findings += check_reading_level(sheet, "en")
        reports.append(SheetReport(sheet.name, "en", f"grade {grade([t.text for t in sheet.texts()])}"))
    for lang, catalog in catalogs.items():
        if catalog is None:
            continue
        translator = Translator(lang, catalog)
        for sheet in sheets:
            translated = _translated(sheet, translator)
            findings += check_translated_parts(sheet, translator)
            findings += [replace(f, path=catalog.path, line=None) for f in
                         check_thresholds(translated.texts(), lang, catalog.path, sheet.name)]
            findings += check_reading_level(sheet, lang, translator.gettext, catalog.path)
            if lang == "fr":
                reports.append(SheetReport(sheet.name, lang,
                                           f"ease {reading_ease_fr([t.text for t in translated.texts()])}"))
        glossary = load_glossary(locales_dir, lang)
        if glossary is not None:
            findings += check_glossary(catalog, glossary)
    return findings, reports
