"""Set-up and time loop of a TOV-star run (used by ``TOVEvolution.py`` and the tests).

``build_simulation`` validates a ``RunConfig`` (``config``, re-exported here for the
callers that import it from this module) and makes the star, grid, initial data and frozen
geometry;
``Simulation.run`` evolves in chunks (fused compiled driver or the modular Python path),
writes the HDF5 output between chunks and stops cleanly on NaN or c2p failure.
"""

import time
import warnings
from dataclasses import replace

import numba
import numpy as np

from source.core.grid import Grid
from source.core.spacing import LinearSpacing
from source.core.statevector import StateVector
from source.initialdata.perturbations import perturb
from source.initialdata.tov import (
    TOVSolverIso,
    central_density_of_mass,
    create_initial_data_iso,
)
from source.jit import shared_scope_copies
from source.matter.eos.causality import causality_check
from source.matter.eos.eos_catalogue import POLYTROPE_ID
from source.matter.hydro.atmosphere import AtmosphereParams
from source.matter.hydro.geometry import GeometryCache
from source.matter.hydro.perfect_fluid import PerfectFluid
from source.matter.hydro.reconstruction import Reconstruction
from source.matter.hydro.riemann import create_riemann_solver

from . import integrator
from .config import ConfigError, RunConfig
from .steppers import STEPPERS

__all__ = ["ConfigError", "RunConfig", "Simulation", "build_simulation", "evolve",
           "run_status_message", "stop_reason"]

class Simulation:
    """A prepared run: star, grid, initial state, fluid, and the stepper of its mode and
    path (``source.evolution.steppers``), which does everything mode- or path-specific."""

    def __init__(self, config, tov, grid, state0, cache, hydro, eos, atmosphere,
                 equilibrium=None):
        self.config = config
        self.tov = tov
        self.grid = grid
        self.state0 = state0
        self.cache = cache
        self.hydro = hydro
        self.eos = eos
        self.atmosphere = atmosphere
        self.t = 0.0
        self.step = 0
        self.horizon_time = None     # first time an apparent horizon was found
        self.stop_reason = None      # a user stop criterion that ended the run early
        # rest-mass books: outflow, resets, c2p failures and resets since the last row,
        # excision radius and excised mass (dynamic mode, once a horizon is found)
        self.books = np.zeros(6)
        cls = STEPPERS[(config.mode, config.path)]
        self.num_threads, self.use_parallel = integrator.choose_threads(
            cls.work_cells(grid, tov), config.threads)
        self.U = cls.evolved_rows(state0)
        self.stepper = cls(self)
        if config.well_balanced:
            with shared_scope_copies():     # compiles the stand-alone RHS on a cold cache
                self.stepper.set_equilibrium(cls.evolved_rows(
                    state0 if equilibrium is None else equilibrium))

    @property
    def timeseries_fields(self):
        return self.stepper.ts_fields

    # ------------------------------------------------------------------ diagnostics
    def diagnostics_row(self):
        """Time-series row (``timeseries_fields``) of the current state."""
        return self.stepper.diagnostics_row(self.U, self.t)

    def primitives(self):
        """Primitives of the current state (Kastaun, independent of the evolution)."""
        return self.stepper.primitives(self.U)

    def snapshot_fields(self):
        (rho0, vr, p, eps, W, h), status, H = self.primitives()
        return {"r": self.grid.r, "rho0": rho0, "vr": vr, "press": p, "eps": eps, "W": W,
                **self.stepper.metric(self.U), "D": H[0], "S_r": H[1], "tau": H[2],
                "c2p_status": status}

    def checkpoint_state(self):
        """Everything needed to continue bit-identically: the evolved rows, the solver
        memory (primitives; the pressure is the Newton guess), the rest-mass books, step
        and time."""
        return {"U": self.U.copy(), "prim": self.stepper.solver_memory(),
                "books": self.books.copy(), "step": self.step, "t": self.t}

    def restore(self, state):
        """Continue from a ``checkpoint_state`` (e.g. read back from an output file)."""
        if state["U"].shape != self.U.shape:
            raise ConfigError(f"--restart-from: checkpoint has shape {state['U'].shape}, "
                              f"this configuration {self.U.shape}")
        self.U[:] = state["U"]
        self.stepper.set_solver_memory(state["prim"])
        self.books[:] = 0.0
        self.books[:len(state["books"])] = state["books"]   # files of 0.1 have 4 entries
        self.step = int(state["step"])
        self.t = self.step * self.config.dt

    def evaluate_rhs(self, rhs=None, U=None):
        """RHS of the evolved rows ``U`` (default: the current state) on this run's path;
        the fused path reuses the run's work arrays (Newton guess included). It is the
        plain discrete operator L_h(U): a ``well_balanced`` run evolves L_h(U) less
        ``stepper.offset`` = L_h(U_eq)."""
        U = self.U if U is None else U
        if rhs is None:
            rhs = np.zeros_like(U)
        numba.set_num_threads(self.num_threads)
        return self.stepper.evaluate_rhs(U, rhs)

    # ------------------------------------------------------------------ stepping
    def warmup(self):
        """Compile (or load from Numba's cache) every kernel the run uses, without changing
        the state or any solver memory. Returns the seconds it took."""
        t0 = time.perf_counter()
        numba.set_num_threads(self.num_threads)
        with shared_scope_copies():     # a cold compile 0.9 s faster, same machine code
            self.stepper.warmup()
            self.diagnostics_row()
        return time.perf_counter() - t0

    def advance(self, num_steps, ts_buffer):
        """Advance by ``num_steps`` RK4 steps; returns (code, steps_done, rows, bad_cell).

        Rows are recorded into ``ts_buffer`` when the global step count is a multiple of
        ``timeseries_every``.
        """
        numba.set_num_threads(self.num_threads)
        code, done, rows, bad = self.stepper.advance(num_steps, ts_buffer)
        self.step += done
        self.t = self.step * self.config.dt
        return code, done, rows, bad


def build_simulation(config):
    """Validate ``config`` and build the star, grid, initial data and geometry."""
    config.validate()
    cold = config.cold_eos()
    polytrope = config.eos_id == POLYTROPE_ID and config.eos_table is None
    solver = TOVSolverIso(config.K, config.gamma) if polytrope else TOVSolverIso(eos=cold)
    if config.mass is not None:       # the stable star of that mass: its rho_c is recorded
        try:
            rho_central = central_density_of_mass(solver, config.mass)
        except ValueError as e:
            raise ConfigError(f"--mass: {e}") from None
        config = replace(config, rho_central=rho_central)
    error, warning = causality_check(cold, config.rho_central)
    if error:
        raise ConfigError(f"--mass: the star of {config.mass} M_sun has rho_central {error}")
    if warning:
        warnings.warn(warning, stacklevel=2)
    if config.eos_table is not None:    # recorded, so that a restart checks the same table
        config = replace(config, eos_table_sha256=cold.source["sha256"])
    mode = STEPPERS[(config.mode, config.path)]
    tov = solver.solve(config.rho_central, rtol=mode.tov_rtol)
    if config.r_max <= 1.05 * tov.R_iso:
        raise ConfigError(f"--r-max: must lie outside the star with some atmosphere, "
                          f"> {1.05 * tov.R_iso:.4g} (star radius R_iso = {tov.R_iso:.4g}; "
                          f"got {config.r_max})")
    if config.dr > 0.25 * tov.R_iso:
        raise ConfigError(f"--num-points: the star (R_iso = {tov.R_iso:.4g}) would have "
                          f"fewer than 4 cells; use more points (got {config.num_points})")
    # stability branch: dM/drho_c < 0 beyond the maximum-mass model
    tov_up = solver.solve(config.rho_central * 1.001)
    if tov_up.M_star < tov.M_star:
        warnings.warn(f"rho_central = {config.rho_central} is beyond the maximum-mass model "
                      "(dM/drho_c < 0): the star is on the unstable branch", stacklevel=2)
    eos = config.evolution_eos(cold)
    atmosphere = AtmosphereParams(rho_floor=config.rho_floor,
                                  p_floor=solver.cold_pressure(config.rho_floor),
                                  rho_cold=config.rho_cold)
    spacing = LinearSpacing(config.num_points, config.r_max)
    recon = Reconstruction(config.recon)
    riemann = create_riemann_solver(config.riemann, atmosphere)
    hydro = PerfectFluid(eos=eos, atmosphere=atmosphere, reconstructor=recon,
                         riemann_solver=riemann, solver_method=config.c2p,
                         formulation=config.formulation, c2p_tol=config.c2p_tol)
    grid = Grid(spacing, StateVector(hydro))
    state0, _ = create_initial_data_iso(tov, grid.r, atmosphere.rho_floor, atmosphere.p_floor,
                                        atmosphere.tau_atm(eos))
    equilibrium = state0          # the unperturbed star (the well-balanced scheme's U_eq)
    if config.perturbation != "none":
        state0 = perturb(state0, grid.r, tov, eos, atmosphere, config.perturbation,
                         **config.perturbation_params())
    keep_exterior = mode.keeps_exterior_ghosts(config)
    for state in (state0,) if equilibrium is state0 else (state0, equilibrium):
        if keep_exterior:
            # the outer ghosts keep the exact exterior (Schwarzschild) values of the initial
            # data, consistent with the radiative condition; inner parity, hydro outer copy
            mode.fill_step_ghosts(state)
        else:
            grid.fill_boundaries(state)
    cache = GeometryCache.from_state(grid, state0, fill=not keep_exterior)
    hydro.geometry_cache = cache
    hydro.grid = grid
    return Simulation(config, tov, grid, state0, cache, hydro, eos, atmosphere, equilibrium)


def run_status_message(code, sim, bad_cell):
    """Human-readable reason for a stopped run (time, step, radius, values)."""
    i = bad_cell
    r = sim.grid.r[i] if i >= 0 else float("nan")
    U = sim.U[-3:, i] if i >= 0 else (np.nan,) * 3
    what = "non-finite conserved variables" if code == integrator.RUN_NONFINITE else \
        "cons2prim failure (no root found outside the atmosphere)"
    return (f"{what} in step {sim.step + 1} (t = {sim.t + sim.config.dt:.6g}) at cell {i}, "
            f"r = {r:.6g}: D~ = {U[0]:.6g}, S~_r = {U[1]:.6g}, tau~ = {U[2]:.6g}; "
            f"the state before that step was kept")


def stop_reason(sim):
    """Why the run stops before its end (a user criterion met), or None."""
    cfg = sim.config
    if sim.horizon_time is None:
        return None
    if cfg.stop_on_horizon:
        return f"apparent horizon found at t = {sim.horizon_time:.6g} (--stop-on-horizon)"
    if cfg.stop_after_horizon is not None and \
            sim.t >= sim.horizon_time + cfg.stop_after_horizon - 0.5 * cfg.dt:
        return (f"t = {sim.t:.6g}, {cfg.stop_after_horizon:g} after the apparent horizon "
                f"was found (t = {sim.horizon_time:.6g}; --stop-after-horizon)")
    return None


def evolve(sim, writer=None, progress=None, chunk_seconds=2.0, restarted=False):
    """Run ``sim`` to its configured end, writing into ``writer`` between chunks.

    Snapshots every ``snapshot_every`` steps, checkpoints (atomic commits of the output
    with the full solver state) every ``checkpoint_every`` steps and at the end. With
    ``restarted`` the initial row/snapshot are not written again (the history was copied).
    Returns (code, bad_cell, wall_seconds). ``progress(sim, wall, rate)`` is called after
    every chunk.
    """
    cfg = sim.config
    total = cfg.total_steps
    snap_every = cfg.snapshot_every or max(1, total // 20)
    ckpt_every = cfg.checkpoint_every or snap_every
    if writer is not None and not restarted:
        writer.append_timeseries(sim.diagnostics_row()[None, :], np.array([sim.step]))
        writer.write_snapshot(sim.step, sim.t, sim.snapshot_fields())
        writer.write_checkpoint(sim.checkpoint_state())
        writer.commit(f"checkpoint at step {sim.step}")
    chunk = max(cfg.timeseries_every, 10)
    sim.jit_seconds = sim.warmup()
    t_start = time.perf_counter()
    code, bad = integrator.RUN_OK, -1
    while sim.step < total:
        next_snap = (sim.step // snap_every + 1) * snap_every
        next_ckpt = (sim.step // ckpt_every + 1) * ckpt_every
        n = min(chunk, total - sim.step, next_snap - sim.step, next_ckpt - sim.step)
        ts = np.zeros((n // cfg.timeseries_every + 2, len(sim.timeseries_fields)))
        step0 = sim.step
        t0 = time.perf_counter()
        code, done, rows, bad = sim.advance(n, ts)
        dt_wall = time.perf_counter() - t0
        if writer is not None and rows:
            steps = np.array([s for s in range(step0 + 1, step0 + done + 1)
                              if s % cfg.timeseries_every == 0][:rows], dtype=np.int64)
            writer.append_timeseries(ts[:rows], steps)
        if rows and sim.horizon_time is None:
            sim.horizon_time = sim.stepper.horizon_time(ts[:rows])
            if sim.horizon_time is not None:
                if writer is not None:   # kept even if the run fails later
                    writer.f.attrs["horizon_time"] = sim.horizon_time
        if code != integrator.RUN_OK:
            break
        reason = stop_reason(sim)
        if reason is not None:
            sim.stop_reason = reason
            break
        if writer is not None:
            if sim.step % snap_every == 0 or sim.step == total:
                writer.write_snapshot(sim.step, sim.t, sim.snapshot_fields())
            if sim.step % ckpt_every == 0 and sim.step < total:
                writer.write_checkpoint(sim.checkpoint_state())
                writer.commit(f"checkpoint at step {sim.step}")
            else:
                writer.flush()
        # adapt the chunk to about chunk_seconds of work (one row per chunk while a stop
        # criterion on the horizon is watched, so the run stops at the row that meets it)
        if cfg.stop_on_horizon or cfg.stop_after_horizon is not None:
            chunk = cfg.timeseries_every
        elif done:
            per_step = dt_wall / done
            chunk = int(max(cfg.timeseries_every, min(100000, chunk_seconds / max(per_step,
                                                                                    1e-7))))
            chunk -= chunk % cfg.timeseries_every
            chunk = max(chunk, cfg.timeseries_every)
        if progress is not None:
            progress(sim, time.perf_counter() - t_start, done / max(dt_wall, 1e-12))
    if writer is not None:
        if code != integrator.RUN_OK:
            writer.write_snapshot(sim.step, sim.t, sim.snapshot_fields())
        writer.write_checkpoint(sim.checkpoint_state())
    return code, bad, time.perf_counter() - t_start
