"""Strict YAML reading that keeps line numbers and refuses YAML's traps for non-programmers.

Every scalar is read as text (``no``, ``on``, ``1:30`` and ``01234`` stay exactly as
typed; the schema decides what a field means), duplicate keys are refused, tabs used
for indentation are refused, and a `` #`` that would silently cut a value is refused.
"""

from __future__ import annotations

import difflib
import functools
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from handouts.characters import first_invisible, invisible_problem
from handouts.errors import HandoutsError, Problem


@dataclass(frozen=True)
class Scalar:
    value: str
    line: int
    quoted: bool


@dataclass(frozen=True)
class Sequence:
    items: list[Node]
    line: int


@dataclass(frozen=True)
class Mapping:
    # key -> (line of the key, value)
    items: dict[str, tuple[int, Node]] = field(default_factory=dict)
    line: int = 1


Node = Scalar | Sequence | Mapping

_PLAIN_TAGS = {"tag:yaml.org,2002:str", "tag:yaml.org,2002:seq", "tag:yaml.org,2002:map"}

_HINTS = {
    "mapping values are not allowed here": (
        "a ': ' (colon and space) inside a value; put the whole text in double quotes"
    ),
    "found character '\\t' that cannot start any token": (
        "a tab character; use spaces, not tabs"
    ),
    "found unexpected end of stream": "a quote that is opened and never closed",
    "could not find expected ':'": (
        "a line that is not 'key: value'; check the indentation and that every quote is closed"
    ),
}


MAX_YAML_BYTES = 1_000_000  # a content file is a few kB; bigger is a mistake or an attack
MAX_DEPTH = 16  # a sheet nests three levels; deeper would exhaust Python's stack


class _Refused(Exception):
    def __init__(self, message: str, line: int) -> None:
        super().__init__(message)
        self.message, self.line = message, line


class _StrictLoader(yaml.BaseLoader):
    """BaseLoader (every scalar is text) that refuses anchors, aliases and deep nesting."""

    _depth = 0

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
            raise _Refused(
                "YAML anchors and aliases (&name, *name) are not allowed; write each text out in full.",
                event.start_mark.line + 1,
            )
        if self._depth >= MAX_DEPTH:
            raise _Refused(f"the lists and fields are nested more than {MAX_DEPTH} levels deep.",
                           event.start_mark.line + 1)
        self._depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def read_yaml(path: Path, root: Path | None = None) -> Node | None:
    """Read a YAML file as a tree of located text, or raise one error naming every problem.

    ``root``: the project folder the file must be in, links resolved (see :mod:`handouts.safefile`).
    """
    from handouts.safefile import read_file

    return parse_yaml(read_file(path, MAX_YAML_BYTES, root, what="YAML file"), path)


# Characters YAML refuses (its reader's list) or reads as line breaks that no editor shows.
_INVISIBLE = re.compile("[^\t\n\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def parse_yaml(data: bytes, path: Path) -> Node | None:
    """The file's tree, or one error naming every problem in it.

    The same bytes give the same tree: a process that reads a file again unchanged ('handouts
    watch' after another file was saved) gets the tree it parsed before, which nothing changes.
    """
    return _parse_yaml(data, path)


@functools.lru_cache(maxsize=256)  # about 5 kB of text per file: a project's files, many times over
def _parse_yaml(data: bytes, path: Path) -> Node | None:
    if len(data) > MAX_YAML_BYTES:
        raise HandoutsError(
            f"is {len(data) // 1000} kB; a YAML file here must be under {MAX_YAML_BYTES // 1000} kB.", path, 1
        )
    # Windows (CRLF) and old Mac (CR) line ends: every editor shows them as line breaks.
    text = decode_text(data, path).replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    problems = []
    for number, line in enumerate(lines, 1):
        invisible = _INVISIBLE.search(line)
        if invisible:
            problems.append(
                Problem(
                    f"this line contains an invisible control character (U+{ord(invisible.group()):04X}); "
                    "delete it.",
                    path,
                    number,
                )
            )
        elif first_invisible(line, allowed="\t"):  # bidi controls, zero-width and other invisible characters
            problems.append(Problem(f"this line {invisible_problem(line, allowed=chr(9))}", path, number))
        elif "\t" in line[: len(line) - len(line.lstrip(" \t"))]:
            problems.append(Problem("this line is indented with a tab; YAML needs spaces here.", path, number))
    if problems:
        raise HandoutsError.collect(problems)
    try:
        root = yaml.compose(text, Loader=_StrictLoader)
    except _Refused as err:
        raise HandoutsError(err.message, path, err.line) from err
    except yaml.MarkedYAMLError as err:
        raise _syntax_error(err, path, text) from err
    except yaml.YAMLError as err:  # pragma: no cover - every PyYAML error we know is marked
        raise HandoutsError(f"is not valid YAML: {err}", path, 1) from err
    if root is None:
        return None
    node = _convert(root, path, lines, problems)
    if problems:
        raise HandoutsError.collect(problems)
    return node


def decode_text(data: bytes, path: Path) -> str:
    """Decode UTF-8 text (with or without a byte-order mark); refuse NUL bytes and other encodings."""
    if b"\x00" in data:
        line = data[: data.index(b"\x00")].count(b"\n") + 1
        raise HandoutsError(
            "contains a NUL byte, so it is not a text file; save it again as plain UTF-8 text.",
            path,
            line,
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        raise HandoutsError(
            f"is not saved as UTF-8 (byte 0x{data[err.start]:02x} cannot be read); "
            "save the file again with the encoding UTF-8.",
            path,
            line,
        ) from err


def _syntax_error(err: yaml.MarkedYAMLError, path: Path, text: str) -> HandoutsError:
    problem = err.problem or "this is not valid YAML"
    mark = err.problem_mark or err.context_mark
    unclosed = _unclosed_quote_line(text, mark.line + 1 if mark else None)
    if unclosed:
        return HandoutsError(
            "YAML syntax error: a double quote is opened on this line and never closed; "
            'end the text with a " on the same line.',
            path,
            unclosed,
        )
    hint = next((h for key, h in _HINTS.items() if problem.startswith(key)), None)
    if hint and problem.startswith("found unexpected end of stream") and err.context_mark:
        mark = err.context_mark  # where the quote was opened, not the end of the file
    line = mark.line + 1 if mark else None
    message = f"YAML syntax error: {hint}." if hint else f"YAML syntax error: {problem}."
    return HandoutsError(message, path, line)


def _unclosed_quote_line(text: str, until: int | None) -> int | None:
    """The first line (up to ``until``) with an odd number of double quotes, if any."""
    for number, line in enumerate(text.splitlines()[: until or None], 1):
        stripped = line.strip()
        if stripped.startswith("#"):
            continue
        if re.sub(r'\\.', "", line).count('"') % 2:
            return number
    return None


def _convert(node: yaml.Node, path: Path, lines: list[str], problems: list[Problem], *,
             comment_checked: bool = False) -> Node:
    line = node.start_mark.line + 1
    if node.tag not in _PLAIN_TAGS:
        problems.append(Problem(f"YAML tags such as '{node.tag}' are not allowed.", path, line))
    if isinstance(node, yaml.ScalarNode):
        quoted = node.style in ("'", '"', "|", ">")
        if not quoted and not comment_checked:
            _check_cut_comment(node, path, lines, problems)
        return Scalar(node.value, line, quoted)
    if isinstance(node, yaml.SequenceNode):
        return Sequence([_convert(item, path, lines, problems) for item in node.value], line)
    mapping = Mapping(line=line)
    for key_node, value_node in node.value:
        key_line = key_node.start_mark.line + 1
        if not isinstance(key_node, yaml.ScalarNode):
            problems.append(Problem("a key must be a plain word.", path, key_line))
            continue
        key = key_node.value
        if key in mapping.items:
            first = mapping.items[key][0]
            problems.append(
                Problem(
                    f"'{key}' appears twice (first at line {first}); keep one of them.",
                    path,
                    key_line,
                )
            )
            continue
        empty = isinstance(value_node, yaml.ScalarNode) and value_node.style is None and not value_node.value
        if empty:  # 'colour: #1a2b3c': what YAML took for a comment follows the key
            _check_cut_comment(value_node, path, lines, problems, after=key_node.end_mark)
        mapping.items[key] = (key_line, _convert(value_node, path, lines, problems, comment_checked=empty))
    return mapping


def _check_cut_comment(
    node: yaml.ScalarNode,
    path: Path,
    lines: list[str],
    problems: list[Problem],
    after: yaml.Mark | None = None,
) -> None:
    """Refuse ``key: some text #more`` and ``colour: #1a2b3c``: YAML drops what follows the #."""
    mark = after or node.end_mark
    if mark.line >= len(lines):
        return
    rest = lines[mark.line][mark.column :].lstrip(" :")
    if rest.startswith("#"):
        cut = rest[:30]
        problems.append(
            Problem(
                f"YAML reads '{cut}' as a comment and drops it from the value; "
                'if it belongs to the value, put the whole value in double quotes ("...").',
                path,
                mark.line + 1,
            )
        )


def check_keys(
    mapping: Mapping,
    path: Path,
    required: tuple[str, ...],
    optional: tuple[str, ...] = (),
    where: str = "",
) -> list[Problem]:
    """Report missing required keys and unknown keys (with a 'did you mean' for typos)."""
    problems = []
    known = required + optional
    prefix = f"in '{where}', " if where else ""
    for key, (line, _) in mapping.items.items():
        if key not in known:
            close = difflib.get_close_matches(key, known, n=1)
            hint = f" Did you mean '{close[0]}'?" if close else ""
            problems.append(
                Problem(
                    f"{prefix}unknown field '{key}'.{hint} Known fields: {', '.join(known)}.",
                    path,
                    line,
                )
            )
    for key in required:
        if key not in mapping.items:
            problems.append(
                Problem(f"{prefix}the field '{key}' is missing; it is required.", path, mapping.line)
            )
    return problems
