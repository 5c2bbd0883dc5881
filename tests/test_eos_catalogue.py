"""Tests of the EOS catalogue (source/matter/eos/eos_catalogue.py): Read, Lackey, Owen &
Friedman (2009) piecewise-polytrope fits on the SLy crust, and the cgs <-> code units."""

import csv
import math
from pathlib import Path

import numpy as np
import pytest

from source.matter.eos import eos_catalogue as cat
from source.matter.eos.piecewise_polytrope import PiecewisePolytrope

NAMES = ("SLy", "APR4", "H4", "MS1", "ALF2", "ENG", "MPA1", "WFF1")
# The shared reference files the module's numbers were copied from (compared when present).
DATA_DIR = Path("/work/shared/data")
CORE_FILE = DATA_DIR / "piecewise_polytropes.csv"
CRUST_FILE = DATA_DIR / "piecewise_polytrope_crust.csv"


def _csv_rows(path):
    lines = [line for line in path.read_text().splitlines() if not line.startswith("#")]
    return list(csv.DictReader(lines))


def test_listing():
    assert cat.list_eos() == NAMES
    entry = cat.catalogue_entry("sly")
    assert entry == {"name": "SLy", "log10_p1_cgs": 34.384, "Gamma1": 3.005, "Gamma2": 2.988,
                     "Gamma3": 2.851}


@pytest.mark.parametrize("spelling", ["sly", "SLY", " SLy ", "Sly"])
def test_names_are_case_insensitive(spelling):
    eos = cat.eos_from_catalogue(spelling)
    assert isinstance(eos, PiecewisePolytrope)
    assert eos.name.startswith("SLy")


def test_unknown_names():
    with pytest.raises(ValueError, match="unknown EOS 'fps'.*SLy, APR4"):
        cat.eos_from_catalogue("fps")
    with pytest.raises(TypeError, match="string"):
        cat.eos_from_catalogue(3)


@pytest.mark.skipif(not CORE_FILE.exists(), reason="shared data file not present")
def test_core_parameters_match_the_data_file():
    rows = _csv_rows(CORE_FILE)
    assert [row["name"] for row in rows] == list(NAMES)
    for row in rows:
        assert cat.READ_2009_FITS[row["name"]] == (
            float(row["log10_p1_cgs"]), float(row["Gamma1"]), float(row["Gamma2"]),
            float(row["Gamma3"]))


@pytest.mark.skipif(not CRUST_FILE.exists(), reason="shared data file not present")
def test_crust_parameters_match_the_data_file():
    rows = _csv_rows(CRUST_FILE)
    assert len(rows) == 4
    for row, (rho_start, gamma, K) in zip(rows, cat.SLY_CRUST, strict=True):
        assert (float(row["rho_start_cgs"]), float(row["Gamma"]), float(row["K_paper"])) == (
            rho_start, gamma, K)
        # The file's K_cgs column is LALSuite's (more digits than the paper's K): equal to
        # K_paper c^2 to the paper's 6 digits. The module uses the paper's K_paper.
        assert float(row["K_cgs"]) == pytest.approx(K * cat.C_CGS**2, rel=1e-6)


def test_units():
    """G = c = Msun = 1 with the constants of the shared data README."""
    assert cat.LENGTH_UNIT_KM == pytest.approx(1.476625, rel=1e-6)
    assert cat.DENSITY_UNIT_CGS == pytest.approx(6.175828e17, rel=1e-6)
    assert cat.PRESSURE_UNIT_CGS == pytest.approx(5.550557e38, rel=1e-6)
    assert cat.PRESSURE_UNIT_CGS == pytest.approx(cat.DENSITY_UNIT_CGS * cat.C_CGS**2,
                                                  rel=1e-15)
    assert cat.LENGTH_UNIT_CM / cat.C_CGS == pytest.approx(4.925490947e-6, rel=1e-6)
    assert cat.density_to_cgs(cat.density_to_code(1e15)) == pytest.approx(1e15, rel=1e-15)
    assert cat.pressure_to_cgs(cat.pressure_to_code(1e35)) == pytest.approx(1e35, rel=1e-15)
    assert cat.length_to_km(1.0) == cat.LENGTH_UNIT_KM


def test_sly_crust():
    crust = cat.sly_crust()
    assert crust.n_pieces == 4
    assert crust.Gamma == tuple(piece[1] for piece in cat.SLY_CRUST)
    np.testing.assert_allclose(cat.density_to_cgs(np.array(crust.rho_start[1:])),
                               [piece[0] for piece in cat.SLY_CRUST[1:]], rtol=1e-15)
    # K_0 converts exactly; the others follow from continuity of P at the quoted densities.
    # The quoted K_j (6 digits) are consistent with the quoted densities and the 5-decimal
    # Gammas only to ~ln(rho) * 5e-6 ~ 1.3e-4 (e.g. ln(2.6e12) = 28.6).
    for j, (_, gamma, K_paper) in enumerate(cat.SLY_CRUST):
        K_paper_of_code = crust.K[j] / cat.DENSITY_UNIT_CGS ** (gamma - 1.0)
        if j == 0:
            assert K_paper_of_code == pytest.approx(K_paper, rel=1e-14)
        else:
            assert K_paper_of_code == pytest.approx(K_paper, rel=2e-4)


@pytest.mark.parametrize("name", NAMES)
def test_fit_reproduces_the_table(name):
    log10_p1, gamma1, gamma2, gamma3 = cat.READ_2009_FITS[name]
    eos = cat.eos_from_catalogue(name)
    assert eos.n_pieces == 7
    assert eos.Gamma[4:] == (gamma1, gamma2, gamma3)
    assert eos.Gamma[:4] == tuple(piece[1] for piece in cat.SLY_CRUST)
    rho1, rho2 = cat.density_to_code(cat.RHO1_CGS), cat.density_to_code(cat.RHO2_CGS)
    assert eos.rho_start[5:] == (rho1, rho2)
    # p1 = P(10^14.7 g/cm^3) in dyn/cm^2
    assert math.log10(cat.pressure_to_cgs(eos.pressure(rho1))) == pytest.approx(log10_p1,
                                                                                 abs=1e-13)
    # The crust-core density lies between the last crust density and rho_1, where the two
    # polytropes cross: rho_0 = (K_c3 / K_1)^(1 / (Gamma_1 - Gamma_c3)).
    rho0 = eos.rho_start[4]
    assert eos.rho_start[3] < rho0 < rho1
    assert 5e13 < cat.density_to_cgs(rho0) < 3e14
    K1 = cat.pressure_to_code(10.0**log10_p1) / rho1**gamma1
    assert eos.K[4] == pytest.approx(K1, rel=1e-12)
    assert rho0 == pytest.approx((eos.K[3] / K1) ** (1.0 / (gamma1 - eos.Gamma[3])),
                                 rel=1e-14)


@pytest.mark.parametrize("name", NAMES)
def test_catalogue_eos_is_continuous_and_monotonic(name):
    eos = cat.eos_from_catalogue(name)
    rho = np.geomspace(1e-18, 1e-2, 2000)
    P, eps, h = eos.pressure(rho), eos.specific_internal_energy(rho), eos.enthalpy(rho)
    assert np.all(np.diff(P) > 0) and np.all(np.diff(eps) > 0) and np.all(np.diff(h) > 0)
    for rho_i in eos.rho_dividing:
        below = np.nextafter(rho_i, 0.0)
        for function in (eos.pressure, eos.specific_internal_energy, eos.enthalpy):
            assert function(below) == pytest.approx(function(rho_i), rel=1e-13)


def test_read_parametrized_eos_and_errors():
    sly = cat.eos_from_catalogue("SLy")
    same = cat.read_parametrized_eos(*cat.READ_2009_FITS["SLy"], name="mine")
    assert same.pieces == sly.pieces and same.name == "mine"
    hot = cat.eos_from_catalogue("SLy", gamma_th=1.8)
    assert hot.gamma_th == 1.8 and hot.pieces == sly.pieces
    # A core that meets the crust above rho_1 is refused.
    with pytest.raises(ValueError, match="meets the crust"):
        cat.read_parametrized_eos(31.0, 3.0, 3.0, 3.0)
