"""Prior-year figures and reasons from sheet 上年对比, matched to the comparisons the document makes.

Computing the narrative asks this book for each comparison it needs. The book answers
with the prior figure and reason, and records (a) located issues for anything
missing and (b) the list of rows the document needs, which `disclosure prepare`
writes into the workbook so the officer never has to guess.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Protocol, TypeVar

from generator import formatting as fmt
from generator.inputs import Inputs, PriorRow
from generator.issues import Issue, error, warning
from generator.workbook import schema
from generator.workbook.schema import PRIOR_ITEM_PREFIX, PriorKey

ZERO = Decimal("0.00")
SHEET = schema.SHEET_PRIOR
_ITEM_KEY = re.compile(r"^一般公共预算项[：:]\s*(\d{7})")
_FIXED = {k.value: k for k in PriorKey}


def normalise_key(text: str) -> str | None:
    """The canonical key of a 比较项目 cell, or None if it is not one we know."""
    t = text.strip().replace(":", "：").replace(" ", "").replace("\u3000", "")
    m = _ITEM_KEY.match(t)
    if m:
        return item_key(m.group(1))
    for value in _FIXED:
        if t == value.replace(" ", ""):
            return value
    return None


def item_key(code: str) -> str:
    return f"{PRIOR_ITEM_PREFIX}{code}"


@dataclass(frozen=True)
class Comparison:
    key: str
    current: Decimal
    prior: Decimal
    reason: str | None

    @property
    def change(self) -> Decimal:
        return self.current - self.prior


def clean_reason(text: str | None) -> str | None:
    """The reason as printed: no leading 主要原因是, no trailing punctuation; None when empty."""
    reason = (text or "").strip().rstrip("。；;，,").strip() or None
    if reason:
        reason = re.sub(r"^主要原因(是|为)?[：:]?", "", reason).strip() or None
    return reason


def reason_check(text: str | None) -> str:
    """A short digest of a reason's text: tells `prepare` whether the officer has rewritten it."""
    cleaned = clean_reason(text) or ""
    return hashlib.sha256(cleaned.encode("utf-8")).hexdigest()[:8]


def direction(current: Decimal, prior: Decimal) -> str:
    """增加 / 减少 / 持平 / 新增 (prior zero) / 未安排 (both zero), as the sentence words it."""
    if current == prior:
        return "未安排" if current == 0 else "持平"
    if prior == 0:
        return "新增"
    return "增加" if current > prior else "减少"


class ReasonRow(Protocol):
    """A row of a reason sheet (上年对比, 预决算对比, 上年决算对比): its key, reason and the figure it was written for."""

    row: int
    key: str
    reason: str | None
    recorded: Decimal | None
    recorded_check: str | None

    def cell(self, sheet: str, key: str) -> str: ...


R = TypeVar("R", bound=ReasonRow)


def bind_rows(
    rows: Sequence[R], sheet: str, normalise: Callable[[str], str | None], codes: str, standard: str
) -> tuple[dict[str, R], list[Issue]]:
    """A reason sheet's rows by canonical key, and an error at every row whose key is unknown or repeated.

    `codes`: the issue codes' prefix (`prior` → prior-key-unknown, prior-key-duplicate); `standard`: the standard
    keys the unknown-key message shows, as written there (“…”或“…”)."""
    bound: dict[str, R] = {}
    issues: list[Issue] = []
    for row in rows:
        key = normalise(row.key)
        where = row.cell(sheet, "key")
        if key is None:
            issues.append(
                error(
                    f"{codes}-key-unknown",
                    f"无法识别比较项目“{row.key}”。请使用 disclosure prepare 生成的标准写法（如{standard}），或删除此行",
                    sheet,
                    where,
                    row.key,
                )
            )
        elif key in bound:
            issues.append(
                error(
                    f"{codes}-key-duplicate",
                    f"比较项目“{row.key}”重复（第{bound[key].row}行已填写），请删除其中一行",
                    sheet,
                    where,
                    row.key,
                )
            )
        else:
            bound[key] = row
    return bound, issues


def written_for(row: ReasonRow, figure: Decimal) -> Decimal | None:
    """The figure (to the fen) a reason was written for, when that is no longer `figure`; None when the reason
    is not bound (never recorded), was rewritten since (the officer has confirmed it) or still fits (rules.md §4)."""
    if row.recorded is None:
        return None
    if row.recorded_check and row.recorded_check != reason_check(row.reason):
        return None  # rewritten since it was recorded: the officer has confirmed it
    recorded = fmt.q2(row.recorded)
    return None if recorded == fmt.q2(figure) else recorded  # the figure as published (元 workbooks: to the fen)


@dataclass(frozen=True)
class NeededRow:
    """A row the document needs in 上年对比, for `disclosure prepare`."""

    key: str  # canonical key; items get their name appended when written
    label: str  # key as written into the sheet
    current: Decimal
    hint: str
    present: bool
    row: int | None


@dataclass
class PriorBook:
    inputs: Inputs
    issues: list[Issue] = field(default_factory=list)
    needed: list[NeededRow] = field(default_factory=list)
    _rows: dict[str, PriorRow] = field(default_factory=dict)
    _orphans: set[str] = field(default_factory=set)
    _next_row: int = 0

    def __post_init__(self) -> None:
        self._next_row = self.inputs.next_rows.get(SHEET, schema.FIRST_DATA_ROW)
        standard = f"“{PriorKey.INCOME_GPB.value}”或“{PRIOR_ITEM_PREFIX}2010301 行政运行”"
        self._rows, issues = bind_rows(self.inputs.priors, SHEET, normalise_key, "prior", standard)
        self.issues += issues

    def compare(self, key: str, current: Decimal, label: str, hint: str, required: bool | None = None) -> Comparison:
        """The comparison for `key`; reports a missing row, figure or reason at its cell.

        A row is required when the current figure is non-zero (or `required` says so);
        otherwise a missing row means the item was not budgeted last year either.
        """
        row = self._rows.get(key)
        must = current != 0 if required is None else required
        self.needed.append(NeededRow(key, label, current, hint, row is not None, row.row if row else None))
        if row is None:
            if must:
                n = self._next_row
                self._next_row += 1
                self.issues.append(
                    error(
                        "prior-row-missing",
                        f"缺少比较项目“{label}”（{hint}，本年{current:.2f}万元）。请在上年对比!A{n}填写“{label}”，"
                        f"B{n}填写上年预算数（上年没有则填0），变化时在C{n}填写主要原因；"
                        "也可运行 disclosure prepare 自动添加所需行",
                        SHEET,
                        f"A{n}",
                    )
                )
            return Comparison(key, current, ZERO, None)
        prior = row.prior
        if prior is None:
            self.issues.append(
                error(
                    "prior-amount-missing",
                    f"“{label}”缺少上年预算数：请填写上年预算公开中的对应数（上年没有则填0）",
                    SHEET,
                    row.cell(SHEET, "prior"),
                )
            )
            prior = ZERO
        reason = clean_reason(row.reason)
        if reason and row.prior is not None:
            self._check_recorded(row, label, current, prior)
        if current != prior and not reason and row.prior is not None:
            self.issues.append(
                error(
                    "reason-missing",
                    f"“{label}”本年{current:.2f}万元，上年{prior:.2f}万元，发生变化，请填写主要原因",
                    SHEET,
                    row.cell(SHEET, "reason"),
                )
            )
        return Comparison(key, current, prior, reason)

    def _check_recorded(self, row: PriorRow, label: str, current: Decimal, prior: Decimal) -> None:
        """A reason belongs to the figure it was written for (rules.md §4).

        `prepare` records the current figure beside a reason when it first sees it, and again only when
        the reason text has changed. A rewritten reason (its digest differs) counts as confirmed.
        """
        recorded = written_for(row, current)
        if recorded is None:
            return
        was, now = direction(recorded, prior), direction(current, prior)
        cell = row.cell(SHEET, "reason")
        if was != now:
            self.issues.append(
                error(
                    "reason-direction-flipped",
                    f"“{label}”的主要原因是按{was}写的（当时本年{recorded:.2f}万元），现在本年{current:.2f}万元、"
                    f"上年{prior:.2f}万元，是{now}。原因是按{was}写的，现在是{now}，请改写主要原因",
                    SHEET,
                    cell,
                    row.reason,
                )
            )
        else:
            self.issues.append(
                warning(
                    "reason-figure-moved",
                    f"“{label}”的主要原因是按本年{recorded:.2f}万元写的，现在本年为{current:.2f}万元。"
                    "请确认原因仍然适用；如需修改，改写原因后运行 disclosure prepare",
                    SHEET,
                    cell,
                    row.reason,
                )
            )

    def unneeded(self, key: str) -> None:
        """Report a row the document no longer needs (never a demand for its values)."""
        row = self._rows[key]
        self._orphans.add(key)
        self.issues.append(
            warning("prior-row-unneeded", f"“{row.key}”：此行已不需要，可删除", SHEET, row.cell(SHEET, "key"), row.key)
        )

    def finish(self) -> None:
        """Warn about every row no comparison asked for."""
        asked = {n.key for n in self.needed}
        for key in self._rows:
            if key not in asked and key not in self._orphans:
                self.unneeded(key)

    def row_of(self, key: str) -> PriorRow | None:
        return self._rows.get(key)

    def item_rows(self) -> dict[str, PriorRow]:
        """Rows of section 五（三）, by 7-digit code."""
        return {k.removeprefix(PRIOR_ITEM_PREFIX): r for k, r in self._rows.items() if k.startswith(PRIOR_ITEM_PREFIX)}

    def prior_of(self, key: str) -> Decimal | None:
        row = self._rows.get(key)
        return row.prior if row else None

    def prior_cell(self, key: str) -> str | None:
        """The 上年预算数 cell of `key`'s row, if the row exists."""
        row = self._rows.get(key)
        return row.cell(SHEET, "prior") if row else None
