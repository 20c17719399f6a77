"""A large PDF laid out in chunks and joined (generator/render/pdf_chunks.py, issue 18 §7b).

The examples are rendered twice: whole (WeasyPrint lays out the one document: the layout the chunks
must reproduce) and in chunks far smaller than in production (windows of 2 绩效目标表, chunks of at
most 4 pages), so that every kind of boundary occurs: forced page breaks, 绩效目标表 whose title
opens a page, and (example 104, Shanghai, landscape parts, no 绩效目标表) a 公开表's body row that
opens a continuation page. The chunked file must print the same text on every page, number its pages
"第 N 页 共 M 页", point every 目录 entry at the page its text starts on, and keep the whole
document's bookmarks, links and tagging.
"""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pikepdf
import pytest

from generator.model import Disclosure
from generator.pipeline import run
from generator.render import pdf_chunks
from generator.render.pdf import render_pdf
from generator.workbook.template import write_workbook
from tests.conftest import ROOT, example_data
from tests.test_render_pdf import Rendered, norm, render, targets, toc_numbers

SMALL = "2,4"
CASES = ("000", "002", "104")


@pytest.fixture(scope="module")
def documents(disclosures: dict[str, Disclosure], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Disclosure]:
    """The session's examples and example 104, whose 公开表 of 67 rows run over three landscape pages."""
    book = tmp_path_factory.mktemp("book") / "104.xlsx"
    write_workbook(book, example_data("104"))
    result = run(book)
    assert result.ok and result.disclosure is not None
    return {**disclosures, "104": result.disclosure}


@pytest.fixture(scope="module")
def whole(documents: dict[str, Disclosure], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Rendered]:
    folder = tmp_path_factory.mktemp("whole")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(pdf_chunks.CHUNK_ENV, "0")
        return {name: render(documents[name], folder / f"{name}.pdf") for name in CASES}


@pytest.fixture(scope="module")
def chunked(documents: dict[str, Disclosure], tmp_path_factory: pytest.TempPathFactory):
    """(rendered, the chunks' pieces as joined) per example."""
    folder = tmp_path_factory.mktemp("chunked")
    seen: dict[str, list] = {}
    original = pdf_chunks.joined
    out = {}
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(pdf_chunks.CHUNK_ENV, SMALL)
        for name in CASES:
            d = documents[name]

            def spy(laid, max_pages, name=name):
                seen[name] = original(laid, max_pages)
                return seen[name]

            mp.setattr(pdf_chunks, "joined", spy)
            out[name] = (render(d, folder / f"{name}.pdf"), seen[name])
    return out


@pytest.fixture(params=CASES)
def case(request: pytest.FixtureRequest, whole, chunked, documents):
    name = request.param
    return documents[name], whole[name], *chunked[name]


@pytest.mark.parametrize("name", ["000", "002"])
def test_chunks_cut_between_performance_tables(name: str, documents, chunked) -> None:
    d, (_, pieces) = documents[name], chunked[name]
    assert len(d.performance_tables) > 2  # the example is chunked at all
    assert len(pieces) >= 5
    # neighbours are joined while the chunk stays within 4 pages and 4 pages' weight
    assert all(a.pages + b.pages > 4 or a.chunk.weight + b.chunk.weight > 4 for a, b in itertools.pairwise(pieces))
    assert all(p.pages <= 4 for p in pieces)
    # at least one chunk opens with a 绩效目标表 after an unforced page break (its title tops a page)
    assert any(p.chunk.cut_key is not None for p in pieces)


def test_a_long_table_is_cut_where_a_row_opens_a_page(documents, chunked) -> None:
    """Example 104 has no 绩效目标表; its 公开表 of 67 rows (4.5 pages' weight at a row's 1/15) are longer
    than a window of 2, so it is chunked, and chunks open with the body row (row 29, the first under
    the header rows repeated on the second page) of three of them: tables that grow with the projects
    (表7 lists each one) are laid out a window at a time. The tests below compare every page with the
    whole document's."""
    d, (_, pieces) = documents["104"], chunked["104"]
    assert d.performance_tables == []
    long = [t.number for t in d.tables if len(t.rows) == 67]
    assert len(long) == 3
    rows = [p.chunk.cut_key for p in pieces if p.chunk.cut_key is not None and p.chunk.cut_key[2][0] == "r"]
    assert [key[2] for key in rows] == [("r", 28)] * 3
    assert all(p.chunk.weight <= 4 and p.pages <= 4 for p in pieces)


def test_same_pages_and_text_as_the_whole_document(case) -> None:
    _, w, c, _ = case
    assert len(c.reader.pages) == len(w.reader.pages)
    assert c.pages == w.pages  # the text of every page, footers and 目录 numbers included
    assert layout_text(c.path) == layout_text(w.path)  # the same lines at the same places


def layout_text(path: Path) -> list[str]:
    out = subprocess.run(
        ["pdftotext", "-layout", "-enc", "UTF-8", str(path), "-"], capture_output=True, text=True, check=True
    )
    return out.stdout.split("\f")


def test_footers_and_toc_numbers(case) -> None:
    d, _, c, _ = case
    total = len(c.pages)
    for number, text in enumerate(c.pages[1:], 2):
        assert f"第{number}页共{total}页" in text
    places = targets(d)
    for anchor, page in toc_numbers(c, d).items():
        assert norm(places[anchor]) in c.pages[page - 1], (anchor, page)
    assert c.warnings == []


def outline(path: Path) -> list[tuple[int, str, int]]:
    pdf = pikepdf.open(path)
    index = {page.objgen: i for i, page in enumerate(pdf.pages)}
    out: list[tuple[int, str, int]] = []

    def walk(item, depth: int) -> None:
        while item is not None:
            out.append((depth, str(item.Title), index[item.Dest[0].objgen]))
            if "/First" in item:
                walk(item.First, depth + 1)
            item = item.get("/Next")

    walk(pdf.Root.Outlines.First, 0)
    return out


def links(path: Path) -> list[tuple[int, str, int]]:
    """(page of the link, destination name, page the destination is on) of every link annotation."""
    pdf = pikepdf.open(path)
    index = {page.objgen: i for i, page in enumerate(pdf.pages)}
    names = pdf.Root.Names.Dests.Names
    dests = {str(names[i]): index[names[i + 1][0].objgen] for i in range(0, len(names), 2)}
    return [(i, str(a.Dest), dests[str(a.Dest)]) for i, page in enumerate(pdf.pages) for a in page.get("/Annots", [])]


def test_bookmarks_and_links_as_in_the_whole_document(case) -> None:
    d, w, c, _ = case
    assert outline(c.path) == outline(w.path)
    got = links(c.path)
    assert got == links(w.path)
    # every 目录 entry links to the page its number names (a link has an annotation per line box)
    target = {name: page for _, name, page in got}
    assert list(dict.fromkeys(name for _, name, _ in got)) == [e.anchor for e in d.toc]
    numbers = toc_numbers(c, d)
    assert {name: page + 1 for name, page in target.items()} == numbers


def test_one_structure_tree(case) -> None:
    """One Document element holding every chunk's elements (each with its parent), the parent tree
    covering every page, and as many elements of each kind as the whole document tags, but for one more
    Div per chunk that opens with a row group of a 绩效目标表 (the table's block, continued, is a Div of
    its own there; its Table, rows and cells are tagged per page in both)."""
    _, w, c, pieces = case

    def tree(path: Path) -> tuple[Counter, bool]:
        pdf = pikepdf.open(path)
        root = pdf.Root.StructTreeRoot
        nums = root.ParentTree.Nums
        keys = {int(nums[i]) for i in range(0, len(nums), 2)}
        kinds: Counter = Counter()

        def walk(element) -> None:
            kinds[str(element.S)] += 1
            kids = element.get("/K")
            for kid in kids if isinstance(kids, pikepdf.Array) else []:
                if isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") == "/StructElem":
                    assert kid.P.objgen == element.objgen
                    walk(kid)

        assert len(root.K) == 1
        walk(root.K[0])
        return kinds, all(int(page.StructParents) in keys for page in pdf.pages) and str(pdf.Root.Lang) == "zh-CN"

    (whole, ok_whole), (chunked, ok_chunked) = tree(w.path), tree(c.path)
    assert ok_whole and ok_chunked
    key = [p.chunk.cut_key for p in pieces]
    continued = sum(1 for k in key if k is not None and isinstance(k[2], tuple) and k[2][0] == "g")
    assert whole - chunked == Counter()
    assert chunked - whole == (Counter({"/Div": continued}) if continued else Counter())


def test_metadata_and_fonts(case) -> None:
    _, w, c, _ = case
    with pikepdf.open(w.path) as a, pikepdf.open(c.path) as b:
        assert dict(b.docinfo) == dict(a.docinfo)
        assert b.Root.Metadata.read_bytes() == a.Root.Metadata.read_bytes()
    fonts = subprocess.run(["pdffonts", str(c.path)], capture_output=True, text=True, check=True).stdout
    assert "Noto-Serif-CJK-SC" in fonts and "FandolFang" in fonts
    rows = fonts.splitlines()[2:]
    assert rows and all(" yes yes " in row for row in rows)  # embedded and subset


def test_valid_pdf(case) -> None:
    """The streamed join writes a well-formed file: it opens without qpdf's recovery (cross-reference
    stream, object streams) and qpdf's check (`qpdf --check`, here through pikepdf) finds nothing."""
    _, _, c, _ = case
    with pikepdf.open(c.path, attempt_recovery=False) as pdf:
        assert pdf.check_pdf_syntax() == []
        assert len(pdf.pages) == len(c.pages)
        assert pdf.trailer.ID[0] == pdf.trailer.ID[1] and len(bytes(pdf.trailer.ID[0])) == 16


def test_deterministic(disclosures: dict[str, Disclosure], chunked, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv(pdf_chunks.CHUNK_ENV, SMALL)
    again = tmp_path / "again.pdf"
    render_pdf(disclosures["002"], again)
    assert again.read_bytes() == chunked["002"][0].path.read_bytes()


# --- memory does not grow with the projects ------------------------------------------------------

JOIN_PEAK = """
import resource, sys
from pathlib import Path
from generator.render.pdf_chunks import join
source, copies, target = Path(sys.argv[1]), int(sys.argv[2]), Path(sys.argv[3])
join([source] * copies, target, set(), [])
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def test_join_memory_does_not_grow_with_the_chunks(chunked, tmp_path: Path) -> None:
    """The join streams: joining 24 copies of a chunked document peaks about where joining one does.
    qpdf's in-memory merge (the join before) grew about 0.6 MiB a page: 23 × 32 more pages would
    have added some 400 MiB; the bound here is 40 MiB (the per-object offsets and the interpreter)."""
    source = chunked["002"][0].path
    pages = len(pikepdf.open(source).pages)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}

    def peak(copies: int) -> int:
        target = tmp_path / f"x{copies}.pdf"
        done = subprocess.run(
            [sys.executable, "-c", JOIN_PEAK, str(source), str(copies), str(target)],
            check=True,
            capture_output=True,
            text=True,
            env=env,
            timeout=600,
        )
        with pikepdf.open(target, attempt_recovery=False) as pdf:
            assert len(pdf.pages) == copies * pages
            assert pdf.check_pdf_syntax() == []
        return int(done.stdout.split()[-1])

    one, many = peak(1), peak(24)
    assert (many - one) / 1024 < 40, (one, many)


def test_a_long_table_alone_makes_the_document_chunked(disclosures: dict[str, Disclosure]) -> None:
    """Chunking starts at more 绩效目标表 than a window (40) or at a 公开表 longer than a window: 表7 lists
    every project, 600 rows weigh 40 pages (a row 1/15), so a department with few 绩效目标表 but a
    table of 601 rows is laid out in chunks too, and that table's rows are units a chunk may open with."""
    d = disclosures["002"]
    size = (40, 40)
    assert len(d.performance_tables) <= 40 and not pdf_chunks.wanted(d, size)
    table = d.tables[6]
    copies = -(-601 // len(table.rows))  # enough copies of 表7's rows for 601 and more
    long = table.model_copy(update={"rows": table.rows * copies})
    longer = d.model_copy(update={"tables": [*d.tables[:6], long, *d.tables[7:]]})
    assert pdf_chunks.wanted(longer, size)
    assert not pdf_chunks.wanted(longer, (0, 0))  # chunking off (DISCLOSURE_PDF_CHUNK=0)
    keys = [u.key for u in pdf_chunks.units(longer)]
    block = next(k[:2] for k in keys if k[2] == ("r", 0) and len([x for x in keys if x[:2] == k[:2]]) > 600)
    rows = [k for k in keys if k[:2] == block and isinstance(k[2], tuple)]
    assert rows == [(*block, ("r", k)) for k in range(len(long.rows))]
