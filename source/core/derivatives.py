"""Explicit finite-difference stencils (4th-order centred first and second derivatives,
3rd-order one-sided advection, Kreiss-Oliger) as banded kernels.

No dense N x N matrix is ever built for the computation: the kernels below loop over the
non-ghost points with explicit index ranges. Derivatives are *not* computed at the ghost
points (they are set to 0 there, as in the reference); ghosts must be filled before
differentiating. For a uniform step h (linear spacing):

    f'_i  = [ f_{i-2} - 8 f_{i-1} + 8 f_{i+1} - f_{i+2} ] / (12 h)
    f''_i = [ -f_{i-2} + 16 f_{i-1} - 30 f_i + 16 f_{i+1} - f_{i+2} ] / (12 h^2)

Stretched grids use the chain rule with r'(x), r''(x) from the spacing.
"""

import numpy as np

from source.jit import kernel

from .spacing import NUM_GHOSTS

# Coefficients for offsets -2..2 (units of the computational step).
D1_COEFFS = np.array([1.0 / 12.0, -2.0 / 3.0, 0.0, 2.0 / 3.0, -1.0 / 12.0])
D2_COEFFS = np.array([-1.0 / 12.0, 4.0 / 3.0, -5.0 / 2.0, 4.0 / 3.0, -1.0 / 12.0])
# One-sided (upwind) advection stencils, 3rd order: backward offsets -3..0, forward 0..3.
ADVEC_L_COEFFS = np.array([-1.0 / 3.0, 3.0 / 2.0, -3.0, 11.0 / 6.0])
ADVEC_R_COEFFS = np.array([-11.0 / 6.0, 3.0, -3.0 / 2.0, 1.0 / 3.0])
# Kreiss-Oliger: sixth difference, offsets -3..3, divided by 64 dr.
KO_COEFFS = np.array([1.0, -6.0, 15.0, -20.0, 15.0, -6.0, 1.0])


@kernel
def first_derivative_x(f, dx, out):
    """4th-order centred d/dx of ``f`` (1-D) on points 3..N-4; 0 on ghosts."""
    n = f.shape[0]
    inv12h = 1.0 / (12.0 * dx)
    for i in range(NUM_GHOSTS):
        out[i] = 0.0
        out[n - 1 - i] = 0.0
    for i in range(NUM_GHOSTS, n - NUM_GHOSTS):
        out[i] = (f[i - 2] - 8.0 * f[i - 1] + 8.0 * f[i + 1] - f[i + 2]) * inv12h


@kernel
def second_derivative_x(f, dx, out):
    """4th-order centred d^2/dx^2 of ``f`` (1-D) on points 3..N-4; 0 on ghosts."""
    n = f.shape[0]
    inv12h2 = 1.0 / (12.0 * dx * dx)
    for i in range(NUM_GHOSTS):
        out[i] = 0.0
        out[n - 1 - i] = 0.0
    for i in range(NUM_GHOSTS, n - NUM_GHOSTS):
        out[i] = (
            -f[i - 2] + 16.0 * f[i - 1] - 30.0 * f[i] + 16.0 * f[i + 1] - f[i + 2]
        ) * inv12h2


@kernel
def advection_derivative_x(f, dx, upwind_right, out):
    """3rd-order one-sided d/dx: forward stencil where ``upwind_right`` is True (beta >= 0),
    backward elsewhere. 0 on ghosts."""
    n = f.shape[0]
    for i in range(NUM_GHOSTS):
        out[i] = 0.0
        out[n - 1 - i] = 0.0
    for i in range(NUM_GHOSTS, n - NUM_GHOSTS):
        if upwind_right[i]:
            out[i] = (
                -11.0 / 6.0 * f[i] + 3.0 * f[i + 1] - 1.5 * f[i + 2] + f[i + 3] / 3.0
            ) / dx
        else:
            out[i] = (
                -f[i - 3] / 3.0 + 1.5 * f[i - 2] - 3.0 * f[i - 1] + 11.0 / 6.0 * f[i]
            ) / dx


@kernel
def kreiss_oliger_x(f, dr, out):
    """Kreiss-Oliger sixth difference / (64 dr) (without the strength sigma)."""
    n = f.shape[0]
    for i in range(NUM_GHOSTS):
        out[i] = 0.0
        out[n - 1 - i] = 0.0
    for i in range(NUM_GHOSTS, n - NUM_GHOSTS):
        s = 0.0
        for k in range(7):
            s += KO_COEFFS[k] * f[i - 3 + k]
        out[i] = s / (64.0 * dr[i])


class Derivatives:
    """Radial derivative operators on a spacing (banded stencils, chain rule for stretching).

    Parameters
    ----------
    spacing : Spacing
    """

    def __init__(self, spacing):
        self.spacing = spacing
        self.dx = spacing.dx
        self.num_points = spacing.num_points
        self._dr_dx = np.ascontiguousarray(spacing[1])
        self._d2r_dx2 = np.ascontiguousarray(spacing[2])
        self.uniform = bool(np.all(self._d2r_dx2 == 0.0) and np.all(self._dr_dx == 1.0))

    def first(self, f):
        """d f / dr of a 1-D array (4th order; 0 at ghosts)."""
        out = np.empty_like(f, dtype=np.float64)
        first_derivative_x(np.ascontiguousarray(f, dtype=np.float64), self.dx, out)
        if not self.uniform:
            out /= self._dr_dx
        return out

    def second(self, f):
        """d^2 f / dr^2 of a 1-D array (4th order; 0 at ghosts)."""
        f = np.ascontiguousarray(f, dtype=np.float64)
        out = np.empty_like(f)
        second_derivative_x(f, self.dx, out)
        if not self.uniform:
            d1 = np.empty_like(f)
            first_derivative_x(f, self.dx, d1)
            out = (out - (self._d2r_dx2 / self._dr_dx) * d1) / self._dr_dx**2
        return out

    def advection(self, f, upwind_right):
        """Upwinded d f / dr (forward where ``upwind_right``)."""
        f = np.ascontiguousarray(f, dtype=np.float64)
        out = np.empty_like(f)
        advection_derivative_x(f, self.dx, np.asarray(upwind_right, dtype=np.bool_), out)
        if not self.uniform:
            out /= self._dr_dx
        return out

    def kreiss_oliger(self, f):
        """Kreiss-Oliger operator sum c_k f_{i+k} / (64 dr_i)."""
        f = np.ascontiguousarray(f, dtype=np.float64)
        out = np.empty_like(f)
        kreiss_oliger_x(f, self.dx * self._dr_dx, out)
        return out

    # -- dense matrices (reference interface; built lazily, never used by the solver) -----
    def _dense(self, order_coeffs):
        n = self.num_points
        m = np.zeros((n, n))
        for i in range(NUM_GHOSTS, n - NUM_GHOSTS):
            for off, c in order_coeffs:
                m[i, i + off] = c
        return m

    @property
    def dxn_matrix(self):
        """(7, N, N) derivative matrices d^n/dx^n (n = 0..6) in the computational coordinate,
        applied as ``f @ M.T``; rows of ghost points are zero. Orders 1, 2 are the 4th-order
        stencils, 3-6 the 2nd-order ones of the reference. Built on first access (about
        0.4 GB at N = 2000): the solver itself uses banded stencils only."""
        if getattr(self, "_dxn", None) is None:
            h = self.dx
            tables = [
                [(0, 1.0)],
                [(k - 2, c / h) for k, c in enumerate(D1_COEFFS)],
                [(k - 2, c / h**2) for k, c in enumerate(D2_COEFFS)],
                [(k - 2, c / h**3) for k, c in enumerate((-0.5, 1.0, 0.0, -1.0, 0.5))],
                [(k - 2, c / h**4) for k, c in enumerate((1.0, -4.0, 6.0, -4.0, 1.0))],
                [(k - 3, c / h**5) for k, c in enumerate((-0.5, 2.0, -2.5, 0.0, 2.5, -2.0,
                                                          0.5))],
                [(k - 3, c / h**6) for k, c in enumerate(KO_COEFFS)],
            ]
            self._dxn = np.stack([self._dense(t) for t in tables])
            self._dxn[0] = np.eye(self.num_points)
        return self._dxn

    @property
    def drn_matrix(self):
        """(7, N, N) matrices of d/dr, d^2/dr^2 (chain rule with r'(x), r''(x)); orders
        3-6 are given for the uniform grid only (as used by the reference's KO term)."""
        if getattr(self, "_drn", None) is None:
            dx = self.dxn_matrix
            drn = dx.copy()
            if not self.uniform:
                inv = 1.0 / self._dr_dx
                drn[1] = inv[:, None] * dx[1]
                drn[2] = (inv**2)[:, None] * (dx[2] - (self._d2r_dx2 * inv)[:, None] * dx[1])
            self._drn = drn
        return self._drn

    @property
    def advec_x_matrix(self):
        """(2, N, N) one-sided 3rd-order advection matrices: 0 = backward, 1 = forward."""
        if getattr(self, "_advec", None) is None:
            h = self.dx
            back = [(k - 3, c / h) for k, c in enumerate(ADVEC_L_COEFFS)]
            fwd = [(k, c / h) for k, c in enumerate(ADVEC_R_COEFFS)]
            self._advec = np.stack([self._dense(back), self._dense(fwd)])
        return self._advec
