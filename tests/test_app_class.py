"""The participatory mode in real browsers: ``terrisim app --class``, the teacher's screen and
four learners — a mayor, a catalyst, a firm and an association — each in their own browser
context, as on five computers (see ``appdriver``).

The learners join with the class token, each takes an actor and sends its decisions; the
teacher sees who plays what and who is ready, runs the clock, and opens the debrief, which the
learners see too.  A learner who reloads keeps their seat.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from .appdriver import ROOT, WAIT_MS, Watched, chromium, expect, screenshot, serve, wait_ready

pytestmark = [pytest.mark.browser, pytest.mark.slow]

TOKEN = "class-42"


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[str, str]]:
    with serve(str(ROOT / "scenarios" / "baseline.toml"), "--class", "--token", TOKEN,
               "--seed", "5", log_name="app-class-server.log") as (url, log):
        found = re.search(r"(http://127\.0\.0\.1:\d+/\?teacher=\S+)",
                          Path(log).read_text(encoding="utf-8"))
        assert found, Path(log).read_text(encoding="utf-8")
        yield url, found.group(1)


@pytest.fixture(scope="module")
def browser(served: tuple[str, str]) -> Iterator[object]:
    with chromium() as b:
        yield b


def _open(browser: object, url: str, ready: str, width: int = 1280,
          height: int = 800) -> Watched:
    context = browser.new_context(viewport={"width": width, "height": height})
    return Watched(context).open(url, ready=ready)


def _join(browser: object, url: str, name: str, role: str) -> Watched:
    learner = _open(browser, url + f"?token={TOKEN}", ".tsim-class-take")
    page = learner.page
    page.locator(".tsim-class-name input").fill(name)
    page.locator(f".tsim-class-role-{role}").click()
    expect(page.locator(".tsim-class-actor")).to_be_visible(timeout=WAIT_MS)
    return learner


def test_a_class_of_four_learners_and_their_teacher(browser: object,
                                                    served: tuple[str, str]) -> None:
    url, teacher_url = served
    teacher = _open(browser, teacher_url, ".tsim-class-clock", 1280, 800)
    learners: dict[str, Watched] = {}
    try:
        tpage = teacher.page
        expect(tpage.locator(".tsim-class-url")).to_contain_text(f"?token={TOKEN}")
        expect(tpage.locator(".tsim-class-players")).to_contain_text("Nobody has joined yet.")
        # without the token a learner is asked for it
        asked = _open(browser, url, ".tsim-join")
        expect(asked.page.locator(".tsim-join")).to_contain_text("Class token")
        asked.context.close()
        for name, role in (("Ana", "mayor"), ("Bruno", "catalyst"), ("Chloé", "firm"),
                           ("Driss", "association")):
            learners[role] = _join(browser, url, name, role)
        expect(tpage.locator(".tsim-class-player")).to_have_count(4, timeout=WAIT_MS)
        for text in ("Ana", "Mayor of commune", "Bruno", "Catalyst 1", "Chloé", "Firm",
                     "Driss", "Association"):
            expect(tpage.locator(".tsim-class-table")).to_contain_text(text)
        expect(tpage.locator(".tsim-class-ready")).to_contain_text("0 of 4")

        # each learner decides for month 1
        mayor = learners["mayor"].page
        for _ in range(3):
            mayor.locator(".tsim-class-form").get_by_role("slider").first.press("ArrowRight")
        expect(mayor.locator(".tsim-class-form")).to_contain_text("Meetings this month: 3")
        mayor.get_by_role("button", name="Send my decision").click()
        cat = learners["catalyst"].page
        cat.locator(".tsim-class-introduce").click()
        cat.get_by_role("option", name="firms and associations").click()
        cat.get_by_role("button", name="Send my decision").click()
        firm = learners["firm"].page
        firm.locator(".tsim-class-accept-associative label").click()      # Vuetify: the label
        expect(firm.locator(".tsim-class-accept-associative input")).not_to_be_checked()
        firm.get_by_role("button", name="Send my decision").click()
        learners["association"].page.get_by_role("button", name="Send my decision").click()
        for page in (mayor, cat, firm, learners["association"].page):
            expect(page.locator(".tsim-class-status")).to_contain_text("Decision sent for month 1")
        expect(tpage.locator(".tsim-class-ready")).to_contain_text("4 of 4")
        expect(tpage.locator(".tsim-class-table")).to_contain_text("3 meetings, 0 forums")
        expect(tpage.locator(".tsim-class-table")).to_contain_text("introduces: firms and "
                                                                   "associations")
        screenshot(tpage, "class-teacher", full_page=False)

        # the teacher's clock: a month passes for everybody, decisions applied
        tpage.get_by_role("button", name="Next month").click()
        for learner in learners.values():
            expect(learner.page.locator(".tsim-class-you")).to_contain_text("Month 1 / 120")
        expect(mayor.locator(".tsim-class-applied")).to_contain_text(
            "you convened 3 meetings and 0 forums")
        expect(mayor.locator(".tsim-class-status")).to_contain_text(
            "Send your decision for month 2")
        expect(tpage.locator(".tsim-class-ready")).to_contain_text("0 of 4")
        screenshot(mayor, "class-learner-mayor", full_page=False)
        screenshot(cat, "class-learner-catalyst", full_page=False)

        # a reload keeps the seat
        firm.reload()
        wait_ready(firm, ".tsim-class-actor")
        expect(firm.locator(".tsim-class-actor")).to_contain_text("Firm")
        expect(tpage.locator(".tsim-class-player")).to_have_count(4)

        # French for one learner, English for the others
        learners["association"].page.get_by_role("button", name="FR", exact=True).click()
        expect(learners["association"].page.locator(".tsim-class-you")).to_contain_text(
            "Vous jouez")

        for _ in range(2):
            tpage.get_by_role("button", name="Next month").click()
        expect(mayor.locator(".tsim-class-you")).to_contain_text("Month 3 / 120")

        # the debrief: the class next to the model alone, on every screen
        tpage.get_by_role("button", name="Debrief").click()
        expect(tpage.locator(".tsim-debrief-table")).to_contain_text("The model alone")
        expect(tpage.locator(".tsim-debrief-actors")).to_contain_text("Ana")
        for role, learner in learners.items():
            text = "Le modèle seul" if role == "association" else "The model alone"
            expect(learner.page.locator(".tsim-debrief-table")).to_contain_text(text)
        expect(tpage.locator(".tsim-debrief-chart .tsim-figure")).to_have_attribute(
            "data-overlay", "0")
        screenshot(tpage, "class-debrief")
        teacher.check_clean()
        for learner in learners.values():
            learner.check_clean()
    finally:
        for learner in learners.values():
            learner.context.close()
        teacher.context.close()
