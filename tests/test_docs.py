"""Docs tests (datasette's idea): the documentation cannot drift away from the code.

Each test discovers something from the source — the environment variables the code reads, the make variables
with a default, the subcommands of ``python -m nmgdash``, the page files — and fails when the README or the
document in ``docs/`` that should describe it does not. Plus: the README stays short enough to read in five
minutes, and every relative link in the README and ``docs/`` points to a file (and heading) that exists.
"""

from __future__ import annotations

import argparse
import importlib
import re
import subprocess
import sys
import tomllib
from pathlib import Path
from urllib.parse import unquote

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
DOCS = ROOT / "docs"
MANUAL = DOCS / "用户手册.md"
OPERATIONS = DOCS / "部署与运维.md"
DATA_GUIDE = DOCS / "数据与口径.md"
DEV_GUIDE = DOCS / "developer-guide.md"
ALL_DOCS = (README, MANUAL, OPERATIONS, DATA_GUIDE, DEV_GUIDE)

README_MAX_LINES = 300

#: Python reads of an environment variable: the name as a string literal passed to a call or a subscript —
#: os.environ.get("X"…), os.getenv("X"…), os.environ["X"], os.environ.setdefault("X"…), settings.env("X"…).
#: A name only mentioned in a docstring or comment does not count.
PY_ENV_READ = re.compile(r"""(?:[\w.]+\(|\[)\s*["'](NMGDASH_[A-Z0-9_]+)["']""")
#: Shell reads: $NMGDASH_X, ${NMGDASH_X}, ${NMGDASH_X:-default}.
SH_ENV_READ = re.compile(r"\$\{?(NMGDASH_[A-Z0-9_]+)")
#: Make variables with a default: `PORT ?= 8501`.
MAKE_DEFAULT = re.compile(r"^([A-Z][A-Z0-9_]*)\s*\?=\s*(.*?)\s*$", re.M)
#: Markdown links and images: [text](target) / ![alt](target "title").
LINK = re.compile(r"\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
FENCE = re.compile(r"^(```|~~~).*?^\1[^\n]*$", re.M | re.S)
INLINE_CODE = re.compile(r"`[^`\n]*`")


def _text(path: Path) -> str:
    assert path.is_file(), f"{path.relative_to(ROOT)} is missing"
    return path.read_text(encoding="utf-8")


def _section(path: Path, heading: str) -> str:
    """The body of the ``## heading`` section of a Markdown file (up to the next ``## ``)."""
    text = FENCE.sub("", _text(path))
    m = re.search(rf"^##\s+{re.escape(heading)}\b.*?$(.*?)(?=^##\s|\Z)", text, re.M | re.S)
    assert m, f"{path.relative_to(ROOT)} has no '## {heading}' section"
    return m.group(1)


def _table_rows(text: str) -> list[list[str]]:
    """Cells of every Markdown table row (separator rows left out)."""
    rows = []
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("|") and not re.fullmatch(r"\|[\s:|-]+\|", line):
            rows.append([c.strip() for c in line.strip("|").split("|")])
    return rows


# ---- discovery ---------------------------------------------------------------------------------


def _source_files() -> tuple[list[Path], list[Path]]:
    """(Python files, deploy/ files) of the code that may read settings; deploy/ is mostly shell."""
    py = [ROOT / "app.py"]
    for folder in ("nmgdash", "pages", "scripts", "samplegen"):
        if (ROOT / folder).is_dir():
            py += sorted((ROOT / folder).rglob("*.py"))
    shell = sorted(p for p in (ROOT / "deploy").rglob("*") if p.is_file())
    return [p for p in py if p.is_file()], shell


def env_variables() -> dict[str, set[str]]:
    """Every NMGDASH_* variable read in nmgdash/, app.py, pages/, scripts/, samplegen/ and deploy/,
    with the files that read it."""
    found: dict[str, set[str]] = {}
    py, shell = _source_files()
    for path in py:
        for m in PY_ENV_READ.finditer(path.read_text(encoding="utf-8")):
            found.setdefault(m.group(1), set()).add(str(path.relative_to(ROOT)))
    for path in shell:
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        pattern = PY_ENV_READ if path.suffix == ".py" else SH_ENV_READ
        for m in pattern.finditer(text):
            found.setdefault(m.group(1), set()).add(str(path.relative_to(ROOT)))
    return found


def make_variables() -> dict[str, str]:
    """Make variables with a default (``NAME ?= value``), e.g. PORT and ADDRESS."""
    return dict(MAKE_DEFAULT.findall(_text(ROOT / "Makefile")))


def _subcommands_of(parser: argparse.ArgumentParser) -> list[str]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return sorted(action.choices)
    return []


def cli_subcommands() -> list[str]:
    """The subcommands of ``python -m nmgdash``: from a parser the CLI module exposes, else from ``--help``."""
    try:
        cli = importlib.import_module("nmgdash.cli")
    except ImportError:
        cli = None
    for name in ("build_parser", "make_parser", "create_parser", "get_parser", "parser"):
        factory = getattr(cli, name, None)
        parser = factory() if callable(factory) else factory
        if isinstance(parser, argparse.ArgumentParser):
            return _subcommands_of(parser)
    out = subprocess.run([sys.executable, "-m", "nmgdash", "--help"], cwd=ROOT, capture_output=True, text=True,
                         timeout=120, check=False)
    assert out.returncode == 0, f"python -m nmgdash --help failed:\n{out.stderr}"
    m = re.search(r"\{([\w-]+(?:,[\w-]+)*)\}", out.stdout)
    assert m, f"no {{subcommand,…}} choices in python -m nmgdash --help:\n{out.stdout}"
    return sorted(m.group(1).split(","))


TOPICS = ROOT / "data" / "topics.toml"
CJK = re.compile(r"[\u4e00-\u9fff]")


def pages() -> list[str]:
    """URL paths of the pages: the keys of the topic registry (data/topics.toml, ``[[page]] key``; a standard
    topic page needs no file) and the file stems of pages/*.py (app.py routes /<key> to pages/<key>.py)."""
    keys = {p.stem for p in (ROOT / "pages").glob("*.py") if not p.stem.startswith("_")}
    if TOPICS.is_file():
        keys |= {entry["key"] for entry in tomllib.loads(TOPICS.read_text(encoding="utf-8")).get("page", [])}
    assert keys, "no pages found (pages/*.py, data/topics.toml)"
    return sorted(keys)


def _toml_strings(node: object, key: str) -> list[str]:
    """Every string value stored under ``key`` anywhere in a parsed TOML document."""
    found: list[str] = []
    if isinstance(node, dict):
        for k, v in node.items():
            if k == key and isinstance(v, str):
                found.append(v)
            found += _toml_strings(v, key)
    elif isinstance(node, list):
        for v in node:
            found += _toml_strings(v, key)
    return found


def page_titles() -> dict[str, str]:
    """Chinese page titles from the string catalogue (nmgdash/core/strings/zh.toml)."""
    from nmgdash.core.i18n import catalogue

    zh = catalogue("zh")
    return {key: zh[key] for key in pages() if key in zh}


# ---- (a) settings --------------------------------------------------------------------------------


def test_discovery_finds_the_known_settings():
    """Guard against a regex that silently finds nothing."""
    names = env_variables()
    assert {"NMGDASH_DB", "NMGDASH_IMPORTS", "NMGDASH_PORT", "NMGDASH_ADDRESS"} <= set(names), sorted(names)
    assert {"PORT", "ADDRESS"} <= set(make_variables())


def _settings_rows() -> dict[str, list[str]]:
    """README settings table: every backticked name in a row's first cell → that row's cells."""
    rows = {}
    for cells in _table_rows(_section(README, "Settings")):
        for name in re.findall(r"`([A-Za-z0-9_./-]+)`", cells[0]):
            rows[name] = cells
    return rows


@pytest.mark.parametrize("name", sorted(env_variables()))
def test_every_environment_variable_is_in_the_readme_settings_table(name):
    rows = _settings_rows()
    where = ", ".join(sorted(env_variables()[name]))
    assert name in rows, f"{name} (read in {where}) is missing from the README's settings table"
    cells = rows[name]
    assert len(cells) >= 3 and cells[1] and cells[2], f"{name}: the settings table needs its default and what it does"


@pytest.mark.parametrize("name", sorted(make_variables()))
def test_every_make_variable_is_in_the_readme_settings_table_with_its_default(name):
    rows = _settings_rows()
    assert name in rows, f"make variable {name} is missing from the README's settings table"
    default = make_variables()[name]
    assert default in rows[name][1], f"{name}: the README says {rows[name][1]!r}, the Makefile's default is {default!r}"


# ---- (b) CLI ---------------------------------------------------------------------------------------


def test_every_cli_subcommand_is_documented():
    commands = cli_subcommands()
    assert {"import", "undo", "log", "template"} <= set(commands), commands
    readme, operations = _text(README), _text(OPERATIONS)
    for cmd in commands:
        pattern = re.compile(rf"nmgdash\s+{re.escape(cmd)}\b")
        assert pattern.search(operations), f"`python -m nmgdash {cmd}` is missing from docs/部署与运维.md"
        assert pattern.search(readme), f"`python -m nmgdash {cmd}` is missing from README.md"


# ---- (c) pages ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("page", pages())
def test_every_page_is_in_the_readme_pages_list_and_the_user_manual(page):
    readme_pages = _section(README, "Pages")
    manual = _text(MANUAL)
    assert f"`/{page}`" in readme_pages, f"page /{page} (pages/{page}.py) is missing from the README's pages list"
    assert f"`/{page}`" in manual, f"page /{page} (pages/{page}.py) is missing from docs/用户手册.md"
    title = page_titles().get(page)
    if title:
        assert title in readme_pages, f"page /{page}: its title {title} is missing from the README's pages list"
        assert title in manual, f"page /{page}: its title {title} is missing from docs/用户手册.md"


# ---- (d) README length -------------------------------------------------------------------------


def test_readme_reads_in_five_minutes():
    lines = _text(README).count("\n") + 1
    assert lines <= README_MAX_LINES, f"README.md has {lines} lines (at most {README_MAX_LINES}); move detail to docs/"


def test_readme_points_to_every_document():
    readme = _text(README)
    for doc in sorted(DOCS.glob("*.md")):
        assert f"](docs/{doc.name}" in readme, f"README.md does not link to docs/{doc.name}"


# ---- (e) links -----------------------------------------------------------------------------------


def github_slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped (letters of any script kept), spaces → -."""
    text = re.sub(r"<[^>]+>", "", heading).strip().lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    seen: dict[str, int] = {}
    result = set()
    for heading in re.findall(r"^#{1,6}\s+(.+?)\s*#*\s*$", FENCE.sub("", _text(path)), re.M):
        slug = github_slug(heading)
        n = seen.get(slug, 0)
        seen[slug] = n + 1
        result.add(slug if n == 0 else f"{slug}-{n}")
    return result


def links(path: Path) -> list[str]:
    text = INLINE_CODE.sub("", FENCE.sub("", _text(path)))
    return LINK.findall(text)


def test_link_checker_sees_the_links():
    assert "docs/用户手册.md" in links(README)
    assert github_slug("指标目录（`indicators.csv`）的约定") == "指标目录indicatorscsv的约定"
    assert github_slug("Known limits (technical detail)") == "known-limits-technical-detail"


@pytest.mark.parametrize("doc", ALL_DOCS, ids=lambda p: p.name)
def test_relative_links_point_to_existing_files_and_headings(doc):
    broken = []
    for target in links(doc):
        if re.match(r"[a-z][a-z0-9+.-]*:", target, re.I):  # http:, https:, mailto: …
            continue
        file_part, _, fragment = target.partition("#")
        dest = (doc.parent / unquote(file_part)).resolve() if file_part else doc
        if not dest.exists():
            broken.append(f"{target} (no such file)")
        elif fragment and dest.suffix == ".md" and unquote(fragment).lower() not in anchors(dest):
            broken.append(f"{target} (no such heading in {dest.name})")
    assert not broken, f"{doc.relative_to(ROOT)}: broken links: {broken}"
