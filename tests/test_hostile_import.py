"""Issue 14: hostile and odd files. Work is bounded by what a file holds (not what it declares),
messages are capped and counted, and every message points at the right cell, in Chinese only.

The large files are built here (xlsx parts written directly with zipfile, so they stay small on
disk); the tests assert outcomes only — times and memory are measured by bench/import_bench.py."""

from __future__ import annotations

import io
import json
import math
import re
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

import pytest

from nmgdash import ingest
from nmgdash.ingest import catalogue
from nmgdash.ingest.messages import ERROR_KINDS, LIST_LIMIT, WARNING_KINDS
from nmgdash.ingest.workbook import MAX_CELLS

ROOT = Path(__file__).resolve().parents[1]
CASES_DIR = ROOT.parent / "shared" / "import-cases"
LEAGUES = list(catalogue.load().leagues()["name_zh"])
HUBS_2019 = [118, 96, 30, 150, 120, 88, 100, 70, 80, 72, 78, 40]
HEADER = ["盟市", "年份", "青年爱里数量（个）"]


# ---------------------------------------------------------------------------------------
# building files
# ---------------------------------------------------------------------------------------
def _cell(ref: str, v) -> str:
    if v is None:
        return ""
    if isinstance(v, tuple):  # ("f", formula, cached value or None)
        _, f, cached = v
        return f'<c r="{ref}"><f>{escape(f)}</f>' + (f"<v>{cached}</v>" if cached is not None else "") + "</c>"
    if isinstance(v, int | float):
        return f'<c r="{ref}"><v>{v}</v></c>'
    return f'<c r="{ref}" t="inlineStr"><is><t>{escape(str(v))}</t></is></c>'


def _col(n: int) -> str:
    s = ""
    while n:
        n, r = divmod(n - 1, 26)
        s = chr(65 + r) + s
    return s


def raw_xlsx(rows, *, tail: str = "", before_data: str = "", extra_rows: str = "", dimension: str | None = None,
             hidden_rows=(), name: str = "2019年", extra_parts: dict | None = None) -> bytes:
    """A minimal .xlsx written part by part: ``rows`` from A1, then ``extra_rows`` (raw XML) and ``tail``
    (e.g. <mergeCells>) after sheetData. One cell style with a border (s=1) for the hostile cases."""
    body = []
    for r, row in enumerate(rows, start=1):
        hidden = ' hidden="1"' if r in hidden_rows else ""
        body.append(f'<row r="{r}"{hidden}>' + "".join(_cell(f"{_col(c)}{r}", v) for c, v in enumerate(row, 1)) + "</row>")
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    sheet = ('<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
             f'{dim}{before_data}<sheetData>{"".join(body)}{extra_rows}</sheetData>{tail}</worksheet>')
    parts = {
        "[Content_Types].xml": '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
        "</Types>",
        "_rels/.rels": '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
        "</Relationships>",
        "xl/workbook.xml": '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        f'<sheets><sheet name="{name}" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
        '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>'
        "</Relationships>",
        "xl/styles.xml": '<?xml version="1.0" encoding="UTF-8"?><styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        '<fonts count="1"><font/></fonts><fills count="1"><fill/></fills>'
        '<borders count="2"><border/><border><left style="thin"/><right style="thin"/><top style="thin"/><bottom style="thin"/></border></borders>'
        '<cellStyleXfs count="1"><xf/></cellStyleXfs>'
        '<cellXfs count="3"><xf numFmtId="0"/><xf numFmtId="0" borderId="1" applyBorder="1"/><xf numFmtId="10" applyNumberFormat="1"/></cellXfs>'
        "</styleSheet>",
        "xl/worksheets/sheet1.xml": sheet,
        **(extra_parts or {}),
    }
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for n, text in parts.items():
            z.writestr(n, text)
    return buf.getvalue()


def good_rows(values=HUBS_2019, header=HEADER):
    return [header] + [[n, 2019, v] for n, v in zip(LEAGUES, values)]


def bordered_far_cell() -> bytes:
    """12 good rows and one bordered empty cell at Y1048576 (the declared range is 26 million cells)."""
    return raw_xlsx(good_rows(), dimension="A1:Y1048576", extra_rows='<row r="1048576"><c r="Y1048576" s="1"/></row>')


def junk_rows_xlsx(n: int = 200_000) -> bytes:
    """12 good rows, then ``n`` rows of junk (5 filled cells each)."""
    junk = "".join(f'<row r="{r}"><c><v>{r}</v></c><c><v>2019</v></c><c><v>1</v></c><c><v>1</v></c><c><v>1</v></c></row>'
                   for r in range(14, 14 + n))
    return raw_xlsx(good_rows(), extra_rows=junk)


def bad_lines_csv(n: int = 500_000) -> bytes:
    head = "盟市,年份,青年爱里数量（个）,开展活动（场次）,基层工作经费（万元）\n"
    good = "".join(f"{name},2019,{v},100,10\n" for name, v in zip(LEAGUES, HUBS_2019))
    return (head + good + "".join(f"x{i},2019,1,1,1\n" for i in range(n))).encode("utf-8")


def csv_bytes(rows, encoding="utf-8") -> bytes:
    return "\n".join(",".join("" if v is None else str(v) for v in row) for row in rows).encode(encoding)


def messages(plan) -> list[str]:
    return [i.text for i in plan.errors + plan.warnings] + [n.text for n in plan.normalisations] + list(plan.notes)


# ---------------------------------------------------------------------------------------
# §1 bounded work
# ---------------------------------------------------------------------------------------
def test_bordered_cell_at_y1048576_is_not_walked(monkeypatch):
    import openpyxl

    data = bordered_far_cell()
    assert len(data) < 5_000
    # openpyxl must not load the workbook at all (it walks the declared range, and did so twice)
    monkeypatch.setattr(openpyxl, "load_workbook", lambda *a, **k: pytest.fail("openpyxl.load_workbook called"))
    plan = ingest.load_file(data, "模板.xlsx")
    assert plan.errors == [], [e.text for e in plan.errors]
    assert len(plan.rows) == 12 and plan.rows["value"].sum() == sum(HUBS_2019)


def test_sheet_over_the_cell_budget_is_refused_before_parsing():
    data = junk_rows_xlsx()
    assert len(data) < 3 * 1024 * 1024
    plan = ingest.load_file(data, "垃圾行.xlsx")
    assert [(e.kind, e.cell) for e in plan.errors] == [("too_many_cells", None)]
    text = plan.errors[0].text
    assert f"{MAX_CELLS:,}" in text and "工作表“2019年”" in text and "超过" in text
    assert plan.rows.empty


def test_csv_with_500000_bad_lines_is_refused_with_its_size():
    data = bad_lines_csv()
    plan = ingest.load_file(data, "五十万行.csv")
    assert [(e.kind, e.cell) for e in plan.errors] == [("too_many_cells", None)]
    text = plan.errors[0].text
    assert f"{MAX_CELLS:,}" in text and re.search(r"有 2,500,\d{3} 个", text), text


def test_errors_are_capped_and_counted():
    n = 5_000
    rows = [HEADER] + [[n_, 2019, v] for n_, v in zip(LEAGUES, HUBS_2019)] + [[f"未知地区{i}", 2019, 1] for i in range(n)]
    plan = ingest.load_file(csv_bytes(rows), "很多错误.csv")
    listed = [e for e in plan.errors if e.cell]
    assert len(listed) == LIST_LIMIT and listed[0].cell == "A14"
    summary = [e for e in plan.errors if e.cell is None]
    assert len(summary) == 1 and f"另有 {n - LIST_LIMIT:,} 处同类错误" in summary[0].text
    assert summary[0].kind == "unknown_place"


def test_s24_lists_at_most_its_cap():
    case = next(c for c in json.loads((CASES_DIR / "hostile.json").read_text("utf-8")) if c["file"].startswith("s24"))
    plan = ingest.load_file((CASES_DIR / case["file"]).read_bytes(), case["file"])
    assert len(plan.errors) + len(plan.warnings) <= case["max_messages"]
    assert any("另有 49,980 处同类错误" in e.text for e in plan.errors)
    assert len(plan.normalisations) <= LIST_LIMIT * 10


# ---------------------------------------------------------------------------------------
# §2 exact messages
# ---------------------------------------------------------------------------------------
def test_percent_fraction_among_percent_numbers_is_flagged_at_its_cell():
    header = ["盟市", "年份", "嘎查村团组织进入两委比例（%）"]
    values = [97.5, 98, 0.985, 99, 97, 98.2, 0.999, 97.8, 0.5, 98.6, 1, 97.1]
    plan = ingest.load_file(raw_xlsx(good_rows(values, header)), "比例.xlsx")
    flagged = {w.cell: w.text for w in plan.warnings if w.kind == "percent_fraction_suspect"}
    assert set(flagged) == {"C4", "C8", "C10", "C12"}
    assert "是否本意为 98.5%" in flagged["C4"] and "97–99" in flagged["C4"]
    assert "是否本意为 100%" in flagged["C12"]


def test_short_gbk_csv_is_read_as_gbk():
    data = "盟市,年份,青年爱里数量（个）\n呼伦贝尔市,2019,95".encode("gbk")
    plan = ingest.load_file(data, "呼伦贝尔.csv")
    assert plan.errors == [], [e.text for e in plan.errors]
    assert plan.rows[["adcode", "value"]].values.tolist() == [["150700", 95.0]]
    assert any("GB18030" in n for n in plan.notes)
    tiny = "呼伦贝尔市,2019,95".encode("gbk")
    assert len(tiny) < 48 and ingest.load_file(tiny, "x.csv").notes[0].startswith("CSV 文件编码：GB18030")


def test_negative_zero_is_stored_as_zero_and_zero_width_space_is_cleaned():
    rows = good_rows([*HUBS_2019[:2], "－0", "1\u200b50", *HUBS_2019[4:]])
    plan = ingest.load_file(raw_xlsx(rows), "零.xlsx")
    assert plan.errors == [], [e.text for e in plan.errors]
    v = plan.rows.set_index("cell")["value"]
    assert v["C4"] == 0 and math.copysign(1, v["C4"]) == 1.0
    assert v["C5"] == 150
    zw = [n for n in plan.normalisations if n.kind == "invisible"]
    assert [n.cell for n in zw] == ["C5"] and "零宽空格" in zw[0].text


def test_hidden_rows_and_filters_are_named():
    data = raw_xlsx(good_rows(), hidden_rows={5, 9}, tail='<autoFilter ref="A1:C13"/>')
    plan = ingest.load_file(data, "筛选.xlsx")
    w = [x for x in plan.warnings if x.kind == "hidden_cells"]
    assert len(w) == 1 and w[0].cell == "C5"
    assert "第5、9行是隐藏行" in w[0].text and "筛选" in w[0].text and "C9" in w[0].text


def test_hidden_column_is_named():
    data = raw_xlsx(good_rows(), before_data='<cols><col min="3" max="3" hidden="1"/></cols>')
    plan = ingest.load_file(data, "隐藏列.xlsx")
    w = [x for x in plan.warnings if x.kind == "hidden_cells"]
    assert len(w) == 1 and "C列是隐藏列" in w[0].text


def test_values_from_external_links_are_named():
    rows = good_rows()
    rows[2][2] = ("f", "[1]Sheet1!C3", 96)
    rows[3][2] = ("f", "'[1]2019年'!C4", 30)
    plan = ingest.load_file(raw_xlsx(rows), "链接.xlsx")
    assert plan.errors == []
    w = [x for x in plan.warnings if x.kind == "external_link"]
    assert len(w) == 1 and w[0].cell == "C3" and "C3、C4" in w[0].text and "其他工作簿" in w[0].text
    assert plan.rows.set_index("cell").loc["C3", "value"] == 96


def test_formula_without_cached_value_still_reported():
    rows = good_rows()
    rows[2][2] = ("f", "SUM(1,2)", None)
    plan = ingest.load_file(raw_xlsx(rows), "公式.xlsx")
    assert [(e.kind, e.cell) for e in plan.errors] == [("formula_without_value", "C3")]


def test_percent_number_format_is_read():
    rows = good_rows([0.975] + [97.0] * 11, ["盟市", "年份", "嘎查村团组织进入两委比例（%）"])
    # C2 gets the 0.00% style (s=2): read as 97.5 %
    buf = io.BytesIO(raw_xlsx(rows))
    with zipfile.ZipFile(buf) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    parts["xl/worksheets/sheet1.xml"] = parts["xl/worksheets/sheet1.xml"].replace(b'<c r="C2">', b'<c r="C2" s="2">')
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for n, b in parts.items():
            z.writestr(n, b)
    plan = ingest.load_file(out.getvalue(), "格式.xlsx")
    assert plan.errors == [] and plan.rows.set_index("cell").loc["C2", "value"] == pytest.approx(97.5)


@pytest.mark.parametrize("label, members_ok", [("小计", True), ("呼和浩特市、包头市小计", True), ("中部小计", False)])
def test_subtotal_rows(label, members_ok):
    rows = good_rows()
    rows.insert(3, [label, 2019, 118 + 96])  # after 呼和浩特市 and 包头市
    plan = ingest.load_file(raw_xlsx(rows), "小计.xlsx")
    assert plan.errors == [], [e.text for e in plan.errors]
    assert len(plan.rows) == 12
    unchecked = [w for w in plan.warnings if w.kind == "subtotal_unchecked"]
    assert bool(unchecked) != members_ok
    rows[3][2] = 999
    bad = ingest.load_file(raw_xlsx(rows), "小计.xlsx")
    if members_ok:
        assert [(e.kind, e.cell) for e in bad.errors] == [("total_mismatch", "C4")]
        assert "214" in bad.errors[0].text
    else:
        assert bad.errors == []


def test_encrypted_ole_is_password_protected():
    fake = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512 + "EncryptionInfo".encode("utf-16-le") + b"\x00" * 64
    plan = ingest.load_file(fake, "加密.xlsx")
    assert [(e.kind, e.cell) for e in plan.errors] == [("password_protected", None)]
    assert "密码" in plan.errors[0].text and "另存" in plan.errors[0].text


# ---------------------------------------------------------------------------------------
# Chinese only
# ---------------------------------------------------------------------------------------
_CJK = re.compile(r"[\u4e00-\u9fff]")
_BAD = re.compile(r"[A-Za-z]+(Error|Exception)\b|Traceback|File \"|/(?:work|home|tmp|usr|var|srv|opt)/|\\\\|"
                  r"Cannot|detect|format\b|invalid|unsupported|not a zip", re.I)


def assert_chinese(text: str) -> None:
    assert _CJK.search(text), text
    assert not _BAD.search(text), text


def test_message_catalogue_is_chinese():
    from nmgdash.ingest.workbook import PASSWORD_HELP

    for text in [*ERROR_KINDS.values(), *WARNING_KINDS.values(), PASSWORD_HELP]:
        assert_chinese(text)


def _generated():
    broken = bytearray(raw_xlsx(good_rows()))
    broken[200:260] = b"\xff" * 60
    yield "模板.xlsx", bordered_far_cell()
    yield "垃圾行.xlsx", junk_rows_xlsx(100_000)
    yield "坏压缩包.xlsx", bytes(broken)
    yield "不是压缩包.xlsx", b"PK\x03\x04" + b"\x00" * 100
    yield "坏的.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x01" * 600
    yield "二进制.csv", bytes(range(256)) * 4
    yield "韩文.csv", "盟市,年份,青年爱里数量（个）\n呼伦贝尔市,2019,95".encode("gbk")
    yield "坏XML.xlsx", raw_xlsx(good_rows(), extra_rows="<row><c><v>1</c></row>")
    yield "空表.xlsx", raw_xlsx([])
    yield "文本.png", b"\x89PNG\r\n"


def _all_plans():
    for f in sorted(CASES_DIR.glob("s*.*")):
        yield f.name, ingest.load_file(f.read_bytes(), f.name)
    for name, data in _generated():
        yield name, ingest.load_file(data, name)


def test_every_message_is_chinese_without_exception_names_or_paths():
    seen = 0
    for name, plan in _all_plans():
        for text in messages(plan):
            # the file name (chosen by the user) may hold Latin letters: check what the importer adds
            assert_chinese(text.replace(f"「{name}」", "「」"))
            seen += 1
    assert seen > 60


def test_note_that_is_a_formula_without_a_saved_result_is_no_note():
    """A note cell holding a formula with no cached value is left blank, never stored as an object's repr."""
    rows = [[*HEADER, "备注"]] + [[n, 2019, v, None] for n, v in zip(LEAGUES, HUBS_2019)]
    rows[1][3] = ("f", "CONCATENATE(A2,B2)", None)
    rows[2][3] = "已核实"
    plan = ingest.load_file(raw_xlsx(rows), "备注公式.xlsx")
    assert plan.errors == []
    notes = dict(zip(plan.rows["adcode"], plan.rows["note"]))
    assert (notes["150100"] in ("", None) or notes["150100"] != notes["150100"]) and notes["150200"] == "已核实"
    assert not any("object at 0x" in str(n) for n in plan.rows["note"])
