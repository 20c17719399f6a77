"""Generate a large, honest workbook for timing: example 002 with N projects.

    python scripts/make_large_workbook.py --projects 2000 [--items-scale 2] [-o out.xlsx] [--json]

The nine projects of example 002 are cloned into `--projects` projects (each with its
own 项目信息 row and 绩效指标 rows, named “原名（k）”), and every project line item is
split across the clones of its project; with `--items-scale K` every line item (basic
and project) is further split into K rows. Amounts are split to the cent so that every
total of the workbook (by function code, economic code, fund source and kind) is the
one of example 002: the 上年对比 rows and their reasons stay right and `disclosure
check` passes. Clones are given to projects in proportion to their amounts, and no
clone ever gets a zero amount.

`make bench` times `disclosure check` and `disclosure build` on 200 and 2,000 projects.
"""

from __future__ import annotations

import argparse
import copy
import json
import re
import sys
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from generator.workbook import schema as s  # noqa: E402

BASE = ROOT / "examples" / "002.json"
AMOUNT = "金额"
PROJECT = "项目名称"
KIND = "支出类型"
PROJECT_KIND = "项目支出"
GPB_SOURCES = {s.FundSource.GPB_LOCAL.value, s.FundSource.GPB_TRANSFER.value}


def _cents(text: str) -> int:
    return int((Decimal(str(text)) * 100).to_integral_value())


def _yuan(cents: int) -> str:
    return f"{Decimal(cents) / 100:.2f}"


def split_cents(total: int, parts: int, offset: int = 0) -> list[int]:
    """`total` cents in `parts` shares differing by at most one cent; the extra cents go to
    the shares starting at `offset` (so several splits spread their extras over all shares)."""
    base, extra = divmod(total, parts)
    shares = [base] * parts
    for i in range(extra):
        shares[(offset + i) % parts] += 1
    return shares


def _allocate_clones(totals: dict[str, int], projects: int) -> dict[str, int]:
    """Clones per project, proportional to its amount, at least one each, never more than its cents."""
    names = list(totals)
    if projects < len(names):
        raise SystemExit(f"--projects must be at least {len(names)} (the example has {len(names)} projects)")
    grand = sum(totals.values())
    clones = {n: max(1, min(totals[n], projects * totals[n] // grand)) for n in names}
    # hand out the rest to the projects with the most cents per clone
    while sum(clones.values()) < projects:
        name = max((n for n in names if clones[n] < totals[n]), key=lambda n: totals[n] / clones[n])
        clones[name] += 1
    while sum(clones.values()) > projects:
        name = max((n for n in names if clones[n] > 1), key=lambda n: clones[n])
        clones[name] -= 1
    return clones


COST_VALUE = re.compile(r"^(<=|<|=|≤)\s*([0-9.]+)(万元?)$")


def _fit_cost(indicator: dict, total_cents: int) -> dict:
    """A clone's cost indicator ("<=190万元") may not exceed the clone's own budget (a checked rule)."""
    match = COST_VALUE.match(indicator["指标值"].strip())
    if match and _cents(match.group(2)) > total_cents:
        indicator["指标值"] = f"{match.group(1)}{_yuan(total_cents)}{match.group(3)}"
    return indicator


def large_example(projects: int, items_scale: int = 1) -> dict:
    data = json.loads(BASE.read_text(encoding="utf-8"))
    items = data[s.SHEET_ITEMS]
    totals: dict[str, int] = defaultdict(int)
    for row in items:
        if row[KIND] == PROJECT_KIND:
            totals[row[PROJECT]] += _cents(row[AMOUNT])
    clones = _allocate_clones(dict(totals), projects)

    def clone_name(name: str, k: int) -> str:
        return name if clones[name] == 1 else f"{name}（{k + 1}）"

    new_items: list[dict] = []
    offsets: dict[str, int] = defaultdict(int)
    for row in items:
        if row[KIND] != PROJECT_KIND:
            new_items.append(row)
            continue
        name = row[PROJECT]
        shares = split_cents(_cents(row[AMOUNT]), clones[name], offsets[name])
        offsets[name] += _cents(row[AMOUNT]) % clones[name]
        for k, share in enumerate(shares):
            if share:
                new_items.append(row | {PROJECT: clone_name(name, k), AMOUNT: _yuan(share)})
    if items_scale > 1:
        scaled = []
        for row in new_items:
            cents = _cents(row[AMOUNT])
            scaled.extend(row | {AMOUNT: _yuan(c)} for c in split_cents(cents, min(items_scale, cents)) if c)
        new_items = scaled
    # every clone must have spending (a project without any would be reported)
    funded = {r[PROJECT] for r in new_items if r[KIND] == PROJECT_KIND}
    data[s.SHEET_ITEMS] = new_items

    # 资金分配情况 itemises the project's 一般公共预算 spending (checked): restate it per clone
    gpb: dict[str, int] = defaultdict(int)
    for row in new_items:
        if row[KIND] == PROJECT_KIND and row["资金来源"] in GPB_SOURCES:
            gpb[row[PROJECT]] += _cents(row[AMOUNT])

    clone_total: dict[str, int] = defaultdict(int)
    for row in new_items:
        if row[KIND] == PROJECT_KIND:
            clone_total[row[PROJECT]] += _cents(row[AMOUNT])

    new_projects, new_indicators = [], []
    for info in data[s.SHEET_PROJECTS]:
        name = info[PROJECT]
        for k in range(clones.get(name, 1)):
            clone = clone_name(name, k)
            if clone not in funded:
                raise SystemExit(f"clone {clone} got no spending (too many projects for the amounts)")
            allocation = f"按项目实施进度安排资金{_yuan(gpb[clone])}万元" if gpb[clone] else "按项目实施进度安排资金"
            new_projects.append(info | {PROJECT: clone, "资金分配情况": allocation})
            new_indicators.extend(
                _fit_cost(copy.deepcopy(ind) | {PROJECT: clone}, clone_total[clone])
                for ind in data[s.SHEET_INDICATORS]
                if ind[PROJECT] == name
            )
    data[s.SHEET_PROJECTS] = new_projects
    data[s.SHEET_INDICATORS] = new_indicators
    return data


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--projects", type=int, required=True, help="number of projects (at least 9)")
    parser.add_argument("--items-scale", type=int, default=1, help="split every line item into K rows")
    parser.add_argument("-o", "--output", type=Path, help="output .xlsx (default: large-N.xlsx in the current folder)")
    parser.add_argument("--json", action="store_true", help="write the JSON source instead of the workbook")
    args = parser.parse_args(argv)
    data = large_example(args.projects, max(1, args.items_scale))
    out = args.output or Path(f"large-{args.projects}{'.json' if args.json else '.xlsx'}")
    if args.json:
        out.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    else:
        from generator.workbook.template import write_workbook

        write_workbook(out, data)
    print(
        f"wrote {out}: {len(data[s.SHEET_PROJECTS])} projects, {len(data[s.SHEET_ITEMS])} line items, "
        f"{len(data[s.SHEET_INDICATORS])} indicators"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
