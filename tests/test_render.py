"""Rendering: translations are text, never markup or template code; dates follow the language."""

from __future__ import annotations

import pytest

from handouts.errors import HandoutsError
from handouts.local_formats import format_phone

from .conftest import render_sheet

render = render_sheet


@pytest.mark.parametrize(
    "hostile",
    [
        '<img src=\\"file:///etc/passwd\\">',
        '<link rel=\\"attachment\\" href=\\"file:///etc/passwd\\">',
        "<style>@import url(http://127.0.0.1:9/x.css);</style>",
    ],
)
def test_markup_in_a_template_translation_is_printed_as_text(hostile):
    html = render({"What to do": hostile})
    assert "<img src=" not in html and "<link rel=\"attachment\"" not in html and "<style>@import" not in html
    assert "&lt;" in html


def test_markup_in_a_content_translation_is_printed_as_text():
    html = render({"Redness after microneedling": "<b>Rougeurs</b>"})
    assert "&lt;b&gt;Rougeurs&lt;/b&gt;" in html


def test_template_code_in_a_translation_is_not_evaluated():
    html = render({"What to avoid": "{{ 7*7 }}"})
    assert "{{ 7*7 }}" in html and "49" not in html


def test_a_translation_with_a_wrong_placeholder_is_refused_with_its_line():
    with pytest.raises(HandoutsError) as caught:
        render({"Call the clinic the same day at %(phone)s if:": "Appelez au %(telephone)s si :"})
    assert str(caught.value).startswith("fr.po:7: the translation of 'Call the clinic the same day at %(phone)s")


def test_review_date_follows_the_language():
    assert "Reviewed by Dr. Roy on November 20, 2026." in render({}, lang="en", reviewed=True)
    assert "20 novembre 2026" in render({"Reviewed by %(name)s on %(date)s.": "Révisé par %(name)s le %(date)s."},
                                         reviewed=True)


def test_the_clinic_phone_comes_from_the_brand_in_each_language_format():
    assert format_phone("5145550142", "fr") == "514\u00a0555-0142"
    assert format_phone("5145550142", "en") == "514-555-0142"
    assert "Call the clinic the same day at <bdi dir=\"ltr\">514-555-0142</bdi> if:" in render({}, lang="en")
