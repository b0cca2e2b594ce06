"""Reading files and layouts staff really make (built here with openpyxl/xlwt), validation rules
and the warnings that compare with the database."""

from __future__ import annotations

import io

import openpyxl
import pandas as pd
import pytest

from nmgdash import ingest
from nmgdash.ingest import catalogue
from nmgdash.ingest.messages import Collector
from nmgdash.ingest.normalize import normalise_entries
from nmgdash.ingest.read import parse_grid
from nmgdash.ingest.validate import check_against_database, validate_records
from nmgdash.ingest.workbook import read_grids

LEAGUES = catalogue.load().leagues()
HUBS_2019 = [118, 96, 30, 150, 120, 88, 100, 70, 80, 72, 78, 40]  # sums to the bulletin's 1042


def xlsx(rows, merged=(), formats=None, title="Sheet1", extra_sheets=()) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = title
    for r, row in enumerate(rows, start=1):
        for c, v in enumerate(row, start=1):
            if v is not None:
                ws.cell(r, c, v)
    for rng in merged:
        ws.merge_cells(rng)
    for coord, fmt in (formats or {}).items():
        ws[coord].number_format = fmt
    for name, srows in extra_sheets:
        ws2 = wb.create_sheet(name)
        for srow in srows:
            ws2.append(srow)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def league_rows(values, header="青年爱里数量（个）", year=2019):
    return [["盟市", "年份", header]] + [[n, year, v] for n, v in zip(LEAGUES["name_zh"], values)]


def kinds(plan):
    return {(i.kind, i.cell) for i in plan.errors + plan.warnings}


def test_xls_is_read_with_merged_ranges(con):
    import xlwt  # test dependency (requirements-dev.txt)
    wb = xlwt.Workbook()
    ws = wb.add_sheet("2019年")
    ws.write_merge(0, 1, 0, 0, "盟市")
    ws.write_merge(0, 0, 1, 2, "2019年")
    ws.write(1, 1, "青年爱里数量（个）")
    ws.write(1, 2, "开展活动（场次）")
    for i, name in enumerate(LEAGUES["name_zh"]):
        ws.write(i + 2, 0, name)
        ws.write(i + 2, 1, HUBS_2019[i])
        ws.write(i + 2, 2, 1000 + i)
    buf = io.BytesIO()
    wb.save(buf)
    plan = ingest.load_file(buf.getvalue(), "旧版.xls", con)
    assert plan.errors == []
    assert len(plan.rows) == 24 and set(plan.rows.year) == {2019}
    assert plan.rows.set_index(["indicator_id", "adcode"]).loc[("hubs", "152900"), "value"] == 40


def test_gb18030_only_character_survives(con):
    # 𠀀 (U+20000) and 䶮 have no GBK encoding; the note column keeps them
    text = "盟市,年份,青年爱里数量（个）,备注\n" + "\n".join(
        f"{n},2019,{v},{'𠀀䶮 数据已核' if i == 0 else ''}" for i, (n, v) in enumerate(zip(LEAGUES["name_zh"], HUBS_2019)))
    plan = ingest.load_file(text.encode("gb18030"), "gb18030.csv", con)
    assert plan.errors == [], [e.text for e in plan.errors]
    assert plan.rows.loc[plan.rows.adcode == "150100", "note"].item() == "𠀀䶮 数据已核"
    assert any("GB18030" in n for n in plan.notes)


def test_utf8_without_bom_csv(con):
    text = "\n".join(",".join(map(str, r)) for r in league_rows(HUBS_2019))
    plan = ingest.load_file(text.encode("utf-8"), "utf8.csv", con)
    assert plan.errors == [] and len(plan.rows) == 12


def test_formula_without_cached_value_is_flagged(con):
    rows = league_rows(HUBS_2019)
    rows[3][2] = "=1+1"  # openpyxl writes formulas without a cached result
    plan = ingest.load_file(xlsx(rows), "formula.xlsx", con)
    assert ("formula_without_value", "C4") in kinds(plan)
    assert "150300" not in set(plan.rows.adcode)


def test_percent_formatted_cells_and_fraction_columns(con):
    header = "嘎查村团组织进入两委比例（%）"
    plan = ingest.load_file(xlsx(league_rows([0.975] * 12, header), formats={"C2": "0.0%"}), "pct.xlsx", con)
    assert plan.errors == [] and set(plan.rows.value) == {97.5}
    assert {n.kind for n in plan.normalisations} == {"percent_format", "percent_fraction"}
    plan = ingest.load_file(xlsx(league_rows(["０.９７５"] + [1] * 11, header)), "pct2.xlsx", con)
    assert plan.errors == [] and sorted(set(plan.rows.value)) == [97.5, 100.0]
    plan = ingest.load_file(xlsx(league_rows([1] * 12, header)), "pct3.xlsx", con)
    assert {w.kind for w in plan.warnings} == {"ambiguous_percent"}


def test_labelled_year_cell_title_footer_and_trailing_columns(con):
    rows = [["2019年各盟市青年爱里统计表"], ["年份：", "2019年"], [],
            ["序号", "盟市", "青年爱里数量(个)", None, None]]
    rows += [[i + 1, n, v, None, None] for i, (n, v) in enumerate(zip(LEAGUES["name_zh"], HUBS_2019))]
    rows += [[None, "合计", 1042], [], ["注：数据截至2019年底"]]
    plan = ingest.load_file(xlsx(rows, merged=["A1:C1"]), "labelled.xlsx", con)
    assert plan.errors == [] and plan.warnings == []
    assert len(plan.rows) == 12 and set(plan.rows.year) == {2019}
    assert any("表尾说明" in n for n in plan.notes)


def test_year_from_sheet_name_is_reported(con):
    rows = [["盟市", "青年爱里数量"]] + [[n, v] for n, v in zip(LEAGUES["name_zh"], HUBS_2019)]
    plan = ingest.load_file(xlsx(rows, title="2019年"), "sheetyear.xlsx", con)
    assert plan.errors == [] and set(plan.rows.year) == {2019}
    assert [n.kind for n in plan.normalisations] == ["year_from_sheet"]


def test_missing_year_is_an_error(con):
    rows = [["盟市", "青年爱里数量"]] + [[n, v] for n, v in zip(LEAGUES["name_zh"], HUBS_2019)]
    plan = ingest.load_file(xlsx(rows), "noyear.xlsx", con)
    assert {e.kind for e in plan.errors} == {"missing_year"}


def test_header_variants_and_unit_conversion(con):
    rows = [["盟 市", "年份", "青年爱里 数量 (个)", "支持基层工作经费（元）", "开展活动"]]
    rows += [[n, "2019", v, "3.2万", 10] for n, v in zip(LEAGUES["name_zh"], HUBS_2019)]
    plan = ingest.load_file(xlsx(rows), "variants.xlsx", con)
    assert plan.errors == [], [e.text for e in plan.errors]
    funding = plan.rows[plan.rows.indicator_id == "grassroots_funding"]["value"]
    assert set(funding) == {3.2}  # 3.2万 元 = 32000 元 = 3.2 万元, scaled once
    assert {"scale_suffix", "unit_convert"} <= {n.kind for n in plan.normalisations}


@pytest.mark.parametrize(("cell", "kind"), [
    ("12.5", "non_integer_count"), ("abc", "unparseable"), ("-1", "negative_count"),
])
def test_value_errors(con, cell, kind):
    rows = league_rows(HUBS_2019)
    rows[5][2] = cell
    plan = ingest.load_file(xlsx(rows), "bad.xlsx", con)
    assert kinds(plan) == {(kind, "C6")}


@pytest.mark.parametrize(("year", "ok"), [(1999, False), (2000, True), (2100, False), ("2019年度", True)])
def test_year_range(con, year, ok):
    plan = ingest.load_file(xlsx(league_rows(HUBS_2019, year=year)), "year.xlsx", con)
    assert plan.accepted is ok
    if not ok:
        assert {(e.kind, e.cell) for e in plan.errors} >= {("year_out_of_range", "B2")}


def test_unknown_and_region_level_indicators(con):
    rows = [["盟市", "年份", "青年之家活动数", "专项督察覆盖盟市", "常住人口"]]
    rows += [[n, 2019, 1, 1, 1] for n in LEAGUES["name_zh"]]
    plan = ingest.load_file(xlsx(rows), "unknown.xlsx", con)
    assert {(e.kind, e.cell) for e in plan.errors} == {
        ("unknown_indicator", "C1"), ("indicator_not_importable", "D1"), ("indicator_not_importable", "E1")}


def test_league_only_indicator_at_county_level(con):
    rows = [["旗县（市、区）", "年份", "开展活动（场次）"], ["新城区", 2019, 5]]
    plan = ingest.load_file(xlsx(rows), "county.xlsx", con)
    assert {(e.kind, e.cell) for e in plan.errors} == {("indicator_not_importable", "C1")}


def test_county_parent_and_code_consistency(con):
    rows = [["盟市", "旗县（市、区）", "区划代码", "年份", "青年爱里数量（个）"],
            ["包头市", "新城区", "150102", 2019, 3],       # 新城区 belongs to 呼和浩特市
            ["呼和浩特市", "回民区", "150105", 2019, 3]]   # 150105 is 赛罕区
    plan = ingest.load_file(xlsx(rows), "parents.xlsx", con)
    assert {(e.kind, e.cell) for e in plan.errors} == {("area_mismatch", "B2"), ("area_mismatch", "C3")}


def test_not_a_spreadsheet_and_wrong_extension(con):
    assert {e.kind for e in ingest.load_file(b"%PDF-1.4 ...", "report.pdf", con).errors} == {"not_a_spreadsheet"}
    assert {e.kind for e in ingest.load_file(b"PK\x03\x04garbage", "broken.xlsx", con).errors} == {"not_a_spreadsheet"}
    assert {e.kind for e in ingest.load_file(b"\xef\xbb\xbf\r\n", "bom.csv", con).errors} == {"empty_file"}
    plan = ingest.load_file(xlsx(league_rows(HUBS_2019)), "saved-as.csv", con)  # an .xlsx renamed .csv
    assert plan.errors == [] and len(plan.rows) == 12


def test_text_cells_are_stored_as_text(con):
    rows = [["盟市", "年份", "青年爱里数量（个）", "备注"]]
    rows += [[n, 2019, v, "<script>alert(1)</script>" if i == 0 else None]
             for i, (n, v) in enumerate(zip(LEAGUES["name_zh"], HUBS_2019))]
    plan = ingest.load_file(xlsx(rows), "markup.xlsx", con)
    assert plan.rows.loc[plan.rows.adcode == "150100", "note"].item() == "<script>alert(1)</script>"


# ---- warnings against the database ------------------------------------------------------
def _records(rows):
    cat = catalogue.load()
    col = Collector("w.xlsx")
    grids = read_grids(xlsx(rows), "w.xlsx", col)
    recs = normalise_entries([e for g in grids for e in parse_grid(g, cat, col)], cat, col)
    good = validate_records(recs, cat, col)
    return cat, col, good, [r for r in recs if r.total]


def test_bulletin_total_warning(con):
    values = [*HUBS_2019[:-1], 50]  # sums to 1052, the bulletin says 1042
    plan = ingest.load_file(xlsx(league_rows(values)), "sum.xlsx", con)
    assert [(w.kind, w.cell) for w in plan.warnings] == [("bulletin_total_mismatch", "C1")]
    assert "1052" in plan.warnings[0].text and "1042" in plan.warnings[0].text
    rows = [*league_rows(values), ["合计", 2019, 1052]]
    plan = ingest.load_file(xlsx(rows), "sum2.xlsx", con)
    assert [(w.kind, w.cell) for w in plan.warnings] == [("bulletin_total_mismatch", "C14")]


def test_yoy_and_published_warnings_use_real_figures_only():
    cat, col, good, totals = _records(league_rows(HUBS_2019))
    current = pd.DataFrame([
        ("hubs", "150100", 2018, 50.0, "imported"),   # 118 vs 50: +136 %
        ("hubs", "150200", 2018, 20.0, "sample"),     # sample is no baseline
        ("hubs", "150300", 2019, 31.0, "published"),  # a published league figure differs
        ("hubs", "150400", 2018, 149.0, "imported"),
    ], columns=["indicator_id", "adcode", "year", "value", "status"])
    check_against_database(good, totals, current, cat, col)
    assert {(w.kind, w.cell) for w in col.warnings} == {("yoy_jump", "C2"), ("published_mismatch", "C4")}
    assert "增长 136%" in next(w.text for w in col.warnings if w.kind == "yoy_jump")


def test_county_sum_warning(con):
    cat = catalogue.load()
    counties = cat.counties("152900")  # 阿拉善盟: 3 county-level units
    rows = [["盟市", "旗县（市、区）", "年份", "青年爱里数量（个）"], ["阿拉善盟", None, 2019, 40]]
    rows += [["阿拉善盟", name, 2019, 10] for name in counties["name_zh"]]
    plan = ingest.load_file(xlsx(rows), "counties.xlsx", con)
    assert plan.errors == []
    # and the 12 leagues as the dashboard would show them (11 sample) no longer add up to the bulletin's 1042
    assert sorted((w.kind, w.cell) for w in plan.warnings) == [("bulletin_total_mismatch", "D1"),
                                                               ("county_sum_mismatch", "D2")]
