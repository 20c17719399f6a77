"""Writing output files safely: a temporary file in the target folder, renamed into place.

A failed or interrupted run therefore never leaves a half-written file and never
touches an earlier good output.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import uuid
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


@contextlib.contextmanager
def _temp_beside(target: Path) -> Iterator[Path]:
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.stem}.", suffix=f"{target.suffix}.tmp", dir=target.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)
    try:
        yield tmp
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


def _publish(pairs: list[tuple[Path, Path]]) -> None:
    """Rename each temp over its target; on any failure restore the targets already replaced."""
    done: list[tuple[Path, Path | None]] = []
    backups: list[Path] = []
    try:
        for tmp, target in pairs:
            backup = None
            if target.exists():
                backup = target.with_name(f".{target.stem}.{uuid.uuid4().hex[:8]}{target.suffix}.bak.tmp")
                try:
                    os.link(target, backup)
                except OSError:  # no hard links here (e.g. some network or FAT drives): copy
                    import shutil

                    shutil.copy2(target, backup)
                backups.append(backup)
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
