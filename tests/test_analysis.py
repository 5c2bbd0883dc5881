"""Post-processing: spectral peak finder on a synthetic signal, run summary and plots."""

import numpy as np

import TOVEvolution
from source.evolution.analysis import MSUN_SECONDS, main, mode_frequencies, summarize_run


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
