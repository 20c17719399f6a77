"""系统管理 → 科目代码表和格式: the bureau's 公开格式 and each department's own, chosen among the installed formats.

A department's effective format (`rules.effective_format`: its own, else the bureau's, else the tool's
default) fills 基本信息 格式 in the blank workbook it downloads, and an upload whose 格式 differs gets a
warning naming both. The documents are always built in the workbook's own format. Only the administrator
changes these settings; each change is audited.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from generator.formats import registry
from generator.formats.loader import Format
from generator.issues import warning
from generator.web import rules
from generator.web.db import Account, Department, Setting
from generator.workbook import schema

URL = "/admin/year"
BUREAU_FORMAT = "format"  # the Setting key of the bureau's format
FORMAT_CELL = f"B{schema.FIRST_DATA_ROW + [f.key for f in schema.INFO_FIELDS].index('format')}"  # 基本信息 格式


def usable() -> dict[str, Format]:
    """The installed formats that load (a broken one cannot be chosen), by id."""
    return {fid: f for fid, f in registry.installed().items() if isinstance(f, Format)}


def names() -> dict[str, str]:
    """Each usable format's Chinese name, by id."""
    return {fid: f.spec.name for fid, f in usable().items()}


def bureau_format(db: Session) -> str | None:
    """The format the administrator chose for the bureau, if any."""
    row = db.get(Setting, BUREAU_FORMAT)
    return row.value if row else None


def department_format(db: Session, dept: Department) -> str:
    """The department's effective format: what its blank workbook is in and its uploads are compared with."""
    return rules.effective_format(dept.format_id, bureau_format(db), registry.DEFAULT)


def upload_warning(db: Session, dept: Department, workbook_format: str | None, year: int | None = None) -> dict | None:
    """The `format-differs` warning (as stored with a version) when an upload's 格式 is not its department's
    (for the workbook's budget year: the district's style of that year, as its blank workbook has it)."""
    expected = department_format(db, dept)
    if year is not None:
        expected = registry.for_year(expected, year)
    said = rules.format_mismatch(workbook_format, expected, names())
    if said is None:
        return None
    return warning("format-differs", said, schema.SHEET_INFO, FORMAT_CELL, workbook_format).model_dump(mode="json")


def refusal(chosen: str, formats: dict[str, Format]) -> str | None:
    """Why `chosen` cannot be set as a format (nothing is changed then), or None."""
    if chosen in formats:
        return None
    if chosen in registry.folders():
        return (
            f"格式“{chosen}”的格式文件有错误，不能选用，未作更改；"
            f"请信息中心用 disclosure formats --check {registry.folders()[chosen]} 检查并改正"
        )
    return f"没有名为“{chosen}”的格式（已安装：{'、'.join(sorted(formats)) or '无'}），未作更改；请从列表中选择"


def format_routes(A: Any, db_route: Any) -> list[Route]:
    """The page's routes; `A` is the application core, `db_route` wraps a handler in a session and sign-in."""
    from generator.web.app import _admin, _flash, _form, _get, _text

    def label(fid: str, formats: dict[str, Format]) -> str:
        return f"{formats[fid].spec.name}（{fid}）" if fid in formats else f"{fid}（未安装）"

    async def year_page(request: Request, db: Session, user: Account) -> Response:
        _admin(user)
        from generator.catalog import available_years

        formats = usable()
        chosen = bureau_format(db)
        bureau = rules.effective_format(None, chosen, registry.DEFAULT)
        departments = []
        for d in db.scalars(select(Department).order_by(Department.name)):
            effective = rules.effective_format(d.format_id, chosen, registry.DEFAULT)
            departments.append(
                {"dept": d, "format": label(effective, formats), "own": d.format_id, "installed": effective in formats}
            )
        return A.render(
            request,
            "admin_year.html",
            section="year",
            message=request.session.pop("flash", None),
            secret=request.session.pop("secret", None),
            catalog_years=available_years(),
            formats=[
                {
                    "id": f.id,
                    "name": f.spec.name,
                    "region": f.spec.region,
                    "document": f.spec.document,
                    "editions": "、".join(e.name for e in f.spec.editions),
                    "years": f.spec.years.text,
                }
                for f in formats.values()
            ],
            bureau=bureau,
            bureau_label=label(bureau, formats),
            bureau_installed=bureau in formats,
            departments=departments,
        )

    async def set_bureau(request: Request, db: Session, user: Account) -> Response:
        _admin(user)
        form = await _form(request, db)
        chosen = _text(form, "format", 100)
        formats = usable()
        problem = refusal(chosen, formats)
        if problem:
            return _flash(request, f"{URL}#format", problem)
        before = rules.effective_format(None, bureau_format(db), registry.DEFAULT)
        row = db.get(Setting, BUREAU_FORMAT)
        if row is None:
            db.add(Setting(key=BUREAU_FORMAT, value=chosen))
        else:
            row.value = chosen
        A.audit(db, request, "format-set", obj="本局", detail=f"{before} → {chosen}")
        return _flash(request, f"{URL}#format", f"本局的公开格式已设为：{label(chosen, formats)}")

    async def set_department(request: Request, db: Session, user: Account) -> Response:
        _admin(user)
        dept: Department | None = _get(db, Department, request.path_params["dept_id"])
        if dept is None:
            raise HTTPException(404)
        form = await _form(request, db)
        chosen = _text(form, "format", 100)
        formats = usable()
        problem = refusal(chosen, formats) if chosen else None
        if problem:
            return _flash(request, f"{URL}#format", problem)
        before = dept.format_id or "本局格式"
        dept.format_id = chosen or None
        after = department_format(db, dept)
        A.audit(
            db,
            request,
            "department-format-set",
            dept.id,
            dept.name,
            f"{before} → {chosen or '本局格式'}（{after}）",
        )
        how = label(after, formats) if chosen else f"使用本局格式 {label(after, formats)}"
        return _flash(request, f"{URL}#format", f"{dept.name}的公开格式：{how}")

    return [
        Route(URL, db_route(year_page)),
        Route("/admin/formats", db_route(set_bureau), methods=["POST"]),
        Route("/admin/departments/{dept_id:int}/format", db_route(set_department), methods=["POST"]),
    ]
