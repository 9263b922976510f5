"""`python -m sipantau boundaries …`: get boundary files into the (git-ignored) boundaries directory.

Government networks are often closed: `fetch` takes a mirror/`file://` base URL, and `import`
accepts any GeoJSON/Shapefile/GeoPackage an office already has, checked before it replaces
anything (`sipantau.boundaries`). Messages are in Bahasa Indonesia; every refusal exits with 2
and leaves the installed layers as they were.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from sipantau import boundaries, geo

app = typer.Typer(help="Batas wilayah (peta): unduh, impor, periksa, kembalikan.", no_args_is_help=True)
REFUSED = 2
MAX_LISTED = 20  # regions without polygon listed one by one; unmatched features are always all listed


def _quoted(label: str, value: str) -> str:
    return f'{label} "{value}"' if value else ""


def _unmatched_line(row, feature_numbers=None) -> str:
    """Code, province and name as the file wrote them, why, and the closest official region."""
    number = int(feature_numbers[row.feature]) if feature_numbers is not None else row.feature + 1
    written = ", ".join(p for p in (_quoted("kode", row.source_code), _quoted("nama", row.source_name),
                                    _quoted("provinsi", row.source_province)) if p)
    return f"  - fitur #{number} ({written or 'tanpa kode dan nama'}): {row.reason}. Terdekat: {row.candidate or '–'}"


def _print_result(result: geo.MatchResult, level: str, feature_numbers=None) -> None:
    """What matched and what did not, so the operator can fix the file, the fields or an alias table."""
    noun = boundaries.NOUNS[level]
    typer.echo(f"Cocok: {len(result.matched)} {noun} (kode unik).")
    for province, name in result.aliases_used:
        typer.echo(f"  alias: {name} (provinsi {province})")
    for row in result.duplicates.itertuples(index=False):
        typer.echo(f"  digabung ke {row.code}: {row.source_names}")
    if len(result.notes):
        typer.echo(f"Catatan: {len(result.notes)} fitur:")
        for row in result.notes.itertuples(index=False):
            typer.echo(f"  - {row.note}")
    if len(result.unmatched):
        table = "province_aliases.csv" if level == "province" else "regency_aliases.csv"
        typer.echo(f"Tidak cocok: {len(result.unmatched)} fitur sumber, tidak disimpan "
                   f"(tambahkan ke data/reference/{table} bila namanya memang lain):")
        for row in result.unmatched.itertuples(index=False):
            typer.echo(_unmatched_line(row, feature_numbers))
    if len(result.without_boundary):
        typer.echo(f"Tanpa poligon: {len(result.without_boundary)} wilayah:")
        for row in result.without_boundary.head(MAX_LISTED).itertuples(index=False):
            typer.echo(f"  - {row.code} {row.name}")
        if len(result.without_boundary) > MAX_LISTED:  # a wrong file leaves hundreds; the count says it
            typer.echo(f"  … dan {len(result.without_boundary) - MAX_LISTED} lainnya")
    if result.papua_2022:
        typer.echo(geo.PAPUA_HINT)


@app.command()
def fetch(
    dest: Optional[Path] = typer.Option(None, "--dest", help="Folder tujuan (bawaan: SIPANTAU_BOUNDARIES_DIR)."),
    base_url: Optional[str] = typer.Option(
        None, "--base-url", help="Cermin/mirror atau file:// berisi Geojson/… (bawaan: GitHub, commit terkunci)."
    ),
) -> None:
    """Unduh provinces.geojson dan regencies.geojson dari sumber terkunci dan periksa SHA256."""
    dest = dest or geo.boundaries_dir()
    typer.echo(f"Mengunduh dari {base_url or boundaries.source_base_url()} ke {dest} …")
    try:
        paths = boundaries.fetch_boundaries(dest, base_url=base_url)
    except boundaries.ChecksumError as exc:
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
    attribution: Optional[str] = typer.Option(
        None, "--attribution", help="Wajib: sumber dan lisensi berkas, tampil di setiap peta dan ekspor."),
    code_field: Optional[str] = typer.Option(None, "--code-field", help="Kolom kode Kemendagri (73 / 73.10 / 7310)."),
    name_field: Optional[str] = typer.Option(None, "--name-field", help="Kolom nama wilayah."),
    province_field: Optional[str] = typer.Option(None, "--province-field", help="Kolom nama/kode provinsi (regency)."),
    layer: Optional[str] = typer.Option(None, "--layer", help="Nama layer (GeoPackage berlapis)."),
    crs: Optional[str] = typer.Option(None, "--crs", help="CRS berkas bila berkas tidak menyatakannya, mis. EPSG:32750."),
    force: bool = typer.Option(False, "--force", help="Pasang walau pemeriksaan gagal (fitur yang kode dan namanya "
                                                      "bertentangan tetap tidak disimpan)."),
    dest: Optional[Path] = typer.Option(None, "--dest", help="Folder tujuan (bawaan: SIPANTAU_BOUNDARIES_DIR)."),
) -> None:
    """Impor batas wilayah dari berkas lain: cocokkan ke kode Kemendagri, periksa, lalu pasang."""
    if level == "regency" and name_field and not (province_field or code_field):
        typer.echo("Untuk --level regency, --name-field perlu --province-field (atau --code-field).", err=True)
        raise typer.Exit(REFUSED)
    try:
        report = boundaries.import_boundaries(
            path, level, attribution=attribution, dest=dest, code_field=code_field, name_field=name_field,
            province_field=province_field, layer=layer, crs=crs, force=force)
    except boundaries.Refused as exc:
        typer.echo(f"Ditolak: {exc} Tidak ada yang diubah.", err=True)
        raise typer.Exit(REFUSED) from exc
    typer.echo(f"Berkas: {path.name} ({len(report.source) + report.dropped} fitur, CRS {report.crs})"
               + (f"; {report.dropped} fitur tanpa poligon diabaikan" if report.dropped else ""))
    _print_result(report.result, report.level, report.source["_feature"].to_numpy())
    typer.echo("Pemeriksaan:")
    for check in report.checks:
        typer.echo(f"  {'OK   ' if check.passed else 'GAGAL'} {check.message}")
    if not report.installed:
        typer.echo(f"Ditolak: {len(report.failed)} pemeriksaan gagal ({', '.join(c.name for c in report.failed)}). "
                   f"Layer terpasang tidak diubah. Perbaiki berkas atau pilihan kolom; --force hanya bila Anda "
                   f"yakin berkas ini benar.", err=True)
        raise typer.Exit(REFUSED)
    if report.failed:
        typer.echo(f"Dipaksa (--force): dipasang walau {', '.join(c.name for c in report.failed)} gagal.")
    typer.echo(f"Disimpan: {report.target}.")
    if boundaries.layer_files(report.target.parent / boundaries.PREVIOUS_DIR, report.level):
        typer.echo(f"Layer sebelumnya disimpan di {report.target.parent / boundaries.PREVIOUS_DIR}; kembalikan dengan "
                   f"`python -m sipantau boundaries rollback --level {report.level}`.")
    typer.echo(f"Atribusi: {geo.attribution(report.level, report.target.parent)}")


@app.command()
def check(
    directory: Optional[Path] = typer.Option(None, "--dir", help="Folder batas wilayah (bawaan: SIPANTAU_BOUNDARIES_DIR)."),
) -> None:
    """Periksa kecocokan berkas batas wilayah dengan kode Kemendagri, dan atribusinya."""
    try:
        provinces = geo.province_matches(directory)
        regencies = geo.regency_matches(directory)
    except FileNotFoundError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from exc
    for level, result in (("province", provinces), ("regency", regencies)):
        meta = geo.read_meta(level, directory)
        typer.echo(f"== {boundaries.NOUNS[level]}: {geo.source_path(directory, level)}")
        typer.echo(f"Atribusi: {geo.attribution(level, directory)}")
        if meta.get("installed_at"):
            forced = f"; dipaksa: {', '.join(meta['forced'])}" if meta.get("forced") else ""
            typer.echo(f"Dipasang: {meta['installed_at']} dari {meta.get('source', '?')}{forced}")
        _print_result(result, level)


@app.command()
def rollback(
    level: Optional[str] = typer.Option(None, "--level", help="province atau regency (bawaan: yang punya versi "
                                                               "sebelumnya, bila hanya satu)."),
    directory: Optional[Path] = typer.Option(None, "--dir", help="Folder batas wilayah (bawaan: SIPANTAU_BOUNDARIES_DIR)."),
) -> None:
    """Kembalikan layer sebelumnya (impor/unduhan terakhir dibatalkan; rollback lagi untuk mengulanginya)."""
    if level is not None and level not in geo.LEVELS:
        typer.echo(f"Ditolak: --level harus 'province' atau 'regency', bukan {level!r}.", err=True)
        raise typer.Exit(REFUSED)
    if level is None:
        candidates = boundaries.levels_with_previous(directory)
        if len(candidates) != 1:
            what = "dua level punya" if candidates else "tidak ada level yang punya"
            typer.echo(f"Ditolak: {what} layer sebelumnya; sebutkan --level province atau --level regency.", err=True)
            raise typer.Exit(REFUSED)
        level = candidates[0]
    try:
        restored = boundaries.rollback(level, directory)
    except boundaries.Refused as exc:
        typer.echo(f"Ditolak: {exc}", err=True)
        raise typer.Exit(REFUSED) from exc
    for path in restored:
        typer.echo(f"Dipulihkan: {path}")
    result = geo.province_matches(directory) if level == "province" else geo.regency_matches(directory)
    typer.echo(f"Aktif kini: {len(result.matched)} {boundaries.NOUNS[level]} cocok. "
               f"Atribusi: {geo.attribution(level, directory)}")
    typer.echo("Layer yang tadi aktif kini menjadi layer sebelumnya (rollback lagi untuk kembali).")
