"""tovflow: spherically symmetric GR hydrodynamics of relativistic stars (Numba)."""

__version__ = "0.1.0"
