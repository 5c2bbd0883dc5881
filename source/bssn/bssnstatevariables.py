"""Indices, names, parities and asymptotic fall-offs of the 12 BSSN state rows.

The layout is the one of the reference code (engrenage): the state is a 2-D array
``(NUM_VARS, N)``; rows 0-11 are the rescaled BSSN variables of Baumgarte et al. (2013,
arXiv:1211.6632), rows 12-14 are appended by the matter class (see
``source.matter.hydro.perfect_fluid``).
"""

import numpy as np

idx_phi = 0
idx_hrr = 1
idx_htt = 2
idx_hpp = 3
idx_K = 4
idx_arr = 5
idx_att = 6
idx_app = 7
idx_lambdar = 8
idx_shiftr = 9
idx_br = 10
idx_lapse = 11

NUM_BSSN_VARS = 12

BSSN_VARIABLE_NAMES = (
    "phi", "hrr", "htt", "hpp", "K", "arr", "att", "app", "lambdar", "shiftr", "br", "lapse",
)

# Parity under r -> -r: vectors (lambda^r, beta^r, B^r) are odd, everything else even.
BSSN_PARITY = np.array([1, 1, 1, 1, 1, 1, 1, 1, -1, -1, -1, 1], dtype=np.int64)

# Outer boundary: f(r) = a + (f(r_L) - a) (r / r_L)^n with n = ASYMP_POWER, a = ASYMP_OFFSET.
BSSN_ASYMP_POWER = np.array([-1, -1, -1, -1, -1, -2, -2, -2, -2, -1, -1, 0], dtype=np.int64)
BSSN_ASYMP_OFFSET = np.array([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1], dtype=np.float64)
