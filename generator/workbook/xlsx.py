"""A streaming .xlsx reader with hard limits, for workbooks from untrusted senders.

The reader (`generator.workbook.reader`) needs, for each input sheet, the cell values
(cached values of formulas, as Excel shows them), which cells hold formulas, the hidden
and zero-height rows, the merged ranges and the sheet's state. This module gets exactly
that from the zip with the standard library's expat parser, feeding it the bytes as
they are inflated, so that nothing is ever held but the values kept:

- every byte actually inflated counts against one budget (`Limits.inflated_bytes`),
  whatever sizes the zip directory claims;
- elements, stored cells (per sheet and in total), shared strings, merged area and
  sheets are counted while parsing and the file is refused as soon as a limit is hit;
- a DOCTYPE (and so any entity declaration) is refused outright; comments are never
  looked at, and the XML may be UTF-8 or UTF-16, quoted either way, spaced any way;
- only the sheets the caller asks for are inflated at all.

Values follow openpyxl's `data_only=True` reading (numbers as int or float, dates for
date-formatted numbers, shared and inline strings, booleans, error texts), so the cell
parsers see what they always saw. Cells covered by a merged range (other than its
top-left cell) read as empty, as in Excel.

Failures are `XlsxRefused(code, message)` with a Chinese message for the officer.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import posixpath
import re
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from xml.parsers import expat

from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format, is_timedelta_format
from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900, from_excel

STRICT_NAMESPACES = ("http://purl.oclc.org/ooxml/",)
CHUNK = 64 * 1024
MAX_STORED_CHARS = 32_768  # Excel holds at most 32,767 characters in a cell; the rest is dropped
MAX_COLUMN = 16_384
MAX_ROW = 1_048_576
_REF = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d{1,7})$")


@dataclass(frozen=True)
class Limits:
    inflated_bytes: int = 200 * 1024 * 1024  # all parts read, bytes after inflating
    elements: int = 12_000_000  # XML elements over all parts read
    sheet_cells: int = 1_000_000  # <c> elements in one worksheet
    total_cells: int = 2_000_000  # <c> elements in all worksheets read
    merged_cells: int = 100_000  # total area of the merged ranges of one worksheet
    shared_strings: int = 1_000_000
    sheets: int = 255
    stored_columns: int = 100  # cells right of this column are counted but not kept


class XlsxRefused(Exception):
    """The file cannot be read safely or at all; `code` and Chinese `message` for the Issue."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


CORRUPT = "文件已损坏或不是Excel生成的，无法读取其中的工作表；请在Excel中打开后另存为.xlsx再试"


def _corrupt(detail: str = "") -> XlsxRefused:
    return XlsxRefused("not-a-workbook", CORRUPT if not detail else f"{CORRUPT}（{detail}）")


@dataclass
class SheetInfo:
    name: str
    state: str  # "visible", "hidden", "veryHidden"
    kind: str  # "worksheet", "chartsheet", "dialogsheet", "macrosheet", "" (unknown)
    part: str  # zip member name, "" if the relationship is missing


@dataclass
class SheetData:
    """What the reader needs of one worksheet."""

    name: str
    cells: dict[tuple[int, int], object] = field(default_factory=dict)  # (row, col) -> value, non-empty
    formulas: set[tuple[int, int]] = field(default_factory=set)
    hidden_rows: set[int] = field(default_factory=set)
    zero_height_rows: set[int] = field(default_factory=set)
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)  # (r1, c1, r2, c2)
    max_column: int = 0


@dataclass
class Book:
    sheets: list[SheetInfo]
    data: dict[str, SheetData]  # the sheets that were asked for and are worksheets
    cell_count: int = 0  # <c> elements in the worksheets read


class _Budget:
    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.inflated = 0
        self.elements = 0
        self.cells = 0

    def inflate(self, n: int) -> None:
        self.inflated += n
        if self.inflated > self.limits.inflated_bytes:
            raise XlsxRefused(
                "zip-bomb",
                f"文件解压后超过{self.limits.inflated_bytes // 1024 // 1024}MB，不像正常的预算工作簿，为安全起见拒绝读取；"
                "请删除多余的工作表、图片或空行后另存为.xlsx",
            )

    def element(self) -> None:
        self.elements += 1
        if self.elements > self.limits.elements:
            raise XlsxRefused(
                "too-many-rows",
                f"工作簿的内容超过{self.limits.elements}个XML元素，不像正常的预算工作簿；请删除多余的行、列和工作表后另存",
            )


_LOCAL_NAMES: dict[str, str] = {}


def _local(name: str) -> str:
    """ "{namespace}c" -> "c" (memoised: called for every element)."""
    local = _LOCAL_NAMES.get(name)
    if local is None:
        local = name.rsplit("}", 1)[-1]
        if len(_LOCAL_NAMES) < 10_000:
            _LOCAL_NAMES[name] = local
    return local


def _ns(name: str) -> str:
    return name.rsplit("}", 1)[0] if "}" in name else ""


def _attr(attrs: dict[str, str], local: str) -> str | None:
    """Attribute by local name, unqualified first (so r="A1" wins over a namespaced r)."""
    if local in attrs:
        return attrs[local]
    for key, value in attrs.items():
        if _local(key) == local:
            return value
    return None


def _ns_attr(attrs: dict[str, str], local: str) -> str | None:
    """A namespace-qualified attribute such as r:id."""
    for key, value in attrs.items():
        if "}" in key and _local(key) == local:
            return value
    return None


def _refuse_doctype(*_: object) -> None:
    raise XlsxRefused(
        "not-a-workbook",
        "工作簿内部含有文档类型声明（DOCTYPE），Excel保存的文件不会有，为安全起见拒绝读取；请在Excel中打开后另存为.xlsx",
    )


def _parse(
    zf: zipfile.ZipFile,
    member: str,
    budget: _Budget,
    start: Callable[[str, dict[str, str]], None],
    end: Callable[[str], None] | None = None,
    text: Callable[[str], None] | None = None,
) -> None:
    """Stream one zip member through expat with the handlers, counting inflated bytes and elements."""
    parser = expat.ParserCreate(namespace_separator="}")
    parser.buffer_text = True
    parser.buffer_size = CHUNK
    parser.ordered_attributes = False
    parser.StartDoctypeDeclHandler = _refuse_doctype
    parser.EntityDeclHandler = _refuse_doctype
    parser.UnparsedEntityDeclHandler = _refuse_doctype
    parser.ExternalEntityRefHandler = _refuse_doctype
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)

    def on_start(name: str, attrs: dict[str, str]) -> None:
        budget.element()
        start(name, attrs)

    parser.StartElementHandler = on_start
    if end is not None:
        parser.EndElementHandler = end
    if text is not None:
        parser.CharacterDataHandler = text
    try:
        info = zf.getinfo(member)
        with zf.open(info) as fh:
            read = 0
            while chunk := fh.read(CHUNK):
                read += len(chunk)
                budget.inflate(len(chunk))
                if read > info.file_size:  # zipfile stops at the declared size; never trust it
                    raise _corrupt("压缩数据与记录的大小不符")
                parser.Parse(chunk, False)
        parser.Parse(b"", True)
    except (XlsxRefused, MemoryError):
        raise  # a memory limit is the process's, not a damaged file
    except expat.ExpatError as exc:
        if exc.code == expat.errors.codes[expat.errors.XML_ERROR_NO_MEMORY]:
            raise MemoryError from None  # the process's memory limit, not a damaged file
        raise _corrupt(f"{member}第{exc.lineno}行XML格式错误") from None
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError, RuntimeError) as exc:
        raise _corrupt(type(exc).__name__) from None
    except Exception as exc:  # zlib.error and friends from damaged deflate data
        raise _corrupt(type(exc).__name__) from None


def _resolve(base_dir: str, target: str) -> str:
    if target.startswith("/"):
        return posixpath.normpath(target.lstrip("/"))
    return posixpath.normpath(posixpath.join(base_dir, target))


def _rels(zf: zipfile.ZipFile, part: str, budget: _Budget) -> dict[str, tuple[str, str]]:
    """Relationship Id -> (type suffix, member name) for `part`."""
    folder, name = posixpath.split(part)
    rels_name = posixpath.join(folder, "_rels", f"{name}.rels")
    if rels_name not in zf.NameToInfo:
        return {}
    out: dict[str, tuple[str, str]] = {}

    def start(tag: str, attrs: dict[str, str]) -> None:
        if _local(tag) == "Relationship" and attrs.get("TargetMode") != "External":
            rid, target = attrs.get("Id"), attrs.get("Target", "")
            if rid:
                out[rid] = (attrs.get("Type", "").rsplit("/", 1)[-1], _resolve(folder, target))

    _parse(zf, rels_name, budget, start)
    return out


def _workbook_part(zf: zipfile.ZipFile, budget: _Budget) -> str:
    for _, (kind, target) in _rels(zf, "", budget).items():
        if kind == "officeDocument" and target in zf.NameToInfo:
            return target
    return "xl/workbook.xml"


STRICT_MESSAGE = (
    "工作簿保存成了“Strict Open XML 电子表格”格式，本工具只能读取普通的Excel工作簿；"
    "请在Excel中打开，选择“文件→另存为”，保存类型选“Excel工作簿(*.xlsx)”（不要选“Strict Open XML 电子表格”）后再试"
)


def _read_workbook_xml(zf: zipfile.ZipFile, part: str, budget: _Budget, limits: Limits) -> tuple[list[dict], bool]:
    sheets: list[dict] = []
    flags = {"1904": False, "strict": False}

    def start(tag: str, attrs: dict[str, str]) -> None:
        local = _local(tag)
        if local == "workbook" and _ns(tag).startswith(STRICT_NAMESPACES):
            flags["strict"] = True
        elif local == "workbookPr":
            flags["1904"] = (attrs.get("date1904") or "").lower() in {"1", "true"}
        elif local == "sheet":
            sheets.append(
                {"name": attrs.get("name", ""), "state": attrs.get("state", "visible"), "rid": _ns_attr(attrs, "id")}
            )
            if len(sheets) > limits.sheets:
                raise XlsxRefused(
                    "too-many-sheets",
                    f"工作簿有超过{limits.sheets}张工作表，不像正常的预算工作簿；请删除多余的工作表后另存，"
                    "或用“disclosure new”生成空白工作簿，把数据复制进去",
                )

    try:
        _parse(zf, part, budget, start)
    except XlsxRefused:
        if flags["strict"]:
            raise XlsxRefused("strict-ooxml", STRICT_MESSAGE) from None
        raise
    if flags["strict"]:
        raise XlsxRefused("strict-ooxml", STRICT_MESSAGE)
    return sheets, flags["1904"]


def _date_styles(zf: zipfile.ZipFile, part: str, budget: _Budget) -> tuple[set[int], set[int]]:
    """Indexes of the cell formats (cellXfs) that show dates, and those that show durations."""
    if not part or part not in zf.NameToInfo:
        return set(), set()
    custom: dict[int, str] = {}
    xfs: list[int] = []
    state = {"in_xfs": False}

    def start(tag: str, attrs: dict[str, str]) -> None:
        local = _local(tag)
        if local == "numFmt":
            with contextlib.suppress(ValueError):
                custom[int(attrs.get("numFmtId", ""))] = attrs.get("formatCode", "")
        elif local == "cellXfs":
            state["in_xfs"] = True
        elif local == "xf" and state["in_xfs"]:
            try:
                xfs.append(int(attrs.get("numFmtId", "0")))
            except ValueError:
                xfs.append(0)

    def end(tag: str) -> None:
        if _local(tag) == "cellXfs":
            state["in_xfs"] = False

    _parse(zf, part, budget, start, end)
    dates, durations = set(), set()
    for index, fmt_id in enumerate(xfs):
        code = custom.get(fmt_id, BUILTIN_FORMATS.get(fmt_id))
        if code and is_date_format(code):
            dates.add(index)
            if is_timedelta_format(code):
                durations.add(index)
    return dates, durations


class _TextCollector:
    """Text of <t> elements, except inside phonetic runs (<rPh>), capped at MAX_STORED_CHARS."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.size = 0
        self.in_t = False
        self.in_rph = False

    def reset(self) -> None:
        self.parts, self.size = [], 0

    def start(self, local: str) -> None:
        if local == "t" and not self.in_rph:
            self.in_t = True
        elif local == "rPh":
            self.in_rph = True

    def end(self, local: str) -> None:
        if local == "t":
            self.in_t = False
        elif local == "rPh":
            self.in_rph = False

    def text(self, data: str) -> None:
        if self.in_t and self.size < MAX_STORED_CHARS:
            self.parts.append(data[: MAX_STORED_CHARS - self.size])
            self.size += len(data)

    def value(self) -> str:
        return "".join(self.parts)


def _shared_strings(zf: zipfile.ZipFile, part: str, budget: _Budget, limits: Limits) -> list[str]:
    if not part or part not in zf.NameToInfo:
        return []
    strings: list[str] = []
    collector = _TextCollector()

    def start(tag: str, attrs: dict[str, str]) -> None:
        local = _local(tag)
        if local == "si":
            collector.reset()
        else:
            collector.start(local)

    def end(tag: str) -> None:
        local = _local(tag)
        if local == "si":
            strings.append(collector.value().replace("x005F_", ""))
            if len(strings) > limits.shared_strings:
                raise XlsxRefused(
                    "too-many-rows",
                    f"工作簿中不同的文字超过{limits.shared_strings}条，不像正常的预算工作簿；请删除多余的行和工作表后另存",
                )
        else:
            collector.end(local)

    _parse(zf, part, budget, start, end, collector.text)
    return strings


def split_ref(ref: str) -> tuple[int, int] | None:
    """ "B14" -> (14, 2); None when not a cell reference inside Excel's grid."""
    m = _REF.match(ref.strip())
    if not m:
        return None
    col = 0
    for ch in m[1].upper():
        col = col * 26 + ord(ch) - 64
    row = int(m[2])
    if not (1 <= col <= MAX_COLUMN and 1 <= row <= MAX_ROW):
        return None
    return row, col


class _SheetParser:
    def __init__(
        self,
        name: str,
        budget: _Budget,
        limits: Limits,
        strings: list[str],
        dates: set[int],
        durations: set[int],
        epoch: dt.datetime,
    ) -> None:
        self.sheet = SheetData(name)
        self.budget, self.limits, self.strings = budget, limits, strings
        self.dates, self.durations, self.epoch = dates, durations, epoch
        self.row = 0
        self.col = 0
        self.count = 0
        self.merged_area = 0
        self.largest: tuple[int, str] = (0, "")
        self.zero_height_default = False
        self.default_zero_rows: set[int] = set()
        self.collector = _TextCollector()
        self._reset_cell()

    def _reset_cell(self) -> None:
        self.in_cell = False
        self.ctype = "n"
        self.style = 0
        self.value_parts: list[str] = []
        self.value_size = 0
        self.in_v = False
        self.in_is = False
        self.formula = False
        self.collector.reset()

    # expat handlers

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        local = _local(tag)
        if local == "c":
            self._start_cell(attrs)
        elif self.in_cell:
            if local == "v":
                self.in_v = True
            elif local == "f":
                self.formula = True
            elif local == "is":
                self.in_is = True
            elif self.in_is:
                self.collector.start(local)
        elif local == "row":
            self._start_row(attrs)
        elif local == "mergeCell":
            self._merge(attrs.get("ref", ""))
        elif local == "sheetFormatPr":
            self.zero_height_default = (attrs.get("zeroHeight") or "").lower() in {"1", "true"}

    def end(self, tag: str) -> None:
        if not self.in_cell:
            return
        local = _local(tag)
        if local == "c":
            self._end_cell()
        elif local == "v":
            self.in_v = False
        elif local == "is":
            self.in_is = False
        elif self.in_is:
            self.collector.end(local)

    def text(self, data: str) -> None:
        if self.in_v:
            if self.value_size < MAX_STORED_CHARS:
                self.value_parts.append(data)
                self.value_size += len(data)
        elif self.in_is:
            self.collector.text(data)

    # elements

    def _start_row(self, attrs: dict[str, str]) -> None:
        r = attrs.get("r")
        try:
            self.row = int(r) if r is not None else self.row + 1
        except ValueError:
            self.row += 1
        self.col = 0
        if (attrs.get("hidden") or "").lower() in {"1", "true"}:
            self.sheet.hidden_rows.add(self.row)
        height = attrs.get("ht")
        if height is not None:
            try:
                if float(height) <= 0:
                    self.sheet.zero_height_rows.add(self.row)
            except ValueError:
                pass
        elif self.zero_height_default:
            self.default_zero_rows.add(self.row)

    def _start_cell(self, attrs: dict[str, str]) -> None:
        self.count += 1
        self.budget.cells += 1
        if self.count > self.limits.sheet_cells or self.budget.cells > self.limits.total_cells:
            raise XlsxRefused(
                "too-many-rows",
                f"工作表“{self.sheet.name}”含超过{min(self.limits.sheet_cells, self.limits.total_cells)}个单元格，"
                "不像正常的预算工作簿；请删除多余的行和列后另存",
            )
        self._reset_cell()
        self.in_cell = True
        ref = attrs.get("r")
        pos = split_ref(ref) if ref else None
        if pos is not None:
            self.row, self.col = pos
        else:
            self.col += 1
        self.ctype = attrs.get("t", "n")
        try:
            self.style = int(attrs.get("s", "0"))
        except ValueError:
            self.style = 0

    def _end_cell(self) -> None:
        row, col = self.row, self.col
        self.sheet.max_column = max(self.sheet.max_column, col)
        if col <= self.limits.stored_columns and row >= 1:
            value = self._value()
            if value is not None:
                self.sheet.cells[(row, col)] = value
            if self.formula:
                self.sheet.formulas.add((row, col))
        self.in_cell = False

    def _value(self) -> object:
        t = self.ctype
        if t == "inlineStr":
            return self.collector.value() or None
        raw = "".join(self.value_parts)[:MAX_STORED_CHARS]
        if not raw:
            return None
        if t == "s":
            try:
                return self.strings[int(raw)]
            except (ValueError, IndexError):
                return None
        if t == "b":
            return raw.strip() not in {"0", "false", ""}
        if t in {"str", "e"}:
            return raw
        if t == "d":
            try:
                return dt.datetime.fromisoformat(raw.strip().rstrip("Z"))
            except ValueError:
                return raw
        return self._number(raw)

    def _number(self, raw: str) -> object:
        try:
            number: int | float = float(raw) if any(ch in raw for ch in ".Ee") else int(raw)
        except ValueError:
            try:
                number = float(raw)
            except ValueError:
                return raw
        if self.style in self.dates:
            try:
                return from_excel(number, self.epoch, timedelta=self.style in self.durations)
            except (OverflowError, ValueError):
                return "#VALUE!"
        return number

    def _merge(self, ref: str) -> None:
        ends = ref.split(":")
        if len(ends) not in (1, 2):
            return
        a = split_ref(ends[0])
        b = split_ref(ends[-1])
        if a is None or b is None:
            return
        r1, r2 = sorted((a[0], b[0]))
        c1, c2 = sorted((a[1], b[1]))
        area = (r2 - r1 + 1) * (c2 - c1 + 1)
        self.merged_area += area
        if area > self.largest[0]:
            self.largest = (area, ref)
        if self.merged_area > self.limits.merged_cells:
            raise XlsxRefused(
                "merged-input-cell",
                f"工作表“{self.sheet.name}”中有超大的合并单元格（如{self.largest[1]}，共合并{self.merged_area}个以上单元格），"
                "无法安全读取；请取消合并后另存",
            )
        if area > 1:
            self.sheet.merged.append((r1, c1, r2, c2))

    def finish(self) -> SheetData:
        sheet = self.sheet
        # Covered cells of a merged range show nothing in Excel (the area is bounded above).
        for r1, c1, r2, c2 in sheet.merged:
            for r in range(r1, r2 + 1):
                for c in range(c1, min(c2, self.limits.stored_columns) + 1):
                    if (r, c) != (r1, c1):
                        sheet.cells.pop((r, c), None)
        if self.zero_height_default:
            sheet.zero_height_rows |= self.default_zero_rows
        return sheet


def read_xlsx(zf: zipfile.ZipFile, wanted: Iterable[str], limits: Limits | None = None) -> Book:
    """The sheets of the workbook in `zf`, and the data of the worksheets named in `wanted`."""
    limits = limits or Limits()
    budget = _Budget(limits)
    book_part = _workbook_part(zf, budget)
    if book_part not in zf.NameToInfo:
        raise _corrupt("缺少workbook.xml")
    raw_sheets, date1904 = _read_workbook_xml(zf, book_part, budget, limits)
    rels = _rels(zf, book_part, budget)
    sheets = []
    for s in raw_sheets:
        kind, target = rels.get(s["rid"] or "", ("", ""))
        sheets.append(SheetInfo(s["name"], s["state"], kind, target if target in zf.NameToInfo else ""))
    strings_part = next((t for k, t in rels.values() if k == "sharedStrings"), "")
    styles_part = next((t for k, t in rels.values() if k == "styles"), "")
    wanted_set = set(wanted)
    todo = [s for s in sheets if s.name in wanted_set and s.kind == "worksheet" and s.part]
    data: dict[str, SheetData] = {}
    if not todo:
        return Book(sheets, data)
    strings = _shared_strings(zf, strings_part, budget, limits)
    dates, durations = _date_styles(zf, styles_part, budget)
    epoch = CALENDAR_MAC_1904 if date1904 else CALENDAR_WINDOWS_1900
    for info in todo:
        if info.name in data:
            continue  # a duplicate sheet name: Excel refuses it; the first one is read
        parser = _SheetParser(info.name, budget, limits, strings, dates, durations, epoch)
        _parse(zf, info.part, budget, parser.start, parser.end, parser.text)
        data[info.name] = parser.finish()
    return Book(sheets, data, budget.cells)
