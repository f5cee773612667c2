"""Turn sheet HTML into PDF bytes with WeasyPrint, loading only the project's own files.

WeasyPrint is imported here and only when a sheet is rendered: ``handouts --help``,
``list`` and ``check`` never pay for it.
"""

from __future__ import annotations

import logging
import mimetypes
import os
import re
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from handouts import config, fonts, native
from handouts.errors import EXIT_ENVIRONMENT, HandoutsError
from handouts.safefile import read_file
from handouts.workers import RENDER_MEMORY_BYTES

MIN_WEASYPRINT = 70
MIN_PANGO = (1, 44)
INSTALL_HINT = (
    "WeasyPrint needs Pango 1.44 or later: on Debian or Ubuntu run "
    "'sudo apt-get install libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0', on macOS "
    "'brew install pango'; see https://doc.courtbouillon.org/weasyprint/stable/first_steps.html."
)


MAX_RESOURCE_BYTES = 20_000_000  # a stylesheet, font or logo a sheet loads (a font: 0.7 MB)
MAX_PDF_BYTES = 100_000_000  # a sheet's PDF read back (its cache check, its thumbnail): a sheet is about 50 kB


class RefusedURL(Exception):
    """A sheet asked for something outside the project's template, font and brand folders."""


def _weasyprint() -> Any:
    try:
        with warnings.catch_warnings(), native.known_sonames():
            # WeasyPrint warns on import when HarfBuzz's subsetter is missing; the build says
            # so once, in its own words (SUBSET_HINT), instead of a third-party warning.
            warnings.simplefilter("ignore")
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
    # fontTools (WeasyPrint's subsetter when HarfBuzz's is missing) logs remarks about the
    # project's own fonts ("'created' timestamp seems very low"): not for the user's terminal.
    logging.getLogger("fontTools").addHandler(logging.NullHandler())
    found = native_libraries().pango
    if found is not None and found[:2] < MIN_PANGO:
        # WeasyPrint itself only warns, and the layout then fails in ways that look like ours.
        raise HandoutsError(f"Pango {'.'.join(map(str, found))} is too old. {INSTALL_HINT}",
                            exit_code=EXIT_ENVIRONMENT)
    return weasyprint


@dataclass(frozen=True)
class NativeLibraries:
    pango: tuple[int, int, int] | None  # None: unknown
    harfbuzz_subset: bool | None


def native_libraries() -> NativeLibraries:
    """What WeasyPrint loaded: Pango's version, and whether HarfBuzz's subsetter is there.

    The one place where handouts touches a WeasyPrint internal (``weasyprint.text.ffi``, the
    libraries it opened): WeasyPrint has no public way to ask. pyproject.toml caps WeasyPrint
    below its next major version for this, and tests/test_pdf.py fails loudly when the names
    move. Should they move anyway, the checks that use them are skipped, never a crash.
    """
    try:
        from weasyprint.text import ffi

        number = int(ffi.pango.pango_version())  # 15012 is 1.50.12
        pango = (number // 10000, number // 100 % 100, number % 100)
    except (ImportError, AttributeError, TypeError, ValueError):
        return NativeLibraries(None, None)
    try:
        subset = bool(ffi.harfbuzz_subset) and bool(ffi.harfbuzz.hb_version_atleast(4, 1, 0))
    except AttributeError:
        subset = None
    return NativeLibraries(pango, subset)


def make_fetcher(allowed: tuple[Path, ...]) -> Any:
    """A URL fetcher that serves ``file:`` URLs inside ``allowed`` folders and refuses all else.

    WeasyPrint's default fetcher opens any URL, network or local, and even attaches a
    local file named by ``<link rel="attachment">``; this one never touches the network.
    """
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    roots = tuple(folder.resolve() for folder in allowed)

    class ProjectFetcher(URLFetcher):
        def __init__(self) -> None:
            super().__init__(allowed_protocols={"file"}, fail_on_errors=True)
            self.refused: list[str] = []

        def fetch(self, url: str, headers: Any = None) -> Any:
            parts = urlsplit(url)
            path = Path(unquote(parts.path)).resolve() if parts.scheme == "file" and not parts.netloc else None
            root = next((root for root in roots if path is not None and path.is_relative_to(root)), None)
            if path is None or root is None or not path.is_file():
                self.refused.append(url)
                raise RefusedURL(url)
            try:
                body = read_file(path, MAX_RESOURCE_BYTES, root)
            except HandoutsError as err:  # not a regular file, or too big
                self.refused.append(url)
                raise RefusedURL(url) from err
            kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            return URLFetcherResponse(url, body=body, headers={"Content-Type": kind})

    return ProjectFetcher()


@dataclass
class Part:
    """One language of a sheet: its HTML, the label used in messages and its page limit."""

    html: str
    label: str
    lang: str  # the document language, as in <html lang>: fr-CA
    max_pages: int = 1


@dataclass
class RenderedSheet:
    pdf: bytes | None  # None when a part needs more pages than it may use
    pages: list[int]  # pages per part


SUBSET_HINT = (
    "note: HarfBuzz's font subsetter is not installed, so PDFs take about 8 times longer to "
    "write. On Debian or Ubuntu: sudo apt-get install libharfbuzz-subset0"
)
_SUBSET_WARNING = "Using fontTools instead of HarfBuzz-Subset"


class _WarningCollector(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if not message.startswith(_SUBSET_WARNING):  # reported once, at start-up (subset_available)
            self.messages.append(message)


def subset_available() -> bool | None:
    """Whether WeasyPrint found HarfBuzz's subsetter (without it, fontTools is ~8x slower); None: unknown."""
    _weasyprint()
    return native_libraries().harfbuzz_subset


STYLESHEET = Path("css") / "print.css"  # inside the templates folder


class PdfRenderer:
    """One warm WeasyPrint setup reused for every sheet a process renders.

    Made once: the font configuration, the fetcher, the image cache and the parsed
    stylesheet (``templates/css/print.css``, with its ``@font-face`` fonts loaded once,
    not once per sheet). The stylesheet is given to WeasyPrint as a user stylesheet, so
    the ``<style>`` in each sheet's HTML (paper size, brand colours) still wins over it,
    as it would if the sheet linked it. A changed stylesheet, font or logo needs a new
    renderer: the build makes one when the fingerprint of those files changes.
    """

    def __init__(self, base_dir: Path, allowed: tuple[Path, ...], fonts_dir: Path) -> None:
        self.weasyprint = _weasyprint()
        from weasyprint.text.fonts import FontConfiguration

        self.base_url = base_dir.resolve().as_uri() + "/"
        self.allowed = allowed
        self.font_config = FontConfiguration()
        self.glyphs = fonts.code_points(base_dir, fonts_dir)
        self.fetcher = make_fetcher(self.allowed)
        self.image_cache: dict[str, Any] = {}
        stylesheet = base_dir / STYLESHEET
        if not stylesheet.is_file():
            raise HandoutsError(
                "the stylesheet is missing; restore it from the project's repository.", stylesheet,
                exit_code=EXIT_ENVIRONMENT,
            )
        css = read_file(stylesheet, MAX_RESOURCE_BYTES, base_dir.parent, what="stylesheet", exit_code=EXIT_ENVIRONMENT)
        with self._warnings_as_errors(str(stylesheet)):
            self.stylesheets = [
                self.weasyprint.CSS(string=css.decode("utf-8", "replace"), base_url=stylesheet.resolve().as_uri(),
                                    url_fetcher=self.fetcher, font_config=self.font_config)
            ]

    def make_pdf(self, parts: list[Part], title: str | None = None) -> RenderedSheet:
        """Lay out each part (one per language) and write them as one PDF, in order.

        The PDF is only written when every part fits its page limit; the language of each
        part after the first is set on its structure elements, for screen readers.
        """
        for part in parts:
            self._check_glyphs(part)
        documents = [self._layout(part) for part in parts]
        pages = [len(document.pages) for document in documents]
        if any(count > part.max_pages for count, part in zip(pages, parts, strict=True)):
            return RenderedSheet(None, pages)
        document = documents[0]
        if len(documents) > 1:
            document = document.copy([page for doc in documents for page in doc.pages])
        if title:
            document.metadata.title = title
        languages = [lang for part, count in zip(parts, pages, strict=True) for lang in [part.lang] * count]
        pdf = self._write(document, parts[0].label, languages)
        return RenderedSheet(pdf, pages)

    def _check_glyphs(self, part: Part) -> None:
        missing = fonts.missing(part.html, self.glyphs)
        if missing:
            raise HandoutsError(
                f"{part.label}: the fonts declared in templates/css/fonts.css have no glyph for "
                f"{fonts.describe(missing)}; replace the character, or add a font that has it to fonts/ "
                "and declare it there."
            )

    @contextmanager
    def _warnings_as_errors(self, label: str) -> Iterator[None]:
        """Turn a refused URL or any WeasyPrint warning into an error naming the sheet."""
        self.fetcher.refused.clear()
        collector = _WarningCollector()
        logger = logging.getLogger("weasyprint")
        logger.addHandler(collector)
        try:
            yield
        except self.weasyprint.urls.FatalURLFetchingError as err:
            refused = self.fetcher.refused[-1] if self.fetcher.refused else err
            raise HandoutsError(
                f"{label}: refused to load {refused}; a sheet may only use "
                "files from the project's templates/, fonts/ and brand folders."
            ) from err
        except HandoutsError:
            raise
        except MemoryError as err:
            raise HandoutsError(
                f"{label}: needs more than {RENDER_MEMORY_BYTES >> 20} MB of memory to render; a sheet needs "
                "about 100 MB. Use a smaller logo image, or undo the last change to the templates."
            ) from err
        except Exception as err:  # a WeasyPrint bug met by our templates: say which sheet
            if _raised_in_svg(err):
                raise HandoutsError(
                    f"{label}: WeasyPrint could not draw an SVG image of the sheet, the brand's logo "
                    f"({type(err).__name__}: {err or 'no reason given'}); export the logo again as plain SVG, "
                    "or use a PNG logo.") from err
            raise HandoutsError(
                f"{label}: WeasyPrint could not lay out this sheet ({type(err).__name__}: {err}). "
                "This comes from the templates or the stylesheet, not the text: undo the last change to "
                "templates/, or report it with this message."
            ) from err
        finally:
            logger.removeHandler(collector)
        if self.fetcher.refused:
            raise HandoutsError(f"{label}: refused to load {self.fetcher.refused[0]}.")
        if collector.messages:
            # The templates and fonts are the project's own: any complaint means the
            # printed page is not what the template says (a missing font, an ignored rule).
            message = collector.messages[0].strip()
            image = _IMAGE_URL.search(message)
            if image:  # named by its file: WeasyPrint's own message may give no reason
                path = Path(unquote(urlsplit(image.group()).path))
                reason = message.replace(image.group(), "").strip(" :.")
                raise HandoutsError(
                    f"{label}: WeasyPrint could not draw this image ({reason or 'no reason given'}); export it "
                    "again (as plain SVG, or as PNG).", path)
            raise HandoutsError(f"{label}: WeasyPrint reported a problem: {message}")

    def _layout(self, part: Part) -> Any:
        with self._warnings_as_errors(part.label):
            return self.weasyprint.HTML(string=part.html, base_url=self.base_url, url_fetcher=self.fetcher).render(
                font_config=self.font_config, stylesheets=self.stylesheets, cache=self.image_cache
            )

    def _write(self, document: Any, label: str, languages: list[str]) -> bytes:
        def finisher(_document: Any, pdf: Any) -> None:
            set_page_languages(pdf, languages)

        with self._warnings_as_errors(label), _reproducible_font_timestamps():
            pdf: bytes = document.write_pdf(pdf_variant="pdf/ua-1", finisher=finisher)
            return pdf


@contextmanager
def _reproducible_font_timestamps() -> Iterator[None]:
    """Subset fonts stamped with a fixed time, so that the same inputs give the same bytes.

    Without HarfBuzz's subsetter WeasyPrint subsets with fontTools, which stamps each font's
    ``head.modified`` with the current time unless SOURCE_DATE_EPOCH is set (the
    reproducible-builds convention fontTools follows). Unset, it is 0 here for the time of
    the write (the PDF itself then carries no date, see plan.source_date); the user's value
    is read by :func:`handouts.config.source_date_epoch`, which refuses one that is not a number.
    """
    saved = os.environ.get("SOURCE_DATE_EPOCH")
    if config.source_date_epoch() is None:
        os.environ["SOURCE_DATE_EPOCH"] = "0"
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop("SOURCE_DATE_EPOCH", None)
        else:
            os.environ["SOURCE_DATE_EPOCH"] = saved


_IMAGE_URL = re.compile(r"file://\S+?\.(?:svg|png|jpe?g|gif)\b", re.I)


def _raised_in_svg(err: BaseException) -> bool:
    """Whether an error came from WeasyPrint's SVG drawing code (so from an SVG image, the logo)."""
    import traceback

    return any("weasyprint/svg/" in frame.f_code.co_filename.replace("\\", "/")
               for frame, _ in traceback.walk_tb(err.__traceback__))


def set_page_languages(pdf: Any, languages: list[str]) -> None:
    """Give each top-level structure element the language of its page, where it differs.

    WeasyPrint sets one /Lang for the whole document (the first part's); in a bilingual
    sheet, the English page must be read aloud as English.
    """
    import pydyf

    if "StructTreeRoot" not in pdf.catalog or len(set(languages)) < 2:
        return

    def resolve(reference: bytes) -> Any:
        return pdf.objects[int(reference.split()[0])]

    page_index = {bytes(ref): i for i, ref in enumerate(pdf.page_references)}
    root = resolve(pdf.catalog["StructTreeRoot"])
    for document_ref in root["K"]:
        for element_ref in resolve(document_ref)["K"]:
            element = resolve(element_ref)
            index = page_index.get(bytes(element.get("Pg", b"")))
            if index is not None and index < len(languages) and languages[index] != languages[0]:
                element["Lang"] = pydyf.String(languages[index])
