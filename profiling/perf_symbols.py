"""Where a star's steps spend their time, by compiled function: Linux ``perf`` with the
names of Numba's functions.

    NUMBA_CACHE_DIR=$(mktemp -d) NUMBA_NUM_THREADS=1 python profiling/perf_symbols.py \
        --star table --seconds 20 &
    # when it prints "ready, pid N":
    perf record -F 5000 -p N -- sleep 8
    perf report --no-children --sort sym

Numba's machine code has no symbols for ``perf``. This script compiles the benchmark star's
driver afresh (hence the empty ``NUMBA_CACHE_DIR``: code loaded from the cache has no
linkable module to read the addresses from), writes ``/tmp/perf-PID.map`` (the perf
convention for JIT code: address, size, name of every compiled function), then runs the
star's steps from its state at t = 300 for ``--seconds``. Functions that Numba or LLVM
inlined appear as their caller. Stars: the benchmark polytrope, SLy of the piecewise
polytrope (``pwp``) and of LALSimulation's table (``table``), as in ``bench_eos.py``.
"""

import argparse
import gc
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SLY_TABLE = ROOT / "source" / "matter" / "eos" / "tables" / "LALSimNeutronStarEOS_SLY.dat"
STARS = {"polytrope": {}, "pwp": {"eos_id": "sly", "mass": 1.4},
         "table": {"eos_table": str(SLY_TABLE), "mass": 1.4}}


def compiled_functions():
    """(address, name) of every function of every compiled (not cache-loaded) overload."""
    from numba.core.dispatcher import Dispatcher

    found = set()
    for obj in gc.get_objects():
        if not issubclass(type(obj), Dispatcher):   # (isinstance raises on a dead proxy)
            continue
        for cres in obj.overloads.values():
            library = cres.library
            module = getattr(library, "_final_module", None)
            if module is None:
                continue
            for fn in module.functions:
                if fn.is_declaration:
                    continue
                address = library.get_pointer_to_function(fn.name)
                if address:
                    found.add((address, fn.name))
    return sorted(found)


def write_perf_map(functions, pid):
    """``/tmp/perf-<pid>.map``: one line per function, its size up to the next one."""
    with open(f"/tmp/perf-{pid}.map", "w") as out:
        for k, (address, name) in enumerate(functions):
            size = functions[k + 1][0] - address if k + 1 < len(functions) else 4096
            out.write(f"{address:x} {min(size, 1 << 20):x} {name}\n")


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--star", choices=sorted(STARS), default="table")
    p.add_argument("--mode", choices=["cowling", "dynamic"], default="cowling")
    p.add_argument("--num-points", type=int, default=400)
    p.add_argument("--seconds", type=float, default=20.0)
    a = p.parse_args(argv)

    from source.evolution.benchmark import benchmark_simulation, evolved_state, time_steps

    sim = benchmark_simulation(mode=a.mode, num_points=a.num_points, **STARS[a.star])
    state = evolved_state(sim, 300.0)
    time_steps(sim, state, 100, 1, time.process_time)
    functions = compiled_functions()
    if not functions:
        sys.exit("no compiled function found: run with an empty NUMBA_CACHE_DIR")
    write_perf_map(functions, os.getpid())
    print(f"ready, pid {os.getpid()} ({len(functions)} functions mapped)", flush=True)
    start = time.time()
    while time.time() - start < a.seconds:
        time_steps(sim, state, 100, 1, time.process_time)


if __name__ == "__main__":
    main()
