"""Small tensor helpers for spherical symmetry (equator, diagonal metric)."""

from dataclasses import dataclass, field

import numpy as np


@dataclass
class EMTensor:
    """3+1 matter sources: rho = n n T, S_i, S_ij, S = gamma^ij S_ij (physical values)."""

    N: int
    rho: np.ndarray = field(init=False)
    Si: np.ndarray = field(init=False)
    Sij: np.ndarray = field(init=False)
    S: np.ndarray = field(init=False)

    def __post_init__(self):
        self.rho = np.zeros(self.N)
        self.Si = np.zeros((self.N, 3))
        self.Sij = np.zeros((self.N, 3, 3))
        self.S = np.zeros(self.N)


def get_bar_gamma_LL(r, h_LL, background=None):
    """Conformal metric gamma-bar_ij = hat-gamma_ij + s_i s_j h_ij (diagonal, equator)."""
    r = np.asarray(r, dtype=float)
    s = np.stack([np.ones_like(r), r, r], axis=-1)
    hat = np.zeros((r.size, 3, 3))
    hat[:, 0, 0] = 1.0
    hat[:, 1, 1] = r**2
    hat[:, 2, 2] = r**2
    return hat + s[:, :, None] * s[:, None, :] * h_LL

