"""Time RK4 steps of the benchmark star (JIT/cache load excluded and reported).

Benchmark configuration (the old report's, ``source.evolution.benchmark``): K = 100,
Gamma = 2, rho_c = 1.28e-3, N cells, r_max = 20 (100 for N > 400), ideal-gas evolution
EOS, MP5, HLL, Kastaun c2p, dt = 0.1 dr, Cowling.

    python profiling/bench_rk4.py --path fused --num-points 400 --steps 100 --repeat 5 --json

prints one JSON object: min and median seconds of ``steps`` RK4 steps over ``repeat``
repeats from the initial data and, unless ``--sustained-t 0``, from the state evolved to
t = 300 (``sustained_*``: the atmosphere next to the surface is no longer static there);
ns per cell per RHS evaluation (4 per step); the JIT-compile / cache-load time of the first
call; the CPU model, ``nproc``, the Numba thread count and which kernels ran
(``--kernels serial|parallel`` forces them, ``auto`` is the run's own choice).
"""

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--mode", default="cowling", choices=["cowling", "dynamic"])
    p.add_argument("--path", default="fused", choices=["fused", "modular"])
    p.add_argument("--num-points", type=int, default=400)
    p.add_argument("--r-max", type=float, default=None,
                   help="default: Cowling 20 for N <= 400, else 100; dynamic 40 (N <= 400)")
    p.add_argument("--cfl", type=float, default=None,
                   help="default: Cowling 0.1 (the old report), dynamic 0.25")
    p.add_argument("--steps", type=int, default=100)
    p.add_argument("--repeat", type=int, default=5)
    p.add_argument("--recon", default="mp5")
    p.add_argument("--riemann", default="hll")
    p.add_argument("--c2p", default="kastaun")
    p.add_argument("--eos", default="ideal")
    p.add_argument("--threads", default="1")
    p.add_argument("--kernels", default="auto", choices=["auto", "serial", "parallel"])
    p.add_argument("--well-balanced", action="store_true",
                   help="time the well-balanced scheme (the run option of that name)")
    p.add_argument("--sustained-t", type=float, default=300.0,
                   help="also time the steps from the state evolved to this time (0: skip)")
    p.add_argument("--json", action="store_true", help="print one JSON object only")
    a = p.parse_args(argv)

    t_import = time.perf_counter()
    import numba

    from source.evolution.benchmark import (
        benchmark_simulation,
        evolved_state,
        machine_info,
        time_steps,
    )
    t_import = time.perf_counter() - t_import

    t0 = time.perf_counter()
    extra = {} if a.r_max is None else {"r_max": a.r_max}
    if a.well_balanced:
        extra["well_balanced"] = True
    if a.cfl is not None:
        extra["cfl"] = a.cfl
    sim = benchmark_simulation(a.num_points, a.path, a.kernels, a.threads, a.steps,
                               mode=a.mode, recon=a.recon, riemann=a.riemann, c2p=a.c2p,
                               eos=a.eos, **extra)
    jit = time.perf_counter() - t0
    times = time_steps(sim, sim.checkpoint_state(), a.steps, a.repeat, time.perf_counter)
    med = statistics.median(times)
    res = {
        "mode": a.mode, "path": a.path, "num_points": a.num_points,
        "r_max": sim.config.r_max, "cfl": sim.config.cfl,
        "steps": a.steps, "repeat": a.repeat, "recon": a.recon, "riemann": a.riemann,
        "c2p": a.c2p, "eos": a.eos, "well_balanced": a.well_balanced,
        "min_s": min(times), "median_s": med,
        "ns_per_cell_per_rhs": med / (a.steps * 4 * a.num_points) * 1e9,
    }
    if a.sustained_t > 0:
        state = evolved_state(sim, a.sustained_t)
        times = time_steps(sim, state, a.steps, a.repeat, time.perf_counter)
        res.update({"sustained_t": a.sustained_t, "sustained_min_s": min(times),
                    "sustained_median_s": statistics.median(times)})
    res.update({
        "jit_or_cache_load_s": jit, "import_s": t_import,
        "kernels": "parallel" if sim.use_parallel else "serial",
        "numba_threads": numba.get_num_threads(), **machine_info(),
    })
    if a.json:
        print(json.dumps(res))
    else:
        for k, v in res.items():
            print(f"{k:>22}: {v}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
