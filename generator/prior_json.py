"""Last year's published figures from JSON (`disclosure prepare --prior-json`).

For departments whose last year was typed in Word, or whose bureau keeps the figures
in its own system. The format (documented in the README):

    {
      "单位": "万元",
      "上年预算数": {
        "收入：一般公共预算": 1206.34,
        "支出：基本支出": "980.00",
        "一般公共预算项：2010301": 229.12
      }
    }

Keys are the 比较项目 of sheet 上年对比, written as `disclosure prepare` writes them (an
item key may carry the 项 name: "一般公共预算项：2010301 行政运行"). Amounts are numbers
or numeric strings in 万元, or in 元 when "单位" is "元". Problems are returned as Chinese
messages, all at once.
"""

from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation
from pathlib import Path

from generator.compute.comparisons import normalise_key

FIGURES = "上年预算数"
UNIT = "单位"


def load_prior_json(path: Path) -> tuple[dict[str, Decimal], list[str]]:
    """Canonical key → 上年预算数 in 万元, and the problems found (empty when the file is usable)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except OSError as exc:
        return {}, [f"无法读取 {path}：{exc.strerror or exc}"]
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        return {}, [f"{path.name} 不是有效的 UTF-8 JSON 文件（{exc}）。格式见 README“上年数据 JSON”"]
    if not isinstance(data, dict) or not isinstance(data.get(FIGURES), dict):
        return {}, [f"{path.name} 应为一个对象，其中“{FIGURES}”为 {{比较项目: 金额}}。格式见 README“上年数据 JSON”"]
    unit = data.get(UNIT, "万元")
    if unit not in ("万元", "元"):
        return {}, [f"“{UNIT}”应为“万元”或“元”，实际为“{unit}”"]
    scale = Decimal(10000) if unit == "元" else Decimal(1)
    figures: dict[str, Decimal] = {}
    problems = []
    for raw_key, raw_value in data[FIGURES].items():
        key = normalise_key(str(raw_key))
        if key is None:
            problems.append(
                f"无法识别比较项目“{raw_key}”：请使用“上年对比”表中的写法，如“收入：一般公共预算”或“一般公共预算项：2010301”"
            )
            continue
        try:
            if isinstance(raw_value, bool):
                raise TypeError(raw_value)
            amount = Decimal(str(raw_value).strip().replace(",", ""))
            if not amount.is_finite() or amount < 0:
                raise ValueError(raw_value)
        except (InvalidOperation, TypeError, ValueError):
            problems.append(f"“{raw_key}”的上年预算数“{raw_value}”不是有效金额（应为非负数字）")
            continue
        if key in figures:
            problems.append(f"比较项目“{raw_key}”重复出现")
            continue
        figures[key] = (amount / scale).quantize(Decimal("0.01"))
    return figures, problems
