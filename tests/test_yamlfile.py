"""handouts.yamlfile: a YAML file read as located text, or one error naming every problem and its line.

The traps a content file falls into (unclosed quote, a key twice, not UTF-8, NUL...) are one fixture each in
test_hostile.py, through the content loader; these are the module's own rules."""

from __future__ import annotations

from pathlib import Path

import pytest

from handouts.errors import HandoutsError
from handouts.yamlfile import Mapping, Scalar, Sequence, check_keys, parse_yaml

PATH = Path("content/example.yaml")


def refused(text: str | bytes) -> list[tuple[int | None, str]]:
    data = text.encode("utf-8") if isinstance(text, str) else text
    with pytest.raises(HandoutsError) as caught:
        parse_yaml(data, PATH)
    assert all(problem.path == PATH for problem in caught.value.problems)
    return [(problem.line, problem.message) for problem in caught.value.problems]


def test_values_stay_text_with_their_line_and_quoting():
    node = parse_yaml(b'title: "Redness"\ncount: 3\nitems:\n  - "yes"\n  - no\n', PATH)
    assert isinstance(node, Mapping)
    assert node.items["title"] == (1, Scalar("Redness", 1, True))
    assert node.items["count"][1] == Scalar("3", 2, False)  # never the number 3
    items = node.items["items"][1]
    assert isinstance(items, Sequence)
    assert [(item.value, item.line) for item in items.items] == [("yes", 4), ("no", 5)]  # type: ignore[union-attr]


def test_an_empty_file_is_none():
    assert parse_yaml(b"# only a comment\n", PATH) is None


def test_every_tab_indent_and_invisible_character_is_reported_at_once_with_its_line():
    problems = refused('title: "a"\n\tsummary: "b"\nwhat: "c\u200bd"\n')
    assert [line for line, _ in problems] == [2, 3]
    assert "indented with a tab" in problems[0][1]


def test_a_control_character_names_its_code_point():
    [(line, message)] = refused('title: "a"\nsummary: "b\x07"\n')
    assert line == 2 and "U+0007" in message


def test_text_after_an_unquoted_hash_would_be_dropped_so_it_is_refused():
    [(line, message)] = refused('title: "a"\nsummary: some text #more\n')
    assert line == 2 and "'#more'" in message and "double quotes" in message
    [(line, message)] = set(refused('title: "a"\ncolour: #1a2b3c\n'))
    assert line == 2 and "'#1a2b3c'" in message


def test_a_value_that_is_only_a_comment_is_reported_once():
    assert len(refused('title: "a"\ncolour: #1a2b3c\n')) == 1


def test_yaml_tags_are_refused():
    [(line, message)] = refused('title: "a"\nsummary: !!python/object:os.system "b"\n')
    assert line == 2 and "tags" in message


def test_a_utf8_byte_order_mark_and_windows_line_ends_are_read():
    node = parse_yaml(b'\xef\xbb\xbftitle: "a"\r\nsummary: "b"\r\n', PATH)
    assert isinstance(node, Mapping) and node.items["summary"] == (2, Scalar("b", 2, True))


def test_check_keys_reports_a_typo_with_a_suggestion_and_a_missing_field():
    node = parse_yaml(b'titel: "a"\n', PATH)
    assert isinstance(node, Mapping)
    problems = [(p.line, p.message) for p in check_keys(node, PATH, ("title",), ("summary",))]
    assert problems == [
        (1, "unknown field 'titel'. Did you mean 'title'? Known fields: title, summary."),
        (1, "the field 'title' is missing; it is required."),
    ]
