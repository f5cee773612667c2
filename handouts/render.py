"""Render a translated handout to HTML through the Jinja2 templates.

Autoescape is on, and the gettext functions the templates call escape the
translation themselves: Jinja's own i18n helpers mark a translation as safe, so a
translator's ``<img src=...>`` would otherwise reach WeasyPrint as markup.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2
from babel import Locale
from markupsafe import Markup, escape

from handouts import translation_rules, typography
from handouts.brand import Brand
from handouts.catalogs import Translator, html_language
from handouts.config import PAPER_SIZES, Project
from handouts.content import SECTIONS, Sheet
from handouts.content_fields import Text
from handouts.dist_paths import sheet_address
from handouts.errors import HandoutsError
from handouts.local_formats import format_hours, format_long_date, format_phone
from handouts.po import parse_plural_forms

SHEET_TEMPLATE = "sheet.html"


MAX_TEMPLATE_BYTES = 1_000_000  # the sheet's templates are 2 kB each


class ProjectLoader(jinja2.BaseLoader):
    """Templates from the templates folder only, each read as :mod:`handouts.safefile` reads every file."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def get_source(self, environment: jinja2.Environment, template: str) -> tuple[str, str, Callable[[], bool]]:
        from handouts.safefile import read_file
        from handouts.yamlfile import decode_text

        parts = template.split("/")
        if any(part in ("", ".", "..") for part in parts):
            raise jinja2.TemplateNotFound(template)
        path = self.folder.joinpath(*parts)
        if not path.is_file():
            raise jinja2.TemplateNotFound(template)
        text = decode_text(read_file(path, MAX_TEMPLATE_BYTES, self.folder, what="template"), path)
        mtime = path.stat().st_mtime_ns

        def uptodate() -> bool:
            try:
                return path.stat().st_mtime_ns == mtime
            except OSError:
                return False

        return text, str(path), uptodate


@lru_cache(maxsize=8)
def environment(templates_dir: Path) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=ProjectLoader(templates_dir),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        extensions=["jinja2.ext.i18n"],
    )
    # Compile {% trans %} to calls of the gettext functions passed in at render time.
    env.newstyle_gettext = True  # type: ignore[attr-defined]  # set by jinja2.ext.i18n; Environment's types lack it
    return env


WEB_FOLDER = "web"  # templates/web/: the web version's base.html and stylesheet (handouts/site.py)


@lru_cache(maxsize=8)
def web_environment(templates_dir: Path) -> jinja2.Environment:
    """The same templates, with templates/web/ looked up first: its base.html is the web page's."""
    return environment(templates_dir).overlay(
        loader=jinja2.ChoiceLoader([ProjectLoader(templates_dir / WEB_FOLDER), ProjectLoader(templates_dir)])
    )


def gettext_functions(translator: Translator) -> dict[str, Callable[..., Markup]]:
    """gettext, ngettext, pgettext and _ for one language, returning escaped text.

    In a page of another language, English printed for a message not yet translated
    carries its own language and direction, so it is read (and punctuated) as English.
    """
    lookup = _Lookup(translator)

    def gettext(__string: str, **variables: Any) -> Markup:
        return lookup(__string, None, variables)

    def pgettext(__context: str, __string: str, **variables: Any) -> Markup:
        return lookup(__string, __context, variables)

    def ngettext(__singular: str, __plural: str, __num: int, **variables: Any) -> Markup:
        variables.setdefault("num", __num)
        return lookup(__singular, None, variables, __num, __plural)

    def npgettext(__context: str, __singular: str, __plural: str, __num: int, **variables: Any) -> Markup:
        variables.setdefault("num", __num)
        return lookup(__singular, __context, variables, __num, __plural)

    return {"gettext": gettext, "_": gettext, "ngettext": ngettext, "pgettext": pgettext,
            "npgettext": npgettext}


class _Lookup:
    """One message in one language, escaped, French typography applied, its placeholders filled."""

    def __init__(self, translator: Translator) -> None:
        self.translator = translator
        self.plural = _plural_function(translator)
        self.fallback_english = translator.catalog is not None

    def __call__(self, msgid: str, msgctxt: str | None, variables: dict[str, Any], n: int | None = None,
                 msgid_plural: str | None = None) -> Markup:
        entry = self.translator.entry(msgid, msgctxt)
        lang = self.translator.lang
        if entry is None:
            english = msgid if n is None or n == 1 else (msgid_plural or msgid)
            # A broken English is a template bug: no HandoutsError, the traceback is kept.
            filled = Markup(escape(typography.apply(english, lang))) % variables
            return english_run(filled) if self.fallback_english else filled
        catalog = self.translator.catalog
        assert catalog is not None  # an entry comes from the catalog
        text = entry.msgstrs.get(self.plural(n), entry.msgstr) if n is not None else entry.msgstr
        mismatch = translation_rules.check_placeholders(msgid, text, lang)
        if mismatch:  # the same check 'handouts check' runs, here for anything that renders directly
            detail = mismatch[0][1].removeprefix("the translation ").rstrip(".")
            raise HandoutsError(
                f"the translation of {msgid[:60]!r} {detail}; copy each %(name)s exactly "
                "and write a percent sign as %%.",
                catalog.path,
                entry.line,
            )
        text = typography.apply(text, lang)
        try:
            return Markup(escape(text)) % variables
        except (KeyError, ValueError, TypeError) as err:
            raise HandoutsError(
                f"the translation of {msgid[:60]!r} does not match the English placeholders "
                f"({type(err).__name__}: {err}); copy each %(name)s exactly and write a percent "
                "sign as %%.",
                catalog.path,
                entry.line,
            ) from err


def english_run(text: str) -> Markup:
    """English text inside a page of another language: its own language and direction."""
    return Markup('<span lang="en" dir="ltr">%s</span>') % text


def isolate(text: str, direction: str = "ltr") -> Markup:
    """A run (a phone number, an address, a time) that reads in its own direction whatever
    surrounds it: 514-555-0142 stays in that order in an Arabic sentence."""
    return Markup('<bdi dir="%s">%s</bdi>') % (direction, text)


def text_direction(locale: Locale) -> str:
    """'rtl' for a language written right to left (Arabic, Hebrew, Persian, Urdu), else 'ltr'."""
    return "rtl" if locale.character_order == "right-to-left" else "ltr"


def _plural_function(translator: Translator) -> Callable[[int | None], int]:
    if translator.catalog is None:
        return lambda n: 0 if n == 1 else 1
    _, to_index = parse_plural_forms(translator.catalog.header.get("Plural-Forms", ""))  # checked on read
    return lambda n: to_index(n if n is not None else 1)


def render_html(
    sheet: Sheet,
    translator: Translator,
    locale: Locale,
    brand: Brand,
    project: Project,
    *,
    paper: str | None = None,
    large_print: bool = False,
    created: str = "",
    web: dict[str, Any] | None = None,
    translation_reviewed: bool = True,
) -> str:
    """The HTML of one sheet in one language; ``handout`` is already translated.

    ``created`` is an ISO date-time for the PDF's creation date (from SOURCE_DATE_EPOCH);
    empty, the PDF carries no date, so the same inputs give the same bytes. ``web``: the
    sheet's web version instead (handouts/site.py), with these values over the print ones.
    """
    env = web_environment(project.templates_dir) if web is not None else environment(project.templates_dir)
    template = env.get_template(SHEET_TEMPLATE)
    lang = translator.lang
    # With the brand's site: the sheet's own web page, in this language; otherwise the clinic's page.
    qr_url = sheet_address(brand.site, lang, sheet.name) if brand.site else brand.qr
    sheet = _printed(sheet, translator)
    context = {
        **gettext_functions(translator),
        "lang": lang,
        "html_lang": html_language(locale),
        "dir": text_direction(locale),
        "sheet": sheet,
        "sections": {key: sheet.sections[key] for key in SECTIONS},
        **_brand_context(brand, translator, locale),
        "reviewed_on": format_long_date(sheet.review.reviewed_on, locale)
        if sheet.review.reviewed_on
        else "",
        "paper": PAPER_SIZES[paper or project.paper],
        "large_print": large_print,
        "qr_svg": qr_svg(qr_url) if qr_url else "",
        "qr_label": isolate(qr_url.removeprefix("https://").rstrip("/")),
        "created": created,
        "translation_unreviewed": not translation_reviewed,
        **(web or {}),
    }
    try:
        return template.render(context)
    except jinja2.TemplateSyntaxError as err:
        raise HandoutsError(f"template error: {err.message}", Path(err.filename or SHEET_TEMPLATE), err.lineno) from err


def _printed(sheet: Sheet, translator: Translator) -> Sheet:
    """The translated sheet's texts as printed: French typography, and English marked as English."""
    lang = translator.lang
    english = english_texts(translator)

    def prepare(text: Text) -> Text:
        printed = typography.apply(text.text, lang)
        # not the title: it is also the document's <title>, which holds no markup
        return replace(text, text=english_run(printed) if text.text in english and text is not sheet.title
                       else printed)

    return sheet.map_texts(prepare)


def _brand_context(brand: Brand, translator: Translator, locale: Locale) -> dict[str, Any]:
    """The clinic's name, logo, phone, opening hours and website, each in its own direction."""
    direction = text_direction(locale)
    return {
        "brand": brand,
        "logo_url": brand.logo.as_uri(),
        "phone": isolate(format_phone(brand.phone, translator.lang)),
        "hours": [{key: isolate(value, direction) if value else value
                   for key, value in format_hours(h, locale, translator).items()}
                  for h in brand.hours],
        "website": isolate(brand.website.removeprefix("https://").removeprefix("http://").rstrip("/")),
    }


def english_texts(translator: Translator) -> set[str]:
    """The content texts printed in English in a page of another language (not translated, or fuzzy)."""
    if translator.catalog is None:
        return set()
    return {msgid for context, msgid in translator.missing | translator.fuzzy if context is None}


def qr_svg(url: str) -> Markup:
    """The QR code as inline SVG (no file, no network); its <title> is the alt text."""
    import segno

    code = segno.make(url, error="m")
    # Markup: segno's own SVG; the URL in its title passed the brand's https check (no <, > or &).
    return Markup(code.svg_inline(scale=1, border=0, title=f"QR code: {url}", omitsize=True,
                                  svgclass=None, lineclass=None))
