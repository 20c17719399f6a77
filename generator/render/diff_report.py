"""Lay out a `DiffReport`: the terminal summary, 修订说明.xlsx and 修订说明.html.

Nothing is computed here: every figure, location and cause comes from the report
(generator/diff.py). Labels are Chinese because the officer reads them.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from generator import formatting as fmt
from generator.diff import Change, DiffReport, StaleReason, TocMove
from generator.render.filters import make_env

ACTIONS = {"modified": "修改", "added": "新增", "removed": "删除"}
KINDS = {"table": "公开表", "text": "文字", "performance": "绩效目标表", "document": "封面及落款"}
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
STALE_FILL = PatternFill("solid", fgColor="FFF2CC")


def signed(value: Decimal | None) -> str:
    if value is None:
        return ""
    return f"+{fmt.amount(value)}" if value > 0 else fmt.amount(value)


def causes_text(report: DiffReport, change: Change) -> str:
    if not report.attributed:
        return "（修改项过多，未逐项追溯）"
    causes = report.causes_of(change)
    if not causes:
        return ""
    return "；".join(f"{c.location} {c.what} {c.field}：{c.old or '（空）'}→{c.new or '（空）'}" for c in causes)


def stale_note(s: StaleReason) -> str:
    if s.flipped:
        note = f"变化方向由“{s.old_direction}”变为“{s.new_direction}”，原因必须重写"
    else:
        note = "金额已变化，请核对原因是否仍然准确"
    if s.reason_rewritten:
        note += "（本版已修改原因文字）"
    return note


def page_text(page: int | None) -> str:
    return f"第{page}页" if page is not None else "（无）"


def toc_move_text(m: TocMove) -> str:
    return f"{m.entry}：{page_text(m.old_page)} → {page_text(m.new_page)}"


TOC_MOVES_NOTE = "前文内容增减，页码随之移动（页码按排版结果，与生成的公开文件一致）"


def summary_lines(report: DiffReport) -> list[str]:
    """The short terminal summary."""
    if report.empty:
        return [f"{report.old_file} 与 {report.new_file} 生成的公开内容完全相同，没有修改。"]
    lines = [f"修订对比：{report.old_file} → {report.new_file}", "", "主要数字（万元）："]
    for h in report.headlines:
        mark = f"（{signed(h.delta)}）" if h.delta else "（未变）"
        lines.append(f"  {h.name}：{fmt.amount(h.old)} → {fmt.amount(h.new)}{mark}")
    counts: dict[str, int] = {}
    for c in report.changes:
        counts[KINDS[c.kind]] = counts.get(KINDS[c.kind], 0) + 1
    by_kind = "，".join(f"{k}{n}处" for k, n in counts.items()) or "无"
    lines += ["", f"工作簿修改{len(report.input_changes)}处；公开文件修改{len(report.changes)}处（{by_kind}）。"]
    for c in report.changes[:12]:
        lines.append(f"  [{ACTIONS[c.action]}] {c.location}：{c.old or '（无）'} → {c.new or '（无）'}")
    if len(report.changes) > 12:
        lines.append(f"  ……其余{len(report.changes) - 12}处见修订说明。")
    if report.toc_moves:
        lines += ["", f"目录页码变化{len(report.toc_moves)}处（{TOC_MOVES_NOTE}）："]
        lines += [f"  {toc_move_text(m)}" for m in report.toc_moves[:12]]
        if len(report.toc_moves) > 12:
            lines.append(f"  ……其余{len(report.toc_moves) - 12}处见修订说明。")
    for label, errors in (("原工作簿", report.old_errors), ("新工作簿", report.new_errors)):
        if errors:
            lines += ["", f"注意：{label}有{len(errors)}个错误，修改后才能生成公开文件（运行 disclosure check 查看）："]
            lines += [f"  {e}" for e in errors[:5]]
            if len(errors) > 5:
                lines.append(f"  ……其余{len(errors) - 5}个见修订说明。")
    if report.stale_reasons:
        lines += ["", f"需要核对的“主要原因”{len(report.stale_reasons)}条（所说明的金额已变化）："]
        for s in report.stale_reasons:
            lines.append(
                f"  上年对比!{s.cell} {s.key}：本年数{fmt.amount(s.old_current)}→{fmt.amount(s.new_current)}，{stale_note(s)}"
            )
    return lines


def _sheet(wb: Workbook, title: str, headers: list[str], rows: list[list[object]], widths: list[int]):
    ws = wb.create_sheet(title)
    ws.append(headers)
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(vertical="center", wrap_text=True)
    for row in rows:
        ws.append(row)
        for cell in ws[ws.max_row]:
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.data_type = "s"  # workbook text such as 指标值 "=1个" is text, never a formula
    for n, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(n)].width = width
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(vertical="top", wrap_text=True)
    ws.freeze_panes = "A2"
    ws.print_title_rows = "1:1"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.sheet_properties.pageSetUpPr.fitToPage = True  # print one page wide, as many pages tall as needed
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    return ws


def write_xlsx(report: DiffReport, target: Path) -> None:
    """修订说明.xlsx: 概要 (headline figures), 修改明细, 工作簿修改, 需核对的原因."""
    wb = Workbook()
    wb.remove(wb.active)
    summary = _sheet(
        wb,
        "概要",
        ["项目", "原版本", "新版本", "增减"],
        [
            ["原工作簿", report.old_file, "", ""],
            ["新工作簿", report.new_file, "", ""],
            *[[h.name, float(h.old), float(h.new), float(h.delta)] for h in report.headlines],
            ["公开文件修改（处）", "", len(report.changes), ""],
            ["工作簿修改（处）", "", len(report.input_changes), ""],
            ["需核对的原因（条）", "", len(report.stale_reasons), ""],
            ["目录页码变化（处）", "", len(report.toc_moves), ""],
            ["工作簿错误（个）", len(report.old_errors), len(report.new_errors), ""],
        ],
        [22, 40, 16, 14],
    )
    for row in summary.iter_rows(min_row=4, max_row=3 + len(report.headlines), min_col=2, max_col=4):
        for cell in row:
            cell.number_format = "0.00"
    _sheet(
        wb,
        "修改明细",
        ["序号", "部分", "类别", "位置", "修改方式", "原内容", "新内容", "增减（万元）", "引起修改的工作簿内容"],
        [
            [
                n,
                c.part,
                KINDS[c.kind],
                c.location,
                ACTIONS[c.action],
                c.old,
                c.new,
                signed(c.delta),
                causes_text(report, c),
            ]
            for n, c in enumerate(report.changes, start=1)
        ],
        [6, 10, 10, 36, 8, 48, 48, 12, 60],
    )
    _sheet(
        wb,
        "工作簿修改",
        ["编号", "位置", "修改方式", "内容", "栏目", "原值", "新值"],
        [[c.id, c.location, ACTIONS[c.action], c.what, c.field, c.old, c.new] for c in report.input_changes],
        [6, 16, 8, 60, 16, 30, 30],
    )
    stale = _sheet(
        wb,
        "需核对的原因",
        ["位置", "比较项目", "原本年数", "新本年数", "上年数", "原因", "提示"],
        [
            [
                f"上年对比!{s.cell}" if s.cell else "上年对比",
                s.key,
                float(s.old_current),
                float(s.new_current),
                float(s.prior) if s.prior is not None else None,
                s.reason,
                stale_note(s),
            ]
            for s in report.stale_reasons
        ],
        [14, 36, 12, 12, 12, 48, 40],
    )
    for row in stale.iter_rows(min_row=2):
        for cell in row:
            cell.fill = STALE_FILL
    if report.toc_moves:
        _sheet(
            wb,
            "目录页码",
            ["目录条目", "原页码", "新页码", "说明"],
            [[m.entry, m.old_page, m.new_page, TOC_MOVES_NOTE] for m in report.toc_moves],
            [48, 10, 10, 50],
        )
    if report.old_errors or report.new_errors:
        _sheet(
            wb,
            "工作簿错误",
            ["工作簿", "错误（修改后才能生成公开文件）"],
            [[report.old_file, e] for e in report.old_errors] + [[report.new_file, e] for e in report.new_errors],
            [30, 100],
        )
    wb.properties.creator = "预算公开生成工具"
    wb.save(target)


def render_html(report: DiffReport) -> str:
    env = make_env("html")
    env.globals.update(
        actions=ACTIONS,
        kinds=KINDS,
        signed=signed,
        causes_text=causes_text,
        stale_note=stale_note,
        page_text=page_text,
        toc_moves_note=TOC_MOVES_NOTE,
    )
    return env.get_template("diff.html").render(r=report)
