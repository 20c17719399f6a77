"""LibreOffice as the DOCX paginator: on which page each 目录 target starts.

Two ways, the same answer (a slow test checks that they agree on both examples):

- **Warm** (`WarmOffice`): a long-lived `office_bridge.py`, run by a Python that has the
  `uno` module (Debian: python3-uno), keeps one headless LibreOffice running and asks it
  for the page of each target of a loaded document. A pool worker starts it once and
  reuses it for every department (about 0.6 s a document instead of about 2 s).
- **Cold** (`cold_paginate`): `soffice.bin --convert-to pdf` on a fresh profile and
  `pdftotext`, where no `uno` Python is found or the warm office fails.

`paginate` is the one entry point (render/docx.py); it tries the warm way, then the cold one.

Both die with their parent (PR_SET_PDEATHSIG), so a killed build leaves no LibreOffice behind.
"""

from __future__ import annotations

import atexit
import bisect
import contextlib
import functools
import html
import itertools
import json
import math
import os
import re
import resource
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Protocol

from generator.lifecycle import die_with_parent
from generator.model import Disclosure
from generator.render import docx_windows, style

BRIDGE = Path(__file__).with_name("office_bridge.py")
UNO_PYTHON_ENV = "DISCLOSURE_UNO_PYTHON"  # a Python with `uno`, or "none" to use the cold path
OFFICE_RESTART = 81  # soffice.bin set up a new profile and asks to be started again
REQUEST_SECONDS = 120  # a request's least time; a long document gets more (`office_seconds`)
COLD_SECONDS = 300  # a cold conversion's least time
CLOSE_AFTER_PAGES = 150  # a warm office is closed after laying out a document this long (`paginate`)
PAGE_SECONDS = 1.0  # per estimated page: LibreOffice lays out ≈ 0.06–0.14 s a page alone, far more under load
OFFICE_NICENESS = 5  # LibreOffice yields the CPU to the PDF render, the longer path of a build
Spacing = list[tuple[int, int, int]]  # a paragraph's (start, end, w:spacing) on its whitespace-free text
OFFICE_ADDRESS_SPACE = 4 << 30  # bytes: an office in a memory-limited pool worker may map this much
RECYCLE_AFTER = 200  # documents; a long-lived office is restarted now and then (its heap grows)


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


INSTALL_COMMAND = "sudo apt-get install -y libreoffice-writer-nogui python3-uno"


def missing_notice() -> str | None:
    """What the CLI and the web page say, in Chinese, when LibreOffice is not installed: the DOCX is
    still written, but its 目录 has no page numbers. None when LibreOffice is there."""
    if soffice() is not None:
        return None
    return (
        "本机没有安装 LibreOffice，DOCX 的目录没有页码（PDF 不受影响）。请安装后重新生成："
        f"在本程序目录运行 sudo scripts/ensure-system-packages.sh，或运行 {INSTALL_COMMAND}"
    )


def office_binary(office: str) -> str:
    """`soffice.bin` itself where it can be found: the `soffice` launcher (oosplash) would put the
    converting process one generation away, out of reach of the parent-death signal."""
    binary = Path(os.path.realpath(office)).with_name("soffice.bin")
    return str(binary) if binary.exists() else office


@functools.cache
def uno_python() -> str | None:
    """A Python interpreter that can `import uno`, or None."""
    configured = os.environ.get(UNO_PYTHON_ENV, "").strip()
    if configured.lower() == "none":
        return None
    office = soffice()
    candidates = [configured] if configured else []
    if office:
        candidates.append(str(Path(os.path.realpath(office)).with_name("python")))  # LibreOffice's own
    candidates += ["/usr/bin/python3", "/usr/local/bin/python3"]
    for candidate in candidates:
        if not candidate or not os.access(candidate, os.X_OK):
            continue
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            probe = subprocess.run([candidate, "-c", "import uno"], capture_output=True, timeout=30, check=False)
            if probe.returncode == 0:
                return candidate
    return None


def _tree_resident_kib(pid: int) -> int:
    """VmRSS of a process and its descendants, KiB (Linux /proc; 0 where it cannot be read)."""
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        with contextlib.suppress(OSError, ValueError):
            for line in Path(f"/proc/{current}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
            for task in Path(f"/proc/{current}/task").iterdir():
                todo += [int(child) for child in (task / "children").read_text().split()]
    return total


def _office_child(parent: int) -> None:
    """In the forked child, before exec: die with the build, run at a lower priority, and
    widen a pool worker's address-space limit to OFFICE_ADDRESS_SPACE (the worker's is sized
    for the department's Python work; LibreOffice maps far more than it uses)."""
    die_with_parent(parent)
    with contextlib.suppress(OSError):
        os.nice(OFFICE_NICENESS)  # the PDF beside it is the critical path
    with contextlib.suppress(ValueError, OSError):
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        if soft != resource.RLIM_INFINITY and soft < OFFICE_ADDRESS_SPACE:
            wanted = OFFICE_ADDRESS_SPACE if hard == resource.RLIM_INFINITY else min(hard, OFFICE_ADDRESS_SPACE)
            resource.setrlimit(resource.RLIMIT_AS, (wanted, hard))


# --- what is searched --------------------------------------------------------------------------


def toc_targets(disclosure: Disclosure) -> dict[str, str]:
    """anchor → the text that starts that place in the body (whitespace removed)."""
    out = {e.anchor: e.text for e in disclosure.toc}
    out.update({p.anchor: p.heading for p in disclosure.parts})
    out.update({t.anchor: t.label + t.title for t in disclosure.tables})
    out.update({s.anchor: s.heading for s in disclosure.sections})
    return {anchor: "".join(text.split()) for anchor, text in out.items()}


def _searches(disclosure: Disclosure) -> dict[str, list[str]]:
    """anchor → the paragraph texts (whitespace removed) that start its target in the DOCX: a
    table's label ("表1") and title are two paragraphs, everything else one."""
    out = {anchor: [text] for anchor, text in toc_targets(disclosure).items()}
    out.update(
        {
            t.anchor: [*(["".join(t.label.split())] if t.label else []), "".join(t.title.split())]
            for t in disclosure.tables
        }
    )
    return out


def _where(disclosure: Disclosure) -> dict:
    """What the bridge searches: behind the 目录's last entry, each target in order."""
    targets = _searches(disclosure)
    return {"after": _last_entry(disclosure), "targets": [[e.anchor, targets[e.anchor]] for e in disclosure.toc]}


def twips_to_mm100(twips: int) -> int:
    """A w:spacing value as LibreOffice imports it (CharKerning, 1/100 mm, rounded half away
    from zero, as o3tl::convert does)."""
    exact = Fraction(twips * 127, 72)
    return int(math.copysign(math.floor(abs(exact) + Fraction(1, 2)), exact))


def _last_entry(disclosure: Disclosure) -> str:
    return "".join(disclosure.toc[-1].text.split())


# --- warm ---------------------------------------------------------------------------------------


def _layout_request(
    docx: Path, paragraphs: Sequence[str], cells: Sequence[str], cell_rows: int, keep: bool
) -> dict[str, object]:
    """The bridge request that lays `docx` out and answers the lines of `paragraphs` and `cells`
    (whitespace-free; cells looked for in the first `cell_rows` rows of each table)."""
    flat_cells = {"".join(c.split()) for c in cells}
    return {
        "docx": str(docx),
        "paragraphs": sorted({"".join(p.split()) for p in paragraphs} | flat_cells),
        "cell_min": min((len(c) for c in flat_cells), default=0),
        "cell_rows": cell_rows,
        "keep": keep,
    }


def _kerning(spacing: Mapping[str, Spacing]) -> dict[str, list[list[int]]]:
    """`spacing` as the bridge takes it: each range's w:spacing (twentieths of a point) in 1/100 mm."""
    return {text: [[a, b, twips_to_mm100(v)] for a, b, v in ranges] for text, ranges in spacing.items()}


class OfficeError(RuntimeError):
    pass


class WarmOffice:
    """One running bridge + LibreOffice; requests are serialised (one document at a time)."""

    def __init__(self, python: str, office: str) -> None:
        self._command = [python, str(BRIDGE), office_binary(office)]
        self._lock = threading.Lock()
        self._process: subprocess.Popen[str] | None = None
        self._owner = 0
        self._served = 0
        self._sent = 0

    def _start(self) -> subprocess.Popen[str]:
        parent = os.getpid()
        process = subprocess.Popen(
            self._command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            encoding="utf-8",
            preexec_fn=lambda: _office_child(parent),  # noqa: PLW1509 - prctl and setrlimit only
        )
        try:
            hello = self._read(process)
        except OfficeError:
            _stop(process)
            raise
        if not hello.get("ready"):
            _stop(process)
            raise OfficeError(hello.get("error", "LibreOffice bridge did not start"))
        self._owner, self._served = parent, 0
        return process

    def _read(
        self, process: subprocess.Popen[str], wanted: str | None = None, seconds: float = REQUEST_SECONDS
    ) -> dict:
        """The next reply (with id `wanted`: a reply to a request of a killed forked child is skipped)."""
        deadline = time.monotonic() + seconds
        while True:
            reply: list[str] = []
            reader = threading.Thread(target=lambda box=reply: box.append(process.stdout.readline()), daemon=True)
            reader.start()
            reader.join(max(0.0, deadline - time.monotonic()))
            if not reply or not reply[0]:
                raise OfficeError("LibreOffice bridge gave no answer")
            answer = json.loads(reply[0])
            if wanted is None or answer.get("id") == wanted:
                return answer

    def resident_mib(self) -> int:
        """The resident memory of the bridge and its LibreOffice, MiB (0 when it is not running, or
        where /proc cannot tell)."""
        process = self._process
        if process is None or process.poll() is not None:
            return 0
        return _tree_resident_kib(process.pid) // 1024

    def warm_up(self) -> None:
        with self._lock:
            if self._process is None or self._process.poll() is not None:
                self._process = self._start()

    def page_numbers(self, docx: Path, disclosure: Disclosure) -> dict[str, int]:
        return self.paginate(docx, disclosure).numbers

    def paginate(
        self,
        docx: Path,
        disclosure: Disclosure,
        paragraphs: Sequence[str] = (),
        keep: bool = False,
        cells: Sequence[str] = (),
        cell_rows: int = 0,
    ) -> Pagination:
        """The 目录 numbers of `docx`, and the lines of each of `paragraphs` (body) and `cells`
        (table-cell paragraphs, looked for in the first `cell_rows` rows of each table) as laid
        out; with `keep`, the document stays open for `condense`."""
        request = {**_layout_request(docx, paragraphs, cells, cell_rows, keep), **_where(disclosure)}
        return self._request(request, office_seconds(disclosure))

    def condense(self, disclosure: Disclosure, spacing: Mapping[str, Spacing], keep: bool = False) -> Pagination:
        """The 目录 numbers (and with `keep`, the paragraphs' lines, the document staying open) of
        the document kept open by `paginate(keep=True)` once the paragraphs of `spacing`
        (whitespace-free text → its ranges (start, end, w:spacing in twentieths of a point)) are
        spaced as the DOCX spaces them."""
        request = {"condense": _kerning(spacing), **_where(disclosure), "keep": keep}
        return self._request(request, office_seconds(disclosure))

    def window(
        self, docx: Path, paragraphs: Sequence[str], cells: Sequence[str], cell_rows: int, keep: bool, seconds: float
    ) -> Pagination:
        """As `paginate` for a window of a long document (`paginate_windows`): no 目录 search, the
        lines of `paragraphs` and `cells`, and each top-level element's pages (`Pagination.elements`)."""
        return self._request({**_layout_request(docx, paragraphs, cells, cell_rows, keep), "elements": True}, seconds)

    def window_condense(self, spacing: Mapping[str, Spacing], keep: bool, seconds: float) -> Pagination:
        """As `condense` for a window kept open by `window(keep=True)`; without `keep`, the elements' pages."""
        return self._request({"condense": _kerning(spacing), "keep": keep, "elements": not keep}, seconds)

    def window_release(self, seconds: float) -> Pagination:
        """Close the window kept open, answering its elements' pages first."""
        return self._request({"close": True, "elements": True}, seconds)

    def release(self, disclosure: Disclosure | None = None) -> Pagination:
        """Close the document kept open, if any; with `disclosure`, answer its 目录 numbers first."""
        request = {"close": True, **(_where(disclosure) if disclosure is not None else {})}
        return self._request(request, office_seconds(disclosure) if disclosure is not None else REQUEST_SECONDS)

    def _request(self, request: dict, seconds: float = REQUEST_SECONDS) -> Pagination:
        with self._lock:
            if self._owner != os.getpid() and self._process is not None:
                return self._ask_from_child(request, seconds)
            recycle = self._served >= RECYCLE_AFTER and "docx" in request  # never under a kept document
            if self._process is None or self._process.poll() is not None or recycle:
                self.close_locked()
                self._process = self._start()
            try:
                reply = self._ask(self._process, request, seconds)
            except OfficeError:
                self.close_locked()  # a half-answered office is not trusted with the next document
                raise
            self._served += 1
        return _pagination(reply)

    def _ask(self, process: subprocess.Popen[str], request: dict, seconds: float = REQUEST_SECONDS) -> dict:
        self._sent += 1
        request = {**request, "id": f"{os.getpid()}-{self._sent}"}
        try:
            process.stdin.write(json.dumps(request, ensure_ascii=False) + "\n")
            process.stdin.flush()
        except (OSError, ValueError):
            raise OfficeError("LibreOffice bridge is gone") from None
        return self._read(process, request["id"], seconds)

    def _ask_from_child(self, request: dict, seconds: float = REQUEST_SECONDS) -> Pagination:
        """In a forked child (the DOCX rendered beside the PDF): the parent's office, through the
        inherited pipes; the parent does not use it meanwhile. The bridge is not this process's
        child, so it cannot be polled or reaped here: on failure it is killed, and the parent
        starts a new one for its next document."""
        try:
            reply = self._ask(self._process, request, seconds)
        except OfficeError:
            with contextlib.suppress(OSError):
                os.kill(self._process.pid, signal.SIGKILL)
            raise
        return _pagination(reply)

    def close_locked(self) -> None:
        if self._process is not None:
            _stop(self._process)
            self._process = None

    def close(self) -> None:
        with self._lock:
            self.close_locked()


@dataclass(frozen=True)
class Pagination:
    numbers: dict[str, int]  # 目录 anchor → page
    lines: dict[str, list[str]] = field(default_factory=dict)  # paragraph → its lines (whitespace-free)
    # with "elements": each top-level (kind, start page, end page, and a table over several pages its
    # rows' (start page, end page))
    elements: tuple[tuple[str, int, int, tuple[tuple[int, int], ...]], ...] = ()
    page_count: int = 0  # with "elements"

    @property
    def last_lines(self) -> dict[str, str]:
        """paragraph → its last line (whitespace-free)."""
        return {text: lines[-1] for text, lines in self.lines.items() if lines}


def _pagination(reply: dict) -> Pagination:
    if "error" in reply:
        raise OfficeError(reply["error"])
    numbers = {anchor: int(page) for anchor, page in reply.get("pages", {}).items()}
    lines = {str(k): [str(line) for line in v] for k, v in reply.get("lines", {}).items()}
    if "elements" not in reply:
        return Pagination(numbers, lines)
    walked, _, count = str(reply["elements"]).partition("#")
    elements = []
    for item in walked.split(";")[:-1]:
        pages, _, rows = item[1:].partition(":")
        start, end = pages.split(",")
        kind = {"P": "p", "E": "e", "T": "tbl"}.get(item[0], "?")
        row_pages = tuple(tuple(int(page) for page in row.split(",")) for row in rows.split("/")) if rows else ()
        elements.append((kind, int(start), int(end), row_pages))
    return Pagination(numbers, lines, tuple(elements), int(count))


def _stop(process: subprocess.Popen[str]) -> None:
    with contextlib.suppress(OSError, ValueError):
        process.stdin.close()  # the bridge closes its office and exits at end of input
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


_warm: dict[str, WarmOffice] = {}  # this process's office, made on first use
_warm_lock = threading.Lock()


def warm_office() -> WarmOffice | None:
    """This process's warm office (started on first use), or None where there is no `uno` Python."""
    with _warm_lock:
        if "office" not in _warm:
            office, python = soffice(), uno_python()
            if office is None or python is None:
                return None
            _warm["office"] = WarmOffice(python, office)
            atexit.register(_warm["office"].close)
        return _warm["office"]


def warm_up() -> None:
    """Start the office now (a pool worker, before its first department)."""
    office = warm_office()
    if office is not None:
        with contextlib.suppress(OfficeError, OSError):
            office.warm_up()


def shut_down() -> None:
    """Close this process's office, if it has one (it would otherwise be killed by the
    parent-death signal, and left for init to reap)."""
    with _warm_lock:
        warm = _warm.get("office")
    if warm is not None:
        warm.close()


# --- cold ---------------------------------------------------------------------------------------


def libreoffice_pages(docx: Path, office: str) -> list[str]:
    """The text of each page of `docx` as LibreOffice lays it out (whitespace removed)."""
    return _page_texts(libreoffice_pdf(docx, office))


def _page_texts(pdf: Path) -> list[str]:
    text = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, text=True, timeout=120, check=True
    ).stdout
    return ["".join(page.split()) for page in text.split("\f")]


def libreoffice_pdf(docx: Path, office: str, seconds: float = COLD_SECONDS) -> Path:
    """`docx` converted to PDF by a cold LibreOffice, next to it."""
    out = docx.parent
    profile = (out / "lo-profile").as_uri()
    parent = os.getpid()
    command = [
        office_binary(office),
        f"-env:UserInstallation={profile}",
        "--headless",
        "--convert-to",
        "pdf",
        "--outdir",
        str(out),
        str(docx),
    ]
    for _ in range(3):
        done = subprocess.run(
            command,
            check=False,
            capture_output=True,
            timeout=seconds,
            preexec_fn=lambda: _office_child(parent),  # a killed build leaves no LibreOffice behind
        )
        if done.returncode != OFFICE_RESTART:  # 81: what oosplash would restart
            break
    done.check_returncode()
    return docx.with_suffix(".pdf")


_WORD = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">([^<]*)</word>')


def pdf_lines(pdf: Path) -> list[str]:
    """The text lines of `pdf` in page and top-to-bottom order, whitespace removed. A word belongs
    to a line when its vertical centre lies within the line's first word (a full stop or a
    Latin run may sit a point higher or lower than the CJK text around it)."""
    xml = subprocess.run(
        ["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, timeout=120, check=True
    ).stdout
    out: list[str] = []
    for page in xml.split("<page ")[1:]:
        words = sorted(
            ((float(y0) + float(y1)) / 2, float(x), float(y0), float(y1), html.unescape(text))
            for x, y0, y1, text in _WORD.findall(page)
        )
        lines: list[tuple[float, float, list[tuple[float, str]]]] = []
        for centre, x, y0, y1, text in words:
            if lines and lines[-1][0] <= centre <= lines[-1][1]:
                lines[-1][2].append((x, text))
            else:
                lines.append((y0, y1, [(x, text)]))
        out += ["".join("".join(t.split()) for _, t in sorted(line)) for _, _, line in lines]
    return out


def toc_page_numbers(disclosure: Disclosure, pages: list[str]) -> dict[str, int]:
    """anchor → 1-based page where its target starts, searching forward in 目录 order after the 目录.

    Raises LookupError when a target is not found (the caller then leaves the numbers out)."""
    targets = toc_targets(disclosure)
    last_entry = _last_entry(disclosure)
    start = next(i for i, page in enumerate(pages) if last_entry in page) + 1  # the 目录's last page
    numbers: dict[str, int] = {}
    page = start
    for entry in disclosure.toc:
        text = targets[entry.anchor]
        page = next(i for i in range(page, len(pages)) if text in pages[i])
        numbers[entry.anchor] = page + 1
    return numbers


def cold_page_numbers(docx: Path, disclosure: Disclosure, office: str) -> dict[str, int]:
    return cold_paginate(docx, disclosure, office).numbers


def office_seconds(disclosure: Disclosure) -> float:
    """How long LibreOffice may take to lay the document's DOCX out: REQUEST_SECONDS and PAGE_SECONDS for
    each page it will about have (a 绩效目标表 a page, 30 rows of a 公开表, 8 paragraphs). A fixed two
    minutes timed a 1,000-project document out under load, and its 目录 lost its numbers."""
    return REQUEST_SECONDS + PAGE_SECONDS * estimated_pages(disclosure)


def estimated_pages(disclosure: Disclosure) -> float:
    """About how many pages the document has: a 绩效目标表 a page, 30 rows of a 公开表, 8 paragraphs."""
    paragraphs = sum(len(s.paragraphs) + sum(len(sub.paragraphs) for sub in s.subsections) for s in disclosure.sections)
    return len(disclosure.performance_tables) + sum(len(t.rows) for t in disclosure.tables) / 30 + paragraphs / 8


def cold_paginate(
    docx: Path, disclosure: Disclosure, office: str, paragraphs: Sequence[str] = (), cells: Sequence[str] = ()
) -> Pagination:
    """As `WarmOffice.paginate`, from a PDF of a cold LibreOffice; `lines` holds the paragraphs
    found whole in the PDF's text lines (`paragraph_lines`): body paragraphs in the lines read by
    position (`pdf_lines`), table cells in `pdftotext -raw`'s (which keeps a cell's lines apart from
    the next cell's, but may drop a punctuation mark hanging at a line's end)."""
    with tempfile.TemporaryDirectory(prefix="disclosure-toc-") as tmp:
        copy = Path(tmp) / "draft.docx"
        shutil.copyfile(docx, copy)
        pdf = libreoffice_pdf(copy, office, max(COLD_SECONDS, office_seconds(disclosure)))
        numbers = toc_page_numbers(disclosure, _page_texts(pdf))
        lines = paragraph_lines(paragraphs, pdf_lines(pdf)) if paragraphs else {}
        if cells:
            raw = subprocess.run(
                ["pdftotext", "-raw", "-enc", "UTF-8", str(pdf), "-"],
                capture_output=True, text=True, timeout=120, check=True,
            ).stdout  # fmt: skip
            lines.update(paragraph_lines(cells, ["".join(line.split()) for line in re.split(r"[\n\f]", raw)]))
        return Pagination(numbers, lines)


_FOOTER = re.compile(r"第\d+页(共\d+页)?|[-—–－]?\s*\d+\s*[-—–－]?")


def paragraph_lines(paragraphs: Sequence[str], lines: Sequence[str]) -> dict[str, list[str]]:
    """paragraph (whitespace-free) → its lines, for the paragraphs found whole in `lines` (as
    `pdf_lines` reads them, page footers such as "第3页共35页" or "- 3 -" left out so that a
    paragraph running over a page is whole) starting at a line's start and ending at a line's end.
    Paragraphs come mostly in document order: the search goes on from the last one found first."""
    lines = [line for line in lines if line and not _FOOTER.fullmatch(line)]
    joined = "".join(lines)
    starts: list[int] = []
    offset = 0
    for line in lines:
        starts.append(offset)
        offset += len(line)
    first = {start: i for i, start in enumerate(starts)}
    out: dict[str, list[str]] = {}
    cursor = 0
    for raw in paragraphs:
        text = "".join(raw.split())
        if not text or text in out:
            continue
        at = -1
        for origin in (cursor, 0):
            at = joined.find(text, origin)
            while at >= 0 and (at not in first or (at + len(text) < len(joined) and at + len(text) not in first)):
                at = joined.find(text, at + 1)  # (a heading is first found in the 目录, followed by its page)
            if at >= 0:
                break
        if at < 0:
            continue
        end = at + len(text)
        cursor = end
        i = first[at]
        found: list[str] = []
        while i < len(lines) and starts[i] < end:
            found.append(lines[i])
            i += 1
        out[text] = found
    return out


# --- windows: a long document laid out a part at a time -----------------------------------------

WINDOW_AFTER_PAGES = 130  # estimated pages from which the warm office lays the DOCX out in windows
WINDOW_PAGES = 40  # estimated pages a window
CLOSE_ABOVE_MIB = 260  # a new office for the next window once LibreOffice holds this much (a fresh one: ≈ 150)
window_stats: dict[str, int | str] = {}  # the last windowed layout's windows, cuts, widenings (measurement, tests)


BYTES_PER_PAGE = 40_000  # of document.xml: a page of a 绩效目标表 (表7's rows: ≈ 100,000, a conservative guess)
LINES_PER_PAGE = 24  # body lines (仿宋 16 pt at a 28 pt pitch)
CHARS_PER_LINE = 28  # a portrait body line (landscape: more; a conservative guess)


def estimated_element_pages(element: docx_windows.Element) -> float:
    """About how many pages a top-level element takes, erring high: by its bytes (tables), and for a
    paragraph at least by its lines (short paragraphs are few bytes and a whole line each)."""
    by_bytes = (element.end - element.start) / BYTES_PER_PAGE
    if element.kind != "p":
        return by_bytes
    lines = sum(max(1, math.ceil(len(text) / CHARS_PER_LINE)) for text in element.texts) or 1
    return max(by_bytes, lines / LINES_PER_PAGE)


class WindowMismatch(LookupError):
    """A window's layout does not line up with the draft's elements: the whole document is laid out."""


def target_elements(scan: docx_windows.Scan, disclosure: Disclosure) -> dict[str, int]:
    """anchor → the top-level element whose start is its target's start, found as the warm office
    finds targets (`_where`: behind the 目录's last entry, forward in 目录 order; a target given as
    several texts is a whole paragraph). Raises WindowMismatch where a target is not the start of a
    top-level paragraph (its page would not be its element's start page)."""
    where = _where(disclosure)
    flat = [(i, j, text) for i, element in enumerate(scan.elements) for j, text in enumerate(element.texts)]

    def find(origin: tuple[int, int], text: str, whole: bool) -> tuple[int, int, int]:
        at, offset = origin
        for n in range(at, len(flat)):
            paragraph = flat[n][2]
            skip = offset if n == at else 0
            whole_hit = 0 if skip == 0 and paragraph == text else -1  # a whole paragraph, from its start
            hit = whole_hit if whole else paragraph.find(text, skip)
            if hit >= 0:
                return n, hit, hit + len(text)
        raise WindowMismatch(f"not found: {text}")

    n, _, end = find((0, 0), where["after"], False)
    out: dict[str, int] = {}
    for anchor, texts in where["targets"]:
        n, hit, end = find((n, end), texts[0], len(texts) > 1)
        i, j, _ = flat[n]
        if hit or j or scan.elements[i].kind != "p":
            raise WindowMismatch(f"a target inside a paragraph or table: {texts[0]}")
        out[anchor] = i
    return out


def _owners(scan: docx_windows.Scan, wanted: set[str]) -> dict[str, int]:
    """whitespace-free text → the element whose lines the office reads for it: its first body
    paragraph, else the first table holding it (the bridge's `Lines` walks the body, then the tables)."""
    out: dict[str, int] = {}
    for i, element in enumerate(scan.elements):
        if element.kind == "p" and element.texts and element.texts[0] in wanted:
            out.setdefault(element.texts[0], i)
    for i, element in enumerate(scan.elements):
        if element.kind == "tbl":
            for text in element.texts:
                if text in wanted and text not in out:
                    out[text] = i
    return out


def paginate_windows(
    warm: WarmOffice,
    docx: Path,
    disclosure: Disclosure,
    paragraphs: Sequence[str],
    adjust: Adjust | None,
    cells: Sequence[str],
    cell_rows: int,
    window_pages: float | None = None,
) -> tuple[Pagination, dict[str, Spacing]]:
    """The 目录 numbers of a long `docx` laid out a window at a time (bounded memory), with the
    spacing `adjust` applied; the numbers are those of the whole document's layout.

    A window is a run of consecutive top-level body elements (docx_windows; a long table is
    several, cut between rows) of about `window_pages` estimated pages (`estimated_element_pages`);
    it is laid out, adjusted by `adjust` as `paginate` adjusts the whole document (the spacing is
    keyed by text: each window adds its paragraphs'), and cut before its last element k that starts a page afresh with a page after it: the layout up to k
    is the whole document's, shifted by the pages before the window. Targets before k take the
    page of their element; the next window starts at k. With no such k the window is doubled.
    Raises WindowMismatch (or OfficeError) where the window's elements do not line up with the
    draft's: the caller lays out the whole document instead."""
    window_pages = WINDOW_PAGES if window_pages is None else window_pages
    wanted = {"".join(p.split()) for p in paragraphs} | {"".join(c.split()) for c in cells}
    stats = {"windows": 0, "cuts": 0, "row_cuts": 0, "widenings": 0, "restarts": 0}
    where = _where(disclosure)
    searched = re.compile(
        "|".join(map(re.escape, {where["after"], *(t for _, texts in where["targets"] for t in texts)}))
    )

    def keep(text: str) -> bool:
        """A table's paragraph text matters where the office reads its lines or a search could meet it."""
        return text in wanted or searched.search(text) is not None

    with docx_windows.Draft(docx, keep) as draft:
        scan = draft.scan
        count = len(scan.elements)
        targets = target_elements(scan, disclosure)
        owners = _owners(scan, wanted)
        ends = list(itertools.accumulate(map(estimated_element_pages, scan.elements), initial=0.0))  # estimated pages
        numbers: dict[str, int] = {}
        start, offset, width = 0, 0, window_pages
        laid_pages = 0  # pages laid out by this office since it started
        window = draft.folder / "window.docx"
        while start < count:
            end = draft.window_end(start, bisect.bisect_left(ends, ends[start] + width))
            draft.write_window(start, end, window)
            seconds = REQUEST_SECONDS + PAGE_SECONDS * (ends[end] - ends[start])
            stats["windows"] += 1
            if laid_pages >= CLOSE_AFTER_PAGES or warm.resident_mib() >= CLOSE_ABOVE_MIB:
                # LibreOffice keeps part of each closed document's memory (a window of table rows: ≈ 100
                # MiB): a new office now and then keeps its peak that of a short document (≈ 2 s a start).
                warm.close()
                laid_pages = 0
                stats["restarts"] += 1
            laid = _lay_out_window(warm, window, paragraphs, adjust, cells, cell_rows, seconds, owners, start, end)
            pages = _element_pages(scan, start, end, laid.elements)
            laid_pages += laid.page_count
            cut = end
            if end < count:
                cut = next(
                    (
                        k
                        for k in range(end - 1, start, -1)
                        if pages[k - start][0] > pages[k - start - 1][1] and pages[k - start][0] < laid.page_count
                    ),
                    None,
                )
                if cut is None:
                    if adjust is not None:
                        _forget(adjust, owners, start, end)
                    width *= 2
                    stats["widenings"] += 1
                    continue
                stats["cuts"] += 1
                if scan.elements[cut].part > 0:
                    stats["row_cuts"] += 1  # inside a split table
            for anchor, element in targets.items():
                if start <= element < cut:
                    numbers[anchor] = offset + pages[element - start][0]
            if cut < count:
                offset += pages[cut - start][0] - 1
            if adjust is not None:
                _forget(adjust, owners, cut, end)  # laid out again in the next window
            start, width = cut, window_pages
    window_stats.clear()
    window_stats.update(stats)
    applied = {text: list(ranges) for text, ranges in adjust({}).items()} if adjust is not None else {}
    return Pagination({e.anchor: numbers[e.anchor] for e in disclosure.toc}), applied


def _element_pages(scan: docx_windows.Scan, start: int, end: int, laid: Sequence[tuple]) -> list[tuple[int, int]]:
    """The (start page, end page) of the draft's elements [start, end) from the window's laid-out
    elements. LibreOffice may drop an empty paragraph that carries a section break (it takes the
    break to the element before: seen after tables, and after the note under a 决算 table): such an
    element takes the end page of the one before it. The parts of a split table in the window are
    one laid-out table (the header rows, then the parts' rows): a part takes the pages of its rows
    (the first part from the table's start). Raises WindowMismatch where the kinds or a table's rows
    do not line up."""
    out: list[tuple[int, int]] = []
    n = 0
    rows: list[tuple[int, int]] = []  # the laid-out rows below the header of the split table being read
    at = 0  # the first of them not yet taken by a part
    for i in range(start, end):
        element = scan.elements[i]
        if element.table is not None and i > start and scan.elements[i - 1].table is element.table:
            out.append((rows[at][0], rows[at + element.rows - 1][1]))
            at += element.rows
            continue
        kind = "e" if element.kind == "p" and not any(element.texts) else element.kind
        dropped = kind == "e" and element.section is not None and i > start
        if dropped and not (n < len(laid) and laid[n][0] == "e"):
            out.append((out[-1][1], out[-1][1]))
            continue
        if n >= len(laid) or laid[n][0] != kind:
            raise WindowMismatch(f"element {i} is {kind}, laid out as {laid[n][0] if n < len(laid) else None}")
        if element.table is None:
            out.append((laid[n][1], laid[n][2]))
        else:
            rows = _part_rows(scan, i, end, laid[n])
            out.append((laid[n][1] if element.part == 0 else rows[0][0], rows[element.rows - 1][1]))
            at = element.rows
        n += 1
    if n != len(laid):
        raise WindowMismatch("the window has more elements than the draft's")
    return out


def _part_rows(scan: docx_windows.Scan, i: int, end: int, laid: tuple) -> list[tuple[int, int]]:
    """The pages of the rows below the header of the split table whose parts from element `i` to the
    window's end LibreOffice laid out as `laid` (a table on one page reports no rows: all on it)."""
    table = scan.elements[i].table
    assert table is not None
    count = sum(e.rows for e in scan.elements[i:end] if e.table is table)
    reported = list(laid[3]) if len(laid) > 3 and laid[3] else [(laid[1], laid[2])] * (table.header_rows + count)
    if len(reported) != table.header_rows + count or any(page < 1 for row in reported for page in row):
        raise WindowMismatch(f"a split table laid out with {len(reported)} rows, not {table.header_rows} + {count}")
    return reported[table.header_rows :]


def _forget(adjust: Adjust, owners: Mapping[str, int], start: int, end: int) -> None:
    adjust.forget([text for text, element in owners.items() if start <= element < end])


def _lay_out_window(
    warm: WarmOffice,
    window: Path,
    paragraphs: Sequence[str],
    adjust: Adjust | None,
    cells: Sequence[str],
    cell_rows: int,
    seconds: float,
    owners: Mapping[str, int],
    start: int,
    end: int,
) -> Pagination:
    """One window laid out and adjusted as `paginate` adjusts the whole document: `adjust` sees the
    lines of the paragraphs this window owns (their first occurrence is in it); the spacing already
    found (earlier windows' paragraphs repeated here) is applied with the first change. The answer
    holds the elements' pages of the final layout."""
    laid = warm.window(window, paragraphs, cells, cell_rows, adjust is not None, seconds)
    if adjust is None:
        return laid
    first = laid
    applied: dict[str, Spacing] = {}
    kept = True
    for n in range(style.RUN_ROUNDS):
        own = {text: lines for text, lines in laid.lines.items() if start <= owners.get(text, -1) < end}
        spacing = {text: list(ranges) for text, ranges in adjust(own).items()}
        if spacing == applied:
            break
        kept = n + 1 < style.RUN_ROUNDS
        changed = {text: ranges for text, ranges in spacing.items() if applied.get(text) != ranges}
        laid = warm.window_condense(changed, kept, seconds)
        applied = spacing
    if kept and applied:
        return warm.window_release(seconds)
    if kept:
        warm.release()
        return first
    return laid


# --- the one entry point ------------------------------------------------------------------------


class Adjust(Protocol):
    """What `paginate` asks after each layout (docx.RunKeeper)."""

    def __call__(self, lines: Mapping[str, list[str]]) -> Mapping[str, Spacing]: ...

    def reset(self) -> None:
        """Forget what was adjusted: the layout starts again from the unadjusted draft."""

    def forget(self, texts: Iterable[str]) -> None:
        """Forget what was adjusted in these paragraphs (laid out again in the next window)."""


Rewrite = Callable[[Mapping[str, Spacing]], None]


def paginate(
    docx: Path,
    disclosure: Disclosure,
    paragraphs: Sequence[str] = (),
    adjust: Adjust | None = None,
    rewrite: Rewrite | None = None,
    cells: Sequence[str] = (),
    cell_rows: int = 0,
) -> Pagination | None:
    """The 目录 numbers of `docx` and the lines of `paragraphs` and of the table-cell paragraphs
    `cells` (warm: in the first `cell_rows` rows of each table), as LibreOffice lays it out (warm office, else cold); None
    without LibreOffice or when it fails.

    With `adjust(lines)` → spacing (text → ranges (start, end, w:spacing) of every paragraph it
    has touched) and `rewrite(spacing)`, which writes `docx` again with those spacings, the layout
    is read again after each change, up to style.RUN_ROUNDS times (cold: style.COLD_RUN_ROUNDS),
    and the numbers are those of the final spacing: the warm office changes the document it still
    has open (only the paragraphs whose spacing changed, whose lines it reads back) and `docx` is
    rewritten once at the end, the cold path rewrites and lays out `docx` each round.

    A long document (estimated_pages >= WINDOW_AFTER_PAGES) is laid out by the warm office a
    window at a time (`paginate_windows`: LibreOffice's memory stays bounded), with the whole
    document's numbers; where a window does not line up with the draft, the whole document is laid
    out as for a short one. The cold path always converts the whole document."""
    office = soffice()
    if office is None:
        return None
    warm = warm_office()
    if warm is not None and estimated_pages(disclosure) >= WINDOW_AFTER_PAGES:
        try:
            laid, applied = paginate_windows(warm, docx, disclosure, paragraphs, adjust, cells, cell_rows)
        except (OfficeError, OSError, LookupError, KeyError, ValueError) as exc:
            window_stats.clear()
            window_stats["fallback"] = 1
            window_stats["reason"] = f"{type(exc).__name__}: {exc}"[:200]
            if adjust is not None:
                adjust.reset()  # the whole document is laid out from the unadjusted draft
            with contextlib.suppress(OfficeError, OSError):
                warm.release()
        else:
            # The office still holds what its last windows left (up to CLOSE_ABOVE_MIB): it goes, so
            # that its memory and the final rewrite's do not add up (the next document starts another).
            warm.close()
            if applied and rewrite is not None:
                rewrite(applied)
            return laid
    if warm is not None:
        with contextlib.suppress(OfficeError, OSError, LookupError, KeyError, ValueError):
            laid = warm.paginate(
                docx, disclosure, paragraphs, keep=adjust is not None, cells=cells, cell_rows=cell_rows
            )
            if adjust is None:
                return laid
            applied: dict[str, Spacing] = {}
            kept = True
            for n in range(style.RUN_ROUNDS):
                spacing = {text: list(ranges) for text, ranges in adjust(laid.lines).items()}
                if spacing == applied:
                    break
                kept = n + 1 < style.RUN_ROUNDS  # the rounds before the last read the lines, not the numbers
                changed = {text: ranges for text, ranges in spacing.items() if applied.get(text) != ranges}
                laid = warm.condense(disclosure, changed, keep=kept)  # the others' lines stay as they were
                applied = spacing
            # (after a failure the bridge closes the kept document with the next request)
            if kept and applied:
                laid = warm.release(disclosure)  # the numbers of the final layout
            elif kept:
                warm.release()
            if estimated_pages(disclosure) >= CLOSE_AFTER_PAGES:
                # LibreOffice keeps a long document's memory after closing it: the office goes (the
                # next document starts another), so that its memory and the rewrite's do not add up.
                warm.close()
            if applied and rewrite is not None:
                rewrite(applied)
            return laid
    try:
        laid = cold_paginate(docx, disclosure, office, paragraphs, cells)
        if adjust is None or rewrite is None:
            return laid
        applied = {}  # a failed warm office rewrote nothing: the draft on disk has no spacing yet
        adjust.reset()
        for n in range(style.COLD_RUN_ROUNDS):
            spacing = {text: list(ranges) for text, ranges in adjust(laid.lines).items()}
            if spacing == applied:
                break
            rewrite(spacing)
            applied = spacing
            last = n + 1 == style.COLD_RUN_ROUNDS
            laid = cold_paginate(docx, disclosure, office, () if last else paragraphs, () if last else cells)
        return laid
    except (OSError, subprocess.SubprocessError, LookupError, StopIteration):
        return None
