"""The project folder and its settings file (``handouts.yaml``); the brand profile is :mod:`handouts.brand`'s."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from handouts.brand import BRAND_NAME, BRAND_NAME_HINT, scalar_values
from handouts.errors import EXIT_USAGE, HandoutsError, Problem, raise_if_any
from handouts.project_files import CONFIG_NAME, INPUTS
from handouts.safefile import inside
from handouts.yamlfile import Mapping, check_keys, read_yaml

PAPER_SIZES = {"letter": "letter", "a4": "A4"}  # handouts.yaml's paper -> the CSS @page size




@dataclass(frozen=True)
class Project:
    """Where a project's files live; every path the pipeline reads comes from here."""

    root: Path
    brand: str
    region: str
    paper: str
    bilingual: tuple[str, ...] = ()  # the pair built by default, French first: ("fr", "en")
    large_print: bool = False  # also build the large-print editions by default

    @property
    def config_path(self) -> Path:
        return self.root / CONFIG_NAME

    @property
    def content_dir(self) -> Path:
        return self.root / "content"

    @property
    def locales_dir(self) -> Path:
        return self.root / "locales"

    @property
    def templates_dir(self) -> Path:
        return self.root / "templates"

    @property
    def fonts_dir(self) -> Path:
        return self.root / "fonts"

    @property
    def brands_dir(self) -> Path:
        return self.root / "brands"

    @property
    def input_paths(self) -> tuple[Path, ...]:
        """Every file and folder a sheet is made from: what 'watch' watches and what --out may not be inside."""
        return tuple(self.root / name for name in INPUTS)


def load_project(root: Path) -> Project:
    """Read ``handouts.yaml`` at the project root."""
    root = root.resolve()
    path = root / CONFIG_NAME
    if not path.is_file():
        raise HandoutsError(
            f"there is no {CONFIG_NAME} here, so this is not a handouts project folder. "
            "Run the command from the project folder (the one with content/ and locales/), "
            "or give it with --project.",
            root,
            exit_code=EXIT_USAGE,
        )
    node = read_yaml(path, root)
    if not isinstance(node, Mapping):
        raise HandoutsError("must hold the fields brand:, region: and paper:.", path, 1)
    problems = check_keys(node, path, ("brand",), ("region", "paper", "bilingual", "large_print"))
    values = scalar_values(node, path, problems)
    bilingual = values.get("bilingual", ("", 1))
    pair = tuple(x.strip() for x in bilingual[0].split("+")) if bilingual[0] else ()
    if pair and (len(pair) != 2 or len(set(pair)) != 2 or not all(pair)):
        problems.append(Problem(f"bilingual is {bilingual[0]!r}; write two languages joined by +, "
                                "the front page first, for example \"fr+en\".", path, bilingual[1]))
    paper = values.get("paper", ("letter", 1))
    if paper[0].lower() not in PAPER_SIZES:
        problems.append(Problem(f"paper is {paper[0]!r}; use 'letter' or 'a4'.", path, paper[1]))
    large_print = values.get("large_print", ("false", 1))
    if large_print[0].lower() not in ("true", "false"):
        problems.append(Problem(f"large_print is {large_print[0]!r}; write true (also build the large-print "
                                "editions) or false.", path, large_print[1]))
    for folder in ("content", "locales", "templates", "fonts", "brands"):
        if (root / folder).exists() and not inside(root / folder, root):
            problems.append(Problem(f"{folder}/ is a link to {(root / folder).resolve()}, outside the project folder; "
                                    "a project only reads its own files: put the folder itself here.", root / folder))
    if "brand" in values and not BRAND_NAME.fullmatch(values["brand"][0]):
        problems.append(Problem(f"brand is {values['brand'][0][:60]!r}; {BRAND_NAME_HINT}", path, values["brand"][1]))
    raise_if_any(problems)
    return Project(
        root=root,
        brand=values["brand"][0],
        region=values.get("region", ("CA", 1))[0].upper(),
        paper=paper[0].lower(),
        bilingual=pair,
        large_print=large_print[0].lower() == "true",
    )
