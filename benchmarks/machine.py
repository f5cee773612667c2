"""How busy and how fast the machine was while the benchmark ran: printed above its table."""

from __future__ import annotations

import os
import platform
import resource
import time
from dataclasses import dataclass, field
from importlib import metadata

from common import median, ms


def load() -> str:
    return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def usable_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # macOS
        return os.cpu_count() or 1


def _proc_stat() -> tuple[int, int] | None:
    """(all CPU ticks, idle ticks) of the machine since boot; None without /proc/stat."""
    try:
        with open("/proc/stat", encoding="ascii") as stat:
            fields = [int(x) for x in stat.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    return sum(fields[:8]), fields[3] + fields[4]


def _our_cpu() -> float:
    return sum(getattr(resource.getrusage(who), name) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
               for name in ("ru_utime", "ru_stime"))


@dataclass
class CpuMeter:
    """Cores used, on average since it was made, by this benchmark and its commands and by everything else."""

    wall: float = field(default_factory=time.perf_counter)
    machine: tuple[int, int] | None = field(default_factory=_proc_stat)
    ours: float = field(default_factory=_our_cpu)

    def describe(self) -> str:
        wall = max(time.perf_counter() - self.wall, 1e-9)
        ours = (_our_cpu() - self.ours) / wall
        now = _proc_stat()
        if self.machine is None or now is None or now[0] == self.machine[0]:
            return f"ours {ours:.2f} cores, other processes unknown (no /proc/stat)"
        busy = (1 - (now[1] - self.machine[1]) / (now[0] - self.machine[0])) * (os.cpu_count() or 1)
        return f"ours {ours:.2f} cores, other processes {max(0.0, busy - ours):.2f} of {os.cpu_count()}"


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


def speed_range() -> str:
    return (f"{ms(min(SPEED_CHECKS))} to {ms(max(SPEED_CHECKS))} (median {ms(median(SPEED_CHECKS))}; "
            "the same loop each time: a wide range means the machine's speed changed during the run)")


def describe_machine() -> dict[str, str]:
    from handouts.pdf import subset_available  # imports WeasyPrint: once, here, before anything is measured

    return {
        "cores": f"{usable_cores()} usable (os.cpu_count() = {os.cpu_count()})",
        "python": f"{platform.python_version()} ({platform.python_implementation()})",
        "weasyprint": metadata.version("weasyprint"),
        "handouts": metadata.version("handouts"),
        "subset": "yes" if subset_available() else "NO (fontTools subsetting, much slower)",
        "platform": platform.platform(),
        "load_start": load(),
    }
