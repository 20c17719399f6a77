"""The disclosure as HTML: the page WeasyPrint prints, and the self-contained web page export.

One template set (templates/html) serves both. The stylesheet is rendered from
`generator/render/style.py` and inlined, so the HTML needs no other file; column widths and
header line breaks come from `generator/render/layout.py`, as in the DOCX.
"""

from __future__ import annotations

import functools
from pathlib import Path

from markupsafe import Markup

from generator.model import Disclosure
from generator.render import style
from generator.render.filters import make_env
from generator.render.layout import DocumentLayout, document_layout


@functools.cache
def stylesheet() -> Markup:
    """print.css rendered from the style data (trusted text: no workbook value reaches it)."""
    css = make_env("html", autoescape=False).get_template("print.css").render(S=style)
    return Markup(css)


def pick(chunk: object, pi: int, bi: int, kind: object, items: list) -> list[tuple[int, object]]:
    """(index, item) of the `items` of block (pi, bi) to render: all of them for the whole document,
    those the chunk holds for a piece of it (`Chunk.pick`)."""
    return list(enumerate(items)) if chunk is None else chunk.pick(pi, bi, kind, items)


def render_html(disclosure: Disclosure, chunk: object = None, layout: DocumentLayout | None = None) -> str:
    """The whole document, or with `chunk` (generator/render/pdf_chunks.Chunk) only the piece it selects;
    `layout`: the document's table layouts when the caller renders several chunks."""
    env = make_env("html")
    layout = layout or document_layout(disclosure)
    env.globals.update(S=style, layout=layout, stylesheet=stylesheet(), pick=pick)
    return env.get_template("base.html").render(d=disclosure, chunk=chunk)


def write_html(disclosure: Disclosure, target: Path) -> None:
    """The self-contained web page (`disclosure build --format html`): one file, UTF-8, the
    stylesheet inlined, tables as real <table>s with header cells, for a website's CMS."""
    Path(target).write_text(render_html(disclosure), encoding="utf-8")
