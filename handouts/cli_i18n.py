"""Command line for translators: ``handouts i18n extract|update|init|status``.

Registered on the main group by ``handouts.cli`` (``main.add_command(i18n)``). Nothing here
imports WeasyPrint.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from handouts.cliutil import PROJECT_OPTION, HandoutsGroup, shown

if TYPE_CHECKING:
    from handouts.config import Project


@click.group(name="i18n", cls=HandoutsGroup)
def i18n() -> None:
    """Translators' workflow: extract the English, merge it into the catalogs, measure them."""


def _project(root: Path) -> Project:
    from handouts import config

    return config.load_project(root)


@i18n.command()
@PROJECT_OPTION
def extract(root: Path) -> None:
    """Regenerate locales/messages.pot from content/ and templates/ (pybabel extract)."""
    from handouts.i18n_extract import extract as extract_template

    project = _project(root)
    path, written = extract_template(project.root, project.locales_dir)
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
    from handouts import catalogs, i18n_status

    project = _project(root)
    if langs:
        catalogs.check_languages(project.locales_dir, langs)
    states = [s for s in i18n_status.status(project.locales_dir) if not langs or s.lang in langs]
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
