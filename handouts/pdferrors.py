"""What WeasyPrint complains about while it renders a sheet, said as an error naming the sheet.

The templates, stylesheet, fonts and logo are the project's own: a refused URL, a warning
(a missing font, an ignored rule, an image that cannot be drawn) or an exception inside
WeasyPrint means the printed page would not be what the template says, so each stops that
PDF with a :class:`HandoutsError` that names it and says what to undo.
"""

from __future__ import annotations

import logging
import re
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from handouts.errors import HandoutsError
from handouts.workers import RENDER_MEMORY_BYTES

SUBSET_WARNING = "Using fontTools instead of HarfBuzz-Subset"  # said once, at start-up (SUBSET_HINT)
_IMAGE_URL = re.compile(r"file://\S+?\.(?:svg|png|jpe?g|gif)\b", re.I)


class _WarningCollector(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if not message.startswith(SUBSET_WARNING):
            self.messages.append(message)


@contextmanager
def warnings_as_errors(label: str, fetcher: Any, fatal_url_error: type[Exception]) -> Iterator[None]:
    """Turn a URL ``fetcher`` refused or any WeasyPrint warning in the block into an error naming the sheet."""
    fetcher.refused.clear()
    collector = _WarningCollector()
    logger = logging.getLogger("weasyprint")
    logger.addHandler(collector)
    try:
        yield
    except fatal_url_error as err:
        refused = fetcher.refused[-1] if fetcher.refused else err
        raise HandoutsError(
            f"{label}: refused to load {refused}; a sheet may only use "
            "files from the project's templates/, fonts/ and brand folders."
        ) from err
    except HandoutsError:
        raise
    except Exception as err:  # a WeasyPrint bug met by our templates, or MemoryError: say which sheet
        raise _failure(label, err) from err
    finally:
        logger.removeHandler(collector)
    if fetcher.refused:
        raise HandoutsError(f"{label}: refused to load {fetcher.refused[0]}.")
    if collector.messages:
        raise _complaint(label, collector.messages[0].strip())


def _failure(label: str, err: Exception) -> HandoutsError:
    if isinstance(err, MemoryError):
        return HandoutsError(
            f"{label}: needs more than {RENDER_MEMORY_BYTES >> 20} MB of memory to render; a sheet needs "
            "about 100 MB. Use a smaller logo image, or undo the last change to the templates.")
    if _raised_in_svg(err):
        return HandoutsError(
            f"{label}: WeasyPrint could not draw an SVG image of the sheet, the brand's logo "
            f"({type(err).__name__}: {err or 'no reason given'}); export the logo again as plain SVG, "
            "or use a PNG logo.")
    return HandoutsError(
        f"{label}: WeasyPrint could not lay out this sheet ({type(err).__name__}: {err}). "
        "This comes from the templates or the stylesheet, not the text: undo the last change to "
        "templates/, or report it with this message.")


def _complaint(label: str, message: str) -> HandoutsError:
    """A warning WeasyPrint logged; an image it could not draw is named by its file, as its own
    message may give no reason."""
    image = _IMAGE_URL.search(message)
    if image:
        path = Path(unquote(urlsplit(image.group()).path))
        reason = message.replace(image.group(), "").strip(" :.")
        return HandoutsError(
            f"{label}: WeasyPrint could not draw this image ({reason or 'no reason given'}); export it "
            "again (as plain SVG, or as PNG).", path)
    return HandoutsError(f"{label}: WeasyPrint reported a problem: {message}")


def _raised_in_svg(err: BaseException) -> bool:
    """Whether an error came from WeasyPrint's SVG drawing code (so from an SVG image, the logo)."""
    return any("weasyprint/svg/" in frame.f_code.co_filename.replace("\\", "/")
               for frame, _ in traceback.walk_tb(err.__traceback__))
