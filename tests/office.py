"""Which LibreOffice components are installed: a test skips only when the one it needs is absent."""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

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


def failing_office_env(folder: Path) -> dict[str, str]:
    """The environment (PATH, DISCLOSURE_UNO_PYTHON) of a LibreOffice "installed but failing": a `soffice`
    in `folder`/fake-office that exits 1 (the cold layout fails) and no `uno` Python (no warm office)."""
    from generator.render import office

    bin_dir = folder / "fake-office"
    bin_dir.mkdir()
    fake = bin_dir / "soffice"
    fake.write_text("#!/bin/sh\nexit 1\n", encoding="utf-8")
    fake.chmod(0o755)
    return {"PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}", office.UNO_PYTHON_ENV: "none"}


@contextlib.contextmanager
def failing_office(folder: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """LibreOffice "installed but failing" in this process and in every worker started inside the block:
    a `soffice` on PATH that exits 1 (the cold layout fails) and no `uno` Python (no warm office), so the
    DOCX is written with a 目录 without page numbers. This process's own warm office, if an earlier
    test started one, is closed and set aside for the block.

    Pool workers fork from multiprocessing's fork server, which keeps the environment it started with:
    it is stopped before (the next pool starts one with this environment) and after (the next one has
    the ordinary environment again). Use it only where no other pool is running (a stopped fork server
    takes its workers with it)."""
    from generator.render import office
    from generator.workers import stop_fork_server

    env = failing_office_env(folder)
    stop_fork_server()
    office.shut_down()  # an office an earlier test started in this process would lay the DOCX out
    with monkeypatch.context() as patch:
        for name, value in env.items():
            patch.setenv(name, value)
        patch.setattr(office, "_warm", {})
        office.uno_python.cache_clear()
        try:
            assert office.soffice() == str(folder / "fake-office" / "soffice")
            yield
        finally:
            stop_fork_server()
    office.uno_python.cache_clear()
