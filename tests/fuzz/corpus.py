"""The fuzz corpus: a few hundred bad (and a few good) inputs for the real command line.

Each case is a command line run in its own directory, with the files it needs.  Scenario cases
are generated from ``Scenario.specs()`` (every declared parameter, its type and range), so the
corpus follows the model's parameters as they change; experiment, targets, results-directory
and option cases cover the other inputs.  ``expect`` is ``"refuse"`` (non-zero exit with a
clear message naming ``names``), ``"run"`` (exit 0) or ``"either"`` (a valid run or a clean
refusal, e.g. a random combination of in-range values).

This module must import and work against older versions of terrisim too (the closing note
compares counts before and after), so it uses only ``Scenario.specs()`` and plain files.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
BASELINE = ROOT / "scenarios" / "baseline.toml"

#: A tiny territory: valid runs of it take a fraction of a second.
TINY = {"width": 10, "height": 10, "n_communes": 4, "n_bassins": 1, "n_regions": 1,
        "n_firms": 30, "n_associations": 10, "n_catalysts": 1, "steps": 3}


@dataclass
class Case:
    """One command line, the files it needs, and what a correct program does with it."""

    name: str
    argv: list[str]
    files: dict[str, Any] = field(default_factory=dict)   # name → text | bytes | special
    expect: str = "refuse"                                 # refuse | run | either
    names: tuple[str, ...] = ()                            # the message must name these
    setup: str | None = None                               # a results fixture to copy in


def toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        if math.isnan(v):
            return "nan"
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        return repr(v)
    if isinstance(v, str):
        return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(v, list):
        return "[" + ", ".join(toml_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{k} = {toml_value(x)}" for k, x in v.items()) + " }"
    return str(v)


def scenario_text(values: dict[str, Any], base: bool = True) -> str:
    lines = [f'base = "{BASELINE}"'] if base else []
    lines += [f"{k} = {toml_value(v)}" for k, v in values.items()]
    return "\n".join(lines) + "\n"


def run_case(name: str, values: dict[str, Any], expect: str, names: tuple[str, ...] = (),
             extra: list[str] | None = None) -> Case:
    merged = {**TINY, **values}
    return Case(name, ["run", "s.toml", "--quiet", "--steps", "2", "--out", "out",
                       *(extra or [])], {"s.toml": scenario_text(merged)}, expect, names)


def bad_values(spec: Any) -> list[tuple[str, Any]]:
    """Values a parameter must refuse, from its declared type and range."""
    out: list[tuple[str, Any]] = [("text", "x☃\u202e"), ("list", [1, 2]), ("table", {"a": 1})]
    if spec.type is bool:
        return [*out, ("int", 1), ("string-true", "true")]
    if spec.type is str:
        out = [("int", 3), ("bool", True), ("list", ["a"])]
        if spec.choices:
            out.append(("unknown-choice", "martian"))
        return out
    out += [("nan", math.nan), ("inf", math.inf), ("-inf", -math.inf), ("bool", True),
            ("huge", 1e308), ("2^64", 2**63 - 1), ("-2^63", -(2**63))]
    if spec.lo is not None:
        out.append(("below", spec.lo - (1 if spec.type is int else abs(spec.lo) * 0.01 + 0.01)))
    if spec.hi is not None:
        out.append(("above", spec.hi + (1 if spec.type is int else abs(spec.hi) * 0.01 + 0.01)))
    if spec.type is int:
        out.append(("fraction", (spec.lo or 0) + 0.5))
    return out


def scenario_cases(specs: dict[str, Any], rng: random.Random) -> list[Case]:
    cases = []
    for name, spec in specs.items():
        if spec.group == "meta":
            continue
        values = bad_values(spec)
        always = [v for v in values if v[0] in ("nan", "inf", "below", "above", "text")]
        rest = [v for v in values if v not in always]
        for label, value in always + rng.sample(rest, min(2, len(rest))):
            cases.append(run_case(f"param-{name}-{label}", {name: value}, "refuse", (name,)))
        if spec.type in (int, float):
            for label, value in (("lo", spec.lo), ("hi", spec.hi)):
                value = int(value) if spec.type is int else float(value)
                cases.append(run_case(f"param-{name}-{label}", {name: value}, "either"))
        elif spec.type is bool:
            cases.append(run_case(f"param-{name}-flip", {name: not spec.default}, "either"))
    # random combinations of in-range values: each runs or is refused with a reason
    for k in range(40):
        values: dict[str, Any] = {}
        for name, spec in specs.items():
            if spec.group == "meta" or rng.random() < 0.6:
                continue
            if spec.type is bool:
                values[name] = rng.random() < 0.5
            elif spec.choices:
                values[name] = rng.choice(spec.choices)
            elif spec.type is int:
                values[name] = rng.randint(int(spec.lo), int(min(spec.hi, spec.lo + 50)))
            elif spec.type is float:
                values[name] = rng.uniform(spec.lo, spec.hi)
        cases.append(run_case(f"combo-{k}", values, "either"))
    cases += [
        run_case("cross-initial-trust", {"initial_trust": 0.9}, "refuse", ("initial_trust",)),
        run_case("cross-threshold", {"alliance_threshold": 0.09}, "refuse", ("initial_trust",)),
        run_case("cross-regions", {"n_regions": 3}, "refuse", ("n_regions",)),
        run_case("cross-shares", {"share_pme": 0.9, "share_eti": 0.2}, "refuse", ("share_eti",)),
        run_case("cross-communes", {"n_communes": 500}, "refuse", ("n_communes",)),
        run_case("huge-run", {"n_firms": 500000, "n_associations": 200000,
                              "neighbour_candidates": 200, "width": 20, "height": 20},
                 "refuse", ("memory",)),
        run_case("name-escape", {"name": "../../../escaped"}, "run"),
        run_case("name-empty", {"name": ""}, "run"),
        run_case("name-unicode", {"name": "Vallée ☃ \u202e"}, "run"),
    ]
    return cases


def file_cases() -> list[Case]:
    t = scenario_text(TINY)
    run = ["run", "s.toml", "--quiet", "--steps", "2", "--out", "out"]
    deep = "x = " + "[" * 5000 + "]" * 5000 + "\n"
    chain = {f"c{k}.toml": f'base = "c{k + 1}.toml"\n' for k in range(60)}
    chain["c60.toml"] = t
    return [
        Case("file-missing", run, {}, names=("s.toml",)),
        Case("file-dir", run, {"s.toml": "<dir>"}, names=("s.toml",)),
        Case("file-fifo", run, {"s.toml": "<fifo>"}, names=("s.toml",)),
        Case("file-dev-zero", ["run", "/dev/zero", "--quiet"], names=("/dev/zero",)),
        Case("file-binary", run, {"s.toml": b"\x00\x01\x02\xff" * 100}, names=("s.toml",)),
        Case("file-latin1", run, {"s.toml": "name = 'Vall\xe9e'\n".encode("latin-1")},
             names=("s.toml",)),
        Case("file-bom", run, {"s.toml": b"\xef\xbb\xbf" + t.encode()}, expect="either"),
        Case("file-empty", run, {"s.toml": ""}, expect="run"),
        Case("file-big", run, {"s.toml": "description = '" + "x" * (3 << 20) + "'\n"},
             names=("s.toml",)),
        Case("file-deep", run, {"s.toml": deep}, names=("s.toml",)),
        Case("file-syntax", run, {"s.toml": "n_firms = = 3\n"}, names=("s.toml",)),
        Case("file-twice", run, {"s.toml": "n_firms = 3\n[actors]\nn_firms = 4\n"},
             names=("n_firms",)),
        Case("file-unknown-table", run, {"s.toml": "[weather]\nrain = 1\n"}, names=("weather",)),
        Case("file-unknown-key", run, {"s.toml": "n_frims = 3\n"}, names=("n_frims",)),
        Case("base-missing", run, {"s.toml": 'base = "nope.toml"\n'}, names=("base",)),
        Case("base-dir", run, {"s.toml": 'base = "d"\n', "d": "<dir>"}, names=("base",)),
        Case("base-binary", run, {"s.toml": 'base = "b.bin"\n', "b.bin": b"\x00\xff"},
             names=("base",)),
        Case("base-dev-zero", run, {"s.toml": 'base = "/dev/zero"\n'}, names=("base",)),
        Case("base-fifo", run, {"s.toml": 'base = "p"\n', "p": "<fifo>"}, names=("base",)),
        Case("base-int", run, {"s.toml": "base = 3\n"}, names=("base",)),
        Case("base-empty", run, {"s.toml": 'base = ""\n'}, names=("base",)),
        Case("base-self", run, {"s.toml": 'base = "s.toml"\n'}, names=("base",)),
        Case("base-cycle", run, {"s.toml": 'base = "a.toml"\n', "a.toml": 'base = "s.toml"\n'},
             names=("base",)),
        Case("base-symlink-loop", run, {"s.toml": 'base = "l1.toml"\n',
                                        "l1.toml": "<link:l2.toml>", "l2.toml": "<link:l1.toml>"},
             names=("base",)),
        Case("base-chain-long", ["run", "c0.toml", "--quiet", "--steps", "2", "--out", "out"],
             chain, names=("base",)),
        Case("base-nul", run, {"s.toml": 'base = "a\\u0000b"\n'}, names=("base",)),
    ]


def option_cases() -> list[Case]:
    t = {"s.toml": scenario_text(TINY)}
    run = ["run", "s.toml", "--quiet", "--steps", "2"]
    cases = [Case(f"run-seed-{v}", [*run, "--seed", v, "--out", "out"], t, names=("--seed",))
             for v in ("-1", str(2**63), str(2**64), "x", "1e3", "")]
    cases += [Case(f"run-steps-{v}", ["run", "s.toml", "--quiet", "--steps", v, "--out", "o"], t,
                   names=("steps",)) for v in ("0", "-3", "601", "1000000000", "x")]
    cases += [
        Case("run-seed-max", [*run, "--seed", str(2**63 - 1), "--out", "out"], t, expect="run"),
        Case("run-out-empty", [*run, "--out", ""], t, names=("--out",)),
        Case("run-out-file", [*run, "--out", "f"], {**t, "f": "x"}, names=("--out",)),
        Case("run-out-under-file", [*run, "--out", "f/x"], {**t, "f": "x"}, names=("--out",)),
        Case("run-out-dev-null", [*run, "--out", "/dev/null"], t, names=("--out",)),
        Case("run-out-proc", [*run, "--out", "/proc/version/x"], t, names=("--out",)),
        Case("run-no-args", ["run"], names=("SCENARIO",)),
        Case("unknown-command", ["frobnicate"], names=("frobnicate",)),
        Case("params-markdown", ["params", "--markdown"], expect="run"),
        Case("validate-seed-neg", ["validate", "s.toml", "--seed", "-1", "--replications", "2"],
             t, names=("--seed",)),
        Case("validate-seed-huge", ["validate", "s.toml", "--seed", str(2**64),
                                    "--replications", "2"], t, names=("--seed",)),
        Case("validate-reps-1", ["validate", "s.toml", "--replications", "1"], t,
             names=("--replications",)),
        Case("validate-reps-neg", ["validate", "s.toml", "--replications", "-4"], t,
             names=("--replications",)),
        Case("validate-workers-0", ["validate", "s.toml", "--workers", "0"], t,
             names=("--workers",)),
        Case("validate-out-file", ["validate", "s.toml", "--replications", "2", "--out", "f"],
             {**t, "f": "x"}, names=("--out",)),
    ]
    targets = {
        "list": "pattern = [1, 2]\n",
        "empty": "",
        "tolerance-inf": None, "tolerance-nan": None, "tolerance-zero": None,
        "target-nan": None, "indicator-unknown": None, "date-bad": None, "missing-id": None,
    }
    good = ('[[pattern]]\nid = "p"\nlabel = "l"\nlabel_fr = "l"\nsource = "s"\n'
            'indicator = "firms_partnered"\ntarget = 0.3\ntolerance = 0.1\nunit = "share"\n'
            'at = "end"\n')
    for label, text in targets.items():
        if text is None:
            key, _, value = label.partition("-")
            text = {"tolerance": good.replace("tolerance = 0.1",
                                              f"tolerance = {value if value != 'zero' else 0}"),
                    "target": good.replace("target = 0.3", "target = nan"),
                    "indicator": good.replace("firms_partnered", "nope"),
                    "date": good.replace('at = "end"', 'date = "2016-13"'),
                    "missing": good.replace('id = "p"\n', "")}[key]
        cases.append(Case(f"targets-{label}", ["validate", "s.toml", "--replications", "2",
                                               "--targets", "t.toml", "--out", "v"],
                          {**t, "t.toml": text}, names=("t.toml",)))
    return cases


def experiment_text(over: dict[str, dict[str, Any]] | None = None, drop: tuple[str, ...] = ()
                    ) -> str:
    tables: dict[str, dict[str, Any]] = {
        "experiment": {"name": "fz", "scenario": str(BASELINE), "replications": 1, "seed": 1},
        "overrides": dict(TINY),
        "factors": {"n_catalysts": [0, 1]},
        "design": {"type": "full_factorial"},
        "output": {"indicators": ["alliances_formed_total", "firms_partnered"]},
    }
    for table, values in (over or {}).items():
        tables.setdefault(table, {})
        for k, v in values.items():
            if v is None:
                tables[table].pop(k, None)
            else:
                tables[table][k] = v
    for name in tables["factors"]:           # a factor cannot also be fixed
        tables["overrides"].pop(name, None)
    lines = []
    for table, values in tables.items():
        if table in drop:
            continue
        lines.append(f"[{table}]")
        lines += [f"{k} = {toml_value(v)}" for k, v in values.items()]
    return "\n".join(lines) + "\n"


def experiment_cases() -> list[Case]:
    sweep = ["sweep", "e.toml", "--serial", "--quiet", "--out", "res"]

    def ex(name: str, over: dict[str, dict[str, Any]], names: tuple[str, ...],
           expect: str = "refuse", drop: tuple[str, ...] = (), argv: list[str] | None = None
           ) -> Case:
        return Case(f"exp-{name}", argv or sweep, {"e.toml": experiment_text(over, drop)},
                    expect, names)

    cases = [
        ex("valid", {}, (), "run"),
        ex("name-escape", {"experiment": {"name": "../../../escaped"}}, (), "run",
           argv=["sweep", "e.toml", "--serial", "--quiet"]),
        ex("name-empty", {"experiment": {"name": ""}}, (), "run",
           argv=["sweep", "e.toml", "--serial", "--quiet"]),
        ex("no-experiment", {}, ("experiment",), drop=("experiment",)),
        ex("no-design", {}, ("design",), drop=("design",)),
        ex("no-factors", {}, ("factors",), drop=("factors",)),
        ex("sd-inf", {"factors": {"n_catalysts": None,
                                  "trust_building_time": {"distribution": "normal", "mean": 20,
                                                          "sd": math.inf}},
                      "design": {"type": "latin_hypercube", "samples": 4}}, ("sd",)),
        ex("sd-nan", {"factors": {"n_catalysts": None,
                                  "trust_building_time": {"distribution": "normal", "mean": 20,
                                                          "sd": math.nan}},
                      "design": {"type": "latin_hypercube", "samples": 4}}, ("sd",)),
        ex("steps-beyond", {"output": {"steps": [500]}}, ("output.steps",)),
        ex("steps-beyond-factor", {"factors": {"steps": [3, 400]},
                                   "overrides": {"steps": None},
                                   "output": {"steps": [300]}}, ("output.steps",)),
        ex("lhs-10M", {"factors": {"n_catalysts": {"range": [0, 5]}},
                       "design": {"type": "latin_hypercube", "samples": 10_000_000}},
           ("design",), "either", argv=["sweep", "e.toml", "--dry-run", "--out", "res"]),
        ex("lhs-too-many", {"factors": {"n_catalysts": {"range": [0, 5]}},
                            "design": {"type": "latin_hypercube", "samples": 10_000_001}},
           ("design",)),
        ex("scenario-dir", {"experiment": {"scenario": "d"}}, ("experiment.scenario",)),
        ex("scenario-dev-zero", {"experiment": {"scenario": "/dev/zero"}},
           ("experiment.scenario",)),
        ex("scenario-missing", {"experiment": {"scenario": "nope.toml"}},
           ("experiment.scenario",)),
        ex("scenario-empty", {"experiment": {"scenario": ""}}, ("experiment.scenario",)),
        ex("override-bad", {"overrides": {"initial_trust": 0.95}}, ("initial_trust",)),
        ex("override-unknown", {"overrides": {"n_frims": 3}}, ("n_frims",)),
        ex("factor-unknown", {"factors": {"n_catalystz": [1]}}, ("n_catalystz",)),
        ex("factor-repeat", {"factors": {"n_catalysts": [1, 1]}}, ("n_catalysts",)),
        ex("factor-crash-combo", {"factors": {"n_catalysts": None,
                                              "initial_trust": [0.1, 0.7]}}, (), "run"),
        ex("sobol-not-pow2", {"design": {"type": "sobol", "samples": 6},
                              "factors": {"n_catalysts": {"range": [0, 3]}}},
           ("design.samples",)),
        ex("morris-odd", {"design": {"type": "morris", "trajectories": 2, "levels": 3},
                          "factors": {"n_catalysts": {"range": [0, 3]}}}, ("design.levels",)),
        ex("indicator-unknown", {"output": {"indicators": ["nope"]}}, ("output.indicators",)),
        ex("every-zero", {"output": {"every": 0}}, ("output.every",)),
        ex("report-x-bad", {"report": {"x": "nope"}}, ("report.x",)),
    ]
    for key, value in (("replications", 0), ("replications", math.nan), ("seed", -1),
                       ("seed", 2**63 - 1 + 0.5), ("seed", "x"), ("runs_per_task", 0),
                       ("name", 3), ("nope", 1)):
        cases.append(ex(f"experiment-{key}-{value}", {"experiment": {key: value}},
                        (f"experiment.{key}",)))
    cases[[c.name for c in cases].index("exp-scenario-dir")].files["d"] = "<dir>"
    # command-line options of sweep
    base = {"e.toml": experiment_text()}
    for label, extra, names in (
            ("workers-0", ["--workers", "0"], ("--workers",)),
            ("rpt-0", ["--runs-per-task", "0"], ("--runs-per-task",)),
            ("scheduler-notaurl", ["--scheduler", "notaurl"], ("--scheduler",)),
            ("scheduler-empty", ["--scheduler", ""], ("--scheduler",)),
            ("scheduler-port", ["--scheduler", "tcp://127.0.0.1:99999"], ("--scheduler",)),
            ("scheduler-scheme", ["--scheduler", "http://127.0.0.1:8786"], ("--scheduler",)),
            ("timeout-neg", ["--scheduler", "tcp://127.0.0.1:9", "--connect-timeout", "-1"],
             ("--connect-timeout",)),
            ("timeout-nan", ["--scheduler", "tcp://127.0.0.1:9", "--connect-timeout", "nan"],
             ("--connect-timeout",)),
            ("timeout-inf", ["--scheduler", "tcp://127.0.0.1:9", "--connect-timeout", "inf"],
             ("--connect-timeout",)),
            ("unreachable", ["--scheduler", "tcp://127.0.0.1:9", "--connect-timeout", "1"],
             ("127.0.0.1:9",)),
            ("jobs-0", ["--cluster", "slurm", "--jobs", "0"], ("--jobs",)),
            ("out-empty", ["--out", ""], ("--out",)),
            ("out-file", ["--out", "f"], ("--out",)),
            ("out-under-file", ["--out", "f/x"], ("--out",)),
    ):
        argv = ["sweep", "e.toml", "--quiet", *extra]
        if "--out" not in extra:
            argv += ["--out", "res"]
        cases.append(Case(f"sweep-{label}", argv, {**base, "f": "x"}, "refuse", names))
    return cases


#: The experiment of the results fixture (three chunks of two runs).
FIXTURE = {"factors": {"n_catalysts": [0, 1, 2]}, "experiment": {"replications": 2}}


def results_cases() -> list[Case]:
    """Damaged results directories, for report, calibrate and sweep (resume, --repair)."""
    mutations = {
        "ok": ({}, "run"), "experiment-garbage": ({"experiment.json": "{garbage"}, "refuse"),
        "experiment-empty": ({"experiment.json": "{}"}, "refuse"),
        "experiment-list": ({"experiment.json": "[1, 2]"}, "refuse"),
        "design-missing": ({"design.parquet": "<delete>"}, "refuse"),
        "design-truncated": ({"design.parquet": "<truncate>"}, "refuse"),
        "sweep-garbage": ({"sweep.json": "\x00garbage"}, "run"),
        "chunk-truncated": ({"runs/part-000000000.parquet": "<truncate>"}, "refuse"),
        "chunk-foreign": ({"runs/part-000000099.parquet": "<foreign>"}, "refuse"),
        "chunk-duplicate": ({"runs/part-000000000-1.parquet": "<copy:runs/part-000000000.parquet>"},
                            "refuse"),
        "chunk-text": ({"runs/part-000000005.parquet": "not parquet"}, "refuse"),
        "runs-dir-file": ({"runs": "<file>"}, "refuse"),
    }
    cases = []
    for label, (files, expect) in mutations.items():
        for cmd in ("report", "calibrate"):
            argv = [cmd, "res[1]", "--out", "rep"] + (["--confirm", "0"] if cmd == "calibrate"
                                                      else [])
            exp = expect if cmd == "report" else ("either" if expect == "run" else "refuse")
            cases.append(Case(f"{cmd}-{label}", argv, dict(files), exp, ("res[1]",),
                              setup="results"))
        cases.append(Case(f"sweep-resume-{label}", ["sweep", "e.toml", "--serial", "--quiet",
                                                    "--out", "res[1]"],
                          {**files, "e.toml": experiment_text(FIXTURE)},
                          "either" if expect == "refuse" else "run", ("res[1]",),
                          setup="results"))
        cases.append(Case(f"sweep-repair-{label}", ["sweep", "e.toml", "--serial", "--quiet",
                                                    "--out", "res[1]", "--repair"],
                          {**files, "e.toml": experiment_text(FIXTURE)},
                          "run" if label != "runs-dir-file"
                          else "either", (), setup="results"))
    cases += [
        Case("report-missing", ["report", "nope"], names=("nope",)),
        Case("report-file", ["report", "f"], {"f": "x"}, names=("f",)),
        Case("report-empty-dir", ["report", "d"], {"d": "<dir>"}, names=("d",)),
        Case("report-out-file", ["report", "res[1]", "--out", "f"], {"f": "x"},
             names=("--out",), setup="results"),
        Case("calibrate-out-file", ["calibrate", "res[1]", "--out", "f", "--confirm", "0"],
             {"f": "x"}, names=("--out",), setup="results"),
        Case("calibrate-seed-neg", ["calibrate", "res[1]", "--seed", "-1"], {},
             names=("--seed",), setup="results"),
    ]
    return cases


def all_cases(seed: int = 14) -> list[Case]:
    from terrisim.scenario import Scenario

    rng = random.Random(seed)
    return [*scenario_cases(Scenario.specs(), rng), *file_cases(), *option_cases(),
            *experiment_cases(), *results_cases()]
