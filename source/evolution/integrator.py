"""The time integrator, written once for every mode: the compiled RK4 stage loop and its
building blocks, and the classic RK4 of the readable (modular) path.

The compiled driver (``rk4_driver``) runs many RK4 steps without returning to Python. Per
step it fills the state's ghosts once (exact: the RHS ghosts carry the same linear maps, so
every stage state is ghost-consistent), makes four RHS evaluations, the RK4 combination,
the NaN/inf check, the atmosphere reset, the rest-mass books (``columns.BOOK``) and, every
``record_every`` steps, a time-series row (``columns.COL``). With ``scheme.well_balanced``
(a separate build) every stage's RHS is less that of the unperturbed star
(``subtract_equilibrium``).

What differs by mode comes from the mode as ``ModeHooks`` (Cowling: ``fused``, dynamic:
``dynamic``): the ghost fill at the start of a step, the first cell outside an excised
region, the stage RHS, the densitisation e^{6 phi} of the new state, and the diagnostic
columns of a row. The hooks receive the mode's ``model`` (a named tuple: the packed
geometry ``gc``/``gf``, ``dx``, the c2p tolerances and the mode's own parameters), the EOS
and atmosphere tuples ``eos``/``atm`` (the kernels' own bundles, passed as they are: Numba's
parallel loops need a named tuple they use to be an argument, not a field of another) and
``work`` (a named tuple of work arrays, with at least ``stages`` (6, rows, N): k1..k4, the
stage state and the previous state; ``flux``: the face fluxes of the last RHS; ``status``:
its c2p status), which the stage loop passes through unopened. The loop itself reads only
``model.gc``/``model.gf`` (cell volumes, outer face area), ``atm``, ``work.stages``,
``work.flux`` and ``work.status``.

One build per mode, scheme (``Scheme``: the method ids and ``well_balanced``, constants
of the build, so Numba prunes the other methods' branches before typing) and serial or
parallel kernels; the build's name, which holds all of them, keys Numba's on-disk cache.
"""

import functools
import math
from collections import namedtuple

import numpy as np

from source.core.spacing import NUM_GHOSTS
from source.jit import build_closure, inline_kernel, kernel, unowned
from source.matter.hydro.atmosphere import needs_reset, vacuum_state
from source.matter.hydro.cons2prim import C2P_FAILED
from source.matter.hydro.geometry import F_AREA, G_VOLUME

from .columns import BOOK, COL

# driver return codes
RUN_OK = 0
RUN_NONFINITE = 1
RUN_C2P_FAILURE = 2

# The hydro rows (D, S_r, tau) are the last three rows of every evolved state.
NUM_HYDRO_ROWS = 3

# Work per RK4 stage, in cells, from which the parallel kernels on 2 threads beat the serial
# ones (Intel Xeon, 2 vCPUs, 100 RK4 steps, see the README's performance section): the
# Cowling kernels skip static vacuum, so their work is the star (N = 8000, r_max = 100: 650
# star cells, 2 threads 47.2 ms vs serial 49.0 ms; N = 4000: 24.9 vs 24.2 ms); the dynamic
# ones evolve BSSN on every cell (N = 400: 23.5 vs 24.8 ms, N = 1000: 40.8 vs 54.7 ms).
PARALLEL_MIN_WORK_CELLS = 600

#: The numerical scheme of a run: the method ids of the hydro kernels (reconstruction,
#: Riemann solver, formulation, cons2prim) and the well-balanced switch. It is the key of
#: the compiled drivers: each scheme is its own build.
Scheme = namedtuple("Scheme", ("recon", "solver", "formulation", "c2p_method",
                               "well_balanced"))

#: What a mode supplies to the stage loop (compiled functions; see the module docstring):
#:
#: * ``fill_step_ghosts(U)``: the state's ghosts, once at the start of a step;
#: * ``first_live_cell(model, books)``: the first cell outside the excised region (0: none);
#: * ``stage_rhs(U, k, model, work, eos, atm, recon, solver, formulation, c2p_method)``:
#:   the RHS of ``U`` into ``k``, ghosts included, leaving its face fluxes and c2p status in
#:   ``work``;
#: * ``densitisation(U, model, work)``: e^{6 phi} at every cell of the new state ``U``;
#: * ``record_row(U, t, row, books, model, work, eos, atm)``: the mode's diagnostic columns
#:   of a time-series row (the books' columns are the stage loop's).
ModeHooks = namedtuple("ModeHooks", ("fill_step_ghosts", "first_live_cell", "stage_rhs",
                                     "densitisation", "record_row"))


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


# ---------------------------------------------------------------------------------------
# RK4 building blocks, for any number of rows (Cowling: the 3 hydro rows; dynamic: the 12
# BSSN rows followed by the 3 hydro rows)
# ---------------------------------------------------------------------------------------
@inline_kernel
def axpy(Y, U, a, k):
    """Y = U + a k (all rows and columns)."""
    for v in range(U.shape[0]):
        for i in range(U.shape[1]):
            Y[v, i] = U[v, i] + a * k[v, i]


@inline_kernel
def count_failures(status, nfail, bad, first):
    """Add the interior cells from ``first`` on with C2P_FAILED to (nfail, bad = last failed
    cell); cells below ``first`` are excised (inside a black hole)."""
    n = status.shape[0]
    for i in range(max(first, NUM_GHOSTS), n - NUM_GHOSTS):
        if status[i] == C2P_FAILED:
            nfail += 1
            bad = i
    return nfail, bad


@inline_kernel
def subtract_equilibrium(k, offset):
    """The well-balanced right-hand side (``--well-balanced``), in place:

        k = L_h(U) - L_h(U_eq),

    ``k`` the discrete RHS of a stage, ``offset`` that of the unperturbed star, evaluated
    once by the same code (all rows and columns: the ghosts of both carry the same maps).
    """
    for v in range(k.shape[0]):
        for i in range(k.shape[1]):
            k[v, i] = k[v, i] - offset[v, i]


@inline_kernel
def rk4_combine(U, dt, k1, k2, k3, k4):
    """U += dt/6 (k1 + 2 k2 + 2 k3 + k4), in place."""
    for v in range(U.shape[0]):
        for i in range(U.shape[1]):
            U[v, i] = U[v, i] + dt / 6.0 * (k1[v, i] + 2.0 * k2[v, i] + 2.0 * k3[v, i]
                                            + k4[v, i])


@inline_kernel
def copy_rows(U, out):
    for v in range(U.shape[0]):
        for i in range(U.shape[1]):
            out[v, i] = U[v, i]


@kernel
def end_step(U, U_prev, h0, e6phi, volume, area_out, atm, dt, fsum, nfail, bad,
             stop_on_c2p_failure, books, first):
    """After a full step: atmosphere of the excised cells (below ``first``: inside a black
    hole; 0 for none), NaN/inf check of every row, atmosphere reset of the hydro rows
    ``h0 .. h0 + 2`` (with the densitisation ``e6phi`` of the new state), rest-mass books
    (outflow through the outer face of area ``area_out``: ``fsum`` is the sum of the four
    stages' face fluxes with the RK4 weights 1, 2, 2, 1; mass added by resets and by
    excision; c2p failures and resets).

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
    books[BOOK.mass_outflow] += 4.0 * math.pi * area_out * dt / 6.0 * fsum
    books[BOOK.mass_reset] += 4.0 * math.pi * dmass
    books[BOOK.mass_excised] += 4.0 * math.pi * dexcised
    books[BOOK.c2p_failures] += nfail
    books[BOOK.atmosphere_resets] += nreset
    return RUN_OK, -1


@inline_kernel
def record_books(row, books):
    """The books' columns of a time-series row; the counts since the last row restart."""
    row[COL.mass_outflow] = books[BOOK.mass_outflow]
    row[COL.mass_reset] = books[BOOK.mass_reset]
    row[COL.c2p_failures] = books[BOOK.c2p_failures]
    row[COL.atmosphere_resets] = books[BOOK.atmosphere_resets]
    books[BOOK.c2p_failures] = 0.0
    books[BOOK.atmosphere_resets] = 0.0


# ---------------------------------------------------------------------------------------
# The compiled driver
# ---------------------------------------------------------------------------------------
def _rk4_scheme(scheme, parallel):
    """The body of the driver for one scheme: the method ids and ``well_balanced`` are
    constants of the closure, so Numba prunes the branches of the other methods (in the
    inlined RHS passes and point functions) and, when it is off, the well-balanced
    subtraction before typing, and compiles only the scheme's own. The mode's hooks are
    globals of the body, bound by ``rk4_driver`` (a dispatcher cannot be a closure
    constant of a cached function: Numba's cache key pickles those, and a dispatcher's
    pickle holds a per-process id)."""
    recon, solver, formulation, c2p_method = (int(v) for v in scheme[:4])
    well_balanced = bool(scheme.well_balanced)

    def rk4_steps(U, step0, dt, num_steps, record_every, model, eos, atm, work, ts, books,
                  stop_on_c2p_failure, balance):
        if not parallel:
            # no reference counting of the bundles' arrays in the loops (a parallel
            # build's loops receive views that hold none, and Numba's parallel lowering
            # rebuilds a named tuple only from an argument or a call of its class)
            eos, model, work = unowned(eos), unowned(model), unowned(work)
        k1, k2, k3, k4, Y, U_prev = (work.stages[0], work.stages[1], work.stages[2],
                                     work.stages[3], work.stages[4], work.stages[5])
        face_out = U.shape[1] - NUM_GHOSTS - 1
        h0 = U.shape[0] - NUM_HYDRO_ROWS
        # int64, not literal: callees typed with Literal[int](0) would be compiled twice
        rows = np.int64(0)
        for step in range(num_steps):
            fill_step_ghosts(U)  # noqa: F821 (a mode hook)
            copy_rows(U, U_prev)
            first = first_live_cell(model, books)  # noqa: F821 (a mode hook)
            nfail, bad, fsum = np.int64(0), np.int64(-1), 0.0
            for stage in range(4):
                src = U if stage == 0 else Y
                k = (k1, k2, k3, k4)[stage]
                stage_rhs(src, k, model, work, eos, atm,  # noqa: F821 (a mode hook)
                          recon, solver, formulation, c2p_method)
                if well_balanced:
                    # d_t U = L_h(U) - L_h(U_eq); the D row's divergence is then that of
                    # F - F_eq, which is what leaves through the outer face
                    offset, outflow_eq = balance
                    subtract_equilibrium(k, offset)
                    outflow = work.flux[0, face_out] - outflow_eq
                else:
                    outflow = work.flux[0, face_out]
                nfail, bad = count_failures(work.status, nfail, bad, first)
                fsum += (1.0 if stage == 0 or stage == 3 else 2.0) * outflow
                if stage < 3:
                    axpy(Y, U, (0.5 if stage < 2 else 1.0) * dt, k)
            rk4_combine(U, dt, k1, k2, k3, k4)
            code, cell = end_step(U, U_prev, h0,
                                  densitisation(U, model, work),  # noqa: F821 (a mode hook)
                                  model.gc[G_VOLUME], model.gf[F_AREA, face_out], atm,
                                  dt, fsum, nfail, bad, stop_on_c2p_failure, books, first)
            if code != RUN_OK:
                return code, step, rows, cell
            if (step + 1) % record_every == 0:
                row = ts[rows]
                # inlined hook: as a function of its own it would link, optimise and emit
                # the machine code of the diagnostics (c2p included) once more
                record_row(U, (step0 + step + 1) * dt, row, books,  # noqa: F821 (a mode hook)
                           model, work, eos, atm)
                record_books(row, books)
                rows += 1
        return RUN_OK, num_steps, rows, -1

    return rk4_steps


@functools.cache
def rk4_driver(mode, hooks, scheme, parallel):
    """The compiled RK4 driver of ``mode`` (its name, e.g. "cowling"), with the mode's
    ``hooks`` (``ModeHooks``), for one ``scheme`` (``Scheme`` of ints and a bool) and
    build, made on first use.

    Two builds, serial and parallel (Numba compiles every branch of a function, so a
    run-time choice inside one driver would compile the parallel kernels for every serial
    run), and one per scheme. The name, which holds all of them, keys Numba's on-disk cache
    (the closure's constants are part of the cache's index key too).

    The driver is called as ``driver(U, step0, dt, num_steps, record_every, model, eos,
    atm, work, ts, books, stop_on_c2p_failure, balance)`` and advances ``U`` by up to ``num_steps``
    RK4 steps in place. ``step0`` is the global number of the first step (times are
    step * dt, exactly the same numbers whatever the chunking); ``ts`` receives a row
    after every ``record_every``-th step; ``books`` (``columns.BOOK_FIELDS``) are carried
    across chunks by the caller; ``balance`` = (offset, outflow_eq): L_h(U_eq) and the
    rest-mass flux of U_eq through the outer face (used by the well-balanced scheme only).
    Returns (code: RUN_OK, RUN_NONFINITE or RUN_C2P_FAILURE; steps done, the state being the
    last good one on failure; rows written; the failing cell or -1).
    """
    build = "parallel" if parallel else "serial"
    name = (f"_{mode}_rk4_{build}_r{scheme.recon}_s{scheme.solver}_f{scheme.formulation}"
            f"_c{scheme.c2p_method}")
    if scheme.well_balanced:
        name += "_wb"
    return build_closure(_rk4_scheme(scheme, parallel), name, hooks._asdict(), cache=True,
                         parallel=parallel, error_model="numpy")


def advance_in_chunks(run_chunk, step, num_steps, every, ts_buffer):
    """``num_steps`` steps from the global step ``step`` by calls ``run_chunk(step0, n,
    record_every, ts)`` of a driver, split so that rows are recorded when the global step
    count is a multiple of ``every``. Returns (code, steps done, rows, bad cell)."""
    done_total = 0
    rows_total = 0
    while done_total < num_steps:
        to_next_record = every - (step + done_total) % every
        n = num_steps - done_total
        if to_next_record != every:
            n = min(n, to_next_record)
        code, done, rows, bad = run_chunk(step + done_total, n,
                                          every if to_next_record == every else to_next_record,
                                          ts_buffer[rows_total:])
        done_total += done
        rows_total += rows
        if code != RUN_OK:
            return code, done_total, rows_total, bad
    return RUN_OK, done_total, rows_total, -1


# ---------------------------------------------------------------------------------------
# The readable path: Runge-Kutta steps in NumPy. ``rhs(y_stage, stage)`` returns the RHS of
# a stage state (any array shape); ``stage`` is the stage's number, and the stage's time is
# t + NODES[stage] dt.
# ---------------------------------------------------------------------------------------
RK4_NODES = (0.0, 0.5, 0.5, 1.0)
RK4_WEIGHTS = (1.0, 2.0, 2.0, 1.0)
SSPRK3_NODES = (0.0, 1.0, 0.5)


def rk4_stages(y, dt, rhs):
    """The four stage right-hand sides of classic RK4 from ``y``."""
    ks = []
    for stage, c in enumerate(RK4_NODES):
        ks.append(rhs(y if c == 0.0 else y + c * dt * ks[-1], stage))
    return ks


def rk4_update(y, dt, ks):
    """y + dt/6 (k1 + 2 k2 + 2 k3 + k4), a new array."""
    k1, k2, k3, k4 = ks
    return y + dt / 6.0 * (k1 + 2.0 * k2 + 2.0 * k3 + k4)


def rk4_step(y, dt, rhs):
    """One classic RK4 step of ``y``, a new array."""
    return rk4_update(y, dt, rk4_stages(y, dt, rhs))


def ssprk3_step(y, dt, rhs):
    """One strong-stability-preserving RK3 step of ``y`` (Shu & Osher 1988, J. Comput.
    Phys. 77, 439, eq. 2.18), a new array."""
    y1 = y + dt * rhs(y, 0)
    y2 = 0.75 * y + 0.25 * (y1 + dt * rhs(y1, 1))
    return y / 3.0 + 2.0 / 3.0 * (y2 + dt * rhs(y2, 2))


#: The Runge-Kutta methods of the readable path by name: (step, stage nodes).
RUNGE_KUTTA = {"rk3": (ssprk3_step, SSPRK3_NODES), "rk4": (rk4_step, RK4_NODES)}
