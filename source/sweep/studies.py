"""Studies over the finished runs of a sweep: convergence and stellar sequences.

``convergence`` (3 or more resolutions, ``num_points`` varied): the error of the central
density and of the rest mass against the grid spacing dr, the observed orders between
successive resolutions and from a least-squares fit, and a Richardson estimate.

* rho_c error: with ``reference = "initial"`` (the default for an unperturbed star, which
  should stay static) the time mean of |rho_c(t) - rho_c(0)| over the run; with
  ``reference = "finest"`` (the default for a perturbed star) the time mean of
  |rho_c(t) - rho_c_finest(t)|, the finest run interpolated in time (that run then has no
  error of its own).
* rest-mass error: the rest mass of the initial data on the grid against the TOV star's
  M0; the Richardson estimate from the three finest resolutions, M0(dr) = M0 + c dr^p
  solved for p and M0, should be much closer to the TOV value than the finest grid.
  (The evolution conserves the rest mass to round-off in the partial formulation; its
  drift is listed beside.)

Writes ``convergence.txt``, ``convergence.json`` and ``convergence.png`` in the output
directory.

``sequence`` (one star parameter varied, ``rho_central`` by default): the measured
F- and H1-mode frequencies of each star next to the linear-theory curve of the sequence
(Cowling or coupled, by the mode), the relative differences, and in dynamic mode the
maximum-mass model, where the coupled F-mode's omega^2 crosses zero. Writes
``sequence.txt``, ``sequence.json`` and ``sequence.png``.
"""

import json
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from source.units import MSUN_MS

from .tasks import is_finished


@dataclass
class StudyResult:
    """A study's report (``text``), its numbers (``data``) and its files."""

    kind: str
    text: str
    data: dict
    files: list


def observed_orders(h, e):
    """Orders ln(e_i / e_i+1) / ln(h_i / h_i+1) between successive resolutions."""
    h, e = np.asarray(h, float), np.asarray(e, float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.log(e[:-1] / e[1:]) / np.log(h[:-1] / h[1:])


def fitted_order(h, e):
    """Least-squares slope of ln e against ln h (NaN with fewer than 2 positive errors)."""
    h, e = np.asarray(h, float), np.asarray(e, float)
    ok = (e > 0) & np.isfinite(e)
    if ok.sum() < 2:
        return float("nan")
    return float(np.polyfit(np.log(h[ok]), np.log(e[ok]), 1)[0])


def richardson(h, q):
    """Richardson extrapolation of q(h) = q0 + c h^p from three resolutions h1 > h2 > h3
    (any ratios): returns (p, q0); NaNs if the differences are not monotone."""
    from scipy.optimize import brentq

    (h1, h2, h3), (q1, q2, q3) = map(float, h), map(float, q)
    ratio = (q1 - q2) / (q2 - q3) if q2 != q3 else float("nan")
    if not (np.isfinite(ratio) and ratio > 0):
        return float("nan"), float("nan")

    def mismatch(p):
        return (h1**p - h2**p) / (h2**p - h3**p) - ratio

    lo, hi = 0.05, 12.0
    if mismatch(lo) * mismatch(hi) > 0:
        return float("nan"), float("nan")
    p = brentq(mismatch, lo, hi, xtol=1e-12)
    c = (q2 - q3) / (h2**p - h3**p)
    return p, q3 - c * h3**p


def _finished_runs(sweep, rows):
    from source.io import load_run

    out = []
    for run in sweep.runs:
        row = rows.get(run.name, {})
        if is_finished(row.get("status", "")) and run.output.exists():
            out.append((run, row, load_run(run.output, snapshots=False)))
    return out


def _write(sweep, name, text, data):
    out = Path(sweep.output_dir)
    (out / f"{name}.txt").write_text(text + "\n")
    (out / f"{name}.json").write_text(json.dumps(data, indent=1, default=_plain) + "\n")
    return [out / f"{name}.txt", out / f"{name}.json"]


def _plain(v):
    if isinstance(v, np.generic):
        return v.item()
    if isinstance(v, np.ndarray):
        return v.tolist()
    return str(v)


def _num(v, fmt):
    return format(v, fmt) if v is not None and np.isfinite(v) else "-"


def _time_mean_abs(t, y):
    a = np.abs(y)
    return float(np.sum(0.5 * (a[1:] + a[:-1]) * np.diff(t)) / (t[-1] - t[0]))


def convergence_study(sweep, rows, log=print):
    """The convergence study (see the module docstring); ValueError with fewer than three
    finished resolutions."""
    from source.evolution.simulation import RunConfig

    runs = _finished_runs(sweep, rows)
    if len(runs) < 3:
        raise ValueError(f"needs 3 finished resolutions, {len(runs)} finished")
    runs.sort(key=lambda x: -RunConfig(**x[0].config).dr)
    config0 = runs[0][0].config
    reference = sweep.study_options.get("reference") or (
        "initial" if config0["perturbation"] == "none" else "finest")
    N = [x[0].config["num_points"] for x in runs]
    h = np.array([RunConfig(**x[0].config).dr for x in runs])
    series = [(x[2].timeseries["t"], x[2].timeseries["rho_c"]) for x in runs]
    m0 = np.array([x[2].timeseries["baryon_mass"][0] for x in runs])
    drift = np.array([x[2].timeseries["baryon_mass"][-1] / x[2].timeseries["baryon_mass"][0]
                      - 1.0 for x in runs])
    m0_tov = float(runs[-1][2].star["M0"])
    if reference == "initial":
        e_rho = np.array([_time_mean_abs(t, r - r[0]) for t, r in series])
        h_rho = h
        what = "time mean of |rho_c(t) - rho_c(0)|"
    else:
        tf, rf = series[-1]
        e_rho = []
        for t, r in series[:-1]:
            keep = t <= tf[-1]
            e_rho.append(_time_mean_abs(t[keep], r[keep] - np.interp(t[keep], tf, rf)))
        e_rho = np.array(e_rho)
        h_rho = h[:-1]
        what = f"time mean of |rho_c(t) - rho_c(t) at N = {N[-1]}|"
    e_m = np.abs(m0 - m0_tov) / m0_tov
    p_rho, p_m = observed_orders(h_rho, e_rho), observed_orders(h, e_m)
    fit_rho, fit_m = fitted_order(h_rho, e_rho), fitted_order(h, e_m)
    p_rich, m0_rich = richardson(h[-3:], m0[-3:])
    cfg = RunConfig(**config0)
    t_end = min(t[-1] for t, _ in series)
    lines = [f"convergence study: {cfg.mode}, {cfg.recon} + {cfg.riemann}, r_max = "
             f"{cfg.r_max:g}, CFL {cfg.cfl:g}, t = {t_end:.6g}, rho_c = {cfg.rho_central:g}",
             f"  rho_c error: {what}; rest-mass error: |M0(grid, t = 0) - M0(TOV)| / M0(TOV)",
             f"  {'N':>6} {'dr':>10} {'rho_c error':>12} {'order':>6} {'M0 error':>10} "
             f"{'order':>6} {'M0 drift':>10}"]
    for i in range(len(runs)):
        er = e_rho[i] if i < len(e_rho) else None
        pr = p_rho[i - 1] if 0 < i <= len(p_rho) else None
        pm = p_m[i - 1] if i > 0 else None
        lines.append(f"  {N[i]:>6} {h[i]:>10.5g} {_num(er, '12.4e'):>12} "
                     f"{_num(pr, '6.2f'):>6} {e_m[i]:>10.3e} {_num(pm, '6.2f'):>6} "
                     f"{drift[i]:>+10.2e}")
    lines.append(f"  rho_c: observed order {p_rho[-1]:.2f} between the two finest, "
                 f"{fit_rho:.2f} from a fit over all")
    lines.append(f"  rest mass: observed order {p_m[-1]:.2f} between the two finest, "
                 f"{fit_m:.2f} from a fit; Richardson (N = {', '.join(map(str, N[-3:]))}): "
                 f"p = {p_rich:.2f}, M0 = {m0_rich:.9f} against TOV {m0_tov:.9f} "
                 f"({(m0_rich / m0_tov - 1):+.2e}; finest grid {(m0[-1] / m0_tov - 1):+.2e})")
    text = "\n".join(lines)
    data = {"num_points": N, "dr": h, "reference": reference, "rho_c_error": e_rho,
            "rho_c_orders": p_rho, "rho_c_order": float(p_rho[-1]), "rho_c_order_fit": fit_rho,
            "rest_mass": m0, "rest_mass_tov": m0_tov, "rest_mass_error": e_m,
            "rest_mass_orders": p_m, "rest_mass_order_fit": fit_m,
            "richardson_order": p_rich, "richardson_rest_mass": m0_rich,
            "rest_mass_drift": drift}
    files = _write(sweep, "convergence", text, data)
    png = _plot_convergence(sweep, N, h, h_rho, e_rho, e_m, series, reference, fit_rho)
    if png is not None:
        files.append(png)
    log(text)
    log(f"  wrote {', '.join(str(f) for f in files)}")
    return StudyResult("convergence", text, data, files)


def _pyplot():
    try:
        import matplotlib
    except ImportError:
        return None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _plot_convergence(sweep, N, h, h_rho, e_rho, e_m, series, reference, order):
    plt = _pyplot()
    if plt is None:
        return None
    fig, ax = plt.subplots(1, 2, figsize=(11, 4.3), constrained_layout=True)
    ax[0].loglog(h_rho, e_rho, "o-", label=r"$\rho_c$ error (absolute)")
    ax[0].loglog(h, e_m, "s-", label="rest-mass error of the initial data (relative)")
    for e, hh in ((e_rho, h_rho), (e_m, h)):
        ax[0].loglog(hh, e[-1] * (hh / hh[-1]) ** 2, "k:", lw=0.8)
    ax[0].plot([], [], "k:", lw=0.8, label=r"$\propto dr^2$")
    ax[0].set_xlabel("dr [M$_\\odot$]")
    ax[0].set_ylabel("error")
    ax[0].set_title(f"observed order of $\\rho_c$: {order:.2f} (fit)")
    ax[0].legend()
    tf, rf = series[-1]
    for n, (t, r) in zip(N, series, strict=True):
        ref = r[0] if reference == "initial" else np.interp(t, tf, rf)
        if reference == "finest" and n == N[-1]:
            continue
        dev = np.abs(r - ref)
        keep = dev > 0
        ax[1].semilogy(t[keep], dev[keep], lw=0.8, label=f"N = {n}")
    ax[1].set_xlabel("t [M$_\\odot$]")
    ax[1].set_ylabel(r"$|\rho_c(t) - \rho_c(0)|$" if reference == "initial" else
                     r"$|\rho_c(t) - \rho_{c,\rm finest}(t)|$")
    ax[1].legend()
    path = Path(sweep.output_dir) / "convergence.png"
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def _linear_curve(config, parameter, values, kind):
    """Signed F^2, H1^2 (kHz^2), F, H1 (kHz) and M along the sequence (``values`` of
    ``parameter``) from linear theory."""
    from source.initialdata.radial_modes import polytrope_radial_modes

    out = {"x": [], "F2": [], "H12": [], "M": []}
    for v in values:
        star = {"K": config["K"], "gamma": config["gamma"], "rho_central": config["rho_central"],
                parameter: float(v)}
        try:
            modes = polytrope_radial_modes(star["K"], star["gamma"], star["rho_central"], 2,
                                           kind, num_elements=1000)
        except Exception:  # noqa: BLE001 - no star for this value: leave a gap
            continue
        out["x"].append(float(v))
        f2 = modes.omega2 / (2 * math.pi * MSUN_MS) ** 2   # kHz^2
        out["F2"].append(float(f2[0]))
        out["H12"].append(float(f2[1]))
        out["M"].append(float(modes.background.M))
    return {k: np.array(v) for k, v in out.items()}


def _maximum_mass(config):
    """(rho_c, M) of the maximum-mass model of the polytrope of ``config``."""
    from scipy.optimize import minimize_scalar

    from source.initialdata.radial_modes import polytrope_background

    def minus_mass(log_rho):
        return -polytrope_background(config["K"], config["gamma"], math.exp(log_rho)).M

    rho = config["rho_central"]
    res = minimize_scalar(minus_mass, bounds=(math.log(rho / 100), math.log(rho * 100)),
                          method="bounded", options={"xatol": 1e-6})
    return math.exp(res.x), -res.fun


def sequence_study(sweep, rows, log=print):
    """The sequence study (see the module docstring); ValueError with fewer than two
    finished stars."""
    x_name = sweep.study_options["parameter"]
    runs = _finished_runs(sweep, rows)
    if len(runs) < 2:
        raise ValueError(f"needs 2 finished stars, {len(runs)} finished")
    runs.sort(key=lambda r: r[0].params[x_name])
    config0 = runs[0][0].config
    mode = config0["mode"]
    kind = "coupled" if mode == "dynamic" else "cowling"
    x = np.array([r[0].params[x_name] for r in runs], dtype=float)
    get = lambda k: np.array([np.nan if r[1].get(k) is None else r[1][k] for r in runs],
                             dtype=float)
    F, F_lin, H1, H1_lin = get("F_measured"), get("F_linear"), get("H1_measured"), \
        get("H1_linear")
    M, C = get("M"), get("C")
    dF, dH1 = 100 * (F / F_lin - 1), 100 * (H1 / H1_lin - 1)
    star_param = x_name in ("rho_central", "K", "gamma")
    max_mass = None
    lo, hi = x.min(), x.max()
    if star_param and x_name == "rho_central" and mode == "dynamic":
        max_mass = _maximum_mass(config0)
        hi = max(hi, 1.1 * max_mass[0])
    curve = None
    if star_param:
        grid = np.geomspace(lo, hi, 48) if lo > 0 else np.linspace(lo, hi, 48)
        curve = _linear_curve(config0, x_name, grid, kind)
    lines = [f"sequence study: {mode} ({kind} linear theory), {x_name} from {lo:g} to "
             f"{x.max():g}; N = {config0['num_points']}, r_max = {config0['r_max']:g}, "
             f"CFL {config0['cfl']:g}",
             f"  {x_name:>12} {'M':>8} {'C':>7} {'F linear':>9} {'F meas.':>9} {'diff %':>7} "
             f"{'H1 linear':>9} {'H1 meas.':>9} {'diff %':>7}"]
    for i in range(len(runs)):
        lines.append(f"  {x[i]:>12.6g} {M[i]:>8.4f} {C[i]:>7.4f} {_num(F_lin[i], '9.4f'):>9} "
                     f"{_num(F[i], '9.4f'):>9} {_num(dF[i], '+7.2f'):>7} "
                     f"{_num(H1_lin[i], '9.4f'):>9} {_num(H1[i], '9.4f'):>9} "
                     f"{_num(dH1[i], '+7.2f'):>7}")
    ok = np.isfinite(dF)
    worst = float(np.max(np.abs(dF[ok]))) if ok.any() else float("nan")
    lines.append(f"  F-mode: largest |measured / linear - 1| = {worst:.2f} % over "
                 f"{int(ok.sum())} of {len(runs)} stars")
    if max_mass is not None:
        lines.append(f"  maximum-mass model: {x_name} = {max_mass[0]:.5g}, M = "
                     f"{max_mass[1]:.5f} (coupled F^2 -> 0 there)")
    text = "\n".join(lines)
    data = {"parameter": x_name, "mode": mode, "x": x, "M": M, "C": C, "F_measured": F,
            "F_linear": F_lin, "F_diff_percent": dF, "H1_measured": H1, "H1_linear": H1_lin,
            "H1_diff_percent": dH1, "F_max_abs_diff_percent": worst,
            "maximum_mass": max_mass, "linear_curve": curve}
    files = _write(sweep, "sequence", text, data)
    png = _plot_sequence(sweep, x_name, x, F, H1, M, curve, max_mass, kind)
    if png is not None:
        files.append(png)
    log(text)
    log(f"  wrote {', '.join(str(f) for f in files)}")
    return StudyResult("sequence", text, data, files)


def _plot_sequence(sweep, x_name, x, F, H1, M, curve, max_mass, kind):
    plt = _pyplot()
    if plt is None:
        return None
    fig, ax = plt.subplots(1, 3, figsize=(15, 4.3), constrained_layout=True)
    if curve is not None and curve["x"].size:
        cx = curve["x"]
        with np.errstate(invalid="ignore"):
            ax[0].plot(cx, np.sqrt(curve["F2"]), "C0-", label=f"F, linear ({kind})")
            ax[0].plot(cx, np.sqrt(curve["H12"]), "C1-", label=f"H1, linear ({kind})")
        ax[1].plot(cx, curve["F2"], "C0-", label="F$^2$, linear")
        ax[2].plot(cx, curve["M"], "k-", label="TOV sequence")
    ax[0].plot(x, F, "C0o", label="F, measured")
    ax[0].plot(x, H1, "C1s", label="H1, measured")
    ax[1].plot(x, F**2, "C0o", label="F$^2$, measured")
    ax[1].axhline(0.0, color="k", lw=0.6)
    ax[2].plot(x, M, "ko", label="runs")
    if max_mass is not None:
        for a in ax:
            a.axvline(max_mass[0], color="grey", ls="--", lw=0.8)
        ax[1].plot([], [], color="grey", ls="--", lw=0.8, label="maximum mass")
    ax[0].set_ylabel("frequency [kHz]")
    ax[1].set_ylabel("f$^2$ [kHz$^2$]")
    ax[2].set_ylabel("M [M$_\\odot$]")
    for a in ax:
        a.set_xlabel(x_name)
        a.legend(fontsize=8)
    path = Path(sweep.output_dir) / "sequence.png"
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def run_study(sweep, rows, log=print):
    """The sweep's study (``sweep.study``) on its finished runs."""
    if sweep.study == "convergence":
        return convergence_study(sweep, rows, log)
    if sweep.study == "sequence":
        return sequence_study(sweep, rows, log)
    raise ValueError(f"unknown study {sweep.study!r}")
