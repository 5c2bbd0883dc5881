"""TOV stars with a cold polytropic EOS, in isotropic coordinates, as initial data.

Units are G = c = Msun = 1. The equation of state is the cold polytrope

    P = K rho0^Gamma,    eps = K rho0^(Gamma - 1) / (Gamma - 1),
    e = rho0 (1 + eps) = rho0 + P / (Gamma - 1),
    h = 1 + eps + P / rho0 = 1 + Gamma K rho0^(Gamma - 1) / (Gamma - 1),

with rest-mass density ``rho0``, specific internal energy ``eps``, total energy density ``e``
and specific enthalpy ``h``.

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
"""

from dataclasses import dataclass, field

import numpy as np
from scipy.integrate import solve_ivp

from source.bssn.bssnstatevariables import (
    NUM_BSSN_VARS,
    idx_lapse,
    idx_phi,
)

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

# The integration starts at eta_c - _START_FRACTION * eta_c, from the centre series.
_START_FRACTION = 1.0e-9
# Absolute tolerance relative to rtol: tiny, so that the error control is purely relative
# even for the ~1e-14 enclosed masses at the starting point.
_ATOL_OVER_RTOL = 1.0e-10
# Root finding for eta(rbar): maximum number of safeguarded Newton iterations.
_MAX_NEWTON_ITERATIONS = 100


# ---------------------------------------------------------------------------------------------
# Cold polytrope, as explicit functions of the rest-mass density or the log-enthalpy.
# ---------------------------------------------------------------------------------------------
def _pressure(rho0, K, Gamma):
    """Pressure ``P = K rho0^Gamma``."""
    return K * rho0**Gamma


def _energy_density(rho0, K, Gamma):
    """Total energy density ``e = rho0 + P / (Gamma - 1)``."""
    return rho0 + _pressure(rho0, K, Gamma) / (Gamma - 1.0)


def _log_enthalpy(rho0, K, Gamma):
    """Log of the specific enthalpy, ``eta = ln[1 + Gamma K rho0^(Gamma-1) / (Gamma-1)]``."""
    return np.log1p(Gamma * K * rho0 ** (Gamma - 1.0) / (Gamma - 1.0))


def _rest_mass_density_of_log_enthalpy(eta, K, Gamma):
    """Inverse of :func:`_log_enthalpy`: ``rho0 = [(Gamma-1)(h-1) / (Gamma K)]^(1/(Gamma-1))``.

    ``h - 1 = expm1(eta)`` keeps full relative precision close to the surface (eta -> 0).
    Negative ``eta`` (outside the star) gives ``rho0 = 0``.
    """
    h_minus_one = np.maximum(np.expm1(eta), 0.0)
    return ((Gamma - 1.0) * h_minus_one / (Gamma * K)) ** (1.0 / (Gamma - 1.0))


# ---------------------------------------------------------------------------------------------
# The TOV equations in the log-enthalpy form.
# ---------------------------------------------------------------------------------------------
def _tov_rhs_log_enthalpy(eta, y, K, Gamma):
    """Right-hand side d y / d eta of the TOV system, ``y = (r, m, m0, ln rbar)``.

    Parameters
    ----------
    eta : float
        Log-enthalpy ``ln h`` (independent variable, decreasing outwards).
    y : ndarray (4,)
        Areal radius r, gravitational mass m(r), rest mass m0(r), and ``ln rbar`` up to a
        constant.
    K, Gamma : float
        Polytropic constant and exponent.
    """
    r = y[_Y_R_SCHW]
    m = y[_Y_MASS]
    rho0 = _rest_mass_density_of_log_enthalpy(eta, K, Gamma)
    P = _pressure(rho0, K, Gamma)
    e = _energy_density(rho0, K, Gamma)

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


# ---------------------------------------------------------------------------------------------
# Solution
# ---------------------------------------------------------------------------------------------
@dataclass(eq=False)
class TOVSolutionIso:
    """A TOV star in isotropic coordinates.

    Attributes
    ----------
    K, Gamma : float
        Polytropic constant and exponent.
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
            Keys ``K, Gamma, rho_central, M_star, M0, R_schw, R_iso, C, alpha_c, psi4_c``.
        """
        names = (
            "K", "Gamma", "rho_central", "M_star", "M0", "R_schw", "R_iso", "C", "alpha_c",
            "psi4_c",
        )
        return {name: float(getattr(self, name)) for name in names}


class _InteriorSolution:
    """Dense interior solution ``y(eta)`` and its inversion ``eta(rbar)``.

    Parameters
    ----------
    dense : scipy.integrate.OdeSolution
        Dense output of ``y = (r, m, m0, ln rbar + const)`` on ``[0, eta_start]``.
    K, Gamma : float
        Polytrope.
    eta_c, eta_start : float
        Central log-enthalpy and the (slightly smaller) value where the integration starts.
    ln_r_iso_shift : float
        Constant added to the integrated ``ln rbar`` so that it matches the exterior.
    alpha_surface : float
        ``sqrt(1 - 2 M / R)``; the lapse is ``alpha_surface exp(-eta)``.
    psi4_c : float
        Central ``psi^4``.
    """

    def __init__(self, dense, K, Gamma, eta_c, eta_start, ln_r_iso_shift, alpha_surface, psi4_c):
        self.dense = dense
        self.K = K
        self.Gamma = Gamma
        self.eta_c = eta_c
        self.eta_start = eta_start
        self.ln_r_iso_shift = ln_r_iso_shift
        self.alpha_surface = alpha_surface
        self.psi4_c = psi4_c
        self.rho0_c = _rest_mass_density_of_log_enthalpy(eta_c, K, Gamma)
        self.e_c = _energy_density(self.rho0_c, K, Gamma)
        self.P_c = _pressure(self.rho0_c, K, Gamma)
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
            P = _pressure(_rest_mass_density_of_log_enthalpy(eta_a, self.K, self.Gamma),
                          self.K, self.Gamma)
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

        rho0 = _rest_mass_density_of_log_enthalpy(eta, self.K, self.Gamma)
        return {
            "eta": eta,
            "r_schw": r_schw,
            "m": m,
            "rho0": rho0,
            "P": _pressure(rho0, self.K, self.Gamma),
            "alpha": self.alpha_surface * np.exp(-eta),
            "exp4phi": exp4phi,
        }


# ---------------------------------------------------------------------------------------------
# Solver
# ---------------------------------------------------------------------------------------------
class TOVSolverIso:
    """Solve the TOV equations for a cold polytrope ``P = K rho0^Gamma``.

    Parameters
    ----------
    K : float
        Polytropic constant, > 0.
    Gamma : float
        Polytropic exponent, > 1.
    """

    def __init__(self, K, Gamma):
        K = float(K)
        Gamma = float(Gamma)
        if not (np.isfinite(K) and K > 0.0):
            raise ValueError(f"K must be a positive finite number (got {K})")
        if not (np.isfinite(Gamma) and Gamma > 1.0):
            raise ValueError(f"Gamma must be a finite number > 1 (got {Gamma})")
        self.K = K
        self.Gamma = Gamma

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
        rho_central = float(rho_central)
        if not (np.isfinite(rho_central) and rho_central > 0.0):
            raise ValueError(f"rho_central must be a positive finite number (got {rho_central})")
        rtol = float(rtol)
        if not (np.isfinite(rtol) and 0.0 < rtol < 1.0):
            raise ValueError(f"rtol must be in (0, 1) (got {rtol})")
        n_samples = int(n_samples)
        if n_samples < 2:
            raise ValueError(f"n_samples must be at least 2 (got {n_samples})")
        K, Gamma = self.K, self.Gamma

        eta_c = float(_log_enthalpy(rho_central, K, Gamma))
        P_c = _pressure(rho_central, K, Gamma)
        e_c = _energy_density(rho_central, K, Gamma)

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

        result = solve_ivp(
            _tov_rhs_log_enthalpy,
            (eta_start, 0.0),
            y_start,
            method="DOP853",
            rtol=rtol,
            atol=_ATOL_OVER_RTOL * rtol,
            dense_output=True,
            args=(K, Gamma),
        )
        if not result.success:
            raise RuntimeError(f"TOV integration failed: {result.message}")

        y_surface = result.y[:, -1]
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
            result.sol, K, Gamma, eta_c, eta_start, ln_r_iso_shift, alpha_surface, psi4_c,
        )

        r_iso_samples = np.linspace(0.0, R_iso, n_samples)
        samples = interior.at_isotropic_radius(r_iso_samples[:-1])
        surface = {
            "r_schw": R_schw, "m": M_star, "rho0": 0.0, "P": 0.0, "alpha": alpha_surface,
            "exp4phi": (R_schw / R_iso) ** 2,
        }
        sampled = {key: np.append(samples[key], value) for key, value in surface.items()}

        return TOVSolutionIso(
            K=K,
            Gamma=Gamma,
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
        polytropic ``Gamma`` of the star (then ``eps`` is the cold polytropic one).

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
    if eos_gamma is None:
        eos_gamma = tov_solution.Gamma
    eos_gamma = float(eos_gamma)
    if not (np.isfinite(eos_gamma) and eos_gamma > 1.0):
        raise ValueError(f"eos_gamma must be a finite number > 1 (got {eos_gamma})")

    r_abs = np.abs(r)
    star = tov_solution.evaluate(r_abs)
    inside = r_abs < tov_solution.R_iso

    rho0 = np.where(inside, np.maximum(star["rho0"], rho_atm), rho_atm)
    p = np.where(inside, np.maximum(star["P"], p_atm), p_atm)
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
