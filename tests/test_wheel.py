"""The built wheel works outside the repository: shipped scenarios, lessons and experiments by
name, validation, a sweep, the app's lessons, ``terrisim init`` — from an empty directory.

The wheel is built from a copy of the project's files in a temporary directory (so nothing here
depends on the checkout's layout) and installed without dependencies into a fresh virtual
environment whose third-party libraries are borrowed from the test environment (a ``.pth`` line:
installing NumPy, SciPy, pandas, pyarrow and Mesa again would take minutes and test pip, not
terrisim).  The installed terrisim is checked to be the wheel's, not the checkout's.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from .conftest import ROOT

pytestmark = pytest.mark.slow
#: What a source distribution carries (MANIFEST.in), hence what a wheel is built from.
PROJECT = ("src", "scenarios", "experiments", "docs", "examples", "pyproject.toml", "setup.py",
           "MANIFEST.in", "README.md", "LICENSE", "CITATION.cff", "CHANGELOG.md",
           "CONTRIBUTING.md")


def run(cmd: list[str], cwd: Path, env: dict[str, str] | None = None, timeout: float = 300,
        ok: tuple[int, ...] = (0,)) -> subprocess.CompletedProcess[str]:
    out = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert out.returncode in ok, f"{' '.join(cmd)} exited {out.returncode}:\n{out.stderr[-3000:]}"
    return out


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """(bin directory of the fresh environment, its environment variables)."""
    tmp = tmp_path_factory.mktemp("wheel")
    src = tmp / "project"
    src.mkdir()
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info", "results")
    for name in PROJECT:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, src / name, ignore=ignore)
        else:
            shutil.copy(ROOT / name, src / name)
    run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet",
         "--disable-pip-version-check", "-w", str(tmp / "dist"), str(src)], cwd=tmp, timeout=600)
    wheel = next((tmp / "dist").glob("terrisim-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    for kind, patterns in (("scenarios", ["**/*.toml"]), ("experiments", ["**/*.toml"]),
                           ("examples", ["*.ipynb", "*.py"])):
        shipped = sorted(n.split(f"shipped/{kind}/")[1] for n in names
                         if f"terrisim/shipped/{kind}/" in n)
        assert shipped == sorted(p.relative_to(ROOT / kind).as_posix() for pattern in patterns
                                 for p in (ROOT / kind).glob(pattern)), kind
    venv = tmp / "venv"
    run([sys.executable, "-m", "venv", "--without-pip", str(venv)], cwd=tmp)
    python = venv / "bin" / "python"
    run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps",
         "--quiet", "--disable-pip-version-check", str(wheel)], cwd=tmp, timeout=600)
    site = Path(run([str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                    cwd=tmp).stdout.strip())
    (site / "borrowed-libraries.pth").write_text(sysconfig.get_path("purelib") + "\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    return venv / "bin", env


def test_the_installed_wheel_runs_from_an_empty_directory(
        installed: tuple[Path, dict[str, str]], tmp_path: Path) -> None:
    bin_dir, env = installed
    terrisim = str(bin_dir / "terrisim")
    where = run([str(bin_dir / "python"), "-c", "import terrisim; print(terrisim.__file__)"],
                cwd=tmp_path, env=env).stdout.strip()
    assert where.startswith(str(bin_dir.parent)), f"not the wheel's terrisim: {where}"

    out = run([terrisim, "run", "baseline", "--steps", "24", "--quiet"], cwd=tmp_path, env=env)
    assert "terrisim: scenario 'baseline'" in out.stdout
    meta = json.loads((tmp_path / "results" / "run-baseline-seed42" / "run.json").read_text())
    assert meta["versions"]["terrisim_source"].startswith("installed ")
    assert "/terrisim/shipped/scenarios/baseline.toml" in meta["scenario_file"]

    # exit 1 when a pattern is not met (likely with only 2 replications), 2 on an error
    out = run([terrisim, "validate", "--replications", "2", "--quiet", "--workers", "2"],
              cwd=tmp_path, env={**env, "MPLBACKEND": "Agg"}, ok=(0, 1))
    assert "pattern" in out.stdout
    assert (tmp_path / "results" / "validation-baseline" / "validation.html").is_file()

    out = run([terrisim, "sweep", "quick", "--quiet", "--workers", "2"], cwd=tmp_path, env=env)
    assert "quick: 48 of 48 runs done, 0 failed" in out.stdout
    assert len(list((tmp_path / "results" / "quick" / "runs").glob("part-*.parquet"))) >= 1

    # the app finds its default scenario and its lessons outside any checkout
    code = ("from terrisim.app import command, lessons; from terrisim.cli import build_parser; "
            "d, _ = lessons.find_lessons_dir(); print(d); "
            "ns = build_parser().parse_args(['app', '--port', '0', '--lang', 'fr', "
            "'--allow-cdn']); print(command.configure(ns)['TERRISIM_APP_SCENARIO'])")
    found = run([str(bin_dir / "python"), "-c", code], cwd=tmp_path, env=env).stdout.split()
    assert found[0].endswith("terrisim/shipped/scenarios/lessons")
    assert found[1].endswith("terrisim/shipped/scenarios/baseline.toml")

    run([str(bin_dir / "python"), "-m", "terrisim", "init", "mine"], cwd=tmp_path, env=env)
    assert (tmp_path / "mine" / "experiments" / "quick.toml").is_file()
    assert (tmp_path / "mine" / "examples" / "01_first_run.ipynb").is_file()
    out = run([terrisim, "sweep", "quick", "--dry-run"], cwd=tmp_path / "mine", env=env)
    assert str(tmp_path / "mine" / "scenarios" / "baseline.toml") in out.stdout
