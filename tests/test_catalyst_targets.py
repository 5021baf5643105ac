"""Catalyst-level patterns: the file written ahead of its indicators, causal and per
catalyst-year values."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from terrisim.errors import UserError
from terrisim.scenario import Scenario, load_scenario
from terrisim.seeds import replication_seeds
from terrisim.simulate import run_simulation
from terrisim.validation.targets import (
    catalyst_targets_path,
    default_targets_path,
    load_targets,
    pending,
)
from terrisim.validation.validate import validate

#: Indicators the model rework provides (names fixed in advance).
ANNOUNCED = {"catalyst_events_total", "catalyst_participations_total",
             "catalyst_introductions_total", "alliances_credited_to_catalysts",
             "catalysed_partners_firms", "catalysed_partners_public",
             "catalysed_partners_associations", "experiments_launched", "pilot_projects_total",
             "catalyst_collective_sessions_total", "catalyst_communes_accompanied"}


def test_catalyst_patterns_are_complete_and_kept_out_of_the_default_run() -> None:
    path = catalyst_targets_path()
    patterns = load_targets(path, allow_pending=True)
    assert {p.id.split("_")[0] for p in patterns} == {"labo", "emergence"}
    assert set(pending(path)) <= ANNOUNCED
    for p in patterns:
        assert p.scenario and p.note and "seed 001" in p.source
        s = load_scenario((path.parent / p.scenario).resolve())
        assert s.n_catalysts == 1 and s.n_bassins == 6, p.id
        assert p.tolerance >= 0.4 * p.target, p.id     # single cases: orders of magnitude
        assert p.month(s.start_year) <= s.steps, p.id
    assert any(p.causal for p in patterns) and any(p.per == "catalyst_year" for p in patterns)
    default = load_targets(default_targets_path())
    assert not {p.id for p in default} & {p.id for p in patterns}
    assert not any(p.causal for p in default)
    if pending(path):      # until the model computes them, loading them strictly fails
        with pytest.raises(UserError, match="is not a model indicator"):
            load_targets(path)


def test_causal_pattern_per_catalyst_year_is_the_paired_difference(baseline: Scenario,
                                                                   tmp_path: Path) -> None:
    tiny = baseline.replace(width=16, height=16, n_communes=4, n_bassins=2, n_firms=80,
                            n_associations=30, n_catalysts=2, steps=24)
    path = tmp_path / "t.toml"
    path.write_text("""[[pattern]]
id = "caused"
label = "alliances caused by catalysts per catalyst-year"
label_fr = "alliances"
source = "test"
indicator = "alliances_formed_total"
target = 1.0
tolerance = 1.0
unit = "rate"
per = "catalyst_year"
causal = true
date = "2011-07"
""")
    v = validate(tiny, load_targets(path), 3, 99, workers=1)
    expected = []
    for seed in replication_seeds(99, 3):
        with_, without = (run_simulation(tiny.replace(n_catalysts=n), seed) for n in (2, 0))
        diff = (with_.loc[18, "alliances_formed_total"]
                - without.loc[18, "alliances_formed_total"])
        expected.append(diff / (2 * 18 / 12))
    np.testing.assert_allclose(v.comparisons[0].values, expected)


@pytest.mark.parametrize(("extra", "message"), [
    ('per = "year"', "key 'per': must be one of catalyst_year"),
    ('causal = "yes"', "key 'causal': must be true or false"),
    ('scope = "x"', "key 'scope': unknown"),
])
def test_bad_optional_keys_are_clear_errors(tmp_path: Path, extra: str, message: str) -> None:
    path = tmp_path / "t.toml"
    path.write_text(f"""[[pattern]]
id = "x"
label = "x"
label_fr = "x"
source = "x"
indicator = "alliances_formed_total"
target = 1.0
tolerance = 1.0
unit = "count"
at = "end"
{extra}
""")
    with pytest.raises(UserError, match=message):
        load_targets(path)
