"""Pattern-oriented validation: targets file, `terrisim validate`, ablations, a failing case."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from terrisim.errors import UserError
from terrisim.validation.targets import Comparison, load_targets
from terrisim.validation.validate import ABLATIONS, is_active, replication_seeds

from .conftest import ROOT, SCENARIOS


def test_targets_file_is_read_and_checked() -> None:
    patterns = load_targets()
    ids = {p.id for p in patterns}
    assert {"stage_anchored", "stage_growing", "stage_emerging", "stage_none",
            "firms_partnered", "associations_partnered", "first_experiment",
            "deployment"} <= ids
    stages = [p for p in patterns if p.id.startswith("stage_")]
    assert sum(p.target for p in stages) == pytest.approx(1.0)
    for p in patterns:
        assert p.source and p.tolerance > 0
        assert p.date is not None or p.when() == "end of run"
    firms = next(p for p in patterns if p.id == "firms_partnered")
    assert firms.target == 0.37 and firms.tolerance == 0.05 and firms.month(2010) == 68


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ("", "expected one or more [[pattern]]"),
        ('[[pattern]]\nid = "x"\n', "key 'label' is missing"),
        ("[[pattern]]\n" + "\n".join(f'{k} = "x"' for k in ("id", "label", "label_fr", "source",
                                                            "unit"))
         + '\nindicator = "no_such_indicator"\ntarget = 1\ntolerance = 1\nat = "end"\n',
         "is not a model indicator"),
        ("[[pattern]]\n" + "\n".join(f'{k} = "x"' for k in ("id", "label", "label_fr",
                                                            "source"))
         + '\nunit = "share"\nindicator = "firms_partnered"\ntarget = 0.3\ntolerance = 0.05\n'
           'date = "2015-13"\n', "key 'date'"),
    ],
)
def test_bad_targets_files_are_reported(tmp_path: Path, body: str, fragment: str) -> None:
    p = tmp_path / "t.toml"
    p.write_text(body)
    with pytest.raises(UserError) as err:
        load_targets(p)
    assert str(p) in str(err.value) and fragment in str(err.value)


def test_comparison_statistics() -> None:
    p = load_targets()[0]
    close = Comparison(p, np.array([p.target - 0.01, p.target, p.target + 0.01,
                                    p.target + 0.02]))
    lo, hi = close.ci
    assert lo < close.mean < hi and close.met
    assert not Comparison(p, np.full(4, p.target + 0.2)).met
    never = Comparison(p, np.array([np.nan, np.nan, np.nan, p.target]))
    assert not never.met  # the event must happen in most replications


def test_replication_seeds_are_distinct_and_reproducible() -> None:
    a = replication_seeds(2016, 50)
    assert len(set(a)) == 50 and a == replication_seeds(2016, 50)
    assert a[:10] == replication_seeds(2016, 10)
    assert a != replication_seeds(2017, 50)


def validate(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "terrisim.cli", "validate", *args, "--quiet"],
                          cwd=cwd, capture_output=True, text=True, timeout=900)


def test_calibrated_baseline_meets_every_pattern(tmp_path: Path) -> None:
    r = validate(str(SCENARIOS / "baseline.toml"), "--replications", "30", "--out", "v",
                 cwd=tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr
    table = pd.read_csv(tmp_path / "v" / "validation.csv")
    assert table["met"].all() and len(table) == len(load_targets())
    assert (table["ci_low"] <= table["mean"]).all() and (table["mean"] <= table["ci_high"]).all()
    html = (tmp_path / "v" / "validation.html").read_text()
    assert "simulated mean [95% CI]" in html and "data:image/png;base64," in html
    assert "patterns met" in r.stdout


def test_ablations_show_how_patterns_move(tmp_path: Path) -> None:
    r = validate(str(SCENARIOS / "operator_drift.toml"), "--replications", "3",
                 "--ablations", "--out", "a", cwd=tmp_path)
    met = pd.read_csv(tmp_path / "a" / "validation.csv")["met"]
    # the exit status says whether every pattern is met, with or without ablations
    assert r.returncode == (0 if met.all() else 1), r.stderr
    assert "Traceback" not in r.stderr
    table = pd.read_csv(tmp_path / "a" / "ablations.csv", index_col=0)
    from terrisim.scenario import load_scenario

    s = load_scenario(SCENARIOS / "operator_drift.toml")
    active = [k for k in ABLATIONS if is_active(k, s)]
    assert "operator_drift" in active and "terrain" not in active  # no mountain there
    assert table.shape == (len(load_targets()), 1 + len(active))
    # removing every catalyst removes the catalyst timeline altogether
    assert table.loc["first_experiment", f"without {ABLATIONS['catalysts'][1]}"] != \
        table.loc["first_experiment", f"without {ABLATIONS['catalysts'][1]}"]  # NaN
    assert (tmp_path / "a" / "ablations.png").stat().st_size > 10_000
    assert "Ablations" in (tmp_path / "a" / "validation.html").read_text()


def test_a_mis_set_scenario_fails_validation(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(f'base = "{SCENARIOS / "baseline.toml"}"\nname = "bad"\n'
                   "trust_building_time = 110.0\nn_catalysts = 0\n")
    r = validate(str(bad), "--replications", "3", "--out", "b", cwd=tmp_path)
    assert r.returncode == 1
    assert "NO" in r.stdout
    assert not pd.read_csv(tmp_path / "b" / "validation.csv")["met"].all()


def test_validate_rejects_bad_options(tmp_path: Path) -> None:
    r = validate("--replications", "1", cwd=ROOT)
    assert r.returncode == 2 and "at least 2" in r.stderr and "Traceback" not in r.stderr
