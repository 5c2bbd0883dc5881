r"""Tabulated cold (zero-temperature, beta-equilibrium) equations of state.

A table gives the pressure ``P`` and the total energy density ``e`` at a set of points;
the rest-mass density ``rho`` follows from the first law at zero temperature,

    d ln rho = de / (e + P),                                             (1)

once its value at one point is chosen. Readers: :func:`read_lalsimulation_table` (LALSuite's
two columns ``p, e`` in m^-2) and :func:`read_compose_table` (CompOSE's cold 1D tables,
``eos.nb`` + ``eos.thermo``).

Interpolation (built once, at load time)
----------------------------------------
1. ``ln P`` as a function of ``ln e`` through the table's points by the monotone piecewise
   cubic Hermite interpolant of Fritsch & Carlson (1980) (``scipy``'s PCHIP, Fritsch &
   Butland's slopes): monotone (so ``P`` increases with ``e`` and no spurious oscillation
   appears at phase transitions or at the crust-core interface), C1, so that
   ``Gamma = d ln P / d ln rho`` and ``c_s^2 = dP/de`` are continuous.
2. Below the first point the EOS is continued by the polytrope ``P = K rho^Gamma_0`` whose
   ``Gamma_0`` is the interpolant's at the first point, and ``rho`` at the first point is
   fixed so that this polytrope is thermodynamically consistent there:
   ``rho_0 = e_0 - P_0 / (Gamma_0 - 1)`` (then ``eps -> 0`` and ``h -> 1`` at ``rho -> 0``).
3. ``eps(x)``, ``x = ln rho``, is integrated from (1), ``d eps / dx = P / rho``, with
   ``e = rho (1 + eps)`` and ``P = P(e)`` of step 1 (DOP853, rtol 1e-12), and sampled on a
   **uniform grid in x** (``points_per_e_fold`` points per e-fold of rho), together with its
   first and second derivatives ``eps' = P / rho`` and ``eps'' = (P / rho) (Gamma - 1)``.
4. Between two grid points ``eps(x)`` is the **quintic Hermite** polynomial of these six
   numbers, and every other quantity is derived from it:

       P = rho eps'(x),   Gamma = 1 + eps'' / eps',   h = 1 + eps + eps',
       c_s^2 = Gamma P / (rho h),    e = rho (1 + eps).

   So the first law (1) holds exactly (to round-off) everywhere, not only at the nodes;
   ``eps`` is C2, ``P``, ``h`` and ``c_s^2`` are continuous, and the lookup is O(1): the
   cell is ``floor((x - x_0) / dx)``, one logarithm and a polynomial per call (no search,
   no power). Above the last point the EOS is continued by the polytrope of the
   interpolant's last ``Gamma`` (outside the validity range ``rho <= rho_max`` anyway).

The checks done at load time (``TabulatedEOS.report``): ``P`` and ``h`` increase strictly
on the grid, ``c_s^2`` is positive, and the density where ``c_s^2`` reaches 1 (``rho_causal``)
is found; the validity range is ``rho <= rho_max = min(rho_causal, top of the table)``.

Inverse (TOV and linear modes): ``rho`` of the log-enthalpy ``eta = ln h`` by safeguarded
Newton iterations on ``eta(x)`` inside the grid cell given by a second uniform index in
``ln eta`` (O(1)), so the inverse is the exact inverse of the forward interpolant. The same
for ``rho`` of the cold pressure (``rest_mass_density_of_pressure``): Newton on ``ln P(x)``
in the cell given by a uniform index in ``ln P`` stored with the kernel parameters.

Face inverse (the hybrid kind's face density, reconstructed through the cold pressure):
no search and, on most pressures, no iteration: on the pieces of a uniform ``ln P`` grid cut
at the grid nodes, ``P / rho``, ``eps`` and ``Gamma`` as quintics of ``ln P`` (within 1e-13
of the exact inverse's), and on the few pieces flagged at load time where they are not, a
quintic start and one Newton step (:func:`_face_inverse`, :func:`table_face_cold_state`).

Kernel parameters: :class:`ColdTable`, a named tuple of floats and one array (a different Numba
type from the piecewise polytrope's tuple of floats, so the compile-time kind dispatch of
:mod:`source.matter.eos.eos` tells them apart).
"""

import hashlib
import math
from collections import namedtuple
from pathlib import Path

import numpy as np
from numba import njit

from source.matter.eos.cold import ColdCurve
from source.matter.eos.eos_catalogue import LENGTH_UNIT_CM, PRESSURE_UNIT_CGS

#: LALSimulation's geometric unit m^-2 -> code pressure/energy-density unit (L^-2, L in m).
LAL_TO_CODE = (LENGTH_UNIT_CM * 1.0e-2) ** 2
#: 1 MeV fm^-3 in erg cm^-3 (CompOSE's energy-density unit).
MEV_FM3_CGS = 1.602176634e-6 * 1.0e39
#: Leading rows steeper than this (d ln p / d ln e) are dropped: some tables start with a few
#: rows of nearly constant e and p rising by decades (H4 of LALSimulation: 300), far below
#: any density a star reaches, which no smooth interpolant on a uniform grid can follow.
MAX_SURFACE_GAMMA = 10.0
#: Default resolution of the uniform grid in ln(rho).
POINTS_PER_E_FOLD = 64
# ln(eta) index of the inverse: bins per e-fold of eta
_ETA_BINS_PER_E_FOLD = 8

#: The cold curve as the compiled kernels see it (the last fields of the table EOS kinds).
TABLE_FIELDS = (
    "table_log_rho_start",   # x_0 = ln rho at the first grid point
    "table_inv_dlog",        # 1 / dx
    "table_num_cells",       # cells of the grid (float)
    "table_rho_low",         # lower polytrope below rho_0 = table_rho_low:
    "table_q_low",           #   P / rho = q_0 (rho / rho_0)^(Gamma - 1)
    "table_gamma_low",
    "table_rho_top",         # last grid point and the upper polytrope's values there
    "table_gamma_high",
    "table_q_top",           # P / rho at rho_top
    "table_eps_top",
    "table_log_p_start",     # uniform ln P index of the inverse P -> rho:
    "table_inv_dlog_p",      #   bin b = floor((ln P - table_log_p_start) * table_inv_dlog_p)
    "table_num_p_bins",      #   bins (float)
    "table_data",            # the arrays, one after the other in one float array (below)
)
# ``table_data`` (n = num_cells cells, m = num_p_bins bins), one array: every array in the
# kernel tuple costs an atomic reference-count pair wherever a compiled function takes the
# tuple or reads the array (measured: a cell lookup 42 ns with four arrays, 4 ns with one),
# unless the caller passes it through ``source.jit.unowned`` (the RK4 driver does).
#   [6 i + k]            c_k of cell i: eps(x_i + t dx) = sum_k c_k t^k
#   [6 n + 6 i + k]      the inverse's start in cell i: t = sum_k c_k s^k,
#                        s = (ln P - ln P_i) / (ln P_{i+1} - ln P_i)
#   [12 n + i]           ln P at grid point i (n + 1 points)
#   [13 n + 1 + b]       the cell holding the start of ln P bin b (an integer)
#   [13 n + 1 + m + k]   the face inverse ln P -> ln rho (:func:`_face_inverse`): a header of
#                        FACE_INVERSE_HEADER floats, then FACE_PIECE_FLOATS per ln P bin
ColdTable = namedtuple("ColdTable", TABLE_FIELDS)

#: Bins per e-fold of P of the face inverse (:func:`table_face_cold_state`): fine enough that
#: a bin holds at most one grid node on the SLy table (Gamma >= 0.41 there).
FACE_BINS_PER_E_FOLD = 256
#: The face inverse's header: ln P at its first bin, 1 / (bin width), bins (float), and the
#: two polytropes' inverses ``ln rho = a + b ln P`` (a_low, b_low, a_high, b_high).
FACE_INVERSE_HEADER = 7
#: Per bin: the ln P of the grid node inside it (+inf if none), then the two pieces either
#: side of it, each ``(ln P at its start, 1 / its width, c_0, ..., c_5, cell, flag, q_0, ...,
#: q_5, e_0, ..., e_5, g_0, ..., g_5)``: the quintic of the position ``t`` in the grid cell
#: ``cell`` holding the piece; flag 0 where the quintics ``q``, ``e``, ``g`` of the position
#: ``s`` in the piece give ``P / rho``, ``eps`` and ``Gamma`` within FACE_DIRECT_ROUND_OFF
#: (the state with no further work), 1 where they do not (``t``, then a Newton step).
_FACE_PIECE_LENGTH = 28
FACE_PIECE_FLOATS = 1 + 2 * _FACE_PIECE_LENGTH
#: Offsets in a piece: the quintic of ``t``, the grid cell, the flag and the three direct
#: quintics (after the piece's start and 1 / width at 0 and 1).
_FACE_T, _FACE_CELL, FACE_PIECE_FLAG = 2, 8, 9
_FACE_Q, _FACE_EPS, _FACE_GAMMA = 10, 16, 22
#: Relative error (sampled) of ``P / rho``, ``eps`` and ``Gamma`` from the direct quintics
#: above which a piece takes the exact path (flag 1).
FACE_DIRECT_ROUND_OFF = 1e-13
#: Chebyshev-Lobatto points of a piece (``s`` in [0, 1], both ends included): where the
#: direct quintics interpolate the exact inverse.
_LOBATTO = 0.5 * (1.0 - np.cos(np.pi * np.arange(6) / 5.0))


# ---------------------------------------------------------------------------------------------
# Point-wise functions (compiled); ``table`` is any named tuple with the TABLE_FIELDS
# ---------------------------------------------------------------------------------------------
@njit(cache=True, error_model="numpy", inline="always")
def table_cold_derivatives(rho, table):
    """``(eps, eps', eps'')`` of the cold curve at ``rho > 0`` (derivatives in ``ln rho``)."""
    return _cold_derivatives_at(math.log(rho), rho, table)


@njit(cache=True, error_model="numpy", inline="always")
def _cold_derivatives_at(x, rho, table):
    """:func:`table_cold_derivatives` given ``x = ln rho`` as well as ``rho``."""
    u = (x - table.table_log_rho_start) * table.table_inv_dlog
    if u < 0.0:                                   # lower polytrope
        g = table.table_gamma_low - 1.0
        q = table.table_q_low * (rho / table.table_rho_low) ** g     # P / rho
        return q / g, q, q * g
    if u >= table.table_num_cells:                # upper polytrope
        g = table.table_gamma_high - 1.0
        q_top = table.table_q_top
        ex = math.expm1(g * math.log(rho / table.table_rho_top))
        q = q_top + q_top * ex
        return table.table_eps_top + q_top * ex / g, q, q * g
    i = int(u)
    return _cell_cold_derivatives(i, u - i, table)


@njit(cache=True, error_model="numpy", inline="always")
def _cell_cold_derivatives(i, t, table):
    """``(eps, eps', eps'')`` at ``x = x_i + t dx`` of grid cell ``i`` (the quintic)."""
    c = table.table_data
    j = 6 * i
    c0, c1, c2, c3, c4, c5 = c[j], c[j + 1], c[j + 2], c[j + 3], c[j + 4], c[j + 5]
    eps = c0 + t * (c1 + t * (c2 + t * (c3 + t * (c4 + t * c5))))
    d1 = c1 + t * (2.0 * c2 + t * (3.0 * c3 + t * (4.0 * c4 + t * 5.0 * c5)))
    d2 = 2.0 * c2 + t * (6.0 * c3 + t * (12.0 * c4 + t * 20.0 * c5))
    inv_dx = table.table_inv_dlog
    return eps, d1 * inv_dx, d2 * inv_dx * inv_dx


#: Newton steps of :func:`table_cold_state_of_pressure` at most (it stops at round-off).
_MAX_PRESSURE_NEWTON_STEPS = 4


@njit(cache=True, error_model="numpy", inline="always")
def table_cold_state_of_pressure(press, table):
    """Inverse of the cold pressure with the cold state there: ``(rho, P, eps, Gamma)`` at
    the pressure ``press`` (zeros and the lower polytrope's Gamma for ``P <= 0``), O(1),
    iterated to round-off: ``rest_mass_density_of_pressure``, and the reference of the
    face states' faster :func:`table_face_cold_state` (the same numbers to round-off).

    Closed form on the two polytropes. On the grid the cell ``i`` comes from the uniform
    ``ln P`` index (a bin is narrower than a cell: ``d ln P = Gamma dx`` with ``Gamma > 1``;
    at most two steps to the right cell on the SLy table). In the cell the start is the
    quintic Hermite interpolant of the inverse ``t(ln P)`` (in ``table_data``:
    the values, first and second derivatives of the inverse at the cell's ends, from the
    cell's own quintic), then Newton steps on ``ln P(x) = x + ln eps'(x)`` (slope
    ``Gamma = 1 + eps'' / eps'``), kept inside the cell, until a step is below 1e-6 of the
    cell: convergence is quadratic, so the result is then at round-off, the exact inverse
    of the forward interpolant. On the SLy table the start is within 3e-9 in ``ln rho`` of
    the root at 99 % of the pressures (one step), 1e-5 at worst (cells of fast-varying
    ``Gamma`` near neutron drip; two steps); the linear start of the ln P values took
    two on average. ``P`` is returned as given, and ``rho = P / eps'`` at the root.

    Inlined into its callers (``inline="always"``, as ``table_cold_state``): compiled as a
    function of its own it was not inlined by LLVM, and each call then cost as much again
    as the inverse itself (the kernel tuple holds an array)."""
    if not press > 0.0:
        return 0.0, 0.0, 0.0, table.table_gamma_low
    log_p = math.log(press)
    data = table.table_data
    n = int(table.table_num_cells)
    nodes = 12 * n                                # ln P of grid point i: data[nodes + i]
    if log_p < data[nodes]:                          # lower polytrope P = rho q_0 (rho/rho_0)^g
        rho_low = table.table_rho_low
        gamma = table.table_gamma_low
        rho = rho_low * (press / (rho_low * table.table_q_low)) ** (1.0 / gamma)
        return rho, press, press / (rho * (gamma - 1.0)), gamma
    if log_p >= data[nodes + n]:                  # upper polytrope
        rho_top = table.table_rho_top
        gamma = table.table_gamma_high
        q_top = table.table_q_top
        rho = rho_top * (press / (rho_top * q_top)) ** (1.0 / gamma)
        return rho, press, table.table_eps_top + (press / rho - q_top) / (gamma - 1.0), gamma
    b = int((log_p - table.table_log_p_start) * table.table_inv_dlog_p)
    b = min(max(b, 0), int(table.table_num_p_bins) - 1)
    i = int(data[13 * n + 1 + b])
    while i < n - 1 and data[nodes + i + 1] <= log_p:
        i += 1
    while i > 0 and data[nodes + i] > log_p:
        i -= 1
    s = (log_p - data[nodes + i]) / (data[nodes + i + 1] - data[nodes + i])
    j = 6 * n + 6 * i
    t = data[j] + s * (data[j + 1] + s * (data[j + 2] + s * (data[j + 3] + s * (
        data[j + 4] + s * data[j + 5]))))
    t = min(max(t, 0.0), 1.0)
    inv_dx = table.table_inv_dlog
    x_i = table.table_log_rho_start + i / inv_dx
    for _ in range(_MAX_PRESSURE_NEWTON_STEPS):
        _, d1, d2 = _cell_cold_derivatives(i, t, table)
        step = (x_i + t / inv_dx + math.log(d1) - log_p) * inv_dx / (1.0 + d2 / d1)
        t_new = min(max(t - step, 0.0), 1.0)
        converged = abs(t_new - t) <= 1e-6
        t = t_new
        if converged:
            break
    eps, d1, d2 = _cell_cold_derivatives(i, t, table)
    return press / d1, press, eps, 1.0 + d2 / d1      # P = rho eps': no exp for rho


@njit(cache=True, error_model="numpy", inline="always")
def table_density_of_pressure(press, table):
    """Inverse of the cold pressure: ``rho(P)`` (0 for ``P <= 0``), O(1)
    (:func:`table_cold_state_of_pressure`)."""
    return table_cold_state_of_pressure(press, table)[0]


@njit(cache=True, error_model="numpy", inline="always")
def _piece_quintic(data, k, s):
    """``sum_m data[k + m] s^m``, m = 0..5 (a quintic stored in a face-inverse piece)."""
    return data[k] + s * (data[k + 1] + s * (data[k + 2] + s * (data[k + 3] + s * (
        data[k + 4] + s * data[k + 5]))))


@njit(cache=True, error_model="numpy", inline="always")
def table_face_cold_state(press, table):
    """:func:`table_cold_state_of_pressure` with no search and, on most pressures, no
    iteration and no second table read: ``(rho, P, eps, Gamma)`` at the cold pressure
    ``press`` (zeros and the lower polytrope's Gamma for ``P <= 0``), the face states of the
    hybrid table kind (whose face density is reconstructed through the cold pressure).

    A uniform ``ln P`` index gives the bin and the grid node in it the piece
    (:func:`_face_inverse`). On the pieces not flagged at load time (98 % of them on the
    SLy table) three quintics of the position ``s`` in the piece give ``P / rho``, ``eps``
    and ``Gamma`` (within FACE_DIRECT_ROUND_OFF of the exact inverse's), and ``rho = P /
    (P / rho)``: a logarithm, one division. On the flagged ones (near neutron drip, where
    ``Gamma`` varies fast) the quintic of the position ``t`` in the grid cell and one
    Newton step on ``ln P(x) = x + ln eps'(x)`` give the exact inverse, whose ``(eps,
    Gamma)`` are the forward interpolant's. Either way the state of
    :func:`table_cold_state_of_pressure` to round-off; ``P`` is returned as given. Closed
    form on the two polytropes."""
    if not press > 0.0:
        return 0.0, 0.0, 0.0, table.table_gamma_low
    log_p = math.log(press)
    data = table.table_data
    n = int(table.table_num_cells)
    base = 13 * n + 1 + int(table.table_num_p_bins)
    u = (log_p - data[base]) * data[base + 1]
    if not u >= 0.0 or u >= data[base + 2]:         # the polytropes: ln rho = a + b ln P
        k = base + 3 if u < 0.0 else base + 5
        x = data[k] + data[k + 1] * log_p
        eps, d1, d2 = _cold_derivatives_at(x, math.exp(x), table)
        return press / d1, press, eps, 1.0 + d2 / d1
    j = base + FACE_INVERSE_HEADER + FACE_PIECE_FLOATS * int(u) + 1
    if log_p >= data[j - 1]:                      # right of the grid node in the bin
        j += _FACE_PIECE_LENGTH
    s = (log_p - data[j]) * data[j + 1]
    if data[j + FACE_PIECE_FLAG] == 0.0:          # the direct quintics
        return (press / _piece_quintic(data, j + _FACE_Q, s), press,
                _piece_quintic(data, j + _FACE_EPS, s), _piece_quintic(data, j + _FACE_GAMMA, s))
    t = min(max(_piece_quintic(data, j + _FACE_T, s), 0.0), 1.0)
    i = int(data[j + _FACE_CELL])
    _, d1, d2 = _cell_cold_derivatives(i, t, table)
    inv_dx = table.table_inv_dlog
    x = table.table_log_rho_start + (i + t) / inv_dx
    t -= (x + math.log(d1) - log_p) * inv_dx / (1.0 + d2 / d1)
    t = min(max(t, 0.0), 1.0)
    eps, d1, d2 = _cell_cold_derivatives(i, t, table)
    return press / d1, press, eps, 1.0 + d2 / d1


@njit(cache=True, error_model="numpy", inline="always")
def table_cold_state(rho, table):
    """``(P, eps, Gamma)`` of the cold curve (``Gamma = d ln P / d ln rho``); zeros and the
    lower polytrope's Gamma for ``rho <= 0``."""
    if not rho > 0.0:
        return 0.0, 0.0, table.table_gamma_low
    eps, d1, d2 = table_cold_derivatives(rho, table)
    return rho * d1, eps, 1.0 + d2 / d1


_INVERSE_INTEGERS = tuple(1.0 / k if k else 0.0 for k in range(16))


@njit(cache=True, error_model="numpy", inline="always")
def table_cold_reference(rho, table, log_shift):
    """``(usable, t, c_0, ..., c_5)``: the position ``t`` of ``rho`` in its grid cell and the
    cell's quintic, from which :func:`table_cold_shifted` evaluates the cold curve at
    ``rho sqrt(1 - x)`` for ``0 <= x <= max_shift`` (the Kastaun iteration: one logarithm
    and one table read per cell instead of per iteration), ``log_shift = ln(1 -
    max_shift) / 2`` (a constant of the caller). ``usable`` is False (zeros) off the grid
    and when ``rho sqrt(1 - max_shift)`` lies in a lower cell."""
    u = (math.log(rho) - table.table_log_rho_start) * table.table_inv_dlog
    lowest = u + log_shift * table.table_inv_dlog
    if not (0.0 <= u < table.table_num_cells):
        return False, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0
    i = int(u)
    c = table.table_data
    j = 6 * i
    return (lowest >= i, u - i, c[j], c[j + 1], c[j + 2], c[j + 3], c[j + 4], c[j + 5])


@njit(cache=True, error_model="numpy")
def table_cold_shifted(cell, inv_dx, x):
    """``(P / rho, eps)`` of the cold curve at ``rho sqrt(1 - x)`` from ``cell = (t, c_0,
    ..., c_5)``, the last seven entries of a usable ``table_cold_reference(rho, ...)``
    (``x`` at most its ``max_shift``), with no transcendental function and no table read:
    the cell position
    moves by ``ln(1 - x) / (2 dx)``, with ``ln(1 - x) = -sum_k x^k / k`` summed until a term
    is below 1e-17 of the sum (``x <= 1e-3``: at most seven terms, a slow flow three), and
    the cell's quintic gives ``eps`` and ``P / rho = eps'``."""
    power = x
    log_one_minus_x = -x
    for k in range(2, 16):
        power *= x
        term = power * _INVERSE_INTEGERS[k]
        log_one_minus_x -= term
        if term <= 1e-17 * -log_one_minus_x:
            break
    t0, c0, c1, c2, c3, c4, c5 = cell
    t = t0 + 0.5 * log_one_minus_x * inv_dx
    eps = c0 + t * (c1 + t * (c2 + t * (c3 + t * (c4 + t * c5))))
    d1 = c1 + t * (2.0 * c2 + t * (3.0 * c3 + t * (4.0 * c4 + t * 5.0 * c5)))
    return d1 * inv_dx, eps


@njit(cache=True, error_model="numpy", inline="always")
def table_enthalpy_minus_one(rho, table):
    """``h - 1 = eps + P / rho`` of the cold curve (0 for ``rho <= 0``)."""
    if not rho > 0.0:
        return 0.0
    eps, d1, _ = table_cold_derivatives(rho, table)
    return eps + d1


@njit(cache=True, error_model="numpy")
def _log_enthalpy_and_slope(x, table):
    """``eta(x) = ln h`` and ``d eta / dx = (eps' + eps'') / h`` at ``x = ln rho``."""
    eps, d1, d2 = table_cold_derivatives(math.exp(x), table)
    return math.log1p(eps + d1), (d1 + d2) / (1.0 + eps + d1)


@njit(cache=True, error_model="numpy")
def table_rho_of_log_enthalpy(eta, table, eta_nodes, cell_of_bin, log_eta_start,
                              inv_dlog_eta):
    """Inverse of the cold log-enthalpy: ``rho(eta)`` (0 for ``eta <= 0``).

    Closed form on the lower polytrope; on the grid the cell is found from the uniform
    ``ln eta`` index ``cell_of_bin`` (plus at most a few steps), then Newton iterations on
    ``eta(x)`` kept inside the cell's bracket. Above the grid: the upper polytrope, by
    Newton from the top."""
    if not eta > 0.0:
        return 0.0
    n = eta_nodes.size - 1
    if eta < eta_nodes[0]:
        g = table.table_gamma_low - 1.0
        q = g * math.expm1(eta) / table.table_gamma_low           # P / rho
        return table.table_rho_low * (q / table.table_q_low) ** (1.0 / g)
    x_start = table.table_log_rho_start
    dx = 1.0 / table.table_inv_dlog
    if eta >= eta_nodes[n]:
        lo = x_start + n * dx
        hi = lo + 50.0
        x = lo
    else:
        b = int((math.log(eta) - log_eta_start) * inv_dlog_eta)
        b = min(max(b, 0), cell_of_bin.size - 1)
        i = cell_of_bin[b]
        while i < n - 1 and eta_nodes[i + 1] <= eta:
            i += 1
        while i > 0 and eta_nodes[i] > eta:
            i -= 1
        lo = x_start + i * dx
        hi = lo + dx
        x = lo + dx * (eta - eta_nodes[i]) / (eta_nodes[i + 1] - eta_nodes[i])
    for _ in range(100):
        f, slope = _log_enthalpy_and_slope(x, table)
        f -= eta
        if f > 0.0:
            hi = x
        else:
            lo = x
        step = f / slope
        x_new = x - step
        if not lo < x_new < hi:
            x_new = 0.5 * (lo + hi)
        if abs(x_new - x) <= 1e-15 * (1.0 + abs(x)):
            x = x_new
            break
        x = x_new
    return math.exp(x)


@njit(cache=True, error_model="numpy")
def _map_table(which, values, table, inverse, out):
    eta_nodes, cell_of_bin, log_eta_start, inv_dlog_eta = inverse
    for k in range(values.size):
        v = values[k]
        if which == 0:
            out[k] = table_cold_state(v, table)[0]
        elif which == 1:
            out[k] = table_cold_state(v, table)[1]
        elif which == 2:
            out[k] = table_cold_state(v, table)[2]
        elif which == 3:
            out[k] = table_enthalpy_minus_one(v, table)
        elif which == 4:
            out[k] = table_rho_of_log_enthalpy(v, table, eta_nodes, cell_of_bin,
                                               log_eta_start, inv_dlog_eta)
        else:
            out[k] = table_density_of_pressure(v, table)


_PRESSURE, _EPS, _GAMMA, _H_MINUS_ONE, _RHO_OF_ETA, _RHO_OF_PRESSURE = range(6)


# ---------------------------------------------------------------------------------------------
# Readers
# ---------------------------------------------------------------------------------------------
def _require(condition, path, message):
    if not condition:
        raise ValueError(f"eos table {path}: {message}")


def read_lalsimulation_table(path):
    """``(P, e)`` in code units from a LALSimulation table: two columns, pressure and total
    energy density in geometric units (m^-2), rows of increasing density, ``#`` comments."""
    try:
        data = np.loadtxt(path, comments="#", ndmin=2)
    except (OSError, ValueError) as e:
        raise ValueError(f"eos table {path}: cannot read two columns of numbers ({e})") \
            from None
    _require(data.shape[1] >= 2, path, f"needs two columns p, e (got {data.shape[1]})")
    return data[:, 0] * LAL_TO_CODE, data[:, 1] * LAL_TO_CODE


def read_compose_table(directory):
    """``(P, e)`` in code units from a CompOSE cold (one-parameter) table in ``directory``.

    ``eos.nb``: the first and last index of the grid (two integers) then the baryon number
    densities ``n_b`` (fm^-3). ``eos.thermo``: a first line with the neutron and proton
    masses (MeV) and a lepton flag, then one row per point, ``i_T i_nb i_Yq Q1 ... Q7
    [extra]``, with ``Q1 = P / n_b`` (MeV) and ``Q7 = e / (n_b m_n) - 1`` (CompOSE manual,
    the data sheet ``eos.thermo``). A cold table has one temperature and one ``Y_q`` index."""
    directory = Path(directory)
    try:
        nb_numbers = np.loadtxt(directory / "eos.nb", ndmin=1).ravel()
        with open(directory / "eos.thermo") as f:
            header = f.readline().split()
            rows = np.loadtxt(f, ndmin=2)
    except (OSError, ValueError) as e:
        raise ValueError(f"eos table {directory}: cannot read eos.nb and eos.thermo ({e})") \
            from None
    _require(nb_numbers.size >= 4, directory, "eos.nb: needs two indices and densities")
    first = int(nb_numbers[0])
    nb = nb_numbers[2:]
    _require(len(header) >= 2, directory, "eos.thermo: first line must hold m_n and m_p")
    m_n = float(header[0])
    _require(rows.shape[1] >= 10, directory, "eos.thermo: rows need i_T i_nb i_Yq Q1..Q7")
    _require(np.unique(rows[:, 0]).size == 1 and np.unique(rows[:, 2]).size == 1, directory,
             "eos.thermo: not a cold one-parameter table (several T or Y_q indices)")
    index = rows[:, 1].astype(np.int64) - first
    _require(np.all((index >= 0) & (index < nb.size)), directory,
             "eos.thermo: n_b index outside eos.nb")
    n = nb[index]
    pressure_mev = rows[:, 3] * n
    energy_mev = (rows[:, 9] + 1.0) * n * m_n
    order = np.argsort(n)
    to_code = MEV_FM3_CGS / PRESSURE_UNIT_CGS
    return pressure_mev[order] * to_code, energy_mev[order] * to_code


def read_table(path):
    """``(P, e, format)`` of a table file (LALSimulation) or directory (CompOSE)."""
    path = Path(path)
    if path.is_dir():
        return (*read_compose_table(path), "compose")
    if not path.is_file():
        raise ValueError(f"eos table {path}: no such file or directory")
    return (*read_lalsimulation_table(path), "lalsimulation")


def table_sha256(path):
    """SHA-256 of a table file, or of ``eos.nb`` + ``eos.thermo`` of a CompOSE directory."""
    path = Path(path)
    digest = hashlib.sha256()
    for part in ((path / "eos.nb", path / "eos.thermo") if path.is_dir() else (path,)):
        digest.update(part.read_bytes())
    return digest.hexdigest()


# ---------------------------------------------------------------------------------------------
# Construction
# ---------------------------------------------------------------------------------------------
def _clean(pressure, energy, source):
    """Rows with finite positive ``P`` and ``e``, repeated rows dropped; ``P`` and ``e`` must
    then increase strictly. Leading rows steeper than ``MAX_SURFACE_GAMMA`` are dropped too;
    returns ``(P, e, number of those rows)``."""
    pressure = np.asarray(pressure, dtype=np.float64)
    energy = np.asarray(energy, dtype=np.float64)
    _require(pressure.shape == energy.shape and pressure.ndim == 1, source,
             "pressure and energy density must be 1D arrays of one length")
    keep = np.isfinite(pressure) & np.isfinite(energy) & (pressure > 0.0) & (energy > 0.0)
    pressure, energy = pressure[keep], energy[keep]
    repeated = np.zeros(pressure.size, dtype=bool)
    repeated[1:] = (pressure[1:] == pressure[:-1]) & (energy[1:] == energy[:-1])
    pressure, energy = pressure[~repeated], energy[~repeated]
    _require(pressure.size >= 4, source, f"needs at least 4 rows with p, e > 0 "
             f"(got {pressure.size})")
    bad = np.nonzero((np.diff(energy) <= 0.0) | (np.diff(pressure) <= 0.0))[0]
    _require(bad.size == 0, source, "p and e must increase strictly from row to row "
             f"(row {bad[0] + 2 if bad.size else 0} does not)")
    stiff = np.diff(np.log(pressure)) > MAX_SURFACE_GAMMA * np.diff(np.log(energy))
    dropped = int(np.argmin(stiff)) if not stiff.all() else stiff.size
    _require(pressure.size - dropped >= 4, source, "too few rows with d ln p / d ln e <= "
             f"{MAX_SURFACE_GAMMA:g}")
    return pressure[dropped:], energy[dropped:], dropped


def _quintic_coefficients(f, d1, d2, dx):
    """Per cell the coefficients ``c_0..c_5`` in ``t = (x - x_i) / dx`` of the quintic with
    the values, first and second derivatives ``f, d1, d2`` (in ``x``) at both ends."""
    return _quintic_of_ends(f[:-1], d1[:-1] * dx, d2[:-1] * dx * dx,
                            f[1:], d1[1:] * dx, d2[1:] * dx * dx)


def _quintic_of_ends(f0, a0, b0, f1, a1, b1):
    """Coefficients ``c_0..c_5`` (one row per cell) of the quintic on ``[0, 1]`` with the
    values ``f``, first derivatives ``a`` and second derivatives ``b`` at its ends."""
    c0, c1, c2 = f0, a0, 0.5 * b0
    A = f1 - (c0 + c1 + c2)
    B = a1 - (c1 + 2.0 * c2)
    C = b1 - 2.0 * c2
    c3 = 10.0 * A - 4.0 * B + 0.5 * C
    c4 = -15.0 * A + 7.0 * B - C
    c5 = 6.0 * A - 3.0 * B + 0.5 * C
    return np.ascontiguousarray(np.stack((c0, c1, c2, c3, c4, c5), axis=1))


def _inverse_coefficients(coefficients, log_p_nodes, dx):
    """Per cell the quintic ``t(s)`` of the inverse of ``ln P`` (``t = (x - x_i) / dx``,
    ``s = (ln P - ln P_i) / (ln P_{i+1} - ln P_i)``), from the cell's quintic of ``eps``:
    ``t`` runs from 0 to 1, ``dx / d ln P = 1 / Gamma`` and ``d^2 x / d ln P^2 =
    -Gamma' / Gamma^3`` (``Gamma' = d Gamma / dx``) at both ends, one-sided (``Gamma'``
    jumps at the nodes)."""
    c0, c1, c2, c3, c4, c5 = coefficients.T
    width = np.diff(log_p_nodes)
    ends = []
    for d1, d2, d3 in ((c1, 2.0 * c2, 6.0 * c3),                       # t = 0
                       (c1 + 2.0 * c2 + 3.0 * c3 + 4.0 * c4 + 5.0 * c5,   # t = 1
                        2.0 * c2 + 6.0 * c3 + 12.0 * c4 + 20.0 * c5,
                        6.0 * c3 + 24.0 * c4 + 60.0 * c5)):
        d1, d2, d3 = d1 / dx, d2 / dx**2, d3 / dx**3                    # in x = ln rho
        gamma = 1.0 + d2 / d1
        gamma_slope = (d3 * d1 - d2 * d2) / (d1 * d1)
        ends.append((width / (gamma * dx), -width**2 * gamma_slope / (gamma**3 * dx)))
    zeros = np.zeros_like(width)
    return _quintic_of_ends(zeros, ends[0][0], ends[0][1], zeros + 1.0, ends[1][0],
                            ends[1][1])


def _exact_log_rho_of_log_p(log_p, cell, coefficients, x_start, dx):
    """The position ``t = (x - x_cell) / dx`` in grid cell ``cell`` (arrays) of ``x = ln
    rho`` with ``ln P(x) = log_p``, to round-off: bisection in the cell on ``ln P = x + ln
    eps'(x)`` (increasing)."""
    lo = np.zeros_like(log_p)
    hi = np.ones_like(log_p)
    c = np.moveaxis(coefficients[cell], -1, 0)
    for _ in range(64):
        t = 0.5 * (lo + hi)
        d1 = c[1] + t * (2.0 * c[2] + t * (3.0 * c[3] + t * (4.0 * c[4] + t * 5.0 * c[5])))
        above = x_start + (cell + t) * dx + np.log(d1 / dx) > log_p
        hi = np.where(above, t, hi)
        lo = np.where(above, lo, t)
    return 0.5 * (lo + hi)


def _inverse_piece(log_p_start, log_p_end, cell, coefficients, x_start, dx):
    """Per piece ``[log_p_start, log_p_end]`` inside grid cell ``cell`` (arrays) the
    quintic ``t(s)`` of the position in the cell (``x = x_cell + t dx``), ``s = (ln P -
    log_p_start) / width``, with the inverse's values and its first and second derivatives
    at both ends: ``dx / d ln P = 1 / Gamma``, ``d^2 x / d ln P^2 = -Gamma' / Gamma^3`` of
    the cell's own quintic (one-sided at the grid nodes, where ``Gamma'`` jumps)."""
    width = log_p_end - log_p_start
    ends = []
    for log_p in (log_p_start, log_p_end):
        t = _exact_log_rho_of_log_p(log_p, cell, coefficients, x_start, dx)
        _, d1, d2, d3 = _cell_derivatives(t, cell, coefficients, dx)
        gamma = 1.0 + d2 / d1
        gamma_slope = (d3 * d1 - d2 * d2) / (d1 * d1)
        ends.append((t, width / (gamma * dx), -width**2 * gamma_slope / (gamma**3 * dx)))
    return _quintic_of_ends(*ends[0], *ends[1])


def _cell_derivatives(t, cell, coefficients, dx):
    """``eps`` and its first three derivatives in ``x = ln rho`` at position ``t`` in grid
    cell ``cell`` (arrays): the forward interpolant, at load time."""
    c = np.moveaxis(coefficients[cell], -1, 0)
    eps = c[0] + t * (c[1] + t * (c[2] + t * (c[3] + t * (c[4] + t * c[5]))))
    d1 = (c[1] + t * (2.0 * c[2] + t * (3.0 * c[3] + t * (4.0 * c[4] + t * 5.0 * c[5])))) / dx
    d2 = (2.0 * c[2] + t * (6.0 * c[3] + t * (12.0 * c[4] + t * 20.0 * c[5]))) / dx**2
    d3 = (6.0 * c[3] + t * (24.0 * c[4] + t * 60.0 * c[5])) / dx**3
    return eps, d1, d2, d3


def _direct_pieces(log_p_start, log_p_end, cell, coefficients, x_start, dx, samples=12):
    """Per piece ``[log_p_start, log_p_end]`` inside grid cell ``cell`` (arrays) the
    quintics in ``s = (ln P - log_p_start) / width`` of ``P / rho``, ``eps`` and ``Gamma``
    (each ``(pieces, 6)``) that interpolate the exact inverse's at the Chebyshev-Lobatto
    points of the piece (so the pieces meet at their ends), and whether all three are
    within FACE_DIRECT_ROUND_OFF of it (relative, at ``samples`` points inside)."""
    width = (log_p_end - log_p_start)[:, None]

    def exact(s):
        log_p = log_p_start[:, None] + width * s
        cells = np.broadcast_to(cell[:, None], log_p.shape)
        t = _exact_log_rho_of_log_p(log_p, cells, coefficients, x_start, dx)
        eps, d1, d2, _ = _cell_derivatives(t, cells, coefficients, dx)
        return d1, eps, 1.0 + d2 / d1          # P / rho, eps, Gamma

    vandermonde_inverse = np.linalg.inv(np.vander(_LOBATTO, 6, increasing=True))
    quintics = [values @ vandermonde_inverse.T for values in exact(_LOBATTO)]
    s = (np.arange(samples) + 0.5) / samples
    accurate = np.ones(cell.shape, dtype=bool)
    for c, values in zip(quintics, exact(s), strict=True):
        c = c.T[:, :, None]
        fit = c[0] + s * (c[1] + s * (c[2] + s * (c[3] + s * (c[4] + s * c[5]))))
        accurate &= np.max(np.abs(fit / values - 1.0), axis=1) <= FACE_DIRECT_ROUND_OFF
    return quintics, accurate


def _face_inverse(coefficients, log_p_nodes, x_start, dx, polytropes, name):
    """The face inverse ``ln P -> ln rho`` (:func:`table_face_cold_state`) as
    one float array (layout: ``FACE_INVERSE_HEADER``, ``FACE_PIECE_FLOATS``).

    A uniform grid in ``ln P`` (``FACE_BINS_PER_E_FOLD``), each bin cut at the grid node
    inside it (at most one), so that every piece lies in one cell of the forward
    interpolant, on which the inverse is smooth (its second derivative jumps at the nodes).
    On a piece ``P / rho``, ``eps`` and ``Gamma`` are quintics of the position in the piece
    (:func:`_direct_pieces`), and the piece is flagged where they are not within
    FACE_DIRECT_ROUND_OFF of the exact inverse's; for those, the position in the grid cell is
    the quintic Hermite interpolant of the inverse's values, first and second derivatives at
    the piece's ends (:func:`_inverse_piece`): exact at the ends, continuous with its first
    derivative from piece to piece, the start of a Newton step. Checked: at most one node per
    bin, and ``ln rho`` increasing on every piece (sampled). ``polytropes = (a_low, b_low,
    a_high, b_high)``: ``ln rho = a + b ln P`` below and above the grid."""
    n = coefficients.shape[0]
    bins = max(int(math.ceil((log_p_nodes[-1] - log_p_nodes[0]) * FACE_BINS_PER_E_FOLD)), 1)
    width = (log_p_nodes[-1] - log_p_nodes[0]) / bins
    edges = log_p_nodes[0] + width * np.arange(bins + 1)
    edges[-1] = log_p_nodes[-1]
    first = np.searchsorted(log_p_nodes, edges[:-1], side="right")   # first node > left edge
    last = np.searchsorted(log_p_nodes, edges[1:], side="left")       # nodes < right edge
    _require(np.all(last - first <= 1), name, "a bin of the face inverse holds two grid "
             "nodes (raise FACE_BINS_PER_E_FOLD)")
    cell = np.clip(first - 1, 0, n - 1)
    has_node = last > first
    node = np.where(has_node, log_p_nodes[np.minimum(first, n)], edges[1:])
    left = _inverse_piece(edges[:-1], node, cell, coefficients, x_start, dx)
    right_start = np.where(has_node, node, edges[:-1])
    right_cell = np.where(has_node, np.minimum(cell + 1, n - 1), cell)
    right = _inverse_piece(right_start, edges[1:], right_cell, coefficients, x_start, dx)
    s = np.linspace(0.0, 1.0, 33)[:, None]
    for c in (left.T, right.T):
        slope = c[1] + s * (2.0 * c[2] + s * (3.0 * c[3] + s * (4.0 * c[4] + s * 5.0 * c[5])))
        _require(np.all(slope > 0.0), name, "the face inverse is not increasing")
    columns = [np.where(has_node, node, np.inf)]
    for start, end, t_quintic, k in ((edges[:-1], node, left, cell),
                                     (right_start, edges[1:], right, right_cell)):
        (q, e, g), accurate = _direct_pieces(start, end, k, coefficients, x_start, dx)
        columns += [start, 1.0 / (end - start), t_quintic, k, ~accurate, q, e, g]
    pieces = np.column_stack(columns)
    header = np.array([edges[0], 1.0 / width, float(bins), *polytropes])
    return np.concatenate((header, pieces.ravel()))


class TabulatedEOS(ColdCurve):
    """A cold barotropic EOS from a table of ``(P, e)`` (code units), with the Python
    interface of :class:`~source.matter.eos.piecewise_polytrope.PiecewisePolytrope`'s cold
    curve (what the TOV solver, the mode solver and the evolution EOS use).

    Parameters
    ----------
    pressure, energy_density : array_like
        The table's rows (increasing), code units.
    name : str
    points_per_e_fold : int
        Resolution of the uniform grid in ``ln rho``.
    source : dict, optional
        Where the table came from (path, format, sha256), recorded with a run.
    """

    def __init__(self, pressure, energy_density, name="table", points_per_e_fold=None,
                 source=None):
        from scipy.integrate import solve_ivp
        from scipy.interpolate import PchipInterpolator

        self.name = name
        self.source = dict(source or {})
        pressure, energy, dropped = _clean(pressure, energy_density, name)
        self.dropped_leading_rows = dropped
        self.table_pressure, self.table_energy_density = pressure, energy
        points = POINTS_PER_E_FOLD if points_per_e_fold is None else int(points_per_e_fold)
        _require(points >= 4, name, f"points_per_e_fold must be >= 4 (got {points})")
        self.points_per_e_fold = points

        ln_p_of_ln_e = PchipInterpolator(np.log(energy), np.log(pressure), extrapolate=True)
        dln_p_dln_e = ln_p_of_ln_e.derivative()
        gamma_low = float(dln_p_dln_e(np.log(energy[0])) * (energy[0] + pressure[0])
                          / energy[0])
        _require(gamma_low > 1.0, name, f"the lowest rows need d ln p / d ln rho > 1 "
                 f"(got {gamma_low:.4g})")
        rho_start = energy[0] - pressure[0] / (gamma_low - 1.0)
        _require(rho_start > 0.0, name, "the first row has p too large for a polytropic "
                 "surface continuation")
        eps_start = pressure[0] / ((gamma_low - 1.0) * rho_start)

        ln_e_max = math.log(energy[-1])

        def pressure_of(e):
            return np.exp(ln_p_of_ln_e(np.log(e)))

        def rhs(x, y):
            rho = math.exp(x)
            return [float(pressure_of(rho * (1.0 + y[0]))) / rho]

        def top(x, y):
            return math.log(math.exp(x) * (1.0 + y[0])) - ln_e_max
        top.terminal = True

        x_start = math.log(rho_start)
        span = math.log(energy[-1] / energy[0]) + 1.0
        probe = solve_ivp(rhs, (x_start, x_start + span), [eps_start], method="DOP853",
                          rtol=1e-12, atol=1e-30, events=top)
        _require(probe.status == 1, name, "the first-law integration did not reach the "
                 "last row")
        x_end = float(probe.t_events[0][0])
        num_cells = max(int(math.ceil((x_end - x_start) * points)), 8)
        dx = (x_end - x_start) / num_cells
        x = x_start + dx * np.arange(num_cells + 1)
        x[-1] = x_end
        sol = solve_ivp(rhs, (x_start, x_end), [eps_start], method="DOP853", rtol=1e-12,
                        atol=1e-30, t_eval=x)
        _require(sol.success, name, f"the first-law integration failed ({sol.message})")
        rho = np.exp(x)
        eps = sol.y[0]
        e = rho * (1.0 + eps)
        p = pressure_of(e)
        gamma = dln_p_dln_e(np.log(e)) * (e + p) / e
        d1 = p / rho
        d2 = d1 * (gamma - 1.0)
        self.grid_log_rho = x
        self.grid_eps = eps
        coefficients = _quintic_coefficients(eps, d1, d2, dx)
        top_rho = float(rho[-1])
        # the inverse P -> rho: ln P at the nodes and a uniform ln P index of cells
        log_p_nodes = np.log(rho * d1)
        _require(np.all(np.diff(log_p_nodes) > 0.0), name,
                 "the interpolated pressure does not increase")
        p_bins = max(int(math.ceil((log_p_nodes[-1] - log_p_nodes[0]) * points)), 1)
        dlog_p = (log_p_nodes[-1] - log_p_nodes[0]) / p_bins
        p_bin_starts = log_p_nodes[0] + dlog_p * np.arange(p_bins + 1)
        cell_of_p_bin = np.clip(np.searchsorted(log_p_nodes, p_bin_starts, side="right") - 1,
                                0, num_cells - 1).astype(np.int64)
        # the polytropes P = rho q (rho / rho_ref)^(Gamma - 1): ln rho = a + b ln P with
        # b = 1 / Gamma, a = ((Gamma - 1) ln rho_ref - ln q) / Gamma
        polytropes = []
        for g, rho_ref, q in ((gamma_low, rho_start, pressure[0] / rho_start),
                              (float(gamma[-1]), top_rho, float(d1[-1]))):
            polytropes += [((g - 1.0) * math.log(rho_ref) - math.log(q)) / g, 1.0 / g]
        self.kernel_table = ColdTable(
            table_log_rho_start=float(x_start), table_inv_dlog=1.0 / dx,
            table_num_cells=float(num_cells), table_rho_low=float(rho_start),
            table_q_low=float(pressure[0] / rho_start), table_gamma_low=gamma_low,
            table_rho_top=top_rho,
            table_gamma_high=float(gamma[-1]), table_q_top=float(d1[-1]),
            table_eps_top=float(eps[-1]),
            table_log_p_start=float(log_p_nodes[0]), table_inv_dlog_p=1.0 / dlog_p,
            table_num_p_bins=float(cell_of_p_bin.size),
            table_data=np.concatenate((
                coefficients.ravel(),
                _inverse_coefficients(coefficients, log_p_nodes, dx).ravel(),
                log_p_nodes, cell_of_p_bin.astype(np.float64),
                _face_inverse(coefficients, log_p_nodes, x_start, dx, polytropes, name))))
        self.coefficients = coefficients
        self.log_p_nodes = log_p_nodes
        self.rho_start = float(rho_start)
        self.rho_top = top_rho

        # the inverse eta -> rho: eta at the nodes and a uniform ln(eta) index of cells
        eta_nodes = np.log1p(eps + d1)
        _require(np.all(np.diff(eta_nodes) > 0.0) and np.all(np.diff(p) > 0.0), name,
                 "the interpolated enthalpy or pressure does not increase")
        self.eta_nodes = eta_nodes
        log_eta = np.log(eta_nodes)
        bins = max(int(math.ceil((log_eta[-1] - log_eta[0]) * _ETA_BINS_PER_E_FOLD)), 1)
        dlog_eta = (log_eta[-1] - log_eta[0]) / bins
        bin_starts = log_eta[0] + dlog_eta * np.arange(bins + 1)
        cell_of_bin = np.clip(np.searchsorted(eta_nodes, np.exp(bin_starts), side="right")
                              - 1, 0, num_cells - 1).astype(np.int64)
        self._inverse = (eta_nodes, cell_of_bin, float(log_eta[0]), 1.0 / dlog_eta)

        self.report = self._check()
        self.rho_causal = self.report["rho_causal"]
        self.rho_max = min(self.rho_causal, self.rho_top)
        self.eta_max = float(self.log_enthalpy(self.rho_max))
        self.log_enthalpy_breaks = ()

    # ------------------------------------------------------------------ construction helpers
    @classmethod
    def from_file(cls, path, points_per_e_fold=None, sha256=None):
        """The table in ``path``: a LALSimulation file or a CompOSE directory. With
        ``sha256`` (a restart's record of the table) the file must still have that hash."""
        pressure, energy, fmt = read_table(path)
        path = Path(path)
        digest = table_sha256(path)
        if sha256 is not None and sha256 != digest:
            raise ValueError(f"eos table {path}: the file changed since the run it restarts "
                             f"(sha256 {digest[:12]}..., recorded {sha256[:12]}...)")
        return cls(pressure, energy, name=f"table {path.name}",
                   points_per_e_fold=points_per_e_fold,
                   source={"path": str(path), "format": fmt, "sha256": digest})

    @classmethod
    def from_cold_curve(cls, cold, rho, name=None, points_per_e_fold=None):
        """A table sampled from another cold EOS object ``cold`` at the densities ``rho``
        (rows ``P(rho)``, ``e(rho)``)."""
        rho = np.asarray(rho, dtype=np.float64)
        return cls(cold.pressure(rho), cold.energy_density(rho),
                   name=name or f"table of {cold.name}", points_per_e_fold=points_per_e_fold)

    def _check(self):
        """Consistency and causality on a grid 4x finer than the interpolant's."""
        x = np.linspace(self.grid_log_rho[0], self.grid_log_rho[-1],
                        4 * (self.grid_log_rho.size - 1) + 1)
        rho = np.exp(x)
        p = self.pressure(rho)
        h = self.enthalpy(rho)
        cs2 = self.sound_speed_squared(rho)
        if not (np.all(np.diff(p) > 0.0) and np.all(np.diff(h) > 0.0) and np.all(cs2 > 0.0)):
            raise ValueError(f"eos table {self.name}: the interpolant is not monotone "
                             f"(P, h increasing and c_s^2 > 0 fail)")
        above = np.nonzero(cs2 >= 1.0)[0]
        rho_causal = math.inf
        if above.size:
            j = int(above[0])
            lo, hi = (float(rho[j - 1]), float(rho[j])) if j > 0 else (float(rho[0]),) * 2
            for _ in range(200):
                mid = math.sqrt(lo * hi)
                if not lo < mid < hi:
                    break
                if self.sound_speed_squared(mid) >= 1.0:
                    hi = mid
                else:
                    lo = mid
            rho_causal = hi
        return {"rho_causal": rho_causal, "max_sound_speed_squared": float(cs2.max()),
                "grid_cells": int(self.grid_log_rho.size - 1),
                "table_rows": int(self.table_pressure.size),
                "dropped_leading_rows": self.dropped_leading_rows}

    # ------------------------------------------------------------------ vectorised functions
    def _map(self, which, flat, out):
        _map_table(which, flat, self.kernel_table, self._inverse, out)

    def pressure(self, rho):
        """Cold pressure ``P(rho)``."""
        return self._apply(_PRESSURE, rho)

    def specific_internal_energy(self, rho):
        """Cold ``eps(rho)``."""
        return self._apply(_EPS, rho)

    def adiabatic_index(self, rho):
        """``Gamma_1 = d ln P / d ln rho`` of the interpolant."""
        return self._apply(_GAMMA, rho)

    gamma1 = adiabatic_index

    def enthalpy_minus_one(self, rho):
        return self._apply(_H_MINUS_ONE, rho)

    def enthalpy(self, rho):
        return 1.0 + self.enthalpy_minus_one(rho)

    def log_enthalpy(self, rho):
        return np.log1p(self.enthalpy_minus_one(rho))

    def sound_speed_squared(self, rho):
        """``c_s^2 = Gamma P / (rho h)`` of the interpolant (continuous)."""
        rho = np.asarray(rho, dtype=np.float64)
        safe = np.where(rho > 0.0, rho, 1.0)
        out = np.where(rho > 0.0, self.adiabatic_index(safe) * self.pressure(safe)
                       / (safe * self.enthalpy(safe)), 0.0)
        return out[()] if out.ndim == 0 else out

    def rest_mass_density_of_pressure(self, press):
        """Inverse of :meth:`pressure` (0 for ``P <= 0``)."""
        return self._apply(_RHO_OF_PRESSURE, press)

    def rest_mass_density_of_log_enthalpy(self, eta):
        """Inverse of :meth:`log_enthalpy` (0 for ``eta <= 0``)."""
        return self._apply(_RHO_OF_ETA, eta)

    def state_of_log_enthalpy(self, eta):
        """``(rho, P, e)`` at a scalar log-enthalpy (the TOV right-hand side's call)."""
        rho = float(self.rest_mass_density_of_log_enthalpy(float(eta)))
        if not rho > 0.0:
            return rho, rho, rho
        p, eps, _ = table_cold_state(rho, self.kernel_table)
        return rho, p, rho * (1.0 + eps)

    def describe(self):
        """Text summary."""
        r = self.report
        return (f"{self.name}: {r['table_rows']} rows, {r['grid_cells']} cells of "
                f"d ln rho = {1.0 / self.points_per_e_fold:.4g}, rho in "
                f"[{self.rho_start:.4e}, {self.rho_top:.4e}], c_s = 1 at "
                f"{self.rho_causal:.4e} (code units)")

    def __repr__(self):
        return f"TabulatedEOS(name={self.name!r}, rows={self.table_pressure.size})"
