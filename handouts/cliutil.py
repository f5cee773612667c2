"""What every command shares: the --project option and how a HandoutsError is printed."""

from __future__ import annotations

from pathlib import Path

import click

from handouts.errors import HandoutsError, Problem

PROJECT_OPTION = click.option(
    "--project",
    "-C",
    "root",
    type=click.Path(file_okay=False, path_type=Path),
    default=".",
    show_default=True,
    help="The project folder (the one with handouts.yaml).",
)


def shown(path: Path) -> Path:
    """A path as a person would type it: relative to the current folder when it is inside it."""
    cwd = Path.cwd()
    return path.relative_to(cwd) if path.is_absolute() and path.is_relative_to(cwd) else path


def format_problem(problem: Problem) -> str:
    if problem.path is None:
        return problem.message
    where = str(shown(problem.path))
    return f"{where}:{problem.line}: {problem.message}" if problem.line else f"{where}: {problem.message}"


def report(ctx: click.Context, err: HandoutsError) -> None:
    """Print every problem as 'path:line: message' on stderr and exit with the error's code."""
    for problem in err.problems:
        click.echo(format_problem(problem) if problem.path else f"error: {problem.message}", err=True)
    summary = getattr(err, "summary", "")
    if summary:
        click.echo(summary, err=True)
    elif len(err.problems) > 1:
        click.echo(f"{len(err.problems)} problems; nothing was written.", err=True)
    ctx.exit(err.exit_code)


class HandoutsGroup(click.Group):
    """Prints a user's mistake as 'path:line: message' and exits with its code; bugs keep their traceback."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except HandoutsError as err:
            report(ctx, err)
        except KeyboardInterrupt:
            click.echo("Stopped (Ctrl-C): nothing was written; the PDFs from the last build are unchanged.", err=True)
            ctx.exit(130)
