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
every ``record_every`` steps into a preallocated array. With ``well_balanced`` (a separate
build) every stage's RHS is less that of the unperturbed star (``subtract_equilibrium``).

Threading: each pass exists as a serial and a ``prange`` loop; ``use_parallel`` selects at
run time (chosen by grid size, see ``choose_threads``). No ``fastmath`` anywhere: NaN guards
and root-finder stopping tests live in these kernels.
"""

import functools
import math
import types

import numpy as np
from numba import njit, prange

from source.core.spacing import NUM_GHOSTS
from source.matter.hydro.atmosphere import needs_reset, vacuum_state
from source.matter.hydro.cons2prim import (
    C2P_FAILED,
    cons_to_prim_kastaun,
    cons_to_prim_point,
)
from source.matter.hydro.geometry import (
    F_ALPHA,
    F_AREA,
    F_BETA,
    F_E6PHI,
    F_GRR,
    G_ALPHA,
    G_BETA,
    G_DALPHA,
    G_DBETA,
    G_DLOG_ANG,
    G_E6PHI,
    G_GRR,
    G_HATD_GRR,
    G_KANG,
    G_KRR,
    G_TWO_OVER_R,
    G_VOLUME,
)
from source.matter.hydro.reconstruction import reconstruct_left
from source.matter.hydro.riemann import face_flux, limit_face_state, velocity_from_wv
from source.matter.hydro.valencia_reference_metric import cell_rhs, find_static_vacuum

# columns of the time-series record
TS_FIELDS = ("t", "rho_c", "rho_max", "v_c", "max_abs_v", "baryon_mass", "mass_outflow",
             "mass_reset", "c2p_failures", "atmosphere_resets")
NUM_TS = len(TS_FIELDS)

# driver return codes
RUN_OK = 0
RUN_NONFINITE = 1
RUN_C2P_FAILURE = 2

# Work per RK4 stage, in cells, from which the parallel kernels on 2 threads beat the serial
# ones (Intel Xeon, 2 vCPUs, 100 RK4 steps, see the README's performance section): the
# Cowling kernels skip static vacuum, so their work is the star (N = 8000, r_max = 100: 650
# star cells, 2 threads 47.2 ms vs serial 49.0 ms; N = 4000: 24.9 vs 24.2 ms); the dynamic
# ones evolve BSSN on every cell (N = 400: 23.5 vs 24.8 ms, N = 1000: 40.8 vs 54.7 ms).
PARALLEL_MIN_WORK_CELLS = 600


def choose_threads(work_cells, threads="auto", threshold=PARALLEL_MIN_WORK_CELLS):
    """(number of Numba threads, use the ``prange`` kernels) for a run.

    ``threads`` is "auto" or a count. A count > 1 runs the parallel kernels on that many
    threads, 1 the serial kernels. "auto" uses every thread Numba has (the machine's cores,
    or ``NUMBA_NUM_THREADS``) with the parallel kernels when a stage has at least
    ``threshold`` cells of work (``work_cells``), and the serial kernels on one thread below
    (a parallel region costs microseconds to start; a Cowling stage at N = 400 is ~20 us).
    """
    import numba

    if threads != "auto":
        n = int(threads)
        return n, n > 1
    n = numba.config.NUMBA_NUM_THREADS
    if n > 1 and work_cells >= threshold:
        return n, True
    return 1, False


def _build(body, name, **options):
    """``njit(**options)`` of the Python function ``body`` under the name ``name``.

    The serial and parallel builds of a kernel share one body. Compiling the body itself
    twice, rather than inlining one ``inline="always"`` body into two wrappers, saves
    seconds of compile time: Numba's inliner copies a callee block by block, each copy with
    the callee's whole variable scope, so inlining the fully inlined driver body cost
    ~1.7 s per build. The name gives each build its own entry in Numba's on-disk cache
    (file names are made from the qualified name and the first line of the body)."""
    fn = types.FunctionType(body.__code__, body.__globals__, name, body.__defaults__,
                            body.__closure__)
    fn.__qualname__ = name
    fn.__doc__ = body.__doc__
    return njit(**options)(fn)


@njit(cache=True, error_model="numpy", inline="always")
def _c2p_pass(U, prim, status, gc, eos, atm, c2p_method, tol, max_iter):
    """cons2prim of every cell (ghosts included) into ``prim`` / ``status``."""
    for i in prange(U.shape[1]):
        inv = 1.0 / gc[G_E6PHI, i]
        (prim[0, i], prim[1, i], prim[2, i], prim[3, i], prim[4, i], prim[5, i], status[i],
         _) = cons_to_prim_point(U[0, i] * inv, U[1, i] * inv, U[2, i] * inv, gc[G_GRR, i],
                                 eos, atm, c2p_method, prim[2, i], tol,
                                 max_iter)


@njit(cache=True, error_model="numpy", inline="always")
def _face_pass(prim, vacuum, gf, recon, solver, eos, atm, flux):
    """Flux at every face touching a non-vacuum interior cell; face f lies between cells
    f-1 and f and is stored at k = f - 1.

    rho0, z = W v^r and P are reconstructed from the cells f-3..f+2
    (``reconstruct_face_states`` of the modular path, one face at a time)."""
    n = prim.shape[1]
    for f in prange(NUM_GHOSTS, n - NUM_GHOSTS + 1):
        if vacuum[f - 1] and vacuum[f]:
            continue
        k = f - 1
        z_m3 = prim[1, f - 3] * prim[4, f - 3]
        z_m2 = prim[1, f - 2] * prim[4, f - 2]
        z_m1 = prim[1, f - 1] * prim[4, f - 1]
        z_0 = prim[1, f] * prim[4, f]
        z_p1 = prim[1, f + 1] * prim[4, f + 1]
        z_p2 = prim[1, f + 2] * prim[4, f + 2]
        rL = reconstruct_left(recon, prim[0, f - 3], prim[0, f - 2], prim[0, f - 1],
                              prim[0, f], prim[0, f + 1])
        rR = reconstruct_left(recon, prim[0, f + 2], prim[0, f + 1], prim[0, f],
                              prim[0, f - 1], prim[0, f - 2])
        pL = reconstruct_left(recon, prim[2, f - 3], prim[2, f - 2], prim[2, f - 1],
                              prim[2, f], prim[2, f + 1])
        pR = reconstruct_left(recon, prim[2, f + 2], prim[2, f + 1], prim[2, f],
                              prim[2, f - 1], prim[2, f - 2])
        zL = reconstruct_left(recon, z_m3, z_m2, z_m1, z_0, z_p1)
        zR = reconstruct_left(recon, z_p2, z_p1, z_0, z_m1, z_m2)
        grr = gf[F_GRR, k]
        rL, vL, pL = limit_face_state(rL, velocity_from_wv(zL, grr), pL, grr, atm)
        rR, vR, pR = limit_face_state(rR, velocity_from_wv(zR, grr), pR, grr, atm)
        flux[0, k], flux[1, k], flux[2, k] = face_flux(
            solver, rL, vL, pL, rR, vR, pR, gf[F_ALPHA, k], gf[F_BETA, k], grr,
            gf[F_E6PHI, k], eos, atm)


@njit(cache=True, error_model="numpy", inline="always")
def _cell_pass(formulation, flux, prim, vacuum, gc, gf, dx, rhs):
    """Flux divergence plus connection and source terms of every interior cell (zero in
    static vacuum)."""
    n = prim.shape[1]
    for i in prange(NUM_GHOSTS, n - NUM_GHOSTS):
        if vacuum[i]:
            rhs[0, i] = 0.0
            rhs[1, i] = 0.0
            rhs[2, i] = 0.0
            continue
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


@njit(cache=True, error_model="numpy", inline="always")
def _rhs_passes(U, rhs, prim, status, vacuum, flux, gc, gf, dx, recon, solver, formulation,
                eos, atm, c2p_method, tol, max_iter):
    """One fused RHS evaluation: the three passes, the static-vacuum flags, RHS ghosts."""
    _c2p_pass(U, prim, status, gc, eos, atm, c2p_method, tol, max_iter)
    find_static_vacuum(status, vacuum)
    _face_pass(prim, vacuum, gf, recon, solver, eos, atm, flux)
    _cell_pass(formulation, flux, prim, vacuum, gc, gf, dx, rhs)
    fill_hydro_ghosts(rhs)


# Serial and parallel builds of the same body. A parallel (``parallel=True``) kernel is
# never called from another compiled function: each one holds its own parallel regions.
# (Calling a cached parallel dispatcher from another cached function made Numba's cache
# inconsistent: a process that loaded both from the cache, after they had been compiled in
# different processes, crashed. See ``tests/test_fused.py::test_parallel_cache_reuse``.)
@njit(cache=True, error_model="numpy")
def _fused_rhs_serial(U, rhs, prim, status, vacuum, flux, gc, gf, dx, recon, solver,
                      formulation, eos, atm, c2p_method, tol, max_iter):
    _rhs_passes(U, rhs, prim, status, vacuum, flux, gc, gf, dx, recon, solver, formulation,
                eos, atm, c2p_method, tol, max_iter)


@njit(cache=True, parallel=True, error_model="numpy")
def _fused_rhs_parallel(U, rhs, prim, status, vacuum, flux, gc, gf, dx, recon, solver,
                        formulation, eos, atm, c2p_method, tol, max_iter):
    _rhs_passes(U, rhs, prim, status, vacuum, flux, gc, gf, dx, recon, solver, formulation,
                eos, atm, c2p_method, tol, max_iter)


def fused_rhs(U, rhs, prim, status, vacuum, flux, gc, gf, dx, recon, solver, formulation,
              eos, atm, c2p_method, tol, max_iter, use_parallel):
    """Cowling RHS of the hydro rows ``U`` (3, N) into ``rhs`` (3, N), ghosts included.

    ``prim`` (6, N) receives (rho0, v^r, P, eps, W, h) and holds the previous pressure as
    the Newton guess; ``status`` (N) the c2p status; ``vacuum`` (N, bool) the static-vacuum
    flags (``find_static_vacuum``: zero RHS, faces between two such cells skipped);
    ``flux`` (3, N-1) the face fluxes. ``use_parallel`` selects the ``prange`` kernel
    (a Python-level choice, so the parallel kernel is only compiled when used).
    """
    kernel = _fused_rhs_parallel if use_parallel else _fused_rhs_serial
    kernel(U, rhs, prim, status, vacuum, flux, gc, gf, dx, recon, solver, formulation,
           eos, atm, c2p_method, tol, max_iter)


@njit(cache=True, error_model="numpy")
def record_diagnostics(U, gc, t, eos, atm, tol, max_iter, prim_diag, row):
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
        r = cons_to_prim_kastaun(U[0, i] * inv, U[1, i] * inv, U[2, i] * inv, gc[G_GRR, i],
                                 eos, atm, tol, max_iter)
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


# ---------------------------------------------------------------------------------------
# RK4 building blocks, for any number of rows (Cowling: the 3 hydro rows; dynamic: the 12
# BSSN rows followed by the 3 hydro rows, ``h0`` = index of the first hydro row)
# ---------------------------------------------------------------------------------------
@njit(cache=True, error_model="numpy", inline="always")
def axpy(Y, U, a, k):
    """Y = U + a k (all rows and columns)."""
    for v in range(U.shape[0]):
        for i in range(U.shape[1]):
            Y[v, i] = U[v, i] + a * k[v, i]


@njit(cache=True, error_model="numpy", inline="always")
def count_failures(status, nfail, bad, first):
    """Add the interior cells from ``first`` on with C2P_FAILED to (nfail, bad = last failed
    cell); cells below ``first`` are excised (inside a black hole)."""
    n = status.shape[0]
    for i in range(max(first, NUM_GHOSTS), n - NUM_GHOSTS):
        if status[i] == C2P_FAILED:
            nfail += 1
            bad = i
    return nfail, bad


@njit(cache=True, error_model="numpy", inline="always")
def subtract_equilibrium(k, offset):
    """The well-balanced right-hand side (``--well-balanced``), in place:

        k = L_h(U) - L_h(U_eq),

    ``k`` the discrete RHS of a stage, ``offset`` that of the unperturbed star, evaluated
    once by the same code (all rows and columns: the ghosts of both carry the same maps).
    """
    for v in range(k.shape[0]):
        for i in range(k.shape[1]):
            k[v, i] = k[v, i] - offset[v, i]


@njit(cache=True, error_model="numpy", inline="always")
def rk4_combine(U, dt, k1, k2, k3, k4):
    """U += dt/6 (k1 + 2 k2 + 2 k3 + k4), in place."""
    for v in range(U.shape[0]):
        for i in range(U.shape[1]):
            U[v, i] = U[v, i] + dt / 6.0 * (k1[v, i] + 2.0 * k2[v, i] + 2.0 * k3[v, i]
                                            + k4[v, i])


@njit(cache=True, error_model="numpy", inline="always")
def copy_rows(U, out):
    for v in range(U.shape[0]):
        for i in range(U.shape[1]):
            out[v, i] = U[v, i]


@njit(cache=True, error_model="numpy")
def end_step(U, U_prev, h0, e6phi, volume, area_out, atm, dt, fsum, nfail, bad,
             stop_on_c2p_failure, books, first):
    """After a full step: atmosphere of the excised cells (below ``first``: inside a black
    hole; 0 for none), NaN/inf check of every row, atmosphere reset of the hydro rows
    ``h0 .. h0 + 2`` (with the densitisation ``e6phi`` of the new state), rest-mass books
    (``books[0]`` outflow through the outer face of area ``area_out``, ``[1]`` mass added by
    resets, ``[5]`` mass added (negative: removed) by excision).

    Returns (code, bad_cell); on failure the state is restored from ``U_prev``.
    """
    n = U.shape[1]
    last = n - NUM_GHOSTS - 1
    nonfinite = -1
    dmass = 0.0
    nreset = 0
    dexcised = 0.0
    for i in range(min(first, n)):
        new_d, _, new_tau = vacuum_state(e6phi[i], atm)
        d = U[h0, i]
        if NUM_GHOSTS <= i and math.isfinite(d):
            dexcised += volume[i] * (new_d - d)
        U[h0, i] = new_d
        U[h0 + 1, i] = 0.0
        U[h0 + 2, i] = new_tau
    for i in range(n):
        # one test per cell: a NaN or inf in any row makes the sum non-finite
        total = 0.0
        for v in range(U.shape[0]):
            total += U[v, i]
        if not math.isfinite(total):
            if NUM_GHOSTS <= i <= last:
                nonfinite = i
            continue
        d = U[h0, i]
        s = U[h0 + 1, i]
        ta = U[h0 + 2, i]
        e6 = e6phi[i]
        if needs_reset(d, ta, e6, atm):
            new_d, _, new_tau = vacuum_state(e6, atm)
            if NUM_GHOSTS <= i <= last and (new_d != d or s != 0.0 or new_tau != ta):
                dmass += volume[i] * (new_d - d)
                nreset += 1
            U[h0, i] = new_d
            U[h0 + 1, i] = 0.0
            U[h0 + 2, i] = new_tau
    if nonfinite >= 0 or (stop_on_c2p_failure and nfail > 0):
        copy_rows(U_prev, U)
        if nonfinite >= 0:
            return RUN_NONFINITE, nonfinite
        return RUN_C2P_FAILURE, bad
    books[0] += 4.0 * math.pi * area_out * dt / 6.0 * fsum
    books[1] += 4.0 * math.pi * dmass
    books[5] += 4.0 * math.pi * dexcised
    books[2] += nfail
    books[3] += nreset
    return RUN_OK, -1


@njit(cache=True, error_model="numpy", inline="always")
def _maybe_record(step, step0, dt, record_every, U, gc, eos, atm, tol, max_iter,
                  scratch, ts, rows, books):
    # inlined: as a function of its own it would link, optimise and emit the machine code of
    # the diagnostics (c2p included) once more at compile time
    if (step + 1) % record_every != 0:
        return rows
    row = ts[rows]
    record_diagnostics(U, gc, (step0 + step + 1) * dt, eos, atm, tol, max_iter,
                       scratch, row)
    for j in range(4):
        row[6 + j] = books[j]
    books[2] = 0.0
    books[3] = 0.0
    return rows + 1


def _rk4_scheme(recon, solver, formulation, c2p_method, well_balanced):
    """The body of ``rk4_chunk`` for one scheme: the method ids and ``well_balanced`` are
    constants of the closure, so Numba prunes the branches of the other methods (in the
    inlined passes and point functions) and, when it is off, the well-balanced subtraction
    before typing, and compiles only the scheme's own."""

    def rk4_steps(U, step0, dt, num_steps, record_every, gc, gf, dx, eos, atm, tol, max_iter,
                  prim, work, flux, status, ts, books, stop_on_c2p_failure, offset,
                  outflow_eq):
        k1, k2, k3, k4, Y, U_prev = work[0], work[1], work[2], work[3], work[4], work[5]
        face_out = U.shape[1] - NUM_GHOSTS - 1
        vacuum = np.empty(U.shape[1], dtype=np.bool_)
        # int64, not literal: callees typed with Literal[int](0) would be compiled twice
        rows = np.int64(0)
        for step in range(num_steps):
            fill_hydro_ghosts(U)
            copy_rows(U, U_prev)
            nfail, bad, fsum = np.int64(0), np.int64(-1), 0.0
            for stage in range(4):
                src = U if stage == 0 else Y
                k = (k1, k2, k3, k4)[stage]
                # the passes of ``_rhs_passes``, inlined one level less deep (compile time)
                _c2p_pass(src, prim, status, gc, eos, atm, c2p_method, tol, max_iter)
                find_static_vacuum(status, vacuum)
                _face_pass(prim, vacuum, gf, recon, solver, eos, atm, flux)
                _cell_pass(formulation, flux, prim, vacuum, gc, gf, dx, k)
                fill_hydro_ghosts(k)
                if well_balanced:
                    # d_t U = L_h(U) - L_h(U_eq); the D row's divergence is then that of
                    # F - F_eq, which is what leaves through the outer face
                    subtract_equilibrium(k, offset)
                    outflow = flux[0, face_out] - outflow_eq
                else:
                    outflow = flux[0, face_out]
                nfail, bad = count_failures(status, nfail, bad, 0)
                fsum += (1.0 if stage == 0 or stage == 3 else 2.0) * outflow
                if stage < 3:
                    axpy(Y, U, (0.5 if stage < 2 else 1.0) * dt, k)
            rk4_combine(U, dt, k1, k2, k3, k4)
            code, cell = end_step(U, U_prev, 0, gc[G_E6PHI], gc[G_VOLUME],
                                  gf[F_AREA, face_out], atm, dt, fsum, nfail, bad,
                                  stop_on_c2p_failure, books, 0)
            if code != RUN_OK:
                return code, step, rows, cell
            rows = _maybe_record(step, step0, dt, record_every, U, gc, eos, atm, tol,
                                 max_iter, U_prev, ts, rows, books)
        return RUN_OK, num_steps, rows, -1

    return rk4_steps


@functools.cache
def _rk4_driver(recon, solver, formulation, c2p_method, well_balanced, parallel):
    """The compiled driver of one scheme (method ids, well-balanced or not) and build, made
    on first use.

    Two builds, serial and parallel (Numba compiles every branch of a function, so a
    run-time choice inside one driver would compile the parallel kernels for every serial
    run), and one per scheme. The name, which holds both, keys Numba's on-disk cache (the
    closure's constants are part of the cache's index key too)."""
    build = "parallel" if parallel else "serial"
    name = f"_rk4_chunk_{build}_r{recon}_s{solver}_f{formulation}_c{c2p_method}"
    if well_balanced:
        name += "_wb"
    return _build(_rk4_scheme(recon, solver, formulation, c2p_method, well_balanced), name,
                  cache=True, parallel=parallel, error_model="numpy")


def rk4_chunk(U, step0, dt, num_steps, record_every, gc, gf, dx, recon, solver, formulation,
              eos, atm, c2p_method, tol, max_iter, use_parallel, prim, work,
              flux, status, ts, books, stop_on_c2p_failure, well_balanced=False,
              offset=None, outflow_eq=0.0):
    """Advance the hydro rows ``U`` (3, N) by up to ``num_steps`` RK4 steps, in place,
    without returning to Python (compiled driver; ``use_parallel`` picks the kernel).

    ``step0`` is the global number of the first step (times are step * dt, exactly the
    same numbers whatever the chunking). Per step: state ghosts filled once (the RHS
    ghosts carry the same linear maps, so every stage state is ghost-consistent), four
    fused RHS evaluations, the RK4 combination, the NaN/inf check, the atmosphere reset,
    the rest-mass books and, every ``record_every``
    steps, a time-series row.

    Parameters
    ----------
    work : ndarray (6, 3, N)
        Scratch: k1..k4, the stage state and the previous state.
    ts : ndarray (num_steps // record_every + 1, NUM_TS)
        Time-series rows, one every ``record_every`` steps (after the step).
    books : ndarray (4,)
        Running [mass_outflow, mass_reset, c2p_failures since last record,
        atmosphere resets since last record]; carried across chunks by the caller.
    well_balanced, offset, outflow_eq : bool, ndarray (3, N), float
        The well-balanced scheme (``subtract_equilibrium``): every stage's RHS less
        ``offset`` = L_h(U_eq), the outer face's mass flux less that of U_eq,
        ``outflow_eq``. Off: a driver without them (``offset`` unused).

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
    driver = _rk4_driver(int(recon), int(solver), int(formulation), int(c2p_method),
                         bool(well_balanced), bool(use_parallel))
    if offset is None:
        offset = np.zeros((0, 0))
    return driver(U, step0, dt, num_steps, record_every, gc, gf, dx, eos, atm, tol, max_iter,
                  prim, work, flux, status, ts, books, stop_on_c2p_failure, offset,
                  float(outflow_eq))
