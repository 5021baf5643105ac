"""What one server can hold: limits on app sessions, a fair turn for model steps, memory release.

A workshop server is one Python process (Solara serves every browser tab from it) on a teacher's
laptop.  Three things keep a class of twenty on it:

* **Limits on edits** (:data:`LIMITS`): a participant may shrink a territory or change any rule,
  but not ask for a hundred thousand firms — each session holds its own model, and one huge model
  would slow everyone.  The limits sit a little above the largest shipped scenario
  (``massif_central.toml``: 100×90 cells, 3,000 firms, 1,100 associations, about 20 MB and 9 ms
  a month); the scenario a server starts with may exceed them (the teacher chose it), edits may
  not.  ``terrisim run`` has no such limits.
* **A turn for model steps** (:class:`StepGate`): Python runs one thread at a time, so twenty
  sessions stepping at once only take turns less fairly.  The gate gives each step its turn and
  lets a person's click (Step, Reset) go before the next step of a Play loop, so pressing Step
  stays quick while the others play; the :class:`Pacer` spaces the Play loops' months so that
  they take turns instead of queueing.
* **Memory given back** (:func:`release_memory`): after a tab closes, its session's model is
  dropped (see :mod:`terrisim.app.sessions`), the garbage collector runs, and glibc is asked to
  return freed pages to the system, so the server's resident memory really goes down.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import gc
import threading
from collections.abc import Iterator

__all__ = ["LIMITS", "Pacer", "StepGate", "gate", "limit_of", "pacer", "release_memory"]

#: Upper bounds of parameters a participant may set in the app (name → largest value).  Only
#: sizes that cost memory or time per month are bounded; every other parameter keeps its range.
LIMITS: dict[str, float] = {
    "width": 120,
    "height": 120,
    "n_communes": 400,
    "n_bassins": 40,
    "n_tiers_lieux": 50,
    "n_firms": 4000,
    "n_associations": 1500,
    "n_catalysts": 12,
    "event_size": 200,
    "experiment_group": 60,
    "steps": 360,
}


def limit_of(name: str, hi: float | None) -> float | None:
    """The app's bound for a parameter when it is below the scenario's own (else ``None``)."""
    cap = LIMITS.get(name)
    if cap is None or (hi is not None and hi <= cap):
        return None
    return cap


class StepGate:
    """One model step at a time across the server's sessions, people's clicks first.

    ``with gate.turn(interactive=True):`` for a click, ``interactive=False`` for a Play loop.
    A Play loop waits while a click is waiting, so a click waits at most for the step in
    progress.  Only the model's step goes through the gate, never a redraw: a redraw takes the
    session's own locks, and holding the gate there could deadlock with that session's click.
    """

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._busy = False
        self._clicks_waiting = 0

    @contextlib.contextmanager
    def turn(self, interactive: bool) -> Iterator[None]:
        with self._cond:
            if interactive:
                self._clicks_waiting += 1
            try:
                while self._busy or (not interactive and self._clicks_waiting):
                    self._cond.wait()
            finally:
                if interactive:
                    self._clicks_waiting -= 1
            self._busy = True
        try:
            yield
        finally:
            with self._cond:
                self._busy = False
                self._cond.notify_all()


#: The server's gate (one process, one gate).
gate = StepGate()


class Pacer:
    """Shares the server fairly between Play loops, keeping each month quick.

    With ``n`` sessions playing, each waits at least ``n`` × (the CPU cost of a month: step and
    redraw, ``time.thread_time``) × ``spacing`` between two months, so the loops take turns
    instead of queueing at the gate: every participant plays at the same (slower) pace and a
    person's click finds the server free.  ``spacing`` adapts to what the months really take on
    this machine (other programs, Python's one-thread-at-a-time): it grows while a month's
    latency — from its start to the end of its redraw — is above :data:`TARGET` seconds, and
    shrinks back while it is below.  Alone, a session plays at the speed it asked for.
    """

    TARGET = 0.12

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.playing = 0
        self.cost = 0.03           # CPU seconds per month, moving average
        self.spacing = 1.5

    @contextlib.contextmanager
    def player(self) -> Iterator[None]:
        with self._lock:
            self.playing += 1
        try:
            yield
        finally:
            with self._lock:
                self.playing -= 1

    def record(self, cpu_seconds: float, latency: float) -> None:
        """One month done: its CPU time and its wall-clock latency."""
        with self._lock:
            self.cost = 0.85 * self.cost + 0.15 * float(cpu_seconds)
            if self.playing > 1:
                grow = 1.08 if latency > self.TARGET else 0.985
                self.spacing = min(25.0, max(1.2, self.spacing * grow))

    def interval(self) -> float:
        """The least time between two months of one Play loop, now."""
        with self._lock:
            return self.playing * self.cost * self.spacing if self.playing > 1 else 0.0


#: The server's pacer.
pacer = Pacer()

_libc: ctypes.CDLL | None = None


def _malloc_trim() -> None:
    """Ask glibc to hand freed heap pages back to the system (no-op elsewhere)."""
    global _libc
    try:
        if _libc is None:
            _libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        _libc.malloc_trim(0)
    except (OSError, AttributeError):
        pass


def release_memory() -> None:
    """Collect garbage and trim the heap, so freed sessions lower the server's memory."""
    gc.collect()
    _malloc_trim()
