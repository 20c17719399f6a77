"""Work in a short-lived forked child: the one mechanism the build's reader, its PDF worker and every
layout of a large PDF (generator/render/pdf_chunks.py) run in.

The child shares what this process holds when it forks (the model, a warm WeasyPrint) copy-on-write:
the objects are frozen across the fork (`gc.freeze`), so a garbage collection in the child never
writes to their headers and copies them. Whatever the work allocates dies with the child; this
process keeps only what the work returns, pickled back through a pipe (or the exception it raised).
The child dies with this process (SIGKILL included), inherits its address-space limit and only
what is left of its CPU-seconds limit, and logs its WeasyPrint warnings again here. A child that
exits without a result (killed, the kernel's OOM killer, a crash) raises ChildProcessDied, whose
Chinese message names the process.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import math
import os
import pickle
import resource
import signal
import traceback
from collections.abc import Callable
from typing import Generic, NoReturn, TypeVar

from generator.lifecycle import die_with_parent

T = TypeVar("T")
FORK_ENV = "DISCLOSURE_PDF_FORK"  # "0": run in this process (measurements only)
LOGGER = "weasyprint"  # the warnings a child logs here are logged again in the parent

# CPU seconds of the children of the job in progress (a PDF render resets it; the pool's worker
# charges a job's reader child to the job's limit with it).
children_cpu = [0.0]


class ChildProcessDied(RuntimeError):
    """A child died without reporting (killed, out of memory): the build fails and no output file is
    written. The message is Chinese: it reaches the officer."""


def forking() -> bool:
    return hasattr(os, "fork") and os.environ.get(FORK_ENV, "1").strip() != "0"


class Forked(Generic[T]):
    """`work()` started in a forked child at once; `result()` collects what it returned or raises what
    it raised; `stop()` kills the child if it is still busy, and reaps it (called before temporary
    files are removed, so a child still writing cannot re-create one after the cleanup)."""

    def __init__(self, work: Callable[[], T], name: str) -> None:
        self._name = name
        self._pid = -1
        self._fd = -1
        read_fd, write_fd = os.pipe()
        parent = os.getpid()
        used = resource.getrusage(resource.RUSAGE_SELF)
        spent = used.ru_utime + used.ru_stime + children_cpu[0]
        gc.freeze()  # the child keeps them frozen (they live as long as it does); the parent thaws them
        try:
            pid = os.fork()
        except BaseException:
            gc.unfreeze()
            os.close(read_fd)
            os.close(write_fd)
            raise
        if pid == 0:  # the child: never returns
            _child_main(work, read_fd, write_fd, parent, spent)
        gc.unfreeze()
        os.close(write_fd)
        self._pid, self._fd = pid, read_fd

    def result(self) -> T:
        try:
            with os.fdopen(self._fd, "rb") as pipe:
                self._fd = -1
                data = pipe.read()  # until the child exits (or closes its end)
        except BaseException:  # interrupted (Ctrl-C, SIGTERM): the child goes too
            self.stop()
            raise
        _, status, usage = os.wait4(self._pid, 0)
        self._pid = -1
        children_cpu[0] += usage.ru_utime + usage.ru_stime
        if not data or os.waitstatus_to_exitcode(status) != 0:
            raise ChildProcessDied(died_message(status, self._name))
        kind, value, records = pickle.loads(data)
        logger = logging.getLogger(LOGGER)
        for level, message in records:
            logger.log(level, "%s", message)
        if kind == "error":
            raise value
        return value

    def stop(self) -> None:
        """Kill the child if it has not been collected, and reap it."""
        if self._fd >= 0:
            with contextlib.suppress(OSError):
                os.close(self._fd)
            self._fd = -1
        if self._pid > 0:
            with contextlib.suppress(OSError):
                os.kill(self._pid, signal.SIGKILL)
            with contextlib.suppress(OSError):
                os.waitpid(self._pid, 0)
            self._pid = -1


def in_child(work: Callable[[], T], name: str) -> T:
    """`work()` in a forked child, waited for (in this process when forking is off)."""
    if not forking():
        try:
            return work()
        finally:
            gc.collect()  # the work's reference cycles
    child = Forked(work, name)
    try:
        return child.result()
    finally:
        child.stop()


def _child_main(work: Callable[[], object], read_fd: int, write_fd: int, parent: int, spent: float) -> NoReturn:
    """In the child: run `work`, send ("ok", value, records) or ("error", exception, records), exit."""
    code = 0
    try:
        os.close(read_fd)
        die_with_parent(parent)  # never an orphan, even if the parent is SIGKILLed
        inherit_cpu_budget(spent)
        records: list[tuple[int, str]] = []
        logging.getLogger(LOGGER).addHandler(_Records(records))
        try:
            payload = pickle.dumps(("ok", work(), records))
        except BaseException as exc:  # every failure, interrupts included, goes back to the parent
            text = None if isinstance(exc, MemoryError) else "".join(traceback.format_exception(exc))
            # Pickling sends neither the traceback nor the chained exceptions; dropping them frees
            # the work's frames first (a child out of memory could not pickle even a MemoryError).
            exc.__traceback__ = exc.__context__ = exc.__cause__ = None
            gc.collect()
            try:
                payload = pickle.dumps(("error", exc, records))
            except MemoryError:
                payload = pickle.dumps(("error", MemoryError(), []))
            except Exception:  # an exception that does not pickle: its text
                payload = pickle.dumps(("error", RuntimeError(text), records))
        with os.fdopen(write_fd, "wb") as pipe:
            pipe.write(payload)
    except BaseException:  # the parent sees no result: it reports the exit
        code = 1
    finally:
        os._exit(code)


def inherit_cpu_budget(spent: float) -> None:
    """In a child: what is left of the parent's CPU-seconds limit (RLIMIT_CPU, which the pool's worker
    arms per job) after what the parent and the earlier children of this job have used. A forked
    child's CPU clock starts at zero, so the limit inherited as it is would apply afresh to each."""
    soft, hard = resource.getrlimit(resource.RLIMIT_CPU)
    if soft == resource.RLIM_INFINITY:
        return
    left = max(1, math.ceil(soft - spent))
    resource.setrlimit(resource.RLIMIT_CPU, (left if hard == resource.RLIM_INFINITY else min(left, hard), hard))


class _Records(logging.Handler):
    def __init__(self, records: list[tuple[int, str]]) -> None:
        super().__init__(level=logging.WARNING)
        self.records = records

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append((record.levelno, record.getMessage()))


def died_message(status: int, name: str) -> str:
    code = os.waitstatus_to_exitcode(status)
    how = f"被信号 {-code} 终止" if code < 0 else f"退出码 {code}"
    limit = resource.getrlimit(resource.RLIMIT_AS)[0]
    if code == -signal.SIGXCPU:
        hint = "生成占用的 CPU 时间超过了限制。"
    elif limit != resource.RLIM_INFINITY and (code < 0 or code == 1):
        # Under an address-space limit a C library whose allocation failed may crash (GLib: SIGTRAP,
        # others: SIGSEGV, SIGABRT) instead of raising MemoryError: name the limit, as the pool does.
        hint = f"可能是内存超过限制（{limit // 2**20} MiB）。"
    elif code in (-signal.SIGKILL, -signal.SIGSEGV, -signal.SIGABRT, -signal.SIGTRAP, 1):
        hint = "可能是内存不足。"
    else:
        hint = ""
    return f"{name}意外退出（{how}），未写入任何文件。{hint}请重试；如仍失败，请把工作簿发给技术支持。"
