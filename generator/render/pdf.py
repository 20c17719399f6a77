"""Stage 5b: the computed `Disclosure` → a tagged PDF through HTML templates and WeasyPrint.

The templates only lay out the model (formatting through the shared filters). The URL
fetcher serves nothing but the template assets, and the output is byte-identical for the
same model on the same font/Pango/HarfBuzz build (no creation date is written).
"""

from __future__ import annotations

import contextlib
import functools
import logging
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote, urlsplit

from generator.model import Disclosure
from generator.render.filters import TEMPLATES, make_env

ASSETS = (TEMPLATES / "html").resolve()
REQUIRED_FAMILIES = ("Noto Serif CJK SC", "Noto Sans CJK SC")
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


def check_fonts() -> None:
    missing = [family for family in REQUIRED_FAMILIES if family not in cjk_families()]
    if missing:
        raise MissingFontError(
            f"未找到中文字体：{'、'.join(missing)}。请安装 fonts-noto-cjk"
            "（Debian/Ubuntu：sudo apt-get install fonts-noto-cjk）后重试，否则 PDF 中的汉字无法显示。"
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


def make_url_fetcher():  # -> weasyprint.urls.URLFetcher
    return _asset_fetcher_class()()


def render_html(disclosure: Disclosure) -> str:
    return make_env("html").get_template("base.html").render(d=disclosure)


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


def render_pdf(disclosure: Disclosure, target: Path, *, strict: bool = False) -> None:
    """Write the disclosure as a PDF/UA-1 (tagged) file to `target`.

    Raises MissingFontError before rendering when the CJK fonts are absent; with
    `strict`, raises RenderWarningsError if WeasyPrint logged any warning.
    """
    check_fonts()
    from weasyprint import HTML

    html = render_html(disclosure)
    with collect_warnings() as warnings:
        document = HTML(string=html, base_url=str(ASSETS) + "/", url_fetcher=make_url_fetcher())
        document.write_pdf(Path(target), pdf_variant=PDF_VARIANT)
    if strict and warnings:
        raise RenderWarningsError("; ".join(warnings))
