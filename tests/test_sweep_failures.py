"""A run that raises is recorded — parameters, seed, traceback — and the sweep goes on.

The failing runs here are real: ``n_regions`` above ``n_bassins`` is a valid value on its own
(so the file loads) but an inconsistent scenario, which the scenario check raises inside the
worker at run time.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from terrisim import cli
from terrisim.sweep.design import build_design
from terrisim.sweep.engine import run_sweep
from terrisim.sweep.executors import ExecutorSpec
from terrisim.sweep.experiment import load_experiment
from terrisim.sweep.storage import read_failures, read_results

BASELINE = Path(__file__).resolve().parents[1] / "scenarios" / "baseline.toml"


def experiment(tmp_path: Path) -> Path:
    path = tmp_path / "failing.toml"
    path.write_text(f"""
[experiment]
name = "failing"
scenario = "{BASELINE}"
replications = 3
seed = 17

[overrides]
width = 20
height = 20
n_communes = 6
n_bassins = 2
n_firms = 100
n_associations = 40
steps = 12

[factors]
n_regions = [1, 2, 3, 4]      # 3 and 4 exceed n_bassins = 2: those runs raise
n_catalysts = [0, 1]

[design]
type = "full_factorial"
""")
    return path


@pytest.mark.parametrize("kind", ["serial", "local"])
def test_failures_are_recorded_and_the_sweep_goes_on(tmp_path: Path, kind: str) -> None:
    exp = load_experiment(experiment(tmp_path))
    out = tmp_path / "out"
    summary = run_sweep(exp, out, ExecutorSpec(kind, workers=2), progress=False)
    assert summary.complete and not summary.interrupted
    assert summary.executed == 24 and summary.failed_now == summary.failed_total == 12

    ok, failed = read_results(out), read_failures(out)
    assert set(ok["n_regions"]) == {1, 2} and ok["run_id"].nunique() == 12
    assert set(failed["n_regions"]) == {3, 4} and len(failed) == 12
    plan = build_design(exp).runs().set_index("run_id")
    for _, row in failed.iterrows():
        expected = plan.loc[row["run_id"]]
        assert row["seed"] == expected["seed"]                      # reproducible from it
        assert row["n_regions"] == expected["n_regions"]
        assert row["n_catalysts"] == expected["n_catalysts"]
        assert row["replication"] == expected["replication"]
        assert row["error"] == "ScenarioError"
        assert f"must not exceed n_bassins = 2 (got {row['n_regions']})" in row["message"]
        assert row["traceback"].startswith("Traceback (most recent call last)")
        assert "_check_consistency" in row["traceback"]
        assert f"'n_regions': {row['n_regions']}" in row["parameters"]
    assert any("ScenarioError" in line for line in summary.first_failures)

    # a resume does not re-run recorded failures (the model is deterministic) …
    again = run_sweep(exp, out, ExecutorSpec("serial"), progress=False)
    assert again.executed == 0 and again.failed_total == 12
    # … unless asked to
    retry = run_sweep(exp, out, ExecutorSpec("serial"), progress=False, retry_failed=True)
    assert retry.executed == 12 and retry.failed_now == 12
    assert len(read_failures(out)) == 12 and read_results(out)["run_id"].nunique() == 12


def test_command_summary_counts_failures(tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    code = cli.main(["sweep", str(experiment(tmp_path)), "--out", str(tmp_path / "out"),
                     "--workers", "2", "--quiet"])
    out = capsys.readouterr().out
    assert code == 1                                   # some runs failed
    assert "failing: 24 of 24 runs done, 12 failed" in out
    assert "first failures:" in out and "must not exceed n_bassins" in out
