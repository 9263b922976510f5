"""The three kinds of import and their columns: canonical headers (what the templates
write), the headers offices commonly write instead, how each column is read, and which
columns tell one kind from another when the kind is not given."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sipantau import models as m
from sipantau import rules
from sipantau.ingest.refusals import ImportRefused

KINDS = {"laporan": "Laporan tahapan", "hambatan": "Hambatan", "nphd": "NPHD (perjanjian hibah dan pencairan)"}
MAX_TRANCHES = rules.MAX_TRANCHE  # reports.add_nphd_disbursement accepts tranches 1–6
TEMPLATE_TRANCHES = 2  # Pilkada NPHD is paid in two tranches; more columns may be added


@dataclass(frozen=True)
class Column:
    name: str  # canonical header (the template writes it so)
    parse: str  # text | election | region | stage | date | number | money | status | category | severity | counterparty
    required: bool
    help: str  # for the instruction sheet
    example: str
    not_future: bool = True  # for dates
    limit: int = rules.MAX_TEXT  # for text: characters, as the database column holds


OWNER_CHARS = m.Obstacle.__table__.c.owner.type.length  # what the column holds
ELECTION = Column("pemilihan", "election", True, "Kode pemilihan (lembar Pemilihan).", "pilkada-2024")
REGION = Column("wilayah", "region", True, "Kode Kemendagri (mis. 73.10) atau nama resmi wilayah "
                "(mis. Kabupaten Pangkajene dan Kepulauan), hanya wilayah kewenangan Anda (lembar Wilayah).", "73.10")
NOTE = Column("catatan", "text", False, "Keterangan singkat; boleh kosong.", "Rapat koordinasi dengan KPU")


def _tranche_columns(n: int) -> tuple[Column, Column]:
    return (Column(f"tahap_{n}_jumlah", "money", False, f"Jumlah pencairan tahap {n} dalam rupiah; kosongkan "
                   "bila belum cair.", "600.000.000" if n == 1 else ""),
            Column(f"tahap_{n}_tanggal", "date", False, f"Tanggal pencairan tahap {n} (DD/MM/YYYY); wajib bila "
                   "jumlahnya diisi.", "20/11/2023" if n == 1 else ""))


COLUMNS: dict[str, tuple[Column, ...]] = {
    "laporan": (
        ELECTION, REGION,
        Column("tahapan", "stage", True, "Kode tahapan pada pemilihan itu (lembar Tahapan).", "kampanye"),
        Column("tanggal_situasi", "date", True, "Tanggal keadaan yang dilaporkan (DD/MM/YYYY); di dalam masa "
               "pemilihan dan tidak di masa depan.", "24/10/2024"),
        Column("progres", "number", True, "Persentase 0–100, paling banyak dua desimal dengan koma atau titik "
               "(12,5 atau 12.5), tanpa pemisah ribuan; 1.000 ditolak karena bisa berarti 1 atau 1000.", "50"),
        Column("status", "status", True, "belum_mulai, berjalan, selesai atau terkendala (lembar Status). "
               "Selesai memerlukan progres 100; belum_mulai memerlukan progres 0.", "berjalan"),
        NOTE,
    ),
    "hambatan": (
        ELECTION, REGION,
        Column("tahapan", "stage", False, "Kode tahapan terkait (lembar Tahapan); boleh kosong.", "logistik"),
        Column("kategori", "category", True, "Kategori hambatan (lembar Kategori).", "logistik"),
        Column("tingkat", "severity", True, "Tingkat keparahan (lembar Tingkat).", "sedang"),
        Column("uraian", "text", True, "Uraian hambatan.", "Sebagian kotak suara rusak di gudang"),
        Column("penanggung_jawab", "text", True, f"Pihak yang menangani (paling banyak {OWNER_CHARS} karakter).",
               "KPU Kabupaten", limit=OWNER_CHARS),
        Column("tanggal_diketahui", "date", True, "Tanggal hambatan diketahui (DD/MM/YYYY); tidak di masa depan.",
               "20/11/2024"),
        Column("tenggat", "date", False, "Tenggat penyelesaian (DD/MM/YYYY); boleh kosong, tidak sebelum tanggal "
               "diketahui.", "25/11/2024", not_future=False),
    ),
    "nphd": (
        ELECTION, REGION,
        Column("mitra", "counterparty", True, "Mitra NPHD (lembar Mitra).", "KPU"),
        Column("nilai_nphd", "money", True, "Nilai NPHD dalam rupiah, bilangan bulat: 1500000000 atau dengan "
               "pemisah ribuan 1.500.000.000 (titik atau koma diikuti tiga angka selalu pemisah ribuan).",
               "1.500.000.000"),
        Column("tanggal_tanda_tangan", "date", False, "Tanggal NPHD ditandatangani (DD/MM/YYYY); wajib bila ada "
               "pencairan.", "10/11/2023"),
        NOTE,
        *(col for n in range(1, MAX_TRANCHES + 1) for col in _tranche_columns(n)),
    ),
}
# Headers offices commonly write for the same thing.
ALIASES = {
    "kode_wilayah": "wilayah", "nama_wilayah": "wilayah", "kode_pemilihan": "pemilihan", "kode_tahapan": "tahapan",
    "progres_persen": "progres", "progress": "progres", "tingkat_keparahan": "tingkat",
    "kategori_hambatan": "kategori", "nilai_nphd_rp": "nilai_nphd", "tanggal_ttd": "tanggal_tanda_tangan",
    "keterangan": "catatan",
}
# Columns that tell one kind from another when the kind is not given.
DISTINCTIVE = {
    "laporan": {"tanggal_situasi", "progres", "status"},
    "hambatan": {"kategori", "tingkat", "uraian", "penanggung_jawab", "tanggal_diketahui", "tenggat"},
    "nphd": {"mitra", "nilai_nphd", "tanggal_tanda_tangan", "tahap_1_jumlah", "tahap_1_tanggal"},
}


def header_key(name: Any) -> str:
    """'Tanggal Situasi ', 'TANGGAL-SITUASI' and 'tanggal_situasi' are one column."""
    ascii_name = unicodedata.normalize("NFKD", str(name)).encode("ascii", "ignore").decode()
    key = re.sub(r"[^0-9a-z]+", "_", ascii_name.lower()).strip("_")
    return ALIASES.get(key, key)


def template_columns(kind: str) -> list[Column]:
    hidden = {f"tahap_{n}_{part}" for n in range(TEMPLATE_TRANCHES + 1, MAX_TRANCHES + 1)
              for part in ("jumlah", "tanggal")}
    return [c for c in COLUMNS[check_kind(kind)] if c.name not in hidden]


def check_kind(kind: str) -> str:
    if kind not in KINDS:
        raise ImportRefused(f"Jenis data {kind!r} tidak dikenal; pilihan: {', '.join(KINDS)}.")
    return kind


def infer_kind(headers: Iterable[str]) -> str:
    """The kind whose distinctive columns the file has most of; refused when unclear."""
    keys = {header_key(h) for h in headers}
    scores = {kind: len(cols & keys) for kind, cols in DISTINCTIVE.items()}
    best = max(scores.values())
    winners = [kind for kind, score in scores.items() if score == best]
    if best == 0 or len(winners) > 1:
        raise ImportRefused("Jenis data tidak dapat dikenali dari judul kolom. Pakai templat yang disediakan, "
                            f"atau sebutkan jenisnya ({', '.join(KINDS)}).")
    return winners[0]
