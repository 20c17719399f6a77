"""Set-up honesty (issue 7 §7): the Python check runs first and speaks Chinese."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT

SCRIPT = ROOT / "scripts" / "check-python.sh"


def run_with(python: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHON": python}
    return subprocess.run(["sh", str(SCRIPT)], capture_output=True, text=True, env=env, check=False)


def test_old_python_is_refused_in_chinese(tmp_path: Path) -> None:
    fake = tmp_path / "python3"
    fake.write_text('#!/bin/sh\n[ "$1" = -c ] && case "$2" in *print*) echo 3.9; exit 0;; esac\nexit 1\n')
    fake.chmod(0o755)
    proc = run_with(str(fake))
    assert proc.returncode == 1
    assert "当前 Python 版本为 3.9，本工具需要 Python 3.11 或更新版本" in proc.stderr


def test_missing_python_is_refused_in_chinese() -> None:
    proc = run_with("/nonexistent/python3")
    assert proc.returncode == 1 and "未找到 Python" in proc.stderr


def test_this_python_passes() -> None:
    assert run_with(sys.executable).returncode == 0


def test_demo_checks_python_before_anything_else() -> None:
    proc = subprocess.run(
        ["make", "--no-print-directory", "-n", "demo"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        # run inside `make test`, the outer make's variables would make this one a sub-make
        env={k: v for k, v in os.environ.items() if k not in ("MAKELEVEL", "MAKEFLAGS", "MFLAGS")},
    )
    assert proc.stdout.splitlines()[0].endswith("scripts/check-python.sh")
