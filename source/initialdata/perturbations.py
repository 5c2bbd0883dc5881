r"""Perturbations of the initial TOV star (collapse, migration and single-mode runs).

Each perturbation is a pure function

    f(state, r, tov, eos, atmosphere_threshold, **parameters) -> new state

of the initial state ``(15, N)`` (ghost cells included, ``r`` the cell-centred isotropic
radii, negative in the inner ghosts), the ``TOVSolutionIso`` of the star, the evolution EOS
and the atmosphere (an ``AtmosphereParams``, or a float: the rest-mass density below which
a cell is atmosphere). It recovers the primitives of the given state (Kastaun et al. 2021;
the barotropic solver for a polytrope), changes some of them inside the star and recomputes
the densitised conserved rows 12-14 from them with the *unchanged* metric,

    gamma_rr = e^{4 phi} (1 + h_rr),   sqrt(gamma) = e^{6 phi},
    D~ = e^{6 phi} rho0 W,   S~_r = e^{6 phi} rho0 h W^2 gamma_rr v^r,
    tau~ = e^{6 phi} (rho0 h W^2 - P - rho0 W)

(Montero, Baumgarte & Mueller 2014, PRD 89, 084043, eq. 50; ``tau~`` is evaluated in the
cancellation-free form ``e^{6 phi} [rho0 W z^2 / (W + 1) + rho0 eps W^2 + P z^2]``,
``z = W v``). Rows 0-11 are copied unchanged, so in a dynamic evolution the perturbed data
violate the Hamiltonian (pressure) or momentum (velocity) constraint at first order in the
perturbation. Only cells with ``|r| < R_iso`` that are not atmosphere (physical ``D``
at or above the threshold, ``tau~ + D~ >= 0`` and a regular primitive recovery) are
touched; every other cell, and every cell whose primitives end up unchanged, keeps its
conserved values bit for bit. Each cell is computed from its own ``|r|`` and the sign of
``r``, so a state with the inner-ghost parities (``D, tau`` even, ``S_r`` odd) keeps them:
the velocity fields below are odd, ``v^r(-r) = -v^r(r)``.

Perturbations (``PERTURBATIONS``; ``perturb`` validates the parameters and dispatches)
---------------------------------------------------------------------------------------
``pressure_scale`` (``factor``, default 0.995)
    ``P -> factor P`` inside the star with ``rho0`` and ``v`` unchanged: the perturbation
    Montero, Baumgarte & Mueller (2014, Sec. V B 4) use to trigger the collapse (or the
    migration) of an unstable star, with ``factor = 0.995``. With the ideal-gas evolution
    EOS ``eps = P / ((Gamma - 1) rho0)`` drops by the same factor. A polytropic evolution
    EOS slaves ``P`` to ``rho0``, so it is refused.
``velocity`` (``amplitude`` A, default 0.01)
    ``v^r = -A (r / R) sin(pi r / R)`` inside the star, ``R = R_iso`` (inward for A > 0,
    outward for A < 0; ``|A| < 0.5``), as in the reference code (engrenage) for its
    collapse and migration tests; ``v^r`` is the Valencia (Eulerian-observer) velocity,
    ``W`` is recomputed and ``rho0, P, eps`` are kept (so ``D~`` changes only through W).
``mode`` (``mode`` "F", "H1", ... or an index, default "F"; ``amplitude``, default 0.001;
``kind`` "cowling" or "coupled", default "cowling")
    The velocity of the k-th linear radial eigenmode (F = 0 nodes, H1 = 1 node, ...; see
    ``source.initialdata.radial_modes``: Chandrasekhar 1964, ApJ 140, 417; Kokkotas & Ruoff
    2001, A&A 366, 565) at the moment of zero displacement. A mode displaces the isotropic
    radius as ``rbar -> rbar + xi_iso(rbar) sin(omega t)``; the perturbation sets the
    Eulerian *coordinate* velocity (the rate of change of the isotropic radius of the
    fluid at a fixed grid point)

        d rbar / dt = amplitude * xi_iso(|rbar|) / max_star |xi_iso| * sign(rbar),

    normalised by the maximum of ``|xi_iso|`` over the star (the eigenfunctions are signed
    so that ``xi_iso(R) > 0``: ``amplitude > 0`` moves the surface outwards; for F, H1, H2
    of the polytropes the maximum is at the surface). The stored Valencia velocity is
    ``v^r = (d rbar/dt + beta^r) / alpha`` with the lapse and shift of the state (zero
    shift for TOV data: ``alpha v^r`` has exactly the eigenfunction's shape). The
    eigenfunctions are those of the initial star (its cold EOS, ``Gamma_1`` the local
    polytropic exponent), full GR (``"coupled"``) or with the metric frozen (``"cowling"``);
    pick the kind of the evolution. ``omega`` is absorbed in ``amplitude``; ``rho0, P, eps``
    are kept, so in the coupled case the metric velocity perturbation (extrinsic
    curvature) is not included.
"""

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from numbers import Integral, Real

import numpy as np
from scipy.interpolate import CubicSpline

from source.bssn.bssnstatevariables import idx_hrr, idx_lapse, idx_phi, idx_shiftr
from source.matter.eos.eos import EOS_BAROTROPIC, EOSKernelParams
from source.matter.eos.piecewise_polytrope import PiecewisePolytrope
from source.matter.hydro.atmosphere import AtmosphereParams
from source.matter.hydro.cons2prim import (
    C2P_KASTAUN,
    C2P_OK,
    DEFAULT_MAX_ITER,
    DEFAULT_TOL,
    cons_to_prim_array,
)

from .radial_modes import KINDS, mode_name, star_radial_modes
from .tov import TOVSolutionIso, idx_D, idx_Sr, idx_tau

NUM_STATE_ROWS = 15
#: Bound on ``|amplitude|`` of the velocity perturbations.
MAX_AMPLITUDE = 0.5
#: Highest radial mode accepted by ``mode`` (H10).
MAX_MODE = 10

_MODE_NAME = re.compile(r"^(F|H([1-9][0-9]*))$")


# ---------------------------------------------------------------------------------------------
# Parameter checks (each returns the normalised value or raises ValueError naming the parameter)
# ---------------------------------------------------------------------------------------------
def _real(name, value):
    if isinstance(value, bool) or not isinstance(value, Real):
        raise ValueError(f"{name}: must be a number (got {value!r})")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{name}: must be finite (got {value})")
    return value


def check_factor(value):
    """``factor`` of ``pressure_scale``: a finite number > 0."""
    value = _real("factor", value)
    if value <= 0.0:
        raise ValueError(f"factor: must be > 0 (got {value})")
    return value


def check_amplitude(value):
    """``amplitude`` of ``velocity`` and ``mode``: a finite number with ``|A| < 0.5``."""
    value = _real("amplitude", value)
    if not abs(value) < MAX_AMPLITUDE:
        raise ValueError(f"amplitude: must satisfy |amplitude| < {MAX_AMPLITUDE} (got {value})")
    return value


def check_mode(value):
    """``mode``: "F", "H1", ..., "H10" or an index 0..10; returns the index."""
    allowed = f"F, H1, ..., H{MAX_MODE} or an index 0..{MAX_MODE}"
    if isinstance(value, str):
        match = _MODE_NAME.match(value.strip())
        if match is None:
            raise ValueError(f"mode: unknown mode {value!r} (allowed: {allowed})")
        index = 0 if match.group(2) is None else int(match.group(2))
    elif isinstance(value, Integral) and not isinstance(value, bool):
        index = int(value)
    else:
        raise ValueError(f"mode: unknown mode {value!r} (allowed: {allowed})")
    if not 0 <= index <= MAX_MODE:
        raise ValueError(f"mode: unknown mode {value!r} (allowed: {allowed})")
    return index


def check_kind(value):
    """``kind`` of ``mode``: "cowling" or "coupled"."""
    if value not in KINDS:
        raise ValueError(f"kind: must be one of {', '.join(KINDS)} (got {value!r})")
    return value


# ---------------------------------------------------------------------------------------------
# Common machinery
# ---------------------------------------------------------------------------------------------
@dataclass
class _Star:
    """Primitives and metric of the cells of a state, and the cells that may be perturbed."""

    r_abs: np.ndarray
    sign: np.ndarray
    gamma_rr: np.ndarray
    e6phi: np.ndarray
    rho0: np.ndarray
    vr: np.ndarray
    press: np.ndarray
    eps: np.ndarray
    W: np.ndarray
    inside: np.ndarray
    v_max: float


def _atmosphere_params(atmosphere_threshold, tov):
    if isinstance(atmosphere_threshold, AtmosphereParams):
        return atmosphere_threshold
    threshold = _real("atmosphere_threshold", atmosphere_threshold)
    if threshold <= 0.0:
        raise ValueError(f"atmosphere_threshold: must be > 0 (got {threshold})")
    # a bare threshold: the atmosphere of build_simulation with rho_floor = threshold
    return AtmosphereParams(rho_floor=threshold,
                            p_floor=float(_cold_eos(tov).pressure(threshold)),
                            threshold_factor=1.0)


def _mirrored_abs(r):
    """``|r|``, with the inner ghosts (the leading cells with r < 0) given the radii of the
    interior cells they mirror when those match to round-off: a grid's ``-r`` of the ghosts
    may differ from its mirror radii in the last bits, which would break the exact parity
    of the profiles evaluated at ``|r|``."""
    r_abs = np.abs(r)
    ng = int(np.count_nonzero(r < 0.0))
    if 0 < ng <= r.size // 2 and np.all(r[:ng] < 0.0):
        mirror = r[2 * ng - 1:ng - 1:-1]
        if np.all(np.abs(mirror + r[:ng]) <= 1e-12 * np.abs(mirror)):
            r_abs[:ng] = mirror
    return r_abs


def _prepare(state, r, tov, eos, atmosphere_threshold):
    """Validate the inputs and recover the primitives of every cell."""
    state = np.asarray(state)
    if state.ndim != 2 or state.shape[0] != NUM_STATE_ROWS or state.dtype != np.float64:
        raise ValueError(f"state: must be a float64 array of shape ({NUM_STATE_ROWS}, N) "
                         f"(got {state.dtype} {state.shape})")
    r = np.asarray(r, dtype=np.float64)
    if r.shape != state.shape[1:]:
        raise ValueError(f"r: must have shape ({state.shape[1]},) like the state's rows "
                         f"(got {r.shape})")
    if not np.all(np.isfinite(r)):
        raise ValueError("r: must be finite")
    if not isinstance(tov, TOVSolutionIso):
        raise ValueError(f"tov: must be a TOVSolutionIso (got {type(tov).__name__})")
    if not isinstance(getattr(eos, "params", None), EOSKernelParams):
        raise ValueError(f"eos: must be an EOS object of source.matter.eos.eos (got "
                         f"{type(eos).__name__})")
    atmosphere = _atmosphere_params(atmosphere_threshold, tov)
    atm = atmosphere.packed(eos)

    phi = state[idx_phi]
    gamma_rr = np.exp(4.0 * phi) * (1.0 + state[idx_hrr])
    e6phi = np.exp(6.0 * phi)
    D, Sr, tau = (np.ascontiguousarray(state[i]) for i in (idx_D, idx_Sr, idx_tau))
    n = r.size
    rho0, vr, press, eps, W, h = (np.empty(n) for _ in range(6))
    status = np.empty(n, dtype=np.int8)
    iters = np.empty(n, dtype=np.int32)
    cons_to_prim_array((D, Sr, tau), gamma_rr, e6phi, eos.params, atm, C2P_KASTAUN,
                       np.zeros(n), DEFAULT_TOL, DEFAULT_MAX_ITER,
                       (rho0, vr, press, eps, W, h), status, iters)
    r_abs = _mirrored_abs(r)
    with np.errstate(invalid="ignore"):
        matter = (D >= atm.rho_threshold * e6phi) & (tau + D >= 0.0)
    inside = (r_abs < tov.R_iso) & matter & (status == C2P_OK)
    return _Star(r_abs=r_abs, sign=np.sign(r), gamma_rr=gamma_rr, e6phi=e6phi, rho0=rho0,
                 vr=vr, press=press, eps=eps, W=W, inside=inside, v_max=atmosphere.v_max)


def _rebuild(state, star, eos, vr_new=None, press_new=None):
    """New state: the conserved rows recomputed where the primitives changed.

    ``vr_new``/``press_new`` are full arrays (only the cells of ``star.inside`` are used);
    cells whose ``v^r`` and ``P`` are unchanged keep their conserved values exactly.
    """
    new = np.array(state, dtype=np.float64, copy=True)
    inside = star.inside
    vr = star.vr if vr_new is None else np.where(inside, vr_new, star.vr)
    press = star.press if press_new is None else np.where(inside, press_new, star.press)
    changed = inside & ((vr != star.vr) | (press != star.press))
    if not np.any(changed):
        return new
    c = changed
    rho0, gamma_rr, e6phi = star.rho0[c], star.gamma_rr[c], star.e6phi[c]
    v, p = vr[c], press[c]
    eps = np.where(p != star.press[c], np.asarray(eos.eps_from_rho_p(rho0, p), np.float64),
                   star.eps[c])
    u2 = gamma_rr * v * v                      # physical speed squared
    W = 1.0 / np.sqrt(1.0 - u2)
    z2 = W * W * u2                            # (W v)^2 = W^2 - 1
    h = 1.0 + eps + p / rho0
    W_old = star.W[c]
    D_old = state[idx_D, c]
    D = np.where(W == W_old, D_old, D_old * (W / W_old))   # rho0 e^{6 phi} kept exactly
    e6rho = D / W
    new[idx_D, c] = D
    new[idx_Sr, c] = e6rho * h * W * W * gamma_rr * v
    new[idx_tau, c] = e6rho * (W * z2 / (W + 1.0) + eps * W * W) + e6phi * p * z2
    return new


def _check_speed(star, vr_new):
    u2 = star.gamma_rr * vr_new * vr_new
    bad = star.inside & ~(u2 < star.v_max**2)
    if np.any(bad):
        i = int(np.flatnonzero(bad)[0])
        raise ValueError(f"amplitude: the speed sqrt(gamma_rr) |v^r| = {math.sqrt(u2[i]):.4g} "
                         f"at r = {star.r_abs[i]:.4g} reaches the cap v_max = {star.v_max}")


# ---------------------------------------------------------------------------------------------
# The perturbations
# ---------------------------------------------------------------------------------------------
def pressure_scale(state, r, tov, eos, atmosphere_threshold, factor=0.995):
    """``P -> factor P`` inside the star (Montero, Baumgarte & Mueller 2014, PRD 89,
    084043, Sec. V B 4: ``factor = 0.995``); ``rho0`` and ``v^r`` unchanged, ``eps`` from
    the EOS (``eps = P / ((Gamma - 1) rho0)`` for the ideal gas). Returns a new state."""
    factor = check_factor(factor)
    star = _prepare(state, r, tov, eos, atmosphere_threshold)
    if eos.kind == EOS_BAROTROPIC:
        raise ValueError("eos: pressure_scale needs an evolution EOS with a thermal part "
                         "(ideal or hybrid; the barotropic EOS ties P to rho0)")
    return _rebuild(state, star, eos, press_new=factor * star.press)


def velocity_kick(state, r, tov, eos, atmosphere_threshold, amplitude=0.01):
    """Valencia velocity ``v^r = -A (r / R) sin(pi |r| / R)`` inside the star
    (``R = R_iso``; odd in r; inward for ``A > 0``), the perturbation of the reference code
    (engrenage) for its collapse and migration runs; ``W`` recomputed, ``rho0, P, eps``
    kept. Returns a new state."""
    amplitude = check_amplitude(amplitude)
    star = _prepare(state, r, tov, eos, atmosphere_threshold)
    x = star.r_abs / tov.R_iso
    vr_new = star.sign * (-amplitude * x * np.sin(np.pi * x))
    _check_speed(star, vr_new)
    return _rebuild(state, star, eos, vr_new=vr_new)


@lru_cache(maxsize=16)
def _modes(cold, rho_central, n_modes, kind):
    return star_radial_modes(cold, rho_central, n_modes=n_modes, kind=kind)


def _cold_eos(tov):
    """The star's cold EOS: its general EOS, or the polytrope ``tov.K, tov.Gamma``."""
    if tov.eos is not None:
        return tov.eos
    return PiecewisePolytrope.polytrope(float(tov.K), float(tov.Gamma))


def mode_profile(tov, mode="F", kind="cowling"):
    """The normalised isotropic displacement ``xi_iso(rbar) / max_star |xi_iso|`` of a
    radial mode of the star ``tov``, as a function of ``|rbar| <= R_iso`` (cubic spline of
    the even ``xi_iso / rbar`` on the eigenfunction's nodes), and the mode's name.

    Returns
    -------
    profile : callable
        ``profile(rbar)`` for ``0 <= rbar <= R_iso`` (odd extension not included).
    name : str
    """
    k = check_mode(mode)
    kind = check_kind(kind)
    modes = _modes(_cold_eos(tov), float(tov.rho_central), k + 1, kind)
    r_iso, xi_iso = modes.r_iso, modes.xi_iso[k]
    scale = np.max(np.abs(xi_iso))
    u = np.empty_like(r_iso)
    u[1:] = xi_iso[1:] / (r_iso[1:] * scale)
    u[0] = u[1] + (u[1] - u[2]) / 3.0          # even in rbar
    spline = CubicSpline(r_iso, u, bc_type=((1, 0.0), "not-a-knot"))

    def profile(rbar):
        rbar = np.asarray(rbar, dtype=np.float64)
        return rbar * spline(rbar)

    return profile, mode_name(k)


def mode_velocity(state, r, tov, eos, atmosphere_threshold, mode="F", amplitude=0.001,
                  kind="cowling"):
    """Velocity of the radial eigenmode ``mode`` at zero displacement: the coordinate
    velocity ``d rbar/dt = amplitude xi_iso(|r|) / max_star |xi_iso| sign(r)``, stored as
    the Valencia ``v^r = (d rbar/dt + beta^r) / alpha`` (lapse and shift of the state).
    Eigenfunctions: Chandrasekhar (1964, ApJ 140, 417) for ``"coupled"``, the Cowling
    problem for ``"cowling"`` (``source.initialdata.radial_modes``). Returns a new state."""
    k = check_mode(mode)
    amplitude = check_amplitude(amplitude)
    kind = check_kind(kind)
    star = _prepare(state, r, tov, eos, atmosphere_threshold)
    profile, _ = mode_profile(tov, k, kind)
    inside = star.inside
    coordinate_velocity = np.zeros_like(star.r_abs)
    coordinate_velocity[inside] = (star.sign[inside] * amplitude
                                   * profile(star.r_abs[inside]))
    alpha = state[idx_lapse]
    if np.any(inside & ~(alpha > 0.0)):
        raise ValueError("state: the lapse must be positive inside the star")
    with np.errstate(divide="ignore", invalid="ignore"):
        vr_new = np.where(inside, (coordinate_velocity + state[idx_shiftr]) / alpha, 0.0)
    _check_speed(star, vr_new)
    return _rebuild(state, star, eos, vr_new=vr_new)


# ---------------------------------------------------------------------------------------------
# Registry
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Parameter:
    """A parameter of a perturbation: default, allowed values (text) and its check."""

    name: str
    default: object
    allowed: str
    check: Callable = field(repr=False)
    help: str = ""


@dataclass(frozen=True)
class Perturbation:
    """A registered perturbation: ``function(state, r, tov, eos, atmosphere_threshold,
    **parameters)`` and its parameters (name -> ``Parameter``)."""

    name: str
    function: Callable = field(repr=False)
    parameters: dict
    summary: str

    def defaults(self):
        """``{name: default}`` of every parameter."""
        return {name: p.default for name, p in self.parameters.items()}

    def validate(self, **params):
        """All parameters (defaults filled in), checked and normalised; ValueError naming
        the parameter for an unknown name or a bad value."""
        unknown = sorted(set(params) - set(self.parameters))
        if unknown:
            raise ValueError(f"{unknown[0]}: unknown parameter of perturbation {self.name!r} "
                             f"(parameters: {', '.join(self.parameters) or 'none'})")
        values = self.defaults()
        values.update(params)
        return {name: self.parameters[name].check(value) for name, value in values.items()}


_AMPLITUDE_RANGE = f"|amplitude| < {MAX_AMPLITUDE}"

PERTURBATIONS = {
    "pressure_scale": Perturbation(
        "pressure_scale", pressure_scale,
        {"factor": Parameter("factor", 0.995, "> 0", check_factor,
                             "P -> factor P inside the star (MBM 2014: 0.995)")},
        "scale the pressure inside the star (rho0, v unchanged; ideal-gas EOS only)"),
    "velocity": Perturbation(
        "velocity", velocity_kick,
        {"amplitude": Parameter("amplitude", 0.01, _AMPLITUDE_RANGE, check_amplitude,
                                "v^r = -A (r/R) sin(pi r/R); A > 0 inward")},
        "radial velocity -A (r/R) sin(pi r/R) inside the star"),
    "mode": Perturbation(
        "mode", mode_velocity,
        {"mode": Parameter("mode", "F", f"F, H1, ..., H{MAX_MODE} or 0..{MAX_MODE}",
                           check_mode, "radial mode (k nodes for index k)"),
         "amplitude": Parameter("amplitude", 0.001, _AMPLITUDE_RANGE, check_amplitude,
                                "max coordinate velocity d rbar/dt of the mode in the star"),
         "kind": Parameter("kind", "cowling", " or ".join(KINDS), check_kind,
                           "eigenfunctions with the metric frozen or full GR")},
        "velocity of a linear radial eigenmode at zero displacement"),
}


def perturb(state, r, tov, eos, atmosphere_threshold, kind, /, **params):
    """Apply the perturbation ``kind`` (a key of ``PERTURBATIONS``) with ``params``.

    ``kind`` is positional-only, so the ``mode`` perturbation's own ``kind`` ("cowling" or
    "coupled") can be passed as a keyword. Returns a new state; raises ValueError naming the
    bad parameter (``kind`` for an unknown perturbation).
    """
    if kind not in PERTURBATIONS:
        raise ValueError(f"kind: unknown perturbation {kind!r} (available: "
                         f"{', '.join(PERTURBATIONS)})")
    entry = PERTURBATIONS[kind]
    return entry.function(state, r, tov, eos, atmosphere_threshold, **entry.validate(**params))
