"""DOCX page fill as LibreOffice lays the DOCX out (issue 18 §3: "no page a quarter empty from keep-with-next
chains"; the PDF's own test is test_typesetting.test_no_page_of_the_running_text_is_a_quarter_empty).

Every portrait page is read back from LibreOffice's PDF of the DOCX: the lowest character inside the text
block must reach three quarters of its height, except on a page followed by a forced page break (the next
page opens the 目录, a part that starts a new page, or a 公开表: the page before it ends where its content
ends) and on the last two pages (the last 名词解释 moves whole to the signature's page by design).
"""

from __future__ import annotations

import re
from pathlib import Path

import pdfplumber
import pytest

from generator.model import Disclosure
from generator.render import style as S
from generator.render.docx import render_docx
from generator.render.office import libreoffice_pdf
from tests.office import soffice_with

EXAMPLES = ("000", "002")
SPACE = re.compile(r"\s")


@pytest.fixture(scope="module")
def office() -> str:
    soffice, why = soffice_with("writer")
    if soffice is None:
        pytest.skip(why)
    return soffice


def forced_openings(d: Disclosure) -> list[str]:
    """Whitespace-free texts a page opens with after a forced page break."""
    out = ["目录"]
    out += [SPACE.sub("", p.heading) for p in d.parts if not p.run_on]
    out += [SPACE.sub("", t.label + t.title) for t in d.tables]
    return out


@pytest.mark.slow
@pytest.mark.parametrize("name", EXAMPLES)
def test_no_docx_page_is_a_quarter_empty(name: str, disclosures, office: str, tmp_path: Path) -> None:
    d = disclosures[name]
    docx = tmp_path / f"{name}.docx"
    render_docx(d, docx)
    pdf = libreoffice_pdf(docx, office)
    top, bottom = S.PORTRAIT.top / S.PT_MM, (S.PORTRAIT.height - S.PORTRAIT.bottom) / S.PT_MM
    openings = forced_openings(d)
    with pdfplumber.open(pdf) as doc:
        pages = list(doc.pages)
        texts = [SPACE.sub("", page.extract_text() or "") for page in pages]
        fills, excused = {}, []
        for number in range(1, len(pages) - 1):  # 1-based; the last two pages are left out
            page, following = pages[number - 1], texts[number]
            if page.width > page.height:
                continue  # a landscape 公开表 page
            if any(following.startswith(o) for o in openings):
                excused.append(number)
                continue
            chars = [c for c in page.chars if top - 2 < c["top"] and c["bottom"] < bottom + 2]
            fills[number] = (max(c["bottom"] for c in chars) - top) / (bottom - top)
    assert len(fills) >= 12 and len(excused) >= 8  # the running text of 第一部分 and 第三部分; the 公开表
    assert all(f >= 0.75 for f in fills.values()), {n: round(f, 2) for n, f in fills.items() if f < 0.75}
