"""The class session without a browser: seats, decisions within bounds, the decisions the
shared model applies, a class nobody plays is the model alone, the debrief, and the pages."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from terrisim.app.classroom import MAX_MEETINGS, Classroom
from terrisim.model import TerritoryModel
from terrisim.organisations import ECONOMIC
from terrisim.scenario import Scenario


@pytest.fixture
def room(small: Scenario) -> Classroom:
    return Classroom(small.replace(steps=30), seed=4, token="abc")


def test_learners_get_distinct_actors_and_keep_them(room: Classroom) -> None:
    mayors = [room.join(f"t{k}", f"Learner {k}", "mayor") for k in range(3)]
    assert len({s.actor for s in mayors}) == 3
    biggest = room.model.n_orgs_in(np.arange(room.model.territory.n_communes))
    assert biggest[mayors[0].actor] == biggest.max()      # the busiest commune first
    assert room.join("t0", "someone else", "firm") is mayors[0]        # a reload: same seat
    cat = room.join("c", "Cat", "catalyst")
    assert cat.actor == 0
    firm = room.join("f", "Firm", "firm")
    assert room.model.orgs.world[firm.actor] == ECONOMIC
    n = room.model.params.n_catalysts
    for k in range(1, n):
        room.join(f"c{k}", "C", "catalyst")
    with pytest.raises(LookupError):
        room.join("too many", "X", "catalyst")
    room.leave("c")
    assert room.join("again", "Y", "catalyst").actor == 0


def test_decisions_are_kept_within_bounds() -> None:
    v = Classroom.validate
    assert v("mayor", {"meetings": 99, "forums": -3}) == {"meetings": MAX_MEETINGS, "forums": 0}
    cat = v("catalyst", {"shares": [2, 2, 0], "introduce": "everyone", "experiment": "nope"})
    assert cat == {"shares": [0.5, 0.5, 0.0], "introduce": "model", "experiment": "model"}
    assert v("catalyst", {"shares": [0, 0, 0]})["shares"] == pytest.approx([1 / 3] * 3)
    assert v("firm", {"accept": ["public", "aliens"]}) == {"accept": ["public"]}


def test_nobody_playing_is_the_model_alone(room: Classroom) -> None:
    for _ in range(12):
        room.step()
    alone = TerritoryModel(scenario=room.scenario, rng=room.seed)
    alone.run(12)
    pd.testing.assert_frame_equal(room.model.dataframe(), alone.dataframe(), check_exact=True)
    for row in room.debrief():
        assert row["class"] == pytest.approx(row["alone"], nan_ok=True), row["name"]


def test_the_shared_model_applies_what_players_decided(room: Classroom) -> None:
    mayor = room.join("m", "Mayor", "mayor")
    catalyst = room.join("c", "Cat", "catalyst")
    firm = room.join("f", "Firm", "firm")
    for _ in range(6):        # the catalyst first gets to know the territory (model's rules)
        room.step()
    room.decide("m", {"meetings": 3, "forums": 2})
    room.decide("c", {"shares": [0, 1, 0], "introduce": "economic_associative",
                      "experiment": "wait"})
    room.decide("f", {"accept": []})
    assert all(s.ready for s in room.seats.values())
    before = room.model.catalysts[catalyst.actor].introductions
    room.step()
    assert room.model.month == 7
    assert mayor.applied == {"meetings": 3, "forums": 2}
    tally = room.model.tally
    assert tally.meetings >= 3 and tally.forums >= 2    # the mayor's three and two, at least
    assert catalyst.applied["shares"] == [0.0, 1.0, 0.0]
    made = room.model.catalysts[catalyst.actor].introductions - before
    assert made > 0 and catalyst.applied["introductions"] > 0
    assert not any(s.ready for s in room.seats.values())      # decide again next month
    # a decision lasts until it is changed; the firm refuses every proposal
    for _ in range(20):
        room.step()
    al = room.model.alliances
    n = al.size
    since = al.start[:n] >= 7                 # formed while the firm refused every proposal
    assert not ((al.a[:n][since] == firm.actor) | (al.b[:n][since] == firm.actor)).any()
    assert room.model.catalysts[catalyst.actor].first_experiment is None     # it waited
    assert "alliances_active" in {r["name"] for r in room.debrief()}
    results = {r["name"]: r for r in room.seat_results()}
    # the firm's active alliances now are only those it had before it refused everything
    ids = al.active_ids()
    older = ((al.a[ids] == firm.actor) | (al.b[ids] == firm.actor)) & (al.start[ids] < 7)
    assert results["Firm"]["class"] == int(older.sum())


def test_pages_are_told_of_every_month(room: Classroom) -> None:
    seen = []
    key = room.listen(lambda: seen.append(room.model.month))
    room.step()
    room.settle()
    assert seen and seen[-1] == 1
    room.unlisten(key)
    room.step()
    room.settle()
    assert seen[-1] == 1


def test_the_teacher_and_learner_pages_render(small: Scenario) -> None:
    import ipyvuetify as v
    import solara

    from terrisim.app.components.classroom import LearnerApp, TeacherApp

    shared = Classroom(small.replace(steps=12), seed=2, token="")
    lang = solara.reactive("fr")
    _box, rc = solara.render(solara.AppLayout(children=[LearnerApp(shared, lang)]),
                             handle_error=False)
    rc.find(v.TextField).widget.v_model = "Ana"
    rc.find(v.Btn, children=[f"Un maire ({small.n_communes} libres)"]).widget.click()
    assert len(shared.seats) == 1
    shared.settle()
    assert rc.find(v.Html, class_="tsim-class-actor").widget.children[0].startswith(
        "Maire de la commune")
    rc.find(v.Btn, children=["Envoyer ma décision"]).widget.click()
    assert next(iter(shared.seats.values())).ready
    _box2, teacher = solara.render(solara.AppLayout(children=[
        TeacherApp(shared, lang, "http://192.0.2.1:8765/")]), handle_error=False)
    assert "1 joueurs sur 1" in teacher.find(v.Html, class_="tsim-class-ready").widget.children[0]
    teacher.find(v.Btn, children=["Mois suivant"]).widget.click()
    assert shared.model.month == 1
    teacher.find(v.Btn, children=["Débriefing"]).widget.click()
    assert shared.phase == "debrief"
