"""What both engines share: the `job` row written on submit and read back as a `JobView`."""

from __future__ import annotations

import asyncio
import json
import time

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from generator.jobqueue import LANE, JobSpec, JobView, Overview, WorkerInfo
from generator.web.db import JOB_FAILED, JOB_QUEUED, JOB_RUNNING, Job

RECENT = 50  # failed and retried jobs shown on the admin page


class BaseEngine:
    name = "base"

    def __init__(self, Session: sessionmaker[Session], max_attempts: int) -> None:
        self.Session = Session
        self.max_attempts = max(1, max_attempts)

    # --- to be provided by an engine ---------------------------------------------------------

    def _enqueue(self, job_id: int, spec: JobSpec) -> None:
        raise NotImplementedError

    def _position(self, row: Job) -> tuple[int, int] | None:
        raise NotImplementedError

    def _workers(self) -> list[WorkerInfo]:
        raise NotImplementedError

    def start(self) -> None:
        """Take up jobs left queued or running by an earlier run of the server."""

    def warm(self) -> None:
        """Start what the first job would wait for (the embedded engine's build workers)."""

    def close(self) -> None:
        pass

    # --- the interface -----------------------------------------------------------------------

    def submit(self, spec: JobSpec) -> int:
        """Record the job and hand it to the engine; returns the job id."""
        with self.Session.begin() as db:
            row = Job(
                kind=spec.kind,
                department_id=spec.department_id,
                build_id=spec.build_id,
                priority=spec.priority,
                state=JOB_QUEUED,
                stage="排队等待",
                max_attempts=self.max_attempts,
                spec_json=spec.to_json(),
            )
            db.add(row)
            db.flush()
            job_id = row.id
        self._enqueue(job_id, spec)
        return job_id

    def view(self, job_id: int) -> JobView | None:
        with self.Session() as db:
            row = db.get(Job, job_id)
            if row is None:
                return None
            view = JobView(
                id=row.id,
                kind=row.kind,
                state=row.state,
                stage=row.stage,
                attempts=row.attempts,
                max_attempts=row.max_attempts,
                note=row.note,
                error=row.error,
                result=json.loads(row.result_json) if row.result_json else None,
                worker=row.worker,
            )
            if row.state == JOB_QUEUED:
                found = self._position(row)
                if found is not None:
                    view.position, view.waiting = found
            return view

    def view_of_build(self, build_id: int) -> JobView | None:
        with self.Session() as db:
            job_id = db.scalars(select(Job.id).where(Job.build_id == build_id).order_by(Job.id.desc()).limit(1)).first()
        return self.view(job_id) if job_id is not None else None

    async def wait(self, job_id: int, timeout: float) -> JobView:
        """The job's view once it has finished (or when `timeout` has passed)."""
        deadline = time.monotonic() + timeout
        pause = 0.05
        while True:
            view = await asyncio.to_thread(self.view, job_id)
            if view is None or view.finished or time.monotonic() >= deadline:
                assert view is not None
                return view
            await asyncio.sleep(pause)
            pause = min(0.5, pause * 1.5)

    def run_sync(self, spec: JobSpec, timeout: float) -> JobView:
        """Submit and wait, from a thread (scripts, tests)."""
        job_id = self.submit(spec)
        deadline = time.monotonic() + timeout
        while True:
            view = self.view(job_id)
            assert view is not None
            if view.finished or time.monotonic() >= deadline:
                return view
            time.sleep(0.1)

    def overview(self) -> Overview:
        with self.Session() as db:
            queued = dict(
                db.execute(select(Job.kind, func.count(Job.id)).where(Job.state == JOB_QUEUED).group_by(Job.kind)).all()
            )
            running = db.scalar(select(func.count(Job.id)).where(Job.state == JOB_RUNNING)) or 0
            failed = db.scalars(select(Job).where(Job.state == JOB_FAILED).order_by(Job.id.desc()).limit(RECENT)).all()
            retried = db.scalars(select(Job).where(Job.attempts > 1).order_by(Job.id.desc()).limit(RECENT)).all()
        lanes: dict[str, int] = {}
        for kind, n in queued.items():
            lanes[LANE.get(kind, kind)] = lanes.get(LANE.get(kind, kind), 0) + n
        return Overview(self.name, self._workers(), lanes, running, list(failed), list(retried))
