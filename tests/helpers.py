"""Shared by the physics tests: evolve a configuration in memory (no output file)."""

import numpy as np

from source.evolution import integrator
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
    assert code == integrator.RUN_OK and done == n, (code, done, bad)
    return sim, np.vstack([row0[None, :], ts[:rows]])


def evolve_by_name(cfg):
    """``evolve_in_memory`` with the time series as {field name: column}."""
    sim, ts = evolve_in_memory(cfg)
    return sim, {name: ts[:, j] for j, name in enumerate(sim.timeseries_fields)}


def eps_along_adiabat(pressure, rho0, eps0, rho1, steps):
    """eps at ``rho1`` on the adiabat through ``(rho0, eps0)``: d eps / d rho = P(rho, eps) /
    rho^2 (first law at constant entropy), ``steps`` classical RK4 steps; ``pressure(rho,
    eps)`` any EOS's pressure. An oracle for sound speeds (c_s^2 h = dP/drho along it)."""
    def slope(r, e):
        return float(pressure(r, e)) / (r * r)

    dr = (rho1 - rho0) / steps
    r, e = rho0, eps0
    for _ in range(steps):
        k1 = slope(r, e)
        k2 = slope(r + 0.5 * dr, e + 0.5 * dr * k1)
        k3 = slope(r + 0.5 * dr, e + 0.5 * dr * k2)
        k4 = slope(r + dr, e + dr * k3)
        e += dr * (k1 + 2.0 * k2 + 2.0 * k3 + k4) / 6.0
        r += dr
    return e
