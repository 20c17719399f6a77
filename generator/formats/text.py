"""A format's sentences: sandboxed Jinja text templates that place computed figures.

A folder of section templates (`templates/formats/<id>/sections/`) holds one `.j2` file per
narrative section and shared macros in `_*.j2` files; which sections a document has, their order,
the number style and the wording options are the format's (format.yaml: its section blocks and
`text`, given to the templates as `Settings`). Python computes every figure and every case (增加/减少/持平, zero or
not, new item, with or without a reason); a template only places the figures and chooses among
the cases. `load_sections` refuses a folder whose templates compute (`+ - * / // % **`, unary
minus, filters such as `sum`/`round`/`abs`, method calls) or do not parse, with every problem
located at its file and line and a Chinese message saying how to fix it.

A rendered template is read as paragraphs (see the folder's README.md):

    # 一、…            the section heading
    ## （一）…         a subsection heading; the paragraphs below belong to it
    - 1.…             an item paragraph (numbered lines of a list)
    * 设立的政策依据：…  a field paragraph (the labelled lines of a project)
    text              a body paragraph; the next lines continue it until a blank line
    [项目支出绩效目标表]  the 项目支出绩效目标表 follow the current subsection

Markers count only where the template writes them: every value placed with `{{ }}` is wrapped
in sentinels while the output is read, so a workbook text beginning with `#` or holding a line
break never starts a heading or a paragraph.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import jinja2
from jinja2 import nodes
from jinja2.runtime import Macro
from jinja2.sandbox import SandboxedEnvironment

from generator import formatting as fmt
from generator.model import Paragraph, Subsection

DEFAULT_SECTIONS = Path(__file__).resolve().parents[2] / "templates" / "formats" / "xinjiang-2023" / "sections"
SUFFIX = ".j2"
PERFORMANCE_MARK = "[项目支出绩效目标表]"

# While the output is read, a value placed with {{ }} sits between these two noncharacters (never in text),
# and its line breaks are NEWLINE, so it can neither start a marker nor split a paragraph.
DATA_OPEN = "\ufdd0"
DATA_CLOSE = "\ufdd1"
NEWLINE = "\ufdd2"
_SENTINELS = str.maketrans("", "", DATA_OPEN + DATA_CLOSE + NEWLINE)

ARITHMETIC: dict[type[nodes.Node], str] = {
    nodes.Add: "+",
    nodes.Sub: "-",
    nodes.Mul: "*",
    nodes.Div: "/",
    nodes.FloorDiv: "//",
    nodes.Mod: "%",
    nodes.Pow: "**",
    nodes.Neg: "-",
    nodes.Pos: "+",
}
# Jinja's own filters and tests that compute; named in the message. Any other unknown name is refused too.
ARITHMETIC_FILTERS = frozenset(
    {"sum", "round", "abs", "int", "float", "max", "min", "length", "count", "filesizeformat"}
)
ALLOWED_TESTS = frozenset({"defined", "undefined", "none", "true", "false", "string", "sameas", "eq", "ne", "in"})
FIX = "模板只能放置已计算好的数值、在已计算好的情形之间选择；请改用该节提供的数值（见本文件夹的 README.md）"


@dataclass(frozen=True)
class TextProblem:
    """One problem in a template folder, at its file and (when known) line."""

    file: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.file}第{self.line}行" if self.line else self.file
        return f"{where}：{self.message}"


class TextTemplateError(Exception):
    """A template folder that cannot be used; `problems` lists every problem found."""

    def __init__(self, problems: list[TextProblem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


@dataclass(frozen=True)
class MoneyStyle:
    """How a sentence writes an amount: `1223.12万元` (Xinjiang: 2 decimals always, no separators)."""

    unit: str = "万元"
    decimals: int = 2
    thousands: bool = False
    strip_zeros: bool = False  # 686.00 → 686, 57.80 → 57.8 (also in percentages: 28.00% → 28%)
    drop_zero_fraction: bool = False  # 4,614.00 → 4,614 while 28.50 stays 28.50 (also in percentages)

    def __call__(self, value: Decimal) -> str:
        rounded = value.quantize(Decimal(1).scaleb(-self.decimals), rounding=ROUND_HALF_UP)
        shown = f"{rounded:{',' if self.thousands else ''}.{self.decimals}f}"
        return f"{self.strip(shown)}{self.unit}"

    def strip(self, text: str) -> str:
        """`text` without trailing zeros of its fraction when the style says so."""
        if "." not in text:
            return text
        if self.strip_zeros:
            return text.rstrip("0").rstrip(".")
        whole, fraction = text.split(".", maxsplit=1)
        if self.drop_zero_fraction and not fraction.strip("0"):
            return whole
        return text


@dataclass(frozen=True)
class Settings:
    """What the templates are rendered with, all from the format's format.yaml (`Format.text_settings`):
    the sections worded, in order; the staff sentence's template ("" for none); the amount styles; the options."""

    sections: tuple[str, ...]
    staff: str
    money: MoneyStyle
    options: Mapping[str, Any] = field(default_factory=dict)
    # a section's own amount style (text.section_money in format.yaml: the keys of text.money that differ)
    section_money: Mapping[str, MoneyStyle] = field(default_factory=dict)


@dataclass(frozen=True)
class Rendered:
    """A rendered template read as a section: heading, paragraphs, subsections."""

    heading: str | None
    paragraphs: list[Paragraph]
    subsections: list[Subsection]


class _TemplateText(str):
    """A macro's output: template text whose values are already wrapped."""


class _Environment(SandboxedEnvironment):
    def call(self, context, obj, /, *args, **kwargs):
        result = super().call(context, obj, *args, **kwargs)
        return _TemplateText(result) if isinstance(obj, Macro) else result


def _wrap(value: object) -> str:
    """finalize: a placed value, marked as data while the output is read."""
    if isinstance(value, _TemplateText):
        return value
    text = str(value).translate(_SENTINELS).replace("\r\n", "\n").replace("\n", NEWLINE)
    return f"{DATA_OPEN}{text}{DATA_CLOSE}"


def make_environment(folder: Path, money: MoneyStyle) -> SandboxedEnvironment:
    """The sandbox: strict undefined names, no globals, only the allowed filters."""
    env = _Environment(
        loader=jinja2.FileSystemLoader(str(folder)),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
        finalize=_wrap,
    )
    env.globals.clear()
    env.filters.clear()
    env.filters.update(filters(money))
    env.tests = {name: test for name, test in env.tests.items() if name in ALLOWED_TESTS}
    return env


def filters(money: MoneyStyle) -> dict[str, Callable[..., str]]:
    """The filters a template may use: each formats a computed value, none computes one."""
    return {
        "money": money,  # an amount in the sentence's unit and the format's number style
        "pct": lambda value: f"{money.strip(fmt.percent(value))}%",  # a share or rate computed in Python
        "number": fmt.number,  # a plain number: an area, a count
        "join": join,  # names: 甲、乙、丙, or with `last` 甲、乙和丙
    }


def join(values: list[object], sep: str = "、", last: str | None = None) -> str:
    names = [str(v) for v in values]
    if last is None or len(names) < 2:
        return sep.join(names)
    return f"{sep.join(names[:-1])}{last}{names[-1]}"


def check_source(env: jinja2.Environment, source: str, name: str) -> list[TextProblem]:
    """Parse one template and refuse arithmetic, unknown filters and method calls; every problem located."""
    try:
        tree = env.parse(source, name=name, filename=name)
    except jinja2.TemplateSyntaxError as exc:
        return [
            TextProblem(
                name,
                exc.lineno,
                f"模板语法错误：{exc.message}。请检查 {{% %}}、{{{{ }}}} 是否成对，if/for/macro 是否都有对应的 end 标记",
            )
        ]
    problems = []
    for node in tree.find_all((nodes.BinExpr, nodes.UnaryExpr)):
        op = ARITHMETIC.get(type(node))
        if op:
            problems.append(TextProblem(name, node.lineno, f"模板中不能做算术（“{op}”）。{FIX}"))
    for node in tree.find_all(nodes.Filter):
        if node.name in ARITHMETIC_FILTERS:
            problems.append(TextProblem(name, node.lineno, f"过滤器“{node.name}”会做算术，模板中不能使用。{FIX}"))
        elif node.name not in env.filters:
            allowed = "、".join(env.filters)
            problems.append(TextProblem(name, node.lineno, f"没有名为“{node.name}”的过滤器。可用的过滤器：{allowed}"))
    for node in tree.find_all(nodes.Test):
        if node.name not in env.tests:
            problems.append(TextProblem(name, node.lineno, f"不能使用测试“is {node.name}”。{FIX}"))
    callable_names = {m.name for m in tree.find_all(nodes.Macro)} | {"caller"}
    modules = {i.target for i in tree.find_all(nodes.Import)}
    for imp in tree.find_all(nodes.FromImport):
        callable_names |= {n if isinstance(n, str) else n[1] for n in imp.names}
    for node in tree.find_all(nodes.Call):
        target = node.node
        if isinstance(target, nodes.Name) and target.name in callable_names:
            continue
        if isinstance(target, nodes.Getattr) and isinstance(target.node, nodes.Name) and target.node.name in modules:
            continue
        problems.append(TextProblem(name, node.lineno, f"模板中只能调用宏（macro），不能调用其他函数或方法。{FIX}"))
    return sorted(problems, key=lambda p: p.line or 0)


class SectionTemplates:
    """A checked folder of section templates; `render` reads a template's output as a section."""

    def __init__(self, folder: Path, settings: Settings, env: SandboxedEnvironment) -> None:
        self.folder = folder
        self.settings = settings
        self.env = env
        # sections with their own amount style render in their own sandbox (same templates, other `money`)
        self.envs = {name: make_environment(folder, style) for name, style in settings.section_money.items()}

    def render(self, name: str, context: Mapping[str, Any]) -> Rendered:
        """Render `name` (without .j2) with `context`; a render failure is a located `TextTemplateError`."""
        file = name + SUFFIX
        try:
            text = self.envs.get(name, self.env).get_template(file).render(context)
        except (jinja2.TemplateError, TypeError, ValueError, AttributeError, ArithmeticError) as exc:
            line = _template_line(exc, str(self.folder / file))
            raise TextTemplateError([TextProblem(file, line, _render_message(exc))]) from exc
        return read_output(text, file)

    def macro(self, name: str, macro: str, context: Mapping[str, Any]) -> Callable[..., str]:
        """A macro of template `name` (without .j2) as a function returning its finished text."""
        module = self.env.get_template(name + SUFFIX).make_module(dict(context))
        function = getattr(module, macro)
        return lambda *args: _clean(str(function(*args)))


def _template_line(exc: BaseException, path: str) -> int | None:
    """The template line a render error happened at (Jinja rewrites tracebacks to template lines)."""
    line = None
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == path:
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def _render_message(exc: Exception) -> str:
    if isinstance(exc, jinja2.UndefinedError):
        return f"模板使用了该节没有提供的数值（{exc.message}）。请改用该节提供的数值（见本文件夹的 README.md）"
    return (
        f"模板无法生成文字（{exc}）。请检查此行使用的数值在各种情形下都存在"
        "（如上年为0时没有增减率 rate），并用 {% if %} 只在有值的情形中使用它"
    )


def read_output(text: str, file: str) -> Rendered:
    """Read a rendered template as heading, paragraphs and subsections (grammar in the module docstring)."""
    heading: str | None = None
    top: list[Paragraph] = []
    subs: list[tuple[str, list[Paragraph], list[bool]]] = []
    problems: list[TextProblem] = []
    style: str | None = None
    parts: list[str] = []

    def flush() -> None:
        nonlocal style, parts
        if style is not None:
            target = subs[-1][1] if subs else top
            target.append(Paragraph(text=_clean("".join(parts)), style=style))  # type: ignore[arg-type]
        style, parts = None, []

    for raw in text.split("\n"):
        line = raw.strip()
        if not line:
            flush()
        elif line.startswith("## "):
            flush()
            subs.append((_clean(line[3:].strip()), [], [False]))
        elif line.startswith("# "):
            flush()
            if heading is not None or subs or top:
                problems.append(TextProblem(file, None, "标题（# 开头的行）只能有一个，并且必须在最前面"))
            heading = _clean(line[2:].strip())
        elif line == PERFORMANCE_MARK:
            flush()
            if not subs:
                problems.append(TextProblem(file, None, f"{PERFORMANCE_MARK}只能写在某个小节（## 开头的行）之下"))
            else:
                subs[-1][2][0] = True
        elif line.startswith("- "):
            flush()
            style, parts = "item", [line[2:].strip()]
        elif line.startswith("* "):
            flush()
            style, parts = "field", [line[2:].strip()]
        else:
            if style is None:
                style = "body"
            parts.append(line)
    flush()
    if problems:
        raise TextTemplateError(problems)
    return Rendered(
        heading=heading,
        paragraphs=top,
        subsections=[Subsection(heading=h, paragraphs=p, performance_tables=flag[0]) for h, p, flag in subs],
    )


def _clean(text: str) -> str:
    return text.replace(NEWLINE, "\n").translate(_SENTINELS)


def default_settings() -> Settings:
    """The settings of xinjiang-2023, whose templates are `DEFAULT_SECTIONS` (from its format.yaml)."""
    from generator.formats import registry

    return registry.get("xinjiang-2023").text_settings


def check_folder(folder: Path, settings: Settings | None = None) -> list[TextProblem]:
    """Every problem of a template folder, collected (an empty list: the folder can be used): each
    template parses and only places values; with `settings`, the templates they name are there."""
    if not folder.is_dir():
        return [TextProblem(str(folder), None, "找不到章节模板文件夹，请检查路径")]
    env = make_environment(folder, settings.money if settings else MoneyStyle())
    problems = []
    for path in sorted(folder.glob("*" + SUFFIX)):
        problems += check_source(env, path.read_text(encoding="utf-8"), path.name)
    for name in [*settings.sections, *([settings.staff] if settings.staff else [])] if settings else []:
        if not (folder / (name + SUFFIX)).is_file():
            problems.append(
                TextProblem(
                    name + SUFFIX, None, f"找不到模板文件 {name}{SUFFIX}：格式放置了这一节，请放入该模板或删除该块"
                )
            )
    return problems


def load_sections(folder: Path, settings: Settings | None = None) -> SectionTemplates:
    """The checked templates of `folder`, rendered with `settings` (the format's `Format.text_settings`;
    default: xinjiang-2023's); raises `TextTemplateError` listing every problem."""
    settings = settings or default_settings()
    files = sorted(folder.iterdir()) if folder.is_dir() else []
    key = (
        tuple((p.name, p.stat().st_mtime_ns, p.stat().st_size) for p in files if p.is_file()),
        settings.sections,
        settings.staff,
        settings.money,
        tuple(sorted(settings.options.items())),
        tuple(sorted(settings.section_money.items())),
    )
    return _load_cached(folder.resolve(), key, settings)


def _load_cached(folder: Path, key: tuple, settings: Settings) -> SectionTemplates:
    cached = _CACHE.get((folder, key[1:]))
    if cached is not None and cached[0] == key:
        return cached[1]
    problems = check_folder(folder, settings)
    if problems:
        raise TextTemplateError(problems)
    templates = SectionTemplates(folder, settings, make_environment(folder, settings.money))
    _CACHE[(folder, key[1:])] = (key, templates)
    return templates


_CACHE: dict[tuple[Path, tuple], tuple[tuple, SectionTemplates]] = {}
