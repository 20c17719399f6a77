"""Benchmark: every figure of the performance issue, each paired against its baseline in the same run.

The figures are a list of named *paired measurements* (`measurements()` below): a shipped
way (A) and its baseline (B), run in turn A B A B … after one unmeasured warm-up each, so
that a ratio A/B is taken pair by pair and stays meaningful while the shared machine's
speed drifts. Each run of a whole process is measured from outside with `os.wait4`: wall
seconds, CPU seconds (user + system of the process and every child it waited for) and the
peak resident memory of the largest single process. Every figure is reported as
min / median / max; quote the median.

Baselines:

* the code this work started from (`BASELINE_REF`, default the commit the performance issue
  was measured at), unpacked with `git archive` into a temporary folder and run with the
  same Python environment — "before" in the same run as "after";
* the LibreOffice path (DOCX by this tool, then `soffice --convert-to pdf`) for the CLI ratio;
* a fresh `disclosure build` process for the warm worker.

Also: the 1x / 4x / 16x growth workbooks (scripts/make_scaled_workbook.py) with a slope per
line item, an in-process split per stage, and one cProfile of a PDF render by WeasyPrint
phase. It writes docs/benchmarks.md (overwritten on every run). Speed is measured here,
never asserted in tests.

Adding a figure is one line in `measurements()`: `Pair(name, goal, A_step, B_step)`.

Also: growth with projects (issue 18 §7): example 002 split into 200 / 1,000 / 2,000 projects
(scripts/make_large_workbook.py), each measured once as `check`, `build --format pdf` and
`build --format docx` (CPU seconds, peak MiB, pages); `--projects` runs only these and
rewrites only their section of docs/benchmarks.md.

Also: per format (issue 16): one department of each shipped format, the Shanghai example (101,
shanghai-putuo, 25 landscape pages) against the Xinjiang one (000, xinjiang-2023) in the same run,
A B A B …, as a fresh `disclosure build` (DOCX+PDF) and as a job on a warm worker; `--formats`
runs only these and rewrites only their section of docs/benchmarks.md.

Usage: python scripts/bench.py [--quick] [--runs N] [--output docs/benchmarks.md]
       python scripts/bench.py --projects [200,1000,2000]   (only the project-growth figures)
       python scripts/bench.py --formats [cli] [--runs N]   (only the per-format figures; cli: no warm worker)
       BENCH_QUICK=1 make bench   (the reduced run: 3 runs, 10 departments, 1x and 4x only)
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import datetime as dt
import json
import math
import os
import platform
import pstats
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from generator.build import JOBS_ENV  # noqa: E402
from generator.inputs import build_inputs  # noqa: E402
from generator.pipeline import Result, _compute  # noqa: E402
from generator.render import office  # noqa: E402
from generator.render import pdf as pdf_render  # noqa: E402
from generator.render.docx import render_docx  # noqa: E402
from generator.workbook.reader import read_workbook  # noqa: E402

# The commit the "now" column was measured at (before the worker pool and the levers).
BASELINE_REF = os.environ.get("BENCH_BASELINE", "04f7943")
EXAMPLES = ("000", "002")
PY = sys.executable
PDF_ONLY = ("--format", "pdf")  # the PDF levers' figures, without the DOCX's LibreOffice beside them


# --- one run, many runs ---------------------------------------------------------------------


@dataclass
class Run:
    wall: float
    cpu: float
    peak_mib: float
    tree_peak_mib: float | None = None  # with `process(tree=True)`: the sampled peak of the tree's PSS


@dataclass
class Series:
    runs: list[Run] = field(default_factory=list)

    def values(self, what: str) -> list[float]:
        return [getattr(r, what) for r in self.runs]

    def median(self, what: str) -> float:
        return statistics.median(self.values(what))

    def cell(self, what: str, digits: int = 2) -> str:
        values = self.values(what)
        if not values:
            return "–"
        med = statistics.median(values)
        if len(values) == 1:
            return f"{med:.{digits}f}"
        return f"{med:.{digits}f} ({min(values):.{digits}f}–{max(values):.{digits}f})"


Step = Callable[[], Run]


class StepFailed(RuntimeError):
    pass


def process(argv: list[str], *, cwd: Path = ROOT, env: dict[str, str] | None = None, tree: bool = False) -> Step:
    """A whole process, measured from outside (wall clock, and the kernel's rusage via wait4); with
    `tree`, also the peak of the summed PSS of the process and all its descendants (sampled)."""

    def step() -> Run:
        with tempfile.TemporaryFile() as log:
            start = time.perf_counter()
            proc = subprocess.Popen(
                argv,
                cwd=cwd,
                env={**os.environ, **(env or {})},
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                start_new_session=True,  # its own process group: a hung run is killed whole
            )
            timer = threading.Timer(STEP_TIMEOUT, _kill_group, (proc.pid,))
            timer.start()
            sampler = _TreeSampler(proc.pid) if tree else None
            try:
                _, status, usage = os.wait4(proc.pid, 0)
            finally:
                timer.cancel()
                if sampler is not None:
                    sampler.stop()
            wall = time.perf_counter() - start
            proc.returncode = os.waitstatus_to_exitcode(status)
            if proc.returncode != 0:
                log.seek(0)
                tail = log.read().decode("utf-8", "replace")[-600:]
                raise StepFailed(f"{' '.join(argv)[:200]} exited {proc.returncode}: {tail}")
        run = Run(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024)
        if sampler is not None:
            run.tree_peak_mib = sampler.peak_kib / 1024
        return run

    return step


TREE_SAMPLE_SECONDS = 0.1


class _TreeSampler:
    """Samples the summed proportional set size (PSS: shared pages divided among the processes that
    share them, so a forked child's copy-on-write pages are not counted twice) of a process and all
    its descendants every TREE_SAMPLE_SECONDS, from /proc; keeps the largest sum. Linux only (0 elsewhere)."""

    def __init__(self, root: int) -> None:
        self.root = root
        self.peak_kib = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak_kib = max(self.peak_kib, tree_pss_kib(self.root))
            self._stop.wait(TREE_SAMPLE_SECONDS)


def tree_pss_kib(root: int) -> int:
    """Summed PSS (KiB) of `root` and its descendants now."""
    children: dict[int, list[int]] = {}
    with contextlib.suppress(OSError):
        for entry in os.scandir("/proc"):
            if not entry.name.isdigit():
                continue
            try:
                stat = Path(f"/proc/{entry.name}/stat").read_text()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            children.setdefault(ppid, []).append(int(entry.name))
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        todo += children.get(pid, [])
        try:
            rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
        except OSError:
            continue
        for line in rollup.splitlines():
            if line.startswith("Pss:"):
                total += int(line.split()[1])
                break
    return total


STEP_TIMEOUT = 1800.0  # seconds; a run that hangs (e.g. soffice) is killed and the figure fails


def _kill_group(pid: int) -> None:
    with contextlib.suppress(OSError):
        os.killpg(pid, signal.SIGKILL)


def shell(script: str, *, cwd: Path = ROOT, env: dict[str, str] | None = None) -> Step:
    return process(["sh", "-c", script], cwd=cwd, env=env)


def cli(*args: str | Path, code: Path = ROOT, env: dict[str, str] | None = None) -> Step:
    """`disclosure ARGS` as a fresh process, from the code in `code` (this tree or the baseline)."""
    return process([PY, "-m", "generator.cli", *map(str, args)], cwd=code, env=env)


class WarmWorker:
    """One warm pool worker in this process; each step builds one department on it."""

    def __init__(self) -> None:
        self.pool = None  # started by the first (warm-up) job, so it warms up beside nothing else

    def job(self, workbook: Path, out_dir: Path) -> Step:
        from generator.workers import BuildJob, WorkerPool

        def step() -> Run:
            if self.pool is None:
                self.pool = WorkerPool(1)
                self.pool.submit(BuildJob(workbook, out_dir)).result()  # start-up is not measured
            pid = self.pool._slots[0].process.pid
            cpu_before = _proc_cpu(pid)
            start = time.perf_counter()
            outcome = self.pool.submit(BuildJob(workbook, out_dir)).result()
            wall = time.perf_counter() - start
            if not outcome.ok:
                raise StepFailed(outcome.error or "job failed")
            return Run(wall, _proc_cpu(pid) - cpu_before, _proc_hwm_mib(pid))

        return step

    def close(self) -> None:
        if self.pool is not None:
            self.pool.close()


def _proc_cpu(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _proc_hwm_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


# --- paired measurements ----------------------------------------------------------------------


@dataclass
class Pair:
    """One figure: the shipped way (A) against its baseline (B), measured in turn."""

    name: str
    goal: str  # the goal, as text
    a: Step
    b: Step | None
    a_label: str
    b_label: str = ""
    metric: str = "wall"  # the figure the goal is about: wall | cpu | peak_mib | ratio
    runs: int | None = None  # None: the run's default
    limit: float | None = None  # the goal as a number, in the unit of `metric` (A's median, or the A/B ratio)
    scale_to: float = 1.0  # the goal is for this many times the measured work (e.g. 100 / 10 departments)
    warmup: int = 1
    note: str = ""
    a_series: Series = field(default_factory=Series)
    b_series: Series = field(default_factory=Series)
    error: str | None = None

    def verdict(self) -> str:
        if self.limit is None or self.error or not self.a_series.runs:
            return ""
        if self.metric == "ratio":
            if self.b is None or not self.ratios("wall"):
                return ""
            value = statistics.median(self.ratios("wall"))
        else:
            value = self.a_series.median(self.metric) * self.scale_to
        unit = {"wall": " s", "cpu": " s", "peak_mib": " MiB", "ratio": ""}[self.metric]
        shown = f"{value:.2f}{unit}"
        if self.scale_to != 1:
            shown = f"{value:.0f}{unit} (extrapolated ×{self.scale_to:g})"
        if value <= self.limit:
            return f"met: {shown}"
        return f"**missed** by {value - self.limit:.2f}{unit} ({value / self.limit - 1:.0%}): {shown}"

    def ratios(self, what: str) -> list[float]:
        return [a / b for a, b in zip(self.a_series.values(what), self.b_series.values(what), strict=False) if b]

    def measure(self, runs: int) -> None:
        try:
            for _ in range(self.warmup):
                self.a()
                if self.b is not None:
                    self.b()
            for _ in range(self.runs or runs):
                self.a_series.runs.append(self.a())
                if self.b is not None:
                    self.b_series.runs.append(self.b())
        except (StepFailed, OSError, subprocess.SubprocessError) as exc:
            self.error = str(exc)[:300]


def spread(values: list[float], digits: int = 2) -> str:
    if not values:
        return "–"
    med = statistics.median(values)
    if len(values) == 1:
        return f"{med:.{digits}f}"
    return f"{med:.{digits}f} ({min(values):.{digits}f}–{max(values):.{digits}f})"


# --- the workbooks ------------------------------------------------------------------------------


@dataclass
class Workbooks:
    examples: dict[str, Path]
    scaled: dict[int, tuple[Path, int]]  # times -> (workbook, line items)
    copies: Path  # a folder of renamed departments
    copies_count: int
    large: dict[int, Path]  # projects -> workbook (issue 12's generator, when present)
    # The baseline code reads workbooks of its own era (later rules refuse or change some
    # example content): the same scaling applied to the baseline's own examples.
    base_examples: dict[str, Path] = field(default_factory=dict)
    base_scaled: dict[int, Path] = field(default_factory=dict)
    base_copies: Path | None = None


def make_workbooks(tmp: Path, times: tuple[int, ...], copies: int) -> Workbooks:
    sys.path.insert(0, str(ROOT / "scripts"))
    import make_scaled_workbook as scaler

    from generator.workbook.template import write_workbook

    examples = {name: next((ROOT / "inputs").glob(f"{name}-*.xlsx")) for name in EXAMPLES}
    source = json.loads((ROOT / "examples" / "000.json").read_text(encoding="utf-8"))
    scaled = {}
    for n in times:
        data = scaler.scaled(source, n)
        path = tmp / f"000x{n}.xlsx"
        write_workbook(path, data)
        scaled[n] = (path, scaler.line_items(data))
    folder = tmp / "departments"
    scaler.write_copies([ROOT / "examples" / f"{name}.json" for name in EXAMPLES], copies, folder)
    large = {}
    large_script = ROOT / "scripts" / "make_large_workbook.py"
    if large_script.exists():  # issue 12: example 002 with 200 / 2,000 projects
        for projects in (200, 2000):
            path = tmp / f"002-{projects}-projects.xlsx"
            subprocess.run(
                [PY, str(large_script), "--projects", str(projects), "-o", str(path)],
                cwd=ROOT,
                check=True,
                capture_output=True,
            )
            large[projects] = path
    return Workbooks(examples, scaled, folder, copies, large)


def baseline_workbooks(wb: Workbooks, base: Path, tmp: Path) -> None:
    """The scaled workbooks and department copies again, made by this scaler from the baseline's
    examples and written by the baseline's workbook writer (the script copied into its tree)."""
    script = base / "scripts" / "make_scaled_workbook.py"
    shutil.copyfile(ROOT / "scripts" / "make_scaled_workbook.py", script)
    sources = [str(base / "examples" / f"{name}.json") for name in EXAMPLES]
    for n in wb.scaled:
        path = tmp / f"base-000x{n}.xlsx"
        subprocess.run(
            [PY, str(script), "--times", str(n), sources[0], "-o", str(path)], cwd=base, check=True, capture_output=True
        )
        wb.base_scaled[n] = path
    wb.base_copies = tmp / "base-departments"
    subprocess.run(
        [PY, str(script), "--copies", str(wb.copies_count), *sources, "-o", str(wb.base_copies)],
        cwd=base,
        check=True,
        capture_output=True,
    )
    wb.base_examples = {name: next((base / "inputs").glob(f"{name}-*.xlsx")) for name in EXAMPLES}


def baseline_tree(tmp: Path) -> Path | None:
    """The baseline commit's files, unpacked (no checkout, the repository is not touched)."""
    target = tmp / "baseline"
    target.mkdir()
    archive = subprocess.run(["git", "archive", BASELINE_REF], cwd=ROOT, capture_output=True, check=False)
    if archive.returncode != 0:
        return None
    subprocess.run(["tar", "-x", "-C", str(target)], input=archive.stdout, check=True)
    return target


def libreoffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def measurements(wb: Workbooks, tmp: Path, base: Path | None, warm: WarmWorker, quick: bool) -> list[Pair]:
    """Every figure of the issue, paired with its baseline. One line per figure."""
    out = tmp / "out"
    old = base or ROOT  # without git the baseline falls back to this tree (said in the report)
    example = wb.examples["002"]
    old_example = wb.base_examples.get("002", example)
    soffice = libreoffice()
    lo_profile = (tmp / "lo-profile").as_uri()
    loop = f'for f in "{wb.base_copies or wb.copies}"/*.xlsx; do {PY} -m generator.cli build "$f" -o "{out}/loop" >/dev/null || exit 1; done'
    lo_path = (
        f'{PY} -m generator.cli build "{example}" --format docx -o "{out}/lo" >/dev/null && '
        f"{soffice} -env:UserInstallation={lo_profile} --headless --norestore --convert-to pdf "
        f'--outdir "{out}/lo" "{out}/lo/"*.docx >/dev/null'
    )
    pairs = [
        Pair(
            "one department (002), warm worker, DOCX+PDF",
            "≤ 2.5 s",
            warm.job(example, out / "warm"),
            cli("build", example, "-o", out / "cold"),
            "a job on a warm pool worker",
            "`disclosure build WB`, fresh process",
            limit=2.5,
        ),
        Pair(
            "one department (002), CLI, ratio to the LibreOffice path",
            "ratio ≤ 1.2",
            cli("build", example, "-o", out / "cli"),
            shell(lo_path) if soffice else None,
            "`disclosure build WB`",
            "`disclosure build --format docx` + `soffice --convert-to pdf`",
            metric="ratio",
            limit=1.2,
            note="" if soffice else "LibreOffice is not installed: no ratio",
        ),
        Pair(
            "peak memory of one build (002)",
            "≤ 180 MiB",
            cli("build", example, "-o", out / "mem"),
            cli("build", old_example, "-o", out / "mem-old", code=old),
            "`disclosure build WB`",
            "the same, baseline code",
            metric="peak_mib",
            limit=180,
        ),
        Pair(
            "peak memory of the Python build alone (002, `--format pdf`: no LibreOffice)",
            "≤ 180 MiB",
            cli("build", example, "--format", "pdf", "-o", out / "mem-pdf"),
            cli("build", old_example, "--format", "pdf", "-o", out / "mem-pdf-old", code=old),
            "`disclosure build WB --format pdf`",
            "the same, baseline code",
            metric="peak_mib",
            limit=180,
        ),
        Pair(
            "PDF levers (one PDF build, 002): all on vs all off",
            "byte-identical PDF, gain measured",
            cli("build", example, *PDF_ONLY, "-o", out / "levers"),
            cli("build", example, *PDF_ONLY, "-o", out / "no-levers", env={pdf_render.LEVERS_ENV: "none"}),
            "levers on",
            f"`{pdf_render.LEVERS_ENV}=none`",
            metric="cpu",
        ),
    ]
    for times, (path, items) in wb.scaled.items():
        pairs.append(
            Pair(
                f"growth: {times}x workbook ({items} line items)",
                "slope ≤ 12 ms, ≤ 0.15 MiB per line item",
                cli("build", path, "-o", out / f"x{times}"),
                cli("build", wb.base_scaled.get(times, path), "-o", out / f"x{times}-old", code=old),
                "`disclosure build WB`",
                "the same, baseline code",
                runs=1 if quick or times >= 16 else None,
            )
        )
    for lever in pdf_render.ALL_LEVERS:  # what each lever gains on its own (all vs all but one)
        others = ",".join(name for name in pdf_render.ALL_LEVERS if name != lever)
        pairs.append(
            Pair(
                f"lever {lever} (one PDF build, 002)",
                "gain measured",
                cli("build", example, *PDF_ONLY, "-o", out / "lever-on"),
                cli("build", example, *PDF_ONLY, "-o", out / f"lever-{lever}", env={pdf_render.LEVERS_ENV: others}),
                "all levers",
                f"all but {lever}",
                metric="cpu",
                runs=2 if quick else 3,
            )
        )
    # Last: the longest figure, on page cache and bytecode warmed by the others.
    pairs.append(
        Pair(
            f"{wb.copies_count} departments (copies of the examples with different names), batch on all cores",
            "≤ 3 min for 100",
            cli("build", wb.copies, "-o", out / "batch"),
            shell(loop, cwd=old),
            "`disclosure build FOLDER` (worker pool)",
            "shell loop of `disclosure build WB`, baseline code",
            runs=1,
            warmup=0,
            limit=180,
            scale_to=100 / wb.copies_count,
        )
    )
    pairs += extra_measurements(wb, tmp, out)
    return pairs


def extra_measurements(wb: Workbooks, tmp: Path, out: Path) -> list[Pair]:
    """Figures of the neighbouring issues, measured when their code is present."""
    pairs = []
    if (ROOT / "generator" / "diff.py").exists() and (ROOT / "scripts" / "bench_diff.py").exists():
        # issue 8: example 000 against a revision with three line items changed, beside its build
        from bench_diff import make_revision

        (tmp / "diff").mkdir(exist_ok=True)
        old_wb, new_wb = make_revision("000", tmp / "diff")
        pairs.append(
            Pair(
                "disclosure diff: example 000 and a three-item revision",
                "–",
                cli("diff", old_wb, new_wb, "-o", out / "diff"),
                cli("build", new_wb, "-o", out / "diff-build"),
                "`disclosure diff OLD NEW -o DIR`",
                "`disclosure build NEW` (one build, beside it)",
            )
        )
    if {200, 2000} <= wb.large.keys():  # issue 12: scripts/make_large_workbook.py (example 002 split)
        pairs.append(
            Pair(
                "200 projects (002 split: 710 line items): build beside check",
                "–",
                cli("build", wb.large[200], "-o", out / "large-200"),
                cli("check", wb.large[200]),
                "`disclosure build WB`",
                "`disclosure check WB`",
                runs=1,
                warmup=0,
            )
        )
        pairs.append(
            Pair(
                "2,000 projects (5,506 line items): check, against 200 projects",
                "–",
                cli("check", wb.large[2000]),
                cli("check", wb.large[200]),
                "`disclosure check WB` (2,000 projects)",
                "the same, 200 projects",
                runs=1,
                warmup=0,
                note="a build of 2,000 projects (about 2,000 pages) is not part of the bench",
            )
        )
    return pairs


# --- growth with projects (issue 18 §7) ------------------------------------------------------

PROJECT_SIZES = (200, 1000, 2000)
PROJECTS_START, PROJECTS_END = "<!-- projects -->", "<!-- /projects -->"
# A build above this address space is stopped (prlimit) rather than let loose on a shared machine:
# the figure then says "over" instead of a number.
PROJECT_MEMORY_CAP_MIB = int(os.environ.get("BENCH_PROJECT_MEMORY_MIB", "6144"))


@dataclass
class ProjectFigure:
    projects: int
    line_items: int
    indicators: int
    what: str
    run: Run | None
    pages: int | None = None
    error: str = ""


def project_workbook(tmp: Path, projects: int) -> tuple[Path, int, int]:
    """Example 002 split into `projects` projects; (workbook, line items, indicators)."""
    path = tmp / f"002-{projects}-projects.xlsx"
    done = subprocess.run(
        [PY, str(ROOT / "scripts" / "make_large_workbook.py"), "--projects", str(projects), "-o", str(path)],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=900,
    ).stdout
    counts = [int(x) for x in re.findall(r"(\d+) (?:line items|indicators)", done)]
    return path, *[*counts, 0, 0][:2]  # type: ignore[return-value]


PROJECT_COMMANDS = ("check", "build --format docx", "build --format pdf", "build")  # "build": both, the default


def project_figures(
    tmp: Path, sizes: tuple[int, ...], commands: tuple[str, ...] = PROJECT_COMMANDS
) -> list[ProjectFigure]:
    """`check`, `build --format pdf` and `build --format docx` of each size (or only `commands`), once
    each (fresh processes)."""
    from pypdf import PdfReader

    prlimit = shutil.which("prlimit")
    books = {n: project_workbook(tmp, n) for n in sizes}
    figures = []
    # All checks, then all DOCX builds, then all PDF builds, each in ascending size: a process's peak
    # (ru_maxrss) starts from what its parent's earlier children reached, so a small figure measured
    # after a large one would read too high.
    for what in (c for c in PROJECT_COMMANDS if c in commands):
        for projects in sizes:
            path, items, indicators = books[projects]
            fmt = what.rsplit(" ", 1)[-1]
            args: tuple[str | Path, ...] = ("check", path)
            if what != "check":
                args = ("build", path, "-o", tmp / f"p{projects}-{fmt}")
                if fmt != "build":
                    args += ("--format", fmt)
            argv = [PY, "-m", "generator.cli", *map(str, args)]
            if prlimit and what != "check":
                argv = [prlimit, f"--as={PROJECT_MEMORY_CAP_MIB * 1024 * 1024}", "--", *argv]
            print(f"== {projects} projects: {what}", flush=True)
            figure = ProjectFigure(projects, items, indicators, what, None)
            try:
                figure.run = process(argv, tree=True)()
            except (StepFailed, OSError, subprocess.SubprocessError) as exc:
                code = re.search(r"exited (-?\d+)", str(exc))
                cap = f" under the {PROJECT_MEMORY_CAP_MIB:,} MiB address-space cap" if what != "check" else ""
                figure.error = f"exit {code.group(1) if code else '?'}{cap}"
            if figure.run is not None and fmt in ("pdf", "build"):
                (pdf,) = (tmp / f"p{projects}-pdf").glob("*.pdf")
                figure.pages = len(PdfReader(pdf).pages)
            figures.append(figure)
            print(f"   {figure.run or figure.error}", flush=True)
    order = ("check", "build --format pdf", "build --format docx", "build")
    figures.sort(key=lambda f: (f.projects, order.index(f.what)))
    return figures


def project_section(figures: list[ProjectFigure], meta: dict[str, str]) -> str:
    lines = [
        PROJECTS_START,
        "## Growth with projects (issue 18 §7)",
        "",
        "Example 002 split into N projects (`scripts/make_large_workbook.py`: every total of the workbook is",
        "002's, so `check` passes), each command once in a fresh process. CPU = user + system seconds of the",
        "process and its children (LibreOffice included for the DOCX), the figure to compare on a shared",
        "machine; wall seconds depend on the load. Tree peak = the largest sum of the proportional set size",
        "(PSS) of the command's process and all its descendants (the PDF worker, each chunk's child), sampled",
        f"every {TREE_SAMPLE_SECONDS} s from /proc (a spike shorter than that can be missed); it is the figure",
        "the memory goal is about. Largest process = the kernel's ru_maxrss of the largest single process",
        "(RSS: pages shared with a parent count in full). A build whose address space passes",
        f"{PROJECT_MEMORY_CAP_MIB} MiB in any one process is stopped (`prlimit`) and shown as failed. The PDF of",
        "a document with more than 40 绩效目标表 is laid out in chunks, twice (page counts, then the pages",
        "with their numbers), each layout in a forked child process, and joined in a child",
        "(generator/render/pdf_chunks.py). `build` is the default command: both files, the PDF rendered in a",
        "worker forked beside the DOCX.",
        "",
        "| projects | line items | indicators | command | pages | wall s | CPU s | tree peak MiB | largest process MiB | CPU ms / page | tree MiB / page |",
        "|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    pages_of = {f.projects: f.pages for f in figures if f.pages}
    for f in figures:
        pages = pages_of.get(f.projects)
        if f.run is None:
            cells = ["–", "–", f"failed ({f.error})", "–", "–", "–"]
        else:
            per_page = f.what != "check" and pages
            tree = f.run.tree_peak_mib
            cells = [
                f"{f.run.wall:.1f}",
                f"{f.run.cpu:.1f}",
                f"{tree:.0f}" if tree is not None else "",
                f"{f.run.peak_mib:.0f}",
                f"{f.run.cpu / pages * 1000:.0f}" if per_page else "",
                f"{tree / pages:.2f}" if per_page and tree is not None else "",
            ]
        lines.append(
            f"| {f.projects:,} | {f.line_items:,} | {f.indicators:,} | `{f.what}` | {pages or ''} | "
            + " | ".join(cells)
            + " |"
        )
    lines += ["", "Measured " + "; ".join(f"{k}: {v}" for k, v in meta.items()) + ".", PROJECTS_END]
    return "\n".join(lines)


# --- per format (issue 16) ----------------------------------------------------------------------

FORMATS_START, FORMATS_END = "<!-- per-format -->", "<!-- /per-format -->"
# The shipped examples of each format, in inputs/ (scripts/build_examples.py).
FORMAT_EXAMPLES = {
    "shanghai-putuo": ROOT / "inputs" / "101-上海市普陀区司法局-2026.xlsx",
    "xinjiang-2023": ROOT / "inputs" / "000-昌吉州政资局-2023.xlsx",
}


def format_pairs(tmp: Path, warm: WarmWorker | None) -> list[Pair]:
    """Shanghai 101 (A) against Xinjiang 000 (B), paired in the same run (the warm-worker pair only with `warm`)."""
    shanghai, xinjiang = FORMAT_EXAMPLES["shanghai-putuo"], FORMAT_EXAMPLES["xinjiang-2023"]
    out = tmp / "formats"
    pairs = [
        Pair(
            "per format: one department, CLI, DOCX+PDF",
            "within 10% of the earlier figures",
            cli("build", shanghai, "-o", out / "sh"),
            cli("build", xinjiang, "-o", out / "xj"),
            "shanghai-putuo (101)",
            "xinjiang-2023 (000)",
        ),
    ]
    if warm is None:
        return pairs
    return [
        *pairs,
        Pair(
            "per format: one department, warm worker, DOCX+PDF",
            "within 10% of the earlier figures",
            warm.job(shanghai, out / "sh-warm"),
            warm.job(xinjiang, out / "xj-warm"),
            "shanghai-putuo (101)",
            "xinjiang-2023 (000)",
        ),
    ]


def format_section(pairs: list[Pair], meta: dict[str, str]) -> str:
    lines = [
        FORMATS_START,
        "## Per format (issue 16)",
        "",
        "One department of each shipped format, A (shanghai-putuo, example 101: 9 tables, 25 landscape pages)",
        "and B (xinjiang-2023, example 000: 10 tables, 3 绩效目标表) measured in turn, A B A B …, after one",
        "unmeasured warm-up each (`python scripts/bench.py --formats`). Wall and CPU seconds (process and",
        "children, LibreOffice's 目录 pass included in the CLI figure), min / median / max. On a loaded machine",
        "compare the CPU seconds and the A/B ratio; wall seconds grow with the load average (below).",
        "",
        "| figure | A wall s | A CPU s | A peak MiB | B wall s | B CPU s | B peak MiB | A/B wall (median) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for pair in pairs:
        if pair.error:
            lines.append(f"| {pair.name} | failed: {pair.error} |||||||")
            continue
        ratios = pair.ratios("wall")
        ratio = f"{statistics.median(ratios):.2f}" if ratios else "–"
        a, b = pair.a_series, pair.b_series
        lines.append(
            f"| {pair.name} | {a.cell('wall')} | {a.cell('cpu')} | {a.cell('peak_mib', 0)} | "
            f"{b.cell('wall')} | {b.cell('cpu')} | {b.cell('peak_mib', 0)} | {ratio} |"
        )
    lines += ["", "; ".join(f"{k}: {v}" for k, v in meta.items()), FORMATS_END]
    return "\n".join(lines)


def write_format_section(out_path: Path, section: str) -> None:
    """Replace (or append) the per-format section of docs/benchmarks.md, leaving the rest."""
    old = out_path.read_text(encoding="utf-8") if out_path.exists() else ""
    if FORMATS_START in old and FORMATS_END in old:
        head, rest = old.split(FORMATS_START, 1)
        text = head + section + rest.split(FORMATS_END, 1)[1]
    else:
        text = old.rstrip("\n") + "\n\n" + section + "\n"
    out_path.write_text(text, encoding="utf-8")


def format_figures(tmp: Path, runs: int, with_warm: bool = True) -> list[Pair]:
    warm = WarmWorker() if with_warm else None
    try:
        pairs = format_pairs(tmp, warm)
        for pair in pairs:
            print(f"== {pair.name}", flush=True)
            pair.measure(runs)
            print(f"   A {pair.a_series.cell('wall')} s | B {pair.b_series.cell('wall')} s", flush=True)
    finally:
        if warm is not None:
            warm.close()
    os.environ.pop(JOBS_ENV, None)
    return pairs


def write_project_section(out_path: Path, section: str) -> None:
    """Replace (or append) the project-growth section of docs/benchmarks.md, leaving the rest."""
    old = out_path.read_text(encoding="utf-8") if out_path.exists() else ""
    if PROJECTS_START in old and PROJECTS_END in old:
        head, rest = old.split(PROJECTS_START, 1)
        tail = rest.split(PROJECTS_END, 1)[1]
        text = head + section + tail
    else:
        text = old.rstrip("\n") + "\n\n" + section + "\n"
    out_path.parent.mkdir(parents=True, exist_ok=True)
    out_path.write_text(text, encoding="utf-8")


# --- in-process stages and profile -------------------------------------------------------------


def timed(fn: Callable[[], object]) -> tuple[float, object]:
    start = time.perf_counter()
    value = fn()
    return time.perf_counter() - start, value


STAGES = (
    "read",
    "compute",
    "docx",
    "docx 目录: warm office",
    "docx 目录: cold soffice",
    "pdf",
    "pdf: layout",
    "pdf: write",
)


def stage_split(workbook: Path, out_dir: Path, runs: int) -> dict[str, list[float]]:
    """Per-stage wall seconds in this process (one core), after a first unmeasured round."""
    stages: dict[str, list[float]] = {name: [] for name in STAGES}
    out_dir.mkdir(parents=True, exist_ok=True)
    docx_path, pdf_path = out_dir / "stage.docx", out_dir / "stage.pdf"
    pdf_render.warm_up()
    for i in range(runs + 1):
        read_s, (raw, _) = timed(lambda: read_workbook(workbook))
        result = Result(path=workbook)
        compute_s, _ = timed(lambda raw=raw, result=result: _compute(result, build_inputs(raw)))
        disclosure = result.disclosure
        assert disclosure is not None, f"{workbook.name}: no disclosure"
        docx_s, _ = timed(lambda d=disclosure: render_docx(d, docx_path, {e.anchor: 88 for e in d.toc}))
        # the 目录 pagination of that draft (mostly LibreOffice's own time, in its process)
        warm = office.warm_office() if office.soffice() else None
        warm_s = timed(lambda d=disclosure, w=warm: w.page_numbers(docx_path, d))[0] if warm else float("nan")
        cold_s = (
            timed(lambda d=disclosure: office.cold_page_numbers(docx_path, d, office.soffice()))[0]
            if office.soffice()
            else float("nan")
        )
        pdf_s, _ = timed(lambda d=disclosure: pdf_render.render_pdf(d, pdf_path))
        layout_s, document = timed(lambda d=disclosure: pdf_layout(d))
        write_s, _ = timed(lambda doc=document: doc.write_pdf(pdf_path, pdf_variant=pdf_render.PDF_VARIANT))
        if i:
            values = (read_s, compute_s, docx_s, warm_s, cold_s, pdf_s, layout_s, write_s)
            for name, value in zip(STAGES, values, strict=True):
                if not math.isnan(value):  # not measured here (no LibreOffice / no uno Python)
                    stages[name].append(value)
    office.shut_down()
    return stages


def pdf_layout(disclosure):  # -> weasyprint.Document
    html = pdf_render.render_html(disclosure)
    document = pdf_render._html_class()(
        string=html, base_url=str(pdf_render.ASSETS) + "/", url_fetcher=pdf_render.make_url_fetcher()
    )
    return document.render(font_config=pdf_render.font_config(), pdf_variant=pdf_render.PDF_VARIANT)


# WeasyPrint phases as (label, file suffix, function name); cumulative times from one profile.
PHASES = (
    ("HTML parsing", "weasyprint/__init__.py", "__init__"),
    ("CSS cascade and computed styles", "weasyprint/css/__init__.py", "get_all_computed_styles"),
    ("box tree", "formatting_structure/build.py", "build_formatting_structure"),
    ("layout and pagination", "weasyprint/layout/__init__.py", "layout_document"),
    ("  of which tables", "weasyprint/layout/table.py", "table_layout"),
    ("  of which line breaking (Pango)", "weasyprint/layout/inline.py", "split_inline_box"),
    ("drawing pages into PDF streams", "weasyprint/document.py", "paint"),
    ("PDF/UA structure tree (tags)", "weasyprint/pdf/tags.py", "add_tags"),
    ("font subsetting (HarfBuzz)", "weasyprint/pdf/fonts.py", "build_fonts_dictionary"),
    ("serialising and compressing (pydyf)", "pydyf/__init__.py", "write"),
)


def profile_pdf(workbook: Path, out_dir: Path) -> tuple[list[tuple[str, float]], float]:
    from generator.pipeline import run

    disclosure = run(workbook).disclosure
    profiler = cProfile.Profile()
    profiler.enable()
    pdf_render.render_pdf(disclosure, out_dir / "profile.pdf")
    profiler.disable()
    stats = pstats.Stats(profiler).stats  # {(file, line, func): (cc, nc, tt, ct, callers)}
    total = sum(tt for (_, _, tt, _, _) in stats.values())
    rows = []
    for label, suffix, func in PHASES:
        cumulative = [
            ct for (file, _, name), (_, _, _, ct, _) in stats.items() if name == func and file.endswith(suffix)
        ]
        rows.append((label, max(cumulative, default=0.0)))
    return rows, total


# --- reporting -----------------------------------------------------------------------------------


def command_output(args: list[str]) -> str:
    try:
        return subprocess.run(args, capture_output=True, text=True, check=False, cwd=ROOT, timeout=60).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def machine() -> dict[str, str]:
    import weasyprint

    cpu = "unknown"
    with open("/proc/cpuinfo", encoding="utf-8") as fh:
        for line in fh:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    soffice = libreoffice()
    return {
        "cores (nproc)": str(len(os.sched_getaffinity(0))),
        "CPU": cpu,
        "OS": platform.platform(),
        "Python": platform.python_version(),
        "WeasyPrint": weasyprint.__version__,
        "LibreOffice": command_output([soffice, "--version"]) if soffice else "not installed",
    }


def commit() -> str:
    sha = command_output(["git", "rev-parse", "--short", "HEAD"]) or "unknown"
    dirty = command_output(["git", "status", "--porcelain", "--untracked-files=no"])
    return f"{sha} (with uncommitted changes)" if dirty else sha


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


METRIC_NAMES = {"wall": "wall s", "cpu": "CPU s", "peak_mib": "peak MiB", "ratio": "wall s"}


def figure_rows(pairs: list[Pair]) -> list[str]:
    lines = [
        "| Figure | Goal | Measured | A (shipped) | B (baseline) | A/B per pair |",
        "|---|---|---|---|---|---|",
    ]
    for p in pairs:
        if p.error:
            lines.append(f"| {p.name} | {p.goal} | **failed**: {p.error.replace('|', '/')} | | | |")
            continue
        for what in ("wall", "cpu", "peak_mib"):
            mark = " **←**" if what == p.metric or (p.metric == "ratio" and what == "wall") else ""
            digits = 0 if what == "peak_mib" else 2
            b_cell = p.b_series.cell(what, digits) if p.b is not None else (p.note or "–")
            ratio = spread(p.ratios(what), 2) if p.b is not None else "–"
            name = f"{p.name}<br>A: {p.a_label}<br>B: {p.b_label}" if what == "wall" else ""
            goal = (
                f"{p.goal}<br>{p.verdict()}" if what == "wall" and p.verdict() else (p.goal if what == "wall" else "")
            )
            lines.append(
                f"| {name} | {goal} | {METRIC_NAMES[what]}{mark} | {p.a_series.cell(what, digits)} | {b_cell} | {ratio} |"
            )
    return lines


def growth_rows(pairs: list[Pair], wb: Workbooks) -> list[str]:
    """Least-squares slope per line item of the growth pairs' medians (A and B)."""
    points = []
    for times, (_, items) in sorted(wb.scaled.items()):
        pair = next((p for p in pairs if p.name.startswith(f"growth: {times}x")), None)
        if pair is None or pair.error or not pair.a_series.runs:
            return ["Growth: not measured (a growth build failed)."]
        points.append((items, pair))
    if len(points) < 2:
        return []

    def slope(series_of: Callable[[Pair], Series], what: str) -> float:
        xs = [items for items, _ in points]
        ys = [series_of(p).median(what) for _, p in points]
        mx, my = statistics.fmean(xs), statistics.fmean(ys)
        return sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sum((x - mx) ** 2 for x in xs)

    lines = [
        "| Growth per line item (least squares over the medians) | A (shipped) | B (baseline) | goal |",
        "|---|---:|---:|---|",
    ]
    for what, unit, scale, limit in (
        ("wall", "ms", 1000, 12.0),
        ("cpu", "ms CPU", 1000, None),
        ("peak_mib", "MiB", 1, 0.15),
    ):
        has_b = all(p.b_series.runs for _, p in points)
        b = f"{slope(lambda p: p.b_series, what) * scale:.3f} {unit}" if has_b else "–"
        a = slope(lambda p: p.a_series, what) * scale
        goal = "–"
        if limit is not None:
            verdict = "met" if a <= limit else f"**missed** by {a - limit:.2f} {unit} ({a / limit - 1:.0%})"
            goal = f"≤ {limit:g} {unit}: {verdict}"
        lines.append(f"| {what} | {a:.3f} {unit} | {b} | {goal} |")
    return lines


def report(
    pairs: list[Pair],
    wb: Workbooks,
    stages: dict[str, list[float]],
    profile: tuple[list[tuple[str, float]], float],
    meta: dict[str, str],
) -> str:
    lines = [
        "# Benchmarks",
        "",
        "Generated by `scripts/bench.py` (`make bench`); overwritten on every run. Do not edit by hand.",
        "",
        *(f"- {key}: {value}" for key, value in meta.items()),
        "",
        "## The figures, each against its baseline",
        "",
        "Every cell is median (min–max) over the runs; the row marked **←** is the one the goal is about."
        " A and B ran in turn (A B A B …) after one unmeasured warm-up each, and A/B is taken pair by"
        " pair. Peak MiB is the largest single process (the kernel's `ru_maxrss` of the process tree);"
        " for the warm worker it is the worker's lifetime peak (`VmHWM`). CPU s counts every process"
        " the command waited for.",
        "",
        *figure_rows(pairs),
        "",
        *growth_rows(pairs, wb),
        "",
        "## Per stage (wall seconds, in-process, one core, 002)",
        "",
        "Measured inside one warm Python process (imports and fonts loaded, levers on).",
        "",
        "| " + " | ".join(STAGES) + " |",
        "|" + "---:|" * len(STAGES),
        "| " + " | ".join(spread(stages[name]) for name in STAGES) + " |",
        "",
        "## Where the PDF's time goes (one cProfile of `render_pdf`, 002)",
        "",
        "Profiler overhead inflates the absolute numbers; the shares are what matter. Phases are"
        " cumulative and nest (the “of which” rows are part of layout).",
        "",
        "| Phase | seconds (share) |",
        "|---|---:|",
    ]
    rows, total = profile
    lines += [f"| {label} | {seconds:.2f} s ({seconds / total:.0%}) |" for label, seconds in rows]
    lines += [f"| total (profiled) | {total:.2f} s |", "", NOTES.strip(), ""]
    return "\n".join(lines)


NOTES = """
## Reading the figures

See README.md, "Performance", for what each lever does and why the fonts come from Debian's
packages. In short:

- **Batch and warm workers.** `disclosure build FOLDER` (and the web application) keeps one
  warm worker per core: WeasyPrint imported, fonts and the font configuration loaded once,
  start-up objects frozen out of the garbage collector, and one LibreOffice started for the
  DOCX 目录 page numbers (generator/render/office.py). A department then costs read +
  compute + DOCX (rendered once, paginated by the running office, about 0.7 s of LibreOffice
  time, numbers written into the draft) + one PDF render; two departments render at once on
  two cores, and a lone job renders its DOCX in a forked child beside the PDF.
- **One department from the CLI.** The build forks a PDF worker before reading the workbook:
  the worker imports WeasyPrint and loads the fonts while the main process reads and
  computes the workbook (see "Per stage": read + compute), so the workbook read is *not* on
  the critical path; the worker's start-up is, followed by the PDF render, the critical path
  proper. The DOCX and its LibreOffice pagination (the office's start-up is paid once per
  command) run beside it on the other core.
- **The LibreOffice path** (B of the ratio) is `disclosure build --format docx` — which
  includes the same pagination — followed by `soffice --convert-to pdf` of that DOCX. Its PDF
  has bookmarks (from the DOCX headings) but is untagged (no PDF/UA structure tree) and uses
  fallback fonts.
- **Memory.** The largest process of a full build is LibreOffice laying out the DOCX (about
  210 MiB resident), not Python: the row "peak memory of the Python build alone" is the
  same build without the DOCX. `--format pdf` builds need no LibreOffice.
- **Why the growth goals are missed.** Per line item the PDF lays out, draws and tags more
  table rows (the profile's shares stay about the same as the document grows), and
  LibreOffice lays out the larger DOCX; memory grows with the laid-out pages, which
  WeasyPrint keeps until the PDF is written (documents with more than 40 绩效目标表 are laid
  out in chunks of at most 100 pages: see "Growth with projects").
"""


def queue_figure(departments: int) -> str:
    """scripts/bench_queue.py's section: the job queue with 1, 2, 4 worker processes and the in-process pool."""
    import bench_queue

    try:
        rows, meta = bench_queue.measure(departments)
    except Exception as exc:  # e.g. no PostgreSQL binaries: say so in the report
        return "\n".join(
            [
                bench_queue.START,
                "## Departments per minute through the job queue",
                "",
                f"Not measured: {exc}",
                bench_queue.END,
            ]
        )
    return bench_queue.section(rows, meta)


# --- main ----------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, help="measured runs per figure (default 5; quick: 3)")
    parser.add_argument("--quick", action="store_true", help="reduced run (also BENCH_QUICK=1)")
    parser.add_argument("--departments", type=int, help="batch size (default 100; quick: 10)")
    parser.add_argument("--output", default=str(ROOT / "docs" / "benchmarks.md"))
    parser.add_argument(
        "--projects",
        nargs="?",
        const=",".join(map(str, PROJECT_SIZES)),
        help="only the growth-with-projects figures, for these sizes (default 200,1000,2000)",
    )
    parser.add_argument(
        "--project-commands",
        default="check,docx,pdf,build",
        help="with --projects: which commands to measure (check, docx, pdf, build = both formats; default all four)",
    )
    parser.add_argument(
        "--formats",
        nargs="?",
        const="all",
        choices=("all", "cli"),
        help="only the per-format figures (Shanghai vs Xinjiang); `cli`: without the warm-worker pair",
    )
    args = parser.parse_args(argv)
    if args.formats:
        runs = args.runs or 5
        with tempfile.TemporaryDirectory(prefix="bench-formats-") as tmp_name:
            load_before = load()
            pairs = format_figures(Path(tmp_name), runs, with_warm=args.formats == "all")
        meta = {
            "date": dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
            "commit": commit(),
            "runs": str(runs),
            "load average before / after": f"{load_before} / {load()}",
        }
        write_format_section(Path(args.output), format_section(pairs, meta))
        print(f"wrote {args.output}")
        return 0
    if args.projects:
        sizes = tuple(int(x) for x in args.projects.split(","))
        with tempfile.TemporaryDirectory(prefix="bench-projects-") as tmp_name:
            load_before = load()
            wanted = {c.strip() for c in args.project_commands.split(",")}
            commands = tuple(c for c in PROJECT_COMMANDS if c.rsplit(" ", 1)[-1] in wanted)
            figures = project_figures(Path(tmp_name), sizes, commands)
        meta = {"date": dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"), "commit": commit()}
        if len(commands) < len(PROJECT_COMMANDS):
            meta["commands measured"] = ", ".join(f"`{c}`" for c in commands)
        meta["load average before / after"] = f"{load_before} / {load()}"
        write_project_section(Path(args.output), project_section(figures, meta))
        print(f"wrote {args.output}")
        return 0
    quick = args.quick or os.environ.get("BENCH_QUICK", "") not in ("", "0")
    runs = args.runs or (3 if quick else 5)
    departments = args.departments or (10 if quick else 100)
    times = (1, 4) if quick else (1, 4, 16)
    if libreoffice() is None:
        print("LibreOffice (soffice) not found: run `WITH_LIBREOFFICE=1 scripts/ensure-system-packages.sh`.")
    started = time.monotonic()
    load_before = load()
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp_name:
        tmp = Path(tmp_name)
        print("preparing workbooks …", flush=True)
        wb = make_workbooks(tmp, times, departments)
        base = baseline_tree(tmp)
        if base is not None:
            baseline_workbooks(wb, base, tmp)
        if base is None:
            print(f"baseline {BASELINE_REF} not available (no git?): baselines use this tree")
        warm = WarmWorker()
        try:
            pairs = measurements(wb, tmp, base, warm, quick)
            for pair in pairs:
                print(f"== {pair.name}", flush=True)
                pair.measure(runs)
                if pair.error:
                    print(f"   failed: {pair.error}", flush=True)
                else:
                    b = f" | B {pair.b_series.cell('wall')} s" if pair.b is not None else ""
                    print(f"   A {pair.a_series.cell('wall')} s{b}", flush=True)
        finally:
            warm.close()
        os.environ.pop(JOBS_ENV, None)
        print("== stages and profile", flush=True)
        stages = stage_split(wb.examples["002"], tmp / "stages", runs)
        profile = profile_pdf(wb.examples["002"], tmp / "stages")
        figures = project_figures(tmp / "projects", PROJECT_SIZES[:1] if quick else PROJECT_SIZES)
        print("== per format", flush=True)
        per_format = format_figures(tmp, runs)
    print("== departments per minute: 1, 2, 4 worker processes against the in-process pool", flush=True)
    queue_text = queue_figure(min(departments, 20))
    meta = {
        "Date": dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
        "Commit": commit(),
        "Baseline": f"{BASELINE_REF} (`BENCH_BASELINE`)" if base else "not available: B used this tree",
        "Command": "`python scripts/bench.py" + (" --quick`" if quick else "`"),
        "Mode": (
            f"quick: {runs} runs, {departments} departments, growth 1x/4x"
            if quick
            else f"full: {runs} runs, {departments} departments, growth 1x/4x/16x"
        ),
        "Load average before / after": f"{load_before} / {load()} (other work on the machine inflates wall times)",
        "Duration": f"{(time.monotonic() - started) / 60:.1f} min",
        **machine(),
    }
    out_path = Path(args.output)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    text = report(pairs, wb, stages, profile, meta)
    text = text.rstrip("\n") + "\n\n" + queue_text + "\n"
    # Keep the web application's section (written by scripts/load.py between its markers).
    old = out_path.read_text(encoding="utf-8") if out_path.exists() else ""
    start, end = "<!-- web-load -->", "<!-- /web-load -->"
    if start in old and end in old:
        text = text.rstrip("\n") + "\n\n" + old[old.index(start) : old.index(end) + len(end)] + "\n"
    out_path.write_text(text, encoding="utf-8")
    write_project_section(out_path, project_section(figures, {"date": meta["Date"], "commit": meta["Commit"]}))
    write_format_section(out_path, format_section(per_format, {"date": meta["Date"], "commit": meta["Commit"]}))
    print(f"wrote {out_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
