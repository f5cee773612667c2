"""What a build is asked to make: the options of 'handouts build' and 'handouts watch', in one value."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path


@dataclass(frozen=True)
class BuildOptions:
    """Made once by the command line (or a test) and read by every step of the build."""

    root: Path  # the project folder (the one with handouts.yaml)
    langs: tuple[str, ...] = ()  # 'fr' or a pair 'fr+en'; none: every language and the project's pair
    sheets: tuple[str, ...] = ()  # none: every sheet
    out_dir: Path | None = None  # None: dist/ in the project
    brand: str | None = None  # a folder in brands/; None: from handouts.yaml
    strict: bool = False  # an untranslated or fuzzy message is an error
    large_print: bool | None = None  # None: what handouts.yaml says
    paper: str | None = None  # 'letter' or 'a4'; None: from handouts.yaml
    release: bool = False  # refuse drafts and unreviewed translations
    force: bool = False  # render every PDF again, even those that are up to date
    jobs: int | None = None  # render processes; None: one per core
    today: date | None = None  # for the age of reviews; None: today
