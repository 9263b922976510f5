"""The one clock: the ministry's timezone, today, now, and how a recorded time is shown.

The ministry works on Jakarta time (WIB): "today" for a report means today there, and
every recorded moment (stored in UTC) is shown on the WIB clock in one format,
`21 Nov 2024 00.30 WIB`, wherever a person reads it (receipts, record lists, the
lockout message, the CLI).

Call it through the module (`clock.today()`), never a copied name, so that `freeze`
(the tests' one place to fix the date) reaches every caller. Only `today()` freezes:
recorded times stay real, so their order stays the order of the writes.

Imports nothing from Sipantau but the catalog's locales.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pandas as pd
from babel.dates import format_datetime

from sipantau.i18n import LOCALES

TIMEZONE = ZoneInfo("Asia/Jakarta")
_frozen: date | None = None


def today() -> date:
    """Today in Jakarta (or the frozen day)."""
    return _frozen or datetime.now(TIMEZONE).date()


def now() -> datetime:
    """This instant, aware, in UTC: what every write stores."""
    return datetime.now(UTC)


def freeze(day: date | None) -> None:
    """Fix `today()` at `day` (None: follow the real clock again)."""
    global _frozen
    _frozen = day


def utc(value: datetime | None) -> datetime | None:
    """Aware UTC; SQLite hands back naive datetimes, which are stored as UTC."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def jakarta(value: datetime | pd.Timestamp) -> datetime:
    """A stored moment on the Jakarta clock."""
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    return utc(value).astimezone(TIMEZONE)


def moment(value: datetime | pd.Timestamp | None, lang: str = "id") -> str:
    """`29 Nov 2026 20.15 WIB`: when something was recorded, on the ministry's clock."""
    if value is None or pd.isna(value):
        return "–"
    return f"{format_datetime(jakarta(value), 'd MMM y HH.mm', locale=LOCALES[lang])} WIB"
