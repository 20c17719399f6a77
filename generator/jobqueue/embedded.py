"""The embedded engine: jobs run in this process (`disclosure serve` on one machine, SQLite by default).

Two lanes, each a `FairQueue`: checks (and prepare, diff, next year) run in isolated processes,
`check_workers` at once; builds run on the warm `WorkerPool`, one per worker process. A job
starts on a thread of its own as soon as its lane has a free slot. Jobs live in the `job` table,
so a restart of the server loses none: builds left queued or running are queued again (an
interrupted one counts as an attempt); checks and the like, whose page is gone with the old
process, are failed with a message.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from generator.jobqueue import LANE, JobSpec, WorkerInfo
from generator.jobqueue.base import BaseEngine
from generator.jobqueue.fair import FairQueue
from generator.jobqueue.runner import Runner, spec_of, sweep
from generator.web.db import JOB_QUEUED, JOB_RUNNING, Job
from generator.workers import WorkerPool, usable_cores

GONE = "服务重启，这项处理已中断，请重新提交。"


class EmbeddedEngine(BaseEngine):
    name = "embedded"

    def __init__(
        self,
        Session: sessionmaker[Session],
        runner_factory: Callable[[Callable[[], WorkerPool]], Runner],
        pool_factory: Callable[[], WorkerPool],
        *,
        build_workers: int | None,
        check_workers: int,
        max_attempts: int,
    ) -> None:
        super().__init__(Session, max_attempts)
        self._pool_factory = pool_factory
        self._pool: WorkerPool | None = None
        self._pool_lock = threading.Lock()
        self.runner = runner_factory(self.pool)
        self.lanes = {
            "check": FairQueue(check_workers, per_department=1),
            "build": FairQueue(build_workers or usable_cores(), per_department=1),
        }

    def pool(self) -> WorkerPool:
        with self._pool_lock:
            if self._pool is None:
                self._pool = self._pool_factory()
            return self._pool

    def warm(self) -> None:
        self.pool()

    def start(self) -> None:
        sweep(self.runner.tmp_root)
        resume: list[tuple[int, JobSpec]] = []
        with self.Session.begin() as db:
            rows = db.scalars(select(Job).where(Job.state.in_([JOB_QUEUED, JOB_RUNNING])).order_by(Job.id)).all()
            for row in rows:
                if row.kind != "build":
                    self.runner._fail(db, row, GONE)
                    continue
                if row.state == JOB_RUNNING:
                    row.state, row.stage = JOB_QUEUED, "排队等待（服务重启后继续）"
                    row.note = f"第{row.attempts}次执行时服务重启，已重新排队。"
                    row.finished_at = None
                resume.append((row.id, spec_of(row)))
        for job_id, spec in resume:
            self._enqueue(job_id, spec)

    def _enqueue(self, job_id: int, spec: JobSpec) -> None:
        lane = LANE[spec.kind]
        self.lanes[lane].add(job_id, spec.department_id, spec.priority)
        self._pump(lane)

    def _pump(self, lane: str) -> None:
        queue = self.lanes[lane]
        while (job_id := queue.take()) is not None:
            threading.Thread(target=self._run, args=(lane, job_id), name=f"job-{job_id}", daemon=True).start()

    def _run(self, lane: str, job_id: int) -> None:
        try:
            self.runner.run(job_id)
        finally:
            self.lanes[lane].done(job_id)
            if not self.runner.stopping:
                self._pump(lane)

    def _position(self, row: Job) -> tuple[int, int] | None:
        return self.lanes[LANE.get(row.kind, "check")].position(row.id)

    def _workers(self) -> list[WorkerInfo]:
        workers = []
        for lane, label in (("build", "生成"), ("check", "检查")):
            waiting, running = self.lanes[lane].counts()
            workers.append(
                WorkerInfo(
                    name=f"本机{label}（{self.lanes[lane].capacity}个）",
                    state=f"运行中：{running}个，等待：{waiting}个",
                    jobs=running,
                )
            )
        return workers

    def close(self) -> None:
        self.runner.stopping = True
        with self._pool_lock:
            if self._pool is not None:
                self._pool.close(cancel=True)  # running builds stop; their rows stay for the next start
                self._pool = None
