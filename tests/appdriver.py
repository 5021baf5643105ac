"""Driving the real app in a real browser, for the app's browser tests.

``terrisim app`` is served on 127.0.0.1 by a subprocess and driven by Playwright with Debian's
chromium (never a downloaded browser).  Waits are on the app's own elements (``expect``), never
on fixed sleeps, except the short pause before a screenshot that lets a tab's fade animation end.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from terrisim.app import assets

ROOT = Path(__file__).resolve().parents[1]
SHOTS = ROOT / "build" / "screenshots"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--disable-quic"]
FIRST_RENDER_MS = 90_000     # a cold server on a busy 2-core machine
WAIT_MS = 30_000

playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect
# a shared 2-core machine answers slowly at times: every expectation waits up to 15 s
expect.set_options(timeout=15_000)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def skip_without_browser() -> None:
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (run: bash scripts/setup.sh --browser)")
    if assets.missing_files():
        pytest.skip("offline assets missing (run: bash scripts/build_assets.sh)")


@contextmanager
def serve(*args: str, log_name: str = "app-test-server.log",
          env: dict[str, str] | None = None) -> Iterator[tuple[str, Path]]:
    """``terrisim app ARGS`` on a free port of 127.0.0.1; yields (url, log file)."""
    skip_without_browser()
    port = free_port()
    (ROOT / "build").mkdir(exist_ok=True)
    log_path = ROOT / "build" / log_name
    log = open(log_path, "w")  # noqa: SIM115 (closed below)
    proc = subprocess.Popen([sys.executable, "-m", "terrisim.cli", "app", *args,
                             "--port", str(port)],
                            stdout=log, stderr=subprocess.STDOUT, cwd=ROOT,
                            env={**os.environ, **(env or {})})
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
    try:
        yield url, log_path
    finally:
        stop(proc)
        log.close()


def stop(proc: subprocess.Popen) -> None:
    """End a server the tests started: politely, then for good after 20 s."""
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@contextmanager
def chromium() -> Iterator[object]:
    with playwright_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
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

    def open(self, url: str, ready: str = ".tsim-step") -> Watched:
        self.page.goto(url)
        wait_ready(self.page, ready)
        return self

    def check_clean(self) -> None:
        assert self.errors == [], f"console errors: {self.errors}"
        assert self.outside == [], f"requests outside 127.0.0.1: {self.outside}"


def wait_ready(page: object, ready: str = ".tsim-step") -> None:
    crashed = page.get_by_text("Traceback (most recent call last)").first
    expect(page.locator(ready).first.or_(crashed)).to_be_visible(timeout=FIRST_RENDER_MS)
    assert not crashed.is_visible(), crashed.inner_text()[-1500:]
    if ready == ".tsim-step":
        expect(page.locator(".tsim-figure[data-drawn]").first).to_be_attached(timeout=WAIT_MS)


# -- helpers ------------------------------------------------------------------------------------
def month(page: object) -> int:
    text = page.locator(".tsim-step").inner_text()
    found = re.search(r"(\d+)\s*/", text)
    assert found, text
    return int(found.group(1))


def expect_month(page: object, value: int) -> None:
    expect(page.locator(".tsim-step")).to_contain_text(re.compile(rf"\b{value} /"),
                                                       timeout=WAIT_MS)


def step(page: object, times: int = 1, label: str = "Step") -> None:
    start = month(page)
    button = page.get_by_role("button", name=label, exact=True)
    for k in range(1, times + 1):
        button.click()
        expect_month(page, start + k)


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


def open_advanced(page: object, group: str | None = None) -> None:
    """Open "all parameters" (and one group of it)."""
    toggle = page.locator(".tsim-advanced-toggle")
    if toggle.get_attribute("aria-expanded") != "true":
        toggle.click()
        expect(toggle).to_have_attribute("aria-expanded", "true")
    if group:
        header = page.locator(f".tsim-group-{group} .tsim-group-header")
        if header.get_attribute("aria-expanded") != "true":
            header.click()
            expect(header).to_have_attribute("aria-expanded", "true")


def set_param(page: object, name: str, value: str) -> None:
    """Type ``value`` into a parameter and apply it.  The page may redraw the parameter list
    while a previous edit is applied (the field then comes back with its old text): type again
    until the field holds what was typed, as a person would."""
    field = page.locator(f"#tsim-in-{name}")
    expect(field).to_be_visible()
    for attempt in range(3):
        field.fill(value)
        field.press("Enter")
        try:
            expect(field).to_have_value(value, timeout=3_000)
            return
        except AssertionError:
            if attempt == 2:      # three redraws in a row: the edit really did not hold
                raise


def set_seed(page: object, value: str) -> None:
    field = page.locator(".tsim-seed input")
    field.fill(value)
    field.press("Tab")


def fastest(page: object, delay_ms: int = 0) -> None:
    """Delay between steps to ``delay_ms`` (the slider, with the keyboard: steps of 10 ms)."""
    slider = page.locator(".tsim-controls").get_by_role("slider").first
    slider.focus()
    slider.press("Home")
    for _ in range(delay_ms // 10):
        slider.press("ArrowRight")
    expect(slider).to_have_attribute("aria-valuenow", str(delay_ms))


def play_until(page: object, at_least: int) -> None:
    """Press ▶, wait for month ``at_least`` or later, pause (unless the run already ended)."""
    page.get_by_role("button", name="▶", exact=True).click()
    pattern = "|".join(str(m) for m in range(at_least, at_least + 400))
    expect(page.locator(".tsim-step")).to_contain_text(re.compile(rf"\b({pattern}) /"),
                                                       timeout=WAIT_MS * 3)
    pause(page)


def pause(page: object) -> None:
    button = page.locator(".tsim-play")
    if button.inner_text().strip() == "❚❚":
        # the run may reach its end meanwhile: ▶ is then disabled and there is nothing to pause
        with contextlib.suppress(playwright_api.Error):
            button.click(timeout=5000)
    expect(button).to_have_text("▶", timeout=WAIT_MS)


def screenshot(page: object, name: str, full_page: bool = True) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.wait_for_timeout(900)          # let the tab's fade-in animation finish
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


def canvas_colours(page: object, selector: str) -> int:
    """How many distinct colours a canvas shows (a blank canvas shows 1)."""
    return page.eval_on_selector(selector, """c => {
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        const seen = new Set();
        for (let i = 0; i < d.length; i += 4 * 97) { seen.add(d[i] << 16 | d[i+1] << 8 | d[i+2]); }
        return seen.size; }""")


def small_texts(page: object, minimum: float) -> list[tuple[float, str, str]]:
    """Visible texts of the page drawn smaller than ``minimum`` px (font size, element, text)."""
    return page.evaluate("""(minimum) => {
      const out = [];
      const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
      while (walker.nextNode()) {
        const t = walker.currentNode;
        if (!t.textContent.trim()) { continue; }
        const el = t.parentElement, r = el.getBoundingClientRect();
        if (r.width === 0 || r.height === 0) { continue; }
        const cs = getComputedStyle(el);
        if (cs.visibility === 'hidden' || cs.display === 'none' || cs.opacity === '0') { continue; }
        if (r.bottom < 0 || r.top > window.innerHeight) { continue; }
        const fs = parseFloat(cs.fontSize);
        if (fs < minimum) {
          out.push([fs, el.tagName + '.' + el.className, t.textContent.trim().slice(0, 40)]);
        }
      }
      return out; }""", minimum)


def in_viewport(page: object, selector: str) -> bool:
    """Whether the element is entirely inside the window and not hidden by anything (its
    corners and centre are its own, not another element's or a clipping parent's)."""
    return page.eval_on_selector(selector, """el => { const r = el.getBoundingClientRect();
        if (!(r.width > 0 && r.height > 0 && r.top >= 0 && r.left >= 0
              && r.bottom <= window.innerHeight + 1 && r.right <= window.innerWidth + 1)) {
          return false;
        }
        const i = 6;   // inside the rounded corners
        const pts = [[r.left + i, r.top + i], [r.right - i, r.top + i], [r.left + i, r.bottom - i],
                     [r.right - i, r.bottom - i], [(r.left + r.right) / 2, (r.top + r.bottom) / 2]];
        return pts.every(([x, y]) => { const hit = document.elementFromPoint(x, y);
                                       return hit && (hit === el || el.contains(hit)); }); }""")


# -- a workshop server: a class token, and a short grace for closed sessions ----------------------
SEED = 7
TOKEN = "classroom-7"


@pytest.fixture(scope="module")
def served(request: pytest.FixtureRequest) -> Iterator[tuple[str, Path]]:
    """``terrisim app`` with a class token (as ``--host`` would ask for) and a grace period of
    3 s for closed sessions, so that freeing one can be watched in the log."""
    name = request.module.__name__.rsplit(".", 1)[-1]
    with serve(str(ROOT / "scenarios" / "baseline.toml"), "--seed", str(SEED), "--token", TOKEN,
               log_name=f"{name}-server.log",
               env={"TERRISIM_APP_SESSION_GRACE": "3"}) as (url, log):
        yield url, log


@pytest.fixture(scope="module")
def server(served: tuple[str, Path]) -> str:
    return served[0] + f"?token={TOKEN}"


@pytest.fixture(scope="module")
def browser(served: tuple[str, Path]) -> Iterator[object]:
    with chromium() as b:
        yield b


def open_app(browser: object, url: str, width: int = 1500, height: int = 1000) -> Watched:
    context = browser.new_context(viewport={"width": width, "height": height},
                                  accept_downloads=True)
    return Watched(context).open(url)


@pytest.fixture
def app(browser: object, server: str) -> Iterator[Watched]:
    watched = open_app(browser, server)
    yield watched
    watched.check_clean()
    watched.context.close()


def french(page: object) -> None:
    page.get_by_role("button", name="FR", exact=True).click()
    expect(page.get_by_role("tab", name="Territoire")).to_be_visible()


def download(page: object, label: str) -> tuple[str, str]:
    with page.expect_download() as info:
        page.get_by_role("button", name=label).click()
    d = info.value
    return d.suggested_filename, Path(d.path()).read_text(encoding="utf-8")
