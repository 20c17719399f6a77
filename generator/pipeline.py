"""The pipeline in order: read → inputs → validate → compute. Nothing is written here."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from generator.catalog import KIND_NAMES, KINDS, Catalog, UnknownYearError, available_years
from generator.catalog.store import SHIPPED_ONLY, CatalogSource
from generator.compute import compute_disclosure
from generator.compute.comparisons import PriorBook
from generator.compute.final import FinalBook, FinalPriorBook, compare_years, explain_final
from generator.compute.names import Names
from generator.formats import registry
from generator.formats.loader import Format, FormatInvalid
from generator.inputs import Inputs, build_inputs
from generator.issues import Issue, error, has_errors, sort_issues, warning
from generator.model import Disclosure
from generator.validate import validate
from generator.workbook import schema
from generator.workbook.reader import read_workbook


@dataclass
class Result:
    """What a run found: the computed disclosure when the workbook got that far, and all issues."""

    path: Path
    issues: list[Issue] = field(default_factory=list)
    inputs: Inputs | None = None
    disclosure: Disclosure | None = None
    book: PriorBook | None = None
    final_book: FinalBook | None = None  # a 决算 workbook's 预决算对比 reasons, matched to its figures
    final_prior_book: FinalPriorBook | None = None  # and its 上年决算对比 rows
    catalog: Catalog | None = None  # the catalog the workbook was checked against

    @property
    def ok(self) -> bool:
        return self.disclosure is not None and not has_errors(self.issues)


def run(path: Path, catalogs: CatalogSource = SHIPPED_ONLY) -> Result:
    """Read, validate and compute one workbook, collecting every issue on the way.

    `catalogs` says where the year's 科目 catalog comes from (the bureau's imported ones, a
    one-off file); the default is the shipped catalogs only.
    """
    result = Result(path=path)
    raw, issues = read_workbook(path)
    result.issues.extend(issues)
    if raw is not None:
        result.inputs = build_inputs(raw)
    if result.inputs is not None:
        _compute(result, result.inputs, catalogs)
    result.issues = sort_issues(
        _dedupe(result.issues), (schema.SHEET_GUIDE, *schema.INPUT_SHEETS, *schema.FINAL_SHEETS)
    )
    return result


def _compute(result: Result, inputs: Inputs, catalogs: CatalogSource) -> None:
    try:
        catalog = catalogs.resolve(inputs.info.year)
    except UnknownYearError:
        years = "、".join(str(y) for y in available_years())
        result.issues.append(
            error(
                "catalog-year-missing",
                f"没有{inputs.info.year}年的科目代码表（现有：{years}年及以后），请核对预算年度",
                schema.SHEET_INFO,
                inputs.kv_cells.get(schema.SHEET_INFO, {}).get("year"),
            )
        )
        return
    older = [k for k in KINDS if catalog.origin(k).year < inputs.info.year]
    if older:
        which = "" if len(older) == len(KINDS) else KIND_NAMES[older[0]]
        result.issues.append(
            warning(
                "catalog-year-older",
                f"没有{inputs.info.year}年的{which}科目代码表，本次检查科目编码和名称使用{catalog.description}。"
                f"财政局导入{inputs.info.year}年科目代码表后请重新检查；"
                f"{inputs.info.year}年新增或调整的科目也可在“补充科目”表填写官方名称",
                schema.SHEET_INFO,
                inputs.kv_cells.get(schema.SHEET_INFO, {}).get("year"),
                str(inputs.info.year),
            )
        )
    result.catalog = catalog
    # The workbook's own rules first, so a workbook whose format cannot be used still hears all its problems.
    names = Names.build(catalog, inputs)
    result.issues.extend(validate(inputs, names))
    # The 决算 comparisons once every line's 决算数 is typed (until then check asks for each one).
    if inputs.final is not None and all(i.final is not None for i in inputs.items):
        result.final_book = FinalBook(inputs)
        explain_final(inputs, names, result.final_book)
        result.final_prior_book = FinalPriorBook(inputs)
        compare_years(inputs, result.final_prior_book)
        result.issues.extend([*result.final_book.issues, *result.final_prior_book.issues])
    format_, format_issues = resolve_format(inputs)
    result.issues.extend(format_issues)
    if format_ is None:
        return
    disclosure, issues, book = compute_disclosure(inputs, catalog, format_)
    result.issues.extend(issues)
    result.disclosure = disclosure
    result.book = book


def resolve_format(inputs: Inputs) -> tuple[Format | None, list[Issue]]:
    """The installed format the workbook names, or located errors at its 格式 cell."""
    name = inputs.info.format
    cell = inputs.kv_cells.get(schema.SHEET_INFO, {}).get("format") or None
    try:
        format_ = registry.get(name)
    except registry.UnknownFormat as exc:
        known = "、".join(exc.known) or "无"
        message = f"没有名为“{name}”的格式（已安装：{known}）；请从下拉列表选择，或请信息中心安装该格式"
        return None, [error("format-unknown", message, schema.SHEET_INFO, cell, name)]
    except FormatInvalid as exc:
        problems = "；".join(str(p) for p in exc.problems[:5])
        more = f"等{len(exc.problems)}处" if len(exc.problems) > 5 else ""
        message = f"格式“{name}”的格式文件有错误，无法使用：{problems}{more}；请信息中心用 disclosure formats --check 检查并改正"
        return None, [error("format-invalid", message, schema.SHEET_INFO, cell, name)]
    workbook_kind = "决算" if inputs.final is not None else "预算"
    if format_.spec.document != workbook_kind:
        message = (
            f"本工作簿是{workbook_kind}工作簿，格式“{format_.spec.name}”用于部门{format_.spec.document}公开；"
            f"请选择{workbook_kind}格式" + ("（决算工作簿由本年预算工作簿生成）" if workbook_kind == "预算" else "")
        )
        return None, [error("format-document", message, schema.SHEET_INFO, cell, name)]
    if inputs.info.year not in format_.spec.years:
        sibling = registry.for_year(
            name, inputs.info.year, inputs.info.edition
        )  # the same district's style of that year, if installed
        message = (
            f"格式“{format_.spec.name}”适用于{format_.spec.years.text}，不适用于{inputs.info.year}年；"
            "请核对预算年度，或选择适用的格式" + (f"（{inputs.info.year}年用“{sibling}”）" if sibling != name else "")
        )
        return None, [error("format-year", message, schema.SHEET_INFO, cell, name)]
    edition = inputs.info.edition
    if edition and edition not in format_.edition_names:
        edition_cell = inputs.kv_cells.get(schema.SHEET_INFO, {}).get("edition") or None
        choices = "、".join(format_.edition_names)
        message = f"格式“{format_.spec.name}”没有“{edition}”，只有{choices}；请从下拉列表选择{choices}之一（不填则用{format_.edition_names[0]}）"
        return None, [error("format-edition", message, schema.SHEET_INFO, edition_cell, edition)]
    return format_.with_edition(edition), []


def _dedupe(issues: list[Issue]) -> list[Issue]:
    seen: set[tuple[str, str | None, str | None, str]] = set()
    out = []
    for i in issues:
        key = (i.code, i.sheet, i.cell, i.message)
        if key not in seen:
            seen.add(key)
            out.append(i)
    return out
