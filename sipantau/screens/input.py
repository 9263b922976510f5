"""What the input and admin pages offer and show, as people read it: picker options within the
user's scope, idempotency keys, receipts, labels, and the tables of what a region already holds.

Pure (no Streamlit, no database): the frames come from sipantau.ui.forms, which reads them
(sipantau.forms, documents, audit, auth) and writes through the service layer; scope is still
enforced by reports.py on every write. Everything a user typed goes into table cells or st.text.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date
from typing import Any

import pandas as pd

from sipantau import i18n
from sipantau.audit import TABLES as AUDITED
from sipantau.audit import pretty_json
from sipantau.auth import ROLES, SYSTEM_PREFIX, Actor, can_write_region
from sipantau.clock import moment
from sipantau.documents import KIND_NAMES, content_hash, download_name, safe_filename, sniff
from sipantau.reports import OBSTACLE_TRANSITIONS, REPORT_STATUSES

# ---- picker options ----------------------------------------------------------------


def writable_regions(regions: pd.DataFrame, actor: Actor) -> dict[str, str]:
    """code → "73.10 · Kabupaten …" for the regions this user may write for (the picker)."""
    return {code: f"{code} · {name}" for code, name in zip(regions["code"], regions["name"], strict=True)
            if can_write_region(actor, code)}


def report_statuses() -> list[str]:
    """Statuses a stage report may have, in their order."""
    return list(REPORT_STATUSES)


def next_statuses(status: str) -> list[str]:
    """Where an obstacle may move from `status` (empty: keep the status)."""
    return ["", *sorted(OBSTACLE_TRANSITIONS[status])]


def role_names() -> dict[str, str]:
    return dict(ROLES)


# ---- idempotency and receipts --------------------------------------------------------


def form_key(nonce: str, actor: Actor, form: str, values: dict[str, Any]) -> str:
    """The idempotency key of one submission: the session's form nonce, who, which form
    and what was typed. A double click, a retry after a lost connection, or the same
    values sent again in this session return the first receipt; any change is new."""
    payload = json.dumps({"n": nonce, "u": actor.id, "f": form, "v": values}, default=str, sort_keys=True,
                         ensure_ascii=False)
    return "form:" + hashlib.sha256(payload.encode("utf-8")).hexdigest()


def reference(entity: str, record_id: int) -> str:
    return f"{entity.upper()}-{record_id:07d}"


@dataclass(frozen=True)
class ReceiptView:
    """What the operator sees after a write (kept in the session until the next submit)."""

    reference: str
    recorded_at: str
    duplicate: bool
    rows: tuple[tuple[str, str], ...]  # (field, value as typed) — shown as a table, never as Markdown

    def table(self, field_label: str, value_label: str) -> pd.DataFrame:
        return pd.DataFrame(list(self.rows), columns=[field_label, value_label])


def receipt_view(receipt, rows: list[tuple[str, Any]], lang: str = "id") -> ReceiptView:
    return ReceiptView(receipt.reference, moment(receipt.recorded_at, lang), receipt.duplicate,
                       tuple((label, shown(value, lang)) for label, value in rows))


def shown(value: Any, lang: str = "id") -> str:
    """A typed value as text for the receipt table."""
    if value is None or value == "":
        return "–"
    if isinstance(value, bool):
        return i18n.t("yes", lang) if value else i18n.t("no", lang)
    if isinstance(value, date):
        return i18n.day(value, lang)
    if isinstance(value, float):
        return i18n.number(value, lang, 0 if value.is_integer() else 1)
    if isinstance(value, int):
        return i18n.number(value, lang)
    return str(value)


# ---- words -------------------------------------------------------------------------

REPORT_STATUS_KEYS = {"belum_mulai": "inp_status_belum_mulai", "berjalan": "inp_status_berjalan",
                      "selesai": "inp_status_selesai", "terkendala": "inp_status_terkendala"}
OBSTACLE_STATUS_KEYS = {"baru": "inp_obstacle_status_baru", "ditangani": "inp_obstacle_status_ditangani",
                        "eskalasi": "inp_obstacle_status_eskalasi", "selesai": "inp_obstacle_status_selesai"}


def status_label(code: str | None, lang: str = "id") -> str:
    key = REPORT_STATUS_KEYS.get(code or "")
    return i18n.t(key, lang) if key else (code or "–")


def obstacle_status_label(code: str | None, lang: str = "id") -> str:
    key = OBSTACLE_STATUS_KEYS.get(code or "")
    return i18n.t(key, lang) if key else (code or "–")


def first_upper(text: str) -> str:
    return text[:1].upper() + text[1:]


def day(value: date | None, lang: str = "id") -> str:
    return i18n.day(value, lang) if value is not None else "–"


# ---- accounts ------------------------------------------------------------------------


def scope_text(actor: Actor, region_name: str | None, lang: str = "id") -> str:
    """In words: where this user may read and write."""
    t = lambda key: i18n.t(key, lang)  # noqa: E731
    where = f"{actor.region_code} · {region_name}" if actor.region_code else t("inp_scope_national")
    if actor.role == "admin_pusat":
        return t("inp_scope_admin")
    if actor.role == "operator_provinsi":
        return t("inp_scope_operator_province").format(region=where)
    if actor.role == "operator_kabkota":
        return t("inp_scope_operator_regency").format(region=where)
    if actor.role == "verifikator_provinsi":
        return t("inp_scope_verifier").format(region=where)
    return t("inp_scope_reader")


def account_table(me: dict[str, Any], actor: Actor, lang: str) -> pd.DataFrame:
    """Who I am and where I may work (`forms.account`), as field → value."""
    t = lambda key: i18n.t(key, lang)  # noqa: E731
    return pd.DataFrame({
        t("inp_field"): [t("username"), t("inp_account_name"), t("inp_account_role"), t("inp_account_scope"),
                         t("inp_account_email")],
        t("inp_value"): [me["username"], me["full_name"] or "–", ROLES.get(me["role"], me["role"]),
                         scope_text(actor, me["region_name"], lang), me["email"] or "–"],
    })


def listed_users(people: list[dict]) -> list[dict]:
    """The accounts an admin manages: system accounts (imports, demo) are not people."""
    return [p for p in people if not p["username"].startswith(SYSTEM_PREFIX)]


def users_table(people: list[dict], lang: str) -> pd.DataFrame:
    t = lambda key: i18n.t(key, lang)  # noqa: E731
    return pd.DataFrame({
        t("username"): [p["username"] for p in people],
        t("inp_account_name"): [p["full_name"] for p in people],
        t("inp_account_role"): [p["role_name"] for p in people],
        t("region"): [p["region_code"] or "–" for p in people],
        t("inp_account_email"): [p["email"] or "–" for p in people],
        t("inp_users_active"): [t("yes") if p["active"] else t("no") for p in people],
        t("inp_users_locked"): [moment(p["locked_until"], lang) if p["locked_until"] else "–" for p in people],
    })


# ---- what the region holds already -----------------------------------------------------------


def recent_reports_table(reports: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The region's latest stage reports (`forms.recent_reports`), as text."""
    t = lambda key: i18n.t(key, lang)  # noqa: E731
    return pd.DataFrame({
        t("inp_reference"): [reference("stage_report", i) for i in reports["id"]],
        t("stage"): reports["stage_name_en" if lang == "en" else "stage_name_id"],
        t("inp_situation_date"): [i18n.day(d.date(), lang, "dd-MM-y") for d in reports["situation_date"]],
        t("inp_progress_pct"): reports["progress"].round(1),
        t("inp_report_status"): reports["status"].map(lambda s: status_label(s, lang)),
        t("inp_note"): reports["note"].fillna(""),
        t("inp_recorded_by"): reports["username"],
        t("inp_recorded_at"): [moment(ts, lang) for ts in reports["recorded_at"]],
    })


def obstacle_labels(obstacles: pd.DataFrame, categories: dict[str, str], lang: str) -> dict[int, str]:
    """id → "#12 · 15 November 2024 · Logistik · Baru": what the follow-up picker offers."""
    return {int(r.id): f"#{r.id} · {day(r.found_date, lang)} · {categories.get(r.category_code, '')} · "
                       f"{obstacle_status_label(r.status, lang)}" for r in obstacles.itertuples()}


def obstacle_of(obstacles: pd.DataFrame, obstacle_id: int) -> pd.Series:
    return obstacles.set_index("id").loc[obstacle_id]


def obstacles_table(obstacles: pd.DataFrame, categories: dict[str, str], severities: dict[str, str],
                    lang: str) -> pd.DataFrame:
    """The region's obstacles (`forms.region_obstacles`), as text."""
    t = lambda key: i18n.t(key, lang)  # noqa: E731
    return pd.DataFrame({
        t("inp_reference"): [reference("obstacle", i) for i in obstacles["id"]],
        t("inp_obstacle_found_date"): [day(d, lang) for d in obstacles["found_date"]],
        t("inp_obstacle_category"): obstacles["category_code"].map(categories),
        t("inp_obstacle_severity"): obstacles["severity_code"].map(severities),
        t("inp_obstacle_description"): obstacles["description"],
        t("inp_obstacle_owner"): obstacles["owner"],
        t("inp_obstacle_due_date"): [day(d, lang) for d in obstacles["due_date"]],
        t("inp_obstacle_status"): obstacles["status"].map(lambda s: obstacle_status_label(s, lang)),
    })


def actions_table(actions: pd.DataFrame, lang: str) -> pd.DataFrame:
    """An obstacle's follow-up steps (`forms.obstacle_actions`), as text."""
    t = lambda key: i18n.t(key, lang)  # noqa: E731
    return pd.DataFrame({
        t("inp_action_date"): [day(d, lang) for d in actions["action_date"]],
        t("inp_action_actor"): actions["actor"],
        t("inp_action_description"): actions["description"],
        t("inp_action_new_status"): actions["new_status"].map(lambda s: obstacle_status_label(s, lang) if s else "–"),
        t("inp_action_evidence"): actions["evidence"].fillna(""),
        t("inp_recorded_by"): actions["username"],
    })


def agreements_table(agreements: pd.DataFrame, counterparties: dict[str, str], lang: str) -> pd.DataFrame:
    """The region's current NPHD agreements (`forms.region_agreements`), as text."""
    t = lambda key: i18n.t(key, lang)  # noqa: E731
    return pd.DataFrame({
        t("inp_reference"): [reference("nphd_agreement", i) for i in agreements["id"]],
        t("counterparty"): agreements["counterparty_code"].map(counterparties),
        t("agreed_value"): [i18n.rupiah(v, lang) for v in agreements["agreed_value"]],
        t("inp_nphd_signed_date"): [day(d, lang) for d in agreements["signed_date"]],
        t("realised_value"): [i18n.rupiah(v, lang) for v in agreements["disbursed"]],
        t("inp_nphd_tranches"): agreements["tranches"],
        t("inp_note"): agreements["note"],
    })


def disbursements_table(paid: pd.DataFrame, counterparties: dict[str, str], lang: str) -> pd.DataFrame:
    t = lambda key: i18n.t(key, lang)  # noqa: E731
    return pd.DataFrame({
        t("inp_reference"): [reference("nphd_disbursement", i) for i in paid["id"]],
        t("counterparty"): paid["counterparty_code"].map(counterparties),
        t("inp_nphd_tranche"): paid["tranche"],
        t("inp_nphd_amount"): [i18n.rupiah(v, lang) for v in paid["amount"]],
        t("inp_nphd_disbursed_date"): [day(d, lang) for d in paid["disbursed_date"]],
    })


def current_agreement_id(agreements: pd.DataFrame, counterparty: str) -> int | None:
    """The agreement a correction replaces: the current one with this counterparty, if any."""
    current = agreements[agreements["counterparty_code"] == counterparty]
    return int(current["id"].iloc[0]) if not current.empty else None


def signed_agreements(agreements: pd.DataFrame) -> pd.DataFrame:
    """Agreements money can be disbursed under: the signed ones."""
    return agreements[agreements["signed_date"].notna()] if not agreements.empty else agreements


def agreement_labels(signed: pd.DataFrame, counterparties: dict[str, str], lang: str) -> dict[int, str]:
    """id → "KPU · Rp5.000.000.000 · ditandatangani 1 Juni 2024": what the disbursement picker offers."""
    return {int(r.id): f"{counterparties.get(r.counterparty_code, r.counterparty_code)} · "
                       f"{i18n.rupiah(r.agreed_value, lang)} · {i18n.t('inp_nphd_signed_on', lang)} "
                       f"{day(r.signed_date, lang)}" for r in signed.itertuples()}


# ---- documents -------------------------------------------------------------------------------


def requirement_names(checklist: pd.DataFrame, lang: str) -> dict[str, str]:
    """requirement code → name, in the checklist's order."""
    return dict(zip(checklist["requirement_code"], checklist["name_en" if lang == "en" else "name_id"], strict=True))


def checklist_table(checklist: pd.DataFrame, names: dict[str, str], lang: str) -> pd.DataFrame:
    """The region's required documents (`documents.checklist`): held or missing, the latest file."""
    t = lambda key: i18n.t(key, lang)  # noqa: E731
    return pd.DataFrame({
        t("inp_document_kind"): checklist["requirement_code"].map(names),
        t("inp_document_state"): checklist["present"].map({True: t("inp_document_present"),
                                                           False: t("inp_document_missing")}),
        t("inp_document_count"): checklist["count"],
        t("inp_document_file"): checklist["filename"].fillna("–"),
        t("inp_document_date"): [day(d, lang) for d in checklist["document_date"]],
        t("inp_recorded_at"): [moment(v, lang) if v is not None and not pd.isna(v) else "–"
                               for v in checklist["recorded_at"]],
    })


def held_documents(checklist: pd.DataFrame) -> pd.DataFrame:
    """The requirements the region holds a document for, with the name a download gets."""
    present = checklist[checklist["present"]]
    return present.assign(download_name=[download_name(f, t) for f, t in
                                         zip(present["filename"], present["media_type"], strict=True)])


@dataclass(frozen=True)
class Upload:
    """What an uploaded file is, as the receipt tells it: stored name, type by content, size, hash."""

    filename: str
    kind: str
    size: int
    content_hash: str


def upload_facts(filename: str, content: bytes) -> Upload:
    return Upload(safe_filename(filename), KIND_NAMES.get(sniff(content) or "", "–"), len(content),
                  content_hash(content))


# ---- the audit log ---------------------------------------------------------------------------


def audit_table(rows: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Audit rows (`audit.audit_frame`) as the page lists them: when (WIB), who, what, before/after."""
    t = lambda key: i18n.t(key, lang)  # noqa: E731
    return pd.DataFrame({
        "id": rows["id"],
        t("inp_audit_at"): rows["at"].dt.strftime("%d-%m-%Y %H:%M:%S WIB"),
        t("inp_audit_user"): rows["username"],
        t("inp_audit_action"): rows["action"],
        t("inp_audit_entity"): rows["entity"],
        t("inp_audit_entity_id"): rows["entity_id"],
        t("inp_audit_region_col"): rows["region_code"].fillna("–"),
        t("inp_audit_before"): rows["before"].fillna(""),
        t("inp_audit_after"): rows["after"].fillna(""),
    })


def audited_records(rows: pd.DataFrame) -> dict[str, str]:
    """"entity:id" → reference of every record the rows wrote, for the record picker."""
    records = rows[rows["entity"].isin(AUDITED) & rows["entity_id"].notna()]
    return {f"{e}:{int(i)}": reference(e, int(i))
            for e, i in dict.fromkeys(zip(records["entity"], records["entity_id"], strict=True))}


def record_key(choice: str) -> tuple[str, int]:
    """The (entity, id) of a record picker choice."""
    entity, record_id = choice.split(":")
    return entity, int(record_id)


def record_table(record: dict[str, Any], lang: str) -> pd.DataFrame:
    """A stored record as field → value, every value as text."""
    return pd.DataFrame({i18n.t("inp_field", lang): list(record),
                         i18n.t("inp_value", lang): [str(v) for v in record.values()]})


def text_table(rows: list[dict]) -> pd.DataFrame:
    """Records (a correction chain, related rows) with every value as text."""
    return pd.DataFrame(rows).astype(str)


@dataclass(frozen=True)
class AuditEntry:
    line: str  # when · who · what · which record
    before: str  # stored JSON, indented (shown as code, never as Markdown)
    after: str


def audit_entries(audit_rows: pd.DataFrame) -> list[AuditEntry]:
    """A record's audit rows (`audit.record_history(...).audit`), one entry each."""
    return [AuditEntry(f"{r.at:%d-%m-%Y %H:%M:%S} WIB · {r.username} · {r.action} · {r.entity} #{r.entity_id}",
                       pretty_json(r.before), pretty_json(r.after)) for r in audit_rows.itertuples()]
