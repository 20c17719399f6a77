"""Every command works for every format (issue 16 §3): the test-only third format (tests/data/formats/test-third),
installed through DISCLOSURE_FORMATS as a bureau would, through the `disclosure` command line: check, prepare, build
(DOCX, PDF, HTML), dump, diff and its redline, rollover and a batch build of two workbooks."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest

from generator.formats import registry
from generator.workbook import schema
from generator.workbook.template import write_workbook
from tests.conftest import ROOT, example_data
from tests.test_formats import FORMAT_CELL, FORMATS

pytestmark = pytest.mark.slow

NAME_000 = "昌吉州政务服务和公共资源交易管理局2023年预算（测试格式）"  # the format's file_name for example 000
OTHER = "其他需说明的事项"


def third_workbook(folder: Path, example: str, name: str = "", **info: object) -> Path:
    data = example_data(example)
    data[schema.SHEET_INFO].update({"格式": "test-third", **info})
    path = folder / f"{name or example}-test-third.xlsx"
    write_workbook(path, data)
    return path


def disclosure(*args: object, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), registry.ENV: str(FORMATS)}
    return subprocess.run(
        [sys.executable, "-m", "generator.cli", *map(str, args)],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )


def ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout + result.stderr


def test_check_prepare_and_dump(tmp_path: Path) -> None:
    wb = third_workbook(tmp_path, "000")
    said = ok(disclosure("check", wb, cwd=tmp_path))
    assert f"生成的文件名：{NAME_000}.docx、{NAME_000}.pdf" in said
    assert "检查通过" in said

    prepared = tmp_path / "prepared.xlsx"
    said = ok(disclosure("prepare", wb, "-o", prepared, cwd=tmp_path))
    assert "“上年对比”新增0行，“类用途说明”新增0行。" in said  # example 000 is complete for its sentences
    assert openpyxl.load_workbook(prepared)[schema.SHEET_INFO][FORMAT_CELL].value == "test-third"

    dumped = disclosure("dump", wb, "-o", "-", cwd=tmp_path)
    ok(dumped)
    dumped = json.loads(dumped.stdout)
    assert dumped["format_id"] == "test-third"
    assert dumped["file_stem"] == NAME_000
    assert [(t["label"], t["kind"]) for t in dumped["tables"]] == [
        ("表一", "三公经费"),
        ("", "支出总表"),  # 表二 has no label line (test-third)
        ("表三", "收支总表"),
        ("表四", "政府性基金支出"),
    ]


def test_build_docx_pdf_and_html(tmp_path: Path) -> None:
    wb = third_workbook(tmp_path, "000")
    out = tmp_path / "out"
    ok(disclosure("build", wb, "-o", out, "--format", "all", cwd=tmp_path))
    ok(disclosure("build", wb, "-o", out, "--format", "html", cwd=tmp_path))
    assert sorted(p.name for p in out.iterdir()) == [f"{NAME_000}.{ext}" for ext in ("docx", "html", "pdf")]
    # 表二 in 元: 000's 支出总表 合计 1223.12 万元 (examples/000-golden.md 行871)
    html = (out / f"{NAME_000}.html").read_text(encoding="utf-8")
    assert '<td class="n">12,231,200.00</td>' in html and "（三）2023年收支总体情况" in html
    text = subprocess.run(
        ["pdftotext", str(out / f"{NAME_000}.pdf"), "-"], check=True, capture_output=True, text=True
    ).stdout
    assert text.index("（三）2023年收支总体情况") < text.index("支出预算总表") < text.index("九、“三公”经费情况")
    with zipfile.ZipFile(out / f"{NAME_000}.docx") as z:
        body = z.read("word/document.xml").decode("utf-8")
    assert "九、“三公”经费情况" in body and "12,231,200.00" in body


def test_diff_and_redline(tmp_path: Path) -> None:
    old = third_workbook(tmp_path, "000")
    new = third_workbook(tmp_path, "000", "new", **{OTHER: "本部门2023年新设立政务服务评价中心。"})
    out = tmp_path / "diff"
    said = ok(disclosure("diff", old, new, "-o", out, cwd=tmp_path))
    assert "本部门2023年新设立政务服务评价中心。" in said
    redline = out / "修订稿（修订模式）.docx"
    with zipfile.ZipFile(redline) as z:
        body = z.read("word/document.xml").decode("utf-8")
    assert "新设立政务服务评价中心</w:t></w:r></w:ins>" in body  # a tracked insertion
    assert "九、“三公”经费情况" in body  # the redline is the test-third document
    as_json = disclosure("diff", old, new, "-o", out, "--json", cwd=tmp_path)
    ok(as_json)
    assert "本部门2023年新设立政务服务评价中心。" in json.dumps(json.loads(as_json.stdout), ensure_ascii=False)


def test_rollover_keeps_the_format(tmp_path: Path) -> None:
    wb = third_workbook(tmp_path, "000")
    nxt = tmp_path / "2024.xlsx"
    said = ok(disclosure("rollover", wb, nxt, cwd=tmp_path))
    assert "已生成2024年工作簿" in said
    info = openpyxl.load_workbook(nxt)[schema.SHEET_INFO]
    assert info[FORMAT_CELL].value == "test-third"
    checked = disclosure("check", nxt, cwd=tmp_path)
    assert "昌吉州政务服务和公共资源交易管理局2024年预算（测试格式）.docx" in checked.stdout


def test_batch_build_of_a_folder(tmp_path: Path) -> None:
    folder = tmp_path / "workbooks"
    folder.mkdir()
    third_workbook(folder, "000")
    third_workbook(folder, "002")
    out = tmp_path / "out"
    ok(disclosure("build", folder, "-o", out, "-j", "2", cwd=tmp_path))
    built = sorted(p.name for p in out.iterdir())
    assert len(built) == 4 and all(name.endswith(("（测试格式）.docx", "（测试格式）.pdf")) for name in built)
    assert f"{NAME_000}.pdf" in built
