"""terrisim as a library: Mesa's conventions, the public API, shipped files, provenance."""

from __future__ import annotations

import json
import multiprocessing
import os
import shutil
import subprocess
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

import terrisim
from terrisim import cli
from terrisim.apidoc import api_markdown
from terrisim.resources import find_experiment, find_scenario, shipped_dir, shipped_names
from terrisim.simulate import RESULT_LIBRARIES, read_parquet_metadata, source_revision

from .conftest import ROOT

#: A territory small enough for many runs in a test (every mechanism still on).
TINY = {"width": 20, "height": 20, "n_communes": 6, "n_bassins": 2, "n_firms": 120,
        "n_associations": 40}


# -- Mesa conventions --------------------------------------------------------------------------
@pytest.fixture
def restore_start_method() -> Iterator[None]:
    """``mesa.batch_run`` forces the 'spawn' start method on the whole process; put it back."""
    previous = multiprocessing.get_start_method(allow_none=True)
    yield
    multiprocessing.set_start_method(previous, force=True)


def test_batch_run_over_two_parameters_returns_tidy_rows(restore_start_method: None) -> None:
    import mesa

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)   # Mesa deprecates iterations=
        rows = mesa.batch_run(terrisim.TerritoryModel,
                              parameters={"n_catalysts": [0, 3], "trust_building_time": [6, 24],
                                          **TINY},
                              iterations=3, max_steps=24, display_progress=False)
    df = pd.DataFrame(rows)
    assert len(df) == 2 * 2 * 3
    counts = df.groupby(["n_catalysts", "trust_building_time"]).size()
    assert counts.to_dict() == {(0, 6): 3, (0, 24): 3, (3, 6): 3, (3, 24): 3}
    assert sorted(df["iteration"].unique()) == [0, 1, 2]
    assert (df["Step"] == 24).all() and (df["month"] == 24).all()   # the final month each
    assert df["n_catalysts"].dtype.kind == "i" and df["trust_building_time"].dtype.kind == "i"
    assert set(terrisim.TerritoryModel(rng=0, steps=1, **TINY).indicators) <= set(df.columns)
    # with seeds instead of iterations, each row is the model built by hand with that seed
    rows = mesa.batch_run(terrisim.TerritoryModel, parameters={"n_catalysts": 3, **TINY},
                          rng=[11], max_steps=24, display_progress=False)
    by_hand = terrisim.TerritoryModel(rng=11, n_catalysts=3, **TINY)
    by_hand.run(24)
    assert rows[0]["alliances_formed_total"] == by_hand.indicators["alliances_formed_total"]
    assert rows[0]["mean_trust"] == by_hand.indicators["mean_trust"]


def test_keyword_model_equals_the_run_of_the_same_scenario_file(tmp_path: Path,
                                                                capsys) -> None:
    (tmp_path / "s.toml").write_text("n_catalysts = 0\nsteps = 18\n" + "".join(
        f"{k} = {v}\n" for k, v in TINY.items()), encoding="utf-8")
    assert cli.main(["run", str(tmp_path / "s.toml"), "--seed", "3", "--out",
                     str(tmp_path / "out"), "--quiet"]) == 0
    # the summary says one seed is one draw, and how to compare over many (this same file)
    assert f"terrisim validate {tmp_path / 's.toml'}` compares" in capsys.readouterr().out
    from_file = pd.read_parquet(tmp_path / "out" / "indicators.parquet")
    model = terrisim.TerritoryModel(n_catalysts=0, rng=3, steps=18, **TINY)
    model.run()
    by_keyword = model.dataframe().reset_index(drop=True)
    pd.testing.assert_frame_equal(from_file.drop(columns=["scenario", "seed"]), by_keyword,
                                  check_dtype=False)
    assert not model.running                  # Mesa's batch_run and SolaraViz stop here
    assert model.params.n_catalysts == 0 and model.seed == 3


def test_a_mesa_scenario_builds_the_same_model_as_keywords() -> None:
    from mesa.experimental.scenarios import Scenario as MesaScenario

    a = terrisim.TerritoryModel(scenario=MesaScenario(rng=5, n_catalysts=1, steps=6, **TINY))
    b = terrisim.TerritoryModel(rng=5, n_catalysts=1, steps=6, **TINY)
    a.run()
    b.run()
    assert a.params == b.params and a.seed == 5
    pd.testing.assert_frame_equal(a.dataframe(), b.dataframe())
    with pytest.raises(TypeError, match="terrisim Scenario"):
        terrisim.TerritoryModel(scenario={"n_catalysts": 1})


# -- the public API ----------------------------------------------------------------------------
def test_import_terrisim_is_light_and_every_public_name_resolves() -> None:
    code = ("import sys, terrisim; heavy = [m for m in ('numpy', 'pandas', 'mesa', 'matplotlib', "
            "'scipy') if m in sys.modules]; print(','.join(heavy))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == ""
    assert set(terrisim.__all__) == {"__version__", *terrisim._EXPORTS}
    for name in terrisim.__all__:
        assert getattr(terrisim, name) is not None
    with pytest.raises(AttributeError):
        _ = terrisim.no_such_name


def test_simulate_is_the_function_even_after_its_module_is_imported() -> None:
    import terrisim.simulate as module_or_function  # noqa: F401  (the shadowing case)
    from terrisim.simulate import run_simulation

    assert callable(terrisim.simulate) and terrisim.simulate.__module__ == "terrisim.api"
    df = terrisim.simulate("baseline", seed=4, steps=6, **TINY)
    scenario = terrisim.load_scenario("baseline").replace(steps=6, **TINY)
    pd.testing.assert_frame_equal(df, run_simulation(scenario, 4))
    assert list(df["month"]) == list(range(7))


def test_python_m_terrisim_runs_the_command_line() -> None:
    out = subprocess.run([sys.executable, "-m", "terrisim", "--version"], capture_output=True,
                         text=True, check=True)
    assert out.stdout.strip() == f"terrisim {terrisim.__version__}"
    bad = subprocess.run([sys.executable, "-m", "terrisim", "run", "basline"],
                         capture_output=True, text=True)
    assert bad.returncode == 2 and "did you mean 'baseline'" in bad.stderr
    assert "Traceback" not in bad.stderr and len(bad.stderr.strip().splitlines()) == 1


def test_api_page_is_up_to_date() -> None:
    """docs/api.md is `python -m terrisim.apidoc` (regenerate it after changing a docstring)."""
    assert (ROOT / "docs" / "api.md").read_text(encoding="utf-8") == api_markdown()


def test_an_experiment_from_a_dict_equals_the_same_file(tmp_path: Path) -> None:
    data = {"experiment": {"name": "d", "scenario": "baseline", "seed": 9, "replications": 2},
            "overrides": {"steps": 6, **TINY},
            "factors": {"n_catalysts": {"values": [0, 2]}},
            "design": {"type": "full_factorial"}}
    lines = ['[experiment]\nname = "d"\nscenario = "baseline"\nseed = 9\nreplications = 2\n',
             "[overrides]\nsteps = 6\n" + "".join(f"{k} = {v}\n" for k, v in TINY.items()),
             "[factors]\nn_catalysts = { values = [0, 2] }\n",
             '[design]\ntype = "full_factorial"\n']
    (tmp_path / "d.toml").write_text("\n".join(lines), encoding="utf-8")
    from_dict = terrisim.Experiment.from_dict(data)
    from_file = terrisim.Experiment.from_file(tmp_path / "d.toml")
    for attr in ("name", "base", "factors", "design", "replications", "seed", "output"):
        assert getattr(from_dict, attr) == getattr(from_file, attr), attr
    summary = terrisim.run_sweep(data, tmp_path / "res", serial=True, progress=False)
    assert summary.complete and summary.executed == 4
    assert len(terrisim.read_results(tmp_path / "res")) == 4
    with pytest.raises(terrisim.UserError, match=r"experiment\.seed"):
        terrisim.Experiment.from_dict({**data, "experiment": {"scenario": "baseline"}})


# -- shipped files and names -------------------------------------------------------------------
def test_every_scenario_and_experiment_file_of_the_repository_is_shipped() -> None:
    for kind in ("scenarios", "experiments"):
        on_disk = sorted(p.relative_to(ROOT / kind).with_suffix("").as_posix()
                         for p in (ROOT / kind).rglob("*.toml"))
        assert on_disk and shipped_names(kind) == on_disk
    assert "baseline" in shipped_names("scenarios") and "quick" in shipped_names("experiments")


def test_names_resolve_from_any_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                          ) -> None:
    monkeypatch.chdir(tmp_path)
    assert find_scenario("baseline") == shipped_dir("scenarios") / "baseline.toml"
    assert find_scenario("lessons/mountain").name == "mountain.toml"
    assert find_experiment("quick") == shipped_dir("experiments") / "quick.toml"
    assert terrisim.load_scenario("lessons/mountain").mountain_share > 0
    with pytest.raises(terrisim.UserError, match=r"did you mean 'baseline'.*shipped scenarios"):
        find_scenario("basline")
    # a path is a path: no name lookup for something ending in .toml
    with pytest.raises(terrisim.UserError, match="file not found"):
        terrisim.load_scenario("baseline.toml")


def test_init_copies_an_editable_project_whose_names_resolve_first(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture) -> None:
    project = tmp_path / "mine"
    assert cli.main(["init", str(project)]) == 0
    assert "scenarios" in capsys.readouterr().out
    assert sorted(p.name for p in (project / "experiments").glob("*.toml")) == sorted(
        p.name for p in (ROOT / "experiments").glob("*.toml"))
    assert (project / "scenarios" / "lessons" / "mountain.toml").is_file()
    assert (project / "examples" / "01_first_run.ipynb").is_file()
    # running twice never overwrites someone's edits
    assert cli.main(["init", str(project)]) == 2
    assert "already exists" in capsys.readouterr().err
    # edit the copy: names now resolve to it, from the project and from its experiments
    baseline = project / "scenarios" / "baseline.toml"
    baseline.write_text('name = "mine"\nn_catalysts = 5\n', encoding="utf-8")
    monkeypatch.chdir(project)
    assert terrisim.load_scenario("baseline").n_catalysts == 5
    monkeypatch.chdir(tmp_path)
    exp = terrisim.Experiment.from_file(project / "experiments" / "quick.toml")
    assert exp.scenario_path == baseline.resolve()
    assert exp.base["n_catalysts"] == 5


def test_an_experiment_copied_alone_finds_its_scenario_by_name_or_relative_path(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    alone = tmp_path / "elsewhere" / "quick.toml"
    alone.parent.mkdir()
    shutil.copy(ROOT / "experiments" / "quick.toml", alone)
    assert terrisim.Experiment.from_file(alone).scenario_path == (
        shipped_dir("scenarios") / "baseline.toml").resolve()
    (tmp_path / "elsewhere" / "mine.toml").write_text('base = "' + str(
        (ROOT / "scenarios" / "baseline.toml").as_posix()) + '"\nn_catalysts = 6\n',
        encoding="utf-8")
    text = alone.read_text(encoding="utf-8").replace('scenario = "baseline"',
                                                     'scenario = "mine.toml"')
    alone.write_text(text, encoding="utf-8")
    exp = terrisim.Experiment.from_file(alone)
    assert exp.scenario_path == (tmp_path / "elsewhere" / "mine.toml").resolve()
    assert exp.base["n_catalysts"] == 6
    alone.write_text(text.replace("mine.toml", "nothere"), encoding="utf-8")
    with pytest.raises(terrisim.UserError, match=r"experiment\.scenario.*'nothere'"):
        terrisim.Experiment.from_file(alone)


# -- provenance --------------------------------------------------------------------------------
def test_run_metadata_records_the_commit_and_every_library_version(tmp_path: Path) -> None:
    assert cli.main(["run", "baseline", "--steps", "2", "--seed", "1", "--quiet", "--out",
                     str(tmp_path)]) == 0
    meta = json.loads((tmp_path / "run.json").read_text())
    assert read_parquet_metadata(tmp_path / "indicators.parquet")["versions"] == meta["versions"]
    versions = meta["versions"]
    for name in ("numpy", "mesa", "SALib", "scipy", "pyarrow"):
        assert name in RESULT_LIBRARIES and versions[name] not in ("", "not installed"), name
    if shutil.which("git") and (ROOT / ".git").exists():
        head = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "HEAD"],
                              capture_output=True, text=True, check=True).stdout.strip()
        assert versions["terrisim_source"].startswith(f"git {head}")
    assert versions["terrisim_source"] == source_revision()
    assert meta["scenario_file"] == str(shipped_dir("scenarios") / "baseline.toml")


def test_license_citation_and_changelog_agree_with_the_package() -> None:
    import tomllib

    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith("MIT License")
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["license"] == "MIT"
    citation = (ROOT / "CITATION.cff").read_text(encoding="utf-8")
    assert f"version: {terrisim.__version__}" in citation and "license: MIT" in citation
    assert f"## [{terrisim.__version__}]" in (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert os.path.getsize(ROOT / "CONTRIBUTING.md") > 0
