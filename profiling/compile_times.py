"""What a first run costs: JIT compile time per compiled function, from an empty cache.

    python profiling/compile_times.py [--mode cowling|dynamic] [--threads 1]

Runs one RK4 step of a small star (the compiled specialisations do not depend on the grid
size) with ``NUMBA_CACHE_DIR`` pointed at a fresh temporary directory, listens to Numba's
``numba:compile`` events and prints, per function, the time spent compiling it including
its callees (``inclusive``) and without them (``own``), the total wall time to the end of
the first step, and the CPU model. Run it on a quiet machine.
"""

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CHILD = r"""
import json, sys, time
t0 = time.perf_counter()
from numba.core import event
stack, records = [], []

class Listener(event.Listener):
    def on_start(self, ev):
        stack.append((ev.data["dispatcher"].py_func.__qualname__,
                      ev.data["dispatcher"].py_func.__module__, time.perf_counter(), []))
    def on_end(self, ev):
        name, module, start, children = stack.pop()
        total = time.perf_counter() - start
        own = total - sum(children)
        records.append({"function": f"{module}.{name}", "inclusive_s": total, "own_s": own,
                        "depth": len(stack)})
        if stack:
            stack[-1][3].append(total)

event.register("numba:compile", Listener())
from source.evolution.simulation import RunConfig, build_simulation
import numpy as np
t_import = time.perf_counter() - t0
cfg = RunConfig(mode=sys.argv[1], num_points=200, r_max=20.0, steps=1, threads=sys.argv[2],
                cfl=0.25)
sim = build_simulation(cfg)
t_setup = time.perf_counter() - t0
ts = np.zeros((4, len(sim.timeseries_fields)))
sim.warmup()            # as a run does (``evolve``): the driver and the diagnostics
sim.advance(1, ts)
t_step = time.perf_counter() - t0
print(json.dumps({"import_s": t_import, "setup_s": t_setup, "first_step_s": t_step,
                  "records": records}))
"""


def cpu_model():
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def main(argv=None):
    import json

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--mode", default="cowling", choices=["cowling", "dynamic"])
    p.add_argument("--threads", default="1", help="1 (serial kernels) or a count > 1")
    p.add_argument("--top", type=int, default=12)
    a = p.parse_args(argv)
    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "NUMBA_CACHE_DIR": cache}
        t0 = time.perf_counter()
        out = subprocess.run([sys.executable, "-c", CHILD, a.mode, a.threads], cwd=ROOT,
                             env=env, capture_output=True, text=True, check=True)
        wall = time.perf_counter() - t0
    result = json.loads(out.stdout.strip().splitlines()[-1])
    records = result["records"]
    top = [r for r in records if r["depth"] == 0]
    print(f"cold start, {a.mode} mode, threads {a.threads}: first step after {wall:.1f} s "
          f"(process wall; import {result['import_s']:.1f} s, set-up incl. TOV and JIT "
          f"{result['setup_s']:.1f} s, first step {result['first_step_s']:.1f} s)")
    print(f"CPU: {cpu_model()}; nproc {os.cpu_count()}; "
          f"NUMBA_NUM_THREADS {os.environ.get('NUMBA_NUM_THREADS', 'default')}")
    print(f"JIT compile, top-level calls: {sum(r['inclusive_s'] for r in top):.1f} s")
    print(f"{'function (top level)':64} {'inclusive s':>11}")
    for r in sorted(top, key=lambda r: -r["inclusive_s"])[:a.top]:
        print(f"{r['function'][:64]:64} {r['inclusive_s']:11.2f}")
    own = {}
    for r in records:
        own[r["function"]] = own.get(r["function"], 0.0) + r["own_s"]
    print(f"\n{'function (own time, callees excluded)':64} {'own s':>11}")
    for name, s in sorted(own.items(), key=lambda kv: -kv[1])[:a.top]:
        print(f"{name[:64]:64} {s:11.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
