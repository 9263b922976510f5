"""How long `alerts.detect` takes for a whole election on one day.

Builds synthetic input frames of national size — 545 offices × 15 stages (5 running)
× 4 NPHD counterparties, 3 obstacles and 7 required documents per office, and the
worst reporting case for the trend: every office reporting every running stage every
day of the 28-day window — then prints one JSON line:
{"offices", "stages", "counterparties", "reports", "obstacles", "warnings", "detect_ms", "min_ms", "cpu_ms",
"shuffled_ms"} where detect_ms is the median wall time of 20 warm runs with the reports in
cell order (region, stage, date — as a query along ix_stage_report_cell returns them),
min_ms the fastest, cpu_ms the median CPU time of the process (the last two are least
disturbed by other work on a shared machine) and shuffled_ms the median with the
reports in random order (the trend then sorts them). Goal: well under 100 ms on the
2-core machine.

    python bench/alerts.py
    python bench/alerts.py --runs 50 --seed 7
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sipantau import alerts  # noqa: E402

AS_OF = date(2024, 11, 20)
PROVINCES, REGENCIES_PER_PROVINCE = 38, 507 / 38
COUNTERPARTIES = ("KPU", "BAWASLU", "TNI", "POLRI")
WINDOW_DAYS = 28


def offices() -> pd.DataFrame:
    provinces = [f"{11 + p:02d}" for p in range(PROVINCES)]
    regencies = [f"{p}.{k + 1:02d}" for i, p in enumerate(provinces)
                 for k in range(int(REGENCIES_PER_PROVINCE * (i + 1)) - int(REGENCIES_PER_PROVINCE * i))]
    return pd.DataFrame({"region_code": provinces + regencies,
                         "level": ["province"] * len(provinces) + ["regency"] * len(regencies)})


def stages() -> pd.DataFrame:
    # Ten stages already over, five running (ending 3 to 30 days after AS_OF).
    rows = [(i + 1, f"tahap-{i + 1}", AS_OF - timedelta(days=300 - 20 * i), AS_OF - timedelta(days=200 - 15 * i))
            for i in range(10)]
    rows += [(11 + i, f"tahap-{11 + i}", AS_OF - timedelta(days=40 + 5 * i), AS_OF + timedelta(days=3 + 6 * i))
             for i in range(5)]
    rows[0] = (1, "penandatanganan-nphd", AS_OF - timedelta(days=60), AS_OF + timedelta(days=5))
    rows[1] = (2, "pencairan-nphd", AS_OF - timedelta(days=50), AS_OF + timedelta(days=20))
    return pd.DataFrame(rows, columns=["stage_id", "code", "start_date", "end_date"])


def inputs(rng: np.random.Generator) -> alerts.AlertInputs:
    regions, st = offices(), stages()
    n = len(regions)
    grid = regions[["region_code"]].merge(st[["stage_id"]], how="cross")
    grid["expected"] = rng.uniform(0, 100, len(grid)).round(2)
    grid["progress"] = (grid["expected"] - rng.normal(5, 15, len(grid))).clip(0, 100).round(2)
    grid["lag"] = (grid["expected"] - grid["progress"]).round(2)
    grid["situation_date"] = pd.Timestamp(AS_OF) - pd.to_timedelta(rng.integers(0, 20, len(grid)), unit="D")
    compliance = grid.groupby("region_code", as_index=False)["situation_date"].max().rename(
        columns={"situation_date": "last_report"})
    running = st[(st["start_date"] <= AS_OF) & (st["end_date"] >= AS_OF)]
    cells = regions[["region_code"]].merge(running[["stage_id"]], how="cross")
    days = np.arange(WINDOW_DAYS)[::-1]  # oldest first: the order the read side's index gives
    reports = cells.loc[cells.index.repeat(WINDOW_DAYS)].reset_index(drop=True)
    reports["situation_date"] = pd.Timestamp(AS_OF) - pd.to_timedelta(np.tile(days, len(cells)), unit="D")
    speed = np.repeat(rng.uniform(0.5, 3, len(cells)), WINDOW_DAYS)
    reports["progress"] = (90 - speed * np.tile(days, len(cells)) + rng.normal(0, 2, len(reports))).clip(0, 100)
    k = 3 * n
    obstacles = pd.DataFrame({
        "id": np.arange(1, k + 1), "region_code": np.repeat(regions["region_code"].to_numpy(), 3),
        "category_code": rng.choice(["logistik", "keamanan", "anggaran", "lainnya"], k),
        "severity_code": "tinggi", "severity_rank": rng.integers(1, 5, k), "open": rng.random(k) < 0.6,
        "found_date": pd.Timestamp(AS_OF) - pd.to_timedelta(rng.integers(0, 60, k), unit="D")})
    obstacles["due_date"] = obstacles["found_date"] + pd.to_timedelta(rng.integers(5, 40, k), unit="D")
    obstacles["last_action_date"] = obstacles["found_date"] + pd.to_timedelta(rng.integers(0, 20, k), unit="D")
    nphd = regions[["region_code"]].merge(pd.DataFrame({"counterparty_code": COUNTERPARTIES}), how="cross")
    nphd["agreed_value"] = rng.integers(1, 50, len(nphd)) * 1_000_000_000
    nphd["signed_date"] = pd.Timestamp(AS_OF) - pd.to_timedelta(rng.integers(0, 40, len(nphd)), unit="D")
    nphd.loc[rng.random(len(nphd)) < 0.05, "signed_date"] = pd.NaT
    nphd["realised"] = (nphd["agreed_value"] * rng.choice([0, 0.4, 1.0], len(nphd))).astype("int64")
    requirements = [f"dok-{i}" for i in range(7)]
    held = regions[["region_code"]].merge(pd.DataFrame({"requirement_code": requirements}), how="cross")
    document_stages = pd.DataFrame({"requirement_code": requirements,
                                    "stage_code": ["tahap-11", "tahap-12", "tahap-13"] + ["pencairan-nphd"] * 4})
    return alerts.AlertInputs(
        regions=regions, stages=st, grid=grid, compliance=compliance, reports=reports, obstacles=obstacles,
        nphd=nphd, documents=held[rng.random(len(held)) < 0.9], document_stages=document_stages,
        counterparties=COUNTERPARTIES)


def measure(data: alerts.AlertInputs, book: alerts.RuleBook, runs: int) -> tuple[list[float], list[float]]:
    """Wall and CPU milliseconds of `runs` warm detections."""
    alerts.detect(data, book, AS_OF)
    wall, cpu = [], []
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        alerts.detect(data, book, AS_OF)
        wall.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--seed", type=int, default=2024)
    args = parser.parse_args()
    data = inputs(np.random.default_rng(args.seed))
    book = alerts.load_rules()
    warnings = alerts.detect(data, book, AS_OF)
    times, cpu = measure(data, book, args.runs)
    shuffled = replace(data, reports=data.reports.sample(frac=1, random_state=args.seed).reset_index(drop=True))
    assert alerts.detect(shuffled, book, AS_OF).equals(warnings)
    shuffled_times, _ = measure(shuffled, book, args.runs)
    print(json.dumps({"offices": len(data.regions), "stages": len(data.stages), "counterparties": len(COUNTERPARTIES),
                      "reports": len(data.reports), "obstacles": len(data.obstacles), "warnings": len(warnings),
                      "detect_ms": round(statistics.median(times), 1), "min_ms": round(min(times), 1),
                      "cpu_ms": round(statistics.median(cpu), 1),
                      "shuffled_ms": round(statistics.median(shuffled_times), 1)}))


if __name__ == "__main__":
    main()
