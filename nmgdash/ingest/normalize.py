"""Normalisers for what staff type into cells: numbers, percentages, years and area names.

Each function returns the normalised value plus the list of steps it applied (Chinese text by default,
English with ``lang="en"``; the wording is in nmgdash/core/strings),
so the caller can report every normalisation; none is silent. Arithmetic is done in
``decimal.Decimal`` so that 0.26万 is exactly 2600 and nothing is scaled twice.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from nmgdash.core.i18n import t
from nmgdash.ingest.catalogue import MONEY_UNITS, UNIT_SYNONYMS, Catalogue, norm_text
from nmgdash.ingest.messages import place

#: Cell texts that mean "not reported": imported as missing, never as 0; in a yearly reporting draft
#: (nmgdash.ingest.reporting) they mark the figure 暂缺, with the reason from the row's 说明/原因 column.
MISSING_MARKERS = frozenset({"—", "——", "-", "--", "–", "/", "无", "未填报", "暂无", "暂缺", "空"})
#: Area cells that label a total row (checked against its parts, never imported as an area).
TOTAL_LABELS = frozenset({"合计", "总计", "全区", "全区合计", "总数", "合计数", "内蒙古", "内蒙古自治区", "150000"})
#: Short and historic names of the 12 leagues in everyday use (abbreviations and pre-2000s 盟 names).
#: (Names without 市/盟 — 包头, 兴安, 鄂尔多斯 … — are recognised generically by AreaResolver.)
LEAGUE_ALIASES = {
    "呼市": "150100", "包市": "150200", "昭盟": "150400", "哲盟": "150500", "鄂市": "150600", "伊盟": "150600",
    "呼盟": "150700", "巴盟": "150800", "乌盟": "150900", "锡盟": "152500", "阿盟": "152900",
    # names before the leagues became cities
    "昭乌达盟": "150400", "哲里木盟": "150500", "伊克昭盟": "150600", "呼伦贝尔盟": "150700", "巴彦淖尔盟": "150800",
    "乌兰察布盟": "150900",
}
#: Standard groupings a 小计 row may name (东部五盟市小计, 西部七盟市小计); members by adcode.
EAST_LEAGUES = ("150700", "152200", "150500", "150400", "152500")  # 呼伦贝尔市 兴安盟 通辽市 赤峰市 锡林郭勒盟
SUBTOTAL_GROUPS = {"东部": EAST_LEAGUES, "蒙东": EAST_LEAGUES, "西部": None, "蒙西": None}  # None: the other leagues
_SUBTOTAL_RE = re.compile(r"^(?P<label>.*?)(?:小计|合计|汇总)$")
_COUNT_WORDS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10,
                "十一": 11, "十二": 12}
SCALE_SUFFIXES = {"千": Decimal(1_000), "万": Decimal(10_000), "亿": Decimal(100_000_000)}
FORMULA_NO_VALUE = object()  # sentinel: a formula cell whose workbook has no cached result

_WS_RE = re.compile(r"\s+")
#: Invisible format characters (zero-width space/joiners, word joiner, BOM, soft hyphen) pasted into cells.
_INVISIBLE_RE = re.compile("[\u00ad\u200b-\u200f\u2060-\u2064\ufeff]")
_NUMBER_RE = re.compile(r"^(?P<num>[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)(?P<pct>%)?(?P<scale>[千万亿])?(?P<unit>[^\d]*)$")
_THOUSANDS_RE = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?")
_YEAR_RE = re.compile(r"^(?P<y>\d{4})(?P<suffix>年度|年)?$")


@dataclass(slots=True)
class Parsed:
    """Result of parsing one cell. ``value`` is None when missing or in error.

    ``percent_marked``: the cell itself said it is a percentage (a % sign or a % number format),
    so it is never rescaled by the column rule. ``steps``: (kind, Chinese description) pairs.
    """

    value: Decimal | None = None
    missing: bool = False
    empty: bool = False
    percent_marked: bool = False
    error: tuple[str, str] | None = None
    steps: list[tuple[str, str]] = field(default_factory=list)


def format_plain(d: Decimal) -> str:
    """A Decimal as plain text without exponent or trailing zeros (12.50 → "12.5", 1E+3 → "1000")."""
    s = format(d.normalize(), "f")
    return s


def to_decimal(x: int | float) -> Decimal:
    """A spreadsheet number as a Decimal, by its shortest repr (420.5 stays 420.5)."""
    if isinstance(x, int):
        return Decimal(x)
    return Decimal(repr(float(x)))


def split_unit(unit: str) -> tuple[Decimal, str]:
    """'万元' -> (10000, '元'); '个' -> (1, '个'); '%' -> (1, '%')."""
    if unit in MONEY_UNITS:
        return Decimal(MONEY_UNITS[unit]), "元"
    if len(unit) > 1 and unit[0] in SCALE_SUFFIXES:
        return SCALE_SUFFIXES[unit[0]], unit[1:]
    return Decimal(1), unit


def _same_unit(written: str, base: str) -> bool:
    return written == base or written in UNIT_SYNONYMS.get(base, ())


def parse_value(raw: object, unit: str, number_format: str | None = None, lang: str = "zh") -> Parsed:
    """Parse one value cell (see :func:`_parse_value`); a negative zero (－0, -0.0) is stored as 0.
    Step and error texts are worded in ``lang``."""
    p = _parse_value(raw, unit, number_format, lang)
    if p.value is not None and p.value == 0:
        p.value = Decimal(0)
    return p


def _parse_value(raw: object, unit: str, number_format: str | None = None, lang: str = "zh") -> Parsed:
    """Parse one value cell written in a column whose unit is ``unit`` (the header's unit).

    Accepts numbers, text numbers with spaces (incl. U+3000), full-width digits/decimal points/commas,
    thousands separators, a 千/万/亿 suffix relative to ``unit`` (3.2万 in a 元 column = 32000; 1.2亿 in a
    万元 column = 12000; 3193万元 in a 万元 column = 3193), a trailing unit equal to the column's, and
    ``97.5%``. Missing markers (—, -, /, 无, 未填报) and empty cells are missing, never 0.
    Returns :class:`Parsed`; ``error`` is ('unparseable'|'formula_without_value'|'unit_mismatch', text).
    """
    p = Parsed()
    if raw is FORMULA_NO_VALUE:
        p.error = ("formula_without_value", t("ingest_formula_no_value", lang))
        return p
    if raw is None or (isinstance(raw, str) and raw == ""):
        p.missing = p.empty = True
        return p
    if isinstance(raw, bool) or isinstance(raw, dt.date | dt.datetime | dt.time):
        p.error = ("unparseable", t("ingest_not_a_number", lang, raw=raw))
        return p
    if isinstance(raw, int | float):
        if isinstance(raw, float) and not math.isfinite(raw):
            p.error = ("unparseable", t("ingest_not_a_valid_number", lang, raw=raw))
            return p
        value = to_decimal(raw)
        if number_format and "%" in number_format.replace('"%"', ""):
            scaled = value * 100
            p.steps.append(("percent_format", t("ingest_step_percent_format", lang, value=format_plain(value),
                                                scaled=format_plain(scaled))))
            p.percent_marked = True
            value = scaled
        p.value = value
        return p
    text = str(raw)
    visible = _INVISIBLE_RE.sub("", text)
    if visible != text:
        p.steps.append(("invisible", t("ingest_step_invisible", lang, text=visible, n=len(text) - len(visible))))
    s = _WS_RE.sub("", visible)  # str.split whitespace covers U+3000 and U+00A0
    if s != visible:
        p.steps.append(("whitespace", t("ingest_step_whitespace", lang, before=visible, after=s)))
    if s == "":
        p.missing = p.empty = True
        return p
    nf = unicodedata.normalize("NFKC", s)
    if nf in MISSING_MARKERS or s in MISSING_MARKERS:
        p.missing = True
        p.steps.append(("missing_marker", t("ingest_step_missing_marker", lang, text=s)))
        return p
    if nf != s:
        p.steps.append(("fullwidth", t("ingest_step_fullwidth", lang, before=s, after=nf)))
    s = nf.replace("。", ".") if re.fullmatch(r"\d+。\d+", nf) else nf
    if "," in s:
        if not _THOUSANDS_RE.match(s):
            p.error = ("unparseable", t("ingest_bad_thousands", lang, text=text.strip()))
            return p
        s2 = s.replace(",", "")
        p.steps.append(("thousands", t("ingest_step_thousands", lang, before=s, after=s2)))
        s = s2
    m = _NUMBER_RE.match(s)
    if not m:
        p.error = ("unparseable", t("ingest_not_numeric", lang, text=text.strip()))
        return p
    try:
        value = Decimal(m["num"])
    except InvalidOperation:  # pragma: no cover - the regex admits only valid numbers
        p.error = ("unparseable", t("ingest_not_numeric", lang, text=text.strip()))
        return p
    if m["pct"]:
        if unit != "%" or m["scale"] or m["unit"]:
            p.error = ("unit_mismatch", t("ingest_percent_in_unit_column", lang, text=text.strip(), unit=unit))
            return p
        p.percent_marked = True
        p.value = value
        return p
    scale, written_unit = m["scale"], m["unit"]
    col_prefix, col_base = split_unit(unit)
    suffix = (scale or "") + written_unit
    if not suffix:
        p.value = value
        return p
    if suffix == unit or (not scale and _same_unit(written_unit, unit)):
        p.steps.append(("unit_text", t("ingest_step_unit_text", lang, before=s, after=format_plain(value))))
        p.value = value
        return p
    if unit == "%" or (written_unit and not _same_unit(written_unit, col_base)):
        p.error = ("unit_mismatch", t("ingest_written_unit_mismatch", lang, text=text.strip(), unit=unit))
        return p
    factor = (SCALE_SUFFIXES[scale] if scale else Decimal(1)) / col_prefix
    result = value * factor
    p.steps.append(("scale_suffix", t("ingest_step_scale_suffix", lang, unit=unit, before=s, after=format_plain(result))))
    p.value = result
    return p


def convert_unit(value: Decimal, written: str, target: str) -> Decimal | None:
    """Convert ``value`` from unit ``written`` (header/unit column) to the catalogue unit ``target``.
    None when the units are incompatible (e.g. 个 and 万元)."""
    if written == target or _same_unit(written, target):
        return value
    wp, wb = split_unit(written)
    tp, tb = split_unit(target)
    if wb == tb or _same_unit(wb, tb):
        return value * wp / tp
    return None


def decide_percent_column(values: list[Parsed]) -> bool:
    """True when a % column's plain numbers are fractions (0.975 for 97.5 %) and must be ×100.

    Only cells without their own % mark count; the rule is by the column: all plain values within
    0..1 means fractions. Cells marked % (text or number format) are never rescaled."""
    plain = [p.value for p in values if p.value is not None and not p.percent_marked]
    return bool(plain) and all(Decimal(0) <= v <= Decimal(1) for v in plain)


def parse_year(raw: object, lang: str = "zh") -> tuple[int | None, list[tuple[str, str]], str | None]:
    """A year cell: 2019, 2019.0, '2019', '2019年', '2019年度', '２０１９' -> 2019.

    Returns (year or None, steps, error text or None), texts in ``lang``. Range checks are the validator's job."""
    steps: list[tuple[str, str]] = []
    if raw is None or raw == "":
        return None, steps, None
    if isinstance(raw, bool):
        return None, steps, t("ingest_not_a_year", lang, raw=raw)
    if isinstance(raw, int | float):
        if isinstance(raw, float) and (not math.isfinite(raw) or raw != int(raw)):
            return None, steps, t("ingest_not_a_year", lang, raw=raw)
        return int(raw), steps, None
    if isinstance(raw, dt.datetime | dt.date):
        steps.append(("year_date", t("ingest_step_year_date", lang, raw=raw, year=raw.year)))
        return raw.year, steps, None
    text = str(raw)
    s = unicodedata.normalize("NFKC", _WS_RE.sub("", text))
    m = _YEAR_RE.match(s)
    if not m and re.fullmatch(r"\d{4}\.0+", s):
        return int(s.split(".")[0]), steps, None
    if not m:
        return None, steps, t("ingest_year_unreadable", lang, text=text)
    if s != text or m["suffix"]:
        steps.append(("year_text", t("ingest_step_year_text", lang, text=text, year=m["y"])))
    return int(m["y"]), steps, None


def year_label(raw: object) -> int | None:
    """A header cell that is only a year (2019, '2019年', '2019年度'); None otherwise."""
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        return int(raw) if float(raw).is_integer() and 1990 <= raw <= 2100 else None
    if isinstance(raw, str):
        y, _, err = parse_year(raw)
        if err is None and y is not None and 1990 <= y <= 2100:
            return y
    return None


@dataclass
class AreaMatch:
    """Result of resolving an area cell: ``adcode`` (None when unknown), ``total`` for 合计 rows."""

    adcode: str | None = None
    total: bool = False
    steps: list[tuple[str, str]] = field(default_factory=list)
    empty: bool = False
    subtotal: bool = False  # a 小计 row: ``members`` are its leagues (None: not determinable, or the rows above)
    members: tuple[str, ...] | None = None
    like: str | None = None  # unknown, but contains the core of this area's name (呼和浩特县 → 呼和浩特市)


class AreaResolver:
    """Resolves what staff write for a league or county: official names, names without 市/盟
    (and 旗/县/区 for counties, when unique), everyday aliases (呼市, 锡盟 …), adcodes as text,
    integers or floats (150100.0), stray spaces including U+3000. Never guesses beyond these.
    The steps it records are worded in ``lang``."""

    def __init__(self, cat: Catalogue, lang: str = "zh"):
        self.cat = cat
        self.lang = lang
        self.exact: dict[str, str] = {}
        cores: dict[str, set[str]] = {}
        for a in cat.areas.itertuples():
            if a.level == "region":
                continue
            self.exact[norm_text(a.name_zh)] = a.adcode
            suffixes = "市盟" if a.level == "league" else "市旗县区"
            core = a.name_zh[:-1] if len(a.name_zh) > 2 and a.name_zh[-1] in suffixes else None
            if core:
                cores.setdefault(norm_text(core), set()).add(a.adcode)
        self.cores = {k: next(iter(v)) for k, v in cores.items() if len(v) == 1 and k not in self.exact}
        self.aliases = {norm_text(k): v for k, v in LEAGUE_ALIASES.items()}
        self.totals = {norm_text(x) for x in TOTAL_LABELS}
        self.all_cores = sorted(cores.items(), key=lambda kv: -len(kv[0]))

    def subtotal(self, key: str) -> AreaMatch | None:
        """A 小计 label (东部五盟市小计, 呼和浩特市、包头市小计, 小计): its members, or None when not a subtotal."""
        m = _SUBTOTAL_RE.match(key)
        if not m or key in self.totals:
            return None
        label = m["label"]
        out = AreaMatch(subtotal=True, total=True)
        if not label:
            return out  # a bare 小计: the league rows above it (validate decides)
        leagues = list(self.cat.leagues().index)
        for prefix, group in SUBTOTAL_GROUPS.items():
            if label.startswith(prefix):
                members = group if group is not None else tuple(c for c in leagues if c not in EAST_LEAGUES)
                stated = re.search(r"(\d+|十二|十一|[一二两三四五六七八九十])个?盟市", label)
                if stated:
                    n = int(stated[1]) if stated[1].isdigit() else _COUNT_WORDS[stated[1]]
                    if n != len(members):
                        return out  # 东部六盟市: not the standard grouping, members unknown
                out.members = tuple(members)
                return out
        names = [x for x in re.split(r"[、,，/+;；]", label) if x]  # not 和: 呼和浩特市
        codes = [self.resolve(x).adcode for x in names]
        if len(names) >= 2 and all(codes):
            out.members = tuple(codes)  # type: ignore[arg-type]
        return out

    def resolve(self, raw: object) -> AreaMatch:
        """What an area cell names: an area (``adcode``), a total or subtotal row, or nothing."""
        m = AreaMatch()
        if raw is None or raw == "":
            m.empty = True
            return m
        if isinstance(raw, bool):
            return m
        if isinstance(raw, int | float):
            if isinstance(raw, float) and not (math.isfinite(raw) and raw.is_integer()):
                return m
            code = str(int(raw))
            if code in self.cat.areas.index and self.cat.level(code) != "region":
                m.adcode = code
                m.steps.append(("area_code", t("ingest_step_area_code_number", self.lang, raw=repr(raw),
                                               name=self.cat.area_name(code), code=code)))
            elif code == "150000":
                m.total = True
            return m
        text = str(raw)
        key = norm_text(text)
        if not key:
            m.empty = True
            return m
        if re.fullmatch(r"\d{6}(\.0+)?", key):
            code = key[:6]
            if code == "150000":
                m.total = True
            elif code in self.cat.areas.index:
                m.adcode = code
                m.steps.append(("area_code", t("ingest_step_area_code", self.lang, raw=text,
                                               name=self.cat.area_name(code), code=code)))
            return m
        if key in self.totals:
            m.total = True
            return m
        code = self.exact.get(key)
        if code is None and key not in self.aliases and key not in self.cores:
            sub = self.subtotal(key)
            if sub is not None:
                return sub
        how = None
        if code is None and key in self.aliases:
            code, how = self.aliases[key], "ingest_how_alias"
        elif code is None and key in self.cores:
            code, how = self.cores[key], "ingest_how_core"
        if code is None:
            m.like = next((c for core, codes in self.all_cores if len(core) >= 2 and core in key
                           for c in sorted(codes)), None)
            return m
        m.adcode = code
        official = self.cat.area_name(code)
        if how:
            m.steps.append(("area_alias", t("ingest_step_area_alias", self.lang, how=t(how, self.lang),
                                            text=text.strip(), name=official, code=code)))
        elif text != official:
            m.steps.append(("area_space", t("ingest_step_area_space", self.lang, text=text, name=official, code=code)))
        return m


# ---------------------------------------------------------------------------------------
# entries -> records (every step reported to the collector)
# ---------------------------------------------------------------------------------------
@dataclass(slots=True)
class Record:
    """One value cell after normalisation. ``value`` is in the catalogue's unit (None: missing or error);
    ``total`` marks a 合计 row (checked, never imported)."""

    entry: object  # read.Entry
    adcode: str | None
    total: bool
    year: int | None
    parsed: Parsed
    value: Decimal | None
    subtotal: AreaMatch | None = None  # a 小计 row (``total`` is True too): its members, when known


def _resolve_entry_area(e, cat: Catalogue, areas: AreaResolver, col) -> tuple[str | None, bool]:
    sheet, lang = e.sheet, col.lang
    m = areas.resolve(e.area_raw)
    code = areas.resolve(e.code_raw) if e.code_raw is not None else None
    r, c = e.area_cell
    if m.subtotal:
        return None, m  # type: ignore[return-value]
    if m.total:
        return None, True
    if m.adcode is None and code is not None and code.adcode:
        if not m.empty:
            col.normalised("area_by_code", e.area_raw, code.adcode,
                           t("ingest_area_by_code", lang, raw=e.area_raw, name=cat.area_name(code.adcode),
                             code=code.adcode), sheet, r, c)
        return code.adcode, False
    if m.adcode is None:
        if m.empty:
            col.issue("unknown_league", t("ingest_area_missing", lang), sheet, r, c)
        elif m.like:
            col.issue("unknown_league", t("ingest_unknown_area_like", lang, raw=e.area_raw, like=cat.area_name(m.like)),
                      sheet, r, c)
        else:
            col.issue("unknown_place", t("ingest_unknown_area", lang, raw=e.area_raw), sheet, r, c)
        return None, False
    for kind, text in m.steps:
        col.normalised(kind, e.area_raw, m.adcode, text, sheet, r, c)
    if code is not None and code.adcode and code.adcode != m.adcode:
        col.issue("area_mismatch", t("ingest_code_name_mismatch", lang, code_raw=e.code_raw,
                                     code_name=cat.area_name(code.adcode), raw=e.area_raw, code=m.adcode),
                  sheet, *e.code_cell)
        return None, False
    if e.parent_raw is not None and cat.level(m.adcode) == "county":
        parent = areas.resolve(e.parent_raw)
        actual = cat.areas.at[m.adcode, "parent_adcode"]
        if parent.adcode and parent.adcode != actual:
            col.issue("area_mismatch", t("ingest_wrong_parent", lang, name=cat.area_name(m.adcode),
                                         parent=cat.area_name(actual), raw=e.parent_raw), sheet, r, c)
            return None, False
    return m.adcode, False


def _suspect_fractions(recs: list[Record], col) -> None:
    """In a column of percent numbers (97–99), a bare 0.985 (or 1) was probably meant as 98.5 %: warn, never silent."""
    plain = [r for r in recs if not r.parsed.percent_marked and not r.total]
    big = sorted(r.parsed.value for r in plain if r.parsed.value > 1)
    if not big:
        return
    median = big[len(big) // 2]
    if median < 5:
        return
    lo, hi = big[0], big[-1]
    for r in plain:
        v = r.parsed.value
        if Decimal(0) < v <= Decimal(1):
            e = r.entry
            col.issue("percent_fraction_suspect",
                      t("ingest_fraction_suspect", col.lang, value=format_plain(v), lo=format_plain(lo),
                        hi=format_plain(hi), times100=format_plain(v * 100)),
                      e.sheet, e.row, e.col)


def normalise_entries(entries: list, cat: Catalogue, col) -> list[Record]:
    """Resolve areas and years and parse every value; report each normalisation and each
    unparseable cell to ``col`` (a messages.Collector). Percent columns whose plain values all lie
    in 0..1 are read as fractions (×100, once, reported per cell)."""
    lang = col.lang
    areas = AreaResolver(cat, lang)
    area_cache: dict = {}
    year_cache: dict = {}
    records: list[Record] = []
    empty_by_sheet: dict = {}
    unknown_seen: set = set()
    for e in entries:
        akey = (e.sheet, e.area_cell, e.code_cell)
        if akey not in area_cache:
            area_cache[akey] = _resolve_entry_area(e, cat, areas, col)
        adcode, total = area_cache[akey]
        sub = total if isinstance(total, AreaMatch) else None
        if adcode is None and not total:
            # an unknown place (already reported once for its row): its values are never imported, so
            # keep one stand-in per column and year (the total checks skip such columns), not one per cell
            ukey = (e.group, e.sheet, repr(e.year_raw))
            if ukey in unknown_seen:
                continue
            unknown_seen.add(ukey)
        ykey = (e.sheet, e.year_cell, repr(e.year_raw))
        if ykey not in year_cache:
            year, steps, err = parse_year(e.year_raw, lang)
            cell = e.year_cell or (None, None)
            if err:
                col.issue("unparseable", t("ingest_bad_year", lang, error=err), e.sheet, *cell)
            elif year is None:
                col.issue("missing_year", t("ingest_year_empty", lang), e.sheet, *cell)
            for kind, text in steps:
                col.normalised(kind, e.year_raw, year, text, e.sheet, *cell)
            year_cache[ykey] = year
        parsed = parse_value(e.raw, e.unit, e.number_format, lang)
        if parsed.empty:
            empty_by_sheet[e.sheet] = empty_by_sheet.get(e.sheet, 0) + 1
        records.append(Record(e, adcode, bool(total), year_cache[ykey], parsed, parsed.value, sub))
    # percent columns: fractions or percent numbers, decided by the column's plain values
    groups: dict = {}
    for rec in records:
        if cat.unit(rec.entry.indicator_id) == "%" and rec.parsed.value is not None:
            groups.setdefault(rec.entry.group, []).append(rec)
    for recs in groups.values():
        if not decide_percent_column([r.parsed for r in recs]):
            _suspect_fractions(recs, col)
            continue
        if decide_percent_column([r.parsed for r in recs]):
            plain = [r for r in recs if not r.parsed.percent_marked]
            for r in plain:
                r.value = r.parsed.value * 100
                r.parsed.steps.append(("percent_fraction", t("ingest_step_percent_fraction", lang,
                                                             before=format_plain(r.parsed.value),
                                                             after=format_plain(r.value))))
            if not any(Decimal(0) < r.parsed.value < Decimal(1) for r in plain):
                e = recs[0].entry
                col.issue("ambiguous_percent", t("ingest_ambiguous_percent", lang), e.sheet, *e.header_cell)
    for rec in records:
        e = rec.entry
        for kind, text in rec.parsed.steps:
            col.normalised(kind, e.raw, "" if rec.value is None else format_plain(rec.value), text, e.sheet, e.row, e.col)
        if rec.parsed.error:
            kind, text = rec.parsed.error
            col.issue(kind, text, e.sheet, e.row, e.col)
        target = cat.unit(e.indicator_id)
        if rec.value is not None and e.unit != target:
            converted = convert_unit(rec.value, e.unit, target)
            if converted is None:  # header units were checked already; a unit column may still differ
                col.issue("unit_mismatch", t("ingest_unit_mismatch", lang, unit=e.unit, name=cat.name(e.indicator_id),
                                             target=target), e.sheet, e.row, e.col)
                rec.value = None
            else:
                if converted != rec.value:
                    col.normalised("unit_convert", format_plain(rec.value), format_plain(converted),
                                   t("ingest_step_unit_convert", lang, unit=e.unit, target=target,
                                     before=format_plain(rec.value), after=format_plain(converted)),
                                   e.sheet, e.row, e.col)
                rec.value = converted
    for sheet, n in empty_by_sheet.items():
        col.note(t("ingest_note_empty_cells", lang, where=place(sheet, lang), n=n))
    return records
