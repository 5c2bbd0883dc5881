"""What a Dask worker does for one run of a sweep, and what a run's output file says.

``run_task(spec)`` is the task: it decides from the run's output file whether the run is
finished (``plan_run``), continues it from its last checkpoint, or starts it afresh, then
returns the run's summary row (``summary_row``). It never raises: an exception inside the
run (invalid physics found while building the star, ...) becomes a row with status
``failed: <type>: <message>``, and a run that stops (exit code 1) keeps its output file and
its ``failed: ...`` status.

``warm_cache(specs)`` compiles (or loads) the Numba kernels with a two-step run of each
given configuration, so that the workers of a sweep load the shared cache instead of all
compiling at once.
"""

import json
import math
import os
import socket
import tempfile
import time
import traceback
import uuid
from pathlib import Path

import numpy as np

# options that may differ between an unfinished output file and the sweep's configuration
# when the run is continued from its checkpoint (restart_config applies them)
RESTART_CHANGES = ("t_final", "steps", "threads")
ROWS_DIR = ".rows"


def _quiet(*args, **kwargs):
    """A ``log`` for ``runner.run`` that prints nothing."""


def is_finished(status):
    """True for the status of a run that reached its end (or a user stop criterion)."""
    return status == "completed" or str(status).startswith("stopped:")


def _same(stored, config, ignore=()):
    return all(stored.get(k, object()) == v for k, v in config.items()
               if k != "output" and k not in ignore)


def plan_run(output, config):
    """What to do with a run whose output file is ``output`` and whose configuration
    (``RunConfig`` fields) is ``config``: ``"done"`` (finished with this configuration),
    ``"restart"`` (unfinished, same configuration, a checkpoint to continue from, or
    finished with an earlier end), or ``"fresh"`` (no file, a failed run, another
    configuration, an unreadable file)."""
    from source.io import load_header

    output = Path(output)
    if not output.exists():
        return "fresh"
    try:
        header = load_header(output)
    except (OSError, ValueError):
        return "fresh"
    status = str(header.status or "")
    stored = header.config
    has_checkpoint = header.checkpoint is not None
    if is_finished(status) and _same(stored, config):
        return "done"
    if status.startswith("failed") or not has_checkpoint:
        return "fresh"
    if _same(stored, config, ignore=RESTART_CHANGES):
        return "restart"
    return "fresh"


def numba_threads():
    """(threads of this worker thread, NUMBA_NUM_THREADS) as Numba sees them."""
    import numba

    return numba.get_num_threads(), numba.config.NUMBA_NUM_THREADS


def _worker_name():
    return f"{socket.gethostname()}:{os.getpid()}"


def _continue(output, config, cfg):
    """Continue the unfinished run in ``output`` from its checkpoint; returns the
    ``RunResult``, or None if the file cannot be continued to exactly ``config``."""
    from source.evolution.runner import restart_config, run
    from source.evolution.simulation import ConfigError

    try:
        cfg2, restart = restart_config(output, **{k: getattr(cfg, k) for k in
                                                  RESTART_CHANGES})
    except (ConfigError, OSError, KeyError, ValueError):
        return None
    if cfg2.to_dict() != config:
        return None
    work = output.with_name(output.stem + ".restart.h5")
    result = run(cfg2, work, restart=restart, overwrite=True, progress=None, log=_quiet)
    os.replace(work, output)
    result.output = output
    return result


def run_task(spec):
    """Run one star of a sweep (``spec`` from ``Run.spec()``) and return its summary row.

    A finished output with the same configuration is only read; an unfinished one is
    continued from its last checkpoint (into ``<name>.restart.h5``, then moved over the
    output); anything else is run from the start (``overwrite``)."""
    from source.evolution.runner import run
    from source.evolution.simulation import RunConfig

    t0 = time.perf_counter()
    threads = numba_threads()[0]
    output = Path(spec["output"])
    config = spec["config"]
    action = plan_run(output, config)
    error = ""
    try:
        cfg = RunConfig(**config)
        result = None
        if action == "restart":
            result = _continue(output, config, cfg)
            if result is None:
                action = "fresh"
        if action == "fresh":
            result = run(cfg, output, overwrite=True, progress=None, log=_quiet)
        if result is not None and result.code != 0:
            error = result.status.removeprefix("failed: ")
        action = {"fresh": "ran", "restart": "continued", "done": "kept"}[action]
    except Exception as e:  # noqa: BLE001 - a failed run is a row of the summary
        row = failed_row(spec, f"{type(e).__name__}: {e}", action="ran")
        row["traceback"] = traceback.format_exc(limit=6)
        row.update(task_seconds=time.perf_counter() - t0, worker_threads=threads)
        return row
    row = summary_row(spec, output)
    row["action"] = action
    if error and not row.get("error"):
        row["error"] = error
    row.update(task_seconds=time.perf_counter() - t0, worker=_worker_name(),
               worker_threads=threads)
    save_row_cache(output, row)
    return row


def failed_row(spec, message, action="ran"):
    """The summary row of a run that left no usable output."""
    return {"name": spec["name"], **spec["params"], "mode": spec["config"]["mode"],
            "status": f"failed: {message}", "error": message, "action": action,
            "output": "", "worker": _worker_name()}


def _modes(config):
    from source.evolution.analysis import expected_modes

    try:
        return expected_modes(config, num_modes=3)
    except Exception:  # noqa: BLE001 - no linear theory for this star: leave it out
        return {}


def measured_modes(t, rho_c, expected):
    """Measured F/H1/... (kHz) from rho_c(t) when the run lasts two linear F periods, in
    bands around the expected frequencies; {} otherwise."""
    from source.evolution.analysis import bands_around, mode_frequencies
    from source.units import MSUN_SECONDS

    if "F" not in expected or t.size < 32:
        return {}
    if t[-1] - t[0] < 2.0 / (expected["F"] * 1e3 * MSUN_SECONDS):
        return {}
    try:
        found = mode_frequencies(t, rho_c, bands_around(expected))
    except ValueError:
        return {}
    return {k: float(v) for k, v in found.items() if np.isfinite(v)}


def _time_mean(t, y):
    if t.size < 2 or t[-1] <= t[0]:
        return float("nan")
    return float(np.sum(0.5 * (y[1:] + y[:-1]) * np.diff(t)) / (t[-1] - t[0]))


def summary_row(spec, output):
    """The summary row of a run from its output file (see ``summary.COLUMNS``)."""
    from source.io import load_run

    run = load_run(output, snapshots=False)
    config = spec["config"]
    a, ts = run.attrs, run.timeseries
    star = run.star or {}
    status = str(run.status)
    row = {"name": spec["name"], **spec["params"], "mode": config["mode"], "status": status,
           "error": status.removeprefix("failed: ") if status.startswith("failed") else "",
           "output": str(output),
           "M": star.get("M_star"), "M0": star.get("M0"), "R_iso": star.get("R_iso"),
           "R_schw": star.get("R_schw"), "C": star.get("C"),
           "wall_seconds": a.get("wall_seconds"), "numba_threads": a.get("numba_threads")}
    expected = _modes(config)
    row["F_linear"], row["H1_linear"] = expected.get("F"), expected.get("H1")
    t = ts.get("t", np.zeros(0))
    if t.size == 0:
        return row
    rho_c, m = ts["rho_c"], ts["baryon_mass"]
    measured = measured_modes(t, rho_c, expected)
    row["F_measured"], row["H1_measured"] = measured.get("F"), measured.get("H1")
    excised = ts["mass_excised"][-1] if "mass_excised" in ts else 0.0
    dM = m[-1] - m[0]
    row.update(t_end=float(t[-1]), steps=int(ts["step"][-1]) if "step" in ts else None,
               rho_c_drift=float(rho_c[-1] / rho_c[0] - 1.0),
               rho_c_deviation=_time_mean(t, np.abs(rho_c / rho_c[0] - 1.0)),
               rest_mass_drift=float(dM / m[0]),
               rest_mass_unaccounted=float((dM + ts["mass_outflow"][-1] - ts["mass_reset"][-1]
                                            - excised) / m[0]),
               c2p_failures=int(ts["c2p_failures"].sum()))
    if "ham_l2_star" in ts:
        adm = ts["adm_mass"]
        row.update(ham_l2_star_0=float(ts["ham_l2_star"][0]),
                   ham_l2_star=float(ts["ham_l2_star"][-1]),
                   ham_l2_star_max=float(np.nanmax(ts["ham_l2_star"])),
                   mom_l2_star=float(ts["mom_l2_star"][-1]),
                   mom_l2_star_max=float(np.nanmax(ts["mom_l2_star"])),
                   adm_mass_drift=float(adm[-1] / adm[0] - 1.0),
                   alpha_c_min=float(np.nanmin(ts["alpha_c"])))
    return row


def _row_cache_path(output):
    output = Path(output)
    return output.parent / ROWS_DIR / (output.stem + ".json")


def _stat(path):
    st = Path(path).stat()
    return [st.st_mtime_ns, st.st_size]


def save_row_cache(output, row):
    """Keep ``row`` beside the output (``<output_dir>/.rows/<name>.json``) so that a rerun
    of the sweep reads it instead of analysing the unchanged output file again."""
    try:
        path = _row_cache_path(output)
        path.parent.mkdir(exist_ok=True)
        clean = {k: (None if isinstance(v, float) and not math.isfinite(v) else v)
                 for k, v in row.items()}
        tmp = path.with_name(f"{path.name}.{uuid.uuid4().hex[:12]}.tmp")
        with open(tmp, "w") as f:
            json.dump({"stat": _stat(output), "row": clean}, f, default=_json_default)
        os.replace(tmp, path)
    except OSError:
        pass


def _json_default(value):
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"not JSON: {value!r}")


def load_row_cache(output):
    """The cached row of an unchanged output file, or None."""
    try:
        with open(_row_cache_path(output)) as f:
            data = json.load(f)
        if data["stat"] == _stat(output):
            return data["row"]
    except (OSError, ValueError, KeyError):
        pass
    return None


def warm_cache(specs):
    """Compile or load the Numba kernels of each configuration (``Run.spec()``) with a
    two-step run in a temporary directory. Returns one line per configuration."""
    from source.evolution.runner import run
    from source.evolution.simulation import RunConfig

    lines = []
    with tempfile.TemporaryDirectory(prefix="tovflow-warm-") as tmp:
        for k, spec in enumerate(specs):
            cfg = RunConfig(**{**spec["config"], "steps": 2, "timeseries_every": 1,
                               "snapshot_every": 1, "checkpoint_every": None})
            t0 = time.perf_counter()
            try:
                result = run(cfg, Path(tmp) / f"warm{k}.h5", overwrite=True, log=_quiet)
                what = f"{result.sim.jit_seconds:.1f} s compile/load"
            except Exception as e:  # noqa: BLE001 - the real run will report it
                what = f"not warmed ({type(e).__name__}: {e})"
            lines.append(f"{cfg.mode}/{cfg.path} ({spec['name']}): {what}, "
                         f"{time.perf_counter() - t0:.1f} s")
    return lines
