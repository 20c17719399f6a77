"""Batch `disclosure build`: several workbooks or a folder, one summary, one failure stops nothing."""

from __future__ import annotations

import io
import shutil
from concurrent.futures import Future
from pathlib import Path

import pytest
from pypdf import PdfReader

from generator.batch import Progress, collect_workbooks, display_width, summary
from generator.build import TOC_UNNUMBERED
from generator.cli import main
from generator.workers import BuildJob, BuildOutcome, WorkerPool, usable_cores
from tests.office import failing_office

pytestmark = pytest.mark.slow

STEMS = {"000": "昌吉州政务服务和公共资源交易管理局2023年部门预算公开", "002": "昌吉州工业和信息化局2023年部门预算公开"}


@pytest.fixture
def folder(example_paths: dict[str, Path], tmp_path: Path) -> Path:
    folder = tmp_path / "工作簿"
    folder.mkdir()
    for name, path in example_paths.items():
        shutil.copy(path, folder / f"{name}.xlsx")
    (folder / "~$000.xlsx").write_bytes(b"Excel lock file")  # ignored
    (folder / "说明.txt").write_text("not a workbook", encoding="utf-8")  # ignored
    return folder


def test_folder_builds_every_department(folder: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "out"
    assert main(["build", str(folder), "-o", str(out), "-j", "2"]) == 0
    assert sorted(p.name for p in out.iterdir()) == sorted(f"{s}.{x}" for s in STEMS.values() for x in ("docx", "pdf"))
    captured = capsys.readouterr()
    assert "已完成" not in captured.err  # no progress bar when stderr is not a terminal
    lines = captured.out.splitlines()
    assert lines[0].split() == ["单位（工作簿）", "结果", "页数", "用时（秒）", "首个错误"]
    row = next(line for line in lines if "昌吉州工业和信息化局（002.xlsx）" in line)
    pdf = out / f"{STEMS['002']}.pdf"
    assert row.split()[1:3] == ["成功", str(len(PdfReader(pdf).pages))]  # the pages of the published PDF
    assert "共 2 个工作簿：成功 2 个，失败 0 个。" in captured.out
    # example 002 has one warning (the reference's 指标值 “意见被采纳的情况”), shown after the table;
    # 000 has none since issue 18 §5 (its 离休费 0.50 is 退休费)
    assert "002.xlsx：1 个警告，如 绩效指标!E41: 警告：指标值“意见被采纳的情况”" in captured.out
    assert "000.xlsx：" not in captured.out


def test_one_failure_stops_nothing_and_exits_1(folder: Path, tmp_path: Path, capsys) -> None:
    (folder / "坏.xlsx").write_bytes(b"not a workbook")
    out = tmp_path / "out"
    assert main(["build", str(folder), "-o", str(out)]) == 1
    assert len(list(out.iterdir())) == 4
    text = capsys.readouterr().out
    row = next(line for line in text.splitlines() if line.startswith("坏"))
    assert row.split()[1] == "失败" and "坏.xlsx" in row and "错误" in row
    assert "共 3 个工作簿：成功 2 个，失败 1 个。" in text


def test_two_workbooks_mapping_to_one_file(example_paths: dict[str, Path], tmp_path: Path, capsys) -> None:
    first, second = tmp_path / "第一版.xlsx", tmp_path / "第二版.xlsx"
    shutil.copy(example_paths["000"], first)
    shutil.copy(example_paths["000"], second)
    out = tmp_path / "out"
    assert main(["build", str(first), str(second), "-o", str(out)]) == 1
    text = capsys.readouterr().out
    assert "第一版.xlsx" in text and "第二版.xlsx" in text and "生成的文件名相同" in text
    assert f"{STEMS['000']}.docx" in text
    assert sorted(p.name for p in out.iterdir()) == [f"{STEMS['000']}.docx", f"{STEMS['000']}.pdf"]


def test_missing_path_is_reported_and_others_built(example_paths: dict[str, Path], tmp_path: Path, capsys) -> None:
    out = tmp_path / "out"
    code = main(["build", str(example_paths["002"]), str(tmp_path / "没有.xlsx"), "--format", "docx", "-o", str(out)])
    assert code == 1
    assert "找不到文件或文件夹" in capsys.readouterr().err
    assert [p.name for p in out.iterdir()] == [f"{STEMS['002']}.docx"]


def test_collect_workbooks_lists_each_once(folder: Path) -> None:
    found, problems = collect_workbooks([folder, folder / "000.xlsx", folder])
    assert [p.name for p in found] == ["000.xlsx", "002.xlsx"] and problems == []
    empty = folder / "空"
    empty.mkdir()
    assert collect_workbooks([empty]) == ([], [f"文件夹 {empty} 中没有 .xlsx 工作簿。"])


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def outcome(
    name: str, ok: bool, pages: int | None = None, error: str | None = None, notices: list[str] | None = None
) -> BuildOutcome:
    job = BuildJob(Path(f"{name}.xlsx"), Path("out"), label=name)
    return BuildOutcome(job, ok, [], pages, 1.25, [], error, notices=notices or [])


def test_progress_line_on_a_terminal() -> None:
    term = Terminal()
    progress = Progress(3, term, enabled=term.isatty())
    progress.stage_callback("甲")("生成 PDF")
    assert "已完成 0/3" in term.getvalue() and "甲：生成 PDF" in term.getvalue()
    future: Future[BuildOutcome] = Future()
    future.set_result(outcome("甲", False, error="x"))
    progress.done("甲", future)
    assert "已完成 1/3，失败 1" in progress.line() and "甲：" not in progress.line()
    assert progress.line().startswith("██████░")


def test_summary_aligns_chinese_columns() -> None:
    text = summary([outcome("财政局", True, 26), outcome("教育局附属单位", False, error="错误：" + "很长" * 50)])
    lines = text.splitlines()
    starts = [
        display_width(line[: line.index(word)]) for line, word in zip(lines, ("结果", "", "成功", "失败"), strict=False)
    ]
    assert starts[0] == starts[2] == starts[3] > display_width("教育局附属单位")
    assert lines[3].endswith("…")
    assert "失败原因：" in text and ("很长" * 50) in text


# The notice the officer gets when LibreOffice is installed but gives no layout: generator/build.py TOC_UNNUMBERED.
TOC_TEXT = "DOCX 的目录没有页码：LibreOffice 未能完成排版"


def test_summary_lists_the_notices_of_each_department() -> None:
    text = summary(
        [outcome("财政局", True, 26, notices=["甲通知", "乙通知"]), outcome("教育局", True, 20), outcome("坏", False)]
    )
    part = text[text.index("已生成，但请注意：") :].splitlines()
    assert part[1:3] == ["- 财政局：甲通知", "- 财政局：乙通知"]
    assert "教育局：" not in text
    assert "已生成，但请注意" not in summary([outcome("财政局", True, 26)])


def test_batch_says_which_docx_toc_has_no_page_numbers(
    folder: Path, tmp_path: Path, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    """LibreOffice installed but failing in the pool's workers (a `soffice` that exits 1): every DOCX is still
    written, with a 目录 without page numbers, and the summary says so for each department, in Chinese."""
    out = tmp_path / "out"
    with failing_office(tmp_path, monkeypatch):
        assert main(["build", str(folder), "-o", str(out), "-j", "2"]) == 0
    assert sorted(p.name for p in out.iterdir()) == sorted(f"{s}.{x}" for s in STEMS.values() for x in ("docx", "pdf"))
    text = capsys.readouterr().out
    assert "共 2 个工作簿：成功 2 个，失败 0 个。" in text
    part = text[text.index("已生成，但请注意：") :].splitlines()
    assert part[1].startswith(f"- 昌吉州政务服务和公共资源交易管理局（000.xlsx）：{TOC_TEXT}")
    assert part[2].startswith(f"- 昌吉州工业和信息化局（002.xlsx）：{TOC_TEXT}")
    assert TOC_UNNUMBERED.startswith(TOC_TEXT)


@pytest.mark.parametrize(
    "formats",
    [
        pytest.param(
            ("docx", "pdf"),
            id="docx-beside-pdf",  # a single job on a pool of one: a core is spare, the DOCX renders in a child
            marks=pytest.mark.skipif(usable_cores() < 2, reason="the DOCX renders beside the PDF with a spare core"),
        ),
        pytest.param(("docx",), id="docx-in-the-worker"),
    ],
)
def test_pool_outcome_carries_the_toc_notice(
    formats: tuple[str, ...], example_paths: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with failing_office(tmp_path, monkeypatch), WorkerPool(1) as pool:
        stages: list[str] = []
        got = pool.submit(BuildJob(example_paths["002"], tmp_path / "out", formats), stages.append).result(300)
        pdf_only = pool.submit(BuildJob(example_paths["002"], tmp_path / "pdf", ("pdf",))).result(300)
    assert got.ok, got.error
    assert got.notices == [TOC_UNNUMBERED]
    assert ("生成 DOCX 和 PDF" in stages) == (len(formats) == 2)
    assert [p.suffix for p in got.files] == [f".{f}" for f in formats]
    assert pdf_only.ok and pdf_only.notices == []  # no DOCX, nothing to say


def test_single_build_says_so_too(example_paths: dict[str, Path], tmp_path: Path, capsys, monkeypatch) -> None:
    """`disclosure build` of one workbook (no pool: build.build) gives the same notice, on stderr."""
    out = tmp_path / "out"
    with failing_office(tmp_path, monkeypatch):
        assert main(["build", str(example_paths["002"]), "-o", str(out)]) == 0
    err = capsys.readouterr().err
    assert f"注意：{TOC_TEXT}" in err and err.count("DOCX 的目录没有页码") == 1
    assert sorted(p.suffix for p in out.iterdir()) == [".docx", ".pdf"]
