"""Build and open the DuckDB database from the text files in ``data/`` and the import ledger.

Files (``P`` = :func:`nmgdash.core.settings.db_path`, default ``data/reform.duckdb``, env ``NMGDASH_DB``):

* ``P`` is a **relative symlink** to the newest build, ``<stem>-<time_ns>-<pid>.duckdb`` beside it.
  A build writes ``<stem>.building-<pid>-<time_ns>.duckdb``, renames it to its versioned name and
  swaps the symlink with ``os.replace`` (atomic). Published builds are never written again, so
  readers open them read-only and never see half a build. Every build has its own file name, which
  avoids DuckDB's per-path instance cache (duckdb/duckdb#15912: a new ``connect()`` to a replaced
  file returns the *old* data while an old connection to that path is open).
* The current build and the one before it stay on disk; older builds and stale ``*.building-*``
  files (dead pid, or older than :data:`STALE_BUILD_SECONDS`) are deleted by the next build.
* Builds, imports and undos are serialised by the import ledger's lock (:func:`nmgdash.storage.ledger.lock`).

The build reads ``data/*.csv`` plus the active batches of the import ledger (:mod:`nmgdash.storage.ledger`)
and the approved values of the yearly reporting (status ``approved``, :mod:`nmgdash.storage.reporting`), so ``make rebuild``, a ``git pull`` and restarts keep imported values. Tables and columns are
documented in README.md ("Database"); the DDL is ``queries/schema.sql``.

Readers use :class:`Database` (thread-safe, notices new builds, Chinese fault messages via
:class:`DatabaseUnavailable`).
"""

from __future__ import annotations

import errno
import os
import re
import time
from pathlib import Path

import duckdb
import pandas as pd
import sqlalchemy as sa

from ..core.i18n import t
from ..core.settings import DATA_DIR, QUERY_DIR, db_path
from . import files, ledger, queries
from .store import engine as store_engine
from .store.common import approved_frames
from .store.common import read_stamp as stamp_of

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

#: Codes of :func:`rebuild_reason` (its text: ``t("rebuild_<code>", lang)``). A database whose reason is
#: MISSING or CORRUPT cannot serve; with any other reason it serves while it is rebuilt.
MISSING, CORRUPT, SCHEMA, INPUTS, LEDGER, LEDGER_UNREADABLE = (
    "missing", "corrupt", "schema", "inputs", "ledger", "ledger_unreadable")
UNUSABLE = frozenset({MISSING, CORRUPT})


class RebuildReason(str):
    """A reason of :func:`rebuild_reason`: equal to its Chinese text (what ``make db`` prints, e.g.
    "不存在"), with ``code`` (one of :data:`MISSING` … :data:`LEDGER_UNREADABLE`) to compare by."""

    code: str

    def __new__(cls, code: str) -> RebuildReason:
        self = super().__new__(cls, t(f"rebuild_{code}", "zh"))
        self.code = code
        return self

    @property
    def usable(self) -> bool:
        """True when the database can serve (possibly stale) while it is rebuilt."""
        return self.code not in UNUSABLE

    def text(self, lang: str) -> str:
        """The reason in ``lang`` ('zh' or 'en')."""
        return t(f"rebuild_{self.code}", lang)


#: A ``*.building-*`` file older than this (seconds) is removed even if its pid is alive.
STALE_BUILD_SECONDS = 30 * 60

#: How long a build waits for a running import/undo/build to finish (seconds).
BUILD_LOCK_TIMEOUT = 120.0

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


# --- checks -------------------------------------------------------------------------


def is_lock_error(exc: BaseException) -> bool:
    text = str(exc)
    return (
        "Could not set lock" in text
        or "Conflicting lock" in text
        or "different configuration" in text
    )


def is_readonly_error(exc: BaseException) -> bool:
    return isinstance(exc, OSError) and exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM)


class _Unchecked(Exception):
    pass


def rebuild_reason(path: Path | None = None) -> RebuildReason | None:
    """Why the database must be rebuilt, or None when it is usable and current.

    Reasons (a :class:`RebuildReason`: a str equal to its Chinese text, for ``make db``, and a
    ``code``): :data:`MISSING` ``"不存在"`` (no database), :data:`CORRUPT` ``"文件损坏或结构不完整"``
    (cannot be opened, a table or view is missing, or a query over ``observations_best`` fails),
    :data:`SCHEMA` ``"数据库结构已更新"`` (built by an older version of this code, without ``build_info``),
    :data:`INPUTS` ``"输入文件有更新"`` (a file of :func:`inputs` is newer than the build),
    :data:`LEDGER` ``"导入记录有变化"`` (the store's published stamp differs from the one the build
    read; one SELECT), :data:`LEDGER_UNREADABLE` ``"导入记录无法读取"`` (the store cannot be reached:
    the build is usable but may be stale). A database locked by another
    process's read-write connection cannot be checked and counts as usable.
    """
    path = Path(path or db_path())
    target = resolve(path)
    if target is None:
        return RebuildReason(MISSING)
    row: tuple | None = ("unchecked",)
    try:
        con = duckdb.connect(str(target), read_only=True)
    except duckdb.Error as exc:
        if not is_lock_error(exc):
            return RebuildReason(CORRUPT)
        con = None  # held read-write by another process: cannot be checked, counts as usable
    try:
        if con is None:
            raise _Unchecked
        objects = queries.rows(con, "build_objects")
        names = {n for kind, n in objects if kind == "table"}
        views = {n for kind, n in objects if kind == "view"}
        if REQUIRED_TABLES - names == {"build_info"} and REQUIRED_VIEWS <= views:
            return RebuildReason(SCHEMA)  # built by an older version of this code: usable, rebuild
        if not (REQUIRED_TABLES <= names and REQUIRED_VIEWS <= views):
            return RebuildReason(CORRUPT)
        queries.rows(con, "build_health")
        stamp_rows = queries.rows(con, "build_stamp")
        row = stamp_rows[0] if stamp_rows else None
    except _Unchecked:
        pass
    except duckdb.Error:
        return RebuildReason(CORRUPT)
    finally:
        if con is not None:
            con.close()
    built = target.stat().st_mtime_ns
    if any(f.stat().st_mtime_ns > built for f in inputs()):
        return RebuildReason(INPUTS)
    if row != ("unchecked",):
        try:
            stamp = ledger.ledger_stamp()
        except ledger.StoreUnavailable:
            return RebuildReason(LEDGER_UNREADABLE)
        if row is None or row[0] != stamp:
            return RebuildReason(LEDGER)
    return None


def needs_rebuild(path: Path | None = None) -> bool:
    """True when the database is missing, broken (schema checked), older than an input
    file, or built from another state of the import ledger. See :func:`rebuild_reason`."""
    return rebuild_reason(path) is not None


# --- build ----------------------------------------------------------------------------


def read_data_csv(name: str) -> pd.DataFrame:
    """One CSV file of ``data/`` (:data:`DATA_DIR`) as text columns (empty cells are "")."""
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
        df = read_data_csv(name)
        if "status" not in df or (df["status"] == "").all():
            df["status"] = status
        if "source_id" not in df:
            df["source_id"] = source_id
        if (df["value"] == "").any():
            raise ValueError(t("build_empty_value", file=name))
        # the wording/period columns are optional: files without them get NULL / not cumulative
        frames.append(df.reindex(columns=["indicator_id", "adcode", "year", "value", "status", "source_id", "locator",
                                          *OPTIONAL_COLUMNS, "cumulative"], fill_value=""))
    obs = pd.concat(frames, ignore_index=True)
    obs["year"] = obs["year"].astype("int64")
    obs["value"] = obs["value"].astype("float64")
    obs["cumulative"] = obs["cumulative"].str.lower().eq("true")
    obs[OPTIONAL_COLUMNS] = obs[OPTIONAL_COLUMNS].replace("", None)
    return obs


def build_version(path: Path | None = None, *, conn: sa.Connection | None = None,
                  stamp: str | None = None) -> tuple[Path, dict[str, int]]:
    """Build a complete database file beside ``path`` without publishing it.

    The imported values come from the store: ``conn`` is a store transaction to read them in
    (a commit passes its own, uncommitted one, with ``stamp``, the published stamp it will
    commit); default a new read of the store and its current stamp.
    Returns ``(version_file, row counts per table)``.
    Call under :func:`nmgdash.storage.ledger.lock`, then :func:`publish`. On error nothing is left behind.
    Raises duckdb.ConstraintException when a data file breaks the schema (unknown indicator
    or adcode, duplicate key, bad status), ``ledger.LedgerError`` for a damaged ledger,
    OSError (e.g. EROFS) when the folder is not writable.
    """
    if conn is None:
        with store_engine.connect() as c:
            return build_version(path, conn=c, stamp=stamp_of(c))
    path = Path(path or db_path())
    path.parent.mkdir(parents=True, exist_ok=True)
    clean_stale_builds(path)
    records = ledger.read_records(conn)
    ns, pid = time.time_ns(), os.getpid()
    tmp = path.parent / f"{path.stem}.building-{pid}-{ns}.duckdb"
    final = path.parent / f"{path.stem}-{ns:020d}-{pid}.duckdb"
    try:
        con = duckdb.connect(str(tmp))
        try:
            queries.run_script(con, "schema")
            imp_sources, imp_obs = ledger.ledger_frames(records, conn)
            tables = {
                "areas": read_data_csv("areas.csv"),
                "indicators": read_data_csv("indicators.csv").assign(
                    additive=lambda d: d["additive"].str.lower().eq("true")
                ),
                "sources": read_data_csv("sources.csv").replace({"issued_on": {"": None}}),
                "observations": load_observations(),
                "innovations": read_data_csv("innovations.csv"),
            }
            tables["areas"]["parent_adcode"] = tables["areas"]["parent_adcode"].replace("", None)
            app_sources, app_obs = approved_frames(conn, dict(zip(tables["areas"]["adcode"],
                                                                  tables["areas"]["name_zh"], strict=True)))
            tables["sources"] = pd.concat([tables["sources"], imp_sources, app_sources], ignore_index=True)
            obs = pd.concat([tables["observations"], imp_obs, app_obs], ignore_index=True)
            # imported and approved rows have only the 7 core columns: the others are NULL / not cumulative
            for col in obs.columns.difference(imp_obs.columns):
                if col == "cumulative":
                    obs[col] = obs[col].fillna(False).astype(bool)
                else:
                    obs[col] = obs[col].astype(object).where(obs[col].notna(), None)
            tables["observations"] = obs
            for name, frame in tables.items():
                con.register("frame", frame)
                cols = ", ".join(frame.columns)
                # identifiers from the dict above, never from input; the values come from the registered frame
                con.execute(f"INSERT INTO {name} ({cols}) SELECT {cols} FROM frame")
                con.unregister("frame")
            files.crashpoint("db_building")
            queries.run_script(con, "derive")
            queries.run_script(con, "build_info")
            for key, value in (("store_stamp", stamp), ("built_at", time.strftime("%Y-%m-%dT%H:%M:%S%z")),
                               ("active_batches", ",".join(ledger.active_ids(records)))):
                queries.rows(con, "build_info_insert", key=key, value=value)
            counts = dict(queries.rows(con, "build_counts"))
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
    ones. Call under :func:`nmgdash.storage.ledger.lock`.
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
    files.fsync_dir(path.parent)
    try:
        _prune(path, {version, previous})
    except OSError:
        pass


def build_database(path: Path | None = None) -> dict[str, float]:
    """Build the database from ``data/`` and the import ledger, and publish it atomically.

    Returns timings and row counts: {'seconds': float, 'observations': int, ...}.
    Waits up to :data:`BUILD_LOCK_TIMEOUT` s for a running import (then ``ledger.ImportBusy``).
    Raises duckdb.ConstraintException when a data file breaks the schema; OSError when the
    folder is not writable. On any error the previous build stays current.
    """
    t0 = time.perf_counter()
    with ledger.lock(timeout=BUILD_LOCK_TIMEOUT, allow_unlocked=True, shared=False):
        version, counts = build_version(path)
        publish(version, path)
    return {"seconds": time.perf_counter() - t0, **counts}


def ensure_database(path: Path | None = None) -> Path:
    """Build the database if :func:`needs_rebuild`; return ``path``."""
    path = Path(path or db_path())
    if needs_rebuild(path):
        with ledger.lock(timeout=BUILD_LOCK_TIMEOUT, allow_unlocked=True, shared=False):
            if needs_rebuild(path):  # another process may have just built it
                build_database(path)
    return path


def connect(path: Path | None = None, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open the (built, up-to-date) current build. Take ``.cursor()`` per thread.

    A plain connection does not follow later rebuilds; the app uses :class:`Database`.
    """
    path = ensure_database(path)
    return duckdb.connect(str(resolve(path)), read_only=read_only)




if __name__ == "__main__":  # python -m nmgdash.storage.build: the same as python -m nmgdash rebuild
    stats = build_database()
    rows = t("list_sep").join(t("cli_table_rows", table=name, n=n) for name, n in stats.items() if name != "seconds")
    print(t("cli_rebuilt", path=db_path(), seconds=f"{stats['seconds']:.2f}", stats=rows))
