"""Mission 3 — design, co-construct and run collective experiments.

Sources: an experimentation in four steps — listen, co-construct the programme, run it, value the
results (seed 000); the programme has a sharing event, co-development workshops ("impliquer") and
local experiments: "une sélection de 3 à 5 projets locaux" with a triple support — funding,
collective and individual coaching, promotion (seed 000); catalysts "concevoir, co-construire et
évaluer des expérimentations collectives" (seed 003 §3.2.3); Émergence: start 2012,
experimentation 2014, deployment 2017 (seed 001).

Rules:

* :func:`run_experiments` — the experiment mission's time goes first to the running experiments
  (``experiment_days`` each a month), then to listening until it is done
  (:func:`terrisim.catalysis.dialogue.listen`), then to a new experiment when the time left
  allows at least half of ``experiment_days`` for each running experiment and the new one, up to
  ``max_experiments`` at once;
* :func:`launch_experiment` — a group of up to ``experiment_group`` aware organisations of the
  area with spare capacity, around the fragile domain with the most such candidates (at least
  ``experiment_min_aware``, from at least two worlds), in the commune where that domain is most
  fragile; members are drawn in proportion to ``0.1 +`` the catalyst's trust in them (it gathers
  those it knows, "un premier ciblage des moteurs", seed 000, step 2; *assumption* for the
  form); the commune joins if its mayor holds experiments as a priority (survey Q8), else with
  ``secondary_role_factor``;
* :func:`workshop` — each month members meet in co-development workshops (``workshop_intensity``
  units of contact for every cross-world pair, scaled by the time the catalyst can give;
  facilitated, so at full speed across worlds), firms
  get involved, everybody learns the common language, and every member keeps up a tie with the
  catalyst — one collective work session;
* :func:`form_pilots` — member pairs of different worlds at the alliance threshold, both
  interested in the domain, become pilot projects (up to ``pilot_projects``) that run until the
  end of the experiment; operator drift may take them over (:mod:`terrisim.catalysis.operator`).
"""

from __future__ import annotations

import numpy as np

from .. import controllers
from ..alliances import resolve_capacity
from ..domains import BITS, N_DOMAINS, from_mask
from ..mayors import EXPERIMENTS
from ..organisations import ASSOCIATIVE, ECONOMIC, PUBLIC
from .context import TerritoryView
from .dialogue import listen
from .operator import lose_legitimacy
from .state import CatalystState, Experiment


def run_experiments(st: CatalystState, view: TerritoryView, rng: np.random.Generator,
                    days: float) -> None:
    """Running experiments first, then listening, then maybe a new experiment."""
    s, month = view.params, view.month
    for e in st.experiments:
        if e.end == month:
            view.events.add(month, "experiment_ended", st.number, commune=e.commune,
                            domain=e.domain, pilots=e.pilots)
    st.experiments = [e for e in st.experiments if e.end > month]
    need = len(st.experiments) * s.experiment_days
    effort = min(1.0, days / need) if need > 0 else 0.0
    for e in st.experiments:
        workshop(st, e, view, effort)
    spare = days - need
    if spare <= 0:
        return
    if st.listening_left > 0:
        listen(st, view, rng, spare)
        return
    # a new experiment needs at least half of its monthly time, sharing with the running ones
    if (len(st.experiments) < s.max_experiments
            and days >= 0.5 * (len(st.experiments) + 1) * s.experiment_days):
        launch_experiment(st, view, rng)


def workshop(st: CatalystState, e: Experiment, view: TerritoryView, effort: float) -> None:
    """A month of co-development workshops: members meet, firms get involved, language grows."""
    s = view.params
    if effort <= 0 or len(e.members) == 0:
        return
    if len(e.pair_a):
        view.contacts.add(e.pair_a, e.pair_b, s.workshop_intensity * effort, s.initial_trust,
                          e.catalyst, mediated=True)
    view.mark_workshop(e.members, effort)
    view.ties.contact(st.number, e.members, s.workshop_intensity * effort)
    st.sessions += 1


def launch_experiment(st: CatalystState, view: TerritoryView,
                      rng: np.random.Generator) -> Experiment | None:
    """Assemble a group around the fragile domain of the area with the most aware candidates."""
    s, orgs = view.params, view.orgs
    busy = {e.domain for e in st.experiments}
    area = st.area_orgs
    aware = area[orgs.aware[area] & (orgs.active[area] < orgs.capacity[area])]
    if len(aware) < s.experiment_min_aware:
        return None
    area_fragile = np.bitwise_or.reduce(view.fragile_bits[st.area_communes])
    flags = from_mask(orgs.interests[aware] & area_fragile)        # (n_aware, 16)
    counts = flags.sum(axis=0)
    worlds = np.stack([(flags & (orgs.world[aware] == w)[:, None]).any(axis=0)
                       for w in (PUBLIC, ECONOMIC, ASSOCIATIVE)]).sum(axis=0)
    eligible = (counts >= s.experiment_min_aware) & (worlds >= 2)
    for d in busy:
        eligible[d] = False
    if not eligible.any():
        return None
    score = np.where(eligible, counts + rng.random(N_DOMAINS) * 0.5, -1.0)
    domain = controllers.experiment_domain(view, st, eligible, int(np.argmax(score)))
    if domain is None:                                 # a played catalyst waits
        return None
    rel = view.relative_fragility[st.area_communes, domain]
    commune = int(st.area_communes[np.argmax(rel)])
    pool = aware[flags[:, domain]]
    weight = 0.1 + view.ties.trust_with(st.number, pool)
    size = min(len(pool), s.experiment_group)
    members = rng.choice(pool, size=size, replace=False, p=weight / weight.sum())
    join = orgs.priorities[commune, EXPERIMENTS] or rng.random() < s.secondary_role_factor
    if join and commune not in members:
        members = np.append(members, commune)
    members = members.astype(np.intp)
    ia, ib = np.triu_indices(len(members), k=1)
    cross = orgs.world[members[ia]] != orgs.world[members[ib]]   # the pairs trust is kept for
    ia, ib = ia[cross], ib[cross]
    e = Experiment(number=len(view.experiments), catalyst=st.number, commune=commune,
                   domain=domain, members=members, pair_a=members[ia], pair_b=members[ib],
                   start=view.month, end=view.month + s.experiment_months)
    st.experiments.append(e)
    if st.first_experiment is None:
        st.first_experiment = view.month
    view.experiment_started(e)
    view.events.add(view.month, "experiment_launched", st.number, bassin=st.bassin,
                    commune=commune, domain=domain, members=len(members))
    return e


def form_pilots(st: CatalystState, e: Experiment, view: TerritoryView,
                rng: np.random.Generator) -> np.ndarray:
    """Pilot projects: member pairs of different worlds at the trust threshold, both interested
    in the experiment's domain, with room for one more alliance (at most ``pilot_projects``)."""
    s, orgs = view.params, view.orgs
    room = s.pilot_projects - e.pilots
    if room <= 0 or len(e.pair_a) == 0:
        return np.zeros(0, dtype=np.int64)
    rows = view.trust.find(view.trust.pair_keys(e.pair_a, e.pair_b))
    known = rows >= 0
    r = np.maximum(rows, 0)
    trust = np.where(known, view.trust.trust[r], 0.0)
    allied = known & view.trust.allied[r]
    bit = BITS[e.domain]
    ok = (known & ~allied & (trust >= s.alliance_threshold)
          & ((orgs.interests[e.pair_a] & orgs.interests[e.pair_b] & bit) != 0)
          & (orgs.active[e.pair_a] < orgs.capacity[e.pair_a])
          & (orgs.active[e.pair_b] < orgs.capacity[e.pair_b]))
    ok = controllers.accept_alliances(view, e.pair_a, e.pair_b, ok)
    cand = np.flatnonzero(ok)
    if len(cand) == 0:
        return np.zeros(0, dtype=np.int64)
    cand = rng.permutation(cand)
    spare = (orgs.capacity - orgs.active).astype(np.int64)
    cand = cand[resolve_capacity(e.pair_a[cand], e.pair_b[cand], spare)][:room]
    ids = view.form_alliances(e.pair_a[cand], e.pair_b[cand], rows[cand],
                              domain=np.full(len(cand), e.domain),
                              commune=np.full(len(cand), e.commune), pilot=True,
                              catalyst=e.catalyst, until=e.end)
    e.pilots += len(ids)
    if len(ids) == 0:
        return ids
    if st.first_pilot is None:
        st.first_pilot = view.month
    view.events.add(view.month, "pilots_launched", st.number, commune=e.commune,
                    domain=e.domain, pilots=len(ids))
    if s.operator_drift:
        take = ids[rng.random(len(ids)) < s.drift_probability]
        if len(take):
            al = view.alliances
            al.operated[take] = True
            extra = np.maximum(1, np.round(rng.exponential(s.operated_project_months,
                                                           size=len(take))))
            al.end[take] += extra.astype(np.int32)
            st.operated.extend(int(x) for x in take)
            st.legitimacy = lose_legitimacy(st.legitimacy, len(take), s.legitimacy_loss)
            view.events.add(view.month, "project_operated", st.number, bassin=st.bassin,
                            operated=len(st.operated))
    return ids
