"""A review covers the exact text: a reviewed sheet edited afterwards prints as a draft (read back
from the PDF), 'list' and 'check' say so; 'handouts review' writes the clinician's packet."""

from __future__ import annotations

import re
from pathlib import Path

from click.testing import CliRunner

from handouts.cli import main
from handouts.content import load_sheets
from handouts.review import fingerprint, french_catalog

from .conftest import pdf_text


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def text_of(path: Path) -> str:
    return pdf_text(path).replace("\u00a0", " ")


def mark_reviewed(project: Path, name: str) -> str:
    sheet = load_sheets(project / "content", (name,))[0]
    text_hash = fingerprint(sheet, french_catalog(project / "locales"))
    path = project / "content" / f"{name}.yaml"
    path.write_text(re.sub(r"review:\n(  .*\n)+", 'review:\n  status: "reviewed"\n  reviewed_by: "Dr. Jeanne Roy"\n'
                           f'  reviewed_on: "2026-11-20"\n  text_hash: "{text_hash}"\n', path.read_text()))
    return text_hash


def test_the_fingerprint_covers_the_english_and_the_french(project):
    sheet = load_sheets(project / "content", ("dryness",))[0]
    catalog = french_catalog(project / "locales")
    before = fingerprint(sheet, catalog)
    assert re.fullmatch(r"sha256:[0-9a-f]{16}", before) and fingerprint(sheet, catalog) == before
    po = project / "locales" / "fr" / "LC_MESSAGES" / "messages.po"
    po.write_text(po.read_text().replace('msgstr "Pas d\'eau chaude ni de savon fort."',
                                         'msgstr "Évitez l\'eau chaude et les savons forts."'))
    assert fingerprint(sheet, french_catalog(project / "locales")) != before


def test_a_reviewed_sheet_edited_afterwards_prints_as_a_draft(project, tmp_path):
    mark_reviewed(project, "redness")
    out = tmp_path / "out"
    result = run("build", "--project", str(project), "--lang", "en", "--lang", "fr", "--out", str(out), "redness")
    assert result.exit_code == 0, result.output
    assert "Reviewed by Dr. Jeanne Roy on November 20, 2026." in text_of(out / "en" / "redness.pdf")
    assert "DRAFT" not in text_of(out / "en" / "redness.pdf")
    assert "[reviewed by Dr. Jeanne Roy on 2026-11-20]" in run("list", "--project", str(project)).output

    path = project / "content" / "redness.yaml"  # a plain edit of the English after the review
    path.write_text(path.read_text().replace('"Redness lasts more than 7 days."', '"Redness lasts more than 5 days."'))
    result = run("build", "--project", str(project), "--lang", "en", "--lang", "fr", "--out", str(out), "redness")
    assert result.exit_code == 0, result.output
    assert re.search(r"warning: \S*redness.yaml:\d+: 'redness' was reviewed on 2026-11-20 but its English or French "
                     r"text changed since then, so it prints as a DRAFT", result.stderr)
    english = text_of(out / "en" / "redness.pdf")
    assert "DRAFT: not for patients. The text changed after the review of November 20, 2026" in english
    assert "Review status: draft, the text changed after the review of November 20, 2026." in english
    assert "Reviewed by" not in english
    assert "BROUILLON" in text_of(out / "fr" / "redness.pdf")
    assert "DRAFT (text changed since the review of 2026-11-20)" in run("list", "--project", str(project)).output
    check = run("check", "--project", str(project))
    assert "'redness' was reviewed on 2026-11-20 but its English or French text changed" in check.output
    release = run("build", "--project", str(project), "--release", "--lang", "en", "--out", str(tmp_path / "r"),
                  "redness")
    assert release.exit_code == 1 and "'redness' changed since its review" in release.stderr


def test_the_review_packet_lists_every_sheet_awaiting_review_and_what_changed(project, tmp_path):
    packet = tmp_path / "packet.pdf"
    result = run("review", "--project", str(project), "--out", str(packet))
    assert result.exit_code == 0, result.output
    assert "wrote" in result.output and "(9 sheets awaiting review)" in result.output
    text = text_of(packet)
    assert "Sheets awaiting a clinician's review (9)" in text
    assert "Redness after microneedling" in text and "Rougeurs après le microneedling" in text
    assert "First review: read all of it." in text

    mark_reviewed(project, "redness")
    result = run("review", "--project", str(project), "--out", str(packet))  # keeps the reviewed text
    assert "(8 sheets awaiting review)" in result.output
    assert (project / "content" / "_reviewed" / "redness.json").is_file()
    assert "Redness after microneedling" not in text_of(packet)

    path = project / "content" / "redness.yaml"
    path.write_text(path.read_text().replace('"Redness lasts more than 7 days."', '"Redness lasts more than 5 days."'))
    result = run("review", "--project", str(project), "--out", str(packet))
    assert "(9 sheets awaiting review)" in result.output
    text = text_of(packet)
    assert "Changes since the review of 2026-11-20: 1." in text
    assert re.search(r"changed Redness lasts more than 7 days\. / La rougeur dure plus de 7 jours\. "
                     r"Redness lasts more than 5 days\.", text)
