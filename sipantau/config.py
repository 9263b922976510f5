"""Settings from the environment, then `.streamlit/secrets.toml`, then defaults.

The environment wins so that one deployment file (systemd unit, compose file) can
override what operators put in secrets.toml. Streamlit is not imported here: the
CLI and tests read the same settings without it.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import tomllib

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
    # Sessions (sipantau/sessions.py): idle and absolute limits; the operations-room screen's
    # session has no idle limit, only its own absolute one.
    session_timeout_minutes: int = 30
    session_max_hours: int = 12
    screen_session_days: int = 30
    # The session cookie's Secure flag: auto = when the request came over HTTPS (directly, or
    # as X-Forwarded-Proto from a trusted proxy), 1 = always, 0 = never.
    cookie_secure: str = "auto"
    # Where X-Forwarded-Proto/-For are believed from (uvicorn's forwarded_allow_ips).
    trusted_proxies: str = "127.0.0.1"
    # Where `python -m sipantau serve` listens: this machine only unless told otherwise.
    host: str = "127.0.0.1"
    port: int = 8501
    # A path prefix when the proxy serves Sipantau under one (e.g. "sipantau" for /sipantau/).
    base_url_path: str = ""


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
        session_timeout_minutes=_positive("session_timeout_minutes", s, 30),
        session_max_hours=_positive("session_max_hours", s, 12),
        screen_session_days=_positive("screen_session_days", s, 30),
        cookie_secure=_get("cookie_secure", s, "auto") if _get("cookie_secure", s, "auto") in ("auto", "1", "0")
        else "auto",
        trusted_proxies=_get("trusted_proxies", s, "127.0.0.1"),
        host=_get("host", s, "127.0.0.1"),
        port=_positive("port", s, 8501),
        base_url_path=_get("base_url_path", s, ""),
    )


def _positive(name: str, secrets: dict, default: int) -> int:
    """A whole number above zero; anything else is the default (and a warning)."""
    raw = _get(name, secrets, str(default)).strip()
    if raw.isdigit() and int(raw) > 0:
        return int(raw)
    logging.getLogger(__name__).warning("SIPANTAU_%s=%r tidak sah; memakai %d.", name.upper(), raw, default)
    return default
