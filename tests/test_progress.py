"""Progress shows on a terminal only: stages, and a bar that advances with the PDF pages."""

from __future__ import annotations

import io
import logging

from generator import cli
from generator.progress import Progress


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_quiet_when_not_a_terminal():
    stream = io.StringIO()
    progress = Progress(stream)
    assert not progress.enabled
    progress.stage("生成 PDF")
    with progress.pdf_pages():
        logging.getLogger("weasyprint.progress").info("Step 5 - Creating layout - Page %d", 3)
    assert stream.getvalue() == ""


def test_terminal_shows_stages_and_a_page_bar():
    stream = Terminal()
    progress = Progress(stream, expected_pages=10)
    progress.stage("读取并检查工作簿")
    with progress.pdf_pages():
        for page in (1, 5, 10):
            logging.getLogger("weasyprint.progress").info("Step 5 - Creating layout - Page %d", page)
    out = stream.getvalue()
    assert "… 读取并检查工作簿\n" in out
    assert "第 5 页（上次共 10 页）" in out and "█" * 12 + "░" * 12 in out
    assert "█" * 24 in out  # page 10 of 10: full bar
    assert out.endswith("\r\033[K")  # the bar line is cleared before results are printed


def test_build_on_a_pipe_prints_only_results(example_paths, tmp_path, capfd):
    assert cli.main(["build", str(example_paths["002"]), "-o", str(tmp_path), "--format", "docx"]) == 0
    out, err = capfd.readouterr()
    assert "…" not in out + err and "PDF 排版" not in out + err and "\r" not in out + err
    assert "已生成：" in out
