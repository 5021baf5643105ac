"""Progress of long set-up phases, reported to whoever listens (a progress bar of the command
line), without threading a callback through every constructor.

A phase calls :func:`report` (``"encounter kernel", done, total``); nothing happens unless a
caller wrapped the work in :func:`reporting`.  Used for France-scale set-ups, which take minutes
before the first month starts.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

Reporter = Callable[[str, int, int], None]

_reporter: ContextVar[Reporter | None] = ContextVar("terrisim_progress", default=None)


def report(phase: str, done: int, total: int) -> None:
    """Tell the listener (if any) that ``done`` of ``total`` items of ``phase`` are done."""
    listener = _reporter.get()
    if listener is not None:
        listener(phase, done, total)


@contextmanager
def reporting(listener: Reporter) -> Iterator[None]:
    """Send the progress of the phases run inside the block to ``listener``."""
    token = _reporter.set(listener)
    try:
        yield
    finally:
        _reporter.reset(token)
