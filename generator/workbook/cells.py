"""Parsing one cell value per schema `Kind`.

Pure functions: `parse_x(raw, ...)` takes what openpyxl returned and gives the parsed
value (`None` for an empty cell) or raises `CellError(code, message)`. Warnings that
do not stop the value from being used are appended to an optional `notes` list as
`CellWarning`s. `parse_cell` dispatches on the Kind and returns `(value, warnings)`.
Messages are Simplified Chinese: what was found and what to do.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from openpyxl.utils.datetime import from_excel

from generator.workbook.schema import AmountUnit, Kind

ERROR_VALUES = frozenset(
    {"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#GETTING_DATA", "#SPILL!"}
)
MAX_TEXT_CHARS = 5000
LOOKS_LIKE_YUAN = Decimal(100000)  # 万元; 10亿元 in one cell is implausible for a department
MAX_MAGNITUDE = Decimal(10) ** 15
CENT = Decimal("0.01")
MICRO = Decimal("0.000001")
MIN_DATE = dt.date(1990, 1, 1)
MAX_DATE = dt.date(2100, 12, 31)

_FULLWIDTH = str.maketrans("０１２３４５６７８９．。，－＋", "0123456789..,-+")
_FW_DIGITS = frozenset("０１２３４５６７８９")
_INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff"
_PLAIN_NUMBER = re.compile(r"^(\d+(\.\d*)?|\.\d+)$")
_THOUSANDS = re.compile(r"^\d{1,3}(,\d{3})+(\.\d+)?$")
_UNIT_SUFFIX = re.compile(r"^(.*?)(万元|元|万|%|％)$")


class CellError(Exception):
    """A cell value that cannot be used; the reader turns it into an error Issue."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class CellWarning:
    """A remark about a value that is still used (e.g. spaces stripped from a code)."""

    code: str
    message: str


@dataclass(frozen=True)
class _Codes:
    """Issue codes used by the shared numeric-text analysis."""

    what: str  # "金额", "人数" ...
    fullwidth: str
    separator: str
    point: str
    negative: str
    not_number: str
    space: str


_MONEY_CODES = _Codes(
    "金额",
    "amount-fullwidth",
    "amount-thousands-separator",
    "amount-fullwidth-point",
    "amount-negative",
    "amount-not-number",
    "amount-space-inside",
)
_INT_CODES = _Codes("数值", *(["int-not-integer"] * 3), "int-negative", "int-not-integer", "int-not-integer")
_NUMBER_CODES = _Codes(
    "数值", *(["number-not-number"] * 3), "number-negative", "number-not-number", "number-not-number"
)


# --- helpers -------------------------------------------------------------------


def is_empty(raw: object) -> bool:
    """True for None and whitespace-only text."""
    return raw is None or (isinstance(raw, str) and not _strip(raw))


def _strip(text: str) -> str:
    return text.strip().strip(_INVISIBLE).strip()


def trim(d: Decimal) -> Decimal:
    """Drop trailing zeros without switching to exponent notation (100 stays 100)."""
    if d == d.to_integral_value():
        return d.quantize(Decimal(1)) if d.adjusted() < 27 else d  # quantize needs the digits to fit
    return d.normalize()


def clean_float(f: float) -> Decimal:
    """274.65999999999997 → Decimal('274.66'): shortest repr, then drop noise below 1e-6."""
    d = Decimal(repr(f))
    return trim(d.quantize(MICRO, rounding=ROUND_HALF_UP) if abs(d) < MAX_MAGNITUDE else d)


def _places(d: Decimal) -> int:
    exponent = trim(d).as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def show(raw: object) -> str:
    """The value as the officer sees it, for messages."""
    if isinstance(raw, bool):
        return "TRUE" if raw else "FALSE"
    if isinstance(raw, float) and math.isfinite(raw):
        return str(clean_float(raw))
    if isinstance(raw, dt.datetime):
        return raw.date().isoformat() if raw.time() == dt.time() else raw.isoformat(sep=" ")
    if isinstance(raw, (dt.date, dt.time)):
        return raw.isoformat()
    return str(raw)


def _check_error_value(raw: object) -> None:
    if isinstance(raw, str) and raw.strip() in ERROR_VALUES:
        raise CellError(
            "cell-error-value",
            f"单元格显示错误值“{raw.strip()}”（公式出错或引用失效），请修正公式，或直接填写数值",
        )


def _remove_spaces(text: str) -> str:
    return "".join(ch for ch in text if not ch.isspace() and ch not in _INVISIBLE)


def _number_from_text(text: str, codes: _Codes, allow_negative: bool = False) -> Decimal:
    """Strict parse of a typed number, with a precise message for each common mistake."""
    s = _remove_spaces(text)
    what = codes.what
    inner = _strip(text)
    if inner != s and _PLAIN_NUMBER.match(s.lstrip("-−－")):
        # "1 234.5" or "12\u200b34": Excel shows text the officer may read as another number
        raise CellError(
            codes.space,
            f"{what}“{inner}”的数字中间有空格或不可见字符，会被读作{s}；请核对数值，删除空格后重新填写",
        )
    if any(ch in _FW_DIGITS for ch in s):
        candidate = s.translate(_FULLWIDTH)
        hint = f"半角数字{candidate}" if _PLAIN_NUMBER.match(candidate.lstrip("-")) else "半角数字"
        raise CellError(codes.fullwidth, f"全角数字“{s}”请改为{hint}")
    for ch in ("。", "．"):
        if ch in s:
            candidate = s.replace(ch, ".")
            hint = f"请改为{candidate}" if _PLAIN_NUMBER.match(candidate) else "请改为半角小数点"
            raise CellError(codes.point, f"{what}“{s}”中的“{ch}”应为小数点“.”，{hint}")
    if "," in s or "，" in s:
        plain = s.replace("，", ",")
        if _THOUSANDS.match(plain):
            raise CellError(codes.separator, f"{what}“{s}”含千位分隔符，请删除逗号，填写为{plain.replace(',', '')}")
        raise CellError(codes.separator, f"{what}“{s}”含逗号，请删除逗号；如逗号用作小数点，请改为“.”")
    sign = 1
    if s[:1] in ("-", "−", "－") or (s.startswith(("(", "（")) and s.endswith((")", "）"))):
        if not allow_negative:
            raise CellError(codes.negative, f"{what}“{s}”是负数，此处不能填写负数，请核对后填写")
        sign, s = -1, s.strip("()（）").lstrip("-−－")
    elif s.startswith("+") and allow_negative:
        s = s[1:]
    if s.count(".") > 1:
        raise CellError(codes.not_number, f"{what}“{text.strip()}”含多个小数点，请只保留一个小数点")
    if _PLAIN_NUMBER.match(s):
        return sign * Decimal(s)
    m = _UNIT_SUFFIX.match(s)
    if m and _PLAIN_NUMBER.match(m.group(1)):
        raise CellError(codes.not_number, f"{what}“{s}”请不要带“{m.group(2)}”，只填写数字{m.group(1)}")
    raise CellError(codes.not_number, f"{what}“{text.strip()}”不是数字，请只填写数字，如 123.45")


def _to_decimal(raw: object, codes: _Codes, allow_negative: bool = False) -> Decimal:
    """Any raw numeric cell value → Decimal (float noise removed); sign checked."""
    if isinstance(raw, bool) or not isinstance(raw, (int, float, Decimal, str)):
        raise CellError(codes.not_number, f"{codes.what}“{show(raw)}”不是数字，请只填写数字")
    if isinstance(raw, str):
        d = _number_from_text(raw, codes, allow_negative)
    elif isinstance(raw, float):
        if not math.isfinite(raw):
            raise CellError(codes.not_number, f"{codes.what}“{raw}”不是有效数字，请填写数字")
        d = clean_float(raw)
    else:
        d = Decimal(raw)
    if d < 0 and not allow_negative:
        raise CellError(codes.negative, f"{codes.what}“{show(raw)}”是负数，此处不能填写负数，请核对后填写")
    if abs(d) >= MAX_MAGNITUDE:
        raise CellError(codes.not_number, f"{codes.what}“{show(raw)}”过大，请核对")
    return d


# --- parsers -------------------------------------------------------------------


def parse_money(
    raw: object, unit: str = AmountUnit.WANYUAN.value, notes: list[CellWarning] | None = None
) -> Decimal | None:
    """Amount in the workbook's unit → Decimal 万元, exactly as entered (issue 16).

    Either unit allows at most 2 decimals (an error otherwise, never rounded silently): 万元 keeps
    2 places, 元 becomes 万元 with 6 places (to the fen). Sums are exact; rounding happens only
    when a table or sentence shows an amount in its own unit.
    """
    if is_empty(raw):
        return None
    _check_error_value(raw)
    _check_unit_word(raw, unit)
    d = _to_decimal(raw, _MONEY_CODES)
    places = _places(d)
    if unit == AmountUnit.YUAN.value:
        if places > 2:
            raise CellError(
                "amount-too-many-decimals",
                f"金额“{trim(d)}”有{places}位小数，单位为元时最多两位小数（到分），请核对后改为两位小数",
            )
        return d.quantize(CENT).scaleb(-4)
    if places > 2:
        raise CellError(
            "amount-too-many-decimals",
            f"金额“{trim(d)}”有{places}位小数，单位为万元时最多两位小数，请核对后改为两位小数；"
            "如金额是按元填写的，请把“基本信息”的金额单位改为“元”",
        )
    if d >= LOOKS_LIKE_YUAN and notes is not None:
        notes.append(
            CellWarning(
                "amount-looks-like-yuan",
                f"金额“{trim(d)}”万元偏大，像是按元填写的；如确为元，请把“基本信息”的金额单位改为“元”，否则请核对",
            )
        )
    return d.quantize(CENT)


def _check_unit_word(raw: object, unit: str) -> None:
    """A cell that names the other unit (`486000元` in a 万元 workbook) is an error whose fix is the value.

    Dropping the word and keeping the digits would publish the amount 10000 times too large (issue 7 §3).
    """
    if not isinstance(raw, str):
        return
    text = _strip(raw)
    if unit == AmountUnit.WANYUAN.value and text.endswith("元") and not text.endswith("万元"):
        typed, other = text[:-1].strip(), "元"
    elif unit == AmountUnit.YUAN.value and text.endswith(("万元", "万")):
        typed, other = text.removesuffix("元").removesuffix("万").strip(), "万元"
    else:
        return
    try:
        d = _number_from_text(typed, _MONEY_CODES, False)
    except CellError:
        return  # not a plain number: the general message applies
    if other == "元":
        wan = (d / 10000).quantize(CENT, rounding=ROUND_HALF_UP)
        raise CellError(
            "amount-unit-mismatch",
            f"金额“{text}”是按元填写的，本工作簿的金额单位是万元：应填 {wan}（{trim(d)}元 = {wan}万元）；"
            "如整本工作簿都按元填写，请把“基本信息”的金额单位改为“元”，并把所有金额都按元填写",
        )
    yuan = (d * 10000).quantize(CENT, rounding=ROUND_HALF_UP)
    raise CellError(
        "amount-unit-mismatch",
        f"金额“{text}”是按万元填写的，本工作簿的金额单位是元：应填 {trim(yuan)}；"
        "如整本工作簿都按万元填写，请把“基本信息”的金额单位改为“万元”",
    )


def _parse_integer(raw: object, allow_negative: bool) -> int | None:
    if is_empty(raw):
        return None
    _check_error_value(raw)
    d = _to_decimal(raw, _INT_CODES, allow_negative)
    if d != d.to_integral_value():
        raise CellError("int-not-integer", f"“{show(raw)}”不是整数，请填写整数")
    return int(d)


def parse_int(raw: object) -> int | None:
    """Non-negative integer; 36.0 is fine, 36.5 is not."""
    return _parse_integer(raw, allow_negative=False)


def parse_signed_int(raw: object) -> int | None:
    """Integer that may be negative (e.g. staff change)."""
    return _parse_integer(raw, allow_negative=True)


def parse_month(raw: object) -> int | None:
    """1..12; text "3月" is accepted."""
    if isinstance(raw, str) and _strip(raw).endswith("月"):
        raw = _strip(raw)[:-1]
    try:
        month = parse_int(raw)
    except CellError as exc:
        if exc.code == "cell-error-value":
            raise
        month = -1
    if month is not None and not 1 <= month <= 12:
        raise CellError("month-invalid", f"月份“{show(raw)}”无效，请填写1到12之间的整数")
    return month


def parse_number(raw: object) -> Decimal | None:
    """Non-negative decimal (areas, weights), float noise removed, trailing zeros dropped."""
    if is_empty(raw):
        return None
    _check_error_value(raw)
    return trim(_to_decimal(raw, _NUMBER_CODES))


_CODE_KINDS: dict[Kind, tuple[int, str, str]] = {
    Kind.FUNC_CODE: (7, "功能分类科目编码（“项”级）", "2010301"),
    Kind.CLASS_CODE: (3, "功能分类“类”级编码", "201"),
    Kind.ECON_CODE: (5, "经济分类科目编码（“款”级）", "30101"),
}


def parse_code(raw: object, kind: Kind, notes: list[CellWarning] | None = None) -> str | None:
    """Classification code of the length the Kind requires, as text of ASCII digits."""
    digits, name, example = _CODE_KINDS[kind]
    if is_empty(raw):
        return None
    _check_error_value(raw)
    if isinstance(raw, str) and (entry := re.fullmatch(rf"\s*(\d{{{digits}}})[ \u3000]+\S.*", raw, re.S)):
        return entry.group(1)  # a dropdown entry "2012604 档案馆": the code; the name column shows the name
    if isinstance(raw, bool) or not isinstance(raw, (int, float, str)):
        raise CellError("code-malformed", f"{name}“{show(raw)}”无效，应为{digits}位数字，如 {example}")
    if isinstance(raw, float):
        if not (math.isfinite(raw) and raw.is_integer()):
            raise CellError("code-malformed", f"{name}“{show(raw)}”无效，应为{digits}位数字，如 {example}")
        raw = int(raw)
    if isinstance(raw, int):
        s = str(raw)
    else:
        s = _remove_spaces(raw)
        if s != raw and notes is not None:
            notes.append(
                CellWarning("code-whitespace", f"{name}“{raw}”含空格，已自动去除空格按“{s}”读取；建议删除空格")
            )
    if any(ch in _FW_DIGITS for ch in s):
        raise CellError("code-malformed", f"全角数字“{s}”请改为半角数字{s.translate(_FULLWIDTH)}")
    if not (s.isascii() and s.isdigit()):
        m = re.match(r"^(\d+)\D", s)
        if m and len(m.group(1)) == digits:
            raise CellError("code-malformed", f"{name}“{s}”请只填写{digits}位编码{m.group(1)}，名称会自动显示")
        raise CellError("code-malformed", f"{name}“{s}”只能由{digits}位数字组成，如 {example}，请删除其中的文字或符号")
    if len(s) != digits:
        raise CellError("code-malformed", f"{name}“{s}”是{len(s)}位，须填写{digits}位数字编码，如 {example}")
    return s


def parse_choice(raw: object, choices: tuple[str, ...]) -> str | None:
    """One of `choices`, after stripping; the message lists the allowed values."""
    text = parse_text(raw)
    if text is None:
        return None
    if text in choices:
        return text
    allowed = "、".join(f"“{c}”" for c in choices)
    fixed = text.replace("(", "（").replace(")", "）")
    hint = f"（括号应为全角，即“{fixed}”）" if fixed in choices else ""
    raise CellError("choice-invalid", f"“{text}”不是可选的值{hint}，请从下拉列表中选择：{allowed}")


_DATE_TEXT = (
    re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})[日号]?$"),
)


def parse_date(raw: object) -> dt.date | None:
    """Excel date, Excel serial number, or text 2023-01-31 / 2023/1/31 / 2023年1月31日 (accepted silently)."""
    if is_empty(raw):
        return None
    _check_error_value(raw)
    if isinstance(raw, dt.datetime):
        value = raw.date()
    elif isinstance(raw, dt.date):
        value = raw
    elif isinstance(raw, (int, float)) and not isinstance(raw, bool) and 1 <= raw < 2958466:
        value = from_excel(raw).date()
    elif isinstance(raw, str):
        value = _date_from_text(raw)
    else:
        raise CellError("date-invalid", f"“{show(raw)}”不是日期，请填写日期，如 2023-01-31")
    if not MIN_DATE <= value <= MAX_DATE:
        raise CellError(
            "date-invalid",
            f"日期“{show(raw)}”（即{value.isoformat()}）不在合理范围内，请填写日期，如 2023-01-31",
        )
    return value


def _date_from_text(raw: str) -> dt.date:
    s = _strip(raw).translate(_FULLWIDTH)
    for pattern in _DATE_TEXT:
        m = pattern.match(s)
        if m:
            try:
                return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            except ValueError:
                raise CellError("date-invalid", f"日期“{_strip(raw)}”不存在，请核对年月日") from None
    raise CellError("date-invalid", f"“{_strip(raw)}”不是有效日期，请填写为 2023-01-31 格式")


def parse_text(raw: object, long: bool = False) -> str | None:
    """Text, stripped; LONGTEXT keeps line breaks (\\r\\n → \\n), TEXT joins lines.

    Numbers become their text ("36", not "36.0"). Control, bidi and other invisible format
    characters (see `_is_hidden_char`) other than
    \\n and \\t and texts over MAX_TEXT_CHARS characters are errors.
    """
    if raw is None:
        return None
    _check_error_value(raw)
    s = _unescape_controls(_as_text(raw)).replace("\r\n", "\n").replace("\r", "\n")
    if not long and "\n" in s:
        s = "".join(line.strip() for line in s.split("\n"))
    s = _strip(s)
    if not s:
        return None
    # isprintable() is False for every hidden character (and for tabs, breaks and wide spaces)
    bad = None if s.isprintable() else next((ch for ch in s if _is_hidden_char(ch)), None)
    if bad is not None:
        at = s.index(bad)
        start = max(0, at - 10)
        preview = "".join("□" if _is_hidden_char(ch) else ch for ch in s[start : start + 20])
        what = "文字方向控制字符" if unicodedata.bidirectional(bad) in _BIDI_CONTROLS else "不可见的控制字符"
        raise CellError(
            "control-character",
            f"文本“{preview}”含{what}（U+{ord(bad):04X}，图中显示为□），会使公开文件显示的内容与看到的不同，"
            "多由其他系统复制粘贴带入，请删除后重新输入",
        )
    if len(s) > MAX_TEXT_CHARS:
        raise CellError("text-too-long", f"文本长度为{len(s)}字，超过{MAX_TEXT_CHARS}字的上限，请精简或分段")
    return s


# Explicit embeddings, overrides, isolates and their terminators, plus the marks.
_BIDI_CONTROLS = frozenset({"LRE", "RLE", "LRO", "RLO", "PDF", "LRI", "RLI", "FSI", "PDI"})


def _is_hidden_char(ch: str) -> bool:
    """Characters that are invisible or change what the reader sees: controls (other than
    line break and tab), format characters (bidi overrides and isolates, LRM/RLM, zero-width
    spaces and joiners, soft hyphen, BOM) and the Unicode line/paragraph separators."""
    if ch in "\n\t":
        return False
    return unicodedata.category(ch) in {"Cc", "Cf", "Zl", "Zp"}


_OOXML_CONTROL = re.compile(r"_x(00[01][0-9A-Fa-f])_")


def _unescape_controls(text: str) -> str:
    """Excel stores a control character in a cell as `_x0007_` (XML cannot hold it) and openpyxl
    returns that escape as text; turn C0 escapes back into the character so that a carriage return
    becomes a line break and any other control character is reported, not published as `_x0007_`."""
    return _OOXML_CONTROL.sub(lambda m: chr(int(m[1], 16)), text) if "_x" in text else text


def _as_text(raw: object) -> str:
    if isinstance(raw, str):
        return raw
    if isinstance(raw, float) and math.isfinite(raw):
        return str(int(raw)) if raw.is_integer() and abs(raw) < MAX_MAGNITUDE else str(clean_float(raw))
    if isinstance(raw, Decimal):
        return str(trim(raw))
    return show(raw)


# --- dispatch ------------------------------------------------------------------


def parse_cell(
    kind: Kind,
    raw: object,
    *,
    unit: str = AmountUnit.WANYUAN.value,
    choices: tuple[str, ...] = (),
) -> tuple[object, list[CellWarning]]:
    """Parse `raw` as `kind`; returns (value or None when empty, warnings). Raises CellError."""
    notes: list[CellWarning] = []
    if kind is Kind.MONEY:
        value: object = parse_money(raw, unit, notes)
    elif kind in (Kind.INT, Kind.SIGNED_INT):
        value = parse_int(raw) if kind is Kind.INT else parse_signed_int(raw)
    elif kind is Kind.MONTH:
        value = parse_month(raw)
    elif kind is Kind.NUMBER:
        value = parse_number(raw)
    elif kind in _CODE_KINDS:
        value = parse_code(raw, kind, notes)
    elif kind is Kind.CHOICE:
        value = parse_choice(raw, choices)
    elif kind is Kind.DATE:
        value = parse_date(raw)
    elif kind in (Kind.TEXT, Kind.LONGTEXT):
        value = parse_text(raw, long=kind is Kind.LONGTEXT)
    else:  # pragma: no cover - a new Kind without a parser is a programming error
        raise ValueError(f"no parser for {kind}")
    return value, notes
