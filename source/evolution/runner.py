"""The library entry point: ``run(config, output)`` does what ``TOVEvolution.py`` does.

    from source.evolution.runner import run
    from source.evolution.config import RunConfig

    result = run(RunConfig(num_points=400, r_max=20.0, t_final=1000.0), "out.h5")
    print(result.status, result.wall_seconds)

``restart_config(path, **changes)`` gives the configuration and restart data of a
checkpointed output (only options a restart may change can be changed, see
``options.OPTIONS``), to be passed on as ``run(config, output, restart=...)``. The command
line (``TOVEvolution.py``), the stored baselines and parameter sweeps call ``run``.

Exit codes (``RunResult.code``): 0 completed (or stopped at a user criterion), 1 the
evolution stopped (NaN or a cons2prim failure; the output keeps everything up to the last
good step), 130 interrupted (Ctrl-C), 143 terminated (SIGTERM). Invalid input raises
``ConfigError`` before any work.
"""

import json
import signal
import sys
import threading
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

from source import __version__
from source.matter.eos import eos_catalogue as units
from source.matter.eos.eos_catalogue import POLYTROPE_ID

from . import integrator
from .columns import COL
from .config import ConfigError, RunConfig
from .options import BY_NAME
from .output import RunWriter, copy_history, read_restart
from .simulation import build_simulation, evolve, run_status_message

EXIT_OK, EXIT_EVOLUTION_FAILED = 0, 1

#: Rest mass (relative) added by atmosphere resets above which a well-balanced run warns
#: that its perturbation left the surface's discrete equilibrium (README, "Well-balanced
#: scheme": clean runs add < 1e-6, e.g. 6e-7 for amplitude 1e-5 over t = 600; those out of
#: its range 4e-5 and more).
WELL_BALANCED_RESET_WARNING = 1e-6
EXIT_INTERRUPTED, EXIT_TERMINATED = 130, 143


@dataclass
class Restart:
    """What a restart continues from (``restart_config``)."""

    path: str
    state: dict
    timeseries: dict
    snapshots: dict
    changes: dict = field(default_factory=dict)


@dataclass
class RunResult:
    code: int
    status: str
    output: Path
    wall_seconds: float = 0.0
    steps: int = 0
    sim: object = None
    first_row: object = None
    last_row: object = None


class _Terminated(Exception):
    """SIGTERM (e.g. a batch system's time limit): stop like Ctrl-C, keeping the output."""


def _raise_terminated(signum, frame):
    raise _Terminated()


def restart_config(path, **changes):
    """(RunConfig, Restart) to continue the checkpointed run in ``path``; ``changes`` may
    set options whose ``restart`` policy is ``extend`` or ``free`` (e.g. a later
    ``t_final``); a differing physics option raises ConfigError."""
    stored, state, timeseries, snapshots = read_restart(path)
    known = set(RunConfig.field_names())
    cfg = RunConfig(**{k: v for k, v in stored.items() if k in known})
    if "ham_damping" not in stored:   # written before the option existed: plain BSSN
        cfg.ham_damping = 0.0
    applied = {}
    for name, value in changes.items():
        if value is None or value == getattr(cfg, name):
            continue
        if BY_NAME[name].restart == "fixed":
            raise ConfigError(f"{BY_NAME[name].flag}: differs from the restart file "
                              f"({getattr(cfg, name)!r} there, {value!r} given); a restart "
                              "continues the same physics")
        applied[name] = value
    if "t_final" in applied:
        cfg.steps = None
    for k, v in applied.items():
        setattr(cfg, k, v)
    cfg.validate()
    if state["step"] > cfg.total_steps:
        raise ConfigError(f"--restart-from: checkpoint step {state['step']} is past the "
                          f"run's end ({cfg.total_steps} steps)")
    return cfg, Restart(str(path), state, timeseries, snapshots, applied)


def default_output(config):
    return Path(f"tov_{config.mode}_N{config.num_points}.h5")


def check_output(config, output, overwrite=False, restart=None):
    """The output path, or ConfigError (before any work) if it cannot be written."""
    out = Path(output) if output is not None else default_output(config)
    if out.suffix not in (".h5", ".hdf5"):
        raise ConfigError(f"--output: must end in .h5 or .hdf5 (got {str(out)!r})")
    if out.exists() and not overwrite:
        raise ConfigError(f"--output: {str(out)!r} exists; pass --overwrite to replace it")
    if not out.parent.exists():
        raise ConfigError(f"--output: directory {str(out.parent)!r} does not exist")
    if restart is not None and out.resolve() == Path(restart.path).resolve():
        raise ConfigError("--output: must differ from --restart-from")
    return out


def _restart_history(path):
    from source.io import load_header

    return json.loads(load_header(path).attrs.get("history", "[]"))


def terminal_progress(cfg, sim, row0):
    """Progress after every chunk: a progress bar (tqdm: simulated time, steps/s, ETA) on a
    terminal, a plain line every 5 s otherwise (batch logs)."""
    if sys.stderr.isatty():
        from tqdm import tqdm

        bar = tqdm(total=cfg.total_steps, initial=sim.step, unit="step", dynamic_ncols=True,
                   smoothing=0.1)

        def update(s, wall, rate):
            bar.update(s.step - bar.n)
            bar.set_postfix_str(f"t = {s.t:.1f} / {cfg.total_steps * cfg.dt:.6g}")
            if s.step >= cfg.total_steps or s.stop_reason is not None:
                bar.close()
        return update

    last = [0.0]

    def line(s, wall, rate):
        if wall - last[0] < 5.0 and s.step < cfg.total_steps:
            return
        last[0] = wall
        row = s.diagnostics_row()
        eta = (cfg.total_steps - s.step) / max(rate, 1e-12)
        print(f"  step {s.step:>9d}/{cfg.total_steps}  t = {s.t:10.3f}  rho_c/rho_c0 - 1 = "
              f"{row[COL.rho_c] / row0[COL.rho_c] - 1:+.3e}  dM0/M0 = "
              f"{row[COL.baryon_mass] / row0[COL.baryon_mass] - 1:+.3e}  "
              f"max|v| = {row[COL.max_abs_v]:.2e}  [{rate:,.0f} steps/s, ETA {eta:,.0f} s]",
              flush=True)
    return line


def run(config, output=None, restart=None, overwrite=False, progress=None, log=print):
    """Evolve the star of ``config`` (a ``RunConfig``) into the HDF5 file ``output``.

    ``restart`` (from ``restart_config``) continues a checkpointed run; ``progress(config,
    sim, first_row)`` makes the reporter called after every chunk (``terminal_progress``: a
    bar on a terminal, lines in a log; None for none); ``log`` receives the header and
    summary lines (``print`` by default; ``lambda *a, **k: None`` for silence). Returns a
    ``RunResult``.
    """
    config.validate()
    out = check_output(config, output, overwrite, restart)
    cfg = config
    err = (lambda msg: log(msg, file=sys.stderr)) if log is print else log
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        sim = build_simulation(cfg)
    for w in caught:
        err(f"warning: {w.message}")
    tov = sim.tov
    cfg = sim.config            # with rho_central of the star of --mass
    log(f"tovflow {__version__}: TOV star, {cfg.mode} evolution, {cfg.path} path")
    star_eos = (f"polytrope K = {cfg.K:g}, Gamma = {cfg.gamma:g}"
                if cfg.eos_id == POLYTROPE_ID and cfg.eos_table is None else cfg.cold_eos().name)
    log(f"  EOS: star {star_eos}; evolution {sim.eos.name}")
    log(f"  star: rho_c = {cfg.rho_central:.6g} = {units.density_to_cgs(cfg.rho_central):.4e} "
        f"g/cm^3, M = {tov.M_star:.6f} M_sun, M0 = {tov.M0:.6f}, "
        f"R = {tov.R_schw:.6f} = {units.length_to_km(tov.R_schw):.4f} km (areal), "
        f"R_iso = {tov.R_iso:.6f}, M/R = {tov.C:.6f}, alpha_c = {tov.alpha_c:.6f}")
    log(f"  grid: N = {cfg.num_points} (3+3 ghosts), r_max = {cfg.r_max:g}, "
        f"dr = {cfg.dr:.6g}; dt = {cfg.dt:.6g} (CFL {cfg.cfl:g}), "
        f"{cfg.total_steps} RK4 steps to t = {cfg.total_steps * cfg.dt:.6g}")
    log(f"  methods: recon {cfg.recon}, Riemann {cfg.riemann}, c2p {cfg.c2p}, "
        f"formulation {cfg.formulation}; atmosphere rho_floor = {cfg.rho_floor:.3g}")
    log(f"  kernels: {'parallel' if sim.use_parallel else 'serial'} on "
        f"{sim.num_threads} thread{'s' if sim.num_threads > 1 else ''} (--threads "
        f"{cfg.threads})")
    log(f"  output: {out}")

    writer = RunWriter(out, {**cfg.to_dict(), "output": str(out)}, tov.properties(),
                       sim.grid.r, cfg.dr, sim.timeseries_fields)
    writer.f.attrs["eos"] = json.dumps(sim.eos.describe(), sort_keys=True)
    writer.f.attrs["numba_threads"] = sim.num_threads
    writer.f.attrs["kernels"] = "parallel" if sim.use_parallel else "serial"
    row0 = sim.diagnostics_row()
    if restart is not None:
        sim.restore(restart.state)
        copy_history(writer, restart.timeseries, restart.snapshots)
        writer.f.attrs["restarted_from"] = restart.path
        writer.f.attrs["restart_step"] = int(restart.state["step"])
        history = _restart_history(restart.path)
        history.append({"restarted_from": restart.path, "step": int(restart.state["step"]),
                        "changed": restart.changes})
        writer.f.attrs["history"] = json.dumps(history)
        log(f"  restart: continuing from step {restart.state['step']} (t = {sim.t:.6g}) of "
            f"{restart.path}")
    reporter = progress(cfg, sim, row0) if progress is not None else None
    t0 = time.perf_counter()
    main_thread = threading.current_thread() is threading.main_thread()
    previous_term = signal.signal(signal.SIGTERM, _raise_terminated) if main_thread else None
    try:
        code, bad, wall = evolve(sim, writer, reporter, restarted=restart is not None)
    except (KeyboardInterrupt, _Terminated) as e:
        what = "terminated (SIGTERM)" if isinstance(e, _Terminated) else "interrupted"
        status = f"{what} at step {sim.step}"
        writer.close(status=status)
        err(f"\n{what} at step {sim.step} (t = {sim.t:.6g}); output kept in {out} "
            f"(restart from its last checkpoint with --restart-from)")
        code = EXIT_TERMINATED if isinstance(e, _Terminated) else EXIT_INTERRUPTED
        return RunResult(code, status, out, sim=sim)
    except BaseException as e:
        writer.close(status=f"failed: {type(e).__name__}: {e}")
        raise
    finally:
        if main_thread:
            signal.signal(signal.SIGTERM, previous_term)
    row = sim.diagnostics_row()
    if code != integrator.RUN_OK:
        msg = run_status_message(code, sim, bad)
        status = f"failed: {msg}"
        writer.close(status=status)
        err(f"TOVEvolution.py: evolution stopped: {msg}. Output kept in {out}")
        return RunResult(EXIT_EVOLUTION_FAILED, status, out, wall, sim=sim, first_row=row0,
                         last_row=row)
    steps_run = sim.step - (restart.state["step"] if restart is not None else 0)
    steps_per_s = steps_run / max(wall, 1e-12)
    status = "completed" if sim.stop_reason is None else f"stopped: {sim.stop_reason}"
    if sim.horizon_time is not None:
        writer.f.attrs["horizon_time"] = sim.horizon_time
    writer.close(status=status, wall_seconds=wall)
    from source.io import load_run
    fails = int(load_run(out, snapshots=False).timeseries["c2p_failures"].sum())
    dM = row[COL.baryon_mass] - row0[COL.baryon_mass]
    outflow, reset = row[COL.mass_outflow], row[COL.mass_reset]
    excised = row[COL.mass_excised] if "mass_excised" in sim.timeseries_fields else 0.0
    excised_text = f", removed inside the horizon {-excised:.3e}" if excised else ""
    log("summary:")
    log(f"  reached t = {sim.t:.6g} after {sim.step} steps in {wall:.2f} s "
        f"({steps_per_s:,.0f} steps/s; {1e3 * wall / max(steps_run, 1):.3f} ms/step); "
        f"JIT compile / cache load {sim.jit_seconds:.2f} s; total with set-up "
        f"{time.perf_counter() - t0:.2f} s")
    log(f"  rho_c: {row0[COL.rho_c]:.8e} -> {row[COL.rho_c]:.8e} (relative change "
        f"{row[COL.rho_c] / row0[COL.rho_c] - 1:+.3e})")
    log(f"  rest mass M0: {row0[COL.baryon_mass]:.10f} -> {row[COL.baryon_mass]:.10f} "
        f"(relative change {dM / row0[COL.baryon_mass]:+.3e}; outflow through r_max "
        f"{outflow:.3e}, added by atmosphere resets {reset:+.3e}{excised_text}, unaccounted "
        f"{dM + outflow - reset - excised:+.3e})")
    log(f"  max |v| = {row[COL.max_abs_v]:.3e}; cons2prim failures: {fails}")
    if cfg.well_balanced and reset > WELL_BALANCED_RESET_WARNING * row0[COL.baryon_mass]:
        err(f"warning: --well-balanced: the atmosphere resets added "
            f"{reset / row0[COL.baryon_mass]:.2e} "
            f"of the rest mass, i.e. the perturbation moved the stellar surface out of its "
            f"discrete equilibrium and the subtracted L_h(U_eq) acts there as a source "
            f"(README, 'Well-balanced scheme'); rerun without --well-balanced")
    for line in sim.stepper.summary_lines(row, row0):
        log(line)
    if sim.stop_reason is not None:
        log(f"  stopped early: {sim.stop_reason}")
    log(f"  output: {out}")
    log("BENCHMARK_RESULT: " + json.dumps({"jit_s": round(sim.jit_seconds, 4),
                                            "per_step_ms": 1e3 * wall / max(steps_run, 1),
                                            "total_s": wall, "n_steps": steps_run}))
    return RunResult(EXIT_OK, status, out, wall, steps_run, sim, row0, row)

