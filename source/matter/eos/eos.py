r"""Equations of state: one interface for the compiled kernels and for Python.

Three kinds, each described by a named tuple (``EOSKernelParams.build``: the ideal gas's
``(kind, gamma_th, rho_max)``, the barotropic ``(kind, rho_max, <cold curve>)``, the hybrid
``(kind, gamma_th, rho_max, <cold curve>)``) that every compiled kernel takes *by value*. The
cold curve is a piecewise polytrope (its padded pieces, floats only: Numba's parallel loops
accept flat tuples of scalars and nothing nested) or a table (``tabulated.TABLE_FIELDS``:
floats and one coefficient array). The kernels are compiled once per kind, with only that
kind's code (see ``EOSKernelParams``):

* **ideal gas** (``EOS_IDEAL_GAS``): ``P = (Gamma - 1) rho eps`` with ``Gamma = gamma_th``;
  no cold part (``eps >= 0``).
* **barotropic** (``EOS_BAROTROPIC``): the cold curve alone, ``P = P_cold(rho)``,
  ``eps = eps_cold(rho)``; the energy equation is redundant. The cold curve is a piecewise
  polytrope (Read, Lackey, Owen & Friedman 2009, PRD 79, 124032; one piece = the polytrope
  ``P = K rho^Gamma``, :mod:`source.matter.eos.piecewise_polytrope`) or a table
  (:mod:`source.matter.eos.tabulated`).
* **hybrid** (``EOS_HYBRID``): the cold curve plus a thermal ideal-gas part (Shibata,
  Taniguchi & Uryu 2005, PRD 71, 084021, eq. 2.6 ff.; Bauswein, Janka & Oechslin 2010)

      P(rho, eps) = P_cold(rho) + (Gamma_th - 1) rho (eps - eps_cold(rho)),
      c_s^2 h     = Gamma_i P_cold / rho + Gamma_th (Gamma_th - 1) (eps - eps_cold),

  valid for ``eps >= eps_cold(rho)`` (the cons2prim solver clamps to that range).

For every kind ``h = 1 + eps + P / rho`` and ``c_s^2 = (dP/drho|_eps + P/rho^2 dP/deps|_rho)
/ h``. The ideal gas with ``Gamma`` and the hybrid of the polytrope ``K rho^Gamma`` with
``Gamma_th = Gamma`` are the same EOS (analytically).

The pieces are the piecewise polytrope's six rows (``flat_pieces``), each padded to
``MAX_PIECES`` entries (unused pieces start at infinite density), so that every piecewise
polytrope has the same Numba type and the kernels compile once per kind for all of them;
``params.pieces`` (Python, six rows) and ``eos_pieces(params)`` (compiled, flat) return them.

Point-wise functions (``@njit``, used by cons2prim, the Riemann solvers, the atmosphere and
initial data): ``eos_cold``, ``eos_cold_enthalpy_minus_one``, ``eos_pressure``,
``eos_eps_from_rho_p``, ``eos_thermo``, ``eos_sound_speed_squared`` and
``eos_clamped_eps_and_a`` (Kastaun's EOS step; ``eos_cold_reference``,
``eos_shifted_eps_and_a`` and ``eos_clamped_eps_and_a_near`` its per-cell shortcut),
``eos_density_variable`` and ``eos_density_of_variable`` (the variable the face density
is reconstructed in), ``eos_face_state`` (that inverse with the cold state there) and
``eos_thermo_with_cold`` (``eos_thermo`` given the cold state). The Python classes
(``IdealGasEOS``, ``PolytropicEOS``, ``BarotropicEOS``, ``HybridEOS``) hold the parameters
and apply the same functions to arrays.
"""

import math
from collections import namedtuple

import numpy as np
from numba import njit

from .piecewise_polytrope import (
    COLD_SHIFT_MAX_X,
    NUM_PIECE_ROWS,
    PIECE_ETA,
    PIECE_GAMMA,
    PIECE_RHO,
    PiecewisePolytrope,
    pwp_cold_shifted,
    pwp_cold_state,
    pwp_cold_state_of_pressure,
    pwp_density_of_pressure,
    pwp_enthalpy_minus_one,
    pwp_piece_of_density,
    pwp_pressure,
)
from .tabulated import (
    TABLE_FIELDS,
    TabulatedEOS,
    table_cold_reference,
    table_cold_shifted,
    table_cold_state,
    table_enthalpy_minus_one,
    table_face_cold_state,
)

EOS_IDEAL_GAS = 0
EOS_BAROTROPIC = 1
EOS_HYBRID = 2
EOS_KIND_NAMES = {EOS_IDEAL_GAS: "ideal_gas", EOS_BAROTROPIC: "barotropic",
                  EOS_HYBRID: "hybrid"}

#: Pieces the compiled kernels hold (the SLy-crust fits of the catalogue use 7).
MAX_PIECES = 8

# the cold part of the ideal gas, as a piecewise polytrope's rows (Python-side only)
_NO_COLD_PART = ((0.0,), (0.0,), (2.0,), (0.0,), (0.0,), (0.0,))

_PIECE_FIELDS = tuple(f"piece_{row}_{i}" for row in range(NUM_PIECE_ROWS)
                      for i in range(MAX_PIECES))
#: Floats of the padded pieces (the last fields of the barotropic and hybrid tuples).
PIECE_FLOATS = len(_PIECE_FIELDS)
_PIECES_START = -PIECE_FLOATS   # a constant, so that Numba slices the tuple statically


class EOSKernelParams:
    """The EOS as the compiled kernels see it: a named tuple, one class per kind.

    ``kind`` (EOS_IDEAL_GAS, EOS_BAROTROPIC or EOS_HYBRID, as a float) comes first, then what
    the kind needs: ``gamma_th`` (Gamma of the ideal gas, thermal index of the hybrid),
    ``rho_max`` (validity range 0 < rho <= rho_max: the cold curve's causal limit) and the
    padded pieces of the cold curve or its table. The tuples have different lengths
    (``KIND_LENGTHS``, checked at import), and the compiled point functions
    test the kind as ``len(eos) == ..._LEN``: Numba rewrites the length of a tuple argument as
    a constant and prunes the other kinds' branches before typing, so a run compiles only the
    code of its own EOS (a cold ideal-gas start compiles 3 s less than with all three kinds).
    A kind test therefore lives in a function that receives ``eos`` as an argument and is not
    inlined (``inline="always"`` code is not pruned this way).
    """

    __slots__ = ()

    @staticmethod
    def build(kind, gamma_th, rho_max, pieces=None, table=None):
        """The parameters of ``kind`` on the cold curve ``pieces`` (a piecewise polytrope's
        six rows, padded here) or ``table`` (a tabulated curve's ``ColdTable``); neither is
        used by the ideal gas."""
        kind = int(kind)
        if kind == EOS_IDEAL_GAS:
            return IdealGasParams(float(kind), float(gamma_th), float(rho_max))
        if kind not in (EOS_BAROTROPIC, EOS_HYBRID):
            raise ValueError(f"unknown EOS kind {kind}")
        if (pieces is None) == (table is None):
            raise ValueError("the barotropic and hybrid kinds need pieces or a table")
        thermal = (float(gamma_th),) if kind == EOS_HYBRID else ()
        if table is not None:
            cls = HybridTableParams if kind == EOS_HYBRID else BarotropicTableParams
            return cls(float(kind), *thermal, float(rho_max), *table)
        cls = HybridParams if kind == EOS_HYBRID else BarotropicParams
        return cls(float(kind), *thermal, float(rho_max), *pad_pieces(pieces))

    @property
    def pieces(self):
        """The six padded rows ``(rho_start, K, Gamma, eps_start, q_start, eta_start)``
        (Python; the kernels read them flat with ``eos_pieces``; the ideal gas has no cold
        part; a table has no pieces)."""
        if isinstance(self, BarotropicTableParams | HybridTableParams):
            raise AttributeError("a tabulated cold curve has no pieces")
        flat = self[_PIECES_START:] if len(self) > IDEAL_GAS_LEN else pad_pieces(_NO_COLD_PART)
        return tuple(tuple(flat[row * MAX_PIECES:(row + 1) * MAX_PIECES])
                     for row in range(NUM_PIECE_ROWS))


class IdealGasParams(EOSKernelParams, namedtuple("IdealGasParams",
                                                  ("kind", "gamma_th", "rho_max"))):
    __slots__ = ()


class BarotropicParams(EOSKernelParams, namedtuple("BarotropicParams",
                                                    ("kind", "rho_max") + _PIECE_FIELDS)):
    __slots__ = ()


class HybridParams(EOSKernelParams, namedtuple("HybridParams",
                                                ("kind", "gamma_th", "rho_max")
                                                + _PIECE_FIELDS)):
    __slots__ = ()


class BarotropicTableParams(EOSKernelParams, namedtuple("BarotropicTableParams",
                                                         ("kind", "rho_max") + TABLE_FIELDS)):
    __slots__ = ()


class HybridTableParams(EOSKernelParams, namedtuple("HybridTableParams",
                                                     ("kind", "gamma_th", "rho_max")
                                                     + TABLE_FIELDS)):
    __slots__ = ()


IDEAL_GAS_LEN = len(IdealGasParams._fields)
BAROTROPIC_LEN = len(BarotropicParams._fields)
HYBRID_LEN = len(HybridParams._fields)
BAROTROPIC_TABLE_LEN = len(BarotropicTableParams._fields)
HYBRID_TABLE_LEN = len(HybridTableParams._fields)
#: The kernels tell the kinds apart by these lengths alone: they must all differ.
KIND_LENGTHS = {IdealGasParams: IDEAL_GAS_LEN, BarotropicParams: BAROTROPIC_LEN,
                HybridParams: HYBRID_LEN, BarotropicTableParams: BAROTROPIC_TABLE_LEN,
                HybridTableParams: HYBRID_TABLE_LEN}
if len(set(KIND_LENGTHS.values())) != len(KIND_LENGTHS):
    raise ImportError(f"two EOS kinds have kernel tuples of one length: {KIND_LENGTHS}")
#: The kind tests of kernels outside this module: ``len(eos) in COLD_ONLY_LENGTHS`` (the
#: barotropic kinds: the cold curve alone) and ``len(eos) in WITH_COLD_CURVE_LENGTHS`` (every
#: kind but the ideal gas). Numba folds ``len`` of a tuple argument and ``in`` a global tuple
#: of ints to a constant and prunes the other kinds' branches, as for ``len(eos) == ...``; a
#: predicate function (even inlined) is not folded, and every kind's branch would compile.
COLD_ONLY_LENGTHS = (BAROTROPIC_LEN, BAROTROPIC_TABLE_LEN)
WITH_COLD_CURVE_LENGTHS = (BAROTROPIC_LEN, HYBRID_LEN, BAROTROPIC_TABLE_LEN, HYBRID_TABLE_LEN)


def pad_pieces(pieces):
    """A piecewise polytrope's six rows ``pieces`` padded to ``MAX_PIECES`` each and laid out
    flat: unused pieces start at infinite density and log-enthalpy, so that the piece search
    never enters them."""
    n = len(pieces[PIECE_RHO])
    if n > MAX_PIECES:
        raise ValueError(f"the compiled kernels hold at most {MAX_PIECES} pieces (got {n})")
    flat = []
    for row_index, row in enumerate(pieces):
        fill = math.inf if row_index in (PIECE_RHO, PIECE_ETA) else \
            (1.0 if row_index == PIECE_GAMMA else 0.0)
        flat.extend(float(x) for x in row)
        flat.extend([fill] * (MAX_PIECES - n))
    return tuple(flat)


@njit(cache=True, error_model="numpy")
def eos_pieces(eos):
    """The flat padded pieces of ``eos`` (compiled; call it outside parallel loop bodies'
    inlined code: a tuple cannot cross into a parallel region)."""
    return eos[_PIECES_START:]


# ---------------------------------------------------------------------------------------------
# Point-wise functions (compiled)
# ---------------------------------------------------------------------------------------------
@njit(cache=True, error_model="numpy")
def eos_cold(eos, rho):
    """Cold part ``(P_cold, eps_cold, Gamma_i)`` at ``rho`` (zeros for the ideal gas and for
    ``rho <= 0``; ``Gamma_i = d ln P_cold / d ln rho``, the exponent of the piece holding
    ``rho`` for a piecewise polytrope). An unknown kind raises."""
    if len(eos) == IDEAL_GAS_LEN or not rho > 0.0:
        return 0.0, 0.0, 1.0
    if len(eos) == BAROTROPIC_LEN or len(eos) == HYBRID_LEN:
        return pwp_cold_state(rho, eos_pieces(eos))
    if len(eos) == BAROTROPIC_TABLE_LEN or len(eos) == HYBRID_TABLE_LEN:
        return table_cold_state(rho, eos)
    raise TypeError("unknown EOS kind (kernel tuple of an unknown length)")


@njit(cache=True, error_model="numpy")
def eos_cold_enthalpy_minus_one(eos, rho):
    """``h - 1`` of the cold curve at ``rho`` (0 for ``rho <= 0``; barotropic and hybrid
    kinds), without the rounding of adding 1."""
    if len(eos) == BAROTROPIC_LEN or len(eos) == HYBRID_LEN:
        return pwp_enthalpy_minus_one(rho, eos_pieces(eos))
    if len(eos) == BAROTROPIC_TABLE_LEN or len(eos) == HYBRID_TABLE_LEN:
        return table_enthalpy_minus_one(rho, eos)
    raise TypeError("eos_cold_enthalpy_minus_one: the EOS kind has no cold curve")


@njit(cache=True, error_model="numpy")
def eos_pressure(eos, rho, eps):
    """``P(rho, eps)`` (the barotropic EOS ignores ``eps``)."""
    if len(eos) == IDEAL_GAS_LEN:
        return (eos.gamma_th - 1.0) * rho * eps
    p_cold, eps_cold, _ = eos_cold(eos, rho)
    if len(eos) == BAROTROPIC_LEN or len(eos) == BAROTROPIC_TABLE_LEN:
        return p_cold
    return p_cold + (eos.gamma_th - 1.0) * rho * (eps - eps_cold)


@njit(cache=True, error_model="numpy")
def eos_eps_from_rho_p(eos, rho, press):
    """``eps(rho, P)`` (the barotropic EOS ignores ``P``)."""
    if len(eos) == IDEAL_GAS_LEN:
        return press / ((eos.gamma_th - 1.0) * rho)
    p_cold, eps_cold, _ = eos_cold(eos, rho)
    if len(eos) == BAROTROPIC_LEN or len(eos) == BAROTROPIC_TABLE_LEN:
        return eps_cold
    return eps_cold + (press - p_cold) / ((eos.gamma_th - 1.0) * rho)


@njit(cache=True, error_model="numpy")
def eos_sound_speed_squared(eos, rho, eps, press, h):
    """``c_s^2`` of a state ``(rho, eps, P, h)`` that satisfies the EOS (not clipped)."""
    if len(eos) == IDEAL_GAS_LEN:
        return eos.gamma_th * press / (rho * h)
    p_cold, eps_cold, gamma = eos_cold(eos, rho)
    if len(eos) == BAROTROPIC_LEN or len(eos) == BAROTROPIC_TABLE_LEN:
        return gamma * p_cold / (rho * h)
    gth = eos.gamma_th
    return (gamma * p_cold / rho + gth * (gth - 1.0) * (eps - eps_cold)) / h


@njit(cache=True, error_model="numpy")
def eos_thermo(eos, rho, press):
    """``(P, eps, h, c_s^2)`` of a state given by ``(rho, P)`` (a reconstructed face state).

    The barotropic EOS replaces ``P`` by ``P_cold(rho)``: its pressure is a function of the
    density, and taking it from a separately reconstructed ``P`` would give a face state off
    the EOS. The hybrid's ``eps`` is not allowed below the cold curve."""
    return eos_thermo_with_cold(eos, rho, press, eos_cold(eos, rho))


@njit(cache=True, error_model="numpy")
def eos_thermo_with_cold(eos, rho, press, cold):
    """:func:`eos_thermo` given ``cold = eos_cold(eos, rho)`` (or the same to round-off,
    e.g. from :func:`eos_face_state`; the ideal gas ignores it)."""
    if len(eos) == IDEAL_GAS_LEN:
        p_over_rho = press / rho
        eps = p_over_rho / (eos.gamma_th - 1.0)
        h = 1.0 + eps + p_over_rho
        return press, eps, h, eos.gamma_th * p_over_rho / h
    p_cold, eps_cold, gamma = cold
    if len(eos) == BAROTROPIC_LEN or len(eos) == BAROTROPIC_TABLE_LEN:
        h = 1.0 + eps_cold + p_cold / rho
        return p_cold, eps_cold, h, gamma * p_cold / (rho * h)
    gth = eos.gamma_th
    eps_th = (press - p_cold) / ((gth - 1.0) * rho)
    if eps_th < 0.0:
        eps_th = 0.0
        press = p_cold
    eps = eps_cold + eps_th
    h = 1.0 + eps + press / rho
    return press, eps, h, (gamma * p_cold / rho + gth * (gth - 1.0) * eps_th) / h


@njit(cache=True, error_model="numpy")
def eos_clamped_eps_and_a(eos, rho, eps):
    """The EOS step of Kastaun's master function (thermal kinds): ``eps`` clamped to the
    validity range (``eps >= 0`` for the ideal gas; ``rho`` clamped to ``rho_max`` and
    ``eps >= eps_cold(rho)`` for the hybrid) and ``a = P / (rho (1 + eps))``."""
    if len(eos) == IDEAL_GAS_LEN:
        if eps < 0.0:
            eps = 0.0
        return eps, (eos.gamma_th - 1.0) * eps / (1.0 + eps)
    if rho > eos.rho_max:
        rho = eos.rho_max
    p_cold, eps_cold, _ = eos_cold(eos, rho)
    if eps < eps_cold:
        eps = eps_cold
    press = p_cold + (eos.gamma_th - 1.0) * rho * (eps - eps_cold)
    return eps, press / (rho * (1.0 + eps))


# ln(1 - COLD_SHIFT_MAX_X) / 2: how far down ln(rho) moves at most in the shortcut
_COLD_SHIFT_LOG = 0.5 * math.log1p(-COLD_SHIFT_MAX_X)


@njit(cache=True, error_model="numpy")
def eos_cold_reference(eos, rho):
    """The reference state at ``rho`` of :func:`eos_shifted_eps_and_a` (the Kastaun
    iteration's EOS step, which then needs neither the EOS tuple nor a transcendental
    function): ``(usable, Gamma_th, ...)``, floats only but the flag, a tuple whose length
    tells the kind apart at compile time. The hybrid piecewise polytrope
    (``PWP_REFERENCE_LEN``): ``(usable, Gamma_th, P_cold / rho, eps_cold, Gamma_i - 1)``,
    ``usable`` False when ``rho sqrt(1 - COLD_SHIFT_MAX_X)`` lies on a lower piece than
    ``rho``; the hybrid table (``TABLE_REFERENCE_LEN``): ``(usable, Gamma_th, 1 / dx, t,
    c_0, ..., c_5)``, the position in the grid cell of width ``dx`` and the cell's quintic
    (``tabulated.table_cold_reference``), ``usable`` False off the grid or when that density
    lies in a lower cell. ``usable`` is False above ``rho_max`` (the exact
    ``eos_clamped_eps_and_a`` then), and every other kind gets ``(False,)``: so the shifted
    cold curves are compiled only for the kind that uses them."""
    if len(eos) == HYBRID_LEN:
        if 0.0 < rho <= eos.rho_max:
            pieces = eos_pieces(eos)
            p_cold, eps_cold, gamma = pwp_cold_state(rho, pieces)
            lowest = rho * (1.0 - COLD_SHIFT_MAX_X)     # <= rho sqrt(1 - COLD_SHIFT_MAX_X)
            usable = pwp_piece_of_density(lowest, pieces) == pwp_piece_of_density(rho, pieces)
            return usable, eos.gamma_th, p_cold / rho, eps_cold, gamma - 1.0
        return False, eos.gamma_th, 0.0, 0.0, 0.0
    if len(eos) == HYBRID_TABLE_LEN:
        if 0.0 < rho <= eos.rho_max:
            usable, t, c0, c1, c2, c3, c4, c5 = table_cold_reference(rho, eos, _COLD_SHIFT_LOG)
            return usable, eos.gamma_th, eos.table_inv_dlog, t, c0, c1, c2, c3, c4, c5
        return False, eos.gamma_th, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0
    return (False,)


#: Lengths of :func:`eos_cold_reference`'s tuples (the hybrid piecewise polytrope's, the
#: hybrid table's).
PWP_REFERENCE_LEN = 5
TABLE_REFERENCE_LEN = 10


@njit(cache=True, error_model="numpy")
def eos_shifted_eps_and_a(reference, rho, eps, x):
    """:func:`eos_clamped_eps_and_a` at ``rho = rho_ref sqrt(1 - x)`` from a usable
    ``reference = eos_cold_reference(eos, rho_ref)``, for ``x <= COLD_SHIFT_MAX_X``: the
    Kastaun iteration, where ``rho_hat = D / W_hat = D sqrt(1 - v^2)`` and the reference
    is taken once per cell at ``rho_ref = D``. The cold curve at ``rho`` follows from the
    reference with no transcendental function (``pwp_cold_shifted``: no piece search;
    ``table_cold_shifted``: no logarithm, no table read), and the function takes floats
    only: a call with the EOS tuple of a table, which holds arrays, costs reference-count
    operations (measured: more than the step itself). The reference's length selects the
    kind at compile time; a kind without a cold curve never calls it (``usable`` False)."""
    if len(reference) == TABLE_REFERENCE_LEN:
        p_over_rho, eps_cold = table_cold_shifted(reference[3:], reference[2], x)
    elif len(reference) == PWP_REFERENCE_LEN:
        p_over_rho, eps_cold = pwp_cold_shifted(reference[2], reference[3], reference[4], x)
    else:
        return eps, 0.0
    if eps < eps_cold:      # the validity range: eps >= eps_cold(rho)
        eps = eps_cold
    press = rho * p_over_rho + (reference[1] - 1.0) * rho * (eps - eps_cold)
    return eps, press / (rho * (1.0 + eps))


@njit(cache=True, error_model="numpy")
def eos_clamped_eps_and_a_near(eos, rho, eps, reference, x):
    """:func:`eos_clamped_eps_and_a` at ``rho = rho_ref sqrt(1 - x)``, given ``reference =
    eos_cold_reference(eos, rho_ref)``: :func:`eos_shifted_eps_and_a` for a usable
    reference and ``x <= COLD_SHIFT_MAX_X``, otherwise (any other kind, fast or
    relativistic flow) the exact path."""
    if reference[0] and x <= COLD_SHIFT_MAX_X:
        return eos_shifted_eps_and_a(reference, rho, eps, x)
    return eos_clamped_eps_and_a(eos, rho, eps)


@njit(cache=True, error_model="numpy")
def eos_density_variable(eos, rho):
    """The variable in which the face density is reconstructed: the cold pressure
    ``P_cold(rho)`` for the hybrid kinds, ``rho`` itself for the others.

    In a star of a piecewise polytrope ``rho(r)`` has a kink wherever ``Gamma_i`` jumps
    (``d rho / dr = (dP / dr) / (Gamma_i P / rho)`` with ``dP / dr`` continuous), and the
    crust is steep; reconstructed there, the two face densities differ at first order in
    ``dr``, and the Riemann solver's dissipation mixes the two cold states into a hot one (the
    energy density of the cold curve is convex in ``rho``): the energy equation heats the
    star where the barotropic evolution cannot. ``P_cold(r)`` is as smooth as ``P(r)``
    (``C^1`` at the kinks); face densities taken from it, ``P_cold^{-1}(P_face)``, are
    consistent with the cold pressure to the order of the reconstruction. The map is
    monotone, so limiters keep their meaning. A table's ``Gamma`` is continuous but can vary
    fast (crust-core interface, phase transitions): it gets the same treatment. The ideal
    gas has no cold curve, and the barotropic kinds have no energy equation to heat."""
    if len(eos) == HYBRID_LEN:
        return pwp_pressure(rho, eos_pieces(eos))
    if len(eos) == HYBRID_TABLE_LEN:
        return table_cold_state(rho, eos)[0]
    return rho


@njit(cache=True, error_model="numpy")
def eos_density_of_variable(eos, value):
    """Inverse of :func:`eos_density_variable` (a reconstructed face value -> ``rho``; 0 for
    a cold pressure <= 0, which the face limiter floors)."""
    if len(eos) == HYBRID_LEN:
        return pwp_density_of_pressure(value, eos_pieces(eos))
    if len(eos) == HYBRID_TABLE_LEN:
        return table_face_cold_state(value, eos)[0]
    return value


@njit(cache=True, error_model="numpy")
def eos_face_state(eos, value):
    """``(rho, cold)`` of a reconstructed face value of the density variable: ``rho =
    eos_density_of_variable(eos, value)`` and ``cold = (P_cold, eps_cold, Gamma_i)`` there,
    as :func:`eos_cold` gives them to round-off. The hybrid kinds take the cold state from
    the inverse itself (``pwp_cold_state_of_pressure``, ``table_face_cold_state``: it
    knows the piece or the table cell, and ``P_cold`` is the face value), which saves the
    Riemann solver's evaluation of the cold curve at the face; the ideal gas has no cold
    part, the barotropic kinds evaluate it."""
    if len(eos) == HYBRID_LEN:
        rho, p_cold, eps_cold, gamma = pwp_cold_state_of_pressure(value, eos_pieces(eos))
        return rho, (p_cold, eps_cold, gamma)
    if len(eos) == HYBRID_TABLE_LEN:
        rho, p_cold, eps_cold, gamma = table_face_cold_state(value, eos)
        return rho, (p_cold, eps_cold, gamma)
    return value, eos_cold(eos, value)


@njit(cache=True, error_model="numpy")
def _apply(which, eos, x, y, out):
    for k in range(x.size):
        if which == 0:
            out[k] = eos_pressure(eos, x[k], y[k])
        elif which == 1:
            out[k] = eos_eps_from_rho_p(eos, x[k], y[k])
        elif which == 2:
            out[k] = eos_cold(eos, x[k])[0]
        elif which == 3:
            out[k] = eos_cold(eos, x[k])[1]
        else:
            p = eos_pressure(eos, x[k], y[k])
            out[k] = eos_sound_speed_squared(eos, x[k], y[k], p, 1.0 + y[k] + p / x[k])


_PRESSURE, _EPS, _COLD_PRESSURE, _COLD_EPS, _CS2 = range(5)


# ---------------------------------------------------------------------------------------------
# Python classes
# ---------------------------------------------------------------------------------------------
class _EOSBase:
    """Holds ``params`` (the kernels' ``EOSKernelParams``) and applies the point functions to
    arrays."""

    kind = -1

    def _map(self, which, x, y=None):
        x = np.asarray(x, dtype=np.float64)
        y = np.zeros_like(x) if y is None else np.asarray(y, dtype=np.float64)
        x, y = np.broadcast_arrays(x, y)
        out = np.empty(x.shape)
        _apply(which, self.params, np.ascontiguousarray(x).ravel(),
               np.ascontiguousarray(y).ravel(), out.reshape(-1))
        return out if out.ndim else float(out)

    @staticmethod
    def _check_gamma(gamma, name="gamma"):
        if gamma is None:
            raise ValueError(f"{name} must be > 1 (got None)")
        gamma = float(gamma)
        if not math.isfinite(gamma) or gamma <= 1.0:
            raise ValueError(f"{name} must be > 1 (got {gamma})")
        return gamma

    def pressure_from_rho_eps(self, rho0, eps):
        """``P(rho, eps)``."""
        return self._map(_PRESSURE, rho0, eps)

    def eps_from_rho_p(self, rho0, p):
        """``eps(rho, P)``."""
        return self._map(_EPS, rho0, p)

    def cold_pressure(self, rho0):
        return self._map(_COLD_PRESSURE, rho0)

    def cold_eps(self, rho0):
        return self._map(_COLD_EPS, rho0)

    def enthalpy(self, rho0, p, eps):
        return 1.0 + eps + p / rho0

    def enthalpy_from_rho_p(self, rho0, p):
        return self.enthalpy(rho0, p, self.eps_from_rho_p(rho0, p))

    def sound_speed_squared(self, rho0, p, eps):
        """``c_s^2`` of states ``(rho, P, eps)`` on the EOS (``P`` is recomputed from
        ``(rho, eps)``), clipped to ``[0, 1]``."""
        return np.clip(self._map(_CS2, rho0, eps), 0.0, 1.0)

    def validate_state(self, rho0, p, eps=None):
        """True where the state is physical (rho0 > 0, P >= 0, finite, eps >= eps_cold)."""
        ok = np.isfinite(rho0) & np.isfinite(p) & (rho0 > 0) & (p >= 0)
        if eps is not None:
            ok &= np.isfinite(eps) & (eps >= self.cold_eps(np.where(ok, rho0, 1.0)))
        return ok

    def describe(self):
        """JSON-able description (stored with every run)."""
        return {"kind": EOS_KIND_NAMES[self.kind], "name": self.name}


class IdealGasEOS(_EOSBase):
    """Gamma-law EOS ``P = (Gamma - 1) rho0 eps``."""

    kind = EOS_IDEAL_GAS

    def __init__(self, gamma=1.4):
        self.gamma = self._check_gamma(gamma)
        self.gamma_minus_1 = self.gamma - 1.0
        self.K = 0.0
        self.name = f"ideal_gas_gamma_{gamma}"
        self.params = EOSKernelParams.build(EOS_IDEAL_GAS, self.gamma, math.inf)

    def pressure(self, rho0, eps):
        return self.pressure_from_rho_eps(rho0, eps)

    def deps_dp(self, rho0, p):
        return 1.0 / (self.gamma_minus_1 * rho0)

    def deps_drho(self, rho0, p):
        return -p / (self.gamma_minus_1 * rho0**2)

    def describe(self):
        return {**super().describe(), "gamma": self.gamma}


class BarotropicEOS(_EOSBase):
    """The cold curve of a piecewise polytrope (``cold``) as the evolution EOS."""

    kind = EOS_BAROTROPIC

    def __init__(self, cold, name=None):
        self.cold = cold
        self.name = name or f"barotropic_{cold.name}"
        self.params = _build_on_cold(self.kind, 0.0, cold)

    def pressure(self, rho0, eps=None):
        return self.cold_pressure(rho0)

    def eps_from_rho(self, rho0):
        return self.cold_eps(rho0)

    def describe(self):
        return {**super().describe(), "cold": _describe_cold(self.cold)}


class PolytropicEOS(BarotropicEOS):
    """Cold polytrope ``P = K rho0^Gamma`` (barotropic)."""

    def __init__(self, K, gamma):
        if not np.isfinite(K) or K <= 0:
            raise ValueError(f"K must be > 0 (got {K})")
        self.K = float(K)
        self.gamma = self._check_gamma(gamma)
        super().__init__(PiecewisePolytrope.polytrope(self.K, self.gamma),
                         name=f"polytropic_K_{K}_gamma_{gamma}")

    pressure_from_rho = BarotropicEOS.pressure

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

    def describe(self):
        return {**super().describe(), "K": self.K, "gamma": self.gamma}


class HybridEOS(_EOSBase):
    """Cold piecewise polytrope ``cold`` plus a thermal part of index ``gamma_th``."""

    kind = EOS_HYBRID

    def __init__(self, cold, gamma_th, name=None):
        self.cold = cold
        self.gamma_th = self._check_gamma(gamma_th, "gamma_th")
        self.name = name or f"hybrid_{cold.name}_gamma_th_{self.gamma_th}"
        self.params = _build_on_cold(self.kind, self.gamma_th, cold)

    def pressure(self, rho0, eps):
        return self.pressure_from_rho_eps(rho0, eps)

    def describe(self):
        return {**super().describe(), "gamma_th": self.gamma_th,
                "cold": _describe_cold(self.cold)}


def _build_on_cold(kind, gamma_th, cold):
    """Kernel parameters of ``kind`` on the cold curve ``cold`` (a piecewise polytrope or a
    table; TypeError for anything else)."""
    if isinstance(cold, PiecewisePolytrope):
        return EOSKernelParams.build(kind, gamma_th, cold.rho_max, pieces=cold.pieces)
    if isinstance(cold, TabulatedEOS):
        return EOSKernelParams.build(kind, gamma_th, cold.rho_max, table=cold.kernel_table)
    raise TypeError(f"cold must be a PiecewisePolytrope or a TabulatedEOS (got "
                    f"{type(cold).__name__})")


def _describe_cold(cold):
    """The cold curve as numbers that rebuild it: ``PiecewisePolytrope(K0, gammas,
    rho_dividing)``, or a table's source (path, format, sha256), rows and resolution."""
    if isinstance(cold, TabulatedEOS):
        return {"name": cold.name, "table": cold.source,
                "rows": int(cold.table_pressure.size),
                "points_per_e_fold": cold.points_per_e_fold}
    return {"name": cold.name, "K0": cold.K[0], "gammas": list(cold.Gamma),
            "rho_dividing": list(cold.rho_start[1:])}


#: Evolution EOS of a run (``--eos``), built from the star's cold curve.
EVOLUTION_EOS = ("auto", "ideal", "polytrope", "hybrid")


def evolution_eos(name, cold, gamma=None, gamma_th=None):
    """The evolution EOS ``name`` of :data:`EVOLUTION_EOS` for a star whose cold EOS is
    ``cold`` (a ``PiecewisePolytrope``):

    * ``"ideal"``: ``P = (Gamma - 1) rho eps`` with ``gamma`` (only for a one-piece polytrope
      of the same ``Gamma``: then it contains the star's cold curve);
    * ``"polytrope"``: barotropic, the cold curve itself;
    * ``"hybrid"``: the cold curve plus the thermal part ``gamma_th``;
    * ``"auto"``: ``"ideal"`` for a polytrope, ``"hybrid"`` for a piecewise polytrope or a
      table.

    ``cold`` may also be a :class:`TabulatedEOS` (then as a piecewise polytrope).
    """
    polytrope = isinstance(cold, PiecewisePolytrope) and cold.n_pieces == 1
    if name == "auto":
        name = "ideal" if polytrope else "hybrid"
    if name == "ideal":
        if not polytrope or gamma is None or float(gamma) != cold.Gamma[0]:
            raise ValueError("eos: ideal (P = (Gamma - 1) rho eps) does not contain the "
                             "star's cold EOS; use hybrid or polytrope")
        return IdealGasEOS(gamma)
    if name == "polytrope":
        if polytrope:
            return PolytropicEOS(cold.K[0], cold.Gamma[0])
        return BarotropicEOS(cold)
    if name == "hybrid":
        return HybridEOS(cold, gamma_th)
    raise ValueError(f"eos: must be one of {', '.join(EVOLUTION_EOS)} (got {name!r})")


def create_eos(eos_type="ideal", **kw):
    """Factory: ``"ideal"`` (kw: gamma), ``"polytrope"`` (kw: K, gamma), ``"barotropic"``
    (kw: cold) or ``"hybrid"`` (kw: cold, gamma_th)."""
    if eos_type in ("ideal", "ideal_gas"):
        return IdealGasEOS(kw.get("gamma", 1.4))
    if eos_type in ("polytropic", "polytrope"):
        return PolytropicEOS(kw["K"], kw["gamma"])
    if eos_type == "barotropic":
        return BarotropicEOS(kw["cold"])
    if eos_type == "hybrid":
        return HybridEOS(kw["cold"], kw["gamma_th"])
    raise ValueError(f"eos_type must be 'ideal', 'polytrope', 'barotropic' or 'hybrid' "
                     f"(got {eos_type!r})")
