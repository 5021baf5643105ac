"""The defects found by trying the app as a teacher preparing a workshop would, each in a real
browser: refused seeds, messages in the learner's language, exports after a change, lesson
titles, reloads, closed tabs, the mountain lesson's regions, English left in French (see
``appdriver``; the server runs with a class token and a short grace for closed sessions)."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from terrisim.scenario import Scenario

from . import appdriver
from .appdriver import (
    SEED,
    WAIT_MS,
    Watched,
    download,
    expect,
    expect_month,
    french,
    open_advanced,
    open_app,
    open_tab,
    screenshot,
    set_param,
    set_seed,
    step,
    wait_ready,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

# the workshop server's fixtures (pytest finds them by name in this module)
served, server, browser, app = appdriver.served, appdriver.server, appdriver.browser, appdriver.app

# -- defects -----------------------------------------------------------------------------------
def test_a_negative_seed_is_refused_in_the_learners_language_and_the_run_is_kept(
        app: Watched) -> None:
    """Was: ``-1`` in Seed and Reset replaced the page by a Python traceback; the run was lost."""
    page = app.page
    step(page, 2)
    set_seed(page, "-1")
    expect(page.locator(".tsim-seed-error")).to_have_text(
        "Seed: must be an integer from 0 to 4294967295 (typed: -1).")
    page.get_by_role("button", name="Reset", exact=True).click()
    expect(page.locator(".tsim-error")).to_contain_text(
        "Cannot reset: Seed: must be an integer from 0 to 4294967295 (typed: -1). "
        "The run on screen is kept.")
    expect(page.get_by_text("Traceback")).to_have_count(0)
    expect_month(page, 2)
    french(page)
    expect(page.locator(".tsim-error")).to_contain_text(
        "Réinitialisation impossible : Graine : doit être un nombre entier de 0 à "
        "4\u202f294\u202f967\u202f295 (saisi : -1). La simulation affichée est conservée.")
    expect(page.locator(".tsim-seed-error")).to_contain_text("Graine : doit être un nombre entier")
    step(page, 1, label="Pas")                       # the run goes on


def test_letters_or_decimals_in_the_seed_never_reset_with_an_old_seed(app: Watched) -> None:
    """Was: refused in red, but Reset silently ran the last valid seed and the download was still
    named ``…seed42…``."""
    page = app.page
    step(page, 1)
    for typed in ("abc", "12.5"):
        set_seed(page, typed)
        page.get_by_role("button", name="Reset", exact=True).click()
        expect(page.locator(".tsim-error")).to_contain_text(f"(typed: {typed})")
        expect_month(page, 1)
        name, _ = download(page, "Indicators (CSV)")
        assert name == f"terrisim-baseline-seed{SEED}.csv"       # the seed of the run shown
    set_seed(page, "11")
    expect(page.locator(".tsim-seed-note")).to_contain_text("uses seed 7")
    page.get_by_role("button", name="Reset", exact=True).click()
    expect_month(page, 0)
    expect(page.locator(".tsim-error")).to_have_count(0)
    name, text = download(page, "Indicators (CSV)")
    assert name == "terrisim-baseline-seed11.csv" and "# seed 11, month 0" in text


def test_refused_values_name_the_field_and_its_allowed_values_in_french(app: Watched) -> None:
    """Was: "non appliqué : could not convert string to float: 'abc'" and "override: key
    'share_eti': share_pme + share_eti must not exceed 1"."""
    page = app.page
    french(page)
    set_param(page, "n_catalysts", "abc")
    expect(page.locator(".tsim-param-n_catalysts .tsim-param-error").first).to_have_text(
        "Catalyseurs : doit être un nombre entier de 0 à 12 catalyseurs (saisi : abc). "
        "(Le modèle lui-même accepte jusqu'à 500 : utilisez terrisim run pour des territoires "
        "plus grands.)")
    open_advanced(page, "actors")
    set_param(page, "share_pme", "0,9")
    set_param(page, "share_eti", "0,2")
    expect(page.locator(".tsim-param-conflict")).to_contain_text(
        "Non applicables ensemble : Part d'ETI : Part de PME + Part d'ETI ne doivent pas "
        "dépasser 100 % (actuellement 90\u00a0% + 20\u00a0%).")
    text = page.locator(".tsim-side").inner_text()
    assert "could not" not in text and "override" not in text and "must" not in text


def test_exports_after_a_change_are_named_after_it_and_record_parameters_and_seed(
        app: Watched) -> None:
    page = app.page
    set_param(page, "n_catalysts", "0")
    page.get_by_role("button", name="Reset", exact=True).click()
    step(page, 2)
    name, text = download(page, "Indicators (CSV)")
    assert name == f"terrisim-baseline-n_catalysts=0-seed{SEED}.csv"
    lines = text.splitlines()
    assert "# changed from baseline: Catalysts: 0 catalysts" in lines
    assert f"# seed {SEED}, month 2" in lines and "# n_catalysts = 0" in lines
    tbt = Scenario().trust_building_time
    assert f"# trust_building_time = {tbt}" in lines           # every parameter, as TOML
    with page.expect_download() as info:
        page.get_by_role("button", name="Figures (PNG)").click()
    assert info.value.suggested_filename == (
        f"terrisim-baseline-n_catalysts=0-seed{SEED}-month2.territory.png")


WORDS_WHOLE = """(el) => {
  // every word of the element's text sits on one line: no break inside a word
  const text = el.firstChild;
  if (!text || text.nodeType !== 3) { return []; }
  const broken = [];
  const re = /\\S+/g; let m;
  while ((m = re.exec(text.textContent)) !== null) {
    const range = document.createRange();
    range.setStart(text, m.index); range.setEnd(text, m.index + m[0].length);
    const lines = new Set(Array.from(range.getClientRects()).map((r) => Math.round(r.top)));
    if (lines.size > 1) { broken.push(m[0]); }
  }
  return broken; }"""


def test_lesson_titles_never_break_inside_a_word(browser: object, server: str) -> None:
    """Was: "catalyse|ur", "opér|ateur" on narrow cards."""
    watched = open_app(browser, server, 1024, 768)
    try:
        page = watched.page
        french(page)
        open_tab(page, "Leçons")
        titles = page.locator(".tsim-lesson-title")
        expect(titles).to_have_count(5)
        for title in titles.all():
            assert title.evaluate(WORDS_WHOLE) == [], title.inner_text()
        page.locator(".tsim-load-operator").click()
        card = page.locator(".tsim-lesson-card .v-card__title")
        expect(card).to_contain_text("opérateur")
        assert card.evaluate(WORDS_WHOLE) == []
        watched.check_clean()
    finally:
        watched.context.close()


def test_a_reload_keeps_the_run(browser: object, server: str) -> None:
    """Was: F5 lost the run."""
    watched = open_app(browser, server)
    try:
        page = watched.page
        step(page, 3)
        set_param(page, "n_catalysts", "1")              # a pending edit, not yet applied
        french(page)
        page.reload()
        wait_ready(page)
        expect(page.locator(".tsim-step")).to_contain_text("Mois 3 / 120 · avril 2010")
        expect(page.locator(".tsim-pending-count")).to_have_text(
            "1 changement en attente de réinitialisation")
        # another tab is another session, even from the same browser
        other = Watched(watched.context).open(server)
        expect(other.page.locator(".tsim-step")).to_contain_text("Month 0 / 120")
        other.check_clean()
    finally:
        watched.context.close()


def test_a_closed_tab_is_freed(browser: object, served: tuple[str, Path], server: str) -> None:
    """Was: closed tabs kept their model for 24 hours (+6 MB each)."""
    log = served[1]
    before = log.read_text(encoding="utf-8").count("freed ")
    watched = open_app(browser, server)
    step(watched.page, 1)
    watched.context.close()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if log.read_text(encoding="utf-8").count("freed ") > before:
            break
        time.sleep(0.5)
    tail = log.read_text(encoding="utf-8")
    assert tail.count("freed ") > before, tail[-2000:]


def test_the_mountain_lesson_draws_and_names_its_regions(app: Watched) -> None:
    """Was: the lesson asked about regions, never drawn on the map nor named in tooltips."""
    page = app.page
    open_tab(page, "Lessons")
    page.locator(".tsim-load-mountain").click()
    expect(page.get_by_role("tab", name="Territory")).to_have_attribute("aria-selected", "true")
    canvas = page.locator(".tsim-figure-map canvas")
    expect(page.locator(".tsim-figure-map[data-drawn]")).to_be_attached()
    purple = canvas.evaluate("""c => {
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data; let n = 0;
        for (let i = 0; i < d.length; i += 4) {
          const near = Math.abs(d[i] - 94) < 25 && Math.abs(d[i+1] - 42) < 25;
          if (near && Math.abs(d[i+2] - 132) < 25) { n++; }
        }
        return n; }""")
    assert purple > 200, "no region boundary drawn"
    box = canvas.bounding_box()
    page.mouse.move(box["x"] + 0.25 * box["width"], box["y"] + 0.45 * box["height"])
    rows = page.locator(".tsim-tooltip-rows")
    expect(rows).to_contain_text(re.compile(r"Region\s*\d"), timeout=WAIT_MS)
    screenshot(page, "mountain-regions")


def test_no_english_is_left_in_french(app: Watched) -> None:
    """Was: scenario and lesson descriptions, the PNG footer's "seed", ISO dates and decimal
    points in chart tooltips, CSV headers, "(s)" plurals and "Année 02/2012" in French."""
    page = app.page
    french(page)
    expect(page.locator(".tsim-scenario")).to_contain_text("Un territoire rural de taille moyenne")
    set_param(page, "n_catalysts", "2")
    expect(page.locator(".tsim-pending-count")).to_have_text(
        "1 changement en attente de réinitialisation")
    step(page, 3, label="Pas")
    open_tab(page, "Moniteurs")
    expect(page.locator(".tsim-monitor-year .tsim-monitor-label")).to_have_text("Date")
    expect(page.locator(".tsim-monitor-year .tsim-monitor-value")).to_have_text("avril 2010")
    open_tab(page, "Indicateurs")
    chart = page.locator(".tsim-chart-impacts canvas")
    expect(page.locator(".tsim-chart-impacts .tsim-figure[data-drawn]")).to_be_attached()
    box = chart.bounding_box()
    page.mouse.move(box["x"] + box["width"] - 30, box["y"] + box["height"] * 0.4)
    tip = page.locator(".tsim-chart-impacts .tsim-tooltip")
    expect(tip).to_be_visible(timeout=WAIT_MS)
    expect(page.locator(".tsim-chart-impacts .tsim-tooltip-title")).to_have_text(
        re.compile(r"^(janv\.|févr\.|mars|avr\.) 2010$"))
    values = page.locator(".tsim-chart-impacts .tsim-tooltip-value").all_inner_texts()
    assert values and all(re.fullmatch(r"\d+(,\d+)?", v.strip()) for v in values), values
    _name, text = download(page, "Indicateurs (CSV)")
    head = next(line for line in text.splitlines() if not line.startswith("#"))
    assert head.startswith("Mois [month];Date [year];Alliances actives [alliances_active]")
    assert "# graine 7, mois 3" in text
    open_tab(page, "Leçons")
    page.locator(".tsim-load-one_catalyst").click()
    expect(page.locator(".tsim-lesson-card")).to_contain_text("Un catalyseur arrive")
    expect(page.locator(".tsim-scenario")).to_contain_text(
        "Leçon 2 : le territoire de référence avec un seul catalyseur territorial.")


