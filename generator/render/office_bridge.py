"""A warm LibreOffice that tells on which page each 目录 target of a DOCX starts.

Run by `generator/render/office.py` with a Python that can `import uno` (Debian's
/usr/bin/python3 with python3-uno; LibreOffice's own bundled python elsewhere), never
imported by the generator: this file uses the standard library and `uno` only.

It starts `soffice.bin` headless on a private profile, connects over a named pipe and then
answers one JSON request per line on stdin with one JSON line on stdout:

    {"id": ID, "docx": PATH, "after": TEXT, "targets": [[ANCHOR, [TEXT, ...]], ...],
     "paragraphs": [TEXT, ...]}
    -> {"id": ID, "pages": {ANCHOR: PAGE, ...}, "last_lines": {TEXT: LINE, ...}}
       or  {"id": ID, "error": MESSAGE}

TEXT is whitespace-free; it is matched allowing any whitespace between its characters. A
target given as several TEXTs (a table's label and title, two paragraphs) is found by its
first, which must then be a whole paragraph ("表1" is not the start of "表10").
`after` is the last 目录 entry: the search for the targets starts behind its first
occurrence (the 目录 itself), then goes forward target by target, as a reader would.
`paragraphs` (optional) are body paragraphs by their whitespace-free text: the reply gives
the text of each one's last line as laid out (the DOCX renderer condenses a paragraph whose
last line would hold only one or two characters).
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

OFFICE_RESTART = 81  # soffice.bin made a new profile and asks to be started again
CONNECT_SECONDS = 60


def _die_with_parent() -> None:
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG


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
                return
            if self.process.poll() != OFFICE_RESTART:
                break
        self.stop()
        raise RuntimeError("LibreOffice did not start")

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
        self.stop()
        shutil.rmtree(self.profile, ignore_errors=True)

    def pages(
        self, docx: str, after: str, targets: list[list[str]], paragraphs: list[str] | None = None
    ) -> tuple[dict[str, int], dict[str, str]]:
        url = uno.systemPathToFileUrl(os.path.abspath(docx))
        props = (_prop("Hidden", True), _prop("ReadOnly", True), _prop("UpdateDocMode", 0))
        document = self.desktop.loadComponentFromURL(url, "_blank", 0, props)
        if document is None:
            raise RuntimeError("LibreOffice could not open the document")
        try:
            cursor = document.getCurrentController().getViewCursor()
            found = self._find(document, None, after)
            numbers: dict[str, int] = {}
            for anchor, texts in targets:
                found = self._find(document, found, texts[0], whole=len(texts) > 1)
                cursor.gotoRange(found.getStart(), False)
                numbers[anchor] = cursor.getPage()
            return numbers, self._last_lines(document, cursor, set(paragraphs or ()))
        finally:
            document.close(True)

    @staticmethod
    def _last_lines(document, cursor, wanted: set[str]) -> dict[str, str]:
        """Whitespace-free paragraph text → the text of its last line, for the body paragraphs
        (not in tables) whose text is in `wanted`."""
        out: dict[str, str] = {}
        if not wanted:
            return out
        paragraphs = document.getText().createEnumeration()
        while paragraphs.hasMoreElements():
            paragraph = paragraphs.nextElement()
            if not paragraph.supportsService("com.sun.star.text.Paragraph"):
                continue  # a table
            text = "".join(paragraph.getString().split())
            if text in wanted and text not in out:
                cursor.gotoRange(paragraph.getEnd(), False)
                cursor.gotoStartOfLine(True)
                out[text] = "".join(cursor.getString().split())
        return out

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
                pages, last_lines = office.pages(
                    request["docx"], request["after"], request["targets"], request.get("paragraphs")
                )
                reply = {"pages": pages, "last_lines": last_lines}
            except Exception as exc:
                reply = {"error": f"{type(exc).__name__}: {exc}"}
            reply["id"] = request.get("id")
            print(json.dumps(reply, ensure_ascii=False), flush=True)
    finally:
        office.close()
    return 0


if __name__ == "__main__":
    _die_with_parent()
    sys.exit(main())
