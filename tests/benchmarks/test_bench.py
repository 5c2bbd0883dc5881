"""pytest-benchmark figures for both paths (``make bench``).

In the normal test run these execute once with ``--benchmark-disable`` semantics (they are
correctness smoke tests there); ``make bench`` times them and writes
``profiling/benchmarks.json`` plus a table with the fused/modular ratio. Timings are never
asserted. JIT compilation happens in the fixtures, outside the timed region.
"""

import numpy as np
import pytest

from source.evolution import integrator
from source.evolution.benchmark import benchmark_simulation, evolved_state
from source.evolution.simulation import RunConfig, build_simulation
from source.matter.hydro.cons2prim import cons_to_prim_array

pytestmark = pytest.mark.benchmark


def _sim(path, n):
    sim = build_simulation(RunConfig(num_points=n, r_max=20.0 if n <= 400 else 100.0,
                                     steps=100, path=path, timeseries_every=100,
                                     threads="1"))
    sim.warmup()
    return sim


@pytest.fixture(scope="module", params=[400, 2000], ids=["N400", "N2000"])
def sims(request):
    return {p: _sim(p, request.param) for p in ("fused", "modular")}


def _rhs_callable(sim):
    rhs = np.zeros_like(sim.U)
    U = sim.U.copy()

    def call():
        return sim.evaluate_rhs(rhs, U)
    return call


@pytest.mark.parametrize("path", ["fused", "modular"])
def test_rhs_evaluation(benchmark, sims, path):
    sim = sims[path]
    benchmark.group = f"rhs N={sim.grid.N}"
    out = benchmark(_rhs_callable(sim))
    assert np.all(np.isfinite(out))


def _steps(sim, n, state=None):
    state = sim.checkpoint_state() if state is None else state
    ts = np.zeros((n + 2, len(sim.timeseries_fields)))

    def call():
        sim.restore(state)
        code, done, rows, bad = sim.advance(n, ts)
        assert code == integrator.RUN_OK
        return done
    return call


@pytest.mark.parametrize("path", ["fused", "modular"])
def test_one_rk4_step(benchmark, sims, path):
    sim = sims[path]
    benchmark.group = f"1 RK4 step N={sim.grid.N}"
    assert benchmark(_steps(sim, 1)) == 1


@pytest.mark.parametrize("path", ["fused", "modular"])
def test_100_rk4_steps(benchmark, sims, path):
    sim = sims[path]
    benchmark.group = f"100 RK4 steps N={sim.grid.N}"
    assert benchmark.pedantic(_steps(sim, 100), rounds=5, iterations=1) == 100


@pytest.fixture(scope="module")
def sustained():
    """Both paths at N = 400 and the state of the fused run evolved to t = 300."""
    sims = {p: _sim(p, 400) for p in ("fused", "modular")}
    return sims, evolved_state(sims["fused"])


@pytest.mark.parametrize("path", ["fused", "modular"])
def test_100_rk4_steps_sustained(benchmark, sustained, path):
    """100 steps from t = 300 (the atmosphere next to the surface is no longer static)."""
    sims, state = sustained
    benchmark.group = "100 RK4 steps from t=300 N=400"
    assert benchmark.pedantic(_steps(sims[path], 100, state), rounds=5, iterations=1) == 100


@pytest.fixture(scope="module")
def dynamic_sims():
    return {p: benchmark_simulation(400, p, mode="dynamic") for p in ("fused", "modular")}


@pytest.mark.slow        # make bench runs it; CI runs the Cowling benchmarks
@pytest.mark.parametrize("path", ["fused", "modular"])
def test_dynamic_rhs_evaluation(benchmark, dynamic_sims, path):
    sim = dynamic_sims[path]
    benchmark.group = "dynamic rhs N=400"
    out = benchmark(_rhs_callable(sim))
    assert np.all(np.isfinite(out))


@pytest.mark.slow        # make bench runs it; CI runs the Cowling benchmarks
@pytest.mark.parametrize("path", ["fused", "modular"])
def test_dynamic_100_rk4_steps(benchmark, dynamic_sims, path):
    """The old code's JAX-port timing: N = 400, r_max = 40, CFL 0.25."""
    sim = dynamic_sims[path]
    benchmark.group = "dynamic 100 RK4 steps N=400"
    assert benchmark.pedantic(_steps(sim, 100), rounds=3, iterations=1) == 100


@pytest.mark.parametrize("c2p", ["kastaun", "newton"])
def test_c2p_per_cell(benchmark, c2p):
    """cons2prim of 10^4 star-like cells (one call; divide by 1e4 for per-cell cost)."""
    from source.matter.eos.eos import IdealGasEOS
    from source.matter.hydro.atmosphere import AtmosphereParams
    from source.matter.hydro.cons2prim import C2P_METHODS, prim_to_cons
    from source.matter.hydro.geometry import GeometryState

    n = 10_000
    rng = np.random.default_rng(0)
    rho = 10 ** rng.uniform(-6, -2.9, n)
    p = 100 * rho**2
    v = rng.uniform(-0.05, 0.05, n)
    geom = GeometryState(np.ones(n), np.zeros(n), rng.uniform(1, 2, n), np.ones(n))
    eos = IdealGasEOS(2.0)
    atm = AtmosphereParams()
    D, S, tau = prim_to_cons(rho, v, p, geom, eos)
    out = [np.empty(n) for _ in range(6)]
    status = np.empty(n, dtype=np.int8)
    iters = np.empty(n, dtype=np.int32)
    guess = p * (1 + 1e-6)
    packed = atm.packed(eos)

    def call():
        cons_to_prim_array((D, S, tau), geom.gamma_rr, geom.e6phi, eos.params, packed,
                           C2P_METHODS[c2p], guess, 1e-13, 100, tuple(out), status, iters)
        return out[0]
    benchmark.group = "c2p 1e4 cells"
    rec = benchmark(call)
    np.testing.assert_allclose(rec, rho, rtol=1e-10)
