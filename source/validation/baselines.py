"""Stored baseline outputs: regenerate, and compare a fresh run against them.

Each baseline is an ordinary ``TOVEvolution.py`` output file in ``baselines/`` made by the
command listed in ``BASELINES``. ``make baseline-check`` reruns every baseline on both paths
(fused and modular) and prints the largest absolute and relative difference per variable;
``make baseline-update`` regenerates the files deliberately (commit them with a message
saying why the numbers changed).

    python -m source.validation.baselines check [--tolerance 1e-10]
    python -m source.validation.baselines update
"""

import argparse
import sys
import tempfile
from pathlib import Path

import numpy as np

from source.io import load_run

ROOT = Path(__file__).resolve().parents[2]
BASELINE_DIR = ROOT / "baselines"
COMMON = ["--mode", "cowling", "--num-points", "400", "--r-max", "20", "--steps", "1000",
          "--timeseries-every", "10", "--snapshot-every", "500", "--quiet"]
BASELINES = {
    "cowling_n400_mp5_hll_kastaun": COMMON + ["--recon", "mp5", "--riemann", "hll",
                                              "--c2p", "kastaun"],
    "cowling_n400_wenoz_hllc_newton": COMMON + ["--recon", "wenoz", "--riemann", "hllc",
                                                "--c2p", "newton"],
    "cowling_n400_mc_llf_polytrope": COMMON + ["--recon", "mc", "--riemann", "llf",
                                               "--eos", "polytrope"],
}
SNAPSHOT_FIELDS = ("rho0", "vr", "press", "eps", "W", "D", "S_r", "tau")
TIMESERIES_FIELDS = ("t", "rho_c", "rho_max", "v_c", "baryon_mass", "mass_outflow",
                     "mass_reset", "c2p_failures")
# Relative tolerance of the regression test: bit-identical on the machine that wrote the
# files; 1e-10 leaves room for another CPU, libm or LLVM version (the kernels are not
# fastmath, but LLVM's code for the host CPU may round differently, e.g. with FMA).
DEFAULT_TOLERANCE = 1e-10
# The baselines are equilibrium stars, whose velocity is truncation error (|v| ~ 1e-8): on
# another CPU its round-off (~1e-15 in units of c) is 1e-8 of its own size. Velocities are
# therefore compared in units of c, and the momentum density S_r in units of the rest-mass
# density D of the same snapshot (|S_r| <= h W^2 |v| D); every other variable relative to its
# own largest value.
VELOCITY_SCALE = 1.0


def command(name):
    """The command line that makes baseline ``name``."""
    return ["python", "TOVEvolution.py", *BASELINES[name], "--output",
            f"baselines/{name}.h5"]


def make(name, output, path="fused"):
    """Run baseline ``name`` into ``output`` on the given path (library API,
    ``runner.run``); returns the exit code."""
    from source.evolution.config import RunConfig
    from source.evolution.options import parse_flags
    from source.evolution.runner import run

    flags = [a for a in BASELINES[name] if a != "--quiet"]
    cfg = RunConfig(**parse_flags(flags), path=path)
    return run(cfg, output, overwrite=True, log=lambda *a, **k: None).code


def differences(reference, candidate):
    """{variable: (max abs diff, max rel diff)} between two output files (interior cells
    of every snapshot, and the time series)."""
    out = {}
    a, b = load_run(reference), load_run(candidate)
    b_snapshots = {s.step: s for s in b.snapshots}
    for snap in a.snapshots:
        floors = {"vr": VELOCITY_SCALE, "S_r": float(np.max(np.abs(snap["D"][3:-3])))}
        for v in SNAPSHOT_FIELDS:
            _accumulate(out, f"snapshot/{v}", snap[v][3:-3], b_snapshots[snap.step][v][3:-3],
                        floors.get(v, 0.0))
    for v in TIMESERIES_FIELDS:
        _accumulate(out, f"timeseries/{v}", a.timeseries[v], b.timeseries[v],
                    VELOCITY_SCALE if v == "v_c" else 0.0)
    return out


def _accumulate(out, key, x, y, floor=0.0):
    """Largest absolute difference, and relative to max(max|x|, floor)."""
    if x.shape != y.shape:
        out[key] = (np.inf, np.inf)
        return
    d = np.abs(x - y)
    scale = max(float(np.max(np.abs(x))) if x.size else 0.0, floor)
    rel = float(np.max(d) / scale) if scale > 0 else float(np.max(d, initial=0.0))
    prev = out.get(key, (0.0, 0.0))
    out[key] = (max(prev[0], float(np.max(d, initial=0.0))), max(prev[1], rel))


def check(tolerance=DEFAULT_TOLERANCE, paths=("fused", "modular"), names=None):
    """Rerun the baselines and print the differences; returns True if all are within
    ``tolerance`` (relative to each variable's scale: its largest value, c for the
    velocities, the largest D for S_r)."""
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        for name in names or BASELINES:
            ref = BASELINE_DIR / f"{name}.h5"
            if not ref.exists():
                print(f"{name}: missing {ref} (run `make baseline-update`)")
                ok = False
                continue
            for path in paths:
                cand = Path(tmp) / f"{name}_{path}.h5"
                if make(name, cand, path) != 0:
                    print(f"{name} [{path}]: run failed")
                    ok = False
                    continue
                diffs = differences(ref, cand)
                worst = max(r for _, r in diffs.values())
                status = "ok" if worst <= tolerance else "DIFFERS"
                ok &= worst <= tolerance
                print(f"{name} [{path}]: {status} (worst relative difference {worst:.3e}, "
                      f"tolerance {tolerance:.0e})")
                for key, (absd, reld) in diffs.items():
                    print(f"    {key:<24} max abs {absd:.3e}   max rel {reld:.3e}")
    return ok


def update(names=None):
    BASELINE_DIR.mkdir(exist_ok=True)
    for name in names or BASELINES:
        out = BASELINE_DIR / f"{name}.h5"
        code = make(name, out)
        print(f"{name}: {'written' if code == 0 else 'FAILED'} {out}\n    command: "
              + " ".join(command(name)))
        if code != 0:
            return False
    return True


def main(argv=None):
    p = argparse.ArgumentParser(description="stored baseline outputs")
    p.add_argument("action", choices=["check", "update", "list"])
    p.add_argument("--tolerance", type=float, default=DEFAULT_TOLERANCE)
    a = p.parse_args(argv)
    if a.action == "list":
        for name in BASELINES:
            print(name + ": " + " ".join(command(name)))
        return 0
    if a.action == "update":
        return 0 if update() else 1
    return 0 if check(a.tolerance) else 1


if __name__ == "__main__":
    sys.exit(main())
