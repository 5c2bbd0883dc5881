"""Flat spherical reference metric hat-gamma = diag(1, r^2, r^2 sin^2 theta) at the equator."""

import numpy as np

i_r, i_t, i_p = 0, 1, 2
sintheta = 1.0
sin2theta = 1.0
costheta = 0.0
cos2theta = 0.0


class FlatSphericalBackground:
    """Scaling vector s = (1, r, r), hat-gamma and its Christoffel symbols.

    1/r in the Christoffels is evaluated as 1/max(|r|, 1e-30) with the sign of r, which is
    finite at every grid point (no point sits at r = 0).
    """

    def __init__(self, r):
        r = np.asarray(r, dtype=float)
        self.r = r
        self.N = r.size
        one = np.ones_like(r)
        self.scaling_vector = np.stack([one, r, r], axis=-1)
        with np.errstate(divide="ignore"):
            self.inverse_scaling_vector = np.stack([one, 1.0 / r, 1.0 / r], axis=-1)
        self.hat_gamma_LL = np.zeros((self.N, 3, 3))
        self.hat_gamma_LL[:, 0, 0] = 1.0
        self.hat_gamma_LL[:, 1, 1] = r**2
        self.hat_gamma_LL[:, 2, 2] = r**2
        self.det_hat_gamma = r**4
        inv_r = np.sign(r) / np.maximum(np.abs(r), 1e-30)
        chris = np.zeros((self.N, 3, 3, 3))   # [x, i, j, k] = hat-Gamma^i_jk
        chris[:, i_r, i_t, i_t] = -r
        chris[:, i_r, i_p, i_p] = -r
        chris[:, i_t, i_r, i_t] = inv_r
        chris[:, i_t, i_t, i_r] = inv_r
        chris[:, i_p, i_r, i_p] = inv_r
        chris[:, i_p, i_p, i_r] = inv_r
        self.hat_christoffel = chris
