"""Headline figures of one workbook: the four numbers a reviewer looks at first, with last year's.

收支总计 (表1), 当年财政拨款 (表4), 财政拨款“三公”经费 (第三部分十) and 机关运行经费 (第三部分十一),
each computed by the same ledger functions the document uses, and the prior-year figure from the
上年对比 rows the document quotes. Used by the web application's version list and bureau table.
"""

from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel, ConfigDict

from generator.compute import ledger as L
from generator.compute.comparisons import PriorBook
from generator.compute.narrative import SANGONG_ITEMS, operating_cost
from generator.inputs import Inputs
from generator.workbook.schema import PriorKey as K

ZERO = Decimal("0.00")

FISCAL_INCOME_KEYS = (
    K.INCOME_GPB,
    K.INCOME_GPB_TRANSFER,
    K.INCOME_FUND,
    K.INCOME_FUND_TRANSFER,
    K.INCOME_SOE,
    K.INCOME_SOE_TRANSFER,
)
TOTAL_KEYS = (K.SPEND_BASIC, K.SPEND_PROJECT)
SANGONG_KEYS = tuple(key for key, _, _ in SANGONG_ITEMS)


class Figure(BaseModel):
    """One headline figure in 万元; `prior` is None when last year's figure is not in the workbook."""

    model_config = ConfigDict(frozen=True)

    label: str
    current: Decimal
    prior: Decimal | None = None

    @property
    def change(self) -> Decimal | None:
        return None if self.prior is None else self.current - self.prior


class Headline(BaseModel):
    model_config = ConfigDict(frozen=True)

    total: Figure  # 收支总计
    fiscal: Figure  # 当年财政拨款
    sangong: Figure  # 财政拨款“三公”经费
    operating: Figure  # 机关运行经费

    def figures(self) -> list[Figure]:
        return [self.total, self.fiscal, self.sangong, self.operating]


LABELS = {"total": "收支总计", "fiscal": "财政拨款", "sangong": "“三公”经费", "operating": "机关运行经费"}


def _prior(book: PriorBook, keys: tuple[K, ...]) -> Decimal | None:
    """Sum of the prior figures of `keys`; None when none of the rows is filled in."""
    values = [book.prior_of(k.value) for k in keys]
    if all(v is None for v in values):
        return None
    return sum((v for v in values if v is not None), ZERO)


def headline(inputs: Inputs) -> Headline:
    """A workbook's four main figures for the web's pages and board; a 决算's are its document's (`final_headline`)."""
    if inputs.final is not None:
        return final_headline(inputs)
    items = inputs.items
    fiscal = L.select(items, L.by_sources(L.FISCAL_CURRENT))
    book = PriorBook(inputs)
    sangong = sum((L.total(fiscal, L.econ_in(codes)) for _, _, codes in SANGONG_ITEMS), ZERO)
    return Headline(
        total=Figure(label=LABELS["total"], current=L.total(items), prior=_prior(book, TOTAL_KEYS)),
        fiscal=Figure(label=LABELS["fiscal"], current=L.total(fiscal), prior=_prior(book, FISCAL_INCOME_KEYS)),
        sangong=Figure(label=LABELS["sangong"], current=sangong, prior=_prior(book, SANGONG_KEYS)),
        operating=Figure(label=LABELS["operating"], current=operating_cost(items), prior=_prior(book, (K.OPERATING,))),
    )


def final_headline(inputs: Inputs) -> Headline:
    """A 决算 workbook's four numbers for the web's pages and board (issue 20): 收入支出决算总计, 财政拨款收入支出决算总计,
    财政拨款“三公”经费 and 机关运行经费 as its document states them (`compute.final.year_figures`, the figures its
    上年决算对比 compares), each with last year's 决算 from that sheet, so that “比上年” is the document's own
    comparison."""
    from generator.compute.final import year_figures
    from generator.workbook.schema import FinalPriorKey as F

    current = dict(year_figures(inputs))
    prior = {r.key: r.prior for r in inputs.final_priors}

    def figure(label: str, key: F) -> Figure:
        return Figure(label=LABELS[label], current=current[key.value], prior=prior.get(key.value))

    return Headline(
        total=figure("total", F.TOTAL),
        fiscal=figure("fiscal", F.FISCAL_TOTAL),
        sangong=figure("sangong", F.SANGONG),
        operating=figure("operating", F.OPERATING),
    )
