"""Decision hooks: where a person may take an actor's monthly decisions instead of the model.

In the browser app's participatory mode (``terrisim app --class``) each learner plays one actor —
a mayor, a catalyst, a firm or an association — and makes that actor's monthly decisions; actors
nobody plays follow the model's rules.  The model asks a :class:`Controller` at the few points
where an actor decides:

* a **mayor**'s meetings and territorial dialogue forums this month (:meth:`mayor_plan`);
* a **catalyst**'s split of its time over its three missions (:meth:`mission_shares`), *whom* it
  introduces (:meth:`introductions`) and *which* collective experiment it launches
  (:meth:`experiment_domain`);
* a **firm's or association's** acceptance of an alliance about to form with it
  (:meth:`accept_alliances`).

Each method receives what the model's own rule decided and returns the decision to apply.  The
base class returns the model's decision unchanged, and the call sites below skip the hook
entirely when the model has no controller (``model.controller is None``, the default), so a run
with no human players is bit-identical to a run of the model alone — nothing here draws a random
number (``tests/test_controllers.py`` checks both).

A rule module: it imports no model (only its type, for annotations), as the developers' guide
asks.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from .catalysis.context import TerritoryView
    from .catalysis.state import CatalystState

__all__ = ["Controller", "accept_alliances", "experiment_domain", "introductions",
           "mayor_plan", "mission_shares"]


class Controller:
    """The model's own rules: every hook returns the decision it is given."""

    def mayor_plan(self, model: TerritoryView, plan: np.ndarray) -> np.ndarray:
        """(C, 2) meetings and forums each mayor holds this month (the model drew ``plan``)."""
        return plan

    def mission_shares(self, model: TerritoryView, catalyst: CatalystState,
                       shares: tuple[float, float, float]) -> tuple[float, float, float]:
        """A catalyst's time shares over (dialogue, introductions, experiments)."""
        return shares

    def introductions(self, model: TerritoryView, catalyst: CatalystState, first: np.ndarray,
                      candidates: np.ndarray, ok: np.ndarray) -> np.ndarray:
        """Which (first[k], candidates[k, m]) pairs the catalyst may introduce: ``ok`` is the
        model's rule (different worlds, a shared fragile need, room for an alliance)."""
        return ok

    def experiment_domain(self, model: TerritoryView, catalyst: CatalystState,
                          eligible: np.ndarray, domain: int) -> int | None:
        """The domain of the collective experiment the catalyst launches now (``domain``, the
        model's choice among the ``eligible`` ones), or None to launch none this month."""
        return domain

    def accept_alliances(self, model: TerritoryView, a: np.ndarray, b: np.ndarray,
                         ok: np.ndarray) -> np.ndarray:
        """Which of the alliances about to form between ``a[k]`` and ``b[k]`` do form (``ok``:
        those the model's rule lets form this month)."""
        return ok


# -- call sites: one line each in the model (skipped entirely without a controller) -----------
def _controller(model: Any) -> Controller | None:
    return getattr(model, "controller", None)


def mayor_plan(model: TerritoryView, plan: np.ndarray) -> np.ndarray:
    c = _controller(model)
    return plan if c is None else c.mayor_plan(model, plan)


def mission_shares(model: TerritoryView, catalyst: CatalystState,
                   shares: tuple[float, float, float]) -> tuple[float, float, float]:
    c = _controller(model)
    return shares if c is None else c.mission_shares(model, catalyst, shares)


def introductions(model: TerritoryView, catalyst: CatalystState, first: np.ndarray,
                  candidates: np.ndarray, ok: np.ndarray) -> np.ndarray:
    c = _controller(model)
    return ok if c is None else c.introductions(model, catalyst, first, candidates, ok)


def experiment_domain(model: TerritoryView, catalyst: CatalystState, eligible: np.ndarray,
                      domain: int) -> int | None:
    c = _controller(model)
    return domain if c is None else c.experiment_domain(model, catalyst, eligible, domain)


def accept_alliances(model: TerritoryView, a: np.ndarray, b: np.ndarray,
                     ok: np.ndarray) -> np.ndarray:
    c = _controller(model)
    return ok if c is None else c.accept_alliances(model, a, b, ok)
