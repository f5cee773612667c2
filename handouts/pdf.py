"""Turn sheet HTML into PDF bytes with WeasyPrint, loading only the project's own files.

WeasyPrint is imported here and only when a sheet is rendered: ``handouts --help``,
``list`` and ``check`` never pay for it.
"""

from __future__ import annotations

import html as html_lib
import logging
import mimetypes
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from handouts.errors import EXIT_ENVIRONMENT, HandoutsError

MIN_WEASYPRINT = 70
INSTALL_HINT = (
    "WeasyPrint needs Pango 1.44 or later: on Debian or Ubuntu run "
    "'sudo apt-get install libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0', on macOS "
    "'brew install pango'; see https://doc.courtbouillon.org/weasyprint/stable/first_steps.html."
)


class RefusedURL(Exception):
    """A sheet asked for something outside the project's template, font and brand folders."""


def _weasyprint() -> Any:
    try:
        import weasyprint
    except (ImportError, OSError) as err:  # OSError: Pango or its libraries are missing
        raise HandoutsError(f"WeasyPrint cannot start ({err}). {INSTALL_HINT}", exit_code=EXIT_ENVIRONMENT) from err
    major = int(weasyprint.__version__.split(".")[0])
    if major < MIN_WEASYPRINT:
        raise HandoutsError(
            f"WeasyPrint {weasyprint.__version__} is too old; version {MIN_WEASYPRINT} or later is needed. "
            "Reinstall with: pip install --upgrade 'weasyprint>=70'.",
            exit_code=EXIT_ENVIRONMENT,
        )
    return weasyprint


def make_fetcher(allowed: tuple[Path, ...]) -> Any:
    """A URL fetcher that serves ``file:`` URLs inside ``allowed`` folders and refuses all else.

    WeasyPrint's default fetcher opens any URL, network or local, and even attaches a
    local file named by ``<link rel="attachment">``; this one never touches the network.
    """
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    roots = tuple(folder.resolve() for folder in allowed)

    class ProjectFetcher(URLFetcher):  # type: ignore[misc]
        def __init__(self) -> None:
            super().__init__(allowed_protocols={"file"}, fail_on_errors=True)
            self.refused: list[str] = []

        def fetch(self, url: str, headers: Any = None) -> Any:
            parts = urlsplit(url)
            path = Path(unquote(parts.path)).resolve() if parts.scheme == "file" and not parts.netloc else None
            if path is None or not any(path.is_relative_to(root) for root in roots) or not path.is_file():
                self.refused.append(url)
                raise RefusedURL(url)
            kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            return URLFetcherResponse(url, body=path.read_bytes(), headers={"Content-Type": kind})

    return ProjectFetcher()


@dataclass
class RenderedSheet:
    pdf: bytes
    pages: int


class _WarningCollector(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


class PdfRenderer:
    """One warm WeasyPrint setup (font configuration, fetcher) reused for every sheet."""

    def __init__(self, base_dir: Path, allowed: tuple[Path, ...], fonts_dir: Path) -> None:
        self.weasyprint = _weasyprint()
        from weasyprint.text.fonts import FontConfiguration

        self.base_url = base_dir.resolve().as_uri() + "/"
        self.allowed = allowed
        self.font_config = FontConfiguration()
        self.glyphs = font_glyphs(fonts_dir.resolve())

    def render(self, html: str, title: str) -> RenderedSheet:
        """Lay out and write one sheet; raise with the reason if anything was refused or missing."""
        missing = sorted({c for c in visible_text(html) if ord(c) not in self.glyphs and not c.isspace()})
        if missing:
            shown = " ".join(f"'{c}' (U+{ord(c):04X})" for c in missing[:8])
            raise HandoutsError(
                f"{title}: the font in fonts/ has no glyph for {shown}; "
                "replace the character or add a font that has it."
            )
        fetcher = make_fetcher(self.allowed)
        collector = _WarningCollector()
        logger = logging.getLogger("weasyprint")
        logger.addHandler(collector)
        try:
            document = self.weasyprint.HTML(string=html, base_url=self.base_url, url_fetcher=fetcher).render(
                font_config=self.font_config
            )
            pdf = document.write_pdf(pdf_variant="pdf/ua-1")
        except self.weasyprint.urls.FatalURLFetchingError as err:
            raise HandoutsError(
                f"{title}: refused to load {fetcher.refused[-1] if fetcher.refused else err}; a sheet may only use "
                "files from the project's templates/, fonts/ and brand folders."
            ) from err
        finally:
            logger.removeHandler(collector)
        if fetcher.refused:
            raise HandoutsError(f"{title}: refused to load {fetcher.refused[0]}.")
        if collector.messages:
            # The templates and fonts are the project's own: any complaint means the
            # printed page is not what the template says (a missing font, an ignored rule).
            raise HandoutsError(f"{title}: WeasyPrint reported a problem: {collector.messages[0]}")
        return RenderedSheet(pdf=pdf, pages=len(document.pages))


_TAG = re.compile(r"<(style|title|script)\b.*?</\1>|<[^>]*>", re.S | re.I)


def visible_text(html: str) -> str:
    return html_lib.unescape(_TAG.sub(" ", html))


@lru_cache(maxsize=4)
def font_glyphs(fonts_dir: Path) -> frozenset[int]:
    """The code points that the project's committed fonts can draw (the union of every font)."""
    from fontTools.ttLib import TTFont  # comes with WeasyPrint

    fonts = sorted(fonts_dir.glob("*.[ot]tf"))
    if not fonts:
        raise HandoutsError("no font files (.ttf or .otf) found.", fonts_dir, exit_code=EXIT_ENVIRONMENT)
    points: set[int] = set()
    for font in fonts:
        with TTFont(font, lazy=True) as tt:
            points |= set(tt.getBestCmap())
    return frozenset(points)
