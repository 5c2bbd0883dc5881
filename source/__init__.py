"""tovflow: spherically symmetric GR hydrodynamics of relativistic stars (Numba).

Importing the package points Numba's on-disk cache (``cache=True`` kernels) at a
directory keyed by a hash of this package's source files. Numba only checks the time stamp
of the file that defines a cached function, not of the functions it calls, so after an
edit of, say, ``riemann.py`` the cached fused driver in ``fused.py`` would otherwise keep
the old Riemann solver. A user-set ``NUMBA_CACHE_DIR`` is respected.
"""

import hashlib
import os
from pathlib import Path

__version__ = "0.2.0"


def _source_hash():
    root = Path(__file__).resolve().parent
    # the location is part of the key: Numba's index also checks file time stamps, so two
    # checkouts sharing one directory would keep invalidating each other's entries
    h = hashlib.sha1(f"{__version__}:{root}".encode())
    for p in sorted(root.rglob("*.py")):
        h.update(str(p.relative_to(root)).encode())
        h.update(p.read_bytes())
    return h.hexdigest()[:16]


def numba_cache_dir():
    """Directory used for Numba's cache of this source tree."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "tovflow", f"numba-{_source_hash()}")


if "NUMBA_CACHE_DIR" not in os.environ:
    os.environ["NUMBA_CACHE_DIR"] = numba_cache_dir()
    try:  # numba may already have been imported by the caller: set its live config too
        import numba.core.config as _numba_config

        _numba_config.CACHE_DIR = os.environ["NUMBA_CACHE_DIR"]
    except ImportError:  # pragma: no cover
        pass
