"""Filling a yearly reporting draft from a file (年度填报与审核; the store side is
:mod:`nmgdash.storage.reporting`): the importer's parser and messages, then
:func:`nmgdash.storage.reporting.save_draft`."""

from __future__ import annotations

from nmgdash.core.i18n import t
from nmgdash.ingest.plan import load_file
from nmgdash.storage import reporting
from nmgdash.storage.accounts import Account


def save_file(actor: Account | str, year: int, data: bytes, name: str) -> reporting.Saved:
    """Fill the draft of the round of ``year`` from the file ``data`` named ``name`` (xlsx/xls/csv,
    e.g. the import template): read, normalised and checked by the importer (:func:`load_file`, same
    messages), then saved with :func:`reporting.save_draft` in the actor's scope, over whatever the
    draft holds (no version check). Every value must be for ``year``. A value cell holding a missing
    marker (暂缺, 无, —, / …: ``plan.markers``) marks that figure 暂缺, with the reason written in the
    row's 说明 / 备注 / 原因 column (required: else the file is refused, naming the cell); an empty cell
    changes nothing. Returns the draft's new version (:class:`reporting.Saved`: also says when late).

    Raises :class:`reporting.DraftRejected` (the file's errors, with file, sheet and cell; values of
    another year; the rules of save_draft), NotPermitted (areas outside the actor's scope),
    ReportingError, StoreUnavailable. Nothing is saved unless everything is accepted."""
    plan = load_file(data, name)
    if plan.errors:
        raise reporting.DraftRejected([e.text for e in plan.errors], [e.text_in("en") for e in plan.errors])
    rows, markers = plan.rows, plan.markers
    lines = [(t("report_file_other_year", "zh", file=name, cell=r.cell, year=int(r.year), round=int(year)),
              t("report_file_other_year", "en", file=name, cell=r.cell, year=int(r.year), round=int(year)))
             for frame in (rows, markers) for r in frame[frame["year"] != int(year)].itertuples()]
    lines += [tuple(t("report_file_unavailable_reason", lang, file=name, cell=r.cell, marker=r.marker,
                      name=reporting.indicator_name(r.indicator_id, lang)) for lang in ("zh", "en"))
              for r in markers.itertuples() if not str(r.note or "").strip() and int(r.year) == int(year)]
    if lines:
        raise reporting.DraftRejected([z for z, _ in lines], [e for _, e in lines])
    values = {(r.indicator_id, r.adcode): float(r.value) for r in rows.itertuples()}
    unavailable = {(r.indicator_id, r.adcode): str(r.note).strip() for r in markers.itertuples()}
    scope = actor.scope if isinstance(actor, Account) else "150000"
    return reporting.save_draft(actor, year, scope, values, unavailable)
