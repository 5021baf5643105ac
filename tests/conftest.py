"""Shared fixtures: small scenarios that exercise every mechanism quickly."""

from __future__ import annotations

from pathlib import Path

import pytest

from terrisim.scenario import Scenario, load_scenario

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"


@pytest.fixture(scope="session")
def baseline() -> Scenario:
    return load_scenario(SCENARIOS / "baseline.toml")


@pytest.fixture(scope="session")
def small(baseline: Scenario) -> Scenario:
    """A quarter-size territory with every mechanism on, 48 months."""
    return baseline.replace(width=30, height=30, n_communes=12, n_bassins=2, n_firms=250,
                            n_associations=175, n_catalysts=2, steps=48)
