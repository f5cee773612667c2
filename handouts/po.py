"""Read a gettext catalog (``.po``/``.pot``) strictly: its syntax, header and plural forms.

The build reads the translators' ``.po`` files directly, so a saved edit shows in the
next build with no compile step; every problem of a file is reported at once, located.
"""

from __future__ import annotations

import functools
import gettext as stdlib_gettext
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from babel import Locale, UnknownLocaleError

from handouts.errors import HandoutsError, Problem, raise_if_any
from handouts.po_syntax import Entry, PoParser
from handouts.yamlfile import decode_text


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
    parser = PoParser(path)
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


@functools.lru_cache(maxsize=64)  # checked for n up to 1,000: once per header text, not once per page
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
