"""``source.jit.unowned``: a bundle's arrays as views that hold no reference.

The views must be the same data (reads and writes go through to the caller's arrays), the
scalars unchanged, and the views must have no owner: then compiled code that binds the
bundle (every inlined call in a cell loop) counts no references (the table EOS's Cowling
step spent 29 % of its time in those atomic counts).
"""

from collections import namedtuple

import numpy as np
import pytest
from numba import njit, types
from numba.core.errors import TypingError
from numba.extending import intrinsic
from numba.np.arrayobj import make_array

from source.jit import unowned

Bundle = namedtuple("Bundle", ("scale", "data", "count"))


@njit
def _sum_and_write(bundle):
    view = unowned(bundle)
    view.data[0] = -1.0                      # a write through the view
    return view.scale * view.data.sum() + view.count, view.data.shape[0]


def test_views_are_the_same_data():
    data = np.arange(1.0, 6.0)
    total, size = _sum_and_write(Bundle(2.0, data, 3))
    assert data[0] == -1.0                   # the caller's array was written
    assert total == 2.0 * (-1.0 + 2.0 + 3.0 + 4.0 + 5.0) + 3
    assert size == 5


def test_only_tuples_of_arrays_and_scalars():
    @njit
    def of_array(a):
        return unowned(a)

    @njit
    def of_nested(t):
        return unowned(t)

    with pytest.raises(TypingError, match="unowned takes a tuple"):
        of_array(np.zeros(3))
    with pytest.raises(TypingError, match="only arrays and scalars"):
        of_nested((1.0, (np.zeros(2), 2.0)))


@intrinsic
def _meminfo_address(typingctx, array):
    """The address of ``array``'s reference-counted owner (0: none)."""
    def codegen(context, builder, signature, args):
        meminfo = make_array(signature.args[0])(context, builder, args[0]).meminfo
        return builder.ptrtoint(meminfo, context.get_value_type(types.intp))
    return types.intp(array), codegen


@njit
def _owners(bundle):
    return _meminfo_address(bundle.data), _meminfo_address(unowned(bundle).data)


def test_views_hold_no_reference():
    """The caller's array has an owner whose count compiled code increments atomically
    wherever the bundle is bound; the view has none (Numba skips the count of a null
    owner), so binding it costs nothing."""
    owned, viewed = _owners(Bundle(2.0, np.zeros(4), 3))
    assert owned != 0
    assert viewed == 0
