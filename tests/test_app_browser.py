"""The real app in a real browser: every page, the controls, parameters, language, per-session
models, lessons, exports and tooltips, the way a person uses them (see ``appdriver``).

Every page must render offline (no request leaves 127.0.0.1) and without console errors.
Screenshots of every page are saved in ``build/screenshots/`` for people to look at.
"""

from __future__ import annotations

import csv
import io
import re
import struct
from collections.abc import Iterator
from pathlib import Path

import pytest

from terrisim.model import TerritoryModel
from terrisim.scenario import Scenario, load_scenario

from .appdriver import (
    ROOT,
    SHOTS,
    WAIT_MS,
    Watched,
    canvas_colours,
    chromium,
    expect,
    expect_month,
    monitor,
    monitor_values,
    month,
    open_advanced,
    open_tab,
    play_until,
    screenshot,
    serve,
    set_param,
    step,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SEED = 7
BASELINE = load_scenario(ROOT / "scenarios" / "baseline.toml")


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    with serve(str(ROOT / "scenarios" / "baseline.toml"), "--seed", str(SEED), "--lang", "en"
               ) as (url, _log):
        yield url


@pytest.fixture(scope="module")
def browser(server: str) -> Iterator[object]:
    with chromium() as b:
        yield b


@pytest.fixture
def app(browser: object, server: str) -> Iterator[Watched]:
    context = browser.new_context(viewport={"width": 1500, "height": 1000},
                                  accept_downloads=True)
    watched = Watched(context).open(server)
    yield watched
    watched.check_clean()
    context.close()


def test_every_page_renders_offline_and_is_not_blank(app: Watched) -> None:
    page = app.page
    assert month(page) == 0
    expect(page.get_by_role("button", name="Reset", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Step", exact=True)).to_be_enabled()
    box = page.locator(".tsim-page").bounding_box()
    assert box and box["height"] > 400 and box["width"] > 600
    assert canvas_colours(page, ".tsim-figure-map canvas") > 20
    play_until(page, 24)               # two years, so the screenshots show something
    screenshot(page, "territory")
    checks = {
        "Alliances": ".tsim-figure-network[data-drawn] canvas",
        "Indicators": ".tsim-chart-stages .tsim-figure[data-drawn] canvas",
        "Monitors": ".tsim-monitor-alliances_active",
        "Story": ".tsim-figure-timeline[data-drawn] canvas",
        "Info": "text=What is it?",
        "Lessons": ".tsim-lesson-no_catalyst",
    }
    for tab, selector in checks.items():
        open_tab(page, tab)
        expect(page.locator(selector).first).to_be_visible(timeout=WAIT_MS)
        if "canvas" in selector:
            assert canvas_colours(page, selector) > 5, tab
        if tab == "Indicators":
            expect(page.locator(".tsim-chart .tsim-figure[data-drawn]")).to_have_count(5)
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
    step_button = page.get_by_role("button", name="Step", exact=True)
    expect(step_button).to_be_enabled()
    paused_at = month(page)
    step_button.click()                # paused: one click is exactly one month
    expect_month(page, paused_at + 1)
    assert month(page) == paused_at + 1


def test_a_parameter_applies_at_reset_and_the_model_reflects_it(app: Watched) -> None:
    page = app.page
    open_tab(page, "Monitors")
    firms = f"{BASELINE.n_firms:,}"
    new = 900 if BASELINE.n_firms != 900 else 800
    expect(monitor(page, "n_firms")).to_have_text(firms)
    open_advanced(page, "actors")
    set_param(page, "n_firms", str(new))
    expect(page.locator(".tsim-param-n_firms")).to_have_class(re.compile("tsim-param-pending"))
    expect(page.locator(".tsim-param-n_firms .tsim-param-value")).to_have_text(f"{new} firms")
    expect(page.locator(".tsim-pending-count")).to_have_text("1 change waiting for Reset")
    expect(page.locator(".tsim-group-actors .tsim-group-pending")).to_have_text("1")
    expect(monitor(page, "n_firms")).to_have_text(firms)      # not before Reset
    step(page)
    page.get_by_role("button", name="Reset", exact=True).click()
    expect(monitor(page, "n_firms")).to_have_text(str(new))
    expect_month(page, 0)
    expect(page.locator(".tsim-pending-count")).to_have_count(0)
    # an impossible value is refused, with the reason, and nothing is pending
    set_param(page, "n_firms", "-5")
    expect(page.locator(".tsim-param-n_firms .tsim-param-error")).to_have_text(
        "Firms: must be an integer from 0 to 4000 firms (typed: -5). (The model itself accepts "
        f"up to {Scenario.specs()['n_firms'].hi:,.0f}: use terrisim run for larger territories.)")
    expect(page.locator(".tsim-pending-count")).to_have_count(0)


def test_switch_to_french_and_back(app: Watched) -> None:
    page = app.page
    page.get_by_role("button", name="FR", exact=True).click()
    expect(page.get_by_role("tab", name="Territoire")).to_be_visible()
    expect(page.get_by_role("tab", name="Récit")).to_be_visible()
    expect(page.get_by_role("button", name="Réinitialiser")).to_be_visible()
    expect(page.get_by_role("button", name="Pas", exact=True)).to_be_visible()
    expect(page.locator(".tsim-step")).to_contain_text("Mois 0 / 120 · janvier 2010")
    expect(page.get_by_text("Couche de couleur")).to_be_visible()
    expect(page.locator(".tsim-params-title")).to_have_text("Paramètres principaux")
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
        step(a.page, 3)
        expect_month(b.page, 0)
        step(b.page)
        expect_month(a.page, 3)
        open_tab(b.page, "Monitors")
        new = 0 if BASELINE.n_catalysts else 2
        set_param(b.page, "n_catalysts", str(new))          # one of the teacher's parameters
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
    step(page, 2)
    with page.expect_download() as info:
        page.get_by_role("button", name="Indicators (CSV)").click()
    download = info.value
    assert download.suggested_filename == f"terrisim-baseline-seed{SEED}.csv"
    lines = Path(download.path()).read_text(encoding="utf-8").splitlines()
    rows = list(csv.reader(io.StringIO("\n".join(x for x in lines if not x.startswith("#")))))
    header = rows[0]
    expected = set(TerritoryModel(scenario=BASELINE, rng=1).indicators)
    assert header[:2] == ["month", "year"]
    assert set(header) == expected
    assert [r[0] for r in rows[1:]] == ["0", "1", "2"]
    assert f"# seed {SEED}, month 2" in lines


def test_png_export_of_the_figures(app: Watched) -> None:
    page = app.page
    open_tab(page, "Indicators")
    expect(page.locator(".tsim-chart .tsim-figure[data-drawn]")).to_have_count(5)
    with page.expect_download() as info:
        page.get_by_role("button", name="Figures (PNG)").click()
    download = info.value
    assert download.suggested_filename == f"terrisim-baseline-seed{SEED}-month0.indicators.png"
    data = Path(download.path()).read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    assert width > 600 and height > 500             # the charts, not one
    SHOTS.mkdir(parents=True, exist_ok=True)
    (SHOTS / "export-indicators.png").write_bytes(data)
    open_tab(page, "Monitors")
    expect(page.get_by_role("button", name="Figures (PNG)")).to_be_disabled()


def test_tooltips_show_an_actors_details(app: Watched) -> None:
    page = app.page
    canvas = page.locator(".tsim-figure-map canvas")
    box = canvas.bounding_box()
    tooltip = page.locator(".tsim-tooltip")
    page.mouse.move(box["x"] + 0.3 * box["width"], box["y"] + 0.5 * box["height"])
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
