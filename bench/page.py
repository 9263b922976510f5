"""What a stage or metric switch costs on the map page, served by `python -m sipantau serve`.

Prints one JSON line per measurement:
- "metric_switch": bytes the browser receives over the websocket per metric switch on the national
  map (headless Chromium, outside requests blocked); its "ms" is as the browser saw it, so it
  includes the browser's own (software WebGL) rendering, not only the server;
- "rerun_ms": server script time of the map page, in process (AppTest), median of N runs, for a
  rerun and for a metric switch;
- "stage_switch_ms": one websocket client (the app's own protocol, as a browser tab) switching
  stages: time from request to the end of the run, warm caches and first pass;
- "concurrent": N such clients switching stages at once with no pause ("burst") or each pausing
  2–6 s like a person ("paced"); p50/p95 from request to the end of the run.
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

from sipantau.db import create_database  # noqa: E402

GEO_DIR = Path(os.environ.get("SIPANTAU_BOUNDARIES_DIR", ROOT.parent / "shared" / "geo"))


class Session:
    """A browser-less Streamlit client: speaks the app's own websocket protocol (protobuf
    BackMsg/ForwardMsg), as a browser tab does, so a load test measures the server."""

    def __init__(self, base: str, page: str = "peta"):
        from websockets.sync.client import connect

        self.ws = connect(base.replace("http", "ws") + "/_stcore/stream", subprotocols=["streamlit"],
                          max_size=None)
        self.page = page
        self.ids: dict[str, str] = {}
        self.options: dict[str, list[str]] = {}
        self.run()

    def run(self, **widgets: str) -> tuple[float, int]:
        """Rerun with these (keyed) widgets set by label; returns (ms until the run ends, bytes)."""
        from streamlit.proto.BackMsg_pb2 import BackMsg
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        msg = BackMsg()
        msg.rerun_script.page_name = self.page
        for key, value in widgets.items():
            state = msg.rerun_script.widget_states.widgets.add()
            state.id, state.string_value = self.ids[key], value
        start = time.perf_counter()
        self.ws.send(msg.SerializeToString())
        received = 0
        while True:
            raw = self.ws.recv()
            received += len(raw)
            forward = ForwardMsg()
            forward.ParseFromString(raw)
            kind = forward.WhichOneof("type")
            if kind == "delta" and forward.delta.WhichOneof("type") == "new_element":
                element = forward.delta.new_element
                inner = getattr(element, element.WhichOneof("type"))
                if getattr(inner, "id", ""):
                    key = inner.id.rsplit("-", 1)[-1]
                    self.ids[key] = inner.id
                    self.options[key] = list(getattr(inner, "options", []))
            if kind == "script_finished":
                return (time.perf_counter() - start) * 1000, received

    def close(self) -> None:
        self.ws.close()


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


def measure_concurrent(base: str, sessions: int, switches: int, mode: str,
                       pause: tuple[float, float] | None) -> dict:
    clients = [Session(base) for _ in range(sessions)]
    stages = clients[0].options["tahapan"]
    latencies: list[float] = []
    sizes: list[int] = []
    lock = threading.Lock()

    def user(n: int, client: Session) -> None:
        rng = random.Random(n)
        for i in range(switches):
            if pause:
                time.sleep(rng.uniform(*pause))
            ms, received = client.run(tahapan=stages[(n + i) % len(stages)])
            with lock:
                latencies.append(ms)
                sizes.append(received)

    threads = [threading.Thread(target=user, args=(n, c)) for n, c in enumerate(clients)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for c in clients:
        c.close()
    latencies.sort()
    return {"measure": "concurrent", "mode": mode, "sessions": sessions, "switches": len(latencies),
            "p50_ms": round(latencies[len(latencies) // 2], 1), "p95_ms": round(latencies[int(len(latencies) * 0.95)], 1),
            "kB_per_switch": round(statistics.median(sizes) / 1000, 1), "wall_s": round(time.perf_counter() - start, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reports", type=int, default=100_000)
    parser.add_argument("--sessions", type=int, default=25)
    parser.add_argument("--switches", type=int, default=8)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/sipantau.db"
        create_database(url, demo=args.reports).engine.dispose()
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        env = os.environ | {"SIPANTAU_DATABASE_URL": url, "SIPANTAU_PUBLIC_READ": "1",
                            "SIPANTAU_BOUNDARIES_DIR": str(GEO_DIR), "SIPANTAU_GEO_CACHE_DIR": f"{tmp}/geo"}
        proc = subprocess.Popen([sys.executable, "-m", "sipantau", "serve", "--port", str(port)], cwd=ROOT, env=env,
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
            one = Session(base)  # one user: a stage switch, caches warm after the first pass
            stages = one.options["tahapan"]
            times = [one.run(tahapan=stages[i % len(stages)])[0] for i in range(3 * len(stages))]
            one.close()
            print(json.dumps({"measure": "stage_switch_ms", "users": 1, "median": round(statistics.median(
                times[len(stages):]), 1), "first_pass_median": round(statistics.median(times[:len(stages)]), 1)}),
                flush=True)
            for mode, pause in (("burst", None), ("paced", (2.0, 6.0))):
                print(json.dumps(measure_concurrent(base, args.sessions, args.switches, mode, pause)), flush=True)
        finally:
            proc.terminate()
            proc.wait(timeout=20)


if __name__ == "__main__":
    main()
