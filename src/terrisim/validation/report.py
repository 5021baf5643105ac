"""Terminal table, figures and the self-contained HTML report of a validation."""

from __future__ import annotations

import html
import math
from pathlib import Path

import numpy as np

from ..report.html import embed_png
from ..simulate import atomic_write_bytes, versions
from .targets import Comparison
from .validate import ABLATIONS, Validation


def _fmt(value: float, unit: str) -> str:
    if value != value:
        return "–"
    return f"{value:.1%}" if unit == "share" else f"{value:.1f}"


#: Words after a tolerance, per pattern unit ("share" is printed in %).
UNIT_WORDS = {"months": "months", "count": "", "rate": "per catalyst-year"}


def _tolerance_text(p) -> str:
    if p.unit == "share":
        return f"±{p.tolerance:.0%}"
    return f"±{p.tolerance:g} {UNIT_WORDS.get(p.unit, '')}".rstrip()


def _interval_text(lo: float, hi: float, unit: str) -> str:
    """``[lo, hi]``, or why there is none (too few replications)."""
    from ..report.stats import MIN_REPLICATIONS

    if math.isnan(lo):
        return f"(no CI: fewer than {MIN_REPLICATIONS} runs)"
    return f"[{_fmt(lo, unit)}, {_fmt(hi, unit)}]"


def terminal_table(v: Validation) -> str:
    """pattern | target | simulated mean [95 % CI] | tolerance | met"""
    head = ("pattern", "when", "target", "simulated mean [95% CI]", "tolerance", "met")
    rows = []
    for c in v.comparisons:
        p = c.pattern
        lo, hi = c.ci
        tol = _tolerance_text(p)
        sim = f"{_fmt(c.mean, p.unit)} " + _interval_text(lo, hi, p.unit)
        if len(c.reached) < len(c.values):
            sim += f" ({len(c.reached)}/{len(c.values)} runs)"
        rows.append((p.id, p.when(), _fmt(p.target, p.unit), sim, tol,
                     "yes" if c.met else "NO"))
    widths = [max(len(r[k]) for r in (head, *rows)) for k in range(len(head))]
    line = lambda r: "  ".join(f"{x:<{w}}" for x, w in zip(r, widths, strict=True))  # noqa: E731
    out = [line(head), line(tuple("-" * w for w in widths)), *map(line, rows)]
    met = sum(c.met for c in v.comparisons)
    out.append(f"\n{met} of {len(v.comparisons)} patterns met "
               f"({len(v.seeds)} replications of scenario '{v.scenario.name}')")
    return "\n".join(out)


def ablation_text(v: Validation) -> str:
    """The ablation table for the terminal: one column per removed mechanism."""
    if not v.ablations:
        return ""
    t = v.ablation_table()
    units = {c.pattern.id: c.pattern.unit for c in v.comparisons}
    targets = {c.pattern.id: c.pattern.target for c in v.comparisons}
    width = max(len(i) for i in t.index)
    cols = list(t.columns)
    head = f"  {'pattern':<{width}}  {'target':>7}" + "".join(f"{f'[{k}]':>8}"
                                                              for k in range(len(cols)))
    lines = ["Patterns without each mechanism (simulated mean, same seeds):", head]
    for pid, row in t.iterrows():
        vals = "".join(f"{_fmt(x, units[pid]):>8}" for x in row)
        lines.append(f"  {pid:<{width}}  {_fmt(targets[pid], units[pid]):>7}{vals}")
    lines += [f"  [{k}] {c}" for k, c in enumerate(cols)]
    return "\n".join(lines)


def patterns_figure(v: Validation, path: Path) -> None:
    """Each pattern: the target with its tolerance band and the simulated mean with 95 % CI."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    groups = [(unit, xlabel, k, [c for c in v.comparisons if c.pattern.unit == unit])
              for unit, xlabel, k in (("share", "share of firms, associations or communes (%)",
                                       100.0),
                                      ("months", "months from the catalyst's start", 1.0),
                                      ("count", "count", 1.0),
                                      ("rate", "per catalyst-year", 1.0))]
    groups = [g for g in groups if g[3]]
    fig, axes = plt.subplots(len(groups), 1, figsize=(10, 0.6 * len(v.comparisons) + 2.6),
                             gridspec_kw={"height_ratios": [len(g[3]) + 1 for g in groups]},
                             squeeze=False)
    for ax, (_, xlabel, k, sel) in zip(axes[:, 0], groups, strict=True):
        top = 0.0
        for y, c in enumerate(sel):
            p = c.pattern
            ax.fill_betweenx([y - 0.3, y + 0.3], (p.target - p.tolerance) * k,
                             (p.target + p.tolerance) * k, color="#cfe8cf",
                             label="target ± tolerance" if y == 0 else None)
            ax.plot([p.target * k] * 2, [y - 0.3, y + 0.3], color="#2e7d32", lw=2)
            lo, hi = c.ci
            top = max(top, (p.target + p.tolerance) * k, np.nan_to_num(hi) * k)
            if math.isnan(c.mean):
                ax.text(p.target * k, y, "  never reached", va="center", color="#c62828")
                continue
            err = None if math.isnan(lo) else [[max(0.0, (c.mean - lo) * k)],
                                               [max(0.0, (hi - c.mean) * k)]]
            ax.errorbar(c.mean * k, y, xerr=err, fmt="o" if c.met else "X",
                        color="#1565c0" if c.met else "#c62828", capsize=4, ms=7)
        ax.set_yticks(range(len(sel)), [c.pattern.label for c in sel], fontsize=9)
        ax.set_ylim(len(sel) - 0.5, -0.5)
        ax.set_xlim(0, top * 1.15 + 1)
        ax.set_xlabel(xlabel)
        ax.grid(axis="x", alpha=0.3)
    from ..report.stats import MIN_REPLICATIONS

    few = (f"; no interval drawn: fewer than {MIN_REPLICATIONS} runs"
           if len(v.seeds) < MIN_REPLICATIONS else "")
    fig.suptitle(f"Observed patterns (green: target ± tolerance) and simulation\n(mean and "
                 f"95 % CI over {len(v.seeds)} runs; blue dots: met, red crosses: not met{few})",
                 fontsize=11)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def ablations_figure(v: Validation, path: Path) -> None:
    """Distance to the target, in tolerances, with all mechanisms and without each one."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.colors import TwoSlopeNorm

    t = v.ablation_table()
    targets = np.array([c.pattern.target for c in v.comparisons])
    tol = np.array([c.pattern.tolerance for c in v.comparisons])
    z = (t.to_numpy(dtype=float) - targets[:, None]) / tol[:, None]
    fig, ax = plt.subplots(figsize=(1.3 * z.shape[1] + 3.5, 0.5 * z.shape[0] + 2.5))
    im = ax.imshow(np.nan_to_num(z, nan=0.0), cmap="RdBu_r",
                   norm=TwoSlopeNorm(vcenter=0, vmin=-5, vmax=5), aspect="auto")
    for (r, c), val in np.ndenumerate(z):
        ax.text(c, r, "n/a" if math.isnan(val) else f"{val:+.1f}", ha="center", va="center",
                fontsize=8, color="black" if abs(np.nan_to_num(val)) < 3 else "white")
    ax.set_xticks(range(z.shape[1]), [col.replace("without ", "without\n") for col in t.columns],
                  rotation=45, ha="right", fontsize=8)
    ax.set_yticks(range(z.shape[0]), list(t.index), fontsize=9)
    fig.colorbar(im, ax=ax, label="(simulated − target) / tolerance; |x| ≤ 1 is met")
    ax.set_title("Which mechanism produces which pattern: each column removes one", fontsize=11)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _comparison_row(c: Comparison) -> str:
    p = c.pattern
    lo, hi = c.ci
    tol = _tolerance_text(p)
    cls = "met" if c.met else "unmet"
    runs = "" if len(c.reached) == len(c.values) else f" ({len(c.reached)}/{len(c.values)} runs)"
    return (f"<tr class='{cls}'><td>{html.escape(p.label)}<br><small>{html.escape(p.source)}"
            f"</small></td><td>{p.when()}</td><td>{_fmt(p.target, p.unit)}</td>"
            f"<td>{_fmt(c.mean, p.unit)} {html.escape(_interval_text(lo, hi, p.unit))}"
            f"{runs}"
            f"</td><td>{tol}</td><td>{'yes' if c.met else 'no'}</td></tr>")


def write_html(v: Validation, out: Path, figures: list[Path]) -> Path:
    rows = "\n".join(_comparison_row(c) for c in v.comparisons)
    abl = ""
    if v.ablations:
        t = v.ablation_table()
        units = {c.pattern.id: c.pattern.unit for c in v.comparisons}
        head = "".join(f"<th>{html.escape(c)}</th>" for c in t.columns)
        body = "".join(
            f"<tr><td>{pid}</td>" + "".join(f"<td>{_fmt(x, units[pid])}</td>" for x in row)
            + "</tr>" for pid, row in t.iterrows())
        skipped = [ABLATIONS[k][1] for k in ABLATIONS if k not in v.ablations]
        note = (f"<p>Not removed because inactive in this scenario: "
                f"{html.escape(', '.join(skipped))}.</p>" if skipped else "")
        abl = (f"<h2>Ablations</h2><p>Simulated mean of each pattern with every mechanism, and "
               f"with one mechanism removed (same seeds).</p><table><tr><th>pattern</th>{head}"
               f"</tr>{body}</table>{note}")
    vers = ", ".join(f"{k} {v_}" for k, v_ in versions().items())
    doc = f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>terrisim validation — {html.escape(v.scenario.name)}</title>
<style>body{{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;color:#222}}
table{{border-collapse:collapse;margin:1em 0}}td,th{{border:1px solid #ccc;padding:4px 8px;
text-align:left;font-size:14px}}tr.met td:last-child{{color:#1b5e20;font-weight:bold}}
tr.unmet td:last-child{{color:#b71c1c;font-weight:bold}}img{{max-width:100%}}
small{{color:#666}}</style></head><body>
<h1>Pattern-oriented validation of scenario “{html.escape(v.scenario.name)}”</h1>
<p>{len(v.seeds)} replications (seeds {', '.join(map(str, v.seeds[:5]))}{' …' if len(v.seeds) > 5
    else ''}), {v.scenario.steps} months from {v.scenario.start_year}.
{sum(c.met for c in v.comparisons)} of {len(v.comparisons)} patterns met. A pattern is met when the
mean over replications lies within the tolerance of the observed figure.</p>
<table><tr><th>pattern</th><th>when</th><th>target</th><th>simulated mean [95% CI]</th>
<th>tolerance</th><th>met</th></tr>{rows}</table>
{''.join(embed_png(f) for f in figures)}
{abl}
<p><small>{html.escape(vers)}</small></p></body></html>"""
    path = out / "validation.html"
    atomic_write_bytes(path, doc.encode())
    return path
