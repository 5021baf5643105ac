"""terrisim in Mesa's own SolaraViz, as any Mesa model: sliders, Step / Play / Reset and plots
of the model's DataCollector (``make_plot_component``).

Run it (from the repository, or with this file copied anywhere)::

    solara run examples/mesa_viz.py

Offline (a classroom, no internet), point Solara at the asset cache that
``scripts/build_assets.sh`` fills, as ``terrisim app`` does::

    SOLARA_ASSETS_PROXY_CACHE_DIR=$(python -m terrisim.app.assets dir) \\
    SOLARA_TELEMETRY_MIXPANEL_ENABLE=False solara run examples/mesa_viz.py

terrisim's own browser app (``terrisim app``) does much more (map, network, monitors, lessons,
French); this page shows that the model follows Mesa's conventions: ``TerritoryModel`` takes its
parameters as keywords and ``rng`` as the seed, and Mesa rebuilds it on Reset.
"""

from __future__ import annotations

import solara
from mesa.visualization import Slider, SolaraViz, make_plot_component

from terrisim import TerritoryModel

#: A quarter-size territory (15 km × 15 km, 12 communes) so that each step redraws quickly.
TERRITORY = {"width": 30, "height": 30, "n_communes": 12, "n_bassins": 2, "n_firms": 375,
             "n_associations": 125, "steps": 60}

model_params = {
    "rng": Slider("Seed", 42, 0, 999, 1),
    "n_catalysts": Slider("Territorial catalysts", 2, 0, 6, 1),
    "trust_building_time": Slider("Trust-building time (months)", 18, 6, 48, 1),
    **TERRITORY,   # fixed values: passed to TerritoryModel unchanged at every Reset
}

components = [
    make_plot_component("alliances_active"),
    make_plot_component({"firms_partnered": "tab:blue", "associations_partnered": "tab:orange"}),
    make_plot_component({"stage_none": "tab:gray", "stage_emerging": "tab:olive",
                         "stage_growing": "tab:green", "stage_anchored": "tab:purple"}),
]


@solara.component
def Page() -> None:
    """One model per browser session (a module-level model would be shared by every tab)."""
    model = solara.use_memo(lambda: TerritoryModel(rng=42, n_catalysts=2,
                                                   trust_building_time=18, **TERRITORY), [])
    SolaraViz(model, components=components, model_params=model_params,
              name="terrisim — alliances on a territory")
