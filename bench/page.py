"""What a stage or metric switch costs on the map page, served by `streamlit run`.

Prints one JSON line per measurement:
- "metric_switch": bytes the browser receives over the websocket per metric switch on the national
  map (headless Chromium, outside requests blocked); its "ms" is as the browser saw it, so it
  includes the browser's own (software WebGL) rendering, not only the server;
- "rerun_ms": server script time of the map page, in process (AppTest), median of N runs, for a
  rerun and for a metric switch;
- "concurrent": N sessions switching stages through the agent API on 127.0.0.1, either all at
  once with no pause ("burst") or each pausing 2–6 s like a person ("paced"); p50/p95 of the
  round trip (which also includes building the agent API's JSON snapshot).
Goals (issue 3): ≤ 50 kB per switch, rerun ≤ 50 ms median (one user), p95 ≤ 500 ms with 25.

    python bench/page.py [--reports 100000] [--sessions 25] [--switches 8]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sipantau.db import make_engine, migrate, write_tx  # noqa: E402
from sipantau.demo import seed_demo  # noqa: E402
from sipantau.reference import load_reference  # noqa: E402

GEO_DIR = Path(os.environ.get("SIPANTAU_BOUNDARIES_DIR", ROOT.parent / "shared" / "geo"))


def post(base: str, body: dict) -> tuple[dict, float]:
    request = urllib.request.Request(f"{base}/_stcore/agent/interact", data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"})
    start = time.perf_counter()
    with urllib.request.urlopen(request, timeout=120) as response:
        data = json.loads(response.read())
    return data, (time.perf_counter() - start) * 1000


def session(base: str, page: str) -> str:
    data, _ = post(base, {"page": page})
    while data.get("status") != "ready":
        data, _ = post(base, {"session_id": data["session_id"]})
    return data["session_id"]


def switch(base: str, sid: str, state: dict) -> float:
    data, ms = post(base, {"session_id": sid, "widget_state": state})
    while data.get("status") not in ("ready", "error"):
        data, more = post(base, {"session_id": sid})
        ms += more
    if data.get("status") == "error":
        raise RuntimeError(json.dumps(data)[:2000])
    return ms


def options(base: str, key: str) -> list[str]:
    """The labels a widget offers (the agent API sets widgets by label)."""
    data, _ = post(base, {"page": "peta"})

    def walk(node):
        if isinstance(node, dict):
            if node.get("key") == key:
                return node["props"]["options"]
            for child in node.get("children", []):
                found = walk(child)
                if found:
                    return found
        return None

    return walk(data["tree"]) or []


def measure_websocket(base: str) -> dict:
    """One user in headless Chromium: per metric switch, the websocket bytes received and the
    time from the browser's rerun request to the last message of the run (server rerun + loopback)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--use-angle=swiftshader",
            "--enable-unsafe-swiftshader"])
        page = browser.new_page(viewport={"width": 1500, "height": 1000})
        page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(base) else r.abort())
        sent: list[float] = []
        received: list[tuple[float, int]] = []

        def on_socket(ws):
            ws.on("framesent", lambda payload: sent.append(time.perf_counter()))
            ws.on("framereceived", lambda payload: received.append((time.perf_counter(), len(payload))))

        page.on("websocket", on_socket)
        page.goto(f"{base}/peta")
        page.wait_for_selector(".js-plotly-plot .maplibregl-canvas", timeout=120_000)
        page.wait_for_timeout(2000)
        close = page.locator("[role='dialog'] button[aria-label='Close']")  # streamlit/streamlit#9992
        if close.count():
            close.first.click()
        results = []
        for metric_label in ("Selisih terhadap jadwal (poin)", "Indeks kesiapan", "Hambatan terbuka",
                             "Progres tahapan", "Selisih terhadap jadwal (poin)"):
            page.locator(".st-key-metrik [role='combobox']").click()
            sent.clear()
            received.clear()
            page.get_by_role("option", name=metric_label).click()
            page.wait_for_timeout(1500)
            results.append({"kB": round(sum(n for _, n in received) / 1000, 1),
                            "ms": round((received[-1][0] - sent[0]) * 1000) if sent and received else None})
        browser.close()
    return {"measure": "metric_switch", "note": "last two switches repeat cached figures", "switches": results}


def measure_in_process(env: dict) -> dict:
    """Server script time of the national map page, without browser or network."""
    os.environ.update(env)
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120).run()
    at.switch_page("pages/national_map.py").run()
    metrics = at.selectbox(key="metrik").options
    for code in ("progress", "lag", "index", "compliance", "obstacles", "nphd_realised"):
        at.selectbox(key="metrik").set_value(code).run()  # warm every figure once

    def timed(action) -> float:
        start = time.perf_counter()
        action().run()
        return (time.perf_counter() - start) * 1000

    reruns = [timed(lambda: at) for _ in range(12)]
    codes = ["progress", "lag", "index"]
    switches = [timed(lambda i=i: at.selectbox(key="metrik").set_value(codes[i % 3])) for i in range(12)]
    return {"measure": "rerun_ms", "page": "peta", "metrics_offered": len(metrics),
            "rerun_median": round(statistics.median(reruns), 1),
            "metric_switch_median": round(statistics.median(switches), 1)}


def measure_concurrent(base: str, stages: list[str], sessions: int, switches: int, mode: str,
                       pause: tuple[float, float] | None) -> dict:
    ids = [session(base, "peta") for _ in range(sessions)]
    latencies: list[float] = []
    lock = threading.Lock()

    def user(n: int, sid: str) -> None:
        rng = random.Random(n)
        for i in range(switches):
            if pause:
                time.sleep(rng.uniform(*pause))
            ms = switch(base, sid, {"tahapan": stages[(n + i) % len(stages)]})
            with lock:
                latencies.append(ms)

    threads = [threading.Thread(target=user, args=(n, s)) for n, s in enumerate(ids)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    latencies.sort()
    return {"measure": "concurrent", "mode": mode, "sessions": sessions, "switches": len(latencies),
            "p50_ms": round(latencies[len(latencies) // 2], 1), "p95_ms": round(latencies[int(len(latencies) * 0.95)], 1),
            "wall_s": round(time.perf_counter() - start, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reports", type=int, default=100_000)
    parser.add_argument("--sessions", type=int, default=25)
    parser.add_argument("--switches", type=int, default=8)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/sipantau.db"
        engine = make_engine(url)
        migrate(engine)
        with write_tx(engine) as conn:
            load_reference(conn)
        seed_demo(engine, reports=args.reports)
        engine.dispose()
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        env = os.environ | {"SIPANTAU_DATABASE_URL": url, "SIPANTAU_PUBLIC_READ": "1",
                            "SIPANTAU_BOUNDARIES_DIR": str(GEO_DIR), "SIPANTAU_GEO_CACHE_DIR": f"{tmp}/geo"}
        proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "dashboard.py", "--server.headless=true",
                                 f"--server.port={port}", "--server.address=127.0.0.1", "--server.enableAgentApi=true",
                                 "--server.fileWatcherType=none"], cwd=ROOT, env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(120):
                try:
                    urllib.request.urlopen(f"{base}/_stcore/health", timeout=1)
                    break
                except OSError:
                    time.sleep(0.5)
            print(json.dumps(measure_websocket(base)), flush=True)

            print(json.dumps(measure_in_process(env)), flush=True)
            stages = options(base, "tahapan")
            for mode, pause in (("burst", None), ("paced", (2.0, 6.0))):
                print(json.dumps(measure_concurrent(base, stages, args.sessions, args.switches, mode, pause)),
                      flush=True)
        finally:
            proc.terminate()
            proc.wait(timeout=20)


if __name__ == "__main__":
    main()
