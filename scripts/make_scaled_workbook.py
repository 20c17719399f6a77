"""Make an N-times larger (still valid) workbook from an example, for the growth benchmarks.

Every 支出明细 line item is repeated N times. Project rows (支出类型 项目支出) get a
numbered project per copy ("公告费（2）"), with its own 项目信息 row and 绩效指标 rows,
so the 项目支出表 and the 项目支出绩效目标表 grow too; basic-expenditure rows are repeated
as they are (same codes, so the classified tables keep their shape while every total
is N times larger). The control totals in 基本信息 are multiplied too; prior-year
figures are left unchanged (so they still cross-check) and every 上年对比 row without a
reason gets one. `--times 1` reproduces the example.

`--copies N` instead writes N workbooks into a folder: the examples in turn, each under a
different 单位全称, for the batch benchmark (100 departments).

Usage: python scripts/make_scaled_workbook.py --times 16 examples/000.json -o /tmp/000x16.xlsx
       python scripts/make_scaled_workbook.py --copies 100 examples/000.json examples/002.json -o /tmp/100
"""

from __future__ import annotations

import argparse
import copy
import json
import sys
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from generator.workbook.template import write_workbook  # noqa: E402

PROJECT_SHEETS = ("项目信息", "绩效指标")
CONTROL_TOTALS = ("收支总计核对数", "一般公共预算拨款核对数")
SCALED_REASON = "业务量增加（基准测试用放大工作簿）"


def scaled(data: dict, times: int) -> dict:
    """`data` (an examples/*.json document) with every line item repeated `times` times."""
    if times < 1:
        raise ValueError("times must be at least 1")
    out = copy.deepcopy(data)

    def renamed(name: str, copy_no: int) -> str:
        return name if copy_no == 1 or not name else f"{name}（{copy_no}）"

    out["支出明细"] = [
        {**row, "项目名称": renamed(row.get("项目名称", ""), n)}
        for n in range(1, times + 1)
        for row in data["支出明细"]
    ]
    for sheet in PROJECT_SHEETS:
        out[sheet] = [
            {**row, "项目名称": renamed(row["项目名称"], n)} for n in range(1, times + 1) for row in data[sheet]
        ]
    info = out["基本信息"]
    for key in CONTROL_TOTALS:
        if info.get(key) not in (None, ""):
            info[key] = str(Decimal(str(info[key])) * times)
    if times > 1:
        # Every figure that was non-zero now differs from the prior year: give the reasons.
        for row in out["上年对比"]:
            if not row.get("主要原因"):
                row["主要原因"] = SCALED_REASON
            # the figures the reasons were written for are the example's, not the scaled ones
            row.pop("原因对应的本年数（自动）", None)
            row.pop("原因校验码（自动）", None)
    return out


def renamed_copy(data: dict, number: int) -> dict:
    """`data` as another department: the same figures under a different 单位全称 (and 简称)."""
    out = copy.deepcopy(data)
    info = out["基本信息"]
    info["单位全称"] = f"{info['单位全称']}{number:03d}"
    info["单位简称"] = f"{info['单位简称']}{number:03d}"
    return out


def write_copies(sources: list[Path], count: int, folder: Path) -> list[Path]:
    """`count` workbooks in `folder`: the sources in turn, each copy a differently named department."""
    documents = [json.loads(source.read_text(encoding="utf-8")) for source in sources]
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for number in range(1, count + 1):
        source = sources[(number - 1) % len(sources)]
        path = folder / f"{number:03d}-{source.stem}.xlsx"
        write_workbook(path, renamed_copy(documents[(number - 1) % len(sources)], number))
        paths.append(path)
    return paths


def line_items(data: dict) -> int:
    return len(data["支出明细"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path, nargs="+", help="examples/*.json documents")
    parser.add_argument("--times", type=int, default=4)
    parser.add_argument(
        "--copies", type=int, help="instead: write this many renamed copies of the sources into the folder -o"
    )
    parser.add_argument("-o", "--output", type=Path, required=True, help="the .xlsx (or, with --copies, folder)")
    args = parser.parse_args(argv)
    if args.copies:
        paths = write_copies(args.source, args.copies, args.output)
        print(f"wrote {len(paths)} workbooks into {args.output}")
        return 0
    data = scaled(json.loads(args.source[0].read_text(encoding="utf-8")), args.times)
    write_workbook(args.output, data)
    print(f"wrote {args.output} ({line_items(data)} line items)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
