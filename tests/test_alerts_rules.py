"""Early-warning detection (sipantau.alerts): hand-computed fixtures per rule at the edge
of its threshold, the trend projection, escalation, wording and the reference tables.
Pure frames and CSV files; no database."""

from __future__ import annotations

import json
import shutil
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import pytest

from sipantau import alerts
from sipantau.alerts import AlertInputs, Detector, RuleError, detect, escalation_level, explain

REF = Path(__file__).resolve().parent.parent / "data" / "reference"
D0 = date(2024, 6, 1)
PROVINCE, REGENCY = "73", "73.10"
REGIONS = pd.DataFrame({"region_code": [PROVINCE, REGENCY], "level": ["province", "regency"]})
COUNTERPARTIES = ("KPU", "BAWASLU", "TNI", "POLRI")


def day(n: int) -> date:
    """Day n of the fixtures' calendar (day 1 = 1 June 2024)."""
    return D0 + timedelta(days=int(n) - 1)


def stages(*rows: tuple) -> pd.DataFrame:
    """(stage_id, code, first day, last day) in fixture days; dates as `date` objects, as Snapshot has them."""
    return pd.DataFrame([(i, code, day(a), day(b)) for i, code, a, b in rows],
                        columns=["stage_id", "code", "start_date", "end_date"])


def grid(*rows: tuple) -> pd.DataFrame:
    """(region, stage_id, progress, expected, report day)."""
    df = pd.DataFrame(rows, columns=["region_code", "stage_id", "progress", "expected", "report_day"])
    df["lag"] = (df["expected"] - df["progress"]).round(2)
    df["situation_date"] = pd.to_datetime([day(n) for n in df.pop("report_day")])
    return df


def reports(*rows: tuple) -> pd.DataFrame:
    """(region, stage_id, report day, progress)."""
    df = pd.DataFrame(rows, columns=["region_code", "stage_id", "report_day", "progress"])
    df["situation_date"] = pd.to_datetime([day(n) for n in df.pop("report_day")])
    return df


@pytest.fixture(scope="module")
def book() -> alerts.RuleBook:
    return alerts.load_rules()


def warnings(book, inputs: AlertInputs, on: int, rule: str, **kw) -> pd.DataFrame:
    w = detect(inputs, book, day(on), **kw)
    return w[w["rule_code"] == rule].reset_index(drop=True)


# ---- reference tables ---------------------------------------------------------------------------------------


def read(name: str) -> pd.DataFrame:
    return pd.read_csv(REF / name, dtype=str, keep_default_na=False, encoding="utf-8")


def test_units_are_the_issue_list_with_sources() -> None:
    units = read("units.csv")
    assert list(units.columns) == ["code", "order", "name_id", "name_en", "levels", "offices", "role_id", "role_en",
                                   "source"]
    assert list(units["code"]) == ["kesbangpol-kabkota", "kesbangpol-provinsi", "inspektorat", "bpkad", "kpu",
                                   "bawaslu", "tni", "polri", "kemendagri-polpum"]
    for col in ("name_id", "name_en", "levels", "role_id", "role_en", "source"):
        assert (units[col] != "").all(), col
    assert units["levels"].map(lambda v: set(v.split(";")) <= set(alerts.LEVELS)).all()
    assert alerts.load_units().at["kemendagri-polpum", "levels"] == "pusat"


def test_every_rule_has_a_detector_or_is_marked_provided_later(book) -> None:
    rules = book.rules
    later = rules["provided_later"]
    assert rules.loc[~later, "detector"].isin(list(alerts.DETECTORS)).all()
    # A detector added to alerts/detectors.py must clear the flag, so the table never lies.
    assert not rules.loc[later, "detector"].isin(list(alerts.DETECTORS)).any()
    assert list(rules.loc[later, "code"]) == ["logistik-berisiko"]


def test_every_unit_referenced_exists_at_its_level(book) -> None:
    units = alerts.load_units()
    for _, route in book.routes.iterrows():
        for level in alerts.LEVELS:
            unit = route[f"owner_{level}"]
            assert unit in units.index, unit
            assert level in units.at[unit, "levels"].split(";"), (unit, level)


def test_every_rule_has_the_parameters_its_detector_reads(book) -> None:
    for code, rule in book.rules[~book.rules["provided_later"]].iterrows():
        declared = alerts.DETECTORS[rule["detector"]].params
        assert set(rule["params"]) == set(declared), code
        for name, kind in declared.items():
            assert isinstance(rule["params"][name], kind), (code, name)


def test_rule_severities_kinds_and_routes(book) -> None:
    assert set(book.rules["severity"]) <= set(read("severities.csv")["code"])
    assert set(book.routes["category_code"]) - {""} <= set(read("obstacle_categories.csv")["code"])
    defaults = book.routes[book.routes["category_code"] == ""]
    assert set(defaults["kind"]) == set(book.rules["kind"])
    assert defaults["kind"].is_unique


def test_document_stages_name_real_documents_and_stages() -> None:
    table = read("document_stages.csv")
    assert set(table["requirement_code"]) <= set(read("document_requirements.csv")["code"])
    stage_keys = set(zip(read("stages.csv")["election_code"], read("stages.csv")["code"]))
    assert set(zip(table["election_code"], table["stage_code"])) <= stage_keys
    pilkada = alerts.load_document_stages("pilkada-2024")
    assert pilkada.loc[pilkada["requirement_code"] == "nphd-tni", "stage_code"].item() == "pencairan-nphd"


def copy_reference(tmp_path: Path) -> Path:
    for name in REF.glob("*.csv"):
        shutil.copy(name, tmp_path / name.name)
    return tmp_path


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1
    path.write_text(text.replace(old, new), encoding="utf-8")


@pytest.mark.parametrize("file,old,new,message", [
    ("warning_parameters.csv", "kantor-senyap,cadence_days,7,", "kantor-senyap,cadence_days,tujuh,",
     "warning_parameters.csv baris 2, kolom value: 'tujuh' harus bilangan bulat"),
    ("warning_parameters.csv", "tahapan-kritis,max_lag,25,", "tahapan-kritis,max_lag,-1,",
     "warning_parameters.csv baris 3, kolom value: '-1' harus angka 0–10000"),
    ("warning_parameters.csv", "window_days,28,", "window_days,99999999999,",
     "warning_parameters.csv baris 4, kolom value: '99999999999' harus bilangan bulat 0–10000"),
    ("warning_parameters.csv", "kantor-senyap,cadence_days,", "kantor-senyap,cadence,",
     "warning_parameters.csv baris 2, kolom name: kantor-senyap tidak memakai parameter 'cadence'"),
    ("warning_rules.csv", "silence,0,sedang,", "silence,0,parah,",
     "warning_rules.csv baris 2, kolom severity: 'parah' tidak ada di severities.csv"),
    ("warning_rules.csv", "silence,0,sedang,7,", "silence,0,sedang,0,",
     "warning_rules.csv baris 2, kolom escalate_days"),
    ("warning_routes.csv", "pelaporan,,kesbangpol-kabkota,", "pelaporan,,kesbangpol-kecamatan,",
     "warning_routes.csv baris 2, kolom owner_kabkota: unit 'kesbangpol-kecamatan' tidak ada di units.csv"),
    ("warning_routes.csv", "dokumen,,kesbangpol-kabkota,kesbangpol-provinsi,",
     "dokumen,,kesbangpol-kabkota,kemendagri-polpum,",
     "warning_routes.csv baris 13, kolom owner_provinsi: unit 'kemendagri-polpum' tidak ada di tingkat provinsi"),
])
def test_a_bad_reference_row_is_named_in_bahasa(tmp_path, file, old, new, message) -> None:
    ref = copy_reference(tmp_path)
    edit(ref / file, old, new)
    with pytest.raises(RuleError) as err:
        alerts.load_rules(ref)
    assert str(err.value).startswith(message)


def test_a_rule_without_its_parameters_is_refused(tmp_path) -> None:
    ref = copy_reference(tmp_path)
    edit(ref / "warning_parameters.csv", "kantor-senyap,cadence_days,7,hari,peringatan bila hari tanpa laporan lebih "
         "dari ini (selama ada tahapan berjalan)\n", "")
    with pytest.raises(RuleError, match="warning_rules.csv baris 2, kolom code: kantor-senyap belum punya parameter "
                                        "cadence_days"):
        alerts.load_rules(ref)


# ---- office silent ------------------------------------------------------------------------------------------


def silent_inputs(last_report: dict[str, int | None]) -> AlertInputs:
    return AlertInputs(regions=REGIONS, stages=stages((1, "tahap-a", 1, 60)), compliance=pd.DataFrame({
        "region_code": list(last_report),
        "last_report": pd.to_datetime([day(n) if pd.notna(n) else None for n in last_report.values()])}))


def test_silence_fires_the_day_after_the_cadence_runs_out(book) -> None:
    inputs = silent_inputs({REGENCY: 10, PROVINCE: 12})
    assert warnings(book, inputs, 17, "kantor-senyap").empty  # 7 days: due today, not late
    w = warnings(book, inputs, 18, "kantor-senyap")
    assert list(w["region_code"]) == [REGENCY]
    assert w.at[0, "evidence"] == {"days_silent": 8, "cadence_days": 7, "last_report": "2024-06-10"}
    assert w.at[0, "since"] == pd.Timestamp(day(18))
    assert (w.at[0, "level"], w.at[0, "owner_unit"]) == ("kabkota", "kesbangpol-kabkota")


def test_silence_of_a_province_office_starts_at_provinsi(book) -> None:
    w = warnings(book, silent_inputs({REGENCY: 18, PROVINCE: 12}), 20, "kantor-senyap")
    assert list(w["region_code"]) == [PROVINCE]
    row = w.iloc[0]
    assert (row["level"], row["owner_unit"], row["owner_provinsi"], row["owner_pusat"]) == (
        "provinsi", "kesbangpol-provinsi", "kesbangpol-provinsi", "kemendagri-polpum")
    assert row["owner_kabkota"] is None


def test_silence_counts_only_while_a_stage_runs(book) -> None:
    never = silent_inputs({REGENCY: None, PROVINCE: None})
    # Never reported: silence counts from the stage start (day 1), so day 8 is 7 days.
    assert warnings(book, never, 8, "kantor-senyap").empty
    w = warnings(book, never, 9, "kantor-senyap")
    assert set(w["region_code"]) == {PROVINCE, REGENCY}
    assert w.at[0, "evidence"]["last_report"] is None
    # After the last stage ends nothing is due, however long the silence.
    assert warnings(book, never, 90, "kantor-senyap").empty


def test_changing_a_threshold_in_the_table_changes_the_outcome(tmp_path, book) -> None:
    inputs = silent_inputs({REGENCY: 10, PROVINCE: 19})
    assert len(warnings(book, inputs, 20, "kantor-senyap")) == 1
    ref = copy_reference(tmp_path)
    edit(ref / "warning_parameters.csv", "kantor-senyap,cadence_days,7,", "kantor-senyap,cadence_days,14,")
    assert warnings(alerts.load_rules(ref), inputs, 20, "kantor-senyap").empty
    assert len(warnings(alerts.load_rules(ref), inputs, 25, "kantor-senyap")) == 1


# ---- stage lag ----------------------------------------------------------------------------------------------


def test_critical_lag_fires_above_the_threshold_only(book) -> None:
    inputs = AlertInputs(regions=REGIONS, stages=stages((1, "tahap-a", 1, 30)),
                         grid=grid((REGENCY, 1, 25.0, 50.0, 9), (PROVINCE, 1, 24.99, 50.0, 9)))
    w = warnings(book, inputs, 10, "tahapan-kritis")
    assert list(w["region_code"]) == [PROVINCE]  # lag 25.01; the regency's 25 is not above 25
    assert w.at[0, "subject"] == "tahap-a"
    assert w.at[0, "evidence"] == {"stage": "tahap-a", "progress": 24.99, "expected": 50.0, "lag": 25.01,
                                   "max_lag": 25.0, "situation_date": "2024-06-09"}
    assert w.at[0, "owner_unit"] == "kpu"


# ---- trend projection ---------------------------------------------------------------------------------------


def projection(book, rows, end: int = 30, on: int = 10) -> pd.DataFrame:
    inputs = AlertInputs(regions=REGIONS, stages=stages((1, "tahap-a", 1, end)), reports=reports(*rows))
    return warnings(book, inputs, on, "tahapan-proyeksi-terlambat")


def test_rising_two_points_a_day_from_40_on_day_10_finishes_day_40_and_is_flagged(book) -> None:
    # 24 → 32 → 40 over days 2, 6, 10: 2 points/day; 60 points left → 30 days → day 40,
    # 10 days after the day-30 end. Expected on day 10 is 33.3%: the office is ahead today.
    w = projection(book, [(REGENCY, 1, 2, 24), (REGENCY, 1, 6, 32), (REGENCY, 1, 10, 40)])
    assert len(w) == 1
    ev = w.at[0, "evidence"]
    assert (ev["rate_per_day"], ev["projected_finish"], ev["end_date"], ev["days_late"]) == (
        2.0, "2024-07-10", "2024-06-30", 10)
    assert (ev["reports"], ev["span_days"], ev["progress"], ev["variant"]) == (3, 8, 40.0, None)


def test_rising_five_points_a_day_finishes_day_22_and_is_not_flagged(book) -> None:
    assert projection(book, [(REGENCY, 1, 2, 0), (REGENCY, 1, 6, 20), (REGENCY, 1, 10, 40)]).empty
    trend = alerts.trend(reports((REGENCY, 1, 2, 0), (REGENCY, 1, 6, 20), (REGENCY, 1, 10, 40)), day(10), 28, 3, 7)
    assert trend.at[0, "rate_per_day"] == pytest.approx(5.0)
    assert alerts.projected_finish(trend)[0] == pd.Timestamp(day(22))


def test_a_single_report_is_not_enough_data(book) -> None:
    assert projection(book, [(REGENCY, 1, 10, 40)]).empty
    assert alerts.trend(reports((REGENCY, 1, 10, 40)), day(10), 28, 3, 7).empty
    # Two report days are still fewer than min_reports = 3, and 3 within 6 days span too little.
    assert projection(book, [(REGENCY, 1, 6, 32), (REGENCY, 1, 10, 40)]).empty
    assert projection(book, [(REGENCY, 1, 4, 10), (REGENCY, 1, 7, 11), (REGENCY, 1, 10, 12)]).empty


def test_grace_days_boundary(book) -> None:
    rows = [(REGENCY, 1, 2, 24), (REGENCY, 1, 6, 32), (REGENCY, 1, 10, 40)]  # finishes day 40
    assert projection(book, rows, end=37).empty  # 3 days late = grace
    assert projection(book, rows, end=36).at[0, "evidence"]["days_late"] == 4


def test_a_dip_is_read_as_the_earlier_level(book) -> None:
    # Day 8 reports 10 after 32 on day 6: read as 32. Levels 24, 32, 32, 40 on days 2, 6, 8, 10:
    # slope = Σ(t−6.5)(y−32) / Σ(t−6.5)² = 64 / 35 = 1.83 points/day; 60 / (64/35) = 32.8 → 33 days → day 43.
    w = projection(book, [(REGENCY, 1, 2, 24), (REGENCY, 1, 6, 32), (REGENCY, 1, 8, 10), (REGENCY, 1, 10, 40)])
    ev = w.at[0, "evidence"]
    assert ev["rate_per_day"] == round(64 / 35, 2)
    assert ev["projected_finish"] == "2024-07-13"
    assert ev["reports"] == 4


def test_the_last_report_of_a_day_stands(book) -> None:
    # Day 10 has two reports, 90 then 40: 40 stands, so the trend is 2 points/day as above.
    w = projection(book, [(REGENCY, 1, 2, 24), (REGENCY, 1, 6, 32), (REGENCY, 1, 10, 90), (REGENCY, 1, 10, 40)])
    assert w.at[0, "evidence"]["rate_per_day"] == 2.0


def test_no_rise_is_flagged_as_stalled(book) -> None:
    w = projection(book, [(REGENCY, 1, 2, 40), (REGENCY, 1, 6, 40), (REGENCY, 1, 10, 40)])
    ev = w.at[0, "evidence"]
    assert (ev["variant"], ev["rate_per_day"], ev["projected_finish"], ev["days_late"]) == ("stalled", 0.0, None,
                                                                                         None)


def test_projection_skips_finished_cells_stages_far_away_and_reports_outside_the_window(book) -> None:
    assert projection(book, [(REGENCY, 1, 2, 90), (REGENCY, 1, 6, 95), (REGENCY, 1, 10, 100)]).empty
    stalled = [(REGENCY, 1, 2, 40), (REGENCY, 1, 6, 40), (REGENCY, 1, 10, 40)]
    assert projection(book, stalled, end=71).empty  # ends 61 days after day 10: beyond horizon_days = 60
    assert len(projection(book, stalled, end=70)) == 1
    # On day 40 the window (28 days back to day 13) holds none of these reports.
    assert projection(book, stalled, end=60, on=40).empty


# ---- NPHD ---------------------------------------------------------------------------------------------------


def nphd_inputs(agreements: list[tuple]) -> AlertInputs:
    """(region, counterparty, signed day or None, agreed, realised); signing ends day 30, disbursement day 60."""
    df = pd.DataFrame(agreements, columns=["region_code", "counterparty_code", "signed_day", "agreed_value",
                                           "realised"])
    df["signed_date"] = pd.to_datetime([day(n) if pd.notna(n) else None for n in df.pop("signed_day")])
    return AlertInputs(regions=REGIONS, stages=stages((1, "penandatanganan-nphd", 1, 30),
                                                      (2, "pencairan-nphd", 10, 60)),
                       nphd=df, counterparties=COUNTERPARTIES)


def test_nphd_not_signed_lists_who_is_still_missing_from_14_days_before(book) -> None:
    inputs = nphd_inputs([(REGENCY, "KPU", 3, 100, 0), (REGENCY, "BAWASLU", 5, 50, 0), (REGENCY, "TNI", None, 20, 0),
                          *[(PROVINCE, c, 2, 10, 0) for c in COUNTERPARTIES]])
    assert warnings(book, inputs, 15, "nphd-belum-ditandatangani").empty  # 15 days before day 30
    w = warnings(book, inputs, 16, "nphd-belum-ditandatangani")
    assert list(zip(w["region_code"], w["subject"])) == [(REGENCY, "POLRI"), (REGENCY, "TNI")]
    assert w.at[0, "evidence"] == {"counterparty": "POLRI", "deadline": "2024-06-30", "days_left": 14}
    assert w.at[0, "since"] == pd.Timestamp(day(16))
    assert w.at[0, "owner_unit"] == "bpkad"
    # An agreement signed after as-of was not signed on that day.
    late = nphd_inputs([(REGENCY, c, 40, 10, 0) for c in COUNTERPARTIES])
    assert len(warnings(book, late, 35, "nphd-belum-ditandatangani")) == 2 * 4
    assert len(warnings(book, late, 40, "nphd-belum-ditandatangani")) == 4  # the province office's four


def test_no_counterparties_means_no_nphd_rules(book) -> None:
    inputs = nphd_inputs([])
    plain = AlertInputs(regions=inputs.regions, stages=inputs.stages, nphd=inputs.nphd)
    w = detect(plain, book, day(59))
    assert not w["kind"].eq("nphd").any()


def test_nphd_not_disbursed_in_full_from_30_days_before(book) -> None:
    inputs = nphd_inputs([(REGENCY, "KPU", 3, 100, 100), (REGENCY, "BAWASLU", 5, 100, 99),
                          (REGENCY, "TNI", None, 20, 0), (REGENCY, "POLRI", 5, 1_000_000_000_000, 0),
                          *[(PROVINCE, c, 2, 10, 10) for c in COUNTERPARTIES]])
    assert warnings(book, inputs, 29, "nphd-belum-lunas").empty  # 31 days before day 60
    w = warnings(book, inputs, 30, "nphd-belum-lunas")
    by = dict(zip(w["subject"], w["evidence"]))
    assert set(by) == {"BAWASLU", "TNI", "POLRI"}
    assert by["BAWASLU"] == {"counterparty": "BAWASLU", "signed": True, "agreed_value": 100, "realised": 99,
                             "realised_pct": 99.0, "deadline": "2024-07-30", "days_left": 30, "variant": None}
    assert (by["TNI"]["signed"], by["TNI"]["agreed_value"], by["TNI"]["variant"]) == (False, None, "unsigned")
    assert by["POLRI"]["agreed_value"] == 1_000_000_000_000
    assert w.at[0, "since"] == pd.Timestamp(day(30))


# ---- obstacles ----------------------------------------------------------------------------------------------


def obstacle_inputs(*rows: tuple) -> AlertInputs:
    """(id, region, category, severity rank, open, found day, due day, last action day)."""
    df = pd.DataFrame(rows, columns=["id", "region_code", "category_code", "severity_rank", "open", "found",
                                     "due", "action"])
    df["severity_code"] = df["severity_rank"].map({1: "rendah", 2: "sedang", 3: "tinggi", 4: "kritis"})
    for col, name in (("found", "found_date"), ("due", "due_date"), ("action", "last_action_date")):
        df[name] = pd.to_datetime([day(n) if pd.notna(n) else None for n in df.pop(col)])
    return AlertInputs(regions=REGIONS, obstacles=df)


def test_severe_obstacle_open_longer_than_14_days(book) -> None:
    inputs = obstacle_inputs((1, REGENCY, "lainnya", 3, True, 1, None, 14), (2, REGENCY, "lainnya", 2, True, 1, None, 14),
                             (3, REGENCY, "lainnya", 4, False, 1, None, 14))
    assert warnings(book, inputs, 15, "hambatan-berat-lama").empty  # 14 days old
    w = warnings(book, inputs, 16, "hambatan-berat-lama")
    assert list(w["subject"]) == ["1"]  # 2 is only "sedang", 3 is closed
    assert w.at[0, "evidence"] == {"obstacle_id": 1, "category": "lainnya", "severity": "tinggi",
                                   "found_date": "2024-06-01", "age_days": 15, "max_open_days": 14}
    assert w.at[0, "since"] == pd.Timestamp(day(16))


def test_severe_obstacle_past_its_due_date(book) -> None:
    inputs = obstacle_inputs((7, REGENCY, "keamanan", 4, True, 1, 10, 9), (8, REGENCY, "keamanan", 4, True, 1, None, 9))
    assert warnings(book, inputs, 10, "hambatan-lewat-tenggat").empty  # due today
    w = warnings(book, inputs, 11, "hambatan-lewat-tenggat")
    assert list(w["subject"]) == ["7"]  # 8 has no due date
    assert w.at[0, "evidence"]["days_overdue"] == 1
    assert (w.at[0, "owner_unit"], w.at[0, "owner_provinsi"]) == ("polri", "polri")  # keamanan goes to Polri


def test_severe_obstacle_without_follow_up(book) -> None:
    inputs = obstacle_inputs((4, REGENCY, "anggaran", 3, True, 1, None, 5), (5, PROVINCE, "anggaran", 3, True, 5, None,
                                                                            None))
    assert warnings(book, inputs, 12, "hambatan-tanpa-tindak-lanjut").empty  # 7 days since each
    w = warnings(book, inputs, 13, "hambatan-tanpa-tindak-lanjut")
    assert list(w["subject"]) == ["5", "4"]  # by region: the province office first
    assert w.at[1, "evidence"]["last_action_date"] == "2024-06-05"
    assert w.at[0, "evidence"]["last_action_date"] is None  # counted from when it was found
    # Anggaran: BPKAD acts for the regency; at provinsi Kesbangpol provinsi takes over.
    assert (w.at[1, "owner_unit"], w.at[1, "owner_provinsi"]) == ("bpkad", "kesbangpol-provinsi")
    assert w.at[0, "owner_unit"] == "kesbangpol-provinsi"


def test_an_office_missing_from_regions_takes_its_level_from_its_code(book) -> None:
    inputs = obstacle_inputs((1, "74", "lainnya", 4, True, 1, None, None), (2, "74.01", "lainnya", 4, True, 1, None,
                                                                          None))
    w = warnings(book, inputs, 20, "hambatan-berat-lama")
    assert dict(zip(w["region_code"], w["level"])) == {"74": "provinsi", "74.01": "kabkota"}


# ---- documents ----------------------------------------------------------------------------------------------


def test_required_document_missing_from_14_days_before_its_stage(book) -> None:
    inputs = AlertInputs(regions=REGIONS, stages=stages((1, "pencairan-nphd", 20, 60)),
                         document_stages=pd.DataFrame({"requirement_code": ["nphd-kpu", "nphd-tni"],
                                                       "stage_code": ["pencairan-nphd", "pencairan-nphd"]}),
                         documents=pd.DataFrame({"region_code": [REGENCY, PROVINCE, PROVINCE],
                                                 "requirement_code": ["nphd-kpu", "nphd-kpu", "nphd-tni"]}))
    assert warnings(book, inputs, 5, "dokumen-belum-ada").empty  # 15 days before day 20
    w = warnings(book, inputs, 6, "dokumen-belum-ada")
    assert list(zip(w["region_code"], w["subject"])) == [(REGENCY, "nphd-tni")]
    assert w.at[0, "evidence"] == {"document": "nphd-tni", "stage": "pencairan-nphd", "stage_start": "2024-06-20",
                                   "days_left": 14}


# ---- the warning frame --------------------------------------------------------------------------------------


def everything() -> AlertInputs:
    return AlertInputs(
        regions=REGIONS, stages=stages((1, "tahap-a", 1, 30), (2, "pencairan-nphd", 10, 40)),
        grid=grid((REGENCY, 1, 10.0, 50.0, 9)),
        compliance=pd.DataFrame({"region_code": [REGENCY], "last_report": pd.to_datetime([day(2)])}),
        reports=reports((REGENCY, 1, 2, 24), (REGENCY, 1, 6, 32), (REGENCY, 1, 10, 40)),
        obstacles=obstacle_inputs((1, REGENCY, "logistik", 4, True, 1, 5, None)).obstacles,
        document_stages=pd.DataFrame({"requirement_code": ["nphd-kpu"], "stage_code": ["pencairan-nphd"]}),
        counterparties=("KPU",))


def test_keys_are_stable_across_days_and_evidence_is_json(book) -> None:
    first, later = detect(everything(), book, day(15)), detect(everything(), book, day(16))
    assert list(first.columns) == alerts.RESULT_COLUMNS
    assert first["key"].is_unique
    assert set(first["key"]) <= set(later["key"])
    assert {"kantor-senyap|73.10|", "hambatan-lewat-tenggat|73.10|1", "tahapan-kritis|73.10|tahap-a",
            "nphd-belum-lunas|73|KPU", "dokumen-belum-ada|73|nphd-kpu"} <= set(first["key"])
    json.dumps(list(first["evidence"]))
    # `since` comes from the inputs' dates, so it stays put; a lag seen only today starts today.
    since = first.set_index("key")["since"]
    after = later.set_index("key").loc[since.index, "since"]
    dated = first.set_index("key")["kind"] != "tahapan"
    assert (since[dated] == after[dated]).all()
    assert (since[~dated] == pd.Timestamp(day(15))).all()


def test_dates_as_date_objects_or_datetime64_give_the_same_warnings(book) -> None:
    inputs = everything()
    as_text = AlertInputs(**{**inputs.__dict__, "stages": inputs.stages.assign(
        start_date=pd.to_datetime(inputs.stages["start_date"]), end_date=pd.to_datetime(inputs.stages["end_date"])),
        "grid": inputs.grid.assign(situation_date=inputs.grid["situation_date"].dt.date)})
    pd.testing.assert_frame_equal(detect(inputs, book, day(15)), detect(as_text, book, day(15)))


def test_empty_inputs_give_an_empty_frame_and_missing_columns_are_named(book) -> None:
    empty = detect(AlertInputs(), book, day(1))
    assert empty.empty and list(empty.columns) == alerts.RESULT_COLUMNS
    with pytest.raises(ValueError, match=r"AlertInputs.compliance lacks columns \['last_report'\]"):
        detect(AlertInputs(compliance=pd.DataFrame({"region_code": [REGENCY]})), book, day(1))


def test_a_rule_provided_later_runs_once_its_detector_is_registered(book) -> None:
    assert not detect(everything(), book, day(15))["kind"].eq("logistik").any()

    def logistics_risk(inputs, params, as_of):
        at_risk = inputs.extra["logistics"]
        return alerts.hits(at_risk["region_code"], at_risk["checkpoint"], as_of,
                            {"slack_days": at_risk["slack_days"].to_numpy()})

    extra = AlertInputs(**{**everything().__dict__, "extra": {"logistics": pd.DataFrame(
        {"region_code": [REGENCY], "checkpoint": ["dikirim-ppk"], "slack_days": [-2]})}})
    w = detect(extra, book, day(15), extra_detectors={"logistics_risk": Detector(logistics_risk, {})})
    w = w[w["rule_code"] == "logistik-berisiko"]
    assert list(w["key"]) == ["logistik-berisiko|73.10|dikirim-ppk"]
    assert (w.iloc[0]["owner_unit"], w.iloc[0]["severity"], w.iloc[0]["evidence"]) == ("kpu", "tinggi",
                                                                                       {"slack_days": -2})
    needs_param = Detector(logistics_risk, {"buffer_days": int})
    with pytest.raises(RuleError, match="aturan logistik-berisiko: parameter buffer_days belum ada"):
        detect(extra, book, day(15), extra_detectors={"logistics_risk": needs_param})


# ---- escalation ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("opened,days,level", [
    ("kabkota", 0, "kabkota"), ("kabkota", 6, "kabkota"), ("kabkota", 7, "provinsi"), ("kabkota", 13, "provinsi"),
    ("kabkota", 14, "pusat"), ("kabkota", 400, "pusat"), ("provinsi", 6, "provinsi"), ("provinsi", 7, "pusat"),
    ("pusat", 30, "pusat"), ("kabkota", -3, "kabkota"),
])
def test_escalation_one_level_per_seven_days_without_follow_up(book, opened, days, level) -> None:
    assert escalation_level(opened, days, book.rules.loc["kantor-senyap"]) == level


def test_escalation_days_are_per_rule(book) -> None:
    overdue = book.rules.loc["hambatan-lewat-tenggat"]  # 5 days
    assert [escalation_level("kabkota", d, overdue) for d in (4, 5, 9, 10)] == ["kabkota", "provinsi", "provinsi",
                                                                                "pusat"]
    assert escalation_level("kabkota", 100, {"escalate_days": None}) == "kabkota"


# ---- explanation --------------------------------------------------------------------------------------------


def test_explain_names_rule_numbers_since_and_who_acts(book) -> None:
    w = warnings(book, silent_inputs({REGENCY: 10, PROVINCE: 25}), 26, "kantor-senyap").iloc[0]
    names = {REGENCY: "Kabupaten Pangkajene dan Kepulauan"}
    assert explain(w, "id", names) == (
        "Kabupaten Pangkajene dan Kepulauan — Kantor tidak melapor: tidak ada laporan selama 16 hari, melebihi irama "
        "lapor 7 hari (laporan terakhir: 10 Juni 2024); sejak 18 Juni 2024; ditangani Kesbangpol Kabupaten/Kota "
        "(tingkat kabupaten/kota).")
    assert explain(w, "en", names) == (
        "Kabupaten Pangkajene dan Kepulauan — Office not reporting: no report for 16 days, beyond the 7-day cadence "
        "(last report: 10 June 2024); since 18 June 2024; for Regency/City Kesbangpol to act on (regency/city level).")
    escalated = w.copy()
    escalated["level"] = escalation_level("kabkota", 14, book.rules.loc["kantor-senyap"])
    assert explain(escalated, "id", names).endswith("ditangani Kemendagri (Ditjen Polpum) (tingkat pusat).")


def test_every_detector_has_wording_and_every_warning_reads(book) -> None:
    assert set(alerts.DETECTORS) <= set(alerts.WORDS)
    w = detect(everything(), book, day(16))
    assert set(w["detector"]) >= {"silence", "stage_lag", "stage_projection", "nphd_undisbursed", "obstacle_age",
                                  "obstacle_overdue", "obstacle_no_follow_up", "document_missing"}
    for _, row in w.iterrows():
        for lang in ("id", "en"):
            text = explain(row, lang)
            assert "{" not in text and text.endswith(").")
    nphd = w[w["detector"] == "nphd_undisbursed"].iloc[0]
    assert "NPHD dengan KPU belum ditandatangani sehingga hibah belum cair, 24 hari sebelum batas 10 Juli 2024" in (
        explain(nphd, "id"))
    doc = w[w["detector"] == "document_missing"].iloc[0]
    assert "tahapan pencairan-nphd yang memerlukannya sudah berjalan 6 hari sejak 10 Juni 2024" in explain(doc, "id")


def test_a_detector_without_wording_shows_its_numbers(book) -> None:
    row = {"detector": "logistics_risk", "rule_code": "logistik-berisiko", "region_code": REGENCY, "level": "kabkota",
           "owner_kabkota": "kpu", "since": "2024-06-15", "evidence": {"slack_days": -2}}
    assert explain(row, "id") == ("73.10 — Logistik berisiko terlambat: slack_days -2; sejak 15 Juni 2024; ditangani "
                                  "KPU (tingkat kabupaten/kota).")
