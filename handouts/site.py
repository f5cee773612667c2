"""What every build writes besides the PDFs: the staff's catalogue page and the web version of each sheet.

Every build makes them from the same plan as the PDFs and the build publishes them in the
same go as the PDFs (``build.publish``): a sheet's web page, ``dist/<lang>/<sheet>.html``,
comes from the same templates as its PDF, with ``templates/web/base.html`` in place of the
print one and a screen stylesheet; the catalogue (:mod:`handouts.catalogue`) lists every
PDF in the folder, with a thumbnail of its first page (:mod:`handouts.thumbnails`).
Everything links relatively (:mod:`handouts.dist_paths`).

Only what changed is written: a thumbnail is drawn again only when its PDF changed (the
cache remembers which PDF each was drawn from); pages are compared with what is on disk.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from handouts import catalogs, content, render
from handouts.catalogue import catalogue_entry, catalogue_page
from handouts.dist_paths import ASSETS, INDEX, THUMBNAILS, href, sheet_page
from handouts.errors import HandoutsError
from handouts.logo import MAX_LOGO_BYTES
from handouts.safefile import read_file
from handouts.thumbnails import MAX_ASSET_BYTES, changed_thumbnails

if TYPE_CHECKING:
    from handouts.plan import Plan

ASSET_SOURCES = "assets"  # in templates/web/: copied as they are into dist/assets/
# The modules that make only web files: their code does not shape a PDF (cache.tool_fingerprint leaves them out).
WEB_ONLY_CODE = frozenset({"site.py", "catalogue.py", "thumbnails.py"})


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


# ---------------------------------------------------------------- what the build calls

def outputs(plan: Plan, out_dir: Path, cache: dict[str, dict[str, Any]], new_pdfs: dict[Path, bytes],
            thumbnails: dict[Path, bytes], pages: list[tuple[Path, bytes]] | None = None) -> list[tuple[Path, bytes]]:
    """The catalogue, web pages, assets and thumbnails that differ from what is in ``out_dir``.

    ``cache`` (the build's) gains each PDF's catalogue entry and the record of its thumbnail;
    ``new_pdfs`` are the PDFs this build is about to publish, ``thumbnails`` those drawn with them.
    ``pages``: what :func:`web_files` gave for exactly these new PDFs, made while they rendered.
    """
    add_catalogue_entries(plan, cache)
    if pages is None:
        pages = web_files(plan, out_dir, cache, set(new_pdfs))

    def pdf_exists(relpath: str) -> bool:
        return out_dir / relpath in new_pdfs or (out_dir / relpath).is_file()

    drawn = changed_thumbnails(out_dir, cache, new_pdfs, thumbnails, pdf_exists)
    return [(path, data) for path, data in drawn.items() if not same_bytes(path, data)] + pages


def add_catalogue_entries(plan: Plan, cache: dict[str, dict[str, Any]]) -> None:
    """What the catalogue shows of each PDF of the plan, into its cache entry."""
    sheets = {h.name: h for h in plan.sheets}
    for task in plan.tasks:
        if task.relpath in cache:  # not a PDF this build failed to make (too long, say): it is not listed
            cache[task.relpath]["catalogue"] = catalogue_entry(plan, sheets[task.name], task)


def web_files(plan: Plan, out_dir: Path, cache: dict[str, dict[str, Any]],
              new_pdfs: set[Path]) -> list[tuple[Path, bytes]]:
    """The assets, web pages and catalogue page that differ from what is in ``out_dir``, once
    ``new_pdfs`` are published; ``cache`` holds every listed PDF's catalogue entry."""
    files: dict[Path, bytes] = {}

    def exists(relpath: str) -> bool:
        return out_dir / relpath in new_pdfs or out_dir / relpath in files or (out_dir / relpath).is_file()

    logo_name = _assets(plan, out_dir, files)
    _web_pages(plan, out_dir, logo_name, files, exists)
    names = [path.stem for path in content.sheet_paths(plan.project.content_dir)]
    listed = [(relpath, entry) for relpath, entry in cache.items()
              if isinstance(entry.get("catalogue"), dict) and entry["catalogue"].get("sheet") in names
              and exists(relpath)]
    files[out_dir / INDEX] = catalogue_page(plan, listed, names, exists).encode()
    return [(path, data) for path, data in files.items() if not same_bytes(path, data)]


def _assets(plan: Plan, out_dir: Path, files: dict[Path, bytes]) -> str:
    """The files of templates/web/assets/ and the brand's logo, into ``files``; the logo's name in dist/assets/."""
    assert plan.brand is not None
    project, brand = plan.project, plan.brand
    sources = project.templates_dir / render.WEB_FOLDER / ASSET_SOURCES
    for source in sorted(sources.glob("*")) if sources.is_dir() else []:
        if source.is_file():
            files[out_dir / ASSETS / source.name] = read_file(source, MAX_ASSET_BYTES, project.root)
    logo = read_file(brand.logo, MAX_LOGO_BYTES, brand.folder)
    logo_name = f"logo-{hashlib.sha256(logo).hexdigest()[:12]}{brand.logo.suffix.lower()}"
    files[out_dir / ASSETS / logo_name] = logo
    return logo_name


def _web_pages(plan: Plan, out_dir: Path, logo_name: str, files: dict[Path, bytes],
               exists: Callable[[str], bool]) -> None:
    """Each sheet's web page in each language of the plan, into ``files``, linked to its other languages."""
    langs = list(dict.fromkeys(lang for task in plan.tasks for lang in task.edition.langs))
    pages = [(lang, sheet) for lang in langs for sheet in plan.sheets]
    written = {sheet_page(lang, sheet.name) for lang, sheet in pages}
    for lang, sheet in pages:
        others = [other for other in catalogs.languages(plan.project.locales_dir) if other != lang
                  and (sheet_page(other, sheet.name) in written or exists(sheet_page(other, sheet.name)))]
        files[out_dir / sheet_page(lang, sheet.name)] = web_page(
            plan, sheet, lang, logo_name, others, exists).encode()


# ---------------------------------------------------------------- the web version of a sheet

def web_page(plan: Plan, sheet: content.Sheet, lang: str, logo_name: str, others: list[str],
             exists: Callable[[str], bool]) -> str:
    """``dist/<lang>/<sheet>.html``: the same templates as the PDF, the web base and stylesheet."""
    assert plan.brand is not None
    project = plan.project
    translator = plan.translators[lang]
    locale = catalogs.locale_for(lang, project.region)
    translated = sheet.map_texts(lambda t: replace(t, text=translator.gettext(t.text)))
    pdfs = [{"href": href(relpath, lang), "large": large}
            for relpath, large in ((f"{lang}/{sheet.name}.pdf", False), (f"{lang}-large/{sheet.name}.pdf", True))
            if exists(relpath)]
    languages = [{"href": href(sheet_page(other, sheet.name), lang), "lang": catalogs.language_tag(other),
                  "name": catalogs.language_name(other, other)} for other in others]
    web = {
        "assets": href(ASSETS, lang) + "/",
        "dir": render.text_direction(locale),
        "pdfs": pdfs,
        "languages": languages,
    }
    return render.render_html(translated, translator, locale, plan.brand, project,
                              web={"web": web, "logo_url": href(f"{ASSETS}/{logo_name}", lang), "qr_svg": ""})
