"""The real app in a real browser: ``terrisim app`` served on 127.0.0.1 by a subprocess, driven by
Playwright with Debian's chromium (never a downloaded browser).

Every page must render offline (no request leaves 127.0.0.1) and without console errors; the
controls, parameters, language switch, per-session models, lessons and exports are exercised the
way a person would.  Screenshots of every page are saved in ``build/screenshots/`` for people to
look at.  Waits are on the app's own elements (``expect``), never on fixed sleeps, except the short
pause before a screenshot that lets a tab's fade animation finish.
"""

from __future__ import annotations

import csv
import io
import re
import shutil
import socket
import struct
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from terrisim.app import assets
from terrisim.model import TerritoryModel
from terrisim.scenario import load_scenario

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[1]
SHOTS = ROOT / "build" / "screenshots"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--disable-quic"]
SEED = 7
BASELINE = load_scenario(ROOT / "scenarios" / "baseline.toml")
FIRST_RENDER_MS = 90_000     # a cold server on a busy 2-core machine
WAIT_MS = 30_000

playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    """``terrisim app`` on a free port of 127.0.0.1, stopped after the module's tests."""
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (run: bash scripts/setup.sh --browser)")
    if assets.missing_files():
        pytest.skip("offline assets missing (run: bash scripts/build_assets.sh)")
    port = _free_port()
    (ROOT / "build").mkdir(exist_ok=True)
    log = open(ROOT / "build" / "app-test-server.log", "w")  # noqa: SIM115 (closed below)
    proc = subprocess.Popen(
        [sys.executable, "-m", "terrisim.cli", "app", str(ROOT / "scenarios" / "baseline.toml"),
         "--port", str(port), "--seed", str(SEED), "--lang", "en"],
        stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 90
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"terrisim app exited with status {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    break
        except OSError:
            pass
        if time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError("terrisim app did not answer within 90 s")
        time.sleep(0.3)
    yield url
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    log.close()


@pytest.fixture(scope="module")
def browser(server: str) -> Iterator[object]:
    with playwright_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


class Watched:
    """A page with its console errors and the requests that left the machine."""

    def __init__(self, context: object) -> None:
        self.context = context
        self.page = context.new_page()
        self.errors: list[str] = []
        self.outside: list[str] = []
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("request", self._request)

    def _request(self, request: object) -> None:
        url = request.url
        if not url.startswith(("http://127.0.0.1", "data:", "blob:", "about:")):
            self.outside.append(url)

    def open(self, url: str) -> Watched:
        self.page.goto(url)
        crashed = self.page.get_by_text("Traceback (most recent call last)").first
        ready = self.page.locator(".tsim-step")
        expect(ready.or_(crashed)).to_be_visible(timeout=FIRST_RENDER_MS)
        assert not crashed.is_visible(), crashed.inner_text()[-1500:]
        expect(self.page.locator(".tsim-figure-map[data-drawn]")).to_be_attached(
            timeout=WAIT_MS)
        return self

    def check_clean(self) -> None:
        assert self.errors == [], f"console errors: {self.errors}"
        assert self.outside == [], f"requests outside 127.0.0.1: {self.outside}"


@pytest.fixture
def app(browser: object, server: str) -> Iterator[Watched]:
    context = browser.new_context(viewport={"width": 1500, "height": 1000},
                                  accept_downloads=True)
    watched = Watched(context).open(server)
    yield watched
    watched.check_clean()
    context.close()


# -- helpers ------------------------------------------------------------------------------------
def month(page: object) -> int:
    text = page.locator(".tsim-step").inner_text()
    found = re.search(r"(\d+)\s*/", text)
    assert found, text
    return int(found.group(1))


def expect_month(page: object, value: int) -> None:
    expect(page.locator(".tsim-step")).to_contain_text(re.compile(rf"\b{value} /"),
                                                       timeout=WAIT_MS)


def open_tab(page: object, name: str) -> None:
    page.get_by_role("tab", name=name).click()
    expect(page.get_by_role("tab", name=name)).to_have_attribute("aria-selected", "true")


def monitor(page: object, name: str) -> object:
    return page.locator(f".tsim-monitor-{name} .tsim-monitor-value")


def monitor_values(page: object) -> dict[str, str]:
    out = {}
    for card in page.locator(".tsim-monitor").all():
        cls = card.get_attribute("class") or ""
        name = re.search(r"tsim-monitor-(\w+)", cls.replace("tsim-monitor ", "")).group(1)
        out[name] = card.locator(".tsim-monitor-value").inner_text()
    return out


def screenshot(page: object, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.wait_for_timeout(900)          # let the tab's fade-in animation finish
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def canvas_colours(page: object, selector: str) -> int:
    """How many distinct colours a canvas shows (a blank canvas shows 1)."""
    return page.eval_on_selector(selector, """c => {
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        const seen = new Set();
        for (let i = 0; i < d.length; i += 4 * 97) { seen.add(d[i] << 16 | d[i+1] << 8 | d[i+2]); }
        return seen.size; }""")


# -- tests --------------------------------------------------------------------------------------
def test_every_page_renders_offline_and_is_not_blank(app: Watched) -> None:
    page = app.page
    assert month(page) == 0
    expect(page.get_by_role("button", name="Reset", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Step", exact=True)).to_be_enabled()
    # the main area holds a drawn map, not an empty frame
    box = page.locator(".tsim-page").bounding_box()
    assert box and box["height"] > 400 and box["width"] > 600
    assert canvas_colours(page, ".tsim-figure-map canvas") > 20
    # two years of the run, so the screenshots show something (Play, then pause)
    page.get_by_role("button", name="▶").click()
    two_years = re.compile(r"Month (2[4-9]|[3-9]\d|\d{3}) /")
    expect(page.locator(".tsim-step")).to_contain_text(two_years, timeout=WAIT_MS * 2)
    page.get_by_role("button", name="❚❚").click()
    expect(page.get_by_role("button", name="▶")).to_be_visible()
    screenshot(page, "territory")
    checks = {
        "Alliances": ".tsim-figure-network[data-drawn] canvas",
        "Indicators": ".tsim-chart-stages .tsim-figure[data-drawn] canvas",
        "Monitors": ".tsim-monitor-alliances_active",
        "Info": "text=What is it?",
        "Lessons": ".tsim-lesson-no_catalyst",
    }
    for tab, selector in checks.items():
        open_tab(page, tab)
        expect(page.locator(selector).first).to_be_visible(timeout=WAIT_MS)
        if "canvas" in selector:
            assert canvas_colours(page, selector) > 5, tab
        if tab == "Indicators":
            expect(page.locator(".tsim-chart .tsim-figure[data-drawn]")).to_have_count(4)
        screenshot(page, tab.lower())
    open_tab(page, "Info")
    for title in ("What is it?", "How it works", "How to use it", "Things to notice",
                  "Things to try", "Extending the model", "Related models",
                  "Credits and references"):
        expect(page.get_by_role("heading", name=title)).to_be_visible()


def test_step_changes_the_counter_and_the_indicators(app: Watched) -> None:
    page = app.page
    open_tab(page, "Monitors")
    expect(monitor(page, "month")).to_have_text("0")
    before = monitor_values(page)
    page.get_by_role("button", name="Step", exact=True).click()
    expect(monitor(page, "month")).to_have_text("1")
    expect_month(page, 1)
    after = monitor_values(page)
    changed = {k for k in before if before[k] != after[k]} - {"month", "year"}
    assert changed, "a month passed and no indicator moved"
    assert after["n_firms"] == before["n_firms"]          # the population does not change


def test_play_then_pause(app: Watched) -> None:
    page = app.page
    page.get_by_role("button", name="▶").click()
    pause = page.get_by_role("button", name="❚❚")
    expect(pause).to_be_visible()
    expect(page.get_by_role("button", name="Step", exact=True)).to_be_disabled()
    expect(page.locator(".tsim-step")).to_contain_text(re.compile(r"Month ([3-9]|\d\d+) /"),
                                                       timeout=WAIT_MS)
    pause.click()
    expect(page.get_by_role("button", name="▶")).to_be_visible()
    step = page.get_by_role("button", name="Step", exact=True)
    expect(step).to_be_enabled()
    paused_at = month(page)
    step.click()                       # paused: one click is exactly one month
    expect_month(page, paused_at + 1)
    assert month(page) == paused_at + 1


def test_a_parameter_applies_at_reset_and_the_model_reflects_it(app: Watched) -> None:
    page = app.page
    open_tab(page, "Monitors")
    firms = f"{BASELINE.n_firms:,}"
    new = 900 if BASELINE.n_firms != 900 else 800
    expect(monitor(page, "n_firms")).to_have_text(firms)
    page.locator(".tsim-group-actors .tsim-group-header").click()
    field = page.locator("#tsim-in-n_firms")
    expect(field).to_be_visible()
    field.fill(str(new))
    field.press("Enter")
    expect(page.locator(".tsim-param-n_firms")).to_have_class(re.compile("tsim-param-pending"))
    expect(page.locator(".tsim-param-n_firms .tsim-param-value")).to_have_text(f"{new} firms")
    expect(page.locator(".tsim-pending-count")).to_contain_text("1 change")
    expect(monitor(page, "n_firms")).to_have_text(firms)      # not before Reset
    page.get_by_role("button", name="Step", exact=True).click()
    expect_month(page, 1)
    page.get_by_role("button", name="Reset", exact=True).click()
    expect(monitor(page, "n_firms")).to_have_text(str(new))
    expect_month(page, 0)
    expect(page.locator(".tsim-pending-count")).to_have_count(0)
    # an impossible value is refused, with the reason, and nothing is pending
    field.fill("-5")
    field.press("Enter")
    expect(page.locator(".tsim-param-n_firms .tsim-param-error")).to_contain_text("must be")
    expect(page.locator(".tsim-pending-count")).to_have_count(0)


def test_switch_to_french_and_back(app: Watched) -> None:
    page = app.page
    page.get_by_role("button", name="FR", exact=True).click()
    expect(page.get_by_role("tab", name="Territoire")).to_be_visible()
    expect(page.get_by_role("button", name="Réinitialiser")).to_be_visible()
    expect(page.get_by_role("button", name="Pas", exact=True)).to_be_visible()
    expect(page.locator(".tsim-step")).to_contain_text("Mois 0 / ")
    expect(page.get_by_text("Couche de couleur")).to_be_visible()
    expect(page.locator(".tsim-group-trust .tsim-group-header")).to_have_text("Confiance")
    page.get_by_role("button", name="Pas", exact=True).click()
    expect(page.locator(".tsim-step")).to_contain_text("Mois 1 / ")
    open_tab(page, "Info")
    expect(page.get_by_role("heading", name="De quoi s'agit-il ?")).to_be_visible()
    expect(page.get_by_role("heading", name="Crédits et références")).to_be_visible()
    screenshot(page, "info-fr")
    open_tab(page, "Moniteurs")
    expect(page.get_by_text("Alliances actives", exact=True)).to_be_visible()
    screenshot(page, "monitors-fr")
    page.get_by_role("button", name="EN", exact=True).click()
    expect(page.get_by_role("tab", name="Monitors")).to_be_visible()
    expect(page.get_by_role("button", name="Reset", exact=True)).to_be_visible()
    expect_month(page, 1)                   # the language never changes the run


def test_two_sessions_have_independent_models(browser: object, server: str) -> None:
    contexts = [browser.new_context(viewport={"width": 1400, "height": 900}) for _ in range(2)]
    try:
        a, b = (Watched(c).open(server) for c in contexts)
        step_a = a.page.get_by_role("button", name="Step", exact=True)
        for k in range(1, 4):
            step_a.click()
            expect_month(a.page, k)
        expect_month(b.page, 0)
        b.page.get_by_role("button", name="Step", exact=True).click()
        expect_month(b.page, 1)
        expect_month(a.page, 3)
        # a parameter changed in one session stays there
        open_tab(b.page, "Monitors")
        b.page.locator(".tsim-group-catalysts .tsim-group-header").click()
        new = 0 if BASELINE.n_catalysts else 2
        b.page.locator("#tsim-in-n_catalysts").fill(str(new))
        b.page.locator("#tsim-in-n_catalysts").press("Enter")
        b.page.get_by_role("button", name="Reset", exact=True).click()
        expect(monitor(b.page, "n_catalysts")).to_have_text(str(new))
        open_tab(a.page, "Monitors")
        expect(monitor(a.page, "n_catalysts")).to_have_text(str(BASELINE.n_catalysts))
        expect_month(a.page, 3)
        a.check_clean()
        b.check_clean()
    finally:
        for c in contexts:
            c.close()


def test_csv_download_has_every_indicator(app: Watched) -> None:
    page = app.page
    for k in (1, 2):
        page.get_by_role("button", name="Step", exact=True).click()
        expect_month(page, k)
    with page.expect_download() as info:
        page.get_by_role("button", name="Indicators (CSV)").click()
    download = info.value
    assert download.suggested_filename == f"terrisim-baseline-seed{SEED}-month2.csv"
    rows = list(csv.reader(io.StringIO(Path(download.path()).read_text(encoding="utf-8"))))
    header = rows[0]
    expected = set(TerritoryModel(scenario=BASELINE, rng=1).indicators)
    assert header[:2] == ["month", "year"]
    assert set(header) == expected
    assert [r[0] for r in rows[1:]] == ["0", "1", "2"]


def test_png_export_of_the_figures(app: Watched) -> None:
    page = app.page
    open_tab(page, "Indicators")
    expect(page.locator(".tsim-chart .tsim-figure[data-drawn]")).to_have_count(4)
    with page.expect_download() as info:
        page.get_by_role("button", name="Figures (PNG)").click()
    download = info.value
    assert download.suggested_filename.endswith("-month0.indicators.png")
    data = Path(download.path()).read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    assert width > 600 and height > 500             # the four charts, not one
    SHOTS.mkdir(parents=True, exist_ok=True)
    (SHOTS / "export-indicators.png").write_bytes(data)
    open_tab(page, "Monitors")
    expect(page.get_by_role("button", name="Figures (PNG)")).to_be_disabled()


def test_tooltips_show_an_actors_details(app: Watched) -> None:
    page = app.page
    canvas = page.locator(".tsim-figure-map canvas")
    box = canvas.bounding_box()
    tooltip = page.locator(".tsim-tooltip")
    # the middle of the territory (the legend takes the right of the canvas): an actor there,
    # or at least a commune
    page.mouse.move(box["x"] + 0.4 * (box["width"] - 220), box["y"] + 0.5 * box["height"])
    expect(tooltip).to_be_visible(timeout=WAIT_MS)
    expect(page.locator(".tsim-tooltip-title")).to_contain_text(
        re.compile(r"^(Commune|Firm|Association|Mayor|Catalyst) "))
    assert page.locator(".tsim-tooltip-rows tr").count() >= 2
    screenshot(page, "territory-tooltip")


def test_a_lesson_loads_its_scenario(app: Watched) -> None:
    page = app.page
    open_tab(page, "Lessons")
    page.locator(".tsim-load-no_catalyst").click()
    expect(page.get_by_role("tab", name="Indicators")).to_have_attribute("aria-selected", "true")
    expect(page.locator(".tsim-lesson-card")).to_contain_text("A territory without a catalyst")
    open_tab(page, "Monitors")
    expect(monitor(page, "n_catalysts")).to_have_text("0")
    page.get_by_role("button", name="Leave the lesson").click()
    expect(page.locator(".tsim-lesson-card")).to_have_count(0)
    expect(monitor(page, "n_catalysts")).to_have_text(str(BASELINE.n_catalysts))
