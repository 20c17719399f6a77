"""The compare page's downloads: `disclosure diff`'s 修订说明.xlsx and 修订稿（修订模式）.docx.

`diff_outputs` runs as a job (kind "revisions", generator/jobqueue/runner.py) in a throw-away process,
like every other piece of work on uploaded files; it is the CLI's own `compare_workbooks` + `write_diff_outputs`.
`summary` groups a report's changes for the top of the compare page.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from generator.catalog.store import SHIPPED_ONLY, CatalogSource
from generator.diff import DiffReport
from generator.diff_outputs import REDLINE_DOCX, REPORT_XLSX

_SECTION = re.compile(r"(第.部分)\s*([一二三四五六七八九十]+(?:（[一二三四五六七八九十]+）)?)")
FILES = {"report.xlsx": REPORT_XLSX, "redline.docx": REDLINE_DOCX}


def diff_outputs(old: str, new: str, out_dir: str, catalogs: CatalogSource = SHIPPED_ONLY) -> dict:
    """`disclosure diff OLD NEW -o out_dir`: the report files and the redline, or which version cannot be computed."""
    from generator.diff import WorkbookHasErrors, compare_workbooks
    from generator.diff_outputs import write_diff_outputs

    try:
        report, a, b = compare_workbooks(Path(old), Path(new), catalogs)
    except WorkbookHasErrors as exc:
        return {"errors": exc.result.path.name}
    written, _ = write_diff_outputs(report, a, b, Path(out_dir))
    return {"files": [p.name for p in written]}


@dataclass(frozen=True)
class Summary:
    total: int
    by_part: list[tuple[str, int]]  # 第二部分 …, in the document's order
    by_table: list[tuple[str, int]]  # 表1 … 表10, 绩效目标表, and text sections
    stale: int
    flipped: int
    input_changes: int


def _section(location: str) -> str:
    """The table or section a change is in: "表5", "第三部分 五（三）", … (never finer than a section)."""
    m = _SECTION.match(location)
    if m:
        return f"{m[1]} {m[2]}"
    return location.split(" ", 1)[0][:20]


def summary(report: DiffReport) -> Summary:
    parts = Counter(c.part for c in report.changes)
    tables = Counter(_section(c.location) for c in report.changes)
    return Summary(
        total=len(report.changes),
        by_part=list(parts.items()),
        by_table=list(tables.items()),
        stale=len(report.stale_reasons),
        flipped=sum(1 for s in report.stale_reasons if s.flipped),
        input_changes=len(report.input_changes),
    )
