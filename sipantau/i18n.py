"""Bahasa Indonesia first, English second; numbers, money and dates through Babel.

Screen text lives in the catalog (`sipantau/locale/`, one module per area) as key →
(Indonesian, English); `TEXT` is the merged table. A missing English entry falls back to
Indonesian, never to the key, so a screen is never blank.
"""

from __future__ import annotations

import math
import numbers
import re
import string
from datetime import date, datetime
from typing import Any

from babel.dates import format_date
from babel.numbers import format_currency, format_decimal

from sipantau.locale import catalog
from sipantau.rules import Problem, day_text, shown

LOCALES = {"id": "id_ID", "en": "en_GB"}
LANG_NAMES = {"id": "Bahasa Indonesia", "en": "English"}

TEXT: dict[str, tuple[str, str]] = catalog()


def t(key: str, lang: str = "id") -> str:
    ind, eng = TEXT[key]
    return eng if lang == "en" and eng else ind


def problem(p: Problem, lang: str = "id") -> str:
    """The message of a refused field (`rules.Problem`), rendered from its code and parameters."""
    return _MessageFormatter(lang).format(t(f"err_{p.code}", lang), field=field_name(p.field, lang), **p.params)


def field_name(name: str, lang: str = "id") -> str:
    """A field as people read it: 'tanggal situasi' and the column 'tanggal_situasi' are one
    field; 'tahap_2_tanggal' is the second tranche's date. Unknown names are shown as given."""
    key = re.sub(r"[\s_]+", "_", name.strip().lower())
    tranche = re.fullmatch(r"tahap_(\d+)_(jumlah|tanggal)", key)
    if tranche:
        return t(f"field_tahap_n_{tranche[2]}", lang).format(n=tranche[1])
    return t(f"field_{key}", lang) if f"field_{key}" in TEXT else name


class _MessageFormatter(string.Formatter):
    """Parameters as a message writes them. Values come from operators and files, so every
    text is one line and shortened (`rules.shown`), and no value can fail the rendering.
    A value is written as it was given (150, 12.5, 27/11/2024); `:n` groups thousands."""

    def __init__(self, lang: str):
        super().__init__()
        self.lang = lang

    def format_field(self, value: Any, format_spec: str) -> str:
        number = _is_number(value)
        match format_spec:
            case "q" | "rp" | "ref" if format_spec == "q" or not number:
                return repr(shown(_written(value)))
            case "n" | "rp":
                return ("Rp" if format_spec == "rp" else "") + _grouped(value, self.lang)
            case "ref":
                return "#" + _written(value)
            case "field":
                return field_name(str(value), self.lang)
            case "status":  # a report status inside a sentence: "status belum mulai"
                key = f"inp_status_{value}"
                return t(key, self.lang).lower() if key in TEXT else shown(value)
            case "obstacle_status":  # as the status list names it: "dari Baru tidak dapat ke Selesai"
                key = f"inp_obstacle_status_{value}"
                return t(key, self.lang) if key in TEXT else shown(value)
            case "mb":
                return _localised(f"{value / 1_048_576:,.1f}", self.lang) + " MB"
        if isinstance(value, (list, tuple)):
            return ", ".join(shown(v) for v in value)
        return shown(_written(value))


def _is_number(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _written(value: Any) -> str:
    """A value as a cell or a field holds it: dates DD/MM/YYYY, whole numbers without '.0'."""
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return day_text(value)
    if _is_number(value) and _huge(value):
        return ("-" if value < 0 else "") + "10^60+"  # no one reads such digits (and str() has a limit)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _huge(value: numbers.Real) -> bool:
    if isinstance(value, numbers.Integral):
        return int(value).bit_length() > 200
    return math.isfinite(value) and abs(value) > 1e60


def _grouped(value: numbers.Real, lang: str) -> str:
    """Thousands grouped as the language does (id 4.001, en 4,001); never fails on a huge
    or non-finite value (which Babel refuses)."""
    if _huge(value) or not math.isfinite(value):
        return _written(value)
    text = f"{int(value):,}" if float(value).is_integer() else f"{float(value):,}"
    return _localised(text, lang)


def _localised(text: str, lang: str) -> str:
    return text.translate(str.maketrans(",.", ".,")) if lang == "id" else text


def number(value: float | int | None, lang: str = "id", digits: int = 0) -> str:
    if value is None or value != value:
        return "–"
    fmt = "#,##0" + ("." + "0" * digits if digits else "")
    return format_decimal(value, format=fmt, locale=LOCALES[lang])


def percent(value: float | None, lang: str = "id", digits: int = 1) -> str:
    """`value` in percent points (87.5 → "87,5%")."""
    if value is None or value != value:
        return "–"
    return number(value, lang, digits) + "%"


def rupiah(value: int | float | None, lang: str = "id") -> str:
    if value is None or value != value:
        return "–"
    return format_currency(value, "IDR", format="¤#,##0", currency_digits=False, locale=LOCALES[lang])


def rupiah_short(value: int | float | None, lang: str = "id") -> str:
    """Large amounts as officials say them: 1,2 T / 350,4 M (triliun / miliar)."""
    if value is None or value != value:
        return "–"
    for size, (ind, eng) in ((1e12, ("T", "tn")), (1e9, ("M", "bn")), (1e6, ("Jt", "m"))):
        if abs(value) >= size:
            return f"Rp{number(value / size, lang, 1)} {eng if lang == 'en' else ind}"
    return rupiah(value, lang)


def day(value: date | None, lang: str = "id", fmt: str = "d MMMM y") -> str:
    if value is None:
        return "–"
    return format_date(value, fmt, locale=LOCALES[lang])
