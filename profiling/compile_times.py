"""What a first run costs: JIT compile time per compiled function, from an empty cache.

    python profiling/compile_times.py [--mode cowling|dynamic] [--threads 1] [--top 12]

Runs one RK4 step of a small star (the compiled specialisations do not depend on the grid
size) in a child process with ``NUMBA_CACHE_DIR`` pointed at a fresh temporary directory,
listens to Numba's ``numba:compile`` events and prints, per function, the time spent
compiling it including its callees (``inclusive``) and without them (``own``), the time to
the end of the first step, and the CPU model. Times are given as wall clock and as the
child's CPU time (``time.process_time``: all its threads, interpreter start included); the
CPU time is much less sensitive to other jobs on a shared machine, so compare that.
``profiling/compile_ab.py`` compares two source trees with this child.
"""

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

#: the measured process; it only uses the ``RunConfig`` / ``build_simulation`` /
#: ``Simulation.warmup`` / ``advance`` interface, so it runs in older source trees as well
CHILD = r"""
import json, sys, time
t0, c0 = time.perf_counter(), time.process_time()
from numba.core import event
stack, records = [], []

class Listener(event.Listener):
    def on_start(self, ev):
        stack.append((ev.data["dispatcher"].py_func.__qualname__,
                      ev.data["dispatcher"].py_func.__module__, time.perf_counter(),
                      time.process_time(), [], []))
    def on_end(self, ev):
        name, module, start, cpu_start, children, cpu_children = stack.pop()
        total = time.perf_counter() - start
        cpu = time.process_time() - cpu_start
        records.append({"function": f"{module}.{name}", "inclusive_s": total,
                        "own_s": total - sum(children), "inclusive_cpu_s": cpu,
                        "own_cpu_s": cpu - sum(cpu_children), "depth": len(stack)})
        if stack:
            stack[-1][4].append(total)
            stack[-1][5].append(cpu)

event.register("numba:compile", Listener())
import source
from source.evolution.simulation import RunConfig, build_simulation
import numpy as np
t_import, c_import = time.perf_counter() - t0, time.process_time()
cfg = RunConfig(mode=sys.argv[1], num_points=200, r_max=20.0, steps=1, threads=sys.argv[2],
                cfl=0.25)
sim = build_simulation(cfg)
t_setup, c_setup = time.perf_counter() - t0, time.process_time()
ts = np.zeros((4, len(sim.timeseries_fields)))
sim.warmup()            # as a run does (``evolve``): the driver and the diagnostics
sim.advance(1, ts)
t_step, c_step = time.perf_counter() - t0, time.process_time()
print(json.dumps({"source": source.__file__, "import_s": t_import, "setup_s": t_setup,
                  "first_step_s": t_step, "import_cpu_s": c_import, "setup_cpu_s": c_setup,
                  "first_step_cpu_s": c_step, "records": records}))
"""


def cpu_model():
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def measure(tree=ROOT, mode="cowling", threads="1", cache=None, python=sys.executable):
    """One first step of ``mode`` in a child process run from the root of source tree
    ``tree`` (so that ``import source`` is that tree's package) with Numba's cache in
    ``cache`` (default: a fresh empty directory, i.e. a cold start). Returns the child's
    record (times from its start: ``*_s`` wall, ``*_cpu_s`` CPU; ``records``: one per
    compiled function) plus ``wall_s``, the process's wall time seen from outside."""
    tree = Path(tree).resolve()
    with tempfile.TemporaryDirectory() as fresh:
        env = {**os.environ, "NUMBA_CACHE_DIR": str(cache or fresh)}
        t0 = time.perf_counter()
        out = subprocess.run([python, "-c", CHILD, mode, str(threads)], cwd=tree, env=env,
                             capture_output=True, text=True)
        wall = time.perf_counter() - t0
    if out.returncode:
        raise RuntimeError(f"child in {tree} failed:\n{out.stderr[-3000:]}")
    result = json.loads(out.stdout.strip().splitlines()[-1])
    if Path(result["source"]).resolve().parent.parent != tree:
        raise RuntimeError(f"child in {tree} imported {result['source']}")
    result["wall_s"] = wall
    return result


def own_times(records, key="own_cpu_s"):
    """{function: summed ``key`` over its compilations}."""
    own = {}
    for r in records:
        own[r["function"]] = own.get(r["function"], 0.0) + r[key]
    return own


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--mode", default="cowling", choices=["cowling", "dynamic"])
    p.add_argument("--threads", default="1", help="1 (serial kernels) or a count > 1")
    p.add_argument("--top", type=int, default=12)
    a = p.parse_args(argv)
    result = measure(ROOT, a.mode, a.threads)
    records = result["records"]
    top = [r for r in records if r["depth"] == 0]
    print(f"cold start, {a.mode} mode, threads {a.threads}: first step after "
          f"{result['wall_s']:.1f} s wall, {result['first_step_cpu_s']:.1f} s CPU (process; "
          f"import {result['import_s']:.1f} s wall / {result['import_cpu_s']:.1f} s CPU, "
          f"set-up incl. TOV and JIT to {result['setup_s']:.1f} / "
          f"{result['setup_cpu_s']:.1f} s, first step to {result['first_step_s']:.1f} / "
          f"{result['first_step_cpu_s']:.1f} s)")
    print(f"CPU: {cpu_model()}; nproc {os.cpu_count()}; "
          f"NUMBA_NUM_THREADS {os.environ.get('NUMBA_NUM_THREADS', 'default')}")
    print(f"JIT compile, top-level calls: {sum(r['inclusive_s'] for r in top):.1f} s wall, "
          f"{sum(r['inclusive_cpu_s'] for r in top):.1f} s CPU; "
          f"{len(records)} compilations")
    print(f"{'function (top level)':64} {'incl. wall s':>12} {'incl. CPU s':>11}")
    for r in sorted(top, key=lambda r: -r["inclusive_cpu_s"])[:a.top]:
        print(f"{r['function'][:64]:64} {r['inclusive_s']:12.2f} {r['inclusive_cpu_s']:11.2f}")
    own, own_cpu = own_times(records, "own_s"), own_times(records)
    print(f"\n{'function (own time, callees excluded)':64} {'own wall s':>12} {'own CPU s':>11}")
    for name, s in sorted(own_cpu.items(), key=lambda kv: -kv[1])[:a.top]:
        print(f"{name[:64]:64} {own[name]:12.2f} {s:11.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
