"""The only place that touches WeasyPrint or pydyf internals: two memory/time levers for the PDF.

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
