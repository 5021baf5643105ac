"""The browser app without a browser: it imports and builds, its translations are complete, its
session logic (edits, Reset, lessons, export) and its drawing data behave, its command refuses bad
input, and the offline asset list is derived from the installed Solara."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from terrisim.agents import OrganisationAgent
from terrisim.app import assets, charts, components, i18n, lessons, messages, monitors, views
from terrisim.app.i18n import LANGS, flatten, placeholders, translator
from terrisim.app.state import ResetRefused, Simulation, parse_value
from terrisim.app.tooltips import describe
from terrisim.cli import main as cli_main
from terrisim.model import TerritoryModel
from terrisim.scenario import GROUPS, Scenario, ScenarioError

ROOT = Path(__file__).resolve().parents[1]
APP_SRC = ROOT / "src" / "terrisim" / "app"


@pytest.fixture(scope="module")
def tiny(small: Scenario) -> Scenario:
    """An even smaller territory: these tests are about the app, not the dynamics."""
    return small.replace(n_firms=120, n_associations=40, steps=12)


@pytest.fixture(scope="module")
def stepped(tiny: Scenario) -> TerritoryModel:
    model = TerritoryModel(scenario=tiny, rng=3)
    for _ in range(6):
        model.step()
    return model


# -- the app builds ----------------------------------------------------------------------------
def test_app_module_imports_and_builds_a_page_that_steps() -> None:
    import ipyvuetify as v
    import solara

    from terrisim.app.app import Page

    _box, rc = solara.render(solara.AppLayout(children=[Page()]), handle_error=False)
    counter = rc.find(v.Html, class_="tsim-step")
    assert counter.widget.children[0].startswith("Month 0 /")
    rc.find(v.Btn, children=["Step"]).widget.click()
    assert counter.widget.children[0].startswith("Month 1 /")
    labels = {str(b.widget.children[-1]) for b in rc.find(v.Btn)}
    assert {"Reset", "▶", "Step"} <= labels
    assert any("Indicators (CSV)" in label for label in labels)
    # the default page is the territory map, drawn from the session's model
    assert rc.find(v.Html, class_="tsim-page tsim-page-territory")


# -- translations ------------------------------------------------------------------------------
def _keys(lang: str) -> set[str]:
    """Every string key of a locale, except parameter help (English help is the Scenario's)."""
    return {k for k in flatten(i18n.catalogue(lang)) if not re.fullmatch(r"params\.\w+\.help", k)}


def _source() -> str:
    return "".join(p.read_text(encoding="utf-8") for p in APP_SRC.rglob("*.py"))


def test_both_languages_have_the_same_keys_and_placeholders() -> None:
    en, fr = flatten(i18n.catalogue("en")), flatten(i18n.catalogue("fr"))
    assert _keys("en") == _keys("fr")
    for key in _keys("en"):
        if isinstance(en[key], list):
            assert len(en[key]) == len(fr[key]), key
            continue
        assert placeholders(str(en[key])) == placeholders(str(fr[key])), key
        if not key.startswith("units.") and key != "units.-":
            assert str(fr[key]).strip(), f"empty French string {key}"
            assert str(en[key]).strip(), f"empty English string {key}"


def test_every_scenario_parameter_has_a_label_and_help_in_both_languages() -> None:
    specs = Scenario.specs()
    for lang in LANGS:
        tr = translator(lang)
        assert set(tr.data["params"]) == set(specs), lang     # nothing missing, nothing stale
        for name, spec in specs.items():
            assert tr.param_label(name).strip(), (lang, name)
            assert tr.param_help(spec).strip(), (lang, name)
            assert spec.unit in tr.data["units"], (lang, spec.unit)
            for choice in spec.choices or ():
                assert tr.choice(name, choice) != choice or lang == "en", (lang, name, choice)
        for group in GROUPS:
            assert tr.group(group) and group in tr.data["groups"], (lang, group)
    fr = translator("fr")
    assert all("help" in fr.data["params"][n] for n in specs)
    assert fr.param_help(specs["trust_building_time"]) != specs["trust_building_time"].help


def test_every_string_the_code_uses_exists_in_both_languages() -> None:
    used: set[str] = set()
    for path in APP_SRC.rglob("*.py"):
        used |= set(re.findall(r"""\btr(?:\.plural)?\(\s*f?["']([a-z_]+\.[a-z_{}.]+)["']""",
                               path.read_text(encoding="utf-8")))
    static = {k for k in used if "{" not in k}
    assert len(static) > 40            # the scan found the interface's strings
    for lang in LANGS:
        tr = translator(lang)
        for key in static:
            assert tr.has(key) or key in flatten(tr.data) or f"{key}.one" in flatten(tr.data), \
                (lang, key)
        # keys built from identifiers: tabs, Info sections, monitors, lessons, core labels
        for page in components.PAGES:
            assert tr(f"tabs.{page}")
        for section in components.INFO_SECTIONS:
            assert tr.data["info"][section]["title"] and tr.data["info"][section]["body"]
        for lesson in lessons.LESSONS:
            entry = tr.data["lessons"][lesson.id]
            assert {"title", "question", "look_at", "try"} <= set(entry)
        for m in monitors.MONITORS:
            assert tr.data["monitors"][m.name]["label"] and tr.data["monitors"][m.name]["help"]
        for section in monitors.MONITOR_SECTIONS:
            assert tr(f"monitor_sections.{section}")
        for table, order in i18n.CORE_ORDERS.items():
            for key in order:
                assert i18n.core_label(table, key, lang) != "", (table, key)


def test_info_page_follows_netlogo_and_cites_the_sources() -> None:
    for lang in LANGS:
        info = translator(lang).data["info"]
        assert list(info) == list(components.INFO_SECTIONS)
        credits = info["credits"]["body"]
        for cited in ("Le RAMEAU", "PHARE", "Seed" if lang == "en" else "Texte",
                      "Les territoires au cœur de la co-construction"):
            assert cited in credits, (lang, cited)
        for seed in ("000", "001", "002", "003", "004"):
            assert seed in credits, (lang, seed)
        assert "17" in info["notice"]["body"] and "46" in info["notice"]["body"]


def test_monitors_name_real_indicators(stepped: TerritoryModel) -> None:
    for m in monitors.MONITORS:
        assert m.name in stepped.indicators or m.name in monitors.POPULATION, m.name
    sections = monitors.monitor_sections(stepped, translator("fr"))
    values = {i["name"]: i["value"] for s in sections for i in s["items"]}
    labels = {i["name"]: i["label"] for s in sections for i in s["items"]}
    assert values["month"] == "6"
    assert values["n_firms"] == "120"
    assert values["firms_partnered"].endswith("\u00a0%") and "," in values["firms_partnered"]
    # a month is written as a month, never "Année 07/2010"
    assert labels["year"] == "Date" and values["year"] == "juillet 2010"
    assert translator("en").date(2010 + 6 / 12) == "July 2010"


def test_every_indicator_has_a_label_in_both_languages() -> None:
    """The French CSV names its columns; an indicator the model adds fails here until named."""
    from terrisim.model import indicator_names

    for lang in LANGS:
        tr = translator(lang)
        for name in indicator_names():
            assert tr.indicator_label(name) != name, (lang, name)
    fr = translator("fr")
    assert fr.indicator_label("fragility_health") == "Fragilité : Santé"
    assert fr.indicator_label("active_economic_associative").endswith("entreprise – association")


def test_plurals_and_dates_follow_the_language() -> None:
    en, fr = translator("en"), translator("fr")
    assert en.plural("ui.params_pending", 1) == "1 change waiting for Reset"
    assert en.plural("ui.params_pending", 2) == "2 changes waiting for Reset"
    assert fr.plural("ui.params_pending", 1) == "1 changement en attente de réinitialisation"
    assert fr.plural("ui.params_pending", 0).startswith("0 changement ")
    for tr in (en, fr):                  # never "change(s)", "projet(s) pilote(s)"
        assert "(s)" not in "".join(str(v) for v in flatten(tr.data).values())
    assert fr.date(2012 + 1 / 12) == "février 2012" and en.date(2012 + 11 / 12) == "December 2012"
    js = fr.browser_texts()
    assert js["decimal"] == "," and js["months"][0] == "janv."


def test_every_tooltip_detail_is_translated(stepped: TerritoryModel) -> None:
    keys = set()
    for agent in stepped.agents:
        keys |= set(agent.details())
    for lang in LANGS:
        table = translator(lang).data["details"]
        assert keys - {"type", "id"} <= set(table), (lang, keys - set(table))
    tr = translator("fr")
    firm = next(a for a in stepped.agents if getattr(a, "kind", "") == "firm")
    tip = describe(stepped, {"what": "org", "id": firm.index, "key": "k"}, "health", tr)
    rows = dict(tip["rows"])
    assert tip["title"].startswith("Entreprise")
    assert rows["Maturité"] in {"Non sensibilisée", "Sensibilisée", "Impliquée", "Engagée"}
    assert rows["Commune"] == str(firm.commune + 1)        # communes counted from 1
    cell = describe(stepped, {"what": "cell", "x": 1, "y": 2, "key": "c"}, "health", tr)
    assert cell["title"].startswith("Commune") and any("Santé" in r[0] for r in cell["rows"])
    k = int(stepped.territory.commune_of_cell[1, 2])
    region = int(stepped.territory.region_of_bassin[stepped.territory.bassin[k]]) + 1
    assert ["Région", str(region)] in cell["rows"]           # the mountain lesson asks about them
    assert describe(stepped, {"what": "org", "id": 10**6, "key": "x"}, "none", tr) is None


# -- session logic -----------------------------------------------------------------------------
def test_parse_value_accepts_both_languages() -> None:
    assert parse_value(float, "0,5") == 0.5
    assert parse_value(float, "1e-3") == 0.001
    assert parse_value(int, "1\u202f500") == 1500
    assert parse_value(int, "12.0") == 12 and isinstance(parse_value(int, "12.0"), int)
    assert parse_value(int, 12.5) == 12.5           # the range check refuses it later
    assert parse_value(bool, "false") is False and parse_value(bool, True) is True
    with pytest.raises(ValueError):
        parse_value(float, "abc")
    with pytest.raises(ValueError):
        parse_value(float, "nan")


def test_edits_wait_for_reset_then_the_model_reflects_them(tiny: Scenario) -> None:
    sim = Simulation(tiny, seed=5)
    before = sim.model
    assert sim.edit("n_firms", "80") is None
    assert sim.edit("trust_building_time", "12,5") is None
    assert sim.pending == {"n_firms": 80, "trust_building_time": 12.5}
    assert monitors.population(sim.model)["n_firms"] == 120      # not applied yet
    sim.reset()
    assert sim.model is not before and sim.pending == {}
    assert monitors.population(sim.model)["n_firms"] == 80
    assert sim.model.params.trust_building_time == 12.5
    # going back to the current value is not an edit
    assert sim.edit("n_firms", 80) is None and sim.pending == {}


def test_invalid_edits_are_refused_with_a_reason(tiny: Scenario) -> None:
    sim = Simulation(tiny, seed=5)
    assert sim.edit("n_catalysts", "-1") is not None
    assert sim.edit("steps", "twelve") is not None
    assert sim.edit("operator_drift", True) is None
    assert set(sim.errors) == {"n_catalysts", "steps"}
    assert sim.pending == {"operator_drift": True}
    # the reason names the field as the form labels it and the values it takes, in either
    # language; never Python's own words
    en, fr = translator("en"), translator("fr")
    assert messages.field_error(sim.errors["steps"], en) == (
        "Months simulated: must be an integer from 1 to 360 months (typed: twelve). "
        "(The model itself accepts up to 600: use terrisim run for larger territories.)")
    text = messages.field_error(sim.errors["steps"], fr)
    assert text.startswith("Mois simulés : doit être un nombre entier de 1 à 360 mois")
    assert "could not convert" not in text and "must" not in text
    # consistent one by one, inconsistent together: refused at Reset, model kept
    sim.edit("share_pme", 0.9)
    sim.edit("share_eti", 0.2)
    problem = sim.candidate_error()
    assert problem is not None and problem.key == "share_eti"
    said = messages.constraint_error(problem, sim.candidate_values(), fr)
    assert said == ("Part d'ETI : Part de PME + Part d'ETI ne doivent pas dépasser 100 % "
                    "(actuellement 90\u00a0% + 20\u00a0%).")
    assert messages.constraint_error(problem, sim.candidate_values(), en) == (
        "Share of ETI (mid-size): Share of PME (SMEs) + Share of ETI (mid-size) must not exceed "
        "100 % (now 90\u00a0% + 20\u00a0%).")
    model = sim.model
    with pytest.raises(ResetRefused):
        sim.reset()
    assert sim.model is model
    sim.undo()
    assert sim.pending == {} and sim.errors == {} and sim.candidate_error() is None


def test_every_cross_parameter_rule_is_worded_in_both_languages() -> None:
    """The keys the scenario's consistency rules name, read from its source: a rule the model
    adds fails here until it has its two sentences (the app meanwhile shows the English)."""
    import inspect

    keys = set(re.findall(r'ScenarioError\(source, "(\w+)"',
                          inspect.getsource(Scenario._check_consistency)))
    assert len(keys) >= 8
    values = Scenario().to_dict()
    for lang in LANGS:
        tr = translator(lang)
        assert keys <= set(tr.data["constraints"]), (lang, keys - set(tr.data["constraints"]))
        for key in keys:
            text = messages.constraint_error(ScenarioError("app", key, "x"), values, tr)
            assert "{" not in text and text.startswith(tr.param_label(key)), (lang, key)


def test_allowed_values_are_worded_from_the_spec_in_both_languages() -> None:
    en, fr = translator("en"), translator("fr")
    for spec in Scenario.specs().values():
        assert messages.allowed(spec, en) == spec.allowed()
        text = messages.allowed(spec, fr)
        assert text and "{" not in text and "from" not in text, spec.name
        if spec.type in (int, float) and spec.lo is not None:
            assert fr.number(float(spec.lo), 0 if float(spec.lo).is_integer() else 1)[0] in text
    specs = Scenario.specs()
    assert messages.allowed(specs["cell_km"], fr) == "un nombre de 0,1 à 5 km"
    assert messages.allowed(specs["catalyst_origin"], fr).startswith("l'une des valeurs « ")
    # the app's limit is the bound it states
    assert messages.allowed(specs["n_firms"], en, cap=4000) == "an integer from 0 to 4000 firms"


def test_a_refused_seed_keeps_the_run_and_says_why() -> None:
    """Defects: ``-1`` in Seed replaced the page by a traceback; letters or decimals were
    refused in red but Reset silently used the last valid seed."""
    from terrisim.app.messages import SEED_SPEC, FieldError, field_error, parse_seed

    for typed in ("-1", "abc", "1.5", "", "4294967296"):
        assert isinstance(parse_seed(typed), FieldError), typed
    assert parse_seed(" 12 ") == 12 and parse_seed("4\u202f294") == 4294
    assert SEED_SPEC.hi == 2**32 - 1
    tiny = Scenario(width=20, height=20, n_communes=4, n_bassins=1, n_firms=30,
                    n_associations=10, n_catalysts=1, steps=6)
    sim = Simulation(tiny, seed=42)
    sim.step()
    model = sim.model
    assert sim.set_seed("-1") is not None
    with pytest.raises(ResetRefused) as refused:
        sim.reset()
    assert sim.model is model and sim.model.month == 1 and sim.seed == 42
    assert field_error(refused.value.field, translator("fr")) == (
        "Graine : doit être un nombre entier de 0 à 4\u202f294\u202f967\u202f295 (saisi : -1).")
    assert "seed42" in sim.filename("csv")
    assert sim.set_seed("7") is None
    sim.reset()
    assert sim.seed == 7 and sim.model.seed == 7 and "seed7" in sim.filename("csv")


def test_app_limits_bound_edits_but_not_the_teachers_scenario(tiny: Scenario) -> None:
    from terrisim.app.capacity import LIMITS

    sim = Simulation(tiny, seed=1)
    assert sim.edit("n_firms", LIMITS["n_firms"]) is None
    error = sim.edit("n_firms", LIMITS["n_firms"] + 1)
    assert error is not None and error.cap == LIMITS["n_firms"]
    for lang, word in (("en", "use terrisim run"), ("fr", "utilisez terrisim run")):
        assert word in messages.field_error(error, translator(lang))
    big = tiny.replace(n_firms=int(LIMITS["n_firms"]) + 500)
    sim = Simulation(big, seed=1)                      # a scenario file beyond the limit runs
    assert sim.edit("n_firms", big.n_firms) is None    # and keeps its value
    rows = {r["name"]: r for r in components.teacher_rows(sim, translator("en"))}
    assert rows["n_catalysts"]["limit"] == f"App limit: {int(LIMITS['n_catalysts'])} catalysts."
    assert rows["n_catalysts"]["max"] <= LIMITS["n_catalysts"]


def test_step_stops_at_the_horizon_and_ignores_a_replaced_model(tiny: Scenario) -> None:
    sim = Simulation(tiny.replace(steps=3), seed=1)
    old = sim.model
    assert sim.step() and sim.step()
    assert not sim.step()                  # month 3 = horizon
    assert sim.model.month == 3 and not sim.step() and sim.model.month == 3
    sim.reset()
    assert not sim.step(old)               # a Play loop started on the old model stops
    assert sim.model.month == 0


def test_csv_export_has_every_indicator_and_records_what_made_the_run(tiny: Scenario) -> None:
    """Defect: exports after a parameter change kept the baseline's file name and recorded
    neither parameters nor seed."""
    from terrisim.scenario import scenario_from_mapping

    sim = Simulation(tiny, seed=2)
    for _ in range(4):
        sim.step()
    text = sim.csv(translator("en"))
    comments = [line[2:] for line in text.splitlines() if line.startswith("# ")]
    df = pd.read_csv(io.StringIO(text), comment="#")
    assert list(df.columns[:2]) == ["month", "year"]
    assert set(sim.model.indicators) == set(df.columns)
    assert df["month"].tolist() == [0, 1, 2, 3, 4]
    assert "seed 2, month 4" in comments
    toml = "\n".join(comments[comments.index(translator("en")("export.parameters")) + 1:])
    import tomllib

    assert scenario_from_mapping(tomllib.loads(toml)) == tiny       # every parameter recorded
    assert sim.filename("csv") == f"terrisim-{tiny.name}-seed2.csv"
    sim.edit("n_catalysts", 0)
    sim.edit("trust_building_time", 12.5)
    sim.reset(seed=9)
    assert sim.filename("csv") == (f"terrisim-{tiny.name}-trust_building_time=12.5-"
                                   "n_catalysts=0-seed9.csv")
    for name in ("steps", "n_firms", "n_associations"):
        sim.edit(name, getattr(sim.base, name) - 1)
    sim.reset()
    assert "-and2more-seed9" in sim.filename("csv")
    # French: what French spreadsheets expect, and columns named in French
    fr = sim.csv(translator("fr"))
    head = next(line for line in fr.splitlines() if not line.startswith("#"))
    assert head.startswith("Mois [month];Date [year];") and "Alliances actives [alliances_active]" \
        in head
    assert "graine 9, mois 0" in fr and "changements par rapport à" in fr
    back = pd.read_csv(io.StringIO(fr), comment="#", sep=";", decimal=",")
    assert back.shape[1] == len(sim.model.indicators)


def test_lessons_load_their_scenarios(tiny: Scenario) -> None:
    directory, _ = lessons.find_lessons_dir()
    assert directory == ROOT / "scenarios" / "lessons"
    baseline = Scenario.specs()
    loaded = {lesson.id: lessons.load_lesson(lesson.id, directory) for lesson in lessons.LESSONS}
    assert loaded["no_catalyst"].n_catalysts == 0
    assert loaded["one_catalyst"].n_catalysts == 1
    assert loaded["operator"].operator_drift and loaded["operator"].n_catalysts == 1
    assert loaded["impatient_funder"].funding_horizon < baseline["funding_horizon"].default
    assert loaded["mountain"].mountain_share > 0 and loaded["mountain"].n_regions > 1
    for lesson in lessons.LESSONS:
        assert lesson.page in components.PAGES
    sim = Simulation(tiny, seed=4)
    sim.edit("n_firms", 60)
    sim.load_lesson("no_catalyst")
    assert sim.lesson == "no_catalyst" and sim.pending == {}
    assert monitors.population(sim.model)["n_catalysts"] == 0
    sim.leave_lesson()
    assert sim.lesson is None and sim.model.params == tiny


# -- drawing data ------------------------------------------------------------------------------
def test_map_and_network_payloads_match_the_model(stepped: TerritoryModel) -> None:
    static = views.map_static(stepped)
    terr, orgs = stepped.territory, stepped.orgs
    assert len(static["commune"]) == static["w"] * static["h"] == terr.width * terr.height
    # row-major by y: cell (x, y) is at y * w + x
    x, y = 3, 7
    assert static["commune"][y * static["w"] + x] == terr.commune_of_cell[x, y]
    assert len(static["x"]) == len(static["kind"]) == orgs.n
    # positions stay inside their own cell, and never move between frames
    assert np.all(np.floor(static["x"]) == orgs.x) and np.all(np.floor(static["y"]) == orgs.y)
    assert views.map_static(stepped) is static
    frame = views.map_frame(stepped, "health")
    assert len(frame["state"]) == orgs.n and len(frame["values"]) == terr.n_communes
    allied = np.array(frame["state"]) >= 4
    assert np.array_equal(allied, orgs.active > 0)
    assert views.map_frame(stepped, "none")["values"] is None
    net = views.network_frame(stepped)
    assert len(net["a"]) == int(stepped.indicators["alliances_active"]) == len(net["kind"])


def test_chart_data_cover_every_month(stepped: TerritoryModel) -> None:
    specs = charts.chart_specs(stepped, translator("en"))
    assert set(specs) == set(charts.CHARTS)
    months = stepped.month + 1
    for name, series in charts.CHART_SERIES.items():
        assert len(specs[name]["x"]) == months
        drawn = np.array([s["values"] for s in specs[name]["series"]], dtype=float)
        recorded = np.array([stepped.datacollector.model_vars[ind] for ind in series])
        assert np.allclose(drawn, recorded, atol=0.051), name      # rounded for the browser
        assert all(len(s["values"]) == months for s in specs[name]["series"])
    ladder = np.array([s["values"] for s in specs["ladder"]["series"]]).sum(axis=0)
    assert np.allclose(ladder, 1.0, atol=1e-3)          # shares of firms add up
    survey = specs["stages"]["groups"][-1]["values"]
    assert survey == [0.24, 0.46, 0.13, 0.17]            # none, emerging, growing, anchored
    # "catalyst days operating" is charted, next to the days animating
    assert [s["label"] for s in specs["catalyst_time"]["series"]] == [
        "Days animating (dialogue, introductions, experiments)", "Days operating projects"]


def test_parameter_editor_is_generated_from_the_specs(tiny: Scenario) -> None:
    sim = Simulation(tiny, seed=1)
    sim.edit("n_catalysts", 5)
    groups = components.param_groups(sim, translator("fr"))
    # the teacher's set: at most eight of the scenario's own parameters, shown first
    assert 0 < len(components.TEACHER_PARAMS) <= 8
    assert set(components.TEACHER_PARAMS) <= set(Scenario.specs())
    teacher = components.teacher_rows(sim, translator("fr"))
    assert [r["name"] for r in teacher] == list(components.TEACHER_PARAMS)
    rows = {r["name"]: r for g in groups for r in g["rows"]}
    specs = Scenario.specs()
    assert set(rows) == {n for n, s in specs.items() if s.group != "meta"}
    assert [g["id"] for g in groups] == [g for g in GROUPS if g != "meta"]
    assert rows["n_catalysts"]["pending"] and rows["n_catalysts"]["display"] == "5 catalyseurs"
    assert rows["n_catalysts"]["now"] == f"actuellement {tiny.n_catalysts} catalyseurs"
    assert rows["operator_drift"]["kind"] == "bool"
    assert rows["catalyst_origin"]["kind"] == "choice"
    assert rows["cell_km"]["text"] == "0,5"
    for row in rows.values():
        if row["kind"] == "number":
            assert row["min"] <= row["value"] <= row["max"], row["name"]
    lo, hi, _ = components.slider_range(specs["n_firms"], 1500)
    assert lo == 0 and 1500 < hi < specs["n_firms"].hi      # usable, not 0–500,000
    assert components.slider_range(specs["n_firms"], 100000)[1] >= 100000


# -- command and assets ------------------------------------------------------------------------
def test_command_refuses_bad_input_with_one_line(capsys: pytest.CaptureFixture[str],
                                                 tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    assert cli_main(["app", str(tmp_path / "missing.toml")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "file not found" in err
    assert cli_main(["app", "--port", "70000"]) == 2
    assert "--port" in capsys.readouterr().err
    monkeypatch.setenv(assets.ENV_ASSETS_DIR, str(tmp_path / "empty"))
    monkeypatch.delenv("SOLARA_ASSETS_PROXY_CACHE_DIR", raising=False)
    assert cli_main(["app"]) == 2
    assert "build_assets.sh" in capsys.readouterr().err


def test_command_module_is_light_and_listens_locally_by_default() -> None:
    code = ("import sys, argparse, terrisim.app.command as c; p = argparse.ArgumentParser(); "
            "c.add_arguments(p); a = p.parse_args([]); "
            "print(a.host, 'solara' in sys.modules, 'mesa' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.split()
    assert out == ["127.0.0.1", "False", "False"]


def test_asset_list_is_derived_from_the_installed_solara(tmp_path: Path) -> None:
    files = assets.asset_files()
    packages = assets.npm_packages(files)
    assert any(f.startswith("@widgetti/solara-vuetify-app@") for f in files)
    assert any(f.startswith("requirejs@") and f.endswith("/require.js") for f in files)
    assert not any("vuetify3" in f for f in files)          # ipyvue < 3 is pinned: Vue 2 only
    assert all("{" not in f and "$" not in f for f in files)
    assert all(f.split("/")[0 if not f.startswith("@") else 1].count("@") == 1 for f in files)
    assert "requirejs@2.3.6" in packages and len(packages) < len(files)
    assert set(assets.missing_files(tmp_path)) == set(files)


def test_the_asset_cache_is_complete_after_setup() -> None:
    """`scripts/setup.sh --browser` ran `scripts/build_assets.sh`: the app can run offline."""
    if not (ROOT / ".venv").exists():
        pytest.skip("not a set-up checkout")
    assert assets.missing_files() == [], "run: bash scripts/build_assets.sh"


def test_organisation_agents_are_found_for_tooltips(stepped: TerritoryModel) -> None:
    agents = [a for a in stepped.agents if isinstance(a, OrganisationAgent)]
    assert len(agents) == stepped.orgs.n


def test_no_stale_interface_strings() -> None:
    """Every ``ui.*`` string is used by the code (a renamed key leaves no orphan behind)."""
    source = _source()
    for key in translator("en").data["ui"]:
        assert re.search(rf"""["']ui\.{key}["']""", source), key


@pytest.mark.parametrize("name", ["figure.vue", "params.vue", "export_png.vue", "event_log.vue",
                                  "session_keeper.vue", "monitors.vue", "rows_table.vue"])
def test_vue_components_define_module_exports(name: str) -> None:
    """The browser evaluates each template's script with ``new Function("module", "exports",
    …)`` (ipyvue); a syntax error would leave a blank figure, so check it here with node."""
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    text = (APP_SRC / name).read_text(encoding="utf-8")
    assert text.count("<template>") == 1 and text.count("<script>") == 1
    script = text.split("<script>", 1)[1].split("</script>", 1)[0]
    check = ("const m = {exports: {}}; new Function('module', 'exports', "
             "require('fs').readFileSync(0, 'utf8'))(m, m.exports); "
             "console.log(Object.keys(m.exports).join(','))")
    out = subprocess.run([node, "-e", check], input=script, capture_output=True, text=True,
                         check=True).stdout.strip().split(",")
    assert "methods" in out or "computed" in out
