"""Shipped scenarios, lessons and experiments: where they are, and how names resolve to files.

The repository keeps one copy of each file, where people see them: ``scenarios/`` (with
``scenarios/lessons/``) and ``experiments/`` at its top level.  Building a wheel copies both
directories into the package (``terrisim/shipped/``, see ``setup.py``), so an installed terrisim
carries them; a source checkout (the editable install) reads them from the repository itself.
Whatever ``.toml`` files those directories hold are shipped: nothing here lists them.

A *name* is a file's path inside its directory without the ``.toml`` suffix: ``baseline``,
``lessons/mountain``, ``quick``.  :func:`find_scenario` and :func:`find_experiment` turn a
reference (a path, or a name) into a file, looking first where the user works, then in what
terrisim ships, so that a project made by ``terrisim init`` uses its own edited copies:

1. anything that exists, is absolute or ends in ``.toml`` is a path (relative to the referring
   file for an experiment's ``scenario``, else to the current directory);
2. ``<name>.toml`` in the referring experiment's project (``scenarios/`` next to its
   ``experiments/`` directory, or the experiment's own directory);
3. ``scenarios/<name>.toml`` (``experiments/<name>.toml``) in the current directory;
4. the shipped files.

This module imports nothing heavy and no model code.
"""

from __future__ import annotations

import difflib
import shutil
from pathlib import Path

from .errors import UserError

__all__ = [
    "KINDS",
    "NotFoundError",
    "find_experiment",
    "find_scenario",
    "init_project",
    "shipped_dir",
    "shipped_names",
]

#: The kinds of shipped files that names resolve to, named after their directory.
KINDS: tuple[str, ...] = ("scenarios", "experiments")
#: What ``terrisim init`` copies: each directory with the files of it that are shipped.
PROJECT_FILES: dict[str, tuple[str, ...]] = {"scenarios": ("**/*.toml",),
                                             "experiments": ("**/*.toml",),
                                             "examples": ("*.ipynb", "*.py")}
#: Where the wheel carries them, inside the package.
PACKAGED = Path(__file__).resolve().parent / "shipped"
#: Where a source checkout keeps them (``src/terrisim/`` → repository root).
CHECKOUT = Path(__file__).resolve().parents[2]


class NotFoundError(UserError):
    """A scenario or experiment reference that matches no file and no shipped name."""


def shipped_dir(kind: str) -> Path:
    """The directory of shipped ``kind`` files (``scenarios``, ``experiments`` or
    ``examples``, the tutorial notebooks).

    Inside an installed wheel: ``terrisim/shipped/<kind>``; in a source checkout: the
    repository's own ``<kind>/`` directory (one copy of each file in git).
    """
    if kind not in PROJECT_FILES:
        raise ValueError(f"kind must be one of {tuple(PROJECT_FILES)} (got {kind!r})")
    packaged = PACKAGED / kind
    if packaged.is_dir():
        return packaged
    return CHECKOUT / kind


def shipped_names(kind: str) -> list[str]:
    """Names of every shipped ``kind`` file (``baseline``, ``lessons/mountain`` …), sorted."""
    root = shipped_dir(kind)
    if not root.is_dir():
        return []
    return sorted(p.relative_to(root).with_suffix("").as_posix() for p in root.rglob("*.toml"))


def _is_path(ref: str | Path) -> bool:
    """A path exists, ends in ``.toml`` or is absolute; anything else is a name."""
    path = Path(ref)
    return str(ref).endswith(".toml") or path.is_absolute() or path.exists()


def _find(kind: str, ref: str | Path, project_dirs: list[Path]) -> Path:
    if _is_path(ref):
        return Path(ref)
    name = str(ref).strip().strip("/")
    candidates = [d / f"{name}.toml" for d in project_dirs]
    candidates += [Path.cwd() / kind / f"{name}.toml", shipped_dir(kind) / f"{name}.toml"]
    for path in candidates:
        if path.is_file():
            return path
    names = shipped_names(kind)
    close = difflib.get_close_matches(name, names, n=1, cutoff=0.6)
    hint = f"did you mean '{close[0]}'? " if close else ""
    what = kind[:-1]
    raise NotFoundError(f"{what} '{ref}': no such file and no {what} of that name; {hint}"
                        f"shipped {kind}: {', '.join(names) or 'none'} (or give a path to a "
                        ".toml file)")


def find_scenario(ref: str | Path, relative_to: Path | None = None) -> Path:
    """The scenario file that ``ref`` (a path or a name such as ``"baseline"``) designates.

    ``relative_to`` is the directory of the file that refers to it (an experiment file): a path
    is taken relative to it, and a name is looked up first in that experiment's project.
    """
    if relative_to is None:
        return _find("scenarios", ref, [])
    if str(ref).endswith(".toml"):
        return relative_to / ref      # (an absolute path stays itself)
    return _find("scenarios", ref, [relative_to.parent / "scenarios", relative_to])


def find_experiment(ref: str | Path) -> Path:
    """The experiment file that ``ref`` (a path or a name such as ``"quick"``) designates."""
    return _find("experiments", ref, [])


def init_project(dest: Path, force: bool = False) -> list[Path]:
    """Copy the shipped scenarios, experiments and tutorial notebooks (``examples/``) into
    ``dest`` to start one's own project.

    Returns the files written.  Refuses (one-line error) to overwrite an existing file unless
    ``force``, so running it twice never destroys someone's edits.
    """
    dest = Path(dest)
    if dest.exists() and not dest.is_dir():
        raise UserError(f"{dest}: exists and is not a directory")
    plan: list[tuple[Path, Path]] = []
    for kind, patterns in PROJECT_FILES.items():
        root = shipped_dir(kind)
        for src in sorted(p for pattern in patterns for p in root.glob(pattern)):
            plan.append((src, dest / kind / src.relative_to(root)))
    if not plan:
        raise UserError(f"no shipped scenarios found in {shipped_dir('scenarios')}; is terrisim "
                        "installed completely?")
    existing = [target for _, target in plan if target.exists()]
    if existing and not force:
        raise UserError(f"{existing[0]} already exists ({len(existing)} of {len(plan)} files "
                        "would be overwritten); choose an empty directory or pass --force")
    for src, target in plan:
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, target)
    return [target for _, target in plan]
