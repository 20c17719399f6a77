#!/usr/bin/env bash
# Install the Debian/Ubuntu packages the product needs, when missing:
# - the PDF renderer: Pango, HarfBuzz subsetting, Noto CJK (黑体/宋体 faces), HanaMin for rare characters,
#   Liberation for digits metric-equal to Times New Roman, and the Fandol 仿宋/楷体 faces (texlive-lang-chinese,
#   installed without recommends: the fonts, not a TeX system to use);
# - the DOCX 目录 page numbers: LibreOffice Writer and python3-uno (a warm LibreOffice per process);
# - poppler-utils for the tests and the cold DOCX 目录 pass.
# Fandol's fonts live under TeX's tree, which fontconfig does not scan by default: a small fontconfig file
# (FONTCONFIG_CONF below) adds that one folder, so WeasyPrint and LibreOffice find FandolFang and FandolKai.
# WITH_LIBREOFFICE=1 also installs LibreOffice Calc (make bench and the tests that open workbooks in it).
# WITH_WEB_TESTS=1 also installs what the web application's tests use: PostgreSQL (the storage tests start a
# throw-away cluster) and Chromium with its driver (the browser tests; Playwright drives /usr/bin/chromium).
# Messages are in Chinese: they are what a new user sees from `make demo`.
set -euo pipefail
required=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-noto-cjk fonts-hanazono fonts-liberation2
  texlive-lang-chinese poppler-utils)
office=(libreoffice-writer-nogui python3-uno)
if [ "${WITH_LIBREOFFICE:-0}" = "1" ]; then office+=(libreoffice-calc-nogui); fi
if [ "${WITH_WEB_TESTS:-0}" = "1" ]; then required+=(postgresql chromium chromium-driver); fi

# The command that does all of this as root, with the same options.
again="sudo"
[ "${WITH_LIBREOFFICE:-0}" = "1" ] && again+=" WITH_LIBREOFFICE=1"
[ "${WITH_WEB_TESTS:-0}" = "1" ] && again+=" WITH_WEB_TESTS=1"
again+=" scripts/ensure-system-packages.sh"

FANDOL_DIR=${FANDOL_DIR:-/usr/share/texlive/texmf-dist/fonts/opentype/public/fandol}
FONTCONFIG_CONF=${FONTCONFIG_CONF:-/etc/fonts/conf.d/09-disclosure-fandol.conf}  # (both overridable for the tests)

missing_of() {
  local p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || echo "$p"
  done
}

# Make fontconfig see the Fandol faces (needs root; a no-op when already done).
ensure_fontconfig() {
  [ -d "$FANDOL_DIR" ] || return 0
  [ -f "$FONTCONFIG_CONF" ] && return 0
  if [ "$(id -u)" -ne 0 ]; then
    echo "仿宋、楷体字体（Fandol）已安装，但系统字体配置中还没有它们的目录。" >&2
    echo "请运行：$again  然后重新执行 make。" >&2
    exit 1
  fi
  cat >"$FONTCONFIG_CONF" <<EOF
<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">
<!-- Written by the budget-disclosure generator (scripts/ensure-system-packages.sh):
     the Fandol 仿宋/楷体 faces of texlive-lang-chinese, for WeasyPrint and LibreOffice. -->
<fontconfig>
  <dir>$FANDOL_DIR</dir>
  <!-- The DOCX names the Windows families; LibreOffice draws them with these faces. -->
  <alias binding="same"><family>仿宋_GB2312</family><prefer><family>FandolFang</family></prefer></alias>
  <alias binding="same"><family>仿宋</family><prefer><family>FandolFang</family></prefer></alias>
  <alias binding="same"><family>楷体_GB2312</family><prefer><family>FandolKai</family></prefer></alias>
  <alias binding="same"><family>楷体</family><prefer><family>FandolKai</family></prefer></alias>
  <alias binding="same"><family>黑体</family><prefer><family>Noto Sans CJK SC</family></prefer></alias>
  <alias binding="same"><family>宋体</family><prefer><family>Noto Serif CJK SC</family></prefer></alias>
</fontconfig>
EOF
  fc-cache -f >/dev/null 2>&1 || true
}

mapfile -t missing < <(missing_of "${required[@]}")
mapfile -t missing_office < <(missing_of "${office[@]}")
if [ ${#missing[@]} -eq 0 ] && [ ${#missing_office[@]} -eq 0 ]; then
  ensure_fontconfig
  exit 0
fi

all=("${missing[@]}" "${missing_office[@]}")
if ! command -v apt-get >/dev/null 2>&1; then
  echo "缺少系统软件包：${all[*]}。本机没有 apt-get，请用系统的包管理器安装相应软件包后重试。" >&2
  exit 1
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "缺少系统软件包：${all[*]}" >&2
  echo "（PDF 需要字体和排版库；DOCX 目录的页码需要 LibreOffice 和 python3-uno。）" >&2
  echo "请运行：$again  然后重新执行 make。" >&2
  exit 1
fi
echo "正在安装系统软件包（首次需要几分钟）：${all[*]}"
apt-get update -qq
if [ ${#missing[@]} -gt 0 ]; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
if [ ${#missing_office[@]} -gt 0 ]; then
  # With recommends: the headless converter is verified in that configuration.
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing_office[@]}" >/dev/null
fi
ensure_fontconfig
