"""Work on uploaded files, away from the server process.

Checking an upload (read → validate → compute, plus the annotated copy and the headline
figures), `prepare`, `diff` and `rollover` run in a fresh process forked from a preloaded fork
server, under an address-space and a time limit: a hostile upload can only kill its own
process, and the job gets a message. They are called by the job runner
(generator/jobqueue/runner.py), in the server (embedded engine) or in `disclosure worker`;
builds go to the warm worker pool (generator/workers.py), whose jobs have their own limits.
"""

from __future__ import annotations

import contextlib
import io
import json
import multiprocessing
import resource
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from generator.catalog.store import SHIPPED_ONLY, CatalogSource

_ctx = multiprocessing.get_context("forkserver")
_ctx.set_forkserver_preload(["generator.web.jobs", "generator.pipeline", "generator.annotate", "generator.headline"])


class JobFailed(Exception):
    """The isolated process died, ran out of time or memory: the message is for the officer."""


def _limit_memory(limit: int | None) -> None:
    if limit:
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def _child(conn: Any, func: Callable[..., Any], args: tuple, memory: int | None) -> None:
    try:
        _limit_memory(memory)
        out = func(*args)
        conn.send(("ok", out))
    except MemoryError:
        conn.send(("error", "处理该文件所需内存超出限制"))
    except BaseException as exc:  # reported, never raised in the server
        conn.send(("error", f"{type(exc).__name__}: {exc}"[:500]))
    finally:
        conn.close()


def run_isolated(func: Callable[..., Any], *args: Any, timeout: float, memory: int | None) -> Any:
    """Run `func(*args)` in a separate process; its result must be picklable."""
    parent, child = _ctx.Pipe(duplex=False)
    proc = _ctx.Process(target=_child, args=(child, func, args, memory), daemon=True)
    proc.start()
    child.close()
    try:
        if not parent.poll(timeout):
            raise JobFailed(f"处理超时（超过{int(timeout)}秒），已停止。请检查工作簿是否异常庞大")
        try:
            status, payload = parent.recv()
        except EOFError:
            raise JobFailed("处理该文件的进程意外退出（可能是文件异常或内存不足），其他工作不受影响") from None
    finally:
        if proc.is_alive():
            proc.kill()
        proc.join(5)
        parent.close()
    if status != "ok":
        raise JobFailed(f"处理失败：{payload}")
    return payload


# --- what runs in the isolated process ---------------------------------------------------


def analyse(workbook: str, annotated_out: str, catalogs: CatalogSource = SHIPPED_ONLY) -> dict:
    """`check` and `check --annotate` on one workbook, plus its year, unit name, 格式, headline figures and catalog."""
    from generator.annotate import annotate
    from generator.channel import Channel, for_channel
    from generator.headline import headline
    from generator.pipeline import run

    result = run(Path(workbook), catalogs)
    result.issues = for_channel(result.issues, Channel.WEB)  # messages name the web's buttons
    if result.inputs is None and not any(i.sheet for i in result.issues):
        # The reader refused the file itself (not a workbook, encrypted, a zip bomb …, judged by
        # content): its issues point at no sheet. No version is made.
        return {"refused": [i.message for i in result.issues]}
    document = document_of(Path(workbook), result)
    annotate(Path(workbook), result.issues, Path(annotated_out))
    info = result.inputs.info if result.inputs is not None else None
    head = None
    if result.inputs is not None and result.disclosure is not None:  # a 决算's own figures, not its 年初预算
        head = headline(result.inputs)
    return {
        "issues": [i.model_dump(mode="json") for i in result.issues],
        "year": info.year if info else None,
        "unit_name": info.unit_name if info else None,
        "format": info.format if info else None,
        "headline": head.model_dump(mode="json") if head else None,
        "catalog": result.catalog.description if result.catalog is not None else None,
        "document": document,
    }


def document_of(path: Path, result: Any) -> str:
    """'final' for a 决算 workbook (it has the 决算 sheets, as the reader decides), else 'budget'.

    From the computed inputs when the workbook got that far, else from its sheet names."""
    from generator.web.db import DOC_BUDGET, DOC_FINAL
    from generator.workbook import schema

    if result.inputs is not None:
        return DOC_FINAL if result.inputs.final is not None else DOC_BUDGET
    import openpyxl

    book = openpyxl.load_workbook(path, read_only=True)
    try:
        return DOC_FINAL if set(schema.FINAL_SHEETS) & set(book.sheetnames) else DOC_BUDGET
    finally:
        book.close()


def prepare_copy(workbook: str, out: str, catalogs: CatalogSource = SHIPPED_ONLY) -> dict:
    """`prepare -o out`; returns its exit status and what it printed."""
    from generator.prepare import prepare

    buf_out, buf_err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(buf_out), contextlib.redirect_stderr(buf_err):
        status = prepare(Path(workbook), Path(out), catalogs=catalogs)
    return {"status": status, "stdout": buf_out.getvalue(), "stderr": buf_err.getvalue()}


def diff(old: str, new: str, catalogs: CatalogSource = SHIPPED_ONLY) -> dict:
    """`disclosure diff` of two versions: the report as JSON, or which version has errors."""
    from generator.diff import WorkbookHasErrors, diff_workbooks

    try:
        report = diff_workbooks(Path(old), Path(new), catalogs)
    except WorkbookHasErrors as exc:
        return {"errors": exc.result.path.name}
    return {"report": report.model_dump(mode="json")}


def next_year(workbook: str, out: str, catalogs: CatalogSource = SHIPPED_ONLY) -> dict:
    """`disclosure rollover`: next year's workbook from this one (which must be clean)."""
    from generator.channel import Channel
    from generator.rollover import RolloverError, rollover

    try:
        outcome = rollover(Path(workbook), Path(out), catalogs=catalogs, channel=Channel.WEB)
    except RolloverError:
        return {"ok": False}
    return {"ok": True, "year": outcome.year}


def final_from_budget(
    workbook: str, out: str, format_id: str, catalogs: CatalogSource = SHIPPED_ONLY, prior_final: str | None = None
) -> dict:
    """`disclosure final-from-budget [--prior-final]`: the year's 决算 workbook from a 预算 version (which must be
    clean), with last year's 决算 version's figures and 年末 balances when `prior_final` is given.

    Last year's 决算 is an extra the web adds by itself, not something the officer asked for: if it cannot give
    its figures (`PriorFinalError`: e.g. it has errors under today's catalogs), the workbook is made without it
    and `prior_problem` says why, with its first errors (located, in its own file's name)."""
    from generator.final_workbook import AlreadyFinal, FinalFromBudgetError, PriorFinalError, final_from_budget

    problem: dict | None = None
    try:
        try:
            prior = Path(prior_final) if prior_final else None
            outcome = final_from_budget(
                Path(workbook), Path(out), format_id=format_id, catalogs=catalogs, prior_final=prior
            )
        except PriorFinalError as exc:
            errors = [i for i in exc.result.issues if i.is_error] if exc.result is not None else []
            problem = {"message": exc.message, "errors": [i.model_dump(mode="json") for i in errors[:3]]}
            outcome = final_from_budget(Path(workbook), Path(out), format_id=format_id, catalogs=catalogs)
    except (FinalFromBudgetError, AlreadyFinal):
        return {"ok": False}
    return {
        "ok": True,
        "year": outcome.year,
        "items": outcome.items,
        "income_rows": outcome.income_rows,
        "prior_rows": outcome.prior_rows,
        "carried": {key: str(value) for key, value in outcome.carried.items()},  # 万元
        "carry_rows": outcome.carry_rows,
        "prior_problem": problem,
    }


def read_catalog(path: str, kind: str | None) -> dict:
    """`disclosure catalog import`'s reading and checks of an uploaded catalog (nothing is stored here)."""
    from generator.catalog.importer import read_catalog_file

    table, issues = read_catalog_file(Path(path), kind)
    return {"table": table, "issues": [i.model_dump(mode="json") for i in issues]}


def dumps(obj: object) -> str:
    return json.dumps(obj, ensure_ascii=False)


def scratch_name(original: str) -> str:
    """A safe local name for an uploaded file that keeps the user's own name (messages name it)."""
    from generator.web import naming

    stem, dot, suffix = original.rpartition(".")
    if not dot or not suffix.isascii() or not suffix.isalnum() or len(suffix) > 8:
        stem, suffix = original, "xlsx"
    try:
        return naming.safe_filename(stem or "工作簿", f".{suffix}")
    except ValueError:
        return "工作簿.xlsx"


def scratch(tmp_root: Path) -> Path:
    return Path(tempfile.mkdtemp(prefix="job-", dir=tmp_root))


def cleanup(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)
