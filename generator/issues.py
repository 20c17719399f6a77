"""Problems found in a workbook: values with a location, collected and reported together.

Every stage returns its result plus a list of `Issue`s instead of raising on the
first problem. Errors block rendering; warnings do not. Messages are Chinese and
say what was found and what to do.
"""

from __future__ import annotations

from enum import Enum

from pydantic import BaseModel, ConfigDict


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"


class Issue(BaseModel):
    """One problem, located at sheet!cell where there is a cell to point at."""

    model_config = ConfigDict(frozen=True)

    code: str  # stable identifier, e.g. "amount-not-number"
    severity: Severity
    message: str  # Chinese: what was found and how to fix it
    sheet: str | None = None
    cell: str | None = None  # "D14"; None when the problem is not one cell
    value: str | None = None  # the offending value as text, if any

    @property
    def location(self) -> str:
        if self.sheet and self.cell:
            return f"{self.sheet}!{self.cell}"
        return self.sheet or ""

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR


def error(code: str, message: str, sheet: str | None = None, cell: str | None = None, value: object = None) -> Issue:
    return Issue(code=code, severity=Severity.ERROR, message=message, sheet=sheet, cell=cell, value=_text(value))


def warning(code: str, message: str, sheet: str | None = None, cell: str | None = None, value: object = None) -> Issue:
    return Issue(code=code, severity=Severity.WARNING, message=message, sheet=sheet, cell=cell, value=_text(value))


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def has_errors(issues: list[Issue]) -> bool:
    return any(i.is_error for i in issues)


def _row_col(cell: str | None) -> tuple[int, int]:
    """Sort key for "D14": (14, 4)."""
    if not cell:
        return (0, 0)
    letters = "".join(ch for ch in cell if ch.isalpha())
    digits = "".join(ch for ch in cell if ch.isdigit())
    col = 0
    for ch in letters:
        col = col * 26 + ord(ch.upper()) - 64
    return (int(digits or 0), col)


def sort_issues(issues: list[Issue], sheet_order: tuple[str, ...] = ()) -> list[Issue]:
    """Errors first, then by sheet (workbook order), row and column."""
    order = {name: i for i, name in enumerate(sheet_order)}

    def key(i: Issue) -> tuple[int, int, tuple[int, int], str]:
        return (0 if i.is_error else 1, order.get(i.sheet or "", len(order)), _row_col(i.cell), i.code)

    return sorted(issues, key=key)


def format_issue(issue: Issue, source: str = "") -> str:
    """One line: `file.xlsx:支出明细!D14: 错误：… [code]`, one form everywhere."""
    label = "错误" if issue.is_error else "警告"
    where = ":".join(p for p in (source, issue.location) if p)
    prefix = f"{where}: " if where else ""
    return f"{prefix}{label}：{issue.message} [{issue.code}]"
