"""The bureau's imported 科目 catalogs when several machines share the work.

With the folder store (the embedded default) a catalog lives in `<data>/catalogs/` of the one
machine. With a shared store (`DISCLOSURE_STORE=database` or `s3`) the web server and the
workers of other machines must all see what the administrator imported, so the catalogs are
kept centrally: each table's CSV in the content store (by its SHA-256) and, per year and kind,
one row of the `setting` table (`catalog/<year>/<kind>`: the CSV's hash and the ImportRecord).
An import writes the CSV first, then the row in one statement, so a reader sees the old table
or the new one, never half of one.

Every machine reads the central catalogs through a mirror folder in the usual layout
(`<data>/catalog-mirror/<year>/<kind>.csv` + `.json`), brought up to date before each job
and each page that shows catalogs. `CatalogSource` (picklable, handed to the build
processes) then resolves exactly as before: imported → shipped → newest earlier with a warning.
"""

from __future__ import annotations

import hashlib
import json
import threading
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from generator.catalog import KINDS
from generator.catalog.importer import CatalogTable
from generator.catalog.store import CatalogSource, CatalogStore, ImportRecord, catalog_csv, record_json
from generator.web.db import Setting
from generator.web.store import FileStore

PREFIX = "catalog/"
MIRROR_FOLDER = "catalog-mirror"


def setting_key(year: int, kind: str) -> str:
    return f"{PREFIX}{year}/{kind}"


class CentralCatalogs:
    """The catalogs in the database and the content store, and this machine's mirror of them."""

    def __init__(self, Session: sessionmaker[Session], store: FileStore, data_dir: Path) -> None:
        self.Session = Session
        self.files = store
        self.mirror = CatalogStore(Path(data_dir) / MIRROR_FOLDER)
        self._lock = threading.Lock()  # one sync at a time in this process (the lanes run in threads)

    def save(self, table: CatalogTable, record: ImportRecord) -> None:
        """Store a checked table centrally (`import_table`'s `save`), then bring the mirror up to date."""
        sha = self.files.put(catalog_csv(table).encode("utf-8"))
        value = json.dumps({"csv": sha, "record": record.__dict__}, ensure_ascii=False)
        with self.Session.begin() as db:
            row = db.get(Setting, setting_key(record.year, table.kind), with_for_update=True)
            if row is None:
                db.add(Setting(key=setting_key(record.year, table.kind), value=value))
            else:
                row.value = value
        self.sync()

    def central(self) -> dict[tuple[int, str], dict]:
        """(year, kind) → {"csv": sha, "record": {...}} as recorded centrally."""
        with self.Session() as db:
            rows = db.scalars(select(Setting).where(Setting.key.startswith(PREFIX))).all()
            out = {}
            for row in rows:
                year, kind = row.key.removeprefix(PREFIX).split("/", 1)
                if year.isdigit() and kind in KINDS:
                    out[(int(year), kind)] = json.loads(row.value)
            return out

    def sync(self) -> None:
        """Make the mirror hold exactly the central catalogs (only changed tables are fetched)."""
        wanted = self.central()
        with self._lock:
            for (year, kind), entry in wanted.items():
                path = self.mirror.root / str(year) / f"{kind}.csv"
                if path.is_file() and hashlib.sha256(path.read_bytes()).hexdigest() == entry["csv"]:
                    continue
                csv_text = self.files.read(entry["csv"]).decode("utf-8")
                self.mirror.write(year, kind, csv_text, record_json(ImportRecord(**entry["record"])))
            for year in self.mirror.years():
                for kind in KINDS:
                    if (year, kind) not in wanted:
                        self.mirror.remove(year, kind)

    def source(self, files: tuple[CatalogTable, ...] = ()) -> CatalogSource:
        """The up-to-date mirror as a CatalogSource (plus any one-off tables)."""
        self.sync()
        return CatalogSource(self.mirror.root, files)


def shared(settings_store: str) -> bool:
    """Whether the store is reached by every machine (and so the catalogs are kept centrally)."""
    return settings_store != "files"
