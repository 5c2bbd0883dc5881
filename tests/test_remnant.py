"""Equilibrium with a given entropy profile K(m_b) (source/evolution/remnant.py)."""

import numpy as np
import pytest

from source.evolution.remnant import (
    entropy_equilibrium,
    run_gamma,
    snapshot_entropy_profile,
    surface_rest_mass,
)
from source.initialdata.tov import TOVSolverIso

RHO_STABLE = 1.3471e-3        # stable star with the rest mass of the Font migration model


def test_constant_entropy_is_the_polytrope():
    """K(m_b) = 100: the cold TOV star of TOVSolverIso (rho_c, M, R to 1e-5)."""
    star = TOVSolverIso(100.0, 2.0).solve(RHO_STABLE)
    eq = entropy_equilibrium([0.0], [100.0], star.M0)
    assert abs(eq["rho_central"] / RHO_STABLE - 1) < 1e-5
    assert abs(eq["M"] / star.M_star - 1) < 1e-6
    assert abs(eq["R_schw"] / star.R_schw - 1) < 1e-5
    # the forward integration at the polytrope's own density returns its rest mass
    assert abs(surface_rest_mass(RHO_STABLE, [0.0], [100.0])[0] / star.M0 - 1) < 1e-6


def test_constant_entropy_other_K():
    """A uniformly hotter star (K = 120) is the K = 120 polytrope of the same rest mass."""
    M0 = TOVSolverIso(100.0, 2.0).solve(RHO_STABLE).M0
    eq = entropy_equilibrium([0.0, 1.0], [120.0, 120.0], M0)
    star = TOVSolverIso(120.0, 2.0).solve(eq["rho_central"])
    assert abs(star.M0 / M0 - 1) < 1e-6
    assert eq["rho_central"] < RHO_STABLE


def test_hot_envelope_lowers_the_central_density():
    """Outer 10 % of the rest mass at K = 1e5 (the shock-heated layers of the migration run):
    the central density lies between the cold star of the cold 90 % and the cold star of the
    whole mass, much closer to the former (the hot envelope is extended and light)."""
    M0 = TOVSolverIso(100.0, 2.0).solve(RHO_STABLE).M0
    m = np.array([0.0, 0.9 * M0, 0.9 * M0 * (1 + 1e-9), 2.0 * M0])
    K = np.array([100.0, 100.0, 1e5, 1e5])
    hot = entropy_equilibrium(m, K, M0)["rho_central"]
    cold_core = entropy_equilibrium([0.0], [100.0], 0.9 * M0)["rho_central"]
    assert cold_core < hot < 0.85 * RHO_STABLE
    assert hot / cold_core - 1 < 0.05


def test_outside_the_stable_branch():
    with pytest.raises(ValueError, match="stable branch"):
        entropy_equilibrium([0.0], [100.0], 2.0)       # above the maximum rest mass 1.80
    with pytest.raises(ValueError):
        entropy_equilibrium([0.0, 1.0], [100.0, -1.0], 1.0)


def test_snapshot_profile_of_a_uniform_sphere():
    """Constant rho0, P on a grid with ghosts: m_b is the enclosed flat-volume sum, K = P/rho^2."""
    dr = 0.1
    r = (np.arange(20) - 2.5) * dr
    rho = np.full(20, 2e-3)
    P = 100.0 * rho**2 * 1.5
    m_b, K, M0 = snapshot_entropy_profile(r, rho, rho, P)
    edges = np.arange(15) * dr                          # interior faces 0 .. 14 dr
    assert abs(M0 - 4.0 / 3.0 * np.pi * edges[-1] ** 3 * 2e-3) < 1e-15
    assert np.allclose(K, 150.0)
    assert m_b.size == 14 and np.all(np.diff(m_b) > 0) and m_b[-1] < M0


def test_gamma_is_the_runs_evolution_eos():
    """The Gamma of the run's own EOS: the polytrope's ideal gas of --gamma (not a default
    2.0); a hybrid (catalogue) or barotropic evolution has no K = P / rho^Gamma entropy."""
    assert run_gamma({"gamma": 1.8, "K": 100.0, "rho_central": 1e-3}) == 1.8
    assert run_gamma({"rho_central": 1e-3}) == 2.0
    with pytest.raises(ValueError, match="Gamma-law"):
        run_gamma({"eos_id": "sly", "rho_central": 1.4e-3})
    with pytest.raises(ValueError, match="Gamma-law"):
        run_gamma({"eos": "polytrope", "rho_central": 1e-3})
