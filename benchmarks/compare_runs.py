"""Do two versions of the code give bit-identical runs?  (A check for speed work.)

Runs a fixed set of scenarios (the baseline with three seeds, a small territory with operator
drift and inter-territorial brokerage, the baseline without club closure, the baseline without
spin-up, a baseline with most mechanisms switched off, the Massif Central for 24 months and a
small real département) with the code of a git revision and with the working tree (or a second
revision), and compares, value by value, every indicator of every month and the final state:
trust table, alliance table, catalysts' ties and states, experiments, organisations, fragility,
tallies and the event log.  Equal means equal bytes (NaN included), never "close".

Usage (from the project's root, with the project's virtual environment)::

    .venv/bin/python benchmarks/compare_runs.py REV            # REV against the working tree
    .venv/bin/python benchmarks/compare_runs.py REV OTHER      # two revisions
    .venv/bin/python benchmarks/compare_runs.py REV --only baseline-s0,massif-24

A revision's code is exported with ``git archive`` into a temporary directory and imported from
there in a separate process; its fingerprints are cached (keyed by commit and by this script's
content) in ``$XDG_CACHE_HOME/terrisim-compare`` so a reference is computed once.  Exit status 0
when every value is equal, 1 otherwise (the first differences are printed).
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import os
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]

#: name → (scenario file, overrides, seed).  Small and short enough to run in about a minute.
CASES: dict[str, tuple[str, dict[str, object], int]] = {
    "baseline-s0": ("baseline.toml", {}, 0),
    "baseline-s1": ("baseline.toml", {}, 1),
    "baseline-s7": ("baseline.toml", {}, 7),
    "drift-inter": ("operator_drift.toml", {
        "width": 40, "height": 40, "n_communes": 20, "n_bassins": 3, "n_regions": 2,
        "n_firms": 500, "n_associations": 350, "n_catalysts": 3, "catalyst_bassins": 2,
        "long_range_share": 0.08, "cross_region_factor": 0.6, "inter_territorial": True,
        "max_experiments": 3, "funder_expectation": 12.0, "steps": 120,
        "spinup_months": 24}, 3),
    "no-closure": ("baseline.toml", {"club_closure": False, "open_ecosystem": False,
                                     "steps": 72}, 4),
    "no-spinup": ("baseline.toml", {"spinup_months": 0, "steps": 72}, 5),
    "ablated": ("baseline.toml", {
        "trust_decay": False, "cross_world_penalty": False, "tiers_lieux": False,
        "mayor_profiles": False, "public_bodies": False, "trust_transfer": False,
        "accompaniment_months": 0, "fragility_feedback": False, "funder_review": False,
        "failure_trust_loss": False, "terrain": False, "steps": 48,
        "spinup_months": 24}, 6),
    "massif-24": ("massif_central.toml", {"steps": 24}, 2),
    "real-90-24": ("", {"territory": "departement:90", "cell_km": 1.0, "n_catalysts": 2,
                        "n_tiers_lieux": 3, "steps": 24, "spinup_months": 24}, 8),
}


# -- in the process that runs one revision's code -------------------------------------------
def _flat(prefix: str, value: object, out: dict[str, np.ndarray]) -> None:
    """Store ``value`` under ``prefix`` as arrays (objects become their fields or repr)."""
    if isinstance(value, np.ndarray):
        out[prefix] = value
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for f in dataclasses.fields(value):
            _flat(f"{prefix}.{f.name}", getattr(value, f.name), out)
    elif isinstance(value, list | tuple) and value and all(
            isinstance(v, np.ndarray) or dataclasses.is_dataclass(v) for v in value):
        for k, v in enumerate(value):
            _flat(f"{prefix}[{k}]", v, out)
    else:
        out[prefix] = np.array(repr(value))


def fingerprint(name: str) -> dict[str, np.ndarray]:
    """Every recorded value and the final state of case ``name``."""
    from terrisim.model import TerritoryModel
    from terrisim.scenario import Scenario, load_scenario

    file, overrides, seed = CASES[name]
    # the revision's own scenario files (the dumping process runs in its tree)
    base = load_scenario(Path.cwd() / "scenarios" / file) if file else Scenario()
    m = TerritoryModel(scenario=base.replace(**overrides), rng=seed)
    m.run()
    out: dict[str, np.ndarray] = {}
    df = m.dataframe()
    for col in df.columns:
        out[f"indicator.{col}"] = df[col].to_numpy()
    for col in m.trust.COLUMNS:
        out[f"trust.{col}"] = getattr(m.trust, col)
    for col, _ in m.alliances.COLUMNS:
        out[f"alliances.{col}"] = getattr(m.alliances, col)[: m.alliances.size]
    out["ties.key"], out["ties.trust"] = m.ties.key, m.ties.trust
    _flat("orgs", m.orgs, out)
    _flat("tally", m.tally, out)
    for k, st in enumerate(m.catalysts):
        _flat(f"catalyst[{k}]", st, out)
    for k, e in enumerate(m.experiments):
        _flat(f"experiment[{k}]", e, out)
    out["fragility"] = m.territory.fragility
    out["strong"] = m.strong
    out["events"] = np.array([repr(e) for e in m.events])
    out["python_random"] = np.array(repr(m.random.getstate()))
    return out


def dump(path: str, names: list[str]) -> None:
    import terrisim

    print(f"   code: {Path(terrisim.__file__).parent}", flush=True)
    arrays: dict[str, np.ndarray] = {}
    for name in names:
        t = time.perf_counter()
        for key, value in fingerprint(name).items():
            arrays[f"{name}/{key}"] = value
        print(f"   {name}: {time.perf_counter() - t:.1f} s", flush=True)
    np.savez(path, **arrays)


# -- in the comparing process ----------------------------------------------------------------
def _commit(rev: str) -> str:
    return subprocess.run(["git", "rev-parse", "--verify", f"{rev}^{{commit}}"], cwd=ROOT,
                          check=True, capture_output=True, text=True).stdout.strip()


def _run(src: Path, names: list[str], out: Path) -> None:
    env = dict(os.environ, PYTHONPATH=str(src), OMP_NUM_THREADS="1",
               OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
    subprocess.run([sys.executable, __file__, "--dump", str(out), "--only", ",".join(names)],
                   env=env, check=True, cwd=src.parent)


def fingerprints(rev: str | None, names: list[str]) -> dict[str, np.ndarray]:
    """Fingerprints of ``rev`` (None: the working tree), from the cache when possible."""
    if rev is None:
        print("working tree:", flush=True)
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "run.npz"
            _run(ROOT / "src", names, out)
            return dict(np.load(out, allow_pickle=False))
    sha = _commit(rev)
    own = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:12]
    cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "terrisim-compare"
    cache.mkdir(parents=True, exist_ok=True)
    stored = cache / f"{sha}-{own}-{hashlib.sha256(','.join(names).encode()).hexdigest()[:8]}.npz"
    print(f"{rev} ({sha[:10]}):", flush=True)
    if not stored.exists():
        with tempfile.TemporaryDirectory() as tmp:
            archive = subprocess.run(["git", "archive", sha, "src", "scenarios"], cwd=ROOT,
                                     check=True, capture_output=True).stdout
            tree = Path(tmp) / "tree"
            tree.mkdir()
            with tarfile.open(fileobj=__import__("io").BytesIO(archive)) as tar:
                tar.extractall(tree, filter="data")
            partial = stored.with_suffix(".part.npz")
            _run(tree / "src", names, partial)
            partial.rename(stored)
    else:
        print(f"   (cached: {stored})", flush=True)
    return dict(np.load(stored, allow_pickle=False))


def _first_difference(a: np.ndarray, b: np.ndarray) -> str:
    if a.dtype != b.dtype:
        return f"dtype {a.dtype} vs {b.dtype}"
    if a.shape != b.shape:
        return f"shape {a.shape} vs {b.shape}"
    if a.dtype.kind in "fc":
        differ = ~((a == b) | (np.isnan(a) & np.isnan(b)))
        differ |= np.signbit(a) != np.signbit(b)
    else:
        differ = a != b
    where = np.argwhere(np.atleast_1d(differ))
    if len(where) == 0:
        return "same values, different bytes"
    k = tuple(where[0]) if a.ndim else ()
    return (f"{len(where)} values differ, first at {k}: {np.atleast_1d(a)[k]!r} vs "
            f"{np.atleast_1d(b)[k]!r}")


def compare(ref: dict[str, np.ndarray], new: dict[str, np.ndarray], shown: int = 20) -> int:
    """Print the differences; return how many values (keys) differ."""
    bad = []
    for key in sorted(set(ref) | set(new)):
        if key not in ref or key not in new:
            bad.append(f"{key}: only in {'the reference' if key in ref else 'the new run'}")
            continue
        a, b = ref[key], new[key]
        if a.dtype != b.dtype or a.shape != b.shape or a.tobytes() != b.tobytes():
            bad.append(f"{key}: {_first_difference(a, b)}")
    for line in bad[:shown]:
        print("   DIFFERS", line)
    if len(bad) > shown:
        print(f"   … and {len(bad) - shown} more")
    return len(bad)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("rev", nargs="?", help="reference revision (e.g. a commit or branch)")
    p.add_argument("other", nargs="?", help="revision to compare (default: the working tree)")
    p.add_argument("--only", help="comma-separated cases (default: all): " + ", ".join(CASES))
    p.add_argument("--dump", help=argparse.SUPPRESS)
    args = p.parse_args()
    names = args.only.split(",") if args.only else list(CASES)
    unknown = [n for n in names if n not in CASES]
    if unknown:
        p.error(f"unknown case(s) {', '.join(unknown)}; known: {', '.join(CASES)}")
    if args.dump:
        dump(args.dump, names)
        return
    if not args.rev:
        p.error("a reference revision is needed")
    ref = fingerprints(args.rev, names)
    new = fingerprints(args.other, names)
    n_bad = compare(ref, new)
    cases = sorted({k.split("/")[0] for k in ref})
    print(f"{len(ref)} arrays over {len(cases)} cases compared: "
          + ("all bit-identical" if n_bad == 0 else f"{n_bad} DIFFER"))
    sys.exit(1 if n_bad else 0)


if __name__ == "__main__":
    main()
