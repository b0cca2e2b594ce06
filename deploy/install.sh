#!/usr/bin/env bash
# 内蒙古共青团改革数据看板 — offline installer. Runs from the unpacked bundle; needs no network.
#
#   ./install.sh [--prefix DIR] [--check] [--service] [--address A] [--port N] [--user NAME]
#                [--python PATH] [--install-debs]
#
# Layout of an install (PREFIX, default /opt/nmgdash as root, ~/nmgdash otherwise):
#   PREFIX/releases/<version>/   the app with its own .venv (one folder per installed version)
#   PREFIX/current -> releases/<version>     the running version;  PREFIX/previous -> the one before
#   PREFIX/imports/              the import ledger (NMGDASH_IMPORTS), shared by all versions; every
#                                release's data/imports is a symlink to it
#   PREFIX/nmgdash.env           settings (NMGDASH_IMPORTS, NMGDASH_ADDRESS, NMGDASH_PORT); never overwritten
#   PREFIX/run.sh                start the server in the foreground;  PREFIX/nmgdash  the CLI (import/log/undo)
#   PREFIX/rollback.sh           switch back to the previous version
# Exit codes: 0 ok, 1 install failed, 2 bad arguments, 3 damaged bundle, 4 wrong/unusable Python,
# 5 wrong platform (CPU or glibc). See README "离线部署".
set -euo pipefail
umask 022

BUNDLE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
say() { echo "==> $*"; }
fail() { local code="$1"; shift; echo "错误：$*" >&2; exit "$code"; }

usage() {
  cat <<'EOF'
用法：./install.sh [选项]
  --prefix DIR     安装目录（root 默认 /opt/nmgdash，其他用户默认 ~/nmgdash）
  --check          只检查安装包（SHA-256）、Python 版本和平台，不做任何修改
  --service        安装 systemd 服务 nmgdash.service（以非特权用户运行，失败自动重启）
  --address A      服务监听地址（写入 PREFIX/nmgdash.env；默认 localhost，局域网可用 0.0.0.0 或本机内网地址）
  --port N         服务端口（写入 PREFIX/nmgdash.env；默认 8501）
  --user NAME      --service 使用的系统用户（默认 nmgdash，不存在时创建）
  --python PATH    使用的 Python 3.11 解释器（默认 python3.11，其次 python3）
  --install-debs   安装包内 debs/ 中的 .deb（需要 root；不含依赖）
EOF
}

PREFIX=""; CHECK_ONLY=0; SERVICE=0; ADDRESS=""; PORT=""; SERVICE_USER="nmgdash"; PY="${PYTHON:-}"; INSTALL_DEBS=0
while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) [ $# -ge 2 ] || fail 2 "--prefix 需要一个目录"; PREFIX="$2"; shift 2 ;;
    --prefix=*) PREFIX="${1#*=}"; shift ;;
    --check) CHECK_ONLY=1; shift ;;
    --service) SERVICE=1; shift ;;
    --address) [ $# -ge 2 ] || fail 2 "--address 需要一个地址"; ADDRESS="$2"; shift 2 ;;
    --address=*) ADDRESS="${1#*=}"; shift ;;
    --port) [ $# -ge 2 ] || fail 2 "--port 需要一个端口号"; PORT="$2"; shift 2 ;;
    --port=*) PORT="${1#*=}"; shift ;;
    --user) [ $# -ge 2 ] || fail 2 "--user 需要一个用户名"; SERVICE_USER="$2"; shift 2 ;;
    --user=*) SERVICE_USER="${1#*=}"; shift ;;
    --python) [ $# -ge 2 ] || fail 2 "--python 需要一个路径"; PY="$2"; shift 2 ;;
    --python=*) PY="${1#*=}"; shift ;;
    --install-debs) INSTALL_DEBS=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; fail 2 "未知参数：$1" ;;
  esac
done
if [ -n "$PORT" ] && ! [[ "$PORT" =~ ^[0-9]+$ && "$PORT" -ge 1 && "$PORT" -le 65535 ]]; then
  fail 2 "端口必须是 1–65535 之间的数字：$PORT"
fi
if [ -n "$ADDRESS" ] && ! [[ "$ADDRESS" =~ ^[0-9A-Za-z.:_-]+$ ]]; then fail 2 "监听地址无效：$ADDRESS"; fi
if [ -z "$PREFIX" ]; then
  if [ "$(id -u)" = 0 ]; then PREFIX=/opt/nmgdash; else PREFIX="$HOME/nmgdash"; fi
fi

# --- checks (nothing is touched before they pass) --------------------------------------------
[ -f "$BUNDLE/BUNDLE-INFO" ] || fail 3 "安装包不完整：缺少 BUNDLE-INFO。请重新复制并解压安装包。"
# shellcheck disable=SC1091
. "$BUNDLE/BUNDLE-INFO"

check_bundle() {
  [ -f "$BUNDLE/SHA256SUMS" ] || fail 3 "安装包不完整：缺少 SHA256SUMS。请重新复制并解压安装包。"
  local out
  if ! out="$(cd "$BUNDLE" && sha256sum --quiet --strict -c SHA256SUMS 2>&1)"; then
    echo "错误：安装包已损坏或不完整（SHA-256 校验失败），未做任何修改。" >&2
    echo "请重新复制安装包（可先用 sha256sum -c ${BUNDLE##*/}.tar.gz.sha256 核对压缩包）。校验失败的文件：" >&2
    echo "$out" | sed -e 's/: FAILED open or read$/：缺失或无法读取/' -e 's/: FAILED$/：内容不符/' \
      | grep -v '^sha256sum:' | head -20 >&2
    exit 3
  fi
  say "安装包完整：$(wc -l < "$BUNDLE/SHA256SUMS") 个文件的 SHA-256 校验通过（版本 $VERSION，$PYTHON_TAG-$PLATFORM）"
}

find_python() {
  if [ -z "$PY" ]; then
    for c in "python$PYTHON_VERSION" python3; do
      if command -v "$c" >/dev/null 2>&1; then PY="$(command -v "$c")"; break; fi
    done
  fi
  [ -n "$PY" ] || fail 4 "找不到 Python：本安装包需要 Python $PYTHON_VERSION（wheel 为 $PYTHON_TAG）。请安装 python$PYTHON_VERSION 和 python$PYTHON_VERSION-venv，或用 --python 指定路径。"
  local ver
  ver="$("$PY" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null)" \
    || fail 4 "无法运行 Python：$PY。本安装包需要 Python $PYTHON_VERSION，请用 --python 指定正确的路径。"
  if [ "$ver" != "$PYTHON_VERSION" ]; then
    fail 4 "Python 版本不符：$PY 是 Python $ver，而本安装包的 wheel 只适用于 Python $PYTHON_VERSION（$PYTHON_TAG）。请安装 python$PYTHON_VERSION（及 python$PYTHON_VERSION-venv），或用 --python 指定 Python $PYTHON_VERSION 的路径。未做任何修改。"
  fi
  "$PY" -c 'import venv, ensurepip' >/dev/null 2>&1 \
    || fail 4 "$PY 缺少 venv/ensurepip 模块，无法创建虚拟环境。Debian/Ubuntu 上请安装 python$PYTHON_VERSION-venv。未做任何修改。"
  say "Python $ver：$PY"
}

check_platform() {
  local arch glibc
  arch="$(uname -m)"
  [ "$arch" = "$ARCH" ] || fail 5 "平台不符：本机 CPU 架构为 $arch，安装包为 $ARCH 构建。"
  glibc="$(getconf GNU_LIBC_VERSION 2>/dev/null | awk '{print $2}')" || glibc=""
  if [ -z "$glibc" ]; then
    fail 5 "无法确定本机的 glibc 版本（安装包需要 glibc ≥ $GLIBC_MIN，不支持 musl 系统如 Alpine）。"
  fi
  if [ "$(printf '%s\n%s\n' "$GLIBC_MIN" "$glibc" | sort -V | head -1)" != "$GLIBC_MIN" ]; then
    fail 5 "平台不符：本机 glibc $glibc 低于安装包要求的 $GLIBC_MIN（$PLATFORM）。请在联网机器上用 make bundle GLIBC=$glibc 重新打包。"
  fi
  say "平台：$arch，glibc $glibc（需要 ≥ $GLIBC_MIN）"
}

check_bundle
find_python
check_platform
if [ "$CHECK_ONLY" = 1 ]; then
  say "检查通过，未做任何修改。安装：./install.sh --prefix $PREFIX"
  exit 0
fi

# --- install ---------------------------------------------------------------------------------
# A clean pip: no config files, no PIP_* variables (a stray index or find-links must not be used).
for v in $(compgen -e | grep '^PIP_' || true); do unset "$v"; done
export PIP_CONFIG_FILE=/dev/null PIP_NO_INDEX=1 PIP_DISABLE_PIP_VERSION_CHECK=1
unset NMGDASH_DB  # every release keeps its database in its own data/

mkdir -p "$PREFIX/releases"
PREFIX="$(cd "$PREFIX" && pwd -P)"
ENV_FILE="$PREFIX/nmgdash.env"
OLD=""; [ -L "$PREFIX/current" ] && OLD="$(readlink "$PREFIX/current")"
OLD_DIR=""; [ -n "$OLD" ] && OLD_DIR="$(cd "$PREFIX" && cd "$OLD" 2>/dev/null && pwd -P || true)"

# settings: created once, kept on upgrade (only --address/--port change their lines)
if [ ! -f "$ENV_FILE" ]; then
  cat > "$ENV_FILE" <<EOF
# 内蒙古共青团改革数据看板 — settings read by run.sh, the CLI and the systemd unit (KEY=value, no quotes).
# Kept when upgrading. The import ledger (imported data + audit log) lives in NMGDASH_IMPORTS.
NMGDASH_IMPORTS=${NMGDASH_IMPORTS:-$PREFIX/imports}
NMGDASH_ADDRESS=${ADDRESS:-localhost}
NMGDASH_PORT=${PORT:-8501}
EOF
  say "已写入设置 $ENV_FILE"
else
  say "保留已有设置 $ENV_FILE"
fi
set_setting() {  # KEY VALUE: replace or append a line of the env file
  if grep -q "^$1=" "$ENV_FILE"; then sed -i "s|^$1=.*|$1=$2|" "$ENV_FILE"; else echo "$1=$2" >> "$ENV_FILE"; fi
}
[ -n "$ADDRESS" ] && set_setting NMGDASH_ADDRESS "$ADDRESS"
[ -n "$PORT" ] && set_setting NMGDASH_PORT "$PORT"
LEDGER="$( set -a; . "$ENV_FILE"; echo "${NMGDASH_IMPORTS:-}" )"
[ -n "$LEDGER" ] || { LEDGER="$PREFIX/imports"; set_setting NMGDASH_IMPORTS "$LEDGER"; }
mkdir -p "$LEDGER"
LEDGER="$(cd "$LEDGER" && pwd -P)"
# an older install that kept its ledger inside the app (data/imports as a real folder): carry it over
if [ -n "$OLD_DIR" ] && [ -d "$OLD_DIR/data/imports" ] && [ ! -L "$OLD_DIR/data/imports" ] \
   && [ -f "$OLD_DIR/data/imports/audit.jsonl" ] && [ ! -f "$LEDGER/audit.jsonl" ]; then
  cp -a "$OLD_DIR/data/imports/." "$LEDGER/"
  say "已把旧版本的导入记录 $OLD_DIR/data/imports 复制到 $LEDGER"
fi
export NMGDASH_IMPORTS="$LEDGER"

# the release folder: releases/<version>, or <version>-rN when that version is the running one
NAME="$VERSION"; n=1
while [ -e "$PREFIX/releases/$NAME" ] && [ "$(cd "$PREFIX/releases/$NAME" && pwd -P)" = "$OLD_DIR" ]; do
  n=$((n + 1)); NAME="$VERSION-r$n"
done
DEST="$PREFIX/releases/$NAME"
rm -rf "$DEST"
SWITCHED=0
on_exit() {
  local rc=$?
  if [ "$rc" != 0 ] && [ "$SWITCHED" = 0 ]; then
    rm -rf "$DEST"
    echo "错误：安装失败，已删除未完成的 $DEST；正在运行的版本未改动。" >&2
  fi
}
trap on_exit EXIT
trap 'exit 130' INT TERM

T0=$(date +%s)
say "复制程序到 $DEST"
mkdir -p "$DEST"
cp -a "$BUNDLE/app/." "$DEST/"
rm -rf "$DEST/data/imports"
ln -s "$LEDGER" "$DEST/data/imports"

say "创建虚拟环境并离线安装依赖（pip install --no-index --find-links wheelhouse，约 1 分钟）"
"$PY" -m venv "$DEST/.venv"
"$DEST/.venv/bin/python" -m pip install -q --no-compile --no-index --find-links "$BUNDLE/wheelhouse" -r "$DEST/requirements.txt"
# byte-compiled on every core at once (pip compiles one file after the other: a third of the install's
# time); done here because the service user may not write __pycache__ into the release
"$DEST/.venv/bin/python" -m compileall -qq -j 0 "$DEST/.venv/lib" >/dev/null || true

say "检查数据库（由 data/ 和导入记录 $LEDGER 构建）"
(cd "$DEST" && .venv/bin/python -c "
from nmgdash.core.settings import db_path
from nmgdash.storage import build
p = db_path(); why = build.rebuild_reason(p); build.ensure_database(p)
print(f'    已重建（{why}）' if why else '    数据库为最新，无需重建')
")
(cd "$DEST" && .venv/bin/python -c "from nmgdash.ui import mapview; mapview.ensure_plotly_js()" >/dev/null 2>&1) || true

# an upgrade of a service install (NMGDASH_SERVICE_USER in the settings) keeps running as that user
INSTALLED_USER="$( set -a; . "$ENV_FILE"; echo "${NMGDASH_SERVICE_USER:-}" )"
if [ "$SERVICE" = 0 ] && [ -n "$INSTALLED_USER" ] && id "$INSTALLED_USER" >/dev/null 2>&1; then
  SERVICE_USER="$INSTALLED_USER"; CHOWN=1
else
  CHOWN="$SERVICE"
fi
if [ "$CHOWN" = 1 ]; then
  if ! id "$SERVICE_USER" >/dev/null 2>&1; then
    [ "$(id -u)" = 0 ] || fail 1 "创建系统用户 $SERVICE_USER 需要 root 权限"
    useradd --system --home-dir "$PREFIX" --no-create-home --shell /usr/sbin/nologin "$SERVICE_USER"
    say "已创建系统用户 $SERVICE_USER"
  fi
  SERVICE_GROUP="$(id -gn "$SERVICE_USER")"
  # the service writes database builds (data/) and the ledger; the code (static/ plotly.js included) stays root's
  chown -R "$SERVICE_USER:$SERVICE_GROUP" "$DEST/data" "$LEDGER"
  set_setting NMGDASH_SERVICE_USER "$SERVICE_USER"
fi

# the switch: atomic symlink swap; the old version stays as PREFIX/previous
cp "$BUNDLE/run.sh" "$PREFIX/run.sh.new" && mv -f "$PREFIX/run.sh.new" "$PREFIX/run.sh"
cp "$DEST/deploy/nmgdash-cli.sh" "$PREFIX/nmgdash.new" && mv -f "$PREFIX/nmgdash.new" "$PREFIX/nmgdash"
cp "$DEST/deploy/rollback.sh" "$PREFIX/rollback.sh.new" && mv -f "$PREFIX/rollback.sh.new" "$PREFIX/rollback.sh"
chmod 755 "$PREFIX/run.sh" "$PREFIX/nmgdash" "$PREFIX/rollback.sh"
ln -sfn "releases/$NAME" "$PREFIX/.current.new" && mv -Tf "$PREFIX/.current.new" "$PREFIX/current"
if [ -n "$OLD" ] && [ "$OLD" != "releases/$NAME" ]; then
  ln -sfn "$OLD" "$PREFIX/.previous.new" && mv -Tf "$PREFIX/.previous.new" "$PREFIX/previous"
fi
SWITCHED=1

# keep at most 3 releases: current, previous and the newest other one
PREV="$(readlink "$PREFIX/previous" 2>/dev/null || true)"
kept=0
for d in $(cd "$PREFIX" && ls -1dt releases/*/ 2>/dev/null); do
  d="${d%/}"
  if [ "$d" = "releases/$NAME" ] || [ "$d" = "$PREV" ]; then continue; fi
  kept=$((kept + 1))
  if [ "$kept" -gt 1 ]; then rm -rf "${PREFIX:?}/$d"; say "已删除旧版本 $d"; fi
done

echo "$PREFIX" > "$BUNDLE/.installed-prefix" 2>/dev/null || true

if [ "$SERVICE" = 1 ]; then
  UNIT_DIR="${SYSTEMD_UNIT_DIR:-/etc/systemd/system}"
  mkdir -p "$UNIT_DIR"
  sed -e "s|@PREFIX@|$PREFIX|g" -e "s|@USER@|$SERVICE_USER|g" -e "s|@GROUP@|$SERVICE_GROUP|g" \
      -e "s|@VERSION@|$VERSION|g" "$DEST/deploy/nmgdash.service.in" > "$UNIT_DIR/nmgdash.service"
  say "已写入 systemd 单元 $UNIT_DIR/nmgdash.service（用户 $SERVICE_USER，地址见 $ENV_FILE）"
  if [ -z "${NMGDASH_NO_SYSTEMCTL:-}" ] && [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then
    systemctl daemon-reload
    systemctl enable nmgdash.service >/dev/null
    systemctl restart nmgdash.service
    say "服务已启动：systemctl status nmgdash"
  else
    say "systemd 未运行（或已跳过）：请执行 systemctl daemon-reload && systemctl enable --now nmgdash"
  fi
elif [ -z "${NMGDASH_NO_SYSTEMCTL:-}" ] && [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1 \
     && systemctl is-enabled nmgdash.service >/dev/null 2>&1; then
  systemctl restart nmgdash.service && say "服务 nmgdash 已按新版本重启"
fi

# shellcheck disable=SC1090
. "$ENV_FILE"
say "安装完成（$(( $(date +%s) - T0 )) 秒）：版本 $VERSION 位于 $DEST"
[ -n "$OLD" ] && [ "$OLD" != "releases/$NAME" ] && say "上一版本 $OLD 已保留，回退：$PREFIX/rollback.sh"
say "导入数据与导入日志：$LEDGER（升级时保留；备份：tar czf imports-\$(date +%F).tgz -C $(dirname "$LEDGER") $(basename "$LEDGER")）"
if [ "$CHOWN" = 1 ]; then
  say "服务：systemctl restart nmgdash；地址 http://${NMGDASH_ADDRESS:-localhost}:${NMGDASH_PORT:-8501}"
else
  say "启动（前台）：$PREFIX/run.sh [--port ${NMGDASH_PORT:-8501}] [--address ${NMGDASH_ADDRESS:-localhost}]"
  [ -n "$OLD" ] && say "如果旧版本的服务器仍在运行，请先停止再启动新版本。"
fi
say "导入报表：$PREFIX/nmgdash import 文件.xlsx；导入日志：$PREFIX/nmgdash log"

if [ "$INSTALL_DEBS" = 1 ]; then
  if ls "$BUNDLE"/debs/*.deb >/dev/null 2>&1; then
    [ "$(id -u)" = 0 ] || fail 1 "安装 .deb 需要 root 权限"
    say "安装 debs/ 中的软件包（dpkg -i；不含依赖，缺少依赖时 dpkg 会列出）"
    dpkg -i "$BUNDLE"/debs/*.deb || fail 1 "dpkg 安装失败：缺少的依赖需另行离线安装（安装包不含 .deb 的依赖）。程序本身已安装完成。"
  else
    say "安装包中没有 debs/（打包时未使用 --with-debs），跳过"
  fi
fi
