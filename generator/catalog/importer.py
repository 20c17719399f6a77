"""Read a finance bureau's 科目 catalog (XLSX or CSV, as the bureau has it) into a checked table.

`read_catalog_file(path)` → `(CatalogTable | None, issues)`. The file is opened as the workbook
reader opens workbooks (size limits, zip-bomb and disguised-file checks, the streaming XLSX
reader); CSV may be UTF-8 (with or without BOM), UTF-16 or GB18030. The code and name columns
are found by their header (科目编码/编码/代码 …, 科目名称/名称 …) or named by the caller (header
text or column letter). Codes may be numbers or text, with spaces (`201 03 01`) or indentation;
names may carry their parents (`人大事务-行政运行`) or their code (`[2010301]行政运行`).

Every problem is an `Issue` located at the sheet (the file name for CSV) and cell of the row,
collected by the checks in `CHECKS`; the table is returned only when there is no error.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from generator.catalog import CODE_LENGTHS, ECON, FUNCTION, KIND_NAMES, LEVELS
from generator.issues import Issue, error, has_errors
from generator.workbook import reader as wb_reader

CODE_HEADERS = ("科目编码", "科目代码", "功能科目编码", "经济科目编码", "编码", "代码", "科目编号", "code")
NAME_HEADERS = ("科目名称", "功能科目名称", "经济科目名称", "名称", "name")
HEADER_ROWS = 20  # the header is looked for in the first rows of each sheet
MAX_NAME = 60  # the longest official 科目 name has about 40 characters
MAX_ROWS = 20_000  # a full 支出功能分类 has about 1,400 rows
MAX_COLUMNS = 100
PARENT_SEPARATORS = re.compile(r"\s*(?:-|－|—|/|／|\\|>|＞|→|\|)\s*")
CODE_IN_NAME = re.compile(r"^\s*[\[【(（]?\s*\d{3}(?:\s*\d{2}){0,2}\s*[\]】)）]?\s*[-－:：.、]?\s*")
ASCII_TO_FULL = str.maketrans({"(": "（", ")": "）", ",": "，"})


@dataclass(frozen=True)
class CatalogRow:
    code: str
    name: str
    sheet: str
    row: int
    code_cell: str
    name_cell: str


@dataclass
class CatalogTable:
    """A checked catalog of one kind."""

    kind: str  # FUNCTION or ECON
    entries: dict[str, str] = field(repr=False)  # code -> name, sorted by code
    file_name: str = ""

    def counts(self) -> dict[str, int]:
        """{"类": n, "款": n, "项": n} (项 only for 支出功能分类)."""
        out = {LEVELS[n]: 0 for n in CODE_LENGTHS[self.kind]}
        for code in self.entries:
            out[LEVELS[len(code)]] += 1
        return out

    @property
    def counts_text(self) -> str:
        return "、".join(f"{n}个{level}" for level, n in self.counts().items())


@dataclass
class _Parsed:
    file_name: str
    kind: str
    rows: list[CatalogRow]  # rows with a code or a name, in file order (codes normalised, may be malformed)


def read_catalog_file(
    path: Path,
    kind: str | None = None,
    code_column: str | None = None,
    name_column: str | None = None,
) -> tuple[CatalogTable | None, list[Issue]]:
    """Read, normalise and check one catalog file; the table is None when there is any error."""
    path = Path(path)
    grid, issues = _read_grid(path)
    if grid is None:
        return None, issues
    found, issues = _find_columns(path.name, grid, code_column, name_column)
    if found is None:
        return None, issues
    sheet, columns, rows = found
    parsed, issues = _classify(path.name, sheet, columns, rows, kind)
    if parsed is None:
        return None, issues
    not_a_catalog = check_is_a_catalog(parsed)
    if not_a_catalog:  # one clear message, not one per row of someone's line items
        return None, issues + not_a_catalog
    for check in CHECKS:
        issues.extend(check(parsed))
    if has_errors(issues):
        return None, issues
    entries = dict(sorted((r.code, r.name) for r in parsed.rows))
    return CatalogTable(parsed.kind, entries, path.name), issues


# --- the file: XLSX or CSV -------------------------------------------------------------------

Grid = dict[str, dict[tuple[int, int], object]]  # sheet -> (row, col) -> value


def _read_grid(path: Path) -> tuple[Grid | None, list[Issue]]:
    data, issue = wb_reader._read_file(path)
    if issue is not None:
        return None, [issue]
    assert data is not None
    if data.startswith(wb_reader.ZIP_MAGICS):
        issue = wb_reader._check_zip(data)
        if issue is not None:
            return None, [_as_catalog_issue(issue)]
        book, issue = wb_reader.load_book(data, ())
        if issue is not None:
            return None, [_as_catalog_issue(issue)]
        assert book is not None
        names = [s.name for s in book.sheets if s.kind == "worksheet"]
        book, issue = wb_reader.load_book(data, names)
        if issue is not None:
            return None, [_as_catalog_issue(issue)]
        assert book is not None
        return {name: book.data[name].cells for name in names if name in book.data}, []
    text = _decode(data)
    if text is None:
        issue = wb_reader._check_not_zip(data)
        message = issue.message if issue is not None else "无法识别的文件格式"
        if "CSV" in message or "HTML" in message or "XML" in message:
            message = "无法识别的文件格式"
        return None, [
            error(
                "catalog-not-readable",
                f"文件“{path.name}”不是科目代码表：{message.split('；')[0]}。请上传.xlsx工作簿或.csv文件"
                "（第一行为表头，含“科目编码”“科目名称”两列）",
            )
        ]
    if text.lstrip().startswith("<"):
        return None, [
            error(
                "catalog-not-readable",
                f"文件“{path.name}”是网页（HTML）或XML文本，不是科目代码表；请在Excel中打开后另存为.xlsx或.csv",
            )
        ]
    cells, bad_row = _csv_cells(text)
    if bad_row is not None:
        return None, [
            error(
                "catalog-not-readable",
                f"文件“{path.name}”第{bad_row}行无法按CSV读取（字段过长或引号不配对），不是科目代码表；"
                "请在Excel中打开后另存为.xlsx或.csv再试",
                path.name,
            )
        ]
    return {path.name: cells}, []


def _as_catalog_issue(issue: Issue) -> Issue:
    """The reader's file-level refusal, said of a catalog instead of a budget workbook."""
    message = issue.message.replace("预算工作簿", "科目代码表").replace(f"，{wb_reader.TEMPLATE_HINT}", "")
    return error(issue.code, message.replace(wb_reader.TEMPLATE_HINT, ""))


def _decode(data: bytes) -> str | None:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            return None
    if b"\x00" in data[:4096]:
        return None
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        head = text[:4096]
        if head and sum(ch.isprintable() or ch in "\r\n\t" for ch in head) / len(head) > 0.95:
            return text
        return None
    return None


def _csv_cells(text: str) -> tuple[dict[tuple[int, int], object], int | None]:
    """The non-empty cells by (row, column), and the row the csv module could not read (None if all could)."""
    sample = text[:4096]
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(sample, delimiters=",\t;，")
    except csv.Error:
        dialect = csv.excel
    cells: dict[tuple[int, int], object] = {}
    rows = csv.reader(io.StringIO(text), dialect)
    try:
        for r, row in enumerate(rows, start=1):
            if r > MAX_ROWS + HEADER_ROWS:
                break
            for c, value in enumerate(row[:MAX_COLUMNS], start=1):
                if value.strip():
                    cells[(r, c)] = value
    except csv.Error:  # e.g. a field longer than the csv module allows
        return cells, rows.line_num
    return cells, None


# --- header and columns ------------------------------------------------------------------------


def _letter(col: int) -> str:
    out = ""
    while col:
        col, rem = divmod(col - 1, 26)
        out = chr(65 + rem) + out
    return out


def _column_number(letters: str) -> int | None:
    if not re.fullmatch(r"[A-Za-z]{1,3}", letters):
        return None
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n


def _norm_header(value: object) -> str:
    return re.sub(r"[\s*＊:：]", "", str(value)).lower() if value is not None else ""


def _match(
    cells: dict[tuple[int, int], object], row: int, wanted: tuple[str, ...], *, exact: bool = False
) -> int | None:
    """The column of `row` whose header is one of `wanted` (exact first, then containing)."""
    headers = {c: _norm_header(v) for (r, c), v in cells.items() if r == row}
    for name in wanted:
        for col, text in sorted(headers.items()):
            if text == _norm_header(name):
                return col
    if exact:
        return None
    for name in wanted[:3] + wanted[4:5]:  # "科目编码" … and "代码" inside a longer header
        for col, text in sorted(headers.items()):
            if name.lower() in text:
                return col
    return None


def _find_columns(
    file_name: str, grid: Grid, code_column: str | None, name_column: str | None
) -> tuple[tuple[str, tuple[int, int], list[tuple[int, object, object]]] | None, list[Issue]]:
    """The sheet, its (code, name) columns and its (row, code, name) data rows below the header."""
    if not any(grid.values()):
        return None, [error("catalog-empty", f"文件“{file_name}”中没有任何内容，请选择导出的科目代码表文件")]
    for sheet, cells in grid.items():
        if not cells:
            continue
        for row in sorted({r for r, _ in cells if r <= HEADER_ROWS}):
            code_col = _wanted_column(cells, row, code_column, CODE_HEADERS)
            name_col = _wanted_column(cells, row, name_column, NAME_HEADERS)
            if code_col and name_col and code_col != name_col:
                last = max(r for r, _ in cells)
                data = [
                    (r, cells.get((r, code_col)), cells.get((r, name_col)))
                    for r in range(row + 1, min(last, row + MAX_ROWS) + 1)
                ]
                rows = [(r, c, n) for r, c, n in data if c is not None or n is not None]
                return (sheet, (code_col, name_col), rows), []
    asked = "、".join(f"“{c}”" for c in (code_column, name_column) if c)
    hint = (
        f"没有找到指定的列{asked}"
        if asked
        else "没有找到“科目编码”（或“编码”“代码”）和“科目名称”（或“名称”）两列的表头"
    )
    return None, [
        error(
            "catalog-no-columns",
            f"文件“{file_name}”不是科目代码表：{hint}（在每张表前{HEADER_ROWS}行中查找）。"
            "请确认选择的是财政部门下发或预算管理一体化系统导出的科目代码表；表头文字不同时，"
            "用 --code-column/--name-column 指定列名或列字母（如 A、B）",
        )
    ]


def _wanted_column(
    cells: dict[tuple[int, int], object], row: int, asked: str | None, defaults: tuple[str, ...]
) -> int | None:
    if not asked:
        return _match(cells, row, defaults)
    by_header = _match(cells, row, (asked,), exact=True)
    if by_header:
        return by_header
    col = _column_number(asked.strip())
    return col if col and (row, col) in cells else None


# --- values ----------------------------------------------------------------------------------


def normalise_code(value: object) -> str:
    """`201 03 01`, ` 2010301`, 2010301.0 → `2010301`; anything else is returned trimmed, for the message."""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, int):
        return str(value)
    text = str(value).replace("\u3000", " ").replace("\xa0", " ").strip()
    compact = re.sub(r"[\s.\[\]【】]+", "", text)
    return compact if compact.isdigit() else text


def normalise_name(value: object, ancestors: tuple[str, ...] = ()) -> str:
    """Name without indentation, its code, or its parents' names; ASCII brackets made full-width.

    Parents are dropped after an explicit separator (`人大事务-行政运行`), or after a space when the words
    before it are the names of the code's 类/款 (`人大事务 行政运行`); other spaces are removed.
    """
    text = str(value).replace("\u3000", " ").replace("\xa0", " ").strip()
    text = CODE_IN_NAME.sub("", text, count=1) if re.match(r"^\s*[\[【(（]?\s*\d{3}", text) else text
    parts = [p for p in PARENT_SEPARATORS.split(text) if p.strip()]
    words = parts[-1].split() if parts else []
    while len(words) > 1 and words[0].translate(ASCII_TO_FULL) in ancestors:
        words.pop(0)
    return "".join(words).translate(ASCII_TO_FULL)


def _classify(
    file_name: str, sheet: str, columns: tuple[int, int], data: list[tuple[int, object, object]], kind: str | None
) -> tuple[_Parsed | None, list[Issue]]:
    code_col, name_col = (_letter(c) for c in columns)
    codes = [normalise_code(code) if code is not None else "" for _, code, _ in data]
    parents = {c: normalise_name(n) for c, (_, _, n) in zip(codes, data, strict=True) if len(c) in (3, 5) and n}
    rows = [
        CatalogRow(
            code,
            normalise_name(name, tuple(parents.get(code[:n], "") for n in (3, 5) if n < len(code)))
            if name is not None
            else "",
            sheet,
            r,
            f"{code_col}{r}",
            f"{name_col}{r}",
        )
        for code, (r, _, name) in zip(codes, data, strict=True)
    ]
    if not rows:
        return None, [error("catalog-empty", f"文件“{file_name}”的“{sheet}”表在表头下没有任何科目行", sheet)]
    # told by the first digit most codes have; the other codes are then located errors
    firsts = Counter(r.code[0] for r in rows if r.code.isdigit())
    function, econ = firsts["2"], firsts["3"]
    told = FUNCTION if function > econ else ECON if econ > function else None
    if kind is not None and told is not None and told != kind:
        return None, [
            error(
                "catalog-kind-mismatch",
                f"指定的种类是{KIND_NAMES[kind]}，但文件“{file_name}”中的编码大多是{KIND_NAMES[told]}编码"
                f"（{'2' if told == FUNCTION else '3'}开头）；请选择正确的种类或正确的文件",
                sheet,
            )
        ]
    if kind is None:
        if function > econ:
            kind = FUNCTION
        elif econ > function:
            kind = ECON
        elif not firsts:
            kind = FUNCTION  # every code malformed: reported below
        else:
            return None, [
                error(
                    "catalog-kind-unclear",
                    f"文件“{file_name}”中既有2开头（支出功能分类）又有3开头（经济分类）或其他开头的编码，"
                    "无法判断是哪一种科目表；请分成两个文件导入，或用 --kind function/econ 指定",
                    sheet,
                )
            ]
    return _Parsed(file_name, kind, rows), []


# --- checks: each (parsed) -> issues ---------------------------------------------------------


def _where(row: CatalogRow) -> str:
    return f"第{row.row}行"


def _well_formed(parsed: _Parsed, code: str) -> bool:
    first = "2" if parsed.kind == FUNCTION else "3"
    return code.isdigit() and len(code) in CODE_LENGTHS[parsed.kind] and code[0] == first


def check_codes(parsed: _Parsed) -> list[Issue]:
    """Codes are digits of the kind's lengths and of the kind's first digit."""
    issues = []
    lengths = CODE_LENGTHS[parsed.kind]
    first = "2" if parsed.kind == FUNCTION else "3"
    for r in parsed.rows:
        if not r.code:
            issues.append(
                error(
                    "catalog-code-empty",
                    f"{_where(r)}有名称“{r.name}”但没有科目编码，请补上编码或删除该行",
                    r.sheet,
                    r.code_cell,
                )
            )
        elif not r.code.isdigit() or len(r.code) not in lengths or r.code[0] != first:
            want = "/".join(map(str, lengths))
            issues.append(
                error(
                    "catalog-code-malformed",
                    f"{_where(r)}的编码“{r.code}”不是{KIND_NAMES[parsed.kind]}编码：应为{first}开头的{want}位数字"
                    f"（类{lengths[0]}位、款{lengths[1]}位" + ("、项7位）" if parsed.kind == FUNCTION else "）"),
                    r.sheet,
                    r.code_cell,
                    r.code,
                )
            )
    return issues


def check_names(parsed: _Parsed) -> list[Issue]:
    issues = []
    for r in parsed.rows:
        if r.code and not r.name:
            issues.append(
                error(
                    "catalog-name-empty",
                    f"{_where(r)}科目{r.code}的名称为空，请填写官方名称",
                    r.sheet,
                    r.name_cell,
                    r.code,
                )
            )
        elif len(r.name) > MAX_NAME:
            issues.append(
                error(
                    "catalog-name-too-long",
                    f"{_where(r)}科目{r.code}的名称有{len(r.name)}个字，超过{MAX_NAME}字，不像科目名称；"
                    "请核对是否选错了列或把说明文字放进了名称",
                    r.sheet,
                    r.name_cell,
                    r.code,
                )
            )
    return issues


def check_duplicates(parsed: _Parsed) -> list[Issue]:
    first: dict[str, CatalogRow] = {}
    issues = []
    for r in parsed.rows:
        if not r.code.isdigit():
            continue
        if r.code in first:
            issues.append(
                error(
                    "catalog-code-duplicate",
                    f"{_where(r)}的科目{r.code}“{r.name}”与第{first[r.code].row}行"
                    f"“{first[r.code].name}”重复，每个编码只能出现一次；请删除多余的行",
                    r.sheet,
                    r.code_cell,
                    r.code,
                )
            )
        else:
            first[r.code] = r
    return issues


def check_parents(parsed: _Parsed) -> list[Issue]:
    """Every 款 under an existing 类, every 项 under an existing 款 (and so 类)."""
    codes = {r.code for r in parsed.rows if _well_formed(parsed, r.code)}
    issues = []
    for r in parsed.rows:
        if r.code not in codes or len(r.code) == 3:
            continue
        for parent in (r.code[:3], r.code[:5])[: 1 if len(r.code) == 5 else 2]:
            if parent not in codes:
                level = LEVELS[len(parent)]
                issues.append(
                    error(
                        "catalog-parent-missing",
                        f"{_where(r)}的{LEVELS[len(r.code)]}{r.code}“{r.name}”没有上级{level}{parent}："
                        f"表中找不到编码为{parent}的{level}，请补上该{level}或核对编码",
                        r.sheet,
                        r.code_cell,
                        r.code,
                    )
                )
                break
    return issues


def check_is_a_catalog(parsed: _Parsed) -> list[Issue]:
    """A catalog has 类 and the kind's lowest level; a workbook of line items has repeated 项 and no 类."""
    codes = {r.code for r in parsed.rows if r.code.isdigit()}
    repeated = len(codes) < len([r for r in parsed.rows if r.code.isdigit()]) / 2
    if repeated:
        return [
            error(
                "catalog-incomplete",
                f"文件“{parsed.file_name}”不像科目代码表：同一编码反复出现（{len(parsed.rows)}行只有{len(codes)}个"
                "不同的编码），像是支出明细或填报工作簿。科目代码表应逐行列出全部类、款、项及其名称，每个编码一行；"
                "请确认没有选错文件",
                parsed.rows[0].sheet,
            )
        ]
    lowest = max(CODE_LENGTHS[parsed.kind])
    missing = [f"“{LEVELS[n]}”级（{n}位）" for n in (3, lowest) if not any(len(c) == n for c in codes)]
    if not missing:
        return []
    levels = "类、款、项" if parsed.kind == FUNCTION else "类、款"
    return [
        error(
            "catalog-incomplete",
            f"文件“{parsed.file_name}”不像{KIND_NAMES[parsed.kind]}科目代码表：没有任何{'和'.join(missing)}编码。"
            f"科目代码表应逐行列出全部{levels}及其名称；请确认没有选错文件（例如填报工作簿或支出明细）",
            parsed.rows[0].sheet,
        )
    ]


# Run after `check_is_a_catalog` has passed.
CHECKS: list[Callable[[_Parsed], list[Issue]]] = [check_codes, check_names, check_duplicates, check_parents]
