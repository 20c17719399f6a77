"""Argparse that speaks Chinese: its own words (usage, headings, errors) included.

argparse looks its messages up through the module globals `_` and `ngettext` at the moment
it uses them. `ChineseArgumentParser` swaps those two for a translating lookup while any
of its methods runs, and puts them back afterwards, so other parsers in the process are
unaffected. Subparsers made with `add_subparsers().add_parser()` are of the parent's class,
so every subcommand anyone adds (diff, rollover, serve, …) is translated with no extra code.

Use:
    parser = ChineseArgumentParser(prog="disclosure", description="…", epilog="示例：…")
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import re
import threading
import unicodedata
from collections.abc import Iterator

# argparse's msgids (CPython 3.10–3.13) → Simplified Chinese. Unknown ids pass through.
MESSAGES: dict[str, str] = {
    "usage: ": "用法：",
    "positional arguments": "位置参数",
    "options": "选项",
    "optional arguments": "选项",
    "show this help message and exit": "显示本帮助并退出",
    "show program's version number and exit": "显示版本号并退出",
    "%(prog)s: error: %(message)s\n": "%(prog)s：错误：%(message)s\n",
    "the following arguments are required: %s": "缺少必填参数：%s",
    "unrecognized arguments: %s": "无法识别的参数：%s",
    "invalid choice: %(value)r (choose from %(choices)s)": "无效的选项值：%(value)r（可选：%(choices)s）",
    "argument %(argument_name)s: %(message)s": "参数 %(argument_name)s：%(message)s",
    "invalid %(type)s value: %(value)r": "无效的%(type)s值：%(value)r",
    "expected one argument": "需要一个值",
    "expected at most one argument": "最多需要一个值",
    "expected at least one argument": "至少需要一个值",
    "ambiguous option: %(option)s could match %(matches)s": "选项不明确：%(option)s 可能是 %(matches)s",
    "not allowed with argument %s": "不能与参数 %s 同时使用",
    "one of the arguments %s is required": "参数 %s 必须填写其中一个",
    "ignored explicit argument %r": "忽略了多余的值 %r",
    "can't open '%(filename)s': %(error)s": "无法打开“%(filename)s”：%(error)s",
    "unknown parser %(parser_name)r (choices: %(choices)s)": "未知命令 %(parser_name)r（可用：%(choices)s）",
    'argument "-" with mode %r': "参数“-”不能以 %r 方式打开",
    "unexpected option string: %s": "意外的选项：%s",
    "sub-commands": "命令",
    "subcommands": "命令",
}
PLURALS: dict[str, str] = {
    "expected %s argument": "需要 %s 个值",
    "expected %s arguments": "需要 %s 个值",
    "conflicting option string: %s": "选项冲突：%s",
    "conflicting option strings: %s": "选项冲突：%s",
}
# Type names argparse puts into "invalid %(type)s value".
TYPE_NAMES = {"int": "整数", "float": "数字", "str": "文字"}


def translate(message: str) -> str:
    return MESSAGES.get(message, message)


def translate_plural(singular: str, plural: str, n: int) -> str:
    chosen = singular if n == 1 else plural
    return PLURALS.get(chosen, chosen)


_lock = threading.RLock()


@contextlib.contextmanager
def chinese() -> Iterator[None]:
    """While the block runs, argparse's message lookups return Chinese."""
    with _lock:
        saved = argparse._, argparse.ngettext  # type: ignore[attr-defined]
        argparse._, argparse.ngettext = translate, translate_plural  # type: ignore[attr-defined]
        try:
            yield
        finally:
            argparse._, argparse.ngettext = saved  # type: ignore[attr-defined]


def _in_chinese(method):
    @functools.wraps(method)
    def wrapper(*args, **kwargs):
        with chinese():
            return method(*args, **kwargs)

    return wrapper


def display_width(text: str) -> int:
    """Terminal columns of `text`: East Asian wide and fullwidth characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


TOKENS = re.compile(r"[!-~]+|.")
NO_LINE_START = ")]}，。、；：！？）】》”’"


class ChineseHelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Aligns and wraps by terminal columns (a Chinese character is two columns wide),
    keeps the epilog's line breaks (one example per line), and ends headings with "："."""

    def __init__(self, prog: str, indent_increment: int = 2, max_help_position: int = 30, width=None) -> None:
        super().__init__(prog, indent_increment, max_help_position, width)

    def _get_default_metavar_for_optional(self, action: argparse.Action) -> str:
        return "值"

    def start_section(self, heading):
        # argparse appends an ASCII colon to the heading; a trailing marker lets format_help swap it.
        super().start_section(f"{heading}\x00" if heading else heading)

    def format_help(self) -> str:
        return super().format_help().replace("\x00:", "：")

    def add_argument(self, action: argparse.Action) -> None:
        if action.help is not argparse.SUPPRESS:
            invocations = [self._format_action_invocation(action)]
            invocations += [self._format_action_invocation(s) for s in self._iter_indented_subactions(action)]
            length = max(map(display_width, invocations)) + self._current_indent
            self._action_max_length = max(self._action_max_length, length)
            self._add_item(self._format_action, [action])

    def _split_lines(self, text: str, width: int) -> list[str]:
        lines: list[str] = []
        line = ""
        # ASCII words (option names, paths, file types) stay whole; CJK breaks between characters
        for token in TOKENS.findall(" ".join(text.split())):
            # a closing mark never starts a line (it may overhang by one column instead)
            if line and display_width(line + token) > width and token not in NO_LINE_START:
                lines.append(line.rstrip())
                line = token.lstrip()
            else:
                line += token
        lines.append(line)
        return lines

    def _format_action(self, action: argparse.Action) -> str:
        help_position = min(self._action_max_length + 2, self._max_help_position)
        help_width = max(self._width - help_position, 11)
        action_width = help_position - self._current_indent - 2
        header = self._format_action_invocation(action)
        indent = " " * self._current_indent
        if not action.help:
            parts = [f"{indent}{header}\n"]
        else:
            if display_width(header) <= action_width:
                parts = [indent + header + " " * (action_width - display_width(header) + 2)]
                indent_first = 0
            else:
                parts = [f"{indent}{header}\n"]
                indent_first = help_position
            help_text = self._expand_help(action) if action.help.strip() else ""
            if help_text:
                help_lines = self._split_lines(help_text, help_width)
                parts.append(" " * indent_first + help_lines[0] + "\n")
                parts += [" " * help_position + line + "\n" for line in help_lines[1:]]
            elif not parts[0].endswith("\n"):
                parts.append("\n")
        for subaction in self._iter_indented_subactions(action):
            parts.append(self._format_action(subaction))
        return self._join_parts(parts)


class ChineseArgumentParser(argparse.ArgumentParser):
    """An ArgumentParser whose own texts and errors are Chinese (see the module docstring)."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("formatter_class", ChineseHelpFormatter)
        with chinese():
            super().__init__(*args, **kwargs)

    @_in_chinese
    def add_argument(self, *args, **kwargs) -> argparse.Action:
        action = super().add_argument(*args, **kwargs)
        if isinstance(action.help, str):  # defaults such as the version action's are plain English
            action.help = translate(action.help)
        return action

    add_subparsers = _in_chinese(argparse.ArgumentParser.add_subparsers)
    add_argument_group = _in_chinese(argparse.ArgumentParser.add_argument_group)
    parse_args = _in_chinese(argparse.ArgumentParser.parse_args)
    parse_known_args = _in_chinese(argparse.ArgumentParser.parse_known_args)
    parse_intermixed_args = _in_chinese(argparse.ArgumentParser.parse_intermixed_args)
    parse_known_intermixed_args = _in_chinese(argparse.ArgumentParser.parse_known_intermixed_args)
    format_usage = _in_chinese(argparse.ArgumentParser.format_usage)
    format_help = _in_chinese(argparse.ArgumentParser.format_help)

    def error(self, message: str):  # type: ignore[override]
        with chinese():
            for english, chinese_name in TYPE_NAMES.items():
                message = message.replace(f"invalid {english} value", f"无效的{chinese_name}值")
                message = message.replace(f"无效的{english}值", f"无效的{chinese_name}值")
            self.print_usage(argparse._sys.stderr)  # type: ignore[attr-defined]
            hint = f"运行 {self.prog} -h 查看帮助。"
            self.exit(
                2, translate("%(prog)s: error: %(message)s\n") % {"prog": self.prog, "message": message} + hint + "\n"
            )
