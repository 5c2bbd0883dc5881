"""Unit tests of the approximate Riemann solvers (source/matter/hydro/riemann.py).

Test-side formulas (independent of the code):

* fluxes (densitised, radial): with v~ = v - beta/alpha,
  F_D = alpha e6phi rho W v~,  F_S = alpha e6phi (rho h W^2 gamma_rr v v~ + P),
  F_tau = alpha e6phi (tau v~ + P v);
* characteristic speeds: roots of a lam^2 + b lam + c = 0 with
  a = (1 - cs2) u0^2 - cs2 g00, b = 2 cs2 g0r - 2 (1 - cs2) u0 ur,
  c = (1 - cs2) ur^2 - cs2 grr, u0 = W/alpha, ur = W v~, g00 = -1/alpha^2,
  g0r = beta/alpha^2, grr = 1/gamma_rr - beta^2/alpha^2.
"""

import math

import numpy as np
import pytest

from source.matter.eos.eos import EOS_IDEAL_GAS, IdealGasEOS, PolytropicEOS
from source.matter.hydro.atmosphere import AtmosphereParams
from source.matter.hydro.geometry import GeometryState
from source.matter.hydro.riemann import (
    RIEMANN_HLL,
    RIEMANN_HLLC,
    RIEMANN_LLF,
    SPEED_FLOOR,
    HLLCRiemannSolver,
    HLLRiemannSolver,
    LLFRiemannSolver,
    char_speeds,
    create_riemann_solver,
    face_flux,
    limit_face_state,
    physical_flux,
    velocity_from_wv,
)

GAMMA = 2.0
EOS = IdealGasEOS(GAMMA)
ATM = AtmosphereParams().packed(EOS)


def thermo(rho, press, gamma=GAMMA):
    eps = press / ((gamma - 1.0) * rho)
    h = 1.0 + eps + press / rho
    return eps, h, gamma * press / (rho * h)


def my_flux(rho, v, press, alpha, beta, gamma_rr, e6phi, gamma=GAMMA):
    _, h, _ = thermo(rho, press, gamma)
    W = 1.0 / math.sqrt(1.0 - gamma_rr * v * v)
    vt = v - beta / alpha
    tau = rho * h * W * W - press - rho * W
    a6 = alpha * e6phi
    return np.array([a6 * rho * W * vt,
                     a6 * (rho * h * W * W * gamma_rr * v * vt + press),
                     a6 * (tau * vt + press * v)])


def my_cons(rho, v, press, gamma_rr, e6phi, gamma=GAMMA):
    _, h, _ = thermo(rho, press, gamma)
    W = 1.0 / math.sqrt(1.0 - gamma_rr * v * v)
    return e6phi * np.array([rho * W, rho * h * W * W * gamma_rr * v,
                             rho * h * W * W - press - rho * W])


def my_speeds(v, cs2, alpha, beta, gamma_rr):
    """Roots (lam_-, lam_+) of the characteristic quadratic (cancellation-free form)."""
    W = 1.0 / math.sqrt(1.0 - gamma_rr * v * v)
    u0 = W / alpha
    ur = W * (v - beta / alpha)
    g00 = -1.0 / alpha**2
    g0r = beta / alpha**2
    grr = 1.0 / gamma_rr - beta**2 / alpha**2
    a = (1.0 - cs2) * u0**2 - cs2 * g00
    b = 2.0 * cs2 * g0r - 2.0 * (1.0 - cs2) * u0 * ur
    c = (1.0 - cs2) * ur**2 - cs2 * grr
    disc = b * b - 4.0 * a * c
    assert disc > 0.0
    q = -0.5 * (b + math.copysign(math.sqrt(disc), b))
    r1, r2 = q / a, c / q
    return min(r1, r2), max(r1, r2)


def random_state(rng, beta_range=0.5, vmax=0.95):
    rho = 10.0 ** rng.uniform(-7, -1)
    press = rho * 10.0 ** rng.uniform(-4, 0.5)
    alpha = rng.uniform(0.2, 1.5)
    beta = rng.uniform(-beta_range, beta_range)
    gamma_rr = rng.uniform(1.0, 3.0)
    e6phi = rng.uniform(0.8, 4.0)
    v = rng.uniform(-vmax, vmax) / math.sqrt(gamma_rr)
    return rho, v, press, alpha, beta, gamma_rr, e6phi


def code_flux(solver, rhoL, vL, pL, rhoR, vR, pR, alpha, beta, gamma_rr, e6phi):
    return np.array(face_flux(solver, rhoL, vL, pL, rhoR, vR, pR, alpha, beta, gamma_rr, e6phi,
                              EOS.params, ATM))


# ---------------------------------------------------------------------------------------
# Physical flux and wave speeds
# ---------------------------------------------------------------------------------------
def test_physical_flux_formula():
    rng = np.random.default_rng(1)
    for _ in range(2000):
        rho, v, press, alpha, beta, grr, e6 = random_state(rng)
        _, h, _ = thermo(rho, press)
        W = 1.0 / math.sqrt(1.0 - grr * v * v)
        got = np.array(physical_flux(rho, v, press, W, h, alpha, e6, grr, beta))
        want = my_flux(rho, v, press, alpha, beta, grr, e6)
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-14 * np.abs(want).max())


def test_char_speeds_equal_quadratic_roots():
    rng = np.random.default_rng(2)
    for _ in range(5000):
        alpha = rng.uniform(0.1, 2.0)
        beta = rng.uniform(-0.8, 0.8)
        gamma_rr = rng.uniform(0.5, 4.0)
        v = rng.uniform(-0.999, 0.999) / math.sqrt(gamma_rr)
        cs2 = rng.uniform(1e-6, 0.99)
        lm, lp = char_speeds(v, cs2, alpha, beta, gamma_rr)
        em, ep = my_speeds(v, cs2, alpha, beta, gamma_rr)
        scale = alpha / math.sqrt(gamma_rr) + abs(beta)
        assert lm == pytest.approx(em, abs=1e-12 * scale)
        assert lp == pytest.approx(ep, abs=1e-12 * scale)
        # causality: coordinate speeds inside the light cone -beta +- alpha/sqrt(gamma_rr)
        c_light = alpha / math.sqrt(gamma_rr)
        assert -c_light - 1e-12 <= lm + beta <= lp + beta <= c_light + 1e-12


def test_char_speeds_static_fluid():
    for alpha, gamma_rr, cs2 in ((1.0, 1.0, 0.25), (0.6, 2.2, 0.1)):
        lm, lp = char_speeds(0.0, cs2, alpha, 0.0, gamma_rr)
        c = alpha * math.sqrt(cs2 / gamma_rr)
        assert lm == pytest.approx(-c, rel=1e-14)
        assert lp == pytest.approx(c, rel=1e-14)


# ---------------------------------------------------------------------------------------
# Consistency: F(U, U) = F(U)
# ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("solver", [RIEMANN_HLL, RIEMANN_LLF])
def test_consistency_hll_llf(solver):
    rng = np.random.default_rng(3)
    for _ in range(3000):
        rho, v, p, alpha, beta, grr, e6 = random_state(rng)
        got = code_flux(solver, rho, v, p, rho, v, p, alpha, beta, grr, e6)
        want = my_flux(rho, v, p, alpha, beta, grr, e6)
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-15 * np.abs(want).max())


def test_consistency_hllc_zero_shift():
    rng = np.random.default_rng(4)
    for _ in range(3000):
        rho, v, p, alpha, _, grr, e6 = random_state(rng)
        v = math.copysign(max(abs(v), 0.05 / math.sqrt(grr)), v)
        got = code_flux(RIEMANN_HLLC, rho, v, p, rho, v, p, alpha, 0.0, grr, e6)
        want = my_flux(rho, v, p, alpha, 0.0, grr, e6)
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-15 * np.abs(want).max())


@pytest.mark.parametrize("v", [1e-2, 1e-4, 1e-6, 1e-9, -1e-6])
def test_consistency_hllc_slow_flow(v):
    """Regression: the contact speed must be computed without cancellation
    (lam* = 2c/(b + sqrt(b^2 - 4ac))); the textbook (b - sqrt(.))/2a loses ~eps_mach/v^2
    relative accuracy and gave F_D off by 4e-5 relative at v = 1e-6."""
    rho, p, alpha, grr, e6 = 1e-3, 1e-4, 0.8, 1.3, 1.5
    got = code_flux(RIEMANN_HLLC, rho, v, p, rho, v, p, alpha, 0.0, grr, e6)
    want = my_flux(rho, v, p, alpha, 0.0, grr, e6)
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-15 * np.abs(want).max())


def test_consistency_hllc_with_shift():
    rho, v, p, alpha, beta, grr, e6 = 1e-3, 0.2, 1e-4, 0.8, 0.1, 1.3, 1.5
    got = code_flux(RIEMANN_HLLC, rho, v, p, rho, v, p, alpha, beta, grr, e6)
    want = my_flux(rho, v, p, alpha, beta, grr, e6)
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-15 * np.abs(want).max())


def test_consistency_polytrope():
    eos = PolytropicEOS(100.0, 2.0)
    atm = AtmosphereParams().packed(eos)
    rho, v, alpha, beta, grr, e6 = 1e-3, -0.1, 0.7, 0.05, 1.4, 2.0
    p = 100.0 * rho**2.0
    want = my_flux(rho, v, p, alpha, beta, grr, e6)   # eps = K rho^(G-1)/(G-1) = P/((G-1) rho)
    for solver in (RIEMANN_HLL, RIEMANN_LLF):
        got = np.array(face_flux(solver, rho, v, p, rho, v, p, alpha, beta, grr, e6,
                                 eos.params, atm))
        np.testing.assert_allclose(got, want, rtol=1e-12)


# ---------------------------------------------------------------------------------------
# Mirror symmetry at beta = 0
# ---------------------------------------------------------------------------------------
def test_mirrored_states_hll_llf():
    """L = (rho, v, P), R = (rho, -v, P), beta = 0.

    The speeds satisfy lam_+(R) = -lam_-(L), lam_-(R) = -lam_+(L), so lam_+ = -lam_- = lam
    with lam = max(lam_+(L), -lam_-(L), SPEED_FLOOR). D_R = D_L, tau_R = tau_L, S_R = -S_L;
    F_D, F_tau are odd in v and F_S even. HLL:
      F = [lam F_L + lam F_R - lam^2 (U_R - U_L)] / (2 lam) = (F_L + F_R)/2 - lam (U_R - U_L)/2,
    hence F_D = F_tau = 0 and F_S = F_S(L) + lam S_L; LLF (lam_max = lam) gives the same.
    """
    rng = np.random.default_rng(5)
    for _ in range(2000):
        rho, v, p, alpha, _, grr, e6 = random_state(rng)
        FL = my_flux(rho, v, p, alpha, 0.0, grr, e6)
        SL = my_cons(rho, v, p, grr, e6)[1]
        _, _, cs2 = thermo(rho, p)
        lm, lp = my_speeds(v, cs2, alpha, 0.0, grr)
        lam = max(lp, -lm, SPEED_FLOOR)
        scale = np.abs(FL).max() + lam * abs(SL)
        for solver in (RIEMANN_HLL, RIEMANN_LLF):
            F = code_flux(solver, rho, v, p, rho, -v, p, alpha, 0.0, grr, e6)
            assert abs(F[0]) <= 1e-14 * scale
            assert abs(F[2]) <= 1e-14 * scale
            assert F[1] == pytest.approx(FL[1] + lam * SL, rel=1e-12)
        Fc = code_flux(RIEMANN_HLLC, rho, v, p, rho, -v, p, alpha, 0.0, grr, e6)
        assert abs(Fc[0]) <= 1e-13 * scale
        assert abs(Fc[2]) <= 1e-13 * scale


# ---------------------------------------------------------------------------------------
# Stationary contact
# ---------------------------------------------------------------------------------------
def test_hllc_resolves_stationary_contact():
    rng = np.random.default_rng(6)
    for _ in range(500):
        rhoL = 10.0 ** rng.uniform(-6, -2)
        rhoR = rhoL * 10.0 ** rng.uniform(-3, 3)
        p = 100.0 * max(rhoL, rhoR) ** 2
        alpha, grr, e6 = rng.uniform(0.3, 1.2), rng.uniform(1.0, 2.5), rng.uniform(1.0, 3.0)
        F = code_flux(RIEMANN_HLLC, rhoL, 0.0, p, rhoR, 0.0, p, alpha, 0.0, grr, e6)
        # round-off scale of the mass/energy fluxes: alpha e6phi (rho + P) c, c <= 1
        scale = alpha * e6 * (max(rhoL, rhoR) + p)
        assert abs(F[0]) <= 1e-14 * scale
        assert F[1] == pytest.approx(alpha * e6 * p, rel=1e-13)
        assert abs(F[2]) <= 1e-14 * scale
        # HLL smears the contact: F_D = lam_+ lam_- (D_R - D_L)/(lam_+ - lam_-) != 0
        Fh = code_flux(RIEMANN_HLL, rhoL, 0.0, p, rhoR, 0.0, p, alpha, 0.0, grr, e6)
        cL = alpha * math.sqrt(thermo(rhoL, p)[2] / grr)
        cR = alpha * math.sqrt(thermo(rhoR, p)[2] / grr)
        lam = max(cL, cR)
        expected = -lam * e6 * (rhoR - rhoL) / 2.0
        assert Fh[0] == pytest.approx(expected, rel=1e-12)
        assert abs(Fh[0]) > 0.0
        assert Fh[1] == pytest.approx(alpha * e6 * p, rel=1e-12)


# ---------------------------------------------------------------------------------------
# Upwinding, HLL formula on a generic jump
# ---------------------------------------------------------------------------------------
def test_hll_and_llf_formulas_on_generic_jump():
    rng = np.random.default_rng(7)
    for _ in range(2000):
        rhoL, vL, pL, alpha, beta, grr, e6 = random_state(rng)
        rhoR, _, pR, *_ = random_state(rng)
        vR = rng.uniform(-0.95, 0.95) / math.sqrt(grr)   # same face metric as the left state
        FL = my_flux(rhoL, vL, pL, alpha, beta, grr, e6)
        FR = my_flux(rhoR, vR, pR, alpha, beta, grr, e6)
        UL = my_cons(rhoL, vL, pL, grr, e6)
        UR = my_cons(rhoR, vR, pR, grr, e6)
        lmL, lpL = my_speeds(vL, thermo(rhoL, pL)[2], alpha, beta, grr)
        lmR, lpR = my_speeds(vR, thermo(rhoR, pR)[2], alpha, beta, grr)
        lm = min(0.0, lmL, lmR, -SPEED_FLOOR)
        lp = max(0.0, lpL, lpR, SPEED_FLOOR)
        hll = (lp * FL - lm * FR + lp * lm * (UR - UL)) / (lp - lm)
        lmax = max(lp, -lm)
        llf = 0.5 * (FL + FR - lmax * (UR - UL))
        scale = np.abs(FL).max() + np.abs(FR).max() + lmax * (np.abs(UL).max()
                                                               + np.abs(UR).max())
        got_hll = code_flux(RIEMANN_HLL, rhoL, vL, pL, rhoR, vR, pR, alpha, beta, grr, e6)
        got_llf = code_flux(RIEMANN_LLF, rhoL, vL, pL, rhoR, vR, pR, alpha, beta, grr, e6)
        np.testing.assert_allclose(got_hll, hll, rtol=0, atol=1e-12 * scale)
        np.testing.assert_allclose(got_llf, llf, rtol=0, atol=1e-12 * scale)


def test_supersonic_flow_is_upwinded():
    """Both states moving right faster than sound: HLL returns F_L (up to the 1e-8 floor)."""
    rho, p, alpha, grr, e6 = 1e-3, 1e-6, 1.0, 1.0, 1.0
    F = code_flux(RIEMANN_HLL, rho, 0.8, p, 0.5 * rho, 0.7, p, alpha, 0.0, grr, e6)
    FL = my_flux(rho, 0.8, p, alpha, 0.0, grr, e6)
    np.testing.assert_allclose(F, FL, rtol=1e-6)
    Fc = code_flux(RIEMANN_HLLC, rho, 0.8, p, 0.5 * rho, 0.7, p, alpha, 0.0, grr, e6)
    np.testing.assert_allclose(Fc, FL, rtol=1e-12)


# ---------------------------------------------------------------------------------------
# Face limiter and class interface
# ---------------------------------------------------------------------------------------
def test_limit_face_state():
    atm = AtmosphereParams(rho_floor=1e-13, p_floor=1e-24, v_max=0.999).packed(EOS)
    assert limit_face_state(-1.0, 0.1, -5.0, 1.0, atm) == (1e-13, 0.1, 1e-24)
    assert limit_face_state(np.nan, 0.1, np.nan, 1.0, atm)[::2] == (1e-13, 1e-24)
    rho, v, p = limit_face_state(1e-3, 2.0, 1e-4, 4.0, atm)
    assert v == pytest.approx(0.999 / 2.0, rel=1e-15)
    assert limit_face_state(1e-3, -2.0, 1e-4, 4.0, atm)[1] == pytest.approx(-0.4995, rel=1e-15)
    # gamma_rr < 1 is treated as 1 for the cap
    assert limit_face_state(1e-3, 2.0, 1e-4, 0.5, atm)[1] == pytest.approx(0.999, rel=1e-15)


def test_velocity_from_wv():
    """v^r = z / sqrt(1 + gamma_rr z^2) inverts z = W v^r and is subluminal for any z."""
    rng = np.random.default_rng(9)
    for _ in range(2000):
        grr = rng.uniform(0.5, 3.0)
        v = rng.uniform(-0.999, 0.999) / math.sqrt(grr)
        W = 1.0 / math.sqrt(1.0 - grr * v * v)
        assert velocity_from_wv(W * v, grr) == pytest.approx(v, rel=1e-13, abs=1e-300)
        z = rng.normal() * 10.0 ** rng.uniform(-3, 6)
        vz = velocity_from_wv(z, grr)
        assert grr * vz * vz < 1.0
        assert math.copysign(1.0, vz) == math.copysign(1.0, z)
        # beyond gamma_rr z^2 ~ 1/eps_mach the speed rounds to 1 (never above)
        vbig = velocity_from_wv(z * 1e12, grr)
        assert grr * vbig * vbig <= 1.0 + 4e-16


@pytest.mark.parametrize("cls", [HLLRiemannSolver, LLFRiemannSolver, HLLCRiemannSolver])
def test_solve_batch_equal_states(cls):
    rng = np.random.default_rng(8)
    m = 50
    rows = [random_state(rng, beta_range=0.0, vmax=0.9) for _ in range(m)]
    rows = [(r[0], math.copysign(max(abs(r[1]), 0.05), r[1]), *r[2:]) for r in rows]
    prim = np.array([[r[0], r[1], r[2]] for r in rows])
    geom = GeometryState(np.array([r[3] for r in rows]), np.zeros(m),
                         np.array([r[5] for r in rows]), np.array([r[6] for r in rows]))
    F = cls().solve_batch(prim, prim.copy(), geom, EOS, ATM)
    assert F.shape == (m, 3)
    want = np.array([my_flux(r[0], r[1], r[2], r[3], 0.0, r[5], r[6]) for r in rows])
    np.testing.assert_allclose(F, want, rtol=1e-11, atol=1e-15 * np.abs(want).max())


def test_create_riemann_solver():
    assert isinstance(create_riemann_solver("hll"), HLLRiemannSolver)
    assert isinstance(create_riemann_solver("HLLE"), HLLRiemannSolver)
    assert isinstance(create_riemann_solver("llf"), LLFRiemannSolver)
    assert isinstance(create_riemann_solver("hllc"), HLLCRiemannSolver)
    with pytest.raises(ValueError):
        create_riemann_solver("roe")
    assert EOS.params.kind == EOS_IDEAL_GAS
