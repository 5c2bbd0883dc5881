"""Running a sweep on Dask: plan, warm the Numba cache, submit, collect, summarise, study.

``run_sweep(sweep)`` does everything ``python -m source.sweep`` does:

1. reads the output directory: runs whose output file is finished with the same
   configuration are kept (not run again), unfinished ones will continue from their last
   checkpoint, failed or missing ones run from the start;
2. starts a local cluster (or connects to ``scheduler``), checks the workers' Numba
   threads, and warms the shared Numba cache with a two-step run of each kind of run
   (mode and path) in *one* worker, so that the other workers load the compiled kernels
   instead of all compiling at once;
3. submits one task per remaining run, the most expensive first and one per worker
   thread at a time, and as each finishes writes the summary table (CSV and HDF5,
   atomically) and prints a progress line (runs done/total, elapsed, ETA);
4. runs the study (``convergence`` or ``sequence``) on the finished runs.

A run that fails (an exception in the worker, or an evolution that stops) is a row with
its error; the others go on. A worker that dies takes only its run with it: Dask runs the
task again on another worker (which continues from the run's last checkpoint) up to
``distributed.scheduler.allowed-failures`` times (3 by default), then the run is marked
failed (``KilledWorker``) and the next invocation of the sweep runs it again.
"""

import asyncio
import time
import uuid
from dataclasses import dataclass, field

from . import summary as summary_table
from .cluster import sweep_client
from .tasks import (
    failed_row,
    is_finished,
    load_row_cache,
    numba_threads,
    plan_run,
    run_task,
    save_row_cache,
    summary_row,
    warm_cache,
)

EXIT_OK, EXIT_RUN_FAILED, EXIT_INTERRUPTED = 0, 1, 130


@dataclass
class SweepResult:
    """What a sweep did: exit code (0 all runs finished, 1 some failed or unfinished, 130
    interrupted), the rows by run name, the summary files, the study, timings."""

    code: int
    rows: dict
    summary: tuple
    study: object = None
    wall_seconds: float = 0.0
    counts: dict = field(default_factory=dict)


def run_cost(run):
    """Relative cost of a run (RK4 steps x cells, a dynamic cell about 4 Cowling cells):
    the longest runs are submitted first so that the last ones to finish are short."""
    cfg = run.run_config()
    from source.evolution.steppers import MODES  # the kernels' modules: imported on use

    return cfg.total_steps * cfg.num_points * MODES[cfg.mode].cost_per_cell


def warm_specs(runs):
    """The runs to warm the cache with: for each mode and path, the cheapest and the most
    expensive run (their kernels may differ in serial/parallel on multi-threaded
    workers)."""
    kinds = {}
    for run in runs:
        kinds.setdefault((run.config["mode"], run.config["path"]), []).append(run)
    specs = []
    for group in kinds.values():
        group = sorted(group, key=run_cost)
        specs.append(group[0].spec())
        if len(group) > 1:
            specs.append(group[-1].spec())
    return specs


def _existing_row(run):
    row = load_row_cache(run.output)
    if row is None:
        row = summary_row(run.spec(), run.output)
        save_row_cache(run.output, row)
    row["action"] = "kept"
    return row


def _fmt_seconds(s):
    if s is None or s != s:
        return "?"
    if s < 120:
        return f"{s:.0f} s"
    if s < 7200:
        return f"{s / 60:.1f} min"
    return f"{s / 3600:.1f} h"


def _freq_text(row):
    f, lin = row.get("F_measured"), row.get("F_linear")
    if f is None or lin is None or f != f or lin != lin:
        return ""
    return f", F {f:.4f} kHz (linear {lin:.4f}, {100 * (f / lin - 1):+.2f} %)"


def progress_line(row, done, total, elapsed, eta):
    """One line per finished run: what it did and where the sweep stands."""
    status = row.get("status", "?")
    what = row.get("action", "")
    wall = row.get("wall_seconds")
    head = f"[{done}/{total}] {row['name']}: "
    if is_finished(status):
        body = f"{status} ({what}) in {_fmt_seconds(wall)}"
        if row.get("M") is not None:
            body += f", M = {row['M']:.4f}"
        body += _freq_text(row)
    else:
        body = status
    return f"{head}{body}  | elapsed {_fmt_seconds(elapsed)}, ETA {_fmt_seconds(eta)}"


def _killed_row(run, exc):
    from distributed.scheduler import KilledWorker

    if isinstance(exc, KilledWorker):
        import dask

        tries = dask.config.get("distributed.scheduler.allowed-failures", None)
        return failed_row(run.spec(), f"worker died while running it (KilledWorker after "
                          f"{tries} retries); rerun the sweep to continue it", action="ran")
    return failed_row(run.spec(), f"{type(exc).__name__}: {exc}", action="ran")


def _cell(row, key, fmt):
    v = row.get(key)
    if isinstance(v, int | float) and v == v:
        return format(v, fmt)
    return "-".rjust(int(fmt.split(".")[0]))


def _interrupted_row(run):
    """The row of a run stopped by an interrupted sweep: the status its output has."""
    from source.io import load_header

    row = summary_table.pending_row(run)
    row["action"] = "interrupted"
    try:
        row["status"] = str(load_header(run.output).status or "pending")
    except (OSError, ValueError):       # no output yet, or not a readable tovflow file
        pass
    return row


def _table(sweep, rows):
    """A compact text table of the runs (name, status, M, F, wall)."""
    lines = [f"  {'run':<40} {'status':<10} {'M':>8} {'F lin':>8} {'F meas':>8} {'wall':>7}"]
    for run in sweep.runs[:60]:
        row = rows[run.name]
        st = row.get("status", "")
        st = "completed" if st == "completed" else st.split(":")[0][:10]

        lines.append(f"  {run.name[:40]:<40} {st:<10} {_cell(row, 'M', '8.4f')} "
                     f"{_cell(row, 'F_linear', '8.4f')} {_cell(row, 'F_measured', '8.4f')} "
                     f"{_cell(row, 'wall_seconds', '7.1f')}")
    if len(sweep.runs) > 60:
        lines.append(f"  ... {len(sweep.runs) - 60} more in the summary table")
    return "\n".join(lines)


def run_sweep(sweep, scheduler=None, n_workers=None, log=print, task=None, study=True):
    """Run every unfinished run of ``sweep`` (a ``spec.Sweep``) on Dask; returns a
    ``SweepResult``. ``scheduler``: an address or a cluster object (default: a new local
    cluster of ``n_workers`` processes, one per core); ``task``: the function a worker
    runs for a run (default ``tasks.run_task``); ``study``: run the sweep's study."""
    task = task or run_task
    t_start = time.perf_counter()
    out = sweep.output_dir
    out.mkdir(parents=True, exist_ok=True)
    plans = {run.name: plan_run(run.output, run.config) for run in sweep.runs}
    rows = {}
    for run in sweep.runs:
        rows[run.name] = _existing_row(run) if plans[run.name] == "done" else \
            summary_table.pending_row(run)
    paths = summary_table.write_summary(sweep, rows)
    todo = [run for run in sweep.runs if plans[run.name] != "done"]
    kept = len(sweep.runs) - len(todo)
    n_continue = sum(plans[r.name] == "restart" for r in todo)
    log(f"sweep {sweep.path or ''}: {len(sweep.runs)} runs into {out}/: {kept} finished "
        f"before (kept), {len(todo)} to run"
        + (f" ({n_continue} continue from their checkpoint)" if n_continue else ""))
    code = EXIT_OK
    if todo:
        code = _execute(sweep, todo, rows, kept, task, scheduler, n_workers, log)
    study_result = None
    if study and sweep.study and code != EXIT_INTERRUPTED:
        from .studies import run_study

        try:
            study_result = run_study(sweep, rows, log=log)
        except ValueError as e:
            log(f"{sweep.study} study: not done: {e}")
    statuses = [rows[r.name].get("status", "") for r in sweep.runs]
    actions = [rows[r.name].get("action", "") for r in sweep.runs]
    counts = {"runs": len(statuses), "finished": sum(map(is_finished, statuses)),
              "failed": sum(s.startswith("failed") for s in statuses),
              "kept": kept, "ran": sum(a in ("ran", "continued") for a in actions)}
    counts["unfinished"] = counts["runs"] - counts["finished"] - counts["failed"]
    if code == EXIT_OK and counts["finished"] < counts["runs"]:
        code = EXIT_RUN_FAILED
    wall = time.perf_counter() - t_start
    log(_table(sweep, rows))
    log(f"sweep: {counts['finished']}/{counts['runs']} finished, {counts['failed']} failed"
        + (f", {counts['unfinished']} unfinished" if counts["unfinished"] else "")
        + f" ({kept} kept, {counts['ran']} run now) in {_fmt_seconds(wall)}; summary {paths[0]} "
        f"and {paths[1].name}")
    return SweepResult(code, rows, paths, study_result, wall, counts)


def _warm(client, todo, token, log):
    """Warm the Numba cache with two-step runs in one worker (see ``tasks.warm_cache``)."""
    t0 = time.perf_counter()
    specs = warm_specs(todo)
    log(f"warming the Numba cache in one worker ({len(specs)} two-step "
        f"run{'s' if len(specs) != 1 else ''}) ...")
    warm = client.submit(warm_cache, specs, key=f"tovflow-warm-{token}", pure=False)
    try:
        for line in warm.result():
            log(f"  {line}")
    except Exception as e:  # noqa: BLE001 - the runs compile for themselves then
        log(f"  warm-up failed ({type(e).__name__}: {e}); the runs compile on their own")
    warm.release()    # not to be recomputed if its worker dies later
    log(f"  cache ready after {_fmt_seconds(time.perf_counter() - t0)}")


def _slots(client):
    """Tasks to keep in flight: one per worker thread (at least one, so that a cluster
    that is still starting its workers gets the first run)."""
    return max(1, sum(client.nthreads().values()))


def _execute(sweep, todo, rows, kept, task, scheduler, n_workers, log):
    """Run ``todo`` on the cluster; fills ``rows``; returns EXIT_OK or EXIT_INTERRUPTED.

    The runs are submitted the most expensive first and only as many at a time as the
    workers have threads: a worker then holds just the task it runs, so a worker that dies
    takes no queued task with it, and a finished task's result is released at once (Dask
    would otherwise recompute the results a dead worker held)."""
    from distributed import wait

    total = len(sweep.runs)
    queue = sorted(todo, key=run_cost, reverse=True)
    inflight = {}
    done_now = 0
    with sweep_client(scheduler, n_workers, log) as client:
        try:
            threads = client.run(numba_threads)
            if threads:
                seen = sorted({f"{t} (NUMBA_NUM_THREADS={n})" for t, n in threads.values()})
                log(f"workers' Numba threads: {', '.join(seen)}")
            token = uuid.uuid4().hex[:8]
            _warm(client, todo, token, log)
            t_submit = time.perf_counter()
            while queue or inflight:
                while queue and len(inflight) < _slots(client):
                    run = queue.pop(0)
                    fut = client.submit(task, run.spec(), key=f"tovflow-{run.name}-{token}",
                                        pure=False, retries=0)
                    inflight[fut] = run
                try:
                    finished, _ = wait(list(inflight), timeout=5,
                                       return_when="FIRST_COMPLETED")
                except (TimeoutError, asyncio.TimeoutError):   # look again for new workers
                    continue
                for fut in finished:
                    run = inflight.pop(fut)
                    try:
                        row = fut.result()
                    except Exception as e:  # noqa: BLE001 - the worker died, or similar
                        row = _killed_row(run, e)
                    fut.release()
                    rows[run.name] = row
                    summary_table.write_summary(sweep, rows)
                    done_now += 1
                    elapsed = time.perf_counter() - t_submit
                    eta = elapsed / done_now * (len(todo) - done_now)
                    log(progress_line(row, kept + done_now, total, elapsed, eta))
                    if row.get("traceback") and "ConfigError" not in row.get("error", ""):
                        log(row["traceback"].rstrip())
        except KeyboardInterrupt:
            log(f"\ninterrupted: {len(todo) - done_now} runs unfinished; their outputs keep "
                "their last checkpoint, rerun the sweep to continue them")
            for fut in inflight:
                fut.cancel()
            for run in todo:
                if rows[run.name].get("action") == "pending":
                    rows[run.name] = _interrupted_row(run)
            summary_table.write_summary(sweep, rows)
            return EXIT_INTERRUPTED
    return EXIT_OK
