#!/usr/bin/env bash
# 内蒙古共青团改革数据看板 — the operator's CLI of an install (PREFIX/nmgdash):
#   PREFIX/nmgdash import FILE [--yes] | log | undo BATCH_ID | template   (python -m nmgdash, see README)
# Uses PREFIX/current with the settings of PREFIX/nmgdash.env (NMGDASH_IMPORTS). As root on an install
# with a service user (NMGDASH_SERVICE_USER), it runs as that user so the ledger stays writable for it.
set -euo pipefail
prefix="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
if [ -f "$prefix/nmgdash.env" ]; then set -a; . "$prefix/nmgdash.env"; set +a; fi
unset NMGDASH_DB
app="$(cd "$prefix/current" && pwd -P)"
export PYTHONPATH="$app${PYTHONPATH:+:$PYTHONPATH}"
if [ "$(id -u)" = 0 ] && [ -n "${NMGDASH_SERVICE_USER:-}" ] && [ "$NMGDASH_SERVICE_USER" != root ] \
   && command -v runuser >/dev/null 2>&1; then
  exec runuser -u "$NMGDASH_SERVICE_USER" -- env NMGDASH_USER="${NMGDASH_USER:-${SUDO_USER:-root}}" \
    NMGDASH_IMPORTS="$NMGDASH_IMPORTS" PYTHONPATH="$PYTHONPATH" "$app/.venv/bin/python" -m nmgdash "$@"
fi
exec "$app/.venv/bin/python" -m nmgdash "$@"
