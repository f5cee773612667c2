"""The catalogue page for staff (``dist/index.html``) and the web version of every sheet.

Every build makes them from the same plan as the PDFs and the build publishes them in the
same go as the PDFs (``build.publish``): a sheet's web page, ``dist/<lang>/<sheet>.html``,
comes from the same templates as its PDF, with ``templates/web/base.html`` in place of the
print one and a screen stylesheet; the catalogue lists every PDF in the folder, with a
thumbnail of its first page, its title in its language and its review and translation
status. Everything links relatively and loads nothing from outside the folder, so
``dist/`` works opened from a disk, a network drive or any static web host.

Only what changed is written: a thumbnail is drawn again only when its PDF changed (the
cache remembers which PDF each was drawn from); pages are compared with what is on disk.
"""

from __future__ import annotations

import hashlib
import io
import json
import posixpath
import re
import unicodedata
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from babel.dates import format_date
from markupsafe import Markup

from handouts import catalogs, content, po, render, typography
from handouts.errors import EXIT_ENVIRONMENT, HandoutsError
from handouts.logo import MAX_LOGO_BYTES
from handouts.safefile import read_file

MAX_ASSET_BYTES = 5_000_000  # a stylesheet, script or thumbnail of the web pages (each is a few kB)
MAX_PDF_BYTES = 100_000_000  # as build.MAX_PDF_BYTES: a sheet is about 50 kB

if TYPE_CHECKING:
    from handouts.build import Plan, Task

INDEX = "index.html"
ASSETS = "assets"  # in dist/: the stylesheets, the script, the logo and the thumbnails
THUMBNAILS = f"{ASSETS}/thumbnails"
ASSET_SOURCES = "assets"  # in templates/web/: copied as they are into dist/assets/
CATALOGUE_TEMPLATE = "catalogue.html"
THUMBNAIL_WIDTH = 300  # pixels: sharp at 150 CSS pixels on a tablet's screen
THUMBNAIL_VERSION = "1"  # change to draw every thumbnail again
UI_LANGS = ("fr", "en")  # the catalogue's own languages; French first (the default)


def web_only(folder: Path, path: Path) -> bool:
    """A file of ``templates/web/``: it shapes the web pages, never a PDF."""
    return folder.name == "templates" and path.relative_to(folder).parts[0] == render.WEB_FOLDER


def folders(out_dir: Path, plan: Plan) -> list[Path]:
    """Where the build may write web files: a killed build's temporaries there are removed too."""
    langs = {lang for task in plan.tasks for lang in task.edition.langs}
    thumbnails = out_dir / THUMBNAILS
    return [out_dir / ASSETS, thumbnails, *(sorted(thumbnails.iterdir()) if thumbnails.is_dir() else []),
            *(out_dir / lang for lang in sorted(langs))]


def same_bytes(path: Path, data: bytes) -> bool:
    """Whether ``path`` already holds ``data`` (read as the build reads every file: no FIFO, no device)."""
    try:
        return read_file(path, len(data)) == data
    except HandoutsError:  # missing, larger, or not a regular file
        return False


def sheet_page(lang: str, name: str) -> str:
    """A sheet's web page, relative to dist/."""
    return render.sheet_address("", lang, name)


def href(relpath: str, start: str = "") -> str:
    """A relative link from the folder ``start`` of dist/ (``""`` or ``"fr"``), each part quoted:
    ``fr+en`` becomes ``fr%2Ben``, which every static host reads as the folder's name."""
    relative = posixpath.relpath(relpath, start or ".")
    return "/".join(part if part == ".." else quote(part, safe="") for part in relative.split("/"))


# ---------------------------------------------------------------- what the build calls

def outputs(plan: Plan, out_dir: Path, cache: dict[str, dict[str, Any]],
            new_pdfs: dict[Path, bytes]) -> list[tuple[Path, bytes]]:
    """The catalogue, web pages, assets and thumbnails that differ from what is in ``out_dir``.

    ``cache`` (the build's) gains each PDF's catalogue entry and the record of its thumbnail;
    ``new_pdfs`` are the PDFs this build is about to publish.
    """
    assert plan.brand is not None
    project, brand = plan.project, plan.brand
    files: dict[Path, bytes] = {}

    def exists(relpath: str) -> bool:
        return out_dir / relpath in new_pdfs or out_dir / relpath in files or (out_dir / relpath).is_file()

    sources = project.templates_dir / render.WEB_FOLDER / ASSET_SOURCES
    for source in sorted(sources.glob("*")) if sources.is_dir() else []:
        if source.is_file():
            files[out_dir / ASSETS / source.name] = read_file(source, MAX_ASSET_BYTES, project.root)
    logo = read_file(brand.logo, MAX_LOGO_BYTES, brand.folder)
    logo_name = f"logo-{hashlib.sha256(logo).hexdigest()[:12]}{brand.logo.suffix.lower()}"
    files[out_dir / ASSETS / logo_name] = logo

    handouts = {h.name: h for h in plan.handouts}
    for task in plan.tasks:
        if task.relpath in cache:  # not a PDF this build failed to make (too long, say): it is not listed
            cache[task.relpath]["catalogue"] = catalogue_entry(plan, handouts[task.name], task)
    # A thumbnail for every PDF listed, this build's or an earlier one's, drawn only when missing
    # or when its PDF changed.
    for relpath, entry in cache.items():
        if "catalogue" not in entry or not exists(relpath):
            continue
        drawn_from = f"{entry['sha256']}:{THUMBNAIL_VERSION}"
        thumbnail = out_dir / thumbnail_path(relpath)
        record = entry.get("thumbnail") or {}
        if record.get("of") != drawn_from or not _has_sha256(thumbnail, record.get("sha256")):
            pdf = new_pdfs.get(out_dir / relpath) or read_file(out_dir / relpath, MAX_PDF_BYTES)
            image = draw_thumbnail(pdf)
            files[thumbnail] = image
            entry["thumbnail"] = {"of": drawn_from, "sha256": hashlib.sha256(image).hexdigest()}

    langs = list(dict.fromkeys(lang for task in plan.tasks for lang in task.edition.langs))
    pages = [(lang, handout) for lang in langs for handout in plan.handouts]
    written = {sheet_page(lang, handout.name) for lang, handout in pages}
    for lang, handout in pages:
        others = [other for other in catalogs.languages(project.locales_dir) if other != lang
                  and (sheet_page(other, handout.name) in written or exists(sheet_page(other, handout.name)))]
        files[out_dir / sheet_page(lang, handout.name)] = web_page(
            plan, handout, lang, logo_name, others, exists).encode()

    names = [path.stem for path in content.sheet_paths(project.content_dir)]
    listed = [(relpath, entry) for relpath, entry in cache.items()
              if isinstance(entry.get("catalogue"), dict) and entry["catalogue"].get("sheet") in names
              and exists(relpath)]
    files[out_dir / INDEX] = catalogue_page(plan, listed, names, exists).encode()
    return [(path, data) for path, data in files.items() if not same_bytes(path, data)]


def _has_sha256(path: Path, expected: str | None) -> bool:
    try:
        return expected is not None and hashlib.sha256(read_file(path, MAX_ASSET_BYTES)).hexdigest() == expected
    except HandoutsError:
        return False


def thumbnail_path(pdf_relpath: str) -> str:
    return f"{THUMBNAILS}/{pdf_relpath.removesuffix('.pdf')}.png"


def draw_thumbnail(pdf: bytes) -> bytes:
    """A small PNG of the PDF's first page, drawn by PDFium (no other program needed)."""
    try:
        import pypdfium2
    except ImportError as err:
        raise HandoutsError(
            f"the thumbnails of the catalogue page need pypdfium2 ({err}); reinstall handouts with: "
            "pip install .", exit_code=EXIT_ENVIRONMENT) from err
    document = pypdfium2.PdfDocument(pdf)
    try:
        page = document[0]
        width = page.get_width()
        bitmap = page.render(scale=THUMBNAIL_WIDTH / width, draw_annots=False)
        image = bitmap.to_pil().convert("RGB")
        page.close()
    finally:
        document.close()
    # A page of text in 64 shades: a third of the size, the same to the eye at this size.
    image = image.quantize(colors=64)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


# ---------------------------------------------------------------- a sheet's facts, for the catalogue

def catalogue_entry(plan: Plan, handout: content.Handout, task: Task) -> dict[str, Any]:
    """What the catalogue shows of one PDF; kept in the cache, so a later build of other
    languages still lists this one as it is on disk."""
    titles, summaries, translation = {}, {}, {}
    for lang in task.edition.langs:
        translator = plan.translators[lang]
        titles[lang] = typography.apply(translator.gettext(handout.title.text), lang)
        summaries[lang] = typography.apply(translator.gettext(handout.summary.text), lang)
        if translator.catalog is not None:
            translation[lang] = translation_gaps(handout, translator.catalog)
    review = handout.review
    keywords = [text for field in ("keywords", "symptoms")
                for text in _texts(getattr(handout, field, None))]  # optional fields some sheets may have
    search = [handout.name, handout.title.text, handout.summary.text, *keywords,
              *titles.values(), *summaries.values()]
    for lang in task.edition.langs:
        search += [plan.translators[lang].gettext(k) for k in keywords]
    return {
        "sheet": handout.name,
        "edition": task.edition.folder,
        "langs": list(task.edition.langs),
        "large_print": task.edition.large_print,
        "source_title": handout.title.text,
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
    if isinstance(value, content.Text):
        return [value.text]
    try:
        return [t.text if isinstance(t, content.Text) else str(t) for t in value]
    except TypeError:
        return []


def translation_gaps(handout: content.Handout, catalog: po.Catalog) -> dict[str, int]:
    """How many of the sheet's texts print in English in a language: untranslated or fuzzy."""
    untranslated = fuzzy = total = 0
    for text in handout.texts():
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


# ---------------------------------------------------------------- the web version of a sheet

def web_page(plan: Plan, handout: content.Handout, lang: str, logo_name: str, others: list[str],
             exists: Any) -> str:
    """``dist/<lang>/<sheet>.html``: the same templates as the PDF, the web base and stylesheet."""
    assert plan.brand is not None
    project = plan.project
    translator = plan.translators[lang]
    locale = catalogs.locale_for(lang, project.region)
    translated = handout.map_texts(lambda t: replace(t, text=translator.gettext(t.text)))
    pdfs = [{"href": href(relpath, lang), "large": large}
            for relpath, large in ((f"{lang}/{handout.name}.pdf", False), (f"{lang}-large/{handout.name}.pdf", True))
            if exists(relpath)]
    languages = [{"href": href(sheet_page(other, handout.name), lang), "lang": catalogs.language_tag(other),
                  "name": catalogs.language_name(other, other)} for other in others]
    web = {
        "assets": href(ASSETS, lang) + "/",
        "dir": render.text_direction(locale),
        "pdfs": pdfs,
        "languages": languages,
    }
    return render.render_html(translated, translator, locale, plan.brand, project,
                              web={"web": web, "logo_url": href(f"{ASSETS}/{logo_name}", lang), "qr_svg": ""})


# ---------------------------------------------------------------- the catalogue page

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


def catalogue_page(plan: Plan, listed: list[tuple[str, dict[str, Any]]], names: list[str], exists: Any) -> str:
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
        script_strings=Markup(json.dumps(strings, ensure_ascii=False, sort_keys=True)  # noqa: S704
                              .replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")),
        assets=ASSETS + "/",
        sheet_count=len(sheets),
    )


def card(relpath: str, meta: dict[str, Any], region: str, exists: Any) -> dict[str, Any]:
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
