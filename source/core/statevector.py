"""The full state vector: 12 BSSN rows followed by the matter rows."""

import numpy as np

from source.bssn.bssnstatevariables import (
    BSSN_ASYMP_OFFSET,
    BSSN_ASYMP_POWER,
    BSSN_PARITY,
    BSSN_VARIABLE_NAMES,
    NUM_BSSN_VARS,
)


class StateVector:
    """Row layout of the evolved state ``(NUM_VARS, N)``.

    Parameters
    ----------
    a_matter : object
        Matter class with ``NUM_MATTER_VARS``, ``VARIABLE_NAMES``, ``PARITY``,
        ``ASYMP_POWER``, ``ASYMP_OFFSET`` (e.g. ``PerfectFluid``).
    """

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
