"""French and English for the whole app: interface strings, parameters, labels, Info, lessons.

Strings live in ``locales/<lang>.toml`` so that translators edit text, not code.  Parameter
*labels* are translated in both files; parameter *help* in English is the Scenario's own ``help``
(the one source of truth written next to the parameter) and French carries its translation.
Labels that the core model already provides in both languages (domains, alliance kinds, ladder
levels, commune stages, mayor profiles, catalyst origins) are read from the core, not restated.

Nothing here imports Solara: the command line, the unit tests and the benchmark use it too.
"""

from __future__ import annotations

import functools
import re
import string
import tomllib
from pathlib import Path
from typing import Any

from ..alliances import KIND_LABELS, KINDS
from ..catalysis import ORIGIN_LABELS
from ..domains import DOMAIN_LABELS, DOMAINS
from ..indicators import STAGE_LABELS, STAGES
from ..ladder import LEVEL_LABELS, LEVELS
from ..mayors import PROFILE_LABELS
from ..scenario import GROUPS, ParamSpec, Scenario

__all__ = ["DEFAULT_LANG", "LANGS", "Translator", "catalogue", "core_label", "format_param",
           "plain_number", "translator"]

LANGS: tuple[str, ...] = ("en", "fr")
DEFAULT_LANG = "en"
LOCALES = Path(__file__).with_name("locales")

#: Core label tables: name → (english, french), indexed by the core's identifiers.
CORE_TABLES: dict[str, dict[str, tuple[str, str]]] = {
    "domain": DOMAIN_LABELS,
    "kind": KIND_LABELS,
    "level": LEVEL_LABELS,
    "stage": STAGE_LABELS,
    "profile": PROFILE_LABELS,
    "origin": ORIGIN_LABELS,
}
#: Identifier orders of the core tables (for selects and legends).
CORE_ORDERS: dict[str, tuple[str, ...]] = {
    "domain": DOMAINS, "kind": KINDS, "level": LEVELS, "stage": STAGES,
    "profile": tuple(PROFILE_LABELS), "origin": tuple(ORIGIN_LABELS),
}

#: Indicator families named after a core table: prefix → tables its suffix comes from.
INDICATOR_FAMILIES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("formed_total_", ("kind", "pair")),
    ("active_", ("kind", "pair")),
    ("firms_", ("level",)),
    ("stage_", ("stage",)),
    ("fragility_", ("domain",)),
)


@functools.cache
def catalogue(lang: str) -> dict[str, Any]:
    """The parsed locale file of ``lang`` (cached: files do not change while serving)."""
    if lang not in LANGS:
        raise ValueError(f"unknown language {lang!r}; expected one of {', '.join(LANGS)}")
    with open(LOCALES / f"{lang}.toml", "rb") as fh:
        return tomllib.load(fh)


def core_label(table: str, key: str, lang: str) -> str:
    """Label of a core identifier (domain, kind, level, stage, profile, origin)."""
    pair = CORE_TABLES[table].get(key)
    if pair is None:
        return key
    return pair[LANGS.index(lang)]


class Translator:
    """All the strings of one language, with the lookups the components need.

    ``tr("ui.reset")`` returns the string at that dotted path; keyword arguments fill its
    ``{placeholders}``.  A missing key raises ``KeyError`` (the unit tests check every key the
    code uses exists in both languages, so a typo fails a test rather than showing a blank).
    """

    def __init__(self, lang: str) -> None:
        self.lang = lang if lang in LANGS else DEFAULT_LANG
        self.data = catalogue(self.lang)

    def __call__(self, key: str, **fmt: Any) -> str:
        node: Any = self.data
        for part in key.split("."):
            node = node[part]
        if not isinstance(node, str):
            raise KeyError(f"{key} is a table, not a string")
        return node.format(**fmt) if fmt else node

    def has(self, key: str) -> bool:
        try:
            self(key)
        except (KeyError, IndexError, ValueError):
            return False
        return True

    # -- parameters -------------------------------------------------------------------------
    def param_label(self, name: str) -> str:
        """The parameter's label; a parameter added to the Scenario but not yet translated
        shows its name (the unit tests fail until it is translated, the app keeps working)."""
        entry = self.data["params"].get(name, {})
        return entry.get("label") or name.replace("_", " ").capitalize()

    def param_help(self, spec: ParamSpec) -> str:
        """One-line meaning: the Scenario's own help in English, the translation otherwise
        (the English help until it is translated)."""
        if self.lang == "en":
            return spec.help
        return self.data["params"].get(spec.name, {}).get("help", spec.help)

    def unit(self, unit: str) -> str:
        return self.data["units"].get(unit, unit)

    def group(self, group: str) -> str:
        return self.data["groups"].get(group, GROUPS.get(group, group))

    def choice(self, name: str, value: str) -> str:
        """Label of a choice of a str parameter (only ``catalyst_origin`` has choices today)."""
        if name == "catalyst_origin":
            if value in ORIGIN_LABELS:
                return core_label("origin", value, self.lang)
            return self.data["origins"].get(value, value)
        return value

    # -- labels -----------------------------------------------------------------------------
    def core(self, table: str, key: str) -> str:
        return core_label(table, key, self.lang)

    def world(self, name: str) -> str:
        return self.data["worlds"][name]

    def type_name(self, kind: str) -> str:
        return self.data["types"].get(kind, kind)

    def yes_no(self, value: bool) -> str:
        return self("ui.yes") if value else self("ui.no")

    def plural(self, key: str, n: float, **fmt: Any) -> str:
        """The ``one`` or ``other`` form of a counted string (``{n}`` filled in): "1 change",
        "2 changes"; French uses the singular for 0 and 1, English only for 1."""
        node: Any = self.data
        for part in key.split("."):
            node = node[part]
        one = abs(n) < 2 if self.lang == "fr" else n == 1
        text = node["one" if one else "other"]
        return text.format(n=self.number(n, 0) if float(n).is_integer() else self.number(n, 1),
                           **fmt)

    def month_name(self, month: int) -> str:
        """Name of a calendar month (1–12) in this language."""
        return self.data["calendar"]["months"][(int(month) - 1) % 12]

    def date(self, year: float) -> str:
        """Calendar month of a fractional year (the model's ``year`` indicator): "March 2012",
        "mars 2012" — a month, never a bare "02/2012" that reads as a year."""
        y = int(year + 1e-9)
        m = round((year - y) * 12) + 1
        if m > 12:
            y, m = y + 1, 1
        return self("ui.date", year=y, month_name=self.month_name(m))

    def browser_texts(self) -> dict[str, Any]:
        """What the browser's own drawing code needs to write numbers and dates like this
        language does (chart tooltips are computed in the browser)."""
        cal = self.data["calendar"]
        return {"decimal": "," if self.lang == "fr" else ".",
                "thousands": "\u202f" if self.lang == "fr" else ",",
                "months": cal["months_short"], "date": cal["short_date"],
                "percent": "\u00a0%"}

    def number(self, value: float, digits: int = 2) -> str:
        """A number written the way this language writes it (decimal comma in French)."""
        text = f"{value:,.{digits}f}" if digits else f"{value:,.0f}"
        if self.lang == "fr":
            text = text.replace(",", "\u202f").replace(".", ",")
        return text

    def percent(self, share: float, digits: int = 0) -> str:
        return f"{self.number(100.0 * share, digits)}\u00a0%"

    def indicator_label(self, name: str) -> str:
        """A person's name for an indicator of :func:`terrisim.model.indicator_names`:
        its own entry, else its monitor's label, else its family's ("Fragility: Health"), else
        the identifier (a unit test fails until every indicator has a label)."""
        own = self.data["indicators"].get(name)
        if own:
            return own
        monitor = self.data["monitors"].get(name)
        if monitor:
            return monitor["label"]
        families = self.data["indicator_families"]
        for prefix, tables in INDICATOR_FAMILIES:
            if not name.startswith(prefix):
                continue
            rest = name[len(prefix):]
            for table in tables:
                if table == "pair" and rest in self.data["pairs"]:
                    return families[prefix.rstrip("_")].format(what=self.data["pairs"][rest])
                if table != "pair" and rest in CORE_TABLES[table]:
                    return families[prefix.rstrip("_")].format(what=self.core(table, rest))
        return name


@functools.cache
def translator(lang: str) -> Translator:
    """Shared, immutable translator per language."""
    return Translator(lang)


#: A counted word in a sentence: ``{pilots|pilot project|pilot projects}`` is the singular or the
#: plural by the value of the ``pilots`` field (French: singular for 0 and 1).
PLURAL = re.compile(r"\{(\w+)\|([^|{}]*)\|([^{}]*)\}")


def choose_plurals(text: str, values: dict[str, Any], lang: str) -> str:
    """Replace every ``{field|singular|plural}`` of ``text`` by the form ``values[field]``
    calls for (never "projet(s)")."""
    def pick(match: re.Match[str]) -> str:
        try:
            n = float(values[match.group(1)])
        except (KeyError, TypeError, ValueError):
            return match.group(3)
        one = abs(n) < 2 if lang == "fr" else n == 1
        return match.group(2) if one else match.group(3)

    return PLURAL.sub(pick, text)


def placeholders(text: str) -> set[str]:
    """Names of the ``{placeholders}`` of a format string, counted words included (used by the
    tests)."""
    names = {m.group(1) for m in PLURAL.finditer(text)}
    return names | {name for _, name, _, _ in string.Formatter().parse(PLURAL.sub("", text))
                    if name}


def flatten(data: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """``{"a": {"b": "x"}}`` → ``{"a.b": "x"}`` (used by the tests to compare languages)."""
    out: dict[str, Any] = {}
    for key, value in data.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(flatten(value, path + "."))
        else:
            out[path] = value
    return out


def scenario_specs() -> dict[str, ParamSpec]:
    """The Scenario's parameters (re-exported so the tests and views share one import)."""
    return Scenario.specs()


#: Units whose singular ends in "s" too.
INVARIABLE = frozenset({"mois", "log-sd"})


def plain_number(value: float, lang: str) -> str:
    """Shortest faithful writing of a number (``0.003``, ``1500``), decimal comma in French."""
    text = str(int(value)) if float(value).is_integer() else f"{float(value):.6g}"
    return text.replace(".", ",") if lang == "fr" else text


def format_param(spec: ParamSpec, value: Any, tr: Translator) -> str:
    """A parameter value with its unit, written in the interface's language."""
    if spec.type is bool:
        return tr.yes_no(bool(value))
    if spec.choices:
        return tr.choice(spec.name, str(value))
    if spec.type is str:
        return str(value)
    text = plain_number(value, tr.lang)
    if spec.unit == "factor":
        return f"×{text}"
    unit = tr.unit(spec.unit)
    if value == 1 and unit.endswith("s") and "/" not in unit and unit not in INVARIABLE:
        unit = unit[:-1]                  # "1 region", "1 catalyseur"
    return f"{text} {unit}".strip()
