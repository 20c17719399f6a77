"""Download names: from the department's registered name and the version, never from the workbook alone."""

from __future__ import annotations

try:
    from generator.filenames import content_disposition, safe_filename
except ImportError:  # pragma: no cover - until generator/filenames.py is merged
    import re
    from urllib.parse import quote

    def safe_filename(stem: str, suffix: str) -> str:
        stem = re.sub(r'[\x00-\x1f\x7f<>:"/\\|?*]+', "_", stem).strip(" .") or "文件"
        return stem[:80] + suffix

    def content_disposition(filename: str) -> str:
        ascii_name = filename.encode("ascii", "replace").decode().replace("?", "_").replace('"', "_")
        return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename, safe='')}"


def document_name(department: str, year: int | None, version_no: int, suffix: str) -> str:
    year_text = f"{year}年" if year else ""
    return safe_filename(f"{department}{year_text}部门预算公开（第{version_no}版）", suffix)


def version_file_name(department: str, version_no: int, what: str, suffix: str) -> str:
    return safe_filename(f"{department}-第{version_no}版-{what}", suffix)


__all__ = ["content_disposition", "document_name", "safe_filename", "version_file_name"]
