"""A finance bureau's 2027 catalog, imported from XLSX and from CSV, and what it changes for 2027 workbooks.

The 2027 catalog is written for the test: the shipped 2026 支出功能分类 with one 项 added (2013902 社会工作专项业务),
one removed (2080206 社会组织管理) and one renamed (2010301 行政运行 → 机关行政运行). Bad catalogs, one per rule, are
refused with located messages and nothing is stored.
"""

from __future__ import annotations

import csv
import json
import re
import zipfile
from pathlib import Path

import openpyxl
import pytest

from generator.build import build
from generator.catalog import FUNCTION, load_catalog
from generator.catalog.importer import read_catalog_file
from generator.catalog.store import CatalogSource, CatalogStore
from generator.cli import main
from generator.pipeline import run
from generator.rollover import rollover
from generator.workbook import schema
from generator.workbook.template import write_workbook
from tests.conftest import example_data

ADDED = ("2013902", "社会工作专项业务")
REMOVED = ("2080206", "社会组织管理")
RENAMED = ("2010301", "行政运行", "机关行政运行")


def catalog_2027() -> dict[str, str]:
    functions = dict(load_catalog(2026).functions)
    functions[ADDED[0]] = ADDED[1]
    del functions[REMOVED[0]]
    functions[RENAMED[0]] = RENAMED[2]
    return functions


def write_xlsx(path: Path, functions: dict[str, str]) -> Path:
    """As a bureau's export looks: a title row, codes as numbers, text or `201 03 01`, any order, some names
    indented or carrying their parents."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "2027年支出功能分类科目"
    ws.append(["2027年政府收支分类科目（支出功能分类）"])
    ws.append(["科目编码", "科目名称", "级次"])
    for code, name in sorted(functions.items(), reverse=True):
        if len(code) == 3:
            ws.append([int(code), name, "类"])
        elif len(code) == 5:
            ws.append([code, "  " + name, "款"])
        else:
            parent = functions[code[:5]]
            shown = f"{parent}-{name}" if code.startswith("20103") else name
            ws.append([f"{code[:3]} {code[3:5]} {code[5:]}", "    " + shown, "项"])
    wb.save(path)
    return path


def write_csv(path: Path, functions: dict[str, str]) -> Path:
    """A CSV with another header (the system's field names) and the code in the name column's place."""
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["xh", "kmmc", "kmdm"])
        for n, (code, name) in enumerate(sorted(functions.items()), start=1):
            writer.writerow([n, f"[{code}]{name}" if len(code) == 7 else name, code])
    return path


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data folder holding the 2027 catalog, imported from XLSX through the CLI."""
    folder = tmp_path_factory.mktemp("catalog2027")
    source = write_xlsx(folder / "2027年科目.xlsx", catalog_2027())
    assert (
        main(["catalog", "import", str(source), "--year", "2027", "--data", str(folder / "data"), "--by", "测试"]) == 0
    )
    return folder / "data"


def workbook(tmp_path: Path, year: int, moved_to: str, name: str = "w.xlsx") -> Path:
    """Example 000 for `year`, its one 2299999 line item moved to `moved_to`; returns the path and that row."""
    data = example_data("000")
    data[schema.SHEET_INFO]["预算年度"] = year
    data[schema.SHEET_INFO]["落款日期"] = f"{year}-01-31"
    for item in data[schema.SHEET_ITEMS]:
        if item["功能分类科目编码"] == "2299999":
            item["功能分类科目编码"] = moved_to
    path = tmp_path / name
    write_workbook(path, data, year=year)
    return path


def moved_cell() -> str:
    items = example_data("000")[schema.SHEET_ITEMS]
    row = schema.FIRST_DATA_ROW + [i["功能分类科目编码"] for i in items].index("2299999")
    return f"{schema.column_letter(schema.SHEET_ITEMS, 'func_code')}{row}"


# --- importing ------------------------------------------------------------------------------------


def test_xlsx_import_says_what_changed_and_stores_the_table(imported: Path, capsys: pytest.CaptureFixture) -> None:
    stored = CatalogStore(imported / "catalogs").get(2027, FUNCTION)
    assert stored is not None
    entries, record = stored
    assert entries == catalog_2027()
    assert (record.imported_by, record.file_name, record.counts) == (
        "测试",
        "2027年科目.xlsx",
        {"类": 30, "款": 216, "项": 950},
    )


def test_cli_import_prints_the_counts_and_the_change_summary(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    source = write_xlsx(tmp_path / "科目.xlsx", catalog_2027())
    assert main(["catalog", "import", str(source), "--year", "2027", "--data", str(tmp_path / "d")]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[:5] == [
        "科目.xlsx：支出功能分类科目代码表，30个类、216个款、950个项。",
        "支出功能分类：与此前使用的2026年科目代码表（内置）相比：新增1个、删除1个、名称改变1个科目。",
        "新增 2013902 社会工作专项业务",
        "删除 2080206 社会组织管理",
        "改名 2010301 行政运行 → 机关行政运行",
    ]
    # importing the same table again changes nothing, and says so against the imported one
    assert main(["catalog", "import", str(source), "--year", "2027", "--data", str(tmp_path / "d")]) == 0
    assert "与此前使用的2027年科目代码表（财政局导入）完全相同" in capsys.readouterr().out


def test_csv_with_another_header_gives_the_same_table(tmp_path: Path, imported: Path) -> None:
    source = write_csv(tmp_path / "kmdm.csv", catalog_2027())
    table, issues = read_catalog_file(source)
    assert table is None and [i.code for i in issues] == ["catalog-no-columns"]
    table, issues = read_catalog_file(source, code_column="kmdm", name_column="kmmc")
    assert issues == [] and table is not None
    assert (table.kind, table.entries) == (FUNCTION, catalog_2027())
    # by column letters as well
    table, _ = read_catalog_file(source, code_column="C", name_column="B")
    assert table is not None and table.entries == catalog_2027()


def test_list_and_show(imported: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["catalog", "list", "--data", str(imported)]) == 0
    out = capsys.readouterr().out
    assert "2026年 支出功能分类：内置" in out
    assert re.search(
        r"2027年 支出功能分类：财政局导入，\d{4}-\d\d-\d\d \d\d:\d\d 由 测试 导入，文件“2027年科目.xlsx”", out
    )
    assert "2027年 部门预算支出经济分类：没有该年度的代码表，使用2026年科目代码表（内置）" in out
    assert main(["catalog", "show", "2027", "2010301", "--data", str(imported)]) == 0
    assert capsys.readouterr().out == (
        "2010301 机关行政运行（项，上级：一般公共服务支出（类）、政府办公厅（室）及相关机构事务（款））"
        "——2027年科目代码表（财政局导入）\n"
    )
    assert main(["catalog", "show", "2027", "2080206", "--data", str(imported)]) == 1
    assert capsys.readouterr().err == "2080206：不在2027年科目代码表（财政局导入）中。\n"
    assert main(["catalog", "show", "2026", "2080206", "--data", str(imported)]) == 0
    assert "2080206 社会组织管理" in capsys.readouterr().out


# --- what a 2027 workbook gets --------------------------------------------------------------------


def test_blank_2027_workbook_offers_the_imported_codes(
    imported: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    monkeypatch.setenv("DISCLOSURE_DATA", str(imported))
    path = tmp_path / "blank2027.xlsx"
    assert main(["new", str(path), "--year", "2027"]) == 0
    out, err = capsys.readouterr()
    assert "科目：支出功能分类：2027年科目代码表（财政局导入）；经济分类：2026年科目代码表（内置）" in out
    assert err.startswith("注意：没有2027年的部门预算支出经济分类科目代码表，工作簿使用支出功能分类：2027年")
    wb = openpyxl.load_workbook(path)
    lists = wb[schema.SHEET_LISTS]
    header = next(c.column for c in lists[1] if c.value == "功能分类项")
    offered = [c.value for c in next(lists.iter_cols(min_col=header, max_col=header, min_row=2)) if c.value]
    assert "2013902 社会工作专项业务" in offered and "2010301 机关行政运行" in offered
    assert not any(v.startswith("2080206") for v in offered)
    guide = [c.value for c in wb[schema.SHEET_GUIDE]["A"] if c.value]
    assert any(
        "科目下拉列表和名称来自支出功能分类：2027年科目代码表（财政局导入）；经济分类：2026年科目代码表（内置）" in t
        for t in guide
    )


def test_a_2027_workbook_using_the_new_code_passes_and_publishes_the_new_name(imported: Path, tmp_path: Path) -> None:
    catalogs = CatalogSource.for_data_dir(imported)
    result = run(workbook(tmp_path, 2027, ADDED[0]), catalogs)
    assert [i.code for i in result.issues if i.is_error] == []
    assert result.ok and result.disclosure is not None and result.catalog is not None
    assert result.catalog.origin(FUNCTION).text == "2027年科目代码表（财政局导入）"
    older = [i for i in result.issues if i.code == "catalog-year-older"]
    assert [i.message.split("，")[0] for i in older] == ["没有2027年的部门预算支出经济分类科目代码表"]
    dump = json.dumps(result.disclosure.model_dump(mode="json"), ensure_ascii=False)
    # every table row of 2010301 carries the new name; no row or sentence the old one
    rows = re.findall(r'"201", "03", "01", "([^"]*)"', dump)
    assert len(rows) >= 3 and set(rows) == {"机关行政运行"}
    assert "政府办公厅（室）及相关机构事务（款）机关行政运行（项）" in dump
    assert "政府办公厅（室）及相关机构事务（款）行政运行（项）" not in dump
    added = re.findall(r'"201", "39", "02", "([^"]*)"', dump)
    assert added and set(added) == {"社会工作专项业务"}
    # and in the published HTML
    outcome = build(tmp_path / "w.xlsx", tmp_path / "out", ("html",), parallel=False, catalogs=catalogs)
    html = outcome.written[0].read_text(encoding="utf-8")
    assert "机关行政运行（项）" in html and "（款）行政运行（项）" not in html
    assert html.count("机关行政运行") >= len(rows) + 1


def test_a_removed_code_is_an_error_at_its_cell_naming_the_catalog(imported: Path, tmp_path: Path) -> None:
    result = run(workbook(tmp_path, 2027, REMOVED[0]), CatalogSource.for_data_dir(imported))
    errors = [(i.code, i.sheet, i.cell) for i in result.issues if i.is_error]
    assert errors == [("func-code-unknown", schema.SHEET_ITEMS, moved_cell())]
    message = next(i.message for i in result.issues if i.is_error)
    assert message.startswith("功能分类科目编码2080206：项级科目2080206不在2027年科目代码表（财政局导入）中。")


def test_check_and_build_say_which_catalog(imported: Path, tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.setenv("DISCLOSURE_DATA", str(imported))
    path = workbook(tmp_path, 2027, ADDED[0])
    assert main(["check", str(path)]) == 0
    out = capsys.readouterr().out
    assert "科目代码表：支出功能分类：2027年科目代码表（财政局导入）；经济分类：2026年科目代码表（内置）" in out
    assert main(["check", str(path), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["catalog"] == "支出功能分类：2027年科目代码表（财政局导入）；经济分类：2026年科目代码表（内置）"


def test_one_off_catalog_file_is_used_for_that_run_only(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    source = write_csv(tmp_path / "kmdm.csv", catalog_2027())
    fixed = tmp_path / "科目2027.csv"
    fixed.write_text(source.read_text(encoding="utf-8-sig").replace("xh,kmmc,kmdm", "序号,科目名称,科目编码"), "utf-8")
    path = workbook(tmp_path, 2027, REMOVED[0])
    assert main(["check", str(path), "--catalog", str(fixed)]) == 1
    out = capsys.readouterr().out
    assert (
        f"支出明细!{moved_cell()}: 错误：功能分类科目编码2080206：项级科目2080206不在2027年科目代码表（命令行指定文件）中"
        in out
    )
    assert not (tmp_path / "data").exists()
    assert main(["check", str(path)]) == 0  # without it: the shipped 2026 catalog, where 2080206 exists


def test_rollover_from_2026_lists_the_removed_and_the_renamed_code(imported: Path, tmp_path: Path) -> None:
    catalogs = CatalogSource.for_data_dir(imported)
    this = workbook(tmp_path, 2026, REMOVED[0], "2026.xlsx")
    assert run(this, catalogs).ok
    outcome = rollover(this, tmp_path / "2027.xlsx", catalogs=catalogs)
    changes = [w.message for w in outcome.warnings if w.code == "rollover-catalog-change"]
    assert changes == [
        "功能分类科目2010301名称由“行政运行”改为“机关行政运行”：请核对使用该科目的支出明细和上年对比行",
        "功能分类科目2080206“社会组织管理”在新年度科目代码表中不存在：请核对使用该科目的支出明细和上年对比行",
    ]
    assert not outcome.same_catalog


# --- bad catalogs ---------------------------------------------------------------------------------

GOOD = ["201,一般公共服务支出", "20103,政府办公厅（室）及相关机构事务", "2010301,行政运行"]


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        (["20103011,行政运行"], [("catalog-code-malformed", "A5")]),
        (["2010,行政运行"], [("catalog-code-malformed", "A5")]),
        (["30101,基本工资"], [("catalog-code-malformed", "A5")]),
        (["2019901,其他一般公共服务支出"], [("catalog-parent-missing", "A5")]),
        (["20299,其他外交支出"], [("catalog-parent-missing", "A5")]),
        (["2010301,行政运行"], [("catalog-code-duplicate", "A5")]),
        (["2010302,"], [("catalog-name-empty", "B5")]),
        (["2010302," + "一般行政管理事务" * 8], [("catalog-name-too-long", "B5")]),
        ([",一般行政管理事务"], [("catalog-code-empty", "A5")]),
    ],
)
def test_each_rule_is_a_located_error_and_nothing_is_stored(
    tmp_path: Path, rows: list[str], expected: list[tuple[str, str]], capsys: pytest.CaptureFixture
) -> None:
    path = tmp_path / "科目.csv"
    path.write_text("\n".join(["科目编码,科目名称", *GOOD, *rows]) + "\n", encoding="utf-8")
    table, issues = read_catalog_file(path)
    assert table is None
    assert [(i.code, i.cell) for i in issues] == expected
    assert {i.sheet for i in issues} == {"科目.csv"}
    assert main(["catalog", "import", str(path), "--year", "2027", "--data", str(tmp_path / "data")]) == 1
    err = capsys.readouterr().err
    assert f"科目.csv:科目.csv!{expected[0][1]}: 错误：第5行" in err
    assert "科目代码表未导入（没有保存任何内容）" in err
    assert not (tmp_path / "data").exists()


def test_all_problems_of_a_file_are_reported_together(tmp_path: Path) -> None:
    path = tmp_path / "科目.csv"
    path.write_text("科目编码,科目名称\n201,一般公共服务支出\n2019901,其他\n20103,\n20103,重复\n", encoding="utf-8")
    _, issues = read_catalog_file(path)
    assert [(i.code, i.cell) for i in issues] == [
        ("catalog-name-empty", "B4"),
        ("catalog-code-duplicate", "A5"),
        ("catalog-parent-missing", "A3"),
    ]
    assert issues[2].message == (
        "第3行的项2019901“其他”没有上级款20199：表中找不到编码为20199的款，请补上该款或核对编码"
    )


def _zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def test_files_that_are_not_catalogs_are_refused(tmp_path: Path) -> None:
    docx = _zip(tmp_path / "科目.xlsx", {"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>"})
    empty = tmp_path / "空.csv"
    empty.write_bytes(b"")
    bomb = _zip(
        tmp_path / "bomb.xlsx", {"xl/workbook.xml": b"<workbook/>", "xl/worksheets/sheet1.xml": b"\0" * (20 << 20)}
    )
    items = tmp_path / "填报工作簿.xlsx"
    write_workbook(items, example_data("000"))
    no_header = tmp_path / "无表头.csv"
    no_header.write_text("2010301,行政运行\n", encoding="utf-8")
    mixed = tmp_path / "混合.csv"
    mixed.write_text("编码,名称\n201,一般公共服务支出\n301,工资福利支出\n", encoding="utf-8")
    outcomes = {}
    for path in (docx, empty, bomb, items, no_header, mixed):
        table, issues = read_catalog_file(path)
        assert table is None
        outcomes[path.name] = [i.code for i in issues]
        assert all(i.is_error for i in issues)
    assert outcomes == {
        "科目.xlsx": ["not-a-workbook"],
        "空.csv": ["file-empty"],
        "bomb.xlsx": ["zip-bomb"],
        "填报工作簿.xlsx": ["catalog-incomplete"],
        "无表头.csv": ["catalog-no-columns"],
        "混合.csv": ["catalog-kind-unclear"],
    }
    _, issues = read_catalog_file(docx)
    assert "这是Word文档（.docx）" in issues[0].message
    _, issues = read_catalog_file(bomb)
    assert "不像正常的科目代码表" in issues[0].message
    _, issues = read_catalog_file(items)
    assert issues[0].sheet == schema.SHEET_ITEMS and "像是支出明细或填报工作簿" in issues[0].message


def test_a_file_of_the_other_kind_is_one_message(tmp_path: Path) -> None:
    path = tmp_path / "经济.csv"
    path.write_text("代码,名称\n301,工资福利支出\n30101,基本工资\n30102,津贴补贴\n", encoding="utf-8")
    table, issues = read_catalog_file(path, kind="function")
    assert table is None and [(i.code, i.sheet) for i in issues] == [("catalog-kind-mismatch", "经济.csv")]
    assert issues[0].message.startswith(
        "指定的种类是支出功能分类，但文件“经济.csv”中的编码大多是部门预算支出经济分类编码"
    )


def test_econ_catalog_is_told_from_its_codes(tmp_path: Path) -> None:
    path = tmp_path / "经济.csv"
    path.write_text("代码,名称\n301,工资福利支出\n30101,基本工资\n30102,津贴补贴\n", encoding="utf-8")
    table, issues = read_catalog_file(path)
    assert issues == [] and table is not None
    assert (table.kind, table.counts()) == ("econ", {"类": 1, "款": 2})


def test_codes_and_names_are_normalised_as_bureaus_write_them(tmp_path: Path) -> None:
    path = tmp_path / "科目.csv"
    path.write_text(
        "科目编码,科目名称\n"
        "207,文化旅游体育与传媒支出\n"
        "\u3000207 01,  文化和旅游\n"
        "[2070114],文化和旅游管理事务\n"  # starts with its 款's name: kept whole
        "2070101,文化旅游体育与传媒支出 文化和旅游 行政运行\n"  # parents before spaces
        "2070199,文化和旅游／其他文化和旅游支出\n"  # parent before a separator
        "2070104,[2070104] 图书馆\n"  # its code in the name
        "2070105,文化展示及纪念机构(含纪念馆)\n",  # ASCII brackets
        encoding="utf-8",
    )
    table, issues = read_catalog_file(path)
    assert issues == [] and table is not None
    assert table.entries == {
        "207": "文化旅游体育与传媒支出",
        "20701": "文化和旅游",
        "2070101": "行政运行",
        "2070104": "图书馆",
        "2070105": "文化展示及纪念机构（含纪念馆）",
        "2070114": "文化和旅游管理事务",
        "2070199": "其他文化和旅游支出",
    }


def test_a_csv_with_an_absurd_field_is_refused_not_a_crash(tmp_path: Path) -> None:
    path = tmp_path / "大.csv"
    path.write_text("科目编码,科目名称\n201,一般公共服务支出\n2010301," + "行" * 200_000 + "\n", encoding="utf-8")
    table, issues = read_catalog_file(path)
    assert table is None and [(i.code, i.sheet) for i in issues] == [("catalog-not-readable", "大.csv")]
    assert issues[0].message.startswith("文件“大.csv”第3行无法按CSV读取")
