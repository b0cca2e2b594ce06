"""年度填报与审核 pages' logic (issue 16), one module per concern.

* :mod:`.progress` — 填报进度 (URL /progress): round picker, totals, the map coloured by state,
  the table of every area and its Excel download.
* :mod:`.history` — :func:`history_panel`: the history of one value (who did what, when).
* :mod:`.signoff` — 报表签发页 of an approved area (workbook in :mod:`nmgdash.reports.signoff`).
"""

from nmgdash.ui.reporting.history import history_panel, history_picker
from nmgdash.ui.reporting.progress import round_picker, state_map, status, status_section, store_guard, totals
from nmgdash.ui.reporting.signoff import signoff_section

__all__ = ["history_panel", "history_picker", "round_picker", "signoff_section", "state_map", "status", "status_section",
           "store_guard", "totals"]
