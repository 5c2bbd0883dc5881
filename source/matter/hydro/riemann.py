"""Approximate Riemann solvers for the densitised radial Valencia fluxes.

Point-wise kernels (shared by the modular and the fused paths):

* ``physical_flux`` - F~ = (alpha e^{6phi} rho0 W v~^r,
  alpha e^{6phi} (rho0 h W^2 v_r v~^r + P), alpha e^{6phi} (tau v~^r + P v^r)) with
  v~^r = v^r - beta^r/alpha (MBM 2014 eqs. 26-28, HEAD momentum flux);
* ``char_speeds`` - coordinate characteristic speeds lambda_+- (Banyuls et al. 1997 eq. 37,
  radial direction, including lapse and shift);
* ``_hll`` (HLLE: Harten, Lax & van Leer 1983; Einfeldt 1988), LLF (Rusanov, in
  ``face_flux``), ``hllc_flux`` (Mignone & Bodo 2005 contact solver, applied in the local
  orthonormal frame as White, Stone & Gammie 2016; exact change of frame for beta^r = 0,
  approximate otherwise);
* ``face_flux`` - from limited left/right primitives and face geometry to the upwinded flux
  (``face_flux_with_cold``: the same given the cold states of the face densities).
"""

import math

import numpy as np

from source.jit import inline_kernel, kernel
from source.matter.eos.eos import eos_cold, eos_thermo_with_cold

RIEMANN_HLL = 0
RIEMANN_LLF = 1
RIEMANN_HLLC = 2
RIEMANN_SOLVERS = {"hll": RIEMANN_HLL, "hlle": RIEMANN_HLL, "llf": RIEMANN_LLF,
                   "hllc": RIEMANN_HLLC}
SPEED_FLOOR = 1e-8  # "entropy fix": lambda_- <= -1e-8, lambda_+ >= 1e-8


@kernel
def _flux_from_transport(rho0, vr, press, W, h, a6, gamma_rr, vt):
    """Densitised fluxes given alpha e^{6phi} (``a6``) and the transport velocity ``vt``."""
    D = rho0 * W
    rhohW2 = rho0 * h * W * W
    tau = rhohW2 - press - D
    return (a6 * D * vt,
            a6 * (rhohW2 * gamma_rr * vr * vt + press),
            a6 * (tau * vt + press * vr))


@kernel
def physical_flux(rho0, vr, press, W, h, alpha, e6phi, gamma_rr, beta_r):
    """Densitised radial fluxes (F_D, F_S, F_tau) of one state."""
    return _flux_from_transport(rho0, vr, press, W, h, alpha * e6phi, gamma_rr,
                                vr - beta_r / alpha)


@kernel
def _char_speeds(vr, cs2, alpha, beta_r, gamma_rr, inv_gamma_rr):
    v2 = gamma_rr * vr * vr
    disc = (1.0 - v2) * ((1.0 - v2 * cs2) * inv_gamma_rr - vr * vr * (1.0 - cs2))
    if disc < 0.0:
        disc = 0.0
    root = math.sqrt(cs2 * disc)
    fac = alpha / (1.0 - v2 * cs2)
    return (fac * (vr * (1.0 - cs2) - root) - beta_r,
            fac * (vr * (1.0 - cs2) + root) - beta_r)


@kernel
def char_speeds(vr, cs2, alpha, beta_r, gamma_rr):
    """Radial coordinate characteristic speeds (lambda_-, lambda_+) of one state.

    lambda_+- = alpha/(1 - v^2 c_s^2) [v^r (1 - c_s^2)
                 +- c_s sqrt((1 - v^2)(gamma^rr (1 - v^2 c_s^2) - (v^r)^2 (1 - c_s^2)))] - beta^r
    """
    return _char_speeds(vr, cs2, alpha, beta_r, gamma_rr, 1.0 / gamma_rr)


@kernel
def _hll(inv_dl, lm, lp, UL, UR, FL, FR):
    """HLLE flux of one component: (lp FL - lm FR + lp lm (UR - UL)) / (lp - lm), with
    ``inv_dl`` = 1 / (lp - lm)."""
    return (lp * FL - lm * FR + lp * lm * (UR - UL)) * inv_dl


@kernel
def _frame_state(rho0, vr, press, h, cs2, gamma_rr, v_max):
    """State in the normal observer's local orthonormal frame (v_hat = sqrt(gamma_rr) v^r):
    (v, D, S, E, F_D, F_S, F_E, lambda_-, lambda_+) with E = rho h W^2 - P (total energy)."""
    v = math.sqrt(gamma_rr) * vr
    if v > v_max:
        v = v_max
    elif v < -v_max:
        v = -v_max
    W = 1.0 / math.sqrt(1.0 - v * v)
    D = rho0 * W
    S = rho0 * h * W * W * v
    E = rho0 * h * W * W - press
    cs = math.sqrt(cs2)
    lm = (v - cs) / (1.0 - v * cs)
    lp = (v + cs) / (1.0 + v * cs)
    return v, D, S, E, D * v, S * v + press, S, lm, lp


@kernel
def _hllc_star(lam, lam_star, p_star, v, press, D, S, E):
    """HLLC star state U* (Mignone & Bodo 2005 eqs. 16-18)."""
    inv = 1.0 / (lam - lam_star)
    return (D * (lam - v) * inv,
            (S * (lam - v) + p_star - press) * inv,
            (E * (lam - v) + p_star * lam_star - press * v) * inv)


@kernel
def hllc_flux(rhoL, vL, pL, hL, cs2L, rhoR, vR, pR, hR, cs2R, alpha, beta_r, gamma_rr, e6phi,
              v_max):
    """HLLC flux (F_D, F_S, F_tau) in the Valencia frame (densitised).

    The Riemann fan is built in the normal observer's orthonormal frame (Mignone & Bodo 2005
    contact solver; frame speeds capped at ``v_max``). The shift enters as a constant
    advection speed b = sqrt(gamma_rr) beta^r / alpha of that frame: the flux of the shifted
    system F - b U is sampled on the ray x/t = b (exact for a constant b, so identical
    left/right states give the physical flux for any shift). The fluxes go back to the
    Valencia frame with the factors alpha e^{6phi}/sqrt(gamma_rr) (D, tau) and
    alpha e^{6phi} (S_r).
    """
    vl, DL, SL, EL, FDL, FSL, FEL, lmL, lpL = _frame_state(rhoL, vL, pL, hL, cs2L, gamma_rr,
                                                           v_max)
    vr_, DR, SR, ER, FDR, FSR, FER, lmR, lpR = _frame_state(rhoR, vR, pR, hR, cs2R, gamma_rr,
                                                            v_max)
    b = math.sqrt(gamma_rr) * beta_r / alpha
    lm = min(lmL, lmR)
    lp = max(lpL, lpR)
    if lp - lm < 1e-30:
        uD, uS, uE = 0.5 * (DL + DR), 0.5 * (SL + SR), 0.5 * (EL + ER)
        fD, fS, fE = 0.5 * (FDL + FDR), 0.5 * (FSL + FSR), 0.5 * (FEL + FER)
    elif lm >= b:
        uD, uS, uE, fD, fS, fE = DL, SL, EL, FDL, FSL, FEL
    elif lp <= b:
        uD, uS, uE, fD, fS, fE = DR, SR, ER, FDR, FSR, FER
    else:
        inv = 1.0 / (lp - lm)
        E_hll = (lp * ER - lm * EL + FEL - FER) * inv
        S_hll = (lp * SR - lm * SL + FSL - FSR) * inv
        FE_hll = (lp * FEL - lm * FER + lp * lm * (ER - EL)) * inv
        FS_hll = (lp * FSL - lm * FSR + lp * lm * (SR - SL)) * inv
        # contact speed: FE_hll lam^2 - (E_hll + FS_hll) lam + S_hll = 0 (Mignone & Bodo
        # 2005 eq. 18), the root with the minus sign written without cancellation,
        # lam* = 2 S / (B + sqrt(B^2 - 4 FE S)), B = E + FS > 0; also valid for FE -> 0.
        bq = E_hll + FS_hll
        disc = bq * bq - 4.0 * FE_hll * S_hll
        if disc < 0.0:
            disc = 0.0
        lam_star = 2.0 * S_hll / (bq + math.sqrt(disc))
        if lam_star < lm:
            lam_star = lm
        elif lam_star > lp:
            lam_star = lp
        p_star = FS_hll - lam_star * FE_hll
        if lam_star >= b:
            uD, uS, uE = _hllc_star(lm, lam_star, p_star, vl, pL, DL, SL, EL)
            fD = FDL + lm * (uD - DL)
            fS = FSL + lm * (uS - SL)
            fE = FEL + lm * (uE - EL)
        else:
            uD, uS, uE = _hllc_star(lp, lam_star, p_star, vr_, pR, DR, SR, ER)
            fD = FDR + lp * (uD - DR)
            fS = FSR + lp * (uS - SR)
            fE = FER + lp * (uE - ER)
    fD -= b * uD
    fS -= b * uS
    fE -= b * uE
    e4phi = e6phi / math.sqrt(gamma_rr)
    return alpha * e4phi * fD, alpha * e6phi * fS, alpha * e4phi * (fE - fD)


@inline_kernel
def _solver_state(rho0, vr, press, cold, eos, atm, gamma_rr):
    """State fed to the solver: (P, W, h, c_s^2) from the EOS (``eos_thermo_with_cold``,
    ``cold`` the cold state at rho0: the barotropic EOS takes P from it), P floored, c_s^2
    clipped to [0, 1)."""
    if press < atm.p_floor:
        press = atm.p_floor
    press, eps, h, cs2 = eos_thermo_with_cold(eos, rho0, press, cold)
    if press < atm.p_floor:
        press = atm.p_floor
        h = 1.0 + eps + press / rho0
    if cs2 < 0.0:
        cs2 = 0.0
    elif cs2 > 1.0 - 1e-12:
        cs2 = 1.0 - 1e-12
    W = 1.0 / math.sqrt(1.0 - gamma_rr * vr * vr)
    return press, W, h, cs2


@kernel
def velocity_from_wv(z, gamma_rr):
    """v^r from the reconstructed z = W v^r: v^r = z / sqrt(1 + gamma_rr z^2).

    Reconstructing W v instead of v guarantees a subluminal face state whatever the
    reconstruction overshoot (high-order schemes next to ultra-relativistic flow can give
    |v| > 1, e.g. MP5 on the Marti-Mueller blast wave 2)."""
    return z / math.sqrt(1.0 + gamma_rr * z * z)


@inline_kernel
def limit_face_state(rho0, vr, press, gamma_rr, atm):
    """Face post-processing: density/pressure floors, |v| <= v_max (physical speed).

    The speed test is done on squares (sqrt only when the cap is actually applied)."""
    if not (rho0 >= atm.rho_floor):
        rho0 = atm.rho_floor
    if not (press >= atm.p_floor):
        press = atm.p_floor
    g = gamma_rr if gamma_rr > 1.0 else 1.0
    v_max = atm.v_max
    if vr * vr * g > v_max * v_max:
        vcap = v_max / math.sqrt(g)
        vr = vcap if vr > 0.0 else -vcap
    return rho0, vr, press


@inline_kernel
def limit_face_state_with_cold(rho0, vr, press, cold, gamma_rr, atm, eos):
    """``limit_face_state`` of a face state whose cold state at rho0 is ``cold``
    (``eos.eos_face_state``); returns ``(rho0, vr, P, cold)`` with the cold state of the
    limited density (evaluated again only where the density floor changed it)."""
    rho_limited, vr, press = limit_face_state(rho0, vr, press, gamma_rr, atm)
    if rho_limited != rho0:
        cold = eos_cold(eos, rho_limited)
    return rho_limited, vr, press, cold


@inline_kernel
def face_flux(solver, rhoL, vL, pL, rhoR, vR, pR, alpha, beta_r, gamma_rr, e6phi,
              eos, atm):
    """Upwinded densitised flux (F_D, F_S, F_tau) at one face from limited L/R primitives."""
    return face_flux_with_cold(solver, rhoL, vL, pL, eos_cold(eos, rhoL), rhoR, vR, pR,
                               eos_cold(eos, rhoR), alpha, beta_r, gamma_rr, e6phi, eos, atm)


@inline_kernel
def face_flux_with_cold(solver, rhoL, vL, pL, coldL, rhoR, vR, pR, coldR, alpha, beta_r,
                        gamma_rr, e6phi, eos, atm):
    """:func:`face_flux` given the cold states ``coldL``, ``coldR`` (``eos.eos_cold``) at
    the face densities (the fused path takes them from the inverse of the density
    variable, ``limit_face_state_with_cold``)."""
    pL, WL, hL, cs2L = _solver_state(rhoL, vL, pL, coldL, eos, atm, gamma_rr)
    pR, WR, hR, cs2R = _solver_state(rhoR, vR, pR, coldR, eos, atm, gamma_rr)
    if solver == RIEMANN_HLLC:
        return hllc_flux(rhoL, vL, pL, hL, cs2L, rhoR, vR, pR, hR, cs2R, alpha, beta_r,
                         gamma_rr, e6phi, atm.v_max)
    a6 = alpha * e6phi
    b_over_a = beta_r / alpha
    FDL, FSL, FTL = _flux_from_transport(rhoL, vL, pL, WL, hL, a6, gamma_rr, vL - b_over_a)
    FDR, FSR, FTR = _flux_from_transport(rhoR, vR, pR, WR, hR, a6, gamma_rr, vR - b_over_a)
    # densitised conserved variables with the face geometry
    DL = e6phi * rhoL * WL
    DR = e6phi * rhoR * WR
    rhW2L = e6phi * rhoL * hL * WL * WL
    rhW2R = e6phi * rhoR * hR * WR * WR
    SL = rhW2L * gamma_rr * vL
    SR = rhW2R * gamma_rr * vR
    TL = rhW2L - e6phi * pL - DL
    TR = rhW2R - e6phi * pR - DR
    inv_grr = 1.0 / gamma_rr
    lmL, lpL = _char_speeds(vL, cs2L, alpha, beta_r, gamma_rr, inv_grr)
    lmR, lpR = _char_speeds(vR, cs2R, alpha, beta_r, gamma_rr, inv_grr)
    lm = min(0.0, min(lmL, lmR))
    lp = max(0.0, max(lpL, lpR))
    if lm > -SPEED_FLOOR:
        lm = -SPEED_FLOOR
    if lp < SPEED_FLOOR:
        lp = SPEED_FLOOR
    if solver == RIEMANN_LLF:
        lmax = lp if lp > -lm else -lm
        return (0.5 * (FDL + FDR - lmax * (DR - DL)),
                0.5 * (FSL + FSR - lmax * (SR - SL)),
                0.5 * (FTL + FTR - lmax * (TR - TL)))
    inv_dl = 1.0 / (lp - lm)
    return (_hll(inv_dl, lm, lp, DL, DR, FDL, FDR),
            _hll(inv_dl, lm, lp, SL, SR, FSL, FSR),
            _hll(inv_dl, lm, lp, TL, TR, FTL, FTR))


@kernel
def face_fluxes_array(solver, rhoL, vL, pL, rhoR, vR, pR, alpha_f, beta_f, gamma_rr_f,
                      e6phi_f, eos, atm, flux):
    """Fluxes (F_D, F_S, F_tau) at M faces, written into the rows of ``flux`` (3, M), from
    already-limited face states and the face metric (arrays of length M)."""
    for k in range(rhoL.shape[0]):
        flux[0, k], flux[1, k], flux[2, k] = face_flux(
            solver, rhoL[k], vL[k], pL[k], rhoR[k], vR[k], pR[k], alpha_f[k], beta_f[k],
            gamma_rr_f[k], e6phi_f[k], eos, atm)


class _RiemannSolverBase:
    solver_id = RIEMANN_HLL

    def __init__(self, name=None, atmosphere=None):
        self.name = name or self.default_name
        self.atmosphere = atmosphere

    def solve_batch(self, primL_batch, primR_batch, geom, eos, atm_packed):
        """Fluxes (M, 3) at M faces from limited primitive states (M, 3) = [rho0, v^r, P].

        ``geom`` provides face ``alpha, beta_r, gamma_rr, e6phi`` (length M).
        """
        primL = np.ascontiguousarray(primL_batch, dtype=np.float64)
        primR = np.ascontiguousarray(primR_batch, dtype=np.float64)
        m = primL.shape[0]
        F = np.empty((3, m))
        face_fluxes_array(self.solver_id, primL[:, 0].copy(), primL[:, 1].copy(),
                          primL[:, 2].copy(), primR[:, 0].copy(), primR[:, 1].copy(),
                          primR[:, 2].copy(),
                          *(np.ascontiguousarray(np.broadcast_to(x, (m,)), dtype=np.float64)
                            for x in (geom.alpha, geom.beta_r, geom.gamma_rr, geom.e6phi)),
                          eos.params, atm_packed, F)
        return F.T.copy()


class HLLRiemannSolver(_RiemannSolverBase):
    """HLLE solver (default)."""

    default_name = "HLL"
    solver_id = RIEMANN_HLL


class LLFRiemannSolver(_RiemannSolverBase):
    """Local Lax-Friedrichs (Rusanov) solver."""

    default_name = "LLF"
    solver_id = RIEMANN_LLF


class HLLCRiemannSolver(_RiemannSolverBase):
    """HLLC solver (contact-resolving)."""

    default_name = "HLLC"
    solver_id = RIEMANN_HLLC


def create_riemann_solver(name="hll", atmosphere=None):
    """Solver by name: ``"hll"`` (``"hlle"``), ``"llf"`` or ``"hllc"``."""
    key = name.lower()
    if key not in RIEMANN_SOLVERS:
        raise ValueError(f"riemann solver must be one of hll, llf, hllc (got {name!r})")
    cls = {RIEMANN_HLL: HLLRiemannSolver, RIEMANN_LLF: LLFRiemannSolver,
           RIEMANN_HLLC: HLLCRiemannSolver}[RIEMANN_SOLVERS[key]]
    return cls(atmosphere=atmosphere)
