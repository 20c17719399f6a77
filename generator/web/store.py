"""Content-addressed file store: every uploaded or generated file is kept once under its SHA-256.

Files are immutable and private (0400 in 0700 folders): a name is the hash of the bytes, a file is written to a temporary name
and linked into place, and an existing file is never overwritten.

Three backends behind one interface (`put`, `put_file`, `read`, `exists`, `delete`): `Store`, a
folder (the embedded default, `data/files`); `DatabaseStore`, a table of the application's
database (`DISCLOSURE_STORE=database`), which every machine of a distributed setup reaches
with the same `DATABASE_URL` (a row is inserted once under its hash and never updated); and
`S3Store`, a bucket of an S3-API object store such as MinIO or a cloud service
(`DISCLOSURE_STORE=s3`), where an object is written once, conditionally (`If-None-Match: *`),
and becomes visible only whole (S3 publishes an object when its upload completes).

`delete` exists for one caller only, the retention of refused uploads
(generator/jobqueue/retention.py): stored files are otherwise never removed.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import os
import re
import tempfile
from dataclasses import dataclass
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
    def delete(self, sha: str) -> None: ...


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
        return bool(sha) and bool(_SHA.match(sha)) and self.path(sha).exists()  # type: ignore[arg-type]

    def delete(self, sha: str) -> None:
        self.path(sha).unlink(missing_ok=True)


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

    def delete(self, sha: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(self.table.delete().where(self.table.c.sha256 == _check(sha)))


@dataclass(frozen=True)
class S3Settings:
    """Where the S3 store is: `DISCLOSURE_S3_*` (credentials may also come from boto3's own sources)."""

    bucket: str
    endpoint: str | None = None  # e.g. http://minio.internal:9000; None: the cloud service's own
    region: str | None = None
    prefix: str = "files/"  # keys are <prefix><sha[:2]>/<sha>
    access_key: str | None = None
    secret_key: str | None = None


class S3Store:
    """The content store as objects of one S3 bucket (boto3), named like the folder store's files."""

    def __init__(self, s3: S3Settings) -> None:
        import boto3
        from botocore.config import Config

        self.bucket = s3.bucket
        self.prefix = s3.prefix
        self.client = boto3.client(
            "s3",
            endpoint_url=s3.endpoint,
            region_name=s3.region,
            aws_access_key_id=s3.access_key,
            aws_secret_access_key=s3.secret_key,
            config=Config(retries={"max_attempts": 5, "mode": "standard"}, connect_timeout=10, read_timeout=120),
        )

    def key(self, sha: str) -> str:
        return f"{self.prefix}{_check(sha)[:2]}/{sha}"

    def _missing(self, exc: Exception) -> bool:
        from botocore.exceptions import ClientError

        return isinstance(exc, ClientError) and exc.response.get("Error", {}).get("Code") in (
            "404",
            "NoSuchKey",
            "NotFound",
        )

    def put(self, data: bytes) -> str:
        from botocore.exceptions import ClientError

        digest = hashlib.sha256(data)
        sha = digest.hexdigest()
        if self.exists(sha):
            return sha
        try:  # the server checks the bytes against the checksum; an existing object is never replaced
            self.client.put_object(
                Bucket=self.bucket,
                Key=self.key(sha),
                Body=data,
                ChecksumSHA256=base64.b64encode(digest.digest()).decode(),
                IfNoneMatch="*",
            )
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") not in ("PreconditionFailed", "ConditionalRequestConflict"):
                raise
            # another writer got there first: same bytes
        return sha

    def put_file(self, path: Path) -> str:
        return self.put(path.read_bytes())

    def read(self, sha: str) -> bytes:
        try:
            data = self.client.get_object(Bucket=self.bucket, Key=self.key(sha))["Body"].read()
        except Exception as exc:
            if self._missing(exc):
                raise FileNotFoundError(sha) from exc
            raise
        if hashlib.sha256(data).hexdigest() != sha:  # a damaged object is not handed out as the file
            raise OSError(f"stored object {sha} does not match its hash")
        return data

    def exists(self, sha: str | None) -> bool:
        if not sha or not _SHA.match(sha):
            return False
        try:
            self.client.head_object(Bucket=self.bucket, Key=self.key(sha))
        except Exception as exc:
            if self._missing(exc):
                return False
            raise
        return True

    def delete(self, sha: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self.key(sha))
