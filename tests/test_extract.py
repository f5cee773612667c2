"""Extraction: every content text becomes a located, commented message, and the committed .pot is current."""

from __future__ import annotations

import subprocess
import sys
from io import BytesIO

from handouts.catalogs import template_path
from handouts.extract import extract_content
from handouts.po import read_po

from .conftest import ROOT


def test_extractor_yields_line_text_and_translator_comment():
    source = BytesIO(
        b'title: "Dry skin"\nsummary: "It is common."\nreview:\n  status: "draft"\n'
        b'what_is_happening: ["a."]\nhow_long: ["b."]\nwhat_to_do:\n  - "Drink water."\n  - "Rest."\n'
        b'what_to_avoid: ["c."]\ncall_the_clinic: ["d."]\nget_urgent_help: ["e."]\n'
    )
    source.name = "content/dryness.yaml"
    messages = list(extract_content(source, {}, [], {}))
    assert messages[0] == (1, None, "Dry skin", ["Sheet 'dryness': title."])
    assert (9, None, "Rest.", ["Sheet 'dryness': What to do, item 2."]) in messages


def test_committed_template_matches_a_fresh_pybabel_extract(tmp_path):
    """The documented `pybabel extract` (through the entry point) gives the committed .pot."""
    fresh = tmp_path / "messages.pot"
    result = subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "pyproject.toml",
         "-c", "TRANSLATORS:", "--sort-by-file", "-w", "79", "-o", str(fresh), "."],
        cwd=ROOT, capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stderr
    committed = read_po(template_path(ROOT / "locales"))
    extracted = read_po(fresh)

    def summary(catalog):
        return [(e.msgctxt, e.msgid, e.locations, " ".join(e.auto_comments)) for e in catalog.entries]

    assert summary(extracted) == summary(committed), "run the pybabel extract command in README.md"
    assert all(e.auto_comments for e in committed.entries), "every message needs a translator comment"
