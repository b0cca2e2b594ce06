"""数据管理 (data management, URL /data): the logic behind ``pages/data.py``, one module per concern.

* :mod:`.signin` — :func:`sign_in_panel`: who may write (:mod:`nmgdash.ui.auth`), the form or OIDC
  buttons, or how to enable writes.
* :mod:`.imports` — :func:`import_tab`: the template, the upload, the preview and the commit.
* :mod:`.log` — :func:`log_tab`: the audit log and undo.
* :mod:`.completeness` — :func:`completeness_tab`: 数据覆盖 (tab label; formerly 填报进度) (tables in :mod:`nmgdash.reports.progress`).
* :mod:`.export` — :func:`export_tab`: the whole database (tables in :mod:`nmgdash.reports.everything`).
* :mod:`.accounts` — :func:`accounts_tab`: 账号 (admins only): list, create, role/scope, password, disable.
* :mod:`.common` — :func:`show_flash`: the outcome of the last write, shown once.

Writes (import, undo, account changes) need a signed-in account (:mod:`nmgdash.ui.auth`); the
session keeps only its name, and the account is read again from the store inside the write
callbacks and by the write functions themselves, never taken from an earlier run. After a commit or undo the store publishes a new database build; every
session's next rerun reads it (``data.query`` is keyed on the build). Strings are ``admin_*`` keys
of the catalogues (:func:`nmgdash.core.i18n.t`); user text is shown with :func:`nmgdash.ui.text.plain`.
"""

from nmgdash.ui.admin.accounts import accounts_tab
from nmgdash.ui.admin.common import show_flash
from nmgdash.ui.admin.completeness import (
    completeness,
    completeness_tab,
    completeness_tables,
    completeness_xlsx,
    reportable_indicators,
)
from nmgdash.ui.admin.export import export_file_stem, export_tab, export_tables
from nmgdash.ui.admin.imports import import_tab
from nmgdash.ui.admin.log import audit_frame, log_tab
from nmgdash.ui.admin.signin import sign_in_panel

__all__ = ["accounts_tab", "audit_frame", "completeness", "completeness_tab", "completeness_tables", "completeness_xlsx", "export_file_stem",
           "export_tab", "export_tables", "import_tab", "log_tab", "reportable_indicators", "show_flash", "sign_in_panel"]
