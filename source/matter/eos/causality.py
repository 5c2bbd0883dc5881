"""Causality of a star on its cold EOS: the density where the sound speed reaches 1 (or a
table's last row) bounds the central densities a run accepts."""

import math

from .eos_catalogue import density_to_cgs

#: A star whose central density is above this fraction of the causal limit gets a warning.
CAUSAL_WARNING_FRACTION = 0.9


def causality_check(cold, rho_central):
    """``(error, warning)`` messages (or None) for a star of central density ``rho_central``
    on the cold EOS ``cold``: an error above its validity range (the density where c_s
    reaches 1, or a table's last row), a warning close below the causal limit."""
    def where(rho):
        return f"{rho:.6g} ({density_to_cgs(rho):.4e} g/cm^3)"
    limit = cold.rho_max
    causal = math.isfinite(cold.rho_causal) and cold.rho_causal <= limit
    if rho_central > limit:
        what = "c_s reaches 1 at rho" if causal else "the table ends at rho"
        return (f"{rho_central:g} is above the validity range of {cold.name}: {what} = "
                f"{where(limit)}"), None
    if causal and rho_central > CAUSAL_WARNING_FRACTION * limit:
        cs2 = float(cold.sound_speed_squared(rho_central))
        return None, (f"rho_central = {rho_central:g} is close to the causal limit of "
                      f"{cold.name}: c_s^2 = {cs2:.3f} at the centre, c_s reaches 1 at rho = "
                      f"{where(limit)}")
    return None, None
