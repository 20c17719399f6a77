"""A long DOCX cut into windows of consecutive top-level body elements (office.paginate's windows).

`scan` reads the draft's word/document.xml once, streaming (expat, byte offsets; the part is
extracted to a temporary file, never held whole in memory): for each top-level w:p / w:tbl of
w:body its byte range, kind, whether it carries a section break (w:p/w:pPr/w:sectPr), and the
whitespace-free texts of its paragraphs (a table's: every paragraph in it, in order); plus the
body's final w:sectPr. `write_window` makes a DOCX of elements [a, b): the draft package with
document.xml = the document's head (declaration, w:document start tag, w:body start tag) + the
bytes of those elements + the w:sectPr that governs element b-1 + the closing tags; the other
parts are copied unchanged.

A long table (at least SPLIT_ROWS rows below its header) is several elements, so that a window
can end and the next begin inside it, as LibreOffice lays out a table a row at a time: its first
part is the table's start (w:tblPr, w:tblGrid, the header rows) and its first rows, each further
part a run of rows that begins where no cell continues a vertical merge. A window that begins
with a later part writes the table's start and header rows before it (Word and LibreOffice repeat
w:tblHeader rows on each page, so a continuation page begins the same way), and one that ends
before the table's last part closes the table.
"""

from __future__ import annotations

import re
import shutil
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from xml.parsers import expat

from lxml import etree

DOCUMENT = "word/document.xml"
STYLES = "word/styles.xml"
W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
DEFAULT_STYLE = "\0default"  # the key of the default paragraph style (a paragraph without w:pStyle)
CHUNK = 1 << 20
SPLIT_ROWS = 40  # rows below the header from which a top-level table is split into parts


@dataclass
class Table:
    """A top-level table split into parts (elements with this `table`)."""

    open: tuple[int, int]  # from <w:tbl> to its first w:tr: w:tblPr, w:tblGrid
    header: tuple[int, int]  # its leading w:tblHeader rows (may be empty)
    header_rows: int
    parts: int = 0


@dataclass
class Element:
    kind: str  # "p" or "tbl"
    start: int  # byte offset in document.xml
    end: int = 0  # byte offset past it (up to the next top-level child: whitespace or a bookmark rides along)
    section: tuple[int, int] | None = None  # the byte range of its own w:sectPr (a section break)
    texts: list[str] = field(default_factory=list)  # whitespace-free paragraph texts, in order
    title_page: bool = False  # its own sectPr has w:titlePg
    style: str = ""  # a paragraph's w:pStyle
    break_before: bool | None = None  # a paragraph's own w:pageBreakBefore (None: its style's)
    table: Table | None = None  # a part of a split table
    part: int = 0  # which part
    rows: int = 0  # a part's rows below the header


@dataclass
class Scan:
    head: tuple[int, int]  # bytes of the declaration and start tags, up to the first body child
    elements: list[Element]
    final: tuple[int, int]  # the body's own w:sectPr
    final_title_page: bool
    tail: bytes = b"</w:body></w:document>"

    def governing(self, index: int) -> tuple[int, int]:
        """The w:sectPr governing element `index`: the first section break at or after it."""
        for element in self.elements[index:]:
            if element.section is not None:
                return element.section
        return self.final

    def title_page(self, index: int) -> bool:
        """Whether the section of element `index` has a distinct first page (w:titlePg)."""
        for element in self.elements[index:]:
            if element.section is not None:
                return element.title_page
        return self.final_title_page

    def section_start(self, index: int) -> bool:
        """Whether element `index` is the first of its section."""
        return index == 0 or self.elements[index - 1].section is not None


class _Scanner:
    def __init__(self, keep: Callable[[str], bool] | None = None) -> None:
        self.keep = keep  # which texts of a table's paragraphs to keep (None: all)
        self.parser = expat.ParserCreate()
        self.parser.buffer_text = True
        self.parser.StartElementHandler = self.start
        self.parser.EndElementHandler = self.end
        self.parser.CharacterDataHandler = self.chars
        self.depth = 0
        self.body_depth = -1
        self.head_end = -1
        self.elements: list[Element] = []
        self.other_start = -1  # a top-level child that is neither p, tbl nor the final sectPr
        self.final: tuple[int, int] | None = None
        self.final_title_page = False
        self.body_end = -1
        self.paragraph: list[str] | None = None
        self.in_text = False
        self.sect_start = -1
        self.sect_depth = -1
        self.sect_title = False
        self.pending_end: str | None = None  # a sectPr's end is where the next event starts
        self.rows: list[list] = []  # the current top-level table's rows: [start, header, continues a merge, texts]
        self.tables: dict[int, tuple[list[list], int]] = {}  # element index → its rows, where </w:tbl> starts

    def _close_pending(self, at: int) -> None:
        if self.pending_end is None:
            return
        span = (self.sect_start, at)
        if self.pending_end == "final":
            self.final, self.final_title_page = span, self.sect_title
        else:
            self.elements[-1].section, self.elements[-1].title_page = span, self.sect_title
        self.pending_end = None

    def start(self, name: str, attrs: dict) -> None:
        at = self.parser.CurrentByteIndex
        self._close_pending(at)
        self.depth += 1
        if name == "w:body":
            self.body_depth = self.depth
        elif self.body_depth >= 0 and self.depth == self.body_depth + 1:
            if self.head_end < 0:
                self.head_end = at
            if self.elements and self.elements[-1].end == 0:
                self.elements[-1].end = at
            if name in ("w:p", "w:tbl"):
                self.elements.append(Element(name[2:], at))
            elif name == "w:sectPr":
                self.sect_start, self.sect_depth, self.sect_title = at, self.depth, False
            elif not self.elements:
                raise ValueError(f"{name} before the first paragraph of the body")
            else:  # a body-level bookmark or the like rides along with the element before it
                self.elements[-1].end = 0
        elif name == "w:sectPr" and self.elements and self.sect_depth < 0:
            self.sect_start, self.sect_depth, self.sect_title = at, self.depth, False
        if self.body_depth >= 0 and self.elements and self.elements[-1].kind == "tbl":
            row_depth = self.body_depth + 2  # w:tr of a top-level table (a nested table's are deeper)
            if name == "w:tr" and self.depth == row_depth:
                self.rows.append([at, False, False, len(self.elements[-1].texts)])
            elif name == "w:tblHeader" and self.depth == row_depth + 2 and self.rows:
                self.rows[-1][1] = attrs.get("w:val", "true") not in ("0", "false", "off")
            elif name == "w:vMerge" and self.depth == row_depth + 3 and self.rows:
                self.rows[-1][2] |= attrs.get("w:val", "continue") == "continue"
        if self.sect_depth >= 0 and name == "w:titlePg":
            self.sect_title = attrs.get("w:val", "true") not in ("0", "false", "off")
        if self.body_depth >= 0 and self.depth == self.body_depth + 3 and self.elements[-1].kind == "p":
            # a top-level paragraph's own properties (w:p/w:pPr/*): what decides its break before
            if name == "w:pStyle":
                self.elements[-1].style = attrs.get("w:val", "")
            elif name == "w:pageBreakBefore":
                self.elements[-1].break_before = attrs.get("w:val", "true") not in ("0", "false", "off")
        if name == "w:p" and self.elements:
            self.paragraph = []
        elif name == "w:t" and self.paragraph is not None:
            self.in_text = True

    def end(self, name: str) -> None:
        at = self.parser.CurrentByteIndex
        self._close_pending(at)
        if self.sect_depth == self.depth and name == "w:sectPr":
            self.pending_end = "final" if self.depth == self.body_depth + 1 else "element"
            self.sect_depth = -1
        if name == "w:t":
            self.in_text = False
        elif name == "w:p" and self.paragraph is not None:
            text = "".join("".join(self.paragraph).split())
            if self.keep is None or self.elements[-1].kind == "p" or self.keep(text):
                self.elements[-1].texts.append(text)
            self.paragraph = None
        elif name == "w:tbl" and self.depth == self.body_depth + 1:
            self.tables[len(self.elements) - 1] = (self.rows, at)
            self.rows = []
        elif name == "w:body":
            self.body_end = at
            if self.elements and self.elements[-1].end == 0:
                self.elements[-1].end = at
        self.depth -= 1

    def chars(self, data: str) -> None:
        if self.in_text and self.paragraph is not None:
            self.paragraph.append(data)


def scan(document: Path, keep: Callable[[str], bool] | None = None) -> Scan:
    """The top-level body elements of an extracted word/document.xml; with `keep`, a table's
    paragraph texts only where keep(text) (a 2,000-project document's 300,000 cell texts took 30 MiB)."""
    scanner = _Scanner(keep)
    with document.open("rb") as stream:
        scanner.parser.ParseFile(stream)
    if scanner.final is None or scanner.head_end < 0 or not scanner.elements:
        raise ValueError("the document has no body elements or no final w:sectPr")
    if any(element.end <= element.start for element in scanner.elements):
        raise ValueError("a body element could not be delimited")
    elements = _split(scanner.elements, scanner.tables)
    return Scan((0, scanner.head_end), elements, scanner.final, scanner.final_title_page)


def _split(elements: list[Element], tables: dict[int, tuple[list[list], int]]) -> list[Element]:
    """The elements with each long table split into parts (see the module's docstring)."""
    out: list[Element] = []
    for i, element in enumerate(elements):
        rows, _ = tables.get(i, ([], 0))
        header = 0
        while header < len(rows) and rows[header][1]:
            header += 1
        if len(rows) - header < SPLIT_ROWS:
            out.append(element)
            continue
        # a part begins at a row below the first data row where no cell continues a vertical merge
        firsts = [0] + [j for j in range(header + 1, len(rows)) if not rows[j][2]]
        table = Table((element.start, rows[0][0]), (rows[0][0], rows[header][0]), header, len(firsts))
        for n, first in enumerate(firsts):
            last = firsts[n + 1] if n + 1 < len(firsts) else len(rows)  # the next part's first row
            out.append(
                Element(
                    "tbl",
                    element.start if n == 0 else rows[first][0],
                    rows[last][0] if last < len(rows) else element.end,
                    texts=element.texts[rows[first][3] if n else 0 : rows[last][3] if last < len(rows) else None],
                    table=table,
                    part=n,
                    rows=last - max(first, header),
                )
            )
    return out


class Draft:
    """A draft DOCX with its document.xml extracted to a temporary folder and scanned."""

    def __init__(self, docx: Path, keep: Callable[[str], bool] | None = None) -> None:
        self.docx = docx
        self.folder = Path(tempfile.mkdtemp(prefix="disclosure-windows-"))
        self.document = self.folder / "document.xml"
        with zipfile.ZipFile(docx) as package, package.open(DOCUMENT) as source, self.document.open("wb") as out:
            shutil.copyfileobj(source, out, CHUNK)
        self.scan = scan(self.document, keep)
        with zipfile.ZipFile(docx) as package:
            names = set(package.namelist())
            self.breaking_styles = _breaking_styles(package.read(STYLES)) if STYLES in names else set()

    def natural_top(self, index: int) -> bool:
        """Whether element `index`, where a window begins (a page starts with it in the whole
        document), stands at the top of a page the text flowed onto: a paragraph that begins no
        section and has no page break before. There LibreOffice drops its spacing before, as Word
        does, while it keeps it at the start of a document: the window drops it too."""
        element = self.scan.elements[index]
        if index == 0 or element.kind != "p" or self.scan.section_start(index):
            return False
        if element.break_before is not None:
            return not element.break_before
        return (element.style or DEFAULT_STYLE) not in self.breaking_styles

    def close(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> Draft:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def window_end(self, start: int, wanted: int) -> int:
        """`wanted` moved forward past any element carrying a section break (a window never ends
        right after one: its empty last section would add a page), bounded by the document's end."""
        elements = self.scan.elements
        end = min(max(wanted, start + 1), len(elements))
        while end < len(elements) and elements[end - 1].section is not None:
            end += 1
        return end

    def write_window(self, start: int, end: int, target: Path) -> None:
        """A DOCX of elements [start, end) at `target`."""
        pieces = [*self._pieces(start, end), self.scan.governing(end - 1)]
        if not self.scan.section_start(start) and self.scan.title_page(start):
            # begins inside a section with a distinct first page: the window's first page is one of
            # its later pages, so the window's copy of that section has no distinct first page
            pieces = self._replaced(pieces, self.scan.governing(start), _without_title_page)
        with (
            zipfile.ZipFile(self.docx) as package,
            zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out,
            self.document.open("rb") as source,
        ):
            for info in package.infolist():
                if info.filename != DOCUMENT:
                    out.writestr(info, package.read(info.filename))
                    continue
                with out.open(DOCUMENT, "w") as part:
                    _copy(source, part, *self.scan.head)
                    for piece in pieces:
                        if isinstance(piece, bytes):
                            part.write(piece)
                        else:
                            _copy(source, part, *piece)
                    part.write(self.scan.tail)

    def _replaced(
        self, pieces: list[tuple[int, int] | bytes], span: tuple[int, int], change: Callable[[bytes], bytes]
    ) -> list[tuple[int, int] | bytes]:
        """`pieces` with the draft's bytes `span` replaced by change(those bytes); where a piece is
        already rewritten bytes (the window's first paragraph), `change` applies to that piece."""
        with self.document.open("rb") as source:
            source.seek(span[0])
            new = change(source.read(span[1] - span[0]))
        out: list[tuple[int, int] | bytes] = []
        for piece in pieces:
            if isinstance(piece, tuple) and piece[0] <= span[0] and span[1] <= piece[1]:
                out += [(piece[0], span[0]), new, (span[1], piece[1])]
            elif isinstance(piece, bytes) and b"<w:sectPr" in piece:  # the first paragraph carries the section
                out.append(change(piece))
            else:
                out.append(piece)
        return out

    def _pieces(self, start: int, end: int) -> list[tuple[int, int] | bytes]:
        """What document.xml's body holds for elements [start, end): byte ranges of the draft, and the
        end tag of a table the window leaves before its last part."""
        elements = self.scan.elements
        first, last = elements[start], elements[end - 1]
        pieces: list[tuple[int, int] | bytes] = []
        if first.table is not None and first.part > 0:  # begins inside a table: its start and header rows
            pieces += [first.table.open, first.table.header]
        if self.natural_top(start):
            pieces.append(self._without_space_before(first))
            if end - start > 1:
                pieces.append((elements[start + 1].start, last.end))
        else:
            pieces.append((first.start, last.end))
        if last.table is not None and last.part < last.table.parts - 1:
            pieces.append(b"</w:tbl>")
        return pieces

    def _without_space_before(self, element: Element) -> bytes:
        """The bytes of a paragraph (and what rides along) with its spacing before set to 0."""
        with self.document.open("rb") as source:
            source.seek(self.scan.head[0])
            head = source.read(self.scan.head[1] - self.scan.head[0])
            source.seek(element.start)
            own = source.read(element.end - element.start)
        body = etree.fromstring(head + own + b"</w:body></w:document>").find(f"{{{W}}}body")
        paragraph = body[0]
        properties = paragraph.find(f"{{{W}}}pPr")
        if properties is None:
            properties = etree.Element(f"{{{W}}}pPr")
            paragraph.insert(0, properties)
        spacing = properties.find(f"{{{W}}}spacing")
        if spacing is None:
            spacing = etree.SubElement(properties, f"{{{W}}}spacing")
        for name in ("before", "beforeLines"):
            spacing.set(f"{{{W}}}{name}", "0")
        spacing.set(f"{{{W}}}beforeAutospacing", "0")
        return b"".join(etree.tostring(child, encoding="UTF-8", xml_declaration=False) for child in body)  # with tails


def _without_title_page(section: bytes) -> bytes:
    return re.sub(rb"<w:titlePg(?:\s[^>]*)?/>", b"", section)


def _breaking_styles(styles: bytes) -> set[str]:
    """The paragraph styles with a page break before (their own w:pageBreakBefore or a base style's)."""
    root = etree.fromstring(styles)
    own: dict[str, bool | None] = {}
    based: dict[str, str] = {}
    default = ""
    for style in root.iter(f"{{{W}}}style"):
        if style.get(f"{{{W}}}type") != "paragraph":
            continue
        name = style.get(f"{{{W}}}styleId", "")
        if style.get(f"{{{W}}}default") in ("1", "true", "on"):
            default = name
        flag = style.find(f"{{{W}}}pPr/{{{W}}}pageBreakBefore")
        own[name] = None if flag is None else flag.get(f"{{{W}}}val", "true") not in ("0", "false", "off")
        base = style.find(f"{{{W}}}basedOn")
        if base is not None:
            based[name] = base.get(f"{{{W}}}val", "")

    def breaks(name: str, seen: frozenset[str] = frozenset()) -> bool:
        if own.get(name) is not None:
            return bool(own[name])
        return name in based and based[name] not in seen and breaks(based[name], seen | {name})

    out = {name for name in own if breaks(name)}
    if default in out:
        out.add(DEFAULT_STYLE)
    return out


def _copy(source, out, start: int, end: int) -> None:
    source.seek(start)
    left = end - start
    while left > 0:
        chunk = source.read(min(CHUNK, left))
        if not chunk:
            raise ValueError("document.xml ended early")
        out.write(chunk)
        left -= len(chunk)
