"""第一部分's staff sentence and 第三部分 一–十一: figures computed here, words from the format.

Each section's figures are the same line-item sums the tables show, so a figure quoted in text
always equals its table cell. The sentences are the format's section templates
(`templates/formats/xinjiang-2023/sections/`, see `generator/formats/text.py`): they place these
figures and choose among the cases computed here, and never compute.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from generator import formatting as fmt
from generator.compute import ledger as L
from generator.compute.comparisons import Comparison, PriorBook, item_key
from generator.compute.ledger import operating_cost, operating_units
from generator.compute.names import Names
from generator.compute.narrative_by_item import ByItemNarrative
from generator.compute.tables import project_order
from generator.compute.wording import Change, change_of, wan
from generator.formats.spec import Edition
from generator.formats.text import (
    DEFAULT_SECTIONS,
    SUFFIX,
    Settings,
    TextProblem,
    TextTemplateError,
    load_sections,
)
from generator.inputs import Inputs, LineItem
from generator.issues import Issue, error
from generator.model import Paragraph, Section
from generator.workbook import schema
from generator.workbook.schema import FundSource as F
from generator.workbook.schema import PriorKey as K

CN_NUMBERS = ("一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一")

# Section 二: the income lines in order, their prior-year key and fund sources.
INCOME_LINES: tuple[tuple[K, str, frozenset[F]], ...] = (
    (K.INCOME_GPB, "一般公共预算", frozenset({F.GPB_LOCAL})),
    (K.INCOME_GPB_TRANSFER, "上级一般公共预算安排的转移支付资金", frozenset({F.GPB_TRANSFER})),
    (K.INCOME_FUND, "政府性基金预算", frozenset({F.FUND_LOCAL})),
    (K.INCOME_FUND_TRANSFER, "上级政府性基金安排的转移支付资金", frozenset({F.FUND_TRANSFER})),
    (K.INCOME_SOE, "国有资本经营预算", frozenset({F.SOE_LOCAL})),
    (K.INCOME_SOE_TRANSFER, "上级国有资本经营预算安排的转移支付资金", frozenset({F.SOE_TRANSFER})),
    (K.INCOME_SPECIAL, "财政专户核拨", frozenset({F.SPECIAL_ACCOUNT})),
    (K.INCOME_UNIT, "单位资金", L.UNIT),
    (K.INCOME_CARRY, "财政拨款结转", L.CARRY),
    (K.INCOME_NONFISCAL, "非财政拨款结转结余", L.NONFISCAL),
)
# Section 一: income groups named when non-zero.
INCOME_GROUPS: tuple[tuple[str, frozenset[F]], ...] = (
    ("一般公共预算拨款", L.GPB),
    ("政府性基金预算拨款", L.FUND),
    ("国有资本经营预算拨款", L.SOE),
    ("财政专户核拨", frozenset({F.SPECIAL_ACCOUNT})),
    ("单位资金", L.UNIT),
    ("财政拨款结转", L.CARRY),
    ("非财政拨款结转结余", L.NONFISCAL),
)
FISCAL_FUNDS: tuple[tuple[str, str, frozenset[F]], ...] = (
    ("一般公共预算拨款", "一般公共预算", L.GPB),
    ("政府性基金预算拨款", "政府性基金预算", L.FUND),
    ("国有资本经营预算拨款", "国有资本经营预算", L.SOE),
)
SANGONG_ITEMS: tuple[tuple[K, str, frozenset[str]], ...] = (
    (K.SANGONG_ABROAD, "因公出国（境）费", L.SANGONG_ABROAD),
    (K.SANGONG_VEHICLE_BUY, "公务用车购置费", L.SANGONG_VEHICLE_BUY),
    (K.SANGONG_VEHICLE_RUN, "公务用车运行费", L.SANGONG_VEHICLE_RUN),
    (K.SANGONG_RECEPTION, "公务接待费", L.SANGONG_RECEPTION),
)


def paragraphs(text: str | None) -> list[Paragraph]:
    return [Paragraph(text=line) for line in lines(text)]


def lines(text: str | None) -> list[str]:
    """A workbook text's non-empty lines, stripped: one paragraph each."""
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


@dataclass(frozen=True)
class Staff:
    """A staff count and its change: `direction` 增加 / 减少 / 持平, `delta` the change in persons."""

    count: int
    direction: str
    delta: int

    @property
    def none(self) -> bool:
        """No such staff, this year and last (无离休人员)."""
        return self.count == 0 and self.delta == 0


def _staff(count: int, change: int) -> Staff:
    return Staff(count, "持平" if change == 0 else "增加" if change > 0 else "减少", abs(change))


def staff_sentence(inputs: Inputs, folder: Path = DEFAULT_SECTIONS, settings: Settings | None = None) -> Paragraph:
    """第一部分's staff sentence, worded by the format's staff template (`settings`: the format's, default xinjiang-2023's)."""
    templates = load_sections(folder, settings)
    i = inputs.info
    figures = {
        "short": i.short_name,
        "year": i.year,
        "prior_year": i.year - 1,
        "options": templates.settings.options,
        "quota": i.staff_quota,
        "quota_unit": templates.settings.options.get("quota_unit", "人"),
        "actual": i.staff_active + i.staff_retired + i.staff_veteran,
        "active": _staff(i.staff_active, i.staff_active_change),
        "retired": _staff(i.staff_retired, i.staff_retired_change),
        "veteran": _staff(i.staff_veteran, i.staff_veteran_change),
    }
    rendered = templates.render(templates.settings.staff, figures)
    if len(rendered.paragraphs) != 1 or rendered.heading or rendered.subsections:
        file = templates.settings.staff + SUFFIX
        raise TextTemplateError([TextProblem(file, None, "人员情况模板应只生成一段文字（不含标题和小节）")])
    return rendered.paragraphs[0]


@dataclass
class Narrative(ByItemNarrative):
    """第三部分: figures computed here, words from the format's section templates.

    Every figure and case a section's template may use is computed by its builder in `figures` (template
    `overview` ← `overview`, `fiscal` ← `fiscal_funds`, …), in that fixed order whatever order the format
    prints the sections in, so the comparisons asked of the book (and the rows `prepare` writes) do not
    depend on the format.
    """

    inputs: Inputs
    names: Names
    book: PriorBook
    folder: Path = DEFAULT_SECTIONS
    issues: list[Issue] = field(default_factory=list)
    base: str = "上年预算"  # the format's comparison_base: every comparison of the document is with it
    edition: Edition | None = None  # the format's edition: its subject and noun for the templates
    settings: Settings | None = None  # the format's (Format.text_settings); None: xinjiang-2023's

    def __post_init__(self) -> None:
        info = self.inputs.info
        self.items = self.inputs.items
        self.year = info.year
        self.prior_year = info.year - 1
        self.short = info.short_name
        self.gpb = L.select(self.items, L.by_sources(L.GPB))
        self.fiscal = L.select(self.items, L.by_sources(L.FISCAL_CURRENT))
        self._next_use_row = self.inputs.next_rows.get(schema.SHEET_USES, schema.FIRST_DATA_ROW)
        # 本部门 for a department with subordinate units, 本单位 otherwise; 部门（单位） stays in headings only.
        self.department = len(self.inputs.units) > 1
        self.who = "本部门" if self.department else "本单位"
        self._income_prior_total: Decimal | None = None  # set by income(), checked by spending()

    def compare(
        self, key: str, current: Decimal, label: str, hint: str, subject: str, required: bool | None = None
    ) -> Change:
        """The comparison for `key`; `subject` names the item in its sentence (for the reason rule)."""
        return change_of(self.book.compare(key, current, label, hint, required), subject)

    def figures(self, wanted: tuple[str, ...] | None = None) -> dict[str, dict[str, Any]]:
        """Each wanted section's figures (all when None), by template name, built in the fixed order."""
        builders = (
            self.overview,
            self.income,
            self.spending,
            self.fiscal_funds,
            self.gpb_use,
            self.gpb_basic,
            self.gpb_projects,
            self.fund,
            self.soe,
            self.sangong,
            self.other,
            self.budget,
            self.notes,
            self.project_notes,
        )
        return {
            name: build()
            for name, build in zip(SECTION_NAMES, builders, strict=True)
            if wanted is None or name in wanted
        }

    def sections(self) -> list[Section]:
        """The sections in the order the format places them."""
        return list(self.sections_by_name().values())

    def sections_by_name(self) -> dict[str, Section]:
        """Every section the format places, by template name (the ids a format places), in its order."""
        templates = load_sections(self.folder, self.settings)
        unknown = [name for name in templates.settings.sections if name not in SECTION_NAMES]
        if unknown:
            known = "、".join(SECTION_NAMES)
            raise TextTemplateError(
                [TextProblem("format.yaml", None, f"情况说明“{n}”不是预算的章节，可用：{known}") for n in unknown]
            )
        figures = self.figures(templates.settings.sections)
        naming = templates.settings.options.get("name_in_headings", "简称")  # checked with format.yaml
        names = {
            "简称": self.short,
            "全称": self.inputs.info.unit_name,
            "全称部门": f"{self.inputs.info.unit_name}部门",
        }
        common = {
            "heading_name": names[naming],  # the body the headings name (关于{heading_name}{year}年…)
            "short": self.short,
            "year": self.year,
            "prior_year": self.prior_year,
            "who": self.who,
            "department": self.department,
            # the edition's words (部门版: 本部门/部门, 单位版: 本单位/单位), for formats that word by edition
            "edition": {
                "name": self.edition.name if self.edition else "",
                "subject": self.edition.subject if self.edition else self.who,
                "noun": self.edition.noun if self.edition else "部门",
            },
            "options": templates.settings.options,
            # the one comparison base, as sentences name it: 预算 / 执行数 (and 预算数 / 执行数 as a figure)
            "base": self.base.removeprefix("上年"),
            "base_figure": "执行数" if self.base == "上年执行数" else "预算数",
        }
        out: dict[str, Section] = {}
        for n, name in enumerate(templates.settings.sections):
            context = {**common, "number": CN_NUMBERS[n] if n < len(CN_NUMBERS) else str(n + 1), **figures[name]}
            rendered = templates.render(name, context)
            if not rendered.heading:
                raise TextTemplateError([TextProblem(name + SUFFIX, None, "每节模板须以标题行（# 开头）开始")])
            out[name] = Section(
                heading=rendered.heading, paragraphs=rendered.paragraphs, subsections=rendered.subsections
            )
        return out

    def _classes(self, items: list[LineItem]) -> list[Named]:
        codes = sorted({i.func_code[:3] for i in items})
        return [Named(self.names.function(c), L.total(items, lambda i, c=c: i.func_code.startswith(c))) for c in codes]

    # 一 --------------------------------------------------------------------
    def overview(self) -> dict[str, Any]:
        return {
            "total": L.total(self.items),
            "groups": [name for name, src in INCOME_GROUPS if L.total(self.items, L.by_sources(src)) != 0],
            "classes": self._classes(self.items),
        }

    # 二 --------------------------------------------------------------------
    def income(self) -> dict[str, Any]:
        total = L.total(self.items)
        lines = []
        for key, label, sources in INCOME_LINES:
            current = L.total(self.items, L.by_sources(sources))
            if key is K.INCOME_SPECIAL and current == 0 and self.book.prior_of(key.value) is None:
                continue  # 财政专户核拨 only appears when the department has it
            c = self.compare(key.value, current, key.value, f"第三部分二“{label}”", label)
            lines.append(Line(label, current, fmt.share(current, total), c))
        self._income_prior_total = sum((line.change.prior for line in lines), Decimal("0.00"))
        return {"total": total, "lines": merge_unbudgeted(lines), "rounding_note": rounding_note(lines, total)}

    # 三 --------------------------------------------------------------------
    def spending(self) -> dict[str, Any]:
        total = L.total(self.items)
        lines = []
        for key, label, pred in ((K.SPEND_BASIC, "基本支出", L.basic), (K.SPEND_PROJECT, "项目支出", L.project)):
            current = L.total(self.items, pred)
            c = self.compare(key.value, current, key.value, f"第三部分三“{label}”", label)
            lines.append(Line(label, current, fmt.share(current, total), c))
        if self._income_prior_total is not None:
            self._check_equal(
                sum((line.change.prior for line in lines), Decimal("0.00")),
                self._income_prior_total,
                K.SPEND_BASIC.value,
                "第三部分三的上年支出（基本支出＋项目支出）",
                "第三部分二各项收入的上年数之和",
            )
        return {"total": total, "lines": lines, "rounding_note": rounding_note(lines, total)}

    def _check_equal(self, a: Decimal, b: Decimal, key: str, what_a: str, what_b: str) -> None:
        """Prior-year figures entered for two views of one total must agree (reference-errors R19)."""
        if a == b or any(i.code.startswith("prior-") for i in self.book.issues):
            return
        cell = self.book.prior_cell(key)
        self.issues.append(
            error(
                "prior-totals-mismatch",
                f"{what_a}为{wan(a)}，{what_b}为{wan(b)}，两者应相等。请核对上年对比表中的上年预算数",
                schema.SHEET_PRIOR,
                cell,
            )
        )

    # 四 --------------------------------------------------------------------
    def fiscal_funds(self) -> dict[str, Any]:
        amounts = [Named(name, L.total(self.fiscal, L.by_sources(src))) for name, _, src in FISCAL_FUNDS]
        present = [a for a in amounts if a.amount != 0]
        funds = []
        for _name, label, src in FISCAL_FUNDS:
            chosen = L.select(self.fiscal, L.by_sources(src))
            if chosen:
                classes = [ClassUse(c.name, c.amount, self._use(code)) for code, c in self._coded_classes(chosen)]
                funds.append({"label": label, "classes": classes})
        return {
            "total": L.total(self.fiscal),
            "present": present,
            "absent": [a.name for a in amounts if a.amount == 0],
            "single_source": len(present) == 1,
            "funds": funds,
        }

    def _coded_classes(self, items: list[LineItem]) -> list[tuple[str, Named]]:
        codes = sorted({i.func_code[:3] for i in items})
        return [
            (c, Named(self.names.function(c), L.total(items, lambda i, c=c: i.func_code.startswith(c)))) for c in codes
        ]

    def _use(self, class_code: str) -> str:
        for use in self.inputs.uses:
            if use.class_code == class_code:
                return use.use.strip().removeprefix("主要用于").rstrip("。；;")
        if class_code in self.inputs.incomplete_uses:
            return ""  # the row exists; the reader reported its blank 主要用于 at the cell (one problem, one message)
        n = self._next_use_row
        self._next_use_row += 1
        name = self.names.function(class_code)
        self.issues.append(
            error(
                "class-use-missing",
                f"第三部分四需要说明“{class_code} {name}”主要用于哪些方面：请在类用途说明!A{n}填写{class_code}，"
                f"C{n}填写用途；也可运行 disclosure prepare 自动添加所需行",
                schema.SHEET_USES,
                f"A{n}",
            )
        )
        return ""

    # 五 --------------------------------------------------------------------
    def gpb_use(self) -> dict[str, Any]:
        total = L.total(self.gpb)
        b = L.total(self.gpb, L.basic)
        p = L.total(self.gpb, L.project)
        cb = self.compare(K.GPB_BASIC.value, b, K.GPB_BASIC.value, "第三部分五（一）基本支出", "基本支出")
        cp = self.compare(K.GPB_PROJECT.value, p, K.GPB_PROJECT.value, "第三部分五（一）项目支出", "项目支出")
        structure = [Line(c.name, c.amount, fmt.share(c.amount, total), None) for c in self._classes(self.gpb)]
        usage, item_priors = self._item_usage()
        gpb_income = sum(
            (self.book.prior_of(k.value) or Decimal(0) for k in (K.INCOME_GPB, K.INCOME_GPB_TRANSFER)), Decimal("0.00")
        )
        self._check_equal(
            cb.prior + cp.prior,
            item_priors,
            K.GPB_BASIC.value,
            "五（一）上年基本支出与项目支出之和",
            "五（三）各项上年数之和",
        )
        self._check_equal(
            cb.prior + cp.prior,
            gpb_income,
            K.GPB_PROJECT.value,
            "五（一）上年一般公共预算拨款",
            "第三部分二上年一般公共预算与上级转移支付之和",
        )
        return {
            "total": total,
            "basic": cb,
            "project": cp,
            "structure": structure,
            "structure_note": rounding_note(structure, total),
            "usage": usage,
        }

    def _item_usage(self) -> tuple[list[ItemUse], Decimal]:
        """五（三）: one line per 表5 项 (plus 项 budgeted only last year), in table order."""
        current_codes = {i.func_code for i in self.gpb}
        codes = set(current_codes)
        for code, row in self.book.item_rows().items():
            if code in current_codes:
                continue
            if row.prior is None or row.prior == 0 or not self.names.function(code):
                # Not budgeted this year and nothing (or an unknown code) last year: the row is not needed.
                self.book.unneeded(item_key(code))
            else:
                codes.add(code)  # budgeted only last year: 五（三） still describes the drop
        usage = []
        priors = Decimal("0.00")
        for code in sorted(codes):
            current = L.total(self.gpb, lambda i, code=code: i.func_code == code)
            name = self.names.function(code)
            label = f"{item_key(code)} {name}"
            c = self.compare(item_key(code), current, label, "第三部分五（三）", name, required=True)
            priors += c.prior
            usage.append(ItemUse(self.names.function(code[:3]), self.names.function(code[:5]), name, current, c))
        return usage, priors

    # 六 --------------------------------------------------------------------
    def gpb_basic(self) -> dict[str, Any]:
        basic = L.select(self.gpb, L.basic)
        personnel = [i for i in basic if L.is_personnel(i.econ_code)]
        public = [i for i in basic if not L.is_personnel(i.econ_code)]

        def group(items: list[LineItem]) -> dict[str, Any]:
            codes = sorted({i.econ_code for i in items})
            return {"amount": L.total(items), "names": [self.names.econ_name(c) for c in codes]}

        return {"total": L.total(basic), "personnel": group(personnel), "public": group(public)}

    # 七 --------------------------------------------------------------------
    def gpb_projects(self) -> dict[str, Any]:
        proj = L.select(self.gpb, L.project)
        by_name = {p.name: p for p in self.inputs.projects}
        items_of: dict[str | None, list[LineItem]] = {}  # grouped once: 2,000 projects stay linear
        for i in L.select(self.items, L.project):
            items_of.setdefault(i.project, []).append(i)
        projects = []
        for name in table7_projects(proj):
            info = by_name.get(name)  # None: reported by the project-link validation
            parts = project_parts(items_of[name], name)
            projects.append(
                {
                    "name": name,
                    "info": info,
                    "period": info.period.strip() if info and info.period else None,  # by day; None: by month
                    "total": L.total(items_of[name]),
                    "parts": parts,
                    "split": len(parts) > 1,
                }
            )
        return {"projects": projects}

    # 八 / 九 ---------------------------------------------------------------
    def fund(self) -> dict[str, Any]:
        return self._fund_figures(L.FUND)

    def soe(self) -> dict[str, Any]:
        return self._fund_figures(L.SOE)

    def _fund_figures(self, sources: frozenset[F]) -> dict[str, Any]:
        chosen = L.select(self.items, L.by_sources(sources))
        return {
            "used": bool(chosen),
            "total": L.total(chosen),
            "basic": L.total(chosen, L.basic),
            "project": L.total(chosen, L.project),
            "classes": self._classes(chosen),
        }

    # 十 --------------------------------------------------------------------
    def sangong(self) -> dict[str, Any]:
        items = []
        for key, label, codes in SANGONG_ITEMS:
            current = L.total(self.fiscal, L.econ_in(codes))
            c = self.compare(key.value, current, key.value, f"第三部分十“{label}”", label)
            items.append(Line(label, current, None, c))
        total = sum((i.amount for i in items), Decimal("0.00"))
        prior = sum((i.change.prior for i in items), Decimal("0.00"))
        clauses = group_unchanged(items)
        return {
            "total": total,
            "funded": [i for i in items if i.amount != 0],
            "unfunded": [i.label for i in items if i.amount == 0],
            "change": change_of(Comparison("三公合计", total, prior, None)),
            "clauses": clauses,
            "reasons": any(g.change.reason for g in clauses),  # any clause has a reason to print
        }

    # 十一 ------------------------------------------------------------------
    def other(self) -> dict[str, Any]:
        return {
            "operating": self._operating(),
            "procurement": self._procurement(),
            "assets": self._assets(),
            "performance": self._performance(),
            "other_matters": lines(self.inputs.info.other_matters),
        }

    def _operating(self) -> dict[str, Any]:
        scope = operating_units(self.inputs)
        current = operating_cost(self.items, scope)
        c = self.compare(
            K.OPERATING.value, current, K.OPERATING.value, "第三部分十一（一）机关运行经费", "机关运行经费"
        )
        units = self.inputs.units
        types = self.inputs.unit_types
        below = units[1:]
        return {
            "amount": current,
            "change": c,
            # a department names its scope: 本级及下属1家行政单位和0家参照公务员法管理事业单位
            "scope": {
                "named": len(units) > 1,
                "head": bool(units) and units[0] in scope,
                "admin": sum(1 for u in below if types.get(u, schema.UNIT_TYPES[0]) == schema.UNIT_TYPES[0]),
                "civil": sum(1 for u in below if types.get(u) == schema.UNIT_TYPES[1]),
            },
        }

    def _procurement(self) -> dict[str, Any]:
        f = self.inputs.facts
        parts = [
            Named("政府采购货物预算", f.proc_goods),
            Named("政府采购工程预算", f.proc_works),
            Named("政府采购服务预算", f.proc_services),
        ]
        return {
            "total": f.proc_goods + f.proc_works + f.proc_services,
            "parts": [p for p in parts if p.amount != 0],
            "absent": [p.name for p in parts if p.amount == 0],
            "sme": f.proc_sme,
            "small": f.proc_small,
        }

    def _assets(self) -> dict[str, Any]:
        f = self.inputs.facts
        cars = [
            {"name": "一般公务用车", "count": f.car_general_count, "value": f.car_general_value},
            {"name": "执法执勤用车", "count": f.car_law_count, "value": f.car_law_value},
            {"name": "其他车辆", "count": f.car_other_count, "value": f.car_other_value},
        ]
        kinds = [c for c in cars if c["count"] != 0 or c["value"] != 0]
        return {
            "subordinates": self.department,  # 及下属各预算单位 only when there are any
            "house": f.house_area != 0 or f.house_value != 0,
            "house_area": f.house_area,
            "house_value": f.house_value,
            "cars": f.car_general_count + f.car_law_count + f.car_other_count,
            "car_value": f.car_general_value + f.car_law_value + f.car_other_value,
            "car_kinds": kinds,
            "one_car_kind": len(kinds) == 1,
            "furniture": f.furniture_value,
            "other": f.other_asset_value,
            "equip50": f.equip50_count,
            "equip100": f.equip100_count,
            "buy_vehicles": L.total(self.items, L.econ_in(L.SANGONG_VEHICLE_BUY)),
            "buy_equip50": f.buy_equip50_count,
            "buy_equip100": f.buy_equip100_count,
        }

    def _performance(self) -> dict[str, Any]:
        funded = project_funding(self.items)
        # rules.md §2: n/X = projects with any 财政拨款 (当年 or 结转) and all that money; m = projects with none,
        # Y = every project's 其他资金. X + Y = 表3 项目支出. Every project counts, also one without a table.
        fiscal = [a for a, _ in funded.values() if a != 0]
        hidden = {p.name for p in self.inputs.projects if p.publish_targets == "否"}
        tables = sum(1 for name in funded if name not in hidden)
        return {
            "any": bool(funded),
            "fiscal_count": len(fiscal),
            "fiscal_amount": sum(fiscal, Decimal("0.00")),
            "other_count": sum(1 for a, _ in funded.values() if a == 0),
            "other_amount": sum((b for _, b in funded.values()), Decimal("0.00")),
            "tables": tables,  # 绩效目标表 that follow
            "all_tables": tables == len(funded),
        }


@dataclass(frozen=True)
class Named:
    name: str
    amount: Decimal


@dataclass(frozen=True)
class ClassUse:
    name: str
    amount: Decimal
    use: str  # 主要用于… (the workbook's text, without 主要用于 and the final stop)


@dataclass(frozen=True)
class Line:
    """A listed figure: its label, amount, share of the section's base and comparison (when it has them)."""

    label: str
    amount: Decimal
    share: Decimal | None
    change: Change | None


@dataclass(frozen=True)
class Group:
    """Items one clause names together: budgeted in neither year, or unchanged, with the same printed reason."""

    labels: list[str]
    change: Change  # the first item's; the case and reason are the same for all

    @property
    def merged(self) -> bool:
        return len(self.labels) > 1


def merge_unbudgeted(lines: list[Line]) -> list[Line | Group]:
    """二: the lines budgeted in neither year without a reason of their own become one `…均未安排` entry, where
    the first of them stood; a line with its own reason keeps it (`…未安排，主要原因是…`)."""
    out: list[Line | Group | None] = []
    at: int | None = None
    quiet: list[Line] = []
    for line in lines:
        assert line.change is not None
        if line.change.direction != "未安排":
            out.append(line)
        elif line.change.reason:
            out.append(Group([line.label], line.change))
        else:
            if at is None:
                at = len(out)
                out.append(None)
            quiet.append(line)
    if at is not None:
        out[at] = Group([line.label for line in quiet], quiet[0].change)  # type: ignore[arg-type]
    return out  # type: ignore[return-value]


def group_unchanged(lines: list[Line]) -> list[Group]:
    """十: items budgeted in neither year, and items unchanged, are each named in one clause per printed reason
    (`因公出国（境）费、公务用车购置费2022年、2023年均未安排`); a changed item has its own clause."""
    out: list[Group] = []
    index: dict[tuple[str, str | None], int] = {}
    for line in lines:
        c = line.change
        assert c is not None
        key = (c.direction, c.reason)
        if c.direction in ("未安排", "持平") and key in index:
            out[index[key]].labels.append(line.label)
            continue
        if c.direction in ("未安排", "持平"):
            index[key] = len(out)
        out.append(Group([line.label], c))
    return out


def rounding_note(lines: list[Line], total: Decimal) -> bool:
    """A list of shares whose printed values do not add up to 100% says so (shares are never adjusted)."""
    shares = [line.share for line in lines if line.share is not None]
    return total != 0 and sum(shares, Decimal("0.00")) != fmt.HUNDRED


@dataclass(frozen=True)
class ItemUse:
    """五（三）: one 项 with its 类 and 款 names."""

    class_name: str
    kuan_name: str
    name: str
    amount: Decimal
    change: Change


SECTION_NAMES = (
    "overall",
    "income",
    "spending",
    "fiscal",
    "gpb",
    "basic",
    "projects",
    "fund",
    "soe",
    "sangong",
    "other",
    "budget",
    "notes",
    "project_notes",
)


def table7_projects(items: list[LineItem]) -> list[str]:
    """Projects in 表7 order: by 项 code, then first appearance."""
    out: dict[str, None] = {}  # ordered set: membership is O(1) for thousands of projects
    for code in sorted({i.func_code for i in items}):
        for name in project_order([i for i in items if i.func_code == code]):
            out.setdefault(name)
    return list(out)


def project_funding(items: list[LineItem]) -> dict[str, tuple[Decimal, Decimal]]:
    """Per project: (财政拨款, 其他资金), in 表7-then-workbook order.

    rules.md §2 (corrected): a 绩效目标表's 其中：财政拨款 is the project's current-year 财政拨款 plus its
    财政拨款结转 (carry-over is 财政拨款 money); 财政专户核拨, 单位资金 and 非财政拨款结转结余 are 其他资金.
    """
    proj = L.select(items, L.project)
    order = table7_projects(L.select(proj, L.by_sources(L.GPB))) + project_order(proj)
    by_project: dict[str | None, list[LineItem]] = {}
    for i in proj:
        by_project.setdefault(i.project, []).append(i)
    out: dict[str, tuple[Decimal, Decimal]] = {}
    for name in order:
        if name in out:
            continue
        mine = by_project.get(name, [])
        out[name] = (L.total(mine, L.by_sources(FISCAL)), L.total(mine, lambda i: i.source not in FISCAL))
    return out


FISCAL = L.FISCAL_CURRENT | L.CARRY  # 财政拨款 of a project: this year's and carried over


# How 七 names each part of a project's money when it is split (rules.md §2).
SCALE_PARTS: tuple[tuple[str, frozenset[F]], ...] = (
    ("当年一般公共预算", L.GPB),
    ("当年政府性基金预算", L.FUND),
    ("当年国有资本经营预算", L.SOE),
    ("财政专户核拨", frozenset({F.SPECIAL_ACCOUNT})),
    ("单位资金", L.UNIT),
    ("上年财政拨款结转", L.CARRY),
    ("上年非财政拨款结转结余", L.NONFISCAL),
)


def project_parts(items: list[LineItem], name: str) -> list[Named]:
    """七's 预算安排规模 parts: the project's money by source, those that are not zero.

    A project with more than one part says so (`16.43万元，其中当年一般公共预算10.00万元、上年财政拨款结转6.43万元`);
    its 当年一般公共预算 part is its 表7 amount.
    """
    mine = [i for i in items if i.kind is schema.SpendingKind.PROJECT and i.project == name]
    parts = [Named(label, L.total(mine, L.by_sources(src))) for label, src in SCALE_PARTS]
    return [p for p in parts if p.amount != 0]
