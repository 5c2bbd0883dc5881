r"""The one EOS interface of the compiled kernels (``EOSKernelParams(kind, gamma_th, pieces)``)
across its three kinds, and its users: cons2prim, the atmosphere and the Riemann faces.

Expected values are independent closed forms written here:

* ideal gas: ``P = (Gamma - 1) rho eps``, ``c_s^2 = Gamma (Gamma - 1) eps / h``;
* polytrope: ``P = K rho^Gamma``, ``eps = K rho^(Gamma-1) / (Gamma - 1)``;
* hybrid (Shibata, Taniguchi & Uryu 2005): ``P = P_cold + (Gamma_th - 1) rho (eps -
  eps_cold)``, ``c_s^2 h = Gamma_i P_cold / rho + Gamma_th (Gamma_th - 1) (eps - eps_cold)``,
  with the cold curve from the ``PiecewisePolytrope`` class (its own tests check it against
  Read et al. 2009) and ``Gamma_i`` looked up here from its ``rho_start`` / ``Gamma``;
* the sound speed from a finite difference of ``P`` along an adiabat ``d eps = P / rho^2
  d rho`` integrated here (RK4), ``c_s^2 = (dP/drho)_s / h`` (``de = h drho`` there);
* the Valencia variables and fluxes (MBM 2014), with ``tau`` in the cancellation-free form
  ``tau = rho W z^2 / (W + 1) + rho eps W^2 + P z^2`` (``z = W v``).
"""

import json
import math

import numpy as np
import pytest
from helpers import eps_along_adiabat
from hypothesis import given, settings
from hypothesis import strategies as st

from source.matter.eos.eos import (
    EOS_BAROTROPIC,
    EOS_HYBRID,
    EOS_IDEAL_GAS,
    EVOLUTION_EOS,
    MAX_PIECES,
    BarotropicEOS,
    HybridEOS,
    IdealGasEOS,
    PolytropicEOS,
    create_eos,
    eos_cold,
    eos_density_of_variable,
    eos_density_variable,
    eos_eps_from_rho_p,
    eos_face_state,
    eos_pressure,
    eos_sound_speed_squared,
    eos_thermo,
    eos_thermo_with_cold,
    evolution_eos,
    pad_pieces,
)
from source.matter.eos.eos_catalogue import eos_from_catalogue
from source.matter.eos.piecewise_polytrope import PiecewisePolytrope
from source.matter.eos.tabulated import TabulatedEOS
from source.matter.hydro.atmosphere import (
    AtmosphereParams,
    create_default_atmosphere,
    needs_reset,
    vacuum_state,
)
from source.matter.hydro.cons2prim import (
    C2P_ATMOSPHERE,
    C2P_KASTAUN,
    C2P_NEWTON,
    C2P_OK,
    Cons2PrimSolver,
    cons_to_prim_array,
    cons_to_prim_point,
    prim_to_cons_point,
)
from source.matter.hydro.geometry import GeometryState
from source.matter.hydro.riemann import (
    RIEMANN_HLL,
    RIEMANN_HLLC,
    RIEMANN_LLF,
    face_flux,
    face_flux_with_cold,
    limit_face_state,
    limit_face_state_with_cold,
    physical_flux,
)

U = np.finfo(np.float64).eps
SOLVERS = (RIEMANN_HLL, RIEMANN_LLF, RIEMANN_HLLC)
GAMMA_TH = 1.8
K_POLY, GAMMA_POLY = 100.0, 2.0

SLY = eos_from_catalogue("sly")                     # 7 pieces: 4 crust + 3 core
POLY = PiecewisePolytrope.polytrope(K_POLY, GAMMA_POLY)


def gamma_of_piece(cold, rho):
    """``Gamma_i`` of the piece holding ``rho`` (``rho_i <= rho < rho_{i+1}``), looked up
    here from the cold curve's table."""
    i = np.searchsorted(np.asarray(cold.rho_start), rho, side="right") - 1
    return np.asarray(cold.Gamma)[i]


def hybrid_closed_form(cold, gamma_th, rho, eps):
    """(P, c_s^2) of the hybrid EOS from the cold curve's own P and eps."""
    p_cold = cold.pressure(rho)
    eps_cold = cold.specific_internal_energy(rho)
    p = p_cold + (gamma_th - 1.0) * rho * (eps - eps_cold)
    h = 1.0 + eps + p / rho
    cs2 = (gamma_of_piece(cold, rho) * p_cold / rho
           + gamma_th * (gamma_th - 1.0) * (eps - eps_cold)) / h
    return p, cs2


def cons_closed_form(rho, vr, press, eps, gamma_rr):
    """Physical (D, S_r, tau, W) of one state, tau without cancellation."""
    v2 = gamma_rr * vr * vr          # (W is ill-conditioned in v: W^2 eps_mach relative)
    W = 1.0 / math.sqrt(1.0 - v2)
    z = W * math.sqrt(v2)
    h = 1.0 + eps + press / rho
    return (rho * W, rho * h * W * W * gamma_rr * vr,
            rho * W * z * z / (W + 1.0) + rho * eps * W * W + press * z * z, W)


# ---------------------------------------------------------------------------------------
# (a) point functions against closed forms
# ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("gamma", [4.0 / 3.0, 5.0 / 3.0, 2.0])
def test_ideal_gas_point_functions(gamma):
    eos = IdealGasEOS(gamma).params
    assert eos.kind == EOS_IDEAL_GAS and eos.gamma_th == gamma
    rng = np.random.default_rng(1)
    for rho, eps in zip(10.0 ** rng.uniform(-12, 0, 300), 10.0 ** rng.uniform(-10, 1, 300),
                        strict=True):
        p = (gamma - 1.0) * rho * eps
        h = 1.0 + gamma * eps
        cs2 = gamma * (gamma - 1.0) * eps / h
        assert eos_cold(eos, rho)[:2] == (0.0, 0.0)
        assert eos_pressure(eos, rho, eps) == pytest.approx(p, rel=4 * U)
        assert eos_eps_from_rho_p(eos, rho, p) == pytest.approx(eps, rel=4 * U)
        assert eos_sound_speed_squared(eos, rho, eps, p, h) == pytest.approx(cs2, rel=1e-14)
        p_t, eps_t, h_t, cs2_t = eos_thermo(eos, rho, p)
        assert p_t == p
        assert eps_t == pytest.approx(eps, rel=4 * U)
        assert h_t == pytest.approx(h, rel=4 * U)
        assert cs2_t == pytest.approx(cs2, rel=1e-14)


@pytest.mark.parametrize("K,gamma", [(100.0, 2.0), (1.0, 4.0 / 3.0), (0.05, 2.75)])
def test_barotropic_polytrope_point_functions(K, gamma):
    eos = PolytropicEOS(K, gamma).params
    assert eos.kind == EOS_BAROTROPIC
    rng = np.random.default_rng(2)
    for rho in 10.0 ** rng.uniform(-12, -2, 300):
        p = K * rho**gamma
        eps = K * rho ** (gamma - 1.0) / (gamma - 1.0)
        h = 1.0 + eps + p / rho
        cs2 = gamma * p / (rho * h)
        p_c, eps_c, gamma_c = eos_cold(eos, rho)
        assert p_c == pytest.approx(p, rel=1e-14)
        assert eps_c == pytest.approx(eps, rel=1e-14)
        assert gamma_c == gamma
        # the barotropic EOS ignores eps and P: both are functions of rho alone
        for garbage in (0.0, 3.0 * eps, 1e3):
            assert eos_pressure(eos, rho, garbage) == pytest.approx(p, rel=1e-14)
            assert eos_eps_from_rho_p(eos, rho, garbage) == pytest.approx(eps, rel=1e-14)
        assert eos_sound_speed_squared(eos, rho, eps, p, h) == pytest.approx(cs2, rel=1e-14)
        # eos_thermo replaces an inconsistent P by the cold pressure
        for p_in in (p, 3.0 * p, 0.1 * p):
            p_t, eps_t, h_t, cs2_t = eos_thermo(eos, rho, p_in)
            assert p_t == pytest.approx(p, rel=1e-14)
            assert eps_t == pytest.approx(eps, rel=1e-14)
            assert h_t == pytest.approx(h, rel=1e-14)
            assert cs2_t == pytest.approx(cs2, rel=1e-14)


@pytest.mark.parametrize("K,gamma", [(100.0, 2.0), (1.0, 4.0 / 3.0), (0.05, 2.75),
                                     (3.0, 5.0 / 3.0)])
def test_hybrid_of_polytrope_with_its_gamma_is_the_ideal_gas(K, gamma):
    hybrid = HybridEOS(PiecewisePolytrope.polytrope(K, gamma), gamma).params
    ideal = IdealGasEOS(gamma).params
    assert hybrid.kind == EOS_HYBRID
    rng = np.random.default_rng(3)
    rho = 10.0 ** rng.uniform(-12, -2, 400)
    eps_cold = K * rho ** (gamma - 1.0) / (gamma - 1.0)
    # eps from the cold curve (eps_th = 0) to eps_th = 1e2 eps_cold
    eps = eps_cold * (1.0 + np.concatenate(([0.0] * 50, 10.0 ** rng.uniform(-12, 2, 350))))
    for r, e in zip(rho, eps, strict=True):
        p_i = eos_pressure(ideal, r, e)
        p_h = eos_pressure(hybrid, r, e)
        assert p_h == pytest.approx(p_i, rel=1e-14)
        assert eos_eps_from_rho_p(hybrid, r, p_i) == pytest.approx(e, rel=1e-14)
        h = 1.0 + e + p_i / r
        assert eos_sound_speed_squared(hybrid, r, e, p_h, h) == pytest.approx(
            eos_sound_speed_squared(ideal, r, e, p_i, h), rel=1e-14)
        for a, b in zip(eos_thermo(hybrid, r, p_i), eos_thermo(ideal, r, p_i), strict=True):
            assert a == pytest.approx(b, rel=1e-14)


@settings(max_examples=300, deadline=None)
@given(log_rho=st.floats(-12.0, math.log10(5e-3)),
       eps_th_rel=st.one_of(st.just(0.0), st.floats(1e-12, 1e3)))
def test_hybrid_sly_point_functions_match_cold_curve_formula(log_rho, eps_th_rel):
    eos = HybridEOS(SLY, GAMMA_TH).params
    rho = 10.0**log_rho
    eps_cold = float(SLY.specific_internal_energy(rho))
    p_cold = float(SLY.pressure(rho))
    eps = eps_cold * (1.0 + eps_th_rel)
    p, cs2 = (float(x) for x in hybrid_closed_form(SLY, GAMMA_TH, rho, eps))
    h = 1.0 + eps + p / rho
    c = eos_cold(eos, rho)
    assert c[0] == pytest.approx(p_cold, rel=1e-14)
    assert c[1] == pytest.approx(eps_cold, rel=1e-14)
    assert c[2] == gamma_of_piece(SLY, rho)
    assert eos_pressure(eos, rho, eps) == pytest.approx(p, rel=1e-14)
    # eps(rho, P) inverts P(rho, eps): absolute rounding ~ eps_mach (eps + P / rho)
    assert eos_eps_from_rho_p(eos, rho, p) == pytest.approx(eps, rel=1e-14,
                                                           abs=8 * U * (eps + p / rho))
    assert eos_sound_speed_squared(eos, rho, eps, p, h) == pytest.approx(cs2, rel=1e-14)
    p_t, eps_t, h_t, cs2_t = eos_thermo(eos, rho, p)
    assert p_t == pytest.approx(p, rel=1e-14)     # (cold: the kernel's P_cold, to round-off)
    assert eps_t == pytest.approx(eps, rel=1e-14, abs=8 * U * (eps + p / rho))
    assert h_t == pytest.approx(h, rel=1e-14)
    assert cs2_t == pytest.approx(cs2, rel=1e-13)


@pytest.mark.parametrize("below", [1e-3, 0.5, 1.0])
def test_hybrid_thermo_clamps_to_the_cold_curve(below):
    """A (rho, P) face state below the cold pressure gets P = P_cold, eps = eps_cold."""
    eos = HybridEOS(SLY, GAMMA_TH).params
    for rho in (1e-11, 1e-8, 1e-5, 1e-3):
        p_cold = float(SLY.pressure(rho))
        eps_cold = float(SLY.specific_internal_energy(rho))
        h = 1.0 + eps_cold + p_cold / rho
        p_t, eps_t, h_t, cs2_t = eos_thermo(eos, rho, (1.0 - below) * p_cold)
        assert p_t == pytest.approx(p_cold, rel=1e-15)
        assert eps_t == pytest.approx(eps_cold, rel=1e-15)
        assert h_t == pytest.approx(h, rel=1e-15)
        assert cs2_t == pytest.approx(gamma_of_piece(SLY, rho) * p_cold / (rho * h),
                                      rel=1e-14)


def sly_test_densities():
    """Densities in every piece of SLy: each dividing density exactly, the double just below
    it, the geometric middle of each piece, and far above the last one."""
    starts = SLY.rho_start[1:]
    rho = list(starts) + [np.nextafter(r, 0.0) for r in starts]
    edges = (1e-14,) + tuple(starts) + (starts[-1] * 100.0,)
    rho += [math.sqrt(a * b) for a, b in zip(edges[:-1], edges[1:], strict=True)]
    rho += [1.0, 1e3]
    return np.array(sorted(rho))


@pytest.mark.parametrize("make", [lambda c: BarotropicEOS(c), lambda c: HybridEOS(c, 1.7)],
                         ids=["barotropic", "hybrid"])
def test_padding_seven_piece_sly(make):
    assert SLY.n_pieces == 7 < MAX_PIECES
    eos = make(SLY)
    assert all(len(row) == MAX_PIECES for row in eos.params.pieces)
    rho = sly_test_densities()
    p_ref = SLY.pressure(rho)
    eps_ref = SLY.specific_internal_energy(rho)
    gamma_ref = gamma_of_piece(SLY, rho)
    # P and eps to round-off (the compiled powers may differ in the last bit between
    # compilations); the piece is checked exactly through Gamma_i
    for i, r in enumerate(rho):
        p, eps, gamma = eos_cold(eos.params, r)
        assert p == pytest.approx(p_ref[i], rel=1e-14)
        assert eps == pytest.approx(eps_ref[i], rel=1e-14)
        # the piece (not visible in the continuous P, eps): the upper one at rho_i
        assert gamma == gamma_ref[i]
        assert eos_pressure(eos.params, r, eps_ref[i]) == pytest.approx(p_ref[i], rel=1e-14)
        assert eos_eps_from_rho_p(eos.params, r, p_ref[i]) == pytest.approx(eps_ref[i],
                                                                            rel=1e-14)
    # every dividing density starts its piece: Gamma_i there, Gamma_{i-1} just below
    for i, r in enumerate(SLY.rho_start[1:], start=1):
        assert eos_cold(eos.params, r)[2] == SLY.Gamma[i]
        assert eos_cold(eos.params, np.nextafter(r, 0.0))[2] == SLY.Gamma[i - 1]
    # above the last dividing density the last piece holds: P = K_6 rho^Gamma_6
    for r in (1e-2, 1.0, 1e3):
        assert eos_cold(eos.params, r)[0] == pytest.approx(SLY.K[-1] * r ** SLY.Gamma[-1],
                                                           rel=1e-14)
    # the class (array) interface agrees
    np.testing.assert_allclose(eos.cold_pressure(rho), p_ref, rtol=1e-14)
    np.testing.assert_allclose(eos.cold_eps(rho), eps_ref, rtol=1e-14)


def many_pieces(n):
    return PiecewisePolytrope(10.0, [2.0 + 0.25 * (i % 2) for i in range(n)],
                              np.logspace(-10, -3, n - 1))


def test_max_pieces_exactly_and_exceeded():
    full = many_pieces(MAX_PIECES)
    for eos in (BarotropicEOS(full), HybridEOS(full, 1.5)):
        # the top piece (no padding entry left) is used above the last dividing density
        for r in (1e-9, 1e-4, 1e-2, 1.0):
            assert eos_cold(eos.params, r)[0] == pytest.approx(float(full.pressure(r)),
                                                               rel=1e-14)
            assert eos_cold(eos.params, r)[2] == gamma_of_piece(full, r)
    over = many_pieces(MAX_PIECES + 1)
    with pytest.raises(ValueError):
        BarotropicEOS(over)
    with pytest.raises(ValueError):
        HybridEOS(over, 1.5)
    with pytest.raises(ValueError):
        pad_pieces(over.pieces)


# ---------------------------------------------------------------------------------------
# (b) sound speed from the adiabat
# ---------------------------------------------------------------------------------------
def adiabat_eps(eos, rho0, eps0, rho1, steps=4):
    """eps at rho1 on the adiabat through (rho0, eps0) of the compiled EOS ``eos``."""
    return eps_along_adiabat(lambda r, e: eos_pressure(eos, r, e), rho0, eps0, rho1, steps)


SOUND_SPEED_EOS = {
    "ideal": (lambda: IdealGasEOS(5.0 / 3.0), None),
    "polytrope": (lambda: PolytropicEOS(K_POLY, GAMMA_POLY), POLY),
    "barotropic_sly": (lambda: BarotropicEOS(SLY), SLY),
    "hybrid_polytrope": (lambda: HybridEOS(POLY, 1.5), POLY),
    "hybrid_sly": (lambda: HybridEOS(SLY, GAMMA_TH), SLY),
}


@pytest.mark.parametrize("name", list(SOUND_SPEED_EOS))
def test_sound_speed_from_finite_difference_along_adiabat(name):
    make, cold = SOUND_SPEED_EOS[name]
    eos = make().params
    rng = np.random.default_rng(5)
    delta = 1e-4
    checked = 0
    for rho in 10.0 ** rng.uniform(-12, math.log10(3e-3), 300):
        if cold is not None and cold.piece_index(rho * (1 - 2 * delta)) != \
                cold.piece_index(rho * (1 + 2 * delta)):
            continue                            # c_s^2 jumps at a dividing density
        eps_cold = 0.0 if cold is None else float(cold.specific_internal_energy(rho))
        for eps_th in (0.0, 1e-6, 1e-2, 1.0):
            if cold is None and eps_th == 0.0:
                eps_th = 1e-9                   # the ideal gas: P = 0 has c_s = 0
            eps = eps_cold + eps_th
            if eos.kind == EOS_BAROTROPIC:
                eps = eps_cold                  # the only adiabat is the cold curve
            p = eos_pressure(eos, rho, eps)
            h = 1.0 + eps + p / rho
            rp, rm = rho * (1.0 + delta), rho * (1.0 - delta)
            dp = (eos_pressure(eos, rp, adiabat_eps(eos, rho, eps, rp))
                  - eos_pressure(eos, rm, adiabat_eps(eos, rho, eps, rm)))
            cs2_fd = dp / (rp - rm) / h          # (dP/drho)_s / h, de = h drho
            cs2 = eos_sound_speed_squared(eos, rho, eps, p, h)
            assert cs2 == pytest.approx(cs2_fd, rel=1e-6), (rho, eps_th)
            checked += 1
    assert checked > 500


# ---------------------------------------------------------------------------------------
# (c) cons2prim round trips
# ---------------------------------------------------------------------------------------
def atmosphere_for(cold):
    """Default atmosphere of a run: rho_floor = 1e-13, p_floor = P_cold(1e-13) (the
    polytrope K rho^Gamma for the ideal gas)."""
    rho_floor = 1e-13
    p_floor = K_POLY * rho_floor**GAMMA_POLY if cold is None else float(cold.pressure(rho_floor))
    return AtmosphereParams(rho_floor=rho_floor, p_floor=p_floor)


def random_prims(cold, n, seed):
    """rho in [1e-10, 3e-3], W - 1 in [0, 10] (a quarter at rest), gamma_rr in [1, 3], eps_th
    a quarter exactly 0, a half log-uniform in [1e-10, 1], a quarter uniform in [0, 1]."""
    rng = np.random.default_rng(seed)
    rho = 10.0 ** rng.uniform(-10.0, math.log10(3e-3), n)
    W = 1.0 + np.where(rng.uniform(size=n) < 0.25, 0.0, rng.uniform(0.0, 10.0, n))
    gamma_rr = rng.uniform(1.0, 3.0, n)
    vr = rng.choice([-1.0, 1.0], n) * np.sqrt(1.0 - 1.0 / W**2) / np.sqrt(gamma_rr)
    u = rng.uniform(size=n)
    eps_th = np.where(u < 0.25, 0.0,
                      np.where(u < 0.75, 10.0 ** rng.uniform(-10, 0, n),
                               rng.uniform(0.0, 1.0, n)))
    eps_cold = np.zeros(n) if cold is None else cold.specific_internal_energy(rho)
    return rho, vr, gamma_rr, eps_cold, eps_th


def round_trip(eos_object, cold, n, seed, method=C2P_KASTAUN):
    """Check every random state: prim -> cons -> prim; returns the number checked."""
    atm = atmosphere_for(cold).packed(eos_object)
    eos = eos_object.params
    rho, vr, gamma_rr, eps_cold, eps_th = random_prims(cold, n, seed)
    if eos.kind == EOS_BAROTROPIC:
        eps_th = np.zeros(n)
    if eos.kind == EOS_IDEAL_GAS:
        eps_th = np.maximum(eps_th, 1e-10)      # P > p_floor
    g_th = getattr(eos, "gamma_th", None)       # the barotropic EOS has no thermal part
    for i in range(n):
        r, v, grr, e = rho[i], vr[i], gamma_rr[i], eps_cold[i] + eps_th[i]
        if eos.kind == EOS_IDEAL_GAS:
            p = (g_th - 1.0) * r * e
        elif eos.kind == EOS_BAROTROPIC:
            p = float(cold.pressure(r))
        else:
            p = float(cold.pressure(r)) + (g_th - 1.0) * r * eps_th[i]
        D, S, tau = prim_to_cons_point(r, v, p, e, grr, 1.0)
        D_ref, S_ref, tau_ref, W = cons_closed_form(r, v, p, e, grr)
        assert D == pytest.approx(D_ref, rel=4 * U)
        assert S == pytest.approx(S_ref, rel=1e-14)
        # prim_to_cons_point forms tau = rho h W^2 - P - D: rounding ~ eps_mach rho h W^2
        h = 1.0 + e + p / r
        assert abs(tau - tau_ref) <= 1e-14 * tau_ref + 8 * U * r * h * W * W
        out = cons_to_prim_point(D, S, tau, grr, eos, atm, method, 0.0, 1e-13, 100)
        rho_o, vr_o, p_o, eps_o, W_o, h_o, status, _ = out
        assert status == C2P_OK, (i, r, v, e)
        # rho, v: set by D and S (well conditioned)
        assert rho_o == pytest.approx(r, rel=1e-9), i
        assert vr_o == pytest.approx(v, rel=1e-9, abs=1e-300), i
        assert W_o == pytest.approx(W, rel=1e-9), i
        # eps: the thermal information sits in the last digits of tau / D once the kinetic
        # part dominates; rounding of tau (and of tau / D in the solver), ~ eps_mach h W^2
        # relative to D, moves eps by ~ eps_mach h W^2 (see test_cons2prim.py). Budget:
        # 1e-9 relative plus 8 eps_mach h W^2 absolute (observed: below 2 eps_mach h W^2).
        eps_tol = 1e-9 * e + 8 * U * h * W * W
        assert abs(eps_o - e) <= eps_tol, (i, r, W, e, eps_o)
        # P = P_cold(rho) + (Gamma_th - 1) rho eps_th: the error of eps enters the thermal
        # pressure as (Gamma_th - 1) rho d eps, so the P budget is 1e-9 P plus (Gamma_th - 1)
        # rho times the eps budget. For cold or nearly cold states that is looser than 1e-9
        # relative: by (Gamma_th - 1) rho eps / P_cold (~ 3 on the soft SLy crust pieces,
        # where P_cold / rho < eps) and by the rounding term (Gamma_th - 1) rho 8 eps_mach
        # h W^2 / P_cold (large relative to P only when P / rho is not >> 1e-15 W^2).
        dp_tol = 1e-9 * p + (0.0 if eos.kind == EOS_BAROTROPIC else
                             (g_th - 1.0) * r * eps_tol)
        assert abs(p_o - p) <= dp_tol, (i, r, W, e, p, p_o)
        assert h_o == pytest.approx(1.0 + eps_o + p_o / rho_o, rel=4 * U)
        if eos.kind != EOS_IDEAL_GAS:
            # never below the cold curve
            assert eps_o >= float(cold.specific_internal_energy(rho_o)) * (1.0 - 4 * U)
    return n


@pytest.mark.parametrize("cold_name", ["sly", "polytrope"])
def test_round_trip_hybrid(cold_name):
    cold = SLY if cold_name == "sly" else POLY
    assert round_trip(HybridEOS(cold, GAMMA_TH), cold, 1500, seed=7) == 1500


@pytest.mark.parametrize("cold_name", ["sly", "polytrope"])
def test_round_trip_barotropic(cold_name):
    eos = BarotropicEOS(SLY) if cold_name == "sly" else PolytropicEOS(K_POLY, GAMMA_POLY)
    cold = SLY if cold_name == "sly" else POLY
    assert round_trip(eos, cold, 1000, seed=8) == 1000


def test_barotropic_recovery_picks_the_causal_root():
    """A cold SLy state below the causal density (rho_causal = 3.25e-3) moving with W = 9.14:
    g(rho) = rho sqrt(1 + r^2 / h(rho)^2) - D has three roots in [D / sqrt(1 + r^2), D] (the
    bracket reaches beyond rho_causal, where c_s^2 > 1 and g is not monotonic); on the
    causal range (c_s^2 < 1: d(rho^2 W^2)/drho > 0) the root is unique and is the state."""
    eos = BarotropicEOS(SLY)
    atm = atmosphere_for(SLY).packed(eos)
    rho, W, grr = 2.877e-3, 9.14, 1.0
    assert rho < SLY.rho_causal
    vr = math.sqrt(1.0 - 1.0 / W**2)
    p, eps = float(SLY.pressure(rho)), float(SLY.specific_internal_energy(rho))
    D, S, tau, _ = cons_closed_form(rho, vr, p, eps, grr)
    out = cons_to_prim_point(D, S, tau, grr, eos.params, atm, C2P_KASTAUN, 0.0, 1e-13, 100)
    assert out[6] == C2P_OK
    assert out[0] == pytest.approx(rho, rel=1e-9)
    assert out[0] <= SLY.rho_causal


def test_round_trip_barotropic_ignores_tau():
    """tau plays no part in the barotropic recovery: any tau gives the same state."""
    eos_object = PolytropicEOS(K_POLY, GAMMA_POLY)
    atm = atmosphere_for(POLY).packed(eos_object)
    eos = eos_object.params
    rho, vr, grr = 2e-4, 0.3, 1.4
    eps = K_POLY * rho
    p = K_POLY * rho**2
    D, S, tau = prim_to_cons_point(rho, vr, p, eps, grr, 1.0)
    ref = cons_to_prim_point(D, S, tau, grr, eos, atm, C2P_KASTAUN, 0.0, 1e-13, 100)
    assert ref[6] == C2P_OK and ref[0] == pytest.approx(rho, rel=1e-12)
    for bad_tau in (0.0, -tau, 10.0 * tau, 1e-30):
        out = cons_to_prim_point(D, S, bad_tau, grr, eos, atm, C2P_KASTAUN, 0.0, 1e-13, 100)
        assert out[:7] == ref[:7]


@pytest.mark.parametrize("method", [C2P_KASTAUN, C2P_NEWTON], ids=["kastaun", "newton"])
def test_round_trip_ideal_gas(method):
    assert round_trip(IdealGasEOS(5.0 / 3.0), None, 1000, seed=9, method=method) == 1000


def test_solver_class_hybrid_matches_point_function():
    """Cons2PrimSolver (arrays) gives the point function's results for the hybrid EOS."""
    eos = HybridEOS(SLY, GAMMA_TH)
    atmosphere = atmosphere_for(SLY)
    rho, vr, gamma_rr, eps_cold, eps_th = random_prims(SLY, 200, seed=10)
    p = SLY.pressure(rho) + (GAMMA_TH - 1.0) * rho * eps_th
    cons = np.array([prim_to_cons_point(rho[i], vr[i], p[i], eps_cold[i] + eps_th[i],
                                        gamma_rr[i], 1.0) for i in range(rho.size)])
    n = rho.size
    geom = GeometryState(np.ones(n), np.zeros(n), gamma_rr, np.ones(n))
    solver = Cons2PrimSolver(eos, atmosphere, solver_method="kastaun", tol=1e-13)
    rho_o, vr_o, p_o, eps_o, W_o, h_o, status = solver.convert(*cons.T, geom)
    atm = atmosphere.packed(eos)
    for i in range(rho.size):
        ref = cons_to_prim_point(*cons[i], gamma_rr[i], eos.params, atm, C2P_KASTAUN, 0.0,
                                 1e-13, 100)
        assert (rho_o[i], vr_o[i], p_o[i], eps_o[i], W_o[i], h_o[i], status[i]) == ref[:7]
    assert np.all(status == C2P_OK)


# ---------------------------------------------------------------------------------------
# (d) eps below the cold curve: recovered on the cold curve
# ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("cold_name", ["sly", "polytrope"])
@pytest.mark.parametrize("deficit", [1e-12, 1e-6, 1e-2])
def test_tau_below_cold_value_recovered_on_cold_curve(cold_name, deficit):
    """tau below the cold tau of (D, S) by ``deficit`` rho W^2 eps_cold (an eps below
    eps_cold, from numerical error) -> the cold state with that D and S, status OK."""
    cold = SLY if cold_name == "sly" else POLY
    eos_object = HybridEOS(cold, GAMMA_TH)
    atm = atmosphere_for(cold).packed(eos_object)
    eos = eos_object.params
    for rho in (1e-10, 1e-8, 3e-7, 1e-5, 5e-4, 2e-3):
        for W in (1.0, 1.2, 3.0):
            grr = 1.7
            vr = math.sqrt(1.0 - 1.0 / W**2) / math.sqrt(grr)
            p_cold = float(cold.pressure(rho))
            eps_cold = float(cold.specific_internal_energy(rho))
            D, S, tau, _ = cons_closed_form(rho, vr, p_cold, eps_cold, grr)
            tau_low = tau - deficit * rho * W * W * eps_cold
            out = cons_to_prim_point(D, S, tau_low, grr, eos, atm, C2P_KASTAUN, 0.0, 1e-13,
                                     100)
            rho_o, vr_o, p_o, eps_o, W_o, h_o, status, _ = out
            assert status == C2P_OK, (rho, W)
            # on the cold curve, to round-off
            assert eps_o == pytest.approx(float(cold.specific_internal_energy(rho_o)),
                                          rel=1e-14), (rho, W)
            assert p_o == pytest.approx(float(cold.pressure(rho_o)), rel=1e-13), (rho, W)
            # and the cold state of (D, S): the original one
            assert rho_o == pytest.approx(rho, rel=1e-9)
            assert W_o == pytest.approx(W, rel=1e-9)
            assert vr_o == pytest.approx(vr, rel=1e-9, abs=1e-300)


# ---------------------------------------------------------------------------------------
# (e) atmosphere consistency
# ---------------------------------------------------------------------------------------
ATMOSPHERE_CASES = {
    # ideal gas Gamma = 5/3 with the TOV default p_floor = 100 rho_floor^2
    "ideal_5_3": (lambda: IdealGasEOS(5.0 / 3.0),
                  lambda rho, p: p / ((5.0 / 3.0 - 1.0) * rho)),
    # SLy hybrid with p_floor = P_cold(rho_floor): eps_atm = eps_cold(rho_floor)
    "hybrid_sly": (lambda: HybridEOS(SLY, GAMMA_TH),
                   lambda rho, p: float(SLY.specific_internal_energy(rho))
                   + (p - float(SLY.pressure(rho))) / ((GAMMA_TH - 1.0) * rho)),
    "barotropic_sly": (lambda: BarotropicEOS(SLY),
                       lambda rho, p: float(SLY.specific_internal_energy(rho))),
}


@pytest.mark.parametrize("name", list(ATMOSPHERE_CASES))
@pytest.mark.parametrize("tau_atm_factor", [1.0, 3.0])
def test_tau_atm_is_the_tau_of_the_atmosphere_state(name, tau_atm_factor):
    make, eps_closed_form = ATMOSPHERE_CASES[name]
    eos = make()
    # the TOV defaults: p_floor = P_cold(rho_floor) of the star's cold EOS
    base = (create_default_atmosphere(rho_floor=1e-13) if name.startswith("ideal") else
            create_default_atmosphere(rho_floor=1e-13, cold_eos=BarotropicEOS(SLY)))
    expected_p_floor = (K_POLY * 1e-26 if name.startswith("ideal")
                        else float(SLY.pressure(1e-13)))
    assert base.p_floor == pytest.approx(expected_p_floor, rel=1e-15)
    atmosphere = AtmosphereParams(rho_floor=base.rho_floor, p_floor=base.p_floor,
                                  tau_atm_factor=tau_atm_factor)
    rho_f, p_f = atmosphere.rho_floor, atmosphere.p_floor
    eps_atm = eps_closed_form(rho_f, p_f)
    assert atmosphere.eps_atm(eos) == pytest.approx(eps_atm, rel=1e-14)
    # tau of the atmosphere at rest: rho_floor eps_atm (W = 1), closed form ...
    assert atmosphere.tau_atm(eos) == pytest.approx(tau_atm_factor * rho_f * eps_atm,
                                                    rel=1e-14)
    # ... and that of prim_to_cons_point, which forms rho h - P - rho: rounding ~ eps_mach rho
    tau_p2c = prim_to_cons_point(rho_f, 0.0, p_f, eps_atm, 1.0, 1.0)[2]
    assert abs(atmosphere.tau_atm(eos) - tau_atm_factor * tau_p2c) <= 8 * U * rho_f
    packed = atmosphere.packed(eos)
    assert packed.tau_atm == atmosphere.tau_atm(eos)
    assert packed.eps_atm == pytest.approx(eps_atm, rel=1e-14)
    assert packed.tau_min == pytest.approx(rho_f * eps_atm, rel=1e-14)


@pytest.mark.parametrize("name", list(ATMOSPHERE_CASES))
@pytest.mark.parametrize("threshold_factor", [100.0, 1.0])
@pytest.mark.parametrize("e6phi", [1.0, 2.5])
def test_vacuum_state_recovers_the_atmosphere(name, threshold_factor, e6phi):
    """cons2prim of the reset state gives rho_floor, P = p_floor, eps_atm, v = 0: by the
    atmosphere branch (threshold 100 rho_floor) or by solving (threshold = rho_floor)."""
    make, eps_closed_form = ATMOSPHERE_CASES[name]
    eos = make()
    p_floor = (K_POLY * 1e-26 if name.startswith("ideal") else float(SLY.pressure(1e-13)))
    atmosphere = AtmosphereParams(rho_floor=1e-13, p_floor=p_floor,
                                  threshold_factor=threshold_factor)
    atm = atmosphere.packed(eos)
    eps_atm = eps_closed_form(1e-13, p_floor)
    Dt, St, taut = vacuum_state(e6phi, atm)
    assert (Dt, St) == (1e-13 * e6phi, 0.0)
    assert needs_reset(Dt, taut, e6phi, atm) == (threshold_factor > 1.0)
    out = [np.empty(1) for _ in range(6)]
    status = np.empty(1, dtype=np.int8)
    iters = np.empty(1, dtype=np.int32)
    cons_to_prim_array((np.array([Dt]), np.array([St]), np.array([taut])), np.ones(1),
                       np.array([e6phi]), eos.params, atm, C2P_KASTAUN, np.zeros(1), 1e-13,
                       100, tuple(out), status, iters)
    rho, vr, p, eps, W, h = (float(x[0]) for x in out)
    assert status[0] in (C2P_OK, C2P_ATMOSPHERE)
    if threshold_factor == 1.0:
        assert status[0] == C2P_OK
    assert rho == pytest.approx(1e-13, rel=1e-12)
    assert vr == 0.0 and W == 1.0
    # at rest eps = tau / D: both to round-off
    assert p == pytest.approx(p_floor, rel=1e-13)
    assert eps == pytest.approx(eps_atm, rel=1e-13)


# ---------------------------------------------------------------------------------------
# (f) Riemann faces
# ---------------------------------------------------------------------------------------
FACE_GEOMETRIES = [(1.0, 0.0, 1.0, 1.0), (0.8, 0.05, 1.7, 1.3), (0.6, -0.1, 2.5, 0.7)]


@pytest.mark.parametrize("solver", SOLVERS, ids=["hll", "llf", "hllc"])
@pytest.mark.parametrize("cold_name", ["sly", "polytrope"])
def test_barotropic_face_takes_pressure_from_density(solver, cold_name):
    eos = BarotropicEOS(SLY) if cold_name == "sly" else PolytropicEOS(K_POLY, GAMMA_POLY)
    cold = SLY if cold_name == "sly" else POLY
    atm = atmosphere_for(cold).packed(eos)
    rhoL, vL, rhoR, vR = 1.2e-3, 0.1, 4e-4, -0.05
    pL_cold = float(cold.pressure(rhoL))
    pR_cold = float(cold.pressure(rhoR))
    for alpha, beta, grr, e6 in FACE_GEOMETRIES:
        ref = face_flux(solver, rhoL, vL, pL_cold, rhoR, vR, pR_cold, alpha, beta, grr, e6,
                        eos.params, atm)
        for pL, pR in ((3.0 * pL_cold, pR_cold), (0.1 * pL_cold, pR_cold),
                       (pL_cold, 7.0 * pR_cold), (0.0, 1.0)):
            got = face_flux(solver, rhoL, vL, pL, rhoR, vR, pR, alpha, beta, grr, e6,
                            eos.params, atm)
            assert got == ref


def flux_closed_form(rho, vr, press, eps, alpha, beta, grr, e6):
    D, S, tau, W = cons_closed_form(rho, vr, press, eps, grr)
    vt = vr - beta / alpha
    a6 = alpha * e6
    return np.array([a6 * D * vt, a6 * (S * vt + press), a6 * (tau * vt + press * vr)])


FLUX_EOS = {
    "ideal": lambda: IdealGasEOS(5.0 / 3.0),
    "polytrope": lambda: PolytropicEOS(K_POLY, GAMMA_POLY),
    "barotropic_sly": lambda: BarotropicEOS(SLY),
    "hybrid_sly": lambda: HybridEOS(SLY, GAMMA_TH),
}


@pytest.mark.parametrize("solver", SOLVERS, ids=["hll", "llf", "hllc"])
@pytest.mark.parametrize("name", list(FLUX_EOS))
def test_identical_face_states_give_the_physical_flux(solver, name):
    eos = FLUX_EOS[name]()
    cold = None if name == "ideal" else (POLY if name == "polytrope" else SLY)
    atm = atmosphere_for(cold).packed(eos)
    for rho in (1e-9, 3e-6, 1e-4, 1.5e-3):
        for vr in (0.0, 0.2, -0.4, 0.05):
            for eps_th in (0.0, 1e-4, 0.3):
                if eos.kind == EOS_BAROTROPIC and eps_th > 0.0:
                    continue
                if eos.kind == EOS_IDEAL_GAS:
                    eps = eps_th + 1e-3
                    p = (5.0 / 3.0 - 1.0) * rho * eps
                else:
                    eps = float(cold.specific_internal_energy(rho)) + eps_th
                    p = float(cold.pressure(rho)) + (GAMMA_TH - 1.0) * rho * eps_th
                h = 1.0 + eps + p / rho
                for alpha, beta, grr, e6 in FACE_GEOMETRIES:
                    W = 1.0 / math.sqrt(1.0 - grr * vr * vr)
                    expected = flux_closed_form(rho, vr, p, eps, alpha, beta, grr, e6)
                    phys = np.array(physical_flux(rho, vr, p, W, h, alpha, e6, grr, beta))
                    got = np.array(face_flux(solver, rho, vr, p, rho, vr, p, alpha, beta,
                                             grr, e6, eos.params, atm))
                    # scale of each flux: its conserved variable times a speed (<= 1 +
                    # the shift; the solvers add lambda (U_R - U_L) terms, with rounding
                    # ~ eps_mach lambda U even when F vanishes) plus the pressure
                    speed = 1.0 + abs(vr) + abs(beta / alpha)
                    scale = alpha * e6 * np.array(
                        [rho * W * speed,
                         rho * h * W * W * math.sqrt(grr) * speed + p,
                         rho * h * W * W * speed + p])
                    assert np.all(np.abs(phys - expected) <= 1e-13 * scale), (phys, expected)
                    assert np.all(np.abs(got - expected) <= 1e-12 * scale), \
                        (rho, vr, eps_th, alpha, beta, got, expected)


# ---------------------------------------------------------------------------------------
# (g) evolution_eos, describe, create_eos
# ---------------------------------------------------------------------------------------
def test_evolution_eos_choices():
    assert set(EVOLUTION_EOS) == {"auto", "ideal", "polytrope", "hybrid"}
    auto_poly = evolution_eos("auto", POLY, gamma=GAMMA_POLY, gamma_th=GAMMA_TH)
    assert isinstance(auto_poly, IdealGasEOS) and auto_poly.gamma == GAMMA_POLY
    auto_sly = evolution_eos("auto", SLY, gamma=GAMMA_POLY, gamma_th=GAMMA_TH)
    assert isinstance(auto_sly, HybridEOS) and auto_sly.gamma_th == GAMMA_TH
    assert auto_sly.params.kind == EOS_HYBRID and auto_sly.cold is SLY
    with pytest.raises(ValueError):
        evolution_eos("ideal", SLY, gamma=GAMMA_POLY, gamma_th=GAMMA_TH)
    with pytest.raises(ValueError):      # the ideal gas of another Gamma
        evolution_eos("ideal", POLY, gamma=1.5, gamma_th=GAMMA_TH)
    poly = evolution_eos("polytrope", POLY, gamma=GAMMA_POLY)
    assert isinstance(poly, PolytropicEOS) and (poly.K, poly.gamma) == (K_POLY, GAMMA_POLY)
    baro = evolution_eos("polytrope", SLY)
    assert isinstance(baro, BarotropicEOS) and baro.params.kind == EOS_BAROTROPIC
    hyb = evolution_eos("hybrid", POLY, gamma_th=1.5)
    assert isinstance(hyb, HybridEOS) and hyb.gamma_th == 1.5
    with pytest.raises(ValueError):
        evolution_eos("tabulated", SLY, gamma_th=GAMMA_TH)


def describe_cases():
    return {
        "ideal": IdealGasEOS(5.0 / 3.0),
        "polytrope": PolytropicEOS(K_POLY, GAMMA_POLY),
        "barotropic_sly": BarotropicEOS(SLY),
        "hybrid_sly": HybridEOS(SLY, GAMMA_TH),
        "hybrid_apr4": HybridEOS(eos_from_catalogue("APR4"), 1.7),
    }


@pytest.mark.parametrize("name", list(describe_cases()))
def test_describe_is_json_and_rebuilds_the_cold_curve(name):
    eos = describe_cases()[name]
    d = json.loads(json.dumps(eos.describe()))
    assert d["kind"] == {EOS_IDEAL_GAS: "ideal_gas", EOS_BAROTROPIC: "barotropic",
                         EOS_HYBRID: "hybrid"}[eos.params.kind]
    assert isinstance(d["name"], str)
    if eos.params.kind == EOS_IDEAL_GAS:
        assert d["gamma"] == 5.0 / 3.0
        return
    if eos.params.kind == EOS_HYBRID:
        assert d["gamma_th"] == eos.gamma_th
    c = d["cold"]
    rebuilt = PiecewisePolytrope(c["K0"], c["gammas"], c["rho_dividing"])
    assert rebuilt.n_pieces == eos.cold.n_pieces
    rho = np.logspace(-14, 0, 400)
    if eos.cold.n_pieces > 1:
        rho = np.concatenate((rho, eos.cold.rho_start[1:]))
    np.testing.assert_allclose(rebuilt.pressure(rho), eos.cold.pressure(rho), rtol=1e-15)
    np.testing.assert_allclose(rebuilt.specific_internal_energy(rho),
                               eos.cold.specific_internal_energy(rho), rtol=1e-15)
    # and the kernels of an EOS built on the rebuilt curve are the same
    again = BarotropicEOS(rebuilt)
    assert again.params.pieces == eos.params.pieces


def test_create_eos_new_kinds():
    b = create_eos("barotropic", cold=SLY)
    assert isinstance(b, BarotropicEOS) and b.params.kind == EOS_BAROTROPIC
    h = create_eos("hybrid", cold=SLY, gamma_th=GAMMA_TH)
    assert isinstance(h, HybridEOS) and h.params.kind == EOS_HYBRID
    assert h.params.gamma_th == GAMMA_TH
    with pytest.raises(TypeError):
        HybridEOS(PolytropicEOS(K_POLY, GAMMA_POLY), GAMMA_TH)   # cold must be a PWP
    with pytest.raises(ValueError):
        HybridEOS(SLY, 1.0)


# ---------------------------------------------------------------------------------------
# (g) face states with the cold state of the density inverse (the fused face pass)
# ---------------------------------------------------------------------------------------
def _sly_table():
    from pathlib import Path
    path = (Path(__file__).resolve().parents[1] / "source" / "matter" / "eos" / "tables"
            / "LALSimNeutronStarEOS_SLY.dat")
    return TabulatedEOS.from_file(path)


FACE_EOS = {
    "ideal": lambda: IdealGasEOS(2.0),
    "polytrope": lambda: PolytropicEOS(K_POLY, GAMMA_POLY),
    "barotropic sly": lambda: BarotropicEOS(SLY),
    "hybrid sly": lambda: HybridEOS(SLY, GAMMA_TH),
    "hybrid table": lambda: HybridEOS(_sly_table(), GAMMA_TH),
}


@pytest.mark.parametrize("name", list(FACE_EOS))
def test_face_state_from_the_density_inverse(name):
    """``eos_face_state`` (the fused face pass: the face density and its cold state from
    the inverse of the density variable) against the inverse and ``eos_cold`` at that
    density: the same numbers for the ideal gas and the barotropic kinds, round-off for the
    hybrid ones; ``eos_thermo_with_cold`` with it against ``eos_thermo``, and the Riemann
    flux ``face_flux_with_cold`` against ``face_flux`` (HLL, LLF, HLLC), the limiter's
    density floor included (``limit_face_state_with_cold`` evaluates the cold state of
    the floored density)."""
    eos = FACE_EOS[name]()
    params = eos.params
    cold_curve = getattr(eos, "cold", None)
    atm = atmosphere_for(cold_curve).packed(eos)
    hybrid = name.startswith("hybrid")
    # the table's face inverse is within 1e-13 of the exact one (its quintics are built to
    # that; ln P itself carries 4e-15), and P_cold(rho) moves by Gamma times that
    round_off = 3e-13 if "table" in name else 3e-14
    rng = np.random.default_rng(3)
    for rho in np.geomspace(1e-11, 1.5e-3, 41):
        value = eos_density_variable(params, rho)
        rho_face, cold = eos_face_state(params, value)
        assert rho_face == eos_density_of_variable(params, value)
        reference = eos_cold(params, rho_face)
        if hybrid:
            assert cold[0] == value
            np.testing.assert_allclose(cold[:2], reference[:2], rtol=round_off)
            assert cold[2] == pytest.approx(reference[2], rel=3e-13) or \
                rho_face in getattr(cold_curve, "rho_start", ())
        else:
            assert cold == reference
        p_cold = reference[0] if hybrid or name.startswith("barotropic") else 0.0
        for press in (p_cold, 1.5 * p_cold + 1e-12 * rho, 0.5 * p_cold):
            got = eos_thermo_with_cold(params, rho_face, press, cold)
            np.testing.assert_allclose(got, eos_thermo(params, rho_face, press),
                                       rtol=1e-12 if hybrid else 0.0, atol=0.0)
    for _ in range(40):
        yL, yR = (eos_density_variable(params, r)
                  for r in np.exp(rng.uniform(math.log(1e-15), math.log(1.5e-3), 2)))
        vL, vR = rng.uniform(-0.3, 0.3, 2)
        grr, alpha, beta, e6 = rng.uniform(1.0, 2.0), rng.uniform(0.5, 1.0), \
            rng.uniform(-0.05, 0.05), rng.uniform(1.0, 1.5)
        states = []
        for y, v in ((yL, vL), (yR, vR)):
            rho, cold = eos_face_state(params, y)
            press = 1.3 * cold[0] + atm.p_floor
            limited = limit_face_state_with_cold(rho, v, press, cold, grr, atm, params)
            assert limited[:3] == limit_face_state(rho, v, press, grr, atm)
            if limited[0] != rho:            # floored: the cold state of the floor
                assert limited[3] == eos_cold(params, limited[0])
            states.append(limited)
        (rL, vL, pL, cL), (rR, vR, pR, cR) = states
        for solver in SOLVERS:
            got = face_flux_with_cold(solver, rL, vL, pL, cL, rR, vR, pR, cR, alpha, beta, grr,
                                      e6, params, atm)
            ref = face_flux(solver, rL, vL, pL, rR, vR, pR, alpha, beta, grr, e6, params, atm)
            if hybrid:   # round-off of the flux terms (~ rho, cancelling in HLLC's)
                np.testing.assert_allclose(got, ref, rtol=1e-12,
                                           atol=1e-14 * alpha * e6 * max(rL, rR))
            else:
                assert got == ref
