"""Memory and CPU of a running command and of its child processes, read from /proc (Linux).

The package is measured from outside: a thread samples /proc/<pid>/status (VmHWM, the peak
resident memory the kernel keeps for each process) for the command and each descendant that
runs the same Python (its build workers; short-lived helpers such as ldconfig are left out).
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field
from pathlib import Path

PROC = Path("/proc")
TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def available() -> bool:
    return (PROC / "self" / "status").is_file()


def _stat_fields(pid: int) -> list[str] | None:
    """The fields of /proc/<pid>/stat after the command name (which may hold spaces)."""
    try:
        text = (PROC / str(pid) / "stat").read_text()
    except OSError:
        return None
    return text[text.rfind(")") + 2:].split()


def _children() -> dict[int, list[int]]:
    """Each living process's children (zombies included)."""
    parents: dict[int, list[int]] = {}
    for entry in PROC.iterdir():
        if entry.name.isdigit() and (fields := _stat_fields(int(entry.name))):
            parents.setdefault(int(fields[1]), []).append(int(entry.name))
    return parents


def direct_children(pid: int) -> set[int]:
    """The processes whose parent is ``pid``."""
    return set(_children().get(pid, []))


def children_of(pid: int) -> list[int]:
    """Every living descendant of ``pid``."""
    parents = _children()
    found, todo = [], [pid]
    while todo:
        kids = parents.get(todo.pop(), [])
        found += kids
        todo += kids
    return found


def peak_kb(pid: int) -> int | None:
    """VmHWM of a process in kB: the most resident memory it ever used; None once it is gone."""
    try:
        for line in (PROC / str(pid) / "status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        return None
    return None


def executable(pid: int) -> str | None:
    try:
        return os.readlink(PROC / str(pid) / "exe")
    except OSError:
        return None


def helper(pid: int) -> bool:
    """Whether a process is one of multiprocessing's helpers, not a worker: the fork server (the
    workers are its forks, but their parent is the fork server) or the resource tracker."""
    command = _command_of(pid)
    fields = _stat_fields(pid)
    forked_by_server = fields is not None and b"multiprocessing.forkserver" in _command_of(int(fields[1]))
    return not forked_by_server and (b"multiprocessing.forkserver" in command
                                     or b"multiprocessing.resource_tracker" in command)


def _command_of(pid: int) -> bytes:
    try:
        return (PROC / str(pid) / "cmdline").read_bytes()
    except OSError:
        return b""


def tree_cpu(pid: int) -> float:
    """CPU seconds of a living process, its living descendants and the children they have waited for."""
    total = 0
    for member in [pid, *children_of(pid)]:
        fields = _stat_fields(member)
        if fields:  # utime stime cutime cstime: fields 14-17 of stat, 12-15 after the name
            total += sum(int(x) for x in fields[11:15])
    return total / TICKS


@dataclass
class MemorySampler:
    """Samples the peak memory of a process and of its descendants that run the same program."""

    pid: int
    interval: float = 0.05
    main_peak: int = 0
    peaks: dict[int, int] = field(default_factory=dict)  # every descendant running the same program
    samples: dict[int, int] = field(default_factory=dict)  # how many samples saw each

    def __post_init__(self) -> None:
        self._stop = threading.Event()
        self._program = executable(self.pid)
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(self.interval)

    def sample(self) -> None:
        self.main_peak = max(self.main_peak, peak_kb(self.pid) or 0)
        for child in children_of(self.pid):
            if executable(child) != self._program or helper(child):
                continue
            peak = peak_kb(child)
            if peak:
                self.peaks[child] = max(peak, self.peaks.get(child, 0))
                self.samples[child] = self.samples.get(child, 0) + 1

    @property
    def worker_peaks(self) -> dict[int, int]:
        """The descendants seen in two samples or more: the workers, not a fork about to run another program."""
        return {pid: peak for pid, peak in self.peaks.items() if self.samples[pid] >= 2}

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()
