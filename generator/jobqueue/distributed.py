"""The distributed engine: procrastinate jobs in the application's PostgreSQL database.

Why procrastinate (README, "Jobs and workers"): it needs nothing beyond the PostgreSQL the
application already supports, and it has what the faults need — priorities, per-key locks
(one department's jobs of a lane run one at a time), queueing locks (a job is queued once),
worker heartbeats with stalled-job queries, and retries that count attempts.

The web server only defers: a `job` row (the interface's record) and a procrastinate job
`disclosure.run(job_id)` in the lane's queue (`check` or `build`), with the job's priority and
the department's lock. `disclosure worker` (`run_worker`) runs the same `Runner` as the embedded
engine, with its own warm `WorkerPool`, and two procrastinate workers (one per lane) in one
process. Every worker also recovers: jobs of a worker whose heartbeat stopped (SIGKILL, machine
gone) are put back into the queue; the `Runner`'s claim fails them for good once their attempts
are used up.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import signal
from dataclasses import replace
from pathlib import Path
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session, sessionmaker

from generator.jobqueue import LANE, JobSpec, WorkerInfo
from generator.jobqueue.base import BaseEngine
from generator.jobqueue.runner import FORMATS_PARAM, Runner, spec_of, sweep, worker_name
from generator.web.db import JOB_QUEUED, JOB_RUNNING, Job

TASK = "disclosure.run"
SCHEMA_LOCK = 7_202_612  # advisory lock id while the procrastinate schema is applied
log = logging.getLogger("disclosure.worker")


def conninfo(database_url: str) -> str:
    scheme, rest = database_url.split("://", 1)
    if not scheme.startswith("postgres"):
        raise ValueError("DISCLOSURE_ENGINE=procrastinate needs a PostgreSQL DATABASE_URL")
    return "postgresql://" + rest


def ensure_schema(engine: Any) -> None:
    """Apply procrastinate's schema once (several processes may start together)."""
    import procrastinate

    with engine.begin() as conn:
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": SCHEMA_LOCK})
        if conn.execute(text("SELECT to_regclass('procrastinate_jobs')")).scalar() is not None:
            return
        sql = procrastinate.schema.SchemaManager.get_schema()
        conn.exec_driver_sql(sql.replace("%", "%%"))


def _lock(spec: JobSpec) -> str | None:
    return None if spec.department_id is None else f"department-{spec.department_id}-{LANE[spec.kind]}"


class ProcrastinateEngine(BaseEngine):
    name = "procrastinate"

    def __init__(
        self, Session: sessionmaker[Session], database_url: str, *, max_attempts: int, stalled_after: float = 30.0
    ) -> None:
        import procrastinate

        super().__init__(Session, max_attempts)
        self.stalled_after = stalled_after
        bind = Session.kw["bind"]
        ensure_schema(bind)
        self.app = procrastinate.App(connector=procrastinate.SyncPsycopgConnector(conninfo=conninfo(database_url)))
        self.app.open()

    def submit(self, spec: JobSpec) -> int:
        """As every engine, and the job carries this machine's format fingerprints: a worker whose
        format folders differ (missing, or another version) refuses it instead of building it otherwise."""
        from generator.formats import registry

        return super().submit(replace(spec, params={**spec.params, FORMATS_PARAM: registry.fingerprints()}))

    def _enqueue(self, job_id: int, spec: JobSpec) -> None:
        from procrastinate import exceptions

        deferrer = self.app.configure_task(
            TASK, queue=LANE[spec.kind], priority=spec.priority, lock=_lock(spec), queueing_lock=f"job-{job_id}"
        )
        with contextlib.suppress(exceptions.AlreadyEnqueued):
            ref = deferrer.defer(job_id=job_id)
            with self.Session.begin() as db:
                row = db.get(Job, job_id)
                if row is not None:
                    row.engine_ref = ref

    def start(self) -> None:
        """Jobs recorded but not deferred (the server stopped in between) are deferred now."""
        with self.Session() as db:
            rows = db.scalars(
                select(Job).where(Job.state == JOB_QUEUED, Job.engine_ref.is_(None)).order_by(Job.id)
            ).all()
            pending = [(row.id, spec_of(row)) for row in rows]
        for job_id, spec in pending:
            self._enqueue(job_id, spec)

    def _position(self, row: Job) -> tuple[int, int] | None:
        if row.engine_ref is None:
            return None
        with self.Session() as db:
            found = db.execute(
                text(
                    "SELECT j.status, "
                    " (SELECT count(*) FROM procrastinate_jobs o WHERE o.status = 'todo' AND o.queue_name = j.queue_name"
                    "   AND (o.priority > j.priority OR (o.priority = j.priority AND o.id < j.id))),"
                    " (SELECT count(*) FROM procrastinate_jobs o WHERE o.status = 'todo' AND o.queue_name = j.queue_name)"
                    " FROM procrastinate_jobs j WHERE j.id = :ref"
                ),
                {"ref": row.engine_ref},
            ).first()
        if found is None or found[0] != "todo":
            return None
        return int(found[1]) + 1, int(found[2])

    def _workers(self) -> list[WorkerInfo]:
        with self.Session() as db:
            rows = db.execute(
                text(
                    "SELECT w.id, w.last_heartbeat, now() - w.last_heartbeat,"
                    " (SELECT count(*) FROM procrastinate_jobs j WHERE j.worker_id = w.id AND j.status = 'doing')"
                    " FROM procrastinate_workers w ORDER BY w.id"
                )
            ).all()
            names = dict(
                db.execute(
                    text(
                        "SELECT j.worker_id, min(job.worker) FROM procrastinate_jobs j JOIN job ON job.engine_ref = j.id"
                        " WHERE j.status = 'doing' GROUP BY j.worker_id"
                    )
                ).all()
            )
        out = []
        for wid, seen, age, running in rows:
            stalled = age.total_seconds() > self.stalled_after
            out.append(
                WorkerInfo(
                    name=f"工作进程 {wid}" + (f"（{names[wid]}）" if names.get(wid) else ""),
                    state="失去联系" if stalled else "运行中",
                    last_seen=seen.astimezone(dt.UTC).replace(tzinfo=None) if seen else None,
                    jobs=int(running),
                )
            )
        return out

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.app.close()


# --- `disclosure worker` ------------------------------------------------------------------------


def mark_requeued(Session: sessionmaker[Session], job_id: int, lost: str | None) -> None:
    """Say on the job's page that its attempt was interrupted and it waits for another worker."""
    with Session.begin() as db:
        row = db.get(Job, job_id)
        if row is None or row.state != JOB_RUNNING:
            return
        row.state = JOB_QUEUED
        row.stage = "排队等待重试"
        who = f"工作进程 {lost}" if lost else "工作进程"
        row.note = (
            f"第{row.attempts}次执行时{who}中断（被终止或失去联系），已重新排队，由其他工作进程重试"
            f"（最多执行{row.max_attempts}次）。"
        )
        row.finished_at = None


async def recover(app: Any, Session: sessionmaker[Session], stalled_after: float) -> int:
    """Put the jobs of stalled workers back into their queue; returns how many."""
    count = 0
    for job in await app.job_manager.get_stalled_jobs(seconds_since_heartbeat=stalled_after):
        try:
            await app.job_manager.retry_job(job)
        except Exception:  # another worker recovered it first
            continue
        count += 1
        job_id = int(job.task_kwargs.get("job_id", 0))
        with Session() as db:
            row = db.get(Job, job_id)
            lost = row.worker if row is not None else None
        await asyncio.to_thread(mark_requeued, Session, job_id, lost)
        log.warning("job %s of a stalled worker queued again", job_id)
    with contextlib.suppress(Exception):
        await app.job_manager.prune_stalled_workers(seconds_since_heartbeat=stalled_after)
    return count


async def run_worker(
    runner: Runner,
    Session: sessionmaker[Session],
    database_url: str,
    *,
    builds: int,
    checks: int,
    stalled_after: float = 30.0,
    heartbeat: float | None = None,
    poll: float = 2.0,
) -> None:
    """Run jobs until SIGTERM/SIGINT: `builds` at once from the build queue, `checks` from the check queue."""
    import procrastinate
    from procrastinate.worker import Worker

    ensure_schema(Session.kw["bind"])
    sweep(runner.tmp_root)
    app = procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=conninfo(database_url)))

    @app.task(name=TASK)
    async def run(job_id: int) -> None:
        await asyncio.to_thread(runner.run, job_id)

    beat = heartbeat or max(0.5, min(10.0, stalled_after / 3))
    options: dict[str, Any] = {
        "install_signal_handlers": False,
        "fetch_job_polling_interval": poll,
        "abort_job_polling_interval": poll,
        "update_heartbeat_interval": beat,
        "stalled_worker_timeout": stalled_after,
        "delete_jobs": "successful",
    }
    name = worker_name()
    async with app.open_async():
        workers = [
            Worker(app, queues=["build"], concurrency=max(1, builds), name=f"{name}:build", **options),
            Worker(app, queues=["check"], concurrency=max(1, checks), name=f"{name}:check", **options),
        ]
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)

        async def recovering() -> None:
            while not stop.is_set():
                with contextlib.suppress(Exception):
                    await recover(app, Session, stalled_after)
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=max(1.0, stalled_after / 2))

        tasks = [asyncio.create_task(w.run()) for w in workers]
        helper = asyncio.create_task(recovering())
        print(f"工作进程 {name} 已启动：生成 {builds} 个、检查 {checks} 个同时进行。按 Ctrl+C 停止。", flush=True)
        await stop.wait()
        for w in workers:  # graceful: running jobs finish first
            w.stop()
        await asyncio.gather(*tasks, helper, return_exceptions=True)


def tmp_root(data_dir: Path) -> Path:
    path = data_dir / "tmp"
    path.mkdir(parents=True, exist_ok=True)
    return path
