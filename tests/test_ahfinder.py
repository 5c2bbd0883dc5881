"""Tests of the apparent-horizon finder and the mass diagnostics (source/bssn/ahfinder.py).

Exact data, G = c = 1:

* Schwarzschild, isotropic time-symmetric slice: psi = 1 + M/(2r), horizon at r = M/2,
  areal radius 2M (a minimal surface); the expansion is
  Theta = 2 (1 - M/(2r)) / (r psi^3), negative for 0 < r < M/2 (it tends to 0 at the
  puncture) and positive outside: a single sign change.
* Schwarzschild, stationary maximal trumpet (Estabrook et al. 1973; Baumgarte & Naculich
  2007, PRD 75, 067502): areal radius R > 3M/2 with dl^2 = dR^2/f + R^2 dOmega^2,
  f = 1 - 2M/R + C^2/R^4, C = 3 sqrt(3) M^2/4; K = 0, K^R_R = -2C/R^3, K^th_th = C/R^3
  (black-hole branch, shift beta^R = alpha C/R^2 > 0); isotropic radius r(R) in closed form
  (Baumgarte & Naculich 2007, eq. 9). Horizon at R = 2M.
* Schwarzschild, Painleve-Gullstrand slice: flat metric, K^R_R = -sqrt(2M/R^3)/2,
  K^th_th = sqrt(2M/R^3) (K != 0); horizon at R = 2M.
* Schwarzschild, isotropic slice in a stretched radial coordinate with h_rr != h_thth != 0.
* Flat space and the TOV star (K = 100, Gamma = 2, rho_c = 1.28e-3): no horizon; the
  Misner-Sharp mass is the ADM mass M = 1.400160.

The grids are the cell-centred ones of ``source.core.spacing``: dr = r_max/(N - 7/2),
r_i = (i - 5/2) dr.
"""

import numpy as np
import pytest
from scipy.integrate import solve_ivp
from scipy.optimize import brentq

from source.bssn.ahfinder import (
    ApparentHorizon,
    adm_mass_estimate,
    expansion,
    expansion_pointwise,
    find_apparent_horizon,
    misner_sharp_mass,
    misner_sharp_mass_pointwise,
)
from source.bssn.bssnstatevariables import (
    BSSN_ASYMP_OFFSET,
    BSSN_ASYMP_POWER,
    NUM_BSSN_VARS,
    idx_app,
    idx_arr,
    idx_att,
    idx_hpp,
    idx_hrr,
    idx_htt,
    idx_K,
    idx_lapse,
    idx_phi,
)
from source.core.derivatives import first_derivative_x
from source.core.grid import fill_outer_boundary_rows
from source.initialdata.tov import NUM_STATE_VARS, create_initial_data_iso, solve_tov

TOL = 1e-6


def cell_centred_grid(num_points, r_max):
    dr = r_max / (num_points - 3.5)
    return (np.arange(num_points) - 2.5) * dr, dr


def empty_state(n):
    state = np.zeros((NUM_BSSN_VARS, n))
    state[idx_lapse] = 1.0
    return state


def schwarzschild_isotropic(num_points, r_max, M):
    r, dr = cell_centred_grid(num_points, r_max)
    state = empty_state(num_points)
    state[idx_phi] = np.log1p(M / (2.0 * np.abs(r)))
    return r, state, dr


# --- maximal trumpet ----------------------------------------------------------------------
def trumpet_C(M):
    return 0.75 * np.sqrt(3.0) * M * M


def trumpet_f(R, M):
    return 1.0 - 2.0 * M / R + trumpet_C(M) ** 2 / R**4


def trumpet_isotropic_radius(R, M):
    """Baumgarte & Naculich (2007) eq. 9: isotropic radius of the areal radius R >= 3M/2."""
    a = 0.25 * (2.0 * R + M + np.sqrt(4.0 * R * R + 4.0 * M * R + 3.0 * M * M))
    b = ((4.0 + 3.0 * np.sqrt(2.0)) * (2.0 * R - 3.0 * M)
         / (8.0 * R + 6.0 * M + 3.0 * np.sqrt(8.0 * R * R + 8.0 * M * R + 6.0 * M * M)))
    return a * b ** (1.0 / np.sqrt(2.0))


def trumpet_areal_radius(r, M):
    return np.array([
        brentq(lambda R, x=x: trumpet_isotropic_radius(R, M) - x, 1.5 * M, x + 2.0 * M,
               xtol=1e-15, rtol=1e-15)
        for x in np.abs(r)
    ])


def maximal_trumpet(num_points, r_max, M):
    r, dr = cell_centred_grid(num_points, r_max)
    R = trumpet_areal_radius(r, M)
    C = trumpet_C(M)
    state = empty_state(num_points)
    state[idx_phi] = 0.5 * np.log(R / np.abs(r))     # psi^2 = R / r
    state[idx_arr] = -2.0 * C / R**3                 # A-bar^r_r = K^R_R (K = 0, h = 0)
    state[idx_att] = state[idx_app] = C / R**3       # A-bar^th_th = K^th_th
    state[idx_lapse] = np.sqrt(trumpet_f(R, M))
    return r, state, dr


# --- Painleve-Gullstrand -------------------------------------------------------------------
def painleve_gullstrand(num_points, r_max, M):
    r, dr = cell_centred_grid(num_points, r_max)
    s = np.sqrt(2.0 * M / np.abs(r) ** 3)
    state = empty_state(num_points)
    state[idx_K] = 1.5 * s                           # K^R_R + 2 K^th_th
    state[idx_arr] = -s                              # K^R_R - K/3
    state[idx_att] = state[idx_app] = 0.5 * s        # K^th_th - K/3
    return r, state, dr


# --- isotropic Schwarzschild in a stretched coordinate rho, r_iso = F(rho) ----------------
def stretched_F(rho):
    return rho * (1.0 + 0.25 * rho * rho), 1.0 + 0.75 * rho * rho


def schwarzschild_stretched(num_points, r_max, M):
    """gamma = psi(F)^4 (F'^2 drho^2 + F^2 dOmega^2) written with phi = ln psi + ln(F/rho)/2
    - eps, g_T = e^{4 eps}, g_r = e^{4 eps} (rho F'/F)^2: h_rr != h_thth != 0."""
    rho, dr = cell_centred_grid(num_points, r_max)
    a = np.abs(rho)
    F, dF = stretched_F(a)
    eps = 0.05 * a * a / (1.0 + a * a)
    state = empty_state(num_points)
    state[idx_phi] = np.log1p(M / (2.0 * F)) + 0.5 * np.log(F / a) - eps
    state[idx_htt] = state[idx_hpp] = np.expm1(4.0 * eps)
    state[idx_hrr] = np.exp(4.0 * eps) * (a * dF / F) ** 2 - 1.0
    return rho, state, dr


def sign_changes(theta, negative_to_positive=True):
    t = theta[np.isfinite(theta)]
    if negative_to_positive:
        return int(np.sum((t[:-1] < 0.0) & (t[1:] >= 0.0)))
    return int(np.sum((t[:-1] >= 0.0) & (t[1:] < 0.0)))


# -------------------------------------------------------------------------------------------
def test_schwarzschild_isotropic():
    M = 1.0
    r, state, dr = schwarzschild_isotropic(804, 4.0, M)       # dr = 5.0e-3
    original = state.copy()
    ah = find_apparent_horizon(r, state, dr)
    assert isinstance(ah, ApparentHorizon) and ah.found
    assert abs(ah.r_AH / (0.5 * M) - 1.0) < TOL               # measured 3.1e-8
    assert abs(ah.R_AH / (2.0 * M) - 1.0) < TOL               # 1.1e-12 (minimal surface)
    assert abs(ah.M_AH / M - 1.0) < TOL
    i, j = ah.bracket
    assert j == i + 1 and r[i] < ah.r_AH <= r[j]
    np.testing.assert_array_equal(state, original)

    # the expansion agrees with 2 (1 - M/2r) / (r psi^3) away from the puncture, and changes
    # sign from negative to positive only once (near the puncture the differences of the
    # singular phi give a spurious positive value at the first cell, a +/- change ignored)
    theta = expansion(r, state, dr)
    psi = 1.0 + M / (2.0 * r)
    exact = 2.0 * (1.0 - M / (2.0 * r)) / (r * psi**3)
    far = r > 0.2 * M
    np.testing.assert_allclose(theta[far][:-3], exact[far][:-3], rtol=0, atol=1e-6)
    assert sign_changes(theta) == 1
    assert np.all(theta[(r > 0.02) & (r < 0.5 * M - dr)] < 0.0)

    # mass: the Misner-Sharp mass is M at every radius of the isotropic slice
    assert abs(adm_mass_estimate(r, state, dr) / M - 1.0) < TOL       # 7e-12
    for r_ex in (0.3, 0.5, 1.0, 3.0):
        assert abs(adm_mass_estimate(r, state, dr, r_extract=r_ex) / M - 1.0) < TOL


def test_inner_ghosts_are_parity_filled_by_the_finder():
    M = 1.0
    r, state, dr = schwarzschild_isotropic(404, 4.0, M)
    ref = find_apparent_horizon(r, state, dr)
    garbage = state.copy()
    garbage[:, :3] = np.array([7.0, -3.0, 11.0])
    ah = find_apparent_horizon(r, garbage, dr)
    assert ah == ref
    # a full 15-row state (hydro rows appended) is accepted
    big = np.vstack([state, np.ones((NUM_STATE_VARS - NUM_BSSN_VARS, r.size))])
    assert find_apparent_horizon(r, big, dr) == ref


def test_pointwise_matches_arrays():
    r, state, dr = schwarzschild_stretched(204, 3.0, 1.0)
    state[idx_K] = 0.1 / (1.0 + r * r)
    state[idx_att] = 0.05 / (1.0 + r**4)
    dphi, dhtt = np.empty_like(r), np.empty_like(r)
    first_derivative_x(state[idx_phi].copy(), dr, dphi)
    first_derivative_x(state[idx_htt].copy(), dr, dhtt)
    theta = expansion(r, state, dr)
    mass = misner_sharp_mass(r, state, dr)
    assert np.all(np.isnan(theta[:3])) and np.all(np.isnan(theta[-3:]))
    for i in (3, 10, 57, 150, r.size - 4):
        args = (r[i], state[idx_phi, i], dphi[i], state[idx_hrr, i], state[idx_htt, i],
                dhtt[i], state[idx_att, i], state[idx_K, i])
        assert expansion_pointwise(*args) == pytest.approx(theta[i], rel=1e-14, abs=1e-14)
        assert misner_sharp_mass_pointwise(*args) == pytest.approx(mass[i], rel=1e-13)


def test_trumpet_map_is_the_maximal_slice():
    """The closed-form r(R) solves d ln r / dR = 1 / (R sqrt(f)) (isotropic condition)."""
    M = 1.0
    sol = solve_ivp(lambda R, y: [1.0 / (R * np.sqrt(trumpet_f(R, M)))], (2.0, 50.0), [0.0],
                    method="DOP853", rtol=1e-12, atol=1e-14)
    expected = np.log(trumpet_isotropic_radius(50.0, M) / trumpet_isotropic_radius(2.0, M))
    assert sol.y[0, -1] == pytest.approx(expected, rel=1e-11)
    assert trumpet_isotropic_radius(1e4, M) / 1e4 == pytest.approx(1.0 - M / 1e4, rel=1e-8)
    assert trumpet_f(1.5 * M, M) == pytest.approx(0.0, abs=1e-15)   # double root: the throat


def test_maximal_trumpet():
    M = 1.0
    r, state, dr = maximal_trumpet(804, 4.0, M)
    r_h = trumpet_isotropic_radius(2.0 * M, M)                      # 0.779327 M
    ah = find_apparent_horizon(r, state, dr)
    assert ah.found
    assert abs(ah.r_AH / r_h - 1.0) < TOL                           # 2.8e-9
    assert abs(ah.R_AH / (2.0 * M) - 1.0) < TOL                     # 9.2e-10
    assert abs(ah.M_AH / M - 1.0) < TOL
    theta = expansion(r, state, dr)
    assert sign_changes(theta) == 1
    # trapped from the horizon down to the throat (the first cell, next to the singular
    # point r = 0 of the conformal factor, carries meaningless differences)
    assert np.all(theta[4:ah.bracket[0] + 1] < 0.0)
    # Misner-Sharp mass: M on the whole slice outside the horizon, despite K_ij != 0
    mass = misner_sharp_mass(r, state, dr)
    outside = (r > r_h) & np.isfinite(mass)
    np.testing.assert_allclose(mass[outside], M, rtol=TOL)
    assert abs(adm_mass_estimate(r, state, dr) / M - 1.0) < TOL     # 7e-12
    # whereas the conformal-factor estimate 2 r (psi - 1), exact on the isotropic slice only,
    # is off by 2.1e-3 at the same radius r = 3.98 M
    psi = np.exp(state[idx_phi, -6])
    assert abs(2.0 * r[-6] * (psi - 1.0) / M - 1.0) > 1e-3


def test_painleve_gullstrand_with_nonzero_K():
    M = 1.0
    r, state, dr = painleve_gullstrand(404, 6.0, M)
    ah = find_apparent_horizon(r, state, dr)
    assert ah.found
    assert abs(ah.r_AH / (2.0 * M) - 1.0) < 1e-10
    assert abs(ah.R_AH / (2.0 * M) - 1.0) < 1e-10
    assert abs(ah.M_AH / M - 1.0) < 1e-10
    mass = misner_sharp_mass(r, state, dr)
    np.testing.assert_allclose(mass[3:-3], M, rtol=1e-12)
    assert adm_mass_estimate(r, state, dr) == pytest.approx(M, rel=1e-12)


def test_stretched_coordinate_with_h_terms():
    M = 1.0
    rho, state, dr = schwarzschild_stretched(804, 4.0, M)
    assert np.max(np.abs(state[idx_hrr, 3:] - state[idx_htt, 3:])) > 0.5
    rho_h = brentq(lambda x: stretched_F(x)[0] - 0.5 * M, 0.1, 1.0, xtol=1e-15)
    ah = find_apparent_horizon(rho, state, dr)
    assert ah.found
    assert abs(ah.r_AH / rho_h - 1.0) < TOL
    assert abs(ah.R_AH / (2.0 * M) - 1.0) < TOL
    assert abs(adm_mass_estimate(rho, state, dr) / M - 1.0) < TOL
    assert abs(adm_mass_estimate(rho, state, dr, r_extract=1.7) / M - 1.0) < TOL


def test_outermost_marginally_trapped_surface_is_chosen():
    """Theta = 2 q(r)/r with q = (r-1)(r-2)(r-3): trapped in (0, 1) and (2, 3); the apparent
    horizon is the outermost -/+ sign change, r = 3 (flat metric, K = 3 (1 - q)/r)."""
    r, dr = cell_centred_grid(304, 5.0)
    state = empty_state(r.size)
    a = np.abs(r)
    state[idx_K] = 3.0 * (1.0 - (a - 1.0) * (a - 2.0) * (a - 3.0)) / a
    theta = expansion(r, state, dr)
    assert sign_changes(theta) == 2 and sign_changes(theta, negative_to_positive=False) == 1
    ah = find_apparent_horizon(r, state, dr)
    assert ah.found and ah.r_AH == pytest.approx(3.0, rel=1e-12)
    assert ah.R_AH == pytest.approx(3.0, rel=1e-12)


def test_flat_space_has_no_horizon():
    r, dr = cell_centred_grid(204, 10.0)
    state = empty_state(r.size)
    ah = find_apparent_horizon(r, state, dr)
    assert not ah.found and ah.bracket == (-1, -1)
    assert np.isnan(ah.r_AH) and np.isnan(ah.R_AH) and np.isnan(ah.M_AH)
    np.testing.assert_allclose(expansion(r, state, dr)[3:-3], 2.0 / r[3:-3], rtol=1e-14)
    assert abs(adm_mass_estimate(r, state, dr)) < 1e-12


def test_tov_star_no_horizon_and_adm_mass():
    """Standard star on the default grid (N = 2000, r_max = 100), state as the simulation
    builds it: initial data, then the outer ghosts by power-law extrapolation."""
    tov = solve_tov(100.0, 2.0, 1.28e-3)
    r, dr = cell_centred_grid(2000, 100.0)
    rho_floor = 1e-13
    p_floor = 100.0 * rho_floor**2
    state, _ = create_initial_data_iso(tov, r, rho_floor, p_floor, p_floor)
    power = np.concatenate([BSSN_ASYMP_POWER, np.zeros(3, dtype=np.int64)])
    offset = np.concatenate([BSSN_ASYMP_OFFSET, np.zeros(3)])
    fill_outer_boundary_rows(state, np.arange(NUM_STATE_VARS), power, offset, r, NUM_BSSN_VARS)

    ah = find_apparent_horizon(r, state, dr)
    assert not ah.found
    assert np.all(expansion(r, state, dr)[3:-3] > 0.0)

    m_adm = adm_mass_estimate(r, state, dr)            # at r[N-6] = 99.80
    assert abs(m_adm / tov.M_star - 1.0) < 1e-9        # measured 1.4e-11
    assert abs(m_adm - 1.400160) < 1e-6                # the quoted (rounded) M
    # closer in, the truncation error ~ 2 r^2 dr^4 |phi^(5)| / 30 ~ 6 (dr/r)^4 M shows
    for r_ex in (12.0, 30.0, 60.0):
        assert abs(adm_mass_estimate(r, state, dr, r_extract=r_ex) / tov.M_star - 1.0) < 1e-8
    # inside the star the Misner-Sharp mass is the enclosed TOV mass m(r)
    mass = misner_sharp_mass(r, state, dr)
    inside = (r > 0.0) & (r < tov.R_iso - 0.5)
    np.testing.assert_allclose(mass[inside], tov.evaluate(r[inside])["m"], rtol=0, atol=1e-5)


def test_radius_converges_at_fourth_order():
    M = 2.0
    errors, steps = [], []
    for n in (104, 204, 404):                           # dr = 0.080, 0.040, 0.020
        r, state, dr = schwarzschild_isotropic(n, 8.0, M)
        ah = find_apparent_horizon(r, state, dr)
        assert ah.found
        errors.append(abs(ah.r_AH - 0.5 * M))
        steps.append(dr)
    orders = np.log(np.array(errors[:-1]) / errors[1:]) / np.log(np.array(steps[:-1]) / steps[1:])
    assert np.all((orders > 3.8) & (orders < 4.2)), orders      # measured 4.01, 4.01
    assert errors[-1] / (0.5 * M) < TOL                          # 4.9e-7


@pytest.mark.parametrize("make_args, match", [
    (lambda r, s, dr: (r[None, :], s, dr), "one-dimensional"),
    (lambda r, s, dr: (r, s[0], dr), "shape"),
    (lambda r, s, dr: (r, s[:11], dr), "shape"),
    (lambda r, s, dr: (r, s[:, :-1], dr), "shape"),
    (lambda r, s, dr: (r[:8], s[:, :8], dr), "at least"),
    (lambda r, s, dr: (r, s, -dr), "dr"),
    (lambda r, s, dr: (r, s, 2.0 * dr), "uniform"),
    (lambda r, s, dr: (r**2, s, dr), "uniform"),
])
def test_bad_input_raises(make_args, match):
    r, state, dr = schwarzschild_isotropic(54, 4.0, 1.0)
    args = make_args(r, state, dr)
    for func in (find_apparent_horizon, expansion, misner_sharp_mass, adm_mass_estimate):
        with pytest.raises(ValueError, match=match):
            func(*args)


def test_bad_extraction_radius_raises():
    r, state, dr = schwarzschild_isotropic(54, 4.0, 1.0)
    for r_ex in (0.0, r[-5], np.nan):
        with pytest.raises(ValueError, match="r_extract"):
            adm_mass_estimate(r, state, dr, r_extract=r_ex)
