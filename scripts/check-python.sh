#!/bin/sh
# Runs first in `make setup/demo/test`: say in Chinese, before anything else, when Python is missing or
# older than 3.11, and what to install. POSIX sh and a Python-2-compatible one-liner, so it works on old systems.
PYTHON="${PYTHON:-python3}"
if ! command -v "$PYTHON" >/dev/null 2>&1; then
  echo "未找到 Python（$PYTHON）。本工具需要 Python 3.11 或更新版本：" >&2
  echo "  Debian/Ubuntu：sudo apt-get install -y python3 python3-venv" >&2
  exit 1
fi
if ! "$PYTHON" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' 2>/dev/null; then
  version=$("$PYTHON" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null) || version="未知"
  echo "当前 Python 版本为 $version，本工具需要 Python 3.11 或更新版本。" >&2
  echo "  Debian 12 / Ubuntu 24.04 及以上：sudo apt-get install -y python3 python3-venv" >&2
  echo "  较旧的系统：请安装 python3.11（或更新）及对应的 venv 软件包，然后运行 make PYTHON=python3.11 demo" >&2
  exit 1
fi
if ! "$PYTHON" -c 'import venv, ensurepip' 2>/dev/null; then
  echo "Python 缺少 venv 模块，无法创建虚拟环境。请安装：sudo apt-get install -y python3-venv" >&2
  exit 1
fi
