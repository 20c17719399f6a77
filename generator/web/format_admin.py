"""系统管理 → 科目代码表和格式: the bureau's 公开格式 and each department's own, chosen among the installed formats.

The 预算 and the 决算 (issue 20) each have their own: a 预算 format (spec.document 预算) and a 决算
format (spec.document 决算) are chosen separately, with the same per-department override.

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
from generator.web.db import DOC_BUDGET, DOC_FINAL, DOCUMENTS, Account, Department, Setting
from generator.workbook import schema

URL = "/admin/year"
BUREAU_FORMAT = "format"  # the Setting key of the bureau's format
BUREAU_FINAL_FORMAT = "final_format"  # and of its 决算 format
SETTING_KEYS = {DOC_BUDGET: BUREAU_FORMAT, DOC_FINAL: BUREAU_FINAL_FORMAT}
DEFAULTS = {DOC_BUDGET: registry.DEFAULT, DOC_FINAL: schema.FINAL_DEFAULT_FORMAT}
FORMAT_CELL = f"B{schema.FIRST_DATA_ROW + [f.key for f in schema.INFO_FIELDS].index('format')}"  # 基本信息 格式


def usable(document: str | None = None) -> dict[str, Format]:
    """The installed formats that load (a broken one cannot be chosen), by id; of one document when given."""
    return {
        fid: f
        for fid, f in registry.installed().items()
        if isinstance(f, Format) and (document is None or f.spec.document == DOCUMENTS[document])
    }


def names() -> dict[str, str]:
    """Each usable format's Chinese name, by id."""
    return {fid: f.spec.name for fid, f in usable().items()}


def bureau_format(db: Session, document: str = DOC_BUDGET) -> str | None:
    """The format the administrator chose for the bureau's 预算 (or 决算), if any."""
    row = db.get(Setting, SETTING_KEYS[document])
    return row.value if row else None


def own_format(dept: Department, document: str = DOC_BUDGET) -> str | None:
    return dept.final_format_id if document == DOC_FINAL else dept.format_id


def department_format(db: Session, dept: Department, document: str = DOC_BUDGET) -> str:
    """The department's effective format of a document: what its blank workbook is in and its uploads are compared with."""
    return rules.effective_format(own_format(dept, document), bureau_format(db, document), DEFAULTS[document])


def prepared_sheets(
    db: Session, dept: Department, document: str = DOC_BUDGET, year: int | None = None
) -> tuple[str, ...]:
    """The sheets the 补全 button adds rows to in the department's workbook of `document` for `year` (in
    the district's style of that year; an upload in another format is warned about on its own)."""
    from generator.workbook import template

    fmt = department_format(db, dept, document)
    if year is not None:
        fmt = registry.for_year(fmt, year)
    sheets = template.workbook_sheets(fmt, final=document == DOC_FINAL)
    return template.prepared_sheets(sheets)


def upload_warning(
    db: Session, dept: Department, workbook_format: str | None, document: str = DOC_BUDGET, year: int | None = None
) -> dict | None:
    """The `format-differs` warning (as stored with a version) when an upload's 格式 is not its department's
    (for the workbook's year: the district's style of that year, as its blank workbook has it)."""
    expected = department_format(db, dept, document)
    if year is not None:
        expected = registry.for_year(expected, year)
    said = rules.format_mismatch(workbook_format, expected, names())
    if said is None:
        return None
    return warning("format-differs", said, schema.SHEET_INFO, FORMAT_CELL, workbook_format).model_dump(mode="json")


def refusal(chosen: str, formats: dict[str, Format], document: str = DOC_BUDGET) -> str | None:
    """Why `chosen` cannot be set as the format of `document` (nothing is changed then), or None;
    `formats` are the usable formats of that document."""
    if chosen in formats:
        return None
    other = usable().get(chosen)
    if other is not None:
        return (
            f"格式“{chosen}”是{other.spec.document}格式，不能用作{DOCUMENTS[document]}的格式，未作更改；"
            f"请从{DOCUMENTS[document]}格式的列表中选择"
        )
    if chosen in registry.folders():
        return (
            f"格式“{chosen}”的格式文件有错误，不能选用，未作更改；"
            f"请信息中心用 disclosure formats --check {registry.folders()[chosen]} 检查并改正"
        )
    listed = "、".join(sorted(formats)) or "无"
    return f"没有名为“{chosen}”的格式（已安装的{DOCUMENTS[document]}格式：{listed}），未作更改；请从列表中选择"


def format_routes(A: Any, db_route: Any) -> list[Route]:
    """The page's routes; `A` is the application core, `db_route` wraps a handler in a session and sign-in."""
    from generator.web.app import _admin, _flash, _form, _get, _text

    def label(fid: str, formats: dict[str, Format]) -> str:
        return f"{formats[fid].spec.name}（{fid}）" if fid in formats else f"{fid}（未安装）"

    def document_choice(db: Session, document: str) -> dict:
        """One document's formats, the bureau's choice and each department's (for the page)."""
        formats = usable(document)
        chosen = bureau_format(db, document)
        bureau = rules.effective_format(None, chosen, DEFAULTS[document])
        departments = []
        for d in db.scalars(select(Department).order_by(Department.name)):
            own = own_format(d, document)
            effective = rules.effective_format(own, chosen, DEFAULTS[document])
            departments.append(
                {"dept": d, "format": label(effective, formats), "own": own, "installed": effective in formats}
            )
        return {
            "document": document,
            "name": DOCUMENTS[document],
            "formats": [{"id": f.id, "name": f.spec.name} for f in formats.values()],
            "bureau": bureau,
            "bureau_label": label(bureau, formats),
            "bureau_installed": bureau in formats,
            "departments": departments,
        }

    async def year_page(request: Request, db: Session, user: Account) -> Response:
        _admin(user)
        from generator.catalog import available_years

        budget = document_choice(db, DOC_BUDGET)
        formats = usable()
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
            budget_formats=budget["formats"],
            bureau=budget["bureau"],
            bureau_label=budget["bureau_label"],
            bureau_installed=budget["bureau_installed"],
            departments=budget["departments"],
            final=document_choice(db, DOC_FINAL),
        )

    def document_of(form: Any) -> str:
        return DOC_FINAL if _text(form, "document", 10) == DOC_FINAL else DOC_BUDGET

    async def set_bureau(request: Request, db: Session, user: Account) -> Response:
        _admin(user)
        form = await _form(request, db)
        chosen = _text(form, "format", 100)
        document = document_of(form)
        formats = usable(document)
        problem = refusal(chosen, formats, document)
        if problem:
            return _flash(request, f"{URL}#format", problem)
        before = rules.effective_format(None, bureau_format(db, document), DEFAULTS[document])
        row = db.get(Setting, SETTING_KEYS[document])
        if row is None:
            db.add(Setting(key=SETTING_KEYS[document], value=chosen))
        else:
            row.value = chosen
        action = "final-format-set" if document == DOC_FINAL else "format-set"
        A.audit(db, request, action, obj="本局", detail=f"{before} → {chosen}")
        what = "决算格式" if document == DOC_FINAL else "公开格式"
        return _flash(request, f"{URL}#format", f"本局的{what}已设为：{label(chosen, formats)}")

    async def set_department(request: Request, db: Session, user: Account) -> Response:
        _admin(user)
        dept: Department | None = _get(db, Department, request.path_params["dept_id"])
        if dept is None:
            raise HTTPException(404)
        form = await _form(request, db)
        chosen = _text(form, "format", 100)
        document = document_of(form)
        formats = usable(document)
        problem = refusal(chosen, formats, document) if chosen else None
        if problem:
            return _flash(request, f"{URL}#format", problem)
        before = own_format(dept, document) or "本局格式"
        if document == DOC_FINAL:
            dept.final_format_id = chosen or None
        else:
            dept.format_id = chosen or None
        after = department_format(db, dept, document)
        A.audit(
            db,
            request,
            "department-final-format-set" if document == DOC_FINAL else "department-format-set",
            dept.id,
            dept.name,
            f"{before} → {chosen or '本局格式'}（{after}）",
        )
        how = label(after, formats) if chosen else f"使用本局格式 {label(after, formats)}"
        what = "决算格式" if document == DOC_FINAL else "公开格式"
        return _flash(request, f"{URL}#format", f"{dept.name}的{what}：{how}")

    return [
        Route(URL, db_route(year_page)),
        Route("/admin/formats", db_route(set_bureau), methods=["POST"]),
        Route("/admin/departments/{dept_id:int}/format", db_route(set_department), methods=["POST"]),
    ]
