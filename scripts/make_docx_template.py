"""Generate the docxtpl template templates/docx/disclosure.docx with python-docx.

The template is committed so a person can open and restyle it in Word or WPS: every
paragraph uses a named style, tables carry their static multi-level headers (the
exact header texts of format-2023.md §5 and §7.1), and body rows are Jinja loops over
the model. Re-running this script regenerates the file byte for byte.

Layout: A4 portrait, with landscape sections for the 16-column 表2 and 表7. The
paragraphs carrying section breaks hold no Jinja tags (docxtpl would drop them).
The 目录 lists the model's entries without page numbers, as the reference does.
"""

from __future__ import annotations

import io
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING, WD_TAB_ALIGNMENT
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Cm, Pt, Twips
from lxml import etree

ROOT = Path(__file__).resolve().parents[1]
TARGET = ROOT / "templates" / "docx" / "disclosure.docx"

FANGSONG = "仿宋_GB2312"
HEITI = "黑体"
KAITI = "楷体_GB2312"
SONGTI = "宋体"
# Fallbacks written to the font table (Word/WPS use altName when the font is missing).
FONT_ALTS = {FANGSONG: "仿宋", KAITI: "楷体", HEITI: "SimHei", SONGTI: "SimSun"}

PAGE_W, PAGE_H = 21.0, 29.7
PORTRAIT_MARGINS = (2.5, 2.3, 2.6, 2.6)  # top, bottom, left, right (cm)
LANDSCAPE_MARGINS = (1.6, 1.5, 1.8, 1.8)
PORTRAIT_TEXT_W = PAGE_W - 2.6 - 2.6  # 15.8 cm
LANDSCAPE_TEXT_W = PAGE_H - 1.8 - 1.8  # 26.1 cm
FIXED_ZIP_DATE = (1980, 1, 1, 0, 0, 0)


def twips(cm: float) -> int:
    return round(cm * 1440 / 2.54)


# --------------------------------------------------------------------------- styles


def set_fonts(rpr_owner, font: str, size: float | None = None, bold: bool | None = None) -> None:
    """Set ascii/hAnsi/eastAsia/cs fonts explicitly (no theme fonts), size and bold."""
    if hasattr(rpr_owner, "get_or_add_rPr"):  # w:style, w:r
        rpr = rpr_owner.get_or_add_rPr()
    else:  # w:rPrDefault
        rpr = rpr_owner.find(qn("w:rPr"))
        if rpr is None:
            rpr = OxmlElement("w:rPr")
            rpr_owner.append(rpr)
    for old in rpr.findall(qn("w:rFonts")):
        rpr.remove(old)
    for old in rpr.findall(qn("w:color")):
        rpr.remove(old)
    fonts = OxmlElement("w:rFonts")
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), font)
    rpr.insert(0, fonts)
    if size is not None:
        for tag in ("w:sz", "w:szCs"):
            for old in rpr.findall(qn(tag)):
                rpr.remove(old)
            el = OxmlElement(tag)
            el.set(qn("w:val"), str(round(size * 2)))
            rpr.append(el)
    if bold is not None:
        for tag in ("w:b", "w:bCs"):
            for old in rpr.findall(qn(tag)):
                rpr.remove(old)
            if bold:
                rpr.append(OxmlElement(tag))
    for old in rpr.findall(qn("w:lang")):
        rpr.remove(old)
    lang = OxmlElement("w:lang")
    lang.set(qn("w:val"), "en-US")
    lang.set(qn("w:eastAsia"), "zh-CN")
    rpr.append(lang)
    # schema order inside rPr: rFonts, b, bCs, ..., sz, szCs, ..., lang
    order = ["rFonts", "b", "bCs", "i", "iCs", "caps", "color", "spacing", "kern", "sz", "szCs", "lang"]
    children = sorted(rpr, key=lambda e: order.index(e.tag.split("}")[1]) if e.tag.split("}")[1] in order else 6)
    for child in children:
        rpr.append(child)


@dataclass(frozen=True)
class ParaStyle:
    name: str
    style_id: str
    font: str
    size: float
    bold: bool = False
    align: WD_ALIGN_PARAGRAPH | None = None
    first_line: float | None = None  # pt
    left: float | None = None  # pt
    line_exact: float | None = None  # pt; None = single
    before: float = 0
    after: float = 0
    keep_next: bool = False
    page_break: bool = False
    outline: int | None = None


BODY = 16.0  # 三号
TABLE = 9.0  # 小五
WIDE = 8.0
STYLES = [
    ParaStyle("封面单位", "CoverUnit", HEITI, 26, align=WD_ALIGN_PARAGRAPH.CENTER, before=200, after=24),
    ParaStyle("封面标题", "CoverTitle", HEITI, 36, align=WD_ALIGN_PARAGRAPH.CENTER, before=36),
    ParaStyle("目录标题", "TocTitle", HEITI, 22, align=WD_ALIGN_PARAGRAPH.CENTER, after=18, page_break=True),
    ParaStyle("目录一级", "TocPart", HEITI, 12, line_exact=19, before=4),
    ParaStyle("目录二级", "TocItem", FANGSONG, 12, left=24, line_exact=19),
    ParaStyle("正文", "BodyPara", FANGSONG, BODY, align=WD_ALIGN_PARAGRAPH.JUSTIFY, first_line=32, line_exact=28),
    ParaStyle("正文条目", "BodyItem", FANGSONG, BODY, align=WD_ALIGN_PARAGRAPH.JUSTIFY, first_line=32, line_exact=28),
    ParaStyle("正文字段", "BodyField", FANGSONG, BODY, align=WD_ALIGN_PARAGRAPH.JUSTIFY, first_line=32, line_exact=28),
    ParaStyle("表号", "TableLabel", HEITI, 12, after=2, keep_next=True),
    ParaStyle("表号换页", "TableLabelPage", HEITI, 12, after=2, keep_next=True, page_break=True),
    ParaStyle("表题", "TableTitle", SONGTI, 18, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, after=6, keep_next=True),
    ParaStyle("编制单位", "TableUnit", SONGTI, 10.5, after=3, keep_next=True),
    ParaStyle("表格文字", "CellText", SONGTI, TABLE),
    ParaStyle("表格代码", "CellCode", SONGTI, TABLE, align=WD_ALIGN_PARAGRAPH.CENTER),
    ParaStyle("表格数字", "CellAmount", SONGTI, TABLE, align=WD_ALIGN_PARAGRAPH.RIGHT),
    ParaStyle("表头", "CellHead", SONGTI, TABLE, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER),
    # the 16-column landscape tables (表2, 表7)
    ParaStyle("宽表文字", "WideText", SONGTI, WIDE),
    ParaStyle("宽表代码", "WideCode", SONGTI, WIDE, align=WD_ALIGN_PARAGRAPH.CENTER),
    ParaStyle("宽表数字", "WideAmount", SONGTI, WIDE, align=WD_ALIGN_PARAGRAPH.RIGHT),
    ParaStyle("宽表表头", "WideHead", SONGTI, WIDE, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER),
    ParaStyle("表注", "TableNote", FANGSONG, 12, before=6),
    ParaStyle("绩效表题", "PerfTitle", HEITI, BODY, align=WD_ALIGN_PARAGRAPH.CENTER, before=12, keep_next=True),
    ParaStyle("绩效表年度", "PerfYear", FANGSONG, 12, align=WD_ALIGN_PARAGRAPH.CENTER, after=4, keep_next=True),
    ParaStyle("落款", "Signature", FANGSONG, BODY, align=WD_ALIGN_PARAGRAPH.RIGHT, line_exact=28),
    ParaStyle("落款首行", "SignatureFirst", FANGSONG, BODY, align=WD_ALIGN_PARAGRAPH.RIGHT, line_exact=28, before=42),
    ParaStyle("分节", "SectionBreak", SONGTI, 1),
]


def configure_styles(doc) -> None:
    styles = doc.styles
    # document defaults: CJK font on every script, Chinese language
    defaults = styles.element.find(qn("w:docDefaults"))
    rpr_default = defaults.find(qn("w:rPrDefault"))
    set_fonts(rpr_default, FANGSONG, BODY)

    normal = styles["Normal"]
    set_fonts(normal.element, FANGSONG, BODY)
    normal.paragraph_format.space_before = Pt(0)
    normal.paragraph_format.space_after = Pt(0)

    headings = {
        "Heading 1": (HEITI, 22, WD_ALIGN_PARAGRAPH.CENTER, None, True),  # 第X部分
        "Heading 2": (HEITI, BODY, None, 32, False),  # 一、…
        "Heading 3": (KAITI, BODY, None, 32, False),  # （一）…
    }
    for name, (font, size, align, first_line, page_break) in headings.items():
        style = styles[name]
        set_fonts(style.element, font, size, bold=False)
        pf = style.paragraph_format
        pf.alignment = align
        pf.first_line_indent = Pt(first_line) if first_line else None
        pf.keep_with_next = True
        pf.page_break_before = page_break
        pf.space_before = Pt(18 if page_break else 6)
        pf.space_after = Pt(18 if page_break else 0)
        pf.line_spacing_rule = WD_LINE_SPACING.EXACTLY if not page_break else WD_LINE_SPACING.SINGLE
        if not page_break:
            pf.line_spacing = Pt(28)

    for spec in STYLES:
        style = styles.add_style(spec.name, WD_STYLE_TYPE.PARAGRAPH)
        style.style_id = spec.style_id
        style.base_style = normal
        style.quick_style = True
        set_fonts(style.element, spec.font, spec.size, bold=spec.bold)
        pf = style.paragraph_format
        pf.alignment = spec.align
        pf.space_before = Pt(spec.before)
        pf.space_after = Pt(spec.after)
        pf.keep_with_next = spec.keep_next
        pf.page_break_before = spec.page_break
        pf.widow_control = True
        if spec.first_line:
            pf.first_line_indent = Pt(spec.first_line)
        if spec.left:
            pf.left_indent = Pt(spec.left)
        if spec.line_exact:
            pf.line_spacing_rule = WD_LINE_SPACING.EXACTLY
            pf.line_spacing = Pt(spec.line_exact)
        else:
            pf.line_spacing_rule = WD_LINE_SPACING.SINGLE
    # 编制部门（单位）：… left, 单位：万元 at a right tab stop on the text edge
    styles["编制单位"].paragraph_format.tab_stops.add_tab_stop(Cm(PORTRAIT_TEXT_W), WD_TAB_ALIGNMENT.RIGHT)
    # A landscape variant of the unit line with the tab stop at the wider text width.
    wide = styles.add_style("编制单位横向", WD_STYLE_TYPE.PARAGRAPH)
    wide.style_id = "TableUnitWide"
    wide.base_style = styles["编制单位"]
    wide.paragraph_format.tab_stops.add_tab_stop(Cm(PORTRAIT_TEXT_W), WD_TAB_ALIGNMENT.CLEAR)
    wide.paragraph_format.tab_stops.add_tab_stop(Cm(LANDSCAPE_TEXT_W), WD_TAB_ALIGNMENT.RIGHT)


def add_font_fallbacks(doc) -> None:
    part = doc.part.rels.part_with_reltype(RT.FONT_TABLE)
    root = parse_xml(part.blob)
    for name, alt in FONT_ALTS.items():
        font = parse_xml(
            f'<w:font {nsdecls("w")} w:name="{name}"><w:altName w:val="{alt}"/>'
            '<w:charset w:val="86"/><w:family w:val="auto"/><w:pitch w:val="variable"/></w:font>'
        )
        root.append(font)
    part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


# ------------------------------------------------------------------------- paragraphs


def para(doc, text: str = "", style: str = "正文"):
    p = doc.add_paragraph(style=style)
    if text:
        run = p.add_run(text)
        preserve(run)
    return p


def preserve(run) -> None:
    for t in run._r.findall(qn("w:t")):
        t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")


def tag(doc, text: str) -> None:
    """A paragraph holding one docxtpl `{%p … %}` tag (removed when rendered)."""
    para(doc, "{%p " + text + " %}", "Normal")


def para_list(doc, seq: str) -> None:
    """Loop over a list of model Paragraphs, picking the style from `p.style`."""
    tag(doc, f"for p in {seq}")
    tag(doc, "if p.style == 'item'")
    para(doc, "{{ p.text }}", "正文条目")
    tag(doc, "elif p.style == 'field'")
    para(doc, "{{ p.text }}", "正文字段")
    tag(doc, "else")
    para(doc, "{{ p.text }}", "正文")
    tag(doc, "endif")
    tag(doc, "endfor")


def add_field(paragraph, instr: str) -> None:
    def fld(kind: str):
        run = OxmlElement("w:r")
        el = OxmlElement("w:fldChar")
        el.set(qn("w:fldCharType"), kind)
        run.append(el)
        return run

    paragraph._p.append(fld("begin"))
    run = OxmlElement("w:r")
    text = OxmlElement("w:instrText")
    text.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
    text.text = f" {instr} "
    run.append(text)
    paragraph._p.append(run)
    paragraph._p.append(fld("separate"))
    res = OxmlElement("w:r")
    t = OxmlElement("w:t")
    t.text = "1"
    res.append(t)
    paragraph._p.append(res)
    paragraph._p.append(fld("end"))


def configure_footer(section) -> None:
    footer = section.footer
    p = footer.paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for piece in ("第 ", "PAGE", " 页  共 ", "NUMPAGES", " 页"):
        if piece.isupper():
            add_field(p, piece)
        else:
            run = p.add_run(piece)
            preserve(run)
            run.font.size = Pt(10.5)
            set_fonts(run._r, SONGTI, 10.5)


def set_page(section, landscape: bool) -> None:
    top, bottom, left, right = LANDSCAPE_MARGINS if landscape else PORTRAIT_MARGINS
    section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    section.page_width = Cm(PAGE_H if landscape else PAGE_W)
    section.page_height = Cm(PAGE_W if landscape else PAGE_H)
    section.top_margin, section.bottom_margin = Cm(top), Cm(bottom)
    section.left_margin, section.right_margin = Cm(left), Cm(right)
    section.header_distance, section.footer_distance = Cm(1.0), Cm(0.7 if landscape else 1.0)


def new_section(doc, landscape: bool) -> None:
    """End the current section with a tag-free paragraph and start a new page section."""
    section = doc.add_section(WD_SECTION.NEW_PAGE)
    # python-docx puts the break in a new empty paragraph; give it a tiny style
    doc.paragraphs[-1].style = doc.styles["分节"]
    section.different_first_page_header_footer = False
    set_page(section, landscape)


# ----------------------------------------------------------------------------- tables

# Header cells: (text, colspan, rowspan); rows list the cells left to right, skipping
# grid positions covered by a rowspan from above.
Head = tuple[str, int, int]


def h(text: str, colspan: int = 1, rowspan: int = 1) -> Head:
    return (text, colspan, rowspan)


def set_cell_text(cell, text: str, style: str, bold: bool = False) -> None:
    p = cell.paragraphs[0]
    p.style = style
    for i, piece in enumerate(text.split("\n")):
        if i:
            p.add_run().add_break()
        run = p.add_run(piece)
        preserve(run)
        if bold:
            run.bold = True


def table_props(table, widths: list[float], caption: str) -> None:
    """Fixed layout, explicit widths, borders, narrow cell margins, centred, caption."""
    tbl = table._tbl
    tblPr = tbl.tblPr
    for tag_ in ("w:tblW", "w:jc", "w:tblBorders", "w:tblLayout", "w:tblCellMar", "w:tblLook", "w:tblCaption"):
        for old in tblPr.findall(qn(tag_)):
            tblPr.remove(old)
    total = sum(twips(w) for w in widths)
    xml = (
        f'<w:tblW {nsdecls("w")} w:w="{total}" w:type="dxa"/>',
        f'<w:jc {nsdecls("w")} w:val="center"/>',
        f"<w:tblBorders {nsdecls('w')}>"
        + "".join(
            f'<w:{side} w:val="single" w:sz="4" w:space="0" w:color="000000"/>'
            for side in ("top", "left", "bottom", "right", "insideH", "insideV")
        )
        + "</w:tblBorders>",
        f'<w:tblLayout {nsdecls("w")} w:type="fixed"/>',
        f'<w:tblCellMar {nsdecls("w")}><w:top w:w="0" w:type="dxa"/><w:left w:w="40" w:type="dxa"/>'
        '<w:bottom w:w="0" w:type="dxa"/><w:right w:w="40" w:type="dxa"/></w:tblCellMar>',
        f'<w:tblLook {nsdecls("w")} w:val="04A0" w:firstRow="1" w:lastRow="0" w:firstColumn="1" '
        'w:lastColumn="0" w:noHBand="0" w:noVBand="1"/>',
        f'<w:tblCaption {nsdecls("w")} w:val="{caption}"/>',
    )
    for fragment in xml:
        tblPr.append(parse_xml(fragment))
    grid = tbl.tblGrid
    for col, width in zip(grid.findall(qn("w:gridCol")), widths, strict=True):
        col.set(qn("w:w"), str(twips(width)))
    # cell widths from their grid span, vertical centring
    for tr in tbl.tr_lst:
        col = 0
        for tc in tr.tc_lst:
            span = tc.grid_span
            tcPr = tc.get_or_add_tcPr()
            tcPr.width = Twips(sum(twips(w) for w in widths[col : col + span]))
            tcPr.vAlign_val = WD_CELL_VERTICAL_ALIGNMENT.CENTER
            col += span


def mark_rows(table, header_rows: int, min_height: float = 0.45) -> None:
    """Header rows repeat on each page; no row splits across pages."""
    for i, tr in enumerate(table._tbl.tr_lst):
        trPr = tr.get_or_add_trPr()
        trPr.append(OxmlElement("w:cantSplit"))
        if i < header_rows:
            trPr.append(OxmlElement("w:tblHeader"))
        else:
            height = OxmlElement("w:trHeight")
            height.set(qn("w:val"), str(twips(min_height)))
            height.set(qn("w:hRule"), "atLeast")
            trPr.append(height)


def place_header(table, head: list[list[Head]], wide: bool = False) -> None:
    ncols = len(table.columns)
    taken = [[False] * ncols for _ in head]
    for r, row in enumerate(head):
        c = 0
        for text, colspan, rowspan in row:
            while taken[r][c]:
                c += 1
            for rr in range(r, r + rowspan):
                for cc in range(c, c + colspan):
                    taken[rr][cc] = True
            cell = table.cell(r, c)
            if colspan > 1 or rowspan > 1:
                cell = cell.merge(table.cell(r + rowspan - 1, c + colspan - 1))
            set_cell_text(cell, text, "宽表表头" if wide else "表头")
            c += colspan
        assert all(taken[r]), f"header row {r} does not fill the grid"


ALIGN_STYLE = {"c": "表格代码", "l": "表格文字", "r": "表格数字"}
WIDE_STYLE = {"c": "宽表代码", "l": "宽表文字", "r": "宽表数字"}


def body_row(table, r: int, aligns: str, var: str, bold: bool, wide: bool) -> None:
    styles = WIDE_STYLE if wide else ALIGN_STYLE
    for c, align in enumerate(aligns):
        set_cell_text(table.cell(r, c), f"{{{{ {var}.cells[{c}]|cell }}}}", styles[align], bold=bold)


def tr_tag(table, r: int, text: str) -> None:
    set_cell_text(table.cell(r, 0), "{%tr " + text + " %}", "表格文字")


def disclosure_table(doc, n: int, widths: list[float], head: list[list[Head]], aligns: str, landscape: bool) -> None:
    """表N frame (label, title, unit line), static header, looped body rows, optional note."""
    var = f"t{n}"
    first_in_section = n in (1, 2, 3, 7, 8)  # 表1 follows the part heading; the others open a section
    para(doc, f"{{{{ {var}.label }}}}", "表号" if first_in_section else "表号换页")
    para(doc, f"{{{{ {var}.title }}}}", "表题")
    unit = para(doc, f"{{{{ {var}.unit_line }}}}", "编制单位横向" if landscape else "编制单位")
    unit.add_run("\t")
    preserve(unit.add_run("单位：万元"))

    ncols = len(widths)
    assert len(aligns) == ncols
    nhead = len(head)
    table = doc.add_table(rows=nhead + 7, cols=ncols)
    table.style = doc.styles["Table Grid"]
    place_header(table, head, wide=landscape)
    r = nhead
    tr_tag(table, r, f"for r in {var}.rows")
    tr_tag(table, r + 1, "if r.style == 'total'")
    body_row(table, r + 2, aligns, "r", bold=True, wide=landscape)
    tr_tag(table, r + 3, "else")
    body_row(table, r + 4, aligns, "r", bold=False, wide=landscape)
    tr_tag(table, r + 5, "endif")
    tr_tag(table, r + 6, "endfor")
    table_props(table, widths, f"表{n}")
    mark_rows(table, nhead, 0.4 if landscape else 0.45)

    tag(doc, f"if {var}.empty_note")
    para(doc, f"{{{{ {var}.empty_note }}}}", "表注")
    tag(doc, "endif")


# 表2 / 表7 column texts (format-2023.md §5)
T2_MONEY = [
    "财政拨款(补助)小计",
    "一般公共预算",
    "上级一般公共预算安排的转移支付",
    "政府性基金预算",
    "上级政府性基金安排的转移支付",
    "国有资本经营预算",
    "上级国有资本经营预算安排的转移支付",
]
T7_ECON = [
    "工资福利支出",
    "商品和服务支出",
    "对个人和家庭的补助",
    "债务利息及费用支出",
    "资本性支出（基本建设）",
    "资本性支出",
    "对企业补助（基本建设）",
    "对企业补助",
    "对社会保障基金补助",
    "其他支出",
]
FUNC_W = [1.2, 1.0, 1.0, 5.8, 2.3, 2.25, 2.25]  # 类 款 项 名称 合计 基本 项目


def functional_7(first: str, money: str, total: str) -> list[list[Head]]:
    """Header of 表3/表5/表8/表9 (7 columns, 3 header rows)."""
    return [
        [h(first, 4), h(money, 3)],
        [
            h("功能分类科目编码", 3),
            h("功能分类科目名称", 1, 2),
            h(total, 1, 2),
            h("基本支出", 1, 2),
            h("项目支出", 1, 2),
        ],
        [h("类"), h("款"), h("项")],
    ]


def part2_tables(doc) -> None:
    # 表1 (portrait, first section)
    disclosure_table(
        doc,
        1,
        [5.4, 2.5, 5.4, 2.5],
        [
            [h("收     入", 2), h("支     出", 2)],
            [h("项     目"), h("预算数"), h("功能分类"), h("预算数")],
        ],
        "lrlr",
        landscape=False,
    )
    new_section(doc, landscape=True)
    # 表2 (landscape)
    disclosure_table(
        doc,
        2,
        [0.7, 0.6, 0.6, 5.0, 1.75] + [1.586] * 11,
        [
            [
                h("功能分类科目编码", 3),
                h("功能分类科目名称", 1, 2),
                h("总  计", 1, 2),
                h("财  政  拨  款  (  补  助  )", 7),
                h("财政专户（教育收费）", 1, 2),
                h("单位资金", 1, 2),
                h("财政拨款结转", 1, 2),
                h("非财政拨款结转结余", 1, 2),
            ],
            [h("类"), h("款"), h("项"), *(h(t) for t in T2_MONEY)],
        ],
        "cccl" + "r" * 12,
        landscape=True,
    )
    new_section(doc, landscape=False)
    disclosure_table(doc, 3, FUNC_W, functional_7("项    目", "支出预算", "合  计"), "cccl" + "rrr", landscape=False)
    disclosure_table(
        doc,
        4,
        [3.6, 1.8, 4.6, 1.6, 1.6, 1.3, 1.3],
        [
            [h("财政拨款收入", 2), h("财政拨款支出", 5)],
            [
                h("项    目"),
                h("合  计"),
                h("功  能  分  类"),
                h("合 计"),
                h("一般公共预算"),
                h("政府性基金预算"),
                h("国有资本经营预算"),
            ],
        ],
        "lrl" + "rrrr",
        landscape=False,
    )
    disclosure_table(
        doc, 5, FUNC_W, functional_7("项   目", "一般公共预算支出", "合  计"), "cccl" + "rrr", landscape=False
    )
    disclosure_table(
        doc,
        6,
        [1.2, 1.2, 6.1, 2.45, 2.45, 2.4],
        [
            [h("项目", 3), h("一般公共预算基本支出", 3)],
            [
                h("经济分类科目编码", 2),
                h("经济分类科目名称", 1, 2),
                h("合  计", 1, 2),
                h("人员经费", 1, 2),
                h("公用经费", 1, 2),
            ],
            [h("类"), h("款")],
        ],
        "ccl" + "rrr",
        landscape=False,
    )
    new_section(doc, landscape=True)
    disclosure_table(
        doc,
        7,
        [0.7, 0.6, 0.6, 2.6, 4.22] + [1.58] * 11,
        [
            [
                h("科 目 编 码", 3),
                h("科目\n名称", 1, 2),
                h("项目名称", 1, 2),
                h("项目支出合计", 1, 2),
                *(h(t, 1, 2) for t in T7_ECON),
            ],
            [h("类"), h("款"), h("项")],
        ],
        "cccll" + "r" * 11,
        landscape=True,
    )
    new_section(doc, landscape=False)
    disclosure_table(
        doc, 8, FUNC_W, functional_7("项  目", "政府性基金预算支出", "合 计"), "cccl" + "rrr", landscape=False
    )
    disclosure_table(
        doc, 9, FUNC_W, functional_7("项目", "国有资本经营预算支出", "合计"), "cccl" + "rrr", landscape=False
    )
    disclosure_table(
        doc,
        10,
        [5.4, 2.6, 2.6, 2.6, 2.6],
        [
            [h("三公支出内容", 1, 2), h("合计", 1, 2), h("资金来源", 3)],
            [h("一般公共预算"), h("政府性基金"), h("国有资本经营预算")],
        ],
        "l" + "rrrr",
        landscape=False,
    )


PERF_W = [1.5, 1.6, 2.8, 1.8, 1.6, 1.4, 1.2, 2.1, 1.8]
PERF_HEAD = [
    "一级指标",
    "二级指标",
    "三级指标",
    "指标值",
    "指标值设置依据",
    "上年完成值",
    "指标分值权重",
    "指标赋分规则",
    "佐证资料",
]
PERF_ALIGN = "cclcccccc"
PERF_FIELDS = ["level1", "level2", "level3", "value", "basis", "last_value", "weight", "scoring", "evidence"]


def performance_table(doc) -> None:
    """One 项目支出绩效目标表 (format-2023.md §7.1); 一级/二级 merges are set by the renderer."""
    para(doc, "{{ pt.title }}", "绩效表题")
    para(doc, "{{ pt.year_line }}", "绩效表年度")
    table = doc.add_table(rows=8, cols=9)
    table.style = doc.styles["Table Grid"]

    def span(r: int, c0: int, c1: int, text: str, style: str) -> None:
        cell = table.cell(r, c0) if c0 == c1 else table.cell(r, c0).merge(table.cell(r, c1))
        set_cell_text(cell, text, style)

    span(0, 0, 0, "预算单位", "表头")
    span(0, 1, 8, "{{ pt.unit }}", "表格文字")
    span(1, 0, 0, "项目名称", "表头")
    span(1, 1, 5, "{{ pt.project }}", "表格文字")
    span(1, 6, 6, "项目负责人", "表头")
    span(1, 7, 8, "{{ pt.manager }}", "表格文字")
    span(2, 0, 0, "项目资金（万元）", "表头")
    span(2, 1, 1, "年度预算总额：", "表头")
    span(2, 2, 2, "{{ pt.total|amount }}", "表格数字")
    span(2, 3, 3, "其中：财政拨款", "表头")
    span(2, 4, 4, "{{ pt.fiscal|amount }}", "表格数字")
    span(2, 5, 6, "其他资金：", "表头")
    span(2, 7, 8, "{{ pt.other|cell }}", "表格数字")
    span(3, 0, 0, "项目总体目标", "表头")
    span(3, 1, 8, "{{ pt.goal }}", "表格文字")
    for c, text in enumerate(PERF_HEAD):
        set_cell_text(table.cell(4, c), text, "表头")
    tr_tag(table, 5, "for r in pt.rows")
    for c, field in enumerate(PERF_FIELDS):
        expr = f"r.{field}"
        if field in ("level1", "level2"):
            expr = f"r.{field} if r.{field}_span else ''"
        set_cell_text(table.cell(6, c), f"{{{{ {expr} }}}}", ALIGN_STYLE[PERF_ALIGN[c]])
    tr_tag(table, 7, "endfor")
    table_props(table, PERF_W, "项目支出绩效目标表")
    mark_rows(table, 5)


# --------------------------------------------------------------------------- document


def build() -> Document:
    doc = Document()
    # drop python-docx's sample thumbnail and identity from the package
    pkg_rels = doc.part.package.rels
    for rid in [rid for rid, rel in pkg_rels.items() if rel.reltype == RT.THUMBNAIL]:
        del pkg_rels[rid]
    configure_styles(doc)
    add_font_fallbacks(doc)

    section = doc.sections[0]
    set_page(section, landscape=False)
    section.different_first_page_header_footer = True  # no page number on the cover
    configure_footer(section)
    body = doc.element.body
    for p in list(body.iterchildren(qn("w:p"))):
        body.remove(p)

    # cover + 目录
    para(doc, "{{ d.unit_name }}", "封面单位")
    para(doc, "{{ d.title }}", "封面标题")
    para(doc, "目 录", "目录标题")
    tag(doc, "for e in d.toc")
    tag(doc, "if e.level == 1")
    para(doc, "{{ e.text }}", "目录一级")
    tag(doc, "else")
    para(doc, "{{ e.text }}", "目录二级")
    tag(doc, "endif")
    tag(doc, "endfor")

    # 第一部分
    para(doc, "{{ d.part1.heading }}", "Heading 1")
    para(doc, "{{ headings['part1-functions'] }}", "Heading 2")
    para_list(doc, "d.functions")
    para(doc, "{{ headings['part1-organization'] }}", "Heading 2")
    para_list(doc, "d.organization")
    para(doc, "{{ d.staff.text }}", "正文")

    # 第二部分
    para(doc, "{{ d.part2.heading }}", "Heading 1")
    part2_tables(doc)

    # 第三部分
    para(doc, "{{ d.part3.heading }}", "Heading 1")
    tag(doc, "for s in d.sections")
    para(doc, "{{ s.heading }}", "Heading 2")
    para_list(doc, "s.paragraphs")
    tag(doc, "for ss in s.subsections")
    para(doc, "{{ ss.heading }}", "Heading 3")
    para_list(doc, "ss.paragraphs")
    tag(doc, "if ss.performance_tables")
    tag(doc, "for pt in d.performance_tables")
    performance_table(doc)
    tag(doc, "endfor")
    tag(doc, "endif")
    tag(doc, "endfor")
    tag(doc, "endfor")

    # 第四部分 + closing
    para(doc, "{{ d.part4.heading }}", "Heading 1")
    para_list(doc, "d.glossary")
    para(doc, "{{ d.signature }}", "落款首行")
    para(doc, "{{ d.date }}", "落款")

    props = doc.core_properties
    props.title = ""
    props.author = ""
    props.comments = ""
    props.last_modified_by = ""
    props.revision = 1
    for el in list(props._element):
        if el.tag.endswith(("}created", "}modified", "}lastPrinted")):
            props._element.remove(el)
    return doc


def deterministic_bytes(data: bytes) -> bytes:
    """Re-zip every member with a fixed timestamp, same order, deflated."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(
                zipfile.ZipInfo(info.filename, date_time=FIXED_ZIP_DATE),
                src.read(info.filename),
                compress_type=zipfile.ZIP_DEFLATED,
            )
    return out.getvalue()


def main() -> None:
    buf = io.BytesIO()
    build().save(buf)
    TARGET.parent.mkdir(parents=True, exist_ok=True)
    TARGET.write_bytes(deterministic_bytes(buf.getvalue()))
    print(f"wrote {TARGET.relative_to(ROOT)}", file=sys.stderr)


if __name__ == "__main__":
    main()
