"""Perturbations of the initial star (source/initialdata/perturbations.py).

The standard star (K = 100, Gamma = 2, rho_c = 1.28e-3) on N = 200, r_max = 20, built by
``build_simulation``; the primitives of the perturbed states are recovered here with the
Kastaun solver, independently of the module's own recovery.
"""

import numpy as np
import pytest

from source.evolution.simulation import RunConfig, build_simulation
from source.initialdata.perturbations import (
    PERTURBATIONS,
    mode_velocity,
    perturb,
    pressure_scale,
    velocity_kick,
)
from source.initialdata.radial_modes import polytrope_radial_modes
from source.matter.eos.eos import PolytropicEOS
from source.matter.hydro.atmosphere import AtmosphereParams
from source.matter.hydro.cons2prim import C2P_KASTAUN, C2P_OK, cons_to_prim_array

NG = 3  # ghost cells at each end


@pytest.fixture(scope="module")
def sim():
    return build_simulation(RunConfig(num_points=200, r_max=20.0, steps=1))


def recover(state, eos, atmosphere):
    """Primitives (rho0, vr, P, eps, W) and status of every cell (Kastaun)."""
    phi, hrr = state[0], state[1]
    gamma_rr = np.exp(4.0 * phi) * (1.0 + hrr)
    e6phi = np.exp(6.0 * phi)
    n = state.shape[1]
    out = [np.empty(n) for _ in range(6)]
    status = np.empty(n, dtype=np.int8)
    cons_to_prim_array(tuple(np.ascontiguousarray(state[i]) for i in (12, 13, 14)), gamma_rr,
                       e6phi, eos.params, atmosphere.packed(eos), C2P_KASTAUN,
                       np.zeros(n), 1e-13, 100, tuple(out), status, np.empty(n, dtype=np.int32))
    rho0, vr, p, eps, W, _ = out
    return rho0, vr, p, eps, W, status


def star_cells(sim):
    """Cells inside the star that are not atmosphere (what the perturbations may touch)."""
    *_, status = recover(sim.state0, sim.eos, sim.atmosphere)
    rho_thr = sim.atmosphere.threshold_factor * sim.atmosphere.rho_floor
    D = sim.state0[12] / np.exp(6.0 * sim.state0[0])
    return (np.abs(sim.grid.r) < sim.tov.R_iso) & (status == C2P_OK) & (D >= rho_thr)


def apply(sim, kind, /, **params):
    return perturb(sim.state0, sim.grid.r, sim.tov, sim.eos, sim.atmosphere, kind, **params)


def assert_untouched(new, old, cells):
    """Every row of ``cells`` bit-identical (signed zeros included)."""
    assert new[:, cells].tobytes() == old[:, cells].tobytes()


def assert_parity(state, row, parity):
    ghosts = state[row, :NG]
    mirror = state[row, 2 * NG - 1:NG - 1:-1]
    np.testing.assert_array_equal(ghosts, parity * mirror)


# ------------------------------------------------------------------------------------ (a)
@pytest.mark.parametrize("kind, params", [
    ("pressure_scale", {"factor": 1.0}),
    ("velocity", {"amplitude": 0.0}),
    ("mode", {"mode": "F", "amplitude": 0.0, "kind": "cowling"}),
    ("mode", {"mode": "H1", "amplitude": 0.0, "kind": "coupled"}),
])
def test_identity_parameters_return_the_state_bit_for_bit(sim, kind, params):
    before = sim.state0.copy()
    new = apply(sim, kind, **params)
    assert new is not sim.state0
    assert new.tobytes() == sim.state0.tobytes()
    assert sim.state0.tobytes() == before.tobytes()      # input not modified


# ------------------------------------------------------------------------------------ (b)
@pytest.mark.parametrize("factor", [0.995, 0.9, 1.02])
def test_pressure_scale(sim, factor):
    star = star_cells(sim)
    rho0, vr, p, eps, W, status = recover(sim.state0, sim.eos, sim.atmosphere)
    new = apply(sim, "pressure_scale", factor=factor)
    rho1, vr1, p1, eps1, W1, status1 = recover(new, sim.eos, sim.atmosphere)
    assert np.all(status1[star] == C2P_OK)
    np.testing.assert_allclose(p1[star] / p[star], factor, rtol=0, atol=1e-12)
    np.testing.assert_allclose(eps1[star] / eps[star], factor, rtol=0, atol=1e-12)
    np.testing.assert_array_equal(rho1, rho0)
    np.testing.assert_array_equal(new[12], sim.state0[12])
    assert np.all(vr1 == 0.0) and np.all(new[13] == 0.0) and np.all(W1 == 1.0)
    assert_untouched(new, sim.state0, ~star)                  # atmosphere and exterior
    assert new[:12].tobytes() == sim.state0[:12].tobytes()    # metric unchanged
    assert star.sum() > 70 and (~star[NG:-NG]).sum() > 70
    assert_parity(new, 14, 1)


def test_pressure_scale_refuses_a_polytropic_evolution_eos(sim):
    with pytest.raises(ValueError, match=r"^eos:"):
        pressure_scale(sim.state0, sim.grid.r, sim.tov, PolytropicEOS(100.0, 2.0),
                       sim.atmosphere, factor=0.995)


# ------------------------------------------------------------------------------------ (c)
@pytest.mark.parametrize("amplitude", [0.05, -0.2])
def test_velocity(sim, amplitude):
    r = sim.grid.r
    star = star_cells(sim)
    rho0, _, p, eps, W, _ = recover(sim.state0, sim.eos, sim.atmosphere)
    new = apply(sim, "velocity", amplitude=amplitude)
    rho1, vr1, p1, eps1, W1, status1 = recover(new, sim.eos, sim.atmosphere)
    x = np.abs(r) / sim.tov.R_iso
    expected = np.where(star, -amplitude * (r / sim.tov.R_iso) * np.sin(np.pi * x), 0.0)
    assert np.all(status1[star] == C2P_OK)
    np.testing.assert_allclose(vr1, expected, rtol=0, atol=1e-12 * abs(amplitude))
    inward = r[star] > 0
    assert np.all(np.sign(vr1[star][inward]) == -np.sign(amplitude))
    # odd velocity and momentum, even D and tau in the inner ghosts
    np.testing.assert_array_equal(vr1[:NG], -vr1[2 * NG - 1:NG - 1:-1])
    assert_parity(new, 13, -1)
    assert_parity(new, 12, 1)
    assert_parity(new, 14, 1)
    # D~ changes only through W (the fluid was at rest: W = 1 before)
    assert np.all(W[star] == 1.0) and np.all(W1[star] > 1.0)
    np.testing.assert_allclose(new[12, star] / sim.state0[12, star], W1[star], rtol=1e-14)
    np.testing.assert_allclose(rho1[star], rho0[star], rtol=1e-13)
    np.testing.assert_allclose(p1[star], p[star], rtol=1e-12)
    np.testing.assert_allclose(eps1[star], eps[star], rtol=1e-12)
    assert_untouched(new, sim.state0, ~star)
    assert new[:12].tobytes() == sim.state0[:12].tobytes()


def test_velocity_with_a_polytropic_evolution_eos_and_a_bare_threshold(sim):
    eos = PolytropicEOS(100.0, 2.0)
    threshold = sim.atmosphere.threshold_factor * sim.atmosphere.rho_floor
    new = velocity_kick(sim.state0, sim.grid.r, sim.tov, eos, threshold, amplitude=0.1)
    _, vr1, *_ = recover(new, eos, sim.atmosphere)
    star = star_cells(sim)
    r = sim.grid.r
    expected = -0.1 * (r / sim.tov.R_iso) * np.sin(np.pi * np.abs(r) / sim.tov.R_iso)
    np.testing.assert_allclose(vr1[star], expected[star], rtol=0, atol=1e-13)
    # the ideal-gas state of a float threshold equals the AtmosphereParams one
    a = velocity_kick(sim.state0, sim.grid.r, sim.tov, sim.eos, threshold, amplitude=0.1)
    b = apply(sim, "velocity", amplitude=0.1)
    assert a.tobytes() == b.tobytes()


# ------------------------------------------------------------------------------------ (d)
def count_nodes(v):
    v = v[np.abs(v) > 1e-12 * np.max(np.abs(v))]
    return int(np.count_nonzero(np.signbit(v[1:]) != np.signbit(v[:-1])))


@pytest.mark.parametrize("kind", ["cowling", "coupled"])
def test_mode_velocity_is_the_eigenfunction(sim, kind):
    tov, r = sim.tov, sim.grid.r
    star = star_cells(sim)
    interior = star & (r > 0)
    modes = polytrope_radial_modes(tov.K, tov.Gamma, tov.rho_central, n_modes=3, kind=kind)
    # independent evaluation: xi(areal r) spline of the modes, d rbar/dr from the TOV solution
    sol = tov.evaluate(np.abs(r[star]))
    r_schw, m = sol["r_schw"], sol["m"]
    dr_iso_dr = np.abs(r[star]) / r_schw / np.sqrt(1.0 - 2.0 * m / r_schw)
    alpha = sim.state0[11]
    amplitude = 0.003
    for k, name in enumerate(("F", "H1", "H2")):
        new = apply(sim, "mode", mode=name, amplitude=amplitude, kind=kind)
        _, vr1, *_, status1 = recover(new, sim.eos, sim.atmosphere)
        assert np.all(status1[star] == C2P_OK)
        assert count_nodes(vr1[interior]) == k
        shape = alpha[star] * vr1[star] / amplitude      # d rbar/dt / amplitude (zero shift)
        xi_iso = np.sign(r[star]) * modes.displacement(k, r_schw) * dr_iso_dr
        expected = xi_iso / np.max(np.abs(modes.xi_iso[k]))
        assert np.max(np.abs(shape - expected)) < 1e-8
        assert 0.9 < np.max(np.abs(shape)) <= 1.0          # max |xi_iso| at the surface
        assert shape[-1] > 0                               # amplitude > 0: surface outwards
        np.testing.assert_array_equal(vr1[:NG], -vr1[2 * NG - 1:NG - 1:-1])
        assert_parity(new, 13, -1)
        assert_untouched(new, sim.state0, ~star)
        assert new[:12].tobytes() == sim.state0[:12].tobytes()
        by_index = mode_velocity(sim.state0, r, tov, sim.eos, sim.atmosphere, mode=k,
                                 amplitude=amplitude, kind=kind)
        assert by_index.tobytes() == new.tobytes()


# ------------------------------------------------------------------------------------ (e)
@pytest.mark.parametrize("kind, params, name", [
    ("pressure_scale", {"factor": 0.0}, "factor"),
    ("pressure_scale", {"factor": -0.5}, "factor"),
    ("pressure_scale", {"factor": float("nan")}, "factor"),
    ("pressure_scale", {"factor": "0.9"}, "factor"),
    ("pressure_scale", {"factor": True}, "factor"),
    ("pressure_scale", {"amplitude": 0.1}, "amplitude"),
    ("velocity", {"amplitude": 0.5}, "amplitude"),
    ("velocity", {"amplitude": -0.7}, "amplitude"),
    ("velocity", {"amplitude": float("inf")}, "amplitude"),
    ("mode", {"mode": "G"}, "mode"),
    ("mode", {"mode": "H11"}, "mode"),
    ("mode", {"mode": -1}, "mode"),
    ("mode", {"mode": 1.0}, "mode"),
    ("mode", {"amplitude": 0.5}, "amplitude"),
    ("mode", {"kind": "newtonian"}, "kind"),
    ("collapse", {}, "kind"),
])
def test_bad_parameters_raise_naming_the_parameter(sim, kind, params, name):
    with pytest.raises(ValueError, match=rf"^{name}:"):
        apply(sim, kind, **params)


def test_direct_calls_validate_too(sim):
    args = (sim.state0, sim.grid.r, sim.tov, sim.eos, sim.atmosphere)
    with pytest.raises(ValueError, match=r"^factor:"):
        pressure_scale(*args, factor=-1.0)
    with pytest.raises(ValueError, match=r"^amplitude:"):
        velocity_kick(*args, amplitude=0.5)
    with pytest.raises(ValueError, match=r"^mode:"):
        mode_velocity(*args, mode="H0")
    with pytest.raises(ValueError, match=r"^r:"):
        velocity_kick(sim.state0, sim.grid.r[1:], sim.tov, sim.eos, sim.atmosphere)
    with pytest.raises(ValueError, match=r"^amplitude:"):  # above the atmosphere's speed cap
        velocity_kick(*args[:4], AtmosphereParams(v_max=0.01), amplitude=0.1)


def test_registry():
    assert set(PERTURBATIONS) == {"pressure_scale", "velocity", "mode"}
    assert PERTURBATIONS["pressure_scale"].defaults() == {"factor": 0.995}
    assert PERTURBATIONS["mode"].validate(mode="H2") == {"mode": 2, "amplitude": 0.001,
                                                         "kind": "cowling"}
    for entry in PERTURBATIONS.values():
        for name, p in entry.parameters.items():
            assert p.name == name and p.allowed
            p.check(p.default)                               # defaults are valid
