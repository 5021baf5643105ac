"""Words and units for indicators and factors in figures and tables.

Factor labels come from the scenario's parameter specs (the one definition); indicators have
short human labels here.  Shares (0–1 in the data) are shown in percent.
"""

from __future__ import annotations

from typing import Any

#: indicator → (label, unit)
INDICATORS: dict[str, tuple[str, str]] = {
    "alliances_formed_total": ("Alliances formed since the start", "alliances"),
    "alliances_active": ("Active alliances", "alliances"),
    "alliances_failed_total": ("Alliances failed since the start", "alliances"),
    "alliances_completed": ("Alliances completed this month", "alliances"),
    "alliances_credited_to_catalysts": ("Alliances credited to catalysts (not an effect)",
                                        "alliances"),
    "pilot_projects_total": ("Pilot projects of collective experiments", "projects"),
    "firms_partnered": ("Firms with a cross-sector partnership", "%"),
    "associations_partnered": ("Associations with a cross-sector partnership", "%"),
    "communes_partnered": ("Communes in a partnership", "%"),
    "communes_with_alliance": ("Communes with at least one alliance", "%"),
    "first_alliance_month": ("First alliance", "month"),
    "first_credited_alliance_month": ("First alliance credited to a catalyst", "month"),
    "median_commune_first_alliance_month": ("Median commune's first alliance", "month"),
    "months_to_first_experiment": ("First collective experiment", "months after start"),
    "months_to_first_pilot": ("First pilot project", "months after start"),
    "months_to_deployment": ("Deployment of a catalyst programme", "months after start"),
    "stage_anchored": ("Communes: anchored dynamic", "%"),
    "stage_growing": ("Communes: increasingly numerous", "%"),
    "stage_emerging": ("Communes: beginning to emerge", "%"),
    "stage_none": ("Communes: no dynamic", "%"),
    "mean_trust": ("Mean trust between acquainted organisations", "0–1"),
    "network_density": ("Alliance network density", "0–1"),
    "largest_component_share": ("Largest component of the alliance network", "share"),
    "concentration": ("Trusted relationships held by the best-connected tenth", "share"),
    "organisations_included": ("Organisations in an alliance since the start", "share"),
    "component_concentration": ("Concentration of alliance components (HHI)", "0–1"),
    "fragility_mean": ("Mean fragility", "0–1"),
    "impact_performance": ("Impact: performance", "0–1"),
    "impact_innovation": ("Impact: innovation", "0–1"),
    "impact_trust": ("Impact: trust", "0–1"),
}
PERCENT_PREFIXES: tuple[str, ...] = ("firms_", "stage_")
PERCENT: frozenset[str] = frozenset({"associations_partnered", "communes_partnered",
                                     "communes_with_alliance"})


def is_percent(name: str) -> bool:
    """Shares of firms, associations or communes (stored 0–1, shown in %)."""
    return name in PERCENT or name.startswith(PERCENT_PREFIXES)


def scale(name: str) -> float:
    """Factor from stored value to displayed value (shares → percent)."""
    return 100.0 if is_percent(name) else 1.0


def indicator_label(name: str, with_unit: bool = True) -> str:
    """Human label of an indicator, with its unit in parentheses."""
    label, unit = INDICATORS.get(name, (name.replace("_", " ").capitalize(), ""))
    if name.startswith("firms_") and name not in INDICATORS:
        label, unit = f"Firms {name[6:]}", "%"
    return f"{label} ({unit})" if with_unit and unit else label


def indicator_unit(name: str) -> str:
    """Display unit of an indicator ('%' for shares)."""
    if name.startswith("firms_") and name not in INDICATORS:
        return "%"
    return INDICATORS.get(name, ("", ""))[1]


def factor_label(factor: dict[str, Any], with_unit: bool = True) -> str:
    """E.g. 'Catalysts (catalysts)' → 'Number of territorial catalysts (catalysts)'."""
    name = factor["name"]
    if factor.get("label"):
        nice = factor["label"]
        unit = factor.get("unit", "")
        if not with_unit or not unit or unit == "-" or unit.lower() in nice.lower():
            return nice.split(" (")[0] if not with_unit else nice
        return f"{nice} ({unit})"
    nice = {"n_catalysts": "Number of territorial catalysts",
            "catalyst_days": "Working time of each catalyst",
            "trust_building_time": "Trust-building time"}.get(
                name, name.replace("_", " ").capitalize())
    unit = factor.get("unit", "")
    if not with_unit or not unit or unit == "-" or unit.lower() in nice.lower():
        return nice
    return f"{nice} ({unit})"


def fmt(value: float, name: str = "") -> str:
    """A number for tables: percent for shares, sensible digits otherwise."""
    if value != value:       # NaN
        return "–"
    if value in (float("inf"), float("-inf")):
        return "never" if value > 0 else "–"
    v = value * scale(name)
    a = abs(v)
    if a >= 1000:
        return f"{v:,.0f}"
    if a >= 100:
        return f"{v:.0f}"
    if a >= 10:
        return f"{v:.1f}"
    return f"{v:.2f}"
