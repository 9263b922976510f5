"""What the input and admin pages share: the election and region pickers, per-field error slots,
one submit path (idempotency key, refusals, receipt), and their reads and actions bound to the
engine, so that a page holds no connection.

The rules behind them live in sipantau.screens.input (pure) and the write side (sipantau.reports,
documents, auth, audit), which enforce scope whatever a page offers. Everything a user typed is
shown as text (tables, st.text, st.code); alerts carry only system text, with any echoed value
escaped (`inert.md_escape`). A refusal of the write side reaches the page as `Refused`.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date
from typing import Any

import pandas as pd
import streamlit as st

from sipantau import audit, auth, documents, forms, reports
from sipantau.auth import Actor
from sipantau.inert import md_escape
from sipantau.screens import input as screen
from sipantau.ui import data
from sipantau.ui.filters import chosen_filters, default_date, lang, t

GENERAL = "__umum__"
# The write each form makes, by the form's key: the service layer checks scope and every rule again.
WRITES: dict[str, Callable[..., reports.Receipt]] = {
    "lap": reports.submit_stage_report, "hmb": reports.record_obstacle, "tl": reports.record_obstacle_action,
    "nphd": reports.record_nphd_agreement, "cair": reports.record_nphd_disbursement,
    "dok": documents.upload_document,
}
MIN_PASSWORD_LENGTH = auth.MIN_PASSWORD_LENGTH
AUDIT_DEFAULT_LIMIT, AUDIT_MAX_LIMIT = audit.DEFAULT_LIMIT, audit.MAX_LIMIT


class Refused(Exception):
    """The write side or an admin service said no; str(exc) is its message (shown escaped)."""


def _refusals(*errors: type[Exception]):
    """Turn the given domain errors into `Refused`, keeping their message."""
    def wrap(action: Callable) -> Callable:
        def run(*args, **kwargs):
            try:
                return action(*args, **kwargs)
            except errors as exc:
                raise Refused(str(exc)) from exc
        run.__doc__ = action.__doc__
        return run
    return wrap


# ---- what the pickers offer --------------------------------------------------------------------


def codes(table: str) -> dict[str, str]:
    """code → name of a code table the form offers: category, severity, counterparty."""
    return data.code_names(table, lang(), 0)


def stages(election_code: str) -> pd.DataFrame:
    return data.stages(election_code, data.data_version())


def first_active_stage(election_code: str) -> int:
    """Index (in `stage_names` order) of the first stage running on the default date."""
    df = stages(election_code)
    day = default_date()
    running = [i for i, (a, b) in enumerate(zip(df["start_date"], df["end_date"], strict=True)) if a <= day <= b]
    return running[0] if running else 0


def stage_names(election_code: str) -> dict[int, str]:
    df = stages(election_code)
    col = "name_en" if lang() == "en" else "name_id"
    return {int(k): v for k, v in zip(df["stage_id"], df[col], strict=True)}


def election_picker(key: str = "input_election", nphd_only: bool = False) -> str:
    """The election the form writes for; starts at the sidebar's election."""
    el = data.elections(data.data_version())
    if nphd_only:
        el = el[el["has_nphd"].astype(bool)]
    if el.empty:
        st.info(t("inp_no_nphd_election") if nphd_only else t("database_empty"))
        st.stop()
    col = "name_en" if lang() == "en" else "name_id"
    names = dict(zip(el["code"], el[col], strict=True))
    f = chosen_filters()
    default = f.election_code if f is not None and f.election_code in names else list(names)[-1]
    return st.selectbox(t("election"), options=list(names), format_func=names.get,
                        index=list(names).index(default), key=key, persist_state="session")


def region_options(actor: Actor, election_code: str) -> dict[str, str]:
    """Regions of the election this user may write for (what the picker offers)."""
    return screen.writable_regions(data.election_regions(election_code, 0), actor)


def region_picker(actor: Actor, election_code: str, key: str = "input_region",
                  options: dict[str, str] | None = None) -> str | None:
    """The region the form writes for: only regions in the user's scope are offered."""
    options = region_options(actor, election_code) if options is None else options
    if not options:
        st.info(t("inp_no_region_in_scope"))
        return None
    return st.selectbox(t("region"), options=list(options), format_func=options.get, key=key,
                        persist_state="session", help=t("inp_region_picker_help"))


# ---- errors under each field -------------------------------------------------------------------


class FieldSlots:
    """A placeholder under each field of a form; `show` puts each refusal under its field.

    Field names are those of `InvalidInput.errors` (reports.py, Bahasa Indonesia);
    refusals for fields without a slot go to the general slot (near the submit button).
    """

    def __init__(self) -> None:
        self.slots: dict[str, Any] = {}

    def add(self, *fields: str) -> None:
        slot = st.empty()
        for name in fields:
            self.slots[name] = slot

    def general(self) -> None:
        self.add(GENERAL)

    def show(self, errors: dict[str, str]) -> None:
        grouped: dict[int, list[str]] = {}
        holders: dict[int, Any] = {}
        for name, message in errors.items():
            slot = self.slots.get(name) or self.slots.get(GENERAL)
            text = screen.first_upper(message)
            if slot is None:
                st.error(md_escape(text), icon=":material/error:")
                continue
            grouped.setdefault(id(slot), []).append(text)
            holders[id(slot)] = slot
        for sid, texts in grouped.items():
            holders[sid].error("  \n".join(md_escape(text) for text in texts), icon=":material/error:")

    def refuse(self, message: str) -> None:
        self.show({GENERAL: message})


# ---- one way to submit -------------------------------------------------------------------------


def _nonce(form: str) -> str:
    nonces = st.session_state.setdefault("form_nonces", {})
    return nonces.setdefault(form, uuid.uuid4().hex)


def submit(form: str, actor: Actor, fields: dict[str, Any], slots: FieldSlots, summary: list[tuple[str, Any]],
           key_fields: dict[str, Any] | None = None) -> reports.Receipt | None:
    """Write `fields` through the form's service (`WRITES[form]`) with this submission's idempotency key.

    Refusals go under their fields (the form keeps what was typed); success keeps a
    receipt in the session for `show_receipt`. A double click or a retry of the same
    values carries the same key, so it is stored once and answered with that receipt.
    """
    key = screen.form_key(_nonce(form), actor, form, key_fields if key_fields is not None else fields)
    for stale in [k for k in st.session_state if str(k).endswith("_receipt")]:
        del st.session_state[stale]  # one receipt on screen: the answer to this submission
    try:
        receipt = WRITES[form](data.engine(), actor, **fields, source="form", idempotency_key=key)
    except reports.InvalidInput as exc:
        slots.show(exc.messages(lang()))  # the rulebook's problems, in the reader's language
        return None
    except (reports.OutOfScope, auth.NotAllowed) as exc:
        slots.refuse(exc.message(lang()) if isinstance(exc, reports.OutOfScope) else str(exc))
        return None
    st.session_state[f"{form}_receipt"] = screen.receipt_view(receipt, summary, lang())
    return receipt


def show_receipt(form: str) -> None:
    view: screen.ReceiptView | None = st.session_state.get(f"{form}_receipt")
    if view is None:
        return
    # markdown-safe: a generated reference (shown as code) and a formatted time
    body = f"{t('inp_reference')}: `{view.reference}`  \n{t('inp_recorded_at')}: {view.recorded_at}"
    if view.duplicate:
        st.info(body, title=t("inp_receipt_duplicate_title"), icon=":material/content_copy:")
    else:
        st.success(body, title=t("inp_receipt_title"), icon=":material/task_alt:")
    st.dataframe(view.table(t("inp_field"), t("inp_value")), hide_index=True, key=f"{form}_receipt_table",
                 alt=t("inp_receipt_title"))


# ---- what the region holds already -------------------------------------------------------------


def _read(query: Callable, *args, **kwargs):
    with data.engine().connect() as conn:
        return query(conn, *args, **kwargs)


def recent_reports(region_code: str, election_code: str) -> pd.DataFrame:
    return _read(forms.recent_reports, region_code, election_code)


def region_obstacles(region_code: str, election_code: str) -> pd.DataFrame:
    return _read(forms.region_obstacles, region_code, election_code)


def obstacle_actions(obstacle_id: int) -> pd.DataFrame:
    return _read(forms.obstacle_actions, obstacle_id)


def region_agreements(region_code: str, election_code: str) -> pd.DataFrame:
    return _read(forms.region_agreements, region_code, election_code)


def agreement_disbursements(region_code: str, election_code: str) -> pd.DataFrame:
    return _read(forms.agreement_disbursements, region_code, election_code)


def checklist(region_code: str, election_code: str) -> pd.DataFrame:
    return _read(documents.checklist, region_code, election_code)


def max_document_mb() -> float:
    return documents.max_bytes() / 1_048_576


def document_reader(actor: Actor, document_id: int) -> Callable[[], bytes]:
    """The content of a stored document, read when the download is clicked. It runs on its own
    thread then, so it makes no Streamlit call (the engine is taken now)."""
    engine = data.engine()

    def content() -> bytes:
        with engine.connect() as conn:
            return documents.read_document(conn, actor, document_id).content
    return content


# ---- accounts ----------------------------------------------------------------------------------


def account(actor: Actor) -> dict[str, Any]:
    return _read(forms.account, actor)


def users() -> list[dict]:
    """The accounts an admin manages (system accounts left out)."""
    return screen.listed_users(_read(auth.list_users))


_account_refusals = _refusals(auth.AccountError, auth.NotAllowed)


@_account_refusals
def change_password(actor: Actor, old: str, new: str) -> None:
    auth.change_password(data.engine(), actor, old, new)


@_account_refusals
def add_user(admin: Actor, username: str, full_name: str, role: str, region_code: str | None, email: str | None,
             password: str | None) -> None:
    auth.add_user(data.engine(), admin, username, full_name, role, region_code, email, password)


@_account_refusals
def disable_user(admin: Actor, username: str) -> None:
    auth.disable_user(data.engine(), admin, username)


@_account_refusals
def enable_user(admin: Actor, username: str) -> None:
    auth.enable_user(data.engine(), admin, username)


@_account_refusals
def reset_password(admin: Actor, username: str, password: str) -> None:
    auth.reset_password(data.engine(), admin, username, password)


@_account_refusals
def end_sessions(admin: Actor, username: str) -> None:
    """Sign `username` out of every browser (a lost laptop, an operations-room screen)."""
    auth.revoke_sessions(data.engine(), admin, username)


# ---- the audit log -----------------------------------------------------------------------------


@_refusals(auth.NotAllowed)
def audit_scope(actor: Actor, requested: str | None) -> str | None:
    """The region prefix this user's audit view is limited to (`audit.scope_prefix`)."""
    return audit.scope_prefix(actor, requested)


def audit_users(actor: Actor, prefix: str | None) -> list[str]:
    return _read(audit.audit_users, prefix, actor=actor)


def audit_rows(actor: Actor, prefix: str | None, username: str | None, start: date | None, end: date | None,
               limit: int) -> pd.DataFrame:
    return _read(audit.audit_frame, prefix, username, start, end, limit, actor=actor)


def audit_csv(rows: pd.DataFrame) -> bytes:
    return audit.export_csv(rows)


def audit_xlsx(rows: pd.DataFrame) -> bytes:
    return audit.export_xlsx(rows)


@_refusals(LookupError, auth.NotAllowed)
def record_history(actor: Actor, entity: str, entity_id: int) -> audit.RecordHistory:
    return _read(audit.record_history, entity, entity_id, actor=actor)
