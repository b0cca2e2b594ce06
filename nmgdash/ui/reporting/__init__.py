"""填报与审核 (URL /report): the logic behind ``pages/report.py``, one module per tab.

* :mod:`.entry` — :func:`entry_tab`: 我的填报 (rounds, deadline, states, the online grid, 说明, Excel).
* :mod:`.review` — :func:`review_tab`: 审核 (submissions waiting, per-value comments, 通过 / 退回).
* :mod:`.rounds` — :func:`rounds_tab`: 填报任务 (admins: open, close, reopen an area).
* :mod:`.shared` — messages of the reporting errors in the UI language, names, the deadline line.

The store side is :mod:`nmgdash.storage.reporting`; it authorises every write. Strings are
``report_ui_*`` keys of the catalogues; user text is shown with :func:`nmgdash.ui.text.plain`.
"""

from nmgdash.ui.reporting.entry import entry_tab
from nmgdash.ui.reporting.review import review_tab
from nmgdash.ui.reporting.rounds import rounds_tab

__all__ = ["entry_tab", "review_tab", "rounds_tab"]
