"""format.yaml is the only place a format is set (docs/formats.md 5.7): its section blocks are the sections
and their order, `text` the sentences' amount style and wording options, checked with the format at their
line; `sections_from` lends its templates and, where the format writes none, its text settings."""

from __future__ import annotations

import shutil
import tempfile
from decimal import Decimal
from pathlib import Path

import pytest

from generator.compute.narrative import staff_sentence
from generator.formats import registry
from generator.formats.loader import FormatInvalid, load_format
from generator.formats.text import MoneyStyle
from tests.factories import item, make_inputs
from tests.test_formats import FORMATS, MINIMAL, SECTIONS, line_of, write_format

XINJIANG = registry.SHIPPED / "xinjiang-2023"


def with_text(text: str, base: str = MINIMAL) -> str:
    """MINIMAL with a `text` mapping before its sections_from."""
    assert "sections_from:" in base
    return base.replace("sections_from:", text + "sections_from:", 1)


def located(tmp_path: Path, text: str) -> list[str]:
    """Every problem of the format file `text`, as the CLI prints it (file:line: message), file as format.yaml."""
    folder = write_format(Path(tempfile.mkdtemp(dir=tmp_path)), text)
    with pytest.raises(FormatInvalid) as caught:
        load_format(folder)
    return [str(p).replace(str(folder / "format.yaml"), "format.yaml") for p in caught.value.problems]


@pytest.mark.parametrize(
    ("text", "marker", "message"),
    [
        # an unknown key of text, of text.money, of text.options (a misspelt or an unknown option)
        ("text:\n  mony: {decimals: 2}\n", "mony", "不认识的设置“mony”，是否应为“money”？"),
        ("text:\n  money: {decimal: 1}\n", "money:", "不认识的设置“decimal”，是否应为“decimals”？"),
        (
            "text:\n  options:\n    quota_units: 人\n",
            "quota_units",
            "不认识的设置“quota_units”，是否应为“quota_unit”？",
        ),
        (
            "text:\n  options:\n    colour: 红\n",
            "colour",
            "不认识的设置“colour”。此处可用的设置：quota_unit、name_in_headings、compare_items",
        ),
        (
            "text:\n  section_money:\n    fund: {舍入: true}\n",
            "舍入",
            "不认识的设置“舍入”。此处可用的设置：unit、decimals、thousands、strip_zeros、drop_zero_fraction",
        ),
        # a wrong type or value
        ("text:\n  money: {thousands: 是}\n", "thousands", "text.money.thousands 应为 true 或 false，现为“是”"),
        ("text:\n  money: {decimals: 两位}\n", "decimals", "text.money.decimals 应为整数，现为“两位”"),
        ("text:\n  money: {decimals: 3}\n", "decimals", "text.money.decimals 应不大于2，现为“3”"),
        ("text:\n  money: {unit: 元}\n", "unit: 元", "text.money.unit 的值“元”不可用，应为 万元 之一"),
        (
            "text:\n  options: {name_in_headings: 别称}\n",
            "别称",
            "text.options.name_in_headings 的值“别称”不可用，应为 简称、全称、全称部门 之一",
        ),
        (
            "text:\n  options: {quota_unit: 个}\n",
            "quota_unit",
            "text.options.quota_unit 的值“个”不可用，应为 名、人 之一",
        ),
        (
            "text:\n  options: {compare_items: 不比较}\n",
            "compare_items",
            "text.options.compare_items 应为 true 或 false，现为“不比较”",
        ),
        ("text: 万元\n", "text:", "text 应为“名称: 值”形式的设置组"),
        ("text:\n  options: [名]\n", "options:", "text.options 应为“名称: 值”形式的设置组"),
        # a section's own style for a section the format does not place
        (
            "text:\n  section_money:\n    notes: {drop_zero_fraction: true}\n",
            "notes:",
            f"text.section_money 中的“notes”不是本格式放置的情况说明（{'、'.join(SECTIONS)}），请改为其中的一节或删除",
        ),
    ],
)
def test_each_text_problem_names_format_yaml_its_line_and_the_fix(
    tmp_path: Path, text: str, marker: str, message: str
) -> None:
    source = with_text(text)
    assert located(tmp_path, source) == [f"format.yaml:{line_of(source, marker)}: {message}"]


def test_text_problems_are_reported_together(tmp_path: Path) -> None:
    source = with_text("text:\n  money: {decimals: 3, thousand: true}\n  options: {quota_unit: 个}\n")
    assert located(tmp_path, source) == [
        f"format.yaml:{line_of(source, 'money:')}: text.money.decimals 应不大于2，现为“3”",
        f"format.yaml:{line_of(source, 'money:')}: 不认识的设置“thousand”，是否应为“thousands”？",
        f"format.yaml:{line_of(source, 'options:')}: text.options.quota_unit 的值“个”不可用，应为 名、人 之一",
    ]


def own_sections(tmp_path: Path, text: str) -> Path:
    """A format with its own copy of xinjiang-2023's section templates."""
    folder = write_format(Path(tempfile.mkdtemp(dir=tmp_path)), text.replace("sections_from: xinjiang-2023\n", ""))
    shutil.copytree(XINJIANG / "sections", folder / "sections")
    return folder


def test_the_staff_sentence_needs_its_template_where_a_block_asks_for_it(tmp_path: Path) -> None:
    organization = "      - {type: overview, content: organization}\n"
    text = MINIMAL.replace("    blocks:\n", "    blocks:\n" + organization, 1)
    folder = own_sections(tmp_path, text)
    assert load_format(folder).text_settings.staff == "staff"
    (folder / "sections" / "staff.j2").unlink()
    with pytest.raises(FormatInvalid) as caught:
        load_format(folder)
    source = (folder / "format.yaml").read_text("utf-8")
    assert [str(p) for p in caught.value.problems] == [
        f"{folder / 'format.yaml'}:{line_of(source, 'content: organization')}: 机构设置之后的人员情况一句没有文字模板："
        "请在情况说明模板文件夹中放入 staff.j2，或在此块写 staff: false"
    ]
    (folder / "format.yaml").write_text(
        source.replace("content: organization}", "content: organization, staff: false}")
    )
    assert load_format(folder).text_settings.staff == ""


def test_a_leftover_settings_toml_is_refused_naming_where_its_settings_go(tmp_path: Path) -> None:
    folder = own_sections(tmp_path, MINIMAL)
    (folder / "sections" / "settings.toml").write_text('sections = ["overall"]\n', "utf-8")
    with pytest.raises(FormatInvalid) as caught:
        load_format(folder)
    [problem] = caught.value.problems
    assert (problem.file, problem.line) == (folder / "sections" / "settings.toml", 0)
    assert "format.yaml 的 text" in problem.message and "删除此文件" in problem.message


def test_no_shipped_format_has_a_settings_file() -> None:
    assert sorted(p.parent.parent.name for p in registry.SHIPPED.glob("*/sections/settings.toml")) == []
    assert not list(FORMATS.glob("*/sections/settings.toml"))


def test_the_sections_and_their_order_are_the_section_blocks(tmp_path: Path) -> None:
    moved = MINIMAL.replace("      - {type: section, section: overall}\n", "")
    moved = moved.replace("    blocks:\n", "    blocks:\n      - {type: section, section: overall}\n", 1)
    assert moved.index("section: overall") < moved.index("section: income")  # now in part 一, before the table
    settings = load_format(write_format(Path(tempfile.mkdtemp(dir=tmp_path)), moved)).text_settings
    assert settings.sections == SECTIONS  # overall first either way
    last = (
        MINIMAL.replace("      - {type: section, section: overall}\n", "")
        + "      - {type: section, section: overall}\n"
    )
    settings = load_format(write_format(Path(tempfile.mkdtemp(dir=tmp_path)), last)).text_settings
    assert settings.sections == (*SECTIONS[1:], "overall")


def test_sections_from_lends_its_text_settings_unless_overridden(tmp_path: Path) -> None:
    # xinjiang-2023's format.yaml: two decimals, 编制数…名, headings by the short name
    base = MINIMAL.replace("    blocks:\n", "    blocks:\n      - {type: overview, content: organization}\n", 1)
    lent = load_format(write_format(Path(tempfile.mkdtemp(dir=tmp_path)), base)).text_settings
    assert lent.money == MoneyStyle(decimals=2)
    assert (lent.options["quota_unit"], lent.options["name_in_headings"]) == ("名", "简称")
    own = with_text("text:\n  money: {thousands: true}\n  options: {quota_unit: 人}\n", base)
    folder = write_format(Path(tempfile.mkdtemp(dir=tmp_path)), own)
    overridden = load_format(folder).text_settings
    assert overridden.money == MoneyStyle(decimals=2, thousands=True)  # decimals still lent
    assert (overridden.options["quota_unit"], overridden.options["name_in_headings"]) == ("人", "简称")
    # the staff sentence of tests/factories.py's unit (编制数10, 实有10人) in each wording
    inputs = make_inputs([item()])
    assert staff_sentence(inputs, XINJIANG / "sections", lent).text.startswith("测试局编制数10名，实有人数10人")
    assert staff_sentence(inputs, XINJIANG / "sections", overridden).text.startswith("测试局编制数10人，实有人数10人")


def test_the_third_format_and_its_editions_word_with_the_lent_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(registry.ENV, str(FORMATS))
    third = registry.get("test-third")
    assert third.text_settings == registry.get("xinjiang-2023").text_settings
    # its 单位版 leaves the 政府性基金 section out (by_edition: null): still worded, as in the 部门版, so both
    # editions ask the workbook for the same rows
    unit = third.with_edition("单位版")
    assert "fund" not in unit.spec.placed_sections()
    assert unit.text_settings.sections == third.text_settings.sections


def test_a_money_style_of_the_text_settings_writes_amounts() -> None:
    # qzfb-2025-dept.txt 行71, 81: 9,101.68万元, 4,614万元 (shanghai-putuo-2025's text.money)
    style = registry.get("shanghai-putuo-2025").text_settings.money
    assert style(Decimal("9101.68")) == "9,101.68万元"
    assert style(Decimal("4614.00")) == "4,614万元"
    assert registry.get("shanghai-putuo-2025").text_settings.options["compare_items"] is False
