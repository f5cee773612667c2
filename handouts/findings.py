"""A problem with a severity: the one result type of every check 'handouts check' runs."""

from __future__ import annotations

from dataclasses import dataclass

from handouts.errors import Problem

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True)
class Finding(Problem):
    """A Problem with a severity: ``error`` makes ``handouts check`` fail, ``warning`` does not."""

    severity: str = ERROR

    @property
    def is_error(self) -> bool:
        return self.severity == ERROR
