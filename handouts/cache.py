"""What shapes a PDF, and the record of what the last builds made (``dist/.handouts-cache.json``).

A PDF's key is a hash of its HTML, of every file under ``templates/``, ``fonts/`` and the
brand folder, of this package's code and of the versions of the libraries that draw it.
A PDF on disk whose key and bytes match the record is not made again.
"""

from __future__ import annotations

import hashlib
import json
import re
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

from handouts import site
from handouts.errors import HandoutsError
from handouts.pdf import MAX_PDF_BYTES
from handouts.safefile import read_file

if TYPE_CHECKING:
    from handouts.tasks import Task

CACHE_NAME = ".handouts-cache.json"
MAX_INPUT_BYTES = 20_000_000  # any file in templates/, fonts/ or the brand folder (a font: 0.7 MB)
MAX_CACHE_BYTES = 20_000_000  # the cache of 1,000 sheets is about 200 kB

Cache = dict[str, dict[str, Any]]  # 'fr/redness.pdf' -> {'key': ..., 'sha256': ...}
_CACHE_PATH = re.compile(r"[A-Za-z0-9_+-]+/[a-z0-9][a-z0-9-]*\.pdf")


@lru_cache(maxsize=1)
def tool_fingerprint() -> str:
    """This tool's code and the versions of the libraries that draw the PDF.

    Read without importing WeasyPrint, so a build with nothing to do stays fast.
    """
    digest = hashlib.sha256()
    for path in sorted(Path(__file__).parent.glob("*.py")):
        if path.name in site.WEB_ONLY_CODE:  # the web pages' code does not shape a PDF
            continue
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    for package in ("weasyprint", "pydyf", "fonttools", "tinycss2", "tinyhtml5", "cssselect2", "pyphen",
                    "pillow", "jinja2", "babel"):
        try:
            digest.update(f"{package}={metadata.version(package)}\n".encode())
        except metadata.PackageNotFoundError:
            digest.update(f"{package}=none\n".encode())
    return digest.hexdigest()


def fingerprint_inputs(folders: tuple[Path, ...]) -> str:
    """The tool, plus every file a sheet may load: stylesheets, fonts, the brand's logo."""
    digest = hashlib.sha256(tool_fingerprint().encode())
    for folder in folders:
        for path in sorted(p for p in folder.rglob("*") if p.is_file() and not site.web_only(folder, p)):
            try:
                data = read_file(path, MAX_INPUT_BYTES, folder)
            except HandoutsError:
                if not path.exists():  # an editor's swap file, gone since the listing
                    continue
                raise
            digest.update(str(path.relative_to(folder)).encode() + b"\0")
            digest.update(hashlib.sha256(data).digest())
    return digest.hexdigest()


def task_key(inputs: str, task: Task) -> str:
    """The key of one PDF: the inputs' fingerprint, its edition and the HTML of each of its languages."""
    digest = hashlib.sha256(inputs.encode())
    digest.update(task.edition.folder.encode())
    for part in task.parts:
        digest.update(b"\0" + part.lang.encode() + b"\0" + part.html.encode())
    return digest.hexdigest()


def read_cache(out_dir: Path) -> Cache:
    """What the previous builds made: {'fr/redness.pdf': {'key': ..., 'sha256': ...}}; empty if unreadable."""
    try:
        data = json.loads(read_file(out_dir / CACHE_NAME, MAX_CACHE_BYTES).decode("utf-8"))
        entries = data["outputs"] if data.get("version") == 1 else {}
        return {k: v for k, v in entries.items() if isinstance(v, dict)}
    except (HandoutsError, ValueError, KeyError, TypeError, AttributeError, RecursionError):
        return {}  # absent, damaged, nested too deep, not a file: everything is made again


def is_current(out_dir: Path, task: Task, cache: Cache) -> bool:
    """The PDF on disk was made from these exact inputs and nobody changed or deleted it since."""
    entry = cache.get(task.relpath)
    if not entry or entry.get("key") != task.key:
        return False
    try:
        return hashlib.sha256(read_file(out_dir / task.relpath, MAX_PDF_BYTES)).hexdigest() == entry.get("sha256")
    except HandoutsError:  # deleted, or replaced by something that is not a PDF file
        return False


def updated_cache(out_dir: Path, cache: Cache, made: list[tuple[Task, bytes]]) -> Cache:
    """The record after this build: the PDFs just made added, those no longer on disk dropped
    (a sheet removed, an edition deleted)."""
    kept = {path: entry for path, entry in cache.items() if _CACHE_PATH.fullmatch(path) and (out_dir / path).is_file()}
    for task, pdf in made:
        kept[task.relpath] = {**kept.get(task.relpath, {}), "key": task.key, "sha256": hashlib.sha256(pdf).hexdigest()}
    return kept


def cache_file(out_dir: Path, cache: Cache) -> tuple[Path, bytes]:
    """The record as the file to publish with the PDFs."""
    return out_dir / CACHE_NAME, json.dumps({"version": 1, "outputs": cache}, indent=1, sort_keys=True).encode()
