"""Business rules of the bureau page and the headline figures, by hand and from the reference documents."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from generator.headline import headline
from generator.web.rules import DEADLINE_DAYS, LatestFacts, Status, deadline, overdue, status


def test_deadline_is_twenty_days_after_approval() -> None:
    d = deadline(dt.date(2023, 1, 20), today=dt.date(2023, 1, 31))
    assert DEADLINE_DAYS == 20
    assert d is not None and d.due == dt.date(2023, 2, 9)  # 20 Jan + 20 days (11 in Jan, 9 in Feb)
    assert d.days_left == 9 and not d.overdue


def test_deadline_across_month_and_leap_day() -> None:
    d = deadline(dt.date(2024, 2, 15), today=dt.date(2024, 3, 7))
    assert d is not None and d.due == dt.date(2024, 3, 6)  # 2024 has 29 Feb: 14 days in Feb + 6 in Mar
    assert d.days_left == -1 and d.overdue


def test_deadline_day_itself_is_not_overdue() -> None:
    d = deadline(dt.date(2023, 3, 1), today=dt.date(2023, 3, 21))
    assert d is not None and d.days_left == 0 and not d.overdue


def test_no_approval_date_no_deadline() -> None:
    assert deadline(None, dt.date(2023, 1, 1)) is None
    assert not overdue(None, Status.NOT_UPLOADED)


def test_status() -> None:
    assert status(LatestFacts(has_version=False)) is Status.NOT_UPLOADED
    assert status(LatestFacts(has_version=True, errors=2)) is Status.ERRORS
    assert status(LatestFacts(has_version=True)) is Status.CLEAN
    assert status(LatestFacts(has_version=True, built=True)) is Status.BUILT
    assert status(LatestFacts(has_version=True, built=True, published=True)) is Status.PUBLISHED
    assert [s.value for s in Status] == ["未上传", "有错误", "待生成", "已生成", "已公开"]


def test_overdue_only_until_published() -> None:
    late = deadline(dt.date(2023, 1, 1), today=dt.date(2023, 2, 1))
    assert overdue(late, Status.BUILT)
    assert overdue(late, Status.NOT_UPLOADED)
    assert not overdue(late, Status.PUBLISHED)


def test_headline_figures_of_example_000(example_results) -> None:
    h = headline(example_results["000"].inputs)
    assert h.total.current == Decimal("1223.12")  # 表1 收入总计 (examples/000-golden.md line 28)
    assert h.fiscal.current == Decimal("981.86")  # 表1 一般公共预算拨款, no fund/SOE money (line 17)
    assert h.operating.current == Decimal("45.57")  # 表6 公用经费 = 机关运行经费 (line 127)


def test_headline_figures_of_example_002(example_results) -> None:
    h = headline(example_results["002"].inputs)
    assert h.total.current == Decimal("7111.51")  # 表1 收入总计 (examples/002-golden.md line 24)
    assert h.fiscal.current == Decimal("2918.03")  # 表4 收入总计 (line 70)
    assert h.total.prior is not None and h.total.change == h.total.current - h.total.prior
