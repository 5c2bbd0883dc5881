"""The compiled kernels' builds: serial and parallel, through Numba's on-disk cache."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# Uses the parallel RHS kernel on its own ("rhs"), the parallel RK4 driver ("rk4"), or both.
_CHILD = """
import sys
import numpy as np
from source.evolution import columns, integrator
from source.evolution.simulation import RunConfig, build_simulation
sim = build_simulation(RunConfig(num_points=120, r_max=20.0, steps=2, timeseries_every=1,
                                 threads="2"))
assert sim.use_parallel
if "rhs" in sys.argv[1:]:
    rhs = sim.evaluate_rhs()
    assert np.all(np.isfinite(rhs))
if "rk4" in sys.argv[1:]:
    code, done, rows, bad = sim.advance(2, np.zeros((4, columns.NUM_TS)))
    assert code == integrator.RUN_OK and done == 2
print("ok")
"""


@pytest.mark.slow
def test_parallel_kernels_reuse_the_cache_across_processes(tmp_path):
    """Compile the parallel RHS kernel in one process and the parallel driver in another,
    then load them from the cache in later processes. (When the driver called the cached
    parallel RHS dispatcher, the third process, loading the driver alone, crashed with a
    segmentation fault.) Slow: it compiles from an empty cache; in CI every test with two
    threads loads the parallel driver that ``make install``'s warm-up compiled in another
    process."""
    env = dict(os.environ, NUMBA_CACHE_DIR=str(tmp_path / "cache"), NUMBA_NUM_THREADS="2",
               PYTHONPATH=str(ROOT))
    for uses in (["rhs"], ["rk4"], ["rk4"], ["rhs"], ["rhs", "rk4"]):
        res = subprocess.run([sys.executable, "-c", _CHILD, *uses], env=env, cwd=ROOT,
                             capture_output=True, text=True, timeout=600)
        assert res.returncode == 0, (uses, res.returncode, res.stderr[-2000:])
        assert res.stdout.strip() == "ok"
