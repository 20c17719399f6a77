"""The DOCX renderer: structure, header merges, figures, escaping and determinism, read back from the file."""

from __future__ import annotations

import subprocess
import zipfile
from pathlib import Path

import pytest
from docx import Document
from docx.oxml.ns import qn
from docxtpl import DocxTemplate

from generator import formatting as fmt
from generator.model import Disclosure, Paragraph
from generator.render.docx import build_context, render_docx, template_file
from generator.render.filters import make_env, part_heading
from tests.office import soffice_with

EXAMPLES = ("000", "002")
HEADER_ROWS = {1: 2, 2: 2, 3: 3, 4: 2, 5: 3, 6: 3, 7: 2, 8: 3, 9: 3, 10: 2}
PERF_HEADER_ROWS = 5
EVIL = "R&D <测试> {{ 7*7 }}"


@pytest.fixture(scope="module")
def rendered(disclosures: dict[str, Disclosure], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("docx")
    paths = {}
    for name in EXAMPLES:
        paths[name] = folder / f"{name}.docx"
        render_docx(disclosures[name], paths[name])
    return paths


@pytest.fixture(scope="module")
def documents(rendered: dict[str, Path]) -> dict:
    return {name: Document(str(path)) for name, path in rendered.items()}


def spans(tr) -> list[int]:
    return [tc.grid_span for tc in tr.tc_lst]


def vmerges(tr) -> list[str | None]:
    """Raw w:vMerge per cell: "restart", "continue" (also a bare <w:vMerge/>) or None."""
    out: list[str | None] = []
    for tc in tr.tc_lst:
        merge = tc.xpath("./w:tcPr/w:vMerge")
        out.append((merge[0].get(qn("w:val")) or "continue") if merge else None)
    return out


def texts(tr) -> list[str]:
    return ["".join(tc.xpath(".//w:t/text()")) for tc in tr.tc_lst]


def header_trs(document, number: int):
    return document.tables[number - 1]._tbl.tr_lst


def tables_by_orientation(document) -> list[tuple[str, int]]:
    """(orientation, index of table in document.tables) for every table, from the section it lies in."""
    body = document.element.body
    pending: list[int] = []
    result: list[tuple[str, int]] = []
    index = 0
    for child in body.iterchildren():
        if child.tag == qn("w:tbl"):
            pending.append(index)
            index += 1
            continue
        sect = child.find(qn("w:pPr") + "/" + qn("w:sectPr")) if child.tag == qn("w:p") else None
        if child.tag == qn("w:sectPr"):
            sect = child
        if sect is not None:
            orient = sect.find(qn("w:pgSz")).get(qn("w:orient")) or "portrait"
            result.extend((orient, i) for i in pending)
            pending = []
    return result


# ------------------------------------------------------------------------ structure


@pytest.mark.parametrize("name", EXAMPLES)
def test_table_count_is_ten_plus_one_per_performance_table(documents, disclosures, name):
    assert len(documents[name].tables) == 10 + len(disclosures[name].performance_tables)


@pytest.mark.parametrize("name", EXAMPLES)
def test_each_table_has_label_title_and_unit_line_right_before_it(documents, disclosures, name):
    body = documents[name].element.body
    children = list(body.iterchildren())
    tables = [i for i, c in enumerate(children) if c.tag == qn("w:tbl")][:10]
    for position, table in zip(tables, disclosures[name].tables, strict=True):
        before = ["".join(p.xpath(".//w:t/text()")) for p in children[position - 3 : position]]
        assert before == [table.label, table.title, f"{table.unit_line}单位：万元"]
        tabs = children[position - 1].xpath(".//w:tab")
        assert len(tabs) == 1  # unit line left, 单位：万元 at a right tab stop


def test_cover_and_toc_come_first(documents, disclosures):
    d = disclosures["000"]
    paragraphs = [p.text for p in documents["000"].paragraphs if p.text]
    assert paragraphs[:3] == [d.unit_name, d.title, "目 录"]
    assert paragraphs[3 : 3 + len(d.toc)] == [e.text for e in d.toc]


@pytest.mark.parametrize("name", EXAMPLES)
def test_parts_sections_and_subsections_in_order(documents, disclosures, name):
    d = disclosures[name]
    doc = documents[name]
    by_style: dict[str, list[str]] = {}
    for p in doc.paragraphs:
        by_style.setdefault(p.style.name, []).append(p.text)
    assert by_style["Heading 1"] == [part_heading(p.heading) for p in d.parts]  # a long one breaks after 第X部分
    part1_items = [e.text for e in d.toc if e.anchor.startswith("part1-")]
    assert by_style["Heading 2"] == part1_items + [s.heading for s in d.sections]
    assert len(d.sections) == 11
    assert by_style["Heading 3"] == [ss.heading for s in d.sections for ss in s.subsections]


@pytest.mark.parametrize("name", EXAMPLES)
def test_glossary_then_signature_and_date_close_the_document(documents, disclosures, name):
    d = disclosures[name]
    paragraphs = [p for p in documents[name].paragraphs if p.text]
    texts_ = [p.text for p in paragraphs]
    start = len(texts_) - 1 - texts_[::-1].index(d.parts[-1].heading)
    assert texts_[start + 1 :] == [g.text for g in d.glossary] + [d.signature, d.date]
    assert all(p.style.paragraph_format.alignment == 2 for p in paragraphs[-2:])  # RIGHT


@pytest.mark.parametrize("name", EXAMPLES)
def test_empty_note_follows_its_table_only_when_set(documents, disclosures, name):
    paragraphs = [p.text for p in documents[name].paragraphs]
    for table in disclosures[name].tables:
        if table.empty_note:
            assert table.empty_note in paragraphs
    notes = [p.text for p in documents[name].paragraphs if p.style.name == "表注"]
    assert notes == [t.empty_note for t in disclosures[name].tables if t.empty_note]


# ------------------------------------------------------------------- table headers


def test_table2_header_merges(documents):
    row1, row2 = header_trs(documents["000"], 2)[:2]
    assert spans(row1) == [3, 1, 1, 7, 1, 1, 1, 1]
    assert texts(row1) == [
        "功能分类科目编码",
        "功能分类科目名称",
        "总  计",
        "财  政  拨  款  (  补  助  )",
        "财政专户（教育收费）",
        "单位资金",
        "财政拨款结转",
        "非财政拨款结转结余",
    ]
    assert vmerges(row1) == [None, "restart", "restart", None, "restart", "restart", "restart", "restart"]
    assert spans(row2) == [1] * 16
    assert vmerges(row2) == [None] * 3 + ["continue"] * 2 + [None] * 7 + ["continue"] * 4
    assert texts(row2)[:3] == ["类", "款", "项"]
    assert texts(row2)[5:12] == [
        "财政拨款(补助)小计",
        "一般公共预算",
        "上级一般公共预算安排的转移支付",
        "政府性基金预算",
        "上级政府性基金安排的转移支付",
        "国有资本经营预算",
        "上级国有资本经营预算安排的转移支付",
    ]


def test_table3_header_merges(documents):
    row1, row2, row3 = header_trs(documents["000"], 3)[:3]
    assert (spans(row1), texts(row1)) == ([4, 3], ["项    目", "支出预算"])
    assert spans(row2) == [3, 1, 1, 1, 1]
    assert texts(row2) == ["功能分类科目编码", "功能分类科目名称", "合  计", "基本支出", "项目支出"]
    assert vmerges(row2) == [None, "restart", "restart", "restart", "restart"]
    assert texts(row3)[:3] == ["类", "款", "项"]
    assert vmerges(row3) == [None] * 3 + ["continue"] * 4


def test_table7_header_merges(documents):
    row1, row2 = header_trs(documents["000"], 7)[:2]
    assert spans(row1) == [3] + [1] * 13
    assert texts(row1)[:4] == ["科 目 编 码", "科目名称", "项目名称", "项目支出合计"]
    assert texts(row1)[-1] == "其他支出"
    assert row1.tc_lst[1].xpath(".//w:br")  # 科目 + line break + 名称
    assert vmerges(row1) == [None] + ["restart"] * 13
    assert texts(row2)[:3] == ["类", "款", "项"]
    assert vmerges(row2) == [None] * 3 + ["continue"] * 13


@pytest.mark.parametrize("name", EXAMPLES)
def test_header_rows_repeat_and_only_header_rows(documents, disclosures, name):
    doc = documents[name]
    expected = dict(HEADER_ROWS)
    for number, count in expected.items():
        flags = [bool(tr.xpath("./w:trPr/w:tblHeader")) for tr in header_trs(doc, number)]
        assert flags == [True] * count + [False] * (len(flags) - count), f"表{number}"
    for table in doc.tables[10:]:
        flags = [bool(tr.xpath("./w:trPr/w:tblHeader")) for tr in table._tbl.tr_lst]
        assert flags[:PERF_HEADER_ROWS] == [True] * PERF_HEADER_ROWS
        assert not any(flags[PERF_HEADER_ROWS:])


@pytest.mark.parametrize("name", EXAMPLES)
def test_tables_have_fixed_explicit_widths_and_borders(documents, name):
    for table in documents[name].tables:
        tbl = table._tbl
        assert tbl.xpath("./w:tblPr/w:tblLayout/@w:type") == ["fixed"]
        assert tbl.xpath("./w:tblPr/w:tblBorders/w:insideV/@w:val") == ["single"]
        grid = [int(w) for w in tbl.xpath("./w:tblGrid/w:gridCol/@w:w")]
        assert int(tbl.xpath("./w:tblPr/w:tblW/@w:w")[0]) == sum(grid)
        for tr in tbl.tr_lst:
            assert sum(int(tc.xpath("./w:tcPr/w:tcW/@w:w")[0]) for tc in tr.tc_lst) == sum(grid)


# ------------------------------------------------------------------------- figures


@pytest.mark.parametrize("name", EXAMPLES)
def test_body_rows_match_the_model_cell_for_cell(documents, disclosures, name):
    doc = documents[name]
    for table in disclosures[name].tables:
        rows = doc.tables[table.number - 1].rows
        assert len(rows) == HEADER_ROWS[table.number] + len(table.rows), table.label
        for row, model in zip(rows[HEADER_ROWS[table.number] :], table.rows, strict=True):
            assert [c.text for c in row.cells] == [fmt.table_cell(v) for v in model.cells]


@pytest.mark.parametrize("name", EXAMPLES)
def test_total_rows_carry_the_model_totals_in_bold(documents, disclosures, name):
    doc = documents[name]
    for table in disclosures[name].tables:
        totals = [i for i, r in enumerate(table.rows) if r.style == "total"]
        assert totals or table.number == 10, table.label  # 表10 opens with its 合计 row (style label)
        for i in totals:
            row = doc.tables[table.number - 1].rows[HEADER_ROWS[table.number] + i]
            amounts = [fmt.amount(v) if v else "" for v in table.rows[i].cells if not isinstance(v, str)]
            shown = [c.text for c, v in zip(row.cells, table.rows[i].cells, strict=True) if not isinstance(v, str)]
            assert shown == amounts
            assert all(r.bold for c in row.cells for p in c.paragraphs for r in p.runs if r.text)


@pytest.mark.parametrize("name", EXAMPLES)
def test_performance_tables_header_block_and_indicator_merges(documents, disclosures, name):
    doc = documents[name]
    for table, model in zip(doc.tables[10:], disclosures[name].performance_tables, strict=True):
        trs = table._tbl.tr_lst
        assert len(trs) == PERF_HEADER_ROWS + len(model.rows)
        assert spans(trs[0]) == [1, 8]
        assert texts(trs[0]) == ["预算单位", model.unit]
        assert texts(trs[1]) == ["项目名称", model.project, "项目负责人", model.manager]
        assert texts(trs[2])[2] == fmt.amount(model.total)
        assert texts(trs[4])[0] == "一级指标" and len(trs[4].tc_lst) == 9
        for tr, row in zip(trs[PERF_HEADER_ROWS:], model.rows, strict=True):
            merges = vmerges(tr)[:2]
            for got, span in zip(merges, (row.level1_span, row.level2_span), strict=True):
                assert got == {0: "continue", 1: None}.get(span, "restart")
            assert texts(tr)[2:] == [
                row.level3,
                row.value,
                row.basis,
                row.last_value,
                row.weight,
                row.scoring,
                row.evidence,
            ]
            if row.level1_span:
                assert texts(tr)[0] == row.level1


# -------------------------------------------------------------------------- layout


@pytest.mark.parametrize("name", EXAMPLES)
def test_wide_tables_lie_in_landscape_sections(documents, name):
    placement = tables_by_orientation(documents[name])
    landscape = {i + 1 for orient, i in placement if orient == "landscape"}
    assert landscape == {2, 7}
    assert len(placement) == len(documents[name].tables)
    for section in documents[name].sections:
        if section.orientation == 1:  # LANDSCAPE
            assert section.page_width > section.page_height


def test_footer_has_page_fields_and_styles_set_cjk_fonts(documents):
    doc = documents["000"]
    footer_xml = doc.sections[0].footer._element.xml
    assert "PAGE" in footer_xml and "NUMPAGES" in footer_xml and "第 " in footer_xml
    normal = doc.styles["Normal"].element
    assert normal.xpath("./w:rPr/w:rFonts/@w:eastAsia") == ["仿宋_GB2312"]
    assert normal.xpath("./w:rPr/w:rFonts/@w:ascii") == ["Times New Roman"]  # digits: metric twin of Liberation Serif
    assert doc.styles["Heading 2"].element.xpath("./w:rPr/w:rFonts/@w:eastAsia") == ["黑体"]
    assert doc.styles["Heading 1"].paragraph_format.keep_with_next
    assert doc.styles["表题"].paragraph_format.keep_with_next


def test_template_declares_no_variable_outside_the_context(disclosures):
    tpl = DocxTemplate(template_file(disclosures["000"].format_id))
    context = build_context(disclosures["000"])
    assert tpl.get_undeclared_template_variables(jinja_env=make_env(), context=context) == set()


# ---------------------------------------------------------- escaping, determinism


def test_markup_in_model_text_appears_literally(disclosures, tmp_path):
    d = disclosures["000"]
    t7 = next(t for t in d.tables if t.number == 7)
    project = next(i for i, r in enumerate(t7.rows) if r.style == "project")
    cells = list(t7.rows[project].cells)
    cells[4] = EVIL
    rows = list(t7.rows)
    rows[project] = rows[project].model_copy(update={"cells": cells})
    tables = [t.model_copy(update={"rows": rows}) if t.number == 7 else t for t in d.tables]
    perf = [d.performance_tables[0].model_copy(update={"project": EVIL}), *d.performance_tables[1:]]
    evil = d.model_copy(
        update={"functions": [Paragraph(text=EVIL)], "tables": tables, "performance_tables": perf, "signature": EVIL}
    )
    target = tmp_path / "evil.docx"
    render_docx(evil, target)
    doc = Document(str(target))
    assert [p.text for p in doc.paragraphs].count(EVIL) == 2  # functions + signature
    assert doc.tables[6].rows[HEADER_ROWS[7] + project].cells[4].text == EVIL
    assert texts(doc.tables[10]._tbl.tr_lst[1])[1] == EVIL
    xml = zipfile.ZipFile(target).read("word/document.xml").decode()
    assert "R&amp;D &lt;测试&gt; {{ 7*7 }}" in xml


def test_output_is_byte_identical_and_has_fixed_metadata(disclosures, rendered, tmp_path):
    again = tmp_path / "again.docx"
    render_docx(disclosures["000"], again)
    assert again.read_bytes() == rendered["000"].read_bytes()
    with zipfile.ZipFile(again) as archive:
        assert {info.date_time for info in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        assert "docProps/thumbnail.jpeg" not in archive.namelist()
    props = Document(str(again)).core_properties
    assert props.title == disclosures["000"].file_stem
    assert props.author == disclosures["000"].unit_name
    assert props.created is None and props.modified is None


@pytest.mark.skipif(soffice_with("writer")[0] is None, reason=soffice_with("writer")[1])
@pytest.mark.parametrize("name", EXAMPLES)
def test_libreoffice_converts_the_docx(rendered, tmp_path, name):
    result = subprocess.run(
        [
            "soffice",
            "-env:UserInstallation=file:///tmp/lo-test-profile",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(rendered[name]),
        ],
        capture_output=True,
        timeout=120,
        check=False,
    )
    pdf = tmp_path / f"{name}.pdf"
    assert result.returncode == 0, result.stderr
    assert pdf.read_bytes()[:5] == b"%PDF-"
    assert pdf.stat().st_size > 50_000


# --- unbreakable runs and lone last lines ---------------------------------------------------


def test_lone_last_line_is_condensed_just_enough() -> None:
    from generator.render.docx import broken_runs, line_fix

    text = "四、其他资金：包括事业收入、事业经营收入、其他收入等。"  # 27 characters
    lines = ["四、其他资金：包括事业收入、事业经营收入、其他收入", "等。"]
    # the paragraph's last run "入等。" (its last two characters and the stop) is broken after 25
    assert broken_runs(text, lines) == [(24, 27, 25)]
    # 2 characters + 0.3 em slack over the 25 before them on the line, at 16 pt in twentieths of
    # a point: 2.3 / 25 * 16 * 20 = 29.44 -> 30, on the line from its start to the run's end
    assert line_fix(text, lines, (24, 27, 25), 16) == (0, 27, -30)
    assert broken_runs(text, ["四、其他资金：包括事业收入、事业经营收入、其他", "收入等。"]) == []
    assert broken_runs(text, [text]) == []


def test_amount_split_from_its_unit_is_condensed_onto_its_line() -> None:
    """Example 000, 二（二）: LibreOffice broke "151.50|万元" (hand inspection of its PDF)."""
    from generator.render.docx import broken_runs, line_fix

    text = "基本支出643.84万元，占52.64%，比上年预算增加151.50万元，增长30.77%，主要原因是人员经费增加。"
    lines = ["基本支出643.84万元，占52.64%，比上年预算增加151.50", "万元，增长30.77%，主要原因是人员经费增加。"]
    assert broken_runs(text, lines) == [(28, 36, 34)]  # "151.50万元", break after the 34 characters of line 1
    # "万元" is 2 em: (2 + 0.3) / 34 * 320 = 21.6 -> 22
    assert line_fix(text, lines, (28, 36, 34), 16) == (0, 36, -22)


def test_document_number_too_long_to_condense_moves_down_whole() -> None:
    from generator.render.docx import broken_runs, line_fix

    text = (
        "设立的政策依据：《关于调整昌吉州推进政府职能转变和“放管服”改革协调领导小组的通知》（昌州政办发〔2021〕62号）。"
    )
    lines = [
        "设立的政策依据：《关于调整昌吉州推进政府职能转变和",  # 25 characters
        "“放管服”改革协调领导小组的通知》（昌州政办发",  # 23
        "〔2021〕62号）。",
    ]
    # the 文号 and the paragraph's end "号）。" merge into one run, 43..59, broken at 48
    assert broken_runs(text, lines) == [(43, 59, 48)]
    # condensing would take "〔2021〕62号）。" (1 + 4 * 0.55 + 1 + 2 * 0.55 + 3 = 8.3 em) + 0.3 over the 23
    # characters: 8.6 / 23 * 320 = 120 > 0.1 em (32); so the 18 characters before "昌州政办发" are
    # expanded by the head (5 em), the character after the break (1 em) and 0.3 em:
    # 6.3 / 18 * 320 = 112 <= 0.6 em (192)
    assert line_fix(text, lines, (43, 59, 48), 16) == (25, 43, 112)
    # a line already expanded that still breaks inside the run gets more, up to the limit
    assert line_fix(text, lines, (43, 59, 48), 16, (25, 43, 112)) is None  # 112 + 112 > 192


def test_run_keeper_fixes_a_paragraph_from_its_top() -> None:
    from generator.render.docx import RunKeeper

    text = "基本支出643.84万元，占52.64%，比上年预算增加151.50万元，增长30.77%，主要原因是人员经费增加。"
    keeper = RunKeeper({text: 16})
    assert keeper(
        {text: ["基本支出643.84万元，占52.64%，比上年预算增加151.50", "万元，增长30.77%，主要原因是人员经费增加。"]}
    ) == {text: [(0, 36, -22)]}
    # laid out again with that spacing and clean: nothing changes (the loop ends)
    clean = ["基本支出643.84万元，占52.64%，比上年预算增加151.50万元，", "增长30.77%，主要原因是人员经费增加。"]
    assert keeper({text: clean}) == {text: [(0, 36, -22)]}
    # a paragraph not read whole is left as it is
    assert RunKeeper({text: 16})({text: ["基本支出"]}) == {}


def test_paragraph_lines_read_from_pdf_lines() -> None:
    from generator.render.office import paragraph_lines

    text = "四、其他资金：包括事业收入、事业经营收入、其他收入等。"
    lines = ["（主要是教育收费）、其他非税收入。", "四、其他资金：包括事业收入、事业经营收入、其他收入", "等。", "五、"]
    assert paragraph_lines([text], lines) == {text: ["四、其他资金：包括事业收入、事业经营收入、其他收入", "等。"]}
    # not starting at a line's start, or not ending at a line's end: not found
    assert paragraph_lines([text], ["别的四、其他资金：包括事业收入、事业经营收入、其他收入", "等。"]) == {}
    assert paragraph_lines([text], ["四、其他资金：包括事业收入、事业经营收入、其他收入", "等。五、"]) == {}


def test_condensed_paragraph_keeps_its_text(disclosures: dict[str, Disclosure], tmp_path: Path) -> None:
    d = disclosures["000"]
    key = "".join(d.glossary[3].text.split())
    render_docx(d, tmp_path / "c.docx", condensed={key: [(0, 10, -30), (20, 25, 40)]})
    doc = Document(str(tmp_path / "c.docx"))
    hit = [p for p in doc.paragraphs if "".join(p.text.split()) == key]
    assert len(hit) == 1 and hit[0].text == d.glossary[3].text
    spaced = []
    for run in hit[0].runs:
        rpr = run._r.rPr
        spacing = None if rpr is None else rpr.find(qn("w:spacing"))
        if spacing is not None:
            names = [child.tag.split("}")[1] for child in rpr]
            spaced.append(("".join(run.text.split()), spacing.get(qn("w:val"))))
            assert "sz" not in names or names.index("spacing") < names.index("sz")  # CT_RPr order
    assert spaced == [(key[0:10], "-30"), (key[20:25], "40")]  # the runs split at the ranges' ends
    render_docx(d, tmp_path / "plain.docx")
    plain = Document(str(tmp_path / "plain.docx"))

    def spacings(document) -> int:
        return sum(len(r._r.xpath("./w:rPr/w:spacing")) for p in document.paragraphs for r in p.runs)

    assert spacings(doc) == spacings(plain) + 2  # that paragraph only


def test_paragraph_lines_tell_apart_paragraphs_that_end_alike() -> None:
    """Example 000's 五（三）5 and 6 give the same reason; LibreOffice ends 5 with "应提高。" and 6 with "高。"
    (lines as pdftotext reads them); each is found with its own lines, also when a page foot breaks it."""
    from generator.render.office import paragraph_lines

    reason = "主要原因是：工资标准调整，养老保险和职业年金缴费基数相应提高。"
    five = "5.社会保障和就业支出（类）机关事业单位基本养老保险缴费支出（项）：2023年预算数为56.24万元，" + reason
    six = "6.社会保障和就业支出（类）机关事业单位职业年金缴费支出（项）：2023年预算数为28.12万元，" + reason
    lines = [
        "5.社会保障和就业支出（类）机关事业单位基本养老保险缴费支",
        "出（项）：2023年预算数为56.24万元，",
        "主要原因是：工资标准调整，养老保险和职业年金缴费基数相",
        "应提高。",
        "6.社会保障和就业支出（类）机关事业单位职业年金缴费支出（",
        "项）：2023年预算数为28.12万元，主要",
        "原因是：工资标准调整，养老保险和职业年金缴费基数相应提",
        "高。",
        "第18页共35页",
    ]
    assert paragraph_lines([five, six], lines) == {five: lines[0:4], six: lines[4:8]}
    # Broken by a page foot: the foot is left out.
    broken = ["5.社会保障和就业支出（类）机关事业单位基本养老保险缴费支", "第17页共35页", *lines[1:4]]
    assert paragraph_lines([five], broken) == {five: lines[0:4]}
    assert paragraph_lines([six], [*lines[4:6], "- 18 -", *lines[6:8]]) == {six: lines[4:8]}
