"""Raw cells → typed values, or a problem per cell. Dates in the ways offices write them
(DD/MM/YYYY, ISO, '27 Nov 2024', Excel date cells and serials), percent and rupiah with
their separators (refused, not guessed, when a value can be read two ways), regions by
code or official name (a number cell is never rounded), codes and labels leniently.
The reference data the cells are read against is loaded once per file (`Reference`)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import pandas as pd
from sqlalchemy import Connection, select

from sipantau import i18n, rules
from sipantau import models as m
from sipantau.ingest.columns import COLUMNS, Column
from sipantau.rules import Problem

# ---- reference data for validation -------------------------------------------------


def code_key(value: Any) -> str:
    """Lenient key for codes and labels: 'Belum Mulai', 'belum-mulai', 'belum_mulai'."""
    return re.sub(r"[\s_\-]+", " ", str(value).strip().lower())


def name_key(value: Any) -> str:
    """Official names match exactly up to case and spacing."""
    return re.sub(r"\s+", " ", str(value).strip().lower())


@dataclass
class Reference:
    elections: dict[str, str]  # code_key(code or name) → code
    nphd_elections: set[str]
    regions: dict[str, str]  # code or name_key(name) → code
    region_names: dict[str, str]
    participants: set[tuple[str, str]]  # (election, region)
    stages: dict[tuple[str, str], tuple[int, str]]  # (election, code_key(code or name)) → (id, code)
    windows: dict[str, tuple[date, date]]
    lists: dict[str, dict[str, str]]  # status/category/severity/counterparty: code_key → code

    @classmethod
    def load(cls, conn: Connection) -> Reference:
        el, rg, st = m.Election.__table__, m.Region.__table__, m.Stage.__table__
        elections = conn.execute(select(el.c.code, el.c.name_id, el.c.has_nphd)).all()
        regions = conn.execute(select(rg.c.code, rg.c.name).where(rg.c.level != "nation")).all()
        stages = conn.execute(select(st.c.id, st.c.election_code, st.c.code, st.c.name_id, st.c.start_date,
                                     st.c.end_date)).all()
        er = m.ElectionRegion.__table__
        return cls(
            elections=_lookup((code, name) for code, name, _ in elections),
            nphd_elections={code for code, _, has_nphd in elections if has_nphd},
            regions={**{name_key(name): code for code, name in regions}, **{code: code for code, _ in regions}},
            region_names=dict(regions),
            participants={tuple(r) for r in conn.execute(select(er.c.election_code, er.c.region_code))},
            stages={(s.election_code, code_key(k)): (s.id, s.code) for s in stages for k in (s.name_id, s.code)},
            windows=_windows(stages),
            lists={
                "status": _lookup(rules.REPORT_STATUSES.items()),
                "category": _lookup(conn.execute(select(m.ObstacleCategory.code, m.ObstacleCategory.name_id))),
                "severity": _lookup(conn.execute(select(m.Severity.code, m.Severity.name_id))),
                "counterparty": _lookup(conn.execute(select(m.Counterparty.code, m.Counterparty.name))),
            },
        )


def _lookup(pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    out: dict[str, str] = {}
    for code, name in pairs:
        out[code_key(name)] = code
        out[code_key(code)] = code
    return out


def _windows(stages) -> dict[str, tuple[date, date]]:
    out: dict[str, tuple[date, date]] = {}
    for s in stages:
        first, last = out.get(s.election_code, (s.start_date, s.end_date))
        out[s.election_code] = (min(first, s.start_date), max(last, s.end_date))
    return out


# ---- normalise: raw cells → typed values (or an error per cell) ---------------------

MONTHS = {
    "jan": 1, "januari": 1, "january": 1, "feb": 2, "februari": 2, "february": 2, "mar": 3, "maret": 3, "march": 3,
    "apr": 4, "april": 4, "mei": 5, "may": 5, "jun": 6, "juni": 6, "june": 6, "jul": 7, "juli": 7, "july": 7,
    "agu": 8, "agt": 8, "ags": 8, "aug": 8, "agustus": 8, "august": 8, "sep": 9, "sept": 9, "september": 9,
    "okt": 10, "oct": 10, "oktober": 10, "october": 10, "nov": 11, "nop": 11, "november": 11, "nopember": 11,
    "des": 12, "dec": 12, "desember": 12, "december": 12,
}


class CellError(ValueError):
    """A cell whose value cannot be read as its column's type; `problem` says why (the
    message is its Bahasa Indonesia wording)."""

    def __init__(self, code: str, **params: Any):
        self.problem = Problem("", code, params)
        super().__init__(i18n.problem(self.problem))


def as_text(value: Any) -> str:
    """A cell as text: whole numbers without '.0', dates as DD/MM/YYYY."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, date):
        return rules.day_text(value)
    return str(value)


def parse_date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool) and 1 <= value < 2958466:
        return date(1899, 12, 30) + timedelta(days=int(value))  # an Excel serial number left unformatted
    text = str(value).strip()
    for pattern, order in ((r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})", "dmy"),
                           (r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]00:00(?::00(?:\.0+)?)?)?", "ymd"),
                           (r"(\d{1,2})[ \-]([A-Za-z]+)\.?[ \-](\d{4})", "dMy")):
        match = re.fullmatch(pattern, text)
        if match:
            return _make_date(match.groups(), order, value)
    raise CellError("unreadable_date", value=as_text(value))


def _make_date(parts: tuple[str, ...], order: str, value: Any) -> date:
    values = dict(zip(order, parts, strict=True))
    month = MONTHS.get(values["M"].lower()) if "M" in values else int(values["m"])
    try:
        return date(int(values["y"]), month or 0, int(values["d"]))
    except ValueError as exc:
        raise CellError("impossible_date", value=as_text(value)) from exc


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def parse_number(value: Any) -> float:
    """Percent: a number cell, or text with at most two decimals after a comma or a point
    (12,5 or 12.5). Progress never needs a thousands separator, so '1.000' or '12,345' (a
    separator and three digits) could mean two things and is refused, not guessed."""
    if _is_number(value):
        return float(value)
    text = re.sub(r"[\s\xa0]", "", str(value)).removesuffix("%")
    if re.fullmatch(r"[+-]?\d+([.,]\d{1,2})?", text):
        return float(text.replace(",", "."))
    if re.fullmatch(r"[+-]?\d{1,3}([.,]\d{3})+", text):
        raise CellError("ambiguous_number", value=as_text(value))
    raise CellError("not_percent", value=as_text(value), min=rules.PROGRESS_MIN, max=rules.PROGRESS_MAX)


def parse_money(value: Any) -> int:
    """Whole rupiah. A point or a comma followed by three digits groups thousands (1.500.000.000,
    1,500,000,000); followed by one or two digits it starts the cents, which must be zero
    (1.500.000,00). Anything else (1.500,000 or 1.000.00) is refused, not guessed."""
    if _is_number(value):
        if float(value).is_integer():
            return int(value)
        raise CellError("rupiah_not_whole", value=as_text(value))
    text = re.sub(r"(?i)^rp\.?|[\s\xa0]", "", str(value))
    match = re.fullmatch(r"(\d+|\d{1,3}(?:\.\d{3})+|\d{1,3}(?:,\d{3})+)(?:([.,])(\d{1,2}))?", text)
    if match:
        whole, point, cents = match.groups()
        if point is None or point not in whole:
            if cents and int(cents):
                raise CellError("rupiah_not_whole", value=as_text(value))
            return int(re.sub(r"[.,]", "", whole))
    raise CellError("unreadable_rupiah", value=as_text(value))


def parse_text(value: Any) -> str:
    return rules.clean_text(as_text(value))


def parse_region(value: Any, ref: Reference) -> str:
    """A code as written ('73.10', '7310'), or the exact official name. A number cell is read
    as its shortest exact form, never rounded: Excel keeps 73.10 as 73.1, which is padded
    back, but 73.099 stays 73.099 and is refused."""
    if _is_number(value):
        text = as_text(value) if float(value).is_integer() else repr(float(value))
        if re.fullmatch(r"\d{2}\.\d", text):
            text += "0"
        elif not re.fullmatch(r"\d+(\.\d{2})?", text):
            raise CellError("region_number", value=text)
    else:
        text = str(value).strip()
    text = re.sub(r"^(\d{2})(\d{2})$", r"\1.\2", text)
    found = ref.regions.get(text) or ref.regions.get(name_key(text))
    if found:
        return found
    if re.fullmatch(r"\d{2}\.\d", text):
        raise CellError("region_code_short", value=text)
    return text  # unknown: the schema names it


def _parse_cell(col: Column, value: Any, ref: Reference, election: str | None) -> Any:
    if value is None:
        return None
    match col.parse:
        case "text":
            return parse_text(value)
        case "date":
            return parse_date(value)
        case "number":
            return parse_number(value)
        case "money":
            return parse_money(value)
        case "region":
            return parse_region(value, ref)
        case "election":
            return ref.elections.get(code_key(value), parse_text(value))
        case "stage":
            return _parse_stage(value, ref, election)
        case _:
            return ref.lists[col.parse].get(code_key(value), parse_text(value))


def _parse_stage(value: Any, ref: Reference, election: str | None) -> Any:
    if election not in ref.windows:
        return parse_text(value)  # the election's own error says enough
    found = ref.stages.get((election, code_key(value)))
    if found is None:
        raise CellError("stage_not_in_election", stage=as_text(value), election=election)
    return found[1]


def normalise(kind: str, raw: pd.DataFrame, ref: Reference) -> tuple[pd.DataFrame, list]:
    """Typed values of every cell of `raw` (columns by canonical name), and (row, column,
    problem) for each cell that cannot be read."""
    records, errors = [], []
    for baris, row in zip(raw.index, raw.to_dict("records"), strict=True):
        out: dict[str, Any] = {}
        for col in COLUMNS[kind]:
            try:
                out[col.name] = _parse_cell(col, row.get(col.name), ref, out.get("pemilihan"))
            except CellError as exc:
                out[col.name] = None
                errors.append((baris, col.name, exc.problem.at(col.name)))
        records.append(out)
    frame = pd.DataFrame(records, index=raw.index, columns=[c.name for c in COLUMNS[kind]], dtype=object)
    return frame, errors
