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
