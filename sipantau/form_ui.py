"""Streamlit pieces the input pages share: who may use them, the election and region
pickers, per-field error slots, one submit path (idempotency key, refusals, receipt).

The logic behind them lives in sipantau.forms (pure) and the write side
(sipantau.reports, sipantau.documents), which enforce scope whatever a page offers.
Everything a user typed is shown as text (tables, st.text, st.code); alerts carry
only system text, with any echoed value escaped (`inert.md_escape`).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pandas as pd
import streamlit as st

from sipantau import forms, i18n, webapp
from sipantau import models as m
from sipantau.auth import Actor, NotAllowed
from sipantau.config import today
from sipantau.inert import md_escape
from sipantau.reports import InvalidInput, OutOfScope, Receipt

GENERAL = "__umum__"


def t(key: str) -> str:
    return webapp.t(key)


def lang() -> str:
    return webapp.lang()


def require(allowed: Callable[[Actor | None], bool]) -> Actor:
    """The signed-in user when `allowed`; otherwise say so and stop the page."""
    actor = st.session_state.get("actor")
    if actor is None or not allowed(actor):
        st.error(t("inp_not_allowed_page"), icon=":material/block:")
        st.stop()
    return actor


def require_writer() -> Actor:
    return require(forms.is_writer)


def filters() -> webapp.Filters | None:
    f = st.session_state.get("filters")
    if f is None:
        st.stop()
    return f


# ---- cached reference lists --------------------------------------------------------------


@st.cache_data(show_spinner=False, ttl=600)
def _regions(election_code: str, version: str) -> pd.DataFrame:
    with webapp.engine().connect() as conn:
        return forms.election_regions(conn, election_code)


@st.cache_data(show_spinner=False, ttl=600)
def _codes(model_name: str, language: str, version: str) -> dict[str, str]:
    model = {"category": m.ObstacleCategory, "severity": m.Severity, "counterparty": m.Counterparty}[model_name]
    with webapp.engine().connect() as conn:
        return forms.code_names(conn, model, language)


def codes(model_name: str) -> dict[str, str]:
    return _codes(model_name, lang(), 0)


def stages(election_code: str) -> pd.DataFrame:
    return webapp.stages(election_code, webapp.data_version())


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


# ---- pickers ------------------------------------------------------------------------------


def election_picker(key: str = "input_election", nphd_only: bool = False) -> str:
    """The election the form writes for; starts at the sidebar's election."""
    el = webapp.elections(webapp.data_version())
    if nphd_only:
        el = el[el["has_nphd"].astype(bool)]
    if el.empty:
        st.info(t("inp_no_nphd_election") if nphd_only else t("database_empty"))
        st.stop()
    col = "name_en" if lang() == "en" else "name_id"
    names = dict(zip(el["code"], el[col], strict=True))
    f = st.session_state.get("filters")
    default = f.election_code if f is not None and f.election_code in names else list(names)[-1]
    return st.selectbox(t("election"), options=list(names), format_func=names.get,
                        index=list(names).index(default), key=key, persist_state="session")


def region_options(actor: Actor, election_code: str) -> dict[str, str]:
    """Regions of the election this user may write for (what the picker offers)."""
    return forms.writable_regions(_regions(election_code, 0), actor)


def region_picker(actor: Actor, election_code: str, key: str = "input_region",
                  options: dict[str, str] | None = None) -> str | None:
    """The region the form writes for: only regions in the user's scope are offered."""
    options = region_options(actor, election_code) if options is None else options
    if not options:
        st.info(t("inp_no_region_in_scope"))
        return None
    return st.selectbox(t("region"), options=list(options), format_func=options.get, key=key,
                        persist_state="session", help=t("inp_region_picker_help"))


# ---- errors under each field ----------------------------------------------------------------


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
            text = forms.first_upper(message)
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


def submit(form: str, write: Callable[..., Receipt], actor: Actor, fields: dict[str, Any], slots: FieldSlots,
           summary: list[tuple[str, Any]], key_fields: dict[str, Any] | None = None) -> Receipt | None:
    """Write through the service layer with this submission's idempotency key.

    Refusals go under their fields (the form keeps what was typed); success keeps a
    receipt in the session for `show_receipt`. A double click or a retry of the same
    values carries the same key, so it is stored once and answered with that receipt.
    """
    key = forms.form_key(_nonce(form), actor, form, key_fields if key_fields is not None else fields)
    for stale in [k for k in st.session_state if str(k).endswith("_receipt")]:
        del st.session_state[stale]  # one receipt on screen: the answer to this submission
    try:
        receipt = write(webapp.engine(), actor, **fields, source="form", idempotency_key=key)
    except InvalidInput as exc:
        slots.show(exc.messages(lang()))  # the rulebook's problems, in the reader's language
        return None
    except (OutOfScope, NotAllowed) as exc:
        slots.refuse(exc.message(lang()) if isinstance(exc, OutOfScope) else str(exc))
        return None
    st.session_state[f"{form}_receipt"] = forms.receipt_view(receipt, summary, lang())
    return receipt


def show_receipt(form: str) -> None:
    view: forms.ReceiptView | None = st.session_state.get(f"{form}_receipt")
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


def default_date():
    """The sidebar's as-of date (inside the election), never after today."""
    f = st.session_state.get("filters")
    day = f.as_of if f is not None else today()
    return min(day, today())


def moment(value) -> str:
    return forms.moment(value, lang())


def day(value) -> str:
    return i18n.day(value, lang()) if value is not None else "–"


def version() -> str:
    return webapp.data_version()


def engine():
    return webapp.engine()


def conn():
    return webapp.engine().connect()
