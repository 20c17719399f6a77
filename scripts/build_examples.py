"""Build the example workbooks in inputs/ from their readable sources in examples/*.json.

The JSON files are the reviewed transcriptions of the reference documents (see
inputs/README.md for every resolution of a published inconsistency); the .xlsx files
are what a finance officer would have filled. Run `make examples` after editing a JSON.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from generator.workbook.template import write_workbook  # noqa: E402

EXAMPLES = {
    "000.json": "000-昌吉州政资局-2023.xlsx",
    "002.json": "002-昌吉州工业和信息化局-2023.xlsx",
    "101.json": "101-上海市普陀区司法局-2026.xlsx",
    "102.json": "102-上海市普陀区司法局-2026-单位.xlsx",
    "103.json": "103-上海市普陀区人民政府办公室-2025.xlsx",
    "104.json": "104-上海市普陀区人民政府万里街道办事处-2024.xlsx",
    "105.json": "105-上海市普陀区人民政府办公室-2025-单位.xlsx",
    "201.json": "201-上海市普陀区财政局-2024决算.xlsx",
}


def main() -> None:
    for source, target in EXAMPLES.items():
        data = json.loads((ROOT / "examples" / source).read_text(encoding="utf-8"))
        out = ROOT / "inputs" / target
        write_workbook(out, data)
        print(f"wrote {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
