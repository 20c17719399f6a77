"""Template filters and the one Jinja environment factory both renderers use.

Every number a template shows passes through `generator.formatting`, the same code
the wording module uses for sentences, so the DOCX, the PDF and the text agree.
"""

from __future__ import annotations

from pathlib import Path

import jinja2

from generator import formatting as fmt

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"

FILTERS = {
    "cell": fmt.table_cell,  # table cell: 2 decimals, zero blank
    "amount": fmt.amount,  # always 2 decimals, zero shown as 0.00
    "percent": fmt.percent,
    "cn_date": fmt.cn_date,
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
