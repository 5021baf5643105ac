"""``terrisim territory``: write a scenario for a real French territory.

    terrisim territory --departement 63                 # Puy-de-Dôme → puy-de-dome.toml
    terrisim territory --region 84 --out aura.toml
    terrisim territory --epci 200069177
    terrisim territory --massif-central
    terrisim territory --france --out france.toml

The scenario names its territory (``territory = "departement:63"``); loading it builds the
communes, memberships and populations from the administrative data.  The file also proposes
catalysts, tiers-lieux and firm size classes from national ratios, which may be edited.
"""

from __future__ import annotations

import argparse
import re
import unicodedata
from pathlib import Path

from ..errors import UserError


def add_territory_arguments(p: argparse.ArgumentParser) -> None:
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("--departement", metavar="CODE", help="one or more département codes "
                       "or names, comma-separated (63, 2A, 971, Cantal…)")
    which.add_argument("--region", metavar="CODE", help="a region code or name (84, Occitanie…)")
    which.add_argument("--epci", metavar="SIREN", help="an intercommunalité (EPCI) by SIREN or "
                       "exact name")
    which.add_argument("--massif-central", action="store_true",
                       help="the twelve départements lying mostly in the Massif Central")
    which.add_argument("--france", action="store_true",
                       help="all of France (metropolitan and overseas départements)")
    p.add_argument("--out", type=Path, default=None, help="scenario file to write (default: "
                   "<territory-name>.toml in the current directory)")
    p.add_argument("--cell-km", type=float, default=None,
                   help="side of a grid cell in km (default 1)")
    p.add_argument("--catalysts", type=int, default=None, help="number of territorial "
                   "catalysts (default: the national 350 in proportion to population)")
    p.add_argument("--force", action="store_true", help="overwrite an existing file")


def territory_spec(args: argparse.Namespace) -> str:
    """The territory name the options select (e.g. ``departement:63``)."""
    if args.massif_central:
        return "massif-central"
    if args.france:
        return "france"
    for kind in ("departement", "region", "epci"):
        value = getattr(args, kind)
        if value is not None:
            return f"{kind}:{value}"
    raise UserError("choose a territory: --departement, --region, --epci, --massif-central "
                    "or --france")


def slug(text: str) -> str:
    """A file-name form of a territory label: ``Puy-de-Dôme (63)`` → ``puy-de-dome``."""
    text = unicodedata.normalize("NFKD", text.split(" (")[0]).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "territory"


def scenario_text(spec: str, cell_km: float, catalysts: int | None = None,
                  name: str | None = None) -> str:
    """The TOML of a scenario for territory ``spec`` (every number explained in comments)."""
    from ..scenario import Scenario, _toml_value
    from .build import derived_parameters, proposed_parameters, real_layout, select
    from .data import data_versions

    sel = select(spec)
    lay = real_layout(sel.spec, cell_km)
    derived = derived_parameters(sel.spec, cell_km)
    proposed = proposed_parameters(sel.spec)
    if catalysts is not None:
        proposed["n_catalysts"] = catalysts
    name = name or slug(sel.label).replace("-", "_")
    versions = ", ".join(f"{k} {v}" for k, v in data_versions().items())
    values = {"name": name,
              "description": f"{sel.label}: the real communes, populations and memberships "
                             f"(EPCI, départements, regions) of the administrative data; "
                             "geometry below the département, firms and associations "
                             "synthesised (docs/territories.md).",
              "territory": sel.spec, "cell_km": float(cell_km), **proposed}
    Scenario(**values)   # validated before anything is written
    lines = [
        f"# {sel.label}: a real territory, written by `terrisim territory`",
        f"# from {versions}.",
        f"# Real: {lay.n_communes:,} communes, {int(lay.population.sum()):,} inhabitants, "
        f"{sum(not e.startswith('commune:') for e in lay.epci_codes):,} EPCI, "
        f"{len(lay.departement_codes)} département(s), "
        f"{len(lay.region_codes)} region(s).",
        "# Fixed by the territory each time the scenario is loaded (values given for them are "
        "replaced):",
        f"#   grid {derived['width']} × {derived['height']} cells of {cell_km:g} km, "
        f"{derived['n_communes']:,} communes, {derived['n_bassins']:,} bassins de vie (one per "
        f"EPCI part),",
        f"#   {derived['n_regions']} region(s), {derived['n_firms']:,} firms and "
        f"{derived['n_associations']:,} associations (national ratios × population).",
        "# Proposed from national ratios (docs/territories.md), change at will: n_catalysts,",
        "# n_tiers_lieux, share_pme, share_eti.  Every other parameter takes its default",
        "# (`terrisim params`).",
        "",
    ]
    lines += [f"{k} = {_toml_value(v)}" for k, v in values.items()]
    return "\n".join(lines) + "\n"


def territory_main(args: argparse.Namespace) -> int:
    from .build import REAL_CELL_KM, select

    cell_km = REAL_CELL_KM if args.cell_km is None else args.cell_km
    if not 0.1 <= cell_km <= 5.0:
        raise UserError(f"--cell-km must be from 0.1 to 5 km (got {cell_km:g})")
    if args.catalysts is not None and args.catalysts < 0:
        raise UserError(f"--catalysts must be a non-negative number (got {args.catalysts})")
    sel = select(territory_spec(args))
    out = args.out or Path(f"{slug(sel.label)}.toml")
    if out.exists() and not args.force:
        raise UserError(f"{out} exists; choose another --out or add --force")
    text = scenario_text(sel.spec, cell_km, args.catalysts)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    print("\n".join(line[2:] for line in text.splitlines()[:8] if line.startswith("# ")))
    print(f"\nwrote {out}; run it with: terrisim run {out}")
    return 0
