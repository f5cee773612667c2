"""The project folder, its settings file (``handouts.yaml``) and the clinic's brand profile."""

from __future__ import annotations

import io
import os
import re
import struct
from dataclasses import dataclass
from datetime import UTC, datetime, time
from pathlib import Path

from handouts.characters import describe, non_ascii_digit
from handouts.errors import EXIT_INPUT, EXIT_USAGE, HandoutsError, Problem, raise_if_any
from handouts.safefile import inside, read_file
from handouts.yamlfile import Mapping, Scalar, Sequence, check_keys, read_yaml

CONFIG_NAME = "handouts.yaml"
PAPER_SIZES = {"letter": "letter", "a4": "A4"}
DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
MAX_LOGO_BYTES = 2_000_000
MAX_LOGO_PIXELS = 4000 * 4000
MIN_CONTRAST = 4.5
# Matched with fullmatch: "$" would also accept a value that goes on after a newline.
_COLOUR = re.compile(r"#[0-9a-fA-F]{6}")
BRAND_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}", re.ASCII)
_BRAND_NAME_HINT = ("a brand is the name of a folder in brands/ (letters, digits and dashes, such as "
                    "clinique-demo), not a path.")
_TIME = re.compile(r"([01]?\d|2[0-3]):([0-5]\d)")


# What a project's sheets are made from, under its root (the folders below are Project's properties).
INPUTS = (CONFIG_NAME, "content", "locales", "templates", "fonts", "brands")


@dataclass(frozen=True)
class Project:
    """Where a project's files live; every path the pipeline reads comes from here."""

    root: Path
    brand: str
    region: str
    paper: str
    bilingual: tuple[str, ...] = ()  # the pair built by default, French first: ("fr", "en")
    large_print: bool = False  # also build the large-print editions by default

    @property
    def config_path(self) -> Path:
        return self.root / CONFIG_NAME

    @property
    def content_dir(self) -> Path:
        return self.root / "content"

    @property
    def locales_dir(self) -> Path:
        return self.root / "locales"

    @property
    def templates_dir(self) -> Path:
        return self.root / "templates"

    @property
    def fonts_dir(self) -> Path:
        return self.root / "fonts"

    @property
    def brands_dir(self) -> Path:
        return self.root / "brands"

    @property
    def input_paths(self) -> tuple[Path, ...]:
        """Every file and folder a sheet is made from: what 'watch' watches and what --out may not be inside."""
        return tuple(self.root / name for name in INPUTS)


def source_date_epoch() -> int | None:
    """SOURCE_DATE_EPOCH (reproducible builds): the time to stamp outputs with, in seconds since 1970; unset: None."""
    value = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if not value:
        return None
    try:
        epoch = int(value)
        datetime.fromtimestamp(epoch, tz=UTC)
    except (ValueError, OverflowError, OSError) as err:
        raise HandoutsError(
            f"SOURCE_DATE_EPOCH is {value!r}; it must be a number of seconds since 1970 (or unset).",
            exit_code=EXIT_USAGE,
        ) from err
    return epoch


@dataclass(frozen=True)
class Hours:
    first_day: int  # 0 = Monday
    last_day: int
    opens: time
    closes: time


@dataclass(frozen=True)
class Brand:
    folder: Path
    name: str
    logo: Path
    primary: str
    accent: str
    address: str
    phone: str  # ten digits
    website: str
    hours: tuple[Hours, ...]
    qr: str = ""  # an https address the sheet's QR code points to; empty: no QR code
    printed: tuple[tuple[str, str, int], ...] = ()  # (field, text as written, line) of what the sheet prints
    site: str = ""  # where dist/ is published, ending in /: the QR code then opens the sheet's web page


def load_project(root: Path) -> Project:
    """Read ``handouts.yaml`` at the project root."""
    root = root.resolve()
    path = root / CONFIG_NAME
    if not path.is_file():
        raise HandoutsError(
            f"there is no {CONFIG_NAME} here, so this is not a handouts project folder. "
            "Run the command from the project folder (the one with content/ and locales/), "
            "or give it with --project.",
            root,
            exit_code=EXIT_USAGE,
        )
    node = read_yaml(path, root)
    if not isinstance(node, Mapping):
        raise HandoutsError("must hold the fields brand:, region: and paper:.", path, 1)
    problems = check_keys(node, path, ("brand",), ("region", "paper", "bilingual", "large_print"))
    values = _scalars(node, path, problems)
    bilingual = values.get("bilingual", ("", 1))
    pair = tuple(x.strip() for x in bilingual[0].split("+")) if bilingual[0] else ()
    if pair and (len(pair) != 2 or len(set(pair)) != 2 or not all(pair)):
        problems.append(Problem(f"bilingual is {bilingual[0]!r}; write two languages joined by +, "
                                "the front page first, for example \"fr+en\".", path, bilingual[1]))
    paper = values.get("paper", ("letter", 1))
    if paper[0].lower() not in PAPER_SIZES:
        problems.append(Problem(f"paper is {paper[0]!r}; use 'letter' or 'a4'.", path, paper[1]))
    large_print = values.get("large_print", ("false", 1))
    if large_print[0].lower() not in ("true", "false"):
        problems.append(Problem(f"large_print is {large_print[0]!r}; write true (also build the large-print "
                                "editions) or false.", path, large_print[1]))
    for folder in ("content", "locales", "templates", "fonts", "brands"):
        if (root / folder).exists() and not inside(root / folder, root):
            problems.append(Problem(f"{folder}/ is a link to {(root / folder).resolve()}, outside the project folder; "
                                    "a project only reads its own files: put the folder itself here.", root / folder))
    if "brand" in values and not BRAND_NAME.fullmatch(values["brand"][0]):
        problems.append(Problem(f"brand is {values['brand'][0][:60]!r}; {_BRAND_NAME_HINT}", path, values["brand"][1]))
    raise_if_any(problems)
    return Project(
        root=root,
        brand=values["brand"][0],
        region=values.get("region", ("CA", 1))[0].upper(),
        paper=paper[0].lower(),
        bilingual=pair,
        large_print=large_print[0].lower() == "true",
    )


def _scalars(node: Mapping, path: Path, problems: list[Problem]) -> dict[str, tuple[str, int]]:
    values = {}
    for key, (line, value) in node.items.items():
        if isinstance(value, Scalar):
            values[key] = (value.value.strip(), value.line)
        elif key not in ("hours", "colours"):  # the two fields that hold a list or fields
            problems.append(Problem(f"'{key}' must be a piece of text.", path, line))
    return values


def load_brand(project: Project, name: str | None = None) -> Brand:
    """Read and check ``brands/<name>/brand.yaml``: every problem in it is reported at once."""
    if name is not None and not BRAND_NAME.fullmatch(name):
        raise HandoutsError(f"--brand {name[:60]!r}: {_BRAND_NAME_HINT}", exit_code=EXIT_USAGE)
    name = name or project.brand
    folder = project.brands_dir / name
    path = folder / "brand.yaml"
    if path.exists() and not inside(folder, project.brands_dir) or not inside(project.brands_dir, project.root):
        raise HandoutsError(
            f"the brand folder {name!r} is a link to {folder.resolve()}, outside {project.brands_dir}; a project "
            "only reads its own files: put the brand's folder itself in brands/.", project.config_path,
            exit_code=EXIT_USAGE if name != project.brand else EXIT_INPUT)
    if not path.is_file():
        known = sorted(p.name for p in project.brands_dir.glob("*") if (p / "brand.yaml").is_file())
        raise HandoutsError(
            f"there is no brand profile {name!r} (expected {path}). "
            f"Brands: {', '.join(known) or 'none'}.",
            project.config_path,
            exit_code=EXIT_USAGE,
        )
    node = read_yaml(path, project.root)
    if not isinstance(node, Mapping):
        raise HandoutsError("must hold the clinic's name, logo, colours, address, phone and website.", path, 1)
    problems = check_keys(
        node, path, ("name", "logo", "colours", "address", "phone", "website"), ("hours", "qr", "site")
    )
    values = _scalars(node, path, problems)
    for key in ("name", "address", "website"):
        if key in values and not values[key][0]:
            problems.append(Problem(f"'{key}' is empty.", path, values[key][1]))
    logo = _logo(folder, values.get("logo"), path, problems)
    phone = _phone(values.get("phone"), path, problems)
    primary, accent = _colours(node, path, problems)
    hours = _hours(node, path, problems)
    qr = _qr(values.get("qr"), path, problems)
    site = _site(values.get("site"), path, problems)
    raise_if_any(problems)
    printed = tuple((key, values[key][0], values[key][1])
                    for key in ("name", "address", "phone", "website", "qr", "site") if key in values)
    return Brand(
        printed=printed,
        folder=folder.resolve(),
        name=values["name"][0],
        logo=logo,  # type: ignore[arg-type]
        primary=primary,
        accent=accent,
        address=values["address"][0],
        phone=phone,
        website=values["website"][0],
        hours=hours,
        qr=qr,
        site=site,
    )


# re.ASCII: without it, re.I matches look-alike letters ('ſ' for s, 'ı' for i, the Kelvin sign for k).
_QR_URL = re.compile(r"^https://[a-z0-9.-]+\.[a-z]{2,}(/[A-Za-z0-9._~/%-]*)?$", re.I | re.ASCII)
MAX_QR_URL = 120


def _qr(value: tuple[str, int] | None, path: Path, problems: list[Problem]) -> str:
    """The QR code's target: a short https address, printed beside the code as well."""
    if value is None or not value[0]:
        return ""
    url, line = value
    if len(url) > MAX_QR_URL or not url.isascii() or not _QR_URL.match(url):
        problems.append(Problem(
            f"qr is {url[:80]!r}; write the full https address of the clinic's page, without spaces, "
            f"? or # (under {MAX_QR_URL} characters), for example \"https://clinique.example/soins\".",
            path, line))
        return ""
    return url


MAX_SITE_URL = 70  # the sheet's own address (site + "fr/breakouts.html") is printed beside its QR code


def _site(value: tuple[str, int] | None, path: Path, problems: list[Problem]) -> str:
    """Where the dist/ folder is published: each sheet's QR code opens its web page there."""
    if value is None or not value[0]:
        return ""
    url, line = value
    if len(url) > MAX_SITE_URL or not _QR_URL.match(url):
        problems.append(Problem(
            f"site is {url[:80]!r}; write the full https address where the dist/ folder is published, "
            f"without spaces, ? or # (under {MAX_SITE_URL} characters), for example "
            "\"https://clinique.example/fiches/\".", path, line))
        return ""
    return url if url.endswith("/") else url + "/"


def _logo(folder: Path, value: tuple[str, int] | None, path: Path, problems: list[Problem]) -> Path | None:
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
    is_png = data.startswith(PNG_SIGNATURE)
    if logo.suffix.lower() == ".svg" and is_png:
        problem = "is a PNG image with an .svg name; rename it logo.png (and write that name here)."
    elif logo.suffix.lower() == ".svg":
        problem = check_svg(data)
    else:
        problem = check_png(data)
    if problem:
        problems.append(Problem(f"the logo {name!r} {problem}", path, line))
        return None
    return logo


PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
MAX_PNG_TEXT = 64_000  # a text, ICC profile or other compressed chunk, once inflated
MAX_PNG_CHUNKS = 10_000


def check_png(data: bytes) -> str | None:
    """Why a PNG logo cannot be used (by its bytes, whatever its name), or None.

    The chunks are walked before Pillow sees the file: the size the image declares, and
    every compressed text or colour profile inflated at most to ``MAX_PNG_TEXT`` bytes, so a
    small file that inflates to hundreds of megabytes is refused without inflating it.
    """
    import zlib

    if not data.startswith(PNG_SIGNATURE):
        return "is not a PNG image (its first bytes are not a PNG signature); export it again as PNG."
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
        compressed = {b"zTXt": body.find(b"\0") + 2, b"iCCP": body.find(b"\0") + 2}.get(kind)
        if kind == b"iTXt":
            key_end = body.find(b"\0")
            if key_end >= 0 and body[key_end + 1:key_end + 2] == b"\1":  # compressed international text
                rest = body.find(b"\0", body.find(b"\0", key_end + 3) + 1)
                compressed = rest + 1 if rest >= 0 else None
        if compressed is not None and compressed >= 2:
            try:
                inflated = zlib.decompressobj().decompress(body[compressed:], MAX_PNG_TEXT + 1)
            except zlib.error:
                return f"is not a readable PNG image (its {kind.decode()} chunk is damaged); export it again."
            if len(inflated) > MAX_PNG_TEXT:
                return (f"has a {kind.decode()} chunk (text or colour profile) that inflates to more than "
                        f"{MAX_PNG_TEXT // 1000} kB; export the image again without metadata.")
        if kind == b"IEND":
            break
        offset += 12 + length
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


MAX_SVG_ELEMENTS = 5_000  # a logo has tens; WeasyPrint takes about 1 s per 10,000
MAX_SVG_DEPTH = 32
MAX_SVG_DRAWN = 10_000  # elements drawn once every <use> is expanded


def check_svg(data: bytes) -> str | None:
    """Why an SVG logo cannot be used, or None: parsed here, with no DTD or entity, before WeasyPrint.

    A logo is small: its elements, their nesting and what its ``<use>`` copies expand to are
    limited, so a file of 490,000 empty groups or a fan-out of nested ``<use>`` is refused
    in milliseconds instead of taking a minute per PDF.
    """
    from xml.parsers import expat

    class Refused(Exception):
        pass

    parser = expat.ParserCreate(namespace_separator=" ")
    children: list[list[int]] = [[]]  # element index -> its children (0 is the document)
    uses: dict[int, str] = {}  # element index -> the id its <use> copies
    ids: dict[str, int] = {}
    stack = [0]
    tags: list[str] = [""]

    def start(tag: str, attributes: dict[str, str]) -> None:
        if len(children) > MAX_SVG_ELEMENTS:
            raise Refused(f"has more than {MAX_SVG_ELEMENTS:,} elements; a logo needs far fewer: simplify it "
                          "or export it as PNG.")
        if len(stack) > MAX_SVG_DEPTH:
            raise Refused(f"nests its elements more than {MAX_SVG_DEPTH} levels deep; simplify it or export it "
                          "as PNG.")
        index = len(children)
        children.append([])
        tags.append(tag.rpartition(" ")[2])
        children[stack[-1]].append(index)
        stack.append(index)
        if "id" in attributes:
            ids[attributes["id"]] = index
        if tags[-1] == "use":
            target = next((v for k, v in attributes.items() if k.rpartition(" ")[2] == "href"), "")
            uses[index] = target.removeprefix("#")

    def refuse_dtd(*_args: object) -> None:
        raise Refused("has a DOCTYPE or an entity declaration; export it again as plain SVG.")

    parser.StartElementHandler = start
    parser.EndElementHandler = lambda tag: stack.pop()
    parser.StartDoctypeDeclHandler = refuse_dtd
    parser.EntityDeclHandler = refuse_dtd
    parser.ExternalEntityRefHandler = lambda *args: refuse_dtd()
    try:
        parser.Parse(data, True)
    except Refused as err:
        return str(err)
    except expat.ExpatError as err:
        return (f"is not a readable SVG image ({expat.ErrorString(err.code)} at its line {err.lineno}); "
                "export it again.")
    if len(tags) < 2 or tags[1] != "svg":
        return "is not an SVG image (its first element is not <svg>); export it again as SVG."
    # How many elements are drawn once every <use> is replaced by what it copies.
    drawn: dict[int, int] = {}

    def cost(index: int, seen: tuple[int, ...]) -> int:
        if index in drawn:
            return drawn[index]
        if index in seen:
            raise Refused("has a <use> that copies itself; export it again.")
        total = 1 + sum(cost(child, seen + (index,)) for child in children[index])
        target = ids.get(uses.get(index, ""))
        if target is not None:
            total += cost(target, seen + (index,))
        if total > MAX_SVG_DRAWN:
            raise Refused(f"draws more than {MAX_SVG_DRAWN:,} shapes once its <use> copies are expanded; "
                          "simplify it or export it as PNG.")
        drawn[index] = total
        return total

    try:
        cost(0, ())
    except Refused as err:
        return str(err)
    return None


def _phone(value: tuple[str, int] | None, path: Path, problems: list[Problem]) -> str:
    if value is None:
        return ""
    other = non_ascii_digit(value[0])
    if other:
        problems.append(Problem(f"phone has the digit {describe(other)}; write the number with the digits 0-9, "
                                "such as 514 555-0142.", path, value[1]))
        return ""
    digits = re.sub(r"\D", "", value[0])
    if len(digits) == 11 and digits.startswith("1"):
        digits = digits[1:]
    if len(digits) != 10:
        problems.append(
            Problem(f"phone is {value[0]!r}; write a 10-digit number such as 514 555-0142.", path, value[1])
        )
    return digits


def _colours(node: Mapping, path: Path, problems: list[Problem]) -> tuple[str, str]:
    if "colours" not in node.items:
        return "", ""
    line, colours = node.items["colours"]
    if not isinstance(colours, Mapping):
        problems.append(Problem("'colours' must hold primary: and accent:.", path, line))
        return "", ""
    problems += check_keys(colours, path, ("primary", "accent"), where="colours")
    found = {}
    for key in ("primary", "accent"):
        if key not in colours.items:
            continue
        key_line, value = colours.items[key]
        text = value.value.strip() if isinstance(value, Scalar) else ""
        if not _COLOUR.fullmatch(text):
            problems.append(
                Problem(
                    f"colours.{key} is {text!r}; write a colour as \"#RRGGBB\" in double quotes "
                    '(for example "#1f5f5b").',
                    path,
                    key_line,
                )
            )
            continue
        ratio = contrast(text, "#ffffff")
        if ratio < MIN_CONTRAST:
            problems.append(
                Problem(
                    f"colours.{key} {text} is too light to read on white paper (contrast {ratio:.1f}:1, "
                    f"at least {MIN_CONTRAST}:1 is needed); choose a darker colour.",
                    path,
                    key_line,
                )
            )
        found[key] = text.lower()
    return found.get("primary", ""), found.get("accent", "")


def contrast(colour_a: str, colour_b: str) -> float:
    """The WCAG 2 contrast ratio between two #RRGGBB colours."""

    def luminance(colour: str) -> float:
        channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    high, low = sorted((luminance(colour_a), luminance(colour_b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def _hours(node: Mapping, path: Path, problems: list[Problem]) -> tuple[Hours, ...]:
    if "hours" not in node.items:
        return ()
    line, value = node.items["hours"]
    if not isinstance(value, Sequence) or not value.items:
        problems.append(
            Problem("'hours' must be a list of days:, opens: and closes: (see brands/clinique-demo/brand.yaml).", path, line)
        )
        return ()
    result = []
    for item in value.items:
        if not isinstance(item, Mapping):
            problems.append(Problem("each opening-hours item needs days:, opens: and closes:.", path, item.line))
            continue
        found = check_keys(item, path, ("days", "opens", "closes"), where="hours")
        problems += found
        fields = {k: (v.value.strip() if isinstance(v, Scalar) else "", ln) for k, (ln, v) in item.items.items()}
        days = fields.get("days", ("", item.line))
        first, _, last = days[0].lower().partition("-")
        if first not in DAYS or (last and last not in DAYS):
            problems.append(
                Problem(f"days is {days[0]!r}; write a day or a range such as 'monday-friday'.", path, days[1])
            )
            continue
        times = []
        for key in ("opens", "closes"):
            text, key_line = fields.get(key, ("", item.line))
            match = _TIME.fullmatch(text)
            if not match:
                if key in fields:
                    problems.append(
                        Problem(f"{key} is {text!r}; write the time as \"HH:MM\" in double quotes, for example \"09:00\".", path, key_line)
                    )
                continue
            times.append(time(int(match.group(1)), int(match.group(2))))
        if len(times) == 2 and not found:
            result.append(Hours(DAYS.index(first), DAYS.index(last or first), times[0], times[1]))
    return tuple(result)
