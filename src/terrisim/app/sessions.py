"""Sessions that survive a page reload and are freed when their tab is gone.

Solara gives each page load a new kernel, and closes the old one when a tab is reloaded or
closed: pressing F5 used to lose the run, while a tab that vanished without saying so (a laptop
put to sleep, a lost network) kept its model for Solara's 24-hour cull timeout.

Here each tab holds a *session token* in its ``sessionStorage`` — kept by the browser across a
reload of that tab, never shared with another tab (see ``session_keeper.vue``).  The server keeps a
:class:`SessionRegistry` from tokens to sessions:

* a new page builds a fresh session and registers it; when its keeper reports a token whose
  session is waiting (its page was closed a moment ago), the page takes that session over — the
  run, its past runs, the language and page shown — and the fresh one is dropped;
* when a page closes (its kernel closes: at once for a reload or a closed tab, after
  ``terrisim app``'s shortened cull timeout for a tab that vanished), its session waits
  :data:`GRACE_SECONDS` for a reload, then its model is released and the memory given back
  (:func:`terrisim.app.capacity.release_memory`);
* a token whose session is still attached to a live page (the tab was duplicated, which copies
  ``sessionStorage``) is not taken over: the new tab keeps its own fresh session.

Pure Python (no Solara), so the unit tests and the benchmark use it directly.
"""

from __future__ import annotations

import os
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from .capacity import release_memory

__all__ = ["GRACE_SECONDS", "SessionRegistry", "registry"]

#: How long a closed page's session waits for a reload before it is freed (the environment
#: variable lets the tests and the benchmark shorten it).
ENV_GRACE = "TERRISIM_APP_SESSION_GRACE"
GRACE_SECONDS = float(os.environ.get(ENV_GRACE, 90.0))
#: How often the reaper looks for sessions to free.
REAP_EVERY = 10.0


@dataclass
class Entry:
    token: str
    session: Any                        # a Simulation (or a class seat): has .release()
    view: dict[str, Any] = field(default_factory=dict)   # language, page… to restore
    attached: bool = True
    detached_at: float = 0.0


class SessionRegistry:
    """Token → session, with a grace period after a page closes (thread-safe)."""

    def __init__(self, grace: float = GRACE_SECONDS, reap_every: float | None = None) -> None:
        self.grace = grace
        self.reap_every = reap_every if reap_every is not None else min(REAP_EVERY,
                                                                        max(0.5, grace / 3))
        self._entries: dict[str, Entry] = {}
        self._lock = threading.Lock()
        self._reaper: threading.Thread | None = None
        self.released = 0

    def new(self, session: Any, view: dict[str, Any] | None = None) -> str:
        """Register a session for a new page; returns its token."""
        token = secrets.token_urlsafe(12)
        with self._lock:
            self._entries[token] = Entry(token, session, dict(view or {}))
        return token

    def claim(self, token: str) -> Entry | None:
        """The waiting session of ``token`` for a reloaded page, or None (unknown, freed, or
        still attached to another page)."""
        with self._lock:
            entry = self._entries.get(token)
            if entry is None or entry.attached:
                return None
            entry.attached = True
            entry.detached_at = 0.0
            return entry

    def drop(self, token: str) -> None:
        """Forget a session at once (a fresh one replaced by a claimed one)."""
        with self._lock:
            entry = self._entries.pop(token, None)
        if entry is not None:
            entry.session.release()

    def detach(self, token: str, view: dict[str, Any] | None = None) -> None:
        """The page of ``token`` closed: keep its session for a reload, then free it."""
        with self._lock:
            entry = self._entries.get(token)
            if entry is None:
                return
            entry.attached = False
            entry.detached_at = time.monotonic()
            if view:
                entry.view.update(view)
            self._start_reaper()

    def _start_reaper(self) -> None:
        if self._reaper is not None and self._reaper.is_alive():
            return
        self._reaper = threading.Thread(target=self._reap_loop, daemon=True,
                                        name="terrisim-session-reaper")
        # Solara's patched threads capture the kernel context they are created in; the reaper
        # belongs to no session
        self._reaper.current_context = None  # type: ignore[attr-defined]
        self._reaper.start()

    def _reap_loop(self) -> None:
        while True:
            time.sleep(self.reap_every)
            self.reap()
            with self._lock:
                if not any(not e.attached for e in self._entries.values()):
                    self._reaper = None
                    return

    def reap(self, now: float | None = None) -> int:
        """Free the sessions whose page closed more than the grace period ago."""
        now = time.monotonic() if now is None else now
        with self._lock:
            expired = [e for e in self._entries.values()
                       if not e.attached and now - e.detached_at >= self.grace]
            for e in expired:
                del self._entries[e.token]
        for e in expired:
            e.session.release()
        if expired:
            self.released += len(expired)
            release_memory()
            stats = self.stats()
            print(f"terrisim app: freed {len(expired)} closed session(s); "
                  f"{stats['attached']} open, {stats['waiting']} waiting for a reload",
                  flush=True)
        return len(expired)

    def stats(self) -> dict[str, int]:
        with self._lock:
            attached = sum(e.attached for e in self._entries.values())
            return {"attached": attached, "waiting": len(self._entries) - attached,
                    "released": self.released}


#: The server's registry (one process).
registry = SessionRegistry()
