"""What a backup, a restore and a verification return or raise, and how their lists of problems
are worded (at most SHOWN lines, then "… dan N lagi"). Imports the standard library only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

SHOWN = 20  # problems listed one by one before "… dan N lagi"


class BackupError(Exception):
    """A refusal or a failure; the message (Bahasa Indonesia) says what to do."""

    def __init__(self, message: str, details: list[str] | None = None):
        super().__init__(message)
        self.details = details or []


@dataclass
class Check:
    """What a verification found: problems (damaged), warnings (intact but incomplete), notes."""

    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    manifest: dict | None = None

    @property
    def ok(self) -> bool:
        return not self.problems and not self.warnings


@dataclass
class BackupResult:
    path: Path
    manifest: dict
    warnings: list[str]


@dataclass
class RestoreResult:
    manifest: dict
    tables: dict[str, int]
    documents_written: int
    boundaries: dict[str, list[str]]
    problems: list[str]
    warnings: list[str]
    notes: list[str]


def _ids(ids: list[int]) -> str:
    shown = ", ".join(f"#{i}" for i in ids[:5])
    return shown + (f" (+{len(ids) - 5} lagi)" if len(ids) > 5 else "")


def _listed(lines: list[str]) -> list[str]:
    return lines[:SHOWN] + ([f"… dan {len(lines) - SHOWN} lagi."] if len(lines) > SHOWN else [])
