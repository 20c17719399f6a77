"""A pool of warm worker processes that build departments: batch `disclosure build` and the web app.

Each worker imports WeasyPrint, loads the CJK fonts and builds the font configuration once
(`generator.render.pdf.warm_up`), freezes what start-up allocated out of the garbage
collector's sight, and then builds one department after another. A department's build is
the same pipeline as `disclosure build` (generator/pipeline.py, generator/build.py):
read → validate → compute in a child the worker forks (what reading allocates dies with it;
only the Result comes back), then DOCX and PDF rendered by the worker into temporary files
that *this* (the parent) process created through `generator.output.atomic_paths` and
publishes — all files of a department or none — only after the worker reported success.

Limits are per job: a wall-clock timeout (enforced here), an address-space limit
(RLIMIT_AS, set in the worker) and a CPU-seconds limit (RLIMIT_CPU, re-armed in the worker
before each job). A job that breaches one, or whose worker crashes, fails alone with a
Chinese message; its temporary files are deleted, earlier outputs stay untouched, and the
worker is replaced by a fresh one, so the other jobs go on.

Workers are started through the `forkserver` method on Linux (a clean single-threaded
process forks them, so the web server's threads never fork) and die with their parent
(PR_SET_DEATHSIG). `submit` may be called from any thread; `on_progress` callbacks run on
the pool's own threads.
"""

from __future__ import annotations

import contextlib
import gc
import math
import multiprocessing
import os
import queue
import resource
import signal
import threading
import time
import traceback
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from generator.build import Rendered, place_outputs
from generator.catalog.store import SHIPPED_ONLY, CatalogSource
from generator.filenames import collision_key, collision_message
from generator.forked import children_cpu
from generator.issues import Issue, format_issue
from generator.lifecycle import die_with_parent
from generator.output import atomic_paths

FORMATS = ("docx", "pdf")
STAGE_QUEUED = "排队等待"
STAGE_READ = "读取并检查工作簿"
STAGE_PUBLISH = "写入文件"
STARTUP_TIMEOUT = 300.0  # seconds a fresh worker may take to import and load the fonts


@dataclass(frozen=True)
class BuildJob:
    workbook: Path
    out_dir: Path
    formats: tuple[str, ...] = FORMATS
    stem: str | None = None  # output file stem; None -> derived from the workbook
    label: str = ""  # shown in progress/summary (e.g. department name)
    catalogs: CatalogSource = SHIPPED_ONLY  # where the year's 科目 catalog comes from


@dataclass
class BuildOutcome:
    job: BuildJob
    ok: bool
    files: list[Path]  # published files (all-or-nothing)
    pages: int | None
    seconds: float
    issues: list[Issue] = field(default_factory=list)  # the located problems if the workbook had errors
    error: str | None = None  # first error, Chinese, for summaries
    department: str | None = None  # 单位全称 from the workbook, once it could be read
    notices: list[str] = field(default_factory=list)  # about the published files (Chinese): build.TOC_UNNUMBERED


class OutputClaims:
    """Output paths already taken by jobs of one batch: two workbooks must not publish the same file.

    Pass one instance to every `submit` of a batch. The second job that maps to a taken
    file fails before rendering, with a message naming both workbooks.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._owners: dict[Path, Path] = {}

    def claim(self, workbook: Path, paths: list[Path]) -> str | None:
        """Take `paths` for `workbook`; None on success, else the Chinese conflict message."""
        keys = [_key(p) for p in paths]
        with self._lock:
            for key, path in zip(keys, paths, strict=True):
                owner = self._owners.get(key)
                if owner is not None and owner != workbook:
                    return collision_message(path.name, [owner, workbook]) + f"本次只生成了“{owner.name}”的文件。"
            for key in keys:
                self._owners[key] = workbook
        return None


def _key(path: Path) -> tuple[str, str]:
    # Compared as Windows and macOS compare names (generator/filenames.py).
    return os.path.abspath(path.parent), collision_key(path.name)


class WorkerPool:
    """Warm worker processes building `BuildJob`s; see the module docstring.

    workers: number of processes (default: usable cores). job_timeout: wall seconds per job.
    memory_limit: address-space bytes per worker process. cpu_limit: CPU seconds per job.
    None means no limit.
    """

    def __init__(
        self,
        workers: int | None = None,
        *,
        job_timeout: float | None = None,
        memory_limit: int | None = None,
        cpu_limit: int | None = None,
    ) -> None:
        self.workers = max(1, workers or usable_cores())
        self.limits = _Limits(job_timeout, memory_limit, cpu_limit)
        self._queue: queue.SimpleQueue[_Item | None] = queue.SimpleQueue()
        self._closed = False
        self._lock = threading.Lock()
        self._ctx = _context()
        self._cores = usable_cores()
        self._slots = [_Slot(self, i) for i in range(self.workers)]
        for slot in self._slots:
            slot.start_process()  # warm up in parallel, before the first job arrives
        for slot in self._slots:
            slot.thread.start()

    def submit(
        self,
        job: BuildJob,
        on_progress: Callable[[str], None] | None = None,
        *,
        claims: OutputClaims | None = None,
    ) -> Future[BuildOutcome]:
        future: Future[BuildOutcome] = Future()
        with self._lock:
            if self._closed:
                raise RuntimeError("WorkerPool is closed")
            self._queue.put(_Item(job, future, on_progress, claims))
        _notify(on_progress, STAGE_QUEUED)
        return future

    def _spare_core(self) -> bool:
        """Whether a job starting now may use a second core (fewer jobs running than cores)."""
        return sum(slot.busy for slot in self._slots) < self._cores

    def close(self, *, cancel: bool = False) -> None:
        """Stop the workers. Queued jobs still run unless `cancel`; `cancel` also kills running jobs
        (their temporary files are deleted, nothing is published)."""
        with self._lock:
            if self._closed and not cancel:
                return
            self._closed = True
            for _ in self._slots:
                self._queue.put(None)
        if cancel:
            for slot in self._slots:
                slot.cancel()
        for slot in self._slots:
            slot.thread.join()

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        self.close(cancel=exc_type is not None)


def stop_fork_server() -> None:
    """Stop multiprocessing's fork server once no pool needs it (short-lived processes: the CLI).

    Reaping it before exit also hands the workers' CPU time and peak memory to this process's
    accounting (`time`, `wait4`), so the benchmark sees them. Uses the standard library's
    private `_stop` (there is no public call); without it nothing happens, the server then
    exits on its own when this process does.
    """
    from multiprocessing import forkserver

    stop = getattr(getattr(forkserver, "_forkserver", None), "_stop", None)
    if callable(stop):
        with contextlib.suppress(Exception):
            stop()


def usable_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


# --- parent side ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Limits:
    job_timeout: float | None
    memory_limit: int | None
    cpu_limit: int | None


@dataclass
class _Item:
    job: BuildJob
    future: Future[BuildOutcome]
    on_progress: Callable[[str], None] | None
    claims: OutputClaims | None


class _JobFailed(Exception):
    """A job failed in a way that leaves nothing to publish (message is Chinese)."""


def _context() -> Any:
    methods = multiprocessing.get_all_start_methods()
    if "forkserver" in methods:
        ctx = multiprocessing.get_context("forkserver")
        # Imported once in the fork server, inherited by every worker forked from it.
        # (WeasyPrint and python-docx import no threads; fonts are loaded per worker, after the fork.)
        ctx.set_forkserver_preload(
            ["generator.workers", "generator.pipeline", "generator.render.pdf", "generator.render.docx", "weasyprint"]
        )
        return ctx
    return multiprocessing.get_context("spawn")


def _notify(on_progress: Callable[[str], None] | None, stage: str) -> None:
    if on_progress is not None:
        with contextlib.suppress(Exception):  # a broken progress display must not fail a build
            on_progress(stage)


class _Slot:
    """One worker process and the pool thread that feeds it jobs and replaces it when it dies."""

    def __init__(self, pool: WorkerPool, index: int) -> None:
        self.pool = pool
        self.index = index
        self.process: Any = None
        self.conn: Connection | None = None
        self.ready = False
        self.busy = False
        self.cancelled = False
        self.thread = threading.Thread(target=self._loop, name=f"disclosure-worker-{index}", daemon=True)

    def start_process(self) -> None:
        parent_conn, child_conn = self.pool._ctx.Pipe(duplex=True)
        process = self.pool._ctx.Process(
            target=_worker_main,
            args=(child_conn, self.pool.limits.memory_limit),
            name=f"disclosure-worker-{self.index}",
            daemon=True,
        )
        process.start()
        child_conn.close()
        self.process, self.conn, self.ready = process, parent_conn, False

    def stop_process(self, kill: bool) -> None:
        process, conn = self.process, self.conn
        self.process = self.conn = None
        if process is None:
            return
        if kill:
            _kill(process)
        else:
            with contextlib.suppress(OSError, ValueError):
                conn.send(None)
            process.join(5)
            if process.is_alive():
                _kill(process)
        process.join()
        with contextlib.suppress(OSError):
            conn.close()
        with contextlib.suppress(ValueError):
            process.close()

    def cancel(self) -> None:
        self.cancelled = True
        process = self.process
        if process is not None:
            with contextlib.suppress(AttributeError):
                _kill(process)

    def _loop(self) -> None:
        try:
            while True:
                item = self.pool._queue.get()
                if item is None:
                    return
                if self.cancelled:
                    item.future.cancel()
                    continue
                if not item.future.set_running_or_notify_cancel():
                    continue
                self.busy = True
                try:
                    outcome = self._run(item)
                except BaseException as exc:  # never lose a future: report instead
                    item.future.set_exception(exc)
                else:
                    item.future.set_result(outcome)
                finally:
                    self.busy = False
        finally:
            self.stop_process(kill=self.cancelled)

    def _run(self, item: _Item) -> BuildOutcome:
        job, limits = item.job, self.pool.limits
        start = time.monotonic()
        deadline = None if limits.job_timeout is None else start + limits.job_timeout
        department: str | None = None

        def outcome(ok: bool, **kw: Any) -> BuildOutcome:
            kw.setdefault("files", [])
            kw.setdefault("pages", None)
            kw.setdefault("department", department)
            return BuildOutcome(job=job, ok=ok, seconds=time.monotonic() - start, **kw)

        if self.process is None or not self.process.is_alive():
            self.stop_process(kill=True)
            self.start_process()
        assert self.conn is not None
        conn = self.conn
        if self.cancelled:
            return outcome(False, error="已取消：生成被中断，未写入任何文件。")
        if not self.ready:
            # A fresh worker's start-up (imports, fonts) does not count against the job's time.
            try:
                kind, _ = self._receive(conn, time.monotonic() + STARTUP_TIMEOUT, STARTUP_TIMEOUT)
            except _JobFailed as exc:
                return outcome(False, error=f"生成进程无法启动：{exc}")
            if kind != "ready":
                return outcome(False, error=f"生成进程无法启动（收到 {kind}）。")
            self.ready = True
            start = time.monotonic()
            deadline = None if limits.job_timeout is None else start + limits.job_timeout
        publish = contextlib.ExitStack()
        targets: dict[str, Path] = {}
        try:
            conn.send(("job", job, limits.cpu_limit, self.pool._spare_core()))
            while True:
                kind, payload = self._receive(conn, deadline, limits.job_timeout)
                if kind == "progress":
                    _notify(item.on_progress, payload)
                elif kind == "names":
                    names, department = payload
                    try:
                        targets = place_outputs(job.out_dir, names)
                        conflict = item.claims.claim(job.workbook, list(targets.values())) if item.claims else None
                        if conflict is not None:
                            raise _JobFailed(conflict)
                        temps = publish.enter_context(atomic_paths(targets))
                    except OSError as exc:
                        conn.send(("skip", None))
                        raise _JobFailed(_write_error(job.out_dir, exc)) from None
                    except _JobFailed:
                        conn.send(("skip", None))
                        raise
                    conn.send(("go", {fmt: str(path) for fmt, path in temps.items()}))
                elif kind == "done":
                    issues, pages, notices = payload["issues"], payload["pages"], payload.get("notices", [])
                    if not payload["ok"]:
                        first = next((i for i in issues if i.is_error), None)
                        error = format_issue(first, job.workbook.name) if first else "工作簿有错误"
                        return outcome(False, issues=issues, error=error)
                    _notify(item.on_progress, STAGE_PUBLISH)
                    try:
                        publish.close()  # renames every temp file into place, all or none
                    except OSError as exc:
                        raise _JobFailed(_write_error(job.out_dir, exc)) from None
                    return outcome(True, files=list(targets.values()), pages=pages, issues=issues, notices=notices)
                elif kind == "failed":
                    raise _JobFailed(payload)
        except _JobFailed as exc:
            _discard(publish, exc)
            return outcome(False, error=str(exc))
        except BaseException as exc:
            self.stop_process(kill=True)  # a half-run worker is not reused
            _discard(publish, exc)
            raise

    def _receive(self, conn: Connection, deadline: float | None, seconds: float | None) -> tuple[str, Any]:
        """The worker's next message; kills and replaces the worker on timeout or death."""
        timeout = None if deadline is None else max(0.0, deadline - time.monotonic())
        try:
            ready = conn.poll(timeout)
            message = conn.recv() if ready else None
        except (EOFError, OSError):
            ready, message = True, None
        if message is not None:
            if message[0] == "failed" and message[1].get("fatal"):
                self.stop_process(kill=True)
            if message[0] == "failed":
                return "failed", message[1]["message"]
            return message
        # Timed out, or the worker died: make sure it has stopped writing before anything
        # is cleaned up, then start a fresh one for the next job.
        process = self.process
        if process is not None:
            _kill(process)
            process.join()
        exitcode = process.exitcode if process is not None else None
        self.stop_process(kill=True)
        if self.cancelled:
            raise _JobFailed("已取消：生成被中断，未写入任何文件。")
        self.start_process()
        if not ready:
            raise _JobFailed(
                f"生成超过时间限制（{seconds or 0:g} 秒），已停止，未写入任何文件。"
                "请检查工作簿是否异常庞大；如确属正常，请放宽时间限制后重试。"
            )
        raise _JobFailed(_death_message(exitcode, self.pool.limits))


def _kill(process: Any) -> None:
    """SIGKILL a worker and the DOCX child it may have forked (the worker leads its own group)."""
    pid = process.pid
    if pid is not None:
        with contextlib.suppress(OSError):
            os.killpg(pid, signal.SIGKILL)
    with contextlib.suppress(OSError, ValueError):
        process.kill()


def _death_message(exitcode: int | None, limits: _Limits) -> str:
    if exitcode == -signal.SIGXCPU:
        return (
            f"生成占用的 CPU 时间超过限制（{limits.cpu_limit} 秒），已停止，未写入任何文件。"
            "请检查工作簿是否异常庞大；如确属正常，请放宽限制后重试。"
        )
    hint = ""
    if limits.memory_limit is not None:
        hint = f"可能是内存超过限制（{limits.memory_limit // 2**20} MiB）。"
    return f"生成进程意外退出（退出码 {exitcode}），未写入任何文件。{hint}请重试；如仍失败，请把工作簿发给技术支持。"


def _write_error(out_dir: Path, exc: OSError) -> str:
    return (
        f"无法写入输出文件夹 {out_dir}：{exc.strerror or exc}。请检查文件夹是否存在、是否有写入权限、磁盘是否已满。"
        "已有的输出文件没有被改动。"
    )


def _discard(publish: contextlib.ExitStack, exc: BaseException) -> None:
    """Leave the publishing context with an exception: temp files deleted, nothing renamed."""
    with contextlib.suppress(BaseException):
        publish.__exit__(type(exc), exc, exc.__traceback__)


# --- worker side ------------------------------------------------------------------------------


def _worker_main(conn: Connection, memory_limit: int | None) -> None:
    # Its parent is the fork server, which exits with the pool's process. (Should that happen
    # before this call, the pipe to the pool is closed and the worker exits at its first recv.)
    die_with_parent(os.getppid())
    with contextlib.suppress(OSError):
        os.setpgid(0, 0)  # its own process group: the pool kills it and its DOCX child together
    # The parent decides about interrupts (Ctrl-C goes to the whole process group).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    from generator.render import office, pdf

    pdf.warm_up()  # also freezes start-up objects out of the garbage collector's sight
    # The DOCX 目录 paginator: one LibreOffice per worker, started before the memory limit
    # (an office's address space is not the department's), reused for every department.
    office.warm_up()
    if memory_limit is not None:
        with contextlib.suppress(ValueError, OSError):
            _, hard = resource.getrlimit(resource.RLIMIT_AS)
            resource.setrlimit(resource.RLIMIT_AS, (memory_limit, hard))
    try:
        conn.send(("ready", None))
        while True:
            try:
                message = conn.recv()
            except EOFError:
                return
            if message is None:
                return
            _, job, cpu_limit, spare_core = message
            if not _run_job(conn, job, cpu_limit, spare_core):
                return
    finally:
        conn.close()
        office.shut_down()  # a worker ends with os._exit: no atexit, so its office is closed here


def _arm_cpu_limit(cpu_limit: int | None) -> None:
    if cpu_limit is None:
        return
    used = resource.getrusage(resource.RUSAGE_SELF)
    spent = int(used.ru_utime + used.ru_stime) + 1
    _, hard = resource.getrlimit(resource.RLIMIT_CPU)
    soft = spent + cpu_limit
    if hard != resource.RLIM_INFINITY:
        soft = min(soft, hard)
    resource.setrlimit(resource.RLIMIT_CPU, (soft, hard))


def _read_apart(workbook: Path, catalogs: CatalogSource) -> Any:
    """The pipeline in a forked child (generator.build._run_apart): openpyxl's cells and the validated
    rows (at 2,000 projects some 250 MiB) die with the child instead of staying in this long-lived
    worker's heap, and under its address-space limit, for the rest of its life; only the Result comes
    back. The child's CPU seconds count against this job's CPU limit: the child inherits what is
    left of it, and what the child used is taken off this process's limit afterwards."""
    from generator.build import _run_apart

    before = children_cpu[0]
    try:
        return _run_apart(workbook, catalogs)
    finally:
        _charge_cpu(children_cpu[0] - before)


def _charge_cpu(seconds: float) -> None:
    """Lower this process's CPU-seconds soft limit (armed per job) by what a child of the job used."""
    soft, hard = resource.getrlimit(resource.RLIMIT_CPU)
    if soft == resource.RLIM_INFINITY or seconds <= 0:
        return
    resource.setrlimit(resource.RLIMIT_CPU, (max(1, soft - math.ceil(seconds)), hard))


def _run_job(conn: Connection, job: BuildJob, cpu_limit: int | None, spare_core: bool = False) -> bool:
    """Build one job; False when this worker must not be reused (it then exits).

    With a spare core (fewer jobs running than cores: a single build in the web app, the
    tail of a batch) the DOCX is rendered in a forked child while this process renders
    the PDF, so a department costs read + compute + PDF.
    """
    from generator.build import output_name, render_into

    def progress(stage: str) -> None:
        conn.send(("progress", stage))

    try:
        _arm_cpu_limit(cpu_limit)
        progress(STAGE_READ)
        result = _read_apart(job.workbook, job.catalogs)
        if not result.ok or result.disclosure is None:
            conn.send(("done", {"ok": False, "issues": result.issues, "pages": None, "notices": []}))
            return True
        disclosure = result.disclosure
        names = {fmt: output_name(disclosure, fmt, job.stem) for fmt in job.formats}
        conn.send(("names", (names, disclosure.unit_name)))
        reply, temps = conn.recv()
        if reply != "go":
            return True
        paths = {fmt: Path(p) for fmt, p in temps.items()}
        if spare_core and {"docx", "pdf"} <= paths.keys() and hasattr(os, "fork"):
            rendered = _render_beside(disclosure, paths, progress)
        else:
            rendered = render_into(disclosure, paths, progress)
        done = {"ok": True, "issues": result.issues, "pages": rendered.pages, "notices": rendered.notices}
        conn.send(("done", done))
        return True
    except EOFError:
        return False
    except MemoryError:
        _send_failure(conn, _memory_message(), fatal=True)
        return False
    except SystemError as exc:
        # Under an address-space limit, C code whose allocation failed can return NULL without
        # setting MemoryError ("error return without exception set"); the worker is not trusted again.
        limited = resource.getrlimit(resource.RLIMIT_AS)[0] != resource.RLIM_INFINITY
        _send_failure(conn, _memory_message() if limited else _failure_message(exc), fatal=True)
        return False
    except Exception as exc:
        _send_failure(conn, _failure_message(exc), fatal=False)
        return True
    finally:
        gc.collect()  # free this department's boxes before the next one starts


STAGE_BOTH = "生成 DOCX 和 PDF"
DOCX_NICENESS = 5  # the DOCX child (and its LibreOffice) yields the CPU to the PDF beside it


class _ReportedFailure(Exception):
    """A failure whose (Chinese) message is final."""


def _render_beside(disclosure: Any, paths: dict[str, Path], progress: Callable[[str], None]) -> Rendered:
    """The DOCX in a forked child (it dies with this worker), the PDF here; both or an error.

    The child reports through a pipe: on success (exit 0) its notices (build.TOC_UNNUMBERED), one a
    line; on failure (exit 1) the Chinese message."""
    from generator.build import render_into

    read_fd, write_fd = os.pipe()
    worker_pid = os.getpid()
    pid = os.fork()
    if pid == 0:  # the child: render the DOCX, report a failure through the pipe, exit
        code = 0
        try:
            os.close(read_fd)
            gc.freeze()  # the model stays shared: this child's collections never write to its objects
            die_with_parent(worker_pid)
            with contextlib.suppress(OSError):
                os.nice(DOCX_NICENESS)  # the PDF in the parent is the critical path
            docx = render_into(disclosure, {"docx": paths["docx"]})
            os.write(write_fd, "\n".join(docx.notices).encode("utf-8"))
        except BaseException as exc:
            code = 1
            with contextlib.suppress(BaseException):
                os.write(write_fd, _failure_message(exc).encode("utf-8")[:4000])
        finally:
            os._exit(code)
    os.close(write_fd)
    try:
        progress(STAGE_BOTH)
        rendered = render_into(disclosure, {fmt: path for fmt, path in paths.items() if fmt != "docx"})
    except BaseException:
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)
        with contextlib.suppress(OSError):
            os.waitpid(pid, 0)
        os.close(read_fd)
        raise
    with os.fdopen(read_fd, "rb") as pipe:
        message = pipe.read().decode("utf-8", "replace")  # EOF when the child has exited
    _, status = os.waitpid(pid, 0)
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        raise _ReportedFailure(message or f"DOCX 生成进程意外退出（退出码 {code}），未写入任何文件。")
    return Rendered(rendered.pages, [line for line in message.splitlines() if line] + rendered.notices)


def _memory_message() -> str:
    limit = resource.getrlimit(resource.RLIMIT_AS)[0]
    shown = "" if limit == resource.RLIM_INFINITY else f"（{limit // 2**20} MiB）"
    return (
        f"生成时内存超过限制{shown}，已停止，未写入任何文件。请检查工作簿是否异常庞大；如确属正常，请放宽限制后重试。"
    )


def _libxml_out_of_memory(exc: BaseException) -> bool:
    """Under an address-space limit libxml2 (lxml, the DOCX's XML) reports a failed allocation as a
    parse error without a message, "unknown error" (raised in a child, it comes back as its text)."""
    if resource.getrlimit(resource.RLIMIT_AS)[0] == resource.RLIM_INFINITY:
        return False
    text = f"{type(exc).__name__}: {exc}"
    return "XMLSyntaxError" in text and ("unknown error" in text or "Memory allocation failed" in text)


def _failure_message(exc: BaseException) -> str:
    from generator.forked import ChildProcessDied
    from generator.render.pdf import MissingFontError

    if isinstance(exc, _ReportedFailure):
        return str(exc)
    if isinstance(exc, MemoryError) or _libxml_out_of_memory(exc):
        return _memory_message()

    if isinstance(exc, MissingFontError):
        return f"{exc}。已有的输出文件没有被改动。"
    if isinstance(exc, ChildProcessDied):  # a chunk's child of a large PDF died (killed, out of memory)
        return f"{exc}已有的输出文件没有被改动。"
    if isinstance(exc, OSError):
        return f"读写文件失败：{exc.strerror or exc}。已有的输出文件没有被改动。"
    detail = "".join(traceback.format_exception_only(type(exc), exc)).strip()
    return f"内部错误：生成时遇到意外情况，未写入任何文件。请把工作簿和这条信息发给技术支持：{detail}"


def _send_failure(conn: Connection, message: str, *, fatal: bool) -> None:
    with contextlib.suppress(Exception):
        conn.send(("failed", {"message": message, "fatal": fatal}))
