"""The API reference page, generated from the docstrings: ``python -m terrisim.apidoc``.

``docs/api.md`` is this module's output (a test keeps them equal, as for
``docs/parameters.md``), so the reference cannot drift from the code: every name of
``terrisim.__all__`` with its signature and docstring, the public methods of its classes, and the
modules a user imports by name (:data:`MODULES`).  Docstrings are written in reStructuredText's
small subset (````code````, ``:func:`x```, ``::`` blocks); they are turned into Markdown here.
"""

from __future__ import annotations

import importlib
import inspect
import re
import textwrap
from typing import Any

#: Modules documented in full after the top-level names (public functions and classes).
MODULES: tuple[str, ...] = ("terrisim.ema",)
#: Signatures longer than this many parameters are abbreviated (the Scenario's hundred fields
#: are listed in docs/parameters.md).
MAX_PARAMS = 12
#: Members shown for classes whose other public methods are internal services (the model's
#: agents call ``request_meeting``, ``mark_event`` …; they are not an API for users).
SHOWN_MEMBERS: dict[str, tuple[str, ...]] = {
    "TerritoryModel": ("step", "run", "dataframe", "commune_stage"),
}
#: What a docstring cannot say about a class: attributes set at run time, how to build it.
NOTES: dict[str, str] = {
    "Scenario": ("One keyword per parameter, each listed with its unit, range and meaning in "
                 "[parameters.md](parameters.md); `load_scenario` reads a file or a shipped "
                 "name, `Scenario().replace(n_catalysts=0)` varies one."),
    "Experiment": "Build one with `Experiment.from_file` or `Experiment.from_dict`.",
    "TerritoryModel": (
        "Attributes read by analyses: `model.params` (the `Scenario`), `model.seed`, "
        "`model.month`, `model.indicators` (this month's indicators, a dict), "
        "`model.datacollector` (Mesa's DataCollector of every month's indicators, so "
        "`mesa.batch_run` and SolaraViz plots work), `model.running` (False at the scenario's "
        "horizon), `model.events` (the narrative event log), `model.territory` (communes, "
        "bassins, EPCI, départements, fragility), `model.orgs` (organisations as arrays), "
        "`model.alliances` (every alliance formed; `terrisim.alliance_table(model)` gives it as "
        "a DataFrame)."),
}

_ROLE = re.compile(r":(?:func|class|meth|mod|data|attr|exc):`~?([^`]+)`")
_LITERAL = re.compile(r"``([^`]+)``")


def _markdown(doc: str | None) -> str:
    """A docstring in Markdown: roles and literals as code, ``::`` blocks as fenced Python."""
    if not doc:
        return "*(no docstring)*"
    text = inspect.cleandoc(doc)
    text = _ROLE.sub(lambda m: "`" + (m.group(1).split(".")[-1] if "~" in m.group(0)
                                      else m.group(1)) + "`", text)
    text = _LITERAL.sub(r"`\1`", text)
    out: list[str] = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.rstrip().endswith("::"):
            head = line.rstrip()[:-2].rstrip()
            out.append(head + ":" if head and not head.endswith(":") else head)
            i += 1
            block: list[str] = []
            while i < len(lines) and (not lines[i].strip() or lines[i].startswith(" ")):
                block.append(lines[i])
                i += 1
            while block and not block[-1].strip():
                block.pop()
            out += ["", "```python", textwrap.dedent("\n".join(block)).strip("\n"), "```", ""]
            continue
        out.append(line)
        i += 1
    return "\n".join(out).strip()


def _annotation(value: Any) -> str:
    if value is inspect.Parameter.empty:
        return ""
    return value if isinstance(value, str) else inspect.formatannotation(value)


def signature(obj: Any, name: str) -> str:
    """``name(params) -> result`` from the object's signature, abbreviated when very long."""
    try:
        sig = inspect.signature(obj)
    except (TypeError, ValueError):
        return name
    parts = []
    star_done = False
    params = list(sig.parameters.values())
    if params and params[0].name in ("self", "cls"):
        params = params[1:]
    for p in params[:MAX_PARAMS]:
        if p.kind is p.KEYWORD_ONLY and not star_done:
            parts.append("*")
            star_done = True
        if p.kind is p.VAR_POSITIONAL:
            star_done = True
        text = {p.VAR_POSITIONAL: "*", p.VAR_KEYWORD: "**"}.get(p.kind, "") + p.name
        ann = _annotation(p.annotation)
        if ann:
            text += f": {ann}"
        if p.default is not p.empty:
            text += (" = " if ann else "=") + repr(p.default)
        parts.append(text)
    if len(params) > MAX_PARAMS:
        return f"{name}(...)  # {len(params)} keyword fields"
    result = _annotation(sig.return_annotation)
    return f"{name}({', '.join(parts)})" + (f" -> {result}" if result else "")


def _members(cls: type) -> list[tuple[str, Any]]:
    """Public methods, class methods and properties defined by ``cls`` itself."""
    out = []
    shown = SHOWN_MEMBERS.get(cls.__name__)
    for name, value in vars(cls).items():
        if name.startswith("_") or (shown is not None and name not in shown):
            continue
        if isinstance(value, classmethod | staticmethod):
            out.append((name, value.__func__))
        elif isinstance(value, property) or inspect.isfunction(value):
            out.append((name, value))
    return out


def _entry(qualname: str, obj: Any, level: int = 2) -> list[str]:
    short = qualname.rsplit(".", 1)[-1]
    lines = [f"{'#' * level} `{qualname}`", ""]
    if inspect.isclass(obj):
        init = obj.__init__ if "__init__" in vars(obj) else obj
        lines += ["```python", f"class {signature(init, short)}", "```", "",
                  _markdown(obj.__doc__), ""]
        if "__init__" in vars(obj) and obj.__init__.__doc__:
            lines += [_markdown(obj.__init__.__doc__), ""]
        if obj.__name__ in NOTES:
            lines += [NOTES[obj.__name__], ""]
        for name, member in _members(obj):
            if isinstance(member, property):
                lines += [f"- **`{short}.{name}`** (property) — "
                          + _markdown(member.__doc__).replace("\n", " "), ""]
            else:
                lines += [f"- **`{short}.{signature(member, name)}`**", "",
                          textwrap.indent(_markdown(member.__doc__), "  "), ""]
    elif callable(obj):
        lines += ["```python", signature(obj, short), "```", "", _markdown(obj.__doc__), ""]
    else:
        lines += [f"`{short} = {obj!r}`", ""]
    return lines


def api_markdown() -> str:
    """The whole API page (``docs/api.md``)."""
    import terrisim

    lines = ["# Python API", "",
             "Generated from the docstrings by `python -m terrisim.apidoc > docs/api.md` "
             "(a test keeps this page equal to the code). Every name below is importable from "
             "`terrisim`; scenario parameters are listed in [parameters.md](parameters.md), "
             "indicators are the columns of a run's table. Worked examples: "
             "`examples/01_first_run.ipynb`, `examples/02_sweep_and_analysis.ipynb`, "
             "`examples/mesa_viz.py`.", "",
             f"Version {terrisim.__version__}.", ""]
    lines += ["## Contents", ""]
    lines += [f"- [`terrisim.{n}`](#terrisim{n.lower()})" for n in terrisim.__all__
              if n != "__version__"]
    lines += [f"- [`{m}`](#{m.replace('.', '')})" for m in MODULES]
    lines.append("")
    for name in terrisim.__all__:
        if name == "__version__":
            continue
        lines += _entry(f"terrisim.{name}", getattr(terrisim, name))
    for module_name in MODULES:
        module = importlib.import_module(module_name)
        lines += [f"## `{module_name}`", "", _markdown(module.__doc__), ""]
        for name in module.__all__:
            lines += _entry(f"{module_name}.{name}", getattr(module, name), level=3)
    return "\n".join(line.rstrip() for line in lines).rstrip() + "\n"


if __name__ == "__main__":
    print(api_markdown(), end="")
