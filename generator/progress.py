"""Progress on a terminal: which stage a long command is in, and a bar for the PDF pages.

Quiet unless the stream is a terminal, so logs, pipes and tests see only the results.
The PDF bar listens to WeasyPrint's `weasyprint.progress` logger ("Step 5 - Creating layout -
Page N"); a handler installed before the build's PDF worker is forked keeps working in it.
"""

from __future__ import annotations

import contextlib
import logging
import re
import sys
from collections.abc import Iterator
from typing import TextIO

BAR_WIDTH = 24
PAGE = re.compile(r"Creating layout - Page (\d+)")


class Progress:
    def __init__(self, stream: TextIO | None = None, *, enabled: bool | None = None, expected_pages: int = 0) -> None:
        self.stream = stream or sys.stderr
        if enabled is None:
            isatty = getattr(self.stream, "isatty", None)
            enabled = bool(isatty and isatty())
        self.enabled = enabled
        self.expected_pages = expected_pages
        self._bar_open = False

    def stage(self, text: str) -> None:
        """A new stage: "［2/3］生成 DOCX…" on its own line."""
        if not self.enabled:
            return
        self._end_bar()
        print(f"… {text}", file=self.stream, flush=True)

    def page(self, number: int) -> None:
        """PDF page `number` laid out: redraw the bar in place."""
        if not self.enabled:
            return
        if self.expected_pages:
            total = max(self.expected_pages, number)
            done = round(BAR_WIDTH * number / total)
            bar = "█" * done + "░" * (BAR_WIDTH - done)
            text = f"第 {number} 页（上次共 {self.expected_pages} 页）"
        else:  # first build: the total is not known yet, the bar only shows that pages advance
            pos = number % BAR_WIDTH
            bar = "░" * pos + "█" + "░" * (BAR_WIDTH - pos - 1)
            text = f"第 {number} 页"
        print(f"\r  PDF 排版 {bar} {text}", end="", file=self.stream, flush=True)
        self._bar_open = True

    def done(self) -> None:
        self._end_bar()

    def _end_bar(self) -> None:
        if self._bar_open:
            print(file=self.stream, flush=True)
            self._bar_open = False

    @contextlib.contextmanager
    def pdf_pages(self) -> Iterator[None]:
        """While the block runs, WeasyPrint's page layout moves the bar."""
        if not self.enabled:
            yield
            return
        handler = _PageHandler(self)
        logger = logging.getLogger("weasyprint.progress")
        old_level, old_propagate = logger.level, logger.propagate
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False
        try:
            yield
        finally:
            logger.removeHandler(handler)
            logger.setLevel(old_level)
            logger.propagate = old_propagate
            # the bar may have been drawn by the forked PDF worker: clear the line either way
            self._bar_open = False
            print("\r\033[K", end="", file=self.stream, flush=True)


class _PageHandler(logging.Handler):
    def __init__(self, progress: Progress) -> None:
        super().__init__(logging.INFO)
        self.progress = progress

    def emit(self, record: logging.LogRecord) -> None:
        match = PAGE.search(record.getMessage())
        if match:
            self.progress.page(int(match[1]))
