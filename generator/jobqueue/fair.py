"""A fair queue for one lane of the embedded engine: priority first, then departments in turn.

The order a waiting job is taken in: the highest priority first (a department waiting at its
page before the bureau's 全部生成); among equals, the department served least recently (so one
department's tenth upload waits behind another department's first); then the oldest. At most
`capacity` jobs run at once, and at most `per_department` of one department: one officer's large
workbooks never hold every slot. Jobs without a department have no per-department limit.
"""

from __future__ import annotations

import itertools
import threading
from dataclasses import dataclass


@dataclass(frozen=True)
class _Entry:
    job_id: int
    department: int | None
    priority: int
    seq: int


class FairQueue:
    def __init__(self, capacity: int, per_department: int = 1) -> None:
        self.capacity = max(1, capacity)
        self.per_department = max(1, per_department)
        self._waiting: list[_Entry] = []
        self._running: dict[int, int | None] = {}
        self._served: dict[int | None, int] = {}
        self._seq = itertools.count()
        self._tick = itertools.count(1)
        self._lock = threading.Lock()

    def add(self, job_id: int, department: int | None, priority: int) -> None:
        with self._lock:
            self._waiting.append(_Entry(job_id, department, priority, next(self._seq)))

    def take(self) -> int | None:
        """The next job to start (now marked running), or None when none may start."""
        with self._lock:
            if len(self._running) >= self.capacity:
                return None
            busy: dict[int | None, int] = {}
            for dept in self._running.values():
                busy[dept] = busy.get(dept, 0) + 1
            eligible = [
                e for e in self._waiting if e.department is None or busy.get(e.department, 0) < self.per_department
            ]
            if not eligible:
                return None
            entry = min(eligible, key=lambda e: self._key(e, self._served))
            self._waiting.remove(entry)
            self._running[entry.job_id] = entry.department
            if entry.department is not None:
                self._served[entry.department] = next(self._tick)
            return entry.job_id

    def done(self, job_id: int) -> None:
        with self._lock:
            self._running.pop(job_id, None)

    def position(self, job_id: int) -> tuple[int, int] | None:
        """(place in the queue, 1 = next; jobs waiting) for a waiting job, None otherwise.

        The place is the order `take` would give if every slot were free (running jobs and
        per-department limits move it only later, never earlier).
        """
        with self._lock:
            served = dict(self._served)
            waiting = list(self._waiting)
            tick = itertools.count(10**9)
            for place in range(1, len(waiting) + 1):
                entry = min(waiting, key=lambda e: self._key(e, served))
                if entry.job_id == job_id:
                    return place, len(self._waiting)
                waiting.remove(entry)
                if entry.department is not None:
                    served[entry.department] = next(tick)
            return None

    def counts(self) -> tuple[int, int]:
        """(waiting, running)."""
        with self._lock:
            return len(self._waiting), len(self._running)

    @staticmethod
    def _key(entry: _Entry, served: dict[int | None, int]) -> tuple[int, int, int]:
        return (-entry.priority, served.get(entry.department, 0) if entry.department is not None else 0, entry.seq)
