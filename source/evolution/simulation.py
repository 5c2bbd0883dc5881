"""Set-up and time loop of a TOV-star run (used by ``TOVEvolution.py`` and the tests).

``RunConfig`` holds every parameter with the old code's defaults and validates them before
any work; ``build_simulation`` makes the star, grid, initial data and frozen geometry;
``Simulation.run`` evolves in chunks (fused compiled driver or the modular Python path),
writes the HDF5 output between chunks and stops cleanly on NaN or c2p failure.
"""

import math
import time
import warnings
from dataclasses import asdict, dataclass, fields, replace

import numba
import numpy as np

from source.core.grid import Grid
from source.core.numba_inliner import shared_scope_copies
from source.core.spacing import LinearSpacing
from source.core.statevector import StateVector
from source.initialdata.perturbations import PERTURBATIONS, perturb
from source.initialdata.tov import (
    TOVSolverIso,
    central_density_of_mass,
    create_initial_data_iso,
)
from source.matter.eos import eos_catalogue as units
from source.matter.eos.eos import EOS_IDEAL_GAS, evolution_eos
from source.matter.eos.eos_catalogue import POLYTROPE_ID, star_cold_eos
from source.matter.eos.tabulated import TabulatedEOS
from source.matter.hydro.atmosphere import AtmosphereParams
from source.matter.hydro.geometry import GeometryCache
from source.matter.hydro.perfect_fluid import PerfectFluid
from source.matter.hydro.reconstruction import Reconstruction
from source.matter.hydro.riemann import create_riemann_solver

from . import integrator
from .columns import COL
from .dynamic import fill_state_ghosts
from .options import OPTIONS
from .steppers import STEPPERS

# Hamiltonian-constraint damping kappa_H (``source.bssn.bssnrhs``): d_t phi += -kappa_H dr
# alpha e^{4 phi} H. RK4 stays stable for kappa_H * CFL up to about 0.065; the default is
# well inside that for every allowed CFL (<= 1).
HAM_DAMPING_DEFAULT = 0.03
HAM_DAMPING_CFL_MAX = 0.05


class ConfigError(ValueError):
    """Invalid run configuration (message names the parameter and the allowed values)."""


@dataclass
class RunConfig:
    """All parameters of a run. Defaults are the old code's default star (ref0 driver):
    N = 2000, r_max = 100, t_final = 2000, CFL 0.1, MP5, HLL, K = 100, Gamma = 2,
    rho_c = 1.28e-3, Cowling."""

    mode: str = "cowling"
    num_points: int = 2000
    r_max: float = 100.0
    t_final: float = 2000.0
    steps: int | None = None
    cfl: float = 0.1
    K: float = 100.0
    gamma: float = 2.0
    rho_central: float = 1.28e-3
    eos_id: str = "polytrope"
    eos_table: str | None = None
    eos_table_sha256: str | None = None
    mass: float | None = None
    eos: str = "auto"
    gamma_th: float = 1.8
    recon: str = "mp5"
    riemann: str = "hll"
    c2p: str = "kastaun"
    formulation: str = "partial"
    path: str = "fused"
    rho_floor: float = 1e-13
    timeseries_every: int = 10
    snapshot_every: int | None = None
    checkpoint_every: int | None = None
    c2p_tol: float = 1e-13
    stop_on_c2p_failure: bool = True
    threads: str = "auto"
    outer_bc: str = "sommerfeld"
    eta: float = 1.0
    ham_damping: float = HAM_DAMPING_DEFAULT
    frozen_matter: bool = False
    well_balanced: bool = False
    perturbation: str = "none"
    perturbation_factor: float = 0.995
    perturbation_amplitude: float | None = None
    perturbation_mode: str = "F"
    stop_on_horizon: bool = False
    stop_after_horizon: float | None = None

    def cold_eos(self):
        """The star's cold EOS: the table ``eos_table`` (``TabulatedEOS``, checked against
        ``eos_table_sha256`` when recorded), else ``eos_id`` or the polytrope ``K``,
        ``gamma`` (``PiecewisePolytrope``)."""
        if self.eos_table is not None:
            return TabulatedEOS.from_file(self.eos_table, sha256=self.eos_table_sha256)
        return star_cold_eos(self.eos_id, self.K, self.gamma)

    def evolution_eos(self, cold=None):
        """The evolution EOS object (``eos`` built on the star's cold EOS, ``cold`` if
        given)."""
        cold = self.cold_eos() if cold is None else cold
        return evolution_eos(self.eos, cold, self.gamma, self.gamma_th)

    def validate(self):
        """Raise ``ConfigError`` naming the first bad parameter."""

        def bad(name, msg):
            raise ConfigError(f"--{name.replace('_', '-')}: {msg}")

        def choice(name, value, allowed):
            if value not in allowed:
                bad(name, f"must be one of {', '.join(allowed)} (got {value!r})")

        for option in OPTIONS:           # every choice, from the registries of the kernels
            if option.choices is not None:
                choice(option.name, getattr(self, option.name), option.allowed())
        if not isinstance(self.num_points, int | np.integer) or self.num_points < 20:
            bad("num_points", f"must be an integer >= 20 (got {self.num_points})")
        for name in ("r_max", "K", "rho_central", "rho_floor", "c2p_tol"):
            v = getattr(self, name)
            if not (isinstance(v, int | float) and math.isfinite(v) and v > 0):
                bad(name, f"must be a positive number (got {v})")
        if not (math.isfinite(self.gamma) and 1.0 < self.gamma <= 3.0):
            bad("gamma", f"must be in (1, 3] (got {self.gamma})")
        if not (isinstance(self.gamma_th, int | float) and math.isfinite(self.gamma_th)
                and 1.0 < self.gamma_th <= 3.0):
            bad("gamma_th", f"must be in (1, 3] (got {self.gamma_th})")
        if self.mass is not None and not (isinstance(self.mass, int | float)
                                          and math.isfinite(self.mass) and self.mass > 0):
            bad("mass", f"must be a positive mass in M_sun (got {self.mass})")
        if self.eos_table is not None and self.eos_id != POLYTROPE_ID:
            bad("eos_table", f"the star's EOS is the table or --eos-id {self.eos_id}, not both")
        try:
            cold = self.cold_eos()
        except ValueError as e:
            bad("eos_table", str(e).removeprefix("eos table "))
        try:
            evolution = self.evolution_eos(cold)
        except ValueError as e:
            bad("eos", str(e).removeprefix("eos: "))
        if self.mass is None and causality_check(cold, self.rho_central)[0]:
            bad("rho_central", causality_check(cold, self.rho_central)[0])
        if self.c2p == "newton" and evolution.kind != EOS_IDEAL_GAS:
            bad("c2p", "newton is the ideal-gas solver; the hybrid and barotropic EOS use "
                "kastaun (their own solvers)")
        if not (math.isfinite(self.cfl) and 0.0 < self.cfl <= 1.0):
            bad("cfl", f"must be in (0, 1] (got {self.cfl})")
        if self.steps is not None:
            if not isinstance(self.steps, int | np.integer) or self.steps < 0:
                bad("steps", f"must be a non-negative integer (got {self.steps})")
        elif not (math.isfinite(self.t_final) and self.t_final >= 0):
            bad("t_final", f"must be a non-negative number (got {self.t_final})")
        if not isinstance(self.timeseries_every, int | np.integer) or self.timeseries_every < 1:
            bad("timeseries_every", f"must be an integer >= 1 (got {self.timeseries_every})")
        if self.snapshot_every is not None and (
                not isinstance(self.snapshot_every, int | np.integer) or self.snapshot_every < 1):
            bad("snapshot_every", f"must be an integer >= 1 (got {self.snapshot_every})")
        if self.checkpoint_every is not None and (
                not isinstance(self.checkpoint_every, int | np.integer)
                or self.checkpoint_every < 1):
            bad("checkpoint_every", f"must be an integer >= 1 (got {self.checkpoint_every})")
        if self.rho_floor >= 1e-3 * self.rho_central:
            bad("rho_floor", f"must be far below rho_central (got {self.rho_floor})")
        if self.threads != "auto":
            try:
                n = int(self.threads)
            except ValueError:
                n = 0
            if n < 1:
                bad("threads", f"must be 'auto' or a positive integer (got {self.threads})")
            if n > numba.config.NUMBA_NUM_THREADS:
                bad("threads", f"at most {numba.config.NUMBA_NUM_THREADS} here (the "
                    f"machine's cores, or NUMBA_NUM_THREADS if set; got {self.threads})")
        if self.perturbation != "none":
            try:
                PERTURBATIONS[self.perturbation].validate(**self.perturbation_params())
            except ValueError as e:
                name, _, msg = str(e).partition(": ")
                bad(f"perturbation_{name}", msg or str(e))
        if self.stop_after_horizon is not None and not (
                isinstance(self.stop_after_horizon, int | float)
                and math.isfinite(self.stop_after_horizon) and self.stop_after_horizon >= 0):
            bad("stop_after_horizon", f"must be a non-negative time (got "
                f"{self.stop_after_horizon})")
        if (self.stop_on_horizon or self.stop_after_horizon is not None) \
                and self.mode != "dynamic":
            bad("stop_on_horizon" if self.stop_on_horizon else "stop_after_horizon",
                "needs --mode dynamic (horizons form only in a dynamical spacetime)")
        if not (isinstance(self.eta, int | float) and math.isfinite(self.eta)
                and self.eta >= 0):
            bad("eta", f"must be a non-negative number (got {self.eta})")
        if not (isinstance(self.ham_damping, int | float) and math.isfinite(self.ham_damping)
                and 0.0 <= self.ham_damping * self.cfl <= HAM_DAMPING_CFL_MAX):
            bad("ham_damping", f"must be >= 0 with ham_damping * cfl <= {HAM_DAMPING_CFL_MAX} "
                f"(explicit stability of the diffusion it adds; got {self.ham_damping} with "
                f"cfl {self.cfl})")
        if self.frozen_matter and (self.mode, self.path) != ("dynamic", "fused"):
            bad("frozen_matter", "is a test of the dynamic mode's fused path only")
        if (self.mode, self.path) not in STEPPERS:
            bad("path", f"{self.path} is not available in {self.mode} mode (available: "
                f"{', '.join(p for m, p in STEPPERS if m == self.mode)})")
        return self

    def perturbation_params(self):
        """Keyword parameters of the chosen perturbation (``initialdata.perturbations``)."""
        if self.perturbation == "pressure_scale":
            return {"factor": self.perturbation_factor}
        params = {} if self.perturbation_amplitude is None else \
            {"amplitude": self.perturbation_amplitude}
        if self.perturbation == "mode":
            params.update(mode=self.perturbation_mode,
                          kind="coupled" if self.mode == "dynamic" else "cowling")
        return params

    @property
    def dr(self):
        return self.r_max / (self.num_points - 3.5)

    @property
    def dt(self):
        return self.cfl * self.dr

    @property
    def total_steps(self):
        if self.steps is not None:
            return int(self.steps)
        return int(self.t_final / self.dt)

    def to_dict(self):
        return asdict(self)

    @classmethod
    def field_names(cls):
        return [f.name for f in fields(cls)]


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
        self.num_threads, self.use_parallel = integrator.choose_threads(self.work_cells(),
                                                                   config.threads)
        cls = STEPPERS[(config.mode, config.path)]
        self.U = cls.evolved_rows(state0)
        self.stepper = cls(self)
        if config.well_balanced:
            with shared_scope_copies():     # compiles the stand-alone RHS on a cold cache
                self.stepper.set_equilibrium(cls.evolved_rows(
                    state0 if equilibrium is None else equilibrium))

    def work_cells(self):
        """Cells that cost work in every RHS evaluation: all of them in dynamic mode (BSSN
        everywhere), the star and its surroundings in Cowling (static vacuum is skipped)."""
        if self.config.mode == "dynamic":
            return self.grid.N
        return int(np.count_nonzero(np.abs(self.grid.r) < 1.2 * self.tov.R_iso))

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
        if self.config.mode == "dynamic":
            self.diagnostics_row()       # constraints and expansion of this very state
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


#: A star whose central density is above this fraction of the causal limit gets a warning.
CAUSAL_WARNING_FRACTION = 0.9


def causality_check(cold, rho_central):
    """``(error, warning)`` messages (or None) for a star of central density ``rho_central``
    on the cold EOS ``cold``: an error above its validity range (the density where c_s
    reaches 1, or a table's last row), a warning close below the causal limit."""
    def where(rho):
        return f"{rho:.6g} ({units.density_to_cgs(rho):.4e} g/cm^3)"
    limit = cold.rho_max
    causal = math.isfinite(cold.rho_causal) and cold.rho_causal <= limit
    if rho_central > limit:
        what = "c_s reaches 1 at rho" if causal else "the table ends at rho"
        return (f"{rho_central:g} is above the validity range of {cold.name}: {what} = "
                f"{where(limit)}"), None
    if causal and rho_central > CAUSAL_WARNING_FRACTION * limit:
        cs2 = float(cold.sound_speed_squared(rho_central))
        return None, (f"rho_central = {rho_central:g} is close to the causal limit of "
                      f"{cold.name}: c_s^2 = {cs2:.3f} at the centre, c_s reaches 1 at rho = "
                      f"{where(limit)}")
    return None, None


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
    # The dynamic mode differentiates the metric twice: the TOV solution's ODE jitter
    # (~rtol) enters the Hamiltonian constraint as rtol/dr^2, so it is solved tighter there
    # (rtol 1e-12 spoils the constraint's 4th-order convergence beyond N = 200 on r_max = 20).
    tov = solver.solve(config.rho_central, rtol=1e-13 if config.mode == "dynamic" else 1e-12)
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
                                  p_floor=solver.cold_pressure(config.rho_floor))
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
    sommerfeld = config.mode == "dynamic" and config.outer_bc == "sommerfeld"
    for state in (state0,) if equilibrium is state0 else (state0, equilibrium):
        if sommerfeld:
            # the outer ghosts keep the exact exterior (Schwarzschild) values of the initial
            # data, consistent with the radiative condition; inner parity, hydro outer copy
            fill_state_ghosts(state)
        else:
            grid.fill_boundaries(state)
    cache = GeometryCache.from_state(grid, state0, fill=not sommerfeld)
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
        if rows and "ah_found" in sim.timeseries_fields and sim.horizon_time is None:
            hits = np.flatnonzero(ts[:rows, sim.timeseries_fields.index("ah_found")] > 0)
            if hits.size:
                sim.horizon_time = float(ts[hits[0], COL.t])
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
