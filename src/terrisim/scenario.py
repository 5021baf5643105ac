"""The one typed parameter object of terrisim.

Every parameter of the model lives here, once, with its default, unit, allowed range, one-line
meaning and the group it belongs to.  The model, the command line, the sweep engine, the
validation and the browser app all read this definition; none of them restates a parameter list.

Scenario files (``scenarios/*.toml``) are plain TOML.  Parameters may be written at the top level
or inside a table named after their group (``[trust]``, ``[catalysts]``…).  A file may start from
another one with ``base = "baseline.toml"`` (path relative to the file) and override a few keys.
Anything wrong — unknown key, wrong type, value out of range, missing file — raises
:class:`ScenarioError`, whose message names the file, the key and what is allowed.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from .errors import InputError
from .files import os_reason, parse_toml, read_text_file
from .resources import find_scenario

__all__ = [
    "GROUPS",
    "ParamSpec",
    "Scenario",
    "ScenarioError",
    "load_scenario",
    "scenario_from_mapping",
]

#: Display order and titles of the parameter groups (English; the app translates them).
GROUPS: dict[str, str] = {
    "meta": "Scenario",
    "simulation": "Simulation",
    "territory": "Territory",
    "actors": "Firms and associations",
    "mayors": "Mayors",
    "encounters": "Encounters",
    "trust": "Trust",
    "alliances": "Alliances",
    "catalysts": "Catalysts",
    "indicators": "Indicators",
    "mechanisms": "Mechanisms (ablations)",
}


class ScenarioError(InputError):
    """A scenario (file, mapping or override) that cannot be used, with a message for people."""


@dataclass(frozen=True)
class ParamSpec:
    """What the world needs to know about one parameter (shown by the app, docs and errors)."""

    name: str
    default: Any
    type: type
    unit: str
    help: str
    group: str
    lo: float | None = None
    hi: float | None = None
    choices: tuple[str, ...] | None = None

    def allowed(self) -> str:
        """Describe the allowed values in words, for error messages and docs."""
        if self.type is bool:
            return "true or false"
        if self.choices:
            return "one of " + ", ".join(f'"{c}"' for c in self.choices)
        if self.type is str:
            return "a string"
        kind = "an integer" if self.type is int else "a number"
        unit = f" {self.unit}" if self.unit and self.unit != "-" else ""
        return f"{kind} from {_fmt(self.lo)} to {_fmt(self.hi)}{unit}"

    def check(self, value: Any, source: str) -> Any:
        """Return ``value`` converted to the parameter's type, or raise :class:`ScenarioError`."""
        bad = ScenarioError(source, self.name, f"must be {self.allowed()} (got {value!r})")
        if self.type is bool:
            if not isinstance(value, bool):
                raise bad
            return value
        if self.type is str:
            if not isinstance(value, str) or (self.choices and value not in self.choices):
                raise bad
            return value
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise bad
        if self.type is int:
            if isinstance(value, float):
                if not value.is_integer():
                    raise bad
                value = int(value)
        else:
            value = float(value)
            if not math.isfinite(value):
                raise bad
        if (self.lo is not None and value < self.lo) or (self.hi is not None and value > self.hi):
            raise bad
        return value


def _fmt(x: float | None) -> str:
    if x is None:
        return "?"
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


def param(default: Any, unit: str, help: str, group: str, lo: float | None = None,
          hi: float | None = None, choices: tuple[str, ...] | None = None) -> Any:
    """Declare one scenario parameter (a dataclass field carrying its :class:`ParamSpec` data)."""
    meta = {"unit": unit, "help": help, "group": group, "lo": lo, "hi": hi, "choices": choices}
    return field(default=default, metadata=meta)


@dataclass(frozen=True)
class Scenario:
    """All parameters of one simulated territory.  Immutable; use :meth:`replace` to vary it.

    Units: time is in months (one model step = one month), space in grid cells of
    ``cell_km`` kilometres, trust is a number between 0 (none) and 1 (complete).
    """

    # -- meta ------------------------------------------------------------------------------
    name: str = param("baseline", "-", "Short name of the scenario.", "meta")
    description: str = param("", "-", "What this scenario represents and where its figures come "
                             "from.", "meta")

    # -- simulation -------------------------------------------------------------------------
    steps: int = param(120, "months", "Number of monthly steps simulated.", "simulation", 1, 600)
    start_year: int = param(2010, "year", "Calendar year of step 0 (for dates in plots and "
                            "patterns).", "simulation", 1990, 2100)
    spinup_months: int = param(60, "months", "Months of the territory's own dynamics (mayors, "
                               "encounters, alliances; no catalysts) simulated before step 0 to "
                               "build the relational fabric inherited at the start.",
                               "simulation", 0, 240)

    # -- territory --------------------------------------------------------------------------
    territory: str = param("", "-", "Real French territory to build from the administrative "
                           "data: departement:CODE[,CODE…], region:CODE, epci:SIREN, "
                           "massif-central or france (empty: a synthetic territory). It fixes "
                           "width, height, n_communes, n_bassins, n_regions, n_firms and "
                           "n_associations, replacing any value given for them "
                           "(docs/territories.md).", "territory")
    width: int = param(60, "cells", "Width of the territory grid.", "territory", 10, 5000)
    height: int = param(60, "cells", "Height of the territory grid.", "territory", 10, 5000)
    cell_km: float = param(0.5, "km", "Side of one grid cell.", "territory", 0.1, 5.0)
    n_communes: int = param(40, "communes", "Number of communes (one mayor each).", "territory",
                            1, 50000)
    n_bassins: int = param(4, "bassins", "Number of bassins de vie (living areas) grouping the "
                           "communes.", "territory", 1, 5000)
    n_regions: int = param(1, "regions", "Number of administrative regions the bassins fall in.",
                           "territory", 1, 100)
    town_share: float = param(0.15, "fraction", "Share of communes that are small towns "
                              "attracting most firms and associations.", "territory", 0.0, 1.0)
    size_spread: float = param(0.762, "log-sd", "Spread of communes' attractiveness for "
                               "organisations (lognormal sd): many near-empty villages when "
                               "high.", "territory", 0.0, 3.0)
    mountain_share: float = param(0.0, "fraction", "Share of cells that are mountain (slow "
                                  "contact).", "territory", 0.0, 0.9)
    mountain_accessibility: float = param(0.5, "factor", "Encounter-rate multiplier for actors "
                                          "located in mountain cells.", "territory", 0.05, 1.0)
    n_tiers_lieux: int = param(2, "places", "Number of tiers-lieux (third places) that raise "
                               "encounters around them.", "territory", 0, 10000)
    tiers_lieu_radius_km: float = param(4.0, "km", "Catchment radius of a tiers-lieu.",
                                        "territory", 0.5, 50.0)
    tiers_lieu_visit_rate: float = param(0.15, "visits/month", "Monthly probability that an "
                                         "actor of the catchment visits its tiers-lieu and meets "
                                         "another visitor.", "territory", 0.0, 1.0)
    fragility_spread: float = param(0.15, "fragility", "Standard deviation of commune fragility "
                                    "around the territory level, per domain.", "territory", 0.0,
                                    0.5)
    fragile_margin: float = param(-0.085, "fragility", "A domain is fragile in a commune when its "
                                  "fragility exceeds the mean of the surrounding communes by "
                                  "more than this.", "territory", -0.5, 0.5)
    fragility_reduction: float = param(0.00121, "fragility/month", "Fragility removed from its "
                                       "domain and commune by each month of an active alliance.",
                                       "territory", 0.0, 0.1)
    fragility_relapse: float = param(0.01, "1/month", "Monthly rate at which fragility drifts "
                                     "back to its structural level without alliances.",
                                     "territory", 0.0, 0.5)

    # -- firms and associations -------------------------------------------------------------
    n_firms: int = param(1500, "firms", "Number of firms (TPE, PME, ETI).", "actors", 0,
                         20_000_000)
    n_associations: int = param(500, "associations", "Number of associations (non-profits).",
                                "actors", 0, 10_000_000)
    share_pme: float = param(0.12, "fraction", "Share of firms that are PME (SMEs); the rest are "
                             "TPE except ETI.", "actors", 0.0, 1.0)
    share_eti: float = param(0.02, "fraction", "Share of firms that are ETI (mid-size).",
                             "actors", 0.0, 1.0)
    firm_other_interest: float = param(0.364, "probability", "Chance that a firm cares about a "
                                       "domain beyond the four where mayors see firms acting "
                                       "(economic development, employment, environment, energy "
                                       "transition).", "actors", 0.0, 1.0)
    capacity_tpe: int = param(1, "alliances", "Concurrent alliances a TPE (micro firm) can "
                              "carry.", "actors", 1, 20)
    capacity_pme: int = param(3, "alliances", "Concurrent alliances a PME can carry.", "actors",
                              1, 50)
    capacity_eti: int = param(4, "alliances", "Concurrent alliances an ETI can carry.", "actors",
                              1, 100)
    association_capacity: float = param(3.4, "alliances", "Mean number of concurrent alliances "
                                        "an association can carry (geometric distribution: "
                                        "many carry one, a few carry many).", "actors", 1.0,
                                        50.0)
    commune_capacity: int = param(7, "alliances", "Concurrent alliances the largest commune "
                                  "can carry (smaller ones less, as the square root of their "
                                  "relative number of organisations).", "actors", 1, 200)
    public_body_capacity: int = param(10, "alliances", "Concurrent alliances an "
                                      "intercommunality, a département or the State's services "
                                      "can carry.", "actors", 1, 500)
    share_assoc_mixed: float = param(0.4, "fraction", "Share of associations with a mixed "
                                     "(hybrid) funding model.", "actors", 0.0, 1.0)
    share_assoc_market: float = param(0.15, "fraction", "Share of associations funded mainly by "
                                      "earned income; the rest rely on subsidies.", "actors", 0.0,
                                      1.0)
    hybrid_openness: float = param(1.3, "factor", "Alliance-formation multiplier for "
                                   "associations with a mixed or market funding model.", "actors",
                                   0.5, 3.0)

    # -- mayors -----------------------------------------------------------------------------
    share_idealistes: float = param(0.2, "weight", "Relative share of mayors with the "
                                    "'Idéalistes' profile.", "mayors", 0.0, 1.0)
    share_batisseurs: float = param(0.2, "weight", "Relative share of 'Bâtisseurs' mayors.",
                                    "mayors", 0.0, 1.0)
    share_gestionnaires: float = param(0.2, "weight", "Relative share of 'Gestionnaires' mayors.",
                                       "mayors", 0.0, 1.0)
    share_volontaires: float = param(0.2, "weight", "Relative share of 'Volontaires' mayors.",
                                     "mayors", 0.0, 1.0)
    share_coordinateurs: float = param(0.2, "weight", "Relative share of 'Coordinateurs' "
                                       "mayors.", "mayors", 0.0, 1.0)
    q8_convene: float = param(0.74, "fraction", "Share of mayors for whom convening meetings "
                              "between organisations is a priority (survey Q8).", "mayors", 0.0,
                              1.0)
    q8_dialogue: float = param(0.71, "fraction", "Share of mayors for whom animating a "
                               "territorial dialogue is a priority (Q8).", "mayors", 0.0, 1.0)
    q8_partnerships: float = param(0.68, "fraction", "Share of mayors for whom helping "
                                   "organisations set up partnerships is a priority (Q8).",
                                   "mayors", 0.0, 1.0)
    q8_innovation: float = param(0.64, "fraction", "Share of mayors for whom promoting "
                                 "innovative alliances is a priority (Q8; total − secondary).",
                                 "mayors", 0.0, 1.0)
    q8_experiments: float = param(0.56, "fraction", "Share of mayors for whom taking part in "
                                  "collective experiments is a priority (Q8).", "mayors", 0.0,
                                  1.0)
    q8_ppp: float = param(0.54, "fraction", "Share of mayors for whom getting involved in "
                          "public/private partnerships is a priority (Q8; total − secondary).",
                          "mayors", 0.0, 1.0)
    secondary_role_factor: float = param(0.3, "factor", "Activity of a mayor on a role that is "
                                         "secondary for them, relative to a priority role.",
                                         "mayors", 0.0, 1.0)
    meeting_rate: float = param(0.0566, "meetings/month", "Meetings between local organisations "
                                "convened by a mayor for whom it is a priority.", "mayors", 0.0,
                                4.0)
    meeting_size: int = param(6, "organisations", "Organisations invited to a mayor's meeting.",
                              "mayors", 2, 100)
    dialogue_rate: float = param(0.0526, "forums/month", "Territorial dialogue forums held by a "
                                 "mayor for whom it is a priority.", "mayors", 0.0, 2.0)
    dialogue_size: int = param(25, "organisations", "Organisations attending a territorial "
                               "dialogue forum.", "mayors", 2, 500)
    partnership_help: float = param(1.5, "factor", "Alliance-formation multiplier in a commune "
                                    "whose mayor helps organisations set up partnerships.",
                                    "mayors", 1.0, 3.0)
    innovation_promotion: float = param(2.0, "factor", "Weight multiplier of social innovation "
                                        "among the alliances formed in a commune whose mayor "
                                        "promotes innovative alliances.", "mayors", 1.0, 5.0)
    ppp_openness: float = param(1.3, "factor", "Alliance-formation multiplier of a commune whose "
                                "mayor gets involved in public/private partnerships.", "mayors",
                                1.0, 3.0)

    # -- encounters -------------------------------------------------------------------------
    encounter_rate: float = param(1.06, "encounters/month", "Spontaneous encounters an "
                                  "organisation has with others in a month (before terrain "
                                  "effects).", "encounters", 0.0, 10.0)
    contact_range_km: float = param(3.0, "km", "Typical distance of spontaneous encounters "
                                    "(exponential decay length).", "encounters", 0.2, 50.0)
    neighbour_candidates: int = param(40, "organisations", "Nearest organisations considered as "
                                      "possible partners of spontaneous encounters.",
                                      "encounters", 4, 200)
    maintenance_rate: float = param(1.47, "contacts/month", "Contacts per month a "
                                    "micro-firm spends keeping up its relationships (more for "
                                    "bigger organisations), shared by trust.", "encounters", 0.0,
                                    20.0)
    long_range_share: float = param(0.03, "fraction", "Share of encounters with an organisation "
                                    "anywhere on the territory (inter-territorial links).",
                                    "encounters", 0.0, 1.0)
    cross_region_factor: float = param(1.0, "factor", "Probability that a long-range encounter "
                                       "across a regional border happens (administrative "
                                       "complexity).", "encounters", 0.0, 1.0)

    # -- trust ------------------------------------------------------------------------------
    initial_trust: float = param(0.1, "trust", "Trust between two organisations at their first "
                                 "encounter.", "trust", 0.0, 0.9)
    alliance_threshold: float = param(0.6, "trust", "Mutual trust needed before an alliance can "
                                      "form.", "trust", 0.05, 0.99)
    trust_building_time: float = param(24.4, "months", "Months of regular (monthly) contact "
                                       "needed to go from initial trust to the alliance "
                                       "threshold, for partners sharing a common language.",
                                       "trust", 1.0, 120.0)
    trust_half_life: float = param(96.4, "months", "Months without contact after which trust "
                                   "has halved.", "trust", 1.0, 600.0)
    cross_world_factor: float = param(0.465, "factor", "Speed of trust building between different "
                                      "worlds (public, economic, associative) before a common "
                                      "language is learned, relative to within a shared "
                                      "language.", "trust", 0.05, 1.0)
    language_learning: float = param(0.0706, "1/month", "Share of the remaining common-language "
                                     "gap an organisation closes per month of joint work.",
                                     "trust", 0.0, 1.0)
    failure_penalty: float = param(0.5, "fraction", "Share of trust lost by both partners when "
                                   "their alliance fails (the risk of the other).", "trust", 0.0,
                                   1.0)
    forget_below: float = param(0.1, "trust", "Relationships whose trust decays below this "
                                "are forgotten.", "trust", 0.0, 0.2)

    # -- alliances --------------------------------------------------------------------------
    formation_rate: float = param(0.384, "1/month", "Monthly hazard that two organisations "
                                  "meeting all alliance conditions form an alliance (before the "
                                  "openness, mayor-help and closure multipliers; probability "
                                  "1 − exp(−hazard)).", "alliances", 0.0, 1.0)
    closure_strength: float = param(0.5, "factor", "How much a mature cluster favours its own "
                                    "members and closes up to newcomers: formation multiplier "
                                    "1 + this between two insiders, 1 − this between an insider "
                                    "and an organisation never allied before.", "alliances", 0.0,
                                    1.0)
    insider_cluster: int = param(6, "organisations", "Size of an alliance cluster (organisations "
                                 "linked by active alliances) from which its members form a "
                                 "mature community that closes up (insiders).", "alliances", 2,
                                 1000)
    weight_patronage: float = param(0.3, "weight", "Relative frequency of patronage (mécénat) "
                                    "among eligible alliance kinds.", "alliances", 0.0, 1.0)
    weight_responsible: float = param(0.3, "weight", "Relative frequency of responsible-practice "
                                      "alliances.", "alliances", 0.0, 1.0)
    weight_economic: float = param(0.25, "weight", "Relative frequency of economic-cooperation "
                                   "alliances.", "alliances", 0.0, 1.0)
    weight_social_innovation: float = param(0.15, "weight", "Relative frequency of "
                                            "social-innovation alliances (when eligible).",
                                            "alliances", 0.0, 1.0)
    social_innovation_extra_trust: float = param(0.1, "trust", "Trust above the alliance "
                                                 "threshold needed for a social-innovation "
                                                 "alliance.", "alliances", 0.0, 0.5)
    alliance_duration: float = param(44.6, "months", "Mean planned duration of an alliance.",
                                     "alliances", 3.0, 240.0)
    failure_rate: float = param(0.0383, "1/month", "Monthly failure hazard of an alliance whose "
                                "partners' trust is at the threshold (lower with more trust).",
                                "alliances", 0.0, 0.5)

    # -- catalysts --------------------------------------------------------------------------
    n_catalysts: int = param(3, "catalysts", "Number of territorial catalysts.", "catalysts", 0,
                             500)
    catalyst_days: float = param(12.0, "days/month", "Working days per month each catalyst "
                                 "spends on its missions.", "catalysts", 0.0, 22.0)
    catalyst_start: int = param(0, "month", "Step at which the catalysts start.", "catalysts", 0,
                                600)
    catalyst_origin: str = param("mixed", "-", "Origin of the catalysts (mixed cycles through "
                                 "the four).", "catalysts",
                                 choices=("mixed", "public", "economic", "social_economy",
                                          "academic"))
    share_dialogue: float = param(0.3, "fraction", "Share of a catalyst's time on dialogue "
                                  "events.", "catalysts", 0.0, 1.0)
    share_introductions: float = param(0.4, "fraction", "Share of a catalyst's time on brokered "
                                       "introductions.", "catalysts", 0.0, 1.0)
    share_experiments: float = param(0.3, "fraction", "Share of a catalyst's time on collective "
                                     "experiments.", "catalysts", 0.0, 1.0)
    listening_days: float = param(7.98, "days/commune", "Days a catalyst spends listening to each "
                                  "commune of its area before it can launch an experiment.",
                                  "catalysts", 0.0, 20.0)
    event_days: float = param(4.0, "days/event", "Preparation time of one dialogue event.",
                              "catalysts", 0.5, 40.0)
    event_size: int = param(40, "organisations", "Organisations attending a dialogue event.",
                            "catalysts", 2, 1000)
    event_contacts: float = param(3.0, "contacts", "People an attendee really talks to at an "
                                  "event.", "catalysts", 0.0, 20.0)
    introduction_days: float = param(0.5, "days", "Time of one brokered introduction.",
                                     "catalysts", 0.1, 10.0)
    trust_transfer_share: float = param(0.496, "fraction", "Share of its own trust in both "
                                        "sides that a catalyst passes on to the pair it "
                                        "introduces (trust transfer).", "catalysts", 0.0, 1.0)
    accompaniment_months: int = param(6, "months", "Months a catalyst accompanies a pair it "
                                      "introduced (a facilitated meeting a month) unless they "
                                      "ally earlier; 0 for one-off introductions.", "catalysts",
                                      0, 36)
    catalyst_tie_intensity: float = param(1.77, "contacts", "Ordinary contacts a working meeting "
                                          "with a catalyst is worth in building its tie with an "
                                          "organisation (relational engineering is its job).",
                                          "catalysts", 1.0, 5.0)
    catalyst_bassins: int = param(1, "bassins", "Bassins de vie each catalyst animates (its "
                                  "area); 6 for a catalyst accompanying six territories.",
                                  "catalysts", 1, 500)
    experiment_days: float = param(2.5, "days/month", "Monthly time a running collective "
                                   "experiment takes from its catalyst.", "catalysts", 0.5, 22.0)
    experiment_group: int = param(12, "organisations", "Organisations assembled around a fragile "
                                  "domain in a collective experiment.", "catalysts", 3, 100)
    experiment_min_aware: int = param(10, "organisations", "Aware organisations interested in a "
                                      "fragile domain needed before an experiment can be "
                                      "assembled.", "catalysts", 2, 100)
    experiment_months: int = param(32, "months", "Duration of a collective experiment "
                                   "(workshops, then pilot projects that end with it).",
                                   "catalysts", 6, 240)
    workshop_intensity: float = param(1.5, "contacts/month", "Contact intensity between members "
                                      "of an experiment each month (co-development "
                                      "workshops).", "catalysts", 0.0, 10.0)
    pilot_projects: int = param(5, "projects", "Maximum pilot projects of one experiment (the "
                                "sources give 3 to 5).", "catalysts", 1, 20)
    pilot_support: float = param(0.5, "factor", "Failure-hazard multiplier of pilot projects "
                                 "thanks to funding, coaching and promotion.", "catalysts", 0.0,
                                 1.0)
    max_experiments: int = param(2, "experiments", "Collective experiments a catalyst can run at "
                                 "once.", "catalysts", 0, 20)
    deployment_projects: int = param(3, "projects", "Completed pilot projects after which a "
                                     "catalyst's programme counts as deployed.", "catalysts", 1,
                                     50)
    operator_drift: bool = param(False, "-", "Catalysts may become operators of the pilot "
                                 "projects they incubated.", "catalysts")
    drift_probability: float = param(0.5, "probability", "Chance that a catalyst takes over the "
                                     "operation of a pilot project it incubated.", "catalysts",
                                     0.0, 1.0)
    operation_days: float = param(3.0, "days/month", "Monthly time an operated project takes "
                                  "from the catalyst's animation.", "catalysts", 0.0, 22.0)
    legitimacy_loss: float = param(0.2, "fraction", "Share of its legitimacy as a neutral "
                                   "animator a catalyst loses for each project it takes over.",
                                   "catalysts", 0.0, 1.0)
    legitimacy_recovery: float = param(0.03, "1/month", "Share of the lost legitimacy a catalyst "
                                       "regains per month once it operates no project.",
                                       "catalysts", 0.0, 1.0)
    operated_project_months: float = param(36.0, "months", "Mean time a project taken over by "
                                           "its catalyst keeps running after its experiment.",
                                           "catalysts", 1.0, 240.0)
    funding_horizon: int = param(60, "months", "Months of experimental funding before the "
                                 "catalyst needs a sustainable model.", "catalysts", 1, 600)
    funder_expectation: float = param(30.0, "alliances", "Results (alliances credited to the "
                                      "catalyst, pilot projects included) its funder expects at "
                                      "the horizon to keep funding it.", "catalysts", 0.0,
                                      1000.0)

    # -- indicators -------------------------------------------------------------------------
    growing_alliances: int = param(2, "alliances", "Co-construction alliances of a commune "
                                   "(with the commune as partner, or pilot projects there) from "
                                   "which its dynamic counts as growing.", "indicators", 1, 50)
    anchoring_months: int = param(27, "months", "Months a commune must stay at or above the "
                                  "growing level to count as anchored.", "indicators", 1, 240)

    # -- mechanisms (ablation switches) -----------------------------------------------------
    dialogue_mission: bool = param(True, "-", "Catalysts hold dialogue events.", "mechanisms")
    introduction_mission: bool = param(True, "-", "Catalysts broker introductions.",
                                       "mechanisms")
    experiment_mission: bool = param(True, "-", "Catalysts run collective experiments.",
                                     "mechanisms")
    cross_world_penalty: bool = param(True, "-", "Trust builds more slowly across worlds until "
                                      "a common language is learned.", "mechanisms")
    trust_decay: bool = param(True, "-", "Trust decays without contact.", "mechanisms")
    failure_trust_loss: bool = param(True, "-", "A failed alliance costs trust.", "mechanisms")
    terrain: bool = param(True, "-", "Mountain cells slow encounters.", "mechanisms")
    tiers_lieux: bool = param(True, "-", "Tiers-lieux raise encounters around them.",
                              "mechanisms")
    trust_transfer: bool = param(True, "-", "Catalysts pass on their own trust to the pairs they "
                                 "introduce.", "mechanisms")
    mayor_profiles: bool = param(True, "-", "Mayor profiles differ (off: every mayor at the "
                                 "survey average).", "mechanisms")
    public_bodies: bool = param(True, "-", "Intercommunalities, départements and State services "
                                "are public actors beside communes.", "mechanisms")
    funder_review: bool = param(True, "-", "The funder may stop a catalyst at the end of its "
                                "experimental funding.", "mechanisms")
    inter_territorial: bool = param(True, "-", "Catalysts invite and introduce across bassins and "
                                    "regions.", "mechanisms")
    club_closure: bool = param(True, "-", "Mature clusters favour their members and close up to "
                               "newcomers (communautés concentrées).", "mechanisms")
    open_ecosystem: bool = param(True, "-", "Catalysts and public actors keep the ecosystem open "
                                 "(their introductions and forums include newcomers).",
                                 "mechanisms")
    fragility_feedback: bool = param(True, "-", "Active alliances relieve the fragility of their "
                                     "domain and commune.", "mechanisms")

    _specs: ClassVar[dict[str, ParamSpec] | None] = None

    # ----------------------------------------------------------------------------------------
    @classmethod
    def specs(cls) -> dict[str, ParamSpec]:
        """The :class:`ParamSpec` of every parameter, in declaration order."""
        if cls._specs is None:
            out: dict[str, ParamSpec] = {}
            for f in dataclasses.fields(cls):
                m = f.metadata
                out[f.name] = ParamSpec(
                    name=f.name, default=f.default, type=type(f.default), unit=m["unit"],
                    help=m["help"], group=m["group"], lo=m["lo"], hi=m["hi"],
                    choices=m["choices"])
            cls._specs = out
        return cls._specs

    def __post_init__(self) -> None:
        specs = self.specs()
        for name, spec in specs.items():
            object.__setattr__(self, name, spec.check(getattr(self, name), "scenario"))
        self._apply_territory("scenario")
        self._check_consistency("scenario")

    def _apply_territory(self, source: str) -> None:
        """A real territory fixes the grid, communes, bassins, regions, firms and associations
        (from the administrative data; :mod:`terrisim.geography`)."""
        if not self.territory:
            return
        from .errors import UserError
        from .geography.build import derived_parameters, normalise

        try:
            spec = normalise(self.territory)
            derived = derived_parameters(spec, self.cell_km)
        except UserError as exc:
            raise ScenarioError(source, "territory", str(exc)) from None
        object.__setattr__(self, "territory", spec)
        for name, value in derived.items():
            object.__setattr__(self, name, self.specs()[name].check(value, source))

    def _check_consistency(self, source: str) -> None:
        """Cross-parameter rules that single ranges cannot express."""
        if self.n_communes > self.width * self.height // 4:
            raise ScenarioError(source, "n_communes", f"must be at most width×height/4 = "
                                f"{self.width * self.height // 4} (got {self.n_communes})")
        if self.n_bassins > self.n_communes:
            raise ScenarioError(source, "n_bassins", f"must not exceed n_communes = "
                                f"{self.n_communes} (got {self.n_bassins})")
        if self.n_regions > self.n_bassins:
            raise ScenarioError(source, "n_regions", f"must not exceed n_bassins = "
                                f"{self.n_bassins} (got {self.n_regions})")
        if self.share_pme + self.share_eti > 1.0:
            raise ScenarioError(source, "share_eti", "share_pme + share_eti must not exceed 1")
        if self.share_assoc_mixed + self.share_assoc_market > 1.0:
            raise ScenarioError(source, "share_assoc_market",
                                "share_assoc_mixed + share_assoc_market must not exceed 1")
        if sum(self.profile_weights()) <= 0:
            raise ScenarioError(source, "share_idealistes",
                                "at least one mayor-profile share must be positive")
        if sum(self.kind_weights()) <= 0:
            raise ScenarioError(source, "weight_patronage",
                                "at least one alliance-kind weight must be positive")
        if self.n_catalysts > 0 and sum(self.mission_shares()) <= 0:
            raise ScenarioError(source, "share_dialogue",
                                "at least one catalyst mission share must be positive")
        if self.initial_trust >= self.alliance_threshold:
            # trust rises from first-meeting trust to the threshold in trust_building_time
            # months: with nothing to climb, that time means nothing
            raise ScenarioError(source, "initial_trust",
                                f"must be below alliance_threshold = {self.alliance_threshold:g} "
                                f"(got {self.initial_trust:g}): trust climbs from the one to "
                                "the other")

    # -- derived views (never stored twice) ---------------------------------------------------
    def profile_weights(self) -> tuple[float, float, float, float, float]:
        """Mayor-profile weights in the order of :data:`terrisim.mayors.PROFILES`."""
        return (self.share_idealistes, self.share_batisseurs, self.share_gestionnaires,
                self.share_volontaires, self.share_coordinateurs)

    def q8_anchors(self) -> tuple[float, ...]:
        """Q8 priority shares in the order of :data:`terrisim.mayors.ROLES`."""
        return (self.q8_convene, self.q8_dialogue, self.q8_partnerships, self.q8_innovation,
                self.q8_experiments, self.q8_ppp)

    def kind_weights(self) -> tuple[float, float, float, float]:
        """Alliance-kind weights in the order of :data:`terrisim.alliances.KINDS`."""
        return (self.weight_patronage, self.weight_responsible, self.weight_economic,
                self.weight_social_innovation)

    def mission_shares(self) -> tuple[float, float, float]:
        """Catalyst time shares (dialogue, introductions, experiments), before normalisation."""
        return (self.share_dialogue, self.share_introductions, self.share_experiments)

    def to_dict(self) -> dict[str, Any]:
        """Plain dictionary of every parameter (for provenance and TOML output)."""
        return {name: getattr(self, name) for name in self.specs()}

    def replace(self, **overrides: Any) -> Scenario:
        """A copy with some parameters changed, validated like a file."""
        return scenario_from_mapping({**self.to_dict(), **overrides}, source="override")

    def to_toml(self) -> str:
        """The scenario as a flat TOML document (every parameter, explicit)."""
        lines = []
        for name, value in self.to_dict().items():
            lines.append(f"{name} = {_toml_value(value)}")
        return "\n".join(lines) + "\n"


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'
    if isinstance(value, float):
        return repr(value)
    return str(value)


def _flatten(data: dict[str, Any], source: str) -> dict[str, Any]:
    """Merge group tables (``[trust]``…) into one flat mapping, checking group membership."""
    specs = Scenario.specs()
    flat: dict[str, Any] = {}
    for key, value in data.items():
        if isinstance(value, dict):
            if key not in GROUPS:
                raise ScenarioError(source, key, "unknown table; allowed tables are "
                                    + ", ".join(f"[{g}]" for g in GROUPS))
            for sub, subval in value.items():
                spec = specs.get(sub)
                if spec is not None and spec.group != key:
                    raise ScenarioError(source, f"{key}.{sub}",
                                        f"belongs to table [{spec.group}], not [{key}]")
                if sub in flat:
                    raise ScenarioError(source, sub, "is given twice")
                flat[sub] = subval
        else:
            if key in flat:
                raise ScenarioError(source, key, "is given twice")
            flat[key] = value
    return flat


def scenario_from_mapping(data: dict[str, Any], source: str = "scenario") -> Scenario:
    """Build a validated :class:`Scenario` from a (possibly grouped) mapping of parameters."""
    specs = Scenario.specs()
    flat = _flatten(data, source)
    values: dict[str, Any] = {}
    for key, value in flat.items():
        spec = specs.get(key)
        if spec is None:
            close = _closest(key, specs)
            hint = f"; did you mean '{close}'?" if close else ""
            raise ScenarioError(source, key, f"unknown parameter{hint} "
                                "(see docs/parameters.md or `terrisim params` for the list)")
        values[key] = spec.check(value, source)
    scenario = Scenario.__new__(Scenario)
    for name, spec in specs.items():
        object.__setattr__(scenario, name, values.get(name, spec.default))
    scenario._apply_territory(source)
    scenario._check_consistency(source)
    return scenario


def _closest(key: str, specs: dict[str, ParamSpec]) -> str | None:
    import difflib

    match = difflib.get_close_matches(key, list(specs), n=1, cutoff=0.75)
    return match[0] if match else None


#: Longest chain of ``base`` files (a scenario starting from a scenario starting from …).
MAX_BASE_DEPTH = 32


def read_toml(path: Path, error: type[InputError] | None = None) -> dict[str, Any]:
    """Read a TOML file, turning every I/O or syntax problem into a :class:`ScenarioError`
    (or ``error``): see :mod:`terrisim.files` (regular files only, bounded size and nesting)."""
    error = error or ScenarioError
    path = Path(path)
    return parse_toml(read_text_file(path, error), str(path), error)


def load_mapping(path: str | Path, _seen: tuple[Path, ...] = ()) -> dict[str, Any]:
    """Flat parameter mapping of a scenario file, with its ``base`` chain resolved.

    The chain is bounded (:data:`MAX_BASE_DEPTH`) and cycles are named, so no file set makes
    the loader recurse without end.
    """
    path = Path(path)
    source = str(path)
    data = read_toml(path)
    base = data.pop("base", None)
    flat = _flatten(data, source)
    if base is None:
        return flat
    if not isinstance(base, str) or not base.strip() or "\x00" in base:
        raise ScenarioError(source, "base", f"must be a path to another scenario file "
                            f"(got {base!r})")
    here = _resolved(path, source, None, str(path))
    base_path = _resolved(path.parent / base, source, "base", base)
    chain = (*_seen, here)
    if base_path in chain:
        names = " → ".join(p.name for p in chain[chain.index(base_path):])
        raise ScenarioError(source, "base", f"'{base}' makes a cycle of base files "
                            f"({names} → {base_path.name})")
    if len(chain) >= MAX_BASE_DEPTH:
        raise ScenarioError(source, "base", f"chain of base files longer than "
                            f"{MAX_BASE_DEPTH}; start from a file nearer the root")
    if not base_path.exists():
        raise ScenarioError(source, "base", f"file '{base}' not found next to {path.name}")
    try:
        inherited = load_mapping(base_path, chain)
    except ScenarioError as exc:
        if exc.source == str(base_path) and exc.key is None:
            # the base file itself is unusable: say which file and key point to it
            raise ScenarioError(source, "base", f"'{base}' {exc.detail}") from None
        raise
    inherited.update(flat)
    return inherited


def _resolved(path: Path, source: str, key: str | None, shown: str) -> Path:
    """``path`` made absolute with symlinks followed; a symlink loop is an input error."""
    import errno

    try:
        return path.resolve()
    except (OSError, RuntimeError) as exc:
        loop = getattr(exc, "errno", None) == errno.ELOOP or "loop" in str(exc).lower()
        reason = "a loop of symbolic links" if loop else os_reason(exc)
        raise ScenarioError(source, key, f"'{shown}' cannot be resolved ({reason})") from None


def load_scenario(path: str | Path, overrides: dict[str, Any] | None = None) -> Scenario:
    """Load and validate a scenario file (and optional overrides, e.g. from the command line).

    ``path`` is a file, or the name of a shipped scenario (``"baseline"``,
    ``"lessons/mountain"``; see :mod:`terrisim.resources` for where names are looked up).
    """
    path = find_scenario(path)
    flat = load_mapping(path)
    scenario = scenario_from_mapping(flat, source=str(path))
    if overrides:
        scenario = scenario_from_mapping({**scenario.to_dict(), **overrides},
                                         source=f"{path} (overrides)")
    return scenario
