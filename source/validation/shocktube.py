r"""Planar special-relativistic shock tubes run with the star's own hydro kernels.

The one-dimensional slab :math:`x \in [0, 1]` in flat space (lapse 1, zero shift,
:math:`\gamma_{xx} = 1`, :math:`e^{6\phi} = 1`) evolves the conserved variables
:math:`U = (D, S, \tau) = (\rho W,\ \rho h W^2 v,\ \rho h W^2 - P - D)` of special-relativistic
hydrodynamics in pure flux form,

.. math::

    \frac{dU_i}{dt} = -\frac{F_{i+1/2} - F_{i-1/2}}{\Delta x},
    \qquad F = (D v,\ S v + P,\ \tau v + P v),

with no geometric sources and no connection terms.  Every point-wise operation is one of the
compiled kernels the TOV evolution uses (``source.matter.hydro``): Kastaun
conservative-to-primitive recovery (``cons_to_prim_array``), reconstruction of
:math:`(\rho, W v, P)` to the faces with the face limiting
(``reconstruct_face_states``, exactly as for the star) and the approximate Riemann
solvers (``face_fluxes_array``).  With the flat face geometry those kernels reduce
exactly to the planar fluxes above, so the shock tubes validate the code the star runs,
compared with the exact solution of ``source.validation.exact_riemann``.

Grid: ``N`` interior cells of width :math:`\Delta x = 1/N` plus ``NUM_GHOSTS = 3`` ghost
cells on each side, filled by zero-gradient copies of the outermost interior cell (outflow).
Time integration: the three-stage strong-stability-preserving Runge-Kutta scheme of Shu &
Osher (1988) (default) or the classical fourth-order Runge-Kutta scheme, with the uniform
step :math:`\Delta t \le \mathrm{cfl}\,\Delta x` that lands exactly on ``t_end`` (all
characteristic speeds are below :math:`c = 1`).

Run ``python -m source.validation.shocktube`` to print the L1 convergence tables (Markdown)
of all problems in :data:`SHOCK_TUBES`; with ``--format readme`` it prints the rows of the
README's shock-tube table instead (one line per scheme, e.g.
``--problems mb1 mb2 --format readme``).
"""

from __future__ import annotations

import argparse
import math
import time
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import NamedTuple

import numpy as np

from source.core.spacing import NUM_GHOSTS
from source.evolution.integrator import RUNGE_KUTTA
from source.matter.eos.eos import IdealGasEOS
from source.matter.hydro.atmosphere import AtmosphereParams
from source.matter.hydro.cons2prim import (
    C2P_ATMOSPHERE,
    C2P_FAILED,
    C2P_KASTAUN,
    DEFAULT_MAX_ITER,
    DEFAULT_TOL,
    cons_to_prim_array,
    prim_to_cons_array,
)
from source.matter.hydro.reconstruction import RECON_METHODS
from source.matter.hydro.riemann import RIEMANN_SOLVERS, face_fluxes_array
from source.matter.hydro.valencia_reference_metric import reconstruct_face_states
from source.validation.exact_riemann import ExactRiemannSolution

__all__ = [
    "ALL_RECONS",
    "ALL_RIEMANNS",
    "ConvergenceRow",
    "INTEGRATORS",
    "PlanarSlab",
    "SHOCK_TUBES",
    "ShockTube",
    "ShockTubeResult",
    "convergence_table",
    "format_markdown_table",
    "format_readme_rows",
    "l1_errors",
    "run_shock_tube",
    "shock_tube_atmosphere",
]

ALL_RECONS = ("minmod", "mc", "mp5", "weno5", "wenoz")
ALL_RIEMANNS = ("hll", "llf", "hllc")
INTEGRATORS = tuple(RUNGE_KUTTA)


# ---------------------------------------------------------------------------------------
# Problems
# ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ShockTube:
    """A planar Riemann problem: two constant states separated at ``x0`` at ``t = 0``.

    Attributes
    ----------
    name : str
        Short key (as in :data:`SHOCK_TUBES`).
    rho_L, p_L, v_L : float
        Left state: rest-mass density, pressure, velocity.
    rho_R, p_R, v_R : float
        Right state.
    gamma : float
        Adiabatic index of the ideal-gas EOS.
    t_end : float
        Final time of the standard test.
    reference : str
        The paper the problem reproduces.
    x0 : float
        Initial position of the discontinuity (the domain is [0, 1]).
    label : str
        Problem cell of the README table (:func:`format_readme_rows`); default: the
        upper-case name followed by the two states, Gamma and t_end.
    """

    name: str
    rho_L: float
    p_L: float
    v_L: float
    rho_R: float
    p_R: float
    v_R: float
    gamma: float
    t_end: float
    reference: str
    x0: float = 0.5
    label: str = ""

    def exact(self):
        """Exact solution (:class:`~source.validation.exact_riemann.ExactRiemannSolution`)."""
        return ExactRiemannSolution(self.rho_L, self.p_L, self.v_L, self.rho_R, self.p_R,
                                    self.v_R, self.gamma)

    def eos(self):
        """Ideal-gas EOS of the problem."""
        return IdealGasEOS(self.gamma)

    def initial_primitives(self, x):
        """Primitives ``(rho, v, P)`` at positions ``x`` at ``t = 0`` (left state at x < x0)."""
        x = np.asarray(x, dtype=float)
        left = x < self.x0
        rho = np.where(left, self.rho_L, self.rho_R)
        v = np.where(left, self.v_L, self.v_R)
        p = np.where(left, self.p_L, self.p_R)
        return rho, v, p


_MM2003 = ("Martí & Müller (2003), Numerical hydrodynamics in special relativity, "
           "Living Rev. Relativ. 6, 7")
_MB2005 = ("Mignone & Bodo (2005), An HLLC Riemann solver for relativistic flows - I. "
           "Hydrodynamics, MNRAS 364, 126")
_MB2005_STATES = ("; states, Gamma and t as in PLUTO's Test_Problems/RHD/Shock_Tubes "
                  "pluto_0{}.ini (Athena++ athinput.mb_{}: the same states on [-0.5, 0.5])")

SHOCK_TUBES = MappingProxyType({
    "mm1": ShockTube(
        "mm1", 10.0, 40.0 / 3.0, 0.0, 1.0, 1e-6, 0.0, 5.0 / 3.0, 0.4,
        reference=_MM2003 + ", problem 1 (mildly relativistic: v* = 0.714, thin dense shell "
        "rho*_R = 5.07 behind the shock)",
        label="MM1 (10, 40/3 \\| 1, 1e-6; Gamma 5/3, t 0.4)",
    ),
    "mm2": ShockTube(
        "mm2", 1.0, 1000.0, 0.0, 1.0, 1e-2, 0.0, 5.0 / 3.0, 0.35,
        reference=_MM2003 + ", problem 2 (blast wave 2: v* = 0.960, W* = 3.6, shell "
        "rho*_R = 10.42 only 0.0092 wide at t = 0.35)",
        label="MM2 blast (1, 1000 \\| 1, 0.01; 5/3, t 0.35)",
    ),
    "weak": ShockTube(
        "weak", 1.0, 1.0, 0.0, 0.125, 0.1, 0.0, 1.4, 0.4,
        reference=_MM2003 + ", Fig. 2 with zero tangential velocity: the relativistic "
        "version of the Sod (1978, J. Comput. Phys. 27, 1) shock tube (the 'weak blast' of "
        "the engrenage reference code)",
        label="weak (1, 1 \\| 0.125, 0.1; 1.4, t 0.4)",
    ),
    "strong": ShockTube(
        "strong", 10.0, 133.33, 0.0, 1.0, 0.125, 0.0, 1.4, 0.4,
        reference="'Strong blast' of the engrenage reference code's test suite (no paper "
        "given there); exact solution constructed as in " + _MM2003,
        label="strong (10, 133.33 \\| 1, 0.125; 1.4, t 0.4)",
    ),
    # Mignone & Bodo (2005) Sec. 4, problems 1 and 2 (their problems 3 and 4 are mm1 and
    # mm2 above).  The numbers are those of the shared data file
    # mignone_bodo_2005_shocktubes.csv, digit for digit (Gamma 4/3 and 5/3 as written there).
    "mb1": ShockTube(
        "mb1", 1.0, 1.0, 0.9, 1.0, 10.0, 0.0, 1.3333333333333333, 0.4,
        reference=_MB2005 + ", Sec. 4 problem 1 (two shocks: the fast left stream is "
        "stopped, p* = 17.79, v* = 0.2425; a dense shell rho*_L = 6.597 between the slow "
        "left shock, V = -0.0922, and the contact; rho*_R = 1.536 behind the right shock, "
        "V = 0.6584)" + _MB2005_STATES.format(1, 1),
        label="MB1 (rho, v, P = 1, 0.9, 1 \\| 1, 0, 10; Gamma 4/3, t 0.4)",
    ),
    "mb2": ShockTube(
        "mb2", 1.0, 10.0, -0.6, 10.0, 20.0, 0.5, 1.6666666666666667, 0.4,
        reference=_MB2005 + ", Sec. 4 problem 2 (receding streams, two rarefactions: "
        "p* = 3.548, v* = -0.1951, rho*_L = 0.5370, rho*_R = 3.543; the left fan spans "
        "only xi in [-0.946, -0.856])" + _MB2005_STATES.format(2, 2),
        label="MB2 (rho, v, P = 1, -0.6, 10 \\| 10, 0.5, 20; Gamma 5/3, t 0.4)",
    ),
})
"""Standard planar SRHD shock tubes (read-only mapping name -> :class:`ShockTube`)."""


def shock_tube_atmosphere():
    """Atmosphere parameters for the shock tubes (floors well below every physical state).

    Returns
    -------
    AtmosphereParams
        ``rho_floor = 1e-13``, ``p_floor = 1e-15``, ``v_max = 0.999999``, ``W_max = 1e3``,
        ``conservative_floor_safety = 0.999``.
    """
    return AtmosphereParams(rho_floor=1e-13, p_floor=1e-15, v_max=0.999999, W_max=1e3,
                            conservative_floor_safety=0.999)


def _as_problem(problem):
    if isinstance(problem, ShockTube):
        return problem
    try:
        return SHOCK_TUBES[problem]
    except KeyError:
        raise ValueError(
            f"unknown shock tube {problem!r}; choose from {sorted(SHOCK_TUBES)}"
        ) from None


# ---------------------------------------------------------------------------------------
# Solver
# ---------------------------------------------------------------------------------------
class PlanarSlab:
    r"""Finite-volume SRHD solver on the slab [x_min, x_max] built from the star's kernels.

    Parameters
    ----------
    num_cells : int
        Number of interior cells ``N``.
    eos : IdealGasEOS
        Equation of state.
    atmosphere : AtmosphereParams, optional
        Floors; default :func:`shock_tube_atmosphere`.
    recon : {"minmod", "mc", "mp5", "weno5", "wenoz"}
        Reconstruction of :math:`(\rho, v, P)`.
    riemann : {"hll", "llf", "hllc"}
        Approximate Riemann solver.
    x_min, x_max : float
        Domain edges.

    Attributes
    ----------
    U : ndarray, shape (3, N + 6)
        Conserved variables :math:`(D, S, \tau)`, ghost cells included.
    x : ndarray, shape (N,)
        Interior cell centres.
    dx : float
        Cell width.
    t : float
        Current time.
    max_atmosphere_cells : int
        Largest number of interior cells that cons2prim flagged as atmosphere in any
        right-hand-side evaluation so far (0 for a clean shock-tube run).
    """

    def __init__(self, num_cells, eos, atmosphere=None, recon="mc", riemann="hll",
                 x_min=0.0, x_max=1.0):
        num_cells = int(num_cells)
        if num_cells < 2 * NUM_GHOSTS:
            raise ValueError(f"num_cells must be >= {2 * NUM_GHOSTS} (got {num_cells})")
        if recon not in RECON_METHODS:
            raise ValueError(f"recon must be one of {sorted(RECON_METHODS)} (got {recon!r})")
        if riemann not in RIEMANN_SOLVERS:
            raise ValueError(
                f"riemann must be one of {sorted(RIEMANN_SOLVERS)} (got {riemann!r})"
            )
        if not x_max > x_min:
            raise ValueError(f"need x_max > x_min (got {x_min}, {x_max})")
        self.num_cells = num_cells
        self.eos = eos
        self.atmosphere = shock_tube_atmosphere() if atmosphere is None else atmosphere
        self.atm = self.atmosphere.packed(eos)
        self.recon = recon
        self.riemann = riemann
        self.recon_id = RECON_METHODS[recon]
        self.riemann_id = RIEMANN_SOLVERS[riemann]
        self.eos_params = eos.params

        g = NUM_GHOSTS
        n = num_cells + 2 * g
        self.num_total = n
        self.interior = slice(g, g + num_cells)
        self.dx = (x_max - x_min) / num_cells
        self.x = x_min + (np.arange(num_cells) + 0.5) * self.dx
        self.t = 0.0
        self.max_atmosphere_cells = 0

        self.U = np.zeros((3, n))
        # flat geometry at the cells and at the N + 1 faces of the interior cells
        self._ones_cells = np.ones(n)
        self._ones_faces = np.ones(num_cells + 1)
        self._zeros_faces = np.zeros(num_cells + 1)
        # primitives and c2p bookkeeping of all cells
        self.prim = np.zeros((6, n))  # rho, v, P, eps, W, h
        self.status = np.zeros(n, dtype=np.int8)
        self.iters = np.zeros(n, dtype=np.int32)
        # face work arrays: reconstruction writes N + 7 faces; faces g .. g + N are used
        self._flux = np.zeros((3, num_cells + 1))

    # ---------------------------------------------------------------- state
    def set_primitives(self, rho, v, p):
        """Set the interior state from primitives (arrays of length N) and fill the ghosts."""
        shape = (self.num_cells,)
        rho, v, p = (np.ascontiguousarray(np.broadcast_to(np.asarray(a, float), shape))
                     for a in (rho, v, p))
        eps = np.ascontiguousarray(self.eos.eps_from_rho_p(rho, p), dtype=float)
        D, S, tau = (np.empty(self.num_cells) for _ in range(3))
        ones = self._ones_cells[: self.num_cells]
        prim_to_cons_array(rho, v, p, eps, ones, ones, D, S, tau)
        self.U[:, self.interior] = (D, S, tau)
        self.fill_ghosts(self.U)

    def fill_ghosts(self, U):
        """Outflow boundaries: copy the outermost interior cell into the ghosts, in place."""
        g = NUM_GHOSTS
        U[:, :g] = U[:, g: g + 1]
        U[:, -g:] = U[:, -g - 1: -g]

    def cons_to_prim(self, U, t):
        """Kastaun recovery of all cells of ``U`` into :attr:`prim`.

        Raises
        ------
        RuntimeError
            If any cell returns ``C2P_FAILED``; the message names the time, the cell and its
            conserved variables.
        """
        eos = self.eos_params
        rho, v, p, eps, W, h = self.prim
        cons_to_prim_array((U[0], U[1], U[2]), self._ones_cells, self._ones_cells,
                           eos, self.atm, C2P_KASTAUN, p, DEFAULT_TOL, DEFAULT_MAX_ITER,
                           (rho, v, p, eps, W, h), self.status, self.iters)
        failed = np.flatnonzero(self.status == C2P_FAILED)
        if failed.size:
            i = int(failed[0])
            xi = self.x[0] + (i - NUM_GHOSTS) * self.dx
            raise RuntimeError(
                f"cons2prim failed at t = {t:.6g} in {failed.size} cell(s); first: cell {i} "
                f"(interior index {i - NUM_GHOSTS}, x = {xi:.6g}) with D = {float(U[0, i])!r}, "
                f"S = {float(U[1, i])!r}, tau = {float(U[2, i])!r} "
                f"(recon={self.recon}, riemann={self.riemann}, N={self.num_cells})"
            )
        n_atm = int(np.count_nonzero(self.status[self.interior] == C2P_ATMOSPHERE))
        self.max_atmosphere_cells = max(self.max_atmosphere_cells, n_atm)

    def primitives(self):
        """Interior primitives ``(rho, v, P)`` of the current state (copies)."""
        self.cons_to_prim(self.U, self.t)
        s = self.interior
        return self.prim[0, s].copy(), self.prim[1, s].copy(), self.prim[2, s].copy()

    # ---------------------------------------------------------------- fluxes and RHS
    def face_fluxes(self, U, t):
        """Fluxes ``(3, N + 1)`` at the faces of the interior cells of the state ``U``.

        ``U`` must have its ghosts filled.  Face ``k`` lies between interior cells
        ``k - 1`` and ``k``.
        """
        self.cons_to_prim(U, t)
        rho, v, p, eps, W, h = self.prim
        return self.fluxes_from_cells(rho, v, W, p)

    def fluxes_from_cells(self, rho, v, W, p):
        """Fluxes ``(3, N + 1)`` at the interior faces from cell values (ghosts included)
        of rho0, v, W and P: ``reconstruct_face_states`` then ``face_fluxes_array``."""
        n = rho.shape[0]
        states = [np.empty(n - 1) for _ in range(6)]
        reconstruct_face_states(self.recon_id, rho, v, W, p, np.ones(n - 1), self.atm,
                                self.eos_params, *states)
        # solver face k lies between cells k and k+1: the faces of the interior cells
        faces = slice(NUM_GHOSTS - 1, NUM_GHOSTS + self.num_cells)
        rL, vL, pL, rR, vR, pR = (a[faces].copy() for a in states)
        eos = self.eos_params
        F = self._flux
        face_fluxes_array(self.riemann_id, rL, vL, pL, rR, vR, pR, self._ones_faces,
                          self._zeros_faces, self._ones_faces, self._ones_faces, eos,
                          self.atm, F)
        return F

    def rhs(self, U, t):
        """Semi-discrete right-hand side ``dU/dt`` (3, N + 6); ghost columns are zero.

        Fills the ghosts of ``U`` in place.
        """
        self.fill_ghosts(U)
        F = self.face_fluxes(U, t)
        out = np.zeros_like(U)
        out[:, self.interior] = -(F[:, 1:] - F[:, :-1]) / self.dx
        return out

    # ---------------------------------------------------------------- time stepping
    def step(self, dt, integrator="rk3"):
        """Advance :attr:`U` by one step ``dt`` (``"rk3"``: SSP-RK3, ``"rk4"``: classic RK4)."""
        U, t = self.U, self.t
        if integrator not in RUNGE_KUTTA:
            raise ValueError(f"integrator must be one of {INTEGRATORS} (got {integrator!r})")
        rk_step, nodes = RUNGE_KUTTA[integrator]
        U_new = rk_step(U, dt, lambda y, stage: self.rhs(y, t + nodes[stage] * dt))
        self.fill_ghosts(U_new)
        self.U = U_new
        self.t = t + dt

    def evolve(self, t_end, cfl=0.3, integrator="rk3"):
        """Evolve from :attr:`t` to ``t_end`` with equal steps ``dt <= cfl * dx``.

        Returns
        -------
        int
            Number of steps taken.
        """
        if not 0.0 < cfl <= 1.0:
            raise ValueError(f"cfl must lie in (0, 1] (got {cfl})")
        if integrator not in INTEGRATORS:
            raise ValueError(f"integrator must be one of {INTEGRATORS} (got {integrator!r})")
        span = t_end - self.t
        if span <= 0.0:
            return 0
        num_steps = max(1, math.ceil(span / (cfl * self.dx) - 1e-12))
        dt = span / num_steps
        t0 = self.t
        for k in range(num_steps):
            self.step(dt, integrator)
            self.t = t0 + (k + 1) * dt  # no drift from repeated addition
        return num_steps


# ---------------------------------------------------------------------------------------
# Runs and errors
# ---------------------------------------------------------------------------------------
@dataclass
class ShockTubeResult:
    """Outcome of :func:`run_shock_tube`.

    Attributes
    ----------
    problem : ShockTube
    num_cells : int
    recon, riemann, integrator : str
    cfl : float
    t : float
        Final time.
    x : ndarray
        Interior cell centres.
    rho, v, P : ndarray
        Primitives at ``t``.
    D, S, tau : ndarray
        Conserved variables at ``t`` (interior cells).
    dx : float
    num_steps : int
    max_atmosphere_cells : int
        Largest number of atmosphere cells reported by cons2prim during the run.
    wall_time : float
        Seconds spent in the evolution.
    """

    problem: ShockTube
    num_cells: int
    recon: str
    riemann: str
    integrator: str
    cfl: float
    t: float
    x: np.ndarray = field(repr=False)
    rho: np.ndarray = field(repr=False)
    v: np.ndarray = field(repr=False)
    P: np.ndarray = field(repr=False)
    D: np.ndarray = field(repr=False)
    S: np.ndarray = field(repr=False)
    tau: np.ndarray = field(repr=False)
    dx: float
    num_steps: int
    max_atmosphere_cells: int
    wall_time: float

    def exact(self):
        """Exact ``(rho, v, P)`` at the cell centres at time :attr:`t`."""
        return self.problem.exact().sample(self.x, self.t, x0=self.problem.x0)


def run_shock_tube(problem, num_cells, recon="mc", riemann="hll", cfl=0.3, integrator="rk3",
                   t_end=None):
    """Run one shock tube to its final time.

    Parameters
    ----------
    problem : str or ShockTube
        Key of :data:`SHOCK_TUBES` or a problem instance.
    num_cells : int
        Interior cells on [0, 1].
    recon : {"minmod", "mc", "mp5", "weno5", "wenoz"}
    riemann : {"hll", "llf", "hllc"}
    cfl : float
        ``dt <= cfl * dx``.
    integrator : {"rk3", "rk4"}
    t_end : float, optional
        Final time; default the problem's ``t_end``.

    Returns
    -------
    ShockTubeResult

    Raises
    ------
    RuntimeError
        If cons2prim fails in any cell at any stage.
    """
    prob = _as_problem(problem)
    t_final = prob.t_end if t_end is None else float(t_end)
    slab = PlanarSlab(num_cells, prob.eos(), recon=recon, riemann=riemann)
    slab.set_primitives(*prob.initial_primitives(slab.x))
    start = time.perf_counter()
    num_steps = slab.evolve(t_final, cfl=cfl, integrator=integrator)
    wall = time.perf_counter() - start
    rho, v, p = slab.primitives()
    D, S, tau = (u.copy() for u in slab.U[:, slab.interior])
    return ShockTubeResult(problem=prob, num_cells=slab.num_cells, recon=recon,
                           riemann=riemann, integrator=integrator, cfl=cfl, t=slab.t,
                           x=slab.x.copy(), rho=rho, v=v, P=p, D=D, S=S, tau=tau, dx=slab.dx,
                           num_steps=num_steps, max_atmosphere_cells=slab.max_atmosphere_cells,
                           wall_time=wall)


def l1_errors(result):
    """L1 errors of ``rho``, ``v`` and ``P`` against the exact solution.

    The error is the mean over interior cells of ``|numerical - exact|``, the exact solution
    being sampled at the cell centres (i.e. ``sum |e_i| dx`` on the unit domain).

    Parameters
    ----------
    result : ShockTubeResult

    Returns
    -------
    dict
        ``{"rho": float, "v": float, "P": float}``.
    """
    rho_ex, v_ex, p_ex = result.exact()
    return {"rho": float(np.mean(np.abs(result.rho - rho_ex))),
            "v": float(np.mean(np.abs(result.v - v_ex))),
            "P": float(np.mean(np.abs(result.P - p_ex)))}


class ConvergenceRow(NamedTuple):
    """One row of :func:`convergence_table`.

    ``rate`` is NaN for the coarsest grid and next to a failed run; ``l1_rho`` is NaN and
    ``failure`` holds the error message when cons2prim failed; ``atmosphere_cells`` is the
    largest number of cells cons2prim set to the atmosphere during the run (0 when clean).
    """

    recon: str
    riemann: str
    num_cells: int
    l1_rho: float
    rate: float
    atmosphere_cells: int = 0
    failure: str = ""


def convergence_table(problem, resolutions=(100, 200, 400), recons=("mc",),
                      riemanns=("hll",), cfl=0.3, integrator="rk3", raise_on_failure=False):
    """L1(rho) and its observed order for each scheme over a sequence of grids.

    Parameters
    ----------
    problem : str or ShockTube
    resolutions : sequence of int
        Interior cell counts, increasing.
    recons, riemanns : sequence of str
        Every combination is run.
    cfl : float
    integrator : {"rk3", "rk4"}
    raise_on_failure : bool
        Re-raise a cons2prim failure instead of recording it in the row.

    Returns
    -------
    list of ConvergenceRow
        Ordered by (recon, riemann, N); ``rate = log(e_prev / e) / log(N / N_prev)``.
    """
    rows = []
    for recon in recons:
        for riemann in riemanns:
            prev_n, prev_err = None, math.nan
            for n in resolutions:
                try:
                    res = run_shock_tube(problem, n, recon=recon, riemann=riemann, cfl=cfl,
                                         integrator=integrator)
                except RuntimeError as exc:
                    if raise_on_failure:
                        raise
                    rows.append(ConvergenceRow(recon, riemann, int(n), math.nan, math.nan,
                                               failure=str(exc)))
                    prev_n, prev_err = n, math.nan
                    continue
                err = l1_errors(res)["rho"]
                rate = math.nan
                if prev_n is not None:
                    rate = math.log(prev_err / err) / math.log(n / prev_n)
                rows.append(ConvergenceRow(recon, riemann, int(n), err, rate,
                                           res.max_atmosphere_cells))
                prev_n, prev_err = n, err
    return rows


def _row_note(row):
    if row.failure:
        # "cons2prim failed at t = 0.0538 in ..." -> "c2p failure at t = 0.0538"
        head = row.failure.split(" in ")[0]
        return head.replace("cons2prim failed", "c2p failure")
    if row.atmosphere_cells:
        return f"{row.atmosphere_cells} atmosphere cells"
    return ""


def format_markdown_table(rows):
    """Markdown table of :class:`ConvergenceRow` rows.

    Parameters
    ----------
    rows : iterable of ConvergenceRow

    Returns
    -------
    str
        Columns recon, Riemann, N, L1(rho), rate and notes (cons2prim failures, atmosphere
        cells).
    """
    lines = ["| recon | Riemann | N | L1(rho) | rate | notes |",
             "|---|---|---:|---:|---:|---|"]
    for r in rows:
        err = "-" if math.isnan(r.l1_rho) else f"{r.l1_rho:.3e}"
        rate = "" if math.isnan(r.rate) else f"{r.rate:.2f}"
        lines.append(f"| {r.recon} | {r.riemann} | {r.num_cells} | {err} | {rate} | "
                     f"{_row_note(r)} |")
    return "\n".join(lines)


_RECON_NAMES = {"minmod": "minmod", "mc": "MC", "mp5": "MP5", "weno5": "WENO5",
                "wenoz": "WENO-Z"}


def _sci(value):
    """``1.091e-1`` style: three decimals, exponent without sign padding or leading zeros."""
    mantissa, exponent = f"{value:.3e}".split("e")
    return f"{mantissa}e{int(exponent)}"


def _default_label(prob):
    return (f"{prob.name.upper()} (rho, v, P = {prob.rho_L:g}, {prob.v_L:g}, {prob.p_L:g} "
            f"\\| {prob.rho_R:g}, {prob.v_R:g}, {prob.p_R:g}; Gamma {prob.gamma:.4g}, "
            f"t {prob.t_end:g})")


def format_readme_rows(problem, rows, header=False):
    """Rows of the README shock-tube table (``| problem | scheme | N = ... | rates |``).

    One line per (recon, Riemann) scheme in the order of ``rows``; the problem cell
    (:attr:`ShockTube.label`) is filled on the first line only.  A failed run shows
    ``c2p failure at t = ...`` in its column; atmosphere cells are noted after the rates.

    Parameters
    ----------
    problem : str or ShockTube
    rows : iterable of ConvergenceRow
        As returned by :func:`convergence_table`.
    header : bool
        Prepend the table header and separator lines.

    Returns
    -------
    str
    """
    prob = _as_problem(problem)
    rows = list(rows)
    resolutions = sorted({r.num_cells for r in rows})
    schemes = list(dict.fromkeys((r.recon, r.riemann) for r in rows))
    lines = []
    if header:
        cols = [f"N = {resolutions[0]}"] + [str(n) for n in resolutions[1:]]
        lines.append("| problem | scheme | " + " | ".join(cols) + " | rates |")
        lines.append("|---|---|" + "---:|" * len(cols) + "---|")
    for k, (recon, riemann) in enumerate(schemes):
        by_n = {r.num_cells: r for r in rows if (r.recon, r.riemann) == (recon, riemann)}
        cells, rates, notes = [], [], []
        for n in resolutions:
            r = by_n.get(n)
            if r is None:
                cells.append("")
                continue
            cells.append(_row_note(r) if r.failure else _sci(r.l1_rho))
            if n != resolutions[0]:
                rates.append("–" if math.isnan(r.rate) else f"{r.rate:.2f}")
            if r.atmosphere_cells:
                notes.append(f"N = {n}: {r.atmosphere_cells} atmosphere cells")
        label = (prob.label or _default_label(prob)) if k == 0 else ""
        scheme = f"{_RECON_NAMES.get(recon, recon)} + {riemann.upper()}"
        rate_cell = ", ".join(rates) + (f" ({'; '.join(notes)})" if notes else "")
        lines.append(f"| {label} | {scheme} | ".replace("|  |", "| |")
                     + " | ".join(cells) + f" | {rate_cell} |")
    return "\n".join(lines)


def _parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description="L1(rho) convergence tables of the planar SRHD shock tubes (Markdown)."
    )
    parser.add_argument("--problems", nargs="+", default=list(SHOCK_TUBES),
                        choices=list(SHOCK_TUBES))
    parser.add_argument("--resolutions", nargs="+", type=int, default=[100, 200, 400])
    parser.add_argument("--recons", nargs="+", default=list(ALL_RECONS), choices=ALL_RECONS)
    parser.add_argument("--riemanns", nargs="+", default=list(ALL_RIEMANNS),
                        choices=ALL_RIEMANNS)
    parser.add_argument("--cfl", type=float, default=0.3)
    parser.add_argument("--integrator", default="rk3", choices=INTEGRATORS)
    parser.add_argument("--format", default="detail", choices=("detail", "readme"),
                        help="'detail': one table per problem (recon, Riemann, N, L1, rate, "
                        "notes); 'readme': rows of the README table, one line per scheme")
    return parser.parse_args(argv)


def main(argv=None):
    """Print the convergence table of every requested problem as Markdown."""
    args = _parse_args(argv)
    for k, name in enumerate(args.problems):
        prob = SHOCK_TUBES[name]
        start = time.perf_counter()
        rows = convergence_table(prob, args.resolutions, args.recons, args.riemanns,
                                 cfl=args.cfl, integrator=args.integrator)
        if args.format == "readme":
            print(format_readme_rows(prob, rows, header=k == 0), flush=True)
            continue
        print(f"### {name}: left (rho, P, v) = ({prob.rho_L:g}, {prob.p_L:g}, {prob.v_L:g}), "
              f"right = ({prob.rho_R:g}, {prob.p_R:g}, {prob.v_R:g}), "
              f"Gamma = {prob.gamma:g}, t = {prob.t_end:g}\n")
        print(f"Reference: {prob.reference}.\n")
        print(format_markdown_table(rows))
        print(f"\n({args.integrator}, cfl = {args.cfl}; "
              f"{time.perf_counter() - start:.1f} s)\n", flush=True)


if __name__ == "__main__":
    main()
