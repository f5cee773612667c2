"""A brand's logo, judged by its bytes: a PNG of bounded size and metadata, or a plain, small SVG.

Both are checked here, before Pillow or WeasyPrint reads them, so a small file that
inflates to hundreds of megabytes, or an SVG that fans out into millions of shapes, is
refused in milliseconds with a message that says what to do.
"""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path
from typing import NoReturn

from handouts.errors import HandoutsError, Problem
from handouts.safefile import read_file

MAX_LOGO_BYTES = 2_000_000
MAX_LOGO_PIXELS = 4000 * 4000
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
MAX_PNG_TEXT = 64_000  # a text, ICC profile or other compressed chunk, once inflated
MAX_PNG_CHUNKS = 10_000
MAX_SVG_ELEMENTS = 5_000  # a logo has tens; WeasyPrint takes about 1 s per 10,000
MAX_SVG_DEPTH = 32
MAX_SVG_DRAWN = 10_000  # elements drawn once every <use> is expanded


def logo_path(folder: Path, value: tuple[str, int] | None, path: Path, problems: list[Problem]) -> Path | None:
    """The logo the brand file names (``value``: its name and line), or None with the reason in ``problems``."""
    if value is None:
        return None
    name, line = value
    logo = (folder / name).resolve()
    if not logo.is_relative_to(folder.resolve()):
        problems.append(Problem(f"the logo {name!r} is outside the brand folder {folder}; put it there.", path, line))
        return None
    if logo.suffix.lower() not in (".svg", ".png"):
        problems.append(Problem(f"the logo {name!r} must be an .svg or .png file.", path, line))
        return None
    if not logo.is_file() and not logo.exists():
        problems.append(Problem(f"the logo file {name!r} does not exist in {folder}.", path, line))
        return None
    try:
        data = read_file(logo, MAX_LOGO_BYTES, folder, what="logo")
    except HandoutsError as err:
        problems.append(Problem(f"the logo {name!r} {err.problems[0].message}", path, line))
        return None
    problem = logo_problem(data, is_svg=logo.suffix.lower() == ".svg")
    if problem:
        problems.append(Problem(f"the logo {name!r} {problem}", path, line))
        return None
    return logo


def logo_problem(data: bytes, is_svg: bool) -> str | None:
    """Why a logo with this name's kind (SVG or PNG) and these bytes cannot be used, or None."""
    if is_svg and data.startswith(PNG_SIGNATURE):
        return "is a PNG image with an .svg name; rename it logo.png (and write that name here)."
    return check_svg(data) if is_svg else check_png(data)


def check_png(data: bytes) -> str | None:
    """Why a PNG logo cannot be used (by its bytes, whatever its name), or None.

    The chunks are walked before Pillow sees the file: the size the image declares, and
    every compressed text or colour profile inflated at most to ``MAX_PNG_TEXT`` bytes, so a
    small file that inflates to hundreds of megabytes is refused without inflating it.
    """
    if not data.startswith(PNG_SIGNATURE):
        return "is not a PNG image (its first bytes are not a PNG signature); export it again as PNG."
    return _png_chunks_problem(data) or _png_image_problem(data)


def _png_chunks_problem(data: bytes) -> str | None:
    """What is wrong in the PNG's chunks: cut short, too many, too large an image, metadata that inflates too far."""
    offset, count = len(PNG_SIGNATURE), 0
    while offset + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[offset:offset + 8])
        body = data[offset + 8:offset + 8 + length]
        count += 1
        if len(body) < length or count > MAX_PNG_CHUNKS:
            return "is not a readable PNG image (it is cut short or damaged); export it again."
        if kind == b"IHDR" and length >= 8:
            width, height = struct.unpack(">II", body[:8])
            if width * height > MAX_LOGO_PIXELS:
                return f"is {width}x{height} pixels; use an image under 4000x4000 pixels."
        problem = _compressed_chunk_problem(kind, body)
        if problem:
            return problem
        if kind == b"IEND":
            break
        offset += 12 + length
    return None


def _compressed_chunk_problem(kind: bytes, body: bytes) -> str | None:
    """A zTXt, iCCP or compressed iTXt chunk that is damaged or inflates past ``MAX_PNG_TEXT``."""
    compressed = {b"zTXt": body.find(b"\0") + 2, b"iCCP": body.find(b"\0") + 2}.get(kind)
    if kind == b"iTXt":
        key_end = body.find(b"\0")
        if key_end >= 0 and body[key_end + 1:key_end + 2] == b"\1":  # compressed international text
            rest = body.find(b"\0", body.find(b"\0", key_end + 3) + 1)
            compressed = rest + 1 if rest >= 0 else None
    if compressed is None or compressed < 2:
        return None
    try:
        inflated = zlib.decompressobj().decompress(body[compressed:], MAX_PNG_TEXT + 1)
    except zlib.error:
        return f"is not a readable PNG image (its {kind.decode()} chunk is damaged); export it again."
    if len(inflated) > MAX_PNG_TEXT:
        return (f"has a {kind.decode()} chunk (text or colour profile) that inflates to more than "
                f"{MAX_PNG_TEXT // 1000} kB; export the image again without metadata.")
    return None


def _png_image_problem(data: bytes) -> str | None:
    """What Pillow finds wrong with the image itself, once its chunks passed."""
    from PIL import Image  # Pillow comes with WeasyPrint

    try:
        with Image.open(io.BytesIO(data)) as image:
            width, height = image.size
            if width * height > MAX_LOGO_PIXELS:
                return f"is {width}x{height} pixels; use an image under 4000x4000 pixels."
            if image.format != "PNG":
                return "is not a PNG image; export it again as PNG."
            image.verify()
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as err:
        return f"is not a readable PNG image ({err}); export it again."
    return None


class _Refused(Exception):
    """Why the SVG is refused, raised from inside the parse or the count."""


class _SvgTree:
    """The shape of an SVG as expat reads it: each element's children, its id, what its <use> copies."""

    def __init__(self) -> None:
        self.children: list[list[int]] = [[]]  # element index -> its children (0 is the document)
        self.uses: dict[int, str] = {}  # element index -> the id its <use> copies
        self.ids: dict[str, int] = {}
        self.tags: list[str] = [""]
        self._stack = [0]
        self._drawn: dict[int, int] = {}

    def start(self, tag: str, attributes: dict[str, str]) -> None:
        if len(self.children) > MAX_SVG_ELEMENTS:
            raise _Refused(f"has more than {MAX_SVG_ELEMENTS:,} elements; a logo needs far fewer: simplify it "
                           "or export it as PNG.")
        if len(self._stack) > MAX_SVG_DEPTH:
            raise _Refused(f"nests its elements more than {MAX_SVG_DEPTH} levels deep; simplify it or export it "
                           "as PNG.")
        index = len(self.children)
        self.children.append([])
        self.tags.append(tag.rpartition(" ")[2])
        self.children[self._stack[-1]].append(index)
        self._stack.append(index)
        if "id" in attributes:
            self.ids[attributes["id"]] = index
        if self.tags[-1] == "use":
            target = next((v for k, v in attributes.items() if k.rpartition(" ")[2] == "href"), "")
            self.uses[index] = target.removeprefix("#")

    def end(self, tag: str) -> None:
        self._stack.pop()

    def drawn(self, index: int = 0, seen: tuple[int, ...] = ()) -> int:
        """How many elements are drawn once every <use> is replaced by what it copies."""
        if index in self._drawn:
            return self._drawn[index]
        if index in seen:
            raise _Refused("has a <use> that copies itself; export it again.")
        total = 1 + sum(self.drawn(child, seen + (index,)) for child in self.children[index])
        target = self.ids.get(self.uses.get(index, ""))
        if target is not None:
            total += self.drawn(target, seen + (index,))
        if total > MAX_SVG_DRAWN:
            raise _Refused(f"draws more than {MAX_SVG_DRAWN:,} shapes once its <use> copies are expanded; "
                           "simplify it or export it as PNG.")
        self._drawn[index] = total
        return total


def _refuse_dtd(*_args: object) -> NoReturn:
    raise _Refused("has a DOCTYPE or an entity declaration; export it again as plain SVG.")


def check_svg(data: bytes) -> str | None:
    """Why an SVG logo cannot be used, or None: parsed here, with no DTD or entity, before WeasyPrint.

    A logo is small: its elements, their nesting and what its ``<use>`` copies expand to are
    limited, so a file of 490,000 empty groups or a fan-out of nested ``<use>`` is refused
    in milliseconds instead of taking a minute per PDF.
    """
    from xml.parsers import expat

    tree = _SvgTree()
    parser = expat.ParserCreate(namespace_separator=" ")
    parser.StartElementHandler = tree.start
    parser.EndElementHandler = tree.end
    parser.StartDoctypeDeclHandler = _refuse_dtd
    parser.EntityDeclHandler = _refuse_dtd
    parser.ExternalEntityRefHandler = _refuse_dtd
    try:
        parser.Parse(data, True)
        if len(tree.tags) < 2 or tree.tags[1] != "svg":
            return "is not an SVG image (its first element is not <svg>); export it again as SVG."
        tree.drawn()
    except _Refused as err:
        return str(err)
    except expat.ExpatError as err:
        return (f"is not a readable SVG image ({expat.ErrorString(err.code)} at its line {err.lineno}); "
                "export it again.")
    return None
