"""TOV stars with a cold barotropic EOS, in isotropic coordinates, as initial data.

Units are G = c = Msun = 1. The equation of state is the cold polytrope

    P = K rho0^Gamma,    eps = K rho0^(Gamma - 1) / (Gamma - 1),
    e = rho0 (1 + eps) = rho0 + P / (Gamma - 1),
    h = 1 + eps + P / rho0 = 1 + Gamma K rho0^(Gamma - 1) / (Gamma - 1),

with rest-mass density ``rho0``, specific internal energy ``eps``, total energy density ``e``
and specific enthalpy ``h`` (``TOVSolverIso(K, Gamma)``: :class:`source.matter.eos.cold.Polytrope`),
or any cold barotropic EOS object with the methods of the cold-EOS protocol of
:mod:`source.matter.eos.cold` (``TOVSolverIso(eos=...)``, e.g. a piecewise polytrope of
:mod:`source.matter.eos.piecewise_polytrope` or a table); this module holds no EOS formula of
its own. A piecewise EOS is integrated piece by piece
(the integration is restarted at each log-enthalpy where ``d rho0 / d eta`` jumps), so that
the DOP853 error control never straddles a kink.

The Tolman-Oppenheimer-Volkoff equations in Schwarzschild (areal) radius r,

    dm/dr   = 4 pi r^2 e,
    dP/dr   = -(e + P) (m + 4 pi r^3 P) / (r (r - 2 m)),
    dnu/dr  = -2 (dP/dr) / (e + P),            alpha = exp(nu / 2),
    drbar/dr = rbar / (r sqrt(1 - 2 m / r)),   rbar: isotropic radius,
    dm0/dr  = 4 pi r^2 rho0 / sqrt(1 - 2 m / r),

are integrated with the log-enthalpy ``eta = ln h`` as independent variable (Lindblom 1992,
ApJ 398, 569). Since ``dP = (e + P) d eta`` for an isentropic fluid,

    dr/deta        = -r (r - 2 m) / (m + 4 pi r^3 P),
    dm/deta        = 4 pi r^2 e dr/deta,
    dm0/deta       = 4 pi r^2 rho0 / sqrt(1 - 2 m / r) dr/deta,
    d ln rbar/deta = (dr/deta) / (r sqrt(1 - 2 m / r)) = -sqrt(r (r - 2 m)) / (m + 4 pi r^3 P),
    dnu/deta       = -2,

from ``eta_c`` (centre) down to ``eta = 0``, which is exactly the stellar surface. Hence R, M
and M0 are obtained to the ODE tolerance, without locating a zero of the pressure.

The lapse follows in closed form, ``alpha h = const``, normalised to the exterior
Schwarzschild value ``alpha(R) = sqrt(1 - 2 M / R)``. The integration constant of ``ln rbar``
is fixed by matching to the exterior solution in isotropic coordinates,
``Rbar = [R - M + sqrt(R (R - 2 M))] / 2``. The conformal factor of the spatial metric
``dl^2 = psi^4 (drbar^2 + rbar^2 dOmega^2)`` is ``psi^4 = exp(4 phi) = (r / rbar)^2``.

Outside the star (rbar >= Rbar) the solution is Schwarzschild in isotropic coordinates:

    psi = 1 + M / (2 rbar),    alpha = (1 - M / (2 rbar)) / (1 + M / (2 rbar)).

Sequences of stars (:func:`mass_radius_sequence`, :func:`maximum_mass_star`,
:func:`star_of_mass`) and the command line

    python -m source.initialdata.tov --K 100 --gamma 2 --rho-central 1.28e-3
    python -m source.initialdata.tov --eos-id sly --sequence [--plot mr.png]
    python -m source.initialdata.tov --eos-id sly --mass 1.4

give stars in physical units (M in Msun, areal R in km, rho_c in g cm^-3 and code units).
"""

import argparse
import math
import sys
from dataclasses import dataclass, field

import numpy as np
from scipy.integrate import solve_ivp
from scipy.optimize import brentq, minimize_scalar

from source.bssn.bssnstatevariables import (
    NUM_BSSN_VARS,
    idx_lapse,
    idx_phi,
)
from source.matter.eos.causality import causality_check
from source.matter.eos.cold import Polytrope, check_cold_eos, hybrid_specific_internal_energy

# Rows of the hydrodynamical (conserved) variables appended after the BSSN rows.
idx_D = NUM_BSSN_VARS
idx_Sr = NUM_BSSN_VARS + 1
idx_tau = NUM_BSSN_VARS + 2
NUM_STATE_VARS = NUM_BSSN_VARS + 3

# Components of the ODE state vector y(eta).
_Y_R_SCHW = 0
_Y_MASS = 1
_Y_REST_MASS = 2
_Y_LN_R_ISO = 3
_NUM_Y = 4

# The integration starts at eta_c - _START_FRACTION * eta_c, from the centre series.
_START_FRACTION = 1.0e-9
# Absolute tolerance relative to rtol: tiny, so that the error control is purely relative
# even for the ~1e-14 enclosed masses at the starting point.
_ATOL_OVER_RTOL = 1.0e-10
# Root finding for eta(rbar): maximum number of safeguarded Newton iterations.
_MAX_NEWTON_ITERATIONS = 100


# ---------------------------------------------------------------------------------------------
# The TOV equations in the log-enthalpy form.
# ---------------------------------------------------------------------------------------------
def _tov_rhs_log_enthalpy(eta, y, eos):
    """Right-hand side d y / d eta of the TOV system, ``y = (r, m, m0, ln rbar)``.

    Parameters
    ----------
    eta : float
        Log-enthalpy ``ln h`` (independent variable, decreasing outwards).
    y : ndarray (4,)
        Areal radius r, gravitational mass m(r), rest mass m0(r), and ``ln rbar`` up to a
        constant.
    eos : cold EOS (:mod:`source.matter.eos.cold`)
        Gives ``(rho0, P, e)`` of ``eta``.
    """
    r = y[_Y_R_SCHW]
    m = y[_Y_MASS]
    rho0, P, e = eos.state_of_log_enthalpy(eta)

    r_minus_2m = r - 2.0 * m
    mass_term = m + 4.0 * np.pi * r**3 * P  # m + 4 pi r^3 P
    dr_deta = -r * r_minus_2m / mass_term
    inv_sqrt_metric = np.sqrt(r / r_minus_2m)  # 1 / sqrt(1 - 2m/r)

    dydeta = np.empty(4)
    dydeta[_Y_R_SCHW] = dr_deta
    dydeta[_Y_MASS] = 4.0 * np.pi * r**2 * e * dr_deta
    dydeta[_Y_REST_MASS] = 4.0 * np.pi * r**2 * rho0 * inv_sqrt_metric * dr_deta
    dydeta[_Y_LN_R_ISO] = -np.sqrt(r * r_minus_2m) / mass_term
    return dydeta


def _dln_r_iso_deta(r, m, P):
    """``d ln rbar / d eta = -sqrt(r (r - 2 m)) / (m + 4 pi r^3 P)`` (vectorised)."""
    return -np.sqrt(r * (r - 2.0 * m)) / (m + 4.0 * np.pi * r**3 * P)


def _exterior(r_iso, M):
    """Schwarzschild exterior in isotropic coordinates: ``alpha`` and ``psi^4``."""
    half_m_over_r = 0.5 * M / r_iso
    alpha = (1.0 - half_m_over_r) / (1.0 + half_m_over_r)
    psi4 = (1.0 + half_m_over_r) ** 4
    return alpha, psi4


def _isotropic_radius_of_areal(R, M):
    """Isotropic radius of the Schwarzschild areal radius R: ``[R - M + sqrt(R(R-2M))] / 2``."""
    return 0.5 * (R - M + np.sqrt(R * (R - 2.0 * M)))


class _SegmentedDense:
    """Dense output of an integration restarted at the EOS breaks: ``y(eta)`` over segments.

    Parameters
    ----------
    edges : ndarray
        Increasing segment boundaries ``0 = eta_0 < ... < eta_k = eta_start``.
    solutions : list of scipy.integrate.OdeSolution
        ``solutions[j]`` covers ``[edges[j], edges[j + 1]]``.
    """

    def __init__(self, edges, solutions):
        self.edges = np.asarray(edges, dtype=np.float64)
        self.solutions = solutions

    def __call__(self, eta):
        eta = np.asarray(eta, dtype=np.float64)
        segment = np.clip(np.searchsorted(self.edges, eta, side="right") - 1, 0,
                          len(self.solutions) - 1)
        if eta.ndim == 0:
            return self.solutions[int(segment)](eta)
        out = np.empty((_NUM_Y, eta.size))
        flat_eta = eta.ravel()
        flat_segment = segment.ravel()
        for j in np.unique(flat_segment):
            where = flat_segment == j
            out[:, where] = self.solutions[j](flat_eta[where])
        return out.reshape((_NUM_Y,) + eta.shape)


# ---------------------------------------------------------------------------------------------
# Solution
# ---------------------------------------------------------------------------------------------
@dataclass(eq=False)
class TOVSolutionIso:
    """A TOV star in isotropic coordinates.

    Attributes
    ----------
    K, Gamma : float or None
        Polytropic constant and exponent (``None`` for a star of a general EOS).
    rho_central : float
        Central rest-mass density.
    M_star : float
        Gravitational (ADM) mass M.
    M0 : float
        Rest (baryon) mass.
    R_schw : float
        Areal (Schwarzschild) radius R of the surface.
    R_iso : float
        Isotropic radius Rbar of the surface.
    C : float
        Compactness ``M / R_schw``.
    alpha_c : float
        Central lapse.
    psi4_c : float
        Central conformal factor ``psi^4 = lim (r / rbar)^2`` at r -> 0.
    r_iso, r_schw, m, rho_baryon, P, alpha, exp4phi : ndarray
        The interior sampled uniformly in isotropic radius from the centre to the surface
        (both included): isotropic radius, areal radius, enclosed gravitational mass,
        rest-mass density, pressure, lapse and ``exp(4 phi) = psi^4``.
    eos : object or None
        The EOS object of a star built with ``TOVSolverIso(eos=...)`` (``None`` for the
        polytrope given by ``K, Gamma``).
    """

    K: float
    Gamma: float
    rho_central: float
    M_star: float
    M0: float
    R_schw: float
    R_iso: float
    C: float
    alpha_c: float
    psi4_c: float
    r_iso: np.ndarray = field(repr=False)
    r_schw: np.ndarray = field(repr=False)
    m: np.ndarray = field(repr=False)
    rho_baryon: np.ndarray = field(repr=False)
    P: np.ndarray = field(repr=False)
    alpha: np.ndarray = field(repr=False)
    exp4phi: np.ndarray = field(repr=False)
    _interior: "_InteriorSolution" = field(repr=False)
    eos: object = field(default=None, repr=False)

    def evaluate(self, r_iso):
        """Evaluate the solution at arbitrary isotropic radii.

        Inside the star the log-enthalpy ``eta`` is found by inverting ``rbar(eta)`` on the
        dense output of the ODE solution and every quantity is evaluated at that ``eta``,
        so no interpolation ever crosses the surface. Outside, the analytic Schwarzschild
        solution is used.

        Parameters
        ----------
        r_iso : array_like
            Isotropic radii; the absolute value is used (mirror ghosts at negative r).

        Returns
        -------
        dict of ndarray
            ``"rho0"`` rest-mass density, ``"P"`` pressure, ``"alpha"`` lapse and
            ``"exp4phi"`` conformal factor ``psi^4``; also ``"r_schw"`` areal radius
            ``r = psi^2 rbar`` and ``"m"`` enclosed gravitational mass. Same shape as
            ``r_iso``.
        """
        r_abs = np.abs(np.asarray(r_iso, dtype=np.float64))
        shape = r_abs.shape
        r_flat = r_abs.ravel()
        if not np.all(np.isfinite(r_flat)):
            raise ValueError("r_iso must be finite")

        rho0 = np.zeros_like(r_flat)
        P = np.zeros_like(r_flat)
        alpha = np.empty_like(r_flat)
        exp4phi = np.empty_like(r_flat)
        r_schw = np.empty_like(r_flat)
        m = np.full_like(r_flat, self.M_star)

        inside = r_flat < self.R_iso
        outside = ~inside
        alpha[outside], exp4phi[outside] = _exterior(r_flat[outside], self.M_star)
        r_schw[outside] = r_flat[outside] * np.sqrt(exp4phi[outside])

        if np.any(inside):
            state = self._interior.at_isotropic_radius(r_flat[inside])
            rho0[inside] = state["rho0"]
            P[inside] = state["P"]
            alpha[inside] = state["alpha"]
            exp4phi[inside] = state["exp4phi"]
            r_schw[inside] = state["r_schw"]
            m[inside] = state["m"]

        return {
            "rho0": rho0.reshape(shape),
            "P": P.reshape(shape),
            "alpha": alpha.reshape(shape),
            "exp4phi": exp4phi.reshape(shape),
            "r_schw": r_schw.reshape(shape),
            "m": m.reshape(shape),
        }

    def properties(self):
        """Scalar properties of the star as JSON-serialisable floats.

        Returns
        -------
        dict
            Keys ``K, Gamma, rho_central, M_star, M0, R_schw, R_iso, C, alpha_c, psi4_c``;
            for a star of a general EOS ``eos`` (its ``name`` or type) replaces ``K, Gamma``.
        """
        names = (
            "K", "Gamma", "rho_central", "M_star", "M0", "R_schw", "R_iso", "C", "alpha_c",
            "psi4_c",
        )
        if self.eos is None:
            return {name: float(getattr(self, name)) for name in names}
        properties = {"eos": str(getattr(self.eos, "name", type(self.eos).__name__))}
        properties.update({name: float(getattr(self, name)) for name in names[2:]})
        return properties


class _InteriorSolution:
    """Dense interior solution ``y(eta)`` and its inversion ``eta(rbar)``.

    Parameters
    ----------
    dense : scipy.integrate.OdeSolution or _SegmentedDense
        Dense output of ``y = (r, m, m0, ln rbar + const)`` on ``[0, eta_start]``.
    eos : cold EOS (:mod:`source.matter.eos.cold`)
        The EOS.
    eta_c, eta_start : float
        Central log-enthalpy and the (slightly smaller) value where the integration starts.
    ln_r_iso_shift : float
        Constant added to the integrated ``ln rbar`` so that it matches the exterior.
    alpha_surface : float
        ``sqrt(1 - 2 M / R)``; the lapse is ``alpha_surface exp(-eta)``.
    psi4_c : float
        Central ``psi^4``.
    """

    def __init__(self, dense, eos, eta_c, eta_start, ln_r_iso_shift, alpha_surface, psi4_c):
        self.dense = dense
        self.eos = eos
        self.eta_c = eta_c
        self.eta_start = eta_start
        self.ln_r_iso_shift = ln_r_iso_shift
        self.alpha_surface = alpha_surface
        self.psi4_c = psi4_c
        self.rho0_c = eos.rest_mass_density_of_log_enthalpy(eta_c)
        self.e_c = eos.energy_density(self.rho0_c)
        self.P_c = eos.pressure(self.rho0_c)
        self.r_iso_start = float(np.exp(dense(eta_start)[_Y_LN_R_ISO] + ln_r_iso_shift))

        # Bracketing table for the root finder: rbar is monotonically decreasing in eta.
        # Sample uniformly in sqrt(eta_c - eta), which is ~ proportional to r near the centre.
        s_max = np.sqrt(eta_c)
        s_start = np.sqrt(eta_c - eta_start)
        s_table = np.linspace(s_start, s_max, 513)
        eta_table = eta_c - s_table**2
        eta_table[0] = eta_start
        eta_table[-1] = 0.0
        self.eta_table = eta_table  # decreasing
        self.r_iso_table = np.exp(dense(eta_table)[_Y_LN_R_ISO] + ln_r_iso_shift)  # increasing

    def state_at_log_enthalpy(self, eta):
        """Areal radius, masses and isotropic radius at ``eta`` (``eta_start >= eta >= 0``)."""
        y = self.dense(eta)
        return (
            y[_Y_R_SCHW],
            y[_Y_MASS],
            y[_Y_REST_MASS],
            np.exp(y[_Y_LN_R_ISO] + self.ln_r_iso_shift),
        )

    def log_enthalpy_of_isotropic_radius(self, r_iso):
        """Solve ``rbar(eta) = r_iso`` for ``r_iso_start <= r_iso <= Rbar`` (vectorised).

        A Newton iteration on ``rbar(eta)^2 - r_iso^2`` (smooth in eta also at the centre,
        where ``rbar^2`` is ~ linear in ``eta_c - eta``), safeguarded by bisection inside a
        bracket taken from a precomputed table.
        """
        target = np.asarray(r_iso, dtype=np.float64)
        # Bracket [eta_lo, eta_hi] with rbar(eta_lo) >= target >= rbar(eta_hi).
        j = np.searchsorted(self.r_iso_table, target, side="left")
        j = np.clip(j, 1, self.r_iso_table.size - 1)
        eta_lo = self.eta_table[j].copy()
        eta_hi = self.eta_table[j - 1].copy()
        # Initial guess: linear interpolation of rbar^2 in eta inside the bracket.
        r2_lo = self.r_iso_table[j] ** 2
        r2_hi = self.r_iso_table[j - 1] ** 2
        weight = (r2_lo - target**2) / (r2_lo - r2_hi)
        eta = eta_lo + weight * (eta_hi - eta_lo)

        active = np.arange(target.size)
        for _ in range(_MAX_NEWTON_ITERATIONS):
            if active.size == 0:
                break
            eta_a = eta[active]
            r, m, _, r_iso_a = self.state_at_log_enthalpy(eta_a)
            P = self.eos.pressure(self.eos.rest_mass_density_of_log_enthalpy(eta_a))
            residual = r_iso_a**2 - target[active] ** 2
            # rbar decreases with eta: residual > 0 means the root is at larger eta.
            root_further_in = residual > 0.0
            eta_lo[active] = np.where(root_further_in, eta_a, eta_lo[active])
            eta_hi[active] = np.where(root_further_in, eta_hi[active], eta_a)

            slope = 2.0 * r_iso_a**2 * _dln_r_iso_deta(r, m, P)
            with np.errstate(divide="ignore", invalid="ignore"):
                eta_new = eta_a - residual / slope
            lo, hi = eta_lo[active], eta_hi[active]
            unsafe = ~np.isfinite(eta_new) | (eta_new < lo) | (eta_new > hi)
            eta_new = np.where(unsafe, 0.5 * (lo + hi), eta_new)
            eta_new = np.where(residual == 0.0, eta_a, eta_new)
            eta[active] = eta_new

            tolerance = 1.0e-15 + 1.0e-13 * np.abs(eta_a)
            done = (np.abs(eta_new - eta_a) <= tolerance) | (residual == 0.0)
            active = active[~done]
        else:
            raise RuntimeError("eta(rbar) inversion did not converge")
        return eta

    def at_isotropic_radius(self, r_iso):
        """All interior quantities at isotropic radii ``0 <= r_iso < Rbar``.

        Returns
        -------
        dict of ndarray
            ``eta, r_schw, m, rho0, P, alpha, exp4phi``.
        """
        r_iso = np.asarray(r_iso, dtype=np.float64)
        eta = np.empty_like(r_iso)
        r_schw = np.empty_like(r_iso)
        m = np.empty_like(r_iso)
        exp4phi = np.empty_like(r_iso)

        # Innermost region (r_iso < r_iso_start, ~1e-4 M): regular centre series,
        # eta_c - eta = (2 pi / 3)(e_c + 3 P_c) r^2, m = (4 pi / 3) e_c r^3,
        # psi^4 = psi4_c exp(-(4 pi / 3) e_c r^2).
        core = r_iso < self.r_iso_start
        if np.any(core):
            r_core = r_iso[core] * np.sqrt(self.psi4_c)
            eta[core] = self.eta_c - 2.0 * np.pi / 3.0 * (self.e_c + 3.0 * self.P_c) * r_core**2
            r_schw[core] = r_core
            m[core] = 4.0 * np.pi / 3.0 * self.e_c * r_core**3
            exp4phi[core] = self.psi4_c * np.exp(-4.0 * np.pi / 3.0 * self.e_c * r_core**2)

        body = ~core
        if np.any(body):
            eta_body = self.log_enthalpy_of_isotropic_radius(r_iso[body])
            r, m_body, _, r_iso_body = self.state_at_log_enthalpy(eta_body)
            eta[body] = eta_body
            r_schw[body] = r
            m[body] = m_body
            exp4phi[body] = (r / r_iso_body) ** 2

        rho0 = self.eos.rest_mass_density_of_log_enthalpy(eta)
        return {
            "eta": eta,
            "r_schw": r_schw,
            "m": m,
            "rho0": rho0,
            "P": self.eos.pressure(rho0),
            "alpha": self.alpha_surface * np.exp(-eta),
            "exp4phi": exp4phi,
        }


# ---------------------------------------------------------------------------------------------
# Solver
# ---------------------------------------------------------------------------------------------
class TOVSolverIso:
    """Solve the TOV equations for a cold polytrope ``P = K rho0^Gamma`` or any cold barotropic
    EOS.

    Parameters
    ----------
    K : float, optional
        Polytropic constant, > 0.
    Gamma : float, optional
        Polytropic exponent, > 1.
    eos : object, optional
        Instead of ``K, Gamma``: a cold barotropic EOS with the methods of the cold-EOS
        protocol of :mod:`source.matter.eos.cold` (``pressure``, ``specific_internal_energy``,
        ``energy_density``, ``log_enthalpy``, ``rest_mass_density_of_log_enthalpy``,
        ``state_of_log_enthalpy``, ``adiabatic_index``; optional ``log_enthalpy_breaks``,
        where the integration is restarted, and ``name``): a
        :class:`~source.matter.eos.piecewise_polytrope.PiecewisePolytrope`, a
        :class:`~source.matter.eos.tabulated.TabulatedEOS`, a
        :class:`~source.matter.eos.cold.Polytrope`, a
        :class:`~source.matter.eos.cold.ColdEOSFromFunctions` or a user's object (e.g. a
        subclass of :class:`~source.matter.eos.cold.ColdEOS`).

    ``TOVSolverIso(K, Gamma)`` integrates the :class:`~source.matter.eos.cold.Polytrope`
    ``(K, Gamma)`` with the same floating-point operations as before the general EOS existed,
    so its stars are bit-identical; its stars have ``eos = None``.
    """

    def __init__(self, K=None, Gamma=None, eos=None):
        if eos is not None:
            if K is not None or Gamma is not None:
                raise ValueError("give either K and Gamma or eos, not both")
            self.K = None
            self.Gamma = None
            self.eos = check_cold_eos(eos)
            self._cold = eos
            return
        if K is None or Gamma is None:
            raise ValueError("TOVSolverIso needs K and Gamma (polytrope) or eos")
        self._cold = Polytrope(K, Gamma)
        self.K = self._cold.K
        self.Gamma = self._cold.Gamma
        self.eos = None

    @classmethod
    def from_eos(cls, eos):
        """``TOVSolverIso(eos=eos)``."""
        return cls(eos=eos)

    @property
    def name(self):
        """A label of the EOS."""
        return str(getattr(self._cold, "name", type(self._cold).__name__))

    def cold_pressure(self, rho0):
        """Pressure of the star's cold EOS at the rest-mass density ``rho0`` (the polytrope
        in closed form: no compiled function, so a polytropic run's set-up compiles
        nothing for it)."""
        return float(self._cold.pressure(float(rho0)))

    @staticmethod
    def _check(rho_central, rtol):
        rho_central = float(rho_central)
        if not (np.isfinite(rho_central) and rho_central > 0.0):
            raise ValueError(f"rho_central must be a positive finite number (got {rho_central})")
        rtol = float(rtol)
        if not (np.isfinite(rtol) and 0.0 < rtol < 1.0):
            raise ValueError(f"rtol must be in (0, 1) (got {rtol})")
        return rho_central, rtol

    def _integrate(self, rho_central, rtol):
        """Integrate from the centre to the surface; returns the pieces :meth:`solve` needs."""
        rho_central, rtol = self._check(rho_central, rtol)
        eos = self._cold

        eta_c = float(eos.log_enthalpy(rho_central))
        P_c = float(eos.pressure(rho_central))
        e_c = float(eos.energy_density(rho_central))
        if not (np.isfinite(eta_c) and eta_c > 0.0 and P_c > 0.0 and e_c > 0.0):
            raise ValueError(f"the EOS must give P > 0, e > 0 and h > 1 at rho_central = "
                             f"{rho_central} (got P = {P_c}, e = {e_c}, ln h = {eta_c})")

        # Regular centre: leading terms of the series in d_eta = eta_c - eta (Lindblom 1992).
        d_eta = _START_FRACTION * eta_c
        eta_start = eta_c - d_eta
        r_start = np.sqrt(3.0 * d_eta / (2.0 * np.pi * (e_c + 3.0 * P_c)))
        volume_start = 4.0 * np.pi / 3.0 * r_start**3
        y_start = np.empty(4)
        y_start[_Y_R_SCHW] = r_start
        y_start[_Y_MASS] = volume_start * e_c
        y_start[_Y_REST_MASS] = volume_start * rho_central
        y_start[_Y_LN_R_ISO] = np.log(r_start)

        # Restart at every EOS break between the start and the surface (none: one call).
        breaks = [float(b) for b in getattr(eos, "log_enthalpy_breaks", ())
                  if 0.0 < b < eta_start]
        bounds = [eta_start, *sorted(breaks, reverse=True), 0.0]
        solutions = []
        y = y_start
        for eta_from, eta_to in zip(bounds[:-1], bounds[1:], strict=True):
            result = solve_ivp(
                _tov_rhs_log_enthalpy,
                (eta_from, eta_to),
                y,
                method="DOP853",
                rtol=rtol,
                atol=_ATOL_OVER_RTOL * rtol,
                dense_output=True,
                args=(eos,),
            )
            if not result.success:
                raise RuntimeError(f"TOV integration failed: {result.message}")
            solutions.append(result.sol)
            y = result.y[:, -1]
        if len(solutions) == 1:
            dense = solutions[0]
        else:
            dense = _SegmentedDense(bounds[::-1], solutions[::-1])
        return rho_central, eos, eta_c, eta_start, e_c, r_start, y_start, y, dense

    def global_properties(self, rho_central, rtol=1e-12):
        """M, M0, R of a star without its profile (cheaper than :meth:`solve`).

        Returns
        -------
        dict
            ``rho_central, M_star, M0, R_schw, R_iso, C`` (code units).
        """
        rho_central, _, _, _, _, _, _, y_surface, _ = self._integrate(rho_central, rtol)
        R_schw = float(y_surface[_Y_R_SCHW])
        M_star = float(y_surface[_Y_MASS])
        return {
            "rho_central": rho_central, "M_star": M_star, "M0": float(y_surface[_Y_REST_MASS]),
            "R_schw": R_schw, "R_iso": float(_isotropic_radius_of_areal(R_schw, M_star)),
            "C": M_star / R_schw,
        }

    def solve(self, rho_central, rtol=1e-12, n_samples=2001):
        """Integrate the star from the centre to the surface.

        Parameters
        ----------
        rho_central : float
            Central rest-mass density, > 0.
        rtol : float, optional
            Relative tolerance of the DOP853 integration (the absolute tolerance is
            ``1e-10 rtol``, i.e. the error control is relative).
        n_samples : int, optional
            Number of samples (uniform in isotropic radius, centre and surface included) of the
            tabulated profile stored in the solution.

        Returns
        -------
        TOVSolutionIso
        """
        self._check(rho_central, rtol)
        n_samples = int(n_samples)
        if n_samples < 2:
            raise ValueError(f"n_samples must be at least 2 (got {n_samples})")
        (rho_central, eos, eta_c, eta_start, e_c, r_start, y_start, y_surface,
         dense) = self._integrate(rho_central, rtol)

        R_schw = float(y_surface[_Y_R_SCHW])
        M_star = float(y_surface[_Y_MASS])
        M0 = float(y_surface[_Y_REST_MASS])
        R_iso = float(_isotropic_radius_of_areal(R_schw, M_star))
        ln_r_iso_shift = np.log(R_iso) - y_surface[_Y_LN_R_ISO]
        alpha_surface = float(np.sqrt(1.0 - 2.0 * M_star / R_schw))

        # Centre limit of psi^4 = (r / rbar)^2: ln(rbar / r) = const + (2 pi / 3) e_c r^2.
        ln_r_over_r_iso_start = np.log(r_start) - (y_start[_Y_LN_R_ISO] + ln_r_iso_shift)
        psi4_c = float(np.exp(2.0 * ln_r_over_r_iso_start
                              + 4.0 * np.pi / 3.0 * e_c * r_start**2))

        interior = _InteriorSolution(
            dense, eos, eta_c, eta_start, ln_r_iso_shift, alpha_surface, psi4_c,
        )

        r_iso_samples = np.linspace(0.0, R_iso, n_samples)
        samples = interior.at_isotropic_radius(r_iso_samples[:-1])
        surface = {
            "r_schw": R_schw, "m": M_star, "rho0": 0.0, "P": 0.0, "alpha": alpha_surface,
            "exp4phi": (R_schw / R_iso) ** 2,
        }
        sampled = {key: np.append(samples[key], value) for key, value in surface.items()}

        return TOVSolutionIso(
            K=self.K,
            Gamma=self.Gamma,
            rho_central=rho_central,
            M_star=M_star,
            M0=M0,
            R_schw=R_schw,
            R_iso=R_iso,
            C=M_star / R_schw,
            alpha_c=float(alpha_surface * np.exp(-eta_c)),
            psi4_c=psi4_c,
            r_iso=r_iso_samples,
            r_schw=sampled["r_schw"],
            m=sampled["m"],
            rho_baryon=sampled["rho0"],
            P=sampled["P"],
            alpha=sampled["alpha"],
            exp4phi=sampled["exp4phi"],
            _interior=interior,
            eos=self.eos,
        )


def solve_tov(K, Gamma, rho_central, rtol=1e-12):
    """Solve a polytropic TOV star; shorthand for ``TOVSolverIso(K, Gamma).solve(...)``.

    Parameters
    ----------
    K, Gamma : float
        Polytropic constant (> 0) and exponent (> 1).
    rho_central : float
        Central rest-mass density (> 0).
    rtol : float, optional
        Relative tolerance of the integration.

    Returns
    -------
    TOVSolutionIso
    """
    return TOVSolverIso(K, Gamma).solve(rho_central, rtol=rtol)


# ---------------------------------------------------------------------------------------------
# Initial data on the evolution grid
# ---------------------------------------------------------------------------------------------
def create_initial_data_iso(tov_solution, r, rho_atm, p_atm, tau_atm, eos_gamma=None):
    """BSSN + hydro initial data of a static TOV star on a cell-centred radial grid.

    The spatial metric is conformally flat, ``gamma_ij = exp(4 phi) delta_ij`` with
    ``exp(4 phi) = psi^4``, so all ``h_ij``, ``a_ij``, ``K``, ``lambda^r``, the shift and
    ``B^r`` vanish. The fluid is at rest (``W = 1``) and the conserved variables are
    densitised with ``sqrt(gamma) = exp(6 phi)``.

    Parameters
    ----------
    tov_solution : TOVSolutionIso
        The star.
    r : array_like (N,)
        Cell-centred radii including the ghost cells; the inner ghosts carry negative r and
        ``|r|`` is used, so they mirror the first interior cells exactly.
    rho_atm, p_atm, tau_atm : float
        Atmosphere rest-mass density (> 0), pressure (>= 0) and ``tau`` (>= 0, not
        densitised). Inside the star ``rho0`` and ``P`` are floored at ``rho_atm`` and
        ``p_atm``.
    eos_gamma : float, optional
        Adiabatic index used to compute ``eps = P / ((eos_gamma - 1) rho0)``; defaults to the
        polytropic ``Gamma`` of the star (then ``eps`` is the cold polytropic one). For a star
        of a general EOS (``tov_solution.eos``) the default is the EOS's own ``eps``: the cold
        ``eps(rho0)``, plus, where the pressure floor lifts ``P`` above the cold pressure and
        the EOS has a thermal index ``gamma_th``, the thermal part
        ``(P - P_cold) / ((gamma_th - 1) rho0)`` (the atmosphere outside gets the same
        ``rho_atm``, ``p_atm`` and ``eps``; ``tau`` there is ``tau_atm`` as for the polytrope).

    Returns
    -------
    state_2d : ndarray (15, N)
        Rows: phi, hrr, htt, hpp, K, arr, att, app, lambdar, shiftr, br, lapse, D, S_r, tau.
    primitives : tuple of ndarray (N,)
        ``(rho0, vr, p, eps)``.
    """
    if not isinstance(tov_solution, TOVSolutionIso):
        raise TypeError("tov_solution must be a TOVSolutionIso")
    r = np.asarray(r, dtype=np.float64)
    if r.ndim != 1:
        raise ValueError(f"r must be one-dimensional (got shape {r.shape})")
    if not np.all(np.isfinite(r)):
        raise ValueError("r must be finite")
    rho_atm = float(rho_atm)
    p_atm = float(p_atm)
    tau_atm = float(tau_atm)
    if not (np.isfinite(rho_atm) and rho_atm > 0.0):
        raise ValueError(f"rho_atm must be a positive finite number (got {rho_atm})")
    if not (np.isfinite(p_atm) and p_atm >= 0.0):
        raise ValueError(f"p_atm must be a non-negative finite number (got {p_atm})")
    if not (np.isfinite(tau_atm) and tau_atm >= 0.0):
        raise ValueError(f"tau_atm must be a non-negative finite number (got {tau_atm})")
    general_eos = tov_solution.eos is not None and eos_gamma is None
    if eos_gamma is None and not general_eos:
        eos_gamma = tov_solution.Gamma
    if not general_eos:
        eos_gamma = float(eos_gamma)
        if not (np.isfinite(eos_gamma) and eos_gamma > 1.0):
            raise ValueError(f"eos_gamma must be a finite number > 1 (got {eos_gamma})")

    r_abs = np.abs(r)
    star = tov_solution.evaluate(r_abs)
    inside = r_abs < tov_solution.R_iso

    rho0 = np.where(inside, np.maximum(star["rho0"], rho_atm), rho_atm)
    p = np.where(inside, np.maximum(star["P"], p_atm), p_atm)
    if general_eos:
        eps = hybrid_specific_internal_energy(tov_solution.eos, rho0, p)
    else:
        eps = p / ((eos_gamma - 1.0) * rho0)
    vr = np.zeros_like(r_abs)

    phi = 0.25 * np.log(star["exp4phi"])
    sqrt_gamma = np.exp(6.0 * phi)

    state_2d = np.zeros((NUM_STATE_VARS, r_abs.size), dtype=np.float64)
    state_2d[idx_phi] = phi
    state_2d[idx_lapse] = star["alpha"]
    state_2d[idx_D] = sqrt_gamma * rho0
    state_2d[idx_Sr] = 0.0
    state_2d[idx_tau] = np.where(inside, sqrt_gamma * rho0 * eps, sqrt_gamma * tau_atm)
    return state_2d, (rho0, vr, p, eps)


# ---------------------------------------------------------------------------------------------
# Sequences of stars: mass-radius curve, maximum mass, star of a given mass
# ---------------------------------------------------------------------------------------------
@dataclass(eq=False)
class StarSequence:
    """Stars of one EOS over a range of central densities (code units).

    Attributes
    ----------
    name : str
        The EOS.
    rho_central, M_star, M0, R_schw, R_iso, C : ndarray
        Central rest-mass density, gravitational and rest mass, areal and isotropic radius and
        compactness of each star, by increasing ``rho_central``.
    maximum : dict or None
        :meth:`TOVSolverIso.global_properties` of the maximum-mass model (``None`` if
        ``M(rho_c)`` has no maximum inside the range).
    """

    name: str
    rho_central: np.ndarray
    M_star: np.ndarray
    M0: np.ndarray
    R_schw: np.ndarray
    R_iso: np.ndarray
    C: np.ndarray
    maximum: dict = None


def _log_density_grid(rho_min, rho_max, num):
    rho_min, rho_max = float(rho_min), float(rho_max)
    if not (np.isfinite(rho_min) and np.isfinite(rho_max) and 0.0 < rho_min < rho_max):
        raise ValueError(f"need 0 < rho_min < rho_max (got {rho_min}, {rho_max})")
    num = int(num)
    if num < 3:
        raise ValueError(f"num must be at least 3 (got {num})")
    return np.geomspace(rho_min, rho_max, num)


def _refine_maximum(solver, x_grid, masses, rtol):
    """Maximum of ``M(exp(x))`` bracketed by the grid's largest sample (``None`` at an end)."""
    i = int(np.argmax(masses))
    if i == 0 or i == masses.size - 1:
        return None
    result = minimize_scalar(
        lambda x: -solver.global_properties(math.exp(x), rtol)["M_star"],
        bounds=(x_grid[i - 1], x_grid[i + 1]), method="bounded",
        options={"xatol": 1.0e-10})
    best = solver.global_properties(math.exp(result.x), rtol)
    if best["M_star"] < masses[i]:  # never worse than the best sample
        best = solver.global_properties(math.exp(x_grid[i]), rtol)
    return best


def mass_radius_sequence(solver, rho_min, rho_max, num=60, rtol=1e-12):
    """Stars at ``num`` central densities spaced logarithmically in ``[rho_min, rho_max]``,
    with the maximum-mass model located to ``|d ln rho_c| <= 1e-10`` (Brent).

    Parameters
    ----------
    solver : TOVSolverIso
    rho_min, rho_max : float
        Central-density range (code units).
    num : int
    rtol : float
        Tolerance of each TOV integration.

    Returns
    -------
    StarSequence
    """
    rho = _log_density_grid(rho_min, rho_max, num)
    stars = [solver.global_properties(value, rtol) for value in rho]
    columns = {key: np.array([star[key] for star in stars])
               for key in ("M_star", "M0", "R_schw", "R_iso", "C")}
    maximum = _refine_maximum(solver, np.log(rho), columns["M_star"], rtol)
    return StarSequence(name=solver.name, rho_central=rho, maximum=maximum, **columns)


def maximum_mass_star(solver, rho_min, rho_max, num=30, rtol=1e-12):
    """Global properties of the maximum-mass model with ``rho_min < rho_c < rho_max``.

    Raises
    ------
    ValueError
        If ``M(rho_c)`` increases (or decreases) over the whole range.
    """
    sequence = mass_radius_sequence(solver, rho_min, rho_max, num, rtol)
    if sequence.maximum is None:
        raise ValueError(f"M(rho_c) has no maximum between rho_c = {rho_min:.6e} and "
                         f"{rho_max:.6e}; widen the range")
    return sequence.maximum


def star_of_mass(solver, mass, rho_min, rho_max, num=30, rtol=1e-12, sequence=None):
    """The star of gravitational mass ``mass`` on the stable branch (``rho_c`` below the
    maximum-mass model), by Brent's method on ``ln rho_c`` to round-off.

    Parameters
    ----------
    solver : TOVSolverIso
    mass : float
        Gravitational mass (Msun).
    rho_min, rho_max : float
        Range of central densities searched; it must contain the maximum-mass model (or
        ``M(rho_max) > mass`` on an increasing branch) and ``M(rho_min) < mass``.
    sequence : StarSequence, optional
        A sequence over the same range to reuse (skips the sampling).

    Returns
    -------
    TOVSolutionIso
    """
    mass = float(mass)
    if not (np.isfinite(mass) and mass > 0.0):
        raise ValueError(f"mass must be a positive finite number (got {mass})")
    if sequence is None:
        sequence = mass_radius_sequence(solver, rho_min, rho_max, num, rtol)
    x = np.log(sequence.rho_central)
    masses = sequence.M_star
    if sequence.maximum is not None:
        x_max = math.log(sequence.maximum["rho_central"])
        M_max = sequence.maximum["M_star"]
        stable = x < x_max
        x = np.append(x[stable], x_max)
        masses = np.append(masses[stable], M_max)
        if mass > M_max:
            raise ValueError(f"mass {mass} is above the maximum mass {M_max:.6f} of "
                             f"{solver.name}")
    elif np.all(np.diff(masses) > 0.0):
        if mass > masses[-1]:
            raise ValueError(f"mass {mass} is above M(rho_max) = {masses[-1]:.6f}; raise "
                             f"rho_max")
    else:
        raise ValueError("no stable branch found in the range (M(rho_c) decreases)")
    if masses[0] >= mass:
        raise ValueError(f"M(rho_min) = {masses[0]:.6f} >= {mass}; lower rho_min")
    j = int(np.argmax(masses >= mass))
    if masses[j] == mass:
        return solver.solve(math.exp(x[j]), rtol=rtol)
    x_root = brentq(lambda value: solver.global_properties(math.exp(value), rtol)["M_star"]
                    - mass, x[j - 1], x[j], xtol=1.0e-14, rtol=4.0 * np.finfo(float).eps)
    return solver.solve(math.exp(x_root), rtol=rtol)


# Default central-density ranges of sequences: catalogue EOSs (g cm^-3), polytropes (code).
_CATALOGUE_RANGE_CGS = (10.0**14.4, 10.0**15.8)
_POLYTROPE_RANGE = (1.0e-4, 1.0e-2)


def default_density_range(solver):
    """Central densities (code units) searched for sequences and stars of a given mass:
    10^14.4-10^15.8 g cm^-3 for a general (catalogue) EOS, 1e-4-1e-2 for a polytrope."""
    if solver.eos is None:
        return _POLYTROPE_RANGE
    from source.matter.eos import eos_catalogue as units

    return tuple(units.density_to_code(rho) for rho in _CATALOGUE_RANGE_CGS)


def central_density_of_mass(solver, mass, rtol=1e-12):
    """Central density of the stable star of gravitational mass ``mass`` (Msun), searched in
    :func:`default_density_range` (ValueError above the maximum mass)."""
    return star_of_mass(solver, mass, *default_density_range(solver), rtol=rtol).rho_central


# ---------------------------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------------------------


def _central_sound_speed_squared(eos, rho_central):
    function = getattr(eos, "sound_speed_squared", None)
    if eos is None or not callable(function):
        return None
    return float(function(rho_central))


def _format_star(star, units):
    lines = [f"star: {star.eos.name if star.eos is not None else 'polytrope'}"
             + (f" K = {star.K:g}, Gamma = {star.Gamma:g}" if star.eos is None else "")]
    lines.append(f"  rho_c   = {star.rho_central:.9e} (code) = "
                 f"{units.density_to_cgs(star.rho_central):.6e} g/cm^3")
    lines.append(f"  M       = {star.M_star:.9f} Msun")
    lines.append(f"  M0      = {star.M0:.9f} Msun")
    lines.append(f"  R_schw  = {star.R_schw:.9f} = {units.length_to_km(star.R_schw):.6f} km "
                 f"(areal)")
    lines.append(f"  R_iso   = {star.R_iso:.9f} = {units.length_to_km(star.R_iso):.6f} km")
    lines.append(f"  M/R     = {star.C:.9f}")
    lines.append(f"  alpha_c = {star.alpha_c:.9f},  psi4_c = {star.psi4_c:.9f}")
    cs2 = _central_sound_speed_squared(star.eos, star.rho_central)
    if cs2 is not None:
        lines.append(f"  c_s^2 at the centre = {cs2:.6f}"
                     + ("  (> 1: acausal)" if cs2 > 1.0 else ""))
    return "\n".join(lines)


def _format_sequence(sequence, eos, units):
    header = (f"{'rho_c [g/cm^3]':>15} {'rho_c [code]':>13} {'M [Msun]':>10} "
              f"{'M0 [Msun]':>10} {'R [km]':>9} {'M/R':>8} {'c_s^2(0)':>9}")
    rows = [(rho, m, m0, r, c, "") for rho, m, m0, r, c in zip(
        sequence.rho_central, sequence.M_star, sequence.M0, sequence.R_schw, sequence.C,
        strict=True)]
    maximum = sequence.maximum
    if maximum is not None:
        rows.append((maximum["rho_central"], maximum["M_star"], maximum["M0"],
                     maximum["R_schw"], maximum["C"], "  <- maximum mass"))
        rows.sort(key=lambda row: row[0])
    lines = [f"mass-radius sequence: {sequence.name} (R: areal radius)", header]
    for rho, m, m0, r, c, mark in rows:
        cs2 = _central_sound_speed_squared(eos, rho)
        lines.append(f"{units.density_to_cgs(rho):15.6e} {rho:13.6e} {m:10.6f} {m0:10.6f} "
                     f"{units.length_to_km(r):9.4f} {c:8.5f} "
                     f"{'-' if cs2 is None else format(cs2, '.4f'):>9}{mark}")
    if maximum is None:
        lines.append("no maximum of M(rho_c) inside the range")
    else:
        cs2 = _central_sound_speed_squared(eos, maximum["rho_central"])
        lines.append(
            f"maximum mass: M_max = {maximum['M_star']:.6f} Msun, R = "
            f"{units.length_to_km(maximum['R_schw']):.4f} km, M0 = {maximum['M0']:.6f} Msun, "
            f"rho_c = {units.density_to_cgs(maximum['rho_central']):.6e} g/cm^3 "
            f"({maximum['rho_central']:.6e} code), M/R = {maximum['C']:.5f}"
            + ("" if cs2 is None else f", c_s^2(0) = {cs2:.4f}"
               + (" (acausal centre)" if cs2 > 1.0 else "")))
    return "\n".join(lines)


def _plot_sequence(sequence, path, units):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import NullFormatter

    rho = sequence.rho_central
    M, R = sequence.M_star, sequence.R_schw
    maximum = sequence.maximum
    if maximum is None:
        stable = np.ones_like(rho, dtype=bool)
    else:  # the maximum-mass model closes both branches
        where = np.searchsorted(rho, maximum["rho_central"])
        rho = np.insert(rho, where, maximum["rho_central"])
        M = np.insert(M, where, maximum["M_star"])
        R = np.insert(R, where, maximum["R_schw"])
        stable = rho <= maximum["rho_central"]
    unstable = ~stable
    if maximum is not None:
        unstable[where] = True
    R_km = units.length_to_km(R)
    rho_cgs = units.density_to_cgs(rho)
    figure, (left, right) = plt.subplots(1, 2, figsize=(11, 4.5))
    for axis, x_values in ((left, R_km), (right, rho_cgs)):
        axis.plot(x_values[stable], M[stable], "-", color="C0", label="stable")
        if np.count_nonzero(unstable) > 1:
            axis.plot(x_values[unstable], M[unstable], "--", color="C0", label="unstable")
    if maximum is not None:
        R_max = units.length_to_km(maximum["R_schw"])
        rho_max = units.density_to_cgs(maximum["rho_central"])
        label = f"M_max = {maximum['M_star']:.4f} Msun, R = {R_max:.3f} km"
        left.plot([R_max], [maximum["M_star"]], "*", color="C3", markersize=12, label=label)
        right.plot([rho_max], [maximum["M_star"]], "*", color="C3", markersize=12)
    left.set_xlabel("areal radius R [km]")
    left.set_ylabel("gravitational mass M [Msun]")
    left.legend(loc="upper right")
    right.set_xscale("log")
    right.xaxis.set_minor_formatter(NullFormatter())
    right.set_xlabel("central density rho_c [g/cm^3]")
    right.set_ylabel("M [Msun]")
    for axis in (left, right):
        axis.grid(alpha=0.3)
    figure.suptitle(sequence.name)
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)


def main(argv=None):
    """``python -m source.initialdata.tov``: one star, a mass-radius sequence or the star of a
    given mass, for a polytrope, a catalogue EOS or a table."""
    from source.matter.eos import eos_catalogue as units

    parser = argparse.ArgumentParser(
        prog="python -m source.initialdata.tov",
        description="TOV stars of a polytrope or of a piecewise-polytrope EOS (Read et al. "
                    "2009) in code units (G = c = Msun = 1) and physical units.")
    eos_group = parser.add_argument_group("EOS (a polytrope by default)")
    eos_group.add_argument("--K", type=float, default=100.0, help="polytropic constant")
    eos_group.add_argument("--gamma", type=float, default=2.0, help="polytropic exponent")
    eos_group.add_argument("--eos-id", help="catalogue EOS: " + ", ".join(units.list_eos())
                           + " (case-insensitive)")
    eos_group.add_argument("--eos-table", metavar="FILE",
                           help="tabulated cold EOS: a LALSimulation file (p, e in m^-2) or a "
                                "CompOSE cold-table directory (eos.nb, eos.thermo)")
    eos_group.add_argument("--list-eos", action="store_true",
                           help="list the catalogue and exit")
    what = parser.add_argument_group("what to compute (default: the star of --rho-central)")
    what.add_argument("--rho-central", type=float,
                      help="central rest-mass density, code units (polytrope default 1.28e-3)")
    what.add_argument("--rho-central-cgs", type=float, help="central density in g/cm^3")
    what.add_argument("--sequence", action="store_true",
                      help="mass-radius sequence with the maximum-mass model marked")
    what.add_argument("--mass", type=float,
                      help="the star of this gravitational mass (Msun) on the stable branch")
    what.add_argument("--plot", metavar="FILE.png", help="with --sequence: plot M(R), M(rho_c)")
    what.add_argument("--num", type=int, default=60, help="stars in the sequence [60]")
    what.add_argument("--rho-range", type=float, nargs=2, metavar=("MIN", "MAX"),
                      help="central densities of the sequence, code units [catalogue: "
                           "10^14.4 - 10^15.8 g/cm^3; polytrope: 1e-4 - 1e-2]")
    what.add_argument("--rho-range-cgs", type=float, nargs=2, metavar=("MIN", "MAX"),
                      help="the same in g/cm^3")
    what.add_argument("--rtol", type=float, default=1e-12, help="ODE tolerance [1e-12]")
    args = parser.parse_args(argv)

    if args.list_eos:
        print(f"{'name':6} {'log10 p1 [dyn/cm^2]':>20} {'Gamma1':>7} {'Gamma2':>7} "
              f"{'Gamma3':>7}   (Read et al. 2009, on the SLy crust)")
        for name in units.list_eos():
            entry = units.catalogue_entry(name)
            print(f"{name:6} {entry['log10_p1_cgs']:20.3f} {entry['Gamma1']:7.3f} "
                  f"{entry['Gamma2']:7.3f} {entry['Gamma3']:7.3f}")
        return 0
    try:
        if args.eos_id is not None and args.eos_table is not None:
            raise ValueError("give --eos-id or --eos-table, not both")
        if args.eos_table is not None:
            from source.matter.eos.tabulated import TabulatedEOS

            eos = TabulatedEOS.from_file(args.eos_table)
            solver = TOVSolverIso(eos=eos)
        elif args.eos_id is not None:
            eos = units.eos_from_catalogue(args.eos_id)
            solver = TOVSolverIso(eos=eos)
        else:
            eos = None
            solver = TOVSolverIso(args.K, args.gamma)
        default_range = default_density_range(solver)
        if args.rho_central is not None and args.rho_central_cgs is not None:
            raise ValueError("give --rho-central or --rho-central-cgs, not both")
        rho_central = args.rho_central
        if args.rho_central_cgs is not None:
            rho_central = units.density_to_code(args.rho_central_cgs)
        rho_range = default_range
        if args.rho_range is not None:
            rho_range = tuple(args.rho_range)
        if args.rho_range_cgs is not None:
            rho_range = tuple(units.density_to_code(rho) for rho in args.rho_range_cgs)
        if args.plot is not None and not args.sequence:
            raise ValueError("--plot needs --sequence")
        if not (args.sequence or args.mass is not None or rho_central is not None):
            if eos is not None:
                raise ValueError("with --eos-id or --eos-table give --rho-central[-cgs], "
                                 "--mass or --sequence")
            rho_central = 1.28e-3
        if eos is not None and rho_central is not None:
            acausal, _ = causality_check(eos, rho_central)
            if acausal:
                raise ValueError(f"--rho-central: {acausal}")

        if eos is not None:
            print(eos.describe())
            if math.isfinite(eos.rho_causal):
                print(f"c_s^2 reaches 1 at rho = {units.density_to_cgs(eos.rho_causal):.6e} "
                      f"g/cm^3 ({eos.rho_causal:.6e} code)")
            print()
        sequence = None
        if args.sequence:
            sequence = mass_radius_sequence(solver, *rho_range, num=args.num, rtol=args.rtol)
            print(_format_sequence(sequence, eos, units))
            if args.plot is not None:
                _plot_sequence(sequence, args.plot, units)
                print(f"wrote {args.plot}")
        if args.mass is not None:
            star = star_of_mass(solver, args.mass, *rho_range, num=args.num, rtol=args.rtol,
                                sequence=sequence)
            print(f"\nstable star of mass {args.mass:g} Msun:")
            print(_format_star(star, units))
        if rho_central is not None:
            print()
            print(_format_star(solver.solve(rho_central, rtol=args.rtol), units))
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
