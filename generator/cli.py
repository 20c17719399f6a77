"""The `disclosure` command: new, check, prepare, build, dump.

Messages are Chinese; the exit status is 0 when the workbook has no errors, 1 when it
has errors (or a file could not be written), 2 on an internal error.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TextIO

from generator import __version__
from generator.argparse_zh import ChineseArgumentParser
from generator.issues import Issue, format_issue, has_errors
from generator.output import atomic_path, write_bytes
from generator.pipeline import Result, run
from generator.progress import Progress

EXIT_OK, EXIT_ISSUES, EXIT_INTERNAL = 0, 1, 2
FORMAT_CHOICES = ("all", "docx", "pdf", "html")


def _print_issues(result: Result, stream: TextIO | None = None) -> None:
    stream = stream or sys.stdout
    name = result.path.name
    for issue in result.issues:
        print(format_issue(issue, name), file=stream)
    errors = sum(1 for i in result.issues if i.is_error)
    warnings = len(result.issues) - errors
    if errors:
        print(f"{name}：发现{errors}个错误、{warnings}个警告。请按提示修改后重新检查。", file=stream)
    elif warnings:
        print(f"{name}：检查通过，有{warnings}个警告，请确认。", file=stream)
    else:
        print(f"{name}：检查通过，没有发现问题。", file=stream)


def issues_json(path: Path, issues: list[Issue]) -> dict:
    errors = sum(1 for i in issues if i.is_error)
    return {
        "file": str(path),
        "errors": errors,
        "warnings": len(issues) - errors,
        "issues": [i.model_dump(mode="json") | {"location": i.location} for i in issues],
    }


def cmd_new(args: argparse.Namespace) -> int:
    from generator.workbook.template import write_workbook

    path = Path(args.path)
    if path.exists() and not args.force:
        print(f"文件已存在：{path}。为避免覆盖已填写的内容，请换一个文件名，或加 --force 覆盖。", file=sys.stderr)
        return EXIT_ISSUES
    if path.suffix.lower() != ".xlsx":
        print(f"请使用 .xlsx 作为文件扩展名：{path}", file=sys.stderr)
        return EXIT_ISSUES
    try:
        with atomic_path(path) as tmp:
            write_workbook(tmp, None, year=args.year)
    except OSError as exc:
        print(f"无法写入 {path}：{exc.strerror or exc}。请检查文件夹是否存在、是否有写入权限。", file=sys.stderr)
        return EXIT_ISSUES
    print(f"已生成空白填报工作簿：{path}")
    print("填写完成后运行：disclosure check " + str(path))
    return EXIT_OK


def cmd_check(args: argparse.Namespace) -> int:
    workbook = Path(args.workbook)
    annotated = Path(args.annotate) if args.annotate else None
    if annotated is not None and _same_file(annotated, workbook):
        print(
            f"--annotate 的输出文件不能是被检查的工作簿本身（{annotated}），请换一个文件名，如 问题标注.xlsx。",
            file=sys.stderr,
        )
        return EXIT_ISSUES
    result = run(workbook)
    if args.json:
        print(json.dumps(issues_json(result.path, result.issues), ensure_ascii=False, indent=1))
    else:
        _print_issues(result)
    status = EXIT_ISSUES if has_errors(result.issues) else EXIT_OK
    if annotated is not None:
        from generator.annotate import annotate

        try:
            annotate(workbook, result.issues, annotated)
        except OSError as exc:
            print(
                f"无法写入标注工作簿 {annotated}：{exc.strerror or exc}。请检查文件夹是否存在、是否有写入权限、"
                "文件是否正在被Excel打开。",
                file=sys.stderr,
            )
            return EXIT_ISSUES
        print(
            f"已写入标注工作簿：{annotated}（第一张表“问题清单”列出全部问题，问题单元格已标色并附批注）",
            file=sys.stderr if args.json else sys.stdout,
        )
    return status


def _same_file(a: Path, b: Path) -> bool:
    try:
        if a.exists() and b.exists():
            return a.samefile(b)
        return a.resolve() == b.resolve()
    except OSError:
        return False


def cmd_dump(args: argparse.Namespace) -> int:
    result = run(Path(args.workbook))
    _print_issues(result, sys.stderr)
    if not result.ok or result.disclosure is None:
        print("工作簿有错误，未生成 JSON。", file=sys.stderr)
        return EXIT_ISSUES
    data = json.dumps(result.disclosure.model_dump(mode="json"), ensure_ascii=False, indent=1).encode("utf-8")
    if args.output == "-":
        sys.stdout.write(data.decode("utf-8") + "\n")
        return EXIT_OK
    out = Path(args.output) if args.output else Path("output") / f"{result.disclosure.file_stem}.json"
    try:
        write_bytes(out, data)
    except OSError as exc:
        print(f"无法写入 {out}：{exc.strerror or exc}。请检查输出文件夹是否可写。", file=sys.stderr)
        return EXIT_ISSUES
    print(f"已写入：{out}", file=sys.stderr)
    return EXIT_OK


def cmd_build(args: argparse.Namespace) -> int:
    from generator.build import FORMATS, build

    formats = FORMATS if args.format == "all" else (args.format,)
    out_dir = Path(args.output)
    progress = Progress(sys.stderr, expected_pages=_last_page_count(out_dir, Path(args.workbook)))
    try:
        with progress.pdf_pages():
            outcome = build(Path(args.workbook), out_dir, formats, stage=progress.stage)
    except OSError as exc:
        print(
            f"无法写入输出文件夹 {out_dir}：{exc.strerror or exc}。请检查文件夹是否存在、是否有写入权限、磁盘是否已满。"
            "已有的输出文件没有被改动。",
            file=sys.stderr,
        )
        return EXIT_ISSUES
    except Exception as exc:  # a renderer refusing (e.g. no CJK font): its message is for the officer
        from generator.render.pdf import MissingFontError

        if isinstance(exc, MissingFontError):
            print(f"{exc}。已有的输出文件没有被改动。", file=sys.stderr)
            return EXIT_ISSUES
        raise
    _print_issues(outcome.result)
    if not outcome.written:
        print("工作簿有错误，没有生成任何文件（已有的输出文件没有被改动）。", file=sys.stderr)
        return EXIT_ISSUES
    for path in outcome.written:
        print(f"已生成：{path}")
    return EXIT_OK


def _last_page_count(out_dir: Path, workbook: Path) -> int:
    """Pages of the newest PDF in `out_dir` (the previous build), for the progress bar; 0 if none."""
    if not sys.stderr.isatty():
        return 0
    try:
        newest = max(out_dir.glob("*.pdf"), key=lambda p: p.stat().st_mtime, default=None)
        if newest is None:
            return 0
        return len(re.findall(rb"/Type\s*/Page[^s]", newest.read_bytes()))
    except OSError:
        return 0


def cmd_prepare(args: argparse.Namespace) -> int:
    from generator.prepare import prepare

    return prepare(Path(args.workbook), Path(args.output) if args.output else None)


def build_parser() -> argparse.ArgumentParser:
    parser = ChineseArgumentParser(
        prog="disclosure",
        description="部门预算公开生成工具：填写工作簿 → 检查 → 生成公开文件。",
        epilog="示例：disclosure build 我的单位2023.xlsx",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="命令", required=True)

    p = sub.add_parser(
        "new",
        help="生成空白填报工作簿",
        description="生成空白填报工作簿。",
        epilog="示例：disclosure new 我的单位2023.xlsx",
    )
    p.add_argument("path", metavar="工作簿", help="新工作簿的路径，如 我的单位2023.xlsx")
    p.add_argument("--year", type=int, default=2023, metavar="年度", help="预算年度（决定科目代码表），默认2023")
    p.add_argument("--force", action="store_true", help="文件已存在时覆盖")
    p.set_defaults(func=cmd_new)

    p = sub.add_parser(
        "check",
        help="检查工作簿，列出所有问题（含单元格位置）",
        description="检查工作簿，列出所有问题（含单元格位置）。",
        epilog="示例：disclosure check 我的单位2023.xlsx --annotate 问题标注.xlsx",
    )
    p.add_argument("workbook", metavar="工作簿", help="要检查的工作簿（.xlsx）")
    p.add_argument("--json", action="store_true", help="以 JSON 输出问题列表")
    p.add_argument(
        "--annotate",
        metavar="标注副本.xlsx",
        help="另存一份标注了问题的工作簿：问题单元格标色并附批注，第一张表列出全部问题",
    )
    p.set_defaults(func=cmd_check)

    p = sub.add_parser(
        "prepare",
        help="在“上年对比”“类用途说明”表中补全公开文件需要的行",
        description="在“上年对比”“类用途说明”表中补全公开文件需要的行。",
        epilog="示例：disclosure prepare 我的单位2023.xlsx",
    )
    p.add_argument("workbook", metavar="工作簿", help="要补全的工作簿（.xlsx）")
    p.add_argument("-o", "--output", metavar="文件", help="写入另一个文件（默认直接更新原工作簿，并保留备份）")
    p.set_defaults(func=cmd_prepare)

    p = sub.add_parser(
        "build",
        help="检查并生成公开文件（DOCX 和 PDF，可选 HTML 网页）",
        description="检查工作簿并生成公开文件。",
        epilog="示例：disclosure build 我的单位2023.xlsx -o 公开文件 --format pdf",
    )
    p.add_argument("workbook", metavar="工作簿", help="已填写的工作簿（.xlsx）")
    p.add_argument("-o", "--output", default="output", metavar="文件夹", help="输出文件夹，默认 output/")
    p.add_argument(
        "--format",
        choices=FORMAT_CHOICES,
        default="all",
        metavar="格式",
        help="生成的格式：all（DOCX 和 PDF，默认）、docx、pdf、html（可直接发布到单位网站的网页）",
    )
    p.set_defaults(func=cmd_build)

    p = sub.add_parser(
        "dump",
        help="把计算出的完整公开内容写成 JSON（供核对）",
        description="把计算出的完整公开内容写成 JSON（供核对）。",
        epilog="示例：disclosure dump 我的单位2023.xlsx -o -",
    )
    p.add_argument("workbook", metavar="工作簿", help="已填写的工作簿（.xlsx）")
    p.add_argument(
        "-o", "--output", metavar="文件", help="输出文件，默认 output/{单位全称}{年}年部门预算公开.json；“-”表示屏幕"
    )
    p.set_defaults(func=cmd_dump)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    func: Callable[[argparse.Namespace], int] = args.func
    try:
        return func(args)
    except KeyboardInterrupt:
        print("已中断，未写入任何文件。", file=sys.stderr)
        return 130
    except Exception:
        print(
            "内部错误：程序遇到了意外情况，已停止，未写入任何文件。请把工作簿和下面的信息发给技术支持：",
            file=sys.stderr,
        )
        traceback.print_exc(limit=3)
        return EXIT_INTERNAL


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
