"""The named columns of a run's records: time-series rows and the rest-mass books.

Each record is named once, by a tuple of field names, and its integer indices are derived
from that tuple (``column_indices``): ``COL.rho_c`` is the column of the central density in
a time-series row, ``BOOK.mass_outflow`` the entry of the outflow in the books. Both are
named tuples of plain ints, which Numba freezes as compile-time constants, so the compiled
drivers index rows by name at no cost. Adding a column is adding its name here (and filling
it where the row is recorded); no index elsewhere shifts.
"""

from collections import namedtuple


def column_indices(fields, name):
    """A named tuple ``name`` with one int per field: its position in ``fields``."""
    return namedtuple(name, fields)(*range(len(fields)))


# Time-series columns of a Cowling run: time, central and maximum rest-mass density, central
# and maximum |v|, rest mass on the grid, then the books at the time of the row (below).
TS_FIELDS = ("t", "rho_c", "rho_max", "v_c", "max_abs_v", "baryon_mass", "mass_outflow",
             "mass_reset", "c2p_failures", "atmosphere_resets")

# Time-series columns of a dynamic run: the Cowling ones, then the central lapse and K, the
# L2 norms over the star and the maximum over the grid of the Hamiltonian and momentum
# constraints, the ADM mass (Misner-Sharp mass near r_max), and the apparent horizon: found
# (1/0), coordinate and areal radius, irreducible mass (NaN when there is none); the rest
# mass removed inside the horizon (cumulative, negative), so that baryon_mass(t) -
# baryon_mass(0) = mass_reset + mass_excised - mass_outflow.
DYNAMIC_TS_FIELDS = TS_FIELDS + ("alpha_c", "K_c", "ham_l2_star", "ham_max", "mom_l2_star",
                                 "adm_mass", "ah_found", "ah_radius", "ah_areal_radius",
                                 "ah_mass", "mass_excised")
NUM_TS = len(TS_FIELDS)
NUM_TS_DYNAMIC = len(DYNAMIC_TS_FIELDS)

#: Column of every time-series field; a Cowling row is the first ``NUM_TS`` columns of a
#: dynamic one.
COL = column_indices(DYNAMIC_TS_FIELDS, "TimeSeriesColumns")

# The rest-mass books, carried by the run across chunks and restarts: rest mass that left
# through the outer face, added by atmosphere resets (cumulative); cons2prim failures and
# atmosphere resets since the last recorded row; the excision radius (dynamic mode, once a
# horizon is found, 0 before) and the rest mass added (negative: removed) by excision.
BOOK_FIELDS = ("mass_outflow", "mass_reset", "c2p_failures", "atmosphere_resets",
               "excision_radius", "mass_excised")
NUM_BOOKS = len(BOOK_FIELDS)
BOOK = column_indices(BOOK_FIELDS, "BookEntries")

