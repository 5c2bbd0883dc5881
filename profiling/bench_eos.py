"""Per-step cost of the cold-EOS kinds side by side, in one process: the benchmark
polytrope (K = 100, Gamma = 2, rho_c = 1.28e-3, ideal-gas evolution), the 1.4 M_sun SLy
star of the Read et al. piecewise polytrope and of LALSimulation's SLy table (both hybrid,
Gamma_th = 1.8), at the same N, r_max and CFL.

    python profiling/bench_eos.py --mode cowling --num-points 400 --steps 100 --repeat 7

The stars are timed in interleaved rounds (each round times every star once), so that a
drift of the machine's speed affects them alike; prints the median seconds per step of each
and its ratio to the polytrope's, the CPU model and the thread count.
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SLY_TABLE = ROOT / "source" / "matter" / "eos" / "tables" / "LALSimNeutronStarEOS_SLY.dat"


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--mode", default="cowling", choices=["cowling", "dynamic"])
    p.add_argument("--num-points", type=int, default=400)
    p.add_argument("--r-max", type=float, default=20.0)
    p.add_argument("--cfl", type=float, default=0.25)
    p.add_argument("--steps", type=int, default=100)
    p.add_argument("--repeat", type=int, default=7)
    a = p.parse_args(argv)

    from source.evolution.benchmark import benchmark_simulation, machine_info, time_steps

    common = {"mode": a.mode, "num_points": a.num_points, "r_max": a.r_max, "cfl": a.cfl,
              "steps": a.steps}
    stars = {
        "polytrope (ideal gas)": {},
        "SLy piecewise polytrope (hybrid)": {"eos_id": "sly", "mass": 1.4},
        "SLy LALSimulation table (hybrid)": {"eos_table": str(SLY_TABLE), "mass": 1.4},
    }
    sims = {name: benchmark_simulation(**common, **options) for name, options in stars.items()}
    states = {name: sim.checkpoint_state() for name, sim in sims.items()}
    times = {name: [] for name in sims}
    for _ in range(a.repeat):
        for name, sim in sims.items():
            times[name] += time_steps(sim, states[name], a.steps, 1, time.perf_counter)
    info = machine_info()
    print(f"{a.mode}, N = {a.num_points}, r_max = {a.r_max:g}, CFL {a.cfl:g}, {a.steps} steps "
          f"x {a.repeat} rounds; {info}")
    base = statistics.median(times["polytrope (ideal gas)"]) / a.steps
    for name, values in times.items():
        per_step = statistics.median(values) / a.steps
        print(f"  {name:34s} {per_step * 1e6:9.1f} us/step   x{per_step / base:.2f}")


if __name__ == "__main__":
    main()
