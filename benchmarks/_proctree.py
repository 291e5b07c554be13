"""A child process measured as the benchmarks run it: wall and CPU time, the peak memory of its
process tree (RSS and PSS, from /proc), and the share of the machine's CPU time its host stole
meanwhile (:func:`timed`). Used by bench_send.py."""

from __future__ import annotations

import os
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Run:
    wall: float
    cpu: float
    rss_mb: float  # peak RSS summed over the process tree (a page shared by n processes counts n times)
    received: int
    server_cpu: float = 0.0  # the sink's CPU time over the same run
    pss_mb: float = 0.0  # peak proportional set size summed over the process tree
    gaps: tuple[tuple[str, float], ...] = ()  # the sink's timeline: where each message's time went
    steal: float = 0.0  # share of the machine's CPU time its host took for others during the run
    largest_mb: float = 0.0  # peak RSS of the largest single process of the tree


def descendants(root: int) -> set[int]:
    """``root`` and every process under it: from each thread's list of the children it
    started (/proc/PID/task/TID/children, a few small reads), else from a scan of every
    process's parent (/proc/*/stat: some hundred reads)."""
    tree, todo = {root}, [root]
    try:
        while todo:
            pid = todo.pop()
            try:
                tasks = list(Path(f"/proc/{pid}/task").iterdir())
            except FileNotFoundError:  # the process ended meanwhile
                continue
            for task in tasks:
                try:
                    kids = {int(k) for k in (task / "children").read_text().split()} - tree
                except FileNotFoundError:
                    if not (task / "stat").exists():  # the thread ended meanwhile
                        continue
                    raise
                tree |= kids
                todo += kids
        return tree
    except FileNotFoundError:  # no children lists (a kernel without CONFIG_PROC_CHILDREN)
        pass
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rpartition(")")[2].split()
            parents[int(stat.parent.name)] = int(fields[1])
        except (OSError, ValueError, IndexError):
            continue
    tree, grew = {root}, True
    while grew:
        more = {pid for pid, ppid in parents.items() if ppid in tree} - tree
        tree |= more
        grew = bool(more)
    return tree


def tree_memory(root: int, *, pss: bool = True) -> tuple[int, int]:
    """(RSS, PSS) bytes of ``root`` and all its descendants now, each summed over them. RSS
    counts the pages a fork shares in each process (an upper bound); PSS divides each shared
    page among the processes sharing it (/proc/PID/smaps_rollup): their real joint use.
    Without ``pss``, PSS is 0: reading smaps_rollup costs the kernel a walk of the process's
    pages (about 1.7 ms of CPU for 400 MiB), RSS (statm) next to nothing."""
    rss = pss_sum = 0
    for pid in descendants(root):
        try:
            rss += int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE
            if pss:
                rollup = Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()
                pss_sum += next(int(line.split()[1]) * 1024 for line in rollup if line.startswith("Pss:"))
        except (OSError, ValueError, IndexError, StopIteration):
            continue
    return rss, pss_sum


PAGE = os.sysconf("SC_PAGE_SIZE")


def cpu_times() -> tuple[int, int]:
    """(steal, all) of the machine's CPU time so far, in ticks (/proc/stat; (0, 0) elsewhere).
    Steal is the time a virtual machine's host gave its CPUs to others: a run that lost much
    to it is slower for a reason outside both commands."""
    try:
        ticks = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except (OSError, ValueError):
        return 0, 0
    return (ticks[7] if len(ticks) > 7 else 0), sum(ticks[:8])


def timed(cmd: list[str], cwd: Path, log: Path) -> tuple[Run, int]:
    """The :class:`Run` of one child process and what it waited for (wall and CPU time, memory,
    steal share; the caller adds what the server saw), and its exit code. The RSS peak is the
    largest sum over the process tree (sampled every 0.2 s), or the largest single process (getrusage),
    whichever is larger; the PSS peak is the largest sum over the tree, sampled every second
    (each sample costs CPU time that a run bound by the CPU would lose: five a second took
    some 2 % of a core)."""
    peak = [0, 0]
    stolen = cpu_times()
    with open(log, "wb") as out:
        t0 = time.perf_counter()
        child = subprocess.Popen(cmd, cwd=cwd, stdout=out, stderr=subprocess.STDOUT)
        done = threading.Event()

        def sample() -> None:
            n = 0
            while not done.wait(0.2):
                n += 1
                rss, pss = tree_memory(child.pid, pss=n % 5 == 1)
                peak[0], peak[1] = max(peak[0], rss), max(peak[1], pss)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - t0
        done.set()
        sampler.join()
    child.returncode = os.waitstatus_to_exitcode(status)
    largest = usage.ru_maxrss / 1024  # the child's or a descendant's it waited for, whichever is larger
    rss = max(largest, peak[0] / 2**20)
    steal, ticks = (b - a for a, b in zip(stolen, cpu_times(), strict=True))
    cpu = usage.ru_utime + usage.ru_stime
    run = Run(wall, cpu, rss, 0, pss_mb=peak[1] / 2**20, steal=steal / max(ticks, 1), largest_mb=largest)
    return run, child.returncode


def own_cpu(pid: int) -> float:
    """The CPU time (user + system) process ``pid`` has used so far (/proc; 0 elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return 0.0
