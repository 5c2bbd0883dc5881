"""Unit tests of the equations of state (source/matter/eos/eos.py).

Expected values come from the closed-form Gamma-law / polytrope relations written here.
The compiled point functions take one ``EOSKernelParams(kind, gamma_th, pieces)`` (the
``params`` of an EOS object); the interface across the three kinds (ideal gas, barotropic,
hybrid) is tested in tests/test_eos_interface.py.
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from source.matter.eos.eos import (
    EOS_BAROTROPIC,
    EOS_IDEAL_GAS,
    MAX_PIECES,
    EOSKernelParams,
    IdealGasEOS,
    PolytropicEOS,
    create_eos,
    eos_cold,
    eos_eps_from_rho_p,
    eos_pressure,
    eos_sound_speed_squared,
)
from source.matter.eos.piecewise_polytrope import (
    NUM_PIECE_ROWS,
    PIECE_GAMMA,
    PIECE_K,
    PIECE_RHO,
)

RNG = np.random.default_rng(20240601)


def random_states(n=2000):
    rho = 10.0 ** RNG.uniform(-12, 0, n)
    eps = 10.0 ** RNG.uniform(-10, 1, n)
    return rho, eps


# ---------------------------------------------------------------------------------------
# Ideal gas
# ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("gamma", [4.0 / 3.0, 1.4, 5.0 / 3.0, 2.0])
def test_ideal_gas_relations(gamma):
    eos = IdealGasEOS(gamma)
    rho, eps = random_states()
    p = eos.pressure(rho, eps)
    np.testing.assert_allclose(p, (gamma - 1.0) * rho * eps, rtol=1e-15)
    # eps(rho, P(rho, eps)) = eps and P(rho, eps(rho, P)) = P
    np.testing.assert_allclose(eos.eps_from_rho_p(rho, p), eps, rtol=4e-16)
    p2 = eos.pressure(rho, eos.eps_from_rho_p(rho, p))
    np.testing.assert_allclose(p2, p, rtol=4e-16)
    h = eos.enthalpy(rho, p, eps)
    np.testing.assert_allclose(h, 1.0 + gamma * eps, rtol=1e-15)
    np.testing.assert_allclose(eos.enthalpy_from_rho_p(rho, p), 1.0 + eps + p / rho, rtol=1e-15)
    cs2 = eos.sound_speed_squared(rho, p, eps)
    expected = gamma * (gamma - 1.0) * eps / (1.0 + gamma * eps)
    np.testing.assert_allclose(cs2, expected, rtol=1e-14)
    # physical states: 0 < c_s^2 < Gamma - 1 <= 1
    assert np.all(cs2 > 0.0)
    assert np.all(cs2 < min(gamma - 1.0, 1.0))


def test_ideal_gas_derivatives():
    eos = IdealGasEOS(5.0 / 3.0)
    rho, p = 2.3e-3, 4.1e-5
    h_rel = 1e-6
    eps = lambda r, q: q / ((5.0 / 3.0 - 1.0) * r)
    num_dp = (eps(rho, p * (1 + h_rel)) - eps(rho, p * (1 - h_rel))) / (2 * h_rel * p)
    num_drho = (eps(rho * (1 + h_rel), p) - eps(rho * (1 - h_rel), p)) / (2 * h_rel * rho)
    assert eos.deps_dp(rho, p) == pytest.approx(num_dp, rel=1e-8)
    assert eos.deps_drho(rho, p) == pytest.approx(num_drho, rel=1e-8)


def test_ideal_gas_params_and_name():
    eos = IdealGasEOS(1.4)
    assert isinstance(eos.params, EOSKernelParams)
    assert eos.params.kind == EOS_IDEAL_GAS
    assert eos.params.gamma_th == 1.4
    # no cold part: six rows padded to MAX_PIECES, and P_cold = eps_cold = 0 at any density
    assert len(eos.params.pieces) == NUM_PIECE_ROWS
    assert all(len(row) == MAX_PIECES for row in eos.params.pieces)
    for rho in (1e-12, 1e-3, 1.0, 1e3):
        p_cold, eps_cold, _ = eos_cold(eos.params, rho)
        assert p_cold == 0.0 and eps_cold == 0.0
    assert eos.name.startswith("ideal_gas")
    assert IdealGasEOS().gamma == 1.4


@pytest.mark.parametrize("gamma", [1.0, 0.5, -2.0, float("nan"), float("inf")])
def test_ideal_gas_invalid_gamma(gamma):
    with pytest.raises(ValueError):
        IdealGasEOS(gamma)


# ---------------------------------------------------------------------------------------
# Polytrope
# ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("K,gamma", [(100.0, 2.0), (1.0, 4.0 / 3.0), (0.05, 2.75)])
def test_polytrope_relations(K, gamma):
    eos = PolytropicEOS(K, gamma)
    rho = 10.0 ** RNG.uniform(-12, -2, 2000)
    p = eos.pressure(rho)
    np.testing.assert_allclose(p, K * rho**gamma, rtol=1e-14)
    eps = eos.eps_from_rho(rho)
    np.testing.assert_allclose(eps, K * rho ** (gamma - 1.0) / (gamma - 1.0), rtol=1e-14)
    # the (rho, P) -> eps map ignores P and returns the polytropic eps
    np.testing.assert_allclose(eos.eps_from_rho_p(rho, 123.0 * p), eps, rtol=1e-14)
    # P(rho, eps(rho, P)) = P
    np.testing.assert_allclose(eos.pressure_from_rho_eps(rho, eos.eps_from_rho_p(rho, p)), p,
                               rtol=1e-14)
    h = eos.enthalpy(rho)
    np.testing.assert_allclose(h, 1.0 + eps + p / rho, rtol=1e-14)
    cs2 = eos.sound_speed_squared(rho)
    np.testing.assert_allclose(cs2, gamma * p / (rho * h), rtol=1e-14)
    assert np.all(cs2 > 0.0) and np.all(cs2 < 1.0)
    np.testing.assert_allclose(eos.dp_drho(rho), gamma * K * rho ** (gamma - 1.0), rtol=1e-14)
    np.testing.assert_allclose(eos.rho_from_pressure(p), rho, rtol=1e-13)
    # rho(h) needs h - 1, which carries the rounding of h (~ eps_mach h): relative error in rho
    # of order eps_mach h / ((Gamma - 1)(h - 1)); check that conditioning bound, not a flat one
    with np.errstate(divide="ignore"):  # h == 1 in floating point: rho is undetermined
        cold_bound = 4.0 * np.finfo(float).eps * h / ((gamma - 1.0) * (h - 1.0))
    rel = np.abs(eos.rho_from_enthalpy(h) / rho - 1.0)
    assert np.all(rel <= 1e-13 + cold_bound)
    warm = (h - 1.0) > 1e-6
    assert np.all(rel[warm] < 1e-9)


def test_polytrope_sound_speed_below_one_even_when_hot():
    # c_s^2 = Gamma (Gamma-1) eps / (1 + Gamma eps) < Gamma - 1 for any density
    eos = PolytropicEOS(100.0, 2.0)
    rho = np.logspace(-12, 3, 200)
    cs2 = eos.sound_speed_squared(rho)
    assert np.all(cs2 < 1.0)
    eps = eos.eps_from_rho(rho)
    np.testing.assert_allclose(cs2, 2.0 * eps / (1.0 + 2.0 * eps), rtol=1e-13)


def test_polytrope_params_and_name():
    eos = PolytropicEOS(100.0, 2.0)
    assert isinstance(eos.params, EOSKernelParams)
    assert eos.params.kind == EOS_BAROTROPIC
    # one piece (K = 100, Gamma = 2 from rho = 0), padded to MAX_PIECES with pieces that
    # start at infinite density
    pieces = eos.params.pieces
    assert len(pieces) == NUM_PIECE_ROWS
    assert all(len(row) == MAX_PIECES for row in pieces)
    assert pieces[PIECE_K][0] == 100.0 and pieces[PIECE_GAMMA][0] == 2.0
    assert pieces[PIECE_RHO][0] == 0.0
    assert all(r == float("inf") for r in pieces[PIECE_RHO][1:])
    assert eos.K == 100.0 and eos.gamma == 2.0
    assert eos.name.startswith("polytropic")


@pytest.mark.parametrize("K,gamma", [(0.0, 2.0), (-1.0, 2.0), (float("nan"), 2.0),
                                     (float("inf"), 2.0), (100.0, 1.0), (100.0, 0.9),
                                     (100.0, float("nan"))])
def test_polytrope_invalid_parameters(K, gamma):
    with pytest.raises(ValueError):
        PolytropicEOS(K, gamma)


# ---------------------------------------------------------------------------------------
# Factory and compiled point functions
# ---------------------------------------------------------------------------------------
def test_create_eos():
    e = create_eos("ideal", gamma=5.0 / 3.0)
    assert isinstance(e, IdealGasEOS) and e.gamma == 5.0 / 3.0
    assert isinstance(create_eos("ideal_gas"), IdealGasEOS)
    assert create_eos().gamma == 1.4
    for name in ("polytropic", "polytrope"):
        p = create_eos(name, K=100.0, gamma=2.0)
        assert isinstance(p, PolytropicEOS) and p.K == 100.0 and p.gamma == 2.0
    with pytest.raises(ValueError):
        create_eos("tabulated")
    with pytest.raises(ValueError):
        create_eos("ideal", gamma=1.0)


@settings(max_examples=200, deadline=None)
@given(rho=st.floats(1e-14, 1e2), eps=st.floats(1e-12, 1e2),
       gamma=st.floats(1.05, 3.0), K=st.floats(1e-3, 1e3))
def test_point_functions_match_formulas(rho, eps, gamma, K):
    ideal = IdealGasEOS(gamma).params
    poly = PolytropicEOS(K, gamma).params
    p_ideal = eos_pressure(ideal, rho, eps)
    assert p_ideal == pytest.approx((gamma - 1.0) * rho * eps, rel=1e-15)
    assert eos_eps_from_rho_p(ideal, rho, p_ideal) == pytest.approx(eps, rel=1e-15)
    p_poly = eos_pressure(poly, rho, eps)
    assert p_poly == pytest.approx(K * rho**gamma, rel=1e-14)
    eps_poly = K * rho ** (gamma - 1.0) / (gamma - 1.0)
    assert eos_eps_from_rho_p(poly, rho, 7.0) == pytest.approx(eps_poly, rel=1e-14)
    h = 1.0 + eps + p_ideal / rho
    assert eos_sound_speed_squared(ideal, rho, eps, p_ideal, h) == pytest.approx(
        gamma * (gamma - 1.0) * eps / h, rel=1e-14)
    # barotropic: c_s^2 = Gamma P / (rho h) of the polytrope, whatever (eps, P, h) are passed
    h_poly = 1.0 + eps_poly + K * rho ** (gamma - 1.0)
    assert eos_sound_speed_squared(poly, rho, eps_poly, p_poly, h_poly) == pytest.approx(
        gamma * K * rho ** (gamma - 1.0) / h_poly, rel=1e-14)


def test_point_functions_agree_with_classes():
    rho, eps = random_states(500)
    ideal = IdealGasEOS(5.0 / 3.0)
    poly = PolytropicEOS(100.0, 2.0)
    for i in range(rho.size):
        p = eos_pressure(ideal.params, rho[i], eps[i])
        assert p == ideal.pressure(rho[i], eps[i])
        assert eos_eps_from_rho_p(ideal.params, rho[i], p) == ideal.eps_from_rho_p(rho[i], p)
        assert eos_pressure(poly.params, rho[i], eps[i]) == pytest.approx(
            float(poly.pressure(rho[i])), rel=1e-15)
        assert eos_eps_from_rho_p(poly.params, rho[i], 0.0) == pytest.approx(
            float(poly.eps_from_rho(rho[i])), rel=1e-15)


def test_validate_state():
    eos = IdealGasEOS(2.0)
    rho = np.array([1.0, 0.0, -1.0, 1.0, np.nan, 1.0])
    p = np.array([1.0, 1.0, 1.0, -1e-30, 1.0, np.inf])
    np.testing.assert_array_equal(eos.validate_state(rho, p),
                                  [True, False, False, False, False, False])
    eps = np.array([-1.0, 1.0, 1.0, 1.0, 1.0, 1.0])
    assert not eos.validate_state(rho, p, eps)[0]
