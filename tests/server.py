"""A real Sipantau server for tests: `python -m sipantau serve` on a free port, under uvicorn, as
`make run` and the systemd unit start it."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def running(env: dict[str, str], log: Path, *, host: str | None = None, wrapper: Sequence[str] = (),
            port: int | None = None) -> Iterator[str]:
    """Start the server (inside `wrapper`, e.g. strace, when given), wait until /healthz answers,
    yield its base URL; stop it with SIGTERM afterwards (the server, not the wrapper, so that a
    tracer sees it exit)."""
    port = port or free_port()
    with open(log, "w") as out:
        args = ["--host", host] if host else []
        proc = subprocess.Popen([*wrapper, sys.executable, "-m", "sipantau", "serve", "--port", str(port), *args],
                                cwd=ROOT, env=os.environ | env, stdout=out, stderr=subprocess.STDOUT)
        base = f"http://{host or '127.0.0.1'}:{port}"
        try:
            _wait_until_up(base, proc, log)
            yield base
        finally:
            _stop(proc, bool(wrapper))


def _wait_until_up(base: str, proc: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited ({proc.returncode}): {log.read_text()[-3000:]}")
        try:
            urllib.request.urlopen(f"{base}/healthz", timeout=2).read()
            return
        except urllib.error.HTTPError:
            return  # it answers (503: no database), which is what we wait for
        except OSError:
            time.sleep(0.3)
    proc.kill()
    raise RuntimeError(f"server did not start: {log.read_text()[-3000:]}")


def _stop(proc: subprocess.Popen, wrapped: bool) -> None:
    target = _child(proc.pid) if wrapped else proc.pid
    if target is not None and proc.poll() is None:
        os.kill(target, signal.SIGTERM)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def _child(pid: int) -> int | None:
    """The first child of `pid` (the server a wrapper started)."""
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return None
    return int(children[0]) if children else None
