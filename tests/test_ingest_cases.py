"""Every file in ../shared/import-cases/ behaves as its expected.json says (values, absent cells,
error cells and kinds), messages name file, sheet and cell, and a rejected file changes nothing."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from nmgdash import ingest
from nmgdash.ingest import catalogue
from nmgdash.storage import transaction

ROOT = Path(__file__).resolve().parents[1]
CASES_DIR = ROOT.parent / "shared" / "import-cases"
CASES = json.loads((CASES_DIR / "expected.json").read_text(encoding="utf-8")) if CASES_DIR.exists() else []
#: Hostile and odd files (issue 14): same format plus message_has, max_seconds (benchmark only), max_messages.
HOSTILE = json.loads((CASES_DIR / "hostile.json").read_text(encoding="utf-8")) if CASES_DIR.exists() else []
ALL_CASES = CASES + HOSTILE

#: The headers the corpus uses and the catalogue indicator each one maps to (by alias).
HEADERS = {
    "青年爱里数量（个）": "hubs",
    "开展活动（场次）": "hub_activities",
    "基层工作经费（万元）": "grassroots_funding",
    "嘎查村团组织进入两委比例（%）": "village_orgs_committee_rate",
}


def db_fingerprint(con) -> tuple[int, str]:
    rows = con.execute("SELECT indicator_id, adcode, year, value, status FROM observations ORDER BY ALL").fetchall()
    return len(rows), hashlib.sha256(repr(rows).encode()).hexdigest()


def test_corpus_is_present():
    assert len(CASES) == 18, f"expected 18 import cases in {CASES_DIR}"
    assert len(HOSTILE) == 6, f"expected 6 hostile cases in {CASES_DIR}/hostile.json"


@pytest.mark.parametrize("header", sorted(HEADERS))
def test_corpus_headers_map_to_catalogue(header):
    m = catalogue.load().match_header(header)
    assert m is not None and m.indicator_id == HEADERS[header]


@pytest.fixture(scope="module")
def plans(con):
    return {c["file"]: ingest.load_file((CASES_DIR / c["file"]).read_bytes(), c["file"], con) for c in ALL_CASES}


@pytest.mark.parametrize("case", ALL_CASES, ids=[c["file"] for c in ALL_CASES])
def test_case(case, plans):
    plan = plans[case["file"]]
    cat = catalogue.load()
    if case["expect"] == "accept":
        assert plan.errors == [], [e.text for e in plan.errors]
        got = {(r.indicator_id, r.adcode, r.year): r.value for r in plan.rows.itertuples()}
        want = {(cat.match_header(v["header"]).indicator_id, v["adcode"], v["year"]): v["value"] for v in case["values"]}
        assert got == pytest.approx(want)  # exactly these cells: no 合计 row, no missing cell as 0
        for a in case.get("absent", []):
            assert (cat.match_header(a["header"]).indicator_id, a["adcode"], a["year"]) not in got
        assert plan.preview is not None and sum(plan.counts.values()) == len(want)
    else:
        assert not plan.accepted
        got = {(e.cell, e.kind) for e in plan.errors}
        want = {(e["cell"], e["kind"]) for e in case["errors"]}
        if "max_messages" in case:  # a capped list: the first cells listed, then one summary (no cell) per kind
            assert want <= got and {k for _, k in got} == {k for _, k in want}, got
        else:
            assert got == want
        for e in plan.errors:
            assert e.text.startswith(f"「{case['file']}」")
            if e.cell:
                sheet = f"工作表“{e.sheet}”" if e.sheet else ""
                assert f"{sheet}第{e.row}行" in e.text and f"（{e.cell}）" in e.text
    if "message_has" in case:
        assert any(case["message_has"] in i.text for i in plan.errors + plan.warnings)
    if "max_messages" in case:
        assert len(plan.errors) + len(plan.warnings) <= case["max_messages"]


@pytest.mark.parametrize("case", HOSTILE, ids=[c["file"] for c in HOSTILE])
def test_hostile_case_through_cli(case, capsys, con):
    """The CLI (python -m nmgdash import FILE --dry-run) prints the same verdict as the Python API."""
    from nmgdash.cli import EXIT_OK, EXIT_REJECTED, main

    code = main(["import", str(CASES_DIR / case["file"]), "--dry-run"])
    out = capsys.readouterr()
    if case["expect"] == "accept":
        assert code == EXIT_OK, out.out + out.err
        assert f"将导入 {len(case['values'])} 个数值" in out.out
    else:
        assert code == EXIT_REJECTED and "数据库未作任何修改" in out.err
        for e in case["errors"]:
            assert (f"（{e['cell']}）" if e["cell"] else f"「{case['file']}」：") in out.out
        if "max_messages" in case:
            assert out.out.count("  ✗ ") <= case["max_messages"]
    if "message_has" in case:
        assert case["message_has"] in out.out
    assert "Traceback" not in out.out + out.err and "Error" not in out.out + out.err


@pytest.mark.parametrize("case", [c for c in ALL_CASES if c["expect"] != "accept"], ids=lambda c: c["file"])
def test_rejected_case_changes_nothing(case, con, monkeypatch):

    before = db_fingerprint(con)
    calls = []
    monkeypatch.setattr(transaction, "commit", lambda *a, **k: calls.append(a))
    plan = ingest.load_file((CASES_DIR / case["file"]).read_bytes(), case["file"], con)
    with pytest.raises(ingest.ImportRejected):
        ingest.commit(plan, user="tester", accept_warnings=True)
    assert calls == []
    assert db_fingerprint(con) == before


def test_exact_messages(plans):
    text = {e.kind: e.text for p in plans.values() for e in p.errors}
    assert text["negative_count"] == "「s10_negative_count.xlsx」工作表“2019年”第7行C列（C7）：数量不能为负数（填写的是 -3个）"
    assert text["total_mismatch"] == (
        "「s09_total_row_mismatch.xlsx」工作表“2019年”第14行C列（C14）：合计 1040 与各盟市之和 1042 不一致（相差 -2）；合计行不导入，只用于核对")
    assert text["unknown_league"].startswith("「s11_unknown_league.xlsx」工作表“2019年”第2行A列（A2）：“呼和浩特县”不是内蒙古的盟市")
    assert text["duplicate_key"].startswith("「s12_duplicate_league.xlsx」工作表“2019年”第13行A列（A13）：锡林郭勒盟 2019年的数据已在第12行填过")
    assert text["percent_out_of_range"].endswith("（C2）：百分比必须在 0–100 之间（填写的是 120%）")
    assert text["empty_file"] == "「s17_empty.csv」：文件是空的，没有任何内容"
    assert text["not_a_spreadsheet"].startswith("「s16_not_a_spreadsheet.xlsx」：")


def test_normalisations_are_reported(plans):
    def cells(name, kind=None):
        return {n.cell for n in plans[name].normalisations if kind is None or n.kind == kind}

    assert cells("s06_league_aliases.xlsx") >= {f"A{r}" for r in range(2, 14)} - {"A8"}  # A8 呼伦贝尔市 is exact
    assert cells("s07_number_formats.xlsx") == {"D2", "D3", "C4", "D5", "E6"}
    assert cells("s07_number_formats.xlsx", "scale_suffix") == {"D5"}
    assert cells("s14_missing_markers.xlsx", "missing_marker") == {"D4", "D6"}
    assert cells("s18_year_suffix.xlsx", "year_text") == {f"B{r}" for r in range(2, 14)}
    assert any("1 个空单元格" in n for n in plans["s14_missing_markers.xlsx"].notes)


def test_two_row_header_reads_merged_years(plans):
    rows = plans["s05_two_row_header.xlsx"].rows
    hub = rows[(rows.indicator_id == "hubs") & (rows.adcode == "150100")].set_index("year")["value"]
    assert hub.to_dict() == {2018: 108.0, 2019: 118.0}
    assert set(rows[rows.year == 2018]["cell"].str[0]) == {"B", "C"}
    # the year-on-year check uses the file's own 2018 column: 乌海市 activities 200 -> 500
    assert {(w.kind, w.cell) for w in plans["s05_two_row_header.xlsx"].warnings} == {("yoy_jump", "E5"), ("yoy_jump", "E14")}


def test_hostile_messages(plans):
    """s19–s23: one message each, naming the merged range, both header cells, the county row, the password."""
    def only(name):
        (e,) = plans[name].errors
        return e.text

    assert "合并单元格 A2:A3" in only("s19_merged_league_two_rows.xlsx")
    s20 = plans["s20_hidden_duplicate_column.xlsx"]
    assert len(s20.errors) == 1 and "C1" in s20.errors[0].text and "D1" in s20.errors[0].text
    assert "C列是隐藏列" in s20.errors[0].text and "已在第" not in s20.errors[0].text
    assert len(s20.errors + s20.warnings) <= 3
    assert "第3行“新城区”" in only("s21_county_row_in_league_sheet.xlsx") and "D3、E3" in only("s21_county_row_in_league_sheet.xlsx")
    assert plans["s22_subtotal_rows.xlsx"].warnings == []
    assert only("s23_password_protected.xlsx").startswith("「s23_password_protected.xlsx」：文件设有密码保护")
    s24 = plans["s24_many_bad_rows.csv"]
    assert "另有 49,980 处同类错误" in s24.errors[-1].text


def test_clean_files_have_no_warnings(plans):
    for name in ("s01_clean.xlsx", "s02_utf8_bom.csv", "s03_gbk.csv", "s04_title_rows.xlsx", "s08_total_row_ok.xlsx",
                 "s15_long_layout.csv"):
        assert plans[name].warnings == [], name
