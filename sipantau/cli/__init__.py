"""`python -m sipantau …`: the command line, one module per command group.

    database.py    init, demo, status, settings   set up, seed and inspect the report database
    users.py       users add|list|disable|enable|reset-password
    boundaries.py  boundaries fetch|import|check|rollback
    imports.py     import FILE --as USERNAME       bulk import from CSV/Excel
    maps.py        map --out peta.html|.json|.png
    backup.py      backup, restore, verify
    serve.py       serve [--host H] [--port N]     the dashboard under uvicorn (st.App)
    sessions.py    sessions list|revoke            server-side sign-in sessions

Every command except `settings` refuses to run while a setting is bad (see sipantau.config):
`settings` is how the operator sees what is wrong. Messages are in Bahasa Indonesia.
"""

from __future__ import annotations

import typer

from sipantau.cli import backup, boundaries, database, imports, maps, serve, sessions, users
from sipantau.cli.options import require_valid_settings

app = typer.Typer(help="Sipantau: pemantauan tahapan pemilu dan pilkada.", no_args_is_help=True,
                  add_completion=False)


@app.callback()
def _check_settings(ctx: typer.Context) -> None:
    if ctx.invoked_subcommand != "settings":  # `settings` is how the operator sees what is wrong
        require_valid_settings()


app.command("serve")(serve.serve_command)
app.command("init")(database.init)
app.command("demo")(database.demo)
app.command("status")(database.status)
app.command("settings")(database.settings_command)
app.command("import")(imports.import_command)
app.command("map")(maps.map_command)
app.command("backup")(backup.backup_command)
app.command("restore")(backup.restore_command)
app.command("verify")(backup.verify_command)
app.add_typer(users.app, name="users")
app.add_typer(boundaries.app, name="boundaries")
app.add_typer(sessions.app, name="sessions")
