r"""Exact solution of the 1D planar special-relativistic Riemann problem.

The solver follows the construction of Martí & Müller (2003), *Numerical
hydrodynamics in special relativity*, Living Rev. Relativ. 6, 7 (the section on the
exact solution of the Riemann problem), and Pons, Martí & Müller (2000),
J. Fluid Mech. 422, 125, specialised to vanishing tangential velocity.  Units
with :math:`c = 1`; the equation of state is the ideal gas

.. math::

    P = (\Gamma - 1)\,\rho\,\epsilon, \qquad
    h = 1 + \epsilon + P/\rho = 1 + \frac{\Gamma}{\Gamma - 1}\frac{P}{\rho}, \qquad
    c_s^2 = \frac{\Gamma P}{\rho h}.

Structure of the solution
-------------------------
Two constant states :math:`K = L, R` are separated at :math:`t = 0` by a
membrane at :math:`x = x_0`.  For :math:`t > 0` the solution is self-similar in
:math:`\xi = (x - x_0)/t` and consists of, from left to right,

``L | left wave | L* | contact | R* | right wave | R``

The pressure :math:`P^*` and velocity :math:`v^*` are continuous across the
contact; the densities :math:`\rho^*_L`, :math:`\rho^*_R` are not.  Each
nonlinear wave is a rarefaction when :math:`P^* \le P_K` and a shock when
:math:`P^* > P_K`.  Writing :math:`s = -1` for the left wave and :math:`s = +1`
for the right wave, the velocity behind the wave as a function of the pressure
behind it, :math:`v^*_K(P)`, is

* **rarefaction** (Martí & Müller 2003; the integral is done in
  closed form for the ideal gas): the flow is isentropic,
  :math:`\rho(P) = \rho_K (P/P_K)^{1/\Gamma}`, and the Riemann invariant

  .. math::

      J = \tfrac12 \ln\frac{1 + v}{1 - v} - s\,\mathcal{G}(c_s), \qquad
      \mathcal{G}(c_s) = \frac{2}{\sqrt{\Gamma - 1}}
      \operatorname{artanh}\frac{c_s}{\sqrt{\Gamma - 1}}

  is constant across the fan (:math:`\mathcal{G} = \int c_s\,d\rho/\rho` along
  the isentrope).  Inside the fan the characteristic through the origin
  satisfies :math:`\xi = (v + s c_s)/(1 + s v c_s)`.

* **shock** (Martí & Müller 2003; Pons et al. 2000):
  the post-shock enthalpy solves the Taub adiabat
  :math:`[h^2] = (h_b/\rho_b + h_a/\rho_a)[P]`, which for the ideal gas is the
  quadratic

  .. math::

      h_b^2\Big(1 + \frac{(\Gamma - 1)(P_a - P_b)}{\Gamma P_b}\Big)
      - h_b \frac{(\Gamma - 1)(P_a - P_b)}{\Gamma P_b}
      + \frac{h_a (P_a - P_b)}{\rho_a} - h_a^2 = 0 ;

  the invariant mass flux :math:`j = W_s \rho_a W_a (V_s - v_a)` obeys
  :math:`j^2 = -[P]/[h/\rho]`; the shock speed is (evaluated in the equivalent
  form :math:`V_s = \tanh(\operatorname{artanh} v_a + s \operatorname{arsinh}(|j|/\rho_a))`)

  .. math::

      V_s = \frac{\rho_a^2 W_a^2 v_a + s |j| \sqrt{j^2 + \rho_a^2}}
                 {\rho_a^2 W_a^2 + j^2},

  and the post-shock velocity is

  .. math::

      v_b = \frac{h_a W_a v_a + W_s (P_b - P_a)/j}
                 {h_a W_a + (P_b - P_a)\big(W_s v_a / j + 1/(\rho_a W_a)\big)},

  with :math:`j = s |j|` (subscript *a* ahead of, *b* behind the shock).

:math:`v^*_L(P)` decreases and :math:`v^*_R(P)` increases monotonically with
:math:`P`, so :math:`P^*` is the unique root of :math:`v^*_L(P) - v^*_R(P)`,
found here with a bracketed Brent iteration (:func:`scipy.optimize.brentq`).
A vacuum forms when the root does not exist, i.e. when
:math:`v^*_L(0) \le v^*_R(0)`; that case is rejected.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.optimize import brentq

__all__ = [
    "ExactRiemannSolution",
    "conserved_variables",
    "fluxes",
    "lorentz_factor",
    "riemann_invariant",
    "sound_speed",
    "specific_enthalpy",
    "specific_internal_energy",
]

_LEFT = -1
_RIGHT = +1


# ---------------------------------------------------------------------------
# Equation-of-state and kinematic helpers (all vectorised, ideal gas).
# ---------------------------------------------------------------------------


def specific_internal_energy(rho, p, gamma):
    r"""Specific internal energy :math:`\epsilon = P / ((\Gamma - 1)\rho)`.

    Parameters
    ----------
    rho, p : float or array_like
        Rest-mass density and pressure.
    gamma : float
        Adiabatic index :math:`\Gamma`.

    Returns
    -------
    float or ndarray
        :math:`\epsilon`.
    """
    return np.asarray(p) / ((gamma - 1.0) * np.asarray(rho))


def specific_enthalpy(rho, p, gamma):
    r"""Specific enthalpy :math:`h = 1 + \epsilon + P/\rho = 1 + \Gamma P/((\Gamma-1)\rho)`.

    Parameters
    ----------
    rho, p : float or array_like
        Rest-mass density and pressure.
    gamma : float
        Adiabatic index :math:`\Gamma`.

    Returns
    -------
    float or ndarray
        :math:`h`.
    """
    return 1.0 + gamma / (gamma - 1.0) * np.asarray(p) / np.asarray(rho)


def sound_speed(rho, p, gamma):
    r"""Relativistic sound speed :math:`c_s = \sqrt{\Gamma P / (\rho h)}`.

    Parameters
    ----------
    rho, p : float or array_like
        Rest-mass density and pressure.
    gamma : float
        Adiabatic index :math:`\Gamma`.

    Returns
    -------
    float or ndarray
        :math:`c_s`, always below :math:`\sqrt{\Gamma - 1} \le 1`.
    """
    rho = np.asarray(rho)
    p = np.asarray(p)
    return np.sqrt(gamma * p / (rho * specific_enthalpy(rho, p, gamma)))


def lorentz_factor(v):
    r"""Lorentz factor :math:`W = 1/\sqrt{1 - v^2}`.

    Parameters
    ----------
    v : float or array_like
        Velocity, :math:`|v| < 1`.

    Returns
    -------
    float or ndarray
        :math:`W`.
    """
    v = np.asarray(v)
    return 1.0 / np.sqrt(1.0 - v * v)


def conserved_variables(rho, v, p, gamma):
    r"""Conserved variables :math:`(D, S, E)` of planar special-relativistic hydrodynamics.

    :math:`D = \rho W`, :math:`S = \rho h W^2 v`, :math:`E = \rho h W^2 - P`
    (Martí & Müller 2003; here :math:`E` includes the rest-mass energy).

    Parameters
    ----------
    rho, v, p : float or array_like
        Primitive variables.
    gamma : float
        Adiabatic index.

    Returns
    -------
    tuple of (float or ndarray)
        ``(D, S, E)``.
    """
    rho, v, p = np.asarray(rho), np.asarray(v), np.asarray(p)
    w = lorentz_factor(v)
    rhohw2 = rho * specific_enthalpy(rho, p, gamma) * w * w
    return rho * w, rhohw2 * v, rhohw2 - p


def fluxes(rho, v, p, gamma):
    r"""Fluxes :math:`(D v, S v + P, S)` of the conserved variables :math:`(D, S, E)`.

    Parameters
    ----------
    rho, v, p : float or array_like
        Primitive variables.
    gamma : float
        Adiabatic index.

    Returns
    -------
    tuple of (float or ndarray)
        ``(F_D, F_S, F_E)``; note :math:`F_E = S = (E + P) v`.
    """
    d, s, _ = conserved_variables(rho, v, p, gamma)
    v, p = np.asarray(v), np.asarray(p)
    return d * v, s * v + p, s


def _isentrope_terms(theta, gamma):
    r"""Sound speed, its artanh and the isentropic integral G, as functions of P/rho.

    Parameters
    ----------
    theta : float or ndarray
        :math:`\theta = P/\rho`, which fixes :math:`c_s` for the ideal gas:
        :math:`c_s^2 = a^2 y^2` with :math:`a^2 = \Gamma - 1` and
        :math:`y^2 = \Gamma\theta/(a^2 + \Gamma\theta)`.
    gamma : float
        Adiabatic index.

    Returns
    -------
    cs, artanh_cs, g : float or ndarray
        :math:`c_s`, :math:`\operatorname{artanh} c_s` and
        :math:`\mathcal{G} = (2/a)\operatorname{artanh}(c_s/a)`
        (:math:`\mathcal{G} = \int c_s\,d\rho/\rho` along the isentrope).

    Notes
    -----
    For a hot gas :math:`c_s/a \to 1`, and evaluating :math:`\operatorname{artanh}(c_s/a)`
    from :math:`c_s` loses about :math:`\log_{10}(1/(1 - c_s/a))` digits.  With
    :math:`u^2 = \Gamma\theta/a^2` one has :math:`c_s/a = u/\sqrt{1 + u^2}`, so
    :math:`\operatorname{artanh}(c_s/a) = \operatorname{arsinh} u` exactly, which is
    well conditioned.  Likewise :math:`\operatorname{artanh} c_s = \ln(1 + c_s) -
    \tfrac12 \ln(1 - c_s^2)` with
    :math:`1 - c_s^2 = (a^2 + (2 - \Gamma)\Gamma\theta)/(a^2 + \Gamma\theta)` formed
    analytically (this matters for :math:`\Gamma \to 2`, where :math:`c_s \to 1`).
    """
    a2 = gamma - 1.0
    a = math.sqrt(a2)
    gt = gamma * np.asarray(theta, dtype=float)
    u = np.sqrt(gt / a2)
    cs = a * u / np.sqrt(1.0 + u * u)
    g = 2.0 / a * np.arcsinh(u)
    artanh_cs = np.log1p(cs) - 0.5 * np.log((a2 + (2.0 - gamma) * gt) / (a2 + gt))
    return cs, artanh_cs, g


def riemann_invariant(rho, v, p, gamma, side):
    r"""Riemann invariant that is constant across a rarefaction fan.

    :math:`J = \operatorname{artanh} v - s\,\mathcal{G}(c_s)` with :math:`s = -1`
    for a left-facing (``side="left"``) and :math:`s = +1` for a right-facing
    (``side="right"``) fan, :math:`\mathcal{G}(c_s) = (2/\sqrt{\Gamma - 1})
    \operatorname{artanh}(c_s/\sqrt{\Gamma - 1})`; see Martí & Müller (2003).

    Parameters
    ----------
    rho, v, p : float or array_like
        Primitive variables.
    gamma : float
        Adiabatic index.
    side : {"left", "right"}
        Which wave family the fan belongs to.

    Returns
    -------
    float or ndarray
        :math:`J`.
    """
    s = _side_sign(side)
    g = _isentrope_terms(np.asarray(p) / np.asarray(rho), gamma)[2]
    return np.arctanh(np.asarray(v)) - s * g


def _side_sign(side):
    if side == "left":
        return _LEFT
    if side == "right":
        return _RIGHT
    raise ValueError(f"side must be 'left' or 'right', got {side!r}")


# ---------------------------------------------------------------------------
# Wave curves v*_K(P) of one side.
# ---------------------------------------------------------------------------


class _WaveCurve:
    """Star-side states reachable from the constant state ``(rho, p, v)`` by one wave.

    ``sign`` is :math:`s = -1` for the left wave and :math:`s = +1` for the right wave.
    """

    def __init__(self, rho, p, v, gamma, sign):
        self.rho = rho
        self.p = p
        self.v = v
        self.gamma = gamma
        self.sign = sign
        self.h = float(specific_enthalpy(rho, p, gamma))
        self.w = float(lorentz_factor(v))
        cs, _, g_k = _isentrope_terms(p / rho, gamma)
        self.cs = float(cs)
        # Riemann invariant carried through a rarefaction of this family.
        self.invariant = math.atanh(v) - sign * float(g_k)

    # --- rarefaction (P <= P_K) -------------------------------------------------
    def rarefaction(self, p):
        """Return ``(v, rho, cs)`` behind a rarefaction ending at pressure ``p <= p_K``."""
        if p == self.p:
            return self.v, self.rho, self.cs
        rho = self.rho * (p / self.p) ** (1.0 / self.gamma)
        cs, _, g = _isentrope_terms(p / rho, self.gamma)
        v = math.tanh(self.invariant + self.sign * float(g))
        return v, rho, float(cs)

    def vacuum_velocity(self):
        """Limit of the rarefaction velocity for ``p -> 0`` (escape velocity into vacuum)."""
        return math.tanh(self.invariant)

    # --- shock (P > P_K) --------------------------------------------------------
    def shock(self, p):
        """Return ``(v, rho, V_s)`` behind a shock with post-shock pressure ``p > p_K``."""
        g = self.gamma
        rho_a, p_a, h_a, v_a, w_a = self.rho, self.p, self.h, self.v, self.w
        k = g / (g - 1.0)
        k_inv = (g - 1.0) / g
        dp = p - p_a
        # Taub adiabat A h_b^2 - B h_b + C = 0 (module docstring), rewritten for the
        # enthalpy jump delta = h_b - h_a so that weak shocks (dp -> 0) keep full
        # precision:  A delta^2 + (2 A h_a - B) delta - h_a dp (p_a + p)/(p rho_a) = 0,
        # with B = (Gamma-1)(p_a - p)/(Gamma p) and A = 1 + B > 0.  The constant term
        # is negative, so exactly one root is positive; it is evaluated in the
        # cancellation-free form delta = -2 c0 / (b1 + sqrt(b1^2 - 4 A c0)).
        b = (g - 1.0) * (p_a - p) / (g * p)
        a = 1.0 + b
        b1 = 2.0 * a * h_a - b
        c0 = -h_a * dp * (p_a + p) / (p * rho_a)
        delta = -2.0 * c0 / (b1 + math.sqrt(b1 * b1 - 4.0 * a * c0))
        # h - 1 = Gamma P / ((Gamma - 1) rho) is carried separately: forming h_a - 1
        # from h_a would cost log10(1/(h_a - 1)) digits for a cold upstream gas.
        hm1_a = k * p_a / rho_a
        rho_b = p / (k_inv * (hm1_a + delta))
        # Mass flux j^2 = -[P]/[h/rho].  With h/rho = (Gamma-1) h (h - 1)/(Gamma P),
        # [h/rho] = (Gamma-1)/(Gamma p_a p) * (p_a delta (2 h_a - 1 + delta)
        #                                      - h_a (h_a - 1) dp),
        # in which both terms are O(dp), so j^2 has a finite, accurate weak-shock limit.
        j2 = k * p_a * p * dp / (h_a * hm1_a * dp - p_a * delta * (2.0 * h_a - 1.0 + delta))
        abs_j = math.sqrt(j2)
        # Shock speed.  The closed form of the module docstring is equivalent to adding
        # rapidities: j = W_s rho_a W_a (V_s - v_a) = rho_a W' V' with V' the shock speed
        # in the upstream rest frame, so V_s = tanh(artanh v_a + s arsinh(|j|/rho_a)).
        # This form also yields W_s = cosh(...) without forming 1 - V_s^2, which
        # rounds to zero for ultra-relativistic shocks.
        eta_s = math.atanh(v_a) + self.sign * math.asinh(abs_j / rho_a)
        v_s = math.tanh(eta_s)
        w_s = math.cosh(eta_s)
        j = self.sign * abs_j
        v_b = (h_a * w_a * v_a + w_s * dp / j) / (
            h_a * w_a + dp * (w_s * v_a / j + 1.0 / (rho_a * w_a))
        )
        return v_b, rho_b, v_s

    def star_velocity(self, p):
        """Velocity :math:`v^*_K(P)` behind the wave for post-wave pressure ``p``."""
        if p <= self.p:
            return self.rarefaction(p)[0]
        return self.shock(p)[0]

    def characteristic(self, v, cs):
        r"""Characteristic speed :math:`(v + s c_s)/(1 + s v c_s)` of this family."""
        return (v + self.sign * cs) / (1.0 + self.sign * v * cs)

    def fan_state(self, xi, theta_lo, theta_hi):
        r"""Primitive state inside the fan at self-similar coordinates ``xi`` (1-D array).

        Combining :math:`\xi = \tanh(\operatorname{artanh} v + s \operatorname{artanh} c_s)`
        with the invariant :math:`J` gives

        .. math::

            \operatorname{artanh} c_s + \mathcal{G}(c_s) = s(\operatorname{artanh}\xi - J),

        whose left side increases monotonically with :math:`c_s`, hence with
        :math:`\theta = P/\rho`.  It is solved by vectorised bisection in
        :math:`\ln\theta` on ``[theta_lo, theta_hi]`` (the values at the two edges
        of the fan) down to adjacent floating-point numbers; then
        :math:`v = (\xi - s c_s)/(1 - s \xi c_s)` and the isentrope
        :math:`\rho = \rho_K (\theta/\theta_K)^{1/(\Gamma - 1)}` give the state.
        """
        g = self.gamma
        target = self.sign * (np.arctanh(xi) - self.invariant)
        lo = np.full_like(xi, math.log(theta_lo))
        hi = np.full_like(xi, math.log(theta_hi))
        for _ in range(200):
            mid = 0.5 * (lo + hi)
            if np.all((mid == lo) | (mid == hi)):
                break
            _, artanh_cs, g_mid = _isentrope_terms(np.exp(mid), g)
            too_big = artanh_cs + g_mid > target
            hi = np.where(too_big, mid, hi)
            lo = np.where(too_big, lo, mid)
        theta = np.exp(0.5 * (lo + hi))
        cs = _isentrope_terms(theta, g)[0]
        v = (xi - self.sign * cs) / (1.0 - self.sign * xi * cs)
        rho = self.rho * (theta / (self.p / self.rho)) ** (1.0 / (g - 1.0))
        return rho, v, rho * theta


# ---------------------------------------------------------------------------
# Public solution object.
# ---------------------------------------------------------------------------


def _check_state(name, rho, p, v):
    for label, value in (("rho", rho), ("p", p), ("v", v)):
        if not np.isfinite(value):
            raise ValueError(f"{label}_{name} must be finite, got {value!r}")
    if not rho > 0.0:
        raise ValueError(f"rho_{name} must be > 0, got {rho!r}")
    if not p > 0.0:
        raise ValueError(f"p_{name} must be > 0, got {p!r}")
    if not abs(v) < 1.0:
        raise ValueError(f"v_{name} must satisfy |v_{name}| < 1, got {v!r}")


class ExactRiemannSolution:
    r"""Exact solution of a planar special-relativistic Riemann problem (ideal gas).

    See the module docstring for the equations (Martí & Müller 2003;
    Pons, Martí & Müller 2000).

    Parameters
    ----------
    rho_L, p_L, v_L : float
        Left state: rest-mass density (> 0), pressure (> 0), velocity (|v| < 1).
    rho_R, p_R, v_R : float
        Right state, same constraints.
    gamma : float
        Adiabatic index, :math:`1 < \Gamma \le 2`.

    Attributes
    ----------
    p_star, v_star : float
        Pressure and velocity of the star region (continuous across the contact).
    rho_star_L, rho_star_R : float
        Densities left and right of the contact.
    left_wave, right_wave : {"shock", "rarefaction"}
        Type of each nonlinear wave.  A wave of zero strength
        (:math:`P^* = P_K`) is reported as a ``"rarefaction"`` of zero width
        (head == tail).
    left_head, left_tail, right_head, right_tail : float or None
        Speeds of the head (the edge facing the unperturbed state) and tail of
        each rarefaction fan; ``None`` for a shock.
    left_shock_speed, right_shock_speed : float or None
        Shock speeds; ``None`` for a rarefaction.

    Raises
    ------
    ValueError
        For invalid input (the message names the parameter) or if the initial
        data generate a vacuum region.

    Examples
    --------
    >>> sol = ExactRiemannSolution(10.0, 40.0 / 3.0, 0.0, 1.0, 1e-6, 0.0, 5.0 / 3.0)
    >>> round(sol.p_star, 4), round(sol.v_star, 4)
    (1.4479, 0.714)
    """

    def __init__(self, rho_L, p_L, v_L, rho_R, p_R, v_R, gamma):
        rho_L, p_L, v_L = float(rho_L), float(p_L), float(v_L)
        rho_R, p_R, v_R = float(rho_R), float(p_R), float(v_R)
        gamma = float(gamma)
        _check_state("L", rho_L, p_L, v_L)
        _check_state("R", rho_R, p_R, v_R)
        if not (1.0 < gamma <= 2.0):
            raise ValueError(f"gamma must lie in (1, 2], got {gamma!r}")

        self.rho_L, self.p_L, self.v_L = rho_L, p_L, v_L
        self.rho_R, self.p_R, self.v_R = rho_R, p_R, v_R
        self.gamma = gamma
        self._left = _WaveCurve(rho_L, p_L, v_L, gamma, _LEFT)
        self._right = _WaveCurve(rho_R, p_R, v_R, gamma, _RIGHT)

        self.p_star = self._solve_p_star()
        self._build_star_states()

    # ------------------------------------------------------------------
    def _mismatch(self, p):
        """:math:`v^*_L(P) - v^*_R(P)`, strictly decreasing in ``p``."""
        return self._left.star_velocity(p) - self._right.star_velocity(p)

    def _solve_p_star(self):
        left, right = self._left, self._right
        if left.vacuum_velocity() <= right.vacuum_velocity():
            raise ValueError(
                "the initial states generate a vacuum (v*_L(0) <= v*_R(0)); "
                "not supported by this solver"
            )
        lo = min(left.p, right.p)
        hi = max(left.p, right.p)
        f_lo = self._mismatch(lo)
        if f_lo == 0.0:
            return lo
        f_hi = self._mismatch(hi)
        if f_hi == 0.0:
            return hi
        # Two rarefactions: root below min(p_L, p_R).
        while f_lo < 0.0:
            hi, f_hi = lo, f_lo
            lo *= 1e-2
            if lo < 1e-300:
                raise ValueError("could not bracket p* from below (near-vacuum star state)")
            f_lo = self._mismatch(lo)
        # Two shocks: root above max(p_L, p_R).
        while f_hi > 0.0:
            lo, f_lo = hi, f_hi
            hi *= 1e2
            if hi > 1e300:
                raise ValueError("could not bracket p* from above")
            f_hi = self._mismatch(hi)
        if f_lo == 0.0:
            return lo
        if f_hi == 0.0:
            return hi
        return brentq(
            self._mismatch, lo, hi, xtol=1e-300, rtol=4.0 * np.finfo(float).eps, maxiter=500
        )

    def _build_star_states(self):
        p = self.p_star
        for name, curve in (("left", self._left), ("right", self._right)):
            if p <= curve.p:
                v, rho, cs = curve.rarefaction(p)
                wave = "rarefaction"
                head = float(curve.characteristic(curve.v, curve.cs))
                tail = float(curve.characteristic(v, cs))
                shock_speed = None
            else:
                v, rho, shock_speed = curve.shock(p)
                wave = "shock"
                head = tail = None
            setattr(self, f"{name}_wave", wave)
            setattr(self, f"{name}_head", head)
            setattr(self, f"{name}_tail", tail)
            setattr(self, f"{name}_shock_speed", shock_speed)
            setattr(self, f"_{name}_v_star", v)
            setattr(self, f"rho_star_{name[0].upper()}", rho)
        # Both curves give the same v at the root to round-off; report their mean.
        self.v_star = 0.5 * (self._left_v_star + self._right_v_star)

    # ------------------------------------------------------------------
    def sample(self, x, t, x0=0.5):
        r"""Sample the self-similar solution at positions ``x`` and time ``t``.

        Parameters
        ----------
        x : float or array_like
            Positions.
        t : float
            Time, > 0.
        x0 : float, optional
            Initial position of the discontinuity (default 0.5).

        Returns
        -------
        rho, v, p : ndarray
            Primitive variables at ``x``, arrays of the shape of ``x``.
        """
        if not t > 0.0:
            raise ValueError(f"t must be > 0, got {t!r}")
        x = np.asarray(x, dtype=float)
        shape = x.shape
        xi = np.atleast_1d((x - x0) / t).ravel()
        rho = np.empty_like(xi)
        v = np.empty_like(xi)
        p = np.empty_like(xi)

        left_side = xi < self.v_star
        right_side = ~left_side

        # Star regions first, then overwrite the unperturbed states and fans.
        rho[left_side] = self.rho_star_L
        rho[right_side] = self.rho_star_R
        v[:] = self.v_star
        p[:] = self.p_star

        for curve, side, wave, head, tail, v_s, rho_star in (
            (self._left, left_side, self.left_wave, self.left_head, self.left_tail,
             self.left_shock_speed, self.rho_star_L),
            (self._right, right_side, self.right_wave, self.right_head, self.right_tail,
             self.right_shock_speed, self.rho_star_R),
        ):
            s = curve.sign
            # "beyond" = on the unperturbed side of the wave: s * xi > s * edge.
            if wave == "shock":
                outer = side & (s * xi > s * v_s)
            else:
                outer = side & (s * xi > s * head)
                fan = side & ~outer & (s * xi > s * tail)
                if np.any(fan):
                    rho[fan], v[fan], p[fan] = curve.fan_state(
                        xi[fan], self.p_star / rho_star, curve.p / curve.rho
                    )
            rho[outer] = curve.rho
            v[outer] = curve.v
            p[outer] = curve.p
        return rho.reshape(shape), v.reshape(shape), p.reshape(shape)

    def __repr__(self):
        return (
            f"ExactRiemannSolution(p_star={self.p_star:.6g}, v_star={self.v_star:.6g}, "
            f"rho_star_L={self.rho_star_L:.6g}, rho_star_R={self.rho_star_R:.6g}, "
            f"left={self.left_wave}, right={self.right_wave})"
        )
