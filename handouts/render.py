"""Render a translated handout to HTML through the Jinja2 templates.

Autoescape is on, and the gettext functions the templates call escape the
translation themselves: Jinja's own i18n helpers mark a translation as safe, so a
translator's ``<img src=...>`` would otherwise reach WeasyPrint as markup.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date, time
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2
from babel import Locale
from babel.dates import format_date, format_time, get_day_names
from markupsafe import Markup, escape

from handouts import translation_rules, typography
from handouts.brand import Brand, Hours
from handouts.catalogs import Translator, html_language
from handouts.config import PAPER_SIZES, Project
from handouts.content import SECTIONS, Handout, Text
from handouts.dist_paths import sheet_address
from handouts.errors import HandoutsError
from handouts.po import parse_plural_forms

SHEET_TEMPLATE = "handout.html"


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
    env.newstyle_gettext = True  # type: ignore[attr-defined]
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
    plural = _plural_function(translator)
    fallback_english = translator.catalog is not None

    def lookup(msgid: str, msgctxt: str | None, variables: dict[str, Any], n: int | None = None,
               msgid_plural: str | None = None) -> Markup:
        entry = translator.entry(msgid, msgctxt)
        if entry is None:
            text = msgid if n is None or n == 1 else (msgid_plural or msgid)
        else:
            text = entry.msgstrs.get(plural(n), entry.msgstr) if n is not None else entry.msgstr
        mismatch = translation_rules.check_placeholders(msgid, text, translator.lang) if entry is not None else []
        if mismatch:  # the same check 'handouts check' runs, here for anything that renders directly
            assert translator.catalog is not None
            detail = mismatch[0][1].removeprefix("the translation ").rstrip(".")
            raise HandoutsError(
                f"the translation of {msgid[:60]!r} {detail}; copy each %(name)s exactly "
                "and write a percent sign as %%.",
                translator.catalog.path,
                entry.line,
            )
        text = typography.apply(text, translator.lang)
        try:
            if entry is None and fallback_english:
                return english_run(Markup(escape(text)) % variables)
            return Markup(escape(text)) % variables
        except (KeyError, ValueError, TypeError) as err:
            if entry is None:
                raise  # the English itself is broken: a template bug, keep the traceback
            assert translator.catalog is not None
            raise HandoutsError(
                f"the translation of {msgid[:60]!r} does not match the English placeholders "
                f"({type(err).__name__}: {err}); copy each %(name)s exactly and write a percent "
                "sign as %%.",
                translator.catalog.path,
                entry.line,
            ) from err

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
    handout: Handout,
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
    qr_url = sheet_address(brand.site, lang, handout.name) if brand.site else brand.qr
    direction = text_direction(locale)
    english = english_texts(translator)

    def prepare(text: Text) -> Text:
        printed = typography.apply(text.text, lang)
        # not the title: it is also the document's <title>, which holds no markup
        return replace(text, text=english_run(printed) if text.text in english and text is not handout.title
                       else printed)

    handout = handout.map_texts(prepare)
    context = {
        **gettext_functions(translator),
        "lang": lang,
        "html_lang": html_language(locale),
        "dir": direction,
        "handout": handout,
        "sections": {key: handout.sections[key] for key in SECTIONS},
        "brand": brand,
        "logo_url": brand.logo.as_uri(),
        "phone": isolate(format_phone(brand.phone, lang)),
        "hours": [{key: isolate(value, direction) if value else value
                   for key, value in format_hours(h, locale, translator).items()}
                  for h in brand.hours],
        "website": isolate(brand.website.removeprefix("https://").removeprefix("http://").rstrip("/")),
        "reviewed_on": format_long_date(handout.review.reviewed_on, locale)
        if handout.review.reviewed_on
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


def format_phone(digits: str, lang: str) -> str:
    """514 555-0142 in French (OQLF), 514-555-0142 in English."""
    area, exchange, number = digits[:3], digits[3:6], digits[6:]
    if lang == "fr":
        return f"{area}\u00a0{exchange}-{number}"
    return f"{area}-{exchange}-{number}"


def format_time_of_day(value: time, locale: Locale) -> str:
    """A time in the locale's own clock: 9 h (Quebec French), 9 AM (English), 09:00, 9:00 ص."""
    if locale.language == "fr":  # OQLF: 9 h, 18 h 30
        return f"{value.hour}\u00a0h" + (f"\u00a0{value.minute:02d}" if value.minute else "")
    if locale.language == "en":
        return format_time(value, "h:mm a" if value.minute else "h a", locale=locale)
    return format_time(value, "short", locale=locale)  # CLDR's pattern: 24-hour where the language uses it


ENGLISH_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
DAY_CONTEXTS = {"first": "opening hours: first day of a range", "last": "opening hours: last day of a range",
                "one": "opening hours: one day"}  # as in templates/partials/day-names.html


def day_name(day: int, role: str, locale: Locale, translator: Translator | None = None) -> str:
    """The catalog's name for a day in its place in the phrase; CLDR's where it has none.

    The catalog wins: a language can write the day in the case its phrase needs, and CLDR's
    data is wrong for some languages (its Haitian Creole day names are French)."""
    if translator is not None and translator.catalog is not None:
        entry = translator.catalog.get(ENGLISH_DAYS[day], DAY_CONTEXTS[role])
        if entry is not None and entry.translated:
            return entry.msgstr
    return get_day_names("wide", locale=locale)[day]


def format_hours(hours: Hours, locale: Locale, translator: Translator | None = None) -> dict[str, str]:
    single = hours.last_day == hours.first_day
    return {
        "first": day_name(hours.first_day, "one" if single else "first", locale, translator),
        "last": day_name(hours.last_day, "last", locale, translator) if not single else "",
        "opens": format_time_of_day(hours.opens, locale),
        "closes": format_time_of_day(hours.closes, locale),
    }


def locale_data(locale: Locale, brand: Brand, handouts: list[Handout]) -> list[tuple[str, str]]:
    """(what, text) of every piece of Babel's locale data a page prints: for the glyph check,
    which must name the source of a character no font has."""
    found = []
    for hours in brand.hours:
        formatted = format_hours(hours, locale)
        found.append(("the day names of the opening hours", f"{formatted['first']} {formatted['last']}"))
        found.append(("the time of day of the opening hours (its clock and AM/PM words)",
                      f"{formatted['opens']} {formatted['closes']}"))
    for handout in handouts:
        if handout.review.reviewed_on:
            found.append(("the long date of the review (month names)",
                          format_long_date(handout.review.reviewed_on, locale)))
    return found


def format_long_date(value: date, locale: Locale) -> str:
    return format_date(value, format="long", locale=locale)
