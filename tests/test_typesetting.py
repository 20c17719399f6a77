"""Typesetting of the PDF and the DOCX (issue 18 §3), read back from the rendered files.

Faces (pdffonts and each character's font), justified lines (every line of a paragraph but
its last reaches the right edge of the text block), the 28 pt line pitch, what must never be
broken across lines (an amount and its 万元, a 文号, a part heading's name, 表7's project
names, a 绩效 row), full-width quotation marks, one 绩效目标表 grid, and the DOCX's styles.
"""

from __future__ import annotations

import itertools
import re
import subprocess
import zipfile
from collections import Counter
from pathlib import Path

import pdfplumber
import pytest
from docx import Document

from generator.model import Disclosure
from generator.render import filters
from generator.render import pdf as pdf_render
from generator.render import style as S
from generator.render.docx import render_docx
from generator.render.layout import document_layout, em_mm, text_em
from generator.render.pdf import MissingFontError, render_pdf

EXAMPLES = ("000", "002")
BODY = S.TEXT["body"]
LEFT = S.PORTRAIT.left / S.PT_MM  # text block edges, pt
RIGHT = (S.PORTRAIT.width - S.PORTRAIT.right) / S.PT_MM
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


@pytest.fixture(scope="module")
def pdf_paths(disclosures: dict[str, Disclosure], tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("typeset-pdf")
    out = {}
    for name in EXAMPLES:
        out[name] = folder / f"{name}.pdf"
        render_pdf(disclosures[name], out[name])
    return out


@pytest.fixture(scope="module")
def docx_paths(disclosures: dict[str, Disclosure], tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("typeset-docx")
    out = {}
    for name in EXAMPLES:
        out[name] = folder / f"{name}.docx"
        render_docx(disclosures[name], out[name])
    return out


Line = tuple[float, float, float, str, frozenset[str], float]  # top, x0, x1, text, fonts, size


def lines_of(page) -> list[Line]:
    """The text lines of a page, top to bottom: characters grouped by their baseline."""
    rows: dict[float, list] = {}
    for ch in page.chars:  # by baseline (the PDF text matrix), not by glyph box
        rows.setdefault(round(page.height - ch["matrix"][5], 0), []).append(ch)
    out = []
    for _, chars in sorted(rows.items()):
        chars.sort(key=lambda c: c["x0"])
        text = "".join(c["text"] for c in chars)
        fonts = frozenset(c["fontname"].split("+")[-1] for c in chars)
        size = Counter(round(c["size"], 1) for c in chars).most_common(1)[0][0]
        out.append((chars[0]["top"], chars[0]["x0"], chars[-1]["x1"], text, fonts, size))
    return out


@pytest.fixture(scope="module")
def pdf_lines(pdf_paths) -> dict[str, list[list[Line]]]:
    out = {}
    for name, path in pdf_paths.items():
        with pdfplumber.open(path) as pdf:
            out[name] = [lines_of(page) for page in pdf.pages]
    return out


def body_lines(pages: list[list[Line]]) -> list[list[Line]]:
    """Per page, the lines in the body size (三号) of the portrait text block."""
    return [[ln for ln in page if abs(ln[5] - BODY.size) < 0.2 and ln[1] < RIGHT] for page in pages]


# --- faces -----------------------------------------------------------------------------------


def embedded_fonts(path: Path) -> set[str]:
    out = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    rows = [line.split() for line in out.splitlines()[2:]]
    assert all(row[-5] == "yes" for row in rows if len(row) >= 5), out
    return {row[0].split("+")[-1].replace("-", "") for row in rows if row}


@pytest.mark.parametrize("name", EXAMPLES)
def test_pdf_embeds_a_real_face_for_each_declared_style(pdf_paths, pdf_lines, disclosures, name):
    """pdffonts: 仿宋 (FandolFang), 楷体 (FandolKai), 黑体 (Noto Sans CJK), 宋体 (Noto Serif CJK) are
    embedded; the body is set in the 仿宋 face and every （一） heading in the 楷体 face."""
    fonts = embedded_fonts(pdf_paths[name])
    for family in ("FandolFang", "FandolKai", "NotoSansCJKSC", "NotoSerifCJKSC"):
        assert any(f.startswith(family) for f in fonts), (family, fonts)
    lines = [ln for page in pdf_lines[name] for ln in page]
    body = [ln for ln in lines if abs(ln[5] - BODY.size) < 0.2]
    faces = Counter(f for ln in body for f in ln[4])
    assert faces.most_common(1)[0][0].startswith("FandolFang"), faces
    subs = [ss.heading for s in disclosures[name].sections for ss in s.subsections]
    assert subs
    for heading in subs:
        first = re.sub(r"\s", "", heading)[:8]
        hit = [ln for ln in lines if re.sub(r"\s", "", ln[3]).startswith(first)]
        assert hit and all(f.startswith("FandolKai") for f in hit[-1][4]), (heading, hit)


def test_check_fonts_fails_when_a_declared_face_would_fall_back(monkeypatch):
    """Without the Fandol faces the body would be set in Noto Serif (a 宋体): refused, in Chinese,
    with the command that installs them."""
    monkeypatch.setattr(pdf_render, "cjk_families", lambda: frozenset({"Noto Serif CJK SC", "Noto Sans CJK SC"}))
    with pytest.raises(MissingFontError) as err:
        pdf_render.check_fonts()
    message = str(err.value)
    assert "仿宋（FandolFang）" in message and "楷体（FandolKai）" in message
    assert "texlive-lang-chinese" in message and "ensure-system-packages.sh" in message
    assert "黑体" not in message


def test_installed_faces_are_the_declared_ones():
    assert pdf_render.missing_faces() == []


@pytest.mark.parametrize("name", EXAMPLES)
def test_quotation_marks_are_full_width_in_the_cjk_face(pdf_paths, name):
    with pdfplumber.open(pdf_paths[name]) as pdf:
        quotes = [c for page in pdf.pages for c in page.chars if c["text"] in "“”"]
    assert quotes
    for c in quotes:
        assert not c["fontname"].split("+")[-1].startswith(("Liberation", "Times")), c["fontname"]
        assert c["x1"] - c["x0"] > 0.9 * c["size"], (c["text"], c["fontname"], c["x1"] - c["x0"])


# --- lines -----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", EXAMPLES)
def test_body_line_pitch_is_the_declared_28pt(pdf_lines, name):
    """Between two consecutive lines of the 仿宋 face (a heading's baseline sits elsewhere in its
    28 pt line, as the DOCX's exact spacing does, but its line box is 28 pt too)."""
    pitches = Counter()
    for page in body_lines(pdf_lines[name]):
        lines = [ln for ln in page if all(f.startswith("FandolFang") for f in ln[4])]
        for a, b in itertools.pairwise(lines):
            if b[0] - a[0] < 1.5 * BODY.line:
                pitches[round(b[0] - a[0], 1)] += 1
    assert sum(pitches.values()) > 200
    assert set(pitches) == {BODY.line}, pitches


@pytest.mark.parametrize("name", EXAMPLES)
def test_paragraph_lines_are_justified(pdf_lines, name):
    """Every body line followed by a line of the same paragraph (the next line, one pitch
    below, starts at the left edge: no first-line indent) reaches the right edge of the text
    block: no ragged right margin."""
    checked = 0
    short = []
    for number, page in enumerate(body_lines(pdf_lines[name]), 1):
        for line, after in itertools.pairwise(page):
            continued = abs(after[0] - line[0] - BODY.line) < 1 and abs(after[1] - LEFT) < 2
            if continued and abs(line[1] - LEFT) < 2 * BODY.size + 2:
                checked += 1
                if RIGHT - line[2] > 1.0:
                    short.append((number, line[3], round(RIGHT - line[2], 1)))
    assert checked > 150
    assert not short, short


def breaks(pages: list[list[Line]]) -> list[tuple[str, str]]:
    """(end of a line, start of the next) for consecutive lines of the same paragraph."""
    out = []
    for page in body_lines(pages):
        for line, after in itertools.pairwise(page):
            if abs(after[0] - line[0] - BODY.line) < 1 and abs(after[1] - LEFT) < 2:
                out.append((line[3].rstrip(), after[3].lstrip()))
    return out


@pytest.mark.parametrize("name", EXAMPLES)
def test_amounts_and_document_numbers_are_never_split(pdf_lines, name):
    """No line ends inside an amount, between an amount and its unit (万元, %), or inside a
    文号 (国办发〔2015〕63号)."""
    bad = []
    for end, start in breaks(pdf_lines[name]):
        joint = f"{end[-8:]}|{start[:8]}"
        if (
            re.search(r"[0-9.,]\|[0-9.,万元%％]", joint)
            or re.search(r"万\|元", joint)
            or re.search(r"〔[0-9]*\|", joint)
            or re.search(r"〕[0-9]*\|[0-9]*号", joint)
        ):
            bad.append(joint)
    assert not bad, bad


@pytest.mark.parametrize("name", EXAMPLES)
def test_no_paragraph_ends_in_a_lone_character_or_a_torn_word(pdf_lines, disclosures, name):
    """The last line of a paragraph holds at least its last two characters and the closing
    punctuation ("费用。", not "用。" under "…其他费")."""
    d = disclosures[name]
    texts = [p.text for p in (*d.functions, *d.organization, d.staff, *d.glossary)]
    for s in d.sections:
        texts += [p.text for p in s.paragraphs]
        for ss in s.subsections:
            texts += [p.text for p in ss.paragraphs]
    ends = Counter()
    for page in body_lines(pdf_lines[name]):
        for line in page:
            ends[re.sub(r"\s", "", line[3])[-6:]] += 1
    starts = [re.sub(r"\s", "", ln[3]) for page in body_lines(pdf_lines[name]) for ln in page]
    for text in texts:
        flat = re.sub(r"\s", "", text)
        runs = filters.unbreakable_runs(flat)
        if not runs or runs[-1][1] != len(flat) or len(flat) < 12:
            continue
        tail = flat[runs[-1][0] :]
        # the tail is never the start of a line that is only that tail with fewer characters
        assert not any(flat.endswith(s) and 0 < len(s) < len(tail) for s in starts), (text[-12:], tail)


def test_unbreakable_runs():
    text = "根据《通知》（国办发〔2015〕63号），安排27.85万元，占11.53%，其他费用。"
    runs = [text[a:b] for a, b in filters.unbreakable_runs(text)]
    assert runs == ["国办发〔2015〕63号", "27.85万元", "11.53%", "费用。"]
    heading = "四、关于昌吉州政资局2023年财政拨款收支预算情况的总体说明"
    assert [heading[a:b] for a, b in filters.unbreakable_runs(heading)][-1] == "总体说明"
    assert filters.part_heading("第三部分 2023年部门（单位）预算情况说明") == "第三部分 2023年部门（单位）预算情况说明"
    long = "第一部分 昌吉州政务服务和公共资源交易管理局概况"
    assert filters.part_heading(long) == "第一部分\n昌吉州政务服务和公共资源交易管理局概况"


@pytest.mark.parametrize("name", EXAMPLES)
def test_part_headings_break_only_after_the_part_number(pdf_lines, disclosures, name):
    d = disclosures[name]
    size = S.TEXT["part"].size
    heads = [re.sub(r"\s", "", ln[3]) for page in pdf_lines[name] for ln in page if abs(ln[5] - size) < 0.2]
    for part in d.parts:
        number, _, rest = part.heading.partition(" ")
        flat = re.sub(r"\s", "", part.heading)
        assert flat in heads or (number in heads and re.sub(r"\s", "", rest) in heads), (part.heading, heads)


# --- tables ----------------------------------------------------------------------------------


def test_one_performance_grid_with_a_wide_level3_column(disclosures, docx_paths):
    """Every 绩效目标表 of a document has the same nine column widths, 三级指标 at least 7 em,
    in the layout and in the DOCX's grid."""
    for name in EXAMPLES:
        laid = document_layout(disclosures[name]).performance
        assert len(laid) >= 2 and len({pl.widths for pl in laid}) == 1
        level3 = laid[0].widths[S.PERF_FIELDS.index("level3")]
        assert level3 >= em_mm(S.PERF_LEVEL3_MIN_EM, S.PERF_GRID.size)
        doc = Document(str(docx_paths[name]))
        grids = set()
        for tbl in doc.element.body.findall(f".//{W}tbl"):
            cols = tuple(int(c.get(f"{W}w")) for c in tbl.findall(f"{W}tblGrid/{W}gridCol"))
            if len(cols) == S.PERF_COLUMNS:
                grids.add(cols)
        assert len(grids) == 1, grids


@pytest.mark.parametrize("name", EXAMPLES)
def test_table7_project_names_are_never_broken(pdf_paths, disclosures, name):
    """表7 gives 项目名称 the width its economic columns do not use: each name is one line."""
    t7 = next(t for t in disclosures[name].tables if t.number == 7)
    names = {r.cells[4] for r in t7.rows if isinstance(r.cells[4], str) and text_em(r.cells[4]) > 4}
    assert names
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf_paths[name]), "-"], capture_output=True, text=True, check=True
    )
    lines = text.stdout.splitlines()
    for project in names:
        assert any(project in line for line in lines), project


def performance_rows_per_page(disclosure: Disclosure) -> list[list[object]]:
    """The indicator rows (`tr` elements) on each page, as WeasyPrint laid them out."""
    html = pdf_render.render_html(disclosure)
    document = pdf_render._html_class()(
        string=html, base_url=str(pdf_render.ASSETS) + "/", url_fetcher=pdf_render.make_url_fetcher()
    ).render(font_config=pdf_render.font_config())
    pages = []

    def walk(box, inside: bool, found: list) -> None:
        element = getattr(box, "element", None)
        classes = element.get("class", "") if element is not None else ""
        inside = inside or "pi" in classes.split()
        if getattr(box, "is_header", False):  # the repeated column header
            return
        if inside and type(box).__name__ == "TableRowBox":
            found.append(element)
        for child in getattr(box, "children", []):
            walk(child, inside, found)

    for page in document.pages:
        found: list = []
        walk(page._page_box, False, found)
        pages.append(found)
    return pages


@pytest.mark.slow
@pytest.mark.parametrize("name", EXAMPLES)
def test_no_performance_row_splits_across_pages(disclosures, name):
    pages = performance_rows_per_page(disclosures[name])
    seen: dict[int, int] = {}
    for number, rows in enumerate(pages, 1):
        for row in set(map(id, rows)):
            assert row not in seen, f"a 绩效 row runs from page {seen[row]} to page {number}"
            seen[row] = number
    assert len(seen) >= 20


@pytest.mark.slow
@pytest.mark.parametrize("name", EXAMPLES)
def test_continuation_pages_show_the_labels_of_their_rows(disclosures, name):
    """A page that opens inside a 绩效目标表 starts with a row that carries its 一级 and 二级
    指标 cells (groups are never cut by a page break), so no row stands under blank labels."""
    pages = performance_rows_per_page(disclosures[name])
    checked = 0
    for rows in pages:
        if rows:
            cells = [c for c in rows[0] if c.tag.endswith("td")]
            assert len(cells) == S.PERF_COLUMNS, "".join(rows[0].itertext())
            checked += 1
    assert checked >= 5


# --- DOCX ------------------------------------------------------------------------------------


def test_docx_sets_ambiguous_punctuation_in_the_cjk_font(docx_paths):
    styles = zipfile.ZipFile(docx_paths["000"]).read("word/styles.xml").decode()
    fonts = [f for f in re.findall(r"<w:rFonts [^>]*/>", styles) if "w:eastAsia=" in f]  # not the theme's
    assert len(fonts) > 10 and all('w:hint="eastAsia"' in f for f in fonts), fonts[:3]
    doc = Document(str(docx_paths["000"]))
    body = doc.styles["正文"].paragraph_format
    assert body.line_spacing.pt == BODY.line == 28


def test_docx_part_heading_breaks_after_the_part_number(docx_paths, disclosures):
    d = disclosures["000"]
    heading = next(p for p in Document(str(docx_paths["000"])).paragraphs if p.style.name == "Heading 1")
    assert heading.text == filters.part_heading(d.parts[0].heading)
    assert heading.text.startswith("第一部分\n")


@pytest.mark.parametrize("name", EXAMPLES)
def test_no_page_of_the_running_text_is_a_quarter_empty(pdf_paths, disclosures, name):
    """From 第三部分 on, the text and the 绩效目标表 flow without forced breaks: no page but the last
    ends with a quarter of its text block empty (keep-with-next chains: a heading with its
    paragraph, a 绩效目标表's title and info block, a group of indicator rows)."""
    top, bottom = S.PORTRAIT.top / S.PT_MM, (S.PORTRAIT.height - S.PORTRAIT.bottom) / S.PT_MM
    heading = re.sub(r"\s", "", disclosures[name].parts[2].heading)
    with pdfplumber.open(pdf_paths[name]) as pdf:
        texts = [re.sub(r"\s", "", page.extract_text() or "") for page in pdf.pages]
        start = max(i for i, t in enumerate(texts) if heading.split("部分", 1)[1] in t)
        fills = {}
        # 1-based page numbers; the last page and the one before it are left out: the last 名词解释
        # moves whole to the signature's page by design (test_typography's spilled-page rule)
        for number in range(start + 1, len(pdf.pages) - 1):
            page = pdf.pages[number - 1]
            chars = [c for c in page.chars if top - 2 < c["top"] and c["bottom"] < bottom + 2]
            fills[number] = (max(c["bottom"] for c in chars) - top) / (bottom - top)
    assert len(fills) > 5
    assert all(f >= 0.75 for f in fills.values()), {n: round(f, 2) for n, f in fills.items() if f < 0.75}
