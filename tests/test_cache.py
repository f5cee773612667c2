"""Fast builds that are never stale: the cache notices every kind of input change, worker
processes give the same bytes as one process, Ctrl-C stops cleanly, watch rebuilds on save."""

from __future__ import annotations

import hashlib
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from handouts import build as pipeline
from handouts import cache, publish, stamp
from handouts.options import BuildOptions
from handouts.pdf import SUBSET_HINT

from .conftest import SHEETS, lengthen, pdf_text, processes

text = pdf_text


# The sheets these tests build: one that a change to a single sheet affects (redness), and others
# that it must leave alone; every sheet behaves the same, so three say what nine would, faster.
WARM = ["dryness", "first-days", "redness"]


def run_build(project: Path, out: Path, *langs: str, **options) -> pipeline.BuildResult:
    options.setdefault("jobs", 1)
    options.setdefault("sheets", tuple(WARM))
    return pipeline.build(BuildOptions(project, langs or ("fr",), out_dir=out, **options))


def written(result: pipeline.BuildResult, out: Path) -> list[str]:
    return sorted(p.relative_to(out).as_posix() for p in result.written)


def replace_in(path: Path, old: str, new: str) -> None:
    content = path.read_text(encoding="utf-8")
    assert old in content, (path, old)
    path.write_text(content.replace(old, new, 1), encoding="utf-8")


@pytest.fixture
def warm(project: Path, tmp_path: Path) -> tuple[Path, Path]:
    """A project copy with its French sheets built once."""
    out = tmp_path / "out"
    result = run_build(project, out)
    assert written(result, out) == [f"fr/{s}.pdf" for s in WARM]
    return project, out


def test_a_build_with_nothing_changed_renders_nothing_and_touches_nothing(warm):
    project, out = warm
    before = {p: p.stat().st_mtime_ns for p in out.rglob("*.pdf")}
    result = run_build(project, out)
    assert result.written == [] and len(result.unchanged) == len(WARM)
    assert {p: p.stat().st_mtime_ns for p in out.rglob("*.pdf")} == before


def test_force_renders_everything_again(warm):
    project, out = warm
    assert len(run_build(project, out, force=True).written) == len(WARM)


# Each kind of input, changed on disk: which French PDFs must be rendered again, and a text
# that must then be on the page (the proof that the new PDF is not stale).
CHANGES = {
    "content file": (lambda p: replace_in(p / "content" / "redness.yaml", "Redness after microneedling",
                                          "Redness after your microneedling"), ["redness"], None),
    "translated message of one sheet": (
        lambda p: replace_in(p / "locales" / "fr" / "LC_MESSAGES" / "messages.po",
                             'msgstr "Rougeurs après le microneedling"', 'msgstr "Rougeurs après un microneedling"'),
        ["redness"], "Rougeurs après un microneedling"),
    "translated message of every sheet": (
        lambda p: replace_in(p / "locales" / "fr" / "LC_MESSAGES" / "messages.po",
                             'msgstr "Que faire"', 'msgstr "Quoi faire"'), WARM, "Quoi faire"),
    "template": (lambda p: replace_in(p / "templates" / "partials" / "footer.html", "{{ brand.name }}</bdi> ·",
                                      "{{ brand.name }}</bdi> — "), WARM, "Clinique Peau Neuve —"),
    "stylesheet": (lambda p: replace_in(p / "templates" / "css" / "print.css", "h1 {\n  font-size: 18pt;",
                                        "h1 {\n  font-size: 19pt;"), WARM, None),
    "font file": (lambda p: (p / "fonts" / "Lato-Bold.ttf").write_bytes(
        (p / "fonts" / "Lato-Regular.ttf").read_bytes()), WARM, None),
    "brand profile": (lambda p: replace_in(p / "brands" / "clinique-demo" / "brand.yaml", '"514 555-0142"',
                                           '"514 555-0199"'), WARM, "514 555-0199"),
    "brand logo": (lambda p: replace_in(p / "brands" / "clinique-demo" / "logo.svg", 'fill="#ffffff"',
                                        'fill="#fefefe"'), WARM, None),
    "project settings": (lambda p: replace_in(p / "handouts.yaml", '\npaper: "letter"', '\npaper: "a4"'), WARM,
                         None),
}


@pytest.mark.parametrize("kind", list(CHANGES))
def test_every_kind_of_input_change_is_noticed(warm, kind):
    project, out = warm
    change, affected, expected = CHANGES[kind]
    old = {s: (out / "fr" / f"{s}.pdf").read_bytes() for s in WARM}
    change(project)
    result = run_build(project, out)
    assert written(result, out) == [f"fr/{s}.pdf" for s in affected]
    for sheet in WARM:
        new = (out / "fr" / f"{sheet}.pdf").read_bytes()
        assert (new != old[sheet]) == (sheet in affected), sheet
    if expected:
        for sheet in affected:
            assert expected in text(out / "fr" / f"{sheet}.pdf")
    assert run_build(project, out).written == []  # and then it is up to date again


def test_edition_options_tool_and_library_versions_are_part_of_the_key(warm, monkeypatch):
    project, out = warm
    assert len(run_build(project, out, paper="a4").written) == len(WARM)
    assert run_build(project, out, paper="a4").written == []
    monkeypatch.setattr(cache, "tool_fingerprint", lambda: "another version of handouts or WeasyPrint")
    monkeypatch.setattr(stamp, "_tool", lambda: ["another version of handouts or WeasyPrint"])  # the no-op's stamp
    assert len(run_build(project, out, paper="a4").written) == len(WARM)


def test_a_deleted_or_hand_edited_pdf_is_rebuilt(warm):
    project, out = warm
    (out / "fr" / "redness.pdf").unlink()
    dryness = out / "fr" / "dryness.pdf"
    dryness.write_bytes(dryness.read_bytes().replace(b"%%EOF", b"%%EOF\n% edited"))
    result = run_build(project, out)
    assert written(result, out) == ["fr/dryness.pdf", "fr/redness.pdf"]
    assert b"edited" not in dryness.read_bytes()


def test_a_damaged_cache_file_only_costs_a_full_build(warm):
    project, out = warm
    (out / cache.CACHE_NAME).write_text("{not json")
    assert len(run_build(project, out).written) == len(WARM)
    assert run_build(project, out).written == []


def test_one_and_two_worker_processes_give_the_same_bytes(project, tmp_path):
    digests = {}
    for jobs in (1, 2):
        out = tmp_path / f"jobs{jobs}"
        result = pipeline.build(BuildOptions(project, ("fr", "en", "fr+en"), tuple(WARM), out_dir=out, jobs=jobs))
        assert result.jobs == jobs and len(result.written) == 3 * len(WARM)
        digests[jobs] = {p.relative_to(out).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
                         for p in out.rglob("*.pdf")}
    assert digests[1] == digests[2]


def test_a_failing_sheet_in_a_worker_is_reported_and_nothing_is_written(project, tmp_path):
    lengthen(project, "flaking", 30)
    with pytest.raises(pipeline.BuildFailed) as caught:
        pipeline.build(BuildOptions(project, ("en",), ("flaking", *WARM), out_dir=tmp_path / "out", jobs=2))
    assert "the sheet 'flaking' in English (en) needs" in str(caught.value)
    assert f"{len(WARM)} rendered, 0 unchanged, 1 failed" in caught.value.summary
    assert not list((tmp_path / "out").rglob("*.pdf"))


# ------------------------------------------------------------------ processes


def sheets(*args: str, **kwargs) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "handouts", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, **kwargs)


def children_of(pid: int) -> list[int]:
    return [child for child, _, parent, _ in processes() if parent == pid]


def alive(pid: int) -> bool:
    return any(state != "Z" for found, state, _, _ in processes() if found == pid)


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs /proc to see the worker processes")
def test_ctrl_c_stops_the_workers_and_writes_nothing(project, tmp_path):
    out = tmp_path / "out"
    run_build(project, out)
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    process = sheets("build", "--project", str(project), "--out", str(out), "--force", "--jobs", "2",
                       "--lang", "fr", "--lang", "en", "--lang", "fr+en", "--large-print")
    assert process.stderr is not None
    first = process.stderr.readline()  # "[1/27] rendered ...": the workers are busy
    while first == SUBSET_HINT + "\n":  # a line the machine may add, not the build's progress
        first = process.stderr.readline()
    assert first.startswith(f"[1/{3 * len(SHEETS)}] rendered"), first
    workers = children_of(process.pid)
    assert workers, "expected worker processes"
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=30)
    assert process.returncode == 130, stderr
    assert "Stopped (Ctrl-C): nothing was written" in stderr
    assert "Traceback" not in stderr
    deadline = time.monotonic() + 5
    while any(alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(alive(pid) for pid in workers)
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before
    assert not list(out.rglob(f"{publish.TEMP_PREFIX}*"))


def test_progress_is_plain_lines_without_a_terminal_and_ends_with_a_summary(project, tmp_path):
    process = sheets("build", "--project", str(project), "--out", str(tmp_path), "--lang", "fr", "--jobs", "2",
                       *WARM)
    stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == 0, stderr
    lines = [line for line in stderr.splitlines() if line != SUBSET_HINT]  # the machine's, not the build's
    expected = [f"[{n}/{len(WARM)}]" for n in range(1, len(WARM) + 1)]
    assert [line.split(" rendered ")[0] for line in lines] == expected
    assert stdout.splitlines()[-1].startswith("Done in ")
    assert stdout.splitlines()[-1].endswith(f": {len(WARM)} built, 0 unchanged, 0 failed (fr).")
    process = sheets("build", "--project", str(project), "--out", str(tmp_path), "--lang", "fr", *WARM)
    stdout, stderr = process.communicate(timeout=60)
    assert stdout.startswith(f"Nothing to do: all {len(WARM)} PDFs are up to date")
    assert stderr in ("", SUBSET_HINT + "\n")


@pytest.mark.parametrize("args", [["--help"], ["list"], ["check"], ["build", "--lang", "fr"]])
def test_commands_that_render_nothing_never_import_weasyprint(project, tmp_path, args):
    out = tmp_path / "out"
    if args[0] == "build":
        run_build(project, out)  # so that the build below has nothing to do
        args = [*args, "--out", str(out), *WARM]
    code = ("import sys\nfrom handouts.cli import main\ntry:\n    main(sys.argv[1:])\nexcept SystemExit as e:\n"
            "    assert not e.code, e.code\nassert 'weasyprint' not in sys.modules, 'weasyprint was imported'\n")
    result = subprocess.run([sys.executable, "-c", code, *args], cwd=project, capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr


# ------------------------------------------------------------------ watch


def wait_for(condition, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.02)


def test_watch_rebuilds_the_sheet_a_saved_change_affects_and_survives_errors(project, tmp_path):
    out = tmp_path / "out"
    err_log = tmp_path / "stderr.txt"
    with err_log.open("w") as err:
        process = subprocess.Popen([sys.executable, "-m", "handouts", "watch", "--project", str(project),
                                    "--out", str(out), "--lang", "fr", "redness", "dryness"],
                                   stdout=subprocess.PIPE, stderr=err,
                                   text=True)
    try:
        wait_for(lambda: "Watching for changes" in err_log.read_text())
        redness, dryness = out / "fr" / "redness.pdf", out / "fr" / "dryness.pdf"
        before_dryness = dryness.read_bytes()
        catalog = project / "locales" / "fr" / "LC_MESSAGES" / "messages.po"
        replace_in(catalog, 'msgstr "Rougeurs après le microneedling"', 'msgstr "Rougeurs après un microneedling"')
        wait_for(lambda: "Rougeurs après un microneedling" in text(redness))
        assert dryness.read_bytes() == before_dryness  # only the sheet that uses the message

        good = catalog.read_text(encoding="utf-8")
        catalog.write_text(good.replace('msgstr "Que faire"', 'msgstr "Que faire', 1), encoding="utf-8")
        wait_for(lambda: "messages.po:" in err_log.read_text() and "Nothing was written" in err_log.read_text())
        assert process.poll() is None  # still watching
        catalog.write_text(good.replace('msgstr "Que faire"', 'msgstr "À faire"'), encoding="utf-8")
        wait_for(lambda: "À faire" in text(dryness))
    finally:
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=60)  # nine sheets to finish on a busy machine
    assert process.returncode == 130  # Ctrl-C, as the README says
    assert "Stopped watching." in err_log.read_text()
    assert "Traceback" not in err_log.read_text()


def test_watch_sees_a_file_saved_during_its_first_build(project, tmp_path):
    from handouts import watch as watcher

    catalog = project / "locales" / "fr" / "LC_MESSAGES" / "messages.po"
    calls: list[int] = []

    def rebuild(current) -> None:
        calls.append(1)
        if len(calls) == 1:  # saved while the first build runs
            replace_in(catalog, 'msgstr "Que faire"', 'msgstr "À faire"')

    watcher.watch(project, rebuild, interval=0.01, settle=0.0, rounds=5)
    assert len(calls) == 2
