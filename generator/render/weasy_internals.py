"""The only place that touches WeasyPrint or pydyf internals: two memory/time levers for the PDF, and
the inter-character justification of CJK lines (`install_cjk_justify`, at the end of this module).

Both keep the PDF byte-identical (tests/test_weasy_internals.py renders with and without
them and compares the bytes) and both check, before patching, that the code they replace
still looks exactly as expected. If an upgrade changes it, `install()` leaves that lever
out (the PDF is then the same, only slower or bigger in memory) and the test
`test_every_lever_is_installed` fails loudly, naming the lever to revisit.

1. ``lazy-font-copy`` — WeasyPrint 70, ``weasyprint/pdf/fonts.py``: ``Font.__init__`` does
   ``self.file_content = get_hb_object_data(self.hb_face)``, a Python ``bytes`` copy of the
   *whole* font file, once per font *and size* used in the document. With the Noto CJK
   collections (19–27 MB each) that is about 140 MiB per render, all of it thrown away
   once HarfBuzz has subset the font (``_harfbuzz_subset`` replaces ``file_content`` with
   the subset without ever reading the copy). The lever defers the copy until something
   actually reads ``file_content`` (variable or colour fonts, the fontTools fallback, or a
   failed subset), so with subsetting working the copy is never made.
   Unnecessary once WeasyPrint reads the face blob lazily, i.e. when ``Font.file_content``
   is computed on first access (or subsetting works from ``hb_face`` only, which it already
   does) — upstream change to watch: ``weasyprint/pdf/fonts.py`` ``Font.__init__``.

2. ``page-references`` — pydyf 0.13, ``PDF.page_references`` is a property that rebuilds a
   tuple of *all* page references (one f-string per page) on *every* access. WeasyPrint's
   PDF/UA tagging (``weasyprint/pdf/tags.py``) reads it once per tagged element, so
   tagging costs elements × pages, growing faster than linearly with the document. The
   lever caches the tuple until a page is added.
   Unnecessary once pydyf keeps the page-reference list up to date in ``add_page`` (or
   caches it) instead of rebuilding it per access — upstream: ``pydyf/__init__.py``
   ``PDF.page_references``.
"""

from __future__ import annotations

import contextvars
import functools
import inspect
from typing import Any

LEVERS = ("lazy-font-copy", "page-references")

_installed: dict[str, bool] = {}
_features: dict[str, bool] = {}  # patches that change the PDF on purpose (never uninstalled)
_originals: dict[str, Any] = {}
_defer_face_copy = contextvars.ContextVar("defer_face_copy", default=False)


class _DeferredFaceData:
    """Stands for `get_hb_object_data(hb_face)` until a reader needs the bytes."""

    __slots__ = ("hb_face",)

    def __init__(self, hb_face: Any) -> None:
        self.hb_face = hb_face


def install(levers: tuple[str, ...] | frozenset[str] = LEVERS) -> dict[str, bool]:
    """Install the named levers whose target still looks as expected; returns {lever: installed}."""
    if "lazy-font-copy" in levers and "lazy-font-copy" not in _installed:
        _installed["lazy-font-copy"] = _install_lazy_font_copy()
    if "page-references" in levers and "page-references" not in _installed:
        _installed["page-references"] = _install_page_references()
    return dict(_installed)


def uninstall() -> None:
    """Undo `install()` (tests compare output with and without the levers)."""
    if _installed.pop("lazy-font-copy", False):
        from weasyprint.pdf import fonts

        fonts.Font.__init__ = _originals.pop("Font.__init__")
        fonts.get_hb_object_data = _originals.pop("get_hb_object_data")
        del fonts.Font.file_content
    if _installed.pop("page-references", False):
        import pydyf

        pydyf.PDF.page_references = _originals.pop("PDF.page_references")
    _installed.clear()


def _source(obj: Any) -> str:
    try:
        return inspect.getsource(obj)
    except (OSError, TypeError):
        return ""


def _install_lazy_font_copy() -> bool:
    try:
        from weasyprint.pdf import fonts
    except ImportError:
        return False
    font = fonts.Font
    init_source = _source(font.__init__)
    expected = "self.file_content = get_hb_object_data(self.hb_face)"
    if (
        init_source.count("get_hb_object_data(") != 1
        or expected not in init_source
        or "file_content" in vars(font)
        or not callable(getattr(fonts, "get_hb_object_data", None))
    ):
        return False
    original_data = fonts.get_hb_object_data
    original_init = font.__init__

    @functools.wraps(original_data)
    def get_hb_object_data(hb_object: Any, ot_color: Any = None, glyph: Any = None) -> Any:
        if ot_color is None and glyph is None and _defer_face_copy.get():
            return _DeferredFaceData(hb_object)
        return original_data(hb_object, ot_color, glyph)

    @functools.wraps(original_init)
    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        token = _defer_face_copy.set(True)
        try:
            original_init(self, *args, **kwargs)
        finally:
            _defer_face_copy.reset(token)

    def get_file_content(self: Any) -> bytes:
        value = self.__dict__["_file_content"]
        if isinstance(value, _DeferredFaceData):
            value = original_data(value.hb_face)
            self.__dict__["_file_content"] = value
        return value

    def set_file_content(self: Any, value: Any) -> None:
        self.__dict__["_file_content"] = value

    _originals["Font.__init__"] = original_init
    _originals["get_hb_object_data"] = original_data
    fonts.get_hb_object_data = get_hb_object_data
    font.__init__ = __init__
    font.file_content = property(get_file_content, set_file_content)
    return True


def _install_page_references() -> bool:
    try:
        import pydyf
    except ImportError:
        return False
    current = vars(pydyf.PDF).get("page_references")
    source = _source(current.fget) if isinstance(current, property) else ""
    if "self.pages['Kids'][::3]" not in source or current.fset is not None:
        return False

    def page_references(self: Any) -> tuple[bytes, ...]:
        kids = self.pages["Kids"]
        cached = self.__dict__.get("_page_references_cache")
        if cached is None or cached[0] != len(kids):
            cached = (len(kids), current.fget(self))
            self.__dict__["_page_references_cache"] = cached
        return cached[1]

    _originals["PDF.page_references"] = current
    pydyf.PDF.page_references = property(page_references, doc=current.__doc__)
    return True


# --------------------------------------------------------------------------- CJK justification
#
# Not a lever: this one changes the PDF, on purpose. WeasyPrint 70 justifies a line only by
# widening its spaces (``layout/inline.py`` ``justify_line`` → ``add_word_spacing``); Chinese text
# has none, so `text-align: justify` left every body line ragged (up to 7 em short before an
# unbreakable run). CSS Text 3 calls for inter-character justification of CJK text
# (`text-justify: inter-character`, not implemented upstream). This patch does it: on a line that
# holds CJK characters, the spare width is spread evenly over every gap between characters, as
# Pango letter spacing on each text box of the line (Pango puts it between the graphemes of a
# layout line, not before the first or after the last) plus the same amount where one text box
# meets the next. Only CJK characters take spacing (so "2023" and "44.34" keep their digits
# together). Lines without CJK keep WeasyPrint's own word-spacing justification.
# Unnecessary once WeasyPrint implements `text-justify: inter-character` — upstream:
# ``weasyprint/layout/inline.py`` ``justify_line``.


def _is_cjk(ch: str) -> bool:
    code = ord(ch)
    return 0x2E80 <= code <= 0x9FFF or 0xF900 <= code <= 0xFAFF or 0xFF00 <= code <= 0xFFEF or code >= 0x20000


def _cjk_byte_runs(text: str, skip_first: bool = False, skip_last: bool = False) -> list[tuple[int, int]]:
    """Byte ranges (UTF-8) of the runs of CJK characters of `text`, without its first and/or last
    character (Pango spaces a grapheme on both sides: the line's first and last glyphs must
    keep their edges on the text block's edges)."""
    runs: list[tuple[int, int]] = []
    at = 0
    last = len(text) - 1
    for i, ch in enumerate(text):
        size = len(ch.encode())
        if _is_cjk(ch) and not (skip_first and i == 0) and not (skip_last and i == last):
            if runs and runs[-1][1] == at:
                runs[-1] = (runs[-1][0], at + size)
            else:
                runs.append((at, at + size))
        at += size
    return runs


def _text_boxes(box: Any, boxes: Any) -> list[Any]:
    if isinstance(box, boxes.TextBox):
        return [box]
    if isinstance(box, (boxes.LineBox, boxes.InlineBox)):
        return [t for child in box.children if child.is_in_normal_flow() for t in _text_boxes(child, boxes)]
    return []


def install_cjk_justify() -> bool:
    """Install inter-character justification for lines with CJK text; False if WeasyPrint's code
    is not the code this patch was written against (the PDF is then ragged, as before)."""
    if "cjk-justify" in _features:
        return _features["cjk-justify"]
    _features["cjk-justify"] = False
    try:
        from weasyprint.formatting_structure import boxes
        from weasyprint.layout import inline
        from weasyprint.text import line_break
        from weasyprint.text.ffi import TO_UNITS, ffi, pango
    except ImportError:
        return False
    justify_source = _source(inline.justify_line)
    set_text_source = _source(line_break.Layout.set_text)
    if (
        "add_word_spacing(context, line, extra_width / nb_spaces, 0)" not in justify_source
        or "pango_attr_letter_spacing_new" not in set_text_source
        or not callable(getattr(line_break, "create_layout", None))
        or not callable(getattr(line_break, "line_size", None))
    ):
        return False
    original_justify = inline.justify_line
    original_set_text = line_break.Layout.set_text

    @functools.wraps(original_set_text)
    def set_text(self: Any, text: str, justify: bool = False) -> None:
        original_set_text(self, text, justify)
        spacing = getattr(self, "cjk_letter_spacing", 0)
        if not (justify and spacing and self.text):
            return
        attr_list = pango.pango_layout_get_attributes(self.layout)
        if attr_list == ffi.NULL:
            attr_list = ffi.gc(pango.pango_attr_list_new(), pango.pango_attr_list_unref)
        edges = getattr(self, "cjk_edges", (False, False))
        for start, end in _cjk_byte_runs(self.text, *edges):
            attr = pango.pango_attr_letter_spacing_new(int(spacing * TO_UNITS))
            attr.start_index, attr.end_index = start, end
            pango.pango_attr_list_change(attr_list, attr)
        pango.pango_layout_set_attributes(self.layout, attr_list)

    def spaced_width(context: Any, box: Any, spacing: float, edges: tuple[bool, bool]) -> tuple[Any, float]:
        layout = line_break.create_layout(box.text, box.style, context, None, 0)
        layout.cjk_letter_spacing = spacing
        layout.cjk_edges = edges
        layout.set_text(box.text, justify=True)
        first_line, _ = layout.get_first_line()
        width, _ = line_break.line_size(first_line, box.style)
        layout.deactivate()
        return layout, width

    def shift(box: Any, moves: dict[int, float], x_advance: float = 0.0) -> float:
        """Move every box by the growth of the text boxes before it (as add_word_spacing does)."""
        if isinstance(box, boxes.TextBox):
            box.position_x += x_advance
            return x_advance + moves.get(id(box), 0.0)
        if isinstance(box, (boxes.LineBox, boxes.InlineBox)):
            box.position_x += x_advance
            before = x_advance
            for child in box.children:
                if child.is_in_normal_flow():
                    x_advance = shift(child, moves, x_advance)
            box.width += x_advance - before
            return x_advance
        box.translate(x_advance, 0)
        return x_advance

    @functools.wraps(original_justify)
    def justify_line(context: Any, line: Any, extra_width: float) -> None:
        texts = _text_boxes(line, boxes)
        if extra_width <= 0 or not any(_is_cjk(ch) for t in texts for ch in t.text):
            return original_justify(context, line, extra_width)
        # Growth is nearly linear in the spacing (Pango rounds each grapheme's two halves): start
        # from the slope at 1 pt, then correct the spacing until the line is filled to 0.05 px.
        edges = [(i == 0, i == len(texts) - 1) for i in range(len(texts))]
        spaced = [any(map(_is_cjk, box.text)) for box in texts]
        joints = len(texts) - 1

        def lay_out(spacing: float) -> tuple[float, list[tuple[Any, float] | None]]:
            laid = [
                spaced_width(context, b, spacing, e) if c else None
                for b, e, c in zip(texts, edges, spaced, strict=True)
            ]
            growth = joints * spacing + sum(w[1] - b.width for b, w in zip(texts, laid, strict=True) if w)
            return growth, laid

        slope = lay_out(1.0)[0] - lay_out(0.0)[0]
        if slope <= 0:
            return None
        spacing = extra_width / slope
        for _ in range(3):
            growth, laid = lay_out(spacing)
            if abs(growth - extra_width) < 0.05 or growth <= 0:
                break
            spacing *= extra_width / growth
        moves: dict[int, float] = {}
        for i, (box, new) in enumerate(zip(texts, laid, strict=True)):
            grow = spacing if i < joints else 0.0  # the gap after this box
            if new is not None:
                box.pango_layout, width = new
                grow += width - box.width
                box.width = width
            moves[id(box)] = grow
        shift(line, moves)  # text boxes already have their new widths; what follows each moves
        return None

    _originals["justify_line"] = original_justify
    _originals["Layout.set_text"] = original_set_text
    inline.justify_line = justify_line
    line_break.Layout.set_text = set_text
    _features["cjk-justify"] = True
    return True
