"""The tile grid: one equal tile per province, for a national map that needs no boundary files.
Imports pandas and the package's paths only.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from sipantau.geo.paths import REFERENCE_DIR

TILES_CSV = REFERENCE_DIR / "province_tiles.csv"


def province_tile_grid(path: Path | str | None = None) -> pd.DataFrame:
    """One equal tile per province (code,row,col), row 0 north, col 0 west: a map that does not let
    Papua's size or Jakarta's smallness decide what the eye sees, and needs no boundary files."""
    tiles = pd.read_csv(path or TILES_CSV, dtype={"code": str})
    return tiles[["code", "row", "col"]].astype({"row": int, "col": int})
