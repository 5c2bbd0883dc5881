#!/usr/bin/env python
"""Time RK4 steps of the standard Cowling star (JIT/cache load excluded and reported).

Benchmark configuration (the old report's): K = 100, Gamma = 2, rho_c = 1.28e-3, N cells,
r_max = 20, ideal-gas evolution EOS, MP5, HLL, Kastaun c2p, dt = 0.1 dr, Cowling.

    python profiling/bench_rk4.py --path fused --num-points 400 --steps 100 --repeat 5 --json

prints one JSON object: min and median seconds of ``steps`` RK4 steps over ``repeat``
repeats (each from the same initial state), ns per cell per RHS evaluation (4 per step),
and the JIT-compile / cache-load time of the first call. State NUMBA_NUM_THREADS with
every figure (it is included in the output).
"""

import argparse
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--path", default="fused", choices=["fused", "modular"])
    p.add_argument("--num-points", type=int, default=400)
    p.add_argument("--r-max", type=float, default=20.0)
    p.add_argument("--steps", type=int, default=100)
    p.add_argument("--repeat", type=int, default=5)
    p.add_argument("--recon", default="mp5")
    p.add_argument("--riemann", default="hll")
    p.add_argument("--c2p", default="kastaun")
    p.add_argument("--eos", default="ideal")
    p.add_argument("--threads", default="1")
    p.add_argument("--json", action="store_true", help="print one JSON object only")
    a = p.parse_args(argv)

    t_import = time.perf_counter()
    import numpy as np

    from source.evolution import fused
    from source.evolution.simulation import RunConfig, build_simulation
    t_import = time.perf_counter() - t_import

    cfg = RunConfig(num_points=a.num_points, r_max=a.r_max, steps=a.steps, path=a.path,
                    recon=a.recon, riemann=a.riemann, c2p=a.c2p, eos=a.eos,
                    timeseries_every=max(a.steps, 1), threads=a.threads)
    sim = build_simulation(cfg)
    U0 = sim.U.copy()
    prim0 = sim.prim.copy()
    ts = np.zeros((a.steps + 2, fused.NUM_TS))

    t0 = time.perf_counter()
    sim.advance(1, ts)                       # compile or load from cache
    jit = time.perf_counter() - t0
    times = []
    for _ in range(a.repeat):
        sim.U[:] = U0
        sim.prim[:] = prim0
        sim.step = 0
        t0 = time.perf_counter()
        code, done, rows, bad = sim.advance(a.steps, ts)
        times.append(time.perf_counter() - t0)
        assert code == fused.RUN_OK and done == a.steps
    med = statistics.median(times)
    res = {
        "path": a.path, "num_points": a.num_points, "steps": a.steps, "repeat": a.repeat,
        "recon": a.recon, "riemann": a.riemann, "c2p": a.c2p, "eos": a.eos,
        "min_s": min(times), "median_s": med,
        "ns_per_cell_per_rhs": med / (a.steps * 4 * a.num_points) * 1e9,
        "jit_or_cache_load_s": jit, "import_s": t_import,
        "parallel": bool(sim.use_parallel),
        "NUMBA_NUM_THREADS": os.environ.get("NUMBA_NUM_THREADS", "default"),
        "nproc": os.cpu_count(), "machine": platform.processor() or platform.machine(),
    }
    if a.json:
        print(json.dumps(res))
    else:
        for k, v in res.items():
            print(f"{k:>22}: {v}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
