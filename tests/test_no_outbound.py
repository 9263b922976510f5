"""The server makes no outbound connection attempt (issue 9, part 10).

Method: the real server (`python -m sipantau serve`, uvicorn) runs under strace, which records
every attempt of the process and of every child it starts to reach an address (connect, and
sendto/sendmsg with an address, which is how a UDP name lookup goes out) — whether or not the
attempt succeeds. That is the point of tracing rather than a firewall or an empty network
namespace: a refused or unroutable attempt (usage statistics, a version check, a font, a
name lookup) would be hidden by those and is recorded here. While traced, the server starts,
answers /healthz and the login page, takes a login, serves pages, and a headless Chromium (its
own outside requests blocked and recorded) runs the app's script on a demo database: the
national map, a province, the briefing screen. Every address tried must be this machine
(127.0.0.0/8, ::1) or a local socket (AF_UNIX, netlink), and never a DNS port.
"""

from __future__ import annotations

import ipaddress
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from server import running

pytestmark = pytest.mark.browser
CHROMIUM = "/usr/bin/chromium"
TRACE = ["strace", "-f", "--seccomp-bpf", "-e", "trace=connect,sendto,sendmsg,sendmmsg"]
GEO_DIR = Path(os.environ.get("SIPANTAU_TEST_GEO_DIR", Path(__file__).resolve().parents[2] / "shared" / "geo"))
ADDRESS = re.compile(r'sa_family=AF_(INET6?)\b.*?(?:sin6?_port=htons\((\d+)\)).*?'
                     r'(?:inet_addr\("([^"]+)"\)|inet_pton\(AF_INET6, "([^"]+)")')


def outbound(trace: str) -> list[str]:
    """The attempts in an strace log that leave this machine (or ask a name server)."""
    found = []
    for line in trace.splitlines():
        if not re.search(r"\b(connect|sendto|sendmsg|sendmmsg)\(", line) or "AF_INET" not in line:
            continue
        match = ADDRESS.search(line)
        if match is None:
            found.append(line)  # an address we cannot read is not proven local
            continue
        _family, port, v4, v6 = match.groups()
        address = ipaddress.ip_address(v4 or v6)
        mapped = getattr(address, "ipv4_mapped", None)
        if not (address.is_loopback or (mapped and mapped.is_loopback)) or port == "53":
            found.append(line)
    return found


def _need_strace():
    if shutil.which("strace") is None:
        pytest.skip("strace is not installed (apt-get install -y strace)")


def test_the_trace_catches_an_outbound_attempt(tmp_path):
    _need_strace()
    log = tmp_path / "probe.trace"
    probe = ("import socket\n"
             "s = socket.socket(); s.settimeout(0.3)\n"
             "try: s.connect(('192.0.2.1', 443))\nexcept OSError: pass\n"
             "socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b'q', ('127.0.0.53', 53))\n"
             "l = socket.socket(); l.bind(('127.0.0.1', 0)); l.listen()\n"
             "socket.create_connection(l.getsockname()).close()\n")
    subprocess.run([*TRACE, "-o", str(log), sys.executable, "-c", probe], check=True, timeout=60)
    found = outbound(log.read_text())
    assert len(found) == 2 and "192.0.2.1" in found[0] and "127.0.0.53" in found[1]


def test_the_server_tries_no_outside_address_while_serving_a_session(tmp_path, demo_url):
    _need_strace()
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian chromium is not installed (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    from sipantau.demo import DEMO_PASSWORD

    trace = tmp_path / "server.trace"
    env = {"SIPANTAU_DATABASE_URL": demo_url, "SIPANTAU_BOUNDARIES_DIR": str(GEO_DIR),
           "SIPANTAU_GEO_CACHE_DIR": str(tmp_path / "geo")}
    with running(env, tmp_path / "server.log", wrapper=[*TRACE, "-o", str(trace)]) as base:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu",
                                                                         "--use-angle=swiftshader"])
            page = browser.new_page()
            outside = []

            def route(r):
                if r.request.url.startswith((base, "data:", "blob:")):
                    return r.continue_()
                outside.append(r.request.url)
                return r.abort()

            page.route("**/*", route)
            page.goto(f"{base}/peta")
            page.fill("#username", "admin")
            page.fill("#password", DEMO_PASSWORD)
            page.click("button[type=submit]")
            page.get_by_text("Masuk sebagai").first.wait_for(timeout=120_000)
            for path in ("/provinsi?provinsi=73", "/layar"):
                page.goto(base + path)
                page.get_by_text("Masuk sebagai").first.wait_for(timeout=120_000)
            page.wait_for_timeout(2000)
            browser.close()
    text = trace.read_text()
    assert "+++ exited with" in text  # the trace covers the server to its end
    assert outbound(text) == []
    assert outside == []
