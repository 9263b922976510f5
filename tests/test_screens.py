"""What the screens decide before a page lays it out: which rows, in which order, with which
denominators and words. Pure (no Streamlit, no database): small frames built here."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pandas as pd
import pytest

from sipantau import codes
from sipantau.auth import Actor
from sipantau.readiness import Snapshot
from sipantau.screens import input as screen
from sipantau.screens import lists, region

NAMES = pd.Series({"ID": "Indonesia", "73": "Sulawesi Selatan", "73.10": "Kab. Pangkep", "73.71": "Kota Makassar",
                   "11": "Aceh", "11.01": "Kab. Simeulue"})


def offices() -> pd.DataFrame:
    return pd.DataFrame({
        "region_code": ["73", "73.10", "73.71", "11", "11.01"],
        "name": ["Sulawesi Selatan", "Kab. Pangkep", "Kota Makassar", "Aceh", "Kab. Simeulue"],
        "level": ["province", "regency", "regency", "province", "regency"],
        "province_code": ["73", "73", "73", "11", "11"],
        "class": ["behind", "critical", "on_track", "critical", "critical"],
        "lag": [12.0, 31.0, 2.0, 25.0, 40.0], "progress": [50.0, 20.0, 80.0, 30.0, 10.0],
        "index": [60.0, 40.0, 90.0, 45.0, 30.0], "rank": [1, 2, 1, 2, 3], "rank_in_province": [None, 2, 1, None, 1],
        "obstacles": [0, 3, 0, 1, 2], "expected": [60.0] * 5, "days_silent": [0, 3, 0, 9, 12],
        "jadwal": [70.0, 40.0, 95.0, 50.0, 20.0], "nphd": [float("nan")] * 5, "dokumen": [50.0] * 5,
        "ketepatan": [80.0] * 5, "hambatan": [100.0, 60.0, 100.0, 90.0, 70.0],
    })


def stages() -> pd.DataFrame:
    return pd.DataFrame({"stage_id": [1, 2, 3, 4], "code": ["a", "b", "c", "d"],
                         "name_id": ["Satu", "Dua", "Tiga", "Empat"], "name_en": ["One", "Two", "Three", "Four"],
                         "start_date": [date(2024, 1, 1), date(2024, 3, 1), date(2024, 5, 1), date(2024, 9, 1)],
                         "end_date": [date(2024, 1, 31), date(2024, 3, 31), date(2024, 6, 30), date(2024, 9, 30)]})


def snapshot(active: list[int], **frames) -> Snapshot:
    empty = pd.DataFrame()
    return Snapshot(election_code="uji", as_of=date(2024, 6, 1), has_nphd=frames.pop("has_nphd", False),
                    regions=empty, names=NAMES, stages=stages(), grid=empty,
                    obstacles=frames.get("obstacles", empty), nphd=frames.get("nphd", pd.DataFrame({"region_code": []})),
                    documents=frames.get("documents", empty), compliance=empty, severities=empty, categories=empty,
                    counterparties=empty, active_stage_ids=active)


# ---- region codes --------------------------------------------------------------------------------


def test_a_region_code_says_its_province():
    assert codes.province_of("73.10") == "73" == codes.province_of("73")
    assert codes.provinces_of(pd.Series(["73.10", "11.01", "73"])).tolist() == ["73", "11", "73"]
    assert [codes.is_province(c) for c in ("73", "ID", "73.10", "7")] == [True, False, False, False]
    assert codes.province_names(NAMES).to_dict() == {"11": "Aceh", "73": "Sulawesi Selatan"}  # by code
    assert lists.province_choices(NAMES) == {"11": "Aceh", "73": "Sulawesi Selatan"}


# ---- one region -----------------------------------------------------------------------------------


def test_the_scorecard_ranks_against_regencies_nationally_and_in_the_province():
    card = region.scorecard(offices(), NAMES, "73.10", "id")
    assert (card.regencies, card.regencies_in_province) == (3, 2)  # provincial offices are not ranked with them
    assert card.province == "Sulawesi Selatan" and card.is_regency
    assert set(card.breakdown["component"]) == {"jadwal", "dokumen", "ketepatan", "hambatan"}  # nphd: n/a
    assert not region.scorecard(offices(), NAMES, "73", "id").is_regency


def test_the_charted_stages_are_the_chosen_the_running_or_the_last_two_started():
    snap = snapshot(active=[3])
    assert region.charted_stages(snap, 2, date(2024, 6, 1))["stage_id"].tolist() == [2]
    assert region.charted_stages(snap, None, date(2024, 6, 1))["stage_id"].tolist() == [3]
    between = snapshot(active=[])
    assert region.charted_stages(between, None, date(2024, 8, 1))["stage_id"].tolist() == [2, 3]
    history = pd.DataFrame({"stage_id": [3, 3, 2], "situation_date": pd.to_datetime(["2024-05-02", "2024-05-20",
                                                                                     "2024-03-05"]),
                            "progress": [10.0, 30.0, 100.0]})
    [chart] = region.stage_charts(snap, history, None, date(2024, 6, 1), "en")
    assert (chart.stage_id, chart.title, chart.start_date) == (3, "Three", date(2024, 5, 1))
    assert chart.history["progress"].tolist() == [10.0, 30.0]


def test_a_province_lists_its_regencies_without_a_polygon():
    assert region.province_offices(offices(), "73")["region_code"].tolist() == ["73", "73.10", "73.71"]
    assert region.without_boundary(offices(), "73", frozenset({"73.10"})) == ["Kota Makassar"]
    assert region.without_boundary(offices(), "73", frozenset({"73.10", "73.71"})) == []


def test_nphd_documents_and_reporting_of_one_office():
    nphd = pd.DataFrame({"region_code": ["73.10", "73.71"], "counterparty_code": ["KPU", "KPU"],
                         "signed_date": [pd.Timestamp("2024-06-01"), pd.NaT], "agreed_value": [5_000_000, 1],
                         "realised": [2_500_000, 0]})
    table = region.nphd_table(snapshot([], nphd=nphd, has_nphd=True), "73.10", "id")
    assert table.to_dict("records") == [{"Mitra": "KPU", "Sudah tanda tangan": "1 Jun 2024",
                                         "Nilai NPHD": "Rp5.000.000", "Realisasi": "Rp2.500.000"}]
    assert region.nphd_table(snapshot([], nphd=nphd, has_nphd=True), "11.01", "id").empty
    assert region.nphd_table(snapshot([], has_nphd=False), "73.10", "id").empty  # an election without NPHD
    docs = pd.DataFrame({"documents_held": [2], "documents_required": [4]}, index=["73.10"])
    held = region.documents(snapshot([], documents=docs), "73.10")
    assert (held.held, held.required, held.share) == (2, 4, 0.5)
    assert region.documents(snapshot([]), "73.10").share == 0.0
    days = pd.Series(pd.to_datetime(["2024-05-06", "2024-05-07", "2024-05-20"]))
    weekly = region.weekly_reports(days)
    assert weekly.tolist() == [2, 1] and weekly.index[0] == pd.Timestamp("2024-05-06")  # Monday of the week
    assert len(region.weekly_reports(pd.Series(pd.date_range("2023-01-02", periods=40, freq="W-MON")))) == 26


# ---- lists ----------------------------------------------------------------------------------------


def test_follow_up_is_cut_at_the_as_of_date():
    actions = pd.DataFrame({"obstacle_id": [1, 1, 2], "action_date": pd.to_datetime(["2024-05-01", "2024-06-02",
                                                                                    "2024-05-03"])})
    assert len(lists.actions_until(actions, date(2024, 6, 1))) == 2
    assert lists.actions_until(actions, date(2024, 6, 1), 1)["obstacle_id"].tolist() == [1]
    assert len(lists.actions_until(actions, date(2024, 6, 2), 1)) == 2  # the as-of day itself counts


def test_the_briefing_lists_the_critical_furthest_behind_first():
    worst = lists.most_critical(offices(), "id", n=2)
    assert worst["region_code"].tolist() == ["11.01", "73.10"]
    assert set(lists.most_critical(offices(), "id")["class"]) == {"Kritis"}


def test_pickers_list_regions_and_codes_in_their_order():
    assert list(lists.names_by_code(offices().iloc[::-1])) == ["11", "11.01", "73", "73.10", "73.71"]
    severities = pd.DataFrame({"code": ["rendah", "kritis", "sedang"], "rank": [1, 4, 2],
                               "name_id": ["Rendah", "Kritis", "Sedang"], "name_en": ["Low", "Critical", "Medium"]})
    assert lists.code_choices(severities, "en", by="rank", descending=True) == {
        "kritis": "Critical", "sedang": "Medium", "rendah": "Low"}


def obstacle_snapshot() -> Snapshot:
    obstacles = pd.DataFrame({
        "id": [1, 2, 3, 4], "region_code": ["73.10", "73.10", "11.01", "73.71"], "stage_id": [3, 3, 3, 2],
        "category_code": ["logistik"] * 4, "severity_code": ["kritis", "rendah", "tinggi", "kritis"],
        "severity_rank": [4, 1, 3, 4], "status": ["baru", "baru", "ditangani", "selesai"],
        "open": [True, True, True, False], "found_date": pd.to_datetime(["2024-05-01"] * 4),
        "age_days": [30, 40, 10, 5], "age_bucket": ["8–30 hari", "31–90 hari", "8–30 hari", "0–7 hari"],
        "due_date": [pd.NaT] * 4, "owner": ["x"] * 4, "description": ["d"] * 4})
    return snapshot([3], obstacles=obstacles)


CATEGORIES = pd.DataFrame({"code": ["logistik"], "order": [1], "name_id": ["Logistik"], "name_en": ["Logistics"]})
SEVERITIES = pd.DataFrame({"code": ["rendah", "tinggi", "kritis"], "rank": [1, 3, 4],
                           "name_id": ["Rendah", "Tinggi", "Kritis"], "name_en": ["Low", "High", "Critical"]})


def test_severe_means_open_and_high_or_critical():
    severe = lists.severe_open(obstacle_snapshot(), CATEGORIES, SEVERITIES, "en")
    assert severe["id"].tolist() == [1, 3]  # most severe first; the closed critical one is left out
    assert list(lists.severe_table(severe, n=1).columns) == ["region", "category", "severity", "age_days"]
    assert len(lists.severe_table(severe, n=1)) == 1
    assert set(codes.SEVERE) == {"kritis", "tinggi"}


def test_the_obstacle_list_filters_by_province_and_shows_no_sorting_keys():
    rows = lists.obstacle_rows(obstacle_snapshot(), CATEGORIES, SEVERITIES, lists.ObstacleFilter(province_code="73"))
    assert set(rows["region_code"]) == {"73.10", "73.71"} and set(rows["province"]) == {"Sulawesi Selatan"}
    table = lists.obstacle_table(rows)
    assert not {"severity_rank", "region_code", "open"} & set(table.columns)
    assert lists.obstacle(rows, 2)["severity"] == "Rendah"


def test_silent_offices_and_ranked_regencies_as_shown():
    rows = pd.DataFrame({"region_code": ["73.10"], "name": ["Kab. Pangkep"], "province": ["Sulawesi Selatan"],
                         "last_report": [pd.NaT], "days_silent": [None], "on_time_rate": [0.0], "never": [True]})
    assert list(lists.silent_table(rows).columns) == ["region_code", "name", "province", "last_report",
                                                      "days_silent", "on_time_rate"]
    ranks = {"provinces": pd.DataFrame({"region_code": ["73"], "name": ["Sulawesi Selatan"]}),
             "regencies": pd.DataFrame({"region_code": ["73.10"], "province_code": ["73"]})}
    assert lists.ranked_regencies(ranks)["province"].tolist() == ["Sulawesi Selatan"]


# ---- input pages ----------------------------------------------------------------------------------


def test_what_the_obstacle_and_report_forms_offer():
    assert screen.report_statuses() == ["belum_mulai", "berjalan", "selesai", "terkendala"]
    assert screen.next_statuses("baru") == ["", "ditangani", "eskalasi", "selesai"]
    assert screen.next_statuses("selesai") == ["", "ditangani"]
    obstacles = pd.DataFrame({"id": [7], "found_date": [date(2024, 11, 15)], "category_code": ["logistik"],
                              "status": ["ditangani"]})
    assert screen.obstacle_labels(obstacles, {"logistik": "Logistik"}, "id") == {
        7: "#7 · 15 November 2024 · Logistik · Ditangani"}
    assert screen.obstacle_of(obstacles, 7)["status"] == "ditangani"


def test_nphd_corrections_and_disbursements_pick_the_right_agreement():
    agreements = pd.DataFrame({"id": [3, 4], "counterparty_code": ["KPU", "TNI"], "agreed_value": [5_000_000, 10],
                               "signed_date": [date(2024, 6, 1), None]})
    assert screen.current_agreement_id(agreements, "TNI") == 4
    assert screen.current_agreement_id(agreements, "Polri") is None
    signed = screen.signed_agreements(agreements)
    assert signed["id"].tolist() == [3]
    assert screen.agreement_labels(signed, {"KPU": "KPU"}, "id") == {
        3: "KPU · Rp5.000.000 · ditandatangani 1 Juni 2024"}
    assert screen.signed_agreements(agreements.iloc[:0]).empty


def test_documents_held_get_their_download_name_and_uploads_their_facts():
    checklist = pd.DataFrame({"requirement_code": ["sk", "lap"], "name_id": ["SK Tim", "Laporan"],
                              "name_en": ["Team decree", "Report"], "present": [True, False],
                              "filename": ["sk tim.pdf", None], "media_type": ["application/pdf", None]})
    assert screen.requirement_names(checklist, "en") == {"sk": "Team decree", "lap": "Report"}
    held = screen.held_documents(checklist)
    assert held["requirement_code"].tolist() == ["sk"] and held["download_name"].iloc[0].endswith(".pdf")
    facts = screen.upload_facts("../../x/laporan.pdf", b"%PDF-1.7\n%%EOF\n")
    assert (facts.filename, facts.kind, facts.size) == ("laporan.pdf", "PDF", 15)
    assert len(facts.content_hash) == 64


def test_the_audit_page_picks_records_and_reads_entries():
    rows = pd.DataFrame({"entity": ["stage_report", "stage_report", "login", "obstacle"],
                         "entity_id": [5, 5, None, 2]})
    assert screen.audited_records(rows) == {"stage_report:5": "STAGE_REPORT-0000005", "obstacle:2": "OBSTACLE-0000002"}
    assert screen.record_key("obstacle:2") == ("obstacle", 2)
    audit_rows = pd.DataFrame({"at": [datetime(2024, 11, 20, 8, 5, 0)], "username": ["admin"], "action": ["buat"],
                               "entity": ["obstacle"], "entity_id": [2], "before": [None], "after": ['{"a": 1}']})
    [entry] = screen.audit_entries(audit_rows)
    assert entry.line == "20-11-2024 08:05:00 WIB · admin · buat · obstacle #2"
    assert entry.before == "–" and '"a": 1' in entry.after


@pytest.mark.parametrize("lang, role", [("id", "Operator kabupaten/kota"), ("en", "Operator kabupaten/kota")])
def test_the_account_and_the_users_an_admin_manages(lang, role):
    me = {"username": "operator.pangkep", "full_name": None, "role": "operator_kabkota", "region_code": "73.10",
          "region_name": "Kab. Pangkep", "email": None}
    who = Actor(1, "operator.pangkep", "operator_kabkota", "73.10")
    values = screen.account_table(me, who, lang).iloc[:, 1].tolist()
    assert values[1] == "–" and values[2] == role and "73.10 · Kab. Pangkep" in values[3]
    people = [{"username": "sistem.impor"}, {"username": "admin"}]
    assert screen.listed_users(people) == [{"username": "admin"}]
    assert screen.moment(datetime(2024, 11, 20, 1, 0, tzinfo=UTC), lang).endswith("WIB")
