"""Right-hand side of the BSSN equations in spherical symmetry (flat spherical reference
metric), written as explicit one-dimensional equations, and the constraint diagnostics.

Formulation
-----------
Covariant "Lagrangian" BSSN of Brown (2009, PRD 79, 104029) in the reference-metric form of

* B13: Baumgarte, Montero, Cordero-Carrion & Mueller 2013, PRD 87, 044026 (arXiv:1211.6632),
* E18: Ruchlin, Etienne & Baumgarte 2018, PRD 97, 064036 (arXiv:1712.07658),

with the reference metric hat-gamma = diag(1, r^2, r^2 sin^2 theta) evaluated at the equator
and det(bar-gamma) = det(hat-gamma) (the "Lagrangian" choice, d_t det bar-gamma = 0).
Rescaled variables (B13 eqs. 19-21), state rows as in
``source.bssn.bssnstatevariables``:

    gamma_ij   = e^{4 phi} bar-gamma_ij,
    bar-gamma  = diag(1 + h_rr, r^2 (1 + h_tt), r^2 sin^2 (1 + h_pp)),
    bar-A_ij   = e^{-4 phi} (K_ij - gamma_ij K / 3) = diag(a_rr, r^2 a_tt, r^2 sin^2 a_pp),
    bar-Lambda^r = lambda^r,  beta^r = shift^r,  B^r,  alpha.

Everything depends on r only; all tensors are diagonal and all vectors radial, and
h_tt = h_pp, a_tt = a_pp are preserved by the equations (the theta-theta right-hand side is
written into both rows). With ' = d/dr, ``g_r = 1 + h_rr``, ``g_T = 1 + h_tt`` (values after
the determinant rescaling below) the connection of bar-gamma is

    Q           = 2/r + h_T'/g_T                        (= d_r ln(r^2 g_T))
    Gb^r_rr     = h_rr' / (2 g_r)
    Gb^r_tt/r^2 = -g_T Q / (2 g_r)                       (Gb^r_pp / (r^2 sin^2) likewise)
    Gb^t_rt     = Gb^p_rp = Q / 2
    Delta^r     = bar-gamma^jk (Gb^r_jk - hat-Gamma^r_jk)   (B13 eqs. 23-25)
                = h_rr'/(2 g_r^2) - h_T'/(g_r g_T) + 2 (h_rr - h_T)/(r g_r g_T)

and the Ricci tensor of bar-gamma, B13 eq. 12 (with D-hat of bar-Lambda, B13 eq. 26, and
bar-gamma^kl D-hat_k D-hat_l bar-gamma_ij, B13 eq. 27; the Riemann tensor of hat-gamma
vanishes), reduces with C = lambda - Delta^r (the *evolved* bar-Lambda enters eq. 12) to

    R_rr     = -h_T''/g_T - 2 h_T'/(r g_T) + h_T'^2/(2 g_T^2) + h_rr' Q/(2 g_r) + g_r C'
    R_tt/r^2 = (h_rr - h_T)/(g_r r^2) - 2 h_T'/(r g_r) - h_T''/(2 g_r)
               + h_rr' g_T Q/(4 g_r^2) + g_T C/r,

where C' = lambda' - Delta^r' and Delta^r' is the analytic r-derivative of the expression
above in terms of h', h'' (so that flat space gives exactly zero). The conformal Laplacian of
a scalar is Lap f = bar-gamma^ij bar-D_i bar-D_j f = [f'' - Gb^r_rr f' + Q f'] / g_r.

Evolution equations (B13 eqs. 9a-9e; d_perp = d_t - L_beta):

    d_t phi  = (div - alpha K)/6 + beta phi'                                    (B13 9c)
    d_t h_rr = 2/3 g_r (alpha trA - div) - 2 alpha a_rr + beta h_rr' + 2 g_r beta'
    d_t h_T  = 2/3 g_T (alpha trA - div) - 2 alpha a_T + beta h_T' + 2 g_T beta/r  (B13 9a,
               with the alpha bar-A^k_k term of E18 eq. 11a: the trace of bar-A is not
               projected out)
    d_t K    = alpha (K^2/3 + A2) + 4 pi alpha (rho + S)
               - e^{-4 phi} [Lap alpha + 2 alpha' phi'/g_r] + beta K'                (B13 9d)
    d_t a_rr = -2/3 a_rr div - 2 alpha a_rr^2/g_r + alpha a_rr K
               + e^{-4 phi} (X_rr - g_r trX/3) + beta a_rr' + 2 a_rr beta'          (B13 9b)
    d_t a_T  = -2/3 a_T div - 2 alpha a_T^2/g_T + alpha a_T K
               + e^{-4 phi} (X_T - g_T trX/3) + beta a_T' + 2 a_T beta/r
    d_perp lambda = L + 2/3 Delta^r div + G/3 - 2 (a_rr/g_r^2) alpha' + 12 alpha (a_rr/g_r^2) phi'
               + 2 alpha [(a_rr/g_r^2) Gb^r_rr + 2 (a_T/g_T^2)((h_rr - h_T)/(r g_r) - h_T'/(2 g_r))]
               - 4/3 alpha K'/g_r - 16 pi alpha S_r/g_r                            (B13 9e)
    d_t lambda = d_perp lambda + beta lambda' - lambda beta'

with div = bar-D_k beta^k = beta' + beta (Gb^r_rr + Q), trA = a_rr/g_r + 2 a_T/g_T,
A2 = (a_rr/g_r)^2 + 2 (a_T/g_T)^2, trX = X_rr/g_r + 2 X_T/g_T,

    X_rr = alpha [-2 (phi'' - Gb^r_rr phi') + 4 phi'^2 + R_rr - 8 pi S_rr]
           - (alpha'' - Gb^r_rr alpha') + 4 phi' alpha'
    X_T  = alpha [2 (Gb^r_tt/r^2) phi' + R_tt/r^2 - 8 pi S_tt/r^2] + (Gb^r_tt/r^2) alpha',

L = bar-gamma^jk D-hat_j D-hat_k beta^r = beta''/g_r + 2 (beta'/r - beta/r^2)/g_T and
G = bar-D^r bar-D_j beta^j = (beta'' + 2 beta'/r - 2 beta/r^2)/g_r, the latter computed with
bar-D_j beta^j = (det hat-gamma)^{-1/2} d_j((det hat-gamma)^{1/2} beta^j) (valid for
det bar-gamma = det hat-gamma), i.e. from second derivatives of beta. The alpha of the last
two bar-A terms of d_perp lambda is that of B13 eq. 9e (E18 eq. 11e as printed drops it).
The shift (Lie-derivative) terms use upwinded derivatives of the advected row (3rd order,
forward where beta >= 0, backward where beta < 0); beta' is always the centred derivative.

Gauge (non-advective moving-puncture family, B13 eqs. 15-16 with the damping of E18):

    d_t alpha = -2 alpha K,   d_t beta = B,   d_t B = 3/4 d_perp lambda - eta B,

where d_perp lambda is the value above *before* its Lie-derivative terms.

Constraints (B13 eq. 13; E18 eq. 47 form of the momentum constraint, index up):

    H   = 2/3 K^2 - A2 + e^{-4 phi} [R_rr/g_r + 2 (R_tt/r^2)/g_T - 8 phi'^2/g_r - 8 Lap phi]
          - 16 pi rho
    M^r = e^{-4 phi} [(a_rr' - a_rr h_rr'/g_r)/g_r^2 + (Q/g_r)(a_rr/g_r - a_T/g_T)
          + 6 a_rr phi'/g_r^2 - 2/3 K'/g_r - 8 pi S_r/g_r].

Matter sources, physical components: rho = n n T, S_r, S_rr, S_tt/r^2 (= S_pp/(r^2 sin^2)),
S = gamma^ij S_ij; 8 pi G with G = 1.

Algebraic constraint and safeguard (each RHS evaluation, values only): the conformal metric
is rescaled to det bar-gamma = det hat-gamma, g <- f g with
f = ((1 + h_rr)(1 + h_tt)(1 + h_pp))^{-1/3} (Brown 2009; B13), a non-finite ratio
counting as 1 and the ratio clipped to [1e-300, 1e300], and phi <- min(phi, 1e6). This is
done by ``bssn_rhs`` (the array-level caller) via ``enforce_det_gamma_bar``; the derivatives
are taken from the *unrescaled* state. ``bssn_rhs_point`` takes the rescaled values. The
constraints use the state as it is (no rescaling).

Kreiss-Oliger dissipation (Kreiss & Oliger 1973), on all 12 rows, added by ``bssn_rhs``:
+ sigma (f_{i-3} - 6 f_{i-2} + 15 f_{i-1} - 20 f_i + 15 f_{i+1} - 6 f_{i+2} + f_{i+3})/(64 dr),
sigma = alpha e^{-2 phi}.

Hamiltonian-constraint damping (optional, ``ham_damping`` = kappa_H >= 0; 0 is the
reference system): the Hamiltonian constraint is added to the conformal-factor equation,

    d_t phi += -kappa_H dr alpha e^{4 phi} H,

an "adjusted" BSSN system in the sense of Yoneda & Shinkai (2002, PRD 66, 124003), who
analyse how adding multiples of the constraints to the BSSN equations changes the
propagation of constraint violations. The form, the negative sign and the dr scaling used
here follow from the argument below and were checked by the runs (the positive sign is
unstable within t = 20). Since H = -8 e^{-4 phi} Lap phi + (lower order), the term is a
diffusion of phi with coordinate coefficient 8 kappa_H dr alpha / g_r, i.e. d_t H ~ D d_r^2
H: it turns BSSN's zero-speed Hamiltonian-constraint mode (Bernuzzi & Hilditch 2010, PRD 81,
084003) into a diffusing one, so truncation errors made at a non-smooth point (the stellar
surface, where phi''' jumps and Kreiss-Oliger dissipation of phi acts at O(dr^2)) no longer
accumulate where they are made. The coefficient scales with dr, like Kreiss-Oliger
dissipation: the term vanishes with resolution (it is dr times a quantity that converges to
zero), and the explicit time step stays stable for kappa_H * CFL up to about 0.065 (largest
eigenvalue of the 4th-order Laplacian 16/(3 dr^2), RK4 real-axis limit 2.785, alpha <= 1).

Finite differences (uniform grid, step dr): 4th-order centred first and second derivatives,
3rd-order one-sided advection derivatives, the coefficients of ``source.core.derivatives``;
the stencils reach 3 points into the ghosts, which must be filled before the call.

Numba notes: the point functions take scalars and tuples of floats (no arrays: a
non-inlined call with array arguments costs atomic reference counts) and return tuples;
they are ``inline="always"`` (measured 10-20 % faster than leaving the inlining to LLVM:
about 30 instead of 34 us per ``bssn_rhs`` call at N = 400 on one thread). No fastmath.
"""

import math

from numba import prange

from source.core.spacing import NUM_GHOSTS
from source.jit import inline_kernel, kernel

from .bssnstatevariables import (
    idx_app,
    idx_arr,
    idx_att,
    idx_br,
    idx_hpp,
    idx_hrr,
    idx_htt,
    idx_K,
    idx_lambdar,
    idx_lapse,
    idx_phi,
    idx_shiftr,
)

# Rows of the ``matter`` array handed to ``bssn_rhs`` / ``constraints``.
M_RHO = 0           # rho = n_mu n_nu T^{mu nu}
M_SR = 1            # S_r (covariant radial component)
M_SRR = 2           # S_rr
M_STT_OVER_R2 = 3   # S_thetatheta / r^2
M_S = 4             # S = gamma^ij S_ij
NUM_MATTER_ROWS = 5

# Safeguards of the working copy (values only).
PHI_MAX = 1.0e6
DET_RATIO_MIN = 1.0e-300
DET_RATIO_MAX = 1.0e300

_PI = math.pi
_TWO_THIRDS = 2.0 / 3.0
_ONE_THIRD = 1.0 / 3.0
_ONE_SIXTH = 1.0 / 6.0
_ELEVEN_SIXTHS = 11.0 / 6.0


# ---------------------------------------------------------------------------------------------
# Point-wise physics
# ---------------------------------------------------------------------------------------------
@inline_kernel
def enforce_det_gamma_bar(hrr, htt, hpp):
    """Rescale the conformal metric to det bar-gamma = det hat-gamma (values only).

    g <- f g for g in (1 + h_rr, 1 + h_tt, 1 + h_pp), f = ratio^{-1/3}, ratio =
    det bar-gamma / det hat-gamma = (1 + h_rr)(1 + h_tt)(1 + h_pp); a non-finite ratio
    counts as 1, and the ratio is clipped to [1e-300, 1e300] (the algebraic condition of
    the "Lagrangian" choice, Brown 2009 and B13). For |ratio - 1| < 1e-2 the root is taken
    by two Newton steps (within an ulp of pow, and cheaper inside the grid loop).

    Returns the rescaled (h_rr, h_tt); h_pp is not needed (the 1D system uses h_tt for both
    angular components).
    """
    ratio = (1.0 + hrr) * (1.0 + htt) * (1.0 + hpp)
    if not math.isfinite(ratio):
        return hrr, htt
    if ratio < DET_RATIO_MIN:
        ratio = DET_RATIO_MIN
    elif ratio > DET_RATIO_MAX:
        ratio = DET_RATIO_MAX
    if ratio == 1.0:
        return hrr, htt
    d = ratio - 1.0
    if abs(d) < 1.0e-2:
        # Newton for f^-3 = ratio, f <- f (4 - ratio f^3)/3, from f = 1 - d/3 (error
        # ~2 d^2/9 <= 2.3e-5, then ~1e-9, then below round-off); no pow call in the loop
        f = 1.0 - d * _ONE_THIRD
        f = f * (4.0 - ratio * f * f * f) * _ONE_THIRD
        f = f * (4.0 - ratio * f * f * f) * _ONE_THIRD
    else:
        f = ratio ** (-_ONE_THIRD)
    return f * (1.0 + hrr) - 1.0, f * (1.0 + htt) - 1.0


@inline_kernel
def conformal_connection(r, hrr, hT, dhrr, dhT):
    """Connection quantities of bar-gamma (B13 eqs. 23-25, reduced to spherical symmetry).

    Returns ``(g_r, g_T, inv_gr, inv_gT, Q, G_rrr, G_rTT, Delta_r)`` with
    G_rrr = Gb^r_rr = h_rr'/(2 g_r), G_rTT = Gb^r_tt / r^2 = -g_T Q/(2 g_r),
    Q = 2/r + h_T'/g_T = 2 Gb^t_rt and Delta^r = bar-gamma^jk Delta-Gamma^r_jk.
    """
    g_r = 1.0 + hrr
    g_T = 1.0 + hT
    inv_gr = 1.0 / g_r
    inv_gT = 1.0 / g_T
    inv_r = 1.0 / r
    Q = 2.0 * inv_r + dhT * inv_gT
    G_rrr = 0.5 * dhrr * inv_gr
    G_rTT = -0.5 * g_T * Q * inv_gr
    # Delta^r = gb^rr (Gb^r_rr) + 2 gb^tt (Gb^r_tt - hat-Gamma^r_tt), hat-Gamma^r_tt = -r
    Delta_r = (0.5 * dhrr * inv_gr * inv_gr - dhT * inv_gr * inv_gT
               + 2.0 * (hrr - hT) * inv_r * inv_gr * inv_gT)
    return g_r, g_T, inv_gr, inv_gT, Q, G_rrr, G_rTT, Delta_r


@inline_kernel
def conformal_ricci(r, hrr, hT, dhrr, dhT, d2hrr, d2hT, lam, dlam,
                    inv_gr, inv_gT, Q, Delta_r):
    """Ricci tensor of bar-gamma, B13 eq. 12 with the evolved bar-Lambda^r = lambda.

    Returns ``(R_rr, R_TT)`` with R_TT = R_tt / r^2 (= R_pp / (r^2 sin^2 theta)). Written
    so that every term vanishes identically for h = lambda = 0 (the 2/r^2 parts of
    -b''/b + b'^2/(2 b^2), b = r^2 g_T, cancel analytically).
    """
    g_r = 1.0 + hrr
    g_T = 1.0 + hT
    inv_r = 1.0 / r
    dh = hrr - hT
    # d/dr of Delta^r (analytic in h', h'')
    dDelta = (0.5 * d2hrr * inv_gr * inv_gr - dhrr * dhrr * inv_gr * inv_gr * inv_gr
              - d2hT * inv_gr * inv_gT + dhT * dhrr * inv_gr * inv_gr * inv_gT
              + dhT * dhT * inv_gr * inv_gT * inv_gT
              - 2.0 * dh * inv_r * inv_r * inv_gr * inv_gT
              + 2.0 * inv_r * (dhrr * inv_gr * inv_gr - dhT * inv_gT * inv_gT))
    C = lam - Delta_r
    dC = dlam - dDelta
    R_rr = (-d2hT * inv_gT - 2.0 * dhT * inv_r * inv_gT + 0.5 * dhT * dhT * inv_gT * inv_gT
            + 0.5 * dhrr * Q * inv_gr + g_r * dC)
    R_TT = (dh * inv_gr * inv_r * inv_r - 2.0 * dhT * inv_r * inv_gr - 0.5 * d2hT * inv_gr
            + 0.25 * dhrr * g_T * Q * inv_gr * inv_gr + g_T * C * inv_r)
    return R_rr, R_TT


@inline_kernel
def bssn_rhs_point(r, values, d1, d2, adv, matter, eta, c_ham=0.0):
    """BSSN right-hand side at one point, without Kreiss-Oliger dissipation.

    Parameters
    ----------
    r : float
        Radius (> 0).
    values : tuple of 10 floats
        ``(phi, hrr, hT, K, arr, aT, lam, beta, B, alpha)`` at the point, with ``hrr``,
        ``hT`` (= h_tt) already rescaled to det bar-gamma = det hat-gamma
        (``enforce_det_gamma_bar``) and phi capped at 1e6 by the caller.
    d1 : tuple of 7 floats
        Centred first derivatives ``(phi', hrr', hT', K', lam', beta', alpha')`` of the
        unrescaled state.
    d2 : tuple of 5 floats
        Centred second derivatives ``(phi'', hrr'', hT'', beta'', alpha'')``.
    adv : tuple of 7 floats
        Upwinded first derivatives ``(phi, hrr, hT, K, arr, aT, lam)`` for the shift terms.
    matter : tuple of 5 floats
        ``(rho, S_r, S_rr, S_tt/r^2, S)``.
    eta : float
        Gamma-driver damping.
    c_ham : float, optional
        Hamiltonian-constraint damping coefficient kappa_H dr (0: none): adds
        -c_ham alpha e^{4 phi} H to d_t phi.

    Returns
    -------
    tuple of 12 floats
        d_t of the state rows in row order: phi, hrr, htt, hpp, K, arr, att, app, lambdar,
        shiftr, br, lapse (theta-theta written for both h_tt/h_pp and a_tt/a_pp).
    """
    phi, hrr, hT, K, arr, aT, lam, beta, B, alpha = values
    dphi, dhrr, dhT, dK, dlam, dbeta, dalpha = d1
    d2phi, d2hrr, d2hT, d2beta, d2alpha = d2
    vphi, vhrr, vhT, vK, varr, vaT, vlam = adv
    rho, S_r, S_rr, S_TT, S = matter

    inv_r = 1.0 / r
    e2 = math.exp(-2.0 * phi)
    e4 = e2 * e2
    g_r, g_T, inv_gr, inv_gT, Q, G_rrr, G_rTT, Delta_r = conformal_connection(
        r, hrr, hT, dhrr, dhT)
    R_rr, R_TT = conformal_ricci(r, hrr, hT, dhrr, dhT, d2hrr, d2hT, lam, dlam,
                                 inv_gr, inv_gT, Q, Delta_r)

    # bar-D_k beta^k with the full connection (B13 eq. 9a-9c)
    div = dbeta + beta * (G_rrr + Q)
    # mixed components bar-A^r_r, bar-A^t_t
    Arr_m = arr * inv_gr
    AT_m = aT * inv_gT
    trA = Arr_m + 2.0 * AT_m
    A2 = Arr_m * Arr_m + 2.0 * AT_m * AT_m

    # conformal factor and metric (B13 9c, 9a with E18 11a)
    rhs_phi = (div - alpha * K) * _ONE_SIXTH + beta * vphi
    common = _TWO_THIRDS * (alpha * trA - div)
    rhs_hrr = g_r * common - 2.0 * alpha * arr + beta * vhrr + 2.0 * g_r * dbeta
    rhs_hT = g_T * common - 2.0 * alpha * aT + beta * vhT + 2.0 * g_T * beta * inv_r

    # trace of the extrinsic curvature (B13 9d); Lap = bar-D^2
    lap_alpha = (d2alpha - G_rrr * dalpha + Q * dalpha) * inv_gr
    rhs_K = (alpha * (K * K * _ONE_THIRD + A2) + 4.0 * _PI * alpha * (rho + S)
             - e4 * (lap_alpha + 2.0 * dalpha * dphi * inv_gr) + beta * vK)

    # trace-free part of the extrinsic curvature (B13 9b)
    X_rr = (alpha * (-2.0 * (d2phi - G_rrr * dphi) + 4.0 * dphi * dphi + R_rr
                     - 8.0 * _PI * S_rr)
            - (d2alpha - G_rrr * dalpha) + 4.0 * dphi * dalpha)
    X_T = alpha * (2.0 * G_rTT * dphi + R_TT - 8.0 * _PI * S_TT) + G_rTT * dalpha
    trX = X_rr * inv_gr + 2.0 * X_T * inv_gT
    rhs_arr = (-_TWO_THIRDS * arr * div - 2.0 * alpha * arr * Arr_m + alpha * arr * K
               + e4 * (X_rr - g_r * trX * _ONE_THIRD) + beta * varr + 2.0 * arr * dbeta)
    rhs_aT = (-_TWO_THIRDS * aT * div - 2.0 * alpha * aT * AT_m + alpha * aT * K
              + e4 * (X_T - g_T * trX * _ONE_THIRD) + beta * vaT + 2.0 * aT * beta * inv_r)

    # conformal connection functions (B13 9e), without the Lie-derivative terms
    lap_hat_beta = d2beta * inv_gr + 2.0 * inv_gT * (dbeta - beta * inv_r) * inv_r
    grad_div_beta = (d2beta + 2.0 * (dbeta - beta * inv_r) * inv_r) * inv_gr
    Arr_u = Arr_m * inv_gr          # bar-A^rr
    AT_u = AT_m * inv_gT            # r^2 bar-A^tt
    lam_perp = (lap_hat_beta + _TWO_THIRDS * Delta_r * div + _ONE_THIRD * grad_div_beta
                - 2.0 * Arr_u * dalpha + 12.0 * alpha * Arr_u * dphi
                + 2.0 * alpha * (Arr_u * G_rrr
                                 + 2.0 * AT_u * ((hrr - hT) * inv_r - 0.5 * dhT) * inv_gr)
                - 4.0 * _ONE_THIRD * alpha * dK * inv_gr - 16.0 * _PI * alpha * S_r * inv_gr)
    rhs_lam = lam_perp + beta * vlam - lam * dbeta

    # Hamiltonian-constraint damping in the conformal-factor equation (module docstring)
    if c_ham != 0.0:
        ham = hamiltonian_of_parts(K, A2, e4, R_rr * inv_gr + 2.0 * R_TT * inv_gT, dphi,
                                   inv_gr, (d2phi - G_rrr * dphi + Q * dphi) * inv_gr, rho)
        rhs_phi -= c_ham * alpha * ham / e4

    # gauge: 1+log slicing, Gamma-driver shift (B13 eqs. 15-16, damping eta as in E18)
    rhs_alpha = -2.0 * alpha * K
    rhs_beta = B
    rhs_B = 0.75 * lam_perp - eta * B

    return (rhs_phi, rhs_hrr, rhs_hT, rhs_hT, rhs_K, rhs_arr, rhs_aT, rhs_aT, rhs_lam,
            rhs_beta, rhs_B, rhs_alpha)


@inline_kernel
def hamiltonian_point(r, values, d1, d2, rho):
    """Hamiltonian constraint H at one point (B13 eq. 13).

    ``values``, ``d1``, ``d2`` as for ``bssn_rhs_point`` (beta, B, alpha and their
    derivatives are not used); ``rho`` the energy density.
    """
    phi, hrr, hT, K, arr, aT, lam, _beta, _B, _alpha = values
    dphi, dhrr, dhT, _dK, dlam, _dbeta, _dalpha = d1
    d2phi, d2hrr, d2hT, _d2beta, _d2alpha = d2
    e4 = math.exp(-4.0 * phi)
    g_r, g_T, inv_gr, inv_gT, Q, G_rrr, G_rTT, Delta_r = conformal_connection(
        r, hrr, hT, dhrr, dhT)
    R_rr, R_TT = conformal_ricci(r, hrr, hT, dhrr, dhT, d2hrr, d2hT, lam, dlam,
                                 inv_gr, inv_gT, Q, Delta_r)
    Arr_m = arr * inv_gr
    AT_m = aT * inv_gT
    A2 = Arr_m * Arr_m + 2.0 * AT_m * AT_m
    return hamiltonian_of_parts(K, A2, e4, R_rr * inv_gr + 2.0 * R_TT * inv_gT, dphi, inv_gr,
                                (d2phi - G_rrr * dphi + Q * dphi) * inv_gr, rho)


@inline_kernel
def hamiltonian_of_parts(K, A2, e4, ricci_scalar, dphi, inv_gr, lap_phi, rho):
    """H = 2/3 K^2 - A_ij A^ij + e^{-4 phi} (R-bar - 8 (D phi)^2 - 8 D^2 phi) - 16 pi rho
    (B13 eq. 13) from its parts; ``e4`` = e^{-4 phi}, ``ricci_scalar`` = R-bar,
    ``lap_phi`` = D-bar^2 phi."""
    return (_TWO_THIRDS * K * K - A2
            + e4 * (ricci_scalar - 8.0 * dphi * dphi * inv_gr - 8.0 * lap_phi)
            - 16.0 * _PI * rho)


@inline_kernel
def momentum_point(r, values, d1, darr, S_r):
    """Radial momentum constraint M^r at one point (E18 eq. 47; B13 eq. 14 with
    S^i = gamma^ij S_j).

    ``values``, ``d1`` as for ``bssn_rhs_point``; ``darr`` the centred derivative of a_rr;
    ``S_r`` the covariant momentum density.
    """
    phi, hrr, hT, K, arr, aT, _lam, _beta, _B, _alpha = values
    dphi, dhrr, dhT, dK, _dlam, _dbeta, _dalpha = d1
    e4 = math.exp(-4.0 * phi)
    inv_gr = 1.0 / (1.0 + hrr)
    inv_gT = 1.0 / (1.0 + hT)
    Q = 2.0 / r + dhT * inv_gT
    return e4 * ((darr - arr * dhrr * inv_gr) * inv_gr * inv_gr
                 + Q * inv_gr * (arr * inv_gr - aT * inv_gT)
                 + 6.0 * arr * dphi * inv_gr * inv_gr
                 - _TWO_THIRDS * dK * inv_gr - 8.0 * _PI * S_r * inv_gr)


# ---------------------------------------------------------------------------------------------
# Stencils (coefficients of source.core.derivatives), on the seven values f_{i-3..i+3}
# ---------------------------------------------------------------------------------------------
@inline_kernel
def _centred(fm2, fm1, f0, fp1, fp2, inv12h, inv12h2):
    """4th-order centred first and second derivatives."""
    d1 = (fm2 - 8.0 * fm1 + 8.0 * fp1 - fp2) * inv12h
    d2 = (-fm2 + 16.0 * fm1 - 30.0 * f0 + 16.0 * fp1 - fp2) * inv12h2
    return d1, d2


@inline_kernel
def _upwind(fm3, fm2, fm1, f0, fp1, fp2, fp3, forward, invh):
    """3rd-order one-sided first derivative: forward stencil if ``forward`` (beta >= 0)."""
    if forward:
        return (-_ELEVEN_SIXTHS * f0 + 3.0 * fp1 - 1.5 * fp2 + _ONE_THIRD * fp3) * invh
    return (-_ONE_THIRD * fm3 + 1.5 * fm2 - 3.0 * fm1 + _ELEVEN_SIXTHS * f0) * invh


@inline_kernel
def _ko(fm3, fm2, fm1, f0, fp1, fp2, fp3):
    """Sixth difference (Kreiss-Oliger stencil without the 1/(64 dr))."""
    return (fm3 + fp3) - 6.0 * (fm2 + fp2) + 15.0 * (fm1 + fp1) - 20.0 * f0


# ---------------------------------------------------------------------------------------------
# Array level
# ---------------------------------------------------------------------------------------------
def bssn_rhs(state, r, dr, matter, eta, out, ko_strength=1.0, ham_damping=0.0):
    """BSSN right-hand side at every interior point, with Kreiss-Oliger dissipation.

    Parameters
    ----------
    state : ndarray (>= 12, N)
        State rows (``bssnstatevariables`` order; extra rows are ignored), ghosts filled.
    r : ndarray (N,)
        Cell-centred radii.
    dr : float
        Uniform grid step.
    matter : ndarray (5, N)
        ``rho, S_r, S_rr, S_tt/r^2, S`` (rows ``M_RHO`` ... ``M_S``), computed by the caller
        from the hydro with the current (det-rescaled) metric.
    eta : float
        Gamma-driver damping (the reference code fixes eta = 1).
    out : ndarray (>= 12, N)
        Receives d_t of the 12 BSSN rows at the interior points 3 .. N-4. Ghost columns
        are not touched (the caller fills the RHS boundaries).
    ko_strength : float, optional
        Multiplier of the dissipation strength sigma = alpha e^{-2 phi} (1 as in the
        reference; 0 switches the dissipation off).
    ham_damping : float, optional
        kappa_H of the Hamiltonian-constraint damping d_t phi += -kappa_H dr alpha
        e^{4 phi} H (module docstring; 0, the default, is the reference system).

    One pass over the grid: the values are rescaled to det bar-gamma = det hat-gamma and phi
    is capped (values only), the derivatives come from the unrescaled state.
    """
    _bssn_rhs_kernel(state, r, dr, matter, float(eta), out, float(ko_strength),
                     float(ham_damping))


@kernel
def _bssn_rhs_kernel(state, r, dr, matter, eta, out, ko_strength, ham_damping):
    """The compiled ``bssn_rhs`` (every argument explicit: Numba compiles slower code for
    omitted default arguments, 80 instead of 32 us at N = 400)."""
    bssn_rhs_pass(state, r, dr, matter, eta, out, ko_strength, ham_damping)


@inline_kernel
def bssn_rhs_pass(state, r, dr, matter, eta, out, ko_strength, ham_damping):
    """The loop of ``bssn_rhs``, written with ``prange`` and inlined (Numba IR) into its
    callers: a ``parallel=True`` kernel gets a parallel region, a serial one a plain loop."""
    n = state.shape[1]
    inv12h = 1.0 / (12.0 * dr)
    inv12h2 = 1.0 / (12.0 * dr * dr)
    invh = 1.0 / dr
    inv64h = 1.0 / (64.0 * dr)
    c_ham = ham_damping * dr
    s_phi = state[idx_phi]
    s_hrr = state[idx_hrr]
    s_htt = state[idx_htt]
    s_hpp = state[idx_hpp]
    s_K = state[idx_K]
    s_arr = state[idx_arr]
    s_att = state[idx_att]
    s_app = state[idx_app]
    s_lam = state[idx_lambdar]
    s_beta = state[idx_shiftr]
    s_B = state[idx_br]
    s_alpha = state[idx_lapse]
    for i in prange(NUM_GHOSTS, n - NUM_GHOSTS):
        beta = s_beta[i]
        fw = beta >= 0.0
        # phi
        pm3, pm2, pm1, p0 = s_phi[i - 3], s_phi[i - 2], s_phi[i - 1], s_phi[i]
        pp1, pp2, pp3 = s_phi[i + 1], s_phi[i + 2], s_phi[i + 3]
        dphi, d2phi = _centred(pm2, pm1, p0, pp1, pp2, inv12h, inv12h2)
        vphi = _upwind(pm3, pm2, pm1, p0, pp1, pp2, pp3, fw, invh)
        kphi = _ko(pm3, pm2, pm1, p0, pp1, pp2, pp3)
        # h_rr
        hm3, hm2, hm1, h0 = s_hrr[i - 3], s_hrr[i - 2], s_hrr[i - 1], s_hrr[i]
        hp1, hp2, hp3 = s_hrr[i + 1], s_hrr[i + 2], s_hrr[i + 3]
        dhrr, d2hrr = _centred(hm2, hm1, h0, hp1, hp2, inv12h, inv12h2)
        vhrr = _upwind(hm3, hm2, hm1, h0, hp1, hp2, hp3, fw, invh)
        khrr = _ko(hm3, hm2, hm1, h0, hp1, hp2, hp3)
        # h_tt (its derivatives serve both angular components)
        tm3, tm2, tm1, t0 = s_htt[i - 3], s_htt[i - 2], s_htt[i - 1], s_htt[i]
        tp1, tp2, tp3 = s_htt[i + 1], s_htt[i + 2], s_htt[i + 3]
        dhT, d2hT = _centred(tm2, tm1, t0, tp1, tp2, inv12h, inv12h2)
        vhT = _upwind(tm3, tm2, tm1, t0, tp1, tp2, tp3, fw, invh)
        khtt = _ko(tm3, tm2, tm1, t0, tp1, tp2, tp3)
        khpp = _ko(s_hpp[i - 3], s_hpp[i - 2], s_hpp[i - 1], s_hpp[i], s_hpp[i + 1],
                   s_hpp[i + 2], s_hpp[i + 3])
        # K
        km3, km2, km1, k0 = s_K[i - 3], s_K[i - 2], s_K[i - 1], s_K[i]
        kp1, kp2, kp3 = s_K[i + 1], s_K[i + 2], s_K[i + 3]
        dK = (km2 - 8.0 * km1 + 8.0 * kp1 - kp2) * inv12h
        vK = _upwind(km3, km2, km1, k0, kp1, kp2, kp3, fw, invh)
        kK = _ko(km3, km2, km1, k0, kp1, kp2, kp3)
        # a_rr, a_tt (upwinded derivatives only), a_pp (dissipation only)
        am3, am2, am1, a0 = s_arr[i - 3], s_arr[i - 2], s_arr[i - 1], s_arr[i]
        ap1, ap2, ap3 = s_arr[i + 1], s_arr[i + 2], s_arr[i + 3]
        varr = _upwind(am3, am2, am1, a0, ap1, ap2, ap3, fw, invh)
        karr = _ko(am3, am2, am1, a0, ap1, ap2, ap3)
        bm3, bm2, bm1, b0 = s_att[i - 3], s_att[i - 2], s_att[i - 1], s_att[i]
        bp1, bp2, bp3 = s_att[i + 1], s_att[i + 2], s_att[i + 3]
        vaT = _upwind(bm3, bm2, bm1, b0, bp1, bp2, bp3, fw, invh)
        katt = _ko(bm3, bm2, bm1, b0, bp1, bp2, bp3)
        kapp = _ko(s_app[i - 3], s_app[i - 2], s_app[i - 1], s_app[i], s_app[i + 1],
                   s_app[i + 2], s_app[i + 3])
        # lambda^r
        lm3, lm2, lm1, l0 = s_lam[i - 3], s_lam[i - 2], s_lam[i - 1], s_lam[i]
        lp1, lp2, lp3 = s_lam[i + 1], s_lam[i + 2], s_lam[i + 3]
        dlam = (lm2 - 8.0 * lm1 + 8.0 * lp1 - lp2) * inv12h
        vlam = _upwind(lm3, lm2, lm1, l0, lp1, lp2, lp3, fw, invh)
        klam = _ko(lm3, lm2, lm1, l0, lp1, lp2, lp3)
        # beta^r
        dbeta, d2beta = _centred(s_beta[i - 2], s_beta[i - 1], beta, s_beta[i + 1],
                                 s_beta[i + 2], inv12h, inv12h2)
        kbeta = _ko(s_beta[i - 3], s_beta[i - 2], s_beta[i - 1], beta, s_beta[i + 1],
                    s_beta[i + 2], s_beta[i + 3])
        # B^r
        kB = _ko(s_B[i - 3], s_B[i - 2], s_B[i - 1], s_B[i], s_B[i + 1], s_B[i + 2],
                 s_B[i + 3])
        # alpha
        alpha = s_alpha[i]
        dalpha, d2alpha = _centred(s_alpha[i - 2], s_alpha[i - 1], alpha, s_alpha[i + 1],
                                   s_alpha[i + 2], inv12h, inv12h2)
        kalpha = _ko(s_alpha[i - 3], s_alpha[i - 2], s_alpha[i - 1], alpha,
                     s_alpha[i + 1], s_alpha[i + 2], s_alpha[i + 3])

        # working copy of the values: det bar-gamma = det hat-gamma, phi capped
        hrr_v, hT_v = enforce_det_gamma_bar(h0, t0, s_hpp[i])
        phi_v = min(p0, PHI_MAX)
        rhs = bssn_rhs_point(
            r[i],
            (phi_v, hrr_v, hT_v, k0, a0, b0, l0, beta, s_B[i], alpha),
            (dphi, dhrr, dhT, dK, dlam, dbeta, dalpha),
            (d2phi, d2hrr, d2hT, d2beta, d2alpha),
            (vphi, vhrr, vhT, vK, varr, vaT, vlam),
            (matter[M_RHO, i], matter[M_SR, i], matter[M_SRR, i], matter[M_STT_OVER_R2, i],
             matter[M_S, i]),
            eta, c_ham)

        sigma = ko_strength * alpha * math.exp(-2.0 * phi_v) * inv64h
        out[idx_phi, i] = rhs[0] + sigma * kphi
        out[idx_hrr, i] = rhs[1] + sigma * khrr
        out[idx_htt, i] = rhs[2] + sigma * khtt
        out[idx_hpp, i] = rhs[3] + sigma * khpp
        out[idx_K, i] = rhs[4] + sigma * kK
        out[idx_arr, i] = rhs[5] + sigma * karr
        out[idx_att, i] = rhs[6] + sigma * katt
        out[idx_app, i] = rhs[7] + sigma * kapp
        out[idx_lambdar, i] = rhs[8] + sigma * klam
        out[idx_shiftr, i] = rhs[9] + sigma * kbeta
        out[idx_br, i] = rhs[10] + sigma * kB
        out[idx_lapse, i] = rhs[11] + sigma * kalpha


@kernel
def constraints(state, r, dr, matter, ham_out, mom_out):
    """Hamiltonian and radial momentum constraints at the interior points.

    ``state``, ``r``, ``dr``, ``matter`` as for ``bssn_rhs`` (only ``M_RHO`` and ``M_SR``
    are used); no determinant rescaling. ``ham_out``, ``mom_out`` (N,) receive H and M^r at
    the interior points; their ghost entries are set to 0.
    """
    n = state.shape[1]
    inv12h = 1.0 / (12.0 * dr)
    inv12h2 = 1.0 / (12.0 * dr * dr)
    s_phi = state[idx_phi]
    s_hrr = state[idx_hrr]
    s_htt = state[idx_htt]
    s_K = state[idx_K]
    s_arr = state[idx_arr]
    s_att = state[idx_att]
    s_lam = state[idx_lambdar]
    for i in range(NUM_GHOSTS):
        ham_out[i] = 0.0
        mom_out[i] = 0.0
        ham_out[n - 1 - i] = 0.0
        mom_out[n - 1 - i] = 0.0
    for i in range(NUM_GHOSTS, n - NUM_GHOSTS):
        dphi, d2phi = _centred(s_phi[i - 2], s_phi[i - 1], s_phi[i], s_phi[i + 1],
                               s_phi[i + 2], inv12h, inv12h2)
        dhrr, d2hrr = _centred(s_hrr[i - 2], s_hrr[i - 1], s_hrr[i], s_hrr[i + 1],
                               s_hrr[i + 2], inv12h, inv12h2)
        dhT, d2hT = _centred(s_htt[i - 2], s_htt[i - 1], s_htt[i], s_htt[i + 1],
                             s_htt[i + 2], inv12h, inv12h2)
        dK = (s_K[i - 2] - 8.0 * s_K[i - 1] + 8.0 * s_K[i + 1] - s_K[i + 2]) * inv12h
        darr = (s_arr[i - 2] - 8.0 * s_arr[i - 1] + 8.0 * s_arr[i + 1]
                - s_arr[i + 2]) * inv12h
        dlam = (s_lam[i - 2] - 8.0 * s_lam[i - 1] + 8.0 * s_lam[i + 1]
                - s_lam[i + 2]) * inv12h
        values = (s_phi[i], s_hrr[i], s_htt[i], s_K[i], s_arr[i], s_att[i], s_lam[i],
                  0.0, 0.0, 1.0)
        d1 = (dphi, dhrr, dhT, dK, dlam, 0.0, 0.0)
        ham_out[i] = hamiltonian_point(r[i], values, d1, (d2phi, d2hrr, d2hT, 0.0, 0.0),
                                       matter[M_RHO, i])
        mom_out[i] = momentum_point(r[i], values, d1, darr, matter[M_SR, i])
