"""The redline DOCX: read back with lxml, its tracked changes are exactly the reported changes."""

from __future__ import annotations

import copy
import io
import shutil
import subprocess
import zipfile
from collections import Counter
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from generator.catalog import load_catalog
from generator.cli import main
from generator.compute import compute_disclosure
from generator.diff import DiffReport, align, compare_workbooks, diff_results, split_sentences
from generator.pipeline import Result
from generator.render.docx import render_docx
from generator.render.redline import (
    AUTHOR,
    BR,
    DEL,
    DOCUMENT,
    INS,
    RPR,
    TBL,
    TC,
    TR,
    TRPR,
    R,
    accept_all,
    document_texts,
    reject_all,
    w,
    write_redline,
)
from generator.workbook.template import write_workbook
from tests.conftest import example_data
from tests.test_diff import REVISION_000, REVISION_002, revised


def _root(path: Path) -> etree._Element:
    with zipfile.ZipFile(path) as z:
        return etree.fromstring(z.read(DOCUMENT))


@pytest.fixture(scope="module")
def cases(tmp_path_factory: pytest.TempPathFactory, example_paths: dict[str, Path]) -> dict[str, tuple]:
    """name -> (report, redline root, old docx root, new docx root, redline path)."""
    folder = tmp_path_factory.mktemp("redline")
    out = {}
    for name, revision in (("000", REVISION_000), ("002", REVISION_002)):
        new_path = folder / f"{name}-new.xlsx"
        write_workbook(new_path, revised(name, revision))
        report, old, new = compare_workbooks(example_paths[name], new_path)
        out[name] = _render(folder, name, report, old, new)
    return out


def _render(folder: Path, name: str, report: DiffReport, old: Result, new: Result) -> tuple:
    assert old.disclosure is not None and new.disclosure is not None
    red, a, b = folder / f"{name}-redline.docx", folder / f"{name}-old.docx", folder / f"{name}-new.docx"
    write_redline(old.disclosure, new.disclosure, red)
    render_docx(old.disclosure, a)
    render_docx(new.disclosure, b)
    return report, _root(red), _root(a), _root(b), red


def _versions(el: etree._Element) -> tuple[str, str]:
    holder = etree.Element(w("body"))
    holder.append(copy.deepcopy(el))
    return "".join(document_texts(reject_all(holder))), "".join(document_texts(accept_all(holder)))


def _revised(el: etree._Element) -> bool:
    return next(el.iter(INS, DEL), None) is not None


def tracked_cells(root: etree._Element) -> Counter:
    out: Counter = Counter()
    for tbl in root.iter(TBL):
        caption = tbl.xpath("./w:tblPr/w:tblCaption/@w:val", namespaces={"w": w("")[1:-1]})[0]
        for tr in tbl.findall(TR):
            trpr = tr.find(TRPR)
            if trpr is not None and (trpr.find(INS) is not None or trpr.find(DEL) is not None):
                continue  # whole rows are counted by tracked_rows
            for tc in tr.findall(TC):
                if _revised(tc):
                    out[(caption, *_versions_cell(tc))] += 1
    return out


def _versions_cell(tc: etree._Element) -> tuple[str, str]:
    holder = etree.Element(w("body"))
    holder.append(copy.deepcopy(tc))
    return "".join(document_texts(reject_all(holder))), "".join(document_texts(accept_all(holder)))


def tracked_rows(root: etree._Element) -> Counter:
    out: Counter = Counter()
    for tr in root.iter(TR):
        trpr = tr.find(TRPR)
        if trpr is None:
            continue
        if trpr.find(INS) is not None:
            out["added"] += 1
        if trpr.find(DEL) is not None:
            out["removed"] += 1
    return out


def tracked_sentences(root: etree._Element) -> Counter:
    """(old, new) of every changed sentence in the body paragraphs outside tables."""
    out: Counter = Counter()
    body = root.find(w("body"))
    for p in body.findall(w("p")):
        if not _revised(p):
            continue
        old, new = _versions(p)
        a, b = split_sentences(old), split_sentences(new)
        for i, j in align(a, b):
            x = a[i] if i is not None else ""
            y = b[j] if j is not None else ""
            if x != y:
                out[(x, y)] += 1
    return out


def reported_cells(report: DiffReport) -> Counter:
    out: Counter = Counter()
    for c in report.changes:
        if c.action != "modified" or c.kind not in ("table", "performance"):
            continue
        caption = c.location.split(" ")[0] if c.kind == "table" else "项目支出绩效目标表"
        out[(caption, c.old, c.new)] += 1
    return out


@pytest.mark.parametrize("name", ["000", "002"])
def test_accepting_all_gives_the_new_text_and_rejecting_all_the_old(name: str, cases: dict) -> None:
    _, red, old, new, _ = cases[name]
    assert document_texts(accept_all(red)) == document_texts(new)
    assert document_texts(reject_all(red)) == document_texts(old)
    assert document_texts(old) != document_texts(new)


@pytest.mark.parametrize("name", ["000", "002"])
def test_tracked_changes_are_exactly_the_reported_changes(name: str, cases: dict) -> None:
    report, red, *_ = cases[name]
    assert tracked_cells(red) == reported_cells(report)
    assert tracked_sentences(red) == Counter((c.old, c.new) for c in report.changes if c.kind == "text")
    assert tracked_rows(red) == Counter()


def test_revisions_are_attributed_and_dated(cases: dict) -> None:
    _, red, *_ = cases["002"]
    marks = list(red.iter(INS, DEL))
    assert marks
    assert {m.get(w("author")) for m in marks} == {AUTHOR}
    assert {m.get(w("date")) for m in marks} == {"2023-01-31T00:00:00Z"}  # the new version's 落款日期
    ids = [m.get(w("id")) for m in marks]
    assert len(ids) == len(set(ids))
    # a changed cell shows the old value deleted and the new one inserted (side by side where both fit)
    cell = next(tc for tc in red.iter(TC) if "7.71" in "".join(tc.itertext()))
    assert [el.tag for el in cell.iter(INS, DEL)] == [DEL, INS]
    assert "".join(cell.find(f".//{DEL}").itertext()) == "5.71"


def test_struck_and_inserted_figures_in_a_narrow_cell_are_a_line_apart(cases: dict) -> None:
    """Issue 18 §6: in a narrow column "1594.94" struck and "1594.64" inserted ran together as
    "1594.9 / 41594.64". Where both do not fit one line, a line break separates them; the break is
    inserted and deleted at once, so it is in neither version and shows only while tracked."""
    _, red, *_ = cases["002"]
    # 表2's 总计 column (landscape, 16 columns): 7111.51 → 7114.01 do not fit side by side
    cell = next(tc for tc in red.iter(TC) if "".join(t.text or "" for t in tc.iter(w("delText"))) == "7111.51")
    deleted, separator, inserted = cell.find(f".//{DEL}"), cell.find(f".//{INS}"), cell.findall(f".//{INS}")[-1]
    assert [el.tag for el in cell.iter(INS, DEL)] == [DEL, INS, DEL, INS]
    assert "".join(deleted.itertext()) == "7111.51" and "".join(inserted.itertext()) == "7114.01"
    (inner,) = separator
    (run,) = inner
    assert inner.tag == DEL and run.tag == R and [el.tag for el in run if el.tag != RPR] == [BR]
    assert deleted.getnext() is separator and separator.getnext() is inserted
    holder = etree.Element(w("body"))
    holder.append(copy.deepcopy(cell))
    assert document_texts(accept_all(holder)) == ["7114.01"] and document_texts(reject_all(holder)) == ["7111.51"]


def test_redline_is_byte_identical_across_runs(example_results: dict[str, Result], tmp_path: Path) -> None:
    base = example_results["002"]
    edited = _without_item(base, 28)
    assert base.disclosure is not None and edited.disclosure is not None
    a, b = tmp_path / "a.docx", tmp_path / "b.docx"
    write_redline(base.disclosure, edited.disclosure, a)
    write_redline(base.disclosure, edited.disclosure, b)
    assert a.read_bytes() == b.read_bytes()


def _without_item(base: Result, index: int) -> Result:
    assert base.inputs is not None
    items = [i for n, i in enumerate(base.inputs.items) if n != index]
    inputs = base.inputs.model_copy(update={"items": items})
    disclosure, _, book = compute_disclosure(inputs, load_catalog(inputs.info.year))
    return Result(path=Path("edited.xlsx"), inputs=inputs, disclosure=disclosure, book=book)


def test_removed_rows_are_tracked_row_deletions(example_results: dict[str, Result], tmp_path: Path) -> None:
    """002 without its only 2101199 line item: that 项 leaves 表2, 表3 and 表5 (and 表6 keeps 30112)."""
    base = example_results["002"]
    assert base.inputs is not None
    (index,) = [n for n, i in enumerate(base.inputs.items) if i.func_code == "2101199"]
    assert str(base.inputs.items[index].amount) == "0.46"
    edited = _without_item(base, index)
    report = diff_results(base, edited)
    removed = [c for c in report.changes if c.action == "removed"]
    assert {c.location for c in removed} == {
        "表2 2101199 其他行政事业单位医疗支出",
        "表3 2101199 其他行政事业单位医疗支出",
        "表5 2101199 其他行政事业单位医疗支出",
    }
    assert base.disclosure is not None and edited.disclosure is not None
    red_path = tmp_path / "red.docx"
    write_redline(base.disclosure, edited.disclosure, red_path)
    red = _root(red_path)
    assert tracked_rows(red) == Counter({"removed": 3})
    assert tracked_cells(red) == reported_cells(report)
    assert tracked_sentences(red) == Counter((c.old, c.new) for c in report.changes if c.kind == "text")
    old_path, new_path = tmp_path / "old.docx", tmp_path / "new.docx"
    render_docx(base.disclosure, old_path)
    render_docx(edited.disclosure, new_path)
    assert document_texts(accept_all(red)) == document_texts(_root(new_path))
    assert document_texts(reject_all(red)) == document_texts(_root(old_path))


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_libreoffice_lists_the_tracked_changes(cases: dict, tmp_path: Path) -> None:
    _, red, *_, path = cases["002"]
    profile = tmp_path / "profile"
    for fmt in ("fodt", "pdf"):
        subprocess.run(
            [
                "soffice",
                f"-env:UserInstallation=file://{profile}",
                "--headless",
                "--convert-to",
                fmt,
                "--outdir",
                str(tmp_path),
                str(path),
            ],
            check=True,
            capture_output=True,
            timeout=240,
        )
    flat = etree.parse(str(tmp_path / f"{path.stem}.fodt"))
    ns = {"text": "urn:oasis:names:tc:opendocument:xmlns:text:1.0", "dc": "http://purl.org/dc/elements/1.1/"}
    regions = flat.findall(".//text:tracked-changes/text:changed-region", ns)
    inserted = [r for r in regions if r.find("text:insertion", ns) is not None]
    deleted = [r for r in regions if r.find("text:deletion", ns) is not None]
    # LibreOffice does not read a tracked change inside another: the separators between struck and inserted
    # figures in narrow cells (an insertion holding a deletion) are shown as plain line breaks there
    separators = [m for m in red.iter(INS) if m.find(DEL) is not None]
    assert len(inserted) == len(list(red.iter(INS))) - len(separators)
    assert len(deleted) == len(list(red.iter(DEL))) - len(separators)
    assert {c.text for c in flat.findall(".//text:changed-region//dc:creator", ns)} == {AUTHOR}
    pdf_text = subprocess.run(
        ["pdftotext", str(tmp_path / f"{path.stem}.pdf"), "-"], check=True, capture_output=True, text=True
    ).stdout
    assert "7111.51" in pdf_text and "7114.01" in pdf_text  # deletions stay visible beside insertions


@pytest.mark.parametrize("name", ["000", "002"])
@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_redline_of_a_moved_line_item(name: str, example_results: dict[str, Result], data, tmp_path_factory) -> None:
    """Rows appear and disappear, paragraphs move: the round trip and the change lists still hold."""
    from tests.test_diff import _moved_result

    base = example_results[name]
    assert base.inputs is not None and base.disclosure is not None
    codes = [c for c, _ in load_catalog(2023).items()]
    index = data.draw(st.integers(0, len(base.inputs.items) - 1), label="item")
    code = data.draw(st.sampled_from(codes[::7]), label="code")
    moved = _moved_result(base, index, code)
    assert moved.disclosure is not None
    report = diff_results(base, moved)
    folder = tmp_path_factory.mktemp("moved")
    red, old, new = folder / "r.docx", folder / "o.docx", folder / "n.docx"
    write_redline(base.disclosure, moved.disclosure, red)
    render_docx(base.disclosure, old)
    render_docx(moved.disclosure, new)
    root = _root(red)
    assert document_texts(accept_all(root)) == document_texts(_root(new))
    assert document_texts(reject_all(root)) == document_texts(_root(old))
    assert tracked_cells(root) == reported_cells(report)
    # Projects follow 表7 order, so moving an item can reorder 七 and the 绩效目标表. A moved sentence may be
    # shown as changed in place or as deleted and inserted: compare the text that really went and came.
    reported = Counter((c.old, c.new) for c in report.changes if c.kind == "text")
    assert gone_and_come(tracked_sentences(root)) == gone_and_come(reported)


def gone_and_come(changes: Counter) -> tuple[Counter, Counter]:
    """(sentences only the old version has, sentences only the new version has), moves cancelled."""
    gone: Counter = Counter()
    come: Counter = Counter()
    for (old, new), n in changes.items():
        if old:
            gone[old] += n
        if new:
            come[new] += n
    return gone - come, come - gone


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_redline_is_paginated_like_a_build_and_moved_toc_entries_are_reported(tmp_path: Path, capsys) -> None:
    """Issue 18 §6: the redline's 目录 carries page numbers as `disclosure build` lays them out, and a
    revision that moves pages names the moved 目录 entries in 修订说明 and on screen.

    The oracle is the product itself: `build --format docx` of each workbook. Accepting all revisions
    gives the new build's 目录, rejecting all the old one's, and the reported entries are exactly those
    whose page differs between the two builds."""
    from generator.render.redline import toc_pages

    data = example_data("002")
    new = copy.deepcopy(data)
    # About one page more of 第一部分 (a page holds 22 lines of 28 characters): every entry after it moves.
    new["基本信息"]["机构设置"] += "\n" + "局机关各科室按照职责分工做好预算编制、执行和绩效管理工作。" * 24
    old_path, new_path = tmp_path / "old.xlsx", tmp_path / "new.xlsx"
    write_workbook(old_path, data)
    write_workbook(new_path, new)
    builds = {}
    for name, path in (("old", old_path), ("new", new_path)):
        assert main(["build", str(path), "-o", str(tmp_path / name), "--format", "docx"]) == 0
        (docx,) = (tmp_path / name).glob("*.docx")
        builds[name] = toc_pages(docx.read_bytes())
    capsys.readouterr()
    assert all(n is not None for _, n in builds["old"] + builds["new"])  # a build has every number
    moved = [(t, a, b) for (t, a), (_, b) in zip(builds["old"], builds["new"], strict=True) if a != b]
    assert moved and all(b > a for _, a, b in moved)

    out = tmp_path / "修订"
    assert main(["diff", str(old_path), str(new_path), "-o", str(out)]) == 0
    screen = capsys.readouterr().out
    red = _root(out / "修订稿（修订模式）.docx")

    def toc(root: etree._Element) -> list[tuple[str, int | None]]:
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as z:
            z.writestr(DOCUMENT, etree.tostring(root))
        return toc_pages(buf.getvalue())

    assert toc(accept_all(red)) == builds["new"]
    assert toc(reject_all(red)) == builds["old"]
    assert f"目录页码变化{len(moved)}处" in screen
    first_title, first_old, first_new = moved[0]
    assert f"{first_title}：第{first_old}页 → 第{first_new}页" in screen
    rows = list(openpyxl.load_workbook(out / "修订说明.xlsx")["目录页码"].iter_rows(min_row=2, values_only=True))
    assert [(r[0], r[1], r[2]) for r in rows] == moved
    html = (out / "修订说明.html").read_text(encoding="utf-8")
    assert f"目录页码变化（{len(moved)}处）" in html
