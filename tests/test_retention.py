"""Refused uploads in the web application: kept for the retention period, then collected; the
refusal page keeps its messages; an accepted version's file is never collected."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path

import pytest
from sqlalchemy import select

from generator.jobqueue.retention import collect
from generator.web.db import Job
from tests.web_helpers import example, make_site, upload, version_id

DEPT = "测试民政局"
NOT_A_WORKBOOK = b"this is not an Excel workbook at all"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory):
    site = make_site(tmp_path_factory.mktemp("web-retention") / "data")
    site.add_department(DEPT)
    site.add_account("minzheng", "department", DEPT)
    yield site
    site.close()


def test_a_refused_upload_is_kept_seven_days_then_collected(site, tmp_path: Path) -> None:
    core = site.app.state.core
    client = site.clients["minzheng"]
    dept = site.departments[DEPT]
    bad = tmp_path / "预算.xlsx"
    bad.write_bytes(NOT_A_WORKBOOK)
    r = upload(client, dept, bad)
    assert r.status_code == 422 and "无法读取上传的文件" in r.text
    sha = hashlib.sha256(NOT_A_WORKBOOK).hexdigest()
    assert core.store.exists(sha)  # stored before the check: the checker may be another machine

    good = example(tmp_path, "000")
    accepted = version_id(upload(client, dept, good))
    good_sha = hashlib.sha256(good.read_bytes()).hexdigest()

    with core.Session() as db:
        (job,) = db.scalars(select(Job).where(Job.kind == "check", Job.spec_json.contains(sha))).all()
        finished = job.finished_at
    assert core.settings.refused_keep_days == 7
    assert collect(core.Session, core.store, 7, now=finished + dt.timedelta(days=6)) == 0
    assert core.store.exists(sha)
    assert collect(core.Session, core.store, 7, now=finished + dt.timedelta(days=7, minutes=1)) == 1
    assert not core.store.exists(sha)
    assert core.store.exists(good_sha)  # the accepted upload's version keeps its file

    page = client.get(f"/checks/{job.id}")  # the officer's problem page still says why
    assert page.status_code == 422 and "无法读取上传的文件" in page.text
    with core.Session() as db:
        row = db.get(Job, job.id)
        assert json.loads(row.result_json)["collected"]
    assert client.get(f"/versions/{accepted}").status_code == 200


def test_the_same_bytes_accepted_later_are_kept(site, tmp_path: Path) -> None:
    """A refused check of a file whose bytes a version also holds (uploaded again, accepted) keeps them."""
    core = site.app.state.core
    client = site.clients["minzheng"]
    dept = site.departments[DEPT]
    path = example(tmp_path, "101")
    version_id(upload(client, dept, path))
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    with core.Session.begin() as db:  # an earlier check of the same bytes that was refused (e.g. timed out)
        db.add(
            Job(
                kind="check",
                department_id=dept,
                state="failed",
                error="检查超时",
                finished_at=dt.datetime(2026, 1, 1),
                spec_json=json.dumps({"kind": "check", "inputs": {"workbook": sha}, "params": {}}),
            )
        )
    assert collect(core.Session, core.store, 7) == 0
    assert core.store.exists(sha)
