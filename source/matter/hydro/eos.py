"""Equations of state: ideal gas (Gamma-law) and cold polytrope.

Each EOS exists twice, written once: the point-wise ``@njit`` functions below (used by every
compiled kernel, dispatched on an integer ``eos_kind``) and thin classes with the reference
names (``IdealGasEOS``, ``PolytropicEOS``) whose vectorised methods call the same functions.

* ideal gas:  P = (Gamma - 1) rho0 eps
* polytrope:  P = K rho0^Gamma,  eps = K rho0^(Gamma-1) / (Gamma - 1)  (barotropic: eps is
  slaved to rho0 and the energy equation is redundant)

For both, h = 1 + eps + P/rho0 and c_s^2 = Gamma P / (rho0 h).
"""

import numpy as np
from numba import njit, vectorize

EOS_IDEAL_GAS = 0
EOS_POLYTROPE = 1


@njit(cache=True, error_model="numpy")
def eos_pressure(eos_kind, gamma, K, rho0, eps):
    """Pressure P(rho0, eps)."""
    if eos_kind == EOS_POLYTROPE:
        return K * rho0**gamma
    return (gamma - 1.0) * rho0 * eps


@njit(cache=True, error_model="numpy")
def eos_eps_from_rho_p(eos_kind, gamma, K, rho0, press):
    """Specific internal energy eps(rho0, P) (the polytrope ignores P)."""
    if eos_kind == EOS_POLYTROPE:
        return K * rho0 ** (gamma - 1.0) / (gamma - 1.0)
    return press / ((gamma - 1.0) * rho0)


@njit(cache=True, error_model="numpy")
def eos_sound_speed_squared(gamma, rho0, press, h):
    """c_s^2 = Gamma P / (rho0 h), valid for both EOS kinds."""
    return gamma * press / (rho0 * h)


@vectorize(["float64(int64, float64, float64, float64, float64)"], cache=True)
def _pressure_ufunc(eos_kind, gamma, K, rho0, eps):
    return eos_pressure(eos_kind, gamma, K, rho0, eps)


@vectorize(["float64(int64, float64, float64, float64, float64)"], cache=True)
def _eps_ufunc(eos_kind, gamma, K, rho0, press):
    return eos_eps_from_rho_p(eos_kind, gamma, K, rho0, press)


class _EOSBase:
    kind = -1

    def _check_gamma(self, gamma):
        if not np.isfinite(gamma) or gamma <= 1.0:
            raise ValueError(f"gamma must be > 1 (got {gamma})")
        return float(gamma)

    @property
    def params(self):
        """``(eos_kind, gamma, K)``: the arguments every compiled kernel takes."""
        return self.kind, self.gamma, self.K

    def eps_from_rho_p(self, rho0, p):
        return _eps_ufunc(self.kind, self.gamma, self.K, rho0, p)

    def enthalpy(self, rho0, p, eps):
        return 1.0 + eps + p / rho0

    def enthalpy_from_rho_p(self, rho0, p):
        return self.enthalpy(rho0, p, self.eps_from_rho_p(rho0, p))

    def sound_speed_squared(self, rho0, p, eps):
        h = self.enthalpy(rho0, p, eps)
        return np.clip(self.gamma * p / (rho0 * h), 0.0, 1.0)

    def validate_state(self, rho0, p, eps=None):
        """True where the state is physical (rho0 > 0, P >= 0, finite)."""
        ok = np.isfinite(rho0) & np.isfinite(p) & (rho0 > 0) & (p >= 0)
        if eps is not None:
            ok &= np.isfinite(eps) & (eps >= 0)
        return ok


class IdealGasEOS(_EOSBase):
    """Gamma-law EOS P = (Gamma - 1) rho0 eps."""

    kind = EOS_IDEAL_GAS

    def __init__(self, gamma=1.4):
        self.gamma = self._check_gamma(gamma)
        self.gamma_minus_1 = self.gamma - 1.0
        self.K = 0.0
        self.name = f"ideal_gas_gamma_{gamma}"

    def pressure(self, rho0, eps):
        return _pressure_ufunc(self.kind, self.gamma, 0.0, rho0, eps)

    pressure_from_rho_eps = pressure

    def deps_dp(self, rho0, p):
        return 1.0 / (self.gamma_minus_1 * rho0)

    def deps_drho(self, rho0, p):
        return -p / (self.gamma_minus_1 * rho0**2)


class PolytropicEOS(_EOSBase):
    """Cold polytrope P = K rho0^Gamma (barotropic)."""

    kind = EOS_POLYTROPE

    def __init__(self, K, gamma):
        if not np.isfinite(K) or K <= 0:
            raise ValueError(f"K must be > 0 (got {K})")
        self.K = float(K)
        self.gamma = self._check_gamma(gamma)
        self.name = f"polytropic_K_{K}_gamma_{gamma}"

    def pressure(self, rho0, eps=None):
        return self.K * np.asarray(rho0, dtype=float) ** self.gamma

    pressure_from_rho = pressure

    def pressure_from_rho_eps(self, rho0, eps):
        return self.pressure(rho0)

    def eps_from_rho(self, rho0):
        return self.K * np.asarray(rho0, dtype=float) ** (self.gamma - 1.0) / (self.gamma - 1.0)

    def enthalpy(self, rho0, p=None, eps=None):
        return 1.0 + self.gamma * self.eps_from_rho(rho0)

    def sound_speed_squared(self, rho0, p=None, eps=None):
        h = self.enthalpy(rho0)
        return self.gamma * self.pressure(rho0) / (np.asarray(rho0, dtype=float) * h)

    def dp_drho(self, rho0):
        return self.gamma * self.K * np.asarray(rho0, dtype=float) ** (self.gamma - 1.0)

    def rho_from_pressure(self, p):
        return (np.asarray(p, dtype=float) / self.K) ** (1.0 / self.gamma)

    def rho_from_enthalpy(self, h):
        return ((np.asarray(h, dtype=float) - 1.0) * (self.gamma - 1.0)
                / (self.gamma * self.K)) ** (1.0 / (self.gamma - 1.0))


def create_eos(eos_type="ideal", **kw):
    """Factory: ``"ideal"`` (kw: gamma) or ``"polytropic"``/``"polytrope"`` (kw: K, gamma)."""
    if eos_type in ("ideal", "ideal_gas"):
        return IdealGasEOS(kw.get("gamma", 1.4))
    if eos_type in ("polytropic", "polytrope"):
        return PolytropicEOS(kw["K"], kw["gamma"])
    raise ValueError(f"eos_type must be 'ideal' or 'polytrope' (got {eos_type!r})")
