"""Cold start of two source trees, A/B: CPU time of a first run from an empty Numba cache.

    python profiling/compile_ab.py OLD_TREE NEW_TREE [MORE_TREES ...] [--mode cowling|dynamic]
                                   [--pairs 5] [--warm] [--top 20]

Each tree is a checkout (e.g. ``git worktree add /tmp/old 30bf6ff``); its first step is
measured by ``compile_times.measure`` in a child process started from the tree's root, so
that ``import source`` is that tree's package (checked). The trees alternate within each
pair (old-new, new-old, ...) so that slow phases of a shared machine hit both alike. Printed:
the medians over the pairs of the child's CPU time (``time.process_time``, all threads,
interpreter start included) to the end of the import, of the set-up (TOV, geometry) and of
the first step, of its wall time, and the functions whose own compile CPU time (median)
differs most, and those compiled in one tree only.

``--warm`` measures as well the first run after ``python -m source.warmup --only
MODE-serial`` into a temporary cache (one per tree, warmed once): import, load from the
cache and the first step, which is what a user sees after installing.
Use ``NUMBA_NUM_THREADS=1`` and ``--threads 1`` for timing.
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from compile_times import cpu_model, measure, own_times

FIELDS = (("import_cpu_s", "import CPU s"), ("setup_cpu_s", "set-up CPU s"),
          ("first_step_cpu_s", "first step CPU s"), ("compile_cpu_s", "JIT CPU s"),
          ("first_step_s", "first step wall s"), ("compilations", "compilations"))


def summary(result):
    """The figures of one child's record that are compared."""
    top = [r for r in result["records"] if r["depth"] == 0]
    return {**{k: result[k] for k in ("import_cpu_s", "setup_cpu_s", "first_step_cpu_s",
                                      "first_step_s")},
            "compile_cpu_s": sum(r["inclusive_cpu_s"] for r in top),
            "compilations": len(result["records"])}


def warm_cache(tree, mode, threads, directory, python):
    """Fill ``directory`` with the tree's kernels as ``make install`` does."""
    env = {**os.environ, "NUMBA_CACHE_DIR": str(directory)}
    subprocess.run([python, "-m", "source.warmup", "--only", f"{mode}-serial"
                    if str(threads) == "1" else f"{mode}-parallel", "--jobs", "1"],
                   cwd=tree, env=env, check=True, capture_output=True)


def ab(trees, mode, threads, pairs, caches, python, log=print):
    """{tree: [result, ...]} of ``pairs`` alternating runs (caches[tree]: None = cold)."""
    results = {t: [] for t in trees}
    for i in range(pairs):
        for t in (trees if i % 2 == 0 else trees[::-1]):
            r = measure(t, mode, threads, caches[t], python)
            results[t].append(r)
            s = summary(r)
            log(f"  pair {i + 1} {Path(t).name:>16}: first step {s['first_step_cpu_s']:6.2f} s "
                f"CPU, {s['first_step_s']:6.2f} s wall, JIT {s['compile_cpu_s']:6.2f} s CPU, "
                f"{s['compilations']} compilations", flush=True)
    return results


def report(trees, results, top, log=print):
    """Medians per tree, and the per-function differences between the first and the last."""
    names = [Path(t).name for t in trees]
    log(f"{'median over pairs':24}" + "".join(f"{n[-16:]:>17}" for n in names)
        + f"{'last/first':>11}")
    for key, label in FIELDS:
        med = [statistics.median(summary(r)[key] for r in results[t]) for t in trees]
        log(f"{label:24}" + "".join(f"{m:17.2f}" for m in med)
            + (f"{med[-1] / med[0]:11.3f}" if med[0] else ""))
    if top <= 0:
        return
    trees, names = [trees[0], trees[-1]], [names[0], names[-1]]
    own = {t: [own_times(r["records"]) for r in results[t]] for t in trees}
    functions = set().union(*(o.keys() for t in trees for o in own[t]))
    med = {t: {f: statistics.median(o.get(f, 0.0) for o in own[t]) for f in functions}
           for t in trees}
    diff = sorted(functions, key=lambda f: -abs(med[trees[1]][f] - med[trees[0]][f]))
    log(f"\n{'own compile CPU s (median), largest differences':64}"
        + "".join(f"{n[:9]:>10}" for n in names) + f"{'diff':>8}")
    for f in diff[:top]:
        a, b = med[trees[0]][f], med[trees[1]][f]
        log(f"{f[-64:]:64}{a:10.3f}{b:10.3f}{b - a:+8.3f}")
    for t, other, n in ((trees[0], trees[1], names[0]), (trees[1], trees[0], names[1])):
        only = sorted(f for f in functions
                      if any(f in o for o in own[t]) and not any(f in o for o in own[other]))
        log(f"compiled only in {n}: {', '.join(only) or '-'}")


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("old")
    p.add_argument("new")
    p.add_argument("more", nargs="*", help="further trees (the last is compared with OLD)")
    p.add_argument("--mode", default="cowling", choices=["cowling", "dynamic"])
    p.add_argument("--threads", default="1")
    p.add_argument("--pairs", type=int, default=5)
    p.add_argument("--top", type=int, default=20)
    p.add_argument("--warm", action="store_true",
                   help="also the first run after source.warmup (cache loaded)")
    p.add_argument("--python", default=sys.executable)
    a = p.parse_args(argv)
    trees = [str(Path(t).resolve()) for t in (a.old, a.new, *a.more)]
    print(f"{a.mode} mode, threads {a.threads}, {a.pairs} pairs; CPU: {cpu_model()}; "
          f"nproc {os.cpu_count()}; NUMBA_NUM_THREADS "
          f"{os.environ.get('NUMBA_NUM_THREADS', 'default')}", flush=True)
    print("cold start (empty cache):", flush=True)
    results = ab(trees, a.mode, a.threads, a.pairs, dict.fromkeys(trees), a.python)
    report(trees, results, a.top)
    if a.warm:
        with tempfile.TemporaryDirectory() as tmp:
            caches = {t: Path(tmp) / f"cache{i}" for i, t in enumerate(trees)}
            for t in trees:
                warm_cache(t, a.mode, a.threads, caches[t], a.python)
            print("\nwarm start (after source.warmup):", flush=True)
            results = ab(trees, a.mode, a.threads, a.pairs, caches, a.python)
            report(trees, results, 0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
