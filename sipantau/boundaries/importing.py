"""`import_boundaries`: read, match (`sipantau.geo`), check, and install only when every check
passes (or `force`). Imports geopandas, pandas, `sipantau.geo` and the package's source, checks
and install.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd

from sipantau import geo
from sipantau.boundaries.checks import ImportReport, _checks, _installed
from sipantau.boundaries.install import clean_attribution, install_layer
from sipantau.boundaries.source import Refused, read_source


def import_boundaries(path: Path | str, level: str, *, attribution: str | None, dest: Path | str | None = None,
                      code_field: str | None = None, name_field: str | None = None,
                      province_field: str | None = None, layer: str | None = None, crs: str | None = None,
                      force: bool = False, regions: pd.DataFrame | None = None,
                      aliases: pd.DataFrame | None = None) -> ImportReport:
    """Read, match and check a boundary file; install it only when every check passes (or `force`).
    Raises Refused when the file cannot be taken at all; a report with `installed=False` otherwise."""
    if level not in geo.LEVELS:
        raise Refused(f"--level harus 'province' atau 'regency', bukan {level!r}")
    if not code_field and not name_field:
        raise Refused("Berikan --code-field, atau --name-field (dan --province-field untuk regency).")
    attribution = clean_attribution(attribution)
    dest = Path(dest) if dest is not None else geo.boundaries_dir()
    regions = geo.read_regions() if regions is None else regions
    source, declared, dropped = read_source(path, layer, crs)
    missing = [f for f in (code_field, name_field, province_field) if f and f not in source]
    if missing:
        columns = ", ".join(str(c) for c in source.columns if c not in ("geometry", "_feature"))
        raise Refused(f"Kolom {', '.join(map(repr, missing))} tidak ada di berkas; kolom tersedia: {columns}")
    result = _match(source, level, regions, code_field, name_field, province_field, aliases)
    installed = _installed(level, dest, regions)
    report = ImportReport(level, source, result, [], dest / f"{geo.STEMS[level]}.geojson", declared,
                          installed_before=len(installed.matched) if installed else None, dropped=dropped)
    report.checks = _checks(report, installed, dest, regions)
    report.failed = [c for c in report.checks if not c.passed]
    if report.failed and not force:
        return report
    meta = {"level": level, "attribution": attribution, "source": Path(path).name, "crs": declared,
            "fields": {"code": code_field, "name": name_field, "province": province_field},
            "matched": len(result.matched), "forced": [c.name for c in report.failed]}
    install_layer(_imported_frame(result.matched, level, regions), level, dest, meta)
    report.installed = True
    return report


def _match(source: gpd.GeoDataFrame, level: str, regions: pd.DataFrame, code_field: str | None,
           name_field: str | None, province_field: str | None, aliases: pd.DataFrame | None) -> geo.MatchResult:
    if level == "province":
        return geo.match_provinces(source, regions, code_field=code_field, name_field=name_field)
    return geo.match_regencies(source, regions, name_field=name_field, code_field=code_field,
                               province_field=province_field, aliases=aliases)


def _imported_frame(matched: gpd.GeoDataFrame, level: str, regions: pd.DataFrame) -> gpd.GeoDataFrame:
    """The loader's layout: a `code` property (preferred by the loaders) plus the source-style names."""
    names = dict(zip(regions["code"], regions["name"]))
    out = gpd.GeoDataFrame({"code": matched["code"], "name": matched["name"]}, geometry=matched.geometry.values,
                           crs=4326)
    if level == "province":
        out["KODE_PROV"], out["PROVINSI"] = out["code"], out["name"]
    else:
        out["WADMPR"] = [names.get(c[:2], "") for c in out["code"]]
        out["WADMKK"] = out["name"]
    return out
