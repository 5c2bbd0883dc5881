#!/usr/bin/env python
"""Mixed-precision experiment: the fused driver on float32 state arrays.

The compiled kernels are generic; handing them float32 arrays (state, primitives, work,
fluxes, geometry) makes Numba compile float32-storage specialisations (the scalar
arithmetic still promotes to float64 where float64 constants enter). Compares speed and
the accuracy of rho_c(t) with the float64 run, same configuration (standard star,
N = 400, r_max = 20, MP5/HLL/Kastaun, CFL 0.1). Prints one JSON object.
"""

import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

from source.evolution import columns  # noqa: E402
from source.evolution.simulation import RunConfig, build_simulation  # noqa: E402


def run(dtype, steps, every):
    sim = build_simulation(RunConfig(num_points=400, r_max=20.0, steps=steps,
                                     timeseries_every=every, threads="1"))
    for name in ("U", "books"):
        setattr(sim, name, np.ascontiguousarray(getattr(sim, name), dtype=dtype))
    for name in ("prim", "work", "flux", "gc", "gf"):
        setattr(sim.stepper, name, np.ascontiguousarray(getattr(sim.stepper, name),
                                                        dtype=dtype))
    ts = np.zeros((steps // every + 2, columns.NUM_TS), dtype=dtype)
    t0 = time.perf_counter()
    sim.advance(1, ts)                      # compile
    jit = time.perf_counter() - t0
    sim.U[:] = np.ascontiguousarray(sim.state0[12:], dtype=dtype)
    sim.stepper.prim[:] = 0
    sim.books[:] = 0
    sim.step = 0
    t0 = time.perf_counter()
    code, done, rows, bad = sim.advance(steps, ts)
    wall = time.perf_counter() - t0
    return {"code": int(code), "done": int(done), "wall_s": wall, "jit_s": jit,
            "t": ts[:rows, 0].astype(float), "rho_c": ts[:rows, 1].astype(float),
            "c2p_failures": float(ts[:rows, 8].sum()), "mass": ts[:rows, 5].astype(float)}


def main(steps=20000, every=10):
    r64 = run(np.float64, steps, every)
    r32 = run(np.float32, steps, every)
    n = min(len(r64["rho_c"]), len(r32["rho_c"]))
    d = np.abs(r32["rho_c"][:n] - r64["rho_c"][:n]) / r64["rho_c"][0]
    drift64 = np.abs(r64["rho_c"][:n] / r64["rho_c"][0] - 1)
    out = {
        "steps": steps, "NUMBA_NUM_THREADS": os.environ.get("NUMBA_NUM_THREADS", "default"),
        "float64_s": r64["wall_s"], "float32_s": r32["wall_s"],
        "speedup_float32": r64["wall_s"] / r32["wall_s"],
        "float32_completed_steps": r32["done"], "float32_code": r32["code"],
        "max_rel_diff_rho_c": float(d.max()),
        "max_physical_drho_c_float64": float(drift64.max()),
        "c2p_failures_float64": r64["c2p_failures"], "c2p_failures_float32": r32["c2p_failures"],
        "rel_mass_change_float32": float(r32["mass"][n - 1] / r32["mass"][0] - 1),
        "rel_mass_change_float64": float(r64["mass"][n - 1] / r64["mass"][0] - 1),
    }
    print(json.dumps(out))


if __name__ == "__main__":
    main()
