"""Parameter sweeps on Dask (``source.sweep``): sweep files, runs on a local cluster,
failures, resume, an existing scheduler, the summary table, the studies."""

import os
import textwrap
from pathlib import Path

import h5py
import numpy as np
import pytest

pytest.importorskip("distributed")

from source.evolution.runner import run  # noqa: E402
from source.evolution.simulation import RunConfig  # noqa: E402
from source.sweep import SweepError, load_sweep, run_name, run_sweep  # noqa: E402
from source.sweep.__main__ import main  # noqa: E402
from source.sweep.cluster import local_cluster  # noqa: E402
from source.sweep.studies import fitted_order, observed_orders, richardson  # noqa: E402
from source.sweep.summary import read_summary  # noqa: E402
from source.sweep.tasks import plan_run, run_task  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
LOG = []


def _log(*args, **kwargs):
    LOG.append(" ".join(str(a) for a in args))


def _sweep_file(tmp_path, body, name="sweep.toml"):
    path = tmp_path / name
    path.write_text(f'output_dir = "{tmp_path / "out"}"\n' + textwrap.dedent(body))
    return path


# ------------------------------------------------------------------ sweep files (no Dask)
def test_product_zip_range_and_base_file(tmp_path):
    (tmp_path / "run.toml").write_text("[grid_and_time]\nnum_points = 100\nr_max = 30.0\n")
    path = _sweep_file(tmp_path, """
        [base]
        file = "run.toml"
        r_max = 20.0
        steps = 10
        [vary]
        recon = ["mc", "mp5"]
        rho_central = {start = 1e-3, stop = 4e-3, num = 3, scale = "log"}
        [zip]
        num_points = [100, 200]
        timeseries_every = [5, 10]
        """)
    sweep = load_sweep(path)
    assert len(sweep.runs) == 2 * 3 * 2
    assert sweep.varied == ("recon", "rho_central", "num_points", "timeseries_every")
    first = sweep.runs[0]
    assert first.config["r_max"] == 20.0 and first.config["steps"] == 10   # table > file
    assert [r.params["rho_central"] for r in sweep.runs[:6:2]] == [1e-3, 2e-3, 4e-3]
    assert {(r.params["num_points"], r.params["timeseries_every"]) for r in sweep.runs} \
        == {(100, 5), (200, 10)}
    assert first.name == "recon-mc__rho_central-0.001__num_points-100__timeseries_every-5"
    assert first.output == tmp_path / "out" / f"{first.name}.h5"
    assert len({r.name for r in sweep.runs}) == len(sweep.runs)
    # a base file alone, given as a top-level string
    path2 = _sweep_file(tmp_path, 'base = "run.toml"\n[vary]\nK = [90, 100.5]\n', "b.toml")
    sweep2 = load_sweep(path2)
    assert [r.config["K"] for r in sweep2.runs] == [90.0, 100.5]
    assert sweep2.runs[0].config["r_max"] == 30.0


def test_run_names_are_stable_and_filesystem_safe():
    assert run_name({}) == "run"
    assert run_name({"num_points": 400, "cfl": 0.25}) == "num_points-400__cfl-0.25"
    assert run_name({"rho_central": 1.28e-3}) == "rho_central-0.00128"
    assert run_name({"threads": "a/b c"}) == "threads-a_b_c"
    long = run_name({"perturbation_mode": "x" * 300})
    assert len(long) <= 160 and long == run_name({"perturbation_mode": "x" * 300})


@pytest.mark.parametrize("body, key", [
    ("[vary]\nnum_pointz = [100]\n", "num_pointz"),
    ("[vary]\nnum_points = [10, 100]\n", "--num-points"),
    ("[vary]\nrecon = [\"mp7\"]\n", "--recon"),
    ("[zip]\nnum_points = [100, 200]\ncfl = [0.1]\n", "cfl"),
    ("[vary]\ncfl = {start = 0.1, stop = 0.2}\n", "num"),
    ("[vary]\ncfl = \"fast\"\n", "cfl"),
    ("[base]\ncolour = 1\n", "colour"),
    ("nonsense = 1\n", "nonsense"),
    ("study = \"convergence\"\n[vary]\nnum_points = [100, 200]\n", "convergence"),
])
def test_invalid_sweep_is_one_line_naming_the_key_exit_2(tmp_path, capsys, body, key):
    path = _sweep_file(tmp_path, body)
    assert main([str(path)]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and key in err
    assert not (tmp_path / "out").exists()         # nothing written, no cluster started


def test_csv_cells_are_plain_numbers():
    from source.sweep.summary import _csv_text

    assert _csv_text(np.float64(2.5)) == "2.5" and _csv_text(np.int64(3)) == "3"
    assert _csv_text(float("nan")) == _csv_text(None) == ""
    assert _csv_text(True) == "true"


def test_orders_and_richardson_on_a_model():
    h = np.array([0.2, 0.1, 0.05])
    q = 1.5 + 3.0 * h**2
    assert np.allclose(observed_orders(h, q - 1.5), 2.0)
    assert fitted_order(h, q - 1.5) == pytest.approx(2.0)
    p, q0 = richardson(h, q)
    assert p == pytest.approx(2.0, abs=1e-9) and q0 == pytest.approx(1.5, abs=1e-12)
    h2 = np.array([0.3, 0.17, 0.05])               # unequal ratios
    p, q0 = richardson(h2, 2.0 - 0.7 * h2**1.5)
    assert p == pytest.approx(1.5, abs=1e-8) and q0 == pytest.approx(2.0, abs=1e-10)
    assert np.isnan(richardson(h, [1.0, 2.0, 1.0])[0])


# ------------------------------------------------------------------ on a local cluster
FOUR_RUNS = """
    [base]
    num_points = 100
    steps = 40
    [zip]
    mode = ["cowling", "cowling", "cowling", "dynamic"]
    r_max = [20.0, 20.0, 8.0, 20.0]
    cfl = [0.1, 0.2, 0.1, 1.0]
    """


def _interrupt_at_step(step):
    def reporter(cfg, sim, row0):
        def check(s, wall, rate):
            if s.step >= step:
                raise KeyboardInterrupt
        return check
    return reporter


def test_failures_resume_and_summary(tmp_path):
    """Two good runs, one that raises in the worker (r_max inside the star), one that stops
    (dynamic at CFL 1: non-finite values, exit code 1); a rerun keeps the finished runs,
    continues an interrupted one from its checkpoint and redoes the failed ones."""
    sweep = load_sweep(_sweep_file(tmp_path, FOUR_RUNS))
    good, good2, raises, stops = sweep.runs
    assert raises.name == "mode-cowling__r_max-8__cfl-0.1"
    LOG.clear()
    result = run_sweep(sweep, n_workers=2, log=_log)
    assert result.code == 1
    assert result.counts == {"runs": 4, "finished": 2, "failed": 2, "kept": 0, "ran": 4,
                             "unfinished": 0}
    text = "\n".join(LOG)
    assert "local Dask cluster: 2 worker processes" in text and "dashboard http" in text
    assert "workers' Numba threads: 1 (NUMBA_NUM_THREADS=1)" in text
    assert "warming the Numba cache in one worker" in text
    assert "[4/4]" in text and "ETA" in text

    rows = {r["name"]: r for r in read_summary(tmp_path / "out" / "summary.csv")}
    rows_h5 = {r["name"]: r for r in read_summary(tmp_path / "out" / "summary.h5")}
    assert list(rows) == [r.name for r in sweep.runs] == list(rows_h5)
    g = rows[good.name]
    assert (g["mode"], g["r_max"], g["cfl"], g["status"], g["action"]) == \
        ("cowling", 20.0, 0.1, "completed", "ran")
    assert g["M"] == pytest.approx(1.400160, abs=1e-6)
    assert g["R_iso"] == pytest.approx(8.125144, abs=1e-6)
    assert g["R_schw"] == pytest.approx(9.585624, abs=1e-6)
    assert g["C"] == pytest.approx(1.400160 / 9.585624, rel=1e-6)
    assert g["F_linear"] == pytest.approx(2.686, abs=1e-3)
    assert g["H1_linear"] == pytest.approx(4.549, abs=1e-3)
    assert g["F_measured"] is None                 # 40 steps: far too short for a spectrum
    assert g["steps"] == 40 and g["numba_threads"] == 1 and g["wall_seconds"] > 0
    assert all(row["worker_threads"] == 1 for row in rows.values())    # pinned workers
    assert abs(g["rest_mass_drift"]) < 1e-6 and g["c2p_failures"] == 0
    assert g["ham_l2_star"] is None and np.isnan(rows_h5[good.name]["ham_l2_star"])
    assert rows_h5[good.name]["M"] == g["M"]
    r = rows[raises.name]
    assert r["status"].startswith("failed: ConfigError: --r-max") and "--r-max" in r["error"]
    assert r["output"] == "" and not raises.output.exists()
    s = rows[stops.name]
    assert s["status"].startswith("failed: non-finite") and "non-finite" in s["error"]
    assert s["F_linear"] == pytest.approx(1.4425, abs=1e-3)           # coupled theory
    assert s["ham_l2_star_0"] > 0 and s["alpha_c_min"] > 0             # dynamic columns
    assert stops.output.exists()

    # a run interrupted in the middle (as by Ctrl-C or a batch limit): continued, not redone
    with h5py.File(good2.output) as f:
        reference = f["timeseries/rho_c"][:]
    res = run(good2.run_config(), good2.output, overwrite=True, log=_log,
              progress=_interrupt_at_step(20))
    assert res.code == 130 and plan_run(good2.output, good2.config) == "restart"
    mtime = good.output.stat().st_mtime_ns
    LOG.clear()
    result = run_sweep(sweep, n_workers=2, log=_log)
    assert result.code == 1
    assert "4 runs into" in LOG[0] and "1 finished before (kept), 3 to run (1 continue" \
        in LOG[0]
    rows = {r["name"]: r for r in read_summary(tmp_path / "out" / "summary.csv")}
    assert rows[good.name]["action"] == "kept" and good.output.stat().st_mtime_ns == mtime
    assert rows[good2.name]["action"] == "continued"
    assert rows[good2.name]["status"] == "completed"
    with h5py.File(good2.output) as f:
        np.testing.assert_array_equal(f["timeseries/rho_c"][:], reference)
        assert f.attrs["restart_step"] >= 20
    assert rows[raises.name]["action"] == "ran" and rows[stops.name]["action"] == "ran"
    assert rows[raises.name]["status"].startswith("failed")
    assert not list((tmp_path / "out").glob("*.tmp"))


def test_existing_scheduler_and_convergence_study(tmp_path):
    """A sweep on a scheduler that is already running (its workers pinned to one Numba
    thread) and the convergence study on three resolutions: rho_c error of order ~2."""
    path = _sweep_file(tmp_path, """
        study = "convergence"
        [base]
        r_max = 20.0
        t_final = 10.0
        recon = "mc"
        [vary]
        num_points = [100, 200, 400]
        """)
    sweep = load_sweep(path)
    with local_cluster(2, dashboard_address=":0") as cluster:
        LOG.clear()
        result = run_sweep(sweep, scheduler=cluster.scheduler_address, log=_log)
        assert f"Dask scheduler {cluster.scheduler_address}: 2 workers" in "\n".join(LOG)
        assert len(cluster.workers) == 2                     # the cluster is left running
    assert result.code == 0
    study = result.study
    assert study.kind == "convergence"
    assert 1.8 < study.data["rho_c_order"] < 2.5
    assert 1.8 < study.data["rho_c_order_fit"] < 2.5
    assert 1.5 < study.data["richardson_order"] < 2.5
    # the Richardson rest mass is closer to the TOV value than the finest grid
    m_tov = study.data["rest_mass_tov"]
    assert abs(study.data["richardson_rest_mass"] - m_tov) < \
        0.2 * abs(study.data["rest_mass"][-1] - m_tov)
    out = tmp_path / "out"
    for name in ("convergence.png", "convergence.txt", "convergence.json", "summary.h5"):
        assert (out / name).stat().st_size > 0
    assert "rho_c: observed order" in (out / "convergence.txt").read_text()
    rows = read_summary(out / "summary.h5")
    assert [r["num_points"] for r in rows] == [100, 200, 400]
    assert all(r["numba_threads"] == 1 and r["worker_threads"] == 1 for r in rows)
    # everything finished: a rerun starts no cluster and only redoes the study
    LOG.clear()
    assert run_sweep(sweep, log=_log).code == 0
    assert not any("Dask" in line for line in LOG) and "3 finished before" in LOG[0]


def _exit_at_step(step):
    def reporter(cfg, sim, row0):
        def check(s, wall, rate):
            if s.step >= step:
                os._exit(3)
        return check
    return reporter


def dying_task(spec):
    """A task whose worker process dies (as in an out-of-memory kill): always for the run
    with cfl = 0.2, once in the middle of its run (step 20 of 40) for cfl = 0.3."""
    cfl = spec["params"].get("cfl")
    if cfl == 0.2:
        os._exit(3)
    marker = Path(spec["output"] + ".died")
    if cfl == 0.3 and not marker.exists():
        marker.touch()
        run(RunConfig(**spec["config"]), spec["output"], overwrite=True, log=_log,
            progress=_exit_at_step(20))
    return run_task(spec)


def test_dead_worker_loses_only_its_run(tmp_path):
    """A worker that dies takes only its run: Dask runs it again on another worker, which
    continues from the run's checkpoint; after allowed-failures deaths it is failed."""
    import dask

    body = FOUR_RUNS.replace('"cowling", "cowling", "cowling", "dynamic"',
                             '"cowling", "cowling", "cowling", "cowling"').replace(
        "r_max = [20.0, 20.0, 8.0, 20.0]", "r_max = [20.0, 20.0, 20.0, 20.0]").replace(
        "cfl = [0.1, 0.2, 0.1, 1.0]", "cfl = [0.1, 0.2, 0.3, 0.4]")
    sweep = load_sweep(_sweep_file(tmp_path, body))
    with dask.config.set({"distributed.scheduler.allowed-failures": 1}):
        result = run_sweep(sweep, n_workers=2, log=_log, task=dying_task)
    assert result.code == 1
    rows = [result.rows[r.name] for r in sweep.runs]
    assert rows[1]["status"].startswith("failed: worker died") and "KilledWorker" in \
        rows[1]["error"]                               # died twice: given up
    assert rows[2]["status"] == "completed" and rows[2]["action"] == "continued"
    with h5py.File(sweep.runs[2].output) as f:         # retried from its checkpoint
        assert f.attrs["restart_step"] >= 20 and f["timeseries/step"][-1] == 40
    assert rows[0]["status"] == rows[3]["status"] == "completed"


@pytest.mark.slow
def test_example_convergence_sweep(tmp_path, capsys):
    """examples/sweeps/convergence.toml: the README's Cowling convergence set (MC + HLL,
    N = 100, 200, 400, t = 50) with an order near 2 for rho_c; the short sibling is
    test_existing_scheduler_and_convergence_study."""
    args = [str(ROOT / "examples/sweeps/convergence.toml"), "--output-dir", str(tmp_path)]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "rho_c: observed order" in out
    import json

    data = json.loads((tmp_path / "convergence.json").read_text())
    assert 1.9 < data["rho_c_order"] < 2.4
    assert main(args) == 0
    assert "3 finished before (kept), 0 to run" in capsys.readouterr().out


def test_example_sweep_files_are_valid():
    for name in ("convergence", "sequence", "eight_stars"):
        sweep = load_sweep(ROOT / "examples" / "sweeps" / f"{name}.toml")
        assert all(RunConfig(**r.config).validate() for r in sweep.runs)
    assert len(load_sweep(ROOT / "examples/sweeps/eight_stars.toml").runs) == 8
    assert len(load_sweep(ROOT / "examples/sweeps/sequence.toml").runs) >= 6
    with pytest.raises(SweepError, match="no such sweep file"):
        load_sweep(ROOT / "examples" / "sweeps" / "missing.toml")
