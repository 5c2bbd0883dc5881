"""Conservative -> primitive recovery (one cell at a time) and prim -> cons.

Physical (de-densitised) conserved variables of the Valencia formulation,

    D = rho0 W,   S_r = rho0 h W^2 v_r,   tau = rho0 h W^2 - P - D,

are inverted for (rho0, v^r, P, eps, W, h). Only gamma_rr enters in spherical symmetry:
S^2 = S_r^2 / gamma_rr, v^r = v_r / gamma_rr.

Solvers (point-wise ``@njit`` functions, shared by the modular and the fused kernels):

* **Kastaun** (Kastaun, Kalinani & Ciolfi 2021, PRD 103, 023018, "KKC" below), pure hydro
  (B = 0) for any EOS with a thermal degree of freedom (ideal gas, hybrid): a bracketed root
  of the master function f(mu) with mu = 1/(h W). It follows the paper: rho_hat = D / W_hat,
  eps_hat from the cancellation-free formula (eq. 38) clamped to the EOS validity range
  eps >= eps_cold(rho_hat) (0 for the ideal gas), nu = max(nu_A, nu_B) (eq. 41-42 analogues
  for B = 0), velocity bound from z_0 = r/h_0 with h_0 = 1 (the enthalpy of every state of
  these EOS is >= 1), bracket [0, 1/sqrt(h_0^2 + r^2)] (h W = sqrt(h^2 + r^2) >=
  sqrt(h_0^2 + r^2)), and an Illinois-type regula falsi (Anderson-Bjorck) that always keeps
  a bracket.
* **Newton** on the pressure (ideal gas only; Kastaun for the other EOS) with a *relative*
  stopping test |dP| <= tol P, started from a guess (the previous pressure of the cell);
  any failure (no convergence, unphysical iterate) falls back to Kastaun.
* **Barotropic** (cold curve only): the thermodynamics is slaved to rho0, so tau is not
  needed; with r = S/D, z = W v = r/h(rho0) and rho0 W(rho0) = D we solve
  g(rho0) = rho0 sqrt(1 + (r/h(rho0))^2) - D = 0, bracketed in [D/sqrt(1+r^2), D].
  The hybrid kinds take it too in cells with D below the atmosphere's ``rho_cold``.

Status codes (per cell, never exceptions): ``C2P_OK``, ``C2P_ATMOSPHERE`` (vacuum cell set
to the atmosphere), ``C2P_FAILED`` (no root found: atmosphere values written, the caller
decides whether that is fatal). Deviations from the reference code (see the spec): the
atmosphere test is D < threshold (physical density, the same threshold as the post-step
reset; the reference multiplied by an extra e^{6 phi}); W, h and eps are made consistent
after the velocity cap; Kastaun follows the paper, not the reference's nu_A-only variant.
"""

import math

import numpy as np
from numba import njit

from source.matter.eos.eos import (
    COLD_ONLY_LENGTHS,
    COLD_SHIFT_MAX_X,
    EOS_BAROTROPIC,
    WITH_COLD_CURVE_LENGTHS,
    eos_clamped_eps_and_a,
    eos_cold,
    eos_cold_enthalpy_minus_one,
    eos_cold_reference,
    eos_eps_from_rho_p,
    eos_pressure,
    eos_shifted_eps_and_a,
)

C2P_OK = 0
C2P_ATMOSPHERE = 1
C2P_FAILED = 2

C2P_KASTAUN = 0
C2P_NEWTON = 1
C2P_METHODS = {"kastaun": C2P_KASTAUN, "newton": C2P_NEWTON}

DEFAULT_TOL = 1e-13
DEFAULT_MAX_ITER = 100


# ---------------------------------------------------------------------------------------
# prim -> cons (one cell)
# ---------------------------------------------------------------------------------------
@njit(cache=True, error_model="numpy")
def prim_to_cons_point(rho0, vr, press, eps, gamma_rr, e6phi):
    """Densitised conserved variables of one cell (MBM 2014 eq. 50).

    Returns (D~, S~_r, tau~) = e^{6 phi} (rho0 W, rho0 h W^2 gamma_rr v^r, rho0 h W^2 - P - D).
    """
    v2 = gamma_rr * vr * vr
    W = 1.0 / math.sqrt(1.0 - v2)
    h = 1.0 + eps + press / rho0
    rhohW2 = rho0 * h * W * W
    D = rho0 * W
    return e6phi * D, e6phi * rhohW2 * gamma_rr * vr, e6phi * (rhohW2 - press - D)


# ---------------------------------------------------------------------------------------
# Kastaun et al. (2021), B = 0
# ---------------------------------------------------------------------------------------
@njit(cache=True, error_model="numpy")
def kastaun_master(mu, D, q, r2, eos, v2_cap):
    """Master function f(mu) = mu - mu_hat(mu) of KKC 2021 for B = 0.

    Parameters: D (physical), q = tau/D, r2 = S^2/D^2, ``v2_cap`` = upper bound of v^2.
    Returns (f, W_hat, eps_hat). Always finite for 0 <= mu <= 1/sqrt(1 + r2).
    """
    return _kastaun_master(mu, D, q, r2, eos, v2_cap, eos_cold_reference(eos, D))[:3]


@njit(cache=True, error_model="numpy", inline="always")
def _kastaun_master(mu, D, q, r2, eos, v2_cap, cold_at_D):
    """``kastaun_master`` with the cold state at rho = D (``eos_cold_reference``) computed
    once per cell: rho_hat = D sqrt(1 - v^2), so the EOS step at rho_hat can start from it
    (``eos_shifted_eps_and_a``, floats only, for slow flow). Returns (f, W_hat, eps_hat,
    a_hat), with a_hat = P / (rho_hat (1 + eps_hat)) of the EOS step. Inlined into
    ``kastaun_solve``: no call with the EOS tuple per iteration."""
    v2 = mu * mu * r2
    if v2 > v2_cap:
        v2 = v2_cap
    s = math.sqrt(1.0 - v2)          # 1 / W_hat
    # eps_hat, cancellation-free form: W (q - mu r^2) + W^2 v^2 / (1 + W)   (KKC eq. 38)
    # with W^2 v^2 / (1 + W) = v^2 / (s (1 + s))
    eps = (q - mu * r2) / s + v2 / (s * (1.0 + s))
    # eps_hat clamped to the EOS's validity range at rho_hat = D / W_hat, and
    # a = P / (rho (1 + eps))
    if cold_at_D[0] and v2 <= COLD_SHIFT_MAX_X:
        eps, a = eos_shifted_eps_and_a(cold_at_D, D * s, eps, v2)
    else:
        eps, a = eos_clamped_eps_and_a(eos, D * s, eps)
    h = (1.0 + eps) * (1.0 + a)
    nu_a = h * s                                    # h / W
    nu_b = (1.0 + a) * (1.0 + q - mu * r2)
    nu = nu_a if nu_a > nu_b else nu_b
    return mu - 1.0 / (nu + mu * r2), 1.0 / s, eps, a


@njit(cache=True, error_model="numpy", inline="always")
def kastaun_solve(D, q, r2, eos, v_max, tol, max_iter):
    """Root mu of the KKC master function; returns (mu, W, eps, a, iterations, ok), with W,
    eps and a = P / (rho (1 + eps)) those of the master function at the returned mu.

    Bracket [0, 1/sqrt(1 + r^2)] (h_0 = 1); f(0) < 0 always (v = 0 there, nu_A = nu_B = h,
    f = -1/h). Illinois/Anderson-Bjorck regula falsi, stopped when the bracket width times
    W^2 is below tol * mu (the error of v then is below tol), when the bracket is at
    round-off, or when f vanishes.
    """
    # velocity bound: z <= z_0 = r / h_0 -> v_0^2 = r^2 / (1 + r^2); also the user cap
    v2_cap = r2 / (1.0 + r2)
    if v2_cap > v_max * v_max:
        v2_cap = v_max * v_max
    a = 0.0
    b = 1.0 / math.sqrt(1.0 + r2)
    cold_at_D = eos_cold_reference(eos, D)
    fa = _kastaun_master(0.0, D, q, r2, eos, v2_cap, cold_at_D)[0]
    fb, Wb, eb, ab = _kastaun_master(b, D, q, r2, eos, v2_cap, cold_at_D)
    if not (fa == fa and fb == fb):
        return 0.0, 1.0, 0.0, 0.0, 0, False
    if fb <= 0.0:  # root at the upper end (round-off): accept it
        return b, Wb, eb, ab, 0, True
    side = 0
    x = b
    Wx = Wb
    ex = eb
    ax = ab
    for it in range(1, max_iter + 1):
        x = (a * fb - b * fa) / (fb - fa)
        if not (a < x < b):
            x = 0.5 * (a + b)
        fx, Wx, ex, ax = _kastaun_master(x, D, q, r2, eos, v2_cap, cold_at_D)
        if fx != fx:
            return x, Wx, ex, ax, it, False
        if fx == 0.0:
            return x, Wx, ex, ax, it, True
        if fx > 0.0:        # root in [a, x]: replace b
            b = x
            fb = fx
            if side == 1:
                fa *= 0.5   # Illinois: halve the retained end's value
            side = 1
        else:               # root in [x, b]: replace a
            a = x
            fa = fx
            if side == -1:
                fb *= 0.5
            side = -1
        # converged: the error of v is below tol, or the bracket is at round-off
        # (the first test alone cannot be met once W^2 > tol / eps_mach, W > ~20)
        if (b - a) * Wx * Wx <= tol * x or (b - a) <= 4.0 * 2.220446049250313e-16 * x:
            return x, Wx, ex, ax, it, True
    return x, Wx, ex, ax, max_iter, False


# ---------------------------------------------------------------------------------------
# Newton on the pressure (Gamma-law), relative test; the fast path
# ---------------------------------------------------------------------------------------
@njit(cache=True, error_model="numpy")
def newton_pressure_solve(D, S2, tau, gamma, p_guess, p_floor, W_max, tol, max_iter):
    """Newton-Raphson on f(P) = rho0 h W^2 - (tau + D + P); returns (P, iterations, ok).

    W = (1 - S^2/(tau + D + P)^2)^{-1/2}, rho0 = D/W, eps = P/((Gamma-1) rho0),
    f = D W + c P W^2 - (tau + D + P) with c = Gamma/(Gamma-1). Converged when the Newton
    step is below tol P (quadratic convergence: the returned P is then at round-off).
    No bumping heuristics: any unphysical iterate returns ok = False and the caller falls
    back to the bracketed solver.
    """
    c = gamma / (gamma - 1.0)
    E = tau + D
    P = p_guess if p_guess > p_floor else p_floor
    dP_prev = math.inf
    for it in range(1, max_iter + 1):
        Q = E + P
        v2 = S2 / (Q * Q)
        if not (v2 < 1.0):
            return P, it, False
        W = 1.0 / math.sqrt(1.0 - v2)
        if W > W_max:
            return P, it, False
        f = D * W + c * P * W * W - Q
        dW_dP = -S2 * W * W * W / (Q * Q * Q)
        df = c * W * W + (D + 2.0 * c * P * W) * dW_dP - 1.0
        if not (abs(df) > 1e-300):
            return P, it, False
        P_new = P - f / df
        if not (0.0 < P_new < math.inf):
            return P, it, False
        dP = abs(P_new - P)
        # converged: relative step below tol, or at the rounding floor of the residual
        # (f is computed to ~eps_mach Q, so P is known to ~eps_mach Q / |f'|): the step
        # is tiny and no longer shrinking quadratically
        if dP <= tol * P_new or (dP <= 1e-8 * P_new and dP >= 0.25 * dP_prev):
            return P_new, it, True
        dP_prev = dP
        P = P_new
    return P, max_iter, False


# ---------------------------------------------------------------------------------------
# Barotropic (polytrope) recovery
# ---------------------------------------------------------------------------------------
@njit(cache=True, error_model="numpy")
def barotropic_solve(D, S2, eos, tol, max_iter):
    """Root rho0 of g = rho0 sqrt(1 + S^2/(D h(rho0))^2) - D on [D/sqrt(1+r^2), D], with
    h(rho0) the enthalpy of the cold curve of ``eos``, searched only up to its ``rho_max``:
    dg/drho0 is proportional to 1 + (r/h)^2 (1 - c_s^2), so g increases (one root) while the
    EOS is causal; above its causal limit g can cross zero again (fast states of the
    catalogue EOS) and the root there is not the state's."""
    r2 = S2 / (D * D)
    lo = D / math.sqrt(1.0 + r2)
    hi = D if D < eos.rho_max else eos.rho_max
    if lo > hi:
        lo = hi

    def g(rho):
        h = 1.0 + eos_cold_enthalpy_minus_one(eos, rho)
        return rho * math.sqrt(1.0 + r2 / (h * h)) - D

    glo = g(lo)
    ghi = g(hi)
    if glo >= 0.0:
        return lo, 0, glo == glo
    if ghi <= 0.0:
        return hi, 0, ghi == ghi
    side = 0
    x = hi
    for it in range(1, max_iter + 1):
        x = (lo * ghi - hi * glo) / (ghi - glo)
        if not (lo < x < hi):
            x = 0.5 * (lo + hi)
        gx = g(x)
        if gx != gx:
            return x, it, False
        if gx == 0.0:
            return x, it, True
        if gx > 0.0:
            hi = x
            ghi = gx
            if side == 1:
                glo *= 0.5
            side = 1
        else:
            lo = x
            glo = gx
            if side == -1:
                ghi *= 0.5
            side = -1
        if hi - lo <= tol * x:
            return x, it, True
    return x, max_iter, False


# ---------------------------------------------------------------------------------------
# Full recovery of one cell
# ---------------------------------------------------------------------------------------
@njit(cache=True, error_model="numpy")
def newton_recovery(D, S2, tau, eos, atm, p_guess, tol, max_iter):
    """``(rho0, P, eps, W, h, iterations, ok)`` by Newton on the pressure, the ideal gas's
    fast path (``ok`` False for any other EOS, and whenever Kastaun must decide)."""
    if len(eos) in WITH_COLD_CURVE_LENGTHS:
        return 0.0, 0.0, 0.0, 1.0, 1.0, 0, False
    p, iters, ok = newton_pressure_solve(D, S2, tau, eos.gamma_th, p_guess, atm.p_floor,
                                         atm.W_max, tol, max_iter)
    if not ok:
        return 0.0, 0.0, 0.0, 1.0, 1.0, iters, False
    Q = tau + D + p
    W = 1.0 / math.sqrt(1.0 - S2 / (Q * Q))
    rho = D / W
    eps = eos_eps_from_rho_p(eos, rho, p)
    h = 1.0 + eps + p / rho
    return rho, p, eps, W, h, iters, math.isfinite(h) and W <= atm.W_max


@njit(cache=True, error_model="numpy")
def cold_recovery(D, S2, eos, tol, max_iter):
    """``(rho0, P, eps, W, h, iterations, ok)`` on the cold curve of ``eos`` from D and S^2
    alone (tau not used): the barotropic solve."""
    rho, iters, ok = barotropic_solve(D, S2, eos, tol, max_iter)
    if not ok:
        return 0.0, 0.0, 0.0, 1.0, 1.0, iters, False
    p, eps, _ = eos_cold(eos, rho)
    h = 1.0 + eps + p / rho
    z = math.sqrt(S2) / (D * h)       # z = W v
    return rho, p, eps, math.sqrt(1.0 + z * z), h, iters, True


@njit(cache=True, error_model="numpy")
def eos_recovery(D, S2, tau, eos, atm, tol, max_iter):
    """``(rho0, P, eps, W, h, iterations, ok)`` by the EOS's bracketed recovery: the
    cold-curve solve for the barotropic kinds and, below ``atm.rho_cold``, for the hybrid
    kinds (tau not used); Kastaun for the others."""
    if len(eos) in COLD_ONLY_LENGTHS:
        return cold_recovery(D, S2, eos, tol, max_iter)
    if len(eos) in WITH_COLD_CURVE_LENGTHS and D < atm.rho_cold:
        return cold_recovery(D, S2, eos, tol, max_iter)
    mu, W, eps, a, iters, ok = kastaun_solve(D, tau / D, S2 / (D * D), eos, atm.v_max, tol,
                                             max_iter)
    if not ok:
        return 0.0, 0.0, 0.0, 1.0, 1.0, iters, False
    rho = D / W
    if len(eos) not in WITH_COLD_CURVE_LENGTHS or rho > eos.rho_max:
        p = eos_pressure(eos, rho, eps)
    else:   # the master function's EOS step had the cold curve at rho: P from its a
        p = a * rho * (1.0 + eps)
    return rho, p, eps, W, 1.0 + eps + p / rho, iters, True


@njit(cache=True, error_model="numpy", inline="always")
def _atmosphere_prims(eos, atm):
    """The atmosphere state at rest: ``rho_floor``, ``eps_atm`` and its pressure
    ``P(rho_floor, eps_atm)`` floored (``atm.p_atm``, evaluated once when ``atm`` is
    packed)."""
    rho = atm.rho_floor
    p = atm.p_atm
    eps = atm.eps_atm
    h = 1.0 + eps + p / rho
    return rho, 0.0, p, eps, 1.0, h


@njit(cache=True, error_model="numpy", inline="always")
def cons_to_prim_point(D, Sr, tau, gamma_rr, eos, atm, method, p_guess, tol, max_iter):
    """Recover the primitives of one cell from *physical* (D, S_r, tau).

    Returns
    -------
    rho0, vr, P, eps, W, h : float
    status : int
        C2P_OK, C2P_ATMOSPHERE or C2P_FAILED (atmosphere values returned).
    iterations : int
    """
    if not (math.isfinite(D) and math.isfinite(Sr) and math.isfinite(tau)):
        rho, vr, p, eps, W, h = _atmosphere_prims(eos, atm)
        return rho, vr, p, eps, W, h, C2P_FAILED, 0
    if D < atm.rho_threshold:
        rho, vr, p, eps, W, h = _atmosphere_prims(eos, atm)
        return rho, vr, p, eps, W, h, C2P_ATMOSPHERE, 0

    # Conservative floors, on unphysical input only (physical variables). Every state with
    # rho0 > 0, |v| < 1 and eps >= 0 has S^2 < tau (tau + 2D); cold fast states come within
    # O(eps / (W v)^2) of the bound, so anything below it is left alone (a safety factor
    # applied to every state would alter physical ones). A momentum above the bound by more
    # than round-off is unphysical and rescaled to safety times the bound; one within
    # round-off of it (a cold ultra-relativistic state computed in floating point) to the
    # bound itself. The barotropic recovery ignores tau, so it is not limited by tau.
    S2 = Sr * Sr / gamma_rr
    if eos.kind != EOS_BAROTROPIC:  # (a run-time test: cheap, and no EOS call)
        if tau < atm.tau_min:
            tau = atm.tau_min
        S2_bound = tau * (tau + 2.0 * D)
        if S2 > S2_bound:
            S2_max = S2_bound if S2 <= S2_bound * (1.0 + 1e-12) else \
                atm.cons_safety * S2_bound
            Sr = Sr * math.sqrt(S2_max / S2)
            S2 = S2_max

    # defined on every path: inside a prange loop, a variable that Numba cannot prove
    # written before read in every iteration (here: if neither solver below ran) is shared
    # between the threads, a data race (NumbaParallelSafetyWarning at compile time)
    rho, p, eps, W, h = 0.0, 0.0, 0.0, 1.0, 1.0
    ok = False
    iters = 0
    if method == C2P_NEWTON:  # the ideal gas's fast path (a scheme constant in the drivers)
        rho, p, eps, W, h, iters, ok = newton_recovery(D, S2, tau, eos, atm, p_guess, tol,
                                                       max_iter)
    if not ok:
        rho, p, eps, W, h, it2, ok = eos_recovery(D, S2, tau, eos, atm, tol, max_iter)
        iters += it2
    if not ok or W > atm.W_max:
        rho, vr, p, eps, W, h = _atmosphere_prims(eos, atm)
        return rho, vr, p, eps, W, h, C2P_FAILED, iters

    # velocity from the momentum: v_r = S_r / (rho h W^2), v^r = v_r / gamma_rr
    vr = Sr / (rho * h * W * W * gamma_rr)

    # primitive floors, keeping (W, h, eps) consistent with the capped values
    changed = False
    if rho < atm.rho_floor:
        rho = atm.rho_floor
        changed = True
    if p < atm.p_floor:
        p = atm.p_floor
        changed = True
    v_max = atm.v_max
    v2 = gamma_rr * vr * vr
    if v2 > v_max * v_max:
        v2_W = 1.0 - 1.0 / (W * W)     # speed^2 implied by the solver's W
        if v2_W <= v_max * v_max:
            # only round-off in S_r / (rho h W^2) put v above the cap: keep the solver's W
            vr = math.copysign(math.sqrt(v2_W / gamma_rr), vr)
        else:
            vr = math.copysign(v_max / math.sqrt(gamma_rr), vr)
            W = 1.0 / math.sqrt(1.0 - v_max * v_max)
            changed = True
    if changed:
        eps = eos_eps_from_rho_p(eos, rho, p)
        p = eos_pressure(eos, rho, eps)
        if p < atm.p_floor:
            p = atm.p_floor
        h = 1.0 + eps + p / rho
    return rho, vr, p, eps, W, h, C2P_OK, iters


@njit(cache=True, parallel=False, error_model="numpy")
def cons_to_prim_array(cons, gamma_rr, e6phi, eos, atm, method, p_guess, tol, max_iter, prim,
                       status, iters):
    """Recover all cells of the *densitised* conserved arrays ``cons`` = (D~, S~_r, tau~)
    (divided by e^{6 phi} here).

    Outputs are written into the preallocated arrays ``prim`` = (rho0, v^r, P, eps, W, h),
    ``status`` and ``iters``; ``p_guess`` may alias P.
    """
    Dt, Srt, taut = cons
    rho0, vr, press, eps, W, h = prim
    for i in range(Dt.shape[0]):
        inv = 1.0 / e6phi[i]
        r = cons_to_prim_point(Dt[i] * inv, Srt[i] * inv, taut[i] * inv, gamma_rr[i],
                               eos, atm, method, p_guess[i], tol, max_iter)
        rho0[i], vr[i], press[i], eps[i], W[i], h[i], status[i], iters[i] = r


@njit(cache=True, error_model="numpy")
def cons_to_prim_kastaun(D, Sr, tau, gamma_rr, eos, atm, tol, max_iter):
    """``cons_to_prim_point`` with Kastaun and no guess, compiled as a function of its own
    (not inlined): the diagnostics and snapshots, whose speed does not matter, share this
    one compiled recovery instead of each inlining a copy (about 1 s of compile time each).
    """
    return cons_to_prim_point(D, Sr, tau, gamma_rr, eos, atm, C2P_KASTAUN, 0.0, tol,
                              max_iter)


@njit(cache=True, error_model="numpy")
def cons_to_prim_kastaun_array(cons, gamma_rr, e6phi, eos, atm, tol, max_iter, prim, status,
                               iters):
    """``cons_to_prim_array`` with Kastaun and no guess (``cons_to_prim_kastaun``): the
    primitives of a snapshot (same tuples ``cons`` and ``prim``)."""
    Dt, Srt, taut = cons
    rho0, vr, press, eps, W, h = prim
    for i in range(Dt.shape[0]):
        inv = 1.0 / e6phi[i]
        r = cons_to_prim_kastaun(Dt[i] * inv, Srt[i] * inv, taut[i] * inv, gamma_rr[i], eos,
                                 atm, tol, max_iter)
        rho0[i], vr[i], press[i], eps[i], W[i], h[i], status[i], iters[i] = r


@njit(cache=True, error_model="numpy")
def prim_to_cons_array(rho0, vr, press, eps, gamma_rr, e6phi, Dt, Srt, taut):
    """Densitised conserved variables of arrays of primitives (written into Dt, Srt, taut)."""
    for i in range(rho0.shape[0]):
        Dt[i], Srt[i], taut[i] = prim_to_cons_point(rho0[i], vr[i], press[i], eps[i],
                                                    gamma_rr[i], e6phi[i])


def prim_to_cons(rho0, vr, pressure, geom, eos):
    """Densitised (D~, S~_r, tau~) from primitives with the metric of ``geom``.

    Parameters
    ----------
    rho0, vr, pressure : array_like
    geom : GeometryState (uses ``gamma_rr`` and ``e6phi``)
    eos : an EOS of :mod:`source.matter.eos.eos`
    """
    rho0, vr, pressure, gamma_rr, e6phi = np.broadcast_arrays(
        *(np.asarray(x, dtype=np.float64) for x in (rho0, vr, pressure, geom.gamma_rr,
                                                   geom.e6phi))
    )
    eps = np.asarray(eos.eps_from_rho_p(rho0, pressure), dtype=np.float64)
    out = [np.empty(rho0.shape) for _ in range(3)]
    prim_to_cons_array(*(np.ascontiguousarray(x).ravel() for x in
                         (rho0, vr, pressure, np.broadcast_to(eps, rho0.shape), gamma_rr,
                          e6phi)),
                       *(o.reshape(-1) for o in out))
    return tuple(out)


class Cons2PrimSolver:
    """Conservative -> primitive solver for whole arrays (reference interface).

    Parameters
    ----------
    eos : an EOS of :mod:`source.matter.eos.eos`
    atmosphere : AtmosphereParams
    tol : float
        Relative tolerance (default 1e-13).
    max_iter : int
    solver_method : {"kastaun", "newton"}
        "newton" = Newton fast path with Kastaun fallback (ideal gas only; the hybrid EOS
        uses Kastaun, the barotropic EOS its bracketed solver).
    """

    def __init__(self, eos, atmosphere, tol=DEFAULT_TOL, max_iter=DEFAULT_MAX_ITER,
                 solver_method="kastaun"):
        if solver_method not in C2P_METHODS:
            raise ValueError(
                f"solver_method must be one of {sorted(C2P_METHODS)} (got {solver_method!r})"
            )
        self.eos = eos
        self.atmosphere = atmosphere
        self.tol = float(tol)
        self.max_iter = int(max_iter)
        self.solver_method = solver_method
        self.method_id = C2P_METHODS[solver_method]
        self.atm_packed = atmosphere.packed(eos)
        self.reset_statistics()

    def reset_statistics(self):
        self.stats = {"total_calls": 0, "cells": 0, "successful_conversions": 0,
                      "atmosphere_cells": 0, "failures": 0}

    def get_statistics(self):
        return dict(self.stats)

    def convert(self, D, Sr, tau, geom, p_guess=None):
        """Recover primitives from *physical* (de-densitised) D, S_r, tau.

        Returns
        -------
        rho0, vr, p, eps, W, h : ndarray
        status : ndarray of int8 (C2P_OK / C2P_ATMOSPHERE / C2P_FAILED)
        """
        D = np.ascontiguousarray(D, dtype=np.float64)
        n = D.shape[0]
        gamma_rr = np.ascontiguousarray(np.broadcast_to(geom.gamma_rr, (n,)), dtype=np.float64)
        ones = np.ones(n)
        out = [np.empty(n) for _ in range(6)]
        status = np.empty(n, dtype=np.int8)
        iters = np.empty(n, dtype=np.int32)
        guess = np.zeros(n) if p_guess is None else np.ascontiguousarray(p_guess, np.float64)
        cons = (D, np.ascontiguousarray(Sr, np.float64), np.ascontiguousarray(tau, np.float64))
        cons_to_prim_array(cons, gamma_rr, ones, self.eos.params, self.atm_packed,
                           self.method_id, guess, self.tol, self.max_iter, tuple(out), status,
                           iters)
        self.last_iterations = iters
        self.stats["total_calls"] += 1
        self.stats["cells"] += n
        self.stats["successful_conversions"] += int(np.count_nonzero(status == C2P_OK))
        self.stats["atmosphere_cells"] += int(np.count_nonzero(status == C2P_ATMOSPHERE))
        self.stats["failures"] += int(np.count_nonzero(status == C2P_FAILED))
        return (*out, status)


ConservativeToPrimitive = Cons2PrimSolver
