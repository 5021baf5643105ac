"""How much memory a run will need, and refusing one that would not fit, before anything is
allocated.

The scenario's size limits are structural (``n_firms`` up to 20 million…); what bounds a run
is the machine.  The estimate is a sum of measured costs per item (figures from
``benchmarks/bench_territory.py`` on this project's 2-core, 24 GB machine, Python 3.12,
Mesa 3.5; rounded up):

* organisations: state arrays, encounter kernel (``neighbour_candidates + 1`` int32 indices and
  float64 cumulative weights, a 64-byte guide row), one Mesa agent and its cell entry;
* trust relationships: about :data:`TRUST_ROWS_PER_ORG` known pairs per organisation after ten
  years, each row stored once and copied when new pairs are inserted;
* catalysts: each keeps its area's organisations with their sampling weights (24 bytes each)
  and at most one tie (16 bytes) per organisation it knows, bounded by its area's size;
* cells: the territory's arrays over the full grid rectangle (Mesa cells exist only where an
  agent sits, :mod:`terrisim.space`);
* a fixed overhead (interpreter, Mesa, numpy, pandas) and the kernel's transient chunk.

``TERRISIM_MEMORY_LIMIT`` (e.g. ``8GB``) replaces the machine's available memory as the limit.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

from .errors import UserError
from .scenario import Scenario

#: Environment variable overriding the memory a run may use (bytes, or with KB/MB/GB).
ENV_LIMIT = "TERRISIM_MEMORY_LIMIT"
#: Fixed overhead of a run: interpreter, Mesa, numpy, pandas, pyarrow (bytes).
BASE_BYTES = 350e6
#: State arrays of one organisation (world, commune, position, interests, ladder…).
ORG_STATE_BYTES = 120
#: One Mesa agent with its registration and its place in its cell's list.
AGENT_BYTES = 420
#: Known pairs per organisation after ten years (measured: 6–9 on real territories).
TRUST_ROWS_PER_ORG = 10.0
#: One trust row, counting the copies made when new pairs are inserted.
TRUST_ROW_BYTES = 130
#: Territory arrays per grid cell (commune, mountain, access, property layers).
CELL_BYTES = 40
#: Share of the available memory a run may plan to use (the rest for the system, others).
HEADROOM = 0.9


@dataclass(frozen=True)
class Estimate:
    """Bytes a run of a scenario needs, by part."""

    organisations: int
    parts: dict[str, float]

    @property
    def total(self) -> float:
        return sum(self.parts.values())

    def describe(self) -> str:
        parts = ", ".join(f"{k} {gb(v)}" for k, v in self.parts.items() if v >= 1e6)
        return f"about {gb(self.total)} for {self.organisations:,} organisations ({parts})"


def gb(n: float) -> str:
    return f"{n / 1e9:.1f} GB" if n >= 1e8 else f"{n / 1e6:.0f} MB"


def estimate(s: Scenario) -> Estimate:
    """The memory a run of ``s`` needs at its peak (bytes, by part)."""
    from .encounters import GUIDE_BUCKETS, KERNEL_CHUNK

    n = s.n_communes + s.n_firms + s.n_associations
    k = s.neighbour_candidates + 1
    kernel_row = k * (4 + 8) + GUIDE_BUCKETS
    parts = {
        "base": BASE_BYTES,
        "organisations": n * (ORG_STATE_BYTES + AGENT_BYTES),
        "encounter kernel": n * kernel_row + min(n, KERNEL_CHUNK) * k * 48,
        "trust": n * TRUST_ROWS_PER_ORG * TRUST_ROW_BYTES,
        "catalysts": s.n_catalysts * min(n, n * s.catalyst_bassins / s.n_bassins) * 40.0,
        "grid": s.width * s.height * CELL_BYTES,
    }
    return Estimate(n, parts)


def parse_size(text: str) -> float:
    """``"8GB"``, ``"512 MB"``, ``"1e9"`` → bytes."""
    m = re.fullmatch(r"\s*([0-9.eE+]+)\s*([kKmMgGtT]?)[bB]?\s*", text)
    if not m:
        raise UserError(f"{ENV_LIMIT}={text!r}: expected a size such as 8GB or 512MB")
    scale = {"": 1, "k": 1e3, "m": 1e6, "g": 1e9, "t": 1e12}[m.group(2).lower()]
    return float(m.group(1)) * scale


def available_memory() -> float:
    """Memory a run may use: ``$TERRISIM_MEMORY_LIMIT``, else the system's available memory
    (``MemAvailable``), else its physical memory."""
    env = os.environ.get(ENV_LIMIT)
    if env:
        return parse_size(env)
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return float(line.split()[1]) * 1024
    except OSError:
        pass
    return float(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))


class MemoryRefused(UserError):
    """A run that would not fit in memory, refused before it starts."""


def check_fits(s: Scenario) -> Estimate:
    """Raise :class:`MemoryRefused` if a run of ``s`` would not fit; return the estimate."""
    est = estimate(s)
    limit = available_memory() * (1.0 if os.environ.get(ENV_LIMIT) else HEADROOM)
    if est.total > limit:
        where = f" (territory {s.territory})" if s.territory else ""
        raise MemoryRefused(
            f"scenario '{s.name}'{where} needs {est.describe()}, more than the {gb(limit)} this "
            f"machine can give it; use a smaller territory, fewer neighbour_candidates, or "
            f"set {ENV_LIMIT} if you know better")
    return est


def workers_that_fit(s: Scenario, requested: int | None) -> int:
    """Processes that can run ``s`` at once in memory (at least one: a single run is checked
    by :func:`check_fits` itself), at most ``requested`` (default: all cores)."""
    cores = requested or os.cpu_count() or 1
    fit = int(available_memory() * HEADROOM // max(estimate(s).total, 1.0))
    return max(1, min(cores, fit))
