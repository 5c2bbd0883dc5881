"""The cold-EOS protocol of source/matter/eos/cold.py: the polytrope against its closed forms
and the first law, the callables EOS's Newton inverse, the protocol check, the hybrid
``eps(rho, P)`` of initial data, and every cold curve of the package through the TOV and
radial-mode solvers."""

import numpy as np
import pytest
from scipy.integrate import quad

from source.initialdata.radial_modes import solve_background
from source.initialdata.tov import TOVSolverIso
from source.matter.eos.cold import (
    COLD_EOS_METHODS,
    ColdEOS,
    ColdEOSFromFunctions,
    Polytrope,
    check_cold_eos,
    hybrid_specific_internal_energy,
)
from source.matter.eos.eos import HybridEOS
from source.matter.eos.eos_catalogue import eos_from_catalogue
from source.matter.eos.piecewise_polytrope import PiecewisePolytrope

K_REF, GAMMA_REF, RHO_C_STANDARD = 100.0, 2.0, 1.28e-3
RHO = np.geomspace(1.0e-10, 3.0e-3, 41)


def callables_polytrope(K, Gamma, inverse=False):
    """The polytrope as user callables (no explicit inverse unless asked)."""
    def pressure(rho):
        return K * np.asarray(rho) ** Gamma

    def eps(rho):
        return K * np.asarray(rho) ** (Gamma - 1.0) / (Gamma - 1.0)

    def index(rho):
        return np.full(np.shape(rho), Gamma)

    return ColdEOSFromFunctions(pressure, eps, index,
                                Polytrope(K, Gamma).rest_mass_density_of_log_enthalpy
                                if inverse else None)


# ---------------------------------------------------------------------------------------------
# Polytrope
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("K, Gamma", [(100.0, 2.0), (0.4, 4.0 / 3.0), (30.0, 2.75)])
def test_polytrope_closed_forms(K, Gamma):
    eos = Polytrope(K, Gamma)
    P = K * RHO**Gamma
    eps = P / ((Gamma - 1.0) * RHO)
    h = 1.0 + eps + P / RHO
    np.testing.assert_allclose(eos.pressure(RHO), P, rtol=1e-15)
    np.testing.assert_allclose(eos.specific_internal_energy(RHO), eps, rtol=4e-15)
    np.testing.assert_allclose(eos.energy_density(RHO), RHO * (1.0 + eps), rtol=1e-15)
    np.testing.assert_allclose(eos.log_enthalpy(RHO), np.log1p(eps + P / RHO), rtol=1e-14)
    np.testing.assert_array_equal(eos.adiabatic_index(RHO), Gamma)
    # c_s^2 = dP/de at constant entropy = Gamma P / (rho h).
    np.testing.assert_allclose(eos.sound_speed_squared(RHO), Gamma * P / (RHO * h), rtol=1e-14)
    # The inverse of the log-enthalpy to round-off, and 0 outside the star.
    np.testing.assert_allclose(eos.rest_mass_density_of_log_enthalpy(eos.log_enthalpy(RHO)),
                               RHO, rtol=2e-14 / (Gamma - 1.0))
    assert eos.rest_mass_density_of_log_enthalpy(0.0) == 0.0
    assert eos.rest_mass_density_of_log_enthalpy(-0.5) == 0.0
    rho, p, e = eos.state_of_log_enthalpy(0.1)
    assert (rho, p, e) == (eos.rest_mass_density_of_log_enthalpy(0.1), eos.pressure(rho),
                           eos.energy_density(rho))


@pytest.mark.parametrize("Gamma", [4.0 / 3.0, 2.0, 3.0])
def test_polytrope_first_law(Gamma):
    """``d e = h d rho``: e(rho_2) - e(rho_1) equals the integral of h (quadrature), and
    ``d eta = dP / (e + P)`` (the TOV equations' variable) likewise."""
    eos = Polytrope(K_REF, Gamma)
    rho_1, rho_2 = 1.0e-4, 2.0e-3

    def h(rho):
        return (eos.energy_density(rho) + eos.pressure(rho)) / rho

    integral, _ = quad(h, rho_1, rho_2, epsabs=0.0, epsrel=1e-13)
    difference = eos.energy_density(rho_2) - eos.energy_density(rho_1)
    assert difference == pytest.approx(integral, rel=1e-12)
    d_eta, _ = quad(lambda rho: Gamma * eos.pressure(rho) / rho
                    / (eos.energy_density(rho) + eos.pressure(rho)), rho_1, rho_2,
                    epsabs=0.0, epsrel=1e-13)  # dP / (e + P) = Gamma P / (rho (e + P)) d rho
    assert eos.log_enthalpy(rho_2) - eos.log_enthalpy(rho_1) == pytest.approx(d_eta, rel=1e-12)


def test_polytrope_rejects_bad_parameters():
    for K in (0.0, -1.0, float("nan")):
        with pytest.raises(ValueError, match="K must"):
            Polytrope(K, 2.0)
    for Gamma in (1.0, 0.5, float("inf")):
        with pytest.raises(ValueError, match="Gamma must"):
            Polytrope(100.0, Gamma)


def test_polytrope_eos_is_bit_identical_to_the_K_Gamma_path():
    """``TOVSolverIso(K, Gamma)`` integrates the Polytrope; passing it as ``eos=`` changes
    nothing but the star's ``eos`` attribute."""
    reference = TOVSolverIso(K_REF, GAMMA_REF).solve(RHO_C_STANDARD, n_samples=101)
    star = TOVSolverIso(eos=Polytrope(K_REF, GAMMA_REF)).solve(RHO_C_STANDARD, n_samples=101)
    for name in ("M_star", "M0", "R_schw", "R_iso", "alpha_c", "psi4_c"):
        assert getattr(star, name) == getattr(reference, name), name
    for name in ("rho_baryon", "P", "alpha", "exp4phi"):
        np.testing.assert_array_equal(getattr(star, name), getattr(reference, name))
    assert reference.eos is None and star.K is None
    assert TOVSolverIso(K_REF, GAMMA_REF).name == Polytrope(K_REF, GAMMA_REF).name


# ---------------------------------------------------------------------------------------------
# A cold EOS from callables
# ---------------------------------------------------------------------------------------------
def test_callables_newton_inverse_to_round_off():
    eos = callables_polytrope(K_REF, GAMMA_REF)
    exact = Polytrope(K_REF, GAMMA_REF)
    rho = np.geomspace(1.0e-40, 0.9, 60)  # also far below the bracket table (rho_max e^-80)
    eta = exact.log_enthalpy(rho)
    np.testing.assert_allclose(eos.rest_mass_density_of_log_enthalpy(eta), rho, rtol=1e-13)
    np.testing.assert_array_equal(eos.rest_mass_density_of_log_enthalpy([0.0, -1.0]), 0.0)
    assert np.ndim(eos.rest_mass_density_of_log_enthalpy(0.1)) == 0
    with pytest.raises(ValueError, match="rho_max"):
        eos.rest_mass_density_of_log_enthalpy(exact.log_enthalpy(2.0))


def test_callables_derived_quantities():
    eos = callables_polytrope(K_REF, GAMMA_REF, inverse=True)
    exact = Polytrope(K_REF, GAMMA_REF)
    rho = np.append(0.0, RHO)
    np.testing.assert_allclose(eos.energy_density(rho), exact.energy_density(rho), rtol=1e-15)
    np.testing.assert_allclose(eos.log_enthalpy(rho), exact.log_enthalpy(rho), rtol=1e-14)
    assert eos.pressure(0.0) == eos.specific_internal_energy(0.0) == 0.0
    state = eos.state_of_log_enthalpy(0.2)
    np.testing.assert_allclose(state, exact.state_of_log_enthalpy(0.2), rtol=1e-15)
    assert all(isinstance(value, float) for value in state)


def test_callables_need_callables():
    with pytest.raises(TypeError, match="pressure"):
        ColdEOSFromFunctions(1.0, lambda d: d, lambda d: d)
    with pytest.raises(TypeError, match="adiabatic_index"):
        ColdEOSFromFunctions(lambda d: d, lambda d: d, None)
    with pytest.raises(TypeError, match="rest_mass_density_of_log_enthalpy"):
        ColdEOSFromFunctions(lambda d: d, lambda d: d, lambda d: d, 3.0)


# ---------------------------------------------------------------------------------------------
# The protocol
# ---------------------------------------------------------------------------------------------
def test_check_names_the_missing_methods():
    class Partial:
        def pressure(self, rho):
            return rho

        log_enthalpy = 1.0  # not callable

    with pytest.raises(TypeError) as error:
        check_cold_eos(Partial())
    message = str(error.value)
    assert "Partial" in message and "pressure" not in message.split("provide")[1]
    for name in COLD_EOS_METHODS[1:]:
        assert name in message
    with pytest.raises(TypeError, match="cold EOS must provide"):
        TOVSolverIso(eos=Partial())
    with pytest.raises(TypeError, match="cold EOS must provide"):
        solve_background(Partial(), 1.0e-3)


def test_a_user_subclass_plugs_into_both_solvers():
    """The recipe of docs/architecture.md: four methods on ColdEOS, then TOV and modes."""
    class MyPolytrope(ColdEOS):
        name = "mine"

        def pressure(self, rho):
            return K_REF * np.asarray(rho) ** GAMMA_REF

        def specific_internal_energy(self, rho):
            return K_REF * np.asarray(rho) ** (GAMMA_REF - 1.0) / (GAMMA_REF - 1.0)

        def adiabatic_index(self, rho):
            return np.full(np.shape(rho), GAMMA_REF)

        def rest_mass_density_of_log_enthalpy(self, eta):
            return Polytrope(K_REF, GAMMA_REF).rest_mass_density_of_log_enthalpy(eta)

    mine = MyPolytrope()
    star = TOVSolverIso(eos=mine).global_properties(RHO_C_STANDARD)
    reference = TOVSolverIso(K_REF, GAMMA_REF).global_properties(RHO_C_STANDARD)
    for name in ("M_star", "M0", "R_schw"):
        assert star[name] == pytest.approx(reference[name], rel=1e-11)
    background = solve_background(mine, RHO_C_STANDARD)
    assert background.M == pytest.approx(reference["M_star"], rel=1e-9)
    assert TOVSolverIso(eos=mine).name == "mine"


@pytest.mark.parametrize("make", [lambda: Polytrope(K_REF, GAMMA_REF),
                                  lambda: callables_polytrope(K_REF, GAMMA_REF),
                                  lambda: PiecewisePolytrope.polytrope(K_REF, GAMMA_REF),
                                  lambda: eos_from_catalogue("SLy")],
                         ids=["polytrope", "callables", "piecewise", "sly"])
def test_every_cold_curve_has_the_protocol(make):
    eos = check_cold_eos(make())
    assert eos.pressure(0.0) == eos.energy_density(0.0) == eos.log_enthalpy(0.0) == 0.0
    assert eos.rest_mass_density_of_log_enthalpy(-1.0) == 0.0
    assert tuple(eos.state_of_log_enthalpy(0.0)) == (0.0, 0.0, 0.0)
    # The first law in the log-enthalpy: d eta / d ln rho = Gamma_1 P / (rho h).
    rho = np.geomspace(1.0e-6, 1.0e-3, 5) * 1.0001  # away from the SLy dividing densities
    step = 1.0e-6
    slope = (eos.log_enthalpy(rho * np.exp(step)) - eos.log_enthalpy(rho * np.exp(-step))) / (
        2.0 * step)
    h = np.exp(eos.log_enthalpy(rho))
    np.testing.assert_allclose(slope, eos.adiabatic_index(rho) * eos.pressure(rho) / (rho * h),
                               rtol=1e-7)


# ---------------------------------------------------------------------------------------------
# The hybrid eps of initial data
# ---------------------------------------------------------------------------------------------
def test_hybrid_specific_internal_energy_inverts_the_hybrid_pressure():
    hot = eos_from_catalogue("SLy", gamma_th=1.75)
    rho = np.geomspace(1.0e-8, 1.0e-3, 9)
    press = hot.pressure(rho) * 1.5
    eps = hybrid_specific_internal_energy(hot, rho, press)
    np.testing.assert_allclose(HybridEOS(hot, hot.gamma_th).pressure_from_rho_eps(rho, eps),
                               press, rtol=1e-13)
    # A pressure below the cold one adds nothing; no gamma_th: the cold eps.
    np.testing.assert_array_equal(hybrid_specific_internal_energy(hot, rho, 0.5 * press / 1.5),
                                  hot.specific_internal_energy(rho))
    cold = eos_from_catalogue("SLy")
    np.testing.assert_array_equal(hybrid_specific_internal_energy(cold, rho, press),
                                  cold.specific_internal_energy(rho))


def test_names_say_what_the_eos_is():
    """describe() and repr() name the EOS and its parameters (what outputs and logs show)."""
    poly = Polytrope(100.0, 2.0)
    assert poly.describe() == "polytrope K = 100, Gamma = 2 (G = c = Msun = 1)"
    assert eval(repr(poly), {"Polytrope": Polytrope}).K == 100.0
    funcs = ColdEOSFromFunctions(poly.pressure, poly.specific_internal_energy,
                                 lambda rho: 2.0 + 0.0 * rho, name="my EOS")
    assert funcs.describe() == "my EOS" and repr(funcs) == "ColdEOSFromFunctions(name='my EOS')"
