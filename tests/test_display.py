"""What screens say: Indonesian numbers and dates, ordering of tables."""

from __future__ import annotations

from datetime import date

import pandas as pd

from sipantau import i18n
from sipantau.screens import lists


def test_indonesian_formats():
    assert i18n.number(1234567) == "1.234.567"
    assert i18n.percent(87.456) == "87,5%"
    assert i18n.rupiah(30_000_000_000) == "Rp30.000.000.000"
    assert i18n.rupiah_short(1_234_000_000_000) == "Rp1,2 T"
    assert i18n.rupiah_short(1_234_000_000_000, "en") == "Rp1.2 tn"
    assert i18n.day(date(2024, 8, 17)) == "17 Agustus 2024"
    assert i18n.day(date(2024, 8, 17), "en") == "17 August 2024"
    assert i18n.number(None) == i18n.percent(float("nan")) == "–"


def test_every_text_has_both_languages():
    for key, (ind, eng) in i18n.TEXT.items():
        assert ind and eng, key


def test_metric_table_puts_the_best_first_and_lag_the_other_way():
    frame = pd.DataFrame({"region_code": ["11", "12", "13"], "name": ["A", "B", "C"],
                          "progress": [50.0, 90.0, None], "lag": [30.0, 2.0, None],
                          "class": ["critical", "on_track", "no_data"], "rank": [3, 1, 2], "obstacles": [4, 0, 1]})
    assert lists.metric_table(frame, "progress", "id")["name"].tolist() == ["B", "A", "C"]
    lag = lists.metric_table(frame, "lag", "id")
    assert lag["name"].tolist() == ["B", "A", "C"]  # smallest lag is best; no data last
    assert lag["class"].tolist() == ["Sesuai jadwal", "Kritis", "Belum melapor"]

