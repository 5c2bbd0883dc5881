"""Holders of the BSSN variables and of their first radial derivatives.

Tensor fields are kept in the reference layout ((N, 3) vectors, (N, 3, 3) rank 2,
derivative index last); only the radial/diagonal components are non-zero in spherical
symmetry. ``as_state`` goes back to the (12, N) row layout of ``bssnstatevariables``.
"""

import numpy as np

from . import bssnstatevariables as bv


class BSSNVars:
    """BSSN variables on N points (rescaled, reference-metric form)."""

    def __init__(self, N):
        self.N = N
        self.phi = np.zeros(N)
        self.K = np.zeros(N)
        self.lapse = np.ones(N)
        self.h_LL = np.zeros((N, 3, 3))
        self.a_LL = np.zeros((N, 3, 3))
        self.lambda_U = np.zeros((N, 3))
        self.shift_U = np.zeros((N, 3))
        self.b_U = np.zeros((N, 3))

    def set_bssn_vars(self, state):
        """Read rows 0-11 of a (>= 12, N) state."""
        self.phi = np.array(state[bv.idx_phi], dtype=float)
        self.K = np.array(state[bv.idx_K], dtype=float)
        self.lapse = np.array(state[bv.idx_lapse], dtype=float)
        for j, (ih, ia) in enumerate(((bv.idx_hrr, bv.idx_arr), (bv.idx_htt, bv.idx_att),
                                      (bv.idx_hpp, bv.idx_app))):
            self.h_LL[:, j, j] = state[ih]
            self.a_LL[:, j, j] = state[ia]
        self.lambda_U[:, 0] = state[bv.idx_lambdar]
        self.shift_U[:, 0] = state[bv.idx_shiftr]
        self.b_U[:, 0] = state[bv.idx_br]

    def set_bssn_state_vars(self):
        """The (12, N) row layout."""
        s = np.zeros((bv.NUM_BSSN_VARS, self.N))
        s[bv.idx_phi] = self.phi
        s[bv.idx_K] = self.K
        s[bv.idx_lapse] = self.lapse
        for j, (ih, ia) in enumerate(((bv.idx_hrr, bv.idx_arr), (bv.idx_htt, bv.idx_att),
                                      (bv.idx_hpp, bv.idx_app))):
            s[ih] = self.h_LL[:, j, j]
            s[ia] = self.a_LL[:, j, j]
        s[bv.idx_lambdar] = self.lambda_U[:, 0]
        s[bv.idx_shiftr] = self.shift_U[:, 0]
        s[bv.idx_br] = self.b_U[:, 0]
        return s

    as_state = set_bssn_state_vars


class BSSNFirstDerivs:
    """First radial derivatives of the BSSN rows (derivative index last)."""

    def __init__(self, N):
        self.N = N
        self._d_state = np.zeros((bv.NUM_BSSN_VARS, N))
        self.phi = np.zeros((N, 3))
        self.K = np.zeros((N, 3))
        self.lapse = np.zeros((N, 3))
        self.h_LL = np.zeros((N, 3, 3, 3))
        self.a_LL = np.zeros((N, 3, 3, 3))
        self.shift_U = np.zeros((N, 3, 3))
        self.lambda_U = np.zeros((N, 3, 3))

    def set_bssn_first_derivs(self, d_state):
        """Read radial derivatives of rows 0-11 from a (>= 12, N) array."""
        self._d_state = np.array(d_state[: bv.NUM_BSSN_VARS], dtype=float)
        self.phi[:, 0] = d_state[bv.idx_phi]
        self.K[:, 0] = d_state[bv.idx_K]
        self.lapse[:, 0] = d_state[bv.idx_lapse]
        for j, (ih, ia) in enumerate(((bv.idx_hrr, bv.idx_arr), (bv.idx_htt, bv.idx_att),
                                      (bv.idx_hpp, bv.idx_app))):
            self.h_LL[:, j, j, 0] = d_state[ih]
            self.a_LL[:, j, j, 0] = d_state[ia]
        self.shift_U[:, 0, 0] = d_state[bv.idx_shiftr]
        self.lambda_U[:, 0, 0] = d_state[bv.idx_lambdar]

    def as_state(self):
        """Radial derivatives in the (12, N) row layout."""
        return self._d_state.copy()
