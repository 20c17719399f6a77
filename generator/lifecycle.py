"""Process lifecycle: a SIGTERM unwinds like Ctrl-C, and a worker never outlives its parent.

- `sigterm_raises()`: while active, SIGTERM (and SIGHUP) raise `Terminated` in the main
  thread, so `with` blocks run their clean-up (temporary files deleted, the PDF worker
  reaped) instead of the process vanishing mid-write. The CLI wraps every command in it.
- `die_with_parent(parent_pid)`: called first thing in a forked worker; on Linux the
  kernel sends the worker SIGKILL when its parent dies (PR_SET_PDEATHSIG), whatever
  killed the parent, SIGKILL included. Elsewhere it does nothing.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import os
import signal
import sys
import threading
from collections.abc import Iterator

PR_SET_PDEATHSIG = 1
EXIT_TERMINATED = 143  # 128 + SIGTERM, what a shell reports


class Terminated(BaseException):
    """The process was asked to stop (SIGTERM/SIGHUP); raised so that clean-up code runs."""

    def __init__(self, signum: int) -> None:
        super().__init__(f"signal {signum}")
        self.signum = signum


def _raise(signum: int, frame: object) -> None:
    raise Terminated(signum)


@contextlib.contextmanager
def sigterm_raises() -> Iterator[None]:
    """Turn SIGTERM/SIGHUP into `Terminated` for the duration (main thread only; else no-op)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    signums = [signal.SIGTERM] + ([signal.SIGHUP] if hasattr(signal, "SIGHUP") else [])
    previous = {s: signal.signal(s, _raise) for s in signums}
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


def die_with_parent(parent_pid: int) -> None:
    """Ask the kernel to SIGKILL this process when its parent exits (Linux), and exit now if the
    parent is already gone (it may have died between the fork and this call)."""
    if not sys.platform.startswith("linux"):
        return
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent_pid:
        os._exit(1)
