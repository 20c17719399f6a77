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
from generator.catalog import UnknownYearError, available_years, load_catalog
from generator.issues import Issue, format_issue, has_errors
from generator.lifecycle import EXIT_TERMINATED, Terminated, sigterm_raises
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
        catalog = load_catalog(args.year)
    except UnknownYearError:
        years = "、".join(f"{y}年" for y in available_years())
        print(
            f"没有{args.year}年的科目代码表（现有：{years}），无法生成{args.year}年的工作簿。"
            f"请使用 --year {available_years()[0]} 或更晚的年份。",
            file=sys.stderr,
        )
        return EXIT_ISSUES
    if catalog.year != args.year:
        print(
            f"注意：没有{args.year}年的科目代码表，工作簿使用{catalog.year}年的科目代码表；"
            f"{args.year}年新增或调整的科目请在“补充科目”表填写。",
            file=sys.stderr,
        )
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
    names = _output_names(result)
    if args.json:
        report = issues_json(result.path, result.issues)
        if names:
            report["output_files"] = names
        print(json.dumps(report, ensure_ascii=False, indent=1))
    else:
        _print_issues(result)
        if names:
            print("生成的文件名：" + "、".join(names))
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


def _output_names(result: Result) -> list[str]:
    """The file names `build` will write for this workbook (once it has no errors)."""
    if result.disclosure is None:
        return []
    from generator.build import FORMATS, output_name

    return [output_name(result.disclosure, fmt) for fmt in FORMATS]


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
    try:
        if args.output:
            out = Path(args.output)  # the officer's own choice of path
        else:
            from generator.build import output_paths

            out = output_paths(result.disclosure, Path("output"), ("json",))["json"]
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
    paths = [Path(w) for w in args.workbook]
    if len(paths) > 1 or paths[0].is_dir():
        return cmd_build_batch(args, paths, formats, out_dir)
    progress = Progress(sys.stderr, expected_pages=_last_page_count(out_dir, paths[0]))
    try:
        with progress.pdf_pages():
            outcome = build(paths[0], out_dir, formats, stage=progress.stage)
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


def cmd_build_batch(args: argparse.Namespace, paths: list[Path], formats: tuple[str, ...], out_dir: Path) -> int:
    """Several workbooks or folders: a pool of warm workers, progress on a terminal, a summary table."""
    from generator.batch import BatchOptions, collect_workbooks, run_batch, summary

    workbooks, problems = collect_workbooks(paths)
    for problem in problems:
        print(problem, file=sys.stderr)
    if not workbooks:
        print("没有可生成的工作簿。", file=sys.stderr)
        return EXIT_ISSUES
    options = BatchOptions(
        out_dir,
        formats,
        workers=args.jobs,
        job_timeout=args.timeout or None,
        memory_limit=args.memory * 2**20 if args.memory else None,
    )
    try:
        outcomes = run_batch(workbooks, options)
    except KeyboardInterrupt:
        print(
            "\n已中断：已经完成的单位的文件已生成；未完成的单位没有写入任何文件（已有的输出文件没有被改动）。",
            file=sys.stderr,
        )
        return 130
    print(summary(outcomes))
    return EXIT_ISSUES if problems or not all(o.ok for o in outcomes) else EXIT_OK


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"应为整数：{text}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"不能为负数：{text}")
    return value


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

    return prepare(
        Path(args.workbook),
        Path(args.output) if args.output else None,
        Path(args.prior_json) if args.prior_json else None,
    )


def cmd_diff(args: argparse.Namespace) -> int:
    from generator.diff import WorkbookHasErrors, compare_workbooks
    from generator.diff_outputs import write_diff_outputs
    from generator.render.diff_report import summary_lines

    try:
        report, old, new = compare_workbooks(Path(args.old), Path(args.new))
    except WorkbookHasErrors as exc:
        _print_issues(exc.result, sys.stderr)
        print(f"{exc.result.path.name} 无法计算，不能比较。请先按上面的提示修改。", file=sys.stderr)
        return EXIT_ISSUES
    out_dir = Path(args.output)
    try:
        written, report = write_diff_outputs(report, old, new, out_dir)
    except OSError as exc:
        print(f"无法写入输出文件夹 {out_dir}：{exc.strerror or exc}。请检查文件夹是否可写。", file=sys.stderr)
        return EXIT_ISSUES
    info = sys.stderr if args.json else sys.stdout
    if args.json:
        print(json.dumps(report.model_dump(mode="json"), ensure_ascii=False, indent=1))
    else:
        print("\n".join(summary_lines(report)))
    for path in written:
        print(f"已生成：{path}", file=info)
    return EXIT_OK


def cmd_rollover(args: argparse.Namespace) -> int:
    from generator.rollover import RolloverError, rollover

    source, target = Path(args.workbook), Path(args.next)
    if _same_file(source, target):
        print("新年度工作簿不能覆盖本年工作簿，请换一个文件名。", file=sys.stderr)
        return EXIT_ISSUES
    if target.exists() and not args.force:
        print(f"文件已存在：{target}。为避免覆盖，请换一个文件名，或加 --force 覆盖。", file=sys.stderr)
        return EXIT_ISSUES
    try:
        outcome = rollover(source, target, keep_items=args.keep_items)
    except RolloverError as exc:
        _print_issues(exc.result, sys.stderr)
        print(f"{source.name} 有错误，无法生成下一年度工作簿。请先修改到 disclosure check 通过。", file=sys.stderr)
        return EXIT_ISSUES
    except OSError as exc:
        print(f"无法写入 {target}：{exc.strerror or exc}。请检查文件夹是否存在、是否有写入权限。", file=sys.stderr)
        return EXIT_ISSUES
    for issue in outcome.warnings:
        print(format_issue(issue, target.name))
    print(f"已生成{outcome.year}年工作簿：{target}")
    print(f"“上年对比”已填入{outcome.prior_rows}行上年预算数（即本年计算结果），变化原因待填写。")
    if outcome.kept_items:
        print(f"已复制{outcome.kept_items}笔支出明细（标黄待复核）。")
    else:
        print("支出明细未复制（如需复制请加 --keep-items），请填写新年度的支出明细。")
    if outcome.same_catalog:
        print(f"说明：没有单独的{outcome.year}年科目代码表，按最近年度的代码表核对科目。")
    print(f"共{len(outcome.warnings)}处标黄待复核。填写后运行：disclosure prepare {target}")
    return EXIT_OK


def cmd_serve(args: argparse.Namespace) -> int:
    from generator.web.server import serve

    return serve(args.host, args.port, Path(args.data) if args.data else None)


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
    p.add_argument(
        "--prior-json",
        metavar="上年数据.json",
        help="从 JSON 文件读取上年预算数（上年公开文件不是本工具生成时使用，格式见 README）",
    )
    p.set_defaults(func=cmd_prepare)

    p = sub.add_parser(
        "build",
        help="检查并生成公开文件（DOCX 和 PDF，可选 HTML 网页）；可一次生成多个工作簿或整个文件夹",
        description="检查工作簿并生成公开文件。给出多个工作簿或文件夹时并行生成，最后列出每个单位的结果；"
        "任何一个失败时退出码为 1，其他单位照常生成。",
        epilog="示例：disclosure build 我的单位2023.xlsx -o 公开文件 --format pdf",
    )
    p.add_argument(
        "workbook", nargs="+", metavar="工作簿", help="已填写的工作簿（.xlsx），或存放工作簿的文件夹；可给多个"
    )
    p.add_argument("-o", "--output", default="output", metavar="文件夹", help="输出文件夹，默认 output/")
    p.add_argument(
        "--format",
        choices=FORMAT_CHOICES,
        default="all",
        metavar="格式",
        help="生成的格式：all（DOCX 和 PDF，默认）、docx、pdf、html（可直接发布到单位网站的网页）",
    )
    p.add_argument(
        "-j",
        "--jobs",
        type=_positive_int,
        default=None,
        metavar="个数",
        help="同时生成的单位数（多个工作簿时），默认为 CPU 核数",
    )
    p.add_argument(
        "--timeout",
        type=_positive_int,
        default=900,
        metavar="秒",
        help="多个工作簿时每个单位最长用时，超过即停止该单位，默认 900；0 表示不限",
    )
    p.add_argument(
        "--memory",
        type=_positive_int,
        default=4096,
        metavar="MiB",
        help="多个工作簿时每个生成进程可用的内存（地址空间），默认 4096；0 表示不限",
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

    p = sub.add_parser(
        "diff",
        help="比较同一单位两个版本的工作簿，列出公开文件的每处修改，并生成修订模式的 DOCX",
        description="比较同一单位两个版本的工作簿：列出公开文件的每处修改及其原因，生成修订说明和修订模式的 DOCX。",
        epilog="示例：disclosure diff 我的单位2023-批复.xlsx 我的单位2023-调整.xlsx -o 修订",
    )
    p.add_argument("old", metavar="原工作簿", help="原版本工作簿（.xlsx）")
    p.add_argument("new", metavar="新工作簿", help="新版本工作簿（.xlsx）")
    p.add_argument(
        "-o",
        "--output",
        default="output",
        metavar="文件夹",
        help="输出文件夹（修订说明.xlsx、修订说明.html、修订稿），默认 output/",
    )
    p.add_argument("--json", action="store_true", help="在屏幕上输出 JSON 格式的修订说明（供其他系统读取）")
    p.set_defaults(func=cmd_diff)

    p = sub.add_parser(
        "rollover",
        help="由本年工作簿生成下一年度工作簿（上年对比按本年计算结果预填）",
        description="由本年工作簿生成下一年度工作簿：复制单位信息、项目和指标，上年对比按本年计算结果预填。",
        epilog="示例：disclosure rollover 我的单位2023.xlsx 我的单位2024.xlsx",
    )
    p.add_argument("workbook", metavar="本年工作簿", help="本年度工作簿（.xlsx，须通过检查）")
    p.add_argument("next", metavar="新工作簿", help="要生成的下一年度工作簿（.xlsx）")
    p.add_argument("--keep-items", action="store_true", help="同时复制支出明细（标黄待复核）")
    p.add_argument("--force", action="store_true", help="文件已存在时覆盖")
    p.set_defaults(func=cmd_rollover)

    p = sub.add_parser(
        "serve",
        help="启动网页版：各部门在浏览器中上传、检查、生成，财政局查看全部部门",
        epilog="示例：disclosure serve --host 127.0.0.1 --port 8000 --data /var/lib/disclosure",
    )
    p.add_argument(
        "--host", default="127.0.0.1", metavar="地址", help="监听地址，默认 127.0.0.1（仅本机）；对局域网开放用 0.0.0.0"
    )
    p.add_argument("--port", type=int, default=8000, metavar="端口", help="端口，默认 8000")
    p.add_argument(
        "--data", metavar="文件夹", help="数据文件夹（数据库、上传和生成的文件），默认 data/ 或环境变量 DISCLOSURE_DATA"
    )
    p.set_defaults(func=cmd_serve)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    func: Callable[[argparse.Namespace], int] = args.func
    try:
        with sigterm_raises():
            return func(args)
    except KeyboardInterrupt:
        print("已中断，未写入任何文件。", file=sys.stderr)
        return 130
    except Terminated:
        print("已被终止，未写入任何文件（已有的输出文件没有被改动）。", file=sys.stderr)
        return EXIT_TERMINATED
    except Exception:
        print(
            "内部错误：程序遇到了意外情况，已停止，未写入任何文件。请把工作簿和下面的信息发给技术支持：",
            file=sys.stderr,
        )
        traceback.print_exc(limit=3)
        return EXIT_INTERNAL


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
