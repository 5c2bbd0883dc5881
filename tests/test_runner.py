"""The library API: ``runner.run`` does what TOVEvolution.py does."""

import threading

import h5py
import numpy as np
import pytest

from source.evolution.runner import restart_config, run
from source.evolution.simulation import ConfigError, RunConfig

QUIET = {"log": lambda *a, **k: None}


def test_run_and_extend(tmp_path):
    cfg = RunConfig(num_points=100, r_max=20.0, steps=40, timeseries_every=10,
                    snapshot_every=20)
    res = run(cfg, tmp_path / "a.h5", **QUIET)
    assert res.code == 0 and res.status == "completed" and res.steps == 40
    assert res.last_row[0] == pytest.approx(40 * cfg.dt)
    cfg2, restart = restart_config(tmp_path / "a.h5", steps=80)
    assert restart.changes == {"steps": 80}
    res2 = run(cfg2, tmp_path / "b.h5", restart=restart, **QUIET)
    assert res2.code == 0 and res2.steps == 40
    full = run(RunConfig(num_points=100, r_max=20.0, steps=80, timeseries_every=10,
                         snapshot_every=20), tmp_path / "c.h5", **QUIET)
    assert full.code == 0
    with h5py.File(tmp_path / "b.h5") as fb, h5py.File(tmp_path / "c.h5") as fc:
        np.testing.assert_array_equal(fb["timeseries/rho_c"][:], fc["timeseries/rho_c"][:])


def test_run_refuses_bad_input_before_any_work(tmp_path):
    existing = tmp_path / "x.h5"
    existing.write_bytes(b"keep")
    with pytest.raises(ConfigError, match="--output"):
        run(RunConfig(num_points=100, r_max=20.0, steps=2), existing, **QUIET)
    assert existing.read_bytes() == b"keep"
    with pytest.raises(ConfigError, match="--cfl"):
        run(RunConfig(num_points=100, r_max=20.0, steps=2, cfl=3.0), tmp_path / "y.h5",
            **QUIET)
    with pytest.raises(ConfigError, match="--cfl"):
        restart_config(_finished(tmp_path), cfl=0.2)


def _finished(tmp_path):
    path = tmp_path / "done.h5"
    run(RunConfig(num_points=100, r_max=20.0, steps=10), path, **QUIET)
    return path


def test_run_in_a_worker_thread(tmp_path):
    """Sweeps run stars from worker threads, where signal handlers cannot be installed."""
    box = {}
    t = threading.Thread(target=lambda: box.update(
        res=run(RunConfig(num_points=100, r_max=20.0, steps=10), tmp_path / "t.h5",
                **QUIET)))
    t.start()
    t.join()
    assert box["res"].code == 0
