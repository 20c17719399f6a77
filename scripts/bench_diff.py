"""Time `disclosure diff` of two versions of an example (for `make bench`, beside one build).

The two versions are written from examples/<name>.json: the old one as it is, the new
one with three line items changed (+1.00 万元 each) and one 上年对比 reason rewritten,
which is the revision the issue describes. The optional 核对数 are cleared in both so the
revision stays free of errors. Measured, each as the median of N runs after a warm-up:

* `report`: `generator.diff.compare_workbooks` (read + compute both, compare, attribute);
* `outputs`: writing 修订说明.xlsx, 修订说明.html and the redline DOCX;
* `cli`: the whole `python -m generator.cli diff OLD NEW -o DIR` process, wall time.

Usage: python scripts/bench_diff.py [--example 000] [--runs 3]   (prints JSON)
From Python: `from scripts.bench_diff import time_diff; time_diff("000", runs=3)`.
"""

from __future__ import annotations

import argparse
import copy
import json
import statistics
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from generator.diff import compare_workbooks  # noqa: E402
from generator.diff_outputs import write_diff_outputs  # noqa: E402
from generator.workbook.template import write_workbook  # noqa: E402

CONTROL_FIELDS = ("收支总计核对数", "一般公共预算拨款核对数")


def make_revision(example: str, folder: Path) -> tuple[Path, Path]:
    """(old, new) workbooks of one example: new = three line items +1.00 and one reason rewritten."""
    data = json.loads((ROOT / "examples" / f"{example}.json").read_text(encoding="utf-8"))
    for label in CONTROL_FIELDS:
        data["基本信息"].pop(label, None)
    new = copy.deepcopy(data)
    for item in new["支出明细"][:3]:
        item["金额"] = str(Decimal(str(item["金额"])) + 1)
    first = new["上年对比"][0]
    first["主要原因"] = (first.get("主要原因") or "") + "（调整后）"
    old_path, new_path = folder / f"{example}-批复.xlsx", folder / f"{example}-调整.xlsx"
    write_workbook(old_path, data)
    write_workbook(new_path, new)
    return old_path, new_path


def _median(fn, runs: int) -> float:
    fn()  # warm-up
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def time_diff(example: str = "000", runs: int = 3) -> dict[str, object]:
    with tempfile.TemporaryDirectory(prefix="bench-diff-") as tmp:
        folder = Path(tmp)
        old, new = make_revision(example, folder)
        report, a, b = compare_workbooks(old, new)
        out = folder / "out"
        cli = [sys.executable, "-m", "generator.cli", "diff", str(old), str(new), "-o", str(out)]
        return {
            "example": example,
            "changes": len(report.changes),
            "input_changes": len(report.input_changes),
            "report_s": round(_median(lambda: compare_workbooks(old, new), runs), 3),
            "outputs_s": round(_median(lambda: write_diff_outputs(report, a, b, out), runs), 3),
            "cli_s": round(_median(lambda: subprocess.run(cli, check=True, capture_output=True, cwd=ROOT), runs), 3),
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--example", default="000", help="examples/<name>.json (000 is the larger one)")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    print(json.dumps(time_diff(args.example, args.runs), ensure_ascii=False))


if __name__ == "__main__":
    main()


def markdown(result: dict[str, object], build_s: float | None) -> str:
    """The section `scripts/bench.py` appends to docs/benchmarks.md."""
    beside = f" One build of the same workbook (median above): {build_s:.2f} s." if build_s is not None else ""
    return "\n".join(
        [
            "",
            "## Revision diff (wall seconds)",
            "",
            f"`disclosure diff` of example {result['example']} against a revision of it (three line items"
            f" +1.00 万元, one reason rewritten): {result['changes']} document changes from"
            f" {result['input_changes']} workbook changes.{beside}",
            "",
            "| compare (read + compute both, attribute) | write 修订说明.xlsx/.html + redline DOCX | whole CLI process |",
            "|---:|---:|---:|",
            f"| {result['report_s']:.2f} | {result['outputs_s']:.2f} | **{result['cli_s']:.2f}** |",
            "",
        ]
    )
