"""The DOCX 目录 notice on the web (generator/build.py TOC_UNNUMBERED): when LibreOffice is installed but gives no
layout, the build's worker reports it, the job's result carries it, the build row stores it and the build and version
pages show it where the officer downloads the DOCX, also when the pages are opened again later.

A module of its own: `failing_office` restarts multiprocessing's fork server, which no other module's pool may be
using at the time."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from generator.web.db import Build
from tests.office import failing_office
from tests.web_helpers import csrf, example, make_site, upload, version_id, wait_build

pytestmark = pytest.mark.slow

# generator/build.py TOC_UNNUMBERED, the text the officer reads (written out here, not imported: the page must say it)
TOC_TEXT = (
    "DOCX 的目录没有页码：LibreOffice 未能完成排版（文件很长、机器繁忙或 LibreOffice 出错）。"
    "DOCX 其余内容完整；请稍后重新生成，以得到目录页码。"
)


def notices_on(page: str) -> list[str]:
    block = re.search(r'<div id="build-notices">(.*?)</div>', page, re.S)
    return re.findall(r'<p class="notice">注意：([^<]+)</p>', block[1]) if block else []


def test_version_and_build_pages_show_the_toc_notice(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with failing_office(tmp_path, monkeypatch):
        s = make_site(tmp_path / "data")
        try:
            dept = s.add_department("目录局")
            c = s.add_account("toc-dept", "department", "目录局")
            vid = version_id(upload(c, dept, example(tmp_path, "002")))
            r = c.post(f"/versions/{vid}/build", data={"csrf": csrf(c)})
            build_path = r.url.path
            page = wait_build(c, build_path)
            assert "已完成" in page
            assert notices_on(page) == [TOC_TEXT]
            assert 'id="office-missing"' not in page  # LibreOffice is installed: not the missing-office notice
            docx = c.get(f"{build_path}/document.docx")
            assert docx.status_code == 200 and docx.content.startswith(b"PK")
        finally:
            s.close()
    # Stored with the build: shown again when the pages are reopened, after LibreOffice works again
    # (nothing on the page is worked out from the machine it is shown on).
    with s.app.state.core.Session() as db:
        b = db.get(Build, int(build_path.rsplit("/", 1)[1]))
        assert b.notices == TOC_TEXT
    assert notices_on(c.get(build_path).text) == [TOC_TEXT]
    version_page = c.get(f"/versions/{vid}").text
    assert notices_on(version_page) == [TOC_TEXT]
    # beside the downloads
    assert version_page.index('id="documents"') < version_page.index('id="build-notices"')
