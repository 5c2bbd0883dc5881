"""Tests of the linear radial-mode solver (source/initialdata/radial_modes.py).

Reference numbers: polytrope K = 100, Gamma = 2 (G = c = Msun = 1); the standard star has
rho_c = 1.28e-3 and the maximum-mass model rho_c = 3.182422e-3.
"""

import math
import subprocess
import sys
import warnings

import numpy as np
import pytest
from scipy.integrate import solve_ivp
from scipy.optimize import brentq

from source.initialdata import radial_modes as rm
from source.initialdata.tov import solve_tov
from source.matter.eos.cold import ColdEOSFromFunctions, Polytrope

K_REF = 100.0
GAMMA_REF = 2.0
RHO_C_STANDARD = 1.28e-3
RHO_C_MAX_MASS = 3.182422e-3

# Linear-theory frequencies of the standard star in kHz (F, H1, ..., H6).
COWLING_KHZ = [2.686, 4.549, 6.341, 8.108, 9.863, 11.611, 13.355]
COUPLED_KHZ = [1.4425, 3.9540, 5.9149, 7.7738, 9.5876, 11.377, 13.152]
# Required relative accuracy.
TOLERANCE = 5.0e-4


@pytest.fixture(scope="module")
def standard_background():
    return rm.polytrope_background(K_REF, GAMMA_REF, RHO_C_STANDARD)


@pytest.fixture(scope="module")
def standard_modes(standard_background):
    return {kind: rm.radial_modes(standard_background, n_modes=7, kind=kind)
            for kind in rm.KINDS}


# ---------------------------------------------------------------------------------------------
# Background
# ---------------------------------------------------------------------------------------------
def test_background_matches_reference_star(standard_background):
    bg = standard_background
    assert bg.M == pytest.approx(1.400160, rel=1e-6)
    assert bg.M0 == pytest.approx(1.506176, rel=1e-6)
    assert bg.R == pytest.approx(9.585624, rel=1e-6)
    assert bg.R_iso == pytest.approx(8.125144, rel=1e-6)


def test_background_agrees_with_log_enthalpy_tov_solver(standard_background):
    """The areal-radius integration here against the log-enthalpy one of tov.py."""
    star = solve_tov(K_REF, GAMMA_REF, RHO_C_STANDARD)
    bg = standard_background
    for mine, theirs in ((bg.M, star.M_star), (bg.M0, star.M0), (bg.R, star.R_schw),
                         (bg.R_iso, star.R_iso)):
        assert mine == pytest.approx(theirs, rel=1e-10)
    # Interior profile at a few isotropic radii.
    r_iso = np.array([0.5, 2.0, 6.0, 8.0])
    values = star.evaluate(r_iso)
    profile = bg.profile(values["r_schw"])
    np.testing.assert_allclose(profile["r_iso"], r_iso, rtol=1e-10)
    np.testing.assert_allclose(profile["m"], values["m"], rtol=1e-9)
    np.testing.assert_allclose(profile["rho0"], values["rho0"], rtol=1e-9)
    np.testing.assert_allclose(np.exp(profile["Phi"]), values["alpha"], rtol=1e-10)


def test_metric_derivatives_match_finite_differences(standard_background):
    r = np.array([0.5, 3.0, 6.0, 9.0, 9.5])
    step = 1.0e-4
    mid, up, down = (standard_background.profile(r + s) for s in (0.0, step, -step))
    for derivative, function in (("dPhi", "Phi"), ("dLambda", "Lambda"), ("dP", "P"),
                                 ("d2Phi", "dPhi")):
        estimate = (up[function] - down[function]) / (2.0 * step)
        np.testing.assert_allclose(mid[derivative], estimate, rtol=1e-6, atol=1e-12)


# ---------------------------------------------------------------------------------------------
# Standard star: the linear-theory frequencies
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("kind, reference", [("cowling", COWLING_KHZ), ("coupled", COUPLED_KHZ)])
def test_standard_star_frequencies(standard_modes, kind, reference):
    modes = standard_modes[kind]
    assert modes.names == ["F", "H1", "H2", "H3", "H4", "H5", "H6"]
    np.testing.assert_allclose(modes.frequency_khz, reference, rtol=TOLERANCE)
    omega = 2.0 * np.pi * modes.frequency_khz * 1.0e3 * rm.MSUN_SECONDS
    np.testing.assert_allclose(modes.omega2, omega**2, rtol=1e-14)


def test_cowling_is_stiffer_than_full_gr(standard_modes):
    assert np.all(standard_modes["cowling"].omega2 > standard_modes["coupled"].omega2)


# ---------------------------------------------------------------------------------------------
# Stability: the fundamental mode changes sign at the maximum mass
# ---------------------------------------------------------------------------------------------
def fundamental_omega2(rho_c):
    return rm.polytrope_radial_modes(K_REF, GAMMA_REF, rho_c, n_modes=1).omega2[0]


def test_fundamental_mode_changes_sign_at_maximum_mass():
    reference = fundamental_omega2(RHO_C_STANDARD)
    assert fundamental_omega2(3.0e-3) > 0.0
    assert fundamental_omega2(3.4e-3) < 0.0
    assert abs(fundamental_omega2(3.1824e-3)) < 1e-3 * reference
    assert abs(fundamental_omega2(RHO_C_MAX_MASS)) < 1e-5 * reference


def test_unstable_mode_has_no_frequency():
    modes = rm.polytrope_radial_modes(K_REF, GAMMA_REF, 3.4e-3, n_modes=2)
    assert modes.omega2[0] < 0.0 and math.isnan(modes.frequency_khz[0])
    assert modes.frequency_khz[1] > 0.0


# ---------------------------------------------------------------------------------------------
# Convergence
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", rm.KINDS)
def test_resolution_convergence(standard_background, kind):
    plain = [rm.radial_modes(standard_background, 5, kind, num_elements=n, richardson=False)
             for n in (1000, 2000, 4000)]
    omega2 = np.array([modes.omega2 for modes in plain])
    # Second order: the differences shrink by ~4 per doubling, and are already small.
    differences = np.abs(np.diff(omega2, axis=0))
    assert np.all(differences[1] < 3e-5 * omega2[-1])
    ratio = differences[0, 1:] / differences[1, 1:]  # the F mode converges to round-off
    np.testing.assert_allclose(ratio, 4.0, rtol=0.05)
    # Richardson extrapolation from two pairs of resolutions agrees to 1e-7.
    coarse = rm.radial_modes(standard_background, 5, kind, num_elements=2000)
    fine = rm.radial_modes(standard_background, 5, kind, num_elements=8000)
    np.testing.assert_allclose(coarse.omega2, fine.omega2, rtol=1e-7)
    assert np.all(fine.omega2_error < 1e-5 * fine.omega2)


def test_unresolved_star_warns():
    # A Gamma = 1.34 polytrope of this density is a tiny relativistic core in a huge envelope:
    # a uniform grid of 400 elements cannot resolve it, and the error estimate says so.
    background = rm.polytrope_background(K_REF, 1.34, 1.0e-3)
    with pytest.warns(RuntimeWarning, match="not converged"):
        rm.radial_modes(background, 2, "coupled", num_elements=400)


def test_standard_star_does_not_warn(standard_background):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        rm.radial_modes(standard_background, 5, "coupled", num_elements=1000)


# ---------------------------------------------------------------------------------------------
# Eigenfunctions
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", rm.KINDS)
def test_eigenfunctions(standard_modes, kind):
    modes = standard_modes[kind]
    assert modes.r[0] == 0.0 and modes.r[-1] == pytest.approx(modes.background.R, rel=1e-15)
    assert modes.xi.shape == (7, modes.r.size)
    for k in range(7):
        assert modes.nodes(k) == k  # the k-th overtone has k nodes
        xi = modes.xi[k]
        assert xi[0] == 0.0 and xi[-1] > 0.0
        assert np.max(np.abs(xi)) == pytest.approx(1.0, rel=1e-14)
    # Orthogonal with the kinetic weight C / r^2 (xi = r u).
    r = modes.r[1:]
    weight = rm.kinetic_weight(r, modes.background.profile(r)) / r**2
    u = modes.xi[:, 1:]
    gram = np.trapezoid(weight * u[:, None, :] * u[None, :, :], r, axis=-1)
    norms = np.sqrt(np.diag(gram))
    off_diagonal = gram / np.outer(norms, norms) - np.eye(7)
    assert np.max(np.abs(off_diagonal)) < 1e-3


def test_isotropic_radius_of_eigenfunction_grid(standard_modes):
    modes = standard_modes["coupled"]
    assert modes.r_iso[0] == 0.0
    assert modes.r_iso[-1] == pytest.approx(8.125144, rel=1e-6)
    assert np.all(np.diff(modes.r_iso) > 0.0)


def test_isotropic_displacement_and_lapse(standard_modes):
    modes = standard_modes["coupled"]
    dr_iso_dr = np.gradient(modes.r_iso, modes.r, edge_order=2)
    np.testing.assert_allclose(modes.xi_iso, modes.xi * dr_iso_dr, rtol=1e-6, atol=1e-9)
    assert np.all(modes.xi_iso[:, 0] == 0.0)
    assert modes.alpha[0] == pytest.approx(0.669861, abs=5.1e-7)  # central lapse
    assert modes.alpha[-1] == pytest.approx(math.sqrt(1.0 - 2.0 * 1.400160 / 9.585624),
                                            rel=1e-6)


def test_displacement_interpolates_nodes(standard_modes):
    modes = standard_modes["cowling"]
    np.testing.assert_allclose(modes.displacement(2, modes.r), modes.xi[2], atol=1e-12)
    r = np.array([0.0, 1.0e-3, 4.321, modes.background.R])
    xi = modes.displacement(2, r)
    assert xi[0] == 0.0
    assert xi[2] == pytest.approx(np.interp(4.321, modes.r, modes.xi[2]), abs=1e-6)


# ---------------------------------------------------------------------------------------------
# Newtonian limit, against an independent shooting solution of the Newtonian equations
# ---------------------------------------------------------------------------------------------
def newtonian_n1_eigenvalue(cowling, sigma2_range):
    r"""sigma^2 = omega^2 / (4 pi G rho_c) of a Newtonian n = 1 polytrope with Gamma_1 = 2.

    In units 4 pi G rho_c = 1 and unit Lane-Emden length: theta = sin x / x, rho = theta /
    (4 pi), P = theta^2 / (8 pi), m = sin x - x cos x, g = m / x^2, surface x = pi. For
    ``y1 = xi / x`` and ``y2 = Delta P / P`` the radial pulsation equation
    ``(Delta P)' = omega^2 rho xi - 4 P' xi / x [- 4 pi G rho^2 xi (Cowling)]`` reads

        y1' = -(3 y1 + y2 / Gamma_1) / x,
        y2' = (rho / P) [omega^2 x y1 + g (4 y1 + y2) - c theta x y1],

    regular at the centre (``y2 = -3 Gamma_1 y1``) and at the surface
    (``y2 = -(4 + omega^2 R / g) y1``). Shoot from both ends, match at x = pi / 2.
    """
    gamma1 = 2.0
    c = 1.0 if cowling else 0.0

    def rhs(x, y, sigma2):
        theta = math.sin(x) / x
        g = (math.sin(x) - x * math.cos(x)) / x**2
        y1, y2 = y
        return [-(3.0 * y1 + y2 / gamma1) / x,
                (2.0 / theta) * (sigma2 * x * y1 + g * (4.0 * y1 + y2) - c * theta * x * y1)]

    def mismatch(sigma2):
        options = {"args": (sigma2,), "rtol": 1e-11, "atol": 1e-13, "method": "DOP853"}
        start = [1.0, -3.0 * gamma1]
        inner = solve_ivp(rhs, (1.0e-6, 0.5 * math.pi), start, **options).y[:, -1]
        x_s = math.pi - 1.0e-9
        outer_start = [1.0, -(4.0 + sigma2 * math.pi**2)]
        outer = solve_ivp(rhs, (x_s, 0.5 * math.pi), outer_start, **options).y[:, -1]
        return inner[0] * outer[1] - inner[1] * outer[0]

    return brentq(mismatch, *sigma2_range, xtol=1e-13, rtol=1e-12)


@pytest.mark.parametrize(
    "kind, brackets",
    [("coupled", [(0.2, 0.6), (1.2, 2.0), (3.0, 3.8)]),
     ("cowling", [(0.5, 0.9), (1.6, 2.3), (3.5, 4.1)])],
)
def test_newtonian_limit(kind, brackets):
    rho_c = 1.0e-10  # compactness ~ 2e-8: relativistic corrections ~ 1e-7
    background = rm.polytrope_background(K_REF, GAMMA_REF, rho_c)
    assert background.compactness < 1e-7
    modes = rm.radial_modes(background, 3, kind)
    sigma2 = modes.omega2 / (4.0 * np.pi * rho_c)
    expected = [newtonian_n1_eigenvalue(kind == "cowling", bracket) for bracket in brackets]
    np.testing.assert_allclose(sigma2, expected, rtol=5e-7)


# ---------------------------------------------------------------------------------------------
# A general barotropic EOS given by callables
# ---------------------------------------------------------------------------------------------
def test_callable_eos_matches_polytrope(standard_background, standard_modes):
    K, Gamma = K_REF, GAMMA_REF
    eos = ColdEOSFromFunctions(
        pressure=lambda rho0: K * np.asarray(rho0) ** Gamma,
        specific_internal_energy=lambda rho0: K * np.asarray(rho0) ** (Gamma - 1.0)
        / (Gamma - 1.0),
        adiabatic_index=lambda rho0: np.full(np.shape(rho0), Gamma),
    )  # no explicit inverse: rho0(eta) by Newton iteration
    eta = np.array([0.0, 1e-12, 1e-6, 0.1, eos.log_enthalpy(RHO_C_STANDARD)])
    rho0 = eos.rest_mass_density_of_log_enthalpy(eta)
    np.testing.assert_allclose(eos.log_enthalpy(rho0), eta, rtol=1e-13, atol=0.0)
    background = rm.solve_background(eos, RHO_C_STANDARD)
    for name in ("M", "M0", "R", "R_iso"):
        assert getattr(background, name) == pytest.approx(
            getattr(standard_background, name), rel=1e-11)
    for kind in rm.KINDS:
        modes = rm.radial_modes(background, 7, kind)
        np.testing.assert_allclose(modes.omega2, standard_modes[kind].omega2, rtol=1e-7)


def test_piecewise_polytrope_runs():
    """A two-piece polytrope (Gamma_1 jumps from 2 to 3): sane, stable, converged to 1e-4."""
    K0, G0, G1, rho_b = 100.0, 2.0, 3.0, 5.0e-4
    K1 = K0 * rho_b ** (G0 - G1)
    a1 = K0 * rho_b ** (G0 - 1.0) / (G0 - 1.0) - K1 * rho_b ** (G1 - 1.0) / (G1 - 1.0)

    def piece(rho0, low, high):
        rho0 = np.asarray(rho0, dtype=np.float64)
        return np.where(rho0 < rho_b, low(rho0), high(rho0))

    eos = ColdEOSFromFunctions(
        pressure=lambda d: piece(d, lambda x: K0 * x**G0, lambda x: K1 * x**G1),
        specific_internal_energy=lambda d: piece(
            d, lambda x: K0 * x ** (G0 - 1.0) / (G0 - 1.0),
            lambda x: a1 + K1 * x ** (G1 - 1.0) / (G1 - 1.0)),
        adiabatic_index=lambda d: piece(d, lambda x: np.full_like(x, G0),
                                        lambda x: np.full_like(x, G1)),
    )
    background = rm.solve_background(eos, 1.28e-3)
    assert 2.0 < background.M < 2.6
    for kind in rm.KINDS:
        coarse = rm.radial_modes(background, 3, kind, num_elements=4000)
        fine = rm.radial_modes(background, 3, kind, num_elements=8000)
        assert np.all(fine.omega2 > 0.0)
        np.testing.assert_allclose(coarse.omega2, fine.omega2, rtol=1e-4)
        assert [fine.nodes(k) for k in range(3)] == [0, 1, 2]


# ---------------------------------------------------------------------------------------------
# Input validation
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("rho_c", [0.0, -1.0e-3, float("nan"), float("inf")])
def test_bad_central_density(rho_c):
    with pytest.raises(ValueError, match="rho_central"):
        rm.polytrope_background(K_REF, GAMMA_REF, rho_c)


@pytest.mark.parametrize("Gamma", [1.0, 0.5, -2.0, float("nan")])
def test_bad_gamma(Gamma):
    with pytest.raises(ValueError, match="Gamma"):
        Polytrope(K_REF, Gamma)


@pytest.mark.parametrize("K", [0.0, -1.0, float("nan")])
def test_bad_K(K):
    with pytest.raises(ValueError, match="K"):
        Polytrope(K, GAMMA_REF)


@pytest.mark.parametrize("n_modes", [0, -1, 1.5])
def test_bad_number_of_modes(standard_background, n_modes):
    with pytest.raises(ValueError, match="n_modes"):
        rm.radial_modes(standard_background, n_modes)


def test_bad_kind_and_resolution(standard_background):
    with pytest.raises(ValueError, match="kind"):
        rm.radial_modes(standard_background, 1, kind="dynamic")
    with pytest.raises(ValueError, match="num_elements"):
        rm.radial_modes(standard_background, 5, num_elements=10)
    with pytest.raises(TypeError):
        rm.radial_modes(solve_tov(K_REF, GAMMA_REF, RHO_C_STANDARD), 1)


def test_bad_eos():
    with pytest.raises(TypeError, match="pressure"):
        ColdEOSFromFunctions(1.0, lambda d: d, lambda d: d)
    with pytest.raises(TypeError, match="cold EOS must provide"):
        rm.solve_background("polytrope", 1.0e-3)


# ---------------------------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------------------------
def test_cli_table(capsys):
    assert rm.main(["--K", "100", "--gamma", "2", "--rho-central", "1.28e-3",
                    "--modes", "3", "--both"]) == 0
    out = capsys.readouterr().out
    assert "M = 1.400160" in out
    for text in ("Cowling", "coupled", "2.68606", "4.54940", "1.44251", "3.95405", "H2"):
        assert text in out
    assert "H3" not in out


def test_cli_single_family_and_unstable(capsys):
    assert rm.main(["--rho-central", "3.4e-3", "--modes", "2", "--coupled"]) == 0
    out = capsys.readouterr().out
    assert "unstable" in out and "Cowling" not in out


def test_cli_bad_input(capsys):
    assert rm.main(["--rho-central", "-1"]) == 2
    assert "rho_central" in capsys.readouterr().err
    assert rm.main(["--gamma", "1"]) == 2
    assert rm.main(["--modes", "0"]) == 2


def test_cli_module_entry_point():
    result = subprocess.run(
        [sys.executable, "-m", "source.initialdata.radial_modes", "--modes", "2", "--cowling"],
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "2.68606" in result.stdout
