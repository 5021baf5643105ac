"""Validation is out of sample: its seeds never meet the seeds used in calibration."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

from terrisim.inference.posterior import read_posterior, shipped_path
from terrisim.seeds import (
    VALIDATION_MASTER_SEED,
    calibration_master_seeds,
    overlap,
    replication_seeds,
    stream_seed,
)
from terrisim.sweep.design import build_design, run_seeds
from terrisim.sweep.experiment import load_experiment
from terrisim.validation.command import add_arguments

from .conftest import ROOT, SCENARIOS

CALIBRATION_FILES = ("calibration.toml", "abc_smc.toml", "abc_identified.toml")
#: Replications a validation may reasonably ask for.
N = 2000


def _calibration_masters() -> set[int]:
    masters = set(calibration_master_seeds())
    for name in CALIBRATION_FILES:
        masters.add(tomllib.loads((ROOT / "experiments" / name).read_text())["experiment"]
                    ["seed"])
    return masters


def test_default_validation_master_seed_is_not_a_calibration_seed() -> None:
    import argparse

    p = argparse.ArgumentParser()
    add_arguments(p)
    default = p.parse_args([]).seed
    assert default == VALIDATION_MASTER_SEED
    assert default not in _calibration_masters()


def test_validation_seeds_never_meet_calibration_seeds() -> None:
    validation = replication_seeds(VALIDATION_MASTER_SEED, N)
    assert len(set(validation)) == N
    for master in _calibration_masters():
        # refinement/confirmation replications and ABC particle streams of that master
        assert not overlap(validation, replication_seeds(master, N)), master
        assert not overlap(validation, [stream_seed(master, k, r) for k in range(200)
                                        for r in range(4)]), master
    sweep = load_experiment(ROOT / "experiments" / "calibration.toml")
    design = build_design(sweep)
    assert not overlap(validation, run_seeds(sweep.seed, range(design.n_runs)))
    if shipped_path().exists():   # seeds the shipped posterior's particles were run with
        df, meta = read_posterior()
        used = [s for seeds in df["seeds"] for s in seeds]
        assert used and not overlap(validation, used)
        assert set(meta["calibration_master_seeds"]) <= _calibration_masters()


def test_the_overlap_check_can_fail() -> None:
    assert overlap(replication_seeds(2016, 10), replication_seeds(2016, 40)[5:])


def test_validating_with_a_calibration_seed_says_it_is_in_sample(tmp_path: Path) -> None:
    def run(seed: int) -> str:
        # one replication is refused, after the seed check (so nothing is simulated)
        return subprocess.run([sys.executable, "-m", "terrisim.cli", "validate",
                               str(SCENARIOS / "no_catalyst.toml"), "--replications", "1",
                               "--seed", str(seed), "--out", str(tmp_path)], cwd=ROOT,
                              capture_output=True, text=True, timeout=120).stderr

    assert "was used in calibration: this validation is in sample" in run(2016)
    assert "in sample" not in run(VALIDATION_MASTER_SEED)
