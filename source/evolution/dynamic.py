"""The fast path of the dynamic mode: the star coupled to BSSN, fused kernels and a
compiled RK4 driver over the whole (15, N) state.

One RHS evaluation (``_dynamic_rhs_passes``), on the stage state:

1. the metric seen by the fluid (``geometry.cell_geometry_point`` at every cell, 4th-order
   face values), recomputed from the current BSSN rows with det(gamma-bar) = det(gamma-hat)
   enforced on the values;
2. the hydro passes of the Cowling kernels (cons2prim -> faces -> cells), unchanged: they
   read the geometry from the same packed arrays;
3. the matter sources (rho, S_r, S_rr, S_thth/r^2, S) from the *same* primitives
   (``perfect_fluid.stress_energy_point``): one cons2prim per RHS;
4. the BSSN right-hand side with Kreiss-Oliger dissipation (``source.bssn.bssnrhs``);
5. the RHS ghosts: inner parity for every row, outer zero-gradient for the hydro rows and,
   for the BSSN rows, the radiative (Sommerfeld) condition or the reference's power-law
   extrapolation (``OUTER_BC``).

The RK4 driver fills the state's inner ghosts and the hydro rows' outer ghosts once per
step (linear maps, exact because the RHS ghosts carry the same maps); the BSSN rows' outer
ghosts are evolved by their boundary RHS and never refilled. With ``well_balanced`` every
stage's RHS, all 15 rows and their ghosts, is less that of the unperturbed star
(``fused.subtract_equilibrium``; at the outer BSSN ghosts the radiative condition of
U_eq is exactly zero, U_eq being its background, the extrapolated RHS is not).
"""

import functools
import math

import numpy as np
from numba import njit, prange

from source.bssn.ahfinder import expansion_pointwise, misner_sharp_mass_pointwise
from source.bssn.bssnrhs import (
    M_RHO,
    M_S,
    M_SR,
    M_SRR,
    M_STT_OVER_R2,
    bssn_rhs_pass,
    constraints,
    enforce_det_gamma_bar,
)
from source.bssn.bssnstatevariables import (
    BSSN_ASYMP_POWER,
    BSSN_PARITY,
    NUM_BSSN_VARS,
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
from source.matter.hydro.geometry import (
    F_ALPHA,
    F_AREA,
    F_BETA,
    F_E6PHI,
    F_GRR,
    FACE_W_FIRST,
    FACE_W_INTERIOR,
    FACE_W_LAST,
    FACE_W_SECOND,
    G_GRR,
    G_VOLUME,
    cell_geometry_point,
)
from source.matter.hydro.perfect_fluid import stress_energy_point

from .fused import (
    RUN_OK,
    TS_FIELDS,
    _build,
    _c2p_pass,
    _rhs_passes,
    axpy,
    copy_rows,
    count_failures,
    end_step,
    fill_hydro_ghosts,
    record_diagnostics,
    rk4_combine,
    subtract_equilibrium,
)

OUTER_BC = {"sommerfeld": 0, "extrapolation": 1}

# Matter inside this fraction of the apparent horizon's coordinate radius is replaced by
# atmosphere after every step once a horizon has been found (its rest mass is booked with
# the atmosphere resets): it is causally disconnected from the exterior, and the hydro of
# the collapsing core (rho0 -> infinity, alpha -> 0) would otherwise stop the run through
# cons2prim failures. The horizon itself, and the metric inside it, evolve untouched.
EXCISION_FRACTION = 0.8
OUTER_SOMMERFELD = 0
OUTER_EXTRAPOLATION = 1

# Time-series columns of a dynamic run: the Cowling ones, then the central lapse and K, the
# L2 norms over the star and the maximum over the grid of the Hamiltonian and momentum
# constraints, the ADM mass (Misner-Sharp mass near r_max), and the apparent horizon: found
# (1/0), coordinate and areal radius, irreducible mass (NaN when there is none); the rest
# mass removed inside the horizon (cumulative, negative), so that baryon_mass(t) -
# baryon_mass(0) = mass_reset + mass_excised - mass_outflow.
DYNAMIC_TS_FIELDS = TS_FIELDS + ("alpha_c", "K_c", "ham_l2_star", "ham_max", "mom_l2_star",
                                 "adm_mass", "ah_found", "ah_radius", "ah_areal_radius",
                                 "ah_mass", "mass_excised")
NUM_TS_DYNAMIC = len(DYNAMIC_TS_FIELDS)

# Radiative condition: speeds. The lapse and K carry the 1+log gauge mode, whose speed tends
# to sqrt(2) far out; everything else propagates at the speed of light (the Gamma-driver's
# longitudinal speed also tends to 1).
SOMMERFELD_SPEED = np.ones(NUM_BSSN_VARS)
SOMMERFELD_SPEED[idx_lapse] = math.sqrt(2.0)
SOMMERFELD_SPEED[idx_K] = math.sqrt(2.0)


@njit(cache=True, error_model="numpy", inline="always")
def _geometry_pass(state, dx, gc, gf):
    """Rows 0-9 of the packed cell geometry at every cell (derivatives 0 at the ghosts, as
    the Cowling cache) and the metric rows of the face geometry."""
    n = state.shape[1]
    inv12dx = 1.0 / (12.0 * dx)
    for i in prange(n):
        hrr, htt = enforce_det_gamma_bar(state[idx_hrr, i], state[idx_htt, i],
                                         state[idx_hpp, i])
        if NUM_GHOSTS <= i < n - NUM_GHOSTS:
            dphi = (state[idx_phi, i - 2] - 8.0 * state[idx_phi, i - 1]
                    + 8.0 * state[idx_phi, i + 1] - state[idx_phi, i + 2]) * inv12dx
            dhrr = (state[idx_hrr, i - 2] - 8.0 * state[idx_hrr, i - 1]
                    + 8.0 * state[idx_hrr, i + 1] - state[idx_hrr, i + 2]) * inv12dx
            dhtt = (state[idx_htt, i - 2] - 8.0 * state[idx_htt, i - 1]
                    + 8.0 * state[idx_htt, i + 1] - state[idx_htt, i + 2]) * inv12dx
            dhpp = (state[idx_hpp, i - 2] - 8.0 * state[idx_hpp, i - 1]
                    + 8.0 * state[idx_hpp, i + 1] - state[idx_hpp, i + 2]) * inv12dx
            dalpha = (state[idx_lapse, i - 2] - 8.0 * state[idx_lapse, i - 1]
                      + 8.0 * state[idx_lapse, i + 1] - state[idx_lapse, i + 2]) * inv12dx
            dbeta = (state[idx_shiftr, i - 2] - 8.0 * state[idx_shiftr, i - 1]
                     + 8.0 * state[idx_shiftr, i + 1] - state[idx_shiftr, i + 2]) * inv12dx
        else:
            dphi = dhrr = dhtt = dhpp = dalpha = dbeta = 0.0
        (gc[0, i], gc[1, i], gc[2, i], gc[3, i], gc[4, i], gc[5, i], gc[6, i], gc[7, i],
         gc[8, i], gc[9, i]) = cell_geometry_point(
            state[idx_phi, i], hrr, htt, htt, state[idx_K, i], state[idx_arr, i],
            state[idx_att, i], state[idx_app, i], state[idx_lapse, i], state[idx_shiftr, i],
            dphi, dhrr, dhtt, dhpp, dalpha, dbeta)
    # faces: 5-point Lagrange values of alpha, beta^r, gamma_rr and phi
    for k in prange(n - 1):
        if k == 0:
            j0, w = 0, FACE_W_FIRST
        elif k == 1:
            j0, w = 0, FACE_W_SECOND
        elif k == n - 2:
            j0, w = n - 5, FACE_W_LAST
        else:
            j0, w = k - 2, FACE_W_INTERIOR
        a = 0.0
        b = 0.0
        g = 0.0
        p = 0.0
        for m in range(5):
            a += w[m] * state[idx_lapse, j0 + m]
            b += w[m] * state[idx_shiftr, j0 + m]
            g += w[m] * gc[G_GRR, j0 + m]
            p += w[m] * state[idx_phi, j0 + m]
        gf[F_ALPHA, k] = a
        gf[F_BETA, k] = b
        gf[F_GRR, k] = g
        gf[F_E6PHI, k] = math.exp(6.0 * p)


@njit(cache=True, error_model="numpy", inline="always")
def _matter_pass(state, prim, gc, matter):
    """Matter sources of every cell from the primitives of this RHS evaluation."""
    n = state.shape[1]
    for i in prange(n):
        _, htt = enforce_det_gamma_bar(state[idx_hrr, i], state[idx_htt, i],
                                       state[idx_hpp, i])
        gamma_tt_over_r2 = math.exp(4.0 * state[idx_phi, i]) * (1.0 + htt)
        (matter[M_RHO, i], matter[M_SR, i], matter[M_SRR, i], matter[M_STT_OVER_R2, i],
         matter[M_S, i]) = stress_energy_point(prim[0, i], prim[1, i], prim[2, i],
                                               prim[4, i], prim[5, i], gc[G_GRR, i],
                                               gamma_tt_over_r2)


@njit(cache=True, error_model="numpy")
def fill_bssn_rhs_ghosts(state, rhs, r, dx, outer_bc, background):
    """Ghost columns of the BSSN rows of ``rhs``: outer by the radiative condition or the
    reference's power-law extrapolation of the RHS, then inner parity.

    Radiative (Sommerfeld) condition for the departure from the initial data ``background``
    (the exact exterior of the star): every row behaves as f = f_0(r) + u(t - r/v)/r, i.e.

        d_t f = -v [ d_r (f - f_0) + (f - f_0) / r ]

    at the three outer ghosts, d_r by the 4th-order backward stencil. The asymptotically
    flat form f_0 = f_inf (1 for the lapse, 0 otherwise; MBM 2014 Sec. IV C) leaves a
    source of O(M^2 / r^3) on the static exterior (its 1/r^2 terms are not outgoing waves)
    that makes the lapse drift; measured from the static initial exterior, a static star
    stays static and outgoing gauge and matter waves still leave the grid.
    """
    n = state.shape[1]
    last = n - NUM_GHOSTS - 1
    inv12dx = 1.0 / (12.0 * dx)
    for v in range(NUM_BSSN_VARS):
        for i in range(last + 1, n):
            if outer_bc == OUTER_SOMMERFELD:
                d0 = state[v, i] - background[v, i]
                d1 = state[v, i - 1] - background[v, i - 1]
                d2 = state[v, i - 2] - background[v, i - 2]
                d3 = state[v, i - 3] - background[v, i - 3]
                d4 = state[v, i - 4] - background[v, i - 4]
                ddr = (25.0 * d0 - 48.0 * d1 + 36.0 * d2 - 16.0 * d3 + 3.0 * d4) * inv12dx
                rhs[v, i] = -SOMMERFELD_SPEED[v] * (ddr + d0 / r[i])
            else:
                p = BSSN_ASYMP_POWER[v]
                rhs[v, i] = rhs[v, last] * (r[last] / r[i]) ** abs(p)
        s = BSSN_PARITY[v]
        for i in range(NUM_GHOSTS):
            rhs[v, i] = s * rhs[v, 2 * NUM_GHOSTS - 1 - i]


@njit(cache=True, error_model="numpy")
def fill_state_ghosts(state):
    """Once per step: inner parity of every row and the hydro rows' outer copy (the BSSN
    rows' outer ghosts are evolved, not filled)."""
    for v in range(NUM_BSSN_VARS):
        s = BSSN_PARITY[v]
        for i in range(NUM_GHOSTS):
            state[v, i] = s * state[v, 2 * NUM_GHOSTS - 1 - i]
    fill_hydro_ghosts(state[NUM_BSSN_VARS:])


@njit(cache=True, error_model="numpy", inline="always")
def _dynamic_rhs_passes(U, rhs, prim, status, vacuum, flux, gc, gf, matter, r, dx, recon,
                        solver, formulation, eos, atm, c2p_method, tol,
                        max_iter, bssn, outer_bc, background, frozen_matter):
    """One dynamic RHS evaluation of the (15, N) state ``U`` into ``rhs`` (ghosts
    included): geometry, hydro, matter sources, BSSN, boundaries.

    ``frozen_matter`` (the "hydro-without-hydro" test): the hydro rows are not evolved
    (zero RHS) and ``matter`` keeps the sources it holds (those of the initial data).
    ``bssn`` = (eta, ham_damping): the Gamma-driver damping and kappa_H of the Hamiltonian-
    constraint damping (``source.bssn.bssnrhs``)."""
    _geometry_pass(U, dx, gc, gf)
    if frozen_matter:
        for v in range(NUM_BSSN_VARS, U.shape[0]):
            for i in range(U.shape[1]):
                rhs[v, i] = 0.0
    else:
        _rhs_passes(U[NUM_BSSN_VARS:], rhs[NUM_BSSN_VARS:], prim, status, vacuum, flux, gc,
                    gf, dx, recon, solver, formulation, eos, atm, c2p_method,
                    tol, max_iter)
        _matter_pass(U, prim, gc, matter)
    eta, ham_damping = bssn
    bssn_rhs_pass(U, r, dx, matter, eta, rhs, 1.0, ham_damping)
    fill_bssn_rhs_ghosts(U, rhs, r, dx, outer_bc, background)


@njit(cache=True, error_model="numpy")
def _dynamic_rhs_serial(U, rhs, prim, status, vacuum, flux, gc, gf, matter, r, dx, recon,
                        solver, formulation, eos, atm, c2p_method, tol,
                        max_iter, bssn, outer_bc, background, frozen_matter):
    _dynamic_rhs_passes(U, rhs, prim, status, vacuum, flux, gc, gf, matter, r, dx, recon,
                        solver, formulation, eos, atm, c2p_method, tol,
                        max_iter, bssn, outer_bc, background, frozen_matter)


@njit(cache=True, parallel=True, error_model="numpy")
def _dynamic_rhs_parallel(U, rhs, prim, status, vacuum, flux, gc, gf, matter, r, dx, recon,
                          solver, formulation, eos, atm, c2p_method, tol,
                          max_iter, bssn, outer_bc, background, frozen_matter):
    _dynamic_rhs_passes(U, rhs, prim, status, vacuum, flux, gc, gf, matter, r, dx, recon,
                        solver, formulation, eos, atm, c2p_method, tol,
                        max_iter, bssn, outer_bc, background, frozen_matter)


def dynamic_rhs(U, rhs, prim, status, vacuum, flux, gc, gf, matter, r, dx, recon, solver,
                formulation, eos, atm, c2p_method, tol, max_iter, eta,
                ham_damping, outer_bc, background, frozen_matter, use_parallel):
    """Dynamic RHS of the (15, N) state ``U`` into ``rhs`` (ghosts included); the work
    arrays are those of ``fused.fused_rhs`` plus ``matter`` (5, N) and the geometry
    ``gc``/``gf``, which are overwritten with the metric of ``U``; ``eta`` the Gamma-driver
    damping, ``ham_damping`` kappa_H of the Hamiltonian-constraint damping."""
    kernel = _dynamic_rhs_parallel if use_parallel else _dynamic_rhs_serial
    bssn = (float(eta), float(ham_damping))
    kernel(U, rhs, prim, status, vacuum, flux, gc, gf, matter, r, dx, recon, solver,
           formulation, eos, atm, c2p_method, tol, max_iter, bssn, outer_bc,
           background, frozen_matter)


@njit(cache=True, error_model="numpy")
def conformal_metric_of_state(U, out):
    """The working copy of the BSSN rows of ``U`` used by the right-hand side: h_rr, h_tt,
    h_pp rescaled to det(gamma-bar) = det(gamma-hat) (``enforce_det_gamma_bar``; h_pp = h_tt
    in spherical symmetry), written into ``out`` (12, N)."""
    for v in range(NUM_BSSN_VARS):
        for i in range(U.shape[1]):
            out[v, i] = U[v, i]
    for i in range(U.shape[1]):
        hrr, htt = enforce_det_gamma_bar(U[idx_hrr, i], U[idx_htt, i], U[idx_hpp, i])
        out[idx_hrr, i] = hrr
        out[idx_htt, i] = htt
        out[idx_hpp, i] = htt


@njit(cache=True, error_model="numpy")
def geometry_of_state(U, dx, gc, gf):
    """The packed geometry (metric rows of ``gc``, ``gf``) of the state ``U``."""
    _geometry_pass(U, dx, gc, gf)


@njit(cache=True, error_model="numpy")
def record_dynamic_diagnostics(U, r, dx, gc, gf, eos, atm, tol, max_iter,
                               r_star, prim_diag, status_diag, matter, ham, mom, theta, t,
                               row):
    """Columns 0-5 and 10-15 of ``DYNAMIC_TS_FIELDS`` from the (15, N) state ``U`` (own
    primitives, Kastaun: diagnostics never feed back into the evolution). The "star"
    norms are over the cells with r < ``r_star`` (the initial star less its surface
    layer, where the constraints carry the surface's truncation error)."""
    n = U.shape[1]
    _geometry_pass(U, dx, gc, gf)
    H = U[NUM_BSSN_VARS:]
    record_diagnostics(H, gc, t, eos, atm, tol, max_iter, prim_diag, row)
    _c2p_pass(H, prim_diag, status_diag, gc, eos, atm, 0, tol, max_iter)
    _matter_pass(U, prim_diag, gc, matter)
    constraints(U, r, dx, matter, ham, mom)
    h2 = 0.0
    m2 = 0.0
    hmax = 0.0
    count = 0
    for i in range(NUM_GHOSTS, n - NUM_GHOSTS):
        a = abs(ham[i])
        if a > hmax:
            hmax = a
        if r[i] < r_star:
            h2 += ham[i] * ham[i]
            m2 += mom[i] * mom[i]
            count += 1
    row[10] = U[idx_lapse, NUM_GHOSTS]
    row[11] = U[idx_K, NUM_GHOSTS]
    row[12] = math.sqrt(h2 / max(count, 1))
    row[13] = hmax
    row[14] = math.sqrt(m2 / max(count, 1))
    # ADM mass: Misner-Sharp mass at the outermost cell whose stencil avoids the outer ghosts
    j = n - 2 * NUM_GHOSTS
    inv12dx = 1.0 / (12.0 * dx)
    dphi = (U[idx_phi, j - 2] - 8.0 * U[idx_phi, j - 1] + 8.0 * U[idx_phi, j + 1]
            - U[idx_phi, j + 2]) * inv12dx
    dhtt = (U[idx_htt, j - 2] - 8.0 * U[idx_htt, j - 1] + 8.0 * U[idx_htt, j + 1]
            - U[idx_htt, j + 2]) * inv12dx
    row[15] = misner_sharp_mass_pointwise(r[j], U[idx_phi, j], dphi, U[idx_hrr, j],
                                          U[idx_htt, j], dhtt, U[idx_att, j], U[idx_K, j])
    found, r_ah, R_ah = apparent_horizon(U, r, dx, theta)
    row[16] = 1.0 if found else 0.0
    row[17] = r_ah
    row[18] = R_ah
    row[19] = 0.5 * R_ah


@njit(cache=True, error_model="numpy", inline="always")
def _cubic(x0, x1, x2, x3, y0, y1, y2, y3, x):
    """Lagrange interpolation through four points."""
    return (y0 * (x - x1) * (x - x2) * (x - x3) / ((x0 - x1) * (x0 - x2) * (x0 - x3))
            + y1 * (x - x0) * (x - x2) * (x - x3) / ((x1 - x0) * (x1 - x2) * (x1 - x3))
            + y2 * (x - x0) * (x - x1) * (x - x3) / ((x2 - x0) * (x2 - x1) * (x2 - x3))
            + y3 * (x - x0) * (x - x1) * (x - x2) / ((x3 - x0) * (x3 - x1) * (x3 - x2)))


@njit(cache=True, error_model="numpy")
def apparent_horizon(U, r, dx, theta):
    """Apparent horizon of the state ``U``: the outermost zero, going from trapped (Theta < 0)
    inside to untrapped outside, of the expansion Theta of the outgoing null normals of the
    coordinate spheres (``ahfinder.expansion_pointwise``, Ruchlin, Etienne & Baumgarte 2018
    eq. 49; ``theta`` (N) receives it). The zero is refined on a cubic through the four
    cells around the sign change (bisection), the areal radius R = e^{2 phi} r sqrt(1 + h_tt)
    interpolated there; the irreducible mass is R/2. Returns (found, r_AH, R_AH), NaN when
    no horizon is found. (``ahfinder.find_apparent_horizon`` is the same search with a
    quintic, for post-processing.)"""
    n = U.shape[1]
    inv12dx = 1.0 / (12.0 * dx)
    for i in range(n):
        theta[i] = np.nan
    for i in range(NUM_GHOSTS, n - NUM_GHOSTS):
        dphi = (U[idx_phi, i - 2] - 8.0 * U[idx_phi, i - 1] + 8.0 * U[idx_phi, i + 1]
                - U[idx_phi, i + 2]) * inv12dx
        dhtt = (U[idx_htt, i - 2] - 8.0 * U[idx_htt, i - 1] + 8.0 * U[idx_htt, i + 1]
                - U[idx_htt, i + 2]) * inv12dx
        theta[i] = expansion_pointwise(r[i], U[idx_phi, i], dphi, U[idx_hrr, i],
                                       U[idx_htt, i], dhtt, U[idx_att, i], U[idx_K, i])
    lo = NUM_GHOSTS + 1
    hi = n - NUM_GHOSTS - 3
    for i in range(hi, lo - 1, -1):
        if theta[i] < 0.0 <= theta[i + 1]:
            x0, x1, x2, x3 = r[i - 1], r[i], r[i + 1], r[i + 2]
            y0, y1, y2, y3 = theta[i - 1], theta[i], theta[i + 1], theta[i + 2]
            a, b = x1, x2
            for _ in range(60):
                m = 0.5 * (a + b)
                if _cubic(x0, x1, x2, x3, y0, y1, y2, y3, m) < 0.0:
                    a = m
                else:
                    b = m
            root = 0.5 * (a + b)
            areal = np.empty(4)
            for k in range(4):
                c = i - 1 + k
                areal[k] = math.exp(2.0 * U[idx_phi, c]) * r[c] * math.sqrt(1.0 + U[idx_htt, c])
            R = _cubic(x0, x1, x2, x3, areal[0], areal[1], areal[2], areal[3], root)
            return True, root, R
    return False, np.nan, np.nan


def _dynamic_scheme(recon, solver, formulation, c2p_method):
    """The body of ``rk4_chunk`` for one scheme: the method ids are constants of the closure,
    so Numba prunes the other methods' branches (in the inlined passes) before typing, as in
    ``fused._rk4_scheme``."""

    # (CPython 3.11 compiles a call with more than 30 arguments as f(*args), which Numba
    # cannot inline: the other choices come as small tuples.)
    def dynamic_steps(U, step0, dt, num_steps, record_every, r, gc, gf, dx, scheme, eos, atm,
                      tol, bssn, background, r_star, prim, work, flux, status, matter, diag,
                      ts, books, stop_on_c2p_failure, offset, outflow_eq):
        """``scheme`` = (max_iter, outer_bc, frozen_matter, well_balanced), ``eos`` the EOS's
        ``EOSKernelParams``, ``bssn`` = (eta, ham_damping); ``offset`` and ``outflow_eq``
        those of ``fused.rk4_chunk``."""
        max_iter, outer_bc, frozen, balanced = scheme
        k1, k2, k3, k4, Y, U_prev = work[0], work[1], work[2], work[3], work[4], work[5]
        n = U.shape[1]
        face_out = n - NUM_GHOSTS - 1
        vacuum = np.empty(n, dtype=np.bool_)
        e6phi = np.empty(n)
        prim_diag = np.empty((6, n))
        status_diag = np.empty(n, dtype=np.int8)
        # int64, not literal: callees typed with Literal[int](0) would be compiled twice
        rows = np.int64(0)
        for step in range(num_steps):
            fill_state_ghosts(U)
            copy_rows(U, U_prev)
            first = 0                   # first cell outside the excised region
            while first < n and r[first] < books[4]:
                first += 1
            nfail, bad, fsum = np.int64(0), np.int64(-1), 0.0
            for stage in range(4):
                src = U if stage == 0 else Y
                k = (k1, k2, k3, k4)[stage]
                _dynamic_rhs_passes(src, k, prim, status, vacuum, flux, gc, gf, matter, r, dx,
                                    recon, solver, formulation, eos, atm,
                                    c2p_method, tol, max_iter, bssn, outer_bc, background,
                                    frozen != 0)
                if balanced != 0:
                    # d_t U = L_h(U) - L_h(U_eq), every row; mass books: F - F_eq at the face
                    subtract_equilibrium(k, offset)
                    outflow = flux[0, face_out] - outflow_eq
                else:
                    outflow = flux[0, face_out]
                nfail, bad = count_failures(status, nfail, bad, first)
                fsum += (1.0 if stage == 0 or stage == 3 else 2.0) * outflow
                if stage < 3:
                    axpy(Y, U, (0.5 if stage < 2 else 1.0) * dt, k)
            rk4_combine(U, dt, k1, k2, k3, k4)
            for i in range(n):
                e6phi[i] = math.exp(6.0 * U[idx_phi, i])
            code, cell = end_step(U, U_prev, NUM_BSSN_VARS, e6phi, gc[G_VOLUME],
                                  gf[F_AREA, face_out], atm, dt, fsum, nfail, bad,
                                  stop_on_c2p_failure, books, first)
            if code != RUN_OK:
                return code, step, rows, cell
            if (step + 1) % record_every == 0:
                row = ts[rows]
                record_dynamic_diagnostics(U, r, dx, gc, gf, eos, atm, tol,
                                           max_iter, r_star, prim_diag, status_diag, matter,
                                           diag[0], diag[1], diag[2], (step0 + step + 1) * dt,
                                           row)
                if row[16] > 0.0:   # excise the matter well inside the horizon from now on
                    books[4] = EXCISION_FRACTION * row[17]
                for j in range(4):
                    row[6 + j] = books[j]
                row[20] = books[5]
                books[2] = 0.0
                books[3] = 0.0
                rows += 1
        return RUN_OK, num_steps, rows, -1


    return dynamic_steps


@functools.cache
def _dynamic_driver(recon, solver, formulation, c2p_method, parallel):
    """The compiled dynamic driver of one scheme and build, made on first use (the name
    keys Numba's on-disk cache; see ``fused._rk4_driver``)."""
    build = "parallel" if parallel else "serial"
    name = f"_dynamic_chunk_{build}_r{recon}_s{solver}_f{formulation}_c{c2p_method}"
    return _build(_dynamic_scheme(recon, solver, formulation, c2p_method), name, cache=True,
                  parallel=parallel, error_model="numpy")


def rk4_chunk(U, step0, dt, num_steps, record_every, r, gc, gf, dx, recon, solver,
              formulation, eos, atm, c2p_method, tol, max_iter, eta,
              ham_damping, outer_bc, background, frozen_matter, r_star, use_parallel, prim,
              work, flux, status, matter, diag, ts, books, stop_on_c2p_failure,
              well_balanced=False, offset=None, outflow_eq=0.0):
    """Advance the (15, N) state ``U`` by up to ``num_steps`` RK4 steps, in place (the
    dynamic counterpart of ``fused.rk4_chunk``; same return values).

    ``work`` (6, 15, N): k1..k4, stage state, previous state; ``matter`` (5, N);
    ``diag`` (3, N): Hamiltonian and momentum constraints and the expansion of the last
    recorded row; ``books`` (6,): the Cowling books, the excision radius and the mass
    excised;
    ``ts`` rows of ``NUM_TS_DYNAMIC`` columns; ``background`` (12, N): the initial BSSN
    rows (radiative outer condition); ``eta`` the Gamma-driver damping, ``ham_damping``
    kappa_H of the Hamiltonian-constraint damping (``source.bssn.bssnrhs``);
    ``well_balanced``, ``offset`` (15, N) = L_h(U_eq), ``outflow_eq``: the well-balanced
    scheme (``fused.subtract_equilibrium``; a run-time flag here, one driver for both).
    """
    driver = _dynamic_driver(int(recon), int(solver), int(formulation), int(c2p_method),
                             bool(use_parallel))
    scheme = (int(max_iter), int(outer_bc), int(bool(frozen_matter)), int(bool(well_balanced)))
    if offset is None:
        offset = np.zeros((0, 0))
    return driver(U, step0, dt, num_steps, record_every, r, gc, gf, dx, scheme,
                  eos, atm, tol,
                  (float(eta), float(ham_damping)), background,
                  float(r_star), prim, work, flux, status, matter, diag, ts, books,
                  stop_on_c2p_failure, offset, float(outflow_eq))
