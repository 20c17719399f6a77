"""Redline DOCX: the new document with Word tracked changes (w:ins / w:del) against the old one.

Both versions are rendered through the same template (generator/render/docx.py), so
their bodies have the same structure. They are aligned block by block (paragraphs by
their wording skeleton, tables by caption and project), table rows by their label
cells, and then:

- a changed table cell shows the old value deleted and the new value inserted;
- a row that appears or disappears is a tracked row insertion or deletion;
- a changed paragraph shows the changed figures and words deleted and inserted in place
  (numbers are whole tokens, so `7111.51` → `7114.01` is one deletion and one insertion);
- a paragraph that appears or disappears is tracked with its paragraph mark.

With `paginate`, both documents are rendered as a build renders them (目录 page numbers
from LibreOffice's layout, generator/render/office.py), so the 目录 shows the new
numbers with the old ones struck, and the entries whose page moved are returned for the
修订说明 (`TocMove`). A changed table cell puts a line break between the struck and the
inserted value (itself an insertion that is deleted: gone whether the revisions are
accepted or rejected), so the two figures never run together in a narrow column.

Every revision has the author `预算公开生成工具` and the new document's signing date,
so the file is deterministic. Accepting all revisions yields the new document's text,
rejecting all yields the old one's (`accept_all` / `reject_all` prove it in the tests).

python-redlines (a .NET comparison engine shipped as a binary) was considered: it
compares any two files, but it needs a platform binary and knows nothing of our row
identities; the two documents here come from one template, so a structural comparison
in lxml is smaller and exact.
"""

from __future__ import annotations

import copy
import difflib
import io
import re
import tempfile
import zipfile
from pathlib import Path

from lxml import etree

from generator.diff import TocMove, align, monotone_pairs, skeleton
from generator.model import Disclosure
from generator.render import style
from generator.render.docx import FIXED_ZIP_DATE, render_docx, render_docx_paginated

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
AUTHOR = "预算公开生成工具"
DOCUMENT = "word/document.xml"
AMOUNT = re.compile(r"^-?\d+\.\d+%?$")
TOKEN = re.compile(r"\d+(?:\.\d+)?%?|.", re.DOTALL)


def w(tag: str) -> str:
    return f"{{{W_NS}}}{tag}"


P, R, T, TAB, BR, PPR, RPR, TBL, TR, TC, TRPR = (
    w(t) for t in ("p", "r", "t", "tab", "br", "pPr", "rPr", "tbl", "tr", "tc", "trPr")
)
INS, DEL, DELTEXT, SECTPR = w("ins"), w("del"), w("delText"), w("sectPr")


def revision_date(disclosure: Disclosure) -> str:
    """The new document's signing date as an ISO timestamp (deterministic, meaningful)."""
    m = re.match(r"(\d{4})年(\d{1,2})月(\d{1,2})日", disclosure.date)
    if not m:
        return f"{disclosure.year}-01-01T00:00:00Z"
    y, mo, d = (int(x) for x in m.groups())
    return f"{y:04d}-{mo:02d}-{d:02d}T00:00:00Z"


def write_redline(old: Disclosure, new: Disclosure, target: Path, *, paginate: bool = False) -> list[TocMove]:
    """Render both documents and write the new one with tracked changes against the old one.

    `paginate`: render both as `disclosure build` does, with 目录 page numbers (when LibreOffice is
    installed), and return the 目录 entries whose page moved; otherwise the 目录 has no numbers."""
    render = render_docx_paginated if paginate else render_docx
    with tempfile.TemporaryDirectory(prefix="redline-") as folder:
        a, b = Path(folder) / "old.docx", Path(folder) / "new.docx"
        render(old, a)
        render(new, b)
        old_bytes, new_bytes = a.read_bytes(), b.read_bytes()
        data = redline_docx(old_bytes, new_bytes, revision_date(new))
    target.write_bytes(data)
    return toc_moves(toc_pages(old_bytes), toc_pages(new_bytes))


TOC_STYLES = ("TocPart", "TocItem")


def toc_pages(docx: bytes) -> list[tuple[str, int | None]]:
    """The 目录 lines of a rendered DOCX with their page numbers (None where it has none)."""
    with zipfile.ZipFile(io.BytesIO(docx)) as z:
        root = etree.fromstring(z.read(DOCUMENT))
    out: list[tuple[str, int | None]] = []
    for p in root.iter(P):
        style = p.find(f"{PPR}/{w('pStyle')}")
        if style is None or style.get(w("val")) not in TOC_STYLES:
            continue
        title, _, number = paragraph_text(p).partition("\t")
        out.append((" ".join(title.split()), int(number) if number.strip().isdigit() else None))
    return out


def toc_moves(old: list[tuple[str, int | None]], new: list[tuple[str, int | None]]) -> list[TocMove]:
    """Entries (in the new 目录's order) whose page differs; nothing when either has no numbers."""
    if not any(n for _, n in old) or not any(n for _, n in new):
        return []
    before = dict(old)
    after = dict(new)
    moves = [TocMove(entry=t, old_page=before.get(t), new_page=n) for t, n in new if before.get(t) != n]
    moves += [TocMove(entry=t, old_page=n, new_page=None) for t, n in old if t not in after]
    return moves


def redline_docx(old: bytes, new: bytes, date: str) -> bytes:
    with zipfile.ZipFile(io.BytesIO(old)) as z:
        old_root = etree.fromstring(z.read(DOCUMENT))
    with zipfile.ZipFile(io.BytesIO(new)) as z:
        members = [(info.filename, z.read(info.filename)) for info in z.infolist()]
    new_root = etree.fromstring(dict(members)[DOCUMENT])
    Redliner(date).body(old_root.find(w("body")), new_root.find(w("body")))
    xml = etree.tostring(new_root, xml_declaration=True, encoding="UTF-8", standalone=True)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for name, content in members:
            dst.writestr(
                zipfile.ZipInfo(name, date_time=FIXED_ZIP_DATE),
                xml if name == DOCUMENT else content,
                compress_type=zipfile.ZIP_DEFLATED,
            )
    return out.getvalue()


# --- text of blocks -------------------------------------------------------------------------------------------


def paragraph_text(p: etree._Element) -> str:
    out = []
    for el in p.iter(T, TAB, BR, DELTEXT):
        if el.tag in (T, DELTEXT):
            out.append(el.text or "")
        else:
            out.append("\t" if el.tag == TAB else "\n")
    return "".join(out)


def _row_texts(tr: etree._Element) -> list[str]:
    return ["".join(paragraph_text(p) for p in tc.iter(P)) for tc in tr.findall(TC)]


def row_key(tr: etree._Element) -> tuple[str, ...]:
    """A row's label cells: every cell that is neither empty nor an amount."""
    return tuple(t for t in _row_texts(tr) if t.strip() and not AMOUNT.match(t.strip()))


def _row_identity(tr: etree._Element) -> tuple[str, ...]:
    """What makes a row the same row: its code (`2101199`) if it has one, else its first label (表1's 项目)."""
    labels = row_key(tr)
    code = "".join(t.strip() for t in labels if t.strip().isdigit())
    return (code,) if code else labels[:1]


def _table_signature(tbl: etree._Element) -> str:
    caption = tbl.xpath("./w:tblPr/w:tblCaption/@w:val", namespaces={"w": W_NS})
    sig = caption[0] if caption else ""
    rows = tbl.findall(TR)
    if sig == "项目支出绩效目标表" and len(rows) > 1:
        sig += "|" + "".join(_row_texts(rows[1])[1:2])  # the project name
    return sig


def _signature(el: etree._Element) -> str:
    if el.tag == TBL:
        return "tbl:" + _table_signature(el)
    return "p:" + skeleton(paragraph_text(el))


# --- the redliner ---------------------------------------------------------------------------------------------


class Redliner:
    def __init__(self, date: str) -> None:
        self.date = date
        self.next_id = 90000  # clear of bookmark ids

    def mark(self, tag: str) -> etree._Element:
        el = etree.Element(tag)
        el.set(w("id"), str(self.next_id))
        el.set(w("author"), AUTHOR)
        el.set(w("date"), self.date)
        self.next_id += 1
        return el

    # blocks ----------------------------------------------------------------------------------------------------
    def body(self, old_body: etree._Element, new_body: etree._Element) -> None:
        old_blocks = [el for el in old_body if el.tag in (P, TBL)]
        new_blocks = [el for el in new_body if el.tag in (P, TBL)]
        result = self.blocks(old_blocks, new_blocks)
        tail = [el for el in new_body if el.tag not in (P, TBL)]  # the final sectPr
        for el in list(new_body):
            new_body.remove(el)
        for el in [*result, *tail]:
            new_body.append(el)

    def blocks(self, old: list[etree._Element], new: list[etree._Element]) -> list[etree._Element]:
        out: list[etree._Element] = []
        matcher = difflib.SequenceMatcher(
            a=[_signature(e) for e in old], b=[_signature(e) for e in new], autojunk=False
        )
        for tag, a0, a1, b0, b1 in matcher.get_opcodes():
            if tag == "equal":
                for i, j in zip(range(a0, a1), range(b0, b1), strict=True):
                    out.append(self.pair(old[i], new[j]))
                continue
            out += self.replaced(old[a0:a1], new[b0:b1])
        return out

    def replaced(self, old: list[etree._Element], new: list[etree._Element]) -> list[etree._Element]:
        """A run of blocks that differ: paragraphs pair by `diff.align`, tables by signature, never crossing."""
        old_p = [n for n, e in enumerate(old) if e.tag == P]
        new_p = [n for n, e in enumerate(new) if e.tag == P]
        matched: dict[int, int] = {}
        texts = align([paragraph_text(old[n]) for n in old_p], [paragraph_text(new[n]) for n in new_p])
        for i, j in texts:
            if i is not None and j is not None:
                matched[old_p[i]] = new_p[j]
        free = [n for n, e in enumerate(old) if e.tag == TBL]
        for j, el in enumerate(new):
            if el.tag == TBL:
                sig = _table_signature(el)
                i = next((n for n in free if _table_signature(old[n]) == sig), None)
                if i is not None:
                    free.remove(i)
                    matched[i] = j
        out: list[etree._Element] = []
        for i, j in monotone_pairs(list(range(len(old))), list(range(len(new))), matched):
            if i is not None and j is not None:
                out.append(self.pair(old[i], new[j]))
            elif j is not None:
                el = new[j]
                out.append(self.inserted_paragraph(el) if el.tag == P else self.inserted_table(el))
            elif i is not None:
                el = old[i]
                out.append(self.deleted_paragraph(el) if el.tag == P else self.deleted_table(el))
        return out

    def pair(self, old: etree._Element, new: etree._Element) -> etree._Element:
        if old.tag == TBL and new.tag == TBL:
            return self.table(old, new)
        if old.tag == P and new.tag == P:
            return self.paragraph(old, new)
        raise ValueError("blocks of different kinds")

    # paragraphs ------------------------------------------------------------------------------------------------
    def paragraph(
        self, old: etree._Element, new: etree._Element, whole: bool = False, width: int | None = None
    ) -> etree._Element:
        """`new` with the differences from `old` tracked; `whole` replaces the text as one unit (table cells,
        `width` in twips: too narrow for both values on one line, they go on two)."""
        a, b = paragraph_text(old), paragraph_text(new)
        if a == b:
            return new
        old_chars, new_chars = _chars(old), _chars(new)
        if old_chars is None or new_chars is None:  # not plain runs: replace the paragraph as a whole
            return self._replace_whole(old, new)
        for r in new.findall(R):
            new.remove(r)
        if whole:
            ops = [("replace", 0, len(a), 0, len(b))]
        else:
            ta, tb = TOKEN.findall(a), TOKEN.findall(b)
            oa, ob = _offsets(ta), _offsets(tb)
            ops = [
                (tag, oa[i0], oa[i1], ob[j0], ob[j1])
                for tag, i0, i1, j0, j1 in difflib.SequenceMatcher(a=ta, b=tb, autojunk=False).get_opcodes()
            ]
        for tag, a0, a1, b0, b1 in ops:
            if tag == "equal":
                new.extend(_runs(new_chars[b0:b1]))
                continue
            if a1 > a0:
                wrapper = self.mark(DEL)
                wrapper.extend(_runs(old_chars[a0:a1], deleted=True))
                new.append(wrapper)
                if whole and b1 > b0 and not _fits_one_line(a + b, width):
                    new.append(self.separator(new_chars[b0][1]))
            if b1 > b0:
                wrapper = self.mark(INS)
                wrapper.extend(_runs(new_chars[b0:b1]))
                new.append(wrapper)
        return new

    def separator(self, rpr: etree._Element | None) -> etree._Element:
        """A line break between a struck and an inserted value: inserted and deleted at once, so it is
        gone whether the revisions are accepted or rejected, and shown only while they are tracked."""
        run = etree.Element(R)
        if rpr is not None:
            run.append(copy.deepcopy(rpr))
        etree.SubElement(run, BR)
        deleted = self.mark(DEL)
        deleted.append(run)
        inserted = self.mark(INS)
        inserted.append(deleted)
        return inserted

    def _replace_whole(self, old: etree._Element, new: etree._Element) -> etree._Element:
        # Only reached for paragraphs with non-run content (fields, hyperlinks), which the template does not produce.
        raise ValueError("the redline handles paragraphs of plain runs only")

    def inserted_paragraph(self, p: etree._Element) -> etree._Element:
        self._wrap_runs(p, INS)
        _mark_paragraph(p, self.mark(INS))
        return p

    def deleted_paragraph(self, old: etree._Element) -> etree._Element:
        p = copy.deepcopy(old)
        self._wrap_runs(p, DEL)
        _mark_paragraph(p, self.mark(DEL))
        return p

    def _wrap_runs(self, p: etree._Element, tag: str) -> None:
        runs = p.findall(R)
        if not runs:
            return
        wrapper = self.mark(tag)
        runs[0].addprevious(wrapper)
        for r in runs:
            if tag == DEL:
                for t in r.findall(T):
                    t.tag = DELTEXT
            wrapper.append(r)

    # tables ----------------------------------------------------------------------------------------------------
    def table(self, old: etree._Element, new: etree._Element) -> etree._Element:
        old_rows, new_rows = old.findall(TR), new.findall(TR)
        result: list[etree._Element] = []
        matcher = difflib.SequenceMatcher(
            a=[row_key(r) for r in old_rows], b=[row_key(r) for r in new_rows], autojunk=False
        )
        for tag, a0, a1, b0, b1 in matcher.get_opcodes():
            if tag == "equal":
                for i, j in zip(range(a0, a1), range(b0, b1), strict=True):
                    result += self.row(old_rows[i], new_rows[j])
                continue
            # rows that differ: the same row if its code (or, without a code, its first label) agrees
            left = list(range(a0, a1))
            matched: dict[int, int] = {}
            for j in range(b0, b1):
                ident = _row_identity(new_rows[j])
                match = next((i for i in left if ident and _row_identity(old_rows[i]) == ident), None)
                if match is not None:
                    matched[match] = j
                    left = [i for i in left if i > match]
            for i, j in monotone_pairs(list(range(a0, a1)), list(range(b0, b1)), matched):
                if i is not None and j is not None:
                    result += self.row(old_rows[i], new_rows[j])
                elif j is not None:
                    result.append(self.inserted_row(new_rows[j]))
                elif i is not None:
                    result.append(self.deleted_row(old_rows[i]))
        for tr in new_rows:
            new.remove(tr)
        new.extend(result)
        return new

    def row(self, old: etree._Element, new: etree._Element) -> list[etree._Element]:
        old_cells, new_cells = old.findall(TC), new.findall(TC)
        if len(old_cells) != len(new_cells):
            return [self.deleted_row(old), self.inserted_row(new)]
        for a, b in zip(old_cells, new_cells, strict=True):
            pa, pb = a.findall(P), b.findall(P)
            width = _cell_width(b)
            for k, p in enumerate(pb):
                if k < len(pa):
                    self.paragraph(pa[k], p, whole=True, width=width)
                else:
                    self.inserted_paragraph(p)
            for gone in pa[len(pb) :]:
                b.append(self.deleted_paragraph(gone))
        return [new]

    def inserted_row(self, tr: etree._Element) -> etree._Element:
        _tr_pr(tr).append(self.mark(INS))
        for p in tr.iter(P):
            self._wrap_runs(p, INS)
        return tr

    def deleted_row(self, old: etree._Element) -> etree._Element:
        tr = copy.deepcopy(old)
        _tr_pr(tr).append(self.mark(DEL))
        for p in tr.iter(P):
            self._wrap_runs(p, DEL)
        return tr

    def inserted_table(self, tbl: etree._Element) -> etree._Element:
        for tr in tbl.findall(TR):
            self.inserted_row(tr)
        return tbl

    def deleted_table(self, old: etree._Element) -> etree._Element:
        tbl = copy.deepcopy(old)
        for tr in tbl.findall(TR):
            tbl.replace(tr, self.deleted_row(tr))
        return tbl


# --- helpers --------------------------------------------------------------------------------------------------

Char = tuple[str, "etree._Element | None", "etree._Element | None"]  # (character, run properties, tab/br element)


def _chars(p: etree._Element) -> list[Char] | None:
    """The paragraph's characters with their run properties; None if it holds more than plain runs."""
    out: list[Char] = []
    for child in p:
        if child.tag == PPR:
            continue
        if child.tag != R:
            return None
        rpr = child.find(RPR)
        for el in child:
            if el.tag == RPR:
                continue
            if el.tag == T:
                out += [(ch, rpr, None) for ch in el.text or ""]
            elif el.tag in (TAB, BR):
                out.append(("\t" if el.tag == TAB else "\n", rpr, el))
            else:
                return None
    return out


def _cell_width(tc: etree._Element) -> int | None:
    """The cell's width in twips (`w:tcW`, as the layout wrote it), or None."""
    tcw = tc.find(f"{w('tcPr')}/{w('tcW')}")
    if tcw is None or tcw.get(w("type")) not in (None, "dxa"):
        return None
    value = tcw.get(w("w"))
    return int(value) if value and value.isdigit() else None


def _fits_one_line(text: str, width: int | None) -> bool:
    """Whether the struck and the inserted value side by side fit the cell's text width, at the larger table
    size (Times New Roman: digits ½ em, `.` ¼ em; anything else counted as 1 em)."""
    if width is None:
        return False
    grid = style.PORTRAIT_GRID
    em = grid.size * 20  # twips
    needed = sum(0.25 if ch in ".," else 0.5 if ch.isdigit() or ch in "%-" else 1.0 for ch in text) * em
    return needed <= width - 2 * grid.pad_x * 1440 / 25.4


def _offsets(tokens: list[str]) -> list[int]:
    out = [0]
    for t in tokens:
        out.append(out[-1] + len(t))
    return out


def _runs(chars: list[Char], deleted: bool = False) -> list[etree._Element]:
    """Runs for a slice of characters, one per stretch of equal run properties."""
    runs: list[etree._Element] = []
    key: bytes | None = None
    run: etree._Element | None = None
    text: etree._Element | None = None
    for ch, rpr, special in chars:
        k = etree.tostring(rpr) if rpr is not None else b""
        if run is None or k != key:
            run = etree.Element(R)
            if rpr is not None:
                run.append(copy.deepcopy(rpr))
            runs.append(run)
            key, text = k, None
        if special is not None:
            run.append(copy.deepcopy(special))
            text = None
            continue
        if text is None:
            text = etree.SubElement(run, DELTEXT if deleted else T)
            text.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
            text.text = ""
        text.text += ch
    return runs


def _mark_paragraph(p: etree._Element, mark: etree._Element) -> None:
    ppr = p.find(PPR)
    if ppr is None:
        ppr = etree.Element(PPR)
        p.insert(0, ppr)
    rpr = ppr.find(RPR)
    if rpr is None:
        rpr = etree.Element(RPR)
        sect = ppr.find(SECTPR)
        if sect is not None:
            sect.addprevious(rpr)
        else:
            ppr.append(rpr)
    rpr.insert(0, mark)


def _tr_pr(tr: etree._Element) -> etree._Element:
    trpr = tr.find(TRPR)
    if trpr is None:
        trpr = etree.Element(TRPR)
        tr.insert(0, trpr)
    return trpr


# --- accepting and rejecting (for tests and checks) -----------------------------------------------------------


def _resolve(root: etree._Element, keep: str) -> etree._Element:
    """A copy with every revision accepted (keep=INS) or rejected (keep=DEL)."""
    drop = DEL if keep == INS else INS
    root = copy.deepcopy(root)
    for tr in list(root.iter(TR)):
        trpr = tr.find(TRPR)
        if trpr is not None and trpr.find(drop) is not None:
            tr.getparent().remove(tr)
    for p in list(root.iter(P)):
        mark = p.find(f"{PPR}/{RPR}/{drop}")
        if mark is not None:
            p.getparent().remove(p)
    for el in list(root.iter(drop)):
        parent = el.getparent()
        if parent is not None:
            parent.remove(el)
    for el in list(root.iter(keep)):
        parent = el.getparent()
        if parent is None:
            continue
        if parent.tag in (RPR, TRPR):
            parent.remove(el)
            continue
        index = parent.index(el)
        for child in reversed(list(el)):
            parent.insert(index, child)
        parent.remove(el)
    for t in root.iter(DELTEXT):
        t.tag = T
    return root


def accept_all(root: etree._Element) -> etree._Element:
    return _resolve(root, INS)


def reject_all(root: etree._Element) -> etree._Element:
    return _resolve(root, DEL)


def document_texts(root: etree._Element) -> list[str]:
    """Every paragraph's text in document order (body and table cells)."""
    body = root.find(w("body")) if root.tag != w("body") else root
    return [paragraph_text(p) for p in body.iter(P)]
