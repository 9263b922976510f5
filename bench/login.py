"""How long signing in takes, on `python -m sipantau serve` (uvicorn) with a demo database.

Prints one JSON line per measurement:
- "login_post_ms": the login POST until its 303 (Origin and CSRF checks, argon2, the new session
  row), over plain HTTP, median and max of N;
- "script": without a browser, the login POST and then the app's websocket with the new cookie asking for
  the map page, as a tab does: from the POST to its 303, to the run's first element (the page script
  is running, its session resolved from the cookie) and to the end of the run;
- "browser": in headless Chromium (outside requests blocked), from the click on "Masuk" on the
  login page of a deep link (/peta) to: the 303 arriving ("redirect_ms"), the first output of the
  page's script drawn ("first_script_ms": the sidebar names the user, so the websocket is up, the
  cookie resolved and the script ran), and the national map drawn by MapLibre ("map_ms"). The
  first visit after the server start ("cold": nothing cached) and later ones ("warm").

    python bench/login.py [--reports 30000] [--logins 10] [--visits 4]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sipantau.db import create_database  # noqa: E402
from sipantau.demo import DEMO_PASSWORD  # noqa: E402

GEO_DIR = Path(os.environ.get("SIPANTAU_BOUNDARIES_DIR", ROOT.parent / "shared" / "geo"))
CHROMIUM = "/usr/bin/chromium"


def login_post_ms(base: str, n: int) -> list[float]:
    import requests

    times = []
    for _ in range(n):
        form = requests.get(f"{base}/masuk?next=/peta", timeout=60)
        fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', form.text))
        started = time.perf_counter()
        r = requests.post(f"{base}/masuk", data=fields | {"username": "pimpinan", "password": DEMO_PASSWORD},
                          cookies=form.cookies, headers={"Origin": base}, allow_redirects=False, timeout=60)
        times.append((time.perf_counter() - started) * 1000)
        assert r.status_code == 303, r.status_code
    return times


def script_after_login_ms(base: str, n: int) -> list[dict]:
    """Without a browser: the login POST, then the app's websocket opened with the new cookie and
    a run of the map page requested, as a tab does; times from the POST to its 303, to the run's
    first element (the script is running with the session resolved) and to the run's end."""
    import requests
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
    from websockets.sync.client import connect

    out = []
    for _ in range(n):
        form = requests.get(f"{base}/masuk?next=/peta", timeout=60)
        fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', form.text))
        started = time.perf_counter()
        r = requests.post(f"{base}/masuk", data=fields | {"username": "pimpinan", "password": DEMO_PASSWORD},
                          cookies=form.cookies, headers={"Origin": base}, allow_redirects=False, timeout=60)
        redirected = time.perf_counter()
        cookie = f"sipantau_sesi={r.cookies['sipantau_sesi']}"
        msg = BackMsg()
        msg.rerun_script.page_name = "peta"
        first, named = None, False
        with connect(base.replace("http", "ws") + "/_stcore/stream", subprotocols=["streamlit"], max_size=None,
                     additional_headers={"Cookie": cookie}) as ws:
            ws.send(msg.SerializeToString())
            while True:
                raw = ws.recv()
                named = named or b"pimpinan" in raw  # the sidebar names the user: the run is signed in
                forward = ForwardMsg()
                forward.ParseFromString(raw)
                kind = forward.WhichOneof("type")
                if kind == "delta" and first is None:
                    first = time.perf_counter()
                if kind == "script_finished":
                    break
        finished = time.perf_counter()
        assert named, "the run was not signed in"
        ms = lambda t: round((t - started) * 1000, 1)  # noqa: E731
        out.append({"redirect_ms": ms(redirected), "first_element_ms": ms(first), "run_end_ms": ms(finished)})
    return out


def browser_visit(browser, base: str) -> dict:
    context = browser.new_context(viewport={"width": 1400, "height": 900}, locale="id-ID")
    page = context.new_page()
    page.route("**/*", lambda r: r.continue_() if r.request.url.startswith((base, "data:", "blob:")) else r.abort())
    page.goto(f"{base}/peta")
    page.fill("#username", "pimpinan")
    page.fill("#password", DEMO_PASSWORD)
    started = time.perf_counter()
    with page.expect_response(lambda r: r.url == f"{base}/masuk" and r.request.method == "POST"):
        page.click("button[type=submit]")
    redirect = time.perf_counter()
    page.locator("[data-testid='stSidebar'] [data-testid='stCaptionContainer']").get_by_text(
        "pimpinan").first.wait_for(timeout=180_000)
    first_script = time.perf_counter()
    page.wait_for_function("""() => {
        const gd = document.querySelector('.js-plotly-plot');
        const map = gd && gd._fullLayout && gd._fullLayout.map && gd._fullLayout.map._subplot.map;
        return map && map.loaded() && map.areTilesLoaded();
    }""", timeout=180_000)
    drawn = time.perf_counter()
    context.close()
    ms = lambda t: round((t - started) * 1000, 1)  # noqa: E731
    return {"redirect_ms": ms(redirect), "first_script_ms": ms(first_script), "map_ms": ms(drawn)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reports", type=int, default=30_000)
    parser.add_argument("--logins", type=int, default=10)
    parser.add_argument("--visits", type=int, default=4)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/sipantau.db"
        create_database(url, demo=args.reports).engine.dispose()
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        env = os.environ | {"SIPANTAU_DATABASE_URL": url, "SIPANTAU_BOUNDARIES_DIR": str(GEO_DIR),
                            "SIPANTAU_GEO_CACHE_DIR": f"{tmp}/geo"}
        proc = subprocess.Popen([sys.executable, "-m", "sipantau", "serve", "--port", str(port)], cwd=ROOT, env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(600):
                try:
                    urllib.request.urlopen(f"{base}/healthz", timeout=1)
                    break
                except OSError:
                    time.sleep(0.2)
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--use-angle=swiftshader",
                                                                             "--enable-unsafe-swiftshader"])
                visits = [browser_visit(browser, base) for _ in range(args.visits)]
                browser.close()
            print(json.dumps({"browser": "cold", **visits[0]}))
            for key in ("redirect_ms", "first_script_ms", "map_ms"):
                warm = [v[key] for v in visits[1:]]
                print(json.dumps({"browser": "warm", "measure": key, "median": statistics.median(warm),
                                  "max": max(warm), "n": len(warm)}))
            runs = script_after_login_ms(base, args.logins)
            for key in ("redirect_ms", "first_element_ms", "run_end_ms"):
                values = [r[key] for r in runs]
                print(json.dumps({"script": key, "median": statistics.median(values), "max": max(values),
                                  "n": len(values)}))
            posts = login_post_ms(base, args.logins)
            print(json.dumps({"login_post_ms": {"median": round(statistics.median(posts), 1),
                                                "max": round(max(posts), 1), "n": len(posts)}}))
        finally:
            proc.terminate()
            proc.wait(timeout=30)


if __name__ == "__main__":
    main()
