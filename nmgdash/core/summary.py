"""Written summaries (one or two sentences) of a per-league view, computed from the very
``area_metrics`` frame the map and the ranking are drawn from (queries/area_metrics.sql), so they
follow the year, the display mode, "仅显示已发布数据" and imported data like the charts do.

A small set of phrase templates (catalogue keys ``summary_*`` in nmgdash/core/strings) is filled with numbers computed here;
:func:`league_summary` returns the text and the numbers it states (``facts``), so tests can check
each stated number against the database. Nothing is said that cannot be computed: a missing
2017 baseline, a mode without values or a year without any league figure is stated as such.

Example (zh): "示例数据：2019年全区青年爱里数量1042个（12个盟市合计），较2017年增长86.1%；
赤峰市最多（139个），阿拉善盟最少（19个）；5个盟市高于全区平均（86.83个）。"
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from nmgdash.core.fmt import format_number, format_signed, is_missing, mode_unit
from nmgdash.core.i18n import TEXT, t
from nmgdash.core.settings import BASELINE_YEAR

#: The catalogue keys of the summaries' phrases (strings/*.toml, prefix ``summary_``): every summary is put
#: together from these alone. ``{base}`` is filled with :data:`BASELINE`.
PHRASE_PREFIX = "summary_"
#: key (without the prefix) → (zh, en): a read-only view of the catalogue for tests and tables.
PHRASES: dict[str, tuple[str, str]] = {k.removeprefix(PHRASE_PREFIX): v for k, v in TEXT.items()
                                       if k.startswith(PHRASE_PREFIX)}
BASELINE = BASELINE_YEAR


def _t(key: str, lang: str, **kw: object) -> str:
    """The catalogue text ``key`` with the baseline year filled in as ``{base}``."""
    return t(key, lang, base=BASELINE, **kw)


def mode_name(mode: str, lang: str = "zh") -> str:
    """The display mode's name as the summaries word it ("较2017年变化")."""
    return _t(f"summary_mode_{mode}", lang)


def mode_reason(mode: str, lang: str = "zh") -> str:
    """Why the display mode has no values ("无2017年基数"; "无数据" for a mode without a specific reason)."""
    return _t(f"summary_reason_{mode}", lang)


@dataclass
class Summary:
    """A written summary and the numbers it states.

    text: the sentence(s). facts: every number stated, unrounded, e.g. {"year": 2019,
    "total": 1042.0, "change_pct": 86.07, "top": ("150400", 139.0), "bottom": ("152900", 19.0),
    "n_above": 5, "ref": 86.83, "n_reporting": 12}; keys are absent when the number is not stated.
    sample: the summary rests on sample values (the text then starts with 示例数据).
    """

    text: str
    facts: dict = field(default_factory=dict)
    sample: bool = False


def _pct(x: float, lang: str) -> str:
    return f"{abs(x):.1f}%"


def _name(row: pd.Series, lang: str) -> str:
    return str(row["name_zh" if lang == "zh" else "name_en"])


def _names(rows: pd.DataFrame, lang: str) -> str:
    """Names of tied leagues: "乌海市、阿拉善盟" (up to three), "乌海市等5个盟市" beyond."""
    names = [_name(r, lang) for _, r in rows.iterrows()]
    if len(names) > 3:
        return _t("summary_names_more", lang, first=names[0], n=len(names))
    return _t("summary_names_sep", lang).join(names)


def league_summary(frame: pd.DataFrame, *, year: int, indicator: str, unit: str, additive: bool, mode: str,
                   lang: str = "zh", published_only: bool = False, selected: tuple[str, ...] = (),
                   level_word: str = "league") -> Summary:
    """The summary of one indicator's per-league view for ``year`` in display ``mode``.

    frame: area_metrics rows (every year of the filter; columns adcode, name_zh, name_en, year,
    value, status, base_value, metric, rank, region_metric; value in ``unit``, metric in the mode's
    unit, see :func:`nmgdash.core.fmt.mode_unit`). indicator: its name in ``lang``; unit: the catalogue
    unit in ``lang``. States, from the same rows the map and ranking use:

    - the region total for additive indicators (sum of the leagues' values) or the leagues' mean for
      rates, and its change since 2017 (percent for totals over the leagues with both years,
      difference of the means for rates);
    - the top and bottom leagues by the mode's metric (tied leagues are all named, in adcode order);
    - how many leagues are above the region figure of the mode (``region_metric``: the average in
      绝对值/占比 modes, the region's own per-10k or change figure otherwise; the leagues' mean when
      the mode has no region figure);
    - for 1–3 ``selected`` adcodes, their rank and metric.
    """
    cur = frame[frame["year"] == year]
    reporting = cur[cur["value"].notna()]
    n = len(reporting)
    facts: dict = {"year": int(year), "n_reporting": n}
    if n == 0:
        text = _t("summary_no_data_pub" if published_only else "summary_no_data", lang, year=year, ind=indicator)
        near = cur["nearest_year"].dropna() if "nearest_year" in cur else pd.Series(dtype=float)
        if not near.empty:
            facts["nearest_year"] = int(near.iloc[0])
            text += _t("summary_nearest", lang, near=int(near.iloc[0]))
        return Summary(text + _t("summary_end", lang), facts, False)

    base_rows = frame[(frame["year"] == BASELINE) & frame["adcode"].isin(reporting["adcode"]) & frame["value"].notna()]
    cur_sample = bool((reporting["status"] == "sample").any())
    base_sample = bool(year != BASELINE and (base_rows["status"] == "sample").any())
    sample = cur_sample or base_sample
    # the year's own figures sample, or only the baseline of the comparison (e.g. approved 2020 vs sample 2017)
    parts = [_t("summary_sample", lang)] if cur_sample else [_t("summary_sample_base", lang)] if base_sample else []

    # 1. region total (or mean) and its change since 2017
    if additive:
        total = float(reporting["value"].sum())
        facts["total"] = total
        parts.append(_t("summary_total" if n == len(cur) else "summary_total_part", lang, year=year, ind=indicator,
                            value=format_number(total, unit, lang), n=n, n_all=len(cur)))
    else:
        mean = float(reporting["value"].mean())
        facts["mean"] = mean
        parts.append(_t("summary_mean", lang, year=year, ind=indicator, value=format_number(mean, unit, lang), n=n))
    if year == BASELINE:
        parts.append(_t("summary_base_year", lang))
    else:
        pairs = reporting[reporting["base_value"].notna()]
        if pairs.empty:
            parts.append(_t("summary_no_base", lang))
        else:
            if additive:
                base = float(pairs["base_value"].sum())
                change = 100 * (float(pairs["value"].sum()) - base) / base if base else None
                if change is None:
                    parts.append(_t("summary_no_base", lang))
                else:
                    facts["change_pct"] = change
                    key = "summary_flat" if round(change, 1) == 0 else "summary_up" if change > 0 else "summary_down"
                    parts.append(_t(key, lang, pct=_pct(change, lang)))
            else:
                diff = float(pairs["value"].mean() - pairs["base_value"].mean())
                facts["change_diff"] = diff
                dunit = t("unit_points", lang) if unit == "%" else unit
                parts.append(_t("summary_diff", lang, diff=format_signed(diff, dunit, lang)))
            # the change is that of the leagues with both years: say so whenever that is not all
            # of them (1 of 12 leagues reported: its own change, not the region's)
            if len(pairs) < len(cur) and ("change_pct" in facts or "change_diff" in facts):
                parts.append(_t("summary_pairs", lang, n=len(pairs)))

    # 2. top and bottom by the mode's metric; 3. how many above the region figure
    munit = mode_unit(mode, unit, additive, lang)
    fmt = format_signed if mode in {"yoy", "vs_base"} else format_number
    ranked = cur[cur["metric"].notna()].sort_values(["metric", "adcode"], ascending=[False, True])
    mname = mode_name(mode, lang)
    if ranked.empty:
        parts.append(_t("summary_mode_missing", lang, mode=mname, reason=mode_reason(mode, lang)))
    elif len(ranked) == 1:  # one league: no most and fewest, no count above the average
        only = ranked.iloc[0]
        facts["only"] = (str(only["adcode"]), float(only["metric"]))
        parts.append(_t("summary_only_one", lang, mode=mname, name=_name(only, lang), value=fmt(only["metric"], munit, lang)))
    else:
        top, bottom = ranked.iloc[0], ranked.iloc[-1]
        tops = ranked[ranked["metric"] == top["metric"]]
        bottoms = ranked[ranked["metric"] == bottom["metric"]]
        facts["top"] = (tuple(tops["adcode"]), float(top["metric"]))
        facts["bottom"] = (tuple(bottoms["adcode"]), float(bottom["metric"]))
        parts.append(_t("summary_most" if mode == "value" else "summary_highest", lang, mode=mname,
                            top=_names(tops, lang), top_v=fmt(top["metric"], munit, lang),
                            bottom=_names(bottoms, lang), bottom_v=fmt(bottom["metric"], munit, lang)))
        ref = cur["region_metric"].dropna()
        if not ref.empty:
            ref_v, key = float(ref.iloc[0]), "summary_above_avg" if mode in {"value", "share"} else "summary_above_region"
        else:
            ref_v, key = float(ranked["metric"].mean()), "summary_above_mean"
        k = int((ranked["metric"] > ref_v + 1e-9).sum())
        facts["ref"], facts["n_above"] = ref_v, k
        parts.append(_t(key, lang, k=k, ref=fmt(ref_v, munit, lang)))
        chosen = [a for a in selected if a in set(ranked["adcode"])]
        if 0 < len(chosen) <= 3:
            rows = ranked.set_index("adcode")
            facts["selected"] = {a: (int(rows.at[a, "rank"]), float(rows.at[a, "metric"])) for a in chosen}
            items = _t("summary_selected_sep", lang).join(
                _t("summary_selected_item", lang, name=_name(rows.loc[a], lang),
                       rank=int(rows.at[a, "rank"]), value=fmt(rows.at[a, "metric"], munit, lang)) for a in chosen)
            parts.append(_t("summary_selected", lang, items=items))
    parts.append(_t("summary_end", lang))
    return Summary("".join(parts), facts, sample)


def league_focus(league: pd.Series, counties: pd.DataFrame, *, year: int, indicator: str, unit: str,
                 n_leagues: int, lang: str = "zh") -> Summary:
    """One league's slide: its value and rank among the ``n_leagues`` leagues ranked (``league``: its
    area_metrics row for ``year`` in 绝对值 mode) and the top and bottom of its county-level units
    (``counties``: county area_metrics rows of that league and year)."""
    if is_missing(league.get("value")):
        return Summary(_t("summary_no_data", lang, year=year, ind=f"{_name(league, lang)}{indicator}") + _t("summary_end", lang),
                       {"year": year}, False)
    facts = {"year": year, "value": float(league["value"]), "rank": int(league["rank"])}
    sample = league["status"] == "sample"
    parts = [_t("summary_sample", lang)] if sample else []
    parts.append(_t("summary_league", lang, year=year, league=_name(league, lang), ind=indicator,
                        value=format_number(league["value"], unit, lang), rank=int(league["rank"]),
                    n_all=n_leagues))
    if not is_missing(league.get("vs_base")) and year != BASELINE:
        facts["change_pct"] = float(league["vs_base"])
        ch = float(league["vs_base"])
        parts.append(_t("summary_flat" if round(ch, 1) == 0 else "summary_up" if ch > 0 else "summary_down", lang, pct=_pct(ch, lang)))
    ranked = counties[counties["metric"].notna()].sort_values(["metric", "adcode"], ascending=[False, True])
    if len(ranked) >= 2:
        top, bottom = ranked.iloc[0], ranked.iloc[-1]
        sample = sample or bool((ranked["status"] == "sample").any())
        facts["top"] = (str(top["adcode"]), float(top["metric"]))
        facts["bottom"] = (str(bottom["adcode"]), float(bottom["metric"]))
        parts.append(_t("summary_league_counties", lang, top=_name(top, lang), top_v=format_number(top["metric"], unit, lang),
                            bottom=_name(bottom, lang), bottom_v=format_number(bottom["metric"], unit, lang)))
        if sample and parts[0] != _t("summary_sample", lang):
            parts.insert(0, _t("summary_sample", lang))
    parts.append(_t("summary_end", lang))
    return Summary("".join(parts), facts, bool(sample))


def rates_summary(figs: pd.DataFrame, lang: str = "zh") -> Summary:
    """Region rates against 100 % (region_figures rows: name_zh, name_en, value in %)."""
    values = figs["value"].astype(float)
    n, k = len(figs), int((values >= 100).sum())
    if n == 0:
        return Summary(_t("summary_no_data", lang, year="", ind="") + _t("summary_end", lang), {}, False)
    sample = bool((figs["status"] == "sample").any())
    lead = _t("summary_sample", lang) if sample else ""
    if k == n:
        return Summary(lead + _t("summary_rates_all", lang, n=n) + _t("summary_end", lang), {"n": n, "n_met": k}, sample)
    low = figs.assign(_v=values).sort_values("_v").iloc[0]
    text = _t("summary_rates" if k else "summary_rates_none", lang, n=n, k=k, name=_name(low, lang), value=format_number(low["value"], "%", lang))
    return Summary(lead + text + _t("summary_end", lang), {"n": n, "n_met": k, "lowest": float(low["value"])}, sample)


def innovations_summary(inn: pd.DataFrame, lang: str = "zh") -> Summary:
    """The bulletin's named innovations (innovations query rows)."""
    leagues = inn["league_adcode"].nunique()
    places = _t("summary_places_sep", lang).join(inn["area_zh" if lang == "zh" else "area_en"])
    return Summary(_t("summary_innovations", lang, n=len(inn), k=leagues, places=places) + _t("summary_end", lang),
                   {"n": len(inn), "leagues": int(leagues)}, False)
