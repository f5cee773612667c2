#!/usr/bin/env python3
"""Benchmark the handouts build: rendering, incremental rebuilds, start-up, watch and scale.

Run from the project folder, after the README's install:

    .venv/bin/python benchmarks/bench.py            # full run, about 4 minutes on 2 idle cores
    .venv/bin/python benchmarks/bench.py --quick    # shorter run, under 2 minutes
    .venv/bin/python benchmarks/bench.py --sheets 2000

Everything happens in temporary folders: the project is copied once at the start (so a
file saved during the run cannot change what is measured), and no file of the
repository is changed. No target is a test: the script reports, it never fails because of a
figure. See benchmarks/README.md for what each figure means.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import queue
import re
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROJECT_ITEMS = ("handouts.yaml", "content", "locales", "templates", "fonts", "brands")
PO_RELPATH = Path("locales/fr/LC_MESSAGES/messages.po")

DONE = re.compile(r"Done in [\d.]+ s: (\d+) built, (\d+) unchanged, (\d+) failed")
NOTHING = re.compile(r"Nothing to do: all (\d+) PDFs are up to date")

# Targets (see README.md).
WARM_MAX_RATIO = 0.70
NOOP_MAX_SECONDS = 0.25
NOOP_MAX_RATIO = 0.15
HELP_MAX_RATIO = 2.0
WATCH_MAX_SECONDS = 0.3
SCALE_MIN_EFFICIENCY = 0.80
SCALE_MAX_SLOWDOWN = 2.0
MEMORY_MAX_GROWTH = 0.20

_STARTED = time.perf_counter()
# The environment of every command the benchmark runs (see bytecode_environment).
ENV: dict[str, str] = dict(os.environ)


class BenchError(Exception):
    """A measurement that could not be made: reported in its row, and the run goes on."""


def log(message: str) -> None:
    print(f"[{time.perf_counter() - _STARTED:6.1f} s] {message}", flush=True)


class CpuMeter:
    """How busy the machine's CPUs were between start and stop: by this benchmark, and by everything else.

    Other processes (a test suite, another build) slow every figure down; this says by how much.
    Reads /proc/stat (Linux); elsewhere only this benchmark's own use is known.
    """

    def __init__(self) -> None:
        self.start = self._read()
        self.cpu = 0.0  # CPU seconds this benchmark and its commands used, set by stop()

    @staticmethod
    def _read() -> tuple[float, int | None, int | None, float]:
        total = idle = None
        try:
            with open("/proc/stat", encoding="ascii") as stat:
                fields = [int(x) for x in stat.readline().split()[1:]]
            total, idle = sum(fields[:8]), fields[3] + fields[4]
        except (OSError, ValueError, IndexError):
            pass
        ours = sum(getattr(resource.getrusage(who), name) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
                   for name in ("ru_utime", "ru_stime"))
        return time.perf_counter(), total, idle, ours

    def stop(self) -> tuple[float, float | None]:
        """(cores this benchmark and its commands used, cores the other processes used) on average."""
        wall0, total0, idle0, ours0 = self.start
        wall1, total1, idle1, ours1 = self._read()
        wall = max(wall1 - wall0, 1e-9)
        self.cpu = ours1 - ours0
        ours = self.cpu / wall
        if total0 is None or total1 is None or total1 == total0:
            return ours, None
        busy = (1 - (idle1 - idle0) / (total1 - total0)) * (os.cpu_count() or 1)  # type: ignore[operator]
        return ours, max(0.0, busy - ours)

    def describe(self) -> str:
        ours, others = self.stop()
        return f"CPU: ours {ours:.2f} cores" + (f", other processes {others:.2f}" if others is not None else "")


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


def mb(maxrss: int) -> str:
    """getrusage's ru_maxrss in MB: Linux gives kB, macOS bytes."""
    return f"{maxrss / (1024 * 1024 if sys.platform == 'darwin' else 1024):.0f}"


# ---------------------------------------------------------------- project copies and the CLI


def copy_project(dest: Path, source: Path = ROOT) -> Path:
    """A copy of the files a build reads (not the code: that is the installed package)."""
    dest.mkdir(parents=True, exist_ok=True)
    for name in PROJECT_ITEMS:
        item = source / name
        if item.is_dir():
            shutil.copytree(item, dest / name, ignore=shutil.ignore_patterns(".*"))
        elif item.is_file():
            shutil.copy2(item, dest / name)
    settings = dest / "handouts.yaml"
    text = settings.read_text(encoding="utf-8")
    if "large_print: true" not in text:  # the whole project, large print too, in one build
        text = re.sub(r"(?m)^large_print:.*\n?", "", text).rstrip("\n") + "\nlarge_print: true\n"
        settings.write_text(text, encoding="utf-8")
    return dest


def cli_command() -> list[str]:
    """The 'handouts' console script next to this Python, as a user types it; else python -m handouts."""
    script = Path(sys.executable).parent / "handouts"
    return [str(script)] if script.is_file() else [sys.executable, "-m", "handouts"]


@dataclass
class CliRun:
    seconds: float
    returncode: int
    stdout: str
    stderr: str
    built: int | None = None  # from the summary line
    unchanged: int | None = None
    wrote: list[str] = field(default_factory=list)  # 'fr/redness.pdf', ...

    @property
    def noop(self) -> bool:
        return NOTHING.search(self.stdout) is not None


def run_cli(args: list[str], cwd: Path, check: bool = True) -> CliRun:
    command = cli_command() + [str(a) for a in args]
    started = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, stdin=subprocess.DEVNULL, env=ENV)
    run = CliRun(time.perf_counter() - started, done.returncode, done.stdout, done.stderr)
    if check and done.returncode != 0:
        raise BenchError(f"`{' '.join(command)}` exited with {done.returncode}:\n"
                         f"{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    if match := DONE.search(done.stdout):
        run.built, run.unchanged = int(match.group(1)), int(match.group(2))
    elif match := NOTHING.search(done.stdout):
        run.built, run.unchanged = 0, int(match.group(1))
    for line in done.stdout.splitlines():
        if line.startswith("wrote "):
            path = Path(line[len("wrote "):].strip())
            run.wrote.append(f"{path.parent.name}/{path.name}")
    return run


@dataclass
class FullBuild:
    """Every sheet of every edition, regular and large print: one CLI call (large_print: true)."""

    seconds: float
    calls: list[CliRun]

    @property
    def built(self) -> int:
        return sum(c.built or 0 for c in self.calls)

    @property
    def unchanged(self) -> int:
        return sum(c.unchanged or 0 for c in self.calls)

    @property
    def wrote(self) -> list[str]:
        return [w for c in self.calls for w in c.wrote]


def full_build(project: Path, out: Path, cwd: Path, *extra: str) -> FullBuild:
    started = time.perf_counter()
    calls = [run_cli(["build", "--project", project, "--out", out, *extra], cwd)]
    return FullBuild(time.perf_counter() - started, calls)


# ---------------------------------------------------------------- catalog editing


def po_quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def single_sheet_entry(po_text: str, sheet: str, section: str = "What to do") -> int:
    """The index (in blocks split on blank lines) of a translated message used by ``sheet`` only."""
    blocks = po_text.split("\n\n")
    fallback = None
    for index, block in enumerate(blocks):
        lines = block.strip("\n").split("\n")
        if any(line.startswith("#~") for line in lines) or any(
                line.startswith("#,") and "fuzzy" in line for line in lines):
            continue
        locations = [loc for line in lines if line.startswith("#:") for loc in line[2:].split()]
        if len(locations) != 1 or not locations[0].startswith(f"content/{sheet}.yaml:"):
            continue
        start = next((i for i, line in enumerate(lines) if line.startswith("msgstr")), None)
        if start is None or not "".join(re.findall(r'"(.*)"', "\n".join(lines[start:]))):
            continue  # untranslated
        if any(line.startswith("#.") and section in line for line in lines):
            return index
        fallback = index if fallback is None else fallback
    if fallback is None:
        raise BenchError(f"no translated message in {PO_RELPATH} is used by '{sheet}' only.")
    return fallback


def with_msgstr(po_text: str, block_index: int, new: str) -> str:
    blocks = po_text.split("\n\n")
    lines = blocks[block_index].split("\n")
    start = next(i for i, line in enumerate(lines) if line.startswith("msgstr"))
    end = start + 1
    while end < len(lines) and lines[end].startswith('"'):
        end += 1
    lines[start:end] = [f"msgstr {po_quote(new)}"]
    blocks[block_index] = "\n".join(lines)
    return "\n\n".join(blocks)


def write_atomically(path: Path, text: str) -> None:
    """As most editors save: a new file renamed over the old one."""
    temp = path.with_name(f".{path.name}.bench-tmp")
    temp.write_text(text, encoding="utf-8")
    os.replace(temp, path)


# ---------------------------------------------------------------- 1 and 2: naive vs warm rendering


@dataclass
class RenderFigures:
    naive: float
    warm: float
    warm_regular: float  # regular print only: the kind of sheet the scale run makes
    naive_regular: float
    sheets: int
    samples: int


def measure_render(project: Path, reps: int) -> RenderFigures:
    from handouts import build as pipeline
    from handouts.pdf import STYLESHEET, PdfRenderer, _weasyprint, make_fetcher

    weasyprint = _weasyprint()
    plans = [pipeline.prepare(project, large_print=False), pipeline.prepare(project, large_print=True)]
    # One language per PDF: exactly one HTML document per sheet, the same as in the build.
    tasks = [task for plan in plans for task in plan.tasks if len(task.parts) == 1]
    plan = plans[0]
    base_url = plan.project.templates_dir.resolve().as_uri() + "/"
    renderer = PdfRenderer(plan.project.templates_dir, allowed=plan.allowed, fonts_dir=plan.project.fonts_dir)

    # The naive way: the sheet as a standalone HTML document that links its stylesheet
    # (the renderer applies its parsed copy instead), everything made fresh for every
    # sheet, and the same kind of PDF (tagged PDF/UA-1) as the build writes.
    link = f'<link rel="stylesheet" href="{STYLESHEET.as_posix()}">'

    def naive(task) -> float:  # type: ignore[no-untyped-def]
        started = time.perf_counter()
        html = task.parts[0].html.replace("<head>", "<head>" + link, 1)
        weasyprint.HTML(string=html, base_url=base_url,
                        url_fetcher=make_fetcher(plan.allowed)).write_pdf(pdf_variant="pdf/ua-1")
        return time.perf_counter() - started

    def warm(task) -> float:  # type: ignore[no-untyped-def]
        started = time.perf_counter()
        rendered = renderer.render_parts(task.parts, title=task.title)
        elapsed = time.perf_counter() - started
        if rendered.pdf is None:
            raise BenchError(f"{task.relpath} does not fit its pages.")
        return elapsed

    naive(tasks[0])  # first use of each path loads libraries and caches: not what is measured
    warm(tasks[0])
    naive_all: list[float] = []
    warm_all: list[float] = []
    naive_regular: list[float] = []
    warm_regular: list[float] = []
    for rep in range(reps):
        meter = CpuMeter()
        for index, task in enumerate(tasks):
            if (rep + index) % 2:  # alternate which goes first, so drift hits both alike
                n, w = naive(task), warm(task)
            else:
                w, n = warm(task), naive(task)
            naive_all.append(n)
            warm_all.append(w)
            if not task.edition.large_print:
                naive_regular.append(n)
                warm_regular.append(w)
        log(f"  round {rep + 1}/{reps}: naive {ms(median(naive_all))}, warm {ms(median(warm_all))} per sheet so far "
            f"({meter.describe()})")
    return RenderFigures(median(naive_all), median(warm_all), median(warm_regular), median(naive_regular),
                         len(tasks), len(naive_all))


# ---------------------------------------------------------------- 5: one translated message changes


@dataclass
class ChangeFigures:
    built: int
    using: int
    wrote: list[str]
    expected: list[str]
    seconds: float
    message: str


def measure_message_change(work: Path, sheet: str = "redness") -> ChangeFigures:
    from handouts import build as pipeline

    project = copy_project(work / "change-project")
    out = work / "change-out"
    first = full_build(project, out, work)
    log(f"  first build of the copy: {first.built} PDFs in {first.seconds:.2f} s")
    po = project / PO_RELPATH
    text = po.read_text(encoding="utf-8")
    index = single_sheet_entry(text, sheet)
    token = "benchzq7x"
    new = f"Appliquez une crème apaisante, repère {token}."
    location = next(line for line in text.split("\n\n")[index].split("\n") if line.startswith("#:"))
    write_atomically(po, with_msgstr(text, index, new))
    second = full_build(project, out, work)
    plans = [pipeline.prepare(project, large_print=False), pipeline.prepare(project, large_print=True)]
    expected = sorted(t.relpath for plan in plans for t in plan.tasks if any(token in p.html for p in t.parts))
    return ChangeFigures(second.built, len(expected), sorted(second.wrote), expected, second.seconds,
                         location[2:].strip())


# ---------------------------------------------------------------- 8: watch latency


def measure_watch(work: Path, changes: int, sheet: str = "redness") -> tuple[list[float], list[str]]:
    project = copy_project(work / "watch-project")
    out = work / "watch-out"
    po = project / PO_RELPATH
    text = po.read_text(encoding="utf-8")
    index = single_sheet_entry(text, sheet)
    pdf = out / "fr" / f"{sheet}.pdf"
    # One sheet, one PDF: regular print only (with large print, the same save also makes fr-large/).
    command = cli_command() + ["watch", "--project", str(project), "--lang", "fr", "--no-large-print",
                               "--out", str(out)]
    lines: queue.Queue[str] = queue.Queue()
    process = subprocess.Popen(command, cwd=work, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               stdin=subprocess.DEVNULL, env=ENV)

    def pump(stream) -> None:  # type: ignore[no-untyped-def]
        for line in stream:
            lines.put(line.rstrip("\n"))

    for stream in (process.stdout, process.stderr):
        threading.Thread(target=pump, args=(stream,), daemon=True).start()
    seen: list[str] = []

    def wait_for(what: str, timeout: float) -> None:
        deadline = time.perf_counter() + timeout
        while True:
            left = deadline - time.perf_counter()
            if left <= 0 or process.poll() is not None and lines.empty():
                raise BenchError(f"'handouts watch' did not print {what!r}:\n" + "\n".join(seen))
            try:
                line = lines.get(timeout=min(left, 0.5))
            except queue.Empty:
                continue
            seen.append(line)
            if what in line:
                return

    latencies: list[float] = []
    summaries: list[str] = []
    try:
        wait_for("Watching for changes", 180)
        for change in range(changes):
            before = pdf.read_bytes()
            new = f"Appliquez une crème apaisante, essai {change + 1} " + "de latence " * (change % 3) + "du watch."
            changed = with_msgstr(text, index, new.replace("  ", " "))
            started = time.perf_counter()
            write_atomically(po, changed)
            while True:
                try:
                    if pdf.read_bytes() != before:
                        break
                except OSError:
                    pass
                if time.perf_counter() - started > 30:
                    while not lines.empty():
                        seen.append(lines.get())
                    raise BenchError("the PDF did not change within 30 s of the edit; 'handouts watch' said:\n"
                                     + "\n".join(seen[-20:]))
                time.sleep(0.005)
            latencies.append(time.perf_counter() - started)
            count = len(seen)
            wait_for("Watching for changes", 60)  # that rebuild is over
            summaries += [line for line in seen[count:] if DONE.search(line)]
            log(f"  change {change + 1}/{changes}: the PDF changed after {ms(latencies[-1])}")
            time.sleep(0.2)
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    return latencies, summaries


# ---------------------------------------------------------------- 9: scale


def make_synthetic(source: Path, dest: Path, files: int) -> dict[str, int]:
    """``files`` content files made from the real ones, and a French catalog that translates them all."""
    from handouts import catalogs, content

    dest.mkdir(parents=True)
    for name in ("handouts.yaml", "templates", "fonts", "brands", "locales"):
        item = source / name
        (shutil.copytree(item, dest / name) if item.is_dir() else shutil.copy2(item, dest / name))
    (dest / "content").mkdir()
    real = content.load_handouts(source / "content")
    catalog = catalogs.load_catalog(source / "locales", "fr")
    assert catalog is not None
    french = {entry.msgid: entry.msgstr for entry in catalog.entries if entry.msgctxt is None and entry.translated}
    untranslated = {t.text for h in real for t in h.texts() if t.text not in french}
    added = []
    for number in range(1, files + 1):
        base = real[(number - 1) % len(real)]
        name = f"{base.name}-v{number:04d}"
        title = f"{base.title.text} (variant {number})"
        lines = [f"# Synthetic sheet for benchmarks/bench.py, made from content/{base.name}.yaml.",
                 f"title: {json.dumps(title, ensure_ascii=False)}",
                 f"summary: {json.dumps(base.summary.text, ensure_ascii=False)}",
                 "review:", '  status: "draft"', '  reviewed_by: ""', '  reviewed_on: ""']
        for key, items in base.sections.items():
            shift = ((number - 1) // len(real)) % len(items)  # each variant of a sheet in another order
            lines.append(f"{key}:")
            lines += [f"  - {json.dumps(t.text, ensure_ascii=False)}" for t in items[shift:] + items[:shift]]
        (dest / "content" / f"{name}.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
        if base.title.text in french:
            added.append((name, title, f"{french[base.title.text]} (variante {number})"))
    with (dest / PO_RELPATH).open("a", encoding="utf-8") as po:
        for name, title, translated in added:
            po.write(f"\n#. Sheet '{name}': title.\n#: content/{name}.yaml:2\n"
                     f"msgid {po_quote(title)}\nmsgstr {po_quote(translated)}\n")
    return {"files": files, "new_messages": len(added), "untranslated_reused": len(untranslated)}


SCALE_CODE = r"""
import json, resource, sys, time
from pathlib import Path
from handouts import build
result = build.build(Path(sys.argv[1]), langs=("en", "fr"), out_dir=Path(sys.argv[2]), force=True,
                     large_print=False)
print(json.dumps({
    "seconds": result.seconds, "written": len(result.written), "jobs": result.jobs,
    "peaks": sorted(result.worker_peaks.values()), "warnings": [str(w) for w in result.warnings],
    "main_peak": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
    "children_peak": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
}))
"""


@dataclass
class ScaleRun:
    sheets: int
    seconds: float
    wall: float
    jobs: int
    peaks: list[int]
    main_peak: int
    warnings: list[str]

    @property
    def rate(self) -> float:
        return self.sheets / self.seconds


def scale_run(project: Path, work: Path) -> ScaleRun:
    out = Path(tempfile.mkdtemp(prefix="scale-out-", dir=work))
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", SCALE_CODE, str(project), str(out)], cwd=work,
                          capture_output=True, text=True, stdin=subprocess.DEVNULL, env=ENV)
    wall = time.perf_counter() - started
    shutil.rmtree(out, ignore_errors=True)
    if done.returncode != 0:
        raise BenchError(f"the scale build failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    data = json.loads(done.stdout.strip().splitlines()[-1])
    return ScaleRun(data["written"], data["seconds"], wall, data["jobs"], data["peaks"], data["main_peak"],
                    data["warnings"])


# ---------------------------------------------------------------- the run


def load() -> str:
    return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())


SPEED_CHECKS: list[float] = []


def speed_check() -> str:
    """Time a fixed pure-Python loop: if this changes during a run, so did the machine's speed.

    Virtual machines and laptops change speed (other guests on the host, power and heat
    limits) in ways the load average and /proc/stat do not show.
    """
    started = time.perf_counter()
    total = 0
    for i in range(1_500_000):
        total += i * i
    SPEED_CHECKS.append(time.perf_counter() - started)
    return f"speed check {ms(SPEED_CHECKS[-1])}"


def bytecode_environment(work: Path, keep_env: bool) -> str:
    """Commands run with compiled bytecode cached, as after an ordinary install.

    With PYTHONDONTWRITEBYTECODE set (some sandboxes and CI images set it) and an editable
    install, every 'handouts' command would compile the package again; a user's Python
    caches it. The cache goes to the benchmark's temporary folder, never into the repository.
    """
    if keep_env or not os.environ.get("PYTHONDONTWRITEBYTECODE"):
        return "as given"
    ENV.pop("PYTHONDONTWRITEBYTECODE", None)
    ENV["PYTHONPYCACHEPREFIX"] = str(work / "pycache")
    return f"PYTHONDONTWRITEBYTECODE unset, bytecode cached in {work / 'pycache'} (--keep-env to run as given)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="fewer repetitions and a smaller scale run")
    parser.add_argument("--sheets", type=int, default=None,
                        help="PDFs in the large scale run (default 1000, or 200 with --quick); "
                             "the small run makes a tenth of it")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (its path is printed)")
    parser.add_argument("--keep-env", action="store_true",
                        help="run commands with the environment exactly as given (see README: bytecode)")
    args = parser.parse_args()
    quick = args.quick
    large = args.sheets or (200 if quick else 1000)
    large = max(20, large + large % 2)  # en and fr of each content file: an even number
    small = max(2, large // 10 + (large // 10) % 2)
    reps = {"render": 2 if quick else 5, "cold": 1 if quick else 3, "noop": 3 if quick else 7,
            "jobs": 1 if quick else 3, "help": 5 if quick else 9, "watch": 3 if quick else 6,
            "scale_small": 1 if quick else 3, "scale_large": 1 if quick else 2}

    from handouts import build as pipeline
    from handouts.pdf import _weasyprint, subset_available

    weasyprint = _weasyprint()
    cores = pipeline.default_jobs()
    work = Path(tempfile.mkdtemp(prefix="handouts-bench-"))
    machine = {
        "cores": f"{cores} usable (os.cpu_count() = {os.cpu_count()})",
        "python": f"{platform.python_version()} ({platform.python_implementation()})",
        "weasyprint": weasyprint.__version__,
        "subset": "yes" if subset_available() else "NO (fontTools subsetting, much slower)",
        "platform": platform.platform(),
        "load_start": load(),
        "environment": bytecode_environment(work, args.keep_env),
    }
    log(f"handouts benchmark ({'quick' if quick else 'full'} run) of {ROOT}")
    for key, value in machine.items():
        log(f"  {key}: {value}")
    log(f"  python: {sys.executable}; handouts command: {' '.join(cli_command())}; working folder: {work}")
    if os.getloadavg()[0] > 0.5:
        log("  note: other processes are using the CPU; figures will be slower and noisier than on an idle machine")

    rows: list[tuple[str, str, str, str]] = []  # (measure, result, target, status)
    run_meter = CpuMeter()
    state: dict[str, object] = {}

    def status(ok: bool) -> str:
        return "met" if ok else "NOT met"

    def section(title: str, measure) -> None:  # type: ignore[no-untyped-def]
        log(f"{title} ({load()}, {speed_check()})")
        try:
            rows.extend(measure())
        except Exception as err:  # noqa: BLE001 - one failed measurement must not lose the others
            detail = str(err).strip().splitlines() or [type(err).__name__]
            log(f"  FAILED: {type(err).__name__}: {str(err).strip()}")
            rows.append((title.split(" (")[0][:60], f"error: {detail[0][:70]}", "-", "NOT measured"))

    def warm_up() -> list:  # type: ignore[type-arg]
        started = time.perf_counter()
        run_cli(["--help"], work)
        run_cli(["check", "--project", project], work, check=False)
        run_cli(["build", "--project", project, "--out", work / "warm-up-out", "--lang", "fr"], work)
        subprocess.run([sys.executable, "-c", "import click"], check=True, cwd=work, env=ENV)
        log(f"  --help, check, one build and 'import click' ran once, untimed ({time.perf_counter() - started:.1f} s)")
        return []

    def naive_and_warm() -> list:  # type: ignore[type-arg]
        render = measure_render(project, reps["render"])
        state["render"] = render
        ratio = render.warm / render.naive
        log(f"  naive {ms(render.naive)}/sheet, warm {ms(render.warm)}/sheet: {ratio:.2f}x "
            f"({render.sheets} sheets x {reps['render']} rounds = {render.samples} samples each)")
        return [("1. naive baseline, per sheet (fresh HTML().write_pdf())",
                 f"{ms(render.naive)} (regular print {ms(render.naive_regular)})", "-", "-"),
                ("2. warm render, per sheet (one PdfRenderer)",
                 f"{ms(render.warm)} = {ratio:.2f}x naive (regular {ms(render.warm_regular)})",
                 f"<= {WARM_MAX_RATIO:.2f}x", status(ratio <= WARM_MAX_RATIO))]

    def cold_build() -> list:  # type: ignore[type-arg]
        colds = []
        for rep in range(reps["cold"]):
            out = work / f"cold-out-{rep}"
            meter = CpuMeter()
            cold = full_build(project, out, work)
            colds.append(cold)
            state["out"] = out
            log(f"  cold build {rep + 1}: {cold.built} PDFs in {cold.seconds:.2f} s ({meter.describe()})")
        state["cold"] = cold_seconds = median([c.seconds for c in colds])
        return [(f"3. cold full build, {colds[0].built} PDFs (one CLI call)", f"{cold_seconds:.2f} s", "-", "-")]

    def noop_rebuild() -> list:  # type: ignore[type-arg]
        if "out" not in state:
            raise BenchError("needs the cold build (3), which failed")
        noops = []
        for _ in range(reps["noop"]):
            noop = full_build(project, state["out"], work)  # type: ignore[arg-type]
            noops.append(noop)
            if noop.built:
                log(f"  WARNING: this no-op rebuild rendered {noop.built} PDFs: {', '.join(noop.wrote)}")
        whole = median([n.seconds for n in noops])
        ratio = whole / state["cold"]  # type: ignore[operator]
        all_noop = all(c.noop for n in noops for c in n.calls)
        log(f"  no-op: {whole:.3f} s (median; fastest {min(n.seconds for n in noops):.3f} s, slowest "
            f"{max(n.seconds for n in noops):.3f} s), {ratio:.3f}x the cold build; "
            f"every call said 'Nothing to do': {all_noop}")
        return [("4a. no-op rebuild, whole project (one CLI call, 24 PDFs)", f"{whole:.3f} s",
                 f"<= {NOOP_MAX_SECONDS} s", status(whole <= NOOP_MAX_SECONDS and all_noop)),
                ("4b. no-op rebuild (4a) / cold full build (3)", f"{ratio:.3f}x", f"< {NOOP_MAX_RATIO}x",
                 status(ratio < NOOP_MAX_RATIO and all_noop))]

    def message_change() -> list:  # type: ignore[type-arg]
        change = measure_message_change(work)
        log(f"  changed the French of {change.message}: {change.built} PDFs re-rendered in {change.seconds:.2f} s "
            f"(one CLI call); {change.using} PDFs contain the new text")
        log(f"  re-rendered: {', '.join(change.wrote) or 'none'}")
        log(f"  use it:      {', '.join(change.expected) or 'none'}")
        return [("5. 1 message changed: PDFs re-rendered / PDFs using it",
                 f"{change.built} / {change.using} (rebuild {change.seconds:.2f} s)", "only those",
                 status(change.wrote == change.expected))]

    def jobs() -> list:  # type: ignore[type-arg]
        out = work / "jobs-out"
        one, default, others = [], [], []
        for rep in range(reps["jobs"]):
            for which in (("1", "default") if rep % 2 == 0 else ("default", "1")):
                extra = ("--force", "--jobs", "1") if which == "1" else ("--force",)
                meter = CpuMeter()
                run = full_build(project, out, work, *extra)
                ours, other = meter.stop()
                others.append(other or 0.0)
                (one if which == "1" else default).append(run.seconds)
                log(f"  --jobs {which if which == '1' else cores}: {run.built} PDFs in {run.seconds:.2f} s "
                    f"(CPU: ours {ours:.2f} cores, other processes {other or 0:.2f})")
        speedup = median(one) / median(default)
        return [(f"6. full build --force: --jobs 1 vs default ({cores})",
                 f"{median(one):.2f} s vs {median(default):.2f} s: {speedup:.2f}x faster "
                 f"(others used {statistics.mean(others):.1f} cores)", "-", "-")]

    def startup() -> list:  # type: ignore[type-arg]
        helps, clicks = [], []
        for _ in range(reps["help"]):
            helps.append(run_cli(["--help"], work).seconds)
            started = time.perf_counter()
            subprocess.run([sys.executable, "-c", "import click"], check=True, cwd=work, env=ENV)
            clicks.append(time.perf_counter() - started)
        ratio = median(helps) / median(clicks)
        log(f"  --help {ms(median(helps))}, import click {ms(median(clicks))}: {ratio:.2f}x")
        return [("7. handouts --help vs python -c 'import click'",
                 f"{ms(median(helps))} vs {ms(median(clicks))} = {ratio:.2f}x", f"<= {HELP_MAX_RATIO:.0f}x",
                 status(ratio <= HELP_MAX_RATIO))]

    def watch() -> list:  # type: ignore[type-arg]
        latencies, summaries = measure_watch(work, reps["watch"])
        middle = median(latencies)
        log(f"  latency median {ms(middle)}, max {ms(max(latencies))}; its rebuilds said: "
            + "; ".join(sorted({re.sub(r"Done in [\d.]+ s: ", "", s) for s in summaries[1:]})))
        return [("8. watch: .po saved -> PDF changed on disk",
                 f"median {ms(middle)}, max {ms(max(latencies))}", f"<= {WATCH_MAX_SECONDS} s",
                 status(middle <= WATCH_MAX_SECONDS))]

    def scale() -> list:  # type: ignore[type-arg]
        projects = {}
        for count in (small, large):
            started = time.perf_counter()
            folder = work / f"synthetic-{count}"
            info = make_synthetic(project, folder, count // 2)
            projects[count] = folder
            log(f"  made {folder.name}: {info['files']} content files, {info['new_messages']} new French titles, "
                f"{info['untranslated_reused']} reused texts without French ({time.perf_counter() - started:.1f} s)")
        for count in (small, large):
            checked = run_cli(["check", "--project", projects[count]], work, check=False)
            last = (checked.stdout.strip().splitlines() or ["(no output)"])[-1]
            log(f"  handouts check --project {projects[count].name}: exit {checked.returncode}: {last}")
            if checked.returncode != 0:
                raise BenchError(f"handouts check refused the synthetic project:\n{checked.stdout[-2000:]}")
        runs: dict[int, list[ScaleRun]] = {small: [], large: []}
        others: list[float] = []
        cpu_per_pdf: list[float] = []
        for count, times in ((small, reps["scale_small"]), (large, reps["scale_large"])):
            for _ in range(times):
                meter = CpuMeter()
                run = scale_run(projects[count], work)
                ours, other = meter.stop()
                if count == large:
                    others.append(other or 0.0)
                    cpu_per_pdf.append(meter.cpu / run.sheets)
                runs[count].append(run)
                log(f"  {run.sheets} PDFs in {run.seconds:.1f} s ({run.rate:.1f} PDFs/s, {run.jobs} workers, peak "
                    f"per worker {', '.join(mb(p) for p in run.peaks)} MB, main process {mb(run.main_peak)} MB, "
                    f"{len(run.warnings)} warnings; "
                    f"CPU: ours {ours:.2f} cores = {ms(meter.cpu / run.sheets)} per PDF, other processes {other or 0:.2f})")
                for warning in run.warnings[:3]:
                    log(f"    warning: {warning[:160]}")
        t_small = median([r.seconds for r in runs[small]])
        t_large = median([r.seconds for r in runs[large]])
        rows = [(f"9a. scale: {small} PDFs ({small // 2} files x en, fr)",
                 f"{t_small:.1f} s = {small / t_small:.1f} PDFs/s", "-", "-")]
        render = state.get("render")
        if isinstance(render, RenderFigures):
            ideal = cores / render.warm_regular
            efficiency = (large / t_large) / ideal
            rows.append((f"9b. scale: {large} PDFs vs ideal {cores} cores / {ms(render.warm_regular)}",
                         f"{t_large:.1f} s = {large / t_large:.1f}/s = {efficiency:.0%} of {ideal:.1f}/s "
                         f"(others used {statistics.mean(others):.1f} cores)",
                         f">= {SCALE_MIN_EFFICIENCY:.0%}", status(efficiency >= SCALE_MIN_EFFICIENCY)))
        else:
            rows.append((f"9b. scale: {large} PDFs", f"{t_large:.1f} s = {large / t_large:.1f}/s",
                         "needs 2", "NOT measured"))
        rows.append((f"9b'. scale: CPU time per PDF at {large} (all processes of the build)",
                     f"{ms(median(cpu_per_pdf))}", "-", "-"))
        slowdown = (t_large / t_small) / (large / small)
        rows.append((f"9c. time({large}) / time({small})", f"{t_large / t_small:.1f}x = {slowdown:.2f}x linear",
                     f"<= {SCALE_MAX_SLOWDOWN * large / small:.0f}x", status(slowdown <= SCALE_MAX_SLOWDOWN)))
        peaks_small = [p for r in runs[small] for p in r.peaks]
        peaks_large = [p for r in runs[large] for p in r.peaks]
        growth = max(peaks_large) / max(peaks_small) - 1

        def spread(peaks: list[int]) -> str:
            return f"max {mb(max(peaks))} MB, spread {mb(max(peaks) - min(peaks))} MB"

        rows.append((f"9d. peak memory per worker, {small} -> {large} PDFs",
                     f"{spread(peaks_small)} -> {spread(peaks_large)} ({growth:+.0%})",
                     f"within {MEMORY_MAX_GROWTH:.0%}", status(abs(growth) <= MEMORY_MAX_GROWTH)))
        return rows

    try:
        project = copy_project(work / "project")
        log("copied the project's files (handouts.yaml, content, locales, templates, fonts, brands): "
            "edits saved during the run do not change what is measured")
        section("0. warm-up", warm_up)
        section(f"1-2. naive WeasyPrint vs warm PdfRenderer, {reps['render']} rounds over the one-language sheets",
                naive_and_warm)
        section(f"3. cold full build through the CLI (every edition, regular and large print), "
                f"{reps['cold']} time(s)", cold_build)
        section(f"4. no-op rebuild of the whole project (same out folder), {reps['noop']} times", noop_rebuild)
        section("5. rebuild after one French message of one sheet changes (in another copy)", message_change)
        section(f"6. --jobs 1 vs the default (--jobs {cores}), full build with --force, {reps['jobs']} time(s) each",
                jobs)
        section(f"7. 'handouts --help' vs 'python -c \"import click\"', {reps['help']} runs each", startup)
        section(f"8. watch latency: 'handouts watch --lang fr', {reps['watch']} edits of one French message", watch)
        section(f"9. scale: synthetic projects of {small // 2} and {large // 2} content files x (en, fr) = "
                f"{small} and {large} PDFs, {reps['scale_small']} and {reps['scale_large']} run(s)", scale)
    finally:
        if args.keep:
            log(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    machine["load_end"] = load()
    speed_check()
    machine["speed"] = (f"{ms(min(SPEED_CHECKS))} to {ms(max(SPEED_CHECKS))} (median {ms(median(SPEED_CHECKS))}; "
                        "the same loop each time: a wide range means the machine's speed changed during the run)")
    _, others = run_meter.stop()
    machine["others"] = (f"{others:.2f} of {os.cpu_count()} cores on average" if others is not None
                         else "unknown (no /proc/stat)")
    print_table(rows, machine, quick, time.perf_counter() - _STARTED)


def print_table(rows: list[tuple[str, str, str, str]], machine: dict[str, str], quick: bool, total: float) -> None:
    headers = ("Measure", "Result", "Target", "Status")
    widths = [max(len(r[i]) for r in [headers, *rows]) for i in range(4)]
    rule = "  ".join("-" * w for w in widths)
    print()
    print(f"handouts benchmark ({'quick' if quick else 'full'} run, {total:.0f} s; medians over repetitions)")
    print(f"Cores: {machine['cores']}. Python {machine['python']}. WeasyPrint {machine['weasyprint']}. "
          f"HarfBuzz subsetting: {machine['subset']}.")
    print(f"{machine['platform']}; {machine['load_start']} at start, {machine['load_end']} at end.")
    print(f"CPU used by other processes during the run: {machine['others']}.")
    print(f"Speed check (a fixed Python loop timed before each step): {machine['speed']}.")
    print(f"Commands' environment: {machine['environment']}.")
    print(rule)
    print("  ".join(h.ljust(w) for h, w in zip(headers, widths)).rstrip())
    print(rule)
    for row in rows:
        print("  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip())
    print(rule)
    targets = [r for r in rows if r[3] != "-"]
    print(f"{sum(r[3] == 'met' for r in targets)} of {len(targets)} targets met.")


if __name__ == "__main__":
    main()
