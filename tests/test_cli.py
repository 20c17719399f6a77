"""The `disclosure` command as an officer uses it: new, check, prepare, dump."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

from generator.cli import main
from generator.workbook import schema
from generator.workbook.reader import read_workbook
from generator.workbook.template import write_workbook
from tests.conftest import ROOT, example_data


def test_new_then_check_blank_fails_with_located_chinese_messages(tmp_path: Path, capsys) -> None:
    wb = tmp_path / "空白.xlsx"
    assert main(["new", str(wb)]) == 0
    assert wb.exists()
    capsys.readouterr()
    assert main(["check", str(wb)]) == 1
    out = capsys.readouterr().out
    assert "Traceback" not in out
    assert "空白.xlsx:基本信息!B2: 错误：" in out  # 单位全称 is the first required field
    assert "发现" in out and "个错误" in out


def test_new_refuses_to_overwrite(tmp_path: Path, capsys) -> None:
    wb = tmp_path / "a.xlsx"
    wb.write_bytes(b"keep me")
    assert main(["new", str(wb)]) == 1
    assert wb.read_bytes() == b"keep me"
    assert "已存在" in capsys.readouterr().err


def test_check_json_lists_issues_with_locations(tmp_path: Path, capsys) -> None:
    wb = tmp_path / "b.xlsx"
    main(["new", str(wb)])
    capsys.readouterr()
    assert main(["check", "--json", str(wb)]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["errors"] >= 1
    first = report["issues"][0]
    assert {"code", "severity", "message", "sheet", "cell", "location"} <= set(first)
    assert first["location"] == f"{first['sheet']}!{first['cell']}"


@pytest.mark.parametrize("name", ["000", "002", "101", "102", "103", "104", "105", "201"])
def test_examples_in_inputs_pass(name: str, capsys) -> None:
    workbook = next((ROOT / "inputs").glob(f"{name}-*.xlsx"))
    assert main(["check", str(workbook)]) == 0
    assert "检查通过" in capsys.readouterr().out


def test_committed_examples_match_their_json_sources(tmp_path: Path) -> None:
    """inputs/*.xlsx are built from examples/*.json; `make examples` keeps them in sync."""
    for name in ("000", "002", "101", "102", "103", "104", "105", "201"):
        committed = next((ROOT / "inputs").glob(f"{name}-*.xlsx"))
        fresh = tmp_path / f"{name}.xlsx"
        write_workbook(fresh, example_data(name))
        a, _ = read_workbook(committed)
        b, _ = read_workbook(fresh)
        assert a is not None and b is not None
        assert a.kv == {s: {k: v for k, v in d.items()} for s, d in b.kv.items()}
        assert a.lists == b.lists


def test_dump_writes_every_table_row_and_sentence(example_paths: dict[str, Path], disclosures, tmp_path: Path) -> None:
    out = tmp_path / "000.json"
    assert main(["dump", str(example_paths["000"]), "-o", str(out)]) == 0
    data = json.loads(out.read_text(encoding="utf-8"))
    d = disclosures["000"]
    assert [len(t["rows"]) for t in data["tables"]] == [len(t.rows) for t in d.tables]
    assert data["tables"][0]["rows"][-1]["cells"][1] == "1223.12"
    texts = [p["text"] for s in data["sections"] for p in s["paragraphs"]]
    texts += [p["text"] for s in data["sections"] for sub in s["subsections"] for p in sub["paragraphs"]]
    assert len(data["sections"]) == 11
    assert any("收支总预算1223.12万元" in t for t in texts)
    assert len(data["performance_tables"]) == len(d.performance_tables)


def test_dump_refuses_on_errors_and_writes_nothing(tmp_path: Path) -> None:
    wb = tmp_path / "c.xlsx"
    main(["new", str(wb)])
    out = tmp_path / "out.json"
    assert main(["dump", str(wb), "-o", str(out)]) == 1
    assert not out.exists()


def test_prepare_adds_the_rows_the_document_needs(tmp_path: Path, capsys) -> None:
    data = example_data("002")
    data[schema.SHEET_PRIOR] = []
    data[schema.SHEET_USES] = []
    wb = tmp_path / "d.xlsx"
    write_workbook(wb, data)
    before = hashlib.sha256(wb.read_bytes()).hexdigest()
    assert main(["check", str(wb)]) == 1
    out = tmp_path / "d-补全.xlsx"
    assert main(["prepare", str(wb), "-o", str(out)]) == 0
    assert hashlib.sha256(wb.read_bytes()).hexdigest() == before  # -o leaves the original untouched
    raw, _issues = read_workbook(out)
    assert raw is not None
    keys = [r.cells["key"].value for r in raw.lists[schema.SHEET_PRIOR]]
    assert "收入：一般公共预算" in keys
    assert "一般公共预算项：2011301 行政运行" in keys
    assert "三公：公务接待费" in keys
    uses = [r.cells["class_code"].value for r in raw.lists[schema.SHEET_USES]]
    assert uses == ["201", "208", "210", "215", "221"]
    capsys.readouterr()
    # Now every remaining error is a blank figure or text in one of the added rows.
    main(["check", "--json", str(out)])
    report = json.loads(capsys.readouterr().out)
    assert {i["code"] for i in report["issues"] if i["severity"] == "error"} <= {
        "prior-amount-missing",
        "missing-required",
        "class-use-missing",
    }


def test_prepare_in_place_keeps_a_backup(tmp_path: Path) -> None:
    data = example_data("000")
    data[schema.SHEET_USES] = []
    wb = tmp_path / "e.xlsx"
    write_workbook(wb, data)
    original = wb.read_bytes()
    assert main(["prepare", str(wb)]) == 0
    assert (tmp_path / "e.备份.xlsx").read_bytes() == original
    raw, _ = read_workbook(wb)
    assert raw is not None and len(raw.lists[schema.SHEET_USES]) == 4


def test_console_entry_point_runs_without_traceback(tmp_path: Path) -> None:
    garbage = tmp_path / "x.xlsx"
    garbage.write_bytes(b"\x00\x01 not a workbook")
    proc = subprocess.run(
        [sys.executable, "-m", "generator.cli", "check", str(garbage)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 1
    assert "Traceback" not in proc.stdout + proc.stderr
    assert "x.xlsx" in proc.stdout


def test_outputs_get_normal_permissions(example_paths: dict[str, Path], tmp_path: Path) -> None:
    import os

    out = tmp_path / "p.json"
    assert main(["dump", str(example_paths["002"]), "-o", str(out)]) == 0
    umask = os.umask(0)
    os.umask(umask)
    assert out.stat().st_mode & 0o777 == 0o666 & ~umask
    assert not list(tmp_path.glob(".*.tmp"))  # no temporary file left behind


def test_build_says_when_the_docx_toc_has_no_page_numbers(
    example_paths: dict[str, Path], tmp_path: Path, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without LibreOffice the DOCX is still written, and the officer is told, in Chinese, that its
    目录 has no page numbers and which command installs LibreOffice (issue 18 §4)."""
    from generator.render import office

    monkeypatch.setattr(office, "soffice", lambda: None)
    assert main(["build", str(example_paths["002"]), "-o", str(tmp_path), "--format", "docx"]) == 0
    err = capsys.readouterr().err
    assert "注意：本机没有安装 LibreOffice，DOCX 的目录没有页码" in err
    assert office.INSTALL_COMMAND in err and "sudo scripts/ensure-system-packages.sh" in err
    assert list(tmp_path.glob("*.docx"))


def test_build_says_when_libreoffice_gave_no_layout(
    example_paths: dict[str, Path], tmp_path: Path, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    """LibreOffice installed but failing (or out of time on a very long document on a busy machine):
    the DOCX is written without 目录 numbers and the officer is told so and what to do; nothing is said
    about installing LibreOffice."""
    from generator.render import office

    monkeypatch.setattr(office, "paginate", lambda *args, **kwargs: None)
    assert main(["build", str(example_paths["002"]), "-o", str(tmp_path), "--format", "docx"]) == 0
    err = capsys.readouterr().err
    assert "注意：DOCX 的目录没有页码：LibreOffice 未能完成排版" in err
    assert "请稍后重新生成" in err and office.INSTALL_COMMAND not in err
    assert list(tmp_path.glob("*.docx"))


def test_libreoffice_gets_more_time_for_a_longer_document(disclosures) -> None:
    """A fixed two minutes timed the layout of a 1,000-project DOCX out under load (its 目录 lost its
    numbers without a word): the time grows by PAGE_SECONDS for each page the document will about have,
    a 绩效目标表 counting one."""
    from generator.render import office

    d = disclosures["002"]
    base = office.office_seconds(d)
    assert base > office.REQUEST_SECONDS
    longer = d.model_copy(update={"performance_tables": d.performance_tables * 101})
    assert office.office_seconds(longer) - base == pytest.approx(100 * len(d.performance_tables) * office.PAGE_SECONDS)


def test_build_says_nothing_about_libreoffice_when_it_is_there_or_not_needed(
    example_paths: dict[str, Path], tmp_path: Path, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    from generator.render import office

    monkeypatch.setattr(office, "soffice", lambda: None)
    assert main(["build", str(example_paths["002"]), "-o", str(tmp_path), "--format", "html"]) == 0
    assert "LibreOffice" not in capsys.readouterr().err
    monkeypatch.setattr(office, "soffice", lambda: "/usr/bin/soffice")
    assert office.missing_notice() is None
