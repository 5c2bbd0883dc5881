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
import os
import re
import sys
import time
import warnings
from pathlib import Path

from source import __version__

EXIT_OK, EXIT_EVOLUTION_FAILED, EXIT_BAD_INPUT = 0, 1, 2


class _InputError(Exception):
    pass


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
    p = _Parser(
        prog="TOVEvolution.py",
        description="Evolve a relativistic polytropic star (TOV) with GR hydrodynamics in "
                    f"spherical symmetry (tovflow {__version__}).",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    g = p.add_argument_group("physics")
    g.add_argument("--mode", default="cowling", help="cowling (frozen metric) or dynamic "
                   "(BSSN-coupled; not yet available)")
    g.add_argument("--K", type=float, default=100.0, help="polytropic constant")
    g.add_argument("--gamma", type=float, default=2.0, help="adiabatic index (polytrope and "
                   "evolution EOS)")
    g.add_argument("--rho-central", type=float, default=1.28e-3, help="central rest-mass "
                   "density")
    g.add_argument("--eos", default="ideal", help="evolution EOS: ideal (P = (Gamma-1) rho "
                   "eps) or polytrope (barotropic); initial data is always the polytrope")
    g.add_argument("--rho-floor", type=float, default=1e-13, help="atmosphere density "
                   "(pressure floor K rho_floor^Gamma)")
    g = p.add_argument_group("grid and time")
    g.add_argument("--num-points", type=int, default=2000, help="grid points incl. 3+3 ghosts")
    g.add_argument("--r-max", type=float, default=100.0, help="outer radius (last ghost)")
    t = g.add_mutually_exclusive_group()
    t.add_argument("--t-final", type=float, default=2000.0, help="final time (M_sun)")
    t.add_argument("--steps", type=int, default=None, help="number of RK4 steps "
                   "(instead of --t-final)")
    g.add_argument("--cfl", type=float, default=0.1, help="dt = CFL * dr")
    g = p.add_argument_group("numerical methods")
    g.add_argument("--recon", default="mp5", help="minmod, mc, mp5, weno5 or wenoz")
    g.add_argument("--riemann", default="hll", help="hll, llf or hllc")
    g.add_argument("--c2p", default="kastaun", help="kastaun (bracketed, Kastaun et al. "
                   "2021) or newton (Newton fast path, Kastaun fallback)")
    g.add_argument("--formulation", default="partial", help="partial (MBM 2014: rest mass "
                   "conserved to round-off) or full (reference code)")
    g.add_argument("--path", default="fused", help="fused (compiled driver) or modular "
                   "(readable reference path)")
    g.add_argument("--threads", default="auto", help="auto or a number of threads")
    g = p.add_argument_group("output")
    g.add_argument("--output", default=None, help="HDF5 output file (default "
                   "tov_<mode>_N<N>.h5 in the current directory)")
    g.add_argument("--overwrite", action="store_true", help="replace an existing output")
    g.add_argument("--timeseries-every", type=int, default=10, help="record the time "
                   "series every K steps")
    g.add_argument("--snapshot-every", type=int, default=None, help="write a profile "
                   "snapshot every K steps (default: 20 snapshots per run)")
    g.add_argument("--quiet", action="store_true", help="no progress lines")
    return p


def fail_input(msg):
    print(f"TOVEvolution.py: error: {msg}", file=sys.stderr)
    return EXIT_BAD_INPUT


def main(argv=None):
    try:
        args = build_parser().parse_args(argv)
    except _InputError as e:
        return fail_input(str(e))
    from source.evolution.simulation import ConfigError, RunConfig

    cfg = RunConfig(mode=args.mode, num_points=args.num_points, r_max=args.r_max,
                    t_final=args.t_final, steps=args.steps, cfl=args.cfl, K=args.K,
                    gamma=args.gamma, rho_central=args.rho_central, eos=args.eos,
                    recon=args.recon, riemann=args.riemann, c2p=args.c2p,
                    formulation=args.formulation, path=args.path, rho_floor=args.rho_floor,
                    timeseries_every=args.timeseries_every,
                    snapshot_every=args.snapshot_every, threads=args.threads)
    try:
        cfg.validate()
    except ConfigError as e:
        return fail_input(str(e))
    out = Path(args.output or f"tov_{cfg.mode}_N{cfg.num_points}.h5")
    if out.suffix not in (".h5", ".hdf5"):
        return fail_input(f"--output: must end in .h5 or .hdf5 (got {str(out)!r})")
    if out.exists() and not args.overwrite:
        return fail_input(f"--output: {str(out)!r} exists; pass --overwrite to replace it")
    if not out.parent.exists():
        return fail_input(f"--output: directory {str(out.parent)!r} does not exist")
    if cfg.threads != "auto":
        os.environ.setdefault("NUMBA_NUM_THREADS", str(cfg.threads))

    from source.evolution import fused
    from source.evolution.output import RunWriter
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
    say = (lambda *a, **k: None) if args.quiet else print
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
    print(f"  output: {out}")

    writer = RunWriter(out, {**cfg.to_dict(), "output": str(out)}, tov.properties(),
                       sim.grid.r, cfg.dr)
    row0 = sim.diagnostics_row()
    last_print = [0.0]

    def progress(s, wall, rate):
        if wall - last_print[0] < 5.0 and s.step < cfg.total_steps:
            return
        last_print[0] = wall
        row = s.diagnostics_row()
        eta = (cfg.total_steps - s.step) / max(rate, 1e-12)
        say(f"  step {s.step:>9d}/{cfg.total_steps}  t = {s.t:10.3f}  rho_c/rho_c0 - 1 = "
            f"{row[1] / row0[1] - 1:+.3e}  dM0/M0 = {row[5] / row0[5] - 1:+.3e}  "
            f"max|v| = {row[4]:.2e}  [{rate:,.0f} steps/s, ETA {eta:,.0f} s]", flush=True)

    t0 = time.perf_counter()
    try:
        code, bad, wall = evolve(sim, writer, progress)
    except KeyboardInterrupt:
        writer.close(status=f"interrupted at step {sim.step}")
        print(f"\ninterrupted at step {sim.step} (t = {sim.t:.6g}); output kept in {out}",
              file=sys.stderr)
        return 130
    except BaseException as e:
        writer.close(status=f"failed: {type(e).__name__}: {e}")
        raise
    row = sim.diagnostics_row()
    if code != fused.RUN_OK:
        msg = run_status_message(code, sim, bad)
        writer.close(status=f"failed: {msg}")
        print(f"TOVEvolution.py: evolution stopped: {msg}. Output kept in {out}",
              file=sys.stderr)
        return EXIT_EVOLUTION_FAILED
    steps_per_s = sim.step / max(wall, 1e-12)
    writer.close(status="completed", wall_seconds=wall)
    import h5py
    with h5py.File(out, "r") as f:
        fails = int(f["timeseries/c2p_failures"][:].sum())
    dM = row[5] - row0[5]
    print("summary:")
    print(f"  reached t = {sim.t:.6g} after {sim.step} steps in {wall:.2f} s "
          f"({steps_per_s:,.0f} steps/s; {1e3 * wall / max(sim.step, 1):.3f} ms/step); "
          f"JIT compile / cache load {sim.jit_seconds:.2f} s; total with set-up "
          f"{time.perf_counter() - t0:.2f} s")
    print(f"  rho_c: {row0[1]:.8e} -> {row[1]:.8e} (relative change {row[1] / row0[1] - 1:+.3e})")
    print(f"  rest mass M0: {row0[5]:.10f} -> {row[5]:.10f} (relative change "
          f"{dM / row0[5]:+.3e}; outflow through r_max {row[6]:.3e}, added by atmosphere "
          f"resets {row[7]:+.3e}, unaccounted {dM + row[6] - row[7]:+.3e})")
    print(f"  max |v| = {row[4]:.3e}; cons2prim failures: {fails}")
    print(f"  output: {out}")
    print("BENCHMARK_RESULT: " + json.dumps({"jit_s": round(sim.jit_seconds, 4),
                                            "per_step_ms": 1e3 * wall / max(sim.step, 1),
                                            "total_s": wall, "n_steps": sim.step}))
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
