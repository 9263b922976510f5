"""`python -m sipantau boundaries …`: get boundary files into the (git-ignored) boundaries directory.

Government networks are often closed: `fetch` takes a mirror/`file://` base URL, and `import`
accepts any GeoJSON/Shapefile/GeoPackage an office already has. Messages are in Bahasa Indonesia.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from sipantau import geo

app = typer.Typer(help="Batas wilayah (peta): unduh, impor, periksa.", no_args_is_help=True)


def _print_result(result: geo.MatchResult, level: str) -> None:
    """What matched and what did not, so the operator can fix names or the alias table."""
    noun = "provinsi" if level == "province" else "kabupaten/kota"
    typer.echo(f"Cocok: {len(result.matched)} {noun} (kode unik).")
    for province, name in result.aliases_used:
        typer.echo(f"  alias: {name} (provinsi {province})")
    for row in result.duplicates.itertuples(index=False):
        typer.echo(f"  digabung ke {row.code}: {row.source_names}")
    if len(result.unmatched):
        typer.echo(f"Tidak cocok: {len(result.unmatched)} fitur sumber "
                   f"(tambahkan ke data/reference/regency_aliases.csv bila perlu):")
        for row in result.unmatched.itertuples(index=False):
            typer.echo(f"  - {row.source_name} [{row.source_province}]: {row.reason}")
    if len(result.without_boundary):
        typer.echo(f"Tanpa poligon: {len(result.without_boundary)} wilayah:")
        for row in result.without_boundary.itertuples(index=False):
            typer.echo(f"  - {row.code} {row.name}")


@app.command()
def fetch(
    dest: Optional[Path] = typer.Option(None, "--dest", help="Folder tujuan (bawaan: SIPANTAU_BOUNDARIES_DIR)."),
    base_url: Optional[str] = typer.Option(
        None, "--base-url", help="Cermin/mirror atau file:// berisi Geojson/… (bawaan: GitHub, commit terkunci)."
    ),
) -> None:
    """Unduh provinces.geojson dan regencies.geojson dari sumber terkunci dan periksa SHA256."""
    dest = dest or geo.boundaries_dir()
    typer.echo(f"Mengunduh dari {base_url or geo.source_base_url()} ke {dest} …")
    try:
        paths = geo.fetch_boundaries(dest, base_url=base_url)
    except geo.ChecksumError as exc:
        typer.echo(f"Ditolak: {exc}. Berkas tidak disimpan.", err=True)
        raise typer.Exit(1) from exc
    except OSError as exc:
        typer.echo(f"Gagal mengunduh: {exc}", err=True)
        raise typer.Exit(1) from exc
    for path in paths:
        typer.echo(f"  OK (SHA256 cocok): {path}")
    typer.echo(geo.ATTRIBUTION)


@app.command("import")
def import_(
    path: Path = typer.Argument(..., exists=True, help="GeoJSON, Shapefile atau GeoPackage."),
    level: str = typer.Option(..., "--level", help="province atau regency."),
    code_field: Optional[str] = typer.Option(None, "--code-field", help="Kolom kode Kemendagri (73 / 73.10 / 7310)."),
    name_field: Optional[str] = typer.Option(None, "--name-field", help="Kolom nama wilayah."),
    province_field: Optional[str] = typer.Option(None, "--province-field", help="Kolom nama/kode provinsi (regency)."),
    layer: Optional[str] = typer.Option(None, "--layer", help="Nama layer (GeoPackage berlapis)."),
    dest: Optional[Path] = typer.Option(None, "--dest", help="Folder tujuan (bawaan: SIPANTAU_BOUNDARIES_DIR)."),
) -> None:
    """Impor batas wilayah dari berkas lain, cocokkan ke kode Kemendagri, simpan untuk dasbor."""
    if level not in geo.LEVELS:
        typer.echo("--level harus 'province' atau 'regency'.", err=True)
        raise typer.Exit(2)
    if not code_field and not (name_field and (province_field or level == "province")):
        typer.echo("Berikan --code-field, atau --name-field (dan --province-field untuk regency).", err=True)
        raise typer.Exit(2)
    try:
        result = geo.import_boundaries(path, level, dest=dest, code_field=code_field, name_field=name_field,
                                       province_field=province_field, layer=layer)
    except (KeyError, ValueError) as exc:
        typer.echo(f"Gagal mengimpor: {exc}", err=True)
        raise typer.Exit(1) from exc
    target = (dest or geo.boundaries_dir()) / f"{geo.STEMS[level]}.geojson"
    typer.echo(f"Disimpan: {target}")
    _print_result(result, level)


@app.command()
def check(
    directory: Optional[Path] = typer.Option(None, "--dir", help="Folder batas wilayah (bawaan: SIPANTAU_BOUNDARIES_DIR)."),
) -> None:
    """Periksa kecocokan berkas batas wilayah dengan kode Kemendagri."""
    try:
        provinces = geo.province_matches(directory)
        regencies = geo.regency_matches(directory)
    except FileNotFoundError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from exc
    _print_result(provinces, "province")
    _print_result(regencies, "regency")
