"""`disclosure build`: validate, compute, render DOCX and PDF, and publish both atomically.

Nothing is written while the workbook has errors. Both files are rendered to
temporary names in the output folder first; only when every requested format has
rendered are they renamed into place, so a failed or interrupted build leaves the
previous outputs exactly as they were and no half-written file behind.

The workbook is read in a forked child (what reading allocates leaves with it) while
this process imports WeasyPrint and loads the fonts. On a multi-core Linux machine,
when the DOCX is wanted too, the PDF (by far the slowest part, all of it in
WeasyPrint's pure-Python layout) is then rendered in a worker forked from this process
while it renders the DOCX: the worker inherits the warm WeasyPrint and shares the model
copy-on-write (one copy of the model per build, none sent through a pipe). A PDF alone
is rendered in this process. The worker is always stopped and reaped before the
temporary files are cleaned up.
"""

from __future__ import annotations

import contextlib
import dataclasses
import multiprocessing
import os
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from generator.catalog.store import SHIPPED_ONLY, CatalogSource
from generator.filenames import inside, safe_filename
from generator.forked import Forked, forking, in_child
from generator.model import Disclosure
from generator.output import atomic_paths
from generator.pipeline import Result, run
from generator.render import office

FORMATS = ("docx", "pdf")
JOBS_ENV = "DISCLOSURE_JOBS"  # "1" forces the sequential path (debugging, per-stage benchmarks)


# LibreOffice is installed but gave no layout (it failed, or timed out on a very long document on a
# busy machine): the DOCX is written with a 目录 without page numbers, and the officer is told.
TOC_UNNUMBERED = (
    "DOCX 的目录没有页码：LibreOffice 未能完成排版（文件很长、机器繁忙或 LibreOffice 出错）。"
    "DOCX 其余内容完整；请稍后重新生成，以得到目录页码。"
)


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
    notices: list[str] = field(default_factory=list)  # what the officer should know about the files (Chinese)


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


@dataclass
class Rendered:
    """What `render_into` made: the PDF's page count (when a PDF was rendered) and the notices about
    the files the officer should read (Chinese; e.g. `TOC_UNNUMBERED`)."""

    pages: int | None = None
    notices: list[str] = field(default_factory=list)


def render_one(fmt: str, disclosure: Disclosure, target: Path) -> tuple[object, list[str]]:
    """Render one format into `target`: the renderer's return value and the notices it calls for.

    A DOCX whose 目录 got no page numbers although LibreOffice is installed (it failed, or timed
    out) is noted with `TOC_UNNUMBERED`; without LibreOffice `office.missing_notice()` says so instead."""
    rendered = _renderer(fmt)(disclosure, target)
    unnumbered = fmt == "docx" and rendered is False and office.soffice() is not None
    return rendered, [TOC_UNNUMBERED] if unnumbered else []


def render_into(
    disclosure: Disclosure, temps: dict[str, Path], progress: Callable[[str], None] | None = None
) -> Rendered:
    """Render every format into its (temporary) path, one after the other, in this process.

    Returns the PDF's page count when a PDF was rendered and the notices about the files. Used by the
    pool workers (generator/workers.py), which parallelise across departments instead.
    """
    out = Rendered()
    for fmt, tmp in temps.items():
        if progress is not None:
            progress(STAGE_NAMES.get(fmt, fmt))
        rendered, notices = render_one(fmt, disclosure, tmp)
        if fmt == "pdf" and isinstance(rendered, int):
            out.pages = rendered
        out.notices += notices
    return out


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


def rendering_part(result: Result) -> Result:
    """What a build needs of a run: the issues, the disclosure and the catalog. The validated inputs
    and the workbook's reason books (about as large as the disclosure: some 33 KiB a project) are
    dropped, so the build process, and every child forked from it, does not hold them while rendering."""
    return dataclasses.replace(result, inputs=None, book=None, final_book=None, final_prior_book=None)


def _run_apart(workbook: Path, catalogs: CatalogSource, meanwhile: Callable[[], None] | None = None) -> Result:
    """The pipeline (read, check, compute) in a forked child when this system forks: what reading
    allocates (openpyxl's cells, the validated rows) leaves with the child, and this process, which
    renders afterwards, holds only the part of the result it renders (`rendering_part`).

    `meanwhile` runs here while the child reads (the build warms WeasyPrint up in it)."""
    if not forking():
        if meanwhile is not None:
            meanwhile()
        return rendering_part(run(workbook, catalogs))
    if meanwhile is None:
        return in_child(lambda: rendering_part(run(workbook, catalogs)), "读取工作簿的进程")
    reader = Forked(lambda: rendering_part(run(workbook, catalogs)), "读取工作簿的进程")
    try:
        meanwhile()
        return reader.result()
    finally:
        reader.stop()


def _warm_pdf() -> None:
    from generator.render import pdf

    pdf.warm_up()


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

    `parallel` (default: when the machine allows it) renders the PDF in a worker process beside
    the other formats; `stage` is told which stage starts (Chinese, for a terminal progress display).
    """
    stage = stage or (lambda _text: None)
    if parallel is None:
        parallel = parallel_available()
    # A worker only when there is something to render beside the PDF: a PDF alone is rendered
    # here, so no second process holds the model while this one waits.
    worker_wanted = parallel and "pdf" in formats and len(formats) > 1
    stage("读取并检查工作簿")
    # WeasyPrint (imports, fonts) warms up here while a child reads the workbook; the PDF worker,
    # forked once the model exists, inherits both.
    result = _run_apart(workbook, catalogs, _warm_pdf if parallel and "pdf" in formats else None)
    if not result.ok or result.disclosure is None:
        return BuildResult(result, [])
    disclosure = result.disclosure
    targets = output_paths(disclosure, out_dir, formats)
    notices: list[str] = []
    with contextlib.ExitStack() as stack:
        # all or none: a failure while publishing restores the files already replaced
        temps = stack.enter_context(atomic_paths(targets))
        worker = None
        if worker_wanted and _can_fork():
            stage("生成 PDF（后台进行）")
            pdf_target = temps["pdf"]
            started: list[Forked] = []
            # Unwound first: the worker is reaped (killed if still busy) before any
            # temp file is renamed or deleted (registered before the fork, so an interrupt
            # right after it cannot skip the reaping).
            stack.callback(lambda: [w.stop() for w in started])
            worker = Forked(lambda: _renderer("pdf")(disclosure, pdf_target), "PDF 生成进程")
            started.append(worker)
        for fmt, tmp in temps.items():
            if worker is None or fmt != "pdf":
                stage(f"生成 {fmt.upper()}")
                notices += render_one(fmt, disclosure, tmp)[1]
        if worker is not None:
            worker.result()
        # Leaving the stack renames every temp file into place (in order); an exception
        # above unwinds it and deletes them instead, leaving earlier outputs untouched.
    return BuildResult(result, list(targets.values()), notices)


def _can_fork() -> bool:
    """A fork copies only the calling thread: never fork while another thread may hold a lock
    (the LibreOffice bridge's reader threads start only while a DOCX is rendered, after the fork)."""
    return hasattr(os, "fork") and threading.active_count() == 1
