"""表1–表10 of the 2023 layout (format-2023.md §4–5), every row computed from line items."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from generator.compute import ledger as L
from generator.compute.ledger import Predicate
from generator.compute.names import Names
from generator.inputs import LineItem
from generator.model import Cell, Table, TableRow
from generator.workbook.schema import FundSource as F

# 表7 economic columns c7–c16: 部门预算支出经济分类 类 in this order.
PROJECT_ECON_CLASSES = ("301", "302", "303", "307", "309", "310", "311", "312", "313", "399")

TABLE_TITLES = {
    1: "部门（单位）收支总体情况表",
    2: "部门（单位）收入总体情况表",
    3: "部门（单位）支出总体情况表",
    4: "财政拨款收支预算总体情况表",
    5: "一般公共预算支出情况表",
    6: "一般公共预算基本支出情况表",
    7: "一般公共预算项目支出情况表",
    8: "政府性基金预算支出情况表",
    9: "国有资本经营预算支出情况表",
    10: "财政拨款“三公”经费支出情况表",
}
LANDSCAPE = frozenset({2, 7})
EMPTY_PADDING = {8: 16, 9: 14}
EMPTY_NOTES = {
    8: "我单位没有使用政府性基金预算拨款安排的支出，政府性基金预算支出情况表为空表。",
    9: "我单位没有使用国有资本经营预算拨款安排的支出，国有资本经营预算支出情况表为空表。",
}

# 表1 income side: label and the fund sources it sums (format-2023.md §5 表1).
INCOME_ROWS: tuple[tuple[str, frozenset[F]], ...] = (
    ("一、本年收入", L.CURRENT_YEAR),
    ("1.一般公共预算拨款", L.GPB),
    ("其中：一般财力", frozenset({F.GPB_LOCAL})),
    ("上级一般公共预算安排转移支付", frozenset({F.GPB_TRANSFER})),
    ("2.基金预算拨款", L.FUND),
    ("其中：政府性基金收入", frozenset({F.FUND_LOCAL})),
    ("上级政府性基金安排转移支付", frozenset({F.FUND_TRANSFER})),
    ("3.国有资本经营预算拨款", L.SOE),
    ("其中：国有资本经营收入", frozenset({F.SOE_LOCAL})),
    ("上级国有资本经营预算安排转移支付", frozenset({F.SOE_TRANSFER})),
    ("4.财政专户核拨", frozenset({F.SPECIAL_ACCOUNT})),
    ("5.单位资金", L.UNIT),
    ("其中：事业收入", frozenset({F.UNIT_BUSINESS})),
    ("上级补助收入", frozenset({F.UNIT_SUBSIDY})),
    ("附属单位上缴收入", frozenset({F.UNIT_AFFILIATE})),
    ("事业单位经营收入", frozenset({F.UNIT_OPERATING})),
    ("其他收入", frozenset({F.UNIT_OTHER})),
    ("二、上年结转结余", L.CARRY | L.NONFISCAL),
    ("1.财政拨款结转", L.CARRY),
    ("其中：一般公共预算拨款", frozenset({F.CARRY_GPB})),
    ("基金预算拨款", frozenset({F.CARRY_FUND})),
    ("国有资本经营预算拨款", frozenset({F.CARRY_SOE})),
    ("2.非财政拨款结转结余", L.NONFISCAL),
    ("其中：财政专户核拨", frozenset({F.NONFISCAL_SPECIAL})),
    ("单位资金", frozenset({F.NONFISCAL_UNIT})),
)

# 表2 c5–c16 as predicates over one item.
_T2_SOURCES = (
    frozenset({F.GPB_LOCAL}),
    frozenset({F.GPB_TRANSFER}),
    frozenset({F.FUND_LOCAL}),
    frozenset({F.FUND_TRANSFER}),
    frozenset({F.SOE_LOCAL}),
    frozenset({F.SOE_TRANSFER}),
)
T2_COLUMNS: tuple[Predicate, ...] = (
    L.by_sources(L.ALL),  # 总计
    L.by_sources(L.FISCAL_CURRENT),  # 财政拨款(补助)小计
    *(L.by_sources(s) for s in _T2_SOURCES),
    L.by_sources(frozenset({F.SPECIAL_ACCOUNT})),
    L.by_sources(L.UNIT),
    L.by_sources(L.CARRY),
    L.by_sources(L.NONFISCAL),
)
KIND_COLUMNS: tuple[Predicate, ...] = (lambda i: True, L.basic, L.project)  # 合计, 基本, 项目
# 表4 and 表10: 合计 and the three 财政拨款 funds.
FUND_COLUMNS: tuple[Predicate, ...] = (lambda i: True, L.by_sources(L.GPB), L.by_sources(L.FUND), L.by_sources(L.SOE))


def split_code(code: str) -> tuple[str, str, str]:
    return code[:3], code[3:5], code[5:7]


def _sums(items: Sequence[LineItem], columns: Sequence[Predicate]) -> list[Cell]:
    return [L.total(items, col) for col in columns]


def functional_rows(items: Sequence[LineItem], columns: Sequence[Predicate], names: Names) -> list[TableRow]:
    """类 → 款 → 项 rows, depth first by code, for 科目 with items; then the 合计 row."""
    rows: list[TableRow] = []
    codes = sorted({i.func_code for i in items})
    for cls in sorted({c[:3] for c in codes}):
        in_cls = [i for i in items if i.func_code.startswith(cls)]
        rows.append(TableRow(style="class", cells=[cls, "", "", names.function(cls), *_sums(in_cls, columns)]))
        for kuan in sorted({c[:5] for c in codes if c.startswith(cls)}):
            in_kuan = [i for i in in_cls if i.func_code.startswith(kuan)]
            rows.append(
                TableRow(style="kuan", cells=[cls, kuan[3:], "", names.function(kuan), *_sums(in_kuan, columns)])
            )
            for code in sorted(c for c in codes if c.startswith(kuan)):
                in_item = [i for i in in_kuan if i.func_code == code]
                rows.append(
                    TableRow(style="item", cells=[*split_code(code), names.function(code), *_sums(in_item, columns)])
                )
    return rows


def _total_row(label: str, items: Sequence[LineItem], columns: Sequence[Predicate], lead: int = 3) -> TableRow:
    return TableRow(style="total", cells=[*([""] * lead), label, *_sums(items, columns)])


def _blank(columns: int) -> TableRow:
    return TableRow(style="blank", cells=[None] * columns)


class TableBuilder:
    """Builds the ten tables for one department from its line items."""

    def __init__(self, items: Sequence[LineItem], names: Names, unit_name: str) -> None:
        self.items = list(items)
        self.names = names
        self.unit_line = f"编制部门（单位）：{unit_name}"
        self.gpb = L.select(self.items, L.by_sources(L.GPB))

    def _table(self, number: int, columns: int, rows: list[TableRow], empty_note: str | None = None) -> Table:
        return Table(
            number=number,
            label=f"表{number}",
            title=TABLE_TITLES[number],
            unit_line=self.unit_line,
            columns=columns,
            landscape=number in LANDSCAPE,
            rows=rows,
            empty_note=empty_note,
        )

    def all(self) -> list[Table]:
        return [
            self.t1(),
            self.t2(),
            self.t3(),
            self.t4(),
            self.t5(),
            self.t6(),
            self.t7(),
            self.fund_table(8, L.FUND),
            self.fund_table(9, L.SOE),
            self.t10(),
        ]

    def t1(self) -> Table:
        classes = self.names_classes()
        body = max(len(classes), len(INCOME_ROWS))
        rows = []
        for n in range(body):
            income: list[Cell] = ["", None]
            if n < len(INCOME_ROWS):
                label, sources = INCOME_ROWS[n]
                income = [label, L.total(self.items, L.by_sources(sources))]
            spend: list[Cell] = ["", None]
            if n < len(classes):
                code = classes[n]
                spend = [self.names.class_label(code), L.total(self.items, _in_class(code))]
            rows.append(TableRow(style="label", cells=[*income, *spend]))
        grand = L.total(self.items)
        rows.append(_blank(4))
        rows.append(TableRow(style="total", cells=["收  入  总  计", grand, "支  出  总  计", grand]))
        return self._table(1, 4, rows)

    def names_classes(self) -> list[str]:
        return sorted(c for c in self.names.functions if len(c) == 3)

    def t2(self) -> Table:
        rows = functional_rows(self.items, T2_COLUMNS, self.names)
        rows.append(_total_row("合 计", self.items, T2_COLUMNS))
        return self._table(2, 16, rows)

    def t3(self) -> Table:
        rows = functional_rows(self.items, KIND_COLUMNS, self.names)
        rows.append(_total_row("合  计", self.items, KIND_COLUMNS))
        return self._table(3, 7, rows)

    def t4(self) -> Table:
        fiscal = L.select(self.items, L.by_sources(L.FISCAL_CURRENT))
        cols = FUND_COLUMNS
        income: list[tuple[str, Decimal]] = [
            ("一、财政拨款（补助）", L.total(fiscal)),
            ("一般公共预算", L.total(fiscal, cols[1])),
            ("政府性基金预算", L.total(fiscal, cols[2])),
            ("国有资本经营预算", L.total(fiscal, cols[3])),
        ]
        rows = []
        for n, code in enumerate(self.names_classes()):
            left: list[Cell] = [income[n][0], income[n][1]] if n < len(income) else ["", None]
            in_cls = [i for i in fiscal if i.func_code.startswith(code)]
            rows.append(TableRow(style="label", cells=[*left, self.names.class_label(code), *_sums(in_cls, cols)]))
        rows.append(_blank(7))
        rows.append(
            TableRow(style="total", cells=["收  入  总  计", L.total(fiscal), "支  出  总  计", *_sums(fiscal, cols)])
        )
        return self._table(4, 7, rows)

    def t5(self) -> Table:
        rows = functional_rows(self.gpb, KIND_COLUMNS, self.names)
        rows.append(_total_row("合  计", self.gpb, KIND_COLUMNS))
        return self._table(5, 7, rows)

    def t6(self) -> Table:
        basic = L.select(self.gpb, L.basic)
        cols: tuple[Predicate, ...] = (
            lambda i: True,
            lambda i: L.is_personnel(i.econ_code),
            lambda i: not L.is_personnel(i.econ_code),
        )
        rows = []
        for cls in sorted({i.econ_code[:3] for i in basic}):
            in_cls = [i for i in basic if i.econ_code.startswith(cls)]
            rows.append(TableRow(style="econ-class", cells=[cls, "", self.names.econ_name(cls), *_sums(in_cls, cols)]))
            for kuan in sorted({i.econ_code for i in in_cls}):
                in_kuan = [i for i in in_cls if i.econ_code == kuan]
                rows.append(
                    TableRow(
                        style="econ-kuan", cells=[cls, kuan[3:], self.names.econ_name(kuan), *_sums(in_kuan, cols)]
                    )
                )
        rows.append(_total_row("合  计", basic, cols, lead=2))
        return self._table(6, 6, rows)

    def t7(self) -> Table:
        proj = L.select(self.gpb, L.project)
        cols: tuple[Predicate, ...] = (lambda i: True, *(_econ_class(c) for c in PROJECT_ECON_CLASSES))
        rows = []
        codes = sorted({i.func_code for i in proj})
        for cls in sorted({c[:3] for c in codes}):
            in_cls = [i for i in proj if i.func_code.startswith(cls)]
            rows.append(
                TableRow(style="class", cells=[cls, "", "", self.names.function(cls), "", *_sums(in_cls, cols)])
            )
            for kuan in sorted({c[:5] for c in codes if c.startswith(cls)}):
                in_kuan = [i for i in in_cls if i.func_code.startswith(kuan)]
                rows.append(
                    TableRow(
                        style="kuan",
                        cells=[cls, kuan[3:], "", self.names.function(kuan), "", *_sums(in_kuan, cols)],
                    )
                )
                for code in sorted(c for c in codes if c.startswith(kuan)):
                    in_item = [i for i in in_kuan if i.func_code == code]
                    for name in project_order(in_item):
                        mine = [i for i in in_item if i.project == name]
                        rows.append(
                            TableRow(
                                style="project",
                                cells=[*split_code(code), self.names.function(code), name, *_sums(mine, cols)],
                            )
                        )
        rows.append(TableRow(style="total", cells=["", "", "", "", "合 计", *_sums(proj, cols)]))
        return self._table(7, 16, rows)

    def fund_table(self, number: int, sources: frozenset[F]) -> Table:
        chosen = L.select(self.items, L.by_sources(sources))
        if not chosen:
            rows = [_blank(7) for _ in range(EMPTY_PADDING[number])]
            rows.append(TableRow(style="total", cells=["", "", "", "合  计", None, None, None]))
            return self._table(number, 7, rows, empty_note=EMPTY_NOTES[number])
        rows = functional_rows(chosen, KIND_COLUMNS, self.names)
        rows.append(_total_row("合  计", chosen, KIND_COLUMNS))
        return self._table(number, 7, rows)

    def t10(self) -> Table:
        fiscal = L.select(self.items, L.by_sources(L.FISCAL_CURRENT))
        rows = [
            TableRow(
                style="total" if label == "合计" else "label",
                cells=[label, *_sums(L.select(fiscal, L.econ_in(codes)), FUND_COLUMNS)],
            )
            for label, codes in sangong_groups()
        ]
        return self._table(10, 5, rows)


def sangong_groups() -> list[tuple[str, frozenset[str]]]:
    """表10 rows in order, 合计 first, each with the economic codes it sums."""
    vehicles = L.SANGONG_VEHICLE_BUY | L.SANGONG_VEHICLE_RUN
    return [
        ("合计", L.SANGONG_ABROAD | L.SANGONG_RECEPTION | vehicles),
        ("因公出国（境）费", L.SANGONG_ABROAD),
        ("公务接待费", L.SANGONG_RECEPTION),
        ("公务用车购置及运行费\n（小计）", vehicles),
        ("其中：公务用车购置费", L.SANGONG_VEHICLE_BUY),
        ("公务用车运行费", L.SANGONG_VEHICLE_RUN),
    ]


def project_order(items: Sequence[LineItem]) -> list[str]:
    """Project names in order of first appearance in the workbook."""
    seen: dict[str, None] = {}
    for i in sorted(items, key=lambda i: i.row):
        if i.project:
            seen.setdefault(i.project, None)
    return list(seen)


def _in_class(code: str) -> Predicate:
    return lambda i: i.func_code.startswith(code)


def _econ_class(code: str) -> Predicate:
    return lambda i: i.econ_code.startswith(code)
