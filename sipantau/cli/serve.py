"""`python -m sipantau serve`: the dashboard under uvicorn, as `make run` and the systemd unit start it.

It listens on 127.0.0.1 unless told otherwise (`--host`, or SIPANTAU_HOST): put a reverse
proxy with TLS in front for other machines. X-Forwarded-Proto/-For are believed only from
SIPANTAU_TRUSTED_PROXIES (default 127.0.0.1, the proxy on this machine), which is how the
session cookie learns that the browser came over HTTPS.
"""

from __future__ import annotations

from typing import Annotated

import typer

from sipantau.config import settings


def serve_command(
    host: Annotated[str | None, typer.Option("--host", help="Alamat dengar (bawaan: SIPANTAU_HOST atau 127.0.0.1).")] = None,
    port: Annotated[int | None, typer.Option("--port", help="Port (bawaan: SIPANTAU_PORT atau 8501).")] = None,
) -> None:
    """Jalankan dasbor (Streamlit st.App di uvicorn) dengan sesi, halaman masuk, dan /healthz."""
    from sipantau import web

    host, port = host or settings().host, port or settings().port
    typer.echo(f"Sipantau: http://{host}:{port}/")
    web.serve(host, port)
