r"""Robustness and accuracy map of the conservative-to-primitive recovery.

A map in the spirit of Kastaun, Kalinani & Ciolfi (2021, PRD 103, 023018; their figures of
recovery accuracy and iteration counts over the (W, eps) plane) for the ideal-gas (Gamma-law)
EOS of ``source.matter.hydro.cons2prim``:

1. exact primitives on a grid of :math:`\log_{10}(W - 1) \in [-10, 3]` (W up to ~1000) and
   :math:`\log_{10}\epsilon \in [-10, 1]` at fixed :math:`\rho_0` and :math:`\gamma_{rr}`;
2. the physical conserved variables from an independent, cancellation-free formula
   (:func:`conserved_from_primitives`);
3. recovery with ``cons_to_prim_array`` (Kastaun, or Newton with the guess
   :math:`P (1 + 10^{-3})` falling back to Kastaun);
4. per point: status, iterations, whether Newton needed the fallback, and the relative
   errors of :math:`\rho_0`, :math:`z = W v`, :math:`\epsilon` and :math:`P`.

Conditioning
------------
The conserved variables are rounded (relative errors :math:`\delta_D, \delta_S, \delta_\tau`
of a few :math:`\epsilon_{\rm mach}`), so no solver can do better than the first-order
response of the exact inverse map to those perturbations. With
:math:`x = (\rho_0, z, \epsilon)`, :math:`P = (\Gamma - 1)\rho_0\epsilon`,
:math:`h = 1 + \Gamma\epsilon` and :math:`\tau = \rho_0 T`,
:math:`T = W(W - 1) + \epsilon (1 + \Gamma z^2)`, the logarithmic Jacobian
:math:`\partial \ln(D, S, \tau) / \partial \ln x` is

.. math::

    \begin{pmatrix} 1 & v^2 & 0 \\ 1 & 1 + v^2 & g \\ 1 & v^2 + m & b \end{pmatrix},\quad
    g = \frac{\Gamma\epsilon}{h},\ b = \frac{\epsilon (1 + \Gamma z^2)}{T},\
    m = \frac{z^2 [W^2 + \epsilon(\Gamma W^2 + \Gamma - 1)]}{T W^2}.

Subtracting the first row decouples :math:`\rho_0`; the remaining 2x2 block has the
determinant :math:`\det = b - g m = \epsilon h' / (T h)` with
:math:`h' = 1 + \Gamma\epsilon - \Gamma(\Gamma - 1)\epsilon v^2 \ge 1` for
:math:`\Gamma \le 2` (derivation in :func:`condition_numbers`). The condition number
:math:`\kappa_i` of output :math:`i` is the sum of the absolute values of the row of the
inverse; a backward-stable recovery satisfies
:math:`|\Delta x_i / x_i| \lesssim C\,\epsilon_{\rm mach}\,\kappa_i` with C of order 1-10.
Limits: :math:`\kappa_z, \kappa_{\rho_0} \approx 2\Gamma h W^2 / h'` for
:math:`W \gg 1` (the :math:`\epsilon_{\rm mach} h^2 W^2` rule of thumb), and
:math:`\kappa_\epsilon \approx T h / (\epsilon h') \approx W^2 / \epsilon` for a cold fast
flow: at :math:`W = 10^3,\ \epsilon = 10^{-10}` the conserved variables do not determine
:math:`\epsilon` at all (:math:`\epsilon_{\rm mach}\kappa_\epsilon \sim 1`).

Newton's pressure residual adds its own round-off floor for eps and P,
:math:`\epsilon_{\rm mach}\nu` with :math:`\nu \approx h/\epsilon` at W ~ 1
(:func:`newton_floor`), far above :math:`\epsilon_{\rm mach}\kappa_P` for cold states.
The summary reports the worst error in units of :math:`{\rm tol} + \epsilon_{\rm mach}\kappa`
(:func:`error_floor`; the solver tolerance ``tol`` = 1e-13 bounds Kastaun's relative error
in v), with and without :math:`\nu`.

Run ``python -m source.validation.c2p_map`` for the Markdown summary
(``--plot DIR`` also writes PNG maps if matplotlib is available).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from source.jit import kernel
from source.matter.eos.eos import IdealGasEOS
from source.matter.hydro.atmosphere import AtmosphereParams
from source.matter.hydro.cons2prim import (
    C2P_FAILED,
    C2P_METHODS,
    C2P_NEWTON,
    C2P_OK,
    DEFAULT_MAX_ITER,
    DEFAULT_TOL,
    cons_to_prim_array,
    newton_pressure_solve,
)

EPS_MACH = float(np.finfo(np.float64).eps)

LOG_W1_RANGE = (-10.0, 3.0)
LOG_EPS_RANGE = (-10.0, 1.0)
RHO_VALUES = (1e-12, 1e-6, 1e-2)
GAMMA_RR_VALUES = (1.0, 2.0)
GAMMAS = (2.0, 5.0 / 3.0)
METHODS = ("kastaun", "newton")

ORDINARY_W_MAX = 10.0
ORDINARY_EPS_MIN = 1e-6
NEWTON_GUESS_FACTOR = 1.0 + 1e-3

ERROR_KEYS = ("rho", "z", "eps", "press")


def map_atmosphere():
    """Atmosphere of the map: no floor may act on any of the mapped states.

    Returns
    -------
    AtmosphereParams
        ``rho_floor = 1e-20`` (atmosphere threshold 1e-18, far below rho0 = 1e-12),
        ``p_floor = 1e-40``, ``v_max = 1 - 1e-12`` (W cap ~7e5), ``W_max = 1e4``; the
        conservative floor is the run's default (it acts only on unphysical input,
        S^2 > tau (tau + 2D)).
    """
    return AtmosphereParams(rho_floor=1e-20, p_floor=1e-40, v_max=1.0 - 1e-12, W_max=1e4)


# ---------------------------------------------------------------------------------------
# Exact states and conditioning
# ---------------------------------------------------------------------------------------
def conserved_from_primitives(rho, w1, eps, gamma, gamma_rr):
    """Physical conserved variables of exact ideal-gas primitives, cancellation-free.

    The state is parametrised by ``w1 = W - 1`` (exact even where W itself rounds to 1):
    ``z = W v = sqrt(w1 (w1 + 2))``, ``P = (Gamma - 1) rho eps``, ``h = 1 + Gamma eps`` and

        D = rho W,  S_r = rho h W^2 gamma_rr v^r = rho h W z sqrt(gamma_rr),
        tau = rho h W^2 - P - D = rho W w1 + rho eps W^2 + P z^2,

    with the physical velocity v = z / W along r and v^r = v / sqrt(gamma_rr).

    Parameters
    ----------
    rho, w1, eps : array_like
        Rest-mass density, W - 1 and specific internal energy (broadcast together).
    gamma : float
        Adiabatic index of the ideal gas.
    gamma_rr : float or array_like
        Spatial metric component.

    Returns
    -------
    dict
        ``D``, ``S_r``, ``tau``, ``W``, ``z``, ``vr``, ``press``, ``h`` (ndarrays).
    """
    rho, w1, eps, gamma_rr = np.broadcast_arrays(*(np.asarray(x, dtype=np.float64)
                                                   for x in (rho, w1, eps, gamma_rr)))
    W = 1.0 + w1
    z = np.sqrt(w1 * (w1 + 2.0))
    press = (gamma - 1.0) * rho * eps
    h = 1.0 + gamma * eps
    sq = np.sqrt(gamma_rr)
    return {
        "D": rho * W,
        "S_r": rho * h * W * z * sq,
        "tau": rho * W * w1 + rho * eps * W * W + press * z * z,
        "W": W,
        "z": z,
        "vr": z / (W * sq),
        "press": press,
        "h": h,
    }


def condition_numbers(w1, eps, gamma):
    r"""First-order condition numbers of the inverse map (D, S, tau) -> (rho0, z, eps, P).

    Relative perturbations (dD, dS, dtau) of the conserved variables give, with the
    notation of the module docstring,

        dz   = [ b (dS - dD) - g (dtau - dD)] / det,
        deps = [-m (dS - dD) +   (dtau - dD)] / det,
        drho = dD - v^2 dz,   dP = drho + deps,

    where the row (1, 1 + v^2, g) minus (1, v^2, 0) gives dS - dD = dz + g deps and the row
    (1, v^2 + m, b) minus the first gives dtau - dD = m dz + b deps. The determinant
    simplifies (z^2 = W^2 - 1) to ``det = eps h' / (T h)``,
    ``h' = 1 + Gamma eps - Gamma (Gamma - 1) eps v^2``. The condition number of each output
    is the sum of the absolute coefficients (worst-case signs); the results do not depend on
    rho0 (everything scales with D) nor on gamma_rr.

    Parameters
    ----------
    w1, eps : array_like
        W - 1 and specific internal energy.
    gamma : float
        Adiabatic index.

    Returns
    -------
    dict
        ``rho``, ``z``, ``eps``, ``press``: condition numbers (>= 1, ndarrays).
    """
    w1, eps = np.broadcast_arrays(np.asarray(w1, dtype=np.float64),
                                  np.asarray(eps, dtype=np.float64))
    W = 1.0 + w1
    z2 = w1 * (w1 + 2.0)
    v2 = z2 / (W * W)
    h = 1.0 + gamma * eps
    T = W * w1 + eps * (1.0 + gamma * z2)
    g = gamma * eps / h
    b = eps * (1.0 + gamma * z2) / T
    m = z2 * (W * W + eps * (gamma * W * W + gamma - 1.0)) / (T * W * W)
    hp = 1.0 + gamma * eps - gamma * (gamma - 1.0) * eps * v2
    inv_det = T * h / (eps * hp)
    # coefficients of (dD, dS, dtau)
    cz = ((g - b) * inv_det, b * inv_det, -g * inv_det)
    ce = ((m - 1.0) * inv_det, -m * inv_det, inv_det)
    cr = (1.0 - v2 * cz[0], -v2 * cz[1], -v2 * cz[2])
    cp = tuple(r + e for r, e in zip(cr, ce, strict=True))
    return {name: sum(np.abs(c) for c in coeffs)
            for name, coeffs in (("rho", cr), ("z", cz), ("eps", ce), ("press", cp))}


def newton_floor(w1, eps, gamma):
    r"""Round-off floor of the Newton pressure residual, relative to P.

    Newton solves f(P) = D W + c P W^2 - (tau + D + P) = 0 (c = Gamma / (Gamma - 1)); the
    residual is a difference of terms of size Q = tau + D + P, so it carries an absolute
    rounding error ~ eps_mach Q and the computed root can only be trusted to
    |dP / P| ~ eps_mach nu with nu = Q / (P |f'(P)|). At the solution, with
    W'(P) = -S^2 W^3 / Q^3 = -z^2 / (rho0 h W),

        f'(P) = c W^2 - 1 - (1 + 2 Gamma eps) z^2 / h,

    which is c - 1 = 1 / (Gamma - 1) at rest and ~ W^2 / h for Gamma = 2, so that
    nu = h W^2 / ((Gamma - 1) eps f') ~ h / eps at W ~ 1: for cold states Newton's pressure
    is far less accurate than the conditioning of the problem allows (nu >> kappa_P there).

    Parameters
    ----------
    w1, eps : array_like
        W - 1 and specific internal energy.
    gamma : float
        Adiabatic index.

    Returns
    -------
    ndarray
        nu (dimensionless, >= 1).
    """
    w1, eps = np.broadcast_arrays(np.asarray(w1, dtype=np.float64),
                                  np.asarray(eps, dtype=np.float64))
    W = 1.0 + w1
    z2 = w1 * (w1 + 2.0)
    h = 1.0 + gamma * eps
    c = gamma / (gamma - 1.0)
    fprime = c * W * W - 1.0 - (1.0 + 2.0 * gamma * eps) * z2 / h
    return h * W * W / ((gamma - 1.0) * eps * np.abs(fprime))


# ---------------------------------------------------------------------------------------
# The map
# ---------------------------------------------------------------------------------------
@kernel
def _newton_alone(D, S_r, tau, gamma_rr, gamma, p_guess, atm, tol, max_iter, ok, iters):
    """Run the Newton fast path alone (same conservative S^2 cap as the full recovery) to
    see where the full solver had to fall back to Kastaun."""
    for i in range(D.shape[0]):
        S2 = S_r[i] * S_r[i] / gamma_rr[i]
        S2_max = atm.cons_safety * tau[i] * (tau[i] + 2.0 * D[i])
        if S2 > S2_max:
            S2 = S2_max
        _, it, conv = newton_pressure_solve(D[i], S2, tau[i], gamma, p_guess[i],
                                            atm.p_floor, atm.W_max, tol, max_iter)
        ok[i] = conv
        iters[i] = it


def _relerr(got, true):
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.abs(got / true - 1.0)


def recover(method, gamma, D, S_r, tau, gamma_rr, p_guess=None, atmosphere=None,
            tol=DEFAULT_TOL, max_iter=DEFAULT_MAX_ITER):
    """Recover primitives of *physical* conserved arrays with ``cons_to_prim_array``.

    Parameters
    ----------
    method : {"kastaun", "newton"}
    gamma : float
        Ideal-gas adiabatic index.
    D, S_r, tau, gamma_rr : array_like
        Physical conserved variables and metric (1-D, same length).
    p_guess : array_like, optional
        Newton's pressure guess (zeros by default).
    atmosphere : AtmosphereParams, optional
        Defaults to :func:`map_atmosphere`.
    tol : float
    max_iter : int

    Returns
    -------
    dict
        ``rho``, ``vr``, ``press``, ``eps``, ``W``, ``h`` (float64), ``status`` (int8),
        ``iterations`` (int32; for Newton the sum of its own iterations and those of the
        Kastaun fallback, each at most ``max_iter``).
    """
    D, S_r, tau, gamma_rr = (np.ascontiguousarray(x, dtype=np.float64).ravel()
                             for x in (D, S_r, tau, gamma_rr))
    n = D.size
    guess = (np.zeros(n) if p_guess is None
             else np.ascontiguousarray(p_guess, dtype=np.float64).ravel())
    atm = map_atmosphere() if atmosphere is None else atmosphere
    eos = IdealGasEOS(gamma)
    names = ("rho", "vr", "press", "eps", "W", "h")
    out = {k: np.empty(n) for k in names}
    out["status"] = np.empty(n, dtype=np.int8)
    out["iterations"] = np.empty(n, dtype=np.int32)
    cons_to_prim_array((D, S_r, tau), gamma_rr, np.ones(n), eos.params, atm.packed(eos),
                       C2P_METHODS[method], guess, float(tol), int(max_iter),
                       tuple(out[k] for k in names), out["status"], out["iterations"])
    return out


def robustness_map(method, gamma, rho0, gamma_rr, n_w=60, n_eps=60, tol=DEFAULT_TOL,
                   max_iter=DEFAULT_MAX_ITER):
    """Recovery status, iterations and errors over the (W - 1, eps) plane.

    Parameters
    ----------
    method : {"kastaun", "newton"}
        Newton starts from the exact pressure times ``NEWTON_GUESS_FACTOR`` (1 + 1e-3).
    gamma : float
        Ideal-gas adiabatic index.
    rho0 : float
        Rest-mass density of every state of the map.
    gamma_rr : float
        Metric component of every state.
    n_w, n_eps : int
        Points in log10(W - 1) over ``LOG_W1_RANGE`` and log10(eps) over ``LOG_EPS_RANGE``.
    tol : float
    max_iter : int

    Returns
    -------
    dict
        2-D arrays of shape (n_w, n_eps) (axis 0: W, axis 1: eps): ``W``, ``w1``, ``eps``,
        ``h``, ``status``, ``iterations``, ``newton_fallback`` (Newton alone did not
        converge; all False for Kastaun), ``err_<q>`` (relative error) and ``kappa_<q>``
        (condition number, :func:`condition_numbers`) for q in rho, z, eps, press,
        ``nu_newton`` (:func:`newton_floor`); 1-D ``log10_w1`` and ``log10_eps``; scalars
        ``method``, ``gamma``, ``rho0``, ``gamma_rr`` and ``tol``.
    """
    if method not in C2P_METHODS:
        raise ValueError(f"method must be one of {sorted(C2P_METHODS)} (got {method!r})")
    log_w1 = np.linspace(*LOG_W1_RANGE, n_w)
    log_eps = np.linspace(*LOG_EPS_RANGE, n_eps)
    w1, eps = np.meshgrid(10.0**log_w1, 10.0**log_eps, indexing="ij")
    shape = w1.shape
    grr = np.full(w1.size, float(gamma_rr))
    exact = conserved_from_primitives(float(rho0), w1.ravel(), eps.ravel(), gamma, grr)
    guess = exact["press"] * NEWTON_GUESS_FACTOR
    res = recover(method, gamma, exact["D"], exact["S_r"], exact["tau"], grr,
                  guess if method == "newton" else None, tol=tol, max_iter=max_iter)
    fallback = np.zeros(w1.size, dtype=np.bool_)
    if C2P_METHODS[method] == C2P_NEWTON:
        ok = np.empty(w1.size, dtype=np.bool_)
        its = np.empty(w1.size, dtype=np.int32)
        _newton_alone(exact["D"], exact["S_r"], exact["tau"], grr, float(gamma), guess,
                      map_atmosphere().packed(IdealGasEOS(gamma)), float(tol), int(max_iter),
                      ok, its)
        fallback = ~ok
    z_got = res["W"] * res["vr"] * np.sqrt(grr)
    kappa = condition_numbers(w1, eps, gamma)
    out = {
        "method": method, "gamma": float(gamma), "rho0": float(rho0),
        "gamma_rr": float(gamma_rr), "log10_w1": log_w1, "log10_eps": log_eps,
        "W": exact["W"].reshape(shape), "w1": w1, "eps": eps, "h": exact["h"].reshape(shape),
        "status": res["status"].reshape(shape), "iterations": res["iterations"].reshape(shape),
        "newton_fallback": fallback.reshape(shape),
        "err_rho": _relerr(res["rho"], float(rho0)).reshape(shape),
        "err_z": _relerr(z_got, exact["z"]).reshape(shape),
        "err_eps": _relerr(res["eps"], eps.ravel()).reshape(shape),
        "err_press": _relerr(res["press"], exact["press"]).reshape(shape),
    }
    for k in ERROR_KEYS:
        out[f"kappa_{k}"] = kappa[k]
    out["nu_newton"] = newton_floor(w1, eps, gamma)
    out["tol"] = float(tol)
    return out


def all_maps(n_w=60, n_eps=60, methods=METHODS, gammas=GAMMAS, rhos=RHO_VALUES,
             gamma_rrs=GAMMA_RR_VALUES):
    """:func:`robustness_map` for every combination of the arguments.

    Returns
    -------
    list of dict
    """
    return [robustness_map(m, g, r, grr, n_w, n_eps)
            for m in methods for g in gammas for r in rhos for grr in gamma_rrs]


def ordinary_mask(m):
    """The ordinary regime of a map: W <= 10 and eps >= 1e-6 (boolean 2-D array)."""
    return (m["W"] <= ORDINARY_W_MAX) & (m["eps"] >= ORDINARY_EPS_MIN)


def error_floor(m, q, newton=False):
    """Best attainable relative error of quantity ``q``: ``tol + eps_mach kappa_q``.

    The solver tolerance enters directly (Kastaun's stopping test bounds the relative error
    of v by tol, which moves rho0 by up to v^2 tol); the rounding of the conserved variables
    enters through the condition number. With ``newton=True`` the round-off floor of
    Newton's pressure residual, ``eps_mach nu`` (:func:`newton_floor`), is added for eps and P.

    Parameters
    ----------
    m : dict
        A :func:`robustness_map` output.
    q : {"rho", "z", "eps", "press"}
    newton : bool

    Returns
    -------
    ndarray
    """
    kappa = m[f"kappa_{q}"]
    if newton and q in ("eps", "press"):
        kappa = kappa + m["nu_newton"]
    return m["tol"] + EPS_MACH * kappa


def normalised_error(m, newton=False):
    """max over rho0, z, eps and P of err_q / :func:`error_floor` (2-D array)."""
    return np.max(np.stack([m[f"err_{q}"] / error_floor(m, q, newton) for q in ERROR_KEYS]),
                  axis=0)


# ---------------------------------------------------------------------------------------
# Summary
# ---------------------------------------------------------------------------------------
def summarize(maps):
    """One row per (method, Gamma) over all rho0 and gamma_rr of ``maps``.

    Parameters
    ----------
    maps : iterable of dict
        Outputs of :func:`robustness_map`.

    Returns
    -------
    list of dict
        Keys: ``method``, ``gamma``, ``points``, ``failures`` (status != C2P_OK),
        ``fallbacks`` (points where Newton alone did not converge), ``iter_max``,
        ``iter_median``; max relative errors over the successful points of the ordinary
        regime, ``rho_z_ord`` (max of rho0 and z) and ``press_ord``, and of the whole map,
        ``rho_z_all`` and ``eps_all``; ``norm_max``, the max of err / (tol + eps_mach kappa)
        over the four quantities, and ``norm_newton_max``, the same with Newton's residual
        floor added (:func:`error_floor`).
    """
    groups = {}
    for m in maps:
        groups.setdefault((m["method"], m["gamma"]), []).append(m)
    rows = []
    for (method, gamma), ms in groups.items():
        def cat(values):
            return np.concatenate([np.ravel(v) for v in values])

        ok = cat(m["status"] for m in ms) == C2P_OK
        ordm = cat(ordinary_mask(m) for m in ms) & ok
        its = cat(m["iterations"] for m in ms)
        rho_z = cat(np.maximum(m["err_rho"], m["err_z"]) for m in ms)

        def mx(a, mask):
            return float(np.max(a[mask])) if np.any(mask) else float("nan")

        rows.append({
            "method": method, "gamma": gamma, "points": int(ok.size),
            "failures": int(np.count_nonzero(~ok)),
            "fallbacks": int(np.count_nonzero(cat(m["newton_fallback"] for m in ms))),
            "iter_max": int(its.max()), "iter_median": float(np.median(its)),
            "rho_z_ord": mx(rho_z, ordm),
            "press_ord": mx(cat(m["err_press"] for m in ms), ordm),
            "rho_z_all": mx(rho_z, ok),
            "eps_all": mx(cat(m["err_eps"] for m in ms), ok),
            "norm_max": mx(cat(normalised_error(m) for m in ms), ok),
            "norm_newton_max": mx(cat(normalised_error(m, newton=True) for m in ms), ok),
        })
    return rows


def _gamma_label(gamma):
    return "5/3" if abs(gamma - 5.0 / 3.0) < 1e-12 else f"{gamma:g}"


def format_markdown(rows):
    """Markdown table of :func:`summarize` rows.

    Parameters
    ----------
    rows : list of dict

    Returns
    -------
    str
    """
    head = ("| c2p | Γ | points | failures | Newton → Kastaun fallbacks "
            "| iterations max / median | ρ0, z err (ordinary) | P err (ordinary) "
            "| ρ0, z err (all) | ε err (all) | err / (tol + ε_mach κ) "
            "| err / (tol + ε_mach (κ + ν)) |")
    lines = [head, "|" + "---|" * (head.count("|") - 1)]
    for r in rows:
        fb = str(r["fallbacks"]) if r["method"] == "newton" else "–"
        lines.append(
            f"| {r['method']} | {_gamma_label(r['gamma'])} | {r['points']} | {r['failures']} "
            f"| {fb} | {r['iter_max']} / {r['iter_median']:g} "
            f"| {r['rho_z_ord']:.1e} | {r['press_ord']:.1e} | {r['rho_z_all']:.1e} "
            f"| {r['eps_all']:.1e} | {r['norm_max']:.2g} | {r['norm_newton_max']:.2g} |"
        )
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------
# Plots (optional)
# ---------------------------------------------------------------------------------------
def save_plots(maps, directory):
    """PNG maps of log10 errors and iteration counts, one figure per (method, Gamma, gamma_rr).

    Rows: rho0; columns: log10 relative error of rho0, z, eps and the iteration count.
    Requires matplotlib (Agg backend); returns the list of written paths, or an empty list
    (with a message) when matplotlib is not available.

    Parameters
    ----------
    maps : list of dict
    directory : str or path-like

    Returns
    -------
    list of pathlib.Path
    """
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is not available: no plots written")
        return []
    out_dir = Path(directory)
    out_dir.mkdir(parents=True, exist_ok=True)
    groups = {}
    for m in maps:
        groups.setdefault((m["method"], m["gamma"], m["gamma_rr"]), []).append(m)
    written = []
    cols = (("err_rho", r"$\log_{10}|\Delta\rho_0/\rho_0|$"),
            ("err_z", r"$\log_{10}|\Delta z/z|$"),
            ("err_eps", r"$\log_{10}|\Delta\epsilon/\epsilon|$"),
            ("iterations", "iterations"))
    for (method, gamma, grr), ms in groups.items():
        ms = sorted(ms, key=lambda m: m["rho0"])
        fig, axes = plt.subplots(len(ms), len(cols), figsize=(4.0 * len(cols), 3.3 * len(ms)),
                                 squeeze=False, constrained_layout=True)
        for i, m in enumerate(ms):
            ext = (m["log10_eps"][0], m["log10_eps"][-1], m["log10_w1"][0], m["log10_w1"][-1])
            for j, (key, label) in enumerate(cols):
                ax = axes[i, j]
                if key == "iterations":
                    data = m[key].astype(float)
                    kw = {"cmap": "viridis"}
                else:
                    with np.errstate(divide="ignore"):
                        data = np.log10(np.maximum(m[key], 1e-17))
                    kw = {"cmap": "magma", "vmin": -17.0, "vmax": 0.0}
                im = ax.imshow(data, origin="lower", extent=ext, aspect="auto", **kw)
                failed = m["status"] != C2P_OK
                if np.any(failed):
                    ax.contour(m["log10_eps"], m["log10_w1"], failed.astype(float), [0.5],
                               colors="cyan", linewidths=0.8)
                fig.colorbar(im, ax=ax)
                ax.set_title(f"{label}, ρ0 = {m['rho0']:.0e}", fontsize=9)
                ax.set_xlabel(r"$\log_{10}\epsilon$")
                ax.set_ylabel(r"$\log_{10}(W-1)$")
        fig.suptitle(f"c2p {method}, Γ = {_gamma_label(gamma)}, γ_rr = {grr:g}")
        name = f"c2p_map_{method}_gamma{gamma:.4g}_grr{grr:g}.png".replace("/", "_")
        path = out_dir / name
        fig.savefig(path, dpi=90)
        plt.close(fig)
        written.append(path)
    return written


# ---------------------------------------------------------------------------------------
# Stress states for property tests
# ---------------------------------------------------------------------------------------
def random_unphysical_states(rng, n, allow_nonfinite=True):
    """Random conserved states, most of them unphysical, for robustness tests.

    Each state is drawn from one of the classes: physical (random primitives, W up to 1e3);
    tau < 0; S^2 > tau (tau + 2D) (momentum above the causal bound, by factors 1 + 1e-15 to
    1e10); D <= 0 (including -0.0); huge/tiny magnitudes with random signs
    (|x| log-uniform in [1e-300, 1e300]); special values (0, denormals, the atmosphere
    threshold); and, if ``allow_nonfinite``, inf / -inf / NaN in a random component.

    Parameters
    ----------
    rng : numpy.random.Generator
    n : int
    allow_nonfinite : bool

    Returns
    -------
    D, S_r, tau, gamma_rr : ndarray
        Physical (not densitised) conserved variables; gamma_rr log-uniform in [1e-3, 1e3].
    """
    n_classes = 7 if allow_nonfinite else 6
    kind = rng.integers(0, n_classes, n)
    gamma_rr = 10.0 ** rng.uniform(-3.0, 3.0, n)
    sq = np.sqrt(gamma_rr)
    # physical baseline
    rho = 10.0 ** rng.uniform(-15.0, 2.0, n)
    w1 = 10.0 ** rng.uniform(-12.0, 3.0, n)
    eps = 10.0 ** rng.uniform(-12.0, 2.0, n)
    gam = rng.choice([4.0 / 3.0, 5.0 / 3.0, 2.0], n)
    c = conserved_from_primitives(rho, w1, eps, gam, gamma_rr)
    D = c["D"]
    S_r = c["S_r"] * rng.choice([-1.0, 1.0], n)
    tau = c["tau"]
    sel = kind == 1  # negative tau
    tau[sel] = -tau[sel] * 10.0 ** rng.uniform(-3.0, 3.0, np.count_nonzero(sel))
    sel = kind == 2  # superluminal momentum
    smax = np.sqrt(np.abs(tau * (tau + 2.0 * D))) * sq
    fac = 1.0 + 10.0 ** rng.uniform(-15.0, 10.0, n)
    S_r[sel] = (np.sign(S_r) * smax * fac)[sel]
    sel = kind == 3  # D <= 0
    k = np.count_nonzero(sel)
    D[sel] = rng.choice([0.0, -0.0, -1e-300, -1.0], k) * 10.0 ** rng.uniform(-10, 10, k)
    sel = kind == 4  # huge / tiny magnitudes
    k = np.count_nonzero(sel)
    for arr in (D, S_r, tau):
        arr[sel] = rng.choice([-1.0, 1.0], k) * 10.0 ** rng.uniform(-300.0, 300.0, k)
    sel = kind == 5  # special values
    k = np.count_nonzero(sel)
    special = np.array([0.0, -0.0, 5e-324, -5e-324, 1e-308, 1e-18, 1e-20, 1.0, 1e300,
                        -1e300, np.finfo(np.float64).max])
    for arr in (D, S_r, tau):
        arr[sel] = rng.choice(special, k)
    if allow_nonfinite:
        sel = np.flatnonzero(kind == 6)
        bad = rng.choice([np.inf, -np.inf, np.nan], sel.size)
        comp = rng.integers(0, 3, sel.size)
        for arr_i, arr in enumerate((D, S_r, tau)):
            hit = comp == arr_i
            arr[sel[hit]] = bad[hit]
    return D, S_r, tau, gamma_rr


# ---------------------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------------------
def _parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description="cons2prim robustness/accuracy map over (W - 1, eps) (Markdown summary)."
    )
    parser.add_argument("--n-w", type=int, default=60, help="points in log10(W - 1)")
    parser.add_argument("--n-eps", type=int, default=60, help="points in log10(eps)")
    parser.add_argument("--methods", nargs="+", default=list(METHODS), choices=METHODS)
    parser.add_argument("--gammas", nargs="+", type=float, default=list(GAMMAS))
    parser.add_argument("--plot", metavar="DIR", default=None,
                        help="write PNG maps into DIR (needs matplotlib)")
    return parser.parse_args(argv)


def main(argv=None):
    """Print the Markdown summary of the full map (and optionally write the plots)."""
    args = _parse_args(argv)
    t0 = time.perf_counter()
    maps = all_maps(args.n_w, args.n_eps, tuple(args.methods), tuple(args.gammas))
    elapsed = time.perf_counter() - t0
    print(f"c2p map: {args.n_w} x {args.n_eps} points, rho0 in {RHO_VALUES}, "
          f"gamma_rr in {GAMMA_RR_VALUES}, log10(W-1) in {LOG_W1_RANGE}, "
          f"log10(eps) in {LOG_EPS_RANGE}; tol = {DEFAULT_TOL:g}, "
          f"max_iter = {DEFAULT_MAX_ITER} ({elapsed:.1f} s)\n")
    print(format_markdown(summarize(maps)))
    print(f"\nordinary regime: W <= {ORDINARY_W_MAX:g}, eps >= {ORDINARY_EPS_MIN:g}; "
          f"kappa: first-order condition number of (D, S, tau) -> x; "
          f"failure status code {C2P_FAILED}")
    if args.plot:
        for path in save_plots(maps, args.plot):
            print(f"wrote {path}")


if __name__ == "__main__":
    main()
