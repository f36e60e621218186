"""What the class load tool reads about this machine and its processes (Linux /proc), and how it
lowers the priority of the browsers it starts."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path


def rss_kib(pid: int, field: str = "VmRSS") -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def thread_count(pid: int) -> int:
    return rss_kib(pid, "Threads")


def process_cpu_s(pid: int) -> float:
    """User + system CPU seconds of one process (all its threads) so far."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


def machine_busy_s() -> float:
    """CPU seconds every core of this machine has spent busy so far."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    return (sum(values[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(parent, []).append(int(entry.name))
    found, stack = [], [pid]
    while stack:
        for child in children.get(stack.pop(), []):
            found.append(child)
            stack.append(child)
    return found


def lower_autogroups_of_descendants(nice: int) -> int:
    """Give our descendants' scheduler autogroups the niceness ``nice``; returns how many groups.

    Playwright starts Chromium in a new session, and with the kernel's autogroup scheduling
    a new session is a new group that gets an equal share of the CPU whatever its processes'
    own niceness: the group itself has to be niced.
    """
    ours = Path("/proc/self/autogroup")
    if not ours.exists():
        return 0
    own_group = ours.read_text().split()[0]
    changed: set[str] = set()
    for pid in descendants(os.getpid()):
        path = Path(f"/proc/{pid}/autogroup")
        try:
            group = path.read_text().split()[0]
            if group != own_group and group not in changed:
                path.write_text(str(nice))
                changed.add(group)
        except OSError:
            continue
    return len(changed)



class MemoryWatch(threading.Thread):
    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.peak_kib, self.running = pid, 0, True

    def run(self) -> None:
        while self.running:
            self.peak_kib = max(self.peak_kib, rss_kib(self.pid))
            time.sleep(0.2)

    def restart_peak(self) -> None:
        self.peak_kib = rss_kib(self.pid)
