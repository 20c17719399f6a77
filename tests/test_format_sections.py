"""A format words and places only the sections it has; a section may follow its part heading directly
(no heading of its own, not in the 目录); 机构设置 may go without the staff sentence."""

from __future__ import annotations

import shutil
from pathlib import Path

import docx
import pytest

from generator.formats import registry
from generator.formats.loader import FormatInvalid, load_format
from generator.model import Disclosure
from generator.pipeline import run
from generator.render.docx import render_docx
from generator.render.html import render_html
from tests.conftest import ROOT
from tests.test_formats import workbook

XINJIANG_SECTIONS = ROOT / "templates" / "formats" / "xinjiang-2023" / "sections"

SUBSET = """\
id: subset
name: 两节格式
region: 测试地区
level: 测试
editions:
  - name: 部门版
    subject: 本部门
years:
  first: 2023
cover:
  title: "{year}年预算"
file_name: "{unit_name}{year}年预算（两节）"
parts:
  - heading: "一、机构"
    blocks:
      - {type: overview, content: organization, staff: false}
  - heading: "二、“三公”经费"
    blocks:
      - {type: section, section: sangong, heading: null}
  - heading: "三、其他"
    blocks:
      - type: table
        kind: 三公经费
        label: 表1
        title: “三公”经费表
        head:
          - [{text: 项目, rows: 2}, {text: 合计, rows: 2}, {text: 资金来源, cols: 3}]
          - [一般公共预算, 政府性基金, 国有资本经营预算]
      - {type: section, section: other}
"""


def write_subset(root: Path, text: str = SUBSET) -> Path:
    folder = root / "subset"
    sections = folder / "sections"
    sections.mkdir(parents=True)
    for name in ("_phrases.j2", "staff.j2", "sangong.j2", "other.j2"):
        shutil.copy(XINJIANG_SECTIONS / name, sections / name)
    (folder / "format.yaml").write_text(text, encoding="utf-8")
    return folder


def test_a_placed_section_needs_a_template_and_only_placed_ones_are_worded(tmp_path: Path) -> None:
    assert load_format(write_subset(tmp_path / "ok")).text_settings.sections == ("sangong", "other")
    placed = SUBSET.replace("section: other}", "section: other}\n      - {type: section, section: fund}")
    folder = write_subset(tmp_path / "extra", placed)
    with pytest.raises(FormatInvalid) as caught:
        load_format(folder)
    line = placed.splitlines().index("      - {type: section, section: fund}") + 1
    assert [str(p) for p in caught.value.problems] == [
        f"{folder / 'format.yaml'}:{line}: 情况说明“fund”没有文字模板：请在情况说明模板文件夹中放入 fund.j2，或删除此块"
    ]
    # other.j2 is there but no block places it: the document has no such section, and that is no error
    without = load_format(
        write_subset(tmp_path / "fewer", SUBSET.replace("      - {type: section, section: other}\n", ""))
    )
    assert without.text_settings.sections == ("sangong",)


@pytest.fixture(scope="module")
def subset(tmp_path_factory: pytest.TempPathFactory) -> Disclosure:
    root = tmp_path_factory.mktemp("formats")
    write_subset(root)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(registry.ENV, str(root))
        result = run(workbook(tmp_path_factory.mktemp("wb"), 格式="subset"))
    assert result.ok and result.disclosure is not None
    return result.disclosure


def test_only_the_placed_sections_headless_one_out_of_the_toc(subset: Disclosure) -> None:
    assert [e.text for e in subset.toc] == [
        "一、机构",
        "二、“三公”经费",
        "三、其他",
        "一、“三公”经费表",
        "二、其他重要事项的情况说明",
    ]
    assert [s.heading for s in subset.sections] == ["", "二、其他重要事项的情况说明"]
    assert subset.staff is None


def test_headless_section_and_no_staff_render(subset: Disclosure, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv(registry.ENV, str(write_subset(tmp_path).parent))
    html = render_html(subset)
    assert '<h2 class="sec" id="section1">' not in html
    assert subset.sections[0].paragraphs[0].text.startswith("昌吉州政资局2023年财政拨款“三公”经费数为")
    target = tmp_path / "subset.docx"
    render_docx(subset, target)
    paragraphs = docx.Document(str(target)).paragraphs
    headings = [p.text for p in paragraphs if p.style.name.startswith("Heading")]
    assert headings[:5] == [
        "一、机构",
        "二、“三公”经费",
        "三、其他",
        "二、其他重要事项的情况说明",
        "（一）机关运行经费情况",
    ]
    texts = [p.text for p in paragraphs]
    # the section's text follows its part heading; 机构设置 ends without 000's staff sentence (编制数36名)
    part = next(n for n, p in enumerate(paragraphs) if p.style.name == "Heading 1" and p.text == "二、“三公”经费")
    after = texts[part + 1]
    assert after == subset.sections[0].paragraphs[0].text
    assert not any("编制数" in t for t in texts) and "编制数" not in html
