"""The Excel template: structure, data validation, and the round trip — filled in with the current
sample values for 2019 it imports with 0 errors and 0 warnings, commits through nmgdash.storage.transaction and
can be undone."""

from __future__ import annotations

import io

import openpyxl
import pytest

from nmgdash import ingest
from nmgdash.ingest import catalogue, template
from nmgdash.storage import build, ledger, transaction

CAT = catalogue.load()


@pytest.fixture(scope="module")
def workbook():
    return openpyxl.load_workbook(io.BytesIO(ingest.build_template(year=2019)))


def test_template_structure(workbook):
    assert workbook.sheetnames == ["盟市数据", "旗县数据", "说明"]
    ws = workbook["盟市数据"]
    assert (ws["A2"].value, ws["B2"].value) == ("年份", 2019)
    header = [c.value for c in ws[template.HEADER_ROW]]
    assert header[:2] == ["盟市", "区划代码"]
    assert "青年爱里数量（个）" in header and "支持基层工作经费（万元）" in header
    assert "嘎查村（社区）团组织进入“两委”比例（%）" in header
    assert len(header) == 2 + len(CAT.importable("league")) == 25
    leagues = [(ws.cell(r, 1).value, ws.cell(r, 2).value) for r in range(5, 17)]
    assert leagues == list(zip(CAT.leagues()["name_zh"], CAT.leagues()["adcode"]))
    assert "兴安盟" in dict(leagues) and "锡林郭勒盟" in dict(leagues) and "阿拉善盟" in dict(leagues)
    wc = workbook["旗县数据"]
    assert [c.value for c in wc[template.HEADER_ROW]][:3] == ["盟市", "旗县（市、区）", "区划代码"]
    assert wc.max_row - template.HEADER_ROW == 103
    assert "说明" in workbook.sheetnames and "不要填 0" in "".join(str(c.value) for c in workbook["说明"]["A"])


def test_template_data_validation(workbook):
    ws = workbook["盟市数据"]
    header = {c.value: c.column_letter for c in ws[template.HEADER_ROW]}
    rules = {}
    for dv in ws.data_validations.dataValidation:
        for rng in dv.sqref.ranges:
            rules[str(rng)] = dv
    year = rules["B2"]
    assert year.type == "list" and "2017" in year.formula1 and "2019" in year.formula1
    hubs = rules[f"{header['青年爱里数量（个）']}5:{header['青年爱里数量（个）']}16"]
    assert (hubs.type, hubs.operator, hubs.formula1) == ("whole", "greaterThanOrEqual", "0")
    pct = header["嘎查村（社区）团组织进入“两委”比例（%）"]
    rate = rules[f"{pct}5:{pct}16"]
    assert (rate.type, rate.operator, rate.formula1, rate.formula2) == ("decimal", "between", "0", "100")
    money = rules[f"{header['支持基层工作经费（万元）']}5:{header['支持基层工作经费（万元）']}16"]
    assert (money.type, money.operator, money.formula1) == ("decimal", "greaterThanOrEqual", "0")


def fill(workbook, con, year=2019) -> tuple[bytes, int]:
    sample = con.execute("SELECT indicator_id, adcode, value FROM observations WHERE status = 'sample' AND year = ?",
                         [year]).fetchall()
    values = {(i, a): v for i, a, v in sample}
    n = 0
    for name, code_col in (("盟市数据", 2), ("旗县数据", 3)):
        ws = workbook[name]
        ws["B2"] = year
        for c in range(code_col + 1, ws.max_column + 1):
            ind = CAT.match_header(ws.cell(template.HEADER_ROW, c).value).indicator_id
            for r in range(template.HEADER_ROW + 1, ws.max_row + 1):
                v = values.get((ind, ws.cell(r, code_col).value))
                if v is not None:
                    ws.cell(r, c, int(v) if float(v).is_integer() else v)
                    n += 1
    buf = io.BytesIO()
    workbook.save(buf)
    return buf.getvalue(), n


def test_filled_template_imports_without_warnings(con):
    wb = openpyxl.load_workbook(io.BytesIO(ingest.build_template()))
    data, n = fill(wb, con)
    plan = ingest.load_file(data, template.TEMPLATE_FILE_NAME, con)
    assert plan.errors == [] and plan.warnings == [], [i.text for i in plan.errors + plan.warnings]
    assert n == len(plan.rows) == 12 * 22 + 103 * 5  # every sample value; the % column is left empty
    assert plan.counts == {"new": 0, "changed": 0, "unchanged": n}
    assert plan.normalisations == []


def test_commit_and_undo_through_the_store(tmp_path, monkeypatch):
    monkeypatch.setenv("NMGDASH_DB", str(tmp_path / "reform.duckdb"))
    monkeypatch.setenv("NMGDASH_IMPORTS", str(tmp_path / "imports"))
    con = build.connect(read_only=True)
    wb = openpyxl.load_workbook(io.BytesIO(ingest.build_template()))
    data, _ = fill(wb, con)
    wb = openpyxl.load_workbook(io.BytesIO(data))
    wb["盟市数据"]["O5"] = 119  # 呼和浩特市 hubs (sample 100): a changed value
    buf = io.BytesIO()
    wb.save(buf)
    plan = ingest.load_file(buf.getvalue(), "呼和浩特市2019.xlsx", con)
    con.close()
    # 119 no longer equals the sum of 呼和浩特市's counties, and the 12 leagues no longer sum to 1042
    assert sorted(w.kind for w in plan.warnings) == ["bulletin_total_mismatch", "county_sum_mismatch"]
    assert plan.counts["changed"] == 1
    with pytest.raises(ingest.ConfirmationRequired):
        ingest.commit(plan, user="tester")
    batch = ingest.commit(plan, user="tester", accept_warnings=True)
    query = ("SELECT o.value, o.status, s.title FROM observations_best o JOIN sources s USING (source_id) "
             "WHERE indicator_id = 'hubs' AND adcode = '150100' AND year = 2019")
    con = build.connect(read_only=True)
    assert con.execute(query).fetchone() == (119.0, "imported", "呼和浩特市2019.xlsx")
    con.close()
    log = ledger.audit_log()
    assert log.iloc[-1][["action", "user", "file_name", "sha256", "n_changed"]].tolist() == [
        "import", "tester", "呼和浩特市2019.xlsx", plan.sha256, 1]
    transaction.undo(batch, user="tester")
    con = build.connect(read_only=True)
    assert con.execute(query).fetchone()[:2] == (100.0, "sample")
    con.close()


def test_template_without_a_year_and_an_untouched_county_sheet(con):
    """Downloaded without a year: the user picks it in B2 of 盟市数据 only and leaves 旗县数据 empty.
    The empty sheet needs no year, and the hint beside its empty year cell is not read as one."""
    wb = openpyxl.load_workbook(io.BytesIO(ingest.build_template()))
    ws = wb["盟市数据"]
    ws["B2"] = 2019
    for r in range(5, 17):
        ws.cell(r, 3).value = 2
    buf = io.BytesIO()
    wb.save(buf)
    plan = ingest.load_file(buf.getvalue(), "filled.xlsx", con)
    assert not plan.errors, [e.text for e in plan.errors]
    assert len(plan.rows) == 12 and set(plan.rows["year"]) == {2019}
    assert "工作表“旗县数据”没有填写任何数值，未读取" in plan.notes


def test_one_league_changed_warns_about_the_region_total_and_notes_its_counties(con):
    """A file with one league's 青年爱里 (80 instead of the sample 75): the 12 leagues as the dashboard
    would show them add up to 1047 against the bulletin's 1042 (a warning to confirm), and 兴安盟's
    six counties (sample) still add up to 75 (a note)."""
    wb = openpyxl.load_workbook(io.BytesIO(ingest.build_template(2019)))
    ws = wb["盟市数据"]
    header = [str(ws.cell(4, c).value) for c in range(1, ws.max_column + 1)]
    column = header.index("青年爱里数量（个）") + 1
    row = next(r for r in range(5, 17) if ws.cell(r, 1).value == "兴安盟")
    ws.cell(row, column).value = 80
    buf = io.BytesIO()
    wb.save(buf)
    plan = ingest.load_file(buf.getvalue(), "兴安盟报表.xlsx", con)
    assert not plan.errors
    kinds = sorted(w.kind for w in plan.warnings)
    assert kinds == ["bulletin_total_mismatch"], [w.text for w in plan.warnings]
    assert "之和为 1047（其中 11 个盟市为库中现有数据，11 个为示例数据），公报全区数为 1042个" in plan.warnings[0].text
    # the counties are generated sample values: a note, not a warning for every league of every report
    assert "2019年“青年爱里”：兴安盟的旗县数仍是示例数据，与导入的盟市数不一致；旗县地图会标明示例数据。" \
           "要一致，请在“旗县数据”表中一并填写各旗县" in plan.notes
