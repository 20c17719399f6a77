"""Batch `disclosure build`: many workbooks (or folders of them) through the warm worker pool.

A thin outer layer: it lists the workbooks, submits one `BuildJob` per workbook to
`generator.workers.WorkerPool` (or, with the distributed setup's `DISCLOSURE_ENGINE=procrastinate`,
one build job per workbook through the job interface: generator/jobqueue/batch.py), shows
progress on a terminal and prints a summary table.
Every department is built and published (all-or-nothing) exactly as by a single
`disclosure build`; one failure never stops the others.
"""

from __future__ import annotations

import os
import shutil
import sys
import threading
import time
import unicodedata
from collections.abc import Iterable
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from generator.catalog.store import SHIPPED_ONLY, CatalogSource
from generator.issues import format_issue
from generator.workers import FORMATS, BuildJob, BuildOutcome, OutputClaims, WorkerPool, stop_fork_server, usable_cores

DEFAULT_TIMEOUT = 900.0  # seconds per department; a normal one takes a few seconds
DEFAULT_MEMORY_MIB = 4096  # address space per worker; a 16x workbook needs about 1 GiB


@dataclass(frozen=True)
class BatchOptions:
    out_dir: Path
    formats: tuple[str, ...] = FORMATS
    workers: int | None = None
    job_timeout: float | None = DEFAULT_TIMEOUT
    memory_limit: int | None = DEFAULT_MEMORY_MIB * 2**20
    cpu_limit: int | None = None
    catalogs: CatalogSource = SHIPPED_ONLY


def collect_workbooks(args: Iterable[Path]) -> tuple[list[Path], list[str]]:
    """The workbooks named by `args` (files, or folders holding *.xlsx), each once; and problems."""
    found: list[Path] = []
    problems: list[str] = []
    seen: set[Path] = set()
    for arg in args:
        if arg.is_dir():
            entries = sorted(
                p for p in arg.iterdir() if p.suffix.lower() == ".xlsx" and not p.name.startswith(("~$", "."))
            )
            if not entries:
                problems.append(f"文件夹 {arg} 中没有 .xlsx 工作簿。")
        elif arg.exists():
            entries = [arg]
        else:
            problems.append(f"找不到文件或文件夹：{arg}")
            continue
        for path in entries:
            key = path.resolve()
            if key not in seen:
                seen.add(key)
                found.append(path)
    return found, problems


def run_batch(workbooks: list[Path], options: BatchOptions, stream: TextIO | None = None) -> list[BuildOutcome]:
    """Build every workbook; returns the outcomes in the order of `workbooks`."""
    stream = stream or sys.stderr
    progress = Progress(len(workbooks), stream, enabled=stream.isatty())
    if os.environ.get("DISCLOSURE_ENGINE") == "procrastinate":
        # The distributed setup's configuration: the workers build, this process publishes (generator/jobqueue/).
        from generator.jobqueue.batch import run_queued

        outcomes = run_queued(workbooks, options.out_dir, options.formats, progress.stage_callback, progress.done)
        progress.finish()
        return outcomes
    claims = OutputClaims()
    workers = max(1, min(options.workers or usable_cores(), len(workbooks)))
    with WorkerPool(
        workers,
        job_timeout=options.job_timeout,
        memory_limit=options.memory_limit,
        cpu_limit=options.cpu_limit,
    ) as pool:
        futures: list[Future[BuildOutcome]] = []
        for path in workbooks:
            job = BuildJob(path, options.out_dir, options.formats, label=path.stem, catalogs=options.catalogs)
            futures.append(pool.submit(job, progress.stage_callback(job.label), claims=claims))
            futures[-1].add_done_callback(lambda f, label=job.label: progress.done(label, f))
        outcomes = [f.result() for f in futures]
    stop_fork_server()
    progress.finish()
    return outcomes


class Progress:
    """One redrawn status line on a terminal: a bar, departments done, what each worker is doing."""

    def __init__(self, total: int, stream: TextIO, *, enabled: bool) -> None:
        self.total = total
        self.stream = stream
        self.enabled = enabled
        self.finished = 0
        self.failed = 0
        self.stages: dict[str, str] = {}
        self.started = time.monotonic()
        self._lock = threading.Lock()

    def stage_callback(self, label: str):  # -> Callable[[str], None]
        def on_stage(stage: str) -> None:
            with self._lock:
                self.stages[label] = stage
                self._draw()

        return on_stage

    def done(self, label: str, future: Future[BuildOutcome]) -> None:
        with self._lock:
            self.stages.pop(label, None)
            self.finished += 1
            if future.cancelled() or future.exception() is not None or not future.result().ok:
                self.failed += 1
            self._draw()

    def finish(self) -> None:
        if self.enabled:
            with self._lock:
                self.stream.write("\r\033[K")
                self.stream.flush()

    def line(self) -> str:
        width = 20
        filled = width * self.finished // max(self.total, 1)
        bar = "█" * filled + "░" * (width - filled)
        failed = f"，失败 {self.failed}" if self.failed else ""
        busy = [f"{label}：{stage}" for label, stage in self.stages.items() if stage != "排队等待"]
        seconds = time.monotonic() - self.started
        text = f"{bar} 已完成 {self.finished}/{self.total}{failed}（{seconds:.0f} 秒）"
        if busy:
            text += " · " + "；".join(busy)
        return text

    def _draw(self) -> None:
        if not self.enabled:
            return
        columns = shutil.get_terminal_size((100, 20)).columns - 1
        self.stream.write("\r\033[K" + clip(self.line(), columns))
        self.stream.flush()


def display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def clip(text: str, width: int) -> str:
    out, used = [], 0
    for ch in text:
        w = display_width(ch)
        if used + w > width:
            break
        out.append(ch)
        used += w
    return "".join(out)


def pad(text: str, width: int, right: bool = False) -> str:
    gap = " " * max(0, width - display_width(text))
    return gap + text if right else text + gap


ERROR_WIDTH = 60


def summary(outcomes: list[BuildOutcome]) -> str:
    """The summary table (department, result, pages, seconds, first error), then the warnings, the
    notices about the files of each department built (e.g. a DOCX 目录 without page numbers) and the
    reasons of the failures."""
    header = ("单位（工作簿）", "结果", "页数", "用时（秒）", "首个错误")
    rows = []
    for o in outcomes:
        name = _shown_name(o)
        error = (o.error or "").replace("\n", " ")
        if display_width(error) > ERROR_WIDTH:
            error = clip(error, ERROR_WIDTH - 1) + "…"
        rows.append(
            (name, "成功" if o.ok else "失败", "" if o.pages is None else str(o.pages), f"{o.seconds:.1f}", error)
        )
    widths = [max(display_width(r[i]) for r in (header, *rows)) for i in range(len(header))]
    right = (False, False, True, True, False)

    def fmt(row: tuple[str, ...]) -> str:
        return "  ".join(pad(c, widths[i], right[i]) for i, c in enumerate(row)).rstrip()

    lines = [fmt(header), "  ".join("-" * w for w in widths)]
    lines += [fmt(r) for r in rows]
    ok = sum(1 for o in outcomes if o.ok)
    lines.append("")
    lines.append(f"共 {len(outcomes)} 个工作簿：成功 {ok} 个，失败 {len(outcomes) - ok} 个。")
    warned = [(o, [i for i in o.issues if not i.is_error]) for o in outcomes if o.ok]
    warned = [(o, w) for o, w in warned if w]
    if warned:
        lines += ["", "已生成但有警告（请确认）："]
        lines += [f"- {o.job.workbook}：{len(w)} 个警告，如 {format_issue(w[0])}" for o, w in warned]
    noticed = [o for o in outcomes if o.ok and o.notices]
    if noticed:
        lines += ["", "已生成，但请注意："]
        lines += [f"- {_shown_name(o)}：{notice}" for o in noticed for notice in o.notices]
    if ok < len(outcomes):
        lines += ["", "失败原因："]
        lines += [f"- {o.job.workbook}：{o.error}" for o in outcomes if not o.ok]
        lines.append(
            "失败的单位没有写入任何文件（已有的输出文件没有被改动）；用 disclosure check 工作簿.xlsx 查看全部问题。"
        )
    return "\n".join(lines)


def _shown_name(o: BuildOutcome) -> str:
    """The department as the summary names it: 单位全称（工作簿文件名）, or the workbook's label."""
    if o.department and o.department != o.job.workbook.stem:
        return f"{o.department}（{o.job.workbook.name}）"
    return o.department or o.job.label or o.job.workbook.stem
