"""Template filters and the one Jinja environment factory both renderers use.

Every number a template shows passes through `generator.formatting`, the same code
the wording module uses for sentences, so the DOCX, the PDF and the text agree.
"""

from __future__ import annotations

from pathlib import Path

import jinja2
from markupsafe import Markup, escape

from generator import formatting as fmt

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"

KEEP_END = 4  # the last characters of a paragraph that stay on one line


def keep_end(text: str) -> Markup:
    """HTML: the paragraph with its last few characters unbreakable, so a last line is never a
    lone "数。" (escaped; presentation only, the text is unchanged)."""
    text = str(text)
    if len(text) <= KEEP_END * 2:
        return escape(text)
    head, tail = text[:-KEEP_END], text[-KEEP_END:]
    return Markup('{}<span class="nw">{}</span>').format(head, tail)


def cell(value: object, style: object = None) -> str:
    """A table cell: in the table's number style when given, else 2 decimals with zero blank."""
    return fmt.table_cell(value) if style is None else fmt.styled_cell(value, style)


FILTERS = {
    "cell": cell,
    "amount": fmt.amount,  # always 2 decimals, zero shown as 0.00
    "percent": fmt.percent,
    "cn_date": fmt.cn_date,
    "keep_end": keep_end,
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
