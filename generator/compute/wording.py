"""Comparison phrases and amounts in prose (rules.md §4), pure functions of the numbers.

One amount style throughout: 2 decimals and 万元 (`1223.12万元`). Rates on a zero
base are never printed; no change reads 与上年预算持平.
"""

from __future__ import annotations

from decimal import Decimal

from generator import formatting as fmt
from generator.compute.comparisons import Comparison


def wan(value: Decimal) -> str:
    """`1223.12万元`."""
    return f"{fmt.amount(value)}万元"


def pct(value: Decimal) -> str:
    return f"{fmt.percent(value)}%"


def change_phrase(c: Comparison, prior_year: int, year: int, subject: str = "", against: str = "比上年预算") -> str:
    """The comparison clause, without a trailing reason.

    increase: 比上年预算增加Δ万元，增长r%; decrease: 比上年预算减少Δ万元，下降r%;
    no change: 与上年预算持平; new this year (prior 0): 上年未安排，本年新增X万元;
    both zero: {上年}年与{年}年均未安排{subject}.
    """
    if c.current == 0 and c.prior == 0:
        return f"{prior_year}年与{year}年均未安排{subject}"
    if c.change == 0:
        return "与上年预算持平"
    if c.prior == 0:
        return f"上年未安排，本年新增{wan(c.current)}"
    r = fmt.rate(c.change, c.prior)
    assert r is not None  # prior is non-zero here
    if c.change > 0:
        return f"{against}增加{wan(c.change)}，增长{pct(r)}"
    return f"{against}减少{wan(-c.change)}，下降{pct(r)}"


def _printable(c: Comparison) -> bool:
    """A typed reason is printed, also for an unchanged figure (never silently dropped), except when the item
    was budgeted in neither year or the reason only repeats the phrase already printed (`与上年预算持平`)."""
    if not c.reason or (c.current == 0 and c.prior == 0):
        return False
    return not (c.change == 0 and c.reason in ("与上年预算持平", "与上年持平", "持平"))


def reason_clause(c: Comparison, colon: bool = False) -> str:
    """`，主要原因是…` whenever a reason was typed (see `_printable`)."""
    if not _printable(c):
        return ""
    return f"，主要原因是{'：' if colon else ''}{c.reason}"


def reason_sentence(c: Comparison) -> str:
    """`主要原因是：…。` as a sentence of its own (五（一）, 十一（一））, also for an unchanged figure."""
    if not _printable(c):
        return ""
    return f"主要原因是：{c.reason}。"


def join_names(names: list[str]) -> str:
    return "、".join(names)
