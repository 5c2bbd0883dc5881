"""Planar SRHD shock tubes run with the star's hydro kernels (source.validation.shocktube).

References: Martí & Müller (2003), Living Rev. Relativ. 6, 7 (problems 1 and 2, Fig. 2 =
relativistic Sod for the "weak" tube, exact solution); the "strong" tube comes from the
engrenage reference code.
The fast tests take a few seconds after JIT compilation; the full sweep is marked slow.
"""

import math

import numpy as np
import pytest

from source.matter.hydro.cons2prim import C2P_FAILED
from source.validation.shocktube import (
    ALL_RECONS,
    ALL_RIEMANNS,
    SHOCK_TUBES,
    PlanarSlab,
    ShockTube,
    convergence_table,
    format_markdown_table,
    l1_errors,
    run_shock_tube,
)

# L1(rho) of MM1 at N = 200, cfl = 0.3, SSP-RK3, as measured when the test was written.
# Each scheme must stay below 1.5x its value.
MM1_L1_RHO_200 = {
    ("minmod", "hll"): 1.1945e-01,
    ("minmod", "llf"): 1.2740e-01,
    ("minmod", "hllc"): 1.1934e-01,
    ("mc", "hll"): 6.7421e-02,
    ("mc", "llf"): 7.6171e-02,
    ("mc", "hllc"): 6.6483e-02,
    ("mp5", "hll"): 3.6923e-02,
    ("mp5", "llf"): 4.1935e-02,
    ("mp5", "hllc"): 3.7213e-02,
    ("weno5", "hll"): 6.6060e-02,
    ("weno5", "llf"): 6.6810e-02,
    ("weno5", "hllc"): 6.5937e-02,
    ("wenoz", "hll"): 4.7771e-02,
    ("wenoz", "llf"): 5.0457e-02,
    ("wenoz", "hllc"): 4.7906e-02,
}
SCHEMES = [(rc, rs) for rc in ALL_RECONS for rs in ALL_RIEMANNS]


def _plateau(x, lo, hi):
    mask = (x > lo) & (x < hi)
    assert np.count_nonzero(mask) >= 5, (lo, hi)
    return mask


# ---------------------------------------------------------------------------------------
# Problem catalogue
# ---------------------------------------------------------------------------------------
def test_catalogue():
    assert set(SHOCK_TUBES) == {"mm1", "mm2", "weak", "strong"}
    for name, prob in SHOCK_TUBES.items():
        assert prob.name == name
        assert "(" in prob.reference and len(prob.reference) > 20
        assert prob.exact().p_star > 0.0
    with pytest.raises(TypeError):
        SHOCK_TUBES["new"] = SHOCK_TUBES["mm1"]  # read-only mapping
    with pytest.raises(ValueError, match="unknown shock tube"):
        run_shock_tube("mm3", 50)


# ---------------------------------------------------------------------------------------
# MM1 against the exact solution
# ---------------------------------------------------------------------------------------
def test_mm1_star_states_mc_hll_400():
    res = run_shock_tube("mm1", 400, recon="mc", riemann="hll")
    ex = res.problem.exact()
    assert ex.p_star == pytest.approx(1.4479, abs=1e-4)
    assert ex.v_star == pytest.approx(0.7140, abs=1e-4)
    assert ex.rho_star_R == pytest.approx(5.0708, abs=1e-4)
    t, dx, x = res.t, res.dx, res.x
    x_tail = 0.5 + ex.left_tail * t
    x_contact = 0.5 + ex.v_star * t
    x_shock = 0.5 + ex.right_shock_speed * t
    assert res.max_atmosphere_cells == 0

    # star region left of the contact: the second-order scheme leaves a ~3% dip at the
    # rarefaction tail (decreasing with N), so the plateau starts 10 cells inside
    left = _plateau(x, x_tail + 10 * dx, x_contact - 10 * dx)
    assert np.max(np.abs(res.P[left] / ex.p_star - 1.0)) < 0.02
    assert np.max(np.abs(res.v[left] / ex.v_star - 1.0)) < 0.02

    # dense shell between contact (smeared over ~7 cells) and shock: ~18 cells at N = 400
    shell = _plateau(x, x_contact + 7 * dx, x_shock - 3 * dx)
    assert np.max(np.abs(res.rho[shell] / ex.rho_star_R - 1.0)) < 0.05

    # shock: last cell whose density exceeds the mean of the shell and upstream densities
    half = 0.5 * (ex.rho_star_R + ex.rho_R)
    right_of_contact = x > x_contact
    i_shock = np.flatnonzero(right_of_contact & (res.rho > half))[-1]
    assert abs(x[i_shock] - x_shock) <= 2 * dx


def test_mm2_mc_hll_400():
    res = run_shock_tube("mm2", 400, recon="mc", riemann="hll")
    ex = res.problem.exact()
    t, dx, x = res.t, res.dx, res.x
    assert res.max_atmosphere_cells == 0
    x_tail = 0.5 + ex.left_tail * t
    x_contact = 0.5 + ex.v_star * t
    x_shock = 0.5 + ex.right_shock_speed * t
    # measured at N = 400: the plateau is within 2.1% (P) and 0.3% (v) of the exact state
    # 15 cells away from the rarefaction tail (a 6-8% dip sits at the tail itself)
    left = _plateau(x, x_tail + 15 * dx, x_contact - 10 * dx)
    assert np.max(np.abs(res.P[left] / ex.p_star - 1.0)) < 0.04
    assert np.max(np.abs(res.v[left] / ex.v_star - 1.0)) < 0.01
    # the shell (3.7 cells wide) peaks at 6.36 (61% of rho*_R = 10.42) at N = 400, 94% at
    # N = 1600; its smeared front runs 2.35 cells (measured) ahead of the exact shock
    half = 0.5 * (ex.rho_star_R + ex.rho_R)
    i_shock = np.flatnonzero((x > x_contact) & (res.rho > half))[-1]
    assert abs(x[i_shock] - x_shock) <= 3 * dx
    assert 0.5 * ex.rho_star_R < res.rho.max() < 1.05 * ex.rho_star_R


@pytest.mark.parametrize(("recon", "riemann"), SCHEMES)
def test_mm1_all_schemes_200(recon, riemann):
    res = run_shock_tube("mm1", 200, recon=recon, riemann=riemann)  # raises on c2p failure
    assert res.max_atmosphere_cells == 0
    err = l1_errors(res)
    assert all(np.isfinite(v) for v in err.values())
    assert err["rho"] < 1.5 * MM1_L1_RHO_200[(recon, riemann)]


def test_mm1_convergence_mc_hll():
    rows = convergence_table("mm1", (100, 200, 400), recons=("mc",), riemanns=("hll",),
                             raise_on_failure=True)
    # measured: L1(rho) = 1.179e-01, 6.742e-02, 3.242e-02; rates 0.81, 1.06
    assert [r.num_cells for r in rows] == [100, 200, 400]
    assert math.isnan(rows[0].rate)
    for r in rows[1:]:
        assert 0.6 <= r.rate <= 1.3, rows
    table = format_markdown_table(rows)
    assert table.count("\n") == 4 and "| mc | hll | 400 |" in table


def test_mm1_rk4_matches_rk3():
    e3 = l1_errors(run_shock_tube("mm1", 200, integrator="rk3"))["rho"]
    e4 = l1_errors(run_shock_tube("mm1", 200, integrator="rk4"))["rho"]
    # both are dominated by the spatial error at the discontinuities
    assert e4 == pytest.approx(e3, rel=0.1)


# ---------------------------------------------------------------------------------------
# Exactness properties of the scheme
# ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(("recon", "riemann"), SCHEMES)
def test_uniform_state_stays_uniform(recon, riemann):
    prob = ShockTube("uniform", 1.0, 1.0, 0.5, 1.0, 1.0, 0.5, 5.0 / 3.0, 1.0,
                     reference="uniform moving state (no reference)")
    res = run_shock_tube(prob, 64, recon=recon, riemann=riemann)
    assert res.num_steps > 200
    np.testing.assert_allclose(res.rho, 1.0, rtol=1e-13)
    np.testing.assert_allclose(res.v, 0.5, rtol=1e-13)
    np.testing.assert_allclose(res.P, 1.0, rtol=1e-13)


@pytest.mark.parametrize(("recon", "riemann", "integrator"),
                         [("mc", "hll", "rk3"), ("mc", "llf", "rk3"), ("mc", "hllc", "rk3"),
                          ("mp5", "hllc", "rk4"), ("wenoz", "hll", "rk3")])
def test_conservation_mm1(recon, riemann, integrator):
    prob = SHOCK_TUBES["mm1"]
    slab = PlanarSlab(200, prob.eos(), recon=recon, riemann=riemann)
    slab.set_primitives(*prob.initial_primitives(slab.x))
    inner = slab.interior
    D0, S0, tau0 = (np.sum(u[inner]) * slab.dx for u in slab.U)
    slab.evolve(prob.t_end, integrator=integrator)
    rho, v, p = slab.primitives()
    # the waves have not reached the boundaries: the outermost cells are untouched (to
    # round-off: HLLC's p* carries rounding errors), so the boundary fluxes are
    # (0, P_L, 0) and (0, P_R, 0)
    assert np.max(np.abs(v[:10])) < 1e-15 and np.max(np.abs(v[-10:])) < 1e-15
    D1, S1, tau1 = (np.sum(u[inner]) * slab.dx for u in slab.U)
    assert D1 == pytest.approx(D0, rel=1e-14)
    assert tau1 == pytest.approx(tau0, rel=1e-14)
    # momentum is pushed in by the pressure difference: d(sum S dx)/dt = P_L - P_R
    assert S1 - S0 == pytest.approx((prob.p_L - prob.p_R) * slab.t, rel=1e-12)


def test_hllc_keeps_stationary_contact_exact():
    prob = ShockTube("contact", 1.0, 1.0, 0.0, 0.125, 1.0, 0.0, 1.4, 0.4,
                     reference="stationary contact of the engrenage reference code; HLLC "
                     "resolves it exactly (Mignone & Bodo 2005, MNRAS 364, 126)")
    hllc = run_shock_tube(prob, 100, recon="mc", riemann="hllc")
    np.testing.assert_allclose(hllc.rho, np.where(hllc.x < 0.5, 1.0, 0.125), rtol=1e-13)
    np.testing.assert_allclose(hllc.v, 0.0, atol=1e-15)
    hll = run_shock_tube(prob, 100, recon="mc", riemann="hll")
    assert l1_errors(hll)["rho"] > 1e-3  # HLL diffuses the contact


# ---------------------------------------------------------------------------------------
# Failure detection
# ---------------------------------------------------------------------------------------
def test_c2p_failure_raises_with_location():
    prob = SHOCK_TUBES["weak"]
    slab = PlanarSlab(50, prob.eos())
    slab.set_primitives(*prob.initial_primitives(slab.x))
    slab.U[2, 20] = np.nan
    with pytest.raises(RuntimeError, match=r"t = 0 .*cell 20 \(interior index 17"):
        slab.evolve(0.1)
    assert slab.status[20] == C2P_FAILED


@pytest.mark.parametrize("riemann", ["hll", "llf", "hllc"])
def test_mm2_mp5_stays_subluminal(riemann):
    """Regression: MP5 overshoots |v| = 1 next to the MM2 blast when v is reconstructed;
    reconstructing W v keeps every face state subluminal and the run clean (no c2p
    failure, no cell emptied to the atmosphere)."""
    res = run_shock_tube("mm2", 200, recon="mp5", riemann=riemann)
    assert res.max_atmosphere_cells == 0
    assert l1_errors(res)["rho"] < 0.25


# ---------------------------------------------------------------------------------------
# Full sweep
# ---------------------------------------------------------------------------------------
# Observed order of L1(rho) between N = 200 and 400 (all schemes); MM2's shell
# (width ~0.01 at t = 0.35) is resolved by only 2-4 cells, so it converges slowly; minmod
# on "strong" gives 0.65 (measured), the other schemes 0.9-1.1.
SWEEP_RATE_RANGE = {"mm1": (0.6, 1.3), "mm2": (0.15, 1.3), "weak": (0.6, 1.3),
                    "strong": (0.5, 1.3)}


@pytest.mark.slow
@pytest.mark.parametrize("name", list(SHOCK_TUBES))
def test_full_convergence_table(name):
    rows = convergence_table(name, (100, 200, 400), recons=ALL_RECONS, riemanns=ALL_RIEMANNS)
    print(f"\n{name}\n{format_markdown_table(rows)}")
    lo, hi = SWEEP_RATE_RANGE[name]
    for r in rows:
        if name == "mm2" and r.recon == "mp5":
            continue  # known failure, see test_mm2_mp5_known_failure
        assert not r.failure and r.atmosphere_cells == 0, r
        assert np.isfinite(r.l1_rho), r
        if r.num_cells == 400:
            assert lo <= r.rate <= hi, r
