"""Atmosphere: floors, velocity cap and the post-step reset of vacuum cells.

The compiled kernels receive the parameters as one ``AtmosphereKernelParams`` named tuple
of floats (``AtmosphereParams.packed``), passed by value: a tuple costs nothing per call,
whereas an array argument costs two atomic reference-count operations per call or per
loop iteration of an inlined callee (see ``source/evolution/fused.py``).
"""

from collections import namedtuple
from dataclasses import dataclass

import numpy as np

from source.jit import inline_kernel, kernel
from source.matter.eos.eos import eos_eps_from_rho_p, eos_pressure

AtmosphereKernelParams = namedtuple("AtmosphereKernelParams", [
    "rho_floor",        # atmosphere rest-mass density
    "p_floor",          # pressure floor
    "v_max",            # speed cap |v| = sqrt(gamma_rr) |v^r| <= v_max
    "W_max",            # Lorentz-factor cap accepted by cons2prim
    "tau_atm",          # tau written into reset cells: tau_atm_factor * rho_floor * eps_atm
    "eps_atm",          # eps(rho_floor, p_floor)
    "cons_safety",      # S^2 <= cons_safety * tau (tau + 2D)
    "tau_min",          # conservative floor on physical tau: rho_floor * eps_atm
    "rho_threshold",    # cells with physical D below this are atmosphere
    "rho_cold",         # thermal kinds: cells with physical D below this are kept cold
    "p_atm",            # pressure of the atmosphere state: P(rho_floor, eps_atm), floored
])


@dataclass
class AtmosphereParams:
    """Atmosphere parameters.

    Attributes
    ----------
    rho_floor : float
        Atmosphere rest-mass density.
    p_floor : float
        Atmosphere pressure (for the TOV runs the cold pressure at rho_floor).
    v_max : float
        Speed cap, |v| = sqrt(gamma_rr) |v^r| <= v_max.
    W_max : float
        Lorentz-factor cap accepted by cons2prim.
    tau_atm_factor : float
        tau written into reset cells is ``tau_atm_factor`` times ``rho_floor eps_atm``, the
        tau of the atmosphere state at rest (x e^{6 phi}); ``eps_atm = eps(rho_floor,
        p_floor)`` of the evolution EOS.
    conservative_floor_safety : float
        S^2 is limited to ``safety * tau (tau + 2 D)`` before recovery.
    threshold_factor : float
        Cells with physical D < ``threshold_factor * rho_floor`` are atmosphere.
    rho_cold : float
        EOS with a cold curve and a thermal part (hybrid): cells with physical D below
        ``rho_cold`` are recovered on the cold curve, from (D, S_r) alone, as the
        barotropic EOS recovers every cell; their tau is not used, so no heat builds up
        there. 0 (the default) turns the rule off. Meant for the outer crust of a
        realistic star, where the grid does not resolve the layer (rho falls by orders of
        magnitude per cell) and numerical heat would dominate the pressure (docs,
        "Realistic stars", "Overtones"). Ignored by the ideal gas (no cold curve) and the
        barotropic EOS (always cold).
    """

    rho_floor: float = 1e-13
    p_floor: float = 1e-24
    v_max: float = 0.999
    W_max: float = 100.0
    tau_atm_factor: float = 1.0
    conservative_floor_safety: float = 0.999999
    threshold_factor: float = 100.0
    rho_cold: float = 0.0

    def __post_init__(self):
        if not (np.isfinite(self.rho_floor) and self.rho_floor > 0):
            raise ValueError(f"rho_floor must be > 0 (got {self.rho_floor})")
        if not (np.isfinite(self.p_floor) and self.p_floor > 0):
            raise ValueError(f"p_floor must be > 0 (got {self.p_floor})")
        if not 0 < self.v_max < 1:
            raise ValueError(f"v_max must be in (0, 1) (got {self.v_max})")
        if not self.W_max > 1:
            raise ValueError(f"W_max must be > 1 (got {self.W_max})")
        if not 0 < self.conservative_floor_safety <= 1:
            raise ValueError("conservative_floor_safety must be in (0, 1]")
        if not self.threshold_factor >= 1:
            raise ValueError("threshold_factor must be >= 1")
        if not (np.isfinite(self.rho_cold) and self.rho_cold >= 0):
            raise ValueError(f"rho_cold must be >= 0 (got {self.rho_cold})")

    def eps_atm(self, eos):
        """Specific internal energy of the atmosphere, ``eps(rho_floor, p_floor)``."""
        return float(eos_eps_from_rho_p(eos.params, self.rho_floor, self.p_floor))

    def tau_atm(self, eos):
        """tau (not densitised) of the atmosphere at rest: W = 1, tau = rho_floor eps_atm,
        times ``tau_atm_factor``."""
        return self.tau_atm_factor * self.rho_floor * self.eps_atm(eos)

    def packed(self, eos):
        """The parameters for the compiled kernels (``AtmosphereKernelParams``)."""
        eps_atm = self.eps_atm(eos)
        p_atm = max(float(eos_pressure(eos.params, float(self.rho_floor), eps_atm)),
                    float(self.p_floor))
        return AtmosphereKernelParams(
            rho_floor=float(self.rho_floor), p_floor=float(self.p_floor),
            v_max=float(self.v_max), W_max=float(self.W_max),
            tau_atm=float(self.tau_atm(eos)), eps_atm=eps_atm,
            cons_safety=float(self.conservative_floor_safety),
            tau_min=float(self.rho_floor * eps_atm),
            rho_threshold=float(self.threshold_factor * self.rho_floor),
            rho_cold=float(self.rho_cold), p_atm=p_atm)


def create_default_atmosphere(rho_floor=None, K=100.0, gamma=2.0, cold_eos=None):
    """TOV atmosphere: rho_floor (default 1e-13) and p_floor = P_cold(rho_floor) of the
    star's cold EOS (``cold_eos``, any EOS object with ``cold_pressure``; default the
    polytrope ``K rho_floor^Gamma``)."""
    rho_floor = 1e-13 if rho_floor is None else float(rho_floor)
    p_floor = K * rho_floor**gamma if cold_eos is None else \
        float(cold_eos.cold_pressure(rho_floor))
    return AtmosphereParams(rho_floor=rho_floor, p_floor=p_floor)


@inline_kernel
def needs_reset(D, tau, e6phi, atm):
    """The post-step vacuum test of one cell (densitised variables): D~ < threshold
    e^{6 phi} or tau~ + D~ < 0; NaN counts as vacuum."""
    return not (D >= atm.rho_threshold * e6phi) or not (tau + D >= 0.0)


@inline_kernel
def vacuum_state(e6phi, atm):
    """Densitised atmosphere values (D~, S~_r, tau~) = e^{6 phi} (rho_floor, 0, tau_atm)."""
    return atm.rho_floor * e6phi, 0.0, atm.tau_atm * e6phi


@kernel
def atmosphere_reset(D, Sr, tau, e6phi, atm, lo, hi):
    """Post-step reset of the densitised conserved variables on cells lo..hi-1, in place
    (``needs_reset`` -> ``vacuum_state``). Returns the number of cells reset."""
    n_reset = 0
    for i in range(lo, hi):
        if needs_reset(D[i], tau[i], e6phi[i], atm):
            D[i], Sr[i], tau[i] = vacuum_state(e6phi[i], atm)
            n_reset += 1
    return n_reset

