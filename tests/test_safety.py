"""Issue 12, "nothing wrong is ever printed, round two": one test per finding of the security review.

Each class is refused where the input is read: what a translation may print (translation_rules.py,
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

from handouts import brand as brand_module
from handouts import build as pipeline
from handouts import cache, catalogs, config, findings, logo, po, pool, publish, translation_rules, workers
from handouts.errors import EXIT_INPUT, EXIT_USAGE, HandoutsError
from handouts.options import BuildOptions

from .conftest import ROOT

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "safety"
CATALOG = Path("locales") / "fr" / "LC_MESSAGES" / "messages.po"
BRAND = Path("brands") / "clinique-demo" / "brand.yaml"
# Messages chosen by their msgid in locales/messages.pot (whatever their French wording is today).
URGENT = "Get help right away: call %(emergency)s now if you have:"  # the red box; prints 911
CLINIC = "Call the clinic the same day at %(phone)s if:"  # the "when to call" box; prints the clinic's number


def replace_in(path: Path, old: str, new: str) -> int:
    """Replace ``old`` once; the line number where it was."""
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return text[: text.index(old)].count("\n") + 1


def _po_string(line: str) -> str:
    """The text of one quoted line of a .po file (``msgid "..."`` or a continuation ``"..."``)."""
    quoted = line[line.index('"'):].strip()
    try:
        return json.loads(quoted)  # the escapes msgids use (quote, backslash, newline) are JSON's too
    except ValueError:
        return quoted[1:-1]  # another escape: not one of the messages looked for


def translate(path: Path, msgid: str, msgstr: str) -> int:
    """Give the (single-form) message ``msgid`` the translation ``msgstr``, typed as it would be in the
    file (escapes included); the line number of its msgid."""
    lines = path.read_text(encoding="utf-8").split("\n")
    for start, line in enumerate(lines):
        if not line.startswith("msgid "):
            continue
        end = start + 1
        while end < len(lines) and lines[end].startswith('"'):
            end += 1
        if "".join(_po_string(part) for part in lines[start:end]) != msgid:
            continue
        assert lines[end].startswith("msgstr "), lines[end]
        stop = end + 1
        while stop < len(lines) and lines[stop].startswith('"'):
            stop += 1
        lines[end:stop] = [f'msgstr "{msgstr}"']
        path.write_text("\n".join(lines), encoding="utf-8")
        return start + 1
    raise AssertionError(f"no msgid {msgid!r} in {path}")


def sheets(*args: str, cwd: Path, timeout: float = 60, **kwargs) -> subprocess.CompletedProcess:
    """The real command in its own process (a hang ends the test instead of the suite)."""
    return subprocess.run([sys.executable, "-m", "handouts", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=timeout, **kwargs)


# --- 1. An item can print blank ------------------------------------------------------------------


@pytest.mark.parametrize("blank", ["   ", "\u200b", " \u2060 "])
def test_blank_translation_is_refused_by_check_and_not_counted_translated(project, cli, blank):
    catalog_file = project / CATALOG
    line = translate(catalog_file, URGENT, blank)
    result = cli("check", "--project", str(project))
    assert result.exit_code == EXIT_INPUT, result.output
    assert f"messages.po:{line}: the translation is blank" in result.output
    catalog = po.read_po(catalog_file, "fr")
    entry = catalog.get(URGENT)
    assert not entry.translated  # so 'i18n status' and completeness agree: not translated
    template = po.read_po(project / "locales" / "messages.pot")
    done, _, total = catalogs.completeness(catalog, template)
    assert done == total - 1
    status = cli("i18n", "status", "--strict", "--project", str(project))
    assert status.exit_code == 1 and f"({total - 1} of {total}), 0 fuzzy, 1 untranslated" in status.output
    assert catalogs.Translator("fr", catalog).gettext(URGENT) == URGENT


def test_blank_translation_stops_the_build_with_its_line(project, cli, tmp_path):
    catalog_file = project / CATALOG
    line = translate(catalog_file, URGENT, " ")
    result = cli("build", "--project", str(project), "--out", str(tmp_path / "out"), "--lang", "fr")
    assert result.exit_code == EXIT_INPUT
    assert f"messages.po:{line}: the translation is blank" in result.output
    assert not (tmp_path / "out" / "fr").exists()
    # Every language: French (and the fr+en pair printed from it) fails alone, the others are written.
    out = tmp_path / "every"
    result = cli("build", "--project", str(project), "--out", str(out), "redness")
    assert result.exit_code == EXIT_INPUT, result.output
    assert f"messages.po:{line}: the translation is blank" in result.output
    assert "Traceback" not in result.output
    assert not list(out.glob("fr/*.pdf")) and not list(out.glob("fr+en/*.pdf"))
    assert (out / "en" / "redness.pdf").read_bytes().startswith(b"%PDF")


# --- 2. A wrong emergency or clinic number -------------------------------------------------------


@pytest.mark.parametrize(("english", "translation", "expected"), [
    ("call %(emergency)s now.", "appelez le 1%(emergency)s.", "'1%(…)s'"),  # prints 1911
    ("call %(emergency)s now.", "appelez le %(emergency)s1.", "'%(…)s1'"),
    ("call %(emergency)s now.", "appelez le 9111 ou %(emergency)s.", "'9111'"),
    ("Call the clinic at %(phone)s if:", "Appelez au %(phone)s ou au 514 555-0199 si :", "'514', '555', '0199'"),
    ("Wait 48 hours.", "Attendez 48 heures, ou 48 heures.", "'48'"),  # a number the English has once
])
def test_translation_may_not_add_or_change_a_number(english, translation, expected):
    problems = translation_rules.check_numbers(english, translation, "fr")
    assert problems and problems[-1][0] == findings.ERROR, problems
    assert f"prints the number{'s' if ',' in expected else ''} {expected}" in problems[-1][1]


@pytest.mark.parametrize(("english", "translation"), [
    ("call %(emergency)s now.", "appelez le %(emergency)s."),
    ("Wait 48 hours, then 2 days.", "Après 2 jours... attendez 48 heures."),  # order may change
    ("Use SPF 30.", "Utilisez un FPS 30."),
    ("Call 811.", "Appelez le ٨١١."),  # Arabic-Indic digits: the same value (the font check is separate)
    ("50%% off", "50 %% de rabais"),
])
def test_translation_with_the_same_numbers_passes(english, translation):
    assert translation_rules.check_numbers(english, translation, "fr") == []


def test_added_emergency_digit_is_refused_by_check_with_the_catalog_line(project, cli):
    catalog_file = project / CATALOG
    line = translate(catalog_file, URGENT, "Urgence : composez le 1%(emergency)s si vous avez :")
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
    line = translate(catalog_file, CLINIC, f"Le jour même, appelez le {typed}%(phone)s si :")
    result = cli("check", "--project", str(project))
    assert result.exit_code == EXIT_INPUT
    assert f"messages.po:{line}: the translation contains" in result.output and shown in result.output
    assert "\x1b" not in result.output and "\u202e" not in result.output  # never echoed raw
    built = cli("build", "--project", str(project), "--out", str(tmp_path / "out"), "--lang", "fr")
    assert built.exit_code == EXIT_INPUT and f"messages.po:{line}:" in built.output
    assert "no glyph" not in built.output
    assert not list((tmp_path / "out").glob("fr/*.pdf"))


def test_digits_the_font_cannot_draw_are_refused_at_the_catalog_line(project, cli, tmp_path):
    catalog_file = project / CATALOG
    # Devanagari digits: no declared font has them (Arabic-Indic digits are drawn by Noto Sans Arabic now).
    line = translate(catalog_file, URGENT, "Urgence : composez le ९११ si vous avez :")
    for command in (("check",), ("build", "--out", str(tmp_path / "out"), "--lang", "fr")):
        result = cli(*command, "--project", str(project))
        assert result.exit_code == EXIT_INPUT
        assert f"messages.po:{line}: " in result.output
        assert "U+096F (DEVANAGARI DIGIT NINE)" in result.output, result.output
    assert not list((tmp_path / "out").glob("fr/*.pdf"))


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
    assert f"brand.yaml:{line}: name has '☤' U+2624 (CADUCEUS), which no font declared in " \
           "templates/css/fonts.css can draw" in result.output, result.output


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
        brand_module.load_brand(config.load_project(project), "studio-rosemont")
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
    assert "the brand folder 'linked' is a link to" in result.output and "outside" in result.output
    replace_in(project / "handouts.yaml", 'brand: "clinique-demo"', 'brand: "linked"')
    result = cli("build", "--project", str(project), "--lang", "fr")
    assert result.exit_code == EXIT_INPUT, result.output
    assert "handouts.yaml: the brand folder 'linked' is a link to" in result.output


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
        result = sheets(*command, cwd=project, timeout=60)  # it used to wait for ever
        assert result.returncode == EXIT_INPUT, result.stderr
        assert "fifo.yaml: is a pipe (FIFO), not a regular content file" in result.stdout + result.stderr


def test_yaml_file_growing_past_its_limit_is_refused_while_read(project):
    (project / "content" / "zero.yaml").symlink_to("/dev/zero")  # outside: refused before a byte is read
    with pytest.raises(HandoutsError, match="zero.yaml: is a link to /dev/zero"):
        from handouts import content

        content.load_sheets(project / "content")
    from handouts.safefile import read_file

    with pytest.raises(HandoutsError, match="is a device, not a regular file"):
        read_file(Path("/dev/zero"), 1000)  # no root: still never read


def test_cache_and_pdfs_that_are_special_files_are_made_again(project, cli, tmp_path):
    out = tmp_path / "out"
    assert cli("build", "--project", str(project), "--out", str(out), "--lang", "fr", "redness").exit_code == 0
    (out / cache.CACHE_NAME).unlink()
    (out / cache.CACHE_NAME).symlink_to("/dev/zero")
    assert cache.read_cache(out) == {}
    (out / cache.CACHE_NAME).unlink()
    (out / cache.CACHE_NAME).write_text('{"version": 1, "outputs": ' + "[" * 100_000 + "]" * 100_000 + "}")
    assert cache.read_cache(out) == {}  # nested too deep: treated as absent, not a traceback
    if hasattr(os, "mkfifo"):
        (out / "fr" / "redness.pdf").unlink()
        os.mkfifo(out / "fr" / "redness.pdf")
    result = sheets("build", "--out", str(out), "--lang", "fr", "redness", cwd=project, timeout=120)
    assert result.returncode == 0, result.stderr
    assert (out / "fr" / "redness.pdf").read_bytes().startswith(b"%PDF")


# --- 5. What a render may cost: the logo by its content, the time, the memory ---------------------


def png(width: int, height: int, *chunks: tuple[bytes, bytes]) -> bytes:
    """A PNG of one grey pixel row per line (tiny when compressed), with extra chunks before the image."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return len(body).to_bytes(4, "big") + kind + body + zlib.crc32(kind + body).to_bytes(4, "big")

    header = width.to_bytes(4, "big") + height.to_bytes(4, "big") + bytes([8, 0, 0, 0, 0])
    pixels = zlib.compress(b"".join(b"\0" + b"\x80" * width for _ in range(min(height, 64))), 9)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + b"".join(chunk(k, b) for k, b in chunks)
            + chunk(b"IDAT", pixels) + chunk(b"IEND", b""))


def logo_problems(project: Path, name: str, data: bytes) -> str:
    folder = project / "brands" / "clinique-demo"
    (folder / name).write_bytes(data)
    replace_in(folder / "brand.yaml", '"logo.svg"', f'"{name}"')
    with pytest.raises(HandoutsError) as caught:
        brand_module.load_brand(config.load_project(project))
    return str(caught.value)


def test_png_named_svg_is_judged_by_its_content(project):
    found = logo_problems(project, "logo.svg", png(13000, 13000))
    assert "brand.yaml:5: the logo 'logo.svg' is a PNG image with an .svg name" in found


BOMB = zlib.compress(b"\0" * 50_000_000, 9)  # 50 MB of zeros in about 50 kB


@pytest.mark.parametrize("kind", [b"zTXt", b"iCCP", b"iTXt"])
def test_png_with_a_chunk_that_inflates_hugely_is_refused_without_inflating_it(project, kind):
    body = {b"zTXt": b"Comment\0\0", b"iCCP": b"icc\0\0", b"iTXt": b"Comment\0\1\0en\0Comment\0"}[kind] + BOMB
    found = logo_problems(project, "logo.png", png(10, 10, (kind, body)))
    assert f"the logo 'logo.png' has a {kind.decode()} chunk (text or colour profile) that inflates to more " \
           "than 64 kB" in found


def test_small_png_with_text_chunks_is_accepted(project):
    logo = png(40, 20, (b"tEXt", b"Software\0test"), (b"zTXt", b"Comment\0\0" + zlib.compress(b"a logo")))
    (project / "brands" / "clinique-demo" / "logo.png").write_bytes(logo)
    replace_in(project / BRAND, '"logo.svg"', '"logo.png"')
    assert brand_module.load_brand(config.load_project(project)).logo.name == "logo.png"


def svg(body: str) -> bytes:
    return f'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" ' \
           f'viewBox="0 0 10 10">{body}</svg>'.encode()


FAN_OUT = "".join(
    f'<g id="l{level}">' + f'<use xlink:href="#l{level - 1}"/>' * 10 + "</g>" for level in range(1, 6))


@pytest.mark.parametrize(("body", "expected"), [
    ("<g/>" * 490_000, "has more than 5,000 elements"),  # 2 MB: 42 s per PDF before
    ("<g>" * 40 + "</g>" * 40, "nests its elements more than 32 levels deep"),
    ('<rect id="l0" width="1" height="1"/>' + FAN_OUT, "draws more than 10,000 shapes once its <use> copies"),
    ('<g id="a"><use href="#a"/></g>', "has a <use> that copies itself"),
    ("<g><rect></g>", "is not a readable SVG image (mismatched tag at its line 1)"),
])
def test_svg_logo_too_costly_or_broken_is_refused_before_rendering(project, body, expected):
    started = time.monotonic()
    found = logo_problems(project, "logo.svg", svg(body))
    assert f"brand.yaml:5: the logo 'logo.svg' {expected}" in found, found
    assert time.monotonic() - started < 20  # refused by counting, not by drawing


def test_svg_logo_with_a_doctype_is_refused():
    assert "DOCTYPE" in logo.check_svg(b'<!DOCTYPE svg [<!ENTITY a "b">]><svg xmlns="http://www.w3.org/2000/svg"/>')
    assert "not an SVG image" in logo.check_svg(b"<html/>")
    assert logo.check_svg((ROOT / "brands" / "clinique-demo" / "logo.svg").read_bytes()) is None


SWALLOW = """
import sys, time
from handouts import workers
from handouts.errors import HandoutsError
try:
    with workers.time_limit(0.3, "sheet"):
        while True:  # a library that swallows every error, even BaseException once
            try:
                time.sleep(0.01)
            except Exception:
                pass
            except BaseException:
                if globals().setdefault("swallowed", 0):
                    raise
                globals()["swallowed"] = 1
except HandoutsError as err:
    print(err)
    sys.exit(7)
"""


@pytest.mark.skipif(not hasattr(signal, "setitimer"), reason="the time limit needs SIGALRM")
def test_time_limit_cannot_be_swallowed_by_a_library():
    result = subprocess.run([sys.executable, "-c", SWALLOW], capture_output=True, text=True, timeout=60,
                            cwd=ROOT)
    assert result.returncode == 7, result.stderr
    assert "sheet: stopped after 0.3 s" in result.stdout


def _stuck(task, thumbnails):  # a renderer stuck in a call that never returns
    time.sleep(3600)


_stuck.__module__, _stuck.__qualname__ = "handouts.workers", "make_pdf"


def test_the_parent_stops_workers_past_the_build_deadline(project, tmp_path, monkeypatch):
    monkeypatch.setattr(pool, "START_METHOD", "fork")  # workers forked from this process see the stuck renderer
    monkeypatch.setattr(workers, "make_pdf", _stuck)
    monkeypatch.setattr(workers, "build_seconds", lambda pdfs, jobs: 3.0)
    with pytest.raises(HandoutsError, match=r"the build was stopped after 3 s \(2 PDFs"):
        pipeline.build(BuildOptions(project, ("fr",), ("redness", "dryness"), tmp_path / "out", jobs=2))
    assert not (tmp_path / "out" / "fr").exists()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="RLIMIT_AS is enforced on Linux")
def test_a_render_process_memory_is_capped():
    with workers.memory_limit(256 << 20):
        assert len(bytearray(64 << 20)) == 64 << 20
        with pytest.raises(MemoryError):
            bytearray(512 << 20)
    assert len(bytearray(600 << 20)) == 600 << 20  # given back afterwards


# --- 6. Tracebacks instead of file:line, and exit codes ------------------------------------------


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_output_to_a_full_device_is_a_message_and_exit_4(project):
    with open("/dev/full", "w") as full:
        result = subprocess.run([sys.executable, "-m", "handouts", "list"], cwd=project, stdout=full,
                                stderr=subprocess.PIPE, text=True, timeout=60)
    assert result.returncode == 4, result.stderr
    assert "cannot write the output (No space left on device)" in result.stderr
    assert "Traceback" not in result.stderr and "Exception ignored" not in result.stderr


@pytest.mark.skipif(sys.platform == "win32", reason="Ctrl-C is a console event on Windows")
@pytest.mark.parametrize("imports", [0, 3, 15, 40])
def test_ctrl_c_while_the_command_starts_exits_130_without_a_traceback(project, imports):
    # Python reports each module it has imported (-X importtime): Ctrl-C is sent once the handouts
    # package is in, then after ``imports`` more modules (Click, the pipeline, Babel...). Before that
    # moment Python itself is starting, which no program can change.
    process = subprocess.Popen([sys.executable, "-X", "importtime", "-m", "handouts", "check"], cwd=project,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert process.stderr is not None
    seen, after = [], None
    for line in process.stderr:
        seen.append(line)
        if after is None and line.rstrip().endswith("| handouts"):
            after = 0
        elif after is not None:
            after += 1
        if after is not None and after >= imports:
            process.send_signal(signal.SIGINT)
            break
    _, rest = process.communicate(timeout=60)
    stderr = "".join(seen) + rest
    assert after is not None, stderr
    assert "Traceback" not in stderr and "Aborted" not in stderr, stderr
    assert process.returncode == 130, stderr[-2000:]


def test_watch_survives_a_swap_file_that_vanishes_while_it_is_read(project, monkeypatch):
    folder = project / "brands" / "clinique-demo"
    before = cache.fingerprint_inputs((folder,))
    ghost = folder / ".brand.yaml.swp"  # listed, then deleted by the editor before it is read
    real_is_file, real_rglob = Path.is_file, Path.rglob
    monkeypatch.setattr(Path, "rglob", lambda self, pattern: iter([*real_rglob(self, pattern), ghost]))
    monkeypatch.setattr(Path, "is_file", lambda self: self == ghost or real_is_file(self))
    assert cache.fingerprint_inputs((folder,)) == before


# --- 8. Smaller findings -------------------------------------------------------------------------


@pytest.mark.parametrize("inside", ["templates/out", "brands/clinique-demo/pdf", "content/pdf"])
def test_output_folder_among_the_inputs_is_refused(project, cli, inside):
    result = cli("build", "--project", str(project), "--out", str(project / inside), "--lang", "fr")
    assert result.exit_code == EXIT_USAGE, result.output
    assert f"is inside {inside.split('/')[0]}/, among the files the sheets are made from" in result.output
    assert not (project / inside).exists()


def test_dangling_link_at_the_lock_path_is_refused_not_followed(project, cli, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    target = tmp_path / "created-outside"
    (out / publish.LOCK_NAME).symlink_to(target)
    result = cli("build", "--project", str(project), "--out", str(out), "--lang", "fr", "redness")
    assert result.exit_code == 4, result.output
    assert ".handouts.lock in the output folder is a symbolic link; delete it" in result.output
    assert not target.exists()


def test_cache_forgets_pdfs_that_are_gone(project, cli, tmp_path):
    out = tmp_path / "out"
    assert cli("build", "--project", str(project), "--out", str(out), "--lang", "fr", "redness").exit_code == 0
    (out / "fr" / "redness.pdf").unlink()
    stale = json.loads((out / cache.CACHE_NAME).read_text())
    stale["outputs"]["../../etc/passwd"] = {"key": "x", "sha256": "y"}
    (out / cache.CACHE_NAME).write_text(json.dumps(stale))
    assert cli("build", "--project", str(project), "--out", str(out), "--lang", "fr", "dryness").exit_code == 0
    assert set(json.loads((out / cache.CACHE_NAME).read_text())["outputs"]) == {"fr/dryness.pdf"}


# --- 3 and 4, seen from the system: no file outside the project is opened --------------------------


@pytest.mark.skipif(shutil.which("strace") is None, reason="needs strace (apt-get install strace)")
def test_no_file_outside_the_project_is_opened(project, outside, tmp_path):
    (project / "content" / "leak.yaml").symlink_to(outside / "secret.txt")
    footer = project / "templates" / "partials" / "footer.html"
    footer.unlink()
    footer.symlink_to(outside / "secret.txt")
    shutil.copytree(project / "brands" / "clinique-demo", outside / "clinic")
    (project / "brands" / "linked").symlink_to(outside / "clinic")
    (project / "brands" / "clinique-demo" / "extra.css").symlink_to(outside / "secret.txt")
    trace = tmp_path / "trace.txt"
    for command in (["check"], ["build", "--lang", "fr", "--out", str(tmp_path / "out")],
                    ["build", "--brand", "linked", "--out", str(tmp_path / "out")]):
        # -y: each opened file descriptor is shown with the path it really is, links resolved.
        result = subprocess.run(["strace", "-f", "-y", "-e", "trace=open,openat,openat2", "-o", str(trace),
                                 sys.executable, "-m", "handouts", *command], cwd=project, capture_output=True,
                                text=True, timeout=120)
        if "ptrace" in result.stderr and result.returncode != 0 and not trace.stat().st_size:
            pytest.skip("strace cannot trace here (no ptrace)")
        assert result.returncode in (EXIT_INPUT, EXIT_USAGE), result.stderr
        opened = [line for line in trace.read_text().splitlines() if str(outside) in line]
        assert opened == [], (command, opened[:5])
        assert SECRET not in result.stdout + result.stderr


def test_svg_logo_that_weasyprint_cannot_draw_names_the_file_and_a_reason(project, cli, tmp_path):
    logo = project / "brands" / "clinique-demo" / "logo.svg"
    logo.write_bytes(svg('<rect width="5" height="5" transform="rotate(x)"/>'))  # passes the checks
    result = cli("build", "--project", str(project), "--out", str(tmp_path / "out"), "--lang", "fr", "redness")
    assert result.exit_code == EXIT_INPUT
    assert "logo.svg: redness (fr): WeasyPrint could not draw this image (Failed to render SVG image)" \
        in result.output, result.output
    assert "()" not in result.output


@pytest.mark.parametrize("folder", ["templates", "fonts", "content"])
def test_project_folder_that_links_outside_is_refused(project, cli, outside, folder):
    shutil.move(project / folder, outside / folder)
    (project / folder).symlink_to(outside / folder)
    result = cli("check", "--project", str(project))
    assert result.exit_code == EXIT_INPUT, result.output
    assert f"{folder}: {folder}/ is a link to {outside / folder}, outside the project folder" in result.output
