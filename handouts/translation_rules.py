"""Checks on translated messages: what a careful translation team looks at before printing.

Each check compares one translated (not fuzzy, not empty) message with its English
and returns problems located at the line of the entry's ``msgid``. A problem is an
error (the sheet would say something wrong or break) or a warning (typography).
Catalog-level checks (syntax, charset, Language, Plural-Forms, duplicates) are done
by :func:`handouts.po.read_po` before these run.
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from handouts import characters, lengths
from handouts.findings import ERROR, WARNING, Finding
from handouts.po import Catalog
from handouts.po_syntax import Entry
from handouts.printable import glyph_problem

# %(name)s, %s and the other printf conversions ("%%" is a percent sign), and {name}.
# No space among the flags: "50 % de" is French for 50 percent, not a conversion.
_PRINTF = re.compile(r"%(?:\([A-Za-z_][A-Za-z0-9_]*\))?[-#0+]*\d*(?:\.\d+)?[sdifeEgGxXcr]")
_BRACES = re.compile(r"\{[A-Za-z_][A-Za-z0-9_.]*\}")
_TAG = re.compile(r"</?\s*[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?>")
_URL = re.compile(r"(?:https?://|www\.|file:)\S*", re.IGNORECASE)
_SPACES = "[ \u00a0\u202f\t]"
_DOUBLE_SPACE = re.compile(f"{_SPACES}{{2,}}")
# What may close a sentence after its punctuation: quotes and brackets.
_CLOSERS = "\"'»«”“’)]} \u00a0\u202f\t\n」』）】"
_ENDINGS = {".": ".", "!": "!", "?": "?", ":": ":", ";": ";", "…": "…", "¡": "!", "¿": "?",
            **{mark: meaning for marks, meaning in (("。．", "."), ("！", "!"), ("？؟", "?"), ("：", ":"),
                                                   ("；؛", ";"), ("۔", ".")) for mark in marks}}

# A number with a unit that must keep its unit: English unit -> accepted forms in the translation.
# The number itself is checked for every language; the unit only where we know its translation.
UNIT_EQUIVALENTS: dict[str, dict[str, tuple[str, ...]]] = {
    "SPF": {"fr": ("FPS", "SPF"), "es": ("FPS", "SPF"), "pt": ("FPS", "SPF"), "it": ("SPF", "FPS")},
}
_UNIT_IN_ENGLISH = re.compile(r"\b(SPF)\s*(\d+)")


def _placeholders(text: str) -> set[str]:
    text = text.replace("%%", "")
    return set(_PRINTF.findall(text)) | set(_BRACES.findall(text))


def check_placeholders(english: str, translation: str, lang: str) -> list[tuple[str, str]]:
    expected, found = _placeholders(english), _placeholders(translation)
    problems = []
    if expected - found:
        missing = ", ".join(sorted(expected - found))
        problems.append((ERROR, f"the translation lacks {missing}: keep every placeholder of the English "
                                "exactly as it is (the tool fills it in)."))
    if found - expected:
        extra = ", ".join(sorted(found - expected))
        problems.append((ERROR, f"the translation has {extra}, which the English does not have: "
                                "remove it or write it exactly as in the English."))
    return problems


def _without_placeholders(text: str) -> str:
    return _BRACES.sub(" ", _PRINTF.sub(" ", text))


# What a placeholder stands for when the digits of a text are compared: a letter no text has,
# so that a digit typed against a placeholder makes one run with it ("1%(emergency)s" prints
# "1911": the run "1<emergency>" is not in the English).
_SENTINEL = "\ue000"


def _fill_placeholders(text: str) -> str:
    names: dict[str, str] = {}

    def sentinel(match: re.Match[str]) -> str:
        return f"{_SENTINEL}{names.setdefault(match.group(), chr(0xE100 + len(names)))}"

    text = text.replace("%%", "\ue0ff")  # a percent sign, not a placeholder
    return _BRACES.sub(sentinel, _PRINTF.sub(sentinel, text)).replace("\ue0ff", "%")


_RUN = re.compile(rf"(?:\d|{_SENTINEL}.)+")


def digit_runs(text: str) -> Counter[str]:
    """Every run of digits, placeholders filled in, digits of any script by their value."""
    return Counter(characters.ascii_digits(run) for run in _RUN.findall(_fill_placeholders(text))
                   if any(c.isdecimal() for c in run))


def _show_run(run: str) -> str:
    return re.sub(f"{_SENTINEL}.", "%(…)s", run)


def check_numbers(english: str, translation: str, lang: str) -> list[tuple[str, str]]:
    """The translation prints exactly the English's numbers: none missing, none added, none changed.

    A phone number, 811, 911, SPF 30, 48 hours: a translation that drops one, adds one ("9111",
    a second phone number) or types a digit against a placeholder ("1%(emergency)s" prints
    1911) is refused. Digits of other scripts count by their value.
    """
    expected, found = digit_runs(english), digit_runs(translation)
    problems = []
    missing = [n for n in expected if n not in found]
    if missing:
        problems.append((ERROR, f"the number{'s' if len(missing) > 1 else ''} "
                                f"{', '.join(map(_show_run, missing))} of the English must appear in the "
                                "translation, written in digits."))
    added = [n for n in found if found[n] > expected.get(n, 0)]
    if added:
        shown = ", ".join(f"'{_show_run(n)}'" for n in added)
        problems.append((ERROR, f"the translation prints the number{'s' if len(added) > 1 else ''} {shown}, "
                                "which the English does not (or not as many times); a sheet must never show a "
                                "wrong number: write the numbers exactly as in the English, with nothing typed "
                                "against a %(...)s."))
    english_plain, translation_plain = _without_placeholders(english), _without_placeholders(translation)
    for unit, number in _UNIT_IN_ENGLISH.findall(english_plain):
        forms = UNIT_EQUIVALENTS[unit].get(lang)
        if forms is None or number in missing:
            continue
        pattern = re.compile(rf"\b(?:{'|'.join(map(re.escape, forms))})[\s\u00a0\u202f]*{number}\b")
        if not pattern.search(translation_plain):
            shown = " or ".join(f"'{form} {number}'" for form in forms)
            problems.append((ERROR, f"'{unit} {number}' in the English must be {shown} in the translation."))
    return problems


def check_characters(english: str, translation: str, lang: str) -> list[tuple[str, str]]:
    """No control, direction-changing or invisible character the English does not have."""
    problem = characters.invisible_problem(translation, allowed=english)
    return [(ERROR, f"the translation {problem}")] if problem else []


def check_markup(english: str, translation: str, lang: str) -> list[tuple[str, str]]:
    """No HTML tag or URL that the English does not have (it would be printed as text, or mislead)."""
    problems = []
    tags = [t for t in _TAG.findall(translation) if t not in _TAG.findall(english)]
    if tags:
        problems.append((ERROR, f"the translation has the HTML {', '.join(dict.fromkeys(tags))}, which the "
                                "English does not have; remove it (HTML is printed as text)."))
    english_urls = {u.lower() for u in _URL.findall(english)}
    urls = [u for u in _URL.findall(translation) if u.lower() not in english_urls]
    if urls:
        problems.append((ERROR, f"the translation has the address {', '.join(dict.fromkeys(urls))}, which the "
                                "English does not have; remove it."))
    return problems


def check_whitespace(english: str, translation: str, lang: str) -> list[tuple[str, str]]:
    problems = []
    starts = translation[:1].isspace() and not english[:1].isspace()
    ends = translation[-1:].isspace() and not english[-1:].isspace()
    if starts or ends:
        where = "starts and ends" if starts and ends else "starts" if starts else "ends"
        problems.append((WARNING, f"the translation {where} with a space; remove it."))
    if _DOUBLE_SPACE.search(translation) and not _DOUBLE_SPACE.search(english):
        problems.append((WARNING, "the translation has two spaces in a row; keep one."))
    return problems


def ending(text: str) -> str:
    """The punctuation that ends a text ('.', '!', '?', ':', ';', '…'), or '' for none.

    Spaces (French ' :' with a non-breaking space) and closing quotes or brackets
    after it do not count; '...' is '…'.
    """
    stripped = text.rstrip(_CLOSERS)
    if stripped.endswith("..."):
        return "…"
    return _ENDINGS.get(stripped[-1:], "")


def check_ending(english: str, translation: str, lang: str) -> list[tuple[str, str]]:
    expected, found = ending(english), ending(translation)
    if expected == found:
        return []
    said = {"": "no punctuation", ".": "a period", "!": "an exclamation mark", "?": "a question mark",
            ":": "a colon", ";": "a semicolon", "…": "an ellipsis"}
    return [(WARNING, f"the English ends with {said[expected]}, the translation with {said[found]}.")]


# Texts that legitimately stay the same in a translation (names, codes); a translation
# identical to its English otherwise means it was pasted, not translated.
IDENTICAL_ALLOWED = frozenset({"Info-Santé 811", "911", "SPF 30", "OK"})
_LETTERS = re.compile(r"[^\W\d_]{2,}")


def check_identical(english: str, translation: str, lang: str) -> list[tuple[str, str]]:
    """A message left identical to the English (and not fuzzy): the patient reads English."""
    if (translation.strip() != english.strip() or english.strip() in IDENTICAL_ALLOWED
            or not _LETTERS.search(_without_placeholders(english))):
        return []
    return [(WARNING, "the translation is the same as the English; translate it (if it really stays the same, "
                      "add it to IDENTICAL_ALLOWED in handouts/translation_rules.py).")]


# A web address written without http:// or www.: sante.gouv.qc.ca/acne
_BARE_DOMAIN = re.compile(r"\b(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+(?:ca|com|org|net|gouv|gov|info|fr|ht|es|qc|health)"
                          r"\b(?:/\S*)?", re.IGNORECASE)


def check_bare_domain(english: str, translation: str, lang: str) -> list[tuple[str, str]]:
    """A web address the English does not have, even without http:// or www. (patients would type it)."""
    english_found = {u.lower() for u in _BARE_DOMAIN.findall(english)}
    found = [u for u in _BARE_DOMAIN.findall(translation) if u.lower() not in english_found and not _URL.search(u)]
    if not found:
        return []
    return [(ERROR, f"the translation has the web address {', '.join(dict.fromkeys(found))}, which the English does "
                    "not have; remove it (the clinic's address is printed from the brand profile).")]


MESSAGE_CHECKS: tuple[Callable[[str, str, str], list[tuple[str, str]]], ...] = (
    check_characters, check_placeholders, check_numbers, check_markup, check_whitespace, check_ending,
    lengths.check_translation_length, check_identical, check_bare_domain,
)


def check_entry(entry: Entry, lang: str, path: Path | None = None,
                glyphs: frozenset[int] | None = None) -> list[Finding]:
    """Every problem of one entry; an untranslated or fuzzy entry has none (English is printed).

    A translation that prints nothing (spaces, invisible characters) is an error, not an
    untranslated message: it would print an empty item. ``glyphs``: the characters the
    project's fonts can draw; a translation with another one is an error at its line.
    """
    if entry.fuzzy:
        return []
    findings = []
    for index, translation in sorted(entry.msgstrs.items()):
        english = entry.msgid if index == 0 or entry.msgid_plural is None else entry.msgid_plural
        prefix = f"msgstr[{index}]: " if entry.msgid_plural is not None else ""
        if translation and characters.is_blank(translation):
            findings.append(Finding(
                f"{prefix}the translation is blank (only spaces or invisible characters), so the sheet would "
                f"print an empty item: write the translation, or leave it empty (\"\") to print the English. "
                f"(English: {_short(english)!r})", path, entry.line))
    if findings or not entry.translated:
        return findings
    for index, translation in sorted(entry.msgstrs.items()):
        english = entry.msgid if index == 0 or entry.msgid_plural is None else entry.msgid_plural
        prefix = f"msgstr[{index}]: " if entry.msgid_plural is not None else ""
        for severity, message in _message_problems(english, translation, lang):
            findings.append(Finding(f"{prefix}{message} (English: {_short(english)!r})",
                                    path, entry.line, severity))
        if glyphs is not None:
            problem = _glyph_problem(translation, glyphs, english)
            if problem:
                findings.append(Finding(f"{prefix}the translation {problem} (English: {_short(english)!r})",
                                        path, entry.line))
    return findings


# A catalog is checked on every build, and by 'handouts watch' on every save, while a save
# changes one message or a few: each pair's answer is kept for this process.
@functools.lru_cache(maxsize=8192)
def _message_problems(english: str, translation: str, lang: str) -> tuple[tuple[str, str], ...]:
    return tuple(problem for check in MESSAGE_CHECKS for problem in check(english, translation, lang))


@functools.lru_cache(maxsize=8192)
def _glyph_problem(translation: str, glyphs: frozenset[int], english: str) -> str | None:
    return glyph_problem(translation, glyphs, allowed=english)


def check_catalog(catalog: Catalog, template: Catalog | None = None,
                  glyphs: frozenset[int] | None = None) -> list[Finding]:
    """Every message check on a catalog, plus warnings for obsolete and not-yet-merged messages."""
    findings: list[Finding] = []
    for entry in catalog.entries:
        findings += check_entry(entry, catalog.lang, catalog.path, glyphs)
    if catalog.obsolete:
        count = len(catalog.obsolete)
        findings.append(Finding(
            f"{count} obsolete message{'s' if count > 1 else ''} (#~): the content and templates no "
            "longer use them. They are kept for reference and never printed; delete them when done.",
            catalog.path, catalog.obsolete[0].line or None, WARNING))
    if template is not None:
        template_keys = {e.key for e in template.entries}
        missing = [e for e in template.entries if catalog.get(e.msgid, e.msgctxt) is None]
        stale = [e for e in catalog.entries if e.key not in template_keys]
        if missing or stale:
            parts = []
            if missing:
                parts.append(f"{len(missing)} message{'s' if len(missing) > 1 else ''} of "
                             f"{template.path.name} {'are' if len(missing) > 1 else 'is'} not in this catalog")
            if stale:
                parts.append(f"{len(stale)} message{'s' if len(stale) > 1 else ''} "
                             f"{'are' if len(stale) > 1 else 'is'} no longer in {template.path.name}")
            line = stale[0].line if stale else None
            findings.append(Finding(f"{' and '.join(parts)}; run 'handouts i18n update'.",
                                    catalog.path, line, WARNING))
    return findings


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
