"""Set-up that says what it does: `make run` installs only the runtime packages and says so at each
step; `make test` adds the test tools; the README documents the port, LAN use, the missing sign-in for
viewing and every URL parameter the app reads (a docs test: code and README cannot drift apart)."""

from __future__ import annotations

import re
import subprocess

from nmgdash.ui import state
from tests.conftest import ROOT

TEST_TOOLS = ("pytest", "playwright", "ruff", "hypothesis")


def _reqs(name: str) -> list[str]:
    lines = (ROOT / name).read_text(encoding="utf-8").splitlines()
    return [ln.split("==")[0].strip().lower() for ln in lines if ln.strip() and not ln.startswith("#")]


def test_runtime_and_test_requirements_are_split():
    runtime = _reqs("requirements.txt")
    dev = _reqs("requirements-dev.txt")
    assert not [t for t in TEST_TOOLS if t in runtime], runtime
    assert "-r requirements.txt" in dev and all(t in dev for t in TEST_TOOLS), dev


def _dry_run(target: str) -> str:
    out = subprocess.run(["make", "-n", "-B", target], cwd=ROOT, capture_output=True, text=True, check=True,
                         timeout=60)
    return out.stdout


def test_make_run_says_what_it_does_and_installs_no_test_tools():
    run = _dry_run("run")
    for step in ("==> creating the virtual environment", "==> installing the runtime packages",
                 "==> checking the database", "==> starting the dashboard"):
        assert step in run, step
    assert "requirements-dev.txt" not in run
    assert "--server.address localhost" in run  # bound to this machine unless ADDRESS= says otherwise


def test_make_test_installs_the_test_tools():
    assert "-r requirements-dev.txt" in _dry_run("test")


def test_readme_documents_port_lan_and_no_sign_in():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "make run PORT=" in readme and "make run ADDRESS=0.0.0.0" in readme
    assert "--server.address" in readme
    assert "There is no sign-in for viewing" in readme


def test_readme_documents_every_url_parameter():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"[?&]([a-z_]+)=", readme)) | set(re.findall(r"`([a-z_]+)=", readme))
    for key in (state.LANG, state.LEAGUES, state.YEAR, state.PUB, state.IND, state.MODE):
        assert key in documented, f"URL parameter {key!r} is not documented in README.md"
