"""The clinic's brand profile (``brands/<name>/brand.yaml``): name, logo, colours, contact, hours, QR code."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import time
from pathlib import Path
from typing import TYPE_CHECKING

from handouts.characters import describe, non_ascii_digit
from handouts.errors import EXIT_INPUT, EXIT_USAGE, HandoutsError, Problem, raise_if_any
from handouts.logo import logo_path
from handouts.safefile import inside
from handouts.yamlfile import Mapping, Scalar, Sequence, check_keys, read_yaml

if TYPE_CHECKING:
    from handouts.config import Project

DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
MIN_CONTRAST = 4.5
# Matched with fullmatch: "$" would also accept a value that goes on after a newline.
_COLOUR = re.compile(r"#[0-9a-fA-F]{6}")
BRAND_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}", re.ASCII)
BRAND_NAME_HINT = ("a brand is the name of a folder in brands/ (letters, digits and dashes, such as "
                   "clinique-demo), not a path.")
_TIME = re.compile(r"([01]?\d|2[0-3]):([0-5]\d)")


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


def scalar_values(node: Mapping, path: Path, problems: list[Problem]) -> dict[str, tuple[str, int]]:
    """Each field that holds a piece of text: (the text, stripped, and its line); a problem for any other."""
    values = {}
    for key, (line, value) in node.items.items():
        if isinstance(value, Scalar):
            values[key] = (value.value.strip(), value.line)
        elif key not in ("hours", "colours"):  # the two fields that hold a list or fields
            problems.append(Problem(f"'{key}' must be a piece of text.", path, line))
    return values



def load_brand(project: Project, name: str | None = None) -> Brand:
    """Read and check ``brands/<name>/brand.yaml``: every problem in it is reported at once."""
    folder, path = _brand_file(project, name)
    node = read_yaml(path, project.root)
    if not isinstance(node, Mapping):
        raise HandoutsError("must hold the clinic's name, logo, colours, address, phone and website.", path, 1)
    problems = check_keys(
        node, path, ("name", "logo", "colours", "address", "phone", "website"), ("hours", "qr", "site")
    )
    values = scalar_values(node, path, problems)
    for key in ("name", "address", "website"):
        if key in values and not values[key][0]:
            problems.append(Problem(f"'{key}' is empty.", path, values[key][1]))
    logo = logo_path(folder, values.get("logo"), path, problems)
    phone = _phone(values.get("phone"), path, problems)
    primary, accent = _colours(node, path, problems)
    hours = _hours(node, path, problems)
    qr = _qr(values.get("qr"), path, problems)
    site = _site(values.get("site"), path, problems)
    raise_if_any(problems)
    assert logo is not None  # a brand file without one has a problem: 'logo' is required
    printed = tuple((key, values[key][0], values[key][1])
                    for key in ("name", "address", "phone", "website", "qr", "site") if key in values)
    return Brand(
        printed=printed,
        folder=folder.resolve(),
        name=values["name"][0],
        logo=logo,
        primary=primary,
        accent=accent,
        address=values["address"][0],
        phone=phone,
        website=values["website"][0],
        hours=hours,
        qr=qr,
        site=site,
    )


def brand_folder(project: Project, name: str | None = None) -> Path:
    """The brand's folder (``--brand``, else handouts.yaml's), as :func:`load_brand` gives it, without reading it."""
    return _brand_file(project, name)[0].resolve()


def _brand_file(project: Project, name: str | None) -> tuple[Path, Path]:
    """The brand's folder and its brand.yaml, inside the project's brands/; a located error otherwise."""
    if name is not None and not BRAND_NAME.fullmatch(name):
        raise HandoutsError(f"--brand {name[:60]!r}: {BRAND_NAME_HINT}", exit_code=EXIT_USAGE)
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
    return folder, path


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
            Problem("'hours' must be a list of days:, opens: and closes: (see brands/clinique-demo/brand.yaml).",
                    path, line)
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
                        Problem(f"{key} is {text!r}; write the time as \"HH:MM\" in double quotes, for example "
                                "\"09:00\".", path, key_line)
                    )
                continue
            times.append(time(int(match.group(1)), int(match.group(2))))
        if len(times) == 2 and not found:
            result.append(Hours(DAYS.index(first), DAYS.index(last or first), times[0], times[1]))
    return tuple(result)
