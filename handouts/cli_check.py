"""``handouts check``: every problem of the project's content, brand, catalogs and templates, without building.

Registered on the main group by ``handouts.cli`` (``main.add_command(check)``). Nothing here
imports WeasyPrint: the checks are those of the build, up to the HTML.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import click

from handouts.cliutil import PROJECT_OPTION, format_problem, report
from handouts.errors import EXIT_INPUT, HandoutsError, Problem

if TYPE_CHECKING:
    from handouts.config import Project
    from handouts.content import Sheet
    from handouts.findings import Finding
    from handouts.po import Catalog

T = TypeVar("T")


@click.command()
@PROJECT_OPTION
def check(root: Path) -> None:
    """Check content, brand, catalogs and templates without building: every problem as path:line."""
    started = time.perf_counter()
    ctx = click.get_current_context()
    try:
        errors, warnings, counted = run_checks(root)
        levels = reading_levels(root)
    except HandoutsError as err:  # no project here, or an unusable brand name
        report(ctx, err)
        return
    if levels:
        click.echo("Reading level (English: Flesch-Kincaid grade, at most 8; French: Kandel-Moles ease, "
                   "at least 60):")
        for name, measures in levels.items():
            click.echo(f"  {name}: {', '.join(measures)}")
    for problem in errors:
        click.echo(format_problem(problem))
    for problem in warnings:
        click.echo(f"warning: {format_problem(problem)}")
    elapsed = time.perf_counter() - started
    click.echo(
        f"Checked {counted}: {len(errors)} error{'s' if len(errors) != 1 else ''}, "
        f"{len(warnings)} warning{'s' if len(warnings) != 1 else ''} ({elapsed:.1f} s)."
    )
    if errors:
        ctx.exit(EXIT_INPUT)


class _Found:
    """The errors and warnings 'handouts check' has found so far."""

    def __init__(self) -> None:
        self.errors: list[Problem] = []
        self.warnings: list[Problem] = []

    def collect(self, step: Callable[[], T]) -> T | None:
        """The step's result; its problems are errors (None), unless it is a mistake on the command line."""
        from handouts.errors import EXIT_USAGE

        try:
            return step()
        except HandoutsError as err:
            if err.exit_code == EXIT_USAGE and not err.problems[0].path:
                raise
            self.errors.extend(err.problems)
            return None

    def add(self, findings: Iterable[Finding]) -> None:
        for finding in findings:
            (self.errors if finding.is_error else self.warnings).append(finding)


def run_checks(root: Path) -> tuple[list[Problem], list[Problem], str]:
    """(errors, warnings, what was checked) for the whole project, without rendering anything."""
    from handouts import catalogs, config, fonts, i18n_status, po, printable

    project = config.load_project(root)
    found = _Found()
    glyphs = printable.project_glyphs(project.templates_dir, project.fonts_dir)
    sheets, templates_ok = _check_sources(project, glyphs, found)
    found.errors.extend(fonts.missing_fonts(project))

    pot = catalogs.template_path(project.locales_dir)
    template = found.collect(partial(po.read_po, pot, root=project.root)) if pot.is_file() else None
    if not pot.is_file():
        found.warnings.append(Problem("there is no message template; run 'handouts i18n extract'.", pot))
    langs = [lang for lang in catalogs.languages(project.locales_dir) if lang != catalogs.SOURCE_LANGUAGE]
    for lang in langs:
        _check_language(project, lang, template, glyphs, found)
    if sheets is not None and templates_ok and langs:
        found.errors.extend(_glyph_problems(project, langs))
    if template is not None and sheets is not None and templates_ok:
        _check_template_current(project, template, pot, found)
    counts = []
    try:
        states = i18n_status.status(project.locales_dir) if template is not None else []
    except HandoutsError:  # a broken catalog: reported above
        states = []
    for state in states:
        counts.append(f"{state.lang}: {state.fuzzy} fuzzy, {state.untranslated} untranslated")
    if sheets is not None:
        _check_quality(project, sheets, langs, found)
    counted = (f"{len(sheets) if sheets is not None else '?'} sheets, "
               f"{len(langs)} catalog{'s' if len(langs) != 1 else ''}"
               + (f" ({'; '.join(counts)})" if counts else "") + ", templates")
    return found.errors, found.warnings, counted


def _check_sources(project: Project, glyphs: frozenset[int] | None,
                   found: _Found) -> tuple[list[Sheet] | None, bool]:
    """Every brand profile, the sheets, their characters and the templates: (the sheets, templates usable)."""
    from handouts import content, printable
    from handouts.brand import load_brand

    brand = found.collect(partial(load_brand, project))
    for other in sorted(project.brands_dir.glob("*/brand.yaml")):  # every profile, not only the default
        if other.parent.name != project.brand:
            found.collect(partial(load_brand, project, other.parent.name))
    sheets = found.collect(partial(content.load_sheets, project.content_dir))
    found.errors.extend(printable.check_printed_glyphs(sheets or [], brand, glyphs))
    return sheets, _check_templates(project.templates_dir, found.errors)


def _check_language(project: Project, lang: str, template: Catalog | None, glyphs: frozenset[int] | None,
                    found: _Found) -> None:
    """One language's catalog (as the build checks it) and whether a translator reviewed it."""
    from handouts import catalogs, langreview, translation_rules

    catalog = found.collect(partial(catalogs.load_catalog, project.locales_dir, lang))
    if catalog is None:
        return
    found.add(translation_rules.check_catalog(catalog, template, glyphs))
    review = found.collect(partial(langreview.load, project.locales_dir, lang))
    if review is not None and not review.reviewed:
        found.warnings.append(Problem(
            f"the {lang!r} translation has not been reviewed by a qualified translator yet: its sheets print "
            "\"translation not yet reviewed\" and --release refuses them. After the review, fill in this file "
            "(status: \"reviewed\", reviewed_by, reviewed_on, text).", review.path))


def _check_template_current(project: Project, template: Catalog, pot: Path, found: _Found) -> None:
    """Whether messages.pot still holds exactly the messages of content/ and templates/."""
    from handouts import i18n_extract

    current = found.collect(partial(i18n_extract.extract_catalog, project.root))
    if current is None:
        return
    new = {(m.context, m.id) for m in current if m.id}
    old = {e.key for e in template.entries}
    if new != old:
        found.warnings.append(Problem(
            f"{len(new - old)} message(s) of content/ and templates/ are not in it and "
            f"{len(old - new)} in it are no longer used; run 'handouts i18n extract' "
            "then 'handouts i18n update'.", pot))


def _check_quality(project: Project, sheets: list[Sheet], langs: list[str], found: _Found) -> None:
    """Content quality: reading level, parts, thresholds, levels, glossary; reviews whose text changed."""
    from handouts import catalogs, quality, review

    loaded = {lang: found.collect(partial(catalogs.load_catalog, project.locales_dir, lang)) for lang in langs}
    checked = found.collect(partial(quality.check_content, sheets, loaded, project.locales_dir))
    found.add(checked[0] if checked else [])
    found.warnings.extend(review.stale_warnings(sheets, project.locales_dir))


def _glyph_problems(project: Project, langs: list[str]) -> list[Problem]:
    """The characters the build would find no font for, per language, with their source."""
    from handouts import fonts, plan
    from handouts.options import BuildOptions

    found: list[Problem] = []
    for lang in langs:
        try:
            problems = plan.prepare(BuildOptions(project.root, (lang,), large_print=False)).failed.get(lang, [])
        except HandoutsError as err:  # the language failed (or the brand, content or catalog: reported above)
            problems = err.problems
        for problem in problems:
            if fonts.NO_FONT in problem.message and problem not in found:
                found.append(problem)
    return found


def _check_templates(templates_dir: Path, errors: list[Problem]) -> bool:
    """Parse every Jinja template (syntax only; rendering needs a sheet and a language)."""
    import jinja2

    from handouts import render

    if not templates_dir.is_dir():
        errors.append(Problem("the templates folder does not exist.", templates_dir))
        return False
    env = render.environment(templates_dir)
    loader = env.loader
    assert loader is not None  # render.environment always gives its loader
    ok = True
    found = sorted(templates_dir.rglob("*.html"))
    if not (templates_dir / render.SHEET_TEMPLATE).is_file():
        errors.append(Problem(f"the sheet template {render.SHEET_TEMPLATE} is missing.", templates_dir))
        ok = False
    for path in found:
        name = path.relative_to(templates_dir).as_posix()
        try:
            env.parse(loader.get_source(env, name)[0], name, str(path))
        except jinja2.TemplateSyntaxError as err:
            errors.append(Problem(f"template syntax error: {err.message}", path, err.lineno))
            ok = False
        except jinja2.TemplateNotFound:
            errors.append(Problem("cannot be read (a link to nothing).", path))
            ok = False
        except HandoutsError as err:  # not UTF-8, a link outside the project, not a regular file
            errors.extend(err.problems)
            ok = False
    return ok


def reading_levels(root: Path) -> dict[str, list[str]]:
    """Sheet -> its reading level in each language, for the report of 'handouts check'."""
    from handouts import catalogs, config, content, quality

    project = config.load_project(root)
    try:
        sheets = content.load_sheets(project.content_dir)
    except HandoutsError:
        return {}  # the content's own errors are reported by run_checks
    found: dict[str, list[str]] = {}
    langs = [lang for lang in catalogs.languages(project.locales_dir) if lang != catalogs.SOURCE_LANGUAGE]
    loaded = {}
    for lang in langs:
        try:
            loaded[lang] = catalogs.load_catalog(project.locales_dir, lang)
        except HandoutsError:
            continue
    try:
        reports = quality.check_content(sheets, loaded, project.locales_dir)[1]
    except HandoutsError:
        return {}  # a broken glossary: reported by run_checks
    for level in reports:
        found.setdefault(level.name, []).append(f"{level.lang} {level.measure}")
    return found
