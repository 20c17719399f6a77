#!/usr/bin/env python3
"""Fairness of upload checks (issue 19 S4), measured on a real server on loopback; it stops by itself.

    .venv/bin/python scripts/fairness.py [--engine embedded|procrastinate] [--rounds 5] [--write]

Department A keeps two uploads of a large, legal workbook going all the time (example 002
with its line items split into about 90,000 rows, like the review's case); meanwhile
department B uploads an ordinary workbook (example 000) `--rounds` times, one after the
other, and the time from sending each upload to its version page is recorded. Before the
job interface, B waited about 23.5 s for one of two global check slots; the goal is 3 s.

`--engine procrastinate` runs the same against a throw-away PostgreSQL cluster and one
`disclosure worker --checks 2` process. `--write` puts the figures into docs/benchmarks.md
(between the fairness markers). A measurement, not a test: nothing is asserted.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import math
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from load import HOST, free_port, login, token  # noqa: E402

START, END = "<!-- fairness -->", "<!-- /fairness -->"
LIMIT = 900.0  # seconds: the whole run stops by then
HEAVY = ("--projects", "9", "--items-scale", "3200")  # example 002's line items, each split into 3,200 rows


def heavy_workbook(path: Path) -> int:
    """Example 002 with every line item split into 3,200 rows (amounts split to the cent): ~90,000 rows."""
    subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "make_large_workbook.py"), *HEAVY, "-o", str(path)],
        check=True,
        cwd=ROOT,
        capture_output=True,
    )
    import openpyxl

    wb = openpyxl.load_workbook(path, read_only=True)
    try:
        return wb["支出明细"].max_row or 0
    finally:
        wb.close()


def start_server(env: dict[str, str], port: int) -> tuple[subprocess.Popen, str]:
    server = subprocess.Popen(
        [sys.executable, "-m", "generator.cli", "serve", "--host", HOST, "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
        cwd=ROOT,
        start_new_session=True,
    )
    assert server.stdout is not None
    password = None
    for _ in range(40):
        line = server.stdout.readline()
        m = re.search(r"一次性密码：(\S+?)（", line)
        password = m[1] if m else password
        if "Ctrl+C" in line:
            break
    assert password, "no administrator password printed"
    threading.Thread(target=lambda: [None for _ in server.stdout], daemon=True).start()  # type: ignore[union-attr]
    return server, password


def department(admin: httpx.Client, base: str, name: str) -> tuple[httpx.Client, int]:
    admin.post("/admin/departments", data={"csrf": token(admin), "name": name, "approval_date": "2026-01-01"})
    dept = int(re.search(rf'href="/departments/(\d+)">{name}<', admin.get("/admin/departments").text)[1])  # type: ignore[index]
    r = admin.post(
        "/admin/accounts",
        data={"csrf": token(admin), "username": f"fair-{dept}", "role": "department", "department_id": str(dept)},
    )
    pw = re.search(r"一次性密码：(\S+?)（", r.text)[1]  # type: ignore[index]
    c = httpx.Client(base_url=base, follow_redirects=True, timeout=600)
    login(c, f"fair-{dept}", pw)
    return c, dept


def upload(c: httpx.Client, dept: int, book: Path) -> tuple[float, bool]:
    t = token(c)
    t0 = time.monotonic()
    r = c.post(
        f"/departments/{dept}/upload",
        data={"csrf": t},
        files={"workbook": (book.name, book.read_bytes(), "application/octet-stream")},
    )
    return time.monotonic() - t0, bool(re.search(r"/versions/\d+$", r.url.path))


def run(engine: str, rounds: int) -> dict:
    from generator.workbook.template import write_workbook
    from tests.conftest import example_data

    work = Path(tempfile.mkdtemp(prefix="disclosure-fairness-"))
    ordinary = work / "000.xlsx"
    write_workbook(ordinary, example_data("000"))
    heavy = work / "heavy.xlsx"
    print("writing the large workbook …", flush=True)
    rows = heavy_workbook(heavy)
    env = {**os.environ, "DISCLOSURE_DATA": str(work / "data"), "PYTHONPATH": str(ROOT)}
    env.pop("DATABASE_URL", None)
    stack = contextlib.ExitStack()
    worker = None
    if engine == "procrastinate":
        from tests.pg_cluster import cluster

        url = stack.enter_context(cluster())
        env.update(DATABASE_URL=url, DISCLOSURE_ENGINE="procrastinate", DISCLOSURE_STORE="database")
    port = free_port()
    server, password = start_server(env, port)
    try:
        if engine == "procrastinate":
            worker = subprocess.Popen(
                [sys.executable, "-m", "generator.cli", "worker", "--builds", "1", "--checks", "2"],
                env={**env, "DISCLOSURE_DATA": str(work / "worker")},
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
            )
        base = f"http://{HOST}:{port}"
        admin = httpx.Client(base_url=base, follow_redirects=True, timeout=120)
        login(admin, "admin", password)
        a, dept_a = department(admin, base, "大工作簿局")
        b, dept_b = department(admin, base, "普通局")
        upload(b, dept_b, ordinary)  # one unmeasured round: the fork server and (distributed) the worker warm
        alone = [upload(b, dept_b, ordinary)[0] for _ in range(3)]  # B without A, at this machine's load
        stop = threading.Event()
        heavy_times: list[float] = []
        deadline = time.monotonic() + LIMIT

        def keep_uploading() -> None:
            c = httpx.Client(base_url=base, follow_redirects=True, timeout=600, cookies=a.cookies)
            while not stop.is_set() and time.monotonic() < deadline:
                seconds, _ = upload(c, dept_a, heavy)
                heavy_times.append(seconds)

        threads = [threading.Thread(target=keep_uploading, daemon=True) for _ in range(2)]
        for th in threads:
            th.start()
        time.sleep(2.0)  # both of A's uploads are being checked (or waiting) now
        ordinary_times = []
        for _ in range(rounds):
            seconds, ok = upload(b, dept_b, ordinary)
            ordinary_times.append(seconds if ok else float("nan"))
            time.sleep(0.5)
        stop.set()
        for th in threads:
            th.join(LIMIT)
        waits = check_waits(env.get("DATABASE_URL") or f"sqlite:///{work / 'data' / 'disclosure.sqlite3'}", dept_b)
    finally:
        for proc in (worker, server):
            if proc is not None and proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
                try:
                    proc.wait(60)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)
        stack.close()
    return {
        "engine": engine,
        "rows": rows,
        "size_mb": heavy.stat().st_size / 2**20,
        "ordinary": ordinary_times,
        "alone": alone,
        "waits": waits[-len(ordinary_times) :],
        "heavy": heavy_times,
        "load": " ".join(f"{x:.2f}" for x in os.getloadavg()),
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }


def check_waits(url: str, dept: int) -> list[float]:
    """Seconds each of B's check jobs waited for a slot (job row: created → started)."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                text("SELECT created_at, started_at FROM job WHERE kind = 'check' AND department_id = :d ORDER BY id"),
                {"d": dept},
            ).all()
    finally:
        engine.dispose()

    def when(value: object) -> dt.datetime:  # SQLite answers text, PostgreSQL datetimes
        return value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value))

    return [(when(started) - when(created)).total_seconds() for created, started in rows if started and created]


def section(results: list[dict]) -> str:
    lines = [
        START,
        "## Fairness of upload checks (`scripts/fairness.py`)",
        "",
        "Department A keeps two uploads of a large legal workbook going; department B uploads example 000,"
        " one upload after the other; seconds from sending B's upload to its version page (upload + check)."
        " Before the job interface (review, S4): 23.5 s. Goal: within 3 s.",
        "",
        "| Engine | date | A's workbook | B beside A: min / median / max s (n) | of which B waited for a slot: max s"
        " | B alone, same run: median s | A's uploads: median s (n) | load at the end |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        o = [x for x in r["ordinary"] if not math.isnan(x)]
        h = r["heavy"]
        b_cell = f"{min(o):.2f} / {statistics.median(o):.2f} / {max(o):.2f} ({len(o)})" if o else "–"
        a_cell = f"{statistics.median(h):.1f} ({len(h)})" if h else "–"
        wait = f"{max(r['waits']):.2f}" if r["waits"] else "–"
        lines.append(
            f"| {r['engine']} | {r['date']} | {r['rows']:,} rows of 支出明细, {r['size_mb']:.1f} MB |"
            f" {b_cell} | {wait} | {statistics.median(r['alone']):.2f} | {a_cell} | {r['load']} |"
        )
    lines += [
        "",
        "Why: each lane of the job queue runs at most one job of a department at a time and takes departments"
        " in turn (embedded: `generator/jobqueue/fair.py`; procrastinate: a lock per department and lane), so A's"
        " second large workbook waits for its first while B's check takes the free slot. B's check still shares"
        " the CPU with A's running one.",
        END,
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", choices=("embedded", "procrastinate", "both"), default="embedded")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args(argv)
    engines = ("embedded", "procrastinate") if args.engine == "both" else (args.engine,)
    results = [run(e, max(1, min(args.rounds, 20))) for e in engines]
    text = section(results)
    print(text)
    if args.write:
        path = ROOT / "docs" / "benchmarks.md"
        old = path.read_text(encoding="utf-8")
        if START in old and END in old:
            old = old[: old.index(START)] + text + old[old.index(END) + len(END) :]
        else:
            old = old.rstrip("\n") + "\n\n" + text + "\n"
        path.write_text(old, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
