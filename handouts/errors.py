"""The one error type: a problem in a file, at a line, said so a person can act on it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

# Exit codes, shared by every command.
EXIT_INPUT = 1  # the project's own files: content, catalog, brand, templates
EXIT_USAGE = 2  # the command line: unknown language, unknown sheet
EXIT_ENVIRONMENT = 3  # WeasyPrint, Pango, fonts missing or too old
EXIT_OUTPUT = 4  # the output folder: not writable, disk full, another build running


@dataclass(frozen=True)
class Problem:
    """One thing wrong (or worth a warning), located in a file when it can be."""

    message: str
    path: Path | None = None
    line: int | None = None

    def __str__(self) -> str:
        if self.path is not None and self.line is not None:
            return f"{self.path}:{self.line}: {self.message}"
        if self.path is not None:
            return f"{self.path}: {self.message}"
        return self.message


class HandoutsError(Exception):
    """A user's mistake or a broken input: printed as ``path:line: message``, never a traceback.

    It carries one problem or several (every problem found in a run is reported at
    once), the exit code the command line should end with, and optionally the one-line
    summary printed after the problems (a build's counts); without one, the command line
    counts the problems.
    """

    def __init__(
        self,
        message: str = "",
        path: Path | None = None,
        line: int | None = None,
        *,
        problems: list[Problem] | None = None,
        exit_code: int = EXIT_INPUT,
        summary: str = "",
    ) -> None:
        self.problems = list(problems) if problems else [Problem(message, path, line)]
        self.exit_code = exit_code
        self.summary = summary
        super().__init__(str(self))

    def __reduce__(self) -> tuple[object, ...]:
        # Sent back by a worker process as it is: its problems and exit code, not only its text.
        return (_rebuilt, (self.problems, self.exit_code, self.summary))

    @classmethod
    def collect(cls, problems: list[Problem], exit_code: int = EXIT_INPUT) -> HandoutsError:
        return cls(problems=problems, exit_code=exit_code)

    def __str__(self) -> str:
        return "\n".join(str(problem) for problem in self.problems)


def _rebuilt(problems: list[Problem], exit_code: int, summary: str) -> HandoutsError:
    return HandoutsError(problems=problems, exit_code=exit_code, summary=summary)


def raise_if_any(problems: list[Problem], exit_code: int = EXIT_INPUT) -> None:
    """Raise one error listing every problem, if there is at least one."""
    if problems:
        raise HandoutsError.collect(problems, exit_code)
