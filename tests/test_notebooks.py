"""The tutorial notebooks run, top to bottom, in a real Jupyter kernel (nbclient + ipykernel), so
they cannot rot: a renamed function, a changed column or a broken plot fails here.

Each notebook runs in a temporary directory (its ``results/`` go there) and must produce its
figures and tables without an error output.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from .conftest import ROOT

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

pytestmark = pytest.mark.slow
NOTEBOOKS = sorted((ROOT / "examples").glob("*.ipynb"))


def execute(path: Path, cwd: Path) -> object:
    nb = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(nb, timeout=300, kernel_name="python3",
                                     resources={"metadata": {"path": str(cwd)}})
    client.execute()
    return nb


def test_the_notebooks_are_shipped_clean() -> None:
    """Committed without outputs (the tests produce them): diffs stay readable."""
    assert [p.name for p in NOTEBOOKS] == ["01_first_run.ipynb", "02_sweep_and_analysis.ipynb"]
    for path in NOTEBOOKS:
        nb = nbformat.read(path, as_version=4)
        nbformat.validate(nb)
        assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code"), path.name


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_executes_in_a_real_kernel(path: Path, tmp_path: Path) -> None:
    nb = execute(path, tmp_path)
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    figures = [o for o in outputs if "image/png" in o.get("data", {})]
    tables = [o for o in outputs if "text/html" in o.get("data", {})]
    assert len(figures) >= 2 and len(tables) >= 2, path.name
    if path.stem.startswith("02"):
        assert (tmp_path / "results" / "nb-factorial" / "report" / "report.html").is_file()
        text = "".join(o.get("text", "") for o in outputs)
        assert "18 runs, 0 failed" in text and "of the experiments reach" in text
