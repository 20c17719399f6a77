"""Editions as data (部门版 / 单位版): one format carries both, each edition's cover, file name, parts, blocks,
titles and table kinds are overrides in format.yaml (`editions`, `by_edition`), and 基本信息 版本 chooses one.

The test-only third format (tests/data/formats/test-third) has a 单位版 that drops a table, a section and a
part, renames a table and a section and changes a table's unit, all without any Python change."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import docx
import openpyxl
import pytest

from generator.cli import main
from generator.formats import registry
from generator.formats.loader import load_format
from generator.model import Disclosure
from generator.pipeline import run
from generator.render.docx import render_docx, template_file, template_name
from generator.workbook import schema
from generator.workbook.template import write_workbook
from tests.conftest import ROOT, example_data
from tests.test_formats import FORMATS, MINIMAL, line_of, problems, write_format
from tests.xlsx_builder import kv_row

EDITION_CELL = f"B{kv_row(schema.SHEET_INFO, 'edition')}"


def workbook(folder: Path, **info: object) -> Path:
    data = example_data("000")
    data[schema.SHEET_INFO].update(info)
    path = folder / "wb.xlsx"
    write_workbook(path, data)
    return path


# ------------------------------------------------------------------------------ the third format


@pytest.fixture(scope="module")
def unit(tmp_path_factory: pytest.TempPathFactory) -> tuple[Disclosure, Path]:
    folder = tmp_path_factory.mktemp("third-unit")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(registry.ENV, str(FORMATS))
        result = run(workbook(folder, 格式="test-third", 版本="单位版"))
        assert result.ok and not [i for i in result.issues if i.is_error]
        assert result.disclosure is not None
        render_docx(result.disclosure, folder / "unit.docx")
    return result.disclosure, folder / "unit.docx"


# tests/data/formats/test-third/format.yaml's 单位版, worked out by hand: no “三公” table (so 支出总表 is the
# part's first numbered block), no 政府性基金 section (so 国有资本经营 is 七), “三公” renamed, no part 五.
UNIT_TOC = [
    "一、昌吉州政资局概况",
    "（一）职能",
    "（二）机构",
    "（三）2023年收支总体情况",
    "二、预算表",
    "一、单位支出预算总表",
    "收支预算总表",
    "三、政府性基金预算支出表",
    "三、预算情况说明",
    "一、关于昌吉州政资局2023年收入预算情况说明",
    "二、关于昌吉州政资局2023年支出预算情况说明",
    "三、关于昌吉州政资局2023年财政拨款收支预算情况的总体说明",
    "四、关于昌吉州政资局2023年一般公共预算当年拨款情况说明",
    "五、关于昌吉州政资局2023年一般公共预算基本支出情况说明",
    "六、关于昌吉州政资局2023年一般公共预算项目支出情况说明",
    "七、关于昌吉州政资局2023年国有资本经营预算拨款情况说明",
    "八、本单位“三公”经费",
    "九、其他重要事项的情况说明",
    "四、名词解释",
]


def test_third_format_unit_edition_is_laid_out_from_its_overrides(unit: tuple[Disclosure, Path]) -> None:
    d, _ = unit
    assert d.edition == "单位版"
    assert [e.text for e in d.toc] == UNIT_TOC
    assert d.title == "昌吉州政务服务和公共资源交易管理局2023年单位预算"
    assert d.file_stem == "昌吉州政务服务和公共资源交易管理局2023年单位预算（测试格式）"
    # 表二 in 万元 now: 000's 表3 合计 1223.12 (examples/000-golden.md 行871)
    assert [(t.label, t.title, t.numbers.unit) for t in d.tables] == [
        ("", "单位支出预算总表", "万元"),  # 表二 has no label line (test-third)
        ("表三", "收支预算总表", "万元"),
        ("表四", "政府性基金预算支出表", "万元"),
    ]
    assert [str(c) for c in d.tables[0].rows[-1].cells[4:]] == ["1223.12", "643.84", "579.28"]


def test_third_format_unit_edition_docx_is_made_from_the_edition(unit: tuple[Disclosure, Path]) -> None:
    d, path = unit
    document = docx.Document(str(path))
    headings = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    assert headings == ["一、昌吉州政资局概况", "二、预算表", "三、预算情况说明", "四、名词解释"]
    # its three tables; without the part of their own, the 绩效目标表 follow the 预算绩效情况 of 其他重要事项
    assert len(document.tables) == 3 + len(d.performance_tables) and d.performance_tables
    text = "\n".join(p.text for p in document.paragraphs)
    assert "八、本单位“三公”经费" in text
    assert "政府性基金预算拨款情况说明" not in text


def test_the_first_edition_is_unchanged_and_the_default(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(registry.ENV, str(FORMATS))
    chosen = run(workbook(tmp_path, 格式="test-third", 版本="部门版")).disclosure
    blank = run(workbook(tmp_path, 格式="test-third", 版本=None)).disclosure
    assert chosen is not None and blank is not None
    assert chosen.edition == blank.edition == "部门版"
    assert [e.text for e in chosen.toc] == [e.text for e in blank.toc]
    assert len(chosen.tables) == 4 and chosen.toc[-1].text == "五、项目支出绩效目标表"


# ------------------------------------------------------------------------------ choosing an edition


def test_an_edition_the_format_lacks_is_an_error_at_its_cell(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(registry.ENV, raising=False)
    result = run(workbook(tmp_path, 版本="街道版"))
    assert [(i.code, i.sheet, i.cell, i.message) for i in result.issues if i.is_error] == [
        (
            "format-edition",
            "基本信息",
            EDITION_CELL,
            "格式“新疆部门预算公开（2023年格式）”没有“街道版”，只有部门版、单位版；请从下拉列表选择部门版、单位版之一"
            "（不填则用部门版）",
        )
    ]
    assert result.disclosure is None


def test_new_writes_the_edition_with_its_dropdown(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "单位.xlsx"
    assert main(["new", str(target), "--format", "shanghai-putuo", "--year", "2026", "--edition", "单位版"]) == 0
    assert "（格式：shanghai-putuo，单位版；" in capsys.readouterr().out
    book = openpyxl.load_workbook(target)
    assert book[schema.SHEET_INFO][EDITION_CELL].value == "单位版"
    editions = book.defined_names["list_editions"].attr_text.split("!")
    sheet, cells = book[editions[0].strip("'")], editions[1].replace("$", "")
    assert [c.value for row in sheet[cells] for c in row] == ["部门版", "单位版"]
    rules = [dv for dv in book[schema.SHEET_INFO].data_validations.dataValidation if EDITION_CELL in str(dv.sqref)]
    assert [dv.formula1 for dv in rules] == ["list_editions"]
    default = tmp_path / "默认.xlsx"
    assert main(["new", str(default), "--format", "shanghai-putuo", "--year", "2026"]) == 0
    assert openpyxl.load_workbook(default)[schema.SHEET_INFO][EDITION_CELL].value == "部门版"


def test_new_refuses_an_edition_the_format_lacks(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "x.xlsx"
    assert main(["new", str(target), "--format", "shanghai-putuo", "--year", "2026", "--edition", "街道版"]) == 1
    err = capsys.readouterr().err
    assert (
        "格式“上海市普陀区部门预算公开（2026年格式）”没有“街道版”，只有部门版、单位版；请用 --edition 指定其中之一。"
        in err
    )
    assert not target.exists()


def test_shanghai_lists_both_editions(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["formats"]) == 0
    out = capsys.readouterr().out
    assert (
        "shanghai-putuo  上海市普陀区部门预算公开（2026年格式）（上海市普陀区，区级部门）：预算，部门版、单位版（6个部分、9张表）"
        in out
    )
    fmt = registry.get("shanghai-putuo")
    assert [len(fmt.editions[e].parts) for e in fmt.edition_names] == [7, 6]


# ------------------------------------------------------------------------------ the loader


TWO_EDITIONS = MINIMAL.replace(
    "    subject: 本部门\n",
    "    subject: 本部门\n  - name: 单位版\n    subject: 本单位\n    noun: 单位\n",
)


def test_overrides_apply_per_edition(tmp_path: Path) -> None:
    text = TWO_EDITIONS.replace(
        "        title: “三公”经费表\n",
        "        title: “三公”经费表\n        by_edition: {单位版: {title: 单位“三公”经费表, unit: 元}}\n",
    )
    fmt = load_format(write_format(tmp_path, text))
    assert fmt.edition == "部门版"
    assert fmt.spec.parts[0].blocks[0].title == "“三公”经费表"
    table = fmt.with_edition("单位版").spec.parts[0].blocks[0]
    assert (table.title, table.unit) == ("单位“三公”经费表", "元")
    assert fmt.with_edition(None) is fmt


def test_by_edition_naming_an_undeclared_edition_is_located(tmp_path: Path) -> None:
    text = TWO_EDITIONS.replace(
        '  - heading: "一、预算表"\n', '  - heading: "一、预算表"\n    by_edition: {街道版: null}\n'
    )
    assert problems(tmp_path, text) == [
        (line_of(text, "街道版"), "by_edition 中的“街道版”不是本格式声明的版本（部门版、单位版）")
    ]  # once per edition read


def test_a_bad_override_is_located_at_its_line_and_names_the_edition(tmp_path: Path) -> None:
    text = TWO_EDITIONS.replace(
        "        title: “三公”经费表\n",
        "        title: “三公”经费表\n        by_edition:\n          单位版: {unit: 千元}\n",
    )
    assert problems(tmp_path, text) == [
        (line_of(text, "千元"), "单位版：parts.0.blocks.0.unit 的值“千元”不可用，应为 元、万元 之一")
    ]


def test_an_edition_may_leave_a_section_out_and_every_placed_section_is_worded(tmp_path: Path) -> None:
    dropped = TWO_EDITIONS.replace(
        "      - {type: section, section: fund}\n",
        "      - {type: section, section: fund, by_edition: {单位版: null}}\n",
    )
    fmt = load_format(write_format(tmp_path, dropped, "dropped"))
    sections = [b.section for _, _, b in fmt.with_edition("单位版").spec.blocks() if b.type == "section"]
    assert "fund" not in sections and len(sections) == 10
    # the section blocks are the only list of sections: fund is worded in both editions (the same workbook rows)
    assert "fund" in fmt.with_edition("单位版").text_settings.sections
    # the first edition may leave one out too: the sections worded are those any edition places
    first_drops = dropped.replace("by_edition: {单位版: null}", "by_edition: {部门版: null}")
    fmt = load_format(write_format(tmp_path, first_drops, "first-drops"))
    assert "fund" not in fmt.spec.placed_sections()
    assert "fund" in fmt.with_edition("单位版").spec.placed_sections()
    assert fmt.text_settings.sections[-1] == "fund"  # after the first edition's ten, in document order


def test_rollover_keeps_the_edition(tmp_path: Path) -> None:
    """102 has no 落款日期 (this format prints none): the next year's workbook has none either, and stays 单位版."""
    this = tmp_path / "102.xlsx"
    write_workbook(this, example_data("102"))
    following = tmp_path / "2027.xlsx"
    assert main(["rollover", str(this), str(following)]) == 0
    sheet = openpyxl.load_workbook(following)[schema.SHEET_INFO]
    assert (sheet[f"B{kv_row(schema.SHEET_INFO, 'year')}"].value, sheet[EDITION_CELL].value) == (2027, "单位版")
    assert sheet[f"B{kv_row(schema.SHEET_INFO, 'sign_date')}"].value is None


def test_committed_edition_templates_are_generated_from_the_format() -> None:
    """scripts/make_docx_template.py writes disclosure.单位版.docx for shanghai-putuo's 单位版 (laid out differently
    from its 部门版); xinjiang-2023's two editions share one layout, so they share disclosure.docx."""
    spec = importlib.util.spec_from_file_location(
        "make_docx_template_editions", ROOT / "scripts" / "make_docx_template.py"
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    unit = registry.get("shanghai-putuo").with_edition("单位版")
    assert template_name(unit) == "disclosure.单位版.docx"
    assert (unit.folder / "disclosure.单位版.docx").read_bytes() == module.template_bytes(unit)
    assert template_file("shanghai-putuo", "单位版") == str(unit.folder / "disclosure.单位版.docx")
    xinjiang = registry.get("xinjiang-2023").with_edition("单位版")
    assert template_name(xinjiang) == "disclosure.docx"
    assert sorted(p.name for p in xinjiang.folder.glob("*.docx")) == ["disclosure.docx"]


def test_a_misspelt_override_key_suggests_the_right_one(tmp_path: Path) -> None:
    text = TWO_EDITIONS.replace(
        "        title: “三公”经费表\n",
        "        title: “三公”经费表\n        by_edition:\n          单位版: {titel: 单位“三公”经费表}\n",
    )
    assert problems(tmp_path, text) == [(line_of(text, "titel"), "单位版：不认识的设置“titel”，是否应为“title”？")]
