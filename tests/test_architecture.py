"""The shape of the house (issue 8, ../shared/DESIGN.md), guarded: data flows one way, Streamlit
stays in its adapter, pages lay out and nothing more, charts are handed their geometry, and no
module grows past what a reader can hold.

Imports are read from the source (ast), so a rule holds whether or not the module is imported.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from sipantau import i18n
from sipantau.auth import Actor
from sipantau.config import ROOT, settings

PACKAGE = ROOT / "sipantau"
PAGES = sorted((ROOT / "pages").glob("*.py"))
# Issue 8: "fails when a page imports sqlalchemy, sipantau.db, sipantau.models, sipantau.history or
# sipantau.readiness": no SQL, no connection and no score in a page.
DATA_LAYER = ("sqlalchemy", "sipantau.db", "sipantau.models", "sipantau.history", "sipantau.readiness")
# The page rule (dashboard.py): what a page may import at all.
PAGE_IMPORTS = ("streamlit", "sipantau.ui", "sipantau.screens", "sipantau.charts", "sipantau.i18n", "sipantau.inert",
                "sipantau.export", "sipantau.rules")
# Where Streamlit may be imported: the adapter, the ASGI app, the entry point and the page scripts.
STREAMLIT_HOMES = (PACKAGE / "ui", PACKAGE / "web.py", ROOT / "pages", ROOT / "dashboard.py")
MAX_LINES = 500


def imported(path: Path) -> set[str]:
    """Every module a file imports, as dotted names (`from sipantau import ui` gives both
    `sipantau` and `sipantau.ui`, since the name may be a module)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
            names |= {f"{node.module}.{alias.name}" for alias in node.names}
    return names


def within(name: str, modules: tuple[str, ...]) -> bool:
    return any(name == m or name.startswith(m + ".") for m in modules)


def relative(path: Path) -> str:
    return str(path.relative_to(ROOT))


def test_the_import_reader_sees_every_form(tmp_path):
    probe = tmp_path / "probe.py"
    probe.write_text("import sqlalchemy as sa\nfrom sipantau import readiness, ui\nfrom sipantau.db import frame\n"
                     "import streamlit.components.v1\nfrom . import sibling\n", encoding="utf-8")
    found = imported(probe)
    assert {"sqlalchemy", "sipantau.readiness", "sipantau.ui", "sipantau.db", "streamlit.components.v1"} <= found
    assert sorted(n for n in found if within(n, DATA_LAYER)) == ["sipantau.db", "sipantau.db.frame",
                                                                 "sipantau.readiness", "sqlalchemy"]
    assert not within("sipantau.uix", ("sipantau.ui",)) and within("sipantau.ui.maps", ("sipantau.ui",))


# ---- pages ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_a_page_holds_no_sql_connection_or_score(page):
    assert sorted(n for n in imported(page) if within(n, DATA_LAYER)) == []


@pytest.mark.parametrize("page", [
    pytest.param(p, marks=pytest.mark.xfail(
        reason="issue 7: pages/import_data.py is being rewritten for upload safety (another helper); "
               "it still calls sipantau.ingest and holds the engine", strict=True))
    if p.name == "import_data.py" else p for p in PAGES], ids=lambda p: p.name)
def test_a_page_imports_only_what_the_page_rule_allows(page):
    sipantau_or_streamlit = {n for n in imported(page) if n.split(".")[0] in ("sipantau", "streamlit")}
    others = imported(page) - sipantau_or_streamlit
    assert sorted(others) == []  # no pandas, no stdlib: a page computes nothing
    assert sorted(n for n in sipantau_or_streamlit if n != "sipantau" and not within(n, PAGE_IMPORTS)) == []


def test_the_rule_is_written_where_pages_are_read():
    rule = ast.get_docstring(ast.parse((ROOT / "dashboard.py").read_text(encoding="utf-8")))
    assert all(f"`{m}`" in rule for m in PAGE_IMPORTS)
    assert all("page rule is in dashboard.py" in ast.get_docstring(ast.parse(p.read_text(encoding="utf-8")))
               for p in PAGES if p.name != "import_data.py")


# ---- Streamlit in its adapter ---------------------------------------------------------------------


def _streamlit_home(path: Path) -> bool:
    return any(path == home or home in path.parents for home in STREAMLIT_HOMES)


def test_streamlit_is_imported_only_in_the_adapter_the_pages_and_the_entry_point():
    sources = [ROOT / "dashboard.py", *PAGES, *sorted(PACKAGE.rglob("*.py"))]
    outside = [relative(p) for p in sources if not _streamlit_home(p)
               and any(within(n, ("streamlit",)) for n in imported(p))]
    assert outside == []
    inside = [p for p in sources if _streamlit_home(p) and any(within(n, ("streamlit",)) for n in imported(p))]
    assert PACKAGE / "ui" / "data.py" in inside  # the scan reads the adapter too


def _caches(path: Path) -> bool:
    return any(isinstance(node, ast.Attribute) and node.attr in ("cache_data", "cache_resource")
               for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))))


def test_every_cache_of_the_app_is_in_ui_data():
    cached = [relative(p) for p in [ROOT / "dashboard.py", *PAGES, *sorted(PACKAGE.rglob("*.py"))] if _caches(p)]
    assert cached == ["sipantau/ui/data.py"]


# ---- charts are handed their geometry -------------------------------------------------------------


def test_charts_read_no_boundaries_reference_or_database():
    modules = sorted((PACKAGE / "charts").glob("*.py"))
    assert len(modules) > 1
    found = {relative(p): sorted(n for n in imported(p) if within(
        n, ("sipantau.geo", "sipantau.reference", "sipantau.db", "sipantau.boundaries", "sqlalchemy")))
        for p in modules}
    assert {k: v for k, v in found.items() if v} == {}
    text = "\n".join(p.read_text(encoding="utf-8") for p in modules)
    assert not re.search(r"read_csv|read_file|(?<![.\w])open\(|Path\(", text)  # no file is read here


# ---- module size ----------------------------------------------------------------------------------


@pytest.mark.parametrize("module", sorted(PACKAGE.rglob("*.py")),
                         ids=lambda p: relative(p))
def test_no_module_is_longer_than_a_reader_can_hold(module):
    assert len(module.read_text(encoding="utf-8").splitlines()) <= MAX_LINES


# ---- the page registry ----------------------------------------------------------------------------


def test_every_page_is_registered_once_with_its_words_in_both_languages():
    from sipantau.ui import nav

    assert sorted(spec.file for spec in nav.PAGES) == sorted(relative(p) for p in PAGES)
    assert len({spec.url_path for spec in nav.PAGES}) == len(nav.PAGES)
    keys = [k for spec in nav.PAGES for k in (spec.title, spec.help, spec.section) if k]
    assert [k for k in keys if k not in i18n.TEXT] == []
    assert all(i18n.t(k, "id") != i18n.t(k, "en") for k in keys if k.startswith("help_"))


@pytest.mark.parametrize("public_read", ["0", "1"])
def test_who_sees_which_page(monkeypatch, public_read):
    from sipantau.ui import nav

    monkeypatch.setenv("SIPANTAU_PUBLIC_READ", public_read)
    settings.cache_clear()
    try:
        def seen(role: str | None) -> set[str]:
            actor = Actor(1, "x", role, "73.10" if role == "operator_kabkota" else None) if role else None
            return {Path(spec.file).stem for spec in nav.PAGES if spec.shown_to(actor)}

        monitoring = {"home", "national_map", "province", "regency", "ranking", "obstacles", "silent", "briefing"}
        writing = {"report_stage", "report_obstacle", "report_nphd", "documents", "import_data"}
        assert seen(None) == ({"login"} | (monitoring if public_read == "1" else set()))
        assert seen("operator_kabkota") == monitoring | writing | {"account"}
        assert seen("verifikator_provinsi") == monitoring | {"audit", "account"}
        assert seen("admin_pusat") == monitoring | writing | {"audit", "users", "account"}
        assert seen("layar_briefing") == monitoring | {"account"}
        assert nav.start_page(Actor(1, "x", "layar_briefing", None)) == "pages/briefing.py"
        assert nav.start_page(Actor(1, "x", "pimpinan", None)) == "pages/home.py"
        assert nav.start_page(None) == ("pages/home.py" if public_read == "1" else "pages/login.py")
    finally:
        settings.cache_clear()
