"""Template filters and the one Jinja environment factory both renderers use.

Every number a template shows passes through `generator.formatting`, the same code
the wording module uses for sentences, so the DOCX, the PDF and the text agree.
"""

from __future__ import annotations

import re
from pathlib import Path

import jinja2
from markupsafe import Markup, escape

from generator import formatting as fmt
from generator.render import style as S
from generator.render.layout import text_em

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"

KEEP_END = 2  # the last characters of a paragraph (and its closing punctuation) that stay on one line:
# "费用。", "说明": a last line is never a lone "数。", and a two-character word is not torn apart
CLOSING = "。，；：、！？）”’》」』〕】%％.;:,)"

# Runs a line never breaks inside (presentation only): an amount or count with its unit
# ("7111.51万元", "11.53%", "2023年", "3个"), and a document number ("国办发〔2015〕63号").
UNBREAKABLE = re.compile(
    r"[0-9][0-9,]*(?:\.[0-9]+)?(?:万元|元|%|％|年|月|日|个|人|名|辆|台|套|项|家|次|平方米)?"
    r"|[\u4e00-\u9fff]{1,6}〔[0-9]{4}〕[0-9]+号"
)

# Part headings ("第一部分 昌吉州…概况") longer than one line break after the part number, never
# inside the unit's name. PART_LINE_EM is the text block's width in the heading's size.
PART_LINE_EM = int(S.PORTRAIT.text_width / (S.TEXT["part"].size * S.PT_MM))


def unbreakable_runs(text: str) -> list[tuple[int, int]]:
    """(start, end) of the runs of `text` that must not break across lines, merged and sorted:
    amounts with their unit, document numbers, and the last KEEP_END characters (so a last line
    is never a lone "数。"; not for short texts)."""
    runs = [m.span() for m in UNBREAKABLE.finditer(text) if m.end() - m.start() > 1]
    body = text.rstrip(CLOSING)
    # a heading or a field ("…情况的总体说明", "…州政资局") has no closing stop: keep its last two words
    start = len(body) - (KEEP_END if body != text else 2 * KEEP_END)
    if start > KEEP_END * 2:
        runs.append((start, len(text)))
    merged: list[tuple[int, int]] = []
    for start, end in sorted(runs):
        if merged and start < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def keep_end(text: str) -> Markup:
    """HTML: the paragraph with its unbreakable runs (`unbreakable_runs`) in no-wrap spans
    (escaped; presentation only, the text is unchanged)."""
    text = str(text)
    out, at = [], 0
    for start, end in unbreakable_runs(text):
        out.append(escape(text[at:start]))
        out.append(Markup('<span class="nw">{}</span>').format(text[start:end]))
        at = end
    out.append(escape(text[at:]))
    return Markup("").join(out)


def part_heading(text: str) -> str:
    """第X部分 heading: one line when it fits, else a line break after "第X部分" (both renderers:
    the HTML heading keeps line breaks, docxtpl writes a w:br)."""
    text = str(text)
    head, sep, rest = text.partition(" ")
    if not sep or text_em(text) <= PART_LINE_EM:
        return text
    return f"{head}\n{rest.strip()}"


def cell(value: object, style: object = None) -> str:
    """A table cell: in the table's number style when given, else 2 decimals with zero blank."""
    return fmt.table_cell(value) if style is None else fmt.styled_cell(value, style)


FILTERS = {
    "cell": cell,
    "amount": fmt.amount,  # always 2 decimals, zero shown as 0.00
    "percent": fmt.percent,
    "cn_date": fmt.cn_date,
    "keep_end": keep_end,
    "part_heading": part_heading,
}


def make_env(subdir: str | None = None, autoescape: bool = True) -> jinja2.Environment:
    """A strict, autoescaping environment with the shared filters.

    With `subdir`, templates load from templates/<subdir>; docxtpl passes its own
    template text and only needs the filters.
    """
    loader = jinja2.FileSystemLoader(str(TEMPLATES / subdir)) if subdir else None
    env = jinja2.Environment(
        loader=loader,
        autoescape=autoescape,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )
    env.filters.update(FILTERS)
    return env
