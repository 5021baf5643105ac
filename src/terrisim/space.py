"""The model's Mesa space: an orthogonal von Neumann grid whose cells exist only where an agent
sits.

Mesa's grids create every cell of the rectangle (about 0.9 KB and 12 µs each), whether anything
sits there or not: at France scale (1,455 × 1,073 cells of 1 km, two thirds of them sea, other
countries or the gaps around the overseas insets) that is 1.4 GB and 20 s for nothing.  Agents
are pinned (:class:`mesa.discrete_space.FixedAgent`) and the rules read arrays, not cells, so
only occupied cells are needed: :class:`OccupiedGrid` is Mesa's own
``OrthogonalVonNeumannGrid`` with the other cells left out (Mesa's ``DiscreteSpace`` allows
spaces with any set of cells).  Neighbours are connected where both cells exist; property
layers keep the full rectangle (they are numpy arrays).  Nothing random is drawn, so results
do not depend on which grid is used.
"""

from __future__ import annotations

from random import Random

import numpy as np
from mesa.discrete_space import OrthogonalVonNeumannGrid

#: Offsets of the von Neumann neighbourhood (as Mesa's grid connects them).
OFFSETS = ((-1, 0), (0, -1), (0, 1), (1, 0))


class OccupiedGrid(OrthogonalVonNeumannGrid):
    """A ``width × height`` von Neumann grid holding only the cells ``occupied`` (k, 2)."""

    def __init__(self, dimensions: tuple[int, int], occupied: np.ndarray,
                 random: Random) -> None:
        super().__init__((1, 1), torus=False, random=random)   # Mesa's set-up, one cell
        self.dimensions = tuple(int(d) for d in dimensions)
        occupied = np.asarray(occupied, dtype=np.int64)
        height = self.dimensions[1]
        flat = np.unique(occupied[:, 0] * height + occupied[:, 1])   # (a row-wise unique is
        coords = zip((flat // height).tolist(), (flat % height).tolist(), strict=True)  # slow)
        self._cells = {c: self.cell_klass(c, capacity=None, random=self.random)
                       for c in coords}
        self._celllist = list(self._cells.values())
        self.__dict__.pop("all_cells", None)                  # Mesa's cached collection
        cells = self._cells
        for (x, y), cell in cells.items():
            for dx, dy in OFFSETS:
                other = cells.get((x + dx, y + dy))
                if other is not None:
                    cell.connect(other, (dx, dy))
        # the layer of empty cells, sized to the full rectangle like every other layer
        self.remove_property_layer("empty")
        self.create_property_layer("empty", default_value=True, dtype=bool)


def model_grid(width: int, height: int, x: np.ndarray, y: np.ndarray,
               random: Random) -> OccupiedGrid:
    """The grid of a model whose agents sit at cells ``(x[i], y[i])``."""
    return OccupiedGrid((width, height), np.column_stack([x, y]), random)
