"""What every measurement of the benchmark shares: running the CLI, timing it, editing a copy of the project.

Every command runs as a user runs it, in its own process: the ``handouts`` script next to the
Python that runs the benchmark. Its CPU time is the CPU time of the process and of every process
it started and waited for (its workers), read with ``getrusage(RUSAGE_CHILDREN)``; processes it left
behind to end on their own (its fork server) are adopted and waited for here, and counted too.
"""

from __future__ import annotations

import contextlib
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import procwatch

from handouts.project_files import INPUTS

ROOT = Path(__file__).resolve().parent.parent
PO_RELPATH = Path("locales/fr/LC_MESSAGES/messages.po")

DONE = re.compile(r"Done in [\d.]+ s: (\d+) built, (\d+) unchanged, (\d+) failed")
NOTHING = re.compile(r"Nothing to do: all (\d+) PDFs are up to date")

STARTED = time.perf_counter()
# The environment of every command the benchmark runs (see bench.bytecode_environment).
ENV: dict[str, str] = dict(os.environ)


class BenchError(Exception):
    """A measurement that could not be made: reported in its row, and the run goes on."""


def log(message: str) -> None:
    print(f"[{time.perf_counter() - STARTED:6.1f} s] {message}", flush=True)


# ---------------------------------------------------------------- figures


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


def spread(values: list[float], unit: str = "s") -> str:
    """'min-max' of the repetitions, in the unit given ('s' or 'ms')."""
    if unit == "ms":
        return f"{min(values) * 1000:.0f}-{max(values) * 1000:.0f} ms"
    return f"{min(values):.2f}-{max(values):.2f} s"


def verdict(ok: bool) -> str:
    return "met" if ok else "NOT met"


@dataclass
class Row:
    measure: str
    result: str
    target: str = "-"
    status: str = "-"


def children_cpu() -> float:
    """CPU seconds (user + system) of every child process this benchmark has waited for, so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def adopt_orphans() -> bool:
    """Make this benchmark the parent of the processes a command leaves behind when it ends (Linux's
    child subreaper): a build's fork server ends just after the build, and is then waited for here,
    so its CPU time and its workers' are counted with the command's. False where it cannot be."""
    if not sys.platform.startswith("linux"):
        return False
    import ctypes

    PR_SET_CHILD_SUBREAPER = 36
    try:
        return ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


ADOPTING = adopt_orphans()


def reap_left_behind(before: set[int], timeout: float = 30.0) -> None:
    """Wait for the processes a command left behind (adopted, see :func:`adopt_orphans`): their CPU
    time then counts in RUSAGE_CHILDREN. Processes that were children before the command are not touched."""
    deadline = time.perf_counter() + timeout
    while ADOPTING and (left := procwatch.direct_children(os.getpid()) - before) and time.perf_counter() < deadline:
        for pid in left:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, 0)


# ---------------------------------------------------------------- running the CLI


def cli_command() -> list[str]:
    """The 'handouts' console script next to this Python, as a user types it; else python -m handouts."""
    script = Path(sys.executable).parent / "handouts"
    return [str(script)] if script.is_file() else [sys.executable, "-m", "handouts"]


@dataclass
class CliRun:
    """One command in its own process: wall time, and CPU time of it and the processes it waited for."""

    wall: float
    cpu: float
    returncode: int
    stdout: str
    stderr: str
    built: int | None = None  # from the summary line
    unchanged: int | None = None
    wrote: list[str] = field(default_factory=list)  # 'fr/redness.pdf', ...

    @property
    def noop(self) -> bool:
        return NOTHING.search(self.stdout) is not None


def run_command(command: list[str], cwd: Path, env: dict[str, str] | None = None) -> CliRun:
    """Run a command to its end; nothing else of this benchmark runs meanwhile, so the CPU delta is its own."""
    cpu_before = children_cpu()
    children_before = procwatch.direct_children(os.getpid())
    started = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, stdin=subprocess.DEVNULL,
                          env=env or ENV)
    wall = time.perf_counter() - started  # what the user waits for: the command's own end
    reap_left_behind(children_before)  # its fork server and workers, which end just after it
    return CliRun(wall, children_cpu() - cpu_before, done.returncode, done.stdout, done.stderr)


def run_cli(args: list[object], cwd: Path, check: bool = True, env: dict[str, str] | None = None) -> CliRun:
    command = cli_command() + [str(a) for a in args]
    run = run_command(command, cwd, env)
    if check and run.returncode != 0:
        raise BenchError(f"`{' '.join(command)}` exited with {run.returncode}:\n"
                         f"{run.stdout[-2000:]}\n{run.stderr[-2000:]}")
    parse_summary(run)
    return run


def parse_summary(run: CliRun) -> None:
    if match := DONE.search(run.stdout):
        run.built, run.unchanged = int(match.group(1)), int(match.group(2))
    elif match := NOTHING.search(run.stdout):
        run.built, run.unchanged = 0, int(match.group(1))
    for line in run.stdout.splitlines():
        if line.startswith("wrote "):
            path = Path(line[len("wrote "):].strip())
            run.wrote.append(f"{path.parent.name}/{path.name}")


def build(project: Path, out: Path, cwd: Path, *extra: object, env: dict[str, str] | None = None) -> CliRun:
    """``handouts build --project PROJECT --out OUT EXTRA...`` in a fresh process."""
    return run_cli(["build", "--project", project, "--out", out, *extra], cwd, env=env)


# ---------------------------------------------------------------- project copies and catalog edits


def copy_project(dest: Path, source: Path = ROOT) -> Path:
    """A copy of the files a build reads (not the code: that is the installed package)."""
    dest.mkdir(parents=True, exist_ok=True)
    for name in INPUTS:
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


def po_quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _is_live_translation(lines: list[str]) -> bool:
    if any(line.startswith("#~") or (line.startswith("#,") and "fuzzy" in line) for line in lines):
        return False
    start = next((i for i, line in enumerate(lines) if line.startswith("msgstr")), None)
    return start is not None and bool("".join(re.findall(r'"(.*)"', "\n".join(lines[start:]))))


def single_sheet_entry(po_text: str, sheet: str, section: str = "What to do") -> int:
    """The index (in blocks split on blank lines) of a translated message used by ``sheet`` only."""
    fallback = None
    for index, block in enumerate(po_text.split("\n\n")):
        lines = block.strip("\n").split("\n")
        locations = [loc for line in lines if line.startswith("#:") for loc in line[2:].split()]
        if len(locations) != 1 or not locations[0].startswith(f"content/{sheet}.yaml:"):
            continue
        if not _is_live_translation(lines):
            continue
        if any(line.startswith("#.") and section in line for line in lines):
            return index
        fallback = index if fallback is None else fallback
    if fallback is None:
        raise BenchError(f"no translated message in {PO_RELPATH} is used by '{sheet}' only.")
    return fallback


def entry_location(po_text: str, block_index: int) -> str:
    block = po_text.split("\n\n")[block_index]
    return next(line for line in block.split("\n") if line.startswith("#:"))[2:].strip()


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


def msgstr_of(po_text: str, block_index: int) -> str:
    """The translation (msgstr) of one entry, unquoted."""
    lines = po_text.split("\n\n")[block_index].split("\n")
    start = next(i for i, line in enumerate(lines) if line.startswith("msgstr"))
    end = start + 1
    while end < len(lines) and lines[end].startswith('"'):
        end += 1
    quoted = "".join(re.findall(r'"(.*)"', "\n".join(lines[start:end])))
    return re.sub(r"\\(.)", lambda m: "\n" if m.group(1) == "n" else m.group(1), quoted)


def with_suffix_added(po_text: str, block_index: int, suffix: str) -> str:
    """The entry's translation with ``suffix`` added: its numbers and placeholders stay, so the
    project's checks (a number of the English missing or added) still accept it."""
    return with_msgstr(po_text, block_index, msgstr_of(po_text, block_index) + suffix)


def write_atomically(path: Path, text: str) -> None:
    """As most editors save: a new file renamed over the old one."""
    temp = path.with_name(f".{path.name}.bench-tmp")
    temp.write_text(text, encoding="utf-8")
    os.replace(temp, path)
