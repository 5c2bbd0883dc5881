"""The parallel RK4 driver shares no variable between threads.

Numba's parallel lowering turns a variable that it cannot prove written before read in
every iteration of a ``prange`` loop into one slot shared by all threads, with a
``NumbaParallelSafetyWarning`` at compile time: a data race. ``cons_to_prim_point`` had
five such (the primitives, assigned only inside its solvers' branches; the driver's c2p
method is a compile-time constant, which prunes the other branch). Runs load the parallel
driver from the cache, compiled by the warm-up in child processes, so the warning went
unseen; this test compiles the Cowling parallel driver afresh (not cached, as the run
compiles it) and requires none.
"""

import warnings

import numpy as np
from numba.core.errors import NumbaParallelSafetyWarning

from source import jit
from source.evolution import integrator
from source.evolution.simulation import RunConfig, build_simulation


def test_parallel_driver_has_no_shared_variable():
    sim = build_simulation(RunConfig(mode="cowling", num_points=60, r_max=20.0, steps=1,
                                     threads="1"))
    st = sim.stepper
    driver = jit.build_closure(integrator._rk4_scheme(st.scheme, True),
                               "_test_parallel_safety_driver", st.hooks._asdict(),
                               cache=False, parallel=True, error_model="numpy")
    with warnings.catch_warnings(record=True) as caught, jit.shared_scope_copies():
        warnings.simplefilter("always")
        code, steps, _, _ = driver(sim.U, 0, sim.config.dt, 1, 1, st.model, sim.eos.params,
                                   sim.hydro.atm_packed, st.work,
                                   np.zeros((1, len(st.ts_fields))), sim.books.copy(),
                                   False, (st.offset, float(st.outflow_eq)))
    races = [str(w.message) for w in caught
             if issubclass(w.category, NumbaParallelSafetyWarning)]
    assert races == []
    assert (code, steps) == (integrator.RUN_OK, 1)
