#!/usr/bin/env python3
"""Bounded load test of the web application, on the loopback interface only; it stops by itself.

Starts `disclosure serve` on 127.0.0.1 (a free port, a temporary data folder), creates N
departments with `--officers` accounts spread over them, then every officer uploads a
workbook and starts a build at the same moment. While the builds run, one client keeps
requesting the pages people read (a department page, a version page, the bureau page, the
login page) and records each page's latency. Every build is followed until it ends (done or
a located failure) or the overall time limit.

Reports: uploads that became versions, builds done/failed/unfinished, wall time, and
min/median/max of upload + check, build and each page. `--write` puts the figures into the
web section of docs/benchmarks.md (between the web-load markers; the rest is left alone).

    .venv/bin/python scripts/load.py --departments 10 --officers 20 --write
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import re
import shutil
import signal
import socket
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

HOST = "127.0.0.1"  # loopback only: never any other address
PASSWORD = "load-test-password-1"
CSRF = re.compile(r'name="csrf" value="([^"]+)"')
START, END = "<!-- web-load -->", "<!-- /web-load -->"


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def token(client: httpx.Client, path: str = "/password") -> str:
    return CSRF.search(client.get(path).text)[1]  # type: ignore[index]


def login(client: httpx.Client, user: str, password: str) -> None:
    r = client.post("/login", data={"csrf": token(client, "/login"), "username": user, "password": password})
    if r.url.path == "/password":
        t = CSRF.search(r.text)[1]  # type: ignore[index]
        client.post("/password", data={"csrf": t, "old": password, "new": PASSWORD, "again": PASSWORD})


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    k = max(0, min(len(values) - 1, round(p / 100 * len(values) + 0.5) - 1))
    return values[k]


def main() -> int:
    ap = argparse.ArgumentParser(description="bounded loopback load test of disclosure serve")
    ap.add_argument("--departments", type=int, default=20)
    ap.add_argument("--officers", type=int, default=0, help="officer accounts over the departments (default: one each)")
    ap.add_argument("--limit", type=float, default=900, help="overall seconds before giving up (default 900)")
    ap.add_argument("--write", action="store_true", help="write the figures into docs/benchmarks.md")
    ap.add_argument("--server-log", type=Path, help="keep the server's output in this file")
    args = ap.parse_args()
    n_depts = max(1, min(args.departments, 50))
    n = max(1, min(args.officers or n_depts, 100))
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # stop the server on the way out

    from generator.workbook.template import write_workbook
    from tests.conftest import example_data

    work = Path(tempfile.mkdtemp(prefix="disclosure-load-"))
    books = {}
    for name in ("000", "002"):
        books[name] = work / f"{name}.xlsx"
        write_workbook(books[name], example_data(name))
    port = free_port()
    env = {**os.environ, "DISCLOSURE_DATA": str(work / "data")}
    env.pop("DATABASE_URL", None)
    server = subprocess.Popen(
        [sys.executable, "-m", "generator.cli", "serve", "--host", HOST, "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
        cwd=ROOT,
    )
    deadline = time.monotonic() + args.limit
    load_before = os.getloadavg()
    try:
        assert server.stdout is not None
        admin_password = None
        for _ in range(20):
            line = server.stdout.readline()
            m = re.search(r"一次性密码：(\S+?)（", line)
            admin_password = m[1] if m else admin_password
            if "Ctrl+C" in line:
                break
        assert admin_password, "no administrator password printed"
        base = f"http://{HOST}:{port}"
        for _ in range(100):
            try:
                socket.create_connection((HOST, port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        log = args.server_log.open("w", encoding="utf-8") if args.server_log else None

        def drain() -> None:
            for line in server.stdout:  # type: ignore[union-attr]
                if log:
                    log.write(line)
                    log.flush()

        threading.Thread(target=drain, daemon=True).start()

        admin = httpx.Client(base_url=base, follow_redirects=True, timeout=120)
        login(admin, "admin", admin_password)
        clients: list[tuple[httpx.Client, int, Path]] = []
        depts = []
        for d in range(n_depts):
            name = f"压力测试部门{d + 1:02d}"
            admin.post("/admin/departments", data={"csrf": token(admin), "name": name, "approval_date": "2026-01-01"})
            depts.append(int(re.search(rf'href="/departments/(\d+)">{name}<', admin.get("/admin/departments").text)[1]))  # type: ignore[index]
        for i in range(n):
            dept = depts[i % n_depts]
            r = admin.post(
                "/admin/accounts",
                data={"csrf": token(admin), "username": f"load{i}", "role": "department", "department_id": str(dept)},
            )
            pw = re.search(r"一次性密码：(\S+?)（", r.text)[1]  # type: ignore[index]
            c = httpx.Client(base_url=base, follow_redirects=True, timeout=300)
            login(c, f"load{i}", pw)
            clients.append((c, dept, books["000" if i % 2 == 0 else "002"]))

        results: dict[int, dict] = {}
        barrier = threading.Barrier(n + 1)
        builds_running = threading.Event()

        def department(i: int, c: httpx.Client, dept: int, book: Path) -> None:
            results[i] = {"version": None, "build": None, "state": "未开始", "upload_s": None}
            try:
                _department(i, c, dept, book)
            except Exception as exc:  # reported, the other departments go on
                results[i]["state"] = "exception"
                results[i]["error"] = f"{type(exc).__name__}: {exc}"[:300]

        def _department(i: int, c: httpx.Client, dept: int, book: Path) -> None:
            out = results[i]
            t = token(c)
            barrier.wait()
            t0 = time.monotonic()
            r = c.post(
                f"/departments/{dept}/upload",
                data={"csrf": t},
                files={"workbook": (book.name, book.read_bytes(), "application/octet-stream")},
            )
            out["upload_s"] = time.monotonic() - t0
            m = re.search(r"/versions/(\d+)$", r.url.path)
            if not m:
                out["state"] = "upload-failed"
                text = re.sub(r"<[^>]+>|\s+", " ", r.text)
                out["error"] = f"上传 HTTP {r.status_code}: {text[-300:]}"
                return
            out["version"] = int(m[1])
            r = c.post(f"/versions/{m[1]}/build", data={"csrf": t})
            b = re.search(r"/builds/(\d+)$", r.url.path)
            if not b:
                out["state"] = "未能开始生成"
                return
            out["build"] = int(b[1])
            builds_running.set()
            t1 = time.monotonic()
            while time.monotonic() < deadline:
                page = c.get(f"/builds/{b[1]}").text
                if 'http-equiv="refresh"' not in page:
                    out["state"] = "done" if 'id="pdf"' in page else "failed"
                    out["build_s"] = time.monotonic() - t1
                    if out["state"] == "failed":
                        out["error"] = re.sub(r"<[^>]+>", "", re.search(r'id="state"[^>]*>(.*?)</p>', page, re.S)[1])  # type: ignore[index]
                    return
                time.sleep(1.0)
            out["state"] = "unfinished"

        threads = [
            threading.Thread(target=department, args=(i, c, d, b), daemon=True) for i, (c, d, b) in enumerate(clients)
        ]
        for th in threads:
            th.start()
        started = time.monotonic()
        barrier.wait()

        # the pages people read, timed while the uploads and builds run
        pages: dict[str, list[float]] = {"department": [], "version": [], "bureau": [], "login": []}
        latencies: list[float] = []
        probe, probe_dept, _ = clients[0]
        anonymous = httpx.Client(base_url=base, timeout=120)
        builds_running.wait(timeout=min(300, max(1, deadline - time.monotonic())))
        while any(th.is_alive() for th in threads) and time.monotonic() < deadline and len(latencies) < 5000:
            probe_version = results.get(0, {}).get("version")
            for name, client, path in (
                ("department", probe, f"/departments/{probe_dept}"),
                ("version", probe, f"/versions/{probe_version}" if probe_version else None),
                ("bureau", admin, "/bureau"),
                ("login", anonymous, "/login"),
            ):
                if path is None:
                    continue
                t0 = time.monotonic()
                r = client.get(path)
                took = time.monotonic() - t0
                pages[name].append(took)
                latencies.append(took)
                assert r.status_code == 200, (path, r.status_code)
            time.sleep(0.5)
        for th in threads:
            th.join(max(0.1, deadline - time.monotonic()))
        wall = time.monotonic() - started

        states = [r["state"] for r in results.values()]
        versions = sum(1 for r in results.values() if r["version"])
        uploads = [r["upload_s"] for r in results.values() if r["upload_s"] is not None]
        builds = [r["build_s"] for r in results.values() if r.get("build_s") is not None]
        summary = {
            "departments": n_depts,
            "officers": n,
            "per_page": {k: v for k, v in pages.items() if v},
            "uploads": uploads,
            "builds": builds,
            "versions": versions,
            "done": states.count("done"),
            "failed": states.count("failed"),
            "unfinished": n - states.count("done") - states.count("failed"),
            "wall": wall,
            "upload_p50": statistics.median(uploads) if uploads else float("nan"),
            "upload_max": max(uploads, default=float("nan")),
            "build_max": max(builds, default=float("nan")),
            "pages": len(latencies),
            "p50": percentile(latencies, 50),
            "p95": percentile(latencies, 95),
            "max": max(latencies, default=float("nan")),
            "errors": [r.get("error") for r in results.values() if r.get("error")],
            "load": (load_before, os.getloadavg()),
        }
    finally:
        server.terminate()
        try:
            server.wait(60)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        shutil.rmtree(work, ignore_errors=True)

    text = report(summary)
    print(text)
    if args.write:
        write(text)
    ok = (
        summary["versions"] == n
        and summary["unfinished"] == 0
        and not any(r["state"] == "exception" for r in results.values())
    )
    return 0 if ok else 1


def report(s: dict) -> str:
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], check=False, capture_output=True, text=True, cwd=ROOT
    ).stdout
    lines = [
        START,
        "## Web application under load (`scripts/load.py`)",
        "",
        f"- Date: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC; commit {commit.strip()}; "
        f"cores: {os.cpu_count()}; Python {platform.python_version()}; 1-minute load average before / after: "
        f"{s['load'][0][0]:.1f} / {s['load'][1][0]:.1f} (the machine is shared: other work inflates every figure)",
        f"- {s['officers']} officers of {s['departments']} departments each upload a workbook (examples 000/002 "
        "alternately) and start a build at the same moment; `disclosure serve` on 127.0.0.1 with the default worker "
        "pool and SQLite",
        f"- Uploads that became versions: **{s['versions']}/{s['officers']}**; builds done **{s['done']}**, "
        f"failed {s['failed']}, unfinished {s['unfinished']}",
        f"- Wall time from the simultaneous uploads to the last build's end: {s['wall']:.1f} s "
        f"(longest single build from its request, queueing included: {s['build_max']:.1f} s)",
        f"- Upload + check latency: median {s['upload_p50']:.2f} s, max {s['upload_max']:.2f} s",
        f"- Pages (department, version, bureau, login) while the uploads and builds ran: {s['pages']} requests, "
        f"p50 {s['p50'] * 1000:.0f} ms, **p95 {s['p95'] * 1000:.0f} ms**, max {s['max'] * 1000:.0f} ms",
        "",
        "| Measure | min | median | max | n |",
        "|---|---|---|---|---|",
        _row("upload + check (s)", s["uploads"], 1),
        _row("build, request → done (s)", s["builds"], 1),
        *(_row(f"{name} page (ms)", values, 1000) for name, values in s["per_page"].items()),
    ]
    if s["errors"]:
        lines.append(f"- Failures: {'；'.join(s['errors'][:5])}")
    lines.append(END)
    return "\n".join(lines)


def _row(label: str, values: list[float], scale: float) -> str:
    if not values:
        return f"| {label} | – | – | – | 0 |"
    fmt = "{:.0f}" if scale == 1000 else "{:.2f}"
    low, mid, high = (fmt.format(v * scale) for v in (min(values), statistics.median(values), max(values)))
    return f"| {label} | {low} | {mid} | {high} | {len(values)} |"


def write(text: str) -> None:
    path = ROOT / "docs" / "benchmarks.md"
    old = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    if START in old and END in old:
        new = old[: old.index(START)] + text + old[old.index(END) + len(END) :]
    else:
        new = old.rstrip("\n") + "\n\n" + text + "\n"
    path.write_text(new, encoding="utf-8")
    print(f"written: {path}")


if __name__ == "__main__":
    sys.exit(main())
