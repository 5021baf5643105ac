"""What just happened, without a browser: every event kind of the model is a sentence in both
languages, the log, the catalysts' timeline, the chart markers, the lessons' checkpoints and the
comparison with a kept run follow the model they describe."""

from __future__ import annotations

import re

import numpy as np
import pytest

from terrisim.app import charts, history, lessons, narrative
from terrisim.app.i18n import LANGS, placeholders, translator
from terrisim.app.state import Simulation
from terrisim.events import KINDS, Event
from terrisim.model import TerritoryModel
from terrisim.scenario import Scenario


@pytest.fixture(scope="module")
def story(small: Scenario) -> TerritoryModel:
    """A small territory with catalysts run long enough for a programme to unfold."""
    model = TerritoryModel(scenario=small.replace(steps=48, funding_horizon=30), rng=11)
    model.run()
    return model


def _sample(kind: str) -> Event:
    """An event of ``kind`` with a plausible value for each of its fields."""
    values = {"bassin": 1, "commune": 4, "domain": 2, "origin": "public", "world_a": "economic",
              "world_b": "associative", "alliance_kind": "patronage"}
    return Event(month=14, kind=kind, actor=1,
                 data={f: values.get(f, 12) for f in KINDS[kind]})


@pytest.mark.parametrize("lang", LANGS)
def test_every_event_kind_is_a_sentence_in_both_languages(lang: str) -> None:
    """A kind the model adds fails here until it has both translations (the app shows its
    name and fields meanwhile, see the fallback test)."""
    tr = translator(lang)
    for kind, fields in KINDS.items():
        entry = tr.data["events"].get(kind)
        assert entry and entry.get("text") and entry.get("short"), (lang, kind)
        assert placeholders(entry["text"]) <= set(fields) | {"actor"}, (lang, kind)
        text = narrative.sentence(_sample(kind), tr)
        assert "{" not in text and kind not in text, (lang, kind, text)
    assert set(tr.data["events"]) == set(KINDS), "no sentence for a kind the model dropped"


def test_every_event_kind_has_a_place_in_the_story() -> None:
    placed = set(narrative.PROGRAMME_KINDS) | set(narrative.TERRITORY_KINDS)
    assert placed == set(KINDS)
    assert not set(narrative.PROGRAMME_KINDS) & set(narrative.TERRITORY_KINDS)
    assert set(narrative.MILESTONES) <= set(KINDS) and set(narrative.STYLE) <= set(KINDS)


def test_sentences_read_like_the_issue_says() -> None:
    en, fr = translator("en"), translator("fr")
    event = Event(14, "dialogue_event", 1, {"bassin": 1, "attendees": 40, "newly_aware": 12})
    assert narrative.sentence(event, en) == (
        "the catalyst 2 held a dialogue event in bassin 2: 40 organisations, 12 made aware for "
        "the first time.")
    funder = Event(60, "funder_renewed", 0, {"bassin": 0, "results": 11, "expected": 10.0})
    assert narrative.sentence(funder, fr) == (
        "le financeur renouvelle le catalyseur 1 du bassin 1 : 11 alliances suscitées "
        "(10 attendues).")
    first = Event(31, "first_alliance", 4, {"commune": 4, "world_a": "economic",
                                           "world_b": "associative",
                                           "alliance_kind": "patronage"})
    assert narrative.sentence(first, en) == (
        "first alliance of commune 5: a firm and an association (patronage).")


def test_counted_words_agree_with_their_number() -> None:
    en, fr = translator("en"), translator("fr")
    one = Event(30, "pilots_launched", 0, {"commune": 2, "domain": 6, "pilots": 1})
    three = Event(30, "pilots_launched", 0, {"commune": 2, "domain": 6, "pilots": 3})
    assert narrative.sentence(one, en) == "1 pilot project on poor housing started in commune 3."
    assert narrative.sentence(three, en).startswith("3 pilot projects on")
    assert narrative.sentence(one, fr).startswith("1 projet pilote démarre sur")
    assert narrative.sentence(three, fr).startswith("3 projets pilotes démarrent sur")


def test_a_kind_without_translation_is_shown_not_fatal() -> None:
    event = Event(3, "a_new_kind", 0, {"thing": 2})
    assert narrative.sentence(event, translator("fr")) == "a_new_kind (thing = 2)"


def test_the_log_timeline_and_markers_follow_the_run(story: TerritoryModel) -> None:
    tr = translator("en")
    kinds = {e.kind for e in story.events}
    assert {"catalyst_started", "listening_done", "dialogue_event"} <= kinds
    rows = narrative.event_rows(story, tr)
    assert len(rows) == min(len(story.events), narrative.LOG_LIMIT)
    assert [r["month"] for r in rows] == sorted((r["month"] for r in rows), reverse=True)
    assert rows[0]["prefix"] == f"Month {story.events.events[-1].month} —"
    milestones = narrative.event_rows(story, tr, "milestones")
    assert milestones and all(r["kind"] in narrative.MILESTONES or r["kind"] == "first_alliance"
                              for r in milestones)
    one = narrative.event_rows(story, tr, "catalyst:0")
    assert one and all(r["group"] == "catalyst" for r in one)
    assert len(narrative.event_rows(story, tr, "catalyst:0")) < len(rows)
    # one timeline row per catalyst, with its listening band and its events at their months
    line = narrative.timeline(story, tr)
    assert len(line["rows"]) == story.params.n_catalysts and line["month"] == story.month
    for n, row in enumerate(line["rows"]):
        mine = [e for e in story.events if e.kind in narrative.PROGRAMME_KINDS and e.actor == n]
        shown = [p for p in row["points"]] + [s for s in row["spans"]]
        starts = {e.month for e in mine if e.kind == "experiment_launched"}
        assert {s["from"] for s in row["spans"]} == starts
        assert len(shown) == len([e for e in mine if e.kind != "experiment_ended"]) + sum(
            e.kind == "experiment_ended" for e in mine)
        assert row["bands"][0]["kind"] == "listening"
    # markers: each milestone once, at its month, and the first alliance only once
    marks = narrative.chart_marks(story, tr)
    expected = [e for e in story.events if e.kind in narrative.MILESTONES]
    firsts = [e for e in story.events if e.kind == "first_alliance"][:1]
    assert len(marks) == len(expected) + len(firsts)
    for mark in marks:
        assert mark["x"] == pytest.approx(story.params.start_year + mark["month"] / 12, abs=1e-4)
    spec = charts.one_chart(story, "kinds", tr)
    assert spec["marks"] == marks


def test_every_lesson_checkpoint_has_its_question_in_both_languages() -> None:
    for lesson in lessons.LESSONS:
        assert lesson.checkpoints, lesson.id
        assert list(lesson.checkpoints) == sorted(set(lesson.checkpoints))
        for lang in LANGS:
            texts = translator(lang).data["lessons"][lesson.id]["checkpoints"]
            assert set(texts) == {str(m) for m in lesson.checkpoints}, (lang, lesson.id)
            assert all(t.strip() for t in texts.values())


def test_play_pauses_once_at_each_checkpoint(small: Scenario) -> None:
    sim = Simulation(small, seed=3)
    sim.load_lesson("one_catalyst")
    first = lessons.BY_ID["one_catalyst"].checkpoints[0]
    seen = []
    while sim.model.month < first + 2:
        sim.step()
        due = sim.checkpoint_due()
        if due is not None:
            seen.append((sim.model.month, due))
            sim.checkpoints_seen.add(due)
    assert seen == [(first, first)]
    assert sim.checkpoint_due() is None
    sim.reset()                                   # a new run pauses again
    assert sim.checkpoints_seen == set()


def test_runs_are_kept_named_after_what_changed_and_overlaid(small: Scenario) -> None:
    """Every lesson asks to compare two runs: the session keeps them."""
    sim = Simulation(small.replace(steps=12), seed=5)
    for _ in range(6):
        sim.step()
    sim.edit("n_catalysts", 0)
    sim.reset()
    assert [r.number for r in sim.runs] == [1]
    kept = sim.runs[0]
    assert kept.month == 6 and kept.seed == 5 and kept.changed == {}
    assert np.array_equal(kept.series["alliances_active"],
                          np.asarray(kept.series["alliances_active"], dtype=np.float32))
    for _ in range(3):
        sim.step()
    sim.reset()                                   # the n_catalysts=0 run is kept too
    assert sim.runs[-1].changed == {"n_catalysts": 0}
    en, fr = translator("en"), translator("fr")
    assert history.label(sim.runs[-1], en) == "Run 2 — Catalysts: 0 catalysts · seed 5 · 3 months"
    assert history.label(sim.runs[-1], fr) == (
        "Simulation 2 — Catalyseurs\u00a0: 0 catalyseurs · graine 5 · 3 mois")
    assert sim.reset() is None and len(sim.runs) == 2      # a run of 0 months is not kept
    # the charts overlay the chosen run, dashed, series by series
    for _ in range(2):
        sim.step()
    spec = charts.one_chart(sim.model, "kinds", en, compare=sim.runs[0])
    assert spec["overlay"]["number"] == 1 and len(spec["overlay"]["x"]) == 7
    assert len(spec["overlay"]["series"]) == len(spec["series"])
    stages = charts.one_chart(sim.model, "stages", en, compare=sim.runs[0])
    assert [g["label"] for g in stages["groups"]][1] == "Run 1, month 6"
    # a session keeps at most MAX_RUNS
    for _ in range(history.MAX_RUNS + 2):
        sim.step()
        sim.reset()
    assert len(sim.runs) == history.MAX_RUNS
    assert sim.runs[-1].number - sim.runs[0].number == history.MAX_RUNS - 1


def test_scenario_descriptions_are_translated_when_they_are_the_shipped_ones() -> None:
    from pathlib import Path

    from terrisim.app.components.parameters import scenario_description
    from terrisim.scenario import load_scenario

    root = Path(__file__).resolve().parents[1] / "scenarios"
    files = sorted(root.glob("*.toml")) + sorted((root / "lessons").glob("*.toml"))
    en, fr = translator("en"), translator("fr")
    for path in files:
        scenario = load_scenario(path)
        assert en.data["scenarios"][scenario.name] == scenario.description, path.name
        sim = Simulation.__new__(Simulation)
        sim.base = scenario
        french = scenario_description(sim, fr)
        assert french != scenario.description and not re.search(r"\bthe\b", french), path.name
    own = Simulation.__new__(Simulation)
    own.base = load_scenario(files[0]).replace(description="My own territory.")
    assert scenario_description(own, fr) == "My own territory."
