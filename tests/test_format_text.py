"""The format's sentence templates: sandboxed, refused when they compute, and the only place wording lives."""

from __future__ import annotations

import shutil
from dataclasses import replace
from decimal import Decimal as D
from pathlib import Path

import pytest

from generator.catalog import load_catalog
from generator.compute.comparisons import Comparison, PriorBook
from generator.compute.names import Names
from generator.compute.narrative import Narrative, staff_sentence
from generator.compute.wording import change_of
from generator.formats.text import (
    DEFAULT_SECTIONS,
    Settings,
    TextTemplateError,
    check_folder,
    default_settings,
    load_sections,
)
from generator.workbook.schema import SpendingKind
from tests.factories import item, make_inputs, prior, project

CATALOG = load_catalog(2023)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A copy of the shipped sections folder that a test may edit."""
    return Path(shutil.copytree(DEFAULT_SECTIONS, tmp_path / "sections"))


def narrative(inputs, folder: Path = DEFAULT_SECTIONS, settings: Settings | None = None) -> Narrative:
    return Narrative(inputs, Names.build(CATALOG, inputs), PriorBook(inputs), folder=folder, settings=settings)


def texts(sections) -> list[str]:
    return [p.text for s in sections for p in [*s.paragraphs, *(q for sub in s.subsections for q in sub.paragraphs)]]


def test_shipped_folder_is_clean() -> None:
    assert check_folder(DEFAULT_SECTIONS) == []


def test_arithmetic_is_refused_with_file_line_and_fix(folder: Path) -> None:
    (folder / "income.j2").write_text(
        "# {{ number }}、收入\n{{ total + 1 }}\n{{ lines | sum }}\n{{ -total }}\n{{ total | round }}\n",
        encoding="utf-8",
    )
    problems = check_folder(folder)
    fix = "模板只能放置已计算好的数值、在已计算好的情形之间选择；请改用该节提供的数值（见本文件夹的 README.md）"
    assert [str(p) for p in problems] == [
        f"income.j2第2行：模板中不能做算术（“+”）。{fix}",
        f"income.j2第3行：过滤器“sum”会做算术，模板中不能使用。{fix}",
        f"income.j2第4行：模板中不能做算术（“-”）。{fix}",
        f"income.j2第5行：过滤器“round”会做算术，模板中不能使用。{fix}",
    ]
    with pytest.raises(TextTemplateError) as caught:
        load_sections(folder)
    assert caught.value.problems == problems


def test_method_calls_and_unknown_filters_are_refused(folder: Path) -> None:
    (folder / "spending.j2").write_text(
        "# 三\n{{ total.quantize(total) }}\n{{ total | upper }}\n{{ total is divisibleby 3 }}\n", encoding="utf-8"
    )
    assert [(p.file, p.line) for p in check_folder(folder)] == [
        ("spending.j2", 2),  # method call
        ("spending.j2", 3),  # unknown filter
        ("spending.j2", 4),  # arithmetic test
    ]


def test_syntax_errors_are_located_and_all_problems_collected(folder: Path) -> None:
    (folder / "overall.j2").write_text("# 一\n\n{% if total %}\n收支总预算{{ total | money }}。\n", encoding="utf-8")
    (folder / "soe.j2").write_text("# 九\n{{ total * 2 }}\n", encoding="utf-8")
    problems = check_folder(folder)
    assert [(p.file, p.line) for p in problems] == [("overall.j2", 4), ("soe.j2", 2)]
    assert problems[0].message.startswith("模板语法错误：")


def test_a_section_the_format_places_needs_its_template(folder: Path) -> None:
    (folder / "fund.j2").unlink()
    assert check_folder(folder) == []  # a template nobody places is not needed; xinjiang-2023 places fund
    assert [str(p) for p in check_folder(folder, default_settings())] == [
        "fund.j2：找不到模板文件 fund.j2：格式放置了这一节，请放入该模板或删除该块"
    ]
    with pytest.raises(TextTemplateError):
        load_sections(folder)


def test_the_change_phrase_chooses_among_computed_cases() -> None:
    # Expected wording: rules.md §4 (增加/减少 with rate, 持平, new without rate, both zero 未安排).
    change = load_sections(DEFAULT_SECTIONS).macro("_phrases", "change", {"year": 2023, "prior_year": 2022})
    reason = load_sections(DEFAULT_SECTIONS).macro("_phrases", "reason", {})

    def case(current: str, prior: str, why: str | None = None) -> Comparison:
        return change_of(Comparison("k", D(current), D(prior), why))

    assert change(case("110.00", "100.00"), "某项") == "比上年预算增加10.00万元，增长10.00%"
    assert change(case("90.00", "120.00"), "某项") == "比上年预算减少30.00万元，下降25.00%"
    assert change(case("5.00", "5.00"), "某项") == "与上年预算持平"
    assert change(case("37.76", "0"), "某项") == "上年无此项"  # the amount is already in the sentence (issue 18 §2)
    assert change(case("0", "0"), "某项") == "2022年与2023年均未安排某项"
    assert reason(case("110.00", "100.00", "人员增加")) == "，主要原因是人员增加"
    assert reason(case("110.00", "100.00")) == ""


def test_changing_only_a_template_changes_the_wording(folder: Path) -> None:
    inputs = make_inputs([item(amount="12.00")], priors=[prior("收入：一般公共预算", "10.00", "人员增加")])
    before = texts(narrative(inputs, folder).sections())
    assert "测试局收入预算12.00万元，其中：" in before
    path = folder / "income.j2"
    path.write_text(path.read_text(encoding="utf-8").replace("收入预算{{", "收入预算总额为{{"), encoding="utf-8")
    after = texts(narrative(inputs, folder).sections())
    assert "测试局收入预算总额为12.00万元，其中：" in after
    assert [t for t in after if t not in before] == ["测试局收入预算总额为12.00万元，其中："]


def test_the_order_and_numbers_of_sections_come_from_settings() -> None:
    # the settings are the format's: its section blocks in document order (here overall placed last)
    shipped = default_settings()
    settings = replace(shipped, sections=(*shipped.sections[1:], "overall"))
    headings = [s.heading for s in narrative(make_inputs([item()]), settings=settings).sections()]
    assert headings[0] == "一、关于测试局2023年收入预算情况说明"
    assert headings[-1] == "十一、关于测试局2023年收支预算情况的总体说明"


def test_a_template_naming_a_missing_figure_fails_at_its_line(folder: Path) -> None:
    (folder / "fund.j2").write_text("# {{ number }}、基金\n\n{{ total | money }}{{ no_such_figure }}\n", "utf-8")
    with pytest.raises(TextTemplateError) as caught:
        narrative(make_inputs([item()]), folder).sections()
    (problem,) = caught.value.problems
    assert (problem.file, problem.line) == ("fund.j2", 3)
    assert problem.message.startswith("模板使用了该节没有提供的数值")


def test_workbook_text_never_becomes_a_marker() -> None:
    name = "# 标题\n- 条目 {{ total }}"
    inputs = make_inputs(
        [item("2010302", "30227", "5.00", SpendingKind.PROJECT, project=name)],
        projects=[project(name, policy_basis="* 字段\n\n[项目支出绩效目标表]")],
    )
    (seven,) = [s for s in narrative(inputs).sections() if s.heading.startswith("七、")]
    assert [p.style for p in seven.paragraphs] == ["item", "field", "field", "field", "field", "field"]
    assert seven.paragraphs[0].text == f"1.项目名称：{name}"
    assert seven.paragraphs[1].text == "设立的政策依据：* 字段\n\n[项目支出绩效目标表]"


def test_staff_sentence_comes_from_its_template(folder: Path) -> None:
    path = folder / "staff.j2"
    path.write_text(path.read_text(encoding="utf-8").replace("编制数{{ quota }}人", "编制数{{ quota }}名"), "utf-8")
    assert staff_sentence(make_inputs([item()]), folder).text.startswith("测试局编制数10名，实有人数10人")


def test_headings_name_the_body_as_the_settings_say() -> None:
    shipped = default_settings()
    settings = replace(shipped, options={**shipped.options, "name_in_headings": "全称部门"})
    sections = narrative(make_inputs([item()]), settings=settings).sections()
    # issue 18 §2: "关于库尔勒市人民政府办公室部门2023年…", "2023年部门预算安排购置…"
    assert sections[0].heading == "一、关于测试市测试局部门2023年收支预算情况的总体说明"
    assert "2023年部门预算未安排购置车辆和单位价值50万元以上大型设备。" in texts(sections)
    # a value other than 简称/全称/全称部门 is refused with format.yaml (tests/test_format_text_settings.py)


def test_a_filter_on_a_missing_case_fails_at_its_line(folder: Path) -> None:
    # 一般公共预算 has no prior row here: its rate is None (no rate on a zero base), which pct cannot format
    (folder / "income.j2").write_text(
        "# {{ number }}、收入\n{% for line in lines %}\n{{ line.change.rate | pct }}\n{% endfor %}\n", "utf-8"
    )
    with pytest.raises(TextTemplateError) as caught:
        narrative(make_inputs([item()]), folder).sections()
    (problem,) = caught.value.problems
    assert (problem.file, problem.line) == ("income.j2", 3)
    assert problem.message.startswith("模板无法生成文字")


def test_a_missing_folder_is_named(tmp_path: Path) -> None:
    assert [str(p) for p in check_folder(tmp_path / "nowhere")] == [
        f"{tmp_path / 'nowhere'}：找不到章节模板文件夹，请检查路径"
    ]
    with pytest.raises(TextTemplateError):
        load_sections(tmp_path / "nowhere")
