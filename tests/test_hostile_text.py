"""Hostile text: stored verbatim, shown as text (tables, st.text, st.code), never as
Markdown or HTML; SQL-looking input in filters changes nothing."""

from __future__ import annotations

import json
import re
import uuid
from datetime import date

import pytest
import streamlit as st
from conftest import demo_database, login
from sqlalchemy import func, select
from streamlit.testing.v1 import AppTest

from sipantau import audit, forms
from sipantau import models as m
from sipantau.auth import get_actor
from sipantau.config import ROOT, settings
from sipantau.reports import record_obstacle, record_obstacle_action, submit_stage_report

HOSTILE = [
    "<script>alert(1)</script>",
    "**bold** [x](javascript:alert(1))",
    "'; DROP TABLE stage_report; --",
    "<img src=x onerror=alert(1)> :red[merah] $x^2$ ![i](http://x/y.png)",
    "=HYPERLINK(\"http://x\",\"klik\")",
]
# Pieces that would mean the text was interpreted somewhere it must not be.
TELLTALES = ["<script>", "javascript:", "DROP TABLE", "onerror", "**bold**", ":red[", "![i]"]


def stage_id(engine, code="kampanye") -> int:
    with engine.connect() as conn:
        return conn.execute(select(m.Stage.id).where(m.Stage.election_code == "pilkada-2024",
                                                     m.Stage.code == code)).scalar()


def counts(engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {t.name: conn.execute(select(func.count()).select_from(t)).scalar()
                for t in m.Base.metadata.sorted_tables}


# ---- the service layer, on SQLite and PostgreSQL ----------------------------------------


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_text_is_stored_verbatim(engine, op_pangkep, text):
    before = counts(engine)
    receipt = submit_stage_report(engine, op_pangkep, region_code="73.10", stage_id=stage_id(engine),
                                  situation_date=date(2024, 10, 24), progress=50.0, status="berjalan", note=text)
    obstacle = record_obstacle(engine, op_pangkep, election_code="pilkada-2024", region_code="73.10",
                               category_code="logistik", severity_code="sedang", description=text, owner=text,
                               found_date=date(2024, 11, 1))
    record_obstacle_action(engine, op_pangkep, obstacle_id=obstacle.id, action_date=date(2024, 11, 2),
                           actor_name=text, description=text, new_status="selesai", evidence=text)
    sr, ob, oa = m.StageReport.__table__, m.Obstacle.__table__, m.ObstacleAction.__table__
    with engine.connect() as conn:
        assert conn.execute(select(sr.c.note).where(sr.c.id == receipt.id)).scalar() == text
        assert conn.execute(select(ob.c.description, ob.c.owner).where(ob.c.id == obstacle.id)).one() == (text, text)
        assert conn.execute(select(oa.c.evidence).where(oa.c.obstacle_id == obstacle.id)).scalar() == text
        afters = [json.loads(a) for a in audit.audit_frame(conn, region_prefix="73.10")["after"]]
        assert {"note": text} in [{"note": a.get("note")} for a in afters]
    after = counts(engine)
    assert after["stage_report"] == before["stage_report"] + 1  # the table is still there, one row more
    assert after["obstacle"] == before["obstacle"] + 1


def test_sql_looking_filters_change_nothing(engine, op_pangkep):
    submit_stage_report(engine, op_pangkep, region_code="73.10", stage_id=stage_id(engine),
                        situation_date=date(2024, 10, 24), progress=50.0, status="berjalan", note=HOSTILE[2])
    before = counts(engine)
    with engine.connect() as conn:
        for bad in ["73.10' OR '1'='1", "'; DROP TABLE stage_report; --", "%", "73%", "_"]:
            assert audit.audit_frame(conn, region_prefix=bad).empty
            assert audit.audit_frame(conn, username=bad).empty
            assert forms.recent_reports(conn, bad, "pilkada-2024").empty
            assert forms.region_obstacles(conn, bad, "pilkada-2024").empty
    assert counts(engine) == before


def test_escaping_for_alerts_leaves_nothing_to_interpret():
    for text in HOSTILE:
        escaped = forms.md_escape(text)
        for ch in "<>[]*`$_|~":
            assert re.search(r"(?<!\\)" + re.escape(ch), escaped) is None, (text, ch)


def test_no_page_or_module_renders_unsafe_html():
    offenders = []
    for folder in ("pages", "sipantau"):
        for path in (ROOT / folder).rglob("*.py"):
            source = path.read_text(encoding="utf-8")
            if re.search(r"unsafe_allow_html\s*=\s*True", source) or "unsafe_allow_javascript" in source:
                offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []
    dashboard = (ROOT / "dashboard.py").read_text(encoding="utf-8")
    assert not re.search(r"unsafe_allow_html\s*=\s*True", dashboard)


# ---- the pages (AppTest on a demo database) --------------------------------------------------


@pytest.fixture(scope="module")
def app_db(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('hostile') / 'sipantau.db'}"
    return url, demo_database(url, 3_000)


@pytest.fixture
def app(app_db, tmp_path, monkeypatch):
    monkeypatch.setenv("SIPANTAU_DATABASE_URL", app_db[0])
    monkeypatch.setenv("SIPANTAU_LANG", "id")
    monkeypatch.setenv("SIPANTAU_PUBLIC_READ", "0")
    monkeypatch.setenv("SIPANTAU_DOCUMENTS_DIR", str(tmp_path / "dokumen"))
    settings.cache_clear()
    st.cache_data.clear()
    yield AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    settings.cache_clear()


def open_page(at: AppTest, page: str) -> AppTest:
    at.switch_page(f"pages/{page}.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def markdown_texts(at: AppTest) -> list[str]:
    """Everything on the page that Streamlit renders as Markdown."""
    kinds = ("markdown", "caption", "success", "error", "info", "warning", "title", "header", "subheader")
    return [str(getattr(e, "value", "")) for kind in kinds for e in getattr(at, kind)]


def table_cells(at: AppTest) -> set[str]:
    return {str(v) for frame in at.dataframe for col in frame.value.columns for v in frame.value[col]}


def assert_shown_only_as_text(at: AppTest, text: str) -> None:
    for shown in markdown_texts(at):
        for telltale in TELLTALES:
            assert telltale not in shown, (telltale, shown)
    assert text in table_cells(at) or text in {t.value for t in at.text} or any(text in c.value for c in at.code)


@pytest.mark.parametrize("text", HOSTILE)
def test_a_hostile_note_is_shown_as_text_on_the_report_page(app, app_db, text):
    engine = app_db[1]
    at = open_page(login(app, "operator.pangkep"), "report_stage")
    note = f"{text} {uuid.uuid4().hex[:4]}"
    at.selectbox(key="lap_tahapan").set_value(stage_id(engine))
    at.date_input(key="lap_tanggal").set_value(date(2024, 10, 22))
    at.number_input(key="lap_progres").set_value(45.0)
    at.selectbox(key="lap_status").set_value("berjalan")
    at.text_area(key="lap_catatan").set_value(note)
    at.button(key="lap_submit").click().run()
    assert not at.exception and not at.error
    sr = m.StageReport.__table__
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(sr).where(sr.c.note == note)).scalar() == 1
    assert note in table_cells(at)  # receipt table and the region's latest reports
    assert_shown_only_as_text(at, note)


def test_hostile_obstacle_text_on_the_obstacle_page(app, app_db):
    engine = app_db[1]
    with engine.connect() as conn:
        pangkep = get_actor(conn, "operator.pangkep")
    text = HOSTILE[0] + " " + HOSTILE[1] + f" {uuid.uuid4().hex[:4]}"
    receipt = record_obstacle(engine, pangkep, election_code="pilkada-2024", region_code="73.10",
                              category_code="logistik", severity_code="tinggi", description=text, owner=HOSTILE[2],
                              found_date=date(2024, 11, 1))
    at = login(app, "operator.pangkep")
    at.session_state["tl_hambatan"] = receipt.id
    at = open_page(at, "report_obstacle")
    assert text in {t.value for t in at.text}  # the chosen obstacle's description, as plain text
    assert text in table_cells(at) and HOSTILE[2] in table_cells(at)
    assert_shown_only_as_text(at, text)


def test_hostile_text_on_the_audit_page_and_sql_in_its_filters(app, app_db):
    engine = app_db[1]
    with engine.connect() as conn:
        pangkep = get_actor(conn, "operator.pangkep")
    note = HOSTILE[1] + f" {uuid.uuid4().hex[:4]}"
    receipt = submit_stage_report(engine, pangkep, region_code="73.10", stage_id=stage_id(engine),
                                  situation_date=date(2024, 10, 21), progress=40.0, status="berjalan", note=note)
    at = open_page(login(app, "admin"), "audit")
    at.selectbox(key="audit_data").set_value(f"stage_report:{receipt.id}").run()
    assert not at.exception
    assert any(note in cell for cell in table_cells(at))  # the after-JSON column and the record table
    assert any(note in c.value for c in at.code)  # before/after of the record's audit rows
    assert_shown_only_as_text(at, note)

    before = counts(engine)
    for bad in ["73' OR '1'='1", "'; DROP TABLE audit_log; --", "%"]:
        at.text_input(key="audit_wilayah").set_value(bad).run()
        assert not at.exception
        assert not at.dataframe and at.info  # nothing matches; nothing else happens
    assert counts(engine) == before
