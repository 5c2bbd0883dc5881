"""Reconstruction of cell-centred primitives to cell faces.

Point-wise kernels: ``reconstruct_left(method, um2, um1, u0, up1, up2)`` returns the value
at the face i+1/2 seen from cell i (the state *left* of that face). The value at i-1/2 seen
from cell i (the state *right* of that face) is the same function on the mirrored stencil
``(up2, up1, u0, um1, um2)``. Schemes (uniform grid):

* ``minmod`` - 2nd-order TVD (van Leer 1979);
* ``mc`` - monotonised central (van Leer 1977);
* ``mp5`` - Suresh & Huynh (1997), alpha = 4, switch test scaled by the stencil norm;
* ``weno5`` - Jiang & Shu (1996), eps = 1e-20 (their 1e-6 assumes O(1) data; stellar
  densities are 1e-3 and would make WENO5 linear everywhere);
* ``wenoz`` - Borges, Carmona, Costa & Don (2008), tau_5 = |beta_0 - beta_2|, exponent
  q = 1 and eps = 1e-40 as in the paper (the reference code used q = 2, eps = 1e-20).

Face arrays have N+1 entries: face f separates cells f-1 and f; ``L[f]`` comes from cell
f-1, ``R[f]`` from cell f. Faces 3..N-3 (all faces touching an interior cell) always get
the full stencil; the outermost faces get lower-order copies as in the reference.
"""

import math

import numpy as np

from source.jit import inline_kernel, kernel

RECON_MINMOD = 0
RECON_MC = 1
RECON_MP5 = 2
RECON_WENO5 = 3
RECON_WENOZ = 4
RECON_METHODS = {"minmod": RECON_MINMOD, "mc": RECON_MC, "mp5": RECON_MP5,
                 "weno5": RECON_WENO5, "wenoz": RECON_WENOZ}
# Formal order on smooth monotone data (used by tests and documentation).
RECON_ORDER = {"minmod": 2, "mc": 2, "mp5": 5, "weno5": 5, "wenoz": 5}


@kernel
def minmod2(a, b):
    """minmod(a, b): 0 if the signs differ, else the smaller magnitude (b on ties)."""
    if a * b <= 0.0:
        return 0.0
    return a if abs(a) < abs(b) else b


@kernel
def minmod3(a, b, c):
    if a > 0.0 and b > 0.0 and c > 0.0:
        return min(a, min(b, c))
    if a < 0.0 and b < 0.0 and c < 0.0:
        return max(a, max(b, c))
    return 0.0


@kernel
def _minmod4(w, x, y, z):
    sw = math.copysign(1.0, w)
    return (0.125 * (sw + math.copysign(1.0, x))
            * abs((sw + math.copysign(1.0, y)) * (sw + math.copysign(1.0, z)))
            * min(min(abs(w), abs(x)), min(abs(y), abs(z))))


@kernel
def mp5_left(um2, um1, u0, up1, up2):
    """MP5 value at i+1/2 (Suresh & Huynh 1997, eqs. 2.1, 2.12, 2.19-2.24, alpha = 4)."""
    alpha = 4.0
    ul = (2.0 * um2 - 13.0 * um1 + 47.0 * u0 + 27.0 * up1 - 3.0 * up2) / 60.0
    ump = u0 + minmod2(up1 - u0, alpha * (u0 - um1))
    # switch test (ul - u0)(ul - ump) <= eps ||u||; the norm is only needed when the
    # product is positive (evaluated lazily: same result, no square root in smooth flow)
    prod = (ul - u0) * (ul - ump)
    if prod <= 0.0 or prod <= 1e-20 * (
            math.sqrt(um2 * um2 + um1 * um1 + u0 * u0 + up1 * up1 + up2 * up2) + 1e-30):
        return ul
    dm1 = um2 - 2.0 * um1 + u0
    d0 = um1 - 2.0 * u0 + up1
    dp1 = u0 - 2.0 * up1 + up2
    dm4_ph = _minmod4(4.0 * d0 - dp1, 4.0 * dp1 - d0, d0, dp1)
    dm4_mh = _minmod4(4.0 * d0 - dm1, 4.0 * dm1 - d0, d0, dm1)
    uul = u0 + alpha * (u0 - um1)
    uav = 0.5 * (u0 + up1)
    umd = uav - 0.5 * dm4_ph
    ulc = u0 + 0.5 * (u0 - um1) + 4.0 / 3.0 * dm4_mh
    umin = max(min(u0, min(up1, umd)), min(u0, min(uul, ulc)))
    umax = min(max(u0, max(up1, umd)), max(u0, max(uul, ulc)))
    return ul + minmod2(umin - ul, umax - ul)


@kernel
def _weno_betas(um2, um1, u0, up1, up2):
    b0 = 13.0 / 12.0 * (um2 - 2.0 * um1 + u0) ** 2 + 0.25 * (um2 - 4.0 * um1 + 3.0 * u0) ** 2
    b1 = 13.0 / 12.0 * (um1 - 2.0 * u0 + up1) ** 2 + 0.25 * (um1 - up1) ** 2
    b2 = 13.0 / 12.0 * (u0 - 2.0 * up1 + up2) ** 2 + 0.25 * (3.0 * u0 - 4.0 * up1 + up2) ** 2
    return b0, b1, b2


@kernel
def _weno_combine(a0, a1, a2, um2, um1, u0, up1, up2):
    p0 = (2.0 * um2 - 7.0 * um1 + 11.0 * u0) / 6.0
    p1 = (-um1 + 5.0 * u0 + 2.0 * up1) / 6.0
    p2 = (2.0 * u0 + 5.0 * up1 - up2) / 6.0
    return (a0 * p0 + a1 * p1 + a2 * p2) / (a0 + a1 + a2)


@kernel
def weno5_left(um2, um1, u0, up1, up2):
    """WENO5-JS value at i+1/2 (Jiang & Shu 1996), linear weights (0.1, 0.6, 0.3)."""
    eps = 1e-20
    b0, b1, b2 = _weno_betas(um2, um1, u0, up1, up2)
    a0 = 0.1 / (eps + b0) ** 2
    a1 = 0.6 / (eps + b1) ** 2
    a2 = 0.3 / (eps + b2) ** 2
    return _weno_combine(a0, a1, a2, um2, um1, u0, up1, up2)


@kernel
def wenoz_left(um2, um1, u0, up1, up2):
    """WENO-Z value at i+1/2 (Borges et al. 2008, eq. 31 with q = 1)."""
    eps = 1e-40
    b0, b1, b2 = _weno_betas(um2, um1, u0, up1, up2)
    tau5 = abs(b0 - b2)
    a0 = 0.1 * (1.0 + tau5 / (b0 + eps))
    a1 = 0.6 * (1.0 + tau5 / (b1 + eps))
    a2 = 0.3 * (1.0 + tau5 / (b2 + eps))
    return _weno_combine(a0, a1, a2, um2, um1, u0, up1, up2)


@inline_kernel
def reconstruct_left(method, um2, um1, u0, up1, up2):
    """Value at face i+1/2 from the stencil of cell i (dispatch on ``method``; inlined, so
    a caller whose ``method`` is a constant compiles that method only)."""
    if method == RECON_MP5:
        return mp5_left(um2, um1, u0, up1, up2)
    if method == RECON_WENOZ:
        return wenoz_left(um2, um1, u0, up1, up2)
    if method == RECON_WENO5:
        return weno5_left(um2, um1, u0, up1, up2)
    if method == RECON_MC:
        return u0 + 0.5 * minmod3(2.0 * (u0 - um1), 2.0 * (up1 - u0), 0.5 * (up1 - um1))
    return u0 + 0.5 * minmod2(u0 - um1, up1 - u0)


@kernel
def reconstruct_array(method, u, uL, uR):
    """Reconstruct one variable ``u`` (N) to faces: fills ``uL``, ``uR`` (N+1).

    Cells 2..N-3 use the 5-point stencil (minmod/MC: cells 1..N-2 with 3 points); the
    outermost faces copy the neighbouring cell value (they only feed ghost cells).
    """
    n = u.shape[0]
    uL[0] = u[0]
    uR[0] = u[0]
    uL[n] = u[n - 1]
    uR[n] = u[n - 1]
    if method == RECON_MINMOD or method == RECON_MC:
        uL[1] = u[0]
        uR[n - 1] = u[n - 1]
        for i in range(1, n - 1):
            # the 3-point schemes ignore the outer two stencil values
            uL[i + 1] = reconstruct_left(method, 0.0, u[i - 1], u[i], u[i + 1], 0.0)
            uR[i] = reconstruct_left(method, 0.0, u[i + 1], u[i], u[i - 1], 0.0)
    else:
        uL[1] = u[0]
        uL[2] = u[1]
        uR[1] = u[0]
        uR[n - 2] = u[n - 2]
        uR[n - 1] = u[n - 1]
        uL[n - 1] = u[n - 2]
        for i in range(2, n - 2):
            uL[i + 1] = reconstruct_left(method, u[i - 2], u[i - 1], u[i], u[i + 1], u[i + 2])
            uR[i] = reconstruct_left(method, u[i + 2], u[i + 1], u[i], u[i - 1], u[i - 2])


class Reconstruction:
    """Reconstruction scheme chosen by name (reference interface).

    Parameters
    ----------
    method : {"minmod", "mc", "mp5", "weno5", "wenoz"}
    """

    def __init__(self, method="wenoz"):
        if method not in RECON_METHODS:
            raise ValueError(
                f"reconstruction must be one of {sorted(RECON_METHODS)} (got {method!r})"
            )
        self.method = method
        self.name = method
        self.method_id = RECON_METHODS[method]

    def reconstruct(self, u):
        """Face values (uL, uR), each of length N+1, of one array."""
        u = np.ascontiguousarray(u, dtype=np.float64)
        uL = np.empty(u.shape[0] + 1)
        uR = np.empty(u.shape[0] + 1)
        reconstruct_array(self.method_id, u, uL, uR)
        return uL, uR

    def reconstruct_primitive_variables(self, rho0, vr, pressure, dx=None, x=None,
                                        boundary_type="outflow"):
        """((rho_L, v_L, p_L), (rho_R, v_R, p_R)), each of length N+1."""
        out = [self.reconstruct(u) for u in (rho0, vr, pressure)]
        if boundary_type == "reflecting":
            out[1][0][0] = 0.0
            out[1][1][0] = 0.0
        return (out[0][0], out[1][0], out[2][0]), (out[0][1], out[1][1], out[2][1])


def create_reconstruction(method="wenoz"):
    return Reconstruction(method)

