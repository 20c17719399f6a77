"""第一部分 and 第三部分 一–十一: every sentence computed from the tables' own figures.

Each section reads the same line-item sums the tables show (through `Figures`), so a
figure quoted in text always equals its table cell.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from generator import formatting as fmt
from generator.compute import ledger as L
from generator.compute.comparisons import Comparison, PriorBook, item_key
from generator.compute.names import Names
from generator.compute.tables import project_order
from generator.compute.wording import change_phrase, join_names, pct, reason_clause, reason_sentence, wan
from generator.inputs import Inputs, LineItem
from generator.issues import Issue, error
from generator.model import Paragraph, Section, Subsection
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


def headings(short: str, year: int) -> list[str]:
    """The eleven 第三部分 headings; the 目录 and the body both use this list."""
    about = f"关于{short}{year}年"
    titles = (
        f"{about}收支预算情况的总体说明",
        f"{about}收入预算情况说明",
        f"{about}支出预算情况说明",
        f"{about}财政拨款收支预算情况的总体说明",
        f"{about}一般公共预算当年拨款情况说明",
        f"{about}一般公共预算基本支出情况说明",
        f"{about}一般公共预算项目支出情况说明",
        f"{about}政府性基金预算拨款情况说明",
        f"{about}国有资本经营预算拨款情况说明",
        f"{about}财政拨款“三公”经费预算情况说明",
        "其他重要事项的情况说明",
    )
    return [f"{n}、{t}" for n, t in zip(CN_NUMBERS, titles, strict=True)]


def _p(text: str, style: str = "body") -> Paragraph:
    return Paragraph(text=text, style=style)  # type: ignore[arg-type]


def paragraphs(text: str | None) -> list[Paragraph]:
    return [_p(line.strip()) for line in (text or "").splitlines() if line.strip()]


def staff_sentence(inputs: Inputs) -> Paragraph:
    i = inputs.info

    def delta(n: int) -> str:
        if n == 0:
            return "与上年持平"
        return f"增加{n}人" if n > 0 else f"减少{-n}人"

    actual = i.staff_active + i.staff_retired + i.staff_veteran
    return _p(
        f"{i.short_name}编制数{i.staff_quota}人，实有人数{actual}人，其中：在职{i.staff_active}人，"
        f"{delta(i.staff_active_change)}；退休{i.staff_retired}人，{delta(i.staff_retired_change)}；"
        f"离休{i.staff_veteran}人，{delta(i.staff_veteran_change)}。"
    )


@dataclass
class Narrative:
    """Builds 第三部分 and collects the issues its comparisons raise."""

    inputs: Inputs
    names: Names
    book: PriorBook
    issues: list[Issue] = field(default_factory=list)

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

    def compare(self, key: str, current: Decimal, label: str, hint: str, required: bool | None = None) -> Comparison:
        return self.book.compare(key, current, label, hint, required)

    def change(self, c: Comparison, subject: str = "", against: str = "比上年预算") -> str:
        return change_phrase(c, self.prior_year, self.year, subject, against)

    def sections(self) -> list[Section]:
        heads = headings(self.short, self.year)
        builders = (
            self.s1,
            self.s2,
            self.s3,
            self.s4,
            self.s5,
            self.s6,
            self.s7,
            self.s8,
            self.s9,
            self.s10,
            self.s11,
        )
        return [b(h) for b, h in zip(builders, heads, strict=True)]

    # 一 --------------------------------------------------------------------
    def s1(self, heading: str) -> Section:
        total = L.total(self.items)
        groups = [name for name, src in INCOME_GROUPS if L.total(self.items, L.by_sources(src)) != 0]
        classes = self._classes(self.items)
        return Section(
            heading=heading,
            paragraphs=[
                _p(
                    f"按照全口径预算的原则，{self.short}{self.year}年所有收入和支出均纳入{'部门' if self.department else '单位'}预算管理。"
                    f"收支总预算{wan(total)}。"
                ),
                _p(f"收入预算包括：{join_names(groups) or '无'}。"),
                _p(f"支出预算包括：{join_names([f'{n}{wan(a)}' for _, n, a in classes]) or '无'}。"),
            ],
        )

    def _classes(self, items: list[LineItem]) -> list[tuple[str, str, Decimal]]:
        codes = sorted({i.func_code[:3] for i in items})
        return [(c, self.names.function(c), L.total(items, lambda i, c=c: i.func_code.startswith(c))) for c in codes]

    # 二 --------------------------------------------------------------------
    def s2(self, heading: str) -> Section:
        total = L.total(self.items)
        lines = []
        comparisons = []
        for key, label, sources in INCOME_LINES:
            current = L.total(self.items, L.by_sources(sources))
            if key is K.INCOME_SPECIAL and current == 0 and self.book.prior_of(key.value) is None:
                continue  # 财政专户核拨 only appears when the department has it
            c = self.compare(key.value, current, key.value, f"第三部分二“{label}”")
            comparisons.append(c)
            if c.current == 0 and c.prior == 0:
                lines.append(f"{label}未安排")  # nothing in either year: no 0.00万元, no 0.00%
                continue
            lines.append(
                f"{label}{wan(current)}，占{pct(fmt.share(current, total))}，{self.change(c, label)}{reason_clause(c)}"
            )
        paras = [_p(f"{self.short}收入预算{wan(total)}，其中：")]
        paras += [_p(line + ("。" if n == len(lines) - 1 else "；"), "item") for n, line in enumerate(lines)]
        self._income_prior_total = sum((c.prior for c in comparisons), Decimal("0.00"))
        return Section(heading=heading, paragraphs=paras)

    # 三 --------------------------------------------------------------------
    def s3(self, heading: str) -> Section:
        total = L.total(self.items)
        paras = [_p(f"{self.short}{self.year}年支出预算{wan(total)}，其中：")]
        priors = Decimal("0.00")
        for key, label, pred in ((K.SPEND_BASIC, "基本支出", L.basic), (K.SPEND_PROJECT, "项目支出", L.project)):
            current = L.total(self.items, pred)
            c = self.compare(key.value, current, key.value, f"第三部分三“{label}”")
            priors += c.prior
            paras.append(
                _p(
                    f"{label}{wan(current)}，占{pct(fmt.share(current, total))}，"
                    f"{self.change(c, label)}{reason_clause(c)}。",
                    "item",
                )
            )
        self._check_equal(
            priors,
            self._income_prior_total,
            K.SPEND_BASIC.value,
            "第三部分三的上年支出（基本支出＋项目支出）",
            "第三部分二各项收入的上年数之和",
        )
        return Section(heading=heading, paragraphs=paras)

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
    def s4(self, heading: str) -> Section:
        total = L.total(self.fiscal)
        amounts = [(name, L.total(self.fiscal, L.by_sources(src))) for name, _, src in FISCAL_FUNDS]
        present = [(n, a) for n, a in amounts if a != 0]
        absent = [n for n, a in amounts if a == 0]
        paras = [_p(f"{self.year}年财政拨款收支总预算{wan(total)}。")]
        if not present:
            paras.append(_p(f"{self.short}{self.year}年没有财政拨款收支预算。"))
            return Section(heading=heading, paragraphs=paras)
        if len(present) == 1:
            tail = f"，无{'和'.join(absent)}" if absent else ""
            paras.append(_p(f"收入全部为{present[0][0]}{tail}。"))
        paras.append(_p(f"收入预算包括：{join_names([f'{n}{wan(a)}' for n, a in present])}。"))
        for _name, label, src in FISCAL_FUNDS:
            chosen = L.select(self.fiscal, L.by_sources(src))
            if not chosen:
                continue
            clauses = [f"{n}{wan(a)}，主要用于{self._use(code)}" for code, n, a in self._classes(chosen)]
            paras.append(_p(f"{label}支出包括：{'；'.join(clauses)}。"))
        return Section(heading=heading, paragraphs=paras)

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
    def s5(self, heading: str) -> Section:
        total = L.total(self.gpb)
        b = L.total(self.gpb, L.basic)
        p = L.total(self.gpb, L.project)
        cb = self.compare(K.GPB_BASIC.value, b, K.GPB_BASIC.value, "第三部分五（一）基本支出")
        cp = self.compare(K.GPB_PROJECT.value, p, K.GPB_PROJECT.value, "第三部分五（一）项目支出")
        scale = (
            f"{self.short}{self.year}年一般公共预算拨款合计{wan(total)}，其中："
            f"基本支出{wan(b)}，{self.change(cb, '一般公共预算基本支出')}。{reason_sentence(cb)}"
            f"项目支出{wan(p)}，{self.change(cp, '一般公共预算项目支出')}。{reason_sentence(cp)}"
        )
        structure = [
            _p(f"{n}.{name}（类）{wan(amount)}，占{pct(fmt.share(amount, total))}。", "item")
            for n, (_, name, amount) in enumerate(self._classes(self.gpb), start=1)
        ]
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
        return Section(
            heading=heading,
            subsections=[
                Subsection(heading="（一）一般公共预算当年拨款规模变化情况", paragraphs=[_p(scale)]),
                Subsection(heading="（二）一般公共预算当年拨款结构情况", paragraphs=structure or [_p("无。")]),
                Subsection(heading="（三）一般公共预算当年拨款具体使用情况", paragraphs=usage or [_p("无。")]),
            ],
        )

    def _item_usage(self) -> tuple[list[Paragraph], Decimal]:
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
        paras = []
        priors = Decimal("0.00")
        for n, code in enumerate(sorted(codes), start=1):
            current = L.total(self.gpb, lambda i, code=code: i.func_code == code)
            name = self.names.function(code)
            label = f"{item_key(code)} {name}"
            c = self.compare(item_key(code), current, label, "第三部分五（三）", required=True)
            priors += c.prior
            path = f"{self.names.function(code[:3])}（类）{self.names.function(code[:5])}（款）{name}（项）"
            paras.append(
                _p(
                    f"{n}.{path}：{self.year}年预算数为{wan(current)}，{self.change(c, name)}"
                    f"{reason_clause(c, colon=True)}。",
                    "item",
                )
            )
        return paras, priors

    # 六 --------------------------------------------------------------------
    def s6(self, heading: str) -> Section:
        basic = L.select(self.gpb, L.basic)
        personnel = [i for i in basic if L.is_personnel(i.econ_code)]
        public = [i for i in basic if not L.is_personnel(i.econ_code)]

        def names_of(items: list[LineItem]) -> str:
            return join_names([self.names.econ_name(c) for c in sorted({i.econ_code for i in items})])

        paras = [_p(f"{self.short}{self.year}年一般公共预算基本支出{wan(L.total(basic))}，其中：")]
        for label, chosen in (("人员经费", personnel), ("公用经费", public)):
            listed = f"，主要包括：{names_of(chosen)}" if chosen else ""
            paras.append(_p(f"{label}{wan(L.total(chosen))}{listed}。", "item"))
        return Section(heading=heading, paragraphs=paras)

    # 七 --------------------------------------------------------------------
    def s7(self, heading: str) -> Section:
        proj = L.select(self.gpb, L.project)
        if not proj:
            return Section(heading=heading, paragraphs=[_p(f"{self.short}{self.year}年没有安排一般公共预算项目支出。")])
        by_name = {p.name: p for p in self.inputs.projects}
        paras = []
        for n, name in enumerate(table7_projects(proj), start=1):
            info = by_name.get(name)
            paras.append(_p(f"{n}.项目名称：{name}", "item"))
            if info is None:
                continue  # reported by the project-link validation
            paras += [
                _p(f"设立的政策依据：{info.policy_basis}", "field"),
                _p(f"预算安排规模：{project_scale(self.items, name)}", "field"),
                _p(f"项目承担单位：{info.undertaker}", "field"),
                _p(f"资金分配情况：{info.allocation}", "field"),
                _p(
                    f"资金执行时间：{info.period.strip()}"
                    if info.period
                    else f"资金执行时间：{self.year}年{info.start_month}月-{self.year}年{info.end_month}月",
                    "field",
                ),
            ]
        return Section(heading=heading, paragraphs=paras)

    # 八 / 九 ---------------------------------------------------------------
    def s8(self, heading: str) -> Section:
        return self._fund_section(heading, L.FUND, "政府性基金预算")

    def s9(self, heading: str) -> Section:
        return self._fund_section(heading, L.SOE, "国有资本经营预算")

    def _fund_section(self, heading: str, sources: frozenset[F], label: str) -> Section:
        chosen = L.select(self.items, L.by_sources(sources))
        if not chosen:
            text = f"{self.short}{self.year}年没有使用{label}拨款安排的支出，{label}支出情况表为空表。"
            return Section(heading=heading, paragraphs=[_p(text)])
        classes = join_names([f"{n}{wan(a)}" for _, n, a in self._classes(chosen)])
        text = (
            f"{self.short}{self.year}年{label}拨款支出{wan(L.total(chosen))}，其中：基本支出"
            f"{wan(L.total(chosen, L.basic))}，项目支出{wan(L.total(chosen, L.project))}。按功能分类：{classes}。"
        )
        return Section(heading=heading, paragraphs=[_p(text)])

    # 十 --------------------------------------------------------------------
    def s10(self, heading: str) -> Section:
        parts = []
        comparisons = []
        for key, label, codes in SANGONG_ITEMS:
            current = L.total(self.fiscal, L.econ_in(codes))
            c = self.compare(key.value, current, key.value, f"第三部分十“{label}”")
            comparisons.append((label, c))
            parts.append(f"{label}{wan(current)}")
        total = sum((c.current for _, c in comparisons), Decimal("0.00"))
        prior = sum((c.prior for _, c in comparisons), Decimal("0.00"))
        overall = Comparison("三公合计", total, prior, None)
        first = f"{self.short}{self.year}年财政拨款“三公”经费数为{wan(total)}，其中：{'，'.join(parts)}。"
        clauses = [f"{label}{self.change(c, against='')}{reason_clause(c)}" for label, c in comparisons]
        second = f"{self.year}年财政拨款“三公”经费{self.change(overall, '“三公”经费')}，其中：{'；'.join(clauses)}。"
        return Section(heading=heading, paragraphs=[_p(first), _p(second)])

    # 十一 ------------------------------------------------------------------
    def s11(self, heading: str) -> Section:
        return Section(
            heading=heading,
            subsections=[
                self._operating(),
                self._procurement(),
                self._assets(),
                self._performance(),
                Subsection(
                    heading="（五）其他需说明的事项",
                    paragraphs=paragraphs(self.inputs.info.other_matters) or [_p("无其他需要说明的事项。")],
                ),
            ],
        )

    def _operating(self) -> Subsection:
        scope = operating_units(self.inputs)
        current = operating_cost(self.items, scope)
        c = self.compare(K.OPERATING.value, current, K.OPERATING.value, "第三部分十一（一）机关运行经费")
        text = (
            f"{self.year}年，{self.short}{self._operating_scope(scope)}的机关运行经费财政拨款预算{wan(current)}，"
            f"{self.change(c, '机关运行经费')}。{reason_sentence(c)}"
        )
        return Subsection(heading="（一）机关运行经费情况", paragraphs=[_p(text)])

    def _operating_scope(self, scope: frozenset[str]) -> str:
        """`本级及下属1家行政单位和0家参照公务员法管理事业单位` for a department; nothing for one unit."""
        units = self.inputs.units
        if len(units) <= 1:
            return ""
        types = self.inputs.unit_types
        below = units[1:]
        admin = sum(1 for u in below if types.get(u, schema.UNIT_TYPES[0]) == schema.UNIT_TYPES[0])
        civil = sum(1 for u in below if types.get(u) == schema.UNIT_TYPES[1])
        head = "本级及" if units[0] in scope else ""
        return f"{head}下属{admin}家行政单位和{civil}家参照公务员法管理事业单位"

    def _procurement(self) -> Subsection:
        f = self.inputs.facts
        total = f.proc_goods + f.proc_works + f.proc_services
        return Subsection(
            heading="（二）政府采购情况",
            paragraphs=[
                _p(
                    f"{self.year}年，{self.short}政府采购预算{wan(total)}，其中：政府采购货物预算{wan(f.proc_goods)}，"
                    f"政府采购工程预算{wan(f.proc_works)}，政府采购服务预算{wan(f.proc_services)}。"
                ),
                _p(
                    f"{self.year}年度{self.who}面向中小企业预留政府采购项目预算金额{wan(f.proc_sme)}，"
                    f"其中：面向小微企业预留政府采购项目预算金额{wan(f.proc_small)}。"
                ),
            ],
        )

    def _assets(self) -> Subsection:
        f = self.inputs.facts
        cars = f.car_general_count + f.car_law_count + f.car_other_count
        car_value = f.car_general_value + f.car_law_value + f.car_other_value
        buy = L.total(self.items, L.econ_in(L.SANGONG_VEHICLE_BUY))
        vehicles = f"安排购置车辆经费{wan(buy)}" if buy else "未安排购置车辆经费"
        return Subsection(
            heading="（三）国有资产占用使用情况",
            paragraphs=[
                _p(f"截至{self.prior_year}年底，{self.short}及下属各预算单位占用使用国有资产总体情况为："),
                _p(f"1.房屋{fmt.number(f.house_area)}平方米，价值{wan(f.house_value)}。", "item"),
                _p(
                    f"2.车辆{cars}辆，价值{wan(car_value)}；其中：一般公务用车{f.car_general_count}辆，"
                    f"价值{wan(f.car_general_value)}；执法执勤用车{f.car_law_count}辆，价值{wan(f.car_law_value)}；"
                    f"其他车辆{f.car_other_count}辆，价值{wan(f.car_other_value)}。",
                    "item",
                ),
                _p(f"3.办公家具价值{wan(f.furniture_value)}。", "item"),
                _p(f"4.其他资产价值{wan(f.other_asset_value)}。", "item"),
                _p(
                    f"单位价值50万元以上大型设备{f.equip50_count}台（套），"
                    f"单位价值100万元以上大型设备{f.equip100_count}台（套）。"
                ),
                _p(
                    f"{self.year}年{self.short}预算{vehicles}，安排购置50万元以上大型设备{f.buy_equip50_count}台（套），"
                    f"单位价值100万元以上大型设备{f.buy_equip100_count}台（套）。"
                ),
            ],
        )

    def _performance(self) -> Subsection:
        funded = project_funding(self.items)
        if not funded:
            text = f"{self.year}年，{self.short}没有纳入预算绩效管理的项目支出。"
            return Subsection(heading="（四）预算绩效情况", paragraphs=[_p(text)])
        # n/X: projects with current-year 财政拨款 and the sum of that money (= 表7 合计 plus 基金/国资 projects);
        # m/Y: the other projects, and every project's 其他资金. X + Y = 表3 项目支出.
        fiscal = [a for a, _ in funded.values() if a != 0]
        others = [name for name, (a, _) in funded.items() if a == 0]
        other_money = sum((b for _, b in funded.values()), Decimal("0.00"))
        text = (
            f"{self.year}年，本年度预算绩效管理的财政拨款项目{len(fiscal)}个，涉及预算金额"
            f"{wan(sum(fiscal, Decimal('0.00')))}；非财政拨款项目{len(others)}个，涉及预算金额"
            f"{wan(other_money)}。具体情况见下表（按项目分别填报）："
        )
        return Subsection(heading="（四）预算绩效情况", paragraphs=[_p(text)], performance_tables=True)


def operating_units(inputs: Inputs) -> frozenset[str]:
    """Budget units that have 机关运行经费: 行政单位 and 参照公务员法管理事业单位 (rules.md §2)."""
    return frozenset(
        u for u in inputs.units if inputs.unit_types.get(u, schema.UNIT_TYPES[0]) in schema.OPERATING_UNIT_TYPES
    )


def operating_cost(items: list[LineItem], units: frozenset[str] | None = None) -> Decimal:
    """机关运行经费 = 一般公共预算 basic 公用经费 of 行政/参公 units (= 表6 公用经费 when all are)."""
    return L.total(
        items,
        L.by_sources(L.GPB),
        L.basic,
        lambda i: not L.is_personnel(i.econ_code),
        lambda i: units is None or not i.unit or i.unit in units,
    )


def table7_projects(items: list[LineItem]) -> list[str]:
    """Projects in 表7 order: by 项 code, then first appearance."""
    out: dict[str, None] = {}  # ordered set: membership is O(1) for thousands of projects
    for code in sorted({i.func_code for i in items}):
        for name in project_order([i for i in items if i.func_code == code]):
            out.setdefault(name)
    return list(out)


def project_funding(items: list[LineItem]) -> dict[str, tuple[Decimal, Decimal]]:
    """Per project: (current-year 财政拨款, 其他资金), in 表7-then-workbook order.

    其中：财政拨款 of a 绩效目标表 is the project's current-year 财政拨款 (rules.md §2), the same money
    表7 and 七 show; carry-over, 财政专户 and 单位资金 are 其他资金.
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
        out[name] = (
            L.total(mine, L.by_sources(L.FISCAL_CURRENT)),
            L.total(mine, lambda i: i.source not in L.FISCAL_CURRENT),
        )
    return out


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


def project_scale(items: list[LineItem], name: str) -> str:
    """七's 预算安排规模: the project's whole budget, with its parts when the money is split.

    `16.43万元，其中当年一般公共预算10.00万元、上年财政拨款结转6.43万元`; a project funded by one source reads
    just `10.00万元`. The 当年一般公共预算 part is the project's 表7 amount.
    """
    mine = [i for i in items if i.kind is schema.SpendingKind.PROJECT and i.project == name]
    parts = [(label, L.total(mine, L.by_sources(src))) for label, src in SCALE_PARTS]
    parts = [(label, a) for label, a in parts if a != 0]
    total = L.total(mine)
    if len(parts) <= 1:
        return wan(total)
    return f"{wan(total)}，其中{join_names([f'{label}{wan(a)}' for label, a in parts])}"
