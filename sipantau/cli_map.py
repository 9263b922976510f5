"""`python -m sipantau map …`: export a readiness map as plotly JSON, offline HTML or PNG.

The geometry is embedded, so the file stands alone (a USB stick, an e-mail, an intranet share):
`.json` is the plotly figure, `.html` one self-contained page (plotly.js inlined, no CDN, opens
from disk), `.png` a picture drawn by kaleido in the local Chromium (MapLibre through SwiftShader
WebGL; no GPU, no network). Messages are in Bahasa Indonesia.

Mounted by cli.py:  app.command("map")(map_command)
Reads through history (one bundle) and readiness; draws with charts and geo.
"""

from __future__ import annotations

import html
import os
import shutil
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Annotated, Optional

import pandas as pd
import typer

from sipantau import charts, clock, geo, history, i18n, readiness
from sipantau.config import settings
from sipantau.db import get_engine

FORMATS = (".json", ".html", ".png")
PNG_SIZE = {"width": 1400, "height": 640}  # national map; a province map is squarer
CHROMIUM_CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")


@dataclass
class MapData:
    """What a map shows: the frame, and the words for its title."""

    frame: pd.DataFrame
    election_code: str
    election_name: str
    as_of: date
    stage_name: str | None
    names: pd.Series  # every region's name by code


def map_data(conn, level: str, *, province: str | None = None, election: str | None = None,
             stage: str | None = None, as_of: date | None = None, lang: str = "id") -> MapData:
    """Frames for a map from the database: offices (regency maps) or the province roll-up."""
    elections = history.elections(conn)
    if elections.empty:
        raise ValueError("Basis data belum berisi data pemilihan. Jalankan `python -m sipantau init`.")
    if election is None:
        election = str(elections["code"].iloc[-1])
    elif election not in set(elections["code"]):
        raise ValueError(f"Pemilihan {election!r} tidak dikenal; pilihan: {', '.join(elections['code'])}")
    row = elections.set_index("code").loc[election]
    as_of = as_of or readiness.default_as_of(*history.election_dates(conn, election), clock.today())
    snap = readiness.snapshot(history.load(conn, election, as_of))
    stage_ids, stage_name = None, None
    if stage:
        stages = snap.stages.set_index("code")
        if stage not in stages.index:
            raise ValueError(f"Tahapan {stage!r} tidak ada di {election}; pilihan: {', '.join(stages.index)}")
        stage_ids = [int(stages.loc[stage, "stage_id"])]
        stage_name = str(stages.loc[stage, "name_en" if lang == "en" else "name_id"])
    offices = readiness.region_metrics(snap, stage_ids)
    frame = readiness.province_metrics(snap, offices) if level == "province" else offices
    return MapData(frame, election, str(row["name_en" if lang == "en" else "name_id"]), as_of, stage_name,
                   snap.names)


def map_title(data: MapData, metric: str, lang: str, province_name: str | None = None,
              classes: bool = False) -> str:
    what = ("Readiness class" if lang == "en" else "Kelas kesiapan") if classes else charts.metric_label(metric, lang)
    parts = [what, data.election_name]
    if data.stage_name:
        parts.append(data.stage_name)
    if province_name:
        parts.append(province_name)
    per = "as of" if lang == "en" else "per"
    return f"{' · '.join(parts)} — {per} {i18n.day(data.as_of, lang)}"


def build_figure(data: MapData, level: str, metric: str, lang: str = "id", *, province: str | None = None,
                 classes: bool = False, tiles: bool = False, boundaries: Path | str | None = None,
                 width: int = PNG_SIZE["width"], height: int = PNG_SIZE["height"]):
    """The exported figure: tile map, or choropleth with the geometry embedded."""
    province_name = str(data.names.get(province, province)) if province else None
    title = map_title(data, metric, lang, province_name, classes)
    if tiles:
        return charts.tile_map(data.frame, metric, lang, classes, tiles=geo.province_tile_grid(), names=data.names,
                               height=height, title=title)
    layer = geo.prepared_geojson(level, province if level == "regency" else None, boundaries)
    return charts.choropleth(data.frame, metric, lang, layer, level=level, province_code=province,
                             classes=classes, width=width, height=height, title=title,
                             attribution=geo.attribution(level, boundaries))


def find_chromium() -> str | None:
    """The local Chromium for kaleido: BROWSER_PATH (kaleido's own variable), then PATH."""
    if os.environ.get("BROWSER_PATH"):
        return os.environ["BROWSER_PATH"]
    for name in CHROMIUM_CANDIDATES:
        if path := shutil.which(name):
            return path
    return "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None


def write_png(fig, out: Path, *, width: int, height: int, scale: float = 2.0, timeout: float = 120) -> None:
    """PNG through kaleido 1.x with the system Chromium: no MathJax (it would come from a CDN),
    plotly.js from the installed plotly package. MapLibre needs WebGL, which headless Chromium
    gives through SwiftShader (choreographer passes --enable-unsafe-swiftshader)."""
    import kaleido

    browser = find_chromium()
    if browser is None:
        raise RuntimeError("Chromium tidak ditemukan; pasang chromium atau atur BROWSER_PATH.")
    kaleido.write_fig_sync(fig, str(out), opts={"format": "png", "width": width, "height": height, "scale": scale},
                           kopts={"mathjax": False, "path": browser, "timeout": timeout})


def write_figure(fig, out: Path, *, width: int = PNG_SIZE["width"], height: int = PNG_SIZE["height"],
                 title: str = "Sipantau") -> Path:
    """By extension: .json (plotly JSON), .html (self-contained offline page), .png (kaleido)."""
    suffix = out.suffix.lower()
    out.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".json":
        out.write_text(fig.to_json(), encoding="utf-8")
    elif suffix == ".html":
        out.write_text(charts.offline_html(fig, title=title), encoding="utf-8")
    elif suffix == ".png":
        write_png(fig, out, width=width, height=height)
    else:
        raise ValueError(f"Ekstensi {suffix or '(kosong)'} tidak didukung; pakai {', '.join(FORMATS)}")
    return out


def map_command(
    out: Annotated[Path, typer.Option("--out", help="Berkas keluaran: .json (plotly), .html (luring) atau .png.")],
    level: Annotated[str, typer.Option(
        "--level", help="province (38 provinsi) atau regency (kabupaten/kota).")] = "province",
    province: Annotated[Optional[str], typer.Option(
        "--province", help="Kode provinsi (mis. 73): peta kabupaten/kota satu provinsi.")] = None,
    election: Annotated[Optional[str], typer.Option(
        "--election", help="Kode pemilihan (bawaan: yang terakhir).")] = None,
    stage: Annotated[Optional[str], typer.Option("--stage", help="Kode tahapan (bawaan: semua tahapan aktif).")] = None,
    metric: Annotated[str, typer.Option("--metric", help=f"Metrik: {', '.join(readiness.METRICS)}.")] = "progress",
    as_of: Annotated[Optional[str], typer.Option(
        "--as-of", help="Per tanggal YYYY-MM-DD (bawaan: hari ini atau tanggal laporan terakhir).")] = None,
    classes: Annotated[bool, typer.Option(
        "--classes", help="Warnai menurut kelas (sesuai jadwal, tertinggal, kritis, …).")] = False,
    tiles: Annotated[bool, typer.Option(
        "--tiles", help="Peta petak 38 provinsi (tanpa berkas batas wilayah, tanpa WebGL).")] = False,
    lang: Annotated[str, typer.Option("--lang", help="Bahasa teks peta: id atau en.")] = "id",
    database_url: Annotated[Optional[str], typer.Option(
        "--database-url", help="Bawaan: SIPANTAU_DATABASE_URL atau SQLite data/sipantau.db")] = None,
    boundaries: Annotated[Optional[Path], typer.Option(
        "--boundaries", help="Folder batas wilayah (bawaan: SIPANTAU_BOUNDARIES_DIR).")] = None,
) -> None:
    """Ekspor peta kesiapan (geometri tertanam) ke .json, .html luring atau .png."""
    if level not in geo.LEVELS:
        raise typer.BadParameter("harus province atau regency", param_hint="--level")
    if metric not in readiness.METRICS:
        raise typer.BadParameter(f"pilihan: {', '.join(readiness.METRICS)}", param_hint="--metric")
    if lang not in ("id", "en"):
        raise typer.BadParameter("id atau en", param_hint="--lang")
    if out.suffix.lower() not in FORMATS:
        raise typer.BadParameter(f"ekstensi {', '.join(FORMATS)}", param_hint="--out")
    if province is not None:
        province = geo.normalise_code(province, "province")
        if province is None:
            raise typer.BadParameter("kode provinsi 2 angka, mis. 73", param_hint="--province")
        if tiles:
            raise typer.BadParameter("--tiles selalu menampilkan 38 provinsi; tanpa --province", param_hint="--tiles")
        level = "regency"
    if tiles and level != "province":
        raise typer.BadParameter("--tiles hanya untuk --level province", param_hint="--tiles")
    try:
        day = date.fromisoformat(as_of) if as_of else None
    except ValueError as exc:
        raise typer.BadParameter("format YYYY-MM-DD", param_hint="--as-of") from exc

    engine = get_engine(database_url or settings().database_url)
    try:
        with engine.connect() as conn:
            data = map_data(conn, level, province=province, election=election, stage=stage, as_of=day, lang=lang)
    except ValueError as exc:
        typer.echo(f"Gagal: {exc}", err=True)
        raise typer.Exit(1) from exc
    width, height = (PNG_SIZE["width"], PNG_SIZE["height"]) if not province else (1000, 900)
    try:
        fig = build_figure(data, level, metric, lang, province=province, classes=classes, tiles=tiles,
                           boundaries=boundaries, width=width, height=height)
    except FileNotFoundError as exc:
        typer.echo(f"Gagal: {exc} Atau pakai --tiles (tanpa batas wilayah).", err=True)
        raise typer.Exit(1) from exc
    try:
        # The figure's title is escaped for plotly; the page <title> is escaped on its own.
        title = html.unescape(fig.layout.title.text or "Sipantau")
        write_figure(fig, out, width=width, height=height, title=title)
    except (RuntimeError, OSError) as exc:
        typer.echo(f"Gagal menulis {out}: {exc}", err=True)
        raise typer.Exit(1) from exc
    what = "Peta petak provinsi" if tiles else ("Peta kabupaten/kota" if level == "regency" else "Peta provinsi")
    typer.echo(f"{what} ({'kelas' if classes else charts.metric_label(metric)}, {data.election_code}, per "
               f"{data.as_of.isoformat()}) ditulis ke {out} ({i18n.number(out.stat().st_size)} bita).")
    if not tiles:
        typer.echo(geo.attribution(level, boundaries))
