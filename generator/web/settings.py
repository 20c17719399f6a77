"""Where the application keeps its data, and its limits. Everything has an embedded default."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_DATA = Path("data")
MAX_UPLOAD = 20 * 1024 * 1024  # the reader itself refuses files over its own limit
SECRET_FILE = "secret.key"


@dataclass
class Settings:
    data_dir: Path = DEFAULT_DATA
    database_url: str | None = None  # None: SQLite file in data_dir
    secret_key: str | None = None  # None: kept in data_dir/secret.key (created once)
    max_upload: int = MAX_UPLOAD
    https_only: bool = False  # set behind a TLS proxy: the session cookie gets Secure
    build_workers: int | None = None  # None: the worker pool's default
    job_timeout: float = 180.0
    check_timeout: float = 300.0  # a bound for a runaway process; the reader has its own size limits
    job_memory: int = 2 * 1024**3
    login_attempts: int = 5  # failures per window, per account name and per client address
    login_window: float = 15 * 60
    session_max_age: int = 8 * 3600
    trusted_proxies: str = ""  # addresses/networks whose X-Forwarded-For is believed (the reverse proxy)
    public_url: str | None = None  # e.g. https://yusuan.example.gov.cn: invitation links are built from it
    # Jobs (generator/jobqueue/): the embedded engine, or procrastinate on the PostgreSQL of DATABASE_URL
    engine: str = "embedded"  # DISCLOSURE_ENGINE: embedded | procrastinate
    store: str = "files"  # DISCLOSURE_STORE: files (data_dir/files) | database | s3 (reachable from every machine)
    # DISCLOSURE_S3_BUCKET, _ENDPOINT, _REGION, _PREFIX, _ACCESS_KEY, _SECRET_KEY (DISCLOSURE_STORE=s3)
    s3: dict[str, str] = field(default_factory=dict)
    refused_keep_days: float = 7.0  # DISCLOSURE_REFUSED_KEEP_DAYS: a refused upload's file, then collected
    check_workers: int = 2  # checks (and prepare, diff, next year) at once per process; one per department
    job_attempts: int = 3  # DISCLOSURE_JOB_ATTEMPTS: runs of a job whose process was killed, then it fails
    stalled_after: float = 30.0  # DISCLOSURE_STALLED_AFTER: seconds without a worker's heartbeat
    build_formats: tuple[str, ...] = ("docx", "pdf")
    check_page_after: float = 20.0  # seconds an upload waits for its check before the page showing its place
    extra: dict = field(default_factory=dict)

    @classmethod
    def from_env(cls, data_dir: Path | None = None) -> Settings:
        s = cls(data_dir=Path(data_dir or os.environ.get("DISCLOSURE_DATA") or DEFAULT_DATA))
        s.database_url = os.environ.get("DATABASE_URL") or None
        s.https_only = os.environ.get("DISCLOSURE_HTTPS", "") == "1"
        s.trusted_proxies = os.environ.get("DISCLOSURE_TRUSTED_PROXIES", "")
        s.public_url = os.environ.get("DISCLOSURE_PUBLIC_URL") or None
        if os.environ.get("DISCLOSURE_BUILD_WORKERS"):
            s.build_workers = int(os.environ["DISCLOSURE_BUILD_WORKERS"])
        s.engine = os.environ.get("DISCLOSURE_ENGINE") or s.engine
        s.store = os.environ.get("DISCLOSURE_STORE") or s.store
        for name in ("bucket", "endpoint", "region", "prefix", "access_key", "secret_key"):
            if os.environ.get(f"DISCLOSURE_S3_{name.upper()}"):
                s.s3[name] = os.environ[f"DISCLOSURE_S3_{name.upper()}"]
        if os.environ.get("DISCLOSURE_REFUSED_KEEP_DAYS"):
            s.refused_keep_days = float(os.environ["DISCLOSURE_REFUSED_KEEP_DAYS"])
        if os.environ.get("DISCLOSURE_CHECK_WORKERS"):
            s.check_workers = int(os.environ["DISCLOSURE_CHECK_WORKERS"])
        if os.environ.get("DISCLOSURE_JOB_ATTEMPTS"):
            s.job_attempts = int(os.environ["DISCLOSURE_JOB_ATTEMPTS"])
        if os.environ.get("DISCLOSURE_STALLED_AFTER"):
            s.stalled_after = float(os.environ["DISCLOSURE_STALLED_AFTER"])
        if os.environ.get("DISCLOSURE_BUILD_FORMATS"):
            s.build_formats = tuple(os.environ["DISCLOSURE_BUILD_FORMATS"].split(","))
        return s

    def prepare(self) -> None:
        """Create the data folder for this user alone (0700; files in it 0600 or read-only 0400)."""
        self.data_dir = self.data_dir.resolve()
        self.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.chmod(self.data_dir, 0o700)
        (self.data_dir / "tmp").mkdir(exist_ok=True, mode=0o700)
        os.chmod(self.data_dir / "tmp", 0o700)
        if not self.database_url:  # SQLite: create the file 0600 (its -wal/-shm files copy the mode)
            db_file = self.data_dir / "disclosure.sqlite3"
            os.close(os.open(db_file, os.O_WRONLY | os.O_CREAT, 0o600))
            os.chmod(db_file, 0o600)
        if self.secret_key is None:
            path = self.data_dir / SECRET_FILE
            if not path.exists():
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                with os.fdopen(fd, "w") as f:
                    f.write(secrets.token_urlsafe(48))
            self.secret_key = path.read_text().strip()

    @property
    def url(self) -> str:
        if self.database_url:
            url = self.database_url
            if url.startswith("postgresql://") or url.startswith("postgres://"):
                url = "postgresql+psycopg://" + url.split("://", 1)[1]
            return url
        return f"sqlite:///{self.data_dir / 'disclosure.sqlite3'}"

    def public_base(self) -> str | None:
        """The address people use (DISCLOSURE_PUBLIC_URL), https when HTTPS is on; None if not set."""
        if not self.public_url:
            return None
        base = self.public_url.strip().rstrip("/")
        if self.https_only and base.startswith("http://"):
            base = "https://" + base.removeprefix("http://")
        return base

    @property
    def tmp_dir(self) -> Path:
        return self.data_dir / "tmp"
