"""A reporting round in progress, for the 填报进度 tests and screenshots (not a test module).

:func:`build_scenario` drives the cycle through the store's public functions on the store of the
current environment (NMGDASH_DB's folder): round 2020 (hubs, deadline 30 days ahead) with
兴安盟 approved (its six counties approved by 兴安盟审核员, the league by 自治区审核员), 呼和浩特市
submitted, 赤峰市 returned ("与台账不符"), 包头市 a draft, the rest not started; and round 2019
(league_work_funding) whose deadline has passed with nothing submitted (all overdue).

Run as a script (``python tests/progress_scenario.py``) it builds the scenario on the store of
NMGDASH_DB and rebuilds the database, for a manual look at /progress.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from nmgdash.storage import accounts, build, reporting, transaction

PW = "correct horse battery"
XAM, KYQ, HOHHOT, BAOTOU, CHIFENG = "152200", "152221", "150100", "150200", "150400"
#: 兴安盟's county-level units and their 2020 hubs (科尔沁右翼前旗 18 = +80 % on 2019's 10).
COUNTIES = {"152221": 18, "152201": 12, "152202": 13, "152222": 15, "152223": 16, "152224": 14}
DEADLINE = (dt.date.today() + dt.timedelta(days=30)).isoformat()
PAST_DEADLINE = "2020-03-31"


def build_scenario() -> dict[str, accounts.Account]:
    """The scenario of the module docstring; returns the accounts by short key."""
    mk = accounts.create_account
    p = {"admin": mk("admin", PW, "admin", "150000"),
         "region": mk("自治区审核员", PW, "reviewer", "150000"),
         "xam_rev": mk("兴安盟审核员", PW, "reviewer", "兴安盟"),
         "xam": mk("兴安盟填报员", PW, "reporter", "兴安盟"),
         "kyq": mk("科右前旗填报员", PW, "reporter", "科尔沁右翼前旗"),
         "hohhot": mk("呼和浩特市填报员", PW, "reporter", "呼和浩特市"),
         "baotou": mk("包头市填报员", PW, "reporter", "包头市"),
         "chifeng": mk("赤峰市填报员", PW, "reporter", "赤峰市")}
    rows = pd.DataFrame({"indicator_id": "hubs", "adcode": list(COUNTIES), "year": 2019,
                         "value": [10.0, 11, 12, 13, 14, 12]})
    transaction.commit(rows, file_name="2019.xlsx", sha256="ab" * 32, user="operator", counts={"new": 6})
    reporting.open_round(p["admin"], 2020, DEADLINE, ["hubs"], note="青年爱里数量")
    # 兴安盟: the county reporter explains its +80 % and submits; the league does its other counties
    reporting.save_draft(p["kyq"], 2020, KYQ, {("hubs", KYQ): 18})
    reporting.explain(p["kyq"], 2020, KYQ, "hubs", KYQ, "新建8个嘎查村青年爱里")
    reporting.submit(p["kyq"], 2020, KYQ)
    reporting.save_draft(p["xam"], 2020, XAM, {("hubs", c): v for c, v in COUNTIES.items() if c != KYQ})
    for c in COUNTIES:
        if c != KYQ:
            reporting.submit(p["xam"], 2020, c)
    for c in COUNTIES:
        reporting.approve(p["xam_rev"], 2020, c)
    reporting.save_draft(p["xam"], 2020, XAM, {("hubs", XAM): sum(COUNTIES.values())})
    reporting.submit(p["xam"], 2020, XAM)
    reporting.approve(p["region"], 2020, XAM)
    # 呼和浩特市 submitted, 赤峰市 returned, 包头市 a draft
    reporting.save_draft(p["hohhot"], 2020, HOHHOT, {("hubs", HOHHOT): 95})
    reporting.submit(p["hohhot"], 2020, HOHHOT)
    reporting.save_draft(p["chifeng"], 2020, CHIFENG, {("hubs", CHIFENG): 120})
    reporting.submit(p["chifeng"], 2020, CHIFENG)
    reporting.return_(p["region"], 2020, CHIFENG, "与台账不符")
    reporting.save_draft(p["baotou"], 2020, BAOTOU, {("hubs", BAOTOU): 70})
    # an earlier round whose deadline has passed: every league overdue
    reporting.open_round(p["admin"], 2019, PAST_DEADLINE, ["league_work_funding"])
    return p


if __name__ == "__main__":  # pragma: no cover - manual use
    build_scenario()
    build.build_database()
