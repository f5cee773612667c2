"""Read gettext catalogs (``.po``/``.pot``) strictly, and translate with them.

The build reads the translators' ``.po`` files directly, so a saved edit shows in
the next build with no compile step. The reader is as strict as GNU ``msgfmt
--check`` about syntax: Babel's ``read_po`` and polib accept an unterminated string
and silently drop its last character; this reader refuses it with the file and line.
"""

from __future__ import annotations

import gettext as stdlib_gettext
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from babel import Locale, UnknownLocaleError

from handouts.characters import is_blank
from handouts.errors import EXIT_USAGE, HandoutsError, Problem, raise_if_any
from handouts.yamlfile import decode_text

SOURCE_LANGUAGE = "en"
DOMAIN = "messages"

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


@dataclass
class Catalog:
    path: Path
    lang: str
    header: dict[str, str]
    entries: list[Entry]  # without the header and without obsolete entries
    obsolete: list[Entry]

    def __post_init__(self) -> None:
        self._index = {entry.key: entry for entry in self.entries}

    def get(self, msgid: str, msgctxt: str | None = None) -> Entry | None:
        return self._index.get((msgctxt, msgid))


def catalog_path(locales_dir: Path, lang: str) -> Path:
    return locales_dir / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def template_path(locales_dir: Path) -> Path:
    return locales_dir / f"{DOMAIN}.pot"


def languages(locales_dir: Path) -> list[str]:
    """English (the source) and every language that has a catalog, sorted."""
    found = {SOURCE_LANGUAGE}
    if locales_dir.is_dir():
        found |= {p.name for p in locales_dir.iterdir() if catalog_path(locales_dir, p.name).is_file()}
    return sorted(found)


def check_languages(locales_dir: Path, requested: Iterable[str]) -> list[str]:
    """The requested languages (all of them when none is asked for); a usage error for unknown ones."""
    known = languages(locales_dir)
    requested = list(dict.fromkeys(requested))
    unknown = [lang for lang in requested if lang not in known]
    if unknown:
        raise HandoutsError(
            f"unknown language {', '.join(repr(u) for u in unknown)}. "
            f"Languages in {locales_dir}: {', '.join(known)}.",
            exit_code=EXIT_USAGE,
        )
    return requested or known


def load_catalog(locales_dir: Path, lang: str) -> Catalog | None:
    """The catalog of ``lang``, or None for the source language."""
    if lang == SOURCE_LANGUAGE:
        return None
    return read_po(catalog_path(locales_dir, lang), lang, root=locales_dir.parent)


def read_po(path: Path, lang: str | None = None, root: Path | None = None) -> Catalog:
    """Parse a .po or .pot file, refusing anything GNU msgfmt would refuse (all problems at once).

    ``root``: the project folder the file must be in once links are resolved; by default the
    folder above ``locales/`` when the file is in one.
    """
    from handouts.safefile import read_file

    if root is None:
        root = next((p.parent for p in path.absolute().parents if p.name == "locales"), None)
    return parse_po(read_file(path, MAX_PO_BYTES, root, what="catalog"), path, lang)


MAX_PO_BYTES = 2_000_000  # the French catalog is about 20 kB


def parse_po(data: bytes, path: Path, lang: str | None = None) -> Catalog:
    if len(data) > MAX_PO_BYTES:
        raise HandoutsError(
            f"is {len(data) // 1000} kB; a catalog must be under {MAX_PO_BYTES // 1000} kB. "
            "Is this the right file?", path, 1,
        )
    text = decode_text(data, path)
    parser = _Parser(path)
    parser.feed(text.split("\n"))
    problems = parser.problems
    entries = [e for e in parser.entries if not e.obsolete]
    header_entry = next((e for e in entries if e.key == (None, "")), None)
    header = _parse_header(header_entry.msgstr if header_entry else "")
    entries = [e for e in entries if e is not header_entry]
    seen: dict[tuple[str | None, str], int] = {}
    for entry in entries:
        if entry.key in seen:
            problems.append(
                Problem(
                    f"the message {entry.msgid[:50]!r} is already translated at line "
                    f"{seen[entry.key]}; keep only one of the two.",
                    path,
                    entry.line,
                )
            )
        else:
            seen[entry.key] = entry.line
    header_line = header_entry.line if header_entry else 1
    problems += _check_header(header, path, header_line, lang, is_template=path.suffix == ".pot")
    if path.suffix != ".pot":
        problems += _check_plural_entries(header, entries, path)
    raise_if_any(problems)
    return Catalog(path, lang or header.get("Language", ""), header, entries,
                   [e for e in parser.entries if e.obsolete])


def _parse_header(msgstr: str) -> dict[str, str]:
    header = {}
    for line in msgstr.split("\n"):
        name, sep, value = line.partition(":")
        if sep:
            header[name.strip()] = value.strip()
    return header


def _check_header(header: dict[str, str], path: Path, line: int, lang: str | None,
                  is_template: bool) -> list[Problem]:
    problems = []
    content_type = header.get("Content-Type", "")
    charset = content_type.partition("charset=")[2].strip().lower()
    if charset.replace("-", "") != "utf8" and not (is_template and charset == "charset"):
        shown = charset or "missing"
        problems.append(
            Problem(
                f"the header's charset is {shown!r}; it must be UTF-8 "
                '("Content-Type: text/plain; charset=UTF-8\\n"), and the file saved as UTF-8.',
                path,
                line,
            )
        )
    if is_template or lang is None:
        return problems
    declared = header.get("Language", "")
    normalized = declared.strip().replace("-", "_")
    # pt_BR in the folder pt_BR (msginit, Weblate); fr_CA or fr in the folder fr; pt in the folder pt_PT
    # (msginit writes the bare language for a country's main variant)
    if (normalized.lower() != lang.lower() and normalized.split("_")[0] != lang
            and normalized != lang.split("_")[0] and not _same_locale(normalized, lang)):
        problems.append(
            Problem(
                f"the header says Language: {declared or '(nothing)'!r}, but the file is in the "
                f"folder for {lang!r}; set \"Language: {lang}\\n\".",
                path,
                line,
            )
        )
    plural_forms = header.get("Plural-Forms", "")
    try:
        parse_plural_forms(plural_forms)
    except ValueError as err:
        problems.append(
            Problem(
                f"the header's Plural-Forms is {plural_forms or 'missing'!r} ({err}); write it as "
                "GNU gettext does, for example \"Plural-Forms: nplurals=2; plural=(n != 1);\\n\" "
                "(Poedit fills it in for the catalog's language: Catalog > Properties).",
                path,
                line,
            )
        )
    return problems


def _same_locale(declared: str, lang: str) -> bool:
    """zh_Hans_CN (what Babel writes) in the folder zh_CN: the same locale once CLDR fills in the script."""
    try:
        return str(Locale.parse(declared)) == str(Locale.parse(lang))
    except (UnknownLocaleError, ValueError):
        return False


_PLURAL_FORMS = re.compile(r"^\s*nplurals\s*=\s*(\d+)\s*;\s*plural\s*=\s*(.+?)\s*;?\s*$")
MAX_PLURALS = 6  # Arabic, the language with the most forms, has 6


def parse_plural_forms(value: str) -> tuple[int, Callable[[int], int]]:
    """``nplurals`` and the plural function of a Plural-Forms header; ValueError when it is not usable.

    The catalog's own header is the authority, as in GNU gettext, Poedit and Weblate: a CLDR
    release that counts a language's forms differently never makes a catalog wrong.
    """
    match = _PLURAL_FORMS.match(value)
    if not match:
        raise ValueError("expected 'nplurals=N; plural=EXPRESSION;'")
    count = int(match.group(1))
    if not 1 <= count <= MAX_PLURALS:
        raise ValueError(f"nplurals must be between 1 and {MAX_PLURALS}")
    # The C-expression evaluator of the standard library's gettext (GNUTranslations uses it for
    # every .mo file). It is undocumented, so this is its one use; tests/test_catalogs.py fails
    # loudly if it moves.
    try:
        function = stdlib_gettext.c2py(match.group(2))
    except (ValueError, SyntaxError, RecursionError) as err:
        raise ValueError(f"the plural expression cannot be read: {err}") from None
    for n in range(0, 1001):
        try:
            index = function(n)
        except (ArithmeticError, RecursionError) as err:
            raise ValueError(f"the plural expression fails for n={n}: {err}") from None
        if not 0 <= index < count:
            raise ValueError(f"the plural expression gives form {index} for n={n}, but nplurals={count}")
    return count, function


def _check_plural_entries(header: dict[str, str], entries: list[Entry], path: Path) -> list[Problem]:
    """Each entry has exactly the msgstr forms the header announces; a singular one has no msgstr[n]."""
    try:
        count, _ = parse_plural_forms(header.get("Plural-Forms", ""))
    except ValueError:
        return []  # reported on the header's line
    problems = []
    for entry in entries:
        indexes = sorted(entry.msgstrs)
        if entry.msgid_plural is None:
            if entry.indexed:
                problems.append(Problem(
                    f"the message {entry.msgid[:50]!r} has no plural (no msgid_plural), so it takes "
                    "one plain 'msgstr', not msgstr[0], msgstr[1], ...", path, entry.line))
        elif indexes != list(range(count)):
            found = ", ".join(f"msgstr[{i}]" for i in indexes) or "none"
            problems.append(Problem(
                f"the message {entry.msgid[:50]!r} needs exactly {count} plural form"
                f"{'s' if count > 1 else ''} (msgstr[0] to msgstr[{count - 1}]), as the header's "
                f"Plural-Forms says; found {found}.", path, entry.line))
    return problems


class _Parser:
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
        elif keyword.startswith("msgstr") or keyword == "msgid_plural":
            if "msgid" not in self._seen:
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
        out = []
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


class Translator:
    """Looks up translations for one language and remembers what fell through to English."""

    def __init__(self, lang: str, catalog: Catalog | None) -> None:
        self.lang = lang
        self.catalog = catalog
        self.missing: set[tuple[str | None, str]] = set()
        self.fuzzy: set[tuple[str | None, str]] = set()

    def entry(self, msgid: str, msgctxt: str | None = None) -> Entry | None:
        """The translated entry for a message, or None when English must be printed."""
        if self.catalog is None:
            return None
        entry = self.catalog.get(msgid, msgctxt)
        if entry is None or not entry.msgstrs or any(is_blank(v) for v in entry.msgstrs.values()):
            self.missing.add((msgctxt, msgid))
            return None
        if entry.fuzzy:
            self.fuzzy.add((msgctxt, msgid))
            return None
        return entry

    def gettext(self, msgid: str, msgctxt: str | None = None) -> str:
        entry = self.entry(msgid, msgctxt)
        return entry.msgstr if entry else msgid

    def gap_problem(self) -> Problem | None:
        """The warning for messages printed in English; None when the catalog covered everything."""
        if self.catalog is None or not (self.missing or self.fuzzy):
            return None
        parts = []
        if self.missing:
            parts.append(f"{len(self.missing)} message{'s' if len(self.missing) > 1 else ''} not translated")
        if self.fuzzy:
            parts.append(f"{len(self.fuzzy)} fuzzy (marked 'needs review')")
        return Problem(
            f"{' and '.join(parts)}; the English text is printed for "
            f"{'them' if len(self.missing) + len(self.fuzzy) > 1 else 'it'}. "
            "Translate them, or run 'handouts i18n status' to list them.",
            self.catalog.path,
        )


def language_name(lang: str, in_lang: str = "en") -> str:
    """The name of a language, written in ``in_lang`` and capitalised (Babel's CLDR data): 'French', 'Français'."""
    try:
        name = Locale.parse(lang).get_display_name(Locale.parse(in_lang)) or lang
    except (ValueError, LookupError):
        return lang
    return name[:1].upper() + name[1:]


def locale_for(lang: str, region: str = "CA") -> Locale:
    """The Babel locale of a sheet language (fr, pt_BR, zh_Hans), in the clinic's region when the
    code names none and Babel knows the language there (fr_CA, but zh_Hans: no zh_Hans_CA)."""
    try:
        named = Locale.parse(lang)
    except (UnknownLocaleError, ValueError):
        named = None
    if named is not None and named.territory:
        return named
    for name in (f"{lang}_{region}", lang):
        try:
            return Locale.parse(name)
        except (UnknownLocaleError, ValueError):
            continue
    raise HandoutsError(f"Babel does not know the language {lang!r}.", exit_code=EXIT_USAGE)


def completeness(catalog: Catalog, template: Catalog) -> tuple[int, int, int]:
    """(translated, fuzzy, total) of the template's messages in the catalog."""
    translated = fuzzy = 0
    for message in template.entries:
        entry = catalog.get(message.msgid, message.msgctxt)
        if entry is None:
            continue
        if entry.fuzzy:
            fuzzy += 1
        elif entry.translated:
            translated += 1
    return translated, fuzzy, len(template.entries)
