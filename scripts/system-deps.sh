#!/usr/bin/env bash
# Installs what pip cannot: Debian's chromium + chromium-driver (static chart export,
# the browser test), fonts-noto-cjk (Chinese glyphs in PNG/PDF: Sans for charts, Serif for
# the 通报) and poppler-utils (the tests read the PDF's text with pdftotext). Idempotent.
set -euo pipefail
need=()
[ -x /usr/bin/chromium ] || need+=(chromium chromium-driver)
fc-list 2>/dev/null | grep -q "Noto Sans CJK SC" || need+=(fonts-noto-cjk)  # also Noto Serif CJK
command -v pdftotext >/dev/null || need+=(poppler-utils)  # tests read the 通报's text
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
  echo "缺少系统软件包：${need[*]}（需要 root 与 apt-get 安装）；相关测试将跳过。" >&2
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null
apt-get install -y -q --no-install-recommends "${need[@]}" >/dev/null
