r"""Equilibrium of a migration remnant: the TOV star with a given entropy profile.

A Gamma-law (ideal-gas) evolution heats matter in shocks, so the star an unstable model
migrates to (Font et al. 2002) is not the *cold* stable star of the same rest mass: the
shock-heated layers carry a larger entropy constant ``K = P / rho0^Gamma``. Entropy is
advected with the fluid (it changes only in shocks), so the equilibrium the remnant settles
to is, to a good approximation, the hydrostatic star with the remnant's rest mass ``M0`` and
its entropy profile ``K(m_b)`` as a function of the enclosed rest mass ``m_b``. This module
solves for that star and reads the profile from a snapshot.

Equations (Schwarzschild-like areal radius R, gravitational mass m, rest-mass coordinate
m_b as the independent variable; Gamma-law gas ``P = K rho0^Gamma``,
``e = rho0 + P / (Gamma - 1)``):

    dR/dm_b = sqrt(1 - 2m/R) / (4 pi R^2 rho0),
    dm/dm_b = 4 pi R^2 e dR/dm_b,
    dP/dm_b = -(e + P)(m + 4 pi R^3 P) / (R (R - 2m)) dR/dm_b,
    rho0 = (P / K(m_b))^(1/Gamma).

For a constant K this is the ordinary polytrope (``TOVSolverIso``); the central density
follows from shooting: the surface (P -> 0) must be reached at m_b = M0 on the stable branch
(below the density of the maximum rest mass).
"""

import numpy as np
from scipy.integrate import solve_ivp
from scipy.optimize import brentq

#: The surface is where P falls below this fraction of the central pressure.
SURFACE_PRESSURE_FRACTION = 1e-14




def _profile(m_b, K):
    m_b = np.asarray(m_b, dtype=float)
    K = np.asarray(K, dtype=float)
    if m_b.ndim != 1 or m_b.shape != K.shape or m_b.size < 1:
        raise ValueError("m_b and K must be 1D arrays of the same length")
    if not (np.all(np.isfinite(m_b)) and np.all(np.isfinite(K)) and np.all(K > 0)):
        raise ValueError("m_b and K must be finite, K > 0")
    if m_b.size > 1 and not np.all(np.diff(m_b) > 0):
        raise ValueError("m_b must increase")
    return m_b, K


def surface_rest_mass(rho_central, m_b, K, Gamma=2.0, m_max=None, rtol=1e-9):
    """Integrate the star with entropy profile ``K(m_b)`` (linear interpolation, constant
    beyond the ends) out from central density ``rho_central``.

    Returns ``(M0, M, R)``: the rest mass, gravitational mass and areal radius at the
    surface (P = ``SURFACE_PRESSURE_FRACTION`` P_c), or at ``m_max`` if the pressure has
    not fallen by then (default ``m_max``: 10 times the last ``m_b``, or 10 if that is 0).
    """
    m_b, K = _profile(m_b, K)
    Gamma = float(Gamma)
    scale = m_b[-1] if m_b[-1] > 0.0 else 1.0
    m_max = 10.0 * scale if m_max is None else float(m_max)

    def K_of(m):
        return float(np.interp(m, m_b, K))

    rho_c = float(rho_central)
    P_c = K_of(0.0) * rho_c**Gamma
    e_c = rho_c + P_c / (Gamma - 1.0)
    mb0 = 1e-10 * m_max
    R0 = (3.0 * mb0 / (4.0 * np.pi * rho_c)) ** (1.0 / 3.0)
    y0 = [R0, 4.0 / 3.0 * np.pi * R0**3 * e_c, P_c]

    def rhs(mb, y):
        R, m, P = y
        if P <= 0.0:
            return [0.0, 0.0, 0.0]
        rho = (P / K_of(mb)) ** (1.0 / Gamma)
        e = rho + P / (Gamma - 1.0)
        dR = np.sqrt(max(1.0 - 2.0 * m / R, 1e-300)) / (4.0 * np.pi * R * R * rho)
        dP = -(e + P) * (m + 4.0 * np.pi * R**3 * P) / (R * (R - 2.0 * m))
        return [dR, 4.0 * np.pi * R * R * e * dR, dP * dR]

    def surface(mb, y):
        return y[2] - SURFACE_PRESSURE_FRACTION * P_c

    surface.terminal = True
    surface.direction = -1
    sol = solve_ivp(rhs, (mb0, m_max), y0, events=surface, rtol=rtol, atol=1e-30,
                    max_step=m_max / 2000.0)
    if sol.t_events[0].size:
        R, m, _ = sol.y_events[0][0]
        return float(sol.t_events[0][0]), float(m), float(R)
    return float(m_max), float(sol.y[1, -1]), float(sol.y[0, -1])


def entropy_equilibrium(m_b, K, M0, Gamma=2.0, rho_range=(1e-6, 1e-2), num_scan=40):
    """The stable equilibrium with rest mass ``M0`` and entropy profile ``K(m_b)``.

    The stable branch is located by a scan of ``num_scan`` central densities, log-spaced
    over ``rho_range``: its upper end is the scanned density of the largest surface rest
    mass; the root of ``M0(rho_c) = M0`` is then found below it.

    Returns a dict ``rho_central, M0, M, R_schw`` (M, R of the equilibrium star).
    Raises ``ValueError`` if ``M0`` is above the maximum rest mass of the sequence or below
    that of the lowest scanned density.
    """
    m_b, K = _profile(m_b, K)
    M0 = float(M0)
    m_max = 10.0 * max(M0, m_b[-1])
    rhos = np.geomspace(rho_range[0], rho_range[1], num_scan)
    masses = np.array([surface_rest_mass(x, m_b, K, Gamma, m_max)[0] for x in rhos])
    top = int(np.argmax(masses))
    if not masses[0] < M0 < masses[top]:
        raise ValueError(f"M0 = {M0} outside the stable branch of this entropy profile "
                         f"(rest masses {masses[0]:.6g} to {masses[top]:.6g} over the scan)")
    lo = rhos[np.flatnonzero(masses[: top + 1] < M0)[-1]]
    hi = rhos[np.flatnonzero(masses[: top + 1] > M0)[0]]
    rho_c = brentq(lambda x: surface_rest_mass(x, m_b, K, Gamma, m_max)[0] - M0, lo, hi,
                   xtol=1e-14, rtol=1e-11)
    mb, M, R = surface_rest_mass(rho_c, m_b, K, Gamma, m_max)
    return {"rho_central": rho_c, "M0": mb, "M": M, "R_schw": R}


def snapshot_entropy_profile(r, D, rho0, press, Gamma=2.0, rho_min=0.0, num_ghosts=3):
    """Entropy profile of a snapshot: ``(m_b, K)`` at the interior cell centres.

    ``m_b`` is the rest mass enclosed up to the cell centre, from the densitised
    conserved density (``4 pi sum V_i D~_i`` with the flat cell volumes
    ``V_i = (r_{i+1/2}^3 - r_{i-1/2}^3)/3``, the same sum as the time-series ``baryon_mass``),
    ``K = P / rho0^Gamma``. Cells with ``rho0 <= rho_min`` (e.g. the atmosphere) count in
    ``m_b`` but are not returned. Returns ``(m_b, K, M0)`` with ``M0`` the whole grid's rest
    mass.
    """
    r = np.asarray(r, dtype=float)
    n = r.size
    inner = slice(num_ghosts, n - num_ghosts)
    dr = r[num_ghosts + 1] - r[num_ghosts]
    volume = 4.0 * np.pi * ((r + 0.5 * dr) ** 3 - (r - 0.5 * dr) ** 3) / 3.0
    dm = (volume * np.asarray(D, dtype=float))[inner]
    m_b = np.cumsum(dm) - 0.5 * dm
    rho = np.asarray(rho0, dtype=float)[inner]
    K = np.asarray(press, dtype=float)[inner] / rho**Gamma
    keep = rho > rho_min
    return m_b[keep], K[keep], float(dm.sum())


def run_gamma(config):
    """``Gamma`` of a run's evolution EOS (its stored configuration ``config``, a dict),
    built as the run built it; ValueError unless that EOS is a Gamma-law (ideal gas), the
    only one whose entropy is measured by ``K = P / rho0^Gamma``."""
    from source.evolution.simulation import RunConfig
    from source.matter.eos.eos import EOS_IDEAL_GAS

    known = set(RunConfig.field_names())
    eos = RunConfig(**{k: v for k, v in config.items() if k in known}).evolution_eos()
    if eos.kind != EOS_IDEAL_GAS:
        raise ValueError(f"remnant analysis needs a Gamma-law (ideal-gas) evolution; this "
                         f"run evolved {eos.name}")
    return eos.gamma


def remnant_equilibrium(run, snapshot=-1, rho_min=1e-10, **options):
    """Equilibrium of a run's star at one snapshot (a ``source.io.Run``, index into
    ``run.snapshots``): its grid rest mass and entropy profile (``snapshot_entropy_profile``)
    into ``entropy_equilibrium``, with the Gamma of the run's own evolution EOS
    (``run_gamma``). Adds ``t`` and ``rho_c`` (the snapshot's first-cell density) to the
    returned dict."""
    snap = run.snapshots[snapshot]
    Gamma = run_gamma(run.config)
    m_b, K, M0 = snapshot_entropy_profile(snap["r"], snap["D"], snap["rho0"], snap["press"],
                                          Gamma, rho_min, run.grid.num_ghosts)
    out = entropy_equilibrium(m_b, K, M0, Gamma, **options)
    out["t"] = snap.t
    out["rho_c"] = float(snap["rho0"][run.grid.num_ghosts])
    return out
