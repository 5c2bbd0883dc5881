"""The sweep's summary table: one row per run, as CSV and HDF5, replaced atomically.

Columns (``columns(varied)``): ``name``, the varied parameters, then ``COLUMNS``:

=========================  ===========================================================
``mode``                   cowling or dynamic
``status``                 the output file's status: ``completed``, ``failed: ...``,
                           ``checkpoint at step K`` / ``interrupted ...`` (unfinished),
                           or ``pending`` (not run yet)
``error``                  why a run failed (empty otherwise)
``action``                 what this invocation did: ``ran``, ``continued`` (from its
                           checkpoint), ``kept`` (finished before), ``pending``
``M``, ``M0``              gravitational and rest mass of the TOV star (M_sun)
``R_iso``, ``R_schw``      isotropic and Schwarzschild (areal) radius (M_sun)
``C``                      compactness M / R_schw
``F_linear``, ``H1_linear``  linear radial modes of the star (kHz; Cowling or coupled by
                           mode; empty when unstable)
``F_measured``,            strongest peak of rho_c(t) in the band around each linear mode
``H1_measured``            (kHz; empty when the run is shorter than two F periods)
``t_end``, ``steps``       time and step reached
``rho_c_drift``            rho_c(t_end) / rho_c(0) - 1
``rho_c_deviation``        time mean of |rho_c(t) / rho_c(0) - 1|
``rest_mass_drift``        M0(t_end) / M0(0) - 1 (books: outflow, atmosphere resets)
``rest_mass_unaccounted``  what the rest-mass books do not explain, relative to M0(0)
``c2p_failures``           cons2prim failures over the run
``ham_l2_star_0``,         dynamic: rms Hamiltonian constraint in the star at t = 0, at
``ham_l2_star``,           t_end and its maximum over the run
``ham_l2_star_max``
``mom_l2_star``,           dynamic: rms momentum constraint in the star at t_end, maximum
``mom_l2_star_max``
``adm_mass_drift``         dynamic: ADM mass (Misner-Sharp at r_max) change, relative
``alpha_c_min``            dynamic: smallest central lapse
``wall_seconds``           the evolution's wall time (output attribute)
``task_seconds``           the worker's time for the task (set-up, compile, analysis)
``numba_threads``          Numba threads of the run (output attribute)
``worker_threads``         ``numba.get_num_threads()`` in the task on the worker (1 on
                           the local cluster: its workers have ``NUMBA_NUM_THREADS=1``)
``worker``                 host:pid of the worker that ran it
``output``                 the run's HDF5 file
=========================  ===========================================================

Missing numbers (a Cowling run's constraints, a failed run's star) are empty CSV fields
and NaN in HDF5. Both files are written to a temporary file in the same directory and
moved over the old one (``os.replace``), so a reader never sees a half-written table.
"""

import csv
import json
import math
import os
import uuid
from datetime import datetime, timezone
from pathlib import Path

COLUMNS = (
    ("mode", str), ("status", str), ("error", str), ("action", str),
    ("M", float), ("M0", float), ("R_iso", float), ("R_schw", float), ("C", float),
    ("F_linear", float), ("H1_linear", float), ("F_measured", float), ("H1_measured", float),
    ("t_end", float), ("steps", int), ("rho_c_drift", float), ("rho_c_deviation", float),
    ("rest_mass_drift", float), ("rest_mass_unaccounted", float), ("c2p_failures", int),
    ("ham_l2_star_0", float), ("ham_l2_star", float), ("ham_l2_star_max", float),
    ("mom_l2_star", float), ("mom_l2_star_max", float), ("adm_mass_drift", float),
    ("alpha_c_min", float), ("wall_seconds", float), ("task_seconds", float),
    ("numba_threads", int), ("worker_threads", int), ("worker", str), ("output", str),
)
CSV_NAME, H5_NAME = "summary.csv", "summary.h5"


def columns(varied):
    """Column names of a sweep varying ``varied`` (options, in order)."""
    return ["name", *varied, *(name for name, _ in COLUMNS if name not in varied)]


def pending_row(run):
    """The row of a run not done yet."""
    return {"name": run.name, **run.params, "mode": run.config["mode"], "status": "pending",
            "action": "pending", "output": str(run.output)}


def _missing(value):
    return value is None or (isinstance(value, float) and math.isnan(value))


def _csv_text(value):
    if _missing(value):
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):          # numpy floats too, written as plain numbers
        return repr(float(value))
    if isinstance(value, int):
        return str(int(value))
    return str(value)


def _atomic_write(path, write):
    """Write ``path`` through ``write(tmp_path)`` and ``os.replace``."""
    path = Path(path)
    tmp = path.with_name(f"{path.name}.{uuid.uuid4().hex[:12]}.tmp")
    try:
        write(tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _types(sweep):
    types = dict(COLUMNS)
    types["name"] = str
    for k in sweep.varied:
        values = [r.params[k] for r in sweep.runs]
        types[k] = type(values[0]) if values else str
    return types


def write_summary(sweep, rows):
    """Write ``summary.csv`` and ``summary.h5`` in the sweep's output directory (``rows``:
    {run name: row dict}, in the sweep's run order). Returns the two paths."""
    import numpy as np

    from source.evolution.output import write_table

    out = Path(sweep.output_dir)
    names = columns(sweep.varied)
    ordered = [rows[r.name] for r in sweep.runs]

    def write_csv(tmp):
        with open(tmp, "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(names)
            for row in ordered:
                w.writerow([_csv_text(row.get(c)) for c in names])

    types = _types(sweep)

    def column(c):
        values = [row.get(c) for row in ordered]
        t = types.get(c, str)
        if t is str:
            return ["" if v is None else str(v) for v in values]
        if t is bool:
            return np.array([bool(v) for v in values])
        if t is int and not any(_missing(v) for v in values):
            return np.array(values, dtype=np.int64)
        return np.array([np.nan if _missing(v) else float(v) for v in values])

    def write_h5(tmp):
        attrs = {"sweep": json.dumps(sweep.describe(), default=str),
                 "columns": json.dumps(names),
                 "updated": datetime.now(timezone.utc).isoformat(timespec="seconds")}
        write_table(tmp, attrs, {c: column(c) for c in names})

    _atomic_write(out / CSV_NAME, write_csv)
    _atomic_write(out / H5_NAME, write_h5)
    return out / CSV_NAME, out / H5_NAME


def read_summary(path):
    """The rows of a ``summary.csv`` or ``summary.h5`` as a list of dicts (numbers as
    floats or ints, missing numbers as None from CSV and NaN from HDF5)."""
    path = Path(path)
    if path.suffix in (".h5", ".hdf5"):
        from source.io import read_table

        attrs, table = read_table(path)
        names = json.loads(attrs["columns"])
        data = {c: table[c] for c in names}
        n = len(next(iter(data.values()))) if data else 0
        return [{c: (data[c][i].decode() if isinstance(data[c][i], bytes) else
                     data[c][i].item()) for c in names} for i in range(n)]
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    types = dict(COLUMNS)

    def parse(c, v):
        if v == "":
            return None if types.get(c, str) is not str else ""
        t = types.get(c)
        if t is int:
            return int(v)
        if t is float:
            return float(v)
        if t is None:
            for conv in (int, float):
                try:
                    return conv(v)
                except ValueError:
                    pass
        return v

    return [{c: parse(c, v) for c, v in row.items()} for row in rows]
