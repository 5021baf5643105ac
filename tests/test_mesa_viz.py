"""Mesa's own SolaraViz mounts terrisim (``examples/mesa_viz.py``) in a real browser.

``solara run examples/mesa_viz.py`` is served on 127.0.0.1 with the offline asset cache (as a
classroom without internet would run it) and driven in Debian's chromium: the page renders
Mesa's controls and ``make_plot_component`` plots without console errors or requests leaving the
machine, Step advances the model's time and redraws the plots, and Reset — which makes Mesa
rebuild the model as ``TerritoryModel(scenario=<Mesa scenario>, **parameters)`` — brings it back
to month 0.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator

import pytest

from terrisim.app import assets

from .appdriver import (
    CHROMIUM,
    CHROMIUM_ARGS,
    FIRST_RENDER_MS,
    ROOT,
    SHOTS,
    WAIT_MS,
    Watched,
    expect,
    free_port,
    playwright_api,
    stop,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]
EXAMPLE = ROOT / "examples" / "mesa_viz.py"


@pytest.fixture(scope="module")
def viz_url() -> Iterator[str]:
    if not os.path.exists(CHROMIUM):
        pytest.skip("Debian's chromium is not installed (run: bash scripts/setup.sh --browser)")
    if assets.missing_files():
        pytest.skip("offline assets missing (run: bash scripts/build_assets.sh)")
    port = free_port()
    env = {**os.environ, "SOLARA_ASSETS_PROXY_CACHE_DIR": str(assets.cache_dir()),
           "SOLARA_ASSETS_PROXY": "True", "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False"}
    (ROOT / "build").mkdir(exist_ok=True)
    log = open(ROOT / "build" / "mesa-viz-server.log", "w")  # noqa: SIM115 (closed below)
    proc = subprocess.Popen(
        [sys.executable, "-m", "solara", "run", str(EXAMPLE), "--host", "127.0.0.1", "--port",
         str(port), "--production", "--no-open", "--no-check-version"],
        stdout=log, stderr=subprocess.STDOUT, cwd=ROOT / "build", env=env)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 90
    try:
        while True:
            assert proc.poll() is None, f"solara exited with status {proc.returncode}"
            try:
                with urllib.request.urlopen(url, timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            assert time.monotonic() < deadline, "solara did not answer within 90 s"
            time.sleep(0.3)
        yield url
    finally:
        stop(proc)
        log.close()


PLOTS = "img.widget-image"   # make_plot_component's matplotlib figures (image widgets)


def plot_images(page: object) -> list[str]:
    """The ``src`` of every matplotlib plot on the page (a new blob URL at each redraw)."""
    return page.eval_on_selector_all(PLOTS, "els => els.map(e => e.src)")


def test_solaraviz_mounts_steps_and_resets_the_model(viz_url: str) -> None:
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True,
                                    args=CHROMIUM_ARGS)
        watched = Watched(browser.new_context(viewport={"width": 1400, "height": 900}))
        page = watched.page
        page.goto(viz_url)
        step = page.get_by_role("button", name="Step", exact=True)
        expect(step).to_be_visible(timeout=FIRST_RENDER_MS)
        time_label = page.get_by_text(re.compile(r"^Time: "))
        expect(time_label).to_have_text("Time: 0.0", timeout=WAIT_MS)
        expect(page.get_by_text("Territorial catalysts")).to_be_visible()
        expect(page.locator(PLOTS)).to_have_count(3, timeout=WAIT_MS)
        before = plot_images(page)
        for k in (1, 2, 3):
            step.click()
            expect(time_label).to_have_text(f"Time: {k}.0", timeout=WAIT_MS)
        page.wait_for_function(
            "([sel, old]) => [...document.querySelectorAll(sel)].map(e => e.src).join() !== old",
            arg=[PLOTS, ",".join(before)], timeout=WAIT_MS)
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "mesa-solaraviz.png"), full_page=True)
        page.get_by_role("button", name="Reset", exact=True).click()
        expect(time_label).to_have_text("Time: 0.0", timeout=WAIT_MS)
        step.click()
        expect(time_label).to_have_text("Time: 1.0", timeout=WAIT_MS)
        assert page.get_by_text("Traceback").count() == 0
        watched.check_clean()
        browser.close()
