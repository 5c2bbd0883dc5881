"""Metric quantities seen by the hydrodynamics.

* ``GeometryState`` - the four scalars the point-wise hydro needs (alpha, beta^r, gamma_rr,
  e^{6 phi}) on a set of points (cells or faces);
* ``GeometryCache`` - everything the Valencia right-hand side needs from the metric, at cell
  centres and at faces, computed once from the (frozen) BSSN variables and their 4th-order
  finite-difference derivatives. In Cowling mode it is built once and reused by every RHS
  evaluation; a dynamic evolution must rebuild it at every stage (never reuse it).

Conventions (spherical symmetry, equator, flat spherical reference metric; MBM 2014):
gamma_rr = e^{4phi} (1 + h_rr), gamma_thth = e^{4phi} r^2 (1 + h_tt), ...;
K_ij = e^{4phi} A-bar_ij + (K/3) gamma_ij; hat-D_r gamma_rr = e^{4phi} [4 (1 + h_rr) d_r phi +
d_r h_rr], hat-D_r gamma_thth / gamma_thth = 4 d_r phi + d_r h_tt / (1 + h_tt).
"""

from dataclasses import dataclass

import numpy as np
from numba import njit

from source.bssn.bssnstatevariables import (
    idx_app,
    idx_arr,
    idx_att,
    idx_hpp,
    idx_hrr,
    idx_htt,
    idx_K,
    idx_lapse,
    idx_phi,
    idx_shiftr,
)
from source.core.spacing import NUM_GHOSTS


@dataclass
class GeometryState:
    """Lapse, radial shift, gamma_rr and e^{6 phi} on a set of points."""

    alpha: np.ndarray
    beta_r: np.ndarray
    gamma_rr: np.ndarray
    e6phi: np.ndarray

    @classmethod
    def minkowski(cls, n):
        return cls(np.ones(n), np.zeros(n), np.ones(n), np.ones(n))

    @classmethod
    def from_bssn_1d(cls, alpha, beta_r, phi, gamma_rr):
        return cls(np.asarray(alpha, float), np.asarray(beta_r, float),
                   np.asarray(gamma_rr, float), np.exp(6.0 * np.asarray(phi, float)))

    def at_indices(self, idx):
        return GeometryState(self.alpha[idx], self.beta_r[idx], self.gamma_rr[idx],
                             self.e6phi[idx])

    def __len__(self):
        return len(self.alpha)


def compute_lorentz_factor_1d(vr, gamma_rr):
    """W = (1 - gamma_rr v^2)^{-1/2} with 1 - v^2 floored at 1e-16."""
    return 1.0 / np.sqrt(np.maximum(1.0 - gamma_rr * vr**2, 1e-16))


# 5-point Lagrange weights for the value at the face between cells k and k+1
# (HEAD reference; exact for quartics). Interior: cells k-2..k+2.
FACE_W_INTERIOR = np.array([3.0, -20.0, 90.0, 60.0, -5.0]) / 128.0
FACE_W_FIRST = np.array([35.0, 140.0, -70.0, 28.0, -5.0]) / 128.0    # face 0: cells 0..4
FACE_W_SECOND = np.array([-5.0, 60.0, 90.0, -20.0, 3.0]) / 128.0     # face 1: cells 0..4
FACE_W_LAST = np.array([-5.0, 28.0, -70.0, 140.0, 35.0]) / 128.0     # face N-2: cells N-5..N-1


@njit(cache=True, error_model="numpy")
def interpolate_to_faces(f, out):
    """4th-order (5-point Lagrange) values at the N-1 faces between consecutive cells."""
    n = f.shape[0]
    out[0] = np.dot(FACE_W_FIRST, f[0:5])
    out[1] = np.dot(FACE_W_SECOND, f[0:5])
    for k in range(2, n - 2):
        out[k] = np.dot(FACE_W_INTERIOR, f[k - 2:k + 3])
    out[n - 2] = np.dot(FACE_W_LAST, f[n - 5:n])


def _faces(f):
    f = np.ascontiguousarray(f, dtype=np.float64)
    out = np.empty(f.shape[0] - 1)
    interpolate_to_faces(f, out)
    return out


class GeometryCache:
    """Precomputed metric quantities for the Valencia RHS (cells and faces).

    Parameters
    ----------
    r : ndarray (N,)
        Cell centres (uniform grid).
    bssn : ndarray (>= 12, N)
        BSSN rows (ghosts filled).
    bssn_d1 : ndarray (>= 12, N)
        First radial derivatives of the BSSN rows (4th-order FD, 0 at ghosts).
    dx : float
        Uniform grid spacing.

    Attributes (cells, length N)
    ----------------------------
    alpha, beta_r, gamma_rr, e6phi, dalpha_dr, dbeta_dr, hatD_gamma_rr,
    dlog_gamma_ang (hat-D_r gamma_thth / gamma_thth + the same for phi-phi),
    K_rr, K_ang_mixed (K^th_th + K^ph_ph), two_over_r, volume (r_{i+1/2}^3 - r_{i-1/2}^3)/3.

    Attributes (faces, length N-1; face k between cells k and k+1)
    ---------------------------------------------------------------
    alpha_f, beta_f, gamma_rr_f, e6phi_f (= exp(6 phi_face)), area_f (r_face^2).
    """

    CELL_FIELDS = ("alpha", "beta_r", "gamma_rr", "e6phi", "dalpha_dr", "dbeta_dr",
                   "hatD_gamma_rr", "dlog_gamma_ang", "K_rr", "K_ang_mixed", "two_over_r",
                   "volume")
    FACE_FIELDS = ("alpha_f", "beta_f", "gamma_rr_f", "e6phi_f", "area_f")

    def __init__(self, r, bssn, bssn_d1, dx):
        r = np.asarray(r, dtype=np.float64)
        self.N = r.shape[0]
        self.dx = float(dx)
        self.r = r
        phi = bssn[idx_phi]
        e4phi = np.exp(4.0 * phi)
        hrr, htt, hpp = bssn[idx_hrr], bssn[idx_htt], bssn[idx_hpp]
        K = bssn[idx_K]
        dphi = bssn_d1[idx_phi]
        self.alpha = np.ascontiguousarray(bssn[idx_lapse], dtype=np.float64)
        self.beta_r = np.ascontiguousarray(bssn[idx_shiftr], dtype=np.float64)
        self.gamma_rr = e4phi * (1.0 + hrr)
        self.e6phi = np.exp(6.0 * phi)
        self.dalpha_dr = np.ascontiguousarray(bssn_d1[idx_lapse], dtype=np.float64)
        self.dbeta_dr = np.ascontiguousarray(bssn_d1[idx_shiftr], dtype=np.float64)
        self.hatD_gamma_rr = e4phi * (4.0 * (1.0 + hrr) * dphi + bssn_d1[idx_hrr])
        self.dlog_gamma_ang = (8.0 * dphi + bssn_d1[idx_htt] / (1.0 + htt)
                               + bssn_d1[idx_hpp] / (1.0 + hpp))
        self.K_rr = e4phi * bssn[idx_arr] + K / 3.0 * self.gamma_rr
        self.K_ang_mixed = (bssn[idx_att] / (1.0 + htt) + bssn[idx_app] / (1.0 + hpp)
                            + 2.0 * K / 3.0)
        with np.errstate(divide="ignore"):
            self.two_over_r = 2.0 / r
        self.volume = ((r + 0.5 * dx) ** 3 - (r - 0.5 * dx) ** 3) / 3.0
        # faces
        self.alpha_f = _faces(self.alpha)
        self.beta_f = _faces(self.beta_r)
        self.gamma_rr_f = _faces(self.gamma_rr)
        self.e6phi_f = np.exp(6.0 * _faces(phi))
        self.area_f = (r[:-1] + 0.5 * dx) ** 2
        for name in self.CELL_FIELDS + self.FACE_FIELDS:
            setattr(self, name, np.ascontiguousarray(getattr(self, name), dtype=np.float64))

    @classmethod
    def from_state(cls, grid, state):
        """Build from a full state ``(>= 12, N)`` on ``grid`` (fills a copy's ghosts first)."""
        bssn = np.array(state[:12], dtype=np.float64)
        grid.fill_boundaries(bssn, indices=np.arange(12))
        d1 = grid.get_first_derivative(bssn, indices=np.arange(12))
        return cls(grid.r, bssn, d1, grid.dx)

    def cell_arrays(self):
        """Tuple of the cell arrays in ``CELL_FIELDS`` order (kernel argument order)."""
        return tuple(getattr(self, n) for n in self.CELL_FIELDS)

    def face_arrays(self):
        """Tuple of the face arrays in ``FACE_FIELDS`` order."""
        return tuple(getattr(self, n) for n in self.FACE_FIELDS)

    def packed(self):
        """(cells (12, N), faces (5, N-1)) float64 arrays, rows in ``CELL_FIELDS`` /
        ``FACE_FIELDS`` order: the compact form handed to the fused kernels."""
        return (np.ascontiguousarray(np.stack(self.cell_arrays())),
                np.ascontiguousarray(np.stack(self.face_arrays())))

    def cells(self):
        """GeometryState of the cells."""
        return GeometryState(self.alpha, self.beta_r, self.gamma_rr, self.e6phi)

    def faces(self):
        """GeometryState of the N-1 faces."""
        return GeometryState(self.alpha_f, self.beta_f, self.gamma_rr_f, self.e6phi_f)

    @property
    def interior(self):
        return slice(NUM_GHOSTS, self.N - NUM_GHOSTS)
