"""Memory-aware limits: the estimate grows with what takes memory, and work that would not fit
is refused before anything is allocated, with the estimate and the memory available."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from terrisim.memory import (
    LIMIT_ENV,
    MemoryLimitError,
    available_bytes,
    check_fits,
    estimate_design_bytes,
    estimate_run_bytes,
    parse_bytes,
)
from terrisim.scenario import Scenario

from .conftest import SCENARIOS

TERRISIM = [sys.executable, "-m", "terrisim.cli"]


@pytest.mark.parametrize(("name", "bigger"), [
    ("n_firms", 20_000), ("n_associations", 20_000), ("neighbour_candidates", 200),
    ("width", 300), ("n_catalysts", 100), ("encounter_rate", 10.0),
])
def test_the_estimate_grows_with_each_size(name: str, bigger: float) -> None:
    s = Scenario()
    assert estimate_run_bytes(s.replace(**{name: bigger})) > estimate_run_bytes(s)


def test_relationships_accumulate_only_without_forgetting() -> None:
    forgetting, keeping = Scenario(), Scenario().replace(forget_below=0.0)
    assert estimate_run_bytes(keeping.replace(steps=600)) > estimate_run_bytes(keeping)
    assert estimate_run_bytes(forgetting.replace(steps=600)) == estimate_run_bytes(forgetting)


def test_the_estimate_of_the_issue_reproducer_is_several_gigabytes() -> None:
    """500,000 firms, 200,000 associations, 200 candidates: measured 6.4–6.7 GB for two
    months before the encounter kernel became compact (int32 indices, built in blocks); the
    estimate's accuracy against today's runs is measured by benchmarks/bench_memory.py."""
    s = Scenario().replace(n_firms=500_000, n_associations=200_000, neighbour_candidates=200,
                           steps=2, spinup_months=0)
    assert 3e9 < estimate_run_bytes(s) < 8e9
    # the spin-up's months fill the trust table too
    assert estimate_run_bytes(s.replace(spinup_months=60)) > estimate_run_bytes(s)


def test_limits_come_from_the_machine_or_the_environment(monkeypatch: pytest.MonkeyPatch
                                                          ) -> None:
    monkeypatch.delenv(LIMIT_ENV, raising=False)
    have, where = available_bytes()
    assert have is not None and have > 0 and where
    monkeypatch.setenv(LIMIT_ENV, "300MB")
    assert available_bytes() == (300_000_000, f"allowed by {LIMIT_ENV}=300MB")
    assert parse_bytes("2GiB") == 2**31 and parse_bytes("512 mb") == 512_000_000
    with pytest.raises(ValueError):
        parse_bytes("lots")


def test_work_that_does_not_fit_is_refused_with_both_figures(monkeypatch: pytest.MonkeyPatch
                                                             ) -> None:
    monkeypatch.setenv(LIMIT_ENV, "100MB")
    small = Scenario().replace(width=20, height=20, n_communes=6, n_bassins=2, n_firms=100,
                               n_associations=40)
    check_fits(small, what="small")                           # fits: nothing raised
    with pytest.raises(MemoryLimitError, match=r"^big: needs about [\d,]+ MB of memory, 100 MB "
                       rf"allowed by {LIMIT_ENV}=100MB; a run's largest part is the "):
        check_fits(Scenario().replace(n_firms=100_000), what="big")
    with pytest.raises(MemoryLimitError, match=r"\(8 runs at once\).*or fewer workers"):
        check_fits(small.replace(n_firms=5_000), what="pool", copies=8)
    design = estimate_design_bytes(10_000_000, 7, 10_000_000)
    with pytest.raises(MemoryLimitError, match="most of it is the design"):
        check_fits(small, what="sweep", copies=0, extra=design)


def test_the_command_line_refuses_before_running(tmp_path: Path) -> None:
    big = tmp_path / "big.toml"
    big.write_text(f'base = "{SCENARIOS / "baseline.toml"}"\nn_firms = 500000\n'
                   "n_associations = 200000\nneighbour_candidates = 200\n")
    env = {**__import__("os").environ, LIMIT_ENV: "4GB"}
    r = subprocess.run([*TERRISIM, "run", str(big), "--steps", "2", "--out", "o"], cwd=tmp_path,
                       capture_output=True, text=True, timeout=120, env=env)
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert r.stderr.startswith(f"error: {big}: one run: needs about ")
    assert "4,000 MB allowed by TERRISIM_MEMORY_LIMIT=4GB" in r.stderr
    assert not (tmp_path / "o").exists()                      # refused before writing anything
    exp = tmp_path / "lhs.toml"
    exp.write_text(f'[experiment]\nscenario = "{SCENARIOS / "baseline.toml"}"\nseed = 1\n'
                   "[factors]\nn_catalysts = { range = [0, 5] }\n"
                   "trust_building_time = { range = [6, 60] }\n"
                   '[design]\ntype = "latin_hypercube"\nsamples = 10000000\n')
    env[LIMIT_ENV] = "1GB"
    r = subprocess.run([*TERRISIM, "sweep", str(exp), "--serial", "--out", "res"], cwd=tmp_path,
                       capture_output=True, text=True, timeout=120, env=env)
    assert r.returncode == 2 and "Traceback" not in r.stderr, r.stderr
    assert "this sweep: needs about" in r.stderr and "most of it is the design" in r.stderr
