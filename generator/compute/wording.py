"""Comparisons as sentences need them (rules.md §4): the case and the figures each case prints.

The words themselves belong to the format (`_phrases.j2` among the section templates); this
module computes what they choose among: the direction, the change, the rate (never on a zero
base) and whether a typed reason is printed.
"""

from __future__ import annotations

import re
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
    reason: str | None  # the typed reason when it is printed (see `echoes`)


def change_of(c: Comparison, subject: str = "") -> Change:
    """The comparison of `subject` (the item's name, e.g. 政府性基金预算), with the reason a sentence prints."""
    return Change(
        direction=direction(c.current, c.prior),
        current=c.current,
        prior=c.prior,
        delta=abs(c.change),
        rate=fmt.rate(c.change, c.prior),
        reason=c.reason if c.reason and not echoes(c.reason, subject, direction(c.current, c.prior)) else None,
    )


# Words a reason may wrap around the case it restates: years, 上年/本年, joiners, 预算/资金/经费.
_FILLER = re.compile(r"\d{4}年?|上年|本年|今年|与|和|及|、|，|,|均|都|预算|资金|经费|的")
_ECHOES = {"未安排": ("未安排", "没有安排", "没安排", "无", ""), "持平": ("持平", "")}


def echoes(reason: str, subject: str, case: str) -> bool:
    """A reason typed for an unchanged item that only restates its case adds nothing and is not printed:
    `2022年与2023年均未安排政府性基金预算` for 政府性基金预算 未安排, `与上年预算持平` for 持平. Every other typed
    reason is printed (never silently dropped), also for an item budgeted in neither year (`财政未安排预算`)."""
    if case not in _ECHOES:
        return False
    rest = _FILLER.sub("", reason.replace(subject, "") if subject else reason)
    return rest in _ECHOES[case]


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
    上年无此项 (the amount is already in the sentence) / {上年}年与{年}年均未安排{subject}.
    """
    macro = load_sections(folder).macro("_phrases", "change", {"year": year, "prior_year": prior_year})
    return macro(change_of(c, subject), subject, against)
