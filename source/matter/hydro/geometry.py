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

import math
from collections import namedtuple
from dataclasses import dataclass

import numpy as np

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
from source.jit import inline_kernel, kernel


@dataclass
class GeometryState:
    """Lapse, radial shift, gamma_rr and e^{6 phi} on a set of points."""

    alpha: np.ndarray
    beta_r: np.ndarray
    gamma_rr: np.ndarray
    e6phi: np.ndarray

    def __len__(self):
        return len(self.alpha)


# 5-point Lagrange weights for the value at the face between cells k and k+1
# (HEAD reference; exact for quartics). Interior: cells k-2..k+2.
FACE_W_INTERIOR = np.array([3.0, -20.0, 90.0, 60.0, -5.0]) / 128.0
FACE_W_FIRST = np.array([35.0, 140.0, -70.0, 28.0, -5.0]) / 128.0    # face 0: cells 0..4
FACE_W_SECOND = np.array([-5.0, 60.0, 90.0, -20.0, 3.0]) / 128.0     # face 1: cells 0..4
FACE_W_LAST = np.array([-5.0, 28.0, -70.0, 140.0, 35.0]) / 128.0     # face N-2: cells N-5..N-1


@kernel
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


# Rows of the packed cell geometry (``GeometryCache.CELL_FIELDS``) and face geometry
# (``GeometryCache.FACE_FIELDS``) handed to the compiled kernels.
G_ALPHA, G_BETA, G_GRR, G_E6PHI, G_DALPHA, G_DBETA, G_HATD_GRR, G_DLOG_ANG, G_KRR, \
    G_KANG, G_TWO_OVER_R, G_VOLUME = range(12)
F_ALPHA, F_BETA, F_GRR, F_E6PHI, F_AREA = range(5)
NUM_METRIC_CELL_FIELDS = 10   # rows 0..9 depend on the metric; two_over_r, volume on r only


#: The metric of one cell seen by the hydrodynamics: rows 0-9 of the packed cell geometry
#: (``GeometryCache.CELL_FIELDS``), point-wise.
CellMetric = namedtuple("CellMetric", ("alpha", "beta_r", "gamma_rr", "e6phi", "dalpha_dr",
                                       "dbeta_dr", "hatD_gamma_rr", "dlog_gamma_ang", "K_rr",
                                       "K_ang_mixed"))

#: First radial derivatives of the BSSN variables that ``cell_geometry_point`` reads.
RadialDerivatives = namedtuple("RadialDerivatives", ("phi", "hrr", "htt", "hpp", "alpha",
                                                     "beta_r"))


@inline_kernel
def cell_metric(gc, i):
    """``CellMetric`` of cell ``i`` of the packed cell geometry ``gc``."""
    return CellMetric(gc[G_ALPHA, i], gc[G_BETA, i], gc[G_GRR, i], gc[G_E6PHI, i],
                      gc[G_DALPHA, i], gc[G_DBETA, i], gc[G_HATD_GRR, i], gc[G_DLOG_ANG, i],
                      gc[G_KRR, i], gc[G_KANG, i])


@kernel
def cell_geometry_point(phi, hrr, htt, hpp, K, arr, att, app, alpha, beta_r, d_dr):
    """``CellMetric`` of one cell (rows 0-9 of the packed cell geometry) from the BSSN
    variables and their radial derivatives ``d_dr`` (``RadialDerivatives``):

        gamma_rr = e^{4phi} (1 + h_rr),   e^{6 phi},
        hat-D_r gamma_rr = e^{4phi} [4 (1 + h_rr) phi' + h_rr'],
        hat-D_r gamma_thth / gamma_thth + (phi-phi) = 8 phi' + h_tt'/(1 + h_tt) + h_pp'/(1 + h_pp),
        K_rr = e^{4phi} a_rr + (K/3) gamma_rr,   K^th_th + K^ph_ph = a_tt/(1 + h_tt)
                                                   + a_pp/(1 + h_pp) + 2K/3.
    """
    e4phi = math.exp(4.0 * phi)
    gamma_rr = e4phi * (1.0 + hrr)
    e6phi = math.exp(6.0 * phi)
    hatD_gamma_rr = e4phi * (4.0 * (1.0 + hrr) * d_dr.phi + d_dr.hrr)
    dlog_gamma_ang = 8.0 * d_dr.phi + d_dr.htt / (1.0 + htt) + d_dr.hpp / (1.0 + hpp)
    K_rr = e4phi * arr + K / 3.0 * gamma_rr
    K_ang_mixed = att / (1.0 + htt) + app / (1.0 + hpp) + 2.0 * K / 3.0
    return CellMetric(alpha, beta_r, gamma_rr, e6phi, d_dr.alpha, d_dr.beta_r, hatD_gamma_rr,
                      dlog_gamma_ang, K_rr, K_ang_mixed)


@kernel
def cell_geometry_array(bssn, bssn_d1, gc):
    """Rows 0-9 of the packed cell geometry ``gc`` from BSSN rows and their derivatives."""
    for i in range(bssn.shape[1]):
        g = cell_geometry_point(bssn[idx_phi, i], bssn[idx_hrr, i], bssn[idx_htt, i],
                                bssn[idx_hpp, i], bssn[idx_K, i], bssn[idx_arr, i],
                                bssn[idx_att, i], bssn[idx_app, i], bssn[idx_lapse, i],
                                bssn[idx_shiftr, i],
                                RadialDerivatives(bssn_d1[idx_phi, i], bssn_d1[idx_hrr, i],
                                                  bssn_d1[idx_htt, i], bssn_d1[idx_hpp, i],
                                                  bssn_d1[idx_lapse, i],
                                                  bssn_d1[idx_shiftr, i]))
        for k in range(NUM_METRIC_CELL_FIELDS):
            gc[k, i] = g[k]


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
        gc = np.empty((NUM_METRIC_CELL_FIELDS, self.N))
        cell_geometry_array(np.ascontiguousarray(bssn[:12], dtype=np.float64),
                            np.ascontiguousarray(bssn_d1[:12], dtype=np.float64), gc)
        for k, name in enumerate(self.CELL_FIELDS[:NUM_METRIC_CELL_FIELDS]):
            setattr(self, name, gc[k].copy())
        with np.errstate(divide="ignore"):
            self.two_over_r = 2.0 / r
        self.volume = ((r + 0.5 * dx) ** 3 - (r - 0.5 * dx) ** 3) / 3.0
        # faces
        self.alpha_f = _faces(self.alpha)
        self.beta_f = _faces(self.beta_r)
        self.gamma_rr_f = _faces(self.gamma_rr)
        self.e6phi_f = np.exp(6.0 * _faces(bssn[idx_phi]))
        self.area_f = (r[:-1] + 0.5 * dx) ** 2
        for name in self.CELL_FIELDS + self.FACE_FIELDS:
            setattr(self, name, np.ascontiguousarray(getattr(self, name), dtype=np.float64))

    @classmethod
    def from_state(cls, grid, state, fill=True):
        """Build from a full state ``(>= 12, N)`` on ``grid`` (fills a copy's ghosts first
        unless ``fill`` is False)."""
        bssn = np.array(state[:12], dtype=np.float64)
        if fill:
            grid.fill_boundaries(bssn, indices=np.arange(12))
        d1 = grid.get_first_derivative(bssn, indices=np.arange(12))
        return cls(grid.r, bssn, d1, grid.dx)

    @classmethod
    def from_packed(cls, r, dx, gc, gf):
        """A cache holding the packed arrays ``gc`` (12, N), ``gf`` (5, N-1) (rows in
        ``CELL_FIELDS`` / ``FACE_FIELDS`` order), e.g. the geometry of a dynamic stage."""
        self = cls.__new__(cls)
        self.r = np.asarray(r, dtype=np.float64)
        self.N = self.r.shape[0]
        self.dx = float(dx)
        for k, name in enumerate(cls.CELL_FIELDS):
            setattr(self, name, np.ascontiguousarray(gc[k]))
        for k, name in enumerate(cls.FACE_FIELDS):
            setattr(self, name, np.ascontiguousarray(gf[k]))
        return self

    def cell_arrays(self):
        """Tuple of the cell arrays in ``CELL_FIELDS`` order (kernel argument order)."""
        return tuple(getattr(self, n) for n in self.CELL_FIELDS)

    def face_arrays(self):
        """Tuple of the face arrays in ``FACE_FIELDS`` order."""
        return tuple(getattr(self, n) for n in self.FACE_FIELDS)

    def packed_cells(self):
        """The cell rows packed as one (12, N) array (``CELL_FIELDS`` order), built on the
        first call and kept (the cache is not modified after it is built): do not write to
        it; :meth:`packed` gives arrays of one's own."""
        if getattr(self, "_packed_cells", None) is None:
            self._packed_cells = np.ascontiguousarray(np.stack(self.cell_arrays()))
        return self._packed_cells

    def packed(self):
        """(cells (12, N), faces (5, N-1)) new float64 arrays, rows in ``CELL_FIELDS`` /
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
