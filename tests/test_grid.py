"""Unit tests of the radial grid: spacing, ghost-cell boundary maps, FD stencils and the
face interpolation of the geometry (source/core/{spacing,derivatives,grid}.py,
source/matter/hydro/geometry.interpolate_to_faces).

Every expected value is computed here from closed-form formulas (point placement, exact
derivatives of exp(-r^2), Lagrange weights), never by calling the code under test twice.
"""

import math
from types import SimpleNamespace

import numpy as np
import pytest

from source.bssn.bssnstatevariables import (
    BSSN_ASYMP_OFFSET,
    BSSN_ASYMP_POWER,
    NUM_BSSN_VARS,
)
from source.core.derivatives import Derivatives
from source.core.grid import Grid
from source.core.spacing import NUM_GHOSTS, LinearSpacing, SinhSpacing
from source.core.statevector import StateVector
from source.matter.hydro.geometry import (
    FACE_W_FIRST,
    FACE_W_INTERIOR,
    FACE_W_LAST,
    FACE_W_SECOND,
    interpolate_to_faces,
)
from source.matter.hydro.perfect_fluid import PerfectFluid

NUM_VARS = 15
ODD_ROWS = (8, 9, 10, 13)  # lambda^r, beta^r, B^r, S_r
HYDRO_ROWS = (12, 13, 14)


@pytest.fixture(scope="module")
def state_vector():
    return StateVector(PerfectFluid())


def cell_radii(num_points, r_max):
    """Test-side placement: dr = r_max / (N - 7/2), r_i = (i - 5/2) dr (exactly symmetric)."""
    dr = r_max / (num_points - 3.5)
    return (np.arange(num_points) - 2.5) * dr, dr


# ---------------------------------------------------------------------------------------
# Spacing
# ---------------------------------------------------------------------------------------
def test_linear_spacing_points_20_10():
    s = LinearSpacing(20, 10.0)
    expected = (np.arange(20) - 2.5) * 10.0 / 16.5
    np.testing.assert_allclose(s[0], expected, rtol=0, atol=1e-13)
    assert s[0][-1] == 10.0
    assert s.min_dr == pytest.approx(10.0 / 16.5, rel=1e-13)
    assert s.min_dr == pytest.approx(0.6060606060606, rel=1e-12)
    assert s.dx == pytest.approx(10.0 / 16.5, rel=1e-13)
    np.testing.assert_array_equal(s[1], np.ones(20))
    np.testing.assert_array_equal(s[2], np.zeros(20))
    # no point on r = 0; the three inner ghosts mirror cells 5, 4, 3 (to round-off)
    assert np.all(s[0] != 0.0)
    for i in range(NUM_GHOSTS):
        assert s[0][i] == pytest.approx(-s[0][5 - i], abs=4 * np.finfo(float).eps * 10)


@pytest.mark.parametrize("num_points", [8, 9, 37, 200, 1001])
@pytest.mark.parametrize("r_max", [1.0, 8.0, 123.4])
def test_linear_spacing_general(num_points, r_max):
    s = LinearSpacing(num_points, r_max)
    expected, dr = cell_radii(num_points, r_max)
    np.testing.assert_allclose(s[0], expected, rtol=0, atol=1e-13 * r_max)
    assert s[0][-1] == pytest.approx(r_max, rel=1e-15)
    assert s.min_dr == pytest.approx(dr, rel=1e-11)
    assert s.num_points == num_points


@pytest.mark.parametrize("num_points", [7, 5, 0, -3])
def test_linear_spacing_too_few_points(num_points):
    with pytest.raises(ValueError):
        LinearSpacing(num_points, 10.0)


@pytest.mark.parametrize("r_max", [0.0, -1.0, float("nan"), float("inf")])
def test_linear_spacing_bad_r_max(r_max):
    with pytest.raises(ValueError):
        LinearSpacing(20, r_max)


def test_linear_spacing_get_parameters():
    p = LinearSpacing.get_parameters(8.0, 1.0 / 128.0)
    n = p["num_points"]
    # ceil(r_max/min_dr + 3 + 1/2): the resulting dr is at most the requested one
    assert n == math.ceil(8.0 * 128.0 + 3.5)
    s = LinearSpacing(**p)
    assert s.min_dr <= 1.0 / 128.0 * (1 + 1e-12)
    assert s.min_dr > 1.0 / 128.0 * 0.99


def test_sinh_spacing_matches_analytic():
    p = SinhSpacing.get_parameters(8.0, 1.0 / 32.0, 1.0 / 16.0)
    s = SinhSpacing(**p)
    a = p["a"]
    x = s.x
    np.testing.assert_allclose(s[0], a * np.sinh(x), rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(s[1], a * np.cosh(x), rtol=1e-14)
    np.testing.assert_allclose(s[2], a * np.sinh(x), rtol=1e-14, atol=1e-15)
    assert s[0][-1] == pytest.approx(8.0, rel=1e-12)
    dr = np.diff(s[0])
    assert dr.min() == pytest.approx(1.0 / 32.0, rel=0.05)
    assert dr.max() == pytest.approx(1.0 / 16.0, rel=0.05)
    # chain-rule derivative of sin(r) on the stretched grid
    d = Derivatives(s)
    r = s[0]
    interior = slice(NUM_GHOSTS, s.num_points - NUM_GHOSTS)
    err = np.max(np.abs(d.first(np.sin(r))[interior] - np.cos(r[interior])))
    assert err < 1e-2 * np.max(np.abs(np.cos(r)))
    err2 = np.max(np.abs(d.second(np.sin(r))[interior] + np.sin(r[interior])))
    assert err2 < 1e-2


# ---------------------------------------------------------------------------------------
# Inner (parity) boundary
# ---------------------------------------------------------------------------------------
def parity_state(num_points, r_max):
    r, _ = cell_radii(num_points, r_max)
    state = np.empty((NUM_VARS, num_points))
    for v in range(NUM_VARS):
        state[v] = r if v in ODD_ROWS else r * r
    return state


@pytest.mark.parametrize("num_points", [20, 64])
def test_inner_parity_fill_restores_ghosts(state_vector, num_points):
    grid = Grid(LinearSpacing(num_points, 10.0), state_vector)
    exact = parity_state(num_points, 10.0)
    state = exact.copy()
    rng = np.random.default_rng(1)
    state[:, :NUM_GHOSTS] = rng.normal(size=(NUM_VARS, NUM_GHOSTS)) * 1e3
    grid.fill_inner_boundary(state)
    np.testing.assert_array_equal(state, exact)


def test_parity_table(state_vector):
    expected = np.ones(NUM_VARS, dtype=int)
    expected[list(ODD_ROWS)] = -1
    np.testing.assert_array_equal(state_vector.PARITY, expected)


def test_inner_fill_subset_of_rows(state_vector):
    grid = Grid(LinearSpacing(20, 10.0), state_vector)
    exact = parity_state(20, 10.0)
    state = exact.copy()
    state[:, :NUM_GHOSTS] = -777.0
    grid.fill_inner_boundary(state, indices=[9, 12])
    np.testing.assert_array_equal(state[[9, 12]], exact[[9, 12]])
    untouched = [v for v in range(NUM_VARS) if v not in (9, 12)]
    assert np.all(state[untouched, :NUM_GHOSTS] == -777.0)


def test_single_variable_fills(state_vector):
    grid = Grid(LinearSpacing(20, 10.0), state_vector)
    r, _ = cell_radii(20, 10.0)
    f = r.copy()
    f[:NUM_GHOSTS] = 5.0
    grid.fill_inner_boundary_single_variable(f, parity=-1)
    np.testing.assert_array_equal(f, r)
    g = 3.0 + 2.0 / grid.r
    g[-NUM_GHOSTS:] = 0.0
    grid.fill_outer_boundary_single_variable(g, asymp_power=-1, asymp_offset=3.0)
    np.testing.assert_allclose(g, 3.0 + 2.0 / grid.r, rtol=1e-14)


# ---------------------------------------------------------------------------------------
# Outer boundary
# ---------------------------------------------------------------------------------------
def test_outer_fill_power_law_rows(state_vector):
    n = 40
    grid = Grid(LinearSpacing(n, 12.0), state_vector)
    r = grid.r
    state = np.empty((NUM_VARS, n))
    for v in range(NUM_BSSN_VARS):
        state[v] = (v + 1) * r ** float(BSSN_ASYMP_POWER[v]) + BSSN_ASYMP_OFFSET[v]
    rng = np.random.default_rng(3)
    state[NUM_BSSN_VARS:] = rng.uniform(1, 2, size=(3, n))
    exact = state.copy()
    last = n - NUM_GHOSTS - 1
    for v in HYDRO_ROWS:
        exact[v, last + 1:] = exact[v, last]
    state[:, last + 1:] = rng.normal(size=(NUM_VARS, NUM_GHOSTS)) * 1e5
    grid.fill_outer_boundary(state)
    np.testing.assert_allclose(state[:NUM_BSSN_VARS], exact[:NUM_BSSN_VARS], rtol=1e-13)
    np.testing.assert_array_equal(state[NUM_BSSN_VARS:], exact[NUM_BSSN_VARS:])
    # the interior is never touched
    np.testing.assert_array_equal(state[:, : last + 1], exact[:, : last + 1])


def test_asymptotic_tables():
    np.testing.assert_array_equal(BSSN_ASYMP_POWER, [-1, -1, -1, -1, -1, -2, -2, -2, -2, -1, -1, 0])
    np.testing.assert_array_equal(BSSN_ASYMP_OFFSET, [0] * 11 + [1])


def synthetic_state_vector(offsets):
    """A 15-row layout with non-zero offsets, so offsets and linearity are distinguishable."""
    parity = np.ones(NUM_VARS, dtype=np.int64)
    parity[list(ODD_ROWS)] = -1
    power = np.zeros(NUM_VARS, dtype=np.int64)
    power[:NUM_BSSN_VARS] = [-1, -2, 1, -1, -2, 2, -1, -3, -2, -1, 1, 0]
    return SimpleNamespace(
        NUM_VARS=NUM_VARS, PARITY=parity, ASYMP_POWER=power,
        ASYMP_OFFSET=np.asarray(offsets, dtype=np.float64),
        ALL_INDICES=np.arange(NUM_VARS, dtype=np.uint8), FIRST_MATTER_ROW=NUM_BSSN_VARS,
    )


def test_outer_fill_with_offsets_synthetic():
    offsets = np.linspace(-2.0, 3.0, NUM_VARS)
    offsets[NUM_BSSN_VARS:] = 0.0
    sv = synthetic_state_vector(offsets)
    n = 30
    grid = Grid(LinearSpacing(n, 10.0), sv)
    r = grid.r
    state = np.empty((NUM_VARS, n))
    for v in range(NUM_VARS):
        state[v] = (v + 1) * r ** float(sv.ASYMP_POWER[v]) + offsets[v]
    exact = state.copy()
    last = n - NUM_GHOSTS - 1
    exact[NUM_BSSN_VARS:, last + 1:] = exact[NUM_BSSN_VARS:, last][:, None]
    state[:, last + 1:] = 1e9
    grid.fill_outer_boundary(state)
    np.testing.assert_allclose(state, exact, rtol=1e-13)


@pytest.mark.parametrize("synthetic", [False, True])
def test_rhs_fill_is_linear(state_vector, synthetic):
    sv = synthetic_state_vector(np.linspace(1.0, 5.0, NUM_VARS)) if synthetic else state_vector
    n = 25
    grid = Grid(LinearSpacing(n, 10.0), sv)
    rng = np.random.default_rng(7)
    x = rng.normal(size=(NUM_VARS, n))
    y = rng.normal(size=(NUM_VARS, n))
    a, b = 1.7, -0.45
    combo = a * x + b * y
    fx, fy = x.copy(), y.copy()
    grid.fill_rhs_boundaries(fx)
    grid.fill_rhs_boundaries(fy)
    grid.fill_rhs_boundaries(combo)
    np.testing.assert_allclose(combo, a * fx + b * fy, rtol=1e-12, atol=1e-13)
    # zero interior -> zero ghosts (no offsets in the RHS map)
    z = np.zeros((NUM_VARS, n))
    z[:, :NUM_GHOSTS] = 3.0
    z[:, -NUM_GHOSTS:] = 3.0
    grid.fill_rhs_boundaries(z)
    np.testing.assert_array_equal(z, 0.0)


def test_rhs_fill_explicit_maps():
    sv = synthetic_state_vector(np.linspace(1.0, 5.0, NUM_VARS))
    n = 25
    grid = Grid(LinearSpacing(n, 10.0), sv)
    r = grid.r
    rng = np.random.default_rng(11)
    rhs = rng.normal(size=(NUM_VARS, n))
    expected = rhs.copy()
    last = n - NUM_GHOSTS - 1
    for v in range(NUM_VARS):
        p = float(sv.ASYMP_POWER[v]) if v < NUM_BSSN_VARS else 0.0
        expected[v, last + 1:] = rhs[v, last] * (r[last + 1:] / r[last]) ** p
        for i in range(NUM_GHOSTS):
            expected[v, i] = sv.PARITY[v] * rhs[v, 5 - i]
    grid.fill_rhs_boundaries(rhs)
    np.testing.assert_allclose(rhs, expected, rtol=1e-14)


# ---------------------------------------------------------------------------------------
# Finite-difference derivatives
# ---------------------------------------------------------------------------------------
def gaussian(r):
    f = np.exp(-r * r)
    return f, -2.0 * r * f, (4.0 * r * r - 2.0) * f


def derivative_errors(min_dr):
    s = LinearSpacing(**LinearSpacing.get_parameters(8.0, min_dr))
    d = Derivatives(s)
    r = s[0]
    f, df, d2f = gaussian(r)
    inner = slice(NUM_GHOSTS, s.num_points - NUM_GHOSTS)
    out1, out2 = d.first(f), d.second(f)
    up = d.advection(f, np.ones(r.size, dtype=bool))
    down = d.advection(f, np.zeros(r.size, dtype=bool))
    mixed = d.advection(f, np.arange(r.size) % 3 == 0)
    return {
        "dr": s.min_dr,
        "d1": np.max(np.abs(out1[inner] - df[inner])),
        "d2": np.max(np.abs(out2[inner] - d2f[inner])),
        "up": np.max(np.abs(up[inner] - df[inner])),
        "down": np.max(np.abs(down[inner] - df[inner])),
        "mixed": np.max(np.abs(mixed[inner] - df[inner])),
        "ghosts": [o[list(range(NUM_GHOSTS)) + list(range(-NUM_GHOSTS, 0))]
                   for o in (out1, out2, up, down, mixed)],
    }


@pytest.fixture(scope="module")
def fd_errors():
    return {m: derivative_errors(1.0 / m) for m in (32, 64, 128)}


def test_fd_accuracy_at_1_128(fd_errors):
    e = fd_errors[128]
    assert e["d1"] < 1e-5
    assert e["d2"] < 1e-5
    assert e["up"] < 1e-5
    assert e["down"] < 1e-5
    for g in e["ghosts"]:
        np.testing.assert_array_equal(g, 0.0)


def observed_order(e1, e2, dr1, dr2):
    return math.log(e1 / e2) / math.log(dr1 / dr2)


@pytest.mark.parametrize("key,lo,hi", [("d1", 3.8, 4.2), ("d2", 3.8, 4.2),
                                       ("up", 2.8, 3.2), ("down", 2.8, 3.2),
                                       ("mixed", 2.8, 3.2)])
def test_fd_order(fd_errors, key, lo, hi):
    orders = [observed_order(fd_errors[a][key], fd_errors[b][key],
                             fd_errors[a]["dr"], fd_errors[b]["dr"])
              for a, b in ((32, 64), (64, 128))]
    for p in orders:
        assert lo <= p <= hi, (key, orders)


def test_fd_exact_on_polynomials():
    """The centred stencils are exact for quartics, the one-sided ones for cubics."""
    s = LinearSpacing(30, 3.0)
    d = Derivatives(s)
    r = s[0]
    inner = slice(NUM_GHOSTS, s.num_points - NUM_GHOSTS)
    f = 1.0 - 2.0 * r + 0.5 * r**2 - 0.3 * r**3 + 0.1 * r**4
    df = -2.0 + r - 0.9 * r**2 + 0.4 * r**3
    d2f = 1.0 - 1.8 * r + 1.2 * r**2
    np.testing.assert_allclose(d.first(f)[inner], df[inner], atol=1e-11)
    np.testing.assert_allclose(d.second(f)[inner], d2f[inner], atol=1e-10)
    c = 0.7 - r + 0.25 * r**3
    dc = -1.0 + 0.75 * r**2
    for flag in (True, False):
        adv = d.advection(c, np.full(r.size, flag))
        np.testing.assert_allclose(adv[inner], dc[inner], atol=1e-11)


def test_grid_row_derivatives(state_vector):
    s = LinearSpacing(**LinearSpacing.get_parameters(8.0, 1.0 / 64.0))
    grid = Grid(s, state_vector)
    f, df, d2f = gaussian(grid.r)
    state = np.zeros((NUM_VARS, grid.N))
    state[0] = f
    state[5] = 3.0 * f
    d1 = grid.get_first_derivative(state, indices=[0, 5])
    d2 = grid.get_second_derivative(state, indices=[0])
    inner = grid.interior
    assert np.max(np.abs(d1[0, inner] - df[inner])) < 1e-4
    assert np.max(np.abs(d1[5, inner] - 3.0 * df[inner])) < 3e-4
    assert np.max(np.abs(d2[0, inner] - d2f[inner])) < 1e-4
    # rows not asked for are zero
    assert np.all(d1[[1, 2, 3, 4, 6]] == 0.0)


def test_kreiss_oliger_operator():
    """Sixth difference / (64 dr): zero on quintics; on the sawtooth (-1)^i the stencil sum is
    (-1)^(i-3) (1 + 6 + 15 + 20 + 15 + 6 + 1) = -64 (-1)^i, so the result is -(-1)^i / dr."""
    s = LinearSpacing(40, 5.0)
    d = Derivatives(s)
    r = s[0]
    inner = slice(NUM_GHOSTS, s.num_points - NUM_GHOSTS)
    quintic = 1.0 + r - r**2 + 0.5 * r**3 - 0.2 * r**4 + 0.01 * r**5
    assert np.max(np.abs(d.kreiss_oliger(quintic)[inner])) < 1e-9
    saw = (-1.0) ** np.arange(r.size)
    np.testing.assert_allclose(d.kreiss_oliger(saw)[inner], -saw[inner] / s.dx, rtol=1e-13)


# ---------------------------------------------------------------------------------------
# Face interpolation of the geometry
# ---------------------------------------------------------------------------------------
def lagrange_weights(nodes, x):
    w = np.ones(len(nodes))
    for j, xj in enumerate(nodes):
        for m, xm in enumerate(nodes):
            if m != j:
                w[j] *= (x - xm) / (xj - xm)
    return w


def test_face_weights_are_lagrange_weights():
    np.testing.assert_allclose(FACE_W_INTERIOR, lagrange_weights([-2, -1, 0, 1, 2], 0.5),
                               rtol=1e-15, atol=1e-16)
    np.testing.assert_allclose(FACE_W_FIRST, lagrange_weights([0, 1, 2, 3, 4], 0.5),
                               rtol=1e-15, atol=1e-16)
    np.testing.assert_allclose(FACE_W_SECOND, lagrange_weights([0, 1, 2, 3, 4], 1.5),
                               rtol=1e-15, atol=1e-16)
    np.testing.assert_allclose(FACE_W_LAST, lagrange_weights([0, 1, 2, 3, 4], 3.5),
                               rtol=1e-15, atol=1e-16)
    for w in (FACE_W_INTERIOR, FACE_W_FIRST, FACE_W_SECOND, FACE_W_LAST):
        assert abs(np.sum(w) - 1.0) < 1e-15


def test_face_interpolation_exact_for_quartic():
    x = np.arange(20, dtype=np.float64)           # 20 unit cells
    out = np.empty(19)
    interpolate_to_faces(x**4, out)
    xf = x[:-1] + 0.5                             # face k between cells k and k+1
    np.testing.assert_allclose(out, xf**4, rtol=0, atol=1e-8)
    out_const = np.empty(19)
    interpolate_to_faces(np.full(20, 2.5), out_const)
    np.testing.assert_allclose(out_const, 2.5, rtol=1e-15)


def test_face_interpolation_quintic_remainder():
    """For x^5 the error is the Lagrange remainder prod(x_f - x_j) of each stencil."""
    n = 20
    x = np.arange(n, dtype=np.float64)
    out = np.empty(n - 1)
    interpolate_to_faces(x**5, out)
    xf = x[:-1] + 0.5
    for k in range(n - 1):
        if k <= 1:
            nodes = x[0:5]
        elif k == n - 2:
            nodes = x[n - 5:n]
        else:
            nodes = x[k - 2:k + 3]
        remainder = np.prod(xf[k] - nodes)
        assert xf[k] ** 5 - out[k] == pytest.approx(remainder, rel=1e-9, abs=1e-7)
