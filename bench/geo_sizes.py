"""Sizes and build times of the prepared map layers: one JSON line per layer, no assertions.

    .venv/bin/python bench/geo_sizes.py [BOUNDARIES_DIR]

Builds into a temporary cache so every figure is a cold build (load + match + coverage simplify +
serialise); `cached_s` is the next call, served from memory. The budgets the tolerances in
sipantau/geo/prepared.py aim at: provinces <= ~200 kB, all regencies <= ~600 kB, one province <= ~120 kB.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def _measure(geo, level: str, province: str | None, directory: Path) -> dict:
    start = time.perf_counter()
    collection = geo.prepared_geojson(level, province, directory)
    built = time.perf_counter() - start
    start = time.perf_counter()
    geo.prepared_geojson(level, province, directory)
    cached = time.perf_counter() - start
    path = geo.layer_file(level, province, directory)
    return {
        "layer": path.name.rsplit("-", 1)[0],
        "features": len(collection["features"]),
        "bytes": path.stat().st_size,
        "build_s": round(built, 3),
        "cached_s": round(cached, 5),
    }


def main() -> None:
    with tempfile.TemporaryDirectory() as cache:
        os.environ["SIPANTAU_GEO_CACHE_DIR"] = cache
        from sipantau import geo

        directory = Path(sys.argv[1]) if len(sys.argv) > 1 else geo.boundaries_dir()
        print(json.dumps(_measure(geo, "province", None, directory)))
        print(json.dumps(_measure(geo, "regency", None, directory)))
        # the largest single-province layer is what a province page downloads at worst
        per_province = [_measure(geo, "regency", f["id"], directory)
                        for f in geo.prepared_geojson("province", None, directory)["features"]]
        print(json.dumps(max(per_province, key=lambda row: row["bytes"])))


if __name__ == "__main__":
    main()
