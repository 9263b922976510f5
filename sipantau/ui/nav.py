"""The page registry as data: every page, its address, words and icon, and who sees it.

`pages_for(actor)` is what `st.navigation` gets; `require(page)` is a page's own check of the
same rule (a page opened another way still refuses). Which pages a person sees follows their
role; writes are refused by the write side whatever a page offers.
"""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from sipantau import audit, auth
from sipantau.config import settings, settings_problems
from sipantau.demo import DEMO_ACCOUNTS, DEMO_PASSWORD
from sipantau.inert import md_escape
from sipantau.ui import data, session
from sipantau.ui.filters import t

SIGNED_IN = frozenset(auth.ROLES)
# An operations-room screen account opens on the briefing screen; everyone else on the summary.
SCREEN_ROLE = "layar_briefing"


@dataclass(frozen=True)
class PageSpec:
    file: str
    url_path: str
    title: str  # catalog key
    icon: str
    help: str | None  # catalog key of the navigation's tooltip
    section: str  # catalog key of its group in the navigation; "" = ungrouped
    roles: frozenset[str] | None = None  # who sees it; None = whoever may read (`session.may_read`)
    guests_only: bool = False  # only while nobody is signed in

    def shown_to(self, actor: auth.Actor | None) -> bool:
        if self.guests_only:
            return actor is None
        if self.roles is None:
            return session.may_read(actor)
        return actor is not None and actor.role in self.roles


def _monitoring(file: str, url_path: str, title: str, icon: str, help: str) -> PageSpec:
    return PageSpec(f"pages/{file}.py", url_path, title, icon, help, "section_monitoring")


def _for(roles, section: str, file: str, url_path: str, title: str, icon: str, help: str) -> PageSpec:
    return PageSpec(f"pages/{file}.py", url_path, title, icon, help, section, frozenset(roles))


PAGES: tuple[PageSpec, ...] = (
    _monitoring("home", "ringkasan", "page_home", ":material/dashboard:", "help_home"),
    _monitoring("national_map", "peta", "page_map", ":material/map:", "help_map"),
    _monitoring("province", "provinsi", "page_province", ":material/location_city:", "help_province"),
    _monitoring("regency", "kabkota", "page_regency", ":material/location_on:", "help_regency"),
    _monitoring("ranking", "peringkat", "page_ranking", ":material/leaderboard:", "help_ranking"),
    _monitoring("obstacles", "hambatan", "page_obstacles", ":material/report:", "help_obstacles"),
    _monitoring("silent", "belum-melapor", "page_silent", ":material/notifications_off:", "help_silent"),
    _monitoring("briefing", "layar", "page_briefing", ":material/tv:", "help_briefing"),
    _for(auth.WRITER_ROLES, "section_input", "report_stage", "lapor-tahapan", "inp_page_report_stage",
         ":material/edit_note:", "help_report_stage"),
    _for(auth.WRITER_ROLES, "section_input", "report_obstacle", "lapor-hambatan", "inp_page_report_obstacle",
         ":material/build:", "help_report_obstacle"),
    _for(auth.WRITER_ROLES, "section_input", "report_nphd", "lapor-nphd", "inp_page_report_nphd",
         ":material/payments:", "help_report_nphd"),
    _for(auth.WRITER_ROLES, "section_input", "documents", "dokumen", "inp_page_documents",
         ":material/folder_open:", "help_documents"),
    _for(auth.WRITER_ROLES, "section_input", "import_data", "impor", "inp_page_import",
         ":material/upload_file:", "help_import"),
    _for(audit.AUDIT_ROLES, "section_admin", "audit", "jejak-audit", "inp_page_audit", ":material/history:",
         "help_audit"),
    _for({"admin_pusat"}, "section_admin", "users", "pengguna", "inp_page_users", ":material/group:", "help_users"),
    _for(SIGNED_IN, "section_admin", "account", "akun", "inp_page_account", ":material/account_circle:",
         "help_account"),
    PageSpec("pages/login.py", "masuk", "login_button", ":material/login:", None, "", guests_only=True),
)
SPECS = {spec.file: spec for spec in PAGES}


def start_page(actor: auth.Actor | None) -> str:
    if actor is None:
        return "pages/home.py" if session.may_read(None) else "pages/login.py"
    return "pages/briefing.py" if actor.role == SCREEN_ROLE else "pages/home.py"


def pages_for(actor: auth.Actor | None) -> dict[str, list]:
    """The navigation this person gets: the pages they may see, by section, in the catalog's words.
    Signed out, every other page's address stays known but leads to the login page (and back):
    a tab whose session ended keeps its view through the login, without "Page not found"."""
    start = start_page(actor)
    sections: dict[str, list] = {}
    for spec in PAGES:
        if spec.shown_to(actor):
            page = st.Page(spec.file, title=t(spec.title), icon=spec.icon, url_path=spec.url_path,
                           default=spec.file == start, help=t(spec.help) if spec.help else None)
        elif actor is None:
            page = st.Page(session.to_login(spec.url_path), title=t(spec.title), url_path=spec.url_path,
                           visibility="hidden")
        else:
            continue
        sections.setdefault(t(spec.section) if spec.section else "", []).append(page)
    return sections


def require(page: str) -> auth.Actor:
    """The signed-in user when they may see `page` (its registry entry); otherwise say so and stop."""
    actor = session.signed_in()
    if actor is None or not SPECS[page].shown_to(actor):
        st.error(t("inp_not_allowed_page"), icon=":material/block:")
        st.stop()
    return actor


def stop_on_bad_settings() -> None:
    """Never serve on a setting the operator did not choose: name every bad one and stop."""
    if problems := settings_problems():
        st.error("Pengaturan Sipantau tidak sah; dasbor berhenti sampai diperbaiki (`python -m sipantau settings`).")
        st.code("\n".join(map(str, problems)), language=None)
        st.stop()


def still_signed_in(page: str) -> bool:
    """For a page that refreshes itself (a fragment's tick runs without the page around it): the
    session is read again on every tick, so that an ended one (revoked, password changed) takes
    the screen to the login page, which brings it back here."""
    if session.current_actor() is not None or session.may_read(None):
        return True
    session.send_to_login(SPECS[page].url_path)
    return False


def briefing_refresh_seconds() -> int:
    """How often the briefing screen refreshes (seconds)."""
    return settings().briefing_refresh_seconds


def sidebar_identity(actor: auth.Actor | None) -> None:
    """Who is signed in, with their role and region, and the way out."""
    if actor is None:
        return
    with st.sidebar:
        st.caption(f"{t('signed_in_as')} **{md_escape(actor.username)}** · {auth.ROLES[actor.role]}"
                   + (f" · {md_escape(actor.region_code)}" if actor.region_code else ""))
        st.button(t("logout"), on_click=session.logout, icon=":material/logout:")


def demo_banner(show_accounts: bool = False) -> None:
    if not data.demo_database(data.data_version()):
        return
    text = t("demo_banner")
    if show_accounts:
        names = ", ".join(f"`{name}`" for name, *_ in DEMO_ACCOUNTS)
        text += f"  \n{t('demo_accounts')}: {names} — {t('password')} `{DEMO_PASSWORD}`"
    # markdown-safe: catalog text and the constant demo accounts (shown as code)
    st.warning(text, icon=":material/science:")
