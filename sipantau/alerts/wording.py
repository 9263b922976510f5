"""The words of a warning: `explain` renders one as a sentence in Bahasa Indonesia or English.

Numbers, dates and rupiah are formatted by `sipantau.i18n`; unit and rule names come from the
reference tables, other codes from the `names` the caller hands in. Imports pandas, i18n, the
settings' reference directory and the package's rule book and detection.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any

import pandas as pd

from sipantau import i18n
from sipantau.alerts.detection import owner_at
from sipantau.alerts.rulebook import _read
from sipantau.config import REFERENCE_DIR

# Every word of a warning, keyed (Indonesian, English); details keyed by detector
# (and ".variant" where the evidence names one).
WORDS: dict[str, tuple[str, str]] = {
    "sentence": ("{region} — {rule}: {detail}; sejak {since}; ditangani {owner} (tingkat {level}).",
                 "{region} — {rule}: {detail}; since {since}; for {owner} to act on ({level} level)."),
    "level.kabkota": ("kabupaten/kota", "regency/city"),
    "level.provinsi": ("provinsi", "province"),
    "level.pusat": ("pusat", "national"),
    "none": ("belum ada", "none"),
    "deadline.before": ("{days} hari sebelum batas {date}", "{days} days before the {date} deadline"),
    "deadline.today": ("batasnya hari ini, {date}", "the deadline is today, {date}"),
    "deadline.after": ("batas {date} sudah lewat {days} hari", "{days} days past the {date} deadline"),
    "start.before": ("dimulai {date}, {days} hari lagi", "starting on {date}, in {days} days"),
    "start.today": ("dimulai hari ini, {date}", "starting today, {date}"),
    "start.after": ("sudah berjalan {days} hari sejak {date}", "running for {days} days since {date}"),
    "silence": ("tidak ada laporan selama {days_silent} hari, melebihi irama lapor {cadence_days} hari "
                "(laporan terakhir: {last_report})",
                "no report for {days_silent} days, beyond the {cadence_days}-day cadence (last report: {last_report})"),
    "stage_lag": ("tahapan {stage} tertinggal {lag} poin dari jadwal (progres {progress}%, seharusnya {expected}%; "
                  "batas {max_lag} poin)",
                  "stage {stage} is {lag} points behind schedule (progress {progress}%, expected {expected}%; "
                  "threshold {max_lag} points)"),
    "stage_projection": ("dengan laju {rate_per_day} poin/hari ({reports} laporan), tahapan {stage} diproyeksikan "
                         "selesai {projected_finish}, {days_late} hari setelah batas akhir {end_date} "
                         "(progres {progress}%, selisih jadwal hari ini {lag} poin)",
                         "at {rate_per_day} points/day ({reports} reports), stage {stage} is projected to finish on "
                         "{projected_finish}, {days_late} days after its {end_date} end "
                         "(progress {progress}%, today's lag {lag} points)"),
    "stage_projection.stalled": ("progres tahapan {stage} tidak naik dalam {span_days} hari ({reports} laporan, "
                                 "tetap {progress}%), sehingga tidak akan selesai sebelum batas akhir {end_date}",
                                 "progress of stage {stage} has not risen in {span_days} days ({reports} reports, "
                                 "still {progress}%), so it will not finish by its {end_date} end"),
    "nphd_unsigned": ("NPHD dengan {counterparty} belum ditandatangani, {deadline_phrase}",
                      "the NPHD with {counterparty} is not signed, {deadline_phrase}"),
    "nphd_undisbursed": ("hibah NPHD {counterparty} baru cair {realised} dari {agreed_value} ({realised_pct}%), "
                         "{deadline_phrase}",
                         "the NPHD grant to {counterparty} is disbursed {realised} of {agreed_value} "
                         "({realised_pct}%), {deadline_phrase}"),
    "nphd_undisbursed.unsigned": ("NPHD dengan {counterparty} belum ditandatangani sehingga hibah belum cair, "
                                  "{deadline_phrase}",
                                  "the NPHD with {counterparty} is not signed, so nothing is disbursed, "
                                  "{deadline_phrase}"),
    "obstacle_age": ("hambatan #{obstacle_id} ({category}, tingkat {severity}) terbuka {age_days} hari sejak "
                     "{found_date}, melebihi {max_open_days} hari",
                     "obstacle #{obstacle_id} ({category}, {severity}) open for {age_days} days since {found_date}, "
                     "beyond {max_open_days} days"),
    "obstacle_overdue": ("hambatan #{obstacle_id} ({category}, tingkat {severity}) melewati tenggat {due_date} "
                         "selama {days_overdue} hari",
                         "obstacle #{obstacle_id} ({category}, {severity}) is {days_overdue} days past its "
                         "{due_date} due date"),
    "obstacle_no_follow_up": ("hambatan #{obstacle_id} ({category}, tingkat {severity}) tanpa tindak lanjut selama "
                              "{days_without_action} hari (batas {max_days_without_action} hari; tindak lanjut "
                              "terakhir: {last_action_date})",
                              "obstacle #{obstacle_id} ({category}, {severity}) without follow-up for "
                              "{days_without_action} days (threshold {max_days_without_action} days; last follow-up: "
                              "{last_action_date})"),
    "document_missing": ("dokumen {document} belum ada, padahal tahapan {stage} yang memerlukannya {start_phrase}",
                         "document {document} is missing while stage {stage}, which needs it, is {start_phrase}"),
}

# Evidence keys that are dates, rupiah amounts, identifiers or codes to be named.
DATE_KEYS = {"last_report", "situation_date", "projected_finish", "end_date", "deadline", "found_date", "due_date",
             "last_action_date", "stage_start"}
RUPIAH_KEYS = {"agreed_value", "realised"}
RAW_KEYS = {"obstacle_id"}
NAMED_KEYS = {"stage", "counterparty", "document", "category", "severity"}


def word(key: str, lang: str) -> str:
    ind, eng = WORDS[key]
    return eng if lang == "en" else ind


@lru_cache(maxsize=1)
def _reference_names() -> dict[str, tuple[str, str]]:
    """Unit and rule names from the reference tables (code → (Indonesian, English))."""
    units = _read(REFERENCE_DIR, "units.csv")
    rules = _read(REFERENCE_DIR, "warning_rules.csv")
    return {r.code: (r.name_id, r.name_en) for t in (units, rules) for r in t.itertuples()}


def _name(code: Any, lang: str, names: Mapping[str, str]) -> str:
    code = str(code)
    if code in names:
        return names[code]
    pair = _reference_names().get(code)
    return (pair[1] if lang == "en" else pair[0]) if pair else code


def _day(value: Any, lang: str) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return word("none", lang)
    return i18n.day(pd.Timestamp(value).date(), lang)


def _value(key: str, value: Any, lang: str, names: Mapping[str, str]) -> str:
    if key in DATE_KEYS:
        return _day(value, lang)
    if value is None:
        return word("none", lang)
    if key in RAW_KEYS:
        return str(value)
    if key in RUPIAH_KEYS:
        return i18n.rupiah_short(value, lang)
    if key in NAMED_KEYS:
        return _name(value, lang, names)
    if isinstance(value, float):
        return i18n.number(value, lang, 0 if value.is_integer() else 1)
    if isinstance(value, int) and not isinstance(value, bool):
        return i18n.number(value, lang)
    return str(value)


def _phrase(kind: str, days_left: int, when: Any, lang: str) -> str:
    tense = "before" if days_left > 0 else "today" if days_left == 0 else "after"
    return word(f"{kind}.{tense}", lang).format(days=i18n.number(abs(days_left), lang), date=_day(when, lang))


def explain(warning: Mapping[str, Any], lang: str = "id", names: Mapping[str, str] | None = None) -> str:
    """One sentence: which rule, which numbers, since when, who must act (at the row's level).

    `names` maps codes (region, stage, counterparty, document, category) to display
    names; unit and rule names come from the reference tables; anything else shows its code."""
    names = names or {}
    ev = dict(warning["evidence"])
    values = {key: _value(key, value, lang, names) for key, value in ev.items()}
    if "days_left" in ev and "deadline" in ev:
        values["deadline_phrase"] = _phrase("deadline", ev["days_left"], ev["deadline"], lang)
    if "days_left" in ev and "stage_start" in ev:
        values["start_phrase"] = _phrase("start", ev["days_left"], ev["stage_start"], lang)
    key = warning["detector"]
    if ev.get("variant") and f"{key}.{ev['variant']}" in WORDS:
        key = f"{key}.{ev['variant']}"
    if key in WORDS:
        detail = word(key, lang).format(**values)
    else:  # a detector without wording yet: its numbers as they are
        detail = ", ".join(f"{k} {v}" for k, v in values.items() if k != "variant")
    level = warning["level"]
    return word("sentence", lang).format(
        region=_name(warning["region_code"], lang, names), rule=_name(warning["rule_code"], lang, names),
        detail=detail, since=_day(warning["since"], lang), owner=_name(owner_at(warning, level), lang, names),
        level=word(f"level.{level}", lang))
