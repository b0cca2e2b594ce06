"""年度填报与审核 (issue 16): the logic behind ``pages/report.py`` (URL /report) and
``pages/progress.py`` (URL /progress), one module per concern.

* :mod:`.entry` — :func:`entry_tab`: 我的填报 (rounds, deadline, states, the online grid, 说明, Excel).
* :mod:`.review` — :func:`review_tab`: 审核 (submissions waiting, per-value comments, 通过 / 退回).
* :mod:`.rounds` — :func:`rounds_tab`: 填报任务 (admins: open, close, reopen an area).
* :mod:`.shared` — messages of the reporting errors in the UI language, names, the deadline line.
* :mod:`.progress` — 填报进度: round picker, totals, the map coloured by state, the table of every
  area and its Excel download.
* :mod:`.history` — :func:`history_panel`: the history of one value (who did what, when).
* :mod:`.signoff` — 报表签发页 of an approved area (workbook in :mod:`nmgdash.reports.signoff`).

The store side is :mod:`nmgdash.storage.reporting`; it authorises every write. Strings are
``report_ui_*`` / ``prog_*`` / ``sign_*`` keys of the catalogues; user text is shown with
:func:`nmgdash.ui.text.plain`.
"""

from nmgdash.ui.reporting.entry import entry_tab
from nmgdash.ui.reporting.history import history_panel, history_picker
from nmgdash.ui.reporting.progress import round_picker, state_map, status, status_section, store_guard, totals
from nmgdash.ui.reporting.review import review_tab
from nmgdash.ui.reporting.rounds import rounds_tab
from nmgdash.ui.reporting.signoff import signoff_section

__all__ = ["entry_tab", "history_panel", "history_picker", "review_tab", "round_picker", "rounds_tab", "signoff_section",
           "state_map", "status", "status_section", "store_guard", "totals"]
