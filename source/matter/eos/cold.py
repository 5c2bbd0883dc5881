r"""The cold EOS as the TOV solver and the radial-mode solver see it: one protocol, two classes.

A cold (zero-temperature, barotropic) EOS gives every thermodynamic quantity as a function of
the rest-mass density ``rho`` alone: pressure ``P(rho)``, specific internal energy
``eps(rho)``, energy density ``e = rho (1 + eps)``, specific enthalpy ``h = 1 + eps + P / rho``
with the first law ``d e = h d rho`` (equivalently ``d eps = P d rho / rho^2``) and the
log-enthalpy ``eta = ln h``, the variable the TOV equations are integrated in
(``dP = (e + P) d eta``; Lindblom 1992, ApJ 398, 569).

The protocol
------------
:class:`source.initialdata.tov.TOVSolverIso` (``eos=``) and
:func:`source.initialdata.radial_modes.solve_background` take any object with these methods
(vectorised over numpy arrays unless stated; every one is 0 at ``rho = 0``, i.e. at the
surface, where ``h = 1``):

``pressure(rho)``
    ``P``.
``specific_internal_energy(rho)``
    ``eps`` (``-> 0`` as ``rho -> 0``).
``energy_density(rho)``
    ``e = rho (1 + eps)``.
``log_enthalpy(rho)``
    ``eta = ln(1 + eps + P / rho)``.
``rest_mass_density_of_log_enthalpy(eta)``
    the inverse of ``log_enthalpy``; 0 for ``eta <= 0``.
``state_of_log_enthalpy(eta)``
    ``(rho, P, e)`` at one scalar ``eta`` (the TOV right-hand side's call).
``adiabatic_index(rho)``
    ``Gamma_1 = d ln P / d ln rho``, the index of the linear perturbations.

and, optionally, the attributes ``log_enthalpy_breaks`` (log-enthalpies where the EOS has a
kink, where the TOV integration restarts; default none), ``name`` and ``describe()``.
:func:`check_cold_eos` names the methods an object lacks.

The cold curves of this package have them: :class:`Polytrope` (closed forms, below),
:class:`~source.matter.eos.piecewise_polytrope.PiecewisePolytrope` (Read, Lackey, Owen &
Friedman 2009), :class:`~source.matter.eos.tabulated.TabulatedEOS` (a table) and
:class:`ColdEOSFromFunctions` (user callables of ``rho``). A new cold EOS derives from
:class:`ColdEOS`, which supplies ``energy_density``, ``log_enthalpy``,
``state_of_log_enthalpy``, ``log_enthalpy_breaks``, ``name`` and ``describe`` from the other
four methods.

The evolution kernels see a cold curve through ``source.matter.eos.eos`` (the barotropic and
hybrid kinds); :func:`hybrid_specific_internal_energy` is the hybrid EOS's ``eps(rho, P)`` for
initial data on a cold curve with a thermal index ``gamma_th``.
"""

import numpy as np

#: The methods of the cold-EOS protocol (see the module docstring).
COLD_EOS_METHODS = (
    "pressure",
    "specific_internal_energy",
    "energy_density",
    "log_enthalpy",
    "rest_mass_density_of_log_enthalpy",
    "state_of_log_enthalpy",
    "adiabatic_index",
)

# Inverse of the log-enthalpy of ColdEOSFromFunctions: bracketing table in ln rho (from
# rho_max e^-80 to rho_max e^0.01), extension below it and the Newton iteration's limit.
_TABLE_E_FOLDS_BELOW = 80.0
_TABLE_E_FOLDS_ABOVE = 0.01
_TABLE_POINTS = 321
_EXTENSION_E_FOLDS = 200.0
_MAX_NEWTON_ITERATIONS = 100


def check_cold_eos(eos):
    """Raise TypeError, naming the missing methods, unless ``eos`` has every method of the
    cold-EOS protocol (:data:`COLD_EOS_METHODS`); return ``eos``."""
    missing = [name for name in COLD_EOS_METHODS if not callable(getattr(eos, name, None))]
    if missing:
        raise TypeError(f"a cold EOS must provide {', '.join(missing)} (got "
                        f"{type(eos).__name__}; see source.matter.eos.cold)")
    return eos


def _positive_finite(name, value):
    value = float(value)
    if not (np.isfinite(value) and value > 0.0):
        raise ValueError(f"{name} must be a positive finite number (got {value})")
    return value


def _on_positive_density(function, rho):
    """``function(rho)`` where ``rho > 0``, 0 elsewhere (``function`` never sees rho <= 0)."""
    rho = np.asarray(rho, dtype=np.float64)
    safe = np.where(rho > 0.0, rho, 1.0)
    out = np.where(rho > 0.0, np.asarray(function(safe), dtype=np.float64), 0.0)
    return out[()] if out.ndim == 0 else out


class ColdEOS:
    """Base of a cold EOS: the protocol's derived quantities from ``pressure``,
    ``specific_internal_energy``, ``adiabatic_index`` and
    ``rest_mass_density_of_log_enthalpy``, which a subclass defines."""

    #: Log-enthalpies of kinks of the EOS (none).
    log_enthalpy_breaks = ()
    name = "cold EOS"

    def energy_density(self, rho):
        """``e = rho (1 + eps)`` (0 at ``rho = 0``)."""
        return _on_positive_density(lambda x: x * (1.0 + self.specific_internal_energy(x)),
                                    rho)

    def log_enthalpy(self, rho):
        """``eta = ln(1 + eps + P / rho)`` (0 at ``rho = 0``)."""
        return _on_positive_density(
            lambda x: np.log1p(self.specific_internal_energy(x) + self.pressure(x) / x), rho)

    def state_of_log_enthalpy(self, eta):
        """``(rho, P, e)`` at a scalar log-enthalpy."""
        rho = float(self.rest_mass_density_of_log_enthalpy(float(eta)))
        return rho, float(self.pressure(rho)), float(self.energy_density(rho))

    def describe(self):
        return self.name

    def __repr__(self):
        return f"{type(self).__name__}(name={self.name!r})"


class Polytrope(ColdEOS):
    """The cold polytrope in closed form,

        P = K rho^Gamma,              eps = K rho^(Gamma - 1) / (Gamma - 1),
        e = rho + P / (Gamma - 1),    h = 1 + Gamma K rho^(Gamma - 1) / (Gamma - 1),
        Gamma_1 = Gamma,              rho(eta) = [(Gamma - 1)(e^eta - 1) / (Gamma K)]^(1/(Gamma-1)).

    These are the formulas of the ``TOVSolverIso(K, Gamma)`` stars (the stored baselines):
    their floating-point operations must not change. The functions take a float or an
    ndarray of ``rho >= 0`` (``eta`` any real).

    Parameters
    ----------
    K : float
        Polytropic constant, > 0.
    Gamma : float
        Polytropic exponent, > 1.
    """

    def __init__(self, K, Gamma):
        self.K = _positive_finite("K", K)
        Gamma = float(Gamma)
        if not (np.isfinite(Gamma) and Gamma > 1.0):
            raise ValueError(f"Gamma must be a finite number > 1 (got {Gamma})")
        self.Gamma = Gamma
        self.name = f"polytrope K = {self.K:g}, Gamma = {self.Gamma:g}"

    def pressure(self, rho):
        """``P = K rho^Gamma``."""
        return self.K * rho**self.Gamma

    def specific_internal_energy(self, rho):
        """``eps = K rho^(Gamma - 1) / (Gamma - 1)``."""
        return self.K * rho ** (self.Gamma - 1.0) / (self.Gamma - 1.0)

    def energy_density(self, rho):
        """``e = rho + P / (Gamma - 1)``."""
        return rho + self.pressure(rho) / (self.Gamma - 1.0)

    def log_enthalpy(self, rho):
        """``eta = ln[1 + Gamma K rho^(Gamma - 1) / (Gamma - 1)]``."""
        return np.log1p(self.Gamma * self.K * rho ** (self.Gamma - 1.0) / (self.Gamma - 1.0))

    def rest_mass_density_of_log_enthalpy(self, eta):
        """``rho = [(Gamma - 1)(h - 1) / (Gamma K)]^(1 / (Gamma - 1))``.

        ``h - 1 = expm1(eta)`` keeps full relative precision close to the surface (eta -> 0).
        Negative ``eta`` (outside the star) gives ``rho = 0``.
        """
        h_minus_one = np.maximum(np.expm1(eta), 0.0)
        return ((self.Gamma - 1.0) * h_minus_one / (self.Gamma * self.K)) ** (
            1.0 / (self.Gamma - 1.0))

    def state_of_log_enthalpy(self, eta):
        """``(rho, P, e)`` at a scalar log-enthalpy."""
        rho = self.rest_mass_density_of_log_enthalpy(eta)
        return rho, self.pressure(rho), self.energy_density(rho)

    def adiabatic_index(self, rho):
        """``Gamma_1 = Gamma``."""
        out = np.full_like(np.asarray(rho, dtype=np.float64), self.Gamma)
        return out[()] if out.ndim == 0 else out

    def sound_speed_squared(self, rho):
        """``c_s^2 = Gamma P / (rho h) = Gamma (Gamma - 1) eps / (1 + Gamma eps)``."""
        eps = self.specific_internal_energy(rho)
        return self.Gamma * (self.Gamma - 1.0) * eps / (1.0 + self.Gamma * eps)

    def describe(self):
        return f"{self.name} (G = c = Msun = 1)"

    def __repr__(self):
        return f"Polytrope(K={self.K!r}, Gamma={self.Gamma!r})"


class ColdEOSFromFunctions(ColdEOS):
    """A cold EOS given point-wise by callables of the rest-mass density.

    Parameters
    ----------
    pressure : callable
        ``P(rho)`` (vectorised over numpy arrays), with ``P -> 0`` as ``rho -> 0``.
    specific_internal_energy : callable
        ``eps(rho)``, with ``eps -> 0`` as ``rho -> 0`` (so that ``h = 1`` at the surface).
        The energy density is ``e = rho (1 + eps)``.
    adiabatic_index : callable
        Adiabatic index of the perturbations ``Gamma_1(rho)``; for a barotropic EOS it is
        ``d ln P / d ln rho = (e + P) c_s^2 / P``.
    rest_mass_density_of_log_enthalpy : callable, optional
        Inverse of ``eta(rho) = ln(1 + eps + P / rho)``. If omitted, it is computed by a
        safeguarded Newton iteration on ``ln eta(ln rho)`` (its slope ``d eta / d ln rho =
        Gamma_1 P / (rho h)`` is the first law; the converged root does not depend on it),
        bracketed by a table of ``eta`` from ``rho_max e^-80`` to ``rho_max``.
    rho_max : float, optional
        Largest density the callables are valid at (only the Newton inverse uses it;
        default 1, i.e. 6.2e17 g cm^-3, above the centre of any neutron star).
    name : str, optional
    """

    def __init__(self, pressure, specific_internal_energy, adiabatic_index,
                 rest_mass_density_of_log_enthalpy=None, rho_max=1.0, name=None):
        for label, function in (("pressure", pressure),
                                ("specific_internal_energy", specific_internal_energy),
                                ("adiabatic_index", adiabatic_index)):
            if not callable(function):
                raise TypeError(f"{label} must be callable")
        if rest_mass_density_of_log_enthalpy is not None and not callable(
                rest_mass_density_of_log_enthalpy):
            raise TypeError("rest_mass_density_of_log_enthalpy must be callable or None")
        self._pressure = pressure
        self._specific_internal_energy = specific_internal_energy
        self._adiabatic_index = adiabatic_index
        self._inverse = rest_mass_density_of_log_enthalpy
        self.rho_max = _positive_finite("rho_max", rho_max)
        self.name = name if name is not None else "cold EOS from functions"
        self._bracket_table = None

    def pressure(self, rho):
        """``P(rho)`` (0 at ``rho = 0``)."""
        return _on_positive_density(self._pressure, rho)

    def specific_internal_energy(self, rho):
        """``eps(rho)`` (0 at ``rho = 0``)."""
        return _on_positive_density(self._specific_internal_energy, rho)

    def adiabatic_index(self, rho):
        """``Gamma_1(rho)`` (the callable's value at ``rho > 0``; 0 at ``rho = 0``)."""
        return _on_positive_density(self._adiabatic_index, rho)

    def rest_mass_density_of_log_enthalpy(self, eta):
        """Inverse of :meth:`log_enthalpy`; 0 for ``eta <= 0``."""
        eta = np.asarray(eta, dtype=np.float64)
        if self._inverse is not None:
            out = np.where(eta > 0.0, np.asarray(self._inverse(np.maximum(eta, 0.0)),
                                                 dtype=np.float64), 0.0)
        else:
            out = self._invert_log_enthalpy(eta)
        return out[()] if out.ndim == 0 else out

    def _table(self):
        """``(ln rho, ln eta)`` bracketing table, built once."""
        if self._bracket_table is None:
            x_table = np.log(self.rho_max) + np.linspace(
                -_TABLE_E_FOLDS_BELOW, _TABLE_E_FOLDS_ABOVE, _TABLE_POINTS)
            ln_eta_table = np.log(self.log_enthalpy(np.exp(x_table)))
            if not np.all(np.diff(ln_eta_table) > 0.0):
                raise ValueError("the log-enthalpy of the EOS must increase with rho up to "
                                 "rho_max")
            self._bracket_table = (x_table, ln_eta_table)
        return self._bracket_table

    def _invert_log_enthalpy(self, eta):
        """Solve ``ln eta(e^x) = ln eta_target`` for ``x = ln rho`` (safeguarded Newton).

        ``ln eta`` is close to linear in ``ln rho`` (exactly, near the surface of a polytrope),
        so a few iterations suffice.
        """
        shape = np.shape(eta)
        eta = np.atleast_1d(eta).ravel()
        rho = np.zeros_like(eta)
        inside = eta > 0.0
        if not np.any(inside):
            return rho.reshape(shape)
        target = np.log(eta[inside])
        x_table, ln_eta_table = self._table()
        if np.any(target > ln_eta_table[-1]):
            raise ValueError(f"log-enthalpy above that of rho_max = {self.rho_max:g}")
        j = np.clip(np.searchsorted(ln_eta_table, target), 1, x_table.size - 1)
        x_lo = x_table[j - 1].copy()
        x_hi = x_table[j].copy()
        below = target < ln_eta_table[0]  # more than e^80 below rho_max: extend the bracket
        x_lo[below] = x_table[0] - _EXTENSION_E_FOLDS
        x = 0.5 * (x_lo + x_hi)

        active = np.arange(target.size)
        for _ in range(_MAX_NEWTON_ITERATIONS):
            if active.size == 0:
                break
            xa = x[active]
            rho_a = np.exp(xa)
            P = self.pressure(rho_a)
            eta_a = self.log_enthalpy(rho_a)
            residual = np.log(eta_a) - target[active]
            too_high = residual > 0.0
            x_hi[active] = np.where(too_high, xa, x_hi[active])
            x_lo[active] = np.where(too_high, x_lo[active], xa)
            # d ln eta / d ln rho = Gamma_1 P / (rho h eta)
            slope = self.adiabatic_index(rho_a) * P * np.exp(-eta_a) / (rho_a * eta_a)
            with np.errstate(divide="ignore", invalid="ignore"):
                x_new = xa - residual / slope
            lo, hi = x_lo[active], x_hi[active]
            unsafe = ~np.isfinite(x_new) | (x_new <= lo) | (x_new >= hi)
            x_new = np.where(unsafe, 0.5 * (lo + hi), x_new)
            x_new = np.where(residual == 0.0, xa, x_new)
            x[active] = x_new
            done = (np.abs(x_new - xa) <= 1.0e-14 * (1.0 + np.abs(xa))) | (residual == 0.0)
            active = active[~done]
        else:
            raise RuntimeError("rho(eta) inversion did not converge")
        rho[inside] = np.exp(x)
        return rho.reshape(shape)


def hybrid_specific_internal_energy(cold, rho, press):
    """``eps(rho, P)`` of the hybrid EOS on the cold curve ``cold`` (the Python, array form of
    ``source.matter.eos.eos.eos_eps_from_rho_p`` for initial data):

        eps = eps_cold(rho) + max(P - P_cold(rho), 0) / ((gamma_th - 1) rho),

    the thermal part taken from ``cold.gamma_th`` (Shibata, Taniguchi & Uryu 2005); a cold
    curve without ``gamma_th`` (or ``None``) gives ``eps_cold(rho)``. A pressure below the
    cold one (never the case for a floored star) adds nothing.
    """
    eps = np.asarray(cold.specific_internal_energy(rho), dtype=np.float64)
    gamma_th = getattr(cold, "gamma_th", None)
    if gamma_th is not None:
        excess = np.maximum(press - np.asarray(cold.pressure(rho), dtype=np.float64), 0.0)
        eps = eps + excess / ((float(gamma_th) - 1.0) * rho)
    return eps


class ColdCurve(ColdEOS):
    """Base of the cold-curve classes with compiled point functions
    (:class:`~source.matter.eos.piecewise_polytrope.PiecewisePolytrope`,
    :class:`~source.matter.eos.tabulated.TabulatedEOS`): the validity range and the
    application of those functions to arrays. A subclass sets ``rho_max`` (the upper end of
    the validity range ``0 <= rho <= rho_max``) and implements ``_map(which, flat, out)``:
    its compiled point function ``which`` applied to the contiguous 1D float array
    ``flat``, written into ``out``."""

    rho_max = np.inf

    def _map(self, which, flat, out):
        raise NotImplementedError

    def _apply(self, which, x):
        """Point function ``which`` of ``x`` (array-like or scalar; a scalar gives a float)."""
        array = np.asarray(x, dtype=np.float64)
        flat = np.ascontiguousarray(array).ravel()
        out = np.empty_like(flat)
        self._map(which, flat, out)
        out = out.reshape(array.shape)
        return out[()] if out.ndim == 0 else out

    def in_range(self, rho):
        """True where ``0 <= rho <= rho_max`` (the validity range)."""
        rho = np.asarray(rho, dtype=np.float64)
        return (rho >= 0.0) & (rho <= self.rho_max)

    def valid_range(self):
        """``(0, rho_max)``."""
        return 0.0, self.rho_max
