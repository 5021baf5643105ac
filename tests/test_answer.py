"""``terrisim answer``: effects over posterior draws with paired seeds, Sobol over the
posterior, reproducible for a given seed."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from terrisim import cli
from terrisim.scenario import Scenario
from terrisim.simulate import write_parquet


@pytest.fixture(scope="module")
def posterior(baseline: Scenario, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small posterior over two parameters of a tiny territory (as calibrate writes it)."""
    tiny = baseline.replace(name="tiny", width=16, height=16, n_communes=4, n_bassins=2,
                            n_firms=80, n_associations=30, steps=18)
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"particle": range(12), "trust_building_time": rng.uniform(10, 30, 12),
                       "encounter_rate": rng.uniform(0.2, 0.5, 12), "weight": 1 / 12,
                       "distance": 0.5})
    meta = {"parameters": [{"name": "trust_building_time", "type": "float", "lo": 4, "hi": 60},
                           {"name": "encounter_rate", "type": "float", "lo": 0.1, "hi": 0.6}],
            "scenario": tiny.to_dict(), "calibration_master_seeds": [5]}
    path = tmp_path_factory.mktemp("post") / "posterior.parquet"
    write_parquet(df, path, meta)
    return path


def _answer(posterior: Path, out: Path, seed: int, *where: str) -> int:
    return cli.main(["answer", "--posterior", str(posterior), "--draws", "3",
                     "--replications", "2", "--at", "12,18", "--indicators",
                     "alliances_formed_total,firms_partnered", "--sobol-n", "4", "--seed",
                     str(seed), "--out", str(out), "--quiet", *where])


@pytest.fixture(scope="module")
def first(posterior: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("answer")
    assert _answer(posterior, out, 9, "--serial") == 0
    return out


def test_answer_is_reproducible_for_a_given_seed(posterior: Path, first: Path,
                                                 tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    assert _answer(posterior, tmp_path / "again", 9, "--workers", "2") == 0
    printed = capsys.readouterr().out
    # a Sobol sample this small is a warning with advice, not a finding
    assert "warning:" in printed and "larger N" in printed and "not converged" in printed
    assert "catalysts 0 → 3" in printed and "90 % credible interval" in printed
    for name in ("answer.csv", "answer_draws.csv", "sobol.csv"):
        pd.testing.assert_frame_equal(pd.read_csv(first / name),
                                      pd.read_csv(tmp_path / "again" / name))
    assert _answer(posterior, tmp_path / "other", 10, "--serial") == 0
    assert not pd.read_csv(first / "answer_draws.csv")["value"].equals(
        pd.read_csv(tmp_path / "other" / "answer_draws.csv")["value"])


def test_effects_are_paired_and_summarised_over_draws(first: Path) -> None:
    t = pd.read_csv(first / "answer.csv")
    assert set(t["month"]) == {12, 18} and set(t["draws"]) == {3}
    assert set(t["effect"]) == {"catalysts 0 → 1", "catalysts 0 → 3",
                                "trust +12 months (0 catalysts)",
                                "trust +12 months (3 catalysts)",
                                "interaction (0 → 3) × (+12 months)"}
    assert (t["low"] <= t["median"]).all() and (t["median"] <= t["high"]).all()
    d = pd.read_csv(first / "answer_draws.csv").pivot_table(
        index=["draw", "month", "indicator"], columns="effect", values="value")
    # the interaction is the change of the catalysis effect with trust time, and equally the
    # change of the trust effect with catalysis (one set of paired runs gives both)
    np.testing.assert_allclose(d["interaction (0 → 3) × (+12 months)"],
                               d["trust +12 months (3 catalysts)"]
                               - d["trust +12 months (0 catalysts)"], atol=1e-9)
    med = t.groupby(["indicator", "month", "effect"])["median"].first()
    per = pd.read_csv(first / "answer_draws.csv").groupby(
        ["indicator", "month", "effect"])["value"].median()
    pd.testing.assert_series_equal(med, per, check_names=False)


def test_sobol_over_the_posterior_and_its_warning_in_the_page(first: Path) -> None:
    s = pd.read_csv(first / "sobol.csv")
    assert list(s["factor"]) == ["n_catalysts", "trust_building_time", "encounter_rate"]
    assert (s["convergence_change"] > 0).all()
    page = (first / "answer.html").read_text()
    assert "Warning:" in page and page.count("data:image/png;base64,") == 2


def test_missing_posterior_is_a_one_line_error(tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    code = cli.main(["answer", "--posterior", str(tmp_path / "none.parquet"), "--quiet"])
    err = capsys.readouterr().err
    assert code == 2 and "no posterior file" in err and err.count("\n") == 1
