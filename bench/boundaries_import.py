"""Time of `boundaries import` with every check, for the reference copy: one JSON line per phase.

    .venv/bin/python bench/boundaries_import.py [BOUNDARIES_DIR] [RUNS]

Imports the reference regency file by name (WADMKK + WADMPR) and the province file by code and name
into a temporary directory that already holds the reference copy, so the location and "not worse"
checks run against an installed layer as they do in an office. Prints the median of RUNS (default 3)
per phase and in total; no assertions.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def _phases(boundaries, geo, path: Path, level: str, dest: Path, fields: dict) -> dict:
    regions = geo.read_regions()
    times = {}
    start = time.perf_counter()
    source, _, _ = boundaries.read_source(path)
    times["read_s"] = time.perf_counter() - start
    start = time.perf_counter()
    result = boundaries.importing._match(source, level, regions, fields.get("code_field"), fields.get("name_field"),
                                         fields.get("province_field"), None)
    times["match_s"] = time.perf_counter() - start
    start = time.perf_counter()
    report = boundaries.import_boundaries(path, level, attribution="bench", dest=dest, regions=regions, **fields)
    times["import_total_s"] = time.perf_counter() - start
    times["checks_failed"] = [c.name for c in report.failed]
    times["matched"] = len(result.matched)
    return times


def main() -> None:
    default = Path(__file__).resolve().parents[2] / "shared" / "geo"
    source = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(os.environ.get("SIPANTAU_TEST_GEO_DIR", default))
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["SIPANTAU_GEO_CACHE_DIR"] = str(Path(tmp) / "cache")
        from sipantau import boundaries, geo

        cases = [("regency", source / "regencies.geojson", {"name_field": "WADMKK", "province_field": "WADMPR"}),
                 ("province", source / "provinces.geojson", {"code_field": "KODE_PROV", "name_field": "PROVINSI"})]
        for level, path, fields in cases:
            samples = []
            for run in range(runs):
                dest = Path(tmp) / f"{level}-{run}"
                dest.mkdir()
                for name in ("provinces.geojson", "regencies.geojson"):
                    shutil.copy(source / name, dest / name)
                samples.append(_phases(boundaries, geo, path, level, dest, fields))
            line = {"level": level, "runs": runs, "matched": samples[0]["matched"],
                    "checks_failed": samples[0]["checks_failed"]}
            for key in ("read_s", "match_s", "import_total_s"):
                line[key] = round(statistics.median(s[key] for s in samples), 3)
            print(json.dumps(line))


if __name__ == "__main__":
    main()
