r"""Piecewise-polytropic equation of state, cold and with a thermal ``Gamma_th`` part.

Units are G = c = Msun = 1 (see :mod:`source.matter.eos.eos_catalogue` for the conversion
from cgs). The cold part is the piecewise polytrope of Read, Lackey, Owen & Friedman (2009,
PRD 79, 124032, Sec. II): ``n`` pieces with starting densities ``0 = rho_0 < rho_1 < ... <
rho_{n-1}`` (piece ``i`` covers ``rho_i <= rho < rho_{i+1}``, the last one extends to
infinity), and on piece ``i``

    P(rho)   = K_i rho^Gamma_i,
    eps(rho) = a_i + K_i rho^(Gamma_i - 1) / (Gamma_i - 1),
    e(rho)   = rho (1 + eps),     h = 1 + eps + P / rho,
    c_s^2    = dP/de = Gamma_i P / (rho h),

where continuity of ``P`` fixes ``K_i = K_{i-1} rho_i^(Gamma_{i-1} - Gamma_i)`` from the
constant ``K_0`` of the lowest piece, and continuity of ``eps`` fixes the integration
constants ``a_0 = 0``, ``a_i = eps(rho_i) - K_i rho_i^(Gamma_i - 1) / (Gamma_i - 1)`` (the
first law ``d eps = (P / rho^2) d rho`` of a cold fluid holds on every piece). ``P``,
``eps``, ``h`` are continuous; ``c_s^2`` jumps by the factor ``Gamma_i / Gamma_{i-1}`` at
``rho_i``.

Evaluation without cancellation
-------------------------------
The point functions do not add ``a_i`` to the power law (the two nearly cancel on pieces with
``Gamma_i < 1``, e.g. the third piece of the SLy crust fit, Gamma = 0.62223). With
``q_i = P(rho_i) / rho_i``, ``g = Gamma_i - 1``, ``L = ln(rho / rho_i)`` they use

    eps = eps_i + q_i expm1(g L) / g,                 (> eps_i for rho > rho_i, any g)
    h   = h_i + q_i Gamma_i expm1(g L) / g,           h_i = 1 + eps_i + q_i,
    eta = ln h = eta_i + log1p[(h - h_i) / h_i],

and on the lowest piece ``eps = K_0 rho^g / g``, ``h - 1 = Gamma_0 K_0 rho^g / g``. The
inverse (the rest-mass density of the log-enthalpy ``eta = ln h``, needed by the TOV
integration in ``eta``) is analytic on every piece:

    lowest piece:  rho = [g expm1(eta) / (Gamma_0 K_0)]^(1/g),
    piece i:       L = log1p[g (h - h_i) / (q_i Gamma_i)] / g,   rho = rho_i e^L,
                   h - h_i = h_i expm1(eta - eta_i),

(with the limits ``expm1(g L) / g -> L`` and ``log1p(g y) / g -> y`` at ``Gamma_i = 1``, so an
isothermal piece is allowed above the lowest one). The lowest piece needs ``Gamma_0 > 1``
(so that ``P``, ``eps`` and ``h - 1`` vanish at ``rho = 0``); the others need
``Gamma_i > 0``.

Thermal part (hybrid EOS)
-------------------------
For hot matter the cold curve is supplemented by an ideal-gas part with adiabatic index
``Gamma_th`` (Shibata, Taniguchi & Uryu 2005, PRD 71, 084021; Bauswein, Janka & Oechslin
2010, PRD 82, 084043):

    P(rho, eps)   = P_cold(rho) + (Gamma_th - 1) rho (eps - eps_cold(rho)),
    eps(rho, P)   = eps_cold(rho) + (P - P_cold(rho)) / ((Gamma_th - 1) rho),
    c_s^2 h       = dP/drho|_eps + (P / rho^2) dP/deps|_rho
                  = Gamma_i P_cold / rho + Gamma_th (Gamma_th - 1) (eps - eps_cold),

with ``h = 1 + eps + P / rho``. States below the cold curve (``eps < eps_cold``) are outside
the model; the functions evaluate the formulas there without clamping.

These formulas are implemented once, in :mod:`source.matter.eos.eos` (``HybridEOS`` and the
point functions every kernel uses, on this cold curve with its ``gamma_th``).

Layout
------
The point-wise functions (``pwp_*``) are ``@njit(cache=True)`` and take the
pieces by value as one flat tuple of floats (no arrays; a flat tuple, not a tuple of tuples,
because Numba's parallel loops accept only flat tuples of scalars), built once by
:class:`PiecewisePolytrope` (its attribute ``flat_pieces``; ``pieces`` holds the same rows
as six tuples)::

    pieces = rho_start + K + Gamma + eps_start + q_start + eta_start     (6 n floats)

with ``rho_start[0] = 0``, ``eps_start[i] = eps(rho_i)``, ``q_start[i] = P(rho_i) / rho_i``,
``eta_start[i] = ln h(rho_i)`` (all 0 for the lowest piece). The class holds the pieces and
provides the same functions vectorised over numpy arrays (they call the point functions).
"""

import math

import numpy as np
from numba import njit

from .cold import ColdCurve

# Rows of the ``pieces`` tuple.
PIECE_RHO = 0
PIECE_K = 1
PIECE_GAMMA = 2
PIECE_EPS = 3
PIECE_Q = 4
PIECE_ETA = 5
NUM_PIECE_ROWS = 6


# ---------------------------------------------------------------------------------------------
# Point-wise functions (compiled)
# ---------------------------------------------------------------------------------------------
@njit(cache=True, error_model="numpy", inline="always")
def _at(pieces, row, i):
    """Entry ``i`` of row ``row`` of the flat ``pieces`` tuple (rows of equal length)."""
    return pieces[row * (len(pieces) // NUM_PIECE_ROWS) + i]


@njit(cache=True, error_model="numpy")
def _expm1_ratio(g, x):
    """``expm1(g x) / g``, and its limit ``x`` at ``g = 0``."""
    if g == 0.0:
        return x
    return math.expm1(g * x) / g


@njit(cache=True, error_model="numpy")
def _log1p_ratio(g, y):
    """``log1p(g y) / g``, and its limit ``y`` at ``g = 0`` (NaN if ``g y <= -1``)."""
    if g == 0.0:
        return y
    gy = g * y
    if gy <= -1.0:
        return math.nan
    return math.log1p(gy) / g


@njit(cache=True, error_model="numpy", inline="always")
def _piece_of(x, pieces, row):
    """Index ``i`` of the piece whose start in ``row`` (increasing) satisfies
    ``start_i <= x < start_{i+1}`` (0 below the second start, and for NaN).

    The number of starts after the first that are ``<= x``: a fixed count of comparisons
    without branches (the number of rows is a compile-time constant), so its cost does not
    depend on ``x`` and no branch is mispredicted from one cell to the next."""
    i = 0
    for j in range(1, len(pieces) // NUM_PIECE_ROWS):
        i += x >= _at(pieces, row, j)
    return i


@njit(cache=True, error_model="numpy")
def pwp_piece_of_density(rho, pieces):
    """Index ``i`` of the piece with ``rho_i <= rho < rho_{i+1}`` (0 for ``rho <= 0``)."""
    return _piece_of(rho, pieces, PIECE_RHO)


@njit(cache=True, error_model="numpy")
def pwp_piece_of_log_enthalpy(eta, pieces):
    """Index of the piece containing the log-enthalpy ``eta`` (``eta_i <= eta < eta_{i+1}``)."""
    return _piece_of(eta, pieces, PIECE_ETA)


@njit(cache=True, error_model="numpy")
def pwp_pressure(rho, pieces):
    """Cold pressure ``P = K_i rho^Gamma_i`` (0 for ``rho <= 0``)."""
    if rho <= 0.0:
        return 0.0
    i = pwp_piece_of_density(rho, pieces)
    return _at(pieces, PIECE_K, i) * rho ** _at(pieces, PIECE_GAMMA, i)


@njit(cache=True, error_model="numpy", inline="always")
def _piece_of_pressure(press, pieces):
    """Index of the piece whose starting pressure ``P_i = q_i rho_i`` is the largest one
    ``<= press`` (padded pieces have ``q = 0``, ``rho_i = inf``, so ``P_i`` is NaN and never
    counted)."""
    i = 0
    for j in range(1, len(pieces) // NUM_PIECE_ROWS):
        i += press >= _at(pieces, PIECE_Q, j) * _at(pieces, PIECE_RHO, j)
    return i


@njit(cache=True, error_model="numpy")
def pwp_density_of_pressure(press, pieces):
    """Inverse of :func:`pwp_pressure`: ``rho = (P / K_i)^(1 / Gamma_i)`` on the piece whose
    starting pressure is the largest one ``<= P`` (0 for ``P <= 0``)."""
    if not press > 0.0:
        return 0.0
    i = _piece_of_pressure(press, pieces)
    return (press / _at(pieces, PIECE_K, i)) ** (1.0 / _at(pieces, PIECE_GAMMA, i))


#: Pieces with ``|Gamma_i - 1|`` below this take ``eps`` in
#: :func:`pwp_cold_state_of_pressure` from ``expm1`` (see there).
COLD_INVERSE_MIN_G = 0.1


@njit(cache=True, error_model="numpy")
def pwp_cold_state_of_pressure(press, pieces):
    """``(rho, P, eps, Gamma_i)`` of the cold curve at the pressure ``press``: the inverse
    :func:`pwp_density_of_pressure` (one power) together with the cold state there, which
    then needs no further transcendental function (the face states of the hybrid kind,
    whose density is reconstructed through the cold pressure). Zeros and ``Gamma_0`` for
    ``P <= 0``.

    On piece ``i`` (``g = Gamma_i - 1``) ``P / rho = q_i (rho / rho_i)^g``, so
    ``eps = eps_i + q_i expm1(g L) / g = eps_i + (P / rho - q_i) / g`` (``eps = (P / rho) / g``
    on the lowest piece). The difference ``P / rho - q_i`` has an absolute error of a few
    ulp of ``q_i``, i.e. ``eps`` one of a few ulp of ``q_i / |g|``: round-off of ``eps`` for
    ``|g| >= COLD_INVERSE_MIN_G``; nearly isothermal pieces take the ``expm1`` form of
    :func:`pwp_cold_state`. ``P`` is returned as given (``P_cold(rho)`` to round-off)."""
    if not press > 0.0:
        return 0.0, 0.0, 0.0, _at(pieces, PIECE_GAMMA, 0)
    i = _piece_of_pressure(press, pieces)
    gamma = _at(pieces, PIECE_GAMMA, i)
    rho = (press / _at(pieces, PIECE_K, i)) ** (1.0 / gamma)
    g = gamma - 1.0
    p_over_rho = press / rho
    if i == 0:
        return rho, press, p_over_rho / g, gamma
    q = _at(pieces, PIECE_Q, i)
    if abs(g) >= COLD_INVERSE_MIN_G:
        return rho, press, _at(pieces, PIECE_EPS, i) + (p_over_rho - q) / g, gamma
    e = _expm1_ratio(g, math.log(rho / _at(pieces, PIECE_RHO, i)))
    return rho, press, _at(pieces, PIECE_EPS, i) + q * e, gamma


@njit(cache=True, error_model="numpy")
def pwp_specific_internal_energy(rho, pieces):
    """Cold specific internal energy ``eps(rho)`` (0 for ``rho <= 0``)."""
    return pwp_cold_state(rho, pieces)[1]


@njit(cache=True, error_model="numpy")
def pwp_cold_state(rho, pieces):
    """``(P, eps, Gamma_i)`` of the cold curve with one piece search and one power (the
    per-cell call of the evolution kernels); ``(0, 0, Gamma_0)`` for ``rho <= 0``.

    On piece ``i > 0``: ``P / rho = q_i (rho / rho_i)^g = q_i (1 + g E)`` with
    ``E = expm1(g L) / g``, and ``eps = eps_i + q_i E``."""
    if rho <= 0.0:
        return 0.0, 0.0, _at(pieces, PIECE_GAMMA, 0)
    i = pwp_piece_of_density(rho, pieces)
    gamma = _at(pieces, PIECE_GAMMA, i)
    g = gamma - 1.0
    if i == 0:
        p_over_rho = _at(pieces, PIECE_K, 0) * rho**g
        return rho * p_over_rho, p_over_rho / g, gamma
    q = _at(pieces, PIECE_Q, i)
    e = _expm1_ratio(g, math.log(rho / _at(pieces, PIECE_RHO, i)))
    return rho * (q + q * g * e), _at(pieces, PIECE_EPS, i) + q * e, gamma


#: Largest ``x`` for which :func:`pwp_cold_shifted` is used (its series has converged to
#: round-off there).
COLD_SHIFT_MAX_X = 1e-3


@njit(cache=True, error_model="numpy")
def pwp_cold_shifted(p_over_rho_ref, eps_ref, g, x):
    """``(P / rho, eps)`` of the cold curve at ``rho = rho_ref sqrt(1 - x)`` from its values
    ``P / rho``, ``eps`` at ``rho_ref``, both on one piece of exponent ``g = Gamma_i - 1``,
    for ``0 <= x <= COLD_SHIFT_MAX_X``, with no transcendental function (the per-iteration
    EOS call of the Kastaun solver, where ``rho = D / W`` and ``x = v^2``).

    On one piece ``P / rho = K_i rho^g`` and ``eps = eps_i + (P / rho - q_i) / g``, so

        P / rho = (P / rho)_ref (1 + g E),   eps = eps_ref + (P / rho)_ref E,
        E = [(1 - x)^(g/2) - 1] / g = sum_{k >= 1} u_k,
        u_1 = -x / 2,   u_k = u_{k-1} (g/2 - k + 1) (-x) / k       (binomial series;
                                                                    E -> ln sqrt(1-x), g -> 0).

    ``|u_k / u_{k-1}| <= x (1 + |g| / 4)``: the eight terms summed leave a relative
    remainder below 1e-20 for ``x <= 1e-3`` and ``Gamma_i <= 5``. The sum stops early once
    a term is below ``1e-17 |E|``: every later term is smaller still, below half an ulp of
    the sum, and would leave it unchanged (the result is the eight-term sum bit for bit; a
    slow flow, ``x ~ 1e-6``, needs three terms)."""
    a = 0.5 * g
    u = -0.5 * x
    e = u
    for k in range(2, 9):
        u *= (a - k + 1.0) * (-x) / k
        e += u
        if abs(u) <= 1e-17 * abs(e):
            break
    return p_over_rho_ref * (1.0 + g * e), eps_ref + p_over_rho_ref * e


@njit(cache=True, error_model="numpy")
def pwp_enthalpy_minus_one(rho, pieces):
    """``h - 1 = eps + P / rho`` of the cold curve, without rounding from adding 1."""
    if rho <= 0.0:
        return 0.0
    i = pwp_piece_of_density(rho, pieces)
    gamma = _at(pieces, PIECE_GAMMA, i)
    g = gamma - 1.0
    if i == 0:
        return gamma * _at(pieces, PIECE_K, 0) * rho**g / g
    q = _at(pieces, PIECE_Q, i)
    return (_at(pieces, PIECE_EPS, i) + q
            + q * gamma * _expm1_ratio(g, math.log(rho / _at(pieces, PIECE_RHO, i))))


@njit(cache=True, error_model="numpy")
def pwp_enthalpy(rho, pieces):
    """Cold specific enthalpy ``h = 1 + eps + P / rho`` (1 for ``rho <= 0``)."""
    return 1.0 + pwp_enthalpy_minus_one(rho, pieces)


@njit(cache=True, error_model="numpy")
def pwp_log_enthalpy(rho, pieces):
    """Cold log-enthalpy ``eta = ln h`` (0 for ``rho <= 0``)."""
    if rho <= 0.0:
        return 0.0
    i = pwp_piece_of_density(rho, pieces)
    gamma = _at(pieces, PIECE_GAMMA, i)
    g = gamma - 1.0
    if i == 0:
        return math.log1p(gamma * _at(pieces, PIECE_K, 0) * rho**g / g)
    q = _at(pieces, PIECE_Q, i)
    h_start = 1.0 + _at(pieces, PIECE_EPS, i) + q
    dh = q * gamma * _expm1_ratio(g, math.log(rho / _at(pieces, PIECE_RHO, i)))
    return _at(pieces, PIECE_ETA, i) + math.log1p(dh / h_start)


@njit(cache=True, error_model="numpy")
def pwp_sound_speed_squared(rho, pieces):
    """Cold sound speed squared ``c_s^2 = Gamma_i P / (rho h)`` (0 for ``rho <= 0``).

    At a dividing density the value of the upper piece is returned.
    """
    if rho <= 0.0:
        return 0.0
    i = pwp_piece_of_density(rho, pieces)
    gamma = _at(pieces, PIECE_GAMMA, i)
    p_over_rho = _at(pieces, PIECE_K, i) * rho ** (gamma - 1.0)
    return gamma * p_over_rho / (1.0 + pwp_enthalpy_minus_one(rho, pieces))


@njit(cache=True, error_model="numpy")
def pwp_adiabatic_index(rho, pieces):
    """``Gamma_1 = d ln P / d ln rho = Gamma_i`` (the index of the piece holding ``rho``)."""
    return _at(pieces, PIECE_GAMMA, pwp_piece_of_density(rho, pieces))


@njit(cache=True, error_model="numpy")
def pwp_rest_mass_density_of_log_enthalpy(eta, pieces):
    """Inverse of :func:`pwp_log_enthalpy`: ``rho(eta)``, analytic on each piece.

    ``eta <= 0`` gives 0. NaN if ``eta`` lies above the range of the last piece (only
    possible when the last piece has ``Gamma < 1``, whose enthalpy is bounded).
    """
    if eta <= 0.0:
        return 0.0
    i = pwp_piece_of_log_enthalpy(eta, pieces)
    gamma = _at(pieces, PIECE_GAMMA, i)
    g = gamma - 1.0
    if i == 0:
        return (g * math.expm1(eta) / (gamma * _at(pieces, PIECE_K, 0))) ** (1.0 / g)
    q = _at(pieces, PIECE_Q, i)
    eta_start = _at(pieces, PIECE_ETA, i)
    h_start = 1.0 + _at(pieces, PIECE_EPS, i) + q
    dh = h_start * math.expm1(eta - eta_start)
    return _at(pieces, PIECE_RHO, i) * math.exp(_log1p_ratio(g, dh / (q * gamma)))


@njit(cache=True, error_model="numpy")
def pwp_rest_mass_density_of_enthalpy(h, pieces):
    """Inverse of :func:`pwp_enthalpy`: ``rho(h)`` (0 for ``h <= 1``)."""
    if h <= 1.0:
        return 0.0
    return pwp_rest_mass_density_of_log_enthalpy(math.log(h), pieces)


@njit(cache=True, error_model="numpy")
def pwp_state_of_log_enthalpy(eta, pieces):
    """``(rho, P, e)`` at the log-enthalpy ``eta``: rest-mass density, pressure and total
    energy density ``e = rho (1 + eps)`` (zeros for ``eta <= 0``). One call per TOV
    right-hand side."""
    rho = pwp_rest_mass_density_of_log_enthalpy(eta, pieces)
    if not rho > 0.0:
        return rho, rho, rho
    return (rho, pwp_pressure(rho, pieces),
            rho * (1.0 + pwp_specific_internal_energy(rho, pieces)))


# Vectorised application of the point functions (one compiled loop per arity).
_FUNCTIONS_OF_ONE = {
    "pressure": 0, "specific_internal_energy": 1, "enthalpy": 2, "log_enthalpy": 3,
    "sound_speed_squared": 4, "adiabatic_index": 5, "rho_of_log_enthalpy": 6,
    "rho_of_enthalpy": 7, "piece": 8, "enthalpy_minus_one": 9,
}


@njit(cache=True, error_model="numpy")
def _map_one(which, x, pieces, out):
    for k in range(x.size):
        value = x[k]
        if which == 0:
            out[k] = pwp_pressure(value, pieces)
        elif which == 1:
            out[k] = pwp_specific_internal_energy(value, pieces)
        elif which == 2:
            out[k] = pwp_enthalpy(value, pieces)
        elif which == 3:
            out[k] = pwp_log_enthalpy(value, pieces)
        elif which == 4:
            out[k] = pwp_sound_speed_squared(value, pieces)
        elif which == 5:
            out[k] = pwp_adiabatic_index(value, pieces)
        elif which == 6:
            out[k] = pwp_rest_mass_density_of_log_enthalpy(value, pieces)
        elif which == 7:
            out[k] = pwp_rest_mass_density_of_enthalpy(value, pieces)
        elif which == 8:
            out[k] = pwp_piece_of_density(value, pieces)
        else:
            out[k] = pwp_enthalpy_minus_one(value, pieces)


def _finite(name, value):
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{name} must be finite (got {value})")
    return value


# ---------------------------------------------------------------------------------------------
# The EOS object
# ---------------------------------------------------------------------------------------------
class PiecewisePolytrope(ColdCurve):
    """Piecewise polytrope (Read et al. 2009) with an optional thermal ``Gamma_th`` part.

    Parameters
    ----------
    K0 : float
        Polytropic constant of the lowest piece (> 0), code units
        (``P = K0 rho^Gamma_0``); the others follow from continuity of ``P``.
    gammas : sequence of float
        ``Gamma_0, ..., Gamma_{n-1}`` (``n >= 1``): ``Gamma_0 > 1``, the others ``> 0``.
    rho_dividing : sequence of float
        The ``n - 1`` dividing densities ``rho_1 < ... < rho_{n-1}`` (all > 0), where piece
        ``i`` starts.
    gamma_th : float, optional
        Thermal adiabatic index (> 1) of the hybrid EOS; ``None`` (default): cold only.
    rho_max : float, optional
        Upper end of the validity range (default: the density where ``c_s^2`` first reaches
        1, or infinity if it never does).
    name : str, optional

    Attributes
    ----------
    pieces : tuple of 6 tuples of float
        ``(rho_start, K, Gamma, eps_start, q_start, eta_start)``.
    flat_pieces : tuple of float
        The same rows one after the other: the argument of every point-wise function.
    rho_start, K, Gamma, a, eps_start, eta_start : tuple of float
        Per piece: starting density (0 for the lowest), polytropic constant, exponent,
        integration constant ``a_i`` of ``eps = a_i + K_i rho^(Gamma_i-1)/(Gamma_i-1)``
        (``eps = a_i + K_i ln rho`` on an isothermal piece),
        ``eps`` and ``ln h`` at the start.
    rho_causal : float
        Lowest density with ``c_s^2 >= 1`` (cold curve; ``inf`` if none).
    rho_max, eta_max : float
        Validity range ``0 <= rho <= rho_max`` and its log-enthalpy.
    log_enthalpy_breaks : tuple of float
        ``eta_start[1:]``: the log-enthalpies where ``c_s^2`` jumps (used by the TOV solver
        to integrate piece by piece).
    """

    def __init__(self, K0, gammas, rho_dividing=(), gamma_th=None, rho_max=None, name=None):
        K0 = _finite("K0", K0)
        if not K0 > 0.0:
            raise ValueError(f"K0 must be > 0 (got {K0})")
        gammas = tuple(_finite("Gamma", value) for value in np.atleast_1d(gammas).tolist())
        rho_dividing = tuple(_finite("rho_dividing", value)
                             for value in np.atleast_1d(np.asarray(rho_dividing,
                                                                   dtype=float)).tolist())
        n = len(gammas)
        if n == 0:
            raise ValueError("at least one piece (one Gamma) is needed")
        if len(rho_dividing) != n - 1:
            raise ValueError(f"{n} pieces need {n - 1} dividing densities "
                             f"(got {len(rho_dividing)})")
        if not gammas[0] > 1.0:
            raise ValueError(f"Gamma of the lowest piece must be > 1 so that P, eps -> 0 at "
                             f"rho -> 0 (got {gammas[0]})")
        for i, gamma in enumerate(gammas[1:], start=1):
            if not gamma > 0.0:
                raise ValueError(f"Gamma of piece {i} must be > 0 (got {gamma})")
        if rho_dividing and not rho_dividing[0] > 0.0:
            raise ValueError(f"dividing densities must be > 0 (got {rho_dividing[0]})")
        for lower, upper in zip(rho_dividing[:-1], rho_dividing[1:], strict=True):
            if not upper > lower:
                raise ValueError(f"dividing densities must increase strictly (got {lower} "
                                 f"then {upper})")
        if gamma_th is not None:
            gamma_th = _finite("gamma_th", gamma_th)
            if not gamma_th > 1.0:
                raise ValueError(f"gamma_th must be > 1 (got {gamma_th})")

        rho_start = (0.0,) + rho_dividing
        K = [K0]
        eps_start = [0.0]
        q_start = [0.0]
        eta_start = [0.0]
        a = [0.0]
        for i in range(1, n):
            rho_i = rho_start[i]
            K.append(K[i - 1] * rho_i ** (gammas[i - 1] - gammas[i]))
            lower = (K[i - 1], gammas[i - 1])
            # eps and h at rho_i from the piece below (the same formulas as the point functions)
            q_i = lower[0] * rho_i ** (lower[1] - 1.0)
            if i == 1:
                eps_i = q_i / (lower[1] - 1.0)
            else:
                g = lower[1] - 1.0
                x = math.log(rho_i / rho_start[i - 1])
                eps_i = eps_start[i - 1] + q_start[i - 1] * (x if g == 0.0
                                                            else math.expm1(g * x) / g)
            eps_start.append(eps_i)
            q_start.append(K[i] * rho_i ** (gammas[i] - 1.0))
            eta_start.append(math.log1p(eps_i + q_start[i]))
            g_i = gammas[i] - 1.0
            # eps = a_i + K_i rho^g / g (for Gamma_i = 1: eps = a_i + K_i ln rho)
            a.append(eps_i - (q_start[i] / g_i if g_i != 0.0 else K[i] * math.log(rho_i)))
            if not (math.isfinite(K[i]) and K[i] > 0.0 and math.isfinite(eta_start[i])):
                raise ValueError(f"piece {i}: K or h not finite (densities or Gammas out of "
                                 f"range)")
            if not eta_start[i] > eta_start[i - 1]:
                raise ValueError(f"piece {i}: the enthalpy does not increase across the "
                                 f"pieces (rho_dividing too close for double precision)")

        self.n_pieces = n
        self.rho_start = rho_start
        self.rho_dividing = rho_dividing
        self.K = tuple(K)
        self.Gamma = gammas
        self.a = tuple(a)
        self.eps_start = tuple(eps_start)
        self.q_start = tuple(q_start)
        self.eta_start = tuple(eta_start)
        self.log_enthalpy_breaks = tuple(eta_start[1:])
        self.pieces = (rho_start, self.K, self.Gamma, self.eps_start, self.q_start,
                       self.eta_start)
        self.flat_pieces = tuple(float(x) for row in self.pieces for x in row)
        self.gamma_th = gamma_th
        self.name = name if name is not None else f"piecewise polytrope ({n} pieces)"
        self.rho_causal = self._causal_limit()
        if rho_max is None:
            rho_max = self.rho_causal
        else:
            rho_max = float(rho_max)
            if not rho_max > 0.0:
                raise ValueError(f"rho_max must be > 0 (got {rho_max})")
        self.rho_max = rho_max
        self.eta_max = (float(self.log_enthalpy(rho_max)) if math.isfinite(rho_max)
                        else math.inf)

    # ------------------------------------------------------------------ construction helpers
    @classmethod
    def polytrope(cls, K, Gamma, gamma_th=None, name=None):
        """The one-piece polytrope ``P = K rho^Gamma``."""
        return cls(K, (Gamma,), (), gamma_th=gamma_th,
                   name=name if name is not None else f"polytrope K = {K:g}, Gamma = {Gamma:g}")

    def with_thermal(self, gamma_th):
        """The same cold curve with the thermal index ``gamma_th`` (hybrid EOS)."""
        return PiecewisePolytrope(self.K[0], self.Gamma, self.rho_dividing, gamma_th=gamma_th,
                                  rho_max=self.rho_max, name=self.name)

    def _causal_limit(self):
        """Lowest density where the cold ``c_s^2`` reaches 1 (``inf`` if it never does).

        ``c_s^2`` is sampled at 40 points per decade (and at every dividing density) from six
        decades below the first dividing density (or below ``K_0 rho^(Gamma_0 - 1) = 1``) to
        six decades above the last one (or above ``K rho^(Gamma - 1) = 1`` on the last piece,
        beyond which ``c_s^2`` tends monotonically to ``Gamma - 1``); the first crossing is
        then bisected to round-off (it is a dividing density when the jump of ``c_s^2``
        there crosses 1).
        """
        g_first, g_last = self.Gamma[0] - 1.0, self.Gamma[-1] - 1.0
        if self.n_pieces == 1:
            # closed form: c_s^2 = Gamma x / (1 + Gamma x / g) with x = K rho^g reaches 1 at
            # x = g / (Gamma (Gamma - 2)), only for Gamma > 2 (c_s^2 -> g < 1 otherwise)
            gamma = self.Gamma[0]
            if gamma <= 2.0:
                return math.inf
            return (g_first / (gamma * (gamma - 2.0) * self.K[0])) ** (1.0 / g_first)
        scales = [rho for rho in self.rho_start[1:]]
        scales.append(self.K[0] ** (-1.0 / g_first))
        if g_last > 0.0:
            scales.append(self.K[-1] ** (-1.0 / g_last))
        lo = math.log10(min(scales)) - 6.0
        hi = math.log10(max(scales)) + 6.0
        rho = np.logspace(lo, hi, int(40 * (hi - lo)) + 1)
        rho = np.unique(np.concatenate((rho, np.asarray(self.rho_start[1:]))))
        cs2 = self.sound_speed_squared(rho)
        above = np.nonzero(cs2 >= 1.0)[0]
        if above.size == 0:
            return math.inf
        j = int(above[0])
        if j == 0:
            return float(rho[0])
        lo_rho, hi_rho = float(rho[j - 1]), float(rho[j])
        for _ in range(200):  # bisection in ln rho on the predicate c_s^2 >= 1
            mid = math.sqrt(lo_rho * hi_rho)
            if not lo_rho < mid < hi_rho:
                break
            if pwp_sound_speed_squared(mid, self.flat_pieces) >= 1.0:
                hi_rho = mid
            else:
                lo_rho = mid
        return float(hi_rho)

    # ------------------------------------------------------------------ vectorised functions
    def _map(self, which, flat, out):
        _map_one(_FUNCTIONS_OF_ONE[which], flat, self.flat_pieces, out)

    def pressure(self, rho):
        """Cold pressure ``P(rho)``."""
        return self._apply("pressure", rho)

    def specific_internal_energy(self, rho):
        """Cold specific internal energy ``eps(rho)``."""
        return self._apply("specific_internal_energy", rho)

    def enthalpy(self, rho):
        """Cold specific enthalpy ``h = 1 + eps + P / rho``."""
        return self._apply("enthalpy", rho)

    def enthalpy_minus_one(self, rho):
        """``h - 1`` (full relative precision at low density)."""
        return self._apply("enthalpy_minus_one", rho)

    def log_enthalpy(self, rho):
        """Cold log-enthalpy ``eta = ln h``."""
        return self._apply("log_enthalpy", rho)

    def sound_speed_squared(self, rho):
        """Cold ``c_s^2 = Gamma_i P / (rho h)`` (upper piece at a dividing density)."""
        return self._apply("sound_speed_squared", rho)

    def adiabatic_index(self, rho):
        """``Gamma_1 = d ln P / d ln rho`` (the piece's ``Gamma_i``)."""
        return self._apply("adiabatic_index", rho)

    gamma1 = adiabatic_index

    def piece_index(self, rho):
        """Index of the piece holding ``rho`` (integer array)."""
        out = np.asarray(self._apply("piece", rho)).astype(np.int64)
        return out[()] if out.ndim == 0 else out

    def rest_mass_density_of_log_enthalpy(self, eta):
        """Inverse of :meth:`log_enthalpy` (0 for ``eta <= 0``)."""
        return self._apply("rho_of_log_enthalpy", eta)

    def rest_mass_density_of_enthalpy(self, h):
        """Inverse of :meth:`enthalpy` (0 for ``h <= 1``)."""
        return self._apply("rho_of_enthalpy", h)

    def state_of_log_enthalpy(self, eta):
        """``(rho, P, e)`` at a scalar log-enthalpy (the TOV right-hand side's call)."""
        return pwp_state_of_log_enthalpy(float(eta), self.flat_pieces)

    # ------------------------------------------------------------------ interoperability
    def describe(self):
        """Table of the pieces (code units) as text."""
        lines = [f"{self.name}: {self.n_pieces} pieces (G = c = Msun = 1)"
                 + (f", Gamma_th = {self.gamma_th:g}" if self.gamma_th is not None else ""),
                 f"{'i':>3} {'rho_start':>14} {'Gamma':>9} {'K':>14} {'a':>14}"]
        for i in range(self.n_pieces):
            lines.append(f"{i:>3} {self.rho_start[i]:14.6e} {self.Gamma[i]:9.5f} "
                         f"{self.K[i]:14.6e} {self.a[i]:14.6e}")
        return "\n".join(lines)

    def __repr__(self):
        return (f"PiecewisePolytrope(name={self.name!r}, n_pieces={self.n_pieces}, "
                f"gamma_th={self.gamma_th})")
