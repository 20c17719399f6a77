"""The installed formats: the shipped ones in templates/formats/, and a bureau's own in the
folders named by the environment variable `DISCLOSURE_FORMATS` (separated by `:`), which may
also replace a shipped format by using its id."""

from __future__ import annotations

import functools
import hashlib
import os
from pathlib import Path

from generator.formats.loader import FILE_NAME, Format, FormatInvalid, FormatProblem, load_format

SHIPPED = Path(__file__).resolve().parents[2] / "templates" / "formats"
ENV = "DISCLOSURE_FORMATS"
DEFAULT = "xinjiang-2023"  # workbooks without a 格式 field were made for it


class UnknownFormat(Exception):
    def __init__(self, name: str, known: list[str]) -> None:
        super().__init__(name)
        self.name = name
        self.known = known


def roots() -> list[Path]:
    """Folders holding format folders, later ones taking precedence."""
    extra = [Path(p) for p in os.environ.get(ENV, "").split(os.pathsep) if p.strip()]
    return [SHIPPED, *extra]


def folders() -> dict[str, Path]:
    """Format folder by folder name (the id a `format.yaml` must declare)."""
    out: dict[str, Path] = {}
    for root in roots():
        if root.is_dir():
            for child in sorted(root.iterdir()):
                if (child / FILE_NAME).is_file():
                    out[child.name] = child
    return out


def get(name: str) -> Format:
    """The installed format `name`: `UnknownFormat` if none, `FormatInvalid` if its file is broken."""
    found = folders()
    if name not in found:
        raise UnknownFormat(name, sorted(found))
    return _load(found[name], (found[name] / FILE_NAME).stat().st_mtime_ns)


@functools.cache
def _load(folder: Path, _mtime: int) -> Format:
    fmt = load_format(folder)
    if fmt.id != folder.name:
        raise FormatInvalid(
            [FormatProblem(folder / FILE_NAME, 1, f"id“{fmt.id}”应与文件夹名“{folder.name}”相同，请改为 {folder.name}")]
        )
    return fmt


def installed() -> dict[str, Format | FormatInvalid]:
    """Every installed format, or why it cannot be used."""
    out: dict[str, Format | FormatInvalid] = {}
    for name in folders():
        try:
            out[name] = get(name)
        except FormatInvalid as exc:
            out[name] = exc
    return out


def for_year(name: str, year: int, edition: str | None = None) -> str:
    """The format to use for `year` when `name` is chosen: `name` itself if it applies to that year, else the one
    installed format of the same region, level, document and edition that does (a district's year styles, e.g.
    shanghai-putuo-2025 → shanghai-putuo for 2026) in `edition` (default: the chosen format's first edition).
    Unchanged when there is none or more than one (the workbook check then says the format does not apply to the
    year)."""
    try:
        chosen = get(name)
    except (UnknownFormat, FormatInvalid):
        return name
    if year in chosen.spec.years:
        return name
    spec = chosen.spec
    wanted = edition or spec.editions[0].name
    siblings = [
        f.id
        for f in installed().values()
        if not isinstance(f, FormatInvalid)
        and (f.spec.region, f.spec.level, f.spec.document) == (spec.region, spec.level, spec.document)
        and wanted in {e.name for e in f.spec.editions}
        and year in f.spec.years
    ]
    return siblings[0] if len(siblings) == 1 else name


def fingerprints() -> dict[str, str]:
    """Each installed format folder's SHA-256 over its files (names and bytes), by id.

    A distributed setup's jobs carry the submitting machine's fingerprints, and a worker whose
    formats differ refuses the job (generator/jobqueue/runner.py) instead of building it otherwise.
    """
    out = {}
    for name, folder in folders().items():
        files = sorted(p for p in folder.rglob("*") if p.is_file() and not p.name.startswith("."))
        stamp = tuple((str(p.relative_to(folder)), p.stat().st_size, p.stat().st_mtime_ns) for p in files)
        out[name] = _fingerprint(folder, stamp)
    return out


@functools.cache
def _fingerprint(folder: Path, stamp: tuple[tuple[str, int, int], ...]) -> str:
    digest = hashlib.sha256()
    for rel, _, _ in stamp:
        digest.update(rel.replace(os.sep, "/").encode("utf-8") + b"\0")
        digest.update(hashlib.sha256((folder / rel).read_bytes()).digest())
    return digest.hexdigest()
