"""Text is data: workbook text reaches the DOCX and the PDF literally, never as markup.

Example 002 with a project name, 主要职能, a 上年对比 reason and an indicator holding markup,
template syntax, quotes, emoji and a rare CJK character (U+20000), a 3000-character text and
a file/URL reference is built to DOCX and to PDF; both succeed and show the text as typed.
Nothing in the workbook makes the PDF renderer fetch a file or URL. A control character is
rejected at its cell.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import docx
import openpyxl
import pytest

from generator.cli import main
from generator.pipeline import run
from generator.render import pdf as pdf_render
from generator.render.pdf import render_html
from generator.workbook.template import write_workbook
from tests.conftest import example_data

TRICKY = "R&D <b>x</b> \"引号\" '单引号' {{ 7*7 }} {% if %} {_{a}_} {_%b%_} 😀 𠀀"
FETCH = '<img src="file:///etc/passwd"> <a href="http://example.invalid/x.png">http://example.invalid/x.png</a>'
LONG = ("长文本测试，" * 500)[:2999] + "终"  # 3000 characters
SPACE = re.compile(r"\s+")
FOOTER = re.compile(r"第\d+页共\d+页")
OLD_PROJECT = "2023年葡萄酒产业发展资金"
NEW_PROJECT = f"{OLD_PROJECT}{TRICKY}"


def squash(text: str) -> str:
    return SPACE.sub("", text)


@pytest.fixture(scope="module")
def tricky_workbook(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = example_data("002")
    for sheet, key in (("支出明细", "项目名称"), ("项目信息", "项目名称"), ("绩效指标", "项目名称")):
        for row in data[sheet]:
            if row.get(key) == OLD_PROJECT:
                row[key] = NEW_PROJECT
    info = data["基本信息"]
    info["主要职能"] = f"{TRICKY}\n{info['主要职能']}"
    info["机构设置"] = f"{FETCH}\n{info['机构设置']}"
    info["其他需说明的事项"] = LONG
    data["上年对比"][0]["主要原因"] = f"{TRICKY}（原因）"
    indicator = next(r for r in data["绩效指标"] if r["项目名称"] == NEW_PROJECT)
    indicator["三级指标"] = f"指标{TRICKY}"
    path = tmp_path_factory.mktemp("tricky") / "tricky.xlsx"
    write_workbook(path, data)
    return path


def test_tricky_workbook_is_clean(tricky_workbook: Path) -> None:
    result = run(tricky_workbook)
    assert result.ok, [(i.code, i.location, i.message) for i in result.issues if i.is_error]


@pytest.fixture(scope="module")
def docx_text(tricky_workbook: Path, tmp_path_factory: pytest.TempPathFactory) -> str:
    out = tmp_path_factory.mktemp("tricky-docx")
    assert main(["build", str(tricky_workbook), "-o", str(out), "--format", "docx"]) == 0
    document = docx.Document(str(next(out.glob("*.docx"))))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.extend(cell.text for cell in row.cells)
    return "\n".join(parts)


@pytest.mark.parametrize(
    "text",
    [NEW_PROJECT, f"{TRICKY}（原因）", f"指标{TRICKY}", LONG, FETCH, TRICKY],
    ids=["project", "reason", "indicator", "long", "fetch", "functions"],
)
def test_docx_shows_text_literally(docx_text: str, text: str) -> None:
    assert squash(text) in squash(docx_text)


def test_docx_did_not_evaluate_templates(docx_text: str) -> None:
    assert "{{ 7*7 }}" in docx_text and "{% if %}" in docx_text
    assert "&amp;" not in docx_text and "&lt;" not in docx_text


@pytest.fixture(scope="module")
def pdf_result(tricky_workbook: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, list[str], list[str]]:
    """(text of the PDF, URLs the renderer asked for, WeasyPrint warnings); rendered in-process."""
    out = tmp_path_factory.mktemp("tricky-pdf")
    mp = pytest.MonkeyPatch()
    asked: list[str] = []
    real_asset_path = pdf_render.asset_path

    def recording_asset_path(url: str) -> Path | None:
        asked.append(url)
        return real_asset_path(url)

    mp.setattr(pdf_render, "asset_path", recording_asset_path)
    mp.setenv("DISCLOSURE_JOBS", "1")
    try:
        with pdf_render.collect_warnings() as warnings:
            assert main(["build", str(tricky_workbook), "-o", str(out), "--format", "pdf"]) == 0
    finally:
        mp.undo()
    pdf = next(out.glob("*.pdf"))
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, text=True, check=True)
    # drop the page footers so that text running over a page break reads as one
    body = FOOTER.sub("", squash(text.stdout))
    return body, asked, list(warnings)


@pytest.mark.parametrize(
    "text",
    [
        "R&D <b>x</b> \"引号\" '单引号' {{ 7*7 }} {% if %} {_{a}_} {_%b%_}",
        f"{OLD_PROJECT}R&D <b>x</b>",
        "指标R&D <b>x</b>",
        LONG,
        FETCH,
    ],
    ids=["functions", "project", "indicator", "long", "fetch"],
)
def test_pdf_shows_text_literally(pdf_result: tuple[str, list[str], list[str]], text: str) -> None:
    assert squash(text) in pdf_result[0]


def test_pdf_emoji_and_rare_cjk(pdf_result: tuple[str, list[str], list[str]]) -> None:
    """The emoji and U+20000 are in the text layer and drawn: the Noto CJK fonts have no CJK
    Extension B, so the stylesheet falls back to HanaMin (fonts-hanazono, installed with the
    other system packages); the emoji comes from fontconfig's fallback (DejaVu Sans here)."""
    assert "{%if%}{_{a}_}{_%b%_}😀𠀀" in pdf_result[0]
    assert not [w for w in pdf_result[2] if "U+20000" in w], "U+20000 drawn as a missing glyph"
    # A machine without any emoji-capable fallback font may still draw U+1F600 as a box.
    for warning in pdf_result[2]:
        assert "U+1F600" in warning, warning


def test_pdf_fetches_nothing_from_the_workbook(pdf_result: tuple[str, list[str], list[str]]) -> None:
    _, asked, _ = pdf_result
    for url in asked:
        assert pdf_render.asset_path(url) is not None, url
    assert not [u for u in asked if "passwd" in u or "example.invalid" in u]


def test_html_escapes_workbook_text(tricky_workbook: Path) -> None:
    result = run(tricky_workbook)
    assert result.disclosure is not None
    html = render_html(result.disclosure)
    assert "<b>x</b>" not in html and '<img src="file:///etc/passwd">' not in html
    assert "R&amp;D &lt;b&gt;x&lt;/b&gt;" in html
    assert "{{ 7*7 }}" in html and "49" not in squash(html).split("{{7*7}}")[0][-5:]


def test_control_character_rejected_at_its_cell(tmp_path: Path) -> None:
    """Excel stores a control character as `_x0007_` (XML cannot hold it); it is reported at its cell."""
    path = tmp_path / "bell.xlsx"
    write_workbook(path, example_data("002"))
    wb = openpyxl.load_workbook(path)
    wb["项目信息"]["B3"] = "陈立_x0007_新"
    wb["基本信息"]["B6"] = "负责_x001B_[31m工业"
    wb.save(path)
    result = run(path)
    found = {(i.code, i.sheet, i.cell) for i in result.issues if i.is_error}
    assert ("control-character", "项目信息", "B3") in found
    assert ("control-character", "基本信息", "B6") in found
    assert main(["build", str(path), "-o", str(tmp_path / "out"), "--format", "docx"]) == 1
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").iterdir())
