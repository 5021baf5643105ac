"""Mission 2 — foster partnerships: the catalyst as a broker who vouches for those it introduces.

Sources: catalysts "favoriser les partenariats entre les organisations du territoire, en pouvant
aller de faciliter les rencontres jusqu'à l'accompagnement…" (seed 003 §3.2.3); they exist
because organisations of one territory barely know each other (§3.2.2); "s'attacher à
l'inter-territorialité pour favoriser les liens entre territoires" (seed 000).

The mechanism is trust transfer through a trusted third party.  A broker who joins two contacts
it knows — the *tertius iungens* orientation (Obstfeld 2005) — lends them part of the trust each
has in it: third parties shape interpersonal trust (Burt & Knez 1995; Ferrin, Dirks & Shah 2006),
and referrals through embedded ties carry expectations of trustworthiness to new partners
(Uzzi 1996).  Trust along a chain a–broker–b is discounted multiplicatively (the discounting
operator of subjective logic, Jøsang, Hayward & Pope 2006), so

    T₀(a, b) = T_initial + (1 − T_initial) · transfer · legitimacy · T(broker, a) · T(broker, b)

(:func:`transferred_trust`; ``transfer`` = ``trust_transfer_share`` is an *assumption*, calibrated).
A broker it barely knows gives almost nothing; a broker well embedded on both sides can start
the pair close to the alliance threshold.  Its effectiveness therefore grows with its own
embeddedness (:mod:`terrisim.catalysis.embeddedness`), which takes trust-building time.

Rules of :func:`introduce` (one call per month with the number of introductions its time allows):

* each introduction succeeds with probability equal to the catalyst's legitimacy;
* it starts from an organisation of its area that it knows, drawn in proportion to its trust in
  it — with ``open_ecosystem``, organisations never allied before are favoured
  (``OUTSIDER_PREFERENCE``, *assumption* after 003 §3.1.1: catalysts listen to "la diversité des
  dynamiques" beyond the mature clusters);
* it looks among ``INTRODUCTION_CANDIDATES`` others it knows (trust-weighted) for one of another
  world sharing an interest in a domain fragile in one of their communes, with spare capacity,
  not already allied with the first — within its area, or anywhere it has ties with
  ``inter_territorial`` (a partner in another region is accepted with ``cross_region_factor``:
  administrative complexity);
* the pair is put in contact and, with ``trust_transfer``, its trust is raised to at least T₀;
  both keep up their tie with the catalyst (one unit of contact);
* the catalyst then *accompanies* the pair for ``accompaniment_months`` (003 §3.2.3: "de
  faciliter les rencontres jusqu'à l'accompagnement du cadrage, pilotage et évaluation des
  partenariats"): a facilitated meeting a month (mediated, so at full speed across worlds, and
  vouched again), until the pair allies or the accompaniment ends; each follow-up costs
  ``FOLLOW_UP_SHARE`` of an introduction's time and comes first (:func:`follow_up`), so depth
  is paid for in breadth;
* an introduction slot that finds no pair is spent *prospecting*: meeting an organisation of the
  area (one unit of contact on the catalyst's tie), which is how a new catalyst gets known.
"""

from __future__ import annotations

import numpy as np

from .. import controllers
from .context import TerritoryView
from .state import CatalystState, in_area, sample_area, weighted_pick

#: Candidate partners a catalyst considers per introduction (*assumption*).
INTRODUCTION_CANDIDATES = 24
#: Extra weight of an organisation never allied before as the first of an introduction, when the
#: catalyst keeps the ecosystem open (*assumption*: twice as likely as an allied one).
OUTSIDER_PREFERENCE = 1.0
#: Time of a month's follow-up of an introduced pair, as a share of an introduction's
#: (*assumption*: a shorter meeting than the first).
FOLLOW_UP_SHARE = 0.5


def transferred_trust(t_a: np.ndarray, t_b: np.ndarray, initial: float, transfer: float,
                      legitimacy: float) -> np.ndarray:
    """Trust an introduced pair starts at, from the broker's trust in each side (in [0, 1],
    never below ``initial``, increasing in both broker ties, in ``transfer`` and legitimacy)."""
    share = transfer * legitimacy * np.asarray(t_a) * np.asarray(t_b)
    return initial + (1.0 - initial) * np.clip(share, 0.0, 1.0)


def follow_up(st: CatalystState, view: TerritoryView, days: float) -> float:
    """This month's follow-up of the pairs the catalyst accompanies (oldest first, as far as
    ``days`` allow); returns the days spent.  Pairs that allied or whose accompaniment ended
    are dropped."""
    s, month = view.params, view.month
    if len(st.follow_a) == 0:
        return 0.0
    rows = view.trust.find(view.trust.pair_keys(st.follow_a, st.follow_b))
    allied = (rows >= 0) & view.trust.allied[np.maximum(rows, 0)]
    keep = (st.follow_until >= month) & ~allied
    st.follow_a, st.follow_b = st.follow_a[keep], st.follow_b[keep]
    st.follow_t0, st.follow_until = st.follow_t0[keep], st.follow_until[keep]
    cost = FOLLOW_UP_SHARE * s.introduction_days
    n = min(len(st.follow_a), int(days // cost))
    if n == 0:
        return 0.0
    a, b = st.follow_a[:n], st.follow_b[:n]
    view.contacts.add(a, b, 1.0, st.follow_t0[:n], st.number, vouch=s.trust_transfer,
                      mediated=True)
    view.ties.contact(st.number, np.concatenate([a, b]), 1.0)
    return n * cost


def introduce(st: CatalystState, view: TerritoryView, rng: np.random.Generator, n: int) -> None:
    """This month's ``n`` introductions (see the module docstring for the rules)."""
    s, orgs, terr = view.params, view.orgs, view.territory
    n = int(rng.binomial(n, st.legitimacy)) if n else 0
    if n == 0:
        return
    known, tie = view.ties.of(st.number)
    bassin_of = terr.bassin[orgs.commune[known]]
    home = in_area(st, bassin_of)
    pool, pool_w = known[home], tie[home]
    if s.open_ecosystem and len(pool):
        pool_w = pool_w * (1.0 + OUTSIDER_PREFERENCE * ~orgs.ever_allied[pool])
    if len(pool) < 2 or pool_w.sum() <= 0:
        _prospect(st, view, rng, n)
        return
    first = weighted_pick(pool, pool_w, rng, n)
    cpool, cw = (known, tie) if s.inter_territorial else (pool, tie[home])
    cand = weighted_pick(cpool, cw, rng, (n, INTRODUCTION_CANDIDATES))
    fi = first[:, None]
    fragile = view.fragile_bits[orgs.commune[fi]] | view.fragile_bits[orgs.commune[cand]]
    ok = ((orgs.world[cand] != orgs.world[fi])
          & ((orgs.interests[cand] & orgs.interests[fi] & fragile) != 0)
          & (orgs.active[cand] < orgs.capacity[cand]))
    if s.inter_territorial:
        region = terr.region
        far = region[orgs.commune[cand]] != region[orgs.commune[fi]]
        ok &= ~far | (rng.random(cand.shape) < s.cross_region_factor)
    ok = controllers.introductions(view, st, first, cand, ok)         # a played catalyst
    found = ok.any(axis=1)
    partner = cand[np.arange(n), ok.argmax(axis=1)]
    a, b = first[found], partner[found]
    if len(a):   # not a pair already allied
        rows = view.trust.find(view.trust.pair_keys(a, b))
        fresh = (rows < 0) | ~view.trust.allied[np.maximum(rows, 0)]
        a, b = a[fresh], b[fresh]
    if len(a):
        st.introductions += len(a)
        if s.trust_transfer:
            t0 = transferred_trust(view.ties.trust_with(st.number, a),
                                   view.ties.trust_with(st.number, b), s.initial_trust,
                                   s.trust_transfer_share, st.legitimacy)
        else:
            t0 = np.full(len(a), s.initial_trust)
        view.contacts.add(a, b, 1.0, t0, st.number, vouch=s.trust_transfer)
        view.ties.contact(st.number, np.concatenate([a, b]), 1.0)
        if s.accompaniment_months > 0:
            st.follow_a = np.concatenate([st.follow_a, a])
            st.follow_b = np.concatenate([st.follow_b, b])
            st.follow_t0 = np.concatenate([st.follow_t0, t0])
            st.follow_until = np.concatenate([
                st.follow_until, np.full(len(a), view.month + s.accompaniment_months)])
    _prospect(st, view, rng, n - len(a))


def _prospect(st: CatalystState, view: TerritoryView, rng: np.random.Generator, n: int) -> None:
    """Unused introduction slots: meet organisations of the area (the catalyst gets known)."""
    if n > 0:
        view.ties.contact(st.number, sample_area(st, rng, n), 1.0)
