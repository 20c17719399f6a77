"""Formats as data (issue 16): the loader's located messages, number styles, format choice in the
workbook, a test-only third format built without any Python change, and Xinjiang unchanged."""

from __future__ import annotations

import importlib.util
import re
import shutil
import subprocess
import sys
import tempfile
from decimal import Decimal
from pathlib import Path

import docx
import openpyxl
import pypdf
import pytest

from generator import formatting as fmt
from generator.formats import registry
from generator.formats.loader import FormatInvalid, load_format
from generator.model import Disclosure, NumberStyle
from generator.pipeline import run
from generator.render.docx import render_docx
from generator.render.html import render_html
from generator.render.pdf import render_pdf
from generator.workbook import schema
from generator.workbook.template import write_workbook
from tests.conftest import ROOT, example_data
from tests.xlsx_builder import kv_row

FORMATS = ROOT / "tests" / "data" / "formats"
SECTIONS = ("overall", "income", "spending", "fiscal", "gpb", "basic", "projects", "fund", "soe", "sangong", "other")

# A small valid format: one part with a table, one with all sections.
MINIMAL = """\
id: mini
name: 最小格式
region: 测试地区
level: 测试
editions:
  - name: 部门版
    subject: 本部门
years:
  first: 2023
cover:
  title: "{year}年预算"
file_name: "{unit_name}{year}年预算"
sections_from: xinjiang-2023
parts:
  - heading: "一、预算表"
    blocks:
      - type: table
        kind: 三公经费
        label: 表1
        title: “三公”经费表
        head:
          - [{text: 项目, rows: 2}, {text: 合计, rows: 2}, {text: 资金来源, cols: 3}]
          - [一般公共预算, 政府性基金, 国有资本经营预算]
  - heading: "二、说明"
    blocks:
""" + "".join(f"      - {{type: section, section: {s}}}\n" for s in SECTIONS)


def write_format(tmp_path: Path, text: str, name: str = "mini") -> Path:
    folder = tmp_path / name
    folder.mkdir()
    (folder / "format.yaml").write_text(text, encoding="utf-8")
    return folder


def line_of(text: str, marker: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), start=1) if marker in line)


def problems(tmp_path: Path, text: str) -> list[tuple[int, str]]:
    with pytest.raises(FormatInvalid) as caught:
        load_format(write_format(Path(tempfile.mkdtemp(dir=tmp_path)), text))
    return [(p.line, p.message) for p in caught.value.problems]


# ------------------------------------------------------------------------------------------ loader


def test_minimal_and_shipped_formats_load(tmp_path: Path) -> None:
    mini = load_format(write_format(tmp_path, MINIMAL))
    assert [p.heading for p in mini.spec.parts] == ["一、预算表", "二、说明"]
    shipped = registry.get("xinjiang-2023").spec
    assert [len(p.blocks) for p in shipped.parts] == [2, 10, 11, 2]


def test_bad_yaml_names_the_line(tmp_path: Path) -> None:
    text = MINIMAL.replace('  title: "{year}年预算"', '  title: ["{year}年预算"')
    [(line, message)] = problems(tmp_path, text)
    assert line == line_of(text, "file_name")  # where the parser noticed the unclosed list
    assert message.startswith("YAML 写法有误（") and message.endswith("），请检查缩进、冒号和引号")


@pytest.mark.parametrize(
    ("old", "new", "marker", "message"),
    [
        (
            "        title: “三公”经费表",
            "        titel: “三公”经费表",
            "titel",
            "不认识的设置“titel”，是否应为“title”？",
        ),
        ("kind: 三公经费", "kind: 三公经费表", "kind:", "没有“三公经费表”这种表，是否应为“三公经费”？"),
        (
            "        label: 表1",
            "        label: 表1\n        unit: 千元",
            "unit: 千元",
            "parts.0.blocks.0.unit 的值“千元”不可用，应为 元、万元 之一",
        ),
        (
            "{type: section, section: soe}",
            "{type: section, section: soes}",
            "soes",
            "没有“soes”这一节情况说明，是否应为“soe”？",
        ),
        (
            "          - [一般公共预算, 政府性基金, 国有资本经营预算]",
            "          - [一般公共预算, 政府性基金]",
            "head:",
            "表1表头：第2行只有 4 列，这种表有 5 列",
        ),
        (
            '"{year}年预算"',
            '"{yaer}年预算"',
            "{yaer}",
            "cover.title：未知的占位符“{yaer}”，此处可用的有：{year}、{prior_year}、{unit_name}、{short_name}",
        ),
        (
            '"{unit_name}{year}年预算"',
            '"{unit_name}{year年预算"',
            "file_name",
            "file_name：花括号不成对；占位符写作 {year} 这样，文字中的花括号请写成 {{ 和 }}",
        ),
        (
            "      - type: table",
            "      - type: tabel",
            "type: tabel",
            "parts.0.blocks.0：type“tabel”不是可用的块类型（table、section、overview、projects、glossary、signature），"
            "是否应为“table”？",
        ),
        (
            "    subject: 本部门",
            "    subject: 本部门\n    wording: 部门",
            "wording",
            "不认识的设置“wording”。此处可用的设置：name、subject、noun、cover、file_name、unit_line",
        ),
        (
            "level: 测试\n",
            "level: 测试\nnumbers:\n  万元: {decimals: 3}\n",
            "万元:",
            "numbers.万元.decimals 应不大于2，现为“3”",
        ),
    ],
)
def test_each_problem_is_located_with_its_fix(tmp_path: Path, old: str, new: str, marker: str, message: str) -> None:
    text = MINIMAL.replace(old, new)
    assert text != MINIMAL
    assert problems(tmp_path, text) == [(line_of(text, marker), message)]


def test_a_missing_section_or_key_is_named(tmp_path: Path) -> None:
    text = MINIMAL.replace("      - {type: section, section: soe}\n", "").replace("region: 测试地区\n", "")
    assert problems(tmp_path, text) == [(1, "缺少必填的设置“region”，请补上")]
    # a section no block places is simply not in the document (its template may still be in the folder)
    text = MINIMAL.replace("      - {type: section, section: soe}\n", "")
    fewer = load_format(write_format(Path(tempfile.mkdtemp(dir=tmp_path)), text))
    assert fewer.text_settings.sections == tuple(s for s in SECTIONS if s != "soe")


def test_a_key_set_twice_or_an_empty_file_is_refused(tmp_path: Path) -> None:
    text = MINIMAL.replace("level: 测试\n", "level: 测试\nregion: 别处\n")
    assert problems(tmp_path, text) == [(line_of(text, "region: 别处"), "“region”在第3行已经设置过，请删除其中一处")]
    assert problems(tmp_path, "# 只有注释\n") == [(0, "文件是空的")]


def test_every_problem_is_reported_together(tmp_path: Path) -> None:
    text = MINIMAL.replace("kind: 三公经费", "kind: 三公").replace(
        "section: fund}", "section: fund}\n      - {type: section, section: fund}"
    )
    found = problems(tmp_path, text)
    assert [line for line, _ in found] == [line_of(text, "kind:"), line_of(text, "section: fund}") + 1]
    assert found[1][1] == "情况说明“fund”出现了两次，每一节只能放一次"


def test_format_folder_must_match_its_id(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_format(tmp_path, MINIMAL, name="other-name")
    monkeypatch.setenv(registry.ENV, str(tmp_path))
    with pytest.raises(FormatInvalid) as caught:
        registry.get("other-name")
    assert [p.message for p in caught.value.problems] == ["id“mini”应与文件夹名“other-name”相同，请改为 other-name"]


def test_a_bureau_folder_replaces_a_shipped_format_of_the_same_id(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    copy = tmp_path / "xinjiang-2023"  # a bureau copies the whole folder (format.yaml and sections/) and edits it
    shutil.copytree(registry.SHIPPED / "xinjiang-2023", copy)
    text = (copy / "format.yaml").read_text(encoding="utf-8")
    (copy / "format.yaml").write_text(
        text.replace("name: 新疆部门预算公开（2023年格式）", "name: 本局修改的新疆格式"), encoding="utf-8"
    )
    monkeypatch.setenv(registry.ENV, str(tmp_path))
    assert registry.get("xinjiang-2023").spec.name == "本局修改的新疆格式"


def test_formats_check_lists_every_problem_with_its_line(tmp_path: Path) -> None:
    from generator.formats.listing import check_lines

    text = MINIMAL.replace("kind: 三公经费", "kind: 三公").replace("section: soe}", "section: soes}")
    folder = write_format(tmp_path, text)
    lines, ok = check_lines(folder / "format.yaml")
    file = folder / "format.yaml"
    assert not ok
    assert lines == [
        f"{file}:{line_of(text, 'kind:')}: 没有“三公”这种表，是否应为“三公经费”？",
        f"{file}:{line_of(text, 'soes')}: 没有“soes”这一节情况说明，是否应为“soe”？",
        "共2处错误，请逐条改正后再检查",
    ]
    good = tmp_path / "good"
    good.mkdir()
    lines, ok = check_lines(write_format(good, MINIMAL))
    assert ok and lines[0] == "格式文件检查通过：mini"


# ----------------------------------------------------------------------------------- number styles


@pytest.mark.parametrize(
    ("style", "value", "shown"),
    [
        (NumberStyle(), "1223.12", "1223.12"),  # Xinjiang: 万元, two decimals always
        (NumberStyle(), "0.2", "0.20"),
        (NumberStyle(blank_zero=False), "0", "0.00"),
        (NumberStyle(drop_zero_fraction=True, thousands=True), "4614", "4,614"),  # Shanghai 4,614万元
        (NumberStyle(drop_zero_fraction=True, thousands=True), "380.73", "380.73"),  # Shanghai 380.73万元
        (NumberStyle(drop_zero_fraction=True, blank_zero=False), "0", "0"),  # Shanghai 0万元
        (NumberStyle(unit="元", thousands=True), "9101.677535", "91,016,775.35"),  # Shanghai 元 table, exact
        (NumberStyle(unit="元", thousands=True), "1223.12", "12,231,200.00"),
        (NumberStyle(decimals=0, thousands=True), "839.5", "840"),  # half-up at display only
    ],
)
def test_number_styles(style: NumberStyle, value: str, shown: str) -> None:
    assert fmt.styled_cell(Decimal(value), style) == shown


def test_a_zero_cell_is_blank_when_the_style_says_so() -> None:
    assert fmt.styled_cell(Decimal("0.00"), NumberStyle()) == ""
    assert fmt.styled_cell(None, NumberStyle()) == ""
    assert fmt.styled_cell("合计", NumberStyle()) == "合计"


def test_chinese_ordinals() -> None:
    assert [fmt.cn_number(n) for n in (1, 10, 11, 19, 20, 21, 99)] == [
        "一",
        "十",
        "十一",
        "十九",
        "二十",
        "二十一",
        "九十九",
    ]


# --------------------------------------------------------------------------- choosing a format


def workbook(tmp_path: Path, **info: object) -> Path:
    data = example_data("000")
    data["基本信息"].update(info)
    path = tmp_path / "wb.xlsx"
    write_workbook(path, data)
    return path


FORMAT_CELL = f"B{kv_row(schema.SHEET_INFO, 'format')}"


def test_an_unknown_format_is_an_error_at_its_cell(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(registry.ENV, raising=False)
    result = run(workbook(tmp_path, 格式="shanghai-2025"))
    assert {"shanghai-putuo", "xinjiang-2023"} <= set(registry.folders())
    assert [(i.code, i.sheet, i.cell, i.message) for i in result.issues if i.is_error] == [
        (
            "format-unknown",
            "基本信息",
            FORMAT_CELL,
            f"没有名为“shanghai-2025”的格式（已安装：{'、'.join(sorted(registry.folders()))}）；"
            "请从下拉列表选择，或请信息中心安装该格式",
        )
    ]
    assert result.disclosure is None


def test_a_broken_format_file_is_an_error_naming_file_and_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    formats = tmp_path / "formats"
    formats.mkdir()
    text = MINIMAL.replace("kind: 三公经费", "kind: 三公")
    write_format(formats, text)
    monkeypatch.setenv(registry.ENV, str(formats))
    result = run(workbook(tmp_path, 格式="mini"))
    [issue] = [i for i in result.issues if i.is_error]
    file = formats / "mini" / "format.yaml"
    assert (issue.code, issue.cell) == ("format-invalid", FORMAT_CELL)
    assert issue.message == (
        f"格式“mini”的格式文件有错误，无法使用：{file}:{line_of(text, 'kind:')}: 没有“三公”这种表，是否应为“三公经费”？；"
        "请信息中心用 disclosure formats --check 检查并改正"
    )


def test_a_format_applies_to_its_years(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    formats = tmp_path / "formats"
    formats.mkdir()
    write_format(formats, MINIMAL.replace("  first: 2023", "  first: 2025"))
    monkeypatch.setenv(registry.ENV, str(formats))
    result = run(workbook(tmp_path, 格式="mini"))
    assert [(i.code, i.message) for i in result.issues if i.is_error] == [
        ("format-year", "格式“最小格式”适用于2025年起，不适用于2023年；请核对预算年度，或选择适用的格式")
    ]


def test_an_overview_without_heading_follows_its_part_heading(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    formats = tmp_path / "formats"
    formats.mkdir()
    text = MINIMAL.replace(
        '  - heading: "一、预算表"\n    blocks:\n',
        '  - heading: "一、主要职能"\n    blocks:\n      - {type: overview, content: functions}\n'
        '  - heading: "二、预算表"\n    blocks:\n',
    )
    write_format(formats, text)
    monkeypatch.setenv(registry.ENV, str(formats))
    result = run(workbook(tmp_path, 格式="mini"))
    assert result.ok and result.disclosure is not None
    d = result.disclosure
    assert [e.text for e in d.toc][:3] == ["一、主要职能", "二、预算表", "一、“三公”经费表"]
    html = render_html(d)
    first = d.functions[0].text[:6]  # its beginning: the end of a paragraph is wrapped (keep_end)
    between = html[html.index('id="part1">一、主要职能</h1>') : html.index('id="part2"')]
    assert first in re.sub(r"<[^>]+>", "", between)  # amounts and dates sit in no-wrap spans
    docx_path = tmp_path / "mini.docx"
    render_docx(d, docx_path)
    texts = [p.text for p in docx.Document(str(docx_path)).paragraphs if p.text]
    at = texts.index("一、主要职能", 4)  # the body heading, after the cover and the 目录
    assert texts[at + 1].startswith(first)


def test_an_older_workbook_without_the_format_row_is_xinjiang(tmp_path: Path) -> None:
    path = workbook(tmp_path)
    book = openpyxl.load_workbook(path)
    book[schema.SHEET_INFO].delete_rows(kv_row(schema.SHEET_INFO, "format"))
    book.save(path)
    result = run(path)
    assert result.ok and result.disclosure is not None
    assert result.disclosure.format_id == "xinjiang-2023"


def test_new_writes_the_chosen_format_and_formats_lists_it(tmp_path: Path) -> None:
    env = {"PYTHONPATH": str(ROOT), registry.ENV: str(FORMATS), "PATH": "/usr/bin:/bin"}
    cli = [sys.executable, "-m", "generator.cli"]
    target = tmp_path / "新.xlsx"
    subprocess.run([*cli, "new", str(target), "--format", "test-third"], check=True, env=env, capture_output=True)
    sheet = openpyxl.load_workbook(target)[schema.SHEET_INFO]
    assert sheet[FORMAT_CELL].value == "test-third"
    listed = subprocess.run([*cli, "formats"], check=True, env=env, capture_output=True, text=True).stdout
    assert (
        "test-third  测试格式（第三种）（测试地区，区级部门）：预算，部门版、单位版（4个部分、3张表），适用于2023—2024年；"
        in listed
    )
    bad = subprocess.run(
        [*cli, "new", str(tmp_path / "x.xlsx"), "--format", "nope"],
        check=False,
        env=env,
        capture_output=True,
        text=True,
    )
    assert bad.returncode == 1
    installed = "、".join(sorted([*registry.folders(), "test-third"]))
    assert bad.stderr.startswith(f"没有名为“nope”的格式（已安装：{installed}）。")


# ----------------------------------------------------------------------------- the third format


@pytest.fixture(scope="module")
def third(tmp_path_factory: pytest.TempPathFactory) -> Disclosure:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(registry.ENV, str(FORMATS))
        result = run(workbook(tmp_path_factory.mktemp("third"), 格式="test-third"))
    assert result.ok and result.disclosure is not None
    return result.disclosure


# tests/data/formats/test-third/format.yaml, written by hand: the moved and renamed sections, the
# tables in their new order, 收支预算总表 without a number in the 目录.
THIRD_TOC = [
    "一、昌吉州政资局概况",
    "（一）职能",
    "（二）机构",
    "（三）2023年收支总体情况",
    "二、预算表",
    "一、“三公”经费预算表",
    "二、支出预算总表",
    "收支预算总表",
    "四、政府性基金预算支出表",
    "三、预算情况说明",
    "一、关于昌吉州政资局2023年收入预算情况说明",
    "二、关于昌吉州政资局2023年支出预算情况说明",
    "三、关于昌吉州政资局2023年财政拨款收支预算情况的总体说明",
    "四、关于昌吉州政资局2023年一般公共预算当年拨款情况说明",
    "五、关于昌吉州政资局2023年一般公共预算基本支出情况说明",
    "六、关于昌吉州政资局2023年一般公共预算项目支出情况说明",
    "七、关于昌吉州政资局2023年政府性基金预算拨款情况说明",
    "八、关于昌吉州政资局2023年国有资本经营预算拨款情况说明",
    "九、“三公”经费情况",
    "十、其他重要事项的情况说明",
    "四、名词解释",
    "五、项目支出绩效目标表",
]


def test_third_format_order_and_wording(third: Disclosure) -> None:
    assert [e.text for e in third.toc] == THIRD_TOC
    assert third.title == "昌吉州政务服务和公共资源交易管理局2023年预算"
    assert third.file_stem == "昌吉州政务服务和公共资源交易管理局2023年预算（测试格式）"
    assert [(t.label, t.kind, t.numbers.unit, t.landscape) for t in third.tables] == [
        ("表一", "三公经费", "万元", True),  # part 二's landscape
        ("", "支出总表", "元", False),  # no label; its own portrait
        ("表三", "收支总表", "万元", True),
        ("表四", "政府性基金支出", "万元", True),
    ]
    assert [p.landscape for p in third.parts] == [False, True, False, False, False]
    assert not third.landscape
    # 000 has no 政府性基金: the format's note and two blank rows above the 合计 row
    fund = third.tables[3]
    assert fund.empty_note == "本部门没有政府性基金预算拨款安排的支出，本表无数据。"
    assert [r.style for r in fund.rows] == ["blank", "blank", "total"]


def test_third_format_builds_html_pdf_and_docx(
    third: Disclosure, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(registry.ENV, str(FORMATS))
    # 表二 in 元: 000's 表3 合计 1223.12 / 643.84 / 579.28 万元 and 201 1058.99 (examples/000-golden.md 行871-873, 695)
    yuan = ["12,231,200.00", "6,438,400.00", "5,792,800.00", "10,589,900.00"]
    html = render_html(third)
    assert all(f'<td class="n">{v}</td>' in html for v in yuan)
    assert '<span class="ur">单位：元</span>' in html
    # 表二 has no label line: the title alone, and still "二、" in the 目录 (THIRD_TOC)
    assert '<h2 class="tt" data-bookmark="支出预算总表"><span class="ttl">支出预算总表</span></h2>' in html
    assert html.count('<span class="tno">') == 3
    # 表一 in the format's 万元 style: 合计 5.00 → 5, 公务接待费 0.20 (行1537), 运行费 4.80 (行1579)
    assert '<tr class="b"><td>合计</td><td class="n">5</td><td class="n">5</td>' in html

    docx_path = tmp_path / "third.docx"
    render_docx(third, docx_path)
    document = docx.Document(str(docx_path))
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert headings[:5] == [
        "一、昌吉州政资局概况",
        "（一）职能",
        "（二）机构",
        "（三）2023年收支总体情况",
        "二、预算表",
    ]
    assert "九、“三公”经费情况" in headings
    texts = [p.text for p in document.paragraphs]
    at = texts.index("支出预算总表", texts.index("二、预算表"))
    assert texts[at - 1] != "表二" and texts[at + 1].startswith("编制部门（单位）：")
    assert not document.paragraphs[at].paragraph_format.page_break_before  # its own section opens the page
    assert texts[texts.index("收支预算总表", at) - 1] == "表三"
    cells = [c.text for row in document.tables[1].rows for c in row.cells]
    assert all(v in cells for v in yuan)
    # cover to 一 portrait; 二 landscape, but 表二 on portrait pages of its own; 三 on portrait again
    assert [s.orientation for s in document.sections] == [0, 1, 0, 1, 0]
    assert [round(s.page_width.cm, 1) for s in document.sections] == [21.0, 29.7, 21.0, 29.7, 21.0]

    # the 绩效目标表 in their own part, once, not after 十、（四）预算绩效情况 as in xinjiang-2023
    texts = [p.text for p in document.paragraphs if p.text]
    perf_titles = [i for i, t in enumerate(texts) if t == third.performance_tables[0].title]
    assert len(perf_titles) == len(third.performance_tables) >= 1
    assert texts.index("五、项目支出绩效目标表", 40) < perf_titles[0]
    assert html.index('id="part5"') < html.index('class="perf"') and html.count('class="perf"') == len(perf_titles)

    pdf_path = tmp_path / "third.pdf"
    render_pdf(third, pdf_path)
    text = subprocess.run(["pdftotext", str(pdf_path), "-"], check=True, capture_output=True, text=True).stdout
    assert all(v in text for v in yuan)
    assert "表二" not in text and "表三" in text
    assert text.index("（三）2023年收支总体情况") < text.index("支出预算总表") < text.index("九、“三公”经费情况")
    # the same orientations in the PDF: each page's size by the first heading on it
    reader = pypdf.PdfReader(str(pdf_path))
    landscape = {}
    for page in reader.pages:
        words = page.extract_text()
        if "目 录" in words:  # a 目录 page lists every title
            landscape.setdefault("目 录", page.mediabox.width > page.mediabox.height)
            continue
        for title in ("一、昌吉州政资局概况", "“三公”经费预算表", "支出预算总表", "收支预算总表"):
            if title in words and title not in landscape:
                landscape[title] = page.mediabox.width > page.mediabox.height
        if "三、预算情况说明" in words:
            landscape.setdefault("三、预算情况说明", page.mediabox.width > page.mediabox.height)
    assert landscape == {
        "目 录": False,
        "一、昌吉州政资局概况": False,
        "“三公”经费预算表": True,
        "支出预算总表": False,
        "收支预算总表": True,
        "三、预算情况说明": False,
    }


# --------------------------------------------------------------------------- Xinjiang unchanged


# format-2023.md §2 (the 目录 of reference 000), with 四 as the table's own title (the spec's note there).
XINJIANG_TOC_000 = [
    "第一部分  昌吉州政务服务和公共资源交易管理局概况",
    "一、主要职能",
    "二、机构设置及人员情况",
    "第二部分  2023年部门（单位）预算公开表",
    "一、部门（单位）收支总体情况表",
    "二、部门（单位）收入总体情况表",
    "三、部门（单位）支出总体情况表",
    "四、财政拨款收支预算总体情况表",
    "五、一般公共预算支出情况表",
    "六、一般公共预算基本支出情况表",
    "七、一般公共预算项目支出情况表",
    "八、政府性基金预算支出情况表",
    "九、国有资本经营预算支出情况表",
    "十、财政拨款“三公”经费支出情况表",
    "第三部分  2023年部门（单位）预算情况说明",
    "一、关于昌吉州政资局2023年收支预算情况的总体说明",
    "二、关于昌吉州政资局2023年收入预算情况说明",
    "三、关于昌吉州政资局2023年支出预算情况说明",
    "四、关于昌吉州政资局2023年财政拨款收支预算情况的总体说明",
    "五、关于昌吉州政资局2023年一般公共预算当年拨款情况说明",
    "六、关于昌吉州政资局2023年一般公共预算基本支出情况说明",
    "七、关于昌吉州政资局2023年一般公共预算项目支出情况说明",
    "八、关于昌吉州政资局2023年政府性基金预算拨款情况说明",
    "九、关于昌吉州政资局2023年国有资本经营预算拨款情况说明",
    "十、关于昌吉州政资局2023年财政拨款“三公”经费预算情况说明",
    "十一、其他重要事项的情况说明",
    "第四部分  名词解释",
]


def test_xinjiang_order_is_the_2023_layout(disclosures: dict[str, Disclosure]) -> None:
    d = disclosures["000"]
    assert [e.text for e in d.toc] == XINJIANG_TOC_000
    assert [(t.label, t.numbers.unit, t.landscape) for t in d.tables] == [
        (f"表{n}", "万元", n in (2, 7)) for n in range(1, 11)
    ]
    assert d.tables[7].empty_note == "我单位没有使用政府性基金预算拨款安排的支出，政府性基金预算支出情况表为空表。"
    assert len(d.tables[7].rows) == 17  # 16 blank rows and 合计, as the reference prints it


def test_committed_docx_template_is_generated_from_the_format() -> None:
    spec = importlib.util.spec_from_file_location("make_docx_template_test", ROOT / "scripts" / "make_docx_template.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    for name in ("xinjiang-2023", "shanghai-putuo-final"):
        shipped = registry.get(name)
        assert (shipped.folder / "disclosure.docx").read_bytes() == module.template_bytes(shipped), name


# ------------------------------------------------------------------------------- section templates


def test_own_section_templates_are_checked_with_the_format(tmp_path: Path) -> None:
    """A format with its own sections/ folder: a broken template refuses the format at that file and line."""
    folder = write_format(tmp_path, MINIMAL.replace("sections_from: xinjiang-2023\n", ""))
    shutil.copytree(registry.get("xinjiang-2023").sections_folder, folder / "sections")
    assert load_format(folder).sections_folder == folder / "sections"
    (folder / "sections" / "soe.j2").write_text("# 九、国资\n\n{{ total + 1 }}\n", encoding="utf-8")
    with pytest.raises(FormatInvalid) as caught:
        load_format(folder)
    [problem] = caught.value.problems
    assert (problem.file, problem.line) == (folder / "sections" / "soe.j2", 3)


def test_missing_or_unknown_section_templates(tmp_path: Path) -> None:
    no_sections = MINIMAL.replace("sections_from: xinjiang-2023\n", "")
    [(line, message)] = problems(tmp_path, no_sections)
    assert line == 0 and message.startswith("找不到情况说明模板文件夹") and "sections_from" in message
    unknown = MINIMAL.replace("sections_from: xinjiang-2023", "sections_from: nowhere")
    [(line, message)] = problems(tmp_path, unknown)
    assert line == line_of(unknown, "sections_from") and "nowhere" in message


@pytest.mark.parametrize(
    "template", sorted(Path(__file__).resolve().parents[1].glob("templates/formats/*/disclosure*.docx"))
)
def test_no_page_section_of_a_shipped_template_is_empty(template: Path) -> None:
    """Each page section (a run of pages of one orientation) holds a table or text: two landscape tables in a
    row share one landscape section, with no empty portrait section (a blank page) between them, as czj's
    wide 表2 and 表3 once had."""
    from docx.oxml.ns import qn

    body = docx.Document(str(template)).element.body
    sections: list[bool] = [False]  # per section: has it content yet?
    for child in body.iterchildren():
        if child.tag == qn("w:tbl"):
            sections[-1] = True
        elif child.tag == qn("w:p"):
            if "".join(t.text or "" for t in child.iter(qn("w:t"))).strip():
                sections[-1] = True
            if child.find(qn("w:pPr")) is not None and child.find(qn("w:pPr")).find(qn("w:sectPr")) is not None:
                sections.append(False)
    assert all(sections[:-1] or [True]), [i for i, filled in enumerate(sections) if not filled]
