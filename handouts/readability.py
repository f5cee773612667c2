"""Reading level: English Flesch-Kincaid grade and French Kandel-Moles reading ease, as 'handouts check' reports them.

English above grade 6 is a warning, above 8 an error; French below an ease of 70 is a
warning, below 60 an error. The figures are the usual estimates, from words, sentences and
vowel groups: a guide for the writer, not a verdict on a sheet.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from handouts.content import Sheet
from handouts.findings import WARNING, Finding

MAX_GRADE = 8.0  # Flesch-Kincaid grade above which an English sheet is refused
WARN_GRADE = 6.0  # plain-language target: above it, a warning
MIN_EASE_FR = 60.0  # Kandel-Moles reading ease below which a French sheet is refused
WARN_EASE_FR = 70.0  # below it, a warning ("facile" starts at 70 on the Kandel-Moles scale)

_WORD = re.compile(r"[A-Za-z]+(?:['’-][A-Za-z]+)*")
_WORD_FR = re.compile(r"[A-Za-zÀ-ÖØ-öø-ÿœŒæÆ]+(?:[-][A-Za-zÀ-ÖØ-öø-ÿœŒæÆ]+)*")
_SENTENCE_END = re.compile(r"[.!?:;]+(?:\s|$)")
_VOWELS_FR = re.compile(r"[aeiouyàâäéèêëîïôöùûüœæ]+")


def syllables(word: str) -> int:
    """English: count vowel groups, the usual estimate (a silent final 'e' does not count)."""
    word = word.lower()
    groups = re.findall(r"[aeiouy]+", word)
    count = len(groups)
    if word.endswith("e") and not word.endswith(("le", "ee", "ye")) and count > 1:
        count -= 1
    if word.endswith(("ed", "es")) and count > 1 and not re.search(r"[td]ed$|[sxzh]es$|ces$|ges$", word):
        count -= 1
    return max(count, 1)


def syllables_fr(word: str) -> int:
    """French: vowel groups, less a mute final e, es or ent (« crème », « restent »)."""
    word = word.lower()
    count = len(_VOWELS_FR.findall(word))
    if count > 1 and re.search(r"[^aeiouyéèêàâîôû](e|es|ent)$", word):
        count -= 1
    return max(count, 1)


def _sentences(texts: list[str]) -> int:
    return sum(max(1, len(_SENTENCE_END.findall(text.strip() + " "))) for text in texts)


def _rates(texts: list[str], word: re.Pattern[str], syllables_of: Callable[[str], int]) -> tuple[float, float] | None:
    """Words per sentence and syllables per word of a list of texts; None when they have no word."""
    words = [w for text in texts for w in word.findall(text)]
    if not words:
        return None
    return len(words) / _sentences(texts), sum(syllables_of(w) for w in words) / len(words)


def grade(sentences: list[str]) -> float:
    """Flesch-Kincaid grade of a list of texts (each a sentence, a list item or a short paragraph)."""
    rates = _rates(sentences, _WORD, syllables)
    if rates is None:
        return 0.0
    per_sentence, per_word = rates
    return round(0.39 * per_sentence + 11.8 * per_word - 15.59, 1)


def reading_ease_fr(sentences: list[str]) -> float:
    """Kandel-Moles reading ease of French text (Flesch adapted to French: higher is easier)."""
    rates = _rates(sentences, _WORD_FR, syllables_fr)
    if rates is None:
        return 100.0
    per_sentence, per_word = rates
    return round(207 - 1.015 * per_sentence - 73.6 * per_word, 1)


def check_reading_level(sheet: Sheet, lang: str, translate: Callable[[str], str] | None = None,
                        where: Path | None = None) -> list[Finding]:
    """The reading level of a sheet in English, or in French through ``translate``: an error, a warning or nothing."""
    texts = [translate(t.text) if translate else t.text for t in sheet.texts()]
    path = where or sheet.path
    if lang == "en":
        value = grade(texts)
        if value > MAX_GRADE:
            return [Finding(f"'{sheet.name}' (en) reads at grade {value} (Flesch-Kincaid); keep it at "
                            f"{MAX_GRADE:g} or below: shorter sentences, everyday words.", path, 1)]
        if value > WARN_GRADE:
            return [Finding(f"'{sheet.name}' (en) reads at grade {value} (Flesch-Kincaid); aim for "
                            f"{WARN_GRADE:g} or below.", path, 1, WARNING)]
    elif lang == "fr":
        value = reading_ease_fr(texts)
        if value < MIN_EASE_FR:
            return [Finding(f"'{sheet.name}' (fr) has a reading ease of {value} (Kandel-Moles); keep it at "
                            f"{MIN_EASE_FR:g} or above: shorter sentences, everyday words.", path, 1)]
        if value < WARN_EASE_FR:
            return [Finding(f"'{sheet.name}' (fr) has a reading ease of {value} (Kandel-Moles); aim for "
                            f"{WARN_EASE_FR:g} or above.", path, 1, WARNING)]
    return []
