"""tovflow: spherically symmetric GR hydrodynamics of relativistic stars (Numba).

Importing the package points Numba's on-disk cache (``cache=True`` kernels) at a
directory keyed by a hash of the kernel sources (``source.jit.use_source_cache_dir``).
"""

__version__ = "0.2.0"

from source.jit import use_source_cache_dir  # noqa: E402 - after __version__

use_source_cache_dir(__version__)
