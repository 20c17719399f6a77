"""The DOCX 目录 paginator (generator/render/office.py): the warm LibreOffice gives the pages
a cold `soffice --convert-to pdf` + pdftotext gives, survives what a pool worker does to it
(a forked child using it, a child killed mid-request, a document it cannot search), and dies
with its owner."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from generator.render import docx_windows, office, style
from generator.render.docx import PERF_HEADER_ROWS, render_docx

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(office.soffice() is None, reason="LibreOffice is not installed"),
    pytest.mark.skipif(office.uno_python() is None, reason="no Python with the uno module (python3-uno)"),
]

EXAMPLES = ("000", "002")
INPUTS = Path(__file__).resolve().parents[1] / "inputs"


@pytest.fixture(scope="module")
def warm():
    w = office.WarmOffice(office.uno_python(), office.soffice())
    yield w
    w.close()


@pytest.fixture(scope="module")
def drafts(disclosures, tmp_path_factory):
    """Each example's DOCX as `render_docx_paginated` drafts it (placeholder numbers)."""
    out = {}
    for name in EXAMPLES:
        d = disclosures[name]
        path = tmp_path_factory.mktemp("office") / f"{name}.docx"
        render_docx(d, path, {e.anchor: 88 for e in d.toc})
        out[name] = path
    return out


@pytest.mark.parametrize("name", EXAMPLES)
def test_warm_and_cold_agree_on_paragraph_lines(warm, drafts, disclosures, name):
    """The warm office reads each paragraph's lines from the layout (view cursor), the cold path
    from the PDF's text lines: they agree on every paragraph the PDF's lines hold whole, and the
    warm office also reads the 总体目标 cells of the 绩效目标表."""
    from generator.render.docx import cell_texts, paragraph_texts

    d = disclosures[name]
    paragraphs = paragraph_texts(d)
    cells = cell_texts(d)
    hot = warm.paginate(drafts[name], d, paragraphs, cells=cells, cell_rows=PERF_HEADER_ROWS)
    cold = office.cold_paginate(drafts[name], d, office.soffice(), paragraphs)
    assert hot.numbers == cold.numbers
    body = {"".join(p.split()) for p in paragraphs}
    assert set(hot.lines) == body | {"".join(c.split()) for c in cells}  # every paragraph and cell found
    assert all("".join(lines) == text for text, lines in hot.lines.items())
    assert len(cold.lines) >= 0.9 * len(body) and cells
    assert {text: hot.lines[text] for text in cold.lines} == cold.lines
    short = {text: line for text, line in hot.last_lines.items() if len(line) <= 2}
    assert len(short) >= 3  # the examples have paragraphs ending in a line of one or two characters uncondensed


@pytest.mark.parametrize("name", EXAMPLES)
def test_warm_and_cold_agree(warm, drafts, disclosures, name):
    d = disclosures[name]
    hot = warm.page_numbers(drafts[name], d)
    cold = office.cold_page_numbers(drafts[name], d, office.soffice())
    assert hot == cold
    assert list(hot) == [e.anchor for e in d.toc]
    # Hand-checked on the LibreOffice rendering: after a one-page cover and a one-page 目录, 第一部分
    # starts on page 3 and the ten 公开表 follow 第二部分 in order, each on a later page.
    assert hot["part1"] == 3
    tables = [hot[f"table{n}"] for n in range(1, 11)]
    assert hot["part2"] <= tables[0] and tables == sorted(set(tables))


def test_table_label_is_a_whole_paragraph(warm, drafts, disclosures):
    """表1 is searched as a whole paragraph: "表10" (on a later page) must not be taken for it."""
    d = disclosures["000"]
    pages = warm.page_numbers(drafts["000"], d)
    assert pages["table1"] < pages["table10"]


def test_a_document_it_cannot_search_fails_alone(warm, drafts, disclosures, tmp_path):
    other = disclosures["002"]
    with pytest.raises(office.OfficeError):
        warm.page_numbers(drafts["000"], other)  # 002's headings are not in 000's document
    d = disclosures["000"]
    assert warm.page_numbers(drafts["000"], d)["part1"] == 3  # the same office answers the next one


def test_a_forked_child_uses_the_parents_office(warm, drafts, disclosures):
    d = disclosures["000"]
    expected = warm.page_numbers(drafts["000"], d)
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            os.close(read_fd)
            os.write(write_fd, repr(warm.page_numbers(drafts["000"], d)).encode())
            code = 0
        finally:
            os._exit(code)
    os.close(write_fd)
    with os.fdopen(read_fd, "rb") as pipe:
        answer = pipe.read().decode()
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert answer == repr(expected)
    # the parent's office is still its own and answers
    assert warm.page_numbers(drafts["002"], disclosures["002"])["part1"] == 3


def test_a_child_killed_mid_request_does_not_confuse_the_parent(warm, drafts, disclosures):
    """The child's reply arrives after it was killed; the parent skips it by its id."""
    d0, d2 = disclosures["000"], disclosures["002"]
    expected = warm.page_numbers(drafts["002"], d2)
    pid = os.fork()
    if pid == 0:
        try:
            warm.page_numbers(drafts["000"], d0)
        finally:
            os._exit(0)
    time.sleep(0.2)  # the request is written; the office is laying out 000
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    assert warm.page_numbers(drafts["002"], d2) == expected


def _offices_of(pipe_owner: int) -> list[str]:
    found = subprocess.run(
        ["pgrep", "-f", f"name=disclosure-{pipe_owner}-"], capture_output=True, text=True, check=False
    )
    return found.stdout.split()


def test_the_office_dies_with_its_owner(tmp_path):
    script = textwrap.dedent(
        """
        import os, sys, time
        from generator.render import docx_windows, office, style
        office.warm_up()
        print(office.warm_office()._process.pid, flush=True)
        time.sleep(600)
        """
    )
    owner = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    bridge = int(owner.stdout.readline())
    assert _offices_of(bridge), "the bridge started no LibreOffice"
    owner.kill()
    owner.wait()
    deadline = time.monotonic() + 20
    while _offices_of(bridge) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not _offices_of(bridge)


def test_without_uno_the_cold_path_gives_the_numbers(drafts, disclosures, tmp_path):
    script = textwrap.dedent(
        f"""
        from pathlib import Path
        from generator.pipeline import run
        from generator.render import docx_windows, office, style
        assert office.uno_python() is None and office.warm_office() is None
        d = run(Path({str(next(INPUTS.glob("000-*.xlsx")))!r})).disclosure
        print(office.paginate(Path({str(drafts["000"])!r}), d).numbers["part1"])
        """
    )
    env = {**os.environ, office.UNO_PYTHON_ENV: "none"}
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=300, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "3"


@pytest.mark.parametrize("name", EXAMPLES)
def test_filled_draft_is_the_rendering_with_numbers(drafts, disclosures, tmp_path, name):
    """The 目录 numbers are written into the draft instead of rendering a second time: the bytes
    must be those of a rendering with the numbers."""
    from generator.render.docx import fill_toc_numbers

    d = disclosures[name]
    numbers = {e.anchor: 3 + i * 2 for i, e in enumerate(d.toc)}  # 3, 5, … 53: one and two digits
    rendered = tmp_path / "rendered.docx"
    render_docx(d, rendered, numbers)
    filled = fill_toc_numbers(drafts[name].read_bytes(), [numbers[e.anchor] for e in d.toc])
    assert filled == rendered.read_bytes()


@pytest.mark.parametrize("name", EXAMPLES)
def test_tightening_in_the_open_document_equals_laying_out_the_tightened_file(
    warm, drafts, disclosures, tmp_path, name
):
    """The warm office spaces the lines of the document it still has open (CharKerning on ranges);
    its numbers and lines must be those of the spaced DOCX laid out afresh."""
    from generator.render.docx import RunKeeper, broken_runs, cell_texts, paragraph_texts

    d = disclosures[name]
    paragraphs, cells = paragraph_texts(d), cell_texts(d)
    first = warm.paginate(drafts[name], d, paragraphs, keep=True, cells=cells, cell_rows=PERF_HEADER_ROWS)
    flat_cells = {"".join(c.split()) for c in cells}
    sizes = {text: style.PERF_GRID.size if text in flat_cells else style.TEXT["body"].size for text in first.lines}
    keeper = RunKeeper(sizes)
    spacing = keeper(first.lines)
    assert spacing, "the examples have runs split by a line break"
    in_place = warm.condense(d, spacing, keep=True)  # the lines of the paragraphs spaced
    numbers = warm.release(d).numbers  # and the numbers, read once from the final layout
    spaced = tmp_path / "spaced.docx"
    render_docx(d, spaced, {e.anchor: 88 for e in d.toc}, spacing)
    assert numbers == office.cold_paginate(spaced, d, office.soffice()).numbers
    assert set(in_place.lines) == set(spacing)
    afresh = warm.paginate(spaced, d, paragraphs, cells=cells, cell_rows=PERF_HEADER_ROWS)
    assert {text: afresh.lines[text] for text in spacing} == {text: in_place.lines[text] for text in spacing}
    before = sum(len(broken_runs(text, first.lines[text])) for text in spacing)
    after = sum(len(broken_runs(text, afresh.lines[text])) for text in spacing)
    assert after < before


def test_twips_become_hundredths_of_a_millimetre_as_libreoffice_rounds():
    # 1 twip = 127/72 hundredths of a mm; halves round away from zero (o3tl::convert)
    assert office.twips_to_mm100(-30) == -53  # -52.92
    assert office.twips_to_mm100(-36) == -64  # -63.5
    assert office.twips_to_mm100(72) == 127
    assert office.twips_to_mm100(0) == 0


def _record_renders(monkeypatch, log: Path, note) -> None:
    """Each DOCX rendering appends note() as a line to `log`: it runs in a forked child, whose
    memory the test does not see."""
    from generator.render import docx

    original = docx.render_docx

    def spy(*args, **kwargs):
        with log.open("a") as f:
            f.write(f"{note()}\n")
        return original(*args, **kwargs)

    monkeypatch.setattr(docx, "render_docx", spy)


def test_a_long_document_closes_the_warm_office_and_renders_apart(disclosures, tmp_path, monkeypatch):
    """Issue 18 §7b, the DOCX's memory: each rendering of the DOCX runs in a forked child (its XML tree
    dies with it), and after laying out a long document (here: CLOSE_AFTER_PAGES lowered to 1) the
    warm LibreOffice is closed before the final rewrite, so that its memory and the rewrite's do not
    add up (200 projects: 502 → 285 MiB tree peak). The DOCX is the same, with its 目录 numbers, and the
    next document starts a new office."""
    from generator.render import docx

    before = tmp_path / "before.docx"
    assert docx.render_docx_paginated(disclosures["002"], before)
    pids = tmp_path / "pids"
    _record_renders(monkeypatch, pids, lambda: str(os.getpid()))
    monkeypatch.setattr(office, "CLOSE_AFTER_PAGES", 1)
    warm = office.warm_office()
    assert warm is not None
    after = tmp_path / "after.docx"
    assert docx.render_docx_paginated(disclosures["002"], after)
    assert warm._process is None  # closed
    assert after.read_bytes() == before.read_bytes()
    rendered = [int(p) for p in pids.read_text().split()]
    assert rendered and os.getpid() not in rendered
    again = tmp_path / "again.docx"
    assert docx.render_docx_paginated(disclosures["002"], again)  # a new office
    assert again.read_bytes() == before.read_bytes()


@pytest.fixture(scope="module")
def many_projects(tmp_path_factory):
    """A 24-project document (example 002's projects cloned: scripts/make_large_workbook.py)."""
    import importlib.util

    from generator.pipeline import run
    from generator.workbook.template import write_workbook

    root = Path(__file__).resolve().parents[1]
    spec = importlib.util.spec_from_file_location("make_large_workbook", root / "scripts" / "make_large_workbook.py")
    large = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(large)
    path = tmp_path_factory.mktemp("many") / "many.xlsx"
    write_workbook(path, large.large_example(24))
    result = run(path)
    assert result.ok and result.disclosure is not None
    return result.disclosure


def test_windows_give_the_whole_documents_numbers_and_docx(many_projects, tmp_path, monkeypatch):
    """Issue 18 §7b: a long document is laid out in windows of a few pages (here WINDOW_PAGES = 4, so
    that there are many windows and cuts), each with its RunKeeper rounds; the 目录 numbers and the
    final DOCX are those of the whole document's layout (the oracle: the whole-document path)."""
    from generator.render import docx

    numbers: dict[str, dict[str, int]] = {}
    original = office.paginate

    def spy(name):
        def paginate(*args, **kwargs):
            laid = original(*args, **kwargs)
            numbers[name] = laid.numbers
            return laid

        return paginate

    monkeypatch.setattr(office, "WINDOW_AFTER_PAGES", 10**9)
    monkeypatch.setattr(office, "paginate", spy("whole"))
    whole = tmp_path / "whole.docx"
    assert docx.render_docx_paginated(many_projects, whole)
    office.window_stats.clear()
    monkeypatch.setattr(office, "WINDOW_AFTER_PAGES", 0)
    monkeypatch.setattr(office, "WINDOW_PAGES", 4)
    monkeypatch.setattr(docx_windows, "SPLIT_ROWS", 3)  # tables of more than 3 rows are split in parts too
    monkeypatch.setattr(office, "paginate", spy("windows"))
    windows = tmp_path / "windows.docx"
    assert docx.render_docx_paginated(many_projects, windows)
    assert "fallback" not in office.window_stats
    assert office.window_stats["cuts"] >= 5, office.window_stats
    assert numbers["windows"] == numbers["whole"]
    assert max(numbers["whole"].values()) > 30  # a long document: its last targets lie far behind the cuts
    assert windows.read_bytes() == whole.read_bytes()


@pytest.mark.parametrize(("stem", "pages", "rows"), [("002-", 4, 3), ("104-", 3, 2)])
def test_windows_begun_where_text_flowed_or_inside_a_section_give_the_whole_documents_docx(
    stem, pages, rows, tmp_path, monkeypatch
):
    """Two window starts the windows once got wrong, against the whole document's layout. In 002 at
    4-page windows a window began with a 绩效目标表's title that the text had flowed onto a new page:
    LibreOffice drops its 12 pt spacing before there but keeps it at a document's start, so 名词解释
    came a page late (32, not 31): the window now drops it too. 104 (Shanghai) is one section with a
    distinct first page (the cover): no window could begin inside it, now its copy has none. Tables
    of more than `rows` rows are cut between rows too."""
    from generator import pipeline
    from generator.render import docx

    [source] = INPUTS.glob(f"{stem}*.xlsx")
    d = pipeline.run(source).disclosure
    monkeypatch.setattr(office, "WINDOW_AFTER_PAGES", 10**9)
    whole = tmp_path / "whole.docx"
    assert docx.render_docx_paginated(d, whole)
    office.window_stats.clear()
    monkeypatch.setattr(office, "WINDOW_AFTER_PAGES", 0)
    monkeypatch.setattr(office, "WINDOW_PAGES", pages)
    monkeypatch.setattr(docx_windows, "SPLIT_ROWS", rows)
    windows = tmp_path / "windows.docx"
    assert docx.render_docx_paginated(d, windows)
    assert "fallback" not in office.window_stats
    assert office.window_stats["cuts"] >= 3 and office.window_stats["row_cuts"] >= 1, office.window_stats
    assert windows.read_bytes() == whole.read_bytes()


def test_windows_close_the_warm_office_before_the_final_rewrite(disclosures, tmp_path, monkeypatch):
    """After a windowed layout the office still holds what its last windows left (up to
    CLOSE_ABOVE_MIB): it is closed before the final rewrite, whose forked child would otherwise add
    up with it (2,000 projects: 458 MiB tree peak at the rewrite, the office 180 of it)."""
    from generator.render import docx

    warm = office.warm_office()
    assert warm is not None
    states = tmp_path / "alive"
    _record_renders(monkeypatch, states, lambda: str(int(warm._process is not None)))
    monkeypatch.setattr(office, "WINDOW_AFTER_PAGES", 0)
    monkeypatch.setattr(office, "WINDOW_PAGES", 5)
    office.window_stats.clear()
    assert docx.render_docx_paginated(disclosures["002"], tmp_path / "d.docx")
    assert office.window_stats["windows"] >= 3 and "fallback" not in office.window_stats
    alive = states.read_text().split()
    assert len(alive) == 2 and alive[-1] == "0"  # the draft, then the final rewrite with no office beside it


def test_a_new_office_once_libreoffice_holds_too_much(drafts, disclosures, monkeypatch):
    """LibreOffice keeps part of each closed window's memory (≈ 100 MiB after a window of 表7's rows):
    before a window, an office that holds CLOSE_ABOVE_MIB or more is replaced. With the bound at 1
    MiB every window gets a new office, and the numbers are the whole document's."""
    d = disclosures["002"]
    monkeypatch.setattr(office, "WINDOW_AFTER_PAGES", 10**9)
    whole = office.paginate(drafts["002"], d)
    warm = office.warm_office()
    assert warm is not None and warm.resident_mib() > 50  # LibreOffice itself, after a document
    monkeypatch.setattr(office, "WINDOW_AFTER_PAGES", 0)
    monkeypatch.setattr(office, "WINDOW_PAGES", 5)
    monkeypatch.setattr(office, "CLOSE_ABOVE_MIB", 1)
    office.window_stats.clear()
    laid = office.paginate(drafts["002"], d)
    assert office.window_stats["windows"] >= 3 and "fallback" not in office.window_stats
    assert office.window_stats["restarts"] == office.window_stats["windows"], office.window_stats
    assert laid is not None and whole is not None and laid.numbers == whole.numbers


def test_a_window_that_does_not_line_up_falls_back_to_the_whole_document(drafts, disclosures, monkeypatch):
    """Where a window's laid-out elements differ in kind from the draft's, no number is taken from
    the windows: the whole document is laid out and gives the numbers."""
    d = disclosures["002"]
    monkeypatch.setattr(office, "WINDOW_AFTER_PAGES", 10**9)
    whole = office.paginate(drafts["002"], d)
    warm = office.warm_office()
    original = office.WarmOffice.window

    def shifted(self, *args, **kwargs):
        laid = original(self, *args, **kwargs)
        kinds = {"p": "tbl", "tbl": "p", "e": "p"}
        return office.Pagination(
            laid.numbers, laid.lines, ((kinds[laid.elements[0][0]], 1, 1), *laid.elements[1:]), laid.page_count
        )

    monkeypatch.setattr(office.WarmOffice, "window", shifted)
    monkeypatch.setattr(office, "WINDOW_AFTER_PAGES", 0)
    monkeypatch.setattr(office, "WINDOW_PAGES", 5)
    office.window_stats.clear()
    assert warm is not None
    with pytest.raises(office.WindowMismatch):
        office.paginate_windows(warm, drafts["002"], d, (), None, (), 0)
    laid = office.paginate(drafts["002"], d)
    assert office.window_stats["fallback"] == 1 and "WindowMismatch" in office.window_stats["reason"]
    assert laid is not None and laid.numbers == whole.numbers
