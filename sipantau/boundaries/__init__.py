"""Boundary files into the boundaries directory, so that a bad file cannot silently replace a good one.

`fetch_boundaries` installs the pinned reference copy (SHA-256 checked). `import_boundaries` takes
any GeoJSON/Shapefile/GeoPackage, matches it to Kemendagri codes (`sipantau.geo`) and checks it
before anything installed changes:

- code and name agree for every feature that has both (`geo` matching: conflicts are never stored);
- at least MIN_SHARE of the level's regions match;
- every feature lies in Indonesia (INDONESIA_BOX), after reprojection from the CRS the file declares;
  a file without CRS must hold longitude/latitude;
- the polygons have the size of the level (median area) and together the size of Indonesia;
- each polygon lies where the installed layer has its region (codes of another numbering, swaps);
- the new layer matches at least as many regions as the installed one.

A refusal changes nothing. `force` installs anyway (conflicting features are still left out). An
install writes a temp file, fsyncs it and renames it over the layer, keeps the layer it replaces
in `previous/` (for `rollback`), records the attribution in the `<stem>.meta.json` sidecar and
drops the prepared layers built from the old file. Messages are in Bahasa Indonesia.

The package: `source` (reading a candidate file, `Refused`), `checks` (each check, `ImportReport`),
`install` (install, rollback, attribution sidecar), `importing` (`import_boundaries`: read, match,
check, install) and `fetch` (the pinned copy, checksummed). It may import geopandas, shapely,
pyogrio, pyproj, pandas, numpy, `sipantau.geo`, `sipantau.i18n` and `sipantau.rules`; never the
database or Streamlit (`sipantau.cli_boundaries` is its command line). Names with a leading
underscore are private to the package; this module is its API.
"""

from sipantau.boundaries.checks import AREA_FACTOR, INDONESIA_KM2, MIN_SHARE, REFERENCE_MEDIAN_KM2, Check, ImportReport
from sipantau.boundaries.fetch import ChecksumError, fetch_boundaries, source_base_url
from sipantau.boundaries.importing import import_boundaries
from sipantau.boundaries.install import (
    LAYER_SUFFIXES,
    PREVIOUS_DIR,
    clean_attribution,
    install_layer,
    layer_files,
    levels_with_previous,
    rollback,
)
from sipantau.boundaries.source import INDONESIA_BOX, NOUNS, Refused, read_source

__all__ = [
    "AREA_FACTOR", "INDONESIA_BOX", "INDONESIA_KM2", "LAYER_SUFFIXES", "MIN_SHARE", "NOUNS", "PREVIOUS_DIR",
    "REFERENCE_MEDIAN_KM2", "Check", "ChecksumError", "ImportReport", "Refused", "clean_attribution",
    "fetch_boundaries", "import_boundaries", "install_layer", "layer_files", "levels_with_previous", "read_source",
    "rollback", "source_base_url",
]
