"""Each chunk of a large PDF is laid out in a short-lived forked child (generator/render/pdf_chunks.py,
issue 18 §7b): the result or the exception comes back, the WeasyPrint warnings too, a memory limit
applies in the child and comes back as MemoryError, and a child that dies fails the build without
writing a file."""

from __future__ import annotations

import faulthandler
import gc
import logging
import os
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from generator import forked
from generator.build import build
from generator.forked import ChildProcessDied
from generator.pipeline import run
from generator.render import pdf, pdf_chunks
from generator.render.html import render_html
from generator.render.layout import document_layout
from generator.render.pdf_chunks import in_child
from tests.conftest import ROOT

EXAMPLE_000 = ROOT / "inputs" / "000-昌吉州政资局-2023.xlsx"


def test_the_result_comes_back_from_another_process() -> None:
    assert in_child(lambda: (os.getpid(), {"a": [1, 2]}))[1] == {"a": [1, 2]}
    assert in_child(os.getpid) != os.getpid()


def _private_mib() -> float:
    """This process's private dirty memory (pages it has written since the fork), MiB."""
    text = Path("/proc/self/smaps_rollup").read_text()
    return sum(int(line.split()[1]) for line in text.splitlines() if line.startswith("Private_Dirty")) / 1024


def test_a_full_collection_in_the_child_does_not_copy_the_parents_objects() -> None:
    """The model is shared copy-on-write; a full garbage collection in the child (WeasyPrint triggers many)
    would write to the header of every container it traverses and so copy every page of them. The parent's
    objects are frozen across the fork: 200,000 dicts (≈ 60 MiB) stay shared."""
    model = [{"row": i, "cells": [i, i + 1]} for i in range(200_000)]

    def collect_in_child() -> float:
        before = _private_mib()
        gc.collect()
        return _private_mib() - before

    grown = in_child(collect_in_child)
    assert grown < 15, f"the child copied {grown:.0f} MiB of the parent's objects"
    gc.collect()  # and the parent's own collector still sees them (thawed after the fork)
    assert gc.get_freeze_count() == 0
    del model


def test_an_exception_comes_back_as_itself() -> None:
    def fail() -> None:
        raise ValueError("第 3 段")

    with pytest.raises(ValueError, match="第 3 段"):
        in_child(fail)


def test_warnings_of_the_child_reach_the_parent() -> None:
    def warn() -> int:
        logging.getLogger("weasyprint").warning("Ignored `foo: bar` at 1:2")
        return 7

    with pdf.collect_warnings() as messages:
        assert in_child(warn) == 7
    assert messages == ["WARNING: Ignored `foo: bar` at 1:2"]


def test_a_killed_child_is_a_clear_failure() -> None:
    with pytest.raises(ChildProcessDied) as caught:
        in_child(lambda: os.kill(os.getpid(), signal.SIGKILL))
    assert "PDF 分段排版进程意外退出（被信号 9 终止）" in str(caught.value)
    assert "内存" in str(caught.value)


def test_the_memory_limit_applies_in_the_child_and_comes_back_as_memory_error() -> None:
    """The outer child sets a 512 MiB address-space limit (as `--memory` and the web worker do), its
    own chunk child inherits it and fails to allocate 1 GiB: a MemoryError for the worker's handler."""

    def limited() -> str:
        resource.setrlimit(resource.RLIMIT_AS, (512 * 2**20, resource.getrlimit(resource.RLIMIT_AS)[1]))
        limit = in_child(lambda: resource.getrlimit(resource.RLIMIT_AS)[0])
        assert limit == 512 * 2**20
        try:
            in_child(lambda: len(bytearray(2**30)))
        except MemoryError:
            return "MemoryError"
        return "allocated"

    assert in_child(limited) == "MemoryError"


def test_a_chunk_child_that_dies_fails_the_build_and_writes_nothing(tmp_path: Path, monkeypatch) -> None:
    """Example 000 in chunks (3 绩效目标表, windows of 2): the child writing the front matter is killed.
    The build raises the Chinese message and the output folder holds no PDF, not even a partial one."""
    monkeypatch.setenv(pdf_chunks.CHUNK_ENV, "2,4")
    calls = []

    def killed(document, target: Path) -> None:
        calls.append(target)
        Path(target).write_bytes(b"%PDF-1.7 half")  # a half-written chunk, then death
        os.kill(os.getpid(), signal.SIGKILL)

    monkeypatch.setattr(pdf, "_write", killed)
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(ChildProcessDied, match="PDF 分段排版进程意外退出"):
        build(EXAMPLE_000, out, ("pdf",), parallel=False)
    assert calls == []  # the write ran in the child, not here
    assert [p.name for p in out.rglob("*") if p.is_file() and p.suffix == ".pdf"] == []


def _burn(seconds: float) -> str:
    start = time.process_time()
    while time.process_time() - start < seconds:
        pass
    return "done"


def test_the_cpu_limit_counts_every_chunk_child() -> None:
    """A job's CPU-seconds limit (RLIMIT_CPU, armed by the pool's worker) spans all its chunk children:
    a forked child's CPU clock starts at zero, so each inherits only what is left. Under a 3 s limit
    a first child burns 2 s; the second is stopped after the 1 s left, not after 3 s of its own."""

    def limited() -> str:
        resource.setrlimit(resource.RLIMIT_CPU, (3, resource.getrlimit(resource.RLIMIT_CPU)[1]))
        forked.children_cpu[0] = 0.0
        assert in_child(lambda: _burn(2.0)) == "done"
        try:
            in_child(lambda: _burn(2.5))
        except ChildProcessDied as exc:
            return str(exc)
        return "not stopped"

    message = in_child(limited)
    assert "CPU 时间超过了限制" in message
    assert f"被信号 {int(signal.SIGXCPU)} 终止" in message


def test_the_first_pass_window_never_widens_on_cloned_projects(tmp_path: Path, monkeypatch) -> None:
    """Example 002 split into 45 projects (scripts/make_large_workbook.py): runs of identical 绩效目标表 a
    little over a page long, whose grids start on the page after their information. Every window of
    the first pass (4 tables) finds a page to cut at, so none is laid out again twice as wide (before
    a chunk could open with a table's first row group, a 200-project run widened one window to 129
    pages, and the window grew with the projects)."""
    book = tmp_path / "p45.xlsx"
    make = [sys.executable, str(ROOT / "scripts" / "make_large_workbook.py"), "--projects", "45", "-o", str(book)]
    subprocess.run(make, check=True, capture_output=True, timeout=300)
    result = run(book)
    assert result.ok and result.disclosure is not None
    disclosure = result.disclosure
    monkeypatch.setenv(forked.FORK_ENV, "0")  # the windows are counted in this process
    windows: list[tuple[int, bool, object]] = []
    original = pdf_chunks._lay_window

    def spy(render, chunk, seg, i, last):
        out = original(render, chunk, seg, i, last)
        windows.append((out[0], last, out[2]))
        return out

    monkeypatch.setattr(pdf_chunks, "_lay_window", spy)
    layout = document_layout(disclosure)

    def render(chunk, css):
        chunk.css = css
        return pdf._render_document(render_html(disclosure, chunk, layout))

    pdf.check_fonts()
    _, laid = pdf_chunks.plan(disclosure, render, 4)
    body = [w for w in windows if w[0] > 1]
    assert len(body) >= 10  # the tables and 七's paragraphs were cut into many windows
    assert [w for w in windows if not w[1] and w[2] is None] == []  # no window widened
    assert max(pages for pages, _, _ in windows) <= 8  # 4 tables: 4–5 pages, 七's paragraphs fewer
    assert sum(piece.pages for piece in laid) > 45


def test_the_build_reads_the_workbook_in_a_child_and_a_dead_one_writes_nothing(tmp_path: Path, monkeypatch) -> None:
    """`build` reads, checks and computes in a forked child (what reading allocates leaves with it);
    a reader killed (out of memory) is the Chinese failure naming it, and no file is written."""
    import generator.build as build_module

    parent = os.getpid()
    seen: list[int] = []
    original = build_module.run

    def spied(workbook, catalogs):
        seen.append(os.getpid())
        return original(workbook, catalogs)

    monkeypatch.setattr(build_module, "run", spied)
    # the reading ran in another process: `seen` stays empty here, the result came back
    with monkeypatch.context() as m:
        m.setattr(build_module, "output_paths", lambda *a: (_ for _ in ()).throw(RuntimeError("stop here")))
        with pytest.raises(RuntimeError, match="stop here"):
            build(EXAMPLE_000, tmp_path, ("pdf",), parallel=False)
    assert seen == [] and os.getpid() == parent

    monkeypatch.setattr(build_module, "run", lambda *a: os.kill(os.getpid(), signal.SIGKILL))
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(ChildProcessDied, match="读取工作簿的进程意外退出（被信号 9 终止），未写入任何文件"):
        build(EXAMPLE_000, out, ("pdf",), parallel=False)
    assert list(out.iterdir()) == []


def test_a_crashed_child_under_a_memory_limit_names_the_limit() -> None:
    """Under an address-space limit Pango or HarfBuzz may crash (SIGSEGV) where Python would raise
    MemoryError: the message then names the limit, as the pool's memory message does."""

    def limited() -> str:
        resource.setrlimit(resource.RLIMIT_AS, (8192 * 2**20, resource.getrlimit(resource.RLIMIT_AS)[1]))
        try:
            in_child(lambda: (faulthandler.disable(), os.kill(os.getpid(), signal.SIGSEGV)))  # no dump on stderr
        except ChildProcessDied as exc:
            return str(exc)
        return "no error"

    message = in_child(limited)
    assert f"（被信号 {int(signal.SIGSEGV)} 终止）" in message
    assert "内存超过限制（8192 MiB）" in message
