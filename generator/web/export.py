"""The bureau's table as an XLSX file (the same rows and columns as the page)."""

from __future__ import annotations

import datetime as dt
import io

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill

from generator.headline import LABELS
from generator.web.service import BureauRow, local

RED = PatternFill("solid", fgColor="FFC7CE")


def bureau_xlsx(rows: list[BureauRow], today: dt.date) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "公开进度"
    headers = ["部门", "状态", "批复日期", "公开截止日", "剩余天数", "最新版本", "上传时间", "错误数"]
    for label in LABELS.values():
        headers += [f"{label}（万元）", f"{label}比上年增减"]
    headers += ["公开网址", "公开日期"]
    ws.append([f"统计日期：{today.isoformat()}"])
    ws.append(headers)
    for cell in ws[2]:
        cell.font = Font(bold=True)
    for r in rows:
        v = r.latest
        line: list[object] = [
            r.department.name,
            r.status.value,
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
        line += [v.published_url if v else None, v.published_on if v else None]
        ws.append(line)
        if r.overdue:
            ws.cell(ws.max_row, 5).fill = RED
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
