"""The job interface without a real build: the fair queue, the runner's claim and record, the embedded restart.

The end-to-end runs are tests/test_web.py (embedded engine, every route) and
tests/test_jobqueue_distributed.py (PostgreSQL, two workers, a killed one).
"""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import pytest

from generator.jobqueue import PRIORITY_BULK, PRIORITY_WAITING, JobSpec
from generator.jobqueue.embedded import GONE, EmbeddedEngine
from generator.jobqueue.fair import FairQueue
from generator.jobqueue.runner import Runner, interrupted_message, sweep
from generator.web.db import Account, Department, Job, Version, make_engine, migrate, sessions
from generator.web.store import Store

A, B, C = 1, 2, 3


def test_one_department_never_holds_every_slot() -> None:
    q = FairQueue(capacity=2, per_department=1)
    for job in (1, 2, 3):  # department A's three large workbooks first
        q.add(job, A, PRIORITY_WAITING)
    q.add(4, B, PRIORITY_WAITING)  # then B's ordinary one
    assert q.take() == 1
    assert q.take() == 4  # A already has its one slot: B's check starts at once
    assert q.take() is None  # both slots busy
    assert q.position(2) == (1, 2) and q.position(3) == (2, 2) and q.position(4) is None
    q.done(1)
    assert q.take() == 2


def test_departments_take_turns_and_priority_comes_first() -> None:
    q = FairQueue(capacity=1, per_department=5)
    q.add(1, A, PRIORITY_BULK)  # the bureau's 全部生成 …
    q.add(2, A, PRIORITY_WAITING)
    q.add(3, A, PRIORITY_WAITING)
    q.add(4, B, PRIORITY_WAITING)
    q.add(5, C, PRIORITY_WAITING)
    order = []
    while (job := q.take()) is not None:
        order.append(job)
        q.done(job)
    # … waits for the departments at their pages; A's second job waits for B's and C's first
    assert order == [2, 4, 5, 3, 1]


def test_position_follows_the_taking_order() -> None:
    q = FairQueue(capacity=1, per_department=1)
    q.add(1, A, PRIORITY_WAITING)
    q.add(2, A, PRIORITY_WAITING)
    q.add(3, B, PRIORITY_WAITING)
    assert [q.position(j) for j in (1, 3, 2)] == [(1, 3), (2, 3), (3, 3)]


@pytest.fixture
def Session(tmp_path: Path):
    engine = make_engine(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    migrate(engine)
    yield sessions(engine)
    engine.dispose()


def runner(Session, tmp_path: Path) -> Runner:
    (tmp_path / "tmp").mkdir(exist_ok=True)
    return Runner(Session, Store(tmp_path / "files"), tmp_path / "tmp", lambda: None, check_timeout=60, job_memory=None)  # type: ignore[arg-type, return-value]


def add_job(Session, **kw) -> int:
    with Session.begin() as db:
        row = Job(kind=kw.pop("kind", "build"), spec_json='{"inputs": {}}', **kw)
        db.add(row)
        db.flush()
        return row.id


def test_an_interrupted_job_runs_again_until_its_attempts_are_used(Session, tmp_path: Path) -> None:
    r = runner(Session, tmp_path)
    job = add_job(Session, state="running", attempts=2, max_attempts=3)  # its process died twice
    assert r.claim(job) is not None
    with Session() as db:
        assert db.get(Job, job).attempts == 3
    assert r.claim(job) is None  # died a third time: failed for good
    with Session() as db:
        row = db.get(Job, job)
        assert (row.state, row.error) == ("failed", interrupted_message(3))


def test_a_finished_job_is_recorded_once_and_never_run_again(Session, tmp_path: Path) -> None:
    r = runner(Session, tmp_path)
    job = add_job(Session, max_attempts=3)
    assert r.claim(job) is not None
    assert r.finish(job, {"files": {"pdf": "a" * 64}}) is True
    assert r.finish(job, {"files": {"pdf": "b" * 64}}) is False  # a second attempt that also finished
    assert r.finish(job, error="不应记录") is False
    assert r.claim(job) is None
    with Session() as db:
        row = db.get(Job, job)
        assert row.state == "done" and "a" * 64 in row.result_json and row.error is None


def test_restart_resumes_builds_and_ends_orphaned_checks(Session, tmp_path: Path) -> None:
    build = add_job(Session, state="running", attempts=1, max_attempts=3, priority=PRIORITY_WAITING)
    check = add_job(Session, kind="check", state="queued", attempts=0, max_attempts=3)
    ran: list[int] = []
    done = threading.Event()

    class Stub(Runner):
        def run(self, job_id: int) -> None:
            ran.append(job_id)
            done.set()

    engine = EmbeddedEngine(
        Session,
        lambda pool: Stub(Session, Store(tmp_path / "files"), tmp_path, pool, check_timeout=1, job_memory=None),
        lambda: None,  # type: ignore[arg-type, return-value]
        build_workers=1,
        check_workers=1,
        max_attempts=3,
    )
    engine.start()
    assert done.wait(30)
    assert ran == [build]
    with Session() as db:
        assert db.get(Job, check).state == "failed" and db.get(Job, check).error == GONE
        assert "服务重启" in db.get(Job, build).note


def test_submit_records_the_job_and_reports_its_place(Session, tmp_path: Path) -> None:
    with Session.begin() as db:
        db.add_all([Department(id=A, name="甲局"), Department(id=B, name="乙局")])
    gate = threading.Event()

    class Held(Runner):
        def run(self, job_id: int) -> None:
            self.claim(job_id)
            gate.wait(30)

    engine = EmbeddedEngine(
        Session,
        lambda pool: Held(Session, Store(tmp_path / "files"), tmp_path, pool, check_timeout=1, job_memory=None),
        lambda: None,  # type: ignore[arg-type, return-value]
        build_workers=1,
        check_workers=1,
        max_attempts=3,
    )
    try:
        first = engine.submit(JobSpec("check", {"workbook": "0" * 64}, A))
        second = engine.submit(JobSpec("check", {"workbook": "0" * 64}, A))
        third = engine.submit(JobSpec("check", {"workbook": "0" * 64}, B))
        for _ in range(300):  # bounded: the held job's thread claims it
            if engine.view(first).state == "running":
                break
            time.sleep(0.05)
        assert engine.view(first).position is None  # running (held)
        assert (engine.view(third).position, engine.view(second).position) == (1, 2)
        overview = engine.overview()
        assert (overview.queued, overview.running) == ({"check": 2}, 1)
    finally:
        gate.set()


def test_sweep_removes_only_folders_of_dead_processes(tmp_path: Path) -> None:
    import os

    gone_pid = 2**22 + 7  # above the largest pid_max: no such process
    (tmp_path / f"job-{gone_pid}-abc").mkdir()
    (tmp_path / f"proc-{gone_pid}").mkdir()
    (tmp_path / f"job-{os.getpid()}-abc").mkdir()
    (tmp_path / "other").mkdir()
    sweep(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([f"job-{os.getpid()}-abc", "other"])


def test_pages_show_the_queue_position_and_the_queue(tmp_path: Path) -> None:
    """The build page says where a waiting build stands; the administrator's queue page lists the lanes."""
    from tests.web_helpers import csrf, example, make_site, upload, version_id

    site = make_site(tmp_path / "data", {"build_workers": 1})
    core = site.app.state.core  # type: ignore[attr-defined]
    gate = threading.Event()
    real_run = core.queue.runner.run

    def held(job_id: int) -> None:  # builds wait here until the test lets them go
        if core.queue.view(job_id).kind == "build":
            core.queue.runner.claim(job_id)
            gate.wait(60)
            core.queue.runner.finish(job_id, error="测试结束")
            return
        real_run(job_id)

    core.queue.runner.run = held
    try:
        site.add_department("甲局")
        site.add_department("乙局")
        a = site.add_account("jia", "department", "甲局")
        b = site.add_account("yi", "department", "乙局")
        va = version_id(upload(a, site.departments["甲局"], example(tmp_path, "000")))
        vb = version_id(upload(b, site.departments["乙局"], example(tmp_path, "002")))
        first = a.post(f"/versions/{va}/build", data={"csrf": csrf(a)})
        second = b.post(f"/versions/{vb}/build", data={"csrf": csrf(b)})
        assert "排队等待：前面还有0项生成任务（共1项在排队）" in second.text, second.text
        assert "前面还有" not in first.text  # running: its stage instead
        page = site.admin.get("/admin/queue").text
        assert "生成：1 项排队" in page and "本机生成（1个）" in page
        assert a.get("/admin/queue").status_code == 404
    finally:
        gate.set()
        site.close()


def test_a_waiting_upload_gets_a_page_with_its_place_then_its_version(tmp_path: Path) -> None:
    """An upload whose check has not ended in `check_page_after` seconds goes to a page that says where it
    stands; the page turns into the version once the check has ended (the version is made once)."""
    from tests.web_helpers import example, make_site, upload

    site = make_site(tmp_path / "data", {"check_workers": 1, "check_page_after": 0.0})
    core = site.app.state.core  # type: ignore[attr-defined]
    gate = threading.Event()
    real_run = core.queue.runner.run

    def held(job_id: int) -> None:
        gate.wait(60)
        real_run(job_id)

    core.queue.runner.run = held
    try:
        site.add_department("甲局")
        site.add_department("乙局")
        a = site.add_account("jia", "department", "甲局")
        b = site.add_account("yi", "department", "乙局")
        first = upload(a, site.departments["甲局"], example(tmp_path, "000"))
        second = upload(b, site.departments["乙局"], example(tmp_path, "002"))
        assert first.url.path.startswith("/checks/") and second.url.path.startswith("/checks/")
        assert "排队等待：前面还有0项检查任务（共1项在排队）" in second.text, second.text
        assert a.get(second.url.path).status_code == 404  # another department's check
        gate.set()
        for client, response in ((a, first), (b, second)):
            for _ in range(600):  # bounded: until the page turns into the version
                page = client.get(response.url.path)
                if page.url.path.startswith("/versions/"):
                    break
                time.sleep(0.1)
            assert page.url.path.startswith("/versions/"), page.text
            assert client.get(response.url.path).url.path == page.url.path  # the same version, made once
        with core.Session() as db:
            assert db.query(Version).count() == 2
    finally:
        gate.set()
        site.close()


# generator/build.py TOC_UNNUMBERED: the DOCX 目录 has no page numbers (LibreOffice installed, no layout)
TOC_TEXT = (
    "DOCX 的目录没有页码：LibreOffice 未能完成排版（文件很长、机器繁忙或 LibreOffice 出错）。"
    "DOCX 其余内容完整；请稍后重新生成，以得到目录页码。"
)


def test_a_build_job_carries_the_notices_to_its_result_and_its_build(Session, tmp_path: Path) -> None:
    """The worker's outcome → the job's result ("notices") → the build row, which the pages show."""
    from concurrent.futures import Future

    from generator.web.db import Build
    from generator.workers import BuildJob, BuildOutcome

    class Pool:  # what the warm pool returns for a department whose DOCX 目录 got no numbers
        def submit(self, job: BuildJob, on_progress=None) -> Future[BuildOutcome]:
            files = [job.out_dir / f"{job.stem}.{fmt}" for fmt in job.formats]
            for path in files:
                path.write_bytes(path.suffix.encode())
            future: Future[BuildOutcome] = Future()
            future.set_result(BuildOutcome(job, True, files, 32, 1.5, department="乙局", notices=[TOC_TEXT]))
            return future

    (tmp_path / "tmp").mkdir()
    store = Store(tmp_path / "files")
    r = Runner(Session, store, tmp_path / "tmp", Pool, check_timeout=60, job_memory=None)  # type: ignore[arg-type]
    sha = store.put(b"workbook")
    with Session.begin() as db:
        dept, account = Department(name="乙局"), Account(username="b-user", password_hash="x", role="department")
        db.add_all([dept, account])
        db.flush()
        version = Version(department_id=dept.id, uploader_id=account.id, original_name="b.xlsx", size=8, sha256=sha)
        db.add(version)
        db.flush()
        build = Build(version_id=version.id, requested_by=account.id, state="queued")
        db.add(build)
        db.flush()
        job = Job(kind="build", build_id=build.id, spec_json=f'{{"inputs": {{"workbook": "{sha}"}}}}')
        db.add(job)
        db.flush()
        job_id, build_id = job.id, build.id
    r.run(job_id)
    with Session() as db:
        row, b = db.get(Job, job_id), db.get(Build, build_id)
        assert row.state == "done", row.error
        assert json.loads(row.result_json)["notices"] == [TOC_TEXT]
        assert (b.state, b.pages, b.notices, b.notice_list) == ("done", 32, TOC_TEXT, [TOC_TEXT])


def test_a_queued_batch_outcome_carries_the_notices(tmp_path: Path) -> None:
    """`disclosure build FOLDER` under DISCLOSURE_ENGINE=procrastinate reads the notices from the job's result."""
    from types import SimpleNamespace

    from generator.jobqueue.batch import _follow
    from generator.workers import BuildJob, OutputClaims

    result = {
        "files": {"docx": "d", "pdf": "p"},
        "names": {"docx": "乙局.docx", "pdf": "乙局.pdf"},
        "department": "乙局",
        "warnings": [],
        "pages": 32,
        "notices": [TOC_TEXT],
    }
    view = SimpleNamespace(position=None, stage="已完成", finished=True, state="done", result=result, error=None)
    queue = SimpleNamespace(view=lambda _id: view)
    store = SimpleNamespace(read=lambda sha: sha.encode())
    job = BuildJob(tmp_path / "乙局.xlsx", tmp_path / "out", label="乙局")
    outcome = _follow(queue, store, 1, job, OutputClaims(), lambda _label: lambda _text: None)
    assert outcome.ok and outcome.notices == [TOC_TEXT] and outcome.pages == 32
    assert (tmp_path / "out" / "乙局.docx").read_bytes() == b"d"
