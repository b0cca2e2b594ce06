"""Import of the leagues' own reports (issue 7): read, normalise, validate, preview, template.

The web page (数据管理) and the CLI (``python -m nmgdash import``) share this one path:

* :func:`load_file` ``(data, file_name, con) -> ImportPlan`` — never writes;
* :func:`commit` ``(plan, user=..., accept_warnings=...) -> batch_id`` — via ``nmgdash.storage.transaction.commit``;
* :func:`build_template` ``(year=None) -> bytes`` — the Excel template from the catalogue.

Sub-modules: ``read`` (files, sheets, layouts), ``normalize`` (numbers, percentages, years, area
names), ``validate`` (pydantic rules, cross-cell checks, database warnings), ``messages`` (Chinese
messages with Excel coordinates), ``preview`` (diff and counts), ``template``.
"""

from __future__ import annotations

from nmgdash.ingest.messages import ERROR_KINDS, WARNING_KINDS, Issue, Normalisation
from nmgdash.ingest.plan import ConfirmationRequired, ImportPlan, ImportRejected, commit, load_file
from nmgdash.ingest.preview import Preview, preview
from nmgdash.ingest.template import TEMPLATE_FILE_NAME, build_template, template_file_name
from nmgdash.ingest.workbook import ACCEPTED, MAX_BYTES, MAX_CELLS

__all__ = [
    "ACCEPTED", "ERROR_KINDS", "MAX_BYTES", "MAX_CELLS", "TEMPLATE_FILE_NAME", "WARNING_KINDS", "ConfirmationRequired",
    "ImportPlan", "ImportRejected", "Issue", "Normalisation", "Preview", "build_template", "commit",
    "load_file", "preview", "template_file_name",
]
