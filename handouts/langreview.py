"""Each language's translation review: who checked it against the English, when, and which text.

``locales/<lang>/review.yaml``, next to the catalog's ``LC_MESSAGES`` folder::

    status: "not reviewed"        # or "reviewed"
    reviewed_by: ""               # the qualified translator
    reviewed_on: ""               # YYYY-MM-DD
    text: ""                      # what was reviewed, e.g. "messages.pot of 2026-11-23"

A language with no file, or not reviewed, is printed with a visible "translation not yet
reviewed" mark on every sheet (in that language); ``list`` and ``check`` say so and
``build --release`` refuses it, as it refuses a sheet no clinician has reviewed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from handouts.errors import HandoutsError, Problem, raise_if_any
from handouts.safefile import write_atomically
from handouts.yamlfile import Mapping, Scalar, check_keys, read_yaml

FILE_NAME = "review.yaml"
STATUSES = ("not reviewed", "reviewed")


@dataclass(frozen=True)
class LanguageReview:
    lang: str
    path: Path
    status: str = "not reviewed"
    reviewed_by: str = ""
    reviewed_on: date | None = None
    text: str = ""
    line: int | None = None  # of status:, when the file exists

    @property
    def reviewed(self) -> bool:
        return self.status == "reviewed"

    def describe(self) -> str:
        if self.reviewed:
            on = self.reviewed_on.isoformat() if self.reviewed_on else "?"
            return f"translation reviewed by {self.reviewed_by} on {on}" + (f" ({self.text})" if self.text else "")
        return "translation not yet reviewed"


def review_path(locales_dir: Path, lang: str) -> Path:
    return locales_dir / lang / FILE_NAME


def load(locales_dir: Path, lang: str) -> LanguageReview:
    """The review of one language's translation; no file means not reviewed."""
    path = review_path(locales_dir, lang)
    if not path.is_file():
        return LanguageReview(lang, path)
    node = read_yaml(path)
    if not isinstance(node, Mapping):
        raise HandoutsError("must hold the fields status:, reviewed_by:, reviewed_on: and text:.", path, 1)
    problems = check_keys(node, path, ("status",), ("reviewed_by", "reviewed_on", "text"))
    values: dict[str, tuple[str, int]] = {}
    for key, (line, value) in node.items.items():
        if isinstance(value, Scalar):
            values[key] = (value.value.strip(), line)
        else:
            problems.append(Problem(f"'{key}' must be a piece of text in double quotes.", path, line))
    status, status_line = values.get("status", ("not reviewed", node.line))
    if status not in STATUSES:
        problems.append(Problem(f"status is {status!r}; it must be \"not reviewed\" or \"reviewed\".",
                                path, status_line))
    reviewed_on = None
    on_text, on_line = values.get("reviewed_on", ("", node.line))
    if on_text:
        try:
            reviewed_on = date.fromisoformat(on_text)
        except ValueError:
            problems.append(Problem(f"reviewed_on is {on_text!r}; write the date as YYYY-MM-DD.", path, on_line))
    reviewed_by = values.get("reviewed_by", ("", node.line))[0]
    if status == "reviewed":
        if not reviewed_by:
            problems.append(Problem("a reviewed translation needs reviewed_by: the translator who reviewed it.",
                                    path, status_line))
        if not on_text:
            problems.append(Problem("a reviewed translation needs reviewed_on: the date (YYYY-MM-DD).",
                                    path, status_line))
    raise_if_any(problems)
    return LanguageReview(lang, path, status, reviewed_by, reviewed_on, values.get("text", ("", 0))[0],
                          status_line)


def release_problem(review: LanguageReview) -> Problem:
    return Problem(
        f"the {review.lang!r} translation has not been reviewed by a qualified translator, so --release will "
        "not print it for patients. After the review, set status: \"reviewed\", reviewed_by, reviewed_on and "
        "text in this file.", review.path, review.line)


TEMPLATE = """\
# Translation review of this language: a qualified translator (not the one who translated it)
# checks every message against the English, then sets status to "reviewed" with their name,
# the date and what they reviewed. Until then every sheet in this language prints
# "translation not yet reviewed" and 'handouts build --release' refuses it.
status: "not reviewed"
reviewed_by: ""
reviewed_on: ""
text: ""
"""


def write_template(locales_dir: Path, lang: str) -> Path | None:
    """Start a language's review file (not reviewed); None when it already has one."""
    path = review_path(locales_dir, lang)
    if path.exists():
        return None
    write_atomically(path, TEMPLATE.encode("utf-8"))
    return path
