"""Running one job, the same way under every engine: claim it, fetch its files, call the pipeline, record.

A job's input files come from the content store by hash and its output files go back into it
(all written first, then the job row is marked done in one transaction), so a job that is killed
part-way has published nothing. The claim counts attempts: a job found `running` was
interrupted (its process died, its machine went away); it is run again while it has attempts
left and failed with a Chinese message after that. A job already done or failed is never run
again, and the first finished attempt is the one recorded: a build is never recorded twice.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import socket
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from generator.catalog.store import SHIPPED_ONLY, CatalogSource
from generator.jobqueue import JobSpec
from generator.web import jobs as work
from generator.web.db import (
    BUILD_DONE,
    BUILD_FAILED,
    BUILD_QUEUED,
    BUILD_RUNNING,
    JOB_DONE,
    JOB_FAILED,
    JOB_RUNNING,
    Build,
    Job,
    utcnow,
)
from generator.web.store import FileStore
from generator.workers import BuildJob, WorkerPool

STAGE_START = "开始处理"
FORMATS_PARAM = "format_fingerprints"  # the submitting machine's format fingerprints (distributed engine)
SCRATCH = re.compile(r"^(?:job|proc)-(\d+)(?:-|$)")  # a job's scratch folder, a worker's TMPDIR


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def spec_of(row: Job) -> JobSpec:
    data = json.loads(row.spec_json or "{}")
    return JobSpec(
        kind=row.kind,
        inputs=data.get("inputs", {}),
        department_id=row.department_id,
        build_id=row.build_id,
        priority=row.priority,
        params=data.get("params", {}),
    )


def interrupted_message(attempts: int) -> str:
    return (
        f"处理进程在第{attempts}次执行中意外中断（进程被终止或服务器失去联系），已重试{attempts}次仍未完成，已停止，"
        "未写入任何文件。请稍后重新提交；如仍失败，请联系技术支持。"
    )


class Runner:
    """Runs jobs of the `job` table; `pool` gives the warm build workers (created on first use)."""

    def __init__(
        self,
        Session: sessionmaker[Session],
        store: FileStore,
        tmp_root: Path,
        pool: Callable[[], WorkerPool],
        *,
        check_timeout: float,
        job_memory: int | None,
        build_formats: tuple[str, ...] = ("docx", "pdf"),
        catalogs: CatalogSource = SHIPPED_ONLY,
        refresh_catalogs: Callable[[], CatalogSource] | None = None,
    ) -> None:
        self.Session = Session
        self.store = store
        self.tmp_root = tmp_root
        self.pool = pool
        self.check_timeout = check_timeout
        self.job_memory = job_memory
        self.build_formats = build_formats
        self.catalogs = catalogs  # the bureau's imported 科目 catalogs (this machine's data folder)
        self.refresh_catalogs = refresh_catalogs  # central catalogs (shared store): the up-to-date mirror
        self.stopping = False  # set while the process shuts down: interrupted jobs stay for the next start
        self.name = worker_name()

    # --- the job row -------------------------------------------------------------------------

    def claim(self, job_id: int) -> JobSpec | None:
        with self.Session.begin() as db:
            row = db.get(Job, job_id, with_for_update=True)
            if row is None or row.state in (JOB_DONE, JOB_FAILED):
                return None
            if row.attempts >= row.max_attempts:
                self._fail(db, row, interrupted_message(row.attempts))
                return None
            row.state, row.stage, row.worker = JOB_RUNNING, STAGE_START, self.name
            row.attempts += 1
            row.started_at = utcnow()
            if row.build_id is not None:
                build = db.get(Build, row.build_id)
                if build is not None and build.state in (BUILD_QUEUED, BUILD_RUNNING):
                    build.state, build.progress = BUILD_RUNNING, STAGE_START
            return spec_of(row)

    def stage(self, job_id: int, text: str) -> None:
        with self.Session.begin() as db:
            row = db.get(Job, job_id)
            if row is None or row.state != JOB_RUNNING:
                return
            row.stage = text[:300]
            if row.build_id is not None:
                build = db.get(Build, row.build_id)
                if build is not None and build.state in (BUILD_QUEUED, BUILD_RUNNING):
                    build.state, build.progress = BUILD_RUNNING, text[:300]

    def finish(self, job_id: int, result: dict[str, Any] | None = None, error: str | None = None) -> bool:
        """Record the end of a job; False when another attempt had already recorded it."""
        with self.Session.begin() as db:
            row = db.get(Job, job_id, with_for_update=True)
            if row is None or row.state in (JOB_DONE, JOB_FAILED):
                return False
            if error is not None:
                self._fail(db, row, error)
                return True
            row.state, row.stage, row.finished_at = JOB_DONE, "已完成", utcnow()
            row.result_json = json.dumps(result or {}, ensure_ascii=False)
            if row.build_id is not None:
                self._build_done(db, row.build_id, result or {})
            return True

    def _fail(self, db: Session, row: Job, error: str) -> None:
        row.state, row.stage, row.error, row.finished_at = JOB_FAILED, "失败", error, utcnow()
        if row.build_id is not None:
            build = db.get(Build, row.build_id)
            if build is not None and build.state in (BUILD_QUEUED, BUILD_RUNNING):
                build.state, build.error, build.progress, build.finished_at = BUILD_FAILED, error, "失败", utcnow()

    def _build_done(self, db: Session, build_id: int, result: dict[str, Any]) -> None:
        build = db.get(Build, build_id)
        if build is None or build.state not in (BUILD_QUEUED, BUILD_RUNNING):
            return
        files = result.get("files", {})
        build.state, build.progress, build.finished_at = BUILD_DONE, "已完成", utcnow()
        build.docx_sha, build.pdf_sha = files.get("docx"), files.get("pdf")
        build.pages, build.seconds = result.get("pages"), result.get("seconds")
        build.notices = "\n".join(result.get("notices", [])) or None

    # --- running -----------------------------------------------------------------------------

    def run(self, job_id: int) -> None:
        """Claim and run one job; every outcome is recorded on its row (never raised)."""
        spec = self.claim(job_id)
        if spec is None:
            return
        scratch = Path(tempfile.mkdtemp(prefix=f"job-{os.getpid()}-", dir=self.tmp_root))
        try:
            refused = formats_differ(spec.params.get(FORMATS_PARAM), self.name)
            if refused:
                raise work.JobFailed(refused)
            if self.refresh_catalogs is not None:  # what the administrator imported, on whichever machine
                self.catalogs = self.refresh_catalogs()
            handler = getattr(self, "_" + spec.kind.replace("-", "_"))
            result = handler(job_id, spec, scratch)
        except work.JobFailed as exc:
            self._end(job_id, error=str(exc))
        except Exception as exc:  # recorded for the page, never raised into the engine
            self._end(
                job_id,
                error=f"内部错误：处理时遇到意外情况，未写入任何文件。请联系技术支持：{type(exc).__name__}: {exc}"[
                    :800
                ],
            )
        else:
            self._end(job_id, result=result)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)

    def _end(self, job_id: int, result: dict[str, Any] | None = None, error: str | None = None) -> None:
        if self.stopping and error is not None:
            return  # cancelled by the shutdown: the next start runs it again
        self.finish(job_id, result, error)

    def _fetch(self, sha: str, path: Path) -> Path:
        try:
            path.write_bytes(self.store.read(sha))
        except FileNotFoundError:
            raise work.JobFailed(
                "需要处理的文件已不在文件存储中（被退回的上传文件保留期满后会被清理），未写入任何文件。请重新上传工作簿。"
            ) from None
        return path

    def _isolated(self, func: Callable[..., Any], *args: Any) -> Any:
        return work.run_isolated(func, *args, timeout=self.check_timeout, memory=self.job_memory)

    def _check(self, job_id: int, spec: JobSpec, scratch: Path) -> dict[str, Any]:
        # the user's own file name (made safe), so that the reader's messages name their file
        src = self._fetch(spec.inputs["workbook"], scratch / work.scratch_name(spec.params.get("original", "")))
        self.stage(job_id, "检查工作簿")
        found = self._isolated(work.analyse, str(src), str(scratch / "annotated.xlsx"), self.catalogs)
        if "refused" not in found:
            found["annotated"] = self.store.put_file(scratch / "annotated.xlsx")
        return found

    def _prepare(self, job_id: int, spec: JobSpec, scratch: Path) -> dict[str, Any]:
        src = self._fetch(spec.inputs["workbook"], scratch / "workbook.xlsx")
        self.stage(job_id, "补全所需的行")
        out = self._isolated(work.prepare_copy, str(src), str(scratch / "prepared.xlsx"), self.catalogs)
        prepared = scratch / "prepared.xlsx"
        out["prepared"] = self.store.put_file(prepared) if out["status"] == 0 and prepared.exists() else None
        return out

    def _diff(self, job_id: int, spec: JobSpec, scratch: Path) -> dict[str, Any]:
        # The file names appear in the report (old_file/new_file): they come with the job.
        old = self._fetch(spec.inputs["old"], scratch / Path(spec.params.get("old_name", "old.xlsx")).name)
        new = self._fetch(spec.inputs["new"], scratch / Path(spec.params.get("new_name", "new.xlsx")).name)
        self.stage(job_id, "比较两个版本")
        return self._isolated(work.diff, str(old), str(new), self.catalogs)

    def _revisions(self, job_id: int, spec: JobSpec, scratch: Path) -> dict[str, Any]:
        """`disclosure diff`'s 修订说明.xlsx and redline DOCX for the compare page's downloads."""
        from generator.web import revisions

        old = self._fetch(spec.inputs["old"], scratch / Path(spec.params.get("old_name", "old.xlsx")).name)
        new = self._fetch(spec.inputs["new"], scratch / Path(spec.params.get("new_name", "new.xlsx")).name)
        out = scratch / "out"
        out.mkdir()
        self.stage(job_id, "生成修订说明和修订稿")
        found = self._isolated(revisions.diff_outputs, str(old), str(new), str(out), self.catalogs)
        if "files" in found:
            found["files"] = {name: self.store.put_file(out / name) for name in found["files"]}
        return found

    def _next_year(self, job_id: int, spec: JobSpec, scratch: Path) -> dict[str, Any]:
        src = self._fetch(spec.inputs["workbook"], scratch / "this.xlsx")
        self.stage(job_id, "生成下一年度工作簿")
        out = self._isolated(work.next_year, str(src), str(scratch / "next.xlsx"), self.catalogs)
        if out.get("ok"):
            out["workbook"] = self.store.put_file(scratch / "next.xlsx")
        return out

    def _final_from_budget(self, job_id: int, spec: JobSpec, scratch: Path) -> dict[str, Any]:
        src = self._fetch(spec.inputs["workbook"], scratch / "budget.xlsx")
        prior, missing = None, None
        if "prior_final" in spec.inputs:  # last year's 决算 version, named as its cell comments will name it
            name = Path(spec.params.get("prior_name") or "上年决算.xlsx").name
            try:
                prior = str(self._fetch(spec.inputs["prior_final"], scratch / name))
            except work.JobFailed:  # an extra: the workbook is made without it, and says so
                missing = {"message": f"{name} 的文件已不在文件存储中", "errors": []}
        self.stage(job_id, "由预算生成决算工作簿")
        out = self._isolated(
            work.final_from_budget, str(src), str(scratch / "final.xlsx"), spec.params["format"], self.catalogs, prior
        )
        if missing is not None and out.get("ok"):
            out["prior_problem"] = missing
        if out.get("ok"):
            out["workbook"] = self.store.put_file(scratch / "final.xlsx")
        return out

    def _build(self, job_id: int, spec: JobSpec, scratch: Path) -> dict[str, Any]:
        # The workbook's own name (batch) appears in messages; the web's jobs have none.
        name = Path(spec.params.get("name") or "workbook.xlsx").name
        workbook = self._fetch(spec.inputs["workbook"], scratch / name)
        out_dir = scratch / "out"
        out_dir.mkdir()
        formats = tuple(spec.params.get("formats") or self.build_formats)
        # Web downloads are named by the department, so the stem only names files in the scratch
        # folder; a batch job (`names`) gets the names `disclosure build` would give.
        stem = None if spec.params.get("names") else "disclosure"
        job = BuildJob(
            workbook=workbook, out_dir=out_dir, formats=formats, stem=stem, label=str(job_id), catalogs=self.catalogs
        )
        outcome = self.pool().submit(job, lambda text: self.stage(job_id, text)).result()
        if not outcome.ok:
            raise work.JobFailed(outcome.error or "生成失败")
        files = {p.suffix.lower().lstrip("."): self.store.put_file(p) for p in outcome.files}
        if set(files) != set(formats):
            raise work.JobFailed("生成失败：没有得到全部文件")
        return {
            "files": files,
            "names": {p.suffix.lower().lstrip("."): p.name for p in outcome.files},
            "department": outcome.department,
            "warnings": [i.model_dump(mode="json") for i in outcome.issues],
            "pages": outcome.pages,
            "notices": outcome.notices,  # about the files, e.g. a DOCX 目录 without page numbers (Chinese)
            "seconds": round(outcome.seconds, 2),
        }


def formats_differ(expected: dict[str, str] | None, worker: str) -> str | None:
    """Why this machine must not run a job submitted where the formats were `expected`, or None.

    Formats are installed on every machine alike (README, "Formats on several machines"); a worker
    lacking one, or holding another version of it, would otherwise blame the workbook's 格式 cell
    or build a document other than the one the administrator chose.
    """
    if not expected:
        return None
    from generator.formats import registry

    here = registry.fingerprints()
    missing = sorted(f for f in expected if f not in here)
    other = sorted(f for f in expected if f in here and here[f] != expected[f])
    extra = sorted(f for f in here if f not in expected)
    if not (missing or other or extra):
        return None
    what = "；".join(
        part
        for part in (
            f"缺少格式 {'、'.join(missing)}" if missing else "",
            f"格式 {'、'.join(other)} 的文件与网页服务器上的不同" if other else "",
            f"多出网页服务器上没有的格式 {'、'.join(extra)}" if extra else "",
        )
        if part
    )
    return (
        f"处理该任务的工作服务器（{worker}）上安装的公开格式与网页服务器不一致：{what}。未处理，未写入任何文件。"
        "请信息中心在每台工作服务器上安装与网页服务器相同的格式文件夹（DISCLOSURE_FORMATS）和相同版本的程序，"
        "重启工作进程后重新提交。"
    )


def sweep(tmp_root: Path) -> None:
    """Delete the scratch folders and TMPDIRs of processes that are gone (killed mid-job); theirs only."""
    with contextlib.suppress(OSError):
        for entry in tmp_root.iterdir():
            m = SCRATCH.match(entry.name)
            if m and entry.is_dir() and not _alive(int(m[1])):
                shutil.rmtree(entry, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
