"""Tests of the exact special-relativistic Riemann solver (source.validation.exact_riemann).

Reference star states: Martí & Müller (2003), Living Rev. Relativ. 6, 7 (problems 1 and 2)
and the other standard 1D SRHD shock tubes, ideal gas, c = 1.
"""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.integrate import solve_ivp

from source.validation.exact_riemann import ExactRiemannSolution

# ---------------------------------------------------------------------------
# Independent (test-side) physics, so the checks do not reuse solver code.
# ---------------------------------------------------------------------------


def _enthalpy(rho, p, gamma):
    return 1.0 + gamma / (gamma - 1.0) * p / rho


def _cs(rho, p, gamma):
    return np.sqrt(gamma * p / (rho * _enthalpy(rho, p, gamma)))


def _cons_and_flux(rho, v, p, gamma):
    """(D, S, E) and their fluxes (D v, S v + p, S) for planar SRHD."""
    w2 = 1.0 / (1.0 - v * v)
    rhohw2 = rho * _enthalpy(rho, p, gamma) * w2
    d = rho * math.sqrt(w2)
    s = rhohw2 * v
    e = rhohw2 - p
    return np.array([d, s, e]), np.array([d * v, s * v + p, s])


def _invariant(rho, v, p, gamma, sign):
    """artanh(v) - sign * (2/a) artanh(c_s/a), a = sqrt(Gamma - 1); sign=-1 left, +1 right fan.

    Evaluated through c_s/a = 1/sqrt(1 + (Gamma - 1) rho / (Gamma p)), i.e. from the ratio
    rho / p directly, with artanh(y) = 0.5 * log1p(2 y / (1 - y)) and
    1 - y = (1 - y^2) / (1 + y) to stay accurate when c_s -> a.
    """
    a = math.sqrt(gamma - 1.0)
    r = (gamma - 1.0) * rho / (gamma * p)  # (1 - y^2) / y^2
    y = 1.0 / np.sqrt(1.0 + r)
    one_minus_y = (r * y * y) / (1.0 + y)
    return np.arctanh(v) - sign * 2.0 / a * 0.5 * np.log1p(2.0 * y / one_minus_y)


def _assert_rankine_hugoniot(state_a, state_b, v_s, gamma, rtol=1e-8):
    u_a, f_a = _cons_and_flux(*state_a, gamma)
    u_b, f_b = _cons_and_flux(*state_b, gamma)
    lhs = f_b - f_a
    rhs = v_s * (u_b - u_a)
    scale = np.maximum(np.abs(lhs), np.abs(rhs))
    assert np.all(np.abs(lhs - rhs) <= rtol * scale), (lhs, rhs)


def _sample_at(sol, xi):
    """Sample at self-similar coordinates xi (t = 1, x0 = 0)."""
    return sol.sample(np.atleast_1d(np.asarray(xi, dtype=float)), 1.0, x0=0.0)


# ---------------------------------------------------------------------------
# Reference star states.
# ---------------------------------------------------------------------------

MM1 = (10.0, 40.0 / 3.0, 0.0, 1.0, 1e-6, 0.0, 5.0 / 3.0)
MM2 = (1.0, 1000.0, 0.0, 1.0, 0.01, 0.0, 5.0 / 3.0)
SOD = (10.0, 40000.0 / 3.0, 0.0, 1.0, 1e-6, 0.0, 1.4)
WEAK = (1.0, 1.0, 0.0, 0.125, 0.1, 0.0, 1.4)
STRONG = (10.0, 133.33, 0.0, 1.0, 0.125, 0.0, 1.4)

# Values as strings so the number of shown digits sets the tolerance.
REFERENCE = [
    ("marti_mueller_1", MM1, {
        "p_star": "1.4479", "v_star": "0.7140", "rho_star_L": "2.6393",
        "rho_star_R": "5.0708", "right_shock_speed": "0.8284",
        "left_head": "-0.7161", "left_tail": "0.1672",
    }),
    ("marti_mueller_2", MM2, {
        "p_star": "18.597", "v_star": "0.96041", "rho_star_L": "0.09155",
        "rho_star_R": "10.416", "right_shock_speed": "0.98680",
        "left_head": "-0.8163", "left_tail": "0.6681",
    }),
    ("sod", SOD, {
        "p_star": "50.80", "v_star": "0.98702", "rho_star_R": "24.30",
        "right_shock_speed": "0.99359",
    }),
    ("weak_blast", WEAK, {
        "p_star": "0.31182", "v_star": "0.426035", "rho_star_L": "0.43501",
        "rho_star_R": "0.27484", "right_shock_speed": "0.72390",
    }),
    ("strong_blast", STRONG, {
        "p_star": "6.3657", "v_star": "0.87437", "rho_star_L": "1.1386",
        "rho_star_R": "8.1734", "right_shock_speed": "0.92956",
    }),
]


def _tolerance(ref: str) -> float:
    """1e-4 relative, or half a unit in the last shown digit if that is coarser."""
    value = float(ref)
    decimals = len(ref.split(".")[1]) if "." in ref else 0
    return max(1e-4 * abs(value), 0.5 * 10.0 ** (-decimals))


@pytest.mark.parametrize("name, args, expected", REFERENCE, ids=[r[0] for r in REFERENCE])
def test_reference_star_states(name, args, expected):
    sol = ExactRiemannSolution(*args)
    assert sol.left_wave == "rarefaction"
    assert sol.right_wave == "shock"
    assert sol.left_shock_speed is None and sol.right_head is None
    for attr, ref in expected.items():
        got = getattr(sol, attr)
        assert abs(got - float(ref)) <= _tolerance(ref), f"{name}.{attr}: {got} vs {ref}"


# ---------------------------------------------------------------------------
# Input validation.
# ---------------------------------------------------------------------------

GOOD = dict(rho_L=1.0, p_L=1.0, v_L=0.0, rho_R=0.125, p_R=0.1, v_R=0.0, gamma=1.4)


@pytest.mark.parametrize("param, bad", [
    ("rho_L", 0.0), ("rho_R", -1.0), ("p_L", 0.0), ("p_R", -0.1),
    ("v_L", 1.0), ("v_R", -1.2), ("gamma", 1.0), ("gamma", 2.5), ("rho_L", np.nan),
])
def test_invalid_input_names_parameter(param, bad):
    kwargs = dict(GOOD, **{param: bad})
    with pytest.raises(ValueError, match=param):
        ExactRiemannSolution(**kwargs)


def test_gamma_two_allowed_and_bad_time_and_vacuum():
    ExactRiemannSolution(**dict(GOOD, gamma=2.0))
    sol = ExactRiemannSolution(**GOOD)
    with pytest.raises(ValueError, match="t"):
        sol.sample(np.linspace(0, 1, 5), 0.0)
    with pytest.raises(ValueError, match="vacuum"):
        ExactRiemannSolution(1.0, 0.01, -0.99, 1.0, 0.01, 0.99, 5.0 / 3.0)


# ---------------------------------------------------------------------------
# Special configurations.
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("v", [0.0, 0.6, -0.3])
def test_equal_states_no_waves(v):
    sol = ExactRiemannSolution(2.0, 3.0, v, 2.0, 3.0, v, 5.0 / 3.0)
    assert sol.p_star == 3.0 and sol.v_star == v
    assert sol.rho_star_L == 2.0 and sol.rho_star_R == 2.0
    assert sol.left_head == sol.left_tail and sol.right_head == sol.right_tail
    x = np.linspace(0.0, 1.0, 101)
    rho, vel, p = sol.sample(x, 0.3)
    np.testing.assert_array_equal(rho, 2.0)
    np.testing.assert_array_equal(vel, v)
    np.testing.assert_array_equal(p, 3.0)


def test_pure_contact():
    sol = ExactRiemannSolution(1.0, 1.0, 0.2, 0.1, 1.0, 0.2, 1.4)
    assert sol.p_star == 1.0 and sol.v_star == 0.2
    rho, v, p = _sample_at(sol, [0.1, 0.3])
    np.testing.assert_array_equal(rho, [1.0, 0.1])
    np.testing.assert_array_equal(p, 1.0)


def test_colliding_streams_two_shocks():
    sol = ExactRiemannSolution(1.0, 1.0, 0.5, 1.0, 1.0, -0.5, 4.0 / 3.0)
    assert sol.left_wave == "shock" and sol.right_wave == "shock"
    assert abs(sol.v_star) < 1e-13
    assert sol.p_star > 1.0
    assert sol.rho_star_L == pytest.approx(sol.rho_star_R, rel=1e-12)
    assert sol.left_shock_speed == pytest.approx(-sol.right_shock_speed, rel=1e-12)
    assert sol.left_head is None and sol.left_tail is None
    _assert_rankine_hugoniot((1.0, 0.5, 1.0), (sol.rho_star_L, sol.v_star, sol.p_star),
                             sol.left_shock_speed, 4.0 / 3.0)
    _assert_rankine_hugoniot((1.0, -0.5, 1.0), (sol.rho_star_R, sol.v_star, sol.p_star),
                             sol.right_shock_speed, 4.0 / 3.0)


def test_receding_streams_two_rarefactions():
    gamma = 5.0 / 3.0
    sol = ExactRiemannSolution(1.0, 1.0, -0.5, 1.0, 1.0, 0.5, gamma)
    assert sol.left_wave == "rarefaction" and sol.right_wave == "rarefaction"
    assert abs(sol.v_star) < 1e-13
    assert 0.0 < sol.p_star < 1.0
    assert sol.left_head < sol.left_tail < sol.v_star < sol.right_tail < sol.right_head
    assert sol.left_head == pytest.approx(-sol.right_head, rel=1e-12)
    # Both star states lie on the isentropes of their sides.
    expected_rho = (sol.p_star / 1.0) ** (1.0 / gamma)
    assert sol.rho_star_L == pytest.approx(expected_rho, rel=1e-12)
    assert sol.rho_star_R == pytest.approx(expected_rho, rel=1e-12)
    # Mirror symmetry of the sampled profile.
    xi = np.linspace(-0.99, 0.99, 397)
    rho, v, p = _sample_at(sol, xi)
    rho_m, v_m, p_m = _sample_at(sol, -xi)
    np.testing.assert_allclose(rho, rho_m, rtol=1e-10)
    np.testing.assert_allclose(v, -v_m, rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(p, p_m, rtol=1e-10)


def test_mirrored_problem_is_mirrored_solution():
    """Swapping L/R and flipping velocities mirrors the solution (exercises right fans)."""
    rho_l, p_l, v_l, rho_r, p_r, v_r, gamma = MM2
    sol = ExactRiemannSolution(*MM2)
    mir = ExactRiemannSolution(rho_r, p_r, -v_r, rho_l, p_l, -v_l, gamma)
    assert mir.left_wave == "shock" and mir.right_wave == "rarefaction"
    assert mir.p_star == pytest.approx(sol.p_star, rel=1e-12)
    assert mir.v_star == pytest.approx(-sol.v_star, rel=1e-12)
    assert mir.rho_star_L == pytest.approx(sol.rho_star_R, rel=1e-12)
    assert mir.left_shock_speed == pytest.approx(-sol.right_shock_speed, rel=1e-12)
    assert mir.right_head == pytest.approx(-sol.left_head, rel=1e-12)
    assert mir.right_tail == pytest.approx(-sol.left_tail, rel=1e-12)
    x = np.linspace(0.0, 1.0, 1001)
    rho, v, p = sol.sample(x, 0.4)
    rho_m, v_m, p_m = mir.sample(1.0 - x, 0.4)
    # Skip the few points sitting within round-off of a discontinuity.
    xi = (x - 0.5) / 0.4
    edges = [sol.right_shock_speed, sol.v_star]
    ok = np.all([np.abs(xi - e) > 1e-9 for e in edges], axis=0)
    np.testing.assert_allclose(rho[ok], rho_m[ok], rtol=1e-10)
    np.testing.assert_allclose(v[ok], -v_m[ok], rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(p[ok], p_m[ok], rtol=1e-10)


# ---------------------------------------------------------------------------
# Structure of the sampled profile.
# ---------------------------------------------------------------------------

ALL_PROBLEMS = [MM1, MM2, SOD, WEAK, STRONG]


@pytest.mark.parametrize("args", ALL_PROBLEMS, ids=[r[0] for r in REFERENCE])
def test_sampled_regions(args):
    rho_l, p_l, v_l, rho_r, p_r, v_r, gamma = args
    sol = ExactRiemannSolution(*args)
    d = 1e-7
    rho, v, p = _sample_at(sol, [
        sol.left_head - d, 0.5 * (sol.left_tail + sol.v_star), sol.v_star + d,
        sol.right_shock_speed + d,
    ])
    np.testing.assert_array_equal([rho[0], v[0], p[0]], [rho_l, v_l, p_l])
    np.testing.assert_array_equal([rho[1], v[1], p[1]], [sol.rho_star_L, sol.v_star, sol.p_star])
    np.testing.assert_array_equal([rho[2], v[2], p[2]], [sol.rho_star_R, sol.v_star, sol.p_star])
    np.testing.assert_array_equal([rho[3], v[3], p[3]], [rho_r, v_r, p_r])
    # sample keeps the shape of x and accepts scalars.
    out = sol.sample(np.zeros((3, 4)) + 0.5, 1.0)
    assert all(a.shape == (3, 4) for a in out)
    assert np.shape(sol.sample(0.2, 1.0)[0]) == ()


@pytest.mark.parametrize("args", ALL_PROBLEMS, ids=[r[0] for r in REFERENCE])
def test_rarefaction_edges_continuous(args):
    sol = ExactRiemannSolution(*args)
    scales = [max(args[0], sol.rho_star_L), 1.0, max(args[1], sol.p_star)]
    d = 1e-9
    for edge in (sol.left_head, sol.left_tail):
        # A jump would be O(scale); a continuous profile changes by O(d * scale).
        for q, scale in zip(_sample_at(sol, [edge - d, edge + d]), scales, strict=True):
            assert abs(q[1] - q[0]) <= 1e-6 * scale


@pytest.mark.parametrize("args", ALL_PROBLEMS, ids=[r[0] for r in REFERENCE])
def test_rankine_hugoniot_across_shock(args):
    rho_l, p_l, v_l, rho_r, p_r, v_r, gamma = args
    sol = ExactRiemannSolution(*args)
    v_s = sol.right_shock_speed
    rho, v, p = _sample_at(sol, [v_s - 1e-9, v_s + 1e-9])
    _assert_rankine_hugoniot((rho[1], v[1], p[1]), (rho[0], v[0], p[0]), v_s, gamma)
    # Pressure and velocity are continuous across the contact.
    rho, v, p = _sample_at(sol, [sol.v_star - 1e-9, sol.v_star + 1e-9])
    assert v[0] == v[1] and p[0] == p[1]


@pytest.mark.parametrize("args", ALL_PROBLEMS, ids=[r[0] for r in REFERENCE])
def test_rarefaction_invariant_isentrope_and_characteristic(args):
    rho_l, p_l, v_l, rho_r, p_r, v_r, gamma = args
    sol = ExactRiemannSolution(*args)
    xi = np.linspace(sol.left_head, sol.left_tail, 52)[1:-1]
    rho, v, p = _sample_at(sol, xi)
    j_left = _invariant(rho_l, v_l, p_l, gamma, -1)
    np.testing.assert_allclose(_invariant(rho, v, p, gamma, -1), j_left, rtol=1e-12)
    np.testing.assert_allclose(p / rho**gamma, p_l / rho_l**gamma, rtol=1e-12)
    cs = _cs(rho, p, gamma)
    np.testing.assert_allclose((v - cs) / (1.0 - v * cs), xi, rtol=0, atol=1e-12)
    # Monotone fan: pressure falls, velocity rises from head to tail.
    assert np.all(np.diff(p) < 0) and np.all(np.diff(v) > 0)
    # The star state closes the invariant too.
    assert _invariant(sol.rho_star_L, sol.v_star, sol.p_star, gamma, -1) == pytest.approx(
        j_left, rel=1e-12)


@pytest.mark.parametrize("args", [MM1, MM2], ids=["marti_mueller_1", "marti_mueller_2"])
def test_rarefaction_curve_matches_ode(args):
    """Integrate dv/dP = -1/(rho h W^2 c_s) along the isentrope (no closed form used)."""
    rho_l, p_l, v_l, _, _, _, gamma = args
    sol = ExactRiemannSolution(*args)

    def rhs(p, y):
        rho = rho_l * (p / p_l) ** (1.0 / gamma)
        w2 = 1.0 / (1.0 - y[0] ** 2)
        return [-1.0 / (rho * _enthalpy(rho, p, gamma) * w2 * _cs(rho, p, gamma))]

    res = solve_ivp(rhs, (p_l, sol.p_star), [v_l], method="DOP853", rtol=1e-12, atol=1e-14)
    assert res.success
    assert res.y[0, -1] == pytest.approx(sol.v_star, rel=1e-9)


# ---------------------------------------------------------------------------
# Randomised consistency (hypothesis).
# ---------------------------------------------------------------------------

_pos = st.floats(min_value=1e-3, max_value=1e3)
_vel = st.floats(min_value=-0.9, max_value=0.9)


@settings(max_examples=60, deadline=None)
@given(rho_l=_pos, p_l=_pos, v_l=_vel, rho_r=_pos, p_r=_pos, v_r=_vel,
       gamma=st.floats(min_value=1.05, max_value=2.0))
def test_random_problems_consistent(rho_l, p_l, v_l, rho_r, p_r, v_r, gamma):
    try:
        sol = ExactRiemannSolution(rho_l, p_l, v_l, rho_r, p_r, v_r, gamma)
    except ValueError as err:
        assert "vacuum" in str(err)
        return
    states = {-1: (rho_l, v_l, p_l), +1: (rho_r, v_r, p_r)}
    stars = {-1: (sol.rho_star_L, sol.v_star, sol.p_star),
             +1: (sol.rho_star_R, sol.v_star, sol.p_star)}
    for sign, name in ((-1, "left"), (+1, "right")):
        ahead, star = states[sign], stars[sign]
        if getattr(sol, f"{name}_wave") == "shock":
            assert star[2] > ahead[2]
            v_s = getattr(sol, f"{name}_shock_speed")
            u_a, f_a = _cons_and_flux(*ahead, gamma)
            u_b, f_b = _cons_and_flux(*star, gamma)
            scale = np.abs(u_a) + np.abs(u_b) + np.abs(f_a) + np.abs(f_b)
            assert np.all(np.abs((f_b - f_a) - v_s * (u_b - u_a)) <= 1e-9 * scale)
            # Lax condition: the shock is faster than the sound waves ahead.
            cs_a = _cs(ahead[0], ahead[2], gamma)
            lam_a = (ahead[1] + sign * cs_a) / (1.0 + sign * ahead[1] * cs_a)
            assert sign * v_s >= sign * lam_a - 1e-12
        else:
            assert star[2] <= ahead[2]
            j_a = _invariant(*ahead, gamma, sign)
            assert _invariant(*star, gamma, sign) == pytest.approx(j_a, rel=1e-10, abs=1e-10)
            assert star[2] / star[0] ** gamma == pytest.approx(
                ahead[2] / ahead[0] ** gamma, rel=1e-10)
    # Wave ordering.
    left_edge = sol.left_shock_speed if sol.left_wave == "shock" else sol.left_tail
    right_edge = sol.right_shock_speed if sol.right_wave == "shock" else sol.right_tail
    assert left_edge <= sol.v_star + 1e-12 and sol.v_star <= right_edge + 1e-12
    rho, v, p = sol.sample(np.linspace(0.0, 1.0, 64), 0.45)
    assert np.all(np.isfinite(rho)) and np.all(rho > 0) and np.all(p > 0)
    assert np.all(np.abs(v) < 1)
