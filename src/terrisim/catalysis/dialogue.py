"""Mission 1 — animate the territorial dialogue: listening to the territory, dialogue events.

Sources: "Écouter le territoire" is the first step of an experimentation, "une approche à partir
des acteurs locaux pour écouter les besoins" (seed 000, step 1); a *temps de partage* — a local
event — raises the awareness of many actors at once (seed 000, "sensibiliser… à l'occasion d'un
temps de partage sur les enjeux du territoire"); catalysts animate the territorial dialogue
(seed 003 §3.2.3) and should link territories (seed 000: "s'attacher à l'inter-territorialité").

Rules:

* **Listening** (:func:`listen`): before its first collective experiment the catalyst spends
  ``listening_days`` per commune of its area in one-to-one interviews, ``LISTENING_INTERVIEWS``
  a day (*assumption*), drawn by its origin's world weights; each interview is one unit of
  contact on the catalyst's tie with that organisation — listening is how it first gets known.
* **Dialogue events** (:func:`hold_event`): every ``event_days`` of dialogue time, an event of
  ``event_size`` attendees from its area (with ``inter_territorial``, a share ``long_range_share``
  from other bassins); all become aware; each has ``event_contacts`` real conversations with other
  attendees; each attendee has a brief contact (``EVENT_TIE_CONTACT`` unit, *assumption*) with
  the catalyst.  Pairs first met there are credited to the catalyst (a descriptive credit).
  With ``open_ecosystem`` the catalyst keeps ``OPEN_EVENT_SEATS`` of the seats for
  organisations of its area never allied before (*assumption* after 003 §3.1.1: catalysts
  listen to "la diversité des dynamiques", beyond the mature communities).
"""

from __future__ import annotations

import numpy as np

from .context import TerritoryView
from .state import CatalystState, in_area, sample_area

#: Interviews a catalyst holds per day of listening (*assumption*: two meetings a day).
LISTENING_INTERVIEWS = 2.0
#: Contact units between the catalyst and each attendee of its event (*assumption*: a greeting
#: and a short exchange are half a working meeting).
EVENT_TIE_CONTACT = 0.5
#: Share of an event's seats kept for organisations never allied before, when the catalyst keeps
#: the ecosystem open (*assumption*).
OPEN_EVENT_SEATS = 0.5


def listen(st: CatalystState, view: TerritoryView, rng: np.random.Generator,
           days: float) -> float:
    """Spend up to ``days`` listening; returns the days used (the rest stays for experiments)."""
    used = min(days, st.listening_left)
    if used <= 0:
        return 0.0
    st.listening_left -= used
    met = sample_area(st, rng, int(rng.poisson(used * LISTENING_INTERVIEWS)))
    st.interviews += len(met)
    view.ties.contact(st.number, met, 1.0)
    if st.listening_left <= 0:
        view.events.add(view.month, "listening_done", st.number, bassin=st.bassin,
                        communes=len(st.area_communes))
    return used


def sample_outside(st: CatalystState, view: TerritoryView, rng: np.random.Generator,
                   n: int) -> np.ndarray:
    """Up to ``n`` distinct organisations from outside the catalyst's area (uniform; rejection
    sampling, so no per-catalyst copy of the rest of the territory is kept)."""
    orgs, terr = view.orgs, view.territory
    outside_share = 1.0 - len(st.area_orgs) / orgs.n
    if n <= 0 or outside_share <= 0:
        return np.zeros(0, dtype=np.intp)
    draw = rng.integers(orgs.n, size=int(n / outside_share * 1.5) + 8)
    draw = draw[~in_area(st, terr.bassin[orgs.commune[draw]])]
    return np.unique(draw[:n]).astype(np.intp)


def hold_event(st: CatalystState, view: TerritoryView, rng: np.random.Generator) -> None:
    """Dialogue event: many organisations made aware at once, a few real conversations each."""
    s = view.params
    n_out = int(rng.binomial(s.event_size, s.long_range_share)) if s.inter_territorial else 0
    n_in = s.event_size - n_out
    newcomers = np.zeros(0, dtype=np.intp)
    if s.open_ecosystem:
        fresh = st.area_orgs[~view.orgs.ever_allied[st.area_orgs]]
        take = min(len(fresh), round(OPEN_EVENT_SEATS * n_in))
        newcomers = rng.choice(fresh, size=take, replace=False) if take else newcomers
    inside = np.union1d(newcomers, sample_area(st, rng, n_in - len(newcomers)))
    outside = sample_outside(st, view, rng, n_out)
    attendees = np.concatenate([inside, outside]).astype(np.intp)
    if len(attendees) == 0:
        return
    st.events_held += 1
    st.participations += len(attendees)
    newly = int((~view.orgs.aware[attendees]).sum())
    view.mark_event(attendees)
    view.gathering_contacts(attendees, s.event_contacts, 1.0, s.initial_trust, st.number, rng)
    view.ties.contact(st.number, attendees, EVENT_TIE_CONTACT)
    view.events.add(view.month, "dialogue_event", st.number, bassin=st.bassin,
                    attendees=len(attendees), newly_aware=newly)
