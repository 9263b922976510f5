"""Deterministic synthetic demo history (clearly labelled: meta demo=1, DEMO banner).

Every office reports weekly, on its own weekday, on each stage that is running
(plus a week's grace to report completion), through Pemilu 2024 and Pilkada 2024
up to `until` (default 20 Nov 2024: a week before Pilkada voting, the moment an
operations room cares about). Offices differ: a speed per office, remote and
island regencies slower on logistics and meeting weather obstacles, some falling
silent, some reporting irregularly. NPHD signing and disbursement resemble the
public picture of mid-2024 (KPU and Bawaslu signed early and mostly paid, TNI and
Polri later), obstacles get follow-ups and most get solved.

The same seed gives the same database. `reports=N` changes the reporting cadence
(and trims) so the history holds about N stage reports, for benchmarks.
`db.create_database(url, demo=…)` is the usual way in (CLI `init --demo`, tests, benchmarks).

Imports db, models, auth, history (the reference frames), the write side's
`rebuild_stage_status` and the journal (its one audit row).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, date, timedelta

import numpy as np
import pandas as pd
from sqlalchemy import Connection, Engine, select

from sipantau import journal
from sipantau import models as m
from sipantau.auth import Actor, create_user, get_actor
from sipantau.db import write_tx
from sipantau.history import election_regions, election_stages
from sipantau.reports import rebuild_stage_status

DEMO_UNTIL = date(2024, 11, 20)
DEMO_PASSWORD = "Demo-Sipantau-2024"
# Accounts created by `init --demo` (listed in the README).
DEMO_ACCOUNTS = [
    ("admin", "Admin Pusat (demo)", "admin_pusat", None),
    ("pimpinan", "Pimpinan Ditjen Polpum (demo)", "pimpinan", None),
    ("verifikator.sulsel", "Verifikator Sulawesi Selatan (demo)", "verifikator_provinsi", "73"),
    ("operator.sulsel", "Operator Kesbangpol Sulawesi Selatan (demo)", "operator_provinsi", "73"),
    ("operator.pangkep", "Operator Kesbangpol Pangkajene dan Kepulauan (demo)", "operator_kabkota", "73.10"),
    ("operator.maros", "Operator Kesbangpol Maros (demo)", "operator_kabkota", "73.09"),
    ("layar", "Layar briefing ruang operasi (demo)", "layar_briefing", None),
]
SYSTEM_USER = "sistem.demo"
GRACE_DAYS = 7
# Provinces whose offices are remote (logistics by sea/air, weather): Maluku, Maluku
# Utara, NTT and the Papua provinces; plus every regency named "Kepulauan".
REMOTE_PROVINCES = {"53", "81", "82", "91", "92", "94", "95", "96", "97"}
OWNERS = ["Kesbangpol", "KPU Kabupaten/Kota", "Bawaslu", "Polres", "Kodim", "BPBD", "Dinas Perhubungan",
          "Sekretariat Daerah", "BPKAD", "Disdukcapil"]


@dataclass(frozen=True)
class DemoResult:
    stage_reports: int
    obstacles: int
    obstacle_actions: int
    nphd_agreements: int
    nphd_disbursements: int
    documents: int


def is_demo(conn: Connection) -> bool:
    return conn.execute(select(m.Meta.value).where(m.Meta.key == "demo")).scalar() == "1"


def has_reports(conn: Connection) -> bool:
    return conn.execute(select(m.StageReport.id).limit(1)).first() is not None


def seed_demo(engine: Engine, reports: int | None = None, seed: int = 2024, until: date = DEMO_UNTIL,
              accounts: bool = True) -> DemoResult:
    """Fill an empty report database with the demo history, in one transaction."""
    with write_tx(engine) as conn:
        if has_reports(conn):
            raise RuntimeError("Basis data sudah berisi laporan; demo hanya diisikan ke basis data kosong.")
        system = _system_actor(conn)
        if accounts:
            for username, name, role, region in DEMO_ACCOUNTS:
                if get_actor(conn, username) is None:
                    create_user(conn, username, name, role, region, password=DEMO_PASSWORD)
        rng = np.random.default_rng(seed)
        plan = _Plan(conn, rng, until, system.id)
        result = plan.run(reports)
        rebuild_stage_status(conn)
        for key, value in (("demo", "1"), ("demo_seed", str(seed)), ("demo_until", until.isoformat())):
            _set_meta(conn, key, value)
        journal.record(conn, system, "demo", "database", None, None,
                       after=result.__dict__ | {"seed": seed, "until": until.isoformat()})
    return result


def _system_actor(conn: Connection) -> Actor:
    """The (inactive, log-in-less) author of every synthetic row."""
    users = m.User.__table__
    row = conn.execute(select(users.c.id).where(users.c.username == SYSTEM_USER)).first()
    if row:
        return Actor(row.id, SYSTEM_USER, "admin_pusat", None)
    actor = create_user(conn, SYSTEM_USER, "Pembuat data demo", "admin_pusat")
    conn.execute(users.update().where(users.c.id == actor.id).values(active=False))
    return actor


def _set_meta(conn: Connection, key: str, value: str) -> None:
    meta = m.Meta.__table__
    conn.execute(meta.delete().where(meta.c.key == key))
    conn.execute(meta.insert().values(key=key, value=value))


class _Plan:
    def __init__(self, conn: Connection, rng: np.random.Generator, until: date, system_id: int):
        self.conn, self.rng, self.until, self.system_id = conn, rng, until, system_id
        self.elections = pd.read_sql(select(m.Election.__table__).order_by(m.Election.order), conn)
        self.counts = dict.fromkeys(DemoResult.__dataclass_fields__, 0)

    def run(self, reports: int | None) -> DemoResult:
        frames = {e.code: self._election_frames(e.code) for e in self.elections.itertuples()}
        natural = sum(self._cell_days(regs, stages) for regs, stages in frames.values()) / 7
        # Fewer reports than the weekly history: a random subset of it (dates still reach
        # `until`); more: offices report more often, down to every half hour.
        step = 7.0 if reports is None or reports <= natural else max(1 / 48, 7.0 * natural / reports)
        for e in self.elections.itertuples():
            regs, stages = frames[e.code]
            share = None if reports is None else reports * self._cell_days(regs, stages) / 7 / natural
            history = self._stage_reports(regs, stages, step, share)
            self._obstacles(e.code, regs, stages, history)
            if e.has_nphd:
                self._nphd(e.code, regs)
            self._documents(e.code, regs, stages)
        return DemoResult(**self.counts)

    # -- offices and their character ------------------------------------------------

    def _election_frames(self, election_code: str) -> tuple[pd.DataFrame, pd.DataFrame]:
        regs = election_regions(self.conn, election_code)
        stages = election_stages(self.conn, election_code)
        stages = stages[stages["start_date"] <= self.until].reset_index(drop=True)
        # Each office's character is derived from its code, so it is the same in
        # both elections: a slow office is slow in both.
        seeds = regs["region_code"].map(lambda c: int(c.replace(".", "")) * 7919 % 2**32)
        char = np.array([np.random.default_rng(s).random(4) for s in seeds])
        regs["speed"] = np.exp(0.35 * (char[:, 0] - 0.5) * 2)
        regs["remote"] = regs["province_code"].isin(REMOTE_PROVINCES) | regs["name"].str.contains("Kepulauan")
        regs["silent_from"] = np.where(char[:, 1] < 0.04, char[:, 2], np.nan)  # 4% fall silent
        regs["irregular"] = char[:, 3] < 0.08  # 8% skip many weeks
        regs["weekday"] = seeds % 7
        return regs, stages

    def _cell_days(self, regs: pd.DataFrame, stages: pd.DataFrame) -> float:
        end = stages["end_date"].map(lambda d: min(d + timedelta(days=GRACE_DAYS), self.until))
        days = (pd.to_datetime(end) - pd.to_datetime(stages["start_date"])).dt.days.clip(lower=1)
        return float(days.sum() * len(regs))

    # -- stage reports --------------------------------------------------------------

    def _stage_reports(self, regs: pd.DataFrame, stages: pd.DataFrame, step: float,
                       target: float | None) -> pd.DataFrame:
        rng = self.rng
        parts = []
        for s in stages.itertuples():
            start = pd.Timestamp(s.start_date)
            last = pd.Timestamp(min(s.end_date + timedelta(days=GRACE_DAYS), self.until))
            span = max((last - start).days, 0)
            n_steps = int(span / step) + 1
            k = np.arange(n_steps)
            # Offices report on their own weekday; the first report comes in the stage's first week.
            day = np.floor(regs["weekday"].to_numpy()[:, None] + k[None, :] * step).astype(int)
            valid = day <= span
            r_idx, k_idx = np.nonzero(valid)
            days = day[r_idx, k_idx]
            situation = start + pd.to_timedelta(days, unit="D")
            logistics = "logistik" in (s.supports or "")
            speed = regs["speed"].to_numpy()[r_idx] * np.where(
                logistics & regs["remote"].to_numpy()[r_idx], 0.65, 1.0)
            total = (pd.Timestamp(s.end_date) - start).days + 1
            u = np.clip((days + 1) / total, 0, 1.2)
            progress = 100 * np.clip(u, 0, 1) ** (1 / speed)
            # Slow offices catch up in the grace week; noise never moves progress backwards.
            progress = np.where(u > 1, np.minimum(100, progress + 60 * (u - 1) * speed * 10), progress)
            progress = np.clip(progress + rng.normal(0, 3, len(progress)), 0, 100)
            df = pd.DataFrame({"r": r_idx, "situation_date": situation.date, "progress": progress,
                               "expected": 100 * np.clip(u, 0, 1)})
            df["progress"] = df.groupby("r")["progress"].cummax().round(0)
            df.loc[df["progress"] >= 99.5, "progress"] = 100.0
            df["region_code"] = regs["region_code"].to_numpy()[df["r"]]
            df["stage_id"] = s.stage_id
            parts.append(df)
        hist = pd.concat(parts, ignore_index=True)
        full = hist = self._drop_silences(hist, regs)
        if target is not None and len(hist) > target:
            hist = hist.sample(n=int(target), random_state=int(rng.integers(2**31))).sort_index()
        lag = hist["expected"] - hist["progress"]
        hist["status"] = np.select(
            [hist["progress"] <= 0, hist["progress"] >= 100, (lag > 25) & (rng.random(len(hist)) < 0.6)],
            ["belum_mulai", "selesai", "terkendala"], "berjalan")
        hist["note"] = np.where(hist["status"] == "terkendala", "Terdapat kendala, lihat daftar hambatan.", "")
        hist = hist.sort_values(["situation_date", "region_code", "stage_id"], kind="stable").reset_index(drop=True)
        recorded = pd.to_datetime(hist["situation_date"]) + pd.to_timedelta(
            2 + rng.integers(0, 8 * 60, len(hist)) / 60, unit="h")  # 09.00–17.00 WIB, stored in UTC
        out = pd.DataFrame({
            "region_code": hist["region_code"], "stage_id": hist["stage_id"].astype(int),
            "situation_date": hist["situation_date"], "progress": hist["progress"].astype(float),
            "status": hist["status"], "note": hist["note"], "replaces_id": None,
            "recorded_at": recorded.dt.tz_localize(UTC), "recorded_by": self.system_id, "source": "demo",
            "idempotency_key": None,
        })
        bulk_insert(self.conn, m.StageReport.__table__, out)
        self.counts["stage_reports"] += len(out)
        # Obstacles come from the untrimmed history, thinned by reporting density, so a
        # benchmark's history holds about as many obstacles as the default one.
        return full.iloc[::max(1, round(7 / step))]

    def _drop_silences(self, hist: pd.DataFrame, regs: pd.DataFrame) -> pd.DataFrame:
        first = pd.Timestamp(min(hist["situation_date"]))
        silent = regs["silent_from"].to_numpy()[hist["r"]]
        # Silent offices stop somewhere in the last 8 weeks before `until`.
        stop = pd.Timestamp(self.until) - pd.to_timedelta(np.nan_to_num(silent) * 56, unit="D")
        keep = np.isnan(silent) | (pd.to_datetime(hist["situation_date"]) < stop).to_numpy()
        # Irregular offices skip two weeks in five, the same weeks for all their stages.
        irregular = regs["irregular"].to_numpy()[hist["r"]]
        week = (pd.to_datetime(hist["situation_date"]) - first).dt.days // 7
        skipped = irregular & ((week * 2654435761 + hist["r"]) % 5 < 2).to_numpy()
        return hist[keep & ~skipped]

    # -- obstacles ------------------------------------------------------------------

    def _obstacles(self, election_code: str, regs: pd.DataFrame, stages: pd.DataFrame, hist: pd.DataFrame) -> None:
        rng = self.rng
        # Weather and geography obstacles are kept for remote offices (below).
        cats = [c for c in pd.read_sql(select(m.ObstacleCategory.code), self.conn)["code"] if c != "alam"]
        lag = hist["expected"] - hist["progress"]
        hist = hist.assign(remote=regs["remote"].to_numpy()[hist["r"]])
        p = np.where(lag > 20, 0.08, 0.01) * np.where(hist["remote"], 2.0, 1.0)
        picked = hist[rng.random(len(hist)) < p].drop_duplicates(["region_code", "stage_id"])
        if picked.empty:
            return
        supports = stages.set_index("stage_id")["supports"].fillna("")
        rows = []
        for o in picked.itertuples():
            sup = supports[o.stage_id]
            if "logistik" in sup and o.remote and rng.random() < 0.6:
                cat, desc = "alam", "Cuaca buruk dan gelombang tinggi menghambat distribusi ke wilayah kepulauan/pegunungan."
            elif "nphd" in sup:
                cat, desc = "anggaran", "Pencairan dana hibah tertunda menunggu kelengkapan administrasi."
            elif "data_penduduk" in sup and rng.random() < 0.6:
                cat, desc = "data-pemilih", "Selisih data pemilih dengan data kependudukan perlu dicocokkan."
            elif "keamanan" in sup and rng.random() < 0.4:
                cat, desc = "keamanan", "Potensi gesekan antarpendukung di beberapa kecamatan."
            else:
                cat = cats[int(rng.integers(len(cats)))]
                desc = "Kendala pelaksanaan tahapan dilaporkan oleh kantor Kesbangpol."
            lag_here = o.expected - o.progress
            # Some obstacles are critical whatever the lag (a flood, a clash): about 6%.
            severity = ("kritis" if lag_here > 30 or rng.random() < 0.06 else "tinggi" if lag_here > 20 else
                        ["rendah", "sedang", "tinggi"][int(rng.choice(3, p=[0.45, 0.4, 0.15]))])
            rows.append({"region_code": o.region_code, "stage_id": int(o.stage_id), "category_code": cat,
                         "severity_code": severity, "description": desc, "found_date": o.situation_date,
                         "owner": OWNERS[int(rng.integers(len(OWNERS)))]})
        obs = pd.DataFrame(rows)
        obs["election_code"] = election_code
        obs["due_date"] = [d + timedelta(days=int(x)) for d, x in zip(obs["found_date"], rng.integers(7, 30, len(obs)))]
        obs["status"], obs["closed_date"] = "baru", None
        self._stamp(obs, "found_date")
        ids = bulk_insert(self.conn, m.Obstacle.__table__, obs, returning_ids=True)
        obs["id"] = ids
        self.counts["obstacles"] += len(obs)
        self._follow_ups(obs)

    def _follow_ups(self, obs: pd.DataFrame) -> None:
        rng = self.rng
        actions, final = [], {}
        for o in obs.itertuples():
            day = o.found_date
            fate = rng.random()  # 72% solved, 10% escalated then solved or not, rest still handled
            steps = [("ditangani", "Koordinasi dengan pihak terkait dan penjadwalan ulang.", None)]
            if 0.72 <= fate < 0.82:
                steps.append(("eskalasi", "Dilaporkan ke provinsi/Kemendagri untuk dukungan.", None))
            if fate < 0.78:
                steps.append(("selesai", "Kendala teratasi.", "Berita acara penyelesaian dan foto kegiatan."))
            status = "baru"
            for new_status, desc, evidence in steps:
                day = day + timedelta(days=int(rng.integers(1, 12)))
                if day > self.until:
                    break
                actions.append({"obstacle_id": int(o.id), "action_date": day, "actor": o.owner,
                                "description": desc, "new_status": new_status, "evidence": evidence})
                status = new_status
            final[int(o.id)] = (status, day if status == "selesai" else None)
        if not actions:
            return
        acts = pd.DataFrame(actions)
        self._stamp(acts, "action_date")
        bulk_insert(self.conn, m.ObstacleAction.__table__, acts)
        self.counts["obstacle_actions"] += len(acts)
        ob = m.Obstacle.__table__
        for status in ("ditangani", "eskalasi", "selesai"):
            ids = [i for i, (s, _) in final.items() if s == status]
            if status != "selesai" and ids:
                self.conn.execute(ob.update().where(ob.c.id.in_(ids)).values(status=status))
        for i, (s, closed) in final.items():
            if s == "selesai":
                self.conn.execute(ob.update().where(ob.c.id == i).values(status=s, closed_date=closed))

    # -- NPHD -----------------------------------------------------------------------

    def _nphd(self, election_code: str, regs: pd.DataFrame) -> None:
        rng = self.rng
        cps = {"KPU": (1.0, "early"), "BAWASLU": (0.42, "early"), "TNI": (0.05, "late"), "POLRI": (0.16, "late")}
        base = np.where(regs["level"] == "province", rng.uniform(250e9, 1.2e12, len(regs)),
                        rng.uniform(18e9, 120e9, len(regs)))
        agreements, disb = [], []
        for code, (share, timing) in cps.items():
            for i, r in enumerate(regs.itertuples()):
                value = int(round(base[i] * share * rng.uniform(0.85, 1.15), -6))
                x = rng.random()
                if timing == "early":
                    signed = date(2023, 11, 1) + timedelta(days=int(rng.integers(0, 30) if x < 0.9
                                                                        else rng.integers(30, 150)))
                else:
                    signed = date(2023, 11, 1) + timedelta(days=int(rng.integers(0, 330) if x < 0.97
                                                                        else rng.integers(330, 400)))
                if signed > self.until:
                    agreements.append((r.region_code, code, value, None))
                    continue
                agreements.append((r.region_code, code, value, signed))
                d1 = signed + timedelta(days=int(rng.integers(3, 15)))
                tranche1 = int(round(value * 0.4, -3))
                disb.append((len(agreements) - 1, 1, tranche1, d1))
                if rng.random() < (0.93 if timing == "early" else 0.75):
                    d2 = max(d1 + timedelta(days=30), date(2024, 3, 1) + timedelta(days=int(rng.integers(0, 118))))
                    full = rng.random() < 0.9
                    disb.append((len(agreements) - 1, 2, (value - tranche1) if full else int(round(value * 0.4, -3)), d2))
        ag = pd.DataFrame(agreements, columns=["region_code", "counterparty_code", "agreed_value", "signed_date"])
        ag["election_code"], ag["note"], ag["replaces_id"] = election_code, "", None
        self._stamp(ag, "signed_date", fallback=date(2023, 11, 1))
        ag_ids = bulk_insert(self.conn, m.NphdAgreement.__table__, ag, returning_ids=True)
        ds = pd.DataFrame(disb, columns=["agreement", "tranche", "amount", "disbursed_date"])
        ds = ds[ds["disbursed_date"] <= self.until]
        ds["agreement_id"] = [ag_ids[i] for i in ds["agreement"]]
        ds = ds.drop(columns="agreement")
        ds["replaces_id"] = None
        self._stamp(ds, "disbursed_date")
        bulk_insert(self.conn, m.NphdDisbursement.__table__, ds)
        self.counts["nphd_agreements"] += len(ag)
        self.counts["nphd_disbursements"] += len(ds)

    # -- documents ------------------------------------------------------------------

    def _documents(self, election_code: str, regs: pd.DataFrame, stages: pd.DataFrame) -> None:
        rng = self.rng
        dr = m.DocumentRequirement.__table__
        reqs = pd.read_sql(select(dr).where((dr.c.election_code == election_code) | dr.c.election_code.is_(None)),
                           self.conn)
        start = min(stages["start_date"])
        rows = []
        for req in reqs.itertuples():
            p = 0.95 if req.counterparty_code else {"sk-tim-pemantauan": 0.9, "sk-operator": 0.85}.get(req.code, 0.75)
            for r in regs.itertuples():
                if rng.random() >= p:
                    continue
                day = min(start + timedelta(days=int(rng.integers(0, 120))), self.until)
                name = f"{req.code}-{r.region_code}.pdf"
                digest = hashlib.sha256(f"demo:{election_code}:{name}".encode()).hexdigest()
                rows.append({"region_code": r.region_code, "election_code": election_code,
                             "requirement_code": req.code, "document_date": day, "filename": name,
                             "content_hash": digest, "size_bytes": int(rng.integers(80_000, 2_000_000)),
                             "media_type": "application/pdf", "replaces_id": None})
        docs = pd.DataFrame(rows)
        self._stamp(docs, "document_date")
        bulk_insert(self.conn, m.Document.__table__, docs)
        self.counts["documents"] += len(docs)

    def _stamp(self, df: pd.DataFrame, day_col: str, fallback: date | None = None) -> None:
        days = df[day_col].where(df[day_col].notna(), fallback) if fallback else df[day_col]
        df["recorded_at"] = (pd.to_datetime(days) + pd.Timedelta(hours=3)).dt.tz_localize(UTC)
        df["recorded_by"], df["source"], df["idempotency_key"] = self.system_id, "demo", None


def bulk_insert(conn: Connection, table, df: pd.DataFrame, returning_ids: bool = False) -> list[int]:
    """Fast append of many rows: COPY on PostgreSQL, executemany on SQLite.
    Returns the new ids (in row order) when asked."""
    if df.empty:
        return []
    cols = [c.name for c in table.columns if c.name in df.columns]
    start_id = None
    if returning_ids:
        # Give ids ourselves: a single writer holds the lock, so max(id)+1.. is free.
        start_id = (conn.execute(select(table.c.id).order_by(table.c.id.desc()).limit(1)).scalar() or 0) + 1
        df = df.assign(id=range(start_id, start_id + len(df)))
        cols = ["id", *cols]
    data = df[cols].copy()
    if conn.dialect.name == "sqlite":
        # Store what SQLAlchemy's SQLite Date/DateTime types read back: ISO text, naive UTC.
        for col in cols:
            if isinstance(data[col].dtype, pd.DatetimeTZDtype):
                data[col] = data[col].dt.tz_convert(UTC).dt.strftime("%Y-%m-%d %H:%M:%S.%f")
            elif data[col].map(lambda v: isinstance(v, date)).any():
                data[col] = data[col].map(lambda v: v.isoformat() if isinstance(v, date) else v)
    data = data.astype(object).where(data.notna(), None)
    if conn.dialect.name == "postgresql":
        raw = conn.connection.dbapi_connection
        with raw.cursor() as cur, cur.copy(f'COPY {table.name} ({", ".join(cols)}) FROM STDIN') as copy:
            for row in data.itertuples(index=False, name=None):
                copy.write_row(row)
        if returning_ids:
            conn.exec_driver_sql(f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                                 f"(SELECT max(id) FROM {table.name}))")
    else:
        placeholders = ", ".join("?" for _ in cols)
        conn.exec_driver_sql(f"INSERT INTO {table.name} ({', '.join(cols)}) VALUES ({placeholders})",
                             list(data.itertuples(index=False, name=None)))
    return list(range(start_id, start_id + len(df))) if returning_ids else []


__all__ = ["seed_demo", "is_demo", "has_reports", "bulk_insert", "DEMO_ACCOUNTS", "DEMO_PASSWORD"]
