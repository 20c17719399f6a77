"""The `disclosure` command: new, check, prepare, build, dump, diff, rollover, final-from-budget, catalog, serve.

Messages are Chinese; the exit status is 0 when the workbook has no errors, 1 when it
has errors (or a file could not be written), 2 on an internal error.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TextIO

from generator import __version__
from generator.argparse_zh import ChineseArgumentParser
from generator.catalog import KIND_NAMES, KINDS, UnknownYearError, available_years
from generator.catalog.store import CatalogSource, default_data_dir
from generator.issues import Issue, format_issue, has_errors
from generator.lifecycle import EXIT_TERMINATED, Terminated, sigterm_raises
from generator.output import atomic_path, write_bytes
from generator.pipeline import Result, run
from generator.progress import Progress
from generator.workbook import schema

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
    from generator.formats import registry
    from generator.formats.loader import FormatInvalid
    from generator.workbook.template import write_workbook

    path = Path(args.path)
    try:
        chosen = registry.get(args.format)
    except registry.UnknownFormat as exc:
        known = "、".join(exc.known) or "无"
        print(f"没有名为“{args.format}”的格式（已安装：{known}）。可用 disclosure formats 查看。", file=sys.stderr)
        return EXIT_ISSUES
    except FormatInvalid as exc:
        print(f"格式“{args.format}”的格式文件有错误，无法使用：", file=sys.stderr)
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        return EXIT_ISSUES
    if path.exists() and not args.force:
        print(f"文件已存在：{path}。为避免覆盖已填写的内容，请换一个文件名，或加 --force 覆盖。", file=sys.stderr)
        return EXIT_ISSUES
    if path.suffix.lower() != ".xlsx":
        print(f"请使用 .xlsx 作为文件扩展名：{path}", file=sys.stderr)
        return EXIT_ISSUES
    catalogs = _catalogs(args)
    if isinstance(catalogs, int):
        return catalogs
    try:
        catalog = catalogs.resolve(args.year)
    except UnknownYearError:
        years = "、".join(f"{y}年" for y in available_years())
        print(
            f"没有{args.year}年的科目代码表（现有：{years}），无法生成{args.year}年的工作簿。"
            f"请使用 --year {available_years()[0]} 或更晚的年份。",
            file=sys.stderr,
        )
        return EXIT_ISSUES
    older = [k for k in KINDS if catalog.origin(k).year < args.year]
    if older:
        which = "" if len(older) == len(KINDS) else KIND_NAMES[older[0]]
        print(
            f"注意：没有{args.year}年的{which}科目代码表，工作簿使用{catalog.description}；"
            f"财政局导入{args.year}年科目代码表后请重新生成空白工作簿，"
            f"{args.year}年新增或调整的科目也可在“补充科目”表填写。",
            file=sys.stderr,
        )
    if chosen.spec.document == "决算":
        print(
            f"格式“{chosen.spec.name}”用于部门决算公开。决算工作簿由同一年度的预算工作簿生成："
            f"disclosure final-from-budget 预算工作簿.xlsx 决算工作簿.xlsx --format {args.format}",
            file=sys.stderr,
        )
        return EXIT_ISSUES
    if args.year not in chosen.spec.years:
        sibling = registry.for_year(chosen.id, args.year)  # the same district's style of that year, if installed
        hint = f"（{args.year}年用 --format {sibling}）" if sibling != chosen.id else ""
        print(
            f"格式“{chosen.spec.name}”适用于{chosen.spec.years.text}，不适用于{args.year}年；请换用适用的格式或年度{hint}。",
            file=sys.stderr,
        )
        return EXIT_ISSUES
    if args.edition is not None and args.edition not in chosen.edition_names:
        choices = "、".join(chosen.edition_names)
        print(
            f"格式“{chosen.spec.name}”没有“{args.edition}”，只有{choices}；请用 --edition 指定其中之一。",
            file=sys.stderr,
        )
        return EXIT_ISSUES
    edition = args.edition or chosen.edition_names[0]
    try:
        with atomic_path(path) as tmp:
            data = {schema.SHEET_INFO: {"版本": edition}}
            write_workbook(tmp, data, year=args.year, catalog=catalog, format_id=chosen.id)
    except OSError as exc:
        print(f"无法写入 {path}：{exc.strerror or exc}。请检查文件夹是否存在、是否有写入权限。", file=sys.stderr)
        return EXIT_ISSUES
    print(f"已生成空白填报工作簿：{path}（格式：{chosen.id}，{edition}；科目：{catalog.description}）")
    print("填写完成后运行：disclosure check " + str(path))
    return EXIT_OK


def cmd_formats(args: argparse.Namespace) -> int:
    from generator.formats.listing import check_lines, installed_lines

    lines, ok = check_lines(Path(args.check)) if args.check else installed_lines()
    for line in lines:
        print(line, file=sys.stdout if ok else sys.stderr)
    return EXIT_OK if ok else EXIT_ISSUES


def cmd_check(args: argparse.Namespace) -> int:
    workbook = Path(args.workbook)
    annotated = Path(args.annotate) if args.annotate else None
    if annotated is not None and _same_file(annotated, workbook):
        print(
            f"--annotate 的输出文件不能是被检查的工作簿本身（{annotated}），请换一个文件名，如 问题标注.xlsx。",
            file=sys.stderr,
        )
        return EXIT_ISSUES
    catalogs = _catalogs(args)
    if isinstance(catalogs, int):
        return catalogs
    result = run(workbook, catalogs)
    names = _output_names(result)
    if args.json:
        report = issues_json(result.path, result.issues)
        if result.catalog is not None:
            report["catalog"] = result.catalog.description
        if names:
            report["output_files"] = names
        print(json.dumps(report, ensure_ascii=False, indent=1))
    else:
        _print_issues(result)
        _print_catalog(result)
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
    catalogs = _catalogs(args)
    if isinstance(catalogs, int):
        return catalogs
    result = run(Path(args.workbook), catalogs)
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
    catalogs = _catalogs(args)
    if isinstance(catalogs, int):
        return catalogs
    if len(paths) > 1 or paths[0].is_dir():
        return cmd_build_batch(args, paths, formats, out_dir, catalogs)
    progress = Progress(sys.stderr, expected_pages=_last_page_count(out_dir, paths[0]))
    try:
        with progress.pdf_pages():
            outcome = build(paths[0], out_dir, formats, stage=progress.stage, catalogs=catalogs)
    except OSError as exc:
        print(
            f"无法写入输出文件夹 {out_dir}：{exc.strerror or exc}。请检查文件夹是否存在、是否有写入权限、磁盘是否已满。"
            "已有的输出文件没有被改动。",
            file=sys.stderr,
        )
        return EXIT_ISSUES
    except Exception as exc:  # a renderer refusing (e.g. no CJK font): its message is for the officer
        from generator.forked import ChildProcessDied
        from generator.render.pdf import MissingFontError

        if isinstance(exc, MissingFontError):
            print(f"{exc}。已有的输出文件没有被改动。", file=sys.stderr)
            return EXIT_ISSUES
        if isinstance(exc, ChildProcessDied):  # a chunk's child was killed (memory): the message says so
            print(f"{exc}已有的输出文件没有被改动。", file=sys.stderr)
            return EXIT_ISSUES
        raise
    _print_issues(outcome.result)
    _print_catalog(outcome.result)
    if not outcome.written:
        print("工作簿有错误，没有生成任何文件（已有的输出文件没有被改动）。", file=sys.stderr)
        return EXIT_ISSUES
    for path in outcome.written:
        print(f"已生成：{path}")
    for notice in outcome.notices:
        print(f"注意：{notice}", file=sys.stderr)
    _office_notice(formats)
    return EXIT_OK


def _office_notice(formats: tuple[str, ...]) -> None:
    """After a build with a DOCX: say so when the 目录 has no page numbers for want of LibreOffice."""
    if "docx" not in formats:
        return
    from generator.render.office import missing_notice

    notice = missing_notice()
    if notice:
        print(f"注意：{notice}", file=sys.stderr)


def cmd_build_batch(
    args: argparse.Namespace, paths: list[Path], formats: tuple[str, ...], out_dir: Path, catalogs: CatalogSource
) -> int:
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
        catalogs=catalogs,
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
    if any(o.ok for o in outcomes):
        _office_notice(formats)
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

    catalogs = _catalogs(args)
    if isinstance(catalogs, int):
        return catalogs
    return prepare(
        Path(args.workbook),
        Path(args.output) if args.output else None,
        Path(args.prior_json) if args.prior_json else None,
        catalogs,
    )


def cmd_diff(args: argparse.Namespace) -> int:
    from generator.diff import WorkbookHasErrors, compare_workbooks
    from generator.diff_outputs import write_diff_outputs
    from generator.render.diff_report import summary_lines

    catalogs = _catalogs(args)
    if isinstance(catalogs, int):
        return catalogs
    try:
        report, old, new = compare_workbooks(Path(args.old), Path(args.new), catalogs)
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


def _may_write(source: Path, target: Path, force: bool, same_message: str) -> bool:
    """A new workbook made from `source`: never over it, and over another file only with --force."""
    if _same_file(source, target):
        print(same_message, file=sys.stderr)
        return False
    if target.exists() and not force:
        print(f"文件已存在：{target}。为避免覆盖，请换一个文件名，或加 --force 覆盖。", file=sys.stderr)
        return False
    return True


def cmd_rollover(args: argparse.Namespace) -> int:
    from generator.rollover import RolloverError, rollover

    source, target = Path(args.workbook), Path(args.next)
    if not _may_write(source, target, args.force, "新年度工作簿不能覆盖本年工作簿，请换一个文件名。"):
        return EXIT_ISSUES
    catalogs = _catalogs(args)
    if isinstance(catalogs, int):
        return catalogs
    try:
        outcome = rollover(source, target, keep_items=args.keep_items, catalogs=catalogs)
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
        print(
            f"说明：没有单独的{outcome.year}年科目代码表，新工作簿按{outcome.next_catalog}核对科目；"
            f"财政局导入{outcome.year}年科目代码表后，检查时自动改用该表。"
        )
    else:
        print(f"新工作簿的科目：{outcome.next_catalog}。")
    print(f"共{len(outcome.warnings)}处标黄待复核。填写后运行：disclosure prepare {target}")
    return EXIT_OK


def cmd_final_from_budget(args: argparse.Namespace) -> int:
    from generator.compute.wording import wan
    from generator.final_workbook import AlreadyFinal, FinalFromBudgetError, PriorFinalError, final_from_budget

    source, target = Path(args.workbook), Path(args.final)
    if not _may_write(source, target, args.force, "决算工作簿不能覆盖预算工作簿，请换一个文件名。"):
        return EXIT_ISSUES
    catalogs = _catalogs(args)
    if isinstance(catalogs, int):
        return catalogs
    try:
        prior = Path(args.prior_final) if args.prior_final else None
        outcome = final_from_budget(source, target, format_id=args.format, catalogs=catalogs, prior_final=prior)
    except PriorFinalError as exc:
        if exc.result is not None:
            _print_issues(exc.result, sys.stderr)
        print(exc.message, file=sys.stderr)
        return EXIT_ISSUES
    except AlreadyFinal:
        print(f"{source.name} 已经是决算工作簿（有“决算情况”表），请给出同一年度的预算工作簿。", file=sys.stderr)
        return EXIT_ISSUES
    except FinalFromBudgetError as exc:
        _print_issues(exc.result, sys.stderr)
        print(f"{source.name} 有错误，无法生成决算工作簿。请先修改到 disclosure check 通过。", file=sys.stderr)
        return EXIT_ISSUES
    except OSError as exc:
        print(f"无法写入 {target}：{exc.strerror or exc}。请检查文件夹是否存在、是否有写入权限。", file=sys.stderr)
        return EXIT_ISSUES
    for issue in outcome.warnings:
        print(format_issue(issue, target.name))
    print(f"已生成{outcome.year}年决算工作簿：{target}（格式 {args.format}）")
    print(f"支出明细已复制{outcome.items}行，“金额”为年初预算数，请逐行填写“决算数”。")
    print(f"“收入决算”已列出{outcome.income_rows}行财政拨款收入，请填写金额；再填写“决算情况”表。")
    if outcome.prior_rows:
        print(f"“上年决算对比”已填入{outcome.prior_rows}行上年决算数（由上年决算工作簿计算），变化原因待填写。")
    if outcome.carried:
        labels = {f.key: f.label.removeprefix("其中：") for f in schema.FINAL_FIELDS}
        filled = "，".join(f"{labels[key]}{wan(value)}" for key, value in outcome.carried.items())
        print(f"“决算情况”的年初数已由上年决算工作簿的年末数填入（标黄待复核）：{filled}。")
    if outcome.carry_rows:
        print(
            f"“基金结转和结余”已按上年年末数填入{outcome.carry_rows}行年初结转和结余（标黄待复核），"
            "请逐行填写年末结转和结余。"
        )
    print(f"填写后运行：disclosure check {target}")
    return EXIT_OK


# --- catalogs ------------------------------------------------------------------------------------


def _catalogs(args: argparse.Namespace) -> CatalogSource | int:
    """The catalogs of the data folder plus any `--catalog` files; EXIT_ISSUES (after the messages) if one is bad."""
    from generator.catalog.importer import read_catalog_file

    tables = []
    for name in getattr(args, "catalog", None) or []:
        table, issues = read_catalog_file(Path(name))
        if table is None:
            for issue in issues:
                print(format_issue(issue, Path(name).name), file=sys.stderr)
            print(f"科目代码表文件 {name} 有错误，未使用。请按上面的提示修改。", file=sys.stderr)
            return EXIT_ISSUES
        tables.append(table)
    data = Path(args.data) if getattr(args, "data", None) else default_data_dir()
    central = _central_catalogs(data)
    if central is not None:  # a shared store: the catalogs every machine uses are kept centrally
        return central.source(tuple(tables))
    return CatalogSource.for_data_dir(data, tuple(tables))


def _central_catalogs(data: Path):  # type: ignore[no-untyped-def]
    """The central catalogs when DISCLOSURE_STORE names a shared store (database, s3), else None."""
    from generator.jobqueue.catalogs import shared

    if not shared(os.environ.get("DISCLOSURE_STORE") or "files"):
        return None
    from generator.jobqueue.catalogs import CentralCatalogs
    from generator.jobqueue.setup import make_store
    from generator.web.db import make_engine, migrate, sessions
    from generator.web.settings import Settings

    settings = Settings.from_env(data)
    settings.prepare()
    engine = make_engine(settings.url)
    migrate(engine)
    return CentralCatalogs(sessions(engine), make_store(settings, engine), settings.data_dir)


def _print_catalog(result: Result) -> None:
    if result.catalog is not None:
        print(f"科目代码表：{result.catalog.description}")


def cmd_catalog_import(args: argparse.Namespace) -> int:
    import datetime as dt
    import getpass
    import hashlib

    from generator.catalog.importer import read_catalog_file
    from generator.catalog.store import ImportRecord, import_table

    path = Path(args.file)
    table, issues = read_catalog_file(path, args.kind, args.code_column, args.name_column)
    for issue in issues:
        print(format_issue(issue, path.name), file=sys.stderr)
    if table is None:
        errors = sum(1 for i in issues if i.is_error)
        print(f"{path.name}：发现{errors}个错误，科目代码表未导入（没有保存任何内容）。", file=sys.stderr)
        return EXIT_ISSUES
    catalogs = _catalogs(args)
    assert not isinstance(catalogs, int)
    china = dt.timezone(dt.timedelta(hours=8))
    record = ImportRecord(
        year=args.year,
        kind=table.kind,
        imported_at=dt.datetime.now(china).strftime("%Y-%m-%d %H:%M"),
        imported_by=args.by or f"命令行（{getpass.getuser()}）",
        file_name=path.name,
        sha256=hashlib.sha256(path.read_bytes()).hexdigest(),
        counts=table.counts(),
    )
    central = _central_catalogs(Path(args.data) if getattr(args, "data", None) else default_data_dir())
    try:
        diff = import_table(catalogs, table, args.year, record, central.save if central else None)
    except OSError as exc:
        print(f"无法写入数据文件夹 {catalogs.store}：{exc.strerror or exc}。没有保存任何内容。", file=sys.stderr)
        return EXIT_ISSUES
    print(f"{path.name}：{KIND_NAMES[table.kind]}科目代码表，{table.counts_text}。")
    print("\n".join(diff.lines()))
    print(
        f"已保存为{args.year}年{KIND_NAMES[table.kind]}科目代码表（{'各服务器共用的存储' if central else catalogs.store}），"
        f"{args.year}年的工作簿从现在起使用它。"
    )
    return EXIT_OK


def cmd_catalog_list(args: argparse.Namespace) -> int:
    catalogs = _catalogs(args)
    assert not isinstance(catalogs, int)
    years = sorted(set(available_years()) | {y for y, _ in catalogs.records()})
    print(f"科目代码表（数据文件夹：{catalogs.store}）")
    for year in years:
        for kind in KINDS:
            _, origin = catalogs.table(year, kind)
            if origin.year != year:
                print(f"{year}年 {KIND_NAMES[kind]}：没有该年度的代码表，使用{origin.text}（检查时给出警告）")
                continue
            detail = f"，{origin.detail}" if origin.detail else ""
            print(f"{year}年 {KIND_NAMES[kind]}：{origin.label}{detail}")
    print(f"{years[-1] + 1}年及以后：没有单独的代码表时使用最近年度的代码表，检查时给出警告。")
    return EXIT_OK


def cmd_catalog_show(args: argparse.Namespace) -> int:
    from generator.catalog import ECON, FUNCTION, LEVELS

    catalogs = _catalogs(args)
    assert not isinstance(catalogs, int)
    code = "".join(args.code.split())
    kind = ECON if code.startswith("3") else FUNCTION
    try:
        table, origin = catalogs.table(args.year, kind)
    except UnknownYearError:
        print(f"没有{args.year}年或更早的科目代码表。", file=sys.stderr)
        return EXIT_ISSUES
    note = "" if origin.year == args.year else f"（没有{args.year}年的代码表，按最近年度）"
    if code not in table:
        print(f"{code}：不在{origin.text}中{note}。", file=sys.stderr)
        return EXIT_ISSUES
    chain = [f"{table.get(code[:n], '？')}（{LEVELS[n]}）" for n in (3, 5, 7) if n < len(code)]
    parents = f"，上级：{'、'.join(chain)}" if chain else ""
    print(f"{code} {table[code]}（{LEVELS[len(code)]}{parents}）——{origin.text}{note}")
    return EXIT_OK


def cmd_serve(args: argparse.Namespace) -> int:
    from generator.web.server import serve

    return serve(args.host, args.port, Path(args.data) if args.data else None)


def cmd_worker(args: argparse.Namespace) -> int:
    from generator.jobqueue.setup import worker

    return worker(Path(args.data) if args.data else None, args.builds, args.checks)


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
    p.add_argument(
        "--format",
        default="xinjiang-2023",
        metavar="格式",
        help="公开文件的格式（写入“基本信息”的“格式”），默认 xinjiang-2023；disclosure formats 列出已安装的格式",
    )
    p.add_argument(
        "--edition",
        default=None,
        metavar="版本",
        help="格式的版本（写入“基本信息”的“版本”），如 部门版、单位版；默认为格式的第一个版本",
    )
    _add_catalog_option(p)
    p.set_defaults(func=cmd_new)

    p = sub.add_parser(
        "formats",
        help="列出已安装的公开文件格式，或检查一个格式文件",
        description="列出已安装的公开文件格式（地区、版本、适用年度）；加 --check 检查一个格式文件夹中的格式文件"
        "（format.yaml），列出全部错误及其行号。财政局自己的格式放在环境变量 DISCLOSURE_FORMATS 指定的文件夹中，"
        "写法见 README 所指的格式说明。",
        epilog="示例：disclosure formats --check 本局格式",
    )
    p.add_argument("--check", metavar="文件夹", help="要检查的格式文件夹（含 format.yaml）")
    p.set_defaults(func=cmd_formats)

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
    _add_catalog_option(p)
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
    _add_catalog_option(p)
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
    _add_catalog_option(p)
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
    _add_catalog_option(p)
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
    _add_catalog_option(p)
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
    _add_catalog_option(p)
    p.set_defaults(func=cmd_rollover)

    p = sub.add_parser(
        "final-from-budget",
        help="由本年预算工作簿生成同一年度的决算工作簿（年初预算数按预算填入，决算数待填写）",
        description=(
            "由本年预算工作簿生成同一年度的决算工作簿：复制单位信息、预算单位、项目和指标，支出明细的“金额”即年初预算数，"
            "“决算数”和“收入决算”“决算情况”两表由财务人员填写。"
        ),
        epilog="示例：disclosure final-from-budget 我的单位2024预算.xlsx 我的单位2024决算.xlsx",
    )
    p.add_argument("workbook", metavar="预算工作簿", help="本年度预算工作簿（.xlsx，须通过检查）")
    p.add_argument("final", metavar="决算工作簿", help="要生成的决算工作簿（.xlsx）")
    p.add_argument(
        "--format",
        default=schema.FINAL_DEFAULT_FORMAT,
        metavar="格式",
        help=f"决算公开文件的格式，默认 {schema.FINAL_DEFAULT_FORMAT}",
    )
    p.add_argument(
        "--prior-final",
        metavar="上年决算工作簿",
        help=(
            "上一年度本单位的决算工作簿（其“基本信息”的单位全称须与本年预算工作簿相同）：由它计算“上年决算对比”的上年决算数，并以其年末结转和结余填入本年“决算情况”"
            "的年初结转和结余和“基金结转和结余”的年初数（不给时都由财务人员手工填写，上年决算对比的行由 prepare 列出）"
        ),
    )
    p.add_argument("--force", action="store_true", help="文件已存在时覆盖")
    _add_catalog_option(p)
    p.set_defaults(func=cmd_final_from_budget)

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

    catalog = sub.add_parser(
        "catalog",
        help="科目代码表：导入财政局下发的年度科目代码表、查看各年度使用的代码表、查询一个科目",
        description="科目代码表：导入、列出、查询。导入的代码表保存在数据文件夹（默认 data/ 或环境变量 DISCLOSURE_DATA）"
        "的 catalogs/ 中，命令行和网页版共用；该年度的所有工作簿都使用它。",
        epilog="示例：disclosure catalog import 2027年科目代码表.xlsx --year 2027",
    )
    csub = catalog.add_subparsers(dest="catalog_command", metavar="子命令", required=True)
    p = csub.add_parser(
        "import",
        help="导入一个年度的科目代码表（XLSX 或 CSV）",
        description="导入一个年度的科目代码表（XLSX 或 CSV）：检查每一行，列出与该年度此前使用的代码表相比新增、删除、"
        "改名的科目并保存；有任何错误时不保存。",
        epilog="示例：disclosure catalog import 2027年支出功能分类.csv --year 2027 --code-column 编码 --name-column 名称",
    )
    p.add_argument("file", metavar="文件", help="科目代码表文件（.xlsx 或 .csv），含科目编码列和科目名称列")
    p.add_argument("--year", type=int, required=True, metavar="年度", help="代码表适用的预算年度")
    p.add_argument(
        "--kind",
        choices=("function", "econ"),
        metavar="种类",
        help="function（支出功能分类）或 econ（部门预算支出经济分类）；不填时按编码判断",
    )
    p.add_argument("--code-column", metavar="列", help="科目编码列的表头文字或列字母（默认按“科目编码/编码/代码”查找）")
    p.add_argument("--name-column", metavar="列", help="科目名称列的表头文字或列字母（默认按“科目名称/名称”查找）")
    p.add_argument("--by", metavar="姓名", help="记录的导入人（默认为当前系统用户）")
    _add_data_option(p)
    p.set_defaults(func=cmd_catalog_import)
    p = csub.add_parser(
        "list",
        help="列出各年度使用的科目代码表及其来源（财政局导入或内置）",
        description="列出各年度使用的科目代码表及其来源（财政局导入：由谁、何时、从哪个文件导入；或内置）。",
        epilog="示例：disclosure catalog list",
    )
    _add_data_option(p)
    p.set_defaults(func=cmd_catalog_list)
    p = csub.add_parser(
        "show",
        help="查询一个年度的一个科目编码",
        description="查询一个年度的一个科目编码：名称、级次、上级科目和所在的代码表。",
        epilog="示例：disclosure catalog show 2027 2080206",
    )
    p.add_argument("year", type=int, metavar="年度", help="预算年度")
    p.add_argument("code", metavar="编码", help="科目编码，如 2080206 或 30101")
    _add_data_option(p)
    p.set_defaults(func=cmd_catalog_show)

    p = sub.add_parser(
        "worker",
        help="多台服务器时：在本机处理网页版的检查和生成任务（配置与网页服务相同，见 README“多台服务器”）",
        epilog="示例：disclosure worker --builds 2 --checks 2",
    )
    p.add_argument("--builds", type=int, metavar="数量", help="同时生成的单位数（常驻排版进程数），默认为 CPU 核数")
    p.add_argument("--checks", type=int, metavar="数量", help="同时检查的工作簿数，默认 2")
    p.add_argument(
        "--data", metavar="文件夹", help="本机临时文件所在的数据文件夹，默认 data/ 或环境变量 DISCLOSURE_DATA"
    )
    p.set_defaults(func=cmd_worker)
    return parser


def _add_catalog_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--catalog",
        action="append",
        metavar="代码表文件",
        help="本次使用指定的科目代码表文件（.xlsx 或 .csv，不保存），代替该年度导入或内置的代码表；"
        "支出功能分类和经济分类各一个文件时可给两次",
    )


def _add_data_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--data",
        metavar="文件夹",
        help="数据文件夹（导入的科目代码表在其中的 catalogs/），默认 data/ 或环境变量 DISCLOSURE_DATA",
    )


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
