"""Load and validate the content files (``content/<sheet>.yaml``) into Handout objects.

The readers of each field (texts, lists, the timeline, the review) are :mod:`handouts.content_fields`'s.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from handouts.content_fields import (
    TIMELINE,
    Review,
    Step,
    Text,
    list_field,
    review_field,
    text_field,
    text_node,
    timeline_field,
)
from handouts.errors import HandoutsError, Problem, raise_if_any
from handouts.safefile import read_file
from handouts.yamlfile import MAX_YAML_BYTES, Mapping, Scalar, check_keys, parse_yaml

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
SHARED_FILE = "_shared.yaml"  # rules written once, used by every sheet that names them
SHARED_KEY = re.compile(r"^[a-z0-9][a-z0-9_]*$")
SHEET_NAME = re.compile(r"^[a-z0-9][a-z0-9-]*$")


@dataclass(frozen=True)
class Sheet:
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

    def map_texts(self, change: Callable[[Text], Text]) -> Sheet:
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
        text = text_node(node, key, f"shared rule '{key}'", path, problems, line)
        if text:
            rules[key] = replace(text, shared=key)
    raise_if_any(problems)
    return SharedRules(path, rules)


def load_sheets(content_dir: Path, names: tuple[str, ...] = ()) -> list[Sheet]:
    """Load every sheet (or only ``names``), reporting the problems of all files at once."""
    paths = sheet_paths(content_dir)
    if names:
        paths = [p for p in paths if p.stem in names]
    problems: list[Problem] = []
    sheets = []
    try:
        shared = load_shared(content_dir)
    except HandoutsError as err:
        raise_if_any(err.problems)
    for path in paths:
        try:
            sheets.append(load_sheet(path, shared, content_dir.parent))
        except HandoutsError as err:
            problems.extend(err.problems)
    raise_if_any(problems)
    return sheets


def load_sheet(path: Path, shared: SharedRules | None = None, root: Path | None = None) -> Sheet:
    """Read one content file; ``root``: the project folder it must be in, links resolved."""
    return parse_sheet(read_file(path, MAX_YAML_BYTES, root, what="content file"), path, shared)


def parse_sheet(data: bytes, path: Path, shared: SharedRules | None = None) -> Sheet:
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
    title = text_field(root, "title", "title", path, problems)
    summary = text_field(root, "summary", "summary", path, problems)
    review = review_field(root, path, problems)
    resolve = _resolver(path, shared, problems)
    sections = {key: list_field(root, key, label, path, problems, resolve) for key, label in SECTIONS.items()}
    timeline = timeline_field(root, path, problems)
    raise_if_any(problems)
    assert title and summary and review  # guaranteed when there are no problems
    return Sheet(name, path, title, summary, review, sections, timeline)


def _resolver(path: Path, shared: SharedRules | None, problems: list[Problem]) -> Callable[[Mapping], Text | None]:
    """Turns ``- shared: "key"`` into the shared rule's text (loaded at the first use)."""
    loaded: list[SharedRules | None] = [shared]

    def resolve(node: Mapping) -> Text | None:
        line = node.line
        if set(node.items) != {"shared"} or not isinstance(node.items["shared"][1], Scalar):
            problems.append(Problem('an item is either a text in double quotes or shared: "rule name".', path, line))
            return None
        key = node.items["shared"][1].value.strip()
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
