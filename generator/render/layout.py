"""Column widths from the content, and header lines broken only between words.

Both renderers call `table_layouts(disclosure)` and lay out exactly what it returns: the
width of every leaf column (mm) and every header cell as explicit lines. A header line
never exceeds its cell, so neither Word/WPS/LibreOffice nor WeasyPrint wraps it again, and
both documents break each header at the same word boundary. Widths come from the text
that must fit (the longest word of each header, the longest amount, short body texts
kept whole), with the spare width going to the columns whose text is long.

Presentation only: this module measures text; it computes no figure.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from generator import formatting as fmt
from generator.model import Disclosure, PerformanceTable, Table
from generator.render import style as S

# Advance widths in em. CJK and fullwidth glyphs are 1 em in every font used; Latin, digits
# and the ASCII space are taken wider than they are in 宋体/仿宋/Noto (about 0.5 em) so that
# a measured line always fits in the real fonts.
ASCII_EM = 0.55
SAFETY = 1.04  # fonts' side bearings, bold headers, rounding in Word's twips
KEEP_WHOLE_EM = 9.0  # body texts up to this width never break (e.g. "按照正常比例赋分", "<=14.38万元")


def text_em(text: str) -> float:
    return sum(1.0 if unicodedata.east_asian_width(ch) in "WFA" else ASCII_EM for ch in text)


def em_mm(em: float, size_pt: float) -> float:
    return em * size_pt * S.PT_MM * SAFETY


@dataclass(frozen=True)
class LaidHead:
    lines: tuple[str, ...]
    colspan: int
    rowspan: int

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


@dataclass(frozen=True)
class TableLayout:
    widths: tuple[float, ...]  # mm per leaf column; sum = the table width
    head: tuple[tuple[LaidHead, ...], ...]
    grid: S.Grid
    labels: dict[str, str]  # free label cell: published text -> text with its line breaks

    def label(self, text: str) -> str:
        return self.labels[text]

    @property
    def width(self) -> float:
        return sum(self.widths)

    def percents(self) -> list[float]:
        return [round(w * 100 / self.width, 3) for w in self.widths]


def segments(text: str) -> list[list[str]]:
    """Forced lines of a header text, each a list of unbreakable words."""
    return [line.split("|") for line in text.split("\n")]


def wrap_words(words: list[str], width_em: float) -> list[str]:
    lines: list[str] = []
    line = ""
    for word in words:
        if line and text_em(line + word) > width_em:
            lines.append(line)
            line = word
        else:
            line += word
    lines.append(line)
    return lines


def body_tokens(text: str, keep_whole_em: float = KEEP_WHOLE_EM) -> tuple[float, float, float]:
    """(hard minimum em, soft minimum em, natural em) of a body cell text: ASCII runs (numbers,
    "<=14.38") must stay whole; texts up to `keep_whole_em` should stay whole when there is room."""
    lines = text.split("\n") or [""]
    natural = max(text_em(line) for line in lines)
    hard = max((text_em(run) for line in lines for run in _ascii_runs(line)), default=1.0)
    soft = natural if natural <= keep_whole_em else hard
    return hard, max(hard, soft), natural


def _ascii_runs(line: str) -> list[str]:
    runs, cur = [], ""
    for ch in line:
        if unicodedata.east_asian_width(ch) in "WFA":
            if cur:
                runs.append(cur)
            cur = ""
        else:
            cur += ch
    if cur:
        runs.append(cur)
    return runs


@dataclass
class _Need:
    minimum: list[float]  # mm, must fit (header words, numbers)
    natural: list[float]  # mm


def _needs(ncols: int) -> _Need:
    return _Need([0.0] * ncols, [0.0] * ncols)


def _place(head: list[list[S.HeadCell]], ncols: int) -> list[list[tuple[int, S.HeadCell]]]:
    """(first column, cell) for each header cell, resolving rowspans from above."""
    taken = [[False] * ncols for _ in head]
    placed = []
    for r, row in enumerate(head):
        c = 0
        out = []
        for cell in row:
            while taken[r][c]:
                c += 1
            for rr in range(r, r + cell.rowspan):
                for cc in range(c, c + cell.colspan):
                    taken[rr][cc] = True
            out.append((c, cell))
            c += cell.colspan
        placed.append(out)
    return placed


def allocate(
    minimum: list[float], natural: list[float], total: float, softs: list[list[float]] | None = None
) -> list[float]:
    """Widths summing to `total`: every column at least its minimum; then, cheapest first
    (width per cell that stops wrapping), columns widen so their short texts stay whole
    (`softs`: the width each such cell needs); spare space goes towards each column's natural
    width, then in proportion to the natural widths."""
    widths = list(minimum)
    spare = total - sum(widths)
    if spare < 0:  # cannot fit: shrink proportionally (a test reports the broken words)
        return [w * total / sum(widths) for w in widths]
    softs = softs or [[] for _ in widths]
    while True:
        best = None
        for c, needs in enumerate(softs):
            for target in sorted({v for v in needs if v > widths[c] + 1e-9}):
                cost = target - widths[c]
                if cost > spare:
                    break
                gain = sum(1 for v in needs if widths[c] + 1e-9 < v <= target)
                if best is None or cost / gain < best[0]:
                    best = (cost / gain, c, target)
        if best is None:
            break
        _, c, target = best
        spare -= target - widths[c]
        widths[c] = target
    minimum = widths
    wants = [max(0.0, n - m) for n, m in zip(natural, minimum, strict=True)]
    if sum(wants) > 0:
        give = min(spare, sum(wants))
        widths = [w + give * want / sum(wants) for w, want in zip(widths, wants, strict=True)]
        spare -= give
    if spare > 1e-9:
        weights = [max(n, 1.0) for n in natural]
        widths = [w + spare * k / sum(weights) for w, k in zip(widths, weights, strict=True)]
    return widths


def layout(
    head: list[list[S.HeadCell]],
    body: list[list[tuple[int, int, str]]],
    ncols: int,
    total_mm: float,
    grid: S.Grid,
    free: tuple[tuple[int, S.HeadCell], ...] = (),
    keep_whole: frozenset[int] | None = None,
    minimum_em: Mapping[int, float] | None = None,
    keep_whole_em: Mapping[int, float] | None = None,
) -> TableLayout:
    """Lay out one table. `body` rows list (first column, colspan, text) per cell; `free`
    are label cells at a fixed first column, laid out like header cells. `minimum_em`: columns
    never narrower than so many em; `keep_whole_em`: columns whose texts up to so many em (not
    KEEP_WHOLE_EM) should stay on one line when the table has room."""
    need = _needs(ncols)
    pad = 2 * grid.pad_x
    placed = [*_place(head, ncols), list(free)]
    spanning: list[tuple[int, int, float, float]] = []
    softs: list[list[float]] = [[] for _ in range(ncols)]  # short body texts per column, mm

    def want(col: int, span: int, minimum: float, natural: float) -> None:
        if span == 1:
            need.minimum[col] = max(need.minimum[col], minimum)
            need.natural[col] = max(need.natural[col], natural)
        else:
            spanning.append((col, span, minimum, natural))

    for row in placed:
        for col, cell in row:
            lines = segments(cell.text)
            longest_word = max(text_em(w) for line in lines for w in line)
            # headers are content to wrap between words: their longest word is all they ask for
            want(col, cell.colspan, em_mm(longest_word, grid.size) + pad, em_mm(longest_word, grid.size) + pad)
    for row in body:
        for col, span, text in row:
            keep_em = (keep_whole_em or {}).get(col, KEEP_WHOLE_EM) if span == 1 else KEEP_WHOLE_EM
            hard, soft, natural = body_tokens(text, keep_em)
            mm = [em_mm(v, grid.size) + pad for v in (hard, soft, min(natural, max(30.0, keep_em)))]
            if span == 1 and (keep_whole is None or col in keep_whole):
                softs[col].append(mm[1])
            want(col, span, mm[0], mm[2])
    # a spanning cell widens its columns evenly when they are too narrow together
    for col, span, minimum, natural in spanning:
        cols = range(col, col + span)
        for which, value in ((need.minimum, minimum), (need.natural, natural)):
            short = value - sum(which[c] for c in cols)
            if short > 0:
                for c in cols:
                    which[c] += short / span
    for col, em in (minimum_em or {}).items():
        need.minimum[col] = max(need.minimum[col], em_mm(em, grid.size) + pad)
        need.natural[col] = max(need.natural[col], need.minimum[col])
    widths = allocate(need.minimum, need.natural, total_mm, softs)

    laid = []
    for row in placed[:-1]:
        out = []
        for col, cell in row:
            width_em = (sum(widths[col : col + cell.colspan]) - pad) / (grid.size * S.PT_MM * SAFETY)
            lines: list[str] = []
            for words in segments(cell.text):
                lines += wrap_words(words, width_em)
            out.append(LaidHead(tuple(lines), cell.colspan, cell.rowspan))
        laid.append(tuple(out))
    labels = {}
    for col, cell in free:
        width_em = (sum(widths[col : col + cell.colspan]) - pad) / (grid.size * S.PT_MM * SAFETY)
        labels[cell.published] = "\n".join(
            line for words in segments(cell.text) for line in wrap_words(words, width_em)
        )
    return TableLayout(tuple(round(w, 2) for w in widths), tuple(laid), grid, labels)


def disclosure_table_layout(table: Table) -> TableLayout:
    """A table's widths and header lines from its format header and its cells as printed."""
    page = S.LANDSCAPE if table.landscape else S.PORTRAIT
    grid = S.LANDSCAPE_GRID if table.landscape else S.PORTRAIT_GRID
    head = [[S.h(c.text, c.cols, c.rows) for c in row] for row in table.head]
    body = [[(c, 1, fmt.styled_cell(v, table.numbers)) for c, v in enumerate(r.cells)] for r in table.rows]
    keep = dict(S.KEEP_WHOLE_EM.get(table.kind, ()))
    return layout(head, body, table.columns, page.text_width, grid, keep_whole_em=keep)


def performance_layout(tables: Sequence[PerformanceTable]) -> TableLayout:
    """One grid for every 绩效目标表 of the document (a reader compares them page after page): the
    indicator header is the header, the info block's labels are free label cells, the values and
    indicator rows of all the tables are body text; 三级指标 never narrower than
    style.PERF_LEVEL3_MIN_EM."""
    free = tuple((first, S.h(text, last - first + 1)) for text, first, last in S.PERF_LABELS)
    body: list[list[tuple[int, int, str]]] = []
    for table in tables:
        body += [
            [
                (2, 1, fmt.amount(table.total)),
                (4, 1, fmt.table_cell(table.fiscal)),
                (7, 2, fmt.table_cell(table.other)),
            ],
            [(1, 5, table.project), (7, 2, table.manager)],
        ]
        body += [[(c, 1, getattr(r, f)) for c, f in enumerate(S.PERF_FIELDS)] for r in table.rows]
    head = [[S.h(t) for t in S.PERF_HEAD]]
    return layout(
        head,
        body,
        S.PERF_COLUMNS,
        S.PORTRAIT.text_width,
        S.PERF_GRID,
        free,
        S.PERF_KEEP_WHOLE,
        minimum_em={S.PERF_FIELDS.index("level3"): S.PERF_LEVEL3_MIN_EM},
    )


@dataclass(frozen=True)
class DocumentLayout:
    tables: dict[int, TableLayout]
    performance: list[TableLayout]  # one per 绩效目标表, all the same grid


def document_layout(disclosure: Disclosure) -> DocumentLayout:
    tables = {t.number: disclosure_table_layout(t) for t in disclosure.tables}
    shared = performance_layout(disclosure.performance_tables)
    return DocumentLayout(tables, [shared] * len(disclosure.performance_tables))
