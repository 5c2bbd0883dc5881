"""The benchmark stars and timing helpers of ``source.evolution.benchmark`` (what
``profiling/bench_rk4.py``, ``profiling/bench_eos.py`` and ``make bench`` time), on small
grids: the documented configurations, a timed run that leaves the state where it was."""

import time

import numpy as np

from source.evolution.benchmark import (
    benchmark_simulation,
    evolved_state,
    machine_info,
    time_steps,
)


def test_the_benchmark_stars_are_the_documented_ones():
    cowling = benchmark_simulation(100, "fused")
    assert (cowling.config.mode, cowling.config.r_max) == ("cowling", 20.0)
    dynamic = benchmark_simulation(100, "fused", mode="dynamic")
    assert (dynamic.config.mode, dynamic.config.r_max, dynamic.config.cfl) == \
        ("dynamic", 40.0, 0.25)
    wide = benchmark_simulation(500, "modular", kernels="serial", mode="dynamic", cfl=0.2)
    assert (wide.config.r_max, wide.config.cfl, wide.use_parallel) == (100.0, 0.2, False)


def test_timed_steps_restore_the_state():
    sim = benchmark_simulation(100, "fused", steps=10)
    before = sim.U.copy()
    state = evolved_state(sim, t_target=5 * sim.config.dt)
    np.testing.assert_array_equal(sim.U, before)           # evolved_state leaves sim alone
    assert state["step"] == 5 and sim.step == 0
    times = time_steps(sim, state, steps=3, repeat=2, clock=time.perf_counter)
    assert len(times) == 2 and all(t > 0 for t in times)
    sim.restore(state)
    after_restore = sim.U.copy()
    assert not np.array_equal(after_restore, before)       # 5 steps moved the star


def test_machine_info_names_the_machine():
    info = machine_info()
    assert info["cpu"] and info["nproc"] >= 1 and "NUMBA_NUM_THREADS" in info
