"""The PDF levers (generator/render/weasy_internals.py, font-config reuse, gc freeze) change no byte.

`test_every_lever_is_installed` is the upgrade alarm: when a WeasyPrint or pydyf release
changes the code a lever patches, `install()` leaves the lever out (the PDF stays correct,
only slower or bigger in memory) and this test fails, naming the lever to revisit (see the
module docstring for the upstream change that would make each lever unnecessary).
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pydyf
import pytest

from generator.render import pdf as pdf_render
from generator.render import weasy_internals

ROOT = Path(__file__).resolve().parents[1]

RENDER_SEQUENCE = r"""
import hashlib, json, sys
from pathlib import Path
from generator.pipeline import run
from generator.render import pdf
pdf.warm_up()
out = {}
for name in sys.argv[2:]:
    target = Path(sys.argv[1]) / (name + ".pdf")
    workbook = Path(json.loads(sys.stdin.readline()))
    pdf.render_pdf(run(workbook).disclosure, target)
    out.setdefault(name, []).append(hashlib.sha256(target.read_bytes()).hexdigest())
print(json.dumps(out))
"""


def render_in_subprocess(levers: str, workbooks: list[tuple[str, Path]], folder: Path) -> dict[str, list[str]]:
    """Render the workbooks one after the other in one fresh process; sha256 of each PDF."""
    folder.mkdir(parents=True, exist_ok=True)
    proc = subprocess.run(
        [sys.executable, "-c", RENDER_SEQUENCE, str(folder), *(name for name, _ in workbooks)],
        input="".join(json.dumps(str(path)) + "\n" for _, path in workbooks),
        env={**os.environ, pdf_render.LEVERS_ENV: levers},
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
    )
    return json.loads(proc.stdout.splitlines()[-1])


def test_every_lever_is_installed() -> None:
    installed = weasy_internals.install()
    assert installed == dict.fromkeys(weasy_internals.LEVERS, True), (
        "a WeasyPrint/pydyf upgrade changed code a lever patches; see generator/render/weasy_internals.py"
    )


@pytest.mark.slow
def test_levers_keep_the_pdf_byte_identical(example_paths: dict[str, Path], tmp_path: Path) -> None:
    """All levers on, several documents in one process (shared font configuration, frozen GC),
    against all levers off, one document per process."""
    with_levers = render_in_subprocess(
        "all",
        [("000", example_paths["000"]), ("002", example_paths["002"]), ("000", example_paths["000"])],
        tmp_path / "on",
    )
    for name in ("000", "002"):
        without = render_in_subprocess("none", [(name, example_paths[name])], tmp_path / f"off-{name}")
        assert set(with_levers[name]) == set(without[name]), name


@pytest.mark.slow
def test_deferred_font_copy_is_made_when_read(tmp_path: Path) -> None:
    """With `full_fonts` WeasyPrint embeds the whole font: the deferred copy must appear, unchanged."""
    html = '<p style="font-family: Noto Sans CJK SC">部门预算</p>'
    weasy_internals.install()
    try:
        with_lever = pdf_render._html_class()(string=html).write_pdf(full_fonts=True)
    finally:
        weasy_internals.uninstall()
    try:
        without = pdf_render._html_class()(string=html).write_pdf(full_fonts=True)
    finally:
        weasy_internals.install()
    assert len(with_lever) > 10_000_000  # the whole Noto Sans CJK collection is in there
    assert hashlib.sha256(with_lever).digest() == hashlib.sha256(without).digest()


def test_page_references_follow_added_pages() -> None:
    weasy_internals.install()
    document = pydyf.PDF()
    assert document.page_references == ()
    seen = []
    for _ in range(3):
        page = pydyf.Dictionary({"Type": "/Page"})
        document.add_page(page)
        seen.append(f"{page.number} 0 R".encode())
        assert document.page_references == tuple(seen)
    assert document.page_references is document.page_references  # cached, not rebuilt per access
