"""How much memory a run and a sweep's design need, and whether this machine has it.

A run that does not fit ends in a ``MemoryError`` traceback minutes in, or gets the process
killed; a sweep's driver that cannot hold its design fails before its first run.  Both are
knowable from the parameters, so they are refused up front with the estimate and the memory
available in one line.

The estimate is a sum of terms, each the size of one of the model's large structures:

* the grid: the territory's arrays and property layers, per cell of the grid rectangle (Mesa
  cell objects exist only where an organisation sits, :mod:`terrisim.space`);
* the organisations: Mesa agents, their cells and their attribute arrays, per organisation
  (mayors and public bodies count);
* the encounter kernel: ``neighbour_candidates + 1`` candidates per organisation (int32
  indices, float64 cumulative weights, a 64-byte guide row), plus the transient arrays of the
  block being built (:data:`terrisim.encounters.KERNEL_CHUNK` rows at a time);
* the trust table: known pairs, from encounters, events, meetings and introductions, kept while
  their trust stays above ``forget_below``.

Its coefficients were fitted on measured runs (peak resident memory above the imported model,
one process per run); ``benchmarks/bench_memory.py`` re-measures and prints the ratio of
estimate to measurement: on the development machine 0.86–1.54 over 13 sizes from 19 MB to
1.7 GB, 0.91–1.22 where the grid, organisations and encounter candidates dominate.  The trust
table is the least precise term (its size follows the dynamics, not only the parameters).

API (kept small on purpose; France-scale territories extend the terms, not the callers):

* :func:`estimate_run_bytes` — bytes one run of a scenario needs;
* :func:`estimate_design_bytes` — bytes a sweep's driver needs for its design and bookkeeping;
* :func:`available_bytes` — memory this process may still use (``MemAvailable``, cgroup limit,
  ``ulimit -v``, or ``TERRISIM_MEMORY_LIMIT``);
* :func:`check_fits` — raise :class:`MemoryLimitError` when an estimate exceeds it.

This module imports nothing heavy (the command line imports it to check before computing).
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .errors import UserError

__all__ = ["MemoryLimitError", "available_bytes", "check_fits", "estimate_design_bytes",
           "estimate_run_bytes", "format_bytes", "parse_bytes", "workers_that_fit"]

#: Rows of the encounter kernel built at once (:func:`terrisim.encounters.build_kernel` uses it;
#: defined here, where the memory it costs is estimated, because this module is light).
KERNEL_CHUNK = 200_000

#: Environment variable capping the memory terrisim allows itself (e.g. ``4GB``), for shared
#: machines and cluster jobs whose limit the operating system does not show.
LIMIT_ENV = "TERRISIM_MEMORY_LIMIT"

# -- measured coefficients (bytes); see benchmarks/bench_memory.py --------------------------------
BASE = 3.3e6            # a run's fixed cost above the imported model (tables, collector)
PER_CELL = 40.0         # territory arrays and property layers (Mesa cells only where agents sit)
PER_ORG = 1_330.0       # Mesa agent, its cell and the organisations' arrays
PER_CANDIDATE = 12.0    # per organisation and encounter candidate: int32 index, float64 weight
PER_GUIDE_ROW = 64.0    # the guide table's row (uint8 per bucket)
PER_BLOCK_CANDIDATE = 48.0  # transient KD-tree query and weights of the block being built
PER_PAIR = 200.0        # per known pair of the trust table, with its insertion temporaries
PER_CATALYST = 43_000.0  # catalysts' agents, areas and programme bookkeeping
NEAR_SHARE = 0.1        # share of the near candidates' pairs that stay known (measured)
FORGET_EVERY = 6        # months between passes forgetting faded relationships (model.py)

# -- a sweep driver's design -----------------------------------------------------------------------
PER_POINT_VALUE = 64.0  # per design point and factor: unit sample, typed columns, Parquet copy
PER_RUN = 40.0          # per run: done ids, missing ids, the set difference


class MemoryLimitError(UserError):
    """The work asked for would not fit in the memory available."""


def format_bytes(n: float) -> str:
    """``1536 MB``-style text: MB below 10 GB, GB above (one decimal)."""
    if n >= 10e9:
        return f"{n / 1e9:.1f} GB"
    if n >= 1e6:
        return f"{n / 1e6:,.0f} MB"
    return f"{n / 1e3:,.0f} kB"


_UNITS = {"": 1, "b": 1, "k": 1e3, "kb": 1e3, "m": 1e6, "mb": 1e6, "g": 1e9, "gb": 1e9,
          "t": 1e12, "tb": 1e12, "kib": 2**10, "mib": 2**20, "gib": 2**30, "tib": 2**40}


def parse_bytes(text: str) -> int:
    """``"4GB"``, ``"512 MiB"`` or a plain number of bytes → bytes (ValueError otherwise)."""
    m = re.fullmatch(r"\s*([0-9]*\.?[0-9]+)\s*([a-zA-Z]*)\s*", text)
    if not m or m.group(2).lower() not in _UNITS:
        raise ValueError(f"not a memory size: {text!r} (e.g. 4GB, 512MiB)")
    return int(float(m.group(1)) * _UNITS[m.group(2).lower()])


def _get(params: Any, name: str) -> Any:
    return params[name] if isinstance(params, Mapping) else getattr(params, name)


def _get_or(params: Any, name: str, default: Any) -> Any:
    try:
        return _get(params, name)
    except (KeyError, AttributeError):
        return default


def run_terms(params: Any) -> dict[str, float]:
    """The estimate's terms (bytes) for a scenario or a plain mapping of its parameters.

    A mapping need not be a valid scenario: a sweep evaluates the corner of its factors'
    largest values, which bounds every point because each term grows with each size.
    """
    g = lambda name: _get(params, name)  # noqa: E731
    communes = int(g("n_communes"))
    bassins = int(g("n_bassins"))
    bodies = (bassins + 2 * int(g("n_regions"))) if g("public_bodies") else 0
    orgs = int(g("n_firms")) + int(g("n_associations")) + communes + bodies
    cells = int(g("width")) * int(g("height"))
    k = min(int(g("neighbour_candidates")) + 1, max(orgs, 1))
    steps = int(g("steps")) + int(_get_or(params, "spinup_months", 0))   # the spin-up's too
    catalysts = int(g("n_catalysts"))

    # pairs of the trust table: near encounters repeat among the k candidates; the rest are new
    # pairs every month, kept while their trust stays above forget_below
    spont = orgs * float(g("encounter_rate")) * 1.5        # mean activity ≈ 1.5 (bigger orgs)
    far = spont * float(g("long_range_share"))
    near_cap = orgs * k / 2
    days = float(g("catalyst_days"))
    events = intros = 0.0
    if catalysts:
        shares = [float(g(n)) for n in ("share_dialogue", "share_introductions",
                                        "share_experiments")]
        total = sum(shares) or 1.0
        if g("dialogue_mission"):
            events = (catalysts * days * shares[0] / total / float(g("event_days"))
                      * int(g("event_size")) * float(g("event_contacts")) / 2)
        if g("introduction_mission"):
            intros = catalysts * days * shares[1] / total / float(g("introduction_days"))
    meetings = communes * (float(g("meeting_rate")) * int(g("meeting_size")) ** 2 / 2
                           + float(g("dialogue_rate")) * int(g("dialogue_size"))
                           * float(g("event_contacts")) / 2)
    per_month = far + events + intros + meetings
    forget = float(g("forget_below"))
    if g("trust_decay") and forget > 0:
        init, thr = float(g("initial_trust")), float(g("alliance_threshold"))
        first = init + (thr - init) / float(g("trust_building_time"))
        live = float(g("trust_half_life")) * math.log2(max(first, forget) / forget)
        live = min(steps, live + FORGET_EVERY)
    else:
        live = steps
    drawn = min(near_cap, (spont - far) * live) * NEAR_SHARE + per_month * live
    possible = max(orgs * (orgs - 1) / 2, 1.0)
    pairs = possible * -math.expm1(-drawn / possible)   # distinct pairs among those drawn
    return {
        "fixed": BASE,
        "grid": PER_CELL * cells,
        "organisations": PER_ORG * orgs,
        "encounter kernel": (PER_CANDIDATE * k + PER_GUIDE_ROW) * orgs
                            + PER_BLOCK_CANDIDATE * min(orgs, KERNEL_CHUNK) * k,
        "trust table": PER_PAIR * pairs,
        # each catalyst: its area's organisations and weights, at most one tie per organisation
        "catalysts": catalysts * (PER_CATALYST + 40.0 * orgs
                                  * min(1.0, int(g("catalyst_bassins")) / max(bassins, 1))),
    }


def estimate_run_bytes(scenario: Any) -> int:
    """Peak memory (bytes) one run of ``scenario`` adds to a process that imported the model."""
    return int(sum(run_terms(scenario).values()))


def estimate_design_bytes(n_points: int, n_factors: int, n_runs: int) -> int:
    """Memory (bytes) a sweep's driver needs for a design of this size, before any run."""
    return int(PER_POINT_VALUE * n_points * max(n_factors, 1) * 2 + PER_RUN * n_runs)


def workers_that_fit(scenario: Any, requested: int | None) -> int:
    """Processes that can run ``scenario`` at once in memory (at least one: a single run is
    checked by :func:`check_fits`), at most ``requested`` (default: all cores)."""
    cores = requested or os.cpu_count() or 1
    have, _ = available_bytes()
    if have is None:
        return cores
    return max(1, min(cores, int(have // max(estimate_run_bytes(scenario), 1))))


def _meminfo_available() -> int | None:
    try:
        text = Path("/proc/meminfo").read_text()
    except OSError:
        return None
    m = re.search(r"^MemAvailable:\s+(\d+) kB", text, re.M)
    return int(m.group(1)) * 1024 if m else None


def _cgroup_available() -> int | None:
    """Room left under a cgroup v2 (or v1) memory limit, e.g. a container or a SLURM job."""
    for limit_file, usage_file in (("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory.current"),
                                   ("/sys/fs/cgroup/memory/memory.limit_in_bytes",
                                    "/sys/fs/cgroup/memory/memory.usage_in_bytes")):
        try:
            raw = Path(limit_file).read_text().strip()
            used = int(Path(usage_file).read_text().strip())
        except (OSError, ValueError):
            continue
        if raw == "max" or not raw.isdigit() or int(raw) >= 2**60:
            return None
        return max(int(raw) - used, 0)
    return None


def _rlimit_available() -> int | None:
    """Room left under ``ulimit -v`` (address space) for this process."""
    try:
        import resource

        soft, _ = resource.getrlimit(resource.RLIMIT_AS)
    except (ImportError, OSError, ValueError):
        return None
    if soft == resource.RLIM_INFINITY or soft <= 0:
        return None
    try:
        text = Path("/proc/self/status").read_text()
        m = re.search(r"^VmSize:\s+(\d+) kB", text, re.M)
        used = int(m.group(1)) * 1024 if m else 0
    except OSError:
        used = 0
    return max(soft - used, 0)


def available_bytes() -> tuple[int | None, str]:
    """Memory this process may still allocate, and where that figure comes from.

    The smallest of: ``TERRISIM_MEMORY_LIMIT`` if set, the system's ``MemAvailable``, the room
    under a cgroup limit, and the room under ``ulimit -v``.  ``(None, "")`` when none is known
    (then nothing is refused).
    """
    found: list[tuple[int, str]] = []
    env = os.environ.get(LIMIT_ENV, "").strip()
    if env:
        try:
            found.append((parse_bytes(env), f"allowed by {LIMIT_ENV}={env}"))
        except ValueError as exc:
            raise UserError(f"{LIMIT_ENV}: {exc}") from None
    for value, where in ((_meminfo_available(), "available on this machine"),
                         (_cgroup_available(), "left under this job's memory limit"),
                         (_rlimit_available(), "left under ulimit -v")):
        if value is not None:
            found.append((value, where))
    if not found:
        return None, ""
    return min(found)


def check_fits(scenario: Any, *, what: str, copies: int = 1, extra: int = 0) -> None:
    """Refuse (with both figures) work whose estimate exceeds the memory available.

    ``copies`` runs of ``scenario`` at once (parallel workers on this machine; 0 when runs
    execute elsewhere) plus ``extra`` bytes (e.g. a sweep's design) must fit.  ``what`` names
    the work in the message.
    """
    need = estimate_run_bytes(scenario) * copies + extra
    have, where = available_bytes()
    if have is None or need <= have:
        return
    times = f" ({copies} runs at once)" if copies > 1 else ""
    head = (f"{what}: needs about {format_bytes(need)} of memory{times}, "
            f"{format_bytes(have)} {where}")
    if extra >= need / 2:
        raise MemoryLimitError(f"{head}; most of it is the design ({format_bytes(extra)}): "
                               "use fewer points or replications")
    terms = run_terms(scenario)
    big = max(terms, key=terms.__getitem__)
    raise MemoryLimitError(
        f"{head}; a run's largest part is the {big} ({format_bytes(terms[big])}): use a "
        "smaller territory, fewer organisations or encounter candidates"
        + (", or fewer workers" if copies > 1 else ""))
