"""Which stored files are collected: refused uploads (and batch builds' files) after a retention period.

An upload is put into the content store before it is checked, because the checking worker may be
another machine. When the check refuses it (no version is made) or fails for good, nothing
references the file but the check's job row. The policy (README, "What the store keeps"):

- a refused or failed upload is kept `keep_days` days (DISCLOSURE_REFUSED_KEEP_DAYS, 7 by
  default), so that support staff can fetch the very file from the store when an officer asks why
  it was refused (the job row names its SHA-256; the refusal page itself needs only the messages,
  which stay on the job row for good);
- after that it is deleted from the store, whichever backend, unless something else still
  references the same bytes: a version (the same file uploaded again and accepted), a build, a
  central catalog, or any job that is not itself collected;
- the same holds for `disclosure build` through the distributed queue (a job without a department):
  its workbook and outputs were copied into the CLI's output folder when it finished.

The collected job keeps its row and messages; its result records `collected` (the date) so it is
looked at once. Nothing else is ever removed from the store.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import threading

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, sessionmaker

from generator.web.db import JOB_DONE, JOB_FAILED, Build, Job, Setting, Version, utcnow
from generator.web.store import FileStore

COLLECTED = "collected"
EVERY = 3600.0  # seconds between two collections of a running web server
log = logging.getLogger("disclosure.retention")


def _files(row: Job) -> list[str] | None:
    """The stored files of a finished job that the policy collects, or None if it keeps them."""
    spec = json.loads(row.spec_json or "{}")
    result = json.loads(row.result_json) if row.result_json else {}
    if COLLECTED in result:
        return None
    inputs = list(spec.get("inputs", {}).values())
    if row.kind == "check" and (row.state == JOB_FAILED or "refused" in result):
        return inputs
    if row.kind == "build" and row.department_id is None and row.build_id is None:  # `disclosure build`, batch
        return inputs + list(result.get("files", {}).values())
    return None


def _referenced(db: Session, sha: str, collected: set[int]) -> bool:
    versions = select(Version.id).where(
        or_(Version.sha256 == sha, Version.annotated_sha == sha, Version.prepared_sha == sha)
    )
    if db.scalars(versions.limit(1)).first() is not None:
        return True
    builds = select(Build.id).where(or_(Build.docx_sha == sha, Build.pdf_sha == sha))
    if db.scalars(builds.limit(1)).first() is not None:
        return True
    if db.scalars(select(Setting.key).where(Setting.value.contains(sha)).limit(1)).first() is not None:
        return True
    jobs = select(Job.id).where(or_(Job.spec_json.contains(sha), Job.result_json.contains(sha)))
    return any(job_id not in collected for job_id in db.scalars(jobs))


def collect(Session: sessionmaker[Session], store: FileStore, keep_days: float, now: dt.datetime | None = None) -> int:
    """Delete the files the policy no longer keeps; returns how many were deleted.

    Three steps, none inside another's transaction: find what is due, delete those files, then
    mark the jobs. Two collectors at once (two web servers) delete and mark the same things.
    """
    now = now or utcnow()
    cutoff = now - dt.timedelta(days=keep_days)
    with Session() as db:
        rows = db.scalars(
            select(Job)
            .where(
                Job.kind.in_(["check", "build"]),
                Job.state.in_([JOB_DONE, JOB_FAILED]),
                Job.finished_at < cutoff,
                or_(Job.result_json.is_(None), ~Job.result_json.contains(f'"{COLLECTED}"')),
            )
            .order_by(Job.id)
        ).all()
        due = {row.id: files for row in rows if (files := _files(row)) is not None}
        doomed = [
            sha for sha in sorted({s for files in due.values() for s in files}) if not _referenced(db, sha, set(due))
        ]
    for sha in doomed:
        store.delete(sha)
    with Session.begin() as db:
        for job_id in due:
            row = db.get(Job, job_id)
            if row is not None:
                result = json.loads(row.result_json) if row.result_json else {}
                row.result_json = json.dumps({**result, COLLECTED: now.strftime("%Y-%m-%d")}, ensure_ascii=False)
    return len(doomed)


class Collector:
    """Runs `collect` when the web server starts and every hour after, in a thread of its own."""

    def __init__(self, Session: sessionmaker[Session], store: FileStore, keep_days: float) -> None:
        self.stopped = threading.Event()
        self.thread = threading.Thread(
            target=self._loop, args=(Session, store, keep_days), name="retention", daemon=True
        )

    def start(self) -> None:
        self.thread.start()

    def _loop(self, Session: sessionmaker[Session], store: FileStore, keep_days: float) -> None:
        while not self.stopped.is_set():
            try:
                n = collect(Session, store, keep_days)
                if n:
                    log.info("collected %d stored files of refused uploads and finished batch builds", n)
            except Exception:  # the next round tries again; the pages do not depend on it
                log.exception("collecting refused uploads failed")
            self.stopped.wait(EVERY)

    def stop(self) -> None:
        self.stopped.set()
