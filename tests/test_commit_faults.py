"""Faults around a commit (issue 14 §4): a plan committed after another import changed the same cells
(counts and warnings recomputed under the lock), leftovers of a killed commit, a read-only or full
import folder, and the CLI's messages for them."""

from __future__ import annotations

import pandas as pd
import pytest

from nmgdash import ingest
from nmgdash.storage import build, ledger

LEAGUES = ["呼和浩特市", "包头市", "乌海市", "赤峰市", "通辽市", "鄂尔多斯市",
           "呼伦贝尔市", "巴彦淖尔市", "乌兰察布市", "兴安盟", "锡林郭勒盟", "阿拉善盟"]


@pytest.fixture
def store_dir(tmp_path, monkeypatch):
    """A private database and imports folder, built from data/ (sample values only)."""
    monkeypatch.setenv("NMGDASH_DB", str(tmp_path / "db" / "r.duckdb"))
    monkeypatch.setenv("NMGDASH_IMPORTS", str(tmp_path / "imports"))
    build.build_database()
    return tmp_path


def hubs_csv(year: int, values: list[int]) -> bytes:
    lines = ["盟市,年份,青年爱里数量（个）"] + [f"{n},{year},{v}" for n, v in zip(LEAGUES, values)]
    return ("\n".join(lines) + "\n").encode("utf-8")


def plan_for(year: int, values: list[int], name: str) -> ingest.ImportPlan:
    con = build.connect(read_only=True)
    try:
        return ingest.load_file(hubs_csv(year, values), name, con)
    finally:
        con.close()


def hubs_2019() -> list[float]:
    con = build.connect(read_only=True)
    try:
        return [r[0] for r in con.execute(
            "SELECT value FROM observations_best WHERE indicator_id = 'hubs' AND year = 2019 "
            "AND adcode IN (SELECT adcode FROM areas WHERE level = 'league') ORDER BY adcode").fetchall()]
    finally:
        con.close()


def test_counts_are_recomputed_under_the_lock(store_dir):
    """Plan A was previewed when the database already held its values (12 unchanged); another import
    changed the same 12 cells before A was committed: the audit log records 修改 12 (used to say 0)."""
    a_values = [1001 + 7 * i for i in range(12)]
    assert ingest.commit(plan_for(2019, a_values, "first.csv"), user="甲", accept_warnings=True)
    plan_a = plan_for(2019, a_values, "a.csv")
    assert plan_a.counts == {"new": 0, "changed": 0, "unchanged": 12}
    plan_b = plan_for(2019, [v + 1 for v in a_values], "b.csv")
    assert plan_b.counts == {"new": 0, "changed": 12, "unchanged": 0}
    warnings_a = [w.text for w in plan_a.warnings]
    ingest.commit(plan_b, user="乙", accept_warnings=True)
    ingest.commit(plan_a, user="甲", accept_warnings=True)  # same warnings (none depend on 2019 values)
    log = ledger.audit_log()
    assert log[["file_name", "n_new", "n_changed", "n_unchanged"]].values.tolist() == [
        ["first.csv", 0, 12, 0], ["b.csv", 0, 12, 0], ["a.csv", 0, 12, 0]]
    assert plan_a.counts == {"new": 0, "changed": 12, "unchanged": 0}
    assert [w.text for w in plan_a.warnings] == warnings_a
    assert sorted(hubs_2019()) == [float(v) for v in a_values]


def test_plan_whose_warnings_changed_is_refused(store_dir):
    """Plan A (2019) had no year-on-year warning when previewed; meanwhile an import of 2018 values
    makes A's 2019 values jump by 900 %: A is refused with ConfirmationRequired, nothing changes."""
    plan_a = plan_for(2019, [100] * 12, "a.csv")
    assert not [w for w in plan_a.warnings if w.kind == "yoy_jump"]
    ingest.commit(plan_for(2018, [10] * 12, "b2018.csv"), user="乙", accept_warnings=True)
    before_log, before_values = ledger.audit_log(), hubs_2019()
    before_files = sorted(p.name for p in (store_dir / "imports" / "batches").iterdir())
    with pytest.raises(ingest.ConfirmationRequired) as info:
        ingest.commit(plan_a, user="甲", accept_warnings=True)
    exc = info.value
    assert exc.changed
    assert str(exc) == exc.message_zh == ("在您检查预览期间，其他人导入或撤销了数据，本文件的警告已随之变化；本次未导入任何数据。"
                                          "请重新检查预览和警告后再确认导入。")
    assert len([w for w in exc.warnings if w.kind == "yoy_jump"]) == 12
    pd.testing.assert_frame_equal(ledger.audit_log(), before_log)
    assert hubs_2019() == before_values
    assert sorted(p.name for p in (store_dir / "imports" / "batches").iterdir()) == before_files
