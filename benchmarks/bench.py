#!/usr/bin/env python3
"""Benchmark handouts as a user meets it: whole commands, wall time and CPU time, targets met or not.

Run from the project folder, after the README's install:

    .venv/bin/python benchmarks/bench.py            # full run, about 6-7 minutes on 2 idle cores
    .venv/bin/python benchmarks/bench.py --quick    # shorter run, under 3 minutes
    .venv/bin/python benchmarks/bench.py --sheets 2000

Everything happens in temporary folders: the project is copied once at the start (so a
file saved during the run cannot change what is measured), and no file of the
repository is changed. No target is a test: the script reports, it never fails because of a
figure. See benchmarks/README.md for what each figure means.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import machine
import measure_build
import measure_render
import measure_scale
import measure_watch
from common import ENV, ROOT, STARTED, Row, build, cli_command, copy_project, log, run_cli


@dataclass
class Settings:
    quick: bool
    large: int  # PDFs of the large scale run
    small: int
    reps: dict[str, int]
    only: set[str] | None = None  # figure numbers ('4', '5', ...); None: all


def parse_settings() -> tuple[Settings, argparse.Namespace]:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="fewer repetitions and a smaller scale run")
    parser.add_argument("--sheets", type=int, default=None,
                        help="PDFs in the large scale run (default 1000, or 200 with --quick); "
                             "the small run makes a tenth of it")
    parser.add_argument("--only", default=None, metavar="N,N,...",
                        help="run only these figures (e.g. 4,5,9; the warm-up always runs)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (its path is printed)")
    parser.add_argument("--keep-env", action="store_true",
                        help="run commands with the environment exactly as given (see README: bytecode)")
    args = parser.parse_args()
    large = args.sheets or (200 if args.quick else 1000)
    large = max(20, large + large % 2)  # en and fr of each content file: an even number
    small = max(2, large // 10 + (large // 10) % 2)
    quick = args.quick
    reps = {"versus": 2 if quick else 5, "warm": 1 if quick else 3, "cold": 2 if quick else 3,
            "one_sheet": 3 if quick else 7, "noop": 3 if quick else 7, "jobs": 1 if quick else 3,
            "help": 5 if quick else 9, "watch": 3 if quick else 8, "scale_small": 1 if quick else 3,
            "scale_large": 1 if quick else 2}
    only = {n.strip() for n in args.only.split(",")} if args.only else None
    return Settings(quick, large, small, reps, only), args


def bytecode_environment(work: Path, keep_env: bool) -> str:
    """Warm commands run with compiled bytecode cached, as after an ordinary install.

    With PYTHONDONTWRITEBYTECODE set (some sandboxes and CI images set it) and an editable
    install, every 'handouts' command would compile the package again; a user's Python
    caches it. The cache goes to the benchmark's temporary folder, never into the repository.
    (The cold build, figure 3, uses an empty cache of its own.)
    """
    if keep_env or not os.environ.get("PYTHONDONTWRITEBYTECODE"):
        return "as given"
    ENV.pop("PYTHONDONTWRITEBYTECODE", None)
    ENV["PYTHONPYCACHEPREFIX"] = str(work / "pycache")
    return f"PYTHONDONTWRITEBYTECODE unset, bytecode cached in {work / 'pycache'} (--keep-env to run as given)"


@dataclass
class Run:
    """One benchmark run: its settings, folders, and the rows and figures gathered so far."""

    settings: Settings
    work: Path
    project: Path
    cores: int
    rows: list[Row] = field(default_factory=list)
    warm: measure_scale.WarmRegular | None = None
    html: Path | None = None

    def section(self, title: str, step: Step) -> None:
        log(f"{title} ({machine.load()}, {machine.speed_check()})")
        meter = machine.CpuMeter()
        try:
            self.rows.extend(step(self))
        except Exception as err:
            detail = str(err).strip().splitlines() or [type(err).__name__]
            log(f"  FAILED: {type(err).__name__}: {str(err).strip()}")
            self.rows.append(Row(title.split(" (")[0][:60], f"error: {detail[0][:70]}", "-", "NOT measured"))
        log(f"  CPU during this step: {meter.describe()}")


# ---------------------------------------------------------------- the steps: each makes rows of the table

Step = Callable[[Run], list[Row]]


def warm_up(run: Run) -> list[Row]:
    """Each kind of command once, untimed: bytecode compiled and cached, files in the OS cache."""
    work = run.work
    run_cli(["--help"], work)
    run_cli(["check", "--project", run.project], work, check=False)
    build(run.project, work / "warm-up-out", work, "--lang", "fr")
    subprocess.run([sys.executable, "-c", "import click"], check=True, cwd=work, env=ENV)
    (work / "warm-up-html").mkdir()
    measure_render.probe(["export", run.project, work / "warm-up-html"], work)
    return []


def versus_naive(run: Run) -> list[Row]:
    run.html = measure_render.export_html(run.project, run.work)
    figures = measure_render.measure_versus_naive(run.project, run.html, run.work, run.settings.reps["versus"])
    return measure_render.versus_rows(figures)


def warm_render(run: Run) -> list[Row]:
    if run.html is None:
        run.html = measure_render.export_html(run.project, run.work)
    figures = measure_render.measure_warm(run.html, run.work, run.settings.reps["warm"])
    run.warm = measure_scale.WarmRegular(figures.warm_wall_regular, figures.warm_cpu_regular)
    return measure_render.warm_rows(figures)


def noop_whole_project(run: Run) -> list[Row]:
    out = run.work / "noop-out"
    first = build(run.project, out, run.work)
    return measure_build.measure_noop(run.project, out, run.work, run.settings.reps["noop"],
                                      f"whole project, {first.built} PDFs")


def watch(run: Run) -> list[Row]:
    rows = measure_watch.watch_rows(measure_watch.measure_watch(run.work, run.settings.reps["watch"]))
    if run.html is None:
        run.html = measure_render.export_html(run.project, run.work)
    return rows + measure_watch.floor_rows(run.html, run.work, run.settings.reps["watch"])


def scale(run: Run) -> list[Row]:
    s = run.settings
    projects = measure_scale.prepare_projects(run.project, run.work, [s.small, s.large])
    figures = measure_scale.measure_scale(projects, run.work, {s.small: s.reps["scale_small"],
                                                               s.large: s.reps["scale_large"]})
    rows = measure_scale.rate_rows(figures, run.cores, run.warm)
    rows.append(measure_scale.memory_row(figures))
    for count, label in ((s.small, "5b"), (s.large, "5c")):
        noop = measure_build.measure_noop(projects[count], figures.outs[count], run.work, s.reps["noop"],
                                          f"synthetic, {count} PDFs", *measure_scale.SCALE_OPTIONS)
        rows += [Row(r.measure.replace("5. ", f"{label}. ", 1), r.result, r.target, r.status) for r in noop]
    return rows


def cold(run: Run) -> list[Row]:
    return measure_build.measure_cold(run.project, run.work, run.settings.reps["cold"])


def one_sheet(run: Run) -> list[Row]:
    rows = measure_build.measure_one_sheet(run.project, run.work, run.settings.reps["one_sheet"])
    if run.html is None:
        run.html = measure_render.export_html(run.project, run.work)
    return rows + measure_build.one_sheet_floor(run.html, run.work, run.settings.reps["one_sheet"])


def message_change(run: Run) -> list[Row]:
    return measure_build.measure_message_change(run.work)


def jobs(run: Run) -> list[Row]:
    return measure_build.measure_jobs(run.project, run.work, run.settings.reps["jobs"], run.cores)


def startup(run: Run) -> list[Row]:
    return measure_build.measure_startup(run.work, run.settings.reps["help"])


def selected(run: Run) -> list[tuple[str, Step]]:
    """The steps to run: all, or the warm-up and those whose figure numbers --only names."""
    only = run.settings.only
    if only is None:
        return steps(run)
    return [(title, step) for title, step in steps(run)
            if title.startswith("0.") or set(re.findall(r"\d+", title.split(" ", 1)[0])) & only]


def steps(run: Run) -> list[tuple[str, Step]]:
    s, r = run.settings, run.settings.reps
    return [
        ("0. warm-up: each command once, untimed", warm_up),
        (f"1-2. naive WeasyPrint vs the default build, whole processes, {r['versus']} rounds", versus_naive),
        (f"2'. one render: warm PdfRenderer vs naive, {r['warm']} round(s)", warm_render),
        (f"3. first build, cold (fresh process, empty bytecode cache), {r['cold']} time(s)", cold),
        (f"4. handouts build --lang fr redness, fresh process, {r['one_sheet']} times", one_sheet),
        (f"5. no-op rebuild of the whole project, {r['noop']} times", noop_whole_project),
        ("6. rebuild after one French message of one sheet changes (in another copy)", message_change),
        (f"7. --jobs 1 vs the default (--jobs {run.cores}), build --force, {r['jobs']} time(s) each", jobs),
        (f"8. 'handouts --help' vs 'python -c \"import click\"', {r['help']} runs each", startup),
        (f"9. 'handouts watch --lang fr' (README), {r['watch']} edits of one French message", watch),
        (f"10. scale: synthetic projects of {s.small} and {s.large} PDFs (en, fr), and their no-op rebuilds", scale),
    ]


# ---------------------------------------------------------------- the table


def row_number(row: Row) -> int:
    match = re.match(r"\d+", row.measure)
    return int(match.group()) if match else 99


def print_table(rows: list[Row], header: list[str], quick: bool) -> None:
    rows = sorted(rows, key=row_number)  # stable: 5a (the project), then 5b, 5c (made in step 10)
    cells = [("Measure", "Result", "Target", "Status")] + [(r.measure, r.result, r.target, r.status) for r in rows]
    widths = [max(len(c[i]) for c in cells) for i in range(4)]
    rule = "  ".join("-" * w for w in widths)
    print()
    print(f"handouts benchmark ({'quick' if quick else 'full'} run, {time.perf_counter() - STARTED:.0f} s; "
          "medians over repetitions, spread min-max)")
    for line in header:
        print(line)
    for index, cell in enumerate(cells):
        if index < 2:
            print(rule)
        print("  ".join(c.ljust(w) for c, w in zip(cell, widths, strict=True)).rstrip())
    print(rule)
    targets = [r for r in rows if r.status != "-"]
    print(f"{sum(r.status == 'met' for r in targets)} of {len(targets)} targets met.")


def header_lines(info: dict[str, str], meter: machine.CpuMeter) -> list[str]:
    return [f"Cores: {info['cores']}. Python {info['python']}. handouts {info['handouts']}. "
            f"WeasyPrint {info['weasyprint']}. HarfBuzz subsetting: {info['subset']}.",
            f"{info['platform']}; {info['load_start']} at start, {machine.load()} at end.",
            f"CPU during the run: {meter.describe()}.",
            f"Speed check (a fixed Python loop timed before each step): {machine.speed_range()}.",
            f"Commands' environment: {info['environment']}."]


def main() -> None:
    settings, args = parse_settings()
    work = Path(tempfile.mkdtemp(prefix="handouts-bench-"))
    info = machine.describe_machine()
    info["environment"] = bytecode_environment(work, args.keep_env)
    log(f"handouts benchmark ({'quick' if settings.quick else 'full'} run) of {ROOT}")
    for key, value in info.items():
        log(f"  {key}: {value}")
    log(f"  python: {sys.executable}; handouts command: {' '.join(cli_command())}; working folder: {work}")
    if os.getloadavg()[0] > 0.5:
        log("  note: other processes are using the CPU; figures will be slower and noisier than on an idle machine")
    meter = machine.CpuMeter()
    run = Run(settings, work, copy_project(work / "project"), machine.usable_cores())
    log("copied the project's files: edits saved during the run do not change what is measured")
    try:
        for title, step in selected(run):
            run.section(title, step)
    finally:
        if args.keep:
            log(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    machine.speed_check()
    print_table(run.rows, header_lines(info, meter), settings.quick)


if __name__ == "__main__":
    main()
