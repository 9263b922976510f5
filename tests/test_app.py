"""AppTest smoke tests: pages render on a demo database, in both languages."""

from __future__ import annotations

from datetime import date

import pytest
from streamlit.testing.v1 import AppTest

from sipantau.config import ROOT, settings
from sipantau.db import make_engine, migrate, write_tx
from sipantau.demo import DEMO_PASSWORD, seed_demo
from sipantau.reference import load_reference


@pytest.fixture(scope="session")
def app_db(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('app') / 'sipantau.db'}"
    engine = make_engine(url)
    migrate(engine)
    with write_tx(engine) as conn:
        load_reference(conn)
    seed_demo(engine, reports=20_000)
    engine.dispose()
    return url


@pytest.fixture
def app(app_db, monkeypatch):
    monkeypatch.setenv("SIPANTAU_DATABASE_URL", app_db)
    monkeypatch.setenv("SIPANTAU_LANG", "id")
    monkeypatch.setenv("SIPANTAU_PUBLIC_READ", "1")
    settings.cache_clear()
    yield AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    settings.cache_clear()


def test_home_shows_national_picture_in_indonesian(app):
    at = app.run()
    assert not at.exception
    labels = {m.label: m.value for m in at.metric}
    assert labels["Wilayah melapor"].endswith("/ 545")
    assert "%" in labels["Rata-rata progres tahapan aktif"] and "," in labels["Rata-rata progres tahapan aktif"]
    assert "NPHD ditandatangani" in labels
    assert any("DEMO" in w.value for w in at.warning)
    assert at.title[0].value == "Gambaran nasional"
    assert "20 November 2024" in at.caption[0].value
    table = at.dataframe[0].value
    assert "Masa Kampanye" in set(table["Tahapan"])


def test_a_link_opens_another_election_at_its_own_last_stage_day(app):
    app.query_params["pemilihan"] = "Pemilu 2024"
    at = app.run()
    assert not at.exception
    assert at.get_by_key("tanggal").value == date(2024, 6, 14)
    assert "NPHD ditandatangani" not in {m.label for m in at.metric}  # Pemilu 2024 has no NPHD


def test_a_link_replays_a_past_day_in_english(app):
    app.query_params["tanggal"] = "2024-09-01"
    app.query_params["bahasa"] = "English"
    at = app.run()
    assert not at.exception
    assert "1 September 2024" in at.caption[0].value
    assert at.title[0].value == "National picture"
    assert "Regions reporting" in {m.label for m in at.metric}


def test_login_required_by_default_and_demo_accounts_shown(app, monkeypatch):
    monkeypatch.setenv("SIPANTAU_PUBLIC_READ", "0")
    settings.cache_clear()
    at = app.run()
    assert not at.exception
    assert at.title[0].value == "Masuk ke Sipantau" and not at.metric
    assert any("operator.pangkep" in w.value for w in at.warning)
    at.text_input[0].input("admin")
    at.text_input[1].input("salah-sandi-sekali")
    at.button[0].click().run()
    assert at.error[0].value == "Nama pengguna atau kata sandi salah."
    at.text_input[1].input(DEMO_PASSWORD)
    at.button[0].click().run()
    assert not at.exception
    assert at.title[0].value == "Gambaran nasional"
    assert any("admin" in c.value for c in at.sidebar.caption)
