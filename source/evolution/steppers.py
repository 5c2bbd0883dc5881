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
* ``diagnostics_row(U, t)``, ``primitives(U)``, ``metric()`` - what the output records;
* ``horizon_time(rows)``, ``summary_lines(row, row0)`` - what the run loop and the runner
  report of the mode.

What differs by mode before a run is built is a class attribute or static method of the
mode's stepper (``MODES``): the TOV solver's tolerance, whether the initial data keep their
exterior ghost values, the cells that cost work, the kind of a normal-mode perturbation,
whether horizons can form, the relative cost of a cell.

The fused steppers run the compiled RK4 driver of ``integrator`` with their mode's hooks
(``fused.COWLING_HOOKS``, ``dynamic.DYNAMIC_HOOKS``; many steps per call); the modular ones
are the readable reference built from the modules of ``source.matter.hydro``, stepped by the
NumPy RK4 of ``integrator``, and tested equal to the fused path.
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
from .columns import BOOK, COL, DYNAMIC_TS_FIELDS, NUM_TS, NUM_TS_DYNAMIC, TS_FIELDS
from .cowling import apply_atmosphere_reset, get_rhs_cowling
from .integrator import (
    RK4_WEIGHTS,
    RUN_C2P_FAILURE,
    RUN_NONFINITE,
    RUN_OK,
    Scheme,
    advance_in_chunks,
    end_step,
    rk4_driver,
    rk4_step,
    subtract_equilibrium,
)

MAX_C2P_ITER = 100


class Stepper:
    """What every stepper shares: the run, the solver memory (the (6, N) primitives; the
    pressure is the Newton guess) and the method choices handed to the kernels."""

    #: the "hydro-without-hydro" test (``--frozen-matter``) is available
    can_freeze_matter = False

    @staticmethod
    def horizon_time(rows):
        """Time of the first of the time-series ``rows`` with an apparent horizon, or None."""
        return None

    def summary_lines(self, row, row0):
        """The mode's own lines of the run summary (last ``row``, initial ``row0``)."""
        return []

    def __init__(self, sim):
        self.sim = sim
        self.prim = np.zeros((6, sim.grid.N))
        # the well-balanced scheme (``set_equilibrium``): off, with a zero offset
        h = sim.hydro
        self.scheme = Scheme(h.reconstructor.method_id, h.riemann_solver.solver_id,
                             h.valencia.formulation_id, h.cons2prim_solver.method_id, False)
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
        self.scheme = self.scheme._replace(well_balanced=True)

    @property
    def well_balanced(self):
        return self.scheme.well_balanced

    def solver_memory(self):
        return self.prim.copy()

    def set_solver_memory(self, prim):
        self.prim[:] = prim


class FusedStepper:
    """What the fused steppers share: the compiled RHS and the compiled RK4 driver of
    ``integrator`` with the mode's ``hooks``, on the bundles ``model`` and ``work`` (whose
    ``prim`` is the solver memory)."""

    def evaluate_rhs(self, U, rhs):
        sim = self.sim
        self.rhs_kernel(U, rhs, self.model, self.work, sim.eos.params, sim.hydro.atm_packed,
                        self.scheme, sim.use_parallel)
        return rhs

    def outer_mass_flux(self):
        """Rest-mass flux through the outer face in the last RHS evaluation."""
        return self.work.flux[0, self.sim.grid.N - NUM_GHOSTS - 1]

    def _chunk(self, step0, num_steps, record_every, ts, books):
        sim = self.sim
        driver = rk4_driver(self.mode, self.hooks, self.scheme, sim.use_parallel)
        return driver(sim.U, step0, sim.config.dt, num_steps, record_every, self.model,
                      sim.eos.params, sim.hydro.atm_packed, self.work, ts, books,
                      bool(sim.config.stop_on_c2p_failure),
                      (self.offset, float(self.outflow_eq)))

    def warmup(self):
        ts = np.zeros((1, len(self.ts_fields)))
        self._chunk(0, 0, 1, ts, self.sim.books.copy())

    def advance(self, num_steps, ts_buffer):
        sim = self.sim

        def run_chunk(step0, n, record_every, ts):
            return self._chunk(step0, n, record_every, ts, sim.books)

        return advance_in_chunks(run_chunk, sim.step, num_steps, sim.config.timeseries_every,
                                 ts_buffer)


class ModularStepper:
    """What the modular steppers share: the Newton guess kept in the fluid's pressure
    cache, and the RK4 step of the readable path with its bookkeeping."""

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

    def _rk4_step(self, y, rhs, offset, first):
        """One classic RK4 step (``integrator.rk4_step``) of ``y`` with the stage RHS
        ``rhs(y_stage)``, less ``offset`` (reshaped like the RHS) when well balanced.
        Returns (y_new, fsum: the stages' outer-face mass fluxes with the RK4 weights,
        c2p failures from the cell ``first`` on, the last failed cell)."""
        hydro = self.sim.hydro
        n = self.sim.grid.N
        face_out = n - NUM_GHOSTS - 1
        interior = slice(NUM_GHOSTS, n - NUM_GHOSTS)
        tally = {"fsum": 0.0, "nfail": 0, "bad": -1}

        def stage_rhs(y_stage, stage):
            k = rhs(y_stage)
            outflow = hydro.valencia.last_face_fluxes[0][face_out]
            if self.well_balanced:
                subtract_equilibrium(k.reshape(offset.shape), offset)
                outflow = outflow - self.outflow_eq
            tally["fsum"] += RK4_WEIGHTS[stage] * outflow
            failed = np.flatnonzero(hydro.last_status[interior] == C2P_FAILED)
            failed = failed[failed + NUM_GHOSTS >= first]
            tally["nfail"] += failed.size
            if failed.size:
                tally["bad"] = int(failed[-1]) + NUM_GHOSTS
            return k

        y_new = rk4_step(y, self.sim.config.dt, stage_rhs)
        return y_new, tally["fsum"], tally["nfail"], tally["bad"]


class CowlingStepper(Stepper):
    """Cowling: the hydro rows on the frozen t = 0 metric (``GeometryCache``)."""

    mode = "cowling"
    ts_fields = TS_FIELDS
    tov_rtol = 1e-12
    perturbation_kind = "cowling"     # of a normal mode (``initialdata.perturbations``)
    forms_horizons = False
    cost_per_cell = 1                 # relative cost of a cell-step (sweep scheduling)
    # memory of a run per grid point, in doubles (state, work arrays, geometry cache,
    # output buffers; measured with tracemalloc at N = 1e5 and 2e5: 102), with a margin
    doubles_per_point = 120

    @staticmethod
    def keeps_exterior_ghosts(config):
        """The initial data's outer ghosts are filled by the grid's boundary maps."""
        return False

    @staticmethod
    def work_cells(grid, tov):
        """Cells that cost work in every RHS evaluation: the star and its surroundings
        (static vacuum is skipped)."""
        return int(np.count_nonzero(np.abs(grid.r) < 1.2 * tov.R_iso))

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
        row = np.zeros(NUM_TS)
        eos = sim.eos.params
        fused.record_diagnostics(U, self.gc, t, eos, sim.hydro.atm_packed,
                                 sim.config.c2p_tol, MAX_C2P_ITER,
                                 np.zeros((6, sim.grid.N)), row)
        _record_books(row, sim.books)
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
        cons_to_prim_kastaun_array((H[0], H[1], H[2]), sim.cache.gamma_rr, sim.cache.e6phi,
                                   sim.eos.params, sim.hydro.atm_packed, sim.config.c2p_tol,
                                   MAX_C2P_ITER, tuple(out), status, iters)
        return out, status, H

    def metric(self, U):
        """Metric fields of the snapshots."""
        return {"alpha": self.sim.cache.alpha}


class CowlingFusedStepper(FusedStepper, CowlingStepper):
    """Compiled driver: fused RHS passes, many RK4 steps per call."""

    hooks = fused.COWLING_HOOKS
    rhs_kernel = staticmethod(fused.fused_rhs)

    def __init__(self, sim):
        super().__init__(sim)
        self.model = fused.CowlingModel(self.gc, self.gf, sim.grid.dx, sim.config.c2p_tol,
                                        MAX_C2P_ITER)
        self.work = fused.cowling_work(sim.grid.N)._replace(prim=self.prim)


class CowlingModularStepper(ModularStepper, CowlingStepper):
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

        def rhs(y_stage):
            return get_rhs_cowling(0.0, y_stage, grid, None, hydro)

        for step in range(num_steps):
            state[NUM_BSSN_VARS:] = sim.U
            y = state.reshape(-1).copy()
            y_new, fsum, nfail, bad = self._rk4_step(y, rhs, offset, 0)
            new = y_new.reshape(grid.NUM_VARS, n)[NUM_BSSN_VARS:]
            if not np.all(np.isfinite(new[:, interior])):
                badcells = np.flatnonzero(~np.all(np.isfinite(new[:, interior]), axis=0))
                return RUN_NONFINITE, step, rows, int(badcells[0]) + NUM_GHOSTS
            if cfg.stop_on_c2p_failure and nfail:
                return RUN_C2P_FAILURE, step, rows, bad
            before = new.copy()
            apply_atmosphere_reset(y_new.reshape(grid.NUM_VARS, n), hydro)
            n_reset = int(np.count_nonzero(np.any(before[:, interior] != new[:, interior],
                                                  axis=0)))
            sim.U[:] = new
            books[BOOK.mass_outflow] += 4.0 * math.pi * area_out * dt / 6.0 * fsum
            books[BOOK.mass_reset] += 4.0 * math.pi * np.sum(
                vol[interior] * (new[0, interior] - before[0, interior]))
            books[BOOK.c2p_failures] += nfail
            books[BOOK.atmosphere_resets] += n_reset
            global_step = sim.step + step + 1
            if global_step % cfg.timeseries_every == 0:
                ts_buffer[rows] = self.diagnostics_row(sim.U, global_step * dt)
                books[BOOK.c2p_failures] = 0.0
                books[BOOK.atmosphere_resets] = 0.0
                rows += 1
        return RUN_OK, num_steps, rows, -1


class DynamicStepper(Stepper):
    """Dynamic: the 12 BSSN rows and the 3 hydro rows evolved together (``dynamic``); the
    geometry seen by the fluid is recomputed from the BSSN rows at every stage."""

    mode = "dynamic"
    ts_fields = DYNAMIC_TS_FIELDS
    # The metric is differentiated twice: the TOV solution's ODE jitter (~rtol) enters the
    # Hamiltonian constraint as rtol/dr^2, so it is solved tighter here (rtol 1e-12 spoils
    # the constraint's 4th-order convergence beyond N = 200 on r_max = 20).
    tov_rtol = 1e-13
    perturbation_kind = "coupled"
    forms_horizons = True
    cost_per_cell = 4                 # BSSN on every cell: about 4 Cowling cells
    doubles_per_point = 320           # measured as for Cowling: 281

    @staticmethod
    def keeps_exterior_ghosts(config):
        """With the radiative condition, the outer ghosts keep the exact exterior
        (Schwarzschild) values of the initial data."""
        return config.outer_bc == "sommerfeld"

    @staticmethod
    def work_cells(grid, tov):
        """Cells that cost work in every RHS evaluation: all (BSSN everywhere)."""
        return grid.N

    @staticmethod
    def horizon_time(rows):
        hits = np.flatnonzero(rows[:, COL.ah_found] > 0)
        return float(rows[hits[0], COL.t]) if hits.size else None

    def summary_lines(self, row, row0):
        lines = [f"  lapse at the centre {row[COL.alpha_c]:.6f}; ADM mass "
                 f"{row[COL.adm_mass]:.6f}; Hamiltonian constraint in the star (rms) "
                 f"{row[COL.ham_l2_star]:.3e}"]
        horizon_time = self.sim.horizon_time
        if horizon_time is not None:
            m_ah, m_adm = row[COL.ah_mass], row[COL.adm_mass]
            lines.append(
                f"  apparent horizon: first found at t = {horizon_time:.6g}; now "
                f"r = {row[COL.ah_radius]:.5g} (areal {row[COL.ah_areal_radius]:.5g}), "
                f"M_AH = {m_ah:.6f}; M_AH / M_ADM = {m_ah / row0[COL.adm_mass]:.5f} with the "
                f"ADM mass of the initial data ({row0[COL.adm_mass]:.6f}), "
                f"{m_ah / m_adm:.5f} with the current estimate at r_max; rest mass removed "
                f"inside the horizon {-row[COL.mass_excised]:.6f}")
        return lines

    def __init__(self, sim):
        super().__init__(sim)
        n = sim.grid.N
        self.gc, self.gf = sim.cache.packed()    # r-only rows kept; metric rows per stage
        self.diag = np.zeros((3, n))   # H, M^r and the expansion of the last recorded row
        self.outer_bc = dynamic.OUTER_BC[sim.config.outer_bc]
        self.background = np.ascontiguousarray(sim.state0[:NUM_BSSN_VARS].copy())
        # constraint norms "in the star": r < R_iso - 0.5 of the initial star
        self.r_star = sim.tov.R_iso - 0.5
        self.frozen = bool(sim.config.frozen_matter)

    def dynamic_model(self, **changes):
        """The ``dynamic.DynamicModel`` of the run (``changes``: fields to replace)."""
        sim = self.sim
        model = dynamic.DynamicModel(self.gc, self.gf, sim.grid.dx, sim.config.c2p_tol,
                                     MAX_C2P_ITER, sim.grid.r, float(sim.config.eta),
                                     float(sim.config.ham_damping), self.outer_bc,
                                     self.background, float(self.r_star), self.frozen)
        return model._replace(**changes)

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
        row = np.zeros(NUM_TS_DYNAMIC)
        model = self.dynamic_model(gc=self.gc.copy(), gf=self.gf.copy())
        dynamic.record_dynamic_diagnostics(U, t, row, model,
                                           dynamic.dynamic_work(1, n, diag=self.diag),
                                           sim.eos.params, sim.hydro.atm_packed)
        _record_books(row, sim.books)
        row[COL.mass_excised] = sim.books[BOOK.mass_excised]
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
        cons_to_prim_kastaun_array((H[0], H[1], H[2]), gc[G_GRR], gc[G_E6PHI], eos,
                                   sim.hydro.atm_packed, sim.config.c2p_tol, MAX_C2P_ITER,
                                   tuple(out), status, iters)
        return out, status, H

    def metric(self, U):
        self.diagnostics_row(U, self.sim.t)   # constraints and expansion of this very state
        fields = {name: U[k].copy() for k, name in enumerate(BSSN_VARIABLE_NAMES)}
        fields["alpha"] = U[idx_lapse].copy()
        fields["ham"] = self.diag[0].copy()
        fields["mom"] = self.diag[1].copy()
        fields["expansion"] = self.diag[2].copy()
        return fields


class DynamicFusedStepper(FusedStepper, DynamicStepper):
    """Compiled driver with the dynamic hooks: many RK4 steps per call."""

    can_freeze_matter = True

    hooks = dynamic.DYNAMIC_HOOKS
    rhs_kernel = staticmethod(dynamic.dynamic_rhs)

    def __init__(self, sim):
        super().__init__(sim)
        self.work = dynamic.dynamic_work(sim.U.shape[0], sim.grid.N,
                                         diag=self.diag)._replace(prim=self.prim)
        self.model = self.dynamic_model(frozen_matter=False)
        if self.frozen:   # the sources of the initial data, kept for the whole run
            self.evaluate_rhs(sim.U.copy(), np.zeros_like(sim.U))
            self.model = self.dynamic_model()


class DynamicModularStepper(ModularStepper, DynamicStepper):
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
        face_out = n - NUM_GHOSTS - 1
        U = sim.U
        books = sim.books
        rows = 0
        for step in range(num_steps):
            dynamic.fill_state_ghosts(U)
            U_prev = U.copy()
            # the first cell outside the excision radius (``dynamic``)
            first = int(np.searchsorted(sim.grid.r, books[BOOK.excision_radius]))
            U_new, fsum, nfail, bad = self._rk4_step(U, self._rhs, self.offset, first)
            U[:] = U_new
            e6phi = np.exp(6.0 * U[0])
            code, cell = end_step(U, U_prev, NUM_BSSN_VARS, e6phi, self.gc[G_VOLUME],
                                  self.gf[F_AREA, face_out], sim.hydro.atm_packed, dt, fsum,
                                  nfail, bad, cfg.stop_on_c2p_failure, books, first)
            if code != RUN_OK:
                return code, step, rows, cell
            global_step = sim.step + step + 1
            if global_step % cfg.timeseries_every == 0:
                row = self.diagnostics_row(U, global_step * dt)
                ts_buffer[rows] = row
                books[BOOK.c2p_failures] = 0.0
                books[BOOK.atmosphere_resets] = 0.0
                if row[COL.ah_found] > 0.0:
                    books[BOOK.excision_radius] = (dynamic.EXCISION_FRACTION
                                                   * row[COL.ah_radius])
                rows += 1
        return RUN_OK, num_steps, rows, -1


def _record_books(row, books):
    """The books' columns of a time-series row (``integrator.record_books``, without the
    restart of the counts)."""
    for name in ("mass_outflow", "mass_reset", "c2p_failures", "atmosphere_resets"):
        row[getattr(COL, name)] = books[getattr(BOOK, name)]


MODES = {"cowling": CowlingStepper, "dynamic": DynamicStepper}

STEPPERS = {
    ("cowling", "fused"): CowlingFusedStepper,
    ("cowling", "modular"): CowlingModularStepper,
    ("dynamic", "fused"): DynamicFusedStepper,
    ("dynamic", "modular"): DynamicModularStepper,
}

