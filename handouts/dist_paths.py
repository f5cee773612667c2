"""Where each web file is in the output folder (``dist/``), and the relative links between them.

Everything links relatively and loads nothing from outside the folder, so ``dist/`` works
opened from a disk, a network drive or any static web host.
"""

from __future__ import annotations

import posixpath
from urllib.parse import quote

INDEX = "index.html"
ASSETS = "assets"  # in dist/: the stylesheets, the script, the logo and the thumbnails
THUMBNAILS = f"{ASSETS}/thumbnails"


def sheet_address(site: str, lang: str, name: str) -> str:
    """Where a sheet's web version is, relative to the published dist/ folder (or under ``site``)."""
    return f"{site}{lang}/{name}.html"


def sheet_page(lang: str, name: str) -> str:
    """A sheet's web page, relative to dist/."""
    return sheet_address("", lang, name)


def thumbnail_path(pdf_relpath: str) -> str:
    """The thumbnail of a PDF, relative to dist/."""
    return f"{THUMBNAILS}/{pdf_relpath.removesuffix('.pdf')}.png"


def href(relpath: str, start: str = "") -> str:
    """A relative link from the folder ``start`` of dist/ (``""`` or ``"fr"``), each part quoted:
    ``fr+en`` becomes ``fr%2Ben``, which every static host reads as the folder's name."""
    relative = posixpath.relpath(relpath, start or ".")
    return "/".join(part if part == ".." else quote(part, safe="") for part in relative.split("/"))
