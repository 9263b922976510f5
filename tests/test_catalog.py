"""The catalog (sipantau/locale/): every key in both languages with the same placeholders, no key
defined twice, and every key a module asks for present."""

from __future__ import annotations

import ast
import string
from pathlib import Path

import pytest

from sipantau import i18n, locale

ROOT = Path(__file__).resolve().parents[1]


def placeholders(text: str) -> list[str]:
    return sorted({name for _, name, _, _ in string.Formatter().parse(text) if name is not None})


@pytest.mark.parametrize("key", sorted(i18n.TEXT))
def test_every_key_speaks_both_languages_with_the_same_placeholders(key):
    indonesian, english = i18n.TEXT[key]
    assert indonesian.strip() and english.strip(), f"{key}: a language is missing"
    assert placeholders(indonesian) == placeholders(english), key


def test_a_key_defined_in_two_areas_is_refused(monkeypatch):
    monkeypatch.setattr(locale, "AREAS", ("monitoring", "monitoring"))
    with pytest.raises(ValueError, match="defined twice"):
        locale.catalog()


def asked_keys() -> set[tuple[str, str]]:
    """Literal keys passed to a `t(...)` call anywhere in the app: (file, key)."""
    found = set()
    files = [*(ROOT / "sipantau").rglob("*.py"), *(ROOT / "pages").glob("*.py"), ROOT / "dashboard.py"]
    for path in files:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", None)) == "t"
                    and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
                found.add((str(path.relative_to(ROOT)), node.args[0].value))
    return found


def test_every_key_the_code_asks_for_is_in_the_catalog():
    missing = sorted((where, key) for where, key in asked_keys() if key not in i18n.TEXT)
    assert missing == []
