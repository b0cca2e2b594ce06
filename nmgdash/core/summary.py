"""Written summaries (one or two sentences) of a per-league view, computed from the very
``area_metrics`` frame the map and the ranking are drawn from (queries/area_metrics.sql), so they
follow the year, the display mode, "仅显示已发布数据" and imported data like the charts do.

A small set of phrase templates (:data:`PHRASES`, zh and en) is filled with numbers computed here;
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
from nmgdash.core.settings import BASELINE_YEAR

#: Phrase templates: key → (zh, en). Every summary is put together from these alone.
PHRASES: dict[str, tuple[str, str]] = {
    "sample": ("示例数据：", "Sample data: "),
    "total": ("{year}年全区{ind}{value}（{n}个盟市合计）", "In {year} the region's {ind} totalled {value} (sum of {n} leagues)"),
    "total_part": ("{year}年全区{ind}{value}（12个盟市中{n}个有数据，合计）",
                   "In {year} the region's {ind} totalled {value} (sum of the {n} of 12 leagues with data)"),
    "mean": ("{year}年各盟市{ind}平均{value}（{n}个盟市）", "In {year} the leagues' {ind} averaged {value} ({n} leagues)"),
    "up": ("，较2017年增长{pct}", ", up {pct} on 2017"),
    "down": ("，较2017年下降{pct}", ", down {pct} on 2017"),
    "flat": ("，与2017年持平", ", unchanged since 2017"),
    "diff": ("，较2017年变化{diff}", ", a change of {diff} since 2017"),
    "pairs": ("（按两年均有数据的{n}个盟市计）", " (the {n} leagues with data in both years)"),
    "no_base": ("；无2017年基数，无法计算较2017年变化", "; there is no 2017 baseline to compare with"),
    "base_year": ("（2017年为改革前基准年）", " (2017 is the pre-reform baseline)"),
    "most": ("；{top}最多（{top_v}），{bottom}最少（{bottom_v}）", "; {top} had the most ({top_v}), {bottom} the fewest ({bottom_v})"),
    "highest": ("；按{mode}，{top}最高（{top_v}），{bottom}最低（{bottom_v}）",
                "; by {mode}, {top} ranked highest ({top_v}) and {bottom} lowest ({bottom_v})"),
    "above_avg": ("；{k}个盟市高于全区平均（{ref}）", "; {k} of {n} leagues were above the region average ({ref})"),
    "above_region": ("；{k}个盟市高于全区（{ref}）", "; {k} of {n} leagues were above the region as a whole ({ref})"),
    "above_mean": ("；{k}个盟市高于各盟市平均（{ref}）", "; {k} of {n} leagues were above the leagues' mean ({ref})"),
    "mode_missing": ("；按{mode}无法计算（{reason}）", "; {mode} cannot be computed ({reason})"),
    "selected": ("。所选：{items}", ". Selected: {items}"),
    "selected_item": ("{name}第{rank}位（{value}）", "{name} ranked {rank} ({value})"),
    "end": ("。", "."),
    "no_data": ("{year}年{ind}暂无分盟市数据", "There are no per-league figures of {ind} for {year}"),
    "no_data_pub": ("{year}年{ind}暂无已发布的分盟市数据（已开启“仅显示已发布数据”，示例数据不显示）",
                    "There are no published per-league figures of {ind} for {year} ('published only' hides sample data)"),
    "nearest": ("，最近有数据的年份为{near}年", "; the nearest year with data is {near}"),
    # region rates against 100 % (高校与国企改革)
    "rates": ("{n}项比例中{k}项达到100%；最低为{name}（{value}）", "{k} of {n} rates reach 100%; the lowest is {name} ({value})"),
    "rates_none": ("{n}项比例均未达到100%；最低为{name}（{value}）", "None of the {n} rates reaches 100%; the lowest is {name} ({value})"),
    "rates_all": ("{n}项比例全部达到100%", "All {n} rates reach 100%"),
    # typical cases
    "innovations": ("公报点名{n}处基层改革创新，分布在{k}个盟市：{places}", "The bulletin names {n} local innovations in {k} leagues: {places}"),
    # one league's county-level view
    "league": ("{year}年{league}{ind}{value}，在12个盟市中排第{rank}位", "In {year} {league} had {value} {ind}, ranked {rank} of 12 leagues"),
    "league_counties": ("；下辖旗县（市、区）中{top}最多（{top_v}），{bottom}最少（{bottom_v}）",
                        "; among its county-level units {top} had the most ({top_v}) and {bottom} the fewest ({bottom_v})"),
}

MODE_NAMES = {
    "value": ("绝对值", "absolute value"),
    "per_10k": ("每万常住人口", "per 10,000 residents"),
    "share": ("占全区比重", "share of the region total"),
    "yoy": ("同比变化", "year-on-year change"),
    "vs_base": ("较2017年变化", "change since 2017"),
}
MODE_REASONS = {
    "yoy": ("无上年数据", "no previous year"),
    "vs_base": ("无2017年基数", "no 2017 baseline"),
    "per_10k": ("无人口数据", "no population figure"),
    "share": ("比率不能求比重", "rates have no share"),
}
BASELINE = BASELINE_YEAR


def phrase(key: str, lang: str, **kw: object) -> str:
    """One template of :data:`PHRASES` filled in (KeyError for an unknown key)."""
    zh, en = PHRASES[key]
    return (zh if lang == "zh" else en).format(**kw)


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
        return f"{names[0]}等{len(names)}个盟市" if lang == "zh" else f"{names[0]} and {len(names) - 1} others"
    return ("、" if lang == "zh" else " and ").join(names)


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
        text = phrase("no_data_pub" if published_only else "no_data", lang, year=year, ind=indicator)
        near = cur["nearest_year"].dropna() if "nearest_year" in cur else pd.Series(dtype=float)
        if not near.empty:
            facts["nearest_year"] = int(near.iloc[0])
            text += phrase("nearest", lang, near=int(near.iloc[0]))
        return Summary(text + phrase("end", lang), facts, False)

    base_rows = frame[(frame["year"] == BASELINE) & frame["adcode"].isin(reporting["adcode"]) & frame["value"].notna()]
    sample = bool((reporting["status"] == "sample").any()
                  or (year != BASELINE and (base_rows["status"] == "sample").any()))
    parts = [phrase("sample", lang)] if sample else []

    # 1. region total (or mean) and its change since 2017
    if additive:
        total = float(reporting["value"].sum())
        facts["total"] = total
        parts.append(phrase("total" if n == len(cur) else "total_part", lang, year=year, ind=indicator,
                            value=format_number(total, unit, lang), n=n))
    else:
        mean = float(reporting["value"].mean())
        facts["mean"] = mean
        parts.append(phrase("mean", lang, year=year, ind=indicator, value=format_number(mean, unit, lang), n=n))
    if year == BASELINE:
        parts.append(phrase("base_year", lang))
    else:
        pairs = reporting[reporting["base_value"].notna()]
        if pairs.empty:
            parts.append(phrase("no_base", lang))
        else:
            if additive:
                base = float(pairs["base_value"].sum())
                change = 100 * (float(pairs["value"].sum()) - base) / base if base else None
                if change is None:
                    parts.append(phrase("no_base", lang))
                else:
                    facts["change_pct"] = change
                    key = "flat" if round(change, 1) == 0 else "up" if change > 0 else "down"
                    parts.append(phrase(key, lang, pct=_pct(change, lang)))
            else:
                diff = float(pairs["value"].mean() - pairs["base_value"].mean())
                facts["change_diff"] = diff
                dunit = ("个百分点" if lang == "zh" else "percentage points") if unit == "%" else unit
                parts.append(phrase("diff", lang, diff=format_signed(diff, dunit, lang)))
            if len(pairs) < n and ("change_pct" in facts or "change_diff" in facts):
                parts.append(phrase("pairs", lang, n=len(pairs)))

    # 2. top and bottom by the mode's metric; 3. how many above the region figure
    munit = mode_unit(mode, unit, additive, lang)
    fmt = format_signed if mode in {"yoy", "vs_base"} else format_number
    ranked = cur[cur["metric"].notna()].sort_values(["metric", "adcode"], ascending=[False, True])
    mode_name = MODE_NAMES[mode][0 if lang == "zh" else 1]
    if ranked.empty:
        reason = MODE_REASONS.get(mode, ("无数据", "no data"))[0 if lang == "zh" else 1]
        parts.append(phrase("mode_missing", lang, mode=mode_name, reason=reason))
    else:
        top, bottom = ranked.iloc[0], ranked.iloc[-1]
        tops = ranked[ranked["metric"] == top["metric"]]
        bottoms = ranked[ranked["metric"] == bottom["metric"]]
        facts["top"] = (tuple(tops["adcode"]), float(top["metric"]))
        facts["bottom"] = (tuple(bottoms["adcode"]), float(bottom["metric"]))
        parts.append(phrase("most" if mode == "value" else "highest", lang, mode=mode_name,
                            top=_names(tops, lang), top_v=fmt(top["metric"], munit, lang),
                            bottom=_names(bottoms, lang), bottom_v=fmt(bottom["metric"], munit, lang)))
        ref = cur["region_metric"].dropna()
        if not ref.empty:
            ref_v, key = float(ref.iloc[0]), "above_avg" if mode in {"value", "share"} else "above_region"
        else:
            ref_v, key = float(ranked["metric"].mean()), "above_mean"
        k = int((ranked["metric"] > ref_v + 1e-9).sum())
        facts["ref"], facts["n_above"] = ref_v, k
        parts.append(phrase(key, lang, k=k, n=len(ranked), ref=fmt(ref_v, munit, lang)))
        chosen = [a for a in selected if a in set(ranked["adcode"])]
        if 0 < len(chosen) <= 3:
            rows = ranked.set_index("adcode")
            facts["selected"] = {a: (int(rows.at[a, "rank"]), float(rows.at[a, "metric"])) for a in chosen}
            items = ("，" if lang == "zh" else "; ").join(
                phrase("selected_item", lang, name=_name(rows.loc[a], lang),
                       rank=int(rows.at[a, "rank"]), value=fmt(rows.at[a, "metric"], munit, lang)) for a in chosen)
            parts.append(phrase("selected", lang, items=items))
    parts.append(phrase("end", lang))
    return Summary("".join(parts), facts, sample)


def league_focus(league: pd.Series, counties: pd.DataFrame, *, year: int, indicator: str, unit: str,
                 lang: str = "zh") -> Summary:
    """One league's slide: its value and rank among the 12 leagues (``league``: its area_metrics
    row for ``year`` in 绝对值 mode) and the top and bottom of its county-level units
    (``counties``: county area_metrics rows of that league and year)."""
    if is_missing(league.get("value")):
        return Summary(phrase("no_data", lang, year=year, ind=f"{_name(league, lang)}{indicator}") + phrase("end", lang),
                       {"year": year}, False)
    facts = {"year": year, "value": float(league["value"]), "rank": int(league["rank"])}
    sample = league["status"] == "sample"
    parts = [phrase("sample", lang)] if sample else []
    parts.append(phrase("league", lang, year=year, league=_name(league, lang), ind=indicator,
                        value=format_number(league["value"], unit, lang), rank=int(league["rank"])))
    if not is_missing(league.get("vs_base")) and year != BASELINE:
        facts["change_pct"] = float(league["vs_base"])
        ch = float(league["vs_base"])
        parts.append(phrase("flat" if round(ch, 1) == 0 else "up" if ch > 0 else "down", lang, pct=_pct(ch, lang)))
    ranked = counties[counties["metric"].notna()].sort_values(["metric", "adcode"], ascending=[False, True])
    if len(ranked) >= 2:
        top, bottom = ranked.iloc[0], ranked.iloc[-1]
        sample = sample or bool((ranked["status"] == "sample").any())
        facts["top"] = (str(top["adcode"]), float(top["metric"]))
        facts["bottom"] = (str(bottom["adcode"]), float(bottom["metric"]))
        parts.append(phrase("league_counties", lang, top=_name(top, lang), top_v=format_number(top["metric"], unit, lang),
                            bottom=_name(bottom, lang), bottom_v=format_number(bottom["metric"], unit, lang)))
        if sample and parts[0] != phrase("sample", lang):
            parts.insert(0, phrase("sample", lang))
    parts.append(phrase("end", lang))
    return Summary("".join(parts), facts, bool(sample))


def rates_summary(figs: pd.DataFrame, lang: str = "zh") -> Summary:
    """Region rates against 100 % (region_figures rows: name_zh, name_en, value in %)."""
    values = figs["value"].astype(float)
    n, k = len(figs), int((values >= 100).sum())
    if n == 0:
        return Summary(phrase("no_data", lang, year="", ind="") + phrase("end", lang), {}, False)
    sample = bool((figs["status"] == "sample").any())
    lead = phrase("sample", lang) if sample else ""
    if k == n:
        return Summary(lead + phrase("rates_all", lang, n=n) + phrase("end", lang), {"n": n, "n_met": k}, sample)
    low = figs.assign(_v=values).sort_values("_v").iloc[0]
    text = phrase("rates" if k else "rates_none", lang, n=n, k=k, name=_name(low, lang), value=format_number(low["value"], "%", lang))
    return Summary(lead + text + phrase("end", lang), {"n": n, "n_met": k, "lowest": float(low["value"])}, sample)


def innovations_summary(inn: pd.DataFrame, lang: str = "zh") -> Summary:
    """The bulletin's named innovations (innovations query rows)."""
    leagues = inn["league_adcode"].nunique()
    places = ("、" if lang == "zh" else ", ").join(inn["area_zh" if lang == "zh" else "area_en"])
    return Summary(phrase("innovations", lang, n=len(inn), k=leagues, places=places) + phrase("end", lang),
                   {"n": len(inn), "leagues": int(leagues)}, False)
