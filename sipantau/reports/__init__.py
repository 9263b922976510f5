"""Write side: stage reports, obstacles and their follow-up, NPHD, documents.

Every write function
- re-reads the acting user inside its transaction (a disabled or altered Actor
  writes nothing) and refuses regions outside that user's scope,
- cleans every text (`rules.clean_text`) and validates everything before it writes by
  the shared rulebook (`sipantau.rules`), raising `InvalidInput` with a `rules.Problem`
  per field (code and parameters), worded by the catalog in Bahasa Indonesia or English,
- is idempotent by key: a retried submission returns the stored one (and a key of a
  record outside the user's scope is refused, never answered with that record),
- appends (a correction is a new row naming what it replaces) and writes an
  audit row (`journal.record`) in the same transaction.

Rules that depend on stored rows hold under simultaneous writers on both databases:
the subject is locked before the check reads (an NPHD's chain of versions, a stage
cell, an obstacle row; on SQLite `BEGIN IMMEDIATE` already holds the one write lock),
and unique indexes make a forked correction or a second NPHD chain impossible
whatever the code does; a writer stopped by an index gets the check's own message.

The `add_*` functions work inside a caller's transaction (bulk import commits a
whole file at once); the `submit_*`/`record_*` wrappers open one transaction each.

One module per record kind, sharing `core`: `stages`, `obstacles`, `nphd`, `document_records`;
this package is their public API. Locks go through `core._lock`, so a test can take them away.
"""

from sipantau.models import not_replaced
from sipantau.reports.core import (
    MAX_BYTES,
    OBSTACLE_STATUSES,
    OBSTACLE_TRANSITIONS,
    SOURCES,
    ActorRefused,
    InvalidInput,
    KeyOutOfScope,
    OutOfScope,
    Receipt,
)
from sipantau.reports.document_records import add_document, record_document
from sipantau.reports.nphd import (
    add_nphd_agreement,
    add_nphd_disbursement,
    current_agreement,
    record_nphd_agreement,
    record_nphd_disbursement,
)
from sipantau.reports.obstacles import add_obstacle, add_obstacle_action, record_obstacle, record_obstacle_action
from sipantau.reports.stages import (
    add_stage_report,
    latest_report_query,
    rebuild_stage_status,
    refresh_stage_status,
    stage_election_window,
    submit_stage_report,
)
from sipantau.rules import MAX_TEXT, REPORT_STATUSES

__all__ = [
    "InvalidInput", "OutOfScope", "KeyOutOfScope", "ActorRefused", "Receipt", "add_stage_report",
    "submit_stage_report", "add_obstacle", "record_obstacle", "add_obstacle_action", "record_obstacle_action",
    "add_nphd_agreement", "record_nphd_agreement", "add_nphd_disbursement", "record_nphd_disbursement",
    "add_document", "record_document", "rebuild_stage_status", "refresh_stage_status", "latest_report_query",
    "not_replaced", "MAX_TEXT", "REPORT_STATUSES", "MAX_BYTES", "OBSTACLE_STATUSES", "OBSTACLE_TRANSITIONS",
    "SOURCES", "current_agreement", "stage_election_window",
]
