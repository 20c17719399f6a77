"""Issue 18 §3: in LibreOffice's layout of the DOCX as built, no line ends inside an amount with
its unit, a 文号 or the last characters of a paragraph (`filters.unbreakable_runs`), in the running
text, the headings and the 绩效目标表's 总体目标 cells. The built DOCX is converted by a cold
`soffice --convert-to pdf` and read back with `pdftotext -raw` (one text line per laid-out line,
table cells included), independently of the renderer's own reading of the layout."""

from __future__ import annotations

import itertools
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from docx import Document

from generator.model import Disclosure
from generator.pipeline import run
from generator.render.docx import cell_texts, paragraph_texts, render_docx_paginated
from generator.render.filters import unbreakable_runs
from generator.workbook.template import write_workbook
from tests.conftest import example_data

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")

pytestmark = [pytest.mark.slow, pytest.mark.skipif(SOFFICE is None, reason="LibreOffice is not installed")]

FOOTER = re.compile(r"第\d+页(共\d+页)?|[-—–－]?\d+[-—–－]?")


@pytest.fixture(scope="module")
def laid_out(disclosures, tmp_path_factory) -> dict[str, tuple[Disclosure, Path, list[str]]]:
    """Example → (model, built DOCX, the PDF's text lines, whitespace-free, page feet left out)."""
    models = {"000": disclosures["000"], "002": disclosures["002"]}
    folder = tmp_path_factory.mktemp("runs")
    write_workbook(folder / "101.xlsx", example_data("101"))  # Shanghai, landscape tables
    result = run(folder / "101.xlsx")
    assert result.ok and result.disclosure is not None
    models["101"] = result.disclosure
    out = {}
    for name, d in models.items():
        path = folder / f"{name}.docx"
        render_docx_paginated(d, path)
        subprocess.run(
            [SOFFICE, f"-env:UserInstallation=file://{folder}/lo-profile", "--headless", "--convert-to", "pdf",
             "--outdir", str(folder), str(path)],
            capture_output=True, timeout=300, check=True,
        )  # fmt: skip
        raw = subprocess.run(
            ["pdftotext", "-raw", "-enc", "UTF-8", str(folder / f"{name}.pdf"), "-"],
            capture_output=True, text=True, timeout=120, check=True,
        ).stdout  # fmt: skip
        lines = ["".join(line.split()) for line in raw.replace("\f", "\n").split("\n")]
        out[name] = (d, path, [line for line in lines if line and not FOOTER.fullmatch(line)])
    return out


def _lines_of(text: str, lines: list[str], starts: dict[int, int], joined: str) -> list[str] | None:
    """The lines that hold `text` exactly (it starts at a line's start and ends at a line's end)."""
    at = joined.find(text)
    while at >= 0 and (at not in starts or (at + len(text) < len(joined) and at + len(text) not in starts)):
        at = joined.find(text, at + 1)  # (a heading is first found in the 目录, followed by its page)
    if at < 0:
        return None
    i, found = starts[at], []
    while i < len(lines) and sum(map(len, found)) < len(text):
        found.append(lines[i])
        i += 1
    return found if sum(map(len, found)) == len(text) else None


@pytest.mark.parametrize("name", ["000", "002", "101"])
def test_no_line_ends_inside_an_unbreakable_run(laid_out, name):
    d, path, lines = laid_out[name]
    joined = "".join(lines)
    starts, offset = {}, 0
    for i, line in enumerate(lines):
        starts[offset] = i
        offset += len(line)
    texts = [t for t in (*paragraph_texts(d), *cell_texts(d)) if t.strip()]
    doc_texts = {"".join(p.text.split()) for p in Document(str(path)).paragraphs}
    found, split = 0, []
    for raw in texts:
        text = "".join(raw.split())
        if raw in paragraph_texts(d):
            assert text in doc_texts  # the text is the model's: spacing changed, not the words
        laid = _lines_of(text, lines, starts, joined)
        if laid is None:
            continue
        found += 1
        at = 0
        for line in laid[:-1]:
            at += len(line)
            split += [f"{text[a:at]}|{text[at:b]}" for a, b in unbreakable_runs(text) if a < at < b]
    assert found >= 0.9 * len({"".join(t.split()) for t in texts})  # the check reads nearly every paragraph
    assert not split, split


def test_the_splits_seen_before_are_gone(laid_out):
    """Hand inspection of LibreOffice's layout of the DOCX before this change (pdftotext -raw):
    example 000 broke "…比上年预算增加151.50" | "万元，增长30.77%…" (二（二）基本支出), example 002 broke
    "…的通知（昌州党办〔2019〕36" | "号）拟定自治州…" (总体目标 of 2023年度单位运转类项目资金)."""
    for name, end, start in (("000", "151.50", "万元"), ("002", "昌州党办〔2019〕36", "号")):
        _, _, lines = laid_out[name]
        assert f"{end}{start}" in "".join(lines)  # the text is there
        assert not [(a, b) for a, b in itertools.pairwise(lines) if a.endswith(end) and b.startswith(start)]


def test_the_cold_path_keeps_runs_whole_too(disclosures, tmp_path, monkeypatch):
    """Without a `uno` Python (cold `soffice --convert-to pdf` each round, fewer rounds), the amount
    of example 000 that LibreOffice split before ("151.50" | "万元") is whole, and the spacing is in
    the DOCX (w:spacing on the runs of that paragraph)."""
    from generator.render import office

    monkeypatch.setattr(office, "warm_office", lambda: None)
    path = tmp_path / "000.docx"
    render_docx_paginated(disclosures["000"], path)
    subprocess.run(
        [SOFFICE, f"-env:UserInstallation=file://{tmp_path}/lo-profile", "--headless", "--convert-to", "pdf",
         "--outdir", str(tmp_path), str(path)],
        capture_output=True, timeout=300, check=True,
    )  # fmt: skip
    raw = subprocess.run(
        ["pdftotext", "-raw", "-enc", "UTF-8", str(tmp_path / "000.pdf"), "-"],
        capture_output=True, text=True, timeout=120, check=True,
    ).stdout  # fmt: skip
    lines = ["".join(line.split()) for line in raw.split("\n")]
    assert "151.50万元" in "".join(lines)
    assert not [(a, b) for a, b in itertools.pairwise(lines) if a.endswith("151.50") and b.startswith("万元")]
    paragraph = next(p for p in Document(str(path)).paragraphs if "比上年预算增加151.50万元" in p.text)
    assert paragraph._p.xpath("./w:r/w:rPr/w:spacing")
