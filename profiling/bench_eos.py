"""Per-step cost of the cold-EOS kinds side by side, in one process: the benchmark
polytrope (K = 100, Gamma = 2, rho_c = 1.28e-3, ideal-gas evolution), the 1.4 M_sun SLy
star of the Read et al. piecewise polytrope and of LALSimulation's SLy table (both hybrid,
Gamma_th = 1.8), at the same N, r_max and CFL.

    python profiling/bench_eos.py --mode cowling --num-points 400 --steps 100 --repeat 15

r_max is the benchmark's (20 in Cowling, 40 in dynamic mode at N <= 400) unless given.
Each star is timed from its state evolved to ``--sustained-t`` (300: the surface has moved
and the atmosphere next to it works, as in a long run; 0 times the initial data). The stars
are timed in interleaved rounds (each round times every star once), so that a drift of the
machine's speed affects them alike, in CPU time of the process (with one thread less
sensitive to other jobs on the machine than the wall clock); prints the median and the
minimum per step of each and their ratios to the polytrope's, the CPU model and the thread
count.
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SLY_TABLE = ROOT / "source" / "matter" / "eos" / "tables" / "LALSimNeutronStarEOS_SLY.dat"
POLYTROPE = "polytrope (ideal gas)"


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--mode", default="cowling", choices=["cowling", "dynamic"])
    p.add_argument("--num-points", type=int, default=400)
    p.add_argument("--r-max", type=float, default=None)
    p.add_argument("--cfl", type=float, default=0.25)
    p.add_argument("--steps", type=int, default=100)
    p.add_argument("--repeat", type=int, default=15)
    p.add_argument("--sustained-t", type=float, default=300.0)
    a = p.parse_args(argv)

    from source.evolution.benchmark import (
        benchmark_simulation,
        evolved_state,
        machine_info,
        time_steps,
    )

    common = {"mode": a.mode, "num_points": a.num_points, "cfl": a.cfl, "steps": a.steps}
    if a.r_max is not None:
        common["r_max"] = a.r_max
    stars = {
        POLYTROPE: {},
        "SLy piecewise polytrope (hybrid)": {"eos_id": "sly", "mass": 1.4},
        "SLy LALSimulation table (hybrid)": {"eos_table": str(SLY_TABLE), "mass": 1.4},
    }
    sims = {name: benchmark_simulation(**common, **options) for name, options in stars.items()}
    states = {name: evolved_state(sim, a.sustained_t) if a.sustained_t > 0
              else sim.checkpoint_state() for name, sim in sims.items()}
    times = {name: [] for name in sims}
    for _ in range(a.repeat):
        for name, sim in sims.items():
            times[name] += time_steps(sim, states[name], a.steps, 1, time.process_time)
    info = machine_info()
    r_max = sims[POLYTROPE].config.r_max
    print(f"{a.mode}, N = {a.num_points}, r_max = {r_max:g}, CFL {a.cfl:g}, from t = "
          f"{a.sustained_t:g}, {a.steps} steps x {a.repeat} rounds (CPU time); {info}")
    base_median = statistics.median(times[POLYTROPE]) / a.steps
    base_min = min(times[POLYTROPE]) / a.steps
    for name, values in times.items():
        median = statistics.median(values) / a.steps
        minimum = min(values) / a.steps
        print(f"  {name:34s} median {median * 1e6:9.1f} us/step  x{median / base_median:.2f}"
              f"   min {minimum * 1e6:9.1f} us/step  x{minimum / base_min:.2f}")


if __name__ == "__main__":
    main()
