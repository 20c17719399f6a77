"""The content store's contract, passed by every backend: the folder, the database (SQLite and
PostgreSQL) and an S3-API object store (moto's server on loopback).

put/get/exists, content addressing, one object per content whoever writes it, no half-written
object visible after a writer is SIGKILLed mid-put, delete (for the retention of refused uploads).
"""

from __future__ import annotations

import hashlib
import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from generator.jobqueue.setup import make_store
from generator.web.db import make_engine, migrate
from generator.web.settings import Settings
from tests.pg_cluster import cluster, pg_bin
from tests.s3_server import s3_server

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
# FIPS 180-2, appendix B.1: SHA-256("abc")
ABC = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
BIG = 48 * 1024 * 1024  # large enough that a put takes a while on loopback


@pytest.fixture(scope="module", params=["files", "database-sqlite", "database-postgresql", "s3"])
def backend(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    """Settings naming one backend; a process given the same settings reaches the same store."""
    data = tmp_path_factory.mktemp(request.param)
    settings = Settings(data_dir=data)
    if request.param == "files":
        yield settings
    elif request.param == "database-sqlite":
        settings.store = "database"
        yield settings
    elif request.param == "database-postgresql":
        if pg_bin() is None:
            pytest.skip("PostgreSQL binaries (Debian package postgresql) are not installed")
        with cluster() as url:
            settings.store, settings.database_url = "database", url
            yield settings
    else:
        with s3_server() as s3:
            settings.store, settings.s3 = "s3", s3
            yield settings


@pytest.fixture(scope="module")
def store(backend: Settings):  # type: ignore[no-untyped-def]
    backend.prepare()
    engine = make_engine(backend.url)
    migrate(engine)
    yield make_store(backend, engine)
    engine.dispose()


def env_of(settings: Settings) -> dict[str, str]:
    env = dict(
        os.environ, PYTHONPATH=str(ROOT), DISCLOSURE_DATA=str(settings.data_dir), DISCLOSURE_STORE=settings.store
    )
    if settings.database_url:
        env["DATABASE_URL"] = settings.database_url
    for key, value in settings.s3.items():
        env[f"DISCLOSURE_S3_{key.upper()}"] = value
    return env


def test_put_read_exists_by_content(store) -> None:  # type: ignore[no-untyped-def]
    sha = store.put(b"abc")
    assert sha == ABC
    assert store.read(ABC) == b"abc" and store.exists(ABC)
    assert store.put(b"abc") == ABC  # a second writer of the same bytes changes nothing
    assert store.read(ABC) == b"abc"


def test_put_file_names_the_file_by_its_bytes(store, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "任意名称.xlsx"
    path.write_bytes(b"abc")
    assert store.put_file(path) == ABC


def test_unknown_and_malformed_names(store) -> None:  # type: ignore[no-untyped-def]
    assert not store.exists("0" * 64)
    assert not store.exists("../../etc/passwd") and not store.exists(None) and not store.exists("")
    with pytest.raises(FileNotFoundError):
        store.read("0" * 64)
    with pytest.raises(ValueError):
        store.read("../../etc/passwd")


def test_simultaneous_writers_of_the_same_bytes(store) -> None:  # type: ignore[no-untyped-def]
    data = b"the same workbook uploaded twice at once " * 1000
    expected = hashlib.sha256(data).hexdigest()
    found: list[str] = []
    errors: list[BaseException] = []

    def put() -> None:
        try:
            found.append(store.put(data))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=put) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and found == [expected] * 6
    assert store.read(expected) == data


def test_delete(store) -> None:  # type: ignore[no-untyped-def]
    sha = store.put(b"a refused upload")
    store.delete(sha)
    assert not store.exists(sha)
    store.delete(sha)  # twice (two collectors): nothing to do
    with pytest.raises(FileNotFoundError):
        store.read(sha)


WRITER = """
import hashlib, random, sys, time
from generator.jobqueue.setup import make_store
from generator.web.db import make_engine
from generator.web.settings import Settings
s = Settings.from_env()
s.prepare()
store = make_store(s, make_engine(s.url))
data = random.Random(int(sys.argv[1])).randbytes(int(sys.argv[2]))
t = time.monotonic()
hashlib.sha256(data)  # how long put's own hashing takes here: the parent kills after it, while writing
print("start", time.monotonic() - t, flush=True)
store.put(data)
print("done", flush=True)
"""


def test_a_writer_killed_mid_put_leaves_nothing_visible(backend: Settings, store) -> None:  # type: ignore[no-untyped-def]
    """SIGKILL a process while it puts 48 MB: the object is absent (never partly there)."""
    killed_mid_put = 0
    for seed, delay in enumerate((0.005, 0.02, 0.08)):
        data = random.Random(seed).randbytes(BIG)
        sha = hashlib.sha256(data).hexdigest()
        proc = subprocess.Popen(
            [sys.executable, "-c", WRITER, str(seed), str(BIG)],
            env=env_of(backend),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        assert proc.stdout is not None
        line = proc.stdout.readline().split()
        assert line and line[0] == b"start", proc.stderr.read() if proc.stderr else ""
        time.sleep(float(line[1]) + delay)
        proc.send_signal(signal.SIGKILL)
        rest = proc.stdout.read()
        proc.wait()
        if b"done" in rest:
            assert store.read(sha) == data  # finished before the kill: all of it
            continue
        killed_mid_put += 1
        assert not store.exists(sha), "a killed writer's object is visible"
        with pytest.raises(FileNotFoundError):
            store.read(sha)
        if backend.store == "files":  # only the writer's own temporary file may be left, never under the name
            assert not (backend.data_dir / "files" / sha[:2] / sha).exists()
        del data
    assert killed_mid_put, "every writer finished before it was killed: the test proved nothing"


@pytest.mark.parametrize("backend", ["s3"], indirect=True)  # the folder and database stores have no other writer
def test_s3_refuses_a_damaged_object(backend: Settings, store) -> None:  # type: ignore[no-untyped-def]
    """An object whose bytes are not its name's (damaged, or written by something else) is not handed out."""
    sha = hashlib.sha256(b"the real bytes").hexdigest()
    store.client.put_object(Bucket=store.bucket, Key=store.key(sha), Body=b"other bytes")
    with pytest.raises(OSError, match="does not match"):
        store.read(sha)


def test_s3_settings_are_required() -> None:
    settings = Settings(store="s3")
    with pytest.raises(SystemExit, match="DISCLOSURE_S3_BUCKET"):
        make_store(settings, None)  # type: ignore[arg-type]


# --- retention of refused uploads (generator/jobqueue/retention.py), on every backend -----------


def test_refused_uploads_are_collected_after_the_retention_period(backend: Settings, store) -> None:  # type: ignore[no-untyped-def]
    import datetime as dt
    import json

    from generator.jobqueue.retention import collect
    from generator.web.db import JOB_DONE, JOB_FAILED, JOB_QUEUED, Job, sessions

    engine = make_engine(backend.url)
    Session = sessions(engine)
    now = dt.datetime(2026, 12, 20, 12, 0)
    ago = lambda days: now - dt.timedelta(days=days)  # noqa: E731
    tag = backend.store + str(backend.data_dir)  # distinct bytes per backend run
    shas = {name: store.put(f"{tag} {name}".encode()) for name in "ABCDEFGH"}

    def job(kind: str, state: str, finished: dt.datetime | None, inputs: dict, result: dict | None, **kw) -> int:  # type: ignore[no-untyped-def]
        with Session.begin() as db:
            row = Job(
                kind=kind,
                state=state,
                finished_at=finished,
                spec_json=json.dumps({"kind": kind, "inputs": inputs, "params": {}}),
                result_json=json.dumps(result) if result is not None else None,
                **kw,
            )
            db.add(row)
            db.flush()
            return row.id

    refused = {"refused": ["不是 Excel 工作簿"]}
    old_refused = job("check", JOB_DONE, ago(10), {"workbook": shas["A"]}, refused)
    job("check", JOB_FAILED, ago(8), {"workbook": shas["B"]}, None)  # failed for good (e.g. interrupted 3 times)
    job("check", JOB_DONE, ago(2), {"workbook": shas["C"]}, refused)  # still within the 7 days
    job("check", JOB_DONE, ago(10), {"workbook": shas["D"]}, refused)
    job("check", JOB_QUEUED, None, {"workbook": shas["D"]}, None)  # the same bytes uploaded again, waiting
    job("build", JOB_DONE, ago(9), {"workbook": shas["E"]}, {"files": {"pdf": shas["F"]}})  # `disclosure build`
    job("check", JOB_DONE, ago(30), {"workbook": shas["G"]}, {"annotated": shas["H"], "issues": []})  # accepted

    assert collect(Session, store, keep_days=7, now=now) == 4
    gone = {n for n, sha in shas.items() if not store.exists(sha)}
    assert gone == {"A", "B", "E", "F"}
    with Session() as db:
        row = db.get(Job, old_refused)
        assert row is not None
        assert json.loads(row.result_json) == {**refused, "collected": "2026-12-20"}  # its messages stay
    assert collect(Session, store, keep_days=7, now=now) == 0  # looked at once
    assert collect(Session, store, keep_days=7, now=now + dt.timedelta(days=6)) == 1  # C's turn
    assert not store.exists(shas["C"]) and store.exists(shas["D"]) and store.exists(shas["G"])
    engine.dispose()
