"""The participatory mode's class session (NetLogo's HubNet): one shared territory, a teacher
who runs its clock, learners who each play one actor.

``terrisim app --class`` makes one :class:`Classroom` for the server.  The teacher's screen shows
the shared territory, runs the clock month by month and sees who plays what; each learner joins
from their own browser, takes an actor — a mayor, a catalyst, a firm or an association — and
sends that actor's decisions for the coming month through a simple form.  The model asks the
class's :class:`ClassController` at its decision points (:mod:`terrisim.controllers`): a played
actor with a decision for this month follows it, every other actor follows the model's rules.
At the end, the debrief compares the class's territory with the model alone on the same
scenario and seed.

The decisions a form can send (validated here, never trusted):

* mayor — ``meetings`` (0–4) and ``forums`` (0–2) convened this month;
* catalyst — ``shares`` of its time over (dialogue, introductions, experiments), whom it
  ``introduce``\\ s (``model``, or one pair of worlds: ``economic_associative``,
  ``public_economic``, ``public_associative``), which ``experiment`` it launches when it can
  (``model``, ``wait``, or a domain);
* firm / association — from which worlds it ``accept``\\ s alliance proposals this month.

Pure Python (no Solara): the unit tests and the benchmark drive it directly; the pages are in
:mod:`terrisim.app.components.classroom`.
"""

from __future__ import annotations

import contextlib
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from ..controllers import Controller
from ..domains import DOMAINS
from ..model import TerritoryModel
from ..organisations import ASSOCIATIVE, ECONOMIC, PUBLIC, WORLDS
from ..scenario import Scenario
from . import history

if TYPE_CHECKING:
    from ..catalysis.state import CatalystState

__all__ = ["ENV_CLASS", "ENV_TEACHER", "ROLES", "ClassController", "Classroom", "Seat",
           "shared"]

#: Set by ``terrisim app --class``: the server holds one class session, and its teacher's key.
ENV_CLASS = "TERRISIM_APP_CLASS"
ENV_TEACHER = "TERRISIM_APP_TEACHER_KEY"
#: The address learners open (shown on the teacher's screen).
ENV_JOIN_URL = "TERRISIM_APP_JOIN_URL"

ROLES: tuple[str, ...] = ("mayor", "catalyst", "firm", "association")
#: Bounds of a mayor's monthly decisions (a mayor of the baseline convenes ~0.2 meetings and
#: ~0.05 forums a month; a few a month is already a very active mayor).
MAX_MEETINGS, MAX_FORUMS = 4, 2
#: Whom a catalyst may choose to introduce: a pair of worlds (or the model's rule).
INTRODUCE = {"economic_associative": (ECONOMIC, ASSOCIATIVE),
             "public_economic": (PUBLIC, ECONOMIC),
             "public_associative": (PUBLIC, ASSOCIATIVE)}


@dataclass
class Seat:
    """One learner and the actor they play."""

    token: str
    name: str
    role: str
    actor: int                      # organisation index (mayor: commune), or catalyst number
    decision: dict[str, Any] | None = None     # for the coming month (None: the model's rule)
    ready: bool = False
    applied: dict[str, Any] = field(default_factory=dict)   # what the last month did
    proposals: dict[str, int] = field(default_factory=lambda: {"accepted": 0, "refused": 0})


class ClassController(Controller):
    """The model's rules, except for the actors the class plays (see the module's list)."""

    def __init__(self, classroom: Classroom) -> None:
        self.room = classroom

    def _seats(self, role: str) -> list[Seat]:
        return [s for s in self.room.seats.values() if s.role == role]

    def mayor_plan(self, model: TerritoryModel, plan: np.ndarray) -> np.ndarray:
        seats = [s for s in self._seats("mayor") if s.decision]
        if not seats:
            return plan
        plan = plan.copy()
        for s in seats:
            plan[s.actor] = (s.decision["meetings"], s.decision["forums"])
            s.applied = {"meetings": int(plan[s.actor, 0]), "forums": int(plan[s.actor, 1])}
        return plan

    def _catalyst(self, number: int) -> Seat | None:
        for s in self._seats("catalyst"):
            if s.actor == number and s.decision:
                return s
        return None

    def mission_shares(self, model: TerritoryModel, catalyst: CatalystState,
                       shares: tuple[float, float, float]) -> tuple[float, float, float]:
        seat = self._catalyst(catalyst.number)
        if seat is None:
            return shares
        seat.applied["shares"] = list(seat.decision["shares"])
        return tuple(seat.decision["shares"])

    def introductions(self, model: TerritoryModel, catalyst: CatalystState, first: np.ndarray,
                      candidates: np.ndarray, ok: np.ndarray) -> np.ndarray:
        seat = self._catalyst(catalyst.number)
        if seat is None or seat.decision["introduce"] == "model":
            return ok
        wa, wb = INTRODUCE[seat.decision["introduce"]]
        world = model.orgs.world
        fw, cw = world[first][:, None], world[candidates]
        chosen = ok & (((fw == wa) & (cw == wb)) | ((fw == wb) & (cw == wa)))
        seat.applied["introductions"] = int(chosen.any(axis=1).sum())
        return chosen

    def experiment_domain(self, model: TerritoryModel, catalyst: CatalystState,
                          eligible: np.ndarray, domain: int) -> int | None:
        seat = self._catalyst(catalyst.number)
        if seat is None or seat.decision["experiment"] == "model":
            return domain
        wanted = seat.decision["experiment"]
        if wanted == "wait":
            seat.applied["experiment"] = "waited"
            return None
        d = DOMAINS.index(wanted)
        if not eligible[d]:          # not enough aware partners on that domain yet
            seat.applied["experiment"] = f"not_ready:{wanted}"
            return None
        seat.applied["experiment"] = f"launched:{wanted}"
        return d

    def accept_alliances(self, model: TerritoryModel, a: np.ndarray, b: np.ndarray,
                         ok: np.ndarray) -> np.ndarray:
        seats = [s for s in self.room.seats.values() if s.role in ("firm", "association")]
        if not seats or not ok.any():
            return ok
        ok = ok.copy()
        world = model.orgs.world
        for s in seats:
            for mine, other in ((a, b), (b, a)):
                here = ok & (mine == s.actor)
                if not here.any():
                    continue
                accepts = s.decision["accept"] if s.decision else list(WORLDS)
                refuse = here & ~np.isin(world[other], [WORLDS.index(w) for w in accepts])
                s.proposals["accepted"] += int((here & ~refuse).sum())
                s.proposals["refused"] += int(refuse.sum())
                ok &= ~refuse
        return ok


class Classroom:
    """The class session of a server: the shared model, the seats, the clock, the debrief."""

    def __init__(self, scenario: Scenario, seed: int, token: str = "",
                 teacher_key: str | None = None) -> None:
        self.scenario = scenario
        self.seed = int(seed)
        self.token = token
        self.teacher_key = teacher_key or secrets.token_urlsafe(9)
        self.lock = threading.RLock()
        self.seats: dict[str, Seat] = {}
        self.controller = ClassController(self)
        self.model = self._new_model()
        self.phase = "play"                 # or "debrief"
        self.tick = 0                       # bumped after every month and every seat change
        self._listeners: dict[int, Callable[[], None]] = {}
        self._next_listener = 0
        self._alone: history.RunRecord | None = None
        self._alone_cache: TerritoryModel | None = None
        self._pending = threading.Event()
        self._busy = False
        self._notifier: threading.Thread | None = None

    def _new_model(self) -> TerritoryModel:
        model = TerritoryModel(scenario=self.scenario, rng=self.seed)
        model.controller = self.controller
        return model

    # -- learners --------------------------------------------------------------------------
    def free_actors(self, role: str, limit: int = 12) -> list[int]:
        """Actors of ``role`` nobody plays, the most telling first: the catalysts in order;
        mayors of the communes with the most organisations; the largest firms (ETI, PME…);
        the associations that can carry the most alliances."""
        taken = {s.actor for s in self.seats.values() if s.role == role}
        model, orgs = self.model, self.model.orgs
        c = model.territory.n_communes
        if role == "catalyst":
            order = [st.number for st in model.catalysts]
        elif role == "mayor":
            order = list(np.argsort(-model.n_orgs_in(np.arange(c)), kind="stable"))
        else:
            world = ECONOMIC if role == "firm" else ASSOCIATIVE
            idx = np.flatnonzero(orgs.world == world)
            weight = orgs.size_class[idx] if role == "firm" else orgs.capacity[idx]
            order = list(idx[np.argsort(-weight, kind="stable")])
        return [int(k) for k in order if int(k) not in taken][:limit]

    def join(self, token: str, name: str, role: str, actor: int | None = None) -> Seat:
        """Seat a learner (again, after a reload: same token, same seat)."""
        with self.lock:
            if token in self.seats:
                return self.seats[token]
            if role not in ROLES:
                raise ValueError(f"unknown role {role!r}")
            free = self.free_actors(role, limit=10**6)
            if not free:
                raise LookupError(role)
            pick = actor if actor in free else free[0]
            seat = Seat(token=token, name=str(name).strip()[:40] or "?", role=role, actor=pick)
            self.seats[token] = seat
            self._changed()
            return seat

    def leave(self, token: str) -> None:
        with self.lock:
            if self.seats.pop(token, None) is not None:
                self._changed()

    def decide(self, token: str, decision: dict[str, Any]) -> dict[str, Any]:
        """Record a learner's decision for the coming month (validated); returns it."""
        with self.lock:
            seat = self.seats[token]
            seat.decision = self.validate(seat.role, decision)
            seat.ready = True
            self._changed()
            return seat.decision

    @staticmethod
    def validate(role: str, d: dict[str, Any]) -> dict[str, Any]:
        """A decision within bounds (anything else is clipped or replaced by the model's)."""
        if role == "mayor":
            return {"meetings": int(np.clip(int(d.get("meetings", 0)), 0, MAX_MEETINGS)),
                    "forums": int(np.clip(int(d.get("forums", 0)), 0, MAX_FORUMS))}
        if role == "catalyst":
            shares = [max(0.0, float(x)) for x in list(d.get("shares", (1, 1, 1)))[:3]]
            if len(shares) < 3 or sum(shares) <= 0:
                shares = [1.0, 1.0, 1.0]
            total = sum(shares)
            introduce = d.get("introduce", "model")
            experiment = d.get("experiment", "model")
            return {"shares": [x / total for x in shares],
                    "introduce": introduce if introduce in INTRODUCE else "model",
                    "experiment": experiment if experiment in ("model", "wait", *DOMAINS)
                    else "model"}
        accepts = [w for w in d.get("accept", WORLDS) if w in WORLDS]
        return {"accept": accepts}

    # -- the clock -----------------------------------------------------------------------------
    def step(self) -> bool:
        """One month of the shared territory (the teacher's click); every learner is told."""
        from .capacity import gate

        with gate.turn(interactive=True), self.lock:
            if not self.model.running:
                return False
            for seat in self.seats.values():
                seat.applied = {}
                seat.proposals = {"accepted": 0, "refused": 0}
            self.model.step()
            for seat in self.seats.values():
                seat.ready = False          # decide again for the next month
            going = bool(self.model.running)
        self._changed()
        return going

    def restart(self) -> None:
        with self.lock:
            self.model = self._new_model()
            self.phase = "play"
            for seat in self.seats.values():
                seat.decision, seat.ready, seat.applied = None, False, {}
            self._alone, self._alone_cache = None, None
        self._changed()

    def set_phase(self, phase: str) -> None:
        self.phase = phase
        self._changed()

    # -- who is told ---------------------------------------------------------------------------
    def listen(self, callback: Callable[[], None]) -> int:
        with self.lock:
            self._next_listener += 1
            self._listeners[self._next_listener] = callback
            return self._next_listener

    def unlisten(self, key: int) -> None:
        with self.lock:
            self._listeners.pop(key, None)

    def _changed(self) -> None:
        """Tell every page, from a thread of the class's own: the teacher's click returns as
        soon as the month is done, and changes that come faster than the pages redraw are
        coalesced into one redraw."""
        self.tick += 1
        self._pending.set()
        if self._notifier is None or not self._notifier.is_alive():
            self._notifier = threading.Thread(target=self._notify_loop, daemon=True,
                                              name="terrisim-class-notifier")
            self._notifier.current_context = None  # type: ignore[attr-defined]
            self._notifier.start()

    def _notify_loop(self) -> None:
        while self._pending.wait(timeout=30):
            self._busy = True
            self._pending.clear()
            with self.lock:
                listeners = list(self._listeners.values())
            for notify in listeners:
                # a page that went away: it unlistens when it closes
                with contextlib.suppress(Exception):
                    notify()
            self._busy = False

    def settle(self, timeout: float = 10.0) -> None:
        """Wait until every page was told of the last change (for tests and benchmarks)."""
        import time

        deadline = time.monotonic() + timeout
        while (self._pending.is_set() or self._busy) and time.monotonic() < deadline:
            time.sleep(0.01)

    # -- debrief -------------------------------------------------------------------------------
    def _alone_model(self) -> TerritoryModel:
        """The same scenario and seed with nobody playing, run as far as the class went (made
        once per month, however many pages show the debrief)."""
        with self.lock:
            month = int(self.model.month)
            if self._alone_cache is None or self._alone_cache.month != month:
                model = TerritoryModel(scenario=self.scenario, rng=self.seed)
                model.run(month)
                self._alone_cache = model
                self._alone = history.record(model, 0, self.scenario, self.scenario.name)
            return self._alone_cache

    def alone(self) -> history.RunRecord:
        """The model alone's run (the model's rules everywhere: what the class changed is the
        difference)."""
        self._alone_model()
        assert self._alone is not None
        return self._alone

    def debrief(self) -> list[dict[str, Any]]:
        """Key results of the class's territory next to the model alone, same seed."""
        alone = self.alone()
        ind = self.model.indicators
        return [{"name": name, "class": float(ind[name]), "alone": alone.last(name)}
                for name in DEBRIEF]

    def seat_results(self) -> list[dict[str, Any]]:
        """For each played actor: its active alliances now (a catalyst: the alliances it
        seeded), in the class and alone."""
        alone_model = self._alone_model()
        out = []
        for seat in self.seats.values():
            if seat.role == "catalyst":
                mine = self.model.catalysts[seat.actor].credited
                theirs = alone_model.catalysts[seat.actor].credited
            else:
                mine = int(self.model.orgs.active[seat.actor])
                theirs = int(alone_model.orgs.active[seat.actor])
            out.append({"name": seat.name, "role": seat.role, "actor": seat.actor,
                        "class": mine, "alone": theirs})
        return out


#: The results the debrief compares (indicator names of the model).
DEBRIEF: tuple[str, ...] = ("alliances_active", "alliances_formed_total", "alliances_failed_total",
                            "first_alliance_month", "firms_partnered", "associations_partnered",
                            "communes_with_alliance", "stage_anchored",
                            "alliances_credited_to_catalysts", "experiments_launched",
                            "catalysts_active", "mean_trust")


_shared: Classroom | None = None
_shared_lock = threading.Lock()


def shared() -> Classroom | None:
    """The server's class session (``terrisim app --class``), made on first use; None when the
    server is not in class mode."""
    global _shared
    import os
    from pathlib import Path

    if os.environ.get(ENV_CLASS) != "1":
        return None
    with _shared_lock:
        if _shared is None:
            from ..scenario import load_scenario
            from .state import DEFAULT_SEED, ENV_SCENARIO, ENV_SEED, ENV_TOKEN

            path = os.environ.get(ENV_SCENARIO)
            scenario = load_scenario(Path(path)) if path else Scenario()
            _shared = Classroom(scenario, int(os.environ.get(ENV_SEED, DEFAULT_SEED)),
                                token=os.environ.get(ENV_TOKEN, ""),
                                teacher_key=os.environ.get(ENV_TEACHER) or None)
        return _shared
