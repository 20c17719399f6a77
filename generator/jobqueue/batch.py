"""Batch `disclosure build FOLDER` through the distributed engine (`DISCLOSURE_ENGINE=procrastinate`).

The same configuration as the web server and the workers: each workbook goes into the
content store and becomes a build job (`PRIORITY_BULK`, named outputs); the workers build it;
this process reads the job's progress and result through the job interface and publishes the
files into the output folder exactly as a local batch does (generator/batch.py): all files of
a department or none (`generator.output.atomic_paths`), two workbooks for one output file
refused (`OutputClaims`). Returns the same `BuildOutcome`s, so the summary is the same.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path

from generator.build import place_outputs
from generator.issues import Issue
from generator.jobqueue import PRIORITY_BULK, JobSpec
from generator.output import atomic_paths
from generator.workers import BuildJob, BuildOutcome, OutputClaims

POLL = 0.5
LIMIT = 24 * 3600.0  # a bound on waiting for one batch


def run_queued(
    workbooks: list[Path],
    out_dir: Path,
    formats: tuple[str, ...],
    stage: Callable[[str], Callable[[str], None]],
    done: Callable[[str, Future[BuildOutcome]], None],
) -> list[BuildOutcome]:
    from generator.jobqueue.distributed import ProcrastinateEngine
    from generator.jobqueue.setup import make_store
    from generator.web.db import make_engine, migrate, sessions
    from generator.web.settings import Settings

    settings = Settings.from_env()
    settings.prepare()
    db = make_engine(settings.url)
    try:
        migrate(db)
        Session = sessions(db)
        store = make_store(settings, db)
        queue = ProcrastinateEngine(Session, settings.database_url or "", max_attempts=settings.job_attempts)
        try:
            ids = []
            for path in workbooks:
                sha = store.put(path.read_bytes())
                params = {"formats": list(formats), "names": True, "name": path.name}
                ids.append(queue.submit(JobSpec("build", {"workbook": sha}, priority=PRIORITY_BULK, params=params)))
            claims = OutputClaims()
            outcomes = []
            for path, job_id in zip(workbooks, ids, strict=True):
                outcome = _follow(
                    queue, store, job_id, BuildJob(path, out_dir, formats, label=path.stem), claims, stage
                )
                future: Future[BuildOutcome] = Future()
                future.set_result(outcome)
                done(path.stem, future)
                outcomes.append(outcome)
            return outcomes
        finally:
            queue.close()
    finally:
        db.dispose()


def _follow(queue, store, job_id: int, job: BuildJob, claims: OutputClaims, stage) -> BuildOutcome:  # type: ignore[no-untyped-def]
    on_stage = stage(job.label)
    started = time.monotonic()
    last = None
    while True:
        view = queue.view(job_id)
        text = f"第{view.position}位排队" if view.position else (view.stage or "")
        if text != last:
            on_stage(text)
            last = text
        if view.finished or time.monotonic() - started > LIMIT:
            break
        time.sleep(POLL)
    seconds = time.monotonic() - started
    if view.state != "done" or not view.result:
        return BuildOutcome(job, False, [], None, seconds, error=view.error or "生成未完成")
    result = view.result
    warnings = [Issue.model_validate(i) for i in result.get("warnings", [])]
    targets = place_outputs(job.out_dir, result["names"])
    conflict = claims.claim(job.workbook, list(targets.values()))
    if conflict is not None:
        return BuildOutcome(job, False, [], None, seconds, error=conflict, department=result.get("department"))
    try:
        with atomic_paths(targets) as temps:  # all files of the department, or none
            for fmt, temp in temps.items():
                temp.write_bytes(store.read(result["files"][fmt]))
    except OSError as exc:
        error = f"无法写入输出文件夹 {job.out_dir}：{exc.strerror or exc}。已有的输出文件没有被改动。"
        return BuildOutcome(job, False, [], None, seconds, error=error, department=result.get("department"))
    return BuildOutcome(
        job,
        True,
        list(targets.values()),
        result.get("pages"),
        seconds,
        warnings,
        department=result.get("department"),
        notices=list(result.get("notices", [])),
    )
