"""Valencia GRHD right-hand side in the reference-metric form, spherical symmetry.

Montero, Baumgarte & Mueller 2014 (MBM, PRD 89, 084043, arXiv:1309.7808), Sec. III:
densitised conserved variables q~ = e^{6 phi} q, radial fluxes F~ (``riemann.physical_flux``),
connection terms from the flat spherical reference metric and the geometric sources

    s_tau = alpha e^{6phi} [K_rr B + P (K^th_th + K^ph_ph) - (T^00 beta^r + T^0r) d_r alpha]
    s_S   = alpha e^{6phi} [-T^00 alpha d_r alpha + T^0_r d_r beta^r
                            + (B hatD_r gamma_rr + P (hatD_r gamma_thth/gamma_thth + ...)) / 2]

with B = T^00 (beta^r)^2 + 2 T^0r beta^r + T^rr (MBM eqs. 34, 47; 1-D reduction in the spec).

Two discretisations of the divergence are available (``formulation``):

* ``"partial"`` (default) - MBM's final choice ("partial approach", their Sec. III C): the
  continuity and energy equations in the original Valencia (finite-volume) form,
  d q~_i/dt = -(A_{i+1/2} F_{i+1/2} - A_{i-1/2} F_{i-1/2}) / V_i with A = r^2 and
  V_i = (r_{i+1/2}^3 - r_{i-1/2}^3)/3, so the rest mass sum_i 4 pi V_i D~_i changes only by
  the flux through the outer face (and atmosphere resets): conserved to round-off.
  The Euler equation keeps the reference-metric form below.
* ``"full"`` - the reference code: every equation as
  d q~_i/dt = -(F_{i+1/2} - F_{i-1/2})/dr - (2/r_i) F~(i) [+ (2/r_i) alpha e^{6phi} P for S]
  with the connection terms evaluated from cell-centre fluxes (not conservative).
"""

import numpy as np

from source.core.spacing import NUM_GHOSTS
from source.jit import kernel
from source.matter.eos.eos import eos_density_of_variable, eos_density_variable

from .cons2prim import C2P_ATMOSPHERE
from .geometry import G_TWO_OVER_R, G_VOLUME, CellMetric, cell_metric
from .reconstruction import reconstruct_array
from .riemann import (
    _flux_from_transport,
    face_fluxes_array,
    limit_face_state,
    velocity_from_wv,
)

FORM_FULL = 0
FORM_PARTIAL = 1
FORMULATIONS = {"full": FORM_FULL, "partial": FORM_PARTIAL}


@kernel
def _source_terms(rho0, vr, press, W, h, inv_alpha, vt, metric):
    """Geometric sources (s_S, s_tau) of one cell with the metric ``metric``
    (``geometry.CellMetric``), 1/alpha and the transport velocity v^r - beta^r/alpha."""
    (alpha, beta_r, gamma_rr, e6phi, dalpha_dr, dbeta_dr, hatD_gamma_rr, dlog_gamma_ang, K_rr,
     K_ang_mixed) = metric
    rhohW2 = rho0 * h * W * W
    inv_a2 = inv_alpha * inv_alpha
    T00 = (rhohW2 - press) * inv_a2
    T0r = rhohW2 * vt * inv_alpha + press * beta_r * inv_a2
    Trr = rhohW2 * vt * vt + press * (1.0 / gamma_rr - beta_r * beta_r * inv_a2)
    T0_r = rhohW2 * gamma_rr * vr * inv_alpha
    B = T00 * beta_r * beta_r + 2.0 * T0r * beta_r + Trr
    a6 = alpha * e6phi
    s_tau = a6 * (K_rr * B + press * K_ang_mixed - (T00 * beta_r + T0r) * dalpha_dr)
    s_S = a6 * (-T00 * alpha * dalpha_dr + T0_r * dbeta_dr
                + 0.5 * (B * hatD_gamma_rr + press * dlog_gamma_ang))
    return s_S, s_tau


@kernel
def source_terms(rho0, vr, press, W, h, alpha, beta_r, gamma_rr, e6phi, dalpha_dr, dbeta_dr,
                 hatD_gamma_rr, dlog_gamma_ang, K_rr, K_ang_mixed):
    """Geometric sources (s_S, s_tau) of one cell (densitised; MBM eqs. 34, 47)."""
    inv_alpha = 1.0 / alpha
    metric = CellMetric(alpha, beta_r, gamma_rr, e6phi, dalpha_dr, dbeta_dr, hatD_gamma_rr,
                        dlog_gamma_ang, K_rr, K_ang_mixed)
    return _source_terms(rho0, vr, press, W, h, inv_alpha, vr - beta_r * inv_alpha, metric)


@kernel
def cell_rhs(formulation, flux_m, flux_p, area_m, area_p, volume, dx, rho0, vr, press, W, h,
             metric, two_over_r):
    """(dD~/dt, dS~_r/dt, dtau~/dt) of one interior cell from the fluxes (F_D, F_S, F_tau)
    at its inner (``flux_m``) and outer (``flux_p``) faces, the areas of those faces, its
    volume, its primitives and its metric (``geometry.CellMetric``)."""
    FDm, FSm, FTm = flux_m
    FDp, FSp, FTp = flux_p
    alpha, beta_r = metric.alpha, metric.beta_r
    inv_alpha = 1.0 / alpha
    vt = vr - beta_r * inv_alpha
    s_S, s_tau = _source_terms(rho0, vr, press, W, h, inv_alpha, vt, metric)
    a6 = alpha * metric.e6phi
    fD, fS, fT = _flux_from_transport(rho0, vr, press, W, h, a6, metric.gamma_rr, vt)
    inv_dx = 1.0 / dx
    # Euler equation: reference-metric form (both formulations)
    rhs_S = (-(FSp - FSm) * inv_dx - two_over_r * fS + two_over_r * a6 * press + s_S)
    if formulation == FORM_PARTIAL:
        inv_v = 1.0 / volume
        rhs_D = -(area_p * FDp - area_m * FDm) * inv_v
        rhs_T = -(area_p * FTp - area_m * FTm) * inv_v + s_tau
    else:
        rhs_D = -(FDp - FDm) * inv_dx - two_over_r * fD
        rhs_T = -(FTp - FTm) * inv_dx - two_over_r * fT + s_tau
    return rhs_D, rhs_S, rhs_T


@kernel
def find_static_vacuum(status, vacuum):
    """Mark the interior cells whose whole stencil (cells i-3..i+3) is atmosphere.

    Atmosphere primitives are fixed (rho_floor, v = 0, P_atm), so such a cell is static
    vacuum: its faces see identical constant states, its mass and energy fluxes vanish and
    the only non-zero term would be a spurious momentum source from the floor pressure,
    which the post-step reset removes anyway. Its RHS is set to zero (both paths), and the
    fused kernel skips the faces between two such cells. Returns the number of cells.
    """
    n = status.shape[0]
    count = 0
    run = 0  # length of the run of atmosphere cells ending at the current index
    for i in range(n):
        vacuum[i] = False
    for j in range(n):
        if status[j] == C2P_ATMOSPHERE:
            run += 1
        else:
            run = 0
        i = j - NUM_GHOSTS  # cell whose stencil ends at j
        if NUM_GHOSTS <= i < n - NUM_GHOSTS and run >= 2 * NUM_GHOSTS + 1:
            vacuum[i] = True
            count += 1
    return count


@kernel
def assemble_rhs(formulation, FD, FS, FT, rho0, vr, press, W, h, dx, gc, area_f, vacuum, rhs):
    """Interior-cell RHS (3, N) from face fluxes (N-1; face k between cells k, k+1), the
    packed cell geometry ``gc`` (12, N; ``GeometryCache.packed``) and the face areas.

    Static-vacuum cells (``vacuum``, see ``find_static_vacuum``) get zero. Ghost rows of
    ``rhs`` are left untouched (the caller zeroes or boundary-fills them).
    """
    n = rho0.shape[0]
    for i in range(NUM_GHOSTS, n - NUM_GHOSTS):
        if vacuum[i]:
            rhs[0, i] = 0.0
            rhs[1, i] = 0.0
            rhs[2, i] = 0.0
            continue
        rhs[0, i], rhs[1, i], rhs[2, i] = cell_rhs(
            formulation, (FD[i - 1], FS[i - 1], FT[i - 1]), (FD[i], FS[i], FT[i]),
            area_f[i - 1], area_f[i], gc[G_VOLUME, i], dx,
            rho0[i], vr[i], press[i], W[i], h[i], cell_metric(gc, i), gc[G_TWO_OVER_R, i])


@kernel
def reconstruct_face_states(method, rho0, vr, W, press, gamma_rr_f, atm, eos, rL, vL, pL, rR,
                            vR, pR):
    """Limited face states at the N-1 faces between cells (face k between cells k, k+1).

    rho0 (through ``eos_density_variable``: the cold pressure for the hybrid EOS), z = W v^r
    and P are reconstructed (``reconstruct_array``), z is turned into
    v^r = z / sqrt(1 + gamma_rr z^2) with the face metric (``velocity_from_wv``), then the
    floors and the speed cap are applied (``limit_face_state``). The fused kernel does the
    same, face by face, with the same point-wise functions.
    """
    n = rho0.shape[0]
    z = np.empty(n)
    for i in range(n):
        z[i] = vr[i] * W[i]
    dens = np.empty(n)
    for i in range(n):
        dens[i] = eos_density_variable(eos, rho0[i])
    uL = np.empty(n + 1)
    uR = np.empty(n + 1)
    reconstruct_array(method, dens, uL, uR)
    for k in range(n - 1):
        rL[k] = eos_density_of_variable(eos, uL[k + 1])
        rR[k] = eos_density_of_variable(eos, uR[k + 1])
    reconstruct_array(method, press, uL, uR)
    pL[:] = uL[1:n]
    pR[:] = uR[1:n]
    reconstruct_array(method, z, uL, uR)
    for k in range(n - 1):
        g = gamma_rr_f[k]
        rL[k], vL[k], pL[k] = limit_face_state(rL[k], velocity_from_wv(uL[k + 1], g), pL[k], g,
                                               atm)
        rR[k], vR[k], pR[k] = limit_face_state(rR[k], velocity_from_wv(uR[k + 1], g), pR[k], g,
                                               atm)


class ValenciaReferenceMetric:
    """Modular Valencia RHS: reconstruction -> face limiting -> Riemann -> assembly.

    Each stage is a separate compiled kernel over the whole grid, orchestrated here in
    Python; the fused path (``source.evolution.fused``) calls the same point-wise functions
    in one pass.

    Parameters
    ----------
    atmosphere : AtmosphereParams
    formulation : {"partial", "full"}
    """

    def __init__(self, boundary_mode="parity", *, atmosphere, formulation="partial"):
        if formulation not in FORMULATIONS:
            raise ValueError(f"formulation must be 'partial' or 'full' (got {formulation!r})")
        self.boundary_mode = boundary_mode
        self.atmosphere = atmosphere
        self.formulation = formulation
        self.formulation_id = FORMULATIONS[formulation]

    def compute_interface_fluxes(self, rho0, vr, press, W, cache, eos, reconstructor,
                                 riemann_solver, atm_packed):
        """Face fluxes (F_D, F_S, F_tau), each of length N-1."""
        n = rho0.shape[0]
        rL, vL, pL, rR, vR, pR = (np.empty(n - 1) for _ in range(6))
        reconstruct_face_states(reconstructor.method_id, np.ascontiguousarray(rho0),
                                np.ascontiguousarray(vr), np.ascontiguousarray(W),
                                np.ascontiguousarray(press), cache.gamma_rr_f, atm_packed,
                                eos.params, rL, vL, pL, rR, vR, pR)
        flux = np.empty((3, n - 1))
        face_fluxes_array(riemann_solver.solver_id, rL, vL, pL, rR, vR, pR, cache.alpha_f,
                          cache.beta_f, cache.gamma_rr_f, cache.e6phi_f, eos.params,
                          atm_packed, flux)
        FD, FS, FT = flux
        self.last_face_fluxes = (FD, FS, FT)
        return FD, FS, FT

    def compute_rhs_from_cache(self, rho0, vr, press, W, h, cache, eos, reconstructor,
                               riemann_solver, atm_packed, status=None):
        """RHS (3, N) of (D~, S~_r, tau~); ghost columns are zero.

        ``status`` (c2p status per cell) enables the static-vacuum rule
        (``find_static_vacuum``); without it every cell is computed.
        """
        FD, FS, FT = self.compute_interface_fluxes(rho0, vr, press, W, cache, eos,
                                                   reconstructor, riemann_solver, atm_packed)
        n = rho0.shape[0]
        vacuum = np.zeros(n, dtype=np.bool_)
        if status is not None:
            find_static_vacuum(status, vacuum)
        rhs = np.zeros((3, n))
        assemble_rhs(self.formulation_id, FD, FS, FT, rho0, vr, press, W, h, cache.dx,
                     cache.packed_cells(), cache.area_f, vacuum, rhs)
        return rhs
