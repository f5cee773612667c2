"""French typography at render time: OQLF spacing, quotes and apostrophes; English untouched."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from handouts.typography import NBSP, NNBSP, apply


@pytest.mark.parametrize(
    ("typed", "printed"),
    [
        ("Appelez la clinique si :", f"Appelez la clinique si{NBSP}:"),
        ("Appelez la clinique si:", f"Appelez la clinique si{NBSP}:"),
        ("Vous avez mal ?", f"Vous avez mal{NNBSP}?"),
        ("Attention ; lisez ceci !", f"Attention{NNBSP}; lisez ceci{NNBSP}!"),
        ('Le mot "purge"', f"Le mot «{NBSP}purge{NBSP}»"),
        ("«purge»", f"«{NBSP}purge{NBSP}»"),
        ("l'acné", "l’acné"),
        ("pendant 30 minutes", f"pendant 30{NBSP}minutes"),
        ("un écran solaire FPS 30", f"un écran solaire FPS{NBSP}30"),
        ("25 $", f"25{NBSP}$"),
        ("à 14 h 30", f"à{NBSP}14{NBSP}h{NBSP}30"),
        ("au 514 555-0142", f"au 514{NBSP}555-0142"),
        ("va à la clinique", f"va à{NBSP}la clinique"),
        ("http://exemple.ca à 9:30", f"http://exemple.ca à{NBSP}9:30"),
    ],
)
def test_french_rules(typed, printed):
    assert apply(typed, "fr") == printed


def test_english_is_untouched():
    text = 'Call us at 514-555-0142: "now" ; it\'s 30 minutes!'
    assert apply(text, "en") == text


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab1 2:;!?«»\"'h$-.éà") + [NBSP, NNBSP]), max_size=40))
def test_idempotent_and_never_changes_letters_or_digits(text):
    once = apply(text, "fr")
    assert apply(once, "fr") == once
    assert re.sub(r"[^\w]", "", once) == re.sub(r"[^\w]", "", text)
