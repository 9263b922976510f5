"""Accounts: argon2 hashes, password policy, login and lock-out, admin actions, audit
without secrets, session expiry, OIDC mapping and the `users` command line."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select
from typer.testing import CliRunner

from sipantau import auth
from sipantau import models as m
from sipantau.auth import (
    AccountError,
    LoginFailed,
    NotAllowed,
    PasswordRejected,
    actor_for_email,
    add_user,
    authenticate,
    change_password,
    disable_user,
    enable_user,
    list_users,
    reset_password,
)
from sipantau.cli.users import app as users_app
from sipantau.db import get_engine, migrate, write_tx
from sipantau.reference import load_reference

PASSWORD = "Rahasia-Pemilu-2024"
NEW_PASSWORD = "Sandi-Baru-Pilkada-77"
T0 = datetime(2024, 11, 20, 3, 0, tzinfo=UTC)  # 10:00 WIB


def user_row(engine, username: str) -> dict:
    with engine.connect() as conn:
        return dict(conn.execute(select(m.User.__table__).where(m.User.username == username)).mappings().one())


def audit_rows(engine) -> list[dict]:
    with engine.connect() as conn:
        rows = conn.execute(select(m.AuditLog.__table__).order_by(m.AuditLog.id)).mappings().all()
    return [dict(r) for r in rows]


def audit_text(engine) -> str:
    return "\n".join(f"{r['username']} {r['before']} {r['after']}" for r in audit_rows(engine))


@pytest.fixture
def operator(engine, admin):
    return add_user(engine, admin, "op.pangkep", "Operator Pangkep", "operator_kabkota", "73.10",
                    "Op.Pangkep@Example.go.id", PASSWORD)


def login(engine, password=PASSWORD, username="op.pangkep", now=T0):
    return authenticate(engine, username, password, now=now)


# ---- hashes and policy ----------------------------------------------------------------


def test_passwords_are_stored_as_argon2id(engine, operator):
    stored = user_row(engine, "op.pangkep")["password_hash"]
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    assert auth.hash_password(PASSWORD).startswith("$argon2id$")


@pytest.mark.parametrize("password, problem", [
    ("pendek", "minimal 10 karakter"),
    ("OP.PANGKEP", "sama dengan nama pengguna"),
    ("x" * 300, "paling banyak"),
])
def test_password_policy(password, problem):
    assert any(problem in p for p in auth.password_problems(password, "op.pangkep"))
    with pytest.raises(PasswordRejected, match=problem):
        auth.check_password_policy(password, "op.pangkep")


def test_policy_accepts_a_long_enough_password():
    assert auth.password_problems(PASSWORD, "op.pangkep") == []


# ---- login ----------------------------------------------------------------------------


def test_login_returns_the_actor_and_is_audited(engine, operator):
    actor = login(engine)
    assert actor == operator and actor.region_code == "73.10"
    last = audit_rows(engine)[-1]
    assert (last["entity"], last["action"], last["user_id"], last["entity_id"]) == ("app_user", "masuk", operator.id, operator.id)


def test_login_name_is_case_insensitive(engine, operator):
    assert login(engine, username=" OP.Pangkep ") == operator


def test_wrong_password_and_unknown_user_get_the_same_message(engine, operator):
    with pytest.raises(LoginFailed) as wrong:
        login(engine, "salah-sekali-123")
    with pytest.raises(LoginFailed) as unknown:
        login(engine, PASSWORD, username="tidak.ada")
    assert wrong.value.message == unknown.value.message == "Nama pengguna atau kata sandi salah."
    assert user_row(engine, "op.pangkep")["failed_logins"] == 1
    actions = [(r["action"], r["username"], r["entity_id"]) for r in audit_rows(engine)[-2:]]
    assert actions == [("gagal_masuk", "op.pangkep", operator.id), ("gagal_masuk", auth.UNKNOWN_USER, None)]
    assert "tidak.ada" not in audit_text(engine)


def test_unknown_user_still_costs_one_argon2_verification(engine, monkeypatch):
    calls = []

    class Spy(PasswordHasher):
        def verify(self, hash, password):
            calls.append(hash)
            return super().verify(hash, password)

    monkeypatch.setattr(auth.core, "_hasher", Spy())
    with pytest.raises(LoginFailed):
        login(engine, username="tidak.ada")
    assert len(calls) == 1 and calls[0].startswith("$argon2id$")


def test_lock_out_after_five_failures_then_unlock_after_the_period(engine, operator):
    for i in range(auth.MAX_FAILED_LOGINS - 1):
        with pytest.raises(LoginFailed, match="salah.$"):
            login(engine, "salah-sekali-123", now=T0 + timedelta(seconds=i))
    with pytest.raises(LoginFailed, match="terkunci") as locked:
        login(engine, "salah-sekali-123", now=T0 + timedelta(seconds=10))
    until = T0 + timedelta(seconds=10, minutes=auth.LOCKOUT_MINUTES)
    assert locked.value.locked_until == until
    assert "20 Nov 2024 10.15 WIB" in locked.value.message  # Jakarta time, as every recorded time is told
    # Even the right password is refused while locked, and says until when.
    with pytest.raises(LoginFailed, match="Coba lagi setelah 20 Nov 2024 10.15 WIB"):
        login(engine, now=until - timedelta(seconds=1))
    assert [r["action"] for r in audit_rows(engine)[-3:]] == ["gagal_masuk", "terkunci", "gagal_masuk"]
    assert login(engine, now=until) == operator
    row = user_row(engine, "op.pangkep")
    assert (row["failed_logins"], row["locked_until"]) == (0, None)


def test_after_a_lock_runs_out_the_count_starts_again(engine, operator):
    for i in range(auth.MAX_FAILED_LOGINS):
        with pytest.raises(LoginFailed):
            login(engine, "salah-sekali-123", now=T0)
    later = T0 + timedelta(minutes=auth.LOCKOUT_MINUTES + 1)
    with pytest.raises(LoginFailed) as again:
        login(engine, "salah-sekali-123", now=later)
    assert again.value.locked_until is None
    assert user_row(engine, "op.pangkep")["failed_logins"] == 1


def test_success_resets_the_failure_count(engine, operator):
    for _ in range(auth.MAX_FAILED_LOGINS - 1):
        with pytest.raises(LoginFailed):
            login(engine, "salah-sekali-123")
    login(engine)
    with pytest.raises(LoginFailed) as exc:
        login(engine, "salah-sekali-123")
    assert exc.value.locked_until is None and user_row(engine, "op.pangkep")["failed_logins"] == 1


def test_disabled_user_cannot_log_in(engine, admin, operator):
    disable_user(engine, admin, "op.pangkep")
    with pytest.raises(LoginFailed, match="dinonaktifkan"):
        login(engine)
    with pytest.raises(LoginFailed, match="^Nama pengguna atau kata sandi salah.$"):
        login(engine, "salah-sekali-123")
    enable_user(engine, admin, "op.pangkep")
    assert login(engine) == operator


def test_user_without_password_cannot_log_in_with_one(engine, admin):
    add_user(engine, admin, "sso.only", "SSO", "pimpinan", email="sso@example.go.id")
    with pytest.raises(LoginFailed, match="^Nama pengguna atau kata sandi salah.$"):
        login(engine, "", username="sso.only")


def test_outdated_hash_is_upgraded_on_login(engine, operator):
    weak = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash(PASSWORD)
    with write_tx(engine) as conn:
        conn.execute(m.User.__table__.update().where(m.User.id == operator.id).values(password_hash=weak))
    login(engine)
    upgraded = user_row(engine, "op.pangkep")["password_hash"]
    assert upgraded != weak and not auth._hasher.check_needs_rehash(upgraded)
    assert login(engine) == operator


# ---- password changes and accounts ------------------------------------------------------


def test_change_password_checks_the_old_one_and_the_policy(engine, operator):
    with pytest.raises(PasswordRejected, match="lama salah"):
        change_password(engine, operator, "bukan-sandi-lama", NEW_PASSWORD)
    with pytest.raises(PasswordRejected, match="minimal 10"):
        change_password(engine, operator, PASSWORD, "pendek")
    with pytest.raises(PasswordRejected, match="nama pengguna"):
        change_password(engine, operator, PASSWORD, "op.pangkep")
    with pytest.raises(PasswordRejected, match="berbeda"):
        change_password(engine, operator, PASSWORD, PASSWORD)
    change_password(engine, operator, PASSWORD, NEW_PASSWORD)
    assert login(engine, NEW_PASSWORD) == operator
    with pytest.raises(LoginFailed):
        login(engine, PASSWORD)
    assert "ubah_kata_sandi" in [r["action"] for r in audit_rows(engine)]


def test_reset_password_is_for_admins_and_lifts_the_lock(engine, admin, operator, op_sulsel):
    for _ in range(auth.MAX_FAILED_LOGINS):
        with pytest.raises(LoginFailed):
            login(engine, "salah-sekali-123")
    with pytest.raises(NotAllowed, match="admin pusat"):
        reset_password(engine, op_sulsel, "op.pangkep", NEW_PASSWORD)
    with pytest.raises(NotAllowed):
        reset_password(engine, operator, "op.pangkep", NEW_PASSWORD)
    with pytest.raises(PasswordRejected):
        reset_password(engine, admin, "op.pangkep", "pendek")
    reset_password(engine, admin, "op.pangkep", NEW_PASSWORD)
    assert login(engine, NEW_PASSWORD, now=T0 + timedelta(minutes=1)) == operator
    last_reset = [r for r in audit_rows(engine) if r["action"] == "atur_ulang_kata_sandi"][-1]
    assert last_reset["username"] == "admin" and json.loads(last_reset["after"])["password_hash"] == "***"


def test_add_user_is_for_admins_only(engine, admin, op_sulsel):
    with pytest.raises(NotAllowed):
        add_user(engine, op_sulsel, "op.baru", "Baru", "operator_kabkota", "73.10", password=PASSWORD)
    with write_tx(engine) as conn:
        conn.execute(m.User.__table__.update().where(m.User.id == admin.id).values(active=False))
    with pytest.raises(NotAllowed):  # a disabled admin's stale session cannot act
        add_user(engine, admin, "op.baru", "Baru", "operator_kabkota", "73.10", password=PASSWORD)
    with engine.connect() as conn:
        assert [u["username"] for u in list_users(conn)] == ["admin", "op.sulsel"]


@pytest.mark.parametrize("username, role, region, message", [
    ("Op Baru!", "operator_kabkota", "73.10", "huruf kecil"),
    ("sistem.lain", "admin_pusat", None, "dicadangkan"),
    ("op.baru", "raja", None, "Peran tidak dikenal"),
    ("op.baru", "operator_kabkota", None, "memerlukan wilayah"),
    ("op.baru", "operator_kabkota", "73", "kabupaten/kota"),
    ("op.baru", "operator_provinsi", "73.10", "provinsi"),
    ("op.baru", "operator_provinsi", "99", "tidak dikenal"),
    ("op.baru", "pimpinan", "73", "nasional"),
    ("op.pangkep", "operator_kabkota", "73.10", "sudah dipakai"),
])
def test_add_user_validates(engine, admin, operator, username, role, region, message):
    with pytest.raises(AccountError, match=message):
        add_user(engine, admin, username, "Baru", role, region, password=PASSWORD)


def test_add_user_refuses_a_taken_email(engine, admin, operator):
    with pytest.raises(AccountError, match="E-mail"):
        add_user(engine, admin, "op.lain", "Lain", "pimpinan", email="op.pangkep@example.go.id", password=PASSWORD)


def test_admin_cannot_disable_itself_or_touch_system_accounts(engine, admin):
    with pytest.raises(AccountError, match="sendiri"):
        disable_user(engine, admin, "admin")
    with write_tx(engine) as conn:
        auth.system_actor(conn)
    with pytest.raises(AccountError, match="Akun sistem"):
        reset_password(engine, admin, auth.CLI_USERNAME, NEW_PASSWORD)
    with pytest.raises(AccountError, match="Akun sistem"):
        enable_user(engine, admin, auth.CLI_USERNAME)
    with pytest.raises(AccountError, match="tidak ada"):
        disable_user(engine, admin, "tidak.ada")


def test_list_users_has_no_hashes(engine, operator):
    with engine.connect() as conn:
        users = {u["username"]: u for u in list_users(conn)}
    assert users["op.pangkep"]["has_password"] and not users["admin"]["has_password"]
    assert users["op.pangkep"]["role_name"] == "Operator kabupaten/kota"
    assert all("password_hash" not in u for u in users.values())
    assert "$argon2" not in repr(users)


def test_actor_for_email_maps_oidc_users(engine, admin, operator):
    with engine.connect() as conn:
        assert actor_for_email(conn, " OP.PANGKEP@example.go.id ") == operator
        assert actor_for_email(conn, "orang.lain@example.go.id") is None
        assert actor_for_email(conn, None) is None and actor_for_email(conn, "") is None
    disable_user(engine, admin, "op.pangkep")
    with engine.connect() as conn:
        assert actor_for_email(conn, "op.pangkep@example.go.id") is None
    auth.record_oidc_login(engine, operator)
    assert json.loads(audit_rows(engine)[-1]["after"]) == {"metode": "oidc"}


# ---- no secrets in the audit log or in logs ---------------------------------------------


def every_account_operation(engine, admin):
    operator = add_user(engine, admin, "op.pangkep", "Operator", "operator_kabkota", "73.10", password=PASSWORD)
    login(engine)
    for _ in range(auth.MAX_FAILED_LOGINS):
        with pytest.raises(LoginFailed):
            login(engine, NEW_PASSWORD)
    with pytest.raises(LoginFailed):
        login(engine)  # locked
    with pytest.raises(LoginFailed):
        login(engine, PASSWORD, username=PASSWORD)  # password typed into the name box
    reset_password(engine, admin, "op.pangkep", NEW_PASSWORD)
    change_password(engine, operator, NEW_PASSWORD, PASSWORD + "!")
    disable_user(engine, admin, "op.pangkep")
    with pytest.raises(LoginFailed):
        login(engine, PASSWORD + "!")


def test_audit_rows_never_hold_a_password_or_hash(engine, admin):
    every_account_operation(engine, admin)
    text = audit_text(engine)
    actions = {r["action"] for r in audit_rows(engine)}
    assert {"buat", "masuk", "gagal_masuk", "terkunci", "atur_ulang_kata_sandi", "ubah_kata_sandi",
            "nonaktifkan"} <= actions
    assert all(r["entity"] == "app_user" for r in audit_rows(engine))
    for secret in (PASSWORD, NEW_PASSWORD, "$argon2"):
        assert secret not in text


def test_logs_never_hold_a_password_or_hash(engine, admin, caplog):
    caplog.set_level(logging.DEBUG)
    every_account_operation(engine, admin)
    assert "op.pangkep" in caplog.text  # the events are logged ...
    for secret in (PASSWORD, NEW_PASSWORD, "$argon2"):
        assert secret not in caplog.text  # ... without their secrets


# ---- command line -----------------------------------------------------------------------


@pytest.fixture
def cli_db(tmp_path):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    engine = get_engine(url)
    migrate(engine)
    with write_tx(engine) as conn:
        load_reference(conn)
    yield url, engine
    engine.dispose()
    get_engine.cache_clear()


def cli(url, *args, input=None):
    return CliRunner().invoke(users_app, [*args, "--database-url", url], input=input)


def test_cli_add_list_disable_reset(cli_db, caplog):
    caplog.set_level(logging.DEBUG)
    url, engine = cli_db
    added = cli(url, "add", "op.pangkep", "--role", "operator_kabkota", "--region", "73.10",
                "--name", "Operator Pangkep", "--email", "op@example.go.id", "--password-stdin", input=PASSWORD + "\n")
    assert added.exit_code == 0, added.output
    assert "dibuat" in added.output
    assert login(engine).username == "op.pangkep"

    listed = cli(url, "list")
    assert listed.exit_code == 0 and "op.pangkep" in listed.output and "Operator Pangkep" in listed.output
    assert "$argon2" not in listed.output and auth.CLI_USERNAME not in listed.output
    assert auth.CLI_USERNAME in cli(url, "list", "--all").output

    reset = cli(url, "reset-password", "op.pangkep", "--password-stdin", input=NEW_PASSWORD + "\n")
    assert reset.exit_code == 0, reset.output
    assert login(engine, NEW_PASSWORD).username == "op.pangkep"

    disabled = cli(url, "disable", "op.pangkep")
    assert disabled.exit_code == 0 and "dinonaktifkan" in disabled.output
    with pytest.raises(LoginFailed):
        login(engine, NEW_PASSWORD)
    assert "nonaktif" in cli(url, "list").output

    cli_rows = [r for r in audit_rows(engine) if r["action"] in ("buat", "atur_ulang_kata_sandi", "nonaktifkan")]
    assert {r["username"] for r in cli_rows} == {auth.CLI_USERNAME}
    assert not user_row(engine, auth.CLI_USERNAME)["active"]
    for secret in (PASSWORD, NEW_PASSWORD, "$argon2"):
        assert secret not in audit_text(engine) and secret not in caplog.text


def test_cli_prompts_twice_and_refuses_bad_passwords(cli_db):
    url, engine = cli_db
    typed = cli(url, "add", "pimpinan.a", "--role", "pimpinan", input=f"{PASSWORD}\n{PASSWORD}\n")
    assert typed.exit_code == 0, typed.output
    assert PASSWORD not in typed.output  # hidden input
    mismatch = cli(url, "add", "pimpinan.b", "--role", "pimpinan", input=f"{PASSWORD}\n{NEW_PASSWORD}\n")
    assert mismatch.exit_code == 1 and "tidak sama" in mismatch.output
    short = cli(url, "add", "pimpinan.c", "--role", "pimpinan", "--password-stdin", input="pendek\n")
    assert short.exit_code == 1 and "minimal 10" in short.output
    wrong_role = cli(url, "add", "pimpinan.d", "--role", "raja", "--password-stdin", input=PASSWORD + "\n")
    assert wrong_role.exit_code == 1 and "Peran tidak dikenal" in wrong_role.output
    missing = cli(url, "disable", "tidak.ada")
    assert missing.exit_code == 1 and "tidak ada" in missing.output
    with engine.connect() as conn:
        assert [u["username"] for u in list_users(conn)] == ["pimpinan.a", auth.CLI_USERNAME]
