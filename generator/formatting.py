"""Number, percentage and date formatting: the one place display precision lives.

The wording module uses these to write sentences, and the template filters use the
same functions for table cells, so a figure reads identically in text, DOCX and PDF.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
HUNDRED = Decimal(100)


def q2(value: Decimal) -> Decimal:
    """Round half-up (四舍五入) to 2 decimals."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def share(part: Decimal, base: Decimal) -> Decimal:
    """part ÷ base × 100, half-up to 2 decimals; 0 on a zero base."""
    if base == 0:
        return ZERO
    return q2(part * HUNDRED / base)


def rate(change: Decimal, prior: Decimal) -> Decimal | None:
    """|change| ÷ prior × 100, half-up to 2 decimals; None on a zero base (no rate)."""
    if prior == 0:
        return None
    return q2(abs(change) * HUNDRED / prior)


def amount(value: Decimal) -> str:
    """An amount in 万元 with exactly 2 decimals, no thousands separator: 1223.12."""
    return f"{q2(value):.2f}"


def percent(value: Decimal) -> str:
    return f"{q2(value):.2f}"


def table_cell(value: object) -> str:
    """A table cell: amounts with 2 decimals, zero or missing amounts blank."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return "" if value == 0 else amount(value)
    return str(value)


def styled_amount(value: Decimal, style: Any) -> str:
    """An amount (held in 万元) in a table's number style (`model.NumberStyle`): its unit
    (元 = × 10000, exact), decimals, zero fraction dropped or kept, thousands separators."""
    if style.unit == "元":
        value = value * 10000
    shown = value.quantize(Decimal(1).scaleb(-style.decimals), rounding=ROUND_HALF_UP)
    if style.drop_zero_fraction and shown == shown.to_integral_value():
        shown = shown.quantize(Decimal(1))
    return f"{shown:,f}" if style.thousands else f"{shown:f}"


def styled_cell(value: object, style: Any) -> str:
    """A table cell in a table's number style; zero or missing amounts blank when it says so."""
    if isinstance(value, Decimal):
        return "" if value == 0 and style.blank_zero else styled_amount(value, style)
    return table_cell(value)


_CN_DIGITS = "零一二三四五六七八九"


def cn_number(n: int) -> str:
    """1–99 in Chinese numerals as headings count: 一, 十, 十一, 二十, 二十一."""
    if not 1 <= n <= 99:
        raise ValueError(f"no Chinese ordinal for {n}")
    tens, ones = divmod(n, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else _CN_DIGITS[tens] + "十")
    return head + (_CN_DIGITS[ones] if ones else "")


def cn_date(value: dt.date) -> str:
    return f"{value.year}年{value.month}月{value.day}日"


def number(value: Decimal) -> str:
    """A plain number such as a weight or an area: no trailing zeros (15, 6.6, 59.14)."""
    text = f"{value.normalize():f}"
    return text
