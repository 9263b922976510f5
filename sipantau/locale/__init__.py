"""The catalog: every word a person reads, one module per area, each `TEXT` mapping a key to
(Bahasa Indonesia, English). A new capability adds its own module and names it in `AREAS`;
`sipantau.i18n.t` reads the merged catalog. tests/test_catalog.py fails when a key lacks a
language, when the two languages differ in placeholders, or when a key is defined twice.
"""

from __future__ import annotations

from importlib import import_module

# One module per area, in the order they are merged.
AREAS = ("monitoring", "sessions", "errors", "input", "navigation")


def catalog() -> dict[str, tuple[str, str]]:
    """Every area's words in one table; a key defined in two areas is refused (one meaning per key)."""
    merged: dict[str, tuple[str, str]] = {}
    for area in AREAS:
        words = import_module(f"sipantau.locale.{area}").TEXT
        twice = merged.keys() & words.keys()
        if twice:
            raise ValueError(f"catalog keys defined twice (locale/{area}.py): {', '.join(sorted(twice))}")
        merged |= words
    return merged
