"""Comparisons as sentences need them (rules.md §4): the case and the figures each case prints.

The words themselves belong to the format (`_phrases.j2` among the section templates); this
module computes what they choose among: the direction, the change, the rate (never on a zero
base) and whether a typed reason is printed.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from generator import formatting as fmt
from generator.compute.comparisons import Comparison, direction
from generator.formats.text import DEFAULT_SECTIONS, load_sections


def wan(value: Decimal) -> str:
    """`1223.12万元` (issue messages; sentences use the format's `money` filter)."""
    return f"{fmt.amount(value)}万元"


@dataclass(frozen=True)
class Change:
    """One comparison with last year, as a template reads it."""

    direction: str  # 增加 / 减少 / 持平 / 新增 (prior zero) / 未安排 (both zero)
    current: Decimal
    prior: Decimal
    delta: Decimal  # |current − prior|
    rate: Decimal | None  # |Δ| ÷ prior × 100, half-up; None on a zero base
    reason: str | None  # the typed reason when it is printed (see `_printable`)


def change_of(c: Comparison) -> Change:
    return Change(
        direction=direction(c.current, c.prior),
        current=c.current,
        prior=c.prior,
        delta=abs(c.change),
        rate=fmt.rate(c.change, c.prior),
        reason=c.reason if _printable(c) else None,
    )


def _printable(c: Comparison) -> bool:
    """A typed reason is printed, also for an unchanged figure (never silently dropped), except when the item
    was budgeted in neither year or the reason only repeats the phrase already printed (`与上年预算持平`)."""
    if not c.reason or (c.current == 0 and c.prior == 0):
        return False
    return not (c.change == 0 and c.reason in ("与上年预算持平", "与上年持平", "持平"))


def change_phrase(
    c: Comparison,
    prior_year: int,
    year: int,
    subject: str = "",
    against: str = "比上年预算",
    folder: Path = DEFAULT_SECTIONS,
) -> str:
    """The comparison clause without its reason, as the format's `_phrases.j2` words it.

    Xinjiang: 比上年预算增加Δ万元，增长r% / 比上年预算减少Δ万元，下降r% / 与上年预算持平 /
    上年未安排，本年新增X万元 / {上年}年与{年}年均未安排{subject}.
    """
    macro = load_sections(folder).macro("_phrases", "change", {"year": year, "prior_year": prior_year})
    return macro(change_of(c), subject, against)
