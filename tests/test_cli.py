"""Command line: output layout, clear errors for bad input, exit codes."""

import json
import subprocess
import sys
from pathlib import Path

import h5py
import numpy as np
import pytest

import TOVEvolution

ROOT = Path(__file__).resolve().parents[1]
SMALL = ["--num-points", "100", "--r-max", "20", "--steps", "40", "--timeseries-every", "5",
         "--snapshot-every", "20", "--quiet"]


def test_output_layout(tmp_path):
    out = tmp_path / "run.h5"
    assert TOVEvolution.main(SMALL + ["--output", str(out)]) == 0
    with h5py.File(out, "r") as f:
        cfg = json.loads(f.attrs["config"])
        assert cfg["num_points"] == 100 and cfg["recon"] == "mp5" and cfg["mode"] == "cowling"
        assert f.attrs["code_version"]
        assert "G = c = M_sun = 1" in f.attrs["units"]
        assert abs(f.attrs["tov_M_star"] - 1.40016) < 1e-5
        assert f.attrs["status"] == "completed"
        ts = f["timeseries"]
        for name in ("t", "rho_c", "rho_max", "v_c", "baryon_mass", "c2p_failures"):
            assert ts[name].shape == (9,)          # t = 0 plus every 5 of 40 steps
        np.testing.assert_array_equal(ts["step"][:], np.arange(0, 41, 5))
        np.testing.assert_allclose(np.diff(ts["t"][:]), 5 * 0.1 * 20 / 96.5, rtol=1e-12)
        assert sorted(f["snapshots"]) == ["000000000", "000000020", "000000040"]
        snap = f["snapshots/000000040"]
        for name in ("r", "rho0", "vr", "press", "eps", "W", "alpha", "D", "S_r", "tau"):
            assert snap[name].shape == (100,)
        assert abs(snap.attrs["t"] - 40 * 0.1 * 20 / 96.5) < 1e-12


def test_rerun_gives_identical_numbers(tmp_path):
    a, b = tmp_path / "a.h5", tmp_path / "b.h5"
    assert TOVEvolution.main(SMALL + ["--output", str(a)]) == 0
    assert TOVEvolution.main(SMALL + ["--output", str(b)]) == 0
    with h5py.File(a, "r") as fa, h5py.File(b, "r") as fb:
        for name in fa["timeseries"]:
            np.testing.assert_array_equal(fa["timeseries"][name][:], fb["timeseries"][name][:])
        np.testing.assert_array_equal(fa["snapshots/000000040/D"][:],
                                      fb["snapshots/000000040/D"][:])


@pytest.mark.parametrize("args,needle", [
    (["--mode", "bssn"], "--mode"),
    (["--mode", "bogus"], "--mode"),
    (["--num-points", "-5"], "--num-points"),
    (["--num-points", "10"], "--num-points"),
    (["--r-max", "5"], "--r-max"),
    (["--r-max", "-1"], "--r-max"),
    (["--cfl", "0"], "--cfl"),
    (["--cfl", "1.5"], "--cfl"),
    (["--recon", "ppm"], "--recon"),
    (["--riemann", "roe"], "--riemann"),
    (["--c2p", "magic"], "--c2p"),
    (["--eos", "tabulated"], "--eos"),
    (["--K", "0"], "--K"),
    (["--gamma", "1"], "--gamma"),
    (["--rho-central", "-1e-3"], "--rho-central"),
    (["--t-final", "-3"], "--t-final"),
    (["--timeseries-every", "0"], "--timeseries-every"),
    (["--snapshot-every", "0"], "--snapshot-every"),
    (["--checkpoint-every", "-2"], "--checkpoint-every"),
    (["--threads", "0"], "--threads"),
    (["--threads", "100000"], "--threads"),
    (["--rho-floor", "1e-2"], "--rho-floor"),
    (["--formulation", "conservative"], "--formulation"),
    (["--path", "gpu"], "--path"),
    (["--outer-bc", "dirichlet"], "--outer-bc"),
    (["--eta", "-1"], "--eta"),
    (["--t-final", "5"], "--steps"),        # --steps is already given by the base line
    (["--output", "run.txt"], "--output"),
    # more memory than the machine has: the estimate and what there is, before any work
    (["--num-points", "2000000000"], "--num-points"),
    # a star denser than its EOS's causal limit
    (["--eos-id", "sly", "--rho-central", "0.5"], "--rho-central"),
])
def test_bad_input_exit_2_names_parameter(tmp_path, capsys, args, needle):
    out = tmp_path / "x.h5"
    base = ["--num-points", "100", "--r-max", "20", "--steps", "2", "--output", str(out)]
    assert TOVEvolution.main(base + args) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and needle in err[0]
    assert not out.exists()


def test_unstable_branch_warns_but_runs(tmp_path, capsys):
    """rho_c past the maximum-mass model is allowed, with a warning."""
    out = tmp_path / "u.h5"
    assert TOVEvolution.main(["--num-points", "100", "--r-max", "20", "--steps", "2",
                              "--rho-central", "4e-3", "--output", str(out), "--quiet"]) == 0
    assert "unstable branch" in capsys.readouterr().err
    assert out.exists()


def test_existing_output_refused(tmp_path, capsys):
    out = tmp_path / "keep.h5"
    out.write_bytes(b"precious")
    assert TOVEvolution.main(SMALL + ["--output", str(out)]) == 2
    assert "--overwrite" in capsys.readouterr().err
    assert out.read_bytes() == b"precious"


def test_script_runs_as_before(tmp_path):
    """`python TOVEvolution.py ...` in a subprocess: prints the star and a summary."""
    out = tmp_path / "s.h5"
    p = subprocess.run([sys.executable, str(ROOT / "TOVEvolution.py"), *SMALL, "--output",
                        str(out)], capture_output=True, text=True, cwd=tmp_path, timeout=300)
    assert p.returncode == 0, p.stderr
    assert "M = 1.400160" in p.stdout and "summary:" in p.stdout
    assert "cons2prim failures: 0" in p.stdout
    p = subprocess.run([sys.executable, str(ROOT / "TOVEvolution.py"), "--mode", "dynamic",
                        "--outer-bc", "radiative"], capture_output=True, text=True,
                       cwd=tmp_path, timeout=300)
    assert p.returncode == 2 and "--outer-bc" in p.stderr


def test_threads_recorded_in_output(tmp_path):
    out = tmp_path / "t.h5"
    assert TOVEvolution.main(SMALL + ["--threads", "1", "--output", str(out)]) == 0
    with h5py.File(out, "r") as f:
        assert f.attrs["numba_threads"] == 1 and f.attrs["kernels"] == "serial"
        assert json.loads(f.attrs["config"])["threads"] == "1"


def test_memory_error_says_what_is_needed_and_available(tmp_path, capsys):
    out = tmp_path / "x.h5"
    assert TOVEvolution.main(["--num-points", "2000000000", "--output", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert "GiB of memory" in err and "GiB available" in err and "\n" not in err
    assert not out.exists()


def test_tov_tool_refuses_a_star_above_the_causal_density(capsys):
    from source.initialdata import tov

    assert tov.main(["--eos-id", "sly", "--rho-central", "0.5"]) == 2
    captured = capsys.readouterr()
    err = captured.err.strip().splitlines()
    assert len(err) == 1 and "--rho-central" in err[0] and "c_s reaches 1" in err[0]
    assert captured.out == ""           # refused before the EOS is described


def test_sweep_refuses_a_star_above_the_causal_density(tmp_path, capsys):
    from source.sweep.__main__ import main as sweep_main

    spec = tmp_path / "sweep.toml"
    spec.write_text('output_dir = "out"\n[base]\neos_id = "sly"\nnum_points = 100\n'
                    'r_max = 20.0\nsteps = 2\n[vary]\nrho_central = [1e-3, 0.5]\n')
    assert sweep_main([str(spec), "--list"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "rho_central" in err[0] and "c_s reaches 1" in err[0]
    assert not (tmp_path / "out").exists()
