"""Business rules of the bureau page and the headline figures, by hand and from the reference documents."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from generator.headline import headline
from generator.web.rules import (
    DEADLINE_DAYS,
    LatestFacts,
    Status,
    VersionFacts,
    deadline,
    differs,
    may_publish,
    overdue,
    publication,
    status,
    supported_years,
    unit_name_mismatch,
)


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
    assert [s.value for s in Status] == ["未上传", "有错误", "待生成", "已生成", "已公开", "修订待公开"]


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


# --- publication belongs to a version (issue 19 D2) ---------------------------------------------

D = dt.date(2026, 11, 1)


def _v(day: int, workbook: str, pdf: str | None = None, published: bool = False) -> VersionFacts:
    return VersionFacts(uploaded_on=D + dt.timedelta(days=day), workbook=workbook, pdf=pdf, published=published)


def test_a_later_upload_does_not_undo_publication() -> None:
    versions = [_v(0, "a", "pa", published=True), _v(3, "a")]  # the same workbook uploaded again
    assert publication(versions) == (0, None)
    facts = LatestFacts(has_version=True, built=False, published=True)
    assert status(facts) is Status.PUBLISHED


def test_a_differing_later_version_starts_the_revision_clock() -> None:
    versions = [_v(0, "a", "pa", published=True), _v(2, "b", "pa"), _v(5, "c"), _v(9, "d")]
    # b was built into the very same PDF (a re-saved copy): not a revision; c is the adjustment
    assert publication(versions) == (0, D + dt.timedelta(days=5))
    st = status(LatestFacts(has_version=True, published=True, revised_on=D + dt.timedelta(days=5)))
    assert st is Status.REVISION_PENDING
    d = deadline(dt.date(2026, 10, 1), today=D + dt.timedelta(days=10), revised_on=D + dt.timedelta(days=5))
    assert d is not None and d.revision and d.due == D + dt.timedelta(days=25) and d.days_left == 15
    assert overdue(deadline(None, D + dt.timedelta(days=40), D + dt.timedelta(days=5)), st)


def test_publishing_the_revision_ends_it() -> None:
    versions = [_v(0, "a", "pa", published=True), _v(5, "c", "pc", published=True)]
    assert publication(versions) == (1, None)
    assert publication([_v(0, "a")]) == (None, None)


def test_differs() -> None:
    assert not differs(_v(0, "a"), _v(1, "a"))
    assert not differs(_v(0, "a", "p"), _v(1, "b", "p"))
    assert differs(_v(0, "a", "p"), _v(1, "b"))
    assert differs(_v(0, "a", "p"), _v(1, "b", "q"))


def test_only_a_generated_clean_version_may_be_published() -> None:
    assert may_publish(errors=0, built=True) is None
    assert "还没有生成" in (may_publish(errors=0, built=False) or "")
    assert "有错误" in (may_publish(errors=1, built=True) or "")


def test_unit_name_mismatch_names_both() -> None:
    assert unit_name_mismatch("昌吉州档案馆", "昌吉州档案馆") is None
    assert unit_name_mismatch(" 昌吉州 档案馆", "昌吉州档案馆") is None
    assert unit_name_mismatch(None, "昌吉州档案馆") is None
    said = unit_name_mismatch("昌吉州工业和信息化局", "昌吉州档案馆") or ""
    assert "“昌吉州工业和信息化局”" in said and "“昌吉州档案馆”" in said


def test_supported_years() -> None:
    assert list(supported_years(dt.date(2026, 12, 4), [2023])) == [2023, 2024, 2025, 2026, 2027]
