"""The lazily built dense derivative matrices (reference interface) agree with the banded
stencil kernels the solver uses."""

import numpy as np

from source.core.derivatives import Derivatives
from source.core.spacing import LinearSpacing


def test_dense_matrices_match_stencils():
    sp = LinearSpacing(60, 6.0)
    d = Derivatives(sp)
    r = sp[0]
    f = np.exp(-r**2) * np.cos(r)
    m = d.dxn_matrix
    assert m.shape == (7, 60, 60)
    np.testing.assert_allclose(f @ m[1].T, d.first(f), rtol=0, atol=1e-13)
    np.testing.assert_allclose(f @ m[2].T, d.second(f), rtol=0, atol=1e-12)
    np.testing.assert_allclose(f @ d.drn_matrix[1].T, d.first(f), rtol=0, atol=1e-13)
    upwind = r > 1.0
    a = d.advec_x_matrix
    dense_adv = np.where(upwind, f @ a[1].T, f @ a[0].T)
    np.testing.assert_allclose(dense_adv, d.advection(f, upwind), rtol=0, atol=1e-13)
    # 6th difference / h^6 applied to x^6 / 720 gives 1 at interior points
    x6 = r**6 / 720.0
    np.testing.assert_allclose((x6 @ m[6].T)[3:-3], 1.0, rtol=1e-6)
    # the ghost rows are zero
    assert not np.any(m[1][:3]) and not np.any(m[1][-3:])
