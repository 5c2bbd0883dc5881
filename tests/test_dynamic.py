"""The star coupled to BSSN (dynamic mode): equilibrium, rest-mass books, outer boundary,
robust stability, fused == modular, restart, and the coupled radial modes.

Linear theory of the standard star (K = 100, Gamma = 2, rho_c = 1.28e-3), coupled (full GR)
radial modes: F = 1.4425, H1 = 3.9540 kHz (``source.initialdata.radial_modes``; Font et al.
2002's linear-perturbation column 1.442 / 3.955).
"""

import h5py
import numba
import numpy as np
import pytest
from helpers import evolve_in_memory

import TOVEvolution
from source.bssn.bssnstatevariables import NUM_BSSN_VARS, idx_K, idx_lapse
from source.core.spacing import NUM_GHOSTS
from source.evolution import integrator
from source.evolution.analysis import bands_around, expected_modes, mode_frequencies
from source.evolution.simulation import RunConfig, build_simulation

I = slice(NUM_GHOSTS, -NUM_GHOSTS)


def col(sim, name):
    return sim.timeseries_fields.index(name)


def test_initial_data_rhs_is_truncation_level():
    """The static star's t = 0 RHS: metric rows at the FD truncation level inside the star,
    the lapse's only Kreiss-Oliger (K = 0), the hydro rows as in Cowling."""
    sim = build_simulation(RunConfig(mode="dynamic", num_points=200, r_max=20.0, steps=1))
    rhs = sim.evaluate_rhs()
    inside = (sim.grid.r < sim.tov.R_iso - 0.5)[I]
    for v in range(NUM_BSSN_VARS):
        assert np.max(np.abs(rhs[v, I][inside])) < 1e-8, v
    assert np.max(np.abs(rhs[idx_lapse, I][inside])) < 1e-9   # -2 alpha K + KO, K = 0
    assert np.max(np.abs(rhs[NUM_BSSN_VARS + 1, I][inside])) < 2.5e-8


def test_static_star_holds_and_books_close():
    """N = 200, r_max = 20, t = 200, plain scheme: the lapse holds to 1e-4, the density to
    the level of the Cowling run (bursts of central focusing of surface noise, ~1e-3,
    appear in both modes), the rest-mass books close to round-off, the ADM mass stays the
    star's. The issue's 1e-4 for the density is met by ``--well-balanced`` (to round-off:
    ``test_well_balanced.test_static_star_holds_to_round_off``)."""
    cfg = RunConfig(mode="dynamic", num_points=200, r_max=20.0, t_final=200.0, cfl=0.25,
                    timeseries_every=5, threads="1")
    sim, ts = evolve_in_memory(cfg)
    alpha = ts[:, col(sim, "alpha_c")]
    assert np.max(np.abs(alpha / alpha[0] - 1)) < 1e-4
    assert np.max(np.abs(ts[:, 1] / ts[0, 1] - 1)) < 2e-3
    m = ts[:, 5]
    assert np.max(np.abs((m - m[0]) + ts[:, 6] - ts[:, 7])) < 1e-13
    assert abs(m[-1] / m[0] - 1) < 1e-6
    assert np.max(np.abs(ts[:, col(sim, "adm_mass")] / sim.tov.M_star - 1)) < 1e-4
    assert ts[:, 8].sum() == 0


def test_hamiltonian_constraint_of_the_initial_data_converges_at_4th_order():
    errs = []
    for n in (100, 200, 400):
        sim = build_simulation(RunConfig(mode="dynamic", num_points=n, r_max=20.0, steps=1))
        sim.diagnostics_row()
        ham = sim.stepper.diag[0]
        inside = sim.grid.r < sim.tov.R_iso - 0.5
        errs.append(np.max(np.abs(ham[I][inside[I]])))
    orders = np.log2(np.array(errs[:-1]) / np.array(errs[1:]))
    assert np.all(orders > 3.7), (errs, orders)


@pytest.mark.parametrize("outer_bc, bound", [("sommerfeld", 1e-4), ("extrapolation", None)])
def test_frozen_matter_lapse(outer_bc, bound):
    """Hydro without hydro (sources of the initial data, no hydro evolution), r_max = 40,
    t = 200: with the radiative outer condition the central lapse holds; with the
    reference's extrapolation a gauge pulse from r_max collapses it (spec 3g)."""
    cfg = RunConfig(mode="dynamic", num_points=400, r_max=40.0, t_final=200.0, cfl=0.25,
                    timeseries_every=50, threads="1", outer_bc=outer_bc, frozen_matter=True)
    sim, ts = evolve_in_memory(cfg)
    drift = np.abs(ts[:, col(sim, "alpha_c")] - ts[0, col(sim, "alpha_c")]).max()
    if bound is not None:
        assert drift < bound
    else:
        assert drift > 0.1


def test_flat_space_with_noise_stays_bounded():
    """Robust stability: flat space (vacuum everywhere) with random noise of 1e-10 on
    every BSSN row stays at the noise level (no exponential growth) for t = 100."""
    sim = build_simulation(RunConfig(mode="dynamic", num_points=100, r_max=20.0, steps=1,
                                     timeseries_every=100, threads="1"))
    U = sim.U
    U[:NUM_BSSN_VARS] = 0.0
    U[idx_lapse] = 1.0
    atm = sim.hydro.atm_packed
    U[NUM_BSSN_VARS], U[NUM_BSSN_VARS + 1], U[NUM_BSSN_VARS + 2] = atm.rho_floor, 0.0, \
        atm.tau_atm
    sim.stepper.background[:] = U[:NUM_BSSN_VARS]
    noise = 1e-10 * np.random.default_rng(1).standard_normal((NUM_BSSN_VARS, U.shape[1]))
    U[:NUM_BSSN_VARS] += noise
    steps = int(100.0 / sim.config.dt)
    ts = np.zeros((steps // 100 + 2, len(sim.timeseries_fields)))
    code, done, rows, bad = sim.advance(steps, ts)
    assert code == integrator.RUN_OK
    flat = np.zeros(NUM_BSSN_VARS)
    flat[idx_lapse] = 1.0
    dev = np.max(np.abs(U[:NUM_BSSN_VARS, I] - flat[:, None]))
    assert np.all(np.isfinite(U)) and dev < 1e-8, dev


def test_fused_equals_modular():
    common = dict(mode="dynamic", num_points=120, r_max=20.0, steps=40, timeseries_every=10,
                  threads="1")
    a, ts_a = evolve_in_memory(RunConfig(path="fused", **common))
    b, ts_b = evolve_in_memory(RunConfig(path="modular", **common))
    scale = np.max(np.abs(a.U), axis=1, keepdims=True) + 1e-300
    assert np.max(np.abs(a.U - b.U) / scale) < 1e-11
    np.testing.assert_allclose(ts_a, ts_b, rtol=1e-9, atol=1e-16)


@pytest.mark.skipif(numba.config.NUMBA_NUM_THREADS < 2, reason="needs 2 Numba threads")
def test_parallel_kernels_equal_serial():
    common = dict(mode="dynamic", num_points=150, r_max=20.0, steps=30, timeseries_every=10)
    a, ts_a = evolve_in_memory(RunConfig(threads="1", **common))
    b, ts_b = evolve_in_memory(RunConfig(threads="2", **common))
    assert not a.use_parallel and b.use_parallel
    np.testing.assert_array_equal(a.U, b.U)
    np.testing.assert_array_equal(ts_a, ts_b)


@pytest.mark.parametrize("options", [{}, {"perturbation": "velocity", "well_balanced": True}])
def test_restart_is_bit_identical(tmp_path, options):
    """A run continued from a checkpoint written to and read back from an output file (the
    whole (15, N) state and the solver memory) reproduces the uninterrupted run bit for
    bit; a well-balanced one too (its offset recomputed by the new build)."""
    from source.evolution.output import RunWriter, read_restart

    cfg = RunConfig(mode="dynamic", num_points=120, r_max=20.0, steps=300,
                    timeseries_every=10, threads="1", **options)
    a, ts_a = evolve_in_memory(cfg)
    b = build_simulation(cfg)
    ts = np.zeros((40, len(b.timeseries_fields)))
    b.advance(150, ts)
    path = tmp_path / "ck.h5"
    w = RunWriter(path, cfg.to_dict(), b.tov.properties(), b.grid.r, cfg.dr,
                  b.timeseries_fields)
    w.write_checkpoint(b.checkpoint_state())
    w.close()
    _, state, _, _ = read_restart(str(path))
    c = build_simulation(cfg)
    if cfg.well_balanced:
        np.testing.assert_array_equal(c.stepper.offset, b.stepper.offset)
    c.restore(state)
    code, done, rows, _ = c.advance(150, ts)
    assert code == integrator.RUN_OK and done == 150
    np.testing.assert_array_equal(a.U, c.U)
    np.testing.assert_array_equal(ts_a[-rows:], ts[:rows])


def test_dynamic_time_series_and_snapshots(tmp_path):
    out = tmp_path / "d.h5"
    assert TOVEvolution.main(["--mode", "dynamic", "--num-points", "100", "--r-max", "20",
                              "--steps", "40", "--timeseries-every", "10",
                              "--snapshot-every", "20", "--quiet", "--output", str(out)]) == 0
    with h5py.File(out, "r") as f:
        for name in ("alpha_c", "K_c", "ham_l2_star", "ham_max", "mom_l2_star", "adm_mass"):
            assert f["timeseries"][name].shape == (5,)
        assert abs(f["timeseries/adm_mass"][0] / 1.40016 - 1) < 1e-3
        snap = f["snapshots/000000040"]
        for name in ("phi", "hrr", "K", "arr", "lambdar", "shiftr", "lapse", "ham", "mom"):
            assert snap[name].shape == (100,)
        assert f["checkpoint/U"].shape == (15, 100)


@pytest.mark.parametrize("args", [["--outer-bc", "dirichlet"], ["--eta", "-1"],
                                  ["--mode", "cowling", "--frozen-matter"]])
def test_bad_dynamic_options(tmp_path, capsys, args):
    out = tmp_path / "x.h5"
    base = ["--mode", "dynamic", "--num-points", "100", "--r-max", "20", "--steps", "2",
            "--output", str(out)]
    assert TOVEvolution.main(base + args) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and args[0] in err[0] or "--frozen-matter" in err[0]
    assert not out.exists()


def coupled_mode_check(cfg, tol_F, tol_H1):
    sim, ts = evolve_in_memory(cfg)
    expected = expected_modes(cfg.to_dict())
    got = mode_frequencies(ts[:, 0], ts[:, 1], bands_around(expected))
    assert abs(got["F"] / expected["F"] - 1) < tol_F, (got, expected)
    if tol_H1 is not None:
        assert abs(got["H1"] / expected["H1"] - 1) < tol_H1, (got, expected)
    m = ts[:, 5]
    return sim, ts, abs(m[-1] / m[0] - 1)


def test_coupled_fundamental_mode_short():
    """CI sibling of the slow run: N = 200, r_max = 30, t = 700 (5 F periods)."""
    cfg = RunConfig(mode="dynamic", num_points=200, r_max=30.0, t_final=700.0, cfl=0.25,
                    timeseries_every=5, threads="1")
    sim, ts, dm = coupled_mode_check(cfg, 0.02, None)
    assert dm < 5e-6
    assert ts[-1, 10] > 0.6        # no lapse collapse
    # Hamiltonian constraint in the star (ham_damping 0.03): measured 1.8x from t = 20 to
    # 700 (without it: 4.6x, and 95x larger at t = 700)
    ham = ts[:, sim.timeseries_fields.index("ham_l2_star")]
    i20 = np.argmin(np.abs(ts[:, 0] - 20.0))
    assert ham[-1] < 2.5 * ham[i20] and ham[-1] < 1e-6


@pytest.mark.slow
def test_coupled_modes_issue_run():
    """The issue's run: N = 400, r_max = 40, t = 1500, CFL 0.25: F within 0.5 % of
    1.4425 kHz, H1 within 1 % of 3.954 kHz, rest mass within 5e-6, the Hamiltonian
    constraint in the star grows at most 2x from t = 20 to 1500."""
    cfg = RunConfig(mode="dynamic", num_points=400, r_max=40.0, t_final=1500.0, cfl=0.25,
                    timeseries_every=10)
    sim, ts, dm = coupled_mode_check(cfg, 0.005, 0.01)
    assert dm < 5e-6
    ham = ts[:, sim.timeseries_fields.index("ham_l2_star")]
    i20 = np.argmin(np.abs(ts[:, 0] - 20.0))
    assert ham[-1] <= 2.0 * ham[i20]


@pytest.mark.slow
def test_coupled_modes_of_another_star():
    """A less compact star (K = 100, Gamma = 2, rho_c = 8e-4): measured F and H1 against its
    own linear coupled frequencies."""
    cfg = RunConfig(mode="dynamic", num_points=400, r_max=40.0, t_final=1500.0, cfl=0.25,
                    rho_central=8e-4, timeseries_every=10)
    _, ts, dm = coupled_mode_check(cfg, 0.005, 0.01)
    assert dm < 5e-6


def test_K_row_is_evolved():
    """Sanity of the row layout: the K row responds to a lapse perturbation."""
    sim = build_simulation(RunConfig(mode="dynamic", num_points=100, r_max=20.0, steps=1))
    U = sim.U.copy()
    U[idx_lapse, I] *= 1.0 + 1e-3 * np.sin(np.linspace(0, 3, U.shape[1] - 6))
    rhs = sim.evaluate_rhs(U=U)
    assert np.max(np.abs(rhs[idx_K, I])) > 1e-6
