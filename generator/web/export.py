"""The bureau's table as an XLSX file (the same rows and columns as the page)."""

from __future__ import annotations

import datetime as dt
import io

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill

from generator.headline import LABELS
from generator.web.service import BureauRow, local

RED = PatternFill("solid", fgColor="FFC7CE")


def bureau_xlsx(rows: list[BureauRow], today: dt.date, year: int, final_year: int) -> bytes:
    """The board of 公开年度 `year`: the 预算 of `year` and the 决算 of `final_year` (the year before)."""
    wb = Workbook()
    ws = wb.active
    ws.title = "公开进度"
    headers = ["部门", "状态", "批复日期", "公开截止日", "剩余天数", "最新版本", "上传时间", "错误数"]
    for label in LABELS.values():
        headers += [f"{label}（万元）", f"{label}比上年增减"]
    headers += ["公开网址", "公开日期", "修订调整日"]
    headers += [
        "决算状态",
        "决算批复日期",
        "决算公开截止日",
        "决算剩余天数",
        "决算最新版本",
        "决算公开网址",
        "决算公开日期",
    ]
    ws.append(
        [
            f"{year}公开年度：预算为{year}年预算，决算为{final_year}年决算（在{year}年公开）。统计日期：{today.isoformat()}"
        ]
    )
    ws.append(headers)
    for cell in ws[2]:
        cell.font = Font(bold=True)
    for r in rows:
        v = r.latest
        line: list[object] = [
            r.department.name,
            r.status_text,
            r.deadline.approval if r.deadline else None,
            r.deadline.due if r.deadline else None,
            r.deadline.days_left if r.deadline else None,
            f"第{r.latest_no}版" if v else None,
            local(v.uploaded_at) if v else None,
            r.errors,
        ]
        for f in r.figures:
            line += [f.current, f.change]
        line += [None, None] * (len(LABELS) - len(r.figures))
        pub = r.published
        line += [pub.published_url if pub else None, pub.published_on if pub else None, r.revised_on]
        f = r.final
        if f is not None:
            fpub = f.published
            line += [
                f.status_text,
                f.deadline.approval if f.deadline else None,
                f.deadline.due if f.deadline else None,
                f.deadline.days_left if f.deadline else None,
                f"决算第{f.latest_no}版" if f.latest else None,
                fpub.published_url if fpub else None,
                fpub.published_on if fpub else None,
            ]
        ws.append(line)
        if r.overdue:
            ws.cell(ws.max_row, 5).fill = RED
        if f is not None and f.overdue:
            ws.cell(ws.max_row, headers.index("决算剩余天数") + 1).fill = RED
    for row in ws.iter_rows(min_row=3):
        for cell in row:
            if isinstance(cell.value, dt.date):
                cell.number_format = "yyyy-mm-dd"
            elif cell.column > 8 and cell.column <= 8 + 2 * len(LABELS):
                cell.number_format = "#,##0.00"
    ws.column_dimensions["A"].width = 36
    ws.freeze_panes = "B3"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def audit_xlsx(rows: list, departments: dict[int, str], total: int) -> bytes:
    """The audit log entries that match a filter (newest first), with the stable action codes."""
    from generator.web.db import ACTIONS

    wb = Workbook()
    ws = wb.active
    ws.title = "操作记录"
    note = f"共{total}条" + (f"，只导出最新的{len(rows)}条" if total > len(rows) else "")
    ws.append([note])
    ws.append(["时间（北京时间）", "账号", "操作", "操作代码", "部门", "对象", "说明", "来源地址"])
    for cell in ws[2]:
        cell.font = Font(bold=True)
    for e in rows:
        ws.append(
            [
                local(e.at),
                e.username,
                ACTIONS.get(e.action, e.action),
                e.action,
                departments.get(e.department_id, "") if e.department_id else "",
                e.object,
                e.detail,
                e.client,
            ]
        )
    for col, width in zip("ABCDEFGH", (20, 14, 18, 20, 30, 30, 50, 16), strict=True):
        ws.column_dimensions[col].width = width
    ws.freeze_panes = "A3"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
