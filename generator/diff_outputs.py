"""`disclosure diff` outputs: 修订说明.xlsx, 修订说明.html and the redline DOCX, published together."""

from __future__ import annotations

from pathlib import Path

from generator.diff import DiffReport
from generator.output import atomic_paths
from generator.pipeline import Result
from generator.render.diff_report import render_html, write_xlsx

REPORT_XLSX = "修订说明.xlsx"
REPORT_HTML = "修订说明.html"
REDLINE_DOCX = "修订稿（修订模式）.docx"


def write_diff_outputs(report: DiffReport, old: Result, new: Result, out_dir: Path) -> tuple[list[Path], DiffReport]:
    """Write the change report (xlsx, html) and the redline into `out_dir`; all files or none.

    The redline is paginated like a build (目录 page numbers from LibreOffice, when installed); the
    returned report is `report` with the 目录 entries whose page moved, as the files list them."""
    from generator.render.redline import write_redline

    assert old.disclosure is not None and new.disclosure is not None
    targets = {
        "xlsx": out_dir / REPORT_XLSX,
        "html": out_dir / REPORT_HTML,
        "redline": out_dir / REDLINE_DOCX,
    }
    with atomic_paths(targets) as tmp:
        moves = write_redline(old.disclosure, new.disclosure, tmp["redline"], paginate=True)
        report = report.model_copy(update={"toc_moves": moves})
        write_xlsx(report, tmp["xlsx"])
        tmp["html"].write_text(render_html(report), encoding="utf-8")
    return list(targets.values()), report
