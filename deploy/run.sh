#!/usr/bin/env bash
# 内蒙古共青团改革数据看板 — start the server in the foreground (headless, no usage statistics).
#
#   ./run.sh [--port N] [--address A]
#
# Works in the install folder (PREFIX/run.sh: runs PREFIX/current) and in the unpacked bundle after
# ./install.sh (it remembers the prefix). Defaults come from PREFIX/nmgdash.env (NMGDASH_PORT,
# NMGDASH_ADDRESS; else 8501 and localhost); the options override them. The systemd unit runs this too.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
fail() { echo "错误：$*" >&2; exit 1; }

if [ -d "$here/current" ]; then
  prefix="$here"
elif [ -f "$here/.installed-prefix" ] && [ -x "$(cat "$here/.installed-prefix")/run.sh" ]; then
  exec "$(cat "$here/.installed-prefix")/run.sh" "$@"   # the unpacked bundle after ./install.sh
else
  fail "尚未安装：请先运行 ./install.sh [--prefix 安装目录]，再运行 安装目录/run.sh"
fi
app="$(cd "$prefix/current" && pwd -P)"
[ -x "$app/.venv/bin/python" ] || fail "$app 中没有虚拟环境：安装不完整，请重新运行 ./install.sh"
if [ -f "$prefix/nmgdash.env" ]; then set -a; . "$prefix/nmgdash.env"; set +a; fi
ADDRESS="${NMGDASH_ADDRESS:-localhost}"; PORT="${NMGDASH_PORT:-8501}"
while [ $# -gt 0 ]; do
  case "$1" in
    --port) [ $# -ge 2 ] || fail "--port 需要一个端口号"; PORT="$2"; shift 2 ;;
    --port=*) PORT="${1#*=}"; shift ;;
    --address) [ $# -ge 2 ] || fail "--address 需要一个地址"; ADDRESS="$2"; shift 2 ;;
    --address=*) ADDRESS="${1#*=}"; shift ;;
    -h|--help) echo "用法：./run.sh [--port N] [--address A]（默认 $PORT 和 $ADDRESS，见 $prefix/nmgdash.env）"; exit 0 ;;
    *) fail "未知参数：$1（用法：./run.sh [--port N] [--address A]）" ;;
  esac
done
[[ "$PORT" =~ ^[0-9]+$ && "$PORT" -ge 1 && "$PORT" -le 65535 ]] || fail "端口必须是 1–65535 之间的数字：$PORT"
unset NMGDASH_DB  # the release's own data/reform.duckdb
export NMGDASH_IMPORTS="${NMGDASH_IMPORTS:-$prefix/imports}"
version="$(sed -n 's/^VERSION=//p' "$app/BUNDLE-INFO" 2>/dev/null || true)"
shown="$ADDRESS"
if [ "$ADDRESS" = "0.0.0.0" ] || [ "$ADDRESS" = "::" ]; then
  shown="$(hostname -I 2>/dev/null | awk '{print $1}')"; shown="${shown:-$(hostname)}"
  echo "==> 监听所有网络接口（$ADDRESS）：局域网内任何能访问此端口的人都能查看看板（查看无需登录）"
fi
case "$shown" in *:*) shown="[$shown]" ;; esac
echo "==> 内蒙古共青团改革数据看板 ${version:-}：http://$shown:$PORT （前台运行，Ctrl+C 停止；程序 $app）"
cd "$app"
exec "$app/.venv/bin/python" -m streamlit run app.py --server.headless true --browser.gatherUsageStats false \
  --server.port "$PORT" --server.address "$ADDRESS"
