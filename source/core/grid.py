"""The radial grid: positions, boundary conditions and derivatives of state rows.

Boundary conditions (all linear maps of interior values, so a once-per-step fill of the
state plus the same maps applied to every stage's RHS reproduces a per-stage fill):

* inner (r = 0): ghost i = 0, 1, 2 takes ``PARITY[v] * state[v, 5 - i]``;
* outer: BSSN rows ``f(r_g) = a + (f(r_L) - a) (r_g / r_L)^n`` from the last interior point
  r_L = r[N-4]; the matter rows (identified by position: the rows from the state vector's
  ``FIRST_MATTER_ROW`` on) copy the last interior value (zero gradient).
"""

import numpy as np

from source.jit import kernel

from .derivatives import Derivatives
from .spacing import NUM_GHOSTS, SpacingExtent


@kernel
def fill_inner_boundary_rows(state, rows, parity):
    """Parity fill of the three inner ghosts of the given rows, in place."""
    for k in range(rows.shape[0]):
        v = rows[k]
        p = parity[v]
        for i in range(NUM_GHOSTS):
            state[v, i] = p * state[v, 2 * NUM_GHOSTS - 1 - i]


@kernel
def fill_outer_boundary_rows(state, rows, asymp_power, asymp_offset, r, first_copy_row):
    """Outer fill, in place: power-law extrapolation for rows < ``first_copy_row``,
    zero-gradient copy for the rows at or after it."""
    n = state.shape[1]
    last = n - NUM_GHOSTS - 1
    for k in range(rows.shape[0]):
        v = rows[k]
        if v >= first_copy_row:
            for i in range(last + 1, n):
                state[v, i] = state[v, last]
        else:
            a = asymp_offset[v]
            p = asymp_power[v]
            for i in range(last + 1, n):
                state[v, i] = a + (state[v, last] - a) * (r[i] / r[last]) ** p


class Grid:
    """Cell-centred radial grid with 3 ghost cells at each end.

    Parameters
    ----------
    spacing : Spacing
        Point placement (``LinearSpacing`` for hydro).
    a_state_vector : StateVector
        Row layout; gives ``PARITY``, ``ASYMP_POWER``, ``ASYMP_OFFSET`` and
        ``FIRST_MATTER_ROW``.
    """

    def __init__(self, spacing, a_state_vector):
        if spacing.extent != SpacingExtent.HALF:
            raise ValueError("Grid supports the HALF extent only (stars at r = 0)")
        self.spacing = spacing
        self.r = np.ascontiguousarray(spacing[0])
        self.dr_dx = np.ascontiguousarray(spacing[1])
        self.N = self.num_points = spacing.num_points
        self.dx = spacing.dx
        self.dr = self.dx * self.dr_dx
        self.min_dr = spacing.min_dr
        self.extent = spacing.extent
        self.derivs = Derivatives(spacing)
        self.NUM_VARS = a_state_vector.NUM_VARS
        self.PARITY = a_state_vector.PARITY
        self.ASYMP_POWER = a_state_vector.ASYMP_POWER
        self.ASYMP_OFFSET = a_state_vector.ASYMP_OFFSET
        self.ALL_INDICES = a_state_vector.ALL_INDICES
        self.first_copy_row = a_state_vector.FIRST_MATTER_ROW
        self._zero_offset = np.zeros_like(self.ASYMP_OFFSET)
        # interior index range (inclusive start, exclusive stop)
        self.interior = slice(NUM_GHOSTS, self.N - NUM_GHOSTS)

    def _rows(self, indices):
        if indices is None:
            return np.arange(self.NUM_VARS, dtype=np.int64)
        return np.asarray(indices, dtype=np.int64).ravel()

    def fill_inner_boundary(self, state, indices=None):
        """Parity fill of the inner ghosts (in place)."""
        fill_inner_boundary_rows(state, self._rows(indices), self.PARITY)

    def fill_outer_boundary(self, state, indices=None):
        """Outer fill (in place): BSSN extrapolation, matter rows copied."""
        fill_outer_boundary_rows(
            state, self._rows(indices), self.ASYMP_POWER, self.ASYMP_OFFSET, self.r,
            self.first_copy_row,
        )

    def fill_boundaries(self, state, indices=None):
        """Fill all ghost cells of a ``(NUM_VARS, N)`` state in place (outer, then inner)."""
        self.fill_outer_boundary(state, indices)
        self.fill_inner_boundary(state, indices)

    def fill_rhs_boundaries(self, rhs, indices=None):
        """Apply the same (linear, offset-free) boundary maps to a RHS array, in place.

        This is what makes a once-per-step fill of the state exact: every RK stage state
        ``y_n + c dt k`` is then ghost-consistent by linearity.
        """
        rows = self._rows(indices)
        fill_outer_boundary_rows(
            rhs, rows, self.ASYMP_POWER, self._zero_offset, self.r, self.first_copy_row
        )
        fill_inner_boundary_rows(rhs, rows, self.PARITY)

    def fill_inner_boundary_single_variable(self, state_1d, parity=1):
        """Parity fill of one 1-D array, in place."""
        for i in range(NUM_GHOSTS):
            state_1d[i] = parity * state_1d[2 * NUM_GHOSTS - 1 - i]

    def fill_outer_boundary_single_variable(self, state_1d, asymp_power=0, asymp_offset=0.0):
        """Power-law fill of one 1-D array, in place (``asymp_power=0``: copy)."""
        last = self.N - NUM_GHOSTS - 1
        a = asymp_offset
        state_1d[last + 1:] = a + (state_1d[last] - a) * (self.r[last + 1:] / self.r[last]) ** (
            asymp_power
        )

    def get_first_derivative(self, array, indices=None):
        """4th-order d/dr of the given rows of a ``(NUM_VARS, N)`` array."""
        out = np.zeros_like(array, dtype=np.float64)
        for v in self._rows(indices):
            out[v] = self.derivs.first(array[v])
        return out

    def get_second_derivative(self, array, indices=None):
        """4th-order d^2/dr^2 of the given rows."""
        out = np.zeros_like(array, dtype=np.float64)
        for v in self._rows(indices):
            out[v] = self.derivs.second(array[v])
        return out
