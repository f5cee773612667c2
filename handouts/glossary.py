"""The approved translation of each term (``locales/<lang>/glossary.yaml``), modelled on Weblate's glossary check."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from handouts.errors import HandoutsError, Problem
from handouts.findings import Finding
from handouts.po import Catalog
from handouts.yamlfile import Mapping, Scalar, Sequence, read_yaml

GLOSSARY_FILE = "glossary.yaml"


@dataclass(frozen=True)
class Glossary:
    path: Path
    terms: dict[str, tuple[tuple[str, ...], int]]  # English term -> (approved forms, line)


def load_glossary(locales_dir: Path, lang: str) -> Glossary | None:
    """``locales/<lang>/glossary.yaml``: ``English term: ["approved form", ...]``; None when absent."""
    path = locales_dir / lang / GLOSSARY_FILE
    if not path.is_file():
        return None
    root = read_yaml(path)
    if not isinstance(root, Mapping):
        raise HandoutsError('must list terms, one per line: english term: ["approved translation", ...].', path, 1)
    terms = {}
    problems = []
    for key, (line, node) in root.items.items():
        forms: list[str] = []
        if isinstance(node, Scalar):
            forms = [node.value]
        elif isinstance(node, Sequence) and all(isinstance(i, Scalar) for i in node.items):
            forms = [i.value for i in node.items if isinstance(i, Scalar)]  # all of them: checked just above
        if not forms or not all(f.strip() for f in forms):
            problems.append(Problem(f"the term '{key}' needs its approved translation(s).", path, line))
            continue
        terms[key.strip().lower()] = (tuple(f.strip() for f in forms), line)
    if problems:
        raise HandoutsError.collect(problems)
    return Glossary(path, terms)


def _norm(text: str) -> str:
    return " ".join(text.replace("\u00a0", " ").replace("\u202f", " ").replace("’", "'").lower().split())


def check_glossary(catalog: Catalog, glossary: Glossary) -> list[Finding]:
    """Weblate's glossary check: when the English has a term, the translation has an approved form."""
    findings = []
    for entry in catalog.entries:
        if not entry.translated:
            continue
        english, translation = _norm(entry.msgid), _norm(entry.msgstr)
        for term, (forms, _) in glossary.terms.items():
            if re.search(rf"\b{re.escape(term)}(?:s|es)?\b", english) and not any(
                    _norm(form) in translation for form in forms):
                shown = " or ".join(f"'{f}'" for f in forms)
                findings.append(Finding(
                    f"'{term}' must be translated {shown} (glossary {glossary.path.name}); the translation "
                    f"says {entry.msgstr[:60]!r}.", catalog.path, entry.line))
    return findings
