"""The fast path: one fused Cowling RHS kernel and a compiled RK4 driver.

``fused_rhs`` does, for the hydro rows (3, N) of the state, in three passes over the grid:
cons2prim of every cell -> reconstruction, face limiting and Riemann flux at every face
touching an interior cell -> flux divergence plus connection and source terms of every
interior cell, and finally the RHS ghost cells with the same linear boundary maps as the
state (inner parity, outer copy). Every formula is a call to the point-wise functions of
``source.matter.hydro`` that the modular path uses, so both paths give identical numbers.

``rk4_chunk`` runs many RK4 steps without returning to Python: it fills the state's ghosts
once per step (exact, because the RHS ghosts carry the same maps), applies the atmosphere
reset after each full step, checks for NaN/inf and c2p failures, keeps the rest-mass books
(outflow through the outer face and mass added by resets) and records a time-series row
every ``record_every`` steps into a preallocated array.

Threading: each pass exists as a serial and a ``prange`` loop; ``use_parallel`` selects at
run time (chosen by grid size, see ``choose_parallel``). No ``fastmath`` anywhere: NaN guards
and root-finder stopping tests live in these kernels.
"""

import math

import numpy as np
from numba import njit, prange

from source.core.spacing import NUM_GHOSTS
from source.matter.hydro.atmosphere import ATM_RHO_FLOOR, ATM_RHO_THRESHOLD, ATM_TAU_ATM
from source.matter.hydro.cons2prim import C2P_FAILED, cons_to_prim_point
from source.matter.hydro.reconstruction import reconstruct_left
from source.matter.hydro.riemann import face_flux, limit_face_state, velocity_from_wv
from source.matter.hydro.valencia_reference_metric import cell_rhs, find_static_vacuum

# rows of the packed geometry (GeometryCache.CELL_FIELDS / FACE_FIELDS)
G_ALPHA, G_BETA, G_GRR, G_E6PHI, G_DALPHA, G_DBETA, G_HATD_GRR, G_DLOG_ANG, G_KRR, \
    G_KANG, G_TWO_OVER_R, G_VOLUME = range(12)
F_ALPHA, F_BETA, F_GRR, F_E6PHI, F_AREA = range(5)

# columns of the time-series record
TS_FIELDS = ("t", "rho_c", "rho_max", "v_c", "max_abs_v", "baryon_mass", "mass_outflow",
             "mass_reset", "c2p_failures", "atmosphere_resets")
NUM_TS = len(TS_FIELDS)

# driver return codes
RUN_OK = 0
RUN_NONFINITE = 1
RUN_C2P_FAILURE = 2

PARALLEL_MIN_POINTS = 1_000_000  # replaced by measurement in profiling/REPORT.md


def choose_parallel(num_points, threshold=PARALLEL_MIN_POINTS):
    """Whether to use the ``prange`` loops for a grid of ``num_points`` cells."""
    return num_points >= threshold


@njit(cache=True, error_model="numpy")
def _c2p_cell(i, U, prim, status, gc, eos_kind, gamma, K, atm, c2p_method, tol, max_iter):
    inv = 1.0 / gc[G_E6PHI, i]
    r = cons_to_prim_point(U[0, i] * inv, U[1, i] * inv, U[2, i] * inv, gc[G_GRR, i],
                           eos_kind, gamma, K, atm, c2p_method, prim[2, i], tol, max_iter)
    prim[0, i], prim[1, i], prim[2, i], prim[3, i], prim[4, i], prim[5, i], status[i], _ = r


@njit(cache=True, error_model="numpy")
def _flux_at_face(f, prim, gf, recon, solver, eos_kind, gamma, K, atm, flux):
    """Flux at face f (between cells f-1 and f); stored at solver index k = f - 1.

    Reconstructs rho0, z = W v^r and P from the cells f-3..f+2 (``reconstruct_face_states``
    of the modular path, one face at a time)."""
    k = f - 1
    rho = prim[0]
    vel = prim[1]
    prs = prim[2]
    Wc = prim[4]
    z_m3 = vel[f - 3] * Wc[f - 3]
    z_m2 = vel[f - 2] * Wc[f - 2]
    z_m1 = vel[f - 1] * Wc[f - 1]
    z_0 = vel[f] * Wc[f]
    z_p1 = vel[f + 1] * Wc[f + 1]
    z_p2 = vel[f + 2] * Wc[f + 2]
    rL = reconstruct_left(recon, rho[f - 3], rho[f - 2], rho[f - 1], rho[f], rho[f + 1])
    zL = reconstruct_left(recon, z_m3, z_m2, z_m1, z_0, z_p1)
    pL = reconstruct_left(recon, prs[f - 3], prs[f - 2], prs[f - 1], prs[f], prs[f + 1])
    rR = reconstruct_left(recon, rho[f + 2], rho[f + 1], rho[f], rho[f - 1], rho[f - 2])
    zR = reconstruct_left(recon, z_p2, z_p1, z_0, z_m1, z_m2)
    pR = reconstruct_left(recon, prs[f + 2], prs[f + 1], prs[f], prs[f - 1], prs[f - 2])
    grr = gf[F_GRR, k]
    rL, vL, pL = limit_face_state(rL, velocity_from_wv(zL, grr), pL, grr, atm)
    rR, vR, pR = limit_face_state(rR, velocity_from_wv(zR, grr), pR, grr, atm)
    flux[0, k], flux[1, k], flux[2, k] = face_flux(
        solver, rL, vL, pL, rR, vR, pR, gf[F_ALPHA, k], gf[F_BETA, k], grr, gf[F_E6PHI, k],
        eos_kind, gamma, K, atm)


@njit(cache=True, error_model="numpy")
def _rhs_cell(i, formulation, flux, prim, gc, gf, dx, vacuum, rhs):
    if vacuum[i]:
        rhs[0, i] = 0.0
        rhs[1, i] = 0.0
        rhs[2, i] = 0.0
        return
    rhs[0, i], rhs[1, i], rhs[2, i] = cell_rhs(
        formulation, flux[0, i - 1], flux[1, i - 1], flux[2, i - 1],
        flux[0, i], flux[1, i], flux[2, i], gf[F_AREA, i - 1], gf[F_AREA, i],
        gc[G_VOLUME, i], dx, prim[0, i], prim[1, i], prim[2, i], prim[4, i], prim[5, i],
        gc[G_ALPHA, i], gc[G_BETA, i], gc[G_GRR, i], gc[G_E6PHI, i], gc[G_DALPHA, i],
        gc[G_DBETA, i], gc[G_HATD_GRR, i], gc[G_DLOG_ANG, i], gc[G_KRR, i], gc[G_KANG, i],
        gc[G_TWO_OVER_R, i])


@njit(cache=True, error_model="numpy")
def fill_hydro_ghosts(A):
    """Boundary maps of the hydro rows (D, S_r, tau), in place: inner parity (+, -, +)
    across r = 0, outer zero-gradient copy. Linear, so valid for states and RHS alike."""
    n = A.shape[1]
    last = n - NUM_GHOSTS - 1
    for v in range(3):
        p = -1.0 if v == 1 else 1.0
        for i in range(NUM_GHOSTS):
            A[v, i] = p * A[v, 2 * NUM_GHOSTS - 1 - i]
        for i in range(last + 1, n):
            A[v, i] = A[v, last]


@njit(cache=True, error_model="numpy")
def _fused_rhs_serial(U, rhs, prim, status, vacuum, flux, gc, gf, dx, recon, solver,
                      formulation, eos_kind, gamma, K, atm, c2p_method, tol, max_iter):
    n = U.shape[1]
    for i in range(n):
        _c2p_cell(i, U, prim, status, gc, eos_kind, gamma, K, atm, c2p_method, tol, max_iter)
    find_static_vacuum(status, vacuum)
    for f in range(NUM_GHOSTS, n - NUM_GHOSTS + 1):
        if not (vacuum[f - 1] and vacuum[f]):
            _flux_at_face(f, prim, gf, recon, solver, eos_kind, gamma, K, atm, flux)
    for i in range(NUM_GHOSTS, n - NUM_GHOSTS):
        _rhs_cell(i, formulation, flux, prim, gc, gf, dx, vacuum, rhs)
    fill_hydro_ghosts(rhs)


@njit(cache=True, parallel=True, error_model="numpy")
def _fused_rhs_parallel(U, rhs, prim, status, vacuum, flux, gc, gf, dx, recon, solver,
                        formulation, eos_kind, gamma, K, atm, c2p_method, tol, max_iter):
    n = U.shape[1]
    for i in prange(n):
        _c2p_cell(i, U, prim, status, gc, eos_kind, gamma, K, atm, c2p_method, tol, max_iter)
    find_static_vacuum(status, vacuum)
    for f in prange(NUM_GHOSTS, n - NUM_GHOSTS + 1):
        if not (vacuum[f - 1] and vacuum[f]):
            _flux_at_face(f, prim, gf, recon, solver, eos_kind, gamma, K, atm, flux)
    for i in prange(NUM_GHOSTS, n - NUM_GHOSTS):
        _rhs_cell(i, formulation, flux, prim, gc, gf, dx, vacuum, rhs)
    fill_hydro_ghosts(rhs)


@njit(cache=True, error_model="numpy")
def fused_rhs(U, rhs, prim, status, vacuum, flux, gc, gf, dx, recon, solver, formulation,
              eos_kind, gamma, K, atm, c2p_method, tol, max_iter, use_parallel):
    """Cowling RHS of the hydro rows ``U`` (3, N) into ``rhs`` (3, N), ghosts included.

    ``prim`` (6, N) receives (rho0, v^r, P, eps, W, h) and holds the previous pressure as
    the Newton guess; ``status`` (N) the c2p status; ``vacuum`` (N, bool) the static-vacuum
    flags (``find_static_vacuum``: zero RHS, faces between two such cells skipped);
    ``flux`` (3, N-1) the face fluxes.
    """
    if use_parallel:
        _fused_rhs_parallel(U, rhs, prim, status, vacuum, flux, gc, gf, dx, recon, solver,
                            formulation, eos_kind, gamma, K, atm, c2p_method, tol, max_iter)
    else:
        _fused_rhs_serial(U, rhs, prim, status, vacuum, flux, gc, gf, dx, recon, solver,
                          formulation, eos_kind, gamma, K, atm, c2p_method, tol, max_iter)


@njit(cache=True, error_model="numpy")
def record_diagnostics(U, gc, t, eos_kind, gamma, K, atm, tol, max_iter, prim_diag, row):
    """Fill one time-series row (columns 0-5 of ``TS_FIELDS``) from the state ``U``.

    Uses its own primitive array (Kastaun, no guess) so diagnostics never feed back into
    the evolution. Rest mass M0 = 4 pi sum_interior V_i D~_i (exactly the quantity the
    "partial" formulation conserves).
    """
    n = U.shape[1]
    rho_max = 0.0
    vmax = 0.0
    mass = 0.0
    for i in range(NUM_GHOSTS, n - NUM_GHOSTS):
        inv = 1.0 / gc[G_E6PHI, i]
        r = cons_to_prim_point(U[0, i] * inv, U[1, i] * inv, U[2, i] * inv, gc[G_GRR, i],
                               eos_kind, gamma, K, atm, 0, 0.0, tol, max_iter)
        prim_diag[0, i] = r[0]
        prim_diag[1, i] = r[1]
        if r[0] > rho_max:
            rho_max = r[0]
        v = abs(r[1]) * math.sqrt(gc[G_GRR, i])
        if v > vmax:
            vmax = v
        mass += gc[G_VOLUME, i] * U[0, i]
    row[0] = t
    row[1] = prim_diag[0, NUM_GHOSTS]
    row[2] = rho_max
    row[3] = prim_diag[1, NUM_GHOSTS]
    row[4] = vmax
    row[5] = 4.0 * math.pi * mass


@njit(cache=True, error_model="numpy")
def rk4_chunk(U, t0, dt, num_steps, record_every, gc, gf, dx, recon, solver, formulation,
              eos_kind, gamma, K, atm, c2p_method, tol, max_iter, use_parallel, prim, work,
              flux, status, ts, books, stop_on_c2p_failure):
    """Advance the hydro rows ``U`` (3, N) by up to ``num_steps`` RK4 steps, in place.

    Parameters
    ----------
    work : ndarray (6, 3, N)
        Scratch: k1..k4, the stage state and a spare.
    ts : ndarray (num_steps // record_every, NUM_TS)
        Time-series rows, one every ``record_every`` steps (after the step).
    books : ndarray (4,)
        Running [mass_outflow, mass_reset, c2p_failures since last record,
        atmosphere resets since last record]; carried across chunks by the caller.

    Returns
    -------
    code : int
        RUN_OK, RUN_NONFINITE or RUN_C2P_FAILURE.
    steps_done : int
        Completed (and valid) steps. On failure the state is the last good one.
    rows : int
        Time-series rows written.
    bad_cell : int
        Cell index of the failure (-1 if none).
    """
    n = U.shape[1]
    k1 = work[0]
    k2 = work[1]
    k3 = work[2]
    k4 = work[3]
    Y = work[4]
    U_prev = work[5]
    last = n - NUM_GHOSTS - 1
    face_out = last  # solver index of the outer face of the last interior cell
    area_out = gf[F_AREA, face_out]
    rows = 0
    vacuum = np.empty(n, dtype=np.bool_)
    for step in range(num_steps):
        fill_hydro_ghosts(U)
        for v in range(3):
            for i in range(n):
                U_prev[v, i] = U[v, i]
        # stage 1
        fused_rhs(U, k1, prim, status, vacuum, flux, gc, gf, dx, recon, solver, formulation,
                  eos_kind, gamma, K, atm, c2p_method, tol, max_iter, use_parallel)
        f1 = flux[0, face_out]
        nfail = 0
        bad = -1
        for i in range(NUM_GHOSTS, n - NUM_GHOSTS):
            if status[i] == C2P_FAILED:
                nfail += 1
                bad = i
        for v in range(3):
            for i in range(n):
                Y[v, i] = U[v, i] + 0.5 * dt * k1[v, i]
        fused_rhs(Y, k2, prim, status, vacuum, flux, gc, gf, dx, recon, solver, formulation,
                  eos_kind, gamma, K, atm, c2p_method, tol, max_iter, use_parallel)
        f2 = flux[0, face_out]
        for i in range(NUM_GHOSTS, n - NUM_GHOSTS):
            if status[i] == C2P_FAILED:
                nfail += 1
                bad = i
        for v in range(3):
            for i in range(n):
                Y[v, i] = U[v, i] + 0.5 * dt * k2[v, i]
        fused_rhs(Y, k3, prim, status, vacuum, flux, gc, gf, dx, recon, solver, formulation,
                  eos_kind, gamma, K, atm, c2p_method, tol, max_iter, use_parallel)
        f3 = flux[0, face_out]
        for i in range(NUM_GHOSTS, n - NUM_GHOSTS):
            if status[i] == C2P_FAILED:
                nfail += 1
                bad = i
        for v in range(3):
            for i in range(n):
                Y[v, i] = U[v, i] + dt * k3[v, i]
        fused_rhs(Y, k4, prim, status, vacuum, flux, gc, gf, dx, recon, solver, formulation,
                  eos_kind, gamma, K, atm, c2p_method, tol, max_iter, use_parallel)
        f4 = flux[0, face_out]
        for i in range(NUM_GHOSTS, n - NUM_GHOSTS):
            if status[i] == C2P_FAILED:
                nfail += 1
                bad = i
        for v in range(3):
            for i in range(n):
                U[v, i] = U[v, i] + dt / 6.0 * (k1[v, i] + 2.0 * k2[v, i] + 2.0 * k3[v, i]
                                                + k4[v, i])
        # after the full step: NaN check, atmosphere reset, books
        nonfinite = -1
        dmass = 0.0
        nreset = 0
        for i in range(n):
            d = U[0, i]
            s = U[1, i]
            ta = U[2, i]
            if not (math.isfinite(d) and math.isfinite(s) and math.isfinite(ta)):
                if NUM_GHOSTS <= i <= last:
                    nonfinite = i
                continue
            e6 = gc[G_E6PHI, i]
            if d < atm[ATM_RHO_THRESHOLD] * e6 or ta + d < 0.0:
                new_d = atm[ATM_RHO_FLOOR] * e6
                if NUM_GHOSTS <= i <= last:
                    dmass += gc[G_VOLUME, i] * (new_d - d)
                    nreset += 1
                U[0, i] = new_d
                U[1, i] = 0.0
                U[2, i] = atm[ATM_TAU_ATM] * e6
        if nonfinite >= 0 or (stop_on_c2p_failure and nfail > 0):
            for v in range(3):
                for i in range(n):
                    U[v, i] = U_prev[v, i]
            if nonfinite >= 0:
                return RUN_NONFINITE, step, rows, nonfinite
            return RUN_C2P_FAILURE, step, rows, bad
        books[0] += 4.0 * math.pi * area_out * dt / 6.0 * (f1 + 2.0 * f2 + 2.0 * f3 + f4)
        books[1] += 4.0 * math.pi * dmass
        books[2] += nfail
        books[3] += nreset
        if (step + 1) % record_every == 0:
            row = ts[rows]
            record_diagnostics(U, gc, t0 + (step + 1) * dt, eos_kind, gamma, K, atm, tol,
                               max_iter, work[5], row)
            row[6] = books[0]
            row[7] = books[1]
            row[8] = books[2]
            row[9] = books[3]
            books[2] = 0.0
            books[3] = 0.0
            rows += 1
    return RUN_OK, num_steps, rows, -1
