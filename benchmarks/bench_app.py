"""Speed of the browser app on the baseline (60×60 cells, about 2,000 organisations).

Prints, against the targets of the app issue:

1. **server-side step + redraw** (target ≤ 200 ms): the real page rendered by Solara in-process
   (``solara.render``, no browser), the Step button clicked for the whole run; a click steps the
   model and re-renders the visible page (the page's data built, its widgets updated).  Measured
   for each page, with the JSON size of what the page sends per month;
2. **Play in a real browser** (target ≥ 5 steps per second): ``terrisim app`` served on 127.0.0.1,
   Debian's chromium pressing ▶, the month counter read after a fixed time, at the default delay
   between steps (100 ms, what a classroom sees) and at 0 ms (the ceiling).

Why these numbers hold: the pages send plain data (a few numbers per commune, one small integer
per organisation, the active alliances) to small canvas components that draw in the browser; see
:mod:`terrisim.app.views`.  Run with ``.venv/bin/python benchmarks/bench_app.py`` (about two
minutes); ``--no-browser`` skips part 2.
"""

from __future__ import annotations

import argparse
import json
import shutil
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "baseline.toml"
PAGES = ("territory", "alliances", "indicators", "monitors")
STEP_TARGET_MS = 200.0
PLAY_TARGET = 5.0


def server_side(months: int) -> dict[str, list[float]]:
    """Per page: the wall time of each Step click (model step + redraw of that page)."""
    import os

    os.environ["TERRISIM_APP_SCENARIO"] = str(BASELINE)
    import ipyvuetify as v
    import solara

    from terrisim.app.app import Page
    from terrisim.app.components import PAGES as ALL_PAGES

    out: dict[str, list[float]] = {}
    for page in PAGES:
        _box, rc = solara.render(solara.AppLayout(children=[Page()]), handle_error=False)
        tabs = rc.find(v.Tabs).widget
        tabs.v_model = ALL_PAGES.index(page)
        rc.find(v.Html, class_=f"tsim-page tsim-page-{page}").assert_single()
        step = rc.find(v.Btn, children=["Step"]).widget
        times = []
        for _ in range(months):
            t = time.perf_counter()
            step.click()
            times.append(time.perf_counter() - t)
        out[page] = times
        rc.close()
    return out


def payload_sizes() -> dict[str, int]:
    """Bytes of JSON each page sends for one month (after a year of the baseline)."""
    from terrisim.app import views
    from terrisim.app.i18n import translator
    from terrisim.model import TerritoryModel
    from terrisim.scenario import load_scenario

    model = TerritoryModel(scenario=load_scenario(BASELINE), rng=1)
    for _ in range(12):
        model.step()
    tr = translator("en")
    return {
        "territory (static, once per model)": len(json.dumps(views.map_static(model))),
        "territory (per month)": len(json.dumps(views.map_frame(model, "mean"))),
        "alliances (per month)": len(json.dumps(views.network_frame(model))),
        "indicators (per month)": len(json.dumps(views.chart_specs(model, tr))),
    }


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def browser_play(seconds: float) -> dict[str, float]:
    """Steps per second while playing, in chromium, per (page, delay).

    The baseline with a longer horizon (600 months), so that a fast Play never reaches the end
    of the run while it is being timed.
    """
    import tempfile

    from playwright.sync_api import expect, sync_playwright

    port = _free_port()
    scenario = Path(tempfile.mkdtemp()) / "bench_play.toml"
    scenario.write_text(f'base = "{BASELINE}"\nname = "baseline"\nsteps = 600\n',
                        encoding="utf-8")
    proc = subprocess.Popen([sys.executable, "-m", "terrisim.cli", "app", str(scenario),
                             "--port", str(port)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, cwd=ROOT)
    url = f"http://127.0.0.1:{port}/"
    results: dict[str, float] = {}
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(url, timeout=2):
                    break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise RuntimeError("terrisim app did not start") from None
                time.sleep(0.3)
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=shutil.which("chromium") or "/usr/bin/chromium", headless=True,
                args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                      "--disable-component-update", "--disable-sync", "--no-first-run",
                      "--disable-quic"])
            for tab in ("Territory", "Indicators"):
                for delay in ("default", "0"):
                    page = browser.new_page(viewport={"width": 1500, "height": 1000})
                    page.goto(url)
                    counter = page.locator(".tsim-step")
                    expect(counter).to_be_visible(timeout=90_000)
                    page.get_by_role("tab", name=tab).click()
                    if delay == "0":
                        slider = page.get_by_role("slider").first
                        slider.focus()
                        slider.press("Home")
                        expect(slider).to_have_attribute("aria-valuenow", "0")
                    page.wait_for_timeout(500)
                    start = _month(counter.inner_text())
                    t = time.perf_counter()
                    page.get_by_role("button", name="▶").click()
                    page.wait_for_timeout(seconds * 1000)
                    end = _month(counter.inner_text())
                    elapsed = time.perf_counter() - t
                    page.get_by_role("button", name="❚❚").click()
                    results[f"{tab}, delay {delay}"] = (end - start) / elapsed
                    page.close()
            browser.close()
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    return results


def _month(text: str) -> int:
    return int(text.split("/")[0].split()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--months", type=int, default=120, help="steps per page (default 120)")
    parser.add_argument("--seconds", type=float, default=8.0, help="Play time per measure")
    parser.add_argument("--no-browser", action="store_true", help="skip the browser part")
    args = parser.parse_args()

    print(f"terrisim app benchmark — {BASELINE.name}, {args.months} months per page\n")
    print("1. Server-side step + redraw (Step clicked; model step + visible page re-rendered)")
    print(f"   target: ≤ {STEP_TARGET_MS:.0f} ms")
    worst = 0.0
    for page, times in server_side(args.months).items():
        ms = sorted(1000 * t for t in times)
        p95 = ms[int(0.95 * (len(ms) - 1))]
        worst = max(worst, p95)
        print(f"   {page:<11} mean {statistics.mean(ms):6.1f} ms   "
              f"median {statistics.median(ms):6.1f}   p95 {p95:6.1f}   max {ms[-1]:6.1f}")
    print(f"   worst p95 {worst:.1f} ms → {'OK' if worst <= STEP_TARGET_MS else 'ABOVE TARGET'}")
    print("\n   JSON sent to the browser:")
    for what, size in payload_sizes().items():
        print(f"   {what:<36} {size / 1024:7.1f} KiB")

    if args.no_browser:
        return 0
    if not Path(shutil.which("chromium") or "/usr/bin/chromium").exists():
        print("\n2. Play in a browser: skipped (chromium not installed)")
        return 0
    print(f"\n2. Play in chromium ({args.seconds:.0f} s each; counter read from the page)")
    print(f"   target: ≥ {PLAY_TARGET:.0f} steps/s")
    rates = browser_play(args.seconds)
    for what, rate in rates.items():
        print(f"   {what:<26} {rate:5.1f} steps/s")
    default = min(v for k, v in rates.items() if k.endswith("default"))
    print(f"   slowest at the default delay {default:.1f} steps/s → "
          f"{'OK' if default >= PLAY_TARGET else 'BELOW TARGET'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
