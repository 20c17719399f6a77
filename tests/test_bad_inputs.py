"""Bad input never crashes: the corpus of malformed files made by scripts/make_bad_inputs.py.

Each case of tests/data/bad_inputs.json is checked with `disclosure check`: the expected
exit status, no traceback, Chinese messages, and every expected (code, sheet, cell).
Hostile files are also checked in a separate process run under `prlimit` with a 1 GiB
address-space limit, asserting it answers within 60 s. The corpus is rebuilt into tests/data/generated/ (git-ignored) when
the script, the example or the template writer changed.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

import openpyxl
import pytest

from generator.annotate import SHEET_ISSUES
from generator.cli import main
from tests.conftest import ROOT
from tests.office import soffice_with

SCRIPT = ROOT / "scripts" / "make_bad_inputs.py"
MANIFEST = ROOT / "tests" / "data" / "bad_inputs.json"
GENERATED = ROOT / "tests" / "data" / "generated"
CASES: list[dict] = json.loads(MANIFEST.read_text(encoding="utf-8"))["cases"]
BY_NAME = {c["name"]: c for c in CASES}
CJK = re.compile("[\u4e00-\u9fff]")
MEMORY_LIMIT = 1024**3
TIME_LIMIT = 60


def _stamp() -> str:
    h = hashlib.sha256()
    for path in (
        SCRIPT,
        ROOT / "examples" / "002.json",
        ROOT / "generator" / "workbook" / "template.py",
        ROOT / "generator" / "workbook" / "schema.py",
    ):
        h.update(path.read_bytes())
    return h.hexdigest()


@pytest.fixture(scope="session")
def corpus() -> Path:
    """tests/data/generated/, (re)built by the script when its inputs changed."""
    stamp_file = GENERATED / ".stamp"
    stamp = _stamp()
    fresh = stamp_file.exists() and stamp_file.read_text() == stamp
    if not (fresh and all((GENERATED / c["file"]).exists() for c in CASES)):
        subprocess.run([sys.executable, str(SCRIPT), "--out", str(GENERATED)], check=True, cwd=ROOT, timeout=600)
        stamp_file.write_text(stamp)
    return GENERATED


def test_corpus_is_large_and_covers_the_issue() -> None:
    assert len(CASES) >= 40
    assert len({c["file"] for c in CASES}) == len(CASES)
    codes = {e[0] for c in CASES for e in c["expect"]}
    for code in (
        "file-empty",
        "not-a-workbook",
        "xls-format",
        "encrypted-workbook",
        "zip-bomb",
        "too-many-rows",
        "missing-sheet",
        "header-moved",
        "header-mismatch",
        "duplicate-header",
        "formula-no-value",
        "cell-error-value",
        "merged-input-cell",
        "hidden-row-data",
        "amount-not-number",
        "amount-thousands-separator",
        "amount-fullwidth",
        "amount-fullwidth-point",
        "amount-looks-like-yuan",
        "code-whitespace",
        "date-invalid",
        "control-character",
        "text-too-long",
        # issue 12
        "zip-duplicate-entry",
        "strict-ooxml",
        "too-many-sheets",
        "very-hidden-sheet",
        "amount-space-inside",
        "extra-code-redefines",
    ):
        assert code in codes, code


def test_manifest_matches_the_script() -> None:
    """Every case of the script is in the manifest (rewrite it with `--manifest` after adding one)."""
    names = re.findall(r'Case\(\s*"([a-z0-9-]+)"', SCRIPT.read_text(encoding="utf-8"))
    assert names == [c["name"] for c in CASES]


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_check_reports_case(case: dict, corpus: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status = main(["check", "--json", str(corpus / case["file"])])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    assert status == case["exit"], out
    report = json.loads(out)
    found = {(i["code"], i["sheet"], i["cell"]) for i in report["issues"]}
    missing = [tuple(e) for e in case["expect"] if tuple(e) not in found]
    assert not missing, (missing, sorted(found, key=str))
    for issue in report["issues"]:
        assert CJK.search(issue["message"]), issue
    if case["exit"] == 1:
        assert report["errors"] >= 1


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


HOSTILE = [c for c in CASES if c["hostile"]]
PRLIMIT = shutil.which("prlimit")


@pytest.mark.parametrize("case", HOSTILE, ids=[c["name"] for c in HOSTILE])
def test_hostile_file_in_bounded_time_and_memory(case: dict, corpus: Path) -> None:
    """`disclosure check` under a 1 GiB address-space limit (prlimit, as the web worker pool will
    limit its jobs) answers within 60 s with the expected status and a Chinese message."""
    command = [sys.executable, "-m", "generator.cli", "check", str(corpus / case["file"])]
    if PRLIMIT:
        command = [PRLIMIT, f"--as={MEMORY_LIMIT}", f"--cpu={TIME_LIMIT}", "--", *command]
    started = time.monotonic()
    proc = subprocess.run(
        command,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=TIME_LIMIT,
        preexec_fn=None if PRLIMIT else _limit_memory,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert time.monotonic() - started < TIME_LIMIT
    assert proc.returncode == case["exit"], proc.stdout + proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr
    assert "MemoryError" not in proc.stdout + proc.stderr
    assert CJK.search(proc.stdout)
    if case["exit"] == 1:
        assert "错误" in proc.stdout


def test_missing_path(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(tmp_path / "没有这个文件.xlsx")]) == 1
    out, err = capsys.readouterr()
    assert "找不到文件" in out and "Traceback" not in out + err


def test_directory_as_workbook(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "预算.xlsx"
    folder.mkdir()
    assert main(["check", str(folder)]) == 1
    out, err = capsys.readouterr()
    assert "不是文件" in out and "Traceback" not in out + err


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files regardless of permissions")
def test_unreadable_workbook(tmp_path: Path, example_paths: dict[str, Path], capsys) -> None:
    path = tmp_path / "locked.xlsx"
    path.write_bytes(example_paths["000"].read_bytes())
    path.chmod(0)
    try:
        assert main(["check", str(path)]) == 1
    finally:
        path.chmod(0o600)
    out, err = capsys.readouterr()
    assert "无法读取" in out and "Traceback" not in out + err


def test_build_into_unwritable_folder(tmp_path: Path, example_paths: dict[str, Path], capsys) -> None:
    blocker = tmp_path / "file.txt"
    blocker.write_text("a file, not a folder")
    status = main(["build", str(example_paths["002"]), "-o", str(blocker / "out"), "--format", "docx"])
    out, err = capsys.readouterr()
    assert status == 1
    assert "无法写入输出文件夹" in err and "Traceback" not in out + err
    assert blocker.read_text() == "a file, not a folder"


def test_annotate_into_unwritable_folder(tmp_path: Path, example_paths: dict[str, Path], capsys) -> None:
    blocker = tmp_path / "file.txt"
    blocker.write_text("x")
    status = main(["check", str(example_paths["000"]), "--annotate", str(blocker / "标注.xlsx")])
    out, err = capsys.readouterr()
    assert status == 1
    assert "无法写入标注工作簿" in err and "Traceback" not in out + err


def test_annotate_refuses_to_overwrite_the_input(tmp_path: Path, example_paths: dict[str, Path], capsys) -> None:
    path = tmp_path / "in.xlsx"
    data = example_paths["000"].read_bytes()
    path.write_bytes(data)
    assert main(["check", str(path), "--annotate", str(tmp_path / "." / "in.xlsx")]) == 1
    assert "不能是被检查的工作簿本身" in capsys.readouterr().err
    assert path.read_bytes() == data


# --- the annotated workbook -------------------------------------------------------------------

ANNOTATED = [
    "amount-abc",
    "merged-input-cells",
    "hidden-row-with-data",
    "header-moved-down",
    "prior-missing-row",
    "control-character",
    "code-spaces",
    "kv-label-changed",
    "docx-renamed",
    "zip-bomb-total",
    "huge-merged-range",
]


@pytest.mark.parametrize("name", ANNOTATED)
def test_annotated_workbook_marks_every_problem(name: str, corpus: Path, tmp_path: Path, capsys) -> None:
    case = BY_NAME[name]
    source = corpus / case["file"]
    before = source.read_bytes()
    out = tmp_path / "标注.xlsx"
    status = main(["check", str(source), "--annotate", str(out)])
    printed = capsys.readouterr()
    assert status == case["exit"]
    assert "Traceback" not in printed.out + printed.err
    assert f"已写入标注工作簿：{out}" in printed.out
    assert source.read_bytes() == before
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]

    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames[0] == SHEET_ISSUES
    listing = wb[SHEET_ISSUES]
    assert [c.value for c in listing[1]] == ["序号", "级别", "位置", "问题说明", "代码"]
    rows = list(listing.iter_rows(min_row=2))
    listed = {(r[4].value, r[2].value) for r in rows}
    for code, sheet, cell in case["expect"]:
        location = f"{sheet}!{cell}" if sheet and cell else sheet
        assert (code, location) in listed
        if not (sheet and cell):
            continue
        row = next(r for r in rows if r[4].value == code and r[2].value == location)
        assert row[2].hyperlink is not None and row[2].hyperlink.location == f"'{sheet}'!{cell}"
        assert row[1].value in ("错误", "警告")
        target = wb[sheet][cell]
        assert target.comment is not None and code in target.comment.text
        colour = "FFFF7C80" if row[1].value == "错误" or target.comment.text.startswith("错误") else "FFFFEB84"
        assert target.fill.fgColor.rgb in (colour, colour[2:], "00" + colour[2:])
    if BY_NAME[name]["hostile"] or name == "docx-renamed":
        assert wb.sheetnames == [SHEET_ISSUES]
    else:
        assert len(wb.sheetnames) > 5  # the whole workbook was copied


def test_annotated_workbook_keeps_formulas_and_protection(example_paths: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "a.xlsx"
    assert main(["check", str(example_paths["002"]), "--annotate", str(out)]) == 0
    wb = openpyxl.load_workbook(out)
    original = openpyxl.load_workbook(example_paths["002"])
    items = wb["支出明细"]
    assert items["C2"].value == original["支出明细"]["C2"].value
    assert str(items["C2"].value).startswith("=")
    assert items.protection.sheet
    listing = wb[SHEET_ISSUES]
    # 002 has no errors; its one warning is the reference's 指标值 “意见被采纳的情况” (issue 7 §4)
    assert [r[1].value for r in listing.iter_rows(min_row=2)] == ["警告"]
    assert "意见被采纳的情况" in listing["D2"].value


def test_annotated_workbook_opens_in_libreoffice(corpus: Path, tmp_path: Path) -> None:
    """A spreadsheet program opens the copy and keeps the marks: LibreOffice re-saves it as .xlsx
    and the problem cell still has its fill and comment, the list its link."""
    soffice, why = soffice_with("calc")  # Writer alone cannot open a workbook
    if soffice is None:
        pytest.skip(why)
    out = tmp_path / "annotated.xlsx"
    assert main(["check", str(corpus / BY_NAME["amount-abc"]["file"]), "--annotate", str(out)]) == 1
    resaved = tmp_path / "lo"
    proc = subprocess.run(
        [
            soffice,
            "--headless",
            f"-env:UserInstallation=file://{tmp_path}/profile",
            "--convert-to",
            "xlsx",
            "--outdir",
            str(resaved),
            str(out),
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=180,
    )
    assert (resaved / out.name).exists(), proc.stdout + proc.stderr
    wb = openpyxl.load_workbook(resaved / out.name)
    assert wb.sheetnames[0] == SHEET_ISSUES
    cell = wb["支出明细"]["I2"]
    assert cell.comment is not None and "amount-not-number" in cell.comment.text
    assert cell.fill.fgColor.rgb.endswith("FF7C80")
    links = [r[2].hyperlink for r in wb[SHEET_ISSUES].iter_rows(min_row=2) if r[2].value == "支出明细!I2"]
    assert links and links[0] is not None
