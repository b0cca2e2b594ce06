"""The two change walks of docs/developer-guide.md, performed on a copy of the repository:

1. **Add an indicator to an existing topic**: one catalogue row (data/indicators.csv). The import template,
   the importer, the database, the topic page's map and table, both languages and 汇报模式 follow.
2. **Add a topic page**: one registry entry (data/topics.toml) plus its title in each string catalogue; no
   page file. Navigation, the page itself (served by a real server at its URL) and 汇报模式 follow.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import browser_util as bu
from st_client import run_page

ROOT = Path(__file__).resolve().parents[1]
NEW_ROW = ("hub_volunteers,青年爱里注册志愿者,Registered hub volunteers,人,people,阵地建设/青年爱里,Youth hubs (Qingnian Aili),"
           "各盟市青年爱里注册志愿者人数。,Registered volunteers of the youth hubs per league.,true,league,青年爱里志愿者|注册志愿者,{topic}\n")
LEAGUES = ["150100", "150200", "150300", "150400", "150500", "150600", "150700", "150800", "150900", "152200",
           "152500", "152900"]

CHECK = r'''
import io, json, sys
import openpyxl
from streamlit.testing.v1 import AppTest
from nmgdash import ingest
from nmgdash.core import topics
from nmgdash.slides import present
from nmgdash.storage import build

out = {}
template = openpyxl.load_workbook(io.BytesIO(ingest.build_template(year=2019)))
out["template_headers"] = [c.value for ws in template.worksheets for c in ws[ws.max_row and 1] if c.value]
out["template_headers"] += [str(c.value) for ws in template.worksheets for row in ws.iter_rows(max_row=6) for c in row if c.value]
build.build_database()
con = build.connect(read_only=True)
rows = "盟市,年份,青年爱里注册志愿者（人）\n" + "\n".join(f"{n},2019,{100 + i}" for i, n in enumerate(NAMES))
plan = ingest.load_file(rows.encode("utf-8"), "volunteers.csv", con)
con.close()
out["errors"] = [i.text for i in plan.errors]
ingest.commit(plan, user="walk", accept_warnings=True)
out["map_hubs"] = list(topics.registry().page("hubs").map)
out["slides"] = present.sequence()
ctx = present.Context(lang="en", year=2019)
out["slide_keys_built"] = [present.build(k, ctx).key for k in present.sequence()]
for lang, name in (("zh", "青年爱里注册志愿者"), ("en", "Registered hub volunteers")):
    def page(label=None):
        at = AppTest.from_file("app.py", default_timeout=90)
        if lang == "en":
            at.query_params["lang"] = "English"
        if label:
            at.query_params["ind"] = label  # the picker is bound to the URL: open the page on the new indicator
        return at.switch_page("pages/hubs.py").run()
    label = [o for o in page().selectbox(key="ind").options if o.startswith(name)][0]
    at = page(label)
    out[f"exceptions_{lang}"] = [e.message for e in at.exception]
    out[f"picker_{lang}"] = label
    maps = []
    for el in at.get("bidi_component"):
        if el.proto.component_name == "nmgdash.plotly_map":
            spec = json.loads(json.loads(el.proto.json)["spec"])
            maps += [a["text"] for a in spec["layout"].get("annotations", []) if a.get("name", "").startswith("label-")]
    out[f"map_labels_{lang}"] = maps
    out[f"tables_{lang}"] = [list(df.value.columns) for df in at.dataframe]
print("RESULT " + json.dumps(out, ensure_ascii=False))
'''


def _copy_repo(dest: Path) -> Path:
    dest.mkdir(parents=True)
    for name in ("app.py", "pages", "nmgdash", "queries", "data", "samplegen", ".streamlit"):
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, dest / name, ignore=shutil.ignore_patterns(
                "__pycache__", "imports", "reform*.duckdb*", "*.building-*", ".reform.duckdb.link-*"))
        elif src.exists():
            shutil.copy2(src, dest / name)
    return dest


def _env(tmp: Path) -> dict:
    return {**os.environ, "NMGDASH_DB": str(tmp / "db" / "r.duckdb"), "NMGDASH_IMPORTS": str(tmp / "imports"),
            "PYTHONPATH": ""}


def _check(repo: Path, tmp: Path) -> dict:
    names = __import__("csv").DictReader((repo / "data" / "areas.csv").open(encoding="utf-8"))
    league_names = [r["name_zh"] for r in names if r["adcode"] in LEAGUES]
    script = f"NAMES = {league_names!r}\n" + CHECK
    r = subprocess.run([sys.executable, "-c", script], cwd=repo, env=_env(tmp), capture_output=True, text=True,
                       timeout=600)
    line = [x for x in r.stdout.splitlines() if x.startswith("RESULT ")]
    assert line, r.stdout[-3000:] + r.stderr[-3000:]
    return json.loads(line[0][len("RESULT "):])


@pytest.fixture
def repo(tmp_path):
    return _copy_repo(tmp_path / "repo")


def test_adding_an_indicator_is_one_catalogue_row(repo, tmp_path):
    with (repo / "data" / "indicators.csv").open("a", encoding="utf-8") as f:
        f.write(NEW_ROW.format(topic="hubs"))
    out = _check(repo, tmp_path)
    assert any("青年爱里注册志愿者" in h for h in out["template_headers"])  # the template offers it
    assert out["errors"] == []                                            # the importer reads it
    assert out["map_hubs"][-1] == "hub_volunteers"                        # the hubs map offers it
    assert out["exceptions_zh"] == [] and out["exceptions_en"] == []
    assert out["picker_zh"].startswith("青年爱里注册志愿者") and out["picker_en"].startswith("Registered hub volunteers")
    assert sorted(out["map_labels_zh"])[0].startswith("<b>") and any("111人" in x for x in out["map_labels_zh"])
    assert any("people" in x for x in out["map_labels_en"])
    assert any(any("青年爱里注册志愿者" in str(c) for c in cols) for cols in out["tables_zh"])
    assert out["slide_keys_built"] == out["slides"]                       # 汇报模式 still builds every slide


def test_adding_a_topic_page_is_one_registry_entry(repo, tmp_path):
    with (repo / "data" / "indicators.csv").open("a", encoding="utf-8") as f:
        f.write(NEW_ROW.format(topic="volunteers"))
    with (repo / "data" / "topics.toml").open("a", encoding="utf-8") as f:
        f.write('\n[[page]]\nkey = "volunteers"\nicon = ":material/volunteer_activism:"\nlayout = "topic"\n'
                'headline = ["western_volunteers"]\nmap_default = "hub_volunteers"\nslide = "topic"\n'
                'slide_numbers = ["western_volunteers"]\n')
    for lang, title in (("zh", "志愿服务"), ("en", "Volunteering")):
        with (repo / "nmgdash" / "core" / "strings" / f"{lang}.toml").open("a", encoding="utf-8") as f:
            f.write(f'volunteers = "{title}"\n')
    assert not (repo / "pages" / "volunteers.py").exists()
    out = _check_slides(repo, tmp_path)
    assert out["slides"][-1] == "volunteers" and out["built"][-1] == "volunteers"
    with bu.streamlit_server(_env(tmp_path), tmp_path / "server.log", root=repo) as base:
        zh = run_page(base, "volunteers")
        en = run_page(base, "volunteers", "lang=English")
    assert zh.exceptions == [] and "志愿服务" in zh.titles and "volunteers" in zh.nav_pages
    assert en.exceptions == [] and "Volunteering" in en.titles


def _check_slides(repo: Path, tmp: Path) -> dict:
    script = ("import json\nfrom nmgdash.slides import present\nfrom nmgdash.storage import build\n"
              "build.build_database()\nctx = present.Context()\nseq = present.sequence()\n"
              "print('RESULT ' + json.dumps({'slides': seq, 'built': [present.build(k, ctx).key for k in seq]}))\n")
    r = subprocess.run([sys.executable, "-c", script], cwd=repo, env=_env(tmp), capture_output=True, text=True,
                       timeout=300)
    line = [x for x in r.stdout.splitlines() if x.startswith("RESULT ")]
    assert line, r.stdout[-3000:] + r.stderr[-3000:]
    return json.loads(line[0][len("RESULT "):])
