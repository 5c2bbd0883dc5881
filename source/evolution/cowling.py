"""The modular Cowling path (reference interface): the RHS in plain Python.

Mirrors the reference's ``get_rhs_cowling`` (stepped by ``integrator.rk4_stages`` in
``steppers.CowlingModularStepper``): the stage state's ghosts are
filled at the start of every RHS call, the metric is the frozen t = 0 one (through the
``GeometryCache`` handed to the fluid) and each hydro stage (cons2prim, reconstruction,
Riemann, assembly) is its own compiled kernel. It is the readable oracle of the fused path
(``source.evolution.fused``), which it reproduces to round-off.
"""

import numpy as np

from source.bssn.bssnstatevariables import NUM_BSSN_VARS
from source.matter.hydro.atmosphere import atmosphere_reset


def get_rhs_cowling(t, y, grid, background, hydro, bssn_fixed=None, bssn_d1_fixed=None):
    """Cowling RHS of the flattened (15 N) state; BSSN rows of the RHS are zero.

    The hydro geometry comes from ``hydro.geometry_cache`` (built once from the frozen
    t = 0 metric); ``bssn_fixed``/``bssn_d1_fixed`` are accepted for interface
    compatibility and used only when the fluid has no cache.
    """
    state = y.reshape(grid.NUM_VARS, -1)
    grid.fill_boundaries(state, indices=hydro.indices)
    hydro.set_matter_vars(state, None, grid)
    rhs = np.zeros_like(state)
    rhs[NUM_BSSN_VARS:] = hydro.get_matter_rhs(grid.r, bssn_fixed, bssn_d1_fixed, background)
    return rhs.reshape(-1)


def apply_atmosphere_reset(state_2d, hydro):
    """Post-step reset of vacuum cells (all points), in place; returns the count."""
    e6phi = hydro.geometry_cache.e6phi
    return atmosphere_reset(state_2d[hydro.idx_D], state_2d[hydro.idx_Sr],
                            state_2d[hydro.idx_tau], e6phi, hydro.atm_packed, 0,
                            state_2d.shape[1])

