"""`disclosure build`: validate, compute, render DOCX and PDF, and publish both atomically.

Nothing is written while the workbook has errors. Both files are rendered to
temporary names in the output folder first; only when every requested format has
rendered are they renamed into place, so a failed or interrupted build leaves the
previous outputs exactly as they were and no half-written file behind.

On a multi-core Linux machine the PDF (by far the slowest part, all of it in
WeasyPrint's pure-Python layout) is rendered in a forked worker process while this
process reads the workbook and renders the DOCX. The worker is started before the
workbook is read so that importing WeasyPrint and loading the fonts overlap with the
pipeline; it is always stopped and reaped before the temporary files are cleaned up.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import sys
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path

from generator.catalog.store import SHIPPED_ONLY, CatalogSource
from generator.filenames import inside, safe_filename
from generator.lifecycle import die_with_parent
from generator.model import Disclosure
from generator.output import atomic_paths
from generator.pipeline import Result, run

FORMATS = ("docx", "pdf")
JOBS_ENV = "DISCLOSURE_JOBS"  # "1" forces the sequential path (debugging, per-stage benchmarks)


def _renderer(fmt: str) -> Callable[[Disclosure, Path], object]:
    if fmt == "html":
        from generator.render.html import write_html

        return write_html
    if fmt == "docx":
        from generator.render.docx import render_docx_paginated

        return render_docx_paginated  # 目录 page numbers when LibreOffice is installed
    from generator.render.pdf import render_pdf

    return render_pdf


@dataclass
class BuildResult:
    result: Result
    written: list[Path]


def output_name(disclosure: Disclosure, fmt: str, stem: str | None = None) -> str:
    """The file name `build` (or `dump`, fmt "json") writes for this disclosure (see generator/filenames.py).

    `stem` overrides the department's own "{单位全称}{年}年部门预算公开" (still made safe).
    """
    return safe_filename(stem or disclosure.file_stem, f".{fmt}")


def output_paths(
    disclosure: Disclosure, out_dir: Path, formats: tuple[str, ...], stem: str | None = None
) -> dict[str, Path]:
    """Where each format goes; every path is verified to lie directly inside `out_dir`."""
    return place_outputs(out_dir, {fmt: output_name(disclosure, fmt, stem) for fmt in formats})


def place_outputs(out_dir: Path, names: dict[str, str]) -> dict[str, Path]:
    """`out_dir / name` for each format, created and verified to lie directly inside `out_dir`."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {}
    for fmt, name in names.items():
        inside(out_dir, name)  # raises UnsafePathError; cannot happen for a safe_filename name
        paths[fmt] = out_dir / name
    return paths


STAGE_NAMES = {"docx": "生成 DOCX", "pdf": "生成 PDF"}


def render_into(
    disclosure: Disclosure, temps: dict[str, Path], progress: Callable[[str], None] | None = None
) -> int | None:
    """Render every format into its (temporary) path, one after the other, in this process.

    Returns the PDF's page count when a PDF was rendered. Used by the pool workers
    (generator/workers.py), which parallelise across departments instead.
    """
    pages = None
    for fmt, tmp in temps.items():
        if progress is not None:
            progress(STAGE_NAMES.get(fmt, fmt))
        rendered = _renderer(fmt)(disclosure, tmp)
        if fmt == "pdf" and isinstance(rendered, int):
            pages = rendered
    return pages


def parallel_available() -> bool:
    """True where a forked PDF worker can run beside this process: Linux, two or more usable cores."""
    if os.environ.get(JOBS_ENV, "").strip() == "1":
        return False
    if not sys.platform.startswith("linux") or "fork" not in multiprocessing.get_all_start_methods():
        return False
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    return cores >= 2


def _run_apart(workbook: Path, catalogs: CatalogSource) -> Result:
    """The pipeline (read, check, compute) in a forked child when this system forks: what reading
    allocates (openpyxl's cells, the validated rows) leaves with the child, and this process, which
    waits for the PDF, holds only the result (at 2,000 projects about 100 MiB instead of 250)."""
    from generator.render.pdf_chunks import forking, in_child

    if not forking():
        return run(workbook, catalogs)
    return in_child(lambda: run(workbook, catalogs), "读取工作簿的进程")


def build(
    workbook: Path,
    out_dir: Path,
    formats: tuple[str, ...] = FORMATS,
    *,
    parallel: bool | None = None,
    stage: Callable[[str], None] | None = None,
    catalogs: CatalogSource = SHIPPED_ONLY,
) -> BuildResult:
    """Run the pipeline and, if the workbook is clean, write the requested formats.

    `parallel` (default: when the machine allows it) renders the PDF in a worker process;
    `stage` is told which stage starts (Chinese, for a terminal progress display).
    """
    stage = stage or (lambda _text: None)
    if parallel is None:
        parallel = parallel_available()
    worker_wanted = parallel and "pdf" in formats
    with _pdf_worker() if worker_wanted else contextlib.nullcontext() as worker:
        stage("读取并检查工作簿")
        result = _run_apart(workbook, catalogs)
        if not result.ok or result.disclosure is None:
            return BuildResult(result, [])
        disclosure = result.disclosure
        targets = output_paths(disclosure, out_dir, formats)
        with contextlib.ExitStack() as stack:
            # all or none: a failure while publishing restores the files already replaced
            temps = stack.enter_context(atomic_paths(targets))
            if worker is not None:
                # Unwound first: the worker is reaped (killed if still busy) before any
                # temp file is renamed or deleted.
                stack.callback(worker.stop)
                stage("生成 PDF（后台进行）")
                worker.start(disclosure, temps["pdf"])
            for fmt, tmp in temps.items():
                if worker is None or fmt != "pdf":
                    stage(f"生成 {fmt.upper()}")
                    _renderer(fmt)(disclosure, tmp)
            if worker is not None:
                worker.wait()
            # Leaving the stack renames every temp file into place (in order); an exception
            # above unwinds it and deletes them instead, leaving earlier outputs untouched.
        return BuildResult(result, list(targets.values()))


class WorkerError(RuntimeError):
    """The PDF worker process died without reporting (killed, crashed)."""


class _PdfWorker:
    """Parent-side handle of the forked PDF worker (see `_pdf_worker_main`)."""

    def __init__(self) -> None:
        ctx = multiprocessing.get_context("fork")
        self._conn, child_conn = ctx.Pipe(duplex=True)
        self._process = ctx.Process(
            target=_pdf_worker_main, args=(child_conn, os.getpid()), name="pdf-render", daemon=True
        )
        self._process.start()
        child_conn.close()
        self._started = False
        self._done = False
        self._stopped = False

    def start(self, disclosure: Disclosure, target: Path) -> None:
        self._conn.send((disclosure, str(target)))
        self._started = True

    def wait(self) -> None:
        """Block until the PDF is complete; re-raise the worker's exception if it failed."""
        try:
            status, payload = self._conn.recv()
        except EOFError:
            self._process.join(5)
            raise WorkerError(f"PDF 生成进程意外退出（退出码 {self._process.exitcode}）") from None
        self._done = True
        if status != "ok":
            raise payload

    def stop(self) -> None:
        """Reap the worker; if it is still busy (error or interrupt elsewhere), kill it first.

        Called before the temporary files are removed, so a worker that is still writing
        cannot re-create a temp file after the cleanup.
        """
        if self._stopped:
            return
        self._stopped = True
        if self._process.is_alive() and not self._done:
            if not self._started:
                with contextlib.suppress(OSError):
                    self._conn.send(None)  # nothing to render: exit quietly
                self._process.join(2)
            if self._process.is_alive():
                self._process.kill()
        self._process.join()
        self._conn.close()


@contextlib.contextmanager
def _pdf_worker() -> Iterator[_PdfWorker]:
    worker = _PdfWorker()
    try:
        yield worker
    finally:
        worker.stop()


def _pdf_worker_main(conn: Connection, parent_pid: int) -> None:
    """Worker process: warm WeasyPrint up, then render the one PDF it is sent and report."""
    die_with_parent(parent_pid)  # never an orphan, even if the parent is SIGKILLed
    try:
        from generator.render import pdf

        pdf.warm_up()
        job = conn.recv()
        if job is None:
            return
        disclosure, target = job
        pdf.render_pdf(disclosure, Path(target))
        conn.send(("ok", None))
    except EOFError:
        return  # the parent went away
    except BaseException as exc:  # every failure, interrupts included, is reported to the parent
        try:
            conn.send(("error", exc))
        except Exception:  # unpicklable exception: send its text instead
            conn.send(("error", RuntimeError("".join(traceback.format_exception(exc)))))
    finally:
        conn.close()
