"""A workshop in a real browser: each defect found by trying the app as a teacher would, the
projector layout, the narrative of a run, lesson checkpoints, run comparison, reloads, closed
tabs and the class token (see ``appdriver``).

The server runs with a class token (as ``terrisim app --host`` would ask for) and a short grace
period for closed sessions, so that freeing a tab's memory can be watched in its log.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from terrisim.scenario import load_scenario

from .appdriver import (
    ROOT,
    WAIT_MS,
    Watched,
    chromium,
    expect,
    expect_month,
    fastest,
    in_viewport,
    month,
    open_advanced,
    open_tab,
    play_until,
    screenshot,
    serve,
    set_param,
    set_seed,
    small_texts,
    step,
    wait_ready,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SEED = 7
TOKEN = "classroom-7"
BASELINE = load_scenario(ROOT / "scenarios" / "baseline.toml")


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[str, Path]]:
    with serve(str(ROOT / "scenarios" / "baseline.toml"), "--seed", str(SEED), "--token", TOKEN,
               log_name="app-workshop-server.log",
               env={"TERRISIM_APP_SESSION_GRACE": "3"}) as (url, log):
        yield url, log


@pytest.fixture(scope="module")
def server(served: tuple[str, Path]) -> str:
    return served[0] + f"?token={TOKEN}"


@pytest.fixture(scope="module")
def browser(served: tuple[str, Path]) -> Iterator[object]:
    with chromium() as b:
        yield b


def _open(browser: object, url: str, width: int = 1500, height: int = 1000) -> Watched:
    context = browser.new_context(viewport={"width": width, "height": height},
                                  accept_downloads=True)
    return Watched(context).open(url)


@pytest.fixture
def app(browser: object, server: str) -> Iterator[Watched]:
    watched = _open(browser, server)
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
    assert "# trust_building_time = 17.8" in lines            # every parameter, as TOML
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
    watched = _open(browser, server, 1024, 768)
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
    watched = _open(browser, server)
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
    watched = _open(browser, server)
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


# -- projector ---------------------------------------------------------------------------------
@pytest.mark.parametrize(("width", "height", "lang"),
                         [(1280, 720, "en"), (1280, 720, "fr"), (1024, 768, "en"),
                          (1024, 768, "fr")])
def test_presentation_mode_fits_a_projector(browser: object, server: str, width: int,
                                            height: int, lang: str) -> None:
    """The map, one chart and the controls visible together without scrolling, no text under
    18 px, the teacher's parameters first."""
    watched = _open(browser, server, width, height)
    try:
        page = watched.page
        if lang == "fr":
            french(page)
        label = "Présentation" if lang == "fr" else "Presentation"
        page.get_by_role("button", name=label).click()
        expect(page.locator(".tsim-page-present")).to_be_visible()
        fastest(page, 50)                  # slow enough to pause near month 36 (screenshots)
        play_until(page, 36)
        expect(page.locator(".tsim-present-map .tsim-figure[data-drawn]")).to_be_attached()
        expect(page.locator(".tsim-present-chart .tsim-figure[data-drawn]")).to_be_attached()
        page.wait_for_timeout(600)
        sizes = page.evaluate("() => [document.documentElement.scrollHeight, window.innerHeight,"
                              " document.documentElement.scrollWidth, window.innerWidth]")
        assert sizes[0] <= sizes[1] + 1 and sizes[2] <= sizes[3] + 1, sizes
        for selector in (".tsim-present-map canvas", ".tsim-present-chart canvas", ".tsim-reset",
                         ".tsim-play", ".tsim-step-btn", ".tsim-step"):
            assert in_viewport(page, selector), selector
        assert small_texts(page, 18) == []
        for font in page.locator(".tsim-page-present .tsim-figure").evaluate_all(
                "els => els.map(e => Number(e.getAttribute('data-min-font')))"):
            assert font >= 18
        expect(page.locator(".tsim-teacher-params .tsim-param")).to_have_count(8)
        screenshot(page, f"present-{width}x{height}-{lang}", full_page=False)
        watched.check_clean()
    finally:
        watched.context.close()


@pytest.mark.parametrize(("width", "height"), [(1024, 768), (853, 480)])
def test_controls_and_map_stay_side_by_side(browser: object, server: str, width: int,
                                            height: int) -> None:
    """Was: below 1264 px (a 1024-px projector, or 150 % zoom of 1280×720 = 853×480 CSS px) the
    sidebar became an overlay over the map, so controls and map were never seen together."""
    watched = _open(browser, server, width, height)
    try:
        page = watched.page
        side = page.locator(".tsim-side").bounding_box()
        chart = page.locator(".tsim-figure-map canvas").bounding_box()
        assert side["x"] + side["width"] <= chart["x"], (side, chart)
        assert in_viewport(page, ".tsim-reset") and in_viewport(page, ".tsim-play")
        assert chart["x"] + chart["width"] <= width + 1
        if height >= 720:
            assert in_viewport(page, ".tsim-figure-map canvas")
        watched.check_clean()
    finally:
        watched.context.close()


def test_the_parameters_show_the_teachers_few_then_all_with_a_search(app: Watched) -> None:
    """Was: an 11,668-px-tall sidebar with every group open."""
    page = app.page
    card = page.locator(".tsim-parameters")
    assert card.bounding_box()["height"] < 1400
    expect(page.locator(".tsim-teacher-params .tsim-param")).to_have_count(8)
    open_advanced(page)
    search = page.locator(".tsim-param-search")
    search.fill("trust")
    rows = page.locator(".tsim-param-results .tsim-param, .tsim-params .tsim-param")
    found = page.locator(".tsim-params .tsim-group:not(.tsim-teacher-params) .tsim-param")
    expect(found.first).to_be_visible()
    n = found.count()
    assert 3 < n < 40, n
    for text in found.all_inner_texts():
        assert "trust" in text.lower(), text
    search.fill("zzzz")
    expect(page.locator(".tsim-param-nomatch")).to_be_visible()
    french(page)
    open_advanced(page)
    page.locator(".tsim-param-search").fill("methode")       # accents ignored
    expect(page.locator(".tsim-param-nomatch")).to_be_visible()
    page.locator(".tsim-param-search").fill("confiance")
    expect(found.first).to_be_visible()
    assert rows.count() > 0


# -- narrative, checkpoints, comparison ---------------------------------------------------------
def test_the_story_says_what_happened(app: Watched) -> None:
    page = app.page
    fastest(page, 30)
    play_until(page, 30)
    open_tab(page, "Story")
    log = page.locator(".tsim-event-log").last
    expect(log).to_contain_text("has listened to the")
    expect(log).not_to_contain_text("held a dialogue event")        # routine: not by default
    page.locator(".tsim-story-select").click()
    page.get_by_role("option", name="everything that happened").click()
    expect(log).to_contain_text(re.compile(
        r"Month \d+ —\s*the catalyst \d held a dialogue event in bassin \d: \d+ organisations, "
        r"\d+ made aware for the first time\."))
    expect(page.locator(".tsim-figure-timeline[data-drawn]")).to_be_attached()
    drawn = int(page.locator(".tsim-figure-timeline").get_attribute("data-drawn"))
    assert drawn == month(page)
    open_tab(page, "Indicators")
    marks = page.locator(".tsim-chart-kinds .tsim-figure").get_attribute("data-marks")
    assert int(marks) >= 1                        # the end of listening, at least
    french(page)
    open_tab(page, "Récit")
    expect(page.locator(".tsim-event-log").last).to_contain_text(
        "a tenu un événement de dialogue dans le bassin")     # the filter chosen is kept
    expect(page.locator(".tsim-ticker")).to_contain_text("Mois ")
    screenshot(page, "story-fr")


def test_a_lesson_pauses_at_its_checkpoint_and_asks_its_question(app: Watched) -> None:
    page = app.page
    open_tab(page, "Lessons")
    page.locator(".tsim-load-one_catalyst").click()
    fastest(page)
    page.get_by_role("button", name="▶", exact=True).click()
    question = page.locator(".tsim-checkpoint")
    expect(question).to_be_visible(timeout=WAIT_MS * 2)
    expect(question).to_contain_text("Pause — month 12")
    expect(question).to_contain_text("has the catalyst finished listening to its bassin?")
    expect(page.get_by_role("button", name="▶", exact=True)).to_be_visible()
    assert month(page) == 12
    screenshot(page, "checkpoint")
    page.get_by_role("button", name="Continue ▶").click()
    expect(page.locator(".tsim-step")).to_contain_text(re.compile(r"Month (1[3-9]|[2-9]\d) /"))
    expect(question).to_have_count(0)


def test_the_previous_run_is_kept_and_overlaid(app: Watched) -> None:
    page = app.page
    step(page, 4)
    set_param(page, "n_catalysts", "0")
    page.get_by_role("button", name="Reset", exact=True).click()
    expect_month(page, 0)
    step(page, 2)
    open_tab(page, "Indicators")
    expect(page.locator(".tsim-run-1")).to_contain_text("same parameters")
    for name in ("kinds", "ladder", "impacts", "catalyst_time"):
        expect(page.locator(f".tsim-chart-{name} .tsim-figure")).to_have_attribute(
            "data-overlay", "1")
    page.get_by_role("button", name="Reset", exact=True).click()
    expect(page.locator(".tsim-run-2")).to_contain_text("Catalysts: 0 catalysts")
    expect(page.locator(".tsim-chart-kinds .tsim-figure")).to_have_attribute("data-overlay", "2")
    screenshot(page, "comparison")


# -- the class token -----------------------------------------------------------------------------
def test_the_class_token_is_asked_in_both_languages(browser: object,
                                                    served: tuple[str, Path]) -> None:
    watched = _open_join(browser, served[0])
    try:
        page = watched.page
        page.locator(".tsim-join-token input").fill("guess")
        page.get_by_role("button", name="Join").click()
        expect(page.locator(".tsim-join-error")).to_contain_text("This is not the class token")
        page.get_by_role("button", name="Français").click()
        expect(page.locator(".tsim-join")).to_contain_text("Code de la classe")
        page.locator(".tsim-join-token input").fill(TOKEN)
        page.get_by_role("button", name="Rejoindre").click()
        wait_ready(page)
        expect(page.locator(".tsim-step")).to_contain_text("Mois 0 / 120")
        watched.check_clean()
    finally:
        watched.context.close()


def _open_join(browser: object, url: str) -> Watched:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    return Watched(context).open(url, ready=".tsim-join")
