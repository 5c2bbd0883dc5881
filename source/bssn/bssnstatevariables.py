"""Indices, names, parities and asymptotic fall-offs of the 12 BSSN state rows.

The rows are part of the state layout defined in ``source.core.statevector`` (below the
grid, the BSSN equations and the hydro); this module presents the BSSN rows under the names
of the reference code (engrenage): rows 0-11 are the rescaled BSSN variables of Baumgarte
et al. (2013, arXiv:1211.6632).
"""

from source.core.statevector import (  # noqa: F401 - the BSSN part of the layout
    BSSN_ASYMP_OFFSET,
    BSSN_ASYMP_POWER,
    BSSN_PARITY,
    BSSN_VARIABLE_NAMES,
    NUM_BSSN_VARS,
    idx_app,
    idx_arr,
    idx_att,
    idx_br,
    idx_hpp,
    idx_hrr,
    idx_htt,
    idx_K,
    idx_lambdar,
    idx_lapse,
    idx_phi,
    idx_shiftr,
)
