"""The syntax of a gettext catalog (``.po``/``.pot``): its lines to entries, every error with its line.

As strict as GNU ``msgfmt --check``: Babel's ``read_po`` and polib accept an unterminated
string and silently drop its last character; this parser refuses it with the file and line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from handouts.characters import is_blank
from handouts.errors import Problem

_KEYWORD = re.compile(r"^(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?)(?=[\s\"])\s*")
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "a": "\a", "b": "\b", "f": "\f", "v": "\v",
            "\\": "\\", '"': '"', "'": "'", "?": "?"}


@dataclass
class Entry:
    msgid: str = ""
    msgctxt: str | None = None
    msgid_plural: str | None = None
    msgstrs: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    line: int = 0  # line of the msgid keyword
    indexed: bool = False  # written with msgstr[n] rather than a plain msgstr
    obsolete: bool = False
    auto_comments: list[str] = field(default_factory=list)
    locations: list[str] = field(default_factory=list)

    @property
    def key(self) -> tuple[str | None, str]:
        return (self.msgctxt, self.msgid)

    @property
    def msgstr(self) -> str:
        return self.msgstrs.get(0, "")

    @property
    def fuzzy(self) -> bool:
        return "fuzzy" in self.flags

    @property
    def translated(self) -> bool:
        """Printed: not fuzzy, and every form says something (a blank one is an error of 'check')."""
        return not self.fuzzy and bool(self.msgstrs) and not any(is_blank(v) for v in self.msgstrs.values())


class PoParser:
    """A line-based .po parser that keeps every line number and reports every syntax error."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.entries: list[Entry] = []
        self.problems: list[Problem] = []
        self._entry = Entry()
        self._field: str | None = None  # the keyword the next continuation string belongs to
        self._seen: list[str] = []
        self._first_line = 0  # line of the current entry's first keyword

    def error(self, message: str, line: int) -> None:
        self.problems.append(Problem(message, self.path, line))

    def feed(self, lines: list[str]) -> None:
        for number, raw in enumerate(lines, 1):
            line = raw.rstrip("\r").strip()
            obsolete = False
            if line.startswith("#~"):
                obsolete = True
                line = line[2:].strip()
                if line.startswith("|"):
                    continue  # previous msgid of an obsolete entry
            elif line.startswith("#"):
                self._comment(line, number)
                continue
            if not line:
                continue
            self._statement(line, number, obsolete)
        self._finish(len(lines))

    def _comment(self, line: str, number: int) -> None:
        if self._seen and "msgstr" in self._seen[-1]:
            self._finish(number)
        if line.startswith("#,"):
            self._entry.flags |= {f.strip() for f in line[2:].split(",") if f.strip()}
        elif line.startswith("#."):
            self._entry.auto_comments.append(line[2:].strip())
        elif line.startswith("#:"):
            self._entry.locations.extend(line[2:].split())

    def _statement(self, line: str, number: int, obsolete: bool) -> None:
        if line.startswith('"'):
            if self._field is None:
                self.error("a string with no keyword before it (msgid, msgstr, ...).", number)
                return
            value = self._string(line, number)
            if value is not None:
                self._append(self._field, value)
            return
        match = _KEYWORD.match(line)
        if not match:
            word = line.split()[0]
            self.error(
                f"'{word}' is not a .po keyword; expected msgid, msgstr, msgctxt or msgid_plural "
                "(or a line starting with # or \").",
                number,
            )
            self._field = None
            return
        keyword = match.group(1)
        rest = line[match.end():]
        starts_entry = keyword == "msgctxt" or (keyword == "msgid" and "msgid" in self._seen) or (
            keyword == "msgid" and "msgctxt" not in self._seen
        )
        if starts_entry and self._seen and (
            "msgid" in self._seen or any(s.startswith("msgstr") for s in self._seen)
        ):
            self._finish(number)
        if keyword in self._seen:
            self.error(f"'{keyword}' appears twice in the same entry; is an empty line missing?", number)
        if keyword == "msgid":
            if any(s.startswith("msgstr") for s in self._seen):
                self.error("'msgid' after 'msgstr'; is an empty line missing?", number)
            self._entry.line = number
            self._entry.obsolete = obsolete
        elif (keyword.startswith("msgstr") or keyword == "msgid_plural") and "msgid" not in self._seen:
            self.error(f"'{keyword}' without a 'msgid' before it.", number)
        self._seen.append(keyword)
        self._first_line = self._first_line or number
        self._field = keyword
        if not rest.startswith('"'):
            self.error(f"'{keyword}' must be followed by a string in double quotes.", number)
            self._field = None
            return
        value = self._string(rest, number)
        if keyword == "msgctxt":
            self._entry.msgctxt = ""
        self._append(keyword, value or "")

    def _append(self, keyword: str, value: str) -> None:
        entry = self._entry
        if keyword == "msgid":
            entry.msgid += value
        elif keyword == "msgctxt":
            entry.msgctxt = (entry.msgctxt or "") + value
        elif keyword == "msgid_plural":
            entry.msgid_plural = (entry.msgid_plural or "") + value
        else:
            index = int(keyword[7:-1]) if "[" in keyword else 0
            entry.indexed = entry.indexed or "[" in keyword
            entry.msgstrs[index] = entry.msgstrs.get(index, "") + value

    def _string(self, text: str, number: int) -> str | None:
        """Decode one C-style string literal that must fill the rest of the line."""
        out: list[str] = []
        i = 1
        while i < len(text):
            char = text[i]
            if char == '"':
                if text[i + 1 :].strip():
                    self.error(f"unexpected text after the closing quote: {text[i + 1:].strip()[:20]!r}.", number)
                    return None
                return "".join(out)
            if char == "\\":
                nxt = text[i + 1 : i + 2]
                if nxt in _ESCAPES:
                    out.append(_ESCAPES[nxt])
                    i += 2
                    continue
                octal = re.match(r"[0-7]{1,3}", text[i + 1 :])
                if octal:
                    out.append(chr(int(octal.group(), 8)))
                    i += 1 + len(octal.group())
                    continue
                hexa = re.match(r"x([0-9a-fA-F]{1,2})", text[i + 1 :])
                if hexa:
                    out.append(chr(int(hexa.group(1), 16)))
                    i += 1 + len(hexa.group())
                    continue
                self.error(
                    f"invalid escape '\\{nxt}' in a string; write '\\\\' for a backslash, "
                    "'\\\"' for a quote, '\\n' for a new line.",
                    number,
                )
                return None
            out.append(char)
            i += 1
        self.error('a string is not closed: the line must end with a double quote (").', number)
        return None

    def _finish(self, number: int) -> None:
        entry, seen = self._entry, self._seen
        if seen:
            if "msgid" not in seen:
                # Not appended: an entry without a msgid would pass for the header.
                self.error("an entry without a 'msgid'.", self._first_line or number)
            elif not any(s.startswith("msgstr") for s in seen):
                self.error(
                    f"the message {entry.msgid[:50]!r} has no 'msgstr' line; add msgstr \"\" "
                    "(empty until it is translated).",
                    entry.line,
                )
            elif entry.msgid_plural is not None and 0 not in entry.msgstrs:
                self.error("a plural message needs msgstr[0], msgstr[1], ...", entry.line)
            if "msgid" in seen:
                self.entries.append(entry)
        self._entry = Entry()
        self._seen = []
        self._field = None
        self._first_line = 0
