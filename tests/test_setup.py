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


# --- system packages (issue 18 §4): LibreOffice and the fonts come with `make demo/serve/test` ----

PACKAGES = ROOT / "scripts" / "ensure-system-packages.sh"


def run_packages(tmp_path: Path, installed: bool, **env: str) -> subprocess.CompletedProcess[str]:
    """The script as a user who is not root, with dpkg answering that nothing (or everything) is installed."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    status = "install ok installed" if installed else ""
    for name, body in (
        ("dpkg-query", f'#!/bin/sh\nprintf "%s" "{status}"\n'),
        ("id", "#!/bin/sh\necho 1000\n"),
        ("apt-get", "#!/bin/sh\necho apt-get must not run >&2; exit 3\n"),
        ("fc-cache", "#!/bin/sh\nexit 0\n"),
    ):
        (bin_dir / name).write_text(body)
        (bin_dir / name).chmod(0o755)
    base = {k: v for k, v in os.environ.items() if not k.startswith("WITH_")}
    full_env = {**base, "PATH": f"{bin_dir}:{os.environ['PATH']}", **env}
    return subprocess.run(["bash", str(PACKAGES)], capture_output=True, text=True, env=full_env, check=False)


def test_libreoffice_and_the_faces_are_required_and_named_in_chinese(tmp_path: Path) -> None:
    proc = run_packages(tmp_path, installed=False)
    assert proc.returncode == 1
    for package in ("libreoffice-writer-nogui", "python3-uno", "texlive-lang-chinese", "fonts-noto-cjk"):
        assert package in proc.stderr
    assert "DOCX 目录的页码需要 LibreOffice" in proc.stderr
    assert "请运行：sudo scripts/ensure-system-packages.sh" in proc.stderr


def test_the_command_to_run_keeps_the_options(tmp_path: Path) -> None:
    proc = run_packages(tmp_path, installed=False, WITH_LIBREOFFICE="1", WITH_WEB_TESTS="1")
    assert proc.returncode == 1
    assert "libreoffice-calc-nogui" in proc.stderr and "chromium" in proc.stderr
    assert "sudo WITH_LIBREOFFICE=1 WITH_WEB_TESTS=1 scripts/ensure-system-packages.sh" in proc.stderr


def test_fandol_folder_must_be_registered_with_fontconfig(tmp_path: Path) -> None:
    fandol = tmp_path / "fandol"
    fandol.mkdir()
    conf = tmp_path / "conf.d" / "09-disclosure-fandol.conf"
    env = {"FANDOL_DIR": str(fandol), "FONTCONFIG_CONF": str(conf)}
    proc = run_packages(tmp_path, installed=True, **env)
    assert proc.returncode == 1 and "系统字体配置中还没有它们的目录" in proc.stderr
    conf.parent.mkdir()
    conf.write_text("<fontconfig/>")
    assert run_packages(tmp_path, installed=True, **env).returncode == 0


def make_plan(target: str) -> str:
    return subprocess.run(
        ["make", "--no-print-directory", "-n", target],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        env={k: v for k, v in os.environ.items() if k not in ("MAKELEVEL", "MAKEFLAGS", "MFLAGS")},
    ).stdout


def test_demo_serve_and_test_install_the_system_packages() -> None:
    for target in ("demo", "serve", "test"):
        assert "scripts/ensure-system-packages.sh" in make_plan(target), target
    assert "WITH_LIBREOFFICE=1 scripts/ensure-system-packages.sh" in make_plan("test")
