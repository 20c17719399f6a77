"""A large PDF laid out and written in pieces, then joined: memory bounded, time linear (issue 18 §7b).

WeasyPrint keeps every laid-out page of a document until the PDF is written (about 3.4 MB a page
here), so a 2,000-project disclosure needed about 7 GB. A document with many 绩效目标表 is instead
cut into chunks, each laid out and written as its own WeasyPrint document, and the chunk PDFs are
joined by a streaming writer (`join`: one chunk open at a time). A chunk boundary is always a page boundary the whole document has:

- a forced page break: the 目录, a part (not one that runs on), a 公开表 that starts a page;
- the start of a 绩效目标表, a paragraph or a heading of a section (the pieces that grow with the
  projects: the tables, and 七's project paragraphs) that opens a page and does not run on from
  the page before: found by laying out a window (about CHUNK_TABLES tables, a paragraph counting
  a tenth) and taking the last page whose first element is such a start, marked `data-u` in the
  HTML (pagination is sequential, so every page before it is the page of the whole document).
  Where a 绩效目标表 opens a page the whole document truncates its top margin (an unforced
  break); the chunk does the same (`.perf-cut`). Paragraphs and headings have no top margin.
- a row group of a 绩效目标表's indicator grid that opens a continuation page: the chunk starts
  with that table's grid alone (header row, the groups from there on; `.perf-gcut` without the
  top margins the continuation fragment does not have) and its running head "项目名称：…（续）"
  comes from the grid's string-set as on the continuation page. The first row group counts too
  when the grid starts on the page after the table's information (the chunk before then ends
  with the information, without the grid). Needed because clones of one project (identical
  tables a little over a page long) can run for a hundred pages without a table that opens a
  page; before the first row group counted, a 200-project run widened one window to 129 pages
  and the widest window grew with the projects.

The window widens (doubles) only while no page in it opens with a fresh unit: then one element
(a paragraph, a row group, a table's information) runs over every page break of the window, so
the widest window is bounded by the longest single element, not by the number of projects
(tests/test_pdf_fork.py: no window widens on cloned projects).

Two passes: the first lays out every chunk to learn its page count and the pages of the 目录's
targets (and the cuts); the second lays out each chunk again with its first page number, the
total (`第 N 页 共 M 页`) and the 目录's numbers written in, and writes it. Then the join keeps one
tagged structure tree, the named destinations (the 目录's links), the bookmarks of the whole
document, the metadata of the first chunk, and a deterministic file identifier; it writes the
output object by object as it reads each chunk, so its memory is one chunk's objects plus a few
integers per object written, not the whole output (qpdf's own writer held every object: about
0.6 MiB a page).

Every layout (each window of the first pass, the front matter, each chunk of the second) and the
join run in a short-lived forked child (`in_child`) that returns only what the parent needs (page
count, anchors, the cut; page marks for the bookmarks) and writes its chunk PDF into a temporary
folder. The parent keeps the model and those small results, so the memory of a build is the model
plus one chunk's layout, whatever the number of chunks: freed pages of a finished layout are not
left behind in the parent's heap (in one process, glibc's arenas kept the largest layout's
footprint for the rest of the render). A child inherits the address-space limit (RLIMIT_AS: the
batch's `--memory`, the web worker's job limit) and gets what is left of the job's CPU-seconds
limit. A child that dies without a result (killed, out of memory) raises ChildProcessDied with a
Chinese message; the build then writes nothing (the output is a temporary file until the whole
build succeeded).

Small documents (most departments) are rendered in one piece (`generator/render/pdf.py`).
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import os
import tempfile
import zlib
from array import array
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
from typing import TypeVar

from markupsafe import Markup

from generator import forked
from generator.forked import children_cpu
from generator.model import Disclosure
from generator.render.html import render_html
from generator.render.layout import DocumentLayout, document_layout

# A document with more 绩效目标表 than CHUNK_TABLES is laid out in chunks: the first pass lays out
# windows of about this many tables (a paragraph counts 0.1), the second joins neighbouring pieces
# up to CHUNK_PAGES pages (about 3.4 MB of memory a page while a chunk is laid out, in its child;
# fewer chunks embed fewer copies of the fonts). 40 pages: no more than a first-pass window, so the
# second pass adds nothing to the peak (100 pages added about 200 MiB at 1,000 projects).
CHUNK_ENV = "DISCLOSURE_PDF_CHUNK"  # tests and benchmarks: "window,pages" ("0": never chunk)
CHUNK_TABLES = 40
CHUNK_PAGES = 40

# (part, block, what): what is "head", a 绩效目标表 index, ("p", i) a section paragraph, ("h", i) a
# subsection heading, ("q", i, k) a subsection paragraph, ("r", k) a 公开表's body row; block -1 is
# the part heading
Key = tuple[int, int, object]


def chunk_size() -> tuple[int, int]:
    """(window in tables, pages per chunk); (0, 0): render in one piece."""
    values = [v.strip() for v in os.environ.get(CHUNK_ENV, "").split(",")]
    tables = int(values[0]) if values[0].isdigit() else CHUNK_TABLES
    pages = int(values[1]) if len(values) > 1 and values[1].isdigit() else CHUNK_PAGES
    return (tables, max(pages, 1)) if tables else (0, 0)


def wanted(disclosure: Disclosure, size: tuple[int, int]) -> bool:
    """Lay the document out in chunks: chunking is on, and it has more 绩效目标表 than a window holds or
    a 公开表 longer than a window (表7 lists every project: about 40 pages at 1,500 projects)."""
    window = size[0]
    if not window:
        return False
    return len(disclosure.performance_tables) > window or any(len(t.rows) * ROW > window for t in disclosure.tables)


def joined(laid: list[Laid], max_pages: int) -> list[Laid]:
    """Neighbouring pieces as one chunk while it stays within `max_pages` pages and as many pages'
    weight (a long 公开表's rows weigh more than their pages): a run of consecutive pieces is laid out
    as the whole document lays it out, so its page count is the sum."""
    out: list[Laid] = []
    for piece in laid:
        if out and out[-1].pages + piece.pages <= max_pages and out[-1].chunk.weight + piece.chunk.weight <= max_pages:
            prev = out[-1]
            anchors = dict(prev.anchors)
            for name, i in piece.anchors.items():
                anchors.setdefault(name, prev.pages + i)
            chunk = Chunk(prev.chunk.units + piece.chunk.units, prev.chunk.cut_key)
            out[-1] = Laid(chunk, prev.pages + piece.pages, anchors)
        else:
            out.append(piece)
    return out


@dataclass(frozen=True)
class Unit:
    key: Key
    starts_page: bool  # a forced page break precedes it: a chunk may start here
    table: int | None = None  # the 绩效目标表 index, for a table unit
    weight: float = 1.0  # about how many pages it takes: 1 for a table, 0.1 for a paragraph
    index: int = 0  # its place in the document (the `data-u` mark of its first element)


PARAGRAPH = 0.1
# A 公开表's body row. About 30 rows fill a page, but a page of 10–17 columns of cells takes about
# twice the layout memory of a page of 绩效目标表 (表7 at 1,000 projects: about 7 MiB a page against
# 3 MiB), so a row weighs 1/15 and a window or chunk of a long table holds about 20 pages.
ROW = 1 / 15


def units(disclosure: Disclosure) -> list[Unit]:
    """The document's pieces in order: front matter, part headings, blocks; a section's heading, each of
    its paragraphs and subsection headings and each 绩效目标表 (the pieces that grow with the projects)."""
    out = [Unit((-1, -1, "front"), True)]
    sections = {s.anchor: s for s in disclosure.sections}
    n = len(disclosure.performance_tables)
    groups = [sum(1 for r in t.rows if r.level1_span) for t in disclosure.performance_tables]

    def tables(pi: int, bi: int) -> list[Unit]:
        """Each 绩效目标表, then each of its indicator row groups (a continuation page may open with one,
        the first included: the grid may start on the page after the table's title and information)."""
        out = []
        for j in range(n):
            out.append(Unit((pi, bi, j), False, j))
            out += [Unit((pi, bi, ("g", j, k)), False, weight=0) for k in range(groups[j])]
        return out

    for pi, part in enumerate(disclosure.parts):
        out.append(Unit((pi, -1, "head"), not part.run_on, weight=0))
        for bi, block in enumerate(part.blocks):
            if block.type == "table":
                # The first table follows its part heading. Each body row is a unit: a table that
                # grows with the projects (表7 lists every project) may be cut where a row opens a page.
                rows = len(disclosure.table(block.ref).rows)
                out.append(Unit((pi, bi, "head"), bi > 0, weight=PARAGRAPH))
                out += [Unit((pi, bi, ("r", k)), False, weight=ROW) for k in range(rows)]
            elif block.type == "projects":
                out.append(Unit((pi, bi, "head"), False, weight=0))
                out += tables(pi, bi)
            elif block.type == "section":
                section = sections[block.ref]
                out.append(Unit((pi, bi, "head"), False, weight=0))
                out += [Unit((pi, bi, ("p", i)), False, weight=PARAGRAPH) for i in range(len(section.paragraphs))]
                for h, sub in enumerate(section.subsections):
                    out.append(Unit((pi, bi, ("h", h)), False, weight=0))
                    out += [Unit((pi, bi, ("q", h, i)), False, weight=PARAGRAPH) for i in range(len(sub.paragraphs))]
                    if sub.performance_tables:
                        out += tables(pi, bi)
            else:
                out.append(Unit((pi, bi, "head"), False))
    return [Unit(u.key, u.starts_page, u.table, u.weight, i) for i, u in enumerate(out)]


@dataclass
class Chunk:
    """The piece of the document the HTML templates render (`chunk` in templates/html)."""

    units: list[Unit]
    cut_key: Key | None = None  # the unit that opens this chunk after an unforced page break
    toc_pages: dict[str, int] = field(default_factory=dict)  # front chunk: 目录 anchor -> page number
    css: Markup = field(default_factory=Markup)  # chunk_css(): appended to the document's stylesheet

    def __post_init__(self) -> None:
        self._keys = {u.key: u.index for u in self.units}
        self._blocks = frozenset(u.key[:2] for u in self.units)
        self._grids = frozenset(
            (u.key[0], u.key[1], u.key[2][1]) for u in self.units if isinstance(u.key[2], tuple) and u.key[2][0] == "g"
        )
        # (part, block, kind) -> the indices the chunk holds: "t" 绩效目标表 (whole or some row groups),
        # "p" a section's paragraphs, ("q", h) subsection h's, "r" a 公开表's body rows
        self._picks: dict[tuple[int, int, object], list[int]] = {}
        for u in self.units:
            what = u.key[2]
            if u.table is not None or (isinstance(what, tuple) and what[0] == "g"):
                kind, index = "t", u.table if u.table is not None else what[1]
            elif isinstance(what, tuple) and what[0] in ("p", "r"):
                kind, index = what[0], what[1]
            elif isinstance(what, tuple) and what[0] == "q":
                kind, index = ("q", what[1]), what[2]
            else:
                continue
            picked = self._picks.setdefault((u.key[0], u.key[1], kind), [])
            if not picked or picked[-1] != index:
                picked.append(index)

    @property
    def weight(self) -> float:
        """About how many pages of 绩效目标表 its layout weighs (the units' weights)."""
        return sum(u.weight for u in self.units)

    @property
    def front(self) -> bool:
        return (-1, -1, "front") in self._keys

    def has(self, pi: int, bi: int, what: object) -> bool:
        return (pi, bi, what) in self._keys

    def block(self, pi: int, bi: int) -> bool:
        return (pi, bi) in self._blocks

    def part(self, pi: int) -> bool:
        """The chunk holds some of part `pi` (its heading or a block): a landscape part opens its wrapper."""
        return any(key[0] == pi for key in self._blocks)

    def grid(self, pi: int, bi: int, j: int) -> bool:
        """The chunk holds some of the indicator grid of 绩效目标表 j (it may end after the table's
        information, the grid opening the next chunk's first page)."""
        return (pi, bi, j) in self._grids

    def cut(self, pi: int, bi: int, j: int) -> bool:
        """The chunk opens with 绩效目标表 j after an unforced break (its top margin is truncated)."""
        return self.cut_key == (pi, bi, j)

    def gcut(self, pi: int, bi: int, j: int) -> bool:
        """The chunk opens with a row group of 绩效目标表 j, as its continuation page does."""
        key = self.cut_key
        return key is not None and key[:2] == (pi, bi) and isinstance(key[2], tuple) and key[2][:2] == ("g", j)

    def pick(self, pi: int, bi: int, kind: object, items: list[object]) -> list[tuple[int, object]]:
        """The `items` of block (pi, bi) this chunk holds, with their indices, in order (kinds as in
        `_picks`). The templates loop over these alone: touching every item of the model in every
        chunk's child would copy the pages holding them (copy-on-write), a cost growing with the projects."""
        return [(k, items[k]) for k in self._picks.get((pi, bi, kind), ())]

    def rcut(self, pi: int, bi: int) -> bool:
        """The chunk opens with a body row of 公开表 block (pi, bi), as the table's continuation page does
        (the header rows repeated, no title)."""
        key = self.cut_key
        return key is not None and key[:2] == (pi, bi) and isinstance(key[2], tuple) and key[2][0] == "r"

    def ends(self, pi: int, bi: int, rows: list[object]) -> bool:
        """The chunk holds the end of 公开表 block (pi, bi) with body `rows`: its last row, or its title when
        it has none (what follows the rows, the table's note, goes there)."""
        if not rows:
            return self.has(pi, bi, "head")
        return self.has(pi, bi, ("r", len(rows) - 1))

    def mark(self, pi: int, bi: int, what: object) -> Markup:
        """The `data-u` attribute of a unit's first element: the first pass finds the unit that opens a page."""
        return Markup(' data-u="{}"').format(self._keys[(pi, bi, what)])


def segments(all_units: list[Unit]) -> list[list[Unit]]:
    """Runs of units that start at a forced page break."""
    out: list[list[Unit]] = []
    for unit in all_units:
        if unit.starts_page or not out:
            out.append([])
        out[-1].append(unit)
    return out


def chunk_css(first_page: int | None, total: int, toc: bool) -> Markup:
    """The chunk's page numbers: the footer's total written in, the page counter started at the
    chunk's first page; a cut 绩效目标表 without the top margin; the 目录 numbers from data-page."""
    css = [
        '@page { @bottom-center { content: "第 " counter(page) " 页 共 ' + str(total) + ' 页"; } }',
        ".perf-cut, .perf-cut > .perf-title, .perf-gcut, .perf-gcut > .pi, .tbl-rcut > table { margin-top: 0; }",
    ]
    if first_page is not None:
        css.append(f"@page :first {{ counter-reset: page {first_page}; }}")
    if toc:
        css.append('.tl::after { content: leader(".") attr(data-page); }')
    return Markup("\n".join(css))  # trusted: numbers only


# --------------------------------------------------------------------------- children

T = TypeVar("T")


def in_child(work: Callable[[], T], name: str = "PDF 分段排版进程") -> T:
    """`work()` in a short-lived forked child (`generator.forked.in_child`): what it allocates dies with it."""
    return forked.in_child(work, name)


# --------------------------------------------------------------------------- laying out


@dataclass
class Laid:
    """What the first pass keeps of a chunk: its page count and the anchors on its pages."""

    chunk: Chunk
    pages: int
    anchors: dict[str, int]  # anchor -> page index in the chunk


Render = Callable[[Chunk, Markup], tuple[object, list[object]]]  # (weasyprint Document, unused)


def _top_level(page: object) -> list[object]:
    """The page's boxes directly under <body> (headings, paragraphs, tables, .perf blocks), those of a
    landscape part's wrapper (div.pg-w) in its place."""
    root = page._page_box.children[0]  # the laid-out html box of the page
    body = root.children[0] if root.children else None
    out: list[object] = []
    for box in body.children if body is not None else []:
        element = getattr(box, "element", None)
        wrapper = element is not None and "pg-w" in (element.get("class") or "").split()
        out += list(box.children) if wrapper else [box]
    return out


def _opening_unit(page: object, previous: object) -> int | None:
    """The unit (`data-u`) whose first element opens `page`, unless that element runs on from `previous`."""
    boxes, before = _top_level(page), _top_level(previous)
    if not boxes:
        return None
    element = getattr(boxes[0], "element", None)
    if before and getattr(before[-1], "element", None) is element:  # runs on from the page before
        if element is not None and element.tag == "section":  # a 公开表 continued
            return _opening_row(boxes[0], before[-1])
        return _opening_group(boxes[0], before[-1])
    mark = element.get("data-u") if element is not None else None
    return None if mark is None else int(mark)


def _row_groups(perf: object) -> list[object]:
    """The row groups (thead, tbody) of the indicator grid in a fragment of a .perf block."""
    for wrapper in getattr(perf, "children", []):
        for table in getattr(wrapper, "children", []):
            if "pi" in ((getattr(table, "element", None) is not None and table.element.get("class")) or "").split():
                return [g for g in table.children if getattr(g, "element", None) is not None]
    return []


def _opening_group(perf: object, before: object) -> int | None:
    """A continuation page of a 绩效目标表 that opens with a fresh row group: that group's unit. The
    first group qualifies when the grid starts on this page (the page before ends with the table's
    information), not after a header row left alone at the foot of the page before."""
    groups, previous = _row_groups(perf), _row_groups(before)
    body = [g for g in groups if g.element.tag == "tbody"]
    if not body:
        return None
    first = body[0].element
    mark = first.get("data-u")
    if (
        mark is None
        or (previous and previous[-1].element.tag != "tbody")
        or (previous and previous[-1].element is first)
    ):
        return None
    return int(mark)


def _body_rows(box: object) -> list[object]:
    """The body rows (tr in tbody) in a fragment of a 公开表's section, in order."""
    out: list[object] = []
    for child in getattr(box, "children", []):
        element = getattr(child, "element", None)
        if element is not None and element.tag == "tbody":
            out += [r for r in child.children if getattr(r, "element", None) is not None]
        elif element is None or element.tag in ("table", "section"):  # the table's wrapper and box
            out += _body_rows(child)
    return out


def _opening_row(section: object, before: object) -> int | None:
    """A continuation page of a 公开表 that opens with a fresh body row (under the repeated header
    rows): that row's unit; None when the row runs on from the page before or the page has none."""
    rows, previous = _body_rows(section), _body_rows(before)
    if not rows or (previous and previous[-1].element is rows[0].element):
        return None
    mark = rows[0].element.get("data-u")
    return None if mark is None else int(mark)


def _anchors(pages: list[object]) -> dict[str, int]:
    """anchor -> the first page it is on (a box split over pages has it on each of them)."""
    out: dict[str, int] = {}
    for i, page in enumerate(pages):
        for name in page.anchors:
            out.setdefault(name, i)
    return out


def plan(disclosure: Disclosure, render: Render, window_pages: int) -> tuple[Unit, list[Laid]]:
    """First pass: every chunk after the front matter, laid out once for its page count and anchors."""
    first, *rest = segments(units(disclosure))
    laid: list[Laid] = []
    for seg in rest:
        i, cut, window = 0, None, window_pages
        while i < len(seg):
            end, weight = i, 0.0
            while end < len(seg) and (weight < window or seg[end].weight == 0):
                weight += seg[end].weight
                end += 1
            chunk = Chunk(seg[i:end], cut)
            last = end == len(seg)
            count, anchors, found = in_child(lambda c=chunk, s=seg, i=i, e=last: _lay_window(render, c, s, i, e))
            if last:
                laid.append(Laid(chunk, count, anchors))
                break
            if found is None:  # nothing in the window starts a page of its own: a wider window
                window *= 2
                continue
            p, j = found
            laid.append(Laid(Chunk(seg[i:j], cut), p, {name: k for name, k in anchors.items() if k < p}))
            i, cut, window = j, seg[j].key, window_pages
    return first[0], laid


def _lay_window(
    render: Render, chunk: Chunk, seg: list[Unit], i: int, last: bool
) -> tuple[int, dict[str, int], tuple[int, int] | None]:
    """Lay out a window of the first pass: (its page count, its anchors, the cut: the last page that
    opens with a unit after the window's first, and that unit's place in `seg`; None if there is none)."""
    document, _ = render(chunk, chunk_css(None, 0, toc=False))
    pages = document.pages
    found = None
    if not last:
        first = seg[0].index  # a segment's units are consecutive: unit k of it has index first + k
        for p in range(len(pages) - 1, 0, -1):
            opening = _opening_unit(pages[p], pages[p - 1])
            if opening is not None and i < opening - first < len(seg):
                found = p, opening - first
                break
    return len(pages), _anchors(pages), found


def _toc_pages(disclosure: Disclosure, laid: list[Laid], front_pages: int) -> dict[str, int]:
    page_of: dict[str, int] = {}
    start = front_pages + 1
    for piece in laid:
        for name, i in piece.anchors.items():
            page_of.setdefault(name, start + i)
        start += piece.pages
    return {e.anchor: page_of[e.anchor] for e in disclosure.toc}


def render_chunked(
    disclosure: Disclosure,
    target: Path,
    render_document: Callable[[str], tuple[object, list[object]]],
    write: Callable[[object, Path], None],
    size: tuple[int, int],
) -> int:
    """Lay out, write and join the document in chunks (see the module docstring); the page count."""
    layout: DocumentLayout = document_layout(disclosure)
    children_cpu[0] = 0.0

    def render(chunk: Chunk, css: Markup) -> tuple[object, list[object]]:
        chunk.css = css
        return render_document(render_html(disclosure, chunk, layout))

    front_unit, laid = plan(disclosure, render, size[0])
    laid = joined(laid, size[1])
    body_pages = sum(piece.pages for piece in laid)
    with tempfile.TemporaryDirectory(prefix="disclosure-pdf-") as tmp:
        paths = [Path(tmp) / "0000.pdf"]
        # The front matter (cover, 目录) first written, last laid out: its numbers need every other page.
        front_pages, stand_ins, marks = in_child(
            lambda: _write_front(disclosure, render, write, front_unit, laid, body_pages, paths[0])
        )
        total = front_pages + body_pages
        start = front_pages + 1
        for k, piece in enumerate(laid, 1):
            paths.append(Path(tmp) / f"{k:04d}.pdf")
            marks += in_child(lambda p=piece, k=k, s=start: _write_chunk(render, write, p, k, s, total, paths[-1]))
            start += piece.pages
        in_child(lambda: join(paths, Path(target), stand_ins, marks))
    return total


def _write_front(
    disclosure: Disclosure,
    render: Render,
    write: Callable[[object, Path], None],
    front_unit: Unit,
    laid: list[Laid],
    body_pages: int,
    path: Path,
) -> tuple[int, set[str], list[SimpleNamespace]]:
    """Lay out and write the front matter; (its page count, the 目录 anchors it stands in for, its page
    marks). Its own length is settled by laying it out with the numbers it will print."""
    front_pages, document = 2, None
    for _ in range(4):
        chunk = Chunk([front_unit], toc_pages=_toc_pages(disclosure, laid, front_pages))
        document, _perfs = render(chunk, chunk_css(None, front_pages + body_pages, toc=True))
        if len(document.pages) == front_pages:
            break
        front_pages = len(document.pages)
    else:
        raise RuntimeError("the 目录 does not settle on a page count")
    # The 目录's links point at anchors of other chunks: give them a stand-in on the chunk's own last
    # page so WeasyPrint writes the links; the join replaces the stand-ins with the real destinations.
    stand_ins = {e.anchor for e in disclosure.toc} - {name for page in document.pages for name in page.anchors}
    document.pages[-1].anchors.update(dict.fromkeys(sorted(stand_ins), (0, 0, 0, 0)))
    write(document, path)
    return front_pages, stand_ins, _page_marks(document.pages, 0)


def _write_chunk(
    render: Render,
    write: Callable[[object, Path], None],
    piece: Laid,
    k: int,
    start: int,
    total: int,
    path: Path,
) -> list[SimpleNamespace]:
    """Second pass: lay out chunk `k` with its page numbers and write it; its page marks."""
    document, _perfs = render(piece.chunk, chunk_css(start, total, toc=False))
    if len(document.pages) != piece.pages:
        raise RuntimeError(f"chunk {k} laid out {len(document.pages)} pages, then {piece.pages}")
    write(document, path)
    return _page_marks(document.pages, start - 1)


def _page_marks(pages: list[object], first_index: int) -> list[SimpleNamespace]:
    """What the bookmark tree needs of each page (WeasyPrint's own tree-building reads these)."""
    return [SimpleNamespace(bookmarks=p.bookmarks, height=p.height, index=first_index + i) for i, p in enumerate(pages)]


# --------------------------------------------------------------------------- joining


def _bookmark_tree(marks: list[SimpleNamespace]) -> list:
    """WeasyPrint's bookmark tree over the pages of every chunk: (label, (page, x, y), children, state)."""
    from weasyprint.anchors import make_page_bookmark_tree
    from weasyprint.matrix import Matrix

    root: list = []
    skipped: list = []
    last_by_depth = [root]
    previous = 0
    scale = 0.75  # CSS px -> PDF pt at zoom 1, as WeasyPrint's write_pdf
    for page in marks:
        matrix = Matrix(a=scale, d=-scale, f=page.height * scale)
        previous = make_page_bookmark_tree(page, skipped, last_by_depth, previous, page.index, matrix)
    return root


def _pairs(array) -> Iterator[tuple[object, object]]:
    for i in range(0, len(array), 2):
        yield array[i], array[i + 1]


def _tree_pairs(node, leaf: str) -> Iterator[tuple[object, object]]:
    """The (key, value) pairs of a number tree (`leaf` "/Nums") or a name tree ("/Names"), in order."""
    if leaf in node:
        yield from _pairs(node[leaf])
    for kid in node.get("/Kids", []):
        yield from _tree_pairs(kid, leaf)


def _number(value) -> bytes:
    """A PDF number: integers as they are, reals without an exponent and without trailing zeros."""
    if isinstance(value, int):
        return b"%d" % value
    text = format(value, "f") if isinstance(value, Decimal) else f"{value:.6f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return (text if text not in ("", "-", "-0") else "0").encode()


def _ref(number: int) -> bytes:
    return b"%d 0 R" % number


class _Chunk:
    """One chunk PDF being copied: every object it contributes gets a new number (`number`) and is
    written out as it is reached (`drain`); objects it replaces map to the joined file's own."""

    def __init__(self, writer: _Writer, pdf, replaced: dict[tuple[int, int], int]) -> None:
        import pikepdf

        self.writer, self.pdf = writer, pdf
        self.new = dict(replaced)  # objgen -> new number
        self.pending: list = []
        self.types = pikepdf.ObjectType

    def number(self, obj) -> int:
        key = obj.objgen
        found = self.new.get(key)
        if found is None:
            found = self.new[key] = self.writer.reserve()
            self.pending.append(obj)
        return found

    def drain(self) -> None:
        """Write every object reached and not yet written (and what they reach)."""
        while self.pending:
            obj = self.pending.pop()
            self.writer.put(self.new[obj.objgen], self.body(obj), stream=obj._type_code == self.types.stream)

    def body(self, obj) -> bytes:
        """An indirect object's body: its value, or a stream's dictionary and raw (still encoded) data."""
        if obj._type_code == self.types.stream:
            data = obj.read_raw_bytes()
            head = {k: v for k, v in obj.stream_dict.items() if k != "/Length"}
            out = [b"<<"]
            for key, value in sorted(head.items()):
                out += [pikepdf_name(key), b" ", self.value(value), b"\n"]
            out.append(b"/Length %d>>\nstream\n" % len(data))
            return b"".join(out) + data + b"\nendstream"
        return self.value(obj, top=True)

    def value(self, obj, top: bool = False) -> bytes:
        """`obj` serialized, indirect references (but the object itself at `top`) renumbered."""
        if obj is None:
            return b"null"
        if isinstance(obj, bool):
            return b"true" if obj else b"false"
        if isinstance(obj, int | Decimal | float):
            return _number(obj)
        if not top and obj.is_indirect:
            return _ref(self.number(obj))
        code = obj._type_code
        if code == self.types.dictionary:
            parts = [b"<<"]
            for key, value in sorted(obj.items()):
                parts += [pikepdf_name(key), b" ", self.value(value), b"\n"]
            parts.append(b">>")
            return b"".join(parts)
        if code == self.types.array:
            return b"[" + b" ".join(self.value(item) for item in obj) + b"]"
        if code == self.types.stream:
            raise ValueError("a direct stream")  # streams are always indirect
        return obj.unparse()  # names, strings, null, operators: their own escaping


_NAMES: dict[str, bytes] = {}


def pikepdf_name(key: str) -> bytes:
    """A dictionary key ("/Type") as the file writes it (with #xx escapes)."""
    found = _NAMES.get(key)
    if found is None:
        import pikepdf

        found = _NAMES[key] = pikepdf.Name(key).unparse()
    return found


class _Writer:
    """The joined file, written object by object. Objects but streams are gathered into compressed
    object streams of OBJECTS_PER_STREAM (as qpdf's `object_stream_mode=generate` does: the structure
    elements, most of the objects, would otherwise double the file); what the cross-reference stream
    needs is kept per object number: its kind (1: at an offset, 2: in an object stream), the offset
    or the object stream, its place in that stream."""

    OBJECTS_PER_STREAM = 100

    def __init__(self, file) -> None:
        self.file = file
        self.kind = array("b")
        self.where = array("q")
        self.place = array("l")
        self.batch: list[tuple[int, bytes]] = []
        self.position = 0

    def raw(self, data: bytes) -> None:
        self.file.write(data)
        self.position += len(data)

    def reserve(self) -> int:
        self.kind.append(0)
        self.where.append(0)
        self.place.append(0)
        return len(self.kind)

    def put(self, number: int, body: bytes, stream: bool = False) -> None:
        if stream:
            self._at_offset(number, body)
            return
        self.batch.append((number, body))
        if len(self.batch) >= self.OBJECTS_PER_STREAM:
            self.flush()

    def _at_offset(self, number: int, body: bytes) -> None:
        self.kind[number - 1], self.where[number - 1] = 1, self.position
        self.raw(b"%d 0 obj\n" % number + body + b"\nendobj\n")

    def flush(self) -> None:
        """The gathered objects as one compressed object stream."""
        if not self.batch:
            return
        stream = self.reserve()
        header, offset = [], 0
        for number, body in self.batch:
            header.append(b"%d %d" % (number, offset))
            offset += len(body) + 1
        head = b" ".join(header) + b"\n"
        data = zlib.compress(head + b"".join(body + b"\n" for _, body in self.batch))
        entries = b"/Type /ObjStm /N %d /First %d /Filter /FlateDecode /Length %d" % (
            len(self.batch),
            len(head),
            len(data),
        )
        self._at_offset(stream, b"<<" + entries + b">>\nstream\n" + data + b"\nendstream")
        for i, (number, _) in enumerate(self.batch):
            self.kind[number - 1], self.where[number - 1], self.place[number - 1] = 2, stream, i
        self.batch.clear()

    def dictionary(self, number: int, entries: dict[str, bytes]) -> None:
        self.put(number, b"<<" + b"\n".join(pikepdf_name(k) + b" " + v for k, v in sorted(entries.items())) + b">>")

    def finish(self, root: int, info: int | None, file_id: bytes) -> None:
        """The cross-reference stream (with the trailer's entries) and the end of the file."""
        self.flush()
        xref = self.reserve()
        start = self.position
        self.kind[xref - 1], self.where[xref - 1] = 1, start
        size = len(self.kind) + 1
        width = max(1, (max(start, max(self.where, default=0)).bit_length() + 7) // 8)
        rows = bytearray(b"\x00" + bytes(width) + b"\xff\xff")  # object 0: free
        for kind, where, place in zip(self.kind, self.where, self.place, strict=True):
            rows += kind.to_bytes(1, "big") + where.to_bytes(width, "big") + place.to_bytes(2, "big")
        data = zlib.compress(bytes(rows))
        entries = {
            "/Type": b"/XRef",
            "/Size": b"%d" % size,
            "/W": b"[1 %d 2]" % width,
            "/Root": _ref(root),
            "/ID": b"[<%s><%s>]" % (file_id, file_id),
            "/Filter": b"/FlateDecode",
            "/Length": b"%d" % len(data),
        }
        if info is not None:
            entries["/Info"] = _ref(info)
        body = b"\n".join(pikepdf_name(k) + b" " + v for k, v in sorted(entries.items()))
        self.raw(b"%d 0 obj\n<<" % xref + body + b">>\nstream\n" + data + b"\nendstream\nendobj\n")
        self.raw(b"startxref\n%d\n%%%%EOF\n" % start)


def _file_id(paths: list[Path]) -> bytes:
    """Deterministic: the MD5 of the chunk files (the same workbook gives the same chunks)."""
    digest = hashlib.md5(usedforsecurity=False)
    for path in paths:
        with path.open("rb") as f:
            while block := f.read(1 << 20):
                digest.update(block)
    return digest.hexdigest().encode()


# Entries the join writes itself (or leaves out): everything else of the first chunk is kept.
_OWN_CATALOG = {"/Type", "/Pages", "/StructTreeRoot", "/Names", "/Outlines"}
_OWN_TREE_ROOT = {"/Type", "/K", "/ParentTree", "/ParentTreeNextKey"}
_OWN_DOCUMENT = {"/K", "/P"}


def join(paths: list[Path], target: Path, stand_ins: set[str], marks: list[SimpleNamespace]) -> None:
    """One PDF from the chunk PDFs: pages, one structure tree, named destinations, bookmarks.

    Streaming: the output is written object by object, one chunk open at a time, so memory is one
    chunk (qpdf's objects of it) plus a few integers per page, whatever the number of chunks (qpdf's
    own writer keeps every object of the output until it saves: about 0.6 MiB a page). Each object a
    chunk contributes (its pages and what they use, its structure elements, the parent tree's arrays)
    gets a new number and is written at once; the chunk's catalog, page tree, structure tree root and
    Document element, parent tree, names and outlines are not copied: pages point at the one new page
    tree, the top structure elements at the one new Document element, and /StructParent(s) move by
    the keys of the chunks before. Then the page tree, the structure tree, the named destinations,
    the outlines (from the page marks, as WeasyPrint builds them) and the catalog, the first chunk's
    other catalog entries (language, metadata, viewer preferences...) and /Info, a classic xref table
    and a deterministic /ID. Written to a temporary file next to `target`, renamed when complete.
    """
    import pikepdf

    temporary = target.with_name(f".{target.name}.{os.getpid()}.part")
    try:
        with temporary.open("wb") as file:
            _join(pikepdf, paths, file, stand_ins, marks)
        os.replace(temporary, target)
    finally:
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()


def _join(pikepdf, paths: list[Path], file, stand_ins: set[str], marks: list[SimpleNamespace]) -> None:
    writer = _Writer(file)
    pages_root, document, tree_root, catalog = (writer.reserve() for _ in range(4))
    page_numbers = array("q")
    document_kids = array("q")
    nums: list[tuple[int, int]] = []  # parent tree: key -> new number (an element or an array of them)
    dests: dict[str, bytes] = {}
    catalog_extra: dict[str, bytes] = {}
    tree_extra: dict[str, bytes] = {}
    document_extra: dict[str, bytes] = {}
    names_extra: dict[str, bytes] = {}
    info: int | None = None
    next_key = 0
    for k, path in enumerate(paths):
        with pikepdf.open(path) as src:
            if k == 0:
                version = max(src.pdf_version, "1.5")  # object and cross-reference streams
                writer.raw(b"%%PDF-%s\n%%\xe2\xe3\xcf\xd3\n" % version.encode())
            root = src.Root
            src_tree = root.StructTreeRoot
            src_document = src_tree.K[0] if isinstance(src_tree.K, pikepdf.Array) else src_tree.K
            replaced = {root.objgen: catalog, src_tree.objgen: tree_root, src_document.objgen: document}
            page_tree = [root.Pages]
            while page_tree:  # every node of the chunk's page tree is the one new root
                node = page_tree.pop()
                replaced[node.objgen] = pages_root
                page_tree += [kid for kid in node.get("/Kids", []) if kid.get("/Type") == "/Pages"]
            chunk = _Chunk(writer, src, replaced)
            offset = next_key
            for page in src.pages:
                obj = page.obj
                if offset:
                    if "/StructParents" in obj:
                        obj.StructParents = int(obj.StructParents) + offset
                    for annot in obj.get("/Annots", []):
                        if "/StructParent" in annot:
                            annot.StructParent = int(annot.StructParent) + offset
                page_numbers.append(chunk.number(obj))
            kids = src_document.K
            for kid in kids if isinstance(kids, pikepdf.Array) else [kids]:
                document_kids.append(chunk.number(kid))
            for key, value in _tree_pairs(src_tree.ParentTree, "/Nums"):
                if value.is_indirect:
                    nums.append((int(key) + offset, chunk.number(value)))
                else:  # a page's array of elements, written as an object of its own
                    number = writer.reserve()
                    writer.put(number, chunk.value(value))
                    nums.append((int(key) + offset, number))
                next_key = max(next_key, int(key) + offset + 1)
            names = root.get("/Names")
            if names is not None and "/Dests" in names:
                for key, dest in _tree_pairs(names.Dests, "/Names"):
                    name = str(key)
                    if name not in dests and not (k == 0 and name in stand_ins):
                        dests[name] = chunk.value(dest)
            if k == 0:
                catalog_extra = {key: chunk.value(v) for key, v in root.items() if key not in _OWN_CATALOG}
                tree_extra = {key: chunk.value(v) for key, v in src_tree.items() if key not in _OWN_TREE_ROOT}
                document_extra = {key: chunk.value(v) for key, v in src_document.items() if key not in _OWN_DOCUMENT}
                if names is not None:
                    names_extra = {key: chunk.value(v) for key, v in names.items() if key != "/Dests"}
                if "/Info" in src.trailer:
                    info = chunk.number(src.trailer.Info)
            chunk.drain()
        gc.collect()

    writer.dictionary(
        pages_root, {"/Type": b"/Pages", "/Count": b"%d" % len(page_numbers), "/Kids": _refs(page_numbers)}
    )
    writer.dictionary(document, {**document_extra, "/P": _ref(tree_root), "/K": _refs(document_kids)})
    nums.sort()
    parent_tree = writer.reserve()
    writer.put(parent_tree, b"<</Nums [" + b" ".join(b"%d %s" % (key, _ref(n)) for key, n in nums) + b"]>>")
    writer.dictionary(
        tree_root,
        {
            **tree_extra,
            "/Type": b"/StructTreeRoot",
            "/K": b"[" + _ref(document) + b"]",
            "/ParentTree": _ref(parent_tree),
            "/ParentTreeNextKey": b"%d" % next_key,
        },
    )
    entries = dict(catalog_extra)
    entries |= {"/Type": b"/Catalog", "/Pages": _ref(pages_root), "/StructTreeRoot": _ref(tree_root)}
    names_entries = dict(names_extra)
    if dests:
        dest_tree = writer.reserve()
        ordered = sorted(dests.items())
        listed = b" ".join(pikepdf.String(name).unparse() + b" " + dest for name, dest in ordered)
        writer.put(dest_tree, b"<</Names [" + listed + b"]>>")
        names_entries["/Dests"] = _ref(dest_tree)
    if names_entries:
        entries["/Names"] = (
            b"<<" + b" ".join(pikepdf_name(k) + b" " + v for k, v in sorted(names_entries.items())) + b">>"
        )
    tree = _bookmark_tree(marks)
    if tree:
        outline_root = writer.reserve()
        first, last, count = _write_outlines(pikepdf, writer, tree, outline_root, page_numbers)
        writer.dictionary(
            outline_root, {"/Type": b"/Outlines", "/First": _ref(first), "/Last": _ref(last), "/Count": b"%d" % count}
        )
        entries["/Outlines"] = _ref(outline_root)
    writer.dictionary(catalog, entries)
    writer.finish(catalog, info, _file_id(paths))


def _refs(numbers) -> bytes:
    return b"[" + b" ".join(_ref(n) for n in numbers) + b"]"


def _write_outlines(pikepdf, writer: _Writer, tree: list, parent: int, pages) -> tuple[int, int, int]:
    """The outline items of `tree` under `parent`, as WeasyPrint's add_outlines writes them: (first
    item, last item, the count to store in the parent)."""
    numbers = [writer.reserve() for _ in tree]
    count = len(tree)
    for i, (title, (page, x, y), children, state) in enumerate(tree):
        entries = {
            "/Title": pikepdf.String(title).unparse(),
            "/Dest": b"[%s /XYZ %s %s 0]" % (_ref(pages[page]), _number(x), _number(y)),
            "/Parent": _ref(parent),
        }
        kids_count = 0
        if children:
            first, last, kids_count = _write_outlines(pikepdf, writer, children, numbers[i], pages)
            entries["/First"], entries["/Last"] = _ref(first), _ref(last)
        entries["/Count"] = b"%d" % (kids_count * (-1 if state == "closed" else 1))
        if state != "closed":
            count += kids_count
        if i > 0:
            entries["/Prev"] = _ref(numbers[i - 1])
        if i + 1 < len(tree):
            entries["/Next"] = _ref(numbers[i + 1])
        writer.dictionary(numbers[i], entries)
    return numbers[0], numbers[-1], count
