"""Figure 9: the README's own 'handouts watch --lang fr', from a saved edit to the PDFs on disk.

In a copy of the project (``large_print: true``, as the project's handouts.yaml says), the
command builds the French regular and large-print PDF of every sheet. Once it says "Watching
for changes", the French of one message of 'redness' is saved (write and rename, as an editor
does) and the time until both fr/redness.pdf and fr-large/redness.pdf have been replaced on
disk is taken (polled every 5 ms). CPU time is that of the watch process and its children
between the save and the end of the rebuild (from /proc).
"""

from __future__ import annotations

import queue
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import procwatch
from common import (
    ENV,
    PO_RELPATH,
    BenchError,
    Row,
    cli_command,
    copy_project,
    log,
    median,
    ms,
    single_sheet_entry,
    spread,
    verdict,
    with_suffix_added,
    write_atomically,
)

WATCH_MAX_SECONDS = 0.25
READY = "Watching for changes"


class WatchProcess:
    """'handouts watch' running in the background, its output read line by line."""

    def __init__(self, args: list[str], cwd: Path) -> None:
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        self.process = subprocess.Popen(cli_command() + args, cwd=cwd, stdout=subprocess.PIPE,
                                        stderr=subprocess.PIPE, text=True, stdin=subprocess.DEVNULL, env=ENV)
        for stream in (self.process.stdout, self.process.stderr):
            threading.Thread(target=self._pump, args=(stream,), daemon=True).start()

    def _pump(self, stream: IO[str]) -> None:
        for line in stream:
            self.lines.put(line.rstrip("\n"))

    def wait_for(self, what: str, timeout: float) -> None:
        deadline = time.perf_counter() + timeout
        while (left := deadline - time.perf_counter()) > 0:
            if self.process.poll() is not None and self.lines.empty():
                break
            try:
                line = self.lines.get(timeout=min(left, 0.5))
            except queue.Empty:
                continue
            self.seen.append(line)
            if what in line:
                return
        raise BenchError(f"'handouts watch' did not print {what!r}:\n" + "\n".join(self.seen[-20:]))

    def cpu(self) -> float:
        return procwatch.tree_cpu(self.process.pid) if procwatch.available() else float("nan")

    def stop(self) -> None:
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def identity(path: Path) -> tuple[int, int, int] | None:
    """What changes when a PDF is replaced (the build renames a new file over it)."""
    try:
        info = path.stat()
    except OSError:
        return None
    return info.st_ino, info.st_mtime_ns, info.st_size


def wait_replaced(pdfs: list[Path], before: list[object], started: float, watcher: WatchProcess) -> float:
    """Seconds from ``started`` until every PDF differs from ``before``."""
    while True:
        if all(identity(p) != b for p, b in zip(pdfs, before, strict=True)):
            return time.perf_counter() - started
        if time.perf_counter() - started > 30:
            while not watcher.lines.empty():
                watcher.seen.append(watcher.lines.get())
            raise BenchError("the PDFs did not change within 30 s of the edit; 'handouts watch' said:\n"
                             + "\n".join(watcher.seen[-20:]))
        time.sleep(0.005)


@dataclass
class WatchFigures:
    latencies: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    pdfs: list[str] = field(default_factory=list)


def one_edit(watcher: WatchProcess, po: Path, text: str, index: int, number: int,
             pdfs: list[Path]) -> tuple[float, float]:
    """Save one new French text; (edit -> PDFs on disk, CPU of the rebuild)."""
    before = [identity(p) for p in pdfs]
    words = ("doux", "calme", "frais", "propre", "simple", "léger", "clair", "lisse")  # no digit: the checks
    new = f" {words[number % len(words)].capitalize()}" + " et doux" * (number % 3) + "."  # compare numbers
    cpu_before = watcher.cpu()
    started = time.perf_counter()
    write_atomically(po, with_suffix_added(text, index, new))
    latency = wait_replaced(pdfs, before, started, watcher)
    watcher.wait_for(READY, 60)  # that rebuild is over
    return latency, watcher.cpu() - cpu_before


def measure_watch(work: Path, changes: int, sheet: str = "redness") -> WatchFigures:
    project = copy_project(work / "watch-project")
    out = work / "watch-out"
    po = project / PO_RELPATH
    text = po.read_text(encoding="utf-8")
    index = single_sheet_entry(text, sheet)
    figures = WatchFigures()
    watcher = WatchProcess(["watch", "--project", str(project), "--out", str(out), "--lang", "fr"], work)
    try:
        watcher.wait_for(READY, 180)
        pdfs = sorted(out.glob(f"*/{sheet}.pdf"))
        figures.pdfs = [f"{p.parent.name}/{p.name}" for p in pdfs]
        if not pdfs:
            raise BenchError(f"'handouts watch --lang fr' made no {sheet}.pdf:\n" + "\n".join(watcher.seen[-20:]))
        for number in range(1, changes + 1):
            latency, cpu = one_edit(watcher, po, text, index, number, pdfs)
            figures.latencies.append(latency)
            figures.cpu.append(cpu)
            log(f"  edit {number}/{changes}: {' and '.join(figures.pdfs)} replaced after {ms(latency)} "
                f"(rebuild CPU {ms(cpu)})")
            time.sleep(0.2)
    finally:
        watcher.stop()
    return figures


def floor_rows(html: Path, work: Path, reps: int) -> list[Row]:
    """Figure 9's floor: the longer of the rebuild's two PDFs made by a warm renderer (nothing
    else), plus what the watch waits before it starts: nothing on Linux, where the kernel wakes it
    at once, and half its polling interval elsewhere. (The time it gives an editor to finish saving,
    SETTLE_SECONDS, only delays a build that took less than that, which no PDF does.)"""
    from measure_render import probe

    from handouts.watch import POLL_SECONDS

    _, answer = probe(["again", html, "fr-large/redness.pdf", max(reps, 5)], work)
    render = median(answer["wall"])
    waiting = 0 if sys.platform.startswith("linux") else POLL_SECONDS / 2
    log(f"  floor: fr-large/redness.pdf by a warm renderer {ms(render)}; the watch's wait {ms(waiting)}")
    return [Row("9'. floor of 9: a warm render of fr-large/redness.pdf + the watch's wait (none on Linux)",
                f"{ms(render + waiting)} = {ms(render)} ({spread(answer['wall'], 'ms')}) + {ms(waiting)}")]


def watch_rows(figures: WatchFigures) -> list[Row]:
    middle = median(figures.latencies)
    folders = ", ".join(pdf.split("/")[0] for pdf in figures.pdfs)
    return [Row(f"9. README's watch --lang fr: edit -> {len(figures.pdfs)} PDFs on disk ({folders})",
                f"median {ms(middle)} ({spread(figures.latencies, 'ms')}, {len(figures.latencies)} edits); "
                f"CPU per rebuild {ms(median(figures.cpu))}",
                f"<= {ms(WATCH_MAX_SECONDS)} median", verdict(middle <= WATCH_MAX_SECONDS))]

