"""Users, roles and region scope; passwords, login, lock-out, sessions and accounts.

Scope is checked by the write functions in reports.py (not only by what a page
offers), so no request can write for a region outside its author's area.

Passwords are stored only as argon2id hashes. No password, and no hash, is ever
written to the audit log, to a log record or into an exception message: audit
rows show a changed hash as "***". A login failure says the same thing whether
or not the user exists (and costs the same: an unknown user is verified against a
dummy hash). Five consecutive failures lock the account for fifteen minutes.

Every account change and login is audited through the journal. Imports models, db,
the clock and the journal (never reports or the read side).

One package: `core` (roles, scope, passwords, login) and `accounts` (what an admin or the
user changes); this is their public API.
"""

from sipantau.auth.accounts import (
    add_user,
    change_password,
    create_user,
    disable_user,
    enable_user,
    reset_password,
    revoke_session,
    revoke_sessions,
    system_actor,
)
from sipantau.auth.core import (
    CLI_USERNAME,
    HIDDEN,
    LOCKOUT_MINUTES,
    MAX_FAILED_LOGINS,
    MAX_PASSWORD_LENGTH,
    MIN_PASSWORD_LENGTH,
    REGIONAL_ROLES,
    ROLE_LEVEL,
    ROLES,
    SYSTEM_PREFIX,
    UNKNOWN_USER,
    USERNAME_PATTERN,
    WRITER_ROLES,
    WRONG_CREDENTIALS,
    AccountError,
    Actor,
    LoginFailed,
    NotAllowed,
    PasswordRejected,
    _hasher,
    actor_for_email,
    actor_problem,
    authenticate,
    can_read_region,
    can_write_region,
    check_password_policy,
    get_actor,
    hash_password,
    list_users,
    password_problems,
    public_user,
    record_oidc_login,
    session_actor,
)

__all__ = [
    "add_user", "change_password", "create_user", "disable_user", "enable_user", "reset_password",
    "revoke_session", "revoke_sessions", "system_actor", "CLI_USERNAME", "HIDDEN", "LOCKOUT_MINUTES",
    "MAX_FAILED_LOGINS", "MAX_PASSWORD_LENGTH", "MIN_PASSWORD_LENGTH", "REGIONAL_ROLES", "ROLE_LEVEL", "ROLES",
    "SYSTEM_PREFIX", "UNKNOWN_USER", "USERNAME_PATTERN", "WRITER_ROLES", "WRONG_CREDENTIALS", "AccountError",
    "Actor", "LoginFailed", "NotAllowed", "PasswordRejected", "_hasher", "actor_for_email", "actor_problem",
    "authenticate", "can_read_region", "can_write_region", "check_password_policy", "get_actor", "hash_password",
    "list_users", "password_problems", "public_user", "record_oidc_login", "session_actor",
]
