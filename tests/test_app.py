"""AppTest smoke tests: pages render on a demo database, in both languages."""

from __future__ import annotations

from datetime import date

import pytest
from conftest import COOKIE_JAR, login
from streamlit import config as st_config
from streamlit.testing.v1 import AppTest

from sipantau import sessions
from sipantau.config import ROOT, settings
from sipantau.db import get_engine


@pytest.fixture
def app(demo_url, monkeypatch):
    monkeypatch.setenv("SIPANTAU_DATABASE_URL", demo_url)
    monkeypatch.setenv("SIPANTAU_LANG", "id")
    monkeypatch.setenv("SIPANTAU_PUBLIC_READ", "1")
    st_config.set_option("client.showErrorDetails", "full")  # tests need the real message
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


def _login_link(at) -> str:
    [button] = at.get("link_button")
    return button.proto.url


def test_signed_out_the_app_sends_to_the_login_page_and_a_session_opens_it(app, monkeypatch):
    monkeypatch.setenv("SIPANTAU_PUBLIC_READ", "0")
    settings.cache_clear()
    at = app.run()
    assert not at.exception
    assert at.title[0].value == "Masuk ke Sipantau" and not at.metric
    assert _login_link(at) == "/masuk"  # the server's form (sipantau/web.py); the browser is sent there
    login(at, "admin")
    assert at.title[0].value == "Gambaran nasional"


def test_a_session_ended_elsewhere_signs_this_tab_out_and_keeps_its_view(app, monkeypatch):
    monkeypatch.setenv("SIPANTAU_PUBLIC_READ", "0")
    settings.cache_clear()
    at = login(app, "operator.pangkep")
    at.switch_page("pages/obstacles.py").run()
    assert not at.exception and at.title[0].value == "Hambatan"
    sessions.end(get_engine(settings().database_url), COOKIE_JAR[sessions.COOKIE])  # signed out in another tab
    at.run()
    assert not at.exception
    assert at.title[0].value == "Masuk ke Sipantau"
    assert at.info[0].value == "Anda telah keluar."
    assert _login_link(at).startswith("/masuk?next=%2Fhambatan") and _login_link(at).endswith("&pesan=keluar")


def test_the_sidebar_logout_ends_the_session_in_the_database(app):
    at = login(app, "operator.pangkep")
    token = COOKIE_JAR[sessions.COOKIE]
    at.sidebar.button[0].click().run()
    assert not at.exception
    assert sessions.ended_because(get_engine(settings().database_url), token) == sessions.LOGGED_OUT
    assert not any("operator.pangkep" in c.value for c in at.sidebar.caption)


MONITORING_PAGES = ["pages/home.py", "pages/national_map.py", "pages/province.py", "pages/regency.py",
                    "pages/ranking.py", "pages/obstacles.py", "pages/silent.py", "pages/briefing.py"]


@pytest.fixture
def mapped_app(app, monkeypatch):
    geo_dir = ROOT.parent / "shared" / "geo"
    if not (geo_dir / "provinces.geojson").exists():
        pytest.skip(f"boundaries not found in {geo_dir}")
    monkeypatch.setenv("SIPANTAU_BOUNDARIES_DIR", str(geo_dir))
    return app


@pytest.mark.parametrize("page", MONITORING_PAGES)
@pytest.mark.parametrize("lang", ["Bahasa Indonesia", "English"])
def test_every_monitoring_page_renders(mapped_app, page, lang):
    mapped_app.query_params["bahasa"] = lang
    at = mapped_app.run()
    at.switch_page(page).run()
    assert not at.exception, at.exception[0].value if at.exception else ""
    assert at.title


def test_map_selection_drills_into_the_province(mapped_app):
    at = mapped_app.run()
    at.switch_page("pages/national_map.py").run()
    assert at.title[0].value == "Peta kesiapan"
    # What st.plotly_chart reports when Sulawesi Selatan is clicked on the map.
    at.session_state["peta_nasional"] = {"selection": {"points": [{"location": "73"}], "point_indices": [0],
                                                       "box": [], "lasso": []}}
    at.run()
    assert not at.exception
    assert at.title[0].value == "Sulawesi Selatan"


def test_without_boundaries_the_map_falls_back_to_tiles(app, monkeypatch, tmp_path):
    monkeypatch.setenv("SIPANTAU_BOUNDARIES_DIR", str(tmp_path))
    at = app.run()
    at.switch_page("pages/national_map.py").run()
    assert not at.exception
    assert any("ubin provinsi" in i.value for i in at.info)


def test_regency_scorecard_explains_its_rank(mapped_app):
    mapped_app.query_params["wilayah"] = "73.10 · Kabupaten Pangkajene dan Kepulauan"
    at = mapped_app.run()
    at.switch_page("pages/regency.py").run()
    assert not at.exception
    assert at.title[0].value == "Kabupaten Pangkajene dan Kepulauan"
    labels = {m.label for m in at.metric}
    assert {"Peringkat nasional", "Peringkat di provinsi", "Indeks kesiapan"} <= labels
    why = at.dataframe[0].value
    assert "Progres tahapan terhadap jadwal" in set(why["label"])
