"""The catalogue of table kinds the engine computes from line items (format-2023.md §4–5).

A format places tables by kind (`KINDS`) and gives each its own label, title, unit and header;
the rows, and so the columns each kind has, are the engine's. Every row is a sum of line items.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from generator import formatting as fmt
from generator.compute import ledger as L
from generator.compute.ledger import Predicate
from generator.compute.names import Names
from generator.formats.spec import TableBlock
from generator.inputs import LineItem
from generator.model import Cell, HeadCell, NumberStyle, Table, TableRow
from generator.workbook.schema import FundSource as F

# 表7 economic columns c7–c16: 部门预算支出经济分类 类 in this order.
PROJECT_ECON_CLASSES = ("301", "302", "303", "307", "309", "310", "311", "312", "313", "399")

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


# --- Table kinds by income category (事业收入/事业单位经营收入/其他收入) and the one-row
# “三公”经费和机关运行经费 table, as Shanghai 普陀 publishes them. Rows still sum line items.

# Income categories: 财政拨款收入 (当年), 事业收入, 事业单位经营收入, and 其他收入 = every other source,
# so the categories always add up to the total.
_OTHER_INCOME = L.ALL - L.FISCAL_CURRENT - {F.UNIT_BUSINESS, F.UNIT_OPERATING}
CATEGORY_COLUMNS: tuple[Predicate, ...] = (
    lambda i: True,  # 合计
    L.by_sources(L.FISCAL_CURRENT),
    L.by_sources(frozenset({F.UNIT_BUSINESS})),
    L.by_sources(frozenset({F.UNIT_OPERATING})),
    L.by_sources(_OTHER_INCOME),
)
CATEGORY_ROWS: tuple[tuple[str, frozenset[F]], ...] = (
    ("一、财政拨款收入", L.FISCAL_CURRENT),
    ("1. 一般公共预算", L.GPB),
    ("2. 政府性基金预算", L.FUND),
    ("3. 国有资本经营预算", L.SOE),
    ("二、事业收入", frozenset({F.UNIT_BUSINESS})),
    ("三、事业单位经营收入", frozenset({F.UNIT_OPERATING})),
    ("四、其他收入", _OTHER_INCOME),
)
# 单位版 表1 (official-template-2026-unit.xlsx 单位收支总表): the same income rows, numbered 1、2、3、.
CATEGORY_ROWS_UNIT: tuple[tuple[str, frozenset[F]], ...] = tuple(
    (label.replace(". ", "、"), sources) for label, sources in CATEGORY_ROWS
)
# 合计, 基本支出 人员经费 / 公用经费 (by economic class, as 一般公共预算基本支出), 项目支出.
BASIC_SPLIT_COLUMNS: tuple[Predicate, ...] = (
    lambda i: True,
    lambda i: L.basic(i) and L.is_personnel(i.econ_code),
    lambda i: L.basic(i) and not L.is_personnel(i.econ_code),
    L.project,
)
FISCAL_FUND_ROWS: tuple[tuple[str, frozenset[F]], ...] = (
    ("一、一般公共预算", L.GPB),
    ("二、政府性基金预算", L.FUND),
    ("三、国有资本经营预算", L.SOE),
)


class CategoryTables:
    """Rows of the kinds by income category; mixed into TableBuilder."""

    items: list[LineItem]
    names: Names
    operating_units: frozenset[str] | None

    def _ordinal_classes(self, items: Sequence[LineItem]) -> list[tuple[str, list[LineItem]]]:
        """(“一、公共安全支出”, its items) for each 功能分类 类 with items, by code."""
        classes = sorted({i.func_code[:3] for i in items})
        return [
            (f"{fmt.cn_number(n)}、{self.names.function(c)}", [i for i in items if i.func_code.startswith(c)])
            for n, c in enumerate(classes, start=1)
        ]

    def _side_by_side(
        self, left: list[list[Cell]], right: list[list[Cell]], left_width: int, right_width: int
    ) -> list[TableRow]:
        rows = []
        for n in range(max(len(left), len(right))):
            a = left[n] if n < len(left) else ["", *[None] * (left_width - 1)]
            b = right[n] if n < len(right) else ["", *[None] * (right_width - 1)]
            rows.append(TableRow(style="label", cells=[*a, *b]))
        return rows

    def by_category_summary(self, total_label: str) -> list[TableRow]:
        """财务收支预算总表: income by category and fund, spending by 功能分类 类; 收入总计/支出总计."""
        left: list[list[Cell]] = [[label, L.total(self.items, L.by_sources(s))] for label, s in CATEGORY_ROWS]
        right: list[list[Cell]] = [[label, L.total(mine)] for label, mine in self._ordinal_classes(self.items)]
        grand = L.total(self.items)
        rows = self._side_by_side(left, right, 2, 2)
        rows.append(TableRow(style="total", cells=["收入总计", grand, "支出总计", grand]))
        return rows

    def by_category_summary_split(self, total_label: str) -> list[TableRow]:
        """财务收支预算总表 of a 单位: income by category and fund; spending by 功能分类 类 with 合计,
        基本支出 (人员经费, 公用经费) and 项目支出; 收入总计/支出总计."""
        left: list[list[Cell]] = [[label, L.total(self.items, L.by_sources(s))] for label, s in CATEGORY_ROWS_UNIT]
        right: list[list[Cell]] = [
            [label, *_sums(mine, BASIC_SPLIT_COLUMNS)] for label, mine in self._ordinal_classes(self.items)
        ]
        rows = self._side_by_side(left, right, 2, 5)
        rows.append(
            TableRow(
                style="total",
                cells=["收入总计", L.total(self.items), "支出总计", *_sums(self.items, BASIC_SPLIT_COLUMNS)],
            )
        )
        return rows

    def by_category_income(self, total_label: str) -> list[TableRow]:
        """收入预算总表: 功能分类 类/款/项 × 合计, 财政拨款收入, 事业收入, 事业单位经营收入, 其他收入."""
        rows = functional_rows(self.items, CATEGORY_COLUMNS, self.names)
        rows.append(_total_row(total_label, self.items, CATEGORY_COLUMNS))
        return rows

    def fiscal_by_fund(self, total_label: str) -> list[TableRow]:
        """财政拨款收支预算总表: the three funds' income; spending by 类 and fund; 收入总计/支出总计."""
        fiscal = L.select(self.items, L.by_sources(L.FISCAL_CURRENT))
        left: list[list[Cell]] = [[label, L.total(fiscal, L.by_sources(s))] for label, s in FISCAL_FUND_ROWS]
        right: list[list[Cell]] = [[label, *_sums(mine, FUND_COLUMNS)] for label, mine in self._ordinal_classes(fiscal)]
        rows = self._side_by_side(left, right, 2, 5)
        rows.append(
            TableRow(style="total", cells=["收入总计", L.total(fiscal), "支出总计", *_sums(fiscal, FUND_COLUMNS)])
        )
        return rows

    def sangong_operating(self, total_label: str) -> list[TableRow]:
        """One row: “三公”经费 合计, 因公出国（境）费, 公务接待费, 公务用车 小计/购置费/运行费, 机关运行经费."""
        fiscal = L.select(self.items, L.by_sources(L.FISCAL_CURRENT))
        groups = dict(sangong_groups())
        order = (
            "合计",
            "因公出国（境）费",
            "公务接待费",
            "公务用车购置及运行费\n（小计）",
            "其中：公务用车购置费",
            "公务用车运行费",
        )
        operating = L.operating_cost(self.items, self.operating_units)
        cells: list[Cell] = [L.total(L.select(fiscal, L.econ_in(groups[label]))) for label in order]
        return [TableRow(style="label", cells=[*cells, operating])]


class TableBuilder(CategoryTables):
    """Computes the rows of each table kind for one department from its line items."""

    def __init__(
        self,
        items: Sequence[LineItem],
        names: Names,
        unit_line: str,
        operating_units: frozenset[str] | None = None,
    ) -> None:
        self.items = list(items)
        self.names = names
        self.unit_line = unit_line  # "编制部门（单位）：{单位全称}"
        self.gpb = L.select(self.items, L.by_sources(L.GPB))
        # Units with 机关运行经费 (行政/参公); None: every unit (narrative.operating_units).
        self.operating_units = operating_units
        # The 类 rows the table being built lists (its block's `classes`); None: the catalogue's.
        self.listed_classes: tuple[str, ...] | None = None

    def table(self, spec: TableBlock, number: int, numbers: NumberStyle, landscape: bool | None = None) -> Table:
        """The table `spec` places, as the `number`-th table of the document; `landscape`: its
        page orientation as the format resolves it (its own, its part's or the document's)."""
        kind = KINDS[spec.kind]
        total_label = spec.total_label or kind.total_label
        chosen = kind.selection(self) if kind.selection else None
        empty_note = None
        if chosen is not None and not chosen and spec.empty is not None:
            rows = [_blank(kind.columns) for _ in range(spec.empty.rows)]
            rows.append(
                TableRow(
                    style="total", cells=[*([""] * kind.codes), total_label, *[None] * (kind.columns - kind.codes - 1)]
                )
            )
            empty_note = spec.empty.note
        else:
            self.listed_classes = tuple(spec.classes) if spec.classes is not None else None
            try:
                rows = kind.rows(self, total_label)
            finally:
                self.listed_classes = None
        if spec.row_labels:  # the format's wording of the kind's fixed row labels
            rows = [
                TableRow(style=r.style, cells=[spec.row_labels.get(c, c) if isinstance(c, str) else c for c in r.cells])
                for r in rows
            ]
        return Table(
            number=number,
            kind=spec.kind,
            label=spec.label or "",
            title=spec.title,
            unit_line=self.unit_line,
            columns=kind.columns,
            landscape=spec.orientation == "landscape" if landscape is None else landscape,
            rows=rows,
            empty_note=empty_note,
            numbers=numbers,
            head=[[HeadCell(text=c.text, cols=c.cols, rows=c.rows) for c in row] for row in spec.head],
            aligns=kind.aligns,
        )

    def names_classes(self) -> list[str]:
        """The 功能分类 类 a table with one row per 类 lists, in order: every 类 of the year's catalogue, or
        the format's list (`classes`) followed by any other 类 with an amount, in code order, so that
        the rows always add up to the total."""
        if self.listed_classes is None:
            return sorted(c for c in self.names.functions if len(c) == 3)
        listed = set(self.listed_classes)
        spent = {i.func_code[:3] for i in self.items if i.amount} - listed
        return [*self.listed_classes, *sorted(spent)]

    def income_spending(self, total_label: str) -> list[TableRow]:
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
        return rows

    def income(self, total_label: str) -> list[TableRow]:
        rows = functional_rows(self.items, T2_COLUMNS, self.names)
        rows.append(_total_row(total_label, self.items, T2_COLUMNS))
        return rows

    def spending(self, total_label: str) -> list[TableRow]:
        rows = functional_rows(self.items, KIND_COLUMNS, self.names)
        rows.append(_total_row(total_label, self.items, KIND_COLUMNS))
        return rows

    def fiscal(self, total_label: str) -> list[TableRow]:
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
        return rows

    def gpb_spending(self, total_label: str) -> list[TableRow]:
        rows = functional_rows(self.gpb, KIND_COLUMNS, self.names)
        rows.append(_total_row(total_label, self.gpb, KIND_COLUMNS))
        return rows

    def gpb_basic(self, total_label: str) -> list[TableRow]:
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
        rows.append(_total_row(total_label, basic, cols, lead=2))
        return rows

    def gpb_projects(self, total_label: str) -> list[TableRow]:
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
        rows.append(TableRow(style="total", cells=["", "", "", "", total_label, *_sums(proj, cols)]))
        return rows

    def fund_items(self) -> list[LineItem]:
        return L.select(self.items, L.by_sources(L.FUND))

    def soe_items(self) -> list[LineItem]:
        return L.select(self.items, L.by_sources(L.SOE))

    def fund(self, total_label: str) -> list[TableRow]:
        return self._by_function(self.fund_items(), total_label)

    def soe(self, total_label: str) -> list[TableRow]:
        return self._by_function(self.soe_items(), total_label)

    def _by_function(self, chosen: list[LineItem], total_label: str) -> list[TableRow]:
        rows = functional_rows(chosen, KIND_COLUMNS, self.names)
        rows.append(_total_row(total_label, chosen, KIND_COLUMNS))
        return rows

    def sangong(self, total_label: str) -> list[TableRow]:
        fiscal = L.select(self.items, L.by_sources(L.FISCAL_CURRENT))
        return [
            TableRow(
                style="total" if label == "合计" else "label",
                cells=[
                    total_label if label == "合计" else label,
                    *_sums(L.select(fiscal, L.econ_in(codes)), FUND_COLUMNS),
                ],
            )
            for label, codes in sangong_groups()
        ]


@dataclass(frozen=True)
class TableKind:
    """One kind of table: its columns (a code/text/amount alignment each) and how rows are computed."""

    description: str  # Chinese, for `disclosure formats` and docs/formats.md
    aligns: str  # per column: c centred code, l text, r amount
    rows: Callable[[TableBuilder, str], list[TableRow]]  # (builder, 合计 label) -> rows
    total_label: str = "合计"
    codes: int = 0  # leading code columns (the empty table's 合计 label follows them)
    selection: Callable[[TableBuilder], list[LineItem]] | None = None  # items of a table that may be empty
    labels: tuple[str, ...] = ()  # fixed row labels a format may reword (`row_labels`)
    document: str = "预算"  # the document kind whose formats may place it (决算 kinds need a 决算 workbook)
    by_class: bool = False  # one row per 功能分类 类 (`names_classes`): a format may list them (`classes`)

    @property
    def columns(self) -> int:
        return len(self.aligns)

    @property
    def can_be_empty(self) -> bool:
        return self.selection is not None


FUNCTIONAL = "cccl" + "rrr"
KINDS: dict[str, TableKind] = {
    "收支总表": TableKind(
        "收入按资金来源、支出按功能分类“类”，含收支总计", "lrlr", TableBuilder.income_spending, by_class=True
    ),
    "收入总表": TableKind("按功能分类科目列出各资金来源的收入", "cccl" + "r" * 12, TableBuilder.income, codes=3),
    "支出总表": TableKind("按功能分类科目列出基本支出和项目支出", FUNCTIONAL, TableBuilder.spending, codes=3),
    "财政拨款收支总表": TableKind(
        "当年财政拨款收入，及按功能分类“类”的三项财政拨款支出", "lrl" + "rrrr", TableBuilder.fiscal, by_class=True
    ),
    "一般公共预算支出": TableKind(
        "当年一般公共预算拨款按功能分类科目的基本支出和项目支出", FUNCTIONAL, TableBuilder.gpb_spending, codes=3
    ),
    "一般公共预算基本支出": TableKind(
        "当年一般公共预算基本支出按经济分类科目的人员经费和公用经费", "ccl" + "rrr", TableBuilder.gpb_basic, codes=2
    ),
    "一般公共预算项目支出": TableKind(
        "当年一般公共预算项目支出按功能分类科目和项目、经济分类“类”",
        "cccll" + "r" * 11,
        TableBuilder.gpb_projects,
        codes=3,
    ),
    "政府性基金支出": TableKind(
        "当年政府性基金预算拨款按功能分类科目的基本支出和项目支出",
        FUNCTIONAL,
        TableBuilder.fund,
        codes=3,
        selection=TableBuilder.fund_items,
    ),
    "国有资本经营支出": TableKind(
        "当年国有资本经营预算拨款按功能分类科目的基本支出和项目支出",
        FUNCTIONAL,
        TableBuilder.soe,
        codes=3,
        selection=TableBuilder.soe_items,
    ),
    "三公经费": TableKind("当年财政拨款“三公”经费，按三项财政拨款资金来源", "l" + "rrrr", TableBuilder.sangong),
    # Kinds by income category (CategoryTables).
    "财务收支总表": TableKind(
        "收入按财政拨款（分三项）、事业收入、事业单位经营收入、其他收入，支出按功能分类“类”，含收支总计",
        "lrlr",
        TableBuilder.by_category_summary,
        labels=tuple(label for label, _ in CATEGORY_ROWS),
    ),
    "财务收支总表（分基本支出和项目支出）": TableKind(
        "同 财务收支总表，收入各项编号为“1、”，支出按功能分类“类”列出合计、基本支出（人员经费、公用经费）和项目支出",
        "lrl" + "rrrr",
        TableBuilder.by_category_summary_split,
        labels=tuple(label for label, _ in CATEGORY_ROWS_UNIT),
    ),
    "收入总表（按收入类别）": TableKind(
        "按功能分类科目列出合计、财政拨款收入、事业收入、事业单位经营收入、其他收入",
        "cccl" + "r" * 5,
        TableBuilder.by_category_income,
        codes=3,
    ),
    "财政拨款收支总表（按拨款种类）": TableKind(
        "三项财政拨款收入，及按功能分类“类”的三项财政拨款支出，含收支总计",
        "lrl" + "rrrr",
        TableBuilder.fiscal_by_fund,
        labels=tuple(label for label, _ in FISCAL_FUND_ROWS),
    ),
    "三公经费和机关运行经费": TableKind(
        "一行：“三公”经费合计、因公出国（境）费、公务接待费、公务用车购置及运行费及其两项，机关运行经费",
        "r" * 7,
        TableBuilder.sangong_operating,
    ),
}


# The 决算 kinds (issue 20): rows from the line items as spent and the 决算 sheets, computed by
# generator.compute.final_document.FinalTableBuilder (the builder a 决算 document is laid out with).
KINDS.update(
    {
        "收入支出决算总表": TableKind(
            "决算：收入按财政拨款（三项）和其他各类收入，支出按功能分类“类”，含结转和结余、总计",
            "lrlr",
            lambda b, t: b.final_summary(t),  # type: ignore[attr-defined]
            document="决算",
            by_class=True,
        ),
        "收入决算表": TableKind(
            "决算：按功能分类科目列出本年收入合计、财政拨款收入、上级补助收入、事业收入、经营收入、附属单位上缴收入、其他收入",
            "cccl" + "r" * 7,
            lambda b, t: b.final_income(t),  # type: ignore[attr-defined]
            codes=3,
            document="决算",
        ),
        "支出决算表": TableKind(
            "决算：按功能分类科目列出本年支出合计、基本支出、项目支出、上缴上级支出、经营支出、对附属单位补助支出",
            "cccl" + "r" * 6,
            lambda b, t: b.final_spending(t),  # type: ignore[attr-defined]
            codes=3,
            document="决算",
        ),
        "财政拨款收入支出决算总表": TableKind(
            "决算：三项财政拨款收入，按功能分类“类”的三项财政拨款支出，年初、年末财政拨款结转和结余，总计",
            "lrl" + "rrrr",
            lambda b, t: b.final_fiscal(t),  # type: ignore[attr-defined]
            document="决算",
            by_class=True,
        ),
        "一般公共预算财政拨款支出决算表": TableKind(
            "决算：一般公共预算财政拨款支出按功能分类科目的基本支出和项目支出",
            FUNCTIONAL,
            TableBuilder.gpb_spending,
            codes=3,
            document="决算",
        ),
        "一般公共预算财政拨款基本支出决算表": TableKind(
            "决算：一般公共预算财政拨款基本支出按经济分类科目，人员经费（左）和公用经费（右）并列",
            "cclr" * 2,
            lambda b, t: b.final_basic(t),  # type: ignore[attr-defined]
            document="决算",
        ),
        "财政拨款“三公”经费支出决算表": TableKind(
            "决算：一行，“三公”经费合计、因公出国（境）费、公务用车购置及运行费（小计、购置费、运行费）、公务接待费的预算数和决算数",
            "r" * 12,
            lambda b, t: b.final_sangong(t),  # type: ignore[attr-defined]
            document="决算",
        ),
        "政府性基金预算财政拨款收入支出决算表": TableKind(
            "决算：政府性基金预算财政拨款按功能分类科目的年初结转和结余、本年收入、本年支出（小计、基本、项目）、年末结转和结余",
            "cccl" + "r" * 6,
            lambda b, t: b.final_fund(t),  # type: ignore[attr-defined]
            codes=3,
            selection=lambda b: b.fund_final_entries(),  # type: ignore[attr-defined]
            document="决算",
        ),
        "国有资本经营预算财政拨款收入支出决算表": TableKind(
            "决算：国有资本经营预算财政拨款按功能分类科目的年初结转和结余、本年收入、本年支出（小计、基本、项目）、年末结转和结余",
            "cccl" + "r" * 6,
            lambda b, t: b.final_soe(t),  # type: ignore[attr-defined]
            codes=3,
            selection=lambda b: b.soe_final_entries(),  # type: ignore[attr-defined]
            document="决算",
        ),
    }
)


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
