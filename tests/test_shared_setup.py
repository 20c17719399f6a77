"""What several machines must share besides files: the imported 科目 catalogs (kept centrally with a
shared store) and the installed formats (the same on every machine, checked per job).

Two data folders stand for two machines; a SQLite database file stands for the PostgreSQL they
share (the mechanism is the same; tests/test_jobqueue_distributed.py runs it on PostgreSQL and S3).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from generator.catalog import IMPORTED, SHIPPED
from generator.cli import main
from generator.formats import registry
from generator.jobqueue.catalogs import CentralCatalogs
from generator.jobqueue.runner import FORMATS_PARAM, Runner, formats_differ
from generator.jobqueue.setup import make_store
from generator.pipeline import run
from generator.web.db import Job, make_engine, migrate, sessions
from generator.web.settings import Settings
from tests.test_catalog_import import ADDED, catalog_2027, workbook, write_xlsx


@pytest.fixture
def machines(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    monkeypatch.setenv("DISCLOSURE_STORE", "database")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'shared.sqlite3'}")
    return tmp_path / "web", tmp_path / "worker"


def central(data: Path) -> CentralCatalogs:
    settings = Settings.from_env(data)
    settings.prepare()
    engine = make_engine(settings.url)
    migrate(engine)
    return CentralCatalogs(sessions(engine), make_store(settings, engine), settings.data_dir)


def test_a_catalog_imported_on_one_machine_is_used_on_another(
    machines: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    web, worker = machines
    source = write_xlsx(tmp_path / "2027年科目.xlsx", catalog_2027())
    assert main(["catalog", "import", str(source), "--year", "2027", "--data", str(web), "--by", "测试"]) == 0
    assert "各服务器共用的存储" in capsys.readouterr().out
    assert not (web / "catalogs").exists()  # nothing only this machine would see

    catalogs = central(worker).source()
    catalog = catalogs.resolve(2027)
    assert catalog.function_origin.source == IMPORTED and "由 测试 导入" in catalog.function_origin.detail
    assert catalog.functions[ADDED[0]] == ADDED[1]
    assert catalog.econ_origin.source == SHIPPED  # only the 支出功能分类 was imported
    result = run(workbook(tmp_path, 2027, ADDED[0]), catalogs)  # the new code, on the other machine
    assert not [i for i in result.issues if i.is_error], result.issues

    assert main(["catalog", "list", "--data", str(worker)]) == 0
    assert "2027年 支出功能分类：财政局导入，" in capsys.readouterr().out


def test_a_new_import_replaces_the_central_table_everywhere(machines: tuple[Path, Path], tmp_path: Path) -> None:
    web, worker = machines
    first = write_xlsx(tmp_path / "first.xlsx", catalog_2027())
    assert main(["catalog", "import", str(first), "--year", "2027", "--data", str(web), "--by", "甲"]) == 0
    reader = central(worker)
    assert ADDED[0] in reader.source().resolve(2027).functions
    changed = catalog_2027()
    del changed[ADDED[0]]
    second = write_xlsx(tmp_path / "second.xlsx", changed)
    assert main(["catalog", "import", str(second), "--year", "2027", "--data", str(web), "--by", "乙"]) == 0
    again = reader.source().resolve(2027)  # the same process: its mirror is brought up to date
    assert ADDED[0] not in again.functions and "由 乙 导入" in again.function_origin.detail


def test_the_folder_store_keeps_catalogs_in_the_data_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The embedded default is unchanged: no database involved, `<data>/catalogs/`."""
    monkeypatch.delenv("DISCLOSURE_STORE", raising=False)
    source = write_xlsx(tmp_path / "2027年科目.xlsx", catalog_2027())
    assert main(["catalog", "import", str(source), "--year", "2027", "--data", str(tmp_path / "d")]) == 0
    assert (tmp_path / "d" / "catalogs" / "2027" / "function.csv").is_file()
    assert not (tmp_path / "d" / "disclosure.sqlite3").exists()


# --- formats ------------------------------------------------------------------------------------


def test_same_formats_pass() -> None:
    assert formats_differ(registry.fingerprints(), "w:1") is None
    assert formats_differ(None, "w:1") is None  # the embedded engine: one machine


def test_a_missing_an_extra_and_a_changed_format_are_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    web = registry.fingerprints()
    web["henan-2027"] = "0" * 64  # only the web server has it
    bureau = tmp_path / "formats"
    shutil.copytree(registry.SHIPPED / "shanghai-putuo", bureau / "shanghai-putuo")  # replaces the shipped one…
    (bureau / "shanghai-putuo" / "format.yaml").write_text(
        (bureau / "shanghai-putuo" / "format.yaml").read_text(encoding="utf-8") + "\n# 本机修改\n", encoding="utf-8"
    )  # …in another version
    shutil.copytree(registry.SHIPPED / "xinjiang-2023", bureau / "local-only")  # and one the web server lacks
    monkeypatch.setenv(registry.ENV, str(bureau))
    said = formats_differ(web, "worker-2:4242")
    assert said is not None
    assert "工作服务器（worker-2:4242）" in said
    assert "缺少格式 henan-2027" in said
    assert "格式 shanghai-putuo 的文件与网页服务器上的不同" in said
    assert "多出网页服务器上没有的格式 local-only" in said
    assert "未写入任何文件" in said and "DISCLOSURE_FORMATS" in said


def test_a_worker_with_other_formats_fails_the_job_without_running_it(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    migrate(engine)
    Session = sessions(engine)
    (tmp_path / "tmp").mkdir()
    settings = Settings(data_dir=tmp_path)
    store = make_store(settings, engine)
    sha = store.put(b"not even a workbook: the job must not get as far as reading it")
    expected = {**registry.fingerprints(), "henan-2027": "0" * 64}
    spec = {"inputs": {"workbook": sha}, "params": {"original": "a.xlsx", FORMATS_PARAM: expected}}
    with Session.begin() as db:
        row = Job(kind="check", state="queued", spec_json=json.dumps(spec))
        db.add(row)
        db.flush()
        job_id = row.id
    runner = Runner(Session, store, tmp_path / "tmp", lambda: None, check_timeout=60, job_memory=None)  # type: ignore[arg-type, return-value]
    runner.run(job_id)
    with Session() as db:
        row = db.get(Job, job_id)
        assert row.state == "failed" and "缺少格式 henan-2027" in row.error
        assert row.result_json is None
    engine.dispose()
