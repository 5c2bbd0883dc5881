"""Apparent horizon and mass diagnostics of spherically symmetric BSSN data.

Conventions are those of the state rows (``source.bssn.bssnstatevariables``; Baumgarte,
Montero, Cordero-Carrion & Mueller 2013, arXiv:1211.6632): ``gamma_ij = e^{4 phi} gamma-bar_ij``,
``gamma-bar_rr = g_r = 1 + h_rr``, ``gamma-bar_thth = r^2 g_T`` with ``g_T = 1 + h_thth``,
``A-bar_thth = r^2 a_T``, and the extrinsic curvature sign of the BSSN equations,
``(d_t - L_beta) gamma_ij = -2 alpha K_ij``. The physical mixed component is then
``K^th_th = a_T / g_T + K / 3``.

Expansion
    The expansion of the outgoing null normals ``k = n + s`` of the coordinate spheres
    (``s`` the unit radial normal within the slice) is
    ``Theta = D_i s^i + K_ij s^i s^j - K``; in spherical symmetry (Ruchlin, Etienne &
    Baumgarte 2018, arXiv:1712.07658, eq. 49, in the 1D notation)

        Theta = e^{-2 phi} (4 phi' + 2/r + h_T'/g_T) / sqrt(g_r) - 2 (a_T/g_T + K/3)
              = 2 (dR/dl) / R - 2 K^th_th,

    with the areal radius ``R = e^{2 phi} r sqrt(g_T)`` and proper radial distance ``l``.
    Marginally (outer) trapped surfaces are the zeros of Theta; the apparent horizon is the
    outermost one, where Theta changes sign from negative (trapped) inside to positive
    outside. Its irreducible mass is ``M_AH = sqrt(A / 16 pi) = R_AH / 2``.

Mass
    ``misner_sharp_mass`` is the Misner-Sharp mass (Misner & Sharp 1964, Phys. Rev. 136,
    B571), which in spherical symmetry equals the Hawking mass of the coordinate spheres
    (Hayward 1996, PRD 53, 1938):

        m = (R/2) (1 - g^{ab} d_a R d_b R) = (R/2) [1 - (dR/dl)^2 + (R K^th_th)^2],

    using ``n^a d_a R = -R K^th_th``. In vacuum it equals the Schwarzschild mass parameter on
    every spherically symmetric slice (Birkhoff's theorem), so for asymptotically flat data
    it is the ADM mass at any radius outside the matter, without extrapolation in r and
    whatever the slicing (isotropic, trumpet, ...). On a marginally trapped surface
    ``dR/dl = R K^th_th`` and ``m = R/2 = M_AH``. The conformal-factor estimate
    ``2 r (psi - 1)`` is exact only for Schwarzschild in isotropic slicing, hence is not used.

Ghost cells and validity
    Derivatives are the 4th-order centred stencils of ``source.core.derivatives`` on a
    uniform grid of step ``dr``. On the standard cell-centred grid (``r_2 = -r_3``) the three
    inner ghosts of the rows used here (phi, h, K, a: all even) are parity-filled on a copy,
    so the caller's state is never modified; other uniform grids use their ghosts as given.
    The outer ghosts are used as given: the expansion and the mass are returned at the
    points 3 .. N-4 (NaN at ghosts), and the ADM-mass estimate by default uses the last point
    whose stencil touches no outer ghost (index N-6), so that an approximate outer boundary
    fill (power-law extrapolation) does not enter.
"""

from collections import namedtuple

import numpy as np
from scipy.optimize import brentq

from source.bssn.bssnstatevariables import (
    NUM_BSSN_VARS,
    idx_att,
    idx_hrr,
    idx_htt,
    idx_K,
    idx_phi,
)
from source.core.derivatives import first_derivative_x
from source.core.spacing import NUM_GHOSTS
from source.jit import kernel

ApparentHorizon = namedtuple("ApparentHorizon", ["found", "r_AH", "R_AH", "M_AH", "bracket"])
ApparentHorizon.__doc__ = """Result of ``find_apparent_horizon``.

found : bool
    Whether a marginally trapped surface (Theta < 0 inside, >= 0 outside) was found.
r_AH : float
    Coordinate radius of the outermost one, the apparent horizon (NaN if not found).
R_AH : float
    Areal radius ``e^{2 phi} r sqrt(1 + h_thth)`` there (NaN if not found).
M_AH : float
    Irreducible mass ``sqrt(A / 16 pi) = R_AH / 2`` (NaN if not found).
bracket : tuple of int
    Grid indices ``(i, i + 1)`` with ``Theta_i < 0 <= Theta_{i+1}`` around the root
    (``(-1, -1)`` if not found).
"""

# Number of cells of the local Lagrange interpolant used to refine the root (quintic).
_INTERP_POINTS = 6


# -------------------------------------------------------------------------------------------
# Point-wise formulas
# -------------------------------------------------------------------------------------------
@kernel
def expansion_pointwise(r, phi, dphi, hrr, htt, dhtt, att, K):
    """Expansion Theta of the outgoing null normals of the sphere of coordinate radius r.

    ``Theta = e^{-2 phi} (4 phi' + 2/r + h_T'/g_T) / sqrt(g_r) - 2 (a_T/g_T + K/3)`` with
    ``g_r = 1 + h_rr``, ``g_T = 1 + h_thth`` (Ruchlin, Etienne & Baumgarte 2018,
    arXiv:1712.07658, eq. 49). All arguments are scalars: ``r`` (> 0), ``phi`` and its radial
    derivative ``dphi``, ``hrr``, ``htt`` and ``dhtt = h_thth'``, ``att = a_thth`` and ``K``.
    """
    g_r = 1.0 + hrr
    g_t = 1.0 + htt
    return (np.exp(-2.0 * phi) * (4.0 * dphi + 2.0 / r + dhtt / g_t) / np.sqrt(g_r)
            - 2.0 * (att / g_t + K / 3.0))


@kernel
def misner_sharp_mass_pointwise(r, phi, dphi, hrr, htt, dhtt, att, K):
    """Misner-Sharp (Hawking) mass ``(R/2) [1 - (dR/dl)^2 + (R K^th_th)^2]`` of the sphere of
    coordinate radius r (Misner & Sharp 1964, Phys. Rev. 136, B571). Same scalar arguments
    as ``expansion_pointwise``."""
    g_r = 1.0 + hrr
    g_t = 1.0 + htt
    e2phi = np.exp(2.0 * phi)
    areal = e2phi * r * np.sqrt(g_t)
    # dR/dl = R'/sqrt(gamma_rr), R' = R (2 phi' + 1/r + h_T'/(2 g_T))
    dR_dl = areal * (2.0 * dphi + 1.0 / r + 0.5 * dhtt / g_t) / (e2phi * np.sqrt(g_r))
    rk = areal * (att / g_t + K / 3.0)
    return 0.5 * areal * ((1.0 - dR_dl) * (1.0 + dR_dl) + rk * rk)


@kernel
def _expansion_kernel(r, phi, dphi, hrr, htt, dhtt, att, K, out):
    n = r.shape[0]
    for i in range(n):
        out[i] = np.nan
    for i in range(NUM_GHOSTS, n - NUM_GHOSTS):
        out[i] = expansion_pointwise(r[i], phi[i], dphi[i], hrr[i], htt[i], dhtt[i], att[i],
                                     K[i])


@kernel
def _mass_kernel(r, phi, dphi, hrr, htt, dhtt, att, K, out):
    n = r.shape[0]
    for i in range(n):
        out[i] = np.nan
    for i in range(NUM_GHOSTS, n - NUM_GHOSTS):
        out[i] = misner_sharp_mass_pointwise(r[i], phi[i], dphi[i], hrr[i], htt[i], dhtt[i],
                                             att[i], K[i])


# -------------------------------------------------------------------------------------------
# Array helpers
# -------------------------------------------------------------------------------------------
def _validated(r, state, dr):
    """Check shapes and the uniform grid; return float64 copies ``(r, state_rows, dr)``."""
    r = np.asarray(r, dtype=np.float64)
    state = np.asarray(state, dtype=np.float64)
    if r.ndim != 1:
        raise ValueError(f"r must be one-dimensional (got shape {r.shape})")
    n = r.shape[0]
    if n < 2 * NUM_GHOSTS + _INTERP_POINTS:
        raise ValueError(f"r needs at least {2 * NUM_GHOSTS + _INTERP_POINTS} points "
                         f"(got {n})")
    if state.ndim != 2 or state.shape[0] < NUM_BSSN_VARS or state.shape[1] != n:
        raise ValueError(f"state must have shape (>= {NUM_BSSN_VARS}, {n}) to match r "
                         f"(got {state.shape})")
    dr = float(dr)
    if not (np.isfinite(dr) and dr > 0.0):
        raise ValueError(f"dr must be a positive finite number (got {dr})")
    if not np.all(np.isfinite(r)):
        raise ValueError("r must be finite")
    if not np.allclose(np.diff(r), dr, rtol=1e-8, atol=0.0):
        raise ValueError("r must be a uniform grid of step dr")
    if r[NUM_GHOSTS] <= 0.0:
        raise ValueError("the first interior point r[3] must be positive")
    return r, state, dr


def _rows_and_derivatives(r, state, dr):
    """Copies of the rows entering Theta and m (inner ghosts parity-filled on the
    standard mirror grid) and the derivatives phi', h_thth'."""
    rows = {}
    for name, idx in (("phi", idx_phi), ("hrr", idx_hrr), ("htt", idx_htt), ("K", idx_K),
                      ("att", idx_att)):
        rows[name] = np.ascontiguousarray(state[idx], dtype=np.float64).copy()
    mirror = abs(r[NUM_GHOSTS - 1] + r[NUM_GHOSTS]) <= 1e-8 * dr
    if mirror:
        for f in rows.values():  # all even under r -> -r
            for i in range(NUM_GHOSTS):
                f[i] = f[2 * NUM_GHOSTS - 1 - i]
    dphi = np.empty_like(r)
    dhtt = np.empty_like(r)
    first_derivative_x(rows["phi"], dr, dphi)
    first_derivative_x(rows["htt"], dr, dhtt)
    return rows, dphi, dhtt


def expansion(r, state, dr):
    """Expansion Theta(r) of the outgoing null normals of the coordinate spheres.

    Parameters
    ----------
    r : ndarray (N,)
        Uniform radial grid (step ``dr``) with 3 ghost cells at each end.
    state : ndarray (>= 12, N)
        State array; the BSSN rows phi, h_rr, h_thth, K and a_thth are used.
    dr : float
        Grid step.

    Returns
    -------
    ndarray (N,)
        Theta at points 3 .. N-4 (4th-order centred derivatives of phi and h_thth), NaN on
        the ghost points. See the module docstring for the formula and the ghost cells.
    """
    r, state, dr = _validated(r, state, dr)
    rows, dphi, dhtt = _rows_and_derivatives(r, state, dr)
    out = np.empty_like(r)
    _expansion_kernel(r, rows["phi"], dphi, rows["hrr"], rows["htt"], dhtt, rows["att"],
                      rows["K"], out)
    return out


def misner_sharp_mass(r, state, dr):
    """Misner-Sharp (Hawking) mass m(r) of the coordinate spheres.

    ``m = (R/2) [1 - (dR/dl)^2 + (R K^th_th)^2]`` (see the module docstring). Same arguments
    and ghost-cell conventions as ``expansion``; NaN on the ghost points.
    """
    r, state, dr = _validated(r, state, dr)
    rows, dphi, dhtt = _rows_and_derivatives(r, state, dr)
    out = np.empty_like(r)
    _mass_kernel(r, rows["phi"], dphi, rows["hrr"], rows["htt"], dhtt, rows["att"],
                 rows["K"], out)
    return out


def _lagrange(xs, ys, x):
    """Value at ``x`` of the Lagrange polynomial through the points ``(xs, ys)``."""
    total = 0.0
    for j in range(xs.size):
        w = 1.0
        for k in range(xs.size):
            if k != j:
                w *= (x - xs[k]) / (xs[j] - xs[k])
        total += w * ys[j]
    return total


def _stencil(i, lo, hi, finite, npts):
    """Indices of an ``npts``-point stencil around the interval ``[i, i+1]`` within
    ``[lo, hi]`` with all values finite, or None."""
    start = i - (npts // 2 - 1)
    start = min(max(start, lo), hi - npts + 1)
    idx = np.arange(start, start + npts)
    if idx[0] < lo or idx[-1] > hi or not np.all(finite[idx]):
        return None
    return idx


def find_apparent_horizon(r, state, dr):
    """Locate the apparent horizon (outermost marginally trapped coordinate sphere).

    The expansion Theta (``expansion``) is scanned from the outside inwards for the first
    pair of neighbouring points with ``Theta_i < 0 <= Theta_{i+1}``: the outermost sign change
    from trapped (inside) to untrapped (outside). Sign changes in the opposite direction, such
    as the ones produced near a puncture where the finite differences of the singular
    conformal factor are meaningless, are ignored. The root is then refined with Brent's
    method on the quintic Lagrange interpolant of Theta through the six points around the
    bracket (cubic or linear if fewer valid points are available), so that the radius carries
    the 4th-order truncation error of the derivatives rather than an O(dr) location error.
    The areal radius uses quintic interpolants of phi and h_thth at the root.

    Parameters
    ----------
    r, state, dr
        As for ``expansion``.

    Returns
    -------
    ApparentHorizon
        ``(found, r_AH, R_AH, M_AH, bracket)``; NaNs and ``(-1, -1)`` if there is no horizon.
    """
    r, state, dr = _validated(r, state, dr)
    rows, dphi, dhtt = _rows_and_derivatives(r, state, dr)
    theta = np.empty_like(r)
    _expansion_kernel(r, rows["phi"], dphi, rows["hrr"], rows["htt"], dhtt, rows["att"],
                      rows["K"], theta)
    n = r.shape[0]
    lo, hi = NUM_GHOSTS, n - NUM_GHOSTS - 1
    finite = np.isfinite(theta)
    bracket = -1
    for i in range(hi - 1, lo - 1, -1):
        if finite[i] and finite[i + 1] and theta[i] < 0.0 <= theta[i + 1]:
            bracket = i
            break
    if bracket < 0:
        return ApparentHorizon(False, np.nan, np.nan, np.nan, (-1, -1))

    i = bracket
    idx = None
    for npts in (_INTERP_POINTS, 4, 2):
        idx = _stencil(i, lo, hi, finite & np.isfinite(rows["phi"]) & np.isfinite(rows["htt"]),
                       npts)
        if idx is not None:
            break
    if idx is None:  # the two bracketing points themselves
        idx = np.array([i, i + 1])
    xs = r[idx]
    ts = theta[idx]
    if theta[i + 1] == 0.0:
        r_ah = float(r[i + 1])
    else:
        r_ah = brentq(lambda x: _lagrange(xs, ts, x), r[i], r[i + 1], xtol=1e-15 * r[i + 1],
                      rtol=4.0 * np.finfo(float).eps, maxiter=200)
    phi_ah = _lagrange(xs, rows["phi"][idx], r_ah)
    htt_ah = _lagrange(xs, rows["htt"][idx], r_ah)
    R_ah = float(np.exp(2.0 * phi_ah) * r_ah * np.sqrt(1.0 + htt_ah))
    return ApparentHorizon(True, float(r_ah), R_ah, 0.5 * R_ah, (int(i), int(i + 1)))


def adm_mass_estimate(r, state, dr, r_extract=None):
    """ADM-mass estimate: the Misner-Sharp mass of a coordinate sphere near the outer edge.

    In spherical symmetry the Misner-Sharp mass equals the ADM mass at every radius outside
    the matter, on any slice (see the module docstring), so no extrapolation to infinity is
    needed; it is exact for Schwarzschild data (isotropic, trumpet, ...) up to the
    finite-difference error of phi' and h_thth'.

    Parameters
    ----------
    r, state, dr
        As for ``expansion``.
    r_extract : float, optional
        Extraction radius, in ``[r[3], r[N-6]]``: the mass profile is interpolated there with
        a quintic Lagrange polynomial. Default: the grid point ``r[N-6]``, the outermost one
        whose derivative stencil uses no outer ghost cell.

    Returns
    -------
    float
    """
    r, state, dr = _validated(r, state, dr)
    mass = misner_sharp_mass(r, state, dr)
    n = r.shape[0]
    lo, hi = NUM_GHOSTS, n - 2 * NUM_GHOSTS
    if r_extract is None:
        return float(mass[hi])
    r_extract = float(r_extract)
    if not (np.isfinite(r_extract) and r[lo] <= r_extract <= r[hi]):
        raise ValueError(f"r_extract must lie in [{r[lo]:.6g}, {r[hi]:.6g}] (got {r_extract})")
    i = int(min(max(np.floor((r_extract - r[0]) / dr), lo), hi - 1))
    idx = _stencil(i, lo, hi, np.isfinite(mass), _INTERP_POINTS)
    if idx is None:
        return float(np.interp(r_extract, r[lo:hi + 1], mass[lo:hi + 1]))
    return float(_lagrange(r[idx], mass[idx], r_extract))
