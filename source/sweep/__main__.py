"""``python -m source.sweep SWEEP.toml``: run a parameter sweep on Dask.

Exit codes: 0 every run finished; 1 a run failed or is unfinished (the others ran, see the
summary table); 2 invalid sweep file or option (one line naming the key; nothing run);
130 interrupted (Ctrl-C or SIGTERM: finished runs are kept, the running ones keep their
last checkpoint; rerun to continue them).
"""

import argparse
import signal
import sys

from .driver import run_sweep
from .spec import SweepError, load_sweep


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m source.sweep",
        description="Run a sweep of tovflow stars as Dask tasks (a local cluster of one "
                    "worker process per core unless --scheduler is given). Rerunning keeps "
                    "finished runs and continues or redoes the others.")
    parser.add_argument("sweep", help="sweep file (TOML: base, [vary], [zip], output_dir, "
                        "study)")
    parser.add_argument("--scheduler", metavar="ADDRESS",
                        help="use an existing Dask scheduler, e.g. tcp://host:8786")
    parser.add_argument("--workers", type=int, metavar="N",
                        help="worker processes of the local cluster (default: one per core)")
    parser.add_argument("--output-dir", metavar="DIR",
                        help="output directory (instead of the file's output_dir)")
    parser.add_argument("--list", action="store_true",
                        help="validate, print the runs and their status, and exit")
    parser.add_argument("--no-study", action="store_true", help="skip the study")
    args = parser.parse_args(argv)
    if args.workers is not None and args.workers < 1:
        print("python -m source.sweep: --workers: must be >= 1", file=sys.stderr)
        return 2
    if args.workers is not None and args.scheduler:
        print("python -m source.sweep: --workers: only for the local cluster (not with "
              "--scheduler)", file=sys.stderr)
        return 2
    try:
        sweep = load_sweep(args.sweep, output_dir=args.output_dir)
    except SweepError as e:
        print(f"python -m source.sweep: {e}", file=sys.stderr)
        return 2
    if args.list:
        from .tasks import plan_run

        what = {"done": "finished (kept)", "restart": "continues from its checkpoint",
                "fresh": "to run"}
        print(f"{len(sweep.runs)} runs into {sweep.output_dir}/"
              + (f", study {sweep.study}" if sweep.study else ""))
        for run in sweep.runs:
            print(f"  {run.output.name:<50} {what[plan_run(run.output, run.config)]}")
        return 0
    previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        result = run_sweep(sweep, scheduler=args.scheduler, n_workers=args.workers,
                           study=not args.no_study)
    finally:
        signal.signal(signal.SIGTERM, previous)
    return result.code


def _terminate(signum, frame):
    """SIGTERM (e.g. a batch system's time limit) stops the sweep like Ctrl-C."""
    raise KeyboardInterrupt


if __name__ == "__main__":
    sys.exit(main())
