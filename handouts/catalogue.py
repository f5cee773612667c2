"""The catalogue page for staff (``dist/index.html``): every PDF in the folder, grouped by sheet.

Each PDF's card shows a thumbnail of its first page, its title in its language, its review
and translation status, in French and English (the page's own two languages). What a card
shows of a PDF is kept in the build's cache, so a later build of other languages still
lists it as it is on disk.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, Any

from babel.dates import format_date
from markupsafe import Markup

from handouts import catalogs, content, content_fields, po, render, typography
from handouts.dist_paths import ASSETS, href, sheet_page, thumbnail_path

if TYPE_CHECKING:
    from handouts.plan import Plan
    from handouts.tasks import Task

CATALOGUE_TEMPLATE = "catalogue.html"
UI_LANGS = ("fr", "en")  # the catalogue's own languages; French first (the default)


def catalogue_entry(plan: Plan, sheet: content.Sheet, task: Task) -> dict[str, Any]:
    """What the catalogue shows of one PDF; kept in the cache, so a later build of other
    languages still lists this one as it is on disk."""
    titles, summaries, translation = {}, {}, {}
    for lang in task.edition.langs:
        translator = plan.translators[lang]
        titles[lang] = typography.apply(translator.gettext(sheet.title.text), lang)
        summaries[lang] = typography.apply(translator.gettext(sheet.summary.text), lang)
        if translator.catalog is not None:
            translation[lang] = translation_gaps(sheet, translator.catalog)
    review = sheet.review
    keywords = [text for field in ("keywords", "symptoms")
                for text in _texts(getattr(sheet, field, None))]  # optional fields some sheets may have
    search = [sheet.name, sheet.title.text, sheet.summary.text, *keywords,
              *titles.values(), *summaries.values()]
    for lang in task.edition.langs:
        search += [plan.translators[lang].gettext(k) for k in keywords]
    return {
        "sheet": sheet.name,
        "edition": task.edition.folder,
        "langs": list(task.edition.langs),
        "large_print": task.edition.large_print,
        "source_title": sheet.title.text,
        "titles": titles,
        "summaries": summaries,
        "draft": review.is_draft,
        "reviewed_by": "" if review.is_draft else review.reviewed_by,
        "reviewed_on": review.reviewed_on.isoformat() if review.reviewed_on and not review.is_draft else "",
        "translation": translation,
        "search": search_text(" ".join(search)),
    }


def _texts(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, content_fields.Text):
        return [value.text]
    try:
        return [t.text if isinstance(t, content_fields.Text) else str(t) for t in value]
    except TypeError:
        return []


def translation_gaps(sheet: content.Sheet, catalog: po.Catalog) -> dict[str, int]:
    """How many of the sheet's texts print in English in a language: untranslated or fuzzy."""
    untranslated = fuzzy = total = 0
    for text in sheet.texts():
        total += 1
        entry = catalog.get(text.text)
        if entry is not None and entry.fuzzy:
            fuzzy += 1
        elif entry is None or not entry.translated:
            untranslated += 1
    return {"untranslated": untranslated, "fuzzy": fuzzy, "total": total}


def search_text(text: str) -> str:
    """Lower case, without accents or punctuation: 'Rougeurs après' -> 'rougeurs apres'.
    catalogue.js does the same to what is typed."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    return " ".join(dict.fromkeys(re.sub(r"[\W_]+", " ", plain).split()))


UI: dict[str, dict[str, str]] = {
    "fr": {
        "page_title": "Fiches de soins après traitement",
        "skip": "Aller à la liste des fiches",
        "ui_language": "Langue de cette page",
        "intro": "Cherchez une fiche, ouvrez son PDF et imprimez-le (Ctrl+P). "
                 "Ne remettez jamais un brouillon à un patient.",
        "search": "Chercher un symptôme ou une fiche",
        "search_hint": "En français ou en anglais, par exemple « rougeur » ou « redness ».",
        "language": "Langue",
        "all_languages": "Toutes les langues",
        "size": "Taille du texte",
        "all_sizes": "Toutes les tailles",
        "regular": "Caractères ordinaires",
        "large": "Gros caractères",
        "print": "Imprimer (PDF)",
        "web": "Page web",
        "draft": "BROUILLON : ne pas remettre aux patients.",
        "draft_why": "Aucun clinicien n'a encore révisé cette fiche.",
        "reviewed": "Révisée par {name} le {date}.",
        "translated": "{language} : traduction complète.",
        "source": "{language} : texte original.",
        "untranslated": "{language} : traduction incomplète, {count} texte(s) sur {total} imprimé(s) en anglais.",
        "fuzzy": "{count} traduction(s) à revoir, imprimée(s) en anglais.",
        "front_back": "recto verso",
        "and": "et",
        "count": "{count} fiche(s) affichée(s) sur {total}.",
        "none": "Aucune fiche ne correspond. Essayez un autre mot, ou choisissez « Toutes » dans les filtres.",
        "empty": "Aucun PDF dans ce dossier pour l'instant : lancez « handouts build ».",
        "clear": "Tout afficher",
    },
    "en": {
        "page_title": "Aftercare sheets",
        "skip": "Skip to the list of sheets",
        "ui_language": "Language of this page",
        "intro": "Find a sheet, open its PDF and print it (Ctrl+P). Never give a draft to a patient.",
        "search": "Search for a symptom or a sheet",
        "search_hint": "In French or English, for example “redness” or “rougeur”.",
        "language": "Language",
        "all_languages": "All languages",
        "size": "Text size",
        "all_sizes": "All sizes",
        "regular": "Regular print",
        "large": "Large print",
        "print": "Print (PDF)",
        "web": "Web page",
        "draft": "DRAFT: not for patients.",
        "draft_why": "A clinician has not reviewed this sheet yet.",
        "reviewed": "Reviewed by {name} on {date}.",
        "translated": "{language}: translation complete.",
        "source": "{language}: original text.",
        "untranslated": "{language}: translation incomplete, {count} of {total} texts printed in English.",
        "fuzzy": "{count} translation(s) to check, printed in English.",
        "front_back": "front and back",
        "and": "and",
        "count": "Showing {count} of {total} sheets.",
        "none": "No sheet matches. Try another word, or choose “All” in the filters.",
        "empty": "No PDF in this folder yet: run “handouts build”.",
        "clear": "Show all",
    },
}


def both(key: str, **values: Any) -> dict[str, str]:
    """One UI text in each of the catalogue's languages (French typography: 'BROUILLON\u00a0:')."""
    return {ui: typography.apply(UI[ui][key].format(**{k: (v[ui] if isinstance(v, dict) else v)
                                                      for k, v in values.items()}), ui)
            for ui in UI_LANGS}


def edition_label(langs: list[str], large_print: bool) -> dict[str, str]:
    labels = {}
    for ui in UI_LANGS:
        names = [catalogs.language_name(lang, ui) for lang in langs]
        if len(names) > 1:
            label = f"{names[0]} {UI[ui]['and']} {names[1].lower() if ui == 'fr' else names[1]}, {UI[ui]['front_back']}"
        else:
            label = names[0]
        if large_print:
            label += f" · {UI[ui]['large']}"
        labels[ui] = label
    return labels


def _edition_order(project_langs: list[str]) -> Any:
    def key(item: tuple[str, dict[str, Any]]) -> tuple[Any, ...]:
        entry = item[1]["catalogue"]
        langs = entry["langs"]
        ranks = [project_langs.index(lang) if lang in project_langs else len(project_langs) for lang in langs]
        return (entry["large_print"], len(langs), ranks, langs)
    return key


def catalogue_page(plan: Plan, listed: list[tuple[str, dict[str, Any]]], names: list[str],
                   exists: Callable[[str], bool]) -> str:
    """``dist/index.html``: every PDF in the folder, grouped by sheet, searchable and filtered."""
    assert plan.brand is not None
    project = plan.project
    order = [*project.bilingual, *catalogs.languages(project.locales_dir)]
    project_langs = list(dict.fromkeys(order))
    listed = sorted(listed, key=_edition_order(project_langs))
    sheets = []
    for name in names:
        cards = [(relpath, entry["catalogue"]) for relpath, entry in listed if entry["catalogue"]["sheet"] == name]
        if not cards:
            continue
        titles: dict[str, str] = {}
        search = []
        for _, meta in cards:
            titles.update(meta["titles"])
            search.append(meta["search"])
        source = cards[0][1]["source_title"]
        sheets.append({
            "name": name,
            "heading": {ui: titles.get(ui, source) for ui in UI_LANGS},
            "search": search_text(" ".join(search)),
            "cards": [card(relpath, meta, project.region, exists) for relpath, meta in cards],
        })
    editions: dict[str, dict[str, str]] = {}
    for _, entry in listed:
        meta = entry["catalogue"]
        editions.setdefault("+".join(meta["langs"]), edition_label(meta["langs"], False))
    env = render.web_environment(project.templates_dir)
    template = env.get_template(CATALOGUE_TEMPLATE)
    strings = {ui: {k: typography.apply(UI[ui][k], ui) for k in ("count", "none", "page_title")} for ui in UI_LANGS}
    return template.render(
        ui={ui: {key: typography.apply(text, ui) for key, text in UI[ui].items()} for ui in UI_LANGS},
        ui_langs=UI_LANGS,
        both=both,
        brand=plan.brand,
        sheets=sheets,
        total=sum(len(s["cards"]) for s in sheets),
        editions=editions,
        has_large=any(entry["catalogue"]["large_print"] for _, entry in listed),
        language_names={ui: catalogs.language_name(ui, ui) for ui in UI_LANGS},
        ui_tags={ui: catalogs.language_tag(ui) for ui in UI_LANGS},
        # Markup: JSON of our own UI strings, with <, > and & escaped so it cannot close the <script>.
        script_strings=Markup(json.dumps(strings, ensure_ascii=False, sort_keys=True)
                              .replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")),
        assets=ASSETS + "/",
        sheet_count=len(sheets),
    )


def card(relpath: str, meta: dict[str, Any], region: str, exists: Callable[[str], bool]) -> dict[str, Any]:
    langs = meta["langs"]
    statuses = []
    if meta["draft"]:
        review = {"draft": True, "text": both("draft"), "why": both("draft_why")}
    else:
        reviewed_on = date.fromisoformat(meta["reviewed_on"]) if meta["reviewed_on"] else None
        dates = {ui: format_date(reviewed_on, "long", locale=catalogs.locale_for(ui, region)) if reviewed_on else ""
                 for ui in UI_LANGS}
        review = {"draft": False, "text": both("reviewed", name=meta["reviewed_by"], date=dates)}
    for lang in langs:
        gaps = meta["translation"].get(lang)
        name = {ui: catalogs.language_name(lang, ui) for ui in UI_LANGS}
        if gaps is None:
            text = both("source", language=name)
        elif gaps["untranslated"]:
            text = both("untranslated", language=name, count=gaps["untranslated"], total=gaps["total"])
        else:
            text = both("translated", language=name)
        if gaps and gaps["fuzzy"]:
            fuzzy = both("fuzzy", count=gaps["fuzzy"])
            text = {ui: f"{text[ui]} {fuzzy[ui]}" for ui in UI_LANGS}
        statuses.append({"text": text, "complete": not gaps or not (gaps["untranslated"] or gaps["fuzzy"])})
    webs = [{"href": href(sheet_page(lang, meta["sheet"])), "lang": lang, "tag": catalogs.language_tag(lang),
             "name": catalogs.language_name(lang, lang),
             "title": meta["titles"].get(lang, meta["source_title"])}
            for lang in langs if exists(sheet_page(lang, meta["sheet"]))]
    return {
        "pdf": href(relpath),
        "thumbnail": href(thumbnail_path(relpath)),
        "edition": edition_label(langs, False),
        "edition_key": "+".join(langs),
        "size": "large" if meta["large_print"] else "regular",
        "titles": [(lang, meta["titles"].get(lang, meta["source_title"])) for lang in langs],
        "html_langs": {lang: catalogs.language_tag(lang, region) for lang in langs},
        "review": review,
        "translation": statuses,
        "webs": webs,
    }
