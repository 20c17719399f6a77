"""Writing output files safely: a temporary file on the same disk, renamed into place.

A failed or interrupted run therefore never leaves a half-written file and never
touches an earlier good output. A target that is a symbolic link (to a file elsewhere, or
dangling) is a directory entry like any other: the rename replaces the link itself, and
what it pointed to is never opened, written or removed.

Temporary files (and the backups taken while publishing) live in a hidden folder
`TEMP_DIR` inside the target's folder, named after the host and process that wrote
them, so the folder itself only ever holds complete files. A run killed outright
(SIGKILL, power loss) cannot clean up; the next write into the same folder removes
temporary files whose process is gone (or that are older than `STALE_SECONDS`), and
the hidden folder is removed once empty. SIGTERM is turned into an exception by
`generator.lifecycle.sigterm_raises`, so the normal clean-up runs.
"""

from __future__ import annotations

import contextlib
import os
import socket
import tempfile
import time
from collections.abc import Hashable, Iterator, Mapping
from pathlib import Path
from typing import TypeVar

K = TypeVar("K", bound=Hashable)


@contextlib.contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """Yield a temporary path beside `target`; on success it replaces `target` atomically."""
    with atomic_paths({target: target}) as temps:
        yield temps[target]


def write_bytes(target: Path, data: bytes) -> None:
    with atomic_path(target) as tmp:
        tmp.write_bytes(data)


@contextlib.contextmanager
def atomic_paths(targets: Mapping[K, Path]) -> Iterator[dict[K, Path]]:
    """`atomic_path` for files published together (DOCX and PDF): all of them or none.

    Every temporary file is flushed to disk before the first rename; if a later rename
    fails, the targets already replaced get their earlier content back (from a hard link
    taken just before), so a failed publish never leaves a mix of new and old files.
    """
    with contextlib.ExitStack() as stack:
        temps = {key: stack.enter_context(_temp_beside(path)) for key, path in targets.items()}
        yield temps
        for tmp in temps.values():
            with open(tmp, "rb") as fh:
                os.fsync(fh.fileno())
        _publish([(temps[key], Path(targets[key])) for key in targets])


TEMP_DIR = ".disclosure-tmp"
STALE_SECONDS = 24 * 3600


def _host() -> str:
    name = socket.gethostname() or "host"
    return "".join(ch if ch.isalnum() else "_" for ch in name)[:32]


def _temp_prefix() -> str:
    return f"{_host()}-{os.getpid()}-"


def temp_dir(folder: Path) -> Path:
    return folder / TEMP_DIR


def sweep(folder: Path) -> list[Path]:
    """Remove temporary files left in `folder`'s temp folder by runs that are gone; return them."""
    tmp_dir = temp_dir(folder)
    removed: list[Path] = []
    try:
        entries = list(os.scandir(tmp_dir))
    except OSError:
        return removed
    host, now = _host(), time.time()
    for entry in entries:
        if not entry.name.endswith(".tmp"):
            continue
        try:
            owner_host, pid_text, _ = entry.name.split("-", 2)
            pid = int(pid_text)
        except ValueError:
            owner_host, pid = "", 0
        try:
            stale = now - entry.stat(follow_symlinks=False).st_mtime > STALE_SECONDS
            if stale or (owner_host == host and pid and not _alive(pid)):
                os.unlink(entry.path)
                removed.append(Path(entry.path))
        except OSError:
            continue
    _remove_if_empty(tmp_dir)
    return removed


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's live process
    return True


def _remove_if_empty(tmp_dir: Path) -> None:
    with contextlib.suppress(OSError):
        tmp_dir.rmdir()  # fails while another run still has files there


def _new_temp(target: Path, kind: str) -> Path:
    """An empty new file in the target's temp folder (created, or re-created if a concurrent
    run removed the empty folder in between)."""
    tmp_dir = temp_dir(target.parent)
    for attempt in range(3):
        tmp_dir.mkdir(parents=True, exist_ok=True)
        try:
            fd, name = tempfile.mkstemp(prefix=_temp_prefix(), suffix=f"{target.suffix}.{kind}.tmp", dir=tmp_dir)
        except FileNotFoundError:
            if attempt == 2:
                raise
            continue
        os.close(fd)
        return Path(name)
    raise AssertionError("unreachable")  # pragma: no cover


@contextlib.contextmanager
def _temp_beside(target: Path) -> Iterator[Path]:
    target.parent.mkdir(parents=True, exist_ok=True)
    sweep(target.parent)
    tmp = _new_temp(target, "part")
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)
    try:
        yield tmp
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        _remove_if_empty(tmp.parent)


def _publish(pairs: list[tuple[Path, Path]]) -> None:
    """Rename each temp over its target; on any failure restore the targets already replaced."""
    done: list[tuple[Path, Path | None]] = []
    backups: list[Path] = []
    try:
        for tmp, target in pairs:
            backup = None
            if os.path.lexists(target):  # a dangling symlink is an entry to restore too
                backup = _new_temp(target, "bak")
                backups.append(backup)
                _link_or_copy(target, backup)
            os.replace(tmp, target)
            done.append((target, backup))
    except BaseException:
        for target, backup in reversed(done):
            with contextlib.suppress(OSError):
                if backup is not None:
                    os.replace(backup, target)
                else:
                    target.unlink()
        raise
    finally:
        for backup in backups:
            with contextlib.suppress(OSError):
                backup.unlink()
        if backups:
            _remove_if_empty(backups[0].parent)


def _link_or_copy(target: Path, backup: Path) -> None:
    """Make `backup` (a fresh, uniquely named empty file) a second name for `target`'s content;
    a symbolic link is copied as a link (the same text), never followed."""
    backup.unlink()
    if target.is_symlink():
        os.symlink(os.readlink(target), backup)
        return
    try:
        os.link(target, backup)
    except OSError:  # no hard links here (e.g. some network or FAT drives): copy
        import shutil

        shutil.copy2(target, backup)
