#!/usr/bin/env python
"""Evolve a TOV star: ``python TOVEvolution.py [options]`` (see ``--help``).

Runs the standard polytropic star (K = 100, Gamma = 2, rho_c = 1.28e-3) in the Cowling
approximation with the old code's defaults (N = 2000, r_max = 100, t_final = 2000, CFL 0.1,
MP5 + HLL) and writes one HDF5 file (layout in ``source/evolution/output.py`` and the
README). Exit codes: 0 success, 1 the evolution stopped (NaN or c2p failure; the output
keeps everything up to the last good step), 2 invalid input (nothing is written).
"""

import argparse
import json
import re
import signal
import sys
import time
import warnings
from pathlib import Path

from source import __version__

EXIT_OK, EXIT_EVOLUTION_FAILED, EXIT_BAD_INPUT = 0, 1, 2


class _InputError(Exception):
    pass


class _Terminated(Exception):
    """SIGTERM (e.g. a batch system's time limit): stop like Ctrl-C, keeping the output."""


def _raise_terminated(signum, frame):
    raise _Terminated()


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors (exit code 2 via ``main``) and negative numbers in
    scientific notation accepted as values (``--rho-central -1e-3`` is then a clear
    validation error instead of a usage dump)."""

    def __init__(self, *a, **k):
        super().__init__(*a, **k)
        self._negative_number_matcher = re.compile(r"^-(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$")

    def error(self, message):
        raise _InputError(message)


def build_parser():
    from source.evolution.options import CONTROL, OPTIONS
    from source.evolution.simulation import RunConfig

    defaults = RunConfig()
    p = _Parser(
        prog="TOVEvolution.py",
        description="Evolve a relativistic polytropic star (TOV) with GR hydrodynamics in "
                    f"spherical symmetry (tovflow {__version__}). Defaults: the old code's "
                    "default star (N = 2000, r_max = 100, t = 2000, Cowling, MP5, HLL). "
                    "Options come from the command line, then a --config file, then the "
                    "defaults.")
    groups = {}
    for o in OPTIONS:
        if o.group == CONTROL:
            continue
        g = groups.setdefault(o.group, p.add_argument_group(o.group))
        _add_option(g, o, getattr(defaults, o.name))
    g = p.add_argument_group("run control")
    g.add_argument("--config", default=None, metavar="FILE.toml",
                   help="read the run's options from a TOML file (command-line flags "
                   "override it); see examples/")
    g.add_argument("--print-config", action="store_true", help="print the effective "
                   "configuration as TOML and exit")
    g.add_argument("--output", default=None, help="HDF5 output file [default: "
                   "tov_<mode>_N<N>.h5 in the current directory]")
    g.add_argument("--overwrite", action="store_true", help="replace an existing output")
    g.add_argument("--restart-from", default=None, metavar="FILE.h5",
                   help="continue the run checkpointed in FILE.h5 (same physics) to its "
                   "end or to a later --t-final/--steps, writing a new --output")
    for o in OPTIONS:
        if o.group == CONTROL:
            _add_option(g, o, getattr(defaults, o.name))
    g.add_argument("--quiet", action="store_true", help="no progress output")
    return p


def _add_option(group, o, default):
    if o.type is bool:
        group.add_argument(o.flag, dest=o.name, action="store_const", const=True,
                           default=None, help=f"{o.help} [default: off]")
        return
    allowed = o.allowed()
    text = o.help + (f" ({', '.join(allowed)})" if allowed else "")
    group.add_argument(o.flag, dest=o.name, type=o.type, default=None,
                       help=f"{text} [default: {default}]")


def fail_input(msg):
    print(f"TOVEvolution.py: error: {msg}", file=sys.stderr)
    return EXIT_BAD_INPUT


def _config_from_args(args):
    """RunConfig from the command line over a --config file, or from the restart file plus
    the options a restart may change (``options.OPTIONS``, ``restart`` = extend / free).

    Returns (config, restart) where restart is None or (state, timeseries, snapshots,
    changes) with ``changes`` the options that differ from the restart file.
    """
    from source.evolution.options import BY_NAME, OPTIONS, read_config_file
    from source.evolution.output import read_restart
    from source.evolution.simulation import ConfigError, RunConfig

    given = {o.name: getattr(args, o.name) for o in OPTIONS
             if getattr(args, o.name) is not None}
    if given.get("steps") is not None and "t_final" in given:
        raise ConfigError("--steps: give either --steps or --t-final, not both")
    if args.config is not None:
        from_file = read_config_file(args.config)
        if "t_final" in given:
            from_file.pop("steps", None)
        if "steps" in given:
            from_file.pop("t_final", None)
        given = {**from_file, **given}
    if args.restart_from is None:
        return RunConfig(**given).validate(), None
    stored, state, timeseries, snapshots = read_restart(args.restart_from)
    known = set(RunConfig.field_names())
    cfg = RunConfig(**{k: v for k, v in stored.items() if k in known})
    changes = {}
    for name, value in given.items():
        if value == getattr(cfg, name):
            continue
        if BY_NAME[name].restart == "fixed":
            raise ConfigError(f"{BY_NAME[name].flag}: differs from the restart file "
                              f"({getattr(cfg, name)!r} there, {value!r} given); a restart "
                              "continues the same physics")
        changes[name] = value
    if "t_final" in changes:
        cfg.steps = None
    for k, v in changes.items():
        setattr(cfg, k, v)
    cfg.validate()
    if state["step"] > cfg.total_steps:
        raise ConfigError(f"--restart-from: checkpoint step {state['step']} is past the "
                          f"run's end ({cfg.total_steps} steps)")
    return cfg, (state, timeseries, snapshots, changes)


def _progress_reporter(cfg, sim, row0):
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
              f"{row[1] / row0[1] - 1:+.3e}  dM0/M0 = {row[5] / row0[5] - 1:+.3e}  "
              f"max|v| = {row[4]:.2e}  [{rate:,.0f} steps/s, ETA {eta:,.0f} s]", flush=True)
    return line


def restart_history(path):
    """The ``history`` attribute (JSON list of earlier restarts) of an output file."""
    import h5py

    with h5py.File(path, "r") as f:
        return f.attrs.get("history", "[]")


def main(argv=None):
    try:
        args = build_parser().parse_args(argv)
    except _InputError as e:
        return fail_input(str(e))
    from source.evolution.simulation import ConfigError

    try:
        cfg, restart = _config_from_args(args)
    except (ConfigError, ValueError) as e:
        return fail_input(str(e))
    if args.print_config:
        from source.evolution.options import to_toml

        print(to_toml(cfg), end="")
        return EXIT_OK
    out = Path(args.output or f"tov_{cfg.mode}_N{cfg.num_points}.h5")
    if out.suffix not in (".h5", ".hdf5"):
        return fail_input(f"--output: must end in .h5 or .hdf5 (got {str(out)!r})")
    if out.exists() and not args.overwrite:
        return fail_input(f"--output: {str(out)!r} exists; pass --overwrite to replace it")
    if not out.parent.exists():
        return fail_input(f"--output: directory {str(out.parent)!r} does not exist")
    if restart is not None and out.resolve() == Path(args.restart_from).resolve():
        return fail_input("--output: must differ from --restart-from")

    from source.evolution import fused
    from source.evolution.output import RunWriter, copy_history
    from source.evolution.simulation import build_simulation, evolve, run_status_message

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            sim = build_simulation(cfg)
        except ConfigError as e:
            return fail_input(str(e))
    for w in caught:
        print(f"warning: {w.message}", file=sys.stderr)
    tov = sim.tov
    print(f"tovflow {__version__}: TOV star, {cfg.mode} evolution, {cfg.path} path")
    print(f"  EOS (ID) polytrope K = {cfg.K:g}, Gamma = {cfg.gamma:g}; evolution EOS: "
          f"{cfg.eos}")
    print(f"  star: rho_c = {cfg.rho_central:.6g}, M = {tov.M_star:.6f}, M0 = {tov.M0:.6f}, "
          f"R_schw = {tov.R_schw:.6f}, R_iso = {tov.R_iso:.6f}, C = {tov.C:.6f}, "
          f"alpha_c = {tov.alpha_c:.6f}")
    print(f"  grid: N = {cfg.num_points} (3+3 ghosts), r_max = {cfg.r_max:g}, "
          f"dr = {cfg.dr:.6g}; dt = {cfg.dt:.6g} (CFL {cfg.cfl:g}), "
          f"{cfg.total_steps} RK4 steps to t = {cfg.total_steps * cfg.dt:.6g}")
    print(f"  methods: recon {cfg.recon}, Riemann {cfg.riemann}, c2p {cfg.c2p}, "
          f"formulation {cfg.formulation}; atmosphere rho_floor = {cfg.rho_floor:.3g}")
    print(f"  kernels: {'parallel' if sim.use_parallel else 'serial'} on "
          f"{sim.num_threads} thread{'s' if sim.num_threads > 1 else ''} (--threads "
          f"{cfg.threads})")
    print(f"  output: {out}")

    writer = RunWriter(out, {**cfg.to_dict(), "output": str(out)}, tov.properties(),
                       sim.grid.r, cfg.dr, sim.timeseries_fields)
    writer.f.attrs["numba_threads"] = sim.num_threads
    writer.f.attrs["kernels"] = "parallel" if sim.use_parallel else "serial"
    row0 = sim.diagnostics_row()
    if restart is not None:
        state, timeseries, snapshots, changes = restart
        sim.restore(state)
        copy_history(writer, timeseries, snapshots)
        writer.f.attrs["restarted_from"] = str(args.restart_from)
        writer.f.attrs["restart_step"] = int(state["step"])
        history = json.loads(restart_history(args.restart_from))
        history.append({"restarted_from": str(args.restart_from), "step": int(state["step"]),
                        "changed": changes})
        writer.f.attrs["history"] = json.dumps(history)
        print(f"  restart: continuing from step {state['step']} (t = {sim.t:.6g}) of "
              f"{args.restart_from}")
    progress = None if args.quiet else _progress_reporter(cfg, sim, row0)
    t0 = time.perf_counter()
    previous_term = signal.signal(signal.SIGTERM, _raise_terminated)
    try:
        code, bad, wall = evolve(sim, writer, progress, restarted=restart is not None)
    except (KeyboardInterrupt, _Terminated) as e:
        what = "terminated (SIGTERM)" if isinstance(e, _Terminated) else "interrupted"
        writer.close(status=f"{what} at step {sim.step}")
        print(f"\n{what} at step {sim.step} (t = {sim.t:.6g}); output kept in {out} "
              f"(restart from its last checkpoint with --restart-from)", file=sys.stderr)
        return 143 if isinstance(e, _Terminated) else 130
    except BaseException as e:
        writer.close(status=f"failed: {type(e).__name__}: {e}")
        raise
    finally:
        signal.signal(signal.SIGTERM, previous_term)
    row = sim.diagnostics_row()
    if code != fused.RUN_OK:
        msg = run_status_message(code, sim, bad)
        writer.close(status=f"failed: {msg}")
        print(f"TOVEvolution.py: evolution stopped: {msg}. Output kept in {out}",
              file=sys.stderr)
        return EXIT_EVOLUTION_FAILED
    steps_run = sim.step - (restart[0]["step"] if restart is not None else 0)
    steps_per_s = steps_run / max(wall, 1e-12)
    status = "completed" if sim.stop_reason is None else f"stopped: {sim.stop_reason}"
    if sim.horizon_time is not None:
        writer.f.attrs["horizon_time"] = sim.horizon_time
    writer.close(status=status, wall_seconds=wall)
    import h5py
    with h5py.File(out, "r") as f:
        fails = int(f["timeseries/c2p_failures"][:].sum())
    dM = row[5] - row0[5]
    excised = row[20] if len(row) > 20 else 0.0
    excised_text = f", removed inside the horizon {-excised:.3e}" if excised else ""
    print("summary:")
    print(f"  reached t = {sim.t:.6g} after {sim.step} steps in {wall:.2f} s "
          f"({steps_per_s:,.0f} steps/s; {1e3 * wall / max(steps_run, 1):.3f} ms/step); "
          f"JIT compile / cache load {sim.jit_seconds:.2f} s; total with set-up "
          f"{time.perf_counter() - t0:.2f} s")
    print(f"  rho_c: {row0[1]:.8e} -> {row[1]:.8e} (relative change {row[1] / row0[1] - 1:+.3e})")
    print(f"  rest mass M0: {row0[5]:.10f} -> {row[5]:.10f} (relative change "
          f"{dM / row0[5]:+.3e}; outflow through r_max {row[6]:.3e}, added by atmosphere "
          f"resets {row[7]:+.3e}{excised_text}, unaccounted "
          f"{dM + row[6] - row[7] - excised:+.3e})")
    print(f"  max |v| = {row[4]:.3e}; cons2prim failures: {fails}")
    if cfg.mode == "dynamic":
        f_ = sim.timeseries_fields
        print(f"  lapse at the centre {row[f_.index('alpha_c')]:.6f}; ADM mass "
              f"{row[f_.index('adm_mass')]:.6f}; Hamiltonian constraint in the star (rms) "
              f"{row[f_.index('ham_l2_star')]:.3e}")
        if sim.horizon_time is not None:
            m_ah, m_adm = row[f_.index("ah_mass")], row[f_.index("adm_mass")]
            print(f"  apparent horizon: first found at t = {sim.horizon_time:.6g}; now "
                  f"r = {row[f_.index('ah_radius')]:.5g} (areal "
                  f"{row[f_.index('ah_areal_radius')]:.5g}), M_AH = {m_ah:.6f}; M_AH / "
                  f"M_ADM = {m_ah / row0[f_.index('adm_mass')]:.5f} with the ADM mass of the "
                  f"initial data ({row0[f_.index('adm_mass')]:.6f}), {m_ah / m_adm:.5f} with "
                  f"the current estimate at r_max; rest mass removed inside the horizon "
                  f"{-row[f_.index('mass_excised')]:.6f}")
    if sim.stop_reason is not None:
        print(f"  stopped early: {sim.stop_reason}")
    print(f"  output: {out}")
    print("BENCHMARK_RESULT: " + json.dumps({"jit_s": round(sim.jit_seconds, 4),
                                            "per_step_ms": 1e3 * wall / max(steps_run, 1),
                                            "total_s": wall, "n_steps": steps_run}))
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
