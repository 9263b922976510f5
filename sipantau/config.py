"""Settings from the environment, then `.streamlit/secrets.toml`, then defaults.

The environment wins so that one deployment file (systemd unit, compose file) can
override what operators put in secrets.toml. Streamlit is not imported here: the
CLI and tests read the same settings without it.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
DATA_DIR = ROOT / "data"
REFERENCE_DIR = DATA_DIR / "reference"
SECRETS_FILE = ROOT / ".streamlit" / "secrets.toml"


@dataclass(frozen=True)
class Settings:
    database_url: str
    boundaries_dir: Path
    lang: str
    # Lag (expected − reported progress, in percentage points) above which a region
    # is "behind" or "critical" in a stage.
    lag_behind: float = 10.0
    lag_critical: float = 25.0
    # Offices are asked to report at least once per cadence (days).
    report_cadence_days: int = 7
    # Read-only pages without login (only on a trusted network).
    public_read: bool = False


def _secrets() -> dict:
    if not SECRETS_FILE.exists():
        return {}
    with SECRETS_FILE.open("rb") as f:
        data = tomllib.load(f)
    return data.get("sipantau", data)


def _get(name: str, secrets: dict, default: str) -> str:
    env = os.environ.get(f"SIPANTAU_{name.upper()}")
    if env:
        return env
    return str(secrets.get(name, default))


@lru_cache(maxsize=1)
def settings() -> Settings:
    """Process-wide settings; tests call `settings.cache_clear()` after changing env."""
    s = _secrets()
    lang = _get("lang", s, "id")
    return Settings(
        database_url=_get("database_url", s, f"sqlite:///{DATA_DIR / 'sipantau.db'}"),
        boundaries_dir=Path(_get("boundaries_dir", s, str(DATA_DIR / "boundaries"))),
        lang=lang if lang in ("id", "en") else "id",
        lag_behind=float(_get("lag_behind", s, "10")),
        lag_critical=float(_get("lag_critical", s, "25")),
        report_cadence_days=int(_get("report_cadence_days", s, "7")),
        public_read=_get("public_read", s, "0").lower() in ("1", "true", "yes", "ya"),
    )


# The ministry works on Jakarta time (WIB); "today" for a report means today there.
TIMEZONE = ZoneInfo("Asia/Jakarta")


def today() -> date:
    return datetime.now(TIMEZONE).date()
