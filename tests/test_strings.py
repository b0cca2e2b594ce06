"""One catalogue of user-visible strings (nmgdash/core/strings/zh.toml, en.toml) behind one look-up
(nmgdash.core.i18n.t): no sentence is chosen by an inline ``"…" if lang == "zh" else "…"`` any more,
every key the code asks for exists in both languages, and no catalogue key is dead.

The AST scan covers every module of nmgdash/, pages/ and app.py. Years and counts of the data are
placeholders filled by the callers ({base}, {first}, {last}, {n}), never typed into a catalogue value.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pandas as pd
import pytest

from nmgdash.core import i18n

ROOT = Path(__file__).resolve().parents[1]
#: Number formatting whose rules (not words) differ by language: 万/亿 grouping, qualifier placement.
#: Its ``if lang == "zh":`` blocks are formatting code; inline text conditionals are still refused there.
FORMAT_MODULES = {"nmgdash/core/fmt.py"}
#: A column chosen by language ("name_zh"/"name_en", "unit"/"unit_en") is data, not text.
COLUMN = re.compile(r"^[a-z][a-z0-9_]*$")


def _all_sources() -> list[Path]:
    return [ROOT / "app.py", *sorted((ROOT / "pages").glob("*.py")), *sorted((ROOT / "nmgdash").rglob("*.py"))]


def _scanned() -> list[Path]:
    return _all_sources()


def test_the_scan_covers_every_module():
    rels = {p.relative_to(ROOT).as_posix() for p in _scanned()}
    assert {"nmgdash/slides/deck.py", "nmgdash/storage/ledger.py", "nmgdash/storage/transaction.py",
            "nmgdash/ingest/read.py", "nmgdash/ingest/normalize.py", "nmgdash/ingest/template.py", "app.py"} <= rels


def _is_lang_test(node: ast.AST) -> bool:
    """``lang == "zh"``, ``lg != "en"``, ``state.lang() == "zh"``, ``ctx.lang == "zh"``, ``code == "zh"``,
    and a flag set from one of them (``zh``, ``is_zh``)."""
    if isinstance(node, ast.Name) and node.id in ("zh", "en", "is_zh", "is_en"):
        return True
    return (isinstance(node, ast.Compare) and len(node.ops) == 1 and isinstance(node.ops[0], ast.Eq | ast.NotEq)
            and any(isinstance(x, ast.Constant) and x.value in ("zh", "en") for x in (node.left, *node.comparators)))


def _is_text(node: ast.AST) -> bool:
    """A string literal, an f-string, or a concatenation/IfExp containing one."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str)
    if isinstance(node, ast.JoinedStr):
        return True
    if isinstance(node, ast.BinOp):
        return _is_text(node.left) or _is_text(node.right)
    if isinstance(node, ast.IfExp):
        return _is_text(node.body) or _is_text(node.orelse)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in ("join", "format"):
        return _is_text(node.func.value)
    return False


def _is_column_pick(a: ast.AST, b: ast.AST) -> bool:
    vals = [x.value for x in (a, b) if isinstance(x, ast.Constant) and isinstance(x.value, str)]
    return len(vals) == 2 and (set(vals) <= set(i18n.LANGS)  # a language code
                               or (all(COLUMN.match(v) for v in vals) and any(v.endswith(("_zh", "_en")) for v in vals)))


def _is_prose(node: ast.AST) -> bool:
    """Text rather than a key or a column name: an f-string, or a literal that is not a snake_case name."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str) and not COLUMN.match(node.value)
    return _is_text(node)


def _returns_text(stmts: list[ast.stmt]) -> bool:
    """The branch of an ``if lang == "zh":`` returns, assigns or passes on a text of its own."""
    for s in stmts:
        for n in ast.walk(s):
            if isinstance(n, ast.Return | ast.Assign) and n.value is not None and _is_prose(n.value):
                return True
            if isinstance(n, ast.Call) and any(_is_prose(a) for a in n.args):
                return True
    return False


def language_conditionals(tree: ast.AST, *, statements: bool = True) -> list[int]:
    """Line numbers of inline language conditionals that choose between texts."""
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.IfExp) and _is_lang_test(node.test):
            if (_is_text(node.body) or _is_text(node.orelse)) and not _is_column_pick(node.body, node.orelse):
                lines.append(node.lineno)
        elif statements and isinstance(node, ast.If) and _is_lang_test(node.test):
            if _returns_text(node.body) or _returns_text(node.orelse):
                lines.append(node.lineno)
    return sorted(set(lines))


def test_the_scan_finds_the_old_patterns():
    """The scan recognises what it must refuse (so the next test can fail), and lets column picks pass."""
    bad = '''
a = "全区" if lg == "zh" else "region"
b = f"{x}等{n}个" if lang == "zh" else f"{x} and {n}"
c = "« " + ("首页" if lg == "zh" else "First")
d = ("、" if lang == "zh" else ", ").join(xs)
def f(lang):
    if lang == "zh":
        return f"{y}年"
    return str(y)
e = ("汇报材料" if zh else "Briefing", 28)
'''
    assert language_conditionals(ast.parse(bad)) == [2, 3, 4, 5, 7, 10]
    ok = 'a = "name_zh" if lang == "zh" else "name_en"\nb = df["unit" if lg == "zh" else "unit_en"]\nc = t("k", lang)\n'
    assert language_conditionals(ast.parse(ok)) == []


def test_no_inline_language_conditionals_with_text():
    found = {}
    for p in _scanned():
        rel = p.relative_to(ROOT).as_posix()
        lines = language_conditionals(ast.parse(p.read_text(encoding="utf-8")), statements=rel not in FORMAT_MODULES)
        if lines:
            found[rel] = lines
    assert found == {}


def _calls(tree: ast.AST):
    """Calls of the look-up: ``t(...)``, ``i18n.t(...)`` and the modules' thin wrappers ``_t(...)``."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            f = node.func
            name = f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else ""
            if name in ("t", "_t") and node.args:
                yield node.args[0]


def _literal_keys(arg: ast.AST) -> list[str]:
    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
        return [arg.value]
    if isinstance(arg, ast.IfExp):
        return _literal_keys(arg.body) + _literal_keys(arg.orelse)
    return []


def _trees() -> dict[str, ast.AST]:
    return {p.relative_to(ROOT).as_posix(): ast.parse(p.read_text(encoding="utf-8")) for p in _all_sources()}


def test_every_key_asked_for_exists_in_both_languages():
    zh, en = i18n.catalogue("zh"), i18n.catalogue("en")
    asked = {(rel, k) for rel, tree in _trees().items() for a in _calls(tree) for k in _literal_keys(a)}
    assert len(asked) > 200  # the scan sees the calls
    assert sorted((rel, k) for rel, k in asked if k not in zh or k not in en) == []


def _dynamic_prefixes(trees: dict[str, ast.AST]) -> set[str]:
    """Prefixes of keys built at run time: the literal start of an f-string (f"mode_{m}") or of a
    concatenation ("status_" + s) passed to the look-up, or of any f-string in the code."""
    out = set()
    for tree in trees.values():
        for node in ast.walk(tree):
            head = None
            if isinstance(node, ast.JoinedStr) and node.values and isinstance(node.values[0], ast.Constant):
                head = node.values[0].value
            elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add) and isinstance(node.left, ast.Constant):
                head = node.left.value
            if isinstance(head, str) and re.fullmatch(r"[a-z][a-z0-9]*_([a-z0-9]+_)*", head):
                out.add(head)
    return out


#: Keys read through data rather than code: page titles and captions named in data/topics.toml.
def _keys_named_in_data() -> set[str]:
    from nmgdash.core import topics

    reg = topics.registry()
    return {p.key for p in reg.pages} | {p.caption for p in reg.pages if p.caption}


def test_every_catalogue_key_is_used():
    trees = _trees()
    literals = {n.value for tree in trees.values() for n in ast.walk(tree)
                if isinstance(n, ast.Constant) and isinstance(n.value, str)}
    prefixes = _dynamic_prefixes(trees)
    assert {"mode_", "status_", "src_"} <= prefixes  # dynamic keys are recognised
    used = literals | _keys_named_in_data()
    dead = sorted(k for k in i18n.catalogue("zh") if k not in used and not k.startswith(tuple(prefixes)))
    assert dead == []


@pytest.mark.parametrize("lang", i18n.LANGS)
def test_t_fills_placeholders_and_refuses_unknown_keys(lang):
    assert i18n.t("summary_up", lang, pct="5.0%", base=2017) == {"zh": "，较2017年增长5.0%", "en": ", up 5.0% on 2017"}[lang]
    with pytest.raises(KeyError):
        i18n.t("no_such_key_anywhere", lang)


def test_importer_messages_are_chinese_by_default_and_english_on_request():
    from pydantic import ValidationError

    from nmgdash.ingest.messages import Collector, Issue
    from nmgdash.ingest.validate import Observation

    row = {"indicator_id": "hubs", "adcode": "150100", "measure": "count", "unit": "个", "year": 2019, "value": -3}
    for context, text in (({}, "数量不能为负数（填写的是 -3个）"),
                          ({"lang": "en"}, "a count cannot be negative (entered: -3 个)")):
        with pytest.raises(ValidationError) as err:
            Observation.model_validate(row, context={"max_year": 2027, **context})
        assert [e["msg"] for e in err.value.errors()] == [text]
    issue = Issue("negative_count", "…", "f.xlsx", "Sheet1", 7, 3)
    assert issue.text == "「f.xlsx」工作表“Sheet1”第7行C列（C7）：…"
    assert issue.text_in("en") == "'f.xlsx', sheet 'Sheet1', row 7 column C (C7): …"
    for lang, text in (("zh", "「f.csv」：另有 1 处同类错误（数量为负数），只列出了前 1 处；请按上面列出的几处检查整个文件"),
                       ("en", "'f.csv': 1 more errors of this kind (negative count); only the first 1 are listed: "
                              "check the whole file for the ones listed above")):
        col = Collector("f.csv", limit=1, lang=lang)
        col.issue("negative_count", "a", row=2, col=1)
        col.issue("negative_count", "b", row=3, col=1)
        assert [i.text_in(lang) for i in col.errors][1:] == [text]


#: Years and league counts belong to the data: a catalogue value holds a placeholder instead
#: ({base}: settings.BASELINE_YEAR; {first}/{last}: the years in the data; {n}/{total}: the leagues).
LITERAL_DATA = re.compile(r"20(1[7-9]|20)|12\s*个盟市|\b12 leagues")
#: The only values that may name such a year, each because it quotes the bulletin or a source as published.
QUOTES_THE_SOURCE = {
    # titles of the sources, as published: 《全团要讯》2020年第6期, the 2020 (7th) census
    "src_bulletin_2020_06", "src_census_2020", "src_sample_generator_v1", "slide_innovations_source",
    "status_published_desc", "status_reference_desc",
    # the bulletin's own periods: its figures run to end 2019 (the sample's totals are its 2019 totals),
    # its special inspection was in June 2018
    "sample_notice", "status_sample_desc", "about_wording", "leadership_inspection",
    # how to write a year (a format example, not a year of the data)
    "ingest_year_empty",
}


@pytest.mark.parametrize("lang", i18n.LANGS)
def test_no_data_year_or_league_count_typed_into_the_catalogue(lang):
    typed = sorted(k for k, v in i18n.catalogue(lang).items() if LITERAL_DATA.search(v) and k not in QUOTES_THE_SOURCE)
    assert typed == []
    stale = sorted(k for k in QUOTES_THE_SOURCE if not any(LITERAL_DATA.search(i18n.t(k, x)) for x in i18n.LANGS))
    assert stale == []  # the allowlist names only values that still need it


def test_year_and_count_placeholders_give_todays_texts():
    """Filled from settings and today's data (2017–2019, 12 leagues), the texts are what they were."""
    from nmgdash.core import labels

    assert labels.mode_text("vs_base", "zh") == "较2017年（改革前）变化"
    assert labels.mode_text("vs_base", "en") == "Change vs 2017 (pre-reform)"
    assert labels.mode_text("yoy", "zh") == i18n.t("mode_yoy", "zh")
    assert i18n.t("play_years", "zh", first=2017, last=2019) == "▶ 逐年播放（2017→2019，统一色阶）"
    assert i18n.t("trend", "zh", first=2017, last=2019) == "2017—2019年趋势"
    assert i18n.t("map_heading", "zh", n=12) == "12个盟市参考数据地图"
    assert i18n.t("kpi_heading", "zh", last=2019) == "公报主要数据（全区，截至2019年底）"
    assert i18n.t("table_filtered", "zh", n=2, total=12) == (
        "表格与下载只含所选的2个盟市，末行为全区对照；地图与排名仍显示全部12个盟市，所选盟市突出显示。")
    assert i18n.t("admin_progress_all_done", "zh", year=2019, n=12) == "2019年全部 12 个盟市的所有指标都已导入。"
    row = pd.Series({"metric": float("nan"), "value": 5.0})
    assert labels.value_label(row, "个", "vs_base", "zh") == "无2017年基数"


def test_importer_reads_and_normalises_in_english_on_request():
    """The reader's and the normaliser's texts follow the collector's language (Chinese by default)."""
    from nmgdash.ingest import catalogue
    from nmgdash.ingest.messages import Collector, FileRejected
    from nmgdash.ingest.normalize import normalise_entries
    from nmgdash.ingest.read import parse_grid
    from nmgdash.ingest.workbook import read_grids

    cat = catalogue.load()
    header = cat.template_header("party_reports_heard")  # 盟市党委听取团的工作汇报（次）
    data = f'盟市,年份,{header}\n呼市,2019年,"1,200"\n乌海市,2019,—\n'.encode()
    out = {}
    for lang in i18n.LANGS:
        col = Collector("f.csv", lang=lang)
        grids = read_grids(data, "f.csv", col)
        normalise_entries([e for g in grids for e in parse_grid(g, cat, col)], cat, col)
        with pytest.raises(FileRejected) as err:
            read_grids(b"", "e.csv", Collector("e.csv", lang=lang))
        out[lang] = (col.notes, [n.text_in(lang) for n in col.normalisations], err.value.issue.detail)
    assert out["zh"] == (["CSV 文件编码：UTF-8（自动识别）"],
                         ["「f.csv」第2行A列（A2）：简称“呼市”识别为呼和浩特市（150100）",
                          "「f.csv」第2行B列（B2）：年份“2019年”读作 2019",
                          "「f.csv」第2行C列（C2）：去除千位分隔符：“1,200”→“1200”",
                          "「f.csv」第3行C列（C3）：“—”视为缺失，不导入（不按0处理）"],
                         "文件是空的，没有任何内容")
    assert out["en"] == (["CSV file encoding: UTF-8 (detected)"],
                         ["'f.csv', row 2 column A (A2): short name '呼市' recognised as 呼和浩特市 (150100)",
                          "'f.csv', row 2 column B (B2): year '2019年' read as 2019",
                          "'f.csv', row 2 column C (C2): thousands separators removed: '1,200' → '1200'",
                          "'f.csv', row 3 column C (C3): '—' means missing: not imported (not read as 0)"],
                         "the file is empty")


# --- no Chinese sentence outside the catalogue ---------------------------------------------------

#: Any CJK ideograph (the catalogue's values are the only place a Chinese sentence may be typed).
CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
#: Data, not sentences: Chinese literals a module may hold, by (module, the top-level name they are in),
#: each with its reason. A Chinese *sentence* anywhere else fails the test below.
CJK_DATA = {
    # what the importer recognises in a league's report (it reads Chinese files, whatever the UI language)
    ("nmgdash/ingest/read.py", "LEAGUE_LABELS"): "header words naming the league column",
    ("nmgdash/ingest/read.py", "COUNTY_LABELS"): "header words naming the county column",
    ("nmgdash/ingest/read.py", "CODE_LABELS"): "header words naming the adcode column",
    ("nmgdash/ingest/read.py", "YEAR_LABELS"): "header words naming the year column",
    ("nmgdash/ingest/read.py", "INDICATOR_LABELS"): "header words naming the indicator column",
    ("nmgdash/ingest/read.py", "VALUE_LABELS"): "header words naming the value column",
    ("nmgdash/ingest/read.py", "UNIT_LABELS"): "header words naming the unit column",
    ("nmgdash/ingest/read.py", "NOTE_LABELS"): "header words naming the note column",
    ("nmgdash/ingest/read.py", "IGNORE_LABELS"): "header words of columns the importer skips",
    ("nmgdash/ingest/read.py", "FOOTER_PREFIXES"): "how a report's footer lines begin (填表人, 审核…)",
    ("nmgdash/ingest/read.py", "_LABEL_YEAR_RE"): "pattern of a year cell (年份：2019年度)",
    ("nmgdash/ingest/read.py", "_TITLE_YEAR_RE"): "pattern of the year in a sheet title (2019年)",
    ("nmgdash/ingest/read.py", "_wide_entries"): "the 小计/合计 cell words of a county table",
    ("nmgdash/ingest/workbook.py", "_read_xlsx"): "the placeholder cell (隐藏) of a skipped hidden sheet",
    ("nmgdash/ingest/normalize.py", "MISSING_MARKERS"): "cell words meaning 'no value' (无, 暂无…)",
    ("nmgdash/ingest/normalize.py", "TOTAL_LABELS"): "row labels of a region total (合计, 全区…)",
    ("nmgdash/ingest/normalize.py", "LEAGUE_ALIASES"): "short and former league names (呼市, 哲里木盟…)",
    ("nmgdash/ingest/normalize.py", "SUBTOTAL_GROUPS"): "the 小计 league groupings (东部, 蒙西…)",
    ("nmgdash/ingest/normalize.py", "_SUBTOTAL_RE"): "pattern of a 小计/合计/汇总 row label",
    ("nmgdash/ingest/normalize.py", "_COUNT_WORDS"): "Chinese numerals of a stated league count (五盟市)",
    ("nmgdash/ingest/normalize.py", "SCALE_SUFFIXES"): "number scale words (千, 万, 亿)",
    ("nmgdash/ingest/normalize.py", "_NUMBER_RE"): "pattern of a number with a scale word",
    ("nmgdash/ingest/normalize.py", "_YEAR_RE"): "pattern of a year cell (2019年度)",
    ("nmgdash/ingest/normalize.py", "split_unit"): "the base unit 元 of money units",
    ("nmgdash/ingest/normalize.py", "AreaResolver"): "area-name suffixes (市, 盟, 旗, 县, 区) and the stated count pattern",
    ("nmgdash/ingest/validate.py", "_check_subtotals"): "the bare 小计 row label",
    ("nmgdash/core/rules.py", "REFERENCE_CATEGORIES"): "the indicator category 基础数据 of data/indicators.csv",
    ("nmgdash/core/rules.py", "COUNT_UNITS"): "unit names of data/indicators.csv",
    ("nmgdash/core/rules.py", "MONEY_UNITS"): "unit names of data/indicators.csv",
    ("nmgdash/core/rules.py", "PEOPLE_UNITS"): "unit names of data/indicators.csv",
    ("nmgdash/core/rules.py", "AMOUNT_UNITS"): "unit names of data/indicators.csv",
    ("nmgdash/ingest/catalogue.py", "UNIT_SYNONYMS"): "unit words a report may use (名 for 人…)",
    ("nmgdash/ingest/catalogue.py", "Catalogue"): "the 单位: separator of a header with its unit",
    # number and date formatting rules of Chinese (FORMAT_MODULES): units and scale words, not sentences
    ("nmgdash/core/fmt.py", "format_number"): "万/亿 grouping of numbers and the units it rewrites",
    ("nmgdash/core/fmt.py", "QUALIFIERS_EN"): "the source's qualifier words (余, 约…) and their English",
    ("nmgdash/core/fmt.py", "_month"): "Chinese dates (2019年底, 2018年6月)",
    ("nmgdash/core/fmt.py", "format_period"): "the 累计 suffix of a Chinese period",
    ("nmgdash/cli.py", "_confirm"): "answers the confirmation prompt accepts (是, 确认)",
    ("nmgdash/slides/deck.py", "CJK_FONT"): "a font's name (微软雅黑)",
    ("nmgdash/ui/mapview.py", "_JS"): "the browser script's own bilingual notice when plotly.js cannot load",
}


def _docstrings(tree: ast.AST) -> set[int]:
    """ids of the string statements of ``tree``: docstrings (module, class, function) and attribute docstrings."""
    return {id(n.value) for n in ast.walk(tree)
            if isinstance(n, ast.Expr) and isinstance(n.value, ast.Constant) and isinstance(n.value.value, str)}


def cjk_literals(tree: ast.Module) -> list[tuple[str, int, str]]:
    """(top-level name, line, literal) of every string literal (f-string parts included) with a CJK
    character, except docstrings. The top-level name is the function or class, or the assigned name."""
    docs, found = _docstrings(tree), []
    for top in tree.body:
        if isinstance(top, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            scope = top.name
        elif isinstance(top, ast.Assign | ast.AnnAssign):
            targets = top.targets if isinstance(top, ast.Assign) else [top.target]
            scope = ",".join(ast.unparse(x) for x in targets)
        else:
            scope = ""
        found += [(scope, n.lineno, n.value) for n in ast.walk(top)
                  if isinstance(n, ast.Constant) and isinstance(n.value, str) and id(n) not in docs and CJK.search(n.value)]
    return sorted(found, key=lambda f: f[1])


def _package_modules() -> list[Path]:
    return [p for p in sorted((ROOT / "nmgdash").rglob("*.py")) if "strings" not in p.relative_to(ROOT / "nmgdash").parts]


def test_the_cjk_scan_finds_sentences_and_skips_docstrings():
    src = '''"""模块说明。"""
WORDS = {"呼市": "150100"}
def f(x):
    """函数说明。"""
    # 注释
    if x:
        raise ValueError(f"没有账号“{x}”")
    return "数据库为最新"
class C:
    """类说明。"""
    A = 1
    """属性说明。"""
'''
    assert cjk_literals(ast.parse(src)) == [("WORDS", 2, "呼市"), ("f", 7, "没有账号“"), ("f", 8, "数据库为最新")]


def test_no_chinese_sentence_outside_the_catalogue():
    """Every Chinese sentence a user or an operator reads is in strings/zh.toml (with its English in
    en.toml); modules hold only the data-like literals of :data:`CJK_DATA`."""
    found, allowed_seen = {}, set()
    for p in _package_modules():
        rel = p.relative_to(ROOT).as_posix()
        for scope, line, text in cjk_literals(ast.parse(p.read_text(encoding="utf-8"))):
            if (rel, scope) in CJK_DATA:
                allowed_seen.add((rel, scope))
            else:
                found.setdefault(rel, []).append(f"{line} {scope}: {text[:40]}")
    assert found == {}
    assert sorted(set(CJK_DATA) - allowed_seen) == []  # the allowlist names only what still needs it


def test_rebuild_reasons_are_codes_with_todays_chinese_text():
    """``make db`` prints the Chinese reason as before; the code compares by code, not by text."""
    from nmgdash.storage import build

    texts = {code: build.RebuildReason(code) for code in (build.MISSING, build.CORRUPT, build.SCHEMA, build.INPUTS,
                                                           build.LEDGER, build.LEDGER_UNREADABLE)}
    assert texts == {"missing": "不存在", "corrupt": "文件损坏或结构不完整", "schema": "数据库结构已更新",
                     "inputs": "输入文件有更新", "ledger": "导入记录有变化", "ledger_unreadable": "导入记录无法读取"}
    assert [r.code for r in texts.values() if not r.usable] == ["missing", "corrupt"]
    assert texts["corrupt"].text("en") == "the file is damaged or incomplete"
    assert f"数据库已重建（{texts['inputs']}）" == i18n.t("cli_db_rebuilt_because", reason=texts["inputs"], path="x")[:-2]
