"""`disclosure build`: validate, compute, render DOCX and PDF, and publish both atomically.

Nothing is written while the workbook has errors. Both files are rendered to
temporary names in the output folder first; only when every requested format has
rendered are they renamed into place, so a failed or interrupted build leaves the
previous outputs exactly as they were and no half-written file behind.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from generator.model import Disclosure
from generator.output import atomic_path
from generator.pipeline import Result, run

FORMATS = ("docx", "pdf")


def _renderer(fmt: str) -> Callable[[Disclosure, Path], None]:
    if fmt == "docx":
        from generator.render.docx import render_docx

        return render_docx
    from generator.render.pdf import render_pdf

    return render_pdf


@dataclass
class BuildResult:
    result: Result
    written: list[Path]


def output_paths(disclosure: Disclosure, out_dir: Path, formats: tuple[str, ...]) -> dict[str, Path]:
    return {fmt: out_dir / f"{disclosure.file_stem}.{fmt}" for fmt in formats}


def build(workbook: Path, out_dir: Path, formats: tuple[str, ...] = FORMATS) -> BuildResult:
    """Run the pipeline and, if the workbook is clean, write the requested formats."""
    result = run(workbook)
    if not result.ok or result.disclosure is None:
        return BuildResult(result, [])
    disclosure = result.disclosure
    targets = output_paths(disclosure, out_dir, formats)
    with contextlib.ExitStack() as stack:
        temps = {fmt: stack.enter_context(atomic_path(path)) for fmt, path in targets.items()}
        for fmt, tmp in temps.items():
            _renderer(fmt)(disclosure, tmp)
        # Leaving the stack renames every temp file into place (in order); an exception
        # above unwinds it and deletes them instead, leaving earlier outputs untouched.
    return BuildResult(result, list(targets.values()))
