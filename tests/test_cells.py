"""Parsing one cell value per Kind (generator.workbook.cells)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from generator.workbook.cells import CellError, parse_cell, parse_code, parse_date, parse_money, parse_text
from generator.workbook.schema import Kind

CHOICES = ("基本支出", "项目支出")


def parsed(kind: Kind, raw: object, **kw: object) -> tuple[object, list[str]]:
    value, notes = parse_cell(kind, raw, **kw)
    return value, [n.code for n in notes]


def failure(kind: Kind, raw: object, **kw: object) -> CellError:
    with pytest.raises(CellError) as info:
        parse_cell(kind, raw, **kw)
    return info.value


# --- money -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (274.65999999999997, Decimal("274.66")),
        (0.1 + 0.2, Decimal("0.30")),
        (12, Decimal("12.00")),
        (12.5, Decimal("12.50")),
        (0, Decimal("0.00")),
        ("123.45", Decimal("123.45")),
        (" 123.45\u3000", Decimal("123.45")),
        (".5", Decimal("0.50")),
        (Decimal("7.1"), Decimal("7.10")),
    ],
)
def test_money_accepted_in_wanyuan(raw: object, expected: Decimal) -> None:
    value, notes = parsed(Kind.MONEY, raw)
    assert value == expected and str(value) == str(expected)
    assert notes == []


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (12345, Decimal("1.234500")),  # kept to the fen: 12345.00元 = 1.2345万元, no rounding when read
        (12350, Decimal("1.235000")),
        ("2746600", Decimal("274.660000")),
        (49.99, Decimal("0.004999")),
        ("91016775.35", Decimal("9101.677535")),
    ],
)
def test_money_in_yuan_is_kept_as_entered(raw: object, expected: Decimal) -> None:
    value, notes = parsed(Kind.MONEY, raw, unit="元")
    assert str(value) == str(expected)
    assert notes == []


@pytest.mark.parametrize(
    ("raw", "code", "words"),
    [
        ("1,234.56", "amount-thousands-separator", "金额“1,234.56”含千位分隔符，请删除逗号，填写为1234.56"),
        ("1 234.5", "amount-space-inside", "金额“1 234.5”的数字中间有空格或不可见字符，会被读作1234.5"),
        ("12\u200b34", "amount-space-inside", "会被读作1234"),
        ("1，234", "amount-thousands-separator", "填写为1234"),
        ("14,41", "amount-thousands-separator", "小数点"),
        ("14。41", "amount-fullwidth-point", "金额“14。41”中的“。”应为小数点“.”，请改为14.41"),
        ("14．41", "amount-fullwidth-point", "请改为14.41"),
        ("１２３", "amount-fullwidth", "全角数字“１２３”请改为半角数字123"),
        ("1.2.3", "amount-not-number", "多个小数点"),
        ("abc", "amount-not-number", "不是数字"),
        ("12万元", "amount-not-number", "请不要带“万元”，只填写数字12"),
        ("-5", "amount-negative", "负数"),
        ("（5）", "amount-negative", "负数"),
        (-0.5, "amount-negative", "“-0.5”是负数"),
        (12.345, "amount-too-many-decimals", "3位小数"),
        ("0.001", "amount-too-many-decimals", "最多两位小数"),
        (True, "amount-not-number", "TRUE"),
        (dt.datetime(2023, 1, 1), "amount-not-number", "2023-01-01"),
        (float("nan"), "amount-not-number", "不是有效数字"),
        ("#DIV/0!", "cell-error-value", "#DIV/0!"),
    ],
)
def test_money_rejected_with_precise_message(raw: object, code: str, words: str) -> None:
    exc = failure(Kind.MONEY, raw)
    assert exc.code == code
    assert words in exc.message


def test_money_with_too_many_decimals_is_refused_in_either_unit() -> None:
    with pytest.raises(CellError):
        parse_money(1.005)
    with pytest.raises(CellError) as caught:
        parse_money(1.005, "元")
    assert caught.value.message == "金额“1.005”有3位小数，单位为元时最多两位小数（到分），请核对后改为两位小数"


def test_money_large_amount_warns_looks_like_yuan() -> None:
    value, notes = parse_cell(Kind.MONEY, 2746600)
    assert value == Decimal("2746600.00")
    assert [n.code for n in notes] == ["amount-looks-like-yuan"]
    assert "元" in notes[0].message and "金额单位" in notes[0].message
    assert parsed(Kind.MONEY, 99999.99)[1] == []
    assert parsed(Kind.MONEY, 2746600, unit="元")[1] == []


# --- integers and numbers -------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "raw", "expected"),
    [
        (Kind.INT, 36, 36),
        (Kind.INT, 36.0, 36),
        (Kind.INT, "36", 36),
        (Kind.INT, " 0 ", 0),
        (Kind.SIGNED_INT, -3, -3),
        (Kind.SIGNED_INT, "-3", -3),
        (Kind.SIGNED_INT, "+2", 2),
        (Kind.SIGNED_INT, -3.0, -3),
        (Kind.MONTH, 1, 1),
        (Kind.MONTH, 12.0, 12),
        (Kind.MONTH, "3月", 3),
        (Kind.NUMBER, 90, Decimal("90")),
        (Kind.NUMBER, 12.5, Decimal("12.5")),
        (Kind.NUMBER, 1234.5600000000002, Decimal("1234.56")),
        (Kind.NUMBER, "100", Decimal("100")),
    ],
)
def test_integers_and_numbers_accepted(kind: Kind, raw: object, expected: object) -> None:
    value, notes = parsed(kind, raw)
    assert value == expected and type(value) is type(expected)
    assert str(value) == str(expected)
    assert notes == []


@pytest.mark.parametrize(
    ("kind", "raw", "code", "words"),
    [
        (Kind.INT, 36.5, "int-not-integer", "“36.5”不是整数"),
        (Kind.INT, "三十", "int-not-integer", "不是数字"),
        (Kind.INT, "３６", "int-not-integer", "半角数字36"),
        (Kind.INT, -1, "int-negative", "负数"),
        (Kind.INT, True, "int-not-integer", "TRUE"),
        (Kind.SIGNED_INT, "-1.5", "int-not-integer", "不是整数"),
        (Kind.MONTH, 13, "month-invalid", "1到12"),
        (Kind.MONTH, 0, "month-invalid", "1到12"),
        (Kind.MONTH, "三月", "month-invalid", "1到12"),
        (Kind.NUMBER, -2, "number-negative", "负数"),
        (Kind.NUMBER, "1,000", "number-not-number", "千位分隔符"),
    ],
)
def test_integers_and_numbers_rejected(kind: Kind, raw: object, code: str, words: str) -> None:
    exc = failure(kind, raw)
    assert (exc.code, words in exc.message) == (code, True)


# --- codes ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "raw", "expected", "notes"),
    [
        (Kind.FUNC_CODE, 2010301, "2010301", []),
        (Kind.FUNC_CODE, 2010301.0, "2010301", []),
        (Kind.FUNC_CODE, "2010301", "2010301", []),
        (Kind.FUNC_CODE, " 2010301\u3000", "2010301", ["code-whitespace"]),
        (Kind.CLASS_CODE, 201, "201", []),
        (Kind.CLASS_CODE, "201 ", "201", ["code-whitespace"]),
        (Kind.ECON_CODE, 30101, "30101", []),
        (Kind.ECON_CODE, "301 01", "30101", ["code-whitespace"]),
    ],
)
def test_codes_accepted(kind: Kind, raw: object, expected: str, notes: list[str]) -> None:
    assert parsed(kind, raw) == (expected, notes)


@pytest.mark.parametrize(
    ("kind", "raw", "words"),
    [
        (Kind.FUNC_CODE, 20103, "是5位，须填写7位数字编码"),
        (Kind.FUNC_CODE, "201030101", "须填写7位"),
        (Kind.FUNC_CODE, "2010301行政运行", "请只填写7位编码2010301"),
        (Kind.FUNC_CODE, "201030 行政运行", "只能由7位数字组成"),
        (Kind.FUNC_CODE, "201-03-01", "只能由7位数字组成"),
        (Kind.FUNC_CODE, "２０１０３０１", "半角数字2010301"),
        (Kind.FUNC_CODE, 2010301.5, "应为7位数字"),
        (Kind.CLASS_CODE, 2010, "须填写3位"),
        (Kind.ECON_CODE, "3010", "须填写5位"),
    ],
)
def test_codes_rejected(kind: Kind, raw: object, words: str) -> None:
    exc = failure(kind, raw)
    assert exc.code == "code-malformed"
    assert words in exc.message


# --- choice, date, text ------------------------------------------------------------------


def test_choice() -> None:
    assert parsed(Kind.CHOICE, " 项目支出 ", choices=CHOICES) == ("项目支出", [])
    exc = failure(Kind.CHOICE, "项目", choices=CHOICES)
    assert exc.code == "choice-invalid"
    assert "“项目”" in exc.message and "“基本支出”、“项目支出”" in exc.message
    exc = failure(Kind.CHOICE, "单位资金(事业收入)", choices=("单位资金（事业收入）",))
    assert "括号应为全角" in exc.message


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (dt.datetime(2023, 1, 31, 0, 0), dt.date(2023, 1, 31)),
        (dt.date(2023, 1, 31), dt.date(2023, 1, 31)),
        (44957, dt.date(2023, 1, 31)),  # Excel serial number
        ("2023-01-31", dt.date(2023, 1, 31)),
        ("2023/1/31", dt.date(2023, 1, 31)),
        ("2023年1月31日", dt.date(2023, 1, 31)),
        (" 2023.1.31 ", dt.date(2023, 1, 31)),
    ],
)
def test_date_accepted(raw: object, expected: dt.date) -> None:
    assert parsed(Kind.DATE, raw) == (expected, [])


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        ("2023-02-30", "不存在"),
        ("明年一月", "不是有效日期"),
        (2023, "不在合理范围"),  # a year typed into a date cell
        (dt.time(12, 0), "不是日期"),
    ],
)
def test_date_rejected(raw: object, words: str) -> None:
    with pytest.raises(CellError) as info:
        parse_date(raw)
    assert info.value.code == "date-invalid"
    assert words in info.value.message


@pytest.mark.parametrize(
    ("kind", "raw", "expected"),
    [
        (Kind.TEXT, "  项目A  ", "项目A"),
        (Kind.TEXT, "项目\nA", "项目A"),
        (Kind.TEXT, 36.0, "36"),
        (Kind.TEXT, 12, "12"),
        (Kind.TEXT, 0.1 + 0.2, "0.3"),
        (Kind.TEXT, "   ", None),
        (Kind.TEXT, None, None),
        (Kind.TEXT, "a\tb", "a\tb"),
        (Kind.LONGTEXT, "第一段\r\n第二段\r第三段 ", "第一段\n第二段\n第三段"),
        (Kind.LONGTEXT, " \n段落\n ", "段落"),
    ],
)
def test_text_accepted(kind: Kind, raw: object, expected: object) -> None:
    assert parsed(kind, raw) == (expected, [])


def test_text_rejects_control_characters_and_huge_text() -> None:
    exc = failure(Kind.TEXT, "项目\x07名称")
    assert exc.code == "control-character" and "U+0007" in exc.message
    assert parse_text("x" * 5000) == "x" * 5000
    exc = failure(Kind.LONGTEXT, "字" * 5001)
    assert exc.code == "text-too-long" and "5001" in exc.message


@pytest.mark.parametrize(
    ("raw", "char", "what"),
    [
        ("昌吉州\u202e局务公开", "U+202E", "文字方向控制字符"),  # right-to-left override
        ("甲\u2066乙\u2069", "U+2066", "文字方向控制字符"),  # left-to-right isolate
        ("伪\u200b造", "U+200B", "不可见的控制字符"),  # zero-width space inside the text
        ("甲\u200f乙", "U+200F", "不可见的控制字符"),  # right-to-left mark
        ("第一段\u2028第二段", "U+2028", "不可见的控制字符"),  # line separator
        ("甲\u00ad乙", "U+00AD", "不可见的控制字符"),  # soft hyphen
    ],
)
def test_text_rejects_bidi_and_format_characters(raw: str, char: str, what: str) -> None:
    for kind in (Kind.TEXT, Kind.LONGTEXT):
        exc = failure(kind, raw)
        assert exc.code == "control-character"
        assert char in exc.message and what in exc.message and "□" in exc.message


def test_error_value_in_any_kind() -> None:
    for kind in (Kind.TEXT, Kind.FUNC_CODE, Kind.DATE, Kind.INT, Kind.CHOICE):
        assert failure(kind, "#N/A", choices=CHOICES).code == "cell-error-value"


@pytest.mark.parametrize("raw", [1.2e29, 1e308, -1e300, "9" * 60])
def test_absurd_magnitudes_are_issues_not_crashes(raw: object) -> None:
    for kind in (Kind.MONEY, Kind.INT, Kind.SIGNED_INT, Kind.NUMBER, Kind.MONTH, Kind.CLASS_CODE, Kind.DATE):
        assert failure(kind, raw).code
    assert parse_text(1.2e29) == "1.2E+29"


def test_empty_is_none_for_every_kind() -> None:
    for kind in Kind:
        assert parse_cell(kind, None, choices=CHOICES) == (None, [])
        assert parse_cell(kind, " \u3000", choices=CHOICES) == (None, [])


@pytest.mark.parametrize(
    ("kind", "raw", "code"),
    [
        (Kind.FUNC_CODE, "2012604 档案馆", "2012604"),
        (Kind.FUNC_CODE, " 2010301\u3000行政运行", "2010301"),
        (Kind.CLASS_CODE, "201 一般公共服务支出", "201"),
        (Kind.ECON_CODE, "30101 基本工资", "30101"),
    ],
)
def test_dropdown_entries_give_their_code(kind, raw, code):
    """The 功能分类/经济分类 dropdowns offer "code name" entries; the code is what is read."""
    notes: list = []
    assert parse_code(raw, kind, notes) == code
    assert notes == []
