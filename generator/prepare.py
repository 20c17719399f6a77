"""`disclosure prepare`: write into the workbook the rows the document needs.

The officer should never guess which prior-year comparisons or 类 usage texts the
disclosure will quote. This command computes the document, then adds every missing
上年对比 row (with this year's figure beside it) and every missing 类用途说明 row, and
refreshes the automatic columns of existing rows. The original is kept as a backup
when updated in place.
"""

from __future__ import annotations

import shutil
import sys
from decimal import Decimal
from pathlib import Path

import openpyxl

from generator.catalog.store import SHIPPED_ONLY, CatalogSource
from generator.compute import ledger as L
from generator.compute.comparisons import NeededRow, PriorBook, clean_reason, normalise_key, reason_check
from generator.compute.final import FinalBook, FinalPriorBook, NeededFinalRow
from generator.compute.names import Names
from generator.formats import registry
from generator.inputs import FinalPriorRow, FinalReasonRow
from generator.issues import format_issue
from generator.output import atomic_path
from generator.pipeline import run
from generator.prior_json import load_prior_json
from generator.workbook import schema
from generator.workbook.template import append_rows, set_cell

CLASS_USE_SECTION = "fiscal"  # the section that says what each 功能分类 类 is mainly for (类用途说明)

EXIT_OK, EXIT_ISSUES = 0, 1


def _label(row: NeededRow, names: dict[str, str]) -> str:
    """Item rows get the 项 name appended so the officer sees what they are."""
    if row.key.startswith(schema.PRIOR_ITEM_PREFIX):
        code = row.key.removeprefix(schema.PRIOR_ITEM_PREFIX)
        return f"{row.key} {names.get(code, '')}".strip()
    return row.label


def prepare(
    path: Path,
    output: Path | None = None,
    prior_json: Path | None = None,
    catalogs: CatalogSource = SHIPPED_ONLY,
) -> int:
    priors_in: dict[str, Decimal] = {}
    if prior_json is not None:
        priors_in, problems = load_prior_json(prior_json)
        if problems:
            for problem in problems:
                print(f"{prior_json.name}: 错误：{problem}", file=sys.stderr)
            print("上年数据 JSON 有错误，工作簿未修改。", file=sys.stderr)
            return EXIT_ISSUES
    result = run(path, catalogs)
    if result.inputs is not None and result.inputs.final is not None and result.final_book is None:
        for issue in result.issues:
            if issue.code == "final-missing":
                print(format_issue(issue, path.name), file=sys.stderr)
        print("决算工作簿：请先在“支出明细”逐行填写决算数，再运行 prepare。工作簿未修改。", file=sys.stderr)
        return EXIT_ISSUES
    # A 决算 workbook whose document cannot be computed yet still gets its 预决算对比 rows (issue 20).
    if result.inputs is None or result.catalog is None or (result.book is None and result.final_book is None):
        for issue in result.issues:
            print(format_issue(issue, path.name), file=sys.stderr)
        print("工作簿无法读取或缺少基本信息，请先按上面的提示修改，再运行 prepare。", file=sys.stderr)
        return EXIT_ISSUES
    inputs, book = result.inputs, result.book or PriorBook(result.inputs)
    names = Names.build(result.catalog, inputs)

    wb = openpyxl.load_workbook(path)
    # One entry per key: the narrative may ask twice for the same comparison.
    needed: dict[str, NeededRow] = {}
    for row in book.needed:
        if _writable(row, names.functions):
            needed.setdefault(row.key, row)
    scale = Decimal(10000) if inputs.info.amount_unit == "元" else Decimal(1)
    new_rows = [
        {"key": _label(r, names.functions), "current": r.current, "hint": _hint(r)}
        | ({"prior": priors_in[r.key] * scale} if r.key in priors_in else {})
        for r in needed.values()
        if not r.present
    ]
    # --prior-json figures for comparisons this year's document does not make (a 项 budgeted only last year)
    present = {normalise_key(p.key) for p in inputs.priors}
    for key, amount in priors_in.items():
        if key not in needed and key not in present:
            code = key.removeprefix(schema.PRIOR_ITEM_PREFIX)
            label = f"{key} {names.functions.get(code, '')}".strip() if code != key else key
            new_rows.append({"key": label, "prior": amount * scale})
    added_prior = append_rows(wb, schema.SHEET_PRIOR, new_rows)
    filled, conflicts = 0, []
    existing = {normalise_key(p.key): p for p in inputs.priors}
    for r in needed.values():
        if r.present and r.row is not None:
            set_cell(wb, schema.SHEET_PRIOR, r.row, "current", r.current)
            set_cell(wb, schema.SHEET_PRIOR, r.row, "hint", _hint(r))
            _record(wb, book, r)
    for key, amount in priors_in.items():
        row = existing.get(key)
        if row is None:
            continue
        if row.prior is None:
            set_cell(wb, schema.SHEET_PRIOR, row.row, "prior", amount * scale)
            filled += 1
        elif row.prior != amount * scale:
            conflicts.append(f"上年对比!B{row.row}“{row.key}”已填{row.prior}，JSON 为{amount * scale}，未覆盖")

    fiscal = L.select(inputs.items, L.by_sources(L.FISCAL_CURRENT))
    have = {u.class_code for u in inputs.uses} | set(inputs.incomplete_uses)
    # 类用途说明 rows only when the format's sentences say what each 类 is for (the `fiscal` section); a
    # workbook that computed no document (a 决算 before its format is installed) needs none
    worded = registry.get(inputs.info.format).worded_sections if result.book is not None else ()
    missing_classes = sorted({i.func_code[:3] for i in fiscal} - have) if CLASS_USE_SECTION in worded else []
    added_final = (
        _prepare_final(wb, result.final_book, result.final_prior_book)
        if result.final_book is not None and result.final_prior_book is not None
        else []
    )
    added_uses = append_rows(wb, schema.SHEET_USES, [{"class_code": c} for c in missing_classes])

    target = output or path
    if output is None:
        backup = path.with_name(f"{path.stem}.备份{path.suffix}")
        shutil.copy2(path, backup)
        print(f"已备份原工作簿：{backup}")
    with atomic_path(target) as tmp:
        wb.save(tmp)
    print(f"已更新：{target}")
    print(f"“上年对比”新增{len(added_prior)}行，“类用途说明”新增{len(added_uses)}行。")
    if prior_json is not None:
        with_prior = sum(1 for r in new_rows if "prior" in r)
        print(f"已从 {prior_json.name} 读取{len(priors_in)}个上年预算数：填入已有行{filled}个，新增行{with_prior}个。")
        for conflict in conflicts:
            print(f"注意：{conflict}")
    if added_prior and prior_json is not None:
        print(
            f"请核对“上年对比”第{added_prior[0]}–{added_prior[-1]}行，B列为空的补填上年预算数，变化的填写主要原因（C列）。"
        )
    elif added_prior:
        print(f"请在“上年对比”第{added_prior[0]}–{added_prior[-1]}行填写上年预算数（B列）和变化的主要原因（C列）。")
    if added_uses:
        print(f"请在“类用途说明”第{added_uses[0]}–{added_uses[-1]}行填写“主要用于”（C列）。")
    if result.final_book is not None:
        print(f"“{schema.SHEET_FINAL_REASONS}”“{schema.SHEET_FINAL_PRIOR}”共新增{len(added_final)}行。")
        if added_final:
            print(
                f"请在“{schema.SHEET_FINAL_REASONS}”为决算数大于或小于年初预算数的项目填写主要原因（B列），"
                f"在“{schema.SHEET_FINAL_PRIOR}”填写上年决算数（B列）和变化的主要原因（C列）。"
            )
    return EXIT_OK


def _writable(row: NeededRow, functions: dict[str, str]) -> bool:
    """Never write a row for a 项 code the catalog does not know (its name would be blank)."""
    if row.key.startswith(schema.PRIOR_ITEM_PREFIX):
        return bool(functions.get(row.key.removeprefix(schema.PRIOR_ITEM_PREFIX)))
    return True


def _record(wb: openpyxl.Workbook, book: PriorBook, needed: NeededRow) -> None:
    """Record the figure a reason was written for (rules.md §4).

    Recorded when the reason is first seen, renewed only when its text has changed since (rewriting
    the reason is how the officer confirms it), so running prepare never silences a stale reason.
    A row without a reason keeps no record.
    """
    row = book.row_of(needed.key)
    if row is None or needed.row is None:
        return
    if clean_reason(row.reason) is None:
        if row.recorded is not None or row.recorded_check:
            set_cell(wb, schema.SHEET_PRIOR, needed.row, "recorded", None)
            set_cell(wb, schema.SHEET_PRIOR, needed.row, "recorded_check", None)
        return
    check = reason_check(row.reason)
    if row.recorded is None or (row.recorded_check or check) != check:
        set_cell(wb, schema.SHEET_PRIOR, needed.row, "recorded", needed.current)
    if row.recorded_check != check:
        set_cell(wb, schema.SHEET_PRIOR, needed.row, "recorded_check", check)


def _hint(row: NeededRow) -> str:
    return f"{row.hint}；本年{row.current.quantize(Decimal('0.01'))}万元"


# --- 决算 (issue 20) ------------------------------------------------------------------


def _prepare_final(wb: openpyxl.Workbook, book: FinalBook, prior_book: FinalPriorBook) -> list[int]:
    """Add the 预决算对比 and 上年决算对比 rows the 决算 needs, refresh their automatic columns and record
    each reason's figure (as `_record` does for 上年对比); returns the rows added."""
    sheet = schema.SHEET_FINAL_REASONS
    needed: dict[str, NeededFinalRow] = {}
    for row in book.needed:
        needed.setdefault(row.key, row)
    added = append_rows(wb, sheet, [{"key": r.label} for r in needed.values() if r.row is None])
    rows = iter(added)
    for r in needed.values():
        at = r.row if r.row is not None else next(rows)
        set_cell(wb, sheet, at, "budget", r.completion.budget)
        set_cell(wb, sheet, at, "final", r.completion.final)
        set_cell(wb, sheet, at, "hint", r.completion.describe())
        _record_reason(wb, sheet, at, book.row_of(r.key), r.completion.final)
    sheet = schema.SHEET_FINAL_PRIOR
    added_prior = append_rows(wb, sheet, [{"key": r.key} for r in prior_book.needed if r.row is None])
    rows = iter(added_prior)
    for r in prior_book.needed:
        at = r.row if r.row is not None else next(rows)
        set_cell(wb, sheet, at, "current", r.current)
        set_cell(wb, sheet, at, "hint", f"本年决算{r.current.quantize(Decimal('0.01'))}万元")
        _record_reason(wb, sheet, at, prior_book.row_of(r.key), r.current)
    return [*added, *added_prior]


def _record_reason(
    wb: openpyxl.Workbook, sheet: str, at: int, row: FinalReasonRow | FinalPriorRow | None, figure: Decimal
) -> None:
    """Record the figure a reason was written for; renewed only when the reason's text changes."""
    if row is None:
        return
    reason, recorded, recorded_check = row.reason, row.recorded, row.recorded_check
    if clean_reason(reason) is None:
        if recorded is not None or recorded_check:
            set_cell(wb, sheet, at, "recorded", None)
            set_cell(wb, sheet, at, "recorded_check", None)
        return
    check = reason_check(reason)
    if recorded is None or (recorded_check or check) != check:
        set_cell(wb, sheet, at, "recorded", figure)
    if recorded_check != check:
        set_cell(wb, sheet, at, "recorded_check", check)
