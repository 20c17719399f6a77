"""PDF renderer: structure, navigation, fonts, tagging, security and determinism.

Each example is rendered once per module (WeasyPrint takes a few seconds per document).
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pypdf
import pytest
from weasyprint import HTML
from weasyprint.urls import FatalURLFetchingError

from generator.model import Disclosure
from generator.render import pdf as pdf_render
from generator.render.pdf import (
    ASSETS,
    MissingFontError,
    collect_warnings,
    make_url_fetcher,
    render_html,
    render_pdf,
)

SPACE = re.compile(r"\s+")
TRICKY = "R&D <测试> {{ 7*7 }}"


def norm(text: str) -> str:
    return SPACE.sub("", text)


@dataclass
class Rendered:
    path: Path
    warnings: list[str]
    pages: list[str]  # whitespace-free text per page (index 0 = page 1)
    reader: pypdf.PdfReader

    def first_page(self, text: str, start: int = 0) -> int:
        """1-based number of the first page at or after index `start` containing `text`."""
        needle = norm(text)
        for i in range(start, len(self.pages)):
            if needle in self.pages[i]:
                return i + 1
        raise AssertionError(f"{text!r} not found after page {start}")


def page_texts(path: Path) -> list[str]:
    out = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, text=True, check=True)
    return [norm(page) for page in out.stdout.split("\f")[:-1]]


def render(disclosure: Disclosure, path: Path) -> Rendered:
    with collect_warnings() as warnings:
        render_pdf(disclosure, path)
    return Rendered(path, list(warnings), page_texts(path), pypdf.PdfReader(path))


@pytest.fixture(scope="module")
def rendered(disclosures: dict[str, Disclosure], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Rendered]:
    folder = tmp_path_factory.mktemp("pdf")
    return {name: render(d, folder / f"{name}.pdf") for name, d in disclosures.items()}


@pytest.fixture(params=["000", "002"])
def case(request: pytest.FixtureRequest, rendered: dict[str, Rendered], disclosures: dict[str, Disclosure]):
    return disclosures[request.param], rendered[request.param]


def body_start(r: Rendered, d: Disclosure) -> int:
    """Index of the first page after the 目录: the pages from the one titled 目录 on whose entries end
    in a dot leader and a page number."""
    i = r.first_page("目录")  # the index of the page after the 目录's first
    while i < len(r.pages) and re.search(r"\.{6,}\d+", r.pages[i]):
        i += 1
    return i


def toc_numbers(r: Rendered, d: Disclosure) -> dict[str, int]:
    """anchor → page number printed in the 目录 (text, dot leader, number)."""
    toc = r.first_page("目录")
    text = "".join(r.pages[toc - 1 : body_start(r, d)])
    numbers, pos = {}, 0
    for entry, after in zip(d.toc, [*d.toc[1:], None], strict=True):
        # the number ends where the next entry starts (Shanghai's entries start with a digit: "1. 2024年…")
        end = rf"(?={re.escape(norm(after.text))})" if after is not None else r"(?!\d)"
        match = re.compile(re.escape(norm(entry.text)) + r"\.{3,}(\d+?)" + end).search(text, pos)
        assert match, f"目录 entry without page number: {entry.text}"
        numbers[entry.anchor] = int(match[1])
        pos = match.end()
    return numbers


def targets(d: Disclosure) -> dict[str, str]:
    """anchor → the text that starts that place in the body."""
    out = {e.anchor: e.text for e in d.toc}
    out.update({p.anchor: p.heading for p in d.parts})
    out.update({f"table{t.number}": t.label + t.title for t in d.tables})
    out.update({f"section{i}": s.heading for i, s in enumerate(d.sections, 1)})
    return out


# --- rendering health ---------------------------------------------------------------------


def test_no_weasyprint_warnings(case) -> None:
    _, r = case
    assert r.warnings == []


def test_page_count_and_footer(case) -> None:
    _, r = case
    total = len(r.reader.pages)
    assert 15 <= total <= 60
    assert len(r.pages) == total
    assert r.pages[0], "empty cover"
    for number, text in enumerate(r.pages[1:], 2):  # the cover has no footer
        footer = f"第{number}页共{total}页"
        assert footer in text
        assert text.replace(footer, ""), f"page {number} is empty"


# --- content and order ----------------------------------------------------------------------


def test_headings_in_order(case) -> None:
    d, r = case
    assert len(d.tables) == 10
    assert len(d.sections) == 11
    sequence = [d.parts[0].heading, d.parts[1].heading]
    for t in d.tables:
        sequence += [t.label, t.title]
    sequence += [d.parts[2].heading, *(s.heading for s in d.sections), d.parts[3].heading, d.signature, d.date]
    text = "".join(r.pages[body_start(r, d) :])
    pos = 0
    for item in sequence:
        found = text.find(norm(item), pos)
        assert found >= 0, f"missing or out of order: {item}"
        pos = found + len(norm(item))


def test_cover(case) -> None:
    d, r = case
    assert norm(d.unit_name) in r.pages[0]
    assert norm(d.title) in r.pages[0]


def test_toc_page_numbers(case) -> None:
    d, r = case
    numbers = toc_numbers(r, d)
    start = body_start(r, d)
    for anchor, text in targets(d).items():
        if anchor in numbers:
            assert r.first_page(text, start) == numbers[anchor], anchor
    assert numbers["table1"] < numbers["table10"] < numbers["section1"] < numbers["part4"]


def test_empty_table_notes(case) -> None:
    d, r = case
    start = body_start(r, d)
    for t in d.tables:
        if t.empty_note:
            page = r.first_page(t.label + t.title, start)
            assert norm(t.empty_note) in r.pages[page - 1]


def test_zero_cells_blank(case) -> None:
    d, r = case
    start = body_start(r, d)
    zero = re.compile(r"(?<![\d.])0\.00(?![\d])")
    for t in d.tables:
        page = r.first_page(t.label + t.title, start)
        assert not zero.search(r.pages[page - 1]), t.label


# --- layout ---------------------------------------------------------------------------------


def landscape(r: Rendered, number: int) -> bool:
    box = r.reader.pages[number - 1].mediabox
    return box.width > box.height


def test_wide_tables_on_landscape_pages(case) -> None:
    d, r = case
    start = body_start(r, d)
    for t in d.tables:
        page = r.first_page(t.label + t.title, start)
        assert landscape(r, page) == t.landscape, t.label
    assert {t.number for t in d.tables if t.landscape} == {2, 7}


def test_no_stranded_headings(case) -> None:
    d, r = case
    headings = [p.heading for p in d.parts]
    headings += [s.heading for s in d.sections] + [ss.heading for s in d.sections for ss in s.subsections]
    total = len(r.pages)
    for number, text in enumerate(r.pages[1:], 2):
        body = text.replace(f"第{number}页共{total}页", "")
        assert not any(body.endswith(norm(h)) for h in headings), f"heading alone at the foot of page {number}"


def test_perf_continuation_pages_name_their_project(case) -> None:
    """A 项目支出绩效目标表 that runs over a page names its project on the continuation page
    ("项目名称：…（续）" above the repeated header), and only there; no amount is repeated."""
    d, r = case
    titles = [norm(pt.title) for pt in d.performance_tables]
    start = body_start(r, d)
    assert sum(page.count(titles[0]) for page in r.pages[start:]) == len(titles)
    seen, continued = 0, 0
    for number, text in enumerate(r.pages[start:], start + 1):
        before_title = text.split(titles[0])[0]  # what the page opens with, before a new table
        current = d.performance_tables[seen - 1] if seen else None
        head = norm(f"项目名称：{current.project}（续）") if current else None
        if current and any(norm(row.level3) in before_title.replace(head, "") for row in current.rows):
            continued += 1
            assert before_title.startswith(head), f"page {number} continues {current.project!r} without naming it"
        else:
            assert "（续）" not in text, f"page {number} is marked as a continuation but starts no table's rest"
        seen += text.count(titles[0])
    assert continued >= 2, "the examples have 绩效目标表 that run over a page"


def test_cjk_fonts_embedded(case) -> None:
    _, r = case
    out = subprocess.run(["pdffonts", str(r.path)], capture_output=True, text=True, check=True).stdout
    rows = [line.split() for line in out.splitlines()[2:]]
    embedded = {row[0].split("+")[-1].replace("-", "") for row in rows if len(row) >= 5 and row[-5] == "yes"}
    assert any(name.startswith("NotoSerifCJKSC") for name in embedded), out
    assert any(name.startswith("NotoSansCJKSC") for name in embedded), out
    assert all(row[-5] == "yes" for row in rows if len(row) >= 5), out


# --- PDF structure --------------------------------------------------------------------------


def outline(reader: pypdf.PdfReader) -> list[tuple[int, str]]:
    items: list[tuple[int, str]] = []

    def walk(nodes: list, level: int) -> None:
        for node in nodes:
            if isinstance(node, list):
                walk(node, level + 1)
            else:
                items.append((level, norm(node.title)))

    walk(reader.outline, 1)
    return items


def test_bookmarks(case) -> None:
    d, r = case
    items = outline(r.reader)
    for part in d.parts:
        assert (1, norm(part.heading)) in items
    for t in d.tables:
        assert (2, norm(t.label + t.title)) in items
    for s in d.sections:
        assert (2, norm(s.heading)) in items
    titles = [title for _, title in items]
    assert titles.index(norm(d.parts[1].heading)) < titles.index(norm("表1" + d.tables[0].title))


def test_metadata_lang_and_tags(case) -> None:
    d, r = case
    assert r.reader.metadata.title == d.file_stem
    assert "/CreationDate" not in r.reader.metadata
    root = r.reader.trailer["/Root"]
    assert root["/Lang"] == "zh-CN"
    assert "/StructTreeRoot" in root
    assert root["/MarkInfo"]["/Marked"]


def test_deterministic(rendered: dict[str, Rendered], disclosures: dict[str, Disclosure], tmp_path: Path) -> None:
    again = tmp_path / "again.pdf"
    render_pdf(disclosures["002"], again)
    assert again.read_bytes() == rendered["002"].path.read_bytes()


# --- security and escaping ------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        (ASSETS / ".." / ".." / "pyproject.toml").as_uri(),
        "http://example.com/print.css",
        "https://example.com/x.png",
        "data:text/css,p{color:red}",
        "file://remote-host" + str(ASSETS / "print.css"),
    ],
)
def test_fetcher_refuses(url: str) -> None:
    with pytest.raises(FatalURLFetchingError):
        make_url_fetcher().fetch(url)


def test_fetcher_serves_assets() -> None:
    response = make_url_fetcher().fetch((ASSETS / "print.css").as_uri())
    assert b"@page" in response.read()
    assert response.content_type == "text/css"


def test_render_stops_on_outside_image() -> None:
    html = HTML(string='<html><body><img src="file:///etc/passwd"></body></html>', url_fetcher=make_url_fetcher())
    with pytest.raises(FatalURLFetchingError):
        html.write_pdf()


def tricky(d: Disclosure) -> Disclosure:
    """`d` with the first project named TRICKY in 表7 and its 绩效目标表."""
    t7 = next(t for t in d.tables if t.number == 7)
    rows = list(t7.rows)
    first = next(i for i, row in enumerate(rows) if row.style == "project")
    rows[first] = rows[first].model_copy(update={"cells": [*rows[first].cells[:4], TRICKY, *rows[first].cells[5:]]})
    tables = [t7.model_copy(update={"rows": rows}) if t is t7 else t for t in d.tables]
    perf = [d.performance_tables[0].model_copy(update={"project": TRICKY}), *d.performance_tables[1:]]
    return d.model_copy(update={"tables": tables, "performance_tables": perf})


def test_escaping_in_html(disclosures: dict[str, Disclosure]) -> None:
    html = render_html(tricky(disclosures["000"]))
    # 表7, the 项目名称 cell and the grid's data-project (the PDF's continuation head reads it)
    assert html.count("R&amp;D &lt;测试&gt; {{ 7*7 }}") == 3
    assert 'data-project="R&amp;D &lt;测试&gt; {{ 7*7 }}"' in html
    assert "<测试>" not in html


def test_escaping_in_pdf(disclosures: dict[str, Disclosure], tmp_path: Path) -> None:
    d = tricky(disclosures["002"])
    # A short document (表7 and one 绩效目标表) keeps this fast; 目录 targets may dangle here.
    tables = [t for t in d.tables if t.number == 7]
    sections = [s for s in d.sections if any(ss.performance_tables for ss in s.subsections)]
    kept = {t.anchor for t in tables} | {s.anchor for s in sections}
    parts = [
        p.model_copy(update={"blocks": [b for b in p.blocks if b.type not in ("table", "section") or b.ref in kept]})
        for p in d.parts
    ]
    first = d.performance_tables[0]
    long = first.model_copy(update={"rows": first.rows * 3})  # whole groups repeated: a continuation page
    short = d.model_copy(
        update={
            "parts": parts,
            "tables": tables,
            "sections": sections,
            "performance_tables": [long],
            "functions": [],
        }
    )
    path = tmp_path / "tricky.pdf"
    render_pdf(short, path)
    text = "\n".join(page_texts(path))
    # 表7, the 项目名称 cell, and the head of the 绩效目标表's continuation page
    assert text.count(norm(TRICKY)) == 3
    assert norm(f"项目名称：{TRICKY}（续）") in text


def test_missing_font(monkeypatch: pytest.MonkeyPatch, disclosures: dict[str, Disclosure], tmp_path: Path) -> None:
    monkeypatch.setattr(pdf_render, "cjk_families", lambda: frozenset({"DejaVu Sans"}))
    target = tmp_path / "none.pdf"
    with pytest.raises(MissingFontError, match="fonts-noto-cjk"):
        render_pdf(disclosures["000"], target)
    assert not target.exists()


def test_installed_fonts_found() -> None:
    pdf_render.check_fonts()  # the test image has fonts-noto-cjk
