"""The benchmark star and the helpers every timing script shares.

Configuration of the old code's performance report: standard star (K = 100, Gamma = 2,
rho_c = 1.28e-3), r_max = 20 for N <= 400 (100 above, the old code's default run), ideal-gas
evolution EOS, MP5, HLL, Kastaun c2p, dt = 0.1 dr, Cowling. Dynamic mode: r_max = 40 for
N <= 400 and dt = 0.25 dr (the configuration its JAX port was timed with).

Two figures are timed (``profiling/bench_rk4.py``, ``make bench``):

* **first 100 steps** from the initial data: the atmosphere outside the star is static
  vacuum, and the fused kernels skip it;
* **sustained**: 100 steps from the state evolved to t = 300 (``evolved_state``), where the
  surface has oscillated and the atmosphere next to it is no longer static, as in the bulk
  of a long run.
"""

import os
import platform
from functools import lru_cache

import numpy as np

from source.evolution import integrator
from source.evolution.config import RunConfig
from source.evolution.simulation import build_simulation

SUSTAINED_T = 300.0


@lru_cache(maxsize=1)
def cpu_model():
    """The CPU's model name with its family/model numbers (``/proc/cpuinfo``; virtual
    machines often show a generic name such as "Intel(R) Xeon(R) Processor")."""
    fields = {}
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                key, _, value = line.partition(":")
                key = key.strip()
                if key in ("model name", "cpu family", "model") and key not in fields:
                    fields[key] = value.strip()
                if not line.strip() and fields:
                    break
    except OSError:
        pass
    if "model name" not in fields:
        return platform.processor() or platform.machine()
    return (f"{fields['model name']} (family {fields.get('cpu family', '?')}, "
            f"model {fields.get('model', '?')})")


def machine_info():
    """What every benchmark figure is reported with."""
    return {"cpu": cpu_model(), "nproc": os.cpu_count(),
            "NUMBA_NUM_THREADS": os.environ.get("NUMBA_NUM_THREADS", "default")}


def benchmark_simulation(num_points=400, path="fused", kernels="auto", threads="1",
                         steps=100, **options):
    """A ``Simulation`` of the benchmark star, kernels compiled (or loaded from the cache).

    ``kernels``: "auto" (the run's own choice), "serial" or "parallel" (forced).
    """
    mode = options.pop("mode", "cowling")
    if mode == "dynamic":   # the old code's JAX-port timing: r_max = 40, CFL 0.25
        r_max = options.pop("r_max", 40.0 if num_points <= 400 else 100.0)
        options.setdefault("cfl", 0.25)
    else:
        r_max = options.pop("r_max", 20.0 if num_points <= 400 else 100.0)
    cfg = RunConfig(mode=mode, num_points=num_points, r_max=r_max, steps=steps, path=path,
                    timeseries_every=max(steps, 1), threads=threads, **options)
    sim = build_simulation(cfg)
    if kernels != "auto":
        sim.use_parallel = kernels == "parallel"
    sim.warmup()
    return sim


def evolved_state(sim, t_target=SUSTAINED_T, chunk=5000):
    """Checkpoint state (``Simulation.checkpoint_state``) of ``sim`` evolved from its
    current state to ``t_target``; ``sim`` itself is left where it was."""
    start = sim.checkpoint_state()
    steps = int(round(t_target / sim.config.dt)) - sim.step
    ts = np.zeros((chunk // sim.config.timeseries_every + 2, len(sim.timeseries_fields)))
    while steps > 0:
        n = min(chunk, steps)
        code, done, _, _ = sim.advance(n, ts)
        if code != integrator.RUN_OK:
            raise RuntimeError(f"benchmark evolution failed at step {sim.step} (code {code})")
        steps -= done
    state = sim.checkpoint_state()
    sim.restore(start)
    return state


def time_steps(sim, state, steps, repeat, clock):
    """Seconds of ``steps`` RK4 steps from ``state``, ``repeat`` times (``clock`` is e.g.
    ``time.perf_counter``)."""
    ts = np.zeros((steps // sim.config.timeseries_every + 2, len(sim.timeseries_fields)))
    times = []
    for _ in range(repeat):
        sim.restore(state)
        t0 = clock()
        code, done, _, _ = sim.advance(steps, ts)
        times.append(clock() - t0)
        if code != integrator.RUN_OK or done != steps:
            raise RuntimeError(f"benchmark run failed (code {code}, {done} of {steps} steps)")
    sim.restore(state)
    return times
