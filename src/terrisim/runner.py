"""``terrisim run`` (one scenario, one seed) and ``terrisim params`` (the parameter reference)."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from .checks import check_seed, output_dir, path_name
from .errors import UserError
from .memory import check_fits, estimate_run_bytes, format_bytes
from .resources import find_scenario
from .scenario import GROUPS, Scenario, load_scenario
from .validation.command import DEFAULT_REPLICATIONS

#: Indicators shown in the end-of-run summary, with how to print them.
SUMMARY: tuple[tuple[str, str, str], ...] = (
    ("alliances_active", "active alliances", "{:.0f}"),
    ("alliances_formed_total", "alliances formed (total)", "{:.0f}"),
    ("alliances_failed_total", "alliances failed (total)", "{:.0f}"),
    ("pilot_projects_total", "pilot projects of collective experiments", "{:.0f}"),
    ("firms_partnered", "firms with a cross-sector partnership", "{:.1%}"),
    ("firms_with_association_partner", "  of which with an association (PHARE 2015: 37%)",
     "{:.1%}"),
    ("associations_partnered", "associations with a cross-sector partnership", "{:.1%}"),
    ("associations_with_firm_partner", "  of which with a firm (PHARE 2015: 38%)", "{:.1%}"),
    ("firms_aware", "firms aware (sensibilisées)", "{:.1%}"),
    ("firms_involved", "firms involved (impliquées)", "{:.1%}"),
    ("firms_committed", "firms committed (engagées)", "{:.1%}"),
    ("stage_none", "communes: no co-construction dynamic", "{:.1%}"),
    ("stage_emerging", "communes: beginning to emerge", "{:.1%}"),
    ("stage_growing", "communes: increasingly numerous", "{:.1%}"),
    ("stage_anchored", "communes: anchored", "{:.1%}"),
    ("first_alliance_month", "month of the first alliance", "{:.0f}"),
    ("months_to_first_experiment", "months from catalyst start to first experiment", "{:.0f}"),
    ("months_to_deployment", "months from catalyst start to deployment", "{:.0f}"),
    ("catalysts_active", "catalysts still active", "{:.0f}"),
    ("largest_component_share", "alliance network: largest component share", "{:.2f}"),
    ("concentration", "concentration: trusted ties held by the top tenth", "{:.2f}"),
    ("fragility_mean", "mean fragility (0-1)", "{:.3f}"),
    ("impact_performance", "impact: performance (0-1)", "{:.3f}"),
    ("impact_innovation", "impact: innovation (0-1)", "{:.3f}"),
    ("impact_trust", "impact: trust (0-1)", "{:.3f}"),
)


def add_run_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("scenario", metavar="SCENARIO", help="scenario file, or the name of a shipped "
                   "scenario such as 'baseline' or 'lessons/mountain' (see scenarios/)")
    p.add_argument("--seed", type=int, default=None,
                   help="random seed (default 42); the same seed gives identical outputs")
    p.add_argument("--steps", type=int, default=None, help="months to simulate (default: the "
                   "scenario's 'steps')")
    p.add_argument("--out", default=None, help="output directory (default: "
                   "results/run-<scenario>-seed<seed>)")
    p.add_argument("--tables", metavar="NAMES", default=None,
                   help="also write these long tables, comma-separated: alliances (one row per "
                        "alliance: partners, worlds, kind, domain, dates, status) and/or communes "
                        "(one row per commune and month)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument("--map", metavar="INDICATOR", default="stage", help="real territories: the "
                   "indicator mapped by commune at the end (default: stage; see "
                   "docs/territories.md)")


def run_main(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from . import model  # noqa: F401  (imported before timing: Mesa's import is slow)
    from .simulate import DEFAULT_SEED, provenance, run_simulation, write_run
    from .tables import TableRecorder, parse_tables, write_tables

    tables = parse_tables(args.tables)
    overrides = {}
    if args.steps is not None:
        if args.steps < 1:
            raise UserError(f"--steps must be a positive number of months (got {args.steps})")
        overrides["steps"] = args.steps
    source = find_scenario(args.scenario)
    scenario = load_scenario(source, overrides)
    seed = check_seed(DEFAULT_SEED if args.seed is None else args.seed)
    check_fits(scenario, what=f"{args.scenario}: one run")
    out = output_dir(args.out, Path("results") / f"run-{path_name(scenario.name)}-seed{seed}")
    areas = None
    if scenario.territory:
        from .geography.outputs import MAP_INDICATORS, AreaRecorder

        if args.map not in MAP_INDICATORS:
            raise UserError(f"--map must be one of {', '.join(MAP_INDICATORS)} "
                            f"(got {args.map!r})")
        areas = AreaRecorder(scenario, args.map)
    need = estimate_run_bytes(scenario)
    if need > 2e9:
        print(f"memory: about {format_bytes(need)} for this run", file=sys.stderr)
    from .progress import reporting

    setup = tqdm(total=1, desc="set-up", disable=args.quiet, file=sys.stderr, leave=False)

    def on_setup(phase: str, done: int, total: int) -> None:
        setup.set_description(f"set-up: {phase}")
        setup.total = total
        setup.n = done
        setup.refresh()

    bar = None

    def on_step(done: int, total: int) -> None:
        nonlocal bar
        if bar is None:
            setup.close()
            bar = tqdm(total=total, unit="month", desc=f"{scenario.name} seed {seed}",
                       disable=args.quiet, file=sys.stderr, leave=False, initial=done - 1)
        bar.update(1)

    start = time.perf_counter()
    recorder = TableRecorder(tables)
    observers = [o for o in (areas, recorder if tables else None) if o is not None]

    def observe(m) -> None:
        for o in observers:
            o(m)

    with reporting(on_setup):
        df = run_simulation(scenario, seed, on_step=on_step,
                            observe=observe if observers else None)
    setup.close()
    if bar is not None:
        bar.close()
    elapsed = time.perf_counter() - start
    paths = write_run(df, out, scenario, seed, source=str(source))
    frames = recorder.frames() if tables else {}
    written = write_tables(out, frames, provenance(scenario, seed, scenario_file=str(source)))
    if areas is not None:
        paths.update(areas.write(out, scenario, seed))
    print(summary_table(df, scenario, seed, elapsed, args.scenario))
    print(f"\nindicators: {paths['parquet']}  {paths['csv']}")
    for name, path in written.items():
        print(f"{name} table: {path} ({len(frames[name]):,} rows)")
    if areas is not None:
        print(f"by département and region: {paths['areas']}; by commune: "
              f"{paths['communes']}; map: {paths['map']}")
    print(f"scenario and provenance: {paths['scenario']}  {paths['provenance']}")
    return 0


def summary_table(df, scenario: Scenario, seed: int, elapsed: float,
                  named: str | None = None) -> str:
    """Aligned summary of the final month (and of October 2016, the mayors' survey, when
    simulated)."""
    last = df.iloc[-1]
    survey = df[df["month"] == (2016 - scenario.start_year) * 12 + 9]   # the survey's month
    cols = [("final", last)]
    if len(survey) and survey.index[0] != df.index[-1]:
        cols.insert(0, ("Oct 2016", survey.iloc[0]))
    width = max(len(label) for _, label, _ in SUMMARY)
    head = f"{'':{width}}  " + "  ".join(f"{name:>10}" for name, _ in cols)
    lines = [f"terrisim: scenario '{scenario.name}', seed {seed}, {scenario.steps} months "
             f"({scenario.start_year}–{scenario.start_year + scenario.steps / 12:.0f}), "
             f"{elapsed:.2f} s", "", head]
    for key, label, fmt in SUMMARY:
        vals = []
        for _, row in cols:
            v = row[key]
            vals.append(f"{'–' if v != v else fmt.format(v):>10}")
        lines.append(f"{label:{width}}  " + "  ".join(vals))
    lines += ["", "One seed is one draw of the territory's chance (the survey figures move by "
              "several points from seed to seed):",
              f"`terrisim validate {named or scenario.name}` compares them over "
              f"{DEFAULT_REPLICATIONS} seeds, with intervals."]
    return "\n".join(lines)


def add_params_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--markdown", action="store_true", help="print docs/parameters.md")


def params_main(args: argparse.Namespace) -> int:
    print(parameters_markdown() if args.markdown else parameters_text())
    return 0


def parameters_text() -> str:
    lines = []
    for group, title in GROUPS.items():
        lines.append(f"[{group}]  {title}")
        for spec in Scenario.specs().values():
            if spec.group == group:
                lines.append(f"  {spec.name} = {spec.default!r}   ({spec.allowed()})")
                lines.append(f"      {spec.help}")
        lines.append("")
    return "\n".join(lines)


def parameters_markdown() -> str:
    """The parameter reference (docs/parameters.md is this output; a test keeps them equal)."""
    lines = ["# Scenario parameters", "",
             "Generated by `terrisim params --markdown` from the one `Scenario` definition "
             "(`src/terrisim/scenario.py`). Scenario files may set any of these at top level or "
             "in a table named after the group.", ""]
    for group, title in GROUPS.items():
        lines += [f"## [{group}] {title}", "", "| parameter | default | unit | allowed | meaning |",
                  "|---|---|---|---|---|"]
        for spec in Scenario.specs().values():
            if spec.group == group:
                default = f"`{spec.default!r}`".replace("|", "\\|")
                lines.append(f"| `{spec.name}` | {default} | {spec.unit} | {spec.allowed()} | "
                             f"{spec.help} |")
        lines.append("")
    return "\n".join(lines)
