r"""Linear radial oscillation modes of a spherical star: full GR and the Cowling approximation.

Units are G = c = Msun = 1; frequencies are converted with 1 Msun = 4.925490947e-6 s.

Background
----------
A static star with metric

    ds^2 = -e^{2 Phi} dt^2 + e^{2 Lambda} dr^2 + r^2 dOmega^2,    e^{-2 Lambda} = 1 - 2 m / r,

(r: areal radius) and a cold barotropic fluid with rest-mass density ``rho0``, pressure
``P(rho0)``, specific internal energy ``eps(rho0)``, energy density ``e = rho0 (1 + eps)``,
log-enthalpy ``eta = ln h = ln(1 + eps + P / rho0)`` and adiabatic index of the perturbations
``Gamma_1 = d ln P / d ln rho0 = (e + P) c_s^2 / P``. The Tolman-Oppenheimer-Volkoff equations
(Tolman 1939; Oppenheimer & Volkoff 1939) are integrated in r:

    dm/dr   = 4 pi r^2 e,
    deta/dr = -Phi' = -(m + 4 pi r^3 P) / (r (r - 2 m)),        (dP = (e + P) d eta)
    dm0/dr  = 4 pi r^2 rho0 e^{Lambda},                           (rest mass)
    d ln(rbar / r)/dr = (e^{Lambda} - 1) / r,                     (rbar: isotropic radius)

from the regular centre series to the surface ``eta = 0`` (located as an event of the ODE
solver; ``eta`` is linear in ``R - r`` there for any EOS). The lapse is ``e^{Phi} h = const``,
i.e. ``Phi = ln sqrt(1 - 2 M / R) - eta``, so that t is the proper time at infinity. The
derivatives used below are, with ``P' = -(e + P) Phi'``,

    Phi'    = (m + 4 pi r^3 P) / (r (r - 2 m)),
    Lambda' = (4 pi r^3 e - m) / (r (r - 2 m)),
    Phi''   = d/dr [N / D],   N = m + 4 pi r^3 P,  D = r^2 - 2 m r,
              N' = 4 pi r^2 (e + 3 P) + 4 pi r^3 P',  D' = 2 r - 2 m - 8 pi r^3 e.

Perturbations
-------------
A radial Lagrangian displacement ``xi(r) e^{i omega t}`` (``Delta r = xi``) with
adiabatic pressure perturbation ``Delta P = Gamma_1 P Delta rho0 / rho0``.

(a) Full GR (metric perturbed consistently; Chandrasekhar 1964, ApJ 140, 417; Bardeen,
Thorne & Meltzer 1966, ApJ 145, 505; Kokkotas & Ruoff 2001, A&A 366, 565). With
``zeta = r^2 e^{-Phi} xi`` the pulsation equation is the Sturm-Liouville problem

    (Pi zeta')' + (Q + omega^2 W) zeta = 0,
    Pi = e^{Lambda + 3 Phi} Gamma_1 P / r^2,
    Q  = e^{Lambda + 3 Phi} / r^2 [P'^2 / (e + P) - 4 P' / r - 8 pi e^{2 Lambda} P (e + P)],
    W  = e^{3 Lambda + Phi} (e + P) / r^2,

with ``Delta P = -Gamma_1 P e^{Phi} zeta' / r^2``. Its Newtonian limit is the linear adiabatic
wave equation ``(Delta P)' = omega^2 rho xi - 4 P' xi / r``.

(b) Cowling approximation (metric frozen, ``delta Phi = delta Lambda = 0``). The perturbed
Euler equation ``(e + P) e^{2 Lambda - 2 Phi} d^2 xi/dt^2 = -d delta P/dr - (delta e +
delta P) Phi'`` and the baryon conservation ``Delta rho0 / rho0 = -e^{-Lambda} r^{-2}
(e^{Lambda} r^2 xi)'`` (with ``delta f = Delta f - xi f'`` and ``Delta e = (e + P) Delta rho0 /
rho0``) give, for ``eta_C = r^2 e^{Lambda} xi`` (derived here; written in ``eta_C`` the
terms with ``(Gamma_1 P)'`` cancel, so a piecewise EOS needs no derivative of ``Gamma_1``),

    -(e^{Phi - Lambda} Gamma_1 P eta_C' / r^2)' + e^{Phi} (e + P) (Phi' e^{-Lambda} / r^2)' eta_C
        = omega^2 e^{Lambda - Phi} (e + P) eta_C / r^2,

with ``Delta P = -Gamma_1 P e^{-Lambda} eta_C' / r^2``. Its Newtonian limit is the Newtonian
Cowling equation ``(Delta P)' = omega^2 rho xi - 4 P' xi / r - 4 pi rho^2 xi``.

Regular form used for the discretisation
----------------------------------------
Both problems are written for the relative displacement ``u = xi / r`` (smooth and even in r,
so the centre needs no special treatment): with ``y = g u`` (``y = zeta``, ``g = r^3
e^{-Phi}``; or ``y = eta_C``, ``g = r^3 e^{Lambda}``) the eigenvalue is the stationary value of
the Rayleigh quotient

    omega^2 = int_0^R [A (u' + kappa u)^2 + B u^2] dr / int_0^R C u^2 dr,

    A = e^{Phi + Lambda} Gamma_1 P r^4,              C = e^{3 Lambda - Phi} (e + P) r^4,
    coupled:  kappa = 3 / r - Phi',
              B = -e^{Phi + Lambda} r^4 [P'^2 / (e + P) - 4 P' / r - 8 pi e^{2 Lambda} P (e + P)],
    Cowling:  kappa = 3 / r + Lambda',
              B = e^{Phi + Lambda} (e + P) r^4 (Phi'' - Lambda' Phi' - 2 Phi' / r).

Since ``A`` vanishes at the surface (``P = 0``) the boundary condition ``Delta P = 0`` there
is the natural boundary condition of the quotient, and ``u`` is free at both ends. The
quotient is discretised with linear finite elements on a uniform grid in r (three Gauss
points per element, row-sum lumped mass), giving a symmetric tridiagonal eigenproblem whose
lowest eigenvalues are the F, H1, H2, ... modes (a Sturm-Liouville problem: the k-th has k
nodes). The error is O(h^2); two resolutions are combined by Richardson extrapolation.
``omega^2 < 0`` means an unstable mode; for the full-GR problem with ``Gamma_1`` equal to the
EOS index ``omega_F^2`` changes sign at the maximum of M(rho_c).

For the 3+1 evolution (isotropic radius rbar, lapse alpha = e^{Phi}, zero shift) a mode is
``rbar -> rbar + xi_iso(rbar) sin(omega t)`` with ``xi_iso = (d rbar / dr) xi =
e^{Lambda} rbar xi / r``, i.e. a Valencia velocity ``v^rbar = omega xi_iso cos(omega t) /
alpha`` (both arrays are returned with the eigenfunctions).
"""

import argparse
import sys
import warnings
from dataclasses import dataclass, field

import numpy as np
from scipy.integrate import solve_ivp
from scipy.interpolate import CubicSpline
from scipy.linalg import eigh_tridiagonal

from source.matter.eos.cold import Polytrope, check_cold_eos
from source.matter.eos.piecewise_polytrope import PiecewisePolytrope
from source.units import MSUN_SECONDS

KINDS = ("coupled", "cowling")

# Components of the TOV state vector y(r).
_Y_MASS = 0
_Y_LOG_ENTHALPY = 1
_Y_REST_MASS = 2
_Y_LN_R_ISO_OVER_R = 3

# Start of the integration, in units of the central length scale 1 / sqrt(e_c).
_START_RADIUS = 1.0e-7
# Give up (no surface, e.g. a polytrope with Gamma <= 6/5) beyond this radius, same units.
_MAX_RADIUS = 1.0e10
# Absolute tolerance relative to rtol, times the scale of each variable (pure relative control).
_ATOL_OVER_RTOL = 1.0e-10
# Gauss-Legendre points per finite element.
_GAUSS_POINTS = 3
# Warn when the Richardson error estimate of any omega^2 exceeds this fraction of its scale.
_WARN_ERROR = 1.0e-3


def _positive_finite(name, value):
    value = float(value)
    if not (np.isfinite(value) and value > 0.0):
        raise ValueError(f"{name} must be a positive finite number (got {value})")
    return value


# ---------------------------------------------------------------------------------------------
# Background star (Schwarzschild coordinates)
# ---------------------------------------------------------------------------------------------
def metric_derivatives(r, m, P, e):
    """``Phi'``, ``Lambda'``, ``Phi''`` and ``P'`` of the static star (formulas above)."""
    r_minus_2m = r - 2.0 * m
    numerator = m + 4.0 * np.pi * r**3 * P
    denominator = r * r_minus_2m
    dPhi = numerator / denominator
    dLambda = (4.0 * np.pi * r**3 * e - m) / denominator
    dP = -(e + P) * dPhi
    d_numerator = 4.0 * np.pi * r**2 * (e + 3.0 * P) + 4.0 * np.pi * r**3 * dP
    d_denominator = 2.0 * (r - m) - 8.0 * np.pi * r**3 * e
    d2Phi = (d_numerator - dPhi * d_denominator) / denominator
    return dPhi, dLambda, d2Phi, dP


def _tov_rhs(r, y, eos):
    """``dy/dr`` of the TOV system, ``y = (m, eta, m0, ln(rbar / r))``."""
    m = y[_Y_MASS]
    rho0 = float(eos.rest_mass_density_of_log_enthalpy(y[_Y_LOG_ENTHALPY]))
    P = float(eos.pressure(rho0)) if rho0 > 0.0 else 0.0
    e = float(eos.energy_density(rho0))
    one_minus_2m_over_r = 1.0 - 2.0 * m / r
    s = np.sqrt(one_minus_2m_over_r)  # e^{-Lambda}
    dydr = np.empty(4)
    dydr[_Y_MASS] = 4.0 * np.pi * r**2 * e
    dydr[_Y_LOG_ENTHALPY] = -(m + 4.0 * np.pi * r**3 * P) / (r * r * one_minus_2m_over_r)
    dydr[_Y_REST_MASS] = 4.0 * np.pi * r**2 * rho0 / s
    dydr[_Y_LN_R_ISO_OVER_R] = (2.0 * m / r) / (s * (1.0 + s)) / r  # (e^Lambda - 1) / r
    return dydr


def _surface_event(r, y, eos):
    return y[_Y_LOG_ENTHALPY]


_surface_event.terminal = True
_surface_event.direction = -1.0


@dataclass
class TOVBackground:
    """A static star in Schwarzschild coordinates, evaluable at any ``0 <= r <= R``.

    Attributes
    ----------
    eos : cold EOS
        With the methods of the protocol of :mod:`source.matter.eos.cold`.
    rho_central, eta_central, e_central, P_central : float
        Central rest-mass density, log-enthalpy, energy density and pressure.
    R, M, M0, R_iso : float
        Areal radius, gravitational mass, rest mass and isotropic radius of the surface.
    """

    eos: object
    rho_central: float
    eta_central: float
    e_central: float
    P_central: float
    R: float
    M: float
    M0: float
    R_iso: float
    _dense: object = field(repr=False)
    _r_start: float = field(repr=False)
    _ln_r_iso_shift: float = field(repr=False)

    @property
    def compactness(self):
        return self.M / self.R

    def profile(self, r):
        """Background quantities at areal radii ``0 < r <= R`` (vectorised).

        Returns
        -------
        dict of ndarray
            ``m, eta, rho0, P, e, gamma1, Phi, Lambda, dPhi, dLambda, d2Phi, dP, r_iso``.
        """
        r = np.asarray(r, dtype=np.float64)
        if np.any(r <= 0.0) or np.any(r > self.R * (1.0 + 1.0e-12)):
            raise ValueError("profile() needs 0 < r <= R")
        r = np.minimum(r, self.R)
        m = np.empty_like(r)
        eta = np.empty_like(r)
        ln_r_iso_over_r = np.empty_like(r)
        # Regular centre series below the starting radius of the integration.
        core = r < self._r_start
        e_c, P_c = self.e_central, self.P_central
        m[core] = 4.0 * np.pi / 3.0 * e_c * r[core] ** 3
        eta[core] = self.eta_central - 2.0 * np.pi / 3.0 * (e_c + 3.0 * P_c) * r[core] ** 2
        ln_r_iso_over_r[core] = 2.0 * np.pi / 3.0 * e_c * r[core] ** 2
        if np.any(~core):
            y = self._dense(r[~core])
            m[~core] = y[_Y_MASS]
            eta[~core] = y[_Y_LOG_ENTHALPY]
            ln_r_iso_over_r[~core] = y[_Y_LN_R_ISO_OVER_R]
        eta = np.maximum(eta, 0.0)
        rho0 = self.eos.rest_mass_density_of_log_enthalpy(eta)
        safe = np.where(rho0 > 0.0, rho0, 1.0)
        P = np.where(rho0 > 0.0, self.eos.pressure(safe), 0.0)
        e = self.eos.energy_density(rho0)
        gamma1 = self.eos.adiabatic_index(safe)
        dPhi, dLambda, d2Phi, dP = metric_derivatives(r, m, P, e)
        return {
            "m": m, "eta": eta, "rho0": rho0, "P": P, "e": e, "gamma1": gamma1,
            "Phi": 0.5 * np.log1p(-2.0 * self.M / self.R) - eta,
            "Lambda": -0.5 * np.log1p(-2.0 * m / r),
            "dPhi": dPhi, "dLambda": dLambda, "d2Phi": d2Phi, "dP": dP,
            "r_iso": r * np.exp(ln_r_iso_over_r + self._ln_r_iso_shift),
        }


def solve_background(eos, rho_central, rtol=1.0e-12):
    """Integrate the TOV equations in areal radius from the centre to the surface ``eta = 0``.

    Parameters
    ----------
    eos : cold EOS
        Any object with the methods of the cold-EOS protocol of :mod:`source.matter.eos.cold`
        (a ``Polytrope``, ``PiecewisePolytrope``, ``TabulatedEOS``, ``ColdEOSFromFunctions``,
        ...); the perturbations have the adiabatic index ``eos.adiabatic_index(rho0)``.
    rho_central : float
        Central rest-mass density (> 0).
    rtol : float
        Relative tolerance of the DOP853 integration (error control purely relative).
    """
    check_cold_eos(eos)
    rho_central = _positive_finite("rho_central", rho_central)
    rtol = float(rtol)
    if not (0.0 < rtol < 1.0):
        raise ValueError(f"rtol must be in (0, 1) (got {rtol})")
    eta_c = float(eos.log_enthalpy(rho_central))
    P_c = float(eos.pressure(rho_central))
    e_c = float(eos.energy_density(rho_central))
    if not (np.isfinite(eta_c) and eta_c > 0.0 and P_c > 0.0 and e_c > 0.0):
        raise ValueError("the EOS must give P > 0, e > 0 and h > 1 at the centre")

    length = 1.0 / np.sqrt(e_c)
    r_start = _START_RADIUS * length
    y_start = np.empty(4)
    y_start[_Y_MASS] = 4.0 * np.pi / 3.0 * e_c * r_start**3
    y_start[_Y_LOG_ENTHALPY] = eta_c - 2.0 * np.pi / 3.0 * (e_c + 3.0 * P_c) * r_start**2
    y_start[_Y_REST_MASS] = 4.0 * np.pi / 3.0 * rho_central * r_start**3
    y_start[_Y_LN_R_ISO_OVER_R] = 2.0 * np.pi / 3.0 * e_c * r_start**2
    # Absolute tolerances: relative error control for the masses down to their starting
    # values; eta and ln(rbar / r) to a small fraction of rtol times their size.
    atol = rtol * _ATOL_OVER_RTOL * np.array(
        [y_start[_Y_MASS], 1.0e7 * eta_c, y_start[_Y_REST_MASS], 1.0e7])
    result = solve_ivp(
        _tov_rhs, (r_start, _MAX_RADIUS * length), y_start, method="DOP853", rtol=rtol,
        atol=atol, dense_output=True,
        events=_surface_event, args=(eos,),
    )
    if result.status != 1 or len(result.t_events[0]) == 0:
        raise RuntimeError(f"TOV integration did not reach the surface: {result.message}")
    R = float(result.t_events[0][0])
    y_surface = result.y_events[0][0]
    M = float(y_surface[_Y_MASS])
    R_iso = 0.5 * (R - M + np.sqrt(R * (R - 2.0 * M)))
    return TOVBackground(
        eos=eos, rho_central=rho_central, eta_central=eta_c, e_central=e_c, P_central=P_c,
        R=R, M=M, M0=float(y_surface[_Y_REST_MASS]), R_iso=float(R_iso),
        _dense=result.sol, _r_start=r_start,
        _ln_r_iso_shift=float(np.log(R_iso / R) - y_surface[_Y_LN_R_ISO_OVER_R]),
    )


def polytrope_background(K, Gamma, rho_central, rtol=1.0e-12):
    """:func:`solve_background` for the polytrope ``P = K rho0^Gamma``."""
    return solve_background(Polytrope(K, Gamma), rho_central, rtol=rtol)


# ---------------------------------------------------------------------------------------------
# The Rayleigh quotients (physics)
# ---------------------------------------------------------------------------------------------
def kinetic_weight(r, bg):
    """``C = e^{3 Lambda - Phi} (e + P) r^4`` (same for both problems)."""
    return np.exp(3.0 * bg["Lambda"] - bg["Phi"]) * (bg["e"] + bg["P"]) * r**4


def pressure_weight(r, bg):
    """``A = e^{Phi + Lambda} Gamma_1 P r^4`` (same for both problems)."""
    return np.exp(bg["Phi"] + bg["Lambda"]) * bg["gamma1"] * bg["P"] * r**4


def coupled_potential(r, bg):
    """Full GR: ``kappa = 3 / r - Phi'`` and
    ``B = -e^{Phi + Lambda} r^4 [P'^2 / (e + P) - 4 P' / r - 8 pi e^{2 Lambda} P (e + P)]``."""
    enthalpy_density = bg["e"] + bg["P"]
    dP = bg["dP"]
    # P'^2 / (e + P) = (e + P) Phi'^2, finite at the surface.
    bracket = (enthalpy_density * bg["dPhi"] ** 2 - 4.0 * dP / r
               - 8.0 * np.pi * np.exp(2.0 * bg["Lambda"]) * bg["P"] * enthalpy_density)
    B = -np.exp(bg["Phi"] + bg["Lambda"]) * r**4 * bracket
    return 3.0 / r - bg["dPhi"], B


def cowling_potential(r, bg):
    """Cowling: ``kappa = 3 / r + Lambda'`` and
    ``B = e^{Phi + Lambda} (e + P) r^4 (Phi'' - Lambda' Phi' - 2 Phi' / r)``."""
    dPhi = bg["dPhi"]
    curvature = bg["d2Phi"] - bg["dLambda"] * dPhi - 2.0 * dPhi / r
    B = np.exp(bg["Phi"] + bg["Lambda"]) * (bg["e"] + bg["P"]) * r**4 * curvature
    return 3.0 / r + bg["dLambda"], B


_POTENTIALS = {"coupled": coupled_potential, "cowling": cowling_potential}


# ---------------------------------------------------------------------------------------------
# Discretisation: linear finite elements, lumped mass, tridiagonal eigenproblem
# ---------------------------------------------------------------------------------------------
def _quadrature(num_elements, R):
    """Gauss points (num_elements, G), weights and the element coordinates."""
    nodes, weights = np.polynomial.legendre.leggauss(_GAUSS_POINTS)
    h = R / num_elements
    left = np.arange(num_elements)[:, None] * h
    t = 0.5 * (nodes + 1.0)  # position inside the element, in [0, 1]
    return left + h * t[None, :], 0.5 * h * weights, t, h


def _assemble(kind, background, num_elements):
    """Tridiagonal stiffness (diagonal, off-diagonal) and lumped mass on the nodes r_i = i h."""
    r, w, t, h = _quadrature(num_elements, background.R)
    bg = background.profile(r.ravel())
    bg = {key: value.reshape(r.shape) for key, value in bg.items()}
    A = pressure_weight(r, bg)
    C = kinetic_weight(r, bg)
    kappa, B = _POTENTIALS[kind](r, bg)
    # Hat functions on the element: phi_L = 1 - t, phi_R = t; phi' = -1/h, +1/h.
    phi = (1.0 - t, t)
    dphi = (-1.0 / h, 1.0 / h)
    dual = [dphi[a] + kappa * phi[a] for a in range(2)]  # u' + kappa u for each hat

    def integral(values):
        return values @ w

    k_LL = integral(A * dual[0] ** 2 + B * phi[0] ** 2)
    k_RR = integral(A * dual[1] ** 2 + B * phi[1] ** 2)
    k_LR = integral(A * dual[0] * dual[1] + B * phi[0] * phi[1])
    diagonal = np.zeros(num_elements + 1)
    diagonal[:-1] += k_LL
    diagonal[1:] += k_RR
    mass = np.zeros(num_elements + 1)
    mass[:-1] += integral(C * phi[0])
    mass[1:] += integral(C * phi[1])
    return diagonal, k_LR, mass


def _lowest_modes(kind, background, n_modes, num_elements):
    """Lowest ``n_modes`` eigenvalues omega^2 and node values of u = xi / r."""
    diagonal, off_diagonal, mass = _assemble(kind, background, num_elements)
    scale = 1.0 / np.sqrt(mass)
    omega2, vectors = eigh_tridiagonal(
        diagonal * scale**2, off_diagonal * scale[:-1] * scale[1:],
        select="i", select_range=(0, n_modes - 1),
    )
    return omega2, vectors * scale[:, None]


def mode_name(k):
    """``F`` for k = 0, ``H1``, ``H2``, ... for the overtones."""
    return "F" if k == 0 else f"H{k}"


def frequency_khz(omega2):
    """``f = omega / (2 pi)`` in kHz (NaN where ``omega^2 < 0``, an unstable mode)."""
    omega2 = np.asarray(omega2, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        omega = np.where(omega2 >= 0.0, np.sqrt(omega2), np.nan)
    return omega / (2.0 * np.pi) / MSUN_SECONDS * 1.0e-3


@dataclass
class RadialModes:
    """Radial modes of one kind (``"coupled"`` or ``"cowling"``) of one star.

    Attributes
    ----------
    kind : str
    names : list of str
        ``F, H1, H2, ...``.
    omega2 : ndarray (n,)
        Eigenvalues ``omega^2`` in Msun^-2 (Richardson extrapolated), negative if unstable.
    omega2_error : ndarray (n,)
        Estimate of their error: difference between extrapolated and finest values.
    frequency_khz : ndarray (n,)
        ``omega / (2 pi)`` in kHz; NaN for unstable modes.
    r, r_iso : ndarray (N + 1,)
        Areal and isotropic radii of the nodes, from 0 to R.
    alpha : ndarray (N + 1,)
        Lapse ``e^{Phi}`` on the nodes.
    xi : ndarray (n, N + 1)
        Lagrangian radial displacements ``xi = Delta r`` on the nodes (finest resolution),
        normalised to ``max |xi| = 1`` with ``xi(R) > 0``.
    xi_iso : ndarray (n, N + 1)
        The same displacements in isotropic radius, ``(d rbar / dr) xi`` (same normalisation
        factor as ``xi``).
    background : TOVBackground
    """

    kind: str
    names: list
    omega2: np.ndarray
    omega2_error: np.ndarray
    frequency_khz: np.ndarray
    r: np.ndarray
    r_iso: np.ndarray
    alpha: np.ndarray
    xi: np.ndarray
    xi_iso: np.ndarray
    background: TOVBackground = field(repr=False)

    def displacement(self, k, r):
        """``xi`` of mode ``k`` at areal radii ``0 <= r <= R`` (cubic spline of ``xi / r``)."""
        u = np.empty_like(self.r)
        u[1:] = self.xi[k, 1:] / self.r[1:]
        u[0] = u[1] + (u[1] - u[2]) / 3.0  # even in r: u(0) from u(h), u(2h)
        spline = CubicSpline(self.r, u)
        r = np.asarray(r, dtype=np.float64)
        return r * spline(r)

    def nodes(self, k):
        """Number of sign changes of ``xi`` of mode ``k`` inside the star."""
        xi = self.xi[k, 1:]
        xi = xi[np.abs(xi) > 1.0e-10]
        return int(np.count_nonzero(np.signbit(xi[1:]) != np.signbit(xi[:-1])))


def radial_modes(background, n_modes=3, kind="coupled", num_elements=4000, richardson=True):
    """Lowest radial modes of a star.

    Parameters
    ----------
    background : TOVBackground
    n_modes : int
        Number of modes (F, H1, ...), >= 1.
    kind : {"coupled", "cowling"}
        Full GR (metric perturbed) or Cowling (metric frozen).
    num_elements : int
        Elements of the finest grid (uniform in areal radius).
    richardson : bool
        Also solve with ``num_elements / 2`` and extrapolate ``omega^2`` (error O(h^2)).

    Returns
    -------
    RadialModes
    """
    if not isinstance(background, TOVBackground):
        raise TypeError("background must be a TOVBackground")
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS} (got {kind!r})")
    if int(n_modes) != n_modes or n_modes < 1:
        raise ValueError(f"n_modes must be an integer >= 1 (got {n_modes})")
    n_modes = int(n_modes)
    if int(num_elements) != num_elements or num_elements < max(16, 4 * n_modes):
        raise ValueError(f"num_elements must be an integer >= max(16, 4 n_modes) "
                         f"(got {num_elements})")
    num_elements = int(num_elements)

    omega2, u = _lowest_modes(kind, background, n_modes, num_elements)
    if richardson:
        coarse, _ = _lowest_modes(kind, background, n_modes, num_elements // 2)
        ratio = (num_elements / (num_elements // 2)) ** 2
        extrapolated = omega2 + (omega2 - coarse) / (ratio - 1.0)
        error = np.abs(extrapolated - omega2)
        omega2 = extrapolated
        # Scale: the largest |omega^2| or the dynamical frequency^2 M / R^3 of the star.
        scale = max(np.max(np.abs(omega2)), background.M / background.R**3)
        if np.any(error > _WARN_ERROR * scale):
            warnings.warn(
                f"{kind} radial modes not converged with {num_elements} elements (estimated "
                f"errors of omega^2: {error}); increase num_elements",
                RuntimeWarning, stacklevel=2,
            )
    else:
        error = np.full(n_modes, np.nan)

    r = np.linspace(0.0, background.R, num_elements + 1)
    xi = (r[:, None] * u).T
    xi /= np.max(np.abs(xi), axis=1, keepdims=True)
    xi *= np.where(xi[:, -1] < 0.0, -1.0, 1.0)[:, None]
    at_nodes = background.profile(r[1:])
    r_iso = np.concatenate(([0.0], at_nodes["r_iso"]))
    alpha_c = np.sqrt(1.0 - 2.0 * background.M / background.R) * np.exp(-background.eta_central)
    alpha = np.concatenate(([alpha_c], np.exp(at_nodes["Phi"])))
    dr_iso_dr = np.exp(at_nodes["Lambda"]) * at_nodes["r_iso"] / r[1:]
    xi_iso = np.zeros_like(xi)
    xi_iso[:, 1:] = xi[:, 1:] * dr_iso_dr
    return RadialModes(
        kind=kind, names=[mode_name(k) for k in range(n_modes)], omega2=omega2,
        omega2_error=error, frequency_khz=frequency_khz(omega2), r=r, r_iso=r_iso, alpha=alpha,
        xi=xi, xi_iso=xi_iso, background=background,
    )


def polytrope_radial_modes(K, Gamma, rho_central, n_modes=3, kind="coupled", **options):
    """:func:`radial_modes` of the polytrope ``P = K rho0^Gamma`` (``Gamma_1 = Gamma``)."""
    return radial_modes(polytrope_background(K, Gamma, rho_central), n_modes=n_modes,
                        kind=kind, **options)


def star_radial_modes(cold, rho_central, n_modes=3, kind="coupled", **options):
    """:func:`radial_modes` of the star of central density ``rho_central`` built on the cold
    EOS ``cold`` (a ``PiecewisePolytrope`` or a ``TabulatedEOS``; adiabatic index of the
    perturbations = the local ``d ln P / d ln rho0``, which is also that of a hybrid EOS on
    its cold curve)."""
    if isinstance(cold, PiecewisePolytrope) and cold.n_pieces == 1:
        return polytrope_radial_modes(cold.K[0], cold.Gamma[0], rho_central, n_modes, kind,
                                      **options)
    return radial_modes(solve_background(cold, rho_central),
                        n_modes=n_modes, kind=kind, **options)


# ---------------------------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------------------------
def _format_table(modes_by_kind):
    lines = []
    for modes in modes_by_kind:
        title = "full GR (coupled)" if modes.kind == "coupled" else "Cowling (frozen metric)"
        lines.append(f"{title}:")
        lines.append(f"  {'mode':<5} {'f [kHz]':>10} {'omega^2 [Msun^-2]':>20} {'error est.':>11}")
        for k, name in enumerate(modes.names):
            f = modes.frequency_khz[k]
            f_text = f"{f:10.5f}" if np.isfinite(f) else f"{'unstable':>10}"
            lines.append(f"  {name:<5} {f_text} {modes.omega2[k]:20.10e} "
                         f"{modes.omega2_error[k]:11.2e}")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m source.initialdata.radial_modes",
        description="Linear radial-mode frequencies of a polytropic TOV star.",
    )
    parser.add_argument("--K", type=float, default=100.0, help="polytropic constant")
    parser.add_argument("--gamma", type=float, default=2.0, help="polytropic exponent")
    parser.add_argument("--rho-central", type=float, default=1.28e-3,
                        help="central rest-mass density")
    parser.add_argument("--modes", type=int, default=5, help="number of modes (F, H1, ...)")
    parser.add_argument("--num-elements", type=int, default=4000,
                        help="finite elements of the finest grid")
    family = parser.add_mutually_exclusive_group()
    family.add_argument("--coupled", dest="kinds", action="store_const", const=("coupled",),
                        help="full GR only")
    family.add_argument("--cowling", dest="kinds", action="store_const", const=("cowling",),
                        help="Cowling approximation only")
    family.add_argument("--both", dest="kinds", action="store_const", const=KINDS,
                        help="both (default)")
    parser.set_defaults(kinds=KINDS)
    args = parser.parse_args(argv)
    try:
        background = polytrope_background(args.K, args.gamma, args.rho_central)
        modes = [radial_modes(background, args.modes, kind, num_elements=args.num_elements)
                 for kind in args.kinds]
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(f"star: K = {args.K:g}, Gamma = {args.gamma:g}, rho_c = {args.rho_central:.6e}: "
          f"M = {background.M:.6f}, M0 = {background.M0:.6f}, R = {background.R:.6f} (areal), "
          f"M/R = {background.compactness:.6f}")
    print(_format_table(modes))
    return 0


if __name__ == "__main__":
    sys.exit(main())
