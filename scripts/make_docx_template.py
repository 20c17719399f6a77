"""Generate a format's docxtpl template with python-docx: templates/formats/<id>/disclosure.docx.

The shipped formats' templates are committed so a person can open and restyle them in Word or
WPS: every paragraph uses a named style, the parts and blocks follow the format's order, tables
carry the format's multi-level headers, and body rows are Jinja loops over the model. Re-running
this script regenerates the files byte for byte. A bureau's own format gets its template made
from the same code when first rendered (generator/render/docx.py).

Layout: the format's orientation (format.yaml `orientation`, per part and per table): a section per
run of pages of one orientation, e.g. A4 portrait with a landscape section for each landscape table
(表2 and 表7 in xinjiang-2023), or all landscape (shanghai-putuo). The paragraphs carrying section breaks hold no Jinja tags (docxtpl would drop them).
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
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING, WD_TAB_ALIGNMENT, WD_TAB_LEADER
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Cm, Pt, Twips
from lxml import etree

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE_NAME = "disclosure.docx"  # in each shipped format's folder

sys.path.insert(0, str(ROOT))
from generator.compute.tables import KINDS  # noqa: E402
from generator.formats.loader import FILE_NAME, Format, load_format  # noqa: E402
from generator.formats.registry import SHIPPED  # noqa: E402
from generator.formats.spec import (  # noqa: E402
    FormatSpec,
    OverviewBlock,
    PartSpec,
    ProjectsBlock,
    SectionBlock,
    TableBlock,
)
from generator.render import style as S  # noqa: E402  (the one typography, shared with the HTML/CSS)
from generator.render.layout import layout as table_layout  # noqa: E402

FANGSONG = S.FANGSONG.name
HEITI = S.HEITI.name
KAITI = S.KAITI.name
SONGTI = S.SONGTI.name
# Fallbacks written to the font table (Word/WPS use altName when the font is missing).
FONT_ALTS = {f.name: f.alt for f in S.FONTS.values()}

PAGE_W, PAGE_H = S.PORTRAIT.width / 10, S.PORTRAIT.height / 10
PORTRAIT_TEXT_W = S.PORTRAIT.text_width / 10  # cm
LANDSCAPE_TEXT_W = S.LANDSCAPE.text_width / 10
FIXED_ZIP_DATE = (1980, 1, 1, 0, 0, 0)


def twips(cm: float) -> int:
    return round(cm * 1440 / 2.54)


# --------------------------------------------------------------------------- styles


LATIN = {f.name: f.latin[0] for f in S.FONTS.values()}


def set_fonts(rpr_owner, font: str, size: float | None = None, bold: bool | None = None) -> None:
    """Set eastAsia to the CJK `font`, ascii/hAnsi/cs to its Latin font (no theme fonts), size and bold."""
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
        fonts.set(qn(attr), font if attr == "w:eastAsia" else LATIN.get(font, font))
    # Characters whose width depends on the font (“ ” ‘ ’ … — ·) are set in the CJK font, full
    # width, as in the PDF; without the hint Word may take Times New Roman for them.
    fonts.set(qn("w:hint"), "eastAsia")
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
    right: float | None = None  # pt


ALIGN = {
    "left": None,
    "center": WD_ALIGN_PARAGRAPH.CENTER,
    "right": WD_ALIGN_PARAGRAPH.RIGHT,
    "justify": WD_ALIGN_PARAGRAPH.JUSTIFY,
}


def from_text(name: str, style_id: str, key: str, **changes) -> ParaStyle:
    """A Word paragraph style from one entry of style.TEXT."""
    t = S.TEXT[key]
    spec = ParaStyle(
        name,
        style_id,
        S.FONTS[t.font].name,
        t.size,
        bold=t.bold,
        align=ALIGN[t.align],
        first_line=t.indent * t.size or None,
        left=t.left * t.size or None,
        line_exact=t.line,
        before=t.before,
        after=t.after,
    )
    return ParaStyle(**{**spec.__dict__, **changes})


def cell_style(name: str, style_id: str, grid: S.Grid, align: str, bold: bool = False) -> ParaStyle:
    font = S.FONTS[S.TEXT["table_title"].font].name
    return ParaStyle(name, style_id, font, grid.size, bold=bold, align=ALIGN[align], line_exact=grid.size * grid.line)


BODY = S.BODY_SIZE
PG, LG = S.PORTRAIT_GRID, S.LANDSCAPE_GRID
STYLES = [
    from_text("封面单位", "CoverUnit", "cover_unit"),
    from_text("封面标题", "CoverTitle", "cover_title"),
    from_text("目录标题", "TocTitle", "toc_title", page_break=True),
    from_text("目录一级", "TocPart", "toc_part"),
    from_text("目录二级", "TocItem", "toc_item"),
    from_text("正文", "BodyPara", "body"),
    from_text("正文条目", "BodyItem", "body"),
    from_text("正文字段", "BodyField", "body"),
    from_text("表号", "TableLabel", "table_label", keep_next=True),
    from_text("表号换页", "TableLabelPage", "table_label", keep_next=True, page_break=True),
    from_text("表题", "TableTitle", "table_title", keep_next=True),
    from_text("编制单位", "TableUnit", "table_unit", keep_next=True),
    cell_style("表格文字", "CellText", PG, "left"),
    cell_style("表格代码", "CellCode", PG, "center"),
    cell_style("表格数字", "CellAmount", PG, "right"),
    cell_style("表头", "CellHead", PG, "center", bold=S.HEAD_BOLD),
    # the 16-column landscape tables (表2, 表7)
    cell_style("宽表文字", "WideText", LG, "left"),
    cell_style("宽表代码", "WideCode", LG, "center"),
    cell_style("宽表数字", "WideAmount", LG, "right"),
    cell_style("宽表表头", "WideHead", LG, "center", bold=S.HEAD_BOLD),
    # the 项目支出绩效目标表
    cell_style("绩效表文字", "PerfText", S.PERF_GRID, "left"),
    cell_style("绩效表代码", "PerfCode", S.PERF_GRID, "center"),
    cell_style("绩效表数字", "PerfAmount", S.PERF_GRID, "right"),
    cell_style("绩效表头", "PerfHead", S.PERF_GRID, "center", bold=S.HEAD_BOLD),
    from_text("表注", "TableNote", "table_note"),
    from_text("绩效表题", "PerfTitle", "perf_title", keep_next=True),
    from_text("绩效表年度", "PerfYear", "perf_year", keep_next=True),
    from_text("落款", "Signature", "signature", right=2 * BODY),
    from_text("落款首行", "SignatureFirst", "signature", right=2 * BODY, before=S.BODY_LINE * 1.5),
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
    # No extra space between CJK and Latin/digits (Word/LibreOffice add it by default, the
    # PDF does not), so "<=14.38万元" is as wide in both and measured widths hold.
    ppr = normal.element.get_or_add_pPr()
    for name in ("w:autoSpaceDE", "w:autoSpaceDN"):
        el = OxmlElement(name)
        el.set(qn("w:val"), "0")
        # schema order (CT_PPrBase): before bidi … spacing, ind, jc
        ppr.insert_element_before(
            el, "w:bidi", "w:adjustRightInd", "w:snapToGrid", "w:spacing", "w:ind", "w:contextualSpacing", "w:jc"
        )
    normal.paragraph_format.space_before = Pt(0)
    normal.paragraph_format.space_after = Pt(0)

    headings = {"Heading 1": "part", "Heading 2": "section", "Heading 3": "subsection"}  # 第X部分, 一、, （一）
    for name, key in headings.items():
        t = S.TEXT[key]
        style = styles[name]
        set_fonts(style.element, S.FONTS[t.font].name, t.size, bold=t.bold)
        pf = style.paragraph_format
        pf.alignment = ALIGN[t.align]
        pf.first_line_indent = Pt(t.indent * t.size) if t.indent else None
        pf.keep_with_next = True
        pf.page_break_before = name == "Heading 1"
        pf.space_before = Pt(t.before)
        pf.space_after = Pt(t.after)
        if t.line:
            pf.line_spacing_rule = WD_LINE_SPACING.EXACTLY
            pf.line_spacing = Pt(t.line)
        else:
            pf.line_spacing_rule = WD_LINE_SPACING.SINGLE

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
        if spec.right:
            pf.right_indent = Pt(spec.right)
        if spec.line_exact:
            pf.line_spacing_rule = WD_LINE_SPACING.EXACTLY
            pf.line_spacing = Pt(spec.line_exact)
        else:
            pf.line_spacing_rule = WD_LINE_SPACING.SINGLE
    # 编制部门（单位）：… left, 单位：万元 at a right tab stop on the text edge
    styles["编制单位"].paragraph_format.tab_stops.add_tab_stop(Cm(PORTRAIT_TEXT_W), WD_TAB_ALIGNMENT.RIGHT)
    # 目录: the page number at the right margin after a dot leader (static text, no field)
    for name in ("目录一级", "目录二级"):
        styles[name].paragraph_format.tab_stops.add_tab_stop(
            Cm(PORTRAIT_TEXT_W), WD_TAB_ALIGNMENT.RIGHT, WD_TAB_LEADER.DOTS
        )
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


def toc_line(doc, style: str, landscape: bool = False) -> None:
    """One 目录 entry: its text, then (when the renderer knows it) a tab and the page number; on a
    landscape 目录 the number's tab stop is at the landscape text edge."""
    p = para(doc, "{{ e.text }}", style)
    if landscape:
        p.paragraph_format.tab_stops.add_tab_stop(Cm(PORTRAIT_TEXT_W), WD_TAB_ALIGNMENT.CLEAR)
        p.paragraph_format.tab_stops.add_tab_stop(Cm(LANDSCAPE_TEXT_W), WD_TAB_ALIGNMENT.RIGHT, WD_TAB_LEADER.DOTS)
    preserve(p.add_run("{% if toc_pages %}\t{{ toc_pages[e.anchor] }}{% endif %}"))


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


def footer_rpr():
    """The footer's run formatting, repeated on every run of the page-number fields."""
    run = OxmlElement("w:r")
    t = S.TEXT["footer"]
    set_fonts(run, S.FONTS[t.font].name, t.size)
    return run.find(qn("w:rPr"))


def add_field(paragraph, instr: str) -> None:
    def fld(kind: str):
        run = OxmlElement("w:r")
        run.append(footer_rpr())
        el = OxmlElement("w:fldChar")
        el.set(qn("w:fldCharType"), kind)
        run.append(el)
        return run

    paragraph._p.append(fld("begin"))
    run = OxmlElement("w:r")
    run.append(footer_rpr())
    text = OxmlElement("w:instrText")
    text.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
    text.text = f" {instr} "
    run.append(text)
    paragraph._p.append(run)
    paragraph._p.append(fld("separate"))
    res = OxmlElement("w:r")
    res.append(footer_rpr())
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
            run._r.insert(0, footer_rpr())


def set_page(section, landscape: bool) -> None:
    page = S.LANDSCAPE if landscape else S.PORTRAIT
    top, bottom, left, right = (page.top / 10, page.bottom / 10, page.left / 10, page.right / 10)
    section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    section.page_width = Cm(PAGE_H if landscape else PAGE_W)
    section.page_height = Cm(PAGE_W if landscape else PAGE_H)
    section.top_margin, section.bottom_margin = Cm(top), Cm(bottom)
    section.left_margin, section.right_margin = Cm(left), Cm(right)
    section.header_distance, section.footer_distance = Cm(1.0), Cm(page.footer / 10)


def new_section(doc, landscape: bool) -> None:
    """End the current section with a tag-free paragraph and start a new page section."""
    section = doc.add_section(WD_SECTION.NEW_PAGE)
    # python-docx puts the break in a new empty paragraph; give it a tiny style
    doc.paragraphs[-1].style = doc.styles["分节"]
    section.different_first_page_header_footer = False
    set_page(section, landscape)


@dataclass(frozen=True)
class Orientation:
    """The format's page orientations as booleans (True: landscape): the document's (cover, 目录),
    each part's and each table's (FormatSpec.part_orientation, table_orientation)."""

    spec: FormatSpec

    @property
    def document(self) -> bool:
        return self.spec.orientation == "landscape"

    def part(self, p: int) -> bool:
        return self.spec.part_orientation(p) == "landscape"

    def table(self, p: int, block: TableBlock) -> bool:
        return self.spec.table_orientation(p, block) == "landscape"


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


def table_props(table, widths: list[float], caption: str, grid: S.Grid) -> None:
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
        f'<w:tblCellMar {nsdecls("w")}><w:top w:w="{twips(grid.pad_y / 10)}" w:type="dxa"/>'
        f'<w:left w:w="{twips(grid.pad_x / 10)}" w:type="dxa"/>'
        f'<w:bottom w:w="{twips(grid.pad_y / 10)}" w:type="dxa"/>'
        f'<w:right w:w="{twips(grid.pad_x / 10)}" w:type="dxa"/></w:tblCellMar>',
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
PERF_STYLE = {"c": "绩效表代码", "l": "绩效表文字", "r": "绩效表数字"}
WIDE_STYLE = {"c": "宽表代码", "l": "宽表文字", "r": "宽表数字"}


def body_row(table, r: int, aligns: str, var: str, bold: bool, wide: bool, numbers: str) -> None:
    styles = WIDE_STYLE if wide else ALIGN_STYLE
    for c, align in enumerate(aligns):
        set_cell_text(table.cell(r, c), f"{{{{ {var}.cells[{c}]|cell({numbers}) }}}}", styles[align], bold=bold)


def tr_tag(table, r: int, text: str) -> None:
    set_cell_text(table.cell(r, 0), "{%tr " + text + " %}", "表格文字")


def disclosure_table(doc, n: int, block: TableBlock, first_in_section: bool, landscape: bool) -> None:
    """表N frame (label, title, unit line), header from the format, looped body rows, optional note.

    Header texts and spans come from the format, alignments from the table kind; the widths
    and header line breaks written here are the header-only layout; the renderer re-lays them
    from the content. `landscape`: the table's orientation as the format resolves it."""
    aligns = KINDS[block.kind].aligns
    grid = S.LANDSCAPE_GRID if landscape else S.PORTRAIT_GRID
    page = S.LANDSCAPE if landscape else S.PORTRAIT
    spec_head = [[S.h(c.text, c.cols, c.rows) for c in row] for row in block.head]
    laid = table_layout(spec_head, [], len(aligns), page.text_width, grid)
    widths = [w / 10 for w in laid.widths]
    head = [[h(cell.text, cell.colspan, cell.rowspan) for cell in row] for row in laid.head]
    var = f"t{n}"
    if block.label is not None:
        para(doc, f"{{{{ {var}.label }}}}", "表号" if first_in_section else "表号换页")
        para(doc, f"{{{{ {var}.title }}}}", "表题")
    else:  # no label line: the title opens the table's page
        title = para(doc, f"{{{{ {var}.title }}}}", "表题")
        title.paragraph_format.page_break_before = not first_in_section
    unit = para(doc, f"{{{{ {var}.unit_line }}}}", "编制单位横向" if landscape else "编制单位")
    unit.add_run("\t")
    preserve(unit.add_run(f"单位：{block.unit}"))

    ncols = len(widths)
    assert len(aligns) == ncols
    nhead = len(head)
    table = doc.add_table(rows=nhead + 7, cols=ncols)
    table.style = doc.styles["Table Grid"]
    place_header(table, head, wide=landscape)
    r = nhead
    tr_tag(table, r, f"for r in {var}.rows")
    tr_tag(table, r + 1, "if r.style in bold_rows")
    body_row(table, r + 2, aligns, "r", bold=True, wide=landscape, numbers=f"{var}.numbers")
    tr_tag(table, r + 3, "else")
    body_row(table, r + 4, aligns, "r", bold=False, wide=landscape, numbers=f"{var}.numbers")
    tr_tag(table, r + 5, "endif")
    tr_tag(table, r + 6, "endfor")
    table_props(table, widths, f"表{n}", grid)
    mark_rows(table, nhead, grid.min_row / 10)

    tag(doc, f"if {var}.empty_note")
    para(doc, f"{{{{ {var}.empty_note }}}}", "表注")
    tag(doc, "endif")


def section_frame(doc, index: int, headed: bool = True) -> None:
    """One 情况说明 section (the model's `d.sections[index]`), its subsections and, after the
    flagged subsection, the 项目支出绩效目标表. `headed`: false when it follows its part heading directly."""
    tag(doc, f"with s = d.sections[{index}]")
    if headed:
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
    tag(doc, "endwith")


def part_blocks(doc, p: int, part: PartSpec, counters: dict[str, int], orientation: Orientation) -> None:
    """The blocks of part `p` in the format's order; a table whose orientation differs from the part's
    (`orientation.part`) gets a page section of its own, shared with the tables of that orientation that
    follow it (czj's landscape 表2 and 表3: no empty portrait page between them)."""
    part_landscape = orientation.part(p)
    current = part_landscape  # the orientation of the section being written

    def turn(landscape: bool) -> bool:
        nonlocal current
        if landscape == current:
            return False
        new_section(doc, landscape=landscape)
        current = landscape
        return True

    for b, block in enumerate(part.blocks):
        var = f"d.parts[{p}].blocks[{b}]"
        if not isinstance(block, TableBlock):
            turn(part_landscape)
        if isinstance(block, OverviewBlock):
            if block.heading is not None:
                para(doc, f"{{{{ {var}.heading }}}}", "Heading 2")
            para_list(doc, f"d.{block.content}")
            if block.content == "organization" and block.staff:
                para(doc, "{{ d.staff.text }}", "正文")
        elif isinstance(block, TableBlock):
            counters["table"] += 1
            landscape = orientation.table(p, block)
            turned = turn(landscape)
            disclosure_table(doc, counters["table"], block, b == 0 or turned, landscape)
        elif isinstance(block, SectionBlock):
            section_frame(doc, counters["section"], headed=block.heading is not None)
            counters["section"] += 1
        elif isinstance(block, ProjectsBlock):
            if block.heading is not None:
                para(doc, f"{{{{ {var}.heading }}}}", "Heading 2")
            tag(doc, "for pt in d.performance_tables")
            performance_table(doc)
            tag(doc, "endfor")
        elif block.type == "glossary":
            para_list(doc, "d.glossary")
        elif block.type == "signature":
            para(doc, "{{ d.signature }}", "落款首行")
            para(doc, "{{ d.date }}", "落款")
    turn(part_landscape)


PERF_ALIGN = S.PERF_ALIGN
PERF_FIELDS = S.PERF_FIELDS


def performance_table(doc) -> None:
    """One 项目支出绩效目标表 (format-2023.md §7.1); 一级/二级 merges are set by the renderer."""
    para(doc, "{{ pt.title }}", "绩效表题")
    para(doc, "{{ pt.year_line }}", "绩效表年度")
    table = doc.add_table(rows=8, cols=9)
    table.style = doc.styles["Table Grid"]

    def span(r: int, c0: int, c1: int, text: str, style: str) -> None:
        cell = table.cell(r, c0) if c0 == c1 else table.cell(r, c0).merge(table.cell(r, c1))
        set_cell_text(cell, text, style)

    free = tuple((first, S.h(text, last - first + 1)) for text, first, last in S.PERF_LABELS)
    laid = table_layout([[S.h(t) for t in S.PERF_HEAD]], [], S.PERF_COLUMNS, S.PORTRAIT.text_width, S.PERF_GRID, free)

    def label(text: str) -> str:
        return laid.label(text)

    span(0, 0, 0, label("预算单位"), "绩效表头")
    span(0, 1, 8, "{{ pt.unit }}", "绩效表文字")
    span(1, 0, 0, label("项目名称"), "绩效表头")
    span(1, 1, 5, "{{ pt.project }}", "绩效表文字")
    span(1, 6, 6, label("项目负责人"), "绩效表头")
    span(1, 7, 8, "{{ pt.manager }}", "绩效表文字")
    span(2, 0, 0, label("项目资金（万元）"), "绩效表头")
    span(2, 1, 1, label("年度预算总额："), "绩效表头")
    span(2, 2, 2, "{{ pt.total|amount }}", "绩效表数字")
    span(2, 3, 3, label("其中：财政拨款"), "绩效表头")
    span(2, 4, 4, "{{ pt.fiscal|cell }}", "绩效表数字")
    span(2, 5, 6, label("其他资金："), "绩效表头")
    span(2, 7, 8, "{{ pt.other|cell }}", "绩效表数字")
    span(3, 0, 0, label("项目总体目标"), "绩效表头")
    span(3, 1, 8, "{{ pt.goal }}", "绩效表文字")
    for c, cell in enumerate(laid.head[0]):
        set_cell_text(table.cell(4, c), cell.text, "绩效表头")
    tr_tag(table, 5, "for r in pt.rows")
    for c, field in enumerate(PERF_FIELDS):
        expr = f"r.{field}"
        if field in ("level1", "level2"):
            expr = f"r.{field} if r.{field}_span else ''"
        set_cell_text(table.cell(6, c), f"{{{{ {expr} }}}}", PERF_STYLE[PERF_ALIGN[c]])
    tr_tag(table, 7, "endfor")
    table_props(table, [w / 10 for w in laid.widths], "项目支出绩效目标表", S.PERF_GRID)
    mark_rows(table, 5, S.PERF_GRID.min_row / 10)


# --------------------------------------------------------------------------- document


def build(fmt: Format) -> Document:
    """The template of `fmt`: its cover, 目录 and parts with their blocks, in its order."""
    spec = fmt.spec
    doc = Document()
    # drop python-docx's sample thumbnail and identity from the package
    pkg_rels = doc.part.package.rels
    for rid in [rid for rid, rel in pkg_rels.items() if rel.reltype == RT.THUMBNAIL]:
        del pkg_rels[rid]
    configure_styles(doc)
    add_font_fallbacks(doc)

    orientation = Orientation(spec)
    section = doc.sections[0]
    set_page(section, landscape=orientation.document)
    section.different_first_page_header_footer = True  # no page number on the cover
    configure_footer(section)
    body = doc.element.body
    for p in list(body.iterchildren(qn("w:p"))):
        body.remove(p)

    # cover + 目录
    if spec.cover.above is not None:
        para(doc, "{{ d.cover_above }}", "封面单位")
    para(doc, "{{ d.title }}", "封面标题")
    if spec.cover.below is not None:
        para(doc, "{{ d.cover_below }}", "封面单位")
    para(doc, "目 录", "目录标题")
    tag(doc, "for e in d.toc")
    tag(doc, "if e.level == 1")
    toc_line(doc, "目录一级", orientation.document)
    tag(doc, "else")
    toc_line(doc, "目录二级", orientation.document)
    tag(doc, "endif")
    tag(doc, "endfor")

    # the parts in the format's order
    counters = {"table": 0, "section": 0}
    current = orientation.document
    for p, part in enumerate(spec.parts):
        turned = orientation.part(p) != current
        if turned:  # a part in the other orientation starts a page section (and so a page) of its own
            if doc.paragraphs[-1].style.name == "分节":  # right after a table's own section: turn that one
                set_page(doc.sections[-1], landscape=orientation.part(p))
            else:
                new_section(doc, landscape=orientation.part(p))
            current = orientation.part(p)
        heading = para(doc, f"{{{{ d.parts[{p}].heading | part_heading }}}}", "Heading 1").paragraph_format
        if turned:
            heading.page_break_before = False
        elif part.run_on:  # runs on below the previous part (style.py, "part_runon")
            heading.page_break_before = False
            heading.space_before = Pt(S.TEXT["part_runon"].before)
        part_blocks(doc, p, part, counters, orientation)

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


def template_bytes(fmt: Format) -> bytes:
    """The template of `fmt` as reproducible DOCX bytes."""
    buf = io.BytesIO()
    build(fmt).save(buf)
    return deterministic_bytes(buf.getvalue())


def main() -> None:
    """Regenerate the committed templates of each shipped format: templates/formats/<id>/disclosure.docx, and
    disclosure.<edition>.docx for each edition laid out differently from the first (e.g. disclosure.单位版.docx)."""
    from generator.render.docx import template_name

    for folder in sorted(SHIPPED.iterdir()):
        if (folder / FILE_NAME).is_file():
            fmt = load_format(folder)
            written: set[str] = set()
            for edition in fmt.edition_names:
                chosen = fmt.with_edition(edition)
                name = template_name(chosen)
                if name in written:
                    continue
                written.add(name)
                target = folder / name
                target.write_bytes(template_bytes(chosen))
                print(f"wrote {target.relative_to(ROOT)}", file=sys.stderr)


if __name__ == "__main__":
    main()
