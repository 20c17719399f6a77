"""系统管理 → 科目代码表: the bureau uploads each year's catalog; every department's workbooks of that year use it.

The same reading, checks and storage as `disclosure catalog import` (generator/catalog/importer.py and
store.py): the upload is read in an isolated, limited process like a workbook; a catalog with any
problem is shown with the location of each and nothing is stored; an accepted one is stored in the
data folder's `catalogs/` (one per year and kind; centrally with a shared store, generator/jobqueue/catalogs.py), its original file in the content store, and an
audit entry records who imported what.
"""

from __future__ import annotations

import asyncio
import hashlib
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from generator.catalog import KIND_NAMES, KINDS, UnknownYearError, available_years
from generator.catalog.importer import CatalogTable
from generator.catalog.store import CatalogDiff, ImportRecord, import_table
from generator.issues import Issue
from generator.web import jobs, naming, service
from generator.web.db import Account, AuditEntry, utcnow

URL = "/admin/catalogs"
KIND_CHOICES = {"": "按编码自动判断", **KIND_NAMES}


def catalog_routes(A: Any, db_route: Any) -> list[Route]:
    """The page's routes; `A` is the application core, `db_route` wraps a handler in a session and sign-in."""
    from generator.web.app import _admin, _flash, _form, _int_param, _text

    def overview() -> list[dict[str, Any]]:
        catalogs = A.catalogs  # one look at the central catalogs for the whole table
        years = sorted(set(available_years()) | {y for y, _ in catalogs.records()})
        rows = []
        for year in [*years, years[-1] + 1]:
            row: dict[str, Any] = {"year": year}
            for kind in KINDS:
                try:
                    _, origin = catalogs.table(year, kind)
                except UnknownYearError:
                    origin = None
                row[kind] = origin
            rows.append(row)
        return rows

    def page(request: Request, db: Session, status: int = 200, **context: Any) -> Response:
        audit = db.scalars(
            select(AuditEntry)
            .where(AuditEntry.action.in_(["catalog-import", "catalog-refused"]))
            .order_by(AuditEntry.id.desc())
            .limit(50)
        ).all()
        context.setdefault("year", service.today().year + 1)
        return A.render(
            request,
            "catalogs.html",
            status,
            rows=overview(),
            kinds=KIND_CHOICES,
            KIND_NAMES=KIND_NAMES,
            audit=audit,
            section="year",
            message=request.session.pop("flash", None),
            **context,
        )

    async def catalogs_page(request: Request, db: Session, user: Account) -> Response:
        _admin(user)
        return page(request, db)

    async def catalog_upload(request: Request, db: Session, user: Account) -> Response:
        _admin(user)
        form = await _form(request, db, files=1)
        year = _int_param(_text(form, "year", 4))
        kind = _text(form, "kind", 10) or None
        upload = form.get("catalog")
        if year is None or not 2000 <= year <= 2100:
            return _flash(request, URL, "请填写代码表适用的预算年度（如2027）")
        if kind is not None and kind not in KINDS:
            raise HTTPException(400)
        if not isinstance(upload, UploadFile) or not upload.filename:
            return _flash(request, URL, "请选择要上传的科目代码表文件（.xlsx 或 .csv）")
        data = await upload.read(A.settings.max_upload + 1)
        if len(data) > A.settings.max_upload:
            raise HTTPException(413, "上传的文件过大")
        original = upload.filename.replace("\\", "/").rsplit("/", 1)[-1][:200]
        work = jobs.scratch(A.settings.tmp_dir)
        try:
            suffix = ".csv" if original.lower().endswith(".csv") else ".xlsx"
            # messages name the file as the administrator knows it (a CSV's "sheet" is its file name)
            src = work / naming.safe_filename(original.rsplit(".", 1)[0] or "科目代码表", suffix)
            src.write_bytes(data)
            db.commit()
            # an administrator's occasional upload: parsed in its own limited process, beside the queue
            try:
                found = await asyncio.to_thread(
                    jobs.run_isolated,
                    jobs.read_catalog,
                    str(src),
                    kind,
                    timeout=A.settings.check_timeout,
                    memory=A.settings.job_memory,
                )
            except jobs.JobFailed as exc:
                found = {
                    "table": None,
                    "issues": [{"code": "catalog-failed", "severity": "error", "message": str(exc)}],
                }
        finally:
            jobs.cleanup(work)
        issues = [Issue.model_validate(i) for i in found["issues"]]
        table: CatalogTable | None = found["table"]
        if table is None:
            errors = sum(1 for i in issues if i.is_error)
            A.audit(db, request, "catalog-refused", obj=f"{year}年 {original}", detail=f"{errors}个错误")
            return page(request, db, 422, year=year, refused=original, issues=issues)
        record = ImportRecord(
            year=year,
            kind=table.kind,
            imported_at=service.local(utcnow())[:16],
            imported_by=user.username,
            file_name=original,
            sha256=hashlib.sha256(data).hexdigest(),
            counts=table.counts(),
        )
        A.store.put(data)
        save = A.central_catalogs.save if A.central_catalogs else None  # every machine's workers see it
        diff: CatalogDiff = await asyncio.to_thread(import_table, A.catalogs, table, year, record, save)
        A.audit(
            db,
            request,
            "catalog-import",
            obj=f"{year}年{KIND_NAMES[table.kind]}",
            detail=f"{original}（{table.counts_text}）：新增{len(diff.added)}个、删除{len(diff.removed)}个、"
            f"改名{len(diff.renamed)}个科目",
        )
        return page(request, db, year=year, imported=table, diff=diff, file_name=original)

    return [
        Route(URL, db_route(catalogs_page), methods=["GET"]),
        Route(URL, db_route(catalog_upload), methods=["POST"]),
    ]
