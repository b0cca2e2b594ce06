"""Build and open the DuckDB database from the text files in ``data/``.

The database (``data/reform.duckdb``) is a build artefact: it is rebuilt when it is
missing or older than any of its inputs. Tables and their columns are documented
in README.md ("数据库结构"); the DDL is ``queries/schema.sql``.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

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


def inputs() -> list[Path]:
    """Every file the database is built from (data/*.csv, data/sources/*, queries/schema.sql, derive.sql)."""
    files = [*sorted(DATA_DIR.glob("*.csv")), QUERY_DIR / "schema.sql", QUERY_DIR / "derive.sql"]
    return [f for f in files if f.exists()]


def needs_rebuild(path: Path | None = None) -> bool:
    """True when the database file is missing or older than any input file."""
    path = path or db_path()
    if not path.exists():
        return True
    built = path.stat().st_mtime
    return any(f.stat().st_mtime > built for f in inputs())


def _read_csv(name: str) -> pd.DataFrame:
    return pd.read_csv(DATA_DIR / name, dtype=str, keep_default_na=False, encoding="utf-8")


def load_observations() -> pd.DataFrame:
    """All observation rows from the CSV files in ``data/``.

    Returns columns indicator_id (str), adcode (str), year (int64), value (float64),
    status (str), source_id (str), locator (str). Files that do not exist yet are skipped.
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
        frames.append(df[["indicator_id", "adcode", "year", "value", "status", "source_id", "locator"]])
    obs = pd.concat(frames, ignore_index=True)
    obs["year"] = obs["year"].astype("int64")
    obs["value"] = obs["value"].astype("float64")
    return obs


def build_database(path: Path | None = None) -> dict[str, float]:
    """Build the database from ``data/`` into ``path`` (atomically, via a temp file).

    Returns timings and row counts: {'seconds': float, 'observations': int, ...}.
    Raises duckdb.ConstraintException when a data file breaks the schema
    (unknown indicator or adcode, duplicate key, bad status).
    """
    t0 = time.perf_counter()
    path = path or db_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".building-{os.getpid()}.duckdb")
    tmp.unlink(missing_ok=True)
    con = duckdb.connect(str(tmp))
    try:
        queries.run_script(con, "schema")
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
        for name, frame in tables.items():
            con.register("frame", frame)
            cols = ", ".join(frame.columns)
            con.execute(f"INSERT INTO {name} ({cols}) SELECT {cols} FROM frame")
            con.unregister("frame")
        queries.run_script(con, "derive")
        counts = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables}
        con.execute("CHECKPOINT")
    finally:
        con.close()
    os.replace(tmp, path)
    return {"seconds": time.perf_counter() - t0, **counts}


def ensure_database(path: Path | None = None) -> Path:
    """Build the database if it is missing or stale; return its path."""
    path = path or db_path()
    if needs_rebuild(path):
        build_database(path)
    return path


def connect(path: Path | None = None, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open the (built, up-to-date) database. Take ``.cursor()`` per thread."""
    path = ensure_database(path)
    return duckdb.connect(str(path), read_only=read_only)


if __name__ == "__main__":
    stats = build_database()
    print(f"built {db_path()} in {stats.pop('seconds'):.2f} s: {stats}")
