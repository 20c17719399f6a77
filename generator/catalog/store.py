"""The finance bureau's imported catalogs, and which catalog a budget year uses.

Imported catalogs live in the data folder, one per year and kind, shared by the CLI and the
web application (`<data>/catalogs/<year>/function.csv` and `econ.csv`, each with a `.json`
beside it saying who imported it, when and from which file). With a shared store
(`DISCLOSURE_STORE=database` or `s3`) they are kept centrally instead and each machine reads
a mirror of them in the same layout (generator/jobqueue/catalogs.py). `CatalogSource.resolve(year)`
picks, for each kind: a one-off file given on the command line (`--catalog`); else the
imported catalog of that year; else the shipped one of that year; else the newest earlier
one (imported before shipped in the same year), whose year the pipeline then names in a
warning.
"""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from generator.catalog import (
    ECON,
    FILE,
    FUNCTION,
    IMPORTED,
    KIND_NAMES,
    KINDS,
    SHIPPED,
    Catalog,
    Origin,
    UnknownYearError,
    available_years,
    shipped_tables,
)
from generator.catalog.importer import CatalogTable

CATALOG_FOLDER = "catalogs"


def default_data_dir() -> Path:
    """The data folder of `disclosure serve` and of the CLI: $DISCLOSURE_DATA, else `data/`."""
    return Path(os.environ.get("DISCLOSURE_DATA") or "data")


@dataclass(frozen=True)
class ImportRecord:
    """Who imported a catalog, when, from which file, and what it holds."""

    year: int
    kind: str
    imported_at: str  # "2026-12-06 10:15" (UTC+8, as the web pages show times)
    imported_by: str
    file_name: str
    sha256: str
    counts: dict[str, int]

    @property
    def detail(self) -> str:
        return f"{self.imported_at} 由 {self.imported_by} 导入，文件“{self.file_name}”"


class CatalogStore:
    """`<root>/<year>/<kind>.csv` (header code,name) plus `<kind>.json` (the ImportRecord)."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def _csv(self, year: int, kind: str) -> Path:
        return self.root / str(year) / f"{kind}.csv"

    def years(self, kind: str | None = None) -> list[int]:
        if not self.root.is_dir():
            return []
        kinds = (kind,) if kind else KINDS
        return sorted(
            int(p.name)
            for p in self.root.iterdir()
            if p.name.isdigit() and any((p / f"{k}.csv").is_file() for k in kinds)
        )

    def get(self, year: int, kind: str) -> tuple[dict[str, str], ImportRecord] | None:
        path = self._csv(year, kind)
        if not path.is_file():
            return None
        with path.open(encoding="utf-8", newline="") as fh:
            entries = {row["code"]: row["name"] for row in csv.DictReader(fh)}
        meta = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
        return entries, ImportRecord(**meta)

    def save(self, table: CatalogTable, record: ImportRecord) -> None:
        """Write the catalog and its record; each file is replaced whole (temporary file, then rename)."""
        self.write(record.year, table.kind, catalog_csv(table), record_json(record))

    def write(self, year: int, kind: str, csv_text: str, json_text: str) -> None:
        """Both files written in full before either is replaced (also the central catalogs' mirror)."""
        folder = self.root / str(year)
        folder.mkdir(parents=True, exist_ok=True)
        texts = {folder / f"{kind}.csv": csv_text, folder / f"{kind}.json": json_text}
        temps: dict[Path, str] = {}
        try:
            for path, text in texts.items():  # both written in full before either is replaced
                fd, temps[path] = tempfile.mkstemp(dir=folder, prefix=".tmp-")
                with os.fdopen(fd, "w", encoding="utf-8") as fh:
                    fh.write(text)
                    fh.flush()
                    os.fsync(fh.fileno())
            for path, tmp in temps.items():
                os.replace(tmp, path)
        finally:
            for tmp in temps.values():
                Path(tmp).unlink(missing_ok=True)

    def remove(self, year: int, kind: str) -> None:
        """Forget a catalog (the central catalogs' mirror, when the central one is gone)."""
        for suffix in (".csv", ".json"):
            self._csv(year, kind).with_suffix(suffix).unlink(missing_ok=True)


def catalog_csv(table: CatalogTable) -> str:
    """A table as the stored CSV (header code,name; sorted by code)."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["code", "name"])
    writer.writerows(sorted(table.entries.items()))
    return buf.getvalue()


def record_json(record: ImportRecord) -> str:
    return json.dumps(record.__dict__, ensure_ascii=False, indent=1)


@dataclass(frozen=True)
class CatalogSource:
    """Where catalogs come from: the data folder's imported ones, one-off tables, the shipped ones.

    Picklable (paths and dicts), so the web application hands it to its worker processes.
    """

    store: Path | None = None  # the `catalogs` folder of the data folder; None: shipped only
    files: tuple[CatalogTable, ...] = field(default=())  # `--catalog PATH`, already checked

    @classmethod
    def for_data_dir(cls, data_dir: Path, files: tuple[CatalogTable, ...] = ()) -> CatalogSource:
        return cls(Path(data_dir) / CATALOG_FOLDER, files)

    def _store(self) -> CatalogStore | None:
        return CatalogStore(self.store) if self.store is not None else None

    def table(self, year: int, kind: str, *, before: bool = True) -> tuple[dict[str, str], Origin]:
        """The table of `kind` used for `year` (`before`: also the newest earlier one), and its origin."""
        for table in self.files:
            if table.kind == kind:
                return table.entries, Origin(year, FILE, f"文件“{table.file_name}”")
        store = self._store()
        candidates: list[tuple[int, int, str]] = []  # (year, preference, source)
        for y in store.years(kind) if store else []:
            if y == year or (before and y < year):
                candidates.append((y, 1, IMPORTED))
        for y in available_years():
            if y == year or (before and y < year):
                candidates.append((y, 0, SHIPPED))
        if not candidates:
            raise UnknownYearError(year)
        chosen, _, source = max(candidates)
        if source == IMPORTED:
            assert store is not None
            found = store.get(chosen, kind)
            assert found is not None
            entries, record = found
            return entries, Origin(chosen, IMPORTED, record.detail)
        functions, econ = shipped_tables(chosen)
        return (functions if kind == FUNCTION else econ), Origin(chosen, SHIPPED)

    def resolve(self, year: int) -> Catalog:
        """The catalog a workbook of budget year `year` uses; UnknownYearError before the first year."""
        functions, f_origin = self.table(year, FUNCTION)
        econ, e_origin = self.table(year, ECON)
        return Catalog(f_origin.year, functions, econ, f_origin, e_origin)

    def records(self) -> dict[tuple[int, str], ImportRecord]:
        store = self._store()
        out = {}
        for y in store.years() if store else []:
            for kind in KINDS:
                found = store.get(y, kind) if store else None
                if found:
                    out[(y, kind)] = found[1]
        return out


SHIPPED_ONLY = CatalogSource()


# --- what an import changes ----------------------------------------------------------------------


@dataclass(frozen=True)
class CatalogDiff:
    """How a new table differs from the one the year used before."""

    kind: str
    before: Origin | None  # None: the year had no catalog at all
    added: list[tuple[str, str]]
    removed: list[tuple[str, str]]
    renamed: list[tuple[str, str, str]]  # code, old name, new name

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.renamed)

    def lines(self) -> list[str]:
        """Chinese summary: one heading line, then one line per change."""
        what = KIND_NAMES[self.kind]
        if self.before is None:
            return [f"{what}：该年度此前没有可用的科目代码表。"]
        head = (
            f"与此前使用的{self.before.text}相比：新增{len(self.added)}个、删除{len(self.removed)}个、"
            f"名称改变{len(self.renamed)}个科目"
        )
        out = [f"{what}：{head}。" if not self.empty else f"{what}：与此前使用的{self.before.text}完全相同。"]
        out += [f"新增 {c} {n}" for c, n in self.added]
        out += [f"删除 {c} {n}" for c, n in self.removed]
        out += [f"改名 {c} {old} → {new}" for c, old, new in self.renamed]
        return out


def diff_tables(kind: str, before: Origin | None, old: dict[str, str], new: dict[str, str]) -> CatalogDiff:
    return CatalogDiff(
        kind,
        before,
        added=sorted((c, n) for c, n in new.items() if c not in old),
        removed=sorted((c, n) for c, n in old.items() if c not in new),
        renamed=sorted((c, old[c], n) for c, n in new.items() if c in old and old[c] != n),
    )


def import_table(
    source: CatalogSource,
    table: CatalogTable,
    year: int,
    record: ImportRecord,
    save: Callable[[CatalogTable, ImportRecord], None] | None = None,
) -> CatalogDiff:
    """Store a checked table as the year's catalog of its kind; returns what changed for that year.

    `save` stores it elsewhere than the source's folder (the central catalogs of a distributed setup).
    """
    assert source.store is not None
    try:
        old, before = source.table(year, table.kind)
    except UnknownYearError:
        old, before = {}, None
    diff = diff_tables(table.kind, before, old, table.entries)
    (save or CatalogStore(source.store).save)(table, record)
    return diff
