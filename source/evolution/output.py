"""HDF5 output: one file per run, written incrementally.

Layout
------
/ (attributes)      config (JSON), code_version, units, tov (JSON) and tov_<name> scalars,
                    path, created (UTC ISO time), status ("running", "completed", "failed: ..")
/grid/r             cell centres (ghosts included); attributes N, r_max, dr, num_ghosts
/timeseries/<name>  one row per recorded step: t, rho_c, rho_max, v_c, max_abs_v,
                    baryon_mass, mass_outflow, mass_reset, c2p_failures, atmosphere_resets,
                    step
/snapshots/<step>/  r, rho0, vr, press, eps, W, alpha, D, S_r, tau (ghosts included);
                    attributes t, step

Everything recorded is flushed to disk after each chunk of steps, so an interrupted run
keeps every chunk completed before the interruption.
"""

import json
from datetime import datetime, timezone

import h5py
import numpy as np

from source import __version__

TIMESERIES_FIELDS = ("t", "rho_c", "rho_max", "v_c", "max_abs_v", "baryon_mass",
                     "mass_outflow", "mass_reset", "c2p_failures", "atmosphere_resets", "step")
UNITS = "G = c = M_sun = 1 (1 M_sun = 4.925490947e-6 s = 1.476625 km)"


class RunWriter:
    """Incremental writer of a run's HDF5 file.

    Parameters
    ----------
    path : str or Path
    config : dict
        Full run configuration (stored as JSON).
    tov : dict
        Star properties.
    r : ndarray
        Cell centres.
    """

    def __init__(self, path, config, tov, r, dr):
        self.path = str(path)
        self.f = h5py.File(self.path, "w")
        a = self.f.attrs
        a["config"] = json.dumps(config, sort_keys=True)
        a["code_version"] = __version__
        a["code"] = "tovflow"
        a["units"] = UNITS
        a["tov"] = json.dumps(tov, sort_keys=True)
        for k, v in tov.items():
            a[f"tov_{k}"] = v
        a["created"] = datetime.now(timezone.utc).isoformat(timespec="seconds")
        a["status"] = "running"
        g = self.f.create_group("grid")
        g.create_dataset("r", data=r)
        g.attrs["N"] = r.size
        g.attrs["r_max"] = float(r[-1])
        g.attrs["dr"] = float(dr)
        g.attrs["num_ghosts"] = 3
        ts = self.f.create_group("timeseries")
        for name in TIMESERIES_FIELDS:
            ts.create_dataset(name, shape=(0,), maxshape=(None,), chunks=(512,),
                              dtype=np.int64 if name == "step" else np.float64)
        self.f.create_group("snapshots")
        self.f.flush()

    def append_timeseries(self, rows, steps):
        """Append rows (M, 10) (columns ``TIMESERIES_FIELDS[:-1]``) and their step numbers."""
        m = rows.shape[0]
        if m == 0:
            return
        ts = self.f["timeseries"]
        n0 = ts["t"].shape[0]
        for j, name in enumerate(TIMESERIES_FIELDS):
            d = ts[name]
            d.resize((n0 + m,))
            d[n0:] = steps if name == "step" else rows[:, j]

    def write_snapshot(self, step, t, fields):
        """Write one snapshot group ``/snapshots/<step>`` (zero-padded to 9 digits)."""
        name = f"{step:09d}"
        snaps = self.f["snapshots"]
        if name in snaps:
            del snaps[name]
        g = snaps.create_group(name)
        g.attrs["t"] = float(t)
        g.attrs["step"] = int(step)
        for k, v in fields.items():
            g.create_dataset(k, data=v)

    def flush(self):
        self.f.flush()

    def close(self, status="completed", **attrs):
        if self.f.id.valid:
            self.f.attrs["status"] = status
            for k, v in attrs.items():
                self.f.attrs[k] = v
            self.f.flush()
            self.f.close()
