"""Tests of the piecewise-polytrope EOS (source/matter/eos/piecewise_polytrope.py).

Read, Lackey, Owen & Friedman (2009), PRD 79, 124032: continuity of P, eps and h at the
dividing densities, the first law of a cold fluid, the sound speed, the analytic inverse of the
log-enthalpy; the hybrid (thermal Gamma_th) part: round trips and dP/drho along adiabats.
"""

import math

import numpy as np
import pytest
from helpers import eps_along_adiabat
from numba import njit

from source.matter.eos.eos import (
    BarotropicEOS,
    HybridEOS,
    IdealGasEOS,
    eos_clamped_eps_and_a,
    eos_clamped_eps_and_a_near,
    eos_cold_reference,
    eos_density_of_variable,
    eos_density_variable,
    eos_eps_from_rho_p,
    eos_pressure,
    eos_sound_speed_squared,
)
from source.matter.eos.eos_catalogue import eos_from_catalogue, list_eos, sly_crust
from source.matter.eos.piecewise_polytrope import (
    COLD_INVERSE_MIN_G,
    COLD_SHIFT_MAX_X,
    PiecewisePolytrope,
    pwp_cold_shifted,
    pwp_cold_state,
    pwp_cold_state_of_pressure,
    pwp_density_of_pressure,
    pwp_enthalpy,
    pwp_log_enthalpy,
    pwp_piece_of_density,
    pwp_pressure,
    pwp_rest_mass_density_of_log_enthalpy,
    pwp_sound_speed_squared,
    pwp_specific_internal_energy,
    pwp_state_of_log_enthalpy,
)


def hot_eos(cold):
    """The hybrid EOS on the cold curve ``cold`` with its own ``gamma_th``."""
    return HybridEOS(cold, cold.gamma_th)


def toy_eos(gamma_th=None):
    """Five pieces in code units, with a soft (Gamma < 1) and an isothermal (Gamma = 1) piece."""
    return PiecewisePolytrope(50.0, (1.6, 0.7, 1.0, 2.5, 3.2), (1e-8, 1e-6, 1e-5, 8e-4),
                              gamma_th=gamma_th, name="toy")


EOS_CASES = {"toy": toy_eos, "SLy": lambda: eos_from_catalogue("SLy"),
             "APR4": lambda: eos_from_catalogue("APR4"), "crust": sly_crust,
             "polytrope": lambda: PiecewisePolytrope.polytrope(100.0, 2.0)}


@pytest.fixture(scope="module", params=list(EOS_CASES))
def eos(request):
    return EOS_CASES[request.param]()


def densities_inside_pieces(eos, per_piece=7):
    """Densities strictly inside every piece (log-spaced), away from the dividing densities."""
    samples = []
    edges = [eos.rho_start[1] * 1e-6 if eos.n_pieces > 1 else 1e-8, *eos.rho_start[1:]]
    edges.append(edges[-1] * 30.0 if eos.n_pieces > 1 else 1e-2)
    for lo, hi in zip(edges[:-1], edges[1:], strict=True):
        samples.append(np.geomspace(lo, hi, per_piece + 2)[1:-1])
    return np.concatenate(samples)


# ---------------------------------------------------------------------------------------------
# Construction
# ---------------------------------------------------------------------------------------------
def test_constants_follow_from_continuity():
    eos = toy_eos()
    assert eos.n_pieces == 5
    assert eos.rho_start == (0.0, 1e-8, 1e-6, 1e-5, 8e-4)
    assert eos.K[0] == 50.0
    for i in range(1, eos.n_pieces):
        rho_i = eos.rho_start[i]
        assert eos.K[i] == pytest.approx(eos.K[i - 1] * rho_i ** (eos.Gamma[i - 1]
                                                                  - eos.Gamma[i]), rel=1e-14)
    assert eos.a[0] == 0.0
    assert eos.log_enthalpy_breaks == eos.eta_start[1:]
    assert len(eos.pieces) == 6 and all(len(row) == 5 for row in eos.pieces)
    assert all(isinstance(value, float) for row in eos.pieces for value in row)


def test_read_form_of_eps_with_integration_constants(eos):
    """eps = a_i + K_i rho^(Gamma_i - 1) / (Gamma_i - 1) on every piece (Read et al. 2009)."""
    rho = densities_inside_pieces(eos)
    piece = eos.piece_index(rho)
    K = np.array(eos.K)[piece]
    gamma = np.array(eos.Gamma)[piece]
    a = np.array(eos.a)[piece]
    g = gamma - 1.0
    with np.errstate(divide="ignore", invalid="ignore"):
        read = np.where(g != 0.0, a + K * rho**g / np.where(g != 0.0, g, 1.0),
                        a + K * np.log(rho))
    eps = eos.specific_internal_energy(rho)
    # The Read form cancels digits where a_i ~ -K rho^g / g (Gamma < 1): compare to the scale.
    scale = np.abs(a) + np.abs(eps)
    np.testing.assert_array_less(np.abs(read - eps), 1e-12 * scale + 1e-300)
    np.testing.assert_allclose(eos.pressure(rho), K * rho**gamma, rtol=1e-14)


@pytest.mark.parametrize("kwargs, match", [
    ({"K0": 1.0, "gammas": (2.0, 3.0), "rho_dividing": (1e-3, 2e-3)}, "dividing densities"),
    ({"K0": 1.0, "gammas": (2.0, 3.0, 2.5), "rho_dividing": (1e-3, 1e-3)}, "increase"),
    ({"K0": 1.0, "gammas": (2.0, 3.0, 2.5), "rho_dividing": (2e-3, 1e-3)}, "increase"),
    ({"K0": 1.0, "gammas": (2.0, 3.0), "rho_dividing": (-1e-3,)}, "> 0"),
    ({"K0": 1.0, "gammas": (1.0, 3.0), "rho_dividing": (1e-3,)}, "lowest piece"),
    ({"K0": 1.0, "gammas": (0.9,), "rho_dividing": ()}, "lowest piece"),
    ({"K0": 1.0, "gammas": (2.0, 0.0), "rho_dividing": (1e-3,)}, "piece 1"),
    ({"K0": 1.0, "gammas": (2.0, -1.0), "rho_dividing": (1e-3,)}, "piece 1"),
    ({"K0": 0.0, "gammas": (2.0,), "rho_dividing": ()}, "K0"),
    ({"K0": -3.0, "gammas": (2.0,), "rho_dividing": ()}, "K0"),
    ({"K0": math.nan, "gammas": (2.0,), "rho_dividing": ()}, "K0"),
    ({"K0": 1.0, "gammas": (2.0, math.inf), "rho_dividing": (1e-3,)}, "Gamma"),
    ({"K0": 1.0, "gammas": (2.0, 3.0), "rho_dividing": (math.nan,)}, "rho_dividing"),
    ({"K0": 1.0, "gammas": (), "rho_dividing": ()}, "at least one piece"),
    ({"K0": 1.0, "gammas": (2.0,), "rho_dividing": (), "gamma_th": 1.0}, "gamma_th"),
    ({"K0": 1.0, "gammas": (2.0,), "rho_dividing": (), "rho_max": 0.0}, "rho_max"),
])
def test_bad_pieces_are_refused(kwargs, match):
    with pytest.raises(ValueError, match=match):
        PiecewisePolytrope(**kwargs)


def test_thermal_functions_need_gamma_th():
    with pytest.raises(ValueError, match="gamma_th"):
        HybridEOS(toy_eos(), toy_eos().gamma_th)


# ---------------------------------------------------------------------------------------------
# Continuity at the dividing densities
# ---------------------------------------------------------------------------------------------
def test_continuity_at_dividing_densities(eos):
    for i in range(1, eos.n_pieces):
        rho_i = eos.rho_start[i]
        below = np.nextafter(rho_i, 0.0)
        assert eos.piece_index(below) == i - 1
        assert eos.piece_index(rho_i) == i
        for function in (eos.pressure, eos.specific_internal_energy, eos.enthalpy,
                         eos.log_enthalpy, eos.energy_density):
            assert function(below) == pytest.approx(function(rho_i), rel=1e-13, abs=1e-300)
        assert eos.specific_internal_energy(rho_i) == eos.eps_start[i]
        assert eos.log_enthalpy(rho_i) == pytest.approx(eos.eta_start[i], rel=1e-15)
        # c_s^2 = Gamma P / (rho h): its pieces meet with the ratio of the exponents.
        ratio = eos.sound_speed_squared(rho_i) / eos.sound_speed_squared(below)
        assert ratio == pytest.approx(eos.Gamma[i] / eos.Gamma[i - 1], rel=1e-13)
        assert eos.adiabatic_index(below) == eos.Gamma[i - 1]
        assert eos.adiabatic_index(rho_i) == eos.Gamma[i]


# ---------------------------------------------------------------------------------------------
# Thermodynamic consistency of the cold curve
# ---------------------------------------------------------------------------------------------
def test_enthalpy_identity(eos):
    rho = np.concatenate((densities_inside_pieces(eos), np.asarray(eos.rho_start[1:])))
    eps, P = eos.specific_internal_energy(rho), eos.pressure(rho)
    np.testing.assert_allclose(eos.enthalpy(rho), 1.0 + eps + P / rho, rtol=1e-15)
    np.testing.assert_allclose(eos.enthalpy_minus_one(rho), eps + P / rho, rtol=1e-14)
    np.testing.assert_allclose(eos.log_enthalpy(rho), np.log1p(eps + P / rho), rtol=1e-14)
    np.testing.assert_allclose(eos.energy_density(rho), rho * (1.0 + eps), rtol=1e-15)


def test_first_law_and_sound_speed(eos):
    """d eps / d rho = P / rho^2 and c_s^2 = dP/de = (dP/drho) / h (cold: de = h drho)."""
    rho = densities_inside_pieces(eos)
    step = 1e-5 * rho
    up, down = rho + step, rho - step
    deps = (eos.specific_internal_energy(up) - eos.specific_internal_energy(down)) / (2 * step)
    np.testing.assert_allclose(deps, eos.pressure(rho) / rho**2, rtol=2e-9)
    dP = (eos.pressure(up) - eos.pressure(down)) / (2 * step)
    de = (eos.energy_density(up) - eos.energy_density(down)) / (2 * step)
    np.testing.assert_allclose(de, eos.enthalpy(rho), rtol=1e-9)
    np.testing.assert_allclose(dP / de, eos.sound_speed_squared(rho), rtol=2e-9)
    np.testing.assert_allclose(eos.sound_speed_squared(rho),
                               eos.adiabatic_index(rho) * eos.pressure(rho)
                               / (rho * eos.enthalpy(rho)), rtol=1e-14)


def test_log_enthalpy_inverse_round_trip(eos):
    rho = np.concatenate((np.geomspace(1e-22, 1e-1, 3001), np.asarray(eos.rho_start[1:])))
    if eos.n_pieces == 4:  # the crust alone is valid up to its last piece only
        rho = rho[rho < 1e-2]
    eta = eos.log_enthalpy(rho)
    assert np.all(np.diff(eta[np.argsort(rho)]) >= 0.0)
    np.testing.assert_allclose(eos.rest_mass_density_of_log_enthalpy(eta), rho, rtol=4e-14)
    h = eos.enthalpy(rho)
    dense = h > 1.0 + 1e-6  # h itself carries only 1e-16 / (h - 1) of rho
    np.testing.assert_allclose(eos.rest_mass_density_of_enthalpy(h[dense]), rho[dense],
                               rtol=1e-9)
    assert eos.rest_mass_density_of_log_enthalpy(0.0) == 0.0
    assert eos.rest_mass_density_of_log_enthalpy(-1.0) == 0.0
    assert eos.rest_mass_density_of_enthalpy(1.0) == 0.0
    for i in range(1, eos.n_pieces):  # the inverse picks the upper piece at a break
        assert eos.rest_mass_density_of_log_enthalpy(eos.eta_start[i]) == pytest.approx(
            eos.rho_start[i], rel=1e-15)


def test_one_piece_is_the_polytrope():
    K, Gamma = 100.0, 2.0
    eos = PiecewisePolytrope.polytrope(K, Gamma)
    rho = np.geomspace(1e-10, 1e-2, 50)
    np.testing.assert_allclose(eos.pressure(rho), K * rho**Gamma, rtol=1e-15)
    np.testing.assert_allclose(eos.specific_internal_energy(rho), K * rho, rtol=1e-15)
    np.testing.assert_allclose(eos.enthalpy(rho), 1.0 + 2.0 * K * rho, rtol=1e-15)
    np.testing.assert_allclose(eos.sound_speed_squared(rho),
                               2.0 * K * rho / (1.0 + 2.0 * K * rho), rtol=1e-15)
    eta = np.linspace(1e-6, 0.5, 20)
    np.testing.assert_allclose(eos.rest_mass_density_of_log_enthalpy(eta),
                               np.expm1(eta) / (2.0 * K), rtol=1e-15)
    assert math.isinf(eos.rho_causal)  # c_s^2 -> Gamma - 1 = 1 from below


def test_zero_and_negative_density():
    eos = eos_from_catalogue("SLy")
    for function in (eos.pressure, eos.specific_internal_energy, eos.log_enthalpy,
                     eos.sound_speed_squared, eos.enthalpy_minus_one):
        assert function(0.0) == 0.0
        assert function(-1e-5) == 0.0
    assert eos.enthalpy(0.0) == 1.0


def test_vectorised_shapes():
    eos = eos_from_catalogue("SLy")
    assert np.ndim(eos.pressure(1e-3)) == 0
    assert isinstance(eos.pressure(1e-3), float)
    grid = np.geomspace(1e-8, 2e-3, 12).reshape(3, 4)
    for function in (eos.pressure, eos.specific_internal_energy, eos.enthalpy,
                     eos.sound_speed_squared, eos.log_enthalpy, eos.energy_density):
        values = function(grid)
        assert values.shape == (3, 4)
        assert values[1, 2] == function(float(grid[1, 2]))
    assert eos.piece_index(grid).dtype == np.int64
    assert eos.pressure(grid[0]).flags.c_contiguous


# ---------------------------------------------------------------------------------------------
# Validity range
# ---------------------------------------------------------------------------------------------
def test_causal_limit_of_a_stiff_polytrope():
    """Gamma = 3: c_s^2 = 3 K rho^2 / (1 + 1.5 K rho^2) = 1 at K rho^2 = 2/3."""
    eos = PiecewisePolytrope.polytrope(30.0, 3.0)
    assert eos.rho_causal == pytest.approx(math.sqrt(2.0 / (3.0 * 30.0)), rel=1e-13)
    assert eos.rho_max == eos.rho_causal
    assert eos.valid_range() == (0.0, eos.rho_causal)
    assert eos.eta_max == pytest.approx(float(eos.log_enthalpy(eos.rho_causal)), rel=1e-15)
    np.testing.assert_array_equal(eos.in_range([-1.0, 0.0, 0.1, 0.2]),
                                  [False, True, True, False])


@pytest.mark.parametrize("name", list_eos())
def test_causal_limit_of_the_catalogue(name):
    eos = eos_from_catalogue(name)
    rho = np.geomspace(1e-20, min(eos.rho_causal, 1.0), 4001)[:-1]
    assert np.all(eos.sound_speed_squared(rho) < 1.0)
    if math.isfinite(eos.rho_causal):
        assert eos.sound_speed_squared(eos.rho_causal) >= 1.0
        assert eos.sound_speed_squared(eos.rho_causal * (1.0 - 1e-12)) < 1.0


def test_user_validity_range():
    eos = PiecewisePolytrope(50.0, (1.6, 2.5), (1e-6,), rho_max=3e-3)
    assert eos.rho_max == 3e-3
    assert eos.in_range(2e-3) and not eos.in_range(4e-3)


# ---------------------------------------------------------------------------------------------
# Hybrid (thermal) EOS
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("gamma_th", [1.5, 1.75, 2.0])
def test_hybrid_round_trips(gamma_th):
    eos = eos_from_catalogue("SLy", gamma_th=gamma_th)
    rho = np.geomspace(1e-12, 3e-3, 40)[:, None]
    eps = eos.specific_internal_energy(rho) + np.array([0.0, 1e-6, 1e-3, 0.1, 1.0])
    P = hot_eos(eos).pressure_from_rho_eps(rho, eps)
    assert P.shape == eps.shape
    np.testing.assert_allclose(hot_eos(eos).eps_from_rho_p(rho, P), eps, rtol=1e-12)
    hot = hot_eos(eos)
    np.testing.assert_allclose(hot.pressure_from_rho_eps(rho, hot.eps_from_rho_p(rho, P)),
                               P, rtol=1e-12)
    # Cold limit: the cold curve and its sound speed.
    np.testing.assert_allclose(P[:, 0], eos.pressure(rho[:, 0]), rtol=1e-15)
    np.testing.assert_allclose(hot_eos(eos).sound_speed_squared(rho[:, 0], None, eps[:, 0]),
                               eos.sound_speed_squared(rho[:, 0]), rtol=1e-13)
    # The thermal part is an ideal gas.
    np.testing.assert_allclose(P - P[:, :1], (gamma_th - 1.0) * rho * (eps - eps[:, :1]),
                               rtol=1e-10, atol=1e-300)


def _adiabat_step(eos, rho, eps, rho_to, substeps=64):
    """eps at ``rho_to`` on the adiabat of the hybrid EOS through ``(rho, eps)``."""
    return eps_along_adiabat(hot_eos(eos).pressure_from_rho_eps, rho, eps, rho_to, substeps)


@pytest.mark.parametrize("rho, eps_th", [(1e-9, 1e-3), (5e-6, 0.02), (4e-4, 0.05),
                                         (1.2e-3, 0.3), (2.5e-3, 0.01)])
def test_hybrid_sound_speed_is_dP_drho_along_adiabats(rho, eps_th):
    """c_s^2 h = dP/drho at constant entropy, i.e. along d eps = (P / rho^2) d rho."""
    eos = eos_from_catalogue("SLy", gamma_th=1.75)
    eps = float(eos.specific_internal_energy(rho)) + eps_th
    delta = 1e-5 * rho
    eps_up = _adiabat_step(eos, rho, eps, rho + delta)
    eps_down = _adiabat_step(eos, rho, eps, rho - delta)
    dP = (float(hot_eos(eos).pressure_from_rho_eps(rho + delta, eps_up))
          - float(hot_eos(eos).pressure_from_rho_eps(rho - delta, eps_down))) / (2.0 * delta)
    P = float(hot_eos(eos).pressure_from_rho_eps(rho, eps))
    h = 1.0 + eps + P / rho
    cs2 = float(hot_eos(eos).sound_speed_squared(rho, None, eps))
    assert dP / h == pytest.approx(cs2, rel=1e-8)
    # The same from the partial derivatives: dP/drho|eps + (P / rho^2) dP/deps|rho.
    d_eps = 1e-6 * eps
    dP_drho = (float(hot_eos(eos).pressure_from_rho_eps(rho + delta, eps))
               - float(hot_eos(eos).pressure_from_rho_eps(rho - delta, eps))) / (2.0 * delta)
    dP_deps = (float(hot_eos(eos).pressure_from_rho_eps(rho, eps + d_eps))
               - float(hot_eos(eos).pressure_from_rho_eps(rho, eps - d_eps))) / (2.0 * d_eps)
    assert (dP_drho + P / rho**2 * dP_deps) / h == pytest.approx(cs2, rel=1e-8)
    assert 0.0 < cs2 < 1.0


def test_with_thermal_keeps_the_cold_curve():
    cold = eos_from_catalogue("APR4")
    hot = cold.with_thermal(1.8)
    assert hot.gamma_th == 1.8 and cold.gamma_th is None
    assert hot.pieces == cold.pieces
    assert hot.rho_max == cold.rho_max


# ---------------------------------------------------------------------------------------------
# The point functions inside compiled code
# ---------------------------------------------------------------------------------------------
@njit(cache=False)
def _kernel(rho, eps, pieces, hybrid):
    """A compiled caller: the pieces travel as a flat tuple by value, the hybrid EOS as its
    kernel parameters."""
    P_cold = pwp_pressure(rho, pieces)
    eta = pwp_log_enthalpy(rho, pieces)
    rho_back = pwp_rest_mass_density_of_log_enthalpy(eta, pieces)
    P_hot = eos_pressure(hybrid, rho, eps)
    eps_back = eos_eps_from_rho_p(hybrid, rho, P_hot)
    h_hot = 1.0 + eps + P_hot / rho
    return (P_cold, pwp_specific_internal_energy(rho, pieces), pwp_enthalpy(rho, pieces),
            pwp_sound_speed_squared(rho, pieces), rho_back, P_hot, eps_back,
            eos_sound_speed_squared(hybrid, rho, eps, P_hot, h_hot))


def test_point_functions_in_a_compiled_caller():
    eos = eos_from_catalogue("SLy", gamma_th=1.75)
    rho, eps = 1.1e-3, 0.2
    values = _kernel(rho, eps, eos.flat_pieces, HybridEOS(eos, eos.gamma_th).params)
    assert values[0] == eos.pressure(rho)
    assert values[1] == eos.specific_internal_energy(rho)
    assert values[2] == eos.enthalpy(rho)
    assert values[3] == eos.sound_speed_squared(rho)
    assert values[4] == pytest.approx(rho, rel=1e-15)
    assert values[5] == hot_eos(eos).pressure_from_rho_eps(rho, eps)
    assert values[6] == pytest.approx(eps, rel=1e-15)
    assert values[7] == hot_eos(eos).sound_speed_squared(rho, None, eps)
    rho0, P, e = pwp_state_of_log_enthalpy(0.1, eos.flat_pieces)
    assert rho0 == eos.rest_mass_density_of_log_enthalpy(0.1)
    assert P == eos.pressure(rho0)
    assert e == pytest.approx(eos.energy_density(rho0), rel=1e-15)
    assert pwp_state_of_log_enthalpy(0.0, eos.flat_pieces) == (0.0, 0.0, 0.0)


def test_is_a_cold_eos_of_the_tov_and_mode_solvers():
    """The piecewise polytrope has every method of the cold-EOS protocol (source.matter.eos.cold)
    that the TOV and radial-mode solvers call, with the same values as its own functions."""
    from source.matter.eos.cold import check_cold_eos

    eos = eos_from_catalogue("SLy")
    assert check_cold_eos(eos) is eos
    rho = np.geomspace(1e-8, 2e-3, 7)
    np.testing.assert_array_equal(eos.adiabatic_index(rho), eos.gamma1(rho))
    np.testing.assert_allclose(eos.rest_mass_density_of_log_enthalpy(eos.log_enthalpy(rho)),
                               rho, rtol=1e-14)


def test_describe_lists_the_pieces():
    text = eos_from_catalogue("SLy").describe()
    assert "SLy" in text and len(text.splitlines()) == 2 + 7


def test_cold_shifted_series_matches_the_power_law(eos):
    """``pwp_cold_shifted`` (the transcendental-free cold curve of the Kastaun iteration) at
    rho = rho_ref sqrt(1 - x) against the power law ``K_i rho^Gamma_i`` and the integral of
    the first law (``pwp_cold_state``), on every piece, including Gamma < 1 and = 1."""
    pieces = eos.flat_pieces
    for rho_ref in densities_inside_pieces(eos):
        p_ref, eps_ref, gamma = pwp_cold_state(rho_ref, pieces)
        for x in (0.0, 1e-9, 1e-6, 3e-4, COLD_SHIFT_MAX_X):
            rho = rho_ref * math.sqrt(1.0 - x)
            if eos.piece_index(rho) != eos.piece_index(rho_ref):
                continue
            p_over_rho, eps = pwp_cold_shifted(p_ref / rho_ref, eps_ref, gamma - 1.0, x)
            i = eos.piece_index(rho)
            assert p_over_rho == pytest.approx(eos.K[i] * rho ** (gamma - 1.0), rel=4e-15)
            assert eps == pytest.approx(pwp_cold_state(rho, pieces)[1], rel=4e-15)


def _eight_term_series(p_over_rho_ref, eps_ref, g, x):
    """``pwp_cold_shifted`` as it was written before its early stop: all eight terms."""
    a = 0.5 * g
    u = -0.5 * x
    e = u
    for k in range(2, 9):
        u *= (a - k + 1.0) * (-x) / k
        e += u
    return p_over_rho_ref * (1.0 + g * e), eps_ref + p_over_rho_ref * e


def test_cold_shifted_series_stops_early_without_changing_a_bit():
    """The series of ``pwp_cold_shifted`` stops once a term is below 1e-17 of the sum: the
    later terms are below half an ulp, so the result is the full eight-term sum bit for bit
    (compiled vs plain Python, for exponents of every sign and v^2 from 0 to the limit)."""
    for g in (-0.6, -0.377, 0.0, 0.28, 0.58, 1.0, 2.0, 4.0):
        for x in (0.0, 1e-12, 3e-9, 1e-6, 2e-5, 1e-4, 5e-4, COLD_SHIFT_MAX_X):
            assert pwp_cold_shifted(0.37, 0.21, g, x) == _eight_term_series(0.37, 0.21, g, x)


def test_cold_state_of_pressure(eos):
    """``pwp_cold_state_of_pressure`` (the inverse of the cold pressure with the cold state
    there, the hybrid face state) equals the inverse ``pwp_density_of_pressure`` bit for bit
    and the forward ``pwp_cold_state`` at that density to round-off, on every piece
    (Gamma < 1, = 1 and the expm1 branch of nearly isothermal pieces included) and at the
    dividing densities; zeros for P <= 0."""
    pieces = eos.flat_pieces
    rho = np.concatenate((densities_inside_pieces(eos), np.asarray(eos.rho_start[1:])))
    for r in rho:
        press = pwp_pressure(r, pieces)
        rho_inv, p_cold, eps_cold, gamma = pwp_cold_state_of_pressure(press, pieces)
        assert rho_inv == pwp_density_of_pressure(press, pieces)
        assert rho_inv == pytest.approx(r, rel=4e-15)
        p_fwd, eps_fwd, gamma_fwd = pwp_cold_state(rho_inv, pieces)
        assert p_cold == press == pytest.approx(p_fwd, rel=4e-15)
        assert eps_cold == pytest.approx(eps_fwd, rel=4e-15)
        if r in eos.rho_start:      # the inverse may land on either side (round-off)
            i = eos.rho_start.index(r)
            assert gamma in eos.Gamma[i - 1:i + 1]
        else:
            assert gamma == gamma_fwd
    for press in (0.0, -1.0):
        assert pwp_cold_state_of_pressure(press, pieces)[:3] == (0.0, 0.0, 0.0)


def test_cold_state_of_pressure_on_a_nearly_isothermal_piece():
    """|Gamma - 1| < COLD_INVERSE_MIN_G takes eps from expm1 (the difference form would lose
    digits as 1 / |g|): still round-off against the forward cold state."""
    for gamma in (1.0 - 0.5 * COLD_INVERSE_MIN_G, 1.0 + 1e-3, 1.0 + 0.5 * COLD_INVERSE_MIN_G):
        eos = PiecewisePolytrope(50.0, (1.6, gamma, 2.5), (1e-8, 1e-5))
        pieces = eos.flat_pieces
        for r in np.geomspace(1.01e-8, 0.99e-5, 9):
            p_cold, eps_cold = pwp_cold_state_of_pressure(pwp_pressure(r, pieces), pieces)[1:3]
            assert eps_cold == pytest.approx(pwp_cold_state(r, pieces)[1], rel=4e-15)


def test_piece_lookup_at_and_around_the_dividing_densities(eos):
    pieces = eos.flat_pieces
    for i, start in enumerate(eos.rho_start):
        if i == 0:
            continue
        assert pwp_piece_of_density(start, pieces) == i
        assert pwp_piece_of_density(np.nextafter(start, 0.0), pieces) == i - 1
    assert pwp_piece_of_density(math.inf, pieces) == eos.n_pieces - 1
    assert pwp_piece_of_density(math.nan, pieces) == 0


def test_density_of_pressure_inverts_the_cold_pressure(eos):
    """``pwp_density_of_pressure`` against ``pwp_pressure`` inside every piece and at the
    dividing densities (where the piece index steps); 0 for ``P <= 0``."""
    pieces = eos.flat_pieces
    rho = np.concatenate((densities_inside_pieces(eos), np.asarray(eos.rho_start[1:])))
    for r in rho:
        assert pwp_density_of_pressure(pwp_pressure(r, pieces), pieces) == \
            pytest.approx(r, rel=4e-15)
    assert pwp_density_of_pressure(0.0, pieces) == 0.0
    assert pwp_density_of_pressure(-1.0, pieces) == 0.0


@pytest.mark.parametrize("kind", ["ideal", "barotropic", "hybrid"])
def test_face_density_variable(kind):
    """The face density is reconstructed through the cold pressure for the hybrid EOS only:
    the ideal gas and the barotropic EOS keep rho itself (bit for bit)."""
    cold = eos_from_catalogue("SLy")
    params = {"ideal": IdealGasEOS(2.0), "barotropic": BarotropicEOS(cold),
              "hybrid": HybridEOS(cold, 1.8)}[kind].params
    for r in densities_inside_pieces(cold):
        value = eos_density_variable(params, r)
        if kind == "hybrid":
            assert value == float(cold.pressure(r))
            assert eos_density_of_variable(params, value) == pytest.approx(r, rel=4e-15)
        else:
            assert value == r == eos_density_of_variable(params, r)


def test_kastaun_eos_step_from_the_reference_state(eos):
    """``eos_clamped_eps_and_a_near`` (the cold curve at rho = rho_ref sqrt(1 - x) from the
    state at rho_ref) against the exact EOS step ``eos_clamped_eps_and_a``, on the series
    path (x <= COLD_SHIFT_MAX_X, both on one piece) and off it; the reference is unusable
    across a dividing density and above rho_max."""
    params = HybridEOS(eos, 1.8).params
    used = 0
    for rho_ref in densities_inside_pieces(eos):
        reference = eos_cold_reference(params, rho_ref)
        for x in (0.0, 1e-7, 5e-4, COLD_SHIFT_MAX_X, 4e-3):
            rho = rho_ref * math.sqrt(1.0 - x)
            eps_cold = float(eos.specific_internal_energy(rho))
            for eps in (0.5 * eps_cold, eps_cold * (1.0 + 1e-3), eps_cold + 0.05):
                near = eos_clamped_eps_and_a_near(params, rho, eps, reference, x)
                exact = eos_clamped_eps_and_a(params, rho, eps)
                assert near == pytest.approx(exact, rel=1e-14)
            used += reference[0] and x <= COLD_SHIFT_MAX_X
    assert used > 0
    if math.isfinite(params.rho_max):
        assert not eos_cold_reference(params, 1.01 * params.rho_max)[0]
    for start in eos.rho_start[1:]:
        assert not eos_cold_reference(params, start * (1.0 + 0.1 * COLD_SHIFT_MAX_X))[0]
