"""Outputs of real territories: indicators by commune, by département and by region, and maps.

The definitions are those of :func:`terrisim.indicators.measure` (shares of firms and
associations with a cross-sector partnership, with the PHARE 2015 surveys' own definition,
commune stages of the 2016 mayors' survey, the maturity ladder, fragility), restricted to the
organisations and communes of each area.  Counts are computed per commune and summed, so a
département's share is the share over all its firms, not a mean of communes' shares.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..alliances import WORLD_PAIRS
from ..indicators import STAGES
from ..organisations import ASSOCIATIVE, ECONOMIC

if TYPE_CHECKING:
    from ..model import TerritoryModel

ECONOMIC_ASSOCIATIVE = WORLD_PAIRS.index((ECONOMIC, ASSOCIATIVE))

#: Indicators of an area: name → (numerator count, denominator count) per commune.
AREA_INDICATORS: dict[str, tuple[str, str]] = {
    "firms_partnered": ("firms_partnered", "firms"),
    "firms_with_association_partner": ("firms_with_association_partner", "firms"),
    "associations_partnered": ("associations_partnered", "associations"),
    "associations_with_firm_partner": ("associations_with_firm_partner", "associations"),
    "firms_aware": ("firms_aware", "firms"),
    "firms_involved": ("firms_involved", "firms"),
    "firms_committed": ("firms_committed", "firms"),
    **{f"stage_{name}": (f"stage_{name}", "communes") for name in STAGES},
    "alliances_active_per_1000_inhabitants": ("alliances_active", "population_thousands"),
    "fragility_mean": ("fragility", "communes"),
}
#: What a commune map may show (the per-commune value of an area indicator, or the stage).
MAP_INDICATORS = ("stage", *AREA_INDICATORS)


def commune_counts(model: TerritoryModel) -> pd.DataFrame:
    """Per commune: the counts the area indicators are built from, this month."""
    orgs, al, terr = model.orgs, model.alliances, model.territory
    c = terr.n_communes
    ids = al.active_ids()
    firms = orgs.world == ECONOMIC
    assoc = orgs.world == ASSOCIATIVE
    partnered = orgs.active > 0
    ea = ids[al.pair[ids] == ECONOMIC_ASSOCIATIVE]
    with_other = np.zeros(orgs.n, dtype=bool)
    with_other[al.a[ea]] = with_other[al.b[ea]] = True

    def per_commune(mask: np.ndarray) -> np.ndarray:
        return np.bincount(orgs.commune[mask], minlength=c).astype(float)

    out = {"firms": per_commune(firms), "associations": per_commune(assoc),
           "communes": np.ones(c),
           "firms_partnered": per_commune(firms & partnered),
           "firms_with_association_partner": per_commune(firms & with_other),
           "associations_partnered": per_commune(assoc & partnered),
           "associations_with_firm_partner": per_commune(assoc & with_other),
           "firms_aware": per_commune(firms & (orgs.ladder == 1)),
           "firms_involved": per_commune(firms & (orgs.ladder == 2)),
           "firms_committed": per_commune(firms & (orgs.ladder == 3)),
           "alliances_active": np.bincount(al.commune[ids], minlength=c).astype(float),
           "fragility": terr.fragility.mean(axis=1)}
    stage = model.commune_stage
    for k, name in enumerate(STAGES):
        out[f"stage_{name}"] = (stage == k).astype(float)
    real = terr.real
    out["population_thousands"] = (real.population / 1000.0 if real is not None
                                   else np.full(c, np.nan))
    return pd.DataFrame(out)


def commune_table(model: TerritoryModel) -> pd.DataFrame:
    """One row per commune: identity (codes, name, population) and this month's indicators."""
    counts = commune_counts(model)
    real = model.territory.real
    out = pd.DataFrame({"month": model.month, "commune": real.code, "name": real.name,
                        "departement": np.asarray(real.departement_codes)[real.departement],
                        "region": np.asarray(real.region_codes)[real.region],
                        "epci": np.asarray(real.epci_codes)[real.epci],
                        "population": real.population,
                        "stage": np.asarray(STAGES)[model.commune_stage]})
    for name, (num, den) in AREA_INDICATORS.items():
        with np.errstate(divide="ignore", invalid="ignore"):
            out[name] = counts[num] / counts[den]
    return out


def area_table(model: TerritoryModel) -> pd.DataFrame:
    """Long table of this month's indicators by département and by region:
    ``month, level, code, name, indicator, value``."""
    from .data import load

    counts = commune_counts(model)
    real = model.territory.real
    data = load()
    frames = []
    levels = {"departement": (np.asarray(real.departement_codes)[real.departement],
                              data.departement_names),
              "region": (np.asarray(real.region_codes)[real.region], data.region_names)}
    for level, (codes, names) in levels.items():
        sums = counts.groupby(codes).sum()
        for name, (num, den) in AREA_INDICATORS.items():
            with np.errstate(divide="ignore", invalid="ignore"):
                value = sums[num] / sums[den]
            frames.append(pd.DataFrame({"level": level, "code": sums.index,
                                        "name": [names.get(k, k) for k in sums.index],
                                        "indicator": name, "value": value.to_numpy()}))
    out = pd.concat(frames, ignore_index=True)
    out.insert(0, "month", np.int64(model.month))
    return out


def draw_map(model: TerritoryModel, indicator: str, path: Path) -> Path:
    """PNG map of ``indicator`` by commune on the territory's grid (``stage`` or one of
    :data:`AREA_INDICATORS`), with the département borders drawn over it."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.colors import BoundaryNorm, ListedColormap

    from ..indicators import STAGE_LABELS

    terr = model.territory
    table = commune_table(model)
    owner = terr.commune_of_cell
    inside = owner >= 0
    w, h = owner.shape
    fig, ax = plt.subplots(figsize=(8.5, 8.5 * h / w + 0.8), dpi=120)
    if indicator == "stage":
        values = model.commune_stage.astype(float)
        cmap = ListedColormap(["#d9d9d9", "#fdd49e", "#fc8d59", "#b30000"])
        norm = BoundaryNorm(np.arange(-0.5, 4.5), 4)
    else:
        values = table[indicator].to_numpy(dtype=float)
        cmap, norm = plt.get_cmap("viridis"), None
    img = np.full(owner.shape, np.nan)
    img[inside] = values[owner[inside]]
    shown = ax.imshow(img.T, origin="lower", cmap=cmap, norm=norm, interpolation="nearest")
    dep = np.where(inside, terr.departement[np.maximum(owner, 0)], -1)
    edge = np.zeros(owner.shape, dtype=bool)
    edge[1:, :] |= dep[1:, :] != dep[:-1, :]
    edge[:, 1:] |= dep[:, 1:] != dep[:, :-1]
    ax.imshow(np.where(edge & inside, 1.0, np.nan).T, origin="lower", cmap="Greys", vmin=0,
              vmax=1.2, interpolation="nearest")
    ax.set_axis_off()
    year = model.params.start_year + model.month / 12
    ax.set_title(f"{terr.real.label if terr.real is not None else model.params.name}: "
                 f"{indicator.replace('_', ' ')}, month {model.month} ({year:.0f})", fontsize=10)
    if indicator == "stage":
        bar = fig.colorbar(shown, ax=ax, ticks=range(4), fraction=0.035, pad=0.01)
        bar.ax.set_yticklabels([STAGE_LABELS[s][0] for s in STAGES], fontsize=8)
    else:
        fig.colorbar(shown, ax=ax, fraction=0.035, pad=0.01)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, bbox_inches="tight")
    plt.close(fig)
    return path


class AreaRecorder:
    """Collects a real territory's outputs during a run (``observe`` of
    :func:`terrisim.simulate.run_simulation`): the area table every year, at the mayors' survey
    (October 2016) and at the end; the commune table and the map at the end."""

    def __init__(self, scenario, map_indicator: str = "stage") -> None:
        self.steps = scenario.steps
        survey = (2016 - scenario.start_year) * 12 + 9
        self.months = {0, self.steps, *range(12, self.steps + 1, 12)}
        if 0 <= survey <= self.steps:
            self.months.add(survey)
        self.map_indicator = map_indicator
        self.frames: list[pd.DataFrame] = []
        self.communes: pd.DataFrame | None = None
        self.map_png: bytes | None = None

    def __call__(self, model: TerritoryModel) -> None:
        if model.month in self.months:
            self.frames.append(area_table(model))
        if model.month == self.steps:
            self.communes = commune_table(model)
            import tempfile

            with tempfile.TemporaryDirectory() as tmp:
                png = draw_map(model, self.map_indicator, Path(tmp) / "map.png")
                self.map_png = png.read_bytes()

    def write(self, out: Path, scenario, seed: int) -> dict[str, Path]:
        """Write ``areas.parquet``, ``communes_final.parquet`` and ``map-<indicator>.png`` (the
        per-commune monthly table is ``--tables communes``, :mod:`terrisim.tables`)."""
        from ..simulate import atomic_write_bytes, provenance, write_parquet
        from .data import data_versions

        meta = provenance(scenario, seed, data=data_versions())
        paths = {"areas": out / "areas.parquet", "communes": out / "communes_final.parquet",
                 "map": out / f"map-{self.map_indicator}.png"}
        write_parquet(pd.concat(self.frames, ignore_index=True), paths["areas"], meta)
        if self.communes is not None:
            write_parquet(self.communes, paths["communes"], meta)
        if self.map_png is not None:
            atomic_write_bytes(paths["map"], self.map_png)
        return paths
