"""`disclosure rollover` and `prepare --prior-json`: next year starts from this year's figures."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from generator.cli import main
from generator.compute.comparisons import normalise_key
from generator.pipeline import Result, run
from generator.rollover import CatalogChange, catalog_changes, rollover
from generator.workbook import schema
from generator.workbook.template import write_workbook
from tests.conftest import example_data


def _prior_sheet(path: Path) -> dict[str, tuple[object, object]]:
    ws = openpyxl.load_workbook(path)[schema.SHEET_PRIOR]
    out = {}
    for key, prior, reason, *_ in ws.iter_rows(min_row=2, values_only=True):
        if key:
            out[str(key)] = (prior, reason)
    return out


@pytest.mark.parametrize("name", ["000", "002"])
def test_rollover_keep_items_then_prepare_says_unchanged_everywhere(
    name: str, example_paths: dict[str, Path], example_results: dict[str, Result], tmp_path: Path, capsys
) -> None:
    this = example_results[name]
    assert this.inputs is not None and this.book is not None
    nxt = tmp_path / "next.xlsx"
    assert main(["rollover", str(example_paths[name]), str(nxt), "--keep-items"]) == 0
    out = capsys.readouterr().out
    assert "已生成2024年工作簿" in out and "警告" in out
    # prepare finds every row it needs already there, keyed as it keys them
    assert main(["prepare", str(nxt)]) == 0
    assert "“上年对比”新增0行" in capsys.readouterr().out
    result = run(nxt)
    assert result.ok, [i.message for i in result.issues if i.is_error]
    assert result.inputs is not None and result.book is not None and result.disclosure is not None
    assert result.inputs.info.year == this.inputs.info.year + 1
    # every comparison of next year's document: prior (from the rollover) == current
    for row in result.book.needed:
        assert row.present, row.key
        assert result.book.prior_of(row.key) == row.current, row.key
    texts = [p.text for s in result.disclosure.sections for p in s.paragraphs] + [
        p.text for s in result.disclosure.sections for sub in s.subsections for p in sub.paragraphs
    ]
    joined = "\n".join(texts)
    for moved in ("比上年预算增加", "比上年预算减少", "上年无此项", "主要原因"):
        assert moved not in joined
    assert "与上年预算持平" in joined
    staff = result.disclosure.staff.text  # every count unchanged; a count of zero reads 无…人员 (issue 18 §2)
    assert "增加" not in staff and "减少" not in staff
    assert staff.count("与上年持平") + staff.count("人员") == 3


def test_rollover_copies_facts_and_prior_figures_but_not_items(
    example_paths: dict[str, Path], example_results: dict[str, Result], tmp_path: Path
) -> None:
    this = example_results["002"]
    assert this.inputs is not None and this.book is not None
    nxt = tmp_path / "2024.xlsx"
    outcome = rollover(example_paths["002"], nxt)
    assert outcome.kept_items == 0 and outcome.year == 2024
    wb = openpyxl.load_workbook(nxt)
    assert wb[schema.SHEET_ITEMS]["B2"].value is None  # no line items
    prior = _prior_sheet(nxt)
    # this year's computed figures as next year's 上年预算数, reasons empty (hand-checked figures from 002-golden.md)
    assert prior["收入：一般公共预算"] == (2918.03, None)
    assert prior["支出：项目支出"] == (6476.81, None)
    assert prior["机关运行经费"] == (61.53, None)
    # 459.01 = 表5 2011301 基本支出 (行1240) = 五（三）1 (行2344): issue 18 §5 moved its 0.40 of 项目支出 to 2011399
    assert prior["一般公共预算项：2011301 行政运行"] == (459.01, None)
    keys = {normalise_key(k) for k in prior}
    needed = {r.key for r in this.book.needed if not (r.key.startswith(schema.PRIOR_ITEM_PREFIX) and r.current == 0)}
    assert keys == needed
    info = example_data("002")["基本信息"]
    ws = wb[schema.SHEET_INFO]
    values = {ws.cell(r, 1).value: ws.cell(r, 2).value for r in range(2, ws.max_row + 1)}
    assert values["预算年度"] == 2024 and values["单位全称"] == info["单位全称"]
    assert values["在职人数"] == int(info["在职人数"]) and values["在职人数比上年增减"] == 0
    assert values["收支总计核对数"] is None
    # copied projects are marked for review, as warnings located in the new workbook
    cells = {(w.sheet, w.cell) for w in outcome.warnings if w.code == "rollover-review"}
    assert (schema.SHEET_PROJECTS, "A2") in cells
    assert all(not w.is_error for w in outcome.warnings)
    assert wb[schema.SHEET_PROJECTS]["A2"].comment is not None


def test_rollover_refuses_to_overwrite_and_reports_errors(
    example_paths: dict[str, Path], tmp_path: Path, capsys
) -> None:
    target = tmp_path / "x.xlsx"
    target.write_bytes(b"keep")
    assert main(["rollover", str(example_paths["000"]), str(target)]) == 1
    assert target.read_bytes() == b"keep"
    data = example_data("000")
    data["基本信息"]["收支总计核对数"] = "1.00"
    bad = tmp_path / "bad.xlsx"
    write_workbook(bad, data)
    assert main(["rollover", str(bad), str(tmp_path / "y.xlsx")]) == 1
    assert "无法生成下一年度工作簿" in capsys.readouterr().err
    assert not (tmp_path / "y.xlsx").exists()


def test_catalog_changes_are_listed(example_results: dict[str, Result]) -> None:
    from generator.catalog import Catalog, load_catalog

    result = example_results["000"]
    this = load_catalog(2023)
    functions = dict(this.functions)
    functions["2010301"] = "行政运行（新）"
    del functions["2080506"]
    nxt = Catalog(year=2024, functions=functions, econ=dict(this.econ))
    assert catalog_changes(result, this, nxt) == [
        CatalogChange("2010301", "功能分类", "行政运行", "行政运行（新）"),
        CatalogChange("2080506", "功能分类", "机关事业单位职业年金缴费支出", None),
    ]


# --- prepare --prior-json --------------------------------------------------------------------------------------


def test_prepare_prior_json_fills_the_prior_column(tmp_path: Path, capsys) -> None:
    data = example_data("000")
    figures = {r["比较项目"]: r["上年预算数"] for r in data["上年对比"]}
    reasons = {r["比较项目"]: r["主要原因"] for r in data["上年对比"]}
    data["上年对比"] = []
    workbook = tmp_path / "000.xlsx"
    write_workbook(workbook, data)
    prior = tmp_path / "prior.json"
    # the bureau's keys may omit the 项 name; amounts as numbers or strings
    short = {k.split(" ")[0] if k.startswith("一般公共预算项") else k: v for k, v in figures.items()}
    short["收入：一般公共预算"] = 1206.34
    prior.write_text(json.dumps({"单位": "万元", "上年预算数": short}, ensure_ascii=False), encoding="utf-8")
    assert main(["prepare", str(workbook), "--prior-json", str(prior)]) == 0
    assert "读取30个上年预算数" in capsys.readouterr().out
    sheet = _prior_sheet(workbook)
    by_key = {normalise_key(k): v for k, v in sheet.items()}
    assert by_key["收入：一般公共预算"][0] == 1206.34
    assert by_key["一般公共预算项：2010301"][0] == 189.47
    assert by_key["机关运行经费"][0] == 39.84
    assert len(by_key) == 30
    # with the reasons typed back in, the workbook is the example again
    wb = openpyxl.load_workbook(workbook)
    ws = wb[schema.SHEET_PRIOR]
    for r in range(2, ws.max_row + 1):
        key = ws.cell(r, 1).value
        if key:
            original = next(k for k in reasons if normalise_key(k) == normalise_key(key))
            ws.cell(r, 3).value = reasons[original] or None
    wb.save(workbook)
    assert run(workbook).ok


def test_prepare_prior_json_in_yuan_and_errors(tmp_path: Path, capsys) -> None:
    workbook = tmp_path / "000.xlsx"
    write_workbook(workbook, example_data("000"))
    before = workbook.read_bytes()
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"上年预算数": {"收入：不存在": 1, "机关运行经费": "abc"}}), encoding="utf-8")
    assert main(["prepare", str(workbook), "--prior-json", str(bad)]) == 1
    err = capsys.readouterr().err
    assert "无法识别比较项目“收入：不存在”" in err and "“机关运行经费”的上年预算数“abc”不是有效金额" in err
    assert workbook.read_bytes() == before
    from generator.prior_json import load_prior_json

    yuan = tmp_path / "yuan.json"
    yuan.write_text(json.dumps({"单位": "元", "上年预算数": {"机关运行经费": 398400}}), encoding="utf-8")
    assert load_prior_json(yuan) == ({"机关运行经费": Decimal("39.84")}, [])
