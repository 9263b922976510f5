"""`python -m sipantau serve`: the dashboard under uvicorn, as `make run` and the systemd unit start it.

It listens on 127.0.0.1 unless told otherwise (`--host`, or SIPANTAU_HOST): put a reverse
proxy with TLS in front for other machines. X-Forwarded-Proto/-For are believed only from
SIPANTAU_TRUSTED_PROXIES (default 127.0.0.1, the proxy on this machine), which is how the
session cookie learns that the browser came over HTTPS.
"""

from __future__ import annotations

import logging
import os
from typing import Annotated

import typer

from sipantau.config import ROOT, settings

log = logging.getLogger(__name__)


def serve_command(
    host: Annotated[str | None, typer.Option("--host", help="Alamat dengar (bawaan: SIPANTAU_HOST atau 127.0.0.1).")] = None,
    port: Annotated[int | None, typer.Option("--port", help="Port (bawaan: SIPANTAU_PORT atau 8501).")] = None,
) -> None:
    """Jalankan dasbor (Streamlit st.App di uvicorn) dengan sesi, halaman masuk, dan /healthz."""
    import uvicorn
    from streamlit import config as st_config
    from streamlit.web.server.starlette.starlette_server import _get_uvicorn_config_kwargs

    from sipantau import web

    host, port = host or settings().host, port or settings().port
    # Streamlit reads .streamlit/config.toml from the working directory; the app's own paths
    # are absolute already.
    os.chdir(ROOT)
    for option, value in (("server.address", host), ("server.port", port), ("server.headless", True)):
        st_config.set_option(option, value)
    app = web.create_app()
    # Streamlit's own websocket settings (message size, pings), as `streamlit run` uses them.
    options = _get_uvicorn_config_kwargs() | {
        "proxy_headers": True, "forwarded_allow_ips": settings().trusted_proxies, "server_header": False}
    typer.echo(f"Sipantau: http://{host}:{port}/")
    uvicorn.Server(uvicorn.Config(app, host=host, port=port, **options)).run()
