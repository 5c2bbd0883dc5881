"""The documentation's generated figures (run from the repository root; needs the ``plot``
extra):

    python docs/figures/make_figures.py            # all three, about 15 s with a warm cache

* ``modes.png``: the spectrum of rho_c(t) of the ``make run`` demo star (a short Cowling
  run, made here in a temporary directory) with the linear radial modes of the same star;
* ``convergence.png``: measured errors against resolution, from the tables of
  ``docs/validation.md`` (smooth-flow advection and the static TOV star);
* ``performance.png``: time of 100 RK4 steps, tovflow against the old code, from the
  table of ``docs/performance.md``.

The numbers of the last two are copied from those pages (measured as described there);
the first figure is measured every time the script runs.
"""

import subprocess
import sys
import tempfile
from pathlib import Path

import matplotlib
import matplotlib.ticker

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
OUT = Path(__file__).resolve().parent
DEMO = ["--num-points", "200", "--r-max", "20", "--cfl", "0.4", "--t-final", "600"]

# docs/validation.md, "Smooth flow: design orders": L1 error of D at t = 1
SMOOTH_N = [32, 64, 128, 256]
SMOOTH_L1 = {
    "minmod": [8.845e-3, 2.775e-3, 7.859e-4, 2.142e-4],
    "MC": [1.247e-3, 3.220e-4, 8.059e-5, 1.918e-5],
    "WENO5": [1.914e-5, 6.001e-7, 1.875e-8, 5.857e-10],
    "MP5": [2.710e-6, 8.544e-8, 2.676e-9, 8.365e-11],
}
# docs/validation.md, "TOV convergence": mean |rho_c(t) - rho_c(0)| over t in [0, 50]
TOV_N = [100, 200, 400, 800]
TOV_DRHO_C = {
    "MC": [7.119e-7, 1.439e-7, 3.292e-8, 7.652e-9],
    "MP5": [7.893e-8, 1.843e-8, 4.113e-9, 1.023e-9],
}
# docs/performance.md, Intel Xeon, one thread: seconds per 100 RK4 steps
PERF_COWLING = [("old code (NumPy)", 0.793), ("old code, Numba", 0.403),
                ("old code, JAX", 0.136), ("tovflow modular", 0.0315),
                ("tovflow fused", 0.0108)]
PERF_DYNAMIC = [("old code, Numba", 5.48), ("old code, JAX", 0.673),
                ("tovflow fused", 0.0260)]


def modes_figure(path):
    sys.path.insert(0, str(ROOT))
    from source.evolution.analysis import mode_spectrum
    from source.io import load_run

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "demo.h5"
        subprocess.run([sys.executable, str(ROOT / "TOVEvolution.py"), *DEMO, "--quiet",
                        "--output", str(out)], check=True, cwd=ROOT,
                       stdout=subprocess.DEVNULL)
        run = load_run(out, snapshots=False)
        measured, expected = run.mode_frequencies()
        f_khz, power = mode_spectrum(run.t, run.timeseries["rho_c"])
    keep = f_khz <= 8.0
    fig, ax = plt.subplots(figsize=(7, 3.6))
    ax.semilogy(f_khz[keep], power[keep], color="C0", label="spectrum of rho_c(t)")
    for i, (name, f_lin) in enumerate(expected.items()):
        ax.axvline(f_lin, color="k", ls=":", label="linear Cowling modes" if i == 0 else None)
        ax.annotate(f"{name}\n{measured[name]:.3f} kHz\n(linear {f_lin:.3f})",
                    (f_lin, power[keep].max()), textcoords="offset points",
                    xytext=(4, -34), fontsize=8)
    ax.set_xlabel("f [kHz]")
    ax.set_ylabel("power")
    ax.set_title("Cowling star, N = 200, t = 600 (make run): radial modes", fontsize=10)
    ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _slope_guide(ax, n, e0, order, text):
    n = np.asarray(n, dtype=float)
    ax.loglog(n, e0 * (n / n[0]) ** -order, color="gray", ls="--", lw=0.8)
    ax.annotate(text, (n[-1], e0 * (n[-1] / n[0]) ** -order), fontsize=8, color="gray",
                textcoords="offset points", xytext=(-38, 6))


def _resolution_axis(ax, n):
    ax.xaxis.set_minor_locator(matplotlib.ticker.NullLocator())
    ax.set_xticks(n, [str(k) for k in n])


def convergence_figure(path):
    fig, (a, b) = plt.subplots(1, 2, figsize=(9, 3.6))
    for name, err in SMOOTH_L1.items():
        a.loglog(SMOOTH_N, err, "o-", label=name)
    _slope_guide(a, SMOOTH_N, 3e-3, 2, "order 2")
    _slope_guide(a, SMOOTH_N, 1e-6, 5, "order 5")
    _resolution_axis(a, SMOOTH_N)
    a.set_xlabel("N")
    a.set_ylabel("L1 error of D")
    a.set_title("smooth advection, t = 1", fontsize=10)
    a.legend(fontsize=8)
    for name, err in TOV_DRHO_C.items():
        b.loglog(TOV_N, err, "o-", label=name)
    _slope_guide(b, TOV_N, 4e-7, 2, "order 2")
    _resolution_axis(b, TOV_N)
    b.set_xlabel("N (r_max = 20)")
    b.set_ylabel("mean |rho_c(t) - rho_c(0)|, t <= 50")
    b.set_title("static TOV star, Cowling", fontsize=10)
    b.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def performance_figure(path):
    fig, (a, b) = plt.subplots(1, 2, figsize=(9, 3.2), gridspec_kw={"width_ratios": [5, 3]})
    for ax, rows, title in ((a, PERF_COWLING, "Cowling, N = 400"),
                            (b, PERF_DYNAMIC, "dynamic, N = 400")):
        names = [r[0] for r in rows]
        secs = [r[1] for r in rows]
        colors = ["C1" if n.startswith("tovflow") else "C7" for n in names]
        ax.barh(names, secs, color=colors)
        ax.set_xscale("log")
        ax.invert_yaxis()
        ax.set_xlabel("s per 100 RK4 steps (one thread)")
        ax.set_title(title, fontsize=10)
        for y, s in enumerate(secs):
            ax.annotate(f"{s * 1e3:.1f} ms" if s < 1 else f"{s:.2f} s", (s, y),
                        textcoords="offset points", xytext=(3, -3), fontsize=8)
        ax.set_xlim(right=max(secs) * 12)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main():
    convergence_figure(OUT / "convergence.png")
    performance_figure(OUT / "performance.png")
    modes_figure(OUT / "modes.png")
    for name in ("convergence.png", "performance.png", "modes.png"):
        print("wrote", OUT / name)


if __name__ == "__main__":
    main()
