"""Hostile and broken input, through the real command line in real processes.

Each test runs ``python -m handouts build`` on a copy of the project, with --out in the
test's own folder, and checks what a person would notice: the exit code, a message naming
the file to fix (never a traceback), and the PDFs on disk (each one complete, readable,
one page, of one build only).

Figures behind the limits (WeasyPrint 70, 2 cores) are in ``handouts/workers.py``.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pypdf
import pytest

from handouts import fonts, lengths, pool, workers
from handouts.errors import EXIT_ENVIRONMENT, EXIT_INPUT, EXIT_OUTPUT, HandoutsError
from handouts.pdf import INSTALL_HINT
from handouts.publish import LOCK_NAME, TEMP_PREFIX

from .conftest import ROOT, processes

STUBS = Path(__file__).resolve().parent / "fixtures" / "robustness"
BOUND = 30.0  # seconds any build may take here, however hostile its input; a normal one takes 1 to 2 s
CATALOG = Path("locales/fr/LC_MESSAGES/messages.po")
AVOID_FR = 'msgstr "Ne frottez pas votre visage et n\'utilisez pas d\'exfoliant."'  # redness, What to avoid, item 1


# ---------------------------------------------------------------- running the command line


@dataclass
class Run:
    code: int | None  # None: still running at the deadline (then killed)
    out: str
    err: str
    seconds: float

    def __str__(self) -> str:
        return (f"exit {self.code} after {self.seconds:.1f} s\n"
                f"--- stdout\n{self.out[-2000:]}\n--- stderr\n{self.err[-3000:]}")


class Build:
    """One ``python -m handouts`` process in a session of its own, its output in files.

    Files, not pipes: worker processes that outlive a killed build would keep a pipe
    open, and reading it would never end. Every process of the session is killed at the
    end, by its group id (the id of the process started here).
    """

    def __init__(self, project: Path, *args: str, env: dict[str, str] | None = None, logs: Path | None = None):
        logs = logs or project.parent
        stamp = f"{time.monotonic_ns()}"
        self.out_path, self.err_path = logs / f"stdout-{stamp}.txt", logs / f"stderr-{stamp}.txt"
        environment = {**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})}
        with open(self.out_path, "wb") as out, open(self.err_path, "wb") as err:
            self.started = time.monotonic()
            self.process = subprocess.Popen(
                [sys.executable, "-m", "handouts", *args], cwd=project, stdout=out, stderr=err,
                stdin=subprocess.DEVNULL, env=environment, start_new_session=True,
            )

    @property
    def err(self) -> str:
        return self.err_path.read_text(errors="replace")

    def kill(self) -> None:
        """kill -9 of the build itself (its workers, if any, are left to fend for themselves)."""
        self.process.kill()

    def wait(self, timeout: float = BOUND) -> Run:
        try:
            code: int | None = self.process.wait(timeout=max(0.0, self.started + timeout - time.monotonic()))
        except subprocess.TimeoutExpired:
            code = None
        finally:
            self.kill_session()
        return Run(code, self.out_path.read_text(errors="replace"), self.err, time.monotonic() - self.started)

    def kill_session(self) -> None:
        self.process.kill()
        self.process.wait()
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGKILL)


def handouts(project: Path, *args: str, env: dict[str, str] | None = None, timeout: float = BOUND) -> Run:
    return Build(project, *args, env=env).wait(timeout)


def session_survivors(pgid: int) -> list[int]:
    """Live processes (not zombies) of a process group, from /proc."""
    return [pid for pid, state, _, group in processes() if group == pgid and state != "Z"]


# ---------------------------------------------------------------- what is on disk


def pdfs(out: Path) -> list[Path]:
    return sorted(out.rglob("*.pdf"))


def temporaries(out: Path) -> list[Path]:
    return sorted(out.rglob(f"{TEMP_PREFIX}*"))


def snapshot(out: Path) -> dict[Path, bytes]:
    return {path: path.read_bytes() for path in pdfs(out)}


def read_pdf(path: Path) -> pypdf.PdfReader:
    """A complete PDF: it ends like one, pypdf reads it strictly, and it has text to read."""
    data = path.read_bytes()
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF"), f"{path} is truncated"
    reader = pypdf.PdfReader(path, strict=True)
    assert reader.pages, f"{path} has no page"
    return reader


def page_text(path: Path) -> str:
    reader = read_pdf(path)
    assert len(reader.pages) == 1, f"{path} has {len(reader.pages)} pages"
    return " ".join(reader.pages[0].extract_text().split())


def assert_no_traceback(run: Run) -> None:
    assert "Traceback" not in run.err + run.out, str(run)


def set_title(project: Path, sheet: str, title: str) -> None:
    path = project / "content" / f"{sheet}.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(re.sub(r'(?m)^title: ".*"$', f'title: "{title}"', text, count=1), encoding="utf-8")


def replace_in(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


# ---------------------------------------------------------------- 1. kill -9 in the middle of a build

SHEETS = {"redness": "Redness after microneedling", "dryness": "Dry skin after microneedling"}
WORDS = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliet"]
KILL_ARGS = ("build", "--lang", "en", "--lang", "fr", "--jobs", "2", *SHEETS)


def titles_of(word: str) -> dict[str, str]:
    return {sheet: f"{title} {word}" for sheet, title in SHEETS.items()}


def test_kill_9_at_any_moment_leaves_only_complete_pdfs_and_the_next_build_cleans_up(project, tmp_path):
    """A build killed at any point (during start-up, rendering, or publishing) leaves each PDF as it was
    or complete and new, never a mix or a truncated file; and the next build works and removes the
    temporaries it left."""
    out = tmp_path / "out"
    for sheet, title in titles_of(WORDS[0]).items():
        set_title(project, sheet, title)
    first = handouts(project, *KILL_ARGS, "--out", str(out))
    assert first.code == 0, str(first)
    normal = first.seconds
    on_disk = {path: titles_of(WORDS[0])[path.stem] for path in pdfs(out)}  # (French prints the English title)
    assert len(on_disk) == 4

    # The moments that matter: while the workers render (half the normal build time), right after
    # the last progress line (the checks and the publishing start), 8 ms after the first temporary
    # file appears (writing the temporaries takes about 18 ms here: 5 files, each synced to
    # disk), and as soon as a previous PDF is kept aside (renaming). (Killed at start-up, before
    # any of these, a build has written nothing: test_after_a_build_is_killed... covers the next build.)
    points: list[float | str] = [0.5 * normal, "after the last progress line",
                                 "8 ms after the first temporary file", "at the first renaming"]
    for word, point in zip(WORDS[1:], points, strict=False):
        new = titles_of(word)
        for sheet, title in new.items():
            set_title(project, sheet, title)
        left_before = entries(out)  # temporaries an earlier kill left: not this build's
        build = Build(project, *KILL_ARGS, "--out", str(out), logs=tmp_path)
        try:
            if point == "after the last progress line":
                wait_for(build, printed(build, "[4/4] rendered"))
            elif point == "8 ms after the first temporary file":
                wait_for(build, appeared(out, left_before, lambda name: name.startswith(TEMP_PREFIX)))
                time.sleep(0.008)
            elif point == "at the first renaming":
                wait_for(build, appeared(out, left_before, lambda name: name.endswith(".previous")))
            else:
                time.sleep(float(point))
            # The renames take about a millisecond: on a busy machine the build may be done before the
            # poll sees the first one. The PDFs are then checked all the same (old or new, never a mix).
            if isinstance(point, str) and point != "at the first renaming":
                assert build.process.poll() is None, f"the build ended before it could be killed {point}"
            build.kill()
            build.process.wait()
            deadline = time.monotonic() + 3
            while (left := session_survivors(build.process.pid)) and time.monotonic() < deadline:
                time.sleep(0.05)
            assert not left, (
                f"killed at {point}: {len(left)} worker process(es) of the killed build are still running, "
                f"holding {LOCK_NAME}: every later build into this folder is refused with exit 4 "
                "('another build is writing') until someone kills them."
            )
        finally:
            build.kill_session()
        for path, old_title in on_disk.items():
            text = page_text(path)
            new_title = new[path.stem]
            found = [title for title in (old_title, new_title) if title in text]
            assert len(found) == 1, f"killed at {point}: {path} shows {found or 'neither title'}: {text[:200]!r}"
            on_disk[path] = found[0]

    final = handouts(project, *KILL_ARGS, "--out", str(out))
    assert final.code == 0, str(final)
    assert temporaries(out) == [], f"the next build left what a killed one left behind\n{final}"
    assert {path: page_text(path) for path in pdfs(out)}.keys() == on_disk.keys()
    assert all(new[path.stem] in page_text(path) for path in pdfs(out))


def test_the_next_build_removes_what_a_killed_build_left_even_with_nothing_to_render(project, tmp_path):
    """Killed after its last rename but before its clean-up, a build leaves new PDFs and a new cache, so
    the next build has nothing to render; it must still remove the temporaries (found by the test above,
    which hits this moment only now and then)."""
    out = tmp_path / "out"
    first = handouts(project, "build", "--lang", "fr", "redness", "--out", str(out))
    assert first.code == 0, str(first)
    left = [out / "fr" / f"{TEMP_PREFIX}redness.pdf.previous", out / f"{TEMP_PREFIX}.handouts-cache.json.previous",
            out / "fr" / f"{TEMP_PREFIX}k1ll3d.part"]
    for path in left:
        path.write_bytes(b"%PDF-1.7 what the killed build left")
    again = handouts(project, "build", "--lang", "fr", "redness", "--out", str(out))
    assert again.code == 0, str(again)
    assert temporaries(out) == [], str(again)
    assert "Rougeurs" in page_text(out / "fr" / "redness.pdf")


def entries(out: Path) -> set[tuple[str, int]]:
    """(name, inode) of everything in the output folder and its edition folders; cheap enough to poll."""
    found = set()
    for folder in (out, out / "en", out / "fr"):
        try:
            with os.scandir(folder) as listing:
                found |= {(entry.name, entry.inode()) for entry in listing}
        except FileNotFoundError:
            pass
    return found


def printed(build: Build, text: str) -> Callable[[], bool]:
    return lambda: text in build.err


def appeared(out: Path, before: set[tuple[str, int]], match: Callable[[str], bool]) -> Callable[[], bool]:
    """Whether a new entry (not in ``before``) whose name ``match``es is in the output folder now."""
    return lambda: any(match(name) for name, _ in entries(out) - before)


def wait_for(build: Build, condition) -> None:  # type: ignore[no-untyped-def]
    """Poll as fast as possible until ``condition()`` holds or the build has ended."""
    deadline = time.monotonic() + BOUND
    while not condition() and build.process.poll() is None and time.monotonic() < deadline:
        pass


def test_after_a_build_is_killed_the_next_build_is_not_refused(project, tmp_path):
    """What staff see after a killed build (closed laptop lid, out-of-memory killer): the next build works."""
    out = tmp_path / "out"
    build = Build(project, "build", "--jobs", "2", "--out", str(out), logs=tmp_path)
    try:
        while "rendered" not in build.err and build.process.poll() is None:  # the workers are busy now
            time.sleep(0.002)
        build.kill()
        build.process.wait()
        deadline = time.monotonic() + 3  # its workers follow it (they hold the folder's lock until then)
        while session_survivors(build.process.pid) and time.monotonic() < deadline:
            time.sleep(0.01)
        again = handouts(project, "build", "--lang", "fr", "redness", "--out", str(out), timeout=BOUND)
    finally:
        build.kill_session()
    assert again.code == 0, str(again)
    assert temporaries(out) == []
    assert "Rougeurs" in page_text(out / "fr" / "redness.pdf")


# ---------------------------------------------------------------- 2. two builds into one folder


def test_a_build_while_another_holds_the_folder_exits_4_and_changes_nothing(project, tmp_path):
    out = tmp_path / "out"
    first = handouts(project, "build", "--lang", "fr", "redness", "--out", str(out))
    assert first.code == 0, str(first)
    before = snapshot(out)
    with open(out / LOCK_NAME, "a+b") as held:
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)  # another build, busy writing
        second = handouts(project, "build", "--force", "--lang", "fr", "--out", str(out))
    assert second.code == EXIT_OUTPUT, str(second)
    assert "another build is writing into this folder" in second.err
    assert str(out) in second.err
    assert_no_traceback(second)
    assert snapshot(out) == before
    assert temporaries(out) == []
    third = handouts(project, "build", "--force", "--lang", "fr", "--out", str(out))  # once it is done: works
    assert third.code == 0, str(third)


def test_two_builds_at_once_one_writes_the_other_exits_4_and_no_pdf_mixes_them(project, tmp_path):
    """Two real processes: one on letter paper, one on A4, so every PDF says which build made it."""
    out = tmp_path / "out"
    sizes = {"letter": (612, 792), "a4": (595, 842)}
    overlapped = 0
    for _attempt in range(4):
        builds = {paper: Build(project, "build", "--force", "--paper", paper, "--lang", "en", "--lang", "fr",
                               "--out", str(out), logs=tmp_path) for paper in sizes}
        runs = {paper: build.wait() for paper, build in builds.items()}
        codes = sorted(run.code for run in runs.values())
        assert codes in ([0, 0], [0, EXIT_OUTPUT]), "\n".join(map(str, runs.values()))
        for run in runs.values():
            assert_no_traceback(run)
            if run.code == EXIT_OUTPUT:
                assert "another build is writing into this folder right now" in run.err, str(run)
        found = set()
        for path in pdfs(out):
            box = read_pdf(path).pages[0].mediabox
            found.add((round(float(box.width)), round(float(box.height))))
            assert len(read_pdf(path).pages) == 1
        assert len(pdfs(out)) == 18  # 9 sheets, 2 languages
        assert temporaries(out) == []
        if codes == [0, EXIT_OUTPUT]:
            overlapped += 1
            winner = next(paper for paper, run in runs.items() if run.code == 0)
            assert found == {sizes[winner]}, f"the folder mixes two builds: {found}"
        else:
            assert len(found) == 1, f"the folder mixes two builds: {found}"
        if overlapped:
            break
    assert overlapped, "the two builds never ran at the same time; nothing was tested"


# ---------------------------------------------------------------- 3. WeasyPrint missing or too old


@pytest.mark.parametrize(
    ("stub", "expected"),
    [
        ("pango-missing", ["cannot load library 'libpango-1.0-0'", INSTALL_HINT]),
        ("import-error", ["No module named 'cffi'", INSTALL_HINT]),
        ("too-old", ["WeasyPrint 52.5 is too old", "pip install --upgrade 'weasyprint>=70'"]),
        ("pango-too-old", ["Pango 1.42.4 is too old", INSTALL_HINT]),
    ],
)
def test_weasyprint_that_cannot_start_gives_exit_3_and_how_to_install_it(project, tmp_path, stub, expected):
    out = tmp_path / "out"
    paths = [str(STUBS / stub), *filter(None, [os.environ.get("PYTHONPATH")])]
    env = {"PYTHONPATH": os.pathsep.join(paths)}
    probe = subprocess.run([sys.executable, "-c", "import weasyprint; print(weasyprint.__version__)"],
                           env={**os.environ, **env}, capture_output=True, text=True, timeout=BOUND)
    if stub in ("too-old", "pango-too-old"):  # the stub is the one imported
        assert probe.stdout.strip() == {"too-old": "52.5", "pango-too-old": "70.0"}[stub], probe
    else:
        assert probe.returncode != 0 and expected[0] in probe.stderr, probe
    for jobs in ("1", "2"):
        run = handouts(project, "build", "--jobs", jobs, "--out", str(out), env=env)
        assert run.code == EXIT_ENVIRONMENT, str(run)
        for text in expected:
            assert text in run.err, str(run)
        assert_no_traceback(run)
        assert pdfs(out) == []
    checked = handouts(project, "check", env=env)  # translators can still check their work
    assert checked.code == 0, str(checked)


# ---------------------------------------------------------------- 4. no attachment in any PDF

# Without quotes too: French typography turns "..." into « ... », which would spoil the markup anyway.
# The last two name files inside the folders the URL fetcher serves: only escaping stops them.
HOSTILE = [
    '<link rel="attachment" href="file:///etc/passwd">',
    "<a rel=attachment href=../brands/clinique-demo/brand.yaml>brand</a>",
    "<link rel=attachment href=../fonts/LICENSE-Lato.txt>",
]


def embedded_files(path: Path) -> str:
    listing = subprocess.run(["pdfdetach", "-list", str(path)], capture_output=True, text=True, timeout=BOUND)
    assert listing.returncode == 0, listing.stderr
    return listing.stdout.strip()


needs_pdfdetach = pytest.mark.skipif(shutil.which("pdfdetach") is None,
                                     reason="pdfdetach (poppler-utils) is not installed")


@needs_pdfdetach
def test_no_built_pdf_has_an_embedded_file(built):
    # Every sheet of every edition (the session's build of the project: 9 sheets in 6 languages and
    # the fr+en pair, regular and large print).
    assert len(pdfs(built)) >= 12
    assert {path.parent.name for path in pdfs(built)} >= {"en", "fr", "fr+en", "ar", "zh_Hans"}  # every script
    for path in pdfs(built):
        assert embedded_files(path) == "0 embedded files", path


@needs_pdfdetach
@pytest.mark.parametrize("markup", HOSTILE)
def test_a_translation_asking_for_an_attachment_never_gets_one(project, tmp_path, markup):
    out = tmp_path / "out"
    first = handouts(project, "build", "--lang", "fr", "redness", "--out", str(out))
    assert first.code == 0, str(first)
    before = snapshot(out)
    quoted = markup.replace('"', '\\"')  # as a .po file writes a double quote
    replace_in(project / CATALOG, AVOID_FR, f'msgstr "Ne frottez pas {quoted} votre visage."')
    run = handouts(project, "build", "--lang", "fr", "redness", "--out", str(out))
    for path in pdfs(out):
        assert embedded_files(path) == "0 embedded files", path
    assert_no_traceback(run)
    # refused (HTML the English does not have), naming the catalog, with the previous PDF kept
    assert run.code == EXIT_INPUT, str(run)
    assert str(CATALOG) in run.err, str(run)
    assert snapshot(out) == before


@needs_pdfdetach
@pytest.mark.parametrize("markup", HOSTILE)
def test_a_content_file_asking_for_an_attachment_never_gets_one(project, tmp_path, markup):
    out = tmp_path / "out"
    set_title(project, "redness", "Redness " + markup.replace('"', '\\"'))
    run = handouts(project, "build", "--lang", "en", "redness", "--out", str(out))
    for path in pdfs(out):
        assert embedded_files(path) == "0 embedded files", path
    assert_no_traceback(run)
    assert run.code == 0, str(run)  # printed as text
    assert "attachment" in page_text(out / "en" / "redness.pdf")


# ---------------------------------------------------------------- 5. fonts missing or damaged


def remove_bold(fonts: Path) -> None:
    (fonts / "Lato-Bold.ttf").unlink()


def remove_all_fonts(fonts: Path) -> None:
    for font in fonts.glob("*.ttf"):
        font.unlink()


def remove_fonts_folder(fonts: Path) -> None:
    shutil.rmtree(fonts)


def truncate_bold(fonts: Path) -> None:  # a download or a copy that stopped half way
    font = fonts / "Lato-Bold.ttf"
    font.write_bytes(font.read_bytes()[:1000])


def bold_is_text(fonts: Path) -> None:  # saved from a web page instead of downloaded
    (fonts / "Lato-Bold.ttf").write_text("<html>404 Not Found</html>")


MISSING_BOLD = "fonts.css:16: the font file ../../fonts/Lato-Bold.ttf named here is missing"
DAMAGED_BOLD = "Lato-Bold.ttf: is not a usable font file"


@pytest.mark.parametrize(
    ("damage", "said"),
    [
        (remove_bold, MISSING_BOLD),
        (remove_all_fonts, "fonts.css:10: the font file ../../fonts/Lato-Regular.ttf named here is missing"),
        (remove_fonts_folder, "fonts.css:10: the font file ../../fonts/Lato-Regular.ttf named here is missing"),
        (truncate_bold, DAMAGED_BOLD),
        (bold_is_text, DAMAGED_BOLD),
    ],
)
@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_missing_or_damaged_font_stops_the_build_naming_it(project, tmp_path, damage, said, jobs):
    """No silent fallback to a system font: exit 3, the stylesheet line that names a missing
    file, or the damaged file; with one process or with workers (two sheets)."""
    out = tmp_path / "out"
    damage(project / "fonts")
    run = handouts(project, "build", "--lang", "fr", "--jobs", jobs, "redness", "dryness", "--out", str(out))
    assert run.code == EXIT_ENVIRONMENT, str(run)
    assert said in run.err, str(run)
    assert_no_traceback(run)
    assert pdfs(out) == []
    assert temporaries(out) == []


# ---------------------------------------------------------------- 6. inputs sized to exhaust time or memory


def long_french(size: int) -> str:
    words = "Ne frottez pas votre visage "
    return (words * (size // len(words) + 1))[:size].rsplit(" ", 1)[0] + "."


def assert_stopped_in_time(run: Run, *named: str) -> None:
    assert run.code is not None, f"still running after {BOUND:.0f} s (then killed)\n{run}"
    assert run.code != 0, str(run)
    assert run.code in (EXIT_INPUT, EXIT_ENVIRONMENT), str(run)
    assert any(name in run.err for name in named), f"none of {named} named\n{run}"
    assert_no_traceback(run)


@pytest.mark.parametrize("size", [1_900_000, 2_100_000], ids=["1.9MB-under-the-catalog-limit", "2.1MB"])
def test_a_translation_of_megabytes_stops_with_a_clear_error_in_bounded_time(project, tmp_path, size):
    out = tmp_path / "out"
    replace_in(project / CATALOG, AVOID_FR, f'msgstr "{long_french(size)}"')
    run = handouts(project, "build", "--lang", "fr", "redness", "--out", str(out))
    assert_stopped_in_time(run, str(CATALOG), "redness (fr)")
    assert pdfs(out) == []


def add_items(project: Path, count: int, length: int = 570) -> int:
    """``count`` more items in 'What to avoid' of redness, each a valid text under the 600-character limit."""
    item = ("Do not rub or scrub your face " * (length // 30 + 1))[: length - 1].rstrip() + "."
    path = project / "content" / "redness.yaml"
    replace_in(path, "what_to_avoid:\n", "what_to_avoid:\n" + "".join(f'  - "{item}"\n' for _ in range(count)))
    return path.stat().st_size


@pytest.mark.parametrize("count", [1500, 1800], ids=["0.9MB-under-the-yaml-limit", "1.1MB"])
def test_a_content_file_of_megabytes_stops_with_a_clear_error_in_bounded_time(project, tmp_path, count):
    out = tmp_path / "out"
    size = add_items(project, count)
    assert (size < 1_000_000) == (count == 1500)
    run = handouts(project, "build", "--lang", "en", "redness", "--out", str(out))
    assert_stopped_in_time(run, "content/redness.yaml")
    assert pdfs(out) == []


def test_a_sheet_just_under_the_text_limit_is_laid_out_quickly_and_refused_for_its_pages(project, tmp_path):
    """The limit is low enough that WeasyPrint lays the text out in a few seconds, and anything near
    it needs more than one page anyway."""
    out = tmp_path / "out"
    add_items(project, (lengths.MAX_SHEET_CHARS - 3_000) // 570)
    run = handouts(project, "build", "--lang", "en", "redness", "--out", str(out), timeout=15)
    assert_stopped_in_time(run, "content/redness.yaml")
    assert "pages" in run.err and "must fit on 1 page" in run.err, str(run)


@pytest.mark.parametrize("rule", ["html { font-size: 1e9px; }", "* { font-size: 1e9px !important; }"])
def test_a_huge_font_size_in_the_stylesheet_stops_with_a_clear_error_in_bounded_time(project, tmp_path, rule):
    out = tmp_path / "out"
    css = project / "templates" / "css" / "print.css"
    css.write_text(css.read_text(encoding="utf-8") + f"\n{rule}\n", encoding="utf-8")
    run = handouts(project, "build", "--lang", "fr", "redness", "dryness", "--out", str(out))
    assert_stopped_in_time(run, "redness")
    assert pdfs(out) == []
    assert temporaries(out) == []


# ---------------------------------------------------------------- the limits themselves (lengths.py, workers.py)


def demo_sheet_html() -> list[tuple[str, str]]:
    from handouts.options import BuildOptions
    from handouts.plan import prepare

    plan = prepare(BuildOptions(ROOT, large_print=False))
    return [(part.label, part.html) for task in plan.tasks for part in task.parts]


def test_every_demo_sheet_is_far_under_the_text_limit():
    sheets = demo_sheet_html()
    sizes = {label: lengths.visible_length(html) for label, html in sheets}
    assert all(500 < size < lengths.MAX_SHEET_CHARS / 3 for size in sizes.values()), sizes  # Chinese: ~800
    for label, html in sheets:
        lengths.check_text_size(html, label)


def test_visible_length_counts_what_a_reader_sees():
    html = ("<html><head><title>Ignored title</title><style>p { color: red }</style></head>"
            "<body><!-- a comment --><p class='x'>Rougeurs &amp; s\u00e9cheresse</p>\n\n<p>  811  </p></body></html>")
    assert lengths.visible_length(html) == len("Rougeurs & s\u00e9cheresse 811")
    assert lengths.visible_length("plain   text\n") == len("plain text")


def test_check_text_size_refuses_too_much_text_naming_the_sheet_and_its_file():
    path = Path("content/redness.yaml")
    lengths.check_text_size("<p>" + "a" * lengths.MAX_SHEET_CHARS + "</p>", "redness (fr)", path)
    with pytest.raises(HandoutsError) as caught:
        lengths.check_text_size("<p>" + "a" * (lengths.MAX_SHEET_CHARS + 1) + "</p>", "redness (fr)", path)
    assert caught.value.exit_code == EXIT_INPUT
    assert str(caught.value).startswith("content/redness.yaml: redness (fr): the sheet has 10,001 characters")
    start = time.monotonic()
    with pytest.raises(HandoutsError):
        lengths.check_text_size("<li>" + long_french(2_000_000) + "</li>", "redness (fr)")
    assert time.monotonic() - start < 1


def test_check_translation_length_fits_every_real_translation_and_refuses_a_paste():
    from handouts.po import read_po

    catalog = read_po(ROOT / CATALOG, "fr")
    for entry in catalog.entries:
        for text in entry.msgstrs.values():
            assert lengths.check_translation_length(entry.msgid, text, "fr") == []
    [(severity, message)] = lengths.check_translation_length("Do not rub.", "a" * 4_999 + ".", "fr")
    assert severity == "error"
    assert message.startswith("the translation is 5,000 characters long (the English: 11); a translation must be "
                              "under 1,200 characters.")


def busy(seconds: float) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        pass


def test_time_limit_stops_a_runaway_block_with_an_error_naming_the_sheet():
    previous = signal.getsignal(signal.SIGALRM)
    start = time.monotonic()
    with pytest.raises(HandoutsError) as caught, workers.time_limit(0.2, "redness (fr)"):
        busy(5)
    assert 0.15 < time.monotonic() - start < 1.5
    assert str(caught.value).startswith("redness (fr): stopped after 0.2 s")
    assert signal.getsignal(signal.SIGALRM) is previous
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_render_that_runs_away_stops_the_build_naming_the_sheet(project, tmp_path, monkeypatch, jobs):
    """The time limit is around every render, in the main process and in workers alike."""
    from handouts import build as pipeline
    from handouts.options import BuildOptions
    from handouts.pdf import PdfRenderer

    monkeypatch.setattr(pool, "START_METHOD", "fork")  # workers forked from here run the patched renderer
    monkeypatch.setattr(workers, "RENDER_SECONDS", 0.2)
    monkeypatch.setattr(PdfRenderer, "make_pdf", lambda self, parts, title=None: busy(30))
    out = tmp_path / "out"
    start = time.monotonic()
    with pytest.raises(HandoutsError) as caught:
        pipeline.build(BuildOptions(project, ("fr",), ("redness", "dryness"), out, jobs=jobs))
    assert time.monotonic() - start < 10
    messages = [problem.message for problem in caught.value.problems]
    assert any(m.startswith("fr/redness.pdf: stopped after 0.2 s") for m in messages), messages
    assert not list(out.rglob("*.pdf"))


def test_time_limit_lets_a_quick_block_finish_and_gives_an_outer_timer_back():
    fired = []

    def handler(*_):
        fired.append(True)

    previous = signal.signal(signal.SIGALRM, handler)
    try:
        signal.setitimer(signal.ITIMER_REAL, 0.6)
        with workers.time_limit(5, "redness (fr)"):
            busy(0.1)
        assert signal.getsignal(signal.SIGALRM) is handler  # the outer handler is back
        remaining = signal.getitimer(signal.ITIMER_REAL)[0]
        assert 0.2 < remaining < 0.6
        busy(0.7)
        assert fired == [True]
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def test_time_limit_does_nothing_outside_the_main_thread():
    errors = []

    def work() -> None:
        try:
            with workers.time_limit(0.05, "redness (fr)"):
                busy(0.2)
        except BaseException as err:
            errors.append(err)

    thread = threading.Thread(target=work)
    thread.start()
    thread.join()
    assert errors == []
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux only (PR_SET_PDEATHSIG, pidfd)")
@pytest.mark.parametrize("method", ["fork", "forkserver"])
def test_die_with_parent_ends_a_worker_when_its_parent_is_killed(tmp_path, method):
    """Forked by the build, or by the fork server (which the worker would otherwise keep alive)."""
    script = tmp_path / "parent.py"
    script.write_text(
        "import multiprocessing, os, sys, time\n"
        "from handouts.workers import die_with_parent\n"
        "def worker(parent):\n"
        "    die_with_parent(parent)\n"
        "    print(os.getpid(), flush=True)\n"
        "    time.sleep(60)\n"
        "if __name__ == '__main__':\n"
        f"    child = multiprocessing.get_context({method!r}).Process(target=worker, args=(os.getpid(),))\n"
        "    child.start()\n"
        "    time.sleep(60)\n"
    )
    parent = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True,
                              start_new_session=True)
    try:
        child = int(parent.stdout.readline())  # printed once the child has called die_with_parent
        parent.kill()
        parent.wait()
        deadline = time.monotonic() + 3
        while session_survivors(parent.pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert child not in session_survivors(parent.pid)
    finally:
        parent.stdout.close()
        with contextlib.suppress(ProcessLookupError):
            os.killpg(parent.pid, signal.SIGKILL)


def test_font_code_points_reads_the_real_fonts_and_names_a_damaged_one(tmp_path):
    points = fonts.font_code_points(ROOT / "fonts" / "Lato-Bold.ttf")
    assert {ord(c) for c in "éèêàçœ«»\u00a0"} <= points
    damaged = tmp_path / "Lato-Bold.ttf"
    for data in ((ROOT / "fonts" / "Lato-Bold.ttf").read_bytes()[:1000], b"<html>404</html>", b""):
        damaged.write_bytes(data)
        with pytest.raises(HandoutsError) as caught:
            fonts.font_code_points(damaged)
        assert caught.value.exit_code == EXIT_ENVIRONMENT
        assert str(caught.value).startswith(f"{damaged}: is not a usable font file")
