"""Hostile text: stored verbatim, shown as text (tables, st.text, st.code) or escaped
(`sipantau.inert`), never rendered as Markdown or HTML, never making the browser fetch
anything; SQL-looking input in filters changes nothing.

One database holds a record of every kind whose every text field is hostile (Markdown
image and link, raw HTML with <img> and <script>, emphasis, code, a bare URL, maths,
icon and emoji shortcodes, a table pipe), with hostile region and code-table names as an
import could bring them. AppTest reads every page that shows them; headless Chromium
visits the same pages against a real `python -m sipantau serve` with every outside request refused.
"""

from __future__ import annotations

import ast
import json
import re
import uuid
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
import streamlit as st
from conftest import demo_database, login
from server import running
from sqlalchemy import func, select
from streamlit.testing.v1 import AppTest
from test_browser import ARTIFACTS, CHROMIUM, wait_for_app

from sipantau import audit, charts, documents, forms, geo, history, readiness, upload_guard
from sipantau import models as m
from sipantau.auth import add_user, get_actor
from sipantau.config import ROOT, settings
from sipantau.db import write_tx
from sipantau.demo import DEMO_PASSWORD
from sipantau.inert import WORD_JOINER, md_escape, plotly_escape
from sipantau.reports import (
    current_agreement,
    record_nphd_agreement,
    record_obstacle,
    record_obstacle_action,
    submit_stage_report,
)
from sipantau.screens.input import reference

HOSTILE = [
    "<script>alert(1)</script>",
    "**bold** [x](javascript:alert(1))",
    "'; DROP TABLE stage_report; --",
    "<img src=x onerror=alert(1)> :red[merah] $x^2$ ![i](http://x/y.png)",
    "=HYPERLINK(\"http://x\",\"klik\")",
]
# Markup that survives only when text was not escaped: if any of these is found in what
# a Markdown-rendering element receives, that element interprets operator text.
INTERPRETED = {
    "link or image": r"(?<!\\)\[[^\]]*(?<!\\)\]\(",
    "raw HTML": r"(?<!\\)<[A-Za-z/!]",
    "emphasis": r"(?<!\\)(\*\*|__)(tebal|bold)|(?<!\\)_miring",
    "code": r"(?<!\\)`kode",
    "maths": r"(?<!\\)\$[^\s$]",
    "bare link": r"https?:(?!\u2060)/|www(?!\u2060)\.|@(?!\u2060)\w",
    "icon or emoji": r":(?!\u2060)(material/|tada:|streamlit:)",
    "directive": r"(?<!\\):[a-z]+(?<!\\)\[",
    "table": r"(?<!\\)\|",
    "strikethrough": r"(?<!\\)~coret",
    "arrow": r"->",
}


def interpreted(value: str) -> list[str]:
    return [what for what, pattern in INTERPRETED.items() if re.search(pattern, value)]


def md_literal(value: str) -> str:
    """What a reader sees of escaped Markdown text: the escapes and word joiners gone."""
    return re.sub(r"\\(.)", r"\1", value.replace(WORD_JOINER, ""))


def stage_id(engine, code="kampanye") -> int:
    with engine.connect() as conn:
        return conn.execute(select(m.Stage.id).where(m.Stage.election_code == "pilkada-2024",
                                                     m.Stage.code == code)).scalar()


def counts(engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {t.name: conn.execute(select(func.count()).select_from(t)).scalar()
                for t in m.Base.metadata.sorted_tables}


# ---- the service layer, on SQLite and PostgreSQL ----------------------------------------


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_text_is_stored_verbatim(engine, op_pangkep, text):
    before = counts(engine)
    receipt = submit_stage_report(engine, op_pangkep, region_code="73.10", stage_id=stage_id(engine),
                                  situation_date=date(2024, 10, 24), progress=50.0, status="berjalan", note=text)
    obstacle = record_obstacle(engine, op_pangkep, election_code="pilkada-2024", region_code="73.10",
                               category_code="logistik", severity_code="sedang", description=text, owner=text,
                               found_date=date(2024, 11, 1))
    record_obstacle_action(engine, op_pangkep, obstacle_id=obstacle.id, action_date=date(2024, 11, 2),
                           actor_name=text, description=text, new_status="selesai", evidence=text)
    sr, ob, oa = m.StageReport.__table__, m.Obstacle.__table__, m.ObstacleAction.__table__
    with engine.connect() as conn:
        assert conn.execute(select(sr.c.note).where(sr.c.id == receipt.id)).scalar() == text
        assert conn.execute(select(ob.c.description, ob.c.owner).where(ob.c.id == obstacle.id)).one() == (text, text)
        assert conn.execute(select(oa.c.evidence).where(oa.c.obstacle_id == obstacle.id)).scalar() == text
        afters = [json.loads(a) for a in audit.audit_frame(conn, region_prefix="73.10")["after"]]
        assert {"note": text} in [{"note": a.get("note")} for a in afters]
    after = counts(engine)
    assert after["stage_report"] == before["stage_report"] + 1  # the table is still there, one row more
    assert after["obstacle"] == before["obstacle"] + 1


def test_sql_looking_filters_change_nothing(engine, op_pangkep):
    submit_stage_report(engine, op_pangkep, region_code="73.10", stage_id=stage_id(engine),
                        situation_date=date(2024, 10, 24), progress=50.0, status="berjalan", note=HOSTILE[2])
    before = counts(engine)
    with engine.connect() as conn:
        for bad in ["73.10' OR '1'='1", "'; DROP TABLE stage_report; --", "%", "73%", "_"]:
            assert audit.audit_frame(conn, region_prefix=bad).empty
            assert audit.audit_frame(conn, username=bad).empty
            assert forms.recent_reports(conn, bad, "pilkada-2024").empty
            assert forms.region_obstacles(conn, bad, "pilkada-2024").empty
    assert counts(engine) == before


# ---- the escaping helpers -------------------------------------------------------------------

HOST = "203.0.113.9"  # TEST-NET-3: never routable; a request to it is the failure


def hostile(tag: str) -> str:
    """What one field holds: its tag, then Markdown, HTML, links, maths, icons, emoji and a pipe."""
    return (f"{tag}: ![gambar](http://{HOST}/{tag}.png) [klik](http://{HOST}/{tag}) "
            f"<img src=http://{HOST}/{tag}.gif onerror=\"window.__pwned='{tag}'\"> "
            f"<script>window.__pwned='{tag}'</script> **tebal** _miring_ `kode` http://{HOST}/{tag}/polos "
            f"www.contoh.example ops@contoh.example $x^2$ :material/home: :tada: :streamlit: a | b -> ~coret~")


@pytest.mark.parametrize("text", [*HOSTILE, hostile("uji"), "1. daftar\n- butir\n# judul\n> kutipan\n===\n&lt;b&gt;"])
def test_md_escape_leaves_nothing_to_interpret(text):
    escaped = md_escape(text)
    assert interpreted(escaped) == []
    assert md_literal(escaped) == text  # what is read is exactly what was typed
    for line in escaped.splitlines():  # no block syntax: lists, headings, quotes, rules
        assert not re.match(r"\s*([-+*>#=]|\d+[.)])", line), line
    assert "&lt;" not in escaped.replace("\\&lt;", "")  # an entity is shown, not decoded


def test_md_escape_keeps_sentences_as_they_read():
    for sentence in ["Kata sandi lama salah.", "Berkas ditolak: 2 masalah pada 1 baris (lihat tabel).",
                     "Tanggal 01-02-2024, pukul 20.15 WIB; oke?", "Kab. Pangkajene dan Kepulauan"]:
        assert md_escape(sentence) == sentence


def test_plotly_escape_turns_tags_into_text():
    assert plotly_escape("<a href='http://x'>k</a> & <b>") == "&lt;a href='http://x'&gt;k&lt;/a&gt; &amp; &lt;b&gt;"


# ---- the code: Markdown-rendering elements get catalog text or escaped text ----------------------

# Streamlit calls whose text arguments render Markdown (Streamlit 1.67: bodies of markdown,
# caption and alerts; titles, headers; labels of widgets, expanders, tabs, buttons, metrics;
# help tooltips), by the positions of those arguments. Selectbox and multiselect *options*
# and dataframe cells are plain text and are not listed.
MARKDOWN_ARGS = {name: (0,) for name in (
    "markdown", "caption", "title", "header", "subheader", "info", "warning", "error", "success", "toast",
    "spinner", "expander", "popover", "button", "form_submit_button", "download_button", "link_button",
    "page_link", "checkbox", "toggle", "radio", "selectbox", "multiselect", "text_input", "text_area",
    "number_input", "date_input", "time_input", "file_uploader", "segmented_control", "pills", "slider",
    "select_slider", "color_picker", "badge", "write", "table", "tabs")} | {"metric": (0, 1, 2), "progress": ()}
ALERTS = {"info", "warning", "error", "success", "toast"}
# Keyword arguments that render Markdown, and where.
MARKDOWN_KWARGS = {"label": None, "help": None, "body": None, "title": ALERTS, "value": {"metric"},
                   "delta": {"metric"}, "text": {"progress"}, "format_func": {"radio", "segmented_control", "pills"}}
# Calls whose result is safe whatever their arguments: catalog text, escaped text, numbers, dates.
SAFE_CALLS = {"t", "md_escape", "number", "percent", "day", "rupiah", "rupiah_short", "moment", "reference", "len",
              "int", "strftime"}
PRAGMA = "# markdown-safe:"  # on the line (or the line before): reviewed by hand, say why


def _callee(node: ast.Call) -> str | None:
    f = node.func
    return f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else None


class _Scope:
    """Which names of a module hold safe text: every assignment of them is safe, and they
    are never bound by a loop, a parameter or an augmented assignment."""

    def __init__(self, tree: ast.Module, lines: list[str]) -> None:
        self.lines = lines
        self.assigned: dict[str, list[ast.AST]] = {}
        self.bound_otherwise: set[str] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    if isinstance(target, ast.Name):
                        self.assigned.setdefault(target.id, []).append(node)
                    else:
                        self._unsafe(target)
            elif isinstance(node, (ast.For, ast.comprehension, ast.AugAssign, ast.NamedExpr, ast.AnnAssign)):
                self._unsafe(node.target)
            elif isinstance(node, ast.arguments):
                self.bound_otherwise |= {a.arg for a in [*node.posonlyargs, *node.args, *node.kwonlyargs]}

    def _unsafe(self, target: ast.AST) -> None:
        self.bound_otherwise |= {n.id for n in ast.walk(target) if isinstance(n, ast.Name)}

    def reviewed(self, node: ast.AST) -> bool:
        return any(PRAGMA in line for line in self.lines[max(node.lineno - 2, 0):node.end_lineno])

    def safe(self, node: ast.AST, seen: frozenset = frozenset()) -> bool:
        match node:
            case ast.Constant():
                return True
            case ast.Name(id=name) | ast.Attribute(attr=name) if name.isupper():
                return True  # a module constant
            case ast.Name(id=name):
                if name in seen or name in self.bound_otherwise or name not in self.assigned:
                    return False
                return all(self.reviewed(a) or self.safe(a.value, seen | {name}) for a in self.assigned[name])
            case ast.JoinedStr():
                return all(self.safe(v.value, seen) for v in node.values if isinstance(v, ast.FormattedValue))
            case ast.BinOp(op=ast.Add()):
                return self.safe(node.left, seen) and self.safe(node.right, seen)
            case ast.IfExp():
                return self.safe(node.body, seen) and self.safe(node.orelse, seen)
            case ast.List() | ast.Tuple():
                return all(self.safe(e, seen) for e in node.elts)
            case ast.Dict():
                return all(self.safe(v, seen) for v in node.values)
            case ast.ListComp() | ast.GeneratorExp():
                return self.safe(node.elt, seen)
            case ast.Lambda():
                return self.safe(node.body, seen)
            case ast.Subscript():
                return self.safe(node.value, seen)  # an entry of a constant table
            case ast.Attribute(attr="get"):
                return self.safe(node.value, seen)  # format_func=names.get
            case ast.Call():
                name = _callee(node)
                if name in SAFE_CALLS:
                    return True
                if name in ("format", "join") and isinstance(node.func, ast.Attribute):
                    return (self.safe(node.func.value, seen) and all(self.safe(a, seen) for a in node.args)
                            and all(self.safe(k.value, seen) for k in node.keywords))
        return False


def markdown_offenders(path: Path) -> list[str]:
    source = path.read_text(encoding="utf-8")
    tree = ast.parse(source)
    scope = _Scope(tree, source.splitlines())
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or scope.reviewed(node):
            continue
        name = _callee(node)
        args = [k.value for k in node.keywords if k.arg == "help"]
        if name in MARKDOWN_ARGS and isinstance(node.func, ast.Attribute):
            args = [node.args[i] for i in MARKDOWN_ARGS[name] if i < len(node.args)]
            args += [k.value for k in node.keywords if k.arg in MARKDOWN_KWARGS
                     and (MARKDOWN_KWARGS[k.arg] is None or name in MARKDOWN_KWARGS[k.arg])]
        where = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path.name
        found += [f"{where}:{a.lineno}: {ast.unparse(a)}" for a in args if not scope.safe(a)]
    return found


def streamlit_sources() -> list[Path]:
    files = [ROOT / "dashboard.py", *sorted((ROOT / "pages").glob("*.py")), *sorted((ROOT / "sipantau").rglob("*.py"))]
    return [p for p in files if re.search(r"^\s*import streamlit", p.read_text(encoding="utf-8"), re.M)]


def test_markdown_elements_get_only_catalog_or_escaped_text():
    """Every argument of a Markdown-rendering Streamlit call is catalog text (`t(...)`), a
    constant, a number or date formatted by i18n, or passes through `inert.md_escape`;
    anything else (a record's field, a name, a message) must go through md_escape or be
    shown with st.text / st.dataframe instead."""
    sources = streamlit_sources()
    assert ROOT / "pages" / "regency.py" in sources and ROOT / "sipantau" / "ui" / "nav.py" in sources
    assert [o for path in sources for o in markdown_offenders(path)] == []


def test_the_scan_catches_what_it_is_for(tmp_path):
    page = tmp_path / "probe.py"
    page.write_text('import streamlit as st\nfrom sipantau.inert import md_escape\n'
                    'st.caption(f"{t(\'owner\')}: {o.owner}")\nst.expander(row["name"])\n'
                    'st.metric(h.label, "1", help=h.help)\nst.caption(md_escape(o.owner))\n'
                    'st.selectbox(t("region"), options, format_func=labels.get)\n', encoding="utf-8")
    found = markdown_offenders(page)
    assert [f.split(": ", 1)[1] for f in found] == ["f\"{t('owner')}: {o.owner}\"", "row['name']", "h.label",
                                                    "h.help"]


def test_no_page_or_module_renders_unsafe_html():
    offenders = []
    for folder in ("pages", "sipantau"):
        for path in (ROOT / folder).rglob("*.py"):
            source = path.read_text(encoding="utf-8")
            if re.search(r"unsafe_allow_html\s*=\s*True", source) or "unsafe_allow_javascript" in source:
                offenders.append(str(path.relative_to(ROOT)))
            if re.search(r"\bst\.(html|table|write)\(|MarkdownColumn|LinkColumn|ImageColumn", source):
                offenders.append(str(path.relative_to(ROOT)))  # these render cell text
    assert offenders == []
    dashboard = (ROOT / "dashboard.py").read_text(encoding="utf-8")
    assert not re.search(r"unsafe_allow_html\s*=\s*True", dashboard)


# ---- one database where every text field of every record kind is hostile --------------------

PDF = b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n%%EOF\n"
REGENCY, PROVINCE, ELECTION = "73.10", "73", "pilkada-2024"
# A file name keeps no folders (documents.safe_filename), so no slashes; the image is relative.
HOSTILE_FILENAME = (f"berkas: ![gambar]({HOST}.png) <img src={HOST}.gif onerror=\"window.__pwned='berkas'\"> "
                    "**tebal** :tada: $x$ | b.pdf")


def hostile_short(tag: str, limit: int) -> str:
    """The most dangerous part of `hostile` for columns the write side bounds (owner and
    follow-up actor 160 characters, full name 120): an image, a link, raw HTML, bold, an emoji."""
    text = (f"{tag}: ![g](http://{HOST}/{tag}.png) [k](http://{HOST}/{tag}) "
            f"<img src=x onerror=\"window.__pwned='{tag}'\"> **b** :tada: |")
    assert len(text) <= limit, (tag, len(text))
    return text


# Typed by operators: every text field of every record kind, each as long as its column allows.
FIELDS = {name: hostile(name) for name in (
    "catatan-laporan", "uraian-hambatan", "tindak-lanjut", "bukti", "catatan-nphd")} | {
    "penanggung-jawab": hostile_short("pj", 160), "pelaksana": hostile_short("pl", 160),
    "nama-lengkap": hostile_short("nl", 120), "berkas": HOSTILE_FILENAME}
# Reference data as an import could bring it: names of regions and code-table entries.
NAMES = {name: hostile(name) for name in ("kabupaten", "provinsi", "kategori", "tingkat", "tahapan", "mitra")}
# Which fields each audited record holds.
RECORD_FIELDS = {"stage_report": ["catatan-laporan"], "obstacle": ["uraian-hambatan", "penanggung-jawab"],
                 "obstacle_action": ["pelaksana", "tindak-lanjut", "bukti"], "nphd_agreement": ["catatan-nphd"],
                 "document": ["berkas"], "app_user": ["nama-lengkap"]}


@dataclass(frozen=True)
class HostileDb:
    url: str
    engine: object
    documents: Path
    refs: dict  # record kind → id


def _hostile_names(conn) -> None:
    t = {model: model.__table__ for model in (m.Region, m.ObstacleCategory, m.Severity, m.Stage, m.Counterparty)}
    conn.execute(t[m.Region].update().where(m.Region.code == REGENCY).values(name=NAMES["kabupaten"]))
    conn.execute(t[m.Region].update().where(m.Region.code == PROVINCE).values(name=NAMES["provinsi"]))
    conn.execute(t[m.ObstacleCategory].update().where(m.ObstacleCategory.code == "logistik")
                 .values(name_id=NAMES["kategori"]))
    conn.execute(t[m.Severity].update().where(m.Severity.code == "sedang").values(name_id=NAMES["tingkat"]))
    conn.execute(t[m.Stage].update().where(m.Stage.election_code == ELECTION, m.Stage.code == "kampanye")
                 .values(name_id=NAMES["tahapan"]))
    conn.execute(t[m.Counterparty].update().where(m.Counterparty.code == "KPU").values(name=NAMES["mitra"]))


def hostile_database(url: str, documents_dir: Path) -> HostileDb:
    """A small demo history (ending 20 November 2024), then one record of every kind whose
    every text field holds `hostile(…)` text, all for Kab. Pangkep and shown on that day."""
    engine = demo_database(url, 3_000)
    with write_tx(engine) as conn:
        _hostile_names(conn)
        pangkep, admin = get_actor(conn, "operator.pangkep"), get_actor(conn, "admin")
        current = current_agreement(conn, ELECTION, REGENCY, "KPU")
    f, campaign = FIELDS, stage_id(engine)
    refs = {"stage_report": submit_stage_report(
        engine, pangkep, region_code=REGENCY, stage_id=campaign, situation_date=date(2024, 11, 18), progress=55.0,
        status="berjalan", note=f["catatan-laporan"]).id}
    refs["obstacle"] = record_obstacle(
        engine, pangkep, election_code=ELECTION, region_code=REGENCY, category_code="logistik",
        severity_code="sedang", stage_id=campaign, description=f["uraian-hambatan"], owner=f["penanggung-jawab"],
        found_date=date(2024, 11, 15)).id
    refs["obstacle_action"] = record_obstacle_action(
        engine, pangkep, obstacle_id=refs["obstacle"], action_date=date(2024, 11, 16), actor_name=f["pelaksana"],
        description=f["tindak-lanjut"], new_status="ditangani", evidence=f["bukti"]).id
    refs["nphd_agreement"] = record_nphd_agreement(
        engine, pangkep, election_code=ELECTION, region_code=REGENCY, counterparty_code="KPU",
        agreed_value=current["agreed_value"] if current else 5_000_000_000, signed_date=date(2024, 6, 1),
        note=f["catatan-nphd"], replaces_id=current["id"] if current else None).id
    refs["document"] = documents.upload_document(
        engine, pangkep, region_code=REGENCY, requirement_code="sk-tim-pemantauan", document_date=date(2024, 11, 1),
        filename=f["berkas"], content=PDF, election_code=ELECTION, root=documents_dir).id
    refs["app_user"] = add_user(engine, admin, "pengguna.uji", f["nama-lengkap"], "operator_kabkota", REGENCY,
                                None, DEMO_PASSWORD).id
    return HostileDb(url, engine, documents_dir, refs)


@pytest.fixture(scope="module")
def app_db(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile")
    return hostile_database(f"sqlite:///{folder / 'sipantau.db'}", folder / "dokumen")


def test_every_text_field_is_stored_as_typed(app_db):
    """The premise of the page tests below: nothing was cleaned away on the way in."""
    tables = {kind: audit.TABLES[kind] for kind in RECORD_FIELDS}
    columns = {"catatan-laporan": "note", "uraian-hambatan": "description", "penanggung-jawab": "owner",
               "pelaksana": "actor", "tindak-lanjut": "description", "bukti": "evidence", "catatan-nphd": "note",
               "berkas": "filename", "nama-lengkap": "full_name"}
    with app_db.engine.connect() as conn:
        for kind, fields in RECORD_FIELDS.items():
            row = conn.execute(select(tables[kind]).where(tables[kind].c.id == app_db.refs[kind])).mappings().one()
            assert [row[columns[f]] for f in fields] == [FIELDS[f] for f in fields]


# ---- charts: plotly renders HTML in hover text, labels and titles ----------------------------


def test_figures_carry_names_as_text(app_db):
    with app_db.engine.connect() as conn:
        snap = readiness.snapshot(history.load(conn, ELECTION, date(2024, 11, 20)))
        nat = readiness.national(snap)
    offices = readiness.region_metrics(snap)
    provinces = readiness.province_metrics(snap, offices)
    timeline = pd.DataFrame({"situation_date": [pd.Timestamp("2024-11-01")], "progress": [50.0]})
    figures = [charts.tile_map(provinces, "progress", "id", tiles=geo.province_tile_grid(), title=NAMES["tahapan"]),
               charts.choropleth(offices, "index", "id", "/app/static/geo/regencies-73.geojson", level="regency",
                                 province_code=PROVINCE, bounds=(117.0, -7.8, 122.0, -1.8), title=NAMES["tahapan"]),
               charts.severity_bar(nat.obstacles_by_severity, "id"),
               charts.stage_timeline(timeline, "id", title=NAMES["tahapan"])]
    texts = [s for fig in figures for s in _strings(fig.to_plotly_json())]
    assert [s for s in texts if re.search(r"<(img|a|script)\b", s)] == []  # plotly would render these
    for name in ("provinsi", "kabupaten", "tingkat", "tahapan"):
        assert any(plotly_escape(NAMES[name]) in s for s in texts), name


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list | tuple):
        for v in value:
            yield from _strings(v)


# ---- the pages (AppTest) ------------------------------------------------------------------------


@pytest.fixture
def app(app_db, monkeypatch):
    monkeypatch.setenv("SIPANTAU_DATABASE_URL", app_db.url)
    monkeypatch.setenv("SIPANTAU_LANG", "id")
    monkeypatch.setenv("SIPANTAU_PUBLIC_READ", "0")
    monkeypatch.setenv("SIPANTAU_DOCUMENTS_DIR", str(app_db.documents))
    settings.cache_clear()
    st.cache_data.clear()
    yield AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    settings.cache_clear()


def open_page(at: AppTest, page: str) -> AppTest:
    at.switch_page(f"pages/{page}.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def markdown_texts(at: AppTest) -> list[str]:
    """Everything on the page (sidebar included) that Streamlit renders as Markdown."""
    kinds = ("markdown", "caption", "success", "error", "info", "warning", "title", "header", "subheader")
    out = [str(getattr(e, "value", "")) for kind in kinds for e in getattr(at, kind)]
    out += [e.label for e in at.expander] + [e.label for e in at.tabs]
    out += [str(x or "") for e in at.metric for x in (e.label, e.value, e.help)]
    widgets = ("button", "selectbox", "multiselect", "text_input", "text_area", "number_input", "date_input",
               "checkbox", "toggle", "radio")
    return out + [str(x or "") for kind in widgets for e in getattr(at, kind) for x in (e.label, e.help)]


def table_cells(at: AppTest) -> set[str]:
    return {str(v) for frame in at.dataframe for col in frame.value.columns for v in frame.value[col]}


def shown_as_text(at: AppTest) -> str:
    """What the page shows through elements that interpret nothing."""
    return "\n".join([*table_cells(at), *(t.value for t in at.text), *(c.value for c in at.code)])


def assert_inert(at: AppTest) -> None:
    for shown in markdown_texts(at):
        assert interpreted(shown) == [], (interpreted(shown), shown)


def assert_shown_only_as_text(at: AppTest, text: str) -> None:
    assert_inert(at)
    assert text in shown_as_text(at)


@pytest.mark.parametrize("text", HOSTILE)
def test_a_hostile_note_is_shown_as_text_on_the_report_page(app, app_db, text):
    engine = app_db.engine
    at = open_page(login(app, "operator.pangkep"), "report_stage")
    note = f"{text} {uuid.uuid4().hex[:4]}"
    at.selectbox(key="lap_tahapan").set_value(stage_id(engine))
    at.date_input(key="lap_tanggal").set_value(date(2024, 10, 22))
    at.number_input(key="lap_progres").set_value(45.0)
    at.selectbox(key="lap_status").set_value("berjalan")
    at.text_area(key="lap_catatan").set_value(note)
    at.button(key="lap_submit").click().run()
    assert not at.exception and not at.error
    sr = m.StageReport.__table__
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(sr).where(sr.c.note == note)).scalar() == 1
    assert note in table_cells(at)  # receipt table and the region's latest reports
    assert_shown_only_as_text(at, note)


def test_hostile_obstacle_text_on_the_obstacle_page(app, app_db):
    engine = app_db.engine
    with engine.connect() as conn:
        pangkep = get_actor(conn, "operator.pangkep")
    text = HOSTILE[0] + " " + HOSTILE[1] + f" {uuid.uuid4().hex[:4]}"
    receipt = record_obstacle(engine, pangkep, election_code="pilkada-2024", region_code="73.10",
                              category_code="logistik", severity_code="tinggi", description=text, owner=HOSTILE[2],
                              found_date=date(2024, 11, 1))
    at = login(app, "operator.pangkep")
    at.session_state["tl_hambatan"] = receipt.id
    at = open_page(at, "report_obstacle")
    assert text in {t.value for t in at.text}  # the chosen obstacle's description, as plain text
    assert text in table_cells(at) and HOSTILE[2] in table_cells(at)
    assert_shown_only_as_text(at, text)


def test_hostile_text_on_the_audit_page_and_sql_in_its_filters(app, app_db):
    engine = app_db.engine
    with engine.connect() as conn:
        pangkep = get_actor(conn, "operator.pangkep")
    note = HOSTILE[1] + f" {uuid.uuid4().hex[:4]}"
    receipt = submit_stage_report(engine, pangkep, region_code="73.10", stage_id=stage_id(engine),
                                  situation_date=date(2024, 10, 21), progress=40.0, status="berjalan", note=note)
    at = open_page(login(app, "admin"), "audit")
    at.selectbox(key="audit_data").set_value(f"stage_report:{receipt.id}").run()
    assert not at.exception
    assert any(note in cell for cell in table_cells(at))  # the after-JSON column and the record table
    assert any(note in c.value for c in at.code)  # before/after of the record's audit rows
    assert_shown_only_as_text(at, note)

    before = counts(engine)
    for bad in ["73' OR '1'='1", "'; DROP TABLE audit_log; --", "%"]:
        at.text_input(key="audit_wilayah").set_value(bad).run()
        assert not at.exception
        assert not at.dataframe and at.info  # nothing matches; nothing else happens
    assert counts(engine) == before


# What each page shows of the hostile records: (page, pickers, fields as text, names escaped
# in Markdown elements). The regency page is where a tester saw an owner rendered as Markdown.
PAGES = [
    ("home", {}, [], ["tingkat"]),
    ("national_map", {}, ["provinsi"], []),
    ("province", {"provinsi": PROVINCE}, ["kabupaten"], ["provinsi"]),
    ("regency", {"wilayah": REGENCY}, ["uraian-hambatan", "penanggung-jawab", "pelaksana", "tindak-lanjut", "bukti",
                                       "tahapan"], ["kabupaten", "provinsi", "kategori", "tingkat"]),
    ("ranking", {}, ["provinsi", "kabupaten"], []),
    ("obstacles", {}, ["uraian-hambatan", "penanggung-jawab", "kabupaten", "provinsi", "kategori", "tingkat",
                       "tahapan"], []),
    ("silent", {}, [], []),
    ("briefing", {}, [], []),
    ("report_stage", {"input_region": REGENCY}, ["catatan-laporan", "tahapan"], []),
    ("report_obstacle", {"input_region": REGENCY}, ["uraian-hambatan", "penanggung-jawab", "pelaksana",
                                                    "tindak-lanjut", "bukti", "kategori", "tingkat"], []),
    ("report_nphd", {"input_region": REGENCY}, ["catatan-nphd", "mitra"], []),
    ("documents", {"input_region": REGENCY}, ["berkas"], []),
    ("users", {}, ["nama-lengkap"], []),
]


def _field(name: str) -> str:
    return FIELDS.get(name) or NAMES[name]


def test_every_page_shows_every_hostile_field_as_text(app, app_db):
    at = login(app, "admin")
    for page, pickers, as_text, escaped in PAGES:
        at.session_state["tl_hambatan"] = app_db.refs["obstacle"]  # the follow-up tab shows this obstacle
        at = open_page(at, page)
        for key, value in pickers.items():
            at.selectbox(key=key).set_value(value).run()
            assert not at.exception, (page, [e.value for e in at.exception])
        assert_inert(at)
        text, markdown = shown_as_text(at), "\n".join(md_literal(v) for v in markdown_texts(at))
        assert [f for f in as_text if _field(f) not in text] == [], page
        assert [f for f in escaped if _field(f) not in markdown] == [], page
        if page == "regency":  # the owner no longer goes to a caption
            assert not [c for c in at.caption if "penanggung-jawab" in c.value]


def test_the_audit_page_shows_every_record_kind_as_text(app, app_db):
    at = open_page(login(app, "admin"), "audit")
    for kind, fields in RECORD_FIELDS.items():
        at.selectbox(key="audit_data").set_value(f"{kind}:{app_db.refs[kind]}").run()
        assert not at.exception
        assert_inert(at)
        code = "\n".join(c.value for c in at.code)
        for name in fields:
            assert json.dumps(FIELDS[name], ensure_ascii=False)[1:-1] in code, (kind, name)
            assert any(FIELDS[name] in cell for cell in table_cells(at)), (kind, name)


def test_a_hostile_full_name_on_the_account_page(app):
    at = open_page(login(app, "pengguna.uji"), "account")
    assert_inert(at)
    assert FIELDS["nama-lengkap"] in table_cells(at)
    assert any(md_escape("pengguna.uji") in c.value for c in at.sidebar.caption)


# ---- the browser: a real server, Chromium, every outside request refused ------------------------

# Everything that loads or links: an element here pointing at the payload host is the failure.
LOADS_OR_LINKS = ", ".join(f"[{a}*='{HOST}']" for a in ("src", "href", "srcset", "poster", "data", "action",
                                                         "style", "*|href"))
VISIBLE_TEXT = """() => [document.body.innerText,
    ...[...document.querySelectorAll('svg text, .hoverlayer, [role=grid] td')].map(e => e.textContent),
    ...[...document.querySelectorAll('input, textarea')].map(e => e.value)].join('\\n').replaceAll('\\u2060', '')"""


@pytest.fixture(scope="module")
def server(app_db, tmp_path_factory):
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian chromium is not installed (apt-get install -y chromium)")
    work = tmp_path_factory.mktemp("hostile-browser")
    (work / "no-boundaries").mkdir()  # the tile map: SVG text and hover a test can read
    env = {"SIPANTAU_DATABASE_URL": app_db.url, "SIPANTAU_PUBLIC_READ": "0", "SIPANTAU_LANG": "id",
           "SIPANTAU_DOCUMENTS_DIR": str(app_db.documents), "SIPANTAU_BOUNDARIES_DIR": str(work / "no-boundaries"),
           "SIPANTAU_GEO_CACHE_DIR": str(work / "geo")}
    with running(env, work / "server.log") as base:
        yield base


class Visit:
    """One browser tab on the server; records and refuses every request that leaves it."""

    def __init__(self, page, base: str) -> None:
        self.page, self.base, self.outside = page, base, []
        page.route("**/*", self._route)

    def _route(self, route) -> None:
        if route.request.url.startswith((self.base, "data:", "blob:")):
            route.continue_()
        else:
            self.outside.append(route.request.url)
            route.abort()

    def wait(self) -> None:
        wait_for_app(self.page)

    def go(self, path: str) -> None:
        more = self.page.get_by_text(re.compile(r"^View \d+ more$"))  # the sidebar shows ten pages at first
        if more.count():
            more.first.click()
        self.page.locator(f"[data-testid=stSidebarNavLink][href$='/{path}']").click()
        self.page.wait_for_url(f"**/{path}**")
        self.wait()

    def pick(self, label: str, typed: str) -> None:
        box = self.page.get_by_role("combobox", name=label, exact=True).first
        box.click()
        box.fill(typed)
        self.page.keyboard.press("Enter")
        self.wait()

    def expect_text(self, where: str, *texts: str) -> None:
        """Each text appears literally (it is awaited: charts and tables draw after the run)."""
        from playwright.sync_api import TimeoutError as NotShown

        try:
            self.page.wait_for_function(f"(texts) => {{ const v = ({VISIBLE_TEXT})(); "
                                        "return texts.every(t => v.includes(t)); }", arg=list(texts), timeout=20_000)
        except NotShown:  # say which text is missing, and what was fetched instead
            shown = self.page.evaluate(VISIBLE_TEXT)
            pytest.fail(f"{where}: not shown as text: {[t[:40] for t in texts if t not in shown]}; "
                        f"outside requests: {self.outside}")
        self.assert_inert(where)

    def assert_inert_when_drawn(self, where: str) -> None:
        """For pages whose hostile text sits in tables: check once the tables are drawn."""
        self.page.wait_for_selector("[data-testid=stDataFrame] [role=grid]", state="attached", timeout=20_000)
        self.assert_inert(where)

    def assert_inert(self, where: str) -> None:
        page = self.page
        assert page.evaluate(f"() => document.querySelectorAll(\"{LOADS_OR_LINKS}\").length") == 0, where
        assert page.evaluate("() => window.__pwned === undefined"), where  # no onerror or script ran
        rendered = page.evaluate("() => document.querySelectorAll('.katex, [aria-label=\"home icon\"], "
                                 "img[alt=\"gambar\"], img[alt=\"Streamlit logo\"]').length")
        assert rendered == 0, where  # no maths, icon, image or logo made of the payload
        assert "🎉" not in page.evaluate(VISIBLE_TEXT), where
        assert self.outside == [], (where, self.outside)


@pytest.mark.browser
def test_every_page_in_the_browser_shows_hostile_text_as_text(server, app_db):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        v = Visit(browser.new_page(viewport={"width": 1500, "height": 1000}, locale="id-ID"), server)
        try:
            _walk(v, app_db)
        finally:
            ARTIFACTS.mkdir(exist_ok=True)
            v.page.screenshot(path=str(ARTIFACTS / "teks-operator.png"), full_page=True)
            browser.close()


def _walk(v: Visit, db: HostileDb) -> None:
    page = v.page
    page.goto(v.base + "/")  # to the login page (plain HTML, sipantau/web.py)
    page.get_by_label("Nama pengguna").fill("admin")
    page.get_by_label("Kata sandi").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Masuk").click()
    page.wait_for_selector("[data-testid=stSidebarNavLink]", timeout=60_000)
    v.wait()
    v.expect_text("ringkasan (severity axis)", NAMES["tingkat"])

    v.go("peta")  # the tile map: hover over Sulawesi Selatan
    tiles = "document.querySelector('.js-plotly-plot')?._fullData?.find(t => t.customdata?.length > 30)"
    page.wait_for_function(f"() => !!{tiles}", timeout=20_000)
    x, y = page.evaluate(f"""() => {{
        const gd = document.querySelector('.js-plotly-plot'), tr = {tiles};
        const i = tr.customdata.findIndex(c => c[5] === '{PROVINCE}');
        const xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis, r = gd.getBoundingClientRect();
        return [r.left + xa._offset + xa.l2p(tr.x[i]), r.top + ya._offset + ya.l2p(tr.y[i])];
    }}""")
    page.mouse.move(x, y)
    v.expect_text("peta (hover)", NAMES["provinsi"])

    v.go("provinsi")
    v.pick("Provinsi", f"{PROVINCE} ·")
    v.expect_text("provinsi (title)", NAMES["provinsi"])

    v.go("kabkota")
    v.pick("Wilayah", REGENCY)
    # Open the obstacles of the hostile category: description, owner and follow-up.
    ours = page.locator("[data-testid=stExpander] summary", has_text="kategori:")
    ours.first.wait_for(timeout=20_000)
    for i in range(ours.count()):
        ours.nth(i).click()
    v.expect_text("kabkota", NAMES["kabupaten"], NAMES["provinsi"], NAMES["kategori"], NAMES["tingkat"],
                  NAMES["tahapan"], *(FIELDS[f] for f in ("uraian-hambatan", "penanggung-jawab", "pelaksana",
                                                          "tindak-lanjut", "bukti")))
    for path in ("peringkat", "hambatan", "belum-melapor", "layar"):
        v.go(path)
        v.assert_inert_when_drawn(path)

    v.go("lapor-tahapan")
    v.pick("Wilayah", REGENCY)  # kept for the other input pages (persist_state)
    v.expect_text("lapor-tahapan (region picker)", NAMES["kabupaten"])
    v.go("lapor-hambatan")
    page.get_by_role("tab", name="Tindak lanjut").click()
    v.expect_text("lapor-hambatan (follow-up)", FIELDS["uraian-hambatan"], FIELDS["pelaksana"])
    for path in ("lapor-nphd", "dokumen", "pengguna", "akun"):
        v.go(path)
        v.assert_inert_when_drawn(path)

    v.go("impor")  # the refusal table echoes the cell, shortened as every quoted cell is
    cell = f"sel-impor: ![gambar](http://{HOST}/sel.png) [klik](http://{HOST}/sel) <img src=http://{HOST}/sel.gif> " \
           "**tebal** :tada: $x^2$ | b"
    csv = f"pemilihan;wilayah;tahapan;tanggal_situasi;progres;status;catatan\r\n{ELECTION};{cell};kampanye;" \
          "18/11/2024;50;berjalan;-\r\n"
    page.locator("[data-testid=stFileUploaderDropzoneInput]").set_input_files(
        files=[{"name": "impor.csv", "mimeType": "text/csv", "buffer": csv.encode()}])
    v.expect_text("impor (errors)", upload_guard.shown(cell))

    v.go("jejak-audit")
    for kind, fields in RECORD_FIELDS.items():
        v.pick("Data", reference(kind, db.refs[kind]))
        v.expect_text(f"jejak-audit {kind}", *(json.dumps(FIELDS[f], ensure_ascii=False)[1:-1] for f in fields))
