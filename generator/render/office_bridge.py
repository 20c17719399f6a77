"""A warm LibreOffice that tells on which page each 目录 target of a DOCX starts.

Run by `generator/render/office.py` with a Python that can `import uno` (Debian's
/usr/bin/python3 with python3-uno; LibreOffice's own bundled python elsewhere), never
imported by the generator: this file uses the standard library and `uno` only.

It starts `soffice.bin` headless on a private profile, connects over a named pipe and then
answers one JSON request per line on stdin with one JSON line on stdout:

    {"id": ID, "docx": PATH, "after": TEXT, "targets": [[ANCHOR, [TEXT, ...]], ...],
     "paragraphs": [TEXT, ...], "cell_min": N, "cell_rows": N, "keep": BOOL}
    -> {"id": ID, "pages": {ANCHOR: PAGE, ...}, "lines": {TEXT: [LINE, ...], ...}}
    {"id": ID, "condense": {TEXT: [[START, END, KERNING], ...], ...}, "after": TEXT, "targets": [...],
     "keep": BOOL}
    -> {"id": ID, "pages": {ANCHOR: PAGE, ...}, "lines": {TEXT: [LINE, ...], ...}}
    {"id": ID, "close": true[, "after": TEXT, "targets": [...]]} -> {"id": ID[, "pages": {...}]}
    any of these with "elements": true -> also "elements": "P1,1;T1,2;...#PAGES" (each top-level
    text element's kind (P, E: an empty paragraph, T), start and end page, in order, and the page count: `Elements`); without
    "after" (a window of a long document, office.paginate) "pages" is empty
    any failure -> {"id": ID, "error": MESSAGE}

TEXT is whitespace-free; it is matched allowing any whitespace between its characters. A
target given as several TEXTs (a table's label and title, two paragraphs) is found by its
first, which must then be a whole paragraph ("表1" is not the start of "表10").
`after` is the last 目录 entry: the search for the targets starts behind its first
occurrence (the 目录 itself), then goes forward target by target, as a reader would.
`paragraphs` (optional) are paragraphs by their whitespace-free text (body paragraphs, and
table-cell paragraphs of at least `cell_min` characters in a table's first `cell_rows` rows): the reply gives the
text of each one's lines as laid out (whitespace-free; the DOCX renderer condenses a paragraph
whose last line would hold only one or two characters, or whose line break falls inside an
amount with its unit or a 文号). With `keep` the document stays open, and a following
`condense` sets the character spacing of ranges of those paragraphs (START, END: offsets in
TEXT; KERNING: 1/100 mm, what LibreOffice makes of the DOCX's w:spacing) in it and answers the new layout's numbers, or with `keep` (the document
stays open for another round) the lines of the paragraphs it changed: the adjusted DOCX is not
loaded a second time. `close` closes a kept document, answering its numbers when `after` and
`targets` are given; any other request closes it too.
Loading and laying out a document in the running office costs about a third of a cold
`soffice --convert-to pdf` (no start-up, no PDF export).
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import uno
from com.sun.star.beans import PropertyValue

# Walking ~250 paragraphs over the UNO pipe costs about a millisecond a call (0.5 s a document);
# the same loop in LibreOffice Basic, installed into the running office, runs inside it.
BASIC_LIBRARY, BASIC_MODULE = "DisclosureBridge", "Layout"
BASIC = """
Function ParLines(oCur As Object, oPar As Object, s As String, bCell As Boolean) As String
  ' The text of each line of a laid-out paragraph, separated by Chr(3): the view cursor selects
  ' from each line's start to its end, a text cursor from the paragraph's start to there counts
  ' the characters in a table cell, where a view cursor's own selection reads empty (in the body
  ' the selection's own text is counted, which is faster); then from the
  ' line's start (the end of a line is also the start of the next) down one line.
  Dim oText As Object, oTc As Object, r As String, n As Long, prev As Long
  oText = oPar.getText()
  r = ""
  prev = 0
  oCur.gotoRange(oPar.getStart(), False)
  Do
    oCur.gotoEndOfLine(True)
    If bCell Then
      oTc = oText.createTextCursorByRange(oPar.getStart())
      oTc.gotoRange(oCur.getEnd(), True)
      n = Len(oTc.getString())
    Else
      n = prev + Len(oCur.getString())
    End If
    If n <= prev Then Exit Do
    r = r & Mid(s, prev + 1, n - prev) & Chr(3)
    prev = n
    If n >= Len(s) Then Exit Do
    oCur.collapseToStart()
    If Not oCur.goDown(1, False) Then Exit Do
    oCur.gotoStartOfLine(False)
  Loop
  ParLines = r
End Function

Function CellPar(oTables As Object, nTable As Long, sCell As String, nPar As Long) As Object
  ' The nPar-th paragraph (from 0) of a table cell.
  Dim oEnum As Object, k As Long
  oEnum = oTables.getByIndex(nTable).getCellByName(sCell).getText().createEnumeration()
  For k = 0 To nPar
    CellPar = oEnum.nextElement()
  Next k
End Function

Function CellRow(sName As String) As Long
  ' The row of a cell name ("B4" -> 4, "AB12" -> 12; a split cell's "B4.1.1" -> 4).
  Dim i As Long
  i = 1
  Do While i <= Len(sName) And Not IsNumeric(Mid(sName, i, 1))
    i = i + 1
  Loop
  CellRow = Val(Mid(sName, i))
End Function

Function Lines(oDoc As Object, nCell As Long, nRows As Long, aBody As Variant, aTable As Variant, aCell As Variant, aPar As Variant) As String
  ' Paragraphs with their lines (ParLines), each as its place, Chr(5), its text, Chr(1), its
  ' lines, Chr(2). The place is "B" and the paragraph's index in the body, or "T" table index,
  ' Chr(6), cell name, Chr(6), index in the cell. nCell >= 0: every body paragraph, and (nCell > 0)
  ' every paragraph of at least nCell characters in a cell of the first nRows rows of a table
  ' (a 绩效目标表's info block: the walk stays short in a document of thousands of tables);
  ' nCell < 0: the body paragraphs
  ' of the ascending indices aBody and the cell paragraphs aTable(j), aCell(j), aPar(j) only.
  Dim oEnum As Object, oPar As Object, oCur As Object, s As String, r As String, n As Long, p As Long
  Dim oTables As Object, oTable As Object, oCell As Object, aNames As Variant, i As Long, j As Long, k As Long
  oCur = oDoc.getCurrentController().getViewCursor()
  oTables = oDoc.getTextTables()
  oEnum = oDoc.getText().createEnumeration()
  r = ""
  n = 0
  p = LBound(aBody)
  Do While oEnum.hasMoreElements()
    oPar = oEnum.nextElement()
    If oPar.supportsService("com.sun.star.text.Paragraph") Then
      If nCell >= 0 Then
        s = oPar.getString()
        r = r & "B" & n & Chr(5) & s & Chr(1) & ParLines(oCur, oPar, s, False) & Chr(2)
      ElseIf p <= UBound(aBody) Then
        If aBody(p) = n Then
          s = oPar.getString()
          r = r & "B" & n & Chr(5) & s & Chr(1) & ParLines(oCur, oPar, s, False) & Chr(2)
          p = p + 1
        End If
      Else
        Exit Do
      End If
      n = n + 1
    End If
  Loop
  If nCell > 0 Then
    For i = 0 To oTables.getCount() - 1
      oTable = oTables.getByIndex(i)
      aNames = oTable.getCellNames()
      For j = LBound(aNames) To UBound(aNames)
        If CellRow(aNames(j)) <= nRows Then
          oCell = oTable.getCellByName(aNames(j))
          If Len(oCell.getString()) >= nCell Then
            oEnum = oCell.getText().createEnumeration()
            k = 0
            Do While oEnum.hasMoreElements()
              oPar = oEnum.nextElement()
              If oPar.supportsService("com.sun.star.text.Paragraph") Then
                s = oPar.getString()
                If Len(s) >= nCell Then
                  r = r & "T" & i & Chr(6) & aNames(j) & Chr(6) & k & Chr(5) & s & Chr(1) & ParLines(oCur, oPar, s, True) & Chr(2)
                End If
              End If
              k = k + 1
            Loop
          End If
        End If
      Next j
    Next i
  ElseIf nCell < 0 Then
    For j = LBound(aTable) To UBound(aTable)
      oPar = CellPar(oTables, aTable(j), aCell(j), aPar(j))
      s = oPar.getString()
      r = r & "T" & aTable(j) & Chr(6) & aCell(j) & Chr(6) & aPar(j) & Chr(5) & s & Chr(1) & ParLines(oCur, oPar, s, True) & Chr(2)
    Next j
  End If
  Lines = r
End Function

Function Elements(oDoc As Object) As String
  ' Each top-level text element in order as its kind ("P" paragraph, "E" empty one, "T" table), its start page,
  ' ",", its end page, ";" (a table: its first cell's start, the latest end of its last row's
  ' cells; a table over several pages adds ":" and each row's earliest cell start and latest
  ' cell end, "," between them, "/" between rows); then "#" and the page count.
  Dim oEnum As Object, oEl As Object, oCur As Object, r As String, aNames As Variant
  Dim j As Long, p As Long, e As Long, nLast As Long, q As Long, k As Long, s As String
  Dim aStart() As Long, aEnd() As Long
  oCur = oDoc.getCurrentController().getViewCursor()
  oEnum = oDoc.getText().createEnumeration()
  r = ""
  Do While oEnum.hasMoreElements()
    oEl = oEnum.nextElement()
    If oEl.supportsService("com.sun.star.text.TextTable") Then
      aNames = oEl.getCellNames()
      oCur.gotoRange(oEl.getCellByName(aNames(LBound(aNames))).getStart(), False)
      p = oCur.getPage()
      nLast = 0
      For j = LBound(aNames) To UBound(aNames)
        If CellRow(aNames(j)) > nLast Then nLast = CellRow(aNames(j))
      Next j
      e = 0
      For j = LBound(aNames) To UBound(aNames)
        If CellRow(aNames(j)) = nLast Then
          oCur.gotoRange(oEl.getCellByName(aNames(j)).getEnd(), False)
          q = oCur.getPage()
          If q > e Then e = q
        End If
      Next j
      s = ""
      If e > p Then
        ReDim aStart(1 To nLast)
        ReDim aEnd(1 To nLast)
        For j = LBound(aNames) To UBound(aNames)
          k = CellRow(aNames(j))
          oCur.gotoRange(oEl.getCellByName(aNames(j)).getStart(), False)
          q = oCur.getPage()
          If aStart(k) = 0 Or q < aStart(k) Then aStart(k) = q
          oCur.gotoRange(oEl.getCellByName(aNames(j)).getEnd(), False)
          q = oCur.getPage()
          If q > aEnd(k) Then aEnd(k) = q
        Next j
        s = ":"
        For k = 1 To nLast
          If k > 1 Then s = s & "/"
          s = s & aStart(k) & "," & aEnd(k)
        Next k
      End If
      r = r & "T" & p & "," & e & s & ";"
    ElseIf oEl.supportsService("com.sun.star.text.Paragraph") Then
      oCur.gotoRange(oEl.getStart(), False)
      p = oCur.getPage()
      oCur.gotoRange(oEl.getEnd(), False)
      If Len(oEl.getString()) = 0 Then
        r = r & "E" & p & "," & oCur.getPage() & ";"
      Else
        r = r & "P" & p & "," & oCur.getPage() & ";"
      End If
    Else
      r = r & "X0,0;"
    End If
  Loop
  Elements = r & "#" & oDoc.getCurrentController().PageCount
End Function

Sub SpaceRange(oPar As Object, nStart As Long, nLen As Long, nValue As Long)
  Dim oCur As Object
  If nStart < 0 Then
    oPar.CharKerning = 0
  ElseIf nLen > 0 Then
    oCur = oPar.getText().createTextCursorByRange(oPar.getStart())
    oCur.goRight(nStart, False)
    oCur.goRight(nLen, True)
    oCur.CharKerning = nValue
  End If
End Sub

Sub Space(oDoc As Object, aBody As Variant, aTable As Variant, aCell As Variant, aPar As Variant, aStarts As Variant, aLens As Variant, aValues As Variant)
  ' Character spacing aValues(i) on the characters aStarts(i) .. aStarts(i) + aLens(i) - 1 of a
  ' paragraph: the body paragraph of index aBody(i) (ascending) when it is >= 0, else the cell
  ' paragraph aTable(i), aCell(i), aPar(i); aStarts(i) < 0 sets the paragraph's spacing back to 0.
  Dim oEnum As Object, oPar As Object, oTables As Object, i As Long, n As Long
  oTables = oDoc.getTextTables()
  oEnum = oDoc.getText().createEnumeration()
  n = -1
  For i = LBound(aBody) To UBound(aBody)
    If aBody(i) >= 0 Then
      Do While n < aBody(i)
        oPar = oEnum.nextElement()
        If oPar.supportsService("com.sun.star.text.Paragraph") Then n = n + 1
      Loop
      SpaceRange(oPar, aStarts(i), aLens(i), aValues(i))
    Else
      SpaceRange(CellPar(oTables, aTable(i), aCell(i), aPar(i)), aStarts(i), aLens(i), aValues(i))
    End If
  Next i
End Sub
"""
OFFICE_RESTART = 81  # soffice.bin made a new profile and asks to be started again
CONNECT_SECONDS = 60


def _die_with_parent() -> None:
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG


def _long(value: int) -> uno.Any:
    """A Basic Long argument (a Python int reaches Basic as a 64-bit hyper, which `As Long` misreads)."""
    return uno.Any("long", value)


def _prop(name: str, value: object) -> PropertyValue:
    prop = PropertyValue()
    prop.Name = name
    prop.Value = value
    return prop


class Office:
    def __init__(self, binary: str) -> None:
        self.binary = binary
        self.profile = tempfile.mkdtemp(prefix="disclosure-office-")
        self.pipe = f"disclosure-{os.getpid()}-{time.monotonic_ns()}"
        self.process: subprocess.Popen | None = None
        self.desktop = None
        self.kept = None  # (document, view cursor, text → places, wanted) between `pages` and `condense`
        self.scripts: dict = {}

    def start(self) -> None:
        command = [
            self.binary,
            f"-env:UserInstallation=file://{self.profile}",
            "--headless",
            "--invisible",
            "--nologo",
            "--norestore",
            "--nodefault",
            "--nolockcheck",
            f"--accept=pipe,name={self.pipe};urp;StarOffice.ComponentContext",
        ]
        local = uno.getComponentContext()
        resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
        url = f"uno:pipe,name={self.pipe};urp;StarOffice.ComponentContext"
        for _ in range(3):
            self.process = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                preexec_fn=_die_with_parent,  # noqa: PLW1509 - prctl only
            )
            deadline = time.monotonic() + CONNECT_SECONDS
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    break
                try:
                    context = resolver.resolve(url)
                except Exception:
                    time.sleep(0.05)
                    continue
                self.desktop = context.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", context)
                self.scripts = self._install_basic(context)
                return
            if self.process.poll() != OFFICE_RESTART:
                break
        self.stop()
        raise RuntimeError("LibreOffice did not start")

    @staticmethod
    def _install_basic(context) -> dict:
        manager = context.ServiceManager
        libraries = manager.createInstanceWithContext("com.sun.star.script.ApplicationScriptLibraryContainer", context)
        if not libraries.hasByName(BASIC_LIBRARY):
            libraries.createLibrary(BASIC_LIBRARY)
        library = libraries.getByName(BASIC_LIBRARY)
        if library.hasByName(BASIC_MODULE):
            library.removeByName(BASIC_MODULE)
        library.insertByName(BASIC_MODULE, BASIC)
        factory = manager.createInstanceWithContext("com.sun.star.script.provider.MasterScriptProviderFactory", context)
        provider = factory.createScriptProvider("")
        url = "vnd.sun.star.script:{}.{}.{}?language=Basic&location=application"
        return {
            name: provider.getScript(url.format(BASIC_LIBRARY, BASIC_MODULE, name))
            for name in ("Lines", "Space", "Elements")
        }

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            with contextlib.suppress(Exception):
                self.desktop.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None
        self.desktop = None

    def close(self) -> None:
        self.discard()
        self.stop()
        shutil.rmtree(self.profile, ignore_errors=True)

    def pages(
        self,
        docx: str,
        after: str,
        targets: list[list[str]],
        paragraphs: list[str] | None = None,
        keep: bool = False,
        cell_min: int = 0,
        cell_rows: int = 0,
    ) -> tuple[dict[str, int], dict[str, list[str]]]:
        """The 目录 numbers and the lines of `paragraphs`; with `keep` the document stays open
        for `condense` (saving a second load when paragraphs are tightened)."""
        self.discard()
        url = uno.systemPathToFileUrl(os.path.abspath(docx))
        props = (_prop("Hidden", True), _prop("ReadOnly", True), _prop("UpdateDocMode", 0))
        document = self.desktop.loadComponentFromURL(url, "_blank", 0, props)
        if document is None:
            raise RuntimeError("LibreOffice could not open the document")
        try:
            cursor = document.getCurrentController().getViewCursor()
            numbers = self._numbers(document, cursor, after, targets)
            wanted = set(paragraphs or ())
            lines, found = self._lines(document, wanted, max(cell_min, 0), cell_rows=cell_rows)
            if keep:
                self.kept, document = (document, cursor, found, wanted), None
            return numbers, lines
        finally:
            if document is not None:
                document.close(True)

    def condense(
        self, kerning: dict[str, list[list[int]]], after: str, targets: list[list[str]], keep: bool = False
    ) -> tuple[dict[str, int], dict[str, list[str]]]:
        """Set the character spacing of the kept document's paragraphs by their text, as the
        adjusted DOCX has it (text → [start, end, 1/100 mm] on the whitespace-free text; a
        paragraph not given keeps what it has, one given is first set back to 0), and give the
        目录 numbers and the lines of the paragraphs given, in the new layout (the others' lines
        cannot have changed); with `keep` the document stays open for another `condense`."""
        if self.kept is None:
            raise RuntimeError("no document is kept open")
        document, cursor, found, wanted = self.kept
        try:
            entries = []  # (place, start, length, value); start -1: back to 0
            for text, ranges in kerning.items():
                for place, raw in found.get(text, ()):
                    at = [i for i, char in enumerate(raw) if not char.isspace()]  # whitespace-free → raw
                    entries.append((place, -1, 0, 0))
                    entries += [(place, at[a], at[b - 1] + 1 - at[a], v) for a, b, v in ranges if b > a]
            entries.sort(key=lambda e: e[0][0] if e[0][0] >= 0 else 1 << 30)  # the body in order (stable)
            if entries:
                columns = list(zip(*((*place, a, n, v) for place, a, n, v in entries), strict=True))
                self._call("Space", document, *(tuple(c) for c in columns))
            numbers = {} if keep else self._numbers(document, cursor, after, targets)
            places = [place for text in kerning for place, _ in found.get(text, ())]
            lines = self._lines(document, wanted, -1, places)[0] if keep else {}
            return numbers, lines
        finally:
            if not keep:
                self.discard()

    def numbers(self, after: str, targets: list[list[str]]) -> dict[str, int]:
        """The 目录 numbers of the document kept open, as it is laid out now."""
        if self.kept is None:
            raise RuntimeError("no document is kept open")
        return self._numbers(self.kept[0], self.kept[1], after, targets)

    def _call(self, name: str, *args):
        """Run the Basic function `name`; a typed argument (`_long`) goes through uno.invoke."""
        return uno.invoke(self.scripts[name], "invoke", (args, (), ()))[0]

    def discard(self) -> None:
        if self.kept is not None:
            document, self.kept = self.kept[0], None
            with contextlib.suppress(Exception):
                document.close(True)

    def elements(self) -> str:
        """The kept document's top-level elements and page count (the Basic `Elements`)."""
        if self.kept is None:
            raise RuntimeError("no document is kept open")
        return self._call("Elements", self.kept[0])

    def _numbers(self, document, cursor, after: str | None, targets: list[list[str]]) -> dict[str, int]:
        if after is None:  # a window of a long document: its numbers are found by its elements' pages
            return {}
        found = self._find(document, None, after)
        numbers: dict[str, int] = {}
        for anchor, texts in targets:
            found = self._find(document, found, texts[0], whole=len(texts) > 1)
            cursor.gotoRange(found.getStart(), False)
            numbers[anchor] = cursor.getPage()
        return numbers

    def _lines(
        self, document, wanted: set[str], cell_min: int, places: list[tuple] | None = None, cell_rows: int = 0
    ) -> tuple[dict[str, list[str]], dict[str, list[tuple[tuple, str]]]]:
        """Whitespace-free paragraph text → the texts of its lines as laid out (whitespace-free),
        for the paragraphs whose text is in `wanted` (body paragraphs, and table-cell paragraphs
        of at least `cell_min` characters in a table's first `cell_rows` rows when it is not 0), or (cell_min < 0) for the paragraphs
        at `places` only; and text → those paragraphs' places and raw texts. A place is
        (body index, -1, "", 0) or (-1, table index, cell name, paragraph index in the cell)."""
        out: dict[str, list[str]] = {}
        found: dict[str, list[tuple[tuple, str]]] = {}
        if not wanted:
            return out, found
        places = sorted(places or [], key=lambda p: p[0] if p[0] >= 0 else 1 << 30)
        body = tuple(p[0] for p in places if p[0] >= 0)
        cells = [p for p in places if p[0] < 0]
        tables, names, pars = (tuple(c[i] for c in cells) for i in (1, 2, 3))
        walked = self._call("Lines", document, _long(cell_min), _long(cell_rows), body, tables, names, pars)
        for item in walked.split("\x02"):
            if "\x01" not in item:
                continue
            where, rest = item.split("\x05", 1)
            text, lines = rest.split("\x01", 1)
            if where.startswith("B"):
                place = (int(where[1:]), -1, "", 0)
            else:
                table, cell, par = where[1:].split("\x06")
                place = (-1, int(table), cell, int(par))
            key = "".join(text.split())
            if key in wanted:
                found.setdefault(key, []).append((place, text))
                out.setdefault(key, ["".join(line.split()) for line in lines.split("\x03")[:-1]])
        return out, found

    @staticmethod
    def _find(document, behind, text: str, whole: bool = False):
        search = document.createSearchDescriptor()
        search.SearchRegularExpression = True
        search.SearchCaseSensitive = True
        pattern = r"\s*".join(re.escape(char) for char in text)
        search.SearchString = f"^\\s*{pattern}\\s*$" if whole else pattern
        found = document.findFirst(search) if behind is None else document.findNext(behind.getEnd(), search)
        if found is None:
            raise LookupError(f"not found: {text}")
        return found


def main() -> int:
    office = Office(sys.argv[1])
    try:
        office.start()
    except Exception as exc:
        print(json.dumps({"error": f"start: {exc}"}), flush=True)
        office.close()
        return 1
    print(json.dumps({"ready": True}), flush=True)
    try:
        for line in sys.stdin:
            request = json.loads(line)
            try:
                walk = bool(request.get("elements"))  # then the layout's elements too, before closing
                keep = bool(request.get("keep"))
                if "close" in request:
                    reply = (
                        {"pages": office.numbers(request["after"], request["targets"])} if "after" in request else {}
                    )
                    if walk:
                        reply["elements"] = office.elements()
                    office.discard()
                elif "condense" in request:
                    pages, lines = office.condense(
                        request["condense"], request.get("after"), request.get("targets", []), keep or walk
                    )
                    reply = {"pages": pages, "lines": lines}
                else:
                    pages, lines = office.pages(
                        request["docx"],
                        request.get("after"),
                        request.get("targets", []),
                        request.get("paragraphs"),
                        keep or walk,
                        int(request.get("cell_min", 0)),
                        int(request.get("cell_rows", 0)),
                    )
                    reply = {"pages": pages, "lines": lines}
                if walk and "close" not in request:
                    reply["elements"] = office.elements()
                    if not keep:
                        office.discard()
            except Exception as exc:
                office.discard()
                reply = {"error": f"{type(exc).__name__}: {exc}"}
            reply["id"] = request.get("id")
            print(json.dumps(reply, ensure_ascii=False), flush=True)
    finally:
        office.close()
    return 0


if __name__ == "__main__":
    _die_with_parent()
    sys.exit(main())
