"""The package's folders are its layers (core → storage → ingest → figures → slides/reports → ui/cli):
the import-linter contracts of pyproject.toml hold, no package module is imported inside a
function, no private name crosses a module boundary, and settings are read in one module."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SOURCES = [*sorted((ROOT / "nmgdash").rglob("*.py")), ROOT / "app.py", *sorted((ROOT / "pages").glob("*.py"))]


def _trees():
    for f in SOURCES:
        yield f, ast.parse(f.read_text(encoding="utf-8"), str(f))


def test_import_linter_contracts_hold():
    r = subprocess.run([str(Path(sys.executable).parent / "lint-imports"), "--no-cache"], cwd=ROOT,
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "3 kept, 0 broken" in r.stdout


def test_a_broken_layer_would_be_reported(tmp_path):
    """The contracts can fail: a copy of the package whose core imports the ui layer breaks them."""
    import shutil

    copy = tmp_path / "repo"
    shutil.copytree(ROOT / "nmgdash", copy / "nmgdash")
    shutil.copy(ROOT / "pyproject.toml", copy / "pyproject.toml")
    (copy / "nmgdash" / "core" / "fmt.py").write_text(
        (ROOT / "nmgdash" / "core" / "fmt.py").read_text(encoding="utf-8") + "\nfrom nmgdash.ui import state  # noqa\n",
        encoding="utf-8")
    r = subprocess.run([str(Path(sys.executable).parent / "lint-imports"), "--no-cache"], cwd=copy,
                       capture_output=True, text=True, timeout=300, env={"PYTHONPATH": str(copy), "PATH": "/usr/bin:/bin"})
    assert r.returncode != 0 and "BROKEN" in r.stdout, r.stdout + r.stderr


def _module_names() -> set[str]:
    return {p.stem for p in (ROOT / "nmgdash").rglob("*.py")} | {"ingest", "core", "storage", "figures", "slides",
                                                                  "reports", "ui"}


def test_no_package_import_inside_a_function():
    bad = []
    for f, tree in _trees():
        for fn in (n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))):
            for node in ast.walk(fn):
                mod = node.module if isinstance(node, ast.ImportFrom) else None
                names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
                if (mod and (mod.startswith("nmgdash") or node.level)) or any(n.startswith("nmgdash") for n in names):
                    bad.append(f"{f.relative_to(ROOT)}:{node.lineno}")
    assert bad == []


def test_no_private_name_crosses_a_module():
    bad = []
    modules = _module_names()
    for f, tree in _trees():
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("nmgdash"):
                bad += [f"{f.relative_to(ROOT)}:{node.lineno} {a.name}" for a in node.names if a.name.startswith("_")]
            if (isinstance(node, ast.Attribute) and node.attr.startswith("_") and not node.attr.startswith("__")
                    and isinstance(node.value, ast.Name) and node.value.id in modules):
                bad.append(f"{f.relative_to(ROOT)}:{node.lineno} {node.value.id}.{node.attr}")
    assert bad == []


def test_environment_is_read_only_in_the_settings_module():
    readers = re.compile(r"os\.environ|os\.getenv|getenv\(")
    bad = [str(f.relative_to(ROOT)) for f in SOURCES
           if readers.search(f.read_text(encoding="utf-8")) and f != ROOT / "nmgdash" / "core" / "settings.py"]
    assert bad == []


@pytest.mark.parametrize("layer", ["core", "storage", "ingest", "figures", "slides", "reports"])
def test_streamlit_is_not_imported_below_the_ui(layer):
    for f in (ROOT / "nmgdash" / layer).rglob("*.py"):
        assert not re.search(r"^\s*(import streamlit|from streamlit)", f.read_text(encoding="utf-8"), re.M), f
