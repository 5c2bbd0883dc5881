"""The fast path of the Cowling mode: one fused RHS kernel and the mode's hooks of the
compiled RK4 driver (``integrator.rk4_driver``).

``fused_rhs`` does, for the hydro rows (3, N) of the state, in three passes over the grid:
cons2prim of every cell -> reconstruction, face limiting and Riemann flux at every face
touching an interior cell -> flux divergence plus connection and source terms of every
interior cell, and finally the RHS ghost cells with the same linear boundary maps as the
state (inner parity, outer copy). Every formula is a call to the point-wise functions of
``source.matter.hydro`` that the modular path uses, so both paths give identical numbers
(the hybrid EOS kinds: to round-off, as the face pass takes the cold state of a face from
the inverse of its density variable, ``eos.eos_face_state``).

``COWLING_HOOKS`` hands the integrator what is the Cowling mode's own: the hydro rows'
ghost fill, this RHS as the stage RHS, the frozen densitisation and the diagnostic columns
(``record_diagnostics``); ``CowlingModel`` and ``CowlingWork`` are the bundles they read.

Threading: each pass exists as a serial and a ``prange`` loop; ``use_parallel`` selects at
run time (chosen by grid size, see ``integrator.choose_threads``). No ``fastmath`` anywhere:
NaN guards and root-finder stopping tests live in these kernels.
"""

import math
from collections import namedtuple

import numpy as np
from numba import prange

from source.core.spacing import NUM_GHOSTS
from source.jit import inline_kernel, kernel, parallel_kernel
from source.matter.eos.eos import eos_density_variable, eos_face_state
from source.matter.hydro.cons2prim import (
    cons_to_prim_kastaun,
    cons_to_prim_point,
)
from source.matter.hydro.geometry import (
    F_ALPHA,
    F_AREA,
    F_BETA,
    F_E6PHI,
    F_GRR,
    G_E6PHI,
    G_GRR,
    G_TWO_OVER_R,
    G_VOLUME,
    cell_metric,
)
from source.matter.hydro.reconstruction import reconstruct_left
from source.matter.hydro.riemann import (
    face_flux_with_cold,
    limit_face_state_with_cold,
    velocity_from_wv,
)
from source.matter.hydro.valencia_reference_metric import cell_rhs, find_static_vacuum

from .columns import COL
from .integrator import ModeHooks

#: What the Cowling RHS reads besides the EOS and atmosphere tuples: the frozen packed
#: geometry (``GeometryCache.packed``), the cell width, and the cons2prim tolerance and
#: iteration limit.
CowlingModel = namedtuple("CowlingModel", ("gc", "gf", "dx", "tol", "max_iter"))

#: Work arrays of the Cowling kernels: ``stages`` (6, 3, N) k1..k4, stage and previous
#: state of the RK4 driver; ``prim`` (6, N) the primitives (rho0, v^r, P, eps, W, h; the
#: pressure is the Newton guess of the next call); ``flux`` (3, N-1) the face fluxes;
#: ``status`` (N) the c2p status; ``vacuum`` (N, bool) the static-vacuum flags.
CowlingWork = namedtuple("CowlingWork", ("stages", "prim", "flux", "status", "vacuum"))


def cowling_work(n):
    """Zeroed ``CowlingWork`` for N = ``n`` cells."""
    return CowlingWork(np.zeros((6, 3, n)), np.zeros((6, n)), np.zeros((3, n - 1)),
                       np.zeros(n, dtype=np.int8), np.zeros(n, dtype=np.bool_))


@inline_kernel
def _c2p_pass(U, prim, status, gc, eos, atm, c2p_method, tol, max_iter):
    """cons2prim of every cell (ghosts included) into ``prim`` / ``status``."""
    for i in prange(U.shape[1]):
        inv = 1.0 / gc[G_E6PHI, i]
        (prim[0, i], prim[1, i], prim[2, i], prim[3, i], prim[4, i], prim[5, i], status[i],
         _) = cons_to_prim_point(U[0, i] * inv, U[1, i] * inv, U[2, i] * inv, gc[G_GRR, i],
                                 eos, atm, c2p_method, prim[2, i], tol,
                                 max_iter)


@inline_kernel
def _face_pass(prim, vacuum, gf, recon, solver, eos, atm, flux):
    """Flux at every face touching a non-vacuum interior cell; face f lies between cells
    f-1 and f and is stored at k = f - 1.

    rho0 (through ``eos_density_variable``), z = W v^r and P are reconstructed from the
    cells f-3..f+2 (``reconstruct_face_states`` of the modular path, one face at a time).
    The cold state of each face density comes with its inverse (``eos_face_state``): for
    the hybrid kinds equal to the modular path's ``eos_cold`` at the face to round-off, for
    the others the same numbers."""
    n = prim.shape[1]
    dens = np.empty(n)
    dens_floor = eos_density_variable(eos, atm.rho_floor)   # of every atmosphere cell
    for i in prange(n):
        rho = prim[0, i]
        dens[i] = dens_floor if rho == atm.rho_floor else eos_density_variable(eos, rho)
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
        rL, coldL = eos_face_state(eos, reconstruct_left(
            recon, dens[f - 3], dens[f - 2], dens[f - 1], dens[f], dens[f + 1]))
        rR, coldR = eos_face_state(eos, reconstruct_left(
            recon, dens[f + 2], dens[f + 1], dens[f], dens[f - 1], dens[f - 2]))
        pL = reconstruct_left(recon, prim[2, f - 3], prim[2, f - 2], prim[2, f - 1],
                              prim[2, f], prim[2, f + 1])
        pR = reconstruct_left(recon, prim[2, f + 2], prim[2, f + 1], prim[2, f],
                              prim[2, f - 1], prim[2, f - 2])
        zL = reconstruct_left(recon, z_m3, z_m2, z_m1, z_0, z_p1)
        zR = reconstruct_left(recon, z_p2, z_p1, z_0, z_m1, z_m2)
        grr = gf[F_GRR, k]
        rL, vL, pL, coldL = limit_face_state_with_cold(rL, velocity_from_wv(zL, grr), pL,
                                                       coldL, grr, atm, eos)
        rR, vR, pR, coldR = limit_face_state_with_cold(rR, velocity_from_wv(zR, grr), pR,
                                                       coldR, grr, atm, eos)
        flux[0, k], flux[1, k], flux[2, k] = face_flux_with_cold(
            solver, rL, vL, pL, coldL, rR, vR, pR, coldR, gf[F_ALPHA, k], gf[F_BETA, k],
            grr, gf[F_E6PHI, k], eos, atm)


@inline_kernel
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
            formulation, (flux[0, i - 1], flux[1, i - 1], flux[2, i - 1]),
            (flux[0, i], flux[1, i], flux[2, i]), gf[F_AREA, i - 1], gf[F_AREA, i],
            gc[G_VOLUME, i], dx, prim[0, i], prim[1, i], prim[2, i], prim[4, i], prim[5, i],
            cell_metric(gc, i), gc[G_TWO_OVER_R, i])


@kernel
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


@inline_kernel
def cowling_rhs_passes(U, rhs, model, work, eos, atm, recon, solver, formulation,
                       c2p_method):
    """One fused RHS evaluation of the hydro rows ``U`` into ``rhs``: the three passes,
    the static-vacuum flags, the RHS ghosts (``model``: ``CowlingModel`` or any bundle with
    its fields; ``work``: ``CowlingWork``, idem; ``eos``: ``EOSKernelParams``; ``atm``: the
    packed atmosphere). The Cowling stage RHS of the RK4 driver."""
    gc, gf = model.gc, model.gf
    prim, status, vacuum, flux = work.prim, work.status, work.vacuum, work.flux
    _c2p_pass(U, prim, status, gc, eos, atm, c2p_method, model.tol, model.max_iter)
    find_static_vacuum(status, vacuum)
    _face_pass(prim, vacuum, gf, recon, solver, eos, atm, flux)
    _cell_pass(formulation, flux, prim, vacuum, gc, gf, model.dx, rhs)
    fill_hydro_ghosts(rhs)


# Serial and parallel builds of the same body. A parallel (``parallel=True``) kernel is
# never called from another compiled function: each one holds its own parallel regions.
# (Calling a cached parallel dispatcher from another cached function made Numba's cache
# inconsistent: a process that loaded both from the cache, after they had been compiled in
# different processes, crashed. See ``tests/test_fused.py::test_parallel_cache_reuse``.)
@kernel
def _fused_rhs_serial(U, rhs, model, work, eos, atm, recon, solver, formulation,
                      c2p_method):
    cowling_rhs_passes(U, rhs, model, work, eos, atm, recon, solver, formulation, c2p_method)


@parallel_kernel
def _fused_rhs_parallel(U, rhs, model, work, eos, atm, recon, solver, formulation,
                        c2p_method):
    cowling_rhs_passes(U, rhs, model, work, eos, atm, recon, solver, formulation, c2p_method)


def fused_rhs(U, rhs, model, work, eos, atm, scheme, use_parallel):
    """Cowling RHS of the hydro rows ``U`` (3, N) into ``rhs`` (3, N), ghosts included
    (``model``: ``CowlingModel``; ``eos``, ``atm``: the EOS and atmosphere tuples;
    ``work``: ``CowlingWork``, whose ``prim``, ``status``,
    ``vacuum`` and ``flux`` receive the evaluation's primitives, c2p status, static-vacuum
    flags and face fluxes; ``scheme``: ``integrator.Scheme``, its method ids). Every method
    is compiled in (one kernel for all schemes); ``use_parallel`` selects the ``prange``
    kernel (a Python-level choice, so the parallel kernel is only compiled when used).
    """
    kernel = _fused_rhs_parallel if use_parallel else _fused_rhs_serial
    kernel(U, rhs, model, work, eos, atm, int(scheme.recon), int(scheme.solver),
           int(scheme.formulation), int(scheme.c2p_method))


@kernel
def record_diagnostics(U, gc, t, eos, atm, tol, max_iter, prim_diag, row):
    """Fill the diagnostic columns of a Cowling time-series row (``columns.TS_FIELDS``, up
    to ``baryon_mass``) from the state ``U``.

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
    row[COL.t] = t
    row[COL.rho_c] = prim_diag[0, NUM_GHOSTS]
    row[COL.rho_max] = rho_max
    row[COL.v_c] = prim_diag[1, NUM_GHOSTS]
    row[COL.max_abs_v] = vmax
    row[COL.baryon_mass] = 4.0 * math.pi * mass


# ---------------------------------------------------------------------------------------
# The Cowling mode's hooks of the RK4 driver (``integrator.ModeHooks``)
# ---------------------------------------------------------------------------------------
@inline_kernel
def _no_excision(model, books):
    """The Cowling metric is frozen: no horizon, nothing excised."""
    return np.int64(0)


@inline_kernel
def _frozen_densitisation(U, model, work):
    return model.gc[G_E6PHI]


@inline_kernel
def _record_cowling_row(U, t, row, books, model, work, eos, atm):
    # the previous state (``stages[5]``) is free after the step: scratch of the diagnostics
    record_diagnostics(U, model.gc, t, eos, atm, model.tol, model.max_iter, work.stages[5],
                       row)


COWLING_HOOKS = ModeHooks(fill_step_ghosts=fill_hydro_ghosts, first_live_cell=_no_excision,
                          stage_rhs=cowling_rhs_passes, densitisation=_frozen_densitisation,
                          record_row=_record_cowling_row)
