"""TOV stars of a general barotropic EOS (source/initialdata/tov.py with ``eos=``): the
piecewise polytropes of Read, Lackey, Owen & Friedman (2009), sequences, maximum mass, the star
of a given mass and the command line.

Reference structure numbers: the shared data file gives no published M_max or radii, so the
SLy and APR4 values below are this code's (stated, and checked to be independent of the
tolerance, the sampling and of an independent integration in areal radius).
"""

import math

import numpy as np
import pytest

from source.initialdata.radial_modes import solve_background
from source.initialdata.tov import (
    TOVSolutionIso,
    TOVSolverIso,
    create_initial_data_iso,
    main,
    mass_radius_sequence,
    maximum_mass_star,
    solve_tov,
    star_of_mass,
)
from source.matter.eos.cold import Polytrope
from source.matter.eos.eos import HybridEOS
from source.matter.eos.eos_catalogue import (
    density_to_code,
    eos_from_catalogue,
    length_to_km,
)
from source.matter.eos.piecewise_polytrope import PiecewisePolytrope

K_REF, GAMMA_REF, RHO_C_STANDARD = 100.0, 2.0, 1.28e-3
# Central densities bracketing the maximum of both SLy and APR4 (code units).
SEQUENCE_RANGE = (density_to_code(10.0**14.8), density_to_code(10.0**15.6))

# Computed by this code (rtol 1e-12; unchanged at rtol 1e-10 and with 15-60 samples):
# M_max [Msun], areal R at M_max [km], R_1.4 [km], rho_c of M_max [code units].
COMPUTED = {
    "SLy": (2.048411138, 9.97548, 11.706101637, 3.2490e-3),
    "APR4": (2.188000928, 9.89966, 11.319724330, 3.1019e-3),
}


def cell_centred_grid(num_points, r_max):
    dr = r_max / (num_points - 3.5)
    return (np.arange(num_points) - 2.5) * dr


@pytest.fixture(scope="module")
def sly():
    return eos_from_catalogue("SLy")


@pytest.fixture(scope="module")
def sly_star(sly):
    return TOVSolverIso(eos=sly).solve(density_to_code(1.0e15))


# ---------------------------------------------------------------------------------------------
# The polytrope through the general path
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("rho_c", [1e-4, RHO_C_STANDARD, 3.15e-3])
@pytest.mark.parametrize("make_eos", [lambda: PiecewisePolytrope.polytrope(K_REF, GAMMA_REF),
                                      lambda: Polytrope(K_REF, GAMMA_REF)],
                         ids=["piecewise", "cold_polytrope"])
def test_one_piece_polytrope_equals_the_polytrope_path(make_eos, rho_c):
    reference = TOVSolverIso(K_REF, GAMMA_REF).solve(rho_c)
    star = TOVSolverIso(eos=make_eos()).solve(rho_c)
    for name in ("M_star", "M0", "R_schw", "R_iso", "alpha_c", "psi4_c"):
        assert getattr(star, name) == pytest.approx(getattr(reference, name), rel=1e-10), name
    r_iso = np.linspace(0.0, 1.2 * reference.R_iso, 101)
    ours, theirs = star.evaluate(r_iso), reference.evaluate(r_iso)
    for key in ("rho0", "P", "alpha", "exp4phi", "r_schw", "m"):
        np.testing.assert_allclose(ours[key], theirs[key], rtol=1e-9, atol=1e-14 * (
            np.max(np.abs(theirs[key])) if key in ("rho0", "P") else 0.0), err_msg=key)


def test_existing_api_is_untouched():
    star = TOVSolverIso(K_REF, GAMMA_REF).solve(RHO_C_STANDARD)
    assert star.K == K_REF and star.Gamma == GAMMA_REF and star.eos is None
    assert set(star.properties()) == {"K", "Gamma", "rho_central", "M_star", "M0", "R_schw",
                                      "R_iso", "C", "alpha_c", "psi4_c"}
    assert star.M_star == pytest.approx(1.400160, rel=1e-6)
    assert solve_tov(K_REF, GAMMA_REF, RHO_C_STANDARD).M_star == star.M_star


# ---------------------------------------------------------------------------------------------
# Piecewise polytropes
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["SLy", "APR4"])
@pytest.mark.parametrize("rho_c", [1.45e-3, 3.1e-3])
def test_against_an_independent_integration_in_areal_radius(name, rho_c):
    """radial_modes integrates in r (surface as an ODE event, no restarts at the breaks)."""
    eos = eos_from_catalogue(name)
    star = TOVSolverIso(eos=eos).global_properties(rho_c)
    background = solve_background(eos, rho_c)
    assert background.M == pytest.approx(star["M_star"], rel=1e-9)
    assert background.M0 == pytest.approx(star["M0"], rel=1e-9)
    assert background.R == pytest.approx(star["R_schw"], rel=1e-9)
    assert background.R_iso == pytest.approx(star["R_iso"], rel=1e-9)


def test_star_profile(sly, sly_star):
    star = sly_star
    assert isinstance(star, TOVSolutionIso)
    assert star.eos is sly and star.K is None and star.Gamma is None
    r_iso = np.linspace(0.0, star.R_iso, 4001)
    values = star.evaluate(r_iso)
    # Hydrostatic equilibrium of a cold fluid: alpha h = alpha(R).
    alpha_surface = math.sqrt(1.0 - 2.0 * star.M_star / star.R_schw)
    np.testing.assert_allclose(values["alpha"] * sly.enthalpy(values["rho0"]), alpha_surface,
                               rtol=1e-13)
    np.testing.assert_allclose(values["P"], sly.pressure(values["rho0"]), rtol=1e-14)
    assert np.all(np.diff(values["rho0"]) <= 0.0)
    assert values["rho0"][0] == pytest.approx(star.rho_central, rel=1e-13)
    assert values["rho0"][-1] == 0.0
    # rho_c = 10^15 g/cm^3 is the last dividing density: every piece is in the star.
    assert star.rho_central == sly.rho_start[6]
    assert set(np.unique(sly.piece_index(values["rho0"][:-1]))) == set(range(7))
    # psi^4 = (r / rbar)^2 (away from the centre, where both radii are small: the same
    # 1e-10 as for the polytrope) and continuity at the surface.
    inside = r_iso > 0.05 * star.R_iso
    np.testing.assert_allclose(values["exp4phi"][inside],
                               (values["r_schw"][inside] / r_iso[inside]) ** 2, rtol=1e-13)
    across = star.evaluate(star.R_iso * np.array([1.0 - 1e-12, 1.0 + 1e-12]))
    for key in ("alpha", "exp4phi", "r_schw", "m"):
        assert across[key][0] == pytest.approx(across[key][1], rel=1e-8), key


def test_profile_is_smooth_across_the_breaks(sly, sly_star):
    """rho0(rbar) stays continuous where the integration was restarted (core breaks)."""
    star = sly_star
    core_breaks = sly.eta_start[4:6]
    for eta_break in core_breaks:
        if eta_break >= star._interior.eta_start:
            continue
        rho_break = sly.rest_mass_density_of_log_enthalpy(eta_break)
        r_break = star._interior.state_at_log_enthalpy(np.array([eta_break]))[3][0]
        values = star.evaluate(r_break * np.array([1.0 - 1e-9, 1.0, 1.0 + 1e-9]))
        np.testing.assert_allclose(values["rho0"], rho_break, rtol=1e-7)
        assert values["rho0"][0] >= values["rho0"][1] >= values["rho0"][2]


def test_properties_and_initial_data(sly, sly_star):
    properties = sly_star.properties()
    assert properties["eos"] == sly.name
    assert "K" not in properties and properties["M_star"] == sly_star.M_star
    r = cell_centred_grid(300, 15.0)
    rho_atm = 1e-10
    p_atm = float(sly.pressure(rho_atm))
    state, (rho0, vr, p, eps) = create_initial_data_iso(sly_star, r, rho_atm, p_atm, p_atm)
    inside = np.abs(r) < sly_star.R_iso
    np.testing.assert_allclose(eps, sly.specific_internal_energy(rho0), rtol=1e-15)
    np.testing.assert_allclose(p[inside & (rho0 > rho_atm)],
                               sly.pressure(rho0[inside & (rho0 > rho_atm)]), rtol=1e-14)
    assert np.all(vr == 0.0) and np.all(rho0 >= rho_atm)
    sqrt_gamma = np.exp(6.0 * state[0])
    np.testing.assert_allclose(state[12], sqrt_gamma * rho0, rtol=1e-15)
    np.testing.assert_allclose(state[14][inside], (sqrt_gamma * rho0 * eps)[inside],
                               rtol=1e-15)
    # An explicit eos_gamma keeps the old meaning.
    _, (_, _, p2, eps2) = create_initial_data_iso(sly_star, r, rho_atm, p_atm, p_atm,
                                                  eos_gamma=2.0)
    np.testing.assert_allclose(eps2, p2 / rho0, rtol=1e-15)


def test_initial_data_thermal_part_of_the_floor():
    hot = eos_from_catalogue("SLy", gamma_th=1.75)
    star = TOVSolverIso(eos=hot).solve(1.5e-3, n_samples=65)
    r = cell_centred_grid(100, 15.0)
    rho_atm, p_atm = 1e-6, 1e-8  # a pressure floor far above P_cold(1e-6)
    _, (rho0, _, p, eps) = create_initial_data_iso(star, r, rho_atm, p_atm, p_atm)
    np.testing.assert_allclose(HybridEOS(hot, hot.gamma_th).pressure_from_rho_eps(rho0, eps), p,
                               rtol=1e-12)


def test_bad_solver_arguments(sly):
    with pytest.raises(ValueError, match="K and Gamma"):
        TOVSolverIso()
    with pytest.raises(ValueError, match="not both"):
        TOVSolverIso(100.0, 2.0, eos=sly)
    with pytest.raises(TypeError, match="pressure"):
        TOVSolverIso(eos=object())
    with pytest.raises(ValueError, match="rho_central"):
        TOVSolverIso(eos=sly).solve(-1.0)
    assert TOVSolverIso.from_eos(sly).eos is sly


# ---------------------------------------------------------------------------------------------
# Sequences: maximum mass and the star of a given mass
# ---------------------------------------------------------------------------------------------
def test_polytrope_maximum_mass():
    """The maximum-mass model of K = 100, Gamma = 2 (as in tests/test_tov.py)."""
    maximum = maximum_mass_star(TOVSolverIso(K_REF, GAMMA_REF), 1e-3, 1e-2, num=12)
    assert maximum["M_star"] == pytest.approx(1.637276, rel=1e-6)
    assert maximum["rho_central"] == pytest.approx(3.182422e-3, rel=1e-5)


def test_polytrope_star_of_mass():
    star = star_of_mass(TOVSolverIso(K_REF, GAMMA_REF), 1.4, 1e-4, 1e-2, num=12)
    assert star.M_star == pytest.approx(1.4, rel=1e-13)
    assert star.rho_central < 3.182422e-3  # stable branch
    assert star.rho_central == pytest.approx(RHO_C_STANDARD, rel=1e-3)


@pytest.mark.parametrize("name", ["SLy", "APR4"])
def test_published_structure(name):
    """M_max, R(M_max), R_1.4 of the fits (computed values; see the module docstring)."""
    eos = eos_from_catalogue(name)
    solver = TOVSolverIso(eos=eos)
    sequence = mass_radius_sequence(solver, *SEQUENCE_RANGE, num=15, rtol=1e-10)
    maximum = sequence.maximum
    M_max, R_max_km, R14_km, rho_c_max = COMPUTED[name]
    assert maximum["M_star"] == pytest.approx(M_max, abs=2e-9)
    assert length_to_km(maximum["R_schw"]) == pytest.approx(R_max_km, abs=1e-4)
    assert maximum["rho_central"] == pytest.approx(rho_c_max, rel=1e-4)
    assert np.all(sequence.M_star <= maximum["M_star"])
    star = star_of_mass(solver, 1.4, *SEQUENCE_RANGE, rtol=1e-10, sequence=sequence)
    assert star.M_star == pytest.approx(1.4, rel=1e-12)
    assert length_to_km(star.R_schw) == pytest.approx(R14_km, abs=2e-8)
    # c_s^2 < 1 in the 1.4 Msun star; the SLy fit stays causal up to its maximum-mass centre,
    # the APR4 fit does not (c_s^2 = 1.38 there: a property of the fit, Gamma_3 = 3.348).
    assert eos.sound_speed_squared(star.rho_central) < 1.0
    assert star.rho_central < eos.rho_causal
    causal_at_maximum = eos.sound_speed_squared(maximum["rho_central"]) < 1.0
    assert causal_at_maximum == (name == "SLy")


def test_sequence_errors(sly):
    solver = TOVSolverIso(eos=sly)
    with pytest.raises(ValueError, match="rho_min < rho_max"):
        mass_radius_sequence(solver, 2e-3, 1e-3)
    with pytest.raises(ValueError, match="no maximum"):
        maximum_mass_star(solver, 1e-3, 2e-3, num=4)
    with pytest.raises(ValueError, match="above the maximum mass"):
        star_of_mass(solver, 2.5, *SEQUENCE_RANGE, num=8, rtol=1e-8)
    with pytest.raises(ValueError, match="lower rho_min"):
        star_of_mass(solver, 0.5, *SEQUENCE_RANGE, num=8, rtol=1e-8)


# ---------------------------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------------------------
def test_cli_polytrope(capsys):
    assert main(["--K", "100", "--gamma", "2", "--rho-central", "1.28e-3"]) == 0
    out = capsys.readouterr().out
    assert "M       = 1.400159730 Msun" in out
    assert "R_schw  = 9.585624017" in out


def test_cli_catalogue_mass(capsys):
    assert main(["--eos-id", "sly", "--mass", "1.4", "--num", "12", "--rtol", "1e-10",
                 "--rho-range-cgs", "6.3e14", "4e15"]) == 0
    out = capsys.readouterr().out
    assert "stable star of mass 1.4 Msun" in out
    assert "M       = 1.400000000 Msun" in out
    assert "= 11.70610" in out  # R_1.4 in km


def test_cli_sequence_and_plot(capsys, tmp_path):
    pytest.importorskip("matplotlib")
    path = tmp_path / "mr.png"
    assert main(["--eos-id", "APR4", "--sequence", "--num", "10", "--rtol", "1e-9",
                 "--rho-range-cgs", "6.3e14", "4e15", "--plot", str(path)]) == 0
    out = capsys.readouterr().out
    assert "<- maximum mass" in out
    assert "maximum mass: M_max = 2.18800" in out and "R = 9.899" in out
    assert path.stat().st_size > 10000


@pytest.mark.parametrize("argv, message", [
    (["--eos-id", "nope", "--mass", "1.4"], "unknown EOS"),
    (["--eos-id", "sly"], "--mass or --sequence"),
    (["--plot", "x.png"], "--plot needs --sequence"),
    (["--eos-id", "sly", "--mass", "3.0", "--num", "8", "--rtol", "1e-8"], "above the maximum"),
])
def test_cli_errors(capsys, argv, message):
    assert main(argv) == 2
    assert message in capsys.readouterr().err


def test_cli_list(capsys):
    assert main(["--list-eos"]) == 0
    out = capsys.readouterr().out
    assert "SLy" in out and "WFF1" in out and "34.384" in out
