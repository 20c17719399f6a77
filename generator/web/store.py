"""Content-addressed file store: every uploaded or generated file is kept once under its SHA-256.

Files are immutable and private (0400 in 0700 folders): a name is the hash of the bytes, a file is written to a temporary name
and linked into place, and an existing file is never overwritten.

Two backends behind one interface (`put`, `put_file`, `read`, `exists`): `Store`, a folder
(the embedded default, `data/files`), and `DatabaseStore`, a table of the application's
database (`DISCLOSURE_STORE=database`), which every machine of a distributed setup reaches
with the same `DATABASE_URL`. A row is inserted once under its hash and never updated.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import tempfile
from pathlib import Path
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine

_SHA = re.compile(r"^[0-9a-f]{64}$")


class FileStore(Protocol):
    def put(self, data: bytes) -> str: ...
    def put_file(self, path: Path) -> str: ...
    def read(self, sha: str) -> bytes: ...
    def exists(self, sha: str | None) -> bool: ...


def _check(sha: str) -> str:
    if not _SHA.match(sha):
        raise ValueError("not a SHA-256")
    return sha


class Store:
    def __init__(self, root: Path) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.chmod(root, 0o700)

    def path(self, sha: str) -> Path:
        _check(sha)
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


class DatabaseStore:
    """The content store as rows of the `blob` table (bytea on PostgreSQL)."""

    def __init__(self, engine: Engine) -> None:
        from generator.web.db import Blob

        self.engine = engine
        self.table = Blob.__table__

    def put(self, data: bytes) -> str:
        sha = hashlib.sha256(data).hexdigest()
        dialect = postgresql if self.engine.dialect.name == "postgresql" else sqlite
        insert = dialect.insert(self.table).values(sha256=sha, size=len(data), data=data)
        with self.engine.begin() as conn:  # another writer may have inserted the same bytes: nothing to do
            conn.execute(insert.on_conflict_do_nothing(index_elements=["sha256"]))
        return sha

    def put_file(self, path: Path) -> str:
        return self.put(path.read_bytes())

    def read(self, sha: str) -> bytes:
        with self.engine.connect() as conn:
            data = conn.execute(select(self.table.c.data).where(self.table.c.sha256 == _check(sha))).scalar()
        if data is None:
            raise FileNotFoundError(sha)
        return bytes(data)

    def exists(self, sha: str | None) -> bool:
        if not sha or not _SHA.match(sha):
            return False
        with self.engine.connect() as conn:
            found = conn.execute(select(self.table.c.sha256).where(self.table.c.sha256 == sha)).first()
        return found is not None
