"""Compile time of one RK4 driver with and without ``source.jit.shared_scope_copies``.

    python profiling/inliner_patch.py [--mode cowling|dynamic] [--parallel]

Compiles the default scheme's serial (or parallel) driver of a small star several times in
one process (its callees compiled once first, so each build measures the driver's own
compile), with Numba's own inliner, with only the shared scope copies of the blocks of one
callee (the first version of the patch), and under the whole patch; prints the CPU time of
each build and whether its LLVM IR is that of Numba's own build but for names (inlined
variables and blocks carry per-compilation counters).
"""

import argparse
import contextlib
import os
import re
import sys
import time
from pathlib import Path

import numpy as np
from numba.core import inline_closurecall

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))   # this tree's source/

from source import jit  # noqa: E402
from source.evolution import integrator  # noqa: E402
from source.evolution.simulation import RunConfig, build_simulation  # noqa: E402

RENAMES = ((r'"[^"]*"', '"x"'), (r"%[\w.$-]+", "%v"), (r"@[\w.$]+", "@g"), (r"![\w.]+", "!m"),
           (r"#\d+", "#a"), (r"(?m)^([^;\"]*);.*$", r"\1"), (r"(?m)^[\w.$-]+:", "B:"),
           (r"\[\d+ x i8\]", "[n x i8]"), (r"(?m)[ \t]+$", ""))


def renamed(llvm_ir):
    """LLVM IR with every name, label and comment replaced by a placeholder."""
    for pattern, placeholder in RENAMES:
        llvm_ir = re.sub(pattern, placeholder, llvm_ir)
    return llvm_ir


@contextlib.contextmanager
def shared_scopes_only():
    """Only the block copies of one callee sharing one copy of its scope."""
    inline_closurecall.copy = jit._inliner_copies()[0]
    try:
        yield
    finally:
        inline_closurecall.copy = jit.copy


VARIANTS = {"numba": contextlib.nullcontext, "shared scopes only": shared_scopes_only,
            "shared_scope_copies": jit.shared_scope_copies}


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--mode", default="cowling", choices=["cowling", "dynamic"])
    p.add_argument("--repeats", type=int, default=2)
    p.add_argument("--parallel", action="store_true", help="the prange build")
    a = p.parse_args(argv)
    sim = build_simulation(RunConfig(mode=a.mode, num_points=120, r_max=20.0, steps=1,
                                     threads="1"))
    st = sim.stepper
    args = (sim.U, 0, sim.config.dt, 0, 1, st.model, sim.eos.params, sim.hydro.atm_packed,
            st.work, np.zeros((1, len(st.ts_fields))), sim.books.copy(), False,
            (st.offset, float(st.outflow_eq)))
    builds = iter(range(10**6))

    def build(variant):
        driver = jit.build_closure(integrator._rk4_scheme(st.scheme, a.parallel),
                                   f"_{a.mode}_driver_{next(builds)}", st.hooks._asdict(),
                                   cache=False, parallel=a.parallel, error_model="numpy")
        t0 = time.process_time()
        with VARIANTS[variant]():
            driver(*args)
        return time.process_time() - t0, renamed(next(iter(driver.inspect_llvm().values())))

    build("numba")                                        # the callees, once
    build_name = "parallel" if a.parallel else "serial"
    print(f"{a.mode} {build_name} driver, own compile, CPU s (NUMBA_NUM_THREADS "
          f"{os.environ.get('NUMBA_NUM_THREADS', 'default')}, nproc {os.cpu_count()})")
    reference = None
    for repeat in range(a.repeats):
        for variant in (VARIANTS if repeat % 2 == 0 else list(VARIANTS)[::-1]):
            seconds, llvm_ir = build(variant)
            reference = reference or llvm_ir
            print(f"  {variant:22} {seconds:6.2f} s   LLVM IR the same but for names: "
                  f"{llvm_ir == reference}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
