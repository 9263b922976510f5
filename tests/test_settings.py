"""One settings table (sipantau.config): environment over .streamlit/secrets.toml over the default,
read by the modules that use them, and one behaviour on a bad value: the entry points refuse to
start and name the setting, the value and what is expected; a read outside them gets the default."""

from __future__ import annotations

import json

import pytest
from streamlit.testing.v1 import AppTest
from typer.testing import CliRunner

from sipantau import config, documents, geo, ingest
from sipantau.cli import app
from sipantau.cli.maps import find_chromium
from sipantau.config import ROOT, SETTINGS, settings, settings_problems, settings_report
from sipantau.ui import nav


@pytest.fixture(autouse=True)
def clean(monkeypatch, tmp_path):
    """No SIPANTAU_* setting from the caller's environment, and a secrets file of our own."""
    for setting in SETTINGS:
        for name in setting.env_names:
            monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(config, "SECRETS_FILE", tmp_path / "secrets.toml")
    yield
    settings.cache_clear()


def secrets(tmp_path, body: str) -> None:
    (tmp_path / "secrets.toml").write_text(body, encoding="utf-8")


def source(name: str) -> str:
    return next(r.source for r in settings_report() if r.setting.name == name)


def test_every_setting_has_a_default_its_parser_accepts_and_a_help():
    assert len({s.name for s in SETTINGS}) == len(SETTINGS)
    for setting in SETTINGS:
        setting.parse(setting.default)
        assert setting.help.strip(), setting.name
    assert settings_problems() == ()
    assert {r.source for r in settings_report()} == {"default"}


def test_secrets_set_what_only_the_environment_could_set_before(tmp_path):
    secrets(tmp_path, """
[sipantau]
documents_dir = "arsip/dokumen"
max_document_mb = 2
session_timeout_minutes = "45"
import_max_rows = 100
briefing_refresh_seconds = 30
geo_cache_dir = "/var/cache/sipantau-geo"
boundaries_dir = "batas"
public_read = true
""")
    assert documents.documents_dir() == ROOT / "arsip" / "dokumen"
    assert documents.max_bytes() == 2 * 1024 * 1024
    assert settings().session_timeout_minutes == 45
    assert ingest.guard_limits().max_rows == 100
    assert nav.briefing_refresh_seconds() == 30
    assert str(geo.cache_dir()) == "/var/cache/sipantau-geo"
    assert geo.boundaries_dir() == ROOT / "batas"
    assert settings().public_read is True
    assert source("documents_dir") == "secrets" and source("lang") == "default"


def test_environment_wins_over_secrets_which_win_over_the_default(tmp_path, monkeypatch):
    secrets(tmp_path, '[sipantau]\nlag_behind = "12.5"\nlag_critical = "30"\n')
    monkeypatch.setenv("SIPANTAU_LAG_BEHIND", "14")
    monkeypatch.setenv("SIPANTAU_LAG_CRITICAL", "  ")  # blank counts as not set
    assert (settings().lag_behind, settings().lag_critical, settings().report_cadence_days) == (14.0, 30.0, 7)
    assert [source(n) for n in ("lag_behind", "lag_critical", "report_cadence_days")] == ["env", "secrets", "default"]


def test_a_changed_environment_or_secrets_file_is_read_again(tmp_path, monkeypatch):
    assert settings().import_max_bytes == 5 * 1024 * 1024
    monkeypatch.setenv("SIPANTAU_IMPORT_MAX_BYTES", "1000")
    assert settings().import_max_bytes == 1000
    secrets(tmp_path, '[sipantau]\nlang = "en"\n')
    assert settings().lang == "en"


def test_relative_paths_and_sqlite_files_are_relative_to_the_repository(monkeypatch):
    monkeypatch.setenv("SIPANTAU_DATABASE_URL", "sqlite:///data/lain.db")
    assert settings().database_url == f"sqlite:///{ROOT / 'data' / 'lain.db'}"
    monkeypatch.setenv("SIPANTAU_DATABASE_URL", "sqlite:////srv/sipantau.db?timeout=5")
    assert settings().database_url == "sqlite:////srv/sipantau.db?timeout=5"
    monkeypatch.setenv("SIPANTAU_DOCUMENTS_DIR", "/srv/dokumen")
    assert str(documents.documents_dir()) == "/srv/dokumen"


BAD = [
    ("lang", "fr", "salah satu dari: id, en"),
    ("public_read", "2", "harus 1 atau 0"),
    ("session_timeout_minutes", "lima", "bilangan bulat dari 1"),
    ("session_timeout_minutes", "-3", "bilangan bulat dari 1"),
    ("lag_behind", "2x", "angka dari 0 sampai 100"),
    ("lag_critical", "nan", "angka dari 0 sampai 100"),
    ("lag_critical", "12,5", "desimal dengan titik"),
    ("report_cadence_days", "0", "bilangan bulat dari 1 sampai 366"),
    ("briefing_refresh_seconds", "5", "bilangan bulat dari 10"),
    ("max_document_mb", "0", "angka lebih dari 0"),
    ("max_document_mb", "bukan-angka", "angka lebih dari 0"),
    ("import_max_bytes", "5.000.000", "tanpa pemisah ribuan"),
    ("import_max_memory_mb", "8", "bilangan bulat dari 16"),
    ("import_max_seconds", "1e3", "bilangan bulat"),
    ("database_url", "data/sipantau.db", "harus URL SQLAlchemy"),
]


@pytest.mark.parametrize(("name", "value", "expected"), BAD)
def test_a_bad_value_is_named_with_its_value_and_what_is_expected(monkeypatch, name, value, expected):
    setting = config.BY_NAME[name]
    monkeypatch.setenv(setting.env, value)
    [problem] = settings_problems()
    assert str(problem).startswith(f"{setting.env} = {value!r}: ") and expected in str(problem)
    # Outside an entry point the value is never used: the default is.
    assert getattr(settings(), name) == setting.parse(setting.default)


def test_a_bad_value_in_secrets_names_the_key_and_the_file(tmp_path):
    secrets(tmp_path, '[sipantau]\nreport_cadence_days = "seminggu"\nlag_critcal = 30\n[auth]\nclient_id = "x"\n')
    assert [str(p) for p in settings_problems()] == [
        "lag_critcal di secrets.toml: pengaturan tidak dikenal (maksud Anda lag_critical?).",
        "report_cadence_days di secrets.toml = 'seminggu': harus bilangan bulat dari 1 sampai 366, "
        "tanpa pemisah ribuan.",
    ]
    assert settings().report_cadence_days == 7


def test_an_unreadable_secrets_file_is_a_problem_not_a_crash(tmp_path):
    secrets(tmp_path, '[sipantau]\nlang = "en\n')
    [problem] = settings_problems()
    assert str(tmp_path / "secrets.toml") in str(problem) and "tidak dapat dibaca" in str(problem)
    assert settings().lang == "id"


def test_a_password_is_never_shown(monkeypatch):
    monkeypatch.setenv("SIPANTAU_DATABASE_URL", "postgresql+psycopg://sipantau:rahasia-sekali@db:5432/sipantau")
    result = CliRunner().invoke(app, ["settings", "--json"])
    assert result.exit_code == 0, result.output
    assert "rahasia" not in result.output
    rows = {row["name"]: row for row in json.loads(result.output)["settings"]}
    assert rows["database_url"] == {"name": "database_url", "value": "postgresql+psycopg://sipantau:***@db:5432/sipantau",
                                    "source": "env", "origin": "SIPANTAU_DATABASE_URL"}
    # A bad URL is named without its password too.
    monkeypatch.setenv("SIPANTAU_DATABASE_URL", "postgres ql://sipantau:rahasia-sekali@db/sipantau")
    assert "rahasia" not in str(settings_problems()[0])


def test_the_settings_command_lists_every_setting_and_where_it_came_from(tmp_path, monkeypatch):
    secrets(tmp_path, '[sipantau]\nlang = "en"\n')
    monkeypatch.setenv("SIPANTAU_LAG_BEHIND", "15")
    result = CliRunner().invoke(app, ["settings"])
    assert result.exit_code == 0, result.output
    lines = {line.split()[0]: line.split(None, 2)[1:] for line in result.output.splitlines()[1:]}
    assert set(lines) == {s.name for s in SETTINGS}
    assert lines["lag_behind"] == ["15", "lingkungan SIPANTAU_LAG_BEHIND"]
    assert lines["lang"] == ["en", "secrets.toml"]
    assert lines["public_read"] == ["0", "bawaan"]


def test_every_command_refuses_to_run_on_a_bad_setting_but_settings_shows_it(monkeypatch, tmp_path):
    monkeypatch.setenv("SIPANTAU_SESSION_TIMEOUT_MINUTES", "tiga puluh")
    url = f"sqlite:///{tmp_path / 'tidak-dibuat.db'}"
    refused = CliRunner().invoke(app, ["init", "--database-url", url])
    assert refused.exit_code == 2
    assert "SIPANTAU_SESSION_TIMEOUT_MINUTES = 'tiga puluh'" in refused.stderr
    assert not (tmp_path / "tidak-dibuat.db").exists()
    shown = CliRunner().invoke(app, ["settings"])
    assert shown.exit_code == 2
    assert "session_timeout_minutes" in shown.stdout and "SIPANTAU_SESSION_TIMEOUT_MINUTES tidak sah" in shown.stdout
    assert "harus bilangan bulat dari 1 sampai 525600" in shown.stderr


def test_the_dashboard_does_not_start_on_a_bad_setting(monkeypatch):
    monkeypatch.setenv("SIPANTAU_LAG_CRITICAL", "25%")
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60).run()
    assert not at.exception
    assert "tidak sah" in at.error[0].value
    assert at.code[0].value == "SIPANTAU_LAG_CRITICAL = '25%': harus angka dari 0 sampai 100 (desimal dengan titik)."


def test_the_map_export_browser_comes_from_the_setting_or_kaleidos_own_variable(monkeypatch):
    monkeypatch.setenv("BROWSER_PATH", "/opt/kaleido/chrome")
    assert find_chromium() == "/opt/kaleido/chrome"
    monkeypatch.setenv("SIPANTAU_BROWSER_PATH", "/opt/chromium/chrome")
    assert find_chromium() == "/opt/chromium/chrome"
