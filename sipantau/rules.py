"""Field rules shared by the forms, the write side and the import.

What an operator types, pastes or uploads is cleaned the same way everywhere before
any check runs, so a rule cannot be passed in one door and refused in another:
text is Unicode NFC with invisible and control characters removed, and numbers
and dates are bounded to what the database column holds and what is plausible.
"""

from __future__ import annotations

import re
import unicodedata
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
