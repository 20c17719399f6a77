#!/usr/bin/env bash
# Install the Debian/Ubuntu packages the PDF renderer needs (Pango, HarfBuzz subsetting,
# Noto CJK fonts, HanaMin for rare characters, Liberation for digits metric-equal to Times New Roman)
# plus poppler-utils for the tests and the DOCX 目录 pass, when missing.
# WITH_LIBREOFFICE=1 also installs LibreOffice Writer and Calc (make bench, CI's round-trip tests) and python3-uno
# (a warm LibreOffice for the DOCX 目录 page numbers; without it each DOCX starts LibreOffice afresh).
# WITH_WEB_TESTS=1 also installs what the web application's tests use: PostgreSQL (the storage tests start a
# throw-away cluster) and Chromium with its driver (the browser tests; Playwright drives /usr/bin/chromium).
set -euo pipefail
required=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-noto-cjk fonts-hanazono fonts-liberation2 poppler-utils)
office=()
if [ "${WITH_LIBREOFFICE:-0}" = "1" ]; then office=(libreoffice-writer-nogui libreoffice-calc-nogui python3-uno); fi
if [ "${WITH_WEB_TESTS:-0}" = "1" ]; then required+=(postgresql chromium chromium-driver); fi

missing_of() {
  local p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || echo "$p"
  done
}
mapfile -t missing < <(missing_of "${required[@]}")
mapfile -t missing_office < <(missing_of "${office[@]}")
[ ${#missing[@]} -eq 0 ] && [ ${#missing_office[@]} -eq 0 ] && exit 0

all=("${missing[@]}" "${missing_office[@]}")
if ! command -v apt-get >/dev/null 2>&1; then
  echo "缺少系统软件包：${all[*]}。本机没有 apt-get，请用系统的包管理器安装相应软件包后重试。" >&2
  exit 1
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "缺少系统软件包：${all[*]}" >&2
  echo "请运行：sudo apt-get install -y ${all[*]}  然后重新执行 make。" >&2
  exit 1
fi
echo "正在安装系统软件包：${all[*]}"
apt-get update -qq
if [ ${#missing[@]} -gt 0 ]; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
if [ ${#missing_office[@]} -gt 0 ]; then
  # With recommends: the headless converter is verified in that configuration.
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing_office[@]}" >/dev/null
fi
