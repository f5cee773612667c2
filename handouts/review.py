"""A clinician's review covers the exact text reviewed.

A reviewed sheet's ``review:`` block carries ``text_hash``, a fingerprint of the English and
French text the clinician read. When either text changes afterwards, the fingerprint no
longer matches and the sheet is a draft again on its own: the build prints it as one,
``handouts list`` and ``handouts check`` say why. Marking a sheet reviewed stays a plain edit
of its content file: ``handouts review`` prints the fingerprint to copy in.

``handouts review`` writes one PDF for the clinician with every sheet awaiting review, in
English and French side by side, and what changed since its last review. The text of each
review is kept in ``content/_reviewed/<sheet>.json`` (written by ``handouts review`` when it
finds the fingerprint of a sheet matching), which the next packet compares with.
"""

from __future__ import annotations

import difflib
import hashlib
import json
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

from handouts.catalogs import Translator, load_catalog
from handouts.content import Sheet
from handouts.errors import HandoutsError, Problem
from handouts.po import Catalog
from handouts.safefile import read_file, write_atomically

MAX_SNAPSHOT_BYTES = 1_000_000  # the text of one reviewed sheet, both languages: a few kB

SNAPSHOT_DIR = "_reviewed"
REVIEW_MAX_AGE_MONTHS = 24


def sheet_texts(sheet: Sheet, catalog: Catalog | None) -> list[tuple[str, str, str]]:
    """(part, English, French) of every text of a sheet, in printed order; French '' when missing."""
    translator = Translator("fr", catalog)
    rows = []
    for text in sheet.texts():
        entry = translator.entry(text.text) if catalog is not None else None
        part = f"shared rule '{text.shared}'" if text.shared else text.part
        rows.append((part, text.text, entry.msgstr if entry else ""))
    return rows


def fingerprint(sheet: Sheet, catalog: Catalog | None) -> str:
    """The fingerprint of a sheet's English and French text, as written in ``review.text_hash``."""
    digest = hashlib.sha256()
    for part, english, french in sheet_texts(sheet, catalog):
        digest.update(f"{part}\0{english}\0{french}\n".encode())
    return "sha256:" + digest.hexdigest()[:16]


def french_catalog(locales_dir: Path) -> Catalog | None:
    try:
        return load_catalog(locales_dir, "fr")
    except HandoutsError:
        return None  # a broken catalog is reported by the build and by 'check'


def apply_reviews(sheets: list[Sheet], locales_dir: Path, catalog: Catalog | None = None) -> list[Sheet]:
    """The sheets with ``review.stale`` set where the text changed after the review."""
    catalog = catalog if catalog is not None else french_catalog(locales_dir)
    result = []
    for sheet in sheets:
        review = sheet.review
        if review.status == "reviewed" and review.text_hash != fingerprint(sheet, catalog):
            sheet = replace(sheet, review=replace(review, stale=True))
        result.append(sheet)
    return result


def stale_warnings(sheets: list[Sheet], locales_dir: Path, catalog: Catalog | None = None) -> list[Problem]:
    """One warning per reviewed sheet whose text changed since the review."""
    catalog = catalog if catalog is not None else french_catalog(locales_dir)
    warnings = []
    for sheet in apply_reviews(sheets, locales_dir, catalog):
        review = sheet.review
        if review.stale:
            why = ("has no text_hash" if not review.text_hash
                   else "its English or French text changed since then")
            warnings.append(Problem(
                f"'{sheet.name}' was reviewed on {review.reviewed_on} but {why}, so it prints as a DRAFT. "
                f"Run 'handouts review' for the clinician's packet; after the review, set "
                f'text_hash: "{fingerprint(sheet, catalog)}".', sheet.path, review.line or None))
    return warnings


def check_reviews(sheets: list[Sheet], release: bool, today: date) -> tuple[list[Problem], list[Problem]]:
    """--release refuses drafts; a review older than 24 months is a warning in every build."""
    problems: list[Problem] = []
    warnings: list[Problem] = []
    for sheet in sheets:
        review = sheet.review
        if review.is_draft and release and review.stale and not review.text_hash:
            problems.append(Problem(
                f"'{sheet.name}' is marked reviewed but its review has no text_hash, so nobody can tell which "
                "text the clinician read and --release will not print it. Run 'handouts review' and copy the "
                "sheet's fingerprint into text_hash once the clinician has read that text.",
                sheet.path, review.line or None))
        elif review.is_draft and release and review.stale:
            problems.append(Problem(
                f"'{sheet.name}' changed since its review, so --release will not print it for patients. "
                "Ask a clinician to review it again ('handouts review').", sheet.path, review.line or None))
        elif review.is_draft and release:
            problems.append(Problem(
                f"'{sheet.name}' is a draft that no clinician has reviewed, so --release will not print it "
                "for patients. After the review, set status: \"reviewed\", reviewed_by and reviewed_on.",
                sheet.path, review.line or None))
        elif not review.is_draft and review.reviewed_on is not None:
            months = (today.year - review.reviewed_on.year) * 12 + today.month - review.reviewed_on.month
            if months > REVIEW_MAX_AGE_MONTHS or (months == REVIEW_MAX_AGE_MONTHS
                                                   and today.day > review.reviewed_on.day):
                warnings.append(Problem(
                    f"'{sheet.name}' was last reviewed on {review.reviewed_on.isoformat()}, more than "
                    f"{REVIEW_MAX_AGE_MONTHS} months ago; ask a clinician to review it again.",
                    sheet.path, review.line or None))
    return problems, warnings


# ------------------------------------------------------------------ the clinician's packet


@dataclass
class Awaiting:
    sheet: Sheet
    rows: list[tuple[str, str, str]]
    fingerprint: str
    changes: list[tuple[str, str, str, str]]  # (part, what, before, after); empty: first review or no record
    note: str


def snapshot_path(content_dir: Path, name: str) -> Path:
    return content_dir / SNAPSHOT_DIR / f"{name}.json"


def record_reviewed(sheets: list[Sheet], content_dir: Path, catalog: Catalog | None) -> list[Path]:
    """Keep the text of every sheet whose review covers its current text (for the next packet's changes)."""
    written = []
    for sheet in sheets:
        print_ = fingerprint(sheet, catalog)
        if sheet.review.status != "reviewed" or sheet.review.text_hash != print_:
            continue
        path = snapshot_path(content_dir, sheet.name)
        data = {"text_hash": print_, "reviewed_on": str(sheet.review.reviewed_on),
                "texts": [list(row) for row in sheet_texts(sheet, catalog)]}
        new = json.dumps(data, ensure_ascii=False, indent=1) + "\n"
        if not path.exists() or read_file(path, MAX_SNAPSHOT_BYTES, content_dir.parent).decode("utf-8") != new:
            write_atomically(path, new.encode("utf-8"))
            written.append(path)
    return written


def changes_since(old: list[list[str]], new: list[tuple[str, str, str]]) -> list[tuple[str, str, str, str]]:
    """What changed, text by text: (part, 'changed'|'added'|'removed', before, after) per language."""
    before = [f"{english}\n{french}" for _, english, french in old]
    after = [f"{english}\n{french}" for _, english, french in new]
    found = []
    matcher = difflib.SequenceMatcher(a=before, b=after, autojunk=False)
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        if op == "equal":
            continue
        olds, news = old[a1:a2], new[b1:b2]
        for index in range(max(len(olds), len(news))):
            o = olds[index] if index < len(olds) else None
            n = news[index] if index < len(news) else None
            part = n[0] if n else o[0] if o else ""  # one of them is there: the range is not empty
            what = "changed" if o and n else "added" if n else "removed"
            found.append((part, what, f"{o[1]} / {o[2]}" if o else "", f"{n[1]} / {n[2]}" if n else ""))
    return found


def awaiting_review(sheets: list[Sheet], content_dir: Path, catalog: Catalog | None) -> list[Awaiting]:
    """Every sheet that is a draft or whose text changed since its review, with its changes."""
    result = []
    for sheet in apply_reviews(sheets, content_dir, catalog):
        if not sheet.review.is_draft:
            continue
        rows = sheet_texts(sheet, catalog)
        snapshot = snapshot_path(content_dir, sheet.name)
        changes: list[tuple[str, str, str, str]] = []
        if snapshot.exists():
            try:
                data = json.loads(read_file(snapshot, MAX_SNAPSHOT_BYTES, content_dir.parent).decode("utf-8"))
            except (ValueError, RecursionError) as err:  # not UTF-8, not JSON, nested too deep
                raise HandoutsError("is damaged (it is written by 'handouts review'); delete it and run "
                                    "'handouts review' again.", snapshot) from err
            if not isinstance(data, dict):
                data = {}
            changes = changes_since(data.get("texts", []), rows)
            note = f"Changes since the review of {data.get('reviewed_on', '?')}: {len(changes)}."
        elif sheet.review.stale:
            note = "Reviewed before, but no record of the reviewed text: read all of it."
        else:
            note = "First review: read all of it."
        result.append(Awaiting(sheet, rows, fingerprint(sheet, catalog), changes, note))
    return result


PACKET_TEMPLATE = """<!DOCTYPE html>
<html lang="en-CA"><head><meta charset="utf-8"><title>Sheets awaiting review</title>
<style>
@page { size: letter; margin: 0.5in; @bottom-right { content: counter(page) " / " counter(pages); } }
:root { --primary: #1a4d4a; --accent: #1a4d4a; }
body { font-size: 10pt; }
h1 { font-size: 18pt; } h2 { font-size: 14pt; break-before: page; } h2.first { break-before: auto; }
table { width: 100%; border-collapse: collapse; margin: 0.05in 0 0.15in; table-layout: fixed; }
th, td { border: 0.5pt solid #888; padding: 2pt 4pt; vertical-align: top; text-align: left; }
th.part, td.part { width: 18%; color: #444; }
.fingerprint { font-weight: bold; border: 1.5pt solid #000; padding: 4pt; }
tr.changed td { background: #fff3c4; }
</style></head><body>
<h1>Sheets awaiting a clinician's review ({{ items|length }})</h1>
<p>For each sheet: read the English and the French. To approve it, write in its content file
(content/&lt;sheet&gt;.yaml) <b>status: "reviewed"</b>, <b>reviewed_by</b>, <b>reviewed_on</b> and the
<b>text_hash</b> printed with it. If the text changes afterwards, the sheet becomes a draft again.</p>
{% for item in items %}
<h2 class="{{ 'first' if loop.first else '' }}">{{ item.sheet.title.text }} ({{ item.sheet.name }})</h2>
<p class="fingerprint">text_hash: "{{ item.fingerprint }}"</p>
<p>{{ item.note }}</p>
{% if item.changes %}
<table><tr><th class="part">Part</th><th>Change</th><th>Before (English / French)</th>\
<th>Now (English / French)</th></tr>
{% for part, what, before, after in item.changes %}<tr class="changed"><td class="part">{{ part }}</td>\
<td>{{ what }}</td><td>{{ before }}</td><td>{{ after }}</td></tr>{% endfor %}
</table>
{% endif %}
<table><tr><th class="part">Part</th><th>English</th><th lang="fr-CA">Français</th></tr>
{% for part, english, french in item.rows %}<tr><td class="part">{{ part }}</td><td>{{ english }}</td>\
<td lang="fr-CA">{{ french or "(not translated)" }}</td></tr>{% endfor %}
</table>
{% endfor %}
</body></html>
"""


def packet_html(items: list[Awaiting]) -> str:
    import jinja2

    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    return env.from_string(PACKET_TEMPLATE).render(items=items)
