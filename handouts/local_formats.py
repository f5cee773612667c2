"""The clinic's facts written each language's way, from Babel's locale data: phone, time of day, days, dates."""

from __future__ import annotations

from datetime import date, time

from babel import Locale
from babel.dates import format_date, format_time, get_day_names

from handouts.brand import DAYS, Brand, Hours
from handouts.catalogs import Translator
from handouts.content import Sheet


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


ENGLISH_DAYS = tuple(day.capitalize() for day in DAYS)  # the msgids of the day names: "Monday", ...
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
    return str(get_day_names("wide", locale=locale)[day])


def format_hours(hours: Hours, locale: Locale, translator: Translator | None = None) -> dict[str, str]:
    """One line of opening hours: first day (or the one day), last day, opening and closing times."""
    single = hours.last_day == hours.first_day
    return {
        "first": day_name(hours.first_day, "one" if single else "first", locale, translator),
        "last": day_name(hours.last_day, "last", locale, translator) if not single else "",
        "opens": format_time_of_day(hours.opens, locale),
        "closes": format_time_of_day(hours.closes, locale),
    }


def locale_data(locale: Locale, brand: Brand, sheets: list[Sheet]) -> list[tuple[str, str]]:
    """(what, text) of every piece of Babel's locale data a page prints: for the glyph check,
    which must name the source of a character no font has."""
    found = []
    for hours in brand.hours:
        formatted = format_hours(hours, locale)
        found.append(("the day names of the opening hours", f"{formatted['first']} {formatted['last']}"))
        found.append(("the time of day of the opening hours (its clock and AM/PM words)",
                      f"{formatted['opens']} {formatted['closes']}"))
    for sheet in sheets:
        if sheet.review.reviewed_on:
            found.append(("the long date of the review (month names)",
                          format_long_date(sheet.review.reviewed_on, locale)))
    return found


def format_long_date(value: date, locale: Locale) -> str:
    """November 20, 2026; 20 novembre 2026."""
    return format_date(value, format="long", locale=locale)
