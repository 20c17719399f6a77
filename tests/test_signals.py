"""An interrupted build leaves nothing behind: killed at several moments with SIGTERM or SIGKILL.

A real `disclosure build` runs in its own process group, over an output folder holding the
outputs of an earlier build, and is killed after a chosen delay (while starting, reading,
rendering the DOCX, rendering the PDF in the worker, publishing). Afterwards:
- every file in the output folder is complete: byte-identical to the earlier build's or to
  a complete build of the new workbook (the renderers are deterministic);
- no process of the build is left (the PDF worker dies with its parent, SIGKILL included);
- after SIGTERM no temporary file is left at all; after SIGKILL the leftovers sit in the
  hidden temp folder, and the next build removes them.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from generator import output
from generator.cli import main
from generator.workbook.template import write_workbook
from tests.conftest import ROOT, example_data
from tests.procs import live_processes

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="uses /proc and process groups"),
]


def digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir()) if p.is_file()}


@pytest.fixture(scope="module")
def builds(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Example 002 and a changed copy (same file names), each built once completely."""
    base = tmp_path_factory.mktemp("signals")
    old_wb, new_wb = base / "old.xlsx", base / "new.xlsx"
    write_workbook(old_wb, example_data("002"))
    data = example_data("002")
    data["基本信息"]["机构设置"] = str(data["基本信息"]["机构设置"]) + "（已修订）"
    write_workbook(new_wb, data)
    for wb, out in ((old_wb, base / "old-out"), (new_wb, base / "new-out")):
        assert main(["build", str(wb), "-o", str(out)]) == 0
    return {"old": base / "old-out", "new": base / "new-out", "new_wb": new_wb}


def group_members(pgid: int) -> list[str]:
    """Live (not zombie) processes of process group `pgid`, as 'pid name state'."""
    return [f"{p.pid} {p.name} {p.state}" for p in live_processes() if p.pgrp == pgid]


def wait_until_gone(pgid: int, seconds: float = 1.0) -> list[str]:
    deadline = time.monotonic() + seconds
    while (left := group_members(pgid)) and time.monotonic() < deadline:
        time.sleep(0.1)
    return left


@pytest.mark.parametrize("delay", [0.3, 1.5, 3.0, 5.0, 8.0])
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGKILL], ids=["TERM", "KILL"])
def test_killed_build_leaves_only_complete_files(
    builds: dict[str, Path], tmp_path: Path, signum: int, delay: float
) -> None:
    out = tmp_path / "out"
    shutil.copytree(builds["old"], out)
    old, new = digest(builds["old"]), digest(builds["new"])
    env = {k: v for k, v in os.environ.items() if k != "DISCLOSURE_JOBS"}
    env["PYTHONPATH"] = str(ROOT)
    proc = subprocess.Popen(
        [sys.executable, "-m", "generator.cli", "build", str(builds["new_wb"]), "-o", str(out)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    time.sleep(delay)
    finished_before = proc.poll() is not None
    if not finished_before:
        os.kill(proc.pid, signum)  # the main process only: the worker must follow by itself
    _, stderr = proc.communicate(timeout=60)
    left = wait_until_gone(proc.pid)
    assert not left, f"processes left after {signal.Signals(signum).name}: {left}"

    files = digest(out)
    assert set(files) == set(old)
    for name, sha in files.items():
        assert sha in (old[name], new[name]), f"{name} is neither the earlier nor a complete new file"
    assert [p.name for p in out.iterdir() if p.is_file() and p.name.startswith(".")] == []

    if finished_before:
        assert proc.returncode == 0 and files == new
    elif signum == signal.SIGTERM:
        # -15: killed while Python was still starting, before the handler (and any file) existed
        assert proc.returncode in (0, 143, -signal.SIGTERM), stderr.decode()
        if proc.returncode == 143:
            assert "已被终止" in stderr.decode() and "Traceback" not in stderr.decode()
        assert not output.temp_dir(out).exists(), list(output.temp_dir(out).iterdir())
    else:
        assert proc.returncode == -signal.SIGKILL
        # the leftovers (if any) are only in the hidden temp folder; the next run removes them
        output.sweep(out)
        assert not output.temp_dir(out).exists()


def test_sweep_keeps_files_of_live_runs(tmp_path: Path) -> None:
    tmp_dir = output.temp_dir(tmp_path)
    tmp_dir.mkdir()
    host = output._host()
    mine = tmp_dir / f"{host}-{os.getpid()}-abc.pdf.part.tmp"
    dead = tmp_dir / f"{host}-{2**22 + 12345}-abc.pdf.part.tmp"  # above Linux's default pid_max
    other_host = tmp_dir / "otherhost-1-abc.docx.part.tmp"
    old = tmp_dir / "otherhost-2-abc.docx.part.tmp"
    for p in (mine, dead, other_host, old):
        p.write_bytes(b"partial")
    os.utime(old, (time.time() - 2 * output.STALE_SECONDS, time.time() - 2 * output.STALE_SECONDS))
    assert sorted(output.sweep(tmp_path)) == sorted([dead, old])
    assert sorted(p.name for p in tmp_dir.iterdir()) == sorted([mine.name, other_host.name])
