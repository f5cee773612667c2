"""Figures 3-7: whole 'handouts' commands in fresh processes, as a user runs them.

Cold first build, one sheet in one language, the no-op rebuild, one changed message,
--jobs 1 against the default, and start-up. Each is timed in wall seconds and in CPU
seconds of the command and of the processes it started.
"""

from __future__ import annotations

import json
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

from common import (
    ENV,
    PO_RELPATH,
    CliRun,
    Row,
    build,
    copy_project,
    entry_location,
    log,
    median,
    ms,
    run_cli,
    run_command,
    single_sheet_entry,
    spread,
    verdict,
    with_suffix_added,
    write_atomically,
)
from measure_render import probe

NOOP_MAX_SECONDS = 0.15
ONE_SHEET_MAX_SECONDS = 0.9
HELP_MAX_RATIO = 2.0


@dataclass
class Runs:
    """Repetitions of one command: wall and CPU seconds of each."""

    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    last: CliRun | None = None

    def add(self, run: CliRun) -> None:
        self.wall.append(run.wall)
        self.cpu.append(run.cpu)
        self.last = run

    def describe(self) -> str:
        """'0.52 s (0.50-0.61 s), CPU 0.48 s (0.45-0.50 s)': medians and min-max."""
        return (f"{median(self.wall):.2f} s ({spread(self.wall)}), "
                f"CPU {median(self.cpu):.2f} s ({spread(self.cpu)})")


# ---------------------------------------------------------------- 3: the first build, truly cold


def cold_environment(work: Path, rep: int) -> dict[str, str]:
    """No bytecode cache at all: Python compiles every module it imports (handouts, WeasyPrint, the stdlib's)."""
    env = dict(ENV)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    prefix = work / f"cold-pycache-{rep}"  # empty: Python looks for bytecode only there
    prefix.mkdir()
    env["PYTHONPYCACHEPREFIX"] = str(prefix)
    return env


def measure_cold(project: Path, work: Path, reps: int) -> list[Row]:
    runs = Runs()
    for rep in range(reps):
        run = build(project, work / f"cold-out-{rep}", work, env=cold_environment(work, rep))
        runs.add(run)
        log(f"  cold build {rep + 1}: {run.built} PDFs in {run.wall:.2f} s, CPU {run.cpu:.2f} s")
    assert runs.last is not None
    return [Row(f"3. first build, cold: fresh process, no bytecode cache, {runs.last.built} PDFs", runs.describe())]


# ---------------------------------------------------------------- 4: one sheet, one language


def measure_one_sheet(project: Path, work: Path, reps: int) -> list[Row]:
    runs = Runs()
    for rep in range(reps):
        run = build(project, work / f"one-sheet-out-{rep}", work, "--lang", "fr", "redness")
        runs.add(run)
        log(f"  handouts build --lang fr redness: {', '.join(run.wrote)} in {run.wall:.2f} s, CPU {run.cpu:.2f} s")
    assert runs.last is not None
    wall = median(runs.wall)
    folders = ", ".join(w.split("/")[0] for w in runs.last.wrote)
    return [Row(f"4. build --lang fr redness, whole process ({runs.last.built} PDFs: {folders})", runs.describe(),
                f"<= {ONE_SHEET_MAX_SECONDS} s", verdict(wall <= ONE_SHEET_MAX_SECONDS))]


def one_sheet_floor(html: Path, work: Path, reps: int) -> list[Row]:
    """Figure 4's floor: a fresh process that only imports WeasyPrint and writes the longer of the
    two PDFs, fr-large/redness.pdf (the build makes both at once, one per worker)."""
    walls = []
    for _ in range(reps):
        run, _ = probe(["floor", html, "fr-large/redness.pdf"], work)
        walls.append(run.wall)
    log(f"  floor: import WeasyPrint and write fr-large/redness.pdf alone, fresh process: {median(walls):.2f} s")
    return [Row("4'. floor of 4: a fresh process that only imports WeasyPrint and writes fr-large/redness.pdf",
                f"{median(walls):.2f} s ({spread(walls)})")]


# ---------------------------------------------------------------- 5: the no-op rebuild


def measure_noop(project: Path, out: Path, work: Path, reps: int, label: str, *extra: object) -> list[Row]:
    """The same build again into a folder that is up to date: nothing to render."""
    runs = Runs()
    rendered = []
    for _ in range(reps):
        run = build(project, out, work, *extra)
        runs.add(run)
        if not run.noop:
            rendered.append(run.built or 0)
            log(f"  WARNING: this no-op rebuild rendered {run.built} PDFs: {', '.join(run.wrote[:5])}")
    assert runs.last is not None
    wall = median(runs.wall)
    log(f"  no-op, {label}: {runs.describe()}; every run said 'Nothing to do': {not rendered}")
    ok = wall <= NOOP_MAX_SECONDS and not rendered
    return [Row(f"5. no-op rebuild, {label}", runs.describe() + (" (it rendered!)" if rendered else ""),
                f"<= {NOOP_MAX_SECONDS} s", verdict(ok))]


# ---------------------------------------------------------------- 6: one translated message changes


def pdfs_containing(project: Path, work: Path, text: str) -> list[str]:
    """The PDFs of a default build whose HTML holds ``text`` (asked of the package by probe.py)."""
    folder = work / "change-html"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    probe(["export", project, folder], work)
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    return sorted(pdf["relpath"] for pdf in manifest["pdfs"]
                  if any(text in (folder / part["file"]).read_text(encoding="utf-8") for part in pdf["parts"]))


def measure_message_change(work: Path, sheet: str = "redness") -> list[Row]:
    project = copy_project(work / "change-project")
    out = work / "change-out"
    first = build(project, out, work)
    log(f"  first build of the copy: {first.built} PDFs in {first.wall:.2f} s")
    po = project / PO_RELPATH
    text = po.read_text(encoding="utf-8")
    index = single_sheet_entry(text, sheet)
    token = "benchzqx"  # no digit: the translation checks compare numbers with the English
    write_atomically(po, with_suffix_added(text, index, f" Repère {token}."))
    second = build(project, out, work)
    expected = pdfs_containing(project, work, token)
    log(f"  changed the French of {entry_location(text, index)}: re-rendered {', '.join(sorted(second.wrote))}; "
        f"the PDFs that contain it: {', '.join(expected)}")
    return [Row("6. 1 message changed: PDFs re-rendered / PDFs using it",
                f"{second.built} / {len(expected)} (rebuild {second.wall:.2f} s, CPU {second.cpu:.2f} s)",
                "only those", verdict(sorted(second.wrote) == expected))]


# ---------------------------------------------------------------- 7: --jobs 1 vs the default


def measure_jobs(project: Path, work: Path, reps: int, cores: int) -> list[Row]:
    one, default = Runs(), Runs()
    out = work / "jobs-out"
    for rep in range(reps):
        for which in (["1", "default"] if rep % 2 == 0 else ["default", "1"]):
            extra = ["--force", "--jobs", "1"] if which == "1" else ["--force"]
            run = build(project, out, work, *extra)
            (one if which == "1" else default).add(run)
            log(f"  --jobs {which}: {run.built} PDFs in {run.wall:.2f} s, CPU {run.cpu:.2f} s")
    speedup = median(one.wall) / median(default.wall)
    return [Row(f"7. build --force: --jobs 1 vs default ({cores})",
                f"{median(one.wall):.2f} s vs {median(default.wall):.2f} s: speed-up {speedup:.2f}x; "
                f"CPU {median(one.cpu):.2f} s vs {median(default.cpu):.2f} s")]


# ---------------------------------------------------------------- 8: start-up


def measure_startup(work: Path, reps: int) -> list[Row]:
    helps, clicks = Runs(), Runs()
    for _ in range(reps):
        helps.add(run_cli(["--help"], work))
        clicks.add(run_command([sys.executable, "-c", "import click"], work))
    ratio = median(helps.wall) / median(clicks.wall)
    cpu_ratio = median(helps.cpu) / median(clicks.cpu)
    log(f"  --help {ms(median(helps.wall))}, import click {ms(median(clicks.wall))}: {ratio:.2f}x")
    return [Row("8. handouts --help vs python -c 'import click'",
                f"{ms(median(helps.wall))} ({spread(helps.wall, 'ms')}) vs {ms(median(clicks.wall))} = {ratio:.2f}x; "
                f"CPU {cpu_ratio:.2f}x", f"<= {HELP_MAX_RATIO:.0f}x", verdict(ratio <= HELP_MAX_RATIO))]

