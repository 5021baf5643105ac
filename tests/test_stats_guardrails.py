"""Statistical guard-rails of every report: bounded proportion intervals, no interval from too
few runs, Sobol indices that cannot be findings, lines readable without colour."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from terrisim.report.stats import (
    MIN_REPLICATIONS,
    interval,
    mean_ci,
    share_mean_ci,
    sobol_warnings,
    summarise,
    wilson_ci,
)


@pytest.mark.parametrize("total", [1, 2, 5, 20, 300])
def test_wilson_interval_never_leaves_0_1(total: int) -> None:
    for k in range(total + 1):
        p, lo, hi = wilson_ci(k, total)
        assert 0.0 <= lo <= p <= hi <= 1.0, (k, total)
    # at 0 % and 100 % the interval still has width (the normal approximation has none)
    assert wilson_ci(0, 20)[2] > 0.05 and wilson_ci(20, 20)[1] < 0.95


def test_share_interval_stays_in_0_1_where_a_t_interval_does_not() -> None:
    rng = np.random.default_rng(3)
    shares = np.clip(rng.exponential(0.01, 5), 0, 1)      # shares close to 0 %
    shares[0] = 0.2                                       # one run far from the others
    _, t_lo, _ = mean_ci(shares)
    assert t_lo < 0          # what the guard-rail prevents
    m, lo, hi = share_mean_ci(shares)
    assert 0.0 <= lo <= m <= hi <= 1.0
    near_one = 1 - shares
    m, lo, hi = share_mean_ci(near_one)
    assert 0.0 <= lo <= m <= hi <= 1.0
    assert mean_ci(near_one)[2] > 1
    assert share_mean_ci(shares) == share_mean_ci(shares.copy())   # deterministic


def test_no_interval_from_too_few_runs() -> None:
    assert MIN_REPLICATIONS >= 3
    for share in (False, True):
        m, lo, hi = interval([0.2, 0.4], share=share)
        assert m == pytest.approx(0.3) and math.isnan(lo) and math.isnan(hi)
        m, lo, hi = interval([0.2, 0.4, 0.3], share=share)
        assert lo < m < hi


def test_summaries_use_bounded_intervals_for_shares() -> None:
    df = pd.DataFrame({"g": [0] * 4, "firms_partnered": [0.0, 0.0, 0.0, 0.3],
                       "alliances_formed_total": [0.0, 0.0, 0.0, 30.0]})
    s = summarise(df, ["g"], ["firms_partnered", "alliances_formed_total"]).iloc[0]
    assert 0 <= s["firms_partnered_low"] <= s["firms_partnered_high"] <= 1
    assert s["alliances_formed_total_low"] < 0     # counts keep the t interval


def test_an_impossible_sobol_index_is_flagged() -> None:
    sound = pd.DataFrame({"factor": ["a", "b"], "S1": [0.6, 0.2], "S1_conf": [0.05, 0.04],
                          "ST": [0.7, 0.3], "ST_conf": [0.06, 0.05]})
    assert sobol_warnings(sound) == []
    impossible = sound.assign(S1=[1.4, 0.2])
    msgs = sobol_warnings(impossible)
    assert any("a: S1 = 1.40 lies outside [0, 1]" in m for m in msgs)
    assert any("larger N" in m for m in msgs)
    negative = sound.assign(ST=[0.7, -0.3])
    assert any("b: ST" in m for m in sobol_warnings(negative))
    wide = sound.assign(ST_conf=[0.2, 0.05])      # full width 0.4 > 0.3
    assert any("wider than 0.3" in m for m in sobol_warnings(wide))


def test_report_lines_differ_without_colour() -> None:
    from terrisim.report.figures import line_styles

    styles = line_styles(5)
    assert len({(s["marker"], str(s["linestyle"])) for s in styles}) == 5
    assert len({s["marker"] for s in styles}) == 5
