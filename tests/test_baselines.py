"""Regression against the stored baseline outputs in baselines/ (see
source/validation/baselines.py for the commands that made them; `make baseline-update`
regenerates them deliberately)."""

import pytest

from source.validation.baselines import (
    BASELINE_DIR,
    BASELINES,
    DEFAULT_TOLERANCE,
    differences,
    make,
)


@pytest.mark.parametrize("name", sorted(BASELINES))
@pytest.mark.parametrize("path", ["fused", "modular"])
def test_baseline(tmp_path, name, path):
    ref = BASELINE_DIR / f"{name}.h5"
    assert ref.exists(), f"missing {ref}: run `make baseline-update`"
    out = tmp_path / "run.h5"
    assert make(name, out, path) == 0
    diffs = differences(ref, out)
    worst = {k: rel for k, (_, rel) in diffs.items() if rel > DEFAULT_TOLERANCE}
    assert not worst, f"{name} [{path}] differs from the baseline: {worst}"


def test_differences_sees_one_changed_value(tmp_path):
    """The comparison can fail: one snapshot value and one time-series value changed in a
    copy of a baseline are reported, and nothing else."""
    import shutil

    import h5py

    ref = BASELINE_DIR / f"{sorted(BASELINES)[0]}.h5"
    changed = tmp_path / "changed.h5"
    shutil.copyfile(ref, changed)
    with h5py.File(changed, "a") as f:
        last = sorted(f["snapshots"])[-1]
        f["snapshots"][last]["press"][10] *= 1.0 + 1e-6
        f["timeseries"]["rho_c"][5] *= 1.0 - 1e-6
    diffs = differences(ref, changed)
    assert diffs["snapshot/press"][1] > 1e-8 and diffs["timeseries/rho_c"][1] > 1e-8
    assert all(rel == 0.0 for key, (_, rel) in diffs.items()
               if key not in ("snapshot/press", "timeseries/rho_c"))
    assert all(rel == 0.0 for _, rel in differences(ref, ref).values())


def test_velocities_are_compared_in_units_of_c(tmp_path):
    """An equilibrium star's velocity is truncation error: a change of 1e-15 c (another
    CPU's round-off) passes, a change of 1e-9 c fails, and S_r is measured against D."""
    import shutil

    import h5py

    ref = BASELINE_DIR / f"{sorted(BASELINES)[0]}.h5"
    for dv, flagged in ((1e-15, False), (1e-9, True)):
        changed = tmp_path / f"changed_{dv:g}.h5"
        shutil.copyfile(ref, changed)
        with h5py.File(changed, "a") as f:
            last = sorted(f["snapshots"])[-1]
            f["snapshots"][last]["vr"][10] += dv
            f["snapshots"][last]["S_r"][10] += dv * f["snapshots"][last]["D"][10]
            f["timeseries"]["v_c"][5] += dv
        diffs = differences(ref, changed)
        for key in ("snapshot/vr", "snapshot/S_r", "timeseries/v_c"):
            assert (diffs[key][1] > DEFAULT_TOLERANCE) == flagged, (key, dv, diffs[key])


def test_check_reports_every_variable(capsys):
    """``make baseline-check``'s report: a line per baseline and path with its status and a
    line per variable (one baseline, one path here; the test above runs them all)."""
    from source.validation.baselines import check

    name = sorted(BASELINES)[0]
    assert check(paths=("fused",), names=[name])
    out = capsys.readouterr().out
    assert f"{name} [fused]: ok" in out
    assert "timeseries/v_c" in out and "snapshot/S_r" in out
