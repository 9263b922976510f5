"""Field rules shared by the forms, the write side and the import: the one rulebook.

What an operator types, pastes or uploads is cleaned the same way everywhere before
any check runs, so a rule cannot be passed in one door and refused in another:
text is Unicode NFC with invisible and control characters removed, and numbers
and dates are bounded to what the database column holds and what is plausible.

Each rule is written once and answers with a `Problem`: the field as its caller names
it, a code and the parameters (the value, the bound). Words are the catalog's
(`i18n.problem(p, lang)` renders `err_<code>`), so a refusal reads the same in a form,
on the write side and in an import, in Bahasa Indonesia or English, and every date in a
message is written the one way the import templates teach (`day_text`: DD/MM/YYYY).
Rules that need the clock are handed today's date by their caller.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

MAX_TEXT = 4000
# Whole rupiah. The largest NPHD of 2024 was a few trillion rupiah; 10^14 leaves two
# orders of magnitude and stays far inside a 64-bit column (9.2 × 10^18).
MAX_RUPIAH = 10**14
# No Sipantau record describes anything before this day (Pemilu 2024 stages begin in 2022).
EARLIEST_DATE = date(2000, 1, 1)
# A record of an election (an NPHD signed, an obstacle found, a follow-up, a document) may
# come this long before the election's first stage: grants are budgeted and signed, and
# monitoring teams decreed, in the year before (Pilkada 2024 NPHDs were signed from
# November 2023, when its first stage began). Stage reports stay inside the stages' span.
ELECTION_LEAD_DAYS = 365
PROGRESS_MIN, PROGRESS_MAX = 0, 100
MAX_TRANCHE = 6  # an NPHD is paid in at most six tranches
REPORT_STATUSES = {"belum_mulai": "Belum mulai", "berjalan": "Berjalan", "selesai": "Selesai", "terkendala": "Terkendala"}
# A status that fixes the progress it may carry.
STATUS_PROGRESS = {"selesai": PROGRESS_MAX, "belum_mulai": PROGRESS_MIN}
DATE_PATTERN = "DD/MM/YYYY"  # how the templates ask dates to be written, and how messages write them

# Invisible characters that make a field look filled (or look different) while it is
# empty to a reader: zero-width spaces and joiners, word joiner, BOM, soft hyphen,
# bidirectional overrides and isolates, and the other format characters (category Cf).
_CONTROL_KEPT = {"\n", "\t"}


def _invisible(ch: str) -> bool:
    if ch in _CONTROL_KEPT:
        return False
    return unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn") or ch in ("\u2028", "\u2029")


def clean_text(value: Any) -> str:
    """Text as stored: NFC, line breaks as \\n, invisible and control characters removed,
    outer whitespace stripped. `None` becomes the empty string."""
    if value is None:
        return ""
    text = unicodedata.normalize("NFC", str(value)).replace("\r\n", "\n").replace("\r", "\n")
    text = "".join(ch for ch in text if not _invisible(ch))
    return re.sub(r"[ \t\xa0]+\n", "\n", text).strip()


def is_blank(value: Any) -> bool:
    """True when nothing a reader can see remains after cleaning."""
    return not clean_text(value).strip()


def earliest_record_date(first_stage: date | None) -> date:
    """The earliest plausible date of a record: `ELECTION_LEAD_DAYS` before the election's
    first stage when the election is known, never before `EARLIEST_DATE`."""
    if first_stage is None:
        return EARLIEST_DATE
    return max(EARLIEST_DATE, first_stage - timedelta(days=ELECTION_LEAD_DAYS))


def as_day(value: Any) -> date | None:
    """A calendar day from a date or a datetime (pandas Timestamps included); None for
    anything else (text, numbers, NaT), which the caller refuses as "not a date"."""
    day = value.date() if isinstance(value, datetime) else value
    return day if type(day) is date else None


def is_rupiah(value: Any) -> bool:
    """Whole rupiah, more than zero and at most `MAX_RUPIAH` (booleans are not amounts)."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_RUPIAH


def day_text(day: date) -> str:
    """A day as every message and template writes it: DD/MM/YYYY (27/11/2024)."""
    return f"{day:%d/%m/%Y}"


def shown(value: Any, limit: int = 60) -> str:
    """A name or value as it may appear in a message or on a terminal: control and
    invisible characters removed, on one line, shortened."""
    text = re.sub(r"\s+", " ", clean_text(value))
    return text if len(text) <= limit else text[: limit - 1] + "…"


# ---- problems -------------------------------------------------------------------------


@dataclass(frozen=True, eq=True)
class Problem:
    """One refused field: `field` as the caller names it ("tanggal situasi" on the write
    side, the column "tanggal_situasi" in an import), the catalog's `code` (`err_<code>`)
    and the `params` its message is rendered from."""

    field: str
    code: str
    params: dict[str, Any] = field(default_factory=dict, hash=False)

    def at(self, other: str) -> Problem:
        """The same problem under another field name (a write-side field as an import column)."""
        return Problem(other, self.code, self.params)


def first(*problems: Problem | None) -> Problem | None:
    """The first problem found, checks written in the order a reader fixes them."""
    return next((p for p in problems if p is not None), None)


def collect(problems: Iterable[Problem | None]) -> dict[str, Problem]:
    """Problems by field; a later problem of a field replaces an earlier one."""
    out: dict[str, Problem] = {}
    for p in problems:
        if p is not None:
            out[p.field] = p
    return out


# ---- text -----------------------------------------------------------------------------


def required(name: str) -> Problem:
    return Problem(name, "required")


def too_long(name: str, text: str, limit: int = MAX_TEXT) -> Problem | None:
    """Longer than the column holds (counted after cleaning)."""
    return Problem(name, "too_long", {"length": len(text), "max": limit}) if len(text) > limit else None


def check_text(name: str, value: Any, limit: int = MAX_TEXT, needed: bool = True) -> tuple[str, Problem | None]:
    """The text as stored (`clean_text`) and its problem: empty to a reader, or too long."""
    cleaned = clean_text(value)
    if not cleaned:
        return cleaned, required(name) if needed else None
    return cleaned, too_long(name, cleaned, limit)


# ---- dates ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Earliest:
    """The first day a date may carry and why: the plausible floor (`EARLIEST_DATE`), an
    election's record window (`election`, `first_stage`) or another field's date (`after`)."""

    day: date
    election: str | None = None
    first_stage: date | None = None
    after: str | None = None

    def problem(self, name: str, day: date) -> Problem:
        if self.after:
            return Problem(name, "date_before", {"value": day, "other": self.after, "other_value": self.day})
        if self.election:
            return Problem(name, "date_before_election", {"value": day, "min": self.day, "election": self.election,
                                                          "lead_days": ELECTION_LEAD_DAYS,
                                                          "first_stage": self.first_stage})
        return Problem(name, "date_too_early", {"value": day, "min": self.day})


PLAUSIBLE = Earliest(EARLIEST_DATE)


def record_earliest(election: str | None, first_stage: date | None) -> Earliest:
    """The floor of a record of an election (NPHD, obstacle, document): `earliest_record_date`."""
    if election is None or first_stage is None:
        return PLAUSIBLE
    return Earliest(earliest_record_date(first_stage), election, first_stage)


def after(other: str, day: date) -> Earliest:
    """Not before the date of another field (`other`, as the caller names it)."""
    return Earliest(day, after=other)


def too_early(name: str, day: date, earliest: Earliest) -> Problem | None:
    return earliest.problem(name, day) if day < earliest.day else None


def in_future(name: str, day: date, today: date) -> Problem | None:
    return Problem(name, "future_date", {"value": day}) if day > today else None


def check_day(name: str, value: Any, today: date, earliest: Earliest | None = None,
              not_future: bool = True) -> tuple[date | None, Problem | None]:
    """The day as stored (`as_day`) and its problem: not a date, in the future, too early."""
    day = as_day(value)
    if day is None:
        return None, Problem(name, "not_a_date")
    problem = first(in_future(name, day, today) if not_future else None,
                    too_early(name, day, earliest) if earliest else None)
    return (None, problem) if problem else (day, None)


def outside_election(name: str, day: date, election: str, first_day: date, last_day: date) -> Problem | None:
    """A stage report's situation lies within the span of its election's stages."""
    if first_day <= day <= last_day:
        return None
    return Problem(name, "outside_election", {"value": day, "election": election, "first": first_day,
                                              "last": last_day})


# ---- numbers and money ----------------------------------------------------------------


def check_progress(name: str, value: Any) -> Problem | None:
    """Percent 0–100. A comparison is False for NaN and ±inf, and exact for integers of any size."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not PROGRESS_MIN <= value <= PROGRESS_MAX:
        return Problem(name, "out_of_range", {"value": value, "min": PROGRESS_MIN, "max": PROGRESS_MAX})
    return None


def check_status(name: str, value: Any, statuses: Iterable[str] = REPORT_STATUSES) -> Problem | None:
    choices = list(statuses)
    return None if value in choices else Problem(name, "unknown_status", {"value": value, "choices": choices})


def status_progress(name: str, status: str, progress: float) -> Problem | None:
    """`selesai` carries progress 100, `belum_mulai` progress 0."""
    needed = STATUS_PROGRESS.get(status)
    if needed is None or progress == needed:
        return None
    return Problem(name, "status_needs_progress", {"status": status, "required": needed, "value": progress})


def check_rupiah(name: str, value: Any) -> Problem | None:
    """Whole rupiah, more than zero, at most `MAX_RUPIAH`."""
    return None if is_rupiah(value) else Problem(name, "rupiah_range", {"value": value, "max": MAX_RUPIAH})


def disbursed_over_value(name: str, total: int, agreed: int) -> Problem | None:
    """What is disbursed under an NPHD never passes its value."""
    return Problem(name, "disbursed_over_value", {"total": total, "value": agreed}) if total > agreed else None


def check_tranche(name: str, value: Any) -> Problem | None:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_TRANCHE:
        return Problem(name, "tranche_range", {"max": MAX_TRANCHE})
    return None


def unsigned_nphd(name: str) -> Problem:
    """A disbursement needs a signed NPHD."""
    return Problem(name, "nphd_unsigned")


# ---- codes and regions ----------------------------------------------------------------


def unknown(name: str, what: str, value: Any) -> Problem:
    """A code not in its list: `what` is election, region, category, severity, counterparty,
    requirement or source (the catalog's `err_unknown_<what>`)."""
    return Problem(name, f"unknown_{what}", {"value": value})


def without_nphd(name: str, election: str) -> Problem:
    return Problem(name, "no_nphd", {"election": election})


def not_in_election(name: str, region: str, region_name: str, election: str) -> Problem:
    return Problem(name, "not_in_election", {"region": region, "name": region_name, "election": election})


def out_of_scope(username: str, region: str) -> Problem:
    return Problem("wilayah", "out_of_scope", {"username": username, "region": region})


def stage_not_in_election(name: str, stage: Any, election: str) -> Problem:
    """`stage` as written (text) or as a stage id (int)."""
    return Problem(name, "stage_not_in_election", {"stage": stage, "election": election})
