"""Convergence of the hydro kernels (source.validation.convergence).

Smooth planar flows with exact solutions:
reference = "density wave: smooth density advected at uniform v and P (exact rho(x - v t)), "
            "the SRHD accuracy test of e.g. Wu & Tang (2015), J. Comput. Phys. 298, 539"
reference = "isentropic pulse: Zhang & MacFadyen (2006), ApJS 164, 255, Sec. 4.6"
The static TOV star in the Cowling approximation:
reference = "Montero, Baumgarte & Mueller (2014), PRD 89, 084043: the equilibrium star's "
            "deviation from t = 0 as the error"

All bounds are the measured orders minus a margin; the measured values are in the comments
(HLLE, RK4; smooth problems at cfl 0.4, the star at cfl 0.1).  The CI tests take ~20 s after
compilation; the full tables are marked slow.
"""

import math

import numpy as np
import pytest

from source.core.spacing import NUM_GHOSTS
from source.validation.convergence import (
    DENSITY_WAVE,
    ISENTROPIC_PULSE,
    SmoothFlowSlab,
    average_to_point,
    cell_average,
    format_smooth_table,
    format_tov_table,
    point_to_average,
    run_smooth_problem,
    smooth_wave_convergence,
    tov_convergence,
)
from source.validation.shocktube import ALL_RECONS

FIVE_POINT = ("mp5", "weno5", "wenoz")


def _rates(rows):
    return [r.rate for r in rows[1:]]


# ---------------------------------------------------------------------------------------
# Building blocks
# ---------------------------------------------------------------------------------------
def test_point_average_conversions_are_sixth_order():
    """average_to_point and point_to_average invert the cell average to O(dx^6)."""
    errs = []
    for n in (16, 32, 64):
        dx = 1.0 / n
        x = (np.arange(-2, n + 2) + 0.5) * dx
        avg = cell_average(lambda y: (np.sin(2 * np.pi * y),), x, dx)[0]
        errs.append((np.max(np.abs(average_to_point(avg) - np.sin(2 * np.pi * x[2:-2]))),
                     np.max(np.abs(point_to_average(np.sin(2 * np.pi * x)) - avg[2:-2]))))
    for k in range(2):
        rates = [math.log2(errs[i][k] / errs[i + 1][k]) for i in range(2)]
        assert min(rates) > 5.7, rates  # measured 5.99-6.00


def test_periodic_slab_conserves_and_keeps_uniform_state():
    slab = SmoothFlowSlab(40, DENSITY_WAVE.eos(), periodic=True, recon="mp5")
    slab.set_primitives(1.0, 0.3, 2.0)
    U0 = slab.U.copy()
    slab.evolve(0.5, cfl=0.4, integrator="rk4")
    np.testing.assert_allclose(slab.U, U0, rtol=1e-13, atol=0)
    # the density wave: total D, S, tau conserved to round-off with periodic ghosts
    slab = SmoothFlowSlab(40, DENSITY_WAVE.eos(), periodic=True, recon="wenoz")
    slab.set_primitives(*DENSITY_WAVE.primitives(slab.x, 0.0))
    total0 = slab.U[:, slab.interior].sum(axis=1)
    slab.evolve(0.5, cfl=0.4, integrator="rk4")
    np.testing.assert_allclose(slab.U[:, slab.interior].sum(axis=1), total0, rtol=1e-13)
    g = NUM_GHOSTS
    np.testing.assert_array_equal(slab.U[:, :g], slab.U[:, -2 * g: -g])


def test_isentropic_exact_solution():
    """The exact solution conserves D, S, tau (the pulse stays inside the domain), keeps
    the Riemann invariant J_- and has v = 0 outside the pulse."""
    prob = ISENTROPIC_PULSE
    n = 4000
    dx = (prob.x_max - prob.x_min) / n
    x = prob.x_min + (np.arange(n) + 0.5) * dx
    tot0 = [a.sum() * dx for a in cell_average(lambda y: prob.conserved(y, 0.0), x, dx)]
    tot1 = [a.sum() * dx for a in cell_average(lambda y: prob.conserved(y, prob.t_end), x,
                                               dx)]
    np.testing.assert_allclose(tot1, tot0, rtol=1e-7)
    rho, v, p = prob.primitives(x, prob.t_end)
    assert rho.max() > 1.9 and v.max() > 0.3
    assert np.all(v[rho == prob.rho_ref] == 0.0)
    s = math.sqrt(prob.gamma - 1)
    cs = np.sqrt(prob.gamma * p / (rho + prob.gamma / (prob.gamma - 1) * p))
    j_minus = np.arctanh(v) - np.log((s + cs) / (s - cs)) / s
    assert np.ptp(j_minus) < 1e-12


def test_argument_checks():
    with pytest.raises(ValueError, match="sampling"):
        run_smooth_problem("density_wave", 32, sampling="nodal")
    with pytest.raises(ValueError, match="conversion"):
        run_smooth_problem("density_wave", 32, sampling="point", conversion=True)
    with pytest.raises(ValueError, match="unknown smooth problem"):
        run_smooth_problem("sod", 32)


# ---------------------------------------------------------------------------------------
# Density wave (CI)
# ---------------------------------------------------------------------------------------
def test_density_wave_mc():
    """MC is 2nd order in L1 (measured 1.95, 2.00 at N = 32/64/128); its L-infinity order
    drops at the extrema of the sine, where the limiter clips (measured 1.77, 1.51)."""
    rows = smooth_wave_convergence("mc", resolutions=(32, 64, 128))
    assert min(_rates(rows)) >= 1.8, format_smooth_table(rows)
    assert rows[-1].l1 < 1e-4


def test_density_wave_minmod():
    """minmod degrades at the extrema: L1 order 1.67, 1.82 at N = 32/64/128, L-infinity
    order 1.23, 1.25."""
    rows = smooth_wave_convergence("minmod", resolutions=(32, 64, 128))
    assert min(_rates(rows)) >= 1.5, format_smooth_table(rows)
    assert min(r.rate_inf for r in rows[1:]) >= 1.0


@pytest.mark.parametrize("recon", FIVE_POINT)
def test_density_wave_five_point_schemes_cell_averages(recon):
    """Cell-average data: MP5, WENO5, WENO-Z are 5th order (measured 4.99-5.00 at
    N = 32/64/128 for all three; RK4's time error is far below at cfl 0.4)."""
    rows = smooth_wave_convergence(recon, resolutions=(32, 64, 128), sampling="average")
    assert min(_rates(rows)) >= 4.5, format_smooth_table(rows)
    assert min(r.rate_inf for r in rows[1:]) >= 4.5


def test_density_wave_point_values_also_fifth_order():
    """The problem is linear (all fluxes are affine in rho at fixed v, P): point values
    compared with point values converge at the design order too (measured 4.99, 5.00)."""
    rows = smooth_wave_convergence("mp5", resolutions=(32, 64, 128), sampling="point")
    assert min(_rates(rows)) >= 4.5, format_smooth_table(rows)


# ---------------------------------------------------------------------------------------
# Isentropic pulse (CI)
# ---------------------------------------------------------------------------------------
def test_isentropic_pulse_second_order():
    """The nonlinear pulse converges at 2nd order for the 5-point schemes (measured 1.98,
    1.97 at N = 100/200/400 for MP5): the reconstruction of primitives recovered from
    cell averages limits the scheme to 2nd order."""
    rows = smooth_wave_convergence("mp5", resolutions=(100, 200, 400),
                                   problem="isentropic_pulse")
    assert min(_rates(rows)) >= 1.8, format_smooth_table(rows)


def test_isentropic_pulse_conversion_restores_high_order():
    """Diagnostic: with the point/average conversion around cons2prim, MP5 climbs towards
    5th order (measured 3.95 between N = 200 and 400; 4.62, 4.72 on finer grids)."""
    rows = smooth_wave_convergence("mp5", resolutions=(200, 400),
                                   problem="isentropic_pulse", conversion=True)
    assert rows[-1].rate >= 3.5, format_smooth_table(rows)


# ---------------------------------------------------------------------------------------
# TOV star (CI)
# ---------------------------------------------------------------------------------------
def test_tov_convergence_short():
    """N = 100/200 (r_max = 20) to t = 10, MC: the deviation from equilibrium decreases at
    about 2nd order (measured: L1 order 1.87, time-averaged |d rho_c| order 2.14)."""
    rows = tov_convergence("mc", resolutions=(100, 200), times=(10.0,))
    table = format_tov_table(rows)
    coarse, fine = rows
    assert fine.l1 < coarse.l1 and fine.rho_c_mean < coarse.rho_c_mean, table
    assert fine.rate >= 1.4, table
    assert fine.rate_rho_c >= 1.5, table
    assert abs(fine.t - 10.0) < fine.dr * 0.1


# ---------------------------------------------------------------------------------------
# Full tables (slow)
# ---------------------------------------------------------------------------------------
@pytest.mark.slow
@pytest.mark.parametrize("sampling", ["point", "average"])
def test_density_wave_full_table(sampling):
    """All five reconstructions at N = 32..256 (measured L1 orders on the finest pair:
    minmod 1.88, MC 2.07, MP5/WENO5/WENO-Z 5.00)."""
    bounds = {"minmod": 1.7, "mc": 1.9, "mp5": 4.8, "weno5": 4.8, "wenoz": 4.8}
    for recon in ALL_RECONS:
        rows = smooth_wave_convergence(recon, resolutions=(32, 64, 128, 256),
                                       sampling=sampling)
        assert rows[-1].rate >= bounds[recon], format_smooth_table(rows)


@pytest.mark.slow
def test_isentropic_pulse_full_table():
    """N = 400/800/1600: every scheme is 2nd order as it is (measured 1.88-2.01 on the
    finest pair); with the conversion MP5 and WENO-Z reach 4.72 and 4.86."""
    for recon in ALL_RECONS:
        rows = smooth_wave_convergence(recon, resolutions=(400, 800, 1600),
                                       problem="isentropic_pulse")
        assert 1.75 <= rows[-1].rate <= 2.3, format_smooth_table(rows)
    for recon in ("mp5", "wenoz"):
        rows = smooth_wave_convergence(recon, resolutions=(400, 800, 1600),
                                       problem="isentropic_pulse", conversion=True)
        assert rows[-1].rate >= 4.4, format_smooth_table(rows)


# reference code (MP5 / MC, HLLE, r_max = 20): L1 at t = 25 for N = 200, 400
REFERENCE_L1_T25 = {"mp5": {200: 4.802e-8, 400: 2.075e-8},
                    "mc": {200: 1.656e-7, 400: 4.648e-8}}


@pytest.mark.slow
@pytest.mark.parametrize("recon,min_l1_rate", [("mc", 1.5), ("mp5", 0.9)])
def test_tov_convergence_full(recon, min_l1_rate):
    """N = 200/400/800 to t = 50, cfl 0.1 (~12 s per scheme).

    Measured L1 orders (t = 25; t = 50): MC 1.78, 1.95; 1.83, 2.47.  MP5 1.73, 1.05;
    1.51, 1.20 (the surface dominates: the maximum error there stalls at ~4e-7 from
    N = 400 on).  Time-averaged |rho_c - rho_c(0)|: MC 1.87, 1.94; 2.10, 2.09; MP5 1.99,
    2.00; 2.14, 2.00.  Our L1 at t = 25 is below the reference code's at N = 200 and 400.
    """
    rows = tov_convergence(recon, resolutions=(200, 400, 800), times=(25.0, 50.0))
    table = format_tov_table(rows)
    for row in rows:
        if row.num_points > 200:
            assert row.rate >= min_l1_rate, table
            assert row.rate_rho_c >= 1.8, table
        if abs(row.t - 25.0) < 0.1 and row.num_points in REFERENCE_L1_T25[recon]:
            assert row.l1 <= 1.1 * REFERENCE_L1_T25[recon][row.num_points], table
