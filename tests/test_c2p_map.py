"""cons2prim robustness/accuracy map (source/validation/c2p_map.py) and stress tests.

The map recovers exact ideal-gas states over log10(W - 1) in [-10, 3], log10(eps) in
[-10, 1], rho0 in {1e-12, 1e-6, 1e-2}, gamma_rr in {1, 2}, Gamma in {2, 5/3}. Bounds used
below (measured maxima in brackets, 12^2 / 60^2 / 200^2 maps, both solvers):

* ordinary regime W <= 10, eps >= 1e-6: rho0 and z = W v to 1e-10 relative
  [1.7e-13 / 3.8e-13 / 9.7e-13]; P to 1e-10 wherever the problem allows it, i.e. where
  the rounding floor eps_mach kappa_P (+ eps_mach nu for Newton) is <= 1e-11
  [4.6e-12 / 1.9e-11 / 1.8e-11]. P is *not* held to 1e-10 over the whole ordinary regime:
  at W ~ 10, eps ~ 1e-6 the conserved variables fix eps only to ~eps_mach W^2 / eps
  (kappa_P ~ 1e8; measured 1.1e-8 with either solver);
* everywhere: err_q <= 4 (tol + eps_mach kappa_q), kappa_q the first-order condition number
  of (D, S, tau) -> q (``condition_numbers``, checked here against a complex-step
  Jacobian); for Newton, eps and P get the round-off floor of its pressure residual added,
  eps_mach nu (``newton_floor``) [max ratio 1.7 / 2.2 / 2.4];
* Kastaun iterations <= 40 [13 / 16 / 26; 28 on a 400^2 map: once the root is hit to
  round-off the Illinois step can coincide with a bracket end and the bracket is then
  bisected down to the stopping width].
"""

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from source.matter.hydro.atmosphere import AtmosphereParams
from source.matter.hydro.cons2prim import (
    C2P_ATMOSPHERE,
    C2P_FAILED,
    C2P_OK,
    newton_pressure_solve,
    prim_to_cons_point,
)
from source.validation import c2p_map
from source.validation.c2p_map import (
    EPS_MACH,
    GAMMAS,
    METHODS,
    all_maps,
    condition_numbers,
    conserved_from_primitives,
    error_floor,
    format_markdown,
    map_atmosphere,
    newton_floor,
    ordinary_mask,
    random_unphysical_states,
    recover,
    robustness_map,
    summarize,
)

STATUS_CODES = (C2P_OK, C2P_ATMOSPHERE, C2P_FAILED)
PRIMS = ("rho", "vr", "press", "eps", "W", "h")
KASTAUN_MAX_ITER = 40          # measured 13 (12 x 12), 16 (60 x 60), 26 (200 x 200), 28 (400^2)
BOUND_FACTOR = 4.0             # measured max err / (tol + eps_mach kappa) = 2.0


@pytest.fixture(scope="module")
def coarse_maps():
    return all_maps(12, 12)


# ---------------------------------------------------------------------------------------
# Checks shared by the coarse (CI) and the full (slow) map
# ---------------------------------------------------------------------------------------
def _maps_of(maps, method):
    ms = [m for m in maps if m["method"] == method]
    assert len(ms) == len(GAMMAS) * 3 * 2
    return ms


def check_no_failures(ms):
    for m in ms:
        assert np.all(m["status"] == C2P_OK), (m["gamma"], m["rho0"], m["gamma_rr"])


def check_ordinary_accuracy(ms, newton):
    for m in ms:
        ordm = ordinary_mask(m)
        assert np.count_nonzero(ordm) > 0
        assert m["err_rho"][ordm].max() <= 1e-10
        assert m["err_z"][ordm].max() <= 1e-10
        # P to 1e-10 wherever the rounding of (D, S, tau) allows 1e-11
        floor = error_floor(m, "press", newton) - m["tol"]
        sel = ordm & (floor <= 1e-11)
        assert np.count_nonzero(sel) >= 0.5 * np.count_nonzero(ordm)
        assert m["err_press"][sel].max() <= 1e-10


def check_conditioning_bound(ms, newton):
    for m in ms:
        for q in c2p_map.ERROR_KEYS:
            bound = BOUND_FACTOR * error_floor(m, q, newton)
            worst = np.max(m[f"err_{q}"] / bound)
            assert worst <= 1.0, (q, m["gamma"], m["rho0"], m["gamma_rr"], worst)


# ---------------------------------------------------------------------------------------
# Coarse map (CI)
# ---------------------------------------------------------------------------------------
def test_kastaun_map_robust_and_accurate(coarse_maps):
    ms = _maps_of(coarse_maps, "kastaun")
    check_no_failures(ms)
    check_ordinary_accuracy(ms, newton=False)
    check_conditioning_bound(ms, newton=False)
    assert max(m["iterations"].max() for m in ms) <= KASTAUN_MAX_ITER
    assert not any(m["newton_fallback"].any() for m in ms)


def test_newton_map_robust_and_accurate(coarse_maps):
    """Newton (guess P (1 + 1e-3)) + Kastaun fallback: never fails; rho0 and z as accurate
    as Kastaun; eps and P limited by the pressure residual's round-off floor."""
    ms = _maps_of(coarse_maps, "newton")
    check_no_failures(ms)           # failures of the fast path are all rescued
    check_ordinary_accuracy(ms, newton=True)
    check_conditioning_bound(ms, newton=True)
    for m in ms:
        # Newton's own iterations and Kastaun's after a fallback, each capped by max_iter
        assert m["iterations"].max() <= 100 + KASTAUN_MAX_ITER
        # where the fast path is meant to work it works by itself
        assert not np.any(m["newton_fallback"] & (m["W"] <= 2.0) & (m["eps"] >= 1e-2))


def test_newton_cold_states_less_accurate_than_kastaun(coarse_maps):
    """The documented limitation: at W ~ 1 the Newton residual fixes P only to
    ~eps_mach h / eps (1e-6 at eps = 1e-10), while Kastaun stays at round-off."""
    sel_maps = [(m, k) for m in _maps_of(coarse_maps, "newton")
                for k in _maps_of(coarse_maps, "kastaun")
                if (k["gamma"], k["rho0"], k["gamma_rr"]) == (m["gamma"], m["rho0"],
                                                              m["gamma_rr"])]
    assert len(sel_maps) == 12
    for m, k in sel_maps:
        cold = (m["w1"] <= 10.0 * m["eps"]) & (m["eps"] <= 1e-8)   # kappa_P <= ~30
        assert np.count_nonzero(cold) >= 3
        assert k["err_press"][cold].max() <= 1e-13
        assert m["err_press"][cold].max() >= 1e-9
        assert np.all(m["err_press"][cold] <= 4.0 * EPS_MACH * m["nu_newton"][cold])


def test_map_layout_and_summary(coarse_maps):
    m = robustness_map("kastaun", 2.0, 1e-6, 2.0, n_w=5, n_eps=7)
    assert m["W"].shape == m["err_z"].shape == m["status"].shape == (5, 7)
    assert m["log10_w1"][0] == -10.0 and m["log10_w1"][-1] == 3.0
    assert m["log10_eps"][0] == -10.0 and m["log10_eps"][-1] == 1.0
    np.testing.assert_allclose(m["W"][:, 0] - 1.0, 10.0 ** m["log10_w1"], rtol=1e-6)
    rows = summarize(coarse_maps)
    assert [(r["method"], r["gamma"]) for r in rows] == [(a, g) for a in METHODS
                                                          for g in GAMMAS]
    for r in rows:
        assert r["points"] == 12 * 12 * 6 and r["failures"] == 0
        assert r["rho_z_ord"] <= 1e-10 and r["norm_newton_max"] <= BOUND_FACTOR
    table = format_markdown(rows).splitlines()
    assert len(table) == 2 + len(rows)
    assert len({line.count("|") for line in table}) == 1
    with pytest.raises(ValueError):
        robustness_map("bisection", 2.0, 1e-6, 1.0, 3, 3)


def test_command_line(capsys, tmp_path):
    c2p_map.main(["--n-w", "4", "--n-eps", "4", "--methods", "kastaun", "--gammas", "2"])
    out = capsys.readouterr().out
    assert "| kastaun | 2 | 96 | 0 |" in out


def test_plots(tmp_path):
    pytest.importorskip("matplotlib")
    maps = all_maps(6, 6, methods=("newton",), gammas=(2.0,), gamma_rrs=(1.0,))
    paths = c2p_map.save_plots(maps, tmp_path)
    assert len(paths) == 1 and paths[0].stat().st_size > 10_000


# ---------------------------------------------------------------------------------------
# The ingredients: forward map, condition numbers, Newton floor
# ---------------------------------------------------------------------------------------
def test_forward_map_agrees_with_code():
    rng = np.random.default_rng(5)
    n = 2000
    rho = 10.0 ** rng.uniform(-12, -2, n)
    w1 = 10.0 ** rng.uniform(-6, 1, n)
    eps = 10.0 ** rng.uniform(-3, 1, n)
    grr = rng.uniform(1.0, 2.0, n)
    c = conserved_from_primitives(rho, w1, eps, 5.0 / 3.0, grr)
    for i in range(n):
        D, S_r, tau = prim_to_cons_point(rho[i], c["vr"][i], c["press"][i], eps[i], grr[i], 1.0)
        assert D == pytest.approx(c["D"][i], rel=1e-13)
        assert S_r == pytest.approx(c["S_r"][i], rel=1e-12)
        assert abs(tau - c["tau"][i]) <= 1e-12 * c["tau"][i] + 8.0 * EPS_MACH * c["D"][i]


def _forward_rz(rho, z, eps, gamma):
    W = np.sqrt(1.0 + z * z)
    P = (gamma - 1.0) * rho * eps
    h = 1.0 + gamma * eps
    return rho * W, rho * h * W * z, rho * W * z * z / (W + 1.0) + rho * eps * W * W + P * z * z


@pytest.mark.parametrize("gamma", GAMMAS)
def test_condition_numbers_match_complex_step(gamma):
    rng = np.random.default_rng(7)
    n = 500
    w1 = 10.0 ** rng.uniform(-8, 1.5, n)
    eps = 10.0 ** rng.uniform(-4, 1, n)
    rho = np.full(n, 1e-3)
    z = np.sqrt(w1 * (w1 + 2.0))
    x = (rho, z, eps)
    c0 = _forward_rz(rho, z, eps, gamma)
    J = np.empty((n, 3, 3))               # d ln c_i / d ln x_j
    for j in range(3):
        xs = [xx.astype(complex) for xx in x]
        step = 1e-20 * x[j]
        xs[j] = xs[j] + 1j * step
        c = _forward_rz(*xs, gamma)
        for i in range(3):
            J[:, i, j] = c[i].imag / step * x[j] / c0[i]
    Jinv = np.linalg.inv(J)
    ref = {"rho": np.abs(Jinv[:, 0]).sum(axis=1), "z": np.abs(Jinv[:, 1]).sum(axis=1),
           "eps": np.abs(Jinv[:, 2]).sum(axis=1),
           "press": np.abs(Jinv[:, 0] + Jinv[:, 2]).sum(axis=1)}
    kappa = condition_numbers(w1, eps, gamma)
    for q, r in ref.items():
        np.testing.assert_allclose(kappa[q], r, rtol=1e-6, err_msg=q)
    # the rule of thumb eps_mach h^2 W^2 for rho0 and z is within a factor ~2 Gamma
    W = 1.0 + w1
    h = 1.0 + gamma * eps
    assert np.all(kappa["z"] <= 2.0 * gamma * (h * W) ** 2 + 3.0)


@pytest.mark.parametrize("gamma", GAMMAS)
def test_newton_floor_derivative(gamma):
    """nu = Q / (P |f'(P)|) with the analytic f'(P) (complex step of the residual)."""
    rng = np.random.default_rng(8)
    for _ in range(200):
        w1, eps, rho = 10.0 ** rng.uniform(-6, 2.5), 10.0 ** rng.uniform(-8, 1), 1e-4
        c = conserved_from_primitives(rho, w1, eps, gamma, 1.0)
        D, S, tau, P = (float(c[k]) for k in ("D", "S_r", "tau", "press"))
        k = gamma / (gamma - 1.0)

        def f(p, D=D, S=S, tau=tau, k=k):
            Q = tau + D + p
            W = 1.0 / np.sqrt(1.0 - S * S / (Q * Q))
            return D * W + k * p * W * W - Q

        fprime = f(P + 1j * 1e-30 * P).imag / (1e-30 * P)
        nu = newton_floor(w1, eps, gamma)
        assert float(nu) == pytest.approx((tau + D + P) / (P * abs(fprime)), rel=1e-6)


# ---------------------------------------------------------------------------------------
# Stress states (property based)
# ---------------------------------------------------------------------------------------
def test_random_unphysical_states_cover_the_classes():
    D, S_r, tau, grr = random_unphysical_states(np.random.default_rng(0), 4000)
    fin = np.isfinite(D) & np.isfinite(S_r) & np.isfinite(tau)
    assert np.count_nonzero(np.isnan(D) | np.isnan(S_r) | np.isnan(tau)) > 10
    assert np.count_nonzero(np.isinf(D) | np.isinf(S_r) | np.isinf(tau)) > 10
    assert np.count_nonzero(fin & (tau < 0)) > 100
    assert np.count_nonzero(fin & (D <= 0)) > 100
    with np.errstate(over="ignore", invalid="ignore"):
        superluminal = fin & (tau > 0) & (D > 0) & (S_r**2 / grr > tau * (tau + 2 * D))
    assert np.count_nonzero(superluminal) > 100
    mag = np.abs(np.stack([D, S_r, tau]))[:, fin]
    assert mag.max() >= 1e290 and mag[mag > 0].min() <= 1e-290
    assert np.all(grr > 0)
    D2, S2, tau2, _ = random_unphysical_states(np.random.default_rng(0), 4000,
                                               allow_nonfinite=False)
    assert np.all(np.isfinite(D2) & np.isfinite(S2) & np.isfinite(tau2))


def _atmosphere_values(atm, gamma):
    """Independent atmosphere primitives (rho, vr, P, eps, W, h) of the ideal gas."""
    eps = atm.p_floor / ((gamma - 1.0) * atm.rho_floor)
    press = max((gamma - 1.0) * atm.rho_floor * eps, atm.p_floor)
    return atm.rho_floor, 0.0, press, eps, 1.0, 1.0 + eps + press / atm.rho_floor


def _atmospheres():
    """The map's atmosphere and the default (TOV) one."""
    return (map_atmosphere(), AtmosphereParams())


def _check_outputs(r, inputs, atm, gamma, method, max_iter):
    D, S_r, tau, grr = inputs
    outs = np.stack([r[k] for k in PRIMS])
    st_ = r["status"]
    assert not np.any(np.isnan(outs))
    assert np.all(np.isin(st_, STATUS_CODES))
    it_cap = max_iter if method == "kastaun" else 2 * max_iter   # Newton + fallback
    assert np.all((r["iterations"] >= 0) & (r["iterations"] <= it_cap))
    # failed (and atmosphere) cells carry the atmosphere primitives
    notok = st_ != C2P_OK
    for k, v in zip(PRIMS, _atmosphere_values(atm, gamma), strict=True):
        np.testing.assert_allclose(r[k][notok], v, rtol=1e-14, atol=0.0, err_msg=k)
    # successful cells are physical and finite (Newton: not where tau + D or tau / D
    # overflow, see test_newton_overflow_is_not_ok)
    ok = st_ == C2P_OK
    if method == "newton":
        with np.errstate(all="ignore"):
            ok &= np.isfinite(np.abs(tau) + np.abs(D)) & (np.abs(tau) < 1e300 * np.abs(D))
    if np.any(ok):
        assert np.all(np.isfinite(outs[:, ok]))
        assert np.all(r["rho"][ok] >= atm.rho_floor) and np.all(r["press"][ok] >= atm.p_floor)
        assert np.all(r["eps"][ok] >= 0.0) and np.all(r["h"][ok] >= 1.0)
        # W <= W_max, except that the velocity cap may raise W to W(v_max) (see
        # test_velocity_cap_does_not_raise_w)
        w_cap = max(atm.W_max, 1.0 / math.sqrt(1.0 - atm.v_max**2))
        assert np.all((r["W"][ok] >= 1.0) & (r["W"][ok] <= w_cap * (1.0 + 1e-12)))
        assert np.all(grr[ok] * r["vr"][ok] ** 2 <= atm.v_max**2 * (1.0 + 1e-12))
    # non-finite inputs always fail
    bad = ~(np.isfinite(D) & np.isfinite(S_r) & np.isfinite(tau))
    assert np.all(st_[bad] == C2P_FAILED)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**63 - 1), n=st.integers(1, 64),
       guess_exp=st.floats(-300.0, 300.0), allow_nonfinite=st.booleans())
def test_random_states_never_nan_and_always_return(seed, n, guess_exp, allow_nonfinite):
    rng = np.random.default_rng(seed)
    inputs = random_unphysical_states(rng, n, allow_nonfinite)
    guess = np.abs(rng.standard_normal(n)) * 10.0**guess_exp
    for atm in _atmospheres():
        for gamma in (2.0, 5.0 / 3.0):
            for method in METHODS:
                for max_iter in (100, 5):
                    r = recover(method, gamma, *inputs, p_guess=guess, atmosphere=atm,
                                max_iter=max_iter)
                    _check_outputs(r, inputs, atm, gamma, method, max_iter)


finite_or_special = st.one_of(
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from([0.0, -0.0, 5e-324, 1e-18, 1.0, -1.0, 1e300]),
)


@settings(max_examples=200, deadline=None)
@given(cell=st.tuples(finite_or_special, finite_or_special, finite_or_special),
       which=st.lists(st.booleans(), min_size=3, max_size=3).filter(any),
       bad=st.sampled_from([np.inf, -np.inf, np.nan]),
       grr=st.floats(1e-3, 1e3), guess=st.floats(allow_nan=True, allow_infinity=True))
def test_nonfinite_inputs_fail_with_atmosphere_values(cell, which, bad, grr, guess):
    vals = [bad if w else x for w, x in zip(which, cell, strict=True)]
    inputs = tuple(np.array([v]) for v in (*vals, grr))
    for atm in _atmospheres():
        for method in METHODS:
            r = recover(method, 2.0, *inputs, p_guess=np.array([guess]), atmosphere=atm)
            assert r["status"][0] == C2P_FAILED and r["iterations"][0] == 0
            for k, v in zip(PRIMS, _atmosphere_values(atm, 2.0), strict=True):
                assert math.isfinite(r[k][0])
                assert r[k][0] == pytest.approx(v, rel=1e-14)


# ---------------------------------------------------------------------------------------
# Findings of the map (cons2prim.py), documented as strict xfails
# ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("D,tau", [
    (1e-10, 1e300),                          # tau / D overflows: eps = h = inf
    (np.finfo(np.float64).max, 1e300),       # tau + D overflows: P = eps = h = inf
])                                           # (Kastaun: C2P_FAILED, resp. P = 1e300)
def test_newton_overflow_is_not_ok(D, tau):
    inputs = (np.array([D]), np.array([0.0]), np.array([tau]), np.array([1.0]))
    r = recover("newton", 2.0, *inputs, p_guess=np.array([1.0]))
    assert r["status"][0] != C2P_OK or all(math.isfinite(r[k][0]) for k in PRIMS)


@pytest.mark.parametrize("method", METHODS)
def test_velocity_cap_does_not_raise_w(method):
    # S^2 is clipped to tau (tau + 2D) (safety 1): the massless limit, W = (tau + D) / D
    atm = map_atmosphere()
    inputs = (np.array([1.0]), np.array([1e20]), np.array([7000.0]), np.array([1.0]))
    r = recover(method, 2.0, *inputs, p_guess=np.array([1.0]), atmosphere=atm)
    assert r["status"][0] != C2P_OK or (r["W"][0] <= atm.W_max
                                        and r["rho"][0] * r["W"][0] == pytest.approx(1.0))


def test_newton_alone_converges_at_high_lorentz_factor():
    gamma, rho, w1, eps = 2.0, 1e-6, 10.0**1.82, 10.0
    c = conserved_from_primitives(rho, w1, eps, gamma, 1.0)
    D, S, tau, P = (float(c[k]) for k in ("D", "S_r", "tau", "press"))
    p, iterations, ok = newton_pressure_solve(D, S * S, tau, gamma, P * (1.0 + 1e-3), 1e-40,
                                              1e4, 1e-13, 100)
    # p is at the root to ~1e-11 after a few steps, but never reported as converged
    assert ok and iterations <= 10


# ---------------------------------------------------------------------------------------
# Full map (slow)
# ---------------------------------------------------------------------------------------
@pytest.mark.slow
@pytest.mark.parametrize("n", [60, 200])
def test_full_resolution_map(n):
    maps = all_maps(n, n)
    for method in METHODS:
        ms = _maps_of(maps, method)
        newton = method == "newton"
        check_no_failures(ms)
        check_ordinary_accuracy(ms, newton)
        check_conditioning_bound(ms, newton)
        if newton:
            for m in ms:
                assert not np.any(m["newton_fallback"] & (m["W"] <= 2.0) & (m["eps"] >= 1e-2))
        else:
            assert max(m["iterations"].max() for m in ms) <= KASTAUN_MAX_ITER


@pytest.mark.slow
def test_many_random_unphysical_states():
    rng = np.random.default_rng(2024)
    n = 200_000
    inputs = random_unphysical_states(rng, n)
    guess = np.abs(rng.standard_normal(n)) * 10.0 ** rng.uniform(-300.0, 300.0, n)
    for atm in _atmospheres():
        for gamma in (2.0, 5.0 / 3.0):
            for method in METHODS:
                for max_iter in (100, 5):
                    r = recover(method, gamma, *inputs, p_guess=guess, atmosphere=atm,
                                max_iter=max_iter)
                    _check_outputs(r, inputs, atm, gamma, method, max_iter)
