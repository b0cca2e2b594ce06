"""Build and open the DuckDB database from the text files in ``data/`` and the import ledger.

Files (``P`` = :func:`nmgdash.paths.db_path`, default ``data/reform.duckdb``, env ``NMGDASH_DB``):

* ``P`` is a **relative symlink** to the newest build, ``<stem>-<time_ns>-<pid>.duckdb`` beside it.
  A build writes ``<stem>.building-<pid>-<time_ns>.duckdb``, renames it to its versioned name and
  swaps the symlink with ``os.replace`` (atomic). Published builds are never written again, so
  readers open them read-only and never see half a build. Every build has its own file name, which
  avoids DuckDB's per-path instance cache (duckdb/duckdb#15912: a new ``connect()`` to a replaced
  file returns the *old* data while an old connection to that path is open).
* The current build and the one before it stay on disk; older builds and stale ``*.building-*``
  files (dead pid, or older than :data:`STALE_BUILD_SECONDS`) are deleted by the next build.
* Builds, imports and undos are serialised by the import ledger's lock (:func:`nmgdash.store.lock`).

The build reads ``data/*.csv`` plus the active batches of the import ledger (:mod:`nmgdash.store`),
so ``make rebuild``, a ``git pull`` and restarts keep imported values. Tables and columns are
documented in README.md ("Database"); the DDL is ``queries/schema.sql``.

Readers use :class:`Database` (thread-safe, notices new builds, Chinese fault messages via
:class:`DatabaseUnavailable`).
"""

from __future__ import annotations

import errno
import os
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import duckdb
import pandas as pd

from . import queries
from .paths import DATA_DIR, QUERY_DIR, db_path

#: The observation files loaded at build time, in order. Each has the columns
#: indicator_id, adcode, year, value, and optionally status, source_id, locator.
OBSERVATION_FILES = {
    "observations_published.csv": ("published", "bulletin_2020_06"),
    "observations_reference.csv": ("reference", None),
    "observations_sample.csv": ("sample", "sample_generator_v1"),
}

#: Indicators computed by queries/derive.sql; they cannot be imported.
DERIVED_INDICATORS = frozenset({"hub_activities_per_hub"})

#: Tables and views a usable database must have (checked by :func:`rebuild_reason`).
REQUIRED_TABLES = frozenset({"areas", "indicators", "sources", "observations", "innovations", "build_info"})
REQUIRED_VIEWS = frozenset({"observations_best"})

#: A ``*.building-*`` file older than this (seconds) is removed even if its pid is alive.
STALE_BUILD_SECONDS = 30 * 60

#: How long a build waits for a running import/undo/build to finish (seconds).
BUILD_LOCK_TIMEOUT = 120.0

#: The warning of a database that is usable but could not be rebuilt (e.g. read-only data/).
STALE_WARNING = "数据可能不是最新的：数据库未能按最新数据重建，请管理员运行 make rebuild"
STALE_WARNING_EN = "The data may be out of date: the database could not be rebuilt; an administrator should run make rebuild."


class DatabaseUnavailable(RuntimeError):
    """The database cannot be opened. ``str()`` is a Chinese message for the page, with no path.

    Attributes: ``kind`` (one of :attr:`MESSAGES`' keys), ``message_zh``, ``message_en``.
    The cause (with paths, for the server log) is chained as ``__cause__``.
    """

    MESSAGES: ClassVar[dict[str, tuple[str, str]]] = {
        "corrupt": ("数据库文件损坏，请运行 make rebuild", "The database file is damaged; run make rebuild."),
        "busy": ("数据正在更新，请稍后刷新", "The data is being updated; please refresh in a moment."),
        "missing": ("数据库不存在，请运行 make db", "There is no database; run make db."),
        "readonly_missing": (
            "数据目录只读且数据库不存在，请管理员在可写的数据目录中运行 make rebuild",
            "The data folder is read-only and there is no database; an administrator must run make rebuild in a writable data folder.",
        ),
        "build_failed": (
            "数据库构建失败，请管理员运行 make rebuild 查看原因",
            "Building the database failed; an administrator should run make rebuild to see why.",
        ),
    }

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.message_zh, self.message_en = self.MESSAGES[kind]
        super().__init__(self.message_zh)


# --- test hook ----------------------------------------------------------------


def _test_pause(step: str) -> None:
    """Test hook: with env NMGDASH_STORE_PAUSE_AT=<step>, print ``PAUSED <step>`` and sleep.

    Used by tests/test_store.py to SIGKILL a process at a known point of a build or import.
    """
    if os.environ.get("NMGDASH_STORE_PAUSE_AT") == step:
        print(f"PAUSED {step}", flush=True)
        time.sleep(float(os.environ.get("NMGDASH_STORE_PAUSE_SECONDS", "60")))


# --- inputs and file names -------------------------------------------------------


def inputs() -> list[Path]:
    """Every file the database is built from (data/*.csv, queries/schema.sql, derive.sql).

    The import ledger is an input too; it is compared by content (see :func:`rebuild_reason`).
    """
    files = [*sorted(DATA_DIR.glob("*.csv")), QUERY_DIR / "schema.sql", QUERY_DIR / "derive.sql"]
    return [f for f in files if f.exists()]


def _version_re(path: Path) -> re.Pattern[str]:
    return re.compile(rf"^{re.escape(path.stem)}-(\d+)-(\d+)\.duckdb$")


def _building_re(path: Path) -> re.Pattern[str]:
    return re.compile(rf"^{re.escape(path.stem)}\.building-(\d+)(?:-\d+)?\.duckdb(?:\.wal)?$")


def resolve(path: Path | None = None) -> Path | None:
    """The file that holds the current build: the symlink's target, ``path`` itself for a plain
    file (older layout), or None when there is no database. Cheap (readlink + stat)."""
    path = Path(path or db_path())
    try:
        target = Path(os.readlink(path))
    except FileNotFoundError:
        return None
    except OSError:  # not a symlink
        return path if path.exists() else None
    target = target if target.is_absolute() else path.parent / target
    return target if target.exists() else None


def build_files(path: Path | None = None) -> dict[str, list[Path]]:
    """Build files beside ``path``: {'versions': [...], 'building': [...]} (sorted by name)."""
    path = Path(path or db_path())
    vre, bre = _version_re(path), _building_re(path)
    try:
        names = sorted(os.listdir(path.parent))
    except FileNotFoundError:
        names = []
    return {
        "versions": [path.parent / n for n in names if vre.match(n)],
        "building": [path.parent / n for n in names if bre.match(n)],
    }


def _pid_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def clean_stale_builds(path: Path | None = None, max_age: float = STALE_BUILD_SECONDS) -> list[Path]:
    """Delete ``<stem>.building-*`` files (and their ``.wal``) left by killed builds.

    A file is stale when its pid is not alive or it is older than ``max_age`` seconds.
    Returns the deleted paths. Called by every build.
    """
    path = Path(path or db_path())
    bre = _building_re(path)
    removed = []
    now = time.time()
    for f in build_files(path)["building"]:
        pid = int(bre.match(f.name).group(1))
        try:
            age = now - f.stat().st_mtime
        except FileNotFoundError:
            continue
        if (pid != os.getpid() and not _pid_alive(pid)) or age > max_age:
            f.unlink(missing_ok=True)
            removed.append(f)
    return removed


def _prune(path: Path, keep: set[Path]) -> None:
    """Delete published builds of ``path`` except ``keep`` (call under the store lock)."""
    keep = {k.resolve() for k in keep if k is not None}
    for f in build_files(path)["versions"]:
        if f.resolve() not in keep:
            f.unlink(missing_ok=True)
            Path(f"{f}.wal").unlink(missing_ok=True)


def _fsync_dir(d: Path) -> None:
    try:
        fd = os.open(d, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


# --- checks -------------------------------------------------------------------------


def _is_lock_error(exc: BaseException) -> bool:
    text = str(exc)
    return (
        "Could not set lock" in text
        or "Conflicting lock" in text
        or "different configuration" in text
    )


def _is_readonly_error(exc: BaseException) -> bool:
    return isinstance(exc, OSError) and exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM)


class _Unchecked(Exception):
    pass


def rebuild_reason(path: Path | None = None) -> str | None:
    """Why the database must be rebuilt, or None when it is usable and current.

    Reasons (Chinese, for ``make db``): ``"不存在"`` (no database), ``"文件损坏或结构不完整"``
    (cannot be opened, a table or view is missing, or a query over ``observations_best`` fails),
    ``"数据库结构已更新"`` (built by an older version of this code, without ``build_info``),
    ``"输入文件有更新"`` (a file of :func:`inputs` is newer than the build), ``"导入记录有变化"``
    (the import ledger differs from the one the build read). A database locked by another
    process's read-write connection cannot be checked and counts as usable.
    """
    from . import store

    path = Path(path or db_path())
    target = resolve(path)
    if target is None:
        return "不存在"
    row: tuple | None = ("unchecked",)
    try:
        con = duckdb.connect(str(target), read_only=True)
    except duckdb.Error as exc:
        if not _is_lock_error(exc):
            return "文件损坏或结构不完整"
        con = None  # held read-write by another process: cannot be checked, counts as usable
    try:
        if con is None:
            raise _Unchecked
        names = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
        views = {r[0] for r in con.execute("SELECT view_name FROM duckdb_views() WHERE NOT internal").fetchall()}
        if REQUIRED_TABLES - names == {"build_info"} and REQUIRED_VIEWS <= views:
            return "数据库结构已更新"  # built by an older version of this code: usable, rebuild
        if not (REQUIRED_TABLES <= names and REQUIRED_VIEWS <= views):
            return "文件损坏或结构不完整"
        con.execute("SELECT count(*), sum(value) FROM observations_best").fetchone()
        row = con.execute("SELECT value FROM build_info WHERE key = 'ledger_sha256'").fetchone()
    except _Unchecked:
        pass
    except duckdb.Error:
        return "文件损坏或结构不完整"
    finally:
        if con is not None:
            con.close()
    built = target.stat().st_mtime_ns
    if any(f.stat().st_mtime_ns > built for f in inputs()):
        return "输入文件有更新"
    if row != ("unchecked",) and (row is None or row[0] != store.ledger_stamp()):
        return "导入记录有变化"
    return None


def needs_rebuild(path: Path | None = None) -> bool:
    """True when the database is missing, broken (schema checked), older than an input
    file, or built from another state of the import ledger. See :func:`rebuild_reason`."""
    return rebuild_reason(path) is not None


# --- build ----------------------------------------------------------------------------


def _read_csv(name: str) -> pd.DataFrame:
    return pd.read_csv(DATA_DIR / name, dtype=str, keep_default_na=False, encoding="utf-8")


#: Optional text columns of an observation file (README, data contract): the source's wording and period.
OPTIONAL_COLUMNS = ["qualifier", "qualifier_pos", "display_unit", "period_start", "period_end"]


def load_observations() -> pd.DataFrame:
    """All observation rows from the CSV files in ``data/`` (not the imports).

    Returns columns indicator_id (str), adcode (str), year (int64), value (float64),
    status (str), source_id (str), locator (str), qualifier, qualifier_pos, display_unit,
    period_start, period_end (str, or None where a file lacks the column or leaves it empty) and
    cumulative (bool; False where absent). Files that do not exist yet are skipped.
    Raises ValueError when a file has a row without a value.
    """
    frames = []
    for name, (status, source_id) in OBSERVATION_FILES.items():
        if not (DATA_DIR / name).exists():
            continue
        df = _read_csv(name)
        if "status" not in df or (df["status"] == "").all():
            df["status"] = status
        if "source_id" not in df:
            df["source_id"] = source_id
        if (df["value"] == "").any():
            raise ValueError(f"{name}: 有空值行")
        # the wording/period columns are optional: files without them get NULL / not cumulative
        frames.append(df.reindex(columns=["indicator_id", "adcode", "year", "value", "status", "source_id", "locator",
                                          *OPTIONAL_COLUMNS, "cumulative"], fill_value=""))
    obs = pd.concat(frames, ignore_index=True)
    obs["year"] = obs["year"].astype("int64")
    obs["value"] = obs["value"].astype("float64")
    obs["cumulative"] = obs["cumulative"].str.lower().eq("true")
    obs[OPTIONAL_COLUMNS] = obs[OPTIONAL_COLUMNS].replace("", None)
    return obs


def build_version(path: Path | None = None, records: list[dict] | None = None) -> tuple[Path, dict[str, int]]:
    """Build a complete database file beside ``path`` without publishing it.

    ``records`` is the import ledger to build from (default: the ledger on disk, see
    :func:`nmgdash.store.read_records`). Returns ``(version_file, row counts per table)``.
    Call under :func:`nmgdash.store.lock`, then :func:`publish`. On error nothing is left behind.
    Raises duckdb.ConstraintException when a data file breaks the schema (unknown indicator
    or adcode, duplicate key, bad status), ``store.LedgerError`` for a damaged ledger,
    OSError (e.g. EROFS) when the folder is not writable.
    """
    from . import store

    path = Path(path or db_path())
    path.parent.mkdir(parents=True, exist_ok=True)
    clean_stale_builds(path)
    if records is None:
        records = store.read_records()
    ns, pid = time.time_ns(), os.getpid()
    tmp = path.parent / f"{path.stem}.building-{pid}-{ns}.duckdb"
    final = path.parent / f"{path.stem}-{ns:020d}-{pid}.duckdb"
    try:
        con = duckdb.connect(str(tmp))
        try:
            queries.run_script(con, "schema")
            imp_sources, imp_obs = store.ledger_frames(records)
            tables = {
                "areas": _read_csv("areas.csv"),
                "indicators": _read_csv("indicators.csv").assign(
                    additive=lambda d: d["additive"].str.lower().eq("true")
                ),
                "sources": _read_csv("sources.csv").replace({"issued_on": {"": None}}),
                "observations": load_observations(),
                "innovations": _read_csv("innovations.csv"),
            }
            tables["areas"]["parent_adcode"] = tables["areas"]["parent_adcode"].replace("", None)
            tables["sources"] = pd.concat([tables["sources"], imp_sources], ignore_index=True)
            obs = pd.concat([tables["observations"], imp_obs], ignore_index=True)
            # imported rows have only the 7 core columns: the others are NULL / not cumulative
            for col in obs.columns.difference(imp_obs.columns):
                if col == "cumulative":
                    obs[col] = obs[col].fillna(False).astype(bool)
                else:
                    obs[col] = obs[col].astype(object).where(obs[col].notna(), None)
            tables["observations"] = obs
            for name, frame in tables.items():
                con.register("frame", frame)
                cols = ", ".join(frame.columns)
                con.execute(f"INSERT INTO {name} ({cols}) SELECT {cols} FROM frame")
                con.unregister("frame")
            _test_pause("db_building")
            queries.run_script(con, "derive")
            con.execute("CREATE TABLE build_info (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL)")
            con.executemany(
                "INSERT INTO build_info VALUES (?, ?)",
                [
                    ["ledger_sha256", store.records_stamp(records)],
                    ["built_at", time.strftime("%Y-%m-%dT%H:%M:%S%z")],
                    ["active_batches", ",".join(store.active_ids(records))],
                ],
            )
            counts = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables}
            con.execute("CHECKPOINT")
        finally:
            con.close()
        os.rename(tmp, final)
    except BaseException:
        tmp.unlink(missing_ok=True)
        Path(f"{tmp}.wal").unlink(missing_ok=True)
        raise
    return final, counts


def publish(version: Path, path: Path | None = None) -> None:
    """Make ``version`` (from :func:`build_version`) the current build: atomic symlink swap.

    Keeps the previous build on disk (a reader may be opening it right now) and deletes older
    ones. Call under :func:`nmgdash.store.lock`.
    """
    path = Path(path or db_path())
    previous = resolve(path)
    link = path.parent / f".{path.name}.link-{os.getpid()}-{time.time_ns()}"
    os.symlink(version.name, link)
    try:
        os.replace(link, path)
    except BaseException:
        link.unlink(missing_ok=True)
        raise
    _fsync_dir(path.parent)
    try:
        _prune(path, {version, previous})
    except OSError:
        pass


def build_database(path: Path | None = None) -> dict[str, float]:
    """Build the database from ``data/`` and the import ledger, and publish it atomically.

    Returns timings and row counts: {'seconds': float, 'observations': int, ...}.
    Waits up to :data:`BUILD_LOCK_TIMEOUT` s for a running import (then ``store.ImportBusy``).
    Raises duckdb.ConstraintException when a data file breaks the schema; OSError when the
    folder is not writable. On any error the previous build stays current.
    """
    from . import store

    t0 = time.perf_counter()
    with store.lock(timeout=BUILD_LOCK_TIMEOUT):
        version, counts = build_version(path)
        publish(version, path)
    return {"seconds": time.perf_counter() - t0, **counts}


def ensure_database(path: Path | None = None) -> Path:
    """Build the database if :func:`needs_rebuild`; return ``path``."""
    from . import store

    path = Path(path or db_path())
    if needs_rebuild(path):
        with store.lock(timeout=BUILD_LOCK_TIMEOUT):
            if needs_rebuild(path):  # another process may have just built it
                build_database(path)
    return path


def connect(path: Path | None = None, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open the (built, up-to-date) current build. Take ``.cursor()`` per thread.

    A plain connection does not follow later rebuilds; the app uses :class:`Database`.
    """
    path = ensure_database(path)
    return duckdb.connect(str(resolve(path)), read_only=read_only)


# --- the app's handle ---------------------------------------------------------------


@dataclass(eq=False)
class _Handle:
    target: Path
    con: duckdb.DuckDBPyConnection
    refs: int = 0
    retired: bool = False


class Database:
    """Thread-safe read-only access to the current build that follows rebuilds.

    ``with database.cursor() as cur: queries.run(cur, "areas", ...)`` — each call checks the
    ``reform.duckdb`` symlink (one ``readlink``); when a new build has been published it opens a
    connection to the new file and hands out cursors from it. A connection to an older build is
    closed when its last cursor is returned, so a query that is running during a swap finishes
    on the old build. One instance per server process (``st.cache_resource``).

    On first use (and after a fault) the database is checked with :func:`rebuild_reason` and
    rebuilt when needed (``auto_build``). Faults raise :class:`DatabaseUnavailable` with a Chinese
    message and no path; the next call tries again, so the app recovers once the fault is gone.
    When a new build cannot be opened but an older one is open, the older one keeps serving.
    :attr:`warning` is set when the database is usable but could not be rebuilt (read-only
    ``data/``): show it on the page.
    """

    def __init__(self, path: Path | None = None, *, auto_build: bool = True) -> None:
        self.path = Path(path or db_path())
        self.auto_build = auto_build
        self._lock = threading.Lock()
        self._current: _Handle | None = None
        self._open_handles: list[_Handle] = []
        #: Chinese warning for the page (e.g. :data:`STALE_WARNING`) or None.
        self.warning: str | None = None
        #: The same warning in English, or None.
        self.warning_en: str | None = None

    @property
    def version(self) -> str | None:
        """Name of the build the next cursor reads (cheap; use it in ``st.cache_data`` keys)."""
        target = resolve(self.path)
        if target is None and self._current is not None:
            target = self._current.target
        return target.name if target else None

    @contextmanager
    def cursor(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A cursor on the newest build, closed on exit. Raises :class:`DatabaseUnavailable`."""
        handle = self._acquire()
        try:
            cur = handle.con.cursor()
            try:
                yield cur
            finally:
                cur.close()
        finally:
            self._release(handle)

    def run(self, name: str, **params: object) -> pd.DataFrame:
        """``queries.run`` on a fresh cursor of the newest build (see :func:`nmgdash.queries.run`)."""
        with self.cursor() as cur:
            return queries.run(cur, name, **params)

    def open_connections(self) -> int:
        """How many DuckDB connections this handle holds open (current + retired in use)."""
        with self._lock:
            return len(self._open_handles)

    def close(self) -> None:
        """Close every connection (cursors in use become invalid)."""
        with self._lock:
            for h in self._open_handles:
                h.con.close()
            self._open_handles.clear()
            self._current = None

    # internals

    def _acquire(self) -> _Handle:
        with self._lock:
            cur = self._current
            target = resolve(self.path)
            if cur is not None and (target is None or target == cur.target):
                cur.refs += 1
                return cur
            try:
                handle = self._open_new(target) if cur is not None else self._open_first()
            except DatabaseUnavailable:
                if cur is None:
                    raise
                cur.refs += 1  # keep serving the last good build
                return cur
            if cur is not None:
                cur.retired = True
                if cur.refs == 0:
                    self._close(cur)
            self._current = handle
            self._open_handles.append(handle)
            handle.refs += 1
            return handle

    def _release(self, handle: _Handle) -> None:
        with self._lock:
            handle.refs -= 1
            if handle.retired and handle.refs == 0:
                self._close(handle)

    def _close(self, handle: _Handle) -> None:
        try:
            handle.con.close()
        finally:
            if handle in self._open_handles:
                self._open_handles.remove(handle)

    def _open_first(self) -> _Handle:
        from . import store

        self.warning = self.warning_en = None
        reason = rebuild_reason(self.path)
        if reason is not None:
            usable = reason not in ("不存在", "文件损坏或结构不完整")
            if not self.auto_build:
                if not usable:
                    raise DatabaseUnavailable("corrupt" if resolve(self.path) else "missing")
                self.warning, self.warning_en = STALE_WARNING, STALE_WARNING_EN
            else:
                try:
                    ensure_database(self.path)
                except store.ImportBusy as exc:
                    if not usable:
                        raise DatabaseUnavailable("busy") from exc
                except Exception as exc:
                    if not usable:
                        if _is_readonly_error(exc):
                            kind = "readonly_missing" if reason == "不存在" else "corrupt"
                        else:
                            kind = "build_failed"
                        raise DatabaseUnavailable(kind) from exc
                    self.warning, self.warning_en = STALE_WARNING, STALE_WARNING_EN
        return self._open_new(resolve(self.path))

    def _open_new(self, target: Path | None) -> _Handle:
        for _attempt in range(3):
            if target is None:
                raise DatabaseUnavailable("build_failed")
            try:
                con = duckdb.connect(str(target), read_only=True)
            except duckdb.Error as exc:
                if _is_lock_error(exc):
                    raise DatabaseUnavailable("busy") from exc
                if not target.exists():  # pruned between readlink and connect: follow the link again
                    target = resolve(self.path)
                    continue
                raise DatabaseUnavailable("corrupt") from exc
            try:
                con.execute("SELECT count(*) FROM observations_best").fetchone()
            except duckdb.Error as exc:
                con.close()
                raise DatabaseUnavailable("corrupt") from exc
            return _Handle(target, con)
        raise DatabaseUnavailable("busy")


if __name__ == "__main__":
    stats = build_database()
    print(f"built {db_path()} -> {resolve().name} in {stats.pop('seconds'):.2f} s: {stats}")
