#!/usr/bin/env bash
# Install the Debian/Ubuntu packages the PDF renderer needs (Pango, HarfBuzz subsetting,
# Noto CJK fonts) plus the tools the tests and benchmark use, when missing.
set -euo pipefail
required=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-noto-cjk fonts-hanazono poppler-utils)
# LibreOffice is only needed by `make bench` and the LibreOffice round-trip test.
if [ "${WITH_LIBREOFFICE:-0}" = "1" ]; then required+=(libreoffice-writer-nogui); fi
missing=()
for p in "${required[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if ! command -v apt-get >/dev/null 2>&1; then
  echo "缺少系统软件包：${missing[*]}。本机没有 apt-get，请用系统的包管理器安装相应软件包后重试。" >&2
  exit 1
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "缺少系统软件包：${missing[*]}" >&2
  echo "请运行：sudo apt-get install -y ${missing[*]}  然后重新执行 make。" >&2
  exit 1
fi
echo "正在安装系统软件包：${missing[*]}"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
