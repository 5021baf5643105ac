"""The territorial co-construction model: one month per step.

Order of one month (documented in docs/ODD.md, "Process overview and scheduling"):

1. **Catalysts** act, in random order: the funder's decision, operating projects (if drifting),
   dialogue events, brokered introductions, listening / collective experiments.
2. **Mayors** act, in random order: convene meetings and territorial dialogue forums; the model
   then holds them.
3. **Organisations** meet spontaneously (distance, terrain) and at tiers-lieux; they keep up
   their relationships; partners of active alliances keep in touch.
4. **Trust** is updated once from all this month's contacts (catalysts' own ties too); unvisited
   relationships decay.
5. **Alliances**: active ones may fail or complete; running experiments launch pilot projects
   among their members; then new alliances form wherever the condition holds.
6. **Learning and relief**: joint work teaches the common language; fragility relaxes and is
   reduced by active alliances; fragile domains are recomputed relative to the surroundings.
7. **Indicators** are computed and collected (Mesa DataCollector).

Before step 0 the territory's own dynamics run for ``spinup_months`` months without catalysts
(the *spin-up*), so the relational fabric inherited at the start is one the model's own rules
produce; nothing is recorded during the spin-up.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np
from mesa import Model
from mesa.datacollection import DataCollector
from mesa.discrete_space import OrthogonalVonNeumannGrid

from . import catalysis, controllers, indicators
from .agents import Association, Catalyst, Firm, Mayor, PublicBody
from .alliances import (
    COMPLETED,
    FAILED,
    SOCIAL_INNOVATION,
    AllianceTable,
    alliance_condition,
    closure_factor,
    draw_kind,
    failure_hazard,
    formation_probability,
    insiders,
    kind_weights,
    resolve_capacity,
    world_pair_index,
)
from .contacts import ContactBuffer
from .domains import from_mask
from .encounters import build_kernel, spontaneous, tiers_lieux_visits
from .events import EventLog
from .ladder import EVENT, INVOLVED, PROJECT, WORKSHOP, promote
from .mayors import INNOVATION, PARTNERSHIPS, PROFILE_TRAITS, TRAITS, monthly_plan, role_rates
from .memory import check_fits
from .mesa_compat import split_mesa_scenario
from .organisations import ECONOMIC, EPCI_BODY, PUBLIC, build_organisations, members_by_commune
from .scenario import Scenario
from .space import model_grid
from .streams import Streams
from .territory import (
    build_territory,
    fragile_masks,
    reduce_fragility,
    relative_fragility,
    relax_fragility,
)
from .trust import (
    TrustTable,
    cross_world_speed,
    decay,
    gain_rate,
    learn_language,
    maintenance_probability,
    penalise,
    reinforce,
)

#: Months between two passes that forget faded relationships (bounded memory, same results
#: whatever the pass length since forgotten pairs would restart from initial trust anyway).
FORGET_EVERY = 6


class IndicatorCollector(DataCollector):
    """Mesa's DataCollector for the model's indicators, which are plain floats computed once a
    month: it stores them as they are instead of calling and deep-copying one reporter per
    indicator (same ``model_vars`` and DataFrame as the base class, a tenth of the cost)."""

    def collect(self, model: TerritoryModel) -> None:
        if hasattr(self, "_collection_steps"):
            self._collection_steps.append(model.time)
        values = model.indicators
        for name, column in self.model_vars.items():
            column.append(values[name])


@functools.cache
def all_pairs(n: int) -> tuple[np.ndarray, np.ndarray]:
    """Index pairs (i < j) of a group of ``n`` (cached: meetings reuse a few sizes)."""
    return np.triu_indices(n, k=1)


def set_layer(grid: OrthogonalVonNeumannGrid, name: str, values: np.ndarray) -> None:
    """Write a (W, H) array into the grid's property layer ``name`` (created on first use).

    The only place that touches Mesa property layers (3.5 has no public accessor for a layer
    object, hence the private mapping), so a change of Mesa API stays local.
    """
    layers = grid._mesa_property_layers
    if name not in layers:
        grid.create_property_layer(name, default_value=0.0, dtype=float)
    layers[name].data[...] = values


def seed_of(rng: int | np.integer | np.random.Generator | None) -> int:
    """The run's integer seed from Mesa's ``rng`` argument: an integer is the seed itself; a
    numpy Generator gives one draw; None draws fresh entropy (a new, unreproducible run)."""
    if rng is None:
        return int(np.random.SeedSequence().entropy % (2**63))
    if isinstance(rng, np.random.Generator):
        return int(rng.integers(2**63))
    if isinstance(rng, bool) or not isinstance(rng, int | np.integer) or rng < 0:
        raise ValueError(f"rng must be a non-negative integer seed (got {rng!r})")
    return int(rng)


class TerritoryModel(Model):
    """Mayors, firms, associations, public bodies and catalysts building trust and alliances."""

    def __init__(self, *, rng: int | np.integer | np.random.Generator | None = None,
                 scenario: Scenario | None = None, **overrides: Any) -> None:
        """Build a territory from ``scenario`` (default: the default :class:`Scenario`) with any
        parameter overridden by keyword (``TerritoryModel(n_catalysts=0, rng=3)``), as Mesa's
        own models take their parameters; ``rng`` is the seed (Mesa 3.5 convention).

        The terrisim parameters are ``model.params``: Mesa keeps its own ``model.scenario``
        (an experimental Mesa object that SolaraViz and Mesa 4 rely on), so ours must not
        shadow it.  The spin-up months are simulated here, so a new model stands at step 0.
        """
        # a Mesa scenario (SolaraViz's Reset, Mesa 4's convention): its values are overrides
        scenario, mesa_scenario, rng, overrides = split_mesa_scenario(scenario, rng, overrides)
        params = scenario if scenario is not None else Scenario()
        if not isinstance(params, Scenario):
            raise TypeError(f"scenario must be a terrisim Scenario (got {type(params).__name__})")
        if overrides:
            params = params.replace(**overrides)
        # refuse a run that would not fit in memory, before allocating anything
        check_fits(params, what=f"scenario '{params.name}'"
                   + (f" (territory {params.territory})" if params.territory else ""))
        seed = seed_of(rng)
        if mesa_scenario is not None:
            mesa_scenario.rng = seed   # Mesa requires the model's rng and the scenario's to agree
        super().__init__(rng=seed, scenario=mesa_scenario)
        self.seed = seed
        self.params = s = params
        self.streams = Streams(seed)
        self._rngs: dict[tuple[str, int], np.random.Generator] = {}
        self.month = -s.spinup_months

        self.territory = build_territory(s, self.streams.get("territory"))
        self.orgs = build_organisations(s, self.territory, self.streams.get("organisations"))
        # Mesa cells only where an agent sits (terrisim.space: same model, far less memory)
        self.grid = model_grid(s.width, s.height, self.orgs.x, self.orgs.y, self.random)
        set_layer(self.grid, "commune", self.territory.commune_of_cell)
        set_layer(self.grid, "mountain", self.territory.mountain)
        self.kernel = build_kernel(s, self.territory, self.orgs, self.streams.get("kernel"))
        self.members, self.member_start = members_by_commune(self.orgs,
                                                             self.territory.n_communes)
        self._locals: dict[int, np.ndarray] = {}
        self._taken = np.zeros(self.orgs.n, dtype=bool)   # scratch marks (all False between uses)
        self.trust = TrustTable(self.orgs.n)
        self.ties = catalysis.CatalystTies(self.orgs.n)
        self.alliances = AllianceTable()
        self.contacts = ContactBuffer()
        self.events = EventLog()
        self.meetings: list[tuple[int, int, bool]] = []
        self.experiments: list[catalysis.Experiment] = []
        self.rate = gain_rate(s.initial_trust, s.alliance_threshold, s.trust_building_time)
        self.decay_factor = float(decay(np.float64(1.0), 1.0, s.trust_half_life))
        self._refresh_fragility()
        self._commune_traits()

        self._create_agents()
        self.catalysts = [a.state for a in self.agents_by_type.get(Catalyst, [])]
        self.strong = np.zeros(0, dtype=np.intp)
        self.cluster_size = np.ones(self.orgs.n, dtype=np.int64)   # (club closure)
        self.tally = indicators.Tally.create(self)
        for _ in range(s.spinup_months):
            self._month()
        self._start_recording()
        self.indicators: dict[str, float] = {}
        self._measure()
        self.datacollector = IndicatorCollector(model_reporters={
            name: (lambda m, k=name: m.indicators[k]) for name in self.indicators})
        self.datacollector.collect(self)

    # -- set-up ----------------------------------------------------------------------------
    def _commune_traits(self) -> None:
        """What each commune's mayor does with the roles and traits of its profile (mayors.py):
        meeting and forum rates, partnership help, innovation bias, project support, forums."""
        s, orgs = self.params, self.orgs
        pri = orgs.priorities
        traits = (PROFILE_TRAITS[orgs.profile] if s.mayor_profiles
                  else np.ones((len(orgs.profile), len(TRAITS))) * [1.0, 0.0, 1.0, 1.0])
        self.traits = {name: traits[:, k] for k, name in enumerate(TRAITS)}
        self.mayor_rates = role_rates(pri, s.meeting_rate, s.dialogue_rate,
                                      s.secondary_role_factor)
        self.help = 1.0 + (s.partnership_help - 1.0) * np.where(
            pri[:, PARTNERSHIPS], 1.0, s.secondary_role_factor)
        self.innovation_bias = self.traits["innovation_bias"] * np.where(
            pri[:, INNOVATION], s.innovation_promotion, 1.0)
        # the intercommunality of each commune, which its mayor's forums invite
        c = self.territory.n_communes
        self.epci_body = np.full(c, -1, dtype=np.intp)
        bodies = np.flatnonzero(orgs.body == EPCI_BODY)
        if len(bodies):
            seat_epci = self.territory.epci[orgs.commune[bodies]]
            lookup = dict(zip(seat_epci.tolist(), bodies.tolist(), strict=True))
            self.epci_body = np.array([lookup.get(int(e), -1) for e in self.territory.epci],
                                      dtype=np.intp)

    def _create_agents(self) -> None:
        s, orgs, cells = self.params, self.orgs, self.grid
        c = self.territory.n_communes
        for idx in range(orgs.n):
            if idx < c:
                cls = Mayor
            elif orgs.world[idx] == ECONOMIC:
                cls = Firm
            elif orgs.world[idx] == PUBLIC:
                cls = PublicBody
            else:
                cls = Association
            cls(self, idx, cells[(int(orgs.x[idx]), int(orgs.y[idx]))])
        if s.n_catalysts == 0:
            return
        terr = self.territory
        n_bassins = len(terr.region_of_bassin)
        sizes = np.bincount(terr.bassin[orgs.commune], minlength=n_bassins)
        ranking = np.argsort(-sizes, kind="stable")
        width = min(s.catalyst_bassins, n_bassins)
        for k in range(s.n_catalysts):
            start = (k * width) % n_bassins
            bassins = ranking[(start + np.arange(width)) % n_bassins]
            communes = np.flatnonzero(terr.bassin == bassins[0])
            home = communes[np.argmax(self.n_orgs_in(communes))]
            origin = (catalysis.ORIGINS[k % 4] if s.catalyst_origin == "mixed"
                      else s.catalyst_origin)
            x, y = terr.centres[home]
            Catalyst(self, k, origin, bassins, cells[(int(x), int(y))])

    def n_orgs_in(self, communes: np.ndarray) -> np.ndarray:
        return self.member_start[communes + 1] - self.member_start[communes]

    def _start_recording(self) -> None:
        """Step 0: what the spin-up built is the inherited state (relationships, alliances,
        awareness, common language, fragility, commune stages); its counts are not results."""
        stage, streak = self.tally.stage, self.tally.streak
        self.tally = indicators.Tally.create(self)
        self.tally.stage, self.tally.streak = stage, streak
        self.orgs.alliance_months[:] = 0.0
        self.events = EventLog()
        self.month = 0
        self._rngs = {}

    # -- services used by agents and the rules -----------------------------------------------
    def rng_for(self, process: str, sub: int = 0) -> np.random.Generator:
        """This month's random stream of ``process`` (and actor ``sub``); see streams.py."""
        key = (process, sub)
        gen = self._rngs.get(key)
        if gen is None:
            gen = self._rngs[key] = self.streams.monthly(process, self.month, sub)
        return gen

    def _local(self, commune: int) -> np.ndarray:
        """The organisations of ``commune`` other than the commune itself (static: cached)."""
        local = self._locals.get(commune)
        if local is None:
            lo, hi = self.member_start[commune], self.member_start[commune + 1]
            local = self.members[lo:hi]
            local = self._locals[commune] = local[local != commune]
        return local

    def request_meeting(self, commune: int, size: int, forum: bool) -> None:
        self.meetings.append((commune, size, forum))

    def experiment_started(self, e: catalysis.Experiment) -> None:
        self.experiments.append(e)
        self.tally.experiments_launched += 1
        self.tally.communes_accompanied[e.commune] = True

    def mark_event(self, who: np.ndarray) -> None:
        """Shared event (meeting, forum, dialogue event): attendees become aware."""
        self.orgs.aware[who] = True
        self._promote_firms(who, EVENT)

    def mark_workshop(self, who: np.ndarray, effort: float) -> None:
        """Co-development workshop: firms get involved; everybody learns the common language."""
        orgs = self.orgs
        orgs.aware[who] = True
        self._promote_firms(who, WORKSHOP)
        orgs.language[who] = learn_language(orgs.language[who], effort,
                                            self.params.language_learning)

    def _promote_firms(self, who: np.ndarray, cause: int) -> None:
        """Move the firms among ``who`` up the ladder for ``cause`` (once each, even if listed
        twice: two projects in one month are one step of engagement), counting promotions."""
        orgs = self.orgs
        firms = who[orgs.world[who] == ECONOMIC]
        before = orgs.ladder[firms]
        after = promote(before, cause)
        moved = after != before
        if moved.any():   # a firm listed twice read the same rung both times: it moves once
            orgs.ladder[firms] = after
            self.tally.promoted[cause] += len(np.unique(firms[moved]))

    def gathering_contacts(self, attendees: np.ndarray, per_attendee: float, intensity: float,
                           trust0: float, broker: int, rng: np.random.Generator) -> None:
        """At a gathering each attendee really talks to ``per_attendee`` others, at random."""
        n = len(attendees)
        if n < 2 or per_attendee <= 0:
            return
        m = rng.poisson(per_attendee * n / 2.0)
        a, b = attendees[rng.integers(n, size=(2, m))]
        keep = a != b
        self.contacts.add(a[keep], b[keep], intensity, trust0, broker)

    # -- the month -------------------------------------------------------------------------
    def step(self) -> None:
        """One recorded month (Mesa's step): the month's processes, then the indicators."""
        self._month()
        self._measure()
        self.datacollector.collect(self)
        if self.month >= self.params.steps:
            self.running = False

    def _month(self) -> None:
        """One month of every process (also used, unrecorded, for the spin-up)."""
        s = self.params
        self.month += 1
        self._rngs = {}
        self.tally.new_month()
        if self.month > 0 and Catalyst in self.agents_by_type:
            self.agents_by_type[Catalyst].shuffle_do("step")
        self.mayor_plan = controllers.mayor_plan(
            self, monthly_plan(self.mayor_rates, self.rng_for("mayors"))).tolist()
        self.agents_by_type[Mayor].shuffle_do("step")
        self._hold_meetings()
        a, b = spontaneous(self.kernel, s, self.rng_for("encounters"))
        self.tally.encounters = len(a)
        self.contacts.add(a, b, 1.0, s.initial_trust, -1)
        a, b = tiers_lieux_visits(self.kernel, self.rng_for("encounters"))
        self.tally.encounters += len(a)
        self.contacts.add(a, b, 1.0, s.initial_trust, -1)
        self._maintenance_contacts()
        active = self.alliances.active_ids()
        self.contacts.add(self.alliances.a[active], self.alliances.b[active], 1.0,
                          s.initial_trust, -1)
        self._update_trust()
        self._alliance_lifecycle()
        for e in self.experiments:   # pilot projects first: members ally within the experiment
            if e.end > self.month:
                catalysis.form_pilots(self.catalysts[e.catalyst], e, self,
                                      self.rng_for("experiments"))
        self._form_alliances()
        self._learn_and_relieve()
        indicators.update_stages(self)

    def _hold_meetings(self) -> None:
        """Meetings (everyone meets everyone) and forums (a few conversations each).

        Held in commune order, so the draws do not depend on the order mayors were activated
        in.  A forum also invites the commune's intercommunality; with ``open_ecosystem`` the
        mayor keeps the ``open_forums`` share of its seats for organisations never allied
        (open governance, 003 §3.1.1).
        """
        s, orgs = self.params, self.orgs
        rng = self.rng_for("meetings")
        attended = []
        taken = self._taken
        for commune, size, forum in sorted(self.meetings):
            local = self._local(commune)
            if len(local) == 0:
                continue
            if forum:
                size = round(size * self.traits["forum_size"][commune])
                open_seats = (round(size * self.traits["open_forums"][commune])
                              if s.open_ecosystem else 0)
                outsiders = local[~orgs.ever_allied[local]]
                first = rng.choice(outsiders, size=min(open_seats, len(outsiders)),
                                   replace=False)
                taken[first] = True            # the rest of the commune's organisations
                rest = local[~taken[local]]
                taken[first] = False
                who = np.concatenate([first, rng.choice(
                    rest, size=min(size - len(first), len(rest)), replace=False)])
                body = self.epci_body[commune]
                extra = [commune] if body < 0 or body in who else [commune, body]
                who = np.append(who, extra).astype(np.intp)
                self.gathering_contacts(who, s.event_contacts, 1.0, s.initial_trust, -1, rng)
            else:
                who = rng.choice(local, size=min(size, len(local)), replace=False)
                who = np.append(who, commune).astype(np.intp)
                ia, ib = all_pairs(len(who))
                self.contacts.add(who[ia], who[ib], 1.0, s.initial_trust, -1)
            attended.append(who)
        if attended:   # everybody who attended a meeting or forum this month is now aware
            self.mark_event(np.concatenate(attended))
        self.tally.meetings = sum(1 for _, _, forum in self.meetings if not forum)
        self.tally.forums = len(self.meetings) - self.tally.meetings
        self.meetings = []

    def _maintenance_contacts(self) -> None:
        """Organisations keep up existing relationships, in proportion to trust, within a
        limited monthly relational time (*assumption*: the sources say trust needs regular
        contact, not how people choose whom to see again)."""
        s, tt = self.params, self.trust
        if len(tt) == 0 or s.maintenance_rate <= 0:
            return
        club = insider = None
        closure = 0.0
        if s.club_closure:
            self.cluster_size = self._cluster_sizes()
            insider = insiders(self.cluster_size, s.insider_cluster)
            club = insider[tt.i] & insider[tt.j]
            closure = s.closure_strength
        attention = maintenance_probability(tt.i, tt.j, tt.trust,
                                            s.maintenance_rate * self.orgs.activity, club,
                                            closure, insider)
        rng = self.rng_for("maintenance")
        self.contacts.add_rows(np.flatnonzero(rng.random(len(tt)) < attention), 1.0)

    def _update_trust(self) -> None:
        """Apply every contact of the month at once; decay the rest; forget faded ties."""
        s, orgs, tt = self.params, self.orgs, self.trust
        a, b, q, t0, br, vouch, mediated = self.contacts.drain()
        known, q_known = self.contacts.drain_rows()
        # only relationships between worlds are tracked: alliances need two worlds, and peer
        # ties within a world are outside the model's question (*assumption*, see ODD)
        keep = orgs.world[a] != orgs.world[b]
        if not keep.all():   # (integer indices: faster than a boolean mask for 7 columns)
            k = np.flatnonzero(keep)
            a, b, q, t0, br, vouch, mediated = (a[k], b[k], q[k], t0[k], br[k], vouch[k],
                                                mediated[k])
        keys = tt.pair_keys(a, b)
        rows = tt.find(keys)
        new = rows < 0
        if new.any():
            fresh, old = np.flatnonzero(new), np.flatnonzero(~new)
            nk, inv = np.unique(keys[fresh], return_inverse=True)
            first_trust = np.zeros(len(nk))
            np.maximum.at(first_trust, inv, t0[fresh])
            first_broker = np.full(len(nk), -1, dtype=np.int16)
            np.maximum.at(first_broker, inv, br[fresh])
            # rows after insertion: known pairs shift by the new keys before them
            rows[old] += np.searchsorted(nk, keys[old])
            known = known + np.searchsorted(nk, tt.key[known])
            at = tt.insert(nk, first_trust, first_broker, orgs.interests)
            rows[fresh] = at[inv]
        brokered = br >= 0
        if brokered.any():  # credit the catalyst that brought a pair together
            r = rows[brokered]
            unclaimed = tt.broker[r] < 0
            tt.broker[r[unclaimed]] = br[brokered][unclaimed]
        contact = np.bincount(np.concatenate([rows, known]),
                              weights=np.concatenate([q, q_known]), minlength=len(tt))
        touched = np.flatnonzero(contact != 0)   # (a bool mask is 4× faster to scan)
        i, j = tt.i[touched], tt.j[touched]
        factor = s.cross_world_factor if s.cross_world_penalty else 1.0
        speed = cross_world_speed(orgs.language[i], orgs.language[j], factor)
        units = contact[touched] * speed
        if mediated.any():   # facilitated by a catalyst: full speed across worlds
            med = np.bincount(rows[mediated], weights=q[mediated], minlength=len(tt))[touched]
            units += med * (1.0 - speed)
        updated = reinforce(tt.trust[touched], units, self.rate)
        if s.trust_decay:
            tt.trust *= self.decay_factor
        tt.trust[touched] = updated
        if vouch.any():   # a catalyst vouched for the pair: trust at least what it passed on
            np.maximum.at(tt.trust, rows[vouch], t0[vouch])
        forget = self.month % FORGET_EVERY == 0
        self.ties.update(s.initial_trust, self.rate, self.decay_factor, s.forget_below,
                         decays=s.trust_decay, forget=forget,
                         intensity=s.catalyst_tie_intensity)
        if forget:
            tt.forget(s.forget_below)

    def _alliance_lifecycle(self) -> None:
        """Active alliances fail (risk of the other) or complete at their planned end."""
        s, al, tt, orgs = self.params, self.alliances, self.trust, self.orgs
        ids = al.active_ids()
        if len(ids) == 0:
            return
        rows = tt.find(tt.pair_keys(al.a[ids], al.b[ids]))
        support = (np.where(al.pilot[ids], s.pilot_support, 1.0)
                   * self.traits["project_support"][al.commune[ids]])
        hazard = failure_hazard(tt.trust[rows], s.alliance_threshold, s.failure_rate, support)
        fail = self.rng_for("lifecycle").random(len(ids)) < hazard
        done = ~fail & (al.end[ids] <= self.month)
        ended = fail | done
        if fail.any():
            f = ids[fail]
            al.set_status(f, FAILED)
            if s.failure_trust_loss:
                tt.trust[rows[fail]] = penalise(tt.trust[rows[fail]], s.failure_penalty)
            np.add.at(self.tally.failed_kind, al.kind[f], 1)
        if done.any():
            d = ids[done]
            al.set_status(d, COMPLETED)
            innov = al.pilot[d] | (al.kind[d] == SOCIAL_INNOVATION)
            np.add.at(self.tally.innovations, al.commune[d][innov], 1)
            for cat in al.catalyst[d][al.pilot[d]]:
                st = self.catalysts[cat]
                st.completed_pilots += 1
                if st.deployed is None and st.completed_pilots >= s.deployment_projects:
                    st.deployed = self.month
                    self.events.add(self.month, "programme_deployed", int(cat),
                                    bassin=st.bassin, completed_pilots=st.completed_pilots)
            self.tally.completed += int(done.sum())
        if ended.any():
            e = ids[ended]
            al.stopped[e] = self.month
            tt.allied[rows[ended]] = False
            np.subtract.at(orgs.active, al.a[e], 1)
            np.subtract.at(orgs.active, al.b[e], 1)

    def _form_alliances(self) -> None:
        """Alliances wherever the alliance condition holds, with a monthly probability."""
        s, tt, orgs = self.params, self.trust, self.orgs
        self.strong = np.flatnonzero(tt.trust >= s.alliance_threshold)
        # pairs sharing no domain can never ally: leave them out early
        rows = self.strong[~tt.allied[self.strong] & (tt.shared[self.strong] != 0)]
        if len(rows) == 0:
            return
        i, j = tt.i[rows], tt.j[rows]
        ci, cj = orgs.commune[i], orgs.commune[j]
        fragile = tt.shared[rows] & (self.fragile_bits[ci] | self.fragile_bits[cj])
        spare = orgs.capacity - orgs.active
        ok = alliance_condition(tt.trust[rows], orgs.world[i], orgs.world[j], fragile, spare[i],
                                spare[j], s.alliance_threshold)
        hazard = (s.formation_rate * orgs.openness[i] * orgs.openness[j]
                  * np.maximum(self.help[ci], self.help[cj]))
        if s.club_closure:
            exempt = ((tt.broker[rows] >= 0) | (orgs.world[i] == PUBLIC)
                      | (orgs.world[j] == PUBLIC)) if s.open_ecosystem else False
            insider = insiders(self.cluster_size, s.insider_cluster)
            hazard = hazard * closure_factor(insider[i], insider[j], orgs.ever_allied[i],
                                             orgs.ever_allied[j], s.closure_strength, exempt)
        rng = self.rng_for("alliances")
        ok &= rng.random(len(rows)) < formation_probability(hazard)
        ok = controllers.accept_alliances(self, i, j, ok)      # played firms/associations
        if not ok.any():
            return
        sel = rng.permutation(np.flatnonzero(ok))
        sel = sel[resolve_capacity(i[sel], j[sel], spare)]
        i, j, ci, cj, fr = i[sel], j[sel], ci[sel], cj[sel], fragile[sel]
        # the need addressed: the shared domain most fragile (relative) in either commune
        bits, rel = from_mask(fr), self.relative_fragility
        score_i = np.where(bits & from_mask(self.fragile_bits[ci]), rel[ci], -np.inf)
        score_j = np.where(bits & from_mask(self.fragile_bits[cj]), rel[cj], -np.inf)
        use_j = score_j.max(axis=1) > score_i.max(axis=1)
        domain = np.where(use_j, score_j.argmax(axis=1), score_i.argmax(axis=1))
        commune = np.where(use_j, cj, ci)
        self.form_alliances(i, j, rows[sel], domain, commune)

    def _cluster_sizes(self) -> np.ndarray:
        """Size of every organisation's alliance cluster (1 when alone)."""
        al = self.alliances
        ids = al.active_ids()
        return indicators.cluster_sizes(al.a[ids], al.b[ids], self.orgs.n)

    def form_alliances(self, a: np.ndarray, b: np.ndarray, rows: np.ndarray, domain: np.ndarray,
                       commune: np.ndarray, pilot: bool = False, catalyst: int = -1,
                       until: int | None = None) -> np.ndarray:
        """Register new alliances on trust rows ``rows`` (condition already checked).

        Spontaneous alliances get an exponential planned duration; pilot projects run ``until``
        the end of their experiment (its time of local projects, seed 000).
        """
        s, orgs, tt = self.params, self.orgs, self.trust
        rng = self.rng_for("alliances")
        trust = tt.trust[rows]
        pair = world_pair_index(orgs.world[a], orgs.world[b])
        mature_a = np.where(orgs.world[a] == ECONOMIC, orgs.ladder[a] >= INVOLVED, orgs.aware[a])
        mature_b = np.where(orgs.world[b] == ECONOMIC, orgs.ladder[b] >= INVOLVED, orgs.aware[b])
        w = kind_weights(pair, trust, mature_a & mature_b, np.array(s.kind_weights()),
                         s.alliance_threshold, s.social_innovation_extra_trust)
        w[:, SOCIAL_INNOVATION] *= self.innovation_bias[commune]
        possible = w.sum(axis=1) > 0
        if not possible.all():
            a, b, rows, domain, commune, w, pair = (
                a[possible], b[possible], rows[possible], domain[possible], commune[possible],
                w[possible], pair[possible])
        n = len(a)
        if n == 0:
            return np.zeros(0, dtype=np.int64)
        kind = draw_kind(w, rng.random(n))
        duration = np.maximum(3, np.round(rng.exponential(s.alliance_duration, size=n)))
        if until is not None:
            duration = np.full(n, max(1, until - self.month))
        credit = np.full(n, catalyst) if catalyst >= 0 else tt.broker[rows].astype(int)
        ids = self.alliances.add(
            a=a, b=b, kind=kind, domain=domain, commune=commune, pair=pair, start=self.month,
            end=self.month + duration.astype(np.int32), pilot=pilot, catalyst=credit)
        tt.allied[rows] = True
        np.add.at(orgs.active, a, 1)
        np.add.at(orgs.active, b, 1)
        orgs.ever_allied[a] = orgs.ever_allied[b] = True
        self._promote_firms(np.concatenate([a, b]), PROJECT)
        self.tally.record_formed(self, ids)
        for cat in credit[credit >= 0]:
            st = self.catalysts[cat]
            st.credited += 1
            if st.funded_until is not None:
                st.period_results += 1
        return ids

    def _learn_and_relieve(self) -> None:
        """Joint work in alliances teaches the common language and relieves fragility."""
        s, al, orgs = self.params, self.alliances, self.orgs
        ids = al.active_ids()
        ends = np.concatenate([al.a[ids], al.b[ids]])
        months = np.bincount(ends, minlength=orgs.n)
        orgs.alliance_months += months
        working = months > 0
        orgs.language[working] = learn_language(orgs.language[working], 1.0,
                                                s.language_learning)
        relax_fragility(self.territory, s.fragility_relapse)
        if s.fragility_feedback:
            reduce_fragility(self.territory, al.commune[ids], al.domain[ids],
                             s.fragility_reduction)
        self._refresh_fragility()

    def _refresh_fragility(self) -> None:
        """Fragility relative to the surroundings, and the fragile domains of each commune."""
        self.relative_fragility = relative_fragility(self.territory)
        self.fragile_bits = fragile_masks(self.territory, self.params.fragile_margin)

    def _measure(self) -> None:
        self.indicators = indicators.measure(self)

    # -- conveniences ----------------------------------------------------------------------
    @property
    def commune_stage(self) -> np.ndarray:
        """Co-construction stage of each commune this month (index into indicators.STAGES)."""
        return self.tally.stage

    def run(self, steps: int | None = None) -> None:
        """Run ``steps`` months (default: to the scenario's horizon)."""
        target = self.params.steps if steps is None else self.month + steps
        while self.month < target:
            self.step()

    def dataframe(self):
        """Indicators of every collected step as a DataFrame (one row per month)."""
        return self.datacollector.get_model_vars_dataframe()


@functools.cache
def indicator_names() -> tuple[str, ...]:
    """Names of every indicator, in collection order (read from a tiny model at step 0, so the
    list is never restated by hand)."""
    tiny = Scenario(width=10, height=10, n_communes=2, n_bassins=1, n_firms=4, n_associations=4,
                    n_catalysts=1, steps=1, spinup_months=0)
    return tuple(TerritoryModel(scenario=tiny, rng=0).indicators)


__all__ = ["TerritoryModel", "indicator_names", "seed_of"]
