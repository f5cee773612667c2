"""What every command shares: the --project option and how a HandoutsError is printed."""

from __future__ import annotations

import errno
import os
import signal
import sys
from pathlib import Path

import click

from handouts.errors import EXIT_OUTPUT, HandoutsError, Problem

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
    if err.summary:
        click.echo(err.summary, err=True)
    elif len(err.problems) > 1:
        click.echo(f"{len(err.problems)} problems; nothing was written.", err=True)
    ctx.exit(err.exit_code)


class HandoutsGroup(click.Group):
    """Prints a user's mistake as 'path:line: message' and exits with its code; bugs keep their traceback."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            _ctrl_c_raises()
            result = super().invoke(ctx)
            sys.stdout.flush()  # a full disk or a closed pipe shows here, not as a traceback at exit
            return result
        except HandoutsError as err:
            report(ctx, err)
        except KeyboardInterrupt:
            click.echo("Stopped (Ctrl-C): nothing was written; the PDFs from the last build are unchanged.", err=True)
            ctx.exit(130)
        except OSError as err:
            if err.errno not in _OUTPUT_ERRORS or err.filename is not None:
                raise
            _discard_stdout()
            click.echo(f"error: cannot write the output ({err.strerror}); check that the disk or the "
                       "device it goes to has room.", err=True)
            ctx.exit(EXIT_OUTPUT)
        return None


# Writing to standard output: a full disk, a full device (/dev/full), a closed pipe, a lost terminal.
_OUTPUT_ERRORS = {errno.ENOSPC, errno.EPIPE, errno.EIO, getattr(errno, "EDQUOT", errno.ENOSPC)}


def _ctrl_c_raises() -> None:
    """Python's own Ctrl-C handler (KeyboardInterrupt) in place of the early one of handouts/__init__.py."""
    import handouts

    try:
        if signal.getsignal(signal.SIGINT).__module__ == handouts.__name__:
            signal.signal(signal.SIGINT, signal.default_int_handler)
    except (AttributeError, ValueError):  # another handler, or not the main thread
        pass


def _discard_stdout() -> None:
    """Nothing more reaches the broken standard output, so Python's exit does not fail on it again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):
        pass
