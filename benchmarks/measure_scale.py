"""Figure 10: synthetic projects of N/10 and N PDFs, built through the CLI, with their workers' memory.

Each build is ``handouts build --lang en --lang fr --no-large-print --force`` in its own process
(so its memory starts clean). Its time is the whole process's wall time; its CPU time that of
the process and its workers; the memory of each worker is its peak resident memory (VmHWM),
sampled from /proc while the build runs, never asked of the package.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import procwatch
from common import (
    ENV,
    BenchError,
    CliRun,
    Row,
    children_cpu,
    cli_command,
    log,
    median,
    ms,
    parse_summary,
    reap_left_behind,
    run_cli,
    verdict,
)

SCALE_MIN_EFFICIENCY = 0.80
SCALE_MAX_SLOWDOWN = 2.0
MEMORY_MAX_GROWTH = 0.20
SCALE_OPTIONS = ("--lang", "en", "--lang", "fr", "--no-large-print")


# ---------------------------------------------------------------- synthetic projects


def make_synthetic(source: Path, dest: Path, files: int) -> dict[str, int]:
    """``files`` content files: copies of the real sheets under new names (``redness-v0012.yaml``).

    A copy keeps every text, so the French catalog already translates it and 'handouts check'
    accepts it as it accepts the real sheet; the rules every sheet shares come along too.
    """
    dest.mkdir(parents=True)
    for name in ("handouts.yaml", "templates", "fonts", "brands", "locales"):
        item = source / name
        (shutil.copytree(item, dest / name) if item.is_dir() else shutil.copy2(item, dest / name))
    (dest / "content").mkdir()
    for shared in (source / "content").glob("_*.yaml"):
        shutil.copy2(shared, dest / "content" / shared.name)
    real = sorted(p for p in (source / "content").glob("*.yaml") if not p.name.startswith("_"))
    if not real:
        raise BenchError("the project has no content file to copy")
    for number in range(1, files + 1):
        base = real[(number - 1) % len(real)]
        shutil.copyfile(base, dest / "content" / f"{base.stem}-v{number:04d}.yaml")
    return {"files": files, "new_messages": 0}


def prepare_projects(source: Path, work: Path, sizes: list[int]) -> dict[int, Path]:
    """A synthetic project per size (PDFs = 2 x content files), each accepted by 'handouts check'."""
    projects = {}
    for count in sizes:
        started = time.perf_counter()
        folder = work / f"synthetic-{count}"
        info = make_synthetic(source, folder, count // 2)
        checked = run_cli(["check", "--project", folder], work, check=False)
        last = (checked.stdout.strip().splitlines() or ["(no output)"])[-1]
        log(f"  made {folder.name}: {info['files']} content files, "
            f"({time.perf_counter() - started:.1f} s); handouts check: exit {checked.returncode}: {last}")
        if checked.returncode != 0:
            raise BenchError(f"handouts check refused the synthetic project:\n{checked.stdout[-2000:]}")
        projects[count] = folder
    return projects


# ---------------------------------------------------------------- one scale build


@dataclass
class ScaleRun:
    pdfs: int
    wall: float
    cpu: float
    worker_peaks: list[int]  # kB, one per worker process
    main_peak: int  # kB

    @property
    def rate(self) -> float:
        return self.pdfs / self.wall


def sampled_build(project: Path, out: Path, cwd: Path) -> tuple[CliRun, procwatch.MemorySampler]:
    """One forced build in its own process, its memory sampled while it runs."""
    command = cli_command() + ["build", "--project", str(project), "--out", str(out), *SCALE_OPTIONS, "--force"]
    cpu_before = children_cpu()
    children_before = procwatch.direct_children(os.getpid())
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               stdin=subprocess.DEVNULL, env=ENV)
    sampler = procwatch.MemorySampler(process.pid)
    stdout, stderr = process.communicate()
    wall = time.perf_counter() - started
    sampler.stop()
    reap_left_behind(children_before)  # the fork server, which ends just after the build: its CPU counts
    run = CliRun(wall, children_cpu() - cpu_before, process.returncode, stdout, stderr)
    if run.returncode != 0:
        raise BenchError(f"the scale build failed:\n{stdout[-3000:]}\n{stderr[-3000:]}")
    parse_summary(run)
    return run, sampler


def scale_run(project: Path, out: Path, work: Path) -> ScaleRun:
    run, sampler = sampled_build(project, out, work)
    result = ScaleRun(run.built or 0, run.wall, run.cpu, sorted(sampler.worker_peaks.values()), sampler.main_peak)
    log(f"  {result.pdfs} PDFs in {result.wall:.1f} s ({result.rate:.1f} PDFs/s), CPU {ms(result.cpu / result.pdfs)}"
        f" per PDF; peak per worker {', '.join(f'{p / 1024:.0f}' for p in result.worker_peaks)} MB, "
        f"main process {result.main_peak / 1024:.0f} MB")
    return result


@dataclass
class ScaleFigures:
    small: int
    large: int
    runs: dict[int, list[ScaleRun]] = field(default_factory=dict)
    outs: dict[int, Path] = field(default_factory=dict)  # an up-to-date output folder per size


def measure_scale(projects: dict[int, Path], work: Path, reps: dict[int, int]) -> ScaleFigures:
    small, large = sorted(projects)
    figures = ScaleFigures(small, large)
    for count in (small, large):
        figures.runs[count] = []
        for _ in range(reps[count]):
            out = Path(tempfile.mkdtemp(prefix=f"scale-out-{count}-", dir=work))
            figures.runs[count].append(scale_run(projects[count], out, work))
            if count in figures.outs:
                shutil.rmtree(out, ignore_errors=True)
            else:
                figures.outs[count] = out  # kept for the no-op rebuild
    return figures


# ---------------------------------------------------------------- the rows


@dataclass
class WarmRegular:
    """A warm render of a regular-print one-language sheet (figure 2'): what the scale run renders."""

    wall_regular: float
    cpu_regular: float


def rate_rows(figures: ScaleFigures, cores: int, warm: WarmRegular | None) -> list[Row]:
    """Rates, and the ideal: every core busy with warm renders (figure 2', regular print, wall time)."""
    small, large = figures.small, figures.large
    t_small = median([r.wall for r in figures.runs[small]])
    t_large = median([r.wall for r in figures.runs[large]])
    cpu_large = median([r.cpu / r.pdfs for r in figures.runs[large]])
    walls = [r.wall for r in figures.runs[large]]
    rows = [Row(f"10a. scale: {small} PDFs ({small // 2} files x en, fr), whole process",
                f"{t_small:.1f} s = {small / t_small:.1f} PDFs/s")]
    if warm:
        ideal = cores / warm.wall_regular
        efficiency = (large / t_large) / ideal
        rows.append(Row(f"10b. scale: {large} PDFs vs ideal {cores} cores / {ms(warm.wall_regular)} (figure 2')",
                        f"{t_large:.1f} s ({min(walls):.1f}-{max(walls):.1f}) = {large / t_large:.1f}/s = "
                        f"{efficiency:.0%} of {ideal:.1f}/s; CPU {ms(cpu_large)} per PDF = "
                        f"{cpu_large / warm.cpu_regular:.2f}x a warm render's",
                        f">= {SCALE_MIN_EFFICIENCY:.0%}", verdict(efficiency >= SCALE_MIN_EFFICIENCY)))
    else:
        rows.append(Row(f"10b. scale: {large} PDFs", f"{t_large:.1f} s = {large / t_large:.1f}/s; "
                        f"CPU {ms(cpu_large)} per PDF", "needs 2'", "NOT measured"))
    slowdown = (t_large / t_small) / (large / small)
    cpu_small = median([r.cpu / r.pdfs for r in figures.runs[small]])
    rows.append(Row(f"10c. time({large}) / time({small})", f"{t_large / t_small:.1f}x = {slowdown:.2f}x linear; "
                    f"CPU per PDF {cpu_large / cpu_small:.2f}x",
                    f"<= {SCALE_MAX_SLOWDOWN * large / small:.0f}x", verdict(slowdown <= SCALE_MAX_SLOWDOWN)))
    return rows


def mb_range(peaks_kb: list[int]) -> str:
    return f"{min(peaks_kb) / 1024:.0f}-{max(peaks_kb) / 1024:.0f} MB"


def memory_row(figures: ScaleFigures) -> Row:
    peaks_small = [p for r in figures.runs[figures.small] for p in r.worker_peaks]
    peaks_large = [p for r in figures.runs[figures.large] for p in r.worker_peaks]
    label = f"10d. peak memory per worker (VmHWM), {figures.small} -> {figures.large} PDFs"
    if not peaks_small or not peaks_large:
        return Row(label, "no worker process seen (one job, or no /proc)", "-", "NOT measured")
    growth = max(peaks_large) / max(peaks_small) - 1
    return Row(label, f"{mb_range(peaks_small)} -> {mb_range(peaks_large)} ({growth:+.0%} in the largest)",
               f"within {MEMORY_MAX_GROWTH:.0%}", verdict(abs(growth) <= MEMORY_MAX_GROWTH))
