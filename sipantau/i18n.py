"""Bahasa Indonesia first, English second; numbers, money and dates through Babel.

Screen text lives in `TEXT` as key → (Indonesian, English). A missing English
entry falls back to Indonesian, never to the key, so a screen is never blank.
"""

from __future__ import annotations

from datetime import date, datetime

from babel.dates import format_date, format_datetime
from babel.numbers import format_currency, format_decimal

LOCALES = {"id": "id_ID", "en": "en_GB"}
LANG_NAMES = {"id": "Bahasa Indonesia", "en": "English"}

TEXT: dict[str, tuple[str, str]] = {
    "app_title": ("Sipantau — Pemantauan Tahapan Pemilu dan Pilkada", "Sipantau — Election Stage Monitoring"),
    "app_subtitle": (
        "Kemendagri · Ditjen Politik dan PUM · Direktorat Politik Dalam Negeri. Ini bukan pengawasan, tetapi pemantauan tahapan.",
        "Ministry of Home Affairs · Directorate of Domestic Politics. This is stage monitoring, not supervision.",
    ),
    "demo_banner": (
        "DEMO — data laporan di basis data ini sintetis (dibuat otomatis), bukan laporan Kesbangpol yang sebenarnya.",
        "DEMO — the reports in this database are synthetic, not real Kesbangpol reports.",
    ),
    "demo_accounts": ("Akun demo", "Demo accounts"),
    "filters": ("Filter", "Filters"),
    "election": ("Pemilihan", "Election"),
    "stage": ("Tahapan", "Stage"),
    "all_active_stages": ("Semua tahapan aktif", "All active stages"),
    "as_of": ("Per tanggal", "As of"),
    "language": ("Bahasa", "Language"),
    "page_home": ("Ringkasan nasional", "National summary"),
    "national_picture": ("Gambaran nasional", "National picture"),
    "regions_reporting": ("Wilayah melapor", "Regions reporting"),
    "regions_reporting_help": (
        "Kantor Kesbangpol peserta yang punya setidaknya satu laporan tahapan sampai tanggal ini.",
        "Participating offices with at least one stage report up to this date.",
    ),
    "avg_progress": ("Rata-rata progres tahapan aktif", "Average progress of active stages"),
    "expected": ("sesuai jadwal", "per schedule"),
    "open_obstacles": ("Hambatan terbuka", "Open obstacles"),
    "nphd_signed": ("NPHD ditandatangani", "NPHD signed"),
    "nphd_realised": ("Realisasi NPHD", "NPHD disbursed"),
    "active_stages": ("Tahapan aktif", "Active stages"),
    "no_active_stages": ("Tidak ada tahapan yang berjalan pada tanggal ini.", "No stage is running on this date."),
    "stage_col": ("Tahapan", "Stage"),
    "schedule_col": ("Jadwal", "Schedule"),
    "progress_col": ("Progres rata-rata", "Average progress"),
    "expected_col": ("Progres sesuai jadwal", "Expected progress"),
    "lag_col": ("Selisih (poin)", "Lag (points)"),
    "reporting_col": ("Wilayah melapor", "Regions reporting"),
    "class_col": ("Kelas", "Class"),
    "by_severity": ("Hambatan terbuka menurut tingkat", "Open obstacles by severity"),
    "nphd_title": ("NPHD per mitra", "NPHD by counterparty"),
    "counterparty": ("Mitra", "Counterparty"),
    "signed": ("Sudah tanda tangan", "Signed"),
    "not_signed": ("Belum tanda tangan", "Not signed"),
    "agreed_value": ("Nilai NPHD", "Agreed value"),
    "realised_value": ("Realisasi", "Disbursed"),
    "fully_realised": ("Realisasi 100%", "Fully disbursed"),
    "partly_realised": ("Realisasi sebagian", "Partly disbursed"),
    "no_data_yet": ("Belum ada data.", "No data yet."),
    "on_track": ("Sesuai jadwal", "On track"),
    "behind": ("Tertinggal", "Behind"),
    "critical": ("Kritis", "Critical"),
    "no_data": ("Belum melapor", "No report"),
    "not_started": ("Belum dimulai", "Not started"),
    "login_title": ("Masuk ke Sipantau", "Sign in to Sipantau"),
    "username": ("Nama pengguna", "Username"),
    "password": ("Kata sandi", "Password"),
    "login_button": ("Masuk", "Sign in"),
    "login_oidc": ("Masuk dengan akun instansi", "Sign in with the organisation account"),
    "logout": ("Keluar", "Sign out"),
    "session_expired": ("Sesi berakhir karena tidak ada aktivitas. Silakan masuk lagi.",
                        "Your session ended after inactivity. Please sign in again."),
    "signed_in_as": ("Masuk sebagai", "Signed in as"),
    "section_monitoring": ("Pemantauan", "Monitoring"),
    "section_input": ("Input laporan", "Reporting"),
    "section_admin": ("Administrasi", "Administration"),
    "database_empty": (
        "Basis data belum berisi data pemilihan. Jalankan `python -m sipantau init --demo` atau `make run`.",
        "The database holds no election yet. Run `python -m sipantau init --demo` or `make run`.",
    ),
}


def t(key: str, lang: str = "id") -> str:
    ind, eng = TEXT[key]
    return eng if lang == "en" and eng else ind


def number(value: float | int | None, lang: str = "id", digits: int = 0) -> str:
    if value is None or value != value:
        return "–"
    fmt = "#,##0" + ("." + "0" * digits if digits else "")
    return format_decimal(value, format=fmt, locale=LOCALES[lang])


def percent(value: float | None, lang: str = "id", digits: int = 1) -> str:
    """`value` in percent points (87.5 → "87,5%")."""
    if value is None or value != value:
        return "–"
    return number(value, lang, digits) + "%"


def rupiah(value: int | float | None, lang: str = "id") -> str:
    if value is None or value != value:
        return "–"
    return format_currency(value, "IDR", format="¤#,##0", currency_digits=False, locale=LOCALES[lang])


def rupiah_short(value: int | float | None, lang: str = "id") -> str:
    """Large amounts as officials say them: 1,2 T / 350,4 M (triliun / miliar)."""
    if value is None or value != value:
        return "–"
    for size, (ind, eng) in ((1e12, ("T", "tn")), (1e9, ("M", "bn")), (1e6, ("Jt", "m"))):
        if abs(value) >= size:
            return f"Rp{number(value / size, lang, 1)} {eng if lang == 'en' else ind}"
    return rupiah(value, lang)


def day(value: date | None, lang: str = "id", fmt: str = "d MMMM y") -> str:
    if value is None:
        return "–"
    return format_date(value, fmt, locale=LOCALES[lang])


def moment(value: datetime | None, lang: str = "id") -> str:
    if value is None:
        return "–"
    return format_datetime(value, "d MMM y HH.mm", locale=LOCALES[lang])
