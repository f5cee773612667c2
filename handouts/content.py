"""Load and validate the content files (``content/<sheet>.yaml``) into Handout objects."""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

from handouts.errors import HandoutsError, Problem, raise_if_any
from handouts.safefile import read_file
from handouts.yamlfile import MAX_YAML_BYTES, Mapping, Node, Scalar, Sequence, check_keys, parse_yaml

# The parts of a sheet, in printed order, with the name a translator sees.
SECTIONS: dict[str, str] = {
    "key_points": "In short",
    "what_is_happening": "What is happening",
    "how_long": "How long it lasts",
    "what_to_do": "What to do",
    "what_to_avoid": "What to avoid",
    "call_the_clinic": "Call the clinic if",
    "get_urgent_help": "Get help right away if",
}
# Parts a sheet may leave out: 'handouts check' (handouts/quality.py) reports what a
# patient would miss; the older layout's how_long gave way to the day-by-day timeline.
OPTIONAL_SECTIONS = ("key_points", "how_long")
TIMELINE = "timeline"
TIMELINE_LABEL = "Day by day"
SHARED_FILE = "_shared.yaml"  # rules written once, used by every sheet that names them
SHARED_KEY = re.compile(r"^[a-z0-9][a-z0-9_]*$")
REVIEW_STATUSES = ("draft", "reviewed")
MAX_TEXT_LENGTH = 600  # characters in one title, summary or list item
SHEET_NAME = re.compile(r"^[a-z0-9][a-z0-9-]*$")


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


@dataclass(frozen=True)
class Handout:
    name: str
    path: Path
    title: Text
    summary: Text
    review: Review
    sections: dict[str, tuple[Text, ...]]
    timeline: tuple[Step, ...] = ()

    def texts(self) -> Iterator[Text]:
        """Every text in printed order (the sheet's own and the shared rules it uses)."""
        yield self.title
        yield self.summary
        for key, items in self.sections.items():
            if key == "what_to_do" and self.timeline:  # printed before what to do
                for step in self.timeline:
                    yield step.when
                    yield step.what
            yield from items

    def map_texts(self, change: Callable[[Text], Text]) -> Handout:
        """A copy with every text passed through ``change`` (used to translate)."""
        return replace(
            self,
            title=change(self.title),
            summary=change(self.summary),
            sections={key: tuple(change(t) for t in items) for key, items in self.sections.items()},
            timeline=tuple(Step(change(s.when), change(s.what)) for s in self.timeline),
        )


def sheet_paths(content_dir: Path) -> list[Path]:
    """The content files, sorted by sheet name."""
    if not content_dir.is_dir():
        raise HandoutsError("the content folder does not exist.", content_dir)
    return sorted(p for p in content_dir.glob("*.yaml") if not p.name.startswith("_"))


@dataclass(frozen=True)
class SharedRules:
    """The rules every sheet uses word for word (content/_shared.yaml): key -> Text."""

    path: Path
    rules: dict[str, Text]


def load_shared(content_dir: Path) -> SharedRules | None:
    """The shared rules next to the sheets, or None when the project has none."""
    path = content_dir / SHARED_FILE
    if not path.exists():
        return None
    return parse_shared(read_file(path, MAX_YAML_BYTES, content_dir.parent, what="content file"), path)


def parse_shared(data: bytes, path: Path) -> SharedRules:
    """``key: "text"`` lines, one per rule; every problem reported at once."""
    root = parse_yaml(data, path)
    if not isinstance(root, Mapping):
        raise HandoutsError('must be a list of rules, one per line: key: "text".', path, root.line if root else 1)
    problems: list[Problem] = []
    rules = {}
    for key, (line, node) in root.items.items():
        if not SHARED_KEY.match(key):
            problems.append(Problem(f"the rule name '{key}' may use only lowercase letters, digits and _.", path, line))
            continue
        text = _text_node(node, key, f"shared rule '{key}'", path, problems, line)
        if text:
            rules[key] = replace(text, shared=key)
    raise_if_any(problems)
    return SharedRules(path, rules)


def load_handouts(content_dir: Path, names: tuple[str, ...] = ()) -> list[Handout]:
    """Load every sheet (or only ``names``), reporting the problems of all files at once."""
    paths = sheet_paths(content_dir)
    if names:
        paths = [p for p in paths if p.stem in names]
    problems: list[Problem] = []
    handouts = []
    try:
        shared = load_shared(content_dir)
    except HandoutsError as err:
        raise_if_any(err.problems)
    for path in paths:
        try:
            handouts.append(load_handout(path, shared, content_dir.parent))
        except HandoutsError as err:
            problems.extend(err.problems)
    raise_if_any(problems)
    return handouts


def load_handout(path: Path, shared: SharedRules | None = None, root: Path | None = None) -> Handout:
    """Read one content file; ``root``: the project folder it must be in, links resolved."""
    return parse_handout(read_file(path, MAX_YAML_BYTES, root, what="content file"), path, shared)


def parse_handout(data: bytes, path: Path, shared: SharedRules | None = None) -> Handout:
    """Validate one content file against the schema; every problem in it is reported at once.

    An item written ``- shared: "key"`` is the shared rule of that name (``shared``, or
    ``_shared.yaml`` next to the file when not given).
    """
    name = path.stem
    problems: list[Problem] = []
    if not SHEET_NAME.match(name):
        problems.append(
            Problem(
                "a sheet's file name must use only lowercase letters, digits and dashes "
                "(for example 'redness.yaml').",
                path,
            )
        )
    root = parse_yaml(data, path)
    if not isinstance(root, Mapping):
        raise HandoutsError(
            "must be a list of fields (title:, summary:, review:, what_to_do:, ...); "
            "see content/redness.yaml for an example.",
            path,
            root.line if root else 1,
        )
    required = tuple(k for k in SECTIONS if k not in OPTIONAL_SECTIONS)
    optional = tuple(k for k in SECTIONS if k in OPTIONAL_SECTIONS)
    problems += check_keys(root, path, ("title", "summary", "review", *required), (*optional, TIMELINE))
    title = _text(root, "title", "title", path, problems)
    summary = _text(root, "summary", "summary", path, problems)
    review = _review(root, path, problems)
    resolve = _resolver(path, shared, problems)
    sections = {key: _items(root, key, label, path, problems, resolve) for key, label in SECTIONS.items()}
    timeline = _timeline(root, path, problems)
    raise_if_any(problems)
    assert title and summary and review  # guaranteed when there are no problems
    return Handout(name, path, title, summary, review, sections, timeline)


def _resolver(path: Path, shared: SharedRules | None, problems: list[Problem]) -> Callable[[Mapping], Text | None]:
    """Turns ``- shared: "key"`` into the shared rule's text (loaded at the first use)."""
    loaded: list[SharedRules | None] = [shared]

    def resolve(node: Mapping) -> Text | None:
        line = node.line
        if set(node.items) != {"shared"} or not isinstance(node.items["shared"][1], Scalar):
            problems.append(Problem('an item is either a text in double quotes or shared: "rule name".', path, line))
            return None
        key = node.items["shared"][1].value.strip()  # type: ignore[union-attr]
        if loaded[0] is None:
            try:
                loaded[0] = load_shared(path.parent)
            except HandoutsError as err:
                problems.extend(err.problems)
                return None
        rules = loaded[0]
        if rules is None:
            problems.append(Problem(f"the shared rule '{key}' is used, but there is no {SHARED_FILE} "
                                    "in the content folder.", path, line))
            return None
        if key not in rules.rules:
            close = difflib.get_close_matches(key, list(rules.rules), n=1)
            hint = f" Did you mean '{close[0]}'?" if close else ""
            problems.append(Problem(f"there is no shared rule '{key}' in {SHARED_FILE}.{hint}", path, line))
            return None
        return rules.rules[key]

    return resolve


def _timeline(root: Mapping, path: Path, problems: list[Problem]) -> tuple[Step, ...]:
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
        when = _text_node(item.items["when"][1], f"timeline, step {number}, when",
                          f"{TIMELINE_LABEL}, step {number}, when", path, problems, item.items["when"][0])
        what = _text_node(item.items["what"][1], f"timeline, step {number}, what",
                          f"{TIMELINE_LABEL}, step {number}, what", path, problems, item.items["what"][0])
        if when and what:
            steps.append(Step(when, what))
    return tuple(steps)


def _text(mapping: Mapping, key: str, part: str, path: Path, problems: list[Problem]) -> Text | None:
    if key not in mapping.items:
        return None
    line, node = mapping.items[key]
    return _text_node(node, key, part, path, problems, line)


def _text_node(
    node: Node, field: str, part: str, path: Path, problems: list[Problem], line: int
) -> Text | None:
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
            Problem(f"'{field}' contains an invisible control character (U+{ord(bad):04X}); delete it.", path, node.line)
        )
        return None
    return Text(text, node.line, part)


def _items(mapping: Mapping, key: str, label: str, path: Path, problems: list[Problem],
           resolve: Callable[[Mapping], Text | None] | None = None) -> tuple[Text, ...]:
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
            text = _text_node(item, f"{key}, item {number}", f"{label}, item {number}", path, problems, item.line)
        if text:
            texts.append(text)
    return tuple(texts)


def _review(root: Mapping, path: Path, problems: list[Problem]) -> Review | None:
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
    values = {}
    for key in ("status", "reviewed_by", "reviewed_on", "text_hash"):
        if key in node.items:
            key_line, value = node.items[key]
            if isinstance(value, Scalar):
                values[key] = (value.value.strip(), value.line)
            else:
                problems.append(Problem(f"'review.{key}' must be a piece of text.", path, key_line))
    status, status_line = values.get("status", ("", node.line))
    reviewed_by, by_line = values.get("reviewed_by", ("", node.line))
    reviewed_on_text, on_line = values.get("reviewed_on", ("", node.line))
    if "status" in values and status not in REVIEW_STATUSES:
        problems.append(
            Problem(f"'review.status' is '{status}'; it must be 'draft' or 'reviewed'.", path, status_line)
        )
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
                Problem("a reviewed sheet needs 'review.reviewed_on': the date of the review (YYYY-MM-DD).", path, on_line)
            )
    if reviewed_on is not None and reviewed_on > date.today():
        problems.append(
            Problem(f"'review.reviewed_on' is {reviewed_on_text}, a date in the future; write the date of the review.",
                    path, on_line)
        )
    if found:
        return None
    return Review(status, reviewed_by, reviewed_on, status_line, values.get("text_hash", ("", 0))[0])
