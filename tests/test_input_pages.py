"""Input pages through AppTest on a demo SQLite database: operators sign in through
the form, fill the forms, see a receipt or the refusal under the field with what they
typed kept; pickers offer only their regions; the audit page is for admin and
provincial verifiers only."""

from __future__ import annotations

import uuid
from datetime import date

import pytest
import streamlit as st
from conftest import demo_database, login
from sqlalchemy import func, select
from streamlit.testing.v1 import AppTest

from sipantau import models as m
from sipantau.auth import get_actor
from sipantau.config import ROOT, settings
from sipantau.reports import OutOfScope, record_nphd_agreement, submit_stage_report

PDF = b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + bytes(64)


@pytest.fixture(scope="module")
def app_db(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('input') / 'sipantau.db'}"
    return url, demo_database(url, 5_000)


@pytest.fixture
def engine(app_db):
    return app_db[1]


@pytest.fixture
def docs_dir(tmp_path):
    return tmp_path / "dokumen"


@pytest.fixture
def app(app_db, docs_dir, monkeypatch):
    monkeypatch.setenv("SIPANTAU_DATABASE_URL", app_db[0])
    monkeypatch.setenv("SIPANTAU_LANG", "id")
    monkeypatch.setenv("SIPANTAU_PUBLIC_READ", "0")
    monkeypatch.setenv("SIPANTAU_DOCUMENTS_DIR", str(docs_dir))
    settings.cache_clear()
    st.cache_data.clear()
    yield AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    settings.cache_clear()


def open_page(at: AppTest, page: str) -> AppTest:
    at.switch_page(f"pages/{page}.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def table(at: AppTest, column: str):
    """The first table on the page that has this column (st.dataframe keys are not exposed)."""
    for frame in at.dataframe:
        if column in frame.value.columns:
            return frame.value
    raise KeyError(column)


def form(at: AppTest, key: str):
    return next(f for f in at.form if f.key == key)


def message_after(block, widget_key: str) -> str | None:
    """The alert right after a widget inside a form: the refusal under that field."""
    children = list(block.children.values())
    for i, child in enumerate(children):
        if getattr(child, "key", None) == widget_key and i + 1 < len(children):
            return getattr(children[i + 1], "value", None)
    return None


def stage_id(engine, code: str, election: str = "pilkada-2024") -> int:
    with engine.connect() as conn:
        return conn.execute(select(m.Stage.id).where(m.Stage.election_code == election, m.Stage.code == code)).scalar()


def actor(engine, username):
    with engine.connect() as conn:
        return get_actor(conn, username)


def reports_where(engine, **where) -> int:
    sr = m.StageReport.__table__
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(sr).where(*(sr.c[k] == v for k, v in where.items()))
                            ).scalar()


def fill_stage_report(at: AppTest, engine, *, stage="kampanye", day=date(2024, 10, 24), progress=55.0,
                      status="berjalan", note="Rapat koordinasi"):
    at.selectbox(key="lap_tahapan").set_value(stage_id(engine, stage))
    at.date_input(key="lap_tanggal").set_value(day)
    at.number_input(key="lap_progres").set_value(progress)
    at.selectbox(key="lap_status").set_value(status)
    at.text_area(key="lap_catatan").set_value(note)
    at.button(key="lap_submit").click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


# ---- what the forms offer (pure, no Streamlit) ------------------------------------------


def test_region_options_follow_the_scope(engine):
    from sipantau import forms
    from sipantau.screens import input as screen

    with engine.connect() as conn:
        regions = forms.election_regions(conn, "pilkada-2024")
    pangkep, sulsel, admin, verifier = (actor(engine, u) for u in
                                        ("operator.pangkep", "operator.sulsel", "admin", "verifikator.sulsel"))
    assert list(screen.writable_regions(regions, pangkep)) == ["73.10"]
    province = list(screen.writable_regions(regions, sulsel))
    assert province[0] == "73" and all(c.startswith("73.") for c in province[1:]) and len(province) == 25
    assert len(screen.writable_regions(regions, admin)) == len(regions)
    assert screen.writable_regions(regions, verifier) == {}  # readers write nothing


def test_idempotency_key_is_stable_for_the_same_submission():
    from sipantau.auth import Actor
    from sipantau.screens import input as forms

    who, other = Actor(1, "a", "operator_kabkota", "73.10"), Actor(2, "b", "operator_kabkota", "73.10")
    values = {"region_code": "73.10", "progress": 50.0, "situation_date": date(2024, 10, 24), "note": "x"}
    key = forms.form_key("nonce", who, "lap", values)
    assert key == forms.form_key("nonce", who, "lap", dict(values)) and key.startswith("form:") and len(key) <= 80
    assert key != forms.form_key("nonce", who, "lap", values | {"progress": 51.0})
    assert key != forms.form_key("nonce2", who, "lap", values)
    assert key != forms.form_key("nonce", other, "lap", values)
    assert key != forms.form_key("nonce", who, "hmb", values)


def test_receipt_times_are_told_in_jakarta_time():
    from datetime import UTC, datetime

    from sipantau.screens import input as forms

    assert forms.moment(datetime(2024, 11, 20, 17, 30, tzinfo=UTC)) == "21 Nov 2024 00.30 WIB"
    assert forms.moment(datetime(2024, 11, 20, 17, 30)) == "21 Nov 2024 00.30 WIB"  # SQLite: naive UTC
    assert forms.shown(57.5) == "57,5" and forms.shown(date(2024, 10, 24)) == "24 Oktober 2024"
    assert forms.shown(None) == "–" and forms.shown(1_500_000_000) == "1.500.000.000"


# ---- stage report ---------------------------------------------------------------------


def test_operator_submits_a_stage_report_and_sees_a_receipt(app, engine):
    at = open_page(login(app, "operator.pangkep"), "report_stage")
    assert at.title[0].value == "Laporan tahapan"
    note = f"Rapat koordinasi {uuid.uuid4().hex[:6]}"
    fill_stage_report(at, engine, note=note, progress=57.5)
    assert not at.error
    receipt = at.success[0].value
    assert "STAGE_REPORT-" in receipt and "WIB" in receipt
    assert "Referensi" in receipt and "Dicatat" in receipt
    receipt_table = table(at, "Isian")
    stored = dict(zip(receipt_table["Isian"], receipt_table["Nilai"], strict=True))
    assert stored["Catatan"] == note and stored["Tanggal situasi"] == "24 Oktober 2024"
    assert stored["Wilayah"] == "73.10 · Kabupaten Pangkajene dan Kepulauan" and stored["Progres (%)"] == "57,5"
    assert reports_where(engine, region_code="73.10", note=note, progress=57.5) == 1
    assert note in set(table(at, "Referensi")["Catatan"])

    # A double click (or a retry) sends the same values again: stored once, same reference.
    reference = receipt.split("`")[1]
    at.button(key="lap_submit").click().run()
    assert not at.success and reference in at.info[0].value
    assert reports_where(engine, region_code="73.10", note=note) == 1


def test_a_refusal_shows_under_its_field_in_indonesian_and_keeps_what_was_typed(app, engine):
    at = open_page(login(app, "operator.pangkep"), "report_stage")
    note = "Catatan yang tidak boleh hilang"
    before = reports_where(engine, region_code="73.10")
    fill_stage_report(at, engine, status="selesai", progress=50.0, note=note)
    errors = [e.value for e in at.error]
    assert "Status selesai memerlukan progres 100%." in errors
    assert not at.success
    assert reports_where(engine, region_code="73.10") == before
    # What the operator typed is still there.
    assert at.number_input(key="lap_progres").value == 50.0
    assert at.selectbox(key="lap_status").value == "selesai"
    assert at.text_area(key="lap_catatan").value == note
    assert at.date_input(key="lap_tanggal").value == date(2024, 10, 24)
    # The message sits right under the status field, inside the form.
    assert message_after(form(at, "lap_form"), "lap_status") == "Status selesai memerlukan progres 100%."

    # A date outside the election is refused under the date field.
    at.date_input(key="lap_tanggal").set_value(date(2022, 1, 5))
    at.selectbox(key="lap_status").set_value("berjalan")
    at.button(key="lap_submit").click().run()
    assert any("di luar masa pemilihan" in e.value for e in at.error)
    assert reports_where(engine, region_code="73.10") == before


def test_the_region_picker_offers_only_the_operators_region(app):
    at = open_page(login(app, "operator.pangkep"), "report_stage")
    picker = at.selectbox(key="input_region")
    assert picker.value == "73.10"
    assert picker.options == ["73.10 · Kabupaten Pangkajene dan Kepulauan"]


def test_a_province_operator_is_offered_its_province_and_regencies(app):
    at = open_page(login(app, "operator.sulsel"), "report_stage")
    codes = [o.split(" · ")[0] for o in at.selectbox(key="input_region").options]
    assert codes[0] == "73" and all(c == "73" or c.startswith("73.") for c in codes) and "73.10" in codes


def test_another_operator_cannot_touch_73_10(app, engine):
    at = login(app, "operator.maros")
    # Forcing the picker to a region outside the scope: the page falls back to an offered one.
    at.session_state["input_region"] = "73.10"
    at = open_page(at, "report_stage")
    picker = at.selectbox(key="input_region")
    assert picker.options == ["73.09 · Kabupaten Maros"] and picker.value == "73.09"
    before = reports_where(engine, region_code="73.10")
    note = f"maros {uuid.uuid4().hex[:6]}"
    fill_stage_report(at, engine, note=note)
    assert at.success
    assert reports_where(engine, region_code="73.10") == before
    assert reports_where(engine, region_code="73.09", note=note) == 1
    # And a request forced past the page is refused by the service layer.
    with pytest.raises(OutOfScope, match="tidak berwenang"):
        submit_stage_report(engine, actor(engine, "operator.maros"), region_code="73.10",
                            stage_id=stage_id(engine, "kampanye"), situation_date=date(2024, 10, 24), progress=50.0,
                            status="berjalan", note="paksa")
    assert reports_where(engine, region_code="73.10") == before


# ---- obstacles ----------------------------------------------------------------------------


def test_an_obstacle_with_a_follow_up_and_closing_evidence(app, engine):
    at = open_page(login(app, "operator.pangkep"), "report_obstacle")
    description = f"Kotak suara rusak di gudang {uuid.uuid4().hex[:6]}"
    at.selectbox(key="hmb_kategori").set_value("logistik")
    at.selectbox(key="hmb_tingkat").set_value("tinggi")
    at.text_area(key="hmb_uraian").set_value(description)
    at.text_input(key="hmb_pj").set_value("")
    at.date_input(key="hmb_tanggal").set_value(date(2024, 11, 18))
    at.button(key="hmb_submit").click().run()
    assert any(e.value == "Wajib diisi." for e in at.error)  # under "penanggung jawab"
    assert at.text_area(key="hmb_uraian").value == description
    at.text_input(key="hmb_pj").set_value("KPU Kabupaten")
    at.button(key="hmb_submit").click().run()
    assert not at.exception and not at.error
    assert "OBSTACLE-" in at.success[0].value
    ob = m.Obstacle.__table__
    with engine.connect() as conn:
        obstacle_id = conn.execute(select(ob.c.id).where(ob.c.description == description)).scalar()
    assert obstacle_id

    # Follow-up: closing without evidence is refused, with evidence it closes.
    at.selectbox(key="tl_hambatan").set_value(obstacle_id).run()
    at.date_input(key="tl_tanggal").set_value(date(2024, 11, 19))
    at.text_input(key="tl_pelaksana").set_value("KPU Kabupaten")
    at.text_area(key="tl_uraian").set_value("Kotak suara diganti dari gudang provinsi")
    at.selectbox(key="tl_status").set_value("selesai")
    at.button(key="tl_submit").click().run()
    assert any(e.value == "Wajib diisi." for e in at.error)
    with engine.connect() as conn:
        assert conn.execute(select(ob.c.status).where(ob.c.id == obstacle_id)).scalar() == "baru"
    at.text_area(key="tl_bukti").set_value("BA serah terima 12/XI/2024")
    at.button(key="tl_submit").click().run()
    assert not at.exception and not at.error
    assert "OBSTACLE_ACTION-" in at.success[0].value
    with engine.connect() as conn:
        assert conn.execute(select(ob.c.status, ob.c.closed_date).where(ob.c.id == obstacle_id)).one() == (
            "selesai", date(2024, 11, 19))
    actions = table(at, "Bukti penyelesaian")
    assert "BA serah terima 12/XI/2024" in set(actions["Bukti penyelesaian"])


# ---- NPHD -----------------------------------------------------------------------------------


def current_agreement(engine, counterparty: str):
    from sipantau.reports import current_agreement as current

    with engine.connect() as conn:
        return current(conn, "pilkada-2024", "73.10", counterparty)


def test_an_nphd_disbursement_and_its_checks(app, engine):
    agreement = current_agreement(engine, "TNI")
    if agreement is None or agreement["signed_date"] is None:  # make sure a signed TNI agreement exists
        record_nphd_agreement(engine, actor(engine, "operator.pangkep"), election_code="pilkada-2024",
                              region_code="73.10", counterparty_code="TNI", agreed_value=5_000_000_000,
                              signed_date=date(2024, 6, 1), replaces_id=agreement["id"] if agreement else None)
        agreement = current_agreement(engine, "TNI")
    with engine.connect() as conn:
        from sipantau.reports.nphd import _disbursed

        room = agreement["agreed_value"] - _disbursed(conn, agreement)
    at = open_page(login(app, "operator.pangkep"), "report_nphd")
    at.selectbox(key="cair_nphd").set_value(agreement["id"])
    # More than the agreement allows: refused under the amount, the typed values kept.
    at.number_input(key="cair_tahap").set_value(5)
    at.number_input(key="cair_jumlah").set_value(int(room) + 1)
    at.date_input(key="cair_tanggal").set_value(date(2024, 11, 20))
    at.button(key="cair_submit").click().run()
    assert any("melebihi nilai NPHD" in e.value for e in at.error)
    assert at.number_input(key="cair_jumlah").value == int(room) + 1
    assert at.selectbox(key="cair_nphd").value == agreement["id"]
    if room > 0:
        amount = min(int(room), 1_000_000)
        at.number_input(key="cair_jumlah").set_value(amount)
        at.button(key="cair_submit").click().run()
        assert not at.exception and not at.error
        assert "NPHD_DISBURSEMENT-" in at.success[0].value
        nd = m.NphdDisbursement.__table__
        with engine.connect() as conn:
            assert conn.execute(select(func.count()).select_from(nd).where(
                nd.c.agreement_id == agreement["id"], nd.c.tranche == 5, nd.c.amount == amount)).scalar() == 1


def test_a_second_agreement_for_a_counterparty_must_be_a_correction(app, engine):
    kpu = current_agreement(engine, "KPU")
    assert kpu is not None  # the demo signs KPU everywhere
    at = open_page(login(app, "operator.pangkep"), "report_nphd")
    at.selectbox(key="nphd_mitra").set_value("KPU")
    at.number_input(key="nphd_nilai").set_value(kpu["agreed_value"] + 1_000_000)
    at.date_input(key="nphd_ttd").set_value(date(2024, 6, 2))
    at.button(key="nphd_submit").click().run()
    assert any("kirim sebagai koreksi" in e.value for e in at.error)
    at.checkbox(key="nphd_koreksi").check()
    at.button(key="nphd_submit").click().run()
    assert not at.error and "NPHD_AGREEMENT-" in at.success[0].value
    corrected = current_agreement(engine, "KPU")
    assert corrected["replaces_id"] == kpu["id"] and corrected["agreed_value"] == kpu["agreed_value"] + 1_000_000


def test_a_disbursement_before_signing_is_refused(app, engine):
    at = open_page(login(app, "operator.pangkep"), "report_nphd")
    at.number_input(key="cair_tahap").set_value(6)
    at.number_input(key="cair_jumlah").set_value(1)
    at.date_input(key="cair_tanggal").set_value(date(2020, 1, 1))
    at.button(key="cair_submit").click().run()
    assert any("lebih awal dari" in e.value for e in at.error)
    assert not at.success


# ---- documents ------------------------------------------------------------------------------


def test_a_document_upload_shows_in_the_checklist(app, engine, docs_dir):
    at = open_page(login(app, "operator.pangkep"), "documents")
    before = table(at, "Keadaan")
    at.selectbox(key="dok_jenis").set_value("laporan-berkala")
    at.date_input(key="dok_tanggal").set_value(date(2024, 11, 15))
    content = PDF + uuid.uuid4().hex.encode()
    at.file_uploader(key="dok_berkas").upload("laporan-november.pdf", content, "application/pdf")
    at.button(key="dok_submit").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert "DOCUMENT-" in at.success[0].value
    files = [p for p in docs_dir.rglob("*") if p.is_file()]
    assert len(files) == 1 and files[0].read_bytes() == content
    after = table(at, "Keadaan").set_index("Jenis dokumen")
    assert after.loc["Laporan Berkala Pemantauan Tahapan", "Keadaan"] == "Ada"
    assert after.loc["Laporan Berkala Pemantauan Tahapan", "Berkas"] == "laporan-november.pdf"
    assert len(before) == len(after)
    assert any(b.label == "Laporan Berkala Pemantauan Tahapan" for b in at.get("download_button"))


def test_a_program_renamed_pdf_is_refused_on_the_page(app, engine, docs_dir):
    at = open_page(login(app, "operator.pangkep"), "documents")
    doc = m.Document.__table__
    with engine.connect() as conn:
        before = conn.execute(select(func.count()).select_from(doc)).scalar()
    at.file_uploader(key="dok_berkas").upload("surat.pdf", EXE, "application/pdf")
    at.button(key="dok_submit").click().run()
    assert any("bukan PDF, PNG atau JPEG" in e.value and "program Windows" in e.value for e in at.error)
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(doc)).scalar() == before
    assert not docs_dir.exists() or not any(p.is_file() for p in docs_dir.rglob("*"))


# ---- import -----------------------------------------------------------------------------------


def test_import_previews_then_stores_all_rows(app, engine):
    at = open_page(login(app, "operator.pangkep"), "import_data")
    assert [b.label for b in at.get("download_button")][:2] == ["Templat Excel", "Templat CSV"]
    day = f"{(uuid.uuid4().int % 20) + 1:02d}/10/2024"
    note = f"impor {uuid.uuid4().hex[:6]}"
    csv = (f"pemilihan;wilayah;tahapan;tanggal_situasi;progres;status;catatan\n"
           f"pilkada-2024;73.10;kampanye;{day};40;berjalan;{note}\n"
           f"pilkada-2024;73.10;logistik;{day};30;berjalan;{note}\n").encode()
    at.file_uploader(key="imp_berkas_0").upload("laporan.csv", csv, "text/csv").run()
    assert not at.exception
    metrics = {x.label: x.value for x in at.metric}
    assert metrics == {"Baris diperiksa": "2", "Data baru": "2", "Sudah tersimpan": "0"}
    assert reports_where(engine, note=note) == 0  # the preview stores nothing
    at.button(key="imp_commit").click().run()
    assert not at.exception
    assert reports_where(engine, note=note) == 2
    assert "2 data baru disimpan" in at.success[0].value


def test_import_lists_every_problem_and_stores_nothing(app, engine):
    at = open_page(login(app, "operator.pangkep"), "import_data")
    csv = ("pemilihan;wilayah;tahapan;tanggal_situasi;progres;status;catatan\n"
           "pilkada-2024;73.10;kampanye;24/10/2024;150;berjalan;x\n"
           "pilkada-2024;73.09;kampanye;24/10/2024;40;berjalan;y\n").encode()
    before = reports_where(engine, region_code="73.10")
    at.file_uploader(key="imp_berkas_0").upload("salah.csv", csv, "text/csv").run()
    errors = table(at, "pesan")
    assert list(errors.columns) == ["baris", "kolom", "pesan"]
    assert set(errors["baris"]) == {2, 3}
    assert "Berkas ditolak" in at.error[0].value
    assert not [b for b in at.button if b.key == "imp_commit"]
    assert reports_where(engine, region_code="73.10") == before


# ---- audit and navigation ------------------------------------------------------------------------


def test_audit_page_shows_the_writes_for_admin(app, engine):
    note = f"untuk audit {uuid.uuid4().hex[:6]}"
    receipt = submit_stage_report(engine, actor(engine, "operator.pangkep"), region_code="73.10",
                                  stage_id=stage_id(engine, "kampanye"), situation_date=date(2024, 10, 23),
                                  progress=33.0, status="berjalan", note=note)
    at = open_page(login(app, "admin"), "audit")
    assert at.title[0].value == "Log audit"
    at.selectbox(key="audit_pengguna").set_value("operator.pangkep").run()
    rows = table(at, "Sesudah")
    assert set(rows["Pengguna"]) == {"operator.pangkep"}
    row = rows[rows["ID data"] == receipt.id].iloc[0]
    assert row["Data"] == "stage_report" and row["Aksi"] == "buat" and note in row["Sesudah"]
    assert {b.label for b in at.get("download_button")} >= {"Unduh CSV", "Unduh Excel"}
    at.text_input(key="audit_wilayah").set_value("73.10").run()
    assert set(table(at, "Sesudah")["Wilayah"]) == {"73.10"}


def test_audit_is_not_offered_to_an_operator(app):
    at = login(app, "operator.pangkep")
    with pytest.raises(ValueError, match="navigation page"):
        at.switch_page("pages/audit.py")
    with pytest.raises(ValueError, match="navigation page"):
        at.switch_page("pages/users.py")


def test_a_provincial_verifier_sees_only_its_province(app, engine):
    at = open_page(login(app, "verifikator.sulsel"), "audit")
    if at.dataframe:
        assert all(r == "73" or r.startswith("73.") for r in table(at, "Sesudah")["Wilayah"])
    at.text_input(key="audit_wilayah").set_value("35").run()
    assert any("hanya dapat melihat" in e.value for e in at.error)
    with pytest.raises(ValueError, match="navigation page"):
        at.switch_page("pages/report_stage.py")


def test_account_page_shows_role_and_scope(app):
    at = open_page(login(app, "operator.pangkep"), "account")
    info = table(at, "Isian")
    values = dict(zip(info["Isian"], info["Nilai"], strict=True))
    assert values["Peran"] == "Operator kabupaten/kota"
    assert "73.10" in values["Kewenangan"]
    at.text_input(key="akun_lama").input("salah-sekali-123")
    at.text_input(key="akun_baru").input("SandiBaru-2025!")
    at.text_input(key="akun_ulang").input("SandiBaru-2025!")
    at.button(key="akun_submit").click().run()
    assert at.error[0].value == "Kata sandi lama salah."


def test_pages_speak_english_when_asked(app, engine):
    app.query_params["bahasa"] = "English"
    at = open_page(login(app, "operator.pangkep"), "report_stage")
    assert at.title[0].value == "Stage report"
    assert at.selectbox(key="input_region").label == "Region"


def test_a_refusal_under_its_field_speaks_english_when_asked(app, engine):
    """The rulebook's problem, worded by the catalog in the reader's language (issue 8)."""
    app.query_params["bahasa"] = "English"
    at = open_page(login(app, "operator.pangkep"), "report_stage")
    fill_stage_report(at, engine, status="selesai", progress=50.0)
    assert message_after(form(at, "lap_form"), "lap_status") == "The status completed needs progress 100%."
    assert not at.success
