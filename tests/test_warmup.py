"""The install-time warm-up (source/warmup.py): its runs start and finish, and it refuses
unknown names."""

import pytest

from source.warmup import RUNS, default_runs, warm


def test_default_runs_are_known():
    assert set(default_runs()) <= set(RUNS)
    assert "cowling-serial" in default_runs() and "dynamic-serial" in default_runs()


def test_warm_runs_a_run_to_completion():
    lines = []
    results = warm(["cowling-serial"], jobs=1, log=lines.append)
    seconds, code = results["cowling-serial"]
    assert code == 0 and seconds > 0.0
    assert lines and lines[0].startswith("  cowling-serial:")


def test_unknown_run_is_refused():
    with pytest.raises(ValueError, match="unknown warm-up run"):
        warm(["cowling-fast"])
