"""Placement of the cell-centred radial grid points.

The grid is uniform in a computational coordinate x and carries ``NUM_GHOSTS = 3`` ghost
cells at each end. ``num_points`` counts *all* points, ghosts included. For the default
half extent the points are the last N of ``2 (N - 3)`` points spaced symmetrically around
x = 0, so that (linear spacing) ``dr = r_max / (N - 7/2)``, ``r_i = (i - 5/2) dr`` and
``r[-1] == r_max``. No point lies on r = 0; the inner ghosts are mirror images of cells
3, 4, 5.
"""

from enum import IntEnum

import numpy as np
from scipy.optimize import brentq

NUM_GHOSTS = 3


class SpacingExtent(IntEnum):
    """Half grid (r >= 0 plus mirror ghosts, used for stars) or full grid (-r_max..r_max)."""

    HALF = 0
    FULL = 1


class Spacing:
    """Base class: a map r(x) sampled on a uniform x grid.

    Attributes
    ----------
    r_max : float
        Radius of the last (ghost) point.
    extent : SpacingExtent
    x : ndarray (N,)
        Computational coordinate of every point.
    dx : float
        Uniform computational spacing.
    dnr_dxn : ndarray (7, N)
        0th..6th derivative of r with respect to x at every point.
    min_dr : float
        Smallest spacing between consecutive radii.
    """

    def __init__(self, num_points, r_max, extent=SpacingExtent.HALF):
        num_points = int(num_points)
        if num_points < 2 * NUM_GHOSTS + 2:
            raise ValueError(
                f"num_points must be at least {2 * NUM_GHOSTS + 2} (got {num_points})"
            )
        if not np.isfinite(r_max) or r_max <= 0:
            raise ValueError(f"r_max must be a positive number (got {r_max})")
        extent = SpacingExtent(extent)
        if extent == SpacingExtent.FULL and num_points % 2:
            raise ValueError("num_points must be even for a FULL extent grid")
        self.num_points = num_points
        self.r_max = float(r_max)
        self.extent = extent
        x_max = self.x_of_r_max()
        if extent == SpacingExtent.HALF:
            x_all = np.linspace(-x_max, x_max, 2 * (num_points - NUM_GHOSTS))
            self.x = x_all[-num_points:]
        else:
            self.x = np.linspace(-x_max, x_max, num_points)
        self.dx = float(self.x[1] - self.x[0])
        self.dnr_dxn = self._derivatives_of_r(self.x)
        self.min_dr = float(np.min(np.diff(self.dnr_dxn[0])))

    def __getitem__(self, n):
        return self.dnr_dxn[n]

    def x_of_r_max(self):
        raise NotImplementedError

    def _derivatives_of_r(self, x):
        raise NotImplementedError


class LinearSpacing(Spacing):
    """Uniform grid, r = x. The only spacing the hydro supports."""

    def x_of_r_max(self):
        return self.r_max

    def _derivatives_of_r(self, x):
        d = np.zeros((7, x.size))
        d[0] = x
        d[1] = 1.0
        return d

    @staticmethod
    def get_parameters(r_max, min_dr, extent=SpacingExtent.HALF):
        """Number of points for a requested spacing: ``ceil(r_max/min_dr + 3 + 1/2)``."""
        num_points = int(np.ceil(r_max / min_dr + NUM_GHOSTS + 0.5))
        return {"num_points": num_points, "r_max": r_max, "extent": extent}


class SinhSpacing(Spacing):
    """Stretched grid r = a sinh(x): fine near the centre (BSSN only; not for hydro)."""

    def __init__(self, num_points, r_max, extent=SpacingExtent.HALF, a=1.0):
        if a <= 0:
            raise ValueError(f"a must be positive (got {a})")
        self.a = float(a)
        super().__init__(num_points, r_max, extent)

    def x_of_r_max(self):
        return float(np.arcsinh(self.r_max / self.a))

    def _derivatives_of_r(self, x):
        d = np.empty((7, x.size))
        for n in range(7):
            d[n] = self.a * (np.sinh(x) if n % 2 == 0 else np.cosh(x))
        return d

    @staticmethod
    def get_parameters(r_max, min_dr, max_dr, extent=SpacingExtent.HALF):
        """Solve tanh(x_max) = sinh(x_max) min_dr/max_dr for the stretch parameters."""
        if not 0 < min_dr < max_dr:
            raise ValueError("need 0 < min_dr < max_dr")
        ratio = min_dr / max_dr
        x_max = brentq(lambda x: np.tanh(x) - np.sinh(x) * ratio, ratio, 1.0 / ratio)
        a = r_max / np.sinh(x_max)
        dx = min_dr / a
        num_points = int(np.ceil(x_max / dx + NUM_GHOSTS + 0.5))
        return {"num_points": num_points, "r_max": r_max, "extent": extent, "a": a}
