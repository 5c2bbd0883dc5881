"""PerfectFluid keeps the reference interface: set_matter_vars / get_matter_rhs /
get_emtensor / _get_primitives, with or without a frozen GeometryCache."""

import numpy as np

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
