"""Random streams: a re-keyed monthly generator draws exactly what a new one would."""

from __future__ import annotations

import numpy as np

from terrisim.streams import Streams


def _draws(gen: np.random.Generator) -> list[np.ndarray]:
    # mixed draws, leaving a half-used 64-bit word and a spare 32-bit value behind
    return [gen.random(3), gen.integers(7, size=5, dtype=np.int32), gen.poisson(2.5, size=4),
            gen.permutation(9), gen.choice(50, size=6, replace=False)]


def test_monthly_stream_equals_a_fresh_one_after_any_previous_use():
    fresh, reused = Streams(123), Streams(123)
    for month in (-3, -2, 0, 1, 2, 40):
        for process, sub in (("encounters", 0), ("catalysts", 2), ("catalysts", 0),
                             ("maintenance", 0)):
            want = _draws(fresh.get(process, month, sub))
            got = _draws(reused.monthly(process, month, sub))
            for w, g in zip(want, got, strict=True):
                assert w.dtype == g.dtype and np.array_equal(w, g)


def test_monthly_streams_differ_by_month_process_actor_and_seed():
    st = Streams(5)
    first = st.monthly("alliances", 3).random(4)
    assert not np.array_equal(first, st.monthly("alliances", 4).random(4))
    assert not np.array_equal(first, st.monthly("lifecycle", 3).random(4))
    assert not np.array_equal(first, st.monthly("alliances", 3, 1).random(4))
    assert not np.array_equal(first, Streams(6).monthly("alliances", 3).random(4))
    assert np.array_equal(first, st.monthly("alliances", 3).random(4))
