"""Stage 5b: the computed `Disclosure` → a tagged PDF through HTML templates and WeasyPrint.

The templates only lay out the model (formatting through the shared filters). The URL
fetcher serves nothing but the template assets, and the output is byte-identical for the
same model on the same font/Pango/HarfBuzz build (no creation date is written).
"""

from __future__ import annotations

import contextlib
import functools
import gc
import logging
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote, urlsplit

from generator.model import Disclosure
from generator.render import pdf_chunks
from generator.render import style as S
from generator.render.filters import TEMPLATES
from generator.render.html import render_html

ASSETS = (TEMPLATES / "html").resolve()
PDF_VARIANT = "pdf/ua-1"  # tagged PDF 1.7; needs <title> and <html lang>

# WeasyPrint is imported lazily: it is slow to import and the CLI's `check` does not need it.


class MissingFontError(RuntimeError):
    """The CJK fonts the stylesheet names are not installed (the PDF would show tofu boxes)."""


class RenderWarningsError(RuntimeError):
    """WeasyPrint reported warnings or errors while rendering (raised only with strict=True)."""


@functools.cache
def cjk_families() -> frozenset[str]:
    """Font families fontconfig offers for Chinese (`fc-list :lang=zh family`)."""
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return frozenset()
    out = subprocess.run(
        [fc_list, ":lang=zh", "family"], capture_output=True, text=True, check=False, timeout=30
    ).stdout
    # One line per font; a line may list several names separated by commas.
    return frozenset(name.strip() for line in out.splitlines() for name in line.split(",") if name.strip())


def missing_faces() -> list[tuple[str, S.Font]]:
    """(style key, font) for every face the document uses of which no family is installed: the PDF
    would set that text in a fallback of another style (仿宋 body in 宋体, 楷体 headings in 宋体)."""
    installed = cjk_families()
    used = dict.fromkeys(t.font for t in S.TEXT.values())
    return [(key, S.FONTS[key]) for key in used if not set(S.FONTS[key].styled) & installed]


STYLE_NAMES = {"fangsong": "仿宋", "kaiti": "楷体", "heiti": "黑体", "songti": "宋体"}


def check_fonts() -> None:
    """Raise MissingFontError, in Chinese with the command that installs them, when a face the
    document declares (仿宋 body, 楷体 and 黑体 headings, 宋体 tables) is not installed."""
    missing = missing_faces()
    if missing:
        names = "、".join(f"{STYLE_NAMES[key]}（{font.faces[-1]}）" for key, font in missing)
        packages = " ".join(dict.fromkeys(font.package for _, font in missing))
        raise MissingFontError(
            f"未找到字体：{names}，PDF 会用其他字体代替。请在本程序目录运行 sudo scripts/ensure-system-packages.sh"
            f"（或 sudo apt-get install {packages}，再按该脚本的说明登记字体目录）后重试"
        )


@functools.cache
def _asset_fetcher_class() -> type:
    from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

    class AssetFetcher(URLFetcher):
        """Serves files under templates/html only; any other URL stops the render."""

        def __init__(self) -> None:
            super().__init__(allowed_protocols={"file"}, allow_redirects=False, fail_on_errors=True)

        def fetch(self, url: str, headers: dict | None = None) -> URLFetcherResponse:
            path = asset_path(url)
            if path is None:
                # BaseException subclass: WeasyPrint re-raises it instead of logging and going on.
                raise FatalURLFetchingError(f"refused to fetch {url!r}: only template assets may be loaded")
            return URLFetcherResponse(path.as_uri(), path.read_bytes(), {"Content-Type": _mime(path)})

    return AssetFetcher


def asset_path(url: str) -> Path | None:
    """The resolved file for a `file:` URL under the assets directory, else None."""
    parts = urlsplit(url)
    if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
        return None
    path = Path(unquote(parts.path)).resolve()
    if not path.is_relative_to(ASSETS) or not path.is_file():
        return None
    return path


MIME_TYPES = {".css": "text/css", ".png": "image/png", ".svg": "image/svg+xml"}


def _mime(path: Path) -> str:
    return MIME_TYPES.get(path.suffix, "application/octet-stream")


# WeasyPrint's user-agent sheet has six universal pseudo-element rules (`::marker`,
# `::footnote-call`, `::footnote-marker`, `::note-*`). Each makes WeasyPrint compute six
# extra styles for *every* element, about 10 % of the render on these table-heavy
# documents. The templates use no lists, footnotes or notes, so those rules can never
# apply; the lean sheet drops exactly those one-line rules and keeps everything else.
UNUSED_UA_RULES = (
    "::marker {",
    "::footnote-call {",
    "::footnote-marker {",
    "::note-call {",
    "::note-marker {",
    "::note-callback {",
)


# Levers that keep the PDF byte-identical but save memory or time (see README "Performance").
# DISCLOSURE_PDF_LEVERS=none (or a comma list of names) turns them off, for benchmarks only.
LEVERS_ENV = "DISCLOSURE_PDF_LEVERS"
ALL_LEVERS = ("lazy-font-copy", "page-references", "font-config", "gc-freeze")


@functools.cache
def levers() -> frozenset[str]:
    value = os.environ.get(LEVERS_ENV, "all").strip()
    if value in ("", "all"):
        return frozenset(ALL_LEVERS)
    return frozenset(name.strip() for name in value.split(",")) & frozenset(ALL_LEVERS)


@functools.cache
def _html_class() -> type:
    """`weasyprint.HTML`, with the lean user-agent sheet where this WeasyPrint allows it.

    Falls back to plain `HTML` (same output, slower) if the packaged sheet or the hook
    is not what this code expects. Also installs the internal levers
    (generator/render/weasy_internals.py) before the first render.
    """
    from weasyprint import CSS, HTML

    from generator.render import weasy_internals

    weasy_internals.install(levers())
    weasy_internals.install_cjk_justify()

    try:
        from weasyprint import html as wp_html
        from weasyprint.css.counters import CounterStyle

        full, ua_sheet = wp_html.UA, wp_html.UA_STYLESHEET
    except (ImportError, AttributeError):
        return HTML
    lines = full.splitlines()
    kept = [line for line in lines if not (line.startswith(UNUSED_UA_RULES) and line.rstrip().endswith("}"))]
    if len(lines) - len(kept) != len(UNUSED_UA_RULES) or not callable(getattr(HTML, "_ua_stylesheets", None)):
        return HTML
    # Its @counter-style rules go to a throw-away registry: documents still get WeasyPrint's
    # own copy of the UA counter styles (registering them twice would log warnings).
    lean = CSS(string="\n".join(kept), counter_style=CounterStyle())

    class LeanHTML(HTML):
        def _ua_stylesheets(self, *args, **kwargs):
            return [lean if sheet is ua_sheet else sheet for sheet in super()._ua_stylesheets(*args, **kwargs)]

    return LeanHTML


def make_url_fetcher():  # -> weasyprint.urls.URLFetcher
    return _asset_fetcher_class()()


def font_config():  # -> weasyprint.text.fonts.FontConfiguration | None
    """The process's shared font configuration (None: WeasyPrint makes one per render)."""
    return _shared_font_config() if "font-config" in levers() else None


@functools.cache
def _shared_font_config():  # -> weasyprint.text.fonts.FontConfiguration
    """One font configuration per process, reused by every render.

    WeasyPrint otherwise builds a new one per document: a new Pango font map that opens
    the CJK font files and computes their coverage again. The templates have no
    @font-face rules, so nothing document-specific is ever added to it; the PDF bytes
    are the same (tests/test_weasy_internals.py).
    """
    from weasyprint.text.fonts import FontConfiguration

    return FontConfiguration()


def warm_up() -> None:
    """Import WeasyPrint and load the CJK fonts once, so a later render starts at full speed.

    The build's PDF worker calls this while the workbook is still being read. Never raises:
    a missing font or library is reported by the real render.
    """
    with contextlib.suppress(Exception):
        cjk_families()
        sample = "".join(f'<p style="font-family: {S.FONTS[k].css()}">字</p>' for k in S.FONTS)
        _html_class()(string=sample).render(font_config=font_config())
    if "gc-freeze" in levers():
        # Modules, fonts and caches loaded so far live as long as the process: move them to
        # the permanent generation so the collections during a render never scan them.
        gc.collect()
        gc.freeze()


class _Collector(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(f"{record.levelname}: {record.getMessage()}")


@contextlib.contextmanager
def collect_warnings() -> Iterator[list[str]]:
    """Collect WARNING/ERROR records of the `weasyprint` logger while the block runs."""
    handler = _Collector()
    logger = logging.getLogger("weasyprint")
    logger.addHandler(handler)
    try:
        yield handler.messages
    finally:
        logger.removeHandler(handler)


def render_pdf(disclosure: Disclosure, target: Path, *, strict: bool = False) -> int:
    """Write the disclosure as a PDF/UA-1 (tagged) file to `target`; return its page count.

    Raises MissingFontError before rendering when the CJK fonts are absent; with
    `strict`, raises RenderWarningsError if WeasyPrint logged any warning.
    """
    check_fonts()
    per_chunk = pdf_chunks.chunk_size()
    if pdf_chunks.wanted(disclosure, per_chunk):
        with collect_warnings() as warnings:
            pages = pdf_chunks.render_chunked(disclosure, Path(target), _render_document, _write, per_chunk)
        if strict and warnings:
            raise RenderWarningsError("; ".join(warnings))
        return pages
    html = render_html(disclosure)
    with collect_warnings() as warnings:
        source = _html_class()(string=html, base_url=str(ASSETS) + "/", url_fetcher=make_url_fetcher())
        document = source.render(font_config=font_config(), pdf_variant=PDF_VARIANT)
        document.write_pdf(Path(target), pdf_variant=PDF_VARIANT)
    if strict and warnings:
        raise RenderWarningsError("; ".join(warnings))
    return len(document.pages)


def _render_document(html: str):  # -> (weasyprint.Document, the .perf elements in order)
    """Lay out one chunk of a large document (generator/render/pdf_chunks.py)."""
    source = _html_class()(string=html, base_url=str(ASSETS) + "/", url_fetcher=make_url_fetcher())
    perfs = [el for el in source.etree_element.iter() if "perf" in (el.get("class") or "").split()]
    document = source.render(font_config=font_config(), pdf_variant=PDF_VARIANT)
    return document, perfs


def _write(document, target: Path) -> None:
    document.write_pdf(target, pdf_variant=PDF_VARIANT)
