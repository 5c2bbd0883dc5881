"""The fast path of the dynamic mode: the star coupled to BSSN, fused kernels over the
whole (15, N) state and the mode's hooks of the compiled RK4 driver
(``integrator.rk4_driver``).

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

The hooks (``DYNAMIC_HOOKS``): the state's inner ghosts and the hydro rows' outer ghosts
are filled once per step (linear maps, exact because the RHS ghosts carry the same maps);
the BSSN rows' outer ghosts are evolved by their boundary RHS and never refilled. Matter
well inside an apparent horizon is excised (``EXCISION_FRACTION``). With the well-balanced
scheme every stage's RHS, all 15 rows and their ghosts, is less that of the unperturbed star
(``integrator.subtract_equilibrium``; at the outer BSSN ghosts the radiative condition of
U_eq is exactly zero, U_eq being its background, the extrapolated RHS is not).
"""

import math
from collections import namedtuple

import numpy as np
from numba import prange

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
from source.jit import inline_kernel, kernel, parallel_kernel
from source.matter.hydro.geometry import (
    F_ALPHA,
    F_BETA,
    F_E6PHI,
    F_GRR,
    FACE_W_FIRST,
    FACE_W_INTERIOR,
    FACE_W_LAST,
    FACE_W_SECOND,
    G_GRR,
    RadialDerivatives,
    cell_geometry_point,
)
from source.matter.hydro.perfect_fluid import stress_energy_point

from .columns import BOOK, COL
from .fused import _c2p_pass, cowling_rhs_passes, fill_hydro_ghosts, record_diagnostics
from .integrator import ModeHooks

OUTER_SOMMERFELD = 0
OUTER_BC = {"sommerfeld": OUTER_SOMMERFELD, "extrapolation": 1}

# Matter inside this fraction of the apparent horizon's coordinate radius is replaced by
# atmosphere after every step once a horizon has been found (its rest mass is booked with
# the atmosphere resets): it is causally disconnected from the exterior, and the hydro of
# the collapsing core (rho0 -> infinity, alpha -> 0) would otherwise stop the run through
# cons2prim failures. The horizon itself, and the metric inside it, evolve untouched.
EXCISION_FRACTION = 0.8

#: What the dynamic RHS reads besides the EOS and atmosphere tuples: the packed geometry
#: ``gc``/``gf`` (its metric rows are recomputed from the BSSN rows at every stage), the
#: fields of ``fused.CowlingModel``, the
#: cell centres ``r``, the Gamma-driver damping ``eta`` and the Hamiltonian-constraint
#: damping ``ham_damping`` (``source.bssn.bssnrhs``), the outer condition of the BSSN rows
#: (``OUTER_BC``) and the initial BSSN rows it keeps (``background``), the radius of the
#: constraint norms "in the star" (``r_star``), and ``frozen_matter`` (the hydro rows are
#: not evolved and the matter sources are those ``work.matter`` holds).
DynamicModel = namedtuple("DynamicModel", ("gc", "gf", "dx", "tol", "max_iter", "r", "eta",
                                           "ham_damping", "outer_bc", "background", "r_star",
                                           "frozen_matter"))

#: Work arrays of the dynamic kernels: those of ``fused.CowlingWork`` (``stages`` over the
#: 15 rows), the matter sources ``matter`` (5, N), ``diag`` (3, N): the Hamiltonian and
#: momentum constraints and the expansion of the last recorded row, ``e6phi`` (N) of the new
#: state, and the diagnostics' own primitives and c2p status.
DynamicWork = namedtuple("DynamicWork", ("stages", "prim", "flux", "status", "vacuum",
                                         "matter", "diag", "e6phi", "prim_diag",
                                         "status_diag"))


def dynamic_work(rows, n, diag=None):
    """Zeroed ``DynamicWork`` for ``rows`` evolved rows and N = ``n`` cells (``diag``: the
    array to use, e.g. a stepper's)."""
    return DynamicWork(np.zeros((6, rows, n)), np.zeros((6, n)), np.zeros((3, n - 1)),
                       np.zeros(n, dtype=np.int8), np.zeros(n, dtype=np.bool_),
                       np.zeros((5, n)), np.zeros((3, n)) if diag is None else diag,
                       np.zeros(n), np.zeros((6, n)), np.zeros(n, dtype=np.int8))


# Radiative condition: speeds. The lapse and K carry the 1+log gauge mode, whose speed tends
# to sqrt(2) far out; everything else propagates at the speed of light (the Gamma-driver's
# longitudinal speed also tends to 1).
SOMMERFELD_SPEED = np.ones(NUM_BSSN_VARS)
SOMMERFELD_SPEED[idx_lapse] = math.sqrt(2.0)
SOMMERFELD_SPEED[idx_K] = math.sqrt(2.0)


@inline_kernel
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
            RadialDerivatives(dphi, dhrr, dhtt, dhpp, dalpha, dbeta))
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


@inline_kernel
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


@kernel
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


@kernel
def fill_state_ghosts(state):
    """Once per step: inner parity of every row and the hydro rows' outer copy (the BSSN
    rows' outer ghosts are evolved, not filled)."""
    for v in range(NUM_BSSN_VARS):
        s = BSSN_PARITY[v]
        for i in range(NUM_GHOSTS):
            state[v, i] = s * state[v, 2 * NUM_GHOSTS - 1 - i]
    fill_hydro_ghosts(state[NUM_BSSN_VARS:])


@inline_kernel
def dynamic_rhs_passes(U, rhs, model, work, eos, atm, recon, solver, formulation,
                       c2p_method):
    """One dynamic RHS evaluation of the (15, N) state ``U`` into ``rhs`` (ghosts
    included): geometry, hydro, matter sources, BSSN, boundaries (``model``:
    ``DynamicModel``, whose ``gc``/``gf`` receive the metric of ``U``; ``work``:
    ``DynamicWork``; ``eos``, ``atm``: the EOS and atmosphere tuples). The dynamic stage
    RHS of the RK4 driver.

    ``model.frozen_matter`` (the "hydro-without-hydro" test): the hydro rows are not
    evolved (zero RHS) and ``work.matter`` keeps the sources it holds (those of the initial
    data)."""
    _geometry_pass(U, model.dx, model.gc, model.gf)
    if model.frozen_matter:
        for v in range(NUM_BSSN_VARS, U.shape[0]):
            for i in range(U.shape[1]):
                rhs[v, i] = 0.0
    else:
        cowling_rhs_passes(U[NUM_BSSN_VARS:], rhs[NUM_BSSN_VARS:], model, work, eos, atm,
                           recon, solver, formulation, c2p_method)
        _matter_pass(U, work.prim, model.gc, work.matter)
    bssn_rhs_pass(U, model.r, model.dx, work.matter, model.eta, rhs, 1.0, model.ham_damping)
    fill_bssn_rhs_ghosts(U, rhs, model.r, model.dx, model.outer_bc, model.background)


@kernel
def _dynamic_rhs_serial(U, rhs, model, work, eos, atm, recon, solver, formulation,
                        c2p_method):
    dynamic_rhs_passes(U, rhs, model, work, eos, atm, recon, solver, formulation, c2p_method)


@parallel_kernel
def _dynamic_rhs_parallel(U, rhs, model, work, eos, atm, recon, solver, formulation,
                          c2p_method):
    dynamic_rhs_passes(U, rhs, model, work, eos, atm, recon, solver, formulation, c2p_method)


def dynamic_rhs(U, rhs, model, work, eos, atm, scheme, use_parallel):
    """Dynamic RHS of the (15, N) state ``U`` into ``rhs`` (ghosts included); the
    counterpart of ``fused.fused_rhs`` (``model``: ``DynamicModel``, whose geometry
    ``gc``/``gf`` is overwritten with the metric of ``U``; ``work``: ``DynamicWork``)."""
    kernel = _dynamic_rhs_parallel if use_parallel else _dynamic_rhs_serial
    kernel(U, rhs, model, work, eos, atm, int(scheme.recon), int(scheme.solver),
           int(scheme.formulation), int(scheme.c2p_method))


@kernel
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


@kernel
def geometry_of_state(U, dx, gc, gf):
    """The packed geometry (metric rows of ``gc``, ``gf``) of the state ``U``."""
    _geometry_pass(U, dx, gc, gf)


@kernel
def record_dynamic_diagnostics(U, t, row, model, work, eos, atm):
    """The diagnostic columns of a dynamic time-series row (``columns.DYNAMIC_TS_FIELDS``:
    those of ``fused.record_diagnostics``, the centre, constraints, ADM mass and apparent
    horizon; not the books) from the (15, N) state ``U`` at time ``t`` (own primitives
    ``work.prim_diag``, Kastaun: diagnostics never feed back into the evolution; the
    geometry ``model.gc``/``gf`` and ``work.matter`` are overwritten; ``work.diag`` receives
    the constraints and the expansion). The "star" norms are over the cells with r <
    ``model.r_star`` (the initial star less its surface layer, where the constraints carry
    the surface's truncation error)."""
    n = U.shape[1]
    r, dx, gc, gf = model.r, model.dx, model.gc, model.gf
    tol, max_iter, r_star = model.tol, model.max_iter, model.r_star
    prim_diag, status_diag, matter = work.prim_diag, work.status_diag, work.matter
    ham, mom, theta = work.diag[0], work.diag[1], work.diag[2]
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
    row[COL.alpha_c] = U[idx_lapse, NUM_GHOSTS]
    row[COL.K_c] = U[idx_K, NUM_GHOSTS]
    row[COL.ham_l2_star] = math.sqrt(h2 / max(count, 1))
    row[COL.ham_max] = hmax
    row[COL.mom_l2_star] = math.sqrt(m2 / max(count, 1))
    # ADM mass: Misner-Sharp mass at the outermost cell whose stencil avoids the outer ghosts
    j = n - 2 * NUM_GHOSTS
    inv12dx = 1.0 / (12.0 * dx)
    dphi = (U[idx_phi, j - 2] - 8.0 * U[idx_phi, j - 1] + 8.0 * U[idx_phi, j + 1]
            - U[idx_phi, j + 2]) * inv12dx
    dhtt = (U[idx_htt, j - 2] - 8.0 * U[idx_htt, j - 1] + 8.0 * U[idx_htt, j + 1]
            - U[idx_htt, j + 2]) * inv12dx
    row[COL.adm_mass] = misner_sharp_mass_pointwise(r[j], U[idx_phi, j], dphi, U[idx_hrr, j],
                                          U[idx_htt, j], dhtt, U[idx_att, j], U[idx_K, j])
    found, r_ah, R_ah = apparent_horizon(U, r, dx, theta)
    row[COL.ah_found] = 1.0 if found else 0.0
    row[COL.ah_radius] = r_ah
    row[COL.ah_areal_radius] = R_ah
    row[COL.ah_mass] = 0.5 * R_ah


@inline_kernel
def _cubic(x0, x1, x2, x3, y0, y1, y2, y3, x):
    """Lagrange interpolation through four points."""
    return (y0 * (x - x1) * (x - x2) * (x - x3) / ((x0 - x1) * (x0 - x2) * (x0 - x3))
            + y1 * (x - x0) * (x - x2) * (x - x3) / ((x1 - x0) * (x1 - x2) * (x1 - x3))
            + y2 * (x - x0) * (x - x1) * (x - x3) / ((x2 - x0) * (x2 - x1) * (x2 - x3))
            + y3 * (x - x0) * (x - x1) * (x - x2) / ((x3 - x0) * (x3 - x1) * (x3 - x2)))


@kernel
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


# ---------------------------------------------------------------------------------------
# The dynamic mode's hooks of the RK4 driver (``integrator.ModeHooks``)
# ---------------------------------------------------------------------------------------
@inline_kernel
def _first_outside_excision(model, books):
    """The first cell outside the excision radius (``books``; 0 until a horizon is found)."""
    r = model.r
    first = 0
    while first < r.shape[0] and r[first] < books[BOOK.excision_radius]:
        first += 1
    return first


@inline_kernel
def _evolved_densitisation(U, model, work):
    """e^{6 phi} of the new state, into ``work.e6phi``."""
    e6phi = work.e6phi
    for i in range(U.shape[1]):
        e6phi[i] = math.exp(6.0 * U[idx_phi, i])
    return e6phi


@inline_kernel
def _record_dynamic_row(U, t, row, books, model, work, eos, atm):
    record_dynamic_diagnostics(U, t, row, model, work, eos, atm)
    if row[COL.ah_found] > 0.0:   # excise the matter well inside the horizon from now on
        books[BOOK.excision_radius] = EXCISION_FRACTION * row[COL.ah_radius]
    row[COL.mass_excised] = books[BOOK.mass_excised]


DYNAMIC_HOOKS = ModeHooks(fill_step_ghosts=fill_state_ghosts,
                          first_live_cell=_first_outside_excision,
                          stage_rhs=dynamic_rhs_passes, densitisation=_evolved_densitisation,
                          record_row=_record_dynamic_row)
