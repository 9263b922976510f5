"""Boundaries on maps: match them to Kemendagri codes, coverage-simplify, cache, tile-grid fallback.

The boundary files are third-party data (MIT, geometry from Badan Informasi Geospasial) that live
in a git-ignored directory (`SIPANTAU_BOUNDARIES_DIR`, default `data/boundaries`); nothing derived
from them is committed. The regency file carries names only, so regencies are matched to Kemendagri
codes by province + normalised name, with committed alias tables for the names that really differ.
When a file gives both a code and a name, both must point at the same region.

Each installed layer may have a sidecar `<stem>.meta.json` (written by `sipantau.boundaries`) that
records its attribution; maps show that attribution, never a default that may belong to other data.

Maps are drawn offline from GeoJSON built here: one shared coverage simplification (neighbours keep
identical borders, no gaps or slivers), coordinates on a 1e-4 degree grid (~11 m), cached on disk
and in memory so a page pays the cost once per change of the source files.

The package, from the reference data to what a map is handed:
- `paths`: the boundaries directory, layer files, sidecars, the cache directory;
- `names`: regions, alias tables and the keys names are matched by;
- `matching`: features to codes (`match_provinces`, `match_regencies`, `MatchResult`);
- `layers`: layer files read and repaired, the installed layers loaded matched;
- `simplify`: coverage simplification and the GeoJSON written from it;
- `credit`: the pinned reference copy (`SOURCE_*`, `SHA256`) and `attribution`;
- `prepared`: prepared layers cached on disk and in memory, static copies;
- `tiles`: one tile per province, the map that needs no boundary files.

It may import geopandas, shapely, pandas, numpy, `sipantau.rules`, `sipantau.i18n` and (for the
boundaries directory) `sipantau.config`; never the database, Streamlit or `sipantau.boundaries`
(which imports this package to fetch and install layers). Names with a leading underscore are
private to the package; this module is its API.
"""

from sipantau.geo.credit import (
    ATTRIBUTION,
    OPTIONAL_SOURCE_FILES,
    SHA256,
    SOURCE_COMMIT,
    SOURCE_FILES,
    SOURCE_REPO,
    UNKNOWN_ATTRIBUTION,
    attribution,
    file_sha256,
)
from sipantau.geo.layers import (
    load_provinces,
    load_regencies,
    polygonal,
    province_matches,
    read_layer,
    regency_matches,
)
from sipantau.geo.matching import (
    PAPUA_HINT,
    PAPUA_SPLIT,
    MatchResult,
    match_provinces,
    match_regencies,
    regions_without_boundary,
)
from sipantau.geo.names import (
    normalise_code,
    normalise_name,
    province_key,
    province_lookup,
    read_aliases,
    read_province_aliases,
    read_regions,
    regency_key,
)
from sipantau.geo.paths import (
    LEVELS,
    META_SUFFIX,
    STEMS,
    SUFFIXES,
    boundaries_dir,
    cache_dir,
    meta_path,
    read_meta,
    source_path,
)
from sipantau.geo.prepared import (
    boundaries_version,
    clear_memory_cache,
    forget_prepared,
    layer_file,
    prepared_geojson,
    write_static_geojson,
)
from sipantau.geo.simplify import GRID, feature_collection, simplify_coverage
from sipantau.geo.tiles import province_tile_grid

__all__ = [
    "ATTRIBUTION", "GRID", "LEVELS", "META_SUFFIX", "OPTIONAL_SOURCE_FILES", "PAPUA_HINT", "PAPUA_SPLIT", "SHA256",
    "SOURCE_COMMIT", "SOURCE_FILES", "SOURCE_REPO", "STEMS", "SUFFIXES", "UNKNOWN_ATTRIBUTION", "MatchResult",
    "attribution", "boundaries_dir", "boundaries_version", "cache_dir", "clear_memory_cache", "feature_collection",
    "file_sha256", "forget_prepared", "layer_file", "load_provinces", "load_regencies", "match_provinces",
    "match_regencies", "meta_path", "normalise_code", "normalise_name", "polygonal", "prepared_geojson",
    "province_key", "province_lookup", "province_matches", "province_tile_grid", "read_aliases", "read_layer",
    "read_meta", "read_province_aliases", "read_regions", "regency_key", "regency_matches", "regions_without_boundary",
    "simplify_coverage", "source_path", "write_static_geojson",
]
