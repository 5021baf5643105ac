"""Each rule's direction and bounds, on the pure functions the model calls."""

from __future__ import annotations

import numpy as np
import pytest

from terrisim import alliances, catalysis, ladder, mayors, trust
from terrisim.organisations import ASSOCIATIVE, ECONOMIC, PUBLIC

# -- trust ------------------------------------------------------------------------------------


@pytest.mark.parametrize("months", [1.0, 6.0, 18.0, 60.0])
def test_trust_building_time_means_months_of_monthly_contact(months: float) -> None:
    t0, theta = 0.1, 0.6
    r = trust.gain_rate(t0, theta, months)
    t = np.array([t0])
    for _ in range(int(months)):
        t = trust.reinforce(t, np.array([1.0]), r)
    assert t[0] == pytest.approx(theta, abs=1e-9)
    # one month short of it, still below the threshold
    if months > 1:
        t = np.array([t0])
        for _ in range(int(months) - 1):
            t = trust.reinforce(t, np.array([1.0]), r)
        assert t[0] < theta


def test_trust_rises_with_contact_and_saturates() -> None:
    r = trust.gain_rate(0.1, 0.6, 12)
    t = np.array([0.1])
    history = []
    for _ in range(400):
        t = trust.reinforce(t, np.array([1.0]), r)
        history.append(t[0])
    h = np.array(history)
    assert np.all(np.diff(h) >= 0)            # never falls with contact
    assert np.all(h <= 1.0)                   # bounded
    assert h[-1] == pytest.approx(1.0, abs=1e-6)
    assert np.diff(h)[-1] < np.diff(h)[0]     # saturating: gains shrink


def test_more_contact_builds_more_trust_and_zero_contact_none() -> None:
    r = trust.gain_rate(0.1, 0.6, 12)
    t = np.full(3, 0.3)
    out = trust.reinforce(t, np.array([0.0, 1.0, 2.0]), r)
    assert out[0] == pytest.approx(0.3)
    assert out[0] < out[1] < out[2]


def test_trust_decays_without_contact_by_half_life() -> None:
    t = np.array([0.8, 0.2])
    assert np.allclose(trust.decay(t, 24.0, 24.0), t / 2)
    month = trust.decay(t, 1.0, 24.0)
    assert np.all(month < t) and np.all(month > 0)


def test_failure_penalty_lowers_trust_within_bounds() -> None:
    t = np.array([0.0, 0.5, 1.0])
    out = trust.penalise(t, 0.4)
    assert np.allclose(out, [0.0, 0.3, 0.6])
    assert np.all(trust.penalise(t, 1.0) == 0.0)
    assert np.all(trust.penalise(t, 0.0) == t)


def test_cross_world_trust_is_slower_until_language_is_learned() -> None:
    w_i = np.array([ECONOMIC, ECONOMIC, ECONOMIC, ECONOMIC])
    w_j = np.array([ECONOMIC, ASSOCIATIVE, ASSOCIATIVE, ASSOCIATIVE])
    lang_i = np.array([0.0, 0.0, 1.0, 1.0])
    lang_j = np.array([0.0, 0.0, 0.0, 1.0])
    v = trust.language_speed(w_i, w_j, lang_i, lang_j, 0.4)
    assert v[0] == 1.0                 # same world: full speed
    assert v[1] == pytest.approx(0.4)  # different worlds, nobody fluent
    assert v[2] == pytest.approx(0.4)  # the less fluent partner sets the pace
    assert v[3] == pytest.approx(1.0)  # both fluent
    r = trust.gain_rate(0.1, 0.6, 12)
    slow = trust.reinforce(np.array([0.1]), np.array([1.0]), r, v[1])
    fast = trust.reinforce(np.array([0.1]), np.array([1.0]), r, v[0])
    assert slow[0] < fast[0]


def test_language_learning_is_monotone_and_bounded() -> None:
    lang = np.array([0.0, 0.5, 1.0])
    out = trust.learn_language(lang, 3.0, 0.2)
    assert np.all(out >= lang) and np.all(out <= 1.0)
    assert out[2] == 1.0


def test_maintenance_goes_to_the_most_trusted_ties_within_the_budget() -> None:
    # organisation 0 knows 1 (trusted) and 2, 3 (barely); the others know only 0
    i = np.array([0, 0, 0])
    j = np.array([1, 2, 3])
    t = np.array([0.7, 0.12, 0.11])
    p = trust.maintenance_probability(i, j, t, np.full(4, 1.0))
    assert p[0] == pytest.approx(1.0)              # first choice of both sides
    assert p[1] == pytest.approx(0.5) and p[2] == pytest.approx(0.5)   # only one side's
    assert np.all((p >= 0) & (p <= 1))
    # a budget of 1.5 contacts: the second most trusted tie gets half of organisation 0's
    p15 = trust.maintenance_probability(i, j, t, np.full(4, 1.5))
    assert p15[1] == pytest.approx(0.5 * (0.5 + 1.0)) and p15[2] == pytest.approx(p[2])
    # more relational time, never less maintenance
    assert np.all(trust.maintenance_probability(i, j, t, np.full(4, 2.0)) >= p)
    # what each organisation spends never exceeds its budget
    budget = np.array([1.5, 1.0, 1.0, 1.0])
    q = trust.maintenance_probability(i, j, t, budget)
    assert 2 * q.sum() <= budget.sum() + 1e-9


def test_mature_clusters_keep_their_attention_for_one_another() -> None:
    i = np.array([0, 0])
    j = np.array([1, 2])
    t = np.array([0.3, 0.5])              # 0 trusts 2 more, but 0 and 1 are insiders
    insider = np.array([True, True, False])
    club = insider[i] & insider[j]
    open_ = trust.maintenance_probability(i, j, t, np.full(3, 1.0))
    closed = trust.maintenance_probability(i, j, t, np.full(3, 1.0), club, 0.8, insider)
    assert open_[1] > open_[0]            # without closure, trust decides
    assert closed[0] > closed[1]          # with closure, the club comes first
    assert closed[1] < open_[1]           # and the outsider gets less


def test_trust_table_is_sparse_sorted_and_forgets() -> None:
    tt = trust.TrustTable(1000)
    keys = tt.pair_keys(np.array([5, 9, 1]), np.array([3, 2, 999]))
    tt.insert(keys, np.array([0.5, 0.01, 0.3]), np.full(3, -1, dtype=np.int16),
              np.ones(1000, dtype=np.uint16))
    assert len(tt) == 3 and np.all(np.diff(tt.key) > 0)
    assert tt.find(tt.pair_keys(np.array([3]), np.array([5])))[0] >= 0   # symmetric
    assert tt.find(tt.pair_keys(np.array([3]), np.array([6])))[0] == -1
    assert tt.forget(0.02) == 1 and len(tt) == 2
    assert tt.nbytes < 1000  # grows with relationships, not with N² (1000² pairs possible)


# -- alliances --------------------------------------------------------------------------------


def test_no_alliance_below_threshold_or_within_a_world() -> None:
    trust_v = np.array([0.59, 0.6, 0.9, 0.9, 0.9, 0.9])
    wi = np.array([ECONOMIC, ECONOMIC, ECONOMIC, ECONOMIC, ECONOMIC, PUBLIC])
    wj = np.array([ASSOCIATIVE, ASSOCIATIVE, ECONOMIC, ASSOCIATIVE, ASSOCIATIVE, ASSOCIATIVE])
    need = np.array([1, 1, 1, 0, 1, 1], dtype=np.uint16)
    spare = np.array([1, 1, 1, 1, 0, 1])
    ok = alliances.alliance_condition(trust_v, wi, wj, need, spare, np.ones(6), 0.6)
    assert ok.tolist() == [False, True, False, False, False, True]


def test_social_innovation_needs_more_trust_and_maturity() -> None:
    pair = np.array([2, 2, 2])              # economic–associative
    t = np.array([0.65, 0.75, 0.75])
    mature = np.array([True, True, False])
    w = alliances.kind_weights(pair, t, mature, np.ones(4), 0.6, 0.1)
    si = alliances.SOCIAL_INNOVATION
    assert w[0, si] == 0 and w[1, si] > 0 and w[2, si] == 0
    # patronage is a firm giving to a non-profit: never between a commune and an association
    w = alliances.kind_weights(np.array([1]), np.array([0.9]), np.array([True]), np.ones(4),
                               0.6, 0.1)
    assert w[0, alliances.PATRONAGE] == 0


def test_failure_hazard_falls_with_trust_and_support() -> None:
    t = np.array([0.6, 0.8, 1.0])
    h = alliances.failure_hazard(t, 0.6, 0.05)
    assert h[0] == pytest.approx(0.05) and h[0] > h[1] > h[2] == 0.0
    assert np.all(alliances.failure_hazard(t, 0.6, 0.05, 0.5) <= h)


def test_capacity_is_never_exceeded_when_forming_at_once() -> None:
    a = np.array([0, 0, 0, 1, 2])
    b = np.array([3, 4, 5, 3, 3])
    spare = np.array([2, 1, 1, 2, 1, 1])
    keep = alliances.resolve_capacity(a, b, spare)
    used = np.bincount(np.concatenate([a[keep], b[keep]]), minlength=6)
    assert np.all(used <= spare)
    assert keep[0] and keep[1]  # first come, first served


def test_draw_kind_follows_weights() -> None:
    rng = np.random.default_rng(0)
    w = np.tile([0.0, 1.0, 3.0, 0.0], (20000, 1))
    k = alliances.draw_kind(w, rng.random(20000))
    counts = np.bincount(k, minlength=4) / 20000
    assert counts[0] == 0 and counts[3] == 0
    assert counts[2] == pytest.approx(0.75, abs=0.02)


# -- ladder -----------------------------------------------------------------------------------


def test_ladder_moves_one_rung_by_its_causes_and_never_down() -> None:
    lv = np.array([0, 1, 2, 3], dtype=np.int8)
    assert ladder.promote(lv, ladder.EVENT).tolist() == [1, 1, 2, 3]
    assert ladder.promote(lv, ladder.WORKSHOP).tolist() == [1, 2, 2, 3]
    assert ladder.promote(lv, ladder.PROJECT).tolist() == [1, 2, 3, 3]
    for cause in (ladder.EVENT, ladder.WORKSHOP, ladder.PROJECT):
        assert np.all(ladder.promote(lv, cause) >= lv)


# -- mayors and catalysts ---------------------------------------------------------------------


def test_mayor_priorities_match_the_survey_on_the_reference_mix() -> None:
    anchors = np.array([0.74, 0.71, 0.68, 0.64, 0.56, 0.54])
    p = mayors.priority_probabilities(anchors)
    assert np.allclose(mayors.REFERENCE_MIX @ p, anchors)
    assert np.all((p >= 0) & (p <= 1))
    # scaled once: another mix changes the population's shares, not each profile's own
    mix = np.array([0.1, 0.1, 0.6, 0.1, 0.1])
    assert not np.allclose(mix @ p, anchors)
    # profiles differ in the documented directions
    coord, gest = mayors.PROFILES.index("coordinateurs"), mayors.PROFILES.index("gestionnaires")
    volo = mayors.PROFILES.index("volontaires")
    assert p[coord, mayors.CONVENE] > p[gest, mayors.CONVENE]
    assert p[coord, mayors.DIALOGUE] > p[gest, mayors.DIALOGUE]
    assert p[volo, mayors.EXPERIMENTS] > p[gest, mayors.EXPERIMENTS]
    assert p[volo, mayors.INNOVATION] > p[gest, mayors.INNOVATION]
    # the ablation: every profile at the survey average
    assert np.allclose(mayors.neutral_probabilities(anchors), anchors)


def test_catalyst_time_is_split_and_operating_comes_first() -> None:
    d = catalysis.mission_days(12.0, (1.0, 1.0, 2.0), (True, True, True))
    assert np.allclose(d, [3.0, 3.0, 6.0])
    off = catalysis.mission_days(12.0, (1.0, 1.0, 2.0), (True, False, True))
    assert off[1] == 0 and off[0] == d[0]       # ablation does not reallocate time
    assert catalysis.operating_days(12.0, 2, 3.0) == 6.0
    assert catalysis.operating_days(12.0, 10, 3.0) == 12.0   # never more than the budget


def test_operating_costs_legitimacy_that_comes_back_slowly() -> None:
    lost = catalysis.lose_legitimacy(1.0, 2, 0.2)
    assert lost == pytest.approx(0.64)
    assert catalysis.lose_legitimacy(1.0, 0, 0.2) == 1.0
    assert 0.0 <= catalysis.lose_legitimacy(1.0, 50, 0.2) < 0.01
    assert catalysis.recover_legitimacy(lost, True, 0.05) == lost      # not while operating
    later = lost
    for _ in range(12):
        later = catalysis.recover_legitimacy(later, False, 0.05)
    assert lost < later < 1.0                   # a year after, still not back: a lasting cost


def test_funders_renew_in_proportion_to_results() -> None:
    assert catalysis.renewal_probability(0, 10) == 0.0
    assert catalysis.renewal_probability(5, 10) == 0.5
    assert catalysis.renewal_probability(50, 10) == 1.0
    assert catalysis.renewal_probability(0, 0) == 1.0


def test_a_trusted_broker_starts_the_pair_higher() -> None:
    t_a = np.array([0.1, 0.5, 0.9, 0.9])
    t_b = np.array([0.9, 0.5, 0.9, 0.9])
    t0 = catalysis.transferred_trust(t_a, t_b, 0.1, 0.6, 1.0)
    assert np.all(t0 >= 0.1) and np.all(t0 <= 1.0)
    assert t0[0] < t0[1] < t0[2]                # more trust in the broker, more passed on
    assert catalysis.transferred_trust(t_a, t_b, 0.1, 0.6, 0.5)[3] < t0[3]   # legitimacy
    assert catalysis.transferred_trust(t_a, t_b, 0.1, 0.0, 1.0)[3] == pytest.approx(0.1)
    assert catalysis.transferred_trust(np.ones(1), np.ones(1), 0.1, 1.0, 1.0)[0] == 1.0


# -- alliances: formation and closure ------------------------------------------------------


def test_formation_is_a_probability_well_below_one_at_the_threshold() -> None:
    p = alliances.formation_probability(np.array([0.0, 0.1, 0.5, 5.0]))
    assert p[0] == 0.0 and np.all(np.diff(p) > 0) and np.all(p < 1.0)
    assert p[1] == pytest.approx(1 - np.exp(-0.1))


def test_clusters_favour_their_own_and_close_up_to_newcomers() -> None:
    insider = np.array([True, True, False, False])
    known = np.array([True, True, True, False])
    f = alliances.closure_factor(insider[[0, 0, 0, 2]], insider[[1, 2, 3, 3]],
                                 known[[0, 0, 0, 2]], known[[1, 2, 3, 3]], 0.5)
    assert f.tolist() == [1.5, 1.0, 0.5, 1.0]  # club, experienced outsider, newcomer, neither
    exempt = alliances.closure_factor(insider[[0]], insider[[3]], known[[0]], known[[3]], 0.5,
                                      exempt=np.array([True]))
    assert exempt[0] == 1.0                    # a catalyst or a public partner opens the door
    assert np.all(alliances.closure_factor(insider, insider[::-1], known, known[::-1], 0.0)
                  == 1.0)


def test_a_catalyst_that_knows_nobody_trusts_nobody() -> None:
    """Before any tie exists (e.g. a catalyst that skips listening), every trust is 0."""
    from terrisim.catalysis import CatalystTies

    ties = CatalystTies(10)
    assert np.array_equal(ties.trust_with(0, np.array([1, 4, 9])), np.zeros(3))
    assert ties.trust_with(1, np.zeros(0, dtype=np.intp)).shape == (0,)
