"""Catalogue stars at polytrope speed and with accurate overtones: the Kastaun recovery of
the hybrid EOS on its transcendental-free path (slow flow: v^2 <= COLD_SHIFT_MAX_X), and the
linear-theory side of the overtone comparison (an adiabatic perturbation of a cold star of
the hybrid EOS stays on the cold curve, so its Gamma_1 is the cold curve's)."""

import math

import numpy as np
import pytest
from helpers import eps_along_adiabat

from source.matter.eos.eos import HybridEOS
from source.matter.eos.eos_catalogue import eos_from_catalogue
from source.matter.eos.piecewise_polytrope import COLD_SHIFT_MAX_X
from source.matter.hydro.atmosphere import AtmosphereParams
from source.matter.hydro.cons2prim import (
    C2P_KASTAUN,
    C2P_OK,
    cons_to_prim_point,
    prim_to_cons_point,
)

SLY = eos_from_catalogue("SLy")
GAMMA_TH = 1.8
U = 2.220446049250313e-16


def slow_states(n, seed):
    """Star-like states: rho log-uniform over the star and its crust plus densities next to
    every dividing density (both sides), |v| up to 0.05 (v^2 on both sides of
    COLD_SHIFT_MAX_X), eps_th zero or small."""
    rng = np.random.default_rng(seed)
    rho = 10.0 ** rng.uniform(-10.0, math.log10(2e-3), n)
    starts = np.array(SLY.rho_start[1:])
    k = n // 4
    rho[:k] = rng.choice(starts, k) * (1.0 + rng.uniform(-2.0, 2.0, k) * COLD_SHIFT_MAX_X)
    vr = rng.uniform(-0.05, 0.05, n)
    vr[rng.uniform(size=n) < 0.2] = 0.0
    eps_th = np.where(rng.uniform(size=n) < 0.5, 0.0, 10.0 ** rng.uniform(-12, -2, n))
    return rho, vr, eps_th


def test_hybrid_recovery_of_slow_states():
    """prim -> cons -> prim for the hybrid SLy EOS, gamma_rr = 1, at the accuracy of the
    general round trip (test_eos_interface): the series path must not cost digits."""
    eos_object = HybridEOS(SLY, GAMMA_TH)
    eos = eos_object.params
    atm = AtmosphereParams(rho_floor=1e-13, p_floor=float(SLY.pressure(1e-13))).packed(
        eos_object)
    rho, vr, eps_th = slow_states(4000, seed=11)
    eps_cold = SLY.specific_internal_energy(rho)
    fast = 0
    for r, v, e_th, e_c in zip(rho, vr, eps_th, eps_cold, strict=True):
        e = e_c + e_th
        p = float(SLY.pressure(r)) + (GAMMA_TH - 1.0) * r * e_th
        D, S, tau = prim_to_cons_point(r, v, p, e, 1.0, 1.0)
        rho_o, vr_o, p_o, eps_o, W_o, h_o, status, _ = cons_to_prim_point(
            D, S, tau, 1.0, eos, atm, C2P_KASTAUN, 0.0, 1e-13, 100)
        assert status == C2P_OK
        assert rho_o == pytest.approx(r, rel=1e-12)
        assert vr_o == pytest.approx(v, rel=1e-9, abs=1e-300)
        eps_tol = 1e-9 * e + 8 * U * h_o * W_o * W_o
        assert abs(eps_o - e) <= eps_tol
        assert abs(p_o - p) <= 1e-9 * p + (GAMMA_TH - 1.0) * r * eps_tol
        assert eps_o >= float(SLY.specific_internal_energy(rho_o)) * (1.0 - 4 * U)
        fast += v * v <= COLD_SHIFT_MAX_X
    assert fast > 2000       # most states ran on the series path


@pytest.mark.parametrize("rho", [1e-9, 3e-6, 1e-4, 5e-4, 1.2e-3])
def test_adiabat_through_a_cold_state_is_the_cold_curve(rho):
    """The linear modes of a hybrid star (radial_modes uses Gamma_1 = d ln P_cold / d ln rho)
    are those of its evolution EOS: integrating the first law d eps = P / rho^2 d rho with
    the hybrid's P(rho, eps) from a cold state stays on the cold curve (eps_th ~ rho^(Gamma_th
    - 1) times its initial value, here 0), so the adiabatic index of a perturbation is the
    cold one, whatever Gamma_th."""
    hybrid = HybridEOS(SLY, GAMMA_TH)
    for factor in (0.99, 1.01):
        eps = eps_along_adiabat(hybrid.pressure, rho, float(SLY.specific_internal_energy(rho)),
                                rho * factor, 200)
        cold = float(SLY.specific_internal_energy(rho * factor))
        assert eps == pytest.approx(cold, rel=1e-11)
