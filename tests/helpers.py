"""Shared by the physics tests: evolve a configuration in memory (no output file)."""

import numpy as np

from source.evolution import fused
from source.evolution.simulation import build_simulation


def evolve_in_memory(cfg):
    """Build ``cfg`` and take all its steps; returns the simulation and its time series,
    one row per record with the t = 0 row first (columns: ``sim.timeseries_fields``).
    Fails the test if the run does not finish."""
    sim = build_simulation(cfg)
    row0 = sim.diagnostics_row()
    n = cfg.total_steps
    ts = np.zeros((n // cfg.timeseries_every + 2, len(sim.timeseries_fields)))
    code, done, rows, bad = sim.advance(n, ts)
    assert code == fused.RUN_OK and done == n, (code, done, bad)
    return sim, np.vstack([row0[None, :], ts[:rows]])


def evolve_by_name(cfg):
    """``evolve_in_memory`` with the time series as {field name: column}."""
    sim, ts = evolve_in_memory(cfg)
    return sim, {name: ts[:, j] for j, name in enumerate(sim.timeseries_fields)}
