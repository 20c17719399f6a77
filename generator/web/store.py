"""Content-addressed file store: every uploaded or generated file is kept once under its SHA-256.

Files are immutable and private (0400 in 0700 folders): a name is the hash of the bytes, a file is written to a temporary name
and linked into place, and an existing file is never overwritten.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import tempfile
from pathlib import Path

_SHA = re.compile(r"^[0-9a-f]{64}$")


class Store:
    def __init__(self, root: Path) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.chmod(root, 0o700)

    def path(self, sha: str) -> Path:
        if not _SHA.match(sha):
            raise ValueError("not a SHA-256")
        return self.root / sha[:2] / sha

    def put(self, data: bytes) -> str:
        sha = hashlib.sha256(data).hexdigest()
        target = self.path(sha)
        if target.exists():
            return sha
        target.parent.mkdir(exist_ok=True, mode=0o700)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            os.chmod(tmp, 0o400)  # read-only, and for the service's own user alone
            with contextlib.suppress(FileExistsError):  # another writer got there first: same bytes
                os.link(tmp, target)
        finally:
            os.unlink(tmp)
        return sha

    def put_file(self, path: Path) -> str:
        return self.put(path.read_bytes())

    def read(self, sha: str) -> bytes:
        return self.path(sha).read_bytes()

    def exists(self, sha: str | None) -> bool:
        return bool(sha) and self.path(sha).exists()
