"""The kind tests of kernels outside eos.py (``len(eos) in COLD_ONLY_LENGTHS`` /
``WITH_COLD_CURVE_LENGTHS``): they name the right kinds, and Numba prunes the other kinds'
branches at compile time (a branch that cannot be typed for the kind would fail to compile)."""

import pytest
from numba import njit

from source.matter.eos.eos import (
    BAROTROPIC_LEN,
    BAROTROPIC_TABLE_LEN,
    COLD_ONLY_LENGTHS,
    HYBRID_LEN,
    HYBRID_TABLE_LEN,
    IDEAL_GAS_LEN,
    KIND_LENGTHS,
    WITH_COLD_CURVE_LENGTHS,
    HybridEOS,
    IdealGasEOS,
    PolytropicEOS,
)
from source.matter.eos.eos_catalogue import eos_from_catalogue


def test_the_kind_sets():
    assert set(COLD_ONLY_LENGTHS) == {BAROTROPIC_LEN, BAROTROPIC_TABLE_LEN}
    assert set(WITH_COLD_CURVE_LENGTHS) == set(KIND_LENGTHS.values()) - {IDEAL_GAS_LEN}
    assert {HYBRID_LEN, HYBRID_TABLE_LEN}.isdisjoint(COLD_ONLY_LENGTHS)


@njit(cache=False)
def _cold_only_or_gamma_th(eos):
    if len(eos) in COLD_ONLY_LENGTHS:
        return -1.0
    return eos.gamma_th  # a barotropic tuple has no gamma_th: untypable unless pruned


@njit(cache=False)
def _ideal_or_far_field(eos):
    if len(eos) in WITH_COLD_CURVE_LENGTHS:
        return eos[10]  # out of range of the ideal gas's 3-tuple: untypable unless pruned
    return eos.gamma_th


@pytest.mark.parametrize("make", [lambda: PolytropicEOS(100.0, 2.0),
                                  lambda: HybridEOS(eos_from_catalogue("SLy"), 1.8)],
                         ids=["barotropic", "hybrid"])
def test_branches_of_other_kinds_are_pruned(make):
    eos = make()
    expected = -1.0 if len(eos.params) == BAROTROPIC_LEN else eos.gamma_th
    assert _cold_only_or_gamma_th(eos.params) == expected
    assert _ideal_or_far_field(IdealGasEOS(1.7).params) == 1.7
