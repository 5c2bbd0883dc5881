"""What the two cold-curve classes share (:class:`~source.matter.eos.piecewise_polytrope.
PiecewisePolytrope` and :class:`~source.matter.eos.tabulated.TabulatedEOS`): the validity
range and the application of their compiled point functions to arrays."""

import numpy as np


class ColdCurve:
    """Base of the cold-curve classes. A subclass sets ``rho_max`` (the upper end of the
    validity range ``0 <= rho <= rho_max``) and implements ``_map(which, flat, out)``: its
    compiled point function ``which`` applied to the contiguous 1D float array ``flat``,
    written into ``out``."""

    rho_max = np.inf

    def _map(self, which, flat, out):
        raise NotImplementedError

    def _apply(self, which, x):
        """Point function ``which`` of ``x`` (array-like or scalar; a scalar gives a float)."""
        array = np.asarray(x, dtype=np.float64)
        flat = np.ascontiguousarray(array).ravel()
        out = np.empty_like(flat)
        self._map(which, flat, out)
        out = out.reshape(array.shape)
        return out[()] if out.ndim == 0 else out

    def energy_density(self, rho):
        """Cold total energy density ``e = rho (1 + eps)``."""
        rho = np.asarray(rho, dtype=np.float64)
        out = rho * (1.0 + self.specific_internal_energy(rho))
        return out[()] if np.ndim(out) == 0 else out

    def in_range(self, rho):
        """True where ``0 <= rho <= rho_max`` (the validity range)."""
        rho = np.asarray(rho, dtype=np.float64)
        return (rho >= 0.0) & (rho <= self.rho_max)

    def valid_range(self):
        """``(0, rho_max)``."""
        return 0.0, self.rho_max
