"""One copy of the model per build (issue 18 §7b): `disclosure build` reads the workbook in a forked child,
and the PDF worker is forked from the build process once the model exists, so it shares the model
copy-on-write instead of unpickling a copy of its own; a PDF alone is rendered in the build process
itself. The warm pool workers read in a forked child too, so the reading's memory never stays in them.

The renderers are replaced by stand-ins that record which process ran them (the real ones are tested
elsewhere); what is checked is where the work runs, what crosses a pipe, and that a failed or killed
worker leaves no output behind.
"""

from __future__ import annotations

import os
import resource
import signal
import threading
import time
from pathlib import Path

import pytest

from generator import build as build_module
from generator import workers
from generator.build import build
from generator.catalog.store import SHIPPED_ONLY
from generator.forked import ChildProcessDied
from generator.inputs import Inputs
from generator.model import Disclosure
from generator.pipeline import Result
from generator.render import docx as docx_render
from generator.render import pdf as pdf_render
from generator.workers import BuildJob
from tests.conftest import ROOT
from tests.procs import live_processes

EXAMPLE_000 = ROOT / "inputs" / "000-昌吉州政资局-2023.xlsx"

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="the build forks only where the system forks")


def record(log: Path, *fields: object) -> None:
    """Append one line to `log` (from whichever process calls it: a child's list would not come back)."""
    with log.open("a", encoding="utf-8") as f:
        f.write(" ".join(str(x) for x in fields) + "\n")


def lines(log: Path) -> list[list[str]]:
    return [line.split() for line in log.read_text(encoding="utf-8").splitlines()] if log.exists() else []


# Children this process had before the test (the full suite leaves e.g. a warm LibreOffice bridge
# running): only the children a build starts count.
_before: set[int] = set()


def children_of(pid: int) -> list[int]:
    """The live children of `pid` that were not there before the test."""
    return [p.pid for p in live_processes() if p.ppid == pid and p.pid not in _before]


@pytest.fixture
def log(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Stand-in renderers and a spy on unpickling a Disclosure, all writing to one log file."""
    _before.clear()
    _before.update(children_of(os.getpid()))
    path = tmp_path / "log.txt"
    original_setstate = Disclosure.__setstate__

    def setstate(self: Disclosure, state: object) -> None:
        record(path, "unpickle", os.getpid())
        original_setstate(self, state)

    def fake_pdf(disclosure: Disclosure, target: Path) -> int:
        record(path, "pdf", os.getpid(), id(disclosure), len(children_of(os.getpid())))
        Path(target).write_bytes(b"%PDF-1.7 stand-in")
        return 1

    def fake_docx(disclosure: Disclosure, target: Path) -> None:
        record(path, "docx", os.getpid(), id(disclosure))
        Path(target).write_bytes(b"PK stand-in")

    monkeypatch.setattr(Disclosure, "__setstate__", setstate)
    monkeypatch.setattr(pdf_render, "render_pdf", fake_pdf)
    monkeypatch.setattr(docx_render, "render_docx_paginated", fake_docx)
    monkeypatch.setattr(build_module, "_warm_pdf", lambda: record(path, "warm", os.getpid()))
    return path


def test_the_pdf_worker_shares_the_model_and_receives_no_copy(log: Path, tmp_path: Path) -> None:
    """Both formats, PDF in the worker: the model is unpickled once (the reader's Result, in this
    process); the worker renders the very object this process holds (same address: inherited by the
    fork, not rebuilt from a pipe), WeasyPrint was warmed up here, and both files are published."""
    out = tmp_path / "out"
    outcome = build(EXAMPLE_000, out, ("docx", "pdf"), parallel=True)
    assert [p.suffix for p in outcome.written] == [".docx", ".pdf"]
    assert all(p.exists() for p in outcome.written)
    me = str(os.getpid())
    events = lines(log)
    assert [e for e in events if e[0] == "unpickle"] == [["unpickle", me]]
    assert ["warm", me] in events
    (pdf_event,) = [e for e in events if e[0] == "pdf"]
    (docx_event,) = [e for e in events if e[0] == "docx"]
    assert pdf_event[1] != me and docx_event[1] == me
    assert pdf_event[2] == docx_event[2] == str(id(outcome.result.disclosure))


def test_a_pdf_alone_is_rendered_in_the_build_process(log: Path, tmp_path: Path) -> None:
    """`--format pdf`: no second process holds the model while this one waits. The PDF is rendered
    here, with no child process alive (the reader has been reaped), after a warm-up overlapping the read."""
    out = tmp_path / "out"
    outcome = build(EXAMPLE_000, out, ("pdf",), parallel=True)
    assert [p.suffix for p in outcome.written] == [".pdf"]
    me = str(os.getpid())
    events = lines(log)
    assert ["pdf", me, str(id(outcome.result.disclosure)), "0"] in events
    assert [e[0] for e in events] == ["warm", "unpickle", "pdf"]


def test_the_validated_inputs_stay_in_the_reader(log: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Only what the build renders comes back from the reading child: the disclosure, the issues and
    the catalog. The validated inputs and the reason books (together about as large as the model: some
    30 KiB a project) stay in the child and die with it."""
    original = Inputs.__setstate__

    def setstate(self: Inputs, state: object) -> None:
        record(log, "inputs", os.getpid())
        original(self, state)

    monkeypatch.setattr(Inputs, "__setstate__", setstate)
    outcome = build(EXAMPLE_000, tmp_path / "out", ("pdf",), parallel=True)
    assert [p.suffix for p in outcome.written] == [".pdf"]
    result = outcome.result
    assert result.disclosure is not None and result.catalog is not None and result.ok
    assert (result.inputs, result.book, result.final_book, result.final_prior_book) == (None, None, None, None)
    assert not [e for e in lines(log) if e[0] == "inputs"]


def test_the_sequential_path_renders_everything_here(log: Path, tmp_path: Path) -> None:
    outcome = build(EXAMPLE_000, tmp_path / "out", ("docx", "pdf"), parallel=False)
    assert len(outcome.written) == 2
    me = str(os.getpid())
    assert [e[:2] for e in lines(log)] == [["unpickle", me], ["docx", me], ["pdf", me]]  # no warm-up


def test_no_worker_is_forked_while_another_thread_runs(log: Path, tmp_path: Path) -> None:
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        outcome = build(EXAMPLE_000, tmp_path / "out", ("docx", "pdf"), parallel=True)
    finally:
        stop.set()
        thread.join()
    assert len(outcome.written) == 2
    assert {e[1] for e in lines(log) if e[0] in ("pdf", "docx")} == {str(os.getpid())}


def test_a_killed_pdf_worker_fails_the_build_and_writes_nothing(
    log: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def killed(disclosure: Disclosure, target: Path) -> int:
        Path(target).write_bytes(b"%PDF-1.7 half")
        os.kill(os.getpid(), signal.SIGKILL)
        return 0

    monkeypatch.setattr(pdf_render, "render_pdf", killed)
    out = tmp_path / "out"
    with pytest.raises(ChildProcessDied, match="PDF 生成进程意外退出（被信号 9 终止），未写入任何文件"):
        build(EXAMPLE_000, out, ("docx", "pdf"), parallel=True)
    assert [p for p in out.rglob("*") if p.is_file()] == []
    assert children_of(os.getpid()) == []


def test_a_failing_pdf_worker_sends_its_error_and_writes_nothing(
    log: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def failing(disclosure: Disclosure, target: Path) -> int:
        Path(target).write_bytes(b"%PDF-1.7 half")
        raise pdf_render.MissingFontError("缺少中文字体")

    monkeypatch.setattr(pdf_render, "render_pdf", failing)
    out = tmp_path / "out"
    with pytest.raises(pdf_render.MissingFontError, match="缺少中文字体"):
        build(EXAMPLE_000, out, ("docx", "pdf"), parallel=True)
    assert [p for p in out.rglob("*") if p.is_file()] == []


def test_the_worker_is_reaped_before_the_temp_files_are_removed(
    log: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The DOCX fails here while the worker is still busy: the worker is killed and reaped first, so it
    cannot write its file after the clean-up."""

    def slow(disclosure: Disclosure, target: Path) -> int:
        record(log, "pdf-start", os.getpid())
        time.sleep(1.5)
        Path(target).write_bytes(b"%PDF-1.7 late")
        record(log, "pdf-end", os.getpid())
        return 1

    def broken(disclosure: Disclosure, target: Path) -> None:
        deadline = time.monotonic() + 10
        while not any(e[0] == "pdf-start" for e in lines(log)) and time.monotonic() < deadline:
            time.sleep(0.05)
        raise RuntimeError("DOCX broke")

    monkeypatch.setattr(pdf_render, "render_pdf", slow)
    monkeypatch.setattr(docx_render, "render_docx_paginated", broken)
    out = tmp_path / "out"
    with pytest.raises(RuntimeError, match="DOCX broke"):
        build(EXAMPLE_000, out, ("docx", "pdf"), parallel=True)
    assert children_of(os.getpid()) == []
    time.sleep(2)
    assert [p for p in out.rglob("*") if p.is_file()] == []
    assert "pdf-end" not in [e[0] for e in lines(log)]


class FakeConn:
    """The pool's end of a worker's pipe, for `_run_job` run in this process."""

    def __init__(self, temps: dict[str, Path]) -> None:
        self.sent: list[tuple[str, object]] = []
        self.temps = temps

    def send(self, message: tuple[str, object]) -> None:
        self.sent.append(message)

    def recv(self) -> tuple[str, dict[str, str]]:
        return "go", {fmt: str(p) for fmt, p in self.temps.items()}


def test_a_pool_worker_reads_in_a_child(log: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`_run_job` (the warm worker's loop body) never runs the pipeline itself: the reading's memory
    dies with a child, the Result comes back, the progress messages are unchanged."""
    real_run = build_module.run
    monkeypatch.setattr(build_module, "run", lambda *a: (record(log, "read", os.getpid()), real_run(*a))[1])
    conn = FakeConn({"docx": tmp_path / "x.docx"})
    job = BuildJob(EXAMPLE_000, tmp_path, formats=("docx",), catalogs=SHIPPED_ONLY)
    assert workers._run_job(conn, job, None) is True
    (read,) = [e for e in lines(log) if e[0] == "read"]
    assert read[1] != str(os.getpid())
    assert next(e for e in lines(log) if e[0] == "docx")[:2] == ["docx", str(os.getpid())]
    assert [m for m in conn.sent if m[0] == "progress"] == [("progress", "读取并检查工作簿"), ("progress", "生成 DOCX")]
    assert conn.sent[-1][0] == "done" and conn.sent[-1][1]["ok"] is True


def _burn(seconds: float) -> None:
    start = time.process_time()
    while time.process_time() - start < seconds:
        pass


def test_the_reading_child_counts_against_the_jobs_cpu_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    """A job's CPU limit covers its reading: a read that burns 2 CPU seconds in the child lowers the
    worker's own soft limit by at least 2 seconds (run in a child, so this process's limit is untouched)."""
    from generator.render.pdf_chunks import in_child

    monkeypatch.setattr(build_module, "run", lambda *a: _burn(2.0) or Result(path=EXAMPLE_000))

    def job() -> tuple[object, int, int]:
        resource.setrlimit(resource.RLIMIT_CPU, (1000, resource.RLIM_INFINITY))
        value = workers._read_apart(EXAMPLE_000, SHIPPED_ONLY)
        return value, 1000, resource.getrlimit(resource.RLIMIT_CPU)[0]

    value, before, after = in_child(job)
    assert isinstance(value, Result) and value.path == EXAMPLE_000
    assert before - after >= 2
