"""Real territories: which communes a territory name selects, what it implies for the
scenario, and the :class:`~terrisim.territory.Territory` built from it.

A territory is named ``departement:63`` (several codes: ``departement:15,43,63``),
``region:84``, ``epci:200069177``, ``massif-central`` or ``france``.  What is real: the
communes, their legal populations and their memberships (EPCI, département, region).  What is
synthesised is stated where it is made and gathered in docs/territories.md: the geometry below
the département (:mod:`terrisim.geography.layout`), the numbers of firms and associations
(national ratios below), bassins de vie (one per EPCI), mountain communes and tiers-lieux.
"""

from __future__ import annotations

import difflib
import functools
import unicodedata
from dataclasses import dataclass

import numpy as np

from ..errors import UserError
from ..progress import report
from .data import AdminData, load
from .layout import area_weight, grid_shape, partition, rasterise
from .outlines import outlines_km

# -- national ratios (each figure with its source; see docs/territories.md) ---------------------
#: Enterprises of the market, non-agricultural, non-financial sectors in 2017 by category
#: (INSEE Références, *Les entreprises en France*, édition 2019, figure 1): micro-enterprises,
#: SMEs excluding micro, mid-size (ETI) and large (GE; counted with the ETI here).
ENTERPRISES_2017 = {"TPE": 3_701_363, "PME": 147_767, "ETI": 5_722 + 257}
#: Active associations in France in 2017, approximately (Tchernonog V. & Prouteau L., *Le
#: paysage associatif français*, 3rd ed., Dalloz / Juris éditions, 2019: about 1.5 million).
ASSOCIATIONS_2017 = 1_500_000
#: Territorial catalysts in France around 2018–2020 (seeds 000 and 002: "350 catalyseurs").
CATALYSTS_FRANCE = 350
#: Tiers-lieux in France in 2018, approximately (Lévy-Waitz P., *Faire ensemble pour mieux
#: vivre ensemble*, Mission Coworking report to the government, 2018: about 1,800).
TIERS_LIEUX_FRANCE = 1_800
#: A commune of at least this many inhabitants is a town (INSEE's threshold of an urban unit).
TOWN_POPULATION = 2_000
#: Communes of mountain départements below this population are mountain communes: bourgs and
#: cities lie in valleys and basins, villages on the slopes (*assumption*).
MOUNTAIN_VILLAGE_POPULATION = 2_000
#: Départements lying mostly in a mountain massif (loi Montagne massifs; *approximately*: the
#: official mountain zone is defined commune by commune, which the data does not carry).
MOUNTAIN_DEPARTEMENTS: dict[str, tuple[str, ...]] = {
    "Massif central": ("07", "12", "15", "19", "23", "43", "48", "63"),
    "Alpes": ("04", "05", "06", "38", "73", "74"),
    "Pyrénées": ("09", "64", "65", "66"),
    "Jura": ("25", "39"),
    "Vosges": ("88",),
    "Corse": ("2A", "2B"),
}
#: Départements lying mostly in the Massif Central (*approximately*: the massif's perimeter is
#: communal and covers parts of 22 départements; these twelve hold most of it, about 3.7
#: million inhabitants against the massif's 3.9 million).
MASSIF_CENTRAL = ("03", "07", "12", "15", "19", "23", "42", "43", "46", "48", "63", "87")
#: Default cell size of real territories (km): the median French commune covers about 11 km².
REAL_CELL_KM = 1.0

#: Scenario parameters that a real territory fixes (any value given for them is replaced).
DERIVED = ("width", "height", "n_communes", "n_bassins", "n_regions", "n_firms",
           "n_associations")
KINDS = ("departement", "region", "epci", "massif-central", "france")


class TerritoryNameError(UserError):
    """A territory name or code that does not exist, with the closest ones."""


@dataclass(frozen=True)
class Selection:
    """The communes a territory name selects (indices into the administrative data, ordered
    by département, EPCI and INSEE code)."""

    spec: str
    label: str
    communes: np.ndarray

    @property
    def population(self) -> int:
        return int(load().population[self.communes].sum())


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch for ch in text.lower() if ch.isalnum())


def _lookup(kind: str, value: str, names: dict[str, str]) -> str:
    """The code of ``value`` (a code, or a name up to case and accents) among ``names``."""
    value = value.strip()
    if value in names:
        return value
    if value.isdigit() and value.zfill(2) in names:    # "1" for Ain
        return value.zfill(2)
    by_name = {_fold(n): c for c, n in names.items()}
    if _fold(value) in by_name:
        return by_name[_fold(value)]
    keys = [f"{c} {n}" for c, n in names.items()]
    close = difflib.get_close_matches(value, list(names), n=4, cutoff=0.5)
    close += [c for c in (by_name.get(k) for k in difflib.get_close_matches(
        _fold(value), list(by_name), n=4, cutoff=0.6)) if c and c not in close]
    close += [c for c, n in names.items() if value and (c.startswith(value)
              or _fold(value) in _fold(n)) and c not in close]
    hint = ", ".join(f"{c} ({names[c]})" for c in close[:6])
    hint = f"; close matches: {hint}" if hint else f" ({len(keys)} {kind}s in the data)"
    raise TerritoryNameError(f"unknown {kind} '{value}'{hint}")


def normalise(spec: str) -> str:
    """The canonical form of a territory name, e.g. ``"département: 63"`` → ``departement:63``;
    raises :class:`TerritoryNameError` with close matches for unknown kinds or codes."""
    sel = select(spec)
    return sel.spec


@functools.lru_cache(maxsize=64)
def select(spec: str) -> Selection:
    """The communes of territory ``spec`` (see the module docstring for the forms)."""
    data = load()
    kind, _, rest = spec.strip().partition(":")
    kind = _fold(kind)
    kinds = {_fold(k): k for k in KINDS}
    if kind not in kinds:
        close = difflib.get_close_matches(kind, list(kinds), n=2, cutoff=0.5)
        hint = f"; did you mean '{kinds[close[0]]}'?" if close else ""
        raise TerritoryNameError(
            f"unknown territory kind '{spec.partition(':')[0]}'{hint} (allowed: "
            "departement:CODE[,CODE…], region:CODE, epci:SIREN, massif-central, france)")
    kind = kinds[kind]
    if kind in ("massif-central", "france"):
        if rest.strip():
            raise TerritoryNameError(f"'{kind}' takes no code (got '{spec}')")
        deps = MASSIF_CENTRAL if kind == "massif-central" else tuple(data.departement_names)
        mask = np.isin(data.departement, deps)
        label = ("Massif Central (12 départements)" if kind == "massif-central"
                 else "France (metropolitan and overseas départements)")
        return Selection(kind, label, _ordered(data, mask))
    values = [v for v in rest.split(",") if v.strip()]
    if not values:
        example = {"departement": "63", "region": "84"}.get(kind, "200069177")
        raise TerritoryNameError(f"'{kind}' needs a code, e.g. '{kind}:{example}'")
    if kind == "departement":
        codes = tuple(dict.fromkeys(_lookup("département", v, data.departement_names)
                                    for v in values))
        mask = np.isin(data.departement, codes)
        names = ", ".join(f"{data.departement_names[c]} ({c})" for c in codes)
    elif kind == "region":
        codes = tuple(dict.fromkeys(_lookup("region", v, data.region_names) for v in values))
        mask = np.isin(data.region, codes)
        names = ", ".join(f"{data.region_names[c]} (region {c})" for c in codes)
    else:
        codes = tuple(dict.fromkeys(_lookup("EPCI", v, data.epci_names) for v in values))
        mask = np.isin(data.epci, codes)
        names = ", ".join(data.epci_names[c] for c in codes)
    return Selection(f"{kind}:{','.join(codes)}", names, _ordered(data, mask))


def _ordered(data: AdminData, mask: np.ndarray) -> np.ndarray:
    idx = np.flatnonzero(mask)
    order = np.lexsort((data.code[idx], data.epci[idx], data.departement[idx]))
    return idx[order]


def national_population() -> int:
    """Population of every commune kept (France: metropolitan and overseas départements)."""
    return int(load().population.sum())


def derived_parameters(spec: str, cell_km: float) -> dict[str, int]:
    """Scenario values fixed by the real territory (:data:`DERIVED`), without laying it out
    (cheap: a scenario can be loaded and its memory estimated before anything is built)."""
    data, sel = load(), select(spec)
    idx = sel.communes
    polys = outlines_km()
    (width, height), _ = grid_shape({d: polys[d] for d in set(data.departement[idx])},
                                    cell_km)
    ratio = sel.population / national_population()
    parts = {(d, e or c) for d, e, c in zip(data.departement[idx].tolist(),
                                             data.epci[idx].tolist(), data.code[idx].tolist(),
                                             strict=True)}
    return {"width": width, "height": height, "n_communes": len(idx),
            "n_bassins": len(parts), "n_regions": len(set(data.region[idx].tolist())),
            "n_firms": round(sum(ENTERPRISES_2017.values()) * ratio),
            "n_associations": round(ASSOCIATIONS_2017 * ratio)}


def proposed_parameters(spec: str) -> dict[str, float | int]:
    """Values ``terrisim territory`` writes into a new scenario (national ratios; the user may
    change them): catalysts, tiers-lieux and the firms' size classes."""
    ratio = select(spec).population / national_population()
    total = sum(ENTERPRISES_2017.values())
    return {"n_catalysts": max(1, round(CATALYSTS_FRANCE * ratio)),
            "n_tiers_lieux": max(1, round(TIERS_LIEUX_FRANCE * ratio)),
            "share_pme": round(ENTERPRISES_2017["PME"] / total, 5),
            "share_eti": round(ENTERPRISES_2017["ETI"] / total, 5)}


@dataclass(frozen=True)
class RealLayout:
    """The fixed part of a real territory (no randomness): communes on the grid and their
    memberships, with the labels that outputs by département and region need."""

    spec: str
    label: str
    cell_km: float
    commune_of_cell: np.ndarray     # (W, H) int32, -1 outside the territory
    centres: np.ndarray             # (C, 2) int
    code: np.ndarray                # (C,) INSEE codes
    name: np.ndarray                # (C,) names
    population: np.ndarray          # (C,) int64
    bassin: np.ndarray              # (C,) int32 one bassin per (EPCI, département) part
    region_of_bassin: np.ndarray    # (B,) int32
    epci: np.ndarray                # (C,) int32 index into epci_codes
    departement: np.ndarray         # (C,) int32 index into departement_codes
    epci_codes: tuple[str, ...]
    departement_codes: tuple[str, ...]
    region_codes: tuple[str, ...]
    mountain_commune: np.ndarray    # (C,) bool

    @property
    def width(self) -> int:
        return int(self.commune_of_cell.shape[0])

    @property
    def height(self) -> int:
        return int(self.commune_of_cell.shape[1])

    @property
    def n_communes(self) -> int:
        return len(self.code)

    @property
    def region(self) -> np.ndarray:
        return self.region_of_bassin[self.bassin]


@functools.lru_cache(maxsize=8)
def real_layout(spec: str, cell_km: float) -> RealLayout:
    """Lay the communes of ``spec`` out on a grid of ``cell_km`` cells (deterministic, cached:
    sweeps over one territory build it once per process)."""
    data = load()
    sel = select(spec)
    idx = sel.communes
    deps = np.array(sorted(set(data.departement[idx].tolist())))
    polys = outlines_km()
    label, codes, _ = rasterise({d: polys[d] for d in deps}, cell_km)
    commune_of_cell = np.full(label.shape, -1, dtype=np.int32)
    dep_of = data.departement[idx]
    epci_code = np.where(data.epci[idx] == "", np.char.add("commune:", data.code[idx]),
                         data.epci[idx])
    weight = area_weight(data.population[idx])
    bassin = np.zeros(len(idx), dtype=np.int32)
    bassin_dep: list[str] = []
    for k, dep in enumerate(codes):
        report("layout of the communes", k, len(codes))
        cells = np.argwhere(label == k)
        members = np.flatnonzero(dep_of == dep)
        if len(cells) < len(members):
            raise UserError(f"département {dep} has {len(members)} communes but only "
                            f"{len(cells)} cells of {cell_km:g} km: use a smaller cell_km")
        # EPCI parts in order of appearance (communes are sorted by EPCI within a département)
        groups = np.split(members, np.flatnonzero(np.diff(
            np.unique(epci_code[members], return_inverse=True)[1])) + 1)
        blocks = partition(cells, np.array([weight[g].sum() for g in groups]))
        for g, block in zip(groups, blocks, strict=True):
            bassin[g] = len(bassin_dep)
            bassin_dep.append(dep)
            for c, cc in zip(g, partition(block, weight[g]), strict=True):
                commune_of_cell[cc[:, 0], cc[:, 1]] = c
    report("layout of the communes", len(codes), len(codes))
    centres = _centres(commune_of_cell, len(idx))
    region_codes = tuple(sorted(set(data.region[idx].tolist())))
    region_of_bassin = np.array([region_codes.index(data.departement_region[d])
                                 for d in bassin_dep], dtype=np.int32)
    epci_codes = tuple(dict.fromkeys(epci_code.tolist()))
    mountain_deps = [d for ds in MOUNTAIN_DEPARTEMENTS.values() for d in ds]
    return RealLayout(
        spec=sel.spec, label=sel.label, cell_km=cell_km, commune_of_cell=commune_of_cell,
        centres=centres, code=data.code[idx], name=data.name[idx],
        population=data.population[idx], bassin=bassin, region_of_bassin=region_of_bassin,
        epci=_index_of(epci_code, epci_codes),
        departement=np.searchsorted(np.array(codes), dep_of).astype(np.int32),
        epci_codes=epci_codes, departement_codes=tuple(codes), region_codes=region_codes,
        mountain_commune=np.isin(dep_of, mountain_deps)
        & (data.population[idx] < MOUNTAIN_VILLAGE_POPULATION))


def _index_of(values: np.ndarray, codes: tuple[str, ...]) -> np.ndarray:
    lookup = {c: i for i, c in enumerate(codes)}
    return np.array([lookup[v] for v in values.tolist()], dtype=np.int32)


def _centres(commune_of_cell: np.ndarray, n: int) -> np.ndarray:
    """The cell of each commune nearest to the centroid of its cells (its mairie)."""
    cells = np.argwhere(commune_of_cell >= 0)
    owner = commune_of_cell[cells[:, 0], cells[:, 1]]
    count = np.bincount(owner, minlength=n).astype(float)
    mean = np.stack([np.bincount(owner, weights=cells[:, d], minlength=n) for d in (0, 1)],
                    axis=1) / np.maximum(count, 1)[:, None]
    dist = ((cells + 0.5 - mean[owner] - 0.5) ** 2).sum(axis=1)
    order = np.lexsort((dist, owner))
    first = order[np.searchsorted(owner[order], np.arange(n))]
    return cells[first].astype(int)
