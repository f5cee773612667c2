"""SOURCE_DATE_EPOCH, the reproducible-builds convention: the one time a build may stamp into its outputs.

Its own module, with nothing to import, because the render workers read it too (for the fonts'
timestamps, :mod:`handouts.pdf`) and need none of the project's settings.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime

from handouts.errors import EXIT_USAGE, HandoutsError


def source_date_epoch() -> int | None:
    """SOURCE_DATE_EPOCH: the time to stamp outputs with, in seconds since 1970; unset: None."""
    value = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if not value:
        return None
    try:
        epoch = int(value)
        datetime.fromtimestamp(epoch, tz=UTC)
    except (ValueError, OverflowError, OSError) as err:
        raise HandoutsError(
            f"SOURCE_DATE_EPOCH is {value!r}; it must be a number of seconds since 1970 (or unset).",
            exit_code=EXIT_USAGE,
        ) from err
    return epoch
