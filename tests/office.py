"""Which LibreOffice components are installed: a test skips only when the one it needs is absent."""

from __future__ import annotations

import shutil
from pathlib import Path

# Component -> (library in LibreOffice's program folder, Debian package that provides it).
COMPONENTS = {
    "writer": ("libswlo.so", "libreoffice-writer-nogui"),
    "calc": ("libsclo.so", "libreoffice-calc-nogui"),
}


def soffice_with(component: str) -> tuple[str | None, str]:
    """(path of soffice, "") when LibreOffice with `component` is installed, else (None, why)."""
    library, package = COMPONENTS[component]
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        return None, f"LibreOffice is not installed (apt-get install {package})"
    program = Path(soffice).resolve().parent
    if not (program / library).exists():
        return None, f"LibreOffice {component.title()} is not installed (apt-get install {package})"
    return soffice, ""
