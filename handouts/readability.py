"""Flesch-Kincaid grade level of English text, to keep the sheets plain (grade 8 or lower)."""

from __future__ import annotations

import re

MAX_GRADE = 8.0
_WORD = re.compile(r"[A-Za-z]+(?:['’-][A-Za-z]+)*")
_SENTENCE_END = re.compile(r"[.!?:]+(?:\s|$)")


def syllables(word: str) -> int:
    """Count vowel groups, the usual estimate (a silent final 'e' does not count)."""
    word = word.lower()
    groups = re.findall(r"[aeiouy]+", word)
    count = len(groups)
    if word.endswith("e") and not word.endswith(("le", "ee", "ye")) and count > 1:
        count -= 1
    if word.endswith(("ed", "es")) and count > 1 and not re.search(r"[td]ed$|[sxzh]es$|ces$|ges$", word):
        count -= 1
    return max(count, 1)


def grade(sentences: list[str]) -> float:
    """Flesch-Kincaid grade of a list of texts (each a sentence, a list item or a short paragraph)."""
    words = [w for text in sentences for w in _WORD.findall(text)]
    if not words:
        return 0.0
    count = sum(max(1, len(_SENTENCE_END.findall(text.strip() + " "))) for text in sentences)
    per_sentence = len(words) / count
    per_word = sum(syllables(w) for w in words) / len(words)
    return round(0.39 * per_sentence + 11.8 * per_word - 15.59, 1)
