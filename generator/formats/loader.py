"""Read one `format.yaml` into a `Format`, or say everything wrong with it, each at its line.

YAML is composed into nodes first so every value keeps its line; the schema (`spec.py`) and
the engine's catalogues (table kinds, narrative sections) then check it, and every problem is
collected before the file is refused. Messages are Chinese and say the fix.
"""

from __future__ import annotations

import copy
import difflib
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from generator.formats import spec as S
from generator.formats import text

FILE_NAME = "format.yaml"


@dataclass(frozen=True)
class FormatProblem:
    """One problem in a format file: file, line (1-based, 0 when the whole file) and the message."""

    file: Path
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}" if self.line else f"{self.file}: {self.message}"


class FormatInvalid(Exception):
    """A format file that cannot be used; `problems` lists everything wrong with it."""

    def __init__(self, problems: list[FormatProblem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


SECTIONS_FOLDER = "sections"


@dataclass(frozen=True)
class Format:
    """A validated format: its schema values and the folder it came from.

    `spec` is the document of one edition (`edition`, the first declared unless chosen with
    `with_edition`): the format's `by_edition` settings already applied. `editions` holds each
    declared edition's document."""

    spec: S.FormatSpec
    folder: Path
    edition: str = ""
    editions: dict[str, S.FormatSpec] = field(default_factory=dict, compare=False, hash=False)

    @property
    def id(self) -> str:
        return self.spec.id

    @property
    def edition_names(self) -> list[str]:
        return [e.name for e in self.spec.editions]

    @property
    def edition_spec(self) -> S.Edition:
        """The chosen edition's declaration (its subject and noun for the sentences)."""
        return next((e for e in self.spec.editions if e.name == self.edition), self.spec.editions[0])

    def with_edition(self, name: str | None) -> Format:
        """This format in edition `name` (the first when None or empty); KeyError if it has no such edition."""
        if not name:
            name = self.spec.editions[0].name
        if name == self.edition:
            return self
        return replace(self, spec=self.editions[name], edition=name)

    @property
    def sections_folder(self) -> Path:
        """The section templates that word this format's 情况说明 (generator/formats/text.py)."""
        if self.spec.sections_from:
            from generator.formats import registry

            return registry.get(self.spec.sections_from).sections_folder
        return self.folder / SECTIONS_FOLDER

    @property
    def text_spec(self) -> S.TextSpec:
        """The sentences' amount style and wording options: the format's `text`, and where it writes
        none, those of its `sections_from` (which lends its templates and, unless overridden, these)."""
        if self.spec.sections_from:
            from generator.formats import registry

            return self.spec.text.over(registry.get(self.spec.sections_from).text_spec)
        return self.spec.text

    @property
    def worded_sections(self) -> tuple[str, ...]:
        """The sections the narrative words: those the format places, in the first edition's order,
        then any only another edition places (an edition may leave sections out or place its own)."""
        out: list[str] = []
        for spec in self.editions.values() or [self.spec]:
            out += [name for name in spec.placed_sections() if name not in out]
        return tuple(out)

    @property
    def text_settings(self) -> text.Settings:
        """What the section templates are rendered with, all from format.yaml: the sections worded in
        order, the staff sentence's template ("" when 机构设置 has none), the amount styles and options."""
        words = self.text_spec
        money = text.MoneyStyle(**words.money.model_dump())
        sections = self.worded_sections
        section_money = {
            name: text.MoneyStyle(**{**words.money.model_dump(), **style.explicit()})
            for name, style in words.section_money.items()
            if name in sections  # a lending format's style for a section this one does not place
        }
        return text.Settings(
            sections=sections,
            staff=STAFF_TEMPLATE if self.spec.has_staff else "",
            money=money,
            options=words.options.model_dump(),
            section_money=section_money,
        )


STAFF_TEMPLATE = "staff"  # the staff sentence's template (staff.j2) in the sections folder
OLD_SETTINGS = "settings.toml"  # where a format's text settings were before format.yaml held them: refused

Path_ = tuple[object, ...]


@dataclass
class _Reader:
    """Turns composed YAML nodes into plain values, remembering the line of each path."""

    loader: yaml.SafeLoader
    lines: dict[Path_, int]
    duplicates: list[tuple[int, str]]

    def plain(self, node: yaml.Node, path: Path_ = ()) -> Any:
        self.lines.setdefault(path, node.start_mark.line + 1)
        if isinstance(node, yaml.MappingNode):
            out: dict[object, Any] = {}
            for key_node, value_node in node.value:
                key = self.loader.construct_object(key_node, deep=True)
                line = key_node.start_mark.line + 1
                if key in out:  # PyYAML would keep the last silently
                    first = self.lines[(*path, key)]
                    self.duplicates.append((line, f"“{key}”在第{first}行已经设置过，请删除其中一处"))
                    continue
                self.lines[(*path, key)] = line
                out[key] = self.plain(value_node, (*path, key))
            return out
        if isinstance(node, yaml.SequenceNode):
            return [self.plain(child, (*path, i)) for i, child in enumerate(node.value)]
        return self.loader.construct_object(node, deep=True)


def _visible(loc: tuple[object, ...]) -> tuple[object, ...]:
    """A pydantic error location as a path in the file: without the block type pydantic adds after
    a block's index, e.g. ('parts', 0, 'blocks', 2, 'table', 'kind') → parts.0.blocks.2.kind."""
    return tuple(
        part
        for i, part in enumerate(loc)
        if not (i >= 2 and loc[i - 2] == "blocks" and isinstance(loc[i - 1], int) and part in S.BLOCK_TYPES)
    )


def _line(loc: tuple[object, ...], lines: dict[Path_, int]) -> int:
    """The line of the deepest part of `loc` that is in the file (a missing key: its mapping's)."""
    path = _visible(loc)
    while path and path not in lines:
        path = path[:-1]
    return lines.get(path, 0)


def _where(loc: tuple[object, ...]) -> str:
    return ".".join(str(p) for p in _visible(loc))


class _SectionMoney:
    """Marks `text.section_money`, a mapping of section ids to money styles, in `_allowed_keys`."""


def _allowed_keys(loc: tuple[object, ...]) -> list[str]:
    model: Any = S.FormatSpec
    blocks = {
        "table": S.TableBlock,
        "section": S.SectionBlock,
        "overview": S.OverviewBlock,
        "projects": S.ProjectsBlock,
        "glossary": S.GlossaryBlock,
        "signature": S.SignatureBlock,
    }
    nested = {
        ("FormatSpec", "numbers"): S.Numbers,
        ("FormatSpec", "text"): S.TextSpec,
        ("TextSpec", "money"): S.TextMoney,
        ("TextSpec", "section_money"): _SectionMoney,
        ("TextSpec", "options"): S.TextOptions,
        ("Numbers", "万元"): S.NumberStyle,
        ("Numbers", "元"): S.NumberStyle,
        ("FormatSpec", "editions"): S.Edition,
        ("Edition", "cover"): S.Cover,
        ("FormatSpec", "years"): S.Years,
        ("FormatSpec", "cover"): S.Cover,
        ("FormatSpec", "parts"): S.PartSpec,
        ("TableBlock", "head"): S.HeadCell,
        ("TableBlock", "empty"): S.EmptyTable,
    }
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        if model is S.PartSpec and part == "blocks":
            model = None
            continue
        if model is None and part in blocks:
            model = blocks[part]
            continue
        if model is _SectionMoney:  # text.section_money.<section>: a money style
            model = S.TextMoney
            continue
        model = nested.get((getattr(model, "__name__", ""), part), model)
    if model is None or not hasattr(model, "model_fields"):
        return []
    return [field.alias or name for name, field in model.model_fields.items()]


def _message(err: dict[str, Any]) -> str:
    loc = tuple(err["loc"])
    key = str(loc[-1]) if loc else ""
    kind = err["type"]
    ctx = err.get("ctx") or {}
    where = _where(loc)
    if kind == "extra_forbidden":
        allowed = _allowed_keys(loc)
        close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.5)
        hint = (
            f"，是否应为“{close[0]}”？"
            if close
            else f"。此处可用的设置：{'、'.join(allowed)}"
            if allowed
            else "，请删除"
        )
        return f"不认识的设置“{key}”{hint}"
    if kind == "missing":
        return f"缺少必填的设置“{where}”，请补上"
    if kind == "union_tag_not_found":
        return f"{where} 缺少 type，请写明块的类型（{'、'.join(S.BLOCK_TYPES)}之一）"
    if kind == "union_tag_invalid":
        tag = ctx.get("tag", "")
        close = difflib.get_close_matches(str(tag), S.BLOCK_TYPES, n=1, cutoff=0.5)
        hint = f"，是否应为“{close[0]}”？" if close else ""
        return f"{where}：type“{tag}”不是可用的块类型（{'、'.join(S.BLOCK_TYPES)}）{hint}"
    if kind == "literal_error":
        expected = "、".join(
            v.strip().strip("'") for v in re.split(r",| or ", str(ctx.get("expected", ""))) if v.strip()
        )
        return f"{where} 的值“{err.get('input')}”不可用，应为 {expected} 之一"
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return f"{where} 应为整数，现为“{err.get('input')}”"
    if kind in ("bool_parsing", "bool_type"):
        return f"{where} 应为 true 或 false，现为“{err.get('input')}”"
    if kind in ("string_type",):
        return f"{where} 应为文字，现为“{err.get('input')}”"
    if kind in ("list_type",):
        return f"{where} 应为列表（每项以“- ”开头）"
    if kind in ("model_type", "dict_type", "model_attributes_type"):
        return f"{where} 应为“名称: 值”形式的设置组"
    if kind == "too_short":
        return f"{where} 至少需要一项"
    if kind in ("greater_than_equal", "less_than_equal"):
        bound = ctx.get("ge", ctx.get("le"))
        word = "不小于" if kind == "greater_than_equal" else "不大于"
        return f"{where} 应{word}{bound}，现为“{err.get('input')}”"
    if kind == "string_pattern_mismatch":
        return f"{where}“{err.get('input')}”只能由小写字母、数字和连字符组成，如 xinjiang-2023"
    if kind == "string_too_short":
        return f"{where} 不能为空"
    if kind == "value_error":
        return f"{where}：{ctx.get('error', err['msg'])}"
    return f"{where}：{err['msg']}"


def _misspellings_once(errors: list[Any]) -> list[Any]:
    """A misspelt key is one problem: drop "missing title" when the same mapping has an unknown
    key close to it ("titel"), whose message already suggests the right spelling."""
    unknown = {(tuple(e["loc"][:-1]), str(e["loc"][-1])) for e in errors if e["type"] == "extra_forbidden"}

    def misspelt(e: Any) -> bool:
        parent, key = tuple(e["loc"][:-1]), str(e["loc"][-1])
        return any(p == parent and difflib.get_close_matches(k, [key], n=1, cutoff=0.5) for p, k in unknown)

    return [e for e in errors if not (e["type"] == "missing" and misspelt(e))]


def load_format(folder: Path) -> Format:
    """The format in `folder` (its `format.yaml`); `FormatInvalid` lists every problem."""
    file = Path(folder) / FILE_NAME
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise FormatInvalid([FormatProblem(file, 0, f"找不到格式文件，请在 {folder} 中放入 {FILE_NAME}")]) from None
    except UnicodeDecodeError:
        raise FormatInvalid([FormatProblem(file, 0, "文件不是 UTF-8 编码，请用 UTF-8 保存")]) from None
    reader = _Reader(yaml.SafeLoader(text), {}, [])
    try:
        node = reader.loader.get_single_node()
        data = reader.plain(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 0
        raise FormatInvalid(
            [FormatProblem(file, line, f"YAML 写法有误（{exc.problem or exc.context}），请检查缩进、冒号和引号")]
        ) from None
    finally:
        reader.loader.dispose()
    if data is None:
        raise FormatInvalid([FormatProblem(file, 0, "文件是空的")])
    lines = reader.lines
    duplicates = [FormatProblem(file, line, message) for line, message in reader.duplicates]
    if not isinstance(data, dict):
        raise FormatInvalid([FormatProblem(file, 1, "文件应由“名称: 值”形式的设置组成")])
    try:
        fmt = S.FormatSpec.model_validate(data)
    except ValidationError as exc:
        problems = duplicates + [
            FormatProblem(file, _line(tuple(e["loc"]), lines), _message(e))
            for e in _misspellings_once(exc.errors(include_url=False))
        ]
        raise FormatInvalid(sorted(problems, key=lambda p: p.line)) from None
    section_problems = _section_problems(fmt, Path(folder), file, lines)
    worded = None if section_problems else _worded(fmt, Path(folder))
    problems = list(duplicates)
    editions: dict[str, S.FormatSpec] = {}
    for edition in fmt.editions:
        resolved, where, edition_problems = resolve_edition(data, edition.name, lines)
        for line, message in edition_problems:  # the same in every edition: reported once
            if FormatProblem(file, line, message) not in problems:
                problems.append(FormatProblem(file, line, message))
        if edition_problems:
            continue
        label = "" if len(fmt.editions) == 1 else f"{edition.name}："
        try:
            spec = S.FormatSpec.model_validate(resolved)
        except ValidationError as exc:
            problems += [
                FormatProblem(file, _line(tuple(e["loc"]), where), label + _message(e))
                for e in _misspellings_once(exc.errors(include_url=False))
            ]
            continue
        for path, message in engine_problems(spec, worded):
            problem = FormatProblem(file, where.get(path, 0), label + message)
            if problem not in problems:
                problems.append(problem)
        editions[edition.name] = spec
    problems += section_problems
    problems += _text_problems(fmt, editions, worded, file, lines)
    if problems:
        raise FormatInvalid(sorted(problems, key=lambda p: p.line))
    first = fmt.editions[0].name
    return Format(editions[first], Path(folder), first, editions)


_EDITION_KEYS = ("cover", "file_name", "unit_line")  # an edition's own top-level settings


def resolve_edition(
    data: dict[str, Any], name: str, lines: dict[Path_, int]
) -> tuple[dict[str, Any], dict[Path_, int], list[tuple[int, str]]]:
    """The format file as edition `name` reads it: the edition's cover/file_name/unit_line, each
    part's and block's `by_edition` applied (null: left out), and every `by_edition` removed.

    Returns the data, the line of each of its paths (an overridden setting: its line under
    `by_edition`) and the problems (a `by_edition` naming an undeclared edition)."""
    declared = [e.get("name") for e in data.get("editions") or [] if isinstance(e, dict)]
    where: dict[Path_, int] = {}
    problems: list[tuple[int, str]] = []

    def graft(old: Path_, new: Path_) -> None:
        for path, line in lines.items():
            if path[: len(old)] == old:
                where[new + path[len(old) :]] = line

    def apply(item: Any, old: Path_, new: Path_) -> Any:
        """`item` (a part or block) in this edition; None when the edition leaves it out."""
        if not isinstance(item, dict):
            graft(old, new)
            return item
        by = item.get("by_edition") or {}
        if isinstance(by, dict):
            for key in by:
                if key not in declared:
                    choices = "、".join(str(d) for d in declared)
                    problems.append(
                        (
                            lines.get((*old, "by_edition", key), 0),
                            f"by_edition 中的“{key}”不是本格式声明的版本（{choices}）",
                        )
                    )
            if name in by and by[name] is None:
                return None
        override = by.get(name) if isinstance(by, dict) else None
        out: dict[str, Any] = {}
        where[new] = lines.get(old, 0)
        for key, value in item.items():
            if key == "by_edition":
                continue
            if isinstance(override, dict) and key in override:
                continue
            if key == "blocks" and isinstance(value, list):
                out[key] = _apply_list(value, (*old, key), (*new, key))
            else:
                out[key] = copy.deepcopy(value)
                graft((*old, key), (*new, key))
        if isinstance(override, dict):
            for key, value in override.items():
                out[key] = copy.deepcopy(value)
                graft((*old, "by_edition", name, key), (*new, key))
        return out

    def _apply_list(items: list[Any], old: Path_, new: Path_) -> list[Any]:
        where[new] = lines.get(old, 0)
        kept = []
        for i, item in enumerate(items):
            resolved = apply(item, (*old, i), (*new, len(kept)))
            if resolved is not None:
                kept.append(resolved)
        return kept

    out: dict[str, Any] = {}
    for key, value in data.items():
        if key == "parts" and isinstance(value, list):
            out[key] = _apply_list(value, ("parts",), ("parts",))
        else:
            out[key] = copy.deepcopy(value)
            graft((key,), (key,))
    for e, edition in enumerate(data.get("editions") or []):
        if isinstance(edition, dict) and edition.get("name") == name:
            for key in _EDITION_KEYS:
                if key in edition:
                    out[key] = copy.deepcopy(edition[key])
                    graft(("editions", e, key), (key,))
    where[()] = lines.get((), 1)
    return out, where, problems


def _section_problems(fmt: S.FormatSpec, folder: Path, file: Path, lines: dict[Path_, int]) -> list[FormatProblem]:
    """The section templates must load too: a broken one is refused with the format, at its file and line."""
    from generator.formats import registry

    if fmt.sections_from:
        if fmt.sections_from == fmt.id:
            return [
                FormatProblem(file, lines.get(("sections_from",), 0), "sections_from 不能指向本格式自己，请删除此项")
            ]
        try:
            registry.get(fmt.sections_from)
        except registry.UnknownFormat as exc:
            return [FormatProblem(file, lines.get(("sections_from",), 0), str(exc))]
        except FormatInvalid:
            return [
                FormatProblem(
                    file, lines.get(("sections_from",), 0), f"格式“{fmt.sections_from}”本身有错误，请先修正它"
                )
            ]
        return []
    sections = folder / SECTIONS_FOLDER
    if not sections.is_dir():
        return [
            FormatProblem(
                file, 0, f"找不到情况说明模板文件夹 {sections}；请放入各节模板，或用 sections_from 沿用已安装格式的模板"
            )
        ]
    out = [FormatProblem(sections / p.file, p.line or 0, p.message) for p in text.check_folder(sections)]
    if (sections / OLD_SETTINGS).exists():  # a format folder from before format.yaml held these settings
        out.append(
            FormatProblem(
                sections / OLD_SETTINGS,
                0,
                f"{OLD_SETTINGS} 已不再使用：各节及其顺序由 format.yaml 中 parts 的 section 块决定，金额写法和措辞选项"
                f"写在 format.yaml 的 text 中（见 docs/formats.md 5.7）；请把其中的设置移到 format.yaml 后删除此文件",
            )
        )
    return out


def _worded(fmt: S.FormatSpec, folder: Path) -> tuple[str, ...]:
    """The templates there are (`<name>.j2` in its own `sections/`, or in those of `sections_from`)."""
    from generator.formats import registry

    source = registry.get(fmt.sections_from).sections_folder if fmt.sections_from else folder / SECTIONS_FOLDER
    return tuple(sorted(p.name.removesuffix(text.SUFFIX) for p in source.glob("*" + text.SUFFIX)))


def _text_problems(
    fmt: S.FormatSpec,
    editions: dict[str, S.FormatSpec],
    worded: tuple[str, ...] | None,
    file: Path,
    lines: dict[Path_, int],
) -> list[FormatProblem]:
    """What `text` and the staff sentence need beyond the schema: a section's own amount style names a
    section the format places; 机构设置 with the staff sentence has its template (staff.j2)."""
    out = []
    placed: list[str] = []
    for spec in editions.values():
        placed += [name for name in spec.placed_sections() if name not in placed]
    for name in fmt.text.section_money if editions else ():
        if name not in placed:
            choices = "、".join(placed)
            out.append(
                FormatProblem(
                    file,
                    lines.get(("text", "section_money", name), 0),
                    f"text.section_money 中的“{name}”不是本格式放置的情况说明（{choices}），请改为其中的一节或删除",
                )
            )
    if worded is not None and STAFF_TEMPLATE not in worded and any(e.has_staff for e in editions.values()):
        for p, b, block in fmt.blocks():
            if isinstance(block, S.OverviewBlock) and block.content == "organization":
                at = ("parts", p, "blocks", b)
                out.append(
                    FormatProblem(
                        file,
                        lines.get((*at, "staff"), lines.get(at, 0)),
                        f"机构设置之后的人员情况一句没有文字模板：请在情况说明模板文件夹中放入 {STAFF_TEMPLATE}{text.SUFFIX}，"
                        "或在此块写 staff: false",
                    )
                )
    return out


def engine_problems(fmt: S.FormatSpec, worded: tuple[str, ...] | None = None) -> list[tuple[Path_, str]]:
    """What the schema cannot see: table kinds and sections the engine knows, header grids.

    `worded`: the section templates there are; each placed section needs its own, and is placed at
    most once (None when the templates themselves are broken: those problems are reported instead)."""
    from generator.compute.sections import SECTION_IDS
    from generator.compute.tables import KINDS

    out: list[tuple[Path_, str]] = []
    seen_sections: set[str] = set()
    seen_once: set[str] = set()
    labels: set[str] = set()
    for p, b, block in fmt.blocks():
        at: Path_ = ("parts", p, "blocks", b)
        if isinstance(block, S.TableBlock):
            kind = KINDS.get(block.kind)
            if kind is None:
                close = difflib.get_close_matches(block.kind, list(KINDS), n=1, cutoff=0.4)
                hint = f"是否应为“{close[0]}”？" if close else f"可用的有：{'、'.join(KINDS)}"
                out.append(((*at, "kind"), f"没有“{block.kind}”这种表，{hint}"))
                continue
            problem = head_problem(block.head, kind.columns)
            if problem:
                out.append(((*at, "head"), f"{block.label or block.title}表头：{problem}"))
            if block.label is not None and block.label in labels:
                out.append(((*at, "label"), f"表号“{block.label}”重复，每张表的表号应不同"))
            if block.label is not None:
                labels.add(block.label)
            for label in block.row_labels:
                if label not in kind.labels:
                    fixed = "、".join(f"“{x}”" for x in kind.labels)
                    hint = f"这种表可改写的行有：{fixed}" if fixed else "这种表没有可改写的固定行，请删除 row_labels"
                    out.append(((*at, "row_labels", label), f"{block.label or block.title}没有“{label}”这一行，{hint}"))
            if block.classes is not None and not kind.by_class:
                out.append(((*at, "classes"), f"“{block.kind}”不按功能分类“类”逐行列出支出，请删除 classes"))
            if block.empty and not kind.can_be_empty:
                out.append(((*at, "empty"), f"“{block.kind}”不会是空表，请删除 empty"))
            if kind.document != fmt.document:
                out.append(((*at, "kind"), f"“{block.kind}”是部门{kind.document}的表，不能用于{fmt.document}格式"))
        elif isinstance(block, S.SectionBlock):
            if block.section not in SECTION_IDS:
                close = difflib.get_close_matches(block.section, list(SECTION_IDS), n=1, cutoff=0.4)
                hint = f"是否应为“{close[0]}”？" if close else f"可用的有：{'、'.join(SECTION_IDS)}"
                out.append(((*at, "section"), f"没有“{block.section}”这一节情况说明，{hint}"))
            elif block.section.startswith("final_") != (fmt.document == "决算"):
                out.append(((*at, "section"), f"情况说明“{block.section}”不能用于{fmt.document}格式"))
            elif block.section in seen_sections:
                out.append(((*at, "section"), f"情况说明“{block.section}”出现了两次，每一节只能放一次"))
            elif worded is not None and block.section not in worded:
                out.append(
                    (
                        (*at, "section"),
                        f"情况说明“{block.section}”没有文字模板：请在情况说明模板文件夹中放入 {block.section}.j2，"
                        "或删除此块",
                    )
                )
            seen_sections.add(block.section)
        elif block.type in ("glossary", "signature", "projects") or isinstance(block, S.OverviewBlock):
            key = block.content if isinstance(block, S.OverviewBlock) else block.type
            if key in seen_once:
                out.append(((*at, "type"), f"“{key}”只能放一次"))
            seen_once.add(key)
    return out


def head_problem(head: list[list[S.HeadCell]], columns: int) -> str | None:
    """Why the header rows do not tile a grid of `columns` leaf columns, or None."""
    if not head:
        return "至少需要一行"
    taken = [[False] * columns for _ in head]
    for r, row in enumerate(head):
        c = 0
        for cell in row:
            while c < columns and taken[r][c]:
                c += 1
            if c + cell.cols > columns:
                return f"第{r + 1}行超出了这种表的 {columns} 列"
            if r + cell.rows > len(head):
                return f"第{r + 1}行“{cell.text}”向下合并超出了表头"
            for rr in range(r, r + cell.rows):
                for cc in range(c, c + cell.cols):
                    if taken[rr][cc]:
                        return f"第{r + 1}行“{cell.text}”与上方向下合并的格重叠"
                    taken[rr][cc] = True
            c += cell.cols
        if not all(taken[r]):
            return f"第{r + 1}行只有 {sum(taken[r])} 列，这种表有 {columns} 列"
    return None
