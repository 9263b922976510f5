"""The one rulebook (sipantau.rules): each field rule answers with a code and parameters;
the catalog words every code in both languages with the same placeholders; and a refusal
reads the same wherever it happens, on the write side (what a form submits) and in an
import, with one date format (DD/MM/YYYY) in every message."""

from __future__ import annotations

import re
import string
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from sipantau import i18n, rules
from sipantau import models as m
from sipantau.ingest import ImportRefused, import_file
from sipantau.reports import (
    InvalidInput,
    OutOfScope,
    record_nphd_agreement,
    record_nphd_disbursement,
    record_obstacle,
    submit_stage_report,
)
from sipantau.rules import Problem

SIPANTAU = Path(__file__).resolve().parents[1] / "sipantau"
TODAY = date(2024, 12, 31)  # conftest.frozen_today


def placeholders(text: str) -> list[tuple[str, str]]:
    return sorted((name, spec) for _, name, spec, _ in string.Formatter().parse(text) if name is not None)


# ---- the catalog ----------------------------------------------------------------------------


def test_every_refusal_and_field_name_has_both_languages_with_the_same_placeholders():
    keys = [key for key in i18n.TEXT if key.startswith(("err_", "field_"))]
    assert len(keys) > 80
    for key in keys:
        ind, eng = i18n.TEXT[key]
        assert ind.strip() and eng.strip(), key
        assert placeholders(ind) == placeholders(eng), key


def test_every_code_the_code_raises_is_in_the_catalog():
    """A problem code written anywhere in sipantau/ (rules, write side, import) has its words."""
    source = "\n".join(p.read_text() for p in SIPANTAU.rglob("*.py"))
    codes = set(re.findall(r'Problem\(\s*[^,()]+,\s*(?:f?)"([a-z_]+)"', source))
    codes |= set(re.findall(r'CellError\("([a-z_]+)"', source))
    codes |= {f"unknown_{what}" for what in re.findall(r'rules\.unknown\([^,()]+,\s*(?:col\.parse|"([a-z]+)")', source)
              if what}
    assert {"out_of_range", "bad_key", "unreadable_date", "unknown_region", "required_with"} <= codes
    assert not {code for code in codes if f"err_{code}" not in i18n.TEXT}


def test_fields_are_named_by_the_catalog_in_both_languages():
    assert i18n.field_name("tanggal situasi") == i18n.field_name("tanggal_situasi") == "tanggal situasi"
    assert i18n.field_name("nilai NPHD", "en") == "NPHD value"
    assert i18n.field_name("tahap_3_tanggal") == "tanggal pencairan tahap 3"
    assert i18n.field_name("tahap_3_tanggal", "en") == "tranche 3 date"
    assert i18n.field_name("bukan_kolom") == "bukan_kolom"


# ---- each rule once: a code and its parameters ------------------------------------------------


def test_rules_answer_with_codes_and_parameters():
    assert rules.check_progress("progres", 150) == Problem("progres", "out_of_range",
                                                           {"value": 150, "min": 0, "max": 100})
    assert rules.check_progress("progres", 100) is None and rules.check_progress("progres", True) is not None
    assert rules.status_progress("status", "selesai", 80) == Problem(
        "status", "status_needs_progress", {"status": "selesai", "required": 100, "value": 80})
    assert rules.status_progress("status", "belum_mulai", 0) is None
    assert rules.check_rupiah("jumlah", 0) == Problem("jumlah", "rupiah_range", {"value": 0, "max": rules.MAX_RUPIAH})
    assert rules.check_text("uraian", " \u200b ") == ("", Problem("uraian", "required"))
    assert rules.check_text("catatan", "x" * 5, limit=4) == ("xxxxx", Problem("catatan", "too_long",
                                                                           {"length": 5, "max": 4}))
    assert rules.check_day("tanggal", "2024-01-01", TODAY) == (None, Problem("tanggal", "not_a_date"))
    assert rules.check_day("tanggal", date(2025, 1, 1), TODAY)[1].code == "future_date"
    assert rules.check_day("tenggat", date(2025, 1, 1), TODAY, not_future=False) == (date(2025, 1, 1), None)


def test_the_earliest_day_says_why():
    floor = rules.record_earliest("pilkada-2024", date(2023, 11, 1))
    assert rules.too_early("t", date(2022, 10, 31), floor) == Problem("t", "date_before_election", {
        "value": date(2022, 10, 31), "min": date(2022, 11, 1), "election": "pilkada-2024", "lead_days": 365,
        "first_stage": date(2023, 11, 1)})
    assert rules.too_early("t", date(2022, 11, 1), floor) is None
    assert rules.record_earliest(None, None) == rules.PLAUSIBLE
    assert rules.too_early("t", date(1999, 12, 31), rules.PLAUSIBLE).code == "date_too_early"
    before = rules.too_early("tenggat", date(2024, 11, 1), rules.after("tanggal diketahui", date(2024, 11, 2)))
    assert before.params["other"] == "tanggal diketahui"


def test_every_date_in_a_message_is_dd_mm_yyyy_in_both_languages():
    problem = Problem("tanggal situasi", "outside_election", {"value": date(2022, 1, 5), "election": "pilkada-2024",
                                                             "first": date(2023, 11, 1), "last": date(2024, 12, 31)})
    for lang in ("id", "en"):
        text = i18n.problem(problem, lang)
        assert "05/01/2022" in text and "01/11/2023" in text and "31/12/2024" in text, text
        assert not re.search(r"\d{2}-\d{2}-\d{4}|\d{4}-\d{2}-\d{2}", text)


def test_a_message_renders_whatever_value_it_is_handed():
    for value in (10**5000, float("nan"), float("inf"), True, None, "x" * 10_000, "\x1b[31m", ["a", 1]):
        for lang in ("id", "en"):
            text = i18n.problem(Problem("progres", "out_of_range", {"value": value, "min": 0, "max": 100}), lang)
            assert len(text) < 200 and "\x1b" not in text


# ---- a refusal reads the same in a form and in an import ----------------------------------------

LAPORAN = "pemilihan;wilayah;tahapan;tanggal_situasi;progres;status;catatan"
HAMBATAN = "pemilihan;wilayah;tahapan;kategori;tingkat;uraian;penanggung_jawab;tanggal_diketahui;tenggat"
NPHD = "pemilihan;wilayah;mitra;nilai_nphd;tanggal_tanda_tangan;catatan;tahap_1_jumlah;tahap_1_tanggal"


def stage(engine, code: str = "kampanye") -> int:
    with engine.connect() as conn:
        return conn.execute(select(m.Stage.id).where(m.Stage.election_code == "pilkada-2024",
                                                     m.Stage.code == code)).scalar()


def report(engine, actor, **over):
    fields = dict(region_code="73.10", stage_id=stage(engine), situation_date=date(2024, 10, 24), progress=50.0,
                  status="berjalan", note="")
    return submit_stage_report(engine, actor, **(fields | over))


def obstacle(engine, actor, **over):
    fields = dict(election_code="pilkada-2024", region_code="73.10", category_code="alam", severity_code="tinggi",
                  description="Gelombang tinggi", owner="KPU", found_date=date(2024, 11, 20))
    return record_obstacle(engine, actor, **(fields | over))


def disbursement(engine, actor, **over):
    agreement = record_nphd_agreement(engine, actor, election_code="pilkada-2024", region_code="73.10",
                                      counterparty_code="KPU", agreed_value=1_000_000_000,
                                      signed_date=date(2023, 11, 10))
    return record_nphd_disbursement(engine, actor, agreement_id=agreement.id, tranche=1,
                                    **({"amount": 1_000, "disbursed_date": date(2023, 11, 20)} | over))


# write side (call, field), the same values in a file (header, row), the column refused
SAME_REFUSAL = {
    "progress out of range": (lambda e, a: report(e, a, progress=150.0), "progres",
                              LAPORAN, "pilkada-2024;73.10;kampanye;24/10/2024;150;berjalan;", "progres"),
    "date in the future": (lambda e, a: report(e, a, situation_date=date(2025, 1, 15)), "tanggal situasi",
                           LAPORAN, "pilkada-2024;73.10;kampanye;15/01/2025;50;berjalan;", "tanggal_situasi"),
    "date outside the election": (lambda e, a: report(e, a, situation_date=date(2022, 1, 5)), "tanggal situasi",
                                  LAPORAN, "pilkada-2024;73.10;kampanye;05/01/2022;50;berjalan;", "tanggal_situasi"),
    "status needs progress": (lambda e, a: report(e, a, status="selesai"), "status",
                              LAPORAN, "pilkada-2024;73.10;kampanye;24/10/2024;50;selesai;", "status"),
    "unknown status": (lambda e, a: report(e, a, status="hampir"), "status",
                       LAPORAN, "pilkada-2024;73.10;kampanye;24/10/2024;50;hampir;", "status"),
    "unknown region": (lambda e, a: report(e, a, region_code="73.99"), "wilayah",
                       LAPORAN, "pilkada-2024;73.99;kampanye;24/10/2024;50;berjalan;", "wilayah"),
    "region not in the election": (lambda e, a: report(e, a, region_code="31.71"), "wilayah",
                                   LAPORAN, "pilkada-2024;31.71;kampanye;24/10/2024;50;berjalan;", "wilayah"),
    "text too long": (lambda e, a: obstacle(e, a, owner="x" * 161), "penanggung jawab",
                      HAMBATAN, f"pilkada-2024;73.10;;alam;tinggi;Gelombang;{'x' * 161};20/11/2024;",
                      "penanggung_jawab"),
    "text invisible": (lambda e, a: obstacle(e, a, description="\u200b\u2060"), "uraian",
                       HAMBATAN, "pilkada-2024;73.10;;alam;tinggi;\u200b\u2060;KPU;20/11/2024;", "uraian"),
    "before the election's records": (lambda e, a: obstacle(e, a, found_date=date(2022, 10, 31)),
                                      "tanggal diketahui",
                                      HAMBATAN, "pilkada-2024;73.10;;alam;tinggi;Gelombang;KPU;31/10/2022;",
                                      "tanggal_diketahui"),
    "due before found": (lambda e, a: obstacle(e, a, due_date=date(2024, 11, 10)), "tenggat",
                         HAMBATAN, "pilkada-2024;73.10;;alam;tinggi;Gelombang;KPU;20/11/2024;10/11/2024", "tenggat"),
    "rupiah too large": (lambda e, a: record_nphd_agreement(e, a, election_code="pilkada-2024", region_code="73.10",
                                                            counterparty_code="KPU", agreed_value=10**20),
                         "nilai NPHD", NPHD, "pilkada-2024;73.10;KPU;100000000000000000000;;;;", "nilai_nphd"),
    "election without NPHD": (lambda e, a: record_nphd_agreement(e, a, election_code="pemilu-2024",
                                                                 region_code="73.10", counterparty_code="KPU",
                                                                 agreed_value=1_000),
                              "pemilihan", NPHD, "pemilu-2024;73.10;KPU;1000;;;;", "pemilihan"),
    "disbursed before signing": (lambda e, a: disbursement(e, a, disbursed_date=date(2023, 11, 1)),
                                 "tanggal pencairan",
                                 NPHD, "pilkada-2024;73.10;KPU;1000000000;10/11/2023;;1000;01/11/2023",
                                 "tahap_1_tanggal"),
}


@pytest.mark.parametrize("case", list(SAME_REFUSAL))
def test_a_refusal_reads_the_same_in_a_form_and_in_an_import(engine, admin, case):
    write, field, header, row, column = SAME_REFUSAL[case]
    with pytest.raises(InvalidInput) as form:
        write(engine, admin)
    with pytest.raises(ImportRefused) as upload:
        import_file(engine, admin, None, "berkas.csv", f"{header}\n{row}\n".encode())
    errors = upload.value.errors
    imported = errors[(errors["baris"] == 2) & (errors["kolom"] == column)]["pesan"].tolist()
    assert imported == [form.value.errors[field]], errors.to_string()


def test_out_of_scope_reads_the_same_in_a_form_and_in_an_import(engine, op_pangkep):
    with pytest.raises(OutOfScope) as form:
        report(engine, op_pangkep, region_code="73.09")
    with pytest.raises(ImportRefused) as upload:
        import_file(engine, op_pangkep, None, "b.csv",
                    f"{LAPORAN}\npilkada-2024;73.09;kampanye;24/10/2024;50;berjalan;\n".encode())
    message = upload.value.errors["pesan"].iloc[0]
    assert str(form.value) == message[:1].upper() + message[1:]
    assert form.value.message("en") == "The user op.pangkep may not write data for the region 73.09."


def test_the_write_side_speaks_english_when_asked(engine, admin):
    with pytest.raises(InvalidInput) as refused:
        report(engine, admin, status="selesai", situation_date=date(2025, 1, 15), note="x" * 5000)
    assert refused.value.errors["status"] == "status selesai memerlukan progres 100%."
    assert refused.value.messages("en") == {
        "tanggal situasi": "the date 15/01/2025 is in the future.",
        "status": "the status completed needs progress 100%.",
        "catatan": "too long (5,000 characters, at most 4,000).",
    }
