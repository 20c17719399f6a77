"""Download names: from the department's registered name and the version, never from the workbook alone."""

from __future__ import annotations

from generator.filenames import content_disposition, safe_filename


def document_name(department: str, year: int | None, version_no: int, suffix: str, document: str = "预算") -> str:
    """`document` is 预算 or 决算."""
    year_text = f"{year}年" if year else ""
    return safe_filename(f"{department}{year_text}部门{document}公开（第{version_no}版）", suffix)


def version_file_name(department: str, version_no: int, what: str, suffix: str) -> str:
    return safe_filename(f"{department}-第{version_no}版-{what}", suffix)


__all__ = ["content_disposition", "document_name", "safe_filename", "version_file_name"]
