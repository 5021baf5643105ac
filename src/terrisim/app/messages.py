"""Messages for people who typed something the app cannot use, in the learner's language.

The scenario's own errors are written for researchers at a terminal ("override: key 'share_eti':
share_pme + share_eti must not exceed 1"); a learner needs the field as the form labels it and the
values it accepts, in French or English.  So the session keeps *what* went wrong as data
(:class:`FieldError`: which field, what was typed, which limit applied) and the interface writes the
sentence in the language shown at that moment — switching language re-words a message already on
screen.

The allowed values come from :meth:`terrisim.scenario.ParamSpec.allowed` (the English wording, the
one definition of a parameter's range) and, in French, from the same spec's type, bounds, choices
and unit through the locale files: no second parameter list.  Cross-parameter rules are the
scenario's ``_check_consistency``; each rule's key has a sentence in both locales (a unit test reads
the rules' keys from the scenario's source and fails when one is missing; the app then falls back
to the scenario's English text rather than failing).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from ..scenario import ParamSpec, Scenario, ScenarioError
from .i18n import Translator

__all__ = ["SEED_SPEC", "FieldError", "allowed", "constraint_error", "field_error",
           "parse_seed"]

#: The seed is not a scenario parameter (the same scenario runs with many seeds), but it is
#: typed in the same way, so it is described by a spec of its own: a whole number that numpy's
#: generator accepts and a person can type (up to 2³² − 1, as ``random.randrange`` in the app).
SEED_SPEC = ParamSpec(name="seed", default=42, type=int, unit="-", group="simulation",
                      help="Seed of the random draws: the same parameters and seed give the same "
                           "run.", lo=0, hi=2**32 - 1)


@dataclass(frozen=True)
class FieldError:
    """A value refused for one field: what was typed, and the app's limit if that refused it."""

    name: str
    raw: Any
    cap: float | None = None      # the app's upper bound, when it is below the scenario's


def _fmt_bound(value: float | None, tr: Translator) -> str:
    if value is None:
        return "?"
    digits = 0 if float(value).is_integer() else len(f"{value:g}".split(".")[-1])
    return tr.number(float(value), min(digits, 6))


def allowed(spec: ParamSpec, tr: Translator, cap: float | None = None) -> str:
    """The values a field accepts, in words, in ``tr``'s language.

    English is the spec's own :meth:`~terrisim.scenario.ParamSpec.allowed` (with the app's cap as
    upper bound when one applies); French is built from the same spec through the locale.
    """
    if cap is not None and spec.hi is not None and cap < spec.hi:
        spec = dataclasses.replace(spec, hi=cap)
    if tr.lang == "en":
        return spec.allowed()
    words = tr.data["allowed"]
    if spec.type is bool:
        return words["bool"]
    if spec.choices:
        return words["choice"].format(
            choices=", ".join(f"« {tr.choice(spec.name, c)} »" for c in spec.choices))
    if spec.type is str:
        return words["text"]
    unit = tr.unit(spec.unit) if spec.unit not in ("-", "fraction", "probability") else ""
    return words["int" if spec.type is int else "float"].format(
        lo=_fmt_bound(spec.lo, tr), hi=_fmt_bound(spec.hi, tr),
        unit=f" {unit}" if unit else "").strip()


def _label(name: str, tr: Translator) -> str:
    if name == SEED_SPEC.name:
        return tr("ui.seed")
    return tr.param_label(name)


def field_error(error: FieldError, tr: Translator) -> str:
    """"Seed: must be a whole number from 0 to 4,294,967,295 (typed: -1)"."""
    spec = SEED_SPEC if error.name == SEED_SPEC.name else Scenario.specs().get(error.name)
    if spec is None:
        return tr("messages.unknown_field", name=error.name)
    typed = str(error.raw).strip() if error.raw is not None else ""
    text = tr("messages.field", label=_label(error.name, tr), allowed=allowed(spec, tr, error.cap),
              typed=typed or tr("messages.empty"))
    if error.cap is not None and spec.hi is not None and error.cap < spec.hi:
        text += " " + tr("messages.app_limit", hi=_fmt_bound(spec.hi, tr))
    return text


def parse_seed(raw: Any) -> int | FieldError:
    """The seed a person typed, or why it cannot be used (never an exception: a bad seed must
    not cost the run on screen)."""
    text = str(raw).strip().replace("\u202f", "").replace("\u00a0", "").replace(" ", "")
    if isinstance(raw, bool) or not text.isdigit():
        return FieldError(SEED_SPEC.name, raw)
    value = int(text)
    if value > SEED_SPEC.hi:
        return FieldError(SEED_SPEC.name, raw)
    return value


def constraint_error(exc: ScenarioError, values: dict[str, Any], tr: Translator) -> str:
    """A cross-parameter rule the edits break together (e.g. more than 100 % of PME and ETI).

    ``values`` are the parameters the next Reset would use; the sentence of the rule's key
    names the fields involved with their labels and current values.
    """
    rules = tr.data["constraints"]
    key = exc.key or ""
    template = rules.get(key)
    label = _label(key, tr) if key else ""
    if template is None:     # a rule added to the scenario and not yet worded here
        return tr("messages.constraint", label=label, rule=exc.detail)
    specs = Scenario.specs()
    shown = {name: _show(specs[name], value, tr) for name, value in values.items()
             if name in specs}
    labels = {name: tr.param_label(name) for name in specs}
    return tr("messages.constraint", label=label,
              rule=template.format(v=shown, labels=labels))


def _show(spec: ParamSpec, value: Any, tr: Translator) -> str:
    if spec.type is bool:
        return tr.yes_no(bool(value))
    if spec.type is str:
        return str(value)
    if spec.unit == "fraction":
        return tr.percent(float(value), 0 if float(value * 100).is_integer() else 1)
    return tr.number(float(value), 0 if float(value).is_integer() else 2)
