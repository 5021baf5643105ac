"""A workshop's screens in a real browser: presentation mode on a projector, the controls and
the map side by side, the teacher's parameters and the search, the story of a run, a lesson's
checkpoint, the kept run overlaid, the class token (see ``appdriver``)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from . import appdriver
from .appdriver import (
    TOKEN,
    WAIT_MS,
    Watched,
    expect,
    expect_month,
    fastest,
    french,
    in_viewport,
    month,
    open_advanced,
    open_app,
    open_tab,
    play_until,
    screenshot,
    set_param,
    small_texts,
    step,
    wait_ready,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

# the workshop server's fixtures (pytest finds them by name in this module)
served, server, browser, app = appdriver.served, appdriver.server, appdriver.browser, appdriver.app


# -- projector ---------------------------------------------------------------------------------
@pytest.mark.parametrize(("width", "height", "lang"),
                         [(1280, 720, "en"), (1280, 720, "fr"), (1024, 768, "en"),
                          (1024, 768, "fr")])
def test_presentation_mode_fits_a_projector(browser: object, server: str, width: int,
                                            height: int, lang: str) -> None:
    """The map, one chart and the controls visible together without scrolling, no text under
    18 px, the teacher's parameters first."""
    watched = open_app(browser, server, width, height)
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
    watched = open_app(browser, server, width, height)
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
