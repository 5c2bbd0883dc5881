"""Post-processing: radial-mode frequencies from a central-density time series.

Units: t in M_sun; f[kHz] = f[1/M_sun] / (4.925490947e-6 s * 1e3).
"""

import numpy as np

MSUN_SECONDS = 4.925490947e-6


def to_khz(f_per_msun):
    """Convert a frequency from 1/M_sun to kHz."""
    return np.asarray(f_per_msun) / (MSUN_SECONDS * 1e3)


def mode_spectrum(t, signal, t_min=10.0, pad_factor=16):
    """Power spectrum of ``signal(t)`` (uniform t) after removing the mean.

    A Hann window is applied to t >= t_min and the series is zero-padded by ``pad_factor``.
    Returns (f_khz, power).
    """
    t = np.asarray(t, dtype=float)
    s = np.asarray(signal, dtype=float)
    keep = t >= t_min
    t, s = t[keep], s[keep]
    if t.size < 16:
        raise ValueError("time series too short for a spectrum")
    dt = np.median(np.diff(t))
    s = (s - s.mean()) * np.hanning(s.size)
    nfft = int(2 ** np.ceil(np.log2(s.size * pad_factor)))
    power = np.abs(np.fft.rfft(s, nfft)) ** 2
    f = np.fft.rfftfreq(nfft, dt)
    return to_khz(f), power


def peak_frequencies(t, signal, f_min_khz=1.0, f_max_khz=15.0, num_peaks=3, t_min=10.0,
                     separation_khz=0.8):
    """The ``num_peaks`` strongest local maxima of the spectrum in [f_min, f_max] (kHz),
    at least ``separation_khz`` apart, refined by parabolic interpolation of log-power,
    sorted by frequency."""
    f, p = mode_spectrum(t, signal, t_min=t_min)
    band = (f >= f_min_khz) & (f <= f_max_khz)
    idx = np.flatnonzero(band)
    lp = np.log(p + 1e-300)
    maxima = [i for i in idx[1:-1] if p[i] >= p[i - 1] and p[i] >= p[i + 1]]
    maxima.sort(key=lambda i: -p[i])
    chosen = []
    for i in maxima:
        if all(abs(f[i] - f[j]) >= separation_khz for j in chosen):
            chosen.append(i)
        if len(chosen) == num_peaks:
            break
    out = []
    for i in chosen:
        a, b, c = lp[i - 1], lp[i], lp[i + 1]
        denom = a - 2 * b + c
        shift = 0.5 * (a - c) / denom if denom != 0 else 0.0
        out.append(f[i] + shift * (f[1] - f[0]))
    return sorted(out)


def fundamental_frequency(t, signal, f_min_khz=1.5, f_max_khz=3.5, t_min=10.0):
    """The strongest spectral peak between f_min and f_max (kHz): the F-mode in Cowling."""
    return peak_frequencies(t, signal, f_min_khz, f_max_khz, 1, t_min)[0]
