"""Codes that carry a rule, named once: what a region code says, which severities are severe.

Kemendagri region codes: "ID" is the nation, two digits a province ("73"), and a regency or
city adds its own number after a dot ("73.10"), so its province is its first two digits.
Pure (no database), so screens, charts and the write side can share one definition.
"""

from __future__ import annotations

import pandas as pd

NATION = "ID"
# What the briefing screen counts as a severe obstacle: the two highest severities
# of data/reference/severities.csv.
SEVERE = ("kritis", "tinggi")


def province_of(code: str) -> str:
    """The province a region belongs to ("73.10" → "73"; a province is its own)."""
    return code[:2]


def provinces_of(codes: pd.Series) -> pd.Series:
    """`province_of` for a column of codes."""
    return codes.str[:2]


def is_province(code: str) -> bool:
    return len(code) == 2 and code.isdigit()


def province_names(names: pd.Series) -> pd.Series:
    """The provinces among every region's name by code (nation and regencies left out), by code."""
    return names[[is_province(str(code)) for code in names.index]].sort_index()
