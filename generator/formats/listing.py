"""What `disclosure formats` prints: the installed formats, or one format file checked."""

from __future__ import annotations

from pathlib import Path

from generator.formats import registry
from generator.formats import spec as S
from generator.formats.loader import Format, FormatInvalid, load_format


def summary(fmt: Format) -> str:
    """One line about a format: its name, region, document, editions, years and contents."""
    spec = fmt.spec
    blocks = [block for _, _, block in spec.blocks()]
    tables = sum(isinstance(b, S.TableBlock) for b in blocks)
    sections = sum(isinstance(b, S.SectionBlock) for b in blocks)
    editions = "、".join(e.name for e in spec.editions)
    return (
        f"{spec.name}（{spec.region}，{spec.level}）：{spec.document}，{editions}，适用于{spec.years.text}；"
        f"{len(spec.parts)}个部分、{tables}张表、{sections}节情况说明，"
        + ("决算与年初预算、上年决算比较" if spec.document == "决算" else f"与{spec.comparison_base}比较")
    )


def installed_lines() -> tuple[list[str], bool]:
    """The installed formats, one or two lines each; False when one of them is broken."""
    lines: list[str] = []
    ok = True
    for name, found in registry.installed().items():
        if isinstance(found, FormatInvalid):
            ok = False
            lines.append(
                f"{name}  有{len(found.problems)}处错误，无法使用；请运行 disclosure formats --check {registry.folders()[name]}"
            )
        else:
            default = "（默认）" if name == registry.DEFAULT else ""
            lines.append(f"{name}{default}  {summary(found)}")
            lines.append(f"    位置：{found.folder}")
    if not lines:
        lines.append("没有安装任何格式")
    return lines, ok


def check_lines(folder: Path) -> tuple[list[str], bool]:
    """A format folder (or its format.yaml) checked: every problem at its line, or a summary."""
    folder = folder.parent if folder.name == "format.yaml" else folder
    try:
        fmt = load_format(folder)
    except FormatInvalid as exc:
        return [*(str(p) for p in exc.problems), f"共{len(exc.problems)}处错误，请逐条改正后再检查"], False
    lines = [f"格式文件检查通过：{fmt.id}", f"  {summary(fmt)}"]
    if fmt.id != folder.name:
        return [f"{folder / 'format.yaml'}:1: id“{fmt.id}”应与文件夹名“{folder.name}”相同"], False
    return lines, True
