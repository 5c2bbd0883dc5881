"""PerfectFluid keeps the reference interface: set_matter_vars / get_matter_rhs /
get_emtensor / _get_primitives, with or without a frozen GeometryCache."""

import numpy as np
import pytest

from source.bssn.bssnvars import BSSNFirstDerivs, BSSNVars
from source.evolution.simulation import RunConfig, build_simulation
from source.matter.hydro.perfect_fluid import PerfectFluid


def _fluid_without_cache(sim):
    h = sim.hydro
    return PerfectFluid(eos=h.eos, atmosphere=h.atmosphere, reconstructor=h.reconstructor,
                        riemann_solver=h.riemann_solver, solver_method="kastaun")


def test_matter_rhs_without_cache_rebuilds_the_same_geometry():
    sim = build_simulation(RunConfig(num_points=120, r_max=20.0, steps=1))
    state = np.array(sim.state0)
    sim.grid.fill_boundaries(state)
    bssn = BSSNVars(sim.grid.N)
    bssn.set_bssn_vars(state)
    d1 = BSSNFirstDerivs(sim.grid.N)
    d1.set_bssn_first_derivs(sim.grid.get_first_derivative(state, indices=np.arange(12)))
    cached = sim.hydro
    cached.set_matter_vars(state, bssn, sim.grid)
    rhs_cached = cached.get_matter_rhs(sim.grid.r, bssn, d1, None)
    plain = _fluid_without_cache(sim)
    plain.set_matter_vars(state, bssn, sim.grid)
    rhs_plain = plain.get_matter_rhs(sim.grid.r, bssn, d1, None)
    np.testing.assert_array_equal(rhs_cached, rhs_plain)
    assert rhs_cached.shape == (3, sim.grid.N)
    # the state is never modified by the RHS evaluation
    np.testing.assert_array_equal(plain.D, state[12])


def test_emtensor_and_primitives_of_the_static_star():
    sim = build_simulation(RunConfig(num_points=120, r_max=20.0, steps=1, eos="ideal"))
    state = np.array(sim.state0)
    bssn = BSSNVars(sim.grid.N)
    bssn.set_bssn_vars(state)
    fluid = sim.hydro
    fluid.set_matter_vars(state, bssn, sim.grid)
    rho0, vr, p, eps, W, h, ok = fluid._get_primitives(bssn, sim.grid.r)
    assert np.all(ok)
    i = 3
    assert abs(rho0[i] / sim.tov.rho_central - 1) < 1e-3 and vr[i] == 0.0 and W[i] == 1.0
    em = fluid.get_emtensor(sim.grid.r, bssn, None)
    # static fluid: rho = rho0 (1 + eps), S_i = 0, S = 3 P, S_rr = P gamma_rr
    np.testing.assert_allclose(em.rho, rho0 * (1 + eps), rtol=1e-14)
    np.testing.assert_array_equal(em.Si[:, 0], 0.0)
    np.testing.assert_allclose(em.S, 3 * p, rtol=1e-14)
    np.testing.assert_allclose(em.Sij[:, 0, 0], p * sim.cache.gamma_rr, rtol=1e-14)
    # the conserved copies stay densitised (one cons2prim, no double de-densitising)
    np.testing.assert_array_equal(fluid.D, state[12])


def test_angular_stresses_of_the_static_star():
    sim = build_simulation(RunConfig(num_points=120, r_max=20.0, steps=1, eos="ideal"))
    state = np.array(sim.state0)
    bssn = BSSNVars(sim.grid.N)
    bssn.set_bssn_vars(state)
    fluid = sim.hydro
    fluid.set_matter_vars(state, bssn, sim.grid)
    em = fluid.get_emtensor(sim.grid.r, bssn, None)
    p = fluid.last_primitives[2]
    gamma_thth = np.exp(4 * state[0]) * sim.grid.r**2 * (1 + state[2])
    np.testing.assert_allclose(em.Sij[:, 1, 1], p * gamma_thth, rtol=1e-14)
    np.testing.assert_allclose(em.Sij[:, 2, 2], p * gamma_thth, rtol=1e-14)


@pytest.mark.parametrize("seed", range(5))
def test_stress_energy_point_against_the_4d_tensor(seed):
    """rho = n_mu n_nu T^munu, S_i = -gamma_i^mu n^nu T_munu, S_ij = gamma_i^mu gamma_j^nu
    T_munu of T_munu = rho0 h u_mu u_nu + P g_munu, for a moving fluid in a metric with
    lapse, shift and a diagonal spatial metric (equator, 4x4 numpy)."""
    from source.matter.hydro.perfect_fluid import stress_energy_point

    rng = np.random.default_rng(seed)
    alpha, beta = rng.uniform(0.3, 1.0), rng.uniform(-0.3, 0.3)
    r = rng.uniform(0.5, 5.0)
    g_rr, g_tt_r2 = rng.uniform(1.0, 3.0), rng.uniform(1.0, 3.0)
    rho0, press, eps = rng.uniform(1e-4, 1e-2), rng.uniform(1e-6, 1e-3), rng.uniform(0.01, 1)
    h = 1 + eps + press / rho0
    vr = rng.uniform(-0.5, 0.5) / np.sqrt(g_rr)        # Eulerian v^r
    W = 1 / np.sqrt(1 - g_rr * vr**2)
    gam = np.diag([g_rr, g_tt_r2 * r**2, g_tt_r2 * r**2])
    g = np.zeros((4, 4))
    beta_d = gam[0, 0] * beta
    g[0, 0] = -alpha**2 + beta * beta_d
    g[0, 1] = g[1, 0] = beta_d
    g[1:, 1:] = gam
    u_up = W * np.array([1 / alpha, vr - beta / alpha, 0.0, 0.0])
    u_dn = g @ u_up
    T_dn = rho0 * h * np.outer(u_dn, u_dn) + press * g
    n_up = np.array([1 / alpha, -beta / alpha, 0.0, 0.0])
    rho = n_up @ T_dn @ n_up
    S_r = -(n_up @ T_dn)[1]
    S = T_dn[1:, 1:]
    got = stress_energy_point(rho0, vr, press, W, h, g_rr, g_tt_r2)
    np.testing.assert_allclose(got[0], rho, rtol=1e-12)
    np.testing.assert_allclose(got[1], S_r, rtol=1e-12, atol=1e-16)
    np.testing.assert_allclose(got[2], S[0, 0], rtol=1e-12)
    np.testing.assert_allclose(got[3], S[1, 1] / r**2, rtol=1e-12)
    np.testing.assert_allclose(got[4], np.trace(np.linalg.inv(gam) @ S), rtol=1e-12)
