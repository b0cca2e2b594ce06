"""填报与审核 → 我的填报: the rounds open for the signed-in account's area (deadline, state of each
area in its scope), the online grid of one area's draft (``st.data_editor``, one table per kind of
unit so each value column carries its rule: whole counts ≥ 0, % within 0–100, amounts ≥ 0), 保存草稿
with the version read when the grid was loaded (a stale save is told who changed what, and the grid
reloads), the 说明 that flagged values need before 提交, and the Excel path (a template of exactly that
area and round; an upload fills the draft through the importer).

Writes happen in button callbacks that read the account again from the store
(:func:`nmgdash.ui.reporting.shared.writer`); the storage functions check it once more."""

from __future__ import annotations

import math

import pandas as pd
import streamlit as st

from nmgdash.core.i18n import t
from nmgdash.core.rules import measure
from nmgdash.ingest import reporting as file_reporting
from nmgdash.storage import reporting
from nmgdash.storage.accounts import Account, areas_within
from nmgdash.ui import state
from nmgdash.ui.admin.common import MB, flash, status_text
from nmgdash.ui.reporting import shared
from nmgdash.ui.text import plain

_BASE = "_report_base"  # (year, area) → (draft frame, version) as loaded into the grid
_GEN = "_report_gen"  # (year, area) → generation of the grid's widget keys (a new one after each save)
_NEEDS = "_report_needs"  # (year, area, [(indicator_id, adcode, flag text)]) waiting for 说明
#: The groups of the grid, by what a unit measures (nmgdash.core.rules.measure), in this order.
MEASURES = ("count", "percent", "money", "amount")
EDITABLE = ["value", "unavailable", "reason", "explanation"]


def _gen(year: int, area: str) -> int:
    return st.session_state.setdefault(_GEN, {}).get((year, area), 0)


def _reload(year: int, area: str) -> None:
    """Forget the loaded draft and start the grid afresh (new widget keys: no pending edits)."""
    st.session_state.setdefault(_BASE, {}).pop((year, area), None)
    gens = st.session_state.setdefault(_GEN, {})
    gens[(year, area)] = gens.get((year, area), 0) + 1


def loaded(year: int, area: str, steps: tuple = ()) -> tuple[pd.DataFrame, int]:
    """The draft of ``area`` (and the areas below it) as the grid shows it, and the version it was
    read at: read once with :func:`reporting.draft` and kept in the session until a save, 重新载入
    or a change of ``steps`` (the states and step times of the areas: a submission, return,
    approval or reopening elsewhere starts the grid afresh)."""
    base = st.session_state.setdefault(_BASE, {})
    cached = base.get((year, area))
    if cached is None or (steps and cached[2] != steps):
        if cached is not None:
            _reload(year, area)
        base[(year, area)] = (*reporting.draft(year, area), steps)
    frame, version, _ = base[(year, area)]
    return frame, version


def editor_key(year: int, area: str, kind: str) -> str:
    """The widget key of the grid's table for one kind of unit (count | percent | money | amount)."""
    return f"report_grid_{year}_{area}_{kind}_{_gen(year, area)}"


def grid_rows(frame: pd.DataFrame, kind: str) -> pd.DataFrame:
    """The rows of the draft whose unit measures ``kind``, in draft order (index kept)."""
    return frame[[measure(u) == kind for u in frame["unit"]]]


def _value_column(kind: str, label: str, help_text: str):
    # no min/max/step here: the value goes to the server's check (save_draft) exactly as typed, which
    # refuses a value out of range or with more decimals than settings.VALUE_DECIMALS naming the area
    # and indicator, instead of the grid dropping or rounding it (``kind``: the help text's rule)
    return st.column_config.NumberColumn(label, help=help_text)


def _is_blank(v) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v))


def changes(frame: pd.DataFrame, edits: dict[int, dict]) -> tuple[dict, dict, dict]:
    """What the grid's edits (``edited_rows`` of the tables, keyed by the draft frame's row index)
    change: (values, unavailable, explanations) for :func:`reporting.save_draft` and
    :func:`reporting.explain`, each keyed by (indicator_id, adcode). A ticked 暂缺 sends its reason
    (the value is dropped); an unticked one sends the value (None clears the cell)."""
    values, unavailable, explanations = {}, {}, {}
    for i, edit in edits.items():
        row = frame.loc[i]
        cell = (row["indicator_id"], row["adcode"])
        was_unav = shared.has_text(row["unavailable"])
        unav = bool(edit.get("unavailable", was_unav))
        reason = str(edit.get("reason", row["unavailable"] if was_unav else "") or "").strip()
        value = edit.get("value", row["value"])
        value = None if _is_blank(value) else float(value)
        old = None if _is_blank(row["value"]) else float(row["value"])
        if unav:
            if not was_unav or reason != str(row["unavailable"]):
                unavailable[cell] = reason
        elif was_unav or value != old:
            values[cell] = value
        if "explanation" in edit:
            text = str(edit["explanation"] or "").strip()
            if text and text != str(row["explanation"] or "").strip():
                explanations[cell] = text
    return values, unavailable, explanations


def _pending_edits(year: int, area: str) -> dict[int, dict]:
    """The grid's edits of every table, by the draft frame's row index."""
    frame, _ = loaded(year, area)
    out: dict[int, dict] = {}
    for kind in MEASURES:
        rows = grid_rows(frame, kind)
        state_ = st.session_state.get(editor_key(year, area, kind)) or {}
        for pos, edit in (state_.get("edited_rows") or {}).items():
            out[int(rows.index[int(pos)])] = dict(edit)
    return out


def _save(year: int, area: str, quiet: bool = False) -> bool:
    """保存草稿: save the grid's edits with the version it was loaded at, then the 说明 written in it.
    Flashes the outcome; returns False when something was refused."""
    lg = state.lang()
    acc = shared.writer()
    if acc is None:
        return False
    frame, version = loaded(year, area)
    values, unavailable, explanations = changes(frame, _pending_edits(year, area))
    if not (values or unavailable or explanations):
        if not quiet:
            flash("warning", t("report_ui_nothing_changed", lg))
        return True
    try:
        if values or unavailable:
            reporting.save_draft(acc, year, area, values, unavailable, expected_version=version)
        for (ind, code), text in explanations.items():
            reporting.explain(acc, year, area, ind, code, text)
    except reporting.DraftChanged as exc:
        _reload(year, area)
        shared.flash_refusal("report_ui_changed", exc)
        return False
    except shared.WRITE_FAULTS as exc:
        shared.flash_refusal("report_ui_save_refused", exc)
        return False
    _reload(year, area)
    if not quiet:
        flash("success", t("report_ui_saved", lg, n=len(values) + len(unavailable), m=len(explanations),
                           area=plain(shared.area_label(area))))
    return True


def _submit(year: int, area: str) -> None:
    """提交: save pending edits, then submit; flagged values without 说明 are asked for instead."""
    lg = state.lang()
    if not _save(year, area, quiet=True):
        return
    acc = shared.writer()
    if acc is None:
        return
    try:
        found = reporting.submit(acc, year, area)
    except reporting.NeedsExplanation as exc:
        st.session_state[_NEEDS] = (year, area, [(f.indicator_id, f.adcode, f.text_en if lg == "en" else f.text)
                                                 for f in exc.flags])
        flash("warning", t("report_ui_needs_explanation", lg, n=len(exc.flags)))
        return
    except shared.WRITE_FAULTS as exc:
        shared.flash_refusal("report_ui_submit_refused", exc)
        return
    st.session_state.pop(_NEEDS, None)
    _reload(year, area)
    flash("success", t("report_ui_submitted", lg, area=plain(shared.area_label(area)), year=year, n=len(found)))


def explain_key(indicator_id: str, adcode: str) -> str:
    """The widget key of the 说明 asked for one flagged value before submission."""
    return f"report_explain_{indicator_id}_{adcode}"


def _explain_and_submit(year: int, area: str) -> None:
    """The 说明 form's button: write each 说明 asked for, then submit again."""
    acc = shared.writer()
    if acc is None:
        return
    _, _, items = st.session_state.get(_NEEDS, (year, area, []))
    try:
        for ind, code, _text in items:
            reporting.explain(acc, year, area, ind, code, st.session_state.get(explain_key(ind, code), ""))
    except shared.WRITE_FAULTS as exc:
        shared.flash_refusal("report_ui_explain_refused", exc)
        return
    _reload(year, area)
    _submit(year, area)


def _cancel_explain() -> None:
    st.session_state.pop(_NEEDS, None)


def _upload(year: int, area: str, key: str) -> None:
    """用此文件填入草稿: the uploaded file through the importer into the draft (no version check)."""
    lg = state.lang()
    acc = shared.writer()
    up = st.session_state.get(key)
    if acc is None or up is None:
        return
    try:
        file_reporting.save_file(acc, year, up.getvalue(), up.name)
    except shared.WRITE_FAULTS as exc:
        shared.flash_refusal("report_ui_upload_refused", exc, file=plain(up.name))
        return
    _reload(year, area)
    flash("success", t("report_ui_uploaded", lg, file=plain(up.name), area=plain(shared.area_label(area))))


def scope_status(year: int, acc: Account) -> pd.DataFrame:
    """:func:`reporting.status_report` of ``year`` for the areas in ``acc``'s scope (all for an admin)."""
    frame = reporting.status_report(year, state.lang())
    if not acc.is_admin:
        frame = frame[frame["adcode"].isin(areas_within(acc.scope))]
    return frame.reset_index(drop=True)


def status_table(frame: pd.DataFrame) -> pd.DataFrame:
    """The areas' states as shown (headers in the UI language)."""
    lg = state.lang()
    return pd.DataFrame({
        t("report_ui_c_area", lg): [shared.area_label(c) for c in frame["adcode"]],
        t("report_ui_c_state", lg): frame["state_text"],
        t("report_ui_c_saved", lg): [shared.local_time(x) for x in frame["saved_at"]],
        t("report_ui_c_submitted", lg): [shared.local_time(x) for x in frame["submitted_at"]],
        t("report_ui_c_approved", lg): [shared.local_time(x) for x in frame["approved_at"]],
        t("report_ui_c_timeliness", lg): frame["timeliness_text"],
    })


GRID_COLUMNS = ["area", "indicator", "unit", "last_year", "last_status", "value", "unavailable", "reason",
                "explanation", "check", "comment"]


def grid_frame(frame: pd.DataFrame, flags: dict) -> pd.DataFrame:
    """The draft rows as the grid edits them (columns :data:`GRID_COLUMNS`): area, indicator, unit,
    last year's value and status, value, 暂缺 (bool) + reason, 说明, the checks' messages (提示,
    from ``flags``: (indicator_id, adcode) → texts) and the reviewer's comment. Index kept."""
    unav = [u if shared.has_text(u) else None for u in frame["unavailable"]]
    out = pd.DataFrame({
        "area": [shared.area_label(c) for c in frame["adcode"]],
        "indicator": [shared.indicator_label(i) for i in frame["indicator_id"]],
        "unit": [shared.unit_label(i, u) for i, u in zip(frame["indicator_id"], frame["unit"])],
        "last_year": list(frame["last_year"]),
        "last_status": [status_text(s) if s else "—" for s in frame["last_year_status"]],
        "value": list(frame["value"]),
        "unavailable": [u is not None for u in unav],
        "reason": unav,
        "explanation": [x if shared.has_text(x) else None for x in frame["explanation"]],
        "check": ["⚠ " + " / ".join(flags[(i, c)]) if (i, c) in flags else None
                  for i, c in zip(frame["indicator_id"], frame["adcode"])],
        "comment": [x if shared.has_text(x) else None for x in frame["comment"]],
    }, index=frame.index, columns=GRID_COLUMNS)
    return out.astype({"last_year": "float64", "value": "float64", "reason": object, "explanation": object,
                       "check": object, "comment": object})


def _flags(year: int, frame: pd.DataFrame) -> tuple[dict, list[tuple[str, str, str]]]:
    """The soft checks of the draft's saved values: (indicator_id, adcode) → messages, and the
    flagged values still without a 说明 as (indicator_id, adcode, message)."""
    lg = state.lang()
    out: dict = {}
    missing = []
    for code in dict.fromkeys(frame.loc[frame["value"].notna(), "adcode"]):
        for f in reporting.flags(year, code):
            text = f.text_en if lg == "en" else f.text
            out.setdefault((f.indicator_id, f.adcode), []).append(text)
            if not f.explanation:
                missing.append((f.indicator_id, f.adcode, text))
    return out, missing


def _grid(year: int, area: str, frame: pd.DataFrame, flags: dict, locked: bool) -> None:
    lg = state.lang()
    many = frame["adcode"].nunique() > 1
    for kind in MEASURES:
        rows = grid_rows(frame, kind)
        if rows.empty:
            continue
        st.markdown(f"**{t(f'report_ui_group_{kind}', lg)}**")
        view = grid_frame(rows, flags).reset_index(drop=True)
        config = {
            "area": st.column_config.TextColumn(t("report_ui_c_area", lg), disabled=True),
            "indicator": st.column_config.TextColumn(t("report_ui_c_indicator", lg), disabled=True),
            "unit": st.column_config.TextColumn(t("report_ui_c_unit", lg), disabled=True,
                                            width=shared.text_width(view["unit"], t("report_ui_c_unit", lg))),
            "last_year": st.column_config.NumberColumn(t("report_ui_c_last_year", lg, year=year - 1), disabled=True),
            "last_status": st.column_config.TextColumn(t("report_ui_c_last_status", lg), disabled=True),
            "value": _value_column(kind, t("report_ui_c_value", lg, year=year), t(f"report_ui_rule_{kind}", lg)),
            "unavailable": st.column_config.CheckboxColumn(t("report_ui_c_unavailable", lg), width="small"),
            "reason": st.column_config.TextColumn(t("report_ui_c_reason", lg)),
            "explanation": st.column_config.TextColumn(t("report_ui_c_explanation", lg)),
            "check": st.column_config.TextColumn(t("report_ui_c_check", lg), disabled=True),
            "comment": st.column_config.TextColumn(t("report_ui_c_comment", lg), disabled=True),
        }
        order = (["area"] if many else []) + ["indicator", "unit", "last_year", "last_status", "value", "unavailable",
                                                "reason", "explanation"]
        if view["comment"].notna().any():
            order.append("comment")
        order.append("check")
        st.data_editor(view, column_config=config, column_order=order, hide_index=True, num_rows="fixed", placeholder="—",
                       disabled=locked, key=editor_key(year, area, kind), width="stretch")


def _returned_box(row: pd.Series, frame: pd.DataFrame) -> None:
    lg = state.lang()
    head = t("report_ui_returned", lg, who=plain(row["returned_by"]), at=shared.local_time(row["returned_at"]),
             reason=plain(row["return_reason"]))
    items = [f"- {plain(shared.area_label(r.adcode))} · {plain(shared.indicator_label(r.indicator_id))}："
             f"{plain(r.comment)}" for r in frame.itertuples() if isinstance(r.comment, str) and r.comment]
    st.warning("\n\n".join([head] + (["\n".join(items)] if items else [])), icon="⚠️")


def _explain_form(year: int, area: str) -> None:
    lg = state.lang()
    _, _, items = st.session_state[_NEEDS]
    with st.container(border=True):
        st.markdown(f"**{t('report_ui_explain_heading', lg, n=len(items))}**")
        for ind, code, text in items:
            st.text_input(plain(text), key=explain_key(ind, code), placeholder=t("report_ui_explain_placeholder", lg))
        c1, c2 = st.columns(2)
        c1.button(t("report_ui_explain_submit", lg), key="report_explain_submit", type="primary",
                  on_click=_explain_and_submit, args=(year, area), width="stretch")
        c2.button(t("report_ui_cancel", lg), key="report_explain_cancel", on_click=_cancel_explain, width="stretch")


def _excel(year: int, area: str, locked: bool) -> None:
    lg = state.lang()
    with st.expander(t("report_ui_excel", lg)):
        st.caption(t("report_ui_excel_help", lg))
        # the one reporting template (also `python -m nmgdash report template`): the saved draft, prefilled
        st.download_button(t("report_ui_template", lg), key=f"report_template_{year}_{area}",
                           data=lambda: file_reporting.build_template(year, area),
                           file_name=file_reporting.template_file_name(year, area),
                           mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        if locked:
            return
        key = f"report_upload_{year}_{area}_{_gen(year, area)}"
        st.file_uploader(t("report_ui_upload", lg, mb=MB), type=["xlsx", "xls", "csv"], key=key)
        if st.session_state.get(key) is not None:
            st.button(t("report_ui_upload_fill", lg), key=f"report_upload_go_{year}_{area}", on_click=_upload,
                      args=(year, area, key))


def _area_view(acc: Account, rnd: reporting.Round, area: str, status: pd.DataFrame) -> None:
    lg = state.lang()
    year = rnd.year
    row = status.set_index("adcode").loc[area]
    scope = status[status["adcode"].isin(areas_within(area))]
    steps = tuple(scope[["adcode", "state", "submitted_at", "returned_at", "approved_at", "reopened_at"]]
                  .astype(str).itertuples(index=False, name=None))
    frame, _ = loaded(year, area, steps)
    own_state = row["state"]
    if own_state == "returned":
        _returned_box(row, frame)
    locked = own_state in ("submitted", "approved") or (rnd.state == "closed" and not row["reopened_by"])
    if own_state == "submitted":
        st.info(t("report_ui_locked_submitted", lg, at=shared.local_time(row["submitted_at"])), icon="ℹ️")
    elif own_state == "approved":
        st.success(t("report_ui_locked_approved", lg, who=plain(row["approved_by"]),
                     at=shared.local_time(row["approved_at"])), icon="✅")
    elif locked:
        st.info(t("report_ui_locked_closed", lg), icon="ℹ️")
    flags, missing = _flags(year, frame)
    if missing and not locked:
        st.warning(shared.lines_markdown(t("report_ui_flags_heading", lg, n=len(missing)),
                                         [text for _, _, text in missing]), icon="⚠️")
    st.caption(t("report_ui_grid_help", lg))
    _grid(year, area, frame, flags, locked)
    needs = st.session_state.get(_NEEDS)
    if needs and needs[:2] == (year, area) and not locked:
        _explain_form(year, area)
    c1, c2, c3 = st.columns(3)
    if not locked:
        c1.button(t("report_ui_save", lg), key=f"report_save_{year}_{area}", on_click=_save, args=(year, area),
                  width="stretch")
        c2.button(t("report_ui_submit", lg), key=f"report_submit_{year}_{area}", type="primary", on_click=_submit,
                  args=(year, area), width="stretch")
    c3.button(t("report_ui_reload", lg), key=f"report_reload_{year}_{area}", on_click=_reload, args=(year, area),
              width="stretch")
    _excel(year, area, locked)


def entry_tab(acc: Account | None) -> None:
    """我的填报: the rounds for ``acc``'s area (deadline, the states of the areas in its scope), the
    chosen area's grid with 保存草稿 / 提交 / 重新载入, the 说明 asked for before submission, the
    returned reasons, and the Excel template and upload. ``acc``: the signed-in account or None."""
    lg = state.lang()
    if acc is None:
        st.info(t("report_ui_sign_in_first", lg), icon="ℹ️")
        return
    rounds = reporting.list_rounds()
    rounds = [r for r in rounds if r.state == "open"] + [r for r in rounds if r.state != "open"]
    if not rounds:
        st.info(t("report_ui_no_rounds", lg), icon="ℹ️")
        return
    # widget keys name the language: an option's label changes with it, and a kept choice whose
    # label is gone would fail (the choice starts afresh after a switch)
    by_year = {r.year: r for r in rounds}
    rnd = by_year[st.selectbox(t("report_ui_pick_round", lg), list(by_year), key=f"report_round_{lg}",
                               format_func=shared.labeller(by_year, lambda y: shared.round_label(by_year[y])))]
    st.markdown(f"**{shared.round_label(rnd)}** · {shared.deadline_text(rnd)}")
    if rnd.note:
        st.caption(t("report_ui_note", lg, note=plain(rnd.note)))
    status = scope_status(rnd.year, acc)
    if status.empty:
        st.info(t("report_ui_nothing_asked", lg, area=plain(shared.area_label(acc.scope))), icon="ℹ️")
        return
    st.dataframe(status_table(status), hide_index=True, width="stretch", placeholder="—", height=min(38 + 35 * len(status), 300))
    codes = list(status["adcode"])
    default = codes.index(acc.scope) if acc.scope in codes else 0
    # the option shows the name only: its state is in the table above (a label that changes between
    # runs would stay as first drawn in the browser)
    area = st.selectbox(t("report_ui_pick_area", lg), codes, index=default, key=f"report_area_{rnd.year}_{lg}",
                        format_func=shared.labeller(codes, shared.area_label))
    _area_view(acc, rnd, area, status)
