r"""Convergence of the hydro kernels: smooth planar flows and the static TOV star.

Part 1 - smooth flow in flat space
    The planar slab of :mod:`source.validation.shocktube` (the star's own compiled kernels:
    Kastaun cons2prim, reconstruction of :math:`(\rho, W v, P)` with the face limiting,
    approximate Riemann solvers) evolves two smooth problems with exact solutions:

    * :data:`DENSITY_WAVE` - a density sine advected by a uniform flow on a periodic unit
      domain, :math:`\rho(x, t) = \rho_0 + A \sin 2\pi(x - v t)`, :math:`v, P` constant.
      Every conserved variable and flux is affine in :math:`\rho` at fixed
      :math:`(v, P)`, so this is the linear-advection test of the reconstructions.
    * :data:`ISENTROPIC_PULSE` - the large-amplitude isentropic simple wave of Zhang &
      MacFadyen (2006): a compact density pulse on a uniform background, velocity from the
      constant Riemann invariant :math:`J_-`, steepening (but not yet breaking) by
      :math:`t = 0.8`.  It exercises the full nonlinear system (cons2prim included).

    Initial data and errors come in two samplings:

    * ``"point"`` - the primitives at the cell centres set the cells; the error is that of
      the recovered :math:`\rho` against the exact point values;
    * ``"average"`` - the cells hold the Gauss-Legendre (5-point) cell averages of the exact
      conserved variables; the error is that of :math:`D = \rho W` against the exact cell
      averages of :math:`D` (the evolved quantity: no point/average conversion enters the
      comparison).

    Mixing the two (point initial data compared with cell averages or vice versa) shows an
    :math:`O(\Delta x^2)` difference :math:`\Delta x^2 u''/24` whatever the scheme.

    Findings (see :func:`main` for the tables): on the density wave every scheme reaches its
    design order with either consistent sampling (minmod and MC ~2, MP5, WENO5 and WENO-Z
    5.0; the point-sampled run is also 5th order because the problem is linear).  On the
    isentropic pulse all schemes are **second order**: the code reconstructs primitives
    recovered from cell averages of the conserved variables, and
    :math:`\mathrm{c2p}(\bar U_i)` differs from the cell average of the primitives by
    :math:`O(\Delta x^2)`.  With ``conversion=True`` the slab converts the cell averages to
    point values before cons2prim and the point primitives back to cell averages before the
    reconstruction (fourth-order differences, error :math:`O(\Delta x^6)`, as in the
    high-order finite-volume literature); MP5 and WENO-Z then converge at ~5th order.  This
    option exists only here, as a diagnostic: the star's kernels do not convert.

Part 2 - the static TOV star (Cowling)
    The equilibrium star (K = 100, Gamma = 2, rho_c = 1.28e-3) should stay static, so the
    deviation of the density from its initial profile measures the error (the methodology
    of Montero, Baumgarte & Mueller 2014, PRD 89, 084043, Sec. IV): the L1 norm of
    :math:`|\rho_0(t) - \rho_0(0)|` over the cells inside the star (mean over the cells with
    :math:`r < R_\mathrm{iso}`, the reference code's normalisation), and the time average of
    :math:`|\rho_c(t) - \rho_c(0)|` (first cell).  The stellar surface, where the density
    has a kink (:math:`\rho \propto` distance to the power :math:`1/(\Gamma - 1)`) and meets
    the atmosphere, limits every HRSC scheme to 1st-2nd order in the L1 norm.  At the
    centre, MP5, WENO5 and WENO-Z give the same :math:`|\rho_c(t) - \rho_c(0)|` to three
    digits, converging at exactly 2nd order: there the error comes from a second-order part
    common to all reconstructions (the same holds for the t = 0 residual of the Euler
    equation inside the star), not from the reconstruction.

Run ``python -m source.validation.convergence`` to print the Markdown tables.
"""

from __future__ import annotations

import argparse
import math
import time
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from source.core.spacing import NUM_GHOSTS
from source.matter.eos.eos import IdealGasEOS
from source.matter.hydro.cons2prim import prim_to_cons_array
from source.validation.shocktube import ALL_RECONS, INTEGRATORS, PlanarSlab

__all__ = [
    "DENSITY_WAVE",
    "ISENTROPIC_PULSE",
    "SAMPLINGS",
    "SMOOTH_PROBLEMS",
    "DensityWave",
    "IsentropicPulse",
    "SmoothFlowSlab",
    "SmoothRow",
    "TovRow",
    "average_to_point",
    "cell_average",
    "format_smooth_table",
    "format_tov_table",
    "point_to_average",
    "run_smooth_problem",
    "smooth_wave_convergence",
    "tov_convergence",
]

SAMPLINGS = ("point", "average")
_GAUSS_NODES = 5


# ---------------------------------------------------------------------------------------
# Problems
# ---------------------------------------------------------------------------------------
def _conserved_flat(rho, v, p, gamma):
    """Flat-space ``(D, S, tau)`` of primitive arrays for the ideal gas ``gamma``."""
    rho, v, p = (np.ascontiguousarray(np.broadcast_to(np.asarray(a, float), np.shape(rho)))
                 for a in (rho, v, p))
    eps = p / ((gamma - 1.0) * rho)
    ones = np.ones(rho.shape)
    D, S, tau = (np.empty(rho.shape) for _ in range(3))
    prim_to_cons_array(rho, v, p, eps, ones, ones, D, S, tau)
    return D, S, tau


@dataclass(frozen=True)
class DensityWave:
    r"""Density sine advected by a uniform flow: :math:`\rho = \rho_0 + A\sin 2\pi(x - vt)`.

    Attributes
    ----------
    rho0, amplitude : float
        Mean density and amplitude.
    velocity, pressure : float
        Uniform velocity and pressure.
    gamma : float
        Ideal-gas adiabatic index.
    t_end : float
        Final time (the exact solution is the initial profile shifted by ``velocity t``).
    x_min, x_max : float
        The periodic domain (one wavelength).
    reference : str
        Where the test comes from.
    """

    name: str = "density_wave"
    rho0: float = 1.0
    amplitude: float = 0.2
    velocity: float = 0.2
    pressure: float = 1.0
    gamma: float = 5.0 / 3.0
    t_end: float = 1.0
    x_min: float = 0.0
    x_max: float = 1.0
    periodic: bool = True
    reference: str = (
        "Smooth density wave advected at uniform velocity and pressure (exact solution "
        "rho(x - v t)), the standard accuracy test of special-relativistic hydro schemes, "
        "e.g. Wu & Tang (2015), J. Comput. Phys. 298, 539 (arXiv:1504.07707), 1D smooth "
        "problem; amplitude 0.2, v = 0.2, P = 1, Gamma = 5/3, t = 1 (a shift by 0.2) chosen "
        "here"
    )

    def eos(self):
        """Ideal-gas EOS of the problem."""
        return IdealGasEOS(self.gamma)

    def primitives(self, x, t):
        """Exact ``(rho, v, P)`` at positions ``x`` and time ``t``."""
        x = np.asarray(x, dtype=float)
        k = 2.0 * np.pi / (self.x_max - self.x_min)
        rho = self.rho0 + self.amplitude * np.sin(k * (x - self.x_min - self.velocity * t))
        return rho, np.full_like(x, self.velocity), np.full_like(x, self.pressure)

    def conserved(self, x, t):
        """Exact flat-space ``(D, S, tau)`` at positions ``x`` and time ``t``."""
        return _conserved_flat(*self.primitives(x, t), self.gamma)


@dataclass(frozen=True)
class IsentropicPulse:
    r"""Isentropic simple wave of a compact density pulse (Zhang & MacFadyen 2006).

    :math:`\rho(x, 0) = \rho_\mathrm{ref}(1 + \alpha f(x))` with
    :math:`f = (x^2/L^2 - 1)^4` for :math:`|x| < L` (zero outside), :math:`P = K\rho^\Gamma`,
    and the velocity from the constant Riemann invariant

    .. math::

        J_- = \operatorname{artanh} v - \frac{1}{\sqrt{\Gamma - 1}}
              \ln\frac{\sqrt{\Gamma - 1} + c_s}{\sqrt{\Gamma - 1} - c_s},

    equal to its value in the background (:math:`v = 0`).  Each state is carried unchanged
    along the :math:`C_+` characteristic of speed
    :math:`\lambda_+ = (v + c_s)/(1 + v c_s)`; before the characteristics cross,
    :math:`\rho(x, t) = \rho(x_0, 0)` with :math:`x = x_0 + \lambda_+(x_0) t`, solved for
    :math:`x_0` by bisection (the map is monotone).  The evolution uses the ideal-gas EOS
    with the same :math:`\Gamma`, which keeps smooth flow isentropic.

    Attributes
    ----------
    K, gamma : float
        Polytrope of the (isentropic) flow.
    rho_ref, alpha, half_width : float
        Background density, relative amplitude and half-width ``L`` of the pulse.
    t_end : float
        Final time (before the caustic).
    x_min, x_max : float
        Domain; the pulse stays inside it until ``t_end`` (outflow boundaries).
    reference : str
        The paper the problem reproduces.
    """

    name: str = "isentropic_pulse"
    K: float = 100.0
    gamma: float = 5.0 / 3.0
    rho_ref: float = 1.0
    alpha: float = 1.0
    half_width: float = 0.3
    t_end: float = 0.8
    x_min: float = -0.35
    x_max: float = 1.0
    periodic: bool = False
    reference: str = (
        "Zhang & MacFadyen (2006), ApJS 164, 255, Sec. 4.6 (isentropic smooth flow; also "
        "Martí & Müller 2015, Living Rev. Comput. Astrophys. 1, 3, Sec. 6.1.1): K = 100, "
        "Gamma = 5/3, rho_ref = 1, alpha = 1, L = 0.3 on [-0.35, 1] to t = 0.8"
    )

    def eos(self):
        """Ideal-gas EOS of the problem (same Gamma as the polytrope)."""
        return IdealGasEOS(self.gamma)

    def _initial_density(self, x):
        s = np.asarray(x, dtype=float) / self.half_width
        f = np.where(np.abs(s) < 1.0, (s * s - 1.0) ** 4, 0.0)
        return self.rho_ref * (1.0 + self.alpha * f)

    def _sound_speed(self, rho):
        p = self.K * rho**self.gamma
        rho_h = rho + self.gamma / (self.gamma - 1.0) * p
        return np.sqrt(self.gamma * p / rho_h)

    def _log_term(self, rho):
        s = math.sqrt(self.gamma - 1.0)
        cs = self._sound_speed(rho)
        return np.log((s + cs) / (s - cs)) / s

    def _velocity(self, rho):
        return np.tanh(self._log_term(rho) - self._log_term(np.asarray(self.rho_ref)))

    def _char_speed(self, rho):
        v, cs = self._velocity(rho), self._sound_speed(rho)
        return (v + cs) / (1.0 + v * cs)

    def primitives(self, x, t):
        """Exact ``(rho, v, P)`` at positions ``x`` and time ``t`` (before the caustic)."""
        x = np.asarray(x, dtype=float)
        if t > 0.0:
            lam_lo = float(self._char_speed(np.asarray(self.rho_ref)))
            lam_hi = float(self._char_speed(np.asarray(self.rho_ref * (1.0 + self.alpha))))
            lo, hi = x - lam_hi * t - 1e-12, x - lam_lo * t + 1e-12
            for _ in range(200):
                mid = 0.5 * (lo + hi)
                right = mid + self._char_speed(self._initial_density(mid)) * t > x
                hi = np.where(right, mid, hi)
                lo = np.where(right, lo, mid)
                if np.all(hi - lo <= 4.0 * np.spacing(np.abs(mid) + 1.0)):
                    break
            x = 0.5 * (lo + hi)
        rho = self._initial_density(x)
        return rho, self._velocity(rho), self.K * rho**self.gamma

    def conserved(self, x, t):
        """Exact flat-space ``(D, S, tau)`` at positions ``x`` and time ``t``."""
        return _conserved_flat(*self.primitives(x, t), self.gamma)


DENSITY_WAVE = DensityWave()
"""The density-wave problem with its default parameters."""
ISENTROPIC_PULSE = IsentropicPulse()
"""The isentropic-pulse problem with its default parameters."""
SMOOTH_PROBLEMS = ("density_wave", "isentropic_pulse")


def _as_problem(problem):
    if isinstance(problem, DensityWave | IsentropicPulse):
        return problem
    if problem == "density_wave":
        return DENSITY_WAVE
    if problem == "isentropic_pulse":
        return ISENTROPIC_PULSE
    raise ValueError(f"unknown smooth problem {problem!r}; choose from {SMOOTH_PROBLEMS}")


def cell_average(func, centres, dx, num_nodes=_GAUSS_NODES):
    """Cell averages of ``func`` (array -> tuple of arrays) by Gauss-Legendre quadrature.

    Parameters
    ----------
    func : callable
        ``func(x)`` returns a tuple of arrays shaped like ``x``.
    centres : ndarray
        Cell centres.
    dx : float
        Cell width.
    num_nodes : int
        Quadrature nodes per cell (exact for polynomials of degree ``2 num_nodes - 1``).

    Returns
    -------
    tuple of ndarray
    """
    nodes, weights = np.polynomial.legendre.leggauss(num_nodes)
    total = None
    for xk, wk in zip(nodes, weights, strict=True):
        vals = func(centres + 0.5 * dx * xk)
        total = ([0.5 * wk * v for v in vals] if total is None
                 else [a + 0.5 * wk * v for a, v in zip(total, vals, strict=True)])
    return tuple(total)


# ---------------------------------------------------------------------------------------
# Point value <-> cell average conversion (diagnostic)
# ---------------------------------------------------------------------------------------
def _second_fourth_differences(a):
    d2 = a[1:-3] - 2.0 * a[2:-2] + a[3:-1]
    d4 = a[:-4] - 4.0 * a[1:-3] + 6.0 * a[2:-2] - 4.0 * a[3:-1] + a[4:]
    return d2, d4


def average_to_point(a):
    r"""Point values at the centres from cell averages, error :math:`O(\Delta x^6)`.

    :math:`u_i = \bar u_i - \delta^2\bar u_i/24 + 3\,\delta^4\bar u_i/640`.

    Parameters
    ----------
    a : ndarray, shape (..., M)
        Cell averages on a uniform grid (last axis).

    Returns
    -------
    ndarray, shape (..., M - 4)
        Point values of the cells ``2 .. M - 3``.
    """
    a = np.asarray(a, dtype=float)
    d2, d4 = _second_fourth_differences(a.T)
    return (a.T[2:-2] - d2 / 24.0 + 3.0 / 640.0 * d4).T


def point_to_average(a):
    r"""Cell averages from point values at the centres, error :math:`O(\Delta x^6)`.

    :math:`\bar u_i = u_i + \delta^2 u_i/24 - 17\,\delta^4 u_i/5760`.

    Parameters
    ----------
    a : ndarray, shape (..., M)
        Point values on a uniform grid (last axis).

    Returns
    -------
    ndarray, shape (..., M - 4)
        Cell averages of the cells ``2 .. M - 3``.
    """
    a = np.asarray(a, dtype=float)
    d2, d4 = _second_fourth_differences(a.T)
    return (a.T[2:-2] + d2 / 24.0 - 17.0 / 5760.0 * d4).T


# ---------------------------------------------------------------------------------------
# Solver
# ---------------------------------------------------------------------------------------
class SmoothFlowSlab(PlanarSlab):
    """:class:`~source.validation.shocktube.PlanarSlab` with periodic boundaries and an
    optional point-value/cell-average conversion around cons2prim.

    Parameters
    ----------
    num_cells : int
        Interior cells.
    eos : IdealGasEOS
    periodic : bool
        Periodic ghosts (else the slab's zero-gradient outflow).
    conversion : bool
        Diagnostic: convert the cell averages of the conserved variables to point values
        (:func:`average_to_point`) before cons2prim, and the point primitives
        :math:`(\\rho, Wv, P)` back to cell averages (:func:`point_to_average`) before the
        reconstruction, so that the reconstruction sees true cell averages.  The padding
        beyond the ghosts is periodic or zero-gradient like the ghosts.
    **kwargs
        ``atmosphere``, ``recon``, ``riemann``, ``x_min``, ``x_max`` of ``PlanarSlab``.
    """

    def __init__(self, num_cells, eos, periodic=True, conversion=False, **kwargs):
        self.periodic = bool(periodic)
        self.conversion = bool(conversion)
        super().__init__(num_cells, eos, **kwargs)

    def fill_ghosts(self, U):
        """Periodic (or outflow) ghosts of ``U``, in place."""
        if not self.periodic:
            super().fill_ghosts(U)
            return
        g, n = NUM_GHOSTS, self.num_cells
        U[:, :g] = U[:, n: n + g]
        U[:, -g:] = U[:, g: 2 * g]

    def _pad(self, a, width):
        return np.pad(a, ((0, 0), (width, width)), mode="wrap" if self.periodic else "edge")

    def face_fluxes(self, U, t):
        """Face fluxes; with :attr:`conversion` the reconstruction gets cell averages."""
        if not self.conversion:
            return super().face_fluxes(U, t)
        g, s = NUM_GHOSTS, self.interior
        U_point = np.ascontiguousarray(average_to_point(self._pad(U[:, s], g + 2)))
        self.cons_to_prim(U_point, t)
        rho, v, p, eps, W, h = self.prim
        point = np.array([rho[s], W[s] * v[s], p[s]])
        rho_a, z_a, p_a = (np.ascontiguousarray(a)
                           for a in point_to_average(self._pad(point, g + 2)))
        # v = z and W = 1: the kernel reconstructs z = W v
        return self.fluxes_from_cells(rho_a, z_a, np.ones(rho_a.shape[0]), p_a)


# ---------------------------------------------------------------------------------------
# Smooth-flow convergence
# ---------------------------------------------------------------------------------------
class SmoothRow(NamedTuple):
    """One row of :func:`smooth_wave_convergence`.

    ``l1`` and ``linf`` are the errors of rho at the centres (``sampling="point"``) or of
    the cell averages of D (``"average"``); ``rate`` and ``rate_inf`` the observed orders
    against the previous row (NaN on the coarsest grid).
    """

    recon: str
    num_cells: int
    l1: float
    rate: float
    linf: float
    rate_inf: float
    problem: str
    riemann: str
    sampling: str
    conversion: bool
    num_steps: int


def run_smooth_problem(problem, num_cells, recon="mc", riemann="hll", sampling="average",
                       cfl=0.4, integrator="rk4", conversion=False):
    """Evolve one smooth problem to its ``t_end`` and measure the error.

    Parameters
    ----------
    problem : {"density_wave", "isentropic_pulse"} or DensityWave or IsentropicPulse
    num_cells : int
    recon : {"minmod", "mc", "mp5", "weno5", "wenoz"}
    riemann : {"hll", "llf", "hllc"}
    sampling : {"point", "average"}
        See the module docstring.
    cfl : float
        ``dt <= cfl dx``.  With RK4 the time error stays below the 5th-order spatial error
        down to the finest grids used here (cfl 0.8 and 0.2 agree to 3 digits).
    integrator : {"rk3", "rk4"}
    conversion : bool
        Point/average conversion around cons2prim (requires ``sampling="average"``).

    Returns
    -------
    tuple
        ``(l1, linf, num_steps)``.
    """
    prob = _as_problem(problem)
    if sampling not in SAMPLINGS:
        raise ValueError(f"sampling must be one of {SAMPLINGS} (got {sampling!r})")
    if conversion and sampling != "average":
        raise ValueError("conversion=True needs cell-average data (sampling='average')")
    if integrator not in INTEGRATORS:
        raise ValueError(f"integrator must be one of {INTEGRATORS} (got {integrator!r})")
    slab = SmoothFlowSlab(num_cells, prob.eos(), periodic=prob.periodic,
                          conversion=conversion, recon=recon, riemann=riemann,
                          x_min=prob.x_min, x_max=prob.x_max)
    if sampling == "point":
        slab.set_primitives(*prob.primitives(slab.x, 0.0))
    else:
        slab.U[:, slab.interior] = cell_average(lambda x: prob.conserved(x, 0.0), slab.x,
                                                slab.dx)
        slab.fill_ghosts(slab.U)
    num_steps = slab.evolve(prob.t_end, cfl=cfl, integrator=integrator)
    if sampling == "point":
        err = slab.primitives()[0] - prob.primitives(slab.x, slab.t)[0]
    else:
        exact = cell_average(lambda x: prob.conserved(x, slab.t), slab.x, slab.dx)[0]
        err = slab.U[0, slab.interior] - exact
    # L1 norm on the domain, normalised by its length: the mean over the cells
    return float(np.mean(np.abs(err))), float(np.max(np.abs(err))), num_steps


def _rate(prev, cur):
    """Observed order between ``prev = (resolution, error)`` and ``cur`` (NaN if unknown)."""
    if prev is None or not (prev[1] > 0.0 and cur[1] > 0.0):
        return math.nan
    return math.log(prev[1] / cur[1]) / math.log(cur[0] / prev[0])


def smooth_wave_convergence(recon, riemann="hll", resolutions=(32, 64, 128, 256),
                            problem="density_wave", sampling="average", cfl=0.4,
                            integrator="rk4", conversion=False):
    """Errors and observed orders of one scheme on one smooth problem over a grid sequence.

    Parameters
    ----------
    recon : {"minmod", "mc", "mp5", "weno5", "wenoz"}
    riemann : {"hll", "llf", "hllc"}
    resolutions : sequence of int
        Interior cell counts, increasing.
    problem : {"density_wave", "isentropic_pulse"} or problem instance
    sampling : {"point", "average"}
    cfl : float
    integrator : {"rk3", "rk4"}
    conversion : bool
        See :class:`SmoothFlowSlab`.

    Returns
    -------
    list of SmoothRow
        ``rate = log(e_prev / e) / log(N / N_prev)``.
    """
    prob = _as_problem(problem)
    rows = []
    prev = None
    for n in resolutions:
        l1, linf, steps = run_smooth_problem(prob, n, recon=recon, riemann=riemann,
                                             sampling=sampling, cfl=cfl,
                                             integrator=integrator, conversion=conversion)
        rate = _rate(prev and (prev.num_cells, prev.l1), (n, l1))
        rate_inf = _rate(prev and (prev.num_cells, prev.linf), (n, linf))
        prev = SmoothRow(recon, int(n), l1, rate, linf, rate_inf, prob.name, riemann,
                         sampling, bool(conversion), steps)
        rows.append(prev)
    return rows


def _fmt_rate(x):
    return "" if math.isnan(x) else f"{x:.2f}"


def format_smooth_table(rows):
    """Markdown table of :class:`SmoothRow` rows.

    Parameters
    ----------
    rows : iterable of SmoothRow

    Returns
    -------
    str
        Columns recon, N, L1, rate, Linf, rate; the quantity (rho at the centres or cell
        averages of D) is named in the header.
    """
    rows = list(rows)
    what = "rho" if rows and rows[0].sampling == "point" else "D-bar"
    lines = [f"| recon | N | L1({what}) | rate | Linf({what}) | rate |",
             "|---|---:|---:|---:|---:|---:|"]
    for r in rows:
        lines.append(f"| {r.recon} | {r.num_cells} | {r.l1:.3e} | {_fmt_rate(r.rate)} | "
                     f"{r.linf:.3e} | {_fmt_rate(r.rate_inf)} |")
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------
# TOV star in the Cowling approximation
# ---------------------------------------------------------------------------------------
class TovRow(NamedTuple):
    """One row of :func:`tov_convergence` (one resolution at one time).

    Attributes
    ----------
    recon : str
    num_points : int
        Grid points including the 3 + 3 ghosts.
    dr : float
    t : float
        Time of the row (the step nearest the requested time).
    l1 : float
        Mean over the interior cells with r < R_iso of ``|rho0(t) - rho0(0)|``.
    rate : float
        Observed order of ``l1`` against the previous resolution at the same time.
    rho_c_mean : float
        Time average over [0, t] (trapezoid rule on the time series) of
        ``|rho_c(t) - rho_c(0)|``.
    rate_rho_c : float
        Observed order of ``rho_c_mean``.
    linf : float
        Max over the same cells of ``|rho0(t) - rho0(0)|``.
    num_steps : int
        RK4 steps to ``t``.
    wall_seconds : float
        Evolution time of this run up to ``t``.
    """

    recon: str
    num_points: int
    dr: float
    t: float
    l1: float
    rate: float
    rho_c_mean: float
    rate_rho_c: float
    linf: float
    num_steps: int
    wall_seconds: float


def _trapezoid_mean(t, y):
    t, y = np.asarray(t), np.asarray(y)
    if t.size < 2 or t[-1] <= t[0]:
        return float(np.abs(y).mean()) if y.size else math.nan
    return float(np.sum(0.5 * (y[1:] + y[:-1]) * np.diff(t)) / (t[-1] - t[0]))


def tov_convergence(recon, resolutions=(200, 400, 800), times=(25.0, 50.0), r_max=20.0,
                    cfl=0.1, riemann="hll", sample_interval=0.25, **config):
    """Deviation of the Cowling TOV star from equilibrium over a sequence of grids.

    Parameters
    ----------
    recon : {"minmod", "mc", "mp5", "weno5", "wenoz"}
    resolutions : sequence of int
        ``num_points`` (ghosts included), increasing; ``dr = r_max / (N - 3.5)``.
    times : sequence of float
        Increasing times at which the profile error is measured (each rounded to the
        nearest RK4 step).
    r_max, cfl : float
    riemann : {"hll", "llf", "hllc"}
    sample_interval : float
        Approximate time between the rho_c samples of the time average.
    **config
        Further :class:`~source.evolution.simulation.RunConfig` fields (star, EOS, ...).

    Returns
    -------
    list of TovRow
        Ordered by (N, t); the rates compare consecutive resolutions at the same time,
        ``log(e_prev / e) / log(dr_prev / dr)``.

    Raises
    ------
    RuntimeError
        If the evolution stops (non-finite values or a cons2prim failure).
    """
    from source.evolution import columns, integrator
    from source.evolution.simulation import RunConfig, build_simulation

    times = tuple(float(t) for t in times)
    rows = []
    prev = {}
    for n in resolutions:
        probe = RunConfig(num_points=int(n), r_max=r_max, cfl=cfl)
        every = max(1, round(sample_interval / probe.dt))
        cfg = RunConfig(num_points=int(n), r_max=r_max, t_final=max(times), cfl=cfl,
                        recon=recon, riemann=riemann, timeseries_every=every, **config)
        sim = build_simulation(cfg)
        sim.warmup()
        inner = slice(NUM_GHOSTS, -NUM_GHOSTS)
        r = sim.grid.r[inner]
        star = (r > 0.0) & (r < sim.tov.R_iso)
        rho_init = sim.snapshot_fields()["rho0"][inner][star]
        row0 = sim.diagnostics_row()
        series = [row0[None, :]]
        wall = 0.0
        for t_want in times:
            n_steps = int(round(t_want / cfg.dt)) - sim.step
            buf = np.zeros((n_steps // every + 2, columns.NUM_TS))
            start = time.perf_counter()
            code, done, nrows, bad = sim.advance(n_steps, buf)
            wall += time.perf_counter() - start
            if code != integrator.RUN_OK:
                raise RuntimeError(f"TOV run stopped (code {code}) at step {sim.step}, cell "
                                   f"{bad} (recon={recon}, N={n})")
            series.append(buf[:nrows])
            ts = np.vstack(series)
            drho_c = np.abs(ts[:, columns.COL.rho_c] - row0[columns.COL.rho_c])
            err = np.abs(sim.snapshot_fields()["rho0"][inner][star] - rho_init)
            l1, linf, rc = float(err.mean()), float(err.max()), _trapezoid_mean(
                ts[:, columns.COL.t], drho_c)
            p = prev.get(t_want)  # the previous resolution's row at this time
            rate = _rate(p and (1.0 / p.dr, p.l1), (1.0 / cfg.dr, l1))
            rate_rc = _rate(p and (1.0 / p.dr, p.rho_c_mean), (1.0 / cfg.dr, rc))
            prev[t_want] = TovRow(recon, int(n), cfg.dr, sim.t, l1, rate, rc, rate_rc, linf,
                                  sim.step, wall)
            rows.append(prev[t_want])
    return sorted(rows, key=lambda row: (row.num_points, row.t))


def format_tov_table(rows):
    """Markdown table of :class:`TovRow` rows.

    Parameters
    ----------
    rows : iterable of TovRow

    Returns
    -------
    str
        Columns recon, N, dr, t, L1, rate, time-averaged |d rho_c|, rate, Linf.
    """
    lines = ["| recon | N | dr | t | L1(rho0 - rho0(0)) | rate | <\\|rho_c - rho_c(0)\\|> "
             "| rate | Linf | steps |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        lines.append(f"| {r.recon} | {r.num_points} | {r.dr:.4f} | {r.t:.2f} | {r.l1:.3e} | "
                     f"{_fmt_rate(r.rate)} | {r.rho_c_mean:.3e} | {_fmt_rate(r.rate_rho_c)} | "
                     f"{r.linf:.3e} | {r.num_steps} |")
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------------------
def _parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description="Convergence tables (Markdown): smooth planar flows and the TOV star."
    )
    parser.add_argument("--parts", nargs="+", default=["smooth", "tov"],
                        choices=["smooth", "tov"])
    parser.add_argument("--recons", nargs="+", default=list(ALL_RECONS), choices=ALL_RECONS)
    parser.add_argument("--riemann", default="hll", choices=["hll", "llf", "hllc"])
    parser.add_argument("--wave-resolutions", nargs="+", type=int, default=[32, 64, 128, 256])
    parser.add_argument("--pulse-resolutions", nargs="+", type=int,
                        default=[100, 200, 400, 800, 1600])
    parser.add_argument("--cfl", type=float, default=0.4, help="CFL of the smooth problems")
    parser.add_argument("--integrator", default="rk4", choices=INTEGRATORS)
    parser.add_argument("--tov-recons", nargs="+", default=["mc", "mp5"], choices=ALL_RECONS)
    parser.add_argument("--tov-resolutions", nargs="+", type=int, default=[200, 400, 800])
    parser.add_argument("--tov-times", nargs="+", type=float, default=[25.0, 50.0])
    return parser.parse_args(argv)


def _print_smooth(title, reference, rows_by_recon, note):
    print(f"### {title}\n")
    print(f"Reference: {reference}.\n")
    print(format_smooth_table([r for rows in rows_by_recon for r in rows]))
    print(f"\n({note})\n", flush=True)


def main(argv=None):
    """Print the requested convergence tables as Markdown."""
    args = _parse_args(argv)
    common = dict(riemann=args.riemann, cfl=args.cfl, integrator=args.integrator)
    note = f"{args.riemann}, {args.integrator}, cfl = {args.cfl}"
    if "smooth" in args.parts:
        cases = [
            (DENSITY_WAVE, "point", False, args.wave_resolutions,
             "density wave, point values at the cell centres"),
            (DENSITY_WAVE, "average", False, args.wave_resolutions,
             "density wave, cell averages (5-point Gauss)"),
            (ISENTROPIC_PULSE, "average", False, args.pulse_resolutions,
             "isentropic pulse, cell averages (the code as it is)"),
            (ISENTROPIC_PULSE, "average", True, args.pulse_resolutions,
             "isentropic pulse, cell averages, with point/average conversion around c2p "
             "(diagnostic)"),
        ]
        for prob, sampling, conversion, res, title in cases:
            start = time.perf_counter()
            rows = [smooth_wave_convergence(rc, resolutions=res, problem=prob,
                                            sampling=sampling, conversion=conversion,
                                            **common)
                    for rc in args.recons]
            _print_smooth(title, prob.reference, rows,
                          f"{note}; {time.perf_counter() - start:.1f} s")
    if "tov" in args.parts:
        start = time.perf_counter()
        rows = [r for rc in args.tov_recons
                for r in tov_convergence(rc, args.tov_resolutions, args.tov_times,
                                         riemann=args.riemann)]
        print("### TOV star, Cowling: deviation from the initial equilibrium\n")
        print("Reference: Montero, Baumgarte & Mueller (2014), PRD 89, 084043 (static star "
              "as the convergence test); K = 100, Gamma = 2, rho_c = 1.28e-3, r_max = 20, "
              "cfl 0.1, RK4.\n")
        print(format_tov_table(rows))
        print(f"\n({args.riemann}; {time.perf_counter() - start:.1f} s)\n", flush=True)


if __name__ == "__main__":
    main()
