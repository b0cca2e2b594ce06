#!/usr/bin/env bash
# 内蒙古共青团改革数据看板 — switch PREFIX/current back to PREFIX/previous (and previous to the
# version that was current), then restart the service if systemd runs it. The import ledger is shared
# by all versions, so imports made after the upgrade stay (the database is rebuilt on start).
set -euo pipefail
prefix="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cur="$(readlink "$prefix/current" 2>/dev/null || true)"
prev="$(readlink "$prefix/previous" 2>/dev/null || true)"
[ -n "$prev" ] && [ -d "$prefix/$prev/.venv" ] || { echo "错误：没有可回退的上一版本（$prefix/previous）" >&2; exit 1; }
ln -sfn "$prev" "$prefix/.current.new" && mv -Tf "$prefix/.current.new" "$prefix/current"
[ -n "$cur" ] && ln -sfn "$cur" "$prefix/.previous.new" && mv -Tf "$prefix/.previous.new" "$prefix/previous"
echo "==> 已回退：current -> $prev（previous -> $cur）"
if [ -z "${NMGDASH_NO_SYSTEMCTL:-}" ] && [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1 \
   && systemctl is-enabled nmgdash.service >/dev/null 2>&1; then
  systemctl restart nmgdash.service && echo "==> 服务已重启：systemctl status nmgdash"
else
  echo "==> 请重新启动服务器：停止正在运行的 run.sh，再运行 $prefix/run.sh"
fi
