"""Choosing the engine and the file store from the settings; `disclosure worker`."""

from __future__ import annotations

import asyncio
import multiprocessing.util
import os
import shutil
import tempfile
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from generator.catalog.store import CatalogSource
from generator.jobqueue.base import BaseEngine
from generator.jobqueue.catalogs import CentralCatalogs, shared
from generator.jobqueue.runner import Runner, sweep
from generator.web.settings import Settings
from generator.web.store import DatabaseStore, FileStore, S3Settings, S3Store, Store
from generator.workers import WorkerPool

ENGINES = ("embedded", "procrastinate")
SOCKET_ROOM = 60  # a Unix socket path has 107 bytes; multiprocessing adds about 40 below TMPDIR
STORES = ("files", "database", "s3")


def make_store(settings: Settings, engine: Engine) -> FileStore:
    if settings.store == "database":
        return DatabaseStore(engine)
    if settings.store == "s3":
        if not settings.s3.get("bucket"):
            raise SystemExit(
                "DISCLOSURE_STORE=s3 需要存储桶名称（设置 DISCLOSURE_S3_BUCKET，以及 DISCLOSURE_S3_ENDPOINT 等）"
            )
        return S3Store(S3Settings(**settings.s3))
    if settings.store != "files":
        raise SystemExit(f"DISCLOSURE_STORE 只能是 {' 或 '.join(STORES)}，现在是“{settings.store}”")
    return Store(settings.data_dir / "files")


def make_runner(settings: Settings, Session: sessionmaker[Session], store: FileStore, pool) -> Runner:  # type: ignore[no-untyped-def]
    central = CentralCatalogs(Session, store, settings.data_dir) if shared(settings.store) else None
    return Runner(
        Session,
        store,
        settings.tmp_dir,
        pool,
        check_timeout=settings.check_timeout,
        job_memory=settings.job_memory,
        build_formats=settings.build_formats,
        catalogs=CatalogSource.for_data_dir(settings.data_dir),
        refresh_catalogs=central.source if central else None,
    )


def make_pool(settings: Settings, workers: int | None) -> WorkerPool:
    return WorkerPool(
        workers or settings.build_workers, job_timeout=settings.job_timeout, memory_limit=settings.job_memory
    )


def make_engine(settings: Settings, Session: sessionmaker[Session], store: FileStore) -> BaseEngine:
    if settings.engine == "procrastinate":
        from generator.jobqueue.distributed import ProcrastinateEngine

        if not settings.database_url:
            raise SystemExit("DISCLOSURE_ENGINE=procrastinate 需要 PostgreSQL 数据库（设置 DATABASE_URL）")
        return ProcrastinateEngine(
            Session, settings.database_url, max_attempts=settings.job_attempts, stalled_after=settings.stalled_after
        )
    if settings.engine != "embedded":
        raise SystemExit(f"DISCLOSURE_ENGINE 只能是 {' 或 '.join(ENGINES)}，现在是“{settings.engine}”")
    from generator.jobqueue.embedded import EmbeddedEngine

    return EmbeddedEngine(
        Session,
        lambda pool: make_runner(settings, Session, store, pool),
        lambda: make_pool(settings, None),
        build_workers=settings.build_workers,
        check_workers=settings.check_workers,
        max_attempts=settings.job_attempts,
    )


def worker(data: Path | None, builds: int | None, checks: int | None) -> int:
    """`disclosure worker`: take jobs from the PostgreSQL queue until stopped (SIGTERM, Ctrl+C)."""
    from generator.jobqueue.distributed import run_worker
    from generator.web.db import make_engine as make_db
    from generator.web.db import migrate, sessions

    settings = Settings.from_env(data)
    if not settings.database_url or settings.engine != "procrastinate":
        print(
            "工作进程需要与网页服务相同的配置：DISCLOSURE_ENGINE=procrastinate 和 PostgreSQL 的 DATABASE_URL。",
            flush=True,
        )
        return 1
    settings.prepare()
    sweep(settings.tmp_dir)  # what a killed predecessor on this machine left behind
    own = settings.tmp_dir / f"proc-{os.getpid()}"
    own.mkdir()
    if len(str(own)) > SOCKET_ROOM:  # multiprocessing's sockets would not fit: they stay in the system's folder
        multiprocessing.util.get_temp_dir()
    # Every temporary file of this process and its children (LibreOffice's drafts and profile,
    # multiprocessing's) stays under the data folder, in a folder the next start can sweep.
    os.environ["TMPDIR"] = str(own)
    tempfile.tempdir = None
    db = make_db(settings.url)
    migrate(db)
    Session = sessions(db)
    store = make_store(settings, db)
    pool = make_pool(settings, builds)
    runner = make_runner(settings, Session, store, lambda: pool)
    try:
        asyncio.run(
            run_worker(
                runner,
                Session,
                settings.database_url,
                builds=pool.workers,
                checks=checks or settings.check_workers,
                stalled_after=settings.stalled_after,
            )
        )
    finally:
        pool.close(cancel=True)
        db.dispose()
        shutil.rmtree(own, ignore_errors=True)
    return 0
