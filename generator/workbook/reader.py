"""Reading the input workbook: file → located, parsed raw values plus Issues.

`read_workbook` checks the file before parsing (existence, size, magic bytes, zip
contents, duplicate zip entries, declared sizes), then streams the input sheets out
of the zip with `generator.workbook.xlsx` (expat, hard limits on inflated bytes,
elements, cells, merged area and sheets, no DOCTYPE), checks sheets and headers, and
parses every input cell with `generator.workbook.cells`. It never raises for bad
input: every problem becomes an `Issue`.

Decisions:
- Hidden (or zero-height) rows that contain data are read *and* reported as an error
  ("hidden-row-data"); a veryHidden sheet that is not the tool's `_代码表` is a warning.
- A list sheet whose header row is wrong is not read (its rows would be misassigned).
- Display-only columns are ignored entirely (the template fills them with formulas).
- Date text such as 2023/1/31 or 2023年1月31日 is accepted silently.
"""

from __future__ import annotations

import io
import zipfile
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from generator.formats.needs import sheets_of, unread_columns
from generator.issues import Issue, error, warning
from generator.workbook import schema, xlsx
from generator.workbook.cells import CellError, is_empty, parse_cell, parse_choice, show
from generator.workbook.schema import AmountUnit, Column, Field, Kind

MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_UNCOMPRESSED_BYTES = 150 * 1024 * 1024  # an honest 2,000-project workbook is about 41 MB
MAX_MEMBER_RATIO = 500  # deflate tops out near 1000:1; real sheet XML is far below 500:1
RATIO_MIN_BYTES = 5 * 1024 * 1024  # the ratio test applies to members at least this large
MAX_SHEET_CELLS = 1_000_000  # <c> elements per worksheet read
MAX_TOTAL_CELLS = 2_000_000  # <c> elements over all worksheets read
MAX_OPEN_CELLS = 300_000  # `--annotate` loads the whole workbook with openpyxl only below this
MAX_MERGED_CELLS = 100_000  # total area of merged ranges per worksheet
MAX_SHEETS = 255
MAX_DATA_ROWS = 50_000  # an honest 2,000-project workbook has about 24,000 indicator rows
HEADER_SEARCH_ROWS = 10
MAX_HEADER_COLUMNS = 100

OLE2_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")
ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")
TEMPLATE_HINT = "可用“disclosure new”生成空白工作簿作为模板"


@dataclass(frozen=True)
class CellValue:
    value: object  # parsed: str | Decimal | int | datetime.date | None (None = empty)
    cell: str  # "D14"; "" when the cell could not be located (missing sheet or label)
    raw: object  # the cell value as stored (what openpyxl would return with data_only=True)


@dataclass(frozen=True)
class RowValues:
    row: int  # Excel row number
    cells: dict[str, CellValue]  # by Column.key, every non-display column present


@dataclass
class RawWorkbook:
    path: Path
    amount_unit: str  # "万元" or "元"
    kv: dict[str, dict[str, CellValue]] = field(default_factory=dict)  # sheet -> Field.key -> value
    lists: dict[str, list[RowValues]] = field(default_factory=dict)  # sheet -> non-empty data rows
    final: bool = False  # a 决算 workbook: it has the 决算 sheets (schema.FINAL_SHEETS)


def read_workbook(path: Path) -> tuple[RawWorkbook | None, list[Issue]]:
    """Read and parse the workbook at `path`; (None, issues) when it cannot be read at all."""
    path = Path(path)
    data, issue = _read_file(path)
    if issue is not None:
        return None, [issue]
    assert data is not None
    issue = _check_not_zip(data) or _check_zip(data)
    if issue is not None:
        return None, [issue]
    book, issue = load_book(data)
    if issue is not None:
        return None, [issue]
    assert book is not None
    reader = _Reader(book)
    return reader.read(path), reader.issues


# --- file-level checks -----------------------------------------------------------------


def _read_file(path: Path) -> tuple[bytes | None, Issue | None]:
    name = path.name
    try:
        if not path.exists():
            return None, error("file-not-found", f"找不到文件“{path}”，请检查文件路径和文件名")
        if not path.is_file():
            return None, error("file-not-found", f"“{path}”不是文件（可能是文件夹），请指定.xlsx工作簿文件")
        size = path.stat().st_size
        if size == 0:
            return None, error("file-empty", f"文件“{name}”是空文件（0字节），请重新保存或重新复制该工作簿")
        if size > MAX_FILE_BYTES:
            return None, error(
                "file-too-large",
                f"文件“{name}”有{size / 1024 / 1024:.1f}MB，超过{MAX_FILE_BYTES // 1024 // 1024}MB上限；"
                "请删除多余的工作表、图片或空行后另存",
            )
        return path.read_bytes(), None
    except OSError as exc:
        return None, error(
            "file-unreadable", f"无法读取文件“{name}”（{exc.strerror or exc}），请检查文件是否被占用或无权限"
        )


def _check_not_zip(data: bytes) -> Issue | None:
    """Explain a file that is not a zip container: old .xls, encrypted workbook, CSV, HTML or unknown."""
    if data.startswith(ZIP_MAGICS):
        return None
    if data.startswith(OLE2_MAGIC):
        if "EncryptedPackage".encode("utf-16-le") in data or b"EncryptedPackage" in data:
            return error(
                "encrypted-workbook",
                "工作簿设置了打开密码（已加密），本工具无法读取；请在Excel中取消密码（文件→信息→保护工作簿→用密码进行加密，"
                "清空密码）后另存为.xlsx",
            )
        return error(
            "xls-format",
            "文件是旧版Excel 97-2003格式（.xls）或其他旧版Office文件，本工具只能读取.xlsx；"
            "请在Excel中打开，选择“另存为→Excel工作簿(*.xlsx)”后再试",
        )
    text = _as_text(data[:4096])
    if text is not None:
        if text.lstrip().startswith("<"):
            return error(
                "not-a-workbook",
                "文件是网页（HTML）或XML文本，不是真正的Excel工作簿（有些系统导出的“.xls”实为网页）；"
                "请在Excel中打开后“另存为→Excel工作簿(*.xlsx)”",
            )
        return error(
            "not-a-workbook",
            f"文件是CSV或纯文本格式，不是Excel工作簿；请在Excel中打开后“另存为→Excel工作簿(*.xlsx)”，{TEMPLATE_HINT}",
        )
    return error(
        "not-a-workbook",
        f"无法识别的文件格式（不是Excel工作簿），请确认选择的是.xlsx文件；{TEMPLATE_HINT}",
    )


def _as_text(head: bytes) -> str | None:
    """Decoded text if `head` looks like text (UTF-8/UTF-16/GB18030), else None."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return head.decode("utf-16", errors="ignore")
    if b"\x00" in head:
        return None
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = head.decode(encoding)
        except UnicodeDecodeError:
            # a multi-byte character cut at the 4096-byte boundary
            try:
                text = head[:-3].decode(encoding)
            except UnicodeDecodeError:
                continue
        printable = sum(ch.isprintable() or ch in "\r\n\t" for ch in text)
        return text if text and printable / len(text) > 0.95 else None
    return None


def _check_zip(data: bytes) -> Issue | None:
    """Zip container: not corrupt, not a bomb, and an Excel workbook (not docx/pptx/ods/xlsb)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            infos = zf.infolist()
            bomb = _zip_bomb(infos)
            if bomb is not None:
                return bomb
            twice = [name for name, n in Counter(i.filename for i in infos).items() if n > 1]
            if twice:
                return error(
                    "zip-duplicate-entry",
                    f"文件内部有{len(twice)}个重复的部件（如“{twice[0][:80]}”出现两次），Excel显示的内容与本工具读取的"
                    "可能不同，为安全起见拒绝读取；请在Excel中打开后“另存为→Excel工作簿(*.xlsx)”再试",
                )
            names = {i.filename for i in infos}
            if "xl/workbook.xml" in names:
                return None
            return _wrong_zip_kind(zf, names)
    except MemoryError:
        raise  # the process's memory limit, not a damaged file
    except Exception:  # corrupt zip structures raise many types (BadZipFile, zlib.error, struct.error...)
        return error(
            "not-a-workbook",
            "文件已损坏或不完整，无法作为Excel工作簿打开；请在Excel中打开后另存为.xlsx，或重新复制该文件",
        )


def _zip_bomb(infos: list[zipfile.ZipInfo]) -> Issue | None:
    # zipfile stops decompressing a member at its declared file_size (and then fails the
    # CRC check); the streaming reader also counts the bytes it actually inflates.
    total = sum(i.file_size for i in infos)
    absurd = [
        i for i in infos if i.file_size >= RATIO_MIN_BYTES and i.file_size > MAX_MEMBER_RATIO * max(i.compress_size, 1)
    ]
    if total > MAX_UNCOMPRESSED_BYTES or absurd:
        return error(
            "zip-bomb",
            f"文件解压后过大（共{total / 1024 / 1024:.0f}MB"
            + (f"，其中“{absurd[0].filename}”压缩比异常" if absurd else "")
            + "），不像正常的预算工作簿，为安全起见拒绝读取；请使用模板重新填写或另存为.xlsx",
        )
    return None


def _wrong_zip_kind(zf: zipfile.ZipFile, names: set[str]) -> Issue:
    if "word/document.xml" in names:
        what = "这是Word文档（.docx），不是Excel工作簿（可能被改了扩展名）；请选择正确的.xlsx文件"
    elif "ppt/presentation.xml" in names:
        what = "这是PowerPoint演示文稿，不是Excel工作簿；请选择正确的.xlsx文件"
    elif "xl/workbook.bin" in names:
        what = "这是Excel二进制工作簿（.xlsb），请在Excel中“另存为→Excel工作簿(*.xlsx)”"
    elif "mimetype" in names:
        mimetype = zf.read("mimetype")[:100].decode("ascii", errors="replace")
        if "spreadsheet" in mimetype:
            what = "这是OpenDocument表格（.ods，WPS或LibreOffice格式），请另存为.xlsx格式后再试"
        else:
            what = "这是OpenDocument文档（如.odt），不是Excel工作簿；请选择正确的.xlsx文件"
    else:
        what = "这是一个压缩包（.zip），不是Excel工作簿；请选择正确的.xlsx文件"
    return error("not-a-workbook", what)


def _limits() -> xlsx.Limits:
    """The module's limits, read at call time (tests lower them)."""
    return xlsx.Limits(
        inflated_bytes=MAX_UNCOMPRESSED_BYTES,
        sheet_cells=MAX_SHEET_CELLS,
        total_cells=MAX_TOTAL_CELLS,
        merged_cells=MAX_MERGED_CELLS,
        sheets=MAX_SHEETS,
        stored_columns=MAX_HEADER_COLUMNS,
    )


def load_book(
    data: bytes, wanted: Iterable[str] = (*schema.INPUT_SHEETS, *schema.FINAL_SHEETS)
) -> tuple[xlsx.Book | None, Issue | None]:
    """Parse the sheets named in `wanted` with the streaming reader and its hard limits; any failure → Issue."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            return xlsx.read_xlsx(zf, wanted, _limits()), None
    except xlsx.XlsxRefused as exc:
        return None, error(exc.code, exc.message)
    except MemoryError:
        raise  # the process's memory limit (a limited job reports it), not a damaged file
    except Exception as exc:  # a damaged zip directory raises many types
        return None, error(
            "not-a-workbook",
            f"无法读取工作簿（{type(exc).__name__}），文件可能已损坏或不是Excel生成的；请在Excel中打开后另存为.xlsx再试",
        )


def safe_to_open(data: bytes) -> bool:
    """True when every worksheet passes the limits, so openpyxl may load the whole file (annotate)."""
    if _check_not_zip(data) or _check_zip(data):
        return False
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            names = [info.name for info in xlsx.read_xlsx(zf, (), _limits()).sheets]
    except Exception:
        return False
    book, issue = load_book(data, names)
    return issue is None and book is not None and book.cell_count <= MAX_OPEN_CELLS


# --- sheets and cells ----------------------------------------------------------------------


def _letter(col: int) -> str:
    return schema._letter(col)


def _label(value: object) -> str:
    """Header or label text for comparison: stripped, trailing colon dropped."""
    if value is None:
        return ""
    return str(value).strip().rstrip(":：").strip()


class _Sheet:
    """Sparse access to one parsed worksheet."""

    def __init__(self, name: str, data: xlsx.SheetData) -> None:
        self.name = name
        self.data = data
        self.formula_cells = data.formulas
        self.merged = data.merged
        self.max_column = data.max_column

    def raw(self, row: int, col: int) -> object:
        return self.data.cells.get((row, col))

    def is_formula(self, row: int, col: int) -> bool:
        return (row, col) in self.formula_cells

    def has_content(self, row: int, col: int) -> bool:
        return not is_empty(self.raw(row, col)) or self.is_formula(row, col)

    def hidden(self, row: int) -> bool:
        """Hidden, or zero height (hidden just the same in Excel)."""
        return row in self.data.hidden_rows or row in self.data.zero_height_rows

    def occupied(self) -> list[tuple[int, int]]:
        keys = {k for k, v in self.data.cells.items() if not is_empty(v)}
        keys |= self.formula_cells
        return sorted(keys)


class _Reader:
    def __init__(self, book: xlsx.Book) -> None:
        self.book = book
        self.issues: list[Issue] = []
        self.unit = AmountUnit.WANYUAN.value
        self.unread: dict[str, frozenset[str]] = {}  # sheet → column keys the workbook's format does not read

    def read(self, path: Path) -> RawWorkbook:
        self._check_sheet_states()
        info = self._sheet(schema.SHEET_INFO)
        # the sheets the workbook's format needs (generator/formats/needs.py): one of them missing is an
        # error at the sheet; a sheet the format does not read may be absent and reads as empty
        chosen = _format_of(info) if info is not None else None
        needed = sheets_of(chosen) if info is not None else schema.INPUT_SHEETS
        self.unread = unread_columns(chosen) if info is not None else {}
        sheets = {schema.SHEET_INFO: info}
        for name in schema.INPUT_SHEETS[1:]:
            sheets[name] = self._sheet(name) if name in needed or name in self.book.data else None
        if info is not None:
            self.unit = _find_unit(info)
        book = RawWorkbook(path=path, amount_unit=self.unit)
        # 决算 sheets are read when present (a 决算 workbook) and never reported missing (a 预算 workbook).
        present = [name for name in schema.FINAL_SHEETS if name in self.book.data]
        if present:
            book.final = True
            sheets |= {
                name: self._sheet(name)
                for name in schema.FINAL_SHEETS
                if name in self.book.data or name not in schema.FINAL_OPTIONAL_SHEETS
            }
        for name, fields in schema.ALL_KV_SHEETS.items():
            sheet = sheets.get(name)
            book.kv[name] = self._read_kv(sheet, fields) if sheet else {f.key: self._absent(f) for f in fields}
        for name, cols in schema.ALL_LIST_SHEETS.items():
            sheet = sheets.get(name)
            book.lists[name] = self._read_list(sheet, cols) if sheet else []
        return book

    def _check_sheet_states(self) -> None:
        """A sheet hidden so that Excel's “unhide” cannot show it, and not the tool's own list sheet."""
        for info in self.book.sheets:
            if info.state == "veryHidden" and info.name != schema.SHEET_LISTS:
                self.issues.append(
                    warning(
                        "very-hidden-sheet",
                        f"工作簿中有一张深度隐藏的工作表“{info.name}”（在Excel中用“取消隐藏”也看不到），"
                        "不是本工具模板自带的；其内容不会被读取，但可能随工作簿外传。请确认来源，不需要的请删除"
                        "（开发工具→Visual Basic→选中该表→属性Visible改为-1后即可看到并删除）",
                        info.name,
                    )
                )

    def _sheet(self, name: str) -> _Sheet | None:
        data = self.book.data.get(name)
        if data is None:
            sheetnames = [info.name for info in self.book.sheets]
            near = [s for s in sheetnames if s.strip() == name and s != name]
            hint = f"（现有名为“{near[0]}”的工作表，名称多了空格，请改为“{name}”）" if near else ""
            self.issues.append(
                error(
                    "missing-sheet",
                    f"工作簿缺少工作表“{name}”{hint}；请勿删除或改名工作表，{TEMPLATE_HINT}，把数据复制进去",
                    sheet=name,
                )
            )
            return None
        return _Sheet(name, data)

    # --- cells

    def _parse(
        self, sheet: _Sheet, row: int, col: int, *, kind: Kind, header: str, choices: tuple[str, ...], key: str = ""
    ) -> CellValue:
        """Parse one input cell, recording issues; the value is None when unusable."""
        coord = f"{_letter(col)}{row}"
        raw = sheet.raw(row, col)
        if is_empty(raw) and sheet.is_formula(row, col):
            self.issues.append(
                error(
                    "formula-no-value",
                    f"“{header}”是公式但没有计算结果（文件可能由程序生成、未经Excel保存），"
                    "请在Excel或WPS中打开并保存后再试，或直接填写数值",
                    sheet.name,
                    coord,
                )
            )
            return CellValue(None, coord, raw)
        try:
            value, notes = parse_cell(kind, raw, unit=self.unit, choices=choices)
        except CellError as exc:
            self.issues.append(error(exc.code, _with_header(header, exc.message), sheet.name, coord, show(raw)))
            return CellValue(None, coord, raw)
        for note in notes:
            self.issues.append(warning(note.code, _with_header(header, note.message), sheet.name, coord, show(raw)))
        limit = schema.TEXT_LIMITS.get((sheet.name, key))
        if limit is not None and isinstance(value, str) and len(value) > limit[0]:
            most, where = limit
            self.issues.append(
                error(
                    "text-too-long",
                    f"“{header}”有{len(value)}个字，超过{most}字的上限（印在{where}，过长会撑破表格或版面）；"
                    f"请精简到{most}字以内",
                    sheet.name,
                    coord,
                    value[:30] + "…",
                )
            )
            return CellValue(None, coord, raw)
        return CellValue(value, coord, raw)

    def _default(self, kind: Kind, default: object, choices: tuple[str, ...]) -> object:
        if default is None:
            return None
        return parse_cell(kind, default, unit=AmountUnit.WANYUAN.value, choices=choices)[0]

    def _absent(self, f: Field) -> CellValue:
        return CellValue(self._default(f.kind, f.default, f.choices), "", None)

    def _merge_issue(self, sheet: _Sheet, rng: tuple[int, int, int, int]) -> None:
        r1, c1, r2, c2 = rng
        top = f"{_letter(c1)}{r1}"
        self.issues.append(
            error(
                "merged-input-cell",
                f"单元格{top}:{_letter(c2)}{r2}被合并，合并后只有左上角{top}的内容能被读取；请取消合并，并在每个单元格中分别填写",
                sheet.name,
                top,
            )
        )

    def _hidden_issue(self, sheet: _Sheet, row: int, coord: str) -> None:
        self.issues.append(
            error(
                "hidden-row-data",
                f"第{row}行被隐藏但含有数据（已读入），填表人可能看不到；请取消隐藏并核对，不需要的数据请删除整行",
                sheet.name,
                coord,
            )
        )

    def _bad_merges(self, sheet: _Sheet, rows: list[int], cols: set[int]) -> set[tuple[int, int]]:
        """Report merged ranges hiding an input cell (rows × cols, rows sorted) other than their
        top-left; return the hidden cells. Only listed rows are enumerated, so a huge range is cheap."""
        covered: set[tuple[int, int]] = set()
        for rng in sheet.merged:
            r1, c1, r2, c2 = rng
            hit_cols = [c for c in cols if c1 <= c <= c2]
            hit_rows = rows[bisect_left(rows, r1) : bisect_right(rows, r2)] if hit_cols else []
            lost = {(r, c) for r in hit_rows for c in hit_cols if (r, c) != (r1, c1)}
            if lost:
                self._merge_issue(sheet, rng)
                covered |= lost
        return covered

    # --- key/value sheets

    def _read_kv(self, sheet: _Sheet, fields: tuple[Field, ...]) -> dict[str, CellValue]:
        rows = _label_rows(sheet)
        value_col = _col_index(schema.KV_VALUE_COL)
        field_rows = sorted({rows[f.label][0] for f in fields if f.label in rows})
        covered = self._bad_merges(sheet, field_rows, {value_col})
        out: dict[str, CellValue] = {}
        for f in fields:
            found = rows.get(f.label)
            if not found and f.added:
                out[f.key] = self._absent(f)  # an older workbook: the default
                continue
            if not found:
                self.issues.append(
                    error(
                        "header-mismatch",
                        f"“{sheet.name}”表A列找不到“{f.label}”这一项；请勿修改或删除A列的项目名称，{TEMPLATE_HINT}",
                        sheet.name,
                    )
                )
                out[f.key] = self._absent(f)
                continue
            if len(found) > 1:
                cells = "、".join(f"{schema.KV_LABEL_COL}{r}" for r in found)
                self.issues.append(
                    error(
                        "duplicate-header",
                        f"“{f.label}”出现了{len(found)}次（{cells}），只读取第一处；请删除重复的行",
                        sheet.name,
                        f"{schema.KV_LABEL_COL}{found[1]}",
                    )
                )
            out[f.key] = self._read_field(sheet, f, found[0], value_col, covered)
        return out

    def _read_field(self, sheet: _Sheet, f: Field, row: int, col: int, covered: set[tuple[int, int]]) -> CellValue:
        coord = f"{_letter(col)}{row}"
        if sheet.has_content(row, col) and sheet.hidden(row):
            self._hidden_issue(sheet, row, coord)
        cv = self._parse(sheet, row, col, kind=f.kind, header=f.label, choices=f.choices, key=f.key)
        if cv.value is not None or sheet.has_content(row, col):
            return cv
        if f.default is not None:
            return CellValue(self._default(f.kind, f.default, f.choices), coord, cv.raw)
        if f.required and (row, col) not in covered:
            self.issues.append(
                error("missing-required-field", f"“{f.label}”为必填项，尚未填写；请在{coord}填写", sheet.name, coord)
            )
        return cv

    # --- list sheets

    def _read_list(self, sheet: _Sheet, cols: tuple[Column, ...]) -> list[RowValues]:
        if not self._check_headers(sheet, cols):
            return []
        inputs = {i + 1: c for i, c in enumerate(cols) if not c.display_only}
        first = schema.FIRST_DATA_ROW
        rows = sorted({r for r, c in sheet.occupied() if r >= first and c in inputs})
        if len(rows) > MAX_DATA_ROWS:
            self.issues.append(
                error(
                    "too-many-rows",
                    f"“{sheet.name}”表有{len(rows)}行数据，超过{MAX_DATA_ROWS}行的上限，只检查了前{MAX_DATA_ROWS}行；"
                    "请核对是否粘贴了多余的行",
                    sheet.name,
                    f"A{rows[MAX_DATA_ROWS]}",
                )
            )
            rows = rows[:MAX_DATA_ROWS]
        covered = self._bad_merges(sheet, rows, set(inputs))
        return [self._read_row(sheet, r, inputs, covered) for r in rows]

    def _read_row(self, sheet: _Sheet, row: int, inputs: dict[int, Column], covered: set[tuple[int, int]]) -> RowValues:
        if sheet.hidden(row):
            first = next(c for c in inputs if sheet.has_content(row, c))
            self._hidden_issue(sheet, row, f"{_letter(first)}{row}")
        cells: dict[str, CellValue] = {}
        for col, column in inputs.items():
            cv = self._parse(
                sheet, row, col, kind=column.kind, header=column.header, choices=column.choices, key=column.key
            )
            if cv.value is None and not sheet.has_content(row, col):
                if column.default is not None:
                    cv = CellValue(self._default(column.kind, column.default, column.choices), cv.cell, cv.raw)
                elif (
                    column.required
                    and (row, col) not in covered
                    and column.key not in self.unread.get(sheet.name, ())  # a column the format does not read
                ):
                    self.issues.append(
                        error(
                            "missing-required",
                            f"“{column.header}”为必填项，第{row}行已填写其他内容但{cv.cell}为空；请填写，或删除整行",
                            sheet.name,
                            cv.cell,
                        )
                    )
            cells[column.key] = cv
        return RowValues(row, cells)

    def _check_headers(self, sheet: _Sheet, cols: tuple[Column, ...]) -> bool:
        """Row 1 must hold the schema headers in order; report what is wrong; True if readable."""
        expected = [c.header for c in cols]
        n = len(expected)
        width = min(max(sheet.max_column, n), MAX_HEADER_COLUMNS)
        row1 = [_label(sheet.raw(schema.HEADER_ROW, c)) for c in range(1, width + 1)]
        dups = self._duplicate_headers(sheet, row1, expected)
        if row1[:n] == expected:
            return True  # a duplicate to the right is reported, but the schema columns are intact
        core = [c.header for c in cols if not c.added]
        if len(core) < n and row1[: len(core)] == core and not any(row1[len(core) : n]):
            return True  # an older workbook without the columns added later (they read as empty)
        if dups:
            return False
        for r in range(schema.HEADER_ROW + 1, HEADER_SEARCH_ROWS + 1):
            if [_label(sheet.raw(r, c)) for c in range(1, n + 1)] == expected:
                self.issues.append(
                    error(
                        "header-moved",
                        f"“{sheet.name}”表的列标题应在第1行，现在在第{r}行；"
                        f"请删除列标题上方的{r - 1}行，使列标题位于第1行",
                        sheet.name,
                        f"A{r}",
                    )
                )
                return False
        for i, exp in enumerate(expected):
            got = row1[i]
            if got == exp:
                continue
            coord = f"{_letter(i + 1)}{schema.HEADER_ROW}"
            found = "为空" if not got else f"为“{got}”"
            moved = f"；“{exp}”出现在{_letter(row1.index(exp) + 1)}1，可能插入、删除或移动了列" if exp in row1 else ""
            self.issues.append(
                error(
                    "header-mismatch",
                    f"{coord}的列标题应为“{exp}”，实际{found}{moved}。请勿修改、插入、删除或移动列，{TEMPLATE_HINT}核对表头",
                    sheet.name,
                    coord,
                    got or None,
                )
            )
        return False

    def _duplicate_headers(self, sheet: _Sheet, row1: list[str], expected: list[str]) -> list[Issue]:
        positions: dict[str, list[int]] = {}
        for i, text in enumerate(row1):
            if text in expected:
                positions.setdefault(text, []).append(i + 1)
        found = []
        for text, cols in positions.items():
            if len(cols) > 1:
                cells = "、".join(f"{_letter(c)}1" for c in cols)
                found.append(
                    error(
                        "duplicate-header",
                        f"列标题“{text}”出现了{len(cols)}次（{cells}），请删除重复的列，只保留原位置的一列",
                        sheet.name,
                        f"{_letter(cols[1])}1",
                        text,
                    )
                )
        self.issues.extend(found)
        return found


def _with_header(header: str, message: str) -> str:
    return message if header in message else f"{header}：{message}"


def _col_index(letter: str) -> int:
    return ord(letter) - 64


def _label_rows(sheet: _Sheet) -> dict[str, list[int]]:
    """Column-A label → rows where it appears, in row order."""
    rows: dict[str, list[int]] = {}
    col = _col_index(schema.KV_LABEL_COL)
    for r, c in sheet.occupied():
        if c == col:
            rows.setdefault(_label(sheet.raw(r, c)), []).append(r)
    return rows


def _format_of(sheet: _Sheet) -> str | None:
    """The 格式 named in 基本信息 (None when the row is absent or empty: the default format)."""
    label = next(f.label for f in schema.KV_SHEETS[schema.SHEET_INFO] if f.key == "format")
    rows = _label_rows(sheet).get(label)
    if not rows:
        return None
    value = sheet.raw(rows[0], _col_index(schema.KV_VALUE_COL))
    return str(value).strip() if value not in (None, "") else None


def _find_unit(sheet: _Sheet) -> str:
    """基本信息.金额单位, silently defaulting to 万元 (problems are reported when the field is read)."""
    f = next(f for f in schema.INFO_FIELDS if f.key == "amount_unit")
    rows = _label_rows(sheet).get(f.label)
    if not rows:
        return AmountUnit.WANYUAN.value
    try:
        unit = parse_choice(sheet.raw(rows[0], _col_index(schema.KV_VALUE_COL)), f.choices)
    except CellError:
        return AmountUnit.WANYUAN.value
    return unit or AmountUnit.WANYUAN.value
