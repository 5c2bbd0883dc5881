"""Many stars at once: parameter sweeps and convergence studies on Dask.

    python -m source.sweep examples/sweeps/convergence.toml
    python -m source.sweep sweep.toml --scheduler tcp://host:8786

or from Python::

    from source.sweep import load_sweep, run_sweep

    result = run_sweep(load_sweep("examples/sweeps/eight_stars.toml"))
    result.code, result.rows, result.summary, result.study

A sweep file (``spec``) names a base configuration, the options to vary (cartesian
product, zipped lists, ranges), an output directory and optionally a study. Every run is
validated before any work, then runs as a task on ``dask.distributed`` (``driver``): on a
local cluster of one single-threaded worker process per core started for the sweep, or on
an existing scheduler. Each run writes its own HDF5 file; a summary table (CSV and HDF5,
``summary``) is replaced atomically after every finished run; rerunning the sweep keeps
finished runs, continues interrupted ones from their checkpoint and runs failed ones again
(``tasks``). The studies (``studies``): convergence orders with a Richardson estimate, and
the F-mode along a sequence of stars against linear theory, with PNG plots.
"""

from .driver import SweepResult, run_sweep
from .spec import Run, Sweep, SweepError, load_sweep, run_name, sweep_from_dict

__all__ = ["Run", "Sweep", "SweepError", "SweepResult", "load_sweep", "run_name",
           "run_sweep", "sweep_from_dict"]
