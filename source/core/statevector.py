"""The layout of the evolved state ``(NUM_VARS, N)``: 12 BSSN rows followed by the matter rows.

The layout is the one of the reference code (engrenage): rows 0-11 are the rescaled BSSN
variables of Baumgarte et al. (2013, arXiv:1211.6632), rows 12-14 the densitised conserved
hydro variables (D~, S~_r, tau~) of the Valencia formulation (``source.matter.hydro``).
It is defined here, below the grid, the BSSN equations and the hydro, which all read it
(``source.bssn.bssnstatevariables`` presents the BSSN rows under their usual names).

Boundary tables: ``PARITY`` is the sign under r -> -r (inner ghosts); the outer ghosts of
the BSSN rows follow ``f(r) = a + (f(r_L) - a) (r / r_L)^n`` with n = ``ASYMP_POWER``,
a = ``ASYMP_OFFSET``; the matter rows are copied (zero gradient).
"""

import numpy as np

# --- BSSN rows ---------------------------------------------------------------------------
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

# Outer boundary fall-off (power n and offset a, see above): the lapse tends to 1.
BSSN_ASYMP_POWER = np.array([-1, -1, -1, -1, -1, -2, -2, -2, -2, -1, -1, 0], dtype=np.int64)
BSSN_ASYMP_OFFSET = np.array([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1], dtype=np.float64)

# --- hydro rows (after the BSSN rows) ---------------------------------------------------
idx_D = NUM_BSSN_VARS
idx_Sr = NUM_BSSN_VARS + 1
idx_tau = NUM_BSSN_VARS + 2

NUM_HYDRO_VARS = 3
HYDRO_VARIABLE_NAMES = ("D", "S_r", "tau")
HYDRO_PARITY = (1, -1, 1)          # S_r is a radial covector: odd


class StateVector:
    """Row layout of the evolved state ``(NUM_VARS, N)``: the BSSN rows, then the matter's.

    Parameters
    ----------
    a_matter : object
        Matter class with ``NUM_MATTER_VARS``, ``VARIABLE_NAMES``, ``PARITY``,
        ``ASYMP_POWER``, ``ASYMP_OFFSET`` (e.g. ``PerfectFluid``).

    ``FIRST_MATTER_ROW`` is the first row the outer boundary copies instead of
    extrapolating.
    """

    FIRST_MATTER_ROW = NUM_BSSN_VARS

    def __init__(self, a_matter):
        self.matter = a_matter
        self.NUM_VARS = NUM_BSSN_VARS + a_matter.NUM_MATTER_VARS
        self.VARIABLE_NAMES = list(BSSN_VARIABLE_NAMES) + list(a_matter.VARIABLE_NAMES)
        self.PARITY = np.concatenate([BSSN_PARITY, np.asarray(a_matter.PARITY, dtype=np.int64)])
        self.ASYMP_POWER = np.concatenate(
            [BSSN_ASYMP_POWER, np.asarray(a_matter.ASYMP_POWER, dtype=np.int64)]
        )
        self.ASYMP_OFFSET = np.concatenate(
            [BSSN_ASYMP_OFFSET, np.asarray(a_matter.ASYMP_OFFSET, dtype=np.float64)]
        )
        self.ALL_INDICES = np.arange(self.NUM_VARS, dtype=np.uint8)
