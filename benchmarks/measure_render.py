"""Figures 1-2: the default build against the naive baseline, and one warm render against a naive one.

The naive baseline is what a script written without handouts would do: one Python process
that imports WeasyPrint and writes every PDF of the default build from its HTML, each from
scratch (a bilingual PDF: both languages laid out afresh, their pages joined). The build is
``handouts build --force`` of the same project in a fresh process. Both are whole processes,
start-up included, and both are timed in CPU seconds (all their processes) beside wall seconds.

The forced builds make every PDF again, and publish the web pages; a PDF that comes out
byte-identical keeps the thumbnail already drawn from it, so these builds draw none (about
7 ms each). The first build of a folder draws them all: figure 3.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path

from common import BenchError, CliRun, Row, build, log, median, ms, run_command, spread, verdict

PROBE = Path(__file__).resolve().parent / "probe.py"
BUILD_MAX_CPU_RATIO = 0.60  # CPU per PDF of a default build / naive CPU per PDF


def probe(args: list[object], cwd: Path) -> tuple[CliRun, dict]:  # type: ignore[type-arg]
    """Run benchmarks/probe.py in a fresh process of this Python; its JSON answer."""
    run = run_command([sys.executable, str(PROBE), *map(str, args)], cwd)
    if run.returncode != 0:
        raise BenchError(f"probe.py {args[0]} failed:\n{run.stdout[-2000:]}\n{run.stderr[-3000:]}")
    return run, json.loads(run.stdout.strip().splitlines()[-1])


def export_html(project: Path, work: Path) -> Path:
    """The HTML of every PDF of a default build, from the package's public ``prepare``."""
    folder = work / "html"
    folder.mkdir()
    _, answer = probe(["export", project, folder], work)
    log(f"  exported the HTML of {answer['pdfs']} PDFs ({answer['documents']} one-language documents)")
    return folder


@dataclass
class VersusNaive:
    pdfs: int
    naive_wall: list[float]  # whole process, seconds
    naive_cpu: list[float]
    naive_render_cpu: list[float]  # the renders alone (in the process), per run
    build_wall: list[float]
    build_cpu: list[float]


def naive_run(html: Path, work: Path, figures: VersusNaive) -> None:
    run, answer = probe(["naive", html], work)
    figures.naive_wall.append(run.wall)
    figures.naive_cpu.append(run.cpu)
    figures.naive_render_cpu.append(sum(answer["cpu"]))
    count = len(answer["cpu"])
    log(f"  naive: {count} PDFs in {run.wall:.2f} s, CPU {run.cpu:.2f} s "
        f"({ms(run.cpu / count)} per PDF; the renders alone {ms(sum(answer['cpu']) / count)})")


def build_run(project: Path, work: Path, figures: VersusNaive) -> None:
    run = build(project, work / "versus-out", work, "--force")
    if not run.built:
        raise BenchError("'handouts build --force' said it built nothing:\n" + run.stdout[-1000:])
    figures.pdfs = run.built
    figures.build_wall.append(run.wall)
    figures.build_cpu.append(run.cpu)
    log(f"  handouts build --force: {run.built} PDFs in {run.wall:.2f} s, CPU {run.cpu:.2f} s "
        f"({ms(run.cpu / run.built)} per PDF)")


def measure_versus_naive(project: Path, html: Path, work: Path, reps: int) -> VersusNaive:
    figures = VersusNaive(0, [], [], [], [], [])
    build(project, work / "versus-out", work)  # the first build of this folder: the runs below all use --force
    for rep in range(reps):
        if rep % 2:  # alternate which goes first, so drift hits both alike
            build_run(project, work, figures)
        naive_run(html, work, figures)
        if not rep % 2:
            build_run(project, work, figures)
    return figures


def versus_rows(figures: VersusNaive) -> list[Row]:
    n = figures.pdfs
    naive_cpu, build_cpu = median(figures.naive_cpu) / n, median(figures.build_cpu) / n
    ratio = build_cpu / naive_cpu
    ratios = [b / a for a, b in zip(figures.naive_cpu, figures.build_cpu, strict=True)]  # pairs of one round
    wall_ratio = median(figures.build_wall) / median(figures.naive_wall)
    return [
        Row(f"1. naive baseline, {n} PDFs, whole process (plain WeasyPrint)",
            f"CPU {ms(naive_cpu)}/PDF ({spread([c / n for c in figures.naive_cpu], 'ms')}); renders alone "
            f"{ms(median(figures.naive_render_cpu) / n)}/PDF; wall {median(figures.naive_wall):.2f} s "
            f"({spread(figures.naive_wall)})"),
        Row(f"2. default build, {n} PDFs (handouts build --force), whole process",
            f"CPU {ms(build_cpu)}/PDF = {ratio:.2f}x naive (rounds {min(ratios):.2f}-{max(ratios):.2f}x); "
            f"wall {median(figures.build_wall):.2f} s ({spread(figures.build_wall)}) = {wall_ratio:.2f}x naive",
            f"CPU <= {BUILD_MAX_CPU_RATIO:.2f}x", verdict(ratio <= BUILD_MAX_CPU_RATIO)),
    ]


@dataclass
class WarmRender:
    naive_cpu: float  # median per one-language render, in-process
    warm_cpu: float
    naive_wall: float
    warm_wall: float
    warm_cpu_regular: float  # regular print only: the kind of sheet the scale run makes
    warm_wall_regular: float
    ratios: list[float]  # warm / naive CPU, the medians of each round
    samples: int


def measure_warm(html: Path, work: Path, rounds: int) -> WarmRender:
    _, times = probe(["warm", html, rounds], work)
    naive, warm = times["naive"], times["warm"]
    per_round = len(warm) // rounds
    ratios = [median([w[1] for w in warm[i:i + per_round]]) / median([n[1] for n in naive[i:i + per_round]])
              for i in range(0, len(warm), per_round)]
    regular = [w for w in warm if not w[0]]
    figures = WarmRender(median([n[1] for n in naive]), median([w[1] for w in warm]),
                         median([n[2] for n in naive]), median([w[2] for w in warm]),
                         median([w[1] for w in regular]), median([w[2] for w in regular]), ratios, len(warm))
    log(f"  per one-language render, CPU: naive {ms(figures.naive_cpu)}, warm {ms(figures.warm_cpu)} "
        f"({figures.samples} renders each)")
    return figures


def warm_rows(figures: WarmRender) -> list[Row]:
    ratio = figures.warm_cpu / figures.naive_cpu
    return [Row("2'. one render, warm PdfRenderer vs naive (one-language, in-process)",
                f"CPU {ms(figures.warm_cpu)} vs {ms(figures.naive_cpu)} = {ratio:.2f}x "
                f"(rounds {min(figures.ratios):.2f}-{max(figures.ratios):.2f}x); wall "
                f"{ms(figures.warm_wall)} vs {ms(figures.naive_wall)} = {figures.warm_wall / figures.naive_wall:.2f}x; "
                f"regular print "
                f"{ms(figures.warm_cpu_regular)} CPU, {ms(figures.warm_wall_regular)} wall")]
