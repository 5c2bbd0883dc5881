"""Post-processing: spectral peak finder on a synthetic signal, run summary and plots, and
the command line on files that are not tovflow outputs."""

import subprocess
import sys
from pathlib import Path

import h5py
import numpy as np
import pytest

import TOVEvolution
from source.evolution.analysis import main, mode_frequencies, summarize_run
from source.units import MSUN_SECONDS

ROOT = Path(__file__).resolve().parents[1]


def test_mode_frequencies_of_a_synthetic_signal():
    """Three damped sinusoids at known frequencies (in kHz) are recovered to 0.2 %."""
    t = np.arange(0.0, 1000.0, 0.05)                      # M_sun
    f_true = {"F": 2.686, "H1": 4.549, "H2": 6.341}
    sig = sum(a * np.sin(2 * np.pi * f * 1e3 * MSUN_SECONDS * t + ph) * np.exp(-t / 3000)
              for a, f, ph in zip((3.0, 1.0, 0.5), f_true.values(), (0.1, 0.7, 1.3),
                                  strict=True))
    got = mode_frequencies(t, 1.0 + 1e-4 * sig)
    for k, f in f_true.items():
        assert abs(got[k] / f - 1) < 2e-3, (k, got[k])


def test_summary_and_plots(tmp_path, capsys):
    out = tmp_path / "run.h5"
    assert TOVEvolution.main(["--num-points", "100", "--r-max", "20", "--t-final", "160",
                              "--cfl", "0.4", "--output", str(out), "--quiet"]) == 0
    text = summarize_run(out)
    assert "radial modes from rho_c(t)" in text and "c2p failures: 0" in text
    assert main([str(out), "--plot", str(tmp_path / "plots")]) == 0
    assert (tmp_path / "plots" / "timeseries.png").stat().st_size > 10_000
    assert (tmp_path / "plots" / "profiles.png").stat().st_size > 10_000


def test_summary_of_a_static_run(tmp_path):
    """The unperturbed star with --well-balanced does not move: the summary says so
    instead of reporting the spectrum of a constant signal."""
    out = tmp_path / "static.h5"
    assert TOVEvolution.main(["--num-points", "100", "--r-max", "20", "--t-final", "160",
                              "--cfl", "0.4", "--well-balanced", "--output", str(out),
                              "--quiet"]) == 0
    text = summarize_run(out)
    assert "no oscillation to measure" in text and "radial modes" not in text


def _not_tovflow(tmp_path):
    path = tmp_path / "other.h5"
    with h5py.File(path, "w") as f:
        f.attrs["code"] = "another code"
        f.create_dataset("data", data=np.arange(3.0))
    return path, "not a tovflow output file"


def _not_hdf5(tmp_path):
    path = tmp_path / "notes.h5"
    path.write_text("not an HDF5 file\n")
    return path, "not a readable HDF5 file"


def _missing(tmp_path):
    return tmp_path / "missing.h5", "no such file"


@pytest.mark.parametrize("make", [_not_tovflow, _not_hdf5, _missing])
def test_command_line_refuses_a_file_that_is_not_a_tovflow_output(tmp_path, make):
    """``python -m source.evolution.analysis FILE``: one line naming the file, exit 2, no
    traceback (a KeyError / FileNotFoundError traceback before ``load_run`` was used)."""
    path, reason = make(tmp_path)
    proc = subprocess.run([sys.executable, "-m", "source.evolution.analysis", str(path)],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert str(path) in lines[0] and reason in lines[0]
    assert "Traceback" not in proc.stderr and proc.stdout == ""
