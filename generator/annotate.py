"""`disclosure check --annotate`: a copy of the workbook with every problem marked in place.

The copy gets a first sheet “问题清单” listing every issue (level, location as a link to
the cell, message, code); each problem cell is filled (red for errors, yellow for
warnings) and carries a comment with all messages for that cell. The input workbook
is never modified: it is read from memory and the copy is written atomically.
When the input cannot be opened at all (not a workbook, encrypted, a zip bomb …),
the copy holds only the 问题清单 sheet.
"""

from __future__ import annotations

import io
import re
import warnings
from collections.abc import Iterable
from pathlib import Path

import openpyxl
from openpyxl import Workbook
from openpyxl.cell.cell import MergedCell
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.hyperlink import Hyperlink
from openpyxl.worksheet.worksheet import Worksheet

from generator.issues import Issue, sort_issues
from generator.output import atomic_path
from generator.workbook import schema

SHEET_ISSUES = "问题清单"
FILL_ERROR = PatternFill("solid", fgColor="FF7C80")
FILL_WARNING = PatternFill("solid", fgColor="FFEB84")
COMMENT_AUTHOR = "disclosure check"
MAX_COMMENT_CHARS = 30000  # Excel's limit is 32767 characters per comment
HEADERS = (("序号", 6), ("级别", 8), ("位置", 22), ("问题说明", 100), ("代码", 26))
_CELL_REF = re.compile(r"^([A-Z]{1,3})([1-9]\d{0,6})$")
MAX_ROW, MAX_COL = 1_048_576, 16_384


def annotate(workbook: Path, issues: list[Issue], out: Path) -> None:
    """Write to `out` a copy of `workbook` with a 问题清单 sheet and every issue cell marked."""
    issues = sort_issues(list(issues), (schema.SHEET_GUIDE, *schema.INPUT_SHEETS, *schema.FINAL_SHEETS))
    wb = _open_copy(Path(workbook))
    if wb is not None:
        try:
            ws = wb.create_sheet(SHEET_ISSUES, 0)
            wb.active = 0
            for other in wb.worksheets[1:]:
                other.sheet_view.tabSelected = False
            _write_list(ws, issues, _mark_cells(wb, issues))
            _save(wb, Path(out))
            return
        except OSError:
            raise
        except Exception:  # something in the copy openpyxl cannot write back: list the problems only
            pass
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET_ISSUES
    _write_list(ws, issues, set())
    _save(wb, Path(out))


def _save(wb: Workbook, out: Path) -> None:
    with atomic_path(out) as tmp:
        wb.save(tmp)


def _open_copy(path: Path) -> Workbook | None:
    """The workbook loaded from its bytes (formulas kept), or None when it cannot be opened safely.

    Only files the reader accepted as workbooks get here with a chance of opening: the
    reader's file-level checks (size, zip bomb, cell count) are repeated first so a
    hostile file is never handed to openpyxl.
    """
    from generator.workbook import reader

    try:
        data, issue = reader._read_file(path)
        if issue is not None or data is None:
            return None
        if not reader.safe_to_open(data):
            return None
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return openpyxl.load_workbook(io.BytesIO(data), data_only=False, keep_vba=False, keep_links=False)
    except Exception:  # any failure to open means: list the problems only
        return None


def _target(wb: Workbook, issue: Issue) -> tuple[Worksheet, str] | None:
    """The worksheet and normalised cell an issue points at, if both exist and are valid."""
    if not issue.sheet or not issue.cell or issue.sheet not in wb.sheetnames:
        return None
    ws = wb[issue.sheet]
    if not isinstance(ws, Worksheet):
        return None
    m = _CELL_REF.match(issue.cell.strip().upper())
    if m is None:
        return None
    col = openpyxl.utils.column_index_from_string(m[1])
    if int(m[2]) > MAX_ROW or col > MAX_COL:
        return None
    return ws, f"{m[1]}{m[2]}"


def _mark_cells(wb: Workbook, issues: Iterable[Issue]) -> set[int]:
    """Fill and comment every issue cell; returns the indexes of the issues that were marked."""
    by_cell: dict[tuple[str, str], list[tuple[int, Issue]]] = {}
    for n, issue in enumerate(issues):
        target = _target(wb, issue)
        if target is not None:
            by_cell.setdefault((target[0].title, target[1]), []).append((n, issue))
    marked: set[int] = set()
    for (sheet, coord), found in by_cell.items():
        ws = wb[sheet]
        cell = ws[coord]
        if isinstance(cell, MergedCell):  # inside a merged range: mark its top-left cell
            for rng in ws.merged_cells.ranges:
                if coord in rng:
                    cell = ws.cell(rng.min_row, rng.min_col)
                    break
        if isinstance(cell, MergedCell):
            continue
        any_error = any(i.is_error for _, i in found)
        cell.fill = FILL_ERROR if any_error else FILL_WARNING
        lines = [f"{_level(i)}：{i.message} [{i.code}]" for _, i in found]
        text = "\n".join(lines)
        if cell.comment is not None:  # keep the template's note below the problems
            text = f"{text}\n——\n{cell.comment.text}"
        if len(text) > MAX_COMMENT_CHARS:
            text = text[:MAX_COMMENT_CHARS] + "……"
        comment = Comment(text, COMMENT_AUTHOR)
        comment.width = 360
        comment.height = min(60 + 40 * len(lines), 600)
        cell.comment = comment
        marked.update(n for n, _ in found)
    return marked


def _level(issue: Issue) -> str:
    return "错误" if issue.is_error else "警告"


def _write_list(ws: Worksheet, issues: list[Issue], marked: set[int]) -> None:
    bold = Font(bold=True)
    for col, (header, width) in enumerate(HEADERS, start=1):
        cell = ws.cell(1, col, header)
        cell.font = bold
        ws.column_dimensions[openpyxl.utils.get_column_letter(col)].width = width
    ws.freeze_panes = "A2"
    wrap = Alignment(wrap_text=True, vertical="top")
    link_font = Font(color="0563C1", underline="single")
    for n, issue in enumerate(issues):
        row = n + 2
        ws.cell(row, 1, n + 1)
        level = ws.cell(row, 2, _level(issue))
        level.fill = FILL_ERROR if issue.is_error else FILL_WARNING
        where = ws.cell(row, 3, _text(issue.location) or None)
        if n in marked and issue.sheet and issue.cell:
            sheet = issue.sheet.replace("'", "''")
            # an internal link (location only, no relationship): opens the sheet at the cell
            where.hyperlink = Hyperlink(ref=where.coordinate, location=f"'{sheet}'!{issue.cell.strip().upper()}")
            where.font = link_font
        msg = ws.cell(row, 4, _text(issue.message))
        msg.data_type = "s"  # literal text even if it starts with "="
        msg.alignment = wrap
        ws.cell(row, 5, issue.code)
    if not issues:
        ws.cell(2, 4, "没有发现问题。")


def _text(value: str) -> str:
    """Message text as a literal string cell: never a formula, no characters XML cannot hold."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    return ILLEGAL_CHARACTERS_RE.sub("□", value)
