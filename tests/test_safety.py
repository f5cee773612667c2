"""Issue 12, "nothing wrong is ever printed, round two": one test per finding of the security review.

Each class is refused where the input is read: what a translation may print (checks.py,
characters.py), what the project reads (safefile.py), what a render may cost (the logo's
bytes, the SVG's size, time and memory limits), and every failure ends as path:line.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import zlib
from pathlib import Path

import pytest

from handouts import build as pipeline
from handouts import catalogs, checks, config
from handouts.errors import EXIT_INPUT, EXIT_USAGE, HandoutsError

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "safety"
CATALOG = Path("locales") / "fr" / "LC_MESSAGES" / "messages.po"
BRAND = Path("brands") / "clinique-demo" / "brand.yaml"
URGENT = 'msgstr "Obtenez de l\'aide sans tarder si vous avez :"'
EMERGENCY = '"appelez le %(emergency)s immédiatement."'
CLINIC = 'msgstr "Appelez la clinique au %(phone)s si :"'


def replace_in(path: Path, old: str, new: str) -> int:
    """Replace ``old`` once; the line number where it was."""
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return text[: text.index(old)].count("\n") + 1


def msgid_line(path: Path, before_line: int) -> int:
    """The line of the msgid of the entry whose msgstr (or its continuation) is at ``before_line``."""
    lines = path.read_text(encoding="utf-8").split("\n")[:before_line]
    return max(i for i, line in enumerate(lines, 1) if line.startswith("msgid "))


def handouts(*args: str, cwd: Path, timeout: float = 60, **kwargs) -> subprocess.CompletedProcess:
    """The real command in its own process (a hang ends the test instead of the suite)."""
    return subprocess.run([sys.executable, "-m", "handouts", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=timeout, **kwargs)


# --- 1. An item can print blank ------------------------------------------------------------------


@pytest.mark.parametrize("blank", ["   ", "\u200b", " \u2060 "])
def test_blank_translation_is_refused_by_check_and_not_counted_translated(project, cli, blank):
    catalog_file = project / CATALOG
    line = msgid_line(catalog_file, replace_in(catalog_file, URGENT, f'msgstr "{blank}"'))
    result = cli("check", "--project", str(project))
    assert result.exit_code == EXIT_INPUT, result.output
    assert f"messages.po:{line}: the translation is blank" in result.output
    catalog = catalogs.read_po(catalog_file, "fr")
    entry = catalog.get("Get help right away if you have:")
    assert not entry.translated  # so 'i18n status' and completeness agree: not translated
    template = catalogs.read_po(project / "locales" / "messages.pot")
    done, _, total = catalogs.completeness(catalog, template)
    assert done == total - 1
    status = cli("i18n", "status", "--strict", "--project", str(project))
    assert status.exit_code == 1 and f"({total - 1} of {total}), 0 fuzzy, 1 untranslated" in status.output
    assert catalogs.Translator("fr", catalog).gettext("Get help right away if you have:") == \
        "Get help right away if you have:"


def test_blank_translation_stops_the_build_with_its_line(project, cli, tmp_path):
    catalog_file = project / CATALOG
    line = msgid_line(catalog_file, replace_in(catalog_file, URGENT, 'msgstr " "'))
    result = cli("build", "--project", str(project), "--out", str(tmp_path / "out"), "--lang", "fr")
    assert result.exit_code == EXIT_INPUT
    assert f"messages.po:{line}: the translation is blank" in result.output
    assert not (tmp_path / "out" / "fr").exists()


# --- 2. A wrong emergency or clinic number -------------------------------------------------------


@pytest.mark.parametrize(("english", "translation", "expected"), [
    ("call %(emergency)s now.", "appelez le 1%(emergency)s.", "'1%(…)s'"),  # prints 1911
    ("call %(emergency)s now.", "appelez le %(emergency)s1.", "'%(…)s1'"),
    ("call %(emergency)s now.", "appelez le 9111 ou %(emergency)s.", "'9111'"),
    ("Call the clinic at %(phone)s if:", "Appelez au %(phone)s ou au 514 555-0199 si :", "'514', '555', '0199'"),
    ("Wait 48 hours.", "Attendez 48 heures, ou 48 heures.", "'48'"),  # a number the English has once
])
def test_translation_may_not_add_or_change_a_number(english, translation, expected):
    problems = checks.check_numbers(english, translation, "fr")
    assert problems and problems[-1][0] == checks.ERROR, problems
    assert f"prints the number{'s' if ',' in expected else ''} {expected}" in problems[-1][1]


@pytest.mark.parametrize(("english", "translation"), [
    ("call %(emergency)s now.", "appelez le %(emergency)s."),
    ("Wait 48 hours, then 2 days.", "Après 2 jours... attendez 48 heures."),  # order may change
    ("Use SPF 30.", "Utilisez un FPS 30."),
    ("Call 811.", "Appelez le ٨١١."),  # Arabic-Indic digits: the same value (the font check is separate)
    ("50%% off", "50 %% de rabais"),
])
def test_translation_with_the_same_numbers_passes(english, translation):
    assert checks.check_numbers(english, translation, "fr") == []


def test_added_emergency_digit_is_refused_by_check_with_the_catalog_line(project, cli):
    catalog_file = project / CATALOG
    line = msgid_line(catalog_file, replace_in(catalog_file, EMERGENCY, '"appelez le 1%(emergency)s immédiatement."'))
    result = cli("check", "--project", str(project))
    assert result.exit_code == EXIT_INPUT
    assert f"messages.po:{line}: the translation prints the number '1%(…)s'" in result.output


# --- 7. Invisible, direction-changing and undrawable characters -----------------------------------


@pytest.mark.parametrize(("typed", "shown"), [
    ("\u202e", "U+202E (RIGHT-TO-LEFT OVERRIDE)"),  # the character itself, as an editor saves it
    ("\u2066", "U+2066 (LEFT-TO-RIGHT ISOLATE)"),
    ("\u200f", "U+200F (RIGHT-TO-LEFT MARK)"),
    ("\u200b", "U+200B (ZERO WIDTH SPACE)"),
    ("\\x1b[2J", "U+001B"),  # escapes of the .po format
    ("\\a", "U+0007"),
])
def test_invisible_character_in_a_translation_is_refused_by_check_and_build(project, cli, tmp_path, typed, shown):
    catalog_file = project / CATALOG
    number = replace_in(catalog_file, CLINIC, f'msgstr "Appelez la clinique au {typed}%(phone)s si :"')
    line = msgid_line(catalog_file, number)
    result = cli("check", "--project", str(project))
    assert result.exit_code == EXIT_INPUT
    assert f"messages.po:{line}: the translation contains" in result.output and shown in result.output
    assert "\x1b" not in result.output and "\u202e" not in result.output  # never echoed raw
    built = cli("build", "--project", str(project), "--out", str(tmp_path / "out"), "--lang", "fr")
    assert built.exit_code == EXIT_INPUT and f"messages.po:{line}:" in built.output
    assert "no glyph" not in built.output


def test_digits_the_font_cannot_draw_are_refused_at_the_catalog_line(project, cli, tmp_path):
    catalog_file = project / CATALOG
    line = msgid_line(catalog_file, replace_in(catalog_file, EMERGENCY, '"appelez le ٩١١ immédiatement."'))
    for command in (("check",), ("build", "--out", str(tmp_path / "out"), "--lang", "fr")):
        result = cli(*command, "--project", str(project))
        assert result.exit_code == EXIT_INPUT
        assert f"messages.po:{line}: " in result.output
        assert "U+0669 (ARABIC-INDIC DIGIT NINE)" in result.output, result.output


@pytest.mark.parametrize(("phone", "expected"), [
    ('"514 555\u202e-0142"', "U+202E (RIGHT-TO-LEFT OVERRIDE)"),
    ('"٥١٤ ٥٥٥-٠١٤٢"', "U+0665 (ARABIC-INDIC DIGIT FIVE)"),
    ('"514 555\u200b-0142"', "U+200B (ZERO WIDTH SPACE)"),
])
def test_brand_phone_with_invisible_or_foreign_digits_is_refused_at_its_line(project, cli, phone, expected):
    line = replace_in(project / BRAND, '"514 555-0142"', phone)
    result = cli("check", "--project", str(project))
    assert result.exit_code == EXIT_INPUT
    assert f"brand.yaml:{line}: " in result.output and expected in result.output, result.output


def test_brand_name_the_font_cannot_draw_is_refused_at_its_line(project, cli):
    line = replace_in(project / BRAND, '"Clinique Peau Neuve"', '"Clinique Peau Neuve ☤"')
    result = cli("check", "--project", str(project))
    assert result.exit_code == EXIT_INPUT
    assert f"brand.yaml:{line}: name has '☤' U+2624 (CADUCEUS), which the fonts in fonts/ cannot draw" \
        in result.output, result.output


# --- 8. Look-alike letters in the QR address -------------------------------------------------------


@pytest.mark.parametrize("url", ["https://clinique.example/ſoins", "https://clınique.example/soins",
                                 "https://clinique.example/\u212aids"])
def test_qr_address_with_look_alike_letters_is_refused(project, url):
    brand_file = project / "brands" / "studio-rosemont" / "brand.yaml"
    text = brand_file.read_text(encoding="utf-8")
    start = text.index("qr:")
    end = text.index("\n", start)
    brand_file.write_text(text[:start] + f'qr: "{url}"' + text[end:], encoding="utf-8")
    with pytest.raises(HandoutsError) as caught:
        config.load_brand(config.load_project(project), "studio-rosemont")
    assert "qr is" in str(caught.value)


# --- 3. Files outside the project ----------------------------------------------------------------

SECRET = "SECRET-OUTSIDE-THE-PROJECT"


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A folder next to the project, with a file nobody may print."""
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    (folder / "secret.txt").write_text(f'title: "{SECRET}"\n', encoding="utf-8")
    return folder


@pytest.mark.parametrize("brand", ["/etc", "../..", "..", "clinique-demo/../studio-rosemont", "a b"])
def test_brand_on_the_command_line_is_a_folder_name_not_a_path(project, cli, tmp_path, brand):
    result = cli("build", "--project", str(project), "--out", str(tmp_path / "out"), "--brand", brand)
    assert result.exit_code == EXIT_USAGE, result.output
    assert "a brand is the name of a folder in brands/" in result.output
    assert "Traceback" not in result.output and not (tmp_path / "out").exists()


def test_brand_in_the_settings_is_a_folder_name_not_a_path(project, cli, tmp_path):
    line = replace_in(project / "handouts.yaml", 'brand: "clinique-demo"', 'brand: "../.."')
    result = cli("check", "--project", str(project))
    assert result.exit_code == EXIT_INPUT
    assert f"handouts.yaml:{line}: brand is '../..'; a brand is the name of a folder in brands/" in result.output


def test_brand_folder_that_links_outside_is_refused(project, cli, outside):
    shutil.copytree(project / "brands" / "clinique-demo", outside / "clinic")
    (project / "brands" / "linked").symlink_to(outside / "clinic")
    result = cli("check", "--project", str(project))
    assert result.exit_code != 0
    assert "outside" in result.output and "'linked'" in result.output


def test_content_file_that_links_outside_is_refused_and_not_printed(project, cli, outside, tmp_path):
    (project / "content" / "leak.yaml").symlink_to(outside / "secret.txt")
    for command in (("check",), ("list",), ("build", "--out", str(tmp_path / "out"), "--lang", "fr")):
        result = cli(*command, "--project", str(project))
        assert result.exit_code == EXIT_INPUT, result.output
        assert "leak.yaml: is a link to" in result.output and "outside the project folder" in result.output
        assert SECRET not in result.output


def test_template_that_links_outside_is_refused_and_not_printed(project, cli, outside, tmp_path):
    footer = project / "templates" / "partials" / "footer.html"
    footer.unlink()
    footer.symlink_to(outside / "secret.txt")
    for command in (("check",), ("build", "--out", str(tmp_path / "out"), "--lang", "fr")):
        result = cli(*command, "--project", str(project))
        assert result.exit_code == EXIT_INPUT, result.output
        assert "footer.html: is a link to" in result.output
        assert SECRET not in result.output
    assert not (tmp_path / "out" / "fr").exists()


def test_catalog_folder_that_links_outside_is_refused(project, cli, outside, tmp_path):
    shutil.move(project / "locales" / "fr", outside / "fr")
    (project / "locales" / "fr").symlink_to(outside / "fr")
    result = cli("build", "--project", str(project), "--out", str(tmp_path / "out"), "--lang", "fr")
    assert result.exit_code == EXIT_INPUT, result.output
    assert "messages.po: is a link to" in result.output


# --- 4. Special files: a FIFO, /dev/zero -----------------------------------------------------------


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_fifo_named_like_a_content_file_is_refused_not_waited_for(project, tmp_path):
    os.mkfifo(project / "content" / "fifo.yaml")
    for command in (("check",), ("list",), ("build", "--out", str(tmp_path / "out"), "--lang", "fr")):
        result = handouts(*command, cwd=project, timeout=60)  # it used to wait for ever
        assert result.returncode == EXIT_INPUT, result.stderr
        assert "fifo.yaml: is a pipe (FIFO), not a regular content file" in result.stdout + result.stderr


def test_yaml_file_growing_past_its_limit_is_refused_while_read(project):
    (project / "content" / "zero.yaml").symlink_to("/dev/zero")  # outside: refused before a byte is read
    with pytest.raises(HandoutsError, match="zero.yaml: is a link to /dev/zero"):
        from handouts import content

        content.load_handouts(project / "content")
    from handouts.safefile import read_file

    with pytest.raises(HandoutsError, match="is a device, not a regular file"):
        read_file(Path("/dev/zero"), 1000)  # no root: still never read


def test_cache_and_pdfs_that_are_special_files_are_made_again(project, cli, tmp_path):
    out = tmp_path / "out"
    assert cli("build", "--project", str(project), "--out", str(out), "--lang", "fr", "redness").exit_code == 0
    (out / pipeline.CACHE_NAME).unlink()
    (out / pipeline.CACHE_NAME).symlink_to("/dev/zero")
    assert pipeline.read_cache(out) == {}
    (out / pipeline.CACHE_NAME).unlink()
    (out / pipeline.CACHE_NAME).write_text('{"version": 1, "outputs": ' + "[" * 100_000 + "]" * 100_000 + "}")
    assert pipeline.read_cache(out) == {}  # nested too deep: treated as absent, not a traceback
    if hasattr(os, "mkfifo"):
        (out / "fr" / "redness.pdf").unlink()
        os.mkfifo(out / "fr" / "redness.pdf")
    result = handouts("build", "--out", str(out), "--lang", "fr", "redness", cwd=project, timeout=120)
    assert result.returncode == 0, result.stderr
    assert (out / "fr" / "redness.pdf").read_bytes().startswith(b"%PDF")
