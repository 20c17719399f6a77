"""A long DOCX cut into windows of consecutive top-level body elements (office.paginate's windows).

`scan` reads the draft's word/document.xml once, streaming (expat, byte offsets; the part is
extracted to a temporary file, never held whole in memory): for each top-level w:p / w:tbl of
w:body its byte range, kind, whether it carries a section break (w:p/w:pPr/w:sectPr), and the
whitespace-free texts of its paragraphs (a table's: every paragraph in it, in order); plus the
body's final w:sectPr. `write_window` makes a DOCX of elements [a, b): the draft package with
document.xml = the document's head (declaration, w:document start tag, w:body start tag) + the
bytes of those elements + the w:sectPr that governs element b-1 + the closing tags; the other
parts are copied unchanged.
"""

from __future__ import annotations

import shutil
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from xml.parsers import expat

DOCUMENT = "word/document.xml"
CHUNK = 1 << 20


@dataclass
class Element:
    kind: str  # "p" or "tbl"
    start: int  # byte offset in document.xml
    end: int = 0  # byte offset past it (up to the next top-level child: whitespace or a bookmark rides along)
    section: tuple[int, int] | None = None  # the byte range of its own w:sectPr (a section break)
    texts: list[str] = field(default_factory=list)  # whitespace-free paragraph texts, in order
    title_page: bool = False  # its own sectPr has w:titlePg


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
    def __init__(self) -> None:
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
        if self.sect_depth >= 0 and name == "w:titlePg":
            self.sect_title = attrs.get("w:val", "true") not in ("0", "false", "off")
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
            self.elements[-1].texts.append("".join("".join(self.paragraph).split()))
            self.paragraph = None
        elif name == "w:body":
            self.body_end = at
            if self.elements and self.elements[-1].end == 0:
                self.elements[-1].end = at
        self.depth -= 1

    def chars(self, data: str) -> None:
        if self.in_text and self.paragraph is not None:
            self.paragraph.append(data)


def scan(document: Path) -> Scan:
    """The top-level body elements of an extracted word/document.xml."""
    scanner = _Scanner()
    with document.open("rb") as stream:
        scanner.parser.ParseFile(stream)
    if scanner.final is None or scanner.head_end < 0 or not scanner.elements:
        raise ValueError("the document has no body elements or no final w:sectPr")
    if any(element.end <= element.start for element in scanner.elements):
        raise ValueError("a body element could not be delimited")
    return Scan((0, scanner.head_end), scanner.elements, scanner.final, scanner.final_title_page)


class Draft:
    """A draft DOCX with its document.xml extracted to a temporary folder and scanned."""

    def __init__(self, docx: Path) -> None:
        self.docx = docx
        self.folder = Path(tempfile.mkdtemp(prefix="disclosure-windows-"))
        self.document = self.folder / "document.xml"
        with zipfile.ZipFile(docx) as package, package.open(DOCUMENT) as source, self.document.open("wb") as out:
            shutil.copyfileobj(source, out, CHUNK)
        self.scan = scan(self.document)

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
        elements = self.scan.elements
        section = self.scan.governing(end - 1)
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
                    _copy(source, part, elements[start].start, elements[end - 1].end)
                    _copy(source, part, *section)
                    part.write(self.scan.tail)


def _copy(source, out, start: int, end: int) -> None:
    source.seek(start)
    left = end - start
    while left > 0:
        chunk = source.read(min(CHUNK, left))
        if not chunk:
            raise ValueError("document.xml ended early")
        out.write(chunk)
        left -= len(chunk)
