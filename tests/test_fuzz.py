"""A few hundred generated bad inputs through the real command line: each gives a valid run or
a non-zero exit with a short message naming what is wrong — never a traceback, never a hang.

The corpus (``tests/fuzz/corpus.py``) is generated from ``Scenario.specs()`` and covers scenario
values (types, NaN/inf, huge, out of range, unicode, random in-range combinations), files
(binary, devices, FIFOs, directories, cycles, symlink loops, deep nesting, huge), command-line
options, experiment files and damaged results directories.  ``tests/fuzz/run.py`` runs each
case in its own process under a timeout, two at a time.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

RUNNER = Path(__file__).resolve().parent / "fuzz" / "run.py"


@pytest.mark.slow
def test_fuzz_corpus_gives_runs_or_clean_refusals(tmp_path: Path) -> None:
    report = tmp_path / "fuzz.json"
    r = subprocess.run([sys.executable, "-W", "ignore::DeprecationWarning", str(RUNNER),
                        "--jobs", "2", "--timeout", "90", "--json", str(report)],
                       capture_output=True, text=True, timeout=900)
    summary = json.loads(report.read_text())["summary"]
    assert summary["tried"] >= 300
    assert summary["traceback"] == 0 and summary["hang"] == 0, r.stdout[-5000:]
    assert summary["unclear"] == 0 and summary["unexpected"] == 0, r.stdout[-5000:]
    assert summary["valid"] >= 100 and summary["clean"] >= 300
    assert r.returncode == 0, r.stdout[-5000:] + r.stderr[-2000:]
