"""One typography for DOCX and PDF: shared sizes, WPS-safe grids, formatted footer fields,
bold class rows in both, close page counts and headers that never break inside a word."""

from __future__ import annotations

import html
import itertools
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
import zipfile
from collections import Counter
from pathlib import Path

import pytest
from docx import Document
from docx.oxml.ns import qn

from generator.model import Disclosure
from generator.render import style as S
from generator.render.docx import render_docx
from generator.render.html import render_html, stylesheet
from generator.render.layout import KEEP_WHOLE_EM, document_layout, em_mm, text_em
from generator.render.pdf import render_pdf

EXAMPLES = ("000", "002")
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


@pytest.fixture(scope="module")
def docx_paths(disclosures: dict[str, Disclosure], tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("typo-docx")
    out = {}
    for name in EXAMPLES:
        out[name] = folder / f"{name}.docx"
        render_docx(disclosures[name], out[name])
    return out


# --- shared values ---------------------------------------------------------------------------


def test_docx_styles_and_css_take_the_same_sizes(docx_paths):
    doc = Document(str(docx_paths["000"]))
    body = doc.styles["正文"]
    assert body.font.size.pt == S.TEXT["body"].size == 16
    assert body.paragraph_format.line_spacing.pt == S.TEXT["body"].line == 28
    assert body.element.rPr.rFonts.get(qn("w:eastAsia")) == "仿宋_GB2312"
    assert doc.styles["Heading 2"].element.rPr.rFonts.get(qn("w:eastAsia")) == "黑体"
    assert doc.styles["表格文字"].font.size.pt == S.PORTRAIT_GRID.size
    css = str(stylesheet())
    assert "font-size: 16.0pt; line-height: 28.0pt;" in css
    assert '"仿宋_GB2312", "仿宋", "FangSong", "FandolFang", "Noto Serif CJK SC"' in css
    assert '"楷体_GB2312", "楷体", "KaiTi", "FandolKai", "Noto Serif CJK SC"' in css
    assert '"黑体", "SimHei", "Noto Sans CJK SC"' in css
    section = doc.sections[0]
    assert round(section.left_margin.mm) == S.PORTRAIT.left and round(section.top_margin.mm) == S.PORTRAIT.top
    assert f"margin: {S.PORTRAIT.top}mm {S.PORTRAIT.right}mm {S.PORTRAIT.bottom}mm {S.PORTRAIT.left}mm" in css


# --- WPS-safe tables -------------------------------------------------------------------------


@pytest.mark.parametrize("name", EXAMPLES)
def test_every_docx_table_has_a_fixed_grid(docx_paths, name):
    doc = Document(str(docx_paths[name]))
    tables = doc.element.body.findall(f".//{W}tbl")
    assert len(tables) >= 10 + 1
    for tbl in tables:
        caption = tbl.find(f"{W}tblPr/{W}tblCaption").get(f"{W}val")
        assert tbl.find(f"{W}tblPr/{W}tblLayout").get(f"{W}type") == "fixed", caption
        tbl_w = tbl.find(f"{W}tblPr/{W}tblW")
        assert tbl_w.get(f"{W}type") == "dxa", caption
        cols = [int(c.get(f"{W}w")) for c in tbl.findall(f"{W}tblGrid/{W}gridCol")]
        assert cols and all(c >= 200 for c in cols), (caption, cols)  # no column narrower than ~3.5 mm
        assert sum(cols) == int(tbl_w.get(f"{W}w")), caption
        for tr in tbl.findall(f"{W}tr"):
            spans, widths = 0, 0
            for tc in tr.findall(f"{W}tc"):
                span = tc.find(f"{W}tcPr/{W}gridSpan")
                n = int(span.get(f"{W}val")) if span is not None else 1
                tc_w = tc.find(f"{W}tcPr/{W}tcW")
                assert tc_w.get(f"{W}type") == "dxa"
                assert int(tc_w.get(f"{W}w")) == sum(cols[spans : spans + n]), caption
                spans += n
                widths += int(tc_w.get(f"{W}w"))
                # plainest merges: horizontal by gridSpan, vertical by vMerge only
                assert tc.find(f"{W}tcPr/{W}hMerge") is None
            assert spans == len(cols), caption
            assert widths == sum(cols), caption


# --- footer ----------------------------------------------------------------------------------


def test_footer_page_fields_carry_the_footer_formatting(docx_paths):
    doc = Document(str(docx_paths["000"]))
    footer = doc.sections[0].footer.paragraphs[0]._p
    runs = footer.findall(qn("w:r"))
    instr = [r for r in runs if r.find(qn("w:instrText")) is not None]
    assert [r.find(qn("w:instrText")).text.strip() for r in instr] == ["PAGE", "NUMPAGES"]
    size = str(round(S.TEXT["footer"].size * 2))
    for run in runs:  # literal text, field codes, separators and the cached digits alike
        rpr = run.find(qn("w:rPr"))
        assert rpr is not None, ET.tostring(run)
        assert rpr.find(qn("w:sz")).get(qn("w:val")) == size
        assert (rpr.find(qn("w:rFonts")).get(qn("w:eastAsia")) == S.TEXT["footer"] and False) or True
        assert rpr.find(qn("w:rFonts")).get(qn("w:eastAsia")) == S.FONTS[S.TEXT["footer"].font].name


# --- bold class rows -------------------------------------------------------------------------


@pytest.mark.parametrize("name", EXAMPLES)
def test_class_and_total_rows_bold_in_both(docx_paths, disclosures, name):
    d = disclosures[name]
    doc = Document(str(docx_paths[name]))
    page = render_html(d)
    t5 = next(t for t in d.tables if t.number == 5)
    docx_rows = doc.tables[4].rows[3:]
    html_t5 = page.split('id="table5"')[1].split("</table>")[0].split("<tbody>")[1]
    html_rows = re.findall(r"<tr( class=\"b\")?>", html_t5)
    assert len(docx_rows) == len(t5.rows) == len(html_rows)
    for row, docx_row, html_row in zip(t5.rows, docx_rows, html_rows, strict=True):
        bold = row.style in ("class", "total")
        runs = [r for c in docx_row.cells for p in c.paragraphs for r in p.runs if r.text.strip()]
        assert runs and all(bool(r.bold) is bold for r in runs), (row.style, row.cells)
        assert bool(html_row) is bold, (row.style, row.cells)


# --- rendered pages --------------------------------------------------------------------------

SOFFICE = shutil.which("soffice")


def words_per_page(pdf: Path) -> list[list[str]]:
    xml = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    pages = re.split(r"<page ", xml)[1:]
    word = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>')
    out = []
    for page in pages:
        words: list[str] = []
        last = None
        for *box, text in word.findall(page):
            x0, y0, x1, y1 = map(float, box)
            # LibreOffice places a Latin run and the CJK run after it as separate words on one
            # line; they are one text when they touch (gap under a quarter of the line height)
            if last and abs(y0 - last[0]) < 0.5 and 0 <= x0 - last[1] < (y1 - y0) / 4:
                words[-1] += html.unescape(text)
            else:
                words.append(html.unescape(text))
            last = (y0, x1)
        out.append(words)
    return out


@pytest.fixture(scope="module")
def pdfs(disclosures, docx_paths, tmp_path_factory) -> dict[tuple[str, str], Path]:
    """(example, "weasyprint" | "libreoffice") -> PDF file."""
    folder = tmp_path_factory.mktemp("typo-pdf")
    out = {}
    for name in EXAMPLES:
        out[name, "weasyprint"] = folder / f"{name}-wp.pdf"
        render_pdf(disclosures[name], out[name, "weasyprint"])
        if SOFFICE:
            lo = folder / "lo"
            subprocess.run(
                [SOFFICE, "-env:UserInstallation=file:///tmp/lo-typo-profile", "--headless", "--convert-to", "pdf",
                 "--outdir", str(lo), str(docx_paths[name])],
                capture_output=True, timeout=300, check=True,
            )  # fmt: skip
            out[name, "libreoffice"] = lo / f"{name}.pdf"
    return out


def page_count(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    return int(re.search(r"Pages:\s+(\d+)", info)[1])


@pytest.mark.slow
@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice is not installed")
@pytest.mark.parametrize("name", EXAMPLES)
def test_docx_and_pdf_page_counts_close(pdfs, name):
    docx_pages, pdf_pages = page_count(pdfs[name, "libreoffice"]), page_count(pdfs[name, "weasyprint"])
    assert abs(docx_pages - pdf_pages) <= 3, (docx_pages, pdf_pages)


@pytest.mark.slow
@pytest.mark.parametrize("engine", ["weasyprint", pytest.param("libreoffice", marks=pytest.mark.skipif(
    SOFFICE is None, reason="LibreOffice is not installed"))])  # fmt: skip
@pytest.mark.parametrize("name", EXAMPLES)
def test_headers_never_break_inside_a_word(pdfs, disclosures, name, engine):
    """Every header line the layout chose is one run of text on the table's pages: had the
    renderer wrapped it again (e.g. "一般公共预/算"), that exact word would not be there."""
    d = disclosures[name]
    pages = words_per_page(pdfs[name, engine])
    laid = document_layout(d)
    for t in d.tables:
        start = next(i for i, words in enumerate(pages) if t.title in words)  # the title line of 表N
        nearby = set(pages[start]) | set(pages[start + 1] if start + 1 < len(pages) else [])
        for row in laid.tables[t.number].head:
            for cell in row:
                for line in cell.lines:
                    if " " not in line:
                        assert line in nearby, f"{engine} {t.label}: header line {line!r} broken"
    # 绩效目标表: header lines, labels and the short values kept whole
    all_words = Counter(w for words in pages for w in words)
    expected: Counter[str] = Counter()
    for pl, pt in zip(laid.performance, d.performance_tables, strict=True):
        expected.update(line for cell in pl.head[0] for line in cell.lines)
        expected.update(line for text in pl.labels.values() for line in text.split("\n"))
        # the short values the shared grid's columns hold on one line (one grid serves all the
        # document's tables, so a rare long value, e.g. 指标值 "意见被采纳的情况", may wrap)
        fields = ("value", "scoring", "weight", "last_value")
        room = {f: pl.widths[S.PERF_FIELDS.index(f)] - 2 * S.PERF_GRID.pad_x for f in fields}
        for r in pt.rows:
            for f in fields:
                value = getattr(r, f)
                fits = em_mm(text_em(value), S.PERF_GRID.size) <= room[f]
                if value and " " not in value and text_em(value) <= KEEP_WHOLE_EM and fits:
                    expected[value] += 1
    short = {w: (n, all_words[w]) for w, n in expected.items() if all_words[w] < n}
    assert not short, f"{engine}: broken (expected count, found): {short}"


# --- DOCX 目录 -------------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice is not installed")
@pytest.mark.parametrize("name", EXAMPLES)
def test_docx_toc_numbers_match_a_libreoffice_rendering(disclosures, tmp_path, name):
    """The 目录 page numbers are plain text (no field to update, nothing to leak into a CMS) and
    equal the pages where LibreOffice puts each heading of the final DOCX."""
    from generator.render.docx import render_docx_paginated
    from generator.render.office import libreoffice_pages, toc_targets

    d = disclosures[name]
    path = tmp_path / f"{name}.docx"
    render_docx_paginated(d, path)
    body = zipfile.ZipFile(path).read("word/document.xml").decode()
    assert "instrText" not in body and "fldChar" not in body and "PAGEREF" not in body and "_Toc" not in body
    doc = Document(str(path))
    toc = [p.text for p in doc.paragraphs if p.style.name in ("目录一级", "目录二级")]
    assert len(toc) == len(d.toc)
    printed = {}
    for entry, line in zip(d.toc, toc, strict=True):
        text, _, number = line.rpartition("\t")
        assert text == entry.text and number.isdigit(), line
        printed[entry.anchor] = int(number)
    pages = libreoffice_pages(path, SOFFICE)  # the final file, as LibreOffice lays it out
    targets = toc_targets(d)
    for anchor, number in printed.items():
        assert targets[anchor] in pages[number - 1], (anchor, number)
        # …and it does not start earlier, after the 目录
        assert not any(targets[anchor] in p for p in pages[2 : number - 1] if anchor.startswith("part")), anchor
    assert list(printed.values()) == sorted(printed.values())


def body_lines(pdf: Path) -> list[list[tuple[float, str]]]:
    """Per page, the text lines of the portrait text block as (bottom in mm, text); footer left out."""
    xml = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    word = re.compile(r'<word xMin="[\d.]+" yMin="[\d.]+" xMax="[\d.]+" yMax="([\d.]+)">([^<]*)</word>')
    out = []
    for page in re.split(r"<page ", xml)[1:]:
        lines: dict[int, str] = {}
        for y, text in word.findall(page):
            bottom = float(y) * S.PT_MM
            if bottom < S.PORTRAIT.height - S.PORTRAIT.bottom + 2:  # above the footer
                key = round(bottom)
                lines[key] = lines.get(key, "") + html.unescape(text)
        out.append(sorted((float(k), v) for k, v in lines.items()))
    return out


@pytest.mark.slow
@pytest.mark.parametrize("engine", ["weasyprint", pytest.param("libreoffice", marks=pytest.mark.skipif(
    SOFFICE is None, reason="LibreOffice is not installed"))])  # fmt: skip
@pytest.mark.parametrize("name", EXAMPLES)
def test_document_ends_without_a_spilled_page(pdfs, disclosures, name, engine):
    """名词解释 and the signature end the document on a page of their own content: the page
    that ends 第三部分 is not left mostly empty before 第四部分, and the last page carries the
    whole last 名词解释 with the signature and date, not a few spilled lines."""
    d = disclosures[name]
    pages = body_lines(pdfs[name, engine])
    texts = ["".join(t for _, t in page) for page in pages]
    heading = "".join(d.parts[3].heading.split())
    k = max(i for i, t in enumerate(texts) if heading in "".join(t.split()))  # the body heading, not the 目录
    part3_end = "".join(d.sections[-1].subsections[-1].paragraphs[-1].text.split())
    if part3_end not in "".join(texts[k].split()):  # 第四部分 starts a page: the one before is full
        top, bottom = S.PORTRAIT.top, S.PORTRAIT.height - S.PORTRAIT.bottom
        fill = (pages[k - 1][-1][0] - top) / (bottom - top)
        assert fill > 0.7, f"{engine}: page {k} is {fill:.0%} full before 第四部分"
    last = "".join(texts[-1].split())
    assert "".join(d.signature.split()) in last and "".join(d.date.split()) in last
    assert "".join(d.glossary[-1].text.split()) in last, f"{engine}: the last 名词解释 is split from the signature"
    assert len(pages[-1]) >= 6, f"{engine}: the last page holds only {len(pages[-1])} lines"


@pytest.mark.slow
@pytest.mark.parametrize("name", EXAMPLES)
def test_pdf_paragraphs_never_end_on_a_lone_character(pdfs, disclosures, name):
    """The last four characters of every paragraph and heading sit on one line of the PDF
    (no "数。" or "明" alone on a last line)."""
    from generator.render.filters import KEEP_END

    d = disclosures[name]
    texts = [p.text for p in (*d.functions, *d.organization, d.staff, *d.glossary)]
    for s in d.sections:
        texts += [s.heading, *(p.text for p in s.paragraphs)]
        for ss in s.subsections:
            texts += [ss.heading, *(p.text for p in ss.paragraphs)]
    lines = [w for words in words_per_page(pdfs[name, "weasyprint"]) for w in words]
    for text in texts:
        if len(text) > 2 * KEEP_END and " " not in text[-KEEP_END:]:
            assert any(line.endswith(text[-KEEP_END:]) for line in lines), text[-20:]


@pytest.mark.slow
@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice is not installed")
@pytest.mark.parametrize("name", EXAMPLES)
def test_docx_paragraphs_never_end_on_a_line_of_one_or_two_characters(disclosures, tmp_path, name):
    """The DOCX as built (`render_docx_paginated`) and laid out by LibreOffice: no paragraph or
    heading ends in a last line of one or two characters ("数。", "入。"), and the text is the
    model's (the paragraphs are condensed, not rewritten)."""
    from generator.render.docx import render_docx_paginated

    d = disclosures[name]
    path = tmp_path / f"{name}.docx"
    render_docx_paginated(d, path)
    subprocess.run(
        [SOFFICE, "-env:UserInstallation=file:///tmp/lo-typo-profile", "--headless", "--convert-to", "pdf",
         "--outdir", str(tmp_path), str(path)],
        capture_output=True, timeout=300, check=True,
    )  # fmt: skip
    lines = ["".join(t.split()) for page in body_lines(tmp_path / f"{name}.pdf") for _, t in page]
    texts = [p.text for p in (*d.functions, *d.organization, d.staff, *d.glossary)]
    for s in d.sections:
        texts += [s.heading, *(p.text for p in s.paragraphs)]
        for ss in s.subsections:
            texts += [ss.heading, *(p.text for p in ss.paragraphs)]
    doc_texts = {p.text for p in Document(str(path)).paragraphs}
    for text in texts:
        assert text in doc_texts
        flat = "".join(text.split())
        for before, line in itertools.pairwise(lines):
            if 0 < len(line) <= 2 and flat.endswith(line) and flat[: -len(line)].endswith(before[-6:]):
                pytest.fail(f"{text[-20:]!r} ends in a line of {len(line)} character(s)")
    condensed = len(Document(str(path)).element.xpath("//w:body/w:p[w:r/w:rPr/w:spacing[@w:val < 0]]"))
    assert condensed >= 3  # the examples have such paragraphs before condensing
