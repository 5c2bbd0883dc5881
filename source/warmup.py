"""Compile the kernels of the common runs ahead of the first run (``make install``).

    python -m source.warmup [--only cowling-serial ...] [--jobs N]

Numba compiles a kernel the first time a process calls it and keeps the machine code in the
on-disk cache of this source tree (``source.jit.numba_cache_dir``, set when the package is
imported, keyed by the kernel sources, so it is never stale). This module runs one short
run of each kind a user starts - Cowling and dynamic mode, serial kernels and (on a
multi-core machine) parallel ones - each in its own process, up to ``--jobs`` at a time
(default: the number of cores), so that the first real run loads every kernel from the
cache instead of compiling it (see ``profiling/compile_times.py`` and the README for what a
cold start costs).
The kernels are compiled per EOS kind (ideal gas, barotropic, hybrid: ``eos.EOSKernelParams``)
and the drivers per scheme (reconstruction, Riemann solver, formulation, c2p method:
compile-time constants, ``integrator.rk4_driver``), so these runs
cache the default scheme's with the ideal gas (polytropic stars) and the hybrid EOS
(catalogue stars); a run with other methods or the barotropic EOS compiles its own kernels
once.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

#: name: run options (``RunConfig`` fields). The parallel kernels only where more than one
#: core exists; a catalogue-EOS star compiles the piecewise-polytrope TOV functions.
RUNS = {
    "cowling-serial": {"mode": "cowling", "threads": "1"},
    "dynamic-serial": {"mode": "dynamic", "threads": "1"},
    "cowling-parallel": {"mode": "cowling", "threads": "2"},
    "dynamic-parallel": {"mode": "dynamic", "threads": "2"},
    "catalogue-eos": {"mode": "cowling", "threads": "1", "eos_id": "sly",
                      "rho_central": 1.4e-3},
}

_CHILD = """
import json, sys
from source.evolution.runner import run
from source.evolution.simulation import RunConfig
options, out = json.loads(sys.argv[1]), sys.argv[2]
run(RunConfig(num_points=200, r_max=20.0, steps=2, cfl=0.25, snapshot_every=1,
              checkpoint_every=1, **options), out, log=lambda *a, **k: None)
"""


def default_runs():
    """The runs worth compiling on this machine (parallel ones only with several cores)."""
    multi = (os.cpu_count() or 1) > 1
    return [name for name, options in RUNS.items() if options["threads"] == "1" or multi]


def warm(names=None, jobs=None, log=print):
    """Run the warm-up runs ``names`` (default :func:`default_runs`), ``jobs`` processes at a
    time. Returns {name: (seconds, return code)}."""
    names = list(default_runs() if names is None else names)
    for name in names:
        if name not in RUNS:
            raise ValueError(f"unknown warm-up run {name!r} (known: {', '.join(RUNS)})")
    jobs = max(1, int(jobs or os.cpu_count() or 1))
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        pending = list(names)
        running = {}
        while pending or running:
            while pending and len(running) < jobs:
                name = pending.pop(0)
                env = {**os.environ, "NUMBA_NUM_THREADS": RUNS[name]["threads"]}
                cmd = [sys.executable, "-c", _CHILD, json.dumps(RUNS[name]),
                       str(Path(tmp) / f"{name}.h5")]
                running[name] = (subprocess.Popen(cmd, cwd=ROOT, env=env,
                                                  stdout=subprocess.DEVNULL,
                                                  stderr=subprocess.PIPE, text=True),
                                 time.perf_counter())
            time.sleep(0.2)
            for name, (proc, start) in list(running.items()):
                if proc.poll() is None:
                    continue
                seconds = time.perf_counter() - start
                results[name] = (seconds, proc.returncode)
                err = proc.stderr.read().strip().splitlines()
                log(f"  {name}: {seconds:.1f} s" + ("" if proc.returncode == 0 else
                                                   f" FAILED ({err[-1] if err else '?'})"))
                del running[name]
    return results


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--only", nargs="+", choices=list(RUNS), help="these runs only")
    p.add_argument("--jobs", type=int, default=None, help="processes at a time (default: "
                   "the number of cores)")
    a = p.parse_args(argv)
    print(f"compiling the kernels into {os.environ['NUMBA_CACHE_DIR']} ...")
    t0 = time.perf_counter()
    results = warm(a.only, a.jobs)
    print(f"done in {time.perf_counter() - t0:.1f} s")
    return 0 if all(code == 0 for _, code in results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
