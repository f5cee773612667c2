"""The one orchestrator: load content -> translate -> render HTML -> write PDF."""

from __future__ import annotations

import fcntl
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

from handouts import catalogs, checks, config, content, render
from handouts.errors import EXIT_OUTPUT, EXIT_USAGE, HandoutsError, Problem, raise_if_any

TEMP_PREFIX = ".handouts-tmp-"
LOCK_NAME = ".handouts.lock"


@dataclass
class Sheet:
    """One sheet in one language, ready to render."""

    name: str
    lang: str
    html: str
    title: str


@dataclass
class BuildResult:
    written: list[Path] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)


def prepare(
    root: Path,
    langs: tuple[str, ...] = (),
    names: tuple[str, ...] = (),
    brand_name: str | None = None,
    strict: bool = False,
) -> tuple[config.Project, list[Sheet], list[Problem]]:
    """Everything up to the HTML: load, validate, translate and render every requested sheet.

    Returns the sheets and the warnings; raises one error listing every problem.
    """
    project = config.load_project(root)
    langs = tuple(catalogs.check_languages(project.locales_dir, langs))
    names = check_sheet_names(project.content_dir, names)
    problems: list[Problem] = []
    brand = handouts = None
    try:
        brand = config.load_brand(project, brand_name)
    except HandoutsError as err:
        if err.exit_code == EXIT_USAGE:
            raise
        problems += err.problems
    try:
        handouts = content.load_handouts(project.content_dir, names)
    except HandoutsError as err:
        problems += err.problems
    translators = {}
    for lang in langs:
        try:
            catalog = catalogs.load_catalog(project.locales_dir, lang)
        except HandoutsError as err:
            problems += err.problems
            continue
        translators[lang] = catalogs.Translator(lang, catalog)
        if catalog is not None:  # the same message checks as 'handouts check': errors stop the build
            problems += [finding for finding in checks.check_catalog(catalog) if finding.is_error]
    raise_if_any(problems)
    assert brand is not None and handouts is not None

    sheets = []
    for lang, translator in translators.items():
        locale = catalogs.locale_for(lang, project.region)
        for handout in handouts:
            translated = handout.map_texts(lambda t: replace(t, text=translator.gettext(t.text)))
            try:
                html = render.render_html(translated, translator, locale, brand, project)
            except HandoutsError as err:
                problems += err.problems
                continue
            sheets.append(Sheet(handout.name, lang, html, translated.title.text))
    raise_if_any(problems)

    warnings = [gap for t in translators.values() if (gap := t.gap_problem())]
    if strict and warnings:
        raise HandoutsError.collect(
            [replace(w, message=f"incomplete catalog (--strict): {w.message}") for w in warnings]
        )
    return project, sheets, warnings


def check_sheet_names(content_dir: Path, names: tuple[str, ...]) -> tuple[str, ...]:
    known = [p.stem for p in content.sheet_paths(content_dir)]
    unknown = [n for n in dict.fromkeys(names) if n not in known]
    if unknown:
        raise HandoutsError(
            f"unknown sheet {', '.join(repr(u) for u in unknown)}. Sheets: {', '.join(known)}.",
            exit_code=EXIT_USAGE,
        )
    return tuple(dict.fromkeys(names))


def build(
    root: Path,
    langs: tuple[str, ...] = (),
    names: tuple[str, ...] = (),
    out_dir: Path | None = None,
    brand_name: str | None = None,
    strict: bool = False,
) -> BuildResult:
    """Build the requested sheets into ``out_dir/<lang>/<sheet>.pdf``.

    Nothing is written unless every sheet rendered and fits its page; then each PDF
    replaces the old one in a single rename, so no reader ever sees a partial file.
    """
    project, sheets, warnings = prepare(root, langs, names, brand_name, strict)
    out_dir = (out_dir or project.root / "dist").resolve()
    from handouts.pdf import PdfRenderer  # imports WeasyPrint

    brand_folder = project.brands_dir / (brand_name or project.brand)
    renderer = PdfRenderer(
        project.templates_dir,
        allowed=(project.templates_dir, project.fonts_dir, brand_folder),
        fonts_dir=project.fonts_dir,
    )
    problems: list[Problem] = []
    outputs: list[tuple[Path, bytes]] = []
    for sheet in sheets:
        label = f"{sheet.name} ({sheet.lang})"
        try:
            rendered = renderer.render(sheet.html, label)
        except HandoutsError as err:
            problems += err.problems
            continue
        if rendered.pages != 1:
            problems.append(
                Problem(
                    f"the sheet '{sheet.name}' in {sheet.lang!r} needs {rendered.pages} pages but must fit on one; "
                    "shorten its text (in the content file, or in the translation).",
                    project.content_dir / f"{sheet.name}.yaml",
                )
            )
            continue
        outputs.append((out_dir / sheet.lang / f"{sheet.name}.pdf", rendered.pdf))
    raise_if_any(problems)
    with output_lock(out_dir):
        publish(outputs)
    return BuildResult(written=[path for path, _ in outputs], warnings=warnings)


@contextmanager
def output_lock(out_dir: Path) -> Iterator[None]:
    """Only one build writes into a folder at a time; a second one stops with exit code 4."""
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        handle = open(out_dir / LOCK_NAME, "a+b")  # noqa: SIM115 - closed below
    except OSError as err:
        raise HandoutsError(
            f"cannot write to the output folder ({err.strerror}); choose another with --out.",
            out_dir,
            exit_code=EXIT_OUTPUT,
        ) from err
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as err:
            raise HandoutsError(
                "another build is writing into this folder right now; wait for it to finish, then try again.",
                out_dir,
                exit_code=EXIT_OUTPUT,
            ) from err
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def publish(outputs: list[tuple[Path, bytes]]) -> None:
    """Write every file to a temporary name, then rename them all into place, or change nothing.

    If a rename fails half way, the files already replaced get their previous version back,
    so a folder never holds a mix of two builds.
    """
    staged: list[tuple[Path, Path]] = []
    previous: dict[Path, Path] = {}
    replaced: list[Path] = []
    try:
        for folder in dict.fromkeys(path.parent for path, _ in outputs):
            folder.mkdir(parents=True, exist_ok=True)
            clean_stale_temporaries(folder)
        for path, data in outputs:
            fd, tmp = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=".part", dir=path.parent)
            staged.append((Path(tmp), path))
            os.fchmod(fd, 0o666 & ~_umask())  # mkstemp makes 0600; a PDF is for everyone to print
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
        for _, path in staged:
            if path.exists():
                keep = path.with_name(f"{TEMP_PREFIX}{path.name}.previous")
                os.link(path, keep)
                previous[path] = keep
        for tmp, path in staged:
            os.replace(tmp, path)
            replaced.append(path)
    except OSError as err:
        for path in reversed(replaced):
            if path in previous:
                os.replace(previous.pop(path), path)
            else:
                path.unlink(missing_ok=True)
        for tmp, _ in staged:
            tmp.unlink(missing_ok=True)
        where = Path(err.filename) if err.filename else (outputs[0][0].parent if outputs else None)
        raise HandoutsError(
            f"cannot write the PDFs ({err.strerror}); nothing was changed. "
            "Check that the output folder exists, is writable and that the disk is not full.",
            where,
            exit_code=EXIT_OUTPUT,
        ) from err
    finally:
        for keep in previous.values():
            keep.unlink(missing_ok=True)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def clean_stale_temporaries(folder: Path) -> None:
    """Remove temporary files a killed build left behind, so nobody prints one."""
    for stale in folder.glob(f"{TEMP_PREFIX}*"):
        stale.unlink(missing_ok=True)
