"""The self-contained HTML report: one file, images embedded as base64, no external assets
(it can be mailed, archived with the results, or opened offline)."""

from __future__ import annotations

import base64
import html
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import pandas as pd

from .labels import factor_label, fmt, indicator_label

if TYPE_CHECKING:
    from .build import Report
    from .data import Results

CSS = """
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;max-width:1100px;
margin:2em auto;padding:0 1.2em;color:#222;line-height:1.45}
h1{font-size:1.7em;margin-bottom:.2em}h2{margin-top:2em;border-bottom:1px solid #ddd;
padding-bottom:.2em}figure{margin:1.2em 0}figure img{max-width:100%;height:auto;
border:1px solid #eee}figcaption{font-size:.92em;color:#444;margin-top:.4em}
table{border-collapse:collapse;font-size:.9em;margin:.8em 0}th,td{border:1px solid #ddd;
padding:.25em .6em;text-align:right}th{background:#f4f4f4}td.l,th.l{text-align:left}
.meta td{text-align:left}.findings li{margin:.4em 0}code{background:#f4f4f4;padding:0 .25em}
pre{background:#f8f8f8;padding:.6em;overflow-x:auto;font-size:.85em}
details summary{cursor:pointer;font-weight:600}.muted{color:#666;font-size:.9em}
"""


def _e(text: Any) -> str:
    return html.escape(str(text))


def embed_png(path: Any) -> str:
    """An <img> holding the PNG itself, so the report is one self-contained file."""
    data = base64.b64encode(path.read_bytes()).decode()
    return f'<img alt="{_e(path.stem)}" src="data:image/png;base64,{data}">'


def _table(df: pd.DataFrame, left: int = 1) -> str:
    head = "".join(f'<th class="{"l" if i < left else ""}">{_e(c)}</th>'
                   for i, c in enumerate(df.columns))
    rows = []
    for _, r in df.iterrows():
        rows.append("<tr>" + "".join(f'<td class="{"l" if i < left else ""}">{_e(v)}</td>'
                                     for i, v in enumerate(r)) + "</tr>")
    return f"<table><tr>{head}</tr>{''.join(rows)}</table>"


def write_html(res: Results, rep: Report, outcomes: list[str], when: str) -> None:
    """Write rep.html: provenance, findings, figures, tables, failures and data."""
    exp = res.experiment
    rec = res.record
    n_runs = len(res.design) * int(exp["replications"])
    ok = res.final["run_id"].nunique()
    versions = rec.get("versions", {})
    design = exp["design"]
    size = {"latin_hypercube": f"{design.get('samples')} samples",
            "sobol": f"N = {design.get('samples')}, second order "
                     f"{'yes' if design.get('second_order') else 'no'}",
            "morris": f"{design.get('trajectories')} trajectories, {design.get('levels')} "
                      "levels"}.get(design["type"], "")
    factors = "; ".join(
        f"{factor_label(f)}: " + (", ".join(f"{v:g}" if isinstance(v, float) else str(v)
                                            for v in f["values"]) if "values" in f else
                                  f"{f['distribution']} on [{f['lo']:g}, {f['hi']:g}]")
        for f in exp["factors"])
    meta = [
        ("experiment", f"{exp['name']} — {exp.get('description', '')}"),
        ("file", f"{rec.get('file')} (sha256 {rec.get('file_sha256', '')[:16]}…)"),
        ("scenario", exp.get("scenario_file", "")),
        ("design", f"{design['type'].replace('_', ' ')} {size}".strip()),
        ("factors", factors),
        ("runs", f"{len(res.design):,} points × {exp['replications']} replications = "
                 f"{n_runs:,} runs; {ok:,} successful, {len(res.failures):,} failed"),
        ("master seed", f"{exp['seed']} (run i uses SeedSequence(master).spawn(n)[i]; every "
                        "row records its seed)"),
        ("outcomes", ", ".join(indicator_label(o) for o in outcomes) + f", {when}"),
        ("started", rec.get("started", "")),
        ("model", f"terrisim {versions.get('terrisim', '?')} (code {rec.get('code', '?')}), "
                  f"Mesa {versions.get('mesa', '?')}, Python {versions.get('python', '?')}"),
    ]
    parts = [f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
             f"<title>terrisim report: {_e(exp['name'])}</title><style>{CSS}</style></head>"
             f"<body><h1>terrisim report: {_e(exp['name'])}</h1>",
             "<p class='muted'>How do catalysis and trust-building time affect alliance "
             "formation? Results of a simulated experiment, with 95 % confidence intervals "
             "over replications.</p>",
             "<table class='meta'>" + "".join(f"<tr><th class='l'>{_e(k)}</th><td class='l'>"
                                              f"{_e(v)}</td></tr>" for k, v in meta)
             + "</table>"]
    if rep.findings:
        parts.append("<h2>Key findings</h2><ul class='findings'>"
                     + "".join(f"<li>{_e(f)}</li>" for f in rep.findings) + "</ul>")
    for fig in rep.figures:
        parts.append(f"<h2>{_e(fig.title)}</h2><figure>{embed_png(fig.path)}<figcaption>"
                     f"{_e(fig.caption)} <span class='muted'>({_e(fig.path.name)})</span>"
                     "</figcaption></figure>")
    effects = rep.tables.get("effects")
    if effects is not None:
        t = pd.read_csv(effects)
        shown = pd.DataFrame({
            "outcome": [indicator_label(o) for o in t["outcome"]],
            "factor": t["term"],
            "per SD [95 % CI]": [f"{fmt(c, o)} [{fmt(lo, o)}, {fmt(hi, o)}]"
                                 for c, lo, hi, o in zip(t["coef"], t["low"], t["high"],
                                                         t["outcome"], strict=True)],
            "per unit [95 % CI]": [f"{fmt(c, o)} [{fmt(lo, o)}, {fmt(hi, o)}]"
                                   if c == c else "–"
                                   for c, lo, hi, o in zip(t["per_unit"], t["per_unit_low"],
                                                           t["per_unit_high"], t["outcome"],
                                                           strict=True)],
            "p": [f"{p:.2g}" for p in t["p"]], "R²": [f"{r:.2f}" for r in t["r2"]]})
        parts.append("<h2>Effect estimates</h2>" + _table(shown, left=2))
    sens = rep.tables.get("sensitivity")
    if sens is not None:
        t = pd.read_csv(sens)
        t.insert(0, "outcome", t.pop("outcome").map(indicator_label))
        parts.append(f"<h2>{_e(design['type'].capitalize())} indices</h2>"
                     + _table(t.round(3), left=2))
    if rep.notes:
        parts.append("<h2>Notes</h2><ul>" + "".join(f"<li>{_e(n)}</li>" for n in rep.notes)
                     + "</ul>")
    parts.append("<h2>Failures</h2>")
    if len(res.failures):
        f = res.failures
        cols = [c for c in ("run_id", "seed", "parameters", "error", "message") if c in f]
        parts.append(f"<p>{len(f):,} runs raised an error; they are recorded in "
                     f"<code>{_e(res.root / 'failures')}</code> with their tracebacks. First "
                     "ones:</p>" + _table(f[cols].head(20), left=len(cols)))
        parts.append(f"<details><summary>first traceback</summary><pre>"
                     f"{_e(f['traceback'].iloc[0])}</pre></details>")
    else:
        parts.append("<p>None: every run completed.</p>")
    points = rep.tables.get("points")
    if points is not None:
        t = pd.read_csv(points)
        parts.append("<h2>Data</h2><p>Per design point (mean, 95 % CI bounds):</p><details>"
                     f"<summary>{len(t):,} rows (points.csv)</summary>"
                     + _table(t.head(500).round(4), left=1) + "</details>")
    parts.append("<p class='muted'>Tables: " + ", ".join(
        f"<code>{_e(p.name)}</code>" for p in rep.tables.values())
        + f". Generated by <code>terrisim report</code> on "
        f"{datetime.now(UTC).isoformat(timespec='seconds')}.</p></body></html>")
    rep.html.write_text("\n".join(parts), encoding="utf-8")
