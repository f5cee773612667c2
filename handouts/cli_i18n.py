"""Command line for translators: ``handouts i18n extract|update|init|status`` and ``handouts check``.

Registered on the main group by ``handouts.cli`` (``main.add_command(i18n)``,
``main.add_command(check)``). Nothing here imports WeasyPrint.
"""

from __future__ import annotations

import time
from pathlib import Path

import click

from handouts.cliutil import PROJECT_OPTION, HandoutsGroup, format_problem, report, shown
from handouts.errors import EXIT_INPUT, HandoutsError, Problem


@click.group(name="i18n", cls=HandoutsGroup)
def i18n() -> None:
    """Translators' workflow: extract the English, merge it into the catalogs, measure them."""


def _project(root: Path):
    from handouts import config

    return config.load_project(root)


@i18n.command()
@PROJECT_OPTION
def extract(root: Path) -> None:
    """Regenerate locales/messages.pot from content/ and templates/ (pybabel extract)."""
    from handouts import i18n as workflow

    project = _project(root)
    path, written = workflow.extract(project.root, project.locales_dir)
    if written:
        click.echo(f"wrote {shown(path)}")
    else:
        click.echo(f"{shown(path)} is up to date (no message changed); left as it was.")


@i18n.command()
@PROJECT_OPTION
def update(root: Path) -> None:
    """Merge locales/messages.pot into every language's catalog (pybabel update --previous)."""
    from handouts import i18n as workflow

    project = _project(root)
    results = workflow.update(project.locales_dir)
    for result in results:
        if result.written:
            click.echo(f"updated {shown(result.path)}: {result.summary}")
        else:
            click.echo(f"{shown(result.path)}: no message changed; left as it was.")
    if not results:
        click.echo("No catalog to update; start one with 'handouts i18n init LANG'.")


@i18n.command()
@PROJECT_OPTION
@click.argument("lang")
def init(root: Path, lang: str) -> None:
    """Start the catalog of a new language LANG (for example: es) from locales/messages.pot."""
    from handouts import i18n as workflow

    project = _project(root)
    path = workflow.init(project.locales_dir, lang)
    click.echo(f"wrote {shown(path)}")
    click.echo(f"Translate it, then: handouts build --lang {lang}  (untranslated messages print in English).")


@i18n.command()
@PROJECT_OPTION
@click.option("--strict", is_flag=True, help="Exit 1 when a language has fuzzy or untranslated messages.")
@click.option("--lang", "langs", multiple=True, metavar="LANG", help="Only this language (repeat for more).")
@click.option("--sheet", "sheets", multiple=True, metavar="SHEET",
              help="Only the messages of this sheet (repeat for more); the templates' messages are shown too.")
def status(root: Path, strict: bool, langs: tuple[str, ...], sheets: tuple[str, ...]) -> None:
    """Per language: translated, fuzzy, untranslated and obsolete messages, then what is left to do."""
    from handouts import catalogs
    from handouts import i18n as workflow

    project = _project(root)
    if langs:
        catalogs.check_languages(project.locales_dir, langs)
    states = [s for s in workflow.status(project.locales_dir) if not langs or s.lang in langs]
    if sheets:
        def on_sheet(where: str) -> bool:
            return not where.startswith("Sheet '") or any(where.startswith(f"Sheet '{name}'") for name in sheets)

        for state in states:
            state.pending = [p for p in state.pending if on_sheet(p.where)]
    if not states:
        click.echo("No catalog yet; start one with 'handouts i18n init LANG'.")
    for state in states:
        click.echo(
            f"{state.lang}: {state.percent}% translated ({state.translated} of {state.total}), "
            f"{state.fuzzy} fuzzy, {state.untranslated} untranslated, {state.obsolete} obsolete"
            f"  {shown(state.path)}"
        )
        if state.not_merged:
            click.echo(f"  {state.not_merged} message(s) of messages.pot are not in the catalog yet: "
                       "run 'handouts i18n update'.")
        for kind in ("fuzzy", "untranslated"):
            pending = [p for p in state.pending if p.kind == kind]
            if not pending:
                continue
            click.echo(f"  {kind} ({len(pending)}):")
            for item in pending:
                where = f"{shown(item.path)}:{item.line}" if item.line else "(not merged)"
                text = item.msgid if len(item.msgid) <= 60 else item.msgid[:59] + "…"
                click.echo(f"    {where}  {item.where}  {text!r}")
    incomplete = [s.lang for s in states if not s.complete]
    if strict and incomplete:
        click.echo(f"Incomplete (--strict): {', '.join(incomplete)}.", err=True)
        raise SystemExit(1)


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


def run_checks(root: Path) -> tuple[list[Problem], list[Problem], str]:
    """(errors, warnings, what was checked) for the whole project, without rendering anything."""
    from handouts import catalogs, config, content, langreview, printable, translation_rules
    from handouts import i18n as workflow
    from handouts.errors import EXIT_USAGE

    project = config.load_project(root)
    errors: list[Problem] = []
    warnings: list[Problem] = []

    def collect(step):
        try:
            return step()
        except HandoutsError as err:
            if err.exit_code == EXIT_USAGE and not err.problems[0].path:
                raise
            errors.extend(err.problems)
            return None

    glyphs = printable.project_glyphs(project.templates_dir, project.fonts_dir)
    brand = collect(lambda: config.load_brand(project))
    for other in sorted(project.brands_dir.glob("*/brand.yaml")):  # every profile, not only the default
        if other.parent.name != project.brand:
            collect(lambda name=other.parent.name: config.load_brand(project, name))
    handouts = collect(lambda: content.load_handouts(project.content_dir))
    errors.extend(printable.check_printed_glyphs(handouts, brand, glyphs))
    templates_ok = _check_templates(project.templates_dir, errors)
    from handouts.build import missing_fonts

    errors.extend(missing_fonts(project))

    pot = catalogs.template_path(project.locales_dir)
    template = collect(lambda: catalogs.read_po(pot, root=project.root)) if pot.is_file() else None
    if not pot.is_file():
        warnings.append(Problem("there is no message template; run 'handouts i18n extract'.", pot))
    langs = [lang for lang in catalogs.languages(project.locales_dir) if lang != catalogs.SOURCE_LANGUAGE]
    for lang in langs:
        catalog = collect(lambda lang=lang: catalogs.load_catalog(project.locales_dir, lang))
        if catalog is None:
            continue
        for finding in translation_rules.check_catalog(catalog, template, glyphs):
            (errors if finding.is_error else warnings).append(finding)
        review = collect(lambda lang=lang: langreview.load(project.locales_dir, lang))
        if review is not None and not review.reviewed:
            warnings.append(Problem(
                f"the {lang!r} translation has not been reviewed by a qualified translator yet: its sheets print "
                "\"translation not yet reviewed\" and --release refuses them. After the review, fill in this file "
                "(status: \"reviewed\", reviewed_by, reviewed_on, text).", review.path))

    if handouts is not None and templates_ok and langs:
        errors.extend(_glyph_problems(project, langs))

    if template is not None and handouts is not None and templates_ok:
        current = collect(lambda: workflow.extract_catalog(project.root))
        if current is not None:
            new = {(m.context, m.id) for m in current if m.id}
            old = {e.key for e in template.entries}
            if new != old:
                warnings.append(Problem(
                    f"{len(new - old)} message(s) of content/ and templates/ are not in it and "
                    f"{len(old - new)} in it are no longer used; run 'handouts i18n extract' "
                    "then 'handouts i18n update'.", pot))
    counts = []
    try:
        states = workflow.status(project.locales_dir) if template is not None else []
    except HandoutsError:  # a broken catalog: reported above
        states = []
    for state in states:
        counts.append(f"{state.lang}: {state.fuzzy} fuzzy, {state.untranslated} untranslated")
    if handouts is not None:  # content quality: reading level, parts, thresholds, levels, glossary
        from handouts import quality, review

        fr_catalogs = {lang: collect(lambda lang=lang: catalogs.load_catalog(project.locales_dir, lang))
                       for lang in langs}
        found = collect(lambda: quality.check_content(handouts, fr_catalogs, project.locales_dir))
        for finding in (found[0] if found else []):
            (errors if finding.is_error else warnings).append(finding)
        warnings.extend(review.stale_warnings(handouts, project.locales_dir))
    counted = (f"{len(handouts) if handouts is not None else '?'} sheets, "
               f"{len(langs)} catalog{'s' if len(langs) != 1 else ''}"
               + (f" ({'; '.join(counts)})" if counts else "") + ", templates")
    return errors, warnings, counted


def _glyph_problems(project, langs: list[str]) -> list[Problem]:
    """The characters the build would find no font for, per language, with their source."""
    from handouts import build, fonts

    found: list[Problem] = []
    for lang in langs:
        try:
            problems = build.prepare(project.root, (lang,), large_print=False).failed.get(lang, [])
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
    ok = True
    found = sorted(templates_dir.rglob("*.html"))
    if not (templates_dir / render.SHEET_TEMPLATE).is_file():
        errors.append(Problem(f"the sheet template {render.SHEET_TEMPLATE} is missing.", templates_dir))
        ok = False
    for path in found:
        name = path.relative_to(templates_dir).as_posix()
        try:
            env.parse(env.loader.get_source(env, name)[0], name, str(path))
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
        handouts = content.load_handouts(project.content_dir)
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
        sheets = quality.check_content(handouts, loaded, project.locales_dir)[1]
    except HandoutsError:
        return {}  # a broken glossary: reported by run_checks
    for sheet in sheets:
        found.setdefault(sheet.name, []).append(f"{sheet.lang} {sheet.measure}")
    return found
