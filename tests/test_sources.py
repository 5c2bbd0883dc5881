"""Unit tests of the Valencia geometric sources and cell RHS
(source/matter/hydro/valencia_reference_metric.py) and of the metric scalars of
GeometryCache (source/matter/hydro/geometry.py).

The reference values are the general 3+1 tensor expressions (MBM 2014 eqs. 34, 47), built
here from 4x4 matrices: g_{mu nu} from (alpha, beta^i, gamma_ij) and inverted numerically,
u^mu = (W/alpha, W (v^i - beta^i/alpha)), T^{mu nu} = rho h u^mu u^nu + P g^{mu nu}, with the
flat spherical reference connection at the equator and d_r gamma_jk by complex-step
differentiation of gamma_jk(r):

  s_tau = alpha e6phi [K_ij (T00 b^i b^j + 2 T0i b^j + Tij) - (T00 b^i + T0i) d_i alpha]
  s_S_r = alpha e6phi [-T00 alpha d_r alpha + T^0_k hatD_r beta^k
                       + 1/2 (T00 b^j b^k + 2 T0j b^k + Tjk) hatD_r gamma_jk]
"""

import math

import numpy as np
import pytest

from source.bssn.bssnstatevariables import (
    idx_app,
    idx_arr,
    idx_att,
    idx_hpp,
    idx_hrr,
    idx_htt,
    idx_K,
    idx_lapse,
    idx_phi,
    idx_shiftr,
)
from source.matter.hydro.atmosphere import AtmosphereParams
from source.matter.hydro.cons2prim import C2P_ATMOSPHERE, C2P_FAILED, C2P_OK
from source.matter.hydro.geometry import CellMetric, GeometryCache, cell_metric
from source.matter.hydro.valencia_reference_metric import (
    FORM_FULL,
    FORM_PARTIAL,
    ValenciaReferenceMetric,
    assemble_rhs,
    cell_rhs,
    find_static_vacuum,
    source_terms,
)

GAMMA = 2.0


# ---------------------------------------------------------------------------------------
# Test-side general-relativistic algebra
# ---------------------------------------------------------------------------------------
def spatial_metric(r, phi, hrr, htt, hpp):
    """gamma_ij at the equator (works with complex arguments for the complex step)."""
    e4 = np.exp(4.0 * phi)
    g = np.zeros((3, 3), dtype=np.result_type(r, phi, hrr, htt, hpp, float))
    g[0, 0] = e4 * (1.0 + hrr)
    g[1, 1] = e4 * r * r * (1.0 + htt)
    g[2, 2] = e4 * r * r * (1.0 + hpp)
    return g


def reference_christoffel(r):
    """Gamma-hat^a_{bc} of the flat spherical metric at theta = pi/2 (cot = cos = 0)."""
    G = np.zeros((3, 3, 3))
    G[0, 1, 1] = -r
    G[0, 2, 2] = -r
    G[1, 0, 1] = G[1, 1, 0] = 1.0 / r
    G[2, 0, 2] = G[2, 2, 0] = 1.0 / r
    return G


def random_geometry(rng):
    p = dict(
        r=rng.uniform(0.3, 10.0),
        phi=rng.uniform(-0.2, 0.4), hrr=rng.uniform(-0.2, 0.2), htt=rng.uniform(-0.2, 0.2),
        hpp=rng.uniform(-0.2, 0.2),
        dphi=rng.normal() * 0.1, dhrr=rng.normal() * 0.05, dhtt=rng.normal() * 0.05,
        dhpp=rng.normal() * 0.05,
        arr=rng.normal() * 0.05, att=rng.normal() * 0.05, app=rng.normal() * 0.05,
        K=rng.normal() * 0.05,
        alpha=rng.uniform(0.3, 1.2), dalpha=rng.normal() * 0.1,
        beta=rng.uniform(-0.3, 0.3), dbeta=rng.normal() * 0.1,
    )
    return p


def geometry_tensors(p):
    """gamma_ij, K_ij, hatD_r gamma_jk, hatD_r beta^k from the BSSN-like scalars."""
    r = p["r"]
    gam = spatial_metric(r, p["phi"], p["hrr"], p["htt"], p["hpp"]).real
    # d_r gamma_jk: complex step along r with phi, h_ij linear in r (slopes dphi, dh)
    step = 1e-30
    rc = r + 1j * step
    gc = spatial_metric(rc, p["phi"] + 1j * step * p["dphi"], p["hrr"] + 1j * step * p["dhrr"],
                        p["htt"] + 1j * step * p["dhtt"], p["hpp"] + 1j * step * p["dhpp"])
    dgam = gc.imag / step
    G = reference_christoffel(r)
    hatD_gam = (dgam - np.einsum("mj,mk->jk", G[:, 0, :], gam)
                - np.einsum("mk,jm->jk", G[:, 0, :], gam))
    beta_u = np.array([p["beta"], 0.0, 0.0])
    dbeta_u = np.array([p["dbeta"], 0.0, 0.0])
    hatD_beta = dbeta_u + G[:, 0, :] @ beta_u
    e4 = math.exp(4.0 * p["phi"])
    abar = np.diag([p["arr"], r * r * p["att"], r * r * p["app"]])
    Kij = e4 * abar + p["K"] / 3.0 * gam
    return gam, Kij, hatD_gam, hatD_beta, beta_u


def stress_energy(p, gam, beta_u, rho, v, press):
    alpha = p["alpha"]
    beta_d = gam @ beta_u
    g4 = np.zeros((4, 4))
    g4[0, 0] = -alpha**2 + beta_u @ beta_d
    g4[0, 1:] = g4[1:, 0] = beta_d
    g4[1:, 1:] = gam
    g4_inv = np.linalg.inv(g4)
    W = 1.0 / math.sqrt(1.0 - gam[0, 0] * v * v)
    u = np.concatenate([[W / alpha], W * (np.array([v, 0.0, 0.0]) - beta_u / alpha)])
    assert u @ g4 @ u == pytest.approx(-1.0, abs=1e-12)
    eps = press / ((GAMMA - 1.0) * rho)
    h = 1.0 + eps + press / rho
    T = rho * h * np.outer(u, u) + press * g4_inv
    return T, g4, W, h


def tensor_sources(p, rho, v, press):
    gam, Kij, hatD_gam, hatD_beta, b = geometry_tensors(p)
    T, g4, W, h = stress_energy(p, gam, b, rho, v, press)
    alpha = p["alpha"]
    e6 = math.exp(6.0 * p["phi"])
    dalpha = np.array([p["dalpha"], 0.0, 0.0])
    T00, T0i, Tij = T[0, 0], T[0, 1:], T[1:, 1:]
    B = T00 * np.outer(b, b) + np.outer(T0i, b) + np.outer(b, T0i) + Tij
    s_tau = alpha * e6 * (np.sum(Kij * B) - (T00 * b + T0i) @ dalpha)
    T0_low = (T @ g4)[0, 1:]                                 # T^0_k = T^{0 mu} g_{mu k}
    s_S = alpha * e6 * (-T00 * alpha * dalpha[0] + T0_low @ hatD_beta
                        + 0.5 * np.sum(B * hatD_gam))
    scalars = dict(
        gamma_rr=gam[0, 0], e6phi=e6, hatD_gamma_rr=hatD_gam[0, 0],
        dlog_gamma_ang=hatD_gam[1, 1] / gam[1, 1] + hatD_gam[2, 2] / gam[2, 2],
        K_rr=Kij[0, 0], K_ang_mixed=Kij[1, 1] / gam[1, 1] + Kij[2, 2] / gam[2, 2],
    )
    return s_S, s_tau, scalars, W, h, T


def code_sources(p, sc, rho, v, press, W, h):
    return source_terms(rho, v, press, W, h, p["alpha"], p["beta"], sc["gamma_rr"], sc["e6phi"],
                        p["dalpha"], p["dbeta"], sc["hatD_gamma_rr"], sc["dlog_gamma_ang"],
                        sc["K_rr"], sc["K_ang_mixed"])


def random_fluid(rng, gamma_rr):
    rho = 10.0 ** rng.uniform(-6, -2)
    press = rho * 10.0 ** rng.uniform(-3, 0)
    v = rng.uniform(-0.8, 0.8) / math.sqrt(gamma_rr)
    return rho, v, press


def my_flux(alpha, beta, gamma_rr, e6, rho, v, press, W, h):
    vt = v - beta / alpha
    tau = rho * h * W * W - press - rho * W
    a6 = alpha * e6
    return (a6 * rho * W * vt, a6 * (rho * h * W * W * gamma_rr * v * vt + press),
            a6 * (tau * vt + press * v))


# ---------------------------------------------------------------------------------------
# Source terms = general tensor forms
# ---------------------------------------------------------------------------------------
def test_sources_equal_general_tensor_forms():
    rng = np.random.default_rng(1)
    for _ in range(2000):
        p = random_geometry(rng)
        gam_rr = spatial_metric(p["r"], p["phi"], p["hrr"], p["htt"], p["hpp"])[0, 0]
        rho, v, press = random_fluid(rng, gam_rr)
        s_S, s_tau, sc, W, h, T = tensor_sources(p, rho, v, press)
        got_S, got_tau = code_sources(p, sc, rho, v, press, W, h)
        scale = p["alpha"] * sc["e6phi"] * np.abs(T).max() * (
            abs(p["dalpha"]) + abs(p["dbeta"]) + np.abs(list(sc.values())[2:]).max() + 1.0)
        assert got_S == pytest.approx(s_S, rel=1e-10, abs=1e-13 * scale)
        assert got_tau == pytest.approx(s_tau, rel=1e-10, abs=1e-13 * scale)


def test_sources_each_term_separately():
    """Switch on one geometric ingredient at a time (guards against compensating errors)."""
    rng = np.random.default_rng(2)
    zero = dict(dphi=0.0, dhrr=0.0, dhtt=0.0, dhpp=0.0, arr=0.0, att=0.0, app=0.0, K=0.0,
                dalpha=0.0, dbeta=0.0)
    for key in zero:
        for _ in range(50):
            p = random_geometry(rng)
            p.update({k: 0.0 for k in zero if k != key})
            gam_rr = spatial_metric(p["r"], p["phi"], p["hrr"], p["htt"], p["hpp"])[0, 0]
            rho, v, press = random_fluid(rng, gam_rr)
            s_S, s_tau, sc, W, h, T = tensor_sources(p, rho, v, press)
            got_S, got_tau = code_sources(p, sc, rho, v, press, W, h)
            scale = p["alpha"] * sc["e6phi"] * np.abs(T).max()
            assert got_S == pytest.approx(s_S, rel=1e-10, abs=1e-14 * scale), key
            assert got_tau == pytest.approx(s_tau, rel=1e-10, abs=1e-14 * scale), key


def test_sources_vanish_in_flat_space():
    rng = np.random.default_rng(3)
    for _ in range(100):
        rho, v, press = random_fluid(rng, 1.0)
        W = 1.0 / math.sqrt(1.0 - v * v)
        h = 1.0 + 2.0 * press / rho
        s_S, s_tau = source_terms(rho, v, press, W, h, 1.0, 0.0, 1.0, 1.0, 0.0, 0.0, 0.0, 0.0,
                                  0.0, 0.0)
        assert s_S == 0.0 and s_tau == 0.0


def test_static_fluid_sources():
    """v = beta = K_ij = 0: s_tau = 0, s_S = alpha e6phi (-e d_r alpha/alpha
    + P/2 (hatD gamma_rr/gamma_rr + dlog_gamma_ang)), e = rho (1 + eps)."""
    rng = np.random.default_rng(4)
    for _ in range(200):
        p = random_geometry(rng)
        p.update(beta=0.0, dbeta=0.0, arr=0.0, att=0.0, app=0.0, K=0.0)
        rho, _, press = random_fluid(rng, 1.0)
        s_S, s_tau, sc, W, h, _ = tensor_sources(p, rho, 0.0, press)
        got_S, got_tau = code_sources(p, sc, rho, 0.0, press, 1.0, h)
        e = rho * (1.0 + press / ((GAMMA - 1.0) * rho))
        expected = p["alpha"] * sc["e6phi"] * (
            -e * p["dalpha"] / p["alpha"]
            + 0.5 * press * (sc["hatD_gamma_rr"] / sc["gamma_rr"] + sc["dlog_gamma_ang"]))
        assert got_tau == 0.0
        assert got_S == pytest.approx(expected, rel=1e-12, abs=1e-16)
        assert got_S == pytest.approx(s_S, rel=1e-10, abs=1e-16)


# ---------------------------------------------------------------------------------------
# GeometryCache scalars
# ---------------------------------------------------------------------------------------
def test_geometry_cache_scalars_match_tensors():
    rng = np.random.default_rng(5)
    n = 16
    dx = 0.25
    r = (np.arange(n) - 2.5) * dx
    bssn = np.zeros((12, n))
    d1 = np.zeros((12, n))
    params = []
    for i in range(n):
        p = random_geometry(rng)
        p["r"] = r[i]
        params.append(p)
        bssn[idx_phi, i], bssn[idx_hrr, i] = p["phi"], p["hrr"]
        bssn[idx_htt, i], bssn[idx_hpp, i] = p["htt"], p["hpp"]
        bssn[idx_arr, i], bssn[idx_att, i], bssn[idx_app, i] = p["arr"], p["att"], p["app"]
        bssn[idx_K, i], bssn[idx_lapse, i], bssn[idx_shiftr, i] = p["K"], p["alpha"], p["beta"]
        d1[idx_phi, i], d1[idx_hrr, i] = p["dphi"], p["dhrr"]
        d1[idx_htt, i], d1[idx_hpp, i] = p["dhtt"], p["dhpp"]
        d1[idx_lapse, i], d1[idx_shiftr, i] = p["dalpha"], p["dbeta"]
    cache = GeometryCache(r, bssn, d1, dx)
    for i in range(3, n):       # r > 0 cells (the tensors use 1/r)
        p = params[i]
        gam, Kij, hatD_gam, _, _ = geometry_tensors(p)
        assert cache.gamma_rr[i] == pytest.approx(gam[0, 0], rel=1e-14)
        assert cache.e6phi[i] == pytest.approx(math.exp(6.0 * p["phi"]), rel=1e-14)
        assert cache.hatD_gamma_rr[i] == pytest.approx(hatD_gam[0, 0], rel=1e-9, abs=1e-14)
        dlog = hatD_gam[1, 1] / gam[1, 1] + hatD_gam[2, 2] / gam[2, 2]
        assert cache.dlog_gamma_ang[i] == pytest.approx(dlog, rel=1e-9, abs=1e-13)
        assert cache.K_rr[i] == pytest.approx(Kij[0, 0], rel=1e-12, abs=1e-15)
        kang = Kij[1, 1] / gam[1, 1] + Kij[2, 2] / gam[2, 2]
        assert cache.K_ang_mixed[i] == pytest.approx(kang, rel=1e-12, abs=1e-15)
        assert cache.dalpha_dr[i] == p["dalpha"] and cache.dbeta_dr[i] == p["dbeta"]
        assert cache.two_over_r[i] == pytest.approx(2.0 / r[i], rel=1e-15)
        assert cache.volume[i] == pytest.approx(r[i] ** 2 * dx + dx**3 / 12.0, rel=1e-12)
    np.testing.assert_allclose(cache.area_f, (r[:-1] + 0.5 * dx) ** 2, rtol=1e-14)


# ---------------------------------------------------------------------------------------
# Cell RHS
# ---------------------------------------------------------------------------------------
def random_cell(rng):
    p = random_geometry(rng)
    gam_rr = spatial_metric(p["r"], p["phi"], p["hrr"], p["htt"], p["hpp"])[0, 0]
    rho, v, press = random_fluid(rng, gam_rr)
    s_S, s_tau, sc, W, h, _ = tensor_sources(p, rho, v, press)
    dx = rng.uniform(0.01, 0.2) * p["r"]
    faces = rng.normal(size=6) * 1e-4
    return p, sc, rho, v, press, W, h, s_S, s_tau, dx, faces


@pytest.mark.parametrize("formulation", [FORM_PARTIAL, FORM_FULL])
def test_cell_rhs_formula(formulation):
    rng = np.random.default_rng(6)
    for _ in range(1000):
        p, sc, rho, v, press, W, h, s_S, s_tau, dx, F = random_cell(rng)
        r = p["r"]
        rm, rp = r - dx / 2, r + dx / 2
        area_m, area_p = rm * rm, rp * rp
        vol = (rp**3 - rm**3) / 3.0
        metric = CellMetric(p["alpha"], p["beta"], sc["gamma_rr"], sc["e6phi"], p["dalpha"],
                            p["dbeta"], sc["hatD_gamma_rr"], sc["dlog_gamma_ang"], sc["K_rr"],
                            sc["K_ang_mixed"])
        got = cell_rhs(formulation, tuple(F[:3]), tuple(F[3:]), area_m, area_p, vol, dx, rho,
                       v, press, W, h, metric, 2.0 / r)
        FDm, FSm, FTm, FDp, FSp, FTp = F
        fD, fS, fT = my_flux(p["alpha"], p["beta"], sc["gamma_rr"], sc["e6phi"], rho, v, press,
                             W, h)
        a6 = p["alpha"] * sc["e6phi"]
        rhs_S = -(FSp - FSm) / dx - 2.0 / r * fS + 2.0 / r * a6 * press + s_S
        if formulation == FORM_PARTIAL:
            rhs_D = -(area_p * FDp - area_m * FDm) / vol
            rhs_T = -(area_p * FTp - area_m * FTm) / vol + s_tau
        else:
            rhs_D = -(FDp - FDm) / dx - 2.0 / r * fD
            rhs_T = -(FTp - FTm) / dx - 2.0 / r * fT + s_tau
        scale = 1e-4 / dx + abs(fS) / r + a6 * press / r + abs(s_S) + abs(s_tau) + abs(fD) / r
        for g, e in zip(got, (rhs_D, rhs_S, rhs_T), strict=True):
            assert g == pytest.approx(e, rel=1e-10, abs=1e-12 * scale)


def test_partial_formulation_conserves_rest_mass():
    """sum_i V_i dD~_i/dt telescopes to the flux through the two outermost used faces."""
    rng = np.random.default_rng(7)
    n, dx = 24, 0.1
    r = (np.arange(n) - 2.5) * dx
    FD, FS, FT = (rng.normal(size=n - 1) for _ in range(3))
    rho0, press, alpha = (np.abs(rng.normal(size=n)) + 0.5 for _ in range(3))
    W = np.ones(n)
    h = 1.0 + 2.0 * press / rho0
    vr = np.zeros(n)
    beta = np.zeros(n)
    gamma_rr = np.ones(n)
    e6 = np.ones(n)
    zeros = np.zeros(n)
    two_over_r = 2.0 / r
    volume = ((r + dx / 2) ** 3 - (r - dx / 2) ** 3) / 3.0
    area_f = (r[:-1] + dx / 2) ** 2
    gc = np.stack((alpha, beta, gamma_rr, e6, zeros, zeros, zeros, zeros, zeros, zeros,
                   two_over_r, volume))
    rhs = np.full((3, n), 99.0)
    vacuum = np.zeros(n, dtype=np.bool_)
    assemble_rhs(FORM_PARTIAL, FD, FS, FT, rho0, vr, press, W, h, dx, gc, area_f, vacuum, rhs)
    inner = slice(3, n - 3)
    total = np.sum(volume[inner] * rhs[0, inner])
    # cell i uses faces i-1 (left) and i (right): first used face 2, last used face n-4
    expected = -(area_f[n - 4] * FD[n - 4] - area_f[2] * FD[2])
    assert total == pytest.approx(expected, rel=1e-12, abs=1e-13)
    # ghost columns untouched
    assert np.all(rhs[:, :3] == 99.0) and np.all(rhs[:, n - 3:] == 99.0)
    # cells flagged as static vacuum get exactly zero, the others are unchanged
    vacuum[[5, 6, 11]] = True
    rhs2 = np.full((3, n), 99.0)
    assemble_rhs(FORM_PARTIAL, FD, FS, FT, rho0, vr, press, W, h, dx, gc, area_f, vacuum, rhs2)
    assert np.all(rhs2[:, vacuum] == 0.0)
    keep = ~vacuum
    np.testing.assert_array_equal(rhs2[:, keep], rhs[:, keep])


def test_find_static_vacuum():
    """An interior cell is static vacuum iff cells i-3..i+3 are all atmosphere."""
    rng = np.random.default_rng(8)
    for _ in range(200):
        n = int(rng.integers(8, 40))
        status = np.where(rng.random(n) < 0.8, C2P_ATMOSPHERE, C2P_OK).astype(np.int8)
        if rng.random() < 0.3:
            status[rng.integers(0, n)] = C2P_FAILED
        vacuum = np.ones(n, dtype=np.bool_)
        count = find_static_vacuum(status, vacuum)
        expected = np.zeros(n, dtype=bool)
        for i in range(3, n - 3):
            expected[i] = bool(np.all(status[i - 3:i + 4] == C2P_ATMOSPHERE))
        np.testing.assert_array_equal(vacuum, expected)
        assert count == expected.sum()


# ---------------------------------------------------------------------------------------
# Static, hydrostatic (TOV-like) profile: the cell RHS vanishes up to O(dr^2)
# ---------------------------------------------------------------------------------------
K_POLY = 100.0


def hydrostatic_profile(r):
    """Conformally flat, v = beta = K = 0. With h alpha = const (isentropic Bernoulli) the
    polytrope K = 100, Gamma = 2 satisfies d_r P = -(e + P) d_r alpha / alpha exactly for any
    lapse profile; phi is arbitrary (its sources cancel against the e^{6 phi} in the flux)."""
    alpha = 0.65 + 0.1 * (1.0 - np.exp(-r * r / 16.0))
    dalpha = 0.1 * (r / 8.0) * np.exp(-r * r / 16.0)
    h = 1.256 * 0.65 / alpha
    rho = (h - 1.0) * (GAMMA - 1.0) / (GAMMA * K_POLY)
    press = K_POLY * rho**GAMMA
    phi = 0.18 * np.exp(-r * r / 20.0)
    dphi = -0.18 * (r / 10.0) * np.exp(-r * r / 20.0)
    return alpha, dalpha, rho, press, phi, dphi, h


def static_residual(dx, r_cells):
    alpha, dalpha, rho, press, phi, dphi, h = hydrostatic_profile(r_cells)
    e6 = np.exp(6.0 * phi)

    def face_FS(rf):
        a, _, _, p, ph, _, _ = hydrostatic_profile(rf)
        return a * np.exp(6.0 * ph) * p

    out = []
    for i, r in enumerate(r_cells):
        rm, rp = r - dx / 2, r + dx / 2
        metric = CellMetric(alpha[i], 0.0, math.exp(4.0 * phi[i]), e6[i], dalpha[i], 0.0,
                            4.0 * math.exp(4.0 * phi[i]) * dphi[i], 8.0 * dphi[i], 0.0, 0.0)
        res = cell_rhs(FORM_PARTIAL, (0.0, face_FS(rm), 0.0), (0.0, face_FS(rp), 0.0),
                       rm * rm, rp * rp, (rp**3 - rm**3) / 3.0, dx, rho[i], 0.0, press[i], 1.0,
                       h[i], metric, 2.0 / r)
        out.append(res)
    return np.array(out)


def test_static_profile_rhs_balance():
    r_cells = np.linspace(0.5, 6.0, 23)
    alpha, dalpha, rho, press, phi, dphi, h = hydrostatic_profile(r_cells)
    assert np.all(rho > 0)
    # scale of the individual terms: alpha e6phi e d_r alpha / alpha
    term = np.max(np.abs(np.exp(6 * phi) * rho * (1 + press / rho) * dalpha))
    res = {dx: static_residual(dx, r_cells) for dx in (0.2, 0.1, 0.05)}
    for rr in res.values():
        assert np.all(rr[:, 0] == 0.0) and np.all(rr[:, 2] == 0.0)   # no mass/energy change
    e = [np.max(np.abs(res[dx][:, 1])) for dx in (0.2, 0.1, 0.05)]
    assert e[-1] < 1e-3 * term
    orders = [math.log2(e[0] / e[1]), math.log2(e[1] / e[2])]
    assert all(1.9 <= q <= 2.1 for q in orders), orders


def test_static_profile_is_exact_balance_of_the_continuum_terms():
    """With the exact derivative of the face flux alpha e6phi P in place of the flux
    difference the residual is round-off: s_S = d_r(alpha e6phi P)."""
    r = np.linspace(0.5, 6.0, 23)
    alpha, dalpha, rho, press, phi, dphi, h = hydrostatic_profile(r)
    step = 1e-30
    ac, _, _, pc, phc, _, _ = hydrostatic_profile(r + 1j * step)
    dF = (ac * np.exp(6.0 * phc) * pc).imag / step
    for i in range(r.size):
        s_S, s_tau = source_terms(rho[i], 0.0, press[i], 1.0, h[i], alpha[i], 0.0,
                                  math.exp(4 * phi[i]), math.exp(6 * phi[i]), dalpha[i], 0.0,
                                  4.0 * math.exp(4 * phi[i]) * dphi[i], 8.0 * dphi[i], 0.0, 0.0)
        assert s_tau == 0.0
        assert s_S == pytest.approx(dF[i], rel=1e-10, abs=1e-15)


def test_valencia_formulation_names():
    atm = AtmosphereParams()
    assert ValenciaReferenceMetric(atmosphere=atm).formulation_id == FORM_PARTIAL
    assert ValenciaReferenceMetric(atmosphere=atm, formulation="full").formulation_id == FORM_FULL
    with pytest.raises(ValueError):
        ValenciaReferenceMetric(atmosphere=atm, formulation="conservative")


def test_cell_metric_reads_the_packed_rows_by_name():
    """``CellMetric`` names rows 0-9 of the packed cell geometry, and ``cell_metric`` reads
    each field from the row of that name (distinct values, so a swapped row fails)."""
    assert CellMetric._fields == GeometryCache.CELL_FIELDS[:len(CellMetric._fields)]
    gc = np.arange(12 * 4, dtype=np.float64).reshape(12, 4)
    m = cell_metric(gc, 2)
    for k, name in enumerate(CellMetric._fields):
        assert getattr(m, name) == gc[k, 2]
