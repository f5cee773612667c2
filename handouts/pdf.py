"""Turn sheet HTML into PDF bytes with WeasyPrint, loading only the project's own files.

WeasyPrint is imported here and only when a sheet is rendered: ``handouts --help``,
``list`` and ``check`` never pay for it.
"""

from __future__ import annotations

import copy
import logging
import os
import warnings
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from handouts import fonts, native
from handouts.errors import EXIT_ENVIRONMENT, HandoutsError
from handouts.fetcher import MAX_RESOURCE_BYTES, make_fetcher
from handouts.pdferrors import warnings_as_errors
from handouts.safefile import read_file
from handouts.source_date import source_date_epoch

MIN_WEASYPRINT = 70
MIN_PANGO = (1, 44)
INSTALL_HINT = (
    "WeasyPrint needs Pango 1.44 or later: on Debian or Ubuntu run "
    "'sudo apt-get install libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0', on macOS "
    "'brew install pango'; see https://doc.courtbouillon.org/weasyprint/stable/first_steps.html."
)


MAX_PDF_BYTES = 100_000_000  # a sheet's PDF read back (its cache check, its thumbnail): a sheet is about 50 kB


def weasyprint_module() -> Any:
    """WeasyPrint, imported once its native libraries are found; a HandoutsError saying what to
    install when it cannot start or is too old."""
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


@dataclass
class Part:
    """One language of a sheet: its HTML, the label used in messages and its page limit."""

    html: str
    label: str
    lang: str  # the document language, as in <html lang>: fr-CA
    max_pages: int = 1

    @property
    def layout_key(self) -> tuple[str, str]:
        """Parts with the same key have the same layout (see PdfRenderer.sharing_layouts)."""
        return (self.lang, self.html)


@dataclass
class RenderedSheet:
    pdf: bytes | None  # None when a part needs more pages than it may use
    pages: list[int]  # pages per part


SUBSET_HINT = (
    "note: HarfBuzz's font subsetter is not installed, so PDFs take about 8 times longer to "
    "write. On Debian or Ubuntu: sudo apt-get install libharfbuzz-subset0"
)


def subset_available() -> bool | None:
    """Whether WeasyPrint found HarfBuzz's subsetter (without it, fontTools is ~8x slower); None: unknown."""
    weasyprint_module()
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
        self.weasyprint = weasyprint_module()
        from weasyprint.text.fonts import FontConfiguration

        self.base_url = base_dir.resolve().as_uri() + "/"
        self.allowed = allowed
        self.font_config = FontConfiguration()
        self.glyphs = fonts.code_points(base_dir, fonts_dir)
        self.fetcher = make_fetcher(self.allowed)
        self.image_cache: dict[str, Any] = {}
        self._layouts: dict[tuple[str, str], Any] | None = None  # see sharing_layouts
        stylesheet = base_dir / STYLESHEET
        if not stylesheet.is_file():
            raise HandoutsError(
                "the stylesheet is missing; restore it from the project's repository.", stylesheet,
                exit_code=EXIT_ENVIRONMENT,
            )
        css = read_file(stylesheet, MAX_RESOURCE_BYTES, base_dir.parent, what="stylesheet", exit_code=EXIT_ENVIRONMENT)
        with self._reported(str(stylesheet)):
            self.stylesheets = [
                self.weasyprint.CSS(string=css.decode("utf-8", "replace"), base_url=stylesheet.resolve().as_uri(),
                                    url_fetcher=self.fetcher, font_config=self.font_config)
            ]

    def make_pdf(self, parts: list[Part], title: str | None = None) -> RenderedSheet:
        """Lay out each part (one per language) and write them as one PDF, in order.

        The PDF is only written when every part fits its page limit; the language of each
        part after the first is set on its structure elements, for screen readers. Inside
        :meth:`sharing_layouts`, a part laid out before (the same language, the same HTML)
        is not laid out again: its pages are written once more.
        """
        for part in parts:
            if self._shared(part) is None:
                self._check_glyphs(part)
        documents = [self._laid_out(part) for part in parts]
        pages = [len(document.pages) for document in documents]
        if any(count > part.max_pages for count, part in zip(pages, parts, strict=True)):
            return RenderedSheet(None, pages)
        # A new document of the parts' pages: writing never changes the layouts it is made from,
        # so the same layout gives the same bytes in every PDF that uses it.
        document = documents[0].copy([page for doc in documents for page in doc.pages])
        document.metadata = copy.copy(documents[0].metadata)
        if title:
            document.metadata.title = title
        languages = [lang for part, count in zip(parts, pages, strict=True) for lang in [part.lang] * count]
        pdf = self._write(document, parts[0].label, languages)
        return RenderedSheet(pdf, pages)

    @contextmanager
    def sharing_layouts(self) -> Iterator[None]:
        """In the block, each part is laid out once, whatever the number of PDFs it is printed in
        (French alone and French on the front of the bilingual sheet); forgotten afterwards."""
        self._layouts = {}
        try:
            yield
        finally:
            self._layouts = None

    def _shared(self, part: Part) -> Any:
        return None if self._layouts is None else self._layouts.get(part.layout_key)

    def _laid_out(self, part: Part) -> Any:
        document = self._shared(part)
        if document is None:
            document = self._layout(part)
            if self._layouts is not None:
                self._layouts[part.layout_key] = document
        return document

    def _check_glyphs(self, part: Part) -> None:
        missing = fonts.missing(part.html, self.glyphs)
        if missing:
            raise HandoutsError(
                f"{part.label}: the fonts declared in templates/css/fonts.css have no glyph for "
                f"{fonts.describe(missing)}; replace the character, or add a font that has it to fonts/ "
                "and declare it there."
            )

    def _reported(self, label: str) -> AbstractContextManager[None]:
        return warnings_as_errors(label, self.fetcher, self.weasyprint.urls.FatalURLFetchingError)

    def _layout(self, part: Part) -> Any:
        with self._reported(part.label):
            return self.weasyprint.HTML(string=part.html, base_url=self.base_url, url_fetcher=self.fetcher).render(
                font_config=self.font_config, stylesheets=self.stylesheets, cache=self.image_cache
            )

    def _write(self, document: Any, label: str, languages: list[str]) -> bytes:
        def finisher(_document: Any, pdf: Any) -> None:
            set_page_languages(pdf, languages)

        with self._reported(label), _reproducible_font_timestamps():
            pdf: bytes = document.write_pdf(pdf_variant="pdf/ua-1", finisher=finisher)
            return pdf


@contextmanager
def _reproducible_font_timestamps() -> Iterator[None]:
    """Subset fonts stamped with a fixed time, so that the same inputs give the same bytes.

    Without HarfBuzz's subsetter WeasyPrint subsets with fontTools, which stamps each font's
    ``head.modified`` with the current time unless SOURCE_DATE_EPOCH is set (the
    reproducible-builds convention fontTools follows). Unset, it is 0 here for the time of
    the write (the PDF itself then carries no date, see plan.source_date); the user's value
    is read by :func:`handouts.source_date.source_date_epoch`, which refuses one that is not a number.
    """
    saved = os.environ.get("SOURCE_DATE_EPOCH")
    if source_date_epoch() is None:
        os.environ["SOURCE_DATE_EPOCH"] = "0"
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop("SOURCE_DATE_EPOCH", None)
        else:
            os.environ["SOURCE_DATE_EPOCH"] = saved


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
