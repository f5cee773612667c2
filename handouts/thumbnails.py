"""The thumbnail of each PDF's first page on the catalogue page, drawn by PDFium, again only when its PDF changed."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

from handouts.dist_paths import thumbnail_path
from handouts.errors import EXIT_ENVIRONMENT, HandoutsError
from handouts.pdf import MAX_PDF_BYTES
from handouts.safefile import read_file

THUMBNAIL_WIDTH = 300  # pixels: sharp at 150 CSS pixels on a tablet's screen
THUMBNAIL_VERSION = "2"  # change to draw every thumbnail again (2: the faster palette, PNG not optimized)
MAX_ASSET_BYTES = 5_000_000  # a stylesheet, script or thumbnail of the web pages (each is a few kB)


def changed_thumbnails(out_dir: Path, cache: dict[str, dict[str, Any]], new_pdfs: dict[Path, bytes],
                       drawn: dict[Path, bytes], exists: Callable[[str], bool]) -> dict[Path, bytes]:
    """A thumbnail for every PDF listed, this build's or an earlier one's, drawn only when missing
    or when its PDF changed; each PDF's cache entry records what its thumbnail was drawn from.

    ``drawn``: the thumbnails of ``new_pdfs`` that the workers drew with them (keyed by PDF path).
    """
    files: dict[Path, bytes] = {}
    for relpath, entry in cache.items():
        if "catalogue" not in entry or not exists(relpath):
            continue
        thumbnail = out_dir / thumbnail_path(relpath)
        if not drawn_from(cache, relpath) or not _has_sha256(thumbnail, entry["thumbnail"].get("sha256")):
            image = drawn.get(out_dir / relpath) or draw_thumbnail(
                new_pdfs.get(out_dir / relpath) or read_file(out_dir / relpath, MAX_PDF_BYTES))
            files[thumbnail] = image
            entry["thumbnail"] = {"of": f"{entry['sha256']}:{THUMBNAIL_VERSION}",
                                  "sha256": hashlib.sha256(image).hexdigest()}
    return files


def drawn_from(cache: dict[str, dict[str, Any]], relpath: str) -> str:
    """The SHA-256 of the PDF whose thumbnail is in place, by the build's record ("" if none):
    a worker that makes this very PDF again draws no thumbnail (a forced build, or a new version
    of handouts, gives the same bytes). Should the file itself be gone, :func:`changed_thumbnails`
    draws it."""
    entry = cache.get(relpath) or {}
    sha256, record = entry.get("sha256"), entry.get("thumbnail")
    if isinstance(sha256, str) and isinstance(record, dict) and record.get("of") == f"{sha256}:{THUMBNAIL_VERSION}":
        return sha256
    return ""


def _has_sha256(path: Path, expected: str | None) -> bool:
    try:
        return expected is not None and hashlib.sha256(read_file(path, MAX_ASSET_BYTES)).hexdigest() == expected
    except HandoutsError:
        return False


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
        # Drawn in RGB order (rev_byteorder), which PIL takes as it is: no conversion.
        bitmap = page.render(scale=THUMBNAIL_WIDTH / width, draw_annots=False, rev_byteorder=True)
        image = bitmap.to_pil()
        page.close()
    finally:
        document.close()
    # A page of text in 64 colours: a third of the size, the same to the eye at this size. The
    # fast octree palette and zlib's fastest level take 7.4 ms per thumbnail instead of 27 for
    # the exact colours optimized (a PDF takes 150). The fastest level costs 14 % in size
    # (19.8 kB on average instead of 17.3 at the default level, which takes 1.4 ms more).
    from PIL import Image

    image = image.quantize(colors=64, method=Image.Quantize.FASTOCTREE)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue()
