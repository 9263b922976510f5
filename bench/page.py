"""What a stage or metric switch costs on the map page, served by `streamlit run`.

Prints one JSON line per measurement:
- "ws_bytes": bytes the browser receives over the websocket for one metric switch on the
  national map (headless Chromium, outside requests blocked), and the time until the run ends;
- "rerun_ms": server time of one switch (agent API round trip on 127.0.0.1), median of N;
- "concurrent": 25 sessions switching stages at once (threads on the agent API), p50/p95.
Goals (issue 3): ≤ 50 kB per switch, rerun ≤ 50 ms median (one user), p95 ≤ 500 ms with 25.

    python bench/page.py [--reports 100000] [--sessions 25] [--switches 8]
"""

from __future__ import annotations

import argparse
import json
import os
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
METRICS = ["progress", "lag", "index", "compliance", "obstacles", "nphd_realised"]


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


def stage_ids(base: str) -> list[int]:
    data, _ = post(base, {"page": "peta"})

    def walk(node):
        if isinstance(node, dict):
            if node.get("key") == "tahapan":
                return node["props"]["options"]
            for child in node.get("children", []):
                found = walk(child)
                if found:
                    return found
        return None

    labels = walk(data["tree"]) or []
    return list(range(len(labels)))


def measure_websocket(base: str) -> dict:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--use-angle=swiftshader",
            "--enable-unsafe-swiftshader"])
        page = browser.new_page(viewport={"width": 1500, "height": 1000})
        page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(base) else r.abort())
        frames: list[int] = []
        page.on("websocket", lambda ws: ws.on("framereceived", lambda payload: frames.append(
            len(payload if isinstance(payload, (bytes, str)) else b""))))
        page.goto(f"{base}/peta")
        page.wait_for_selector(".js-plotly-plot .maplibregl-canvas", timeout=120_000)
        page.wait_for_timeout(2000)
        results = []
        for metric_label in ("Selisih terhadap jadwal (poin)", "Indeks kesiapan", "Hambatan terbuka"):
            frames.clear()
            start = time.perf_counter()
            page.get_by_role("combobox").nth(3).click()
            page.get_by_role("option", name=metric_label).click()
            page.wait_for_timeout(300)
            page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')",
                                   timeout=60_000)
            results.append({"kB": round(sum(frames) / 1000, 1), "ms": round((time.perf_counter() - start) * 1000)})
        browser.close()
    return {"measure": "ws_bytes", "switches": results}


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

            sid = session(base, "peta")
            for metric in METRICS:  # warm every cache once
                switch(base, sid, {"metrik": metric})
            times = [switch(base, sid, {"metrik": METRICS[i % len(METRICS)]}) for i in range(3 * len(METRICS))]
            print(json.dumps({"measure": "rerun_ms", "what": "metric switch, national map", "runs": len(times),
                              "median": round(statistics.median(times), 1), "max": round(max(times), 1)}), flush=True)

            stages = stage_ids(base)
            sessions = [session(base, "peta") for _ in range(args.sessions)]
            latencies: list[float] = []
            lock = threading.Lock()

            def user(n: int, sid: str) -> None:
                for i in range(args.switches):
                    ms = switch(base, sid, {"tahapan": stages[(n + i) % len(stages)]})
                    with lock:
                        latencies.append(ms)

            threads = [threading.Thread(target=user, args=(n, s)) for n, s in enumerate(sessions)]
            start = time.perf_counter()
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            latencies.sort()
            print(json.dumps({"measure": "concurrent", "sessions": args.sessions, "switches": len(latencies),
                              "p50_ms": round(latencies[len(latencies) // 2], 1),
                              "p95_ms": round(latencies[int(len(latencies) * 0.95)], 1),
                              "wall_s": round(time.perf_counter() - start, 1)}), flush=True)
        finally:
            proc.terminate()
            proc.wait(timeout=20)


if __name__ == "__main__":
    main()
