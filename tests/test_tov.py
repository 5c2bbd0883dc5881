"""Tests of the TOV initial data (source/initialdata/tov.py).

Reference numbers are for the polytrope K = 100, Gamma = 2 (G = c = Msun = 1).
"""

import json
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from source.initialdata.tov import (
    TOVSolutionIso,
    TOVSolverIso,
    create_initial_data_iso,
    solve_tov,
)

K_REF = 100.0
GAMMA_REF = 2.0
RHO_C_STANDARD = 1.28e-3

# Rows of the (15, N) state.
ROW_PHI, ROW_LAPSE, ROW_D, ROW_SR, ROW_TAU = 0, 11, 12, 13, 14
ZERO_ROWS = (1, 2, 3, 4, 5, 6, 7, 8, 9, 10)

# Atmosphere of the grid-level check.
RHO_ATM = 1.0e-13
P_ATM = K_REF * RHO_ATM**GAMMA_REF
TAU_ATM = P_ATM


def cell_centred_grid(num_points, r_max):
    """``dr = r_max / (N - 7/2)``, ``r_i = (i - 5/2) dr``: 3 ghosts at each end."""
    dr = r_max / (num_points - 3.5)
    return (np.arange(num_points) - 2.5) * dr


def tolerance_of_digits(reference):
    """Half a unit in the last digit shown in the string ``reference`` (plus 1% slack)."""
    mantissa, _, exponent = reference.lower().partition("e")
    decimals = len(mantissa.partition(".")[2])
    return 0.505 * 10.0 ** (-decimals + (int(exponent) if exponent else 0))


@pytest.fixture(scope="module")
def standard_star():
    return solve_tov(K_REF, GAMMA_REF, RHO_C_STANDARD)


# ---------------------------------------------------------------------------------------------
# Global properties
# ---------------------------------------------------------------------------------------------
STAR_TABLE = [
    # rho_c, M, M0, R_schw, R_iso, M/R, alpha_c, psi4_c
    (1.28e-3, 1.400160, 1.506176, 9.585624, 8.125144, 0.146069, 0.669861, 2.031847),
    (1.3470749e-3, 1.424662, 1.535384, 9.484838, 7.996723, 0.150204, 0.658899, 2.084312),
    (3.15e-3, 1.637246, 1.798582, 7.657611, 5.906914, 0.213806, 0.464149, 3.375725),
]


@pytest.mark.parametrize(
    "rho_c, M, M0, R_schw, R_iso, compactness, alpha_c, psi4_c", STAR_TABLE
)
def test_global_properties_match_reference(
    rho_c, M, M0, R_schw, R_iso, compactness, alpha_c, psi4_c
):
    star = solve_tov(K_REF, GAMMA_REF, rho_c)
    # Table values are rounded to 7 significant digits: <= 1e-6 relative.
    assert star.M_star == pytest.approx(M, rel=1e-6)
    assert star.M0 == pytest.approx(M0, rel=1e-6)
    assert star.R_schw == pytest.approx(R_schw, rel=1e-6)
    assert star.R_iso == pytest.approx(R_iso, rel=1e-6)
    assert star.C == pytest.approx(compactness, abs=5.1e-7)
    assert star.alpha_c == pytest.approx(alpha_c, abs=5.1e-7)
    assert star.psi4_c == pytest.approx(psi4_c, abs=5.1e-7)


def test_standard_star_issue_numbers(standard_star):
    assert round(standard_star.M_star, 5) == 1.40016
    assert round(standard_star.R_schw, 4) == 9.5856
    assert round(standard_star.R_iso, 4) == 8.1251
    assert round(standard_star.M0, 5) == 1.50618


def test_maximum_mass_model():
    rho_c_max = 3.182422e-3
    star = solve_tov(K_REF, GAMMA_REF, rho_c_max)
    assert star.M_star == pytest.approx(1.637276, rel=1e-6)
    # It is the turning point of M(rho_c): neighbours on both sides are lighter.
    for factor in (0.97, 1.03):
        assert solve_tov(K_REF, GAMMA_REF, factor * rho_c_max).M_star < star.M_star


def test_isotropic_surface_radius_matches_schwarzschild(standard_star):
    R, M = standard_star.R_schw, standard_star.M_star
    expected = 0.5 * (R - M + math.sqrt(R * (R - 2.0 * M)))
    assert standard_star.R_iso == pytest.approx(expected, rel=1e-14)
    assert standard_star.C == pytest.approx(M / R, rel=1e-14)


def test_properties_are_json_serialisable(standard_star):
    properties = standard_star.properties()
    assert set(properties) == {
        "K", "Gamma", "rho_central", "M_star", "M0", "R_schw", "R_iso", "C", "alpha_c",
        "psi4_c",
    }
    assert all(type(value) is float for value in properties.values())
    assert json.loads(json.dumps(properties)) == properties


def test_tolerance_convergence():
    loose = solve_tov(K_REF, GAMMA_REF, RHO_C_STANDARD, rtol=1e-10)
    tight = solve_tov(K_REF, GAMMA_REF, RHO_C_STANDARD, rtol=1e-13)
    for name in ("M_star", "M0", "R_schw", "R_iso"):
        assert getattr(loose, name) == pytest.approx(getattr(tight, name), rel=1e-9)


@pytest.mark.parametrize(
    "Gamma, K, rho_c, xi_1, mass_factor",
    [
        # Lane-Emden n = 1: xi_1 = pi, -xi^2 theta'(xi_1) = pi.
        (2.0, 100.0, 1.0e-8, math.pi, math.pi),
        # Lane-Emden n = 3/2.
        (5.0 / 3.0, 1.0, 1.0e-10, 3.65375374, 2.71405512),
    ],
)
def test_newtonian_limit_is_lane_emden(Gamma, K, rho_c, xi_1, mass_factor):
    n = 1.0 / (Gamma - 1.0)
    length = math.sqrt((n + 1.0) * K * rho_c ** (1.0 / n - 1.0) / (4.0 * math.pi))
    star = solve_tov(K, Gamma, rho_c)
    assert star.C < 1e-5
    assert star.R_schw == pytest.approx(xi_1 * length, rel=3e-5)
    assert star.M_star == pytest.approx(4.0 * math.pi * rho_c * length**3 * mass_factor, rel=3e-5)


# ---------------------------------------------------------------------------------------------
# Profile
# ---------------------------------------------------------------------------------------------
PROFILE_TABLE = [
    # rbar, r_schw, m, rho0, P, alpha, psi4
    ("0.5", "0.711625", "0.002165", "1.267148e-3", "1.605665e-4", "0.6712349", "2.0256399"),
    ("1", "1.416839", "0.016748", "1.229513e-3", "1.511702e-4", "0.6752901", "2.0074331"),
    ("2", "2.785892", "0.117869", "1.091538e-3", "1.191455e-4", "0.6905856", "1.9402992"),
    ("4", "5.275348", "0.607736", "6.853617e-4", "4.697206e-5", "0.7399228", "1.7393313"),
    ("6", "7.450412", "1.151897", "2.944540e-4", "8.670317e-6", "0.7945538", "1.5419068"),
    ("8", "9.461418", "1.399206", "1.359608e-5", "1.848533e-8", "0.8390641", "1.3987254"),
]


@pytest.mark.parametrize("row", PROFILE_TABLE, ids=[row[0] for row in PROFILE_TABLE])
def test_interior_profile_matches_reference(standard_star, row):
    r_iso = float(row[0])
    values = standard_star.evaluate(np.array([r_iso]))
    keys = ("r_schw", "m", "rho0", "P", "alpha", "exp4phi")
    for key, reference in zip(keys, row[1:], strict=True):
        assert values[key][0] == pytest.approx(
            float(reference), abs=tolerance_of_digits(reference)
        ), key


@pytest.mark.parametrize(
    "r_iso, alpha, psi4", [(20.0, 0.9323597, 1.1475407), (100.0, 0.9860957, 1.0282986)]
)
def test_exterior_profile_matches_reference(standard_star, r_iso, alpha, psi4):
    values = standard_star.evaluate(np.array([r_iso]))
    assert values["alpha"][0] == pytest.approx(alpha, abs=5.1e-8)
    assert values["exp4phi"][0] == pytest.approx(psi4, abs=5.1e-8)
    assert values["rho0"][0] == 0.0
    assert values["P"][0] == 0.0
    assert values["m"][0] == standard_star.M_star


def test_surface_values(standard_star):
    values = standard_star.evaluate(np.array([standard_star.R_iso]))
    assert values["alpha"][0] == pytest.approx(0.8413457, abs=5.1e-8)
    assert values["exp4phi"][0] == pytest.approx(1.3918059, abs=5.1e-8)
    assert values["r_schw"][0] == pytest.approx(standard_star.R_schw, rel=1e-14)


def test_exterior_is_isotropic_schwarzschild(standard_star):
    M = standard_star.M_star
    r_iso = np.geomspace(standard_star.R_iso, 1e4, 50)
    values = standard_star.evaluate(r_iso)
    psi = 1.0 + M / (2.0 * r_iso)
    np.testing.assert_allclose(values["exp4phi"], psi**4, rtol=1e-14)
    np.testing.assert_allclose(
        values["alpha"], (1.0 - M / (2.0 * r_iso)) / (1.0 + M / (2.0 * r_iso)), rtol=1e-14
    )
    np.testing.assert_allclose(values["r_schw"], r_iso * psi**2, rtol=1e-14)


def test_metric_is_continuous_across_surface(standard_star):
    values = standard_star.evaluate(standard_star.R_iso * np.array([1.0 - 1e-12, 1.0 + 1e-12]))
    for key in ("alpha", "exp4phi", "r_schw", "m"):
        inside, outside = values[key]
        assert inside == pytest.approx(outside, rel=1e-8), key
    assert values["rho0"][1] == 0.0


def test_surface_is_hit_exactly(standard_star):
    """The integration ends at h = 1: rho0 and P vanish at Rbar and are positive inside."""
    R_iso = standard_star.R_iso
    offsets = np.array([1e-4, 1e-6, 1e-8, 1e-10])
    values = standard_star.evaluate(R_iso * (1.0 - offsets))
    assert np.all(values["rho0"] > 0.0)
    # Gamma = 2: rho0 ~ (h - 1) is linear in the distance to the surface, P quadratic. If the
    # zero were displaced from Rbar by delta, rho0 / offset would not approach a constant.
    ratio_rho = values["rho0"][1:] / values["rho0"][:-1]
    ratio_P = values["P"][1:] / values["P"][:-1]
    np.testing.assert_allclose(ratio_rho, 1e-2, rtol=1e-3)
    np.testing.assert_allclose(ratio_P, 1e-4, rtol=2e-3)
    assert values["P"][-1] < 1e-20
    # Last tabulated sample is the surface itself.
    assert standard_star.r_iso[-1] == standard_star.R_iso
    assert standard_star.P[-1] == 0.0
    assert standard_star.rho_baryon[-1] == 0.0
    assert standard_star.m[-1] == standard_star.M_star
    assert standard_star.r_schw[-1] == standard_star.R_schw


def test_lapse_times_enthalpy_is_constant(standard_star):
    """Hydrostatic equilibrium of a cold fluid: alpha h = alpha(R) inside the star."""
    r_iso = np.linspace(0.0, standard_star.R_iso, 300, endpoint=False)
    values = standard_star.evaluate(r_iso)
    enthalpy = 1.0 + GAMMA_REF * K_REF * values["rho0"] ** (GAMMA_REF - 1) / (GAMMA_REF - 1)
    alpha_surface = math.sqrt(1.0 - 2.0 * standard_star.M_star / standard_star.R_schw)
    np.testing.assert_allclose(values["alpha"] * enthalpy, alpha_surface, rtol=1e-13)
    np.testing.assert_allclose(values["P"], K_REF * values["rho0"] ** GAMMA_REF, rtol=1e-13)


def test_isotropic_radius_relation(standard_star):
    """psi^4 = (r / rbar)^2 and d rbar / dr = rbar / (r sqrt(1 - 2m/r)) inside."""
    r_iso = np.linspace(0.5, 8.0, 16)
    step = 1e-5
    values = standard_star.evaluate(r_iso)
    plus = standard_star.evaluate(r_iso + step)["r_schw"]
    minus = standard_star.evaluate(r_iso - step)["r_schw"]
    np.testing.assert_allclose(values["exp4phi"], (values["r_schw"] / r_iso) ** 2, rtol=1e-13)
    dr_drbar = (plus - minus) / (2.0 * step)
    r, m = values["r_schw"], values["m"]
    np.testing.assert_allclose(dr_drbar, r * np.sqrt(1.0 - 2.0 * m / r) / r_iso, rtol=1e-8)


def test_centre_is_regular(standard_star):
    values = standard_star.evaluate(np.array([0.0, 1e-6, 1e-4, 1e-3]))
    assert values["exp4phi"][0] == pytest.approx(standard_star.psi4_c, rel=1e-14)
    assert standard_star.psi4_c > 2.0  # never the flat value 1
    np.testing.assert_allclose(values["exp4phi"], standard_star.psi4_c, rtol=1e-5)
    np.testing.assert_allclose(values["rho0"], RHO_C_STANDARD, rtol=1e-5)
    assert values["rho0"][0] == pytest.approx(RHO_C_STANDARD, rel=1e-14)
    assert values["alpha"][0] == pytest.approx(standard_star.alpha_c, rel=1e-14)
    assert values["r_schw"][0] == 0.0
    assert values["m"][0] == 0.0


def test_sampled_arrays(standard_star):
    star = standard_star
    n = star.r_iso.size
    assert n >= 1000
    for name in ("r_schw", "m", "rho_baryon", "P", "alpha", "exp4phi"):
        assert getattr(star, name).shape == (n,), name
    assert star.r_iso[0] == 0.0
    assert np.all(np.diff(star.r_iso) > 0)
    assert np.all(np.diff(star.r_schw) > 0)
    assert np.all(np.diff(star.m) > 0)
    assert np.all(np.diff(star.rho_baryon) <= 0)
    assert np.all(np.diff(star.alpha) > 0)
    assert np.all(np.diff(star.exp4phi) < 0)
    assert star.exp4phi[0] == star.psi4_c
    assert star.rho_baryon[0] == pytest.approx(star.rho_central, rel=1e-14)
    values = star.evaluate(star.r_iso[::97])
    np.testing.assert_allclose(values["rho0"], star.rho_baryon[::97], rtol=1e-14, atol=0)
    np.testing.assert_allclose(values["exp4phi"], star.exp4phi[::97], rtol=1e-14)


def test_evaluate_uses_absolute_radius_and_keeps_shape(standard_star):
    r_iso = np.array([[0.3, 4.0], [7.9, 30.0]])
    positive = standard_star.evaluate(r_iso)
    negative = standard_star.evaluate(-r_iso)
    for key, value in positive.items():
        assert value.shape == r_iso.shape
        np.testing.assert_array_equal(value, negative[key])
    scalar = standard_star.evaluate(2.0)
    assert scalar["rho0"].shape == ()
    assert float(scalar["rho0"]) == pytest.approx(1.091538e-3, abs=5.1e-10)


def test_evaluate_is_monotonic_and_smooth(standard_star):
    r_iso = np.linspace(0.0, standard_star.R_iso, 20001)
    rho0 = standard_star.evaluate(r_iso)["rho0"]
    assert np.all(np.diff(rho0) <= 0.0)
    # Second differences bounded by |rho0''| dr^2 with |rho0''| <~ rho_c / R^2.
    dr = r_iso[1] - r_iso[0]
    assert np.max(np.abs(np.diff(rho0, 2))) < 10.0 * RHO_C_STANDARD * dr**2


@settings(max_examples=8, deadline=None)
@given(rho_c=st.floats(min_value=1e-4, max_value=3e-3))
def test_equilibrium_and_matching_for_any_central_density(rho_c):
    star = solve_tov(K_REF, GAMMA_REF, rho_c)
    r_iso = np.linspace(0.0, star.R_iso, 64)
    values = star.evaluate(r_iso)
    enthalpy = 1.0 + 2.0 * K_REF * values["rho0"]
    np.testing.assert_allclose(values["alpha"] * enthalpy, values["alpha"][-1], rtol=1e-12)
    across = star.evaluate(star.R_iso * np.array([1.0 - 1e-12, 1.0 + 1e-12]))
    for key in ("alpha", "exp4phi"):
        assert across[key][0] == pytest.approx(across[key][1], rel=1e-8)
    assert star.M0 > star.M_star  # bound star
    assert 0.0 < star.C < 4.0 / 9.0


# ---------------------------------------------------------------------------------------------
# Initial data on the grid
# ---------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def grid_data(standard_star):
    r = cell_centred_grid(200, 20.0)
    state, primitives = create_initial_data_iso(standard_star, r, RHO_ATM, P_ATM, TAU_ATM)
    return r, state, primitives


def test_grid_first_interior_cell(grid_data):
    r, state, _ = grid_data
    assert r[3] == pytest.approx(0.0508906, abs=5e-8)
    assert state[ROW_PHI, 3] == pytest.approx(0.1772283, abs=5.1e-8)
    assert state[ROW_LAPSE, 3] == pytest.approx(0.6698755, abs=5.1e-8)
    assert state[ROW_D, 3] == pytest.approx(3.706638e-3, abs=5.1e-10)


def test_grid_state_layout(grid_data, standard_star):
    r, state, (rho0, vr, p, eps) = grid_data
    assert state.shape == (15, r.size)
    assert state.dtype == np.float64
    for row in ZERO_ROWS + (ROW_SR,):
        assert np.all(state[row] == 0.0), row
    assert np.all(vr == 0.0)
    for array in (rho0, vr, p, eps):
        assert array.shape == r.shape
    values = standard_star.evaluate(r)
    np.testing.assert_allclose(state[ROW_PHI], 0.25 * np.log(values["exp4phi"]), rtol=1e-15)
    np.testing.assert_allclose(state[ROW_LAPSE], values["alpha"], rtol=1e-15)


def test_grid_interior_conserved_variables(grid_data, standard_star):
    r, state, (rho0, _, p, eps) = grid_data
    inside = np.abs(r) < standard_star.R_iso
    sqrt_gamma = np.exp(6.0 * state[ROW_PHI])
    np.testing.assert_allclose(eps[inside], p[inside] / (rho0[inside] * (GAMMA_REF - 1.0)))
    # Cold polytrope: eps = K rho0^(Gamma-1) / (Gamma-1) where above the floors.
    above = inside & (rho0 > 1e-10)
    np.testing.assert_allclose(eps[above], K_REF * rho0[above], rtol=1e-13)
    np.testing.assert_allclose(state[ROW_D], sqrt_gamma * rho0, rtol=1e-15)
    np.testing.assert_allclose(
        state[ROW_TAU][inside], (sqrt_gamma * rho0 * eps)[inside], rtol=1e-15
    )


def test_grid_parity_of_inner_ghosts(grid_data):
    r, state, primitives = grid_data
    assert np.all(r[:3] < 0)
    for ghost in range(3):
        mirror = 5 - ghost
        assert r[ghost] == pytest.approx(-r[mirror], rel=1e-14)
        np.testing.assert_array_equal(state[:, ghost], state[:, mirror])
        for array in primitives:
            assert array[ghost] == array[mirror]


def test_grid_atmosphere_outside_star(grid_data, standard_star):
    r, state, (rho0, vr, p, eps) = grid_data
    outside = np.abs(r) >= standard_star.R_iso
    assert np.count_nonzero(outside) > 50
    sqrt_gamma = np.exp(6.0 * state[ROW_PHI][outside])
    assert np.all(rho0[outside] == RHO_ATM)
    assert np.all(p[outside] == P_ATM)
    np.testing.assert_allclose(eps[outside], P_ATM / ((GAMMA_REF - 1.0) * RHO_ATM), rtol=1e-15)
    np.testing.assert_allclose(state[ROW_D][outside], sqrt_gamma * RHO_ATM, rtol=1e-15)
    np.testing.assert_allclose(state[ROW_TAU][outside], sqrt_gamma * TAU_ATM, rtol=1e-15)
    assert np.all(state[ROW_SR][outside] == 0.0)
    M = standard_star.M_star
    r_out = np.abs(r[outside])
    np.testing.assert_allclose(
        state[ROW_PHI][outside], np.log(1.0 + M / (2.0 * r_out)), rtol=1e-14
    )


def test_grid_floors_inside_star(standard_star):
    """A high atmosphere floors rho0 and P in the outer layers of the star."""
    r = cell_centred_grid(400, 12.0)
    rho_atm, p_atm = 1e-4, 1e-6
    _, (rho0, _, p, eps) = create_initial_data_iso(standard_star, r, rho_atm, p_atm, p_atm)
    assert np.all(rho0 >= rho_atm)
    assert np.all(p >= p_atm)
    np.testing.assert_allclose(eps, p / ((GAMMA_REF - 1.0) * rho0), rtol=1e-15)


def test_grid_eos_gamma(standard_star):
    r = cell_centred_grid(100, 15.0)
    _, (_, _, p_default, eps_default) = create_initial_data_iso(
        standard_star, r, RHO_ATM, P_ATM, TAU_ATM
    )
    _, (rho0, _, p, eps) = create_initial_data_iso(
        standard_star, r, RHO_ATM, P_ATM, TAU_ATM, eos_gamma=1.5
    )
    np.testing.assert_array_equal(p, p_default)
    np.testing.assert_allclose(eps, p / (0.5 * rho0), rtol=1e-15)
    np.testing.assert_allclose(eps, 2.0 * eps_default, rtol=1e-15)


# ---------------------------------------------------------------------------------------------
# Input validation
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("K", [0.0, -1.0, float("nan"), float("inf")])
def test_invalid_K(K):
    with pytest.raises(ValueError, match="K"):
        TOVSolverIso(K, 2.0)


@pytest.mark.parametrize("Gamma", [1.0, 0.5, -2.0, float("nan")])
def test_invalid_Gamma(Gamma):
    with pytest.raises(ValueError, match="Gamma"):
        TOVSolverIso(100.0, Gamma)


@pytest.mark.parametrize("rho_central", [0.0, -1e-3, float("nan"), float("inf")])
def test_invalid_rho_central(rho_central):
    with pytest.raises(ValueError, match="rho_central"):
        TOVSolverIso(100.0, 2.0).solve(rho_central)
    with pytest.raises(ValueError, match="rho_central"):
        solve_tov(100.0, 2.0, rho_central)


def test_invalid_initial_data_arguments(standard_star):
    r = cell_centred_grid(50, 20.0)
    with pytest.raises(ValueError, match="rho_atm"):
        create_initial_data_iso(standard_star, r, 0.0, P_ATM, TAU_ATM)
    with pytest.raises(ValueError, match="p_atm"):
        create_initial_data_iso(standard_star, r, RHO_ATM, -1.0, TAU_ATM)
    with pytest.raises(ValueError, match="tau_atm"):
        create_initial_data_iso(standard_star, r, RHO_ATM, P_ATM, float("nan"))
    with pytest.raises(ValueError, match="eos_gamma"):
        create_initial_data_iso(standard_star, r, RHO_ATM, P_ATM, TAU_ATM, eos_gamma=1.0)
    with pytest.raises(ValueError, match="r must"):
        create_initial_data_iso(standard_star, r.reshape(5, 10), RHO_ATM, P_ATM, TAU_ATM)
    with pytest.raises(TypeError, match="tov_solution"):
        create_initial_data_iso(None, r, RHO_ATM, P_ATM, TAU_ATM)


def test_solution_type(standard_star):
    assert isinstance(standard_star, TOVSolutionIso)
    assert isinstance(TOVSolverIso(K_REF, GAMMA_REF).solve(RHO_C_STANDARD), TOVSolutionIso)
