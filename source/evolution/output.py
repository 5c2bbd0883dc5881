"""HDF5 output: one file per run, written incrementally and committed atomically.

Layout (every dataset and attribute, with shapes and units: docs/output.md; units also in
``source.io.UNITS``)
------
/ (attributes)      config (JSON), code ("tovflow"), code_version, units, tov (JSON) and
                    tov_<name> scalars, created (UTC ISO time), status ("running",
                    "checkpoint at step K", "completed", "stopped: ...", "failed: ...",
                    "interrupted ...", "terminated (SIGTERM) ..."), numba_threads, kernels,
                    wall_seconds, horizon_time, restarted_from, restart_step, history
/grid/r             cell centres (ghosts included); attributes N, r_max, dr, num_ghosts
/timeseries/<name>  one row per recorded step: the run's fields (``columns.TS_FIELDS`` in
                    Cowling, ``columns.DYNAMIC_TS_FIELDS`` in dynamic mode) and step
/snapshots/<step>/  r, rho0, vr, press, eps, W, alpha, D, S_r, tau, c2p_status; dynamic
                    runs add the 12 BSSN rows and ham, mom, expansion; attributes t, step
/checkpoint/        U (the evolved rows: (3, N) Cowling, (15, N) dynamic), prim (6, N)
                    solver memory, books (6): everything a restart needs to continue
                    bit-identically; attributes step, t

Crash safety: the run writes into ``<output>.partial``. At every checkpoint (and at the
end) the working file is closed, copied to ``<output>.tmp``, fsync'ed and atomically renamed
to ``<output>`` (``os.replace``), then reopened. So ``<output>`` is always a complete HDF5
file as of its last checkpoint, even if the process is killed (SIGKILL) while writing; the
``.partial`` file is deleted when the run ends.
"""

import json
import os
import shutil
from datetime import datetime, timezone

import h5py
import numpy as np

from source import __version__

# The Cowling columns (the default of ``RunWriter``; dynamic runs pass their own list).
TIMESERIES_FIELDS = ("t", "rho_c", "rho_max", "v_c", "max_abs_v", "baryon_mass",
                     "mass_outflow", "mass_reset", "c2p_failures", "atmosphere_resets", "step")
UNITS = "G = c = M_sun = 1 (1 M_sun = 4.925490947e-6 s = 1.476625 km)"


class RunWriter:
    """Incremental, atomically committed writer of a run's HDF5 file.

    Parameters
    ----------
    path : str or Path
        Final output file.
    config : dict
        Full run configuration (stored as JSON).
    tov : dict
        Star properties.
    r : ndarray
        Cell centres.
    dr : float
        Grid spacing.
    """

    def __init__(self, path, config, tov, r, dr, fields=TIMESERIES_FIELDS[:-1]):
        self.path = str(path)
        self.fields = tuple(fields) + ("step",)
        self.work_path = self.path + ".partial"
        self.f = h5py.File(self.work_path, "w")
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
        for name in self.fields:
            ts.create_dataset(name, shape=(0,), maxshape=(None,), chunks=(512,),
                              dtype=np.int64 if name == "step" else np.float64)
        self.f.create_group("snapshots")
        self.f.flush()

    def append_timeseries(self, rows, steps):
        """Append rows (M, F) (columns: the run's ``fields``) and their step numbers."""
        m = rows.shape[0]
        if m == 0:
            return
        ts = self.f["timeseries"]
        n0 = ts["t"].shape[0]
        for j, name in enumerate(self.fields):
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

    def write_checkpoint(self, state):
        """Replace ``/checkpoint`` by ``state`` (dict with arrays U, prim, books and scalars
        step, t)."""
        if "checkpoint" in self.f:
            del self.f["checkpoint"]
        g = self.f.create_group("checkpoint")
        for k in ("U", "prim", "books"):
            g.create_dataset(k, data=state[k])
        g.attrs["step"] = int(state["step"])
        g.attrs["t"] = float(state["t"])

    def flush(self):
        self.f.flush()

    def commit(self, status=None, **attrs):
        """Atomically publish the working file as ``path`` (copy, fsync, rename)."""
        if status is not None:
            self.f.attrs["status"] = status
        for k, v in attrs.items():
            self.f.attrs[k] = v
        self.f.close()
        tmp = self.path + ".tmp"
        shutil.copyfile(self.work_path, tmp)
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, self.path)
        self.f = h5py.File(self.work_path, "a")

    def close(self, status="completed", **attrs):
        """Final commit; removes the working file."""
        if self.f.id.valid:
            self.commit(status, **attrs)
            self.f.close()
            os.remove(self.work_path)


def write_table(path, attrs, columns):
    """Write an HDF5 table (the sweep summary): the root attributes ``attrs`` and one 1-D
    dataset per column, ``/summary/<name>``, in the order of ``columns`` (name -> array, or
    a list of str, stored as variable-length UTF-8 strings). Read it with
    ``source.io.read_table``."""
    with h5py.File(path, "w") as f:
        for k, v in attrs.items():
            f.attrs[k] = v
        g = f.create_group("summary")
        for name, values in columns.items():
            if isinstance(values, list):
                values = np.array(values, dtype=h5py.string_dtype())
            g.create_dataset(name, data=values)


class RestartError(ValueError):
    """A restart file that is missing, unreadable or not a checkpointed tovflow output."""


def read_restart(path):
    """Everything a restart needs from an output file (read with ``source.io.load_run``):
    config (dict), checkpoint state, time-series rows and snapshots up to the checkpoint
    step."""
    from source.io import load_run

    try:
        run = load_run(path)
    except FileNotFoundError:
        raise RestartError(f"--restart-from: {path!r} does not exist") from None
    except ValueError:
        raise RestartError(f"--restart-from: {path!r} is not a checkpointed tovflow "
                           "output (no /checkpoint group)") from None
    except OSError as e:
        raise RestartError(f"--restart-from: cannot read {path!r} ({e})") from None
    if run.checkpoint is None:
        raise RestartError(f"--restart-from: {path!r} is not a checkpointed tovflow "
                           "output (no /checkpoint group)")
    c = run.checkpoint
    try:
        if "config" not in run.attrs:
            raise KeyError("config")
        step = int(c["step"])
        state = {"U": c["U"], "prim": c["prim"], "books": c["books"], "step": step,
                 "t": float(c["t"])}
        keep = run.timeseries["step"] <= step
        timeseries = {name: column[keep] for name, column in run.timeseries.items()}
    except (KeyError, TypeError) as e:
        raise RestartError(f"--restart-from: cannot read {path!r} ({e!r})") from None
    snapshots = {f"{s.step:09d}": (s.fields, {"step": s.step, "t": s.t})
                 for s in run.snapshots if s.step <= step}
    return run.config, state, timeseries, snapshots


def copy_history(writer, timeseries, snapshots):
    """Write the time series and snapshots read by ``read_restart`` into a new run."""
    n = timeseries["t"].size
    fields = writer.fields[:-1]
    rows = np.column_stack([timeseries[name] for name in fields]) \
        if n else np.zeros((0, len(fields)))
    writer.append_timeseries(rows, timeseries["step"])
    for _name, (fields, attrs) in sorted(snapshots.items()):
        writer.write_snapshot(int(attrs["step"]), attrs["t"], fields)
