"""The import preview: what a file would change, per cell, league and indicator.

:func:`preview` takes the parsed rows and a read-only DuckDB connection or cursor and reads the
current figures through the named query ``queries/current_values.sql``; nothing is written.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import pandas as pd

from nmgdash.ingest.catalogue import Catalogue, load
from nmgdash.ingest.messages import Normalisation
from nmgdash.storage import queries

CHANGES = ("new", "changed", "unchanged")
ROW_COLUMNS = ["indicator_id", "adcode", "year", "value", "note"]


@dataclass
class Preview:
    """What committing would do.

    * ``diff``: one row per imported cell — indicator_id, adcode, year (int), old_value (float or NaN),
      old_status (str or None: imported/published/reference/sample), new_value (float), change
      ('new'|'changed'|'unchanged'), plus indicator_name, area_name, unit, sheet, cell for display.
      Values are in the catalogue's unit (money 万元, rates as percent numbers).
    * ``counts``: {'new': n, 'changed': n, 'unchanged': n}.
    * ``by_league``: adcode, area_name, new, changed, unchanged, total (county cells count under their league).
    * ``by_indicator``: indicator_id, indicator_name, unit, new, changed, unchanged, total.
    * ``normalisations``: kind, sheet, cell, before, after, message — every value rewritten on the way in.
    """

    diff: pd.DataFrame
    counts: dict[str, int]
    by_league: pd.DataFrame
    by_indicator: pd.DataFrame
    normalisations: pd.DataFrame = field(default_factory=pd.DataFrame)


def current_values(con, indicator_ids: Iterable[str], years: Iterable[int]) -> pd.DataFrame:
    """Stored observations (all statuses) for these indicators in these years and the year before each.

    Columns indicator_id, adcode, year, value, status, source_id, status_rank."""
    ids = sorted(set(indicator_ids))
    ys = sorted({int(y) for y in years} | {int(y) - 1 for y in years})
    if not ids or not ys:
        return pd.DataFrame(columns=["indicator_id", "adcode", "year", "value", "status", "source_id", "status_rank"])
    return queries.run(con, "current_values", indicator_ids=ids, years=ys)


def build(rows: pd.DataFrame, current: pd.DataFrame, normalisations: Iterable[Normalisation] = (),
          cat: Catalogue | None = None) -> Preview:
    """The preview from parsed rows and the current figures (see :func:`current_values`)."""
    cat = cat or load()
    best = (current.sort_values("status_rank").drop_duplicates(["indicator_id", "adcode", "year"])
            [["indicator_id", "adcode", "year", "value", "status"]]
            .rename(columns={"value": "old_value", "status": "old_status"}))
    best["year"] = best["year"].astype("int64")
    diff = rows.rename(columns={"value": "new_value"}).merge(best, on=["indicator_id", "adcode", "year"], how="left")
    same = (diff["old_value"] - diff["new_value"]).abs() <= 1e-9 * diff["new_value"].abs().clip(lower=1)
    diff["change"] = "changed"
    diff.loc[same, "change"] = "unchanged"
    diff.loc[diff["old_value"].isna(), "change"] = "new"
    diff["old_status"] = diff["old_status"].astype(object).where(diff["old_status"].notna(), None)
    diff["indicator_name"] = diff["indicator_id"].map(cat.indicators["name_zh"])
    diff["unit"] = diff["indicator_id"].map(cat.indicators["unit"])
    diff["area_name"] = diff["adcode"].map(cat.areas["name_zh"])
    cols = ["indicator_id", "adcode", "year", "old_value", "old_status", "new_value", "change",
            "indicator_name", "area_name", "unit"]
    cols += [c for c in ("sheet", "cell", "note") if c in diff.columns]
    diff = diff[cols].reset_index(drop=True)
    counts = {c: int((diff["change"] == c).sum()) for c in CHANGES}

    def tally(frame: pd.DataFrame, key: str) -> pd.DataFrame:
        t = pd.crosstab(frame[key], frame["change"]).reindex(columns=list(CHANGES), fill_value=0)
        t["total"] = t.sum(axis=1)
        return t.reset_index()

    league_of = cat.areas["parent_adcode"].where(cat.areas["level"] == "county", cat.areas["adcode"])
    by_league = tally(diff.assign(league=diff["adcode"].map(league_of)), "league").rename(columns={"league": "adcode"})
    by_league.insert(1, "area_name", by_league["adcode"].map(cat.areas["name_zh"]))
    by_indicator = tally(diff, "indicator_id")
    by_indicator.insert(1, "indicator_name", by_indicator["indicator_id"].map(cat.indicators["name_zh"]))
    by_indicator.insert(2, "unit", by_indicator["indicator_id"].map(cat.indicators["unit"]))
    norms = pd.DataFrame([n.as_dict() for n in normalisations],
                         columns=["kind", "sheet", "cell", "before", "after", "message"])
    return Preview(diff, counts, by_league.rename_axis(None, axis=1), by_indicator.rename_axis(None, axis=1), norms)


def preview(rows: pd.DataFrame, con, normalisations: Iterable[Normalisation] = ()) -> Preview:
    """Diff of ``rows`` (indicator_id, adcode, year, value[, note, sheet, cell]) against the database
    behind ``con`` (a read-only connection or cursor; only the named query current_values is run)."""
    current = current_values(con, rows["indicator_id"], rows["year"])
    return build(rows, current, normalisations)
