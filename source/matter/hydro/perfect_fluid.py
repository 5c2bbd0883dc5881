"""The perfect-fluid matter class used by the core (reference interface).

State rows 12-14 hold the *densitised* conserved variables (D~, S~_r, tau~). The class
never modifies them: cons2prim works on its own output arrays, and one recovery per RHS
evaluation feeds both the Valencia RHS and the EM tensor (the reference recovered twice
from a modified copy in dynamic mode, which collapsed stable stars).
"""

import numpy as np

from source.bssn.bssnstatevariables import idx_htt, idx_phi
from source.bssn.tensoralgebra import EMTensor
from source.core import statevector as layout
from source.jit import kernel
from source.matter.eos.eos import IdealGasEOS

from .atmosphere import AtmosphereParams
from .cons2prim import (
    C2P_FAILED,
    DEFAULT_MAX_ITER,
    DEFAULT_TOL,
    Cons2PrimSolver,
    cons_to_prim_array,
)
from .geometry import GeometryCache
from .reconstruction import Reconstruction
from .riemann import HLLRiemannSolver
from .valencia_reference_metric import ValenciaReferenceMetric


@kernel
def stress_energy_point(rho0, vr, press, W, h, gamma_rr, gamma_thth_over_r2):
    """3+1 matter sources of one point for the BSSN equations (spherical symmetry):

        rho = rho0 h W^2 - P,           S_r = rho0 h W^2 v_r,     v_r = gamma_rr v^r,
        S_rr = rho0 h W^2 v_r^2 + P gamma_rr,
        S_thth / r^2 = S_phph / (r^2 sin^2 theta) = P gamma_thth / r^2,
        S = gamma^ij S_ij = rho0 h W^2 v_r v^r + 3 P

    (T^munu = rho0 h u^mu u^nu + P g^munu projected on the slice; MBM 2014 Sec. II).
    Returns (rho, S_r, S_rr, S_thth / r^2, S)."""
    rhohW2 = rho0 * h * W * W
    v_r = gamma_rr * vr
    return (rhohW2 - press, rhohW2 * v_r, rhohW2 * v_r * v_r + press * gamma_rr,
            press * gamma_thth_over_r2, rhohW2 * v_r * vr + 3.0 * press)


@kernel
def stress_energy_array(rho0, vr, press, W, h, gamma_rr, gamma_thth_over_r2, out):
    """``stress_energy_point`` on N points into ``out`` (5, N)."""
    for i in range(rho0.shape[0]):
        (out[0, i], out[1, i], out[2, i], out[3, i],
         out[4, i]) = stress_energy_point(rho0[i], vr[i], press[i], W[i], h[i], gamma_rr[i],
                                          gamma_thth_over_r2[i])


class PerfectFluid:
    """Perfect fluid in the Valencia formulation.

    Parameters
    ----------
    eos : IdealGasEOS or PolytropicEOS
    spacetime_mode : {"dynamic", "fixed_minkowski"}
        ``"fixed_minkowski"`` is flat space (all geometric sources vanish identically with
        the flat geometry cache; kept for interface compatibility).
    atmosphere : AtmosphereParams
    reconstructor : Reconstruction
    riemann_solver : HLLRiemannSolver, LLFRiemannSolver or HLLCRiemannSolver
    solver_method : {"kastaun", "newton"}
    formulation : {"partial", "full"}
        Discretisation of the divergence (see ``valencia_reference_metric``).
    geometry_cache : GeometryCache, optional
        Frozen-metric (Cowling) cache; when None the geometry is rebuilt at every call.
    """

    NUM_MATTER_VARS = layout.NUM_HYDRO_VARS
    VARIABLE_NAMES = list(layout.HYDRO_VARIABLE_NAMES)
    PARITY = list(layout.HYDRO_PARITY)
    ASYMP_POWER = [0, 0, 0]
    ASYMP_OFFSET = [0, 0, 0]
    idx_D = layout.idx_D
    idx_Sr = layout.idx_Sr
    idx_tau = layout.idx_tau

    def __init__(self, eos=None, spacetime_mode="dynamic", atmosphere=None, reconstructor=None,
                 riemann_solver=None, solver_method="kastaun", formulation="partial",
                 geometry_cache=None, c2p_tol=DEFAULT_TOL, c2p_max_iter=DEFAULT_MAX_ITER):
        if spacetime_mode not in ("dynamic", "fixed_minkowski"):
            raise ValueError(f"spacetime_mode must be 'dynamic' or 'fixed_minkowski' "
                             f"(got {spacetime_mode!r})")
        self.eos = eos if eos is not None else IdealGasEOS()
        self.spacetime_mode = spacetime_mode
        self.atmosphere = atmosphere if atmosphere is not None else AtmosphereParams()
        self.reconstructor = reconstructor if reconstructor is not None else Reconstruction("mp5")
        self.riemann_solver = (riemann_solver if riemann_solver is not None
                               else HLLRiemannSolver(atmosphere=self.atmosphere))
        self.cons2prim_solver = Cons2PrimSolver(self.eos, self.atmosphere, tol=c2p_tol,
                                                max_iter=c2p_max_iter,
                                                solver_method=solver_method)
        self.valencia = ValenciaReferenceMetric(atmosphere=self.atmosphere,
                                                formulation=formulation)
        self.geometry_cache = geometry_cache
        self.atm_packed = self.atmosphere.packed(self.eos)
        self.indices = np.array([self.idx_D, self.idx_Sr, self.idx_tau])
        self.background = None
        self.grid = None
        self.pressure_cache = None
        self.last_status = None
        self.last_primitives = None

    # -- state -------------------------------------------------------------------------
    def set_matter_vars(self, state_vector, bssn_vars=None, grid=None):
        """Copy the densitised conserved rows 12-14 of a (15, N) state."""
        self.last_primitives = None
        self.D = np.array(state_vector[self.idx_D], dtype=np.float64)
        self.Sr = np.array(state_vector[self.idx_Sr], dtype=np.float64)
        self.tau = np.array(state_vector[self.idx_tau], dtype=np.float64)
        if grid is not None:
            self.grid = grid

    def _geometry(self, bssn_vars, bssn_d1):
        if self.geometry_cache is not None:
            return self.geometry_cache
        if self.grid is None:
            raise RuntimeError("set_matter_vars(state, bssn_vars, grid) must be called first")
        return GeometryCache(self.grid.r, bssn_vars.as_state(), bssn_d1.as_state(),
                             self.grid.dx)

    def recover_primitives(self, geom):
        """One cons2prim of the stored (densitised) variables with the cell geometry.

        Returns (rho0, vr, p, eps, W, h, status); updates the pressure cache (the Newton
        initial guess of the next call) and ``last_status``.
        """
        n = self.D.shape[0]
        out = [np.empty(n) for _ in range(6)]
        status = np.empty(n, dtype=np.int8)
        iters = np.empty(n, dtype=np.int32)
        guess = self.pressure_cache if self.pressure_cache is not None else np.zeros(n)
        s = self.cons2prim_solver
        cons_to_prim_array((self.D, self.Sr, self.tau), geom.gamma_rr, geom.e6phi,
                           self.eos.params, self.atm_packed, s.method_id, guess, s.tol, s.max_iter,
                           tuple(out), status, iters)
        self.pressure_cache = out[2].copy()
        self.last_primitives = (*out, status)
        self.last_status = status
        self.last_iterations = iters
        return (*out, status)

    def _get_primitives(self, bssn_vars, r=None, bssn_d1=None):
        """Primitives (rho0, vr, p, eps, W, h, success) of the stored conserved variables
        (reference interface; only the metric, not its derivatives, enters)."""
        if self.geometry_cache is not None:
            geom = self.geometry_cache
        else:
            geom = self._geometry(bssn_vars, bssn_d1 if bssn_d1 is not None
                                  else _ZeroD1(self.grid.N))
        prims = self.recover_primitives(geom)
        return (*prims[:6], prims[6] != C2P_FAILED)

    # -- RHS ---------------------------------------------------------------------------
    def get_matter_rhs(self, r, bssn_vars, bssn_d1, background=None):
        """RHS (3, N) of (D~, S~_r, tau~); zero on ghost cells."""
        geom = self._geometry(bssn_vars, bssn_d1)
        rho0, vr, p, eps, W, h, status = self.recover_primitives(geom)
        return self.valencia.compute_rhs_from_cache(rho0, vr, p, W, h, geom, self.eos,
                                                    self.reconstructor, self.riemann_solver,
                                                    self.atm_packed, status=status)

    def get_emtensor(self, r, bssn_vars, background=None, bssn_d1=None):
        """3+1 matter sources (``stress_energy_point``): rho, S_i, the full S_ij (angular
        stresses included) and S. Uses the primitives of the last recovery when one was
        done for the same stored variables (one cons2prim per RHS evaluation)."""
        geom = self._geometry(bssn_vars, bssn_d1 if bssn_d1 is not None else _ZeroD1(r.size))
        if self.last_primitives is None:
            self.recover_primitives(geom)
        rho0, vr, p, eps, W, h, status = self.last_primitives
        bssn = bssn_vars.as_state()
        gamma_thth_over_r2 = np.exp(4.0 * bssn[idx_phi]) * (1.0 + bssn[idx_htt])
        src = np.empty((5, r.size))
        stress_energy_array(rho0, vr, p, W, h, np.ascontiguousarray(geom.gamma_rr),
                            np.ascontiguousarray(gamma_thth_over_r2), src)
        em = EMTensor(r.size)
        em.rho = src[0]
        em.Si[:, 0] = src[1]
        em.Sij[:, 0, 0] = src[2]
        em.Sij[:, 1, 1] = src[3] * r * r
        em.Sij[:, 2, 2] = src[3] * r * r
        em.S = src[4]
        return em


class _ZeroD1:
    def __init__(self, n):
        self.n = n

    def as_state(self):
        return np.zeros((12, self.n))
