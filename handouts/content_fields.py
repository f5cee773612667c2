"""The fields of a content file, read from its YAML nodes: texts, lists of texts, the timeline, the review.

Each reader appends every problem it finds (with its line) to ``problems`` and returns what
it could read, so a file's mistakes are all reported at once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from handouts.errors import Problem
from handouts.yamlfile import Mapping, Node, Scalar, Sequence, check_keys

TIMELINE = "timeline"
TIMELINE_LABEL = "Day by day"
REVIEW_STATUSES = ("draft", "reviewed")
MAX_TEXT_LENGTH = 600  # characters in one title, summary or list item


@dataclass(frozen=True)
class Text:
    """One translatable piece of a sheet, with where it comes from."""

    text: str
    line: int
    part: str  # for translators: "title", "What to do, item 3"
    shared: str = ""  # the key of a shared rule (content/_shared.yaml), or "" for the sheet's own text


@dataclass(frozen=True)
class Step:
    """One step of the day-by-day timeline: when ("Days 1-2") and what is normal then."""

    when: Text
    what: Text


@dataclass(frozen=True)
class Review:
    status: str
    reviewed_by: str
    reviewed_on: date | None
    line: int = 0  # the line of review.status, for messages about it
    text_hash: str = ""  # fingerprint of the English and French text the clinician reviewed
    stale: bool = False  # reviewed, but the text changed since: printed as a draft (handouts/review.py)

    @property
    def is_draft(self) -> bool:
        return self.status != "reviewed" or self.stale


def timeline_field(root: Mapping, path: Path, problems: list[Problem]) -> tuple[Step, ...]:
    """``timeline:`` a list of ``- when: "Day 0"`` / ``what: "..."`` pairs, in order."""
    if TIMELINE not in root.items:
        return ()
    line, node = root.items[TIMELINE]
    if not isinstance(node, Sequence) or not node.items:
        problems.append(Problem("'timeline' must be a list of steps, each with when: and what:.", path, line))
        return ()
    steps = []
    for number, item in enumerate(node.items, 1):
        if not isinstance(item, Mapping):
            problems.append(Problem(f"timeline step {number} must have when: and what:.", path, item.line))
            continue
        found = check_keys(item, path, ("when", "what"), where=f"timeline, step {number}")
        problems += found
        if found:
            continue
        when = text_node(item.items["when"][1], f"timeline, step {number}, when",
                          f"{TIMELINE_LABEL}, step {number}, when", path, problems, item.items["when"][0])
        what = text_node(item.items["what"][1], f"timeline, step {number}, what",
                          f"{TIMELINE_LABEL}, step {number}, what", path, problems, item.items["what"][0])
        if when and what:
            steps.append(Step(when, what))
    return tuple(steps)


def text_field(mapping: Mapping, key: str, part: str, path: Path, problems: list[Problem]) -> Text | None:
    """The text of ``key`` (``part``: where a translator is told it is), or None when absent or wrong."""
    if key not in mapping.items:
        return None
    line, node = mapping.items[key]
    return text_node(node, key, part, path, problems, line)


def text_node(
    node: Node, field: str, part: str, path: Path, problems: list[Problem], line: int
) -> Text | None:
    """One piece of text: a scalar, not empty, not too long, with no control character."""
    if not isinstance(node, Scalar):
        hint = ' (a ": " inside a text makes YAML read it as a field: put the text in double quotes)' \
            if isinstance(node, Mapping) else ""
        problems.append(Problem(f"'{field}' must be a piece of text{hint}.", path, line))
        return None
    text = " ".join(node.value.split())  # folded lines and stray spaces become single spaces
    if not text:
        problems.append(Problem(f"'{field}' is empty; write the text for it.", path, node.line))
        return None
    if len(text) > MAX_TEXT_LENGTH:
        problems.append(
            Problem(
                f"'{field}' is {len(text)} characters long; keep each piece under "
                f"{MAX_TEXT_LENGTH} characters so the sheet fits on one page.",
                path,
                node.line,
            )
        )
        return None
    bad = next((c for c in text if ord(c) < 32 or 0x7F <= ord(c) < 0xA0), None)
    if bad is not None:
        problems.append(
            Problem(f"'{field}' contains an invisible control character (U+{ord(bad):04X}); delete it.",
                    path, node.line)
        )
        return None
    return Text(text, node.line, part)


def list_field(mapping: Mapping, key: str, label: str, path: Path, problems: list[Problem],
               resolve: Callable[[Mapping], Text | None] | None = None) -> tuple[Text, ...]:
    """A list of texts; ``resolve`` turns an item ``- shared: "key"`` into that shared rule."""
    if key not in mapping.items:
        return ()
    line, node = mapping.items[key]
    if not isinstance(node, Sequence):
        problems.append(
            Problem(f"'{key}' must be a list: one item per line, each starting with '- '.", path, line)
        )
        return ()
    if not node.items:
        problems.append(Problem(f"'{key}' is an empty list; add at least one item.", path, line))
        return ()
    texts = []
    for number, item in enumerate(node.items, 1):
        if isinstance(item, Mapping) and resolve is not None and "shared" in item.items:
            text = resolve(item)
        else:
            text = text_node(item, f"{key}, item {number}", f"{label}, item {number}", path, problems, item.line)
        if text:
            texts.append(text)
    return tuple(texts)


def review_field(root: Mapping, path: Path, problems: list[Problem]) -> Review | None:
    """``review:`` status, reviewed_by, reviewed_on and text_hash; None (with the problems) when it cannot be read."""
    if "review" not in root.items:
        return None
    line, node = root.items["review"]
    if not isinstance(node, Mapping):
        problems.append(
            Problem("'review' must hold the fields status, reviewed_by and reviewed_on.", path, line)
        )
        return None
    found = check_keys(node, path, ("status",), ("reviewed_by", "reviewed_on", "text_hash"), where="review")
    problems += found
    values: dict[str, tuple[str, int]] = {}
    for key in ("status", "reviewed_by", "reviewed_on", "text_hash"):
        if key in node.items:
            key_line, value = node.items[key]
            if isinstance(value, Scalar):
                values[key] = (value.value.strip(), value.line)
            else:
                problems.append(Problem(f"'review.{key}' must be a piece of text.", path, key_line))
    status, status_line = values.get("status", ("", node.line))
    if "status" in values and status not in REVIEW_STATUSES:
        problems.append(
            Problem(f"'review.status' is '{status}'; it must be 'draft' or 'reviewed'.", path, status_line)
        )
    reviewed_by, reviewed_on = _reviewer(status, values, node.line, path, problems)
    if found:
        return None
    return Review(status, reviewed_by, reviewed_on, status_line, values.get("text_hash", ("", 0))[0])


def _reviewer(status: str, values: dict[str, tuple[str, int]], line: int, path: Path,
              problems: list[Problem]) -> tuple[str, date | None]:
    """Who reviewed the sheet and when: both needed once it is reviewed, the date real and not to come."""
    reviewed_by, by_line = values.get("reviewed_by", ("", line))
    reviewed_on_text, on_line = values.get("reviewed_on", ("", line))
    reviewed_on = None
    if reviewed_on_text:
        try:
            reviewed_on = date.fromisoformat(reviewed_on_text)
        except ValueError:
            problems.append(
                Problem(
                    f"'review.reviewed_on' is '{reviewed_on_text}'; write the date as YYYY-MM-DD "
                    "(for example 2026-11-20).",
                    path,
                    on_line,
                )
            )
    if status == "reviewed":
        if not reviewed_by:
            problems.append(
                Problem("a reviewed sheet needs 'review.reviewed_by': the clinician who reviewed it.", path, by_line)
            )
        if not reviewed_on_text:
            problems.append(
                Problem("a reviewed sheet needs 'review.reviewed_on': the date of the review (YYYY-MM-DD).",
                        path, on_line)
            )
    if reviewed_on is not None and reviewed_on > date.today():
        problems.append(
            Problem(f"'review.reviewed_on' is {reviewed_on_text}, a date in the future; write the date of the review.",
                    path, on_line)
        )
    return reviewed_by, reviewed_on
