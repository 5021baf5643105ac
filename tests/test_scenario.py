"""Scenario files: loading, inheritance, and clear errors for every kind of bad input."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from terrisim.runner import parameters_markdown
from terrisim.scenario import Scenario, ScenarioError, load_scenario

from .conftest import ROOT, SCENARIOS


def write(tmp_path: Path, text: str, name: str = "s.toml") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_every_parameter_has_unit_range_and_meaning() -> None:
    for spec in Scenario.specs().values():
        assert spec.help and spec.unit and spec.group
        if spec.type in (int, float):
            assert spec.lo is not None and spec.hi is not None and spec.lo <= spec.hi
            assert spec.lo <= spec.default <= spec.hi, spec.name


def test_grouped_and_flat_files_and_base_inheritance(tmp_path: Path) -> None:
    base = write(tmp_path, 'name = "b"\n[trust]\ntrust_building_time = 30\n', "b.toml")
    child = write(tmp_path, 'base = "b.toml"\nname = "c"\nn_catalysts = 0\n', "c.toml")
    s = load_scenario(child)
    assert (s.name, s.trust_building_time, s.n_catalysts) == ("c", 30.0, 0)
    assert isinstance(s.trust_building_time, float)  # int in TOML, float parameter
    assert load_scenario(base).n_catalysts == Scenario().n_catalysts


@pytest.mark.parametrize(
    ("text", "key", "fragment"),
    [
        ("trust_buildng_time = 12\n", "trust_buildng_time", "did you mean 'trust_building_time'"),
        ("n_firms = 'many'\n", "n_firms", "an integer from 0 to 20000000"),
        ("trust_building_time = -3\n", "trust_building_time", "from 1 to 120 months"),
        ("operator_drift = 1\n", "operator_drift", "true or false"),
        ("catalyst_origin = 'martian'\n", "catalyst_origin", '"public"'),
        ("n_catalysts = 2.5\n", "n_catalysts", "an integer"),
        ("[trust]\nn_firms = 3\n", "trust.n_firms", "belongs to table [actors]"),
        ("[weather]\nrain = 3\n", "weather", "unknown table"),
        ("n_regions = 5\nn_bassins = 2\n", "n_regions", "must not exceed n_bassins"),
        ("alliance_threshold = nan\n", "alliance_threshold", "a number"),
    ],
)
def test_bad_values_name_file_key_and_allowed(tmp_path: Path, text: str, key: str,
                                              fragment: str) -> None:
    p = write(tmp_path, text)
    with pytest.raises(ScenarioError) as err:
        load_scenario(p)
    msg = str(err.value)
    assert str(p) in msg and f"'{key}'" in msg and fragment in msg


def write_bytes(p: Path, data: bytes) -> Path:
    p.write_bytes(data)
    return p


@pytest.mark.parametrize(
    ("setup", "fragment"),
    [
        (lambda d: d / "missing.toml", "file not found"),
        (lambda d: d, "is a directory"),
        (lambda d: write(d, "n_firms = = 3\n"), "is not valid TOML"),
        (lambda d: write(d, 'base = "nowhere.toml"\n'), "not found"),
        (lambda d: write(d, 'base = "s.toml"\n'), "cycle"),
        (lambda d: write_bytes(d / "bin.toml", b"\xff\xfe\x00bad"), "cannot be read"),
    ],
)
def test_unusable_files_are_reported(tmp_path: Path, setup, fragment: str) -> None:
    with pytest.raises(ScenarioError) as err:
        load_scenario(setup(tmp_path))
    assert fragment in str(err.value)


@pytest.mark.skipif(os.geteuid() == 0, reason="root can read any file")
def test_unreadable_file(tmp_path: Path) -> None:
    p = write(tmp_path, "n_firms = 3\n")
    p.chmod(0)
    with pytest.raises(ScenarioError, match="cannot be read"):
        load_scenario(p)


def test_parameters_reference_is_up_to_date() -> None:
    doc = (ROOT / "docs" / "parameters.md").read_text(encoding="utf-8")
    assert doc.strip() == parameters_markdown().strip(), \
        "regenerate with: terrisim params --markdown > docs/parameters.md"


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "terrisim.cli", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=300)


def test_cli_bad_scenario_is_one_line_without_traceback(tmp_path: Path) -> None:
    p = write(tmp_path, "trust_building_time = 500\n")
    r = cli("run", str(p), cwd=tmp_path)
    assert r.returncode == 2
    assert "Traceback" not in r.stderr
    assert r.stderr.strip().startswith("error:") and len(r.stderr.strip().splitlines()) == 1
    assert "trust_building_time" in r.stderr and "from 1 to 120" in r.stderr
    r = cli("run", str(tmp_path / "none.toml"), cwd=tmp_path)
    assert r.returncode == 2 and "file not found" in r.stderr and "Traceback" not in r.stderr


def test_cli_run_writes_reproducible_outputs_with_provenance(tmp_path: Path) -> None:
    import json

    import pandas as pd

    from terrisim.simulate import read_parquet_metadata

    scen = SCENARIOS / "baseline.toml"
    r1 = cli("run", str(scen), "--seed", "5", "--steps", "6", "--out", "a", "--quiet",
             cwd=tmp_path)
    assert r1.returncode == 0, r1.stderr
    assert "firms with a cross-sector partnership" in r1.stdout
    r2 = cli("run", str(scen), "--seed", "5", "--steps", "6", "--out", "b", "--quiet",
             cwd=tmp_path)
    r3 = cli("run", str(scen), "--seed", "6", "--steps", "6", "--out", "c", "--quiet",
             cwd=tmp_path)
    assert r2.returncode == r3.returncode == 0
    a = (tmp_path / "a" / "indicators.csv").read_text()
    assert a == (tmp_path / "b" / "indicators.csv").read_text()
    assert a != (tmp_path / "c" / "indicators.csv").read_text()
    df = pd.read_parquet(tmp_path / "a" / "indicators.parquet")
    assert len(df) == 7 and (df["seed"] == 5).all() and (df["scenario"] == "baseline").all()
    meta = read_parquet_metadata(tmp_path / "a" / "indicators.parquet")
    assert meta["seed"] == 5 and meta["scenario"]["steps"] == 6
    assert json.loads((tmp_path / "a" / "run.json").read_text())["seed"] == 5
    rerun = load_scenario(tmp_path / "a" / "scenario.toml")
    assert rerun.to_dict() == load_scenario(scen, {"steps": 6}).to_dict()
