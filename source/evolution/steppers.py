"""Steppers: what one evolution mode does on one path, behind one interface.

A ``Simulation`` holds the run (configuration, star, grid, fluid, state, books, step
counter) and hands every mode- or path-specific operation to its stepper, chosen once from
``STEPPERS[(mode, path)]``:

* ``evolved_rows(state)`` - the rows of a (15, N) state the mode evolves (Cowling: the
  hydro rows (3, N));
* ``warmup()`` - compile or load every kernel the run uses, without touching the state;
* ``evaluate_rhs(U, rhs)`` - the discrete right-hand side L_h(U) (ghost columns included);
* ``set_equilibrium(U_eq)`` - the well-balanced scheme (``--well-balanced``): every stage
  evolves L_h(U) - L_h(U_eq);
* ``advance(num_steps, ts)`` - RK4 steps of ``sim.U`` in place, a time-series row every
  ``timeseries_every`` global steps; returns (code, steps_done, rows, bad_cell);
* ``solver_memory()`` / ``set_solver_memory(prim)`` - the (6, N) primitives that carry over
  from step to step (the pressure is the Newton guess), for bit-identical restarts;
* ``diagnostics_row(U, t)``, ``primitives(U)``, ``metric()`` - what the output records.

The fused steppers run the compiled drivers of ``fused`` (many steps per call); the modular
ones are the readable reference built from the modules of ``source.matter.hydro``, tested
equal to the fused path.
"""

import math

import numpy as np

from source.bssn.bssnrhs import bssn_rhs
from source.bssn.bssnstatevariables import BSSN_VARIABLE_NAMES, NUM_BSSN_VARS, idx_lapse
from source.bssn.bssnvars import BSSNVars
from source.core.spacing import NUM_GHOSTS
from source.matter.hydro.cons2prim import C2P_FAILED, cons_to_prim_kastaun_array
from source.matter.hydro.geometry import F_AREA, G_E6PHI, G_GRR, G_VOLUME, GeometryCache

from . import dynamic, fused
from .cowling import apply_atmosphere_reset, get_rhs_cowling

MAX_C2P_ITER = 100


class Stepper:
    """What every stepper shares: the run, the solver memory (the (6, N) primitives; the
    pressure is the Newton guess) and the method choices handed to the kernels."""

    def __init__(self, sim):
        self.sim = sim
        self.prim = np.zeros((6, sim.grid.N))
        # the well-balanced scheme (``set_equilibrium``): off, with a zero offset
        self.well_balanced = False
        self.offset = np.zeros_like(sim.U)
        self.outflow_eq = 0.0

    def set_equilibrium(self, U_eq):
        """Turn on the well-balanced scheme for the equilibrium ``U_eq`` (the evolved rows
        of the unperturbed star). Every RK4 stage then evolves

            d_t U = L_h(U) - L_h(U_eq),

        L_h the run's full discrete right-hand side (every evolved row, ghosts included;
        dissipation and constraint damping too). U_eq is a discrete equilibrium of this
        scheme to round-off, and since L_h(U_eq) is the truncation error of the continuum
        equilibrium, the scheme stays consistent: small perturbations of the star evolve
        without the noise of its discretised surface (Dumbser, Zanotti, Gaburro & Peshkov
        2024, J. Comput. Phys.; review: Kaeppeli 2022, Living Rev. Comput. Astrophys. 8:2).

        L_h(U_eq) (``offset``) is evaluated once, here, by ``evaluate_rhs`` from U_eq with
        its ghosts filled as at the start of a step and a zeroed solver memory, which is
        put back afterwards: deterministic, so a restart recomputes the same array. The
        rest-mass flux through the outer face in that evaluation (``outflow_eq``) is kept
        too: the balanced D row is the divergence of F - F_eq, so the books count F - F_eq
        leaving through that face."""
        U_eq = np.array(U_eq, dtype=np.float64)
        self.fill_step_ghosts(U_eq)
        memory = self.solver_memory()
        self.set_solver_memory(np.zeros_like(memory))
        self.evaluate_rhs(U_eq, self.offset)
        self.outflow_eq = float(self.outer_mass_flux())
        self.set_solver_memory(memory)
        self.well_balanced = True

    def _methods(self):
        sim = self.sim
        h = sim.hydro
        eos = sim.eos.params
        return (h.reconstructor.method_id, h.riemann_solver.solver_id,
                h.valencia.formulation_id, eos, h.atm_packed,
                h.cons2prim_solver.method_id, sim.config.c2p_tol, MAX_C2P_ITER)

    def _allocate_fused_work(self, rows):
        """Scratch of the compiled drivers: k1..k4, stage and previous state, face fluxes,
        c2p status, static-vacuum flags."""
        n = self.sim.grid.N
        self.work = np.zeros((6, rows, n))
        self.flux = np.zeros((3, n - 1))
        self.status = np.zeros(n, dtype=np.int8)
        self.vacuum = np.zeros(n, dtype=np.bool_)

    def solver_memory(self):
        return self.prim.copy()

    def set_solver_memory(self, prim):
        self.prim[:] = prim

    def outer_mass_flux(self):
        """Rest-mass flux through the outer face in the last RHS evaluation."""
        return self.flux[0, self.sim.grid.N - NUM_GHOSTS - 1]


class ModularMemory:
    """The modular paths keep the Newton guess in the fluid's pressure cache."""

    def solver_memory(self):
        prim = self.prim.copy()
        cache = self.sim.hydro.pressure_cache
        prim[2] = cache if cache is not None else 0.0
        return prim

    def set_solver_memory(self, prim):
        self.prim[:] = prim
        # zeros are what a missing cache means too
        self.sim.hydro.pressure_cache = prim[2].copy()

    def outer_mass_flux(self):
        return self.sim.hydro.valencia.last_face_fluxes[0][self.sim.grid.N - NUM_GHOSTS - 1]


class CowlingStepper(Stepper):
    """Cowling: the hydro rows on the frozen t = 0 metric (``GeometryCache``)."""

    mode = "cowling"
    ts_fields = fused.TS_FIELDS

    def __init__(self, sim):
        super().__init__(sim)
        self.gc, self.gf = sim.cache.packed()

    @staticmethod
    def evolved_rows(state):
        return np.ascontiguousarray(state[NUM_BSSN_VARS:].copy())

    @staticmethod
    def fill_step_ghosts(U):
        """The ghosts of ``U`` as the driver fills them at the start of a step."""
        fused.fill_hydro_ghosts(U)

    # ------------------------------------------------------------------ output
    def diagnostics_row(self, U, t):
        """Time-series row (``ts_fields``) of ``U`` at time ``t`` (books included)."""
        sim = self.sim
        row = np.zeros(fused.NUM_TS)
        eos = sim.eos.params
        fused.record_diagnostics(U, self.gc, t, eos, sim.hydro.atm_packed,
                                 sim.config.c2p_tol, MAX_C2P_ITER,
                                 np.zeros((6, sim.grid.N)), row)
        row[6:] = sim.books[:4]
        return row

    def primitives(self, U):
        """(rho0, vr, P, eps, W, h), c2p status and the ghost-filled hydro rows of ``U``
        (Kastaun, independent of the evolution's solver memory)."""
        sim = self.sim
        n = sim.grid.N
        out = [np.empty(n) for _ in range(6)]
        status = np.empty(n, dtype=np.int8)
        iters = np.empty(n, dtype=np.int32)
        H = U.copy()
        fused.fill_hydro_ghosts(H)
        cons_to_prim_kastaun_array(H[0], H[1], H[2], sim.cache.gamma_rr, sim.cache.e6phi,
                                   sim.eos.params, sim.hydro.atm_packed, sim.config.c2p_tol,
                                   MAX_C2P_ITER, *out, status, iters)
        return out, status, H

    def metric(self, U):
        """Metric fields of the snapshots."""
        return {"alpha": self.sim.cache.alpha}


class CowlingFusedStepper(CowlingStepper):
    """Compiled driver: fused RHS passes, many RK4 steps per call."""

    def __init__(self, sim):
        super().__init__(sim)
        self._allocate_fused_work(3)

    def evaluate_rhs(self, U, rhs):
        sim = self.sim
        (recon, solver, form, eos, atm, c2p, tol, max_iter) = self._methods()
        fused.fused_rhs(U, rhs, self.prim, self.status, self.vacuum, self.flux, self.gc,
                        self.gf, sim.grid.dx, recon, solver, form, eos, atm, c2p,
                        tol, max_iter, sim.use_parallel)
        return rhs

    def _chunk(self, U, step0, num_steps, record_every, ts, books):
        sim = self.sim
        (recon, solver, form, eos, atm, c2p, tol, max_iter) = self._methods()
        return fused.rk4_chunk(U, step0, sim.config.dt, num_steps, record_every, self.gc,
                               self.gf, sim.grid.dx, recon, solver, form, eos, atm,
                               c2p, tol, max_iter, sim.use_parallel, self.prim, self.work,
                               self.flux, self.status, ts, books,
                               sim.config.stop_on_c2p_failure, self.well_balanced,
                               self.offset, self.outflow_eq)

    def warmup(self):
        ts = np.zeros((1, fused.NUM_TS))
        self._chunk(self.sim.U, 0, 0, 1, ts, self.sim.books.copy())

    def advance(self, num_steps, ts_buffer):
        sim = self.sim
        every = sim.config.timeseries_every
        # split so that recording is aligned with the global step counter
        done_total = 0
        rows_total = 0
        while done_total < num_steps:
            to_next_record = every - (sim.step + done_total) % every
            n = num_steps - done_total
            if to_next_record != every:
                n = min(n, to_next_record)
            code, done, rows, bad = self._chunk(
                sim.U, sim.step + done_total, n,
                every if to_next_record == every else to_next_record,
                ts_buffer[rows_total:], sim.books)
            done_total += done
            rows_total += rows
            if code != fused.RUN_OK:
                return code, done_total, rows_total, bad
        return fused.RUN_OK, done_total, rows_total, -1


class CowlingModularStepper(ModularMemory, CowlingStepper):
    """The reference interface: ``get_rhs_cowling`` on the flattened 15-row state, classic
    RK4 in Python with the atmosphere reset and the books after every step."""

    def _full_state(self, U):
        sim = self.sim
        state = np.array(sim.state0)
        state[NUM_BSSN_VARS:] = U
        return state

    def evaluate_rhs(self, U, rhs):
        sim = self.sim
        full = get_rhs_cowling(0.0, self._full_state(U).reshape(-1), sim.grid, None,
                               sim.hydro)
        rhs[:] = full.reshape(sim.grid.NUM_VARS, -1)[NUM_BSSN_VARS:]
        return rhs

    def warmup(self):
        sim = self.sim
        get_rhs_cowling(0.0, self._full_state(sim.U).reshape(-1), sim.grid, None, sim.hydro)
        sim.hydro.pressure_cache = None

    def advance(self, num_steps, ts_buffer):
        sim = self.sim
        cfg = sim.config
        grid = sim.grid
        hydro = sim.hydro
        dt = cfg.dt
        n = grid.N
        state = self._full_state(sim.U)
        face_out = n - NUM_GHOSTS - 1
        area_out = sim.cache.area_f[face_out]
        offset = np.zeros((grid.NUM_VARS, n))    # L_h(U_eq) on the flattened full state
        offset[NUM_BSSN_VARS:] = self.offset
        interior = slice(NUM_GHOSTS, n - NUM_GHOSTS)
        vol = sim.cache.volume
        books = sim.books
        rows = 0
        for step in range(num_steps):
            state[NUM_BSSN_VARS:] = sim.U
            y = state.reshape(-1).copy()
            ks = []
            fluxes = []
            nfail = 0
            bad = -1
            for c in (0.0, 0.5, 0.5, 1.0):
                ystage = y if c == 0.0 else y + c * dt * ks[-1]
                k = get_rhs_cowling(0.0, ystage, grid, None, hydro)
                outflow = hydro.valencia.last_face_fluxes[0][face_out]
                if self.well_balanced:
                    fused.subtract_equilibrium(k.reshape(grid.NUM_VARS, n), offset)
                    outflow = outflow - self.outflow_eq
                ks.append(k)
                fluxes.append(outflow)
                failed = np.flatnonzero(hydro.last_status[interior] == C2P_FAILED)
                nfail += failed.size
                if failed.size:
                    bad = int(failed[-1]) + NUM_GHOSTS
            k1, k2, k3, k4 = ks
            y_new = y + dt / 6.0 * (k1 + 2.0 * k2 + 2.0 * k3 + k4)
            new = y_new.reshape(grid.NUM_VARS, n)[NUM_BSSN_VARS:]
            if not np.all(np.isfinite(new[:, interior])):
                badcells = np.flatnonzero(~np.all(np.isfinite(new[:, interior]), axis=0))
                return fused.RUN_NONFINITE, step, rows, int(badcells[0]) + NUM_GHOSTS
            if cfg.stop_on_c2p_failure and nfail:
                return fused.RUN_C2P_FAILURE, step, rows, bad
            before = new.copy()
            apply_atmosphere_reset(y_new.reshape(grid.NUM_VARS, n), hydro)
            n_reset = int(np.count_nonzero(np.any(before[:, interior] != new[:, interior],
                                                  axis=0)))
            sim.U[:] = new
            f1, f2, f3, f4 = fluxes
            books[0] += 4.0 * math.pi * area_out * dt / 6.0 * (f1 + 2.0 * f2 + 2.0 * f3 + f4)
            books[1] += 4.0 * math.pi * np.sum(vol[interior] * (new[0, interior]
                                                                 - before[0, interior]))
            books[2] += nfail
            books[3] += n_reset
            global_step = sim.step + step + 1
            if global_step % cfg.timeseries_every == 0:
                ts_buffer[rows] = self.diagnostics_row(sim.U, global_step * dt)
                books[2] = 0.0
                books[3] = 0.0
                rows += 1
        return fused.RUN_OK, num_steps, rows, -1


class DynamicStepper(Stepper):
    """Dynamic: the 12 BSSN rows and the 3 hydro rows evolved together (``dynamic``); the
    geometry seen by the fluid is recomputed from the BSSN rows at every stage."""

    mode = "dynamic"
    ts_fields = dynamic.DYNAMIC_TS_FIELDS

    def __init__(self, sim):
        super().__init__(sim)
        n = sim.grid.N
        self.gc, self.gf = sim.cache.packed()    # r-only rows kept; metric rows per stage
        self.matter = np.zeros((5, n))
        self.diag = np.zeros((3, n))   # H, M^r and the expansion of the last recorded row
        self.outer_bc = dynamic.OUTER_BC[sim.config.outer_bc]
        self.background = np.ascontiguousarray(sim.state0[:NUM_BSSN_VARS].copy())
        # constraint norms "in the star": r < R_iso - 0.5 of the initial star
        self.r_star = sim.tov.R_iso - 0.5
        self.frozen = bool(sim.config.frozen_matter)

    @staticmethod
    def evolved_rows(state):
        return np.ascontiguousarray(state.copy())

    @staticmethod
    def fill_step_ghosts(U):
        """The ghosts of ``U`` as the driver fills them at the start of a step."""
        dynamic.fill_state_ghosts(U)

    def diagnostics_row(self, U, t):
        sim = self.sim
        n = sim.grid.N
        row = np.zeros(dynamic.NUM_TS_DYNAMIC)
        eos = sim.eos.params
        gc, gf = self.gc.copy(), self.gf.copy()
        dynamic.record_dynamic_diagnostics(
            U, sim.grid.r, sim.grid.dx, gc, gf, eos, sim.hydro.atm_packed,
            sim.config.c2p_tol, MAX_C2P_ITER, self.r_star, np.zeros((6, n)),
            np.zeros(n, dtype=np.int8),
            np.zeros((5, n)), self.diag[0], self.diag[1], self.diag[2], t, row)
        row[6:10] = sim.books[:4]
        row[20] = sim.books[5]
        return row

    def primitives(self, U):
        sim = self.sim
        n = sim.grid.N
        out = [np.empty(n) for _ in range(6)]
        status = np.empty(n, dtype=np.int8)
        iters = np.empty(n, dtype=np.int32)
        eos = sim.eos.params
        S = U.copy()
        dynamic.fill_state_ghosts(S)
        gc, gf = self.gc.copy(), self.gf.copy()
        dynamic.geometry_of_state(S, sim.grid.dx, gc, gf)
        H = S[NUM_BSSN_VARS:]
        cons_to_prim_kastaun_array(H[0], H[1], H[2], gc[G_GRR], gc[G_E6PHI], eos,
                                   sim.hydro.atm_packed, sim.config.c2p_tol, MAX_C2P_ITER,
                                   *out, status, iters)
        return out, status, H

    def metric(self, U):
        fields = {name: U[k].copy() for k, name in enumerate(BSSN_VARIABLE_NAMES)}
        fields["alpha"] = U[idx_lapse].copy()
        fields["ham"] = self.diag[0].copy()
        fields["mom"] = self.diag[1].copy()
        fields["expansion"] = self.diag[2].copy()
        return fields


class DynamicFusedStepper(DynamicStepper):
    """Compiled driver (``dynamic.rk4_chunk``): many RK4 steps per call."""

    def __init__(self, sim):
        super().__init__(sim)
        self._allocate_fused_work(sim.U.shape[0])
        if self.frozen:   # the sources of the initial data, kept for the whole run
            self.frozen = False
            self.evaluate_rhs(sim.U.copy(), np.zeros_like(sim.U))
            self.frozen = True

    def evaluate_rhs(self, U, rhs):
        sim = self.sim
        (recon, solver, form, eos, atm, c2p, tol, max_iter) = self._methods()
        dynamic.dynamic_rhs(U, rhs, self.prim, self.status, self.vacuum, self.flux, self.gc,
                            self.gf, self.matter, sim.grid.r, sim.grid.dx, recon, solver,
                            form, eos, atm, c2p, tol, max_iter, sim.config.eta,
                            sim.config.ham_damping, self.outer_bc, self.background,
                            self.frozen, sim.use_parallel)
        return rhs

    def _chunk(self, U, step0, num_steps, record_every, ts, books):
        sim = self.sim
        (recon, solver, form, eos, atm, c2p, tol, max_iter) = self._methods()
        return dynamic.rk4_chunk(U, step0, sim.config.dt, num_steps, record_every,
                                 sim.grid.r, self.gc, self.gf, sim.grid.dx, recon, solver,
                                 form, eos, atm, c2p, tol, max_iter,
                                 sim.config.eta, sim.config.ham_damping, self.outer_bc,
                                 self.background, self.frozen, self.r_star,
                                 sim.use_parallel, self.prim,
                                 self.work, self.flux, self.status, self.matter, self.diag,
                                 ts, books, sim.config.stop_on_c2p_failure,
                                 self.well_balanced, self.offset, self.outflow_eq)

    warmup = CowlingFusedStepper.warmup
    advance = CowlingFusedStepper.advance


class DynamicModularStepper(ModularMemory, DynamicStepper):
    """The readable reference of the dynamic mode: geometry, hydro (``PerfectFluid``), matter
    sources (``PerfectFluid.get_emtensor``) and BSSN (``bssnrhs.bssn_rhs``) as separate
    whole-grid calls, classic RK4 in NumPy. Tested equal to the fused path."""

    def _rhs(self, U):
        sim = self.sim
        grid = sim.grid
        hydro = sim.hydro
        rhs = np.zeros_like(U)
        # the metric of this stage, as seen by the fluid
        gc, gf = self.gc.copy(), self.gf.copy()
        dynamic.geometry_of_state(U, grid.dx, gc, gf)
        hydro.geometry_cache = GeometryCache.from_packed(grid.r, grid.dx, gc, gf)
        # hydro RHS and, from the same primitives, the matter sources
        hydro.set_matter_vars(U, None, grid)
        rhs[NUM_BSSN_VARS:] = hydro.get_matter_rhs(grid.r, None, None)
        fused.fill_hydro_ghosts(rhs[NUM_BSSN_VARS:])
        working = np.empty((NUM_BSSN_VARS, grid.N))
        dynamic.conformal_metric_of_state(U, working)
        bssn_vars = BSSNVars(grid.N)
        bssn_vars.set_bssn_vars(working)
        em = hydro.get_emtensor(grid.r, bssn_vars)
        with np.errstate(divide="ignore", invalid="ignore"):
            matter = np.ascontiguousarray(np.stack(
                [em.rho, em.Si[:, 0], em.Sij[:, 0, 0], em.Sij[:, 1, 1] / grid.r**2, em.S]))
        # BSSN with dissipation, then the boundary RHS
        bssn_rhs(U, grid.r, grid.dx, matter, sim.config.eta, rhs, 1.0,
                 sim.config.ham_damping)
        dynamic.fill_bssn_rhs_ghosts(U, rhs, grid.r, grid.dx, self.outer_bc, self.background)
        return rhs

    def evaluate_rhs(self, U, rhs):
        rhs[:] = self._rhs(U)
        return rhs

    def warmup(self):
        self._rhs(self.sim.U)
        self.sim.hydro.pressure_cache = None

    def advance(self, num_steps, ts_buffer):
        sim = self.sim
        cfg = sim.config
        n = sim.grid.N
        dt = cfg.dt
        hydro = sim.hydro
        face_out = n - NUM_GHOSTS - 1
        interior = slice(NUM_GHOSTS, n - NUM_GHOSTS)
        U = sim.U
        rows = 0
        for step in range(num_steps):
            dynamic.fill_state_ghosts(U)
            U_prev = U.copy()
            first = int(np.searchsorted(sim.grid.r, sim.books[4]))   # excision (fused.py)
            ks = []
            fsum = 0.0
            nfail = 0
            bad = -1
            for stage, c in enumerate((0.0, 0.5, 0.5, 1.0)):
                k = self._rhs(U if c == 0.0 else U + c * dt * ks[-1])
                outflow = hydro.valencia.last_face_fluxes[0][face_out]
                if self.well_balanced:
                    fused.subtract_equilibrium(k, self.offset)
                    outflow = outflow - self.outflow_eq
                ks.append(k)
                fsum += (1.0 if stage in (0, 3) else 2.0) * outflow
                failed = np.flatnonzero(hydro.last_status[interior] == C2P_FAILED)
                failed = failed[failed + NUM_GHOSTS >= first]
                nfail += failed.size
                if failed.size:
                    bad = int(failed[-1]) + NUM_GHOSTS
            k1, k2, k3, k4 = ks
            U += dt / 6.0 * (k1 + 2.0 * k2 + 2.0 * k3 + k4)
            e6phi = np.exp(6.0 * U[0])
            code, cell = fused.end_step(U, U_prev, NUM_BSSN_VARS, e6phi, self.gc[G_VOLUME],
                                        self.gf[F_AREA, face_out], hydro.atm_packed, dt, fsum,
                                        nfail, bad, cfg.stop_on_c2p_failure, sim.books,
                                        first)
            if code != fused.RUN_OK:
                return code, step, rows, cell
            global_step = sim.step + step + 1
            if global_step % cfg.timeseries_every == 0:
                row = self.diagnostics_row(U, global_step * dt)
                ts_buffer[rows] = row
                sim.books[2] = 0.0
                sim.books[3] = 0.0
                if row[16] > 0.0:
                    sim.books[4] = dynamic.EXCISION_FRACTION * row[17]
                rows += 1
        return fused.RUN_OK, num_steps, rows, -1


STEPPERS = {
    ("cowling", "fused"): CowlingFusedStepper,
    ("cowling", "modular"): CowlingModularStepper,
    ("dynamic", "fused"): DynamicFusedStepper,
    ("dynamic", "modular"): DynamicModularStepper,
}


def make_stepper(sim):
    """The stepper of ``sim.config``'s mode and path."""
    return STEPPERS[(sim.config.mode, sim.config.path)](sim)
