"""Experiment files: the shipped ones load, bad ones give one-line errors naming the file, the
key and the allowed values, and the command stays light to import."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from terrisim import cli
from terrisim.errors import UserError
from terrisim.sweep.design import build_design
from terrisim.sweep.experiment import load_experiment

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "baseline.toml"

GOOD = {
    "experiment": f'scenario = "{BASELINE}"\nseed = 1\nreplications = 2',
    "factors": "n_catalysts = [0, 1]",
    "design": 'type = "full_factorial"',
}


def write(tmp_path: Path, **tables: str | None) -> Path:
    """An experiment file from GOOD with some tables replaced (None drops the table)."""
    body = []
    for name, text in {**GOOD, **tables}.items():
        if text is not None:
            body.append(f"[{name}]\n{text}\n")
    path = tmp_path / "bad.toml"
    path.write_text("\n".join(body))
    return path


def error_of(path: Path) -> str:
    with pytest.raises(UserError) as info:
        load_experiment(path)
    return str(info.value)


@pytest.mark.parametrize("name", ["quick", "catalysis_x_trust", "sensitivity"])
def test_shipped_experiments_load(name: str) -> None:
    exp = load_experiment(ROOT / "experiments" / f"{name}.toml")
    design = build_design(exp)
    assert design.n_runs >= 1
    if name == "catalysis_x_trust":
        assert design.n_points >= 64 and exp.replications >= 20
        assert {"n_catalysts", "trust_building_time"} <= set(exp.factor_names)
        for f in exp.factors:
            assert f.values is not None and len(f.values) >= 8
    if name == "sensitivity":
        assert exp.design.type == "sobol" and len(exp.factors) >= 6


@pytest.mark.parametrize(("tables", "expected"), [
    ({"experiment": None}, "missing table [experiment]"),
    ({"factor": "n_catalysts = [0]"}, "key 'factor': unknown table; did you mean 'factors'?"),
    ({"design": 'type = "morris"\ntrajectories = 4\nlevels = 0'},
     "key 'design.levels': must be an even integer from 2 to 1000 (got 0)"),
    ({"design": 'type = "factorial"'},
     "key 'design.type': must be one of \"full_factorial\", \"latin_hypercube\", \"sobol\", "
     "\"morris\" (got 'factorial')"),
    ({"design": 'type = "sobol"\nsamples = 100'},
     "key 'design.samples': must be a power of 2 from 2 to 1048576 for Sobol sequences "
     "(got 100; try 64 or 128)"),
    ({"design": 'type = "latin_hypercube"'}, "key 'design.samples': missing"),
    ({"design": 'type = "full_factorial"\nsamples = 3'},
     "key 'design.samples': unknown key for a full_factorial design"),
    ({"factors": "n_catalyst = [0, 1]"},
     "key 'factors.n_catalyst': unknown parameter; did you mean 'n_catalysts'?"),
    ({"factors": "n_catalysts = [0, 600]"},
     "key 'factors.n_catalysts.values': must be an integer from 0 to 500 catalysts (got 600)"),
    ({"factors": "trust_building_time = { range = [90, 6], levels = 4 }"},
     "key 'factors.trust_building_time.range': must be [lo, hi] with lo < hi"),
    ({"factors": "n_catalysts = { range = [0, 2], levels = 5 }"},
     "key 'factors.n_catalysts.levels': 5 levels between 0 and 2 repeat integer values"),
    ({"factors": 'trust_building_time = { distribution = "uniform", range = [6, 90] }'},
     "key 'factors.trust_building_time': a full_factorial design needs explicit levels"),
    ({"factors": 'catalyst_origin = { range = [0, 1] }'},
     "key 'factors.catalyst_origin': is one of \"mixed\", \"public\""),
    ({"factors": 'formation_rate = { distribution = "gamma", range = [0, 1] }'},
     "key 'factors.formation_rate.distribution': must be one of \"uniform\", \"loguniform\", "
     "\"normal\", \"triangular\" (got 'gamma')"),
    ({"factors": "n_catalysts = [0, 1]", "overrides": "n_catalysts = 3"},
     "key 'factors.n_catalysts': is also fixed in [overrides]"),
    ({"overrides": "steps = 0"},
     "key 'overrides.steps': must be an integer from 1 to 600 months (got 0)"),
    ({"overrides": "n_bassins = 1\nn_regions = 2"},
     "key 'overrides.n_regions': must not exceed n_bassins = 1 (got 2)"),
    ({"experiment": f'scenario = "{BASELINE}"'}, "key 'experiment.seed': missing"),
    ({"experiment": f'scenario = "{BASELINE}"\nseed = 1\nreplications = 0'},
     "key 'experiment.replications': must be an integer from 1 to 100000 (got 0)"),
    ({"experiment": 'scenario = "nowhere.toml"\nseed = 1'},
     "key 'experiment.scenario': file 'nowhere.toml' not found"),
    ({"experiment": f'scenario = "{BASELINE}"\nseed = 1\nreplicates = 3'},
     "key 'experiment.replicates': unknown key; did you mean 'replications'?"),
    ({"output": 'indicators = ["alliance_formed_total"]'},
     "key 'output.indicators': unknown indicator 'alliance_formed_total'; did you mean "
     "'alliances_formed_total'?"),
    ({"output": 'steps = "monthly"'},
     "key 'output.steps': must be \"final\", \"all\" or a non-empty list of months"),
    ({"output": 'steps = "all"\nevery = 12'}, "key 'output.every': cannot be combined"),
    ({"report": 'x = "trust_building_time"'},
     "key 'report.x': must be one of the factors n_catalysts (got 'trust_building_time')"),
])
def test_bad_experiment_files_name_file_key_and_allowed_values(
        tmp_path: Path, tables: dict[str, str | None], expected: str) -> None:
    path = write(tmp_path, **tables)
    message = error_of(path)
    assert message.startswith(str(path)), message
    assert expected in message, message
    assert "\n" not in message


def test_toml_syntax_and_missing_file(tmp_path: Path) -> None:
    broken = tmp_path / "broken.toml"
    broken.write_text("[experiment\nseed = 1\n")
    assert error_of(broken).startswith(f"{broken}: is not valid TOML")
    assert error_of(tmp_path / "absent.toml") == f"{tmp_path / 'absent.toml'}: file not found"


def test_command_prints_one_line_error_and_exits_2(tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, design='type = "morris"\ntrajectories = 4\nlevels = 0')
    code = cli.main(["sweep", str(path), "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("error: ") and err.count("\n") == 1 and "Traceback" not in err
    assert "design.levels" in err
    assert not (tmp_path / "out").exists()      # nothing written for a bad file
    assert cli.main(["report", str(tmp_path)]) == 2
    assert "not a sweep results directory" in capsys.readouterr().err


def test_dry_run_prints_the_plan(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["sweep", str(ROOT / "experiments" / "catalysis_x_trust.toml"),
                     "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "64 points × 20 replications = 1,280 runs" in out
    assert "trust_building_time (months): 6.0, 18.0" in out


def test_help_does_not_import_heavy_libraries() -> None:
    code = ("import sys, terrisim.cli as c; c.build_parser(); "
            "print(sorted(m for m in ('dask', 'distributed', 'SALib', 'matplotlib', 'duckdb', "
            "'dask_jobqueue') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"
