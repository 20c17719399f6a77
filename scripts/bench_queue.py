#!/usr/bin/env python3
"""Departments per minute through the job interface: 1, 2 and 4 `disclosure worker` processes against the in-process pool.

    .venv/bin/python scripts/bench_queue.py --departments 4 [--write]

A throw-away PostgreSQL cluster on loopback (tests/pg_cluster.py) holds the queue, the job
rows and the files (`DISCLOSURE_STORE=database`). The same build jobs (DOCX + PDF, examples
000 and 002 alternately) are submitted through the same interface (`generator.jobqueue`) to:

- the in-process pool: the embedded engine of `disclosure serve` (one warm worker per core);
- N `disclosure worker --builds 1` processes (N = 1, 2, 4) taking procrastinate jobs.

Workers are warmed first (one unmeasured job each); the figure is wall time from submitting
the batch to the last job's end. `make bench` (scripts/bench.py) runs it with its other
figures; `--write` puts this section alone into docs/benchmarks.md (between its markers).
On a 2-core machine 4 workers cannot be faster than 2: the figure shows their overhead.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

START, END = "<!-- queue -->", "<!-- /queue -->"
LIMIT = 1800.0  # seconds for one configuration: a bound, never reached on a healthy machine


@dataclass
class Row:
    label: str
    processes: int
    departments: int
    seconds: float
    failed: int

    @property
    def per_minute(self) -> float:
        return 60 * (self.departments - self.failed) / self.seconds if self.seconds else 0.0


def _wait_all(engine, ids: list[int]) -> int:  # type: ignore[no-untyped-def]
    """Wait until every job has ended; returns how many failed."""
    deadline = time.monotonic() + LIMIT
    pending = set(ids)
    failed = 0
    while pending and time.monotonic() < deadline:
        for job_id in list(pending):
            view = engine.view(job_id)
            if view is not None and view.finished:
                pending.discard(job_id)
                failed += view.state != "done"
        time.sleep(0.2)
    return failed + len(pending)


def _batch(engine, specs) -> tuple[float, int]:  # type: ignore[no-untyped-def]
    started = time.monotonic()
    ids = [engine.submit(spec) for spec in specs]
    failed = _wait_all(engine, ids)
    return time.monotonic() - started, failed


def measure(departments: int, counts: tuple[int, ...] = (1, 2, 4)) -> tuple[list[Row], dict[str, str]]:
    from generator.jobqueue import PRIORITY_BULK, JobSpec
    from generator.jobqueue.distributed import ProcrastinateEngine
    from generator.jobqueue.setup import make_engine as make_job_engine
    from generator.web.db import make_engine, migrate, sessions
    from generator.web.settings import Settings
    from generator.web.store import DatabaseStore
    from generator.workbook.template import write_workbook
    from generator.workers import usable_cores
    from tests.conftest import example_data
    from tests.pg_cluster import cluster

    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="bench-queue-") as tmp_name, cluster() as url:
        tmp = Path(tmp_name)
        settings = Settings(data_dir=tmp / "web", database_url=url, engine="embedded", store="database")
        settings.prepare()
        db = make_engine(settings.url)
        migrate(db)
        Session = sessions(db)
        store = DatabaseStore(db)
        shas = []
        for name in ("000", "002"):
            path = tmp / f"{name}.xlsx"
            write_workbook(path, example_data(name))
            shas.append(store.put(path.read_bytes()))

        def specs(n: int) -> list:  # type: ignore[type-arg]
            return [JobSpec("build", {"workbook": shas[i % 2]}, priority=PRIORITY_BULK) for i in range(n)]

        cores = usable_cores()
        embedded = make_job_engine(settings, Session, store)
        try:
            embedded.warm()
            _batch(embedded, specs(cores))  # every pool worker warm (WeasyPrint, fonts, LibreOffice)
            print(f"in-process pool ({cores} workers) …", flush=True)
            seconds, failed = _batch(embedded, specs(departments))
            rows.append(
                Row(f"in-process pool (`disclosure serve`, {cores} warm workers)", cores, departments, seconds, failed)
            )
        finally:
            embedded.close()

        env = {
            **os.environ,
            "DATABASE_URL": url,
            "DISCLOSURE_ENGINE": "procrastinate",
            "DISCLOSURE_STORE": "database",
            "PYTHONPATH": str(ROOT),
        }
        queue = ProcrastinateEngine(Session, url, max_attempts=1)
        try:
            for n in counts:
                procs = []
                for i in range(n):
                    machine = tmp / f"worker-{n}-{i}"
                    log = (tmp / f"worker-{n}-{i}.log").open("wb")
                    procs.append(
                        subprocess.Popen(
                            [sys.executable, "-m", "generator.cli", "worker", "--builds", "1", "--checks", "1"],
                            env={**env, "DISCLOSURE_DATA": str(machine)},
                            stdout=log,
                            stderr=subprocess.STDOUT,
                            start_new_session=True,
                        )
                    )
                try:
                    _batch(queue, specs(n))  # one warm-up job each (a worker takes one build at a time)
                    print(f"{n} worker process(es) …", flush=True)
                    seconds, failed = _batch(queue, specs(departments))
                    label = f"{n} `disclosure worker` process{'es' if n > 1 else ''} (procrastinate)"
                    rows.append(Row(label, n, departments, seconds, failed))
                finally:
                    for p in procs:
                        if p.poll() is None:
                            os.killpg(p.pid, signal.SIGTERM)
                    for p in procs:
                        try:
                            p.wait(120)
                        except subprocess.TimeoutExpired:
                            os.killpg(p.pid, signal.SIGKILL)
                            p.wait()
        finally:
            queue.close()
            db.dispose()
    meta = {
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cores": str(usable_cores()),
        "load": " ".join(f"{x:.2f}" for x in os.getloadavg()),
    }
    return rows, meta


def section(rows: list[Row], meta: dict[str, str]) -> str:
    base = rows[0].per_minute if rows else 0.0
    lines = [
        START,
        "## Departments per minute through the job queue (`scripts/bench_queue.py`)",
        "",
        f"- Date: {meta['date']}; cores: {meta['cores']}; 1-minute load average at the end: {meta['load']}"
        " (other work on the machine lowers every figure)",
        f"- {rows[0].departments if rows else 0} departments (examples 000 and 002 alternately, DOCX + PDF) submitted"
        " at once through `generator.jobqueue`, files in PostgreSQL (`DISCLOSURE_STORE=database`); workers warm"
        " (one unmeasured job each); wall time from submitting to the last job's end",
        "",
        "| Engine | processes | wall s | departments per minute | vs in-process pool | failed |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        ratio = f"{r.per_minute / base:.2f}" if base else "–"
        lines.append(f"| {r.label} | {r.processes} | {r.seconds:.1f} | {r.per_minute:.1f} | {ratio} | {r.failed} |")
    lines += [
        "",
        "Each `disclosure worker --builds 1` is one procrastinate worker process with one warm build process"
        " (WeasyPrint and LibreOffice) beside it. On this 2-core machine two processes already use both cores:"
        " four add their queue polling, heartbeats and a third and fourth WeasyPrint and LibreOffice competing"
        " for the same cores, so they show the overhead, not a speed-up. Workers on more machines add cores."
        " One run per row, in the order of the table: when other work shares the machine (see the load"
        " average), a row's figure moves with that work more than with the engine.",
        END,
    ]
    return "\n".join(lines)


def write(text: str, path: Path) -> None:
    old = path.read_text(encoding="utf-8") if path.exists() else ""
    if START in old and END in old:
        new = old[: old.index(START)] + text + old[old.index(END) + len(END) :]
    else:
        new = old.rstrip("\n") + "\n\n" + text + "\n"
    path.write_text(new, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--departments", type=int, default=20)
    parser.add_argument("--write", action="store_true", help="write the section into docs/benchmarks.md")
    args = parser.parse_args(argv)
    rows, meta = measure(max(1, args.departments))
    text = section(rows, meta)
    print(text)
    if args.write:
        write(text, ROOT / "docs" / "benchmarks.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
