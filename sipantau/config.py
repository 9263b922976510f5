"""Every setting in one table: the environment, then `.streamlit/secrets.toml`, then the default.

Each setting has a name, a default written as an operator would write it, a parser and a help
text (the README's Configuration table is generated from `SETTINGS` and tests/test_docs.py checks
it). `SIPANTAU_<NAME>` in the environment wins over `<name>` in the `[sipantau]` section of
`.streamlit/secrets.toml`, so that one deployment file (systemd unit, compose file) can override
what operators put there; a blank value counts as not set. Relative paths are relative to the
repository (ROOT), whatever the working directory.

A bad value is never used. The entry points (`python -m sipantau …`, dashboard.py) refuse to
start while any setting is bad and name each one, its value and what is expected: a ministry
server must not run half-configured with a limit or threshold the operator did not choose.
Code that reads a setting outside an entry point gets the default and a logged warning (a
secrets.toml edited under a running process must not crash a request half-way).

Streamlit is not imported here: the CLI and tests read the same settings without it.
"""

from __future__ import annotations

import difflib
import logging
import math
import os
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field, make_dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parents[1]
DATA_DIR = ROOT / "data"
REFERENCE_DIR = DATA_DIR / "reference"
SECRETS_FILE = ROOT / ".streamlit" / "secrets.toml"
SECTION = "sipantau"
PREFIX = "SIPANTAU_"
SOURCE_WORDS = {"env": "lingkungan", "secrets": "secrets.toml", "default": "bawaan"}


# ---- parsers: text as an operator writes it → value; ValueError says what is expected -----


def text(raw: str) -> str:
    return raw


def optional_text(raw: str) -> str | None:
    return raw or None


def path(raw: str) -> Path:
    given = Path(raw).expanduser()
    return given if given.is_absolute() else ROOT / given


def flag(raw: str) -> bool:
    word = raw.lower()
    if word in ("1", "true", "yes", "ya", "on"):
        return True
    if word in ("0", "false", "no", "tidak", "off"):
        return False
    raise ValueError("harus 1 atau 0 (juga: true/false, ya/tidak)")


def choice(*options: str) -> Callable[[str], str]:
    def parse(raw: str) -> str:
        if raw not in options:
            raise ValueError(f"harus salah satu dari: {', '.join(options)}")
        return raw

    return parse


def whole(low: int, high: int) -> Callable[[str], int]:
    def parse(raw: str) -> int:
        if not re.fullmatch(r"\d+", raw) or not low <= int(raw) <= high:
            raise ValueError(f"harus bilangan bulat dari {low} sampai {high}, tanpa pemisah ribuan")
        return int(raw)

    return parse


def number(low: float, high: float, *, above_low: bool = False) -> Callable[[str], float]:
    """A decimal number with a decimal point: a comma could be either a decimal or a thousands
    separator (1,000), so it is refused rather than guessed."""
    wanted = f"harus angka {'lebih dari' if above_low else 'dari'} {low:g} sampai {high:g} (desimal dengan titik)"

    def parse(raw: str) -> float:
        try:
            value = float(raw)
        except ValueError:
            raise ValueError(wanted) from None
        if not math.isfinite(value) or not (low < value if above_low else low <= value) or value > high:
            raise ValueError(wanted)
        return value

    return parse


def database_url(raw: str) -> str:
    """An SQLAlchemy URL; a relative SQLite file is relative to ROOT, like every other path."""
    if not re.fullmatch(r"[a-z][a-z0-9+._-]*://.*", raw, flags=re.DOTALL):
        raise ValueError("harus URL SQLAlchemy, mis. sqlite:///data/sipantau.db atau "
                         "postgresql+psycopg://pengguna@server:5432/sipantau")
    sqlite_file = re.fullmatch(r"(sqlite(?:\+\w+)?:///)([^/:?][^?]*)(\?.*)?", raw)
    if sqlite_file:
        scheme, file, query = sqlite_file.groups()
        return f"{scheme}{ROOT / file}{query or ''}"
    return raw


def hide_password(url: str) -> str:
    """The URL as it may be printed: everything from the password to the last @ is ***, also in a
    malformed URL (hiding a part of the host is better than showing a part of the password)."""
    scheme, slashes, rest = url.partition("//") if "//" in url else ("", "", url)
    return scheme + slashes + re.sub(r"^([^:/@]*):.*@", r"\1:***@", rest, flags=re.DOTALL)


# ---- the table ------------------------------------------------------------------------


@dataclass(frozen=True)
class Setting:
    name: str
    default: str  # as written in the environment or secrets.toml; parsed like them
    parse: Callable[[str], Any]
    help: str
    # How the value may be printed (`settings` command, messages): secrets are masked.
    shown: Callable[[str], str] = str
    # Older variable names still read, after SIPANTAU_<NAME> (BROWSER_PATH is kaleido's own).
    aliases: tuple[str, ...] = ()

    @property
    def env(self) -> str:
        return PREFIX + self.name.upper()

    @property
    def env_names(self) -> tuple[str, ...]:
        return (self.env, *self.aliases)


SETTINGS: tuple[Setting, ...] = (
    Setting("database_url", "sqlite:///data/sipantau.db", database_url,
            "SQLAlchemy URL; `postgresql+psycopg://…` for PostgreSQL (`settings` never prints its password)",
            shown=hide_password),
    Setting("lang", "id", choice("id", "en"), "default language, `id` or `en` (everyone can switch)"),
    Setting("public_read", "0", flag, "`1`: read-only pages without login — only on a trusted network"),
    Setting("session_timeout_minutes", "30", whole(1, 525_600), "sign out after this much inactivity"),
    Setting("session_max_hours", "12", whole(1, 8_760), "sign out after this long whatever the activity"),
    Setting("screen_session_days", "30", whole(1, 366),
            "lifetime of the operations-room screen's session (`layar_briefing`: no idle limit)"),
    Setting("cookie_secure", "auto", choice("auto", "1", "0"),
            "session cookie's Secure flag: `auto` when the request came over HTTPS (directly or via a trusted "
            "proxy), `1` always, `0` never"),
    Setting("trusted_proxies", "127.0.0.1", text,
            "addresses whose X-Forwarded-Proto/-For are believed (comma separated; uvicorn `forwarded_allow_ips`)"),
    Setting("host", "127.0.0.1", text, "where `serve` listens: this machine only unless told otherwise"),
    Setting("port", "8501", whole(1, 65_535), "where `serve` listens"),
    Setting("base_url_path", "", text, "a path prefix when the proxy serves Sipantau under one, e.g. `sipantau`"),
    Setting("lag_behind", "10", number(0, 100), 'points behind schedule for "tertinggal"'),
    Setting("lag_critical", "25", number(0, 100), 'points behind schedule for "kritis"'),
    Setting("report_cadence_days", "7", whole(1, 366),
            "offices report at least once per this many days (compliance)"),
    Setting("briefing_refresh_seconds", "60", whole(10, 86_400), "briefing screen refresh (at least 10)"),
    Setting("boundaries_dir", "data/boundaries", path,
            "where `provinces.geojson` and `regencies.geojson` (or `.gpkg`/`.shp`) are read from"),
    Setting("geo_cache_dir", "data/cache/geo", path, "prepared (simplified) map layers"),
    Setting("documents_dir", "data/documents", path,
            "uploaded files, stored by SHA-256, outside anything the web server serves"),
    Setting("max_document_mb", "10", number(0, 10_240, above_low=True),
            "upload limit for documents (PDF, JPG, PNG; type checked by content)"),
    Setting("import_max_bytes", "5242880", whole(1, 2**31), "bulk import: largest file (5 MB)"),
    Setting("import_max_rows", "5000", whole(1, 1_000_000), "bulk import: most data rows in one file"),
    Setting("import_max_memory_mb", "512", whole(16, 1_048_576),
            "what reading one upload may use: the confined reader's address space"),
    Setting("import_max_seconds", "20", whole(1, 3600), "… and its CPU time"),
    Setting("browser_path", "", optional_text,
            "Chromium for `map --out …png` (empty: searched on PATH); kaleido's `BROWSER_PATH` is read too",
            aliases=("BROWSER_PATH",)),
)
BY_NAME = {s.name: s for s in SETTINGS}

Settings = make_dataclass(
    "Settings", [(s.name, Any, field(default=s.parse(s.default))) for s in SETTINGS], frozen=True)
Settings.__doc__ = "The value of every setting (see SETTINGS); `settings()` gives the process's."


# ---- reading --------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """A value that cannot be used, said so that an operator can fix it."""

    where: str  # SIPANTAU_X, `x` in secrets.toml, or the file itself
    shown: str
    expected: str

    def __str__(self) -> str:
        return f"{self.where} = {self.shown!r}: {self.expected}." if self.shown else f"{self.where}: {self.expected}."


@dataclass(frozen=True)
class Resolved:
    """One setting as this process sees it: value, where it came from, and its problem if any."""

    setting: Setting
    value: Any
    source: str  # env | secrets | default
    origin: str  # the variable or file the value came from
    problem: Problem | None = None

    @property
    def shown(self) -> str:
        """The value as an operator would write it (1/0, 10 not 10.0), secrets masked."""
        value = self.value
        if value is None:
            return ""
        written = ("1" if value else "0") if isinstance(value, bool) else f"{value:g}" if isinstance(value, float) \
            else str(value)
        return self.setting.shown(written)


@dataclass(frozen=True)
class _Loaded:
    settings: Any
    resolved: tuple[Resolved, ...]
    problems: tuple[Problem, ...]


def _blank(value: Any) -> bool:
    return value is None or str(value).strip() == ""


def _read_secrets(file: Path) -> tuple[dict, list[Problem]]:
    """The [sipantau] section (or the top level of a file without one), and what is wrong in it."""
    if not file.exists():
        return {}, []
    try:
        with file.open("rb") as f:
            data = tomllib.load(f)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        return {}, [Problem(str(file), "", f"tidak dapat dibaca ({exc}); berkas ini diabaikan")]
    if not isinstance(data.get(SECTION), dict):
        return data, []
    section = data[SECTION]
    problems = []
    for key in sorted(set(section) - set(BY_NAME)):
        close = difflib.get_close_matches(key, BY_NAME, n=1)
        hint = f" (maksud Anda {close[0]}?)" if close else ""
        problems.append(Problem(f"{key} di {file.name}", "", f"pengaturan tidak dikenal{hint}"))
    return section, problems


def _resolve(setting: Setting, secrets: dict, file: Path) -> Resolved:
    env_name = next((n for n in setting.env_names if not _blank(os.environ.get(n))), None)
    if env_name is not None:
        raw, source, origin = os.environ[env_name].strip(), "env", env_name
    elif not _blank(secrets.get(setting.name)):
        raw, source, origin = str(secrets[setting.name]).strip(), "secrets", f"{setting.name} di {file.name}"
    else:
        return Resolved(setting, setting.parse(setting.default), "default", "")
    try:
        return Resolved(setting, setting.parse(raw), source, origin)
    except ValueError as exc:
        problem = Problem(origin, setting.shown(raw), str(exc))
        return Resolved(setting, setting.parse(setting.default), "default", "", problem)


def _fingerprint() -> tuple:
    """What the settings depend on: their variables and the secrets file's identity."""
    env = tuple(os.environ.get(n) for s in SETTINGS for n in s.env_names)
    try:
        stat = SECRETS_FILE.stat()
        stamp = (stat.st_mtime_ns, stat.st_size)
    except OSError:
        stamp = None
    return env, str(SECRETS_FILE), stamp


@lru_cache(maxsize=4)
def _load(fingerprint: tuple) -> _Loaded:
    file = Path(fingerprint[1])
    secrets, problems = _read_secrets(file)
    resolved = tuple(_resolve(s, secrets, file) for s in SETTINGS)
    problems += [r.problem for r in resolved if r.problem]
    return _Loaded(Settings(**{r.setting.name: r.value for r in resolved}), resolved, tuple(problems))


def settings() -> Settings:
    """Process-wide settings. Read again whenever a SIPANTAU_* variable or secrets.toml changes
    (so tests may set the environment); `settings.cache_clear()` forgets what was read."""
    loaded = _load(_fingerprint())
    if loaded.problems:
        _warn(loaded.problems)
    return loaded.settings


@lru_cache(maxsize=16)
def _warn(problems: tuple[Problem, ...]) -> None:
    """Once per set of problems: a value read while bad is the default, and the log says so."""
    for problem in problems:
        log.warning("Pengaturan tidak sah, memakai bawaan: %s", problem)


settings.cache_clear = _load.cache_clear


def settings_report() -> tuple[Resolved, ...]:
    """Every setting with its value and source, in table order (`python -m sipantau settings`)."""
    return _load(_fingerprint()).resolved


def settings_problems() -> tuple[Problem, ...]:
    """Every value that cannot be used; the entry points refuse to start while there is one."""
    return _load(_fingerprint()).problems


def markdown_table() -> str:
    """The README's Configuration table, from SETTINGS."""
    lines = ["| variable / secrets.toml key | default | meaning |", "| --- | --- | --- |"]
    for s in SETTINGS:
        default = f"`{s.default}`" if s.default else "(empty)"
        lines.append(f"| `{s.env}` / `{s.name}` | {default} | {s.help} |")
    return "\n".join(lines)

