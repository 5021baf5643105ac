"""Build hook: ship the repository's ``scenarios/``, ``experiments/`` and ``examples/`` inside
the wheel.

Everything else about the package is declared in ``pyproject.toml``.  The scenario and experiment
files live once in git, at the top of the repository where people look for them; a wheel (or a
wheel built from the sdist, which grafts both directories, see ``MANIFEST.in``) gets a copy under
``terrisim/shipped/`` so that ``terrisim run baseline`` works wherever terrisim is installed, and
``terrisim init DIR`` can copy them (with the tutorial notebooks) into a project.  An editable
install reads the repository's directories directly (``terrisim.resources``).
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
#: Directory → the files of it that are shipped (whatever files match: nothing is listed).
SHIPPED = {"scenarios": ("**/*.toml",), "experiments": ("**/*.toml",),
           "examples": ("*.ipynb", "*.py")}


class BuildPyWithShipped(build_py):
    """``build_py`` that also copies the files of the shipped directories."""

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return   # an editable install reads the repository's own directories
        for kind, patterns in SHIPPED.items():
            source = ROOT / kind
            target = Path(self.build_lib) / "terrisim" / "shipped" / kind
            if target.exists():
                shutil.rmtree(target)
            for path in sorted(p for pattern in patterns for p in source.glob(pattern)):
                out = target / path.relative_to(source)
                out.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(path, out)


setup(cmdclass={"build_py": BuildPyWithShipped})
