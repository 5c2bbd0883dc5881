"""Checkpoint, restart after SIGKILL, failure handling during evolution."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import h5py
import numpy as np
import pytest

import TOVEvolution
from source.evolution import integrator
from source.evolution.output import RunWriter, read_restart
from source.evolution.runner import restart_config
from source.evolution.simulation import ConfigError, RunConfig, build_simulation, evolve

ROOT = Path(__file__).resolve().parents[1]
RUN = ["--num-points", "400", "--r-max", "20", "--steps", "6000", "--timeseries-every", "10",
       "--snapshot-every", "500", "--checkpoint-every", "250", "--quiet"]


def assert_same_output(a, b):
    with h5py.File(a, "r") as fa, h5py.File(b, "r") as fb:
        for k in fa["timeseries"]:
            np.testing.assert_array_equal(fa["timeseries"][k][:], fb["timeseries"][k][:],
                                          err_msg=k)
        assert sorted(fa["snapshots"]) == sorted(fb["snapshots"])
        for s in fa["snapshots"]:
            for v in fa["snapshots"][s]:
                np.testing.assert_array_equal(fa["snapshots"][s][v][:],
                                              fb["snapshots"][s][v][:], err_msg=f"{s}/{v}")


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory):
    out = tmp_path_factory.mktemp("ref") / "a.h5"
    assert TOVEvolution.main(RUN + ["--output", str(out)]) == 0
    return out


def test_sigkill_then_restart_is_bit_identical(tmp_path, uninterrupted):
    """Kill -9 a run mid-way: the file left is readable and holds every step up to its last
    checkpoint; --restart-from reproduces the uninterrupted run bit for bit."""
    out = tmp_path / "b.h5"
    proc = subprocess.Popen([sys.executable, str(ROOT / "TOVEvolution.py"), *RUN,
                             "--output", str(out)], cwd=tmp_path, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    deadline = time.time() + 240
    killed_at = None
    while time.time() < deadline and proc.poll() is None:
        if out.exists():
            try:
                with h5py.File(out, "r") as f:
                    step = int(f["checkpoint"].attrs["step"])
            except (OSError, KeyError):
                step = 0
            if step >= 1000:
                os.kill(proc.pid, signal.SIGKILL)
                killed_at = step
                break
        time.sleep(0.02)
    proc.wait()
    if killed_at is None:
        pytest.skip("run finished before it could be killed (machine too fast)")
    with h5py.File(out, "r") as f:                       # readable, consistent
        ck = int(f["checkpoint"].attrs["step"])
        assert ck >= killed_at
        assert f.attrs["status"].startswith("checkpoint at step")
        steps = f["timeseries/step"][:]
        assert steps[0] == 0 and np.all(np.diff(steps) == 10) and steps[-1] >= ck
    restarted = tmp_path / "c.h5"
    assert TOVEvolution.main(["--restart-from", str(out), "--output", str(restarted),
                              "--quiet"]) == 0
    assert_same_output(uninterrupted, restarted)
    with h5py.File(restarted, "r") as f:
        assert f.attrs["status"] == "completed"
        assert int(f.attrs["restart_step"]) == ck


def test_restart_with_changed_parameter_refused(tmp_path, uninterrupted, capsys):
    """A restart continues the same run: a different physics option is refused (exit 2,
    nothing written); restarting a completed run just reproduces it."""
    code = TOVEvolution.main(["--restart-from", str(uninterrupted), "--output",
                              str(tmp_path / "x.h5"), "--recon", "mc"])
    assert code == 2
    assert "--recon: differs from the restart file" in capsys.readouterr().err
    assert not (tmp_path / "x.h5").exists()
    again = tmp_path / "again.h5"
    assert TOVEvolution.main(["--restart-from", str(uninterrupted), "--output", str(again),
                              "--quiet"]) == 0
    assert_same_output(uninterrupted, again)


@pytest.mark.parametrize("content,needle", [
    (None, "does not exist"),
    (b"not an hdf5 file", "cannot read"),
])
def test_bad_restart_file(tmp_path, capsys, content, needle):
    src = tmp_path / "r.h5"
    if content is not None:
        src.write_bytes(content)
    out = tmp_path / "o.h5"
    assert TOVEvolution.main(["--restart-from", str(src), "--output", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--restart-from" in err[0] and needle in err[0]
    assert not out.exists()


def test_restart_file_without_checkpoint(tmp_path, capsys):
    src = tmp_path / "plain.h5"
    with h5py.File(src, "w") as f:
        f.attrs["code"] = "tovflow"
    assert TOVEvolution.main(["--restart-from", str(src), "--output",
                              str(tmp_path / "o.h5")]) == 2
    assert "no /checkpoint" in capsys.readouterr().err


def test_nan_stops_run_and_keeps_data(tmp_path):
    """A non-finite value in the evolved state stops the run with the step, time and radius,
    restores the last good state, and the output keeps everything written so far."""
    sim = build_simulation(RunConfig(num_points=200, r_max=20.0, steps=400,
                                     timeseries_every=10, snapshot_every=100))
    out = tmp_path / "nan.h5"
    writer = RunWriter(out, sim.config.to_dict(), sim.tov.properties(), sim.grid.r,
                       sim.config.dr)
    calls = {"n": 0}

    def poison(s, wall, rate):          # progress hook: corrupt the state after a chunk
        calls["n"] += 1
        if s.step >= 200:
            s.U[1, 60] = np.nan
    code, bad, _ = evolve(sim, writer, poison, chunk_seconds=1e-9)
    writer.close(status="failed")
    assert code == integrator.RUN_NONFINITE
    assert bad == 60
    assert np.all(np.isfinite(sim.U[:, 3:-3]) | (np.arange(sim.grid.N)[3:-3] == 60))
    with h5py.File(out, "r") as f:
        assert f["timeseries/step"][-1] >= 200
        assert f"{sim.step:09d}" in f["snapshots"]


def test_cli_failure_exit_code_1(tmp_path, capsys, monkeypatch):
    """The CLI turns an evolution failure into one clear message and exit code 1."""
    from source.evolution import simulation

    original = simulation.Simulation.advance

    def failing_advance(self, n, ts):
        code, done, rows, bad = original(self, min(n, 5), ts)
        if self.step >= 20:
            return integrator.RUN_C2P_FAILURE, done, rows, 77
        return code, done, rows, bad
    monkeypatch.setattr(simulation.Simulation, "advance", failing_advance)
    out = tmp_path / "f.h5"
    code = TOVEvolution.main(["--num-points", "200", "--r-max", "20", "--steps", "100",
                              "--output", str(out), "--quiet"])
    assert code == 1
    err = capsys.readouterr().err
    assert "cons2prim failure" in err and "cell 77" in err and "r = " in err
    with h5py.File(out, "r") as f:
        assert f.attrs["status"].startswith("failed")
        assert f["timeseries/step"][-1] >= 20


@pytest.mark.parametrize("sig,code,word", [(signal.SIGINT, 130, "interrupted"),
                                           (signal.SIGTERM, 143, "terminated")])
def test_interrupt_and_terminate_keep_a_restartable_output(tmp_path, sig, code, word):
    """Ctrl-C / SIGTERM: exit 130 / 143, the output is committed with its status and can be
    restarted from its last checkpoint."""
    out = tmp_path / "i.h5"
    proc = subprocess.Popen([sys.executable, str(ROOT / "TOVEvolution.py"), "--num-points",
                             "400", "--r-max", "20", "--steps", "400000",
                             "--checkpoint-every", "2000", "--quiet", "--output", str(out)],
                            cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            text=True, preexec_fn=lambda: signal.signal(signal.SIGINT,
                                                                        signal.SIG_DFL))
    deadline = time.time() + 240
    while time.time() < deadline:            # wait for a checkpoint past the start
        try:
            with h5py.File(out, "r") as f:
                if int(f["checkpoint"].attrs["step"]) >= 2000:
                    break
        except (OSError, KeyError):
            pass
        time.sleep(0.05)
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == code, err
    assert word in err and "--restart-from" in err
    with h5py.File(out, "r") as f:
        assert f.attrs["status"].startswith(word)
        ck = int(f["checkpoint"].attrs["step"])
    assert not Path(str(out) + ".partial").exists()
    config, state, timeseries, snapshots = read_restart(str(out))   # restartable
    assert state["step"] == ck > 0 and config["steps"] == 400000
    assert timeseries["step"][-1] == ck


def test_well_balanced_restart_is_bit_identical_and_keeps_the_option(tmp_path, capsys):
    """--well-balanced: a run of 80 steps equals 40 steps continued to 80 from the output
    (the restart rebuilds L_h(U_eq) exactly); a restart keeps the option and refuses to
    change it (physics)."""
    run = ["--num-points", "100", "--r-max", "20", "--timeseries-every", "10",
           "--snapshot-every", "20", "--perturbation", "velocity", "--quiet"]
    full = tmp_path / "full.h5"
    assert TOVEvolution.main(run + ["--well-balanced", "--steps", "80", "--output",
                                    str(full)]) == 0
    first = tmp_path / "first.h5"
    assert TOVEvolution.main(run + ["--well-balanced", "--steps", "40", "--output",
                                    str(first)]) == 0
    ext = tmp_path / "ext.h5"
    assert TOVEvolution.main(["--restart-from", str(first), "--steps", "80", "--quiet",
                              "--output", str(ext)]) == 0
    assert_same_output(full, ext)
    with h5py.File(ext, "r") as f:
        assert '"well_balanced": true' in f.attrs["config"]
    with pytest.raises(ConfigError, match="--well-balanced: differs from the restart file"):
        restart_config(first, well_balanced=False)
    plain = tmp_path / "plain.h5"
    assert TOVEvolution.main(run + ["--steps", "40", "--output", str(plain)]) == 0
    capsys.readouterr()
    assert TOVEvolution.main(["--restart-from", str(plain), "--steps", "80",
                              "--well-balanced", "--output", str(tmp_path / "x.h5")]) == 2
    assert "--well-balanced: differs from the restart file" in capsys.readouterr().err
    assert not (tmp_path / "x.h5").exists()
