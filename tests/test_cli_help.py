"""`disclosure --help`, every subcommand's help and argparse's own errors are Chinese."""

from __future__ import annotations

import re

import pytest

from generator import cli
from generator.argparse_zh import ChineseArgumentParser, display_width

# ASCII words allowed in help: option names, command names, format names, file types, the program name.
ALLOWED = {
    "disclosure", "h", "help", "version", "new", "check", "prepare", "build", "dump", "year", "force", "json",
    "annotate", "o", "output", "format", "all", "docx", "pdf", "html", "xlsx", "DOCX", "PDF", "JSON", "HTML",
    # subcommands and options added with the revision loop, batch builds and the web application
    "diff", "rollover", "keep", "items", "prior", "serve", "host", "port", "data", "j", "jobs", "timeout", "memory",
    "MiB", "CPU", "README",
    # the environment variable and the example data folder that `serve --help` names
    "DISCLOSURE", "DATA", "var", "lib",
    # the 科目 catalog command and its options (issue 17)
    "catalog", "import", "list", "show", "kind", "function", "econ", "code", "column", "name", "by", "csv", "catalogs",
    "XLSX", "CSV",
    # document formats: the command, its environment variable, the file type and the default format's name
    "formats", "FORMATS", "yaml", "xinjiang",
    # new --edition: the format's edition (部门版 / 单位版)
    "edition",
    # the distributed job queue's worker
    "worker", "builds", "checks",
    # the 预算 → 决算 workbook command and the default 决算 format's name (issue 20)
    "final", "from", "budget", "shanghai", "putuo",
}  # fmt: skip
ENGLISH = re.compile(r"[A-Za-z]+")


def subcommands() -> list[str]:
    parser = cli.build_parser()
    action = next(a for a in parser._actions if a.dest == "command")
    return list(action.choices)


def help_text(capsys, argv: list[str]) -> str:
    with pytest.raises(SystemExit) as exc:
        cli.main(argv)
    assert exc.value.code == 0
    return capsys.readouterr().out


@pytest.mark.parametrize(
    "argv",
    [["--help"]]
    + [[name, "--help"] for name in subcommands()]
    + [["catalog", name, "--help"] for name in ("import", "list", "show")],
)
def test_help_is_chinese_with_example(capsys, argv):
    text = help_text(capsys, argv)
    assert text.startswith("用法：disclosure")
    assert "选项：" in text and "显示本帮助并退出" in text
    words = set(ENGLISH.findall(text)) - ALLOWED
    assert not words, f"English words in {' '.join(argv)}: {sorted(words)}"
    examples = [line for line in text.splitlines() if line.startswith("示例：disclosure ")]
    assert len(examples) == 1, text
    if argv != ["--help"]:
        assert examples[0].startswith(f"示例：disclosure {argv[0]} ")
        if argv[0] not in ("serve", "formats", "worker") and argv[1:2] != ["list"]:  # no positional arguments
            assert "位置参数：" in text


def test_help_columns_align_for_chinese(capsys):
    text = help_text(capsys, ["build", "--help"])
    starts = set()
    for line in text.splitlines():
        match = re.match(r"^  (\S.*?\S)  +(\S.*)$", line)
        if match and not line.startswith("   "):
            starts.add(display_width(line) - display_width(match.group(2)))
    assert len(starts) == 1, text  # every help text starts in the same terminal column


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["build"], "disclosure build：错误：缺少必填参数：工作簿"),
        (["frob"], "无效的选项值：'frob'"),
        (["new", "a.xlsx", "--year", "abc"], "参数 --year：无效的整数值：'abc'"),
        (["check", "a.xlsx", "--bogus"], "无法识别的参数：--bogus"),
        (["build", "a.xlsx", "--format"], "参数 --format：需要一个值"),
    ],
)
def test_argparse_errors_are_chinese(capsys, argv, expected):
    with pytest.raises(SystemExit) as exc:
        cli.main(argv)
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("用法：")
    assert expected in err
    assert "error" not in err and "usage" not in err


def test_subcommands_added_later_are_chinese_for_free(capsys):
    """A subcommand another module adds (e.g. diff) needs nothing beyond Chinese help strings."""
    parser = ChineseArgumentParser(prog="disclosure")
    sub = parser.add_subparsers(dest="command", metavar="命令", required=True)
    p = sub.add_parser("diff", help="比较两个工作簿", epilog="示例：disclosure diff 旧.xlsx 新.xlsx")
    p.add_argument("old", metavar="旧工作簿")
    p.add_argument("--limit", type=int)
    text = p.format_help()
    assert text.startswith("用法：disclosure diff [-h] [--limit 值] 旧工作簿")
    assert "位置参数：" in text and "选项：" in text and "显示本帮助并退出" in text
    with pytest.raises(SystemExit):
        parser.parse_args(["diff", "a", "--limit", "x"])
    assert "无效的整数值：'x'" in capsys.readouterr().err


def test_other_parsers_keep_english():
    import argparse

    ChineseArgumentParser(prog="x").format_help()
    assert "usage:" in argparse.ArgumentParser(prog="y").format_help()
