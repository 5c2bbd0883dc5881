"""Post-processing: radial-mode frequencies from a central-density time series.

Units: t in M_sun; f[kHz] = f[1/M_sun] / (1 M_sun in ms, ``source.units.MSUN_SECONDS``).
Output files are read with ``source.io.load_run``.

    python -m source.evolution.analysis out.h5 [--plot DIR]
"""

import numpy as np

from source.io import load_run
from source.units import MSUN_SECONDS


def to_khz(f_per_msun):
    """Convert a frequency from 1/M_sun to kHz."""
    return np.asarray(f_per_msun) / (MSUN_SECONDS * 1e3)


def mode_spectrum(t, signal, t_min=10.0, pad_factor=16):
    """Power spectrum of ``signal(t)`` (uniform t) after removing the mean.

    A Hann window is applied to t >= t_min and the series is zero-padded by ``pad_factor``.
    Returns (f_khz, power).
    """
    t = np.asarray(t, dtype=float)
    s = np.asarray(signal, dtype=float)
    keep = t >= t_min
    t, s = t[keep], s[keep]
    if t.size < 16:
        raise ValueError("time series too short for a spectrum")
    dt = np.median(np.diff(t))
    s = (s - s.mean()) * np.hanning(s.size)
    nfft = int(2 ** np.ceil(np.log2(s.size * pad_factor)))
    power = np.abs(np.fft.rfft(s, nfft)) ** 2
    f = np.fft.rfftfreq(nfft, dt)
    return to_khz(f), power


def peak_frequencies(t, signal, f_min_khz=1.0, f_max_khz=15.0, num_peaks=3, t_min=10.0,
                     separation_khz=0.8):
    """The ``num_peaks`` strongest local maxima of the spectrum in [f_min, f_max] (kHz),
    at least ``separation_khz`` apart, refined by parabolic interpolation of log-power,
    sorted by frequency."""
    f, p = mode_spectrum(t, signal, t_min=t_min)
    band = (f >= f_min_khz) & (f <= f_max_khz)
    idx = np.flatnonzero(band)
    lp = np.log(p + 1e-300)
    maxima = [i for i in idx[1:-1] if p[i] >= p[i - 1] and p[i] >= p[i + 1]]
    maxima.sort(key=lambda i: -p[i])
    chosen = []
    for i in maxima:
        if all(abs(f[i] - f[j]) >= separation_khz for j in chosen):
            chosen.append(i)
        if len(chosen) == num_peaks:
            break
    out = []
    for i in chosen:
        a, b, c = lp[i - 1], lp[i], lp[i + 1]
        denom = a - 2 * b + c
        shift = 0.5 * (a - c) / denom if denom != 0 else 0.0
        out.append(f[i] + shift * (f[1] - f[0]))
    return sorted(out)


def fundamental_frequency(t, signal, f_min_khz=1.5, f_max_khz=3.5, t_min=10.0):
    """The strongest spectral peak between f_min and f_max (kHz): the F-mode in Cowling.

    Raises ValueError if the band holds no spectral peak."""
    peaks = peak_frequencies(t, signal, f_min_khz, f_max_khz, 1, t_min)
    if not peaks:
        raise ValueError(f"no spectral peak between {f_min_khz} and {f_max_khz} kHz")
    return peaks[0]


# Frequency bands (kHz) of the first radial modes of the standard star in Cowling
# (linear theory 2.686 / 4.549 / 6.341 kHz); the default of ``mode_frequencies``.
COWLING_BANDS = {"F": (1.5, 3.5), "H1": (3.6, 5.4), "H2": (5.5, 7.2)}


def mode_frequencies(t, signal, bands=None, t_min=10.0):
    """Strongest spectral peak (kHz) in each band: {"F": f, "H1": f, ...}; NaN where the
    band holds no local maximum (too short a run to resolve it)."""
    bands = COWLING_BANDS if bands is None else bands
    out = {}
    for name, (lo, hi) in bands.items():
        peaks = peak_frequencies(t, signal, lo, hi, 1, t_min, separation_khz=0.0)
        out[name] = peaks[0] if peaks else float("nan")
    return out


def expected_modes(config, num_modes=3):
    """Linear radial modes (kHz) of a run's own star: {"F": f, "H1": f, ...}, Cowling for
    Cowling runs and the coupled (full GR) problem for dynamic runs
    (``source.initialdata.radial_modes``); unstable modes (omega^2 < 0) are left out."""
    from source.initialdata.radial_modes import star_radial_modes
    from source.matter.eos.eos_catalogue import POLYTROPE_ID, star_cold_eos

    kind = "coupled" if config.get("mode", "cowling") == "dynamic" else "cowling"
    if config.get("eos_table"):
        from source.matter.eos.tabulated import TabulatedEOS

        cold = TabulatedEOS.from_file(config["eos_table"], sha256=config.get("eos_table_sha256"))
    else:
        cold = star_cold_eos(config.get("eos_id", POLYTROPE_ID), config["K"], config["gamma"])
    modes = star_radial_modes(cold, config["rho_central"], num_modes, kind)
    return {name: float(f) for name, f in zip(modes.names, modes.frequency_khz, strict=True)
            if np.isfinite(f)}


def bands_around(expected):
    """Search bands around expected frequencies: each mode's band reaches half-way to its
    neighbours (below the first: half its frequency; above the last: half its distance to
    the previous one, or half its own frequency)."""
    names = list(expected)
    f = [expected[n] for n in names]
    bands = {}
    for k, name in enumerate(names):
        lo = 0.5 * (f[k - 1] + f[k]) if k > 0 else 0.5 * f[k]
        if k + 1 < len(f):
            hi = 0.5 * (f[k] + f[k + 1])
        else:
            hi = f[k] + (0.5 * (f[k] - f[k - 1]) if k > 0 else 0.5 * f[k])
        bands[name] = (lo, hi)
    return bands


def run_mode_frequencies(run, signal="rho_c", num_modes=3, t_min=10.0):
    """Radial-mode frequencies (kHz) of a time-series column of a run (``source.io.Run``),
    against linear theory.

    Returns ``(measured, expected)``, two dicts keyed "F", "H1", ...: ``expected`` the
    linear modes of this run's own star (Cowling or coupled by the run's mode,
    ``expected_modes``; unstable modes are left out), ``measured`` the strongest spectral
    peak of ``signal`` (t >= ``t_min``) in a band around each (``bands_around``,
    ``mode_frequencies``; NaN where the band holds no peak). Raises ``ValueError`` when
    the series is too short for a spectrum.
    """
    if signal not in run.timeseries or run.t is None:
        raise ValueError(f"{run.path}: no time-series column {signal!r}")
    expected = expected_modes(run.config, num_modes)
    if not expected:
        return {}, expected
    measured = mode_frequencies(run.t, run.timeseries[signal], bands_around(expected),
                                t_min=t_min)
    return measured, expected


#: rho_c/rho_c(0) - 1 below which a run is static (no mode frequencies to report).
STATIC_TOLERANCE = 1e-12


def summarize_run(path):
    """Text summary of an output file: star, run status, mode frequencies, rest-mass books."""
    run = load_run(path, snapshots=False)
    cfg, ts, star = run.config, run.timeseries, run.star
    lines = [f"{path}: {run.status}",
             f"  star: M = {star['M_star']:.6f}, R_iso = {star['R_iso']:.6f}"
             f", rho_c = {cfg['rho_central']:g}; N = {cfg['num_points']}, "
             f"r_max = {cfg['r_max']:g}, {cfg['recon']}/{cfg['riemann']}/{cfg['c2p']}"]
    t, rho_c, m = ts["t"], ts["rho_c"], ts["baryon_mass"]
    lines.append(f"  t = {t[0]:g} .. {t[-1]:g} ({t.size} rows); rho_c/rho_c(0) - 1 in "
                 f"[{(rho_c / rho_c[0] - 1).min():+.3e}, {(rho_c / rho_c[0] - 1).max():+.3e}]")
    kind = "coupled" if cfg.get("mode", "cowling") == "dynamic" else "Cowling"
    expected = expected_modes(cfg)
    need = 2.0 / (expected["F"] * 1e3 * MSUN_SECONDS) if "F" in expected else float("inf")
    if "F" not in expected:
        lines.append(f"  (the initial star's {kind} F-mode is unstable, omega^2 < 0: no "
                     "oscillation frequencies to compare)")
    elif np.max(np.abs(rho_c / rho_c[0] - 1)) < STATIC_TOLERANCE:
        lines.append("  rho_c constant to round-off: no oscillation to measure (e.g. the "
                     "unperturbed star with --well-balanced)")
    elif t[-1] - t[0] >= need:
        freqs = mode_frequencies(t, rho_c, bands_around(expected))
        lines.append(f"  radial modes from rho_c(t) [kHz] (linear {kind} theory of this "
                     "star beside them):")
        for k, v in freqs.items():
            lines.append(f"    {k:>3}: {v:7.4f}   linear {expected[k]:7.4f}   "
                         f"({100 * (v / expected[k] - 1):+.2f} %)")
    else:
        lines.append(f"  (run too short for mode frequencies: need t >= {need:.0f}, two "
                     f"periods of the linear {kind} F-mode)")
    dM = m[-1] - m[0]
    excised = ts["mass_excised"][-1] if "mass_excised" in ts else 0.0
    lines.append(f"  rest mass: {m[0]:.10f} -> {m[-1]:.10f} ({dM / m[0]:+.3e}); outflow "
                 f"{ts['mass_outflow'][-1]:.3e}, atmosphere resets {ts['mass_reset'][-1]:+.3e},"
                 + (f" removed inside the horizon {-excised:.3e}," if excised else "")
                 + f" unaccounted "
                 f"{dM + ts['mass_outflow'][-1] - ts['mass_reset'][-1] - excised:+.3e}")
    lines.append(f"  c2p failures: {int(ts['c2p_failures'].sum())}")
    if "alpha_c" in ts:
        lines.append(f"  lapse at the centre {ts['alpha_c'][0]:.6f} -> {ts['alpha_c'][-1]:.6f};"
                     f" ADM mass {ts['adm_mass'][0]:.6f} -> {ts['adm_mass'][-1]:.6f}; "
                     f"Hamiltonian constraint in the star (rms) {ts['ham_l2_star'][0]:.3e} -> "
                     f"{ts['ham_l2_star'][-1]:.3e}")
        hits = np.flatnonzero(ts["ah_found"] > 0)
        if hits.size:
            m_ah = ts["ah_mass"][-1]
            lines.append(f"  apparent horizon first found at t = {t[hits[0]]:.6g}; at t = "
                         f"{t[-1]:.6g}: r = {ts['ah_radius'][-1]:.5g} (areal "
                         f"{ts['ah_areal_radius'][-1]:.5g}), M_AH = {m_ah:.6f}, M_AH / M_ADM "
                         f"= {m_ah / ts['adm_mass'][0]:.5f} (ADM mass of the initial data); "
                         f"rest mass removed inside the horizon {-excised:.6f}")
    return "\n".join(lines)


def plot_run(path, outdir):
    """PNG figures of a run (needs matplotlib, the ``plot`` extra): rho_c(t), its spectrum,
    rest-mass change, and the density profiles of the snapshots."""
    from pathlib import Path

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    run = load_run(path)
    expected = expected_modes(run.config)
    t = run.timeseries["t"]
    rho_c = run.timeseries["rho_c"]
    m = run.timeseries["baryon_mass"]
    snaps = [(s.t, s["r"], s["rho0"]) for s in run.snapshots]
    dyn = snaps_dyn = None
    if "alpha_c" in run.timeseries:
        dyn = run.timeseries
        snaps_dyn = [(s.t, s["r"], s["lapse"], s["rho0"]) for s in run.snapshots]
    fig, ax = plt.subplots(3, 1, figsize=(7, 9), constrained_layout=True)
    ax[0].plot(t, rho_c / rho_c[0] - 1)
    ax[0].set(xlabel="t [M_sun]", ylabel="rho_c / rho_c(0) - 1")
    if t[-1] - t[0] > 50:
        fk, p = mode_spectrum(t, rho_c)
        keep = fk < 15
        ax[1].semilogy(fk[keep], p[keep])
        for v in expected.values():
            ax[1].axvline(v, ls=":", c="k")
    ax[1].set(xlabel="f [kHz]", ylabel="power of rho_c(t)")
    ax[2].plot(t, m / m[0] - 1)
    ax[2].set(xlabel="t [M_sun]", ylabel="M0 / M0(0) - 1")
    out1 = outdir / "timeseries.png"
    fig.savefig(out1, dpi=110)
    plt.close(fig)
    fig, ax = plt.subplots(figsize=(7, 4), constrained_layout=True)
    for ts_, r, rho in snaps[:: max(1, len(snaps) // 6)]:
        ax.semilogy(r[3:-3], rho[3:-3], label=f"t = {ts_:.0f}")
    ax.set(xlabel="r (isotropic)", ylabel="rho0")
    ax.legend(fontsize=8)
    out2 = outdir / "profiles.png"
    fig.savefig(out2, dpi=110)
    plt.close(fig)
    outs = [out1, out2]
    if dyn is not None:
        outs += _plot_dynamic(plt, outdir, dyn, snaps_dyn)
    return outs


def _plot_dynamic(plt, outdir, ts, snaps):
    """Figures of a dynamic run: rho_c, lapse, constraints and masses against time; the
    apparent horizon; lapse and density profiles."""
    t = ts["t"]
    found = ts["ah_found"] > 0
    fig, ax = plt.subplots(2, 2, figsize=(10, 7), constrained_layout=True)
    ax[0, 0].semilogy(t, ts["rho_c"])
    ax[0, 0].set(xlabel="t [M_sun]", ylabel="rho_c")
    ax[0, 1].plot(t, ts["alpha_c"])
    ax[0, 1].set(xlabel="t [M_sun]", ylabel="alpha_c (central lapse)")
    ax[1, 0].semilogy(t, ts["ham_l2_star"], label="H, rms in the star")
    ax[1, 0].semilogy(t, ts["ham_max"], label="max |H|")
    ax[1, 0].semilogy(t, np.maximum(ts["mom_l2_star"], 1e-30), label="M^r, rms in the star")
    ax[1, 0].set(xlabel="t [M_sun]", ylabel="constraints")
    ax[1, 0].legend(fontsize=8)
    ax[1, 1].plot(t, ts["adm_mass"], label="ADM mass (Misner-Sharp at r_max)")
    if found.any():
        ax[1, 1].plot(t[found], ts["ah_mass"][found], label="apparent-horizon mass")
    ax[1, 1].plot(t, ts["baryon_mass"], label="rest mass on the grid")
    ax[1, 1].set(xlabel="t [M_sun]", ylabel="mass [M_sun]")
    ax[1, 1].legend(fontsize=8)
    out1 = outdir / "dynamic.png"
    fig.savefig(out1, dpi=110)
    plt.close(fig)
    outs = [out1]
    if found.any():
        fig, ax = plt.subplots(1, 2, figsize=(10, 3.6), constrained_layout=True)
        ax[0].plot(t[found], ts["ah_radius"][found], label="coordinate")
        ax[0].plot(t[found], ts["ah_areal_radius"][found], label="areal")
        ax[0].set(xlabel="t [M_sun]", ylabel="horizon radius")
        ax[0].legend(fontsize=8)
        ax[1].plot(t[found], ts["ah_mass"][found] / ts["adm_mass"][0])
        ax[1].set(xlabel="t [M_sun]", ylabel="M_AH / M_ADM(t = 0)")
        out = outdir / "horizon.png"
        fig.savefig(out, dpi=110)
        plt.close(fig)
        outs.append(out)
    fig, ax = plt.subplots(1, 2, figsize=(10, 3.8), constrained_layout=True)
    for ts_, r, alpha, rho in snaps[:: max(1, len(snaps) // 6)]:
        ax[0].plot(r[3:-3], alpha[3:-3], label=f"t = {ts_:.0f}")
        ax[1].semilogy(r[3:-3], rho[3:-3], label=f"t = {ts_:.0f}")
    ax[0].set(xlabel="r (isotropic)", ylabel="lapse", xlim=(0, min(30, r[-1])))
    ax[1].set(xlabel="r (isotropic)", ylabel="rho0", xlim=(0, min(30, r[-1])))
    ax[0].legend(fontsize=8)
    out = outdir / "dynamic_profiles.png"
    fig.savefig(out, dpi=110)
    plt.close(fig)
    outs.append(out)
    return outs


def main(argv=None):
    import argparse
    import sys

    p = argparse.ArgumentParser(prog="python -m source.evolution.analysis",
                                description="Summarize (and optionally plot) a tovflow run.")
    p.add_argument("output", help="HDF5 file written by TOVEvolution.py")
    p.add_argument("--plot", metavar="DIR", help="write PNG figures into DIR (matplotlib)")
    a = p.parse_args(argv)
    try:
        summary = summarize_run(a.output)
    except (OSError, ValueError) as e:     # load_run's errors name the file and the problem
        print(f"{p.prog}: {e}", file=sys.stderr)
        return 2
    print(summary)
    if a.plot:
        for f in plot_run(a.output, a.plot):
            print(f"  wrote {f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
