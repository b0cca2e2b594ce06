"""User text is shown as text, everywhere (issue 14 §3): a hostile corpus — a Markdown link, an image,
raw HTML, a ``:material/…:`` icon, LaTeX, a formula and bold — as the file name, the sheet name, a
header cell, a note cell and the user name of an import, through 数据管理 (preview, success message,
import log, undo list and confirmation), the map of the imported batch (hover and source line) and
the CSV/xlsx exports. Also: the upload-size limit and the true error total on 数据管理."""

from __future__ import annotations

import io
import json
import re
import zipfile

import openpyxl
import pandas as pd
import pytest
from markdown_it import MarkdownIt

from nmgdash import ingest
from nmgdash.core.labels import html_text
from nmgdash.figures import charts
from nmgdash.reports import exports
from nmgdash.storage import ledger
from nmgdash.ui import admin
from nmgdash.ui.text import WORD_JOINER, plain
from tests import test_admin
from tests.test_admin import CASES, PASSWORD, frames, page, signed_in, upload
from tests.test_app import map_figure, run

admin_env, password_hash = test_admin.admin_env, test_admin.password_hash  # the same fixtures

CORPUS = {
    "link": "[点此](http://evil.example/)",
    "image": "![x](http://e/x.png)",
    "html": "<img src=x onerror=alert(1)>",
    "icon": ":material/home:",
    "latex": "$x^2$",
    "formula": '=HYPERLINK("http://e")',
    "bold": "**bold**",
}
HOSTILE_NAME = " ".join(CORPUS[k] for k in ("formula", "link", "image", "html", "icon", "latex", "bold")) + ".xlsx"
#: No spaces: an account name cannot contain white space (nmgdash.storage.accounts.check_name).
HOSTILE_USER = "**张三**[我](http://evil.example/u):material/home:"
HOSTILE_SHEET = CORPUS["html"]  # Excel sheet names cannot hold []:*?/\ — the HTML fits
HOSTILE_HEADER = f"{CORPUS['image']} {CORPUS['latex']}"
HOSTILE_NOTE = f"{CORPUS['formula']} {CORPUS['link']} {CORPUS['icon']}"

MD = MarkdownIt("commonmark").enable(["table", "strikethrough"])
#: What Streamlit finds in the parsed text (after escapes), beyond CommonMark: icons, emoji shortcodes,
#: colour directives, bare addresses (GFM autolink literals) and LaTeX.
LIVE_TEXT = re.compile(r":material/|:[a-z_]+:|:[a-z]+\[|https?://|www\.")


def live(markdown: str) -> list[str]:
    """What in ``markdown`` Streamlit would render as more than text: links, images, HTML, icons,
    shortcodes, bare addresses, LaTeX (an unescaped $)."""
    found = []
    for block in MD.parse(markdown):
        if block.type == "html_block":
            found.append("html_block")
        for tok in block.children or []:
            if tok.type in {"link_open", "image", "html_inline", "autolink"}:
                found.append(tok.type)
            if tok.type == "text" and LIVE_TEXT.search(tok.content):
                found.append(f"text:{tok.content}")
    if re.search(r"(?<!\\)\$", markdown):
        found.append("latex")
    return found


def shown(markdown: str) -> str:
    """The text a reader sees for ``markdown`` (tags stripped, entities decoded, word joiners removed)."""
    rendered = MD.renderInline(markdown)
    text = re.sub(r"<[^>]+>", "", rendered)
    return (text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"').replace("&amp;", "&")
            .replace(WORD_JOINER, ""))


# ------------------------------------------------------------------ the helpers themselves
@pytest.mark.parametrize("text", [*CORPUS.values(), HOSTILE_NAME, HOSTILE_USER, "# 标题", "1. 列表", "_斜体_ ~~删~~",
                                  "`code`", "a | b", "www.evil.example", "&lt;b&gt;", "<http://e/>", "行一\n===",
                                  ":red[红]", ":smile:"])
def test_plain_shows_the_text_and_nothing_else(text):
    md = plain(text)
    assert live(md) == []
    html = MD.render(md)
    assert not re.search(r"<(strong|em|code|del|h\d|ol|ul|li|blockquote|table)\b", html), html
    assert shown(md) == text.replace("\n", " ")


def test_plain_leaves_ordinary_names_alone():
    assert plain("s01_clean.xlsx") == "s01_clean.xlsx"
    assert plain("wang@tw.nmg.cn") == "wang@tw.nmg.cn"
    assert plain("呼和浩特市 2019年 报表（定稿）.xlsx") == "呼和浩特市 2019年 报表（定稿）.xlsx"


def test_html_text_for_plotly():
    assert html_text(CORPUS["html"]) == "&lt;img src=x onerror=alert(1)&gt;"
    assert html_text("a & b <a href='x'>") == "a &amp; b &lt;a href='x'&gt;"
    line = charts.source_line(pd.DataFrame({"source_id": ["import_1"], "source_title": [HOSTILE_NAME],
                                            "source_title_en": [HOSTILE_NAME], "status": ["imported"]}))
    assert line == f"来源：{html_text(HOSTILE_NAME)}（已导入）" and "<img" not in line
    # wrapping never cuts an entity in two
    assert all(part.count("&") == part.count(";") for part in charts.wrap(line, 90).split("<br>"))


# ------------------------------------------------------------------ the hostile import on 数据管理
def hostile_workbook() -> bytes:
    """s01_clean.xlsx with a hostile sheet name, an extra column under a hostile header (not data:
    the importer names it in a note) and a 备注 column with a hostile note on the first row."""
    book = openpyxl.load_workbook(CASES / "s01_clean.xlsx")
    sheet = book.worksheets[0]
    sheet.title = HOSTILE_SHEET
    notes_col, extra_col = sheet.max_column + 1, sheet.max_column + 2
    sheet.cell(1, notes_col, "备注")
    sheet.cell(2, notes_col, HOSTILE_NOTE).data_type = "s"  # text that starts with "=", not a formula
    sheet.cell(1, extra_col, HOSTILE_HEADER)
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def markdown_sources(at) -> list[str]:
    """The Markdown source of every element that renders Markdown: markdown, captions, alerts,
    st.table cells, button and widget labels."""
    parts = [m.value for m in at.markdown] + [m.value for m in at.caption]
    for kind in ("error", "warning", "info", "success"):
        parts += [e.value for e in at.get(kind)]
    for table in at.table:
        parts += [str(v) for v in table.value.to_numpy().ravel()] + [str(c) for c in table.value.columns]
    parts += [b.label for b in at.button]
    return parts


def assert_all_text(at) -> None:
    bad = {p: live(p) for p in markdown_sources(at) if live(p)}
    assert bad == {}


def test_hostile_import_is_shown_as_text_everywhere(admin_env, password_hash):
    at = page({"nmgdash": {"users": {HOSTILE_USER: password_hash}}})
    at.text_input(key="admin_user_name").input(HOSTILE_USER)
    at.text_input(key="admin_password").input(PASSWORD)
    at.button(key="FormSubmitter:admin_sign_in-登录").click()
    at.run()
    assert any(shown(p) == f"已登录：{HOSTILE_USER}（管理员，内蒙古自治区）" for p in markdown_sources(at))
    assert_all_text(at)

    upload(at, HOSTILE_NAME, hostile_workbook())
    sources = markdown_sources(at)
    assert not [e.value for e in at.error if "文件被拒绝" in e.value], [e.value for e in at.error]
    assert any(shown(p).startswith(f"文件 {HOSTILE_NAME}（") for p in sources)
    [notes] = [i.value for i in at.info if "说明" in i.value]
    # the sheet name and the header cell echoed in the importer's note, as text
    assert f"· 工作表“{HOSTILE_SHEET}”的空列“{HOSTILE_HEADER}”未读取\n" in shown(notes)
    assert_all_text(at)

    at.button(key="admin_commit").click()
    at.run()
    [ok] = [s.value for s in at.success]
    assert shown(ok).startswith(f"已导入 {HOSTILE_NAME}：批次 ") and live(ok) == []
    log = [f for f in frames(at) if "批次" in f.columns and "文件" in f.columns][0]
    assert log["文件"].tolist() == [HOSTILE_NAME] and log["操作人"].tolist() == [HOSTILE_USER]  # dataframe cells: text
    batch = log["批次"].iloc[0]
    assert any(shown(p).startswith(f"{HOSTILE_NAME} · ") and shown(p).split("\n")[0].endswith(f" · {HOSTILE_USER}")
               for p in at.markdown.values)
    assert_all_text(at)

    at.button(key=f"admin_undo_{batch}").click()
    at.run()
    [confirm] = [w.value for w in at.warning if "确认撤销" in w.value]
    assert shown(confirm).startswith(f"确认撤销批次 {batch}（{HOSTILE_NAME}，") and HOSTILE_USER in shown(confirm)
    assert_all_text(at)

    # the map of the imported batch: hover and source line name the file as text (HTML-escaped)
    hubs = run("hubs", ind="hubs", year="2019")
    fig = map_figure(hubs)
    hovers = [tr.get("text", "") for tr in fig["data"] if tr.get("meta") == "area"]
    footer = [a["text"] for a in fig["layout"]["annotations"] if a.get("name") == "source"]
    assert any(html_text(HOSTILE_NAME) in h for h in hovers)
    assert footer and html_text("<img") in footer[0].replace("<br>", "")
    dump = json.dumps(fig, ensure_ascii=False)
    assert "<img" not in dump and "<a " not in dump
    assert_all_text(hubs)

    # the exports: no formula, the file name and the note as text
    tables = admin.export_tables()
    book = openpyxl.load_workbook(io.BytesIO(exports.workbook_bytes(tables)))
    assert not [c.coordinate for s in book for row in s.iter_rows() for c in row if c.data_type == "f"]
    log_sheet = book["导入记录"]
    header = [c.value for c in log_sheet[1]]
    assert log_sheet.cell(2, header.index("file_name") + 1).value == "'" + HOSTILE_NAME
    assert log_sheet.cell(2, header.index("user") + 1).value == HOSTILE_USER
    src = book["来源"]
    assert "'" + HOSTILE_NAME in [c.value for c in src["B"]]
    locators = [c.value for s in book for row in s.iter_rows() for c in row if isinstance(c.value, str) and HOSTILE_NOTE in c.value]
    assert locators and all(v.startswith("导入文件 ") for v in locators)
    with zipfile.ZipFile(io.BytesIO(exports.csv_zip_bytes(tables))) as zf:
        back = pd.read_csv(zf.open("导入记录.csv"), encoding="utf-8-sig")
    assert back["file_name"].tolist() == ["'" + HOSTILE_NAME]
    table = hubs.dataframe[0].value
    csv = pd.read_csv(io.BytesIO(exports.to_csv_bytes(table)), encoding="utf-8-sig", dtype=str)
    assert "'" + HOSTILE_NAME in set(csv["来源"])


# ------------------------------------------------------------------ upload size and error totals
def test_oversize_upload_gets_the_chinese_limit(admin_env, password_hash):
    at = signed_in(password_hash)
    upload(at, "大文件.xlsx", b"PK\x03\x04" + b"0" * (ingest.MAX_BYTES + 512 * 1024))
    table = [f for f in frames(at) if "说明" in f.columns][0]
    assert table["说明"].tolist() == ["「大文件.xlsx」：文件大小 10.5 MB，超过上限 10 MB"]
    assert "File must be" not in "\n".join(markdown_sources(at))
    assert ledger.audit_log().empty


def test_error_heading_counts_every_error(admin_env, password_hash):
    plan = ingest.load_file((CASES / "s24_many_bad_rows.csv").read_bytes(), "s24_many_bad_rows.csv")
    listed = [e for e in plan.errors if not e.detail.startswith("另有")]
    more = sum(int(m.group(1).replace(",", "")) for e in plan.errors if (m := re.match(r"另有 ([\d,]+) 处", e.detail)))
    assert more > 0 and plan.error_total == len(listed) + more
    at = signed_in(password_hash)
    upload(at, CASES / "s24_many_bad_rows.csv")
    assert at.error[0].value.startswith(f"**错误：文件被拒绝，没有导入任何数据（{plan.error_total:,} 条）**")
