"""A reason is never dropped and never stale (issue 7 §2; rules.md §4).

Each case has its expected (code, sheet, cell). Figures of example 000 are from the reference document:
机关运行经费 45.57 (行2409), prior 39.84; its 上年对比 row is Excel row 31 (JSON index 29 + 2).
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import openpyxl

from generator.catalog import load_catalog
from generator.cli import main
from generator.compute import compute_disclosure
from generator.compute.comparisons import reason_check
from generator.inputs import PriorRow
from generator.pipeline import run
from generator.workbook import schema
from generator.workbook.schema import PriorKey
from generator.workbook.template import write_workbook
from tests.conftest import example_data
from tests.factories import item, make_inputs

CATALOG = load_catalog(2023)
PRIOR = schema.SHEET_PRIOR
OPERATING_ROW = 31  # 上年对比 row of 机关运行经费 in example 000


def compute(inputs):
    d, issues, _book = compute_disclosure(inputs, CATALOG)
    return d, issues


def triples(issues) -> list[tuple[str, str | None, str | None]]:
    return [(i.code, i.sheet, i.cell) for i in issues]


def prior_row(key: str, prior: str, reason: str | None, recorded: str | None = None, row: int = 2, check=True):
    return PriorRow(
        row=row,
        key=key,
        prior=Decimal(prior),
        reason=reason,
        recorded=None if recorded is None else Decimal(recorded),
        recorded_check=reason_check(reason) if (recorded is not None and check) else None,
    )


def text_of(d) -> str:
    return "\n".join(
        [p.text for s in d.sections for p in s.paragraphs]
        + [p.text for s in d.sections for sub in s.subsections for p in sub.paragraphs]
    )


# Basic spending of 10.00 on 30201 (公用经费): 机关运行经费 = 10.00.
ITEMS = [item("2010301", "30201", "10.00")]


def test_reason_for_unchanged_figure_is_printed() -> None:
    priors = [prior_row(PriorKey.OPERATING.value, "10.00", "公务用车运行费无变动")]
    d, _issues = compute(make_inputs(ITEMS, priors=priors))
    assert "机关运行经费财政拨款预算10.00万元，与上年预算持平。主要原因是：公务用车运行费无变动。" in text_of(d)


def test_moved_figure_same_direction_is_a_warning_at_the_reason() -> None:
    # Reason written for 9.00 (增加 over 8.00); now 10.00, still 增加.
    priors = [prior_row(PriorKey.OPERATING.value, "8.00", "业务量增加", recorded="9.00", row=5)]
    _d, issues = compute(make_inputs(ITEMS, priors=priors))
    moved = [i for i in issues if i.code == "reason-figure-moved"]
    assert triples(moved) == [("reason-figure-moved", PRIOR, "C5")]
    assert not moved[0].is_error
    assert "9.00" in moved[0].message and "10.00" in moved[0].message


def test_flipped_direction_is_an_error_at_the_reason() -> None:
    # Prior 11.00; the reason was written for 9.00 (减少); now 12.00 is 增加.
    priors = [prior_row(PriorKey.OPERATING.value, "11.00", "压减日常公用经费", recorded="9.00", row=7)]
    items = [item("2010301", "30201", "12.00")]
    _d, issues = compute(make_inputs(items, priors=priors))
    flipped = [i for i in issues if i.code == "reason-direction-flipped"]
    assert triples(flipped) == [("reason-direction-flipped", PRIOR, "C7")]
    assert flipped[0].is_error
    assert "原因是按减少写的，现在是增加，请改写" in flipped[0].message


def test_flip_between_unchanged_and_changed_is_an_error() -> None:
    priors = [prior_row(PriorKey.OPERATING.value, "10.00", "无变动", recorded="10.00", row=3)]
    items = [item("2010301", "30201", "9.50")]
    _d, issues = compute(make_inputs(items, priors=priors))
    assert ("reason-direction-flipped", PRIOR, "C3") in triples(issues)


def test_rewritten_reason_counts_as_confirmed() -> None:
    row = PriorRow(
        row=3,
        key=PriorKey.OPERATING.value,
        prior=Decimal("11.00"),
        reason="新的原因",
        recorded=Decimal("9.00"),
        recorded_check=reason_check("旧的原因"),
    )
    _d, issues = compute(make_inputs([item("2010301", "30201", "12.00")], priors=[row]))
    assert not [i for i in issues if i.code.startswith("reason-")]


def test_row_no_longer_needed_is_a_warning_not_a_demand() -> None:
    # A 项 row for a code this document no longer has, with no prior figure (e.g. a mistyped code fixed).
    rows = [PriorRow(row=4, key="一般公共预算项：2010399", prior=None, reason=None)]
    _d, issues = compute(make_inputs(ITEMS, priors=rows))
    assert ("prior-row-unneeded", PRIOR, "A4") in triples(issues)
    unneeded = next(i for i in issues if i.code == "prior-row-unneeded")
    assert "此行已不需要，可删除" in unneeded.message and not unneeded.is_error
    assert not [i for i in issues if i.cell == "B4"]  # never asks for its values


def test_unknown_fixed_row_unused_is_unneeded() -> None:
    rows = [PriorRow(row=6, key=PriorKey.INCOME_SPECIAL.value, prior=None, reason=None)]
    _d, issues = compute(make_inputs(ITEMS, priors=rows))
    assert ("prior-row-unneeded", PRIOR, "A6") in triples(issues)


# --- the example-000 revision case ----------------------------------------------------------


def _move_302_to_301(data: dict, amount: Decimal) -> None:
    """Move `amount` from 2010301/30228 (公用经费) to 2010301/30101 (人员经费); every total unchanged."""
    rows = data[schema.SHEET_ITEMS]
    src = next(r for r in rows if (r["功能分类科目编码"], r["经济分类科目编码"]) == ("2010301", "30228"))
    dst = next(r for r in rows if (r["功能分类科目编码"], r["经济分类科目编码"]) == ("2010301", "30101"))
    src["金额"] = str(Decimal(src["金额"]) - amount)
    dst["金额"] = str(Decimal(dst["金额"]) + amount)


def test_example_000_recorded_figures_pass() -> None:
    data = example_data("000")
    row = data[PRIOR][OPERATING_ROW - 2]
    assert row["比较项目"] == "机关运行经费"
    assert row["原因对应的本年数（自动）"] == "45.57"  # 行2409


def test_example_000_revision_flips_operating_cost(tmp_path: Path, capsys) -> None:
    data = example_data("000")
    _move_302_to_301(data, Decimal("6.00"))  # 机关运行经费 45.57 → 39.57 < 39.84: 增加 → 减少
    wb = tmp_path / "000-revised.xlsx"
    write_workbook(wb, data)
    result = run(wb)
    errors = [i for i in result.issues if i.is_error]
    assert triples(errors) == [("reason-direction-flipped", PRIOR, f"C{OPERATING_ROW}")]
    assert "原因是按增加写的，现在是减少，请改写" in errors[0].message
    # build refuses and writes nothing
    out = tmp_path / "out"
    assert main(["build", str(wb), "-o", str(out)]) == 1
    assert not list(out.glob("*")) if out.exists() else True
    # prepare does not silence it: the reason text is unchanged, so the record stays
    assert main(["prepare", str(wb)]) == 0
    assert ("reason-direction-flipped", PRIOR, f"C{OPERATING_ROW}") in triples(run(wb).issues)
    # rewriting the reason confirms it; prepare then records the new figure
    book = openpyxl.load_workbook(wb)
    book[PRIOR][f"C{OPERATING_ROW}"] = "落实过紧日子要求，压减日常公用经费"
    book.save(wb)
    assert not [i for i in run(wb).issues if i.is_error]
    assert main(["prepare", str(wb)]) == 0
    after = openpyxl.load_workbook(wb)[PRIOR]
    recorded_col = schema.column_letter(PRIOR, "recorded")
    assert Decimal(str(after[f"{recorded_col}{OPERATING_ROW}"].value)).quantize(Decimal("0.01")) == Decimal("39.57")
    assert not [i for i in run(wb).issues if i.is_error]
    capsys.readouterr()


def test_example_000_small_revision_warns(tmp_path: Path) -> None:
    data = example_data("000")
    _move_302_to_301(data, Decimal("1.00"))  # 45.57 → 44.57, still 增加 over 39.84
    wb = tmp_path / "000-small.xlsx"
    write_workbook(wb, data)
    result = run(wb)
    assert not [i for i in result.issues if i.is_error]
    assert ("reason-figure-moved", PRIOR, f"C{OPERATING_ROW}") in triples(result.issues)


def test_prepare_records_a_new_reason_once(tmp_path: Path) -> None:
    data = example_data("000")
    row = data[PRIOR][OPERATING_ROW - 2]
    del row["原因对应的本年数（自动）"], row["原因校验码（自动）"]
    wb = tmp_path / "000-unrecorded.xlsx"
    write_workbook(wb, data)
    assert main(["prepare", str(wb)]) == 0
    ws = openpyxl.load_workbook(wb)[PRIOR]
    col = schema.column_letter(PRIOR, "recorded")
    check_col = schema.column_letter(PRIOR, "recorded_check")
    assert Decimal(str(ws[f"{col}{OPERATING_ROW}"].value)) == Decimal("45.57")
    assert ws[f"{check_col}{OPERATING_ROW}"].value == reason_check(row["主要原因"])


def test_prepare_never_writes_rows_for_invalid_codes(tmp_path: Path) -> None:
    data = example_data("002")
    data[PRIOR] = []
    data[schema.SHEET_ITEMS][0]["功能分类科目编码"] = "2018801"  # no such 款 or 项 in the 2023 catalog
    wb = tmp_path / "bad-code.xlsx"
    write_workbook(wb, data)
    assert main(["prepare", str(wb)]) == 0
    keys = [c.value for c in openpyxl.load_workbook(wb)[PRIOR]["A"][1:] if c.value]
    assert keys and not [k for k in keys if "2018801" in k]


def test_older_workbook_without_recorded_columns_still_reads(tmp_path: Path) -> None:
    wb = tmp_path / "old.xlsx"
    write_workbook(wb, example_data("002"))
    book = openpyxl.load_workbook(wb)
    first = schema.column_letter(PRIOR, "recorded")
    # an older workbook has none of the columns added since (the recorded ones and 主要用于（按项说明）)
    added = len(schema.LIST_SHEETS[PRIOR]) - openpyxl.utils.column_index_from_string(first) + 1
    book[PRIOR].delete_cols(openpyxl.utils.column_index_from_string(first), added)
    book.save(wb)
    result = run(wb)
    assert not [i for i in result.issues if i.sheet == PRIOR and i.code.startswith("header")]
    assert result.ok


def test_reason_that_only_repeats_the_phrase_is_not_printed_twice() -> None:
    # Reference 000 行2404 prints “与上年预算持平…主要原因是与上年预算持平”; once is enough.
    priors = [prior_row(PriorKey.OPERATING.value, "10.00", "与上年预算持平")]
    d, _issues = compute(make_inputs(ITEMS, priors=priors))
    assert "机关运行经费财政拨款预算10.00万元，与上年预算持平。\n" in text_of(d) + "\n"
    assert "主要原因是：与上年预算持平" not in text_of(d)
