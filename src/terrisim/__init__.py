"""terrisim: agent-based simulation of territorial co-construction.

Mayors, firms, associations and territorial catalysts build trust and form alliances on a
territory.  The public API (documented in ``docs/api.md``)::

    import terrisim

    df = terrisim.simulate("baseline", seed=1)               # one run → monthly indicators
    model = terrisim.TerritoryModel(n_catalysts=0, rng=3)    # a Mesa model, Mesa's conventions
    exp = terrisim.Experiment.from_file("quick")             # or Experiment.from_dict({...})
    summary = terrisim.run_sweep(exp, "results/quick")
    results = terrisim.read_results("results/quick")
    terrisim.build_report("results/quick")

Names are imported on first use, so ``import terrisim`` stays light (no Mesa, pandas or
matplotlib until they are needed).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

#: Public name → module that defines it (imported on first access).
_EXPORTS: dict[str, str] = {
    "Scenario": "terrisim.scenario",
    "load_scenario": "terrisim.scenario",
    "TerritoryModel": "terrisim.model",
    "simulate": "terrisim.api",
    "simulate_tables": "terrisim.api",
    "Experiment": "terrisim.sweep.experiment",
    "run_sweep": "terrisim.api",
    "effect": "terrisim.effects",
    "read_results": "terrisim.sweep.storage",
    "build_report": "terrisim.report.build",
    "read_table": "terrisim.tables",
    "alliance_table": "terrisim.tables",
    "alliance_network": "terrisim.network",
    "shipped_names": "terrisim.resources",
    "init_project": "terrisim.resources",
    "UserError": "terrisim.errors",
}

#: The public names, in the order of docs/api.md (a test checks it lists every export).
__all__ = [  # noqa: RUF022 (reading order, not alphabetical)
    "Scenario", "load_scenario", "TerritoryModel", "simulate", "simulate_tables", "Experiment",
    "run_sweep", "effect", "read_results", "build_report", "read_table", "alliance_table",
    "alliance_network", "shipped_names", "init_project", "UserError", "__version__",
]

if TYPE_CHECKING:   # for type checkers and IDEs; at run time names load lazily
    from .api import run_sweep, simulate, simulate_tables
    from .effects import effect
    from .errors import UserError
    from .model import TerritoryModel
    from .network import alliance_network
    from .report.build import build_report
    from .resources import init_project, shipped_names
    from .scenario import Scenario, load_scenario
    from .sweep.experiment import Experiment
    from .sweep.storage import read_results
    from .tables import alliance_table, read_table


# The module ``terrisim.simulate`` (light) is loaded now and its name freed: importing a
# submodule for the first time binds it on the package, which would shadow the public
# function ``terrisim.simulate`` once anything imported the module.
importlib.import_module("terrisim.simulate")
del globals()["simulate"]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'terrisim' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_EXPORTS})
