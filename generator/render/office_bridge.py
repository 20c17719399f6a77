"""A warm LibreOffice that tells on which page each 目录 target of a DOCX starts.

Run by `generator/render/office.py` with a Python that can `import uno` (Debian's
/usr/bin/python3 with python3-uno; LibreOffice's own bundled python elsewhere), never
imported by the generator: this file uses the standard library and `uno` only.

It starts `soffice.bin` headless on a private profile, connects over a named pipe and then
answers one JSON request per line on stdin with one JSON line on stdout:

    {"id": ID, "docx": PATH, "after": TEXT, "targets": [[ANCHOR, [TEXT, ...]], ...],
     "paragraphs": [TEXT, ...], "cell_min": N, "keep": BOOL}
    -> {"id": ID, "pages": {ANCHOR: PAGE, ...}, "lines": {TEXT: [LINE, ...], ...}}
    {"id": ID, "condense": {TEXT: [[START, END, KERNING], ...], ...}, "after": TEXT, "targets": [...],
     "keep": BOOL}
    -> {"id": ID, "pages": {ANCHOR: PAGE, ...}, "lines": {TEXT: [LINE, ...], ...}}
    {"id": ID, "close": true} -> {"id": ID, "closed": true}
    any failure -> {"id": ID, "error": MESSAGE}

TEXT is whitespace-free; it is matched allowing any whitespace between its characters. A
target given as several TEXTs (a table's label and title, two paragraphs) is found by its
first, which must then be a whole paragraph ("表1" is not the start of "表10").
`after` is the last 目录 entry: the search for the targets starts behind its first
occurrence (the 目录 itself), then goes forward target by target, as a reader would.
`paragraphs` (optional) are paragraphs by their whitespace-free text (body paragraphs, and
table-cell paragraphs of at least `cell_min` characters when it is given): the reply gives the
text of each one's lines as laid out (whitespace-free; the DOCX renderer condenses a paragraph
whose last line would hold only one or two characters, or whose line break falls inside an
amount with its unit or a 文号). With `keep` the document stays open, and a following
`condense` sets the character spacing of ranges of those paragraphs (START, END: offsets in
TEXT; KERNING: 1/100 mm, what LibreOffice makes of the DOCX's w:spacing) in it and answers the new layout's numbers and lines (lines only with `keep`,
which keeps it open for another round): the tightened DOCX is not loaded a second time.
`close` closes a kept document; so does any other request.
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
Function ParLines(oCur As Object, oPar As Object, s As String) As String
  ' The text of each line of a laid-out paragraph, separated by Chr(3): the view cursor selects
  ' from each line's start to its end, a text cursor from the paragraph's start to there counts
  ' the characters (a view cursor's own selection reads empty inside a table cell); then from the
  ' line's start (the end of a line is also the start of the next) down one line.
  Dim oText As Object, oTc As Object, r As String, n As Long, prev As Long
  oText = oPar.getText()
  r = ""
  prev = 0
  oCur.gotoRange(oPar.getStart(), False)
  Do
    oCur.gotoEndOfLine(True)
    oTc = oText.createTextCursorByRange(oPar.getStart())
    oTc.gotoRange(oCur.getEnd(), True)
    n = Len(oTc.getString())
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

Function Lines(oDoc As Object, nCell As Long) As String
  ' Every body paragraph, and (nCell > 0) every table-cell paragraph of at least nCell
  ' characters: its text, Chr(1), its lines (ParLines), Chr(2).
  Dim oEnum As Object, oPar As Object, oCur As Object, s As String, r As String
  Dim oTables As Object, oTable As Object, oCell As Object, aNames As Variant, i As Long, j As Long
  oCur = oDoc.getCurrentController().getViewCursor()
  oEnum = oDoc.getText().createEnumeration()
  r = ""
  Do While oEnum.hasMoreElements()
    oPar = oEnum.nextElement()
    If oPar.supportsService("com.sun.star.text.Paragraph") Then
      s = oPar.getString()
      r = r & s & Chr(1) & ParLines(oCur, oPar, s) & Chr(2)
    End If
  Loop
  If nCell > 0 Then
    oTables = oDoc.getTextTables()
    For i = 0 To oTables.getCount() - 1
      oTable = oTables.getByIndex(i)
      aNames = oTable.getCellNames()
      For j = LBound(aNames) To UBound(aNames)
        oCell = oTable.getCellByName(aNames(j))
        If Len(oCell.getString()) >= nCell Then
          oEnum = oCell.getText().createEnumeration()
          Do While oEnum.hasMoreElements()
            oPar = oEnum.nextElement()
            If oPar.supportsService("com.sun.star.text.Paragraph") Then
              s = oPar.getString()
              If Len(s) >= nCell Then r = r & s & Chr(1) & ParLines(oCur, oPar, s) & Chr(2)
            End If
          Loop
        End If
      Next j
    Next i
  End If
  Lines = r
End Function

Sub SpaceIn(oText As Object, aTexts As Variant, aStarts As Variant, aLens As Variant, aValues As Variant)
  ' Each paragraph of oText whose text is in aTexts: its character spacing back to 0, then the
  ' spacing aValues(i) on its characters aStarts(i) .. aStarts(i) + aLens(i) - 1.
  Dim oEnum As Object, oPar As Object, oCur As Object, i As Long, s As String, bReset As Boolean
  oEnum = oText.createEnumeration()
  Do While oEnum.hasMoreElements()
    oPar = oEnum.nextElement()
    If oPar.supportsService("com.sun.star.text.Paragraph") Then
      s = oPar.getString()
      bReset = False
      For i = LBound(aTexts) To UBound(aTexts)
        If s = aTexts(i) Then
          If Not bReset Then
            oPar.CharKerning = 0
            bReset = True
          End If
          If aLens(i) > 0 Then
            oCur = oText.createTextCursorByRange(oPar.getStart())
            oCur.goRight(aStarts(i), False)
            oCur.goRight(aLens(i), True)
            oCur.CharKerning = aValues(i)
          End If
        End If
      Next i
    End If
  Loop
End Sub

Sub Space(oDoc As Object, aTexts As Variant, aStarts As Variant, aLens As Variant, aValues As Variant, nCell As Long)
  ' SpaceIn the body and (nCell > 0) the table cells of at least nCell characters.
  Dim oTables As Object, oTable As Object, oCell As Object, aNames As Variant, i As Long, j As Long
  SpaceIn(oDoc.getText(), aTexts, aStarts, aLens, aValues)
  If nCell > 0 Then
    oTables = oDoc.getTextTables()
    For i = 0 To oTables.getCount() - 1
      oTable = oTables.getByIndex(i)
      aNames = oTable.getCellNames()
      For j = LBound(aNames) To UBound(aNames)
        oCell = oTable.getCellByName(aNames(j))
        If Len(oCell.getString()) >= nCell Then SpaceIn(oCell.getText(), aTexts, aStarts, aLens, aValues)
      Next j
    Next i
  End If
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
        self.kept = None  # (document, view cursor, text → raw texts, wanted, cell_min) between `pages` and `condense`
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
        return {name: provider.getScript(url.format(BASIC_LIBRARY, BASIC_MODULE, name)) for name in ("Lines", "Space")}

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
            lines, found = self._lines(document, wanted, cell_min)
            if keep:
                self.kept, document = (document, cursor, found, wanted, cell_min), None
            return numbers, lines
        finally:
            if document is not None:
                document.close(True)

    def condense(
        self, kerning: dict[str, list[list[int]]], after: str, targets: list[list[str]], keep: bool = False
    ) -> tuple[dict[str, int], dict[str, list[str]]]:
        """Set the character spacing of the kept document's paragraphs by their text, as the
        adjusted DOCX has it (text → [start, end, 1/100 mm] on the whitespace-free text; a
        paragraph not given keeps what it has, one given with no range goes back to 0), and give
        the 目录 numbers and the paragraphs' lines of the new layout; with `keep` the document
        stays open for another `condense`."""
        if self.kept is None:
            raise RuntimeError("no document is kept open")
        document, cursor, found, wanted, cell_min = self.kept
        try:
            texts, starts, lengths, values = [], [], [], []
            for text, ranges in kerning.items():
                for raw in found.get(text, ()):
                    at = [i for i, char in enumerate(raw) if not char.isspace()]  # whitespace-free → raw
                    for start, end, value in ranges or [[0, 0, 0]]:
                        texts.append(raw)
                        starts.append(at[start] if end > start else 0)
                        lengths.append(at[end - 1] + 1 - at[start] if end > start else 0)
                        values.append(value)
            if texts:
                self._call(
                    "Space", document, tuple(texts), tuple(starts), tuple(lengths), tuple(values), _long(cell_min)
                )
            numbers = self._numbers(document, cursor, after, targets)
            lines = self._lines(document, wanted, cell_min)[0] if keep else {}
            return numbers, lines
        finally:
            if not keep:
                self.discard()

    def _call(self, name: str, *args):
        """Run the Basic function `name`; a typed argument (`_long`) goes through uno.invoke."""
        return uno.invoke(self.scripts[name], "invoke", (args, (), ()))[0]

    def discard(self) -> None:
        if self.kept is not None:
            document, self.kept = self.kept[0], None
            with contextlib.suppress(Exception):
                document.close(True)

    def _numbers(self, document, cursor, after: str, targets: list[list[str]]) -> dict[str, int]:
        found = self._find(document, None, after)
        numbers: dict[str, int] = {}
        for anchor, texts in targets:
            found = self._find(document, found, texts[0], whole=len(texts) > 1)
            cursor.gotoRange(found.getStart(), False)
            numbers[anchor] = cursor.getPage()
        return numbers

    def _lines(self, document, wanted: set[str], cell_min: int) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
        """Whitespace-free paragraph text → the texts of its lines as laid out (whitespace-free),
        for the paragraphs whose text is in `wanted` (body paragraphs, and table-cell paragraphs
        of at least `cell_min` characters when it is not 0); and text → those paragraphs' raw texts."""
        out: dict[str, list[str]] = {}
        raw: dict[str, list[str]] = {}
        if not wanted:
            return out, raw
        walked = self._call("Lines", document, _long(cell_min))
        for item in walked.split("\x02"):
            if "\x01" not in item:
                continue
            text, lines = item.split("\x01", 1)
            key = "".join(text.split())
            if key in wanted:
                raw.setdefault(key, []).append(text)
                out.setdefault(key, ["".join(line.split()) for line in lines.split("\x03")[:-1]])
        return out, raw

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
                if "close" in request:
                    office.discard()
                    reply = {"closed": True}
                elif "condense" in request:
                    pages, lines = office.condense(
                        request["condense"], request["after"], request["targets"], bool(request.get("keep"))
                    )
                    reply = {"pages": pages, "lines": lines}
                else:
                    pages, lines = office.pages(
                        request["docx"],
                        request["after"],
                        request["targets"],
                        request.get("paragraphs"),
                        bool(request.get("keep")),
                        int(request.get("cell_min", 0)),
                    )
                    reply = {"pages": pages, "lines": lines}
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
